/* SPDX-License-Identifier: BSD-3-Clause */
/* Top list (dnsf_top.h): order and ties, the K bound, empty and evicted slots, incremental
 * passes, seqlock publication, the merge of several workers, the label store (replacement under
 * pressure, the missing-label outcome) and the detector labelling notable flows only. */
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

/* A table and its label store, as the detector keeps them. */
struct fix {
	struct dnsf_tab t;
	struct dnsf_labels labels;
};

static void
fix_init_n(struct fix *x, uint32_t entries, uint32_t labels)
{
	assert_int_equal(dnsf_tab_init(&x->t, entries), 0);
	assert_int_equal(dnsf_labels_init(&x->labels, labels), 0);
}

static void
fix_init(struct fix *x, uint32_t entries)
{
	fix_init_n(x, entries, 4096);
}

static void
fix_fini(struct fix *x)
{
	dnsf_tab_fini(&x->t);
	dnsf_labels_fini(&x->labels);
}

/*
 * A flow under `key` named `name` from client 10.0.0.<id> that sent `names` distinct
 * subdomains of `sub_len` bytes at time `now`; name NULL: not labelled, else labelled with peak
 * score `score`. Returns the entry.
 */
static struct dnsf_flow *
add_flow(struct fix *x, uint64_t key, const char *name, uint8_t id, unsigned names,
         uint16_t sub_len, int32_t score, uint64_t now)
{
	int created;
	struct dnsf_flow *f =
	    (struct dnsf_flow *)dnsf_tab_get(&x->t, key, (uint32_t)(key >> 7) | 1, now, &created);
	uint8_t client[16] = {10, 0, 0, id};

	assert_non_null(f);
	if (name != NULL)
		dnsf_labels_note(&x->labels, key, (uint32_t)(now / SEC), WIN, client, 4, name,
		                 (unsigned)strlen(name), score, -1);
	for (unsigned i = 0; i < names; i++) {
		struct dnsf_qfeat q;

		memset(&q, 0, sizeof(q));
		q.sub_len = sub_len;
		/* Bits 40..45 choose the bitmap bit: one distinct bit per name (up to 32). */
		q.name_hash = (uint64_t)(i % 32) << 40 | key;
		dnsf_flow_on_query(f, &q, 0, now, WIN);
	}
	return f;
}

static int
full_pass(struct dnsf_top_scan *s, struct fix *x, uint64_t now, uint32_t budget)
{
	int steps = 0;

	dnsf_top_scan_begin(s);
	while (!dnsf_top_scan_step(s, &x->t, &x->labels, now, WIN, budget))
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
			dnsf_top_scan_step(&one, &single.t, &single.labels, T0 + SEC, WIN, 1);
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
	/* The heavy flow's label stays in the store (keyed by the flow): were the flow to come
	 * back, it would find it. */
	assert_true(dnsf_labels_find(&x.labels, 4 * 1) >= 0);
	fix_fini(&x);
}

