/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-eval — judge the full dataplane decision (dnsf_worker_process: lists, rules, model,
 * verdict cache; nothing re-implemented here) on labelled traffic.
 *
 *   dnsfence-eval -c CONFIG [--label-suffix S]... [--rename-base DOMAIN|random[:SEED]]
 *                 [--merge] [--json OUT.json] [--sessions]
 *                 [--benign-names FILE]... [--benign-part M:LO:HI] [--clients N]
 *                 [--seconds S] [--seed N]
 *                 [--model PATH|none] [--model-threshold N] [--combine MODE]
 *                 [--rules-threshold N] [--type-policy config|off] [--write-input OUT.pcap]
 *                 [--synth-tunnel KIND[:QUERIES[:INTERVAL_S]]]... [--explain N] [PCAP...]
 *
 * Each capture (and the synthetic benign traffic) goes through a fresh worker of its own, or,
 * with --merge, all of them through one worker in timestamp order. A DNS message is tunnel
 * traffic iff its QNAME ends with a label suffix (default example.attack). Reported per capture,
 * per tool (file name up to the first '-') and in total:
 *   tunnel queries passed / total, benign queries dropped / total (answers likewise);
 *   tunnel sessions, (client, registered domain), blocked (at least one query dropped);
 *   detection latency: tunnel queries of a session that passed before its first dropped query;
 *   leaked: subdomain bytes of the tunnel queries passed before that first drop (all of them for
 *   a session never blocked), mean and max over sessions;
 *   rule and model score histograms per class (messages the detector scored).
 * --synth-tunnel adds a synthetic session shaped like a tool the training data never saw
 * (dnscat2, exfiltrator, beacon, slow; dnsf_tunsynth.h) under a random domain of its own.
 * --type-policy off turns hardening.types off (the shipped config refuses NULL and private-use
 * queries before detection; this measures the detector on those tunnels too).
 * --forwarders PCT makes PCT % of the synthetic clients forwarders or NAT gateways for 20-200
 * users each (a stress test of per-flow evidence; default 0).
 * --periodic PCT gives PCT % of the synthetic clients 1-3 periodic pollers as well (NTP,
 * connectivity checks, push, CDN names at TTL expiry, hex device-id heartbeats, API and mail
 * polls: the benign shapes the beacon rule must leave alone; default 0).
 * --benign-part M:LO:HI keeps only the names whose registered domain falls in parts LO..HI-1 of
 * M (dnsf_synth_part; dnsfence-train validates on part 4 of 5: --benign-part 5:4:5).
 * --html writes the totals as a self-contained page (tools/dnsf_report_html.h): score histograms
 * per class, detection latency and leaked bytes per session.
 * --explain N lists the N benign messages with the highest model scores (name, type, scores,
 * whether blocked): what to look at before turning the model on for a kind of traffic.
 * --write-input records every frame as it was handed to the engine (after renaming; synthetic
 * traffic included) for inspection with tshark.
 * "Dropped" means the engine decided a blocking action (drop, refuse, or log / monitor's would-be
 * drop). Exit status: 0 (measured), 1 (error), 2 (usage).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_config.h"
#include "dnsf_engine.h"
#include "dnsf_lsrc.h"
#include "dnsf_model.h"
#include "dnsf_name.h"
#include "dnsf_psl.h"
#include "dnsf_rename.h"
#include "dnsf_report_html.h"
#include "dnsf_synth.h"
#include "dnsf_tunsynth.h"

#define RULE_BUCKETS  41 /* 0..399 by 10, then >= 400 */
#define MODEL_BUCKETS 21 /* 0..999 by 50, then 1000 */

struct sess {
	uint64_t key;
	uint8_t client[16];
	uint8_t ip_version;
	char domain[DNSF_DNS_MAX_NAME + 1];
	uint64_t queries, passed, first_block, leaked_before, leaked_total;
	uint64_t responses, responses_passed;
};

struct stats {
	char name[256], tool[64], renamed[256];
	uint64_t frames, non_dns, malformed, fragments, truncated;
	uint64_t tq, tq_pass, tr, tr_pass, bq, bq_drop, br, br_drop;
	uint64_t renamed_msgs, rename_failed;
	uint64_t t_reason[DNSF_R__COUNT], b_reason[DNSF_R__COUNT];
	uint64_t kind_q[DNSF_SYN__COUNT], kind_drop[DNSF_SYN__COUNT];
	uint64_t rules[2][RULE_BUCKETS], model[2][MODEL_BUCKETS];
	uint64_t model_exact[2][DNSF_MODEL_SCORE_MAX + 1]; /* for the FPR thresholds */
	struct sess *s;
	size_t ns, cap;
	/* key -> session index + 1 (per capture) */
	uint32_t *map;
	size_t map_mask;
};

static void
die_oom(void)
{
	fprintf(stderr, "dnsfence-eval: out of memory\n");
	exit(1);
}

static struct sess *
sess_get(struct stats *st, const struct dnsf_lpkt *p)
{
	if (st->map == NULL || 2 * (st->ns + 1) > st->map_mask + 1) {
		size_t size = st->map ? 2 * (st->map_mask + 1) : 64;
		uint32_t *m = calloc(size, sizeof(*m));
		if (m == NULL)
			die_oom();
		for (size_t i = 0; i < st->ns; i++) {
			size_t h = st->s[i].key & (size - 1);
			while (m[h])
				h = (h + 1) & (size - 1);
			m[h] = (uint32_t)i + 1;
		}
		free(st->map);
		st->map = m;
		st->map_mask = size - 1;
	}
	size_t h = p->sess_key & st->map_mask;
	while (st->map[h]) {
		struct sess *x = &st->s[st->map[h] - 1];
		if (x->key == p->sess_key)
			return x;
		h = (h + 1) & st->map_mask;
	}
	if (st->ns == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->s = realloc(st->s, st->cap * sizeof(*st->s));
		if (st->s == NULL)
			die_oom();
	}
	struct sess *x = &st->s[st->ns];
	memset(x, 0, sizeof(*x));
	x->key = p->sess_key;
	memcpy(x->client, dnsf_pkt_client_addr(&p->pkt), 16);
	x->ip_version = p->pkt.ip_version;
	const struct dnsf_dns_msg *m = &p->pkt.dns;
	unsigned off = p->split < m->nlabels ? m->label_off[p->split] : m->qname_len;
	snprintf(x->domain, sizeof(x->domain), "%s", m->qname + off);
	st->map[h] = (uint32_t)++st->ns;
	return x;
}

