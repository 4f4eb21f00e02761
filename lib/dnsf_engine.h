/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_engine — the per-packet decision, shared by the dataplane, the replay, the trainer, the
 * evaluator and the benchmarks (one implementation, no train/serve skew).
 *
 * Two objects:
 *  - struct dnsf_engine: read-only after dnsf_engine_create(); built by the control side from a
 *    validated config (allow/deny lists, public suffix list, model, thresholds). Workers only
 *    read it. A new engine is built whole and swapped (RCU), never patched under a worker.
 *  - struct dnsf_worker: one per worker lcore, written only by that lcore: flow and domain tables,
 *    counters. No locks, no atomics other than relaxed counter stores.
 *
 * dnsf_worker_process() decides one frame: it parses, looks up lists and flow state, scores, and
 * returns the action. For DNSF_ACT_REFUSE it has rewritten the frame in place into the answer
 * to send back out of the port the query came in on (v->out_len bytes). When v->has_event is set,
 * *ev holds an event for the control core. `now_us` is packet time in microseconds (pcap
 * timestamps in replay, TSC-derived live) so replays are deterministic.
 */
#ifndef DNSF_ENGINE_H
#define DNSF_ENGINE_H

#include <stdint.h>
#include <stddef.h>

#include "dnsf_config.h"
#include "dnsf_event.h"
#include "dnsf_pkt.h"
#include "dnsf_stats.h"
#include "dnsf_top.h"

struct dnsf_engine;
struct dnsf_worker_state; /* flow/domain tables, private to the detection modules */
struct dnsf_detect_out;   /* dnsf_detect.h */

struct dnsf_verdict {
	uint8_t action;    /* enum dnsf_action the dataplane carries out: PASS, DROP, REFUSE */
	uint8_t would;     /* the blocking action decided before monitor/log turned it into PASS */
	uint8_t reason;    /* enum dnsf_reason */
	uint8_t cls;       /* enum dnsf_pkt_class */
	uint8_t has_event; /* *ev was filled */
	/* REFUSE: length of the answer. PASS with rewritten: the frame's new length when hardening
	 * truncated an answer (the dataplane must trim to it), 0 when the length did not change. */
	uint16_t out_len;
	/* PASS: hardening changed the frame in place (0x20 case, EDNS size, truncation); a
	 * dataplane that decided on a copy (chained mbufs) must send the copy. */
	uint8_t rewritten;
	int32_t score;       /* rule score, -1 when not scored */
	int32_t model_score; /* model score, -1 when no model */
};

struct dnsf_worker {
	const struct dnsf_engine *eng; /* read-only, owned by control */
	struct dnsf_worker_state *st;  /* owned and written by this worker only */
	/* Written by this worker, read by control (relaxed) through dnsf_worker_stats_read(),
	 * which adds the five counters the flow and domain tables keep themselves (dnsf_stats.h;
	 * always 0 here). */
	struct dnsf_worker_stats stats;
	uint16_t id;
	/* Offline tools only (the trainer), NULL in the dataplane: when set, every DNS message that
	 * reaches the detector leaves the detector's output here (features, scores, verdict), so
	 * training sees exactly what the engine sees. Messages that do not reach the detector
	 * (non-DNS, malformed, allow- or deny-listed) leave it untouched. Set by the tool. */
	struct dnsf_detect_out *tap;
	/* The top list (dnsf_top.h): written by this worker (dnsf_worker_top_step publishes a
	 * finished pass, about once a second), read by control/telemetry (dnsf_worker_top_read). */
	struct dnsf_top_pub top;
};

int dnsf_engine_create(const struct dnsf_config *cfg, struct dnsf_engine **out, char *err,
                       size_t errlen);
void dnsf_engine_free(struct dnsf_engine *eng);
const struct dnsf_config *dnsf_engine_config(const struct dnsf_engine *eng);
/*
 * Live list reload (docs/architecture.md, "RCU"). The engine references its allow/deny lists
 * through one pointer; the control side installs new lists (built with dnsf_lists_load) and gets
 * the old ones back. It must not free them before every worker has passed a quiescent state
 * (finished the packet it was deciding). Control side only; one swapper at a time.
 */
