/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dnsf_bigram.h"
#include "dnsf_flow.h"

/* The per-message readings count bitmap bits. Builds for baseline x86-64 (the Debian package,
 * callgrind) have no POPCNT instruction and call libgcc for each count: there the readings
 * come in two versions, picked once at load by what the CPU has (same results). */
#if defined(__x86_64__) && !defined(__POPCNT__) && defined(__GNUC__) && !defined(__clang__)
#define DNSF_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define DNSF_POPCNT_CLONES
#endif

/* Counters: only the owner writes them, but control reads them while it runs (relaxed loads),
 * so every store is a relaxed atomic one (a plain add on x86/arm64: no read-modify-write). */
static inline void
tab_inc(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

int
dnsf_tab_init(struct dnsf_tab *t, uint32_t entries)
{
	memset(t, 0, sizeof(*t));
	if (entries < DNSF_TAB_WAYS || (entries & (entries - 1)) != 0)
		return -1;
	t->ent = dnsf_tab_mem_alloc((size_t)entries * sizeof(struct dnsf_tab_ent));
	if (t->ent == NULL)
		return -1;
	t->entries = entries;
	t->bucket_mask = entries / DNSF_TAB_WAYS - 1;
	dnsf_tab_clear(t);
	return 0;
}

void *
dnsf_tab_mem_alloc(size_t bytes)
{
	const size_t huge = (size_t)2 << 20;
	void *m;

	if (bytes < huge || bytes % huge != 0)
		return aligned_alloc(64, bytes);
	m = aligned_alloc(huge, bytes);
#ifdef MADV_HUGEPAGE
	/* A hint: where transparent huge pages are "madvise" (Debian's default) this is what
	 * turns them on; where they are off it changes nothing. Failure is harmless. */
	if (m != NULL)
		(void)madvise(m, bytes, MADV_HUGEPAGE);
#endif
	return m;
}

void
dnsf_tab_fini(struct dnsf_tab *t)
{
	free(t->ent);
	memset(t, 0, sizeof(*t));
}

void
dnsf_tab_clear(struct dnsf_tab *t)
{
	/* Touches every page now, at startup, not on the fast path. */
	memset(t->ent, 0, dnsf_tab_bytes(t));
	__atomic_store_n(&t->used, 0, __ATOMIC_RELAXED);
}

struct dnsf_tab_ent *
dnsf_tab_find(struct dnsf_tab *t, uint64_t key, uint32_t check)
{
	struct dnsf_tab_ent *b = dnsf_tab_bucket(t, key);

	for (unsigned i = 0; i < DNSF_TAB_WAYS; i++)
		if (b[i].key == key && b[i].check == check)
			return &b[i];
	return NULL;
}

/* dnsf_tab_get() after no slot of bucket b held the key: a free slot, else the least recently
 * seen entry not under a running hold, else none (no_room). */
struct dnsf_tab_ent *
dnsf_tab_insert_(struct dnsf_tab *t, struct dnsf_tab_ent *b, uint64_t key, uint32_t check,
                 uint64_t now_us, int *created)
{
	struct dnsf_tab_ent *victim = NULL;
	const uint32_t now_s = (uint32_t)(now_us / 1000000);

	*created = 0;
	for (unsigned i = 0; i < DNSF_TAB_WAYS; i++) {
		struct dnsf_tab_ent *e = &b[i];
		if (e->check == 0) {
			if (victim == NULL || victim->check != 0)
				victim = e; /* a free slot beats any eviction */
			continue;
		}
		if (e->hold_until_s > now_s)
			continue; /* a running verdict is never evicted */
		if (victim == NULL || (victim->check != 0 && e->last_us < victim->last_us))
			victim = e;
	}
	if (victim == NULL) {
		tab_inc(&t->no_room);
		return NULL;
	}
	if (victim->check != 0)
		tab_inc(&t->evictions);
	else
		tab_inc(&t->used);
	tab_inc(&t->inserts);
	memset(victim, 0, sizeof(*victim));
	victim->key = key;
	victim->check = check;
	victim->last_us = now_us;
	*created = 1;
	return victim;
}

uint32_t
dnsf_lc_est32(uint32_t bits)
{
	return (dnsf_lc32_x16[__builtin_popcount(bits)] + 8) / 16;
}

uint32_t
dnsf_lc_est64(uint64_t bits)
{
	return (dnsf_lc64_x16[__builtin_popcountll(bits)] + 8) / 16;
}

/*
 * Division by 16n (n = 1..64 set bits) as a multiply by ceil(2^64 / 16n): floor is exact while
 * a * (m * 16n - 2^64) < 2^64, and here a = info * estimate < 2^32 * 2^13, the error term < 1024.
 */
static uint64_t div16n_m[65];

__attribute__((constructor)) static void
div16n_init(void)
{
	for (unsigned n = 1; n <= 64; n++)
		div16n_m[n] = (uint64_t)(((unsigned __int128)1 << 64) / (16u * n)) +
		              ((((unsigned __int128)1 << 64) % (16u * n)) != 0);
}

static inline uint32_t
div16n(uint64_t a, unsigned n)
{
	return (uint32_t)(((unsigned __int128)a * div16n_m[n]) >> 64);
}

/* Information counted once per newly set bit, scaled up by estimate/bits for the collisions
 * that hid some distinct names (same mean length assumed). */
static uint32_t
info_est32(uint32_t info, uint32_t bits)
{
	unsigned n = (unsigned)__builtin_popcount(bits);
	return n ? div16n((uint64_t)info * dnsf_lc32_x16[n], n) : 0;
}

static uint32_t
info_est64(uint32_t info, uint64_t bits)
{
	unsigned n = (unsigned)__builtin_popcountll(bits);
	return n ? div16n((uint64_t)info * dnsf_lc64_x16[n], n) : 0;
}

uint32_t
dnsf_info_est_ref(uint32_t info, uint64_t bits, int wide)
{
	unsigned n = (unsigned)__builtin_popcountll(bits);
	const uint16_t *lc = wide ? dnsf_lc64_x16 : dnsf_lc32_x16;
	return n ? (uint32_t)((uint64_t)info * lc[n] / (16u * n)) : 0;
}

uint32_t
dnsf_info_est(uint32_t info, uint64_t bits, int wide)
{
	return wide ? info_est64(info, bits) : info_est32(info, (uint32_t)bits);
}

/* Both estimates of one window bitmap from its bit count n (counted once): distinct items as
 * dnsf_lc_est32/64() and information as info_est32/64(). */
static inline void
win_est(uint32_t info, unsigned n, const uint16_t *lc, uint32_t *distinct, uint32_t *inf)
{
	*distinct = ((uint32_t)lc[n] + 8) / 16;
	*inf = n ? div16n((uint64_t)info * lc[n], n) : 0;
}

static inline uint16_t
sat16(uint32_t v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

static inline uint8_t
sat8(uint32_t v)
{
	return v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
}

/* Rate half-life 8 s, as tau = 8 / ln 2 s; each query adds ln2 / 8 q/s (x128 = 11.09). */
#define RATE_TAU_US 11541560u
#define RATE_ADD    11u

static uint16_t
rate_update(uint32_t r, uint64_t dt_us)
{
	if (dt_us < 500000) {
		/* Within 1/16 half-life the linear decay is accurate; rounding keeps equilibrium.
		 */
		r -= (uint32_t)(((uint64_t)r * dt_us + RATE_TAU_US / 2) / RATE_TAU_US);
	} else {
		uint64_t k = dt_us / 500000; /* sixteenths of a half-life */
		if (k >= 16 * 16)
			r = 0;
		else
			r = (uint32_t)(((uint64_t)r * dnsf_exp2_neg16[k & 15]) >> 16) >> (k >> 4);
	}
	return sat16(r + RATE_ADD);
}

/*
 * Distance in windows from the flow's counters to x: 0 (this window), 1 (the previous one) or
 * more. The flow keeps its window number mod 32; that is exact because (a) a packet more than
 * two windows after the flow's last packet (last_us) is at least two windows after its
 * counters' window, whatever the low bits say, and (b) every packet closer than that is at most
 * three windows after the counters' window: after each packet the counters belong to its window
 * or the one before, since a query rolls them (flow_roll) and an answer retires them when they
 * are older (dnsf_flow_on_response_w). The readings therefore equal those of a full window
 * number (and, unlike the 16 bits this field had, never alias after 2^16 windows).
 */
static inline unsigned
flow_wdiff(const struct dnsf_flow *f, const struct dnsf_win *x)
{
	if (x->now_us > f->last_us && x->now_us - f->last_us >= x->stale)
		return 2;
	return (unsigned)(x->w - f->win) & DNSF_FLOW_WIN_MASK;
}

static inline uint16_t
sat_info(uint32_t v, uint32_t max)
{
	/* Unreachable with names of <= 253 characters (struct dnsf_flow); kept as a bound. */
	return (uint16_t)(v > max ? max : v);
}

/* The roll itself, once per flow and window: out of line (flow_roll is inline). */
static void
flow_roll_by(struct dnsf_flow *f, const struct dnsf_win *x, unsigned d)
{
	if (d == 1) {
		f->prev_info = sat16(info_est32(f->info, f->all_bits));
		f->prev_susp_info = sat16(info_est64(f->susp_info, f->susp_bits));
		f->prev_distinct = sat8(dnsf_lc_est32(f->all_bits));
		f->prev_susp_distinct = sat8(dnsf_lc_est64(f->susp_bits));
	} else {
		f->prev_info = f->prev_susp_info = 0;
		f->prev_distinct = f->prev_susp_distinct = 0;
	}
	f->info = f->susp_info = 0;
	f->all_bits = f->susp_bits = 0;
	f->win = x->w & DNSF_FLOW_WIN_MASK;
}

static inline __attribute__((always_inline)) void
flow_roll(struct dnsf_flow *f, const struct dnsf_win *x)
{
	const unsigned d = flow_wdiff(f, x);

	if (d != 0)
		flow_roll_by(f, x, d);
}

void
dnsf_win_at(struct dnsf_win *x, uint64_t now_us, uint32_t win_s)
{
	/* floor(floor(t / 10^6) / W) == floor(t / (10^6 W)): one quotient gives the window and
	 * the offset into it. */
	const uint64_t span_us = (uint64_t)win_s * 1000000;
	const uint64_t wfull = now_us / span_us;
	const uint64_t into = now_us - wfull * span_us;

	x->now_us = now_us;
	x->now_s = (uint32_t)(now_us / 1000000);
	x->win_s = win_s;
	x->w = (uint16_t)wfull;
	x->pw = (uint32_t)((span_us - into) * 1024 / span_us);
	x->stale = 2 * span_us;
}

unsigned
dnsf_flow_on_query(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious, uint64_t now_us,
                   uint32_t win_s)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	return dnsf_flow_on_query_w(f, q, suspicious, &x);
}

/* 1/32 octave of a gap in units of 2^16 us (65.5 ms), as stored in hb_gap: 4 s is 1. */
#define HB_LG_BASE 188

/* One gap between bursts (>= DNSF_HB_BURST_US): the heartbeat's EWMA and run of regular gaps.
 * Returns 0 when the gap broke the run (irregular, too short or too long), else 1. */
static int
hb_gap(struct dnsf_flow *f, uint64_t dt_us)
{
	uint32_t lg;
	int diff, regular;

	if (dt_us < DNSF_HB_MIN_GAP_US) {
		f->hb_reg = 0; /* polls this fast are not a heartbeat */
		return 0;
	}
	lg = (dt_us >> 16) > UINT32_MAX ? UINT32_MAX : (uint32_t)(dt_us >> 16);
	lg = (dnsf_log2_q8(lg) >> 3) - HB_LG_BASE;
	if (lg > 255) {
		f->hb_reg >>= 1; /* longer than ~16 min: not counted as a heartbeat */
		return 0;
	}
	if (f->hb_gap == 0) {
		f->hb_gap = lg;
		return 1;
	}
	diff = (int)lg - (int)f->hb_gap;
	regular = diff >= -DNSF_HB_TOL && diff <= DNSF_HB_TOL;
	if (regular)
		f->hb_reg = f->hb_reg < DNSF_HB_REG_MAX ? f->hb_reg + 1u : DNSF_HB_REG_MAX;
	else
		f->hb_reg >>= 1;
	/* Rounded EWMA, weight 1/4 (an arithmetic shift: floor for negative steps too). */
	diff = (int)f->hb_gap + ((diff + 2) >> 2);
	f->hb_gap = diff < 1 ? 1 : diff > 255 ? 255 : diff;
	return regular;
}

uint32_t
dnsf_flow_period_ms(const struct dnsf_flow *f)
{
	uint32_t q8, units;

	if (f->hb_gap == 0)
		return 0;
	/* The inverse of dnsf_log2_q8 (linear between powers of two), in 2^16-us units. */
	q8 = ((uint32_t)f->hb_gap + HB_LG_BASE) << 3;
	units = (UINT32_C(256) + (q8 & 255)) << (q8 >> 8) >> 8;
	return (uint32_t)(((uint64_t)units * 67109) >> 10); /* x 65.536 ms */
}

static inline __attribute__((always_inline)) unsigned
flow_on_query(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
              const struct dnsf_win *x)
{
	const uint64_t now_us = x->now_us;
	const uint32_t now_s = x->now_s;
	unsigned flags = 0;

	if (f->first_s == 0) {
		f->first_s = now_s;
		f->win = x->w & DNSF_FLOW_WIN_MASK;
		f->hb_gap = 0;
		f->hb_reg = 0;
		f->hb_names = 0;
		f->hb_carry = 0;
		f->hb_rep = 0;
	} else {
		/* The gap since the flow's previous packet (its answer, usually). */
		const uint64_t dt = now_us > f->last_us ? now_us - f->last_us : 0;
		if (dt < DNSF_HB_BURST_US) {
			flags |= DNSF_FQ_BURST;
		} else {
			const int regular = hb_gap(f, dt);
			/* A burst with data names is remembered (the next one needs fewer), unless
			 * all its data-like names were repeats: a poll that asks the same names
			 * under its poll name each time sends no data (they are new only in the
			 * window's first poll). An irregular gap forgets them too. */
			if ((f->hb_rep && f->hb_names == 0) || !regular)
				f->hb_carry = 0;
			else if (f->hb_names >= 2)
				f->hb_carry = 1;
			f->hb_names = 0;
			f->hb_rep = 0;
		}
	}
	flow_roll(f, x);
	if (q->sub_len > 0) {
		const unsigned pos = (unsigned)(q->name_hash >> 40) & 63;
		const uint32_t bit = UINT32_C(1) << (pos & 31);
		const uint64_t sbit = UINT64_C(1) << pos;
		if (!(f->all_bits & bit)) {
			f->all_bits |= bit;
			f->info = sat_info((uint32_t)f->info + q->sub_len, 8191);
			flags |= DNSF_FQ_NEW;
		}
		if (suspicious && !(f->susp_bits & sbit)) {
			f->susp_bits |= sbit;
			f->susp_info = sat_info((uint32_t)f->susp_info + q->sub_len, 16383);
		}
	}
	if (f->queries == UINT16_MAX) {
		f->queries >>= 1;
		f->rare >>= 1;
	}
	f->queries++;
	f->rare += (uint16_t)dnsf_rrclass_is_rare(q->rrclass);
	f->rate = rate_update(f->rate, now_us > f->last_us ? now_us - f->last_us : 0);
	f->last_us = now_us;
	return flags;
}

unsigned
dnsf_flow_on_query_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
                     const struct dnsf_win *x)
{
	return flow_on_query(f, q, suspicious, x);
}

