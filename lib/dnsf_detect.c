/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_detect.h"
#include "dnsf_flow_upd.h"

static uint32_t
or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

void
dnsf_detect_params_init(struct dnsf_detect_params *p, const struct dnsf_detect_cfg *dc,
                        const struct dnsf_model_cfg *mc)
{
	memset(p, 0, sizeof(*p));
	p->enabled = dc->enabled;
	p->rules = dc->rules;
	/* A zero threshold from a hand-built config would flag everything: use the defaults. */
	p->rules.threshold = or_default(dc->rules.threshold, 100);
	p->rules.subdomain_len = or_default(dc->rules.subdomain_len, 24);
	p->rules.label_len = or_default(dc->rules.label_len, 40);
	p->rules.entropy_milli = or_default(dc->rules.entropy_milli, 3500);
	p->rules.flow_distinct = or_default(dc->rules.flow_distinct, 24);
	p->rules.flow_info_bytes = or_default(dc->rules.flow_info_bytes, 1024);
	p->rules.domain_distinct = or_default(dc->rules.domain_distinct, 200);
	p->rules.domain_info_bytes = or_default(dc->rules.domain_info_bytes, 8192);
	/* A quarter of the information that earns a flow the full information points: past
	 * ordinary use of a domain (a few host names, tens of bytes a window), and where suspicious
	 * names would already earn 25 points; the top pass's bar adds any flow that can enter a
	 * list whose K-th entry carries less. */
	p->info_floor = p->rules.flow_info_bytes / 4 ? p->rules.flow_info_bytes / 4 : 1;
	p->susp_points = or_default(dc->rules.suspicious_points, DNSF_DETECT_SUSP_POINTS);
	/* Every message at the suspicious points and every rule hit (score >= threshold). */
	p->label_points =
	    (int32_t)(p->susp_points < p->rules.threshold ? p->susp_points : p->rules.threshold);
	p->dom_susp_points = or_default(dc->rules.domain_susp_points, DNSF_DETECT_DOM_SUSP_POINTS);
	p->bigram_milli = or_default(dc->rules.bigram_milli, DNSF_DETECT_BIGRAM_MILLI);
	p->flow_window_s = or_default(dc->flow_window_seconds, DNSF_DETECT_FLOW_WINDOW_S);
	p->domain_window_s = or_default(dc->domain_window_seconds, DNSF_DETECT_DOMAIN_WINDOW_S);
	p->hold_s = dc->hold_seconds;
	p->event_interval_s = dc->event_interval_seconds;
	p->flow_entries = dc->flow_entries;
	p->domain_entries = dc->domain_entries;
	p->top_labels = or_default(dc->top_labels, 4096);
	p->wt_on = dc->water_torture.action != DNSF_ACT_PASS;
	p->wt_domain_distinct = or_default(dc->water_torture.domain_distinct, 100);
	p->wt_negative_pm = or_default(dc->water_torture.negative_pm, 500);
	p->beacon_on = dc->beacon.enabled;
	p->beacon_regular = or_default(dc->beacon.regular_gaps, 6);
	p->beacon_points = or_default(dc->beacon.name_points, 25);
	if (mc != NULL) {
		p->model_threshold = mc->threshold;
		p->model_min_sub = mc->min_subdomain;
		p->combine = mc->combine;
		p->model_scope =
		    mc->score == DNSF_MSCOPE_SUSPICIOUS && mc->combine != DNSF_COMBINE_RULES
		        ? DNSF_MSCOPE_ALL
		        : mc->score;
	}
}

int
dnsf_detect_init(struct dnsf_detect *d, const struct dnsf_detect_params *p, char *err,
                 size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (dnsf_tab_init(&d->flows, p->flow_entries) != 0) {
		snprintf(err, errlen,
		         "detection.flow_entries: %u is not a power of two >= %u or out of memory",
		         p->flow_entries, DNSF_TAB_WAYS);
		return -1;
	}
	if (dnsf_tab_init(&d->doms, p->domain_entries) != 0) {
		dnsf_tab_fini(&d->flows);
		snprintf(
		    err, errlen,
		    "detection.domain_entries: %u is not a power of two >= %u or out of memory",
		    p->domain_entries, DNSF_TAB_WAYS);
		return -1;
	}
	if (dnsf_labels_init(&d->labels, p->top_labels) != 0) {
		dnsf_tab_fini(&d->flows);
		dnsf_tab_fini(&d->doms);
		snprintf(err, errlen,
		         "detection.top_labels: %u is not a power of two >= %u or out of memory",
		         p->top_labels, DNSF_LABEL_WAYS);
		return -1;
	}
	d->label_bar = p->info_floor; /* no pass yet */
	return 0;
}

void
dnsf_detect_fini(struct dnsf_detect *d)
{
	dnsf_tab_fini(&d->flows);
	dnsf_tab_fini(&d->doms);
	dnsf_labels_fini(&d->labels);
}

