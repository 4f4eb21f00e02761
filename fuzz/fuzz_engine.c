/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_engine — dnsf_worker_process() on arbitrary frame sequences, with real engines built once
 * from a small validated config (allow and deny lists, a small public suffix list, detection on
 * with 1024-entry flow and domain tables so that eviction happens): parse, lists, QTYPE policy,
 * features, flow and domain updates, rules, verdict cache, the refuse builder, hardening (0x20
 * case randomization and restoration, EDNS clamp, oversize truncation) and event formatting.
 *
 * Input: byte 0 picks one of N_ENGINES engines (see LLVMFuzzerInitialize: actions, monitor,
 * ports, hardening, and two with a quantized model). Then records:
 *   u8 step    now += step ms for step < 240, else (step - 239) minutes
 *   u16 hdr    big endian: bits 0-10 length; bit 15 "echo": the record's bytes are answer records
 *              appended to a response built from the last UDP query the engine passed, exactly as
 *              it left the engine (so 0x20-randomized answers can be restored), with bits 12-14
 *              added to ANCOUNT
 *   bytes      the frame (cut to what is left of the input)
 * processed by one fresh worker (so a crash replays from its input alone), at most 256 frames.
 * Each frame is an exact-size heap copy (room == len): ASan sees any write past it.
 *
 * Checked per frame: verdict fields in range; cls equals dnsf_pkt_parse()'s; non-DNS passes with
 * reason non_dns; monitor mode never blocks or rewrites; a frame neither refused nor marked
 * rewritten is byte-for-byte untouched (also a dropped answer whose case was restored first); a
 * refused frame is no longer than the query and parses as a DNS response; a rewritten frame
 * parses as the same message (ID, QR, lower-cased name, type), keeps valid IPv4/UDP checksums
 * valid, and is zero past a truncation; a restored answer carries the client's original letter
 * case; an event formats to one line of printable ASCII with NUL-terminated names. Then the same
 * frames go through the two-phase burst path and frame by frame in two fresh workers, the latter
 * with the trainer's tap (so every message's features computed in full, where the former
 * computes only what the rules read: dnsf_qfeat_compute_rules): verdicts, events, output bytes
 * and counters must be the same.
 */
#include <stdio.h>
#include <string.h>

#include "dnsf_config.h"
#include "dnsf_detect.h"
#include "dnsf_engine.h"
#include "dnsf_event.h"
#include "dnsf_model.h"
#include "dnsf_pkt.h"
#include "fuzz_common.h"
#include "fuzz_pkt_check.h"

#define N_ENGINES  8
#define MAX_FRAMES 256
#define FRAME_MAX  2048

static struct dnsf_engine *engines[N_ENGINES];
static int verbose;

static const char psl_text[] = "// small list for fuzzing\n"
                               "com\nnet\norg\nio\narpa\nexample\nuk\nco.uk\njp\n"
                               "*.kawasaki.jp\n!city.kawasaki.jp\n*.ck\n!www.ck\n"
                               "// ===BEGIN PRIVATE DOMAINS===\n"
                               "github.io\ncloudfront.net\n"
                               "// ===END PRIVATE DOMAINS===\n";
static const char allow_text[] = "in-addr.arpa\nip6.arpa\ngood.example\n*.cdn.example.com\n";
static const char deny_text[] = "evil.example\nbad.com  # comment\n.tunnel.co.uk\n";
static const char exc_text[] = "mixedcase.example\n";
static const char cfg_text[] = "lists:\n"
                               "  allow: allow.txt\n"
                               "  deny: deny.txt\n"
                               "detection:\n"
                               "  enabled: true\n"
                               "  action: drop\n"
                               "  psl: psl.dat\n"
                               "  flow_entries: 1024\n"
                               "  domain_entries: 1024\n"
                               "  hold_seconds: 30\n"
                               "  event_interval_seconds: 1\n"
                               "  rules:\n"
                               "    threshold: 60\n"
                               "    flow_distinct: 4\n"
                               "    domain_distinct: 8\n";

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_engine: %s: %s\n", what, err);
	abort();
}

