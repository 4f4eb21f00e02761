/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_pkt — classify one Ethernet frame: non-DNS, DNS (parsed), malformed DNS, or a non-first
 * IP fragment.
 *
 * Contract: dnsf_pkt_parse() reads at most `len` bytes of `frame` (never more than 65535),
 * never writes, never allocates, and always fills `out` (every field defined; `dns` is the empty
 * message of dnsf_dns_msg_init() unless a DNS message was parsed). Layers: Ethernet, up to two
 * VLAN tags (0x8100 / 0x88a8; a third tag is not ours: NON_DNS), IPv4 with options, IPv6 with at
 * most DNSF_PKT_MAX_EXTHDR extension headers (hop-by-hop, routing, destination options,
 * fragment, AH), UDP, and TCP segments that carry whole DNS messages (2-byte length prefix).
 *
 * What is DNS, and what is malformed (one rule: we only claim packets that are DNS):
 *  - A packet is DNS when either port is one of cfg->dns_ports (TCP only when cfg->tcp).
 *  - When the ports cannot be read — not IP, IP version nibble wrong, IPv4 IHL < 5, IP header,
 *    extension header or the first 4 bytes of UDP/TCP cut off by the end of the frame/datagram,
 *    another L4 protocol — the packet is DNSF_PKT_NON_DNS and passes untouched.
 *  - When the ports say DNS but the rest is broken it is DNSF_PKT_MALFORMED: M_L3 (IP total /
 *    payload length shorter than the header or longer than the frame), M_L4 (UDP/TCP header cut
 *    off, bad TCP data offset, UDP length != IP payload length), M_TCP_PARTIAL (the segment
 *    payload is not a sequence of whole length-prefixed messages), M_DNS (dns_status says why).
 *  - An IPv6 chain longer than DNSF_PKT_MAX_EXTHDR is MALFORMED/M_L3 whatever it carries: it
 *    cannot be proven non-DNS, and a tunnel must not slip past by stacking headers.
 *  - An empty TCP segment (SYN, ACK, FIN) on a DNS port is connection control: NON_DNS.
 *  - IPv4 (fragment offset > 0) and IPv6 fragment headers with offset > 0 are DNSF_PKT_FRAGMENT
 *    (no L4 parse, ports 0). A first fragment (MF=1, offset 0) is parsed like a whole datagram
 *    with is_frag = 1, except that the UDP length may exceed what is present and the DNS message
 *    is parsed with dnsf_dns_parse_head(); if its 12-byte DNS header is not present it is
 *    DNSF_PKT_FRAGMENT. An atomic fragment (offset 0, MF=0) is a whole datagram (is_frag 0).
 * Frame bytes past the IPv4 total length / IPv6 payload length (Ethernet padding) are ignored.
 * Checksums are not verified (NICs and end hosts do that).
 */
#ifndef DNSF_PKT_H
#define DNSF_PKT_H

#include <stdint.h>
#include <stddef.h>

#include "dnsf_dns.h"

#define DNSF_PKT_MAX_DNS_PORTS 8
#define DNSF_PKT_MAX_EXTHDR    8

struct dnsf_pkt_cfg {
	uint16_t dns_ports[DNSF_PKT_MAX_DNS_PORTS]; /* host order */
	uint8_t n_dns_ports;
	uint8_t tcp; /* parse DNS over TCP on the same ports */
};

enum dnsf_pkt_class {
	DNSF_PKT_NON_DNS = 0,
	DNSF_PKT_DNS,
	DNSF_PKT_MALFORMED,
	DNSF_PKT_FRAGMENT, /* a non-first IP fragment (or a first one too short for the DNS header)
	                    */
};

enum dnsf_pkt_malformed {
	DNSF_PKT_M_NONE = 0,
	DNSF_PKT_M_L3,  /* bad IP total/payload length on a DNS port, or IPv6 chain too long */
	DNSF_PKT_M_L4,  /* UDP/TCP header truncated, bad TCP data offset, UDP length mismatch */
	DNSF_PKT_M_DNS, /* dns_status says why */
	DNSF_PKT_M_TCP_PARTIAL, /* TCP segment does not hold one whole length-prefixed message */
	DNSF_PKT_M__COUNT
};

struct dnsf_pkt {
	uint8_t cls;        /* enum dnsf_pkt_class */
	uint8_t malformed;  /* enum dnsf_pkt_malformed */
	uint8_t dns_status; /* enum dnsf_dns_status when malformed == DNSF_PKT_M_DNS */
	uint8_t ip_version; /* 4, 6, or 0 when not IP */
	uint8_t l4_proto;   /* 17 UDP, 6 TCP, other, 0 */
	uint8_t n_vlan;
	/* QR == 0 when at least 3 bytes of the DNS message are present; otherwise (MALFORMED
	 * before the DNS message could be located) 1 when only the destination port is a DNS port.
	 */
	uint8_t is_query;
	uint8_t is_frag;         /* first fragment of a fragmented datagram */
	uint16_t l3_off, l4_off; /* offsets in the frame (l4_off 0 when L4 was not reached) */
	uint16_t dns_off;        /* DNS message offset (after the TCP length prefix), 0 if none */
	/* DNS message bytes present at dns_off: the UDP payload, the first TCP message's length
	 * (from its prefix), or for a first fragment only what this fragment holds. */
	uint16_t dns_len;
	/* TCP: whole length-prefixed messages in the segment (the first is parsed into dns; each
	 * further one is only checked to be >= 12 bytes), saturating at 255. 1 for UDP DNS. */
	uint8_t tcp_nmsg;
	/* Addresses in network byte order; IPv4 uses the first 4 bytes, the rest are zero. */
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* host order */
	/* The client is the side whose port is not a DNS port (for queries: src). client_is_src
	 * says which of src/dst it is. When both ports are DNS ports (resolver-to-resolver), the
	 * query sender is the client (is_query above). 0 for NON_DNS and non-first fragments. */
	uint8_t client_is_src;
	struct dnsf_dns_msg dns; /* valid when cls == DNSF_PKT_DNS */
};

/* Default config: port 53, TCP on. */
void dnsf_pkt_cfg_default(struct dnsf_pkt_cfg *cfg);

enum dnsf_pkt_class dnsf_pkt_parse(const uint8_t *frame, size_t len, const struct dnsf_pkt_cfg *cfg,
                                   struct dnsf_pkt *out);

const char *dnsf_pkt_class_name(enum dnsf_pkt_class c);
const char *dnsf_pkt_malformed_name(enum dnsf_pkt_malformed m);

/* The client's address/port of a parsed packet (16 bytes, v4 zero-padded). */
static inline const uint8_t *
dnsf_pkt_client_addr(const struct dnsf_pkt *p)
{
	return p->client_is_src ? p->src : p->dst;
}

#endif
