/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dnsf_pkt_parse(): every layering (VLAN, QinQ, IPv4 options, IPv6 extension
 * headers, UDP both ways, TCP), configured ports, each L3/L4 defect, fragments, and a seeded
 * garbage/bit-flip run. Frames are parsed from exact-size heap copies so that a sanitizer or
 * valgrind catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_pkt.h"
#include "pktbuild.h"
#include "qname_ref.h"

static struct dnsf_pkt_cfg cfg53;

static void
check_sane(const struct dnsf_pkt *p, size_t len)
{
	const struct dnsf_dns_msg *m = &p->dns;

	assert_true(p->cls <= DNSF_PKT_FRAGMENT);
	assert_true(p->malformed < DNSF_PKT_M__COUNT);
	assert_int_equal(p->malformed != DNSF_PKT_M_NONE, p->cls == DNSF_PKT_MALFORMED);
	assert_true(p->dns_status < DNSF_DNS_E__COUNT);
	if (p->malformed != DNSF_PKT_M_DNS)
		assert_int_equal(p->dns_status, DNSF_DNS_OK);
	assert_true(p->ip_version == 0 || p->ip_version == 4 || p->ip_version == 6);
	assert_true(p->n_vlan <= 2);
	assert_true(p->is_query <= 1 && p->is_frag <= 1 && p->client_is_src <= 1);
	assert_true(p->l3_off <= len && p->l4_off <= len);
	assert_true((size_t)p->dns_off + p->dns_len <= len);
	if (p->cls == DNSF_PKT_DNS) {
		assert_true(p->ip_version != 0);
		assert_true(p->l4_proto == 17 || p->l4_proto == 6);
		assert_true(p->dns_len >= DNSF_DNS_HDR_LEN);
		assert_int_equal(p->is_query, !m->qr);
		assert_true(p->tcp_nmsg >= 1);
	}
	assert_int_equal(strlen(m->qname), m->qname_len);
	assert_true(m->nlabels <= DNSF_DNS_MAX_LABELS);
	if (m->nlabels == 0)
		assert_int_equal(m->qname_len, 0);
	for (unsigned i = 0; i < m->nlabels; i++) {
		assert_true(m->label_len[i] >= 1 && m->label_len[i] <= 63);
		assert_true((unsigned)m->label_off[i] + m->label_len[i] <= m->qname_len);
		if (i)
			assert_int_equal(m->label_off[i],
			                 m->label_off[i - 1] + m->label_len[i - 1] + 1);
	}
	assert_true(m->end_off <= p->dns_len);
}

static enum dnsf_pkt_class
parse_cfg(const uint8_t *f, size_t len, const struct dnsf_pkt_cfg *cfg, struct dnsf_pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum dnsf_pkt_class c;

	assert_non_null(copy);
	if (len)
		memcpy(copy, f, len);
	memset(p, 0x5a, sizeof(*p)); /* the parser must define every field */
	c = dnsf_pkt_parse(copy, len, cfg, p);
	free(copy);
	if (c == DNSF_PKT_DNS)
		check_qname_ref(f + p->dns_off, p->dns_len, &p->dns);
	assert_int_equal(c, p->cls);
	check_sane(p, len);
	return c;
}

static enum dnsf_pkt_class
parse(const uint8_t *f, size_t len, struct dnsf_pkt *p)
{
	return parse_cfg(f, len, &cfg53, p);
}

static size_t
query_msg(uint8_t *b, size_t cap, const char *name)
{
	return pb_query(b, cap, 0x4242, name, DNSF_T_A, 1);
}

static size_t
response_msg(uint8_t *b, size_t cap, const char *name, uint16_t txtlen)
{
	static uint8_t rd[1400];
	struct pb_dns d;

	pb_dns_init(&d, b, cap, 0x4242, PB_QR | PB_RD | PB_RA);
	uint16_t q = pb_question(&d, name, DNSF_T_TXT, 1);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_TXT, rd, txtlen);
	pb_opt(&d, 1232, 0, 0, 0);
	return pb_dns_finish(&d);
}

/* ---------------------------------------------------------------- valid layerings */

