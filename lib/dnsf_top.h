/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_top — the top suspicious flows of one worker, by score and by information volume, and
 * how they reach the control side without a lock.
 *
 * Contract:
 *  - Labels: what the 64-B flow entry has no room for — the client address, the registered
 *    domain (first DNSF_TOP_NAME bytes) and the peak scores — kept only for flows that can reach
 *    the top list, in a fixed-size store per worker (struct dnsf_labels, detection.top_labels
 *    entries, independent of the flow table's size): 4-way set-associative, keyed by the flow
 *    key, 80 B per label (a 64-B label line and a quarter of its bucket's line). Written by the
 *    owning worker only, through dnsf_labels_note, when a flow is notable (the detector: a
 *    message scoring at least the suspicious points, a rule or model hit) or is a candidate for
 *    the by-information list (its information estimate reached the bar), and for every new flow
 *    while the flow table holds no more flows than the store has labels (dnsf_detect.h); in a
 *    bigger table ordinary flows never touch it. A flow's label is found again by its key (a
 *    flow that left the flow table and came back finds its old label). Key 0 is never labelled
 *    (a 2^-64 event).
 *  - Replacement, bounded and deterministic: a new label takes a free way of its bucket, else the
 *    way whose flow was least notable — stale ways first (no note for a flow window), then the
 *    lowest peak rule score, then the least recently noted, then the lowest way — but never a
 *    fresh way with a higher peak score than the newcomer's message: then the newcomer goes
 *    unlabelled (counted: refused) and tries again at its next note. Under a flood of notable
 *    flows the store keeps the highest-scoring ones of each bucket and the newest among equals.
 *  - Missing label: a flow the scan finds without a label (ordinary, refused or replaced) is
 *    still ranked and shown, from its entry alone: key and counters, peak scores 0 / -1, no
 *    client and no name, labelled 0.
 *  - Scan: the owner walks its flow table a bounded slice at a time (dnsf_top_scan_step), so
 *    a pass never stalls the data path, looks each live flow's label up by its key, and keeps the
 *    DNSF_TOP_K best flows of the pass by score and by information estimate in its private
 *    working snapshot. Flows evicted before the scan reaches their slot are simply not seen; a
 *    slot reused by another flow shows the new one. A finished pass leaves info_bar, the
 *    information a flow needs to enter the by-information list (the K-th entry's, 0 while the
 *    list is not full), for the detector's labelling bar.
 *  - Order (dnsf_top_cmp): by score: score, then information, then most recently seen, then
 *    flow key; by information: information, then score, then the same. Total and deterministic.
 *  - Publication: a seqlock. The worker (single writer) publishes a finished pass with
 *    dnsf_top_publish, never waiting; readers (telemetry thread) copy it with dnsf_top_read and
 *    retry when a publication overlapped. All shared words are accessed with relaxed atomics and
 *    ordered by the sequence number's fences, so the copy is race-free under the C11 model.
 *  - Merge (control side): dnsf_top_merge orders the entries of several workers' snapshots.
 * No floating point, no EAL; memory only in dnsf_labels_init.
 */
#ifndef DNSF_TOP_H
#define DNSF_TOP_H

#include <assert.h>
#include <stdint.h>

#include "dnsf_flow.h"

#define DNSF_TOP_K    16 /* entries per list and worker */
#define DNSF_TOP_NAME 40 /* registered-domain bytes a label keeps (longer ones are cut) */

enum dnsf_top_by { DNSF_TOP_BY_SCORE = 0, DNSF_TOP_BY_INFO = 1 };

/* Who and what of a labelled flow (its peak scores sit in the bucket line). Owner only. */
struct dnsf_flow_label {
	uint8_t client[16]; /* client address (IPv4 in the first 4 bytes) */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t name_len;   /* bytes of name[] used */
	uint8_t name_cut;   /* 1: the registered domain was longer than DNSF_TOP_NAME */
	uint8_t pad[5];
	char name[DNSF_TOP_NAME]; /* registered domain as on the wire (not NUL-terminated) */
};
static_assert(sizeof(struct dnsf_flow_label) == 64, "one cache line per label");

#define DNSF_LABEL_WAYS 4

/* One bucket's keys and what the replacement decides on: one line, read by every look-up. */
struct dnsf_label_bucket {
	uint64_t key[DNSF_LABEL_WAYS];      /* flow key, 0: free way */
	uint32_t noted_s[DNSF_LABEL_WAYS];  /* last note, packet seconds */
	int16_t max_score[DNSF_LABEL_WAYS]; /* highest rule score recorded (0: none) */
	int16_t max_model[DNSF_LABEL_WAYS]; /* highest model score recorded, -1: none */
};
static_assert(sizeof(struct dnsf_label_bucket) == 64, "one cache line per bucket");
/* Memory of one label: its line and its share of the bucket's line. */
#define DNSF_LABEL_BYTES                                                                           \
	(sizeof(struct dnsf_flow_label) + sizeof(struct dnsf_label_bucket) / DNSF_LABEL_WAYS)

/* A worker's label store. Written by the owner only; the counters reach the control side in the
 * top-list snapshot (struct dnsf_top_snap), never read here by another thread. */
struct dnsf_labels {
	struct dnsf_label_bucket *b; /* entries / DNSF_LABEL_WAYS */
	struct dnsf_flow_label *l;   /* entries; way w of bucket i is l[i * WAYS + w] */
	uint32_t entries, bucket_mask;
	uint64_t used;     /* ways holding a label */
	uint64_t inserts;  /* labels written for a flow that had none */
	uint64_t replaced; /* ... of them into a way that held another flow's label */
	uint64_t refused;  /* notes that found no way they could take (every way fresher and
	                      higher-scoring): the flow stays unlabelled for now */
};

/* 0, or -1 when entries is not a power of two >= DNSF_LABEL_WAYS or memory fails. The store is
 * touched at once (the fast path never faults a page in). */
int dnsf_labels_init(struct dnsf_labels *s, uint32_t entries);
void dnsf_labels_fini(struct dnsf_labels *s);
/*
 * Note a flow at packet second now_s: its label is found or written (client, name), its peak
 * scores raised to score / model (score <= 0 and model < 0 record nothing: a flow noted only
 * for its information) and its note time set. A way not noted for stale_s seconds is stale.
 */
void dnsf_labels_note(struct dnsf_labels *s, uint64_t key, uint32_t now_s, uint32_t stale_s,
                      const uint8_t client[16], uint8_t ip_version, const char *regdomain,
                      unsigned len, int32_t score, int32_t model);
/* The bucket of a key: both halves, so neither keys that share a flow-table bucket (low bits)
 * nor small keys (high bits 0) crowd into one. */
static inline uint32_t
dnsf_labels_bucket(const struct dnsf_labels *s, uint64_t key)
{
	return (uint32_t)(key ^ key >> 32) & s->bucket_mask;
}

/* Index of key's label (into s->l; bucket index / DNSF_LABEL_WAYS, way index % WAYS), or -1. */
static inline int64_t
dnsf_labels_find(const struct dnsf_labels *s, uint64_t key)
{
	const uint32_t bi = dnsf_labels_bucket(s, key);
	const struct dnsf_label_bucket *b = &s->b[bi];

	if (key == 0)
		return -1;
	for (unsigned w = 0; w < DNSF_LABEL_WAYS; w++)
		if (b->key[w] == key)
			return (int64_t)bi * DNSF_LABEL_WAYS + w;
	return -1;
}

/* The information a flow is ranked by (struct dnsf_top_ent info): the larger of its all-names
 * and suspicious-names estimates. The all-names bitmap (32 bits) saturates before the
 * suspicious one (64 bits), and the suspicious names are a subset of all names, so the larger
 * reading is the better one. The scan ranks by it, the detector's label bar compares with it. */
static inline uint32_t
dnsf_top_info(uint32_t info, uint32_t susp_info)
{
	return info > susp_info ? info : susp_info;
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
	int16_t score;         /* peak rule score of the label, 0 without one */
	int16_t model_score;   /* peak model score of the label, -1 without one */
	uint8_t ip_version;    /* 0 without a label */
	uint8_t name_len;
	uint8_t name_cut;
	uint8_t labelled; /* 1: client, name and peak scores come from the flow's label; 0: the
	                     flow has none (ordinary, or its label was refused or replaced) */
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
	/* The label store at the end of the pass (struct dnsf_labels). */
	uint32_t labels_cap, labels_used;
	uint64_t label_inserts, label_replaced, label_refused;
	struct dnsf_top_ent by[2][DNSF_TOP_K]; /* best first */
};
static_assert(sizeof(struct dnsf_top_snap) % 8 == 0, "copied as 64-bit words");

/* The worker's incremental scan (owner only). */
struct dnsf_top_scan {
	uint32_t pos;      /* next slot to read */
	uint8_t running;   /* a pass is under way */
	uint64_t next_us;  /* pacing clock: when the next pass may start */
	uint64_t passes;   /* passes completed */
	uint32_t info_bar; /* info of the last pass's K-th by-information entry, 0 when it had
	                      fewer (valid once passes > 0) */
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
 * with the flow window win_s, each live flow's label looked up in `labels`. Returns 1 when the pass
 * has read the last slot: s->work is then complete (pass number and time set) and the pass is over;
 * 0 otherwise.
 */
int dnsf_top_scan_step(struct dnsf_top_scan *s, const struct dnsf_tab *flows,
                       const struct dnsf_labels *labels, uint64_t now_us, uint32_t win_s,
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
