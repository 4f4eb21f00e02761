/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dnsf_frame.h"

uint16_t
dnsf_csum_adjust(uint16_t ck, const uint8_t *before, const uint8_t *after, size_t n, int odd)
{
	uint32_t old_sum = 0, new_sum = 0, sum;

	/* Byte i sits at position odd + i from a word boundary: high byte when even. */
	for (size_t i = 0; i < n; i++) {
		int sh = ((size_t)odd + i) & 1 ? 0 : 8;
		old_sum += (uint32_t)before[i] << sh;
		new_sum += (uint32_t)after[i] << sh;
	}
	while (old_sum >> 16)
		old_sum = (old_sum & 0xffff) + (old_sum >> 16);
	while (new_sum >> 16)
		new_sum = (new_sum & 0xffff) + (new_sum >> 16);
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
	sum = (uint16_t)~ck;
	sum += (uint16_t)~old_sum;
	sum += new_sum;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Checksum of an L4 segment (l4[0..l4_len), its checksum field already zeroed) with the IP
 * pseudo-header. */
static uint16_t
l4_csum(int ip_version, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
        size_t l4_len)
{
	uint64_t sum = 0;
	unsigned alen = ip_version == 4 ? 4 : 16;

	sum = dnsf_csum_add(sum, src, alen);
	sum = dnsf_csum_add(sum, dst, alen);
	sum += proto;
	sum += (uint32_t)(l4_len & 0xffff) + (uint32_t)(l4_len >> 16);
	sum = dnsf_csum_add(sum, l4, l4_len);
	return dnsf_csum_fold(sum);
}

size_t
dnsf_frame_udp(const struct dnsf_frame_addr *a, const uint8_t *dns, size_t dns_len, uint8_t *out,
               size_t cap)
{
	const size_t l3 = 14, l3_len = a->ip_version == 4 ? 20 : 40, l4 = l3 + l3_len;
	const size_t udp_len = 8 + dns_len, total = l4 + udp_len;
	uint16_t c;

	if (total > cap || udp_len > 65535 || (a->ip_version != 4 && a->ip_version != 6))
		return 0;
	memcpy(out, a->dmac, 6);
	memcpy(out + 6, a->smac, 6);
	put16(out + 12, a->ip_version == 4 ? 0x0800 : 0x86dd);
	uint8_t *ip = out + l3;
	if (a->ip_version == 4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + udp_len));
		put16(ip + 6, 0x4000); /* DF, as stub resolvers send */
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, a->src, 4);
		memcpy(ip + 16, a->dst, 4);
		put16(ip + 10, dnsf_csum_fold(dnsf_csum_add(0, ip, 20)));
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)udp_len);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, a->src, 16);
		memcpy(ip + 24, a->dst, 16);
	}
	uint8_t *u = out + l4;
	put16(u, a->sport);
	put16(u + 2, a->dport);
	put16(u + 4, (uint16_t)udp_len);
	put16(u + 6, 0);
	memcpy(u + 8, dns, dns_len);
	c = l4_csum(a->ip_version, a->src, a->dst, 17, u, udp_len);
	put16(u + 6, c ? c : 0xffff);
	return total;
}

