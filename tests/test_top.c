/* SPDX-License-Identifier: BSD-3-Clause */
/* Top list (dnsf_top.h): order and ties, the K bound, empty and evicted slots, incremental
 * passes, seqlock publication, the merge of several workers, and the detector filling labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect_util.h"
#include "dnsf_config.h"
#include "dnsf_detect.h"
#include "dnsf_top.h"

#define SEC 1000000ull
#define T0  (1700000000ull * SEC)
#define WIN 300

/* A table and its labels, as the detector keeps them. */
struct fix {
	struct dnsf_tab t;
	struct dnsf_flow_label *labels;
};

static void
fix_init(struct fix *x, uint32_t entries)
{
	assert_int_equal(dnsf_tab_init(&x->t, entries), 0);
	x->labels = calloc(entries, sizeof(*x->labels));
	assert_non_null(x->labels);
}

static void
fix_fini(struct fix *x)
{
	dnsf_tab_fini(&x->t);
	free(x->labels);
}

/*
 * A flow under `key` named `name` from client 10.0.0.<id> that sent `names` distinct
 * subdomains of `sub_len` bytes at time `now`, with peak score `score`. Returns the entry.
 */
static struct dnsf_flow *
add_flow(struct fix *x, uint64_t key, const char *name, uint8_t id, unsigned names,
         uint16_t sub_len, int32_t score, uint64_t now)
{
	int created;
	struct dnsf_flow *f =
	    (struct dnsf_flow *)dnsf_tab_get(&x->t, key, (uint32_t)(key >> 7) | 1, now, &created);
	uint8_t client[16] = {10, 0, 0, id};
	struct dnsf_flow_label *l;

	assert_non_null(f);
	l = &x->labels[(struct dnsf_tab_ent *)f - x->t.ent];
	if (created)
		dnsf_flow_label_set(l, client, 4, name, (unsigned)strlen(name));
	for (unsigned i = 0; i < names; i++) {
		struct dnsf_qfeat q;

		memset(&q, 0, sizeof(q));
		q.sub_len = sub_len;
		/* Bits 40..45 choose the bitmap bit: one distinct bit per name (up to 32). */
		q.name_hash = (uint64_t)(i % 32) << 40 | key;
		dnsf_flow_on_query(f, &q, 0, now, WIN);
	}
	dnsf_flow_label_score(l, score, -1);
	return f;
}

static int
full_pass(struct dnsf_top_scan *s, struct fix *x, uint64_t now, uint32_t budget)
{
	int steps = 0;

	dnsf_top_scan_begin(s);
	while (!dnsf_top_scan_step(s, &x->t, x->labels, now, WIN, budget))
		steps++;
	return steps + 1;
}

static void
test_empty(void **state)
{
	struct fix x;
	struct dnsf_top_scan s;
	(void)state;

	memset(&s, 0, sizeof(s));
	fix_init(&x, 64);
	assert_int_equal(full_pass(&s, &x, T0, 1000), 1);
	assert_int_equal(s.work.pass, 1);
	assert_int_equal(s.work.live, 0);
	assert_int_equal(s.work.n[DNSF_TOP_BY_SCORE], 0);
	assert_int_equal(s.work.n[DNSF_TOP_BY_INFO], 0);
	assert_int_equal(s.work.now_us, T0);
	fix_fini(&x);
}

static void
name_is(const struct dnsf_top_ent *e, const char *name)
{
	assert_int_equal(e->name_len, strlen(name));
	assert_memory_equal(e->name, name, strlen(name));
}

