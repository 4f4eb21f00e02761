/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands (/dnsfence/...), served by DPDK's telemetry thread.
 *
 * Rules this file keeps (NOTES.md, and what 22.11 does when they are broken):
 *  - keys only [A-Za-z0-9_/] (others are silently dropped): counter names come from the
 *    X-macros, port names are sanitized;
 *  - one reply is at most 16 KiB, and entries past that are silently dropped: replies that grow
 *    with the number of workers or events estimate their size and stay under a budget;
 *  - string values are at most 127 characters (longer ones are cut);
 *  - an array cannot hold dicts (it comes out empty), so lists of objects are dicts keyed by a
 *    number;
 *  - the callbacks never take a lock a worker takes: worker counters are read with relaxed
 *    loads, control state under app->tel_lock (control and telemetry only).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "dnsf_app.h"

#ifndef DNSF_VERSION
#define DNSF_VERSION "unknown"
#endif

/* Replies are cut by DPDK at 16 KiB: keep ours below, with room for the envelope. */
#define TEL_BUDGET 15000

static struct dnsf_app *tapp;

/* Approximate JSON size of "key": value, with separators. */
static size_t
est_u64(const char *key, uint64_t v)
{
	char b[24];

	return strlen(key) + 6 + (size_t)snprintf(b, sizeof(b), "%" PRIu64, v);
}

static size_t
est_str(const char *key, const char *v)
{
	size_t n = 0, i;

	/* As DPDK writes it: cut at 127 characters, then JSON-escaped. */
	for (i = 0; v[i] != '\0' && i < RTE_TEL_MAX_STRING_LEN - 1; i++) {
		unsigned char c = (unsigned char)v[i];

		n += (c == '"' || c == '\\') ? 2 : (c < 0x20 ? 6 : 1);
	}
	return strlen(key) + 8 + n;
}

/* Telemetry keys accept [A-Za-z0-9_/] only. */
static void
sanitize_key(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++) {
		char c = in[i];

		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '_')
		             ? c
		             : '_';
	}
	out[i] = '\0';
}

/* Names from the wire may hold any byte (the parser keeps them raw); a reply must be valid
 * UTF-8 JSON, so bytes outside printable ASCII become '?' here (the event log escapes them
 * exactly). Also cut to what a telemetry string holds. */
static void
printable(const char *in, char *out, size_t len)
{
	size_t i;

	if (len > RTE_TEL_MAX_STRING_LEN)
		len = RTE_TEL_MAX_STRING_LEN;
	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

/*
 * A count or id parameter: decimal digits only (no sign, space, '+' or base prefix, which
 * strtol would take); a value above max reads as max however many digits it has (2^64 or
 * 10^30 are "all"). -1 when it is not such a number.
 */
static int
parse_count(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v <= max) /* max is small: v * 10 + 9 cannot wrap */
			v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v > max ? max : v;
	return 0;
}

static int
not_ready(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "starting", 1);
	return 0;
}

static void
add_counters(struct rte_tel_data *d, const struct dnsf_worker_stats *ws,
             const struct dnsf_app_stats *as)
{
#define DNSF_X_ADD(name, help) rte_tel_data_add_dict_u64(d, #name, ws->name);
	DNSF_WORKER_COUNTERS(DNSF_X_ADD)
#undef DNSF_X_ADD
#define DNSF_X_ADD(name, help) rte_tel_data_add_dict_u64(d, #name, as->name);
	DNSF_APP_COUNTERS(DNSF_X_ADD)
#undef DNSF_X_ADD
}

static size_t
est_counters(const struct dnsf_worker_stats *ws, const struct dnsf_app_stats *as)
{
	size_t n = 0;

#define DNSF_X_EST(name, help) n += est_u64(#name, ws->name);
	DNSF_WORKER_COUNTERS(DNSF_X_EST)
#undef DNSF_X_EST
#define DNSF_X_EST(name, help) n += est_u64(#name, as->name);
	DNSF_APP_COUNTERS(DNSF_X_EST)
#undef DNSF_X_EST
	return n;
}

