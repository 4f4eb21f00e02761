/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-bench-pipeline — the engine's cost per packet on a realistic mix, without I/O.
 *
 * The mix (dnsf_bench_mix.h) is built once; its frames are pushed through the engine's two-phase
 * burst API (dnsf_worker_prepare() over a chunk, then dnsf_worker_decide() for each frame: what
 * the dataplane's burst loop calls) again and again, in bursts, with the TSC read around each
 * burst. Reported: Mpps on one core, TSC cycles and ns per packet,
 * cost per traffic kind, a per-stage breakdown (the lib stage functions timed cumulatively on
 * the same mix: parse; + name hashes, lists, PSL split; + features; + flow/domain tables;
 * + rule score / model; the shipped detector; the whole decision), scaling with live flows and
 * under a random-source flood, and two workers on two cores. docs/performance.md explains the
 * method and records the numbers of this machine.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_bench_mix.h"
#include "dnsf_bench_util.h"
#include "dnsf_config.h"
#include "dnsf_detect.h"
#include "dnsf_engine.h"
#include "dnsf_model.h"
#include "dnsf_name.h"
#include "dnsf_listidx.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"

#ifndef DNSF_BENCH_CONFIG
#define DNSF_BENCH_CONFIG "config/dnsfence.yaml"
#endif

#define T0_US        UINT64_C(1700000000000000) /* packet time starts here (2023-11-14) */
#define PKTS_PER_US  16                         /* simulated arrival rate: 16 Mpps */
#define SCALE_FRAMES 1024                       /* frames the scaling runs cycle through */
#define MAX_POINTS   16

struct opts {
	const char *config;
	const char *json;
	uint32_t packets; /* frames in the mix */
	double seconds;   /* per measurement */
	uint32_t passes;  /* > 0: fixed passes over the mix instead of seconds (callgrind) */
	uint32_t warmup_passes;
	uint32_t burst;
	uint32_t flows[MAX_POINTS]; /* scaling points (clients = live flows) */
	unsigned n_flows;
	int scaling; /* the default sweep */
	int flood;
	int scan; /* --scan: the top list's scan */
	unsigned threads;
	int stages;
	int kinds;
	int paired; /* --paired: responses answer the mix's own queries */
	int hash;   /* --hash: the decision hash instead of the timings */
	int kind;   /* --kind: >= 0, the headline measures only frames of this kind */
	uint64_t seed;
};

static struct opts o = {
    .config = DNSF_BENCH_CONFIG,
    .packets = 16384,
    .seconds = 2.0,
    .warmup_passes = 1,
    .burst = 32,
    .threads = 0,
    .stages = 1,
    .kinds = 1,
    .kind = -1,
    .seed = 0x5eed,
};

static struct dnsf_config g_cfg;
/* --hash-no-model: model scores left out of the hash (compares model.score scopes, whose
 * verdicts must agree while messages nobody reads go unscored). */
static int g_hash_model = 1;
static struct dnsf_engine *g_eng;
static struct dnsf_json g_js;
static volatile uint64_t g_sink; /* keeps stage results alive */

static void
die(const char *what)
{
	fprintf(stderr, "dnsfence-bench-pipeline: %s\n", what);
	exit(1);
}

/* ---- a run: frames (by index) through a per-packet function, bursts timed ---- */

struct run {
	uint64_t pkts;
	uint64_t cycles; /* TSC ticks inside the timed bursts */
	uint64_t act[DNSF_ACT__COUNT];
	double best; /* cycles/packet from the fastest pass of each chunk position (measure()) */
};

/* What to do with each packet of a burst. */
enum step { STEP_WORKER = 0, STEP_STAGE };

/* Stage levels, cumulative. */
enum {
	L_PARSE = 1,
	L_LISTS,    /* + suffix hashes, allow/deny look-ups, PSL split */
	L_FEATURES, /* + query features and query points */
	L_FLOWS,    /* + flow and domain tables (keys, look-up/insert, update, views) */
	L_SCORE,    /* + rule score (and model when one is loaded), feature vector */
	L_DETECT,   /* parse + lists + the shipped dnsf_detect_packet() in place of 3..5 */
	L__COUNT
};

static const char *const level_name[L__COUNT] = {
    [L_PARSE] = "parse",       [L_LISTS] = "hashes_lists_psl", [L_FEATURES] = "features",
    [L_FLOWS] = "flow_update", [L_SCORE] = "rules_model",      [L_DETECT] = "detect_as_shipped",
};

/* Lib objects the stage runs use: the same files the engine loads, loaded again here because
 * the engine keeps them private. */
struct stage_ctx {
	struct dnsf_suffix_set *allow, *deny;
	struct dnsf_psl *psl;
	struct dnsf_listidx *idx; /* the three above merged, as the worker walks them */
	uint8_t lazy;             /* features only where read, as dnsf_engine.c decides it */
	struct dnsf_model *model; /* the configured model, loaded as the engine loads it */
	struct dnsf_detect_params dp;
	struct dnsf_detect det;
};

/* Scaling: which client id each packet gets (0: leave the frame as built). */
struct clients {
	uint32_t mode; /* 0 none, 1 cycle over n, 2 random */
	uint32_t n;
	uint64_t next; /* packet counter (cycle) */
	uint64_t rng;
};

struct ctx {
	struct dnsf_bench_mix *mix;
	const uint32_t *idx; /* frames to use, in order */
	uint32_t nidx;
	uint32_t pos; /* next position in idx */
	uint64_t seq; /* packets so far (packet time) */
	enum step step;
	int level;
	struct dnsf_worker *w;
	struct stage_ctx *sc;
	struct clients cl;
};

static inline void
stage_packet(struct ctx *c, struct dnsf_bench_frame *f, uint64_t now)
{
	struct stage_ctx *sc = c->sc;
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	uint64_t acc;

	acc = dnsf_pkt_parse(f->data, f->len, &g_cfg.pkt, &p);
	if (c->level < L_LISTS || p.cls != DNSF_PKT_DNS) {
		g_sink += acc;
		return;
	}
	dnsf_name_msg_hashes(&p.dns, h);
	/* The worker's one walk of the merged index for the lists and the PSL (name_work in
	 * dnsf_engine.c). */
	struct dnsf_listidx_res lr;
	dnsf_listidx_lookup(sc->idx, &p.dns, h, &lr);
	if (lr.allow >= 0) {
		g_sink += acc + 1;
		return;
	}
	if (lr.deny >= 0) {
		g_sink += acc + 2;
		return;
	}
	const unsigned split = lr.psl > 0 ? (unsigned)lr.psl - 1 : 0;
	acc += split + h[0];
	if (c->level == L_LISTS) {
		g_sink += acc;
		return;
	}
	if (c->level == L_DETECT) {
		struct dnsf_detect_out out;
		struct dnsf_detect_in in = {
		    .pkt = &p,
		    .dns = f->data + p.dns_off,
		    .dns_len = p.dns_len,
		    .h = h,
		    .split = split,
		    .now_us = now,
		    /* As the worker without a tap: the rest of the features only where read. */
		    .lazy_feat = sc->lazy,
		};
		dnsf_detect_packet(&sc->det, &sc->dp, &in, &out);
		g_sink += acc + (uint64_t)out.score + out.tunnel;
		return;
	}

	/* Levels 3..5: the detector's steps one by one (as dnsf_detect_packet() does them, less
	 * the verdict cache and the hold bookkeeping, which L_DETECT measures whole). */
	struct dnsf_qfeat q;
	dnsf_qfeat_compute(&p.dns, split, f->data + p.dns_off, p.dns_len, h[0], &q);
	const int32_t qpts = dnsf_rules_query_points(&sc->dp, &q, NULL);
	acc += (uint64_t)qpts;
	if (c->level == L_FEATURES) {
		g_sink += acc + q.entropy_milli;
		return;
	}
	struct dnsf_flow_view fv = {0};
	struct dnsf_dom_view dv = {0};
	struct dnsf_detect *det = &sc->det;
	uint64_t key, dkey;
	uint32_t check, dcheck;
	int created;
	const unsigned sp = split <= p.dns.nlabels ? split : p.dns.nlabels;
	/* As dnsf_detect_packet(): window positions once per instant, both buckets prefetched. */
	if (det->fwin.now_us != now || det->fwin.win_s != sc->dp.flow_window_s)
		dnsf_win_at(&det->fwin, now, sc->dp.flow_window_s);
	if (det->dwin.now_us != now || det->dwin.win_s != sc->dp.domain_window_s)
		dnsf_win_at(&det->dwin, now, sc->dp.domain_window_s);
	dnsf_flow_key(dnsf_pkt_client_addr(&p), h[sp], &key, &check);
	dnsf_dom_key(h[sp], &dkey, &dcheck);
	dnsf_tab_prefetch(&det->flows, key);
	dnsf_tab_prefetch(&det->doms, dkey);
	struct dnsf_flow *fl =
	    (struct dnsf_flow *)dnsf_tab_get(&det->flows, key, check, now, &created);
	struct dnsf_dom *dm =
	    (struct dnsf_dom *)dnsf_tab_get(&det->doms, dkey, dcheck, now, &created);
	if (fl != NULL) {
		if (p.is_query)
			dnsf_flow_on_query_w(fl, &q, qpts >= (int32_t)sc->dp.susp_points,
			                     &det->fwin);
		else
			dnsf_flow_on_response_w(fl, &q, &det->fwin);
		fl->last_us = now;
		dnsf_flow_view_w(fl, &det->fwin, &fv);
	}
	if (dm != NULL) {
		if (p.is_query)
			dnsf_dom_on_query_w(dm, &q, qpts >= (int32_t)sc->dp.dom_susp_points,
			                    &det->dwin);
		dm->last_us = now;
		dnsf_dom_view_w(dm, &det->dwin, &dv);
	}
	acc += fv.queries + dv.distinct;
	if (c->level == L_FLOWS) {
		g_sink += acc;
		return;
	}
	struct dnsf_rule_parts parts;
	struct dnsf_feat feat;
	int32_t score = dnsf_rules_score(&sc->dp, &q, &fv, &dv, &parts);
	dnsf_feat_fill(&q, &fv, &dv, &feat);
	if (sc->dp.model != NULL && sc->dp.model_score != NULL) {
		int32_t vec[DNSF_F_VEC_COUNT];
		dnsf_feat_vector(&feat, vec);
		score += sc->dp.model_score(sc->dp.model, vec);
	}
	g_sink += acc + (uint64_t)score + (uint64_t)feat.v[DNSF_F_FLOW_RATE];
}

static inline void
set_client(struct ctx *c, struct dnsf_bench_frame *f)
{
	uint32_t id;

	if (c->cl.mode == 1) {
		id = (uint32_t)(c->cl.next++ % c->cl.n);
	} else {
		id = (uint32_t)(dnsf_bench_rand(&c->cl.rng) >> 40); /* 24 bits */
	}
	dnsf_bench_set_client(f, id);
}

/* One burst: prepare (untimed: client rewrite in the scaling runs), then time the decisions. */
static inline void
burst(struct ctx *c, struct run *r, uint32_t n)
{
	struct dnsf_bench_frame *fr[512];
	uint32_t ix[512];
	uint64_t t0, t1;
	const uint64_t now = T0_US + c->seq / PKTS_PER_US;

	for (uint32_t i = 0; i < n; i++) {
		ix[i] = c->idx[c->pos];
		fr[i] = &c->mix->f[ix[i]];
		if (++c->pos == c->nidx)
			c->pos = 0;
		if (c->cl.mode)
			set_client(c, fr[i]);
	}
	t0 = dnsf_bench_rdtsc();
	if (c->step == STEP_WORKER && c->nidx >= DNSF_BURST_MAX) {
		/* The dataplane's two phases (dnsf_engine.h), DNSF_BURST_MAX frames at a time; the
		 * frames of a chunk are distinct (nidx >= the chunk). */
		struct dnsf_verdict v;
		struct dnsf_event ev;
		for (uint32_t b = 0; b < n; b += DNSF_BURST_MAX) {
			const uint32_t e = n - b < DNSF_BURST_MAX ? n : b + DNSF_BURST_MAX;
			for (uint32_t i = b; i < e; i++) {
				if (i + 3 < e)
					__builtin_prefetch(fr[i + 3]->data);
				dnsf_worker_prepare(c->w, i - b, fr[i]->data, fr[i]->len);
			}
			for (uint32_t i = b; i < e; i++) {
				dnsf_worker_decide(c->w, i - b, fr[i]->data, fr[i]->len,
				                   DNSF_BENCH_SLOT, now, &v, &ev);
				r->act[v.action]++;
				if (__builtin_expect(v.action == DNSF_ACT_REFUSE || v.rewritten, 0))
					dnsf_bench_mix_restore(c->mix, ix[i]);
			}
		}
	} else if (c->step == STEP_WORKER) {
		struct dnsf_verdict v;
		struct dnsf_event ev;
		for (uint32_t i = 0; i < n; i++) {
			struct dnsf_bench_frame *f = fr[i];
			/* The app prefetches frame data 3 packets ahead; so do we. */
			if (i + 3 < n)
				__builtin_prefetch(fr[i + 3]->data);
			dnsf_worker_process(c->w, f->data, f->len, DNSF_BENCH_SLOT, now, &v, &ev);
			r->act[v.action]++;
			/* Refused or hardened (rewritten) frames get their bytes back for the next
			 * pass. */
			if (__builtin_expect(v.action == DNSF_ACT_REFUSE || v.rewritten, 0))
				dnsf_bench_mix_restore(c->mix, ix[i]);
		}
	} else {
		for (uint32_t i = 0; i < n; i++) {
			if (i + 3 < n)
				__builtin_prefetch(fr[i + 3]->data);
			stage_packet(c, fr[i], now);
		}
	}
	t1 = dnsf_bench_rdtsc();
	r->cycles += t1 - t0;
	r->pkts += n;
	c->seq += n;
}

static void
run_packets(struct ctx *c, struct run *r, uint64_t n)
{
	while (n > 0) {
		const uint32_t b = n < o.burst ? (uint32_t)n : o.burst;
		burst(c, r, b);
		n -= b;
	}
}

/* callgrind.sh collects only inside this function (--toggle-collect). */
__attribute__((noinline)) void
dnsf_bench_measured(struct ctx *c, struct run *r, uint64_t n)
{
	run_packets(c, r, n);
}

static double cpp(const struct run *r);

#define CHUNK 1024 /* packets per timed chunk: ~0.5..3 ms, shorter than a scheduler slice */

/*
 * Warm up, then measure: o.passes whole passes, or as long as o.seconds (and at least `min`
 * packets). The run is cut in chunks of CHUNK packets at fixed positions of the frame sequence
 * (c->nidx must be a multiple of the chunk, and warm-up a whole number of chunks); r->best is
 * the sum over positions of the fastest time seen at each position, per packet: the same frames
 * as the mean, each chunk at its least disturbed. On a machine with other load (a shared VM,
 * parallel builds), a chunk that was descheduled or shared its core is simply not the fastest,
 * so best stays put while the mean moves. On an idle machine the two agree within a few %.
 */
static void
measure(struct ctx *c, struct run *r, uint64_t warm, uint64_t min)
{
	const uint32_t chunk = c->nidx < CHUNK ? c->nidx : CHUNK;
	const uint32_t npos = c->nidx / chunk;
	uint64_t *best = calloc(npos, sizeof(*best));

	if (best == NULL)
		die("out of memory");
	memset(r, 0, sizeof(*r));
	{
		struct run w = {0};
		run_packets(c, &w, warm);
	}
	if (o.passes > 0) {
		dnsf_bench_measured(c, r, (uint64_t)o.passes * c->nidx);
		r->best = cpp(r);
		free(best);
		return;
	}
	const uint64_t hz = dnsf_bench_tsc_hz();
	const uint64_t start = dnsf_bench_rdtsc();
	do {
		struct run k = {0};
		const uint32_t at = (c->pos / chunk) % npos;
		dnsf_bench_measured(c, &k, chunk);
		if (best[at] == 0 || k.cycles < best[at])
			best[at] = k.cycles;
		r->pkts += k.pkts;
		r->cycles += k.cycles;
		for (int i = 0; i < DNSF_ACT__COUNT; i++)
			r->act[i] += k.act[i];
	} while (r->pkts < min || r->pkts < c->nidx ||
	         (double)(dnsf_bench_rdtsc() - start) < o.seconds * (double)hz);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < npos; i++)
		sum += best[i];
	r->best = (double)sum / ((double)npos * chunk);
	free(best);
}

