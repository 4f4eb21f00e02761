/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmpdir.h — test helper (header only, include after <cmocka.h>): a private directory for the
 * files a test group writes. tmpdir_setup()/tmpdir_teardown() are cmocka group fixtures
 * (mkdtemp under /tmp, then rm -rf of that directory only); write_file() puts text in it.
 */
#ifndef DNSF_TEST_TMPDIR_H
#define DNSF_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[] = "/tmp/dnsf_test_XXXXXX";

/* Write `text` to <tmpdir>/name; the full path lands in path[0..len). */
static inline void
write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static inline int
tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static inline int
tmpdir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif /* DNSF_TEST_TMPDIR_H */
