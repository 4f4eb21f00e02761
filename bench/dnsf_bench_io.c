/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-bench-io — the worker's burst path on DPDK ports against a plain io-forwarding loop
 * on the same ports, in the same process and run, reported as a ratio.
 *
 * Two net_ring ports (rte_eth_from_rings), one lcore, the realistic mix (dnsf_bench_mix.h).
 * Each phase of a round:
 *   1. feed (the NIC's RX side): --phase (default 4096) fresh mbufs from the pool, the next
 *      frames of the mix copied into them (DMA), enqueued on port 0's RX ring;
 *   2. forward, timed with the TSC: rx_burst(port 0) until empty, then either
 *        io:     tx_burst(port 1)                               (testpmd's io mode), or
 *        worker: process_burst() of app/dnsf_worker_loop.c — the dataplane's own burst function:
 *                dnsf_worker_process() per frame, TX buffers to the peer port, drops freed,
 *                refusals sent back out of port 0, events to the event ring —
 *      and flush the TX buffers;
 *   3. drain (the NIC's TX completion): every mbuf the TX rings hold is freed; events dropped.
 * The stand-in's CPU time (mbuf alloc, ring enqueue, dequeue, free — not the data copy, which a
 * NIC's DMA does) is timed too.
 * Both loops get the same frames in the same order; rounds alternate io and worker so drift in
 * machine load hits both. Two ratios, worker Mpps / io Mpps: over the forwarding loops alone (a
 * ring port's io loop only moves pointers), and over whole phases, NIC stand-in included (the
 * per-packet work any forwarder on these devices pays, like testpmd on net_null).
 * The phase is how many frames the stand-in writes before either loop reads the first: at
 * 4096 (~1.5 MiB of frame and mbuf lines) part of them has left L2 when it is read, and the
 * writes push the engine's own lines out; a NIC with DDIO writes into L3 instead, and a worker
 * that keeps up reads a few bursts behind it. --phase 512 shows the cache-warm case.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dnsf_app.h"
#include "dnsf_bench_mix.h"
#include "dnsf_bench_util.h"

#ifndef DNSF_BENCH_CONFIG
#define DNSF_BENCH_CONFIG "config/dnsfence.yaml"
#endif

#define RING_SIZE 8192
#define PHASE     o.phase /* packets per feed/forward/drain phase (<= mix size) */

/* The worker loop reads the process-wide app state; this benchmark is its own process. */
struct dnsf_app g_app;

struct opts {
	const char *config;
	const char *json;
	uint32_t packets;
	uint32_t phase;
	double seconds; /* timed forwarding per loop per round */
	unsigned rounds;
	uint16_t burst;
	uint64_t seed;
};

static struct opts o = {
    .config = DNSF_BENCH_CONFIG,
    .packets = 16384,
    .phase = 4096,
    .seconds = 1.0,
    .rounds = 5,
    .burst = 32,
    .seed = 0x5eed,
};

static struct dnsf_bench_mix g_mix;
static struct rte_mempool *g_pool;
static uint16_t g_port[2];
static struct rte_ring *g_rx0, *g_tx0, *g_rx1, *g_tx1;
static uint32_t g_feed_pos;
static struct dnsf_lcore *g_lc;
static uint64_t g_events;

static void
die(const char *what)
{
	fprintf(stderr, "dnsfence-bench-io: %s\n", what);
	exit(1);
}

/* The NIC stand-in, RX side: fresh mbufs from the pool, the next frames of the mix written into
 * them (what DMA does), enqueued on port 0's RX ring. */
static uint64_t g_nic_tsc; /* CPU time of the NIC stand-in, the data copy (DMA) excluded */

static void
feed(uint32_t n)
{
	struct rte_mbuf *b[64];

	while (n > 0) {
		const uint32_t k = n < 64 ? n : 64;
		uint64_t t = rte_rdtsc();
		if (rte_pktmbuf_alloc_bulk(g_pool, b, k) != 0)
			die("mbuf pool empty (internal error)");
		g_nic_tsc += rte_rdtsc() - t;
		for (uint32_t i = 0; i < k; i++) {
			const struct dnsf_bench_frame *f = &g_mix.f[g_feed_pos];
			memcpy(rte_pktmbuf_mtod(b[i], void *), f->data, f->len);
			b[i]->data_len = f->len;
			b[i]->pkt_len = f->len;
			if (++g_feed_pos == g_mix.n)
				g_feed_pos = 0;
		}
		t = rte_rdtsc();
		if (rte_ring_enqueue_bulk(g_rx0, (void **)b, k, NULL) != k)
			die("RX ring full (internal error)");
		g_nic_tsc += rte_rdtsc() - t;
		n -= k;
	}
}

/* TX side: what the ports transmitted is freed (TX completion). */
static void
drain_ring(struct rte_ring *r)
{
	struct rte_mbuf *b[64];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(r, (void **)b, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(b, n);
}

static void
drain(void)
{
	struct dnsf_event ev[32];
	unsigned n;
	const uint64_t t = rte_rdtsc();

	drain_ring(g_tx1);
	drain_ring(g_tx0);
	drain_ring(g_rx1);
	g_nic_tsc += rte_rdtsc() - t;
	while ((n = rte_ring_sc_dequeue_burst_elem(g_lc->ev_ring, ev, sizeof(ev[0]), 32, NULL)) > 0)
		g_events += n;
}

enum loop { LOOP_IO = 0, LOOP_WORKER };

/* One timed forwarding phase; returns TSC ticks, adds packets to *pkts. */
static uint64_t
forward(enum loop which, uint64_t *pkts)
{
	struct rte_mbuf *b[DNSF_APP_MAX_BURST];
	const uint64_t t0 = rte_rdtsc();
	uint16_t n;

	if (which == LOOP_IO) {
		while ((n = rte_eth_rx_burst(g_port[0], 0, b, o.burst)) > 0) {
			const uint16_t s = rte_eth_tx_burst(g_port[1], 0, b, n);
			for (uint16_t i = s; i < n; i++)
				rte_pktmbuf_free(b[i]);
			*pkts += n;
		}
	} else {
		while ((n = rte_eth_rx_burst(g_port[0], 0, b, o.burst)) > 0) {
			const uint64_t tsc = rte_rdtsc();
			DNSF_STAT_ADD(&g_lc->w.stats, rx_packets, n);
			process_burst(g_lc, 0, b, n, dnsf_app_now_us(&g_app, tsc));
			*pkts += n;
		}
		for (uint16_t d = 0; d < 2; d++)
			rte_eth_tx_buffer_flush(g_port[d], 0, g_lc->txb[d]);
	}
	return rte_rdtsc() - t0;
}

#define MAX_POS 1024
static uint64_t g_best_fwd[2][MAX_POS], g_best_nic[2][MAX_POS];

/* Mpps of a loop from the fastest phase at every position (nic: the stand-in added). */
static double
best_mpps(int which, int nic)
{
	const uint32_t phase = g_mix.n < PHASE ? g_mix.n : PHASE;
	const uint32_t npos = g_mix.n / phase;
	uint64_t sum = 0;

	for (uint32_t i = 0; i < npos; i++)
		sum += g_best_fwd[which][i] + (nic ? g_best_nic[which][i] : 0);
	return sum ? (double)npos * phase * (double)rte_get_tsc_hz() / (double)sum / 1e6 : 0;
}

struct loop_res {
	uint64_t pkts, fwd_tsc, nic_tsc;
};

static void
run_loop(enum loop which, double seconds, struct loop_res *r)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint32_t phase = g_mix.n < PHASE ? g_mix.n : PHASE;

	const uint64_t start = rte_rdtsc();

	memset(r, 0, sizeof(*r));
	g_nic_tsc = 0;
	/* Wall-clock bound (NIC stand-in included): an io round would otherwise need ~100 times
	 * more packets than a worker round to fill the same timed second. */
	while ((double)(rte_rdtsc() - start) < seconds * (double)hz) {
		const uint32_t at = g_feed_pos / phase;
		const uint64_t nic0 = g_nic_tsc;
		feed(phase);
		const uint64_t f = forward(which, &r->pkts);
		drain();
		r->fwd_tsc += f;
		/* Least disturbed: the fastest time seen at each position of the mix. */
		if (g_best_fwd[which][at] == 0 || f < g_best_fwd[which][at])
			g_best_fwd[which][at] = f;
		if (g_best_nic[which][at] == 0 || g_nic_tsc - nic0 < g_best_nic[which][at])
			g_best_nic[which][at] = g_nic_tsc - nic0;
	}
	r->nic_tsc = g_nic_tsc;
}

static double
mpps_of(uint64_t pkts, uint64_t tsc)
{
	return tsc ? (double)pkts * (double)rte_get_tsc_hz() / (double)tsc / 1e6 : 0;
}

/* ---- setup ---- */

static uint16_t
ring_port(const char *name, struct rte_ring *rx, struct rte_ring *tx)
{
	struct rte_eth_conf conf;
	int p = rte_eth_from_rings(name, &rx, 1, &tx, 1, rte_socket_id());

	if (p < 0)
		die("rte_eth_from_rings failed");
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure((uint16_t)p, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup((uint16_t)p, 0, RING_SIZE, rte_socket_id(), NULL, g_lc->pool) !=
	        0 ||
	    rte_eth_tx_queue_setup((uint16_t)p, 0, RING_SIZE, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start((uint16_t)p) != 0)
		die("cannot set up a ring port");
	return (uint16_t)p;
}

static struct rte_ring *
ring(const char *name)
{
	struct rte_ring *r =
	    rte_ring_create(name, RING_SIZE, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL)
		die("rte_ring_create failed");
	return r;
}

static void
setup(const struct dnsf_config *cfg, struct dnsf_engine *eng)
{
	char err[DNSF_ERR_MAX];
	struct rte_mempool *pool;

	pool = rte_pktmbuf_pool_create("bench_pool", 4 * PHASE + 2048, 256, 0,
	                               RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		die("cannot create the mbuf pool (raise -m or lower --packets)");

	g_lc = rte_zmalloc("bench_lcore", sizeof(*g_lc), RTE_CACHE_LINE_SIZE);
	if (g_lc == NULL)
		die("out of memory");
	g_lc->pool = pool;
	g_pool = pool;
	g_lc->idx = 0;
	g_lc->lcore_id = (uint16_t)rte_lcore_id();
	g_lc->ev_ring = rte_ring_create_elem("bench_ev", sizeof(struct dnsf_event), cfg->event_ring,
	                                     rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (g_lc->ev_ring == NULL)
		die("cannot create the event ring");
	if (dnsf_worker_init(&g_lc->w, eng, 0, err, sizeof(err)) != 0)
		die(err);

	g_rx0 = ring("bench_rx0");
	g_tx0 = ring("bench_tx0");
	g_rx1 = ring("bench_rx1");
	g_tx1 = ring("bench_tx1");
	g_port[0] = ring_port("bench0", g_rx0, g_tx0);
	g_port[1] = ring_port("bench1", g_rx1, g_tx1);

	for (int d = 0; d < 2; d++) {
		struct rte_eth_dev_tx_buffer *b = rte_zmalloc_socket(
		    "bench_txb", RTE_ETH_TX_BUFFER_SIZE(o.burst), 0, rte_socket_id());
		if (b == NULL || rte_eth_tx_buffer_init(b, o.burst) != 0)
			die("cannot create TX buffers");
		g_lc->txb[d] = b;
	}

	memset(&g_app, 0, sizeof(g_app));
	g_app.cfg = cfg;
	g_app.eng = eng;
	g_app.n_ports = 2;
	g_app.sink = DNSF_APP_PORT_NONE;
	g_app.ts_off = -1;
	for (int d = 0; d < 2; d++) {
		snprintf(g_app.ports[d].name, sizeof(g_app.ports[d].name), "bench%d", d);
		g_app.ports[d].port_id = g_port[d];
		g_app.ports[d].peer = (uint16_t)(1 - d);
		g_app.ports[d].nb_rxq = 1;
		g_app.ports[d].nb_txq = 1;
		g_app.ports[d].started = 1;
	}
	g_app.n_workers = 1;
	g_app.lc[0] = g_lc;
	g_app.tsc_hz = rte_get_tsc_hz();
	g_app.tsc0 = rte_rdtsc();
	g_app.wall0_us = UINT64_C(1700000000000000);
}

/* EAL leaves its runtime directory behind; each run has its own prefix, so remove it. */
static void
remove_runtime_dir(const char *prefix)
{
	char dir[256], path[512];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", getuid() == 0 ? "/var/run/dpdk" : "/tmp/dpdk", prefix);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
usage(void)
{
	printf("usage: dnsfence-bench-io [options] [-- extra EAL args]\n"
	       "  --config FILE  dnsfence config (default %s)\n"
	       "  --packets N    frames in the mix (default 16384)\n"
	       "  --seconds S    wall-clock time per loop and round (default 1)\n"
	       "  --rounds R     io/worker rounds, alternating (default 5)\n"
	       "  --burst B      RX/TX burst (default 32)\n"
	       "  --phase N      frames fed before each forwarding phase (default 4096)\n"
	       "  --seed S       mix seed\n"
	       "  --json OUT     write the results as JSON\n"
	       "EAL runs with -l <current cpu> --no-huge --no-pci -m 1024 and a unique "
	       "--file-prefix.\n",
	       DNSF_BENCH_CONFIG);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'},  {"packets", required_argument, NULL, 'n'},
	    {"seconds", required_argument, NULL, 's'}, {"rounds", required_argument, NULL, 'r'},
	    {"burst", required_argument, NULL, 'b'},   {"phase", required_argument, NULL, 'P'},
	    {"seed", required_argument, NULL, 'S'},    {"json", required_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct dnsf_config cfg;
	struct dnsf_engine *eng;
	struct dnsf_json js;
	char err[DNSF_ERR_MAX], prefix[64], lcores[16];
	char *eal[32];
	int ch, ne = 0;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'n':
			o.packets = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 's':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'r':
			o.rounds = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			o.burst = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			o.phase = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'S':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (o.packets < 64 || o.burst == 0 || o.burst > DNSF_APP_MAX_BURST || o.rounds == 0 ||
	    o.rounds > 64 || o.phase < 64 || o.phase > RING_SIZE / 2)
		die("bad option value (--packets >= 64, --burst 1..512, --rounds 1..64, "
		    "--phase 64..4096)");

	if (o.packets >= PHASE)
		o.packets -= o.packets % PHASE; /* whole phases: fixed positions in the mix */
	if (o.packets / PHASE > MAX_POS)
		die("--packets: at most 1024 phases");
	if (dnsf_config_load(o.config, &cfg, err, sizeof(err)) != 0)
		die(err);
	cfg.burst = o.burst;
	if (dnsf_engine_create(&cfg, &eng, err, sizeof(err)) != 0)
		die(err);
	if (dnsf_bench_mix_build(&g_mix, o.packets, o.seed) != 0)
		die("out of memory building the mix");

	snprintf(prefix, sizeof(prefix), "--file-prefix=dnsf-bench-io-%d", (int)getpid());
	snprintf(lcores, sizeof(lcores), "%d", sched_getcpu() >= 0 ? sched_getcpu() : 0);
	eal[ne++] = argv[0];
	eal[ne++] = "-l";
	eal[ne++] = lcores;
	eal[ne++] = "--no-huge";
	eal[ne++] = "--no-pci";
	eal[ne++] = "-m";
	eal[ne++] = "1024";
	eal[ne++] = prefix;
	eal[ne++] = "--log-level=lib.eal:error";
	for (int i = optind; i < argc && ne < 31; i++)
		eal[ne++] = argv[i];
	eal[ne] = NULL;
	if (rte_eal_init(ne, eal) < 0)
		die("rte_eal_init failed");

	setup(&cfg, eng);

	/* Warm-up: one full pass of the mix through each loop (flows inserted, tunnels caught). */
	{
		struct loop_res w;
		const double pass_s = 0.05;
		run_loop(LOOP_IO, pass_s, &w);
		for (uint32_t done = 0; done < g_mix.n;) {
			uint64_t p = 0;
			feed(PHASE < g_mix.n ? PHASE : g_mix.n);
			forward(LOOP_WORKER, &p);
			drain();
			done += (uint32_t)p;
		}
	}

	double io[64], wk[64], ratio[64], io_all[64], wk_all[64], ratio_all[64];
	struct loop_res ri, rw, sum_i = {0}, sum_w = {0};
	struct dnsf_worker_stats s0, s1v;
	struct dnsf_app_stats a0 = g_lc->app;

	dnsf_worker_stats_read(&g_lc->w, &s0);
	printf("dnsfence-bench-io: 2 net_ring ports, lcore %s, mix %u frames (mean %.0f B), "
	       "burst %u, phase %u, %u rounds x %.1f s per loop\n",
	       lcores, g_mix.n, (double)g_mix.bytes / g_mix.n, o.burst,
	       g_mix.n < PHASE ? g_mix.n : PHASE, o.rounds, o.seconds);
	for (unsigned r = 0; r < o.rounds; r++) {
		run_loop(LOOP_IO, o.seconds, &ri);
		run_loop(LOOP_WORKER, o.seconds, &rw);
		io[r] = mpps_of(ri.pkts, ri.fwd_tsc);
		wk[r] = mpps_of(rw.pkts, rw.fwd_tsc);
		ratio[r] = wk[r] / io[r];
		io_all[r] = mpps_of(ri.pkts, ri.fwd_tsc + ri.nic_tsc);
		wk_all[r] = mpps_of(rw.pkts, rw.fwd_tsc + rw.nic_tsc);
		ratio_all[r] = wk_all[r] / io_all[r];
		sum_i.pkts += ri.pkts;
		sum_i.fwd_tsc += ri.fwd_tsc;
		sum_i.nic_tsc += ri.nic_tsc;
		sum_w.pkts += rw.pkts;
		sum_w.fwd_tsc += rw.fwd_tsc;
		sum_w.nic_tsc += rw.nic_tsc;
		printf(
		    "  round %u: forwarding loop: io %7.2f Mpps (%6.1f cyc/pkt) worker %6.2f Mpps "
		    "(%7.1f cyc/pkt) ratio %.4f | with NIC stand-in: io %6.2f worker %6.2f "
		    "ratio %.3f\n",
		    r + 1, io[r], (double)ri.fwd_tsc / ri.pkts, wk[r], (double)rw.fwd_tsc / rw.pkts,
		    ratio[r], io_all[r], wk_all[r], ratio_all[r]);
	}
	const double io_m = dnsf_bench_median(io, o.rounds);
	const double wk_m = dnsf_bench_median(wk, o.rounds);
	const double ratio_m = dnsf_bench_median(ratio, o.rounds);
	const double io_all_m = dnsf_bench_median(io_all, o.rounds);
	const double wk_all_m = dnsf_bench_median(wk_all, o.rounds);
	const double ratio_all_m = dnsf_bench_median(ratio_all, o.rounds);
	const struct dnsf_worker_stats *s1 = &s1v;

	dnsf_worker_stats_read(&g_lc->w, &s1v);
	const struct dnsf_app_stats *a1 = &g_lc->app;
	const double nic = (double)sum_i.nic_tsc / sum_i.pkts;

	printf("median: forwarding loop io %.2f / worker %.2f Mpps, ratio %.4f; with NIC stand-in "
	       "(%.1f cycles/pkt) io %.2f / worker %.2f Mpps, ratio %.3f\n",
	       io_m, wk_m, ratio_m, nic, io_all_m, wk_all_m, ratio_all_m);
	const double bio = best_mpps(LOOP_IO, 0), bwk = best_mpps(LOOP_WORKER, 0);
	const double bio_n = best_mpps(LOOP_IO, 1), bwk_n = best_mpps(LOOP_WORKER, 1);
	printf(
	    "least disturbed (fastest phase at each mix position over all rounds): forwarding "
	    "loop io %.2f / worker %.2f Mpps, ratio %.4f; with NIC stand-in io %.2f / worker %.2f "
	    "Mpps, ratio %.3f\n",
	    bio, bwk, bwk / bio, bio_n, bwk_n, bwk_n / bio_n);
	printf("worker verdicts: pass %llu drop %llu refuse %llu; events %llu\n",
	       (unsigned long long)(a1->verdict_pass - a0.verdict_pass),
	       (unsigned long long)(a1->verdict_drop - a0.verdict_drop),
	       (unsigned long long)(a1->verdict_refuse - a0.verdict_refuse),
	       (unsigned long long)(s1->events - s0.events));

	if (o.json != NULL) {
		if (dnsf_json_open(&js, o.json) != 0) {
			fprintf(stderr, "dnsfence-bench-io: %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		dnsf_json_obj(&js, NULL);
		dnsf_json_str(&js, "bench", "io");
		dnsf_json_machine(&js);
		dnsf_json_obj(&js, "setup");
		dnsf_json_str(&js, "config", o.config);
		dnsf_json_str(&js, "ports", "2 x net_ring (rte_eth_from_rings), one lcore");
		dnsf_json_u64(&js, "mix_frames", g_mix.n);
		dnsf_json_num(&js, "mix_mean_bytes", (double)g_mix.bytes / g_mix.n);
		dnsf_json_u64(&js, "burst", o.burst);
		dnsf_json_u64(&js, "phase", g_mix.n < PHASE ? g_mix.n : PHASE);
		dnsf_json_u64(&js, "rounds", o.rounds);
		dnsf_json_num(&js, "seconds_per_loop_round", o.seconds);
		dnsf_json_end(&js);
		dnsf_json_arr(&js, "rounds");
		for (unsigned r = 0; r < o.rounds; r++) {
			dnsf_json_obj(&js, NULL);
			dnsf_json_num(&js, "io_mpps", io[r]);
			dnsf_json_num(&js, "worker_mpps", wk[r]);
			dnsf_json_num(&js, "io_mpps_with_nic", io_all[r]);
			dnsf_json_num(&js, "worker_mpps_with_nic", wk_all[r]);
			dnsf_json_end(&js);
		}
		dnsf_json_end(&js);
		dnsf_json_obj(&js, "forwarding_loop");
		dnsf_json_num(&js, "io_mpps", io_m);
		dnsf_json_num(&js, "worker_mpps", wk_m);
		dnsf_json_num(&js, "ratio", ratio_m);
		dnsf_json_num(&js, "io_cycles_per_packet", (double)sum_i.fwd_tsc / sum_i.pkts);
		dnsf_json_num(&js, "worker_cycles_per_packet", (double)sum_w.fwd_tsc / sum_w.pkts);
		dnsf_json_end(&js);
		dnsf_json_obj(&js, "with_nic_stand_in");
		dnsf_json_num(&js, "nic_cycles_per_packet", nic);
		dnsf_json_num(&js, "io_mpps", io_all_m);
		dnsf_json_num(&js, "worker_mpps", wk_all_m);
		dnsf_json_num(&js, "ratio", ratio_all_m);
		dnsf_json_end(&js);
		dnsf_json_obj(&js, "least_disturbed");
		dnsf_json_num(&js, "io_mpps", bio);
		dnsf_json_num(&js, "worker_mpps", bwk);
		dnsf_json_num(&js, "ratio", bwk / bio);
		dnsf_json_num(&js, "io_cycles_per_packet", (double)rte_get_tsc_hz() / bio / 1e6);
		dnsf_json_num(&js, "worker_cycles_per_packet",
		              (double)rte_get_tsc_hz() / bwk / 1e6);
		dnsf_json_num(&js, "io_mpps_with_nic", bio_n);
		dnsf_json_num(&js, "worker_mpps_with_nic", bwk_n);
		dnsf_json_num(&js, "ratio_with_nic", bwk_n / bio_n);
		dnsf_json_end(&js);
		dnsf_json_obj(&js, "worker_verdicts");
		dnsf_json_u64(&js, "pass", a1->verdict_pass - a0.verdict_pass);
		dnsf_json_u64(&js, "drop", a1->verdict_drop - a0.verdict_drop);
		dnsf_json_u64(&js, "refuse", a1->verdict_refuse - a0.verdict_refuse);
		dnsf_json_u64(&js, "events", s1->events - s0.events);
		dnsf_json_end(&js);
		dnsf_json_close(&js);
	}

	for (int d = 0; d < 2; d++) {
		rte_eth_dev_stop(g_port[d]);
		rte_eth_dev_close(g_port[d]);
	}
	drain();
	dnsf_worker_fini(&g_lc->w);
	dnsf_engine_free(eng);
	dnsf_bench_mix_free(&g_mix);
	rte_eal_cleanup();
	remove_runtime_dir(prefix + strlen("--file-prefix="));
	return 0;
}
