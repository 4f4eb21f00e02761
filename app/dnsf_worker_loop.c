/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore loop: RX burst -> engine verdict -> TX buffer (pass to the paired port,
 * refuse back out of the ingress port) or free (drop; monitor mode frees everything).
 * Everything it writes is its own struct dnsf_lcore; it takes no lock.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dnsf_app.h"

#define PREFETCH_AHEAD 3
/* Replay end: this many empty polls in a row and this long since the last packet. net_pcap
 * reads the file synchronously inside rx_burst, so an empty burst means end of file; the
 * margin only guards against a transient mbuf shortage. */
#define REPLAY_IDLE_POLLS 1000
#define REPLAY_IDLE_US    200000
/* Top list (dnsf_top.h): a pass over the flow table every second, this many slots per loop
 * iteration while it runs. Measured (dnsfence-bench-pipeline --scan, gcc -O2, this machine,
 * 262144 slots, the default 4096-label store, a burst between slices): a whole pass 5.0-5.7 ms
 * half full, 7.2-7.6 ms full, i.e. ~11k-18k cycles (5-9 us) per 256-slot slice, about one
 * 32-packet burst's work (~450 cycles a packet): a burst waits at most about one burst's time,
 * and a pass takes under 1 % of the core a second. With the store as large as the table
 * (labels present): 5.8-6.6 ms half full, 8.8-9.9 ms full (docs/performance-history.md,
 * "The top list's scan"). */
#define TOP_SLICE 256
/* Worker 0 looks at the control core's heartbeat once every this many loops (a power of two):
 * one relaxed load of a line control writes every few ms, far from every burst. */
#define CONTROL_CHECK_LOOPS 64

/* TX buffer error callback: a TX queue that did not take a burst. The packets are freed and
 * counted, never retried: a full queue must not make the worker wait (docs/robustness.md). */
void
dnsf_tx_error_cb(struct rte_mbuf **unsent, uint16_t count, void *userdata)
{
	struct dnsf_txctx *t = userdata;
	uint16_t i;

	for (i = 0; i < count; i++)
		rte_pktmbuf_free(unsent[i]);
	if (t->sink)
		DNSF_STAT_ADD(&t->lc->app, capture_failed, count);
	else
		DNSF_STAT_ADD(&t->lc->w.stats, tx_full_dropped, count);
}

static inline void
count_sent(struct dnsf_lcore *lc, uint16_t dst, uint16_t n)
{
	if (n == 0)
		return;
	if (dst == g_app.sink)
		DNSF_STAT_ADD(&lc->app, capture_written, n);
	else
		DNSF_STAT_ADD(&lc->w.stats, tx_packets, n);
}

static inline void
tx_to(struct dnsf_lcore *lc, uint16_t dst, struct rte_mbuf *m)
{
	uint16_t n = rte_eth_tx_buffer(g_app.ports[dst].port_id, lc->idx, lc->txb[dst], m);

	count_sent(lc, dst, n);
}

static void
flush_all(struct dnsf_lcore *lc)
{
	uint16_t d;

	for (d = 0; d < g_app.n_ports; d++) {
		if (lc->txb[d] == NULL || lc->txb[d]->length == 0)
			continue;
		count_sent(lc, d,
		           rte_eth_tx_buffer_flush(g_app.ports[d].port_id, lc->idx, lc->txb[d]));
	}
}

/* A copy of `len` bytes of `src` in a fresh mbuf, or NULL. */
static struct rte_mbuf *
copy_frame(struct dnsf_lcore *lc, const uint8_t *src, uint32_t len)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(lc->pool);
	char *d;

	if (c == NULL)
		return NULL;
	d = rte_pktmbuf_append(c, (uint16_t)len);
	if (d == NULL || len > UINT16_MAX) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	memcpy(d, src, len);
	return c;
}

/* forensics.pcap (dnsf_forensics.c): hand a dropped frame itself to control, at most
 * forensics.rate a second with bursts of up to one second's worth (GCRA). 1 = taken. */
static inline int
capture_live(struct dnsf_lcore *lc, struct rte_mbuf *m)
{
	const uint64_t tsc = rte_rdtsc();
	uint64_t tat = lc->cap_tat_tsc > tsc ? lc->cap_tat_tsc : tsc;

	if (tat - tsc > g_app.tsc_hz || rte_ring_sp_enqueue(lc->cap_ring, m) != 0) {
		DNSF_STAT_INC(&lc->app, forensic_skipped);
		return 0;
	}
	lc->cap_tat_tsc = tat + g_app.cap_interval_tsc;
	DNSF_STAT_INC(&lc->app, forensic_captured);
	return 1;
}

