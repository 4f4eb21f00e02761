/* SPDX-License-Identifier: BSD-3-Clause */
/* Public Suffix List: the algorithm on a small list written here (wildcards, exceptions, the
 * private section, multi-level suffixes, the default rule, IDN), loader errors, punycode, and —
 * when Debian's list and libpsl's `psl` tool are installed — agreement with libpsl on every rule
 * of the real list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dnsf_name.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"
#include "tmpfile.h"

/* A miniature list in the real file's layout. */
static const char small_psl[] =
    "// This Source Code Form is subject to the terms of the Mozilla Public\n"
    "\n"
    "// ===BEGIN ICANN DOMAINS===\n"
    "com\n"
    "uk\n"
    "co.uk\n"
    "// ck : no rule for ck itself, as in the real list\n"
    "*.ck\n"
    "!www.ck\n"
    "jp\n"
    "kawasaki.jp\n"
    "*.kawasaki.jp\n"
    "!city.kawasaki.jp\n"
    "no\n"
    "\xc3\xa5lesund.no\n"                                 /* ålesund.no */
    "\xe9\xa6\x99\xe6\xb8\xaf\n"                          /* 香港 */
    "\xe5\x80\x8b\xe4\xba\xba.\xe9\xa6\x99\xe6\xb8\xaf\n" /* 個人.香港 */
    "NET  everything after whitespace is ignored\n"
    "   org\n"
    "*.*.unsupported.example\n"
    "// ===END ICANN DOMAINS===\n"
    "// ===BEGIN PRIVATE DOMAINS===\n"
    "// GitHub\n"
    "github.io\n"
    "cloudfront.net\n"
    "*.compute.cloud.example\n"
    "!special.compute.cloud.example\n"
    "// ===END PRIVATE DOMAINS===\n";

struct split_case {
	const char *name, *regdomain, *suffix;
	unsigned how;
};

static void
check_cases(const struct dnsf_psl *p, const struct split_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char reg[256], suf[256];
		unsigned how = 0;
		int r = dnsf_psl_split_name(p, c[i].name, reg, sizeof(reg));
		int s = dnsf_psl_suffix_name(p, c[i].name, suf, sizeof(suf), &how);
		if (r < 0 || s < 0)
			fail_msg("%s: invalid", c[i].name);
		if (strcmp(reg, c[i].regdomain) != 0 || strcmp(suf, c[i].suffix) != 0 ||
		    how != c[i].how)
			fail_msg("%s: got regdomain '%s' suffix '%s' how 0x%x, want '%s' '%s' 0x%x",
			         c[i].name, reg, suf, how, c[i].regdomain, c[i].suffix, c[i].how);
		/* The split index and the suffix index agree with the strings. */
		assert_int_equal(r, s > 0 ? s - 1 : 0);
	}
}

enum {
	DEF = DNSF_PSL_M_DEFAULT,
	RULE = DNSF_PSL_M_RULE,
	WILD = DNSF_PSL_M_WILDCARD,
	EXC = DNSF_PSL_M_EXCEPTION,
	PRIV = DNSF_PSL_M_PRIVATE,
};

