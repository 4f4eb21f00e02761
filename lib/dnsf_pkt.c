/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame classifier: Ethernet -> VLAN -> IPv4/IPv6 (+ext headers) -> UDP/TCP -> DNS, one pass,
 * bounds checked before every read; see dnsf_pkt.h for which outcome each defect gets.
 */
#include <stddef.h>
#include <string.h>

#include "dnsf_pkt.h"

#define ETH_HLEN       14
#define VLAN_HLEN      4
#define ETH_P_8021Q    0x8100
#define ETH_P_8021AD   0x88a8
#define ETH_P_IPV4     0x0800
#define ETH_P_IPV6     0x86dd
#define IP4_MIN_HLEN   20
#define IP6_HLEN       40
#define UDP_HLEN       8
#define TCP_MIN_HLEN   20
#define PROTO_HOPOPTS  0
#define PROTO_TCP      6
#define PROTO_UDP      17
#define PROTO_ROUTING  43
#define PROTO_FRAGMENT 44
#define PROTO_AH       51
#define PROTO_DSTOPTS  60
#define PKT_MAX        65535u

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

void
dnsf_pkt_cfg_default(struct dnsf_pkt_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dns_ports[0] = 53;
	cfg->n_dns_ports = 1;
	cfg->tcp = 1;
}

const char *
dnsf_pkt_class_name(enum dnsf_pkt_class c)
{
	switch (c) {
	case DNSF_PKT_NON_DNS:
		return "non_dns";
	case DNSF_PKT_DNS:
		return "dns";
	case DNSF_PKT_MALFORMED:
		return "malformed";
	case DNSF_PKT_FRAGMENT:
		return "fragment";
	}
	return "unknown";
}

const char *
dnsf_pkt_malformed_name(enum dnsf_pkt_malformed m)
{
	switch (m) {
	case DNSF_PKT_M_NONE:
		return "none";
	case DNSF_PKT_M_L3:
		return "l3";
	case DNSF_PKT_M_L4:
		return "l4";
	case DNSF_PKT_M_DNS:
		return "dns";
	case DNSF_PKT_M_TCP_PARTIAL:
		return "tcp_partial";
	case DNSF_PKT_M__COUNT:
		break;
	}
	return "unknown";
}

static inline int
is_dns_port(const struct dnsf_pkt_cfg *cfg, uint16_t port)
{
	unsigned i, n = cfg->n_dns_ports;

	if (n > DNSF_PKT_MAX_DNS_PORTS)
		n = DNSF_PKT_MAX_DNS_PORTS;
	for (i = 0; i < n; i++)
		if (cfg->dns_ports[i] == port)
			return 1;
	return 0;
}

/* Every exit that did not parse a DNS message leaves `dns` as the empty message. */
static inline enum dnsf_pkt_class
finish(struct dnsf_pkt *o, enum dnsf_pkt_class cls)
{
	o->cls = (uint8_t)cls;
	dnsf_dns_msg_init(&o->dns);
	return cls;
}

static inline enum dnsf_pkt_class
malformed(struct dnsf_pkt *o, enum dnsf_pkt_malformed why)
{
	o->malformed = (uint8_t)why;
	return finish(o, DNSF_PKT_MALFORMED);
}

