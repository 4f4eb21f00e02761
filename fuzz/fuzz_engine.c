/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_engine — dnsf_worker_process() on arbitrary frame sequences, with real engines built once
 * from a small validated config (allow and deny lists, a small public suffix list, detection on
 * with 1024-entry flow and domain tables so that eviction happens): parse, lists, features, flow
 * and domain updates, rules, verdict cache, the refuse builder and event formatting.
 *
 * Input: byte 0 picks one of four engines (inline+drop; inline+refuse REFUSED; monitor+refuse;
 * log action with ports 53/5353, no TCP, malformed pass, fragments drop). Then records, each
 *   u8 time step   now += step * 1 ms for step < 240, else (step - 239) minutes
 *   u16 length     big endian, & 0x7ff (cut to what is left of the input)
 *   bytes          the frame
 * processed by one fresh worker (so a crash replays from its input alone), at most 256 frames.
 * Each frame is an exact-size heap copy (room == len): ASan sees any write past it.
 *
 * Checked per frame: verdict fields in range; cls equals dnsf_pkt_parse()'s; non-DNS passes with
 * reason non_dns; monitor mode never blocks; a frame not refused is untouched; a refused frame is
 * no longer than the query and parses as a DNS response; an event formats to one line of
 * printable ASCII with NUL-terminated names.
 */
#include <stdio.h>
#include <string.h>

#include "dnsf_config.h"
#include "dnsf_engine.h"
#include "dnsf_event.h"
#include "dnsf_pkt.h"
#include "fuzz_common.h"
#include "fuzz_pkt_check.h"

#define N_ENGINES  4
#define MAX_FRAMES 256

static struct dnsf_engine *engines[N_ENGINES];

static const char psl_text[] = "// small list for fuzzing\n"
                               "com\nnet\norg\nio\narpa\nexample\nuk\nco.uk\njp\n"
                               "*.kawasaki.jp\n!city.kawasaki.jp\n*.ck\n!www.ck\n"
                               "// ===BEGIN PRIVATE DOMAINS===\n"
                               "github.io\ncloudfront.net\n"
                               "// ===END PRIVATE DOMAINS===\n";
static const char allow_text[] = "in-addr.arpa\nip6.arpa\ngood.example\n*.cdn.example.com\n";
static const char deny_text[] = "evil.example\nbad.com  # comment\n.tunnel.co.uk\n";
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dnsf_config base, cfg;
	char err[DNSF_ERR_MAX];
	const char *path;

	(void)argc;
	(void)argv;
	fuzz_write_file(fuzz_tmp_path(0, "psl.dat"), psl_text, sizeof(psl_text) - 1);
	fuzz_write_file(fuzz_tmp_path(0, "allow.txt"), allow_text, sizeof(allow_text) - 1);
	fuzz_write_file(fuzz_tmp_path(0, "deny.txt"), deny_text, sizeof(deny_text) - 1);
	path = fuzz_tmp_path(0, "engine.yaml");
	fuzz_write_file(path, cfg_text, sizeof(cfg_text) - 1);
	if (dnsf_config_load(path, &base, err, sizeof(err)) != 0)
		die("config", err);

	for (unsigned i = 0; i < N_ENGINES; i++) {
		cfg = base;
		switch (i) {
		case 1:
			cfg.detect.action = DNSF_ACT_REFUSE;
			cfg.detect.refuse_rcode = DNSF_RCODE_REFUSED;
			break;
		case 2:
			cfg.mode = DNSF_MODE_MONITOR;
			cfg.detect.action = DNSF_ACT_REFUSE;
			cfg.detect.refuse_rcode = DNSF_RCODE_NXDOMAIN;
			break;
		case 3:
			cfg.detect.action = DNSF_ACT_LOG;
			cfg.pkt.dns_ports[1] = 5353;
			cfg.pkt.n_dns_ports = 2;
			cfg.pkt.tcp = 0;
			cfg.malformed_action = DNSF_ACT_PASS;
			cfg.fragment_action = DNSF_ACT_DROP;
			break;
		}
		if (dnsf_engine_create(&cfg, &engines[i], err, sizeof(err)) != 0)
			die("engine", err);
	}
	return 0;
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

