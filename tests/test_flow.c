/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow/domain tables: insert, update, LRU eviction, holds, bounded memory under a flood;
 * window counters and the decayed rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detect_util.h"
#include "dnsf_detect.h"
#include "dnsf_flow.h"
#include "dnsf_flow_upd.h"

#define SEC 1000000ull
#define T0  (1700000000ull * SEC) /* a plausible epoch time */

static void
test_init(void **state)
{
	struct dnsf_tab t;
	(void)state;

	assert_int_equal(dnsf_tab_init(&t, 0), -1);
	assert_int_equal(dnsf_tab_init(&t, 2), -1);
	assert_int_equal(dnsf_tab_init(&t, 4097), -1);
	assert_int_equal(dnsf_tab_init(&t, 4096), 0);
	assert_int_equal(dnsf_tab_bytes(&t), 4096 * 64);
	assert_int_equal((uintptr_t)t.ent % 64, 0);
	assert_int_equal(t.bucket_mask, 1023);
	dnsf_tab_fini(&t);
	assert_int_equal(dnsf_tab_init(&t, 4), 0); /* one bucket */
	assert_int_equal(t.bucket_mask, 0);
	dnsf_tab_fini(&t);
	assert_int_equal(sizeof(struct dnsf_flow), 64);
	assert_int_equal(sizeof(struct dnsf_dom), 64);
}

static void
test_insert_update_evict(void **state)
{
	struct dnsf_tab t;
	struct dnsf_tab_ent *e[6];
	int created;
	(void)state;

	assert_int_equal(dnsf_tab_init(&t, 64), 0); /* 16 buckets */
	/* Five keys of bucket 3. */
	for (unsigned i = 0; i < 4; i++) {
		e[i] = dnsf_tab_get(&t, 3 + 16 * (uint64_t)(i + 1), 7 | 1, T0 + i * SEC, &created);
		assert_non_null(e[i]);
		assert_true(created);
		assert_int_equal(e[i]->last_us, T0 + i * SEC);
	}
	assert_int_equal(t.inserts, 4);
	assert_int_equal(t.used, 4);
	assert_int_equal(t.evictions, 0);
	/* A look-up finds the same slot, keeps its data and does not reorder by itself. */
	e[1]->body[0] = 42;
	assert_ptr_equal(dnsf_tab_get(&t, 3 + 16 * 2, 7 | 1, T0 + 9 * SEC, &created), e[1]);
	assert_false(created);
	assert_int_equal(e[1]->body[0], 42);
	assert_int_equal(t.hits, 1);
	/* Same key, other check: a different flow (the check is part of the key). */
	assert_null(dnsf_tab_find(&t, 3 + 16 * 2, 9 | 1));
	/* Touch key 0 so key 1 (t0 + 1 s) is now the least recently seen. */
	e[0]->last_us = T0 + 10 * SEC;
	e[4] = dnsf_tab_get(&t, 3 + 16 * 5, 7 | 1, T0 + 11 * SEC, &created);
	assert_ptr_equal(e[4], e[1]);
	assert_true(created);
	assert_int_equal(e[4]->body[0], 0); /* fresh */
	assert_int_equal(t.evictions, 1);
	assert_null(dnsf_tab_find(&t, 3 + 16 * 2, 7 | 1));
	assert_non_null(dnsf_tab_find(&t, 3 + 16 * 1, 7 | 1));
	/* Other buckets are untouched. */
	assert_non_null(dnsf_tab_get(&t, 4, 7 | 1, T0, &created));
	assert_int_equal(t.evictions, 1);
	assert_int_equal(t.used, 5);
	/* Seven look-ups: six inserts and one hit. */
	struct dnsf_tab_counters c;
	dnsf_tab_counters(&t, &c);
	assert_int_equal(c.lookups, 7);
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.inserts, 6);
	dnsf_tab_fini(&t);
}