/* --explain: the highest-scoring benign messages, kept sorted (highest first). */
#define EXPLAIN_MAX 100
static unsigned explain_n;
static struct {
	int32_t model, rules;
	uint16_t qtype;
	uint8_t is_query, blocked;
	char qname[DNSF_DNS_MAX_NAME + 1];
} explain_top[EXPLAIN_MAX];
static unsigned explain_used;

static void
explain_note(const struct dnsf_lpkt *p, const struct dnsf_verdict *v, int blocked)
{
	unsigned at = explain_used;
	while (at > 0 && explain_top[at - 1].model < v->model_score)
		at--;
	if (at >= explain_n)
		return;
	if (explain_used < explain_n)
		explain_used++;
	memmove(&explain_top[at + 1], &explain_top[at],
	        (explain_used - 1 - at) * sizeof(explain_top[0]));
	explain_top[at].model = v->model_score;
	explain_top[at].rules = v->score;
	explain_top[at].qtype = p->pkt.dns.qtype;
	explain_top[at].is_query = p->pkt.is_query;
	explain_top[at].blocked = (uint8_t)blocked;
	snprintf(explain_top[at].qname, sizeof(explain_top[at].qname), "%s", p->pkt.dns.qname);
}

static void
account(struct stats *st, const struct dnsf_lpkt *p, const struct dnsf_verdict *v)
{
	const int blocked = v->would != DNSF_ACT_PASS;

	st->frames++;
	st->renamed_msgs += p->renamed;
	st->rename_failed += p->rename_failed;
	switch (p->cls) {
	case DNSF_PKT_NON_DNS:
		st->non_dns++;
		return;
	case DNSF_PKT_MALFORMED:
		st->malformed++;
		return;
	case DNSF_PKT_FRAGMENT:
		st->fragments++;
		return;
	default:
		break;
	}
	const int t = p->label == 1;
	if (v->score >= 0)
		st->rules[t][v->score / 10 < RULE_BUCKETS - 1 ? v->score / 10 : RULE_BUCKETS - 1]++;
	if (v->model_score >= 0) {
		st->model[t][v->model_score / 50 < MODEL_BUCKETS - 1 ? v->model_score / 50
		                                                     : MODEL_BUCKETS - 1]++;
		st->model_exact[t][v->model_score <= DNSF_MODEL_SCORE_MAX ? v->model_score
		                                                          : DNSF_MODEL_SCORE_MAX]++;
	}
	if (blocked && v->reason < DNSF_R__COUNT)
		(t ? st->t_reason : st->b_reason)[v->reason]++;
	if (!t && explain_n && v->model_score >= 0)
		explain_note(p, v, blocked);
	if (!t) {
		if (p->pkt.is_query) {
			st->bq++;
			st->bq_drop += blocked;
			if (p->kind >= 0) {
				st->kind_q[p->kind]++;
				st->kind_drop[p->kind] += blocked;
			}
		} else {
			st->br++;
			st->br_drop += blocked;
		}
		return;
	}
	struct sess *s = sess_get(st, p);
	if (!p->pkt.is_query) {
		st->tr++;
		st->tr_pass += !blocked;
		s->responses++;
		s->responses_passed += !blocked;
		return;
	}
	st->tq++;
	s->queries++;
	if (blocked) {
		if (s->first_block == 0)
			s->first_block = s->queries;
		return;
	}
	st->tq_pass++;
	s->passed++;
	s->leaked_total += p->sub_len;
	if (s->first_block == 0)
		s->leaked_before += p->sub_len;
}

/* Sum b into a (sessions appended, never merged: the same client and domain in two captures are
 * two sessions unless --merge made them one flow). */
static void
stats_add(struct stats *a, const struct stats *b)
{
#define ADD(f) a->f += b->f
	ADD(frames);
	ADD(non_dns);
	ADD(malformed);
	ADD(fragments);
	ADD(truncated);
	ADD(tq);
	ADD(tq_pass);
	ADD(tr);
	ADD(tr_pass);
	ADD(bq);
	ADD(bq_drop);
	ADD(br);
	ADD(br_drop);
	ADD(renamed_msgs);
	ADD(rename_failed);
#undef ADD
	for (int i = 0; i < DNSF_R__COUNT; i++) {
		a->t_reason[i] += b->t_reason[i];
		a->b_reason[i] += b->b_reason[i];
	}
	for (int i = 0; i < DNSF_SYN__COUNT; i++) {
		a->kind_q[i] += b->kind_q[i];
		a->kind_drop[i] += b->kind_drop[i];
	}
	for (int c = 0; c < 2; c++) {
		for (int i = 0; i < RULE_BUCKETS; i++)
			a->rules[c][i] += b->rules[c][i];
		for (int i = 0; i < MODEL_BUCKETS; i++)
			a->model[c][i] += b->model[c][i];
		for (int i = 0; i <= DNSF_MODEL_SCORE_MAX; i++)
			a->model_exact[c][i] += b->model_exact[c][i];
	}
	if (b->ns > 0) {
		a->s = realloc(a->s, (a->ns + b->ns) * sizeof(*a->s));
		if (a->s == NULL)
			die_oom();
		memcpy(a->s + a->ns, b->s, b->ns * sizeof(*b->s));
		a->ns += b->ns;
		a->cap = a->ns;
	}
}

