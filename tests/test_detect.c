/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The detector end to end on synthetic sequences: encoded tunnels of several shapes are cut
 * within a few dozen queries and 1 KiB of payload; benign look-alikes (CDN hashes, ad-frame hex,
 * PTR, Chrome probes, DKIM/ACME TXT, one odd name per client) are not; verdict cache expiry,
 * domain-wide verdicts, event rate limiting, the model hook and event features.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detect_util.h"
#include "dnsf_config.h"
#include "dnsf_detect.h"

#define SEC 1000000ull
#define T0  (1700000000ull * SEC)

static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char HEX[] = "0123456789abcdef";
static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz";
static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";

struct ctx {
	struct dnsf_config cfg;
	struct dnsf_detect_params p;
	struct dnsf_detect d;
};

static void
ctx_init(struct ctx *c)
{
	char err[128];

	dnsf_config_defaults(&c->cfg);
	c->cfg.detect.flow_entries = 16384;
	c->cfg.detect.domain_entries = 4096;
	dnsf_detect_params_init(&c->p, &c->cfg.detect, &c->cfg.model);
	assert_int_equal(dnsf_detect_init(&c->d, &c->p, err, sizeof(err)), 0);
}

static void
ctx_fini(struct ctx *c)
{
	dnsf_detect_fini(&c->d);
}

static void
run(struct ctx *c, struct tmsg *t, uint64_t now, struct dnsf_detect_out *out)
{
	struct dnsf_detect_in in = {
	    .pkt = &t->p,
	    .dns = t->wire,
	    .dns_len = t->wire_len,
	    .h = t->h,
	    .split = t->split,
	    .now_us = now,
	};
	dnsf_detect_packet(&c->d, &c->p, &in, out);
}

/* A query; returns out.tunnel. */
static int
query(struct ctx *c, const char *name, uint16_t qtype, unsigned reg_labels, uint32_t client,
      uint64_t now, struct dnsf_detect_out *out)
{
	struct tmsg t;
	tmsg_build(&t, name, qtype, 0, reg_labels, client);
	run(c, &t, now, out);
	return out->tunnel;
}

static void
random_domain(char *out)
{
	static const char *const tlds[] = {"com", "net", "org", "io", "xyz", "info"};
	char base[16];
	trng_str(base, 5 + trng(8), LOWER);
	sprintf(out, "%s.%s", base, tlds[trng(6)]);
}

enum shape { SH_BASE32, SH_BASE64, SH_HEX, SH_BASE32_SHORTLABELS };

/* A tunnel session: a few short handshake queries, then data queries of 100..200 payload
 * characters in labels, at `gap_us` intervals. Returns the number of the first blocked query
 * (1-based, 0 if never) and the subdomain bytes that passed before it. */
static unsigned
tunnel_session(struct ctx *c, enum shape sh, uint32_t client, uint64_t start, uint64_t gap_us,
               unsigned nq, unsigned *leaked)
{
	char dom[32], payload[256], sub[300], name[400];
	struct dnsf_detect_out out;
	unsigned first = 0;

	random_domain(dom);
	*leaked = 0;
	for (unsigned i = 0; i < nq; i++) {
		unsigned len = i < 4 ? 6 + trng(6) : 100 + trng(100);
		unsigned lab = 63;
		uint16_t qtype = DNSF_T_NULL;
		switch (sh) {
		case SH_BASE32:
			trng_str(payload, len, B32);
			break;
		case SH_BASE64:
			trng_str(payload, len, B64);
			qtype = DNSF_T_TXT;
			break;
		case SH_HEX:
			trng_str(payload, len, HEX);
			qtype = DNSF_T_CNAME;
			break;
		case SH_BASE32_SHORTLABELS:
			trng_str(payload, len, B32);
			lab = 20;
			qtype = DNSF_T_A;
			break;
		}
		labelize(sub, payload, lab);
		snprintf(name, sizeof(name), "%s.%s", sub, dom);
		int blocked = query(c, name, qtype, 2, client, start + i * gap_us, &out);
		if (blocked && first == 0)
			first = i + 1;
		if (!blocked)
			*leaked += (unsigned)strlen(sub);
		/* The rest of the session is cut: from the cache while the hold runs, by the
		 * rules again (and a new hold) when it has run out. */
		if (first != 0 && i + 1 > first &&
		    !(out.tunnel && (out.reason == DNSF_R_VERDICT_CACHE ||
		                     (uint64_t)(i + 1 - first) * gap_us >= c->p.hold_s * SEC)))
			fail_msg("query %u (first block %u): reason %d score %d tunnel %d", i + 1,
			         first, out.reason, out.score, out.tunnel);
	}
	return first;
}