/* The label store alone: what a label keeps, peak scores, and replacement in a full bucket. */
static void
test_label_store(void **state)
{
	struct dnsf_labels ls;
	const uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	static const char longname[] = "a-very-long-registered-domain-name-of-a-company.example";
	const uint32_t t = (uint32_t)(T0 / SEC);
	int64_t i;
	(void)state;

	assert_int_equal(dnsf_labels_init(&ls, 6), -1); /* not a power of two */
	assert_int_equal(dnsf_labels_init(&ls, 2), -1); /* less than a bucket */
	assert_int_equal(dnsf_labels_init(&ls, 4), 0);  /* one bucket: every key lands in it */
	assert_int_equal(dnsf_labels_find(&ls, 7), -1);
	dnsf_labels_note(&ls, 0, t, WIN, c, 6, "zero.test", 9, 50, -1);
	assert_int_equal(ls.used, 0); /* key 0 is never labelled */

	/* A long registered domain is cut and marked; peaks saturate and only rise. */
	dnsf_labels_note(&ls, 1, t, WIN, c, 6, longname, sizeof(longname) - 1, 0, -1);
	i = dnsf_labels_find(&ls, 1);
	assert_true(i >= 0);
	assert_int_equal(ls.l[i].name_len, DNSF_TOP_NAME);
	assert_int_equal(ls.l[i].name_cut, 1);
	assert_int_equal(ls.l[i].ip_version, 6);
	assert_memory_equal(ls.l[i].client, c, 16);
	assert_memory_equal(ls.l[i].name, longname, DNSF_TOP_NAME);
	assert_int_equal(ls.b[0].max_score[i], 0); /* noted for its information: no score */
	assert_int_equal(ls.b[0].max_model[i], -1);
	dnsf_labels_note(&ls, 1, t, WIN, c, 6, "other.test", 10, 40000, 700);
	assert_int_equal(ls.b[0].max_score[i], INT16_MAX);
	assert_int_equal(ls.b[0].max_model[i], 700);
	dnsf_labels_note(&ls, 1, t, WIN, c, 6, "other.test", 10, 10, 5);
	assert_int_equal(ls.b[0].max_model[i], 700);
	assert_memory_equal(ls.l[i].name, longname, DNSF_TOP_NAME); /* written once */
	assert_int_equal(ls.inserts, 1);
	assert_int_equal(ls.used, 1);

	/* Fill the bucket: key 1 (32767), key 2 (30), key 3 (30, noted later), key 4 (80). */
	dnsf_labels_note(&ls, 2, t, WIN, c, 4, "two.test", 8, 30, -1);
	dnsf_labels_note(&ls, 3, t + 5, WIN, c, 4, "three.test", 10, 30, -1);
	dnsf_labels_note(&ls, 4, t, WIN, c, 4, "four.test", 9, 80, -1);
	assert_int_equal(ls.used, 4);
	assert_int_equal(ls.replaced, 0);
	/* Pressure: a lower score than every fresh label is refused, the store unchanged. */
	dnsf_labels_note(&ls, 5, t + 10, WIN, c, 4, "five.test", 9, 20, -1);
	dnsf_labels_note(&ls, 6, t + 10, WIN, c, 4, "six.test", 8, 0, -1); /* info only */
	assert_int_equal(ls.refused, 2);
	assert_int_equal(dnsf_labels_find(&ls, 5), -1);
	assert_int_equal(dnsf_labels_find(&ls, 6), -1);
	/* An equal score takes the least recently noted of the lowest: key 2, not key 3. */
	dnsf_labels_note(&ls, 7, t + 10, WIN, c, 4, "seven.test", 10, 30, -1);
	assert_int_equal(dnsf_labels_find(&ls, 2), -1);
	assert_true(dnsf_labels_find(&ls, 3) >= 0);
	i = dnsf_labels_find(&ls, 7);
	assert_true(i >= 0);
	assert_int_equal(ls.l[i].name_len, 10);
	assert_memory_equal(ls.l[i].name, "seven.test", 10);
	assert_int_equal(ls.replaced, 1);
	assert_int_equal(ls.inserts, 5);
	/* A higher score takes the lowest fresh one: key 3 (30, older than key 7's 30). */
	dnsf_labels_note(&ls, 8, t + 11, WIN, c, 4, "eight.test", 10, 60, -1);
	assert_int_equal(dnsf_labels_find(&ls, 3), -1);
	assert_true(dnsf_labels_find(&ls, 7) >= 0);
	/* A note keeps a label fresh; a label not noted for a window is stale and goes first,
	 * whatever its score: key 1 (32767, last noted at t) before key 8 (60, at t + 11). */
	dnsf_labels_note(&ls, 4, t + WIN, WIN, c, 4, "four.test", 9, 0, -1);
	dnsf_labels_note(&ls, 7, t + WIN, WIN, c, 4, "seven.test", 10, 0, -1);
	dnsf_labels_note(&ls, 9, t + WIN, WIN, c, 4, "nine.test", 9, 0, -1);
	assert_int_equal(dnsf_labels_find(&ls, 1), -1);
	assert_true(dnsf_labels_find(&ls, 8) >= 0);
	assert_true(dnsf_labels_find(&ls, 9) >= 0);
	/* Then key 8 (stale at t + 11 + WIN) against fresh score-0 labels: stale goes first. */
	dnsf_labels_note(&ls, 10, t + WIN + 11, WIN, c, 4, "ten.test", 8, 0, -1);
	assert_int_equal(dnsf_labels_find(&ls, 8), -1);
	assert_int_equal(ls.used, 4);
	assert_int_equal(ls.replaced, 4);
	assert_int_equal(ls.refused, 2);
	/* A note "from the future" (packet time stepped back) is not stale: key 11 (20) finds
	 * every way fresh and higher (30 at the least) and is refused. */
	dnsf_labels_note(&ls, 9, t + WIN + 11, WIN, c, 4, "nine.test", 9, 50, -1);
	dnsf_labels_note(&ls, 10, t + WIN + 11, WIN, c, 4, "ten.test", 8, 50, -1);
	dnsf_labels_note(&ls, 11, t, WIN, c, 4, "eleven.test", 11, 20, -1);
	assert_int_equal(dnsf_labels_find(&ls, 11), -1);
	assert_int_equal(ls.refused, 3);
	dnsf_labels_fini(&ls);
}

