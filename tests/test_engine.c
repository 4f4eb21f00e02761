/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine-level tests: the whole per-packet decision as the dataplane calls it
 * (dnsf_worker_process): allow-list precedence, deny list with each action, monitor mode,
 * the REFUSED answer, event rate limiting, a tunnel cut inline while benign names pass, a beacon
 * cut with its own reason and counter, and what happens to a missing or corrupt model file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsf_engine.h"
#include "dnsf_pkt.h"
#include "pktbuild.h"
#include "tmpdir.h"

/* Defaults, plus lists and a tiny public suffix list of our own (the test needs no system file). */
static void
base_config(struct dnsf_config *cfg)
{
	dnsf_config_defaults(cfg);
	write_file("allow", "safe.evil.com\n", cfg->allowlist, sizeof(cfg->allowlist));
	write_file("deny", "evil.com\n", cfg->denylist, sizeof(cfg->denylist));
	write_file("psl", "com\nnet\norg\nco.uk\n", cfg->detect.psl, sizeof(cfg->detect.psl));
	cfg->detect.flow_entries = 4096;
	cfg->detect.domain_entries = 1024;
}

struct ctx {
	struct dnsf_engine *eng;
	struct dnsf_worker w;
};

static void
ctx_open(struct ctx *c, const struct dnsf_config *cfg)
{
	char err[DNSF_ERR_MAX] = "";

	assert_int_equal(dnsf_engine_create(cfg, &c->eng, err, sizeof(err)), 0);
	assert_int_equal(dnsf_worker_init(&c->w, c->eng, 0, err, sizeof(err)), 0);
}

static void
ctx_close(struct ctx *c)
{
	dnsf_worker_fini(&c->w);
	dnsf_engine_free(c->eng);
}

/* A UDP/IPv4 query frame for `name` from client port `sport`. */
static size_t
query_frame(uint8_t *frame, size_t room, const char *name, uint16_t qtype, uint16_t id,
            uint16_t sport)
{
	uint8_t msg[512];
	struct pb_spec s;
	size_t mlen = pb_query(msg, sizeof(msg), id, name, qtype, 1);

	pb_spec_init(&s, 4, 17, 1);
	s.sport = sport;
	return pb_frame(frame, room, &s, msg, mlen, NULL);
}

static void
decide(struct ctx *c, const char *name, uint16_t qtype, uint64_t now_us, struct dnsf_verdict *v,
       struct dnsf_event *ev, uint8_t *frame, size_t room)
{
	size_t len = query_frame(frame, room, name, qtype, 0x1234, 40000);

	assert_true(len > 0);
	dnsf_worker_process(&c->w, frame, (uint32_t)len, (uint32_t)room, now_us, v, ev);
}

