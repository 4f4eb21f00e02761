/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_refuse_build: query frames of every supported shape are turned into answers that our own
 * parser reads back as the right response, with addresses/ports swapped and checksums that an
 * independent computation (refuse_frames.c) accepts; frames we cannot answer are left untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_pkt.h"
#include "dnsf_refuse.h"
#include "refuse_frames.h"

#define ROOM 2048

static uint16_t
get16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static struct dnsf_pkt_cfg pcfg;

static int
setup(void **state)
{
	(void)state;
	dnsf_pkt_cfg_default(&pcfg);
	pcfg.tcp = 1;
	return 0;
}

static struct tq_spec
base_spec(void)
{
	struct tq_spec s = {
	    .ipv = 4,
	    .flags = 0x0100, /* RD */
	    .id = 0xbeef,
	    .qtype = 16, /* TXT */
	    .sport = 40001,
	    .dport = 53,
	    .qname = "Ab0Cd.T.Example.COM",
	};
	return s;
}

/* Build the query for s, answer it with rcode, and check everything about the answer. */
static void
check_answer(const struct tq_spec *s, uint8_t rcode)
{
	uint8_t q[ROOM], a[ROOM];
	size_t qlen_frame, qoff, qlen;
	struct dnsf_pkt pq, pa;
	uint32_t out_len = 0, l2, l3hl, exp_len;
	const uint8_t *ip, *udp, *dns;

	qlen_frame = tq_build(s, q, sizeof(q));
	assert_true(qlen_frame > 0);
	assert_int_equal(dnsf_pkt_parse(q, qlen_frame, &pcfg, &pq), DNSF_PKT_DNS);
	assert_true(pq.is_query);
	assert_int_equal(pq.dns.has_opt, s->edns);
	qoff = tq_question(s, q, &qlen);

	memcpy(a, q, sizeof(a));
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)qlen_frame, ROOM, &pq, rcode, &out_len), 0);

	l2 = 14 + 4u * s->n_vlan;
	l3hl = s->ipv == 4 ? 20 : 40;
	exp_len = l2 + l3hl + 8 + 12 + (uint32_t)qlen + (s->edns ? 11 : 0);
	assert_int_equal(out_len, exp_len);
	assert_true(out_len <= qlen_frame);

	/* Our parser reads it back as the matching response. */
	assert_int_equal(dnsf_pkt_parse(a, out_len, &pcfg, &pa), DNSF_PKT_DNS);
	assert_false(pa.is_query);
	assert_int_equal(pa.ip_version, s->ipv);
	assert_int_equal(pa.l4_proto, 17);
	assert_int_equal(pa.n_vlan, s->n_vlan);
	assert_int_equal(pa.dns.id, s->id);
	assert_int_equal(pa.dns.qr, 1);
	assert_int_equal(pa.dns.rcode, rcode);
	assert_int_equal(pa.dns.opcode, (s->flags >> 11) & 0xf);
	assert_int_equal(pa.dns.qdcount, 1);
	assert_int_equal(pa.dns.ancount, 0);
	assert_int_equal(pa.dns.nscount, 0);
	assert_int_equal(pa.dns.arcount, s->edns ? 1 : 0);
	assert_int_equal(pa.dns.has_opt, s->edns);
	assert_int_equal(pa.dns.qtype, s->qtype);
	assert_string_equal(pa.dns.qname, pq.dns.qname);
	assert_int_equal(pa.dns.tc, 0);
	/* Flags word: QR, opcode kept, AA 0, TC 0, RD and CD copied, RA 1, AD 0, Z 0. */
	assert_int_equal(pa.dns.flags, 0x8000 | (s->flags & 0x7800) | (s->flags & 0x0100) | 0x0080 |
	                                   (s->flags & 0x0010) | rcode);
	if (s->edns) {
		static const uint8_t opt0[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x00, 0, 0, 0};
		uint8_t opt[11];

		memcpy(opt, opt0, sizeof(opt));
		if (s->do_bit)
			opt[7] = 0x80;
		assert_int_equal(pa.dns.udp_size, DNSF_REFUSE_EDNS_UDP_SIZE);
		assert_int_equal(pa.dns.do_bit, s->do_bit);
		assert_int_equal(pa.dns.ext_rcode, 0);
		assert_memory_equal(a + out_len - 11, opt, 11);
	}

	/* L2: MACs swapped, VLAN tags and ethertype byte-identical. */
	assert_memory_equal(a, q + 6, 6);
	assert_memory_equal(a + 6, q, 6);
	assert_memory_equal(a + 12, q + 12, l2 - 12);

	/* L3: plain header, addresses swapped, lengths, TTL, checksum. */
	ip = a + l2;
	if (s->ipv == 4) {
		const uint8_t *b[1] = {ip};
		size_t n[1] = {20};

		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[1], q[l2 + 1] & 0xfc);
		assert_int_equal(get16(ip + 2), out_len - l2);
		assert_memory_equal(ip + 4, q + l2 + 4, 2); /* ID kept */
		assert_int_equal(get16(ip + 6), 0x4000);    /* DF kept */
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], 17);
		assert_memory_equal(ip + 12, q + l2 + 16, 4);
		assert_memory_equal(ip + 16, q + l2 + 12, 4);
		assert_int_equal(tq_csum(b, n, 1), 0); /* a correct header sums to 0xffff */
	} else {
		assert_int_equal(ip[0], 0x6b);
		assert_int_equal(ip[1], 0x80); /* TC 0xb9 -> 0xb8 (ECN cleared), flow label 0 */
		assert_int_equal(ip[2], 0);
		assert_int_equal(ip[3], 0);
		assert_int_equal(get16(ip + 4), out_len - l2 - 40);
		assert_int_equal(ip[6], 17);
		assert_int_equal(ip[7], 64);
		assert_memory_equal(ip + 8, q + l2 + 24, 16);
		assert_memory_equal(ip + 24, q + l2 + 8, 16);
	}

	/* L4: ports swapped, length, checksum over the pseudo-header. */
	udp = ip + l3hl;
	assert_int_equal(get16(udp), s->dport);
	assert_int_equal(get16(udp + 2), s->sport);
	assert_int_equal(get16(udp + 4), out_len - l2 - l3hl);
	{
		uint8_t ph[40];
		size_t phl;
		const uint8_t *b[2] = {ph, udp};
		size_t n[2];

		memset(ph, 0, sizeof(ph));
		if (s->ipv == 4) {
			memcpy(ph, ip + 12, 8);
			ph[9] = 17;
			memcpy(ph + 10, udp + 4, 2);
			phl = 12;
		} else {
			memcpy(ph, ip + 8, 32);
			memcpy(ph + 34, udp + 4, 2);
			ph[39] = 17;
			phl = 40;
		}
		n[0] = phl;
		n[1] = get16(udp + 4);
		assert_int_not_equal(get16(udp + 6), 0);
		assert_int_equal(tq_csum(b, n, 2), 0);
	}

	/* DNS: the question is the original bytes (original case), right after the header. */
	dns = udp + 8;
	assert_memory_equal(dns, q + qoff - 12, 2); /* ID */
	assert_memory_equal(dns + 12, q + qoff, qlen);
}

