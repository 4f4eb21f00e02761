/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_list — the list loaders on a file holding the input: dnsf_suffix_set_load() (allow/deny
 * lists) and dnsf_psl_load() (public suffix list, PRIVATE rules kept or skipped by the input's
 * length parity), plus dnsf_psl_to_ascii() (UTF-8 -> punycode) on the raw input.
 *
 * Checked: errors are one non-empty line naming the file; a suffix set loaded from the file has
 * the same count and digest as one built by dnsf_suffix_set_add() from the same lines (comments
 * and surrounding blanks removed), and every entry matches itself; public suffix look-ups of each
 * line and of fixed names return in-range indexes and NUL-terminated suffixes of the name;
 * dnsf_psl_to_ascii() output is ASCII, NUL-terminated and as long as it says, also when cut.
 * LeakSanitizer reports anything left allocated.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "dnsf_dns.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"
#include "fuzz_common.h"

static const char *list_path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	list_path = fuzz_tmp_path(0, "list.txt");
	return 0;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void
check_err(const char *err)
{
	FUZZ_CHECK(memchr(err, '\0', FUZZ_ERR_MAX) != NULL);
	FUZZ_CHECK(strncmp(err, list_path, strlen(list_path)) == 0);
	FUZZ_CHECK(strchr(err, '\n') == NULL);
}

