/* SPDX-License-Identifier: BSD-3-Clause */
/* Allow/deny suffix sets: whole-label matching, normalisation, loader errors, digests, and the
 * lists shipped in config/. */
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
#include "dnsf_suffix.h"
#include "tmpfile.h"

static struct dnsf_suffix_set *
set_of(const char *const *names, size_t n)
{
	struct dnsf_suffix_set *s = dnsf_suffix_set_create();
	char err[128];

	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		if (dnsf_suffix_set_add(s, names[i], err, sizeof(err)) != 0)
			fail_msg("add %s: %s", names[i], err);
	}
	return s;
}

static void
test_whole_labels(void **state)
{
	(void)state;
	const char *names[] = {"evil.com"};
	struct dnsf_suffix_set *s = set_of(names, 1);

	assert_int_equal(dnsf_suffix_set_match_name(s, "evil.com"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "a.evil.com"), 1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "x.y.z.evil.com"), 3);
	assert_int_equal(dnsf_suffix_set_match_name(s, "EVIL.COM."), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "A.Evil.Com"), 1);
	/* Never on a partial label, never a parent, never with more labels on the right. */
	assert_int_equal(dnsf_suffix_set_match_name(s, "notevil.com"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "a.notevil.com"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "vil.com"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "com"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "evil.com.au"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "evil.co"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "evilcom"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "evil-com"), -1);
	/* The root and invalid names never match. */
	assert_int_equal(dnsf_suffix_set_match_name(s, ""), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "."), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "a..evil.com"), -1);
	assert_int_equal(dnsf_suffix_set_count(s), 1);
	dnsf_suffix_set_free(s);
}