/* A flood of notable flows through a small store: bounded, the best scores stay, counted. */
static void
test_label_flood(void **state)
{
	struct dnsf_labels ls;
	const uint8_t c[16] = {10, 1, 2, 3};
	const uint32_t t = (uint32_t)(T0 / SEC);
	const unsigned n = 64, flood = 20000;
	unsigned kept = 0;
	(void)state;

	assert_int_equal(dnsf_labels_init(&ls, n), 0);
	/* Tunnels first (score 150, two in each of the 16 buckets), then a flood of flows scoring
	 * 20..39 (just past the suspicious points). */
	for (unsigned i = 0; i < n / 2; i++)
		dnsf_labels_note(&ls, ((uint64_t)(i % 16) | (uint64_t)(i / 16 + 1) << 8) << 32, t,
		                 WIN, c, 4, "tunnel.test", 11, 150, -1);
	for (unsigned i = 0; i < flood; i++)
		dnsf_labels_note(&ls, 0xc2b2ae3d27d4eb4full * (i + 1000), t + 1, WIN, c, 4,
		                 "flood.test", 10, 20 + (int32_t)(i % 20), -1);
	assert_int_equal(ls.used, n);
	assert_int_equal(ls.inserts - ls.replaced, ls.used);
	assert_int_equal(ls.inserts + ls.refused, n / 2 + flood);
	assert_true(ls.refused > flood / 2); /* most lose to the flood's best */
	for (unsigned i = 0; i < n / 2; i++)
		kept += dnsf_labels_find(&ls, ((uint64_t)(i % 16) | (uint64_t)(i / 16 + 1) << 8)
		                                  << 32) >= 0;
	assert_int_equal(kept, n / 2); /* no tunnel label washed out while fresh */
	/* The other ways hold the flood's highest score. */
	for (unsigned b = 0; b < n / DNSF_LABEL_WAYS; b++)
		for (unsigned w = 0; w < DNSF_LABEL_WAYS; w++)
			assert_true(ls.b[b].max_score[w] == 150 || ls.b[b].max_score[w] == 39);
	dnsf_labels_fini(&ls);
}