enum dnsf_pkt_class
dnsf_pkt_parse(const uint8_t *f, size_t len, const struct dnsf_pkt_cfg *cfg, struct dnsf_pkt *o)
{
	size_t off, l4, ip_end, avail, dns_off, dns_len;
	unsigned et, proto, i;
	int l3_bad, sdns, ddns;

	/* Every field before the message zero (DNSF_PKT_M_NONE, DNSF_DNS_OK, no VLAN, ...): one
	 * block of wide stores instead of a store per field. cls is set on every exit. */
	_Static_assert(DNSF_PKT_M_NONE == 0 && DNSF_DNS_OK == 0, "zero is 'none' and 'ok'");
	memset(o, 0, offsetof(struct dnsf_pkt, dns));

	/* Offsets are 16-bit; no Ethernet frame is longer, and what lies past 64 KiB is no header.
	 */
	if (len > PKT_MAX)
		len = PKT_MAX;
	if (len < ETH_HLEN)
		return finish(o, DNSF_PKT_NON_DNS);
	et = rd16(f + 12);
	off = ETH_HLEN;
	/* Both tag types are >= 0x8100, IPv4 (0x0800) is not: one compare for the usual frame. */
	while (et >= ETH_P_8021Q && (et == ETH_P_8021Q || et == ETH_P_8021AD)) {
		if (o->n_vlan == 2 || len - off < VLAN_HLEN)
			return finish(o, DNSF_PKT_NON_DNS);
		et = rd16(f + off + 2);
		off += VLAN_HLEN;
		o->n_vlan++;
	}
	o->l3_off = (uint16_t)off;

	if (et == ETH_P_IPV4) {
		const uint8_t *ip = f + off;
		size_t ihl, tot;
		unsigned fo;

		if (len - off < IP4_MIN_HLEN)
			return finish(o, DNSF_PKT_NON_DNS);
		if (ip[0] == 0x45) { /* version 4 without options: the usual header */
			ihl = IP4_MIN_HLEN;
		} else {
			if ((ip[0] >> 4) != 4)
				return finish(o, DNSF_PKT_NON_DNS);
			ihl = (size_t)(ip[0] & 0xf) * 4;
			if (ihl < IP4_MIN_HLEN || ihl > len - off)
				return finish(o, DNSF_PKT_NON_DNS);
		}
		o->ip_version = 4;
		memcpy(o->src, ip + 12, 4);
		memcpy(o->dst, ip + 16, 4);
		proto = ip[9];
		o->l4_proto = (uint8_t)proto;
		tot = rd16(ip + 2);
		/* With a broken total length we still look for the ports in the frame, to decide
		 * whether this is a malformed DNS packet or someone else's broken packet. */
		l3_bad = tot < ihl || tot > len - off;
		ip_end = l3_bad ? len : off + tot;
		fo = rd16(ip + 6);
		if (fo & 0x1fff)
			return finish(o, DNSF_PKT_FRAGMENT);
		o->is_frag = (fo & 0x2000) != 0;
		l4 = off + ihl;
	} else if (et == ETH_P_IPV6) {
		const uint8_t *ip = f + off;
		size_t plen;

		if (len - off < IP6_HLEN || (ip[0] >> 4) != 6)
			return finish(o, DNSF_PKT_NON_DNS);
		o->ip_version = 6;
		memcpy(o->src, ip + 8, 16);
		memcpy(o->dst, ip + 24, 16);
		plen = rd16(ip + 4);
		l3_bad = plen > len - off - IP6_HLEN;
		ip_end = l3_bad ? len : off + IP6_HLEN + plen;
		proto = ip[6];
		l4 = off + IP6_HLEN;
		for (i = 0;; i++) {
			size_t hl;

			if (proto == PROTO_UDP || proto == PROTO_TCP)
				break;
			if (proto != PROTO_HOPOPTS && proto != PROTO_ROUTING &&
			    proto != PROTO_DSTOPTS && proto != PROTO_FRAGMENT &&
			    proto != PROTO_AH) {
				o->l4_proto = (uint8_t)proto;
				return finish(o, DNSF_PKT_NON_DNS);
			}
			if (i == DNSF_PKT_MAX_EXTHDR)
				return malformed(o, DNSF_PKT_M_L3);
			/* Every extension header is at least 8 bytes. */
			if (ip_end - l4 < 8)
				return finish(o, DNSF_PKT_NON_DNS);
			if (proto == PROTO_FRAGMENT) {
				unsigned fo = rd16(f + l4 + 2);
				if (fo >> 3) {
					o->l4_proto = f[l4];
					return finish(o, DNSF_PKT_FRAGMENT);
				}
				o->is_frag |= fo & 1;
				hl = 8;
			} else if (proto == PROTO_AH) {
				hl = ((size_t)f[l4 + 1] + 2) * 4;
			} else {
				hl = ((size_t)f[l4 + 1] + 1) * 8;
			}
			if (hl > ip_end - l4)
				return finish(o, DNSF_PKT_NON_DNS);
			proto = f[l4];
			l4 += hl;
		}
		o->l4_proto = (uint8_t)proto;
	} else {
		return finish(o, DNSF_PKT_NON_DNS);
	}

	if (proto != PROTO_UDP && proto != PROTO_TCP)
		return finish(o, DNSF_PKT_NON_DNS);
	if (ip_end - l4 < 4)
		return finish(o, DNSF_PKT_NON_DNS);
	o->l4_off = (uint16_t)l4;
	o->sport = rd16(f + l4);
	o->dport = rd16(f + l4 + 2);
	if (cfg->n_dns_ports == 1) { /* the usual list: port 53 alone */
		sdns = o->sport == cfg->dns_ports[0];
		ddns = o->dport == cfg->dns_ports[0];
	} else {
		sdns = is_dns_port(cfg, o->sport);
		ddns = is_dns_port(cfg, o->dport);
	}
	if (!(sdns | ddns) || (proto == PROTO_TCP && !cfg->tcp))
		return finish(o, DNSF_PKT_NON_DNS);

	/* From here on the ports say DNS: every defect is MALFORMED. Until the DNS header is
	 * reached, direction comes from the ports. */
	o->is_query = ddns && !sdns;
	o->client_is_src = o->is_query;
	if (l3_bad)
		return malformed(o, DNSF_PKT_M_L3);
	avail = ip_end - l4;

	if (proto == PROTO_UDP) {
		size_t ulen;

		if (avail < UDP_HLEN)
			return malformed(o, DNSF_PKT_M_L4);
		ulen = rd16(f + l4 + 4);
		/* A whole datagram (ulen == avail) goes on after one test; a first fragment holds
		 * only the start of the datagram the UDP length describes. */
		if (ulen != avail || ulen < UDP_HLEN) {
			if (ulen < UDP_HLEN || !o->is_frag || ulen < avail)
				return malformed(o, DNSF_PKT_M_L4);
		}
		dns_off = l4 + UDP_HLEN;
		dns_len = avail - UDP_HLEN;
		o->tcp_nmsg = 1;
	} else {
		size_t doff, q, mlen, r;
		unsigned n;

		if (avail < TCP_MIN_HLEN)
			return malformed(o, DNSF_PKT_M_L4);
		doff = (size_t)(f[l4 + 12] >> 4) * 4;
		if (doff < TCP_MIN_HLEN || doff > avail)
			return malformed(o, DNSF_PKT_M_L4);
		q = l4 + doff;
		if (q == ip_end) {
			/* SYN/ACK/FIN: connection control, not a message: passes untouched. */
			o->is_query = o->client_is_src = 0;
			return finish(o, DNSF_PKT_NON_DNS);
		}
		if (ip_end - q < 2)
			goto partial;
		mlen = rd16(f + q);
		dns_off = q + 2;
		if (mlen > ip_end - dns_off) {
			if (!o->is_frag)
				goto partial;
			dns_len = ip_end - dns_off;
			n = 1;
		} else {
			dns_len = mlen;
			/* Pipelined messages: each must be whole and at least a DNS header long, so
			 * the walk is bounded by the segment size / 14. */
			for (r = dns_off + mlen, n = 1; r < ip_end; n++) {
				if (ip_end - r < 2)
					goto partial;
				mlen = rd16(f + r);
				if (mlen > ip_end - r - 2)
					goto partial;
				if (mlen < DNSF_DNS_HDR_LEN) {
					o->dns_status = DNSF_DNS_E_SHORT;
					return malformed(o, DNSF_PKT_M_DNS);
				}
				r += 2 + mlen;
			}
		}
		o->tcp_nmsg = (uint8_t)(n > 255 ? 255 : n);
	}

	o->dns_off = (uint16_t)dns_off;
	o->dns_len = (uint16_t)dns_len;
	if (dns_len >= 3) {
		o->is_query = !(f[dns_off + 2] & 0x80);
		/* Both ports DNS (resolver to resolver): the query sender is the client. */
		o->client_is_src = ddns && sdns ? o->is_query : ddns;
	}
	if (o->is_frag && dns_len < DNSF_DNS_HDR_LEN)
		return finish(o, DNSF_PKT_FRAGMENT);

	enum dnsf_dns_status st = o->is_frag ? dnsf_dns_parse_head(f + dns_off, dns_len, &o->dns)
	                                     : dnsf_dns_parse(f + dns_off, dns_len, &o->dns);
	o->dns_status = (uint8_t)st;
	if (st != DNSF_DNS_OK) {
		o->malformed = DNSF_PKT_M_DNS;
		o->cls = DNSF_PKT_MALFORMED;
		return DNSF_PKT_MALFORMED;
	}
	o->cls = DNSF_PKT_DNS;
	return DNSF_PKT_DNS;

partial:
	return malformed(o, DNSF_PKT_M_TCP_PARTIAL);
}
