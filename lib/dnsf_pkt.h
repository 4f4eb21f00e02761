/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_pkt — classify one Ethernet frame: non-DNS, DNS (parsed), malformed DNS, or a non-first
 * IP fragment.
 *
 * Contract: dnsf_pkt_parse() reads at most `len` bytes of `frame`, never writes, never
 * allocates, and always fills `out` (every field defined). Layers: Ethernet, up to two VLAN tags
 * (0x8100 / 0x88a8), IPv4 with options, IPv6 with at most DNSF_PKT_MAX_EXTHDR extension headers
 * (hop-by-hop, routing, destination options, fragment), UDP, and TCP segments that carry whole
 * DNS messages (2-byte length prefix). A packet is DNS when either port is one of cfg->dns_ports.
 * Anything the parser does not understand as DNS is DNSF_PKT_NON_DNS (passed untouched by the
 * dataplane); something that *claims* to be DNS but breaks the rules is DNSF_PKT_MALFORMED with
 * a reason. The first fragment of a fragmented datagram is parsed if it holds the DNS header.
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
	DNSF_PKT_FRAGMENT, /* a non-first IP fragment (or a first one too short for the DNS header) */
};

enum dnsf_pkt_malformed {
	DNSF_PKT_M_NONE = 0,
	DNSF_PKT_M_L3,   /* IP header truncated / bad IHL / bad total length on a DNS port */
	DNSF_PKT_M_L4,   /* UDP/TCP header truncated or UDP length inconsistent */
	DNSF_PKT_M_DNS,  /* dns_status says why */
	DNSF_PKT_M_TCP_PARTIAL, /* TCP segment does not hold one whole length-prefixed message */
	DNSF_PKT_M__COUNT
};

struct dnsf_pkt {
	uint8_t cls;       /* enum dnsf_pkt_class */
	uint8_t malformed; /* enum dnsf_pkt_malformed */
	uint8_t dns_status; /* enum dnsf_dns_status when malformed == DNSF_PKT_M_DNS */
	uint8_t ip_version; /* 4, 6, or 0 when not IP */
	uint8_t l4_proto;   /* 17 UDP, 6 TCP, other, 0 */
	uint8_t n_vlan;
	uint8_t is_query;   /* DNS: QR == 0 */
	uint8_t is_frag;    /* first fragment of a fragmented datagram */
	uint16_t l3_off, l4_off; /* offsets in the frame */
	uint16_t dns_off;        /* DNS message offset (after the TCP length prefix) */
	uint16_t dns_len;        /* DNS message length as carried */
	/* Addresses in network byte order; IPv4 uses the first 4 bytes, the rest are zero. */
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* host order */
	/* The client is the side whose port is not a DNS port (for queries: src). client_is_src
	 * says which of src/dst it is. When both ports are DNS ports (resolver-to-resolver), the
	 * query sender is the client. */
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
