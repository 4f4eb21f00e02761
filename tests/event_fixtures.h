/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * event_fixtures — test-only events shared by test_event and the event_json generator of the
 * JSON check, plus test-local (weak) dnsf_feat_name / dnsf_action_name so the event formatter can
 * be tested before, and independently of, the feature and config modules: a weak definition
 * keeps the linker from pulling the real ones out of the static library.
 */
#ifndef EVENT_FIXTURES_H
#define EVENT_FIXTURES_H

#include "dnsf_event.h"

/* 2026-11-26T17:31:50.123456Z, IPv4/UDP query, drop by rules, three features. */
void ev_fixture_v4(struct dnsf_event *ev);
/* IPv6/TCP answer, private-use qtype, root name, no features, monitor mode (pass / refuse). */
void ev_fixture_v6(struct dnsf_event *ev);
/* Quotes, backslashes, control and high bytes in the names, no NUL terminators, out-of-range
 * enums, n_feat beyond the array. */
void ev_fixture_hostile(struct dnsf_event *ev);

#endif