static void
test_order_and_ties(void **state)
{
	struct fix x;
	struct dnsf_top_scan s;
	const struct dnsf_top_ent *sc, *in;
	(void)state;

	memset(&s, 0, sizeof(s));
	fix_init(&x, 1024);
	{
		/* key, name, client, distinct names, subdomain length, score, time. Information
		 * estimates (linear counting scales them up): tunnel ~1900, wide ~4400, scored 20,
		 * ties ~40, twins 7. */
		struct dnsf_flow *tun = add_flow(&x, 0x101, "tunnel.test", 1, 20, 60, 150, T0);
		struct dnsf_flow_view v;
		add_flow(&x, 0x202, "scored.test", 2, 2, 10, 200, T0); /* info 20, score 200 */
		add_flow(&x, 0x303, "wide.test", 3, 30, 50, 0, T0);    /* info 1500, score 0 */
		add_flow(&x, 0x404, "tie-old.test", 4, 4, 10, 50,
		         T0); /* info 40, score 50, older */
		add_flow(&x, 0x505, "tie-new.test", 5, 4, 10, 50, T0 + 1); /* same, seen later */
		add_flow(&x, 0x606, "twin-b.test", 6, 1, 7, 0, T0);        /* info 7, score 0 */
		add_flow(&x, 0x607, "twin-a.test", 7, 1, 7, 0, T0); /* identical but the key */
		dnsf_flow_view(tun, T0 + 2, WIN, &v);
		full_pass(&s, &x, T0 + 2, 1024);
		assert_int_equal(s.work.live, 7);
		assert_int_equal(s.work.active, 7);
		assert_int_equal(s.work.n[DNSF_TOP_BY_SCORE], 7);
		assert_int_equal(s.work.n[DNSF_TOP_BY_INFO], 7);

		sc = s.work.by[DNSF_TOP_BY_SCORE];
		name_is(&sc[0], "scored.test");
		name_is(&sc[1], "tunnel.test");
		name_is(&sc[2], "tie-new.test"); /* equal score and info: the more recent first */
		name_is(&sc[3], "tie-old.test");
		name_is(&sc[4], "wide.test"); /* score 0: by information */
		name_is(&sc[5],
		        "twin-b.test"); /* equal in everything but the key: the smaller key */
		name_is(&sc[6], "twin-a.test");
		assert_int_equal(sc[1].score, 150);
		assert_int_equal(sc[1].info, v.info);
		assert_true(v.info >
		            1200); /* 20 x 60 bytes seen, scaled up for bitmap collisions */
		assert_int_equal(sc[1].distinct, v.distinct);
		assert_int_equal(sc[1].queries, 20);
		assert_int_equal(sc[1].client[3], 1);
		assert_int_equal(sc[1].ip_version, 4);
		assert_int_equal(sc[1].first_s, T0 / SEC);

		in = s.work.by[DNSF_TOP_BY_INFO];
		name_is(&in[0], "wide.test");
		name_is(&in[1], "tunnel.test");
		name_is(&in[2], "tie-new.test");
		name_is(&in[3], "tie-old.test");
		name_is(&in[4], "scored.test");
		name_is(&in[5], "twin-b.test");
		name_is(&in[6], "twin-a.test");
		/* The comparator is a total order: antisymmetric, and 0 only for itself. */
		for (int by = 0; by < 2; by++)
			for (int i = 0; i < 7; i++)
				for (int j = 0; j < 7; j++) {
					int a =
					    dnsf_top_cmp(&s.work.by[by][i], &s.work.by[by][j], by);
					int b =
					    dnsf_top_cmp(&s.work.by[by][j], &s.work.by[by][i], by);
					assert_int_equal(a, -b);
					assert_true((a == 0) == (i == j));
					assert_true((a < 0) == (i < j));
				}
	}
	fix_fini(&x);
}