static double
cpp(const struct run *r)
{
	return r->pkts ? (double)r->cycles / (double)r->pkts : 0;
}

static double
mpps(const struct run *r)
{
	return r->cycles ? (double)r->pkts * (double)dnsf_bench_tsc_hz() / (double)r->cycles / 1e6
	                 : 0;
}

static double
best_mpps(const struct run *r)
{
	return r->best > 0 ? (double)dnsf_bench_tsc_hz() / r->best / 1e6 : 0;
}

static double
nspp(const struct run *r)
{
	return cpp(r) * 1e9 / (double)dnsf_bench_tsc_hz();
}

/* ---- engine / worker setup ---- */

static void
worker_init(struct dnsf_worker *w, const struct dnsf_engine *eng, uint16_t id)
{
	char err[DNSF_ERR_MAX];
	if (dnsf_worker_init(w, eng, id, err, sizeof(err)) != 0)
		die(err);
}

static struct dnsf_engine *
engine_with(uint32_t flow_entries)
{
	struct dnsf_config cfg = g_cfg;
	struct dnsf_engine *eng;
	char err[DNSF_ERR_MAX];

	cfg.detect.flow_entries = flow_entries;
	if (dnsf_engine_create(&cfg, &eng, err, sizeof(err)) != 0)
		die(err);
	return eng;
}