int
dnsf_detect_top_step(struct dnsf_detect *d, const struct dnsf_detect_params *p, uint32_t budget)
{
	if (d->labels.entries == 0)
		return 0;
	if (!dnsf_top_scan_step(&d->top, &d->flows, &d->labels, d->now_us, p->flow_window_s,
	                        budget))
		return 0;
	d->label_bar = d->top.info_bar < p->info_floor ? d->top.info_bar : p->info_floor;
	return 1;
}

static inline int32_t
ratio_points(uint32_t value, uint32_t threshold, int32_t full, int32_t cap)
{
	/* No division in the common cases: nothing counted yet, or at/over the threshold (then
	 * v >= full >= cap). */
	if (value == 0)
		return 0;
	if (full >= cap && value >= threshold)
		return cap;
	uint64_t v = (uint64_t)value * (uint32_t)full / (threshold ? threshold : 1);
	return v > (uint64_t)cap ? cap : (int32_t)v;
}

/* Subdomain characters from which entropy, alphabet and bigram points are possible. */
enum { RULE_ENTROPY_CHARS = 16, RULE_BIGRAM_CHARS = 12 };

/* Query points and their evidence bits (*ev, set). Inline: dnsf_detect_packet() needs them once
 * per scored message, for "suspicious" and for the score. */
static inline __attribute__((always_inline)) int32_t
query_points(const struct dnsf_detect_params *p, const struct dnsf_qfeat *q, uint32_t *evidence)
{
	const struct dnsf_rules_cfg *r = &p->rules;
	const int nothex = !(q->fit & DNSF_FIT_HEX);
	int32_t pts = 0;
	uint32_t ev = 0;

	if (q->sub_len >= r->subdomain_len) {
		pts += DNSF_PT_SUB_LONG;
		ev |= DNSF_EV_SUB_LONG;
		/* Very long names count more, unless they are long only by their many tiny labels:
		 * PTR nibbles (ip6.arpa has 32 one-character labels), DNSBL octets. */
		if (q->sub_chars >= 4u * q->sub_labels) {
			if (q->sub_len >= 2 * r->subdomain_len)
				pts += DNSF_PT_SUB_VLONG;
			if (q->sub_len >= 4 * r->subdomain_len)
				pts += DNSF_PT_SUB_HUGE;
		}
	}
	if (q->sub_max_label >= r->label_len) {
		pts += DNSF_PT_LABEL_LONG;
		ev |= DNSF_EV_LABEL_LONG;
	}
	/* Hex hashes (CDN objects, ad frames, AV look-ups) are everyday names: a hex subdomain
	 * earns length points only, so a hex tunnel is caught by length and volume. Short
	 * strings cannot show high entropy or a telling alphabet. */
	/* fit's HEX, BASE32 and BASE64 bits, entropy and bigram are read only from
	 * DNSF_QFEAT_RULES_CHARS characters on: dnsf_qfeat_compute_rules() leaves them out below.
	 */
	_Static_assert(RULE_ENTROPY_CHARS >= DNSF_QFEAT_RULES_CHARS &&
	                   RULE_BIGRAM_CHARS >= DNSF_QFEAT_RULES_CHARS,
	               "the rules read only what the detector computed");
	if (nothex && q->sub_chars >= RULE_ENTROPY_CHARS) {
		if (q->entropy_milli >= r->entropy_milli) {
			pts += DNSF_PT_ENTROPY;
			ev |= DNSF_EV_ENTROPY;
		}
		if (q->fit & (DNSF_FIT_BASE32 | DNSF_FIT_BASE64)) {
			pts += DNSF_PT_ALPHABET;
			ev |= DNSF_EV_ALPHABET;
		}
	}
	if (nothex && q->sub_chars >= RULE_BIGRAM_CHARS && q->bigram_milli >= p->bigram_milli) {
		pts += DNSF_PT_BIGRAM;
		ev |= DNSF_EV_BIGRAM;
	}
	if (q->fit & DNSF_FIT_BINARY) {
		pts += DNSF_PT_BINARY;
		ev |= DNSF_EV_BINARY;
	}
	if (dnsf_rrclass_is_rare(q->rrclass)) {
		pts += DNSF_PT_RARE_TYPE;
		ev |= DNSF_EV_RARE_TYPE;
	}
	*evidence = ev;
	return pts > DNSF_PT_QUERY_CAP ? DNSF_PT_QUERY_CAP : pts;
}

int32_t
dnsf_rules_query_points(const struct dnsf_detect_params *p, const struct dnsf_qfeat *q,
                        uint32_t *evidence)
{
	uint32_t ev;
	const int32_t pts = query_points(p, q, &ev);

	if (evidence != NULL)
		*evidence |= ev;
	return pts;
}

