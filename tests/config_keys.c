/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_keys — print every key the configuration loader accepts, one key path a line
 * (dnsf_config_keys(): read from the loader's own libcyaml schema, so the list cannot drift
 * from the code). tests/check_doc_config.py checks each is documented in docs/configuration.md.
 * Exits 1 when the walk fails or finds no key at all.
 */
#include <stdio.h>

#include "dnsf_config.h"

static int
print_key(const char *path, void *ctx)
{
	unsigned *n = ctx;

	(*n)++;
	return printf("%s\n", path) < 0;
}

int
main(void)
{
	unsigned n = 0;

	if (dnsf_config_keys(print_key, &n) != 0 || n == 0) {
		fprintf(stderr, "config_keys: walking the schema failed after %u keys\n", n);
		return 1;
	}
	return fflush(stdout) != 0;
}