/* /dnsfence/stats: totals over all workers. */
static int
impl_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dnsf_worker_stats ws;
	struct dnsf_app_stats as;

	(void)cmd;
	(void)params;
	dnsf_control_totals(tapp, &ws, &as);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "uptime_s", (dnsf_wall_us() - tapp->start_us) / 1000000u);
	rte_tel_data_add_dict_string(d, "mode", dnsf_mode_name(tapp->cfg->mode));
	rte_tel_data_add_dict_u64(d, "workers", tapp->n_workers);
	rte_tel_data_add_dict_u64(d, "stalled_workers", tapp->stalled_workers);
	rte_tel_data_add_dict_u64(d, "control_stalled",
	                          __atomic_load_n(&tapp->control_stalled, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "replay", tapp->replay);
	add_counters(d, &ws, &as);
	rte_tel_data_add_dict_u64(d, "events_written", tapp->events_written);
	rte_tel_data_add_dict_u64(d, "event_log_errors", tapp->event_log_errors);
	return 0;
}

static const char *const compact_keys[] = {
    "rx_packets",    "tx_packets", "dropped_packets", "would_drop",      "dns_queries",
    "dns_responses", "malformed",  "tunnel_detected", "tx_full_dropped", "events_lost",
};

static void
add_compact(struct rte_tel_data *d, const struct dnsf_worker_stats *ws)
{
	size_t k;

	for (k = 0; k < RTE_DIM(compact_keys); k++) {
#define DNSF_X_PICK(name, help)                                                                    \
	if (strcmp(compact_keys[k], #name) == 0)                                                   \
		rte_tel_data_add_dict_u64(d, #name, ws->name);
		DNSF_WORKER_COUNTERS(DNSF_X_PICK)
#undef DNSF_X_PICK
	}
}

static void
add_lcore_header(struct rte_tel_data *d, uint16_t w, const struct dnsf_watch *wd)
{
	const struct dnsf_lcore *lc = tapp->lc[w];

	rte_tel_data_add_dict_u64(d, "worker", w);
	rte_tel_data_add_dict_u64(d, "lcore", lc->lcore_id);
	rte_tel_data_add_dict_u64(d, "rx_queues", lc->n_rxq);
	rte_tel_data_add_dict_u64(d, "heartbeat",
	                          __atomic_load_n(&lc->heartbeat, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "stalled", wd->stalled);
}

/*
 * /dnsfence/lcores: a dict per worker keyed by lcore id. When all counters of all workers would
 * not fit in one reply, each worker carries a compact set and "compact" is 1;
 * /dnsfence/lcores,<lcore id> always returns every counter of that one worker.
 */
static int
impl_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dnsf_worker_stats ws[DNSF_MAX_WORKERS];
	struct dnsf_app_stats as[DNSF_MAX_WORKERS];
	struct dnsf_watch wd[DNSF_MAX_WORKERS];
	size_t total = 0;
	int compact = 0, want = -1;
	uint16_t w;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		unsigned long v;

		if (parse_count(params, RTE_MAX_LCORE, &v) != 0 || v >= RTE_MAX_LCORE)
			return -EINVAL;
		want = (int)v;
	}
	memcpy(wd, tapp->watch, sizeof(wd));
	for (w = 0; w < tapp->n_workers; w++) {
		dnsf_worker_stats_read(&tapp->lc[w]->w, &ws[w]);
		dnsf_app_stats_snapshot(&tapp->lc[w]->app, &as[w]);
		total += 16 + 120 + est_counters(&ws[w], &as[w]);
	}
	rte_tel_data_start_dict(d);
	if (want >= 0) {
		for (w = 0; w < tapp->n_workers; w++) {
			if (tapp->lc[w]->lcore_id != want)
				continue;
			add_lcore_header(d, w, &wd[w]);
			add_counters(d, &ws[w], &as[w]);
			return 0;
		}
		return -EINVAL;
	}
	compact = total > TEL_BUDGET;
	rte_tel_data_add_dict_u64(d, "compact", (uint64_t)compact);
	for (w = 0; w < tapp->n_workers; w++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		add_lcore_header(c, w, &wd[w]);
		if (compact)
			add_compact(c, &ws[w]);
		else
			add_counters(c, &ws[w], &as[w]);
		snprintf(key, sizeof(key), "%u", tapp->lc[w]->lcore_id);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

/* /dnsfence/ports: ethdev counters of every port, keyed by the config's port name. */
static int
impl_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint16_t i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (i = 0; i < tapp->n_ports && !tapp->ports_closed; i++) {
		const struct dnsf_app_port *p = &tapp->ports[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_eth_stats st;
		struct rte_eth_link link;
		char key[DNSF_NAME_MAX];

		if (c == NULL)
			break;
		memset(&st, 0, sizeof(st));
		memset(&link, 0, sizeof(link));
		rte_eth_stats_get(p->port_id, &st);
		rte_eth_link_get_nowait(p->port_id, &link);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "name", p->name);
		rte_tel_data_add_dict_string(c, "device", p->device);
		rte_tel_data_add_dict_u64(c, "port_id", p->port_id);
		rte_tel_data_add_dict_u64(c, "link_up", link.link_status == RTE_ETH_LINK_UP);
		rte_tel_data_add_dict_u64(c, "rx_queues", p->nb_rxq);
		rte_tel_data_add_dict_u64(c, "tx_queues", p->nb_txq);
		rte_tel_data_add_dict_u64(c, "rss", p->rss);
		rte_tel_data_add_dict_u64(c, "ipackets", st.ipackets);
		rte_tel_data_add_dict_u64(c, "opackets", st.opackets);
		rte_tel_data_add_dict_u64(c, "ibytes", st.ibytes);
		rte_tel_data_add_dict_u64(c, "obytes", st.obytes);
		rte_tel_data_add_dict_u64(c, "imissed", st.imissed);
		rte_tel_data_add_dict_u64(c, "ierrors", st.ierrors);
		rte_tel_data_add_dict_u64(c, "oerrors", st.oerrors);
		rte_tel_data_add_dict_u64(c, "rx_nombuf", st.rx_nombuf);
		sanitize_key(p->name, key, sizeof(key));
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

/* /dnsfence/config: what this process runs with. */
static int
impl_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dnsf_config *cfg = tapp->cfg;
	struct rte_tel_data *ports, *pairs, *workers, *lists;
	uint16_t i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", DNSF_VERSION);
	rte_tel_data_add_dict_string(d, "config", cfg->path);
	rte_tel_data_add_dict_string(d, "mode", dnsf_mode_name(cfg->mode));
	rte_tel_data_add_dict_u64(d, "replay", tapp->replay);
	rte_tel_data_add_dict_u64(d, "detection_enabled", cfg->detect.enabled);
	rte_tel_data_add_dict_string(d, "detection_action", dnsf_action_name(cfg->detect.action));
	rte_tel_data_add_dict_string(d, "malformed_action",
	                             dnsf_action_name(cfg->malformed_action));
	rte_tel_data_add_dict_string(d, "fragment_action", dnsf_action_name(cfg->fragment_action));
	rte_tel_data_add_dict_u64(d, "control_lcore", cfg->control_lcore);
	rte_tel_data_add_dict_u64(d, "burst", cfg->burst);
	rte_tel_data_add_dict_u64(d, "tx_drain_us", cfg->tx_drain_us);
	rte_tel_data_add_dict_u64(d, "mbufs", cfg->mbufs);
	rte_tel_data_add_dict_u64(d, "event_ring", cfg->event_ring);
	rte_tel_data_add_dict_string(d, "event_log",
	                             tapp->event_log_path ? tapp->event_log_path : "");
	rte_tel_data_add_dict_string(d, "pdump", dnsf_pdump_state_name(tapp->pdump));

	workers = rte_tel_data_alloc();
	if (workers != NULL) {
		rte_tel_data_start_array(workers, RTE_TEL_U64_VAL);
		for (i = 0; i < tapp->n_workers; i++)
			rte_tel_data_add_array_u64(workers, tapp->lc[i]->lcore_id);
		if (rte_tel_data_add_dict_container(d, "workers", workers, 0) != 0)
			rte_tel_data_free(workers);
	}
	ports = rte_tel_data_alloc();
	if (ports != NULL) {
		rte_tel_data_start_dict(ports);
		for (i = 0; i < tapp->n_ports; i++) {
			char key[DNSF_NAME_MAX];

			sanitize_key(tapp->ports[i].name, key, sizeof(key));
			rte_tel_data_add_dict_string(ports, key, tapp->ports[i].device);
		}
		if (rte_tel_data_add_dict_container(d, "ports", ports, 0) != 0)
			rte_tel_data_free(ports);
	}
	pairs = rte_tel_data_alloc();
	if (pairs != NULL) {
		rte_tel_data_start_array(pairs, RTE_TEL_STRING_VAL);
		for (i = 0; i < tapp->n_ports; i++) {
			const struct dnsf_app_port *p = &tapp->ports[i];
			char s[2 * DNSF_NAME_MAX + 8];

			/* Each pair once, from its lower index; a replay port pairs with itself. */
			if (p->sink || p->peer == DNSF_APP_PORT_NONE || p->peer < i)
				continue;
			snprintf(s, sizeof(s), "%s<->%s", p->name, tapp->ports[p->peer].name);
			rte_tel_data_add_array_string(pairs, s);
		}
		if (rte_tel_data_add_dict_container(d, "pairs", pairs, 0) != 0)
			rte_tel_data_free(pairs);
	}
	lists = rte_tel_data_alloc();
	if (lists != NULL) {
		rte_tel_data_start_dict(lists);
		rte_tel_data_add_dict_string(lists, "allowlist", cfg->allowlist);
		rte_tel_data_add_dict_string(lists, "denylist", cfg->denylist);
		rte_tel_data_add_dict_string(lists, "psl", cfg->detect.psl);
		rte_tel_data_add_dict_string(lists, "model", cfg->model.path);
		if (rte_tel_data_add_dict_container(d, "lists", lists, 0) != 0)
			rte_tel_data_free(lists);
	}
	return 0;
}

static void
addr_text(uint8_t ipv, const uint8_t *a, char *buf, size_t len)
{
	if (ipv == 4)
		inet_ntop(AF_INET, a, buf, (socklen_t)len);
	else if (ipv == 6)
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "%s", "");
}

/* One event as a flat dict; returns its estimated JSON size (0 when it was not built). */
static size_t
event_dict(const struct dnsf_event *ev, struct rte_tel_data *c)
{
	char cl[INET6_ADDRSTRLEN], sv[INET6_ADDRSTRLEN], rr[DNSF_RRTYPE_NAME_MAX];
	char qname[RTE_TEL_MAX_STRING_LEN], regdomain[RTE_TEL_MAX_STRING_LEN];
	const char *rrtype;
	size_t n = 16;
	unsigned f;

	addr_text(ev->ip_version, ev->client, cl, sizeof(cl));
	addr_text(ev->ip_version, ev->server, sv, sizeof(sv));
	rrtype = dnsf_rrtype_name(ev->qtype, rr, sizeof(rr));
	printable(ev->qname, qname, sizeof(qname));
	printable(ev->regdomain, regdomain, sizeof(regdomain));
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_u64(c, "ts_us", ev->ts_us);
	rte_tel_data_add_dict_u64(c, "worker", ev->worker);
	rte_tel_data_add_dict_string(c, "client", cl);
	rte_tel_data_add_dict_u64(c, "client_port", ev->client_port);
	rte_tel_data_add_dict_string(c, "server", sv);
	rte_tel_data_add_dict_u64(c, "server_port", ev->server_port);
	rte_tel_data_add_dict_u64(c, "proto", ev->l4_proto);
	rte_tel_data_add_dict_string(c, "type", ev->is_query ? "query" : "answer");
	rte_tel_data_add_dict_string(c, "rrtype", rrtype);
	rte_tel_data_add_dict_string(c, "qname", qname); /* cut at 127 characters */
	rte_tel_data_add_dict_string(c, "regdomain", regdomain);
	rte_tel_data_add_dict_string(c, "action", dnsf_action_name(ev->action));
	rte_tel_data_add_dict_string(c, "would", dnsf_action_name(ev->would));
	rte_tel_data_add_dict_string(c, "reason", dnsf_reason_name(ev->reason));
	rte_tel_data_add_dict_int(c, "score", ev->score);
	rte_tel_data_add_dict_int(c, "model_score", ev->model_score);
	n += est_u64("ts_us", ev->ts_us) + est_u64("worker", ev->worker) + est_str("client", cl) +
	     est_u64("client_port", 65535) + est_str("server", sv) + est_u64("server_port", 65535) +
	     est_u64("proto", 255) + est_str("type", "answer") + est_str("rrtype", rrtype) +
	     est_str("qname", qname) + est_str("regdomain", regdomain) +
	     3 * est_str("would", "refuse") + est_str("reason", "verdict_cache") +
	     2 * est_u64("model_score", 4000000000u);
	for (f = 0; f < ev->n_feat && f < DNSF_EVENT_MAX_FEAT; f++) {
		char key[64], raw[56];
		const char *name = dnsf_feat_name(ev->feat[f].id);

		if (strcmp(name, "?") == 0)
			snprintf(raw, sizeof(raw), "%u", ev->feat[f].id);
		else
			snprintf(raw, sizeof(raw), "%s", name);
		snprintf(key, sizeof(key), "f_");
		sanitize_key(raw, key + 2, sizeof(key) - 2);
		rte_tel_data_add_dict_int(c, key, ev->feat[f].value);
		n += est_u64(key, 4000000000u);
	}
	return n;
}

/*
 * /dnsfence/events: the most recent events, newest first, as many as fit in one reply. A dict
 * keyed by the event's sequence number (count of events since start, from 0), because 22.11
 * cannot put dicts in an array. /dnsfence/events,<n> returns at most n.
 */
static int
impl_events(const char *cmd, const char *params, struct rte_tel_data *d)
{
	size_t used = 64;
	unsigned k, limit = DNSF_APP_RECENT;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		unsigned long v;

		if (parse_count(params, DNSF_APP_RECENT, &v) != 0)
			return -EINVAL;
		limit = (unsigned)v;
	}
	rte_tel_data_start_dict(d);
	for (k = 0; k < tapp->recent_n && k < limit; k++) {
		unsigned slot = (tapp->recent_head + DNSF_APP_RECENT - 1 - k) % DNSF_APP_RECENT;
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[24];
		size_t sz;

		if (c == NULL)
			break;
		sz = event_dict(&tapp->recent[slot], c) + 24;
		if (used + sz > TEL_BUDGET) {
			rte_tel_data_free(c);
			break;
		}
		used += sz;
		snprintf(key, sizeof(key), "%" PRIu64, tapp->events_written - 1 - k);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
			rte_tel_data_free(c);
			break;
		}
	}
	return 0;
}

/* Flow/domain table counters of one worker (or their sum) under `p`-prefixed keys. */
static void
add_tables(struct rte_tel_data *d, const struct dnsf_tab_counters *f,
           const struct dnsf_tab_counters *dm)
{
	rte_tel_data_add_dict_u64(d, "flow_capacity", f->entries);
	rte_tel_data_add_dict_u64(d, "flows_in_use", f->used);
	rte_tel_data_add_dict_u64(d, "flow_lookups", f->lookups);
	rte_tel_data_add_dict_u64(d, "flow_inserts", f->inserts);
	rte_tel_data_add_dict_u64(d, "flow_evictions", f->evictions);
	rte_tel_data_add_dict_u64(d, "flow_no_room", f->no_room);
	rte_tel_data_add_dict_u64(d, "domain_capacity", dm->entries);
	rte_tel_data_add_dict_u64(d, "domains_in_use", dm->used);
	rte_tel_data_add_dict_u64(d, "domain_lookups", dm->lookups);
	rte_tel_data_add_dict_u64(d, "domain_inserts", dm->inserts);
	rte_tel_data_add_dict_u64(d, "domain_evictions", dm->evictions);
	rte_tel_data_add_dict_u64(d, "domain_no_room", dm->no_room);
}

static void
sum_tables(struct dnsf_tab_counters *sum, const struct dnsf_tab_counters *c)
{
	sum->entries += c->entries;
	sum->used += c->used;
	sum->lookups += c->lookups;
	sum->hits += c->hits;
	sum->inserts += c->inserts;
	sum->evictions += c->evictions;
	sum->no_room += c->no_room;
}

/* The top list's label store as of a worker's last pass (dnsf_top.h). */
static void
add_labels(struct rte_tel_data *d, uint64_t cap, uint64_t used, uint64_t inserts, uint64_t replaced,
           uint64_t refused)
{
	rte_tel_data_add_dict_u64(d, "top_label_capacity", cap);
	rte_tel_data_add_dict_u64(d, "top_labels_in_use", used);
	rte_tel_data_add_dict_u64(d, "top_label_inserts", inserts);
	rte_tel_data_add_dict_u64(d, "top_label_replaced", replaced);
	rte_tel_data_add_dict_u64(d, "top_label_refused", refused);
}

/* Snapshots of the workers' top lists, read under tel_lock (too big for the stack). */
static struct dnsf_top_snap top_snaps[DNSF_MAX_WORKERS];

/*
 * /dnsfence/flows: flow and domain table use, totals and per worker (keyed by lcore id). The
 * counts are the tables' own (exact: a slot is counted in use when it is filled, and slots are
 * only ever reused, never freed); flows_active and flows_held come from each worker's last top
 * pass (at most about a second old).
 */
static int
impl_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dnsf_tab_counters tf = {0}, td = {0};
	uint64_t active = 0, held = 0, lab[5] = {0};
	uint16_t w;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", tapp->n_workers);
	rte_tel_data_add_dict_u64(d, "detection_enabled", tapp->cfg->detect.enabled);
	for (w = 0; w < tapp->n_workers; w++) {
		struct dnsf_tab_counters f, dm;
		struct dnsf_top_snap *sn = &top_snaps[w];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16];

		dnsf_worker_tables(&tapp->lc[w]->w, &f, &dm);
		if (dnsf_worker_top_read(&tapp->lc[w]->w, sn) != 0)
			memset(sn, 0, sizeof(*sn));
		sum_tables(&tf, &f);
		sum_tables(&td, &dm);
		active += sn->active;
		held += sn->held;
		lab[0] += sn->labels_cap;
		lab[1] += sn->labels_used;
		lab[2] += sn->label_inserts;
		lab[3] += sn->label_replaced;
		lab[4] += sn->label_refused;
		if (c == NULL)
			continue;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "worker", w);
		rte_tel_data_add_dict_u64(c, "lcore", tapp->lc[w]->lcore_id);
		add_tables(c, &f, &dm);
		rte_tel_data_add_dict_u64(c, "flows_active", sn->active);
		rte_tel_data_add_dict_u64(c, "flows_held", sn->held);
		rte_tel_data_add_dict_u64(c, "scan_passes", sn->pass);
		add_labels(c, sn->labels_cap, sn->labels_used, sn->label_inserts,
		           sn->label_replaced, sn->label_refused);
		snprintf(key, sizeof(key), "%u", tapp->lc[w]->lcore_id);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	add_tables(d, &tf, &td);
	rte_tel_data_add_dict_u64(d, "flows_active", active);
	rte_tel_data_add_dict_u64(d, "flows_held", held);
	add_labels(d, lab[0], lab[1], lab[2], lab[3], lab[4]);
	return 0;
}

