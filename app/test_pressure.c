/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pressure — the worker's burst path (process_burst, dnsf_tx_error_cb) under resource
 * pressure, in process with EAL (--no-huge, net_ring ports from rte_eth_from_rings):
 *  - a full TX ring: what the queue does not take is freed and counted as tx_full_dropped, the
 *    call returns (no retry, no wait), no mbuf leaks; once the ring drains, traffic flows again;
 *  - an exhausted mbuf pool: refuse answers still go out (they reuse the query's mbuf), the
 *    replay capture copies that need a fresh mbuf are counted as capture_failed; once mbufs
 *    return, copies work again.
 * The pool has no per-lcore cache, so rte_mempool_in_use_count() is exact.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "../tests/pktbuild.h"
#include "dnsf_app.h"

struct dnsf_app g_app;

#define POOL_SIZE  511
#define SMALL_RING 64 /* usable 63 */
#define BIG_RING   1024
#define N_PORTS    3 /* 0: ingress, 1: its peer (small TX ring), 2: capture sink */

static char tmpdir[] = "/tmp/dnsf-pressure-XXXXXX";
static char prefix[64];
static struct dnsf_config cfg;
static struct dnsf_engine *eng;
static struct rte_mempool *pool;
static struct dnsf_lcore *lc;
static struct rte_ring *rx[N_PORTS], *tx[N_PORTS];
static uint16_t port[N_PORTS];

static struct rte_mbuf *
frame_mbuf(const char *qname, uint16_t id)
{
	uint8_t msg[512], fr[1024];
	size_t mlen, flen;
	struct rte_mbuf *m;
	char *d;

	if (qname != NULL) {
		mlen = pb_query(msg, sizeof(msg), id, qname, 1, 0);
		flen = pb_dns_frame(fr, sizeof(fr), 4, 17, 1, msg, mlen);
	} else {
		struct pb_spec s;

		/* Not DNS (UDP to port 9): passed untouched to the peer. */
		pb_spec_init(&s, 4, 17, 1);
		s.dport = 9;
		memset(msg, 0xab, 64);
		flen = pb_frame(fr, sizeof(fr), &s, msg, 64, NULL);
	}
	assert_true(flen > 0);
	m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)flen);
	assert_non_null(d);
	memcpy(d, fr, flen);
	return m;
}

static void
flush(void)
{
	for (uint16_t d = 0; d < N_PORTS; d++)
		rte_eth_tx_buffer_flush(port[d], 0, lc->txb[d]);
}

static unsigned
drain(struct rte_ring *r)
{
	void *objs[64];
	unsigned n, total = 0;

	while ((n = rte_ring_dequeue_burst(r, objs, 64, NULL)) > 0) {
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
		total += n;
	}
	return total;
}

static uint64_t
stat_tx(void)
{
	return lc->w.stats.tx_packets;
}

static void
send_n(unsigned n, const char *qname)
{
	struct rte_mbuf *b[32];

	while (n > 0) {
		unsigned k = n < 32 ? n : 32;

		for (unsigned i = 0; i < k; i++)
			b[i] = frame_mbuf(qname, (uint16_t)i);
		process_burst(lc, 0, b, (uint16_t)k, UINT64_C(1700000000000000));
		n -= k;
	}
	flush();
}