static int32_t
stage_model_score(const void *model, const int32_t *vec)
{
	return dnsf_model_score(model, vec);
}

/* A model the engine could not load (and did not require) is left out here too. */
static void
stage_ctx_init(struct stage_ctx *sc)
{
	char err[DNSF_ERR_MAX];

	memset(sc, 0, sizeof(*sc));
	if (g_cfg.allowlist[0] &&
	    dnsf_suffix_set_load(g_cfg.allowlist, &sc->allow, err, sizeof(err)))
		die(err);
	if (g_cfg.denylist[0] && dnsf_suffix_set_load(g_cfg.denylist, &sc->deny, err, sizeof(err)))
		die(err);
	if (dnsf_psl_load(g_cfg.detect.psl[0] ? g_cfg.detect.psl : DNSF_PSL_DEFAULT_PATH, false,
	                  &sc->psl, err, sizeof(err)) != 0)
		die(err);
	dnsf_detect_params_init(&sc->dp, &g_cfg.detect, &g_cfg.model);
	if (g_cfg.model.path[0] != '\0' &&
	    dnsf_model_load(g_cfg.model.path, dnsf_feat_schema_hash(), DNSF_F_VEC_COUNT, &sc->model,
	                    err, sizeof(err)) == 0) {
		sc->dp.model = sc->model;
		sc->dp.model_score = stage_model_score;
	}
	sc->lazy = sc->dp.model == NULL || sc->dp.model_scope != DNSF_MSCOPE_ALL;
	sc->idx = dnsf_listidx_build(sc->allow, sc->deny, sc->psl);
	if (sc->idx == NULL)
		die("out of memory (list index)");
	if (dnsf_detect_init(&sc->det, &sc->dp, err, sizeof(err)) != 0)
		die(err);
}

static void
stage_ctx_fini(struct stage_ctx *sc)
{
	dnsf_detect_fini(&sc->det);
	dnsf_listidx_free(sc->idx);
	dnsf_model_free(sc->model);
	dnsf_suffix_set_free(sc->allow);
	dnsf_suffix_set_free(sc->deny);
	dnsf_psl_free(sc->psl);
}

static void
ctx_init(struct ctx *c, struct dnsf_bench_mix *mix, const uint32_t *idx, uint32_t nidx)
{
	memset(c, 0, sizeof(*c));
	c->mix = mix;
	c->idx = idx;
	c->nidx = nidx;
}

/* ---- the measurements ---- */

static void
print_run(const char *name, const struct run *r)
{
	printf(
	    "  %-22s %8.1f cycles/pkt %7.1f ns/pkt %7.2f Mpps | least disturbed %7.1f cycles/pkt "
	    "%6.2f Mpps (%llu packets)\n",
	    name, cpp(r), nspp(r), mpps(r), r->best, best_mpps(r), (unsigned long long)r->pkts);
}

static void
json_run(const char *key, const struct run *r)
{
	dnsf_json_obj(&g_js, key);
	dnsf_json_u64(&g_js, "packets", r->pkts);
	dnsf_json_num(&g_js, "cycles_per_packet", cpp(r));
	dnsf_json_num(&g_js, "ns_per_packet", nspp(r));
	dnsf_json_num(&g_js, "mpps", mpps(r));
	dnsf_json_num(&g_js, "best_cycles_per_packet", r->best);
	dnsf_json_num(&g_js, "best_mpps", best_mpps(r));
	dnsf_json_end(&g_js);
}

static uint32_t *
all_indexes(uint32_t n)
{
	uint32_t *ix = malloc(sizeof(*ix) * n);
	if (ix == NULL)
		die("out of memory");
	for (uint32_t i = 0; i < n; i++)
		ix[i] = i;
	return ix;
}

/* The frames of one kind into ix (as many as the mix has), cut to whole chunks when there are
 * more than one chunk's worth (measure() keeps fixed chunk positions). Returns their count. */
static uint32_t
kind_indexes(const struct dnsf_bench_mix *mix, unsigned kind, uint32_t *ix)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < mix->n; i++)
		if (mix->f[i].kind == kind)
			ix[n++] = i;
	if (n >= CHUNK)
		n -= n % CHUNK;
	return n;
}

static void
bench_headline(struct dnsf_bench_mix *mix)
{
	struct dnsf_worker w;
	struct ctx c;
	struct run r;
	uint32_t *ix = all_indexes(mix->n);
	struct dnsf_worker_stats s0, s1;

	worker_init(&w, g_eng, 0);
	ctx_init(&c, mix, ix, mix->n);
	c.w = &w;
	c.step = STEP_WORKER;
	/* Warm-up: one pass inserts the flows and lets the tunnels be caught (steady state). */
	{
		struct run wr = {0};
		run_packets(&c, &wr, (uint64_t)o.warmup_passes * mix->n);
	}
	if (o.kind >= 0) {
		/* One kind's frames after the whole mix's warm-up (the flows and holds of the
		 * mix stay): what that kind costs, e.g. its instructions under callgrind.sh -K. */
		const uint32_t n = kind_indexes(mix, (unsigned)o.kind, ix);
		if (n == 0)
			die("--kind: the mix has no frame of that kind");
		const uint64_t seq = c.seq;
		ctx_init(&c, mix, ix, n);
		c.w = &w;
		c.step = STEP_WORKER;
		c.seq = seq;
	}
	dnsf_worker_stats_read(&w, &s0);
	measure(&c, &r, 0, 0);
	dnsf_worker_stats_read(&w, &s1);

	if (o.kind >= 0)
		printf("frames of kind %s only (%u), the worker's burst path, one core:\n",
		       dnsf_bench_kind_name((unsigned)o.kind), c.nidx);
	else
		printf("realistic mix, the worker's burst path (dnsf_worker_prepare/decide), one "
		       "core:\n");
	print_run("whole decision", &r);
	printf("  verdicts: pass %llu drop %llu refuse %llu | tunnel_detected %llu "
	       "verdict_cache_hits %llu allowlisted %llu denylisted %llu non_dns %llu "
	       "malformed %llu\n",
	       (unsigned long long)r.act[DNSF_ACT_PASS], (unsigned long long)r.act[DNSF_ACT_DROP],
	       (unsigned long long)r.act[DNSF_ACT_REFUSE],
	       (unsigned long long)(s1.tunnel_detected - s0.tunnel_detected),
	       (unsigned long long)(s1.verdict_cache_hits - s0.verdict_cache_hits),
	       (unsigned long long)(s1.allowlisted - s0.allowlisted),
	       (unsigned long long)(s1.denylisted - s0.denylisted),
	       (unsigned long long)(s1.non_dns - s0.non_dns),
	       (unsigned long long)(s1.malformed - s0.malformed));

	dnsf_json_obj(&g_js, "pipeline");
	dnsf_json_u64(&g_js, "packets", r.pkts);
	dnsf_json_num(&g_js, "cycles_per_packet", cpp(&r));
	dnsf_json_num(&g_js, "ns_per_packet", nspp(&r));
	dnsf_json_num(&g_js, "mpps", mpps(&r));
	dnsf_json_num(&g_js, "best_cycles_per_packet", r.best);
	dnsf_json_num(&g_js, "best_mpps", best_mpps(&r));
	dnsf_json_obj(&g_js, "verdicts");
	dnsf_json_u64(&g_js, "pass", r.act[DNSF_ACT_PASS]);
	dnsf_json_u64(&g_js, "drop", r.act[DNSF_ACT_DROP]);
	dnsf_json_u64(&g_js, "refuse", r.act[DNSF_ACT_REFUSE]);
	dnsf_json_u64(&g_js, "tunnel_detected", s1.tunnel_detected - s0.tunnel_detected);
	dnsf_json_u64(&g_js, "verdict_cache_hits", s1.verdict_cache_hits - s0.verdict_cache_hits);
	dnsf_json_u64(&g_js, "allowlisted", s1.allowlisted - s0.allowlisted);
	dnsf_json_u64(&g_js, "non_dns", s1.non_dns - s0.non_dns);
	dnsf_json_u64(&g_js, "malformed", s1.malformed - s0.malformed);
	dnsf_json_end(&g_js);
	dnsf_json_end(&g_js);

	if (o.kinds && o.passes == 0) {
		/* Cost of each kind alone, on the same warm worker (its state keeps evolving). */
		printf("  by kind (same worker, frames of one kind at a time):\n");
		dnsf_json_obj(&g_js, "by_kind");
		for (unsigned k = 0; k < DNSF_BK__COUNT; k++) {
			const uint32_t n = kind_indexes(mix, k, ix);
			if (n == 0)
				continue;
			struct ctx ck;
			struct run rk;
			const double save = o.seconds;
			ctx_init(&ck, mix, ix, n);
			ck.w = &w;
			ck.step = STEP_WORKER;
			ck.seq = c.seq;
			o.seconds = save / 4;
			measure(&ck, &rk, 0, 0);
			o.seconds = save;
			c.seq = ck.seq;
			print_run(dnsf_bench_kind_name(k), &rk);
			json_run(dnsf_bench_kind_name(k), &rk);
		}
		dnsf_json_end(&g_js);
	}
	dnsf_worker_fini(&w);
	free(ix);
}