static void
test_entry_forms(void **state)
{
	(void)state;
	const char *names[] = {"*.Foo.EXAMPLE", ".bar.example",        "baz.example.",
	                       "QUX.example",   "under_score.example", "xn--bcher-kva.example"};
	struct dnsf_suffix_set *s = set_of(names, 6);
	char v1[64], v2[64], err[128];

	assert_int_equal(dnsf_suffix_set_count(s), 6);
	assert_int_equal(dnsf_suffix_set_match_name(s, "foo.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "w.foo.example"), 1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "bar.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "a.b.baz.example"), 2);
	assert_int_equal(dnsf_suffix_set_match_name(s, "qux.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "x.under_score.example"), 1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "www.xn--bcher-kva.example"), 1);
	/* "*.foo" means foo and below, not only below. The parent is not matched. */
	assert_int_equal(dnsf_suffix_set_match_name(s, "example"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "other.example"), -1);

	/* Duplicates, in any spelling, change neither the count nor the version. */
	dnsf_suffix_set_version(s, v1, sizeof(v1));
	assert_int_equal(dnsf_suffix_set_add(s, "foo.example", err, sizeof(err)), 0);
	assert_int_equal(dnsf_suffix_set_add(s, "*.BAR.example.", err, sizeof(err)), 0);
	assert_int_equal(dnsf_suffix_set_count(s), 6);
	dnsf_suffix_set_version(s, v2, sizeof(v2));
	assert_string_equal(v1, v2);
	assert_true(strncmp(v1, "6-", 2) == 0);
	assert_int_equal(strlen(v1), 2 + 16);
	dnsf_suffix_set_free(s);
}

static void
test_invalid_entries(void **state)
{
	(void)state;
	char l64[80], n254[300];
	struct {
		const char *name, *err;
	} bad[] = {
	    {"", "empty name"},
	    {".", "empty name"},
	    {"*.", "empty name"},
	    {"..", "empty name"},
	    {"*", "'*' is allowed only as a leading \"*.\""},
	    {"*.*.evil.com", "'*' is allowed only as a leading \"*.\""},
	    {"a*.evil.com", "'*' is allowed only as a leading \"*.\""},
	    {"evil.*.com", "'*' is allowed only as a leading \"*.\""},
	    {"a..evil.com", "empty label"},
	    {"..evil.com", "empty label"},
	    {"evil.com..", "empty label"},
	    {"evil com", "invalid byte 0x20 (only A-Z a-z 0-9 - _; IDNs as xn--)"},
	    {"evil.com/x", "invalid character '/'"},
	    {"ev!l.com", "invalid character '!'"},
	    {"b\xc3\xbc"
	     "cher.example",
	     "invalid byte 0xc3 (only A-Z a-z 0-9 - _; IDNs as xn--)"},
	    {l64, "label longer than 63 characters"},
	    {n254, "name longer than 253 characters"},
	};
	struct dnsf_suffix_set *s = dnsf_suffix_set_create();
	char err[128];

	memset(l64, 'a', 64);
	strcpy(l64 + 64, ".com");
	/* 254 characters: 127 labels "a." would be 254 with the last dot, so use 62-char labels. */
	for (int i = 0; i < 4; i++) {
		memset(n254 + i * 63, 'b', 62);
		n254[i * 63 + 62] = '.';
	}
	strcpy(n254 + 252, "cc"); /* 4 * 63 + 2 = 254 */
	assert_int_equal(strlen(n254), 254);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (dnsf_suffix_set_add(s, bad[i].name, err, sizeof(err)) != -1)
			fail_msg("accepted '%s'", bad[i].name);
		assert_string_equal(err, bad[i].err);
	}
	assert_int_equal(dnsf_suffix_set_count(s), 0);
	/* 253 is the limit and allowed; a 63-character label too. */
	n254[253] = '\0';
	assert_int_equal(dnsf_suffix_set_add(s, n254, err, sizeof(err)), 0);
	l64[63] = '\0';
	assert_int_equal(dnsf_suffix_set_add(s, l64, err, sizeof(err)), 0);
	assert_int_equal(dnsf_suffix_set_count(s), 2);
	assert_int_equal(dnsf_suffix_set_match_name(s, l64), 0);
	dnsf_suffix_set_free(s);
}

static void
test_shortest_match_and_nodes(void **state)
{
	(void)state;
	const char *names[] = {"deep.sub.evil.com", "evil.com", "a.b.c", "arpa"};
	struct dnsf_suffix_set *s = set_of(names, 4);

	/* The first match from the right is the shortest (most general) entry. */
	assert_int_equal(dnsf_suffix_set_match_name(s, "x.deep.sub.evil.com"), 3);
	assert_int_equal(dnsf_suffix_set_match_name(s, "deep.sub.evil.com"), 2);
	/* Ancestors stored for early exit are not entries. */
	assert_int_equal(dnsf_suffix_set_match_name(s, "b.c"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "c"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "x.b.c"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "a.b.c"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "z.a.b.c"), 1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "com"), -1);
	/* A one-label entry. */
	assert_int_equal(dnsf_suffix_set_match_name(s, "4.3.2.1.in-addr.arpa"), 5);
	assert_int_equal(dnsf_suffix_set_match_name(s, "arpa"), 0);
	assert_int_equal(dnsf_suffix_set_count(s), 4);
	dnsf_suffix_set_free(s);
}

static void
test_deep_names(void **state)
{
	(void)state;
	const char *names[] = {"evil.com", "a"};
	struct dnsf_suffix_set *s = set_of(names, 2);
	char name[256];
	size_t o = 0;

	/* 122 labels "x." + "evil.com": 252 characters. */
	for (int i = 0; i < 122; i++) {
		name[o++] = 'x';
		name[o++] = '.';
	}
	strcpy(name + o, "evil.com");
	assert_int_equal(strlen(name), 252);
	assert_int_equal(dnsf_suffix_set_match_name(s, name), 122);

	/* The most labels a name can have: 127 one-letter labels, 253 characters. */
	o = 0;
	for (int i = 0; i < 127; i++) {
		name[o++] = 'a';
		name[o++] = '.';
	}
	name[o - 1] = '\0';
	assert_int_equal(strlen(name), 253);
	assert_int_equal(dnsf_suffix_set_match_name(s, name), 126);
	name[0] = 'b'; /* still ends in ".a" */
	assert_int_equal(dnsf_suffix_set_match_name(s, name), 126);
	dnsf_suffix_set_free(s);
}

/* The fast path on message fields: label boundaries come from label_off/label_len, not from
 * dots, and the hashes are the caller's. */
