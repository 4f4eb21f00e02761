/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_flow — per-worker state of the detector: a flow table keyed by (client address,
 * registered domain) and a domain table keyed by registered domain.
 *
 * Contract:
 *  - A table is allocated once (dnsf_tab_init) and never grows: its memory is exactly
 *    entries x 64 bytes (one cache line per entry), entries a power of two >= DNSF_TAB_WAYS.
 *  - Entries sit in buckets of DNSF_TAB_WAYS (4 x 64 B = 256 B, four adjacent lines that
 *    dnsf_tab_prefetch() pulls in ahead of a burst). Look-up and insert are O(1): the bucket
 *    of a key is fixed, a new key takes a free slot or evicts the least recently seen entry of
 *    the bucket. Entries whose verdict hold is still running are never evicted (a flood of
 *    random sources must not wash a caught tunnel out of the table); when a whole bucket is
 *    held, dnsf_tab_get() returns NULL and counts no_room.
 *  - One owner (a worker lcore): no locks, no read-modify-write atomics. The owner writes the
 *    counters with relaxed atomic stores; a control thread reads them with relaxed loads
 *    (dnsf_tab_counters). `used` is exact: a slot leaves use only when the table is cleared
 *    (an eviction reuses it at once), so used = inserts - evictions, maintained on insert.
 *  - Keys: a 64-bit hash of the key material chooses the bucket and is stored whole; a second,
 *    independent 32-bit hash ("check", low bit forced to 1 to mark the slot used) must match
 *    too. Two different flows share state only if both hashes collide: ~2^-95 per pair with
 *    our non-cryptographic fixed-seed hashes (dnsf_key16: CRC32C lanes, one finaliser). Someone
 *    who can choose names to collide gains nothing but merging two of his own flows (names are
 *    hashed with the client address). A domain's identity is its 64-bit name hash alone (the
 *    check is a function of it): two domains share state at ~2^-64 per pair.
 *
 * Windows: distinct/information counters are kept per window of W seconds (aligned to the
 * epoch) plus the previous window's totals; a reading is cur + prev * (time left in the
 * window / W), a sliding estimate over the last W seconds that ages with no per-packet cost.
 */
#ifndef DNSF_FLOW_H
#define DNSF_FLOW_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsf_features.h"

#define DNSF_TAB_WAYS      4
#define DNSF_FLOW_WIN_MASK 3u /* struct dnsf_flow.win: 2 bits */

/* The common head of every entry: the table reads only these fields. */
struct dnsf_tab_ent {
	uint64_t key;          /* 0 with check 0: free slot */
	uint64_t last_us;      /* last packet time: LRU order */
	uint32_t check;        /* second hash, bit 0 set */
	uint32_t hold_until_s; /* verdict hold: tunnel until this second (0: none) */
	uint8_t body[40];
};
static_assert(sizeof(struct dnsf_tab_ent) == 64, "one cache line per entry");