static void
test_udp_v4_both_directions(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	size_t ml = query_msg(msg, sizeof(msg), "Www.Example.com");
	size_t n = pb_dns_frame(f, sizeof(f), 4, 17, 1, msg, ml);

	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.malformed, DNSF_PKT_M_NONE);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.l4_proto, 17);
	assert_int_equal(p.n_vlan, 0);
	assert_int_equal(p.is_frag, 0);
	assert_int_equal(p.is_query, 1);
	assert_int_equal(p.client_is_src, 1);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.dns_off, 42);
	assert_int_equal(p.dns_len, ml);
	assert_int_equal(p.tcp_nmsg, 1);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 53);
	static const uint8_t c4[16] = {10, 0, 0, 1}, s4[16] = {10, 0, 0, 2};
	assert_memory_equal(p.src, c4, 16);
	assert_memory_equal(p.dst, s4, 16);
	assert_memory_equal(dnsf_pkt_client_addr(&p), c4, 16);
	assert_string_equal(p.dns.qname, "www.example.com");
	assert_int_equal(p.dns.qname_upper, 2);
	assert_int_equal(p.dns.has_opt, 1);

	ml = response_msg(msg, sizeof(msg), "www.example.com", 100);
	n = pb_dns_frame(f, sizeof(f), 4, 17, 0, msg, ml);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_query, 0);
	assert_int_equal(p.client_is_src, 0);
	assert_int_equal(p.sport, 53);
	assert_memory_equal(dnsf_pkt_client_addr(&p), c4, 16);
	assert_int_equal(p.dns.rdata_total, 100);
	assert_int_equal(p.dns.txtnull_max, 100);
}

static void
test_vlan(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	struct pb_spec s;
	size_t ml = query_msg(msg, sizeof(msg), "vlan.example");
	size_t n;

	pb_spec_init(&s, 4, 17, 1);
	s.n_vlan = 1;
	s.vid[0] = 100;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.n_vlan, 1);
	assert_int_equal(p.l3_off, 18);
	assert_int_equal(p.dns_off, 18 + 28);
	assert_string_equal(p.dns.qname, "vlan.example");

	/* QinQ: 802.1ad outer, 802.1Q inner, over IPv6. */
	pb_spec_init(&s, 6, 17, 1);
	s.n_vlan = 2;
	s.tpid[0] = 0x88a8;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.n_vlan, 2);
	assert_int_equal(p.l3_off, 22);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.dns_off, 22 + 48);

	/* Two 802.1ad tags are accepted too (the tag type is not ordered). */
	s.tpid[1] = 0x88a8;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);

	/* A third tag is not ours. */
	s.n_vlan = 3;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.ip_version, 0);

	/* Tag cut off by the end of the frame. */
	assert_int_equal(parse(f, 16, &p), DNSF_PKT_NON_DNS);
}

static void
test_ipv4_options_and_padding(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	struct pb_spec s;
	size_t ml = query_msg(msg, sizeof(msg), "opt.example");
	size_t n;

	for (unsigned optlen = 4; optlen <= 40; optlen += 12) {
		pb_spec_init(&s, 4, 17, 1);
		s.v4_optlen = (uint8_t)optlen;
		n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
		assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
		assert_int_equal(p.l4_off, 34 + optlen);
		assert_int_equal(p.dns_off, 42 + optlen);
		assert_string_equal(p.dns.qname, "opt.example");
	}

	/* Ethernet padding past the IP total length is ignored (UDP length still matches). */
	pb_spec_init(&s, 4, 17, 1);
	s.pad = 20;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	memset(f + n - 20, 0xee, 20);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.dns_len, ml);
	assert_int_equal(p.dns.end_off, ml);
}

