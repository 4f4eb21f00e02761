/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two-phase burst API (dnsf_worker_process_burst, i.e. dnsf_worker_prepare over a chunk
 * then dnsf_worker_decide per frame) against dnsf_worker_process() called frame by frame: on
 * one mixed sequence — tunnel queries repeating one flow within a burst (the hold starts
 * mid-burst), benign queries and answers, deny/allow-listed names, a rare type, TCP, non-DNS
 * and malformed frames — every verdict, event, rewritten frame, counter, table counter and
 * the top list must come out identical, whatever the burst sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_detect.h"
#include "dnsf_engine.h"
#include "dnsf_features.h"
#include "dnsf_pkt.h"
#include "pktbuild.h"
#include "tmpdir.h"

#define NFR  240
#define ROOM 1600

struct seq {
	uint8_t frame[NFR][ROOM];
	uint32_t len[NFR];
	uint64_t now[NFR];
};

/* A query from client 10.0.0.<c> (or a response to it when !to_server, with `rcode`). */
static uint32_t
dns_frame(uint8_t *f, const char *name, uint16_t qtype, int c, int to_server, int proto,
          unsigned rcode)
{
	uint8_t msg[512];
	struct pb_dns d;
	struct pb_spec s;
	size_t mlen;

	if (to_server) {
		mlen = pb_query(msg, sizeof(msg), (uint16_t)(0x100 + c), name, qtype, 1);
	} else {
		const uint8_t a[4] = {192, 0, 2, 1};

		pb_dns_init(&d, msg, sizeof(msg), (uint16_t)(0x100 + c),
		            (uint16_t)(0x8180 | rcode));
		pb_question(&d, name, qtype, 1);
		if (rcode == 0 && qtype == DNSF_T_A)
			pb_rr_ptr(&d, 1, 0x0c, DNSF_T_A, a, 4);
		mlen = pb_dns_finish(&d);
	}
	pb_spec_init(&s, 4, proto, to_server);
	s.tcp_prefix = proto == 6;
	(to_server ? s.src : s.dst)[3] = (uint8_t)c;
	return (uint32_t)pb_frame(f, ROOM, &s, msg, mlen, NULL);
}

static void
build_seq(struct seq *q)
{
	static const char *benign[] = {"www.google.com", "mail.example.org", "cdn.shop.co.uk",
	                               "api.github.com", "WwW.Example.Org"};
	char name[256], lab[64];
	uint32_t seed = 11;

	for (unsigned i = 0; i < NFR; i++) {
		uint8_t *f = q->frame[i];
		const int c = 1 + (int)(i % 3);

		q->now[i] = 5000000 + (uint64_t)i * 15000;
		switch (i % 12) {
		case 0:
		case 1:
		case 2:
		case 3: /* tunnel: three clients, the same flow several times per burst */
			pb_b32(lab, 50, &seed);
			snprintf(name, sizeof(name), "%s.%c%s.t.qzvk-relay.net", lab, 'a' + i % 26,
			         lab + 38);
			q->len[i] = dns_frame(f, name, DNSF_T_TXT, c, 1, 17, 0);
			break;
		case 4:
			q->len[i] = dns_frame(f, benign[i % 5], DNSF_T_A, c, 1, 17, 0);
			break;
		case 5:
			q->len[i] = dns_frame(f, benign[(i / 12) % 5], DNSF_T_A, c, 0, 17,
			                      (i / 12) % 3 == 0 ? 3 : 0);
			break;
		case 6: /* non-DNS: UDP to port 80 */
		{
			struct pb_spec s;
			const uint8_t pay[24] = {1, 2, 3};

			pb_spec_init(&s, 4, 17, 1);
			s.dport = 80;
			q->len[i] = (uint32_t)pb_frame(f, ROOM, &s, pay, sizeof(pay), NULL);
			break;
		}
		case 7: /* malformed: a DNS "message" shorter than its header */
		{
			const uint8_t pay[5] = {0x12, 0x34, 0x01, 0x00, 0x00};

			q->len[i] = (uint32_t)pb_dns_frame(f, ROOM, 4, 17, 1, pay, sizeof(pay));
			break;
		}
		case 8:
			q->len[i] = dns_frame(f, i % 24 ? "x.evil.com" : "a.safe.evil.com",
			                      DNSF_T_A, c, 1, 17, 0);
			break;
		case 9: /* rare type (refused by default) */
			q->len[i] = dns_frame(f, "n.example.net", DNSF_T_NULL, c, 1, 17, 0);
			break;
		case 10:
			q->len[i] = dns_frame(f, "tcp.example.com", DNSF_T_A, c, 1, 6, 0);
			break;
		default: /* an answer from the tunnel's domain */
			pb_b32(lab, 40, &seed);
			snprintf(name, sizeof(name), "%s.t.qzvk-relay.net", lab);
			q->len[i] = dns_frame(f, name, DNSF_T_TXT, c, 0, 17, 0);
			break;
		}
		assert_true(q->len[i] > 0);
	}
}

