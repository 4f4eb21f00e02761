/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The merged allow/deny/PSL index (dnsf_listidx.h) against the three separate look-ups it
 * replaces (dnsf_suffix_set_match twice, dnsf_psl_suffix), on crafted and random names: PSL
 * wildcard/exception/private/IDN rules, list entries that are ancestors of each other and of PSL
 * rules, names deeper than every entry, letter case, missing sources, and hash collisions forced
 * by handing the index another name's suffix hashes (what a 64-bit collision looks like to it).
 * With Debian's list installed, also every rule of the real PSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dnsf_listidx.h"
#include "dnsf_name.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"
#include "tmpfile.h"

static const char small_psl[] = "// ===BEGIN ICANN DOMAINS===\n"
                                "com\n"
                                "uk\n"
                                "co.uk\n"
                                "*.ck\n"
                                "!www.ck\n"
                                "a.www.ck\n" /* rules below an exception: never reached */
                                "*.b.www.ck\n"
                                "jp\n"
                                "kawasaki.jp\n"
                                "*.kawasaki.jp\n"
                                "!city.kawasaki.jp\n"
                                "no\n"
                                "\xc3\xa5lesund.no\n" /* ålesund.no, also xn--lesund-hua.no */
                                "net\n"
                                "org\n"
                                "*.wild.org\n"
                                "// ===END ICANN DOMAINS===\n"
                                "// ===BEGIN PRIVATE DOMAINS===\n"
                                "github.io\n"
                                "cloudfront.net\n"
                                "*.compute.cloud.example\n"
                                "!special.compute.cloud.example\n"
                                "evil.com\n"
                                "// ===END PRIVATE DOMAINS===\n";

/* Allow and deny entries: ancestors of each other, equal to / under / above PSL rules. */
static const char *const allow_entries[] = {"good.com", "ok.evil.com", "a.b.c.d.example",
                                            "co.uk",    "x.www.ck",    "city.kawasaki.jp",
                                            "github.io"};
static const char *const deny_entries[] = {
    "evil.com", "bad.ok.evil.com", "com.evil.com",    "c.d.example",
    "ck",       "cloudfront.net",  "a.b.kawasaki.jp", "wild.org"};

/* Labels names are made of: every label above plus a few that match nothing. */
static const char *const vocab[] = {"com",        "uk",
                                    "co",         "ck",
                                    "www",        "jp",
                                    "kawasaki",   "city",
                                    "no",         "xn--lesund-hua",
                                    "net",        "org",
                                    "wild",       "github",
                                    "io",         "cloudfront",
                                    "compute",    "cloud",
                                    "example",    "special",
                                    "evil",       "good",
                                    "ok",         "bad",
                                    "a",          "b",
                                    "c",          "d",
                                    "x",          "zz",
                                    "unknowntld", "Evil",
                                    "COM",        "longerlabel-than-eight"};

struct fixture {
	struct dnsf_suffix_set *allow, *deny;
	struct dnsf_psl *psl, *psl_nopriv;
};

static struct fixture fx;

static int
setup(void **state)
{
	char err[256];
	const char *path = write_tmp(small_psl, sizeof(small_psl) - 1);

	(void)state;
	fx.allow = dnsf_suffix_set_create();
	fx.deny = dnsf_suffix_set_create();
	for (size_t i = 0; i < sizeof(allow_entries) / sizeof(allow_entries[0]); i++)
		assert_int_equal(dnsf_suffix_set_add(fx.allow, allow_entries[i], err, sizeof(err)),
		                 0);
	for (size_t i = 0; i < sizeof(deny_entries) / sizeof(deny_entries[0]); i++)
		assert_int_equal(dnsf_suffix_set_add(fx.deny, deny_entries[i], err, sizeof(err)),
		                 0);
	assert_int_equal(dnsf_psl_load(path, false, &fx.psl, err, sizeof(err)), 0);
	assert_int_equal(dnsf_psl_load(path, true, &fx.psl_nopriv, err, sizeof(err)), 0);
	unlink(path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dnsf_suffix_set_free(fx.allow);
	dnsf_suffix_set_free(fx.deny);
	dnsf_psl_free(fx.psl);
	dnsf_psl_free(fx.psl_nopriv);
	return 0;
}

/* The index's answer for (m, h) must be the separate look-ups' answer for (m, h). */
static void
check_one(const struct dnsf_listidx *x, const struct dnsf_suffix_set *allow,
          const struct dnsf_suffix_set *deny, const struct dnsf_psl *psl,
          const struct dnsf_dns_msg *m, const uint64_t *h, const char *what)
{
	struct dnsf_listidx_res r;
	int wa = allow != NULL ? dnsf_suffix_set_match(allow, m, h) : -1;
	int wd = deny != NULL ? dnsf_suffix_set_match(deny, m, h) : -1;
	unsigned whow = DNSF_PSL_M_DEFAULT;
	int wp = psl != NULL ? dnsf_psl_suffix(psl, m, h, &whow)
	                     : (m->nlabels > 0 ? (int)m->nlabels - 1 : 0);

	memset(&r, 0x5a, sizeof(r));
	dnsf_listidx_lookup(x, m, h, &r);
	if (r.allow != wa || r.deny != wd || r.psl != wp || r.how != whow)
		fail_msg("%s '%s': index allow %d deny %d psl %d how 0x%x, separate %d %d %d 0x%x",
		         what, m->qname, r.allow, r.deny, r.psl, r.how, wa, wd, wp, whow);
}

static void
check_name(const struct dnsf_listidx *x, const struct dnsf_suffix_set *allow,
           const struct dnsf_suffix_set *deny, const struct dnsf_psl *psl, const char *name)
{
	struct dnsf_dns_msg m;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];

	assert_int_equal(dnsf_suffix_name_parse(name, &m), 0);
	dnsf_name_msg_hashes(&m, h);
	check_one(x, allow, deny, psl, &m, h, "name");
}