static void
harden_on(struct dnsf_config *cfg, const char *exceptions, uint16_t edns_max, uint8_t oversize)
{
	cfg->harden.case_randomization = 1;
	cfg->harden.case_key_set = 1; /* fixed key: a crash replays identically */
	for (unsigned i = 0; i < DNSF_HARDEN_KEY_LEN; i++)
		cfg->harden.case_key[i] = (uint8_t)(0x5a ^ (i * 29));
	snprintf(cfg->harden.case_exceptions, sizeof(cfg->harden.case_exceptions), "%s",
	         exceptions);
	cfg->harden.edns_clamp = 1;
	cfg->harden.edns_max = edns_max;
	cfg->harden.edns_oversize = oversize;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dnsf_config base, cfg;
	char err[FUZZ_ERR_MAX];
	const char *path, *exc;

	(void)argc;
	(void)argv;
	verbose = getenv("DNSF_FUZZ_VERBOSE") != NULL;
	fuzz_write_file(fuzz_tmp_path(0, "psl.dat"), psl_text, sizeof(psl_text) - 1);
	fuzz_write_file(fuzz_tmp_path(0, "allow.txt"), allow_text, sizeof(allow_text) - 1);
	fuzz_write_file(fuzz_tmp_path(0, "deny.txt"), deny_text, sizeof(deny_text) - 1);
	{
		/* Two models, loaded from files as the engine does. Their normalisation ignores the
		 * features, so the output bias decides: every message scores 1000 (high) or 0
		 * (low). */
		static uint8_t mf[DNSF_MODEL_MAX_FILE];
		size_t n = fuzz_model_file(mf, sizeof(mf), 2, 1 << 28);

		fuzz_write_file(fuzz_tmp_path(2, "high.model"), mf, n);
		n = fuzz_model_file(mf, sizeof(mf), 3, -(1 << 28));
		fuzz_write_file(fuzz_tmp_path(3, "low.model"), mf, n);
	}
	exc = fuzz_tmp_path(1, "case-exceptions");
	fuzz_write_file(exc, exc_text, sizeof(exc_text) - 1);
	path = fuzz_tmp_path(0, "engine.yaml");
	fuzz_write_file(path, cfg_text, sizeof(cfg_text) - 1);
	if (dnsf_config_load(path, &base, err, sizeof(err)) != 0)
		die("config", err);

	for (unsigned i = 0; i < N_ENGINES; i++) {
		cfg = base;
		switch (i) {
		case 0: /* inline, drop; rare types refused (the default policy) */
			break;
		case 1:
			cfg.detect.action = DNSF_ACT_REFUSE;
			cfg.detect.refuse_rcode = DNSF_RCODE_REFUSED;
			/* Water torture within one input (256 frames): 8 names, 32 answers. */
			cfg.detect.water_torture.action = DNSF_ACT_REFUSE;
			cfg.detect.water_torture.domain_distinct = 8;
			cfg.detect.water_torture.negative_pm = 1;
			break;
		case 2:
			cfg.mode = DNSF_MODE_MONITOR;
			cfg.detect.action = DNSF_ACT_REFUSE;
			cfg.detect.refuse_rcode = DNSF_RCODE_NXDOMAIN;
			harden_on(&cfg, "", 512, DNSF_OVERSIZE_TRUNCATE); /* must change nothing */
			break;
		case 3:
			cfg.detect.action = DNSF_ACT_LOG;
			cfg.detect.water_torture.action = DNSF_ACT_LOG;
			cfg.detect.water_torture.domain_distinct = 8;
			cfg.pkt.dns_ports[1] = 5353;
			cfg.pkt.n_dns_ports = 2;
			cfg.pkt.tcp = 0;
			cfg.malformed_action = DNSF_ACT_PASS;
			cfg.fragment_action = DNSF_ACT_DROP;
			cfg.harden.rare_types = 0;
			break;
		case 4:
			cfg.detect.action = DNSF_ACT_REFUSE;
			harden_on(&cfg, exc, 512, DNSF_OVERSIZE_TRUNCATE);
			break;
		case 5:
			harden_on(&cfg, "", 1232, DNSF_OVERSIZE_DROP);
			cfg.harden.rare_types = 0;
			break;
		case 6: /* a model that calls everything a tunnel, either/refuse */
			snprintf(cfg.model.path, sizeof(cfg.model.path), "%s",
			         fuzz_tmp_path(2, "high.model"));
			cfg.model.combine = DNSF_COMBINE_EITHER;
			cfg.model.threshold = 500;
			cfg.detect.action = DNSF_ACT_REFUSE;
			break;
		case 7: /* model and rules must agree (the model never does); hardening on */
			snprintf(cfg.model.path, sizeof(cfg.model.path), "%s",
			         fuzz_tmp_path(3, "low.model"));
			cfg.model.combine = DNSF_COMBINE_BOTH;
			cfg.model.threshold = 500;
			harden_on(&cfg, "", 1232, DNSF_OVERSIZE_TRUNCATE);
			break;
		}
		if (dnsf_engine_create(&cfg, &engines[i], err, sizeof(err)) != 0)
			die("engine", err);
	}
	return 0;
}