static void
test_tunnels_cut_early(void **state)
{
	static const struct {
		enum shape sh;
		uint64_t gap_us;
		const char *what;
	} cases[] = {
	    {SH_BASE32, 10000, "iodine-like base32, 100 q/s"},
	    {SH_BASE64, 50000, "dns2tcp-like base64 TXT, 20 q/s"},
	    {SH_HEX, 100000, "dnscat2-like hex CNAME, 10 q/s"},
	    {SH_BASE32_SHORTLABELS, 200000, "base32 in 20-char labels, A, 5 q/s"},
	};
	(void)state;

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (unsigned s = 0; s < 20; s++) {
			struct ctx c;
			unsigned leaked;
			ctx_init(&c);
			unsigned first = tunnel_session(&c, cases[k].sh, 1 + s, T0 + s * 7 * SEC,
			                                cases[k].gap_us, 200, &leaked);
			if (first == 0 || first > 24 || leaked > 1024)
				fail_msg("%s: first block at %u, %u bytes leaked", cases[k].what,
				         first, leaked);
			ctx_fini(&c);
		}
	}
}

static void
test_low_and_slow(void **state)
{
	struct ctx c;
	unsigned leaked;
	(void)state;

	/* One 100..200-character query every 30 s: caught inside the 5-minute flow window. */
	ctx_init(&c);
	unsigned first = tunnel_session(&c, SH_BASE32, 9, T0, 30 * SEC, 40, &leaked);
	assert_int_not_equal(first, 0);
	assert_true(first <= 12);
	assert_true(leaked <= 1024);
	ctx_fini(&c);
}

/* Benign look-alikes: none of these may be judged a tunnel. */
static void
test_benign_lookalikes(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	char a[80], b[80], name[300];
	uint64_t t = T0;
	(void)state;

	ctx_init(&c);
	/* One busy client, ten minutes, every shape many times. The registered domains are
	 * given as a list without the PRIVATE section would give them (worst case: cloudfront
	 * hashes become subdomains of cloudfront.net). */
	for (unsigned i = 0; i < 600; i++, t += SEC) {
		trng_str(a, 13, ALNUM);
		snprintf(name, sizeof(name), "d%s.cloudfront.net", a);
		assert_false(query(&c, name, DNSF_T_A, 2, 1, t, &out));
		snprintf(name, sizeof(name), "e%u.dscx.akamaiedge.net", trng(99999));
		assert_false(query(&c, name, DNSF_T_A, 2, 1, t + 1000, &out));
		trng_str(a, 32, HEX);
		snprintf(name, sizeof(name), "%s.safeframe.googlesyndication.com", a);
		assert_false(query(&c, name, DNSF_T_A, 2, 1, t + 2000, &out));
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", trng(256), trng(256),
		         trng(256), trng(256));
		assert_false(query(&c, name, DNSF_T_PTR, 3, 1, t + 3000, &out));
		size_t n = 0;
		for (int k = 0; k < 32; k++)
			n += (size_t)sprintf(name + n, "%c.", HEX[trng(16)]);
		sprintf(name + n, "ip6.arpa");
		assert_false(query(&c, name, DNSF_T_PTR, 3, 1, t + 4000, &out));
		trng_str(a, 8, LOWER);
		snprintf(name, sizeof(name), "_acme-challenge.www.%s.com", a);
		assert_false(query(&c, name, DNSF_T_TXT, 2, 1, t + 5000, &out));
		snprintf(name, sizeof(name), "selector%u._domainkey.%s.com", trng(3), a);
		assert_false(query(&c, name, DNSF_T_TXT, 2, 1, t + 6000, &out));
		/* Chrome's probes: single random labels (no registered domain). */
		trng_str(b, 7 + trng(9), LOWER);
		assert_false(query(&c, b, DNSF_T_A, 1, 1, t + 7000, &out));
		/* Popular names of one big site. */
		static const char *const words[] = {"www",   "mail",     "api", "static", "cdn",
		                                    "login", "accounts", "img", "video",  "news"};
		snprintf(name, sizeof(name), "%s%u.%s.example.com", words[trng(10)], trng(20),
		         words[trng(10)]);
		assert_false(query(&c, name, DNSF_T_AAAA, 2, 1, t + 8000, &out));
	}
	assert_int_equal(c.d.flow_verdicts, 0);
	assert_int_equal(c.d.dom_verdicts, 0);
	ctx_fini(&c);
}

/* Many clients each sending one odd (long, random) name to the same popular domain: push
 * services, per-user hosts. Per client that is one name; across clients it must not become a
 * domain verdict. */
static void
test_one_odd_name_per_client(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	char a[64], name[128];
	(void)state;

	ctx_init(&c);
	for (unsigned i = 0; i < 3000; i++) {
		trng_str(a, 24, ALNUM);
		snprintf(name, sizeof(name), "%s.push.example.net", a);
		assert_false(query(&c, name, DNSF_T_A, 2, i, T0 + i * 100000ull, &out));
	}
	assert_int_equal(c.d.dom_verdicts, 0);
	ctx_fini(&c);
}