static void
test_ipv6_ext_headers(void **state)
{
	(void)state;
	uint8_t msg[512], f[4096];
	struct dnsf_pkt p;
	struct pb_spec s;
	size_t ml = query_msg(msg, sizeof(msg), "v6.example");
	size_t n;

	pb_spec_init(&s, 6, 17, 1);
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.l4_off, 54);
	static const uint8_t c6[16] = {0xfd, [15] = 1}, s6[16] = {0xfd, [15] = 2};
	assert_memory_equal(p.src, c6, 16);
	assert_memory_equal(p.dst, s6, 16);
	assert_int_equal(p.client_is_src, 1);

	/* Hop-by-hop (16 bytes), routing, destination options (24 bytes), AH (16 bytes). */
	s.n_ext = 4;
	s.ext[0] = 0, s.ext_len8[0] = 1;
	s.ext[1] = 43;
	s.ext[2] = 60, s.ext_len8[2] = 2;
	s.ext[3] = 51, s.ext_len8[3] = 2;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.l4_off, 54 + 16 + 8 + 24 + 16);
	assert_int_equal(p.dns_off, p.l4_off + 8);
	assert_string_equal(p.dns.qname, "v6.example");

	/* The bound: DNSF_PKT_MAX_EXTHDR headers pass, one more cannot be shown non-DNS. */
	s.n_ext = DNSF_PKT_MAX_EXTHDR;
	for (unsigned i = 0; i < s.n_ext; i++)
		s.ext[i] = 60, s.ext_len8[i] = 0;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	s.n_ext = DNSF_PKT_MAX_EXTHDR + 1;
	s.ext[DNSF_PKT_MAX_EXTHDR] = 60;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L3);

	/* Extension header cut off by the payload length: ports unreadable, not ours. */
	s.n_ext = 1;
	s.ext[0] = 60, s.ext_len8[0] = 3;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	f[14 + 4] = 0, f[14 + 5] = 16; /* payload length: 16 of the 32-byte header */
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);

	/* No next header (59) and ESP (50): not ours. */
	pb_spec_init(&s, 6, 59, 1);
	s.raw_l4 = 1;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.l4_proto, 59);
	s.proto = 50;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);

	/* Response over IPv6. */
	ml = response_msg(msg, sizeof(msg), "v6.example", 300);
	n = pb_dns_frame(f, sizeof(f), 6, 17, 0, msg, ml);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_query, 0);
	assert_int_equal(p.client_is_src, 0);
	assert_memory_equal(dnsf_pkt_client_addr(&p), c6, 16);
	assert_int_equal(p.dns.rdata_max, 300);
}