/* UDP checksum state of a parsed UDP DNS frame: 1 valid, 0 wrong, -1 cannot tell (fragment,
 * IPv4 checksum 0, IPv6 extension headers, UDP length outside the frame). */
static int
udp_csum_state(const uint8_t *f, uint32_t len, const struct dnsf_pkt *p)
{
	const uint8_t *l3 = f + p->l3_off, *udp = f + p->l4_off;
	uint32_t s, ulen;

	if (p->cls != DNSF_PKT_DNS || p->l4_proto != 17 || p->is_frag)
		return -1;
	ulen = rd16(udp + 4);
	if (ulen < 8 || p->l4_off + ulen > len)
		return -1;
	if (p->ip_version == 4) {
		if (rd16(udp + 6) == 0)
			return -1;
		s = sum16(0, l3 + 12, 8);
	} else {
		if (p->l4_off != p->l3_off + 40u)
			return -1;
		s = sum16(0, l3 + 8, 32);
	}
	s = sum16(s + 17u + ulen, udp, ulen);
	return fold(s) == 0xffff;
}

static int
ip4_csum_ok(const uint8_t *f, const struct dnsf_pkt *p)
{
	return p->ip_version != 4 ||
	       fold(sum16(0, f + p->l3_off, (size_t)(f[p->l3_off] & 0x0f) * 4)) == 0xffff;
}

static void
check_event(const struct dnsf_event *ev)
{
	static char buf[8192];
	int n;

	FUZZ_CHECK(memchr(ev->qname, '\0', sizeof(ev->qname)) != NULL);
	FUZZ_CHECK(memchr(ev->regdomain, '\0', sizeof(ev->regdomain)) != NULL);
	FUZZ_CHECK(ev->action < DNSF_ACT__COUNT && ev->would < DNSF_ACT__COUNT);
	FUZZ_CHECK(ev->reason < DNSF_R__COUNT && ev->n_feat <= DNSF_EVENT_MAX_FEAT);
	n = dnsf_event_to_json(ev, buf, sizeof(buf));
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf) && buf[n] == '\0');
	FUZZ_CHECK(buf[0] == '{' && buf[n - 1] == '}');
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(buf[i] >= 0x20 && buf[i] < 0x7f);
}

/* A frame the engine rewrote and passes: the same message, still well-formed. */
static void
check_rewritten(const struct dnsf_config *cfg, const uint8_t *orig, const uint8_t *f, uint32_t len,
                const struct dnsf_verdict *v, const struct dnsf_pkt *before)
{
	static struct dnsf_pkt after;
	uint32_t n = v->out_len ? v->out_len : len;
	int was;

	FUZZ_CHECK(v->action == DNSF_ACT_PASS && cfg->mode == DNSF_MODE_INLINE);
	FUZZ_CHECK(before->cls == DNSF_PKT_DNS && before->l4_proto == 17);
	FUZZ_CHECK(n <= len);
	for (uint32_t i = n; i < len; i++) /* past a truncation: zeroed */
		FUZZ_CHECK(f[i] == 0);
	dnsf_pkt_parse(f, n, &cfg->pkt, &after);
	fuzz_check_pkt(&after, f, n, &cfg->pkt);
	FUZZ_CHECK(after.cls == DNSF_PKT_DNS && after.is_query == before->is_query);
	FUZZ_CHECK(after.dns.id == before->dns.id && after.dns.qtype == before->dns.qtype);
	FUZZ_CHECK(after.dns.qname_len == before->dns.qname_len &&
	           memcmp(after.dns.qname, before->dns.qname, before->dns.qname_len) == 0);
	FUZZ_CHECK(memcmp(after.src, before->src, 16) == 0 && after.sport == before->sport);
	was = udp_csum_state(orig, len, before);
	if (was >= 0 && udp_csum_state(f, n, &after) >= 0)
		FUZZ_CHECK(udp_csum_state(f, n, &after) == was);
	if (ip4_csum_ok(orig, before))
		FUZZ_CHECK(ip4_csum_ok(f, &after));
}