void
dnsf_flow_on_response(struct dnsf_flow *f, const struct dnsf_qfeat *q, uint64_t now_us,
                      uint32_t win_s)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	dnsf_flow_on_response_w(f, q, &x);
}

/* dnsf_flow_on_response_w() on a flow whose counters are wd windows from x (flow_wdiff);
 * returns the distance after it (0 or 1: older counters are retired into x's window). */
static inline __attribute__((always_inline)) unsigned
flow_on_response(struct dnsf_flow *f, const struct dnsf_qfeat *q, const struct dnsf_win *x,
                 unsigned wd)
{
	/* Counters two or more windows old read as zero: make them zero now, in this window, so
	 * that the window number stays within reach of its low bits (flow_wdiff). */
	if (wd >= 2) {
		f->info = f->susp_info = 0;
		f->all_bits = f->susp_bits = 0;
		f->prev_info = f->prev_susp_info = 0;
		f->prev_distinct = f->prev_susp_distinct = 0;
		f->win = x->w & DNSF_FLOW_WIN_MASK;
		wd = 0;
	}
	if (f->responses == UINT8_MAX) {
		f->responses >>= 1;
		f->nx >>= 1;
	}
	f->responses++;
	f->nx += q->rcode == DNSF_RCODE_NXDOMAIN;
	f->rdata_16 = sat16(f->rdata_16 + q->rdata_total / 16);
	return wd;
}