static void
test_tcp(void **state)
{
	(void)state;
	uint8_t msg[512], pay[2048], f[4096];
	struct dnsf_pkt p;
	struct pb_spec s;
	struct pb_offsets o;
	size_t ml = query_msg(msg, sizeof(msg), "tcp.example");
	size_t n;

	for (int v = 4; v <= 6; v += 2) {
		n = pb_dns_frame(f, sizeof(f), v, 6, 1, msg, ml);
		assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
		assert_int_equal(p.l4_proto, 6);
		assert_int_equal(p.dns_off, p.l4_off + 20 + 2);
		assert_int_equal(p.dns_len, ml);
		assert_int_equal(p.tcp_nmsg, 1);
		assert_int_equal(p.is_query, 1);
		assert_string_equal(p.dns.qname, "tcp.example");
	}

	/* Response over TCP, then three pipelined messages in one segment. */
	size_t rl = response_msg(msg, sizeof(msg), "tcp.example", 40);
	n = pb_dns_frame(f, sizeof(f), 4, 6, 0, msg, rl);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_query, 0);
	assert_int_equal(p.client_is_src, 0);
	ml = query_msg(msg, sizeof(msg), "tcp.example");
	size_t pl = 0;
	for (int i = 0; i < 3; i++) {
		pay[pl] = (uint8_t)(ml >> 8), pay[pl + 1] = (uint8_t)ml;
		memcpy(pay + pl + 2, msg, ml);
		pl += 2 + ml;
	}
	pb_spec_init(&s, 4, 6, 1);
	n = pb_frame(f, sizeof(f), &s, pay, pl, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.tcp_nmsg, 3);
	assert_int_equal(p.dns_len, ml);

	/* Second message cut short: the segment does not hold whole messages. */
	n = pb_frame(f, sizeof(f), &s, pay, pl - ml - 5, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_TCP_PARTIAL);
	/* Only one byte of a second prefix. */
	n = pb_frame(f, sizeof(f), &s, pay, 2 + ml + 1, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_TCP_PARTIAL);
	/* A later message shorter than a DNS header. */
	pay[2 + ml] = 0, pay[2 + ml + 1] = 5;
	n = pb_frame(f, sizeof(f), &s, pay, 2 + ml + 7, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_DNS);
	assert_int_equal(p.dns_status, DNSF_DNS_E_SHORT);

	/* First message longer than the segment (a large answer split over segments), and a
	 * segment that starts in the middle of a message. */
	s.tcp_prefix = 1;
	n = pb_frame(f, sizeof(f), &s, msg, ml, &o);
	f[o.payload - 1] += 40;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_TCP_PARTIAL);
	s.tcp_prefix = 0;
	n = pb_frame(f, sizeof(f), &s, msg + 20, ml - 20, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_TCP_PARTIAL);
	n = pb_frame(f, sizeof(f), &s, msg, 1, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_TCP_PARTIAL);

	/* Whole message that is itself malformed. */
	s.tcp_prefix = 1;
	n = pb_frame(f, sizeof(f), &s, msg, 10, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_DNS);
	assert_int_equal(p.dns_status, DNSF_DNS_E_SHORT);

	/* Empty segments (SYN, ACK, FIN) on port 53: connection control, untouched. */
	s.tcp_prefix = 0;
	s.tcp_flags = 0x02;
	n = pb_frame(f, sizeof(f), &s, NULL, 0, &o);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.l4_proto, 6);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.client_is_src, 0);

	/* Bad data offsets. */
	s.tcp_flags = 0;
	s.tcp_prefix = 1;
	n = pb_frame(f, sizeof(f), &s, msg, ml, &o);
	f[o.l4 + 12] = 4 << 4;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L4);
	f[o.l4 + 12] = 15 << 4; /* 60 bytes: more than the segment */
	assert_int_equal(parse(f, 14 + 20 + 40, &p), DNSF_PKT_MALFORMED);
	f[14 + 2] = 0, f[14 + 3] = 60; /* fix IP total length to the cut frame */
	assert_int_equal(parse(f, 14 + 60, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L4);

	/* TCP header cut (ports readable). */
	n = pb_frame(f, sizeof(f), &s, msg, ml, &o);
	f[14 + 2] = 0, f[14 + 3] = 20 + 10;
	assert_int_equal(parse(f, 14 + 30, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L4);

	/* DNS over TCP disabled: passes as non-DNS. */
	struct dnsf_pkt_cfg notcp = cfg53;
	notcp.tcp = 0;
	n = pb_frame(f, sizeof(f), &s, msg, ml, &o);
	assert_int_equal(parse_cfg(f, n, &notcp, &p), DNSF_PKT_NON_DNS);
}

static void
test_ports(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	struct pb_spec s;
	struct dnsf_pkt_cfg cfg = {.dns_ports = {5353, 8053}, .n_dns_ports = 2, .tcp = 1};
	size_t ml = query_msg(msg, sizeof(msg), "port.example");
	size_t n;

	pb_spec_init(&s, 4, 17, 1);
	s.dport = 8053;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse_cfg(f, n, &cfg, &p), DNSF_PKT_DNS);
	assert_int_equal(p.client_is_src, 1);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS); /* not with the default config */
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 8053);
	assert_int_equal(p.client_is_src, 0);

	s.dport = 53;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse_cfg(f, n, &cfg, &p), DNSF_PKT_NON_DNS);

	/* Response from 5353 to an ephemeral port. */
	ml = response_msg(msg, sizeof(msg), "port.example", 8);
	pb_spec_init(&s, 6, 17, 0);
	s.sport = 5353;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse_cfg(f, n, &cfg, &p), DNSF_PKT_DNS);
	assert_int_equal(p.client_is_src, 0);

	/* Both ports DNS (resolver to resolver): the query sender is the client. */
	s.dport = 8053;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse_cfg(f, n, &cfg, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_query, 0);
	assert_int_equal(p.client_is_src, 0);
	ml = query_msg(msg, sizeof(msg), "port.example");
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse_cfg(f, n, &cfg, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_query, 1);
	assert_int_equal(p.client_is_src, 1);

	/* No DNS ports configured: nothing is DNS. */
	struct dnsf_pkt_cfg none = {.n_dns_ports = 0, .tcp = 1};
	n = pb_dns_frame(f, sizeof(f), 4, 17, 1, msg, ml);
	assert_int_equal(parse_cfg(f, n, &none, &p), DNSF_PKT_NON_DNS);

	/* Default config. */
	struct dnsf_pkt_cfg def;
	memset(&def, 0xff, sizeof(def));
	dnsf_pkt_cfg_default(&def);
	assert_int_equal(def.n_dns_ports, 1);
	assert_int_equal(def.dns_ports[0], 53);
	assert_int_equal(def.tcp, 1);
}