/* Nothing counted gives no points and no evidence (rules_score skips such a pair). */
_Static_assert(DNSF_PT_FLOW_INFO / 4 > 0 && DNSF_PT_FLOW_DIST / 4 > 0 && DNSF_PT_DOM_INFO / 4 > 0 &&
                   DNSF_PT_DOM_DIST / 4 > 0,
               "a zero reading must stay below the evidence mark");

/* Points of one context (flow or registered domain): its suspicious information volume and
 * distinct suspicious subdomains against their thresholds, each marking its evidence bit from a
 * quarter of its points on. Neither counted (most flows and domains): 0 after one test. */
static inline __attribute__((always_inline)) int32_t
ctx_points(uint32_t info, uint32_t distinct, uint32_t info_thr, uint32_t dist_thr, int32_t pt_info,
           int32_t pt_dist, uint32_t ev_info, uint32_t ev_dist, uint32_t *evidence)
{
	int32_t a, sum = 0;

	if ((info | distinct) == 0)
		return 0;
	a = ratio_points(info, info_thr, pt_info, pt_info);
	if (a >= pt_info / 4)
		*evidence |= ev_info;
	sum += a;
	a = ratio_points(distinct, dist_thr, pt_dist, pt_dist);
	if (a >= pt_dist / 4)
		*evidence |= ev_dist;
	return sum + a;
}

/* dnsf_rules_score() from the message's query points `qpts` and their evidence `qev`
 * (query_points), which dnsf_detect_packet() has already. */
static inline __attribute__((always_inline)) int32_t
rules_score(const struct dnsf_detect_params *p, const struct dnsf_qfeat *q, int32_t qpts,
            uint32_t qev, const struct dnsf_flow_view *fv, const struct dnsf_dom_view *dv,
            struct dnsf_rule_parts *parts)
{
	const struct dnsf_rules_cfg *r = &p->rules;
	struct dnsf_rule_parts x = {0};

	x.q = qpts;
	x.evidence = qev;

	/* Flow: information volume and count of distinct suspicious subdomains. */
	x.flow = ctx_points(fv->susp_info, fv->susp_distinct, r->flow_info_bytes, r->flow_distinct,
	                    DNSF_PT_FLOW_INFO, DNSF_PT_FLOW_DIST, DNSF_EV_FLOW_INFO,
	                    DNSF_EV_FLOW_DIST, &x.evidence);
	if (fv->distinct >= 4 * r->flow_distinct) {
		x.flow += DNSF_PT_FLOW_MANY;
		x.evidence |= DNSF_EV_FLOW_MANY;
	}
	if (x.flow > DNSF_PT_CTX_CAP)
		x.flow = DNSF_PT_CTX_CAP;

	/* Registered domain across clients: same measures, larger thresholds. */
	x.dom = ctx_points(dv->susp_info, dv->susp_distinct, r->domain_info_bytes,
	                   r->domain_distinct, DNSF_PT_DOM_INFO, DNSF_PT_DOM_DIST, DNSF_EV_DOM_INFO,
	                   DNSF_EV_DOM_DIST, &x.evidence);
	if (x.dom > DNSF_PT_CTX_CAP)
		x.dom = DNSF_PT_CTX_CAP;

	if (q->is_response && q->txtnull_max >= 200) {
		x.resp += DNSF_PT_BIG_ANSWER;
		x.evidence |= DNSF_EV_BIG_ANSWER;
	}
	/* rare_pm >= 500 without its division: floor(r * 1000 / q) >= 500 iff r * 1000 >= 500 q. */
	if (fv->queries >= 8 && fv->rare * 1000 >= 500 * fv->queries) {
		x.resp += DNSF_PT_FLOW_RARE;
		x.evidence |= DNSF_EV_FLOW_RARE;
	}
	if (parts != NULL)
		*parts = x;
	/* For one client the flow and domain parts see the same names: count the stronger. */
	return x.q + (x.flow > x.dom ? x.flow : x.dom) + x.resp;
}

int32_t
dnsf_rules_score(const struct dnsf_detect_params *p, const struct dnsf_qfeat *q,
                 const struct dnsf_flow_view *fv, const struct dnsf_dom_view *dv,
                 struct dnsf_rule_parts *parts)
{
	uint32_t ev;
	const int32_t qpts = query_points(p, q, &ev);

	return rules_score(p, q, qpts, ev, fv, dv, parts);
}

static void
rate_limit_event(const struct dnsf_detect_params *p, struct dnsf_flow *f, uint32_t now_s,
                 struct dnsf_detect_out *out)
{
	/* last_event_s holds (second + 1) mod 2^16 so that 0 means "never"; intervals up to
	 * 18 hours compare right across the wrap. */
	uint16_t stamp = (uint16_t)(now_s + 1);
	if (stamp == 0)
		stamp = 1;
	if (f != NULL &&
	    (f->last_event_s == 0 || (uint16_t)(stamp - f->last_event_s) >= p->event_interval_s)) {
		f->last_event_s = stamp;
		out->emit = 1;
	} else {
		out->suppressed = 1;
	}
}