static void
test_holds_are_not_evicted(void **state)
{
	struct dnsf_tab t;
	int created;
	(void)state;

	assert_int_equal(dnsf_tab_init(&t, 4), 0);
	for (unsigned i = 0; i < 4; i++) {
		struct dnsf_tab_ent *e = dnsf_tab_get(&t, i + 1, 1, T0, &created);
		e->hold_until_s = (uint32_t)(T0 / SEC) + 100;
	}
	/* Every slot is held: no room, counted, nothing evicted. */
	assert_null(dnsf_tab_get(&t, 99, 1, T0 + SEC, &created));
	assert_int_equal(t.no_room, 1);
	assert_int_equal(t.evictions, 0);
	{
		struct dnsf_tab_counters c;
		dnsf_tab_counters(&t, &c);
		assert_int_equal(c.lookups, 5); /* 4 inserts and the no_room */
	}
	/* Once a hold runs out its slot can go again. */
	assert_non_null(dnsf_tab_get(&t, 99, 1, T0 + 101 * SEC, &created));
	assert_int_equal(t.evictions, 1);
	dnsf_tab_fini(&t);
}

/* 1M random clients through the detector into a 4096-entry flow table. */
static void
test_flood_bounded(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_detect_params p;
	struct dnsf_detect d;
	struct dnsf_detect_in in;
	struct dnsf_detect_out out;
	struct tmsg hot, t;
	char err[128];
	uint64_t now = T0;
	(void)state;

	memset(&cfg, 0, sizeof(cfg));
	cfg.detect.enabled = 1;
	cfg.detect.flow_entries = 4096;
	cfg.detect.domain_entries = 1024;
	cfg.detect.hold_seconds = 300;
	dnsf_detect_params_init(&p, &cfg.detect, NULL);
	assert_int_equal(dnsf_detect_init(&d, &p, err, sizeof(err)), 0);
	const size_t bytes = dnsf_tab_bytes(&d.flows) + dnsf_tab_bytes(&d.doms);
	assert_int_equal(bytes, (4096 + 1024) * 64);

	tmsg_build(&hot, "www.example.com", DNSF_T_A, 0, 2, 7);
	tmsg_build(&t, "www.example.com", DNSF_T_A, 0, 2, 0);
	memset(&in, 0, sizeof(in));
	in.dns = t.wire;
	in.dns_len = t.wire_len;
	in.h = t.h;
	in.split = t.split;
	unsigned hot_q = 0;
	for (unsigned i = 0; i < 1000000; i++) {
		now += 10; /* 100k packets per second */
		if (i % 100 == 0) {
			in.pkt = &hot.p;
			hot_q++;
		} else {
			/* A random (spoofed) IPv4 or IPv6 source. */
			uint32_t r = trng(UINT32_MAX);
			memcpy(t.p.src, &r, 4);
			t.p.src[5] = (uint8_t)(i & 1); /* half of them v6-looking */
			in.pkt = &t.p;
		}
		in.now_us = now;
		in.has_keys = 0;
		dnsf_detect_packet(&d, &p, &in, &out);
		assert_false(out.tunnel);
	}
	assert_int_equal(dnsf_tab_bytes(&d.flows) + dnsf_tab_bytes(&d.doms), bytes);
	assert_int_equal(d.flows.used, 4096);
	assert_true(d.flows.evictions > 900000);
	assert_int_equal(d.flows.inserts, d.flows.evictions + d.flows.used);
	assert_int_equal(d.flows.no_room, 0);

	/* The hot flow kept its state through the flood. */
	uint64_t key;
	uint32_t check;
	dnsf_flow_key(dnsf_pkt_client_addr(&hot.p), hot.h[hot.split], &key, &check);
	struct dnsf_flow *f = (struct dnsf_flow *)dnsf_tab_find(&d.flows, key, check);
	assert_non_null(f);
	assert_int_equal(f->queries, hot_q);
	assert_int_equal(f->first_s, (uint32_t)(T0 / SEC));
	/* One domain for everyone: one entry, never evicted. */
	assert_int_equal(d.doms.used, 1);
	dnsf_detect_fini(&d);
}

static struct dnsf_qfeat
qf(uint64_t name_hash, uint16_t sub_len, uint8_t rrclass)
{
	struct dnsf_qfeat q;
	memset(&q, 0, sizeof(q));
	q.name_hash = name_hash;
	q.sub_len = sub_len;
	q.sub_chars = sub_len;
	q.rrclass = rrclass;
	return q;
}