static void
test_k_bound_and_slices(void **state)
{
	struct fix x;
	struct dnsf_top_scan s, s2;
	const unsigned n = 200;
	(void)state;

	memset(&s, 0, sizeof(s));
	memset(&s2, 0, sizeof(s2));
	fix_init(&x, 1024);
	/* Flow i: i % 32 + 1 names of 10 bytes, score (i * 37) % 101: many ties either way. */
	for (unsigned i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "d%u.test", i);
		add_flow(&x, 0x1000 + i * 0x10001ull, name, (uint8_t)i, i % 32 + 1, 10,
		         (int32_t)((i * 37) % 101), T0 + i);
	}
	assert_int_equal(full_pass(&s, &x, T0 + SEC, 1024), 1);
	assert_int_equal(s.work.live, n);
	for (int by = 0; by < 2; by++) {
		assert_int_equal(s.work.n[by], DNSF_TOP_K);
		/* Sorted, and no flow left out is better than the last one kept. */
		for (unsigned i = 1; i < DNSF_TOP_K; i++)
			assert_true(dnsf_top_cmp(&s.work.by[by][i - 1], &s.work.by[by][i], by) < 0);
	}
	assert_int_equal(s.work.by[DNSF_TOP_BY_SCORE][0].score, 100);
	assert_int_equal(s.work.by[DNSF_TOP_BY_INFO][0].queries, 32); /* most names, most info */
	/* Exhaustive check of the K bound: count the flows better than the K-th. */
	for (int by = 0; by < 2; by++) {
		unsigned better = 0;
		struct dnsf_top_scan one;

		for (uint32_t slot = 0; slot < x.t.entries; slot++) {
			struct fix single;

			if (x.t.ent[slot].check == 0)
				continue;
			/* Rank each live flow alone through the same code path. */
			single = x;
			memset(&one, 0, sizeof(one));
			dnsf_top_scan_begin(&one);
			one.pos = slot;
			single.t.entries = slot + 1;
			dnsf_top_scan_step(&one, &single.t, single.labels, T0 + SEC, WIN, 1);
			assert_int_equal(one.work.n[by], 1);
			if (dnsf_top_cmp(&one.work.by[by][0], &s.work.by[by][DNSF_TOP_K - 1], by) <
			    0)
				better++;
		}
		assert_int_equal(better, DNSF_TOP_K - 1);
	}
	/* Slices of 7 slots: many steps, the same result. */
	assert_true(full_pass(&s2, &x, T0 + SEC, 7) > 100);
	assert_int_equal(s2.work.live, n);
	assert_memory_equal(s.work.by, s2.work.by, sizeof(s.work.by));
	assert_int_equal(s2.work.pass, 1);
	fix_fini(&x);
}

static void
test_evicted_and_reused(void **state)
{
	struct fix x;
	struct dnsf_top_scan s;
	(void)state;

	memset(&s, 0, sizeof(s));
	fix_init(&x, 4);                                       /* one bucket of four */
	add_flow(&x, 4 * 1, "heavy.test", 1, 30, 60, 180, T0); /* least recently seen */
	add_flow(&x, 4 * 2, "b.test", 2, 1, 5, 0, T0 + 1);
	add_flow(&x, 4 * 3, "c.test", 3, 1, 5, 0, T0 + 2);
	add_flow(&x, 4 * 4, "d.test", 4, 1, 5, 0, T0 + 3);
	full_pass(&s, &x, T0 + 4, 64);
	name_is(&s.work.by[DNSF_TOP_BY_SCORE][0], "heavy.test");
	name_is(&s.work.by[DNSF_TOP_BY_INFO][0], "heavy.test");
	/* A fifth flow evicts the heavy one: its slot now holds the newcomer, label and all. */
	add_flow(&x, 4 * 5, "newcomer.test", 5, 2, 8, 0, T0 + 5);
	assert_int_equal(x.t.evictions, 1);
	full_pass(&s, &x, T0 + 6, 64);
	assert_int_equal(s.work.live, 4);
	for (int by = 0; by < 2; by++) {
		assert_int_equal(s.work.n[by], 4);
		for (unsigned i = 0; i < 4; i++) {
			const struct dnsf_top_ent *e = &s.work.by[by][i];

			assert_false(e->name_len == strlen("heavy.test") &&
			             memcmp(e->name, "heavy.test", e->name_len) == 0);
			assert_true(e->score == 0); /* the heavy flow's peak went with it */
		}
	}
	name_is(&s.work.by[DNSF_TOP_BY_INFO][0], "newcomer.test");
	assert_int_equal(s.work.by[DNSF_TOP_BY_INFO][0].client[3], 5);
	/* A long registered domain is cut and marked. */
	{
		static const char longname[] =
		    "a-very-long-registered-domain-name-of-a-company.example";
		struct dnsf_flow_label l;
		uint8_t c[16] = {0};

		dnsf_flow_label_set(&l, c, 6, longname, sizeof(longname) - 1);
		assert_int_equal(l.name_len, DNSF_TOP_NAME);
		assert_int_equal(l.name_cut, 1);
		assert_memory_equal(l.name, longname, DNSF_TOP_NAME);
		assert_int_equal(l.max_score, 0);
		assert_int_equal(l.max_model, -1);
		dnsf_flow_label_score(&l, 40000, 700);
		assert_int_equal(l.max_score, INT16_MAX); /* saturates */
		assert_int_equal(l.max_model, 700);
		dnsf_flow_label_score(&l, 10, 5); /* maxima stay */
		assert_int_equal(l.max_model, 700);
	}
	fix_fini(&x);
}