void
dnsf_flow_on_response_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, const struct dnsf_win *x)
{
	(void)flow_on_response(f, q, x, flow_wdiff(f, x));
}

void
dnsf_dom_on_query(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious, uint64_t now_us,
                  uint32_t win_s)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	dnsf_dom_on_query_w(d, q, suspicious, &x);
}

static inline __attribute__((always_inline)) void
dom_on_query(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
             const struct dnsf_win *x)
{
	const uint16_t w = x->w;
	const uint64_t now_us = x->now_us;

	if (d->queries == 0)
		d->win = w;
	if (d->win != w) {
		if ((uint16_t)(w - d->win) == 1) {
			d->prev_info = info_est64(d->info, d->all_bits);
			d->prev_susp_info = info_est64(d->susp_info, d->susp_bits);
			d->prev_distinct = sat16(dnsf_lc_est64(d->all_bits));
			d->prev_susp_distinct = sat16(dnsf_lc_est64(d->susp_bits));
		} else {
			d->prev_info = d->prev_susp_info = 0;
			d->prev_distinct = d->prev_susp_distinct = 0;
		}
		d->info = d->susp_info = 0;
		d->all_bits = d->susp_bits = 0;
		/* The answer mix follows the recent windows, not the domain's whole life. */
		if ((uint16_t)(w - d->win) == 1) {
			d->responses >>= 1;
			d->negative >>= 1;
		} else {
			d->responses = d->negative = 0;
		}
		d->win = w;
	}
	if (q->sub_len > 0) {
		const uint64_t bit = UINT64_C(1) << ((q->name_hash >> 48) & 63);
		if (!(d->all_bits & bit)) {
			d->all_bits |= bit;
			d->info = sat16((uint32_t)d->info + q->sub_len);
		}
		if (suspicious && !(d->susp_bits & bit)) {
			d->susp_bits |= bit;
			d->susp_info = sat16((uint32_t)d->susp_info + q->sub_len);
		}
	}
	if (d->queries < UINT16_MAX)
		d->queries++;
	d->last_us = now_us;
}