static void
bench_stages(struct dnsf_bench_mix *mix)
{
	uint32_t *ix = all_indexes(mix->n);
	double cum[L__COUNT] = {0};
	struct run r;

	printf("per-stage breakdown (lib functions timed cumulatively on the same mix; "
	       "least-disturbed "
	       "of each run):\n");
	for (int lv = L_PARSE; lv < L__COUNT; lv++) {
		struct stage_ctx sc;
		struct ctx c;
		stage_ctx_init(&sc);
		ctx_init(&c, mix, ix, mix->n);
		c.step = STEP_STAGE;
		c.level = lv;
		c.sc = &sc;
		measure(&c, &r, (uint64_t)o.warmup_passes * mix->n, 0);
		cum[lv] = r.best;
		stage_ctx_fini(&sc);
	}
	/* The whole decision, for the last line. */
	{
		struct dnsf_worker w;
		struct ctx c;
		worker_init(&w, g_eng, 1);
		ctx_init(&c, mix, ix, mix->n);
		c.w = &w;
		c.step = STEP_WORKER;
		measure(&c, &r, (uint64_t)o.warmup_passes * mix->n, 0);
		dnsf_worker_fini(&w);
	}
	const double whole = r.best;
	const double d[] = {
	    cum[L_PARSE],
	    cum[L_LISTS] - cum[L_PARSE],
	    cum[L_FEATURES] - cum[L_LISTS],
	    cum[L_FLOWS] - cum[L_FEATURES],
	    cum[L_SCORE] - cum[L_FLOWS],
	};
	dnsf_json_arr(&g_js, "stages");
	for (int lv = L_PARSE; lv <= L_SCORE; lv++) {
		printf("  %-20s %+8.1f cycles/pkt (cumulative %6.1f)\n", level_name[lv], d[lv - 1],
		       cum[lv]);
		dnsf_json_obj(&g_js, NULL);
		dnsf_json_str(&g_js, "stage", level_name[lv]);
		dnsf_json_num(&g_js, "cycles_per_packet", d[lv - 1]);
		dnsf_json_num(&g_js, "cumulative", cum[lv]);
		dnsf_json_end(&g_js);
	}
	printf("  %-20s %8.1f cycles/pkt (parse + lists + dnsf_detect_packet: holds skip the "
	       "features of caught flows)\n",
	       level_name[L_DETECT], cum[L_DETECT]);
	printf("  %-20s %8.1f cycles/pkt (the worker's burst path: merged list index, verdicts, "
	       "stats, events; %+.1f)\n",
	       "whole_decision", whole, whole - cum[L_DETECT]);
	dnsf_json_obj(&g_js, NULL);
	dnsf_json_str(&g_js, "stage", level_name[L_DETECT]);
	dnsf_json_num(&g_js, "cumulative", cum[L_DETECT]);
	dnsf_json_end(&g_js);
	dnsf_json_obj(&g_js, NULL);
	dnsf_json_str(&g_js, "stage", "whole_decision");
	dnsf_json_num(&g_js, "cumulative", whole);
	dnsf_json_num(&g_js, "verdict_glue", whole - cum[L_DETECT]);
	dnsf_json_end(&g_js);
	dnsf_json_end(&g_js);
	free(ix);
}

/* Frames of the mix that reach the detector (DNS, not on a list): the scaling runs use only
 * them, so that every packet touches exactly one flow. */
static uint32_t
detect_frames(struct dnsf_bench_mix *mix, uint32_t *ix, uint32_t want)
{
	struct stage_ctx sc;
	uint32_t n = 0;

	stage_ctx_init(&sc);
	for (uint32_t i = 0; i < mix->n && n < want; i++) {
		const struct dnsf_bench_frame *f = &mix->f[i];
		struct dnsf_pkt p;
		uint64_t h[DNSF_DNS_MAX_LABELS + 1];
		if (f->client_len == 0 ||
		    dnsf_pkt_parse(f->data, f->len, &g_cfg.pkt, &p) != DNSF_PKT_DNS)
			continue;
		dnsf_name_msg_hashes(&p.dns, h);
		if ((sc.allow && dnsf_suffix_set_match(sc.allow, &p.dns, h) >= 0) ||
		    (sc.deny && dnsf_suffix_set_match(sc.deny, &p.dns, h) >= 0))
			continue;
		ix[n++] = i;
	}
	stage_ctx_fini(&sc);
	return n;
}

static uint32_t
pow2_at_least(uint64_t v)
{
	uint64_t p = 4;
	while (p < v)
		p <<= 1;
	return p > UINT32_MAX ? UINT32_MAX : (uint32_t)p;
}

struct scale_res {
	uint32_t flows, entries;
	uint64_t live;
	double cpp, mean_cpp, mpps, ev_pp, ins_pp, table_mb, bytes_per_flow;
};

/* One scaling point: its own engine (table size), worker and client pattern. */
struct point {
	uint32_t flows, entries;
	int flood;
	struct dnsf_engine *eng;
	struct dnsf_worker w;
	struct ctx c;
	struct run r;
	uint64_t best, ev0, ins0;
};

static void
point_init(struct point *pt, struct dnsf_bench_mix *mix, const uint32_t *ix, uint32_t nix,
           uint32_t flows, int flood)
{
	memset(pt, 0, sizeof(*pt));
	pt->flows = flows;
	pt->flood = flood;
	pt->entries = flood ? g_cfg.detect.flow_entries : pow2_at_least(2ull * flows);
	pt->eng = engine_with(pt->entries);
	worker_init(&pt->w, pt->eng, 0);
	ctx_init(&pt->c, mix, ix, nix);
	pt->c.w = &pt->w;
	pt->c.step = STEP_WORKER;
	pt->c.cl.mode = flood ? 2 : 1;
	pt->c.cl.n = flows;
	pt->c.cl.rng = o.seed ^ 0xf100d;
	/* Warm-up: every flow seen twice (flood: the table filled twice over). */
	struct run wr = {0};
	run_packets(&pt->c, &wr, flood ? 2ull * pt->entries : 2ull * flows);
	struct dnsf_worker_stats st;
	dnsf_worker_stats_read(&pt->w, &st);
	pt->ev0 = st.flow_evictions;
	pt->ins0 = st.flow_inserts;
}

static void
point_result(struct point *pt, struct scale_res *res)
{
	struct dnsf_worker_stats sts;
	const struct dnsf_worker_stats *st = &sts;

	dnsf_worker_stats_read(&pt->w, &sts);

	res->flows = pt->flows;
	res->entries = pt->entries;
	res->cpp = (double)pt->best / CHUNK;
	res->mean_cpp = cpp(&pt->r);
	res->mpps = (double)dnsf_bench_tsc_hz() / res->cpp / 1e6;
	res->ev_pp = (double)(st->flow_evictions - pt->ev0) / (double)pt->r.pkts;
	res->ins_pp = (double)(st->flow_inserts - pt->ins0) / (double)pt->r.pkts;
	/* Live entries = inserts - evictions over the worker's life (no entry ever expires). */
	res->live = st->flow_inserts - st->flow_evictions;
	res->table_mb = (double)pt->entries * sizeof(struct dnsf_flow) / (1024.0 * 1024.0);
	res->bytes_per_flow =
	    res->live ? (double)pt->entries * sizeof(struct dnsf_flow) / (double)res->live : 0;
	dnsf_worker_fini(&pt->w);
	dnsf_engine_free(pt->eng);
}

/*
 * All points measured in turns of TURN chunks, round after round, so that whatever else runs on
 * the machine hits every point alike (a ratio between points is what the target is about).
 * Each point keeps its fastest chunk (its frames are 1024 = one chunk position; every chunk is
 * a fresh set of flows drawn the same way). Runs until every point has seen each of its flows
 * once and o.seconds per point have passed.
 */
#define TURN 8