/* Replay --dropped: the original of a dropped or refused frame goes to the capture sink. */
static inline void
capture(struct dnsf_lcore *lc, const uint8_t *orig, uint32_t len)
{
	struct rte_mbuf *c = copy_frame(lc, orig, len);

	if (c == NULL) {
		DNSF_STAT_INC(&lc->app, capture_failed);
		return;
	}
	tx_to(lc, g_app.sink, c);
}

/* Copy `len` bytes of buf over the chain m and cut the chain to `len` (<= m->pkt_len): a
 * chained frame decided from its linear copy gets the engine's rewrite back. */
static void
chain_write(struct rte_mbuf *m, const uint8_t *buf, uint32_t len)
{
	struct rte_mbuf *s = m, *last = m;
	uint32_t off = 0;
	uint16_t segs = 0;

	if (len > m->pkt_len)
		len = m->pkt_len;
	while (s != NULL && off < len) {
		uint32_t n = RTE_MIN((uint32_t)s->data_len, len - off);

		memcpy(rte_pktmbuf_mtod(s, uint8_t *), buf + off, n);
		s->data_len = (uint16_t)n;
		off += n;
		segs++;
		last = s;
		s = s->next;
	}
	if (s != NULL) {
		last->next = NULL;
		rte_pktmbuf_free(s); /* the segments past the new end */
	}
	m->nb_segs = segs;
	m->pkt_len = len;
}

/* Live: a full ring loses the event (counted) rather than stall the data path. Replay: the
 * worker waits for control to make room, so the event log does not depend on timing. */
static inline void
push_event(struct dnsf_lcore *lc)
{
	while (rte_ring_sp_enqueue_elem(lc->ev_ring, &lc->ev, sizeof(lc->ev)) != 0) {
		if (!g_app.replay || __atomic_load_n(&g_app.quit, __ATOMIC_RELAXED)) {
			DNSF_STAT_INC(&lc->w.stats, events_lost);
			return;
		}
		rte_pause();
	}
	DNSF_STAT_INC(&lc->w.stats, events);
}

/* The first four lines of a frame (two for one of up to 128 bytes), PREFETCH_AHEAD frames
 * ahead of the parser. A query's headers and question span the first two lines and the parser
 * walks a response's records further; with the first line alone the rest were demand misses
 * whenever the data was no longer in L2 (docs/performance-history.md, "The DPDK shell
 * around the engine"). Written out: a loop over the lines cost more instructions than the
 * prefetches. */
static inline void
prefetch_frame(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	rte_prefetch0(d);
	rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
	if (m->data_len > 2 * RTE_CACHE_LINE_SIZE) {
		rte_prefetch0(d + 2 * RTE_CACHE_LINE_SIZE);
		rte_prefetch0(d + 3 * RTE_CACHE_LINE_SIZE);
	}
}

/* A chain whose segments hold fewer bytes than its pkt_len says (net_pcap builds one from a
 * capture record over 64 KiB: its jumbo copy takes a 16-bit length). Reading or transmitting
 * it walks past the last segment, so it is dropped and counted. Only chained frames get here:
 * a one-segment frame is read by its data_len alone. */
static int
chain_short(const struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	uint64_t sum = 0;

	for (s = m; s != NULL; s = s->next)
		sum += s->data_len;
	return sum < m->pkt_len;
}

/* The engine's first phase (dnsf_engine.h) over up to DNSF_BURST_MAX frames: parse and key
 * each one-segment frame and prefetch its flow and domain buckets, so that the second phase
 * (the decisions, in order) finds them in cache. Chained frames are decided whole later.
 * The mbuf headers are prefetched first, all of them: a virtual device's rx_burst (ring, pcap,
 * af_packet) hands over mbufs it never wrote, and each frame's address is in its header. */
static inline void
prepare_chunk(struct dnsf_lcore *lc, struct rte_mbuf **pkts, uint16_t k)
{
	uint16_t i;

	for (i = 0; i < k; i++)
		rte_prefetch0(pkts[i]);
	for (i = 0; i < k && i < PREFETCH_AHEAD; i++)
		prefetch_frame(pkts[i]);
	for (i = 0; i < k; i++) {
		const struct rte_mbuf *m = pkts[i];

		if (i + PREFETCH_AHEAD < k)
			prefetch_frame(pkts[i + PREFETCH_AHEAD]);
		if (likely(m->nb_segs == 1))
			dnsf_worker_prepare(&lc->w, i, rte_pktmbuf_mtod(m, const uint8_t *),
			                    m->data_len);
	}
}