static void
check_frame(const struct dnsf_engine *eng, const uint8_t *orig, const uint8_t *f, uint32_t len,
            const struct dnsf_verdict *v, const struct dnsf_event *ev, struct dnsf_pkt *p)
{
	const struct dnsf_config *cfg = dnsf_engine_config(eng);
	static struct dnsf_pkt r;

	FUZZ_CHECK(v->action == DNSF_ACT_PASS || v->action == DNSF_ACT_DROP ||
	           v->action == DNSF_ACT_REFUSE);
	FUZZ_CHECK(v->would < DNSF_ACT__COUNT && v->reason < DNSF_R__COUNT);
	FUZZ_CHECK(v->has_event <= 1 && v->rewritten <= 1);
	FUZZ_CHECK(v->model_score >= -1 && v->model_score <= 1000);
	dnsf_pkt_parse(orig, len, &cfg->pkt, p);
	FUZZ_CHECK(v->cls == p->cls);
	if (p->cls == DNSF_PKT_NON_DNS)
		FUZZ_CHECK(v->action == DNSF_ACT_PASS && v->reason == DNSF_R_NON_DNS &&
		           !v->has_event && !v->rewritten);
	if (cfg->mode == DNSF_MODE_MONITOR)
		FUZZ_CHECK(v->action == DNSF_ACT_PASS && !v->rewritten);
	if (v->action == DNSF_ACT_DROP)
		FUZZ_CHECK(v->reason != DNSF_R_NONE);
	if (v->action == DNSF_ACT_REFUSE) {
		FUZZ_CHECK(p->cls == DNSF_PKT_DNS && p->is_query && p->l4_proto == 17);
		FUZZ_CHECK(v->out_len > 0 && v->out_len <= len && !v->rewritten);
		dnsf_pkt_parse(f, v->out_len, &cfg->pkt, &r);
		fuzz_check_pkt(&r, f, v->out_len, &cfg->pkt);
		FUZZ_CHECK(r.cls == DNSF_PKT_DNS && !r.is_query);
	} else if (v->rewritten) {
		check_rewritten(cfg, orig, f, len, v, p);
	} else {
		FUZZ_CHECK(memcmp(f, orig, len) == 0 && v->out_len == 0);
	}
	if (v->has_event) {
		check_event(ev);
		FUZZ_CHECK(ev->ip_version == p->ip_version && ev->l4_proto == p->l4_proto);
		FUZZ_CHECK(ev->action == v->action && ev->reason == v->reason);
	}
}

/* The last UDP query the engine passed: as it came (orig) and as it left (out). */
struct last_query {
	uint32_t len;
	uint8_t orig[FRAME_MAX], out[FRAME_MAX];
	struct dnsf_pkt p; /* parse of orig */
};

/* A response to lq->out (the resolver's view) with `extra` inserted after the question as
 * answer records (an OPT in the query stays last): addresses, ports and MACs swapped, QR and RA
 * set, lengths and checksums made right. */
static uint32_t
make_echo(const struct last_query *lq, const uint8_t *extra, uint32_t elen, unsigned nrr,
          uint8_t *out)
{
	const struct dnsf_pkt *p = &lq->p;
	uint32_t end = (uint32_t)p->dns_off + p->dns_len, n;
	uint32_t qend = (uint32_t)p->dns_off + p->dns.qname_wire_off + p->dns.qname_wire_len + 4;
	uint8_t *l3, *udp, *dns, t[16];
	uint32_t s;

	if (end + elen > FRAME_MAX || end > lq->len || qend > end || p->dns.qdcount != 1)
		return 0;
	memcpy(out, lq->out, qend);
	memcpy(out + qend, extra, elen);
	memcpy(out + qend + elen, lq->out + qend, end - qend);
	n = end + elen;
	memcpy(t, out, 6);
	memcpy(out, out + 6, 6);
	memcpy(out + 6, t, 6);
	l3 = out + p->l3_off;
	udp = out + p->l4_off;
	dns = out + p->dns_off;
	if (p->ip_version == 4) {
		memcpy(t, l3 + 12, 4);
		memcpy(l3 + 12, l3 + 16, 4);
		memcpy(l3 + 16, t, 4);
		wr16(l3 + 2, (uint16_t)(n - p->l3_off));
		wr16(l3 + 10, 0);
		wr16(l3 + 10, (uint16_t)~fold(sum16(0, l3, (size_t)(l3[0] & 0x0f) * 4)));
	} else {
		memcpy(t, l3 + 8, 16);
		memcpy(l3 + 8, l3 + 24, 16);
		memcpy(l3 + 24, t, 16);
		wr16(l3 + 4, (uint16_t)(n - p->l3_off - 40));
	}
	memcpy(t, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, t, 2);
	wr16(udp + 4, (uint16_t)(n - p->l4_off));
	dns[2] |= 0x80;
	dns[3] |= 0x80;
	wr16(dns + 6, (uint16_t)(rd16(dns + 6) + nrr));
	wr16(udp + 6, 0);
	s = p->ip_version == 4 ? sum16(0, l3 + 12, 8) : sum16(0, l3 + 8, 32);
	s = sum16(s + 17u + (n - p->l4_off), udp, n - p->l4_off);
	wr16(udp + 6, fold(s) == 0xffff ? 0xffff : (uint16_t)~fold(s));
	return n;
}