struct dnsf_lists;
struct dnsf_lists *dnsf_engine_swap_lists(struct dnsf_engine *eng, struct dnsf_lists *lists);
/* The lists in force (control side: valid until the caller itself swaps them out). */
const struct dnsf_lists *dnsf_engine_lists(const struct dnsf_engine *eng);

/* "" or a one-line warning the caller should log (e.g. an optional model that did not load). */
const char *dnsf_engine_warning(const struct dnsf_engine *eng);

/* Allocates the worker's tables (sizes from the config). Returns 0 or -1 with err. */
int dnsf_worker_init(struct dnsf_worker *w, const struct dnsf_engine *eng, uint16_t id, char *err,
                     size_t errlen);
void dnsf_worker_fini(struct dnsf_worker *w);

/* Decide one frame. `room` is the writable size of the frame buffer (>= len). */
void dnsf_worker_process(struct dnsf_worker *w, uint8_t *frame, uint32_t len, uint32_t room,
                         uint64_t now_us, struct dnsf_verdict *v, struct dnsf_event *ev);

/*
 * The same decision for a burst, in two phases, so that the flow- and domain-table misses of a
 * burst overlap instead of following one another (docs/performance-history.md, "Two-phase bursts
 * and huge pages"):
 *  1. dnsf_worker_prepare(w, slot, frame, len) for every frame of the burst: parse, suffix
 *     hashes, PSL split, table keys, and a prefetch of both buckets. Reads the frame only and
 *     no table state; slot = position in the burst, 0 .. DNSF_BURST_MAX - 1.
 *  2. dnsf_worker_decide(w, slot, ...) for every frame, in order: exactly what
 *     dnsf_worker_process() would do with that frame at that point (same verdict, state,
 *     counters, event, rewritten bytes; packets of one flow update it in order).
 * Between its prepare and its decide a frame must not change, and the frames of one burst must
 * be distinct buffers (an earlier decide may rewrite its frame). A slot holds until it is
 * prepared again. dnsf_worker_process_burst() does both phases over n frames (any n, taken
 * DNSF_BURST_MAX at a time); v[i] and ev[i] are frame i's verdict and event.
 */
#define DNSF_BURST_MAX 32 /* a power of two */

struct dnsf_burst_pkt {
	uint8_t *frame;
	uint32_t len, room;
	uint64_t now_us;
};

void dnsf_worker_prepare(struct dnsf_worker *w, unsigned slot, const uint8_t *frame, uint32_t len);
void dnsf_worker_decide(struct dnsf_worker *w, unsigned slot, uint8_t *frame, uint32_t len,
                        uint32_t room, uint64_t now_us, struct dnsf_verdict *v,
                        struct dnsf_event *ev);
void dnsf_worker_process_burst(struct dnsf_worker *w, const struct dnsf_burst_pkt *pk, unsigned n,
                               struct dnsf_verdict *v, struct dnsf_event *ev);

/*
 * Top list upkeep, called by the worker between bursts, never per packet: reads the next
 * `budget` slots of its flow table (dnsf_top.h) at the time of its last packet and, when that
 * finishes a pass, publishes it. Returns 1 when a pass was published (or detection is off:
 * nothing to do), 0 when the pass goes on (call again). The caller paces the passes (the
 * dataplane: one a second of TSC time).
 */
int dnsf_worker_top_step(struct dnsf_worker *w, uint32_t budget);
/* A whole fresh pass at once, published (end of a replay: the last packet's view). */
void dnsf_worker_top_flush(struct dnsf_worker *w);
/* Control side: the last published pass (pass 0: none yet). 0, or -1 when a publication kept
 * overlapping the copy (try again later). */
int dnsf_worker_top_read(const struct dnsf_worker *w, struct dnsf_top_snap *out);
/* Any thread: the worker's counters (relaxed reads): w->stats, with the ones the flow and domain
 * tables keep filled in from the tables (dnsf_stats.h). */
void dnsf_worker_stats_read(const struct dnsf_worker *w, struct dnsf_worker_stats *out);
/* Control side: flow and domain table counters (relaxed reads). 0, or -1 when detection is
 * off (no tables; *flows and *doms zeroed). */
int dnsf_worker_tables(const struct dnsf_worker *w, struct dnsf_tab_counters *flows,
                       struct dnsf_tab_counters *doms);

#endif
