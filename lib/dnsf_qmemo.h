/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_qmemo — one worker's memo of the work derived from a question name alone: suffix hashes,
 * registered-domain split, allow/deny list results, the name part of the message features.
 * A response repeats its query's name microseconds later and popular names repeat all day, so
 * most DNS messages find their name here and skip that work (docs/performance-history.md, "Name
 * memo").
 *
 * Contract:
 *  - The key is the question name's exact wire octets (case included, so every case-dependent
 *    feature stays exact), compared in full on every look-up: a hash only picks the slot, a
 *    collision costs a miss, never a wrong result. Names longer than DNSF_QMEMO_KEY_MAX octets
 *    or with more than DNSF_QMEMO_LABELS labels are not held (they are computed every time).
 *  - Direct-mapped, DNSF_QMEMO_ENTRIES fixed slots inside the struct: bounded memory, no
 *    allocation, O(name length) per look-up. A fill overwrites the slot and gives it a new
 *    stamp, so a holder of a slot (a burst's first phase) can tell whether it still holds its
 *    name (dnsf_qmemo_held).
 *  - What the entry holds is filled by the caller and flagged in `have`; what depends on
 *    something besides the name records it (list results: the lists' generation).
 *  - It pays only when names repeat (a look-up and fill cost about a quarter of what a hit
 *    saves). dnsf_qmemo_use() switches it off while they do not: after a probe of
 *    DNSF_QMEMO_PROBE look-ups with fewer than 1 in DNSF_QMEMO_MIN_HIT_1IN hits, the next
 *    DNSF_QMEMO_PAUSE names skip it (nothing looked up, nothing filled), then it probes again.
 *    A flood of unique names thus pays 1/16 of the memo's cost.
 *  - One worker's private state (no locks, no atomics); all zero is a valid empty memo.
 */
#ifndef DNSF_QMEMO_H
#define DNSF_QMEMO_H

#include <stdint.h>
#include <string.h>

#include "dnsf_dns.h"
#include "dnsf_features.h"

#define DNSF_QMEMO_ENTRIES     4096        /* power of two */
#define DNSF_QMEMO_KEY_MAX     64          /* wire octets of the longest name held */
#define DNSF_QMEMO_LABELS      10          /* labels of the longest name held */
#define DNSF_QMEMO_PROBE       1024        /* look-ups per probe */
#define DNSF_QMEMO_MIN_HIT_1IN 4           /* a probe keeps the memo on with >= 1/4 hits */
#define DNSF_QMEMO_PAUSE       (15 * 1024) /* names that skip the memo after a failed probe */

enum {
	DNSF_QM_LISTS = 2, /* allow, deny, for lists_gen */
	DNSF_QM_QFEAT = 4, /* q: dnsf_qfeat of a message with this name (name part reused) */
};

struct dnsf_qmemo_ent {
	uint32_t tag;   /* key hash | 1; 0 = empty slot */
	uint32_t stamp; /* set at each fill (never 0) */
	uint8_t key_len;
	uint8_t nlabels;
	uint8_t have;       /* DNSF_QM_* */
	int8_t allow, deny; /* dnsf_suffix_set_match() results */
	uint32_t split;
	uint64_t lists_gen;
	uint64_t h[DNSF_QMEMO_LABELS + 1];
	struct dnsf_qfeat q;
	/* The key's words but the last, then its last word (dnsf_qmemo_last_) at
	 * key[DNSF_QMEMO_KEY_MAX]. */
	uint8_t key[DNSF_QMEMO_KEY_MAX + 8];
};

struct dnsf_qmemo {
	uint32_t stamp;                 /* last stamp handed out */
	uint32_t pend_tag;              /* tag of the last key dnsf_qmemo_find() missed */
	uint64_t hits, misses, skipped; /* look-ups found / not found / names not held */
	uint64_t pauses;                /* pauses begun (their names: dnsf_qmemo_paused) */
	uint32_t probe_n, probe_hits;   /* look-ups and hits of the running probe */
	uint32_t pause_left;            /* names still to skip */
	struct dnsf_qmemo_ent ent[DNSF_QMEMO_ENTRIES];
};

/* A burst slot's hold on an entry: index + stamp; idx < 0 means none. */
struct dnsf_qmemo_ref {
	int32_t idx;
	uint32_t stamp;
};

/* Whether a name of this wire length and label count can be held. */
static inline int
dnsf_qmemo_fits(unsigned key_len, unsigned nlabels)
{
	return key_len >= 3 && key_len <= DNSF_QMEMO_KEY_MAX && nlabels <= DNSF_QMEMO_LABELS;
}

/*
 * Keys are read and copied in 8-byte words, the last one overlapping the one before (no
 * variable-length copy); a key of 3..7 octets is read as two overlapping 4-octet words (or
 * 2 + 1 octets), so no read leaves the key.
 */
static inline uint64_t
dnsf_qmemo_word_(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* The last word of a key of len >= 3 octets: its final min(len, 8) octets, zero above. */
static inline uint64_t
dnsf_qmemo_last_(const uint8_t *key, unsigned len)
{
	uint32_t a, b;
	uint16_t c;

	if (len >= 8)
		return dnsf_qmemo_word_(key + len - 8);
	if (len >= 4) {
		/* Overlapping octets are the same octets at the same places: OR keeps them. */
		memcpy(&a, key, 4);
		memcpy(&b, key + len - 4, 4);
		return (uint64_t)a | (uint64_t)b << (8 * (len - 4));
	}
	memcpy(&c, key, 2);
	return (uint64_t)c | (uint64_t)key[2] << 16;
}

/* Hash of the key (picks the slot; no security property needed: a full compare follows).
 * Constant time: the first, middle and last words (all of a key up to 24 octets; longer keys
 * that differ only elsewhere share a slot, which costs hits, never correctness). */
static inline uint32_t
dnsf_qmemo_hash(const uint8_t *key, unsigned len)
{
	const uint64_t a = dnsf_qmemo_last_(key, len < 8 ? len : 8);
	const uint64_t b = len > 16 ? dnsf_qmemo_word_(key + (len - 8) / 2) : 0;
	uint64_t x = (a ^ (UINT64_C(0x9e3779b97f4a7c15) * len)) * UINT64_C(0xbf58476d1ce4e5b9);

	x = (x ^ (x >> 29) ^ b) * UINT64_C(0x94d049bb133111eb);
	x = (x ^ (x >> 32) ^ dnsf_qmemo_last_(key, len)) * UINT64_C(0xbf58476d1ce4e5b9);
	return (uint32_t)(x >> 32);
}

/* Whether stored key k (len octets, stored whole words: see dnsf_qmemo_fill) equals key. */
static inline int
dnsf_qmemo_same_(const uint8_t *k, const uint8_t *key, unsigned len)
{
	uint64_t d = 0;
	unsigned i = 0;

	for (; i + 8 < len && i + 8 <= DNSF_QMEMO_KEY_MAX; i += 8)
		d |= dnsf_qmemo_word_(k + i) ^ dnsf_qmemo_word_(key + i);
	return (d | (dnsf_qmemo_word_(k + DNSF_QMEMO_KEY_MAX) ^ dnsf_qmemo_last_(key, len))) == 0;
}

/*
 * Look the key up. Returns the entry holding exactly this key, or NULL: then *fill is the entry
 * dnsf_qmemo_fill() would (re)use. Names that do not fit return NULL with *fill NULL.
 */
static inline struct dnsf_qmemo_ent *
dnsf_qmemo_find(struct dnsf_qmemo *mm, const uint8_t *key, unsigned len, unsigned nlabels,
                struct dnsf_qmemo_ent **fill)
{
	if (!dnsf_qmemo_fits(len, nlabels)) {
		mm->skipped++;
		*fill = NULL;
		return NULL;
	}
	if (++mm->probe_n == DNSF_QMEMO_PROBE) {
		if (mm->probe_hits * DNSF_QMEMO_MIN_HIT_1IN < DNSF_QMEMO_PROBE) {
			mm->pause_left = DNSF_QMEMO_PAUSE;
			mm->pauses++;
		}
		mm->probe_n = 0;
		mm->probe_hits = 0;
	}
	const uint32_t hs = dnsf_qmemo_hash(key, len);
	struct dnsf_qmemo_ent *e = &mm->ent[hs & (DNSF_QMEMO_ENTRIES - 1)];

	if (e->tag == (hs | 1) && e->key_len == len && dnsf_qmemo_same_(e->key, key, len)) {
		mm->hits++;
		mm->probe_hits++;
		*fill = NULL;
		return e;
	}
	mm->misses++;
	mm->pend_tag = hs | 1;
	*fill = e;
	return NULL;
}

/* Take over the entry the last dnsf_qmemo_find() gave for its key (`len` octets, `nlabels`
 * labels; no other find in between): empty of results (have 0; the caller sets h and split), new
 * stamp. */
static inline void
dnsf_qmemo_fill(struct dnsf_qmemo *mm, struct dnsf_qmemo_ent *e, const uint8_t *key, unsigned len,
                unsigned nlabels)
{
	/* (len <= DNSF_QMEMO_KEY_MAX: dnsf_qmemo_find; the bound is for the compiler.) */
	for (unsigned i = 0; i + 8 < len && i + 8 <= DNSF_QMEMO_KEY_MAX; i += 8)
		memcpy(e->key + i, key + i, 8);
	{
		/* The last word goes to its own place after the key area (dnsf_qmemo_same_). */
		const uint64_t w = dnsf_qmemo_last_(key, len);
		memcpy(e->key + DNSF_QMEMO_KEY_MAX, &w, 8);
	}
	e->key_len = (uint8_t)len;
	e->nlabels = (uint8_t)nlabels;
	e->tag = mm->pend_tag;
	e->have = 0;
	if (++mm->stamp == 0)
		mm->stamp = 1;
	e->stamp = mm->stamp;
}

/* The entry a ref still holds (same fill), or NULL. */
static inline struct dnsf_qmemo_ent *
dnsf_qmemo_held(struct dnsf_qmemo *mm, struct dnsf_qmemo_ref r)
{
	if (r.idx < 0)
		return NULL;
	struct dnsf_qmemo_ent *e = &mm->ent[r.idx];
	return e->stamp == r.stamp && e->tag != 0 ? e : NULL;
}

static inline struct dnsf_qmemo_ref
dnsf_qmemo_ref_of(const struct dnsf_qmemo *mm, const struct dnsf_qmemo_ent *e)
{
	struct dnsf_qmemo_ref r = {-1, 0};

	if (e != NULL) {
		r.idx = (int32_t)(e - mm->ent);
		r.stamp = e->stamp;
	}
	return r;
}

/* Whether to use the memo for the next name (0: work it out without, nothing to look up). */
static inline int
dnsf_qmemo_use(struct dnsf_qmemo *mm)
{
	if (__builtin_expect(mm->pause_left == 0, 1))
		return 1;
	mm->pause_left--;
	return 0;
}

/* Names that skipped the memo (dnsf_qmemo_use returned 0): a pause begins only in a look-up,
 * made when dnsf_qmemo_use returned 1 (no pause running), and runs its DNSF_QMEMO_PAUSE names
 * to the end, one per decrement of pause_left. So they are counted here, not one by one on the
 * path every such name takes. */
static inline uint64_t
dnsf_qmemo_paused(const struct dnsf_qmemo *mm)
{
	return mm->pauses * DNSF_QMEMO_PAUSE - mm->pause_left;
}

/* Forget everything (all slots empty). */
static inline void
dnsf_qmemo_clear(struct dnsf_qmemo *mm)
{
	for (unsigned i = 0; i < DNSF_QMEMO_ENTRIES; i++)
		mm->ent[i].tag = 0;
}

#endif