static void
test_v4_plain(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	check_answer(&s, DNSF_RCODE_REFUSED);
	check_answer(&s, DNSF_RCODE_NXDOMAIN);
}

static void
test_v4_options(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	s.v4_opt_len = 4;
	check_answer(&s, DNSF_RCODE_REFUSED);
	s.v4_opt_len = 40; /* the largest IPv4 header */
	s.edns = 1;
	check_answer(&s, DNSF_RCODE_NXDOMAIN);
}

static void
test_v6_plain(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	s.ipv = 6;
	s.qtype = 28;
	check_answer(&s, DNSF_RCODE_REFUSED);
	s.edns = 1;
	s.do_bit = 1;
	check_answer(&s, DNSF_RCODE_NXDOMAIN);
}

static void
test_v6_ext_headers(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	s.ipv = 6;
	s.v6_ext = 1;
	check_answer(&s, DNSF_RCODE_REFUSED);
	s.v6_ext = 2;
	s.edns = 1;
	s.cookie = 1;
	check_answer(&s, DNSF_RCODE_REFUSED);
}

static void
test_vlan_qinq(void **state)
{
	struct tq_spec s = base_spec();
	unsigned v, ipv;

	(void)state;
	for (v = 1; v <= 2; v++)
		for (ipv = 4; ipv <= 6; ipv += 2) {
			s.n_vlan = (uint8_t)v;
			s.ipv = (uint8_t)ipv;
			s.edns = (uint8_t)(v == 2);
			s.v4_opt_len = ipv == 4 ? 8 : 0;
			s.v6_ext = ipv == 6 ? 1 : 0;
			check_answer(&s, DNSF_RCODE_REFUSED);
		}
}

static void
test_edns_variants(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	/* An OPT with a COOKIE option shrinks to our minimal OPT; DO is copied either way. */
	s.edns = 1;
	s.cookie = 1;
	s.do_bit = 1;
	check_answer(&s, DNSF_RCODE_REFUSED);
	s.do_bit = 0;
	check_answer(&s, DNSF_RCODE_REFUSED);
	/* A record before the OPT is cut, the OPT is still answered. */
	s.extra_rr = 1;
	check_answer(&s, DNSF_RCODE_REFUSED);
	/* Without EDNS, trailing records are simply cut. */
	s.edns = 0;
	check_answer(&s, DNSF_RCODE_NXDOMAIN);
}

