/* SPDX-License-Identifier: BSD-3-Clause */
/* Event formatting: one EVE-style JSON line per detection (format in dnsf_event.h). Runs on the
 * control core, never on a worker, so clarity wins over speed here. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dnsf_config.h"
#include "dnsf_event.h"

static const char *const reason_names[DNSF_R__COUNT] = {
    [DNSF_R_NONE] = "none",
    [DNSF_R_NON_DNS] = "non_dns",
    [DNSF_R_ALLOWLIST] = "allowlist",
    [DNSF_R_DENYLIST] = "denylist",
    [DNSF_R_MALFORMED] = "malformed",
    [DNSF_R_FRAGMENT] = "fragment",
    [DNSF_R_RULES] = "rules",
    [DNSF_R_MODEL] = "model",
    [DNSF_R_VERDICT_CACHE] = "verdict_cache",
    [DNSF_R_RARE_TYPE] = "rare_type",
    [DNSF_R_EDNS_OVERSIZE] = "edns_oversize",
    [DNSF_R_WATER_TORTURE] = "water_torture",
    [DNSF_R_BEACON] = "beacon",
};

const char *
dnsf_reason_name(enum dnsf_reason r)
{
	if ((unsigned)r >= DNSF_R__COUNT || reason_names[r] == NULL)
		return "unknown";
	return reason_names[r];
}

static const struct {
	uint16_t type;
	const char *name;
} rrtype_names[] = {
    {1, "A"},      {2, "NS"},       {5, "CNAME"},  {6, "SOA"},         {10, "NULL"},
    {12, "PTR"},   {13, "HINFO"},   {15, "MX"},    {16, "TXT"},        {17, "RP"},
    {24, "SIG"},   {25, "KEY"},     {28, "AAAA"},  {29, "LOC"},        {33, "SRV"},
    {35, "NAPTR"}, {39, "DNAME"},   {41, "OPT"},   {43, "DS"},         {46, "RRSIG"},
    {47, "NSEC"},  {48, "DNSKEY"},  {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},
    {59, "CDS"},   {60, "CDNSKEY"}, {64, "SVCB"},  {65, "HTTPS"},      {99, "SPF"},
    {249, "TKEY"}, {250, "TSIG"},   {251, "IXFR"}, {252, "AXFR"},      {255, "ANY"},
    {256, "URI"},  {257, "CAA"},
};

const char *
dnsf_rrtype_name(uint16_t type, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(rrtype_names) / sizeof(rrtype_names[0]); i++)
		if (rrtype_names[i].type == type)
			return rrtype_names[i].name;
	if (buf == NULL || len == 0)
		return "?";
	snprintf(buf, len, "TYPE%u", (unsigned)type);
	return buf;
}

/* Append-only writer over the caller's buffer; remembers overflow instead of failing at once so
 * the caller gets the longest prefix. */
struct jw {
	char *buf;
	size_t len, pos;
	int full;
};

static void
jw_putc(struct jw *w, char c)
{
	if (w->pos + 1 < w->len)
		w->buf[w->pos++] = c;
	else
		w->full = 1;
}

static void
jw_raw(struct jw *w, const char *s)
{
	while (*s)
		jw_putc(w, *s++);
}

static void
jw_str(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	jw_putc(w, '"');
	for (; *u; u++) {
		switch (*u) {
		case '"':
			jw_raw(w, "\\\"");
			break;
		case '\\':
			jw_raw(w, "\\\\");
			break;
		case '\n':
			jw_raw(w, "\\n");
			break;
		case '\r':
			jw_raw(w, "\\r");
			break;
		case '\t':
			jw_raw(w, "\\t");
			break;
		default:
			/* Control bytes must be escaped; bytes >= 0x7f are escaped too so the line
			 * is plain ASCII whatever a tunnel put in its names (a lone 0xff would
			 * otherwise make the line invalid UTF-8). */
			if (*u < 0x20 || *u >= 0x7f) {
				jw_raw(w, "\\u00");
				jw_putc(w, hex[*u >> 4]);
				jw_putc(w, hex[*u & 0xf]);
			} else {
				jw_putc(w, (char)*u);
			}
		}
	}
	jw_putc(w, '"');
}

static void
jw_key(struct jw *w, const char *k)
{
	jw_str(w, k);
	jw_putc(w, ':');
}

static void
jw_int(struct jw *w, long long v)
{
	char t[24];

	snprintf(t, sizeof(t), "%lld", v);
	jw_raw(w, t);
}

static void
jw_ip(struct jw *w, uint8_t ver, const uint8_t *a)
{
	char t[INET6_ADDRSTRLEN];

	t[0] = '\0';
	if (ver == 4)
		inet_ntop(AF_INET, a, t, sizeof(t));
	else if (ver == 6)
		inet_ntop(AF_INET6, a, t, sizeof(t));
	jw_str(w, t);
}