struct summary {
	uint64_t sessions, blocked;
	double lat_mean, leak_mean;
	uint64_t lat_max, lat_median, leak_max;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
summarize(const struct stats *st, struct summary *sm)
{
	uint64_t lat_sum = 0, leak_sum = 0;
	uint64_t *lat = malloc((st->ns ? st->ns : 1) * sizeof(*lat));

	if (lat == NULL)
		die_oom();
	memset(sm, 0, sizeof(*sm));
	for (size_t i = 0; i < st->ns; i++) {
		const struct sess *s = &st->s[i];
		if (s->queries == 0)
			continue; /* answers only (the query was before the capture began) */
		sm->sessions++;
		leak_sum += s->leaked_before;
		if (s->leaked_before > sm->leak_max)
			sm->leak_max = s->leaked_before;
		if (s->first_block == 0)
			continue;
		uint64_t l = s->first_block - 1;
		lat[sm->blocked++] = l;
		lat_sum += l;
		if (l > sm->lat_max)
			sm->lat_max = l;
	}
	if (sm->blocked) {
		qsort(lat, sm->blocked, sizeof(*lat), cmp_u64);
		sm->lat_median = lat[sm->blocked / 2];
		sm->lat_mean = (double)lat_sum / (double)sm->blocked;
	}
	if (sm->sessions)
		sm->leak_mean = (double)leak_sum / (double)sm->sessions;
	free(lat);
}

/* "n/a" without data: a run of benign traffic alone has no tunnel target to meet or miss. */
static const char *
verdict(uint64_t n, int ok)
{
	return n == 0 ? "n/a" : ok ? "met" : "MISSED";
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void
print_row(const struct stats *st, const char *label)
{
	struct summary sm;

	summarize(st, &sm);
	printf(
	    "%-48.48s %7llu %7llu %7.3f%% %8llu %6llu %9.2e %5llu %5llu %7.1f %5llu %8.0f %6llu\n",
	    label, (unsigned long long)st->tq, (unsigned long long)st->tq_pass,
	    100.0 * ratio(st->tq_pass, st->tq), (unsigned long long)st->bq,
	    (unsigned long long)st->bq_drop, ratio(st->bq_drop, st->bq),
	    (unsigned long long)sm.sessions, (unsigned long long)sm.blocked, sm.lat_mean,
	    (unsigned long long)sm.lat_max, sm.leak_mean, (unsigned long long)sm.leak_max);
}

static void
print_header(const char *what)
{
	printf("%-48s %7s %7s %8s %8s %6s %9s %5s %5s %7s %5s %8s %6s\n", what, "tun_q", "passed",
	       "pass%", "benign_q", "dropd", "drop_rate", "sess", "blckd", "lat_avg", "max",
	       "leak_avg", "max");
}

static void
print_hist(const char *title, const uint64_t *h, int n, int step, int overflow_at)
{
	uint64_t tot = 0;
	for (int i = 0; i < n; i++)
		tot += h[i];
	printf("  %-16s (%llu):", title, (unsigned long long)tot);
	for (int i = 0; i < n; i++)
		if (h[i])
			printf(" %s%d:%llu", i == n - 1 ? ">=" : "",
			       i == n - 1 ? overflow_at : i * step, (unsigned long long)h[i]);
	printf("\n");
}

/* Smallest model threshold at which at most a share `fpr` of the scored benign messages would
 * score at or above it (-1 without benign model scores). The score is monotone in the network's
 * logit, so this is the (1 - fpr) quantile of the benign scores, exact up to ties. */
static int
fpr_threshold(const struct stats *st, double fpr)
{
	uint64_t n = 0, above = 0;
	for (int i = 0; i <= DNSF_MODEL_SCORE_MAX; i++)
		n += st->model_exact[0][i];
	if (n == 0)
		return -1;
	for (int t = DNSF_MODEL_SCORE_MAX; t >= 0; t--) {
		above += st->model_exact[0][t];
		if ((double)above > fpr * (double)n)
			return t + 1 <= DNSF_MODEL_SCORE_MAX ? t + 1 : DNSF_MODEL_SCORE_MAX;
	}
	return 0;
}

/* Share of scored tunnel messages at or above threshold t. */
static double
tunnel_share(const struct stats *st, int t)
{
	uint64_t n = 0, hit = 0;
	for (int i = 0; i <= DNSF_MODEL_SCORE_MAX; i++) {
		n += st->model_exact[1][i];
		if (i >= t)
			hit += st->model_exact[1][i];
	}
	return n ? (double)hit / (double)n : 0.0;
}

/* ---- JSON ---- */

static void
jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static void
jhist(FILE *f, const uint64_t *h, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)h[i]);
	fputc(']', f);
}