void
dnsf_dom_on_query_w(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                    const struct dnsf_win *x)
{
	dom_on_query(d, q, suspicious, x);
}

static inline __attribute__((always_inline)) void
dom_on_response(struct dnsf_dom *d, const struct dnsf_qfeat *q)
{
	if (d->responses == UINT16_MAX) {
		d->responses >>= 1;
		d->negative >>= 1;
	}
	d->responses++;
	d->negative += q->rcode == DNSF_RCODE_NXDOMAIN || q->rcode == DNSF_RCODE_SERVFAIL;
}

void
dnsf_dom_on_response(struct dnsf_dom *d, const struct dnsf_qfeat *q)
{
	dom_on_response(d, q);
}

void
dnsf_flow_view(const struct dnsf_flow *f, uint64_t now_us, uint32_t win_s, struct dnsf_flow_view *v)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	dnsf_flow_view_w(f, &x, v);
}

void
dnsf_flow_view_w(const struct dnsf_flow *f, const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	dnsf_flow_view_rules_w(f, x, v);
	dnsf_flow_view_rest_w(f, x, v);
}

/* The previous window's weight pw: the share of the sliding W-second span it still covers, in
 * 1/1024 (dnsf_win_at). Entries not rolled yet are read as of the window now. */
static inline __attribute__((always_inline)) void
flow_read_rules(const struct dnsf_flow *f, unsigned wd, uint32_t pw, struct dnsf_flow_view *v)
{
	uint32_t cd = 0, csd = 0, csi = 0, pd = 0, psd = 0, psi = 0;

	if (wd <= 1) {
		/* Distinct names from the 32-bit bitmap (its information: dnsf_flow_view_rest_w),
		 * distinct and information of the suspicious ones from the 64-bit one. */
		const uint32_t d0 =
		    ((uint32_t)dnsf_lc32_x16[__builtin_popcount(f->all_bits)] + 8) / 16;
		uint32_t d1, i1;

		win_est(f->susp_info, (unsigned)__builtin_popcountll(f->susp_bits), dnsf_lc64_x16,
		        &d1, &i1);
		if (wd == 0) {
			cd = d0;
			csd = d1;
			csi = i1;
			pd = f->prev_distinct;
			psd = f->prev_susp_distinct;
			psi = f->prev_susp_info;
		} else {
			pd = d0;
			psd = d1;
			psi = i1;
		}
	}
	v->distinct = cd + (pd * pw >> 10);
	v->susp_distinct = csd + (psd * pw >> 10);
	v->susp_info = csi + (psi * pw >> 10);
	v->queries = f->queries;
	v->rare = f->rare;
}