/*
 * State upkeep under a hold, without the features: the flow keeps counting, and its long
 * subdomains keep counting as suspicious, so that a tunnel still talking when the hold runs out
 * is cut again at once instead of being let through until it has rebuilt its evidence. Short
 * names do not count: a client judged wrongly is not kept blocked by its ordinary look-ups.
 */
static inline __attribute__((always_inline)) void
cached_update(const struct dnsf_detect_params *p, const struct dnsf_detect *d, struct dnsf_flow *f,
              struct dnsf_dom *dm, const struct dnsf_dns_msg *m, unsigned split, uint64_t name_hash,
              uint64_t now_us)
{
	struct dnsf_qfeat q;
	int long_sub;

	memset(&q, 0, sizeof(q));
	q.name_hash = name_hash;
	q.rrclass = (uint8_t)dnsf_rrclass_of(m->qtype);
	if (split > 0) {
		q.sub_len = (uint16_t)(m->label_off[split - 1] + m->label_len[split - 1]);
		q.sub_labels = (uint16_t)split;
	}
	long_sub = q.sub_len >= p->rules.subdomain_len;
	if (m->qr) {
		q.is_response = 1;
		q.rcode = m->rcode;
		q.rdata_total = m->rdata_total;
		if (f != NULL)
			(void)dnsf_flow_upd_response(f, &q, &d->fwin, dnsf_flow_wdiff(f, &d->fwin));
		if (dm != NULL)
			dnsf_dom_upd_response(dm, &q);
	} else {
		if (f != NULL)
			(void)dnsf_flow_upd_query(f, &q, long_sub, &d->fwin);
		if (dm != NULL)
			dnsf_dom_upd_query(dm, &q, long_sub, &d->dwin);
	}
	if (f != NULL)
		f->last_us = now_us;
	if (dm != NULL)
		dm->last_us = now_us;
}

/*
 * Water torture (pseudo-random subdomains against one domain): the registered domain sees many
 * distinct names across clients and most of its recent answers are negative, and this client's
 * own answers from it are mostly NXDOMAIN. Judged per query and client, never held per domain:
 * the victim's other clients keep resolving its real names. PTR look-ups are left out (a mail
 * server's reverse look-ups are many distinct names under one arpa zone, often NXDOMAIN).
 */
static int
wt_domain(const struct dnsf_detect_params *p, const struct dnsf_dom *dm, const struct dnsf_win *dx,
          struct dnsf_dom_view *dv)
{
	/* The domain's distinct names: the rules did not need them, read them now. */
	dnsf_dom_view_rest_w(dm, dx, dv);
	return dv->distinct >= p->wt_domain_distinct &&
	       dnsf_dom_negative_at_least(dm, DNSF_WT_MIN_RESPONSES, p->wt_negative_pm);
}

/* The client's part inline (nearly every query fails it at once), the domain's out of line. */
static inline __attribute__((always_inline)) int
water_torture(const struct dnsf_detect_params *p, const struct dnsf_flow *f,
              const struct dnsf_dom *dm, const struct dnsf_win *dx, const struct dnsf_dns_msg *m,
              const struct dnsf_qfeat *q, struct dnsf_dom_view *dv)
{
	return p->wt_on && f != NULL && dm != NULL && q->sub_len > 0 && m->qtype != DNSF_T_PTR &&
	       f->responses >= DNSF_WT_MIN_FLOW_RESPONSES &&
	       dnsf_flow_nx_pm(f) >= p->wt_negative_pm && wt_domain(p, dm, dx, dv);
}

/* The 3 bits of a name's hash kept as the burst's check-in tag (not the bitmap's bits). */
static inline unsigned
hb_tag_of(uint64_t name_hash)
{
	return (unsigned)(name_hash >> 61);
}

/*
 * Beacon data name (docs/detection.md, "Beacons"): a query inside a burst whose name lies under
 * the burst's first name, the check-in ("api.<hex>.<id>.dom" under "<id>.dom"), with a label in
 * front of it that carries random-looking data (>= 6 characters, digits and letters). The parent
 * is recognised by the check-in's tag and its bit in the flow's name bitmap (suffix hashes h[i]
 * are the hashes of those names as whole names; not this name's own bit).
 */
static int
beacon_name(const struct dnsf_flow *f, const struct dnsf_dns_msg *m, const uint64_t *h,
            unsigned split)
{
	const unsigned own = (unsigned)(h[0] >> 40) & 31;
	unsigned i, l;

	for (i = 1; i < split; i++) {
		const unsigned pos = (unsigned)(h[i] >> 40) & 31;
		if (hb_tag_of(h[i]) == f->hb_tag && pos != own && (f->all_bits >> pos & 1))
			break;
	}
	if (i >= split)
		return 0;
	for (l = 0; l < i; l++) {
		const char *s = m->qname + m->label_off[l];
		unsigned digits = 0, letters = 0;

		if (m->label_len[l] < 6)
			continue;
		for (unsigned k = 0; k < m->label_len[l]; k++) {
			digits += s[k] >= '0' && s[k] <= '9';
			letters += s[k] >= 'a' && s[k] <= 'z';
		}
		if (digits && letters)
			return 1;
	}
	return 0;
}