void
process_burst(struct dnsf_lcore *lc, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
              uint64_t now_burst_us)
{
	const struct dnsf_app *app = &g_app;
	const uint16_t peer = app->ports[in_port].peer;
	const int keep_orig = app->sink != DNSF_APP_PORT_NONE;
	/* Read once: the engine is an external call, after which the compiler would reload
	 * them from g_app for every frame. */
	const int monitor = app->monitor;
	const int replay_ts = app->replay && app->ts_off >= 0;
	/* The verdict counters of this burst, stored once at its end (one relaxed store each
	 * instead of one per frame; readers see them a burst later at most). */
	uint32_t n_pass = 0, n_drop = 0, n_refuse = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dnsf_verdict v;
		uint64_t now = now_burst_us;
		uint8_t *frame;
		uint32_t len, room;
		int linear = 0;

		if (i % DNSF_BURST_MAX == 0)
			prepare_chunk(lc, pkts + i,
			              n - i < DNSF_BURST_MAX ? (uint16_t)(n - i) : DNSF_BURST_MAX);

		/* Replay: packet time from the capture (net_pcap writes microseconds since the
		 * epoch), so results do not depend on how fast the replay runs. */
		if (replay_ts && (m->ol_flags & app->ts_flag))
			now = *RTE_MBUF_DYNFIELD(m, app->ts_off, rte_mbuf_timestamp_t *);

		if (likely(m->nb_segs == 1)) {
			frame = rte_pktmbuf_mtod(m, uint8_t *);
			len = m->data_len;
			room = len + rte_pktmbuf_tailroom(m);
		} else if (unlikely(chain_short(m))) {
			DNSF_STAT_INC(&lc->app, bad_chain_dropped);
			rte_pktmbuf_free(m);
			continue;
		} else if (m->pkt_len <= DNSF_APP_LINEAR_MAX) {
			/* The engine reads one flat buffer; chained frames (jumbo) are copied. */
			len = m->pkt_len;
			frame = lc->linear;
			{
				const void *src = rte_pktmbuf_read(m, 0, len, lc->linear);

				if (src != NULL && src != lc->linear)
					memcpy(lc->linear, src, len);
			}
			room = DNSF_APP_LINEAR_MAX;
			linear = 1;
			DNSF_STAT_INC(&lc->app, multiseg);
		} else {
			DNSF_STAT_INC(&lc->app, oversize_passed);
			if (monitor)
				rte_pktmbuf_free(m);
			else
				tx_to(lc, peer, m);
			continue;
		}
		if (keep_orig && !linear)
			memcpy(lc->orig, frame, len);

		if (linear)
			dnsf_worker_process(&lc->w, frame, len, room, now, &v, &lc->ev);
		else
			dnsf_worker_decide(&lc->w, i % DNSF_BURST_MAX, frame, len, room, now, &v,
			                   &lc->ev);
		if (v.has_event)
			push_event(lc);

		if (monitor) {
			/* A mirror/TAP port: decide and count, never transmit. */
			n_pass += v.action == DNSF_ACT_PASS;
			rte_pktmbuf_free(m);
			continue;
		}

		switch (v.action) {
		case DNSF_ACT_DROP:
			n_drop++;
			if (keep_orig) {
				/* A drop leaves the frame untouched (a chained one was decided
				 * from its linear copy): the mbuf itself is the original. */
				tx_to(lc, app->sink, m);
				break;
			}
			if (lc->cap_ring != NULL && capture_live(lc, m))
				break;
			rte_pktmbuf_free(m);
			break;
		case DNSF_ACT_REFUSE:
			n_refuse++;
			if (keep_orig) {
				if (linear) {
					/* The chain still holds the original bytes. */
					struct rte_mbuf *c =
					    rte_pktmbuf_copy(m, lc->pool, 0, UINT32_MAX);

					if (c != NULL)
						tx_to(lc, app->sink, c);
					else
						DNSF_STAT_INC(&lc->app, capture_failed);
				} else {
					capture(lc, lc->orig, len);
				}
			}
			if (v.out_len == 0 || v.out_len > room) {
				DNSF_STAT_INC(&lc->app, refuse_failed);
				rte_pktmbuf_free(m);
				break;
			}
			if (linear) {
				struct rte_mbuf *a = copy_frame(lc, frame, v.out_len);

				rte_pktmbuf_free(m);
				if (a == NULL) {
					DNSF_STAT_INC(&lc->app, refuse_failed);
					break;
				}
				m = a;
			} else {
				m->data_len = v.out_len;
				m->pkt_len = v.out_len;
			}
			tx_to(lc, in_port, m);
			break;
		default: /* PASS (and LOG, which the engine already turned into a pass) */
			n_pass++;
			if (unlikely(v.rewritten)) {
				/* Hardening changed the frame (0x20 case, EDNS size) and may have
				 * cut it (truncated answer): send what the engine wrote. */
				const uint32_t nlen = v.out_len != 0 ? v.out_len : len;

				if (linear) {
					chain_write(m, frame, nlen);
				} else if (nlen <= len) {
					m->data_len = (uint16_t)nlen;
					m->pkt_len = nlen;
				}
			}
			tx_to(lc, peer, m);
			break;
		}
	}
	if (n_pass != 0)
		DNSF_STAT_ADD(&lc->app, verdict_pass, n_pass);
	if (n_drop + n_refuse != 0) {
		DNSF_STAT_ADD(&lc->app, verdict_drop, n_drop);
		DNSF_STAT_ADD(&lc->app, verdict_refuse, n_refuse);
		DNSF_STAT_ADD(&lc->w.stats, dropped_packets, n_drop + n_refuse);
	}
}