/* Next line of buf (without '\n', comment cut, blanks trimmed) into out; returns 0 at the end. */
static int
next_line(const uint8_t *buf, size_t size, size_t *pos, char *out, size_t outlen)
{
	size_t start = *pos, end = start, n;
	char *p, *e;

	if (start >= size)
		return 0;
	while (end < size && buf[end] != '\n')
		end++;
	*pos = end + 1;
	n = end - start < outlen - 1 ? end - start : outlen - 1;
	memcpy(out, buf + start, n);
	out[n] = '\0';
	if ((p = strchr(out, '#')) != NULL)
		*p = '\0';
	p = out;
	while (is_space((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && is_space((unsigned char)e[-1]))
		*--e = '\0';
	memmove(out, p, strlen(p) + 1);
	return 1;
}

static void
check_psl_name(const struct dnsf_psl *psl, const char *name)
{
	char out[DNSF_DNS_MAX_NAME + 2], low[DNSF_DNS_MAX_NAME + 2];
	size_t n = strlen(name), o;
	unsigned how = 0;
	int r;

	if (n >= sizeof(low))
		return;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	if (n > 0 && low[n - 1] == '.')
		low[--n] = '\0';
	r = dnsf_psl_split_name(psl, name, out, sizeof(out));
	if (r >= 0) {
		FUZZ_CHECK(r <= DNSF_DNS_MAX_LABELS);
		o = strlen(out);
		FUZZ_CHECK(o <= n && strcmp(low + (n - o), out) == 0);
	}
	r = dnsf_psl_suffix_name(psl, name, out, sizeof(out), &how);
	if (r >= 0) {
		FUZZ_CHECK(r <= DNSF_DNS_MAX_LABELS);
		FUZZ_CHECK(how != 0 && how < 0x20);
		o = strlen(out);
		FUZZ_CHECK(o <= n && strcmp(low + (n - o), out) == 0);
	}
	/* A cut output buffer fails cleanly or fits. */
	r = dnsf_psl_split_name(psl, name, out, 4);
	if (r >= 0)
		FUZZ_CHECK(strlen(out) < 4);
}

static void
fuzz_suffix(const uint8_t *data, size_t size)
{
	struct dnsf_suffix_set *s = NULL, *t;
	char err[FUZZ_ERR_MAX], ver[64], *line;
	size_t pos = 0;

	if (dnsf_suffix_set_load(list_path, &s, err, sizeof(err)) != 0) {
		FUZZ_CHECK(s == NULL);
		check_err(err);
		return;
	}
	FUZZ_CHECK(s != NULL);
	t = dnsf_suffix_set_create();
	line = malloc(size + 1);
	FUZZ_CHECK(t != NULL && line != NULL);
	while (next_line(data, size, &pos, line, size + 1)) {
		char *e = line;

		if (line[0] == '\0')
			continue;
		FUZZ_CHECK(dnsf_suffix_set_add(t, line, err, sizeof(err)) == 0);
		if (e[0] == '*' && e[1] == '.')
			e += 2;
		else if (e[0] == '.')
			e++;
		FUZZ_CHECK(dnsf_suffix_set_match_name(s, e) >= 0); /* shortest entry wins */
	}
	FUZZ_CHECK(dnsf_suffix_set_count(s) == dnsf_suffix_set_count(t));
	FUZZ_CHECK(dnsf_suffix_set_digest(s) == dnsf_suffix_set_digest(t));
	FUZZ_CHECK(dnsf_suffix_set_version(s, ver, sizeof(ver)) > 0);
	FUZZ_CHECK(dnsf_suffix_set_memory(s) > 0);
	free(line);
	dnsf_suffix_set_free(t);
	dnsf_suffix_set_free(s);
}

static void
fuzz_psl(const uint8_t *data, size_t size)
{
	static const char *names[] = {"www.example.com",
	                              "a.b.c.kawasaki.jp",
	                              "city.kawasaki.jp",
	                              "x.y.ck",
	                              "www.ck",
	                              "foo.github.io",
	                              "com",
	                              "",
	                              ".",
	                              "a.xn--p1ai",
	                              "\xd0\xbf\xd1\x80.\xd1\x80\xd1\x84"};
	struct dnsf_psl *psl = NULL;
	struct dnsf_psl_info info;
	char err[FUZZ_ERR_MAX], ver[64], *line;
	size_t pos = 0;

	if (dnsf_psl_load(list_path, size & 1, &psl, err, sizeof(err)) != 0) {
		FUZZ_CHECK(psl == NULL);
		check_err(err);
		return;
	}
	dnsf_psl_get_info(psl, &info);
	FUZZ_CHECK(info.rules > 0 && info.private_rules <= info.rules + info.private_ignored);
	FUZZ_CHECK(dnsf_psl_version(psl, ver, sizeof(ver)) > 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_psl_name(psl, names[i]);
	line = malloc(size + 1);
	FUZZ_CHECK(line != NULL);
	for (unsigned n = 0; n < 64 && next_line(data, size, &pos, line, size + 1); n++) {
		char *e = line;

		if (line[0] == '/' || line[0] == '\0')
			continue;
		if (e[0] == '!')
			e++;
		else if (e[0] == '*' && e[1] == '.')
			e += 2;
		check_psl_name(psl, e);
	}
	free(line);
	dnsf_psl_free(psl);
}

static void
fuzz_to_ascii(const uint8_t *data, size_t size)
{
	static char out[1024];
	int r;

	if (size > 512)
		size = 512;
	r = dnsf_psl_to_ascii((const char *)data, size, out, sizeof(out));
	if (r >= 0) {
		/* A NUL byte in an ASCII label is copied like any other byte (the loaders reject
		 * NULs before they get here), so strlen() may be shorter than r. */
		FUZZ_CHECK((size_t)r < sizeof(out) && out[r] == '\0');
		for (int i = 0; i < r; i++)
			FUZZ_CHECK((unsigned char)out[i] < 0x80);
	}
	/* A small output buffer (exact size on the heap) fails cleanly or holds the same text. */
	{
		char *small = malloc(16);
		int r2;

		FUZZ_CHECK(small != NULL);
		r2 = dnsf_psl_to_ascii((const char *)data, size, small, 16);
		if (r2 >= 0)
			FUZZ_CHECK(r2 < 16 && r == r2 && memcmp(small, out, (size_t)r + 1) == 0);
		free(small);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	fuzz_write_file(list_path, data, size);
	fuzz_suffix(data, size);
	fuzz_psl(data, size);
	fuzz_to_ascii(data, size);
	return 0;
}
