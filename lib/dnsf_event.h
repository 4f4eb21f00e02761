/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_event — a detection event: what was decided about which client and name, and why.
 *
 * Workers fill a struct dnsf_event (fixed size, no pointers) and hand it to the control core over
 * a ring; the control core formats it with dnsf_event_to_json() and writes one line to the event
 * log. Formatting is a pure function so the evaluator and tests produce byte-identical lines.
 */
#ifndef DNSF_EVENT_H
#define DNSF_EVENT_H

#include <stdint.h>
#include <stddef.h>

#include "dnsf_dns.h"

#define DNSF_EVENT_MAX_FEAT 16

struct dnsf_event {
	uint64_t ts_us;     /* packet time, microseconds since the epoch */
	uint16_t worker;    /* worker index */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t action;     /* enum dnsf_action actually taken (log in monitor mode) */
	uint8_t would;      /* enum dnsf_action that blocking mode would have taken */
	uint8_t reason;     /* enum dnsf_reason */
	uint8_t is_query;
	uint8_t n_feat;
	uint8_t client[16], server[16];
	uint16_t client_port, server_port;
	uint16_t qtype;
	int32_t score;       /* rule score, or -1 when not scored */
	int32_t model_score; /* model score 0..1000, or -1 when no model */
	char regdomain[DNSF_DNS_MAX_NAME + 1]; /* registered domain (eTLD+1), or the matched suffix */
	char qname[DNSF_DNS_MAX_NAME + 1];     /* an example QNAME of the flow */
	struct {
		uint8_t id;    /* index into dnsf_feat_names() */
		int32_t value; /* as the engine computed it (fixed point where the name says so) */
	} feat[DNSF_EVENT_MAX_FEAT];
};

/* Why a verdict was taken. Names (dnsf_reason_name) are stable: they appear in logs. */
enum dnsf_reason {
	DNSF_R_NONE = 0,
	DNSF_R_NON_DNS,
	DNSF_R_ALLOWLIST,
	DNSF_R_DENYLIST,
	DNSF_R_MALFORMED,
	DNSF_R_FRAGMENT,
	DNSF_R_RULES,
	DNSF_R_MODEL,
	DNSF_R_VERDICT_CACHE,
	DNSF_R__COUNT
};
const char *dnsf_reason_name(enum dnsf_reason r);

/* Names of feature ids used in events; provided by the feature module. Returns "?" when unknown. */
const char *dnsf_feat_name(unsigned id);

/* One JSON object, no trailing newline. Returns the length written (excluding NUL), or -1 when
 * buf is too small (buf then holds a truncated but NUL-terminated prefix). Strings are escaped;
 * bytes outside printable ASCII in names are written as \u00XX. */
int dnsf_event_to_json(const struct dnsf_event *ev, char *buf, size_t len);

#endif