static void
test_non_dns(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	struct pb_spec s;
	size_t ml = query_msg(msg, sizeof(msg), "x.example");
	size_t n;

	pb_spec_init(&s, 4, 17, 1);
	s.sport = 1234, s.dport = 5678;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.l4_proto, 17);
	assert_int_equal(p.dns.qname_len, 0); /* dns stays the empty message */
	assert_string_equal(p.dns.qname, "");

	/* ICMP carrying a DNS-looking payload. */
	pb_spec_init(&s, 4, 1, 1);
	s.raw_l4 = 1;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.l4_proto, 1);

	/* ARP and runts. */
	n = pb_dns_frame(f, sizeof(f), 4, 17, 1, msg, ml);
	f[12] = 0x08, f[13] = 0x06;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.ip_version, 0);
	for (size_t len = 0; len < 14; len++)
		assert_int_equal(parse(f, len, &p), DNSF_PKT_NON_DNS);

	/* IPv4 ethertype with a version-6 header. */
	n = pb_dns_frame(f, sizeof(f), 4, 17, 1, msg, ml);
	f[14] = 0x65;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
}

/* ---------------------------------------------------------------- L3 / L4 defects */

static void
test_truncated_l3_l4(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	size_t ml = query_msg(msg, sizeof(msg), "x.example");
	size_t n = pb_dns_frame(f, sizeof(f), 4, 17, 1, msg, ml);

	/* IP header cut: ports unreadable -> not ours. */
	for (size_t len = 14; len < 34 + 4; len++)
		assert_int_equal(parse(f, len, &p), DNSF_PKT_NON_DNS);
	/* IHL < 5, and IHL beyond the frame. */
	f[14] = 0x44;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	f[14] = 0x4f;
	assert_int_equal(parse(f, 14 + 40, &p), DNSF_PKT_NON_DNS);
	/* Another version nibble with IHL 5 in an IPv4 ethertype (0x45 alone is the short way). */
	f[14] = 0x65;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	f[14] = 0x55;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	f[14] = 0x45;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	/* Ethertypes above the tag types are not tags (0x9100, 0xffff). */
	f[12] = 0x91, f[13] = 0x00;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	assert_int_equal(p.n_vlan, 0);
	f[12] = 0xff, f[13] = 0xff;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
	f[12] = 0x08, f[13] = 0x00;

	/* Frame cut inside UDP / DNS while the total length says more: ports say DNS -> L3. */
	for (size_t len = 34 + 4; len < n; len++) {
		assert_int_equal(parse(f, len, &p), DNSF_PKT_MALFORMED);
		assert_int_equal(p.malformed, DNSF_PKT_M_L3);
		assert_int_equal(p.is_query, 1);
	}
	/* Total length shorter than the header. */
	f[16] = 0, f[17] = 19;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L3);

	/* Total length covering only part of the UDP header: L4. */
	f[17] = 20 + 6;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L4);
	/* ...or only 2 bytes of it: ports unreadable. */
	f[17] = 20 + 2;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);

	/* IPv6: payload length past the frame; header cut. */
	n = pb_dns_frame(f, sizeof(f), 6, 17, 1, msg, ml);
	assert_int_equal(parse(f, n - 1, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L3);
	assert_int_equal(parse(f, 14 + 39, &p), DNSF_PKT_NON_DNS);
	f[14 + 4] = 0, f[14 + 5] = 3; /* payload length 3: ports unreadable */
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
}

static void
test_udp_length(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	struct pb_offsets o;
	struct pb_spec s;
	size_t ml = query_msg(msg, sizeof(msg), "x.example");

	for (int v = 4; v <= 6; v += 2) {
		pb_spec_init(&s, v, 17, 1);
		size_t n = pb_frame(f, sizeof(f), &s, msg, ml, &o);
		unsigned ulen = (unsigned)(8 + ml);
		static const int delta[] = {1, -1, 100};
		for (int i = 0; i < 3; i++) {
			pb_w16(f + o.l4 + 4, (unsigned)((int)ulen + delta[i]));
			assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
			assert_int_equal(p.malformed, DNSF_PKT_M_L4);
		}
		pb_w16(f + o.l4 + 4, 7);
		assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
		assert_int_equal(p.malformed, DNSF_PKT_M_L4);
		pb_w16(f + o.l4 + 4, ulen);
		assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	}
}