static void
test_tx_full(void **state)
{
	(void)state;
	drain(tx[0]);
	drain(tx[1]);
	drain(tx[2]);
	memset(&lc->w.stats, 0, sizeof(lc->w.stats));
	assert_int_equal(rte_mempool_in_use_count(pool), 0);

	/* 200 frames to a peer whose TX ring takes 63: the rest is freed and counted. */
	send_n(200, NULL);
	assert_int_equal(rte_ring_count(tx[1]), SMALL_RING - 1);
	assert_int_equal(stat_tx(), SMALL_RING - 1);
	assert_int_equal(lc->w.stats.tx_full_dropped, 200 - (SMALL_RING - 1));
	assert_int_equal(lc->app.verdict_pass, 200);
	/* Only the frames in the ring are out of the pool: nothing leaked on the error path. */
	assert_int_equal(rte_mempool_in_use_count(pool), SMALL_RING - 1);

	/* Pressure ends: the ring drains, traffic flows again and nothing more is lost. */
	assert_int_equal(drain(tx[1]), SMALL_RING - 1);
	send_n(40, NULL);
	assert_int_equal(rte_ring_count(tx[1]), 40);
	assert_int_equal(lc->w.stats.tx_full_dropped, 200 - (SMALL_RING - 1));
	drain(tx[1]);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void
test_pool_exhausted(void **state)
{
	struct rte_mbuf *q[8], *held[POOL_SIZE];
	unsigned n_held = 0;

	(void)state;
	memset(&lc->w.stats, 0, sizeof(lc->w.stats));
	memset(&lc->app, 0, sizeof(lc->app));
	/* The queries exist (received); then every other mbuf is taken. */
	for (unsigned i = 0; i < 8; i++)
		q[i] = frame_mbuf("x.evil.example", (uint16_t)(100 + i));
	while (n_held < POOL_SIZE && (held[n_held] = rte_pktmbuf_alloc(pool)) != NULL)
		n_held++;
	assert_int_equal(rte_mempool_avail_count(pool), 0);

	process_burst(lc, 0, q, 8, UINT64_C(1700000000000000));
	flush();
	/* Refused in place and sent back out of the ingress port; no copy for the capture. */
	assert_int_equal(lc->app.verdict_refuse, 8);
	assert_int_equal(lc->w.stats.refused_sent, 8);
	assert_int_equal(rte_ring_count(tx[0]), 8);
	assert_int_equal(lc->app.capture_failed, 8);
	assert_int_equal(rte_ring_count(tx[2]), 0);

	/* Pressure ends: copies work again. */
	for (unsigned i = 0; i < n_held; i++)
		rte_pktmbuf_free(held[i]);
	drain(tx[0]);
	send_n(1, "y.evil.example");
	/* (capture_written is counted by the worker loop's own flush; this test flushes itself.) */
	assert_int_equal(rte_ring_count(tx[2]), 1);
	assert_int_equal(rte_ring_count(tx[0]), 1);
	assert_int_equal(lc->app.capture_failed, 8);
	drain(tx[0]);
	drain(tx[2]);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static uint16_t
ring_port(const char *name, struct rte_ring *r_rx, struct rte_ring *r_tx)
{
	struct rte_eth_conf conf;
	int p = rte_eth_from_rings(name, &r_rx, 1, &r_tx, 1, (unsigned)rte_socket_id());

	assert_true(p >= 0);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(rte_eth_dev_configure((uint16_t)p, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup((uint16_t)p, 0, 64, rte_socket_id(), NULL, pool),
	                 0);
	assert_int_equal(rte_eth_tx_queue_setup((uint16_t)p, 0, 64, rte_socket_id(), NULL), 0);
	assert_int_equal(rte_eth_dev_start((uint16_t)p), 0);
	return (uint16_t)p;
}

static int
setup(void **state)
{
	char path[PATH_MAX], err[DNSF_ERR_MAX];
	char *argv[16];
	int argc = 0;
	FILE *f;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/deny.txt", tmpdir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs("evil.example\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/c.yaml", tmpdir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs("mode: inline\nworkers: { burst: 32 }\nlists: { allow: \"\", deny: deny.txt }\n"
	      "telemetry: false\nmodel: { path: \"\", required: false }\n"
	      "hardening: { rare_types: false }\n"
	      "detection: { enabled: false, action: refuse }\n",
	      f);
	fclose(f);
	if (dnsf_config_load(path, &cfg, err, sizeof(err)) != 0 ||
	    dnsf_engine_create(&cfg, &eng, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}

	snprintf(prefix, sizeof(prefix), "dnsf_test_pressure_%d", (int)getpid());
	argv[argc++] = "test_pressure";
	argv[argc++] = "--no-huge";
	argv[argc++] = "--no-pci";
	argv[argc++] = "-m";
	argv[argc++] = "128";
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--log-level=lib.eal:error";
	argv[argc++] = "--file-prefix";
	argv[argc++] = prefix;
	if (rte_eal_init(argc, argv) < 0)
		return -1;

	pool = rte_pktmbuf_pool_create("pressure", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                               (int)rte_socket_id());
	lc = rte_zmalloc("pressure_lc", sizeof(*lc), RTE_CACHE_LINE_SIZE);
	if (pool == NULL || lc == NULL)
		return -1;
	lc->pool = pool;
	lc->ev_ring = rte_ring_create_elem("pressure_ev", sizeof(struct dnsf_event), 1024,
	                                   (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (lc->ev_ring == NULL || dnsf_worker_init(&lc->w, eng, 0, err, sizeof(err)) != 0)
		return -1;

	memset(&g_app, 0, sizeof(g_app));
	g_app.cfg = &cfg;
	g_app.eng = eng;
	g_app.n_ports = N_PORTS;
	g_app.sink = 2;
	g_app.ts_off = -1;
	g_app.tsc_hz = 1;
	g_app.n_workers = 1;
	g_app.lc[0] = lc;
	for (uint16_t d = 0; d < N_PORTS; d++) {
		char name[32];
		struct rte_eth_dev_tx_buffer *b;

		snprintf(name, sizeof(name), "pr_rx%u", d);
		rx[d] =
		    rte_ring_create(name, BIG_RING, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "pr_tx%u", d);
		tx[d] = rte_ring_create(name, d == 1 ? SMALL_RING : BIG_RING, rte_socket_id(),
		                        RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rx[d] == NULL || tx[d] == NULL)
			return -1;
		snprintf(name, sizeof(name), "pr%u", d);
		port[d] = ring_port(name, rx[d], tx[d]);
		g_app.ports[d].port_id = port[d];
		g_app.ports[d].peer = d == 0 ? 1 : d == 1 ? 0 : DNSF_APP_PORT_NONE;
		g_app.ports[d].sink = d == 2;
		b = rte_zmalloc("pr_txb", RTE_ETH_TX_BUFFER_SIZE(cfg.burst), 0);
		if (b == NULL || rte_eth_tx_buffer_init(b, cfg.burst) != 0)
			return -1;
		lc->txctx[d].lc = lc;
		lc->txctx[d].sink = g_app.ports[d].sink;
		/* The application's own callback (app/dnsf_worker_loop.c). */
		rte_eth_tx_buffer_set_err_callback(b, dnsf_tx_error_cb, &lc->txctx[d]);
		lc->txb[d] = b;
	}
	return 0;
}

static int
teardown(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	for (uint16_t i = 0; i < N_PORTS; i++) {
		rte_eth_dev_stop(port[i]);
		rte_eth_dev_close(port[i]);
	}
	dnsf_worker_fini(&lc->w);
	dnsf_engine_free(eng);
	rte_eal_cleanup();
	/* Leave no EAL runtime directory behind. */
	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s/deny.txt", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.yaml", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tx_full),
	    cmocka_unit_test(test_pool_exhausted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
