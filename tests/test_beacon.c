/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Beacons (docs/detection.md, "Beacons"): Cobalt-Strike-like sessions — an A query for a hex id
 * every P seconds with jitter, every N-th check-in followed by a burst of "api.<hex>.<id>" and
 * "post.<hex>.<id>" queries — are cut by the rules within 1 KiB over periods of 20-300 s, ids of
 * 6-16 hex digits and tasking every 3-12 check-ins; periodic benign traffic (NTP, connectivity
 * checks, push services, CDN names re-resolved at TTL expiry, hex device-id heartbeats) is not,
 * and neither is a flow with the beacon's names but irregular timing. Every query is answered a
 * few milliseconds later, as on the wire.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detect_util.h"
#include "dnsf_config.h"
#include "dnsf_detect.h"

#define SEC 1000000ull
#define T0  (1700000000ull * SEC)

static const char HEX[] = "0123456789abcdef";

struct ctx {
	struct dnsf_config cfg;
	struct dnsf_detect_params p;
	struct dnsf_detect d;
};

static void
ctx_init(struct ctx *c, int beacon_on)
{
	char err[128];

	dnsf_config_defaults(&c->cfg);
	c->cfg.detect.flow_entries = 16384;
	c->cfg.detect.domain_entries = 4096;
	c->cfg.detect.beacon.enabled = (uint8_t)beacon_on;
	dnsf_detect_params_init(&c->p, &c->cfg.detect, &c->cfg.model);
	assert_int_equal(dnsf_detect_init(&c->d, &c->p, err, sizeof(err)), 0);
}

/* One query and its answer 3 ms later; returns whether the query was blocked. */
static int
ask(struct ctx *c, const char *name, uint32_t client, uint64_t now, struct dnsf_detect_out *out)
{
	struct tmsg t;
	struct dnsf_detect_in in = {.now_us = now};

	tmsg_build(&t, name, DNSF_T_A, 0, 2, client);
	in.pkt = &t.p, in.dns = t.wire, in.dns_len = t.wire_len, in.h = t.h, in.split = t.split;
	dnsf_detect_packet(&c->d, &c->p, &in, out);
	const int blocked = out->tunnel;
	struct dnsf_detect_out ro;
	tmsg_build(&t, name, DNSF_T_A, 1, 2, client);
	in.pkt = &t.p, in.dns = t.wire, in.dns_len = t.wire_len, in.h = t.h, in.split = t.split;
	in.now_us = now + 3000;
	dnsf_detect_packet(&c->d, &c->p, &in, &ro);
	return blocked;
}

/* Uniform in [lo, hi). */
static double
unif(double lo, double hi)
{
	return lo + (hi - lo) * (double)trng(1u << 30) / (double)(1u << 30);
}

struct beacon {
	double period;   /* seconds */
	double jitter;   /* +- share of the period */
	unsigned id_len; /* hex digits of the id */
	unsigned every;  /* tasked every this many check-ins */
	unsigned data;   /* hex digits of a post label */
};

struct result {
	unsigned first;  /* 1-based number of the first blocked query, 0: never */
	unsigned leaked; /* subdomain bytes of the queries that passed before it */
	uint8_t reason;  /* of the first block */
};

/* A beacon session of nq queries for client `client` under `dom`. */
static struct result
beacon_session(struct ctx *c, const struct beacon *b, const char *dom, uint32_t client, unsigned nq,
               uint64_t t)
{
	char id[24], hx[128], name[300];
	struct dnsf_detect_out out;
	struct result r = {0, 0, 0};
	unsigned checks = 0, burst = 0, i = 0;

	trng_str(id, b->id_len, HEX);
	while (i < nq) {
		double gap;
		if (burst > 0) {
			burst--;
			if (burst % 3 == 0) {
				trng_str(hx, b->data, HEX);
				snprintf(name, sizeof(name), "post.%s.%s.%s", hx, id, dom);
			} else {
				trng_str(hx, 8, HEX);
				snprintf(name, sizeof(name), "api.%s.%s.%s", hx, id, dom);
			}
			gap = burst ? unif(0.05, 0.1)
			            : b->period * unif(1 - b->jitter, 1 + b->jitter);
		} else {
			snprintf(name, sizeof(name), "%s.%s", id, dom);
			if (++checks % b->every == 0) {
				burst = 4 + trng(9);
				gap = 0.2;
			} else {
				gap = b->period * unif(1 - b->jitter, 1 + b->jitter);
			}
		}
		i++;
		if (ask(c, name, client, t, &out)) {
			if (r.first == 0) {
				r.first = i;
				r.reason = out.reason;
			}
		} else if (r.first == 0) {
			r.leaked += (unsigned)(strlen(name) - strlen(dom) - 1);
		}
		t += (uint64_t)(gap * SEC);
	}
	return r;
}