/* A (client, registered domain) flow. Written only by the owning worker. */
struct dnsf_flow {
	uint64_t key;
	uint64_t last_us;
	uint32_t check;
	uint32_t hold_until_s;
	uint32_t first_s;      /* first packet, seconds since the epoch */
	uint16_t last_event_s; /* (second + 1) mod 2^16 of the last event, 0: never (rate limit) */
	/* Window number the window counters belong to, mod 4. Enough: the counters only ask
	 * "this window, the previous one, or older", every packet of the flow settles that
	 * (after it, the counters belong to its window or the one before), and a packet more
	 * than two windows after the last one is older anyway (flow_wdiff in dnsf_flow.c). */
	uint16_t win : 2;
	/* Heartbeat (rule input only, not a model feature; docs/detection.md, "Beacons"): EWMA
	 * of log2(gap / 4 s) x 32 + 1 between the flow's query bursts (0: no gap yet), and the
	 * run of gaps within DNSF_HB_TOL of it (saturating). */
	uint16_t hb_gap : 8;
	uint16_t hb_reg : 3;
	uint16_t hb_tag : 3; /* 3 hash bits of the current burst's first name (the check-in) */
	uint64_t susp_bits;  /* linear-counting bitmap of suspicious subdomains, this window:
	                        64 bits, as the information estimate rides on it */
	uint32_t all_bits;   /* ... of all subdomains, this window */
	/* Bytes of subdomains newly seen this window: at most 32 new bits x 253 = 8096 < 2^13
	 * (64 x 253 = 16192 < 2^14 for the suspicious ones), so these never saturate. */
	uint32_t info : 13;
	uint32_t susp_info : 14;
	uint32_t hb_names : 3; /* data names of the current burst (dnsf_detect.c), saturating */
	uint32_t hb_carry : 1; /* a recent burst held >= 2 data names (and not only repeats) */
	uint32_t hb_rep : 1;   /* this burst repeated a data-like name already asked this window */
	uint16_t prev_info;    /* previous window's estimates */
	uint16_t prev_susp_info;
	uint8_t prev_distinct; /* previous window's distinct estimates (saturating) */
	uint8_t prev_susp_distinct;
	uint16_t queries;  /* queries and rare are halved together when queries saturates, */
	uint16_t rare;     /* so their ratio survives: queries of TXT/NULL/unusual types */
	uint8_t responses; /* responses and nx likewise */
	uint8_t nx;        /* NXDOMAIN responses */
	uint16_t rate;     /* decayed query rate, queries/s x 128 (half-life 8 s) */
	uint16_t rdata_16; /* response RDATA bytes / 16 (saturating) */
};
static_assert(sizeof(struct dnsf_flow) == 64, "flow entry must be one cache line");

/* A registered domain, across the clients this worker sees. */
struct dnsf_dom {
	uint64_t key;
	uint64_t last_us;
	uint32_t check;
	uint32_t hold_until_s;
	uint64_t all_bits; /* linear counting, 64 bits: more clients, more names */
	uint64_t susp_bits;
	uint16_t info; /* at most 64 new bits x 253 bytes a window: fits */
	uint16_t susp_info;
	uint16_t responses; /* answers across clients, and those NXDOMAIN or SERVFAIL: halved */
	uint16_t negative;  /* together at a window roll and when responses saturates */
	uint32_t prev_info;
	uint32_t prev_susp_info;
	uint16_t prev_distinct;
	uint16_t prev_susp_distinct;
	uint16_t win;
	uint16_t queries; /* saturating */
};
static_assert(sizeof(struct dnsf_dom) == 64, "domain entry must be one cache line");

struct dnsf_tab {
	struct dnsf_tab_ent *ent; /* entries x 64 B, 64-byte aligned */
	uint32_t entries;
	uint32_t bucket_mask;
	/* Counters, written by the owner. Look-ups are not counted apart: each one is a hit, an
	 * insert or a no_room (dnsf_tab_counters adds them up). */
	uint64_t hits;
	uint64_t inserts;   /* new entries (into a free, expired or evicted slot) */
	uint64_t evictions; /* live entries replaced (least recently seen of a full bucket) */
	uint64_t no_room;   /* look-ups that found every slot of the bucket held */
	uint64_t used;      /* slots in use (exact) */
};

/* The counters as a control thread reads them while the owner runs. */
struct dnsf_tab_counters {
	uint64_t entries, used, lookups, hits, inserts, evictions, no_room;
};
static inline void
dnsf_tab_counters(const struct dnsf_tab *t, struct dnsf_tab_counters *c)
{
	c->entries = t->entries;
	c->used = __atomic_load_n(&t->used, __ATOMIC_RELAXED);
	c->hits = __atomic_load_n(&t->hits, __ATOMIC_RELAXED);
	c->inserts = __atomic_load_n(&t->inserts, __ATOMIC_RELAXED);
	c->evictions = __atomic_load_n(&t->evictions, __ATOMIC_RELAXED);
	c->no_room = __atomic_load_n(&t->no_room, __ATOMIC_RELAXED);
	c->lookups = c->hits + c->inserts + c->no_room;
}