struct side {
	struct dnsf_worker w;
	struct dnsf_verdict v[NFR];
	struct dnsf_event ev[NFR];
	struct seq q;
};

/* Both workers' verdicts, events and (rewritten) frames are identical; returns the events. */
static unsigned
same_frames(const struct side *a, const struct side *b)
{
	unsigned events = 0;

	for (unsigned i = 0; i < NFR; i++) {
		assert_memory_equal(&a->v[i], &b->v[i], sizeof(a->v[i]));
		if (a->v[i].has_event) {
			assert_memory_equal(&a->ev[i], &b->ev[i], sizeof(a->ev[i]));
			events++;
		}
		assert_memory_equal(a->q.frame[i], b->q.frame[i], ROOM);
	}
	return events;
}

/* Both workers' counters (into *sa) and top lists, the latter flushed, are identical. */
static void
same_state(struct side *a, struct side *b, struct dnsf_worker_stats *sa)
{
	static struct dnsf_top_snap ta, tb;
	struct dnsf_worker_stats sb;

	dnsf_worker_stats_read(&a->w, sa);
	dnsf_worker_stats_read(&b->w, &sb);
	assert_memory_equal(sa, &sb, sizeof(sb));
	dnsf_worker_top_flush(&a->w);
	dnsf_worker_top_flush(&b->w);
	assert_int_equal(dnsf_worker_top_read(&a->w, &ta), 0);
	assert_int_equal(dnsf_worker_top_read(&b->w, &tb), 0);
	assert_memory_equal(&ta, &tb, sizeof(ta));
}

static void
compare(struct side *a, struct side *b)
{
	struct dnsf_tab_counters fa, da, fb, db;
	unsigned drops = 0, refused = 0, events = 0;

	events = same_frames(a, b);
	for (unsigned i = 0; i < NFR; i++) {
		drops += a->v[i].action == DNSF_ACT_DROP;
		refused += a->v[i].action == DNSF_ACT_REFUSE;
	}
	struct dnsf_worker_stats sa;
	same_state(a, b, &sa);
	assert_int_equal(dnsf_worker_tables(&a->w, &fa, &da), 0);
	assert_int_equal(dnsf_worker_tables(&b->w, &fb, &db), 0);
	assert_memory_equal(&fa, &fb, sizeof(fa));
	assert_memory_equal(&da, &db, sizeof(da));
	/* The table counters in the stats are the tables' own. */
	assert_true(sa.flow_inserts > 0);
	assert_int_equal(sa.flow_inserts, fa.inserts);
	assert_int_equal(sa.flow_evictions, fa.evictions);
	assert_int_equal(sa.domain_inserts, da.inserts);
	assert_int_equal(sa.domain_evictions, da.evictions);
	/* The mix really exercised the paths the comparison is about. */
	assert_true(drops > 0);
	assert_true(refused > 0);
	assert_true(events > 0);
	assert_true(a->w.stats.tunnel_detected > 0);
	assert_true(a->w.stats.verdict_cache_hits > 0);
	assert_true(a->w.stats.non_dns > 0);
	assert_true(a->w.stats.malformed > 0);
	assert_true(a->w.stats.randomized > 0);
	assert_true(fa.hits > 0);
}

/* Two workers of one engine made from cfg, each with its own copy of the frame sequence. */
static struct dnsf_engine *
pair_open(const struct dnsf_config *cfg, struct side **a, struct side **b)
{
	struct dnsf_engine *eng;
	char err[DNSF_ERR_MAX] = "";

	*a = calloc(1, sizeof(**a));
	*b = calloc(1, sizeof(**b));
	assert_non_null(*a);
	assert_non_null(*b);
	assert_int_equal(dnsf_engine_create(cfg, &eng, err, sizeof(err)), 0);
	assert_int_equal(dnsf_worker_init(&(*a)->w, eng, 0, err, sizeof(err)), 0);
	assert_int_equal(dnsf_worker_init(&(*b)->w, eng, 0, err, sizeof(err)), 0);
	build_seq(&(*a)->q);
	build_seq(&(*b)->q);
	return eng;
}