/* The evaluator's shape and variants of it: every session cut, by the beacon part; within 1 KiB
 * when the first task comes after the sixth check-in (the run of regular gaps the rule needs),
 * within 1.25 KiB when earlier bursts pass before the timing is established (docs/detection.md);
 * with the rule switched off most pass. */
static void
test_beacon_cut(void **state)
{
	static const double periods[] = {20, 45, 60, 120, 300};
	static const unsigned ids[] = {6, 8, 12, 16};
	static const unsigned every[] = {3, 5, 10, 12};
	unsigned sessions = 0, cut = 0, by_beacon = 0, cut_off = 0, max_leak = 0, max_late = 0;
	(void)state;

	for (int on = 1; on >= 0; on--) {
		struct ctx c;
		uint32_t client = 1;
		ctx_init(&c, on);
		for (unsigned pi = 0; pi < 5; pi++)
			for (unsigned ii = 0; ii < 4; ii++)
				for (unsigned ei = 0; ei < 4; ei++, client++) {
					const struct beacon b = {periods[pi], 0.2, ids[ii],
					                         every[ei], 56};
					char dom[32];
					snprintf(dom, sizeof(dom), "c2-%u.example", client);
					struct result r = beacon_session(&c, &b, dom, client, 150,
					                                 T0 + client * 7 * SEC);
					if (!on) {
						cut_off += r.first != 0;
						continue;
					}
					sessions++;
					if (r.first == 0) {
						print_message(
						    "not cut: period %.0f id %u every %u\n",
						    b.period, b.id_len, b.every);
						continue;
					}
					cut++;
					by_beacon += r.reason == DNSF_R_BEACON;
					if (r.leaked > max_leak)
						max_leak = r.leaked;
					if (b.every >= 6 && r.leaked > max_late)
						max_late = r.leaked;
				}
		if (on)
			assert_true(c.d.beacon_hits >= by_beacon);
		dnsf_detect_fini(&c.d);
	}
	print_message("beacon sessions: %u, cut %u (%u by the beacon part), max leak %u B (%u B "
	              "when tasked every >= 6 check-ins); rule off: %u cut\n",
	              sessions, cut, by_beacon, max_leak, max_late, cut_off);
	assert_int_equal(cut, sessions);
	assert_true(by_beacon * 10 >= sessions * 9);
	assert_true(max_late <= 1024);
	assert_true(max_leak <= 1280);
	/* Without the rule most of these shapes pass (the reason this rule exists). */
	assert_true(cut_off * 4 <= sessions);
}

/* The same names with irregular (Poisson) timing: no beacon verdicts. */
static void
test_beacon_irregular_timing(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	char id[16], hx[80], name[200];
	(void)state;

	ctx_init(&c, 1);
	for (uint32_t client = 1; client <= 40; client++) {
		uint64_t t = T0 + client * SEC;
		trng_str(id, 8, HEX);
		for (unsigned k = 0; k < 60; k++) {
			snprintf(name, sizeof(name), "%s.irregular.example", id);
			ask(&c, name, client, t, &out);
			/* A burst of data names after every check-in. */
			for (unsigned j = 0; j < 6; j++) {
				trng_str(hx, j % 3 ? 8 : 40, HEX);
				snprintf(name, sizeof(name), "%s.%s.%s.irregular.example",
				         j % 3 ? "api" : "post", hx, id);
				ask(&c, name, client, t + (200 + 80 * j) * 1000ull, &out);
				assert_int_not_equal(out.reason, DNSF_R_BEACON);
			}
			/* Exponential gap, mean 60 s, at least 4 s. */
			t += (uint64_t)((4.0 - 56.0 * log(unif(1e-9, 1.0))) * SEC);
		}
	}
	assert_int_equal(c.d.beacon_hits, 0);
	dnsf_detect_fini(&c.d);
}