/* out->feat of a scored message: the raw features, the rule parts, the beacon's flow values.
 * *fv and *dv hold the rules' readings of f and dm (dnsf_flow_view_rules_w,
 * dnsf_dom_view_rules_w), or zeros without an entry: the rest of each view is read here, only
 * for the messages whose features someone reads (the entries have changed since in none of the
 * fields it reads). */
static inline __attribute__((always_inline)) void
out_features(struct dnsf_detect_out *out, struct dnsf_flow_view *fv, struct dnsf_dom_view *dv,
             const struct dnsf_flow *f, const struct dnsf_dom *dm, const struct dnsf_detect *d,
             const struct dnsf_detect_in *in, unsigned split)
{
	/* The name's fields only the features read (lazy_feat: dnsf_qfeat_compute_rules). */
	dnsf_qfeat_finish(&in->pkt->dns, split, in->dns, in->dns_len, &out->q);
	if (f != NULL)
		dnsf_flow_view_rest_w(f, &d->fwin, fv);
	if (dm != NULL)
		dnsf_dom_view_rest_w(dm, &d->dwin, dv);
	dnsf_feat_fill(&out->q, fv, dv, &out->feat);
	out->feat.v[DNSF_F_Q_POINTS] = out->parts.q;
	out->feat.v[DNSF_F_FLOW_POINTS] = out->parts.flow;
	out->feat.v[DNSF_F_DOM_POINTS] = out->parts.dom;
	out->feat.v[DNSF_F_RESP_POINTS] = out->parts.resp;
	out->feat.v[DNSF_F_BEACON_POINTS] = out->parts.beacon;
	out->feat.v[DNSF_F_FLOW_PERIOD_MS] = f != NULL ? (int32_t)dnsf_flow_period_ms(f) : 0;
	out->feat.v[DNSF_F_FLOW_REGULAR_GAPS] = f != NULL ? f->hb_reg : 0;
	out->has_feat = 1;
}

/* The flow's information as the top list ranks it (dnsf_top_info), right after one of its
 * queries (counters in x's window: wd 0). */
static inline uint32_t
flow_top_info(const struct dnsf_flow *f, const struct dnsf_win *x, const struct dnsf_flow_view *fv)
{
	return dnsf_top_info(dnsf_flow_read_info(f, 0, x->pw), fv->susp_info);
}

/* Rare path (notable or top-list-worthy messages): out of line. */
static __attribute__((noinline)) void
note_label(struct dnsf_detect *d, const struct dnsf_detect_params *p, const struct dnsf_flow *f,
           const struct dnsf_detect_in *in, int32_t score, int32_t model)
{
	const struct dnsf_pkt *pkt = in->pkt;
	const struct dnsf_dns_msg *m = &pkt->dns;
	const unsigned split = in->split <= m->nlabels ? in->split : m->nlabels;
	const unsigned off = split < m->nlabels ? m->label_off[split] : m->qname_len;

	dnsf_labels_note(&d->labels, f->key, d->fwin.now_s, p->flow_window_s,
	                 dnsf_pkt_client_addr(pkt), pkt->ip_version, m->qname + off,
	                 (unsigned)(m->qname_len - off), score, model);
}

/* In two versions where the build lacks POPCNT (dnsf_flow_upd.h): the flow and domain
 * updates and readings, which count bitmap bits, are inline here. */