static void
pair_close(struct dnsf_engine *eng, struct side *a, struct side *b)
{
	dnsf_worker_fini(&a->w);
	dnsf_worker_fini(&b->w);
	dnsf_engine_free(eng);
	free(a);
	free(b);
}

static void
run_pair(const struct dnsf_config *cfg, const unsigned *sizes, unsigned nsizes)
{
	struct side *a, *b;
	struct dnsf_engine *eng = pair_open(cfg, &a, &b);
	struct dnsf_burst_pkt pk[NFR];
	unsigned i, s = 0;

	for (i = 0; i < NFR; i++)
		dnsf_worker_process(&a->w, a->q.frame[i], a->q.len[i], ROOM, a->q.now[i], &a->v[i],
		                    &a->ev[i]);
	for (i = 0; i < NFR; i++)
		pk[i] = (struct dnsf_burst_pkt){b->q.frame[i], b->q.len[i], ROOM, b->q.now[i]};
	for (i = 0; i < NFR;) {
		unsigned n = sizes[s++ % nsizes];

		if (n > NFR - i)
			n = NFR - i;
		dnsf_worker_process_burst(&b->w, pk + i, n, b->v + i, b->ev + i);
		i += n;
	}
	compare(a, b);
	pair_close(eng, a, b);
}

static void
config(struct dnsf_config *cfg)
{
	dnsf_config_defaults(cfg);
	write_file("allow", "safe.evil.com\n", cfg->allowlist, sizeof(cfg->allowlist));
	write_file("deny", "evil.com\n", cfg->denylist, sizeof(cfg->denylist));
	write_file("psl", "com\nnet\norg\nco.uk\n", cfg->detect.psl, sizeof(cfg->detect.psl));
	cfg->detect.flow_entries = 4096;
	cfg->detect.domain_entries = 1024;
	cfg->detect.action = DNSF_ACT_REFUSE;
	cfg->harden.case_randomization = 1;
	cfg->harden.case_key_set = 1;
	memset(cfg->harden.case_key, 0x5a, sizeof(cfg->harden.case_key));
	cfg->harden.edns_clamp = 1;
}

/* Without the trainer's tap the detector fills the raw features only where they are read
 * (dnsf_detect_in.lazy_feat): verdicts, events (with their feature values), frames, counters,
 * tables and top list must be those of a worker whose tap asks for every message's. */
static void
test_lazy_features(void **state)
{
	static struct dnsf_detect_out tap;
	struct side *a, *b;
	struct dnsf_config cfg;
	struct dnsf_engine *eng;

	(void)state;
	config(&cfg);
	eng = pair_open(&cfg, &a, &b);
	a->w.tap = &tap;
	for (unsigned i = 0; i < NFR; i++) {
		dnsf_worker_process(&a->w, a->q.frame[i], a->q.len[i], ROOM, a->q.now[i], &a->v[i],
		                    &a->ev[i]);
		dnsf_worker_process(&b->w, b->q.frame[i], b->q.len[i], ROOM, b->q.now[i], &b->v[i],
		                    &b->ev[i]);
	}
	compare(a, b);
	pair_close(eng, a, b);
}

/* xorshift32: the hostile sequence is the same on every run. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Hostile names for the rules-only features (dnsf_qfeat_compute_rules): subdomains of 1-3
 * labels of 1-9 bytes each (around the 12- and 16-character bars where the rules start to read
 * entropy, alphabet and bigram), drawn from one class per label — lower case, mixed case, hex,
 * base32 digits, base64 signs, '-' and '_', or any byte but '.' and NUL — under four registered
 * domains (a few with no subdomain), from four clients, as queries of assorted types and as
 * answers (some negative). Returns how many questions have a subdomain of fewer than
 * DNSF_QFEAT_RULES_CHARS characters holding a byte outside the host-name alphabet.
 */