static void
test_match_msg(void **state)
{
	(void)state;
	const char *names[] = {"evil.com"};
	struct dnsf_suffix_set *s = set_of(names, 1);
	struct dnsf_dns_msg m, m2;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1], h2[DNSF_DNS_MAX_LABELS + 1];

	assert_int_equal(dnsf_suffix_name_parse("Www.Evil.Com.", &m), 0);
	assert_string_equal(m.qname, "www.evil.com");
	assert_int_equal(m.nlabels, 3);
	assert_int_equal(m.qname_len, 12);
	assert_int_equal(m.label_off[1], 4);
	assert_int_equal(m.label_len[1], 4);
	dnsf_name_msg_hashes(&m, h);
	/* The parse agrees with the reference name hash of dnsf_name.h. */
	assert_true(h[0] == dnsf_name_hash("www.evil.com"));
	assert_true(h[1] == dnsf_name_hash("evil.com"));
	assert_int_equal(dnsf_suffix_set_match(s, &m, h), 1);
	assert_string_equal(dnsf_suffix_at(&m, 1), "evil.com");
	assert_string_equal(dnsf_suffix_at(&m, 3), "");

	/* A hash hit is confirmed by the name: "live.com" given the hashes of "evil.com". */
	assert_int_equal(dnsf_suffix_name_parse("www.live.com", &m2), 0);
	assert_int_equal(dnsf_suffix_set_match(s, &m2, h), -1);
	dnsf_name_msg_hashes(&m2, h2);
	assert_int_equal(dnsf_suffix_set_match(s, &m2, h2), -1);

	/* One wire label holding a dot ("evil.com" as a single label under "x") is not the
	 * two-label name evil.com, even with a matching string. */
	memset(&m2, 0, sizeof(m2));
	strcpy(m2.qname, "evil.com");
	m2.qname_len = 8;
	m2.nlabels = 1;
	m2.label_off[0] = 0;
	m2.label_len[0] = 8;
	dnsf_name_msg_hashes(&m2, h2);
	assert_int_equal(dnsf_suffix_set_match(s, &m2, h2), -1);
	h2[0] = h[1]; /* even if its hash collided with evil.com's */
	assert_int_equal(dnsf_suffix_set_match(s, &m2, h2), -1);

	/* Root. */
	assert_int_equal(dnsf_suffix_name_parse("", &m2), 0);
	assert_int_equal(m2.nlabels, 0);
	dnsf_name_msg_hashes(&m2, h2);
	assert_int_equal(dnsf_suffix_set_match(s, &m2, h2), -1);
	dnsf_suffix_set_free(s);
}

static void
test_name_parse_errors(void **state)
{
	(void)state;
	struct dnsf_dns_msg m;
	char l64[80];

	memset(l64, 'a', 64);
	strcpy(l64 + 64, ".com");
	assert_int_equal(dnsf_suffix_name_parse("a..b", &m), -1);
	assert_int_equal(dnsf_suffix_name_parse(".a", &m), -1);
	assert_int_equal(dnsf_suffix_name_parse("a..", &m), -1);
	assert_int_equal(dnsf_suffix_name_parse(l64, &m), -1);
	assert_int_equal(dnsf_suffix_name_parse(".", &m), 0);
	assert_int_equal(m.nlabels, 0);
	/* UTF-8 bytes are kept (the public suffix list has UTF-8 rules). */
	assert_int_equal(dnsf_suffix_name_parse("x.\xc3\xa5lesund.NO", &m), 0);
	assert_string_equal(m.qname, "x.\xc3\xa5lesund.no");
	assert_int_equal(m.label_len[1], 8);
}

