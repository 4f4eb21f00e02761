/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tmpfile.h — test helper (header only, include after <cmocka.h>): write bytes to a fresh file in
 * $TMPDIR (else /tmp). The name lands in tmp_path, which the next call overwrites; callers that
 * keep several files copy it.
 */
#ifndef DNSF_TEST_TMPFILE_H
#define DNSF_TEST_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmp_path[256];

static const char *
write_tmp(const char *content, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "%s/dnsf_test_XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return tmp_path;
}

#endif /* DNSF_TEST_TMPFILE_H */