static uint64_t rng = 0x243f6a8885a308d3u;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A random name, right to left: mostly labels of the vocabulary (so entries and rules are hit
 * at every depth), sometimes random ones, 0..8 labels. */
static void
random_name(char *out, size_t cap)
{
	const unsigned n = rnd() % 9;
	char buf[300] = "";

	for (unsigned i = 0; i < n; i++) {
		char lab[16], tmp[300];
		const char *l;
		if (rnd() % 5 == 0) {
			unsigned k = 1 + rnd() % 12;
			for (unsigned j = 0; j < k; j++)
				lab[j] = "abcdefghijklmnopqrstuvwxyz0123456789-"[rnd() % 37];
			lab[k] = '\0';
			l = lab;
		} else {
			l = vocab[rnd() % (sizeof(vocab) / sizeof(vocab[0]))];
		}
		snprintf(tmp, sizeof(tmp), "%s%s%s", l, buf[0] ? "." : "", buf);
		memcpy(buf, tmp, sizeof(buf));
	}
	snprintf(out, cap, "%s", buf);
}

/* Crafted names: every entry and rule itself, one and two labels below, the labels above. */
static const char *const crafted[] = {
    "",
    "com",
    "good.com",
    "www.good.com",
    "evil.com",
    "x.evil.com",
    "ok.evil.com",
    "a.ok.evil.com",
    "bad.ok.evil.com",
    "z.bad.ok.evil.com",
    "com.evil.com",
    "evil.com.evil.com",
    "WWW.Good.COM.",
    "a.b.c.d.example",
    "z.a.b.c.d.example",
    "b.c.d.example",
    "c.d.example",
    "d.example",
    "example",
    "co.uk",
    "x.co.uk",
    "uk",
    "ck",
    "foo.ck",
    "a.foo.ck",
    "www.ck",
    "x.www.ck",
    "y.x.www.ck",
    "a.www.ck",
    "z.a.www.ck",
    "b.www.ck",
    "z.b.www.ck",
    "y.z.b.www.ck",
    "kawasaki.jp",
    "b.kawasaki.jp",
    "a.b.kawasaki.jp",
    "x.a.b.kawasaki.jp",
    "city.kawasaki.jp",
    "x.city.kawasaki.jp",
    "xn--lesund-hua.no",
    "a.xn--lesund-hua.no",
    "\xc3\xa5lesund.no",
    "a.\xc3\xa5lesund.no",
    "github.io",
    "me.github.io",
    "a.me.github.io",
    "cloudfront.net",
    "d1.cloudfront.net",
    "compute.cloud.example",
    "x.compute.cloud.example",
    "a.x.compute.cloud.example",
    "special.compute.cloud.example",
    "a.special.compute.cloud.example",
    "wild.org",
    "a.wild.org",
    "b.a.wild.org",
    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.evil.com",
    "unknowntld",
    "a.b.unknowntld",
};

/* Every source combination the engine can build: lists or not, PSL (either mode) or none. */
static void
compare_all(const struct dnsf_suffix_set *allow, const struct dnsf_suffix_set *deny,
            const struct dnsf_psl *psl, unsigned nrandom)
{
	struct dnsf_listidx *x = dnsf_listidx_build(allow, deny, psl);
	char name[300];

	assert_non_null(x);
	assert_int_equal(dnsf_listidx_exact(x), 0);
	for (size_t i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++)
		check_name(x, allow, deny, psl, crafted[i]);
	for (unsigned i = 0; i < nrandom; i++) {
		random_name(name, sizeof(name));
		check_name(x, allow, deny, psl, name);
	}
	dnsf_listidx_free(x);
}