static int
flag_flow(struct ctx *c, uint32_t client, const char *dom, uint64_t *t)
{
	char payload[200], sub[220], name[300];
	struct dnsf_detect_out out;

	for (unsigned i = 0; i < 100; i++, *t += 10000) {
		trng_str(payload, 150, B32);
		labelize(sub, payload, 50);
		snprintf(name, sizeof(name), "%s.%s", sub, dom);
		if (query(c, name, DNSF_T_TXT, 2, client, *t, &out)) {
			assert_int_equal(out.reason, DNSF_R_RULES);
			assert_int_equal(out.new_verdict, c->p.hold_s > 0);
			assert_true(out.emit);
			return 1;
		}
	}
	return 0;
}

static void
test_verdict_cache_expiry(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	struct tmsg r;
	uint64_t t = T0;
	(void)state;

	ctx_init(&c);
	c.p.hold_s = 60;
	assert_true(flag_flow(&c, 5, "tunnel-test.com", &t));
	const uint64_t flagged = t;
	/* Within the hold: the flow's innocent-looking queries and the answers to them go. */
	assert_true(query(&c, "www.tunnel-test.com", DNSF_T_A, 2, 5, flagged + 59 * SEC, &out));
	assert_int_equal(out.reason, DNSF_R_VERDICT_CACHE);
	assert_int_equal(out.scope, DNSF_SCOPE_FLOW);
	assert_false(out.scored);
	assert_int_equal(out.score, -1);
	tmsg_build(&r, "www.tunnel-test.com", DNSF_T_A, 1, 2, 5);
	run(&c, &r, flagged + 59 * SEC, &out);
	assert_true(out.tunnel);
	assert_int_equal(out.reason, DNSF_R_VERDICT_CACHE);
	/* Other clients of the same domain are not this flow. */
	assert_false(query(&c, "www.tunnel-test.com", DNSF_T_A, 2, 6, flagged + 59 * SEC, &out));
	/* After the hold the flow is scored again. */
	query(&c, "www.tunnel-test.com", DNSF_T_A, 2, 5, flagged + 61 * SEC, &out);
	assert_true(out.scored);
	assert_int_not_equal(out.reason, DNSF_R_VERDICT_CACHE);
	/* ... and once its evidence has aged out of the windows it passes. */
	assert_false(query(&c, "www.tunnel-test.com", DNSF_T_A, 2, 5, flagged + 1000 * SEC, &out));
	/* hold 0: no cache at all, every message is scored. */
	c.p.hold_s = 0;
	assert_true(flag_flow(&c, 7, "other-tunnel.net", &t));
	query(&c, "www.other-tunnel.net", DNSF_T_A, 2, 7, t + SEC, &out);
	assert_true(out.scored);
	ctx_fini(&c);
}

static void
test_event_rate_limit(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	uint64_t t = T0;
	(void)state;

	ctx_init(&c);
	assert_int_equal(c.p.event_interval_s, 10);
	assert_true(flag_flow(&c, 5, "evt-test.org", &t)); /* emitted */
	assert_true(query(&c, "a.evt-test.org", DNSF_T_A, 2, 5, t + 1 * SEC, &out));
	assert_false(out.emit);
	assert_true(out.suppressed);
	assert_true(query(&c, "b.evt-test.org", DNSF_T_A, 2, 5, t + 9 * SEC, &out));
	assert_false(out.emit);
	assert_true(query(&c, "c.evt-test.org", DNSF_T_A, 2, 5, t + 11 * SEC, &out));
	assert_true(out.emit);
	assert_false(out.suppressed);
	assert_true(query(&c, "d.evt-test.org", DNSF_T_A, 2, 5, t + 12 * SEC, &out));
	assert_false(out.emit);
	/* Benign traffic never asks for an event. */
	assert_false(query(&c, "www.evt-other.org", DNSF_T_A, 2, 5, t, &out));
	assert_false(out.emit || out.suppressed);
	ctx_fini(&c);
}

/* A tunnel spread thin over many clients: no flow alone is enough, the domain is. */
static void
test_domain_wide(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	char payload[200], sub[220], name[300];
	uint64_t t = T0;
	unsigned flow_hits = 0;
	(void)state;

	ctx_init(&c);
	for (unsigned i = 0; i < 300 && c.d.dom_verdicts == 0; i++) {
		for (unsigned k = 0; k < 2 && c.d.dom_verdicts == 0; k++, t += 50000) {
			trng_str(payload, 150, B32);
			labelize(sub, payload, 50);
			snprintf(name, sizeof(name), "%s.spread-tunnel.io", sub);
			flow_hits += (unsigned)query(&c, name, DNSF_T_TXT, 2, 1000 + i, t, &out);
		}
	}
	assert_int_equal(c.d.dom_verdicts, 1);
	assert_int_equal(out.scope, DNSF_SCOPE_DOMAIN);
	/* No single flow had enough before the domain did (the last query is the domain's). */
	assert_int_equal(flow_hits, 1);
	/* A client never seen before is cut on its first, innocent-looking query. */
	assert_true(query(&c, "www.spread-tunnel.io", DNSF_T_A, 2, 99999, t + SEC, &out));
	assert_int_equal(out.reason, DNSF_R_VERDICT_CACHE);
	assert_int_equal(out.scope, DNSF_SCOPE_DOMAIN);
	/* Other domains are not touched. */
	assert_false(query(&c, "www.example.com", DNSF_T_A, 2, 99999, t + SEC, &out));
	ctx_fini(&c);
}