/* One merged top entry as a flat dict; returns its estimated JSON size. */
static size_t
top_dict(const struct dnsf_top_ref *r, const struct dnsf_top_snap *sn, struct rte_tel_data *c)
{
	const struct dnsf_top_ent *e = r->e;
	char cl[INET6_ADDRSTRLEN], raw[DNSF_TOP_NAME + 4], name[RTE_TEL_MAX_STRING_LEN], key[20];
	const uint32_t now_s = (uint32_t)(sn->now_us / 1000000u);
	const char *verdict = e->hold_until_s == 0      ? "none"
	                      : e->hold_until_s > now_s ? "held"
	                                                : "released";

	addr_text(e->ip_version, e->client, cl, sizeof(cl));
	memcpy(raw, e->name, e->name_len);
	/* A registered domain longer than a label keeps is shown cut, with "..." (docs). */
	snprintf(raw + e->name_len, sizeof(raw) - e->name_len, "%s", e->name_cut ? "..." : "");
	printable(raw, name, sizeof(name));
	snprintf(key, sizeof(key), "%016" PRIx64, e->key);
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_u64(c, "worker", r->worker);
	rte_tel_data_add_dict_u64(c, "lcore", tapp->lc[r->worker]->lcore_id);
	rte_tel_data_add_dict_string(c, "flow_key", key);
	/* 0: a flow without a label (dnsf_top.h): client and regdomain "", scores 0 / -1. */
	rte_tel_data_add_dict_u64(c, "labelled", e->labelled);
	rte_tel_data_add_dict_string(c, "client", cl);
	rte_tel_data_add_dict_string(c, "regdomain", name);
	rte_tel_data_add_dict_int(c, "score", e->score);
	rte_tel_data_add_dict_int(c, "model_score", e->model_score);
	rte_tel_data_add_dict_u64(c, "info_bytes", e->info);
	rte_tel_data_add_dict_u64(c, "susp_info_bytes", e->susp_info);
	rte_tel_data_add_dict_u64(c, "distinct", e->distinct);
	rte_tel_data_add_dict_u64(c, "queries", e->queries);
	rte_tel_data_add_dict_u64(c, "first_seen_s", e->first_s);
	rte_tel_data_add_dict_u64(c, "last_seen_us", e->last_us);
	rte_tel_data_add_dict_string(c, "verdict", verdict);
	rte_tel_data_add_dict_u64(c, "held", e->hold_until_s > now_s);
	rte_tel_data_add_dict_u64(c, "hold_until_s", e->hold_until_s);
	return 40 + est_u64("worker", r->worker) + est_u64("lcore", 65535) +
	       est_str("flow_key", key) + est_u64("labelled", 1) + est_str("client", cl) +
	       est_str("regdomain", name) + 2 * est_u64("model_score", 65535) +
	       est_u64("info_bytes", e->info) + est_u64("susp_info_bytes", e->susp_info) +
	       est_u64("distinct", e->distinct) + est_u64("queries", e->queries) +
	       est_u64("first_seen_s", e->first_s) + est_u64("last_seen_us", e->last_us) +
	       est_str("verdict", "released") + est_u64("held", 1) +
	       est_u64("hold_until_s", e->hold_until_s);
}