static void
test_publish_read(void **state)
{
	static struct dnsf_top_pub pub;
	static struct dnsf_top_snap a, b;
	(void)state;

	memset(&pub, 0, sizeof(pub));
	assert_int_equal(dnsf_top_read(&pub, &b), 0);
	assert_int_equal(b.pass, 0); /* nothing published yet */
	memset(&a, 0, sizeof(a));
	a.pass = 3;
	a.live = 77;
	a.n[DNSF_TOP_BY_INFO] = 1;
	a.by[DNSF_TOP_BY_INFO][0].info = 4242;
	memcpy(a.by[DNSF_TOP_BY_INFO][0].name, "x.test", 6);
	dnsf_top_publish(&pub, &a);
	assert_int_equal(pub.seq, 2);
	assert_int_equal(dnsf_top_read(&pub, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* A publication under way (odd sequence): the reader gives up rather than copy half. */
	pub.seq = 5;
	assert_int_equal(dnsf_top_read(&pub, &b), -1);
	pub.seq = 6;
	assert_int_equal(dnsf_top_read(&pub, &b), 0);
}

static struct dnsf_top_ent
ent(uint64_t key, int16_t score, uint32_t info)
{
	struct dnsf_top_ent e;

	memset(&e, 0, sizeof(e));
	e.key = key;
	e.score = score;
	e.info = info;
	e.last_us = T0;
	return e;
}

static void
test_merge(void **state)
{
	static struct dnsf_top_snap sn[3];
	struct dnsf_top_ref out[3 * DNSF_TOP_K];
	unsigned n;
	(void)state;

	memset(sn, 0, sizeof(sn));
	/* Worker 0: scores 90, 50, 10; worker 1: 70, 50; worker 2: nothing published. */
	{
		struct dnsf_top_ent e[] = {ent(1, 90, 5), ent(2, 50, 5), ent(3, 10, 5)};
		for (unsigned i = 0; i < 3; i++)
			dnsf_top_offer(sn[0].by[0], &sn[0].n[0], &e[i], DNSF_TOP_BY_SCORE);
	}
	{
		struct dnsf_top_ent e[] = {ent(2, 50, 5), ent(4, 70, 5)};
		for (unsigned i = 0; i < 2; i++)
			dnsf_top_offer(sn[1].by[0], &sn[1].n[0], &e[i], DNSF_TOP_BY_SCORE);
	}
	assert_int_equal(sn[1].by[0][0].score, 70); /* offer sorts */
	n = dnsf_top_merge(sn, 3, DNSF_TOP_BY_SCORE, 3 * DNSF_TOP_K, out);
	assert_int_equal(n, 5);
	assert_int_equal(out[0].e->score, 90);
	assert_int_equal(out[0].worker, 0);
	assert_int_equal(out[1].e->score, 70);
	assert_int_equal(out[1].worker, 1);
	/* Equal entries on two workers (same flow key on both: equal in every field): worker order.
	 */
	assert_int_equal(out[2].e->score, 50);
	assert_int_equal(out[2].worker, 0);
	assert_int_equal(out[3].e->score, 50);
	assert_int_equal(out[3].worker, 1);
	assert_int_equal(out[4].e->score, 10);
	/* The count bound. */
	assert_int_equal(dnsf_top_merge(sn, 3, DNSF_TOP_BY_SCORE, 2, out), 2);
	assert_int_equal(out[1].e->score, 70);
	/* The other list is empty everywhere. */
	assert_int_equal(dnsf_top_merge(sn, 3, DNSF_TOP_BY_INFO, 10, out), 0);
	assert_int_equal(dnsf_top_merge(sn, 0, DNSF_TOP_BY_SCORE, 10, out), 0);
}

/* The detector labels flows itself: a tunnel-like flow comes first with its client and domain. */
static void
test_detector_labels(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_detect_params p;
	struct dnsf_detect d;
	struct dnsf_detect_out out;
	char err[128];
	uint64_t now = T0;
	(void)state;

	dnsf_config_defaults(&cfg);
	cfg.detect.flow_entries = 1024;
	cfg.detect.domain_entries = 1024;
	cfg.detect.hold_seconds = 60;
	dnsf_detect_params_init(&p, &cfg.detect, &cfg.model);
	assert_int_equal(dnsf_detect_init(&d, &p, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 80; i++) {
		struct tmsg t;
		char sub[80], name[128];
		struct dnsf_detect_in in;

		trng_str(sub, 50, "abcdefghijklmnopqrstuvwxyz234567");
		snprintf(name, sizeof(name), "%s.t.tunnel.example", sub);
		tmsg_build(&t, name, 16, 0, 2, 7);
		in = (struct dnsf_detect_in){.pkt = &t.p,
		                             .dns = t.wire,
		                             .dns_len = t.wire_len,
		                             .h = t.h,
		                             .split = t.split,
		                             .now_us = now};
		dnsf_detect_packet(&d, &p, &in, &out);
		snprintf(name, sizeof(name), "www%u.benign.example", i % 5);
		tmsg_build(&t, name, 1, 0, 2, 8);
		in = (struct dnsf_detect_in){.pkt = &t.p,
		                             .dns = t.wire,
		                             .dns_len = t.wire_len,
		                             .h = t.h,
		                             .split = t.split,
		                             .now_us = now};
		dnsf_detect_packet(&d, &p, &in, &out);
		now += SEC / 10;
	}
	/* Budget 100: eleven slices for 1024 slots. */
	{
		int steps = 1;
		while (!dnsf_detect_top_step(&d, &p, 100))
			steps++;
		assert_int_equal(steps, 11);
	}
	assert_int_equal(d.top.work.live, 2);
	assert_int_equal(d.top.work.held, 1);
	assert_int_equal(d.top.work.now_us, now - SEC / 10);
	for (int by = 0; by < 2; by++) {
		const struct dnsf_top_ent *e = d.top.work.by[by];

		assert_int_equal(d.top.work.n[by], 2);
		name_is(&e[0], "tunnel.example");
		assert_int_equal(e[0].client[3], 7);
		assert_true(e[0].score >= (int)p.rules.threshold);
		assert_true(e[0].hold_until_s > now / SEC);
		name_is(&e[1], "benign.example");
		assert_int_equal(e[1].client[3], 8);
		assert_int_equal(e[1].score, 0);
		/* www0..www4: 5 names of 4 bytes (a bitmap collision may hide one) */
		assert_in_range(e[1].distinct, 4, 6);
		assert_in_range(e[1].info, 16, 24);
		assert_true(e[0].info > 10 * e[1].info);
	}
	dnsf_detect_fini(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_order_and_ties),
	    cmocka_unit_test(test_k_bound_and_slices),
	    cmocka_unit_test(test_evicted_and_reused),
	    cmocka_unit_test(test_publish_read),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_detector_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