static void
test_dns_malformed_in_udp(void **state)
{
	(void)state;
	uint8_t msg[512], f[2048];
	struct dnsf_pkt p;
	size_t ml = query_msg(msg, sizeof(msg), "abc.example");

	msg[12] = 0x40; /* reserved label type */
	size_t n = pb_dns_frame(f, sizeof(f), 4, 17, 1, msg, ml);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_DNS);
	assert_int_equal(p.dns_status, DNSF_DNS_E_LABEL_LEN);
	assert_int_equal(p.is_query, 1);
	assert_int_equal(p.client_is_src, 1);
	assert_int_equal(p.dns_len, ml);

	/* A DNS header that does not fit a whole (non-fragmented) datagram. */
	n = pb_dns_frame(f, sizeof(f), 6, 17, 0, msg, 2);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.dns_status, DNSF_DNS_E_SHORT);
	assert_int_equal(p.is_query, 0); /* from the ports: only the source is a DNS port */
}

/* ---------------------------------------------------------------- fragments */

static void
test_fragments_v4(void **state)
{
	(void)state;
	uint8_t msg[2048], f[4096];
	struct dnsf_pkt p;
	struct pb_spec s;
	size_t ml = response_msg(msg, sizeof(msg), "frag.example", 1200);
	size_t n;

	/* Non-first fragments (with and without MF, every offset bit): never parsed past IP. */
	static const uint16_t offs[] = {1, 185, 0x1000, 0x1fff};
	for (size_t i = 0; i < 2 * sizeof(offs) / sizeof(offs[0]); i++) {
		pb_spec_init(&s, 4, 17, 0);
		s.raw_l4 = 1;
		s.frag_off8 = offs[i / 2];
		s.more_frags = i & 1;
		n = pb_frame(f, sizeof(f), &s, msg + 100, 300, NULL);
		assert_int_equal(parse(f, n, &p), DNSF_PKT_FRAGMENT);
		assert_int_equal(p.ip_version, 4);
		assert_int_equal(p.sport, 0);
		assert_int_equal(p.l4_off, 0);
	}

	/* First fragment holding header, question and part of the answer: parsed, partial. */
	pb_spec_init(&s, 4, 17, 0);
	s.more_frags = 1;
	s.l4_keep = 8 + 600;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_frag, 1);
	assert_int_equal(p.dns_len, 600);
	assert_int_equal(p.dns.partial, 1);
	assert_int_equal(p.dns.rdata_total, 0);
	assert_string_equal(p.dns.qname, "frag.example");
	assert_int_equal(p.client_is_src, 0);

	/* First fragment whose UDP length is shorter than what it carries: L4. */
	f[14 + 20 + 4] = 0, f[14 + 20 + 5] = 100;
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.malformed, DNSF_PKT_M_L4);

	/* First fragment too short for the DNS header. */
	s.l4_keep = 8 + 8;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_FRAGMENT);
	assert_int_equal(p.is_frag, 1);
	assert_int_equal(p.sport, 53);

	/* First fragment cut inside the question: malformed, not a fragment. */
	s.l4_keep = 8 + 16;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_MALFORMED);
	assert_int_equal(p.dns_status, DNSF_DNS_E_TRUNC_QNAME);

	/* First fragment of a non-DNS datagram. */
	s.l4_keep = 8 + 600;
	s.sport = 999;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_NON_DNS);
}

