/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "refuse_frames.h"

static const uint8_t mac_client[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_resolver[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x35};
static const uint8_t v4_client[4] = {192, 0, 2, 10};
static const uint8_t v4_server[4] = {198, 51, 100, 53};
static const uint8_t v6_client[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                      0,    0,    0,    0,    0, 0, 0, 0x0a};
static const uint8_t v6_server[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                      0,    0,    0,    0,    0, 0, 0, 0x53};

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Sum byte by byte into a big accumulator: deliberately a different loop from lib's. */
uint16_t
tq_csum(const uint8_t *const *bufs, const size_t *lens, unsigned n)
{
	uint64_t sum = 0;
	size_t pos = 0; /* position in the concatenation: odd bytes are the low half of a word */
	unsigned i;
	size_t j;

	for (i = 0; i < n; i++)
		for (j = 0; j < lens[i]; j++, pos++)
			sum += (pos % 2 == 0) ? (uint64_t)bufs[i][j] * 256u : bufs[i][j];
	while (sum > 0xffff)
		sum = (sum % 65536u) + (sum / 65536u);
	return (uint16_t)(~sum & 0xffff);
}

static size_t
put_name(uint8_t *b, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		b[o++] = (uint8_t)l;
		memcpy(b + o, name, l);
		o += l;
		name += l;
		if (*name == '.')
			name++;
	}
	b[o++] = 0;
	return o;
}