static void
test_allow_beats_deny(void **state)
{
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	uint8_t frame[1600];

	(void)state;
	base_config(&cfg);
	ctx_open(&c, &cfg);
	decide(&c, "www.safe.evil.com", DNSF_T_A, 1000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.reason, DNSF_R_ALLOWLIST);
	decide(&c, "x.evil.com", DNSF_T_A, 1000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_DROP);
	assert_int_equal(v.reason, DNSF_R_DENYLIST);
	assert_true(v.has_event);
	assert_string_equal(ev.regdomain, "evil.com");
	assert_string_equal(ev.qname, "x.evil.com");
	decide(&c, "notevil.com", DNSF_T_A, 1000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(c.w.stats.allowlisted, 1);
	assert_int_equal(c.w.stats.denylisted, 1);
	ctx_close(&c);
}

static void
test_monitor_and_log_never_block(void **state)
{
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	uint8_t frame[1600];

	(void)state;
	base_config(&cfg);
	cfg.mode = DNSF_MODE_MONITOR;
	ctx_open(&c, &cfg);
	decide(&c, "x.evil.com", DNSF_T_A, 1000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.would, DNSF_ACT_DROP);
	assert_int_equal(c.w.stats.would_drop, 1);
	assert_true(v.has_event);
	assert_int_equal(ev.action, DNSF_ACT_PASS);
	assert_int_equal(ev.would, DNSF_ACT_DROP);
	ctx_close(&c);

	base_config(&cfg);
	cfg.detect.action = DNSF_ACT_LOG;
	ctx_open(&c, &cfg);
	decide(&c, "x.evil.com", DNSF_T_A, 1000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.would, DNSF_ACT_LOG);
	assert_int_equal(c.w.stats.would_drop, 1);
	ctx_close(&c);
}

static void
test_refuse_answers_the_client(void **state)
{
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	struct dnsf_pkt p;
	struct dnsf_pkt_cfg pc;
	uint8_t frame[1600];

	(void)state;
	base_config(&cfg);
	cfg.detect.action = DNSF_ACT_REFUSE;
	ctx_open(&c, &cfg);
	decide(&c, "X.Evil.com", DNSF_T_TXT, 1000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_REFUSE);
	assert_true(v.out_len > 0);
	dnsf_pkt_cfg_default(&pc);
	assert_int_equal(dnsf_pkt_parse(frame, v.out_len, &pc, &p), DNSF_PKT_DNS);
	assert_false(p.is_query);
	assert_int_equal(p.dns.rcode, DNSF_RCODE_REFUSED);
	assert_int_equal(p.dns.id, 0x1234);
	assert_string_equal(p.dns.qname, "x.evil.com");
	assert_int_equal(p.dport, 40000); /* back to the client */
	assert_int_equal(c.w.stats.refused_sent, 1);
	ctx_close(&c);
}

static void
test_deny_events_rate_limited(void **state)
{
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	uint8_t frame[1600];
	int events = 0;

	(void)state;
	base_config(&cfg);
	cfg.detect.event_interval_seconds = 10;
	ctx_open(&c, &cfg);
	for (int i = 0; i < 20; i++) {
		decide(&c, "x.evil.com", DNSF_T_A, 1000000 + (uint64_t)i * 100000, &v, &ev, frame,
		       sizeof(frame));
		assert_int_equal(v.action, DNSF_ACT_DROP);
		events += v.has_event;
	}
	assert_int_equal(events, 1); /* 20 packets within 2 s: one event */
	assert_int_equal(c.w.stats.events_suppressed, 19);
	decide(&c, "x.evil.com", DNSF_T_A, 12000000, &v, &ev, frame, sizeof(frame));
	assert_true(v.has_event); /* interval over: the next one is reported */
	ctx_close(&c);
}

static void
test_tunnel_cut_benign_pass(void **state)
{
	static const char *benign[] = {"www.google.com", "mail.example.org", "cdn.shop.co.uk",
	                               "api.github.com", "e1234.dscx.akamaiedge.net"};
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	uint8_t frame[1600];
	char name[256], lab[64];
	uint32_t seed = 7;
	int first_drop = -1;

	(void)state;
	base_config(&cfg);
	ctx_open(&c, &cfg);
	for (int i = 0; i < 200; i++) {
		uint64_t now = 5000000 + (uint64_t)i * 20000;

		pb_b32(lab, 52, &seed);
		snprintf(name, sizeof(name), "%s.%c%s.t.qzvk-relay.net", lab, 'a' + i % 26,
		         lab + 40);
		decide(&c, name, DNSF_T_TXT, now, &v, &ev, frame, sizeof(frame));
		if (getenv("DNSF_TEST_DEBUG"))
			fprintf(stderr, "%d %s act=%d reason=%d score=%d\n", i, name, v.action,
			        v.reason, v.score);
		if (v.action == DNSF_ACT_DROP && first_drop < 0)
			first_drop = i;
		if (first_drop >= 0)
			assert_int_equal(v.action, DNSF_ACT_DROP); /* held once judged */
		/* ordinary names from the same client keep working throughout */
		decide(&c, benign[i % 5], DNSF_T_A, now + 1, &v, &ev, frame, sizeof(frame));
		assert_int_equal(v.action, DNSF_ACT_PASS);
	}
	assert_true(first_drop >= 0);
	assert_true(first_drop < 40);
	assert_true(c.w.stats.tunnel_detected >= 1);
	ctx_close(&c);
}

/*
 * Allow list first, also against detection: tunnel-shaped look-ups under an allow-listed
 * reputation service pass (reason allowlist, never scored), while the same traffic under a
 * domain that is not listed is cut; and an allow-listed name below a domain whose verdict is
 * being held still passes.
 */
static void
test_allow_beats_detection(void **state)
{
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	uint8_t frame[1600];
	char name[256], lab[64];
	uint32_t seed = 11;
	int first_drop = -1;

	(void)state;
	base_config(&cfg);
	write_file("allow", "sophosxl.net\nok.qzvk-relay.net\n", cfg.allowlist,
	           sizeof(cfg.allowlist));
	ctx_open(&c, &cfg);
	for (int i = 0; i < 120; i++) {
		const uint64_t now = 5000000 + (uint64_t)i * 20000;

		pb_b32(lab, 52, &seed);
		snprintf(name, sizeof(name), "%s.%c%s.sxl4.sophosxl.net", lab, 'a' + i % 26,
		         lab + 40);
		decide(&c, name, DNSF_T_TXT, now, &v, &ev, frame, sizeof(frame));
		assert_int_equal(v.action, DNSF_ACT_PASS);
		assert_int_equal(v.reason, DNSF_R_ALLOWLIST);
		assert_int_equal(v.score, -1); /* never reached the detector */
		assert_false(v.has_event);
		/* The control: the very same shape under a domain that is not listed. */
		snprintf(name, sizeof(name), "%s.%c%s.t.qzvk-relay.net", lab, 'a' + i % 26,
		         lab + 40);
		decide(&c, name, DNSF_T_TXT, now + 1, &v, &ev, frame, sizeof(frame));
		if (v.action == DNSF_ACT_DROP && first_drop < 0)
			first_drop = i;
	}
	assert_true(first_drop >= 0 && first_drop < 40);
	assert_int_equal(c.w.stats.allowlisted, 120);
	/* The verdict on qzvk-relay.net holds, but the allow-listed name below it passes. */
	decide(&c, "t.qzvk-relay.net", DNSF_T_A, 8000000, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_DROP);
	assert_int_equal(v.reason, DNSF_R_VERDICT_CACHE);
	decide(&c, "www.ok.qzvk-relay.net", DNSF_T_A, 8000001, &v, &ev, frame, sizeof(frame));
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.reason, DNSF_R_ALLOWLIST);
	ctx_close(&c);
}