static int model_calls, model_bad_input;

static int32_t
fake_model(const void *model, const int32_t *vec)
{
	(void)model;
	model_calls++;
	for (unsigned i = 0; i < DNSF_F_VEC_COUNT; i++)
		if (vec[i] < 0 || vec[i] > DNSF_FEAT_ONE)
			model_bad_input++;
	/* "Tunnel" when the subdomain entropy is above 4.1 bits (6000 milli = 1024). */
	return vec[DNSF_F_ENTROPY] >= 700 ? 900 : 100;
}

static void
test_model_combine(void **state)
{
	static const int model_object = 1;
	struct ctx c;
	struct dnsf_detect_out out;
	const char *odd = "q7x0zk2mw9vbn4lp8rt6yc3hd5sj1gfa.model-test.com";
	(void)state;

	ctx_init(&c);
	c.p.model = &model_object;
	c.p.model_score = fake_model;
	c.p.model_threshold = 500;

	c.p.combine = DNSF_COMBINE_RULES;
	assert_false(query(&c, odd, DNSF_T_A, 2, 1, T0, &out));
	assert_int_equal(out.model_score, 900); /* scored and reported anyway */
	assert_true(out.score < 100);

	c.p.combine = DNSF_COMBINE_BOTH;
	assert_false(query(&c, odd, DNSF_T_A, 2, 2, T0, &out));

	c.p.combine = DNSF_COMBINE_MODEL;
	assert_true(query(&c, odd, DNSF_T_A, 2, 3, T0, &out));
	assert_int_equal(out.reason, DNSF_R_MODEL);
	assert_int_equal(out.scope, DNSF_SCOPE_FLOW); /* a model verdict never holds a domain */
	assert_false(query(&c, "www.example.com", DNSF_T_A, 2, 3, T0, &out));
	assert_int_equal(out.model_score, 100);

	c.p.combine = DNSF_COMBINE_EITHER;
	assert_true(query(&c, odd, DNSF_T_A, 2, 4, T0, &out));
	assert_int_equal(out.reason, DNSF_R_MODEL);
	assert_true(model_calls >= 5);
	assert_int_equal(model_bad_input, 0);

	/* model.score: suspicious (combine: rules): the model scores only messages whose rule
	 * score reaches suspicious_points; the others carry no model score and no model hit. */
	{
		struct dnsf_config cfg;
		struct dnsf_detect_params q;
		char sub[80], name[120];
		int calls, hits;

		dnsf_config_defaults(&cfg);
		cfg.model.combine = DNSF_COMBINE_RULES;
		cfg.model.score = DNSF_MSCOPE_SUSPICIOUS;
		dnsf_detect_params_init(&q, &cfg.detect, &cfg.model);
		assert_int_equal(q.model_scope, DNSF_MSCOPE_SUSPICIOUS);
		cfg.model.combine = DNSF_COMBINE_EITHER; /* never without combine: rules */
		dnsf_detect_params_init(&q, &cfg.detect, &cfg.model);
		assert_int_equal(q.model_scope, DNSF_MSCOPE_ALL);

		c.p.model = &model_object;
		c.p.combine = DNSF_COMBINE_RULES;
		c.p.model_scope = DNSF_MSCOPE_SUSPICIOUS;
		calls = model_calls;
		hits = (int)c.d.model_hits;
		assert_false(query(&c, "www.example.org", DNSF_T_A, 2, 7, T0, &out));
		assert_int_equal(out.scored, 1);
		assert_true(out.score < (int32_t)c.p.susp_points);
		assert_int_equal(out.model_score, -1);
		assert_int_equal(model_calls, calls);
		assert_int_equal((int)c.d.model_hits, hits);
		trng_str(sub, 60, B32);
		snprintf(name, sizeof(name), "%.30s.%s.model-test.com", sub, sub + 30);
		query(&c, name, DNSF_T_TXT, 2, 6, T0 + 1, &out);
		assert_true(out.score >= (int32_t)c.p.susp_points);
		assert_int_equal(model_calls, calls + 1);
		assert_int_equal(out.model_score, 900);
		assert_int_equal((int)c.d.model_hits, hits + 1);
		c.p.model_scope = DNSF_MSCOPE_ALL;
	}

	/* model.min_subdomain: a message whose subdomain is shorter is scored and reported but is
	 * no model hit, unless it is an answer with DNSF_MODEL_ANSWER_BYTES of record data; at the
	 * length it is. */
	{
		struct tmsg t;
		int hits;

		c.p.combine = DNSF_COMBINE_MODEL;
		c.p.model_min_sub = 33; /* odd's subdomain has 32 characters */
		hits = (int)c.d.model_hits;
		assert_false(query(&c, odd, DNSF_T_A, 2, 8, T0, &out));
		assert_int_equal(out.model_score, 900);
		assert_int_equal(out.reason, DNSF_R_NONE);
		assert_int_equal((int)c.d.model_hits, hits);
		tmsg_build(&t, odd, DNSF_T_A, 1, 2, 9);
		t.p.dns.rdata_total = DNSF_MODEL_ANSWER_BYTES - 1; /* a CNAME chain's size */
		run(&c, &t, T0 + 1000, &out);
		assert_int_equal(out.model_score, 900);
		assert_false(out.tunnel);
		t.p.dns.rdata_total = DNSF_MODEL_ANSWER_BYTES; /* downstream data */
		run(&c, &t, T0 + 2000, &out);
		assert_true(out.tunnel);
		assert_int_equal(out.reason, DNSF_R_MODEL);
		c.p.model_min_sub = 32;
		assert_true(query(&c, odd, DNSF_T_A, 2, 10, T0, &out));
		assert_int_equal(out.reason, DNSF_R_MODEL);
		assert_int_equal((int)c.d.model_hits, hits + 2);
		c.p.model_min_sub = 0;
	}

	/* Without a model every mode means the rules alone. */
	c.p.model = NULL;
	c.p.combine = DNSF_COMBINE_MODEL;
	assert_false(query(&c, odd, DNSF_T_A, 2, 5, T0, &out));
	assert_int_equal(out.model_score, -1);
	ctx_fini(&c);
}