static size_t
build_dns(const struct tq_spec *s, uint8_t *d)
{
	size_t o = 12, q;
	uint16_t qd = s->qdcount ? s->qdcount : 1;
	unsigned ar = (s->edns ? 1u : 0u) + (s->extra_rr ? 1u : 0u);

	put16(d, s->id);
	put16(d + 2, s->flags);
	put16(d + 4, qd);
	put16(d + 6, 0);
	put16(d + 8, 0);
	put16(d + 10, (uint16_t)ar);
	for (q = 0; q < qd; q++) {
		o += put_name(d + o, s->qname);
		put16(d + o, s->qtype);
		put16(d + o + 2, 1);
		o += 4;
	}
	if (s->extra_rr) {
		/* "x." A 192.0.2.1 — anything after the question must be cut from the answer. */
		o += put_name(d + o, "x");
		put16(d + o, 1);
		put16(d + o + 2, 1);
		memset(d + o + 4, 0, 4);
		d[o + 7] = 60;
		put16(d + o + 8, 4);
		d[o + 10] = 192, d[o + 11] = 0, d[o + 12] = 2, d[o + 13] = 1;
		o += 14;
	}
	if (s->edns) {
		d[o] = 0;
		put16(d + o + 1, 41);
		put16(d + o + 3, 4096);
		d[o + 5] = 0;
		d[o + 6] = 0;
		put16(d + o + 7, s->do_bit ? 0x8000 : 0);
		put16(d + o + 9, s->cookie ? 12 : 0);
		o += 11;
		if (s->cookie) {
			put16(d + o, 10);
			put16(d + o + 2, 8);
			memcpy(d + o + 4, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
			o += 12;
		}
	}
	return o;
}

size_t
tq_build(const struct tq_spec *s, uint8_t *buf, size_t room)
{
	uint8_t dns[2048];
	size_t dlen = build_dns(s, dns);
	size_t o = 12, l3, l4, iphl, l4hl = s->tcp ? 20 : 8, pre = s->tcp ? 2 : 0, plen, total;
	uint8_t proto = s->tcp ? 6 : 17;
	unsigned v;

	if (room < 14 + 8 + 60 + 64 + l4hl + pre + dlen + 60)
		return 0;
	memset(buf, 0, room);
	memcpy(buf, mac_resolver, 6);
	memcpy(buf + 6, mac_client, 6);
	for (v = 0; v < s->n_vlan; v++) {
		put16(buf + o, (s->n_vlan == 2 && v == 0) ? 0x88a8 : 0x8100);
		put16(buf + o + 2, (uint16_t)((v == 0 ? 0x2000 : 0) | (100 + v))); /* PCP/VID */
		o += 4;
	}
	put16(buf + o, s->ipv == 4 ? 0x0800 : 0x86dd);
	l3 = o + 2;

	if (s->ipv == 4) {
		uint8_t *ip = buf + l3;

		iphl = 20 + s->v4_opt_len;
		ip[0] = (uint8_t)(0x40 | (iphl / 4));
		ip[1] = 0x02; /* ECT(0): the answer must clear it */
		ip[4] = 0x12, ip[5] = 0x34;
		ip[6] = (uint8_t)(0x40 | (s->mf ? 0x20 : 0)); /* DF */
		ip[8] = 57;
		ip[9] = proto;
		memcpy(ip + 12, v4_client, 4);
		memcpy(ip + 16, v4_server, 4);
		if (s->v4_opt_len >= 4) {
			ip[20] = 0x94, ip[21] = 4;              /* router alert */
			memset(ip + 24, 1, s->v4_opt_len - 4u); /* NOPs */
		}
	} else {
		uint8_t *ip = buf + l3;
		uint8_t *nh = ip + 6;
		unsigned e;

		ip[0] = 0x60 | 0x0b; /* traffic class 0xb9: DSCP 46 + ECT(1) */
		ip[1] = 0x90 | 0x0a; /* flow label 0xa1234 */
		ip[2] = 0x12, ip[3] = 0x34;
		ip[7] = 57;
		memcpy(ip + 8, v6_client, 16);
		memcpy(ip + 24, v6_server, 16);
		iphl = 40;
		for (e = 0; e < s->v6_ext; e++) {
			uint8_t *x = ip + iphl;

			*nh = e == 0 ? 0 : 60; /* hop-by-hop first, then destination options */
			nh = x;
			x[1] = 0;           /* 8 bytes */
			x[2] = 1, x[3] = 4; /* PadN of 4 bytes */
			memset(x + 4, 0, 4);
			iphl += 8;
		}
		*nh = proto;
	}
	l4 = l3 + iphl;
	plen = l4hl + pre + dlen;
	total = l4 + plen;
	if (s->ipv == 4)
		put16(buf + l3 + 2, (uint16_t)(iphl + plen));
	else
		put16(buf + l3 + 4, (uint16_t)(iphl - 40 + plen));

	put16(buf + l4, s->sport);
	put16(buf + l4 + 2, s->dport);
	if (s->tcp) {
		put16(buf + l4 + 4, 0x0102), put16(buf + l4 + 6, 0x0304);  /* seq */
		put16(buf + l4 + 8, 0x0506), put16(buf + l4 + 10, 0x0708); /* ack */
		buf[l4 + 12] = 0x50;
		buf[l4 + 13] = 0x18; /* PSH|ACK */
		put16(buf + l4 + 14, 65535);
		put16(buf + l4 + 20, (uint16_t)dlen);
	} else {
		put16(buf + l4 + 4, (uint16_t)plen);
	}
	memcpy(buf + l4 + l4hl + pre, dns, dlen);

	/* Correct L3/L4 checksums on the query too, so the pcap's queries are clean as well. */
	if (s->ipv == 4) {
		const uint8_t *b[1] = {buf + l3};
		size_t n[1] = {iphl};

		put16(buf + l3 + 10, tq_csum(b, n, 1));
	}
	{
		uint8_t ph[40];
		size_t phl;
		const uint8_t *b[2] = {ph, buf + l4};
		size_t n[2];
		uint16_t c;

		memset(ph, 0, sizeof(ph));
		if (s->ipv == 4) {
			memcpy(ph, v4_client, 4);
			memcpy(ph + 4, v4_server, 4);
			ph[9] = proto;
			put16(ph + 10, (uint16_t)plen);
			phl = 12;
		} else {
			memcpy(ph, v6_client, 16);
			memcpy(ph + 16, v6_server, 16);
			put16(ph + 34, (uint16_t)plen);
			ph[39] = proto;
			phl = 40;
		}
		n[0] = phl;
		n[1] = plen;
		c = tq_csum(b, n, 2);
		if (!s->tcp && c == 0)
			c = 0xffff;
		put16(buf + l4 + (s->tcp ? 16 : 6), c);
	}
	if (s->eth_pad && total < 60)
		total = 60;
	return total;
}

size_t
tq_question(const struct tq_spec *s, const uint8_t *frame, size_t *qlen)
{
	size_t o = 14 + 4u * s->n_vlan;
	size_t q;

	if (s->ipv == 4)
		o += (size_t)(frame[o] & 0x0f) * 4;
	else
		o += 40 + 8u * s->v6_ext;
	o += s->tcp ? 22 : 8;
	q = o + 12;
	o = q;
	while (frame[o])
		o += frame[o] + 1u;
	*qlen = o + 1 + 4 - q;
	return q;
}