static void
test_model_file_errors(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_engine *eng = NULL;
	char err[DNSF_ERR_MAX] = "";

	(void)state;
	base_config(&cfg);
	snprintf(cfg.model.path, sizeof(cfg.model.path), "%s/missing.model", tmpdir);
	cfg.model.required = 1;
	assert_int_equal(dnsf_engine_create(&cfg, &eng, err, sizeof(err)), -1);
	assert_null(eng);
	assert_non_null(strstr(err, "missing.model"));

	write_file("bad.model", "DNSFMDL\0 this is not a model", cfg.model.path,
	           sizeof(cfg.model.path));
	err[0] = '\0';
	assert_int_equal(dnsf_engine_create(&cfg, &eng, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));

	/* Optional model: the rules decide alone and the engine says why. */
	cfg.model.required = 0;
	assert_int_equal(dnsf_engine_create(&cfg, &eng, err, sizeof(err)), 0);
	assert_non_null(strstr(dnsf_engine_warning(eng), "rules decide alone"));
	dnsf_engine_free(eng);
}

/* A beacon through the whole decision: check-ins every minute, then a tasked burst; the burst is
 * cut with reason beacon, counted in `beacon` and `tunnel_detected`, its event names the beacon
 * part, and the flow's next check-in is judged from the hold. */
