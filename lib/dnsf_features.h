/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_features — integer features of one DNS message, and the feature list shared by events,
 * the rule scorer, the model, the trainer and the evaluator.
 *
 * Contract:
 *  - dnsf_qfeat_compute() describes one parsed message (question name split at the registered
 *    domain, RR type, EDNS, answer summary) with integers only: no floating point, no allocation,
 *    O(QNAME length). It never looks at the registered domain's text beyond its case (to tell
 *    a resolver's 0x20 randomisation from a mixed-case encoding), never at addresses: every
 *    tunnel in our captures uses one base domain, so those must never become features.
 *  - Feature ids (enum dnsf_feat_id) have stable snake_case names (dnsf_feat_name()); ids below
 *    DNSF_F_VEC_COUNT form the model input, in that order, each normalised to 0..1024 by the
 *    documented transform (dnsf_feat_vector()); the rest are event-only values.
 * dnsf_feat_schema_hash() covers names, order, transforms and DNSF_FEAT_NORM_VERSION: a model
 * trained on another schema must be refused. Append new features at the end of the vector part and
 * bump the version.
 */
#ifndef DNSF_FEATURES_H
#define DNSF_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_dns.h"

/* Bump when a feature's meaning, scale or transform changes. */
#define DNSF_FEAT_NORM_VERSION 1

/* Normalised vector values are in 0..DNSF_FEAT_ONE. */
#define DNSF_FEAT_ONE 1024

/* Alphabet-fit flags of the subdomain (dnsf_qfeat.fit). */
enum {
	DNSF_FIT_HEX = 1,    /* labels of only [0-9a-f] hold >= 3/4 of the characters and the
	                        longest label, with at least one digit and one letter */
	DNSF_FIT_BASE32 = 2, /* only [a-z0-7] (RFC 4648 and iodine's a-z0-5), a digit and a letter,
	                        no mixed case */
	DNSF_FIT_BASE64 = 4, /* only the base64/base64url alphabet, and '+', '/', '=' or mixed case
	                        that is not resolver 0x20 randomisation */
	DNSF_FIT_BINARY = 8, /* a byte outside the host-name alphabet other than + / = */
};

/* Per-message features. Shares are per mille of the subdomain's characters (dots excluded). */
struct dnsf_qfeat {
	uint64_t name_hash; /* hash of the whole QNAME (distinct-subdomain counting) */
	uint16_t qname_len; /* presentation length, no trailing dot */
	uint16_t nlabels;
	uint16_t max_label; /* longest label of the whole name */
	uint16_t sub_len;   /* subdomain length with its dots (labels left of the reg. domain) */
	uint16_t sub_chars; /* subdomain characters without dots */
	uint16_t sub_labels;
	uint16_t sub_max_label; /* longest label of the subdomain */
	uint16_t entropy_milli; /* Shannon entropy of the subdomain characters, bits/char x1000 */
	uint16_t digit_pm;
	uint16_t upper_pm;     /* upper case in the subdomain on the wire; 0 when the registered
	                          domain is mixed case too (0x20 randomisation makes case noise) */
	uint16_t hyphen_pm;    /* '-' and '_' */
	uint16_t other_pm;     /* bytes outside [a-z0-9-_] */
	uint16_t bigram_milli; /* mean -log2 P(transition) inside subdomain labels, bits x1000 */
	uint8_t fit;           /* DNSF_FIT_* */
	uint8_t rrclass;       /* enum dnsf_rrclass of QTYPE */
	uint8_t is_response;
	uint8_t rcode;     /* responses: header rcode */
	uint16_t edns_udp; /* EDNS0 UDP payload size, 0 without OPT */
	uint16_t ancount;
	uint16_t txtnull_max; /* responses: largest TXT/NULL/PRIVATE RDATA */
	uint32_t rdata_total; /* responses: answer RDATA bytes */
};

/*
 * Describe message m whose registered domain starts at label `split` (0..nlabels; labels
 * 0..split-1 are the subdomain). `wire`/`wire_len` is the DNS message m was parsed from (used
 * only to read the case of the question's labels; NULL: case unknown, upper_pm from the whole
 * name). `name_hash` is h[0] of dnsf_name_msg_hashes().
 */