/* Returns 0, or -1 when entries is not a power of two >= DNSF_TAB_WAYS or memory fails. */
int dnsf_tab_init(struct dnsf_tab *t, uint32_t entries);
/*
 * Memory for a table (or an array slot for slot with one), freed with free(): 64-byte aligned;
 * a whole number of 2 MiB is 2 MiB aligned and advised for transparent huge pages. Every
 * look-up in a table of millions of flows lands on a random page: with 4 KiB pages that is a
 * TLB miss and a page walk (two-level under a hypervisor) on top of the cache miss, which no
 * prefetch hides as well (docs/performance-history.md, "Two-phase bursts and huge pages").
 */
void *dnsf_tab_mem_alloc(size_t bytes);
void dnsf_tab_fini(struct dnsf_tab *t);
void dnsf_tab_clear(struct dnsf_tab *t);

static inline size_t
dnsf_tab_bytes(const struct dnsf_tab *t)
{
	return (size_t)t->entries * sizeof(struct dnsf_tab_ent);
}

static inline struct dnsf_tab_ent *
dnsf_tab_bucket(const struct dnsf_tab *t, uint64_t key)
{
	return t->ent + (size_t)(key & t->bucket_mask) * DNSF_TAB_WAYS;
}

/* Four adjacent lines (a bucket) towards the cache. Forced inline, as is dnsf_tab_prefetch():
 * GCC takes a function of nothing but prefetches for pure and deletes calls to it whose result
 * is unused before it would inline them (with plain `static inline` no caller prefetched
 * anything; docs/performance-history.md, "The burst's first phase"). */
static inline __attribute__((always_inline)) void
dnsf_prefetch_bucket(const void *p)
{
	const char *b = (const char *)p;

	_Static_assert(DNSF_TAB_WAYS == 4, "a bucket is four lines");
	__builtin_prefetch(b, 1, 3);
	__builtin_prefetch(b + 64, 1, 3);
	__builtin_prefetch(b + 128, 1, 3);
	__builtin_prefetch(b + 192, 1, 3);
}

/* Pull a key's bucket towards the cache before the burst loop reaches it. */
static inline __attribute__((always_inline)) void
dnsf_tab_prefetch(const struct dnsf_tab *t, uint64_t key)
{
	dnsf_prefetch_bucket(dnsf_tab_bucket(t, key));
}

/* The entry of (key, check), or NULL. Does not touch LRU order. */
struct dnsf_tab_ent *dnsf_tab_find(struct dnsf_tab *t, uint64_t key, uint32_t check);

/*
 * The entry of (key, check), created (zeroed except its head) when absent; *created says
 * which. NULL only when every slot of the bucket holds a running verdict (no_room).
 * A new entry gets last_us = now_us; an existing one keeps it (the caller reads the previous
 * time, e.g. for the rate, then stamps it). now_us decides whether a hold is still running.
 */
struct dnsf_tab_ent *dnsf_tab_insert_(struct dnsf_tab *t, struct dnsf_tab_ent *b, uint64_t key,
                                      uint32_t check, uint64_t now_us, int *created);

static inline struct dnsf_tab_ent *
dnsf_tab_get(struct dnsf_tab *t, uint64_t key, uint32_t check, uint64_t now_us, int *created)
{
	struct dnsf_tab_ent *b = dnsf_tab_bucket(t, key);

	/* The hit (nearly every packet) inline; the miss, which picks a victim, is not. */
	for (unsigned i = 0; i < DNSF_TAB_WAYS; i++)
		if (b[i].key == key && b[i].check == check) {
			__atomic_store_n(&t->hits, t->hits + 1, __ATOMIC_RELAXED);
			*created = 0;
			return &b[i];
		}
	return dnsf_tab_insert_(t, b, key, check, now_us, created);
}

/* ---- keys ---- */

/* Flow key of (client address, registered-domain hash). */
static inline void dnsf_flow_key(const uint8_t client[16], uint64_t reg_hash, uint64_t *key,
                                 uint32_t *check);
/* Domain key of a registered-domain hash. */
static inline void dnsf_dom_key(uint64_t reg_hash, uint64_t *key, uint32_t *check);

/* ---- window arithmetic and readings ---- */

