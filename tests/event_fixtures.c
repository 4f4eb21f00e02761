/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dnsf_config.h"
#include "event_fixtures.h"

__attribute__((weak)) const char *
dnsf_feat_name(unsigned id)
{
	switch (id) {
	case 0:
		return "qname_len";
	case 1:
		return "entropy_fp";
	default:
		return "?";
	}
}

__attribute__((weak)) const char *
dnsf_action_name(enum dnsf_action a)
{
	static const char *const n[DNSF_ACT__COUNT] = {"pass", "drop", "refuse", "log"};

	return (unsigned)a < DNSF_ACT__COUNT ? n[a] : "?";
}

static const uint8_t v4_client[4] = {192, 0, 2, 10};
static const uint8_t v4_server[4] = {198, 51, 100, 53};
static const uint8_t v6_client[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                      0,    0,    0,    0,    0, 0, 0, 0x0a};
static const uint8_t v6_server[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                      0,    0,    0,    0,    0, 0, 0, 0x53};

void
ev_fixture_v4(struct dnsf_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_us = UINT64_C(1795714310123456);
	ev->worker = 3;
	ev->ip_version = 4;
	ev->action = DNSF_ACT_DROP;
	ev->would = DNSF_ACT_DROP;
	ev->reason = DNSF_R_RULES;
	ev->is_query = 1;
	ev->l4_proto = 17;
	memcpy(ev->client, v4_client, 4);
	memcpy(ev->server, v4_server, 4);
	ev->client_port = 40001;
	ev->server_port = 53;
	ev->qtype = 16;
	ev->score = 123;
	ev->model_score = -1;
	strcpy(ev->regdomain, "example.com");
	strcpy(ev->qname, "aab3x9.t.example.com");
	ev->n_feat = 3;
	ev->feat[0].id = 0;
	ev->feat[0].value = 20;
	ev->feat[1].id = 1;
	ev->feat[1].value = -7;
	ev->feat[2].id = 200;
	ev->feat[2].value = 5;
}

void
ev_fixture_v6(struct dnsf_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_us = 1;
	ev->worker = 65535;
	ev->ip_version = 6;
	ev->action = DNSF_ACT_PASS;
	ev->would = DNSF_ACT_REFUSE;
	ev->reason = DNSF_R_VERDICT_CACHE;
	ev->is_query = 0;
	ev->l4_proto = 6;
	memcpy(ev->client, v6_client, 16);
	memcpy(ev->server, v6_server, 16);
	ev->client_port = 5353;
	ev->server_port = 53;
	ev->qtype = 65399;
	ev->score = -1;
	ev->model_score = 1000;
}

void
ev_fixture_hostile(struct dnsf_event *ev)
{
	static const char name[] = "a\"b\\c\x01\x1f\x7f\xff\n\t.\xc3\xa9";
	unsigned i;

	ev_fixture_v4(ev);
	memcpy(ev->qname, name, sizeof(name));
	/* No terminator in the whole array: the formatter must stop at its end. */
	memset(ev->regdomain, 'x', sizeof(ev->regdomain));
	ev->regdomain[0] = '\r';
	ev->action = 200;
	ev->would = DNSF_ACT__COUNT;
	ev->reason = 99;
	ev->ip_version = 0;
	ev->l4_proto = 132;
	ev->n_feat = 40;
	for (i = 0; i < DNSF_EVENT_MAX_FEAT; i++) {
		ev->feat[i].id = (uint8_t)i;
		ev->feat[i].value = (int32_t)i;
	}
	ev->score = INT32_MIN;
	ev->model_score = INT32_MAX;
}
