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
	uint8_t l4_proto;   /* 17 UDP, 6 TCP ("proto" in the JSON); 0 leaves "proto" out */
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
	DNSF_R_RARE_TYPE,     /* hardening.types: QTYPE refused or dropped */
	DNSF_R_EDNS_OVERSIZE, /* hardening.edns_oversize: drop */
	DNSF_R_WATER_TORTURE, /* detection.water_torture: a pseudo-random-subdomain source */
	DNSF_R_BEACON, /* the rules, over the threshold by the beacon part (detection.beacon) */
	DNSF_R__COUNT
};
const char *dnsf_reason_name(enum dnsf_reason r);

/* Names of feature ids used in events; provided by the feature module. Returns "?" when unknown. */
const char *dnsf_feat_name(unsigned id);

/* One JSON object, no trailing newline. Returns the length written (excluding NUL), or -1 when
 * buf is too small (buf then holds a truncated but NUL-terminated prefix; nothing when len is 0).
 * Strings are escaped; bytes outside printable ASCII in names are written as \u00XX.
 *
 * The line follows Suricata's EVE JSON conventions (so EVE pipelines ingest it), keys in this
 * order:
 *   {"timestamp":"2026-11-26T17:31:50.123456+0000","event_type":"dns_tunnel","worker":0,
 *    "src_ip":"10.0.0.2","src_port":40000,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP",
 *    "dns":{"type":"query","rrname":"abc.example.com","rrtype":"TXT"},
 *    "dnsfence":{"action":"drop","would":"drop","reason":"rules","score":123,"model_score":-1,
 *                "regdomain":"example.com","features":{"qname_len":42,...}}}
 *  - timestamp: ts_us in UTC, microseconds, EVE's "%Y-%m-%dT%H:%M:%S.%06u%z" style with +0000.
 *  - src is always the client and dest the server, also for events about responses ("type"
 *    "answer"): the flow is the client's, whichever way the packet went.
 *  - proto: "UDP", "TCP", another protocol as its number in a string; left out when l4_proto is 0.
 *  - src_ip/dest_ip: inet_ntop() text; "" when ip_version is neither 4 nor 6.
 *  - rrname: ev->qname as stored (lower-case presentation, "" for the root), escaped.
 *  - rrtype: dnsf_rrtype_name() of qtype.
 *  - action/would: dnsf_action_name(); reason: dnsf_reason_name().
 *  - features: the first n_feat (at most DNSF_EVENT_MAX_FEAT) entries as "name":value with names
 *    from dnsf_feat_name(); an id it does not know ("?") is written as "feat_<id>". */
int dnsf_event_to_json(const struct dnsf_event *ev, char *buf, size_t len);

/* Bytes dnsf_rrtype_name() needs in buf for any type ("TYPE65535" and its NUL). */
#define DNSF_RRTYPE_NAME_MAX 10

/* The mnemonic of an RR type ("A", "TXT", "HTTPS", ...), or the RFC 3597 generic form
 * "TYPE<n>" written into buf (e.g. "TYPE65399" for a private-use type). Returns a static string
 * or buf; with len < DNSF_RRTYPE_NAME_MAX the generic form is truncated (still NUL-terminated),
 * with buf NULL or len 0 it returns "?". */
const char *dnsf_rrtype_name(uint16_t type, char *buf, size_t len);

#endif