DNSF_POPCNT_CLONES void
dnsf_detect_packet(struct dnsf_detect *d, const struct dnsf_detect_params *p,
                   const struct dnsf_detect_in *in, struct dnsf_detect_out *out)
{
	const struct dnsf_pkt *pkt = in->pkt;
	const struct dnsf_dns_msg *m = &pkt->dns;
	const uint64_t now_us = in->now_us;
	const unsigned split = in->split <= m->nlabels ? in->split : m->nlabels;
	uint32_t now_s;
	struct dnsf_flow *f;
	struct dnsf_dom *dm;
	struct dnsf_flow_view fv;
	struct dnsf_dom_view dv;
	uint64_t key, dkey;
	uint32_t check, dcheck;
	int created, rules_hit, model_hit, tunnel, neg_dom;
	unsigned fq = 0;

	out->tunnel = 0;
	out->reason = DNSF_R_NONE;
	out->scope = DNSF_SCOPE_NONE;
	out->new_verdict = 0;
	out->emit = 0;
	out->suppressed = 0;
	out->scored = 0;
	out->suspicious = 0;
	out->torture = 0;
	out->has_feat = 0;
	out->score = -1;
	out->model_score = -1;
	if (!p->enabled)
		return;
	if (d->fwin.now_us != now_us || d->fwin.win_s != p->flow_window_s)
		dnsf_win_at(&d->fwin, now_us, p->flow_window_s);
	if (d->dwin.now_us != now_us || d->dwin.win_s != p->domain_window_s)
		dnsf_win_at(&d->dwin, now_us, p->domain_window_s);
	now_s = d->fwin.now_s; /* the division done once per instant, with the windows' */

	d->now_us = now_us;
	/* Both buckets are requested before either is read, so their cache misses (the tables
	 * outgrow the caches) overlap instead of following one another. */
	if (in->has_keys) {
		/* A burst's first phase keyed this packet and prefetched both buckets. */
		key = in->key;
		check = in->check;
		dkey = in->dkey;
		dcheck = in->dcheck;
	} else {
		const uint64_t reg_hash = in->h[split];

		dnsf_flow_key(dnsf_pkt_client_addr(pkt), reg_hash, &key, &check);
		dnsf_dom_key(reg_hash, &dkey, &dcheck);
		dnsf_tab_prefetch(&d->flows, key);
		dnsf_tab_prefetch(&d->doms, dkey);
	}
	f = (struct dnsf_flow *)dnsf_tab_get(&d->flows, key, check, now_us, &created);
	/* While the flow table holds no more flows than the label store has labels, every new
	 * flow gets its label at once (dnsf_detect.h). */
	if (created && d->flows.used <= d->labels.entries)
		note_label(d, p, f, in, 0, -1);
	dm = (struct dnsf_dom *)dnsf_tab_get(&d->doms, dkey, dcheck, now_us, &created);

	/* Verdict cache: the rest of a caught flow (queries and answers) goes cheaply. */
	if ((f != NULL && f->hold_until_s > now_s) || (dm != NULL && dm->hold_until_s > now_s)) {
		out->tunnel = 1;
		out->reason = DNSF_R_VERDICT_CACHE;
		out->scope =
		    (f != NULL && f->hold_until_s > now_s) ? DNSF_SCOPE_FLOW : DNSF_SCOPE_DOMAIN;
		d->cache_hits++;
		cached_update(p, d, f, dm, m, split, in->h[0], now_us);
		rate_limit_event(p, f, now_s, out);
		return;
	}

	if (in->lazy_feat) /* what the rules read; the rest where the features are filled */
		dnsf_qfeat_compute_rules(m, split, in->dns, in->dns_len, in->h[0], &out->q);
	else
		dnsf_qfeat_compute(m, split, in->dns, in->dns_len, in->h[0], &out->q);
	uint32_t qev;
	const int32_t qpts = query_points(p, &out->q, &qev);
	out->suspicious = qpts >= (int32_t)p->susp_points;
	if (f != NULL) {
		if (pkt->is_query) {
			fq = dnsf_flow_on_query_view_w(f, &out->q, out->suspicious, &d->fwin, &fv);
			/* The top list's label for a flow whose information reaches the bar
			 * (dnsf_detect.h): only a new name raises it. */
			if ((fq & DNSF_FQ_NEW) &&
			    (d->label_bar == 0 || flow_top_info(f, &d->fwin, &fv) >= d->label_bar))
				note_label(d, p, f, in, 0, -1);
			/* Beacon data: a new name in a burst, under the burst's check-in; a
			 * repeated one marks the burst as a poll's. */
			/* Not in a flow that never pauses (a forwarder's): a beacon's burst is a
			 * dozen queries after a silence (rate: 1 q/s adds 11 a second). */
			if (!(fq & DNSF_FQ_BURST))
				f->hb_tag = hb_tag_of(in->h[0]);
			else if (p->beacon_on && split >= 2 && f->rate <= DNSF_HB_RATE_MAX &&
			         beacon_name(f, m, in->h, split)) {
				if (!(fq & DNSF_FQ_NEW))
					f->hb_rep = 1;
				else if (f->hb_names < 7)
					f->hb_names++;
			}
		} else {
			dnsf_flow_on_response_view_w(f, &out->q, &d->fwin, &fv);
		}
		/* The rules' reading fv is of the updated entry, before the beacon's fields
		 * above changed (it reads none of them). */
	} else {
		memset(&fv, 0, sizeof(fv));
		/* Read by the control side (dnsf_worker_stats_read): a relaxed store. */
		__atomic_store_n(&d->no_state, d->no_state + 1, __ATOMIC_RELAXED);
	}
	if (dm != NULL) {
		if (pkt->is_query)
			/* Across clients only clearly encoded names count (a higher bar than
			 * per flow): a big network sends many moderately odd names to the same
			 * popular domains, one or two from each client. */
			dnsf_dom_on_query_view_w(dm, &out->q, qpts >= (int32_t)p->dom_susp_points,
			                         &d->dwin, &dv);
		else
			dnsf_dom_on_response_view_w(dm, &out->q, &d->dwin, &dv);
	} else {
		memset(&dv, 0, sizeof(dv));
	}

	d->scored++;
	out->scored = 1;
	out->score = rules_score(p, &out->q, qpts, qev, &fv, &dv, &out->parts);
	/* Beacon part: a periodic flow (a run of regular check-in gaps) whose current burst carries
	 * data names. Rule input only: the model's vector does not see it. */
	if (f != NULL && (fq & DNSF_FQ_BURST) && f->hb_names > 0 &&
	    f->hb_reg >= p->beacon_regular && p->beacon_on) {
		/* Data names of this burst, and three more after a recent burst that had some. */
		const uint32_t b = ((uint32_t)f->hb_names + 3u * f->hb_carry) * p->beacon_points;
		out->parts.beacon = b > DNSF_PT_BEACON ? DNSF_PT_BEACON : (int32_t)b;
		out->parts.evidence |= DNSF_EV_BEACON;
		out->score += out->parts.beacon;
	}
	/* The raw features: now, or (lazy_feat) only where they are read — by the model, by an
	 * event — from the same values (what follows changes only the flow's hold and event
	 * time and its label, none of them a feature). */
	if (!in->lazy_feat)
		out_features(out, &fv, &dv, f, dm, d, in, split);

	/* While most of the domain's answers are negative (a pseudo-random-subdomain flood against
	 * a victim), the domain's evidence is the attacker's, not this client's: the rules then
	 * judge each client on its own part, so the victim's real clients keep resolving (the
	 * sources are judged on their own names, or as water torture). A tunnel needs answers
	 * that carry data, so its domain evidence still counts. */
	rules_hit = out->score >= (int32_t)p->rules.threshold;
	/* neg_dom is read only for a rules hit (below): asked of those alone, and the domain part
	 * (never negative) taken off only then. */
	neg_dom = rules_hit && p->wt_on && dm != NULL &&
	          dnsf_dom_negative_at_least(dm, DNSF_WT_MIN_RESPONSES, p->wt_negative_pm);
	if (neg_dom)
		rules_hit = out->score - out->parts.dom >= (int32_t)p->rules.threshold;
	model_hit = 0;
	/* A message whose subdomain is shorter than model.min_subdomain carries a few bytes at
	 * most (an answer: unless its records are big, a tunnel's downstream to a short poll):
	 * blocking it saves nothing, and its shape alone is an admin's `dig CNAME
	 * img2.news.example` and its answer as much as a tunnel's poll (docs/model.md,
	 * "Threshold"). Its score is still reported (model.score: all); the rules judge it. */
	tunnel = rules_hit;
	if (p->model != NULL && p->model_score != NULL) {
		const int may_judge =
		    out->q.sub_len >= p->model_min_sub ||
		    (!pkt->is_query && out->q.rdata_total >= DNSF_MODEL_ANSWER_BYTES);

		if (p->model_scope == DNSF_MSCOPE_ALL || out->score >= (int32_t)p->susp_points ||
		    (p->model_scope == DNSF_MSCOPE_NEEDED && may_judge)) {
			int32_t vec[DNSF_F_VEC_COUNT];
			if (!out->has_feat)
				out_features(out, &fv, &dv, f, dm, d, in, split);
			dnsf_feat_vector(&out->feat, vec);
			out->model_score = p->model_score(p->model, vec);
			model_hit = out->model_score >= p->model_threshold && may_judge;
			switch (p->combine) {
			case DNSF_COMBINE_BOTH:
				tunnel = rules_hit && model_hit;
				break;
			case DNSF_COMBINE_RULES:
				tunnel = rules_hit;
				break;
			case DNSF_COMBINE_MODEL:
				tunnel = model_hit;
				break;
			default:
				tunnel = rules_hit || model_hit;
				break;
			}
		}
	}
	d->rules_hits += (uint64_t)rules_hit;
	d->model_hits += (uint64_t)model_hit;
	/* The top list's label with the peak scores of a notable message (dnsf_detect.h);
	 * ordinary traffic never touches the store. */
	if (f != NULL && (out->score >= p->label_points || model_hit))
		note_label(d, p, f, in, out->score, out->model_score);
	if (!tunnel) {
		if (pkt->is_query && water_torture(p, f, dm, &d->dwin, m, &out->q, &dv)) {
			out->torture = 1;
			out->reason = DNSF_R_WATER_TORTURE;
			d->wt_hits++;
			rate_limit_event(p, f, now_s, out);
			if (out->emit && !out->has_feat)
				out_features(out, &fv, &dv, f, dm, d, in, split);
		}
		return;
	}

	out->tunnel = 1;
	out->reason = rules_hit ? DNSF_R_RULES : DNSF_R_MODEL;
	if (rules_hit && out->parts.beacon > 0 &&
	    out->score - out->parts.beacon - (neg_dom ? out->parts.dom : 0) <
	        (int32_t)p->rules.threshold) {
		out->reason = DNSF_R_BEACON;
		d->beacon_hits++;
	}
	out->scope = DNSF_SCOPE_FLOW;
	if (p->hold_s > 0) {
		if (f != NULL) {
			f->hold_until_s = now_s + p->hold_s;
			out->new_verdict = 1;
			d->flow_verdicts++;
		}
		/* Domain-wide evidence alone (without this client's flow part) is enough: then
		 * every client of the registered domain is cut, also ones we have not seen yet.
		 * Not while most of the domain's answers are negative: that is the shape of a
		 * pseudo-random-subdomain flood against a victim, and a domain-wide hold would
		 * finish the attacker's work for every other client (the flows that sent it are
		 * still held). A tunnel needs answers that carry data. */
		if (dm != NULL && rules_hit && !neg_dom &&
		    out->parts.q + out->parts.dom + out->parts.resp >=
		        (int32_t)p->rules.threshold) {
			dm->hold_until_s = now_s + p->hold_s;
			out->scope = DNSF_SCOPE_DOMAIN;
			out->new_verdict = 1;
			d->dom_verdicts++;
		}
	}
	rate_limit_event(p, f, now_s, out);
	if (out->emit && !out->has_feat)
		out_features(out, &fv, &dv, f, dm, d, in, split);
}