size_t
dnsf_frame_replace_dns(const uint8_t *frame, size_t len, const struct dnsf_pkt *p,
                       const uint8_t *dns, size_t dns_len, uint8_t *out, size_t cap)
{
	size_t l4hdr, pre, total, l4_len;

	if (p->cls != DNSF_PKT_DNS || p->is_frag || p->l4_off == 0 || p->l4_off <= p->l3_off ||
	    (p->l4_proto == 6 && p->tcp_nmsg != 1) || dns_len > 65000)
		return 0;
	if (p->l4_proto == 17) {
		l4hdr = 8;
		pre = 0;
	} else if (p->l4_proto == 6) {
		if ((size_t)p->l4_off + 13 > len)
			return 0;
		l4hdr = (size_t)(frame[p->l4_off + 12] >> 4) * 4;
		pre = 2;
	} else {
		return 0;
	}
	if (p->dns_off != p->l4_off + l4hdr + pre || p->l4_off + l4hdr > len)
		return 0;
	l4_len = l4hdr + pre + dns_len;
	total = p->l4_off + l4_len;
	if (total > cap || total - p->l3_off > 65535)
		return 0;
	memcpy(out, frame, (size_t)p->l4_off + l4hdr);
	if (pre)
		put16(out + p->l4_off + l4hdr, (uint16_t)dns_len);
	memcpy(out + p->l4_off + l4hdr + pre, dns, dns_len);

	uint8_t *ip = out + p->l3_off;
	if (p->ip_version == 4) {
		unsigned ihl = (unsigned)(ip[0] & 15) * 4;
		put16(ip + 2, (uint16_t)(total - p->l3_off));
		put16(ip + 10, 0);
		put16(ip + 10, dnsf_csum_fold(dnsf_csum_add(0, ip, ihl)));
	} else {
		put16(ip + 4, (uint16_t)(total - p->l3_off - 40));
	}
	uint8_t *l4 = out + p->l4_off;
	uint16_t c;
	if (p->l4_proto == 17) {
		put16(l4 + 4, (uint16_t)l4_len);
		put16(l4 + 6, 0);
		c = l4_csum(p->ip_version, p->src, p->dst, 17, l4, l4_len);
		put16(l4 + 6, c ? c : 0xffff);
	} else {
		put16(l4 + 16, 0);
		c = l4_csum(p->ip_version, p->src, p->dst, 6, l4, l4_len);
		put16(l4 + 16, c);
	}
	return total;
}

/* ---- DNS writer ---- */

void
dnsf_dnsw_init(struct dnsf_dnsw *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = 0;
}

void
dnsf_dnsw_bytes(struct dnsf_dnsw *w, const void *p, size_t n)
{
	if (w->overflow || w->len + n > w->cap) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
dnsf_dnsw_u8(struct dnsf_dnsw *w, uint8_t v)
{
	dnsf_dnsw_bytes(w, &v, 1);
}

void
dnsf_dnsw_u16(struct dnsf_dnsw *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	dnsf_dnsw_bytes(w, b, 2);
}

void
dnsf_dnsw_u32(struct dnsf_dnsw *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	dnsf_dnsw_bytes(w, b, 4);
}

void
dnsf_dnsw_name(struct dnsf_dnsw *w, const char *name)
{
	size_t total = 1;
	const char *s = name;

	if (s[0] == '.' && s[1] == '\0')
		s++;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n > 63) {
			w->overflow = 1;
			return;
		}
		total += n + 1;
		if (total > 255) {
			w->overflow = 1;
			return;
		}
		dnsf_dnsw_u8(w, (uint8_t)n);
		dnsf_dnsw_bytes(w, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
	dnsf_dnsw_u8(w, 0);
}

void
dnsf_dnsw_header(struct dnsf_dnsw *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                 uint16_t ns, uint16_t ar)
{
	dnsf_dnsw_u16(w, id);
	dnsf_dnsw_u16(w, flags);
	dnsf_dnsw_u16(w, qd);
	dnsf_dnsw_u16(w, an);
	dnsf_dnsw_u16(w, ns);
	dnsf_dnsw_u16(w, ar);
}

size_t
dnsf_dnsw_rr_begin(struct dnsf_dnsw *w, const char *owner, uint16_t type, uint32_t ttl)
{
	size_t off;

	dnsf_dnsw_name(w, owner);
	dnsf_dnsw_u16(w, type);
	dnsf_dnsw_u16(w, 1);
	dnsf_dnsw_u32(w, ttl);
	off = w->len;
	dnsf_dnsw_u16(w, 0);
	return off;
}

void
dnsf_dnsw_rr_end(struct dnsf_dnsw *w, size_t rdlen_off)
{
	size_t rdlen = w->len - rdlen_off - 2;

	if (w->overflow || rdlen > 65535) {
		w->overflow = 1;
		return;
	}
	put16(w->buf + rdlen_off, (uint16_t)rdlen);
}

void
dnsf_dnsw_opt(struct dnsf_dnsw *w, uint16_t udp_size)
{
	dnsf_dnsw_u8(w, 0);
	dnsf_dnsw_u16(w, 41);
	dnsf_dnsw_u16(w, udp_size);
	dnsf_dnsw_u32(w, 0);
	dnsf_dnsw_u16(w, 0);
}

size_t
dnsf_dnsw_len(const struct dnsf_dnsw *w)
{
	return w->overflow ? 0 : w->len;
}