DNSF_POPCNT_CLONES void
dnsf_flow_view_rules_w(const struct dnsf_flow *f, const struct dnsf_win *x,
                       struct dnsf_flow_view *v)
{
	flow_read_rules(f, flow_wdiff(f, x), x->pw, v);
}

/* The detector's per-message pair in one call: the update, then the rules' reading of the
 * updated entry. A query rolls the counters into x's window, so that reading needs no window
 * test; an answer's retirement test gives it its window distance. Same values as the two
 * calls (test_flow compares them). */
DNSF_POPCNT_CLONES unsigned
dnsf_flow_on_query_view_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
                          const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	const unsigned flags = flow_on_query(f, q, suspicious, x);

	flow_read_rules(f, 0, x->pw, v);
	return flags;
}

DNSF_POPCNT_CLONES void
dnsf_flow_on_response_view_w(struct dnsf_flow *f, const struct dnsf_qfeat *q,
                             const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	const unsigned wd = flow_on_response(f, q, x, flow_wdiff(f, x));

	f->last_us = x->now_us;
	flow_read_rules(f, wd, x->pw, v);
}

DNSF_POPCNT_CLONES void
dnsf_flow_view_rest_w(const struct dnsf_flow *f, const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	const unsigned wd = flow_wdiff(f, x);
	uint32_t ci = 0, pi = 0;

	if (wd <= 1) {
		const unsigned n = (unsigned)__builtin_popcount(f->all_bits);
		const uint32_t i0 = n ? div16n((uint64_t)f->info * dnsf_lc32_x16[n], n) : 0;

		if (wd == 0) {
			ci = i0;
			pi = f->prev_info;
		} else {
			pi = i0;
		}
	}
	v->info = ci + (pi * x->pw >> 10);
	/* Most flows have none: 0 without a division. */
	v->rare_pm = f->rare && f->queries ? (uint32_t)f->rare * 1000 / f->queries : 0;
	v->age_s = (uint32_t)(f->last_us / 1000000) - f->first_s;
	if (f->first_s == 0 || v->age_s > x->now_s)
		v->age_s = 0;
	v->rate_x128 = f->rate;
	v->nx_pm = dnsf_flow_nx_pm(f);
	v->rdata = (uint32_t)f->rdata_16 * 16;
}