static void
test_fragments_v6(void **state)
{
	(void)state;
	uint8_t msg[2048], f[4096];
	struct dnsf_pkt p;
	struct pb_spec s;
	size_t ml = response_msg(msg, sizeof(msg), "frag6.example", 1400);
	size_t n;

	pb_spec_init(&s, 6, 17, 0);
	s.v6_frag = 1;
	s.raw_l4 = 1;
	s.frag_off8 = 150;
	n = pb_frame(f, sizeof(f), &s, msg + 1200, 200, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_FRAGMENT);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.l4_proto, 17);

	/* First fragment after a destination options header. */
	pb_spec_init(&s, 6, 17, 0);
	s.n_ext = 1;
	s.ext[0] = 60;
	s.v6_frag = 1;
	s.more_frags = 1;
	s.l4_keep = 8 + 1000;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_frag, 1);
	assert_int_equal(p.dns.partial, 1);
	assert_int_equal(p.l4_off, 14 + 40 + 8 + 8);
	assert_string_equal(p.dns.qname, "frag6.example");

	s.l4_keep = 8 + 11;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_FRAGMENT);

	/* Atomic fragment (offset 0, M=0): a whole datagram. */
	s.more_frags = 0;
	s.l4_keep = 0;
	n = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
	assert_int_equal(parse(f, n, &p), DNSF_PKT_DNS);
	assert_int_equal(p.is_frag, 0);
	assert_int_equal(p.dns.partial, 0);
	assert_int_equal(p.dns.rdata_total, 1400);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dnsf_pkt_class_name(DNSF_PKT_NON_DNS), "non_dns");
	assert_string_equal(dnsf_pkt_class_name(DNSF_PKT_DNS), "dns");
	assert_string_equal(dnsf_pkt_class_name(DNSF_PKT_MALFORMED), "malformed");
	assert_string_equal(dnsf_pkt_class_name(DNSF_PKT_FRAGMENT), "fragment");
	assert_string_equal(dnsf_pkt_class_name((enum dnsf_pkt_class)9), "unknown");
	assert_string_equal(dnsf_pkt_malformed_name(DNSF_PKT_M_NONE), "none");
	assert_string_equal(dnsf_pkt_malformed_name(DNSF_PKT_M_L3), "l3");
	assert_string_equal(dnsf_pkt_malformed_name(DNSF_PKT_M_L4), "l4");
	assert_string_equal(dnsf_pkt_malformed_name(DNSF_PKT_M_DNS), "dns");
	assert_string_equal(dnsf_pkt_malformed_name(DNSF_PKT_M_TCP_PARTIAL), "tcp_partial");
	assert_string_equal(dnsf_pkt_malformed_name(DNSF_PKT_M__COUNT), "unknown");
}

/* ---------------------------------------------------------------- garbage */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* splitmix64: seeded, so a failure reproduces. */
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
fill_random(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rng();
}

/* Parse as a frame and as a bare DNS message, with full sanity checks. */
static void
parse_both(const uint8_t *b, size_t len, const struct dnsf_pkt_cfg *cfg, unsigned *hist)
{
	struct dnsf_pkt p;
	struct dnsf_dns_msg m;
	uint8_t *copy = malloc(len ? len : 1);

	hist[parse_cfg(b, len, cfg, &p)]++;
	assert_non_null(copy);
	if (len)
		memcpy(copy, b, len);
	enum dnsf_dns_status st = dnsf_dns_parse(copy, len, &m);
	assert_true((unsigned)st < DNSF_DNS_E__COUNT);
	if (st == DNSF_DNS_OK)
		check_qname_ref(b, len, &m);
	assert_int_equal(strlen(m.qname), m.qname_len);
	assert_true(m.nlabels <= DNSF_DNS_MAX_LABELS);
	assert_true(m.end_off <= len);
	st = dnsf_dns_parse_head(copy, len, &m);
	assert_true((unsigned)st < DNSF_DNS_E__COUNT);
	assert_int_equal(strlen(m.qname), m.qname_len);
	free(copy);
}