static void
test_small_lists(void **state)
{
	(void)state;
	compare_all(fx.allow, fx.deny, fx.psl, 50000);
	compare_all(fx.allow, fx.deny, fx.psl_nopriv, 20000);
	compare_all(fx.allow, fx.deny, NULL, 20000);
	compare_all(fx.allow, NULL, fx.psl, 20000);
	compare_all(NULL, fx.deny, fx.psl, 20000);
	compare_all(NULL, NULL, fx.psl, 20000);
	compare_all(NULL, NULL, NULL, 2000);
}

/* Results that the comparison alone would not pin down: the spot checks the engine relies on. */
static void
test_known_answers(void **state)
{
	struct dnsf_listidx *x = dnsf_listidx_build(fx.allow, fx.deny, fx.psl);
	struct dnsf_dns_msg m;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	struct dnsf_listidx_res r;

	(void)state;
	assert_non_null(x);
	/* "bad.ok.evil.com": deny evil.com (shortest), allow ok.evil.com, PSL evil.com private. */
	assert_int_equal(dnsf_suffix_name_parse("z.bad.ok.evil.com", &m), 0);
	dnsf_name_msg_hashes(&m, h);
	dnsf_listidx_lookup(x, &m, h, &r);
	assert_int_equal(r.allow, 2);
	assert_int_equal(r.deny, 3);
	assert_int_equal(r.psl, 3);
	assert_int_equal(r.how, DNSF_PSL_M_RULE | DNSF_PSL_M_PRIVATE);
	/* Wildcard under a deny entry, exception: "x.www.ck" allowed, suffix ck (exception). */
	assert_int_equal(dnsf_suffix_name_parse("y.x.www.ck", &m), 0);
	dnsf_name_msg_hashes(&m, h);
	dnsf_listidx_lookup(x, &m, h, &r);
	assert_int_equal(r.allow, 1);
	assert_int_equal(r.deny, 3);
	assert_int_equal(r.psl, 3);
	assert_int_equal(r.how, DNSF_PSL_M_EXCEPTION);
	/* Nothing stored: miss everywhere, implicit rule. */
	assert_int_equal(dnsf_suffix_name_parse("a.b.nothing", &m), 0);
	dnsf_name_msg_hashes(&m, h);
	dnsf_listidx_lookup(x, &m, h, &r);
	assert_int_equal(r.allow, -1);
	assert_int_equal(r.deny, -1);
	assert_int_equal(r.psl, 2);
	assert_int_equal(r.how, DNSF_PSL_M_DEFAULT);
	assert_true(dnsf_listidx_size(x) > 20);
	assert_true(dnsf_listidx_memory(x) > 16 * dnsf_listidx_size(x));
	dnsf_listidx_free(x);
	dnsf_listidx_free(NULL);
}

/*
 * A name looked up with another name's suffix hashes: to the index, every suffix whose hash is
 * a stored name's is a full 64-bit collision (same length and label count where the shapes
 * agree). The index must still answer what the name-comparing look-ups answer — never a match
 * for a name that is not stored.
 */