/* The frames of the last input as the engine got them (echoes already built), for the burst
 * check below. */
static struct {
	uint32_t len;
	uint64_t now;
	uint8_t bytes[FRAME_MAX];
} seq[MAX_FRAMES];
static unsigned n_seq;

/* Every field an event carries (the bytes past the names' NULs and unused feature slots are
 * left as they were). */
static int
same_event(const struct dnsf_event *a, const struct dnsf_event *b)
{
	if (a->ts_us != b->ts_us || a->worker != b->worker || a->ip_version != b->ip_version ||
	    a->action != b->action || a->would != b->would || a->reason != b->reason ||
	    a->is_query != b->is_query || a->n_feat != b->n_feat || a->l4_proto != b->l4_proto ||
	    memcmp(a->client, b->client, 16) != 0 || memcmp(a->server, b->server, 16) != 0 ||
	    a->client_port != b->client_port || a->server_port != b->server_port ||
	    a->qtype != b->qtype || a->score != b->score || a->model_score != b->model_score ||
	    strcmp(a->regdomain, b->regdomain) != 0 || strcmp(a->qname, b->qname) != 0)
		return 0;
	for (unsigned k = 0; k < a->n_feat && k < DNSF_EVENT_MAX_FEAT; k++)
		if (a->feat[k].id != b->feat[k].id || a->feat[k].value != b->feat[k].value)
			return 0;
	return 1;
}

/*
 * The dataplane's two-phase burst path (dnsf_worker_process_burst: prepare every frame, then
 * decide each in order) must do exactly what dnsf_worker_process() does frame by frame: two fresh
 * workers, the same frames and times, the same verdicts, events, output bytes and counters. The
 * frame-by-frame worker has a tap (dnsf_detect_in.lazy_feat off), so this also holds the
 * rules-only features against the full ones on every input.
 */