static void
json_stats(FILE *f, const struct stats *st, int with_sessions)
{
	struct summary sm;
	char addr[64];

	summarize(st, &sm);
	fprintf(f, "{\"name\":");
	jstr(f, st->name);
	fprintf(f, ",\"tool\":");
	jstr(f, st->tool);
	fprintf(f, ",\"renamed_to\":");
	jstr(f, st->renamed);
	fprintf(f,
	        ",\"frames\":%llu,\"non_dns\":%llu,\"malformed\":%llu,\"fragments\":%llu,"
	        "\"truncated_records\":%llu,\"renamed_messages\":%llu,\"rename_failed\":%llu,"
	        "\"tunnel_queries\":%llu,\"tunnel_queries_passed\":%llu,"
	        "\"tunnel_responses\":%llu,\"tunnel_responses_passed\":%llu,"
	        "\"benign_queries\":%llu,\"benign_queries_dropped\":%llu,"
	        "\"benign_responses\":%llu,\"benign_responses_dropped\":%llu,"
	        "\"sessions\":%llu,\"sessions_blocked\":%llu,"
	        "\"latency\":{\"mean\":%.3f,\"median\":%llu,\"max\":%llu},"
	        "\"leaked_bytes\":{\"mean\":%.3f,\"max\":%llu}",
	        (unsigned long long)st->frames, (unsigned long long)st->non_dns,
	        (unsigned long long)st->malformed, (unsigned long long)st->fragments,
	        (unsigned long long)st->truncated, (unsigned long long)st->renamed_msgs,
	        (unsigned long long)st->rename_failed, (unsigned long long)st->tq,
	        (unsigned long long)st->tq_pass, (unsigned long long)st->tr,
	        (unsigned long long)st->tr_pass, (unsigned long long)st->bq,
	        (unsigned long long)st->bq_drop, (unsigned long long)st->br,
	        (unsigned long long)st->br_drop, (unsigned long long)sm.sessions,
	        (unsigned long long)sm.blocked, sm.lat_mean, (unsigned long long)sm.lat_median,
	        (unsigned long long)sm.lat_max, sm.leak_mean, (unsigned long long)sm.leak_max);
	for (int c = 0; c < 2; c++) {
		fprintf(f, ",\"%s_drops_by_reason\":{", c ? "tunnel" : "benign");
		for (int i = 0, first = 1; i < DNSF_R__COUNT; i++) {
			uint64_t n = c ? st->t_reason[i] : st->b_reason[i];
			if (n == 0)
				continue;
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",",
			        dnsf_reason_name((enum dnsf_reason)i), (unsigned long long)n);
			first = 0;
		}
		fputc('}', f);
	}
	fprintf(f, ",\"benign_by_kind\":{");
	for (int k = 0, first = 1; k < DNSF_SYN__COUNT; k++) {
		if (st->kind_q[k] == 0)
			continue;
		fprintf(f, "%s\"%s\":{\"queries\":%llu,\"dropped\":%llu}", first ? "" : ",",
		        dnsf_synth_kind_name((unsigned)k), (unsigned long long)st->kind_q[k],
		        (unsigned long long)st->kind_drop[k]);
		first = 0;
	}
	fprintf(f, "},\"scores\":{\"rules_bucket\":10,\"model_bucket\":50,\"rules\":{\"tunnel\":");
	jhist(f, st->rules[1], RULE_BUCKETS);
	fprintf(f, ",\"benign\":");
	jhist(f, st->rules[0], RULE_BUCKETS);
	fprintf(f, "},\"model\":{\"tunnel\":");
	jhist(f, st->model[1], MODEL_BUCKETS);
	fprintf(f, ",\"benign\":");
	jhist(f, st->model[0], MODEL_BUCKETS);
	fprintf(f, "},\"model_threshold_for_fpr\":{\"1e-3\":%d,\"1e-4\":%d,\"1e-5\":%d}}",
	        fpr_threshold(st, 1e-3), fpr_threshold(st, 1e-4), fpr_threshold(st, 1e-5));
	if (with_sessions) {
		fprintf(f, ",\"session_list\":[");
		for (size_t i = 0; i < st->ns; i++) {
			const struct sess *s = &st->s[i];
			if (s->ip_version == 6)
				snprintf(addr, sizeof(addr), "%x:%x:%x:%x:%x:%x:%x:%x",
				         s->client[0] << 8 | s->client[1],
				         s->client[2] << 8 | s->client[3],
				         s->client[4] << 8 | s->client[5],
				         s->client[6] << 8 | s->client[7],
				         s->client[8] << 8 | s->client[9],
				         s->client[10] << 8 | s->client[11],
				         s->client[12] << 8 | s->client[13],
				         s->client[14] << 8 | s->client[15]);
			else
				snprintf(addr, sizeof(addr), "%u.%u.%u.%u", s->client[0],
				         s->client[1], s->client[2], s->client[3]);
			fprintf(f, "%s{\"client\":\"%s\",\"domain\":", i ? "," : "", addr);
			jstr(f, s->domain);
			fprintf(f,
			        ",\"queries\":%llu,\"passed\":%llu,\"first_block\":%llu,"
			        "\"leaked_before_block\":%llu,\"leaked_total\":%llu,"
			        "\"responses\":%llu,\"responses_passed\":%llu}",
			        (unsigned long long)s->queries, (unsigned long long)s->passed,
			        (unsigned long long)s->first_block,
			        (unsigned long long)s->leaked_before,
			        (unsigned long long)s->leaked_total,
			        (unsigned long long)s->responses,
			        (unsigned long long)s->responses_passed);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

/* ---- HTML page ---- */

static void
addr_text(const struct sess *s, char *out, size_t len)
{
	if (s->ip_version == 6)
		snprintf(out, len, "%x:%x:%x:%x:%x:%x:%x:%x", s->client[0] << 8 | s->client[1],
		         s->client[2] << 8 | s->client[3], s->client[4] << 8 | s->client[5],
		         s->client[6] << 8 | s->client[7], s->client[8] << 8 | s->client[9],
		         s->client[10] << 8 | s->client[11], s->client[12] << 8 | s->client[13],
		         s->client[14] << 8 | s->client[15]);
	else
		snprintf(out, len, "%u.%u.%u.%u", s->client[0], s->client[1], s->client[2],
		         s->client[3]);
}

static int
write_html(const char *path, const struct stats *t, const struct dnsf_config *cfg,
           const char *cfg_path)
{
	struct dnsf_report r;
	struct dnsf_report_session *rs = calloc(t->ns ? t->ns : 1, sizeof(*rs));
	char(*addr)[48] = calloc(t->ns ? t->ns : 1, sizeof(*addr));
	size_t n = 0;
	FILE *f;
	int rc = -1;

	if (rs == NULL || addr == NULL)
		die_oom();
	for (size_t i = 0; i < t->ns; i++) {
		const struct sess *s = &t->s[i];
		if (s->queries == 0)
			continue;
		addr_text(s, addr[n], sizeof(addr[n]));
		rs[n].client = addr[n];
		rs[n].domain = s->domain;
		rs[n].queries = s->queries;
		rs[n].blocked = s->first_block != 0;
		rs[n].latency = s->first_block ? s->first_block - 1 : s->queries;
		rs[n].leaked = s->leaked_before;
		n++;
	}
	memset(&r, 0, sizeof(r));
	r.title = "dnsfence-eval";
	r.config = cfg_path;
	r.model_path = cfg->model.path[0] ? cfg->model.path : "none";
	r.model_threshold = cfg->model.path[0] ? cfg->model.threshold : -1;
	r.rules_threshold = cfg->detect.rules.threshold;
	r.tunnel_queries = t->tq;
	r.tunnel_passed = t->tq_pass;
	r.benign_queries = t->bq;
	r.benign_dropped = t->bq_drop;
	r.rules_hist[0] = t->rules[0];
	r.rules_hist[1] = t->rules[1];
	r.model_hist[0] = t->model[0];
	r.model_hist[1] = t->model[1];
	r.rules_n = RULE_BUCKETS;
	r.rules_bucket = 10;
	r.model_n = MODEL_BUCKETS;
	r.model_bucket = 50;
	r.sess = rs;
	r.n_sess = n;
	f = fopen(path, "w");
	if (f != NULL) {
		rc = dnsf_report_html_write(f, &r);
		if (fclose(f) != 0)
			rc = -1;
	}
	free(rs);
	free(addr);
	return rc;
}

/* ---- main ---- */

static pcap_dumper_t *dumper;

static void
record(const struct dnsf_lpkt *p)
{
	struct pcap_pkthdr h;

	if (dumper == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(p->ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(p->ts_us % 1000000);
	h.caplen = h.len = p->len;
	pcap_dump((u_char *)dumper, &h, p->frame);
}

static void
usage(void)
{
	fprintf(stderr,
	        "usage: dnsfence-eval -c CONFIG [--label-suffix S]... "
	        "[--rename-base DOMAIN|random[:SEED]] [--merge]\n"
	        "           [--json OUT.json] [--html REPORT.html] [--sessions] [--explain N]\n"
	        "           [--benign-names FILE]... [--benign-part M:LO:HI] [--forwarders PCT]\n"
	        "           [--periodic PCT] [--clients N] [--seconds S] [--seed N]\n"
	        "           [--model PATH|none] [--model-threshold N]\n"
	        "           [--combine either|both|rules|model] [--rules-threshold N]\n"
	        "           [--type-policy config|off] [--write-input OUT.pcap]\n"
	        "           [--synth-tunnel KIND[:QUERIES[:INTERVAL_S]]]... [PCAP...]\n");
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cfg_path = NULL, *json_path = NULL, *rename = NULL, *model = NULL;
	const char *write_input = NULL, *html_path = NULL;
	struct dnsf_tun_cfg tuns[24];
	static char tun_domains[24][64];
	unsigned ntuns = 0;
	const char *names[64];
	const char *pcaps[4096];
	unsigned nnames = 0, npcaps = 0, part_mod = 0, part_lo = 0, part_hi = 0;
	int merge = 0, sessions = 0, type_policy = 1;
	int64_t model_thr = -1, rules_thr = -1, combine = -1;
	struct dnsf_synth_cfg scfg;
	struct dnsf_lsrc_opts o;
	static struct dnsf_config cfg;
	char err[DNSF_ERR_MAX];
	uint64_t v;

	memset(&o, 0, sizeof(o));
	dnsf_synth_cfg_default(&scfg);
	scfg.seconds = 600;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDVAL()                                                                                  \
	do {                                                                                       \
		if (val == NULL) {                                                                 \
			fprintf(stderr, "dnsfence-eval: %s needs a value\n", a);                   \
			return 2;                                                                  \
		}                                                                                  \
		i++;                                                                               \
	} while (0)
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			NEEDVAL();
			cfg_path = val;
		} else if (strcmp(a, "--label-suffix") == 0) {
			NEEDVAL();
			if (o.nsuffixes == DNSF_LSRC_MAX_SUFFIXES) {
				fprintf(stderr, "dnsfence-eval: at most %d label suffixes\n",
				        DNSF_LSRC_MAX_SUFFIXES);
				return 2;
			}
			o.suffixes[o.nsuffixes++] = val;
		} else if (strcmp(a, "--rename-base") == 0) {
			NEEDVAL();
			rename = val;
		} else if (strcmp(a, "--json") == 0) {
			NEEDVAL();
			json_path = val;
		} else if (strcmp(a, "--synth-tunnel") == 0) {
			char kind[32];
			unsigned q = 0;
			double iv = 0;
			int k, nf;
			NEEDVAL();
			nf = sscanf(val, "%31[a-z0-9]:%u:%lf", kind, &q, &iv);
			if (nf < 1 || (k = dnsf_tun_kind_of(kind)) < 0 || ntuns == 24 ||
			    (nf >= 2 && q == 0) || iv < 0)
				goto bad;
			dnsf_tun_cfg_default(&tuns[ntuns], (unsigned)k);
			if (nf >= 2)
				tuns[ntuns].queries = q;
			if (nf >= 3)
				tuns[ntuns].interval_s = iv;
			tuns[ntuns].client = (uint8_t)(ntuns + 1);
			ntuns++;
		} else if (strcmp(a, "--html") == 0) {
			NEEDVAL();
			html_path = val;
		} else if (strcmp(a, "--write-input") == 0) {
			NEEDVAL();
			write_input = val;
		} else if (strcmp(a, "--type-policy") == 0) {
			NEEDVAL();
			if (strcmp(val, "off") == 0)
				type_policy = 0;
			else if (strcmp(val, "config") != 0)
				goto bad;
		} else if (strcmp(a, "--merge") == 0) {
			merge = 1;
		} else if (strcmp(a, "--sessions") == 0) {
			sessions = 1;
		} else if (strcmp(a, "--explain") == 0) {
			NEEDVAL();
			if (parse_u64(val, EXPLAIN_MAX, &v) != 0)
				goto bad;
			explain_n = (unsigned)v;
		} else if (strcmp(a, "--benign-names") == 0) {
			NEEDVAL();
			if (nnames == 64)
				return 2;
			names[nnames++] = val;
		} else if (strcmp(a, "--benign-part") == 0) {
			NEEDVAL();
			if (sscanf(val, "%u:%u:%u", &part_mod, &part_lo, &part_hi) != 3 ||
			    part_mod == 0 || part_lo >= part_hi || part_hi > part_mod)
				goto bad;
		} else if (strcmp(a, "--periodic") == 0) {
			NEEDVAL();
			if (parse_u64(val, 100, &v))
				goto bad;
			scfg.periodic_pct = (uint8_t)v;
		} else if (strcmp(a, "--forwarders") == 0) {
			NEEDVAL();
			if (parse_u64(val, 100, &v))
				goto bad;
			scfg.forwarder_pct = (uint8_t)v;
		} else if (strcmp(a, "--clients") == 0) {
			NEEDVAL();
			if (parse_u64(val, 1u << 22, &v) || v == 0)
				goto bad;
			scfg.clients = (uint32_t)v;
		} else if (strcmp(a, "--seconds") == 0) {
			NEEDVAL();
			if (parse_u64(val, 86400 * 7, &v) || v == 0)
				goto bad;
			scfg.seconds = (double)v;
		} else if (strcmp(a, "--seed") == 0) {
			NEEDVAL();
			if (parse_u64(val, UINT64_MAX, &v))
				goto bad;
			scfg.seed = v;
		} else if (strcmp(a, "--model") == 0) {
			NEEDVAL();
			model = val;
		} else if (strcmp(a, "--model-threshold") == 0) {
			NEEDVAL();
			if (parse_u64(val, 1000, &v))
				goto bad;
			model_thr = (int64_t)v;
		} else if (strcmp(a, "--rules-threshold") == 0) {
			NEEDVAL();
			if (parse_u64(val, 100000, &v) || v == 0)
				goto bad;
			rules_thr = (int64_t)v;
		} else if (strcmp(a, "--combine") == 0) {
			NEEDVAL();
			static const char *const cm[] = {"either", "both", "rules", "model"};
			for (int k = 0; k < 4; k++)
				if (strcmp(val, cm[k]) == 0)
					combine = k;
			if (combine < 0)
				goto bad;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "dnsfence-eval: unknown option %s\n", a);
			usage();
			return 2;
		} else {
			if (npcaps == sizeof(pcaps) / sizeof(pcaps[0]))
				return 2;
			pcaps[npcaps++] = a;
		}
		continue;
	bad:
		fprintf(stderr, "dnsfence-eval: bad value for %s: %s\n", a, val);
		return 2;
#undef NEEDVAL
	}
	if (cfg_path == NULL || (npcaps == 0 && nnames == 0 && ntuns == 0)) {
		usage();
		return 2;
	}
	if (o.nsuffixes == 0)
		o.suffixes[o.nsuffixes++] = "example.attack";
	/* Synthetic tunnels: each under a random-looking domain of its own, which labels it. */
	for (unsigned i = 0; i < ntuns; i++) {
		char key[64];
		snprintf(key, sizeof(key), "%s-%u", dnsf_tun_kind_name(tuns[i].kind), i);
		tuns[i].seed = scfg.seed * 1000 + i;
		dnsf_rename_random(scfg.seed, key, 12, tun_domains[i], sizeof(tun_domains[i]));
		snprintf(tuns[i].domain, sizeof(tuns[i].domain), "%s", tun_domains[i]);
		if (o.nsuffixes == DNSF_LSRC_MAX_SUFFIXES) {
			fprintf(stderr,
			        "dnsfence-eval: too many label suffixes with the synthetic "
			        "tunnels (at most %d in all)\n",
			        DNSF_LSRC_MAX_SUFFIXES);
			return 2;
		}
		o.suffixes[o.nsuffixes++] = tun_domains[i];
	}
	if (rename != NULL) {
		if (strncmp(rename, "random", 6) == 0 && (rename[6] == '\0' || rename[6] == ':')) {
			o.rename_mode = DNSF_RENAME_RANDOM;
			o.rename_seed = 1;
			if (rename[6] == ':' && parse_u64(rename + 7, UINT64_MAX, &o.rename_seed)) {
				fprintf(stderr, "dnsfence-eval: bad --rename-base seed\n");
				return 2;
			}
		} else {
			o.rename_mode = DNSF_RENAME_LITERAL;
			o.rename_to = rename;
		}
	}

	if (dnsf_config_load(cfg_path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-eval: %s\n", err);
		return 1;
	}
	if (model != NULL) {
		if (strcmp(model, "none") == 0)
			cfg.model.path[0] = '\0';
		else
			snprintf(cfg.model.path, sizeof(cfg.model.path), "%s", model);
	}
	if (model_thr >= 0)
		cfg.model.threshold = (int32_t)model_thr;
	if (combine >= 0)
		cfg.model.combine = (uint8_t)combine;
	/* The evaluator reports the model's scores of every message (model.score: all). */
	cfg.model.score = DNSF_MSCOPE_ALL;
	if (rules_thr > 0)
		cfg.detect.rules.threshold = (uint32_t)rules_thr;
	if (!type_policy)
		cfg.harden.rare_types = 0;
	o.pkt = cfg.pkt;

	struct dnsf_psl *psl = NULL;
	if (dnsf_psl_load(cfg.detect.psl, false, &psl, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-eval: %s\n", err);
		return 1;
	}
	o.psl = psl;
	struct dnsf_engine *eng;
	if (dnsf_engine_create(&cfg, &eng, err, sizeof(err)) != 0) {
		fprintf(stderr, "dnsfence-eval: %s\n", err);
		return 1;
	}

	unsigned nsrc = npcaps + (nnames ? 1 : 0) + ntuns;
	struct dnsf_lsrc **src = calloc(nsrc, sizeof(*src));
	struct stats *st = calloc(nsrc, sizeof(*st));
	if (src == NULL || st == NULL)
		die_oom();
	for (unsigned i = 0; i < npcaps; i++)
		if (dnsf_lsrc_open_pcap(&o, pcaps[i], &src[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "dnsfence-eval: %s\n", err);
			return 1;
		}
	struct dnsf_synth_names *sn = NULL;
	if (nnames) {
		struct dnsf_synth *sy;
		if (dnsf_synth_names_load(&sn, names, nnames, psl, part_mod, part_lo, part_hi, err,
		                          sizeof(err)) != 0 ||
		    dnsf_synth_new(&scfg, sn, &sy, err, sizeof(err)) != 0 ||
		    dnsf_lsrc_open_synth(&o, sy, "synthetic-benign", &src[npcaps], err,
		                         sizeof(err)) != 0) {
			fprintf(stderr, "dnsfence-eval: %s\n", err);
			return 1;
		}
		/* sn stays alive with the synthesizer: freed after the sources are closed. */
	}
	for (unsigned i = 0, base = npcaps + (nnames ? 1 : 0); i < ntuns; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s-synthetic-%u", dnsf_tun_kind_name(tuns[i].kind),
		         i);
		if (dnsf_lsrc_open_tun(&o, &tuns[i], name, &src[base + i], err, sizeof(err)) != 0) {
			fprintf(stderr, "dnsfence-eval: %s\n", err);
			return 1;
		}
	}
	for (unsigned i = 0; i < nsrc; i++) {
		snprintf(st[i].name, sizeof(st[i].name), "%s", dnsf_lsrc_name(src[i]));
		snprintf(st[i].tool, sizeof(st[i].tool), "%s", dnsf_lsrc_tool(src[i]));
		snprintf(st[i].renamed, sizeof(st[i].renamed), "%s", dnsf_lsrc_renamed(src[i]));
	}

	/* Run. */
	pcap_t *dead = NULL;
	if (write_input != NULL) {
		dead = pcap_open_dead(DLT_EN10MB, 65535);
		dumper = dead ? pcap_dump_open(dead, write_input) : NULL;
		if (dumper == NULL) {
			fprintf(stderr, "dnsfence-eval: cannot write %s: %s\n", write_input,
			        dead ? pcap_geterr(dead) : "out of memory");
			return 1;
		}
	}
	struct dnsf_worker w;
	struct dnsf_verdict vd;
	static struct dnsf_event ev;
	int rc;
	if (merge) {
		struct dnsf_lsrc_merge *m;
		struct dnsf_lpkt *p;
		if (dnsf_worker_init(&w, eng, 0, err, sizeof(err)) != 0 ||
		    dnsf_lsrc_merge_open(src, nsrc, &m, err, sizeof(err)) != 0) {
			fprintf(stderr, "dnsfence-eval: %s\n", err);
			return 1;
		}
		while ((p = dnsf_lsrc_merge_next(m, &rc, err, sizeof(err))) != NULL) {
			record(p);
			dnsf_worker_process(&w, p->frame, p->len, p->room, p->ts_us, &vd, &ev);
			account(&st[p->src], p, &vd);
		}
		if (rc < 0) {
			fprintf(stderr, "dnsfence-eval: %s\n", err);
			return 1;
		}
		dnsf_lsrc_merge_close(m);
		dnsf_worker_fini(&w);
	} else {
		struct dnsf_lpkt *p = malloc(sizeof(*p));
		if (p == NULL)
			die_oom();
		for (unsigned i = 0; i < nsrc; i++) {
			if (dnsf_worker_init(&w, eng, 0, err, sizeof(err)) != 0) {
				fprintf(stderr, "dnsfence-eval: %s\n", err);
				return 1;
			}
			while ((rc = dnsf_lsrc_next(src[i], p, err, sizeof(err))) == 1) {
				record(p);
				dnsf_worker_process(&w, p->frame, p->len, p->room, p->ts_us, &vd,
				                    &ev);
				account(&st[i], p, &vd);
			}
			if (rc < 0) {
				fprintf(stderr, "dnsfence-eval: %s\n", err);
				return 1;
			}
			dnsf_worker_fini(&w);
		}
		free(p);
	}
	for (unsigned i = 0; i < nsrc; i++)
		st[i].truncated = dnsf_lsrc_truncated(src[i]);
	if (dumper != NULL) {
		pcap_dump_close(dumper);
		pcap_close(dead);
	}

	/* Per tool, in order of first appearance; and the total. */
	struct stats *tools = calloc(nsrc, sizeof(*tools));
	unsigned ntools = 0;
	struct stats total;
	memset(&total, 0, sizeof(total));
	snprintf(total.name, sizeof(total.name), "total");
	snprintf(total.tool, sizeof(total.tool), "*");
	if (tools == NULL)
		die_oom();
	for (unsigned i = 0; i < nsrc; i++) {
		unsigned t;
		for (t = 0; t < ntools; t++)
			if (strcmp(tools[t].tool, st[i].tool) == 0)
				break;
		if (t == ntools) {
			snprintf(tools[t].tool, sizeof(tools[t].tool), "%s", st[i].tool);
			snprintf(tools[t].name, sizeof(tools[t].name), "%s", st[i].tool);
			ntools++;
		}
		stats_add(&tools[t], &st[i]);
		stats_add(&total, &st[i]);
	}

	/* Human table. */
	printf("dnsfence-eval: config %s, mode %s, model %s (threshold %d, combine %s), rules "
	       "threshold %u, label suffix",
	       cfg_path, dnsf_mode_name((enum dnsf_mode)cfg.mode),
	       cfg.model.path[0] ? cfg.model.path : "none", cfg.model.threshold,
	       dnsf_combine_name((enum dnsf_combine)cfg.model.combine), cfg.detect.rules.threshold);
	for (unsigned i = 0; i < o.nsuffixes; i++)
		printf(" %s", o.suffixes[i]);
	printf(", %s%s\n", merge ? "merged into one worker" : "one fresh worker per source",
	       type_policy ? "" : ", QTYPE policy off");
	print_header("capture");
	for (unsigned i = 0; i < nsrc; i++) {
		char label[300];
		if (st[i].renamed[0])
			snprintf(label, sizeof(label), "%s (->%s)", st[i].name, st[i].renamed);
		else
			snprintf(label, sizeof(label), "%s", st[i].name);
		print_row(&st[i], label);
	}
	printf("\n");
	print_header("tool");
	for (unsigned t = 0; t < ntools; t++)
		print_row(&tools[t], tools[t].tool);
	print_row(&total, "total");

	struct summary sm;
	summarize(&total, &sm);
	printf("\ntargets: tunnel sessions blocked %llu/%llu = %.4f (>= 0.99: %s); max leaked "
	       "%llu B (<= 1024: %s); benign queries dropped %llu/%llu = %.2e (<= 1e-4: %s)\n",
	       (unsigned long long)sm.blocked, (unsigned long long)sm.sessions,
	       ratio(sm.blocked, sm.sessions),
	       verdict(sm.sessions, ratio(sm.blocked, sm.sessions) >= 0.99),
	       (unsigned long long)sm.leak_max, verdict(sm.sessions, sm.leak_max <= 1024),
	       (unsigned long long)total.bq_drop, (unsigned long long)total.bq,
	       ratio(total.bq_drop, total.bq),
	       verdict(total.bq, ratio(total.bq_drop, total.bq) <= 1e-4));
	printf("tunnel responses passed %llu/%llu; benign responses dropped %llu/%llu; "
	       "non-DNS %llu, malformed %llu, fragments %llu, truncated records %llu, rename "
	       "failed %llu\n",
	       (unsigned long long)total.tr_pass, (unsigned long long)total.tr,
	       (unsigned long long)total.br_drop, (unsigned long long)total.br,
	       (unsigned long long)total.non_dns, (unsigned long long)total.malformed,
	       (unsigned long long)total.fragments, (unsigned long long)total.truncated,
	       (unsigned long long)total.rename_failed);
	if (total.bq_drop) {
		printf("benign drops by reason:");
		for (int r = 0; r < DNSF_R__COUNT; r++)
			if (total.b_reason[r])
				printf(" %s %llu", dnsf_reason_name((enum dnsf_reason)r),
				       (unsigned long long)total.b_reason[r]);
		printf("\n");
	}
	int any_kind = 0;
	for (int k = 0; k < DNSF_SYN__COUNT; k++)
		any_kind |= total.kind_q[k] != 0;
	if (any_kind) {
		printf("synthetic benign queries by kind:");
		for (int k = 0; k < DNSF_SYN__COUNT; k++)
			if (total.kind_q[k])
				printf(" %s %llu/%llu", dnsf_synth_kind_name((unsigned)k),
				       (unsigned long long)total.kind_drop[k],
				       (unsigned long long)total.kind_q[k]);
		printf(" (dropped/queries)\n");
	}
	printf("score distribution (messages scored by the detector; bucket: count):\n");
	print_hist("rules tunnel", total.rules[1], RULE_BUCKETS, 10, 400);
	print_hist("rules benign", total.rules[0], RULE_BUCKETS, 10, 400);
	print_hist("model tunnel", total.model[1], MODEL_BUCKETS, 50, 1000);
	print_hist("model benign", total.model[0], MODEL_BUCKETS, 50, 1000);
	if (fpr_threshold(&total, 1e-3) >= 0) {
		static const double fprs[] = {1e-3, 1e-4, 1e-5};
		printf("model threshold for a benign false-positive rate per scored message:");
		for (int k = 0; k < 3; k++) {
			int t = fpr_threshold(&total, fprs[k]);
			printf(" %.0e: %d (tunnel messages at or above: %.4f)", fprs[k], t,
			       tunnel_share(&total, t));
		}
		printf("\n");
	}
	if (explain_used) {
		printf("highest model scores of benign messages (score rules type kind blocked "
		       "name):\n");
		for (unsigned k = 0; k < explain_used; k++)
			printf("  %4d %3d %5u %-6s %-7s %s\n", explain_top[k].model,
			       explain_top[k].rules, explain_top[k].qtype,
			       explain_top[k].is_query ? "query" : "answer",
			       explain_top[k].blocked ? "blocked" : "passed", explain_top[k].qname);
	}
	if (sessions) {
		printf(
		    "\nsessions (capture client domain: queries passed first_block leaked_before "
		    "leaked_total):\n");
		for (unsigned i = 0; i < nsrc; i++)
			for (size_t k = 0; k < st[i].ns; k++) {
				const struct sess *s = &st[i].s[k];
				printf("  %s %u.%u.%u.%u %s: %llu %llu %llu %llu %llu\n",
				       st[i].name, s->client[0], s->client[1], s->client[2],
				       s->client[3], s->domain, (unsigned long long)s->queries,
				       (unsigned long long)s->passed,
				       (unsigned long long)s->first_block,
				       (unsigned long long)s->leaked_before,
				       (unsigned long long)s->leaked_total);
			}
	}

	if (json_path != NULL) {
		FILE *f = strcmp(json_path, "-") == 0 ? stdout : fopen(json_path, "w");
		if (f == NULL) {
			fprintf(stderr, "dnsfence-eval: cannot write %s: %s\n", json_path,
			        strerror(errno));
			return 1;
		}
		fprintf(f, "{\"config\":");
		jstr(f, cfg_path);
		fprintf(f, ",\"mode\":\"%s\",\"model\":", dnsf_mode_name((enum dnsf_mode)cfg.mode));
		jstr(f, cfg.model.path);
		fprintf(f,
		        ",\"model_threshold\":%d,\"combine\":\"%s\",\"rules_threshold\":%u,"
		        "\"merged\":%s,\"type_policy\":%s,\"label_suffixes\":[",
		        cfg.model.threshold,
		        dnsf_combine_name((enum dnsf_combine)cfg.model.combine),
		        cfg.detect.rules.threshold, merge ? "true" : "false",
		        type_policy ? "true" : "false");
		for (unsigned i = 0; i < o.nsuffixes; i++) {
			if (i)
				fputc(',', f);
			jstr(f, o.suffixes[i]);
		}
		fprintf(f, "],\"captures\":[");
		for (unsigned i = 0; i < nsrc; i++) {
			if (i)
				fputc(',', f);
			json_stats(f, &st[i], 1);
		}
		fprintf(f, "],\"tools\":[");
		for (unsigned t = 0; t < ntools; t++) {
			if (t)
				fputc(',', f);
			json_stats(f, &tools[t], 0);
		}
		fprintf(f, "],\"total\":");
		json_stats(f, &total, 0);
		fprintf(f, "}\n");
		if (f != stdout && fclose(f) != 0) {
			fprintf(stderr, "dnsfence-eval: cannot write %s\n", json_path);
			return 1;
		}
	}
	if (html_path != NULL && write_html(html_path, &total, &cfg, cfg_path) != 0) {
		fprintf(stderr, "dnsfence-eval: cannot write %s\n", html_path);
		return 1;
	}
	for (unsigned i = 0; i < nsrc; i++) {
		dnsf_lsrc_close(src[i]);
		free(st[i].s);
		free(st[i].map);
	}
	for (unsigned t = 0; t < ntools; t++)
		free(tools[t].s);
	free(total.s);
	free(tools);
	free(st);
	free(src);
	dnsf_synth_names_free(sn);
	dnsf_engine_free(eng);
	dnsf_psl_free(psl);
	return 0;
}
