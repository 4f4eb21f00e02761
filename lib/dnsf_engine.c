/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet decision. Order matters and is documented in docs/architecture.md:
 *   parse -> non-DNS passes untouched -> fragment / malformed policy -> (answers: 0x20 case
 *   restored) -> allow list (always passes) -> deny list -> tunnel detection -> rare-type
 *   policy (queries detection let pass) -> action (drop / refuse / log; monitor turns blocks
 *   into log) -> hardening of what passes (queries: 0x20 randomization, EDNS clamp; answers:
 *   EDNS ceiling), inline mode only (docs/hardening.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_detect.h"
#include "dnsf_engine.h"
#include "dnsf_harden.h"
#include "dnsf_lists.h"
#include "dnsf_model.h"
#include "dnsf_name.h"
#include "dnsf_psl.h"
#include "dnsf_refuse.h"
#include "dnsf_suffix.h"

struct dnsf_engine {
	struct dnsf_config cfg; /* private copy: the engine never changes under a worker */
	/* Allow and deny lists, never NULL. Control writes it (dnsf_engine_swap_lists, release);
	 * workers read it once per packet (acquire) where they work on its name (name_work: the
	 * burst's first phase, or dnsf_worker_process) and decide that packet with those lists:
	 * the one field that changes under them. */
	struct dnsf_lists *lists;
	struct dnsf_psl *psl;             /* registered-domain split; NULL when detection is off */
	struct dnsf_detect_params detect; /* detector settings resolved from cfg (dnsf_detect.h) */
	struct dnsf_model *model;         /* NULL: no model (rules decide alone) */
	char warning[DNSF_ERR_MAX + 64];  /* "" or why an optional model was not loaded */
	struct dnsf_suffix_set *case_exc; /* hardening.case_exceptions; NULL = empty */
	struct dnsf_harden harden;        /* hardening settings and key (dnsf_harden.h) */
	/* No model scores every message: the detector may fill the raw features only where they
	 * are read (dnsf_detect_in.lazy_feat), unless a tap wants them all. */
	uint8_t lazy_feat;
	/* Which hardening steps run at all (ENG_HD_*), from mode and harden at creation: one test
	 * per message instead of the mode and the switches each time. */
	uint8_t hd_on;
};

enum {
	ENG_HD_RESTORE = 1, /* inline, case_on: answers get the client's case back */
	ENG_HD_QUERY = 2,   /* inline, case_on or edns_on: harden_pass() on a query */
	ENG_HD_ANSWER = 4,  /* inline, edns_on: harden_pass() on an answer */
};

/* A worker's private detector state: flow and domain tables (dnsf_detect.h). */
#define DENY_EV_SLOTS 1024 /* power of two */

struct dnsf_worker_state {
	struct dnsf_detect det; /* initialised only when detection is enabled */
	/* Deny-list hits need no flow state, but one event per packet would flood the log: a
	 * small direct-mapped memory of (client, listed suffix) -> last event second limits them
	 * like detection events (detection.event_interval_seconds). A slot collision at worst
	 * lets one extra event through. */
	uint64_t deny_ev_key[DENY_EV_SLOTS];
	uint32_t deny_ev_sec[DENY_EV_SLOTS];
	/* A burst's first phase (dnsf_worker_prepare): each slot's parse, suffix hashes, PSL
	 * split, allow/deny results and table keys, read back by the second phase
	 * (dnsf_worker_decide). */
	struct dnsf_prep {
		struct dnsf_pkt p;
		uint8_t cls;        /* what dnsf_pkt_parse() returned */
		int8_t allow, deny; /* list results (name_work) */
		/* The detector's input as far as the first phase knows it, read in place by the
		 * second (no copy): pkt, h and has_keys point at this slot for good
		 * (dnsf_worker_init); split for every DNS message; the keys for every DNS message
		 * when detection is on (the config never changes under a worker), so a DNS
		 * message's slot has them exactly when detect() runs. detect() adds the rest. */
		struct dnsf_detect_in in;
		uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	} prep[DNSF_BURST_MAX];
};

const struct dnsf_config *
dnsf_engine_config(const struct dnsf_engine *eng)
{
	return &eng->cfg;
}

static int32_t
model_score(const void *model, const int32_t *vec)
{
	return dnsf_model_score(model, vec);
}

/* A model that fails to load stops startup when model.required (fail closed on configuration:
 * the operator asked for it); otherwise the rules decide alone and the reason is kept for the
 * log (dnsf_engine_warning). */
static int
load_model(struct dnsf_engine *eng, char *err, size_t errlen)
{
	char why[DNSF_ERR_MAX];

	if (dnsf_model_load(eng->cfg.model.path, dnsf_feat_schema_hash(), DNSF_F_VEC_COUNT,
	                    &eng->model, why, sizeof(why)) == 0) {
		eng->detect.model = eng->model;
		eng->detect.model_score = model_score;
		return 0;
	}
	if (eng->cfg.model.required) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	snprintf(eng->warning, sizeof(eng->warning), "model not loaded, rules decide alone: %s",
	         why);
	return 0;
}

struct dnsf_lists *
dnsf_engine_swap_lists(struct dnsf_engine *eng, struct dnsf_lists *lists)
{
	/* Not yet published: building its index here is still control-side work. Without one
	 * (out of memory) workers make the three look-ups one by one. */
	if (lists->idx == NULL)
		(void)dnsf_lists_index(lists, eng->psl, NULL, 0);
	return __atomic_exchange_n(&eng->lists, lists, __ATOMIC_ACQ_REL);
}

const struct dnsf_lists *
dnsf_engine_lists(const struct dnsf_engine *eng)
{
	return __atomic_load_n(&eng->lists, __ATOMIC_ACQUIRE);
}

const char *
dnsf_engine_warning(const struct dnsf_engine *eng)
{
	return eng->warning;
}

int
dnsf_engine_create(const struct dnsf_config *cfg, struct dnsf_engine **out, char *err,
                   size_t errlen)
{
	struct dnsf_engine *eng = calloc(1, sizeof(*eng));

	*out = NULL;
	if (eng == NULL) {
		snprintf(err, errlen, "out of memory building the engine");
		return -1;
	}
	eng->cfg = *cfg;
	if (dnsf_lists_load(cfg->allowlist, cfg->denylist, &eng->lists, err, errlen) != 0)
		goto fail;
	/* The exception list matters only when case randomization runs (like the PSL). */
	if (cfg->harden.case_randomization && cfg->harden.case_exceptions[0] != '\0' &&
	    dnsf_suffix_set_load(cfg->harden.case_exceptions, &eng->case_exc, err, errlen) != 0)
		goto fail;
	if (dnsf_harden_init(&eng->harden, &cfg->harden, eng->case_exc, err, errlen) != 0)
		goto fail;
	if (cfg->mode == DNSF_MODE_INLINE) /* a TAP cannot change packets */
		eng->hd_on =
		    (uint8_t)((eng->harden.case_on ? ENG_HD_RESTORE : 0) |
		              (eng->harden.case_on || eng->harden.edns_on ? ENG_HD_QUERY : 0) |
		              (eng->harden.edns_on ? ENG_HD_ANSWER : 0));
	dnsf_detect_params_init(&eng->detect, &cfg->detect, &cfg->model);
	if (cfg->detect.enabled && cfg->model.path[0] != '\0' && load_model(eng, err, errlen) != 0)
		goto fail;
	eng->lazy_feat = eng->detect.model == NULL || eng->detect.model_scope != DNSF_MSCOPE_ALL;
	if (cfg->detect.enabled &&
	    dnsf_psl_load(cfg->detect.psl[0] != '\0' ? cfg->detect.psl : DNSF_PSL_DEFAULT_PATH,
	                  false, &eng->psl, err, errlen) != 0)
		goto fail;
	if (dnsf_lists_index(eng->lists, eng->psl, err, errlen) != 0)
		goto fail;
	*out = eng;
	return 0;
fail:
	dnsf_engine_free(eng);
	return -1;
}

void
dnsf_engine_free(struct dnsf_engine *eng)
{
	if (eng == NULL)
		return;
	dnsf_lists_free(eng->lists);
	dnsf_model_free(eng->model);
	dnsf_suffix_set_free(eng->case_exc);
	dnsf_psl_free(eng->psl);
	free(eng);
}

int
dnsf_worker_init(struct dnsf_worker *w, const struct dnsf_engine *eng, uint16_t id, char *err,
                 size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->eng = eng;
	w->id = id;
	w->st = calloc(1, sizeof(*w->st));
	if (w->st == NULL) {
		snprintf(err, errlen, "out of memory for the detector state of worker %u", id);
		return -1;
	}
	for (unsigned i = 0; i < DNSF_BURST_MAX; i++) {
		struct dnsf_prep *pre = &w->st->prep[i];

		pre->in.pkt = &pre->p;
		pre->in.h = pre->h;
		pre->in.has_keys = 1;
	}
	if (!eng->cfg.detect.enabled)
		return 0;
	if (dnsf_detect_init(&w->st->det, &eng->detect, err, errlen) != 0) {
		free(w->st);
		w->st = NULL;
		return -1;
	}
	return 0;
}

void
dnsf_worker_fini(struct dnsf_worker *w)
{
	if (w->st != NULL) {
		dnsf_detect_fini(&w->st->det);
		free(w->st);
	}
	w->st = NULL;
}

int
dnsf_worker_top_step(struct dnsf_worker *w, uint32_t budget)
{
	if (w->st == NULL || !w->eng->cfg.detect.enabled)
		return 1;
	if (dnsf_detect_top_step(&w->st->det, &w->eng->detect, budget) == 0)
		return 0;
	dnsf_top_publish(&w->top, &w->st->det.top.work);
	return 1;
}

void
dnsf_worker_top_flush(struct dnsf_worker *w)
{
	if (w->st == NULL || !w->eng->cfg.detect.enabled)
		return;
	dnsf_top_scan_begin(&w->st->det.top);
	dnsf_worker_top_step(w, UINT32_MAX);
}

int
dnsf_worker_top_read(const struct dnsf_worker *w, struct dnsf_top_snap *out)
{
	return dnsf_top_read(&w->top, out);
}

void
dnsf_worker_stats_read(const struct dnsf_worker *w, struct dnsf_worker_stats *out)
{
	const struct dnsf_detect *det;

	dnsf_stats_snapshot(&w->stats, out);
	if (w->st == NULL || !w->eng->cfg.detect.enabled)
		return;
	/* The tables count for themselves (relaxed stores by the worker): read them here rather
	 * than have the worker copy them into w->stats after every message. */
	det = &w->st->det;
	out->flow_inserts = __atomic_load_n(&det->flows.inserts, __ATOMIC_RELAXED);
	out->flow_evictions = __atomic_load_n(&det->flows.evictions, __ATOMIC_RELAXED);
	out->domain_inserts = __atomic_load_n(&det->doms.inserts, __ATOMIC_RELAXED);
	out->domain_evictions = __atomic_load_n(&det->doms.evictions, __ATOMIC_RELAXED);
	out->flow_no_state = __atomic_load_n(&det->no_state, __ATOMIC_RELAXED);
}

int
dnsf_worker_tables(const struct dnsf_worker *w, struct dnsf_tab_counters *flows,
                   struct dnsf_tab_counters *doms)
{
	memset(flows, 0, sizeof(*flows));
	memset(doms, 0, sizeof(*doms));
	if (w->st == NULL || !w->eng->cfg.detect.enabled)
		return -1;
	dnsf_tab_counters(&w->st->det.flows, flows);
	dnsf_tab_counters(&w->st->det.doms, doms);
	return 0;
}

/*
 * Suffix hashes (into h), allow/deny results against `lists` (*am, *dm) and, with detection on,
 * the PSL split (returned) of a DNS message: after the hashes, one walk of the lists' index, or
 * the three look-ups one by one when the lists have no index for this engine's PSL. *dm is read
 * only when *am < 0 (the allow list wins), so it is left as the look-up gives it, not set to -1
 * when *am matched. Reads the message, the lists and the read-only engine only.
 */
static inline __attribute__((always_inline)) unsigned
name_work(const struct dnsf_engine *eng, const struct dnsf_dns_msg *m,
          const struct dnsf_lists *lists, uint64_t *h, int8_t *am, int8_t *dm)
{
	unsigned split = 0;
	int a, d;

	dnsf_name_msg_hashes(m, h);
	if (__builtin_expect(lists->idx != NULL && lists->idx_psl == eng->psl, 1)) {
		struct dnsf_listidx_res r;

		dnsf_listidx_lookup(lists->idx, m, h, &r);
		a = r.allow;
		d = r.deny;
		if (eng->psl != NULL && r.psl > 0)
			split = (unsigned)r.psl - 1;
	} else {
		a = lists->allow != NULL ? dnsf_suffix_set_match(lists->allow, m, h) : -1;
		d = a < 0 && lists->deny != NULL ? dnsf_suffix_set_match(lists->deny, m, h) : -1;
		if (eng->psl != NULL)
			split = (unsigned)dnsf_psl_split(eng->psl, m, h);
	}
	*am = (int8_t)a;
	*dm = (int8_t)d;
	return split;
}

static void
fill_event(const struct dnsf_worker *w, const struct dnsf_pkt *p, uint64_t now_us,
           const char *domain, size_t domain_len, struct dnsf_event *ev)
{
	const int c_src = p->client_is_src;

	ev->ts_us = now_us;
	ev->worker = w->id;
	ev->ip_version = p->ip_version;
	ev->l4_proto = p->l4_proto;
	ev->is_query = p->is_query;
	ev->n_feat = 0;
	memcpy(ev->client, c_src ? p->src : p->dst, 16);
	memcpy(ev->server, c_src ? p->dst : p->src, 16);
	ev->client_port = c_src ? p->sport : p->dport;
	ev->server_port = c_src ? p->dport : p->sport;
	ev->qtype = p->dns.qtype;
	ev->score = -1;
	ev->model_score = -1;
	if (domain_len > DNSF_DNS_MAX_NAME)
		domain_len = DNSF_DNS_MAX_NAME;
	memcpy(ev->regdomain, domain, domain_len);
	ev->regdomain[domain_len] = '\0';
	memcpy(ev->qname, p->dns.qname, (size_t)p->dns.qname_len + 1);
}

static int
deny_event_due(struct dnsf_worker *w, const struct dnsf_pkt *p, uint64_t suffix_hash,
               uint64_t now_us)
{
	struct dnsf_worker_state *st = w->st;
	uint32_t check_unused;
	const uint64_t key = dnsf_key16(dnsf_pkt_client_addr(p), suffix_hash, &check_unused) | 1;
	const unsigned slot = (unsigned)(key >> 40) & (DENY_EV_SLOTS - 1);
	const uint32_t now_s = (uint32_t)(now_us / 1000000);

	if (st->deny_ev_key[slot] == key &&
	    now_s - st->deny_ev_sec[slot] < w->eng->cfg.detect.event_interval_seconds)
		return 0;
	st->deny_ev_key[slot] = key;
	st->deny_ev_sec[slot] = now_s;
	return 1;
}

/*
 * Carry out a blocking decision. Monitor mode and the `log` action pass the packet and count what
 * would have happened; `refuse` falls back to drop when the packet cannot be answered (a response,
 * TCP, a fragment).
 */
static void
block_rcode(struct dnsf_worker *w, uint8_t action, uint8_t reason, uint8_t rcode, uint8_t *frame,
            uint32_t len, uint32_t room, const struct dnsf_pkt *p, struct dnsf_verdict *v)
{
	const struct dnsf_config *cfg = &w->eng->cfg;

	v->reason = reason;
	v->would = action;
	if (cfg->mode == DNSF_MODE_MONITOR || action == DNSF_ACT_LOG) {
		v->action = DNSF_ACT_PASS;
		DNSF_STAT_INC(&w->stats, would_drop);
		return;
	}
	if (action == DNSF_ACT_REFUSE) {
		uint32_t out_len = 0;

		if (p->cls == DNSF_PKT_DNS && p->is_query &&
		    dnsf_refuse_build(frame, len, room, p, rcode, &out_len) == 0) {
			v->action = DNSF_ACT_REFUSE;
			v->out_len = (uint16_t)out_len;
			DNSF_STAT_INC(&w->stats, refused_sent);
			return;
		}
		v->would = DNSF_ACT_DROP;
	}
	v->action = DNSF_ACT_DROP;
}

static void
block(struct dnsf_worker *w, uint8_t action, uint8_t reason, uint8_t *frame, uint32_t len,
      uint32_t room, const struct dnsf_pkt *p, struct dnsf_verdict *v)
{
	block_rcode(w, action, reason, w->eng->cfg.detect.refuse_rcode, frame, len, room, p, v);
}

/*
 * Rare-type policy (hardening.types) for a query that is not allow- or deny-listed. `refuse`
 * always answers REFUSED, whatever detection.refuse_rcode says: NXDOMAIN would tell caches that
 * the name has no records of any type. Events are rate-limited like deny-list events, per
 * (client, registered domain or name, QTYPE).
 */
static void
rare_type(struct dnsf_worker *w, uint8_t ta, uint8_t *frame, uint32_t len, uint32_t room,
          uint64_t now_us, const struct dnsf_pkt *p, const uint64_t *h, unsigned split,
          struct dnsf_verdict *v, struct dnsf_event *ev)
{
	const struct dnsf_engine *eng = w->eng;
	unsigned off;

	if (ta == DNSF_TYPE_COUNT) {
		DNSF_STAT_INC(&w->stats, rare_type_counted);
		return;
	}
	block_rcode(w, ta == DNSF_TYPE_REFUSE ? DNSF_ACT_REFUSE : DNSF_ACT_DROP, DNSF_R_RARE_TYPE,
	            DNSF_RCODE_REFUSED, frame, len, room, p, v);
	if (v->would == DNSF_ACT_REFUSE)
		DNSF_STAT_INC(&w->stats, rare_type_refused);
	else
		DNSF_STAT_INC(&w->stats, rare_type_dropped);
	/* The event names the registered domain when the PSL is loaded, else the whole name; the
	 * rate limit counts per registered domain, or per client and type without the PSL (a
	 * tunnel's names all differ). `split` is the PSL split (0 without the PSL). */
	off = split < p->dns.nlabels ? p->dns.label_off[split] : p->dns.qname_len;
	if (!deny_event_due(w, p,
	                    (eng->psl != NULL ? h[split] : 0) ^
	                        (UINT64_C(0x9e3779b97f4a7c15) * (p->dns.qtype + 1u)),
	                    now_us)) {
		DNSF_STAT_INC(&w->stats, events_suppressed);
		return;
	}
	fill_event(w, p, now_us, p->dns.qname + off, (size_t)(p->dns.qname_len - off), ev);
	ev->action = v->action;
	ev->would = v->would;
	ev->reason = v->reason;
	v->has_event = 1;
}

/* Hardening of a message that passes, in inline mode (dnsf_harden.h). */
static inline __attribute__((always_inline)) void
harden_pass(struct dnsf_worker *w, uint8_t *frame, uint32_t len, uint32_t room,
            const struct dnsf_pkt *p, const uint64_t *h, struct dnsf_verdict *v)
{
	const struct dnsf_harden *hd = &w->eng->harden;
	uint32_t out_len = 0;
	unsigned r;

	if (v->action != DNSF_ACT_PASS || p->l4_proto != 17)
		return;
	if (p->is_query) {
		if (!hd->case_on && !hd->edns_on)
			return;
		r = dnsf_harden_query(hd, frame, len, p, h);
		if (r & DNSF_HD_RANDOMIZED)
			DNSF_STAT_INC(&w->stats, randomized);
		if (r & DNSF_HD_EXEMPT)
			DNSF_STAT_INC(&w->stats, case_exempted);
		if (r & DNSF_HD_EDNS_CLAMPED)
			DNSF_STAT_INC(&w->stats, edns_clamped);
		if (r & (DNSF_HD_RANDOMIZED | DNSF_HD_EDNS_CLAMPED))
			v->rewritten = 1;
		return;
	}
	if (!hd->edns_on)
		return;
	r = dnsf_harden_oversize(hd, frame, len, p, &out_len);
	if (!(r & DNSF_HD_OVERSIZE))
		return;
	DNSF_STAT_INC(&w->stats, edns_oversize);
	if (r & DNSF_HD_TRUNCATED) {
		DNSF_STAT_INC(&w->stats, edns_truncated);
		v->rewritten = 1;
		v->out_len = (uint16_t)out_len;
		return;
	}
	block(w, DNSF_ACT_DROP, DNSF_R_EDNS_OVERSIZE, frame, len, room, p, v);
}

/*
 * Tunnel detection (dnsf_detect.h): flow/domain state, rule score (and model), verdict cache,
 * per-flow event rate limit. A tunnel verdict is carried out with the configured action.
 */
static inline __attribute__((always_inline)) void
detect(struct dnsf_worker *w, uint8_t *frame, uint32_t len, uint32_t room, uint64_t now_us,
       const struct dnsf_pkt *p, const uint64_t *h, unsigned split, struct dnsf_prep *pre,
       struct dnsf_verdict *v, struct dnsf_event *ev)
{
	const struct dnsf_engine *eng = w->eng;
	struct dnsf_detect *det = &w->st->det;
	struct dnsf_detect_out out;
	struct dnsf_detect_in one, *in; /* every field set below, each once (no zeroing first) */

	if (pre != NULL) {
		in = &pre->in; /* pkt, h, split and the keys from dnsf_worker_prepare */
	} else {
		in = &one;
		in->pkt = p;
		in->h = h;
		in->split = split;
		in->has_keys = 0;
	}
	in->dns = frame + p->dns_off;
	in->dns_len = p->dns_len;
	in->now_us = now_us;
	/* The raw features are read by the model, events and the trainer's tap only (a model
	 * that scores every message needs them every time anyway). */
	in->lazy_feat = w->tap == NULL && eng->lazy_feat;

	dnsf_detect_packet(det, &eng->detect, in, &out);
	if (w->tap != NULL) /* the trainer (dnsf_engine.h) */
		*w->tap = out;
	v->score = out.score;
	v->model_score = out.model_score;
	if (out.torture) {
		/* Its own action: operators may only log floods they would not drop as tunnels. */
		DNSF_STAT_INC(&w->stats, water_torture);
		block(w, eng->cfg.detect.water_torture.action, out.reason, frame, len, room, p, v);
	} else if (!out.tunnel) {
		return;
	} else {
		if (out.reason == DNSF_R_VERDICT_CACHE)
			DNSF_STAT_INC(&w->stats, verdict_cache_hits);
		else
			DNSF_STAT_INC(&w->stats, tunnel_detected);
		if (out.reason == DNSF_R_BEACON)
			DNSF_STAT_INC(&w->stats, beacon);
		block(w, eng->cfg.detect.action, out.reason, frame, len, room, p, v);
	}
	if (out.suppressed)
		DNSF_STAT_INC(&w->stats, events_suppressed);
	if (!out.emit)
		return;
	const unsigned off = split < p->dns.nlabels ? p->dns.label_off[split] : p->dns.qname_len;
	fill_event(w, p, now_us, p->dns.qname + off, (size_t)(p->dns.qname_len - off), ev);
	ev->action = v->action;
	ev->would = v->would;
	ev->reason = v->reason;
	dnsf_detect_fill_event(&out, ev);
	v->has_event = 1;
}

/*
 * The decision after the parse: `p` is the frame's parse, `cls` its class (into v->cls), `h` its
 * suffix hashes when it is a DNS message (computed here when `pre` is NULL), `pre` the burst slot
 * it came from (split and keys) or NULL. The same code for dnsf_worker_process() and
 * dnsf_worker_decide(), so the two cannot drift apart. Inlined into both (a call with ten
 * arguments per packet cost more than the copy), and so are detect() and harden_pass(): left
 * to itself GCC then stops inlining them into the bigger function.
 */
static inline __attribute__((always_inline)) void
decide(struct dnsf_worker *w, uint8_t *frame, uint32_t len, uint32_t room, uint64_t now_us,
       struct dnsf_pkt *p, uint64_t *h, struct dnsf_prep *pre, uint8_t cls, struct dnsf_verdict *v,
       struct dnsf_event *ev)
{
	unsigned split;
	int8_t am, dm;
	const struct dnsf_engine *eng = w->eng;
	const struct dnsf_config *cfg = &eng->cfg;
	struct dnsf_harden_undo undo;
	uint8_t ta;
	int m;

	undo.active = 0;
	/* One assignment: GCC merges it into a few wide stores (it kept seven narrow ones for
	 * the fields set one by one). PASS, NONE and 0 are all zero. */
	*v = (struct dnsf_verdict){
	    .action = DNSF_ACT_PASS,
	    .would = DNSF_ACT_PASS,
	    .reason = DNSF_R_NONE,
	    .cls = cls,
	    .score = -1,
	    .model_score = -1,
	};

	switch (cls) {
	case DNSF_PKT_NON_DNS:
		DNSF_STAT_INC(&w->stats, non_dns);
		v->reason = DNSF_R_NON_DNS;
		return;
	case DNSF_PKT_FRAGMENT:
		DNSF_STAT_INC(&w->stats, fragments);
		if (cfg->fragment_action == DNSF_ACT_DROP) {
			DNSF_STAT_INC(&w->stats, fragments_dropped);
			block(w, DNSF_ACT_DROP, DNSF_R_FRAGMENT, frame, len, room, p, v);
		}
		return;
	case DNSF_PKT_MALFORMED:
		/* A DNS message larger than one TCP segment (big DNSSEC answers, zone transfers) is
		 * legitimate: without stream reassembly we cannot judge it, so it passes, counted.
		 */
		if (p->malformed == DNSF_PKT_M_TCP_PARTIAL) {
			DNSF_STAT_INC(&w->stats, tcp_partial);
			return;
		}
		DNSF_STAT_INC(&w->stats, malformed);
		if (cfg->malformed_action == DNSF_ACT_DROP) {
			DNSF_STAT_INC(&w->stats, malformed_dropped);
			block(w, DNSF_ACT_DROP, DNSF_R_MALFORMED, frame, len, room, p, v);
		}
		return;
	default:
		break;
	}

	if (p->is_query)
		DNSF_STAT_INC(&w->stats, dns_queries);
	else
		DNSF_STAT_INC(&w->stats, dns_responses);
	if (p->l4_proto == 6)
		DNSF_STAT_INC(&w->stats, dns_tcp);

#define SPLIT() (pre != NULL ? pre->in.split : split)
	/* SPLIT(), the PSL split: computed here, or the burst slot's, loaded only by the paths
	 * that read it (loaded up front, it was kept on the stack across the whole decision). */
	if (pre == NULL) {
		/* One load per packet: a reload between two packets is seen by the next one. */
		split = name_work(eng, &p->dns, __atomic_load_n(&eng->lists, __ATOMIC_ACQUIRE), h,
		                  &am, &dm);
	} else {
		split = 0; /* the slot's (SPLIT below): read where used, on the rare paths */
		am = pre->allow;
		dm = pre->deny;
	}

	/* An answer gets the client's letter case back before anything looks at it, so lists,
	 * detection and the client see what they would have seen without hardening; a verdict
	 * other than pass puts the bytes back (undo): a dropped frame stays the one that came. */
	if ((eng->hd_on & ENG_HD_RESTORE) && !p->is_query) {
		const unsigned r = dnsf_harden_restore(&eng->harden, frame, len, p, h, &undo);

		if (r & DNSF_HD_RESTORED) {
			DNSF_STAT_INC(&w->stats, restored);
			v->rewritten = 1;
		}
		if (r & DNSF_HD_RESTORE_FAILED)
			DNSF_STAT_INC(&w->stats, restore_failed);
		if (r & DNSF_HD_EXEMPT)
			DNSF_STAT_INC(&w->stats, case_exempted);
	}

	/* The list results came with the name work (the lists it loaded; lower-case name and
	 * hashes, which the case restore does not change). */
	if (am >= 0) {
		DNSF_STAT_INC(&w->stats, allowlisted);
		v->reason = DNSF_R_ALLOWLIST;
		goto done;
	}
	if ((m = dm) >= 0) {
		DNSF_STAT_INC(&w->stats, denylisted);
		block(w, cfg->detect.action, DNSF_R_DENYLIST, frame, len, room, p, v);
		if (!deny_event_due(w, p, h[m], now_us)) {
			DNSF_STAT_INC(&w->stats, events_suppressed);
			goto done;
		}
		fill_event(w, p, now_us, p->dns.qname + p->dns.label_off[m],
		           (size_t)(p->dns.qname_len - p->dns.label_off[m]), ev);
		ev->action = v->action;
		ev->would = v->would;
		ev->reason = v->reason;
		v->has_event = 1;
		goto done;
	}
	/* Detection sees every query before the type policy: a tunnel refused on NULL falls back
	 * to TXT or CNAME, so its flow must build evidence (and a verdict that also covers the
	 * other types and the answers) from the refused queries too; and the operator's event then
	 * names the tunnel, not just a rare type. */
	if (cfg->detect.enabled) {
		detect(w, frame, len, room, now_us, p, h, SPLIT(), pre, v, ev);
		if (v->would != DNSF_ACT_PASS)
			goto done;
	}
	if (p->is_query && p->dns.opcode == 0 &&
	    (ta = dnsf_harden_type_action(&eng->harden, p->dns.qtype)) != DNSF_TYPE_PASS)
		rare_type(w, ta, frame, len, room, now_us, p, h, SPLIT(), v, ev);
done:
	/* Every query that passes is randomized and every answer restored: the two must agree. */
	if (eng->hd_on & (p->is_query ? ENG_HD_QUERY : ENG_HD_ANSWER))
		harden_pass(w, frame, len, room, p, h, v);
	if (v->action != DNSF_ACT_PASS && undo.active) {
		dnsf_harden_undo(frame, &undo);
		v->rewritten = 0;
	}
}
#undef SPLIT

void
dnsf_worker_process(struct dnsf_worker *w, uint8_t *frame, uint32_t len, uint32_t room,
                    uint64_t now_us, struct dnsf_verdict *v, struct dnsf_event *ev)
{
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	const uint8_t cls = (uint8_t)dnsf_pkt_parse(frame, len, &w->eng->cfg.pkt, &p);

	decide(w, frame, len, room, now_us, &p, h, NULL, cls, v, ev);
}

void
dnsf_worker_prepare(struct dnsf_worker *w, unsigned slot, const uint8_t *frame, uint32_t len)
{
	const struct dnsf_engine *eng = w->eng;
	struct dnsf_prep *pre = &w->st->prep[slot & (DNSF_BURST_MAX - 1)];
	struct dnsf_detect *det = &w->st->det;

	/* Only a DNS message's slot is read past cls (dnsf_worker_decide): nothing to reset. */
	pre->cls = (uint8_t)dnsf_pkt_parse(frame, len, &eng->cfg.pkt, &pre->p);
	if (pre->cls != DNSF_PKT_DNS)
		return;
	/* All of this is a function of the frame, the read-only engine (PSL) and the lists, never
	 * of table state, so doing it a burst ahead changes nothing but when the buckets arrive.
	 * The lists are loaded here, once for the packet, and stay valid to its decision: both
	 * phases run inside one burst, between two quiescent states of the worker. */
	pre->in.split = name_work(eng, &pre->p.dns, __atomic_load_n(&eng->lists, __ATOMIC_ACQUIRE),
	                          pre->h, &pre->allow, &pre->deny);
	if (!eng->cfg.detect.enabled)
		return;
	{
		/* split <= nlabels (dnsf_psl.h: 0, or the suffix index less one), as the detector,
		 * which reads h[split] too, relies on: no clamp. */
		const uint64_t reg_hash = pre->h[pre->in.split];

		dnsf_flow_key(dnsf_pkt_client_addr(&pre->p), reg_hash, &pre->in.key,
		              &pre->in.check);
		dnsf_dom_key(reg_hash, &pre->in.dkey, &pre->in.dcheck);
	}
	/* The flow's and the domain's buckets. (The top list's labels are not prefetched: only
	 * notable messages touch them, dnsf_detect.h.) */
	dnsf_tab_prefetch(&det->flows, pre->in.key);
	dnsf_tab_prefetch(&det->doms, pre->in.dkey);
}

void
dnsf_worker_decide(struct dnsf_worker *w, unsigned slot, uint8_t *frame, uint32_t len,
                   uint32_t room, uint64_t now_us, struct dnsf_verdict *v, struct dnsf_event *ev)
{
	struct dnsf_prep *pre = &w->st->prep[slot & (DNSF_BURST_MAX - 1)];

	decide(w, frame, len, room, now_us, &pre->p, pre->h, pre, pre->cls, v, ev);
}

void
dnsf_worker_process_burst(struct dnsf_worker *w, const struct dnsf_burst_pkt *pk, unsigned n,
                          struct dnsf_verdict *v, struct dnsf_event *ev)
{
	while (n > 0) {
		const unsigned k = n < DNSF_BURST_MAX ? n : DNSF_BURST_MAX;

		for (unsigned i = 0; i < k; i++)
			dnsf_worker_prepare(w, i, pk[i].frame, pk[i].len);
		for (unsigned i = 0; i < k; i++)
			dnsf_worker_decide(w, i, pk[i].frame, pk[i].len, pk[i].room, pk[i].now_us,
			                   &v[i], &ev[i]);
		pk += k;
		v += k;
		ev += k;
		n -= k;
	}
}
