/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_refuse — turn a blocked DNS query frame, in place, into the answer sent back to its client.
 *
 * Contract: dnsf_refuse_build() takes a UDP DNS query frame (Ethernet, 0-2 VLAN tags, IPv4 with
 * or without options, IPv6 with or without extension headers) and the dnsf_pkt_parse() result of
 * that same frame, and rewrites the frame into a complete response carrying `rcode` (REFUSED or
 * NXDOMAIN in practice). It never allocates, never grows the frame (the answer is never longer
 * than the query) and writes nothing before it has decided it can answer: on -1 the frame is
 * byte-for-byte untouched and the caller drops the query instead.
 *
 * The answer, field by field (and why):
 *  - Ethernet: MACs swapped, VLAN tags kept, so it leaves on the client's segment and VLAN.
 *  - IP: addresses swapped, TTL / hop limit 64, ECN cleared (we did not negotiate it), DSCP kept.
 *    IPv4 options and IPv6 extension headers are dropped, the answer is a plain 20-byte IPv4
 *    header (DF kept, ID kept) or a 40-byte IPv6 header (flow label 0): options such as source
 *    routes, router alert or a routing header belong to the query's path, and echoing them back
 *    unreversed would be wrong, while rebuilding the plain header is always correct.
 *    IPv4 total length and header checksum (full recompute), IPv6 payload length are set.
 *  - UDP: ports swapped, length set, checksum computed over the pseudo-header for both IPv4 and
 *    IPv6 (0 is sent as 0xffff).
 *  - DNS header: same ID, QR=1, opcode kept, AA=0, TC=0, RD and CD copied (CD: RFC 4035 3.2.2),
 *    AD=0, Z=0, RCODE = rcode, QDCOUNT=1, ANCOUNT=NSCOUNT=0, ARCOUNT=1 iff an OPT is added.
 *    RA=1: to the client the answer comes from its recursive resolver, which does offer
 *    recursion; with RA=0 tools and some stubs report "recursion not available" and treat the
 *    server as misconfigured (retrying elsewhere), and failing the look-up at once is the point.
 *  - Question: the original bytes, in place (original letter case, so 0x20-randomising clients
 *    accept it). Anything after the first question is cut.
 *  - EDNS0: if the query carried an OPT record, the answer carries a minimal one (RFC 6891 6.1.1):
 *    root owner, type 41, UDP payload size DNSF_REFUSE_EDNS_UDP_SIZE, extended rcode 0, version
 *    0, DO copied (RFC 3225 3), no options. It always fits: the query's OPT was at least as long.
 *    A query with EDNS version > 0 still gets this version-0 OPT with `rcode`, not BADVERS: it is
 *    being refused either way and BADVERS would invite a retry.
 *
 * Returns -1 (frame untouched, the engine falls back to dropping) when the frame is not something
 * we can answer statelessly: not a parsed DNS query, DNS over TCP (an answer needs the
 * connection's sequence numbers), an IP fragment (the datagram is not whole), QDCOUNT != 1, a
 * compression pointer or reserved label type in the question, a parse result that does not match
 * the frame's bytes, rcode > 15 (extended rcodes need an OPT), or room < len.
 */
#ifndef DNSF_REFUSE_H
#define DNSF_REFUSE_H

#include <stdint.h>

#include "dnsf_pkt.h"

/* UDP payload size we advertise in our OPT: the DNS flag day 2020 value, safe against
 * fragmentation on any path. */
#define DNSF_REFUSE_EDNS_UDP_SIZE 1232
/* IPv4 TTL / IPv6 hop limit of the answer. */
#define DNSF_REFUSE_TTL 64
/* Bytes our OPT record takes: owner(1) type(2) class(2) ttl(4) rdlen(2). */
#define DNSF_REFUSE_OPT_LEN 11

/*
 * frame/len: the query as received; room: writable bytes at frame (>= len; the answer never needs
 * more than len). p: dnsf_pkt_parse() of exactly this frame. rcode: 0..15, e.g.
 * DNSF_RCODE_REFUSED or DNSF_RCODE_NXDOMAIN. On success returns 0 and sets *out_len to the
 * answer's frame length (<= len); on -1 neither frame nor *out_len is written.
 */
int dnsf_refuse_build(uint8_t *frame, uint32_t len, uint32_t room, const struct dnsf_pkt *p,
                      uint8_t rcode, uint32_t *out_len);

#endif