static void
test_windows(void **state)
{
	struct dnsf_flow f;
	struct dnsf_flow_view v;
	const uint32_t W = 300;
	/* Start at a window boundary so that the arithmetic below is exact. */
	const uint64_t t0 = (T0 / (W * SEC)) * W * SEC;
	(void)state;

	memset(&f, 0, sizeof(f));
	/* 10 distinct suspicious names of 100 bytes, each sent three times. */
	for (unsigned r = 0; r < 3; r++)
		for (unsigned i = 0; i < 10; i++) {
			struct dnsf_qfeat q =
			    qf(dnsf_hash_bytes(&i, sizeof(i), 1), 100, DNSF_RRC_TXT);
			dnsf_flow_on_query(&f, &q, 1, t0 + (r * 10 + i) * SEC, W);
		}
	/* and 5 distinct plain ones */
	for (unsigned i = 100; i < 105; i++) {
		struct dnsf_qfeat q = qf(dnsf_hash_bytes(&i, sizeof(i), 1), 10, DNSF_RRC_ADDR);
		dnsf_flow_on_query(&f, &q, 0, t0 + 40 * SEC, W);
	}
	dnsf_flow_view(&f, t0 + 40 * SEC, W, &v);
	assert_int_equal(v.queries, 35);
	assert_int_equal(v.rare_pm, 30 * 1000 / 35);
	/* Linear counting of 10 (15) items in 64 (32) bits: a few items off at most. */
	assert_in_range(v.susp_distinct, 9, 11);
	assert_in_range(v.distinct, 11, 19);
	assert_in_range(v.susp_info, 900, 1100);
	assert_in_range(v.info, 1050 * 8 / 10, 1050 * 12 / 10);
	assert_int_equal(v.age_s, 40);

	/* Next window, halfway through: the previous window counts half. */
	dnsf_flow_view(&f, t0 + (W + W / 2) * SEC, W, &v);
	assert_in_range(v.susp_info, 450, 550);
	assert_in_range(v.susp_distinct, 4, 6);
	/* A query there rolls the window: same reading, plus the new name. */
	struct dnsf_qfeat q = qf(12345, 50, DNSF_RRC_ADDR);
	dnsf_flow_on_query(&f, &q, 1, t0 + (W + W / 2) * SEC, W);
	dnsf_flow_view(&f, t0 + (W + W / 2) * SEC, W, &v);
	assert_in_range(v.susp_info, 500, 600);
	/* Two windows later everything windowed has aged out; counts stay. */
	dnsf_flow_view(&f, t0 + 3 * W * SEC, W, &v);
	assert_int_equal(v.susp_info, 0);
	assert_int_equal(v.distinct, 0);
	assert_int_equal(v.queries, 36);
}

/* The flow keeps its window number mod 4 (room for the heartbeat): readings must still tell
 * "this window", "the previous one" and "older" apart after idle spells that are multiples of
 * four windows, with and without answers arriving in between. */