static void
measure_points(struct point *pts, unsigned n)
{
	const uint64_t hz = dnsf_bench_tsc_hz();
	const uint64_t start = dnsf_bench_rdtsc();
	int more;

	do {
		more = 0;
		for (unsigned i = 0; i < n; i++) {
			struct point *pt = &pts[i];
			for (int t = 0; t < TURN; t++) {
				struct run k = {0};
				dnsf_bench_measured(&pt->c, &k, CHUNK);
				if (pt->best == 0 || k.cycles < pt->best)
					pt->best = k.cycles;
				pt->r.pkts += k.pkts;
				pt->r.cycles += k.cycles;
			}
			if (!pt->flood && pt->r.pkts < pt->flows)
				more = 1;
		}
	} while (more || (double)(dnsf_bench_rdtsc() - start) < o.seconds * n * (double)hz);
}

static void
bench_scaling(struct dnsf_bench_mix *mix)
{
	static const uint32_t sweep[] = {1024, 10240, 102400, 1024000, 10240000};
	uint32_t *ix = malloc(sizeof(*ix) * SCALE_FRAMES);
	uint32_t nix, flows[MAX_POINTS];
	unsigned np = 0, n;
	struct scale_res base = {0};
	struct point *pts;

	if (ix == NULL)
		die("out of memory");
	nix = detect_frames(mix, ix, SCALE_FRAMES);
	if (nix < SCALE_FRAMES)
		die("the mix has too few DNS frames for the scaling runs (raise --packets)");
	if (o.n_flows) {
		memcpy(flows, o.flows, o.n_flows * sizeof(flows[0]));
		np = o.n_flows;
	} else if (o.scaling) {
		memcpy(flows, sweep, sizeof(sweep));
		np = sizeof(sweep) / sizeof(sweep[0]);
	}
	n = np + (o.flood ? 1 : 0);
	pts = calloc(n, sizeof(*pts));
	if (pts == NULL)
		die("out of memory");
	printf("scaling: %u DNS frames cycled, client = packet number mod flows (every packet "
	       "one flow look-up), table = smallest power of two >= 2 x flows; points measured "
	       "in turns; sizeof(struct dnsf_flow) = %zu B\n",
	       nix, sizeof(struct dnsf_flow));
	/* The top list's labels: a fixed store per worker, not a line per flow slot. */
	printf("memory per flow slot %zu B; plus top-list labels %u x %zu B = %zu KiB per worker, "
	       "whatever the table size\n",
	       sizeof(struct dnsf_flow), g_cfg.detect.top_labels, DNSF_LABEL_BYTES,
	       (size_t)g_cfg.detect.top_labels * DNSF_LABEL_BYTES / 1024);
	for (unsigned i = 0; i < np; i++)
		/* A multiple of the frame count, so each client always sends the same frame. */
		point_init(&pts[i], mix, ix, nix, (flows[i] + nix - 1) / nix * nix, 0);
	if (o.flood)
		point_init(&pts[np], mix, ix, nix, 0, 1);
	if (o.passes > 0) {
		for (unsigned i = 0; i < n; i++) {
			dnsf_bench_measured(&pts[i].c, &pts[i].r, (uint64_t)o.passes * nix);
			pts[i].best = (uint64_t)(cpp(&pts[i].r) * CHUNK);
		}
	} else {
		measure_points(pts, n);
	}

	dnsf_json_obj(&g_js, "scaling");
	dnsf_json_u64(&g_js, "frames_cycled", nix);
	dnsf_json_u64(&g_js, "sizeof_flow_entry", sizeof(struct dnsf_flow));
	dnsf_json_u64(&g_js, "sizeof_domain_entry", sizeof(struct dnsf_dom));
	dnsf_json_u64(&g_js, "bytes_per_flow_slot", sizeof(struct dnsf_flow));
	dnsf_json_u64(&g_js, "label_store_bytes",
	              (uint64_t)g_cfg.detect.top_labels * DNSF_LABEL_BYTES);
	dnsf_json_arr(&g_js, "points");
	for (unsigned i = 0; i < np; i++) {
		struct scale_res s;
		point_result(&pts[i], &s);
		if (i == 0)
			base = s;
		printf("  flows %9u live %9llu table %9u entries (%7.1f MiB, %5.1f B/live flow): "
		       "best %7.1f (mean %7.1f) cycles/pkt %6.2f Mpps  x%.2f of first; "
		       "evictions/pkt %.4f\n",
		       s.flows, (unsigned long long)s.live, s.entries, s.table_mb, s.bytes_per_flow,
		       s.cpp, s.mean_cpp, s.mpps, base.cpp > 0 ? s.cpp / base.cpp : 0, s.ev_pp);
		dnsf_json_obj(&g_js, NULL);
		dnsf_json_u64(&g_js, "flows", s.flows);
		dnsf_json_u64(&g_js, "live_flows", s.live);
		dnsf_json_u64(&g_js, "flow_entries", s.entries);
		dnsf_json_num(&g_js, "table_mib", s.table_mb);
		dnsf_json_num(&g_js, "bytes_per_live_flow", s.bytes_per_flow);
		dnsf_json_num(&g_js, "best_cycles_per_packet", s.cpp);
		dnsf_json_num(&g_js, "mean_cycles_per_packet", s.mean_cpp);
		dnsf_json_num(&g_js, "best_mpps", s.mpps);
		dnsf_json_num(&g_js, "ratio_to_first", base.cpp > 0 ? s.cpp / base.cpp : 0);
		dnsf_json_num(&g_js, "evictions_per_packet", s.ev_pp);
		dnsf_json_num(&g_js, "inserts_per_packet", s.ins_pp);
		dnsf_json_end(&g_js);
	}
	dnsf_json_end(&g_js);
	if (o.flood) {
		struct scale_res s;
		point_result(&pts[np], &s);
		printf(
		    "  flood: random 24-bit client per packet, table %u entries (config): "
		    "best %7.1f (mean %7.1f) cycles/pkt %6.2f Mpps  x%.2f of first; evictions/pkt "
		    "%.3f inserts/pkt %.3f\n",
		    s.entries, s.cpp, s.mean_cpp, s.mpps, base.cpp > 0 ? s.cpp / base.cpp : 0,
		    s.ev_pp, s.ins_pp);
		dnsf_json_obj(&g_js, "flood");
		dnsf_json_u64(&g_js, "flow_entries", s.entries);
		dnsf_json_num(&g_js, "best_cycles_per_packet", s.cpp);
		dnsf_json_num(&g_js, "mean_cycles_per_packet", s.mean_cpp);
		dnsf_json_num(&g_js, "best_mpps", s.mpps);
		dnsf_json_num(&g_js, "ratio_to_first", base.cpp > 0 ? s.cpp / base.cpp : 0);
		dnsf_json_num(&g_js, "evictions_per_packet", s.ev_pp);
		dnsf_json_num(&g_js, "inserts_per_packet", s.ins_pp);
		dnsf_json_end(&g_js);
	}
	dnsf_json_end(&g_js);
	free(pts);
	free(ix);
}

/* ---- the top list's scan (dnsf_worker_top_step), slice by slice ---- */

#define SCAN_SLICE      256 /* app/dnsf_worker_loop.c TOP_SLICE */
#define SCAN_MAX_SLICES (1u << 20)

struct scan_res {
	uint64_t pass_best, pass_median, slices, slice_p50, slice_p99, slice_max;
	double slice_mean;
};

static int
cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Passes of the worker's own scan step over a filled table, as the worker loop runs it: a
 * slice of SCAN_SLICE slots, then (between slices, untimed) one burst of the point's traffic,
 * which keeps the caches as busy as they are between two slices on the data path and the
 * table as it was filled. Each slice is timed alone; a pass is the sum of its slices.
 */
static void
scan_measure(struct point *pt, uint32_t passes, struct scan_res *res)
{
	uint64_t *slice = malloc(sizeof(*slice) * SCAN_MAX_SLICES);
	uint64_t *pass = calloc(passes, sizeof(*pass));
	uint64_t ns = 0;
	struct run r = {0};

	if (slice == NULL || pass == NULL)
		die("out of memory");
	/* One untimed pass first: the scan's own state and the published snapshot warm. */
	while (!dnsf_worker_top_step(&pt->w, SCAN_SLICE))
		run_packets(&pt->c, &r, o.burst);
	for (uint32_t p = 0; p < passes; p++) {
		int done;
		do {
			const uint64_t t0 = dnsf_bench_rdtsc();
			done = dnsf_worker_top_step(&pt->w, SCAN_SLICE);
			const uint64_t t = dnsf_bench_rdtsc() - t0;
			pass[p] += t;
			if (ns < SCAN_MAX_SLICES)
				slice[ns++] = t;
			if (!done)
				run_packets(&pt->c, &r, o.burst);
		} while (!done);
	}
	memset(res, 0, sizeof(*res));
	res->slices = ns;
	for (uint64_t i = 0; i < ns; i++)
		res->slice_mean += (double)slice[i];
	res->slice_mean /= (double)(ns ? ns : 1);
	qsort(slice, ns, sizeof(*slice), cmp_u64);
	qsort(pass, passes, sizeof(*pass), cmp_u64);
	res->slice_p50 = slice[ns / 2];
	res->slice_p99 = slice[ns * 99 / 100];
	res->slice_max = slice[ns - 1];
	res->pass_best = pass[0];
	res->pass_median = pass[passes / 2];
	free(slice);
	free(pass);
}

