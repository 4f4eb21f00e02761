/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * feat_names — print the name of every feature id (dnsf_feat_name()), one a line: the names an
 * event's f_<feature> keys can take. tests/integration/test_doc_telemetry.py checks each is
 * documented. Exits 1 when a name is missing.
 */
#include <stdio.h>
#include <string.h>

#include "dnsf_features.h"

int
main(void)
{
	for (unsigned i = 0; i < DNSF_F__COUNT; i++) {
		const char *name = dnsf_feat_name(i);

		if (name == NULL || name[0] == '\0' || strcmp(name, "?") == 0) {
			fprintf(stderr, "feat_names: feature %u has no name\n", i);
			return 1;
		}
		printf("%s\n", name);
	}
	return fflush(stdout) != 0;
}
