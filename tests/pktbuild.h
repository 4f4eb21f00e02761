/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktbuild.h — test helper (header only): build DNS messages from names, and wrap any payload in
 * Ethernet / up to three VLAN tags / IPv4 (with options) or IPv6 (with extension headers) / UDP or
 * TCP, with correct lengths and checksums, optionally as an IP fragment.
 *
 * Contract: builders never write past the buffer they were given; when room runs out they set
 * ->err (DNS builder) or return 0 (frame builder). Malformed inputs for tests are made by building
 * a valid message/frame and then patching bytes at the offsets the builders report.
 */
#ifndef DNSF_TEST_PKTBUILD_H
#define DNSF_TEST_PKTBUILD_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "dnsf_csum.h"

/* ---------------------------------------------------------------- DNS messages */

/* A base32 label of n characters (tunnel-payload-like) from a small deterministic generator;
 * out has room for n + 1 bytes. */
static inline void
pb_b32(char *out, unsigned n, uint32_t *seed)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz234567";

	for (unsigned i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		out[i] = a[(*seed >> 16) & 31];
	}
	out[n] = '\0';
}

enum { PB_AN = 0, PB_NS = 1, PB_AR = 2 };

#define PB_QR 0x8000u /* header flag bits for pb_dns_init() */
#define PB_AA 0x0400u
#define PB_TC 0x0200u
#define PB_RD 0x0100u
#define PB_RA 0x0080u

struct pb_dns {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
	uint16_t count[4]; /* qd, an, ns, ar: written into the header by pb_dns_finish() */
};