/*
 * --scan: the cost of the top list's scan at the configured table size, half full (as many
 * cycling clients as half the slots) and full (the random-source flood), with the configured
 * label store and with one as large as the table (every flow labelled while the table holds no
 * more flows than labels: labels mostly present instead of mostly missing).
 */
static void
bench_scan(struct dnsf_bench_mix *mix)
{
	const uint32_t entries = g_cfg.detect.flow_entries;
	const uint32_t stores[2] = {g_cfg.detect.top_labels, entries};
	const uint32_t passes = o.passes ? o.passes : 7;
	uint32_t *ix = malloc(sizeof(*ix) * SCALE_FRAMES);
	uint32_t nix;

	if (ix == NULL)
		die("out of memory");
	nix = detect_frames(mix, ix, SCALE_FRAMES);
	if (nix < SCALE_FRAMES)
		die("the mix has too few DNS frames for the scan runs (raise --packets)");
	printf("scan: dnsf_worker_top_step() %u slots a slice over %u slots, one %u-packet burst "
	       "between slices (untimed), %u passes after one warm-up pass\n",
	       SCAN_SLICE, entries, o.burst, passes);
	dnsf_json_obj(&g_js, "scan");
	dnsf_json_u64(&g_js, "slice_slots", SCAN_SLICE);
	dnsf_json_u64(&g_js, "flow_entries", entries);
	dnsf_json_u64(&g_js, "passes", passes);
	dnsf_json_arr(&g_js, "points");
	for (int full = 0; full < 2; full++) {
		for (int si = 0; si < 2; si++) {
			struct dnsf_config cfg = g_cfg;
			struct dnsf_engine *eng;
			struct point pt;
			struct scan_res s;
			struct dnsf_top_snap snap;
			char err[DNSF_ERR_MAX];

			if (si == 1 && stores[1] == stores[0])
				continue;
			cfg.detect.top_labels = stores[si];
			if (dnsf_engine_create(&cfg, &eng, err, sizeof(err)) != 0)
				die(err);
			/* point_init's table and client pattern, on this engine. */
			memset(&pt, 0, sizeof(pt));
			pt.flood = full;
			pt.flows = full ? 0 : entries / 2;
			pt.entries = entries;
			pt.eng = eng;
			worker_init(&pt.w, eng, 0);
			ctx_init(&pt.c, mix, ix, nix);
			pt.c.w = &pt.w;
			pt.c.step = STEP_WORKER;
			pt.c.cl.mode = full ? 2 : 1;
			pt.c.cl.n = pt.flows;
			pt.c.cl.rng = o.seed ^ 0xf100d;
			{
				struct run wr = {0};
				run_packets(&pt.c, &wr, 2ull * entries);
			}
			scan_measure(&pt, passes, &s);
			if (dnsf_worker_top_read(&pt.w, &snap) != 0)
				die("top list: no snapshot");
			const double per_slot = (double)s.pass_best / entries;
			printf(
			    "  %s, labels %7u: live %6u labelled %6u | pass best %9llu median "
			    "%9llu "
			    "cycles (%.2f ms) | slice mean %6.0f p50 %6llu p99 %6llu max %7llu | "
			    "%.1f cycles/slot, %.1f per live slot\n",
			    full ? "full" : "half", stores[si], snap.live, snap.labels_used,
			    (unsigned long long)s.pass_best, (unsigned long long)s.pass_median,
			    (double)s.pass_best / (double)dnsf_bench_tsc_hz() * 1e3, s.slice_mean,
			    (unsigned long long)s.slice_p50, (unsigned long long)s.slice_p99,
			    (unsigned long long)s.slice_max, per_slot,
			    snap.live ? (double)s.pass_best / snap.live : 0);
			dnsf_json_obj(&g_js, NULL);
			dnsf_json_str(&g_js, "fill", full ? "full" : "half");
			dnsf_json_u64(&g_js, "label_store", stores[si]);
			dnsf_json_u64(&g_js, "live", snap.live);
			dnsf_json_u64(&g_js, "labels_used", snap.labels_used);
			dnsf_json_u64(&g_js, "slices", s.slices);
			dnsf_json_u64(&g_js, "pass_best_cycles", s.pass_best);
			dnsf_json_u64(&g_js, "pass_median_cycles", s.pass_median);
			dnsf_json_num(&g_js, "pass_best_ms",
			              (double)s.pass_best / (double)dnsf_bench_tsc_hz() * 1e3);
			dnsf_json_num(&g_js, "slice_mean_cycles", s.slice_mean);
			dnsf_json_u64(&g_js, "slice_p50_cycles", s.slice_p50);
			dnsf_json_u64(&g_js, "slice_p99_cycles", s.slice_p99);
			dnsf_json_u64(&g_js, "slice_max_cycles", s.slice_max);
			dnsf_json_num(&g_js, "cycles_per_slot", per_slot);
			dnsf_json_num(&g_js, "cycles_per_live_slot",
			              snap.live ? (double)s.pass_best / snap.live : 0);
			dnsf_json_end(&g_js);
			dnsf_worker_fini(&pt.w);
			dnsf_engine_free(eng);
		}
	}
	dnsf_json_end(&g_js);
	dnsf_json_end(&g_js);
	free(ix);
}

/* ---- N workers on N cores ---- */

struct thr {
	pthread_t t;
	unsigned cpu;
	struct dnsf_bench_mix mix;
	struct dnsf_worker w;
	struct run r;
	pthread_barrier_t *bar;
	double secs;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	cpu_set_t set;
	uint32_t *ix = all_indexes(t->mix.n);
	struct ctx c;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	ctx_init(&c, &t->mix, ix, t->mix.n);
	c.w = &t->w;
	c.step = STEP_WORKER;
	{
		struct run wr = {0};
		run_packets(&c, &wr, (uint64_t)o.warmup_passes * t->mix.n);
	}
	pthread_barrier_wait(t->bar);
	const double t0 = dnsf_bench_now_s();
	measure(&c, &t->r, 0, 0);
	t->secs = dnsf_bench_now_s() - t0;
	free(ix);
	return NULL;
}

/* Aggregate Mpps of n workers running at once, each on its own core with its own copy of the
 * mix: wall clock (returned) and least disturbed (*best). */
static double
run_threads(unsigned n, double *best)
{
	struct thr *t = calloc(n, sizeof(*t));
	pthread_barrier_t bar;
	double total = 0;

	*best = 0;
	if (t == NULL)
		die("out of memory");
	pthread_barrier_init(&bar, NULL, n);
	for (unsigned i = 0; i < n; i++) {
		t[i].cpu = i % dnsf_bench_ncpus();
		t[i].bar = &bar;
		/* Different seeds: each worker sees its own clients, as RSS would give it. */
		if (dnsf_bench_mix_build_paired(&t[i].mix, o.packets, o.seed + 1000 * (i + 1),
		                                o.paired) != 0)
			die("out of memory building the mix");
		worker_init(&t[i].w, g_eng, (uint16_t)i);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_create(&t[i].t, NULL, thr_main, &t[i]);
	for (unsigned i = 0; i < n; i++) {
		pthread_join(t[i].t, NULL);
		total += (double)t[i].r.pkts / t[i].secs / 1e6;
		*best += best_mpps(&t[i].r);
		dnsf_worker_fini(&t[i].w);
		dnsf_bench_mix_free(&t[i].mix);
	}
	pthread_barrier_destroy(&bar);
	free(t);
	return total;
}

static void
bench_threads(void)
{
	double b1, bn;
	const double one = run_threads(1, &b1);
	const double n = run_threads(o.threads, &bn);

	printf("workers on cores at once (each its own mix copy and tables; the process has no "
	       "control thread):\n");
	printf("  wall clock:      1 worker %.2f Mpps, %u workers %.2f Mpps (x%.2f)\n", one,
	       o.threads, n, n / one);
	printf("  least disturbed: 1 worker %.2f Mpps, %u workers %.2f Mpps (x%.2f)\n", b1,
	       o.threads, bn, bn / b1);
	dnsf_json_obj(&g_js, "workers");
	dnsf_json_u64(&g_js, "n", o.threads);
	dnsf_json_num(&g_js, "one_mpps_wall", one);
	dnsf_json_num(&g_js, "n_mpps_wall", n);
	dnsf_json_num(&g_js, "speedup_wall", n / one);
	dnsf_json_num(&g_js, "one_mpps_least_disturbed", b1);
	dnsf_json_num(&g_js, "n_mpps_least_disturbed", bn);
	dnsf_json_num(&g_js, "speedup_least_disturbed", bn / b1);
	dnsf_json_end(&g_js);
}

/* ---- --hash: everything the engine decides, hashed (bit-identical checks) ---- */

struct hsh {
	uint64_t h;
};

static void
hsh_bytes(struct hsh *x, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		x->h ^= b[i];
		x->h *= UINT64_C(0x100000001b3); /* FNV-1a, 64 bit */
	}
}