static void
check_frame(const struct dnsf_engine *eng, const uint8_t *orig, const uint8_t *f, uint32_t len,
            const struct dnsf_verdict *v, const struct dnsf_event *ev)
{
	const struct dnsf_config *cfg = dnsf_engine_config(eng);
	static struct dnsf_pkt p;

	FUZZ_CHECK(v->action == DNSF_ACT_PASS || v->action == DNSF_ACT_DROP ||
	           v->action == DNSF_ACT_REFUSE);
	FUZZ_CHECK(v->would < DNSF_ACT__COUNT && v->reason < DNSF_R__COUNT);
	FUZZ_CHECK(v->has_event <= 1);
	FUZZ_CHECK(v->model_score >= -1 && v->model_score <= 1000);
	dnsf_pkt_parse(orig, len, &cfg->pkt, &p);
	FUZZ_CHECK(v->cls == p.cls);
	if (p.cls == DNSF_PKT_NON_DNS)
		FUZZ_CHECK(v->action == DNSF_ACT_PASS && v->reason == DNSF_R_NON_DNS &&
		           !v->has_event);
	if (cfg->mode == DNSF_MODE_MONITOR)
		FUZZ_CHECK(v->action == DNSF_ACT_PASS);
	if (v->action == DNSF_ACT_PASS || v->action == DNSF_ACT_DROP)
		FUZZ_CHECK(v->reason != DNSF_R_NONE || v->action == DNSF_ACT_PASS);
	if (v->action != DNSF_ACT_REFUSE) {
		FUZZ_CHECK(memcmp(f, orig, len) == 0);
	} else {
		FUZZ_CHECK(p.cls == DNSF_PKT_DNS && p.is_query && p.l4_proto == 17);
		FUZZ_CHECK(v->out_len > 0 && v->out_len <= len);
		dnsf_pkt_parse(f, v->out_len, &cfg->pkt, &p);
		fuzz_check_pkt(&p, f, v->out_len, &cfg->pkt);
		FUZZ_CHECK(p.cls == DNSF_PKT_DNS && !p.is_query);
	}
	if (v->has_event) {
		check_event(ev);
		FUZZ_CHECK(ev->ip_version == p.ip_version && ev->l4_proto == p.l4_proto);
		FUZZ_CHECK(ev->action == v->action && ev->reason == v->reason);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsf_event ev;
	struct dnsf_worker w;
	struct dnsf_verdict v;
	const struct dnsf_engine *eng;
	char err[DNSF_ERR_MAX];
	uint64_t now = UINT64_C(1700000000000000);
	size_t pos = 1;
	unsigned n = 0;

	if (size < 1)
		return 0;
	eng = engines[data[0] % N_ENGINES];
	if (dnsf_worker_init(&w, eng, 0, err, sizeof(err)) != 0)
		die("worker", err);
	while (pos + 3 <= size && n++ < MAX_FRAMES) {
		uint8_t step = data[pos];
		uint32_t len = ((uint32_t)data[pos + 1] << 8 | data[pos + 2]) & 0x7ff;
		uint8_t *f;

		pos += 3;
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		now += step < 240 ? step * UINT64_C(1000) : (step - 239u) * UINT64_C(60000000);
		f = malloc(len ? len : 1);
		FUZZ_CHECK(f != NULL);
		memcpy(f, data + pos, len);
		memset(&ev, 0xa5, sizeof(ev)); /* stale bytes must not leak into a new event */
		dnsf_worker_process(&w, f, len, len, now, &v, &ev);
		check_frame(eng, data + pos, f, len, &v, &ev);
		free(f);
		pos += len;
	}
	dnsf_worker_fini(&w);
	return 0;
}