/* Account one query to a flow / domain: roll the window of win_s seconds if it has passed, set
 * the subdomain's bit in the distinct bitmaps (the suspicious one too when `suspicious`) and, if
 * the bit was new, add the subdomain's length to the information counters; update counts and
 * the decayed rate; stamp last_us. A query without a subdomain counts but adds nothing to the
 * distinct/information estimates. */
unsigned dnsf_flow_on_query(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
                            uint64_t now_us, uint32_t win_s);
/* Account one answer to a flow (responses, NXDOMAIN, RDATA bytes); at now_us in windows of
 * win_s seconds (an answer long after the flow's last query retires its stale counters). */
void dnsf_flow_on_response(struct dnsf_flow *f, const struct dnsf_qfeat *q, uint64_t now_us,
                           uint32_t win_s);
void dnsf_dom_on_query(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                       uint64_t now_us, uint32_t win_s);
/* Account one answer to a domain: responses, and negative when NXDOMAIN or SERVFAIL. */
void dnsf_dom_on_response(struct dnsf_dom *d, const struct dnsf_qfeat *q);
/* Share of the domain's recent answers that were negative, per mille (0 with fewer than
 * min_responses answers counted). */
static inline uint32_t
dnsf_dom_negative_pm(const struct dnsf_dom *d, uint32_t min_responses)
{
	if (d->responses == 0 || d->responses < min_responses)
		return 0;
	return (uint32_t)d->negative * 1000u / d->responses;
}
/* dnsf_dom_negative_pm(d, min_responses) >= pm without the division (the detector asks it of
 * every scored message): floor(n * 1000 / r) >= pm iff n * 1000 >= pm * r. */
static inline int
dnsf_dom_negative_at_least(const struct dnsf_dom *d, uint32_t min_responses, uint32_t pm)
{
	if (d->responses == 0 || d->responses < min_responses)
		return pm == 0;
	return (uint64_t)d->negative * 1000u >= (uint64_t)pm * d->responses;
}

/* Sliding-window readings at now_us (do not modify the entry). */
void dnsf_flow_view(const struct dnsf_flow *f, uint64_t now_us, uint32_t win_s,
                    struct dnsf_flow_view *v);
void dnsf_dom_view(const struct dnsf_dom *d, uint64_t now_us, uint32_t win_s,
                   struct dnsf_dom_view *v);

/*
 * The same with the window arithmetic done once per instant: dnsf_win_at() computes the window
 * number and the previous window's weight at now_us (two 64-bit divisions by the run-time W);
 * every entry updated or read at that instant shares it (the detector keeps one per window
 * length and recomputes it when now_us changes — once per burst in the app). Results equal the
 * functions above, which are these with a fresh dnsf_win.
 */
struct dnsf_win {
	uint64_t now_us;
	uint32_t win_s; /* W; 0: not computed yet */
	uint32_t pw;    /* weight of the previous window, 1/1024 */
	uint16_t w;     /* window number, low 16 bits */
	uint32_t now_s; /* now_us in whole seconds (the hold and age readings share it) */
	uint64_t stale; /* 2 W in microseconds: older than this since a flow's last packet means
	                   its counters are two or more windows old */
};
void dnsf_win_at(struct dnsf_win *x, uint64_t now_us, uint32_t win_s);
unsigned dnsf_flow_on_query_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
                              const struct dnsf_win *x);
void dnsf_flow_on_response_w(struct dnsf_flow *f, const struct dnsf_qfeat *q,
                             const struct dnsf_win *x);

/*
 * Heartbeat (periodicity) of a flow's queries, updated by dnsf_flow_on_query*: a query less
 * than DNSF_HB_BURST_US after the flow's previous packet continues a burst (the gap is not
 * measured); otherwise the gap since that packet is one "check-in" gap. Gaps of
 * DNSF_HB_MIN_GAP_US .. ~16 min update an EWMA (weight 1/4) of their log2 (1/32 octave), and a
 * gap within DNSF_HB_TOL (1/32 octave: ~±24 %) of the EWMA extends the run hb_reg (saturating at
 * 7); any other gap halves it. Integer ops only (one count of leading zeros), no division.
 * Return flags of dnsf_flow_on_query*: */