static void
test_window_low_bits(void **state)
{
	struct dnsf_flow f;
	struct dnsf_flow_view v;
	const uint32_t W = 300;
	const uint64_t t0 = (T0 / (W * SEC)) * W * SEC;
	struct dnsf_qfeat r = qf(0, 5, DNSF_RRC_ADDR);
	(void)state;

	r.is_response = 1;
	for (unsigned k = 4; k <= 12; k += 4) {
		for (unsigned answers = 0; answers < 2; answers++) {
			memset(&f, 0, sizeof(f));
			for (unsigned i = 0; i < 10; i++) {
				struct dnsf_qfeat q =
				    qf(dnsf_hash_bytes(&i, sizeof(i), 1), 100, DNSF_RRC_TXT);
				dnsf_flow_on_query(&f, &q, 1, t0 + i * SEC, W);
			}
			const uint64_t later = t0 + (uint64_t)k * W * SEC + 20 * SEC;
			/* Answers (no queries) every minute keep last_us recent. */
			for (uint64_t t = t0 + 60 * SEC; answers && t < later; t += 60 * SEC) {
				dnsf_flow_on_response(&f, &r, t, W);
				f.last_us = t;
			}
			/* k windows later, same low bits: nothing of the old window counts. */
			dnsf_flow_view(&f, later, W, &v);
			assert_int_equal(v.distinct, 0);
			assert_int_equal(v.susp_info, 0);
			struct dnsf_qfeat q = qf(777, 30, DNSF_RRC_ADDR);
			dnsf_flow_on_query(&f, &q, 0, later, W);
			dnsf_flow_view(&f, later, W, &v);
			assert_int_equal(v.distinct, 1);
			assert_int_equal(v.info, 30);
			assert_int_equal(v.susp_distinct, 0);
			assert_int_equal(v.susp_info, 0);
		}
	}
	/* One window later, with an answer in between, the previous window still counts. */
	memset(&f, 0, sizeof(f));
	for (unsigned i = 0; i < 10; i++) {
		struct dnsf_qfeat q = qf(dnsf_hash_bytes(&i, sizeof(i), 1), 100, DNSF_RRC_TXT);
		dnsf_flow_on_query(&f, &q, 1, t0 + i * SEC, W);
	}
	dnsf_flow_on_response(&f, &r, t0 + (W + 10) * SEC, W);
	f.last_us = t0 + (W + 10) * SEC;
	struct dnsf_qfeat q = qf(777, 30, DNSF_RRC_ADDR);
	dnsf_flow_on_query(&f, &q, 0, t0 + (W + 30) * SEC, W);
	dnsf_flow_view(&f, t0 + (W + 30) * SEC, W, &v);
	assert_in_range(v.susp_info, 850, 950); /* 1000 x (270 / 300) */
}

static void
test_rate(void **state)
{
	struct dnsf_flow f;
	struct dnsf_flow_view v;
	uint64_t t = T0;
	(void)state;

	memset(&f, 0, sizeof(f));
	f.last_us = t;
	/* 50 q/s for a minute (7.5 half-lives): the estimate settles at 50 q/s (x128). */
	for (unsigned i = 0; i < 3000; i++) {
		struct dnsf_qfeat q = qf(i, 5, DNSF_RRC_ADDR);
		t += 20000;
		dnsf_flow_on_query(&f, &q, 0, t, 300);
	}
	dnsf_flow_view(&f, t, 300, &v);
	assert_in_range(v.rate_x128, 50 * 128 * 9 / 10, 50 * 128 * 11 / 10);
	/* One query after 16 s of silence: two half-lives, a quarter left, plus itself. */
	uint32_t before = f.rate;
	struct dnsf_qfeat q = qf(1, 5, DNSF_RRC_ADDR);
	dnsf_flow_on_query(&f, &q, 0, t + 16 * SEC, 300);
	assert_in_range(f.rate, before / 4, before / 4 + 12);
	/* After a long silence the rate is just the new query. */
	dnsf_flow_on_query(&f, &q, 0, t + 3600 * SEC, 300);
	assert_in_range(f.rate, 1, 12);
}

static void
test_responses_and_domain(void **state)
{
	struct dnsf_flow f;
	struct dnsf_dom d;
	struct dnsf_flow_view v;
	struct dnsf_dom_view dv;
	(void)state;

	memset(&f, 0, sizeof(f));
	for (unsigned i = 0; i < 300; i++) {
		struct dnsf_qfeat q = qf(i, 5, DNSF_RRC_ADDR);
		q.is_response = 1;
		q.rcode = (i % 3 == 0) ? DNSF_RCODE_NXDOMAIN : 0;
		q.rdata_total = 160;
		dnsf_flow_on_response(&f, &q, T0, 300);
	}
	dnsf_flow_view(&f, T0, 300, &v);
	/* 300 responses overflow the 8-bit counters: halved together, the share survives. */
	assert_in_range(v.nx_pm, 320, 345);
	assert_int_equal(v.rdata, 300 * 160);

	memset(&d, 0, sizeof(d));
	for (unsigned i = 0; i < 100; i++) {
		struct dnsf_qfeat q = qf(dnsf_hash_bytes(&i, sizeof(i), 5), 40, DNSF_RRC_ADDR);
		dnsf_dom_on_query(&d, &q, i < 50, T0 + i * SEC, 900);
	}
	dnsf_dom_view(&d, T0 + 100 * SEC, 900, &dv);
	assert_in_range(dv.distinct, 80, 120);
	assert_in_range(dv.susp_distinct, 42, 58);
	assert_in_range(dv.susp_info, 50 * 40 * 8 / 10, 50 * 40 * 12 / 10);
	assert_int_equal(dnsf_lc_est64(0), 0);
	assert_int_equal(dnsf_lc_est64(1), 1);
	assert_true(dnsf_lc_est64(UINT64_MAX) > 250); /* saturates, finite */
	assert_int_equal(dnsf_lc_est32(0xffff), 22);  /* -32 ln(1/2) = 22.2 */
}