static void
test_garbage(void **state)
{
	(void)state;
	static uint8_t b[70000], msg[2048];
	uint8_t base[24][2048];
	size_t blen[24], nb = 0;
	unsigned hist[4] = {0};
	struct dnsf_pkt_cfg cfg = cfg53;
	struct pb_spec s;
	size_t len, ml;

	rng_state = 20240601;

	/* Pure garbage at every length 0..600, also behind valid Ethernet/IP/UDP headers. */
	for (len = 0; len <= 600; len++) {
		for (int k = 0; k < 8; k++) {
			fill_random(b, len);
			parse_both(b, len, &cfg, hist);
			if (len >= 12) {
				size_t n;
				pb_spec_init(&s, k & 1 ? 6 : 4, k & 2 ? 6 : 17, k & 4);
				s.n_vlan = (uint8_t)(k % 3);
				s.tcp_prefix = (k & 2) != 0;
				/* The payload is copied before the frame is written. */
				fill_random(b + 2000, len);
				n = pb_frame(b, sizeof(b), &s, b + 2000, len, NULL);
				parse_both(b, n, &cfg, hist);
			}
		}
	}

	/* Valid frames of every layering, then bit flips and cuts of each. */
	ml = response_msg(msg, sizeof(msg), "Flip0123456789ABCDEFghij.t.Example.COM", 60);
	for (int v = 4; v <= 6; v += 2) {
		for (int proto = 6; proto <= 17; proto += 11) {
			for (int vl = 0; vl <= 2; vl++) {
				pb_spec_init(&s, v, proto, 1);
				s.n_vlan = (uint8_t)vl;
				s.tpid[0] = vl == 2 ? 0x88a8 : 0x8100;
				s.tcp_prefix = proto == 6;
				if (v == 4 && vl == 1)
					s.v4_optlen = 8;
				if (v == 6 && vl >= 1) {
					s.n_ext = 2;
					s.ext[0] = 0, s.ext[1] = 60;
				}
				if (proto == 17 && vl == 2) {
					s.more_frags = 1;
					s.v6_frag = v == 6;
					s.l4_keep =
					    8 + 70; /* header, question, part of the answer */
				}
				blen[nb] = pb_frame(base[nb], sizeof(base[nb]), &s, msg, ml, NULL);
				assert_true(blen[nb] > 0);
				struct dnsf_pkt p;
				assert_int_equal(parse(base[nb], blen[nb], &p), DNSF_PKT_DNS);
				nb++;
			}
		}
	}
	for (size_t i = 0; i < nb; i++) {
		for (len = 0; len <= blen[i]; len++)
			parse_both(base[i], len, &cfg, hist);
		for (int it = 0; it < 10000; it++) {
			memcpy(b, base[i], blen[i]);
			int flips = 1 + (int)(rng() % 4);
			for (int k = 0; k < flips; k++) {
				size_t bit = rng() % (blen[i] * 8);
				b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			len = rng() % 8 ? blen[i] : rng() % (blen[i] + 1);
			parse_both(b, len, &cfg, hist);
		}
	}
	/* Bare DNS messages with compression, several sections and EDNS0, flipped and cut. */
	{
		static uint8_t rd[64];
		struct pb_dns d;
		pb_dns_init(&d, msg, sizeof(msg), 7, PB_QR | PB_RD | PB_RA);
		uint16_t q = pb_question(&d, "Deep.Label.Chain.example.ORG", DNSF_T_TXT, 1);
		uint16_t o1 = (uint16_t)d.len;
		pb_labels(&d, "cname-target");
		pb_ptr(&d, q + 5);
		pb_rr_tail(&d, PB_AN, DNSF_T_CNAME, 1, 60, rd, 8);
		pb_rr_ptr(&d, PB_AN, o1, DNSF_T_TXT, rd, 40);
		pb_rr_ptr(&d, PB_NS, q + 16, DNSF_T_NS, rd, 6);
		pb_opt(&d, 4096, 0, 0, 1);
		ml = pb_dns_finish(&d);
		for (int it = 0; it < 30000; it++) {
			memcpy(b, msg, ml);
			int flips = 1 + (int)(rng() % 3);
			for (int k = 0; k < flips; k++) {
				size_t bit = rng() % (ml * 8);
				b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			len = rng() % 8 ? ml : rng() % (ml + 1);
			parse_both(b, len, &cfg, hist);
		}
	}

	/* The garbage reached every outcome, so the checks above ran on each. */
	for (int c = 0; c < 4; c++)
		assert_true(hist[c] > 0);
}

int
main(void)
{
	dnsf_pkt_cfg_default(&cfg53);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_v4_both_directions),
	    cmocka_unit_test(test_vlan),
	    cmocka_unit_test(test_ipv4_options_and_padding),
	    cmocka_unit_test(test_ipv6_ext_headers),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_ports),
	    cmocka_unit_test(test_non_dns),
	    cmocka_unit_test(test_truncated_l3_l4),
	    cmocka_unit_test(test_udp_length),
	    cmocka_unit_test(test_dns_malformed_in_udp),
	    cmocka_unit_test(test_fragments_v4),
	    cmocka_unit_test(test_fragments_v6),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