void dnsf_qfeat_compute(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                        size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q);
/*
 * dnsf_qfeat_compute() less what only the features read (the model, events, the trainer), for
 * the detector's rules: a subdomain of fewer than DNSF_QFEAT_RULES_CHARS characters (and a name
 * without one) gets the message fields, name_hash, qname_len, nlabels, sub_len, sub_chars,
 * sub_labels, sub_max_label and the DNSF_FIT_BINARY bit of fit; the other name fields stay 0,
 * max_label among them. Longer subdomains get everything. The rules read the left-out fields
 * only of subdomains of at least DNSF_QFEAT_RULES_CHARS characters (dnsf_detect.c).
 */
#define DNSF_QFEAT_RULES_CHARS 12
void dnsf_qfeat_compute_rules(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                              size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q);
/*
 * Make *q, from dnsf_qfeat_compute_rules() for m, equal to dnsf_qfeat_compute() with the same
 * arguments. What was left out shows as max_label 0 in a name with labels; a complete q with
 * max_label 0 (labels all empty) is computed again, which gives the same values.
 */
static inline void
dnsf_qfeat_finish(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                  size_t wire_len, struct dnsf_qfeat *q)
{
	if (q->max_label == 0 && q->nlabels != 0)
		dnsf_qfeat_compute(m, split, wire, wire_len, q->name_hash, q);
}
/* The same by the plain per-character definition (two passes, a branch per class): what the
 * table-driven dnsf_qfeat_compute() must equal exactly (tests). */
void dnsf_qfeat_compute_ref(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                            size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q);

/* True when the record type can carry bulk data or is unusual for stub resolvers. */
static inline int
dnsf_rrclass_is_rare(unsigned c)
{
	return c == DNSF_RRC_TXT || c == DNSF_RRC_NULL || c == DNSF_RRC_KEY ||
	       c == DNSF_RRC_PRIVATE || c == DNSF_RRC_ANY || c == DNSF_RRC_OTHER;
}

/*
 * The feature list. X(id, name, transform, max):
 *   LIN: v * 1024 / max, clamped to 0..1024;  LOG: log2(1 + v) / log2(1 + max) * 1024, clamped.
 * Raw values are what events show; the vector carries the transformed ones.
 */
#define DNSF_FEATURES_VEC(X)                                                                       \
	X(SUB_LEN, "sub_len", LIN, 255)                                                            \
	X(SUB_LABELS, "sub_labels", LIN, 32)                                                       \
	X(SUB_MAX_LABEL, "sub_max_label", LIN, 63)                                                 \
	X(ENTROPY, "entropy_milli", LIN, 6000)                                                     \
	X(DIGIT_PM, "digit_pm", LIN, 1000)                                                         \
	X(UPPER_PM, "upper_pm", LIN, 1000)                                                         \
	X(HYPHEN_PM, "hyphen_pm", LIN, 1000)                                                       \
	X(OTHER_PM, "other_pm", LIN, 1000)                                                         \
	X(FIT_HEX, "fit_hex", LIN, 1)                                                              \
	X(FIT_BASE32, "fit_base32", LIN, 1)                                                        \
	X(FIT_BASE64, "fit_base64", LIN, 1)                                                        \
	X(FIT_BINARY, "fit_binary", LIN, 1)                                                        \
	X(BIGRAM, "bigram_milli", LIN, 16000)                                                      \
	X(TYPE_ADDR, "type_addr", LIN, 1)                                                          \
	X(TYPE_RARE, "type_rare", LIN, 1)                                                          \
	X(TYPE_NAME, "type_name", LIN, 1)                                                          \
	X(EDNS_UDP, "edns_udp", LIN, 4096)                                                         \
	X(IS_RESPONSE, "is_response", LIN, 1)                                                      \
	X(RCODE, "rcode", LIN, 15)                                                                 \
	X(ANCOUNT, "ancount", LOG, 64)                                                             \
	X(RDATA_BYTES, "rdata_bytes", LOG, 65535)                                                  \
	X(TXTNULL_MAX, "txtnull_max", LOG, 65535)                                                  \
	X(FLOW_QUERIES, "flow_queries", LOG, 65535)                                                \
	X(FLOW_AGE_S, "flow_age_s", LOG, 86400)                                                    \
	X(FLOW_RATE, "flow_rate_x128", LOG, 65535)                                                 \
	X(FLOW_DISTINCT, "flow_distinct", LOG, 1024)                                               \
	X(FLOW_INFO, "flow_info", LOG, 65535)                                                      \
	X(FLOW_SUSP_DISTINCT, "flow_susp_distinct", LOG, 1024)                                     \
	X(FLOW_SUSP_INFO, "flow_susp_info", LOG, 65535)                                            \
	X(FLOW_RARE_PM, "flow_rare_pm", LIN, 1000)                                                 \
	X(FLOW_NX_PM, "flow_nx_pm", LIN, 1000)                                                     \
	X(FLOW_RDATA, "flow_rdata", LOG, 16777215)                                                 \
	X(DOM_DISTINCT, "dom_distinct", LOG, 4096)                                                 \
	X(DOM_INFO, "dom_info", LOG, 1048575)                                                      \
	X(DOM_SUSP_DISTINCT, "dom_susp_distinct", LOG, 4096)                                       \
	X(DOM_SUSP_INFO, "dom_susp_info", LOG, 1048575)