/* The division-free arithmetic of the readings equals its definition: the window number and
 * previous-window weight by one quotient (dnsf_win_at) against t / 10^6 / W and t mod (10^6 W),
 * and the information estimate by reciprocal against plain division, over every bit count and
 * the whole range of the counters. */
static void
test_window_and_info_arith(void **state)
{
	static const uint32_t wins[] = {1, 2, 7, 60, 300, 900, 3600, 86400, 65535, 4000000};
	(void)state;

	for (unsigned r = 0; r < 300000; r++) {
		uint64_t t = ((uint64_t)trng(UINT32_MAX) << 32 | trng(UINT32_MAX)) >> trng(40);
		uint32_t w = r & 1 ? wins[trng(10)] : 1 + trng(100000);
		uint64_t span = (uint64_t)w * 1000000;
		struct dnsf_win x;

		if (r < 1000)
			t = (uint64_t)r * 499999; /* around window edges */
		dnsf_win_at(&x, t, w);
		assert_int_equal(x.w, (uint16_t)(t / 1000000 / w));
		assert_int_equal(x.pw, (uint32_t)((span - t % span) * 1024 / span));
		assert_true(x.now_us == t && x.win_s == w);
	}
	for (unsigned n = 0; n <= 64; n++) {
		for (unsigned r = 0; r < 4000; r++) {
			uint64_t bits = n == 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
			uint32_t info = r < 8 ? UINT32_MAX - r : trng(UINT32_MAX) >> trng(32);
			bits <<= trng(65 - n) & 63; /* n bits anywhere */
			assert_int_equal(dnsf_info_est(info, bits, 1),
			                 dnsf_info_est_ref(info, bits, 1));
			if (n <= 32)
				assert_int_equal(
				    dnsf_info_est(info, (uint32_t)((UINT64_C(1) << n) - 1), 0),
				    dnsf_info_est_ref(info, (uint32_t)((UINT64_C(1) << n) - 1), 0));
		}
	}
}

/* The detector's division-free test of a domain's negative share equals the share's. */
static void
test_negative_at_least(void **state)
{
	static const uint32_t pms[] = {0, 1, 250, 499, 500, 501, 999, 1000};
	struct dnsf_dom d;
	(void)state;

	memset(&d, 0, sizeof(d));
	for (uint32_t r = 0; r <= 1200; r++)
		for (uint32_t n = 0; n <= r; n++) {
			d.responses = (uint16_t)r;
			d.negative = (uint16_t)n;
			for (unsigned i = 0; i < sizeof(pms) / sizeof(pms[0]); i++) {
				assert_int_equal(dnsf_dom_negative_at_least(&d, 32, pms[i]),
				                 dnsf_dom_negative_pm(&d, 32) >= pms[i]);
				assert_int_equal(dnsf_dom_negative_at_least(&d, 0, pms[i]),
				                 dnsf_dom_negative_pm(&d, 0) >= pms[i]);
			}
		}
}

/* The detector's one-call update and reading (dnsf_*_on_query_view_w, _on_response_view_w)
 * against the two calls it replaced, each followed by last_us = now: same entries and the same
 * readings over a random walk of queries and answers, gaps from microseconds to several
 * windows (window rolls, retired counters, the 2-bit window number wrapping). */