static void
burst_matches_single(const struct dnsf_engine *eng, unsigned n)
{
	static struct dnsf_burst_pkt pk[MAX_FRAMES];
	static struct dnsf_verdict vb[MAX_FRAMES];
	static struct dnsf_event evb[MAX_FRAMES], evs;
	static struct dnsf_detect_out tap;
	static uint8_t *fb[MAX_FRAMES], *fs[MAX_FRAMES];
	struct dnsf_worker wb, ws;
	struct dnsf_verdict vs;
	char err[FUZZ_ERR_MAX];

	if (n == 0)
		return;
	if (dnsf_worker_init(&wb, eng, 0, err, sizeof(err)) != 0 ||
	    dnsf_worker_init(&ws, eng, 0, err, sizeof(err)) != 0)
		die("worker", err);
	ws.tap = &tap;
	for (unsigned i = 0; i < n; i++) {
		const uint32_t len = seq[i].len;

		fb[i] = malloc(len ? len : 1);
		fs[i] = malloc(len ? len : 1);
		FUZZ_CHECK(fb[i] != NULL && fs[i] != NULL);
		memcpy(fb[i], seq[i].bytes, len);
		memcpy(fs[i], seq[i].bytes, len);
		pk[i] = (struct dnsf_burst_pkt){
		    .frame = fb[i], .len = len, .room = len, .now_us = seq[i].now};
	}
	dnsf_worker_process_burst(&wb, pk, n, vb, evb);
	for (unsigned i = 0; i < n; i++) {
		const uint32_t len = seq[i].len;

		dnsf_worker_process(&ws, fs[i], len, len, seq[i].now, &vs, &evs);
		FUZZ_CHECK(vb[i].action == vs.action && vb[i].would == vs.would &&
		           vb[i].reason == vs.reason && vb[i].cls == vs.cls &&
		           vb[i].has_event == vs.has_event && vb[i].out_len == vs.out_len &&
		           vb[i].rewritten == vs.rewritten && vb[i].score == vs.score &&
		           vb[i].model_score == vs.model_score);
		if (vs.has_event)
			FUZZ_CHECK(same_event(&evb[i], &evs));
		FUZZ_CHECK(memcmp(fb[i], fs[i], len) == 0);
		free(fb[i]);
		free(fs[i]);
	}
	FUZZ_CHECK(memcmp(&wb.stats, &ws.stats, sizeof(wb.stats)) == 0);
	dnsf_worker_fini(&wb);
	dnsf_worker_fini(&ws);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsf_event ev;
	static struct last_query lq;
	static uint8_t echo[FRAME_MAX];
	static struct dnsf_pkt p;
	struct dnsf_worker w;
	struct dnsf_verdict v;
	const struct dnsf_engine *eng;
	char err[FUZZ_ERR_MAX];
	uint64_t now = UINT64_C(1700000000000000);
	size_t pos = 1;
	unsigned n = 0;

	n_seq = 0;
	if (size < 1)
		return 0;
	eng = engines[data[0] % N_ENGINES];
	if (dnsf_worker_init(&w, eng, 0, err, sizeof(err)) != 0)
		die("worker", err);
	lq.len = 0;
	while (pos + 3 <= size && n++ < MAX_FRAMES) {
		const uint8_t step = data[pos];
		const uint16_t hdr = rd16(data + pos + 1);
		uint32_t len = hdr & 0x7ff;
		const uint8_t *src = data + pos + 3;
		uint64_t restored_before = w.stats.restored;
		int is_echo = 0;
		uint8_t *f;

		pos += 3;
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		pos += len;
		now += step < 240 ? step * UINT64_C(1000) : (step - 239u) * UINT64_C(60000000);
		if ((hdr & 0x8000) && lq.len > 0) {
			uint32_t elen = make_echo(&lq, src, len, (hdr >> 12) & 7, echo);

			if (elen > 0) {
				src = echo;
				len = elen;
				is_echo = 1;
			}
		}
		f = malloc(len ? len : 1);
		FUZZ_CHECK(f != NULL);
		memcpy(f, src, len);
		seq[n_seq].len = len;
		seq[n_seq].now = now;
		memcpy(seq[n_seq++].bytes, src, len);
		memset(&ev, 0xa5, sizeof(ev)); /* stale bytes must not leak into a new event */
		dnsf_worker_process(&w, f, len, len, now, &v, &ev);
		check_frame(eng, src, f, len, &v, &ev, &p);
		if (is_echo && w.stats.restored != restored_before) {
			/* The client gets back the letter case it sent. */
			const struct dnsf_pkt *q = &lq.p;

			FUZZ_CHECK(v.rewritten || v.action != DNSF_ACT_PASS);
			if (v.action == DNSF_ACT_PASS)
				FUZZ_CHECK(memcmp(f + q->dns_off + 12, lq.orig + q->dns_off + 12,
				                  q->dns.qname_wire_len) == 0);
		}
		if (!is_echo && v.action == DNSF_ACT_PASS && p.cls == DNSF_PKT_DNS && p.is_query &&
		    p.l4_proto == 17 && !p.is_frag && len <= FRAME_MAX) {
			lq.len = len;
			memcpy(lq.orig, src, len);
			memcpy(lq.out, f, len);
			lq.p = p;
		}
		free(f);
	}
	if (verbose) {
		/* What the input reached (seed design, docs): DNSF_FUZZ_VERBOSE=1 replay_engine DIR
		 */
#define FUZZ_X_PRINT(name, help)                                                                   \
	if (w.stats.name)                                                                          \
		fprintf(stderr, " %s=%llu", #name, (unsigned long long)w.stats.name);
		fprintf(stderr, "engine %u, %u frames:", data[0] % N_ENGINES, n);
		DNSF_WORKER_COUNTERS(FUZZ_X_PRINT)
		fprintf(stderr, "\n");
#undef FUZZ_X_PRINT
	}
	dnsf_worker_fini(&w);
	burst_matches_single(eng, n_seq);
	return 0;
}