static void
test_flags_and_names(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	/* RD off, CD and AD on: CD copied, AD cleared, RD stays off. */
	s.flags = 0x0030;
	check_answer(&s, DNSF_RCODE_REFUSED);
	/* Opcode kept (NOTIFY = 4), AA/TC in a query are not echoed. */
	s.flags = (4 << 11) | 0x0400 | 0x0100;
	check_answer(&s, DNSF_RCODE_REFUSED);
	/* The root name, and a long tunnel-like name, in a minimum-size padded frame. */
	s.flags = 0x0100;
	s.qname = "";
	s.eth_pad = 1;
	check_answer(&s, DNSF_RCODE_REFUSED);
	s.qname = "0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdefABC."
	          "vwxyz0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789a.tunnel.Example.org";
	s.qtype = 10;
	check_answer(&s, DNSF_RCODE_REFUSED);
	/* A client port that is also a DNS port (resolver to resolver). */
	s.sport = 53;
	check_answer(&s, DNSF_RCODE_REFUSED);
}

/* Build s, try to answer it, and require -1 with the frame and out_len untouched. */
static void
check_refused_untouched(const struct tq_spec *s, int expect_cls)
{
	uint8_t q[ROOM], a[ROOM];
	size_t len = tq_build(s, q, sizeof(q));
	struct dnsf_pkt p;
	uint32_t out_len = 0xdeadbeef;

	assert_true(len > 0);
	assert_int_equal(dnsf_pkt_parse(q, len, &pcfg, &p), expect_cls);
	memcpy(a, q, sizeof(a));
	assert_int_equal(
	    dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, DNSF_RCODE_REFUSED, &out_len), -1);
	assert_memory_equal(a, q, sizeof(a));
	assert_int_equal(out_len, 0xdeadbeef);
}

static void
test_not_answerable(void **state)
{
	struct tq_spec s = base_spec();

	(void)state;
	/* A response is never answered. */
	s.flags = 0x8180;
	s.sport = 53;
	s.dport = 40001;
	check_refused_untouched(&s, DNSF_PKT_DNS);

	/* TCP: needs sequence state, fall back to drop. */
	s = base_spec();
	s.tcp = 1;
	check_refused_untouched(&s, DNSF_PKT_DNS);
	s.ipv = 6;
	check_refused_untouched(&s, DNSF_PKT_DNS);

	/* Two questions. */
	s = base_spec();
	s.qdcount = 2;
	check_refused_untouched(&s, DNSF_PKT_DNS);

	/* A first fragment (MF set). */
	s = base_spec();
	s.mf = 1;
	check_refused_untouched(&s, DNSF_PKT_DNS);

	/* Not DNS at all. */
	s = base_spec();
	s.dport = 80;
	check_refused_untouched(&s, DNSF_PKT_NON_DNS);
}

static void
test_malformed(void **state)
{
	struct tq_spec s = base_spec();
	uint8_t q[ROOM], a[ROOM];
	size_t len = tq_build(&s, q, sizeof(q)), qoff, qlen;
	struct dnsf_pkt p;
	uint32_t out_len = 7;
	size_t l4 = 14 + 20;

	(void)state;
	/* Cut inside the question: the UDP/IP lengths are fixed up so only DNS is broken. */
	qoff = tq_question(&s, q, &qlen);
	len = qoff + 3;
	q[14 + 2] = 0;
	q[14 + 3] = (uint8_t)(len - 14);
	q[l4 + 4] = 0;
	q[l4 + 5] = (uint8_t)(len - l4);
	assert_int_equal(dnsf_pkt_parse(q, len, &pcfg, &p), DNSF_PKT_MALFORMED);
	memcpy(a, q, sizeof(a));
	assert_int_equal(
	    dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, DNSF_RCODE_REFUSED, &out_len), -1);
	assert_memory_equal(a, q, sizeof(a));
	assert_int_equal(out_len, 7);
}

