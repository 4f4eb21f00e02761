/* SPDX-License-Identifier: BSD-3-Clause */
/* The REFUSED/NXDOMAIN answer builder; the contract and the field-by-field choices are in
 * dnsf_refuse.h. */
#include <string.h>

#include "dnsf_csum.h"
#include "dnsf_refuse.h"

#define ETH_HDR_LEN   14
#define VLAN_TAG_LEN  4
#define IPV4_HDR_LEN  20
#define IPV6_HDR_LEN  40
#define UDP_HDR_LEN   8
#define IPPROTO_UDP_N 17

/* DNS header flag bits (RFC 1035 4.1.1, RFC 4035 for AD/CD). */
#define DNS_F_QR     0x8000u
#define DNS_F_OPCODE 0x7800u
#define DNS_F_RD     0x0100u
#define DNS_F_RA     0x0080u
#define DNS_F_CD     0x0010u

static inline uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
swap_bytes(uint8_t *a, uint8_t *b, unsigned n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Length of the first question (name + QTYPE + QCLASS) of a message, or 0 when it is not a plain
 * uncompressed question inside the message. Walked here rather than trusted from the parser:
 * these are the exact bytes we send back. */
static uint32_t
question_len(const uint8_t *msg, uint32_t len)
{
	uint32_t off = DNSF_DNS_HDR_LEN;

	for (;;) {
		uint8_t l;

		if (off >= len)
			return 0;
		l = msg[off];
		if (l & 0xc0) /* a pointer (nothing to point at yet) or a reserved label type */
			return 0;
		off += 1u + l;
		if (off - DNSF_DNS_HDR_LEN > DNSF_DNS_MAX_NAME)
			return 0;
		if (l == 0)
			break;
	}
	if (off + 4 > len)
		return 0;
	return off + 4 - DNSF_DNS_HDR_LEN;
}

/* Does the parse result describe this frame, as a UDP DNS query we can answer? Reads only. */
static int
answerable(const uint8_t *frame, uint32_t len, const struct dnsf_pkt *p)
{
	const uint8_t *l3;
	uint32_t l3_off = p->l3_off, l4_off = p->l4_off, dns_off = p->dns_off;
	uint16_t ethertype;

	if (p->cls != DNSF_PKT_DNS || p->l4_proto != IPPROTO_UDP_N || !p->is_query || p->is_frag ||
	    p->dns.qr || p->dns.qdcount != 1 || p->n_vlan > 2)
		return 0;
	if (l3_off != ETH_HDR_LEN + VLAN_TAG_LEN * (uint32_t)p->n_vlan || l4_off <= l3_off ||
	    dns_off != l4_off + UDP_HDR_LEN || p->dns_len < DNSF_DNS_HDR_LEN ||
	    (uint32_t)dns_off + p->dns_len > len)
		return 0;
	ethertype = rd16(frame + l3_off - 2);
	l3 = frame + l3_off;
	if (p->ip_version == 4) {
		if (ethertype != 0x0800 || (l3[0] >> 4) != 4 ||
		    (uint32_t)(l3[0] & 0x0f) * 4 != l4_off - l3_off ||
		    l4_off - l3_off < IPV4_HDR_LEN || l3[9] != IPPROTO_UDP_N)
			return 0;
		/* MF set or a fragment offset: not a whole datagram. */
		if (rd16(l3 + 6) & 0x3fff)
			return 0;
	} else if (p->ip_version == 6) {
		if (ethertype != 0x86dd || (l3[0] >> 4) != 6 || l4_off - l3_off < IPV6_HDR_LEN)
			return 0;
	} else {
		return 0;
	}
	/* The DNS header in the frame must be a query with one question, whatever p says. */
	if ((frame[dns_off + 2] & 0x80) || rd16(frame + dns_off + 4) != 1)
		return 0;
	return 1;
}

int
dnsf_refuse_build(uint8_t *frame, uint32_t len, uint32_t room, const struct dnsf_pkt *p,
                  uint8_t rcode, uint32_t *out_len)
{
	uint32_t qlen, new_dns_len, iphl, new_l4, new_dns, udp_len;
	uint64_t sum;
	uint16_t sport, dport, qflags, flags;
	uint8_t *l3, *udp, *dns;
	int v4, opt;

	if (frame == NULL || p == NULL || out_len == NULL || room < len || rcode > 15)
		return -1;
	if (!answerable(frame, len, p))
		return -1;
	qlen = question_len(frame + p->dns_off, p->dns_len);
	if (qlen == 0)
		return -1;
	opt = p->dns.has_opt != 0;
	new_dns_len = DNSF_DNS_HDR_LEN + qlen + (opt ? DNSF_REFUSE_OPT_LEN : 0);
	/* Only a parse result inconsistent with the frame gets here (an OPT it saw is >= 11 bytes
	 * after the question); refuse to grow rather than trust it. */
	if (new_dns_len > p->dns_len)
		return -1;

	/* Everything checked; from here on we write. Read what moves or is overwritten first. */
	v4 = p->ip_version == 4;
	iphl = v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	sport = rd16(frame + p->l4_off);
	dport = rd16(frame + p->l4_off + 2);
	qflags = rd16(frame + p->dns_off + 2);
	new_l4 = p->l3_off + iphl;
	new_dns = new_l4 + UDP_HDR_LEN;
	udp_len = UDP_HDR_LEN + new_dns_len;

	/* ID and question slide down over dropped options / extension headers (never up). */
	memmove(frame + new_dns, frame + p->dns_off, DNSF_DNS_HDR_LEN + qlen);

	dns = frame + new_dns;
	flags = (uint16_t)(DNS_F_QR | (qflags & (DNS_F_OPCODE | DNS_F_RD | DNS_F_CD)) | DNS_F_RA |
	                   rcode);
	wr16(dns + 2, flags);
	wr16(dns + 4, 1);
	wr16(dns + 6, 0);
	wr16(dns + 8, 0);
	wr16(dns + 10, opt ? 1 : 0);
	if (opt) {
		uint8_t *o = dns + DNSF_DNS_HDR_LEN + qlen;

		o[0] = 0; /* root owner */
		wr16(o + 1, DNSF_T_OPT);
		wr16(o + 3, DNSF_REFUSE_EDNS_UDP_SIZE);
		o[5] = 0; /* extended rcode */
		o[6] = 0; /* version */
		wr16(o + 7, p->dns.do_bit ? 0x8000 : 0);
		wr16(o + 9, 0); /* no options */
	}

	udp = frame + new_l4;
	wr16(udp, dport);
	wr16(udp + 2, sport);
	wr16(udp + 4, (uint16_t)udp_len);
	wr16(udp + 6, 0);

	l3 = frame + p->l3_off;
	if (v4) {
		l3[0] = 0x45;
		l3[1] &= 0xfc; /* keep DSCP, clear ECN */
		wr16(l3 + 2, (uint16_t)(IPV4_HDR_LEN + udp_len));
		/* ID kept; DF kept, MF and offset are already 0 (checked). */
		l3[6] &= 0x40;
		l3[7] = 0;
		l3[8] = DNSF_REFUSE_TTL;
		l3[9] = IPPROTO_UDP_N;
		swap_bytes(l3 + 12, l3 + 16, 4);
		wr16(l3 + 10, 0);
		wr16(l3 + 10, dnsf_csum_fold(dnsf_csum_add(0, l3, IPV4_HDR_LEN)));
		sum = dnsf_csum_add(0, l3 + 12, 8);
	} else {
		/* Version 6, traffic class with ECN cleared, flow label 0. */
		uint8_t tc = (uint8_t)(((l3[0] & 0x0f) << 4) | (l3[1] >> 4));

		tc &= 0xfc;
		l3[0] = (uint8_t)(0x60 | (tc >> 4));
		l3[1] = (uint8_t)(tc << 4);
		l3[2] = 0;
		l3[3] = 0;
		wr16(l3 + 4, (uint16_t)udp_len);
		l3[6] = IPPROTO_UDP_N;
		l3[7] = DNSF_REFUSE_TTL;
		swap_bytes(l3 + 8, l3 + 24, 16);
		sum = dnsf_csum_add(0, l3 + 8, 32);
	}
	/* Pseudo-header: addresses (summed above), protocol, UDP length. */
	sum += IPPROTO_UDP_N + udp_len;
	sum = dnsf_csum_add(sum, udp, udp_len);
	{
		uint16_t c = dnsf_csum_fold(sum);

		wr16(udp + 6, c == 0 ? 0xffff : c);
	}

	swap_bytes(frame, frame + 6, 6);
	*out_len = new_dns + new_dns_len;
	return 0;
}