static void
add_feat(struct dnsf_event *ev, const struct dnsf_detect_out *out, unsigned id)
{
	for (unsigned i = 0; i < ev->n_feat; i++)
		if (ev->feat[i].id == id)
			return;
	if (ev->n_feat >= DNSF_EVENT_MAX_FEAT)
		return;
	ev->feat[ev->n_feat].id = (uint8_t)id;
	ev->feat[ev->n_feat].value = out->feat.v[id];
	ev->n_feat++;
}

void
dnsf_detect_fill_event(const struct dnsf_detect_out *out, struct dnsf_event *ev)
{
	static const struct {
		uint32_t ev;
		uint8_t feat;
	} why[] = {
	    {DNSF_EV_SUB_LONG, DNSF_F_SUB_LEN},
	    {DNSF_EV_LABEL_LONG, DNSF_F_SUB_MAX_LABEL},
	    {DNSF_EV_ENTROPY, DNSF_F_ENTROPY},
	    {DNSF_EV_BINARY, DNSF_F_OTHER_PM},
	    {DNSF_EV_BIGRAM, DNSF_F_BIGRAM},
	    {DNSF_EV_RARE_TYPE, DNSF_F_TYPE_RARE},
	    {DNSF_EV_FLOW_INFO, DNSF_F_FLOW_SUSP_INFO},
	    {DNSF_EV_FLOW_DIST, DNSF_F_FLOW_SUSP_DISTINCT},
	    {DNSF_EV_FLOW_MANY, DNSF_F_FLOW_DISTINCT},
	    {DNSF_EV_DOM_INFO, DNSF_F_DOM_SUSP_INFO},
	    {DNSF_EV_DOM_DIST, DNSF_F_DOM_SUSP_DISTINCT},
	    {DNSF_EV_BIG_ANSWER, DNSF_F_TXTNULL_MAX},
	    {DNSF_EV_FLOW_RARE, DNSF_F_FLOW_RARE_PM},
	    {DNSF_EV_BEACON, DNSF_F_BEACON_POINTS},
	    {DNSF_EV_BEACON, DNSF_F_FLOW_PERIOD_MS},
	    {DNSF_EV_BEACON, DNSF_F_FLOW_REGULAR_GAPS},
	};

	ev->score = out->score;
	ev->model_score = out->model_score;
	ev->n_feat = 0;
	if (!out->scored)
		return;
	add_feat(ev, out, DNSF_F_Q_POINTS);
	add_feat(ev, out, DNSF_F_FLOW_POINTS);
	add_feat(ev, out, DNSF_F_DOM_POINTS);
	if (out->parts.resp)
		add_feat(ev, out, DNSF_F_RESP_POINTS);
	if (out->parts.evidence & DNSF_EV_ALPHABET)
		add_feat(ev, out,
		         (out->q.fit & DNSF_FIT_BASE64) ? DNSF_F_FIT_BASE64 : DNSF_F_FIT_BASE32);
	for (unsigned i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		if (out->parts.evidence & why[i].ev)
			add_feat(ev, out, why[i].feat);
	/* Context worth having in every event, as room allows. */
	add_feat(ev, out, DNSF_F_SUB_LEN);
	add_feat(ev, out, DNSF_F_ENTROPY);
	add_feat(ev, out, DNSF_F_FLOW_SUSP_INFO);
	add_feat(ev, out, DNSF_F_FLOW_QUERIES);
	add_feat(ev, out, DNSF_F_FLOW_RATE);
}