static void
test_large_set(void **state)
{
	(void)state;
	struct dnsf_suffix_set *s = dnsf_suffix_set_create();
	char name[64], err[128];
	const unsigned n = 50000;

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%u.zone%u.example", i * 7919u, i % 97);
		assert_int_equal(dnsf_suffix_set_add(s, name, err, sizeof(err)), 0);
	}
	assert_int_equal(dnsf_suffix_set_count(s), n);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "q.d%u.zone%u.example", i * 7919u, i % 97);
		if (dnsf_suffix_set_match_name(s, name) != 1)
			fail_msg("%s not matched", name);
		/* Same labels, wrong zone: must miss. */
		snprintf(name, sizeof(name), "q.d%u.zone%u.example", i * 7919u, (i + 1) % 97);
		if (dnsf_suffix_set_match_name(s, name) != -1)
			fail_msg("%s matched", name);
	}
	assert_int_equal(dnsf_suffix_set_match_name(s, "zone5.example"), -1);
	/* Compact: < 100 bytes per entry here (8-byte slots at load <= 0.5, ~30-byte records). */
	assert_true(dnsf_suffix_set_memory(s) < (size_t)n * 100);
	dnsf_suffix_set_free(s);
}

static void
test_digest(void **state)
{
	(void)state;
	const char *a[] = {"one.example", "two.example", "three.example"};
	const char *b[] = {"three.example", "*.one.example", "two.example", "one.example"};
	const char *c[] = {"one.example", "two.example"};
	const char *d[] = {"one.example", "two.example", "three.example", "four.example"};
	struct dnsf_suffix_set *sa = set_of(a, 3), *sb = set_of(b, 4), *sc = set_of(c, 2),
	                       *sd = set_of(d, 4), *se = dnsf_suffix_set_create();
	char va[64], vb[64], ve[64];

	assert_true(dnsf_suffix_set_digest(sa) == dnsf_suffix_set_digest(sb));
	dnsf_suffix_set_version(sa, va, sizeof(va));
	dnsf_suffix_set_version(sb, vb, sizeof(vb));
	assert_string_equal(va, vb);
	assert_true(dnsf_suffix_set_digest(sa) != dnsf_suffix_set_digest(sc));
	assert_true(dnsf_suffix_set_digest(sa) != dnsf_suffix_set_digest(sd));
	assert_true(dnsf_suffix_set_digest(sa) != 0);
	dnsf_suffix_set_version(se, ve, sizeof(ve));
	assert_string_equal(ve, "0-0000000000000000");
	dnsf_suffix_set_free(sa);
	dnsf_suffix_set_free(sb);
	dnsf_suffix_set_free(sc);
	dnsf_suffix_set_free(sd);
	dnsf_suffix_set_free(se);
}

static void
test_load_ok(void **state)
{
	(void)state;
	static const char text[] = "# deny list for the test\n"
	                           "\n"
	                           "   \t\n"
	                           "evil.com\n"
	                           "  tunnel.example   # iodine test domain\n"
	                           "*.Wild.EXAMPLE\r\n"
	                           "\t.dot.example\t\n"
	                           "trail.example.\n"
	                           "evil.com # again\n"
	                           "#commented.example\n"
	                           "last.example"; /* no final newline */
	struct dnsf_suffix_set *s = NULL;
	char err[256];
	const char *path = write_tmp(text, sizeof(text) - 1);

	assert_int_equal(dnsf_suffix_set_load(path, &s, err, sizeof(err)), 0);
	assert_non_null(s);
	assert_int_equal(dnsf_suffix_set_count(s), 6);
	assert_int_equal(dnsf_suffix_set_match_name(s, "a.evil.com"), 1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "x.tunnel.example"), 1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "wild.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "dot.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "trail.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "last.example"), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "commented.example"), -1);
	assert_int_equal(dnsf_suffix_set_match_name(s, "example"), -1);
	dnsf_suffix_set_free(s);
	unlink(path);

	/* An empty file (or comments only) is an empty list, not an error. */
	path = write_tmp("# nothing\n\n", 11);
	s = NULL;
	assert_int_equal(dnsf_suffix_set_load(path, &s, err, sizeof(err)), 0);
	assert_int_equal(dnsf_suffix_set_count(s), 0);
	assert_int_equal(dnsf_suffix_set_match_name(s, "evil.com"), -1);
	dnsf_suffix_set_free(s);
	unlink(path);
}