#define DNSF_FQ_NEW        1u /* the subdomain's bit in all_bits was newly set (new this window) */
#define DNSF_FQ_BURST      2u /* within DNSF_HB_BURST_US of the flow's previous packet */
#define DNSF_HB_BURST_US   1000000u
#define DNSF_HB_MIN_GAP_US 4000000u
#define DNSF_HB_TOL        12
#define DNSF_HB_REG_MAX    7u
#define DNSF_HB_RATE_MAX   256u /* flow rate (q/s x 128) above which bursts are not counted */
/* Mean gap (EWMA) in milliseconds, for events and tests (0: none yet). */
uint32_t dnsf_flow_period_ms(const struct dnsf_flow *f);
void dnsf_dom_on_query_w(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                         const struct dnsf_win *x);
void dnsf_flow_view_w(const struct dnsf_flow *f, const struct dnsf_win *x,
                      struct dnsf_flow_view *v);
/*
 * dnsf_flow_view_w() in two parts, for the detector: the readings the rules score from
 * (distinct, susp_distinct, susp_info, queries, rare), then the rest, which only the features
 * read (info, rare_pm, age_s, rate_x128, nx_pm, rdata) and which the detector fills only when
 * it fills the features. The two together equal dnsf_flow_view_w().
 */
void dnsf_flow_view_rules_w(const struct dnsf_flow *f, const struct dnsf_win *x,
                            struct dnsf_flow_view *v);
void dnsf_flow_view_rest_w(const struct dnsf_flow *f, const struct dnsf_win *x,
                           struct dnsf_flow_view *v);

/* NXDOMAIN share of the flow's answers, per mille (most flows have none: 0 without a
 * division). */
static inline uint32_t
dnsf_flow_nx_pm(const struct dnsf_flow *f)
{
	return f->nx && f->responses ? (uint32_t)f->nx * 1000 / f->responses : 0;
}

void dnsf_dom_view_w(const struct dnsf_dom *d, const struct dnsf_win *x, struct dnsf_dom_view *v);
/* dnsf_dom_view_w() in two parts, like the flow's: the suspicious readings the rules score
 * from (susp_distinct, susp_info), then distinct and info (features, water torture). */
void dnsf_dom_view_rules_w(const struct dnsf_dom *d, const struct dnsf_win *x,
                           struct dnsf_dom_view *v);
void dnsf_dom_view_rest_w(const struct dnsf_dom *d, const struct dnsf_win *x,
                          struct dnsf_dom_view *v);

/* Linear-counting estimate of a bitmap (x16 fixed point in the tables; here whole items). */
uint32_t dnsf_lc_est32(uint32_t bits);
uint32_t dnsf_lc_est64(uint64_t bits);
/* Information estimate of a window (bytes x estimate / bits, the 32-bit bitmap's table unless
 * `wide`), as the readings compute it, and the same by plain division (tests compare them). */
uint32_t dnsf_info_est(uint32_t info, uint64_t bits, int wide);
uint32_t dnsf_info_est_ref(uint32_t info, uint64_t bits, int wide);

#include "dnsf_name.h"

static inline void
dnsf_flow_key(const uint8_t client[16], uint64_t reg_hash, uint64_t *key, uint32_t *check)
{
	/* Key and an independent check in one pass (dnsf_key16); bit 0 of the check marks the
	 * slot used. */
	*key = dnsf_key16(client, reg_hash, check);
	*check |= 1u;
}

static inline void
dnsf_dom_key(uint64_t reg_hash, uint64_t *key, uint32_t *check)
{
	/* reg_hash is the whole identity of a domain (64 bits; there is nothing else to hash): it
	 * is the key, and the check, which can only be a function of it, is its high half with bit
	 * 0 set to mark the slot used. Equal keys mean equal checks, as with any function of the
	 * key: look-ups match exactly the entries they matched with a remixed check. */
	*key = reg_hash;
	*check = (uint32_t)(reg_hash >> 32) | 1u;
}

#endif
