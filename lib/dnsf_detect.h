/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_detect — the tunnel detector of one worker: flow and domain state, per-message features,
 * the transparent rule scorer, the optional model, the verdict cache and the per-flow event
 * rate limit. The rules and their points are documented in docs/detection.md.
 *
 * Contract:
 *  - struct dnsf_detect_params is read-only (built once from the config by the control side);
 *    struct dnsf_detect is one worker's state, written only by that worker (no locks, no
 *    atomics); its memory is fixed at dnsf_detect_init(): (flow_entries + domain_entries) x 64 B
 *    (the flow and domain tables) plus top_labels x 80 B (the top list's labels, dnsf_top.h).
 *  - Top-list labels (dnsf_labels_note) are written for a flow: when a message scores at least
 *    min(suspicious points, threshold) or is a model hit (with its peak scores); at its first
 *    message while the flow table holds no more flows than the store has labels (a small
 *    network: every flow, as the list may show any); and when a query adds a new name that
 *    brings its information estimate to the bar (without scores): the lower of info_floor
 *    (rules.flow_info_bytes / 4) and the information of the last top pass's K-th
 *    by-information entry (0 while that list is short). Labels never take part in a decision.
 *  - dnsf_detect_packet() takes a message already parsed, split at the registered domain and
 *    hashed (dnsf_name_msg_hashes), plus packet time; it never allocates and never uses floating
 *    point. It updates state and fills *out with the verdict, its reason, the rule score, the
 *    model score and the raw features. A packet of a flow (or a registered domain) under a
 *    running verdict hold is judged from the cache alone (no features computed).
 *  - Registered domain text, its TLD and addresses are keys only, never features.
 */
#ifndef DNSF_DETECT_H
#define DNSF_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_config.h"
#include "dnsf_event.h"
#include "dnsf_features.h"
#include "dnsf_flow.h"
#include "dnsf_pkt.h"
#include "dnsf_top.h"

/* Defaults of the knobs the config loader does not read yet (0 in their config field means
 * the default). */
#define DNSF_DETECT_FLOW_WINDOW_S   300
#define DNSF_DETECT_DOMAIN_WINDOW_S 900
#define DNSF_DETECT_SUSP_POINTS     20
#define DNSF_DETECT_DOM_SUSP_POINTS 50
#define DNSF_DETECT_BIGRAM_MILLI    6000
/* Water torture: a domain needs this many answers in its recent windows before its negative
 * share counts, and a client this many of its own (docs/detection.md, "Water torture"). */
#define DNSF_WT_MIN_RESPONSES      32
#define DNSF_WT_MIN_FLOW_RESPONSES 4

/* Points of each rule (docs/detection.md has the why of every number). */
enum {
	DNSF_PT_SUB_LONG = 10,   /* subdomain >= subdomain_len */
	DNSF_PT_SUB_VLONG = 10,  /* ... >= 2 x subdomain_len (labels of >= 4 chars on average) */
	DNSF_PT_SUB_HUGE = 10,   /* ... >= 4 x subdomain_len (same condition) */
	DNSF_PT_LABEL_LONG = 10, /* a subdomain label >= label_len */
	DNSF_PT_ENTROPY = 10,    /* entropy >= entropy_milli (>= 16 chars, not hex) */
	DNSF_PT_ALPHABET = 10,   /* base32/base64 alphabet (>= 16 chars, not hex) */
	DNSF_PT_BINARY = 20,     /* bytes outside the host-name alphabet */
	DNSF_PT_BIGRAM = 10,     /* rare character transitions (>= 12 chars, not hex) */
	DNSF_PT_RARE_TYPE = 5,   /* TXT, NULL, KEY, private-use, ANY, unusual types */
	DNSF_PT_QUERY_CAP = 60,  /* one message alone never reaches the default threshold */
	DNSF_PT_FLOW_INFO = 100, /* x susp_info / flow_info_bytes */
	DNSF_PT_FLOW_DIST = 50,  /* x susp_distinct / flow_distinct */
	DNSF_PT_FLOW_MANY = 20,  /* any distinct subdomains >= 4 x flow_distinct */
	DNSF_PT_CTX_CAP = 100,   /* flow part and domain part are each capped */
	DNSF_PT_DOM_INFO = 100,  /* x dom susp_info / domain_info_bytes */
	DNSF_PT_DOM_DIST = 50,   /* x dom susp_distinct / domain_distinct */
	DNSF_PT_BIG_ANSWER = 10, /* response with TXT/NULL RDATA >= 200 bytes */
	DNSF_PT_FLOW_RARE = 10,  /* >= 8 queries, >= half of them TXT/NULL/unusual */
	DNSF_PT_BEACON = 100,    /* cap of the beacon part: name_points x data names */
};

/* Evidence bits: which rules fired (events name the features behind them). */
enum {
	DNSF_EV_SUB_LONG = 1u << 0,
	DNSF_EV_LABEL_LONG = 1u << 1,
	DNSF_EV_ENTROPY = 1u << 2,
	DNSF_EV_ALPHABET = 1u << 3,
	DNSF_EV_BINARY = 1u << 4,
	DNSF_EV_BIGRAM = 1u << 5,
	DNSF_EV_RARE_TYPE = 1u << 6,
	DNSF_EV_FLOW_INFO = 1u << 7,
	DNSF_EV_FLOW_DIST = 1u << 8,
	DNSF_EV_FLOW_MANY = 1u << 9,
	DNSF_EV_DOM_INFO = 1u << 10,
	DNSF_EV_DOM_DIST = 1u << 11,
	DNSF_EV_BIG_ANSWER = 1u << 12,
	DNSF_EV_FLOW_RARE = 1u << 13,
	DNSF_EV_BEACON = 1u << 14,
};

/* Optional model: score(model, vector of DNSF_F_VEC_COUNT values in 0..1024) -> 0..1000. */
typedef int32_t (*dnsf_detect_model_fn)(const void *model, const int32_t *vec);

/* Everything the detector reads, resolved from the config (zeros replaced by defaults). */
/* Record data of an answer that a model verdict judges whatever its name's length
 * (model.min_subdomain): a tunnel's downstream to a short poll; a CNAME chain and a few
 * addresses stay below it. */
#define DNSF_MODEL_ANSWER_BYTES 128

struct dnsf_detect_params {
	struct dnsf_rules_cfg rules;
	uint32_t susp_points;     /* query points that make a subdomain suspicious in a flow */
	uint32_t dom_susp_points; /* ... across the clients of a registered domain */
	uint32_t bigram_milli;
	uint32_t flow_window_s;
	uint32_t domain_window_s;
	uint32_t hold_s;
	uint32_t event_interval_s;
	uint32_t flow_entries, domain_entries;
	uint32_t top_labels;  /* label store entries (detection.top_labels) */
	uint32_t info_floor;  /* labelling bar's upper bound: rules.flow_info_bytes / 4, >= 1 */
	int32_t label_points; /* a message scoring this notes its flow: min(susp_points,
	                         rules.threshold), so every rule hit too */
	uint8_t enabled;
	/* model (NULL: none; then every combine mode means rules only) */
	const void *model;
	dnsf_detect_model_fn model_score;
	int32_t model_threshold;
	/* model.min_subdomain: a message with a shorter subdomain is no model hit, unless it is
	 * an answer of >= DNSF_MODEL_ANSWER_BYTES record data */
	uint32_t model_min_sub;
	uint8_t combine; /* enum dnsf_combine */
	/* model.score in force (enum dnsf_model_scope). ALL: every scored message. SUSPICIOUS
	 * (only with combine: rules, the model advisory; else ALL): messages whose rule score
	 * reaches susp_points. NEEDED: those, and the messages the model may judge
	 * (model_min_sub, answers of DNSF_MODEL_ANSWER_BYTES); verdicts are those of ALL, as the
	 * others can never be model hits. */
	uint8_t model_scope;
	/* water torture (detection.water_torture); wt_on 0: not looked for */
	uint8_t wt_on;
	uint32_t wt_domain_distinct; /* distinct subdomains of the domain in its window */
	uint32_t wt_negative_pm;     /* negative answers per mille, domain and client */
	/* beacons (detection.beacon); beacon_on 0: not looked for */
	uint8_t beacon_on;
	uint32_t beacon_regular; /* run of regular check-in gaps that makes a flow periodic */
	uint32_t beacon_points;  /* points per data name of the current burst */
};

void dnsf_detect_params_init(struct dnsf_detect_params *p, const struct dnsf_detect_cfg *dc,
                             const struct dnsf_model_cfg *mc);

/* One worker's detector state. Counters written by the owner only. */
struct dnsf_detect {
	struct dnsf_tab flows;
	struct dnsf_tab doms;
	uint64_t scored;        /* messages scored */
	uint64_t rules_hits;    /* messages over the rule threshold */
	uint64_t model_hits;    /* messages over the model threshold */
	uint64_t cache_hits;    /* messages judged from a running hold */
	uint64_t flow_verdicts; /* holds started on flows */
	uint64_t dom_verdicts;  /* holds started on registered domains */
	uint64_t no_state;      /* messages scored without a flow entry (bucket full of holds);
	                           relaxed stores: control reads it (dnsf_worker_stats_read) */
	uint64_t wt_hits;       /* queries judged water torture */
	uint64_t beacon_hits;   /* tunnel verdicts the beacon part decided (reason beacon) */
	/* Window positions of the flow and domain windows at the last packet's now_us (the
	 * worker's own cache: packets of a burst share the time, so the divisions run once). */
	struct dnsf_win fwin, dwin;
	/* Top list (dnsf_top.h). */
	struct dnsf_labels labels; /* labels of flows that can reach the list */
	struct dnsf_top_scan top;  /* the incremental scan behind the top list */
	uint64_t now_us;           /* packet time of the last message (the scan reads at it) */
	uint32_t label_bar;        /* information a query's flow needs to be noted (contract) */
};

int dnsf_detect_init(struct dnsf_detect *d, const struct dnsf_detect_params *p, char *err,
                     size_t errlen);
void dnsf_detect_fini(struct dnsf_detect *d);

enum dnsf_detect_scope { DNSF_SCOPE_NONE = 0, DNSF_SCOPE_FLOW, DNSF_SCOPE_DOMAIN };

struct dnsf_detect_in {
	const struct dnsf_pkt *pkt; /* cls == DNSF_PKT_DNS */
	const uint8_t *dns;         /* the DNS message (for the case of the question's labels) */
	size_t dns_len;
	const uint64_t *h; /* suffix hashes of pkt->dns (nlabels + 1) */
	unsigned split;    /* first label of the registered domain (dnsf_psl_split) */
	uint64_t now_us;
	/* 1: key/check/dkey/dcheck below are the flow and domain keys of (client, h[split])
	 * (dnsf_flow_key, dnsf_dom_key), computed ahead by a burst's first phase; 0: computed
	 * here. */
	uint8_t has_keys;
	uint32_t check, dcheck;
	uint64_t key, dkey;
	/* 1: fill out->feat only where something reads it — for the model and when an event is
	 * due (out->emit) — instead of for every scored message (the engine, when no tap wants
	 * every message's features). out->has_feat says whether it was filled; without it,
	 * out->q may hold only what the rules read (dnsf_qfeat_compute_rules). */
	uint8_t lazy_feat;
};

struct dnsf_rule_parts {
	int32_t q, flow, dom, resp; /* points of each part (after caps) */
	int32_t beacon;             /* periodic flow with data names (dnsf_detect_packet only) */
	uint32_t evidence;          /* DNSF_EV_* */
};

struct dnsf_detect_out {
	uint8_t tunnel;      /* 1: treat as tunnel traffic (block per the configured action) */
	uint8_t reason;      /* DNSF_R_RULES, DNSF_R_BEACON (the rules, decided by the beacon
	                        part), DNSF_R_MODEL, DNSF_R_VERDICT_CACHE, DNSF_R_NONE */
	uint8_t scope;       /* enum dnsf_detect_scope of the verdict (hold) behind it */
	uint8_t new_verdict; /* this message started the hold */
	uint8_t emit;        /* an event is due (per-flow rate limit passed) */
	uint8_t suppressed;  /* an event was due but rate-limited */
	uint8_t scored;      /* features and scores below are valid */
	uint8_t suspicious;  /* the subdomain counted as suspicious */
	uint8_t torture;     /* not a tunnel: a query of a water-torture source (reason
	                        DNSF_R_WATER_TORTURE, blocked per detection.water_torture) */
	uint8_t has_feat;    /* feat below is filled (scored, and not left out by lazy_feat) */
	int32_t score;       /* rule score, -1 when not scored */
	int32_t model_score; /* -1 when no model or not scored */
	struct dnsf_rule_parts parts;
	struct dnsf_qfeat q;   /* complete when has_feat or !lazy_feat (dnsf_qfeat_finish) */
	struct dnsf_feat feat; /* raw values, extras included (valid when has_feat) */
};

void dnsf_detect_packet(struct dnsf_detect *d, const struct dnsf_detect_params *p,
                        const struct dnsf_detect_in *in, struct dnsf_detect_out *out);

/* The rule scorer alone (pure): points of a message in its flow/domain context. */
int32_t dnsf_rules_score(const struct dnsf_detect_params *p, const struct dnsf_qfeat *q,
                         const struct dnsf_flow_view *fv, const struct dnsf_dom_view *dv,
                         struct dnsf_rule_parts *parts);

/* Query points only (also decides "suspicious": >= p->susp_points). */
int32_t dnsf_rules_query_points(const struct dnsf_detect_params *p, const struct dnsf_qfeat *q,
                                uint32_t *evidence);

/* The model's input for a scored message (out->scored): the normalised feature vector,
 * DNSF_F_VEC_COUNT values in 0..DNSF_FEAT_ONE — what dnsf_detect_packet() hands to the model and
 * what the trainer (through dnsf_worker.tap) learns from. */
static inline void
dnsf_detect_model_input(const struct dnsf_detect_out *out, int32_t *vec)
{
	dnsf_feat_vector(&out->feat, vec);
}

/* Put score, model score and the deciding features (at most DNSF_EVENT_MAX_FEAT) into ev. */
/*
 * One slice of the top-list scan (dnsf_top.h), read at the time of the last message. Returns 1
 * when a pass finished: d->top.work is then the snapshot to publish.
 */
int dnsf_detect_top_step(struct dnsf_detect *d, const struct dnsf_detect_params *p,
                         uint32_t budget);

void dnsf_detect_fill_event(const struct dnsf_detect_out *out, struct dnsf_event *ev);

#endif