/* "Tunnel" when the subdomain has 20 characters or more (LIN 255: 20 -> 80), whatever the rules
 * think of it. */
static int32_t
fake_model_len(const void *model, const int32_t *vec)
{
	(void)model;
	model_calls++;
	return vec[DNSF_F_SUB_LEN] >= 80 ? 900 : 100;
}

/* model.score: needed scores only the messages the model may judge (model.min_subdomain) and
 * those with a rule score of suspicious_points: the verdicts, reasons and rule scores of a mixed
 * stream are those of scoring every message, with fewer model calls. */
static void
test_model_needed(void **state)
{
	static const int model_object = 1;
	struct ctx a, b;
	struct dnsf_detect_out oa, ob;
	unsigned calls_a = 0, calls_b = 0, model_verdicts = 0, unscored = 0;
	(void)state;

	ctx_init(&a);
	ctx_init(&b);
	for (struct ctx *c = &a; c != NULL; c = c == &a ? &b : NULL) {
		c->p.model = &model_object;
		c->p.model_score = fake_model_len;
		c->p.model_threshold = 500;
		c->p.combine = DNSF_COMBINE_EITHER;
		c->p.model_min_sub = 16;
	}
	b.p.model_scope = DNSF_MSCOPE_NEEDED;
	for (unsigned i = 0; i < 3000; i++) {
		char sub[80], name[160];
		struct tmsg t;
		const unsigned kind = trng(4);
		const uint32_t client = 1 + trng(40);
		const uint64_t now = T0 + (uint64_t)i * 20000;

		if (kind == 0) { /* short, ordinary: gated */
			snprintf(name, sizeof(name), "www.site%u.com", trng(50));
		} else if (kind == 1) { /* short random label: gated, the model would flag it */
			trng_str(sub, 6 + trng(9), ALNUM);
			snprintf(name, sizeof(name), "%s.s%u.net", sub, trng(20));
		} else if (kind == 2) { /* long ordinary names: judged, no rule points */
			snprintf(name, sizeof(name), "static-images-%u.eu-west.site%u.com",
			         trng(100), trng(50));
		} else { /* long random subdomains: judged */
			/* one label of 16..63 characters (no longer label parses) */
			trng_str(sub, 16 + trng(48), B32);
			snprintf(name, sizeof(name), "%s.t%u.org", sub, trng(10));
		}
		tmsg_build(&t, name, kind == 3 ? DNSF_T_TXT : DNSF_T_A, trng(3) == 0, 2, client);
		if (t.p.dns.qr)
			t.p.dns.rdata_total = trng(2) ? 40 : 400;
		int before = model_calls;
		run(&a, &t, now, &oa);
		calls_a += (unsigned)(model_calls - before);
		before = model_calls;
		run(&b, &t, now, &ob);
		calls_b += (unsigned)(model_calls - before);
		assert_int_equal(oa.tunnel, ob.tunnel);
		assert_int_equal(oa.reason, ob.reason);
		assert_int_equal(oa.score, ob.score);
		model_verdicts += oa.reason == DNSF_R_MODEL;
		if (ob.model_score != oa.model_score) {
			assert_int_equal(ob.model_score,
			                 -1); /* unscored, never a different score */
			assert_true(ob.score < (int32_t)b.p.susp_points);
			unscored++;
		}
	}
	assert_true(model_verdicts > 0);
	assert_true(unscored > 0);
	assert_true(calls_b < calls_a);
	assert_int_equal(calls_a - calls_b, unscored);
	ctx_fini(&a);
	ctx_fini(&b);
}