#define HSH(x, v)                                                                                  \
	do {                                                                                       \
		__typeof__(v) v_ = (v);                                                            \
		hsh_bytes((x), &v_, sizeof(v_));                                                   \
	} while (0)

/* One decision: the verdict, the event it carries, the frame when rewritten, and what the
 * detector produced for it (through the trainer's tap: rule parts, features, scores). */
static void
hash_vev(struct hsh *x, const struct dnsf_verdict *v, const struct dnsf_event *ev,
         const struct dnsf_bench_frame *f)
{
	HSH(x, v->action);
	HSH(x, v->would);
	HSH(x, v->reason);
	HSH(x, v->cls);
	HSH(x, v->has_event);
	HSH(x, v->out_len);
	HSH(x, v->rewritten);
	HSH(x, v->score);
	if (g_hash_model)
		HSH(x, v->model_score);
	if (v->action == DNSF_ACT_REFUSE || v->rewritten)
		hsh_bytes(x, f->data, v->out_len ? v->out_len : f->len);
	if (v->has_event) {
		HSH(x, ev->ts_us);
		HSH(x, ev->worker);
		HSH(x, ev->ip_version);
		HSH(x, ev->action);
		HSH(x, ev->would);
		HSH(x, ev->reason);
		HSH(x, ev->is_query);
		HSH(x, ev->l4_proto);
		hsh_bytes(x, ev->client, sizeof(ev->client));
		hsh_bytes(x, ev->server, sizeof(ev->server));
		HSH(x, ev->client_port);
		HSH(x, ev->server_port);
		HSH(x, ev->qtype);
		HSH(x, ev->score);
		if (g_hash_model)
			HSH(x, ev->model_score);
		hsh_bytes(x, ev->regdomain, strlen(ev->regdomain));
		hsh_bytes(x, ev->qname, strlen(ev->qname));
		HSH(x, ev->n_feat);
		for (unsigned i = 0; i < ev->n_feat && i < DNSF_EVENT_MAX_FEAT; i++) {
			HSH(x, ev->feat[i].id);
			HSH(x, ev->feat[i].value);
		}
	}
}

static void
hash_tap(struct hsh *x, const struct dnsf_detect_out *tap, uint64_t *scored)
{
	if (tap->tunnel != 0xff) { /* the detector ran for this frame */
		HSH(x, tap->tunnel);
		HSH(x, tap->reason);
		HSH(x, tap->scope);
		HSH(x, tap->new_verdict);
		HSH(x, tap->emit);
		HSH(x, tap->suppressed);
		HSH(x, tap->scored);
		HSH(x, tap->suspicious);
		HSH(x, tap->torture);
		HSH(x, tap->score);
		if (g_hash_model)
			HSH(x, tap->model_score);
		if (tap->scored) {
			(*scored)++;
			HSH(x, tap->parts.q);
			HSH(x, tap->parts.flow);
			HSH(x, tap->parts.dom);
			HSH(x, tap->parts.resp);
			HSH(x, tap->parts.evidence);
			HSH(x, tap->q.name_hash);
			HSH(x, tap->q.qname_len);
			HSH(x, tap->q.nlabels);
			HSH(x, tap->q.max_label);
			HSH(x, tap->q.sub_len);
			HSH(x, tap->q.sub_chars);
			HSH(x, tap->q.sub_labels);
			HSH(x, tap->q.sub_max_label);
			HSH(x, tap->q.entropy_milli);
			HSH(x, tap->q.digit_pm);
			HSH(x, tap->q.upper_pm);
			HSH(x, tap->q.hyphen_pm);
			HSH(x, tap->q.other_pm);
			HSH(x, tap->q.bigram_milli);
			HSH(x, tap->q.fit);
			HSH(x, tap->q.rrclass);
			HSH(x, tap->q.is_response);
			HSH(x, tap->q.rcode);
			HSH(x, tap->q.edns_udp);
			HSH(x, tap->q.ancount);
			HSH(x, tap->q.txtnull_max);
			HSH(x, tap->q.rdata_total);
			hsh_bytes(x, tap->feat.v, sizeof(tap->feat.v));
		}
	}
}

/*
 * --hash: o.passes (default 6) passes of the mix through a fresh worker, burst path (prepare a
 * chunk, decide in order) and frame by frame (dnsf_worker_process) on a second fresh worker,
 * both with the trainer's tap; each decision hashed with what the detector computed for it,
 * then the worker counters. A third worker runs the burst path without the tap (the engine
 * then fills raw features only where they are read): its verdicts, events and frames must hash
 * the same. Two builds decide alike on this mix when their hashes match.
 */
static void
bench_hash(struct dnsf_bench_mix *mix)
{
	const uint32_t passes = o.passes ? o.passes : 6;
	uint64_t res[3], vev[3], scored[3] = {0, 0, 0}, events[3] = {0, 0, 0};

	/* run 0: burst path, 1: frame by frame, both with the tap; 2: burst path without it */
	for (int run = 0; run < 3; run++) {
		const int single = run == 1;
		struct dnsf_worker w;
		struct dnsf_detect_out tap;
		struct dnsf_verdict v[DNSF_BURST_MAX];
		struct dnsf_event ev[DNSF_BURST_MAX];
		struct hsh x = {UINT64_C(0xcbf29ce484222325)}, y = x;
		uint64_t seq = 0;

		worker_init(&w, g_eng, 0);
		w.tap = run < 2 ? &tap : NULL;
		for (uint32_t pass = 0; pass < passes; pass++) {
			for (uint32_t b = 0; b < mix->n; b += DNSF_BURST_MAX) {
				const uint32_t e =
				    mix->n - b < DNSF_BURST_MAX ? mix->n : b + DNSF_BURST_MAX;
				const uint64_t now = T0_US + seq / PKTS_PER_US;

				if (!single)
					for (uint32_t i = b; i < e; i++)
						dnsf_worker_prepare(&w, i - b, mix->f[i].data,
						                    mix->f[i].len);
				for (uint32_t i = b; i < e; i++) {
					struct dnsf_bench_frame *f = &mix->f[i];

					tap.tunnel = 0xff;
					if (single)
						dnsf_worker_process(&w, f->data, f->len,
						                    DNSF_BENCH_SLOT, now, &v[i - b],
						                    &ev[i - b]);
					else
						dnsf_worker_decide(&w, i - b, f->data, f->len,
						                   DNSF_BENCH_SLOT, now, &v[i - b],
						                   &ev[i - b]);
					hash_vev(&x, &v[i - b], &ev[i - b], f);
					hash_vev(&y, &v[i - b], &ev[i - b], f);
					events[run] += v[i - b].has_event;
					if (run < 2)
						hash_tap(&x, &tap, &scored[run]);
					if (v[i - b].action == DNSF_ACT_REFUSE ||
					    v[i - b].rewritten)
						dnsf_bench_mix_restore(mix, i);
				}
				seq += e - b;
			}
		}
		struct dnsf_worker_stats st;
		dnsf_worker_stats_read(&w, &st);
		hsh_bytes(&x, &st, sizeof(st));
		hsh_bytes(&y, &st, sizeof(st));
		res[run] = x.h;
		vev[run] = y.h;
		dnsf_worker_fini(&w);
	}
	printf("hash: %016llx (burst path) %016llx (frame by frame), %u passes, %llu scored, "
	       "%llu events per path\n",
	       (unsigned long long)res[0], (unsigned long long)res[1], passes,
	       (unsigned long long)scored[0], (unsigned long long)events[0]);
	printf("verdicts and events: %016llx (with the tap) %016llx (without)\n",
	       (unsigned long long)vev[0], (unsigned long long)vev[2]);
	dnsf_json_obj(&g_js, "hash");
	dnsf_json_u64(&g_js, "passes", passes);
	dnsf_json_u64(&g_js, "scored", scored[0]);
	dnsf_json_u64(&g_js, "events", events[0]);
	{
		char hex[3][24];
		snprintf(hex[0], sizeof(hex[0]), "%016llx", (unsigned long long)res[0]);
		snprintf(hex[1], sizeof(hex[1]), "%016llx", (unsigned long long)res[1]);
		snprintf(hex[2], sizeof(hex[2]), "%016llx", (unsigned long long)vev[2]);
		dnsf_json_str(&g_js, "burst", hex[0]);
		dnsf_json_str(&g_js, "single", hex[1]);
		dnsf_json_str(&g_js, "verdicts_without_tap", hex[2]);
	}
	dnsf_json_end(&g_js);
	if (res[0] != res[1] || scored[0] != scored[1] || events[0] != events[1])
		die("the burst path and the frame-by-frame path decided differently");
	if (vev[0] != vev[2] || events[0] != events[2])
		die("the worker decided differently without the trainer's tap");
}