static void
test_load_errors(void **state)
{
	(void)state;
	struct {
		const char *text;
		size_t len;
		const char *err; /* after "PATH" */
	} bad[] = {
	    {"ok.example\n# c\n\nbad..example\n", 0, ":4: empty label"},
	    {"a.example b.example\n", 0, ":1: more than one name on the line"},
	    {"ok.example\nwith/slash.example # c\n", 0, ":2: invalid character '/'"},
	    {"x\n*\n", 0, ":2: '*' is allowed only as a leading \"*.\""},
	    {"  .  \n", 0, ":1: empty name"},
	    {"a.example\nnul\0byte.example\n", 27, ":2: NUL byte in line"},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example\n", 0,
	     ":1: label longer than 63 characters"},
	};
	char err[512], want[512];
	struct dnsf_suffix_set *s = (struct dnsf_suffix_set *)&want; /* must stay untouched */

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		const char *path = write_tmp(bad[i].text, len);
		err[0] = '\0';
		assert_int_equal(dnsf_suffix_set_load(path, &s, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s%s", path, bad[i].err);
		assert_string_equal(err, want);
		assert_true(s == (struct dnsf_suffix_set *)&want);
		assert_null(strchr(err, '\n'));
		unlink(path);
	}
	assert_int_equal(dnsf_suffix_set_load("/nonexistent/dnsf/denylist", &s, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "/nonexistent/dnsf/denylist: cannot open: No such file or "
	                         "directory");
}

/* The lists shipped in config/ load and mean what docs/lists.md says. */
static void
test_shipped_lists(void **state)
{
	(void)state;
	char dir[512], path[600], err[512];
	struct dnsf_suffix_set *allow = NULL, *deny = NULL;
	const char *slash;

	/* tests/ of the source tree, from this file's path (absolute, or relative to the build
	 * directory where meson runs the tests). */
	slash = strrchr(__FILE__, '/');
	assert_non_null(slash);
	snprintf(dir, sizeof(dir), "%.*s/../config", (int)(slash - __FILE__), __FILE__);
	snprintf(path, sizeof(path), "%s/allowlist", dir);
	if (dnsf_suffix_set_load(path, &allow, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(path, sizeof(path), "%s/denylist", dir);
	if (dnsf_suffix_set_load(path, &deny, err, sizeof(err)) != 0)
		fail_msg("%s", err);

	const char *allowed[] = {
	    "4.3.2.1.in-addr.arpa",
	    "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa",
	    "2.0.0.127.zen.spamhaus.org",
	    "0123456789abcdef0123456789abcdef.malware.hash.cymru.com",
	    "x.avqs.mcafee.com",
	    "a1b2c3.sophosxl.net",
	    "2.0.0.127.bl.spamcop.net",
	    "rr4---sn-4g5ednsz.googlevideo.com"};
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (dnsf_suffix_set_match_name(allow, allowed[i]) < 0)
			fail_msg("%s not on the allow list", allowed[i]);
	/* Services where anyone can delegate or read a subdomain must not be there. */
	const char *not_allowed[] = {"x.example.com",   "tunnel.duckdns.org", "a.b.afraid.org",
	                             "x.oastify.com",   "x.interact.sh",      "x.github.io",
	                             "notspamhaus.org", "x.mcafee.com",       "arpa"};
	for (size_t i = 0; i < sizeof(not_allowed) / sizeof(not_allowed[0]); i++)
		if (dnsf_suffix_set_match_name(allow, not_allowed[i]) >= 0)
			fail_msg("%s is on the allow list", not_allowed[i]);
	assert_true(dnsf_suffix_set_count(allow) >= 20);
	/* The default deny list blocks nothing real. */
	assert_int_equal(dnsf_suffix_set_count(deny), 0);
	dnsf_suffix_set_free(allow);
	dnsf_suffix_set_free(deny);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_labels),
	    cmocka_unit_test(test_entry_forms),
	    cmocka_unit_test(test_invalid_entries),
	    cmocka_unit_test(test_shortest_match_and_nodes),
	    cmocka_unit_test(test_deep_names),
	    cmocka_unit_test(test_match_msg),
	    cmocka_unit_test(test_name_parse_errors),
	    cmocka_unit_test(test_large_set),
	    cmocka_unit_test(test_digest),
	    cmocka_unit_test(test_load_ok),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_shipped_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