/* Event-only values, not model inputs: the rule scorer's parts, and the whole-name shape, which
 * includes the registered domain's length (a model must not learn the base domain of the
 * tunnels it was trained on; the rules use the subdomain's shape only). */
#define DNSF_FEATURES_EXTRA(X)                                                                     \
	X(QNAME_LEN, "qname_len")                                                                  \
	X(LABELS, "labels")                                                                        \
	X(MAX_LABEL, "max_label")                                                                  \
	X(Q_POINTS, "q_points")                                                                    \
	X(FLOW_POINTS, "flow_points")                                                              \
	X(DOM_POINTS, "dom_points")                                                                \
	X(RESP_POINTS, "resp_points")                                                              \
	X(BEACON_POINTS, "beacon_points")                                                          \
	X(FLOW_PERIOD_MS, "flow_period_ms")                                                        \
	X(FLOW_REGULAR_GAPS, "flow_regular_gaps")

enum dnsf_feat_id {
#define DNSF_X_ID(id, name, tr, max) DNSF_F_##id,
	DNSF_FEATURES_VEC(DNSF_X_ID)
#undef DNSF_X_ID
	    DNSF_F_VEC_COUNT,
	DNSF_F__EXTRA_BEFORE = DNSF_F_VEC_COUNT - 1,
#define DNSF_X_ID2(id, name) DNSF_F_##id,
	DNSF_FEATURES_EXTRA(DNSF_X_ID2)
#undef DNSF_X_ID2
	    DNSF_F__COUNT
};

/* Raw feature values of one message in its flow and domain context. */
struct dnsf_feat {
	int32_t v[DNSF_F__COUNT];
};

/* Flow / domain context for the feature vector (filled by dnsf_flow / dnsf_detect). */
struct dnsf_flow_view {
	uint32_t queries, age_s, rate_x128, distinct, info, susp_distinct, susp_info, rare_pm,
	    nx_pm, rdata;
	uint32_t rare; /* queries of rare types (the rules compare it with queries, no division) */
};
struct dnsf_dom_view {
	uint32_t distinct, info, susp_distinct, susp_info;
};

/* Fill the raw values of every feature but the scorer's points (left to the scorer). */
void dnsf_feat_fill(const struct dnsf_qfeat *q, const struct dnsf_flow_view *fv,
                    const struct dnsf_dom_view *dv, struct dnsf_feat *f);

/* Normalise the vector part: out[i] in 0..DNSF_FEAT_ONE, i < DNSF_F_VEC_COUNT. */
void dnsf_feat_vector(const struct dnsf_feat *f, int32_t *out);
/* The same transform by plain division: the definition the fast version must match (tests). */
void dnsf_feat_vector_ref(const struct dnsf_feat *f, int32_t *out);

/* "?" for an unknown id (also the contract of dnsf_event.h). */
const char *dnsf_feat_name(unsigned id);

/* Id of a feature name, or -1. */
int dnsf_feat_id_of(const char *name);

/* Hash of the vector schema: names, order, transforms, DNSF_FEAT_NORM_VERSION. */
uint64_t dnsf_feat_schema_hash(void);

/* log2(x) in Q8 fixed point (x >= 1; 0 for x == 0), exact at powers of two, linear between. */
uint32_t dnsf_log2_q8(uint32_t x);

#endif