/* ---- main ---- */

static void
usage(void)
{
	printf(
	    "usage: dnsfence-bench-pipeline [options]\n"
	    "  --config FILE     dnsfence config (default %s)\n"
	    "  --packets N       frames in the mix (default 16384)\n"
	    "  --seconds S       time per measurement (default 2)\n"
	    "  --passes K        measure exactly K passes over the mix instead (callgrind)\n"
	    "  --warmup-passes K passes before measuring (default 1)\n"
	    "  --burst B         packets per burst (default 32)\n"
	    "  --flows N         scaling point with N live flows (repeatable)\n"
	    "  --scaling         the sweep 1K 10K 100K 1M 10M flows, and the flood\n"
	    "  --flood           random-source flood on the configured table\n"
	    "  --scan            the top list's scan: cycles per slot, per 256-slot slice and\n"
	    "                    per pass, table half full and full, labels missing/present\n"
	    "  --threads N       also run N workers on N cores (N <= cores)\n"
	    "  --no-stages       skip the per-stage breakdown\n"
	    "  --no-kinds        skip the per-kind costs\n"
	    "  --kind NAME       the headline figure over the frames of one kind only\n"
	    "                    (benign_query, benign_response, ...), after the whole\n"
	    "                    mix's warm-up; with --passes, K passes over those frames\n"
	    "  --seed S          mix seed\n"
	    "  --paired          benign responses answer the mix's own recent queries (same\n"
	    "                    client, name, case, type) instead of drawing names of their own\n"
	    "  --hash            no timings: hash every decision (verdict, event, rewritten\n"
	    "                    frame, rule parts, features, scores) over --passes passes\n"
	    "                    (default 6), burst path and frame by frame\n"
	    "  --hash-no-model   the same without the model scores (compares model.score\n"
	    "                    scopes: the same verdicts, fewer messages scored)\n"
	    "  --json OUT        write the results as JSON\n",
	    DNSF_BENCH_CONFIG);
}

static uint64_t
num(const char *s, const char *opt)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end != '\0' || end == s) {
		fprintf(stderr, "dnsfence-bench-pipeline: %s: not a number: %s\n", opt, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"packets", required_argument, NULL, 'n'},
	    {"seconds", required_argument, NULL, 's'},
	    {"passes", required_argument, NULL, 'p'},
	    {"warmup-passes", required_argument, NULL, 'W'},
	    {"burst", required_argument, NULL, 'b'},
	    {"flows", required_argument, NULL, 'f'},
	    {"scaling", no_argument, NULL, 'S'},
	    {"flood", no_argument, NULL, 'F'},
	    {"scan", no_argument, NULL, 'T'},
	    {"threads", required_argument, NULL, 't'},
	    {"no-stages", no_argument, NULL, 'N'},
	    {"no-kinds", no_argument, NULL, 'K'},
	    {"kind", required_argument, NULL, 'k'},
	    {"seed", required_argument, NULL, 'r'},
	    {"json", required_argument, NULL, 'j'},
	    {"hash", no_argument, NULL, 'H'},
	    {"hash-no-model", no_argument, NULL, 'M'},
	    {"paired", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dnsf_bench_mix mix;
	char err[DNSF_ERR_MAX];
	int ch;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'n':
			o.packets = (uint32_t)num(optarg, "--packets");
			break;
		case 's':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'p':
			o.passes = (uint32_t)num(optarg, "--passes");
			break;
		case 'W':
			o.warmup_passes = (uint32_t)num(optarg, "--warmup-passes");
			break;
		case 'b':
			o.burst = (uint32_t)num(optarg, "--burst");
			if (o.burst == 0 || o.burst > 512)
				die("--burst: 1..512");
			break;
		case 'f':
			if (o.n_flows == MAX_POINTS)
				die("--flows: too many points");
			o.flows[o.n_flows++] = (uint32_t)num(optarg, "--flows");
			break;
		case 'S':
			o.scaling = 1;
			o.flood = 1;
			break;
		case 'F':
			o.flood = 1;
			break;
		case 'T':
			o.scan = 1;
			break;
		case 't':
			o.threads = (unsigned)num(optarg, "--threads");
			break;
		case 'N':
			o.stages = 0;
			break;
		case 'K':
			o.kinds = 0;
			break;
		case 'k':
			o.kind = -1;
			for (unsigned k = 0; k < DNSF_BK__COUNT; k++)
				if (strcmp(optarg, dnsf_bench_kind_name(k)) == 0)
					o.kind = (int)k;
			if (o.kind < 0)
				die("--kind: unknown kind (see the mix line of a run)");
			break;
		case 'r':
			o.seed = num(optarg, "--seed");
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'H':
			o.hash = 1;
			break;
		case 'M':
			o.hash = 1;
			g_hash_model = 0;
			break;
		case 'P':
			o.paired = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (o.packets < 64)
		die("--packets: at least 64");

	if (dnsf_config_load(o.config, &g_cfg, err, sizeof(err)) != 0)
		die(err);
	if (!g_cfg.detect.enabled)
		die("the config turns detection off: nothing to measure");
	if (dnsf_engine_create(&g_cfg, &g_eng, err, sizeof(err)) != 0)
		die(err);
	if (dnsf_bench_mix_build_paired(&mix, o.packets, o.seed, o.paired) != 0)
		die("out of memory building the mix");
	if (o.json != NULL && dnsf_json_open(&g_js, o.json) != 0) {
		fprintf(stderr, "dnsfence-bench-pipeline: %s: %s\n", o.json, strerror(errno));
		return 1;
	}

	{
		char model[256];
		dnsf_bench_cpu_model(model, sizeof(model));
		printf("machine: %s, %u cpus, TSC %.3f GHz (cycles below are TSC ticks)\n", model,
		       dnsf_bench_ncpus(), (double)dnsf_bench_tsc_hz() / 1e9);
		printf("mix: %u frames, mean %.0f bytes:", mix.n, (double)mix.bytes / mix.n);
		for (unsigned k = 0; k < DNSF_BK__COUNT; k++)
			printf(" %s %u", dnsf_bench_kind_name(k), mix.count[k]);
		printf("\nconfig: %s (action %s, flow_entries %u, hold %u s, model %s)\n", o.config,
		       dnsf_action_name(g_cfg.detect.action), g_cfg.detect.flow_entries,
		       g_cfg.detect.hold_seconds, g_cfg.model.path[0] ? g_cfg.model.path : "none");
	}
	dnsf_json_obj(&g_js, NULL);
	dnsf_json_str(&g_js, "bench", "pipeline");
	dnsf_json_machine(&g_js);
	dnsf_json_obj(&g_js, "setup");
	dnsf_json_str(&g_js, "config", o.config);
	dnsf_json_str(&g_js, "model", g_cfg.model.path);
	dnsf_json_u64(&g_js, "burst", o.burst);
	dnsf_json_num(&g_js, "seconds", o.seconds);
	dnsf_json_u64(&g_js, "passes", o.passes);
	dnsf_json_u64(&g_js, "seed", o.seed);
	dnsf_json_u64(&g_js, "paired", (uint64_t)o.paired);
	dnsf_json_end(&g_js);
	dnsf_json_obj(&g_js, "mix");
	dnsf_json_u64(&g_js, "frames", mix.n);
	dnsf_json_num(&g_js, "mean_bytes", (double)mix.bytes / mix.n);
	for (unsigned k = 0; k < DNSF_BK__COUNT; k++)
		dnsf_json_u64(&g_js, dnsf_bench_kind_name(k), mix.count[k]);
	dnsf_json_end(&g_js);

	if (o.hash) {
		bench_hash(&mix);
		goto out;
	}
	if (o.scan) {
		bench_scan(&mix);
		goto out;
	}
	bench_headline(&mix);
	if (o.stages)
		bench_stages(&mix);
	if (o.scaling || o.n_flows || o.flood)
		bench_scaling(&mix);
	if (o.threads > 1)
		bench_threads();
out:
	dnsf_json_close(&g_js);
	dnsf_bench_mix_free(&mix);
	dnsf_engine_free(g_eng);
	printf("sink %llu\n", (unsigned long long)(g_sink & 0xff));
	return 0;
}