static void
test_bad_arguments(void **state)
{
	struct tq_spec s = base_spec();
	struct tq_spec s6 = base_spec();
	uint8_t q[ROOM], a[ROOM], q6[ROOM];
	size_t len = tq_build(&s, q, sizeof(q)), len6, qoff, qlen;
	struct dnsf_pkt p, p6;
	uint32_t out_len = 7;

	(void)state;
	s6.ipv = 6;
	len6 = tq_build(&s6, q6, sizeof(q6));
	assert_int_equal(dnsf_pkt_parse(q, len, &pcfg, &p), DNSF_PKT_DNS);
	assert_int_equal(dnsf_pkt_parse(q6, len6, &pcfg, &p6), DNSF_PKT_DNS);
	memcpy(a, q, sizeof(a));

	/* rcode beyond 4 bits needs an OPT extended rcode: refused. */
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, 16, &out_len), -1);
	/* room smaller than the frame. */
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, (uint32_t)len - 1, &p, 5, &out_len),
	                 -1);
	/* A parse result of another frame (IPv6) does not match this IPv4 frame. */
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, ROOM, &p6, 5, &out_len), -1);
	/* A frame shorter than the parse result says. */
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len - 1, ROOM, &p, 5, &out_len), -1);
	assert_int_equal(dnsf_refuse_build(NULL, (uint32_t)len, ROOM, &p, 5, &out_len), -1);
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, ROOM, NULL, 5, &out_len), -1);
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, 5, NULL), -1);
	assert_memory_equal(a, q, sizeof(a));
	assert_int_equal(out_len, 7);

	/* Frame bytes that disagree with the parse result are not trusted: a fragment offset / MF
	 * set in the frame, a response bit, two questions. */
	{
		static const size_t off[3] = {14 + 6, 14 + 20 + 8 + 2, 14 + 20 + 8 + 5};
		static const uint8_t val[3] = {0x60, 0x81, 2};

		for (unsigned i = 0; i < 3; i++) {
			memcpy(a, q, sizeof(a));
			a[off[i]] = val[i];
			memcpy(q6, a, sizeof(a));
			assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, 5, &out_len),
			                 -1);
			assert_memory_equal(a, q6, sizeof(a));
		}
		memcpy(a, q, sizeof(a));
	}

	/* A compression pointer where the question name should be (bytes changed after parsing):
	 * we send the question back verbatim, so only a plain name is acceptable. */
	qoff = tq_question(&s, q, &qlen);
	a[qoff] = 0xc0;
	a[qoff + 1] = 0x0c;
	memcpy(q, a, sizeof(a));
	assert_int_equal(dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, 5, &out_len), -1);
	assert_memory_equal(a, q, sizeof(a));
	assert_int_equal(out_len, 7);
}

/* Hostile input: valid queries with random bytes changed. Whatever the parser makes of them, the
 * builder either leaves the frame alone or produces an answer our parser reads as a response
 * that fits in the original length; under ASan/valgrind this also proves no out-of-bounds access.
 */
static void
test_mutated_frames(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned iter, answered = 0;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		struct tq_spec s = base_spec();
		uint8_t q[ROOM], a[ROOM];
		struct dnsf_pkt p, pa;
		size_t len;
		uint32_t out_len;
		unsigned k, nmut;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s.ipv = (x & 1) ? 6 : 4;
		s.n_vlan = (uint8_t)((x >> 1) % 3);
		s.edns = (uint8_t)((x >> 3) & 1);
		s.cookie = (uint8_t)((x >> 4) & 1);
		s.v6_ext = (uint8_t)((x >> 5) % 3);
		s.v4_opt_len = (uint8_t)(4 * ((x >> 7) % 3));
		len = tq_build(&s, q, sizeof(q));
		nmut = 1 + (unsigned)((x >> 9) % 4);
		for (k = 0; k < nmut; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			q[(x >> 8) % len] = (uint8_t)x;
		}
		if ((x >> 40) % 4 == 0)
			len = (x >> 20) % (len + 1); /* sometimes also cut short */
		if (dnsf_pkt_parse(q, len, &pcfg, &p) != DNSF_PKT_DNS)
			continue;
		memcpy(a, q, sizeof(a));
		if (dnsf_refuse_build(a, (uint32_t)len, ROOM, &p, DNSF_RCODE_REFUSED, &out_len) !=
		    0) {
			assert_memory_equal(a, q, sizeof(a));
			continue;
		}
		answered++;
		assert_true(out_len <= len);
		assert_int_equal(dnsf_pkt_parse(a, out_len, &pcfg, &pa), DNSF_PKT_DNS);
		assert_false(pa.is_query);
		assert_int_equal(pa.dns.rcode, DNSF_RCODE_REFUSED);
		assert_int_equal(pa.dns.id, p.dns.id);
		assert_int_equal(pa.sport, p.dport);
		assert_int_equal(pa.dport, p.sport);
	}
	/* Most single-byte changes leave an answerable query: the loop really exercised the
	 * builder. */
	assert_true(answered > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v4_plain),        cmocka_unit_test(test_v4_options),
	    cmocka_unit_test(test_v6_plain),        cmocka_unit_test(test_v6_ext_headers),
	    cmocka_unit_test(test_vlan_qinq),       cmocka_unit_test(test_edns_variants),
	    cmocka_unit_test(test_flags_and_names), cmocka_unit_test(test_not_answerable),
	    cmocka_unit_test(test_malformed),       cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_mutated_frames),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