/*
 * /dnsfence/top[,score|,info][,N]: the top suspicious flows over all workers, best first, keyed
 * "1".."N" (22.11 cannot put dicts in an array). Each worker publishes its own top DNSF_TOP_K
 * by score and by information volume about once a second (dnsf_top.h); this merges them, so N
 * is at most DNSF_TOP_K (default: all of them that fit in one reply).
 */
static int
impl_top(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dnsf_top_ref refs[DNSF_TOP_K];
	int by = DNSF_TOP_BY_SCORE;
	unsigned max = DNSF_TOP_K, n, k, published = 0;
	uint64_t as_of = 0;
	size_t used = 200;
	uint16_t w;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		/* At most one order, then at most one count: "score", "info,5", "3". */
		const char *p = params, *comma = strchr(p, ',');
		char tok[8];
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		unsigned long v;

		if (len < sizeof(tok)) {
			memcpy(tok, p, len);
			tok[len] = '\0';
			if (strcmp(tok, "score") == 0 || strcmp(tok, "info") == 0) {
				by = tok[0] == 'i' ? DNSF_TOP_BY_INFO : DNSF_TOP_BY_SCORE;
				if (comma == NULL)
					p = NULL;
				else
					p = comma + 1;
			}
		}
		if (p != NULL) {
			if (parse_count(p, DNSF_TOP_K, &v) != 0 || v < 1)
				return -EINVAL;
			max = (unsigned)v;
		}
	}
	for (w = 0; w < tapp->n_workers; w++) {
		if (dnsf_worker_top_read(&tapp->lc[w]->w, &top_snaps[w]) != 0)
			memset(&top_snaps[w], 0, sizeof(top_snaps[w]));
		if (top_snaps[w].pass > 0)
			published++;
		if (top_snaps[w].now_us > as_of)
			as_of = top_snaps[w].now_us;
	}
	n = dnsf_top_merge(top_snaps, tapp->n_workers, by, max, refs);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "by", by == DNSF_TOP_BY_INFO ? "info" : "score");
	rte_tel_data_add_dict_u64(d, "workers", tapp->n_workers);
	rte_tel_data_add_dict_u64(d, "published", published);
	rte_tel_data_add_dict_u64(d, "as_of_us", as_of);
	for (k = 0; k < n; k++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[8];
		size_t sz;

		if (c == NULL)
			break;
		sz = top_dict(&refs[k], &top_snaps[refs[k].worker], c);
		if (used + sz > TEL_BUDGET) {
			rte_tel_data_free(c);
			break;
		}
		used += sz;
		snprintf(key, sizeof(key), "%u", k + 1);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
			rte_tel_data_free(c);
			break;
		}
	}
	rte_tel_data_add_dict_u64(d, "count", k);
	return 0;
}