static void
test_event_features(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	struct dnsf_event ev;
	char payload[200], sub[220], name[300];
	uint64_t t = T0;
	(void)state;

	ctx_init(&c);
	for (unsigned i = 0; i < 100; i++, t += 10000) {
		trng_str(payload, 150, B32);
		labelize(sub, payload, 50);
		snprintf(name, sizeof(name), "%s.evt.example", sub);
		if (query(&c, name, DNSF_T_TXT, 2, 1, t, &out))
			break;
	}
	assert_true(out.tunnel);
	memset(&ev, 0, sizeof(ev));
	dnsf_detect_fill_event(&out, &ev);
	assert_int_equal(ev.score, out.score);
	assert_int_equal(ev.model_score, -1);
	assert_true(ev.n_feat >= 6 && ev.n_feat <= DNSF_EVENT_MAX_FEAT);
	int seen_q = 0, seen_flow_info = 0;
	for (unsigned i = 0; i < ev.n_feat; i++) {
		assert_string_not_equal(dnsf_feat_name(ev.feat[i].id), "?");
		assert_int_equal(ev.feat[i].value, out.feat.v[ev.feat[i].id]);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(ev.feat[i].id, ev.feat[j].id);
		seen_q |= ev.feat[i].id == DNSF_F_Q_POINTS;
		seen_flow_info |= ev.feat[i].id == DNSF_F_FLOW_SUSP_INFO;
	}
	assert_true(seen_q && seen_flow_info);
	/* The parts add up to the score. */
	assert_int_equal(out.parts.q +
	                     (out.parts.flow > out.parts.dom ? out.parts.flow : out.parts.dom) +
	                     out.parts.resp,
	                 out.score);
	/* A cache hit has no scored features. */
	query(&c, "x.evt.example", DNSF_T_A, 2, 1, t + SEC, &out);
	dnsf_detect_fill_event(&out, &ev);
	assert_int_equal(ev.n_feat, 0);
	assert_int_equal(ev.score, -1);
	ctx_fini(&c);
}

static void
test_disabled_and_big_answers(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	struct tmsg r;
	(void)state;

	ctx_init(&c);
	c.p.enabled = 0;
	assert_false(query(&c, "x.example.com", DNSF_T_A, 2, 1, T0, &out));
	assert_false(out.scored);
	assert_int_equal(c.d.flows.used, 0);
	c.p.enabled = 1;

	/* A response with a large TXT answer earns the answer points, nothing more. */
	tmsg_build(&r, "abc.example.com", DNSF_T_TXT, 1, 2, 1);
	r.p.dns.ancount = 1;
	r.p.dns.rdata_total = 400;
	r.p.dns.txtnull_max = 400;
	run(&c, &r, T0, &out);
	assert_true(out.scored);
	assert_false(out.tunnel);
	assert_int_equal(out.parts.resp, DNSF_PT_BIG_ANSWER);
	assert_true(out.parts.evidence & DNSF_EV_BIG_ANSWER);
	ctx_fini(&c);
}

/* One answered query: the torture verdict (out.torture) of the query is returned. */
static int
asked(struct ctx *c, const char *name, uint16_t qtype, uint32_t client, uint8_t rcode, uint64_t now)
{
	struct dnsf_detect_out out;
	struct tmsg t;
	int torture;

	query(c, name, qtype, 2, client, now, &out);
	assert_false(out.tunnel);
	torture = out.torture;
	if (torture) {
		assert_int_equal(out.reason, DNSF_R_WATER_TORTURE);
		assert_int_equal(out.scope, DNSF_SCOPE_NONE);
		assert_int_equal(out.new_verdict, 0); /* never a hold: nothing to cut the domain */
		return 1;                             /* dropped: no answer comes */
	}
	tmsg_build(&t, name, qtype, 1, 2, client);
	t.p.dns.rcode = rcode;
	run(c, &t, now + 2000, &out);
	assert_false(out.tunnel);
	assert_false(out.torture); /* answers are never judged */
	return 0;
}

/*
 * Water torture with short random labels (12 characters, what PRSD kits send, too short for
 * the per-name rules): 400 clients x 25 names under one domain, answered NXDOMAIN. Once the
 * domain has many distinct names and mostly negative answers, every source with 4 negative
 * answers of its own is judged water torture, not a tunnel, with no hold; a client of the victim
 * that gets answers is not, nor is one with a single NXDOMAIN. Benign controls: a spike of many
 * clients on 10 popular names (answered), a spike of one name that does not exist, a mail
 * server's PTR look-ups (many distinct names, mostly NXDOMAIN). State stays bounded: one domain
 * entry, one flow per client.
 */