void
dnsf_dom_view(const struct dnsf_dom *d, uint64_t now_us, uint32_t win_s, struct dnsf_dom_view *v)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	dnsf_dom_view_w(d, &x, v);
}

void
dnsf_dom_view_w(const struct dnsf_dom *d, const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dnsf_dom_view_rules_w(d, x, v);
	dnsf_dom_view_rest_w(d, x, v);
}

/* Which window a domain's counters belong to, seen from x: 0 this one, 1 the previous, 2 older. */
static inline unsigned
dom_wdiff(const struct dnsf_dom *d, const struct dnsf_win *x)
{
	return d->win == x->w ? 0 : (uint16_t)(x->w - d->win) == 1 ? 1 : 2;
}

/* One sliding reading of a domain's window counters (bitmap, information) and the previous
 * window's estimates, as the flow's: in 64 bits, a domain's previous information can pass 2^22. */
static inline void
dom_read(unsigned wd, uint32_t pw, uint32_t info, uint64_t bits, uint32_t prev_distinct,
         uint32_t prev_info, uint32_t *distinct, uint32_t *inf)
{
	uint64_t cd = 0, ci = 0, pd = 0, pi = 0;

	if (wd <= 1) {
		uint32_t d0, i0;

		win_est(info, (unsigned)__builtin_popcountll(bits), dnsf_lc64_x16, &d0, &i0);
		if (wd == 0) {
			cd = d0;
			ci = i0;
			pd = prev_distinct;
			pi = prev_info;
		} else {
			pd = d0;
			pi = i0;
		}
	}
	*distinct = (uint32_t)(cd + (pd * pw >> 10));
	*inf = (uint32_t)(ci + (pi * pw >> 10));
}

