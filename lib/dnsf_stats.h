/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_stats — per-worker counters.
 *
 * Ownership: a struct dnsf_worker_stats is written only by the worker lcore that owns it (plain
 * relaxed stores, no read-modify-write atomics on the fast path) and read by the control core
 * and the telemetry thread with relaxed atomic loads (dnsf_stats_snapshot). Five of them
 * (flow_inserts, flow_evictions, domain_inserts, domain_evictions, flow_no_state) the detector's
 * tables keep themselves: they stay 0 in the struct and dnsf_worker_stats_read() (dnsf_engine.h)
 * fills them in from the tables, so the worker does not copy them per message. The X-macro list is
 * the single source of counter names: telemetry keys, Prometheus names and docs/telemetry.md all
 * follow it. Names are snake_case: DPDK telemetry silently drops keys with spaces.
 */
#ifndef DNSF_STATS_H
#define DNSF_STATS_H

#include <stdint.h>

#define DNSF_WORKER_COUNTERS(X)                                                                    \
	X(rx_packets, "packets received from RX queues")                                           \
	X(tx_packets, "packets handed to TX queues and accepted")                                  \
	X(dropped_packets, "packets not forwarded because of a verdict (drop or refuse)")          \
	X(would_drop, "monitor mode / log action: packets a blocking verdict would have dropped")  \
	X(dns_queries, "DNS queries parsed")                                                       \
	X(dns_responses, "DNS responses parsed")                                                   \
	X(dns_tcp, "DNS messages carried over TCP")                                                \
	X(tcp_partial, "TCP segments on DNS ports not holding one whole message (passed)")         \
	X(malformed, "packets on DNS ports that failed to parse")                                  \
	X(malformed_dropped, "malformed packets dropped by policy")                                \
	X(fragments,                                                                               \
	  "non-first IP fragments (ports unseen) and first fragments too short for DNS")           \
	X(fragments_dropped, "fragments dropped by policy")                                        \
	X(non_dns, "packets passed untouched because they are not DNS")                            \
	X(allowlisted, "DNS messages passed because their name is on the allow list")              \
	X(denylisted, "DNS messages whose name is on the deny list")                               \
	X(tunnel_detected, "DNS messages judged tunnel traffic by rules or model")                 \
	X(verdict_cache_hits, "DNS messages of flows already judged tunnel (hold time)")           \
	X(water_torture,                                                                           \
	  "queries of water-torture sources (pseudo-random subdomains, detection.water_torture)")  \
	X(beacon, "DNS messages judged tunnel by the beacon part of the rules (detection.beacon)") \
	X(refused_sent, "REFUSED/NXDOMAIN answers synthesized for blocked queries")                \
	X(events, "detection events handed to the control core")                                   \
	X(events_suppressed, "events not emitted because of the per-flow rate limit")              \
	X(events_lost, "events dropped because the event ring was full")                           \
	X(tx_full_dropped, "packets dropped because the TX queue did not accept them")             \
	X(flow_inserts, "flow table entries created")                                              \
	X(flow_evictions, "flow table entries evicted (least recently seen in a full bucket)")     \
	X(domain_inserts, "domain table entries created")                                          \
	X(domain_evictions, "domain table entries evicted")                                        \
	X(flow_no_state, "DNS messages scored without flow state (bucket full of held verdicts)")  \
	X(randomized, "queries whose QNAME letter case was randomized (0x20)")                     \
	X(restored, "answers whose QNAME letter case was restored to the client's")                \
	X(restore_failed, "answers passed unrestored: the resolver did not echo the case")         \
	X(case_exempted, "queries and answers not randomized: name on the case exception list")    \
	X(edns_clamped, "queries whose EDNS0 UDP size was lowered to hardening.edns_max")          \
	X(edns_oversize, "UDP answers larger than hardening.edns_max (truncated or dropped)")      \
	X(edns_truncated, "oversize UDP answers cut after the question with TC set")               \
	X(rare_type_refused, "queries refused by the QTYPE policy (hardening.types)")              \
	X(rare_type_dropped, "queries dropped by the QTYPE policy (hardening.types)")              \
	X(rare_type_counted, "queries of a QTYPE with the policy 'count' (passed)")

struct dnsf_worker_stats {
#define DNSF_X_FIELD(name, help) uint64_t name;
	DNSF_WORKER_COUNTERS(DNSF_X_FIELD)
#undef DNSF_X_FIELD
};

/* Writer side: the owning worker only. */
#define DNSF_STAT_ADD(st, field, n)                                                                \
	__atomic_store_n(&(st)->field, (st)->field + (n), __ATOMIC_RELAXED)
#define DNSF_STAT_INC(st, field) DNSF_STAT_ADD(st, field, 1)

/* Reader side: any thread. */
static inline void
dnsf_stats_snapshot(const struct dnsf_worker_stats *src, struct dnsf_worker_stats *dst)
{
#define DNSF_X_LOAD(name, help) dst->name = __atomic_load_n(&src->name, __ATOMIC_RELAXED);
	DNSF_WORKER_COUNTERS(DNSF_X_LOAD)
#undef DNSF_X_LOAD
}

static inline void
dnsf_stats_accumulate(struct dnsf_worker_stats *sum, const struct dnsf_worker_stats *add)
{
#define DNSF_X_SUM(name, help) sum->name += add->name;
	DNSF_WORKER_COUNTERS(DNSF_X_SUM)
#undef DNSF_X_SUM
}

#endif