static void
test_water_torture(void **state)
{
	static const char *const popular[] = {"www",   "api",  "cdn", "img",  "static",
	                                      "login", "mail", "m",   "news", "video"};
	struct ctx c;
	char sub[16], name[96];
	unsigned wt = 0, first = 0, legit = 0;
	uint64_t now = T0;
	(void)state;

	ctx_init(&c);
	for (unsigned k = 0; k < 25; k++) {
		for (uint32_t cl = 0; cl < 400; cl++) {
			trng_str(sub, 12, ALNUM);
			snprintf(name, sizeof(name), "%s.victim-zone.com", sub);
			if (asked(&c, name, DNSF_T_A, 1000 + cl, DNSF_RCODE_NXDOMAIN, now)) {
				wt++;
				if (first == 0)
					first = k * 400 + cl + 1;
			}
			now += 6000; /* 10,000 queries in a minute */
		}
		/* Two clients of the victim: one gets answers, one had a single typo. */
		legit += (unsigned)asked(&c, "www.victim-zone.com", DNSF_T_A, 7, DNSF_RCODE_NOERROR,
		                         now);
		legit +=
		    (unsigned)asked(&c, k == 0 ? "wwww.victim-zone.com" : "www.victim-zone.com",
		                    DNSF_T_A, 8, k == 0 ? DNSF_RCODE_NXDOMAIN : 0, now);
	}
	/* Each source's first 4 queries pass (its own answers are the evidence), the rest not. */
	assert_int_equal(first, 4 * 400 + 1);
	assert_int_equal(wt, 21 * 400);
	assert_int_equal(c.d.wt_hits, wt);
	assert_int_equal(legit, 0);
	assert_int_equal(c.d.doms.used, 1);
	assert_int_equal(c.d.flows.used, 402);
	assert_int_equal(c.d.flow_verdicts + c.d.dom_verdicts, 0);

	/* Switched off (detection.water_torture.action: off): nothing judged. */
	c.p.wt_on = 0;
	trng_str(sub, 12, ALNUM);
	snprintf(name, sizeof(name), "%s.victim-zone.com", sub);
	assert_false(asked(&c, name, DNSF_T_A, 1000, DNSF_RCODE_NXDOMAIN, now));
	ctx_fini(&c);

	/* Benign spike: the same volume on 10 names, answered. */
	ctx_init(&c);
	now = T0;
	for (unsigned k = 0; k < 25; k++)
		for (uint32_t cl = 0; cl < 400; cl++, now += 6000) {
			snprintf(name, sizeof(name), "%s.popular-site.com", popular[(cl + k) % 10]);
			assert_false(asked(&c, name, k & 1 ? DNSF_T_AAAA : DNSF_T_A, 1000 + cl,
			                   DNSF_RCODE_NOERROR, now));
		}
	/* A spike of one name that does not exist: every answer negative, one name. */
	for (unsigned k = 0; k < 25; k++)
		for (uint32_t cl = 0; cl < 400; cl++, now += 6000)
			assert_false(asked(&c, "gone.broken-site.com", DNSF_T_A, 1000 + cl,
			                   DNSF_RCODE_NXDOMAIN, now));
	/* A mail server's reverse look-ups: 2000 distinct names under one arpa zone, 80 %
	 * NXDOMAIN. */
	for (unsigned i = 0; i < 2000; i++, now += 30000) {
		snprintf(name, sizeof(name), "%u.%u.%u.in-addr.arpa", i % 250, (i / 250) % 250,
		         185);
		assert_false(asked(&c, name, DNSF_T_PTR, 9, i % 5 ? DNSF_RCODE_NXDOMAIN : 0, now));
	}
	assert_int_equal(c.d.wt_hits, 0);
	assert_int_equal(c.d.rules_hits, 0);
	ctx_fini(&c);
}

/*
 * The same flood with 24-character labels, long enough for the tunnel rules: while most of the
 * domain's answers are negative its evidence is the attacker's, so the rules judge each source
 * on its own names and never hold the domain; the victim's real clients keep resolving.
 */
static void
test_water_torture_long_labels(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	struct tmsg t;
	char sub[32], name[96];
	unsigned judged = 0, sent = 0;
	uint64_t now = T0;
	(void)state;

	ctx_init(&c);
	for (unsigned k = 0; k < 25; k++) {
		for (uint32_t cl = 0; cl < 400; cl++, now += 6000) {
			trng_str(sub, 24, ALNUM);
			snprintf(name, sizeof(name), "%s.victim-zone.com", sub);
			sent++;
			query(&c, name, DNSF_T_A, 2, 1000 + cl, now, &out);
			assert_true(out.scope != DNSF_SCOPE_DOMAIN);
			if (out.tunnel || out.torture || out.reason == DNSF_R_VERDICT_CACHE) {
				judged++;
				continue;
			}
			tmsg_build(&t, name, DNSF_T_A, 1, 2, 1000 + cl);
			t.p.dns.rcode = DNSF_RCODE_NXDOMAIN;
			run(&c, &t, now + 2000, &out);
		}
		for (uint32_t cl = 7; cl <= 8; cl++) {
			assert_false(query(&c, "www.victim-zone.com", DNSF_T_A, 2, cl, now, &out));
			assert_false(out.torture);
			assert_int_equal(out.reason == DNSF_R_VERDICT_CACHE, 0);
			tmsg_build(&t, "www.victim-zone.com", DNSF_T_A, 1, 2, cl);
			run(&c, &t, now + 2000, &out);
		}
	}
	assert_int_equal(c.d.dom_verdicts, 0);
	/* Every source is cut after its first few queries, one way or the other. */
	assert_true(judged >= sent * 3 / 4);
	ctx_fini(&c);
}