static void
jw_time(struct jw *w, uint64_t ts_us)
{
	time_t sec = (time_t)(ts_us / 1000000u);
	struct tm tm;
	char t[64];

	if (gmtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)(ts_us % 1000000u));
	jw_str(w, t);
}

static const char *
action_name(uint8_t a)
{
	if (a >= DNSF_ACT__COUNT)
		return "unknown";
	return dnsf_action_name((enum dnsf_action)a);
}

int
dnsf_event_to_json(const struct dnsf_event *ev, char *buf, size_t len)
{
	struct jw w = {.buf = buf, .len = len, .pos = 0, .full = 0};
	char tbuf[DNSF_RRTYPE_NAME_MAX];
	char qname[sizeof(ev->qname)], regdomain[sizeof(ev->regdomain)];
	unsigned i, n;

	if (buf == NULL || len == 0)
		return -1;
	/* The strings live in fixed arrays filled by a worker: never trust their terminator. */
	memcpy(qname, ev->qname, sizeof(qname));
	qname[sizeof(qname) - 1] = '\0';
	memcpy(regdomain, ev->regdomain, sizeof(regdomain));
	regdomain[sizeof(regdomain) - 1] = '\0';

	jw_putc(&w, '{');
	jw_key(&w, "timestamp");
	jw_time(&w, ev->ts_us);
	jw_raw(&w, ",");
	jw_key(&w, "event_type");
	jw_str(&w, "dns_tunnel");
	jw_raw(&w, ",");
	jw_key(&w, "worker");
	jw_int(&w, ev->worker);
	jw_raw(&w, ",");
	jw_key(&w, "src_ip");
	jw_ip(&w, ev->ip_version, ev->client);
	jw_raw(&w, ",");
	jw_key(&w, "src_port");
	jw_int(&w, ev->client_port);
	jw_raw(&w, ",");
	jw_key(&w, "dest_ip");
	jw_ip(&w, ev->ip_version, ev->server);
	jw_raw(&w, ",");
	jw_key(&w, "dest_port");
	jw_int(&w, ev->server_port);
	if (ev->l4_proto != 0) {
		jw_raw(&w, ",");
		jw_key(&w, "proto");
		if (ev->l4_proto == 17) {
			jw_str(&w, "UDP");
		} else if (ev->l4_proto == 6) {
			jw_str(&w, "TCP");
		} else {
			char t[4];

			snprintf(t, sizeof(t), "%u", (unsigned)ev->l4_proto);
			jw_str(&w, t);
		}
	}

	jw_raw(&w, ",");
	jw_key(&w, "dns");
	jw_putc(&w, '{');
	jw_key(&w, "type");
	jw_str(&w, ev->is_query ? "query" : "answer");
	jw_raw(&w, ",");
	jw_key(&w, "rrname");
	jw_str(&w, qname);
	jw_raw(&w, ",");
	jw_key(&w, "rrtype");
	jw_str(&w, dnsf_rrtype_name(ev->qtype, tbuf, sizeof(tbuf)));
	jw_putc(&w, '}');

	jw_raw(&w, ",");
	jw_key(&w, "dnsfence");
	jw_putc(&w, '{');
	jw_key(&w, "action");
	jw_str(&w, action_name(ev->action));
	jw_raw(&w, ",");
	jw_key(&w, "would");
	jw_str(&w, action_name(ev->would));
	jw_raw(&w, ",");
	jw_key(&w, "reason");
	jw_str(&w, dnsf_reason_name((enum dnsf_reason)ev->reason));
	jw_raw(&w, ",");
	jw_key(&w, "score");
	jw_int(&w, ev->score);
	jw_raw(&w, ",");
	jw_key(&w, "model_score");
	jw_int(&w, ev->model_score);
	jw_raw(&w, ",");
	jw_key(&w, "regdomain");
	jw_str(&w, regdomain);
	jw_raw(&w, ",");
	jw_key(&w, "features");
	jw_putc(&w, '{');
	n = ev->n_feat < DNSF_EVENT_MAX_FEAT ? ev->n_feat : DNSF_EVENT_MAX_FEAT;
	for (i = 0; i < n; i++) {
		const char *name = dnsf_feat_name(ev->feat[i].id);
		char t[16];

		if (i)
			jw_putc(&w, ',');
		if (name == NULL || strcmp(name, "?") == 0) {
			/* Distinct keys even for ids the feature table does not know. */
			snprintf(t, sizeof(t), "feat_%u", (unsigned)ev->feat[i].id);
			name = t;
		}
		jw_key(&w, name);
		jw_int(&w, ev->feat[i].value);
	}
	jw_raw(&w, "}}}");

	w.buf[w.pos] = '\0';
	return w.full ? -1 : (int)w.pos;
}