/* A flow without a label is ranked and shown from its entry alone (dnsf_top.h). */
static void
test_missing_label(void **state)
{
	struct fix x;
	struct dnsf_top_scan s;
	const struct dnsf_top_ent *e;
	(void)state;

	memset(&s, 0, sizeof(s));
	fix_init_n(&x, 1024, 4);                           /* one bucket of labels */
	add_flow(&x, 0x11, "low.test", 1, 20, 40, 30, T0); /* labelled, then replaced */
	add_flow(&x, 0x22, "a.test", 2, 2, 10, 90, T0);
	add_flow(&x, 0x33, "b.test", 3, 2, 10, 80, T0);
	add_flow(&x, 0x44, "c.test", 4, 2, 10, 70, T0);
	add_flow(&x, 0x55, "d.test", 5, 2, 10, 60, T0 + 1); /* takes low.test's way */
	add_flow(&x, 0x66, NULL, 6, 3, 10, 0, T0 + 1);      /* ordinary: never labelled */
	assert_int_equal(x.labels.replaced, 1);
	full_pass(&s, &x, T0 + 2, 1024);
	assert_int_equal(s.work.live, 6);
	assert_int_equal(s.work.labels_cap, 4);
	assert_int_equal(s.work.labels_used, 4);
	assert_int_equal(s.work.label_inserts, 5);
	assert_int_equal(s.work.label_replaced, 1);
	assert_int_equal(s.work.label_refused, 0);
	/* By information the replaced flow still comes first: key and counters, nothing else. */
	e = &s.work.by[DNSF_TOP_BY_INFO][0];
	assert_int_equal(e->key, 0x11);
	assert_int_equal(e->queries, 20);
	assert_true(e->info > 600);
	assert_int_equal(e->labelled, 0);
	assert_int_equal(e->score, 0);
	assert_int_equal(e->model_score, -1);
	assert_int_equal(e->ip_version, 0);
	assert_int_equal(e->name_len, 0);
	assert_int_equal(e->name_cut, 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(e->client[i], 0);
	for (unsigned i = 0; i < DNSF_TOP_NAME; i++)
		assert_int_equal(e->name[i], 0);
	/* By score: the labelled ones by peak, then the unlabelled ones (score 0) by information.
	 */
	e = s.work.by[DNSF_TOP_BY_SCORE];
	name_is(&e[0], "a.test");
	assert_int_equal(e[0].labelled, 1);
	assert_int_equal(e[0].client[3], 2);
	name_is(&e[3], "d.test");
	assert_int_equal(e[4].key, 0x11);
	assert_int_equal(e[5].key, 0x66);
	assert_int_equal(e[5].labelled, 0);
	assert_int_equal(e[5].queries, 3);
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

/* A query (response: an answer) for name from client under a 2-label registered domain. */
static void
detect_msg_qr(struct dnsf_detect *d, const struct dnsf_detect_params *p, const char *name,
              uint16_t qtype, int response, uint32_t client, uint64_t now,
              struct dnsf_detect_out *out)
{
	struct tmsg t;
	struct dnsf_detect_in in;

	tmsg_build(&t, name, qtype, response, 2, client);
	in = (struct dnsf_detect_in){.pkt = &t.p,
	                             .dns = t.wire,
	                             .dns_len = t.wire_len,
	                             .h = t.h,
	                             .split = t.split,
	                             .now_us = now};
	dnsf_detect_packet(d, p, &in, out);
}

static void
detect_msg(struct dnsf_detect *d, const struct dnsf_detect_params *p, const char *name,
           uint16_t qtype, uint32_t client, uint64_t now, struct dnsf_detect_out *out)
{
	detect_msg_qr(d, p, name, qtype, 0, client, now, out);
}

/* The top list's reading of a client's flow under a registered domain (2 labels), at now. */
static uint32_t
flow_info(struct dnsf_detect *d, const char *regdomain, uint32_t client, uint64_t now)
{
	struct tmsg t;
	uint64_t key;
	uint32_t check;
	struct dnsf_tab_ent *e;
	struct dnsf_flow_view v;

	tmsg_build(&t, regdomain, 1, 0, 2, client);
	dnsf_flow_key(dnsf_pkt_client_addr(&t.p), t.h[t.split], &key, &check);
	e = dnsf_tab_find(&d->flows, key, check);
	assert_non_null(e);
	dnsf_flow_view((const struct dnsf_flow *)e, now, WIN, &v);
	return v.info > v.susp_info ? v.info : v.susp_info;
}

static void
top_pass(struct dnsf_detect *d, const struct dnsf_detect_params *p)
{
	while (!dnsf_detect_top_step(d, p, 100))
		;
}

/* The detector labels every flow of a small table, then only notable flows and candidates of
 * the by-information list. */
static void
test_detector_labels(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_detect_params p;
	struct dnsf_detect d;
	struct dnsf_detect_out out;
	char err[128], name[128];
	uint64_t now = T0;
	uint64_t ins;
	const unsigned nfill = 256;
	(void)state;

	dnsf_config_defaults(&cfg);
	cfg.detect.flow_entries = 2048;
	cfg.detect.domain_entries = 1024;
	cfg.detect.top_labels = 256;
	cfg.detect.hold_seconds = 60;
	dnsf_detect_params_init(&p, &cfg.detect, &cfg.model);
	assert_int_equal(p.top_labels, 256);
	assert_int_equal(p.info_floor, 256); /* rules.flow_info_bytes 1024 / 4 */
	assert_int_equal(dnsf_detect_init(&d, &p, err, sizeof(err)), 0);
	assert_int_equal(d.label_bar, 256); /* no pass yet: the floor */
	/* As many flows as labels (one query each, no subdomain: no information): each labelled
	 * when it is created. */
	for (unsigned i = 0; i < nfill; i++) {
		snprintf(name, sizeof(name), "filler%03u.example", i);
		detect_msg(&d, &p, name, 1, 1000 + i, now, &out);
	}
	assert_int_equal(d.flows.used, nfill);
	assert_int_equal(d.labels.inserts, nfill);
	now += SEC;
	/* More flows than labels now: a tunnel (notable: labelled) and a benign flow whose ~20
	 * bytes stay under the bar (not labelled). */
	ins = d.labels.inserts;
	for (unsigned i = 0; i < 80; i++) {
		char sub[80];

		trng_str(sub, 50, "abcdefghijklmnopqrstuvwxyz234567");
		snprintf(name, sizeof(name), "%s.t.tunnel.example", sub);
		detect_msg(&d, &p, name, 16, 7, now, &out);
		snprintf(name, sizeof(name), "www%u.benign.example", i % 5);
		detect_msg(&d, &p, name, 1, 8, now, &out);
		now += SEC / 10;
	}
	assert_int_equal(d.labels.inserts, ins + 1);
	/* Budget 100: 21 slices for 2048 slots. */
	{
		int steps = 1;
		while (!dnsf_detect_top_step(&d, &p, 100))
			steps++;
		assert_int_equal(steps, 21);
	}
	assert_int_equal(d.top.work.live, nfill + 2);
	assert_int_equal(d.top.work.held, 1);
	assert_int_equal(d.top.work.now_us, now - SEC / 10);
	assert_int_equal(d.top.work.labels_cap, 256);
	assert_int_equal(d.top.work.label_inserts, ins + 1);
	for (int by = 0; by < 2; by++) {
		const struct dnsf_top_ent *e = d.top.work.by[by];

		assert_int_equal(d.top.work.n[by], DNSF_TOP_K);
		name_is(&e[0], "tunnel.example");
		assert_int_equal(e[0].labelled, 1);
		assert_int_equal(e[0].client[3], 7);
		assert_int_equal(e[0].ip_version, 4);
		assert_true(e[0].score >= (int)p.rules.threshold);
		assert_true(e[0].hold_until_s > now / SEC);
		/* The benign flow: shown, without a label. */
		assert_int_equal(e[1].labelled, 0);
		assert_int_equal(e[1].name_len, 0);
		assert_int_equal(e[1].client[3], 0);
		assert_int_equal(e[1].score, 0);
		assert_int_equal(e[1].queries, 80);
		/* www0..www4: 5 names of 4 bytes (a bitmap collision may hide one) */
		assert_in_range(e[1].distinct, 4, 6);
		assert_in_range(e[1].info, 16, 24);
		assert_true(e[0].info > 10 * e[1].info);
		/* Then the fillers (no information): labelled, unless their label made room for
		 * another filler's in a full bucket (256 keys in 64 buckets of four). */
		for (unsigned i = 2; i < DNSF_TOP_K; i++) {
			assert_int_equal(e[i].info, 0);
			if (e[i].labelled)
				assert_memory_equal(e[i].name, "filler", 6);
		}
	}
	assert_int_equal(d.labels.used, d.labels.inserts - d.labels.replaced);
	assert_true(d.labels.replaced > 0 && d.labels.used > nfill / 2);
	/* The K-th by information has none: the bar is 0, so any query with a new name notes its
	 * flow (not a flow without a subdomain, nor a response). */
	assert_int_equal(d.top.info_bar, 0);
	assert_int_equal(d.label_bar, 0);
	ins = d.labels.inserts;
	detect_msg(&d, &p, "www.third.example", 1, 9, now, &out);
	assert_int_equal(d.labels.inserts, ins + 1);
	detect_msg(&d, &p, "fourth.example", 1, 10, now, &out);
	detect_msg_qr(&d, &p, "www.fifth.example", 1, 1, 11, now, &out);
	assert_int_equal(d.labels.inserts, ins + 1);
	/* Twenty more flows, 1..20 short names each: labelled (the bar is still 0). */
	for (unsigned c = 0; c < 20; c++)
		for (unsigned j = 0; j <= c; j++) {
			snprintf(name, sizeof(name), "h%02u.many%02u.example", j, c);
			detect_msg(&d, &p, name, 1, 100 + c, now, &out);
		}
	assert_int_equal(d.labels.inserts, ins + 21);
	top_pass(&d, &p);
	for (int by = 0; by < 2; by++)
		for (unsigned i = 0; i < DNSF_TOP_K; i++) {
			const struct dnsf_top_ent *e = &d.top.work.by[by][i];

			/* Only the benign flow of the second part (80 queries, not held) has none.
			 */
			assert_int_equal(e->labelled, e->name_len != 0);
			assert_int_equal(e->labelled, e->queries != 80 || e->hold_until_s != 0);
		}
	/* A full list: the bar is its K-th entry's information (under the floor here). */
	assert_int_equal(d.top.info_bar, d.top.work.by[DNSF_TOP_BY_INFO][DNSF_TOP_K - 1].info);
	assert_true(d.top.info_bar > 0 && d.top.info_bar < p.info_floor);
	assert_int_equal(d.label_bar, d.top.info_bar);
	/* A new flow is noted at the first new name that brings it to the bar, not before. */
	ins = d.labels.inserts;
	{
		uint32_t before = 0;
		unsigned j;

		for (j = 0; j < 40; j++) {
			snprintf(name, sizeof(name), "n%02u.grow.example", j);
			detect_msg(&d, &p, name, 1, 300, now, &out);
			if (d.labels.inserts != ins)
				break;
			before = flow_info(&d, "grow.example", 300, now);
			assert_true(before < d.label_bar);
		}
		assert_true(j > 0 && j < 40);
		assert_int_equal(d.labels.inserts, ins + 1);
		assert_true(flow_info(&d, "grow.example", 300, now) >= d.label_bar);
		/* A repeated name does not note it again (no new name). */
		detect_msg(&d, &p, "n00.grow.example", 1, 300, now, &out);
		assert_int_equal(d.labels.inserts, ins + 1);
	}
	/* A small flow under the bar is not noted. */
	detect_msg(&d, &p, "a.small.example", 1, 301, now, &out);
	assert_int_equal(d.labels.inserts, ins + 1);
	top_pass(&d, &p);
	{
		int found = 0;

		for (unsigned i = 0; i < DNSF_TOP_K; i++) {
			const struct dnsf_top_ent *e = &d.top.work.by[DNSF_TOP_BY_INFO][i];

			if (e->name_len == 12 && memcmp(e->name, "grow.example", 12) == 0) {
				found = 1;
				assert_int_equal(e->labelled, 1);
				assert_int_equal(e->client[2], 1); /* 10.0.1.44: client 300 */
				assert_int_equal(e->client[3], 44);
			}
		}
		assert_true(found);
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
	    cmocka_unit_test(test_label_store),
	    cmocka_unit_test(test_label_flood),
	    cmocka_unit_test(test_missing_label),
	    cmocka_unit_test(test_detector_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