static void
test_beacon_verdict(void **state)
{
	static const unsigned jitter_ms[] = {0,    7100,  52300, 11800, 48000,
	                                     3300, 57000, 9900,  30000};
	struct dnsf_config cfg;
	struct ctx c;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	uint8_t frame[1600];
	char name[128];
	uint64_t t = 1700000000ull * 1000000;
	int beacon_event = 0;

	(void)state;
	base_config(&cfg);
	ctx_open(&c, &cfg);
	for (unsigned k = 0; k < 9; k++) {
		/* 54-66 s apart: 60 s with 10 % jitter. */
		t += (54000 + jitter_ms[k] / 5) * 1000ull;
		decide(&c, "a1b2c3d4.c2beacon.com", DNSF_T_A, t, &v, &ev, frame, sizeof(frame));
		assert_int_equal(v.action, DNSF_ACT_PASS);
	}
	for (unsigned j = 0; j < 6; j++) {
		snprintf(name, sizeof(name), "api.%08x.a1b2c3d4.c2beacon.com",
		         0x3f5a17c9u * (j + 1));
		decide(&c, name, DNSF_T_A, t + (200 + 80 * j) * 1000ull, &v, &ev, frame,
		       sizeof(frame));
		if (v.action == DNSF_ACT_DROP && v.reason == DNSF_R_BEACON && v.has_event) {
			assert_int_equal(ev.reason, DNSF_R_BEACON);
			for (unsigned i = 0; i < ev.n_feat; i++)
				if (ev.feat[i].id == DNSF_F_BEACON_POINTS)
					beacon_event = ev.feat[i].value >= 100;
			break;
		}
		assert_int_equal(v.action, DNSF_ACT_PASS);
	}
	assert_true(beacon_event);
	assert_int_equal(c.w.stats.beacon, 1);
	assert_int_equal(c.w.stats.tunnel_detected, 1);
	decide(&c, "a1b2c3d4.c2beacon.com", DNSF_T_A, t + 60 * 1000000ull, &v, &ev, frame,
	       sizeof(frame));
	assert_int_equal(v.reason, DNSF_R_VERDICT_CACHE);
	/* Switched off: the same traffic passes. */
	ctx_close(&c);
	cfg.detect.beacon.enabled = 0;
	ctx_open(&c, &cfg);
	t = 1700000000ull * 1000000;
	for (unsigned k = 0; k < 9; k++) {
		t += (54000 + jitter_ms[k] / 5) * 1000ull;
		decide(&c, "a1b2c3d4.c2beacon.com", DNSF_T_A, t, &v, &ev, frame, sizeof(frame));
	}
	for (unsigned j = 0; j < 6; j++) {
		snprintf(name, sizeof(name), "api.%08x.a1b2c3d4.c2beacon.com",
		         0x3f5a17c9u * (j + 1));
		decide(&c, name, DNSF_T_A, t + (200 + 80 * j) * 1000ull, &v, &ev, frame,
		       sizeof(frame));
		assert_int_equal(v.action, DNSF_ACT_PASS);
	}
	assert_int_equal(c.w.stats.beacon, 0);
	ctx_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allow_beats_deny),
	    cmocka_unit_test(test_monitor_and_log_never_block),
	    cmocka_unit_test(test_refuse_answers_the_client),
	    cmocka_unit_test(test_deny_events_rate_limited),
	    cmocka_unit_test(test_tunnel_cut_benign_pass),
	    cmocka_unit_test(test_allow_beats_detection),
	    cmocka_unit_test(test_model_file_errors),
	    cmocka_unit_test(test_beacon_verdict),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