static void
test_small_list(void **state)
{
	(void)state;
	static const struct split_case cases[] = {
	    {"www.example.com", "example.com", "com", RULE},
	    {"example.com", "example.com", "com", RULE},
	    {"WWW.Example.COM.", "example.com", "com", RULE},
	    {"com", "com", "com", RULE}, /* a public suffix is its own key */
	    {"", "", "", DEF},           /* the root */
	    {"a.b.example.co.uk", "example.co.uk", "co.uk", RULE},
	    {"example.uk", "example.uk", "uk", RULE},
	    {"co.uk", "co.uk", "co.uk", RULE},
	    /* Wildcard: any label under ck is a public suffix ... */
	    {"foo.bar.ck", "foo.bar.ck", "bar.ck", WILD},
	    {"a.foo.bar.ck", "foo.bar.ck", "bar.ck", WILD},
	    {"bar.ck", "bar.ck", "bar.ck", WILD},
	    /* ... except www.ck, which is registrable. */
	    {"www.ck", "www.ck", "ck", EXC},
	    {"a.www.ck", "www.ck", "ck", EXC},
	    {"ck", "ck", "ck", WILD}, /* the base of a wildcard, as libpsl */
	    /* Rule, wildcard and exception on one suffix. */
	    {"kawasaki.jp", "kawasaki.jp", "kawasaki.jp", RULE},
	    {"b.kawasaki.jp", "b.kawasaki.jp", "b.kawasaki.jp", WILD},
	    {"a.b.kawasaki.jp", "a.b.kawasaki.jp", "b.kawasaki.jp", WILD},
	    {"x.a.b.kawasaki.jp", "a.b.kawasaki.jp", "b.kawasaki.jp", WILD},
	    {"city.kawasaki.jp", "city.kawasaki.jp", "kawasaki.jp", EXC},
	    {"x.city.kawasaki.jp", "city.kawasaki.jp", "kawasaki.jp", EXC},
	    {"example.jp", "example.jp", "jp", RULE},
	    /* No rule: the implicit "*" makes the last label the public suffix. */
	    {"foo.bar.unknowntld", "bar.unknowntld", "unknowntld", DEF},
	    {"x.io", "x.io", "io", DEF},
	    {"single", "single", "single", DEF},
	    /* Rule text ends at whitespace; leading whitespace is skipped; case folded. */
	    {"a.b.net", "b.net", "net", RULE},
	    {"a.b.org", "b.org", "org", RULE},
	    /* The unsupported "*.*." rule was skipped, its base is not a rule. */
	    {"a.b.unsupported.example", "unsupported.example", "example", DEF},
	    /* IDN: the UTF-8 rule as it is, and its punycode form. */
	    {"www.xn--lesund-hua.no", "www.xn--lesund-hua.no", "xn--lesund-hua.no", RULE},
	    {"www.\xc3\xa5lesund.no", "www.\xc3\xa5lesund.no", "\xc3\xa5lesund.no", RULE},
	    {"example.no", "example.no", "no", RULE},
	    {"a.b.xn--gmqw5a.xn--j6w193g", "b.xn--gmqw5a.xn--j6w193g", "xn--gmqw5a.xn--j6w193g",
	     RULE},
	    {"b.xn--j6w193g", "b.xn--j6w193g", "xn--j6w193g", RULE},
	    /* Private section honoured by default. */
	    {"x.github.io", "x.github.io", "github.io", RULE | PRIV},
	    {"a.b.x.github.io", "x.github.io", "github.io", RULE | PRIV},
	    {"github.io", "github.io", "github.io", RULE | PRIV},
	    {"d1234abcd.cloudfront.net", "d1234abcd.cloudfront.net", "cloudfront.net", RULE | PRIV},
	    {"a.b.compute.cloud.example", "a.b.compute.cloud.example", "b.compute.cloud.example",
	     WILD | PRIV},
	    {"a.special.compute.cloud.example", "special.compute.cloud.example",
	     "compute.cloud.example", EXC | PRIV},
	};
	struct dnsf_psl *p = NULL;
	struct dnsf_psl_info info;
	char err[256], ver[64];
	const char *path = write_tmp(small_psl, sizeof(small_psl) - 1);

	if (dnsf_psl_load(path, false, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	check_cases(p, cases, sizeof(cases) / sizeof(cases[0]));

	dnsf_psl_get_info(p, &info);
	assert_int_equal(info.rules, 19);
	assert_int_equal(info.private_rules, 4);
	assert_int_equal(info.private_ignored, 0);
	assert_int_equal(info.wildcards, 3);
	assert_int_equal(info.exceptions, 3);
	assert_int_equal(info.idn, 3);
	assert_int_equal(info.skipped, 1);
	assert_true(info.digest != 0);
	assert_true(info.memory > 0 && info.memory < 64 * 1024);
	dnsf_psl_version(p, ver, sizeof(ver));
	assert_true(strncmp(ver, "19-", 3) == 0);
	dnsf_psl_free(p);
	unlink(path);
}

static void
test_ignore_private(void **state)
{
	(void)state;
	static const struct split_case cases[] = {
	    {"x.github.io", "github.io", "io", DEF},
	    {"d1234abcd.cloudfront.net", "cloudfront.net", "net", RULE},
	    {"a.special.compute.cloud.example", "cloud.example", "example", DEF},
	    /* ICANN rules unchanged. */
	    {"a.b.example.co.uk", "example.co.uk", "co.uk", RULE},
	    {"a.www.ck", "www.ck", "ck", EXC},
	};
	struct dnsf_psl *p = NULL;
	struct dnsf_psl_info info;
	char err[256];
	const char *path = write_tmp(small_psl, sizeof(small_psl) - 1);

	if (dnsf_psl_load(path, true, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	check_cases(p, cases, sizeof(cases) / sizeof(cases[0]));
	dnsf_psl_get_info(p, &info);
	assert_int_equal(info.rules, 15);
	assert_int_equal(info.private_rules, 0);
	assert_int_equal(info.private_ignored, 4);
	dnsf_psl_free(p);
	unlink(path);
}

/* The fast path on message fields gives the same indexes as the name helpers. */
static void
test_msg_indexes(void **state)
{
	(void)state;
	struct dnsf_psl *p = NULL;
	struct dnsf_dns_msg m;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	char err[256];
	unsigned how;
	const char *path = write_tmp(small_psl, sizeof(small_psl) - 1);

	if (dnsf_psl_load(path, false, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(dnsf_suffix_name_parse("aGVsbG8.d29ybGQ.t.example.co.uk", &m), 0);
	dnsf_name_msg_hashes(&m, h);
	assert_int_equal(dnsf_psl_suffix(p, &m, h, &how), 4);
	assert_int_equal(how, DNSF_PSL_M_RULE);
	assert_int_equal(dnsf_psl_split(p, &m, h), 3);
	assert_string_equal(dnsf_suffix_at(&m, 3), "example.co.uk");

	assert_int_equal(dnsf_suffix_name_parse("co.uk", &m), 0);
	dnsf_name_msg_hashes(&m, h);
	assert_int_equal(dnsf_psl_suffix(p, &m, h, NULL), 0);
	assert_int_equal(dnsf_psl_split(p, &m, h), 0);

	assert_int_equal(dnsf_suffix_name_parse(".", &m), 0);
	dnsf_name_msg_hashes(&m, h);
	assert_int_equal(dnsf_psl_split(p, &m, h), 0);
	assert_string_equal(dnsf_suffix_at(&m, 0), "");

	/* Deepest name: 127 one-letter labels, 253 characters, under the unknown TLD "u". */
	char name[256];
	size_t o = 0;
	for (int i = 0; i < 126; i++) {
		name[o++] = 'z';
		name[o++] = '.';
	}
	strcpy(name + o, "u");
	assert_int_equal(dnsf_suffix_name_parse(name, &m), 0);
	assert_int_equal(m.nlabels, 127);
	dnsf_name_msg_hashes(&m, h);
	assert_int_equal(dnsf_psl_split(p, &m, h), 125);
	assert_string_equal(dnsf_suffix_at(&m, 125), "z.u");

	/* Output buffer too small / invalid name. */
	assert_int_equal(dnsf_psl_split_name(p, "a.example.com", name, 11), -1);
	assert_int_equal(dnsf_psl_split_name(p, "a.example.com", name, 12), 1);
	assert_int_equal(dnsf_psl_split_name(p, "a..com", name, sizeof(name)), -1);
	dnsf_psl_free(p);
	unlink(path);
}

static void
test_load_errors(void **state)
{
	(void)state;
	struct {
		const char *text;
		const char *err; /* after "PATH" */
	} bad[] = {
	    {"// only comments\n\n// ===BEGIN ICANN DOMAINS===\n",
	     ": no public suffix rules found"},
	    {"", ": no public suffix rules found"},
	    {"*\n", ": no public suffix rules found"},
	    {"com\nfoo..bar\n", ":2: empty label"},
	    {"com\n.com\n", ":2: empty label"},
	    {"com.\n", ":1: empty label"},
	    {"a$b.com\n", ":1: invalid character in rule"},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com\n",
	     ":1: label longer than 63 characters"},
	    {"com\n\xff\xfe.com\n", ":2: invalid UTF-8 or IDN label too long for punycode"},
	    {"\xc3.com\n", ":1: invalid UTF-8 or IDN label too long for punycode"},
	};
	char err[512], want[512];
	struct dnsf_psl *p = (struct dnsf_psl *)&want;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = write_tmp(bad[i].text, strlen(bad[i].text));
		err[0] = '\0';
		assert_int_equal(dnsf_psl_load(path, false, &p, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s%s", path, bad[i].err);
		assert_string_equal(err, want);
		assert_true(p == (struct dnsf_psl *)&want);
		unlink(path);
	}
	/* Only private rules, and told to ignore them: nothing left. */
	{
		static const char priv[] = "// ===BEGIN PRIVATE DOMAINS===\ngithub.io\n";
		const char *path = write_tmp(priv, sizeof(priv) - 1);
		assert_int_equal(dnsf_psl_load(path, true, &p, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s: no public suffix rules found", path);
		assert_string_equal(err, want);
		assert_int_equal(dnsf_psl_load(path, false, &p, err, sizeof(err)), 0);
		dnsf_psl_free(p);
		unlink(path);
	}
	assert_int_equal(dnsf_psl_load("/nonexistent/psl.dat", false, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/psl.dat: cannot open: No such file or directory");
}

static void
test_punycode(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} ok[] = {
	    {"b\xc3\xbc"
	     "cher",
	     "xn--bcher-kva"},
	    {"\xc3\xa5lesund", "xn--lesund-hua"},
	    {"m\xc3\xbc"
	     "nchen.de",
	     "xn--mnchen-3ya.de"},
	    {"\xe9\xa6\x99\xe6\xb8\xaf", "xn--j6w193g"},
	    {"\xe5\x80\x8b\xe4\xba\xba.\xe9\xa6\x99\xe6\xb8\xaf", "xn--gmqw5a.xn--j6w193g"},
	    {"\xd7\x99\xd7\xa9\xd7\xa8\xd7\x90\xd7\x9c", "xn--4dbrk0ce"},
	    /* RFC 3492 7.1 (A) Arabic (Egyptian), (L) 3<nen>B<gumi><kinpachi><sensei>. */
	    {"\xd9\x84\xd9\x8a\xd9\x87\xd9\x85\xd8\xa7\xd8\xa8\xd8\xaa\xd9\x83\xd9\x84\xd9\x85"
	     "\xd9\x88\xd8\xb4\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\x9f",
	     "xn--egbpdaj6bu4bxfgehfvwxn"},
	    {"3\xe5\xb9\xb4"
	     "B\xe7\xb5\x84\xe9\x87\x91\xe5\x85\xab\xe5\x85\x88\xe7\x94\x9f",
	     "xn--3B-ww4c5e180e575a65lsy2b"},
	    /* Supplementary plane (U+1F600). */
	    {"\xf0\x9f\x98\x80", "xn--e28h"},
	    {"plain.ascii", "plain.ascii"},
	};
	char out[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = dnsf_psl_to_ascii(ok[i].in, strlen(ok[i].in), out, sizeof(out));
		if (n < 0)
			fail_msg("%s: failed", ok[i].out);
		assert_string_equal(out, ok[i].out);
		assert_int_equal(n, strlen(ok[i].out));
	}
	static const char *const bad[] = {
	    "\xc3",             /* truncated */
	    "\xc0\x80",         /* overlong NUL */
	    "\xe0\x80\xaf",     /* overlong '/' */
	    "\xed\xa0\x80",     /* surrogate */
	    "\xf4\x90\x80\x80", /* > U+10FFFF */
	    "\x80",             /* stray continuation */
	    "a..b",             /* empty label */
	    /* 58 ASCII + one non-ASCII: "xn--" + 58 + "-" + digits > 63. */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dnsf_psl_to_ascii(bad[i], strlen(bad[i]), out, sizeof(out)) != -1)
			fail_msg("bad input %zu accepted as %s", i, out);
	/* Output that does not fit. */
	assert_int_equal(dnsf_psl_to_ascii("\xc3\xa5lesund", 8, out, 14), -1);
	assert_int_equal(dnsf_psl_to_ascii("\xc3\xa5lesund", 8, out, 15), 14);
}

/* ---- the real list against libpsl ---- */

#define REAL_PSL DNSF_PSL_DEFAULT_PATH

static int
have_psl_tool(void)
{
	return system("command -v psl >/dev/null 2>&1") == 0;
}

/* Names to compare: for every rule of the real file, the rule itself and one and two labels
 * below it (wildcards filled in), in punycode and, for IDN rules, also in UTF-8; plus names
 * under unknown TLDs. Written one per line to `f`. Returns how many. */
static unsigned
gen_names(FILE *in, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;

	while (getline(&line, &cap, in) >= 0) {
		char *s = line, *e, ascii[256];
		const char *forms[2];
		int nforms = 0;
		if (s[0] == '/' && s[1] == '/')
			continue;
		for (e = s; *e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r'; e++)
			;
		*e = '\0';
		if (*s == '\0')
			continue;
		if (*s == '!')
			s++;
		if (s[0] == '*' && s[1] == '.') {
			s += 2;
			fprintf(f, "w0.%s\nz.w0.%s\n", s, s); /* utf-8 form; ascii below */
			n += 2;
		}
		if (dnsf_psl_to_ascii(s, strlen(s), ascii, sizeof(ascii)) < 0)
			continue;
		forms[nforms++] = ascii;
		if (strcmp(ascii, s) != 0)
			forms[nforms++] = s;
		for (int k = 0; k < nforms; k++) {
			fprintf(f, "%s\nq.%s\nr.q.%s\nhy-phen.x1.%s\n", forms[k], forms[k],
			        forms[k], forms[k]);
			n += 4;
		}
		fprintf(f, "w0.%s\n", ascii);
		n++;
	}
	static const char *const extra[] = {"foo.bar.unknowntld",
	                                    "x.unknowntld",
	                                    "unknowntld",
	                                    "a.b.c.d.e.f.g.h",
	                                    "example.com",
	                                    "www.example.com",
	                                    "aGVsbG8gd29ybGQ.t.example.co.uk"};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++, n++)
		fprintf(f, "%s\n", extra[i]);
	free(line);
	return n;
}

static void
test_real_list_vs_libpsl(void **state)
{
	(void)state;
	char names_path[256], out_path[256], cmd[1024], err[512];
	struct dnsf_psl *p = NULL;
	FILE *in, *names, *res;
	unsigned n, checked = 0, bad = 0;

	if (access(REAL_PSL, R_OK) != 0 || !have_psl_tool()) {
		print_message("skipped: %s or the psl tool (package psl) is missing\n", REAL_PSL);
		skip();
	}
	if (dnsf_psl_load(REAL_PSL, false, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);

	write_tmp("", 0);
	snprintf(names_path, sizeof(names_path), "%s", tmp_path);
	write_tmp("", 0);
	snprintf(out_path, sizeof(out_path), "%s", tmp_path);
	in = fopen(REAL_PSL, "r");
	names = fopen(names_path, "w");
	assert_non_null(in);
	assert_non_null(names);
	n = gen_names(in, names);
	fclose(in);
	fclose(names);
	assert_true(n > 1000);

	snprintf(cmd, sizeof(cmd),
	         "psl --load-psl-file '%s' --print-reg-domain -b < '%s' > '%s' 2>/dev/null",
	         REAL_PSL, names_path, out_path);
	assert_int_equal(system(cmd), 0);

	names = fopen(names_path, "r");
	res = fopen(out_path, "r");
	assert_non_null(names);
	assert_non_null(res);
	for (;;) {
		char name[512], want[512], got[256], suf[256];
		int r, s;
		if (fgets(name, sizeof(name), names) == NULL)
			break;
		if (fgets(want, sizeof(want), res) == NULL)
			fail_msg("psl gave fewer lines than names (%u)", checked);
		name[strcspn(name, "\n")] = '\0';
		want[strcspn(want, "\n")] = '\0';
		r = dnsf_psl_split_name(p, name, got, sizeof(got));
		s = dnsf_psl_suffix_name(p, name, suf, sizeof(suf), NULL);
		if (r < 0 || s < 0)
			fail_msg("%s: invalid", name);
		checked++;
		/* libpsl has no registrable domain for a public suffix; ours is the suffix itself.
		 */
		if (strcmp(want, "(null)") == 0 ? s != 0 : (s == 0 || strcmp(want, got) != 0)) {
			if (bad++ < 10)
				print_error("%s: libpsl '%s', dnsf '%s' (suffix '%s')\n", name,
				            want, got, suf);
		}
	}
	fclose(names);
	fclose(res);
	unlink(names_path);
	unlink(out_path);
	print_message("compared %u names with libpsl, %u differ\n", checked, bad);
	assert_int_equal(checked, n);
	assert_int_equal(bad, 0);
	dnsf_psl_free(p);
}

static void
test_real_list_private(void **state)
{
	(void)state;
	static const struct split_case honour[] = {
	    {"d1234abcd.cloudfront.net", "d1234abcd.cloudfront.net", "cloudfront.net", RULE | PRIV},
	    {"user.github.io", "user.github.io", "github.io", RULE | PRIV},
	    {"a.b.example.co.uk", "example.co.uk", "co.uk", RULE},
	    {"4.3.2.1.in-addr.arpa", "1.in-addr.arpa", "in-addr.arpa", RULE},
	};
	static const struct split_case ignore[] = {
	    {"d1234abcd.cloudfront.net", "cloudfront.net", "net", RULE},
	    {"user.github.io", "github.io", "io", RULE},
	};
	struct dnsf_psl *p = NULL;
	struct dnsf_psl_info info;
	char err[512];

	if (access(REAL_PSL, R_OK) != 0) {
		print_message("skipped: %s is missing\n", REAL_PSL);
		skip();
	}
	if (dnsf_psl_load(REAL_PSL, false, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	dnsf_psl_get_info(p, &info);
	assert_true(info.rules > 5000);
	assert_true(info.private_rules > 1000);
	assert_true(info.exceptions > 0 && info.wildcards > 0 && info.idn > 0);
	/* Compact: well under 2 MiB for the whole list. */
	assert_true(info.memory < 2u * 1024 * 1024);
	print_message("real list: %u rules, %u private, %u idn, %zu bytes\n", info.rules,
	              info.private_rules, info.idn, info.memory);
	check_cases(p, honour, sizeof(honour) / sizeof(honour[0]));
	dnsf_psl_free(p);

	if (dnsf_psl_load(REAL_PSL, true, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	check_cases(p, ignore, sizeof(ignore) / sizeof(ignore[0]));
	dnsf_psl_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_list),        cmocka_unit_test(test_ignore_private),
	    cmocka_unit_test(test_msg_indexes),       cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_punycode),          cmocka_unit_test(test_real_list_vs_libpsl),
	    cmocka_unit_test(test_real_list_private),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