/* The flow's rare-type rule (>= 8 queries, >= half of them TXT/NULL/unusual) reads the view's
 * raw counts; it fires exactly when the view's per-mille share, the feature, is >= 500. */
static void
test_flow_rare_share(void **state)
{
	struct ctx c;
	struct dnsf_qfeat q;
	struct dnsf_dom_view dv;
	(void)state;

	ctx_init(&c);
	memset(&q, 0, sizeof(q));
	memset(&dv, 0, sizeof(dv));
	for (uint32_t n = 0; n <= 1100; n++)
		for (uint32_t r = 0; r <= n; r++) {
			struct dnsf_flow_view fv;
			struct dnsf_rule_parts parts;

			memset(&fv, 0, sizeof(fv));
			fv.queries = n;
			fv.rare = r;
			fv.rare_pm = r && n ? r * 1000 / n : 0;
			(void)dnsf_rules_score(&c.p, &q, &fv, &dv, &parts);
			assert_int_equal(!!(parts.evidence & DNSF_EV_FLOW_RARE),
			                 n >= 8 && fv.rare_pm >= 500);
			assert_int_equal(parts.resp,
			                 n >= 8 && fv.rare_pm >= 500 ? DNSF_PT_FLOW_RARE : 0);
		}
	ctx_fini(&c);
}

/* The flow's and the domain's suspicious readings score each on its own: one of a pair at its
 * threshold with the other zero still earns its full part and evidence (the scorer skips a pair
 * only when both are zero), and nothing counted earns nothing. */
static void
test_context_pairs(void **state)
{
	struct ctx c;
	struct dnsf_qfeat q;
	struct dnsf_flow_view fv;
	struct dnsf_dom_view dv;
	struct dnsf_rule_parts parts;
	(void)state;

	ctx_init(&c);
	memset(&q, 0, sizeof(q));
	memset(&fv, 0, sizeof(fv));
	memset(&dv, 0, sizeof(dv));
	assert_int_equal(dnsf_rules_score(&c.p, &q, &fv, &dv, &parts), 0);
	assert_int_equal(parts.flow, 0);
	assert_int_equal(parts.dom, 0);
	assert_int_equal(parts.evidence, 0);
	fv.susp_info = c.p.rules.flow_info_bytes;
	(void)dnsf_rules_score(&c.p, &q, &fv, &dv, &parts);
	assert_int_equal(parts.flow, DNSF_PT_FLOW_INFO);
	assert_int_equal(parts.evidence, DNSF_EV_FLOW_INFO);
	fv.susp_info = 0;
	fv.susp_distinct = c.p.rules.flow_distinct;
	(void)dnsf_rules_score(&c.p, &q, &fv, &dv, &parts);
	assert_int_equal(parts.flow, DNSF_PT_FLOW_DIST);
	assert_int_equal(parts.evidence, DNSF_EV_FLOW_DIST);
	fv.susp_distinct = 0;
	dv.susp_info = c.p.rules.domain_info_bytes;
	(void)dnsf_rules_score(&c.p, &q, &fv, &dv, &parts);
	assert_int_equal(parts.dom, DNSF_PT_DOM_INFO);
	assert_int_equal(parts.evidence, DNSF_EV_DOM_INFO);
	dv.susp_info = 0;
	dv.susp_distinct = c.p.rules.domain_distinct;
	(void)dnsf_rules_score(&c.p, &q, &fv, &dv, &parts);
	assert_int_equal(parts.dom, DNSF_PT_DOM_DIST);
	assert_int_equal(parts.evidence, DNSF_EV_DOM_DIST);
	ctx_fini(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tunnels_cut_early),
	    cmocka_unit_test(test_low_and_slow),
	    cmocka_unit_test(test_benign_lookalikes),
	    cmocka_unit_test(test_one_odd_name_per_client),
	    cmocka_unit_test(test_verdict_cache_expiry),
	    cmocka_unit_test(test_event_rate_limit),
	    cmocka_unit_test(test_domain_wide),
	    cmocka_unit_test(test_model_combine),
	    cmocka_unit_test(test_model_needed),
	    cmocka_unit_test(test_event_features),
	    cmocka_unit_test(test_disabled_and_big_answers),
	    cmocka_unit_test(test_water_torture),
	    cmocka_unit_test(test_water_torture_long_labels),
	    cmocka_unit_test(test_flow_rare_share),
	    cmocka_unit_test(test_context_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