static void
test_update_view_pairs(void **state)
{
	const uint32_t W = 60;
	struct dnsf_flow fa, fb;
	struct dnsf_dom da, db;
	struct dnsf_flow_view va, vb;
	struct dnsf_dom_view wa, wb;
	struct dnsf_win x;
	uint64_t rnd = 0x9e3779b97f4a7c15ull, t = T0;
	unsigned seen[2][3] = {{0}}, read_prev = 0, read_dom = 0;
	(void)state;

	memset(&fa, 0, sizeof(fa));
	memset(&da, 0, sizeof(da));
	fb = fa;
	db = da;
	for (unsigned i = 0; i < 200000; i++) {
		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		const unsigned r = (unsigned)(rnd >> 33);
		/* Mostly short gaps; sometimes one to five windows. */
		switch (r & 7) {
		case 0:
			t += (uint64_t)((r >> 3) % (5 * W)) * SEC;
			break;
		case 1:
		case 2:
			t += (r >> 3) % (3 * SEC);
			break;
		default:
			t += (r >> 3) % 2000;
			break;
		}
		struct dnsf_qfeat q = qf(rnd * 0xff51afd7ed558ccdull, (uint16_t)((r >> 8) % 80),
		                         (uint8_t)((r >> 16) % DNSF_RRC__COUNT));
		const int susp = (r >> 20) & 1;
		q.rcode = (uint8_t)((r >> 21) % 4);
		q.rdata_total = (uint16_t)((r >> 10) & 1023);
		dnsf_win_at(&x, t, W);
		/* Which window relation this step meets (query or answer; same, next, older). */
		const unsigned rel = t - fa.last_us >= 2 * W * SEC
		                         ? 2
		                         : ((unsigned)x.w - fa.win) & DNSF_FLOW_WIN_MASK;
		seen[(r >> 23) & 1][rel > 2 ? 2 : rel]++;
		memset(&va, 0, sizeof(va));
		memset(&vb, 0, sizeof(vb));
		memset(&wa, 0, sizeof(wa));
		memset(&wb, 0, sizeof(wb));
		if ((r >> 23) & 1) {
			const unsigned fqa = dnsf_flow_on_query_w(&fa, &q, susp, &x);
			fa.last_us = t;
			dnsf_flow_view_rules_w(&fa, &x, &va);
			assert_int_equal(dnsf_flow_on_query_view_w(&fb, &q, susp, &x, &vb), fqa);
			dnsf_dom_on_query_w(&da, &q, susp, &x);
			da.last_us = t;
			dnsf_dom_view_rules_w(&da, &x, &wa);
			dnsf_dom_on_query_view_w(&db, &q, susp, &x, &wb);
		} else {
			q.is_response = 1;
			dnsf_flow_on_response_w(&fa, &q, &x);
			fa.last_us = t;
			dnsf_flow_view_rules_w(&fa, &x, &va);
			dnsf_flow_on_response_view_w(&fb, &q, &x, &vb);
			dnsf_dom_on_response(&da, &q);
			da.last_us = t;
			dnsf_dom_view_rules_w(&da, &x, &wa);
			dnsf_dom_on_response_view_w(&db, &q, &x, &wb);
		}
		assert_memory_equal(&fa, &fb, sizeof(fa));
		assert_memory_equal(&da, &db, sizeof(da));
		assert_memory_equal(&va, &vb, sizeof(va));
		assert_memory_equal(&wa, &wb, sizeof(wa));
		read_prev += va.susp_info > 0 && fa.prev_susp_info > 0;
		read_dom += wa.susp_distinct > 0;
	}
	/* The walk met every window relation, for queries and answers, and real readings. */
	for (unsigned k = 0; k < 2; k++)
		for (unsigned j = 0; j < 3; j++)
			assert_true(seen[k][j] > 0);
	assert_true(read_prev > 0);
	assert_true(read_dom > 0);
}

/* The readings' distinct tables equal the estimate they stand for, for every bit count. */
static void
test_distinct_tables(void **state)
{
	(void)state;
	for (unsigned n = 0; n <= 64; n++) {
		const uint64_t bits = n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;
		assert_int_equal(dnsf_lc64_d[n], dnsf_lc_est64(bits));
		if (n <= 32)
			assert_int_equal(dnsf_lc32_d[n], dnsf_lc_est32((uint32_t)bits));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_insert_update_evict),
	    cmocka_unit_test(test_holds_are_not_evicted),
	    cmocka_unit_test(test_flood_bounded),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_window_low_bits),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_responses_and_domain),
	    cmocka_unit_test(test_window_and_info_arith),
	    cmocka_unit_test(test_negative_at_least),
	    cmocka_unit_test(test_update_view_pairs),
	    cmocka_unit_test(test_distinct_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