/* Periodic benign polls over six hours, with jitter: none is cut. */
static void
test_beacon_periodic_benign(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	char dev[40], name[400], cdn[8][40];
	(void)state;

	ctx_init(&c, 1);
	trng_str(dev, 16, HEX);
	for (unsigned k = 0; k < 8; k++) {
		char a[16];
		trng_str(a, 13, "abcdefghijklmnopqrstuvwxyz0123456789");
		snprintf(cdn[k], sizeof(cdn[k]), "d%s", a);
	}
	/* Each poller is one client; jitter of +-10 % around its period. */
	double next[8];
	const double period[8] = {64, 30, 28, 60, 30, 45, 20, 300};
	for (unsigned k = 0; k < 8; k++)
		next[k] = unif(0, period[k]);
	for (double now = 0; now < 6 * 3600;) {
		unsigned k = 0;
		for (unsigned j = 1; j < 8; j++)
			if (next[j] < next[k])
				k = j;
		now = next[k];
		const uint64_t t = T0 + (uint64_t)(now * SEC);
		switch (k) {
		case 0: /* NTP: one fixed name (A and AAAA in the same breath) */
			assert_false(ask(&c, "2.debian.pool.ntp.org", 100, t, &out));
			assert_false(ask(&c, "2.debian.pool.ntp.org", 100, t + 20000, &out));
			break;
		case 1: /* connectivity check */
			assert_false(ask(&c, "connectivitycheck.gstatic.com", 101, t, &out));
			break;
		case 2: /* push service: numbered courier hosts */
			assert_false(ask(&c, "api.push.apple.com", 102, t, &out));
			snprintf(name, sizeof(name), "%u-courier.push.apple.com", 1 + trng(50));
			assert_false(ask(&c, name, 102, t + 150000, &out));
			break;
		case 3: /* a page's CDN names re-resolved when their 60 s TTL runs out */
			for (unsigned j = 0; j < 8; j++) {
				snprintf(name, sizeof(name), "%s.cloudfront.net", cdn[j]);
				assert_false(ask(&c, name, 103, t + j * 60000, &out));
			}
			break;
		case 4: /* hex device-id heartbeat, and its fixed status names under the id */
			snprintf(name, sizeof(name), "%s.devices.example.com", dev);
			assert_false(ask(&c, name, 104, t, &out));
			snprintf(name, sizeof(name), "status.%s.devices.example.com", dev);
			assert_false(ask(&c, name, 104, t + 100000, &out));
			snprintf(name, sizeof(name), "cfg-a1b2c3.%s.devices.example.com", dev);
			assert_false(ask(&c, name, 104, t + 200000, &out));
			break;
		case 5: /* a hex device id alone (no data) */
			snprintf(name, sizeof(name), "%s.iot.example.net", dev);
			assert_false(ask(&c, name, 105, t, &out));
			break;
		case 6: /* an app's API name with its HTTPS/SVCB port prefix */
			assert_false(ask(&c, "api.weather.example", 106, t, &out));
			assert_false(
			    ask(&c, "_8443._https.api.weather.example", 106, t + 5000, &out));
			break;
		default: /* mail client every 5 minutes: autodiscover and its server */
			assert_false(ask(&c, "outlook.office365.com", 107, t, &out));
			assert_false(ask(&c, "autodiscover.office365.com", 107, t + 30000, &out));
			break;
		}
		next[k] += period[k] * unif(0.9, 1.1);
	}
	assert_int_equal(c.d.rules_hits, 0);
	assert_int_equal(c.d.beacon_hits, 0);
	dnsf_detect_fini(&c.d);
}

/* The heartbeat itself: a jittered poll is regular and its period is estimated; an irregular
 * one is not; the state fits in the 64-byte flow entry. */
static void
test_heartbeat_state(void **state)
{
	struct ctx c;
	struct dnsf_detect_out out;
	uint64_t t = T0;
	(void)state;

	assert_int_equal(sizeof(struct dnsf_flow), 64);
	ctx_init(&c, 1);
	for (unsigned k = 0; k < 20; k++) {
		ask(&c, "a1b2c3d4.poll.example", 1, t, &out);
		t += (uint64_t)(unif(40.5, 49.5) * SEC); /* 45 s +- 10 % */
	}
	assert_int_equal(out.feat.v[DNSF_F_FLOW_REGULAR_GAPS], DNSF_HB_REG_MAX);
	assert_in_range(out.feat.v[DNSF_F_FLOW_PERIOD_MS], 40000, 50000);
	t = T0;
	for (unsigned k = 0; k < 40; k++) {
		ask(&c, "a1b2c3d4.poll.example", 2, t, &out);
		assert_true(out.feat.v[DNSF_F_FLOW_REGULAR_GAPS] < 4);
		t += (uint64_t)(k % 2 ? 10 * SEC : 70 * SEC); /* alternating: not a period */
	}
	/* Faster than a heartbeat: polls every 2 s never count. */
	t = T0;
	for (unsigned k = 0; k < 40; k++, t += 2 * SEC)
		ask(&c, "a1b2c3d4.poll.example", 3, t, &out);
	assert_int_equal(out.feat.v[DNSF_F_FLOW_REGULAR_GAPS], 0);
	dnsf_detect_fini(&c.d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_beacon_cut),
	    cmocka_unit_test(test_beacon_irregular_timing),
	    cmocka_unit_test(test_beacon_periodic_benign),
	    cmocka_unit_test(test_heartbeat_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