static void
test_forced_collisions(void **state)
{
	struct dnsf_listidx *x = dnsf_listidx_build(fx.allow, fx.deny, fx.psl);
	static const char *const pairs[][2] = {
	    /* {name, name whose hashes it is given}: same shape, one label differs */
	    {"x.evul.com", "x.evil.com"},
	    {"x.gaad.com", "x.good.com"},
	    {"a.ok.evol.com", "a.ok.evil.com"},
	    {"q.x.www.cq", "q.x.www.ck"},
	    {"a.b.kawasaki.jq", "a.b.kawasaki.jp"},
	    {"z.c.d.exampla", "z.c.d.example"},
	    {"me.github.ia", "me.github.io"},
	    {"a.wild.orx", "a.wild.org"},
	    {"www.xk", "www.ck"},
	    {"city.kawasaka.jp", "city.kawasaki.jp"},
	};
	struct dnsf_dns_msg m, o;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	struct dnsf_listidx_res r;
	char a[300], b[300];

	(void)state;
	assert_non_null(x);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		assert_int_equal(dnsf_suffix_name_parse(pairs[i][0], &m), 0);
		assert_int_equal(dnsf_suffix_name_parse(pairs[i][1], &o), 0);
		dnsf_name_msg_hashes(&o, h);
		check_one(x, fx.allow, fx.deny, fx.psl, &m, h, "collision");
	}
	/* Spelled out once: "x.evul.com" with the hashes of "x.evil.com" matches no list. */
	assert_int_equal(dnsf_suffix_name_parse("x.evul.com", &m), 0);
	assert_int_equal(dnsf_suffix_name_parse("x.evil.com", &o), 0);
	dnsf_name_msg_hashes(&o, h);
	dnsf_listidx_lookup(x, &m, h, &r);
	assert_int_equal(r.allow, -1);
	assert_int_equal(r.deny, -1);
	assert_int_equal(r.psl, 2); /* com matched for real, evul.com not: default below com */
	/* Random pairs of the same label count, hashes swapped. */
	for (unsigned k = 0; k < 50000; k++) {
		random_name(a, sizeof(a));
		random_name(b, sizeof(b));
		assert_int_equal(dnsf_suffix_name_parse(a, &m), 0);
		assert_int_equal(dnsf_suffix_name_parse(b, &o), 0);
		if (m.nlabels != o.nlabels)
			continue;
		dnsf_name_msg_hashes(&o, h);
		/* Keep the right-hand suffixes' true hashes sometimes, so walks go deep first. */
		if (k & 1) {
			uint64_t t[DNSF_DNS_MAX_LABELS + 1];
			dnsf_name_msg_hashes(&m, t);
			for (unsigned j = rnd() % (m.nlabels + 1u); j <= m.nlabels; j++)
				h[j] = t[j];
		}
		check_one(x, fx.allow, fx.deny, fx.psl, &m, h, "swapped hashes");
	}
	dnsf_listidx_free(x);
}

/* Debian's list, every rule as a name and below, with lists over its rules (skipped when the
 * publicsuffix package is absent). */
struct names {
	char **v;
	size_t n, cap;
};

static int
add_rule_names(void *arg, const char *name, unsigned len, uint8_t flags)
{
	struct names *nm = arg;

	(void)flags;
	if (nm->n == nm->cap)
		return -1;
	nm->v[nm->n++] = strndup(name, len);
	return 0;
}

static void
test_real_psl(void **state)
{
	struct dnsf_psl *psl;
	struct dnsf_suffix_set *allow = dnsf_suffix_set_create(), *deny = dnsf_suffix_set_create();
	char err[256], name[400];
	struct names nm = {calloc(100000, sizeof(char *)), 0, 100000};
	struct dnsf_listidx *x;
	size_t n;

	(void)state;
	if (access(DNSF_PSL_DEFAULT_PATH, R_OK) != 0) {
		dnsf_suffix_set_free(allow);
		dnsf_suffix_set_free(deny);
		free(nm.v);
		skip();
	}
	assert_int_equal(dnsf_psl_load(DNSF_PSL_DEFAULT_PATH, false, &psl, err, sizeof(err)), 0);
	assert_int_equal(dnsf_suffix_set_foreach(dnsf_psl_rules(psl), add_rule_names, &nm), 0);
	n = nm.n;
	assert_true(n > 5000);
	/* Lists over rule names (ASCII ones: list entries are), at and below rules. */
	for (size_t i = 0; i < n; i += 7) {
		snprintf(name, sizeof(name), "%s%s", i % 2 ? "" : "sub.", nm.v[i]);
		if (dnsf_suffix_set_add(i % 3 ? allow : deny, name, err, sizeof(err)) != 0)
			continue; /* UTF-8 rule */
	}
	x = dnsf_listidx_build(allow, deny, psl);
	assert_non_null(x);
	assert_int_equal(dnsf_listidx_exact(x), 0);
	print_message("real list: %zu rule names, index %u suffixes, %zu bytes\n", n,
	              dnsf_listidx_size(x), dnsf_listidx_memory(x));
	for (size_t i = 0; i < n; i++) {
		const char *parent = strchr(nm.v[i], '.');

		check_name(x, allow, deny, psl, nm.v[i]);
		snprintf(name, sizeof(name), "a.%s", nm.v[i]);
		check_name(x, allow, deny, psl, name);
		snprintf(name, sizeof(name), "b.sub.%s", nm.v[i]);
		check_name(x, allow, deny, psl, name);
		/* A sibling: the rule's parent with another first label. */
		snprintf(name, sizeof(name), "www.%s", parent != NULL ? parent + 1 : nm.v[i]);
		check_name(x, allow, deny, psl, name);
		free(nm.v[i]);
	}
	free(nm.v);
	dnsf_listidx_free(x);
	dnsf_psl_free(psl);
	dnsf_suffix_set_free(allow);
	dnsf_suffix_set_free(deny);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_lists),
	    cmocka_unit_test(test_known_answers),
	    cmocka_unit_test(test_forced_collisions),
	    cmocka_unit_test(test_real_psl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