DNSF_POPCNT_CLONES void
dnsf_dom_view_rules_w(const struct dnsf_dom *d, const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dom_read(dom_wdiff(d, x), x->pw, d->susp_info, d->susp_bits, d->prev_susp_distinct,
	         d->prev_susp_info, &v->susp_distinct, &v->susp_info);
}

DNSF_POPCNT_CLONES void
dnsf_dom_on_query_view_w(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                         const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	/* After the query the counters are x's window's (wd 0). */
	dom_on_query(d, q, suspicious, x);
	dom_read(0, x->pw, d->susp_info, d->susp_bits, d->prev_susp_distinct, d->prev_susp_info,
	         &v->susp_distinct, &v->susp_info);
}

DNSF_POPCNT_CLONES void
dnsf_dom_on_response_view_w(struct dnsf_dom *d, const struct dnsf_qfeat *q,
                            const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dom_on_response(d, q);
	d->last_us = x->now_us;
	dom_read(dom_wdiff(d, x), x->pw, d->susp_info, d->susp_bits, d->prev_susp_distinct,
	         d->prev_susp_info, &v->susp_distinct, &v->susp_info);
}

DNSF_POPCNT_CLONES void
dnsf_dom_view_rest_w(const struct dnsf_dom *d, const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dom_read(dom_wdiff(d, x), x->pw, d->info, d->all_bits, d->prev_distinct, d->prev_info,
	         &v->distinct, &v->info);
}