/* Worker 0 watches the control core (issue: who watches the watchdog?). Control bumps its
 * heartbeat every tick (5 ms live); standing still for over a second is a stall: counted once
 * per episode, shown as control_stalled until it moves again. The worker only looks; it never
 * waits for control in a live run, so forwarding goes on either way. */
static void
control_check(struct dnsf_lcore *lc, uint64_t tsc)
{
	const uint64_t hb = __atomic_load_n(&g_app.ctl_heartbeat, __ATOMIC_RELAXED);

	if (hb != lc->ctl_hb_seen) {
		lc->ctl_hb_seen = hb;
		lc->ctl_hb_tsc = tsc;
		if (lc->ctl_stalled) {
			lc->ctl_stalled = 0;
			__atomic_store_n(&g_app.control_stalled, 0, __ATOMIC_RELAXED);
		}
	} else if (!lc->ctl_stalled && tsc - lc->ctl_hb_tsc > g_app.tsc_hz) {
		lc->ctl_stalled = 1;
		__atomic_store_n(&g_app.control_stalled, 1, __ATOMIC_RELAXED);
		DNSF_STAT_INC(&lc->app, control_stalls);
	}
}

int
dnsf_worker_main(void *arg)
{
	struct dnsf_lcore *lc = arg;
	const struct dnsf_app *app = &g_app;
	struct rte_mbuf *pkts[DNSF_APP_MAX_BURST];
	const uint16_t burst = app->cfg->burst;
	uint64_t drain_tsc = app->tsc_hz * app->cfg->tx_drain_us / 1000000u;
	const uint64_t idle_tsc = app->tsc_hz * REPLAY_IDLE_US / 1000000u;
	uint64_t last_drain, last_rx, top_next;
	unsigned empty = 0, loops = 0;

	if (drain_tsc == 0)
		drain_tsc = 1;
	/* List reload (dnsf_reload.c): registered by control before launch; NULL in benchmarks. */
	if (app->qsbr != NULL)
		rte_rcu_qsbr_thread_online(app->qsbr, lc->idx);
	last_drain = last_rx = top_next = lc->ctl_hb_tsc = rte_rdtsc();
	lc->ctl_hb_seen = __atomic_load_n(&g_app.ctl_heartbeat, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&g_app.quit, __ATOMIC_RELAXED)) {
		const uint64_t tsc = rte_rdtsc();
		int got = 0;
		uint16_t r;

		__atomic_store_n(&lc->heartbeat, lc->heartbeat + 1, __ATOMIC_RELAXED);
		if (lc->idx == 0 && (++loops & (CONTROL_CHECK_LOOPS - 1)) == 0)
			control_check(lc, tsc);
#ifdef DNSF_TEST_HOOKS
		dnsf_testhook_stall(&g_app, lc->idx, tsc);
#endif
		/* Between bursts this worker holds no lists pointer: replaced lists may go. */
		if (app->qsbr != NULL)
			rte_rcu_qsbr_quiescent(app->qsbr, lc->idx);
		if (tsc - last_drain > drain_tsc) {
			flush_all(lc);
			last_drain = tsc;
		}
		/* Between bursts, not per packet: one compare until a pass is due. */
		if (unlikely(tsc >= top_next) && dnsf_worker_top_step(&lc->w, TOP_SLICE))
			top_next = tsc + app->tsc_hz;
		for (r = 0; r < lc->n_rxq; r++) {
			const struct dnsf_rxq *q = &lc->rxq[r];
			uint16_t n = rte_eth_rx_burst(q->port_id, q->queue, pkts, burst);

			if (n == 0)
				continue;
			got = 1;
			DNSF_STAT_ADD(&lc->w.stats, rx_packets, n);
			process_burst(lc, q->app_port, pkts, n, dnsf_app_now_us(app, tsc));
		}
		if (app->replay) {
			if (got) {
				last_rx = tsc;
				empty = 0;
			} else if (++empty >= REPLAY_IDLE_POLLS && tsc - last_rx > idle_tsc) {
				break;
			}
		}
	}
	flush_all(lc);
	/* The last word on the top list: every flow as of the last packet (a replay's result). */
	dnsf_worker_top_flush(&lc->w);
	if (app->qsbr != NULL)
		rte_rcu_qsbr_thread_offline(app->qsbr, lc->idx);
	__atomic_store_n(&lc->done, 1, __ATOMIC_RELEASE);
	return 0;
}
