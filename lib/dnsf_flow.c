/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dnsf_bigram.h"
#include "dnsf_flow.h"
#include "dnsf_flow_upd.h"

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
uint64_t dnsf_div16n_m[65];
uint16_t dnsf_lc32_d[33], dnsf_lc64_d[65];

__attribute__((constructor)) static void
div16n_init(void)
{
	for (unsigned n = 1; n <= 64; n++)
		dnsf_div16n_m[n] = (uint64_t)(((unsigned __int128)1 << 64) / (16u * n)) +
		                   ((((unsigned __int128)1 << 64) % (16u * n)) != 0);
	/* The per-message readings look the distinct estimate up instead of rounding it. */
	for (unsigned n = 0; n <= 32; n++)
		dnsf_lc32_d[n] = (uint16_t)((dnsf_lc32_x16[n] + 8) / 16);
	for (unsigned n = 0; n <= 64; n++)
		dnsf_lc64_d[n] = (uint16_t)((dnsf_lc64_x16[n] + 8) / 16);
}

/* Information counted once per newly set bit, scaled up by estimate/bits for the collisions
 * that hid some distinct names (same mean length assumed). */
static uint32_t
info_est32(uint32_t info, uint32_t bits)
{
	unsigned n = (unsigned)__builtin_popcount(bits);
	return n ? dnsf_div16n((uint64_t)info * dnsf_lc32_x16[n], n) : 0;
}

static uint32_t
info_est64(uint32_t info, uint64_t bits)
{
	unsigned n = (unsigned)__builtin_popcountll(bits);
	return n ? dnsf_div16n((uint64_t)info * dnsf_lc64_x16[n], n) : 0;
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

static inline uint8_t
sat8(uint32_t v)
{
	return v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
}

/* The roll itself, once per flow and window: out of line (dnsf_flow_roll is inline). */
void
dnsf_flow_roll_by_(struct dnsf_flow *f, const struct dnsf_win *x, unsigned d)
{
	if (d == 1) {
		f->prev_info = dnsf_sat16(info_est32(f->info, f->all_bits));
		f->prev_susp_info = dnsf_sat16(info_est64(f->susp_info, f->susp_bits));
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

/* 1/32 octave of a gap in units of 2^16 us (65.5 ms), as stored in dnsf_flow_hb_gap_: 4 s is 1. */
#define HB_LG_BASE 188

/* One gap between bursts (>= DNSF_HB_BURST_US): the heartbeat's EWMA and run of regular gaps.
 * Returns 0 when the gap broke the run (irregular, too short or too long), else 1. */
int
dnsf_flow_hb_gap_(struct dnsf_flow *f, uint64_t dt_us)
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

unsigned
dnsf_flow_on_query_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
                     const struct dnsf_win *x)
{
	return dnsf_flow_upd_query(f, q, suspicious, x);
}

void
dnsf_flow_on_response(struct dnsf_flow *f, const struct dnsf_qfeat *q, uint64_t now_us,
                      uint32_t win_s)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	dnsf_flow_on_response_w(f, q, &x);
}

void
dnsf_flow_on_response_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, const struct dnsf_win *x)
{
	(void)dnsf_flow_upd_response(f, q, x, dnsf_flow_wdiff(f, x));
}

void
dnsf_dom_on_query(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious, uint64_t now_us,
                  uint32_t win_s)
{
	struct dnsf_win x;

	dnsf_win_at(&x, now_us, win_s);
	dnsf_dom_on_query_w(d, q, suspicious, &x);
}

/* A domain's counters moved to window w (w differs from d->win): its previous window's
 * estimates from them when w is the next one, else zeros. Once per domain and window. */
void
dnsf_dom_roll_(struct dnsf_dom *d, uint16_t w)
{
	if ((uint16_t)(w - d->win) == 1) {
		d->prev_info = info_est64(d->info, d->all_bits);
		d->prev_susp_info = info_est64(d->susp_info, d->susp_bits);
		d->prev_distinct = dnsf_sat16(dnsf_lc_est64(d->all_bits));
		d->prev_susp_distinct = dnsf_sat16(dnsf_lc_est64(d->susp_bits));
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

void
dnsf_dom_on_query_w(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                    const struct dnsf_win *x)
{
	dnsf_dom_upd_query(d, q, suspicious, x);
}

void
dnsf_dom_on_response(struct dnsf_dom *d, const struct dnsf_qfeat *q)
{
	dnsf_dom_upd_response(d, q);
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

DNSF_POPCNT_CLONES void
dnsf_flow_view_rules_w(const struct dnsf_flow *f, const struct dnsf_win *x,
                       struct dnsf_flow_view *v)
{
	dnsf_flow_read_rules(f, dnsf_flow_wdiff(f, x), x->pw, v);
}

DNSF_POPCNT_CLONES void
dnsf_flow_view_rest_w(const struct dnsf_flow *f, const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	v->info = dnsf_flow_read_info(f, dnsf_flow_wdiff(f, x), x->pw);
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

DNSF_POPCNT_CLONES void
dnsf_dom_view_rules_w(const struct dnsf_dom *d, const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dnsf_dom_read(dnsf_dom_wdiff(d, x), x->pw, d->susp_info, d->susp_bits,
	              d->prev_susp_distinct, d->prev_susp_info, &v->susp_distinct, &v->susp_info);
}

DNSF_POPCNT_CLONES void
dnsf_dom_view_rest_w(const struct dnsf_dom *d, const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dnsf_dom_read(dnsf_dom_wdiff(d, x), x->pw, d->info, d->all_bits, d->prev_distinct,
	              d->prev_info, &v->distinct, &v->info);
}