/*
 * /dnsfence/lists: the allow and deny lists in force (version = "<entries>-<digest>", as
 * dnsf_suffix_set_version; "" when the list is not configured), when they were loaded, and the
 * result of the last SIGHUP reload. Reports only: reloading is SIGHUP's job.
 */
static int
impl_lists(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dnsf_lists_status *l = &tapp->lists;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "allow_path", tapp->cfg->allowlist);
	rte_tel_data_add_dict_string(d, "allow_version", l->allow_version);
	rte_tel_data_add_dict_u64(d, "allow_entries", l->allow_entries);
	rte_tel_data_add_dict_string(d, "deny_path", tapp->cfg->denylist);
	rte_tel_data_add_dict_string(d, "deny_version", l->deny_version);
	rte_tel_data_add_dict_u64(d, "deny_entries", l->deny_entries);
	rte_tel_data_add_dict_u64(d, "loaded_unix_s", l->loaded_us / 1000000u);
	rte_tel_data_add_dict_u64(d, "reloads_ok", l->reloads_ok);
	rte_tel_data_add_dict_u64(d, "reloads_failed", l->reloads_failed);
	rte_tel_data_add_dict_u64(d, "last_reload_unix_s", l->last_reload_us / 1000000u);
	rte_tel_data_add_dict_string(d, "last_reload",
	                             l->last_reload_us == 0 ? "none"
	                             : l->last_ok           ? "ok"
	                                                    : "error");
	rte_tel_data_add_dict_string(d, "last_error", l->last_error);
	rte_tel_data_add_dict_u64(d, "old_lists_pending", l->retire_pending);
	return 0;
}

