/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The detector's per-message updates and readings of a flow and a domain entry, inline: what
 * dnsf_detect_packet() runs for every scored message (dnsf_flow_on_query_view_w and the three
 * like it), and what the out-of-line functions of dnsf_flow.h (dnsf_flow_on_query_w, the views)
 * are made of, so that both give the same values. The rare paths (a window roll, a heartbeat
 * gap) stay out of line in dnsf_flow.c. Include only from lib/ code that updates the tables;
 * callers that count bits should carry DNSF_POPCNT_CLONES (below).
 */
#ifndef DNSF_FLOW_UPD_H
#define DNSF_FLOW_UPD_H

#include "dnsf_bigram.h"
#include "dnsf_flow.h"

/* The per-message readings count bitmap bits. Builds for baseline x86-64 (the Debian package,
 * callgrind) have no POPCNT instruction and call libgcc for each count: there the functions
 * that count come in two versions, picked once at load by what the CPU has (same results). */
#if defined(__x86_64__) && !defined(__POPCNT__) && defined(__GNUC__) && !defined(__clang__)
#define DNSF_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define DNSF_POPCNT_CLONES
#endif

/* ceil(2^64 / 16n), n = 1..64, and the distinct estimates of n set bits in whole items,
 * (dnsf_lc32_x16[n] + 8) / 16 and likewise for 64 bits (dnsf_flow.c fills them at load). */
extern uint64_t dnsf_div16n_m[65];
extern uint16_t dnsf_lc32_d[33], dnsf_lc64_d[65];
/* The rare paths, out of line: a flow's window roll by d >= 1 windows, a domain's to window w,
 * and a gap between a flow's query bursts (heartbeat; 0 when it broke the run of regular ones). */
void dnsf_flow_roll_by_(struct dnsf_flow *f, const struct dnsf_win *x, unsigned d);
void dnsf_dom_roll_(struct dnsf_dom *d, uint16_t w);
int dnsf_flow_hb_gap_(struct dnsf_flow *f, uint64_t dt_us);

static inline uint32_t
dnsf_div16n(uint64_t a, unsigned n)
{
	return (uint32_t)(((unsigned __int128)a * dnsf_div16n_m[n]) >> 64);
}

/* Both estimates of one window bitmap from its bit count n (counted once): distinct items as
 * dnsf_lc_est32/64() (ld: dnsf_lc32_d or dnsf_lc64_d) and information as info_est32/64() (lc:
 * the matching x16 table). */
static inline void
dnsf_win_est(uint32_t info, unsigned n, const uint16_t *lc, const uint16_t *ld, uint32_t *distinct,
             uint32_t *inf)
{
	*distinct = ld[n];
	*inf = n ? dnsf_div16n((uint64_t)info * lc[n], n) : 0;
}

