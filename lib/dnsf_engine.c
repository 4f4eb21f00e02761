/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet decision. Order matters and is documented in docs/architecture.md:
 *   parse -> non-DNS passes untouched -> fragment / malformed policy -> allow list (always passes)
 *   -> deny list -> tunnel detection -> action (drop / refuse / log; monitor turns blocks into
 * log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_engine.h"
#include "dnsf_name.h"
#include "dnsf_refuse.h"
#include "dnsf_suffix.h"

struct dnsf_engine {
	struct dnsf_config cfg;        /* private copy: the engine never changes under a worker */
	struct dnsf_suffix_set *allow; /* NULL = empty */
	struct dnsf_suffix_set *deny;  /* NULL = empty */
};

const struct dnsf_config *
dnsf_engine_config(const struct dnsf_engine *eng)
{
	return &eng->cfg;
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
	if (cfg->allowlist[0] != '\0' &&
	    dnsf_suffix_set_load(cfg->allowlist, &eng->allow, err, errlen) != 0)
		goto fail;
	if (cfg->denylist[0] != '\0' &&
	    dnsf_suffix_set_load(cfg->denylist, &eng->deny, err, errlen) != 0)
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
	dnsf_suffix_set_free(eng->allow);
	dnsf_suffix_set_free(eng->deny);
	free(eng);
}

int
dnsf_worker_init(struct dnsf_worker *w, const struct dnsf_engine *eng, uint16_t id, char *err,
                 size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(w, 0, sizeof(*w));
	w->eng = eng;
	w->id = id;
	return 0;
}

void
dnsf_worker_fini(struct dnsf_worker *w)
{
	w->st = NULL;
}

static void
fill_event(const struct dnsf_worker *w, const struct dnsf_pkt *p, uint64_t now_us,
           const char *domain, size_t domain_len, struct dnsf_event *ev)
{
	const int c_src = p->client_is_src;

	ev->ts_us = now_us;
	ev->worker = w->id;
	ev->ip_version = p->ip_version;
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

/*
 * Carry out a blocking decision. Monitor mode and the `log` action pass the packet and count what
 * would have happened; `refuse` falls back to drop when the packet cannot be answered (a response,
 * TCP, a fragment).
 */
static void
block(struct dnsf_worker *w, uint8_t action, uint8_t reason, uint8_t *frame, uint32_t len,
      uint32_t room, const struct dnsf_pkt *p, struct dnsf_verdict *v)
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
		    dnsf_refuse_build(frame, len, room, p, cfg->detect.refuse_rcode, &out_len) ==
		        0) {
			v->action = DNSF_ACT_REFUSE;
			v->out_len = (uint16_t)out_len;
			DNSF_STAT_INC(&w->stats, refused_sent);
			return;
		}
		v->would = DNSF_ACT_DROP;
	}
	v->action = DNSF_ACT_DROP;
}

void
dnsf_worker_process(struct dnsf_worker *w, uint8_t *frame, uint32_t len, uint32_t room,
                    uint64_t now_us, struct dnsf_verdict *v, struct dnsf_event *ev)
{
	const struct dnsf_engine *eng = w->eng;
	const struct dnsf_config *cfg = &eng->cfg;
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	int m;

	v->action = DNSF_ACT_PASS;
	v->would = DNSF_ACT_PASS;
	v->reason = DNSF_R_NONE;
	v->has_event = 0;
	v->out_len = 0;
	v->score = -1;
	v->model_score = -1;

	v->cls = (uint8_t)dnsf_pkt_parse(frame, len, &cfg->pkt, &p);
	switch (v->cls) {
	case DNSF_PKT_NON_DNS:
		DNSF_STAT_INC(&w->stats, non_dns);
		v->reason = DNSF_R_NON_DNS;
		return;
	case DNSF_PKT_FRAGMENT:
		DNSF_STAT_INC(&w->stats, fragments);
		if (cfg->fragment_action == DNSF_ACT_DROP) {
			DNSF_STAT_INC(&w->stats, fragments_dropped);
			block(w, DNSF_ACT_DROP, DNSF_R_FRAGMENT, frame, len, room, &p, v);
		}
		return;
	case DNSF_PKT_MALFORMED:
		DNSF_STAT_INC(&w->stats, malformed);
		if (cfg->malformed_action == DNSF_ACT_DROP) {
			DNSF_STAT_INC(&w->stats, malformed_dropped);
			block(w, DNSF_ACT_DROP, DNSF_R_MALFORMED, frame, len, room, &p, v);
		}
		return;
	default:
		break;
	}

	if (p.is_query)
		DNSF_STAT_INC(&w->stats, dns_queries);
	else
		DNSF_STAT_INC(&w->stats, dns_responses);
	if (p.l4_proto == 6)
		DNSF_STAT_INC(&w->stats, dns_tcp);

	dnsf_name_msg_hashes(&p.dns, h);

	if (eng->allow != NULL && dnsf_suffix_set_match(eng->allow, &p.dns, h) >= 0) {
		DNSF_STAT_INC(&w->stats, allowlisted);
		v->reason = DNSF_R_ALLOWLIST;
		return;
	}
	if (eng->deny != NULL && (m = dnsf_suffix_set_match(eng->deny, &p.dns, h)) >= 0) {
		DNSF_STAT_INC(&w->stats, denylisted);
		block(w, cfg->detect.action, DNSF_R_DENYLIST, frame, len, room, &p, v);
		fill_event(w, &p, now_us, p.dns.qname + p.dns.label_off[m],
		           (size_t)(p.dns.qname_len - p.dns.label_off[m]), ev);
		ev->action = v->action;
		ev->would = v->would;
		ev->reason = v->reason;
		v->has_event = 1;
		return;
	}
}
