/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_top — the top suspicious flows of one worker, by score and by information volume, and
 * how they reach the control side without a lock.
 *
 * Contract:
 *  - Flow labels: a side array parallel to the flow table (slot i of the table <-> label i),
 *    64 B each, holding what the 64-B flow entry has no room for: the client address, the
 *    registered domain (first DNSF_TOP_NAME bytes) and the highest score a message of the flow
 *    reached. Written by the owning worker only: whole when a slot gets a new flow, the scores
 *    when a message scores at least the suspicious points (ordinary traffic never touches it).
 *  - Scan: the owner walks its flow table a bounded slice at a time (dnsf_top_scan_step), so
 *    a pass never stalls the data path, and keeps the DNSF_TOP_K best flows of the pass by score
 *    and by information estimate in its private working snapshot. Flows evicted before the scan
 *    reaches their slot are simply not seen; a slot reused by another flow shows the new one.
 *  - Order (dnsf_top_cmp): by score: score, then information, then most recently seen, then
 *    flow key; by information: information, then score, then the same. Total and deterministic.
 *  - Publication: a seqlock. The worker (single writer) publishes a finished pass with
 *    dnsf_top_publish, never waiting; readers (telemetry thread) copy it with dnsf_top_read and
 *    retry when a publication overlapped. All shared words are accessed with relaxed atomics and
 *    ordered by the sequence number's fences, so the copy is race-free under the C11 model.
 *  - Merge (control side): dnsf_top_merge orders the entries of several workers' snapshots.
 * No allocation, no floating point, no EAL.
 */
#ifndef DNSF_TOP_H
#define DNSF_TOP_H

#include <assert.h>
#include <stdint.h>

#include "dnsf_flow.h"

#define DNSF_TOP_K    16 /* entries per list and worker */
#define DNSF_TOP_NAME 40 /* registered-domain bytes a label keeps (longer ones are cut) */

enum dnsf_top_by { DNSF_TOP_BY_SCORE = 0, DNSF_TOP_BY_INFO = 1 };

/* Identity and peak scores of the flow in the same slot of the flow table. Owner only. */
struct dnsf_flow_label {
	uint8_t client[16]; /* client address (IPv4 in the first 4 bytes) */
	int16_t max_score;  /* highest rule score recorded (0: none reached suspicious points) */
	int16_t max_model;  /* highest model score recorded, -1: none */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t name_len;   /* bytes of name[] used */
	uint8_t name_cut;   /* 1: the registered domain was longer than DNSF_TOP_NAME */
	uint8_t pad;
	char name[DNSF_TOP_NAME]; /* registered domain as on the wire (not NUL-terminated) */
};
static_assert(sizeof(struct dnsf_flow_label) == 64, "one cache line per label");

/* Set a slot's label for a new flow. */
void dnsf_flow_label_set(struct dnsf_flow_label *l, const uint8_t client[16], uint8_t ip_version,
                         const char *regdomain, unsigned len);
/* Record a message's scores (keeps the maxima; model < 0: no model score). */
static inline void
dnsf_flow_label_score(struct dnsf_flow_label *l, int32_t score, int32_t model)
{
	if (score > l->max_score)
		l->max_score = (int16_t)(score > INT16_MAX ? INT16_MAX : score);
	if (model > l->max_model)
		l->max_model = (int16_t)(model > INT16_MAX ? INT16_MAX : model);
}

/* One flow as published. Every field is a copy taken by the owner during a pass. */
struct dnsf_top_ent {
	uint64_t key;          /* flow key (hash of client and registered domain) */
	uint64_t last_us;      /* last packet */
	uint32_t first_s;      /* first packet, seconds since the epoch */
	uint32_t hold_until_s; /* verdict hold until (0: never held) */
	uint32_t info;         /* information estimate over the flow window, bytes: the larger of
	                          the all-names and suspicious-names estimates */
	uint32_t susp_info;    /* ... of suspicious subdomains */
	uint32_t distinct;     /* distinct-subdomain estimate over the flow window */
	uint32_t queries;      /* query count (halved with its ratios when it saturates) */
	int16_t score;         /* label max_score */
	int16_t model_score;   /* label max_model */
	uint8_t ip_version;
	uint8_t name_len;
	uint8_t name_cut;
	uint8_t pad;
	uint8_t client[16];
	char name[DNSF_TOP_NAME]; /* not NUL-terminated: name_len bytes */
};
static_assert(sizeof(struct dnsf_top_ent) % 8 == 0, "copied as 64-bit words");

/* A finished pass of one worker. */
struct dnsf_top_snap {
	uint64_t pass;   /* passes completed by this worker (0: nothing published yet) */
	uint64_t now_us; /* packet time the estimates were read at */
	uint32_t live;   /* slots in use the pass found */
	uint32_t active; /* ... whose flow was seen within the flow window */
	uint32_t held;   /* ... under a running verdict hold */
	uint8_t n[2];    /* entries in by[DNSF_TOP_BY_SCORE], by[DNSF_TOP_BY_INFO] */
	uint8_t pad[2];
	struct dnsf_top_ent by[2][DNSF_TOP_K]; /* best first */
};
static_assert(sizeof(struct dnsf_top_snap) % 8 == 0, "copied as 64-bit words");

/* The worker's incremental scan (owner only). */
struct dnsf_top_scan {
	uint32_t pos;     /* next slot to read */
	uint8_t running;  /* a pass is under way */
	uint64_t next_us; /* pacing clock: when the next pass may start */
	uint64_t passes;  /* passes completed */
	struct dnsf_top_snap work;
};

/* Shared buffer: one writer (the worker), any number of readers. */
struct dnsf_top_pub {
	uint64_t seq; /* written by the worker (odd while publishing), read by readers */
	struct dnsf_top_snap snap; /* written by the worker inside seq, copied by readers */
};

/* Total order of `by` (negative: a before b). */
int dnsf_top_cmp(const struct dnsf_top_ent *a, const struct dnsf_top_ent *b, int by);

/* Offer an entry to a best-first list of *n <= DNSF_TOP_K entries; keeps the K best. */
void dnsf_top_offer(struct dnsf_top_ent *list, uint8_t *n, const struct dnsf_top_ent *e, int by);

/* Start a pass (clears the working snapshot). */
void dnsf_top_scan_begin(struct dnsf_top_scan *s);
/*
 * Read up to `budget` slots of the flow table from where the pass stands, at packet time now_us
 * with the flow window win_s. Returns 1 when the pass has read the last slot: s->work is then
 * complete (pass number and time set) and the pass is over; 0 otherwise.
 */
int dnsf_top_scan_step(struct dnsf_top_scan *s, const struct dnsf_tab *flows,
                       const struct dnsf_flow_label *labels, uint64_t now_us, uint32_t win_s,
                       uint32_t budget);

/* Writer side: publish a snapshot (never waits). */
void dnsf_top_publish(struct dnsf_top_pub *p, const struct dnsf_top_snap *s);
/* Reader side: copy the last published snapshot. 0, or -1 when every try overlapped a
 * publication (a writer publishing continuously); out is then unspecified. */
int dnsf_top_read(const struct dnsf_top_pub *p, struct dnsf_top_snap *out);

/* A merged entry: which worker's snapshot it came from. */
struct dnsf_top_ref {
	const struct dnsf_top_ent *e;
	uint16_t worker;
};
/* The best `max` entries of list `by` over n snapshots (snaps[i] is worker i), best first;
 * equal entries keep worker order. Returns the count written to out. */
unsigned dnsf_top_merge(const struct dnsf_top_snap *snaps, unsigned n, int by, unsigned max,
                        struct dnsf_top_ref *out);

#endif