static inline uint16_t
dnsf_sat16(uint32_t v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* Rate half-life 8 s, as tau = 8 / ln 2 s; each query adds ln2 / 8 q/s (x128 = 11.09). */
#define DNSF_RATE_TAU_US 11541560u
#define DNSF_RATE_ADD    11u

static inline uint16_t
dnsf_rate_update(uint32_t r, uint64_t dt_us)
{
	if (dt_us < 500000) {
		/* Within 1/16 half-life the linear decay is accurate; rounding keeps equilibrium.
		 */
		r -= (uint32_t)(((uint64_t)r * dt_us + DNSF_RATE_TAU_US / 2) / DNSF_RATE_TAU_US);
	} else {
		uint64_t k = dt_us / 500000; /* sixteenths of a half-life */
		if (k >= 16 * 16)
			r = 0;
		else
			r = (uint32_t)(((uint64_t)r * dnsf_exp2_neg16[k & 15]) >> 16) >> (k >> 4);
	}
	return dnsf_sat16(r + DNSF_RATE_ADD);
}

/*
 * Distance in windows from the flow's counters to x: 0 (this window), 1 (the previous one) or
 * more. The flow keeps its window number mod 32; that is exact because (a) a packet more than
 * two windows after the flow's last packet (last_us) is at least two windows after its
 * counters' window, whatever the low bits say, and (b) every packet closer than that is at most
 * three windows after the counters' window: after each packet the counters belong to its window
 * or the one before, since a query rolls them (dnsf_flow_roll) and an answer retires them when they
 * are older (dnsf_flow_on_response_w). The readings therefore equal those of a full window
 * number (and, unlike the 16 bits this field had, never alias after 2^16 windows).
 */
static inline unsigned
dnsf_flow_wdiff(const struct dnsf_flow *f, const struct dnsf_win *x)
{
	if (x->now_us > f->last_us && x->now_us - f->last_us >= x->stale)
		return 2;
	return (unsigned)(x->w - f->win) & DNSF_FLOW_WIN_MASK;
}

static inline uint16_t
dnsf_sat_info(uint32_t v, uint32_t max)
{
	/* Unreachable with names of <= 253 characters (struct dnsf_flow); kept as a bound. */
	return (uint16_t)(v > max ? max : v);
}

static inline __attribute__((always_inline)) void
dnsf_flow_roll(struct dnsf_flow *f, const struct dnsf_win *x)
{
	const unsigned d = dnsf_flow_wdiff(f, x);

	if (d != 0)
		dnsf_flow_roll_by_(f, x, d);
}

static inline __attribute__((always_inline)) unsigned
dnsf_flow_upd_query(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
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
			const int regular = dnsf_flow_hb_gap_(f, dt);
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
	dnsf_flow_roll(f, x);
	if (q->sub_len > 0) {
		const unsigned pos = (unsigned)(q->name_hash >> 40) & 63;
		const uint32_t bit = UINT32_C(1) << (pos & 31);
		const uint64_t sbit = UINT64_C(1) << pos;
		if (!(f->all_bits & bit)) {
			f->all_bits |= bit;
			f->info = dnsf_sat_info((uint32_t)f->info + q->sub_len, 8191);
			flags |= DNSF_FQ_NEW;
		}
		if (suspicious && !(f->susp_bits & sbit)) {
			f->susp_bits |= sbit;
			f->susp_info = dnsf_sat_info((uint32_t)f->susp_info + q->sub_len, 16383);
		}
	}
	if (f->queries == UINT16_MAX) {
		f->queries >>= 1;
		f->rare >>= 1;
	}
	f->queries++;
	f->rare += (uint16_t)dnsf_rrclass_is_rare(q->rrclass);
	f->rate = dnsf_rate_update(f->rate, now_us > f->last_us ? now_us - f->last_us : 0);
	f->last_us = now_us;
	return flags;
}

/* dnsf_flow_on_response_w() on a flow whose counters are wd windows from x (dnsf_flow_wdiff);
 * returns the distance after it (0 or 1: older counters are retired into x's window). */
static inline __attribute__((always_inline)) unsigned
dnsf_flow_upd_response(struct dnsf_flow *f, const struct dnsf_qfeat *q, const struct dnsf_win *x,
                       unsigned wd)
{
	/* Counters two or more windows old read as zero: make them zero now, in this window, so
	 * that the window number stays within reach of its low bits (dnsf_flow_wdiff). */
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
	f->rdata_16 = dnsf_sat16(f->rdata_16 + q->rdata_total / 16);
	return wd;
}

static inline __attribute__((always_inline)) void
dnsf_dom_upd_query(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                   const struct dnsf_win *x)
{
	const uint16_t w = x->w;
	const uint64_t now_us = x->now_us;

	if (d->queries == 0)
		d->win = w;
	if (d->win != w)
		dnsf_dom_roll_(d, w);
	if (q->sub_len > 0) {
		const uint64_t bit = UINT64_C(1) << ((q->name_hash >> 48) & 63);
		if (!(d->all_bits & bit)) {
			d->all_bits |= bit;
			d->info = dnsf_sat16((uint32_t)d->info + q->sub_len);
		}
		if (suspicious && !(d->susp_bits & bit)) {
			d->susp_bits |= bit;
			d->susp_info = dnsf_sat16((uint32_t)d->susp_info + q->sub_len);
		}
	}
	if (d->queries < UINT16_MAX)
		d->queries++;
	d->last_us = now_us;
}

static inline __attribute__((always_inline)) void
dnsf_dom_upd_response(struct dnsf_dom *d, const struct dnsf_qfeat *q)
{
	if (d->responses == UINT16_MAX) {
		d->responses >>= 1;
		d->negative >>= 1;
	}
	d->responses++;
	d->negative += q->rcode == DNSF_RCODE_NXDOMAIN || q->rcode == DNSF_RCODE_SERVFAIL;
}

/* The previous window's weight pw: the share of the sliding W-second span it still covers, in
 * 1/1024 (dnsf_win_at). Entries not rolled yet are read as of the window now. */
static inline __attribute__((always_inline)) void
dnsf_flow_read_rules(const struct dnsf_flow *f, unsigned wd, uint32_t pw, struct dnsf_flow_view *v)
{
	uint32_t cd = 0, pd = 0, sd = 0, si = 0;

	if (wd <= 1) {
		/* Distinct names from the 32-bit bitmap (its information: dnsf_flow_view_rest_w),
		 * distinct and information of the suspicious ones from the 64-bit one. */
		const uint32_t d0 = dnsf_lc32_d[__builtin_popcount(f->all_bits)];

		if (wd == 0) {
			cd = d0;
			pd = f->prev_distinct;
		} else {
			pd = d0;
		}
		/* Most flows have no suspicious name (no bit, no previous estimate): their
		 * suspicious readings are 0 without reading. */
		if ((f->susp_bits | f->prev_susp_distinct | f->prev_susp_info) != 0) {
			uint32_t d1, i1, csd = 0, csi = 0, psd, psi;

			dnsf_win_est(f->susp_info, (unsigned)__builtin_popcountll(f->susp_bits),
			             dnsf_lc64_x16, dnsf_lc64_d, &d1, &i1);
			if (wd == 0) {
				csd = d1;
				csi = i1;
				psd = f->prev_susp_distinct;
				psi = f->prev_susp_info;
			} else {
				psd = d1;
				psi = i1;
			}
			sd = csd + (psd * pw >> 10);
			si = csi + (psi * pw >> 10);
		}
	}
	v->distinct = cd + (pd * pw >> 10);
	v->susp_distinct = sd;
	v->susp_info = si;
	v->queries = f->queries;
	v->rare = f->rare;
}

/* The flow's information estimate over the sliding window from its 32-bit bitmap, wd and pw as
 * for dnsf_flow_read_rules() (the reading of dnsf_flow_view_rest_w; the detector's top-list bar
 * reads it right after a query, wd 0). */
static inline __attribute__((always_inline)) uint32_t
dnsf_flow_read_info(const struct dnsf_flow *f, unsigned wd, uint32_t pw)
{
	uint32_t ci = 0, pi = 0;

	if (wd <= 1) {
		const unsigned n = (unsigned)__builtin_popcount(f->all_bits);
		const uint32_t i0 = n ? dnsf_div16n((uint64_t)f->info * dnsf_lc32_x16[n], n) : 0;

		if (wd == 0) {
			ci = i0;
			pi = f->prev_info;
		} else {
			pi = i0;
		}
	}
	return ci + (pi * pw >> 10);
}

/* Which window a domain's counters belong to, seen from x: 0 this one, 1 the previous, 2 older. */
static inline unsigned
dnsf_dom_wdiff(const struct dnsf_dom *d, const struct dnsf_win *x)
{
	return d->win == x->w ? 0 : (uint16_t)(x->w - d->win) == 1 ? 1 : 2;
}

/* One sliding reading of a domain's window counters (bitmap, information) and the previous
 * window's estimates, as the flow's: in 64 bits, a domain's previous information can pass 2^22. */
static inline void
dnsf_dom_read(unsigned wd, uint32_t pw, uint32_t info, uint64_t bits, uint32_t prev_distinct,
              uint32_t prev_info, uint32_t *distinct, uint32_t *inf)
{
	uint64_t cd = 0, ci = 0, pd = 0, pi = 0;

	/* Nothing counted now or before (most domains' suspicious readings): 0 without reading. */
	if (wd <= 1 && (bits | prev_distinct | prev_info) != 0) {
		uint32_t d0, i0;

		dnsf_win_est(info, (unsigned)__builtin_popcountll(bits), dnsf_lc64_x16, dnsf_lc64_d,
		             &d0, &i0);
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

/* The detector's per-message pair in one call: the update (dnsf_flow_on_query_w, or
 * dnsf_flow_on_response_w and last_us set to x's instant), then the rules' reading of the
 * updated entry (dnsf_flow_view_rules_w). A query rolls the counters into x's window, so that
 * reading needs no window test; an answer's retirement test gives it its window distance. Same
 * values as the two calls (test_flow compares them). */
static inline __attribute__((always_inline)) unsigned
dnsf_flow_on_query_view_w(struct dnsf_flow *f, const struct dnsf_qfeat *q, int suspicious,
                          const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	const unsigned flags = dnsf_flow_upd_query(f, q, suspicious, x);

	dnsf_flow_read_rules(f, 0, x->pw, v);
	return flags;
}

static inline __attribute__((always_inline)) void
dnsf_flow_on_response_view_w(struct dnsf_flow *f, const struct dnsf_qfeat *q,
                             const struct dnsf_win *x, struct dnsf_flow_view *v)
{
	const unsigned wd = dnsf_flow_upd_response(f, q, x, dnsf_flow_wdiff(f, x));

	f->last_us = x->now_us;
	dnsf_flow_read_rules(f, wd, x->pw, v);
}

/* The domain's pair likewise (dnsf_dom_on_query_w or dnsf_dom_on_response, last_us, then
 * dnsf_dom_view_rules_w). */
static inline __attribute__((always_inline)) void
dnsf_dom_on_query_view_w(struct dnsf_dom *d, const struct dnsf_qfeat *q, int suspicious,
                         const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	/* After the query the counters are x's window's (wd 0). */
	dnsf_dom_upd_query(d, q, suspicious, x);
	dnsf_dom_read(0, x->pw, d->susp_info, d->susp_bits, d->prev_susp_distinct,
	              d->prev_susp_info, &v->susp_distinct, &v->susp_info);
}

static inline __attribute__((always_inline)) void
dnsf_dom_on_response_view_w(struct dnsf_dom *d, const struct dnsf_qfeat *q,
                            const struct dnsf_win *x, struct dnsf_dom_view *v)
{
	dnsf_dom_upd_response(d, q);
	d->last_us = x->now_us;
	dnsf_dom_read(dnsf_dom_wdiff(d, x), x->pw, d->susp_info, d->susp_bits,
	              d->prev_susp_distinct, d->prev_susp_info, &v->susp_distinct, &v->susp_info);
}

#endif