static unsigned
build_hostile(struct seq *q, uint32_t seed)
{
	static const char *const reg[] = {"qzvk-relay.net", "example.com", "shop.co.uk", "x.org"};
	static const char *const cls[] = {"abcdefghijklmnopqrstuvwxyz",
	                                  "aBcDeFgHiJkLmNoPqRsTuVwXyZ",
	                                  "0123456789abcdef",
	                                  "abcdefghijklmnopqrstuvwxyz234567",
	                                  "AZaz09+/=",
	                                  "a-b_c-9"};
	static const uint16_t types[] = {DNSF_T_A, DNSF_T_TXT, DNSF_T_NULL, DNSF_T_AAAA, DNSF_T_MX};
	unsigned short_binary = 0;

	for (unsigned i = 0; i < NFR; i++) {
		char name[256];
		unsigned n = 0, chars = 0, binary = 0;
		const unsigned labels = rnd(&seed) % 4;

		for (unsigned l = 0; l < labels; l++) {
			const unsigned len = 1 + rnd(&seed) % 9, k = rnd(&seed) % 7;

			for (unsigned j = 0; j < len; j++) {
				unsigned char c;

				if (k == 6) {
					do
						c = (unsigned char)rnd(&seed);
					while (c == 0 || c == '.');
				} else {
					c = (unsigned char)cls[k][rnd(&seed) % strlen(cls[k])];
				}
				binary |=
				    k == 6 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				                (c >= '0' && c <= '9') || c == '-' || c == '_' ||
				                c == '+' || c == '/' || c == '=');
				name[n++] = (char)c;
			}
			name[n++] = '.';
			chars += len;
		}
		snprintf(name + n, sizeof(name) - n, "%s", reg[rnd(&seed) % 4]);
		short_binary += labels > 0 && chars < DNSF_QFEAT_RULES_CHARS && binary;
		q->now[i] = 5000000 + (uint64_t)i * 15000;
		q->len[i] = dns_frame(q->frame[i], name, types[rnd(&seed) % 5], 1 + (int)(i % 4),
		                      rnd(&seed) % 4 != 0, 17, rnd(&seed) % 3 == 0 ? 3 : 0);
		assert_true(q->len[i] > 0);
	}
	return short_binary;
}

/* test_lazy_features on hostile names: what the rules-only features leave out must be what
 * the rules never read, whatever the subdomain's bytes, and events still get every value. */
static void
test_lazy_features_hostile(void **state)
{
	static struct dnsf_detect_out tap;
	struct side *a, *b;
	struct dnsf_config cfg;
	struct dnsf_engine *eng;
	unsigned tunnels = 0, events = 0;

	(void)state;
	config(&cfg);
	eng = pair_open(&cfg, &a, &b);
	a->w.tap = &tap;
	for (uint32_t seed = 1; seed <= 8; seed++) {
		const unsigned sb = build_hostile(&a->q, seed * 2654435761u);

		assert_int_equal(build_hostile(&b->q, seed * 2654435761u), sb);
		assert_true(sb >= 10);
		for (unsigned i = 0; i < NFR; i++) {
			dnsf_worker_process(&a->w, a->q.frame[i], a->q.len[i], ROOM, a->q.now[i],
			                    &a->v[i], &a->ev[i]);
			dnsf_worker_process(&b->w, b->q.frame[i], b->q.len[i], ROOM, b->q.now[i],
			                    &b->v[i], &b->ev[i]);
			tunnels += a->v[i].reason == DNSF_R_RULES;
		}
		events += same_frames(a, b);
	}
	struct dnsf_worker_stats sa;
	same_state(a, b, &sa);
	/* Rule verdicts and events happened, so the comparison covered the scored paths. */
	assert_true(tunnels > 0);
	assert_true(events > 0);
	pair_close(eng, a, b);
}

static void
test_burst_equals_sequence(void **state)
{
	static const unsigned full[] = {DNSF_BURST_MAX};
	static const unsigned mixed[] = {1, 7, 32, 45, 3, 64, 2};
	static const unsigned big[] = {NFR};
	struct dnsf_config cfg;

	(void)state;
	config(&cfg);
	run_pair(&cfg, full, 1);
	run_pair(&cfg, mixed, sizeof(mixed) / sizeof(mixed[0]));
	run_pair(&cfg, big, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_equals_sequence),
	    cmocka_unit_test(test_lazy_features),
	    cmocka_unit_test(test_lazy_features_hostile),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