/*
 * Every command runs under tel_lock: control takes it to publish its state and to retire the
 * app at exit (tel_ready = 0), so a reply never reads ports being closed or memory being freed.
 * Workers never take it.
 */
static int
run_locked(int (*impl)(const char *, const char *, struct rte_tel_data *), const char *cmd,
           const char *params, struct rte_tel_data *d)
{
	int rc;

	pthread_mutex_lock(&tapp->tel_lock);
	rc = tapp->tel_ready ? impl(cmd, params, d) : not_ready(d);
	pthread_mutex_unlock(&tapp->tel_lock);
	return rc;
}

#define DNSF_TEL_WRAP(n)                                                                           \
	static int cb_##n(const char *cmd, const char *params, struct rte_tel_data *d)             \
	{                                                                                          \
		return run_locked(impl_##n, cmd, params, d);                                       \
	}
DNSF_TEL_WRAP(lcores)
DNSF_TEL_WRAP(events)
DNSF_TEL_WRAP(top)

/* Commands that take no parameter refuse one (null reply) rather than ignore it: an operator
 * who types /dnsfence/stats,3 for one worker gets an error, not the totals. */
#define DNSF_TEL_WRAP_NOPARAM(n)                                                                   \
	static int cb_##n(const char *cmd, const char *params, struct rte_tel_data *d)             \
	{                                                                                          \
		if (params != NULL && *params != '\0')                                             \
			return -EINVAL;                                                            \
		return run_locked(impl_##n, cmd, params, d);                                       \
	}
DNSF_TEL_WRAP_NOPARAM(stats)
DNSF_TEL_WRAP_NOPARAM(ports)
DNSF_TEL_WRAP_NOPARAM(config)
DNSF_TEL_WRAP_NOPARAM(flows)
DNSF_TEL_WRAP_NOPARAM(lists)

int
dnsf_telemetry_register(struct dnsf_app *app, char *err, size_t errlen)
{
	static const struct {
		const char *cmd;
		telemetry_cb cb;
		const char *help;
	} cmds[] = {
	    {"/dnsfence/stats", cb_stats, "dnsfence totals of every counter. No parameters"},
	    {"/dnsfence/lcores", cb_lcores,
	     "dnsfence per-worker counters, keyed by lcore. Parameter: an lcore id (optional)"},
	    {"/dnsfence/ports", cb_ports,
	     "dnsfence ports: ethdev counters and link. No parameters"},
	    {"/dnsfence/config", cb_config, "dnsfence running configuration. No parameters"},
	    {"/dnsfence/events", cb_events,
	     "dnsfence recent detection events, newest first. Parameter: max count (optional)"},
	    {"/dnsfence/flows", cb_flows,
	     "dnsfence flow/domain table use, totals and per worker. No parameters"},
	    {"/dnsfence/lists", cb_lists,
	     "dnsfence allow/deny lists in force: versions, entries, last reload. No parameters"},
	    {"/dnsfence/top", cb_top,
	     "dnsfence top suspicious flows. Parameters: score or info (order), max count "
	     "(optional)"},
	};
	size_t i;

	tapp = app;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].cb, cmds[i].help);

		if (rc != 0) {
			snprintf(err, errlen, "telemetry command %s not registered: %s",
			         cmds[i].cmd, strerror(-rc));
			return -1;
		}
	}
	return 0;
}