static inline void
pb_put(struct pb_dns *d, const void *p, size_t n)
{
	if (d->err || n > d->cap - d->len) {
		d->err = 1;
		return;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

static inline void
pb_u8(struct pb_dns *d, unsigned v)
{
	uint8_t b = (uint8_t)v;
	pb_put(d, &b, 1);
}

static inline void
pb_u16(struct pb_dns *d, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	pb_put(d, b, 2);
}

static inline void
pb_u32(struct pb_dns *d, uint32_t v)
{
	pb_u16(d, v >> 16);
	pb_u16(d, v & 0xffff);
}

/* Start a message: 12-byte header with id and flags (PB_* bits | rcode | opcode << 11). */
static inline void
pb_dns_init(struct pb_dns *d, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
	d->buf = buf;
	d->cap = cap;
	d->len = 0;
	d->err = 0;
	memset(d->count, 0, sizeof(d->count));
	pb_u16(d, id);
	pb_u16(d, flags);
	for (int i = 0; i < 4; i++)
		pb_u16(d, 0);
}

/* One raw label (any bytes, any length up to 255 so tests can make illegal ones). */
static inline void
pb_label(struct pb_dns *d, const void *p, size_t n)
{
	pb_u8(d, (unsigned)n);
	pb_put(d, p, n);
}

/* Compression pointer to offset `to` (ends a name). */
static inline void
pb_ptr(struct pb_dns *d, uint16_t to)
{
	pb_u16(d, 0xc000u | (to & 0x3fffu));
}

/* Labels of a dotted name without the terminating root ("" and "." add nothing). */
static inline void
pb_labels(struct pb_dns *d, const char *name)
{
	const char *s = name;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (n)
			pb_label(d, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
}

/* A whole uncompressed name. Returns its offset (for later pointers). */
static inline uint16_t
pb_name(struct pb_dns *d, const char *name)
{
	uint16_t at = (uint16_t)d->len;
	pb_labels(d, name);
	pb_u8(d, 0);
	return at;
}

/* Question with an uncompressed name; returns the name's offset. */
static inline uint16_t
pb_question(struct pb_dns *d, const char *name, uint16_t qtype, uint16_t qclass)
{
	uint16_t at = pb_name(d, name);
	pb_u16(d, qtype);
	pb_u16(d, qclass);
	d->count[0]++;
	return at;
}

/* Fixed part and RDATA of a record whose owner name the caller has just written. */
static inline void
pb_rr_tail(struct pb_dns *d, int sec, uint16_t type, uint16_t cls, uint32_t ttl, const void *rdata,
           uint16_t rdlen)
{
	pb_u16(d, type);
	pb_u16(d, cls);
	pb_u32(d, ttl);
	pb_u16(d, rdlen);
	if (rdlen)
		pb_put(d, rdata, rdlen);
	d->count[1 + sec]++;
}

/* Record owned by the name at offset `owner` (compressed), e.g. the question name. */
static inline void
pb_rr_ptr(struct pb_dns *d, int sec, uint16_t owner, uint16_t type, const void *rdata,
          uint16_t rdlen)
{
	pb_ptr(d, owner);
	pb_rr_tail(d, sec, type, 1, 300, rdata, rdlen);
}

/* Record with an uncompressed owner name. */
static inline void
pb_rr(struct pb_dns *d, int sec, const char *owner, uint16_t type, const void *rdata,
      uint16_t rdlen)
{
	pb_name(d, owner);
	pb_rr_tail(d, sec, type, 1, 300, rdata, rdlen);
}

/* EDNS0 OPT in the additional section (no options). */
static inline void
pb_opt(struct pb_dns *d, uint16_t udp_size, uint8_t ext_rcode, uint8_t version, int do_bit)
{
	pb_u8(d, 0);
	pb_rr_tail(d, PB_AR, 41, udp_size,
	           (uint32_t)ext_rcode << 24 | (uint32_t)version << 16 | (do_bit ? 0x8000u : 0),
	           NULL, 0);
}

/* Write the counts into the header; returns the message length (0 on error). */
static inline size_t
pb_dns_finish(struct pb_dns *d)
{
	if (d->err || d->len < 12)
		return 0;
	for (int i = 0; i < 4; i++) {
		d->buf[4 + 2 * i] = (uint8_t)(d->count[i] >> 8);
		d->buf[5 + 2 * i] = (uint8_t)d->count[i];
	}
	return d->len;
}

/* Convenience: a standard query (RD, one question, optional EDNS0 with 1232 bytes). */
static inline size_t
pb_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype, int edns)
{
	struct pb_dns d;
	pb_dns_init(&d, buf, cap, id, PB_RD);
	pb_question(&d, name, qtype, 1);
	if (edns)
		pb_opt(&d, 1232, 0, 0, 0);
	return pb_dns_finish(&d);
}

/* ---------------------------------------------------------------- frames */

struct pb_spec {
	uint8_t n_vlan;   /* 0..3 tags (3 only to test rejection) */
	uint16_t tpid[3]; /* tag protocol of each tag, outermost first (default 0x8100) */
	uint16_t vid[3];
	uint8_t ipv;   /* 4 or 6 */
	uint8_t proto; /* 17 (UDP) or 6 (TCP); any other value: payload is the L4 segment */
	uint8_t src[16], dst[16]; /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	uint8_t v4_optlen; /* IPv4 options (NOPs + EOL), multiple of 4, <= 40 */
	uint8_t n_ext;     /* IPv6 extension headers before L4, types in ext[] (0,43,60,51) */
	uint8_t ext[12];
	uint8_t ext_len8[12]; /* extra 8-byte units of each extension header (0: 8 bytes) */
	uint8_t v6_frag;      /* IPv6: add a fragment header after ext[] */
	uint16_t frag_off8; /* fragment offset in 8-byte units (v4 header or v6 fragment header) */
	uint8_t more_frags; /* MF flag */
	uint8_t raw_l4;   /* no UDP/TCP header: payload follows the IP headers (later fragments) */
	uint16_t l4_keep; /* when > 0: carry only this many bytes of the L4 segment (first
	                   * fragment); lengths inside the L4 header still describe the whole */
	uint8_t tcp_prefix; /* TCP: prepend the 2-byte DNS length to the payload */
	uint8_t tcp_flags;  /* default PSH|ACK (0x18) when 0 */
	uint16_t pad;       /* zero bytes after the IP datagram (Ethernet padding) */
};

struct pb_offsets {
	size_t l3, l4, payload;
};

/* Defaults: client 10.0.0.1:40000 / fd00::1 -> server 10.0.0.2:53 / fd00::2; `to_server` 0
 * swaps both address and port (a response). */
static inline void
pb_spec_init(struct pb_spec *s, int ipv, int proto, int to_server)
{
	static const uint8_t c4[4] = {10, 0, 0, 1}, s4[4] = {10, 0, 0, 2};
	static const uint8_t c6[16] = {0xfd, 0, [15] = 1}, s6[16] = {0xfd, 0, [15] = 2};
	const uint8_t *c = ipv == 6 ? c6 : c4, *sv = ipv == 6 ? s6 : s4;
	size_t alen = ipv == 6 ? 16 : 4;

	memset(s, 0, sizeof(*s));
	s->ipv = (uint8_t)ipv;
	s->proto = (uint8_t)proto;
	s->tpid[0] = s->tpid[1] = s->tpid[2] = 0x8100;
	memcpy(to_server ? s->src : s->dst, c, alen);
	memcpy(to_server ? s->dst : s->src, sv, alen);
	s->sport = to_server ? 40000 : 53;
	s->dport = to_server ? 53 : 40000;
}

static inline void
pb_w16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Build a frame around `payload` into out[room]. Returns the frame length, 0 when it does not
 * fit. `off` (may be NULL) receives the L3, L4 and payload offsets.
 */
static inline size_t
pb_frame(uint8_t *out, size_t room, const struct pb_spec *s, const void *payload, size_t plen,
         struct pb_offsets *off)
{
	uint8_t seg[70000];
	size_t seglen = 0, hl = 0, l3, l4, n = 0, keep, iphl, i;
	int udp = s->proto == 17 && !s->raw_l4, tcp = s->proto == 6 && !s->raw_l4;

	/* L4 segment first (checksum needs the whole of it). */
	if (udp)
		hl = 8;
	else if (tcp)
		hl = 20;
	size_t pre = tcp && s->tcp_prefix ? 2 : 0;
	if (hl + pre + plen > sizeof(seg))
		return 0;
	memset(seg, 0, hl);
	if (pre)
		pb_w16(seg + hl, (unsigned)plen);
	if (plen)
		memcpy(seg + hl + pre, payload, plen);
	seglen = hl + pre + plen;
	if (udp || tcp) {
		pb_w16(seg, s->sport);
		pb_w16(seg + 2, s->dport);
	}
	if (udp)
		pb_w16(seg + 4, (unsigned)seglen);
	if (tcp) {
		pb_w16(seg + 4, 0x1000);  /* seq */
		pb_w16(seg + 10, 0x2000); /* ack */
		seg[12] = 5 << 4;         /* data offset */
		seg[13] = s->tcp_flags ? s->tcp_flags : 0x18;
		pb_w16(seg + 14, 65535); /* window */
	}
	if (udp || tcp) {
		size_t alen = s->ipv == 6 ? 16 : 4;
		uint8_t ph[4] = {0, s->proto, (uint8_t)(seglen >> 8), (uint8_t)seglen};
		uint64_t sum = dnsf_csum_add(0, s->src, alen);
		sum = dnsf_csum_add(sum, s->dst, alen);
		sum = dnsf_csum_add(sum, ph, 4);
		if (s->ipv == 6) /* 32-bit upper-layer length */
			sum += (uint32_t)(seglen >> 16);
		sum = dnsf_csum_add(sum, seg, seglen);
		uint16_t c = dnsf_csum_fold(sum);
		if (udp && c == 0)
			c = 0xffff;
		pb_w16(seg + (udp ? 6 : 16), c);
	}
	keep = s->l4_keep && s->l4_keep < seglen ? s->l4_keep : seglen;

	/* Ethernet + VLAN. */
	if (room < 14 + 4u * s->n_vlan)
		return 0;
	static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 2}, smac[6] = {0x02, 0, 0, 0, 0, 1};
	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	n = 12;
	for (i = 0; i < s->n_vlan && i < 3; i++) {
		pb_w16(out + n, s->tpid[i] ? s->tpid[i] : 0x8100);
		pb_w16(out + n + 2, s->vid[i] & 0x0fff);
		n += 4;
	}
	pb_w16(out + n, s->ipv == 6 ? 0x86dd : 0x0800);
	n += 2;
	l3 = n;

	if (s->ipv == 4) {
		iphl = 20 + (s->v4_optlen & ~3u);
		if (iphl > 60 || room - n < iphl + keep + s->pad)
			return 0;
		uint8_t *ip = out + l3;
		memset(ip, 0, iphl);
		ip[0] = (uint8_t)(0x40 | iphl / 4);
		pb_w16(ip + 2, (unsigned)(iphl + keep));
		pb_w16(ip + 4, 0x1234);
		pb_w16(ip + 6, (s->more_frags ? 0x2000u : 0) | (s->frag_off8 & 0x1fffu));
		ip[8] = 64;
		ip[9] = s->proto;
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		for (i = 20; i < iphl; i++)
			ip[i] = i + 1 < iphl ? 1 : 0; /* NOPs, then EOL */
		pb_w16(ip + 10, dnsf_csum_fold(dnsf_csum_add(0, ip, iphl)));
		l4 = l3 + iphl;
	} else {
		size_t exthl = 0;
		for (i = 0; i < s->n_ext && i < 12; i++)
			exthl +=
			    s->ext[i] == 51 ? 8 + 4u * s->ext_len8[i] : 8 + 8u * s->ext_len8[i];
		if (s->v6_frag)
			exthl += 8;
		iphl = 40 + exthl;
		if (room - n < iphl + keep + s->pad)
			return 0;
		uint8_t *ip = out + l3;
		memset(ip, 0, iphl);
		ip[0] = 0x60;
		pb_w16(ip + 4, (unsigned)(exthl + keep));
		ip[7] = 64;
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		uint8_t *nh = ip + 6;
		size_t p = 40;
		for (i = 0; i < s->n_ext && i < 12; i++) {
			*nh = s->ext[i];
			nh = ip + p;
			if (s->ext[i] == 51) { /* AH: length in 4-byte units minus 2 */
				ip[p + 1] = s->ext_len8[i];
				p += 8 + 4u * s->ext_len8[i];
			} else {
				ip[p + 1] = s->ext_len8[i];
				if (s->ext[i] != 43) { /* options header: one PadN fills it */
					ip[p + 2] = 1;
					ip[p + 3] = (uint8_t)(8u * s->ext_len8[i] + 4);
				}
				p += 8 + 8u * s->ext_len8[i];
			}
		}
		if (s->v6_frag) {
			*nh = 44;
			nh = ip + p;
			pb_w16(ip + p + 2, (unsigned)(s->frag_off8 << 3 | (s->more_frags ? 1 : 0)));
			ip[p + 4] = 0xab;
			p += 8;
		}
		*nh = s->proto;
		l4 = l3 + iphl;
	}
	memcpy(out + l4, seg, keep);
	memset(out + l4 + keep, 0, s->pad);
	if (off) {
		off->l3 = l3;
		off->l4 = l4;
		off->payload = l4 + (keep >= hl ? hl + pre : keep);
	}
	return l4 + keep + s->pad;
}

/* Shortcut: DNS payload over UDP or TCP (with length prefix), default addresses. */
static inline size_t
pb_dns_frame(uint8_t *out, size_t room, int ipv, int proto, int to_server, const void *msg,
             size_t mlen)
{
	struct pb_spec s;
	pb_spec_init(&s, ipv, proto, to_server);
	s.tcp_prefix = proto == 6;
	return pb_frame(out, room, &s, msg, mlen, NULL);
}

#endif
