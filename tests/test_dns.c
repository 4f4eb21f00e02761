/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dnsf_dns_parse(): valid messages (question decoding, EDNS0, answer RDATA stats,
 * compression) and each malformation, always on exact-size heap copies so that a sanitizer or
 * valgrind sees any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_dns.h"
#include "pktbuild.h"
#include "qname_ref.h"

/* Parse a heap copy of exactly len bytes, then check the invariants every result must keep. */
static enum dnsf_dns_status
parse_exact(const uint8_t *msg, size_t len, struct dnsf_dns_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum dnsf_dns_status st;
	unsigned i;

	assert_non_null(copy);
	if (len)
		memcpy(copy, msg, len);
	memset(m, 0xa5, sizeof(*m)); /* garbage in: the parser must define every field */
	st = dnsf_dns_parse(copy, len, m);
	free(copy);

	assert_true((unsigned)st < DNSF_DNS_E__COUNT);
	if (st == DNSF_DNS_OK)
		check_qname_ref(msg, len, m);
	assert_int_equal(strlen(m->qname), m->qname_len);
	assert_true(m->nlabels <= DNSF_DNS_MAX_LABELS);
	assert_true(m->end_off <= len);
	assert_true(m->partial <= 1 && m->has_opt <= 1 && m->do_bit <= 1);
	if (m->nlabels == 0)
		assert_int_equal(m->qname_len, 0);
	for (i = 0; i < m->nlabels; i++) {
		assert_true(m->label_len[i] >= 1 && m->label_len[i] <= 63);
		if (i == 0)
			assert_int_equal(m->label_off[0], 0);
		else
			assert_int_equal(m->label_off[i],
			                 m->label_off[i - 1] + m->label_len[i - 1] + 1);
	}
	if (m->nlabels)
		assert_int_equal(m->label_off[m->nlabels - 1] + m->label_len[m->nlabels - 1],
		                 m->qname_len);
	return st;
}

static size_t
std_query(uint8_t *buf, size_t cap, const char *name)
{
	return pb_query(buf, cap, 0x1234, name, DNSF_T_A, 0);
}

/* ---------------------------------------------------------------- valid messages */

static void
test_query_basic(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	size_t n = std_query(b, sizeof(b), "www.ExAmple.COM");

	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.flags, PB_RD);
	assert_int_equal(m.qr, 0);
	assert_int_equal(m.opcode, 0);
	assert_int_equal(m.rcode, 0);
	assert_int_equal(m.tc, 0);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.ancount + m.nscount + m.arcount, 0);
	assert_string_equal(m.qname, "www.example.com");
	assert_int_equal(m.qname_len, 15);
	assert_int_equal(m.nlabels, 3);
	assert_int_equal(m.label_off[0], 0);
	assert_int_equal(m.label_len[0], 3);
	assert_int_equal(m.label_off[1], 4);
	assert_int_equal(m.label_len[1], 7);
	assert_int_equal(m.label_off[2], 12);
	assert_int_equal(m.label_len[2], 3);
	assert_int_equal(m.qname_upper, 5); /* E, A, C, O, M */
	assert_int_equal(m.qname_wire_off, 12);
	assert_int_equal(m.qname_wire_len, 17);
	assert_int_equal(m.qtype, DNSF_T_A);
	assert_int_equal(m.qclass, 1);
	assert_int_equal(m.has_opt, 0);
	assert_int_equal(m.end_off, n);
	assert_int_equal(m.partial, 0);
	assert_int_equal(m.rdata_total, 0);
	assert_int_equal(m.answer_types, 0);
}

static void
test_query_root_and_no_question(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	struct pb_dns d;
	size_t n = pb_query(b, sizeof(b), 7, "", DNSF_T_NS, 0);

	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_string_equal(m.qname, "");
	assert_int_equal(m.nlabels, 0);
	assert_int_equal(m.qname_wire_len, 1);
	assert_int_equal(m.qtype, DNSF_T_NS);

	/* NOTIMP answer without a question section. */
	pb_dns_init(&d, b, sizeof(b), 9, PB_QR | 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.qr, 1);
	assert_int_equal(m.rcode, 4);
	assert_int_equal(m.qdcount, 0);
	assert_int_equal(m.qname_len, 0);
	assert_int_equal(m.qname_wire_len, 0);
	assert_int_equal(m.qtype, 0);
	assert_int_equal(m.end_off, 12);
}

static void
test_query_odd_bytes(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	struct pb_dns d;
	static const uint8_t lab[] = {'A', '.', 'b', 0, 0xC8, 'Z'};

	/* A '.', a NUL and a high byte inside one label; the upper-case count covers ASCII only. */
	pb_dns_init(&d, b, sizeof(b), 1, 0);
	pb_label(&d, lab, sizeof(lab));
	pb_labels(&d, "Tld");
	pb_u8(&d, 0);
	pb_u16(&d, DNSF_T_TXT);
	pb_u16(&d, 1);
	d.count[0] = 1;
	size_t n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.nlabels, 2);
	assert_int_equal(m.label_len[0], 6);
	assert_int_equal(m.label_off[1], 7);
	assert_int_equal(m.qname_len, 10);
	assert_memory_equal(m.qname, "a.b\xff\xc8z.tld", 11);
	assert_int_equal(m.qname_upper, 3);
	assert_int_equal(m.qtype, DNSF_T_TXT);
}

/* Lower-casing and the upper-case count against a plain reference, for labels of every length
 * (the 8-byte path and the byte tail) made of the bytes around the A-Z boundaries. */
static void
test_lowercase_reference(void **state)
{
	(void)state;
	static const uint8_t alphabet[] = {'A',  'Z',  'a',  'z',         '@',  '[',  '`',
	                                   '{',  0,    '0',  '-',         0x80, 0xc1, 0xda,
	                                   0xe1, 0xff, 0x7f, 0x41 ^ 0x80, 'M'};
	uint8_t b[512], lab[63];
	char ref[64];
	struct dnsf_dns_msg m;
	struct pb_dns d;
	uint32_t x = 12345;

	for (unsigned len = 1; len <= 63; len++) {
		for (int rep = 0; rep < 20; rep++) {
			unsigned up = 0;
			for (unsigned i = 0; i < len; i++) {
				x = x * 1103515245u + 12345u;
				uint8_t c = alphabet[(x >> 16) % sizeof(alphabet)];
				lab[i] = c;
				up += c >= 'A' && c <= 'Z';
				ref[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c == 0 ? 0xff : c);
			}
			pb_dns_init(&d, b, sizeof(b), 1, 0);
			pb_label(&d, lab, len);
			pb_u8(&d, 0);
			pb_u16(&d, 1);
			pb_u16(&d, 1);
			d.count[0] = 1;
			size_t n = pb_dns_finish(&d);
			assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
			assert_int_equal(m.qname_len, len);
			assert_memory_equal(m.qname, ref, len);
			assert_int_equal(m.qname_upper, up);
		}
	}
}

/* Whole names against the reference: 1..12 labels of 1..63 bytes (also '.', NUL and bytes
 * >= 0x80 inside labels), then 0..20 bytes after the final 0, so the name ends at every
 * distance from the end of the message (the parser lower-cases 16 bytes at a time and must not
 * read past the message: parse_exact() parses an exact-size heap copy). Cut before QTYPE/QCLASS
 * is trunc_q; overlong names are name_len; otherwise the labels, the '.' between them and the
 * upper-case count must match. */
static void
test_multilabel_reference(void **state)
{
	(void)state;
	static const uint8_t alphabet[] = {'A', 'Z', 'a', 'z',  '@',  '[', '.',
	                                   0,   '0', '-', 0x80, 0xda, 'M', 'q'};
	uint8_t b[600], lab[63];
	struct dnsf_dns_msg m;
	uint32_t x = 777;

	for (int rep = 0; rep < 3000; rep++) {
		struct pb_dns d;
		unsigned nl, wire = 1, lens[12];

		x = x * 1103515245u + 12345u;
		nl = 1 + (x >> 16) % 12;
		pb_dns_init(&d, b, sizeof(b), 1, 0);
		for (unsigned l = 0; l < nl; l++) {
			x = x * 1103515245u + 12345u;
			/* Mostly short labels, now and then a long one. */
			lens[l] = (x >> 20) % 4 ? 1 + (x >> 16) % 20 : 1 + (x >> 16) % 63;
			for (unsigned i = 0; i < lens[l]; i++) {
				x = x * 1103515245u + 12345u;
				lab[i] = alphabet[(x >> 16) % sizeof(alphabet)];
			}
			pb_label(&d, lab, lens[l]);
			wire += lens[l] + 1;
		}
		pb_u8(&d, 0);
		x = x * 1103515245u + 12345u;
		const unsigned after = (x >> 16) % 21;
		for (unsigned i = 0; i < after; i++)
			pb_u8(&d, i < 4 ? 1 : 0x41);
		d.count[0] = 1;
		const size_t n = pb_dns_finish(&d);
		const enum dnsf_dns_status st = parse_exact(b, n, &m);

		if (wire > DNSF_DNS_MAX_NAME) {
			assert_int_equal(st, DNSF_DNS_E_NAME_LEN);
			continue;
		}
		if (after < 4) {
			assert_int_equal(st, DNSF_DNS_E_TRUNC_Q);
		} else {
			/* Trailing bytes beyond the question are records the header does not
			 * announce: ignored. */
			assert_int_equal(st, DNSF_DNS_OK);
		}
		assert_int_equal(m.nlabels, nl);
		assert_int_equal(m.qname_len, wire - 2);
		assert_int_equal(m.qname_wire_len, wire);
		for (unsigned l = 0; l < nl; l++) {
			assert_int_equal(m.label_len[l], lens[l]);
			if (l)
				assert_int_equal(m.qname[m.label_off[l] - 1], '.');
		}
	}
}

static void
test_name_limits(void **state)
{
	(void)state;
	uint8_t b[1024];
	char name[600];
	struct dnsf_dns_msg m;
	size_t n;
	int i;

	/* 127 one-letter labels: 127 * 2 + 1 = 255 octets, the most labels a name can have. */
	name[0] = 0;
	for (i = 0; i < 127; i++)
		strcat(name, i ? ".x" : "x");
	n = std_query(b, sizeof(b), name);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.nlabels, 127);
	assert_int_equal(m.qname_len, 253);
	assert_int_equal(m.qname_wire_len, 255);
	assert_string_equal(m.qname, name);

	/* 128 labels: 257 octets. */
	strcat(name, ".y");
	n = std_query(b, sizeof(b), name);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_NAME_LEN);
	assert_int_equal(m.nlabels, 0);
	assert_string_equal(m.qname, "");

	/* 63+63+63+61 characters: 4 * 1 + 250 + 1 = 255 octets exactly; one more is 256. */
	char l63[64], l61[62];
	memset(l63, 'a', 63);
	l63[63] = 0;
	memset(l61, 'b', 61);
	l61[61] = 0;
	snprintf(name, sizeof(name), "%s.%s.%s.%s", l63, l63, l63, l61);
	n = std_query(b, sizeof(b), name);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.qname_len, 253);
	assert_int_equal(m.nlabels, 4);
	assert_int_equal(m.label_len[3], 61);
	snprintf(name, sizeof(name), "%s.%s.%s.%sb", l63, l63, l63, l61);
	n = std_query(b, sizeof(b), name);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_NAME_LEN);
}

static void
test_edns(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	struct pb_dns d;

	pb_dns_init(&d, b, sizeof(b), 1, PB_RD);
	pb_question(&d, "example.org", DNSF_T_AAAA, 1);
	pb_opt(&d, 4096, 0, 0, 1);
	size_t n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.has_opt, 1);
	assert_int_equal(m.udp_size, 4096);
	assert_int_equal(m.do_bit, 1);
	assert_int_equal(m.ext_rcode, 0);
	assert_int_equal(m.edns_version, 0);
	assert_int_equal(m.arcount, 1);
	assert_int_equal(m.end_off, n);

	/* Response with BADVERS-style extended rcode, EDNS version 1, DO clear, and a cookie. */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR | 0);
	pb_question(&d, "example.org", DNSF_T_AAAA, 1);
	pb_u8(&d, 0);
	static const uint8_t cookie[12] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	pb_rr_tail(&d, PB_AR, DNSF_T_OPT, 1232, 1u << 24 | 1u << 16, cookie, sizeof(cookie));
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.udp_size, 1232);
	assert_int_equal(m.do_bit, 0);
	assert_int_equal(m.ext_rcode, 1);
	assert_int_equal(m.edns_version, 1);
}

static void
test_response_rdata_stats(void **state)
{
	(void)state;
	uint8_t b[2048], rd[400];
	struct dnsf_dns_msg m;
	struct pb_dns d;

	memset(rd, 'x', sizeof(rd));
	pb_dns_init(&d, b, sizeof(b), 0xbeef, PB_QR | PB_RD | PB_RA);
	uint16_t q = pb_question(&d, "t.tunnel.example", DNSF_T_TXT, 1);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_TXT, rd, 200);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_A, rd, 4);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_NULL, rd, 300);
	pb_rr_ptr(&d, PB_AN, q, 65300, rd, 50);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_CNAME, rd, 10);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_RRSIG, rd, 20);
	/* Authority and additional data do not count toward the answer summary. */
	pb_rr(&d, PB_NS, "tunnel.example", DNSF_T_NS, rd, 399);
	pb_rr(&d, PB_AR, "ns.tunnel.example", DNSF_T_TXT, rd, 399);
	pb_opt(&d, 1232, 0, 0, 0);
	size_t n = pb_dns_finish(&d);

	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.qr, 1);
	assert_int_equal(m.ancount, 6);
	assert_int_equal(m.nscount, 1);
	assert_int_equal(m.arcount, 2);
	assert_int_equal(m.rdata_total, 200 + 4 + 300 + 50 + 10 + 20);
	assert_int_equal(m.rdata_max, 300);
	assert_int_equal(m.txtnull_max, 300);
	assert_int_equal(m.answer_types, 1u << DNSF_RRC_TXT | 1u << DNSF_RRC_ADDR |
	                                     1u << DNSF_RRC_NULL | 1u << DNSF_RRC_PRIVATE |
	                                     1u << DNSF_RRC_CNAME | 1u << DNSF_RRC_OTHER);
	assert_int_equal(m.has_opt, 1);
	assert_int_equal(m.end_off, n);
	assert_string_equal(m.qname, "t.tunnel.example");

	/* Only a private-type answer: txtnull_max follows it. */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	q = pb_question(&d, "p.example", 65399, 1);
	pb_rr_ptr(&d, PB_AN, q, 65399, rd, 77);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.txtnull_max, 77);
	assert_int_equal(m.answer_types, 1u << DNSF_RRC_PRIVATE);
}

static void
test_compression_valid(void **state)
{
	(void)state;
	uint8_t b[1024], rd[4] = {192, 0, 2, 1};
	struct dnsf_dns_msg m;
	struct pb_dns d;

	pb_dns_init(&d, b, sizeof(b), 2, PB_QR);
	uint16_t q = pb_question(&d, "www.example.com", DNSF_T_A, 1);
	/* Owner "mail" + pointer into the middle of the question name ("example.com"). */
	uint16_t o1 = (uint16_t)d.len;
	pb_labels(&d, "mail");
	pb_ptr(&d, q + 4);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 60, rd, 4);
	/* Owner "x" + pointer to the previous owner: two hops, each backwards. */
	uint16_t o2 = (uint16_t)d.len;
	pb_labels(&d, "x");
	pb_ptr(&d, o1);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 60, rd, 4);
	/* Owner is a bare pointer to the previous owner: three hops. */
	pb_rr_ptr(&d, PB_AN, o2, DNSF_T_A, rd, 4);
	size_t n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.ancount, 3);
	assert_int_equal(m.rdata_total, 12);
	assert_int_equal(m.end_off, n);

	/* A second question may be compressed against the first; only the first is decoded. */
	pb_dns_init(&d, b, sizeof(b), 3, 0);
	q = pb_question(&d, "a.example.net", DNSF_T_A, 1);
	pb_labels(&d, "b");
	pb_ptr(&d, q + 2);
	pb_u16(&d, DNSF_T_AAAA);
	pb_u16(&d, 1);
	d.count[0]++;
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.qdcount, 2);
	assert_string_equal(m.qname, "a.example.net");
	assert_int_equal(m.qtype, DNSF_T_A);
	assert_int_equal(m.end_off, n);
}

/* A name made of a pointer chain of `hops` pointers ending in the question name. */
static size_t
ptr_chain_msg(uint8_t *b, size_t cap, unsigned hops)
{
	struct pb_dns d;
	uint8_t chain[64];
	unsigned i;

	pb_dns_init(&d, b, cap, 4, PB_QR);
	uint16_t q = pb_question(&d, "c.example", DNSF_T_A, 1);
	/* RR 1: NULL record whose RDATA holds names N1..N(hops-1), each a pointer to the one before
	 * (N1 points at the question). RDATA is opaque, so only RR 2's owner walks them. */
	uint16_t base = (uint16_t)(d.len + 2 + 10); /* after RR 1's owner pointer and fixed part */
	for (i = 0; i + 1 < hops; i++) {
		uint16_t to = i == 0 ? q : (uint16_t)(base + 2 * (i - 1));
		chain[2 * i] = (uint8_t)(0xc0 | to >> 8);
		chain[2 * i + 1] = (uint8_t)to;
	}
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_NULL, chain, (uint16_t)(2 * (hops - 1)));
	/* RR 2: owner points at N(hops-1): that is hop 1, then hops-1 more. */
	pb_rr_ptr(&d, PB_AN, hops > 1 ? (uint16_t)(base + 2 * (hops - 2)) : q, DNSF_T_A, chain, 4);
	return pb_dns_finish(&d);
}

static void
test_pointer_limits(void **state)
{
	(void)state;
	uint8_t b[1024];
	struct dnsf_dns_msg m;
	size_t n;

	n = ptr_chain_msg(b, sizeof(b), DNSF_DNS_MAX_PTRS);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	n = ptr_chain_msg(b, sizeof(b), DNSF_DNS_MAX_PTRS + 1);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);
}

/* ---------------------------------------------------------------- malformations */

static void
test_short_header(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	size_t n = std_query(b, sizeof(b), "a.example");

	for (size_t len = 0; len < DNSF_DNS_HDR_LEN; len++) {
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_E_SHORT);
		assert_int_equal(m.qdcount, 0);
		assert_int_equal(m.end_off, 0);
	}
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
}

static void
test_truncated_question(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	size_t n = std_query(b, sizeof(b), "abc.example.com");
	size_t name_end = 12 + 17;

	for (size_t len = 12; len < name_end; len++)
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_E_TRUNC_QNAME);
	for (size_t len = name_end; len < n; len++) {
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_E_TRUNC_Q);
		/* The name itself was whole and stays decoded. */
		assert_string_equal(m.qname, "abc.example.com");
	}
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);

	/* qdcount says 2 but only one question is there. */
	b[5] = 2;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_TRUNC_QNAME);
}

static void
test_label_types(void **state)
{
	(void)state;
	static const unsigned bad[] = {64, 0x7f, 0x80, 0xbf, 0x41};
	uint8_t b[512];
	struct dnsf_dns_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = std_query(b, sizeof(b), "aaaa.example");
		/* "aaaa" has length byte at 12; make the second label's length byte illegal. */
		b[12 + 5] = (uint8_t)bad[i];
		assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_LABEL_LEN);
		assert_string_equal(m.qname, "");
		assert_int_equal(m.nlabels, 0);
	}
}

static void
test_bad_pointers(void **state)
{
	(void)state;
	uint8_t b[512], rd[4] = {1, 2, 3, 4};
	struct dnsf_dns_msg m;
	struct pb_dns d;
	size_t n;

	/* A pointer in the first question can only point forwards / at itself / into the header. */
	static const uint16_t qtargets[] = {12, 13, 30, 0, 4, 11};
	for (size_t i = 0; i < sizeof(qtargets) / sizeof(qtargets[0]); i++) {
		pb_dns_init(&d, b, sizeof(b), 5, 0);
		pb_ptr(&d, qtargets[i]);
		pb_u16(&d, DNSF_T_A);
		pb_u16(&d, 1);
		pb_name(&d, "x.example");
		d.count[0] = 1;
		n = pb_dns_finish(&d);
		assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);
	}

	/* Answer owner pointing forward (at the next record's owner). */
	pb_dns_init(&d, b, sizeof(b), 6, PB_QR);
	uint16_t q = pb_question(&d, "x.example", DNSF_T_A, 1);
	uint16_t here = (uint16_t)d.len;
	pb_rr_ptr(&d, PB_AN, (uint16_t)(here + 16), DNSF_T_A, rd, 4);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);
	/* The question was decoded before the error. */
	assert_string_equal(m.qname, "x.example");

	/* Self pointer. */
	pb_dns_init(&d, b, sizeof(b), 7, PB_QR);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	here = (uint16_t)d.len;
	pb_rr_ptr(&d, PB_AN, here, DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);

	/* Label then a pointer back to the start of its own name: a loop. */
	pb_dns_init(&d, b, sizeof(b), 8, PB_QR);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	here = (uint16_t)d.len;
	pb_labels(&d, "loop");
	pb_ptr(&d, here);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);

	/* The same loop with a 63-octet label: reported as the loop it is at the first repeat,
	 * not as an over-long name after going round it four times. */
	pb_dns_init(&d, b, sizeof(b), 8, PB_QR);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	here = (uint16_t)d.len;
	char l63[64];
	memset(l63, 'L', 63);
	l63[63] = 0;
	pb_labels(&d, l63);
	pb_ptr(&d, here);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);

	/* Two names pointing at each other (RDATA holds the second one). */
	pb_dns_init(&d, b, sizeof(b), 9, PB_QR);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	here = (uint16_t)d.len;
	uint16_t other = (uint16_t)(here + 2 + 10); /* RDATA start of this record */
	uint8_t back[2] = {(uint8_t)(0xc0 | here >> 8), (uint8_t)here};
	pb_rr_ptr(&d, PB_AN, other, DNSF_T_NULL, back, 2);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);

	/* Pointer into the header from an answer. */
	pb_dns_init(&d, b, sizeof(b), 10, PB_QR);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_rr_ptr(&d, PB_AN, 2, DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_PTR_LOOP);

	/* Pointer byte cut off by the end of the message (TC=0). */
	pb_dns_init(&d, b, sizeof(b), 11, PB_QR);
	q = pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n - 15, &m), DNSF_DNS_E_TRUNC_RR);
}

static void
test_rr_names(void **state)
{
	(void)state;
	uint8_t b[1024], rd[4] = {1, 2, 3, 4};
	char name[300], l63[64];
	struct dnsf_dns_msg m;
	struct pb_dns d;
	size_t n;

	/* Owner = two 63-octet labels + pointer to a 190-octet question name: > 255. */
	memset(l63, 'q', 63);
	l63[63] = 0;
	snprintf(name, sizeof(name), "%s.%s.%.60s", l63, l63, l63); /* 64+64+61+1 = 190 */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	uint16_t q = pb_question(&d, name, DNSF_T_A, 1);
	pb_labels(&d, l63);
	pb_ptr(&d, q);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK); /* 64 + 190 = 254 */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	q = pb_question(&d, name, DNSF_T_A, 1);
	pb_labels(&d, "ab");
	pb_labels(&d, "c");
	pb_labels(&d, l63);
	pb_ptr(&d, q);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_NAME_LEN);

	/* Exactly 255 octets through the pointer (2 + 63 + 190), then 256 (64 + 2 + 190). */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	q = pb_question(&d, name, DNSF_T_A, 1);
	pb_labels(&d, "a");
	pb_label(&d, l63, 62);
	pb_ptr(&d, q);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	q = pb_question(&d, name, DNSF_T_A, 1);
	pb_labels(&d, l63);
	pb_labels(&d, "a");
	pb_ptr(&d, q);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_NAME_LEN);
	/* The same two owners pointing at the second label of the question (189 - 64 = 126
	 * octets left there): the walk, not the question shortcut, decides. */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	q = pb_question(&d, name, DNSF_T_A, 1);
	pb_labels(&d, l63);
	pb_labels(&d, l63);
	pb_ptr(&d, q + 64);
	pb_rr_tail(&d, PB_AN, DNSF_T_A, 1, 1, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK); /* 64 + 64 + 126 = 254 */
	/* Pointer into the middle of the question's first label: its byte 'q' (0x71) reads as a
	 * reserved label type. */
	b[n - 16] = (uint8_t)(q + 63);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_LABEL_LEN);

	/* Reserved label type in an additional record's owner. */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	size_t at = d.len;
	pb_rr(&d, PB_AR, "y.example", DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	b[at] = 0x81;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_LABEL_LEN);
}

static void
test_truncated_rr(void **state)
{
	(void)state;
	uint8_t b[1024], rd[64];
	struct dnsf_dns_msg m;
	struct pb_dns d;

	memset(rd, 7, sizeof(rd));
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	uint16_t q = pb_question(&d, "x.example", DNSF_T_TXT, 1);
	size_t q_end = d.len;
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_TXT, rd, 40);
	size_t rr1_end = d.len;
	pb_rr(&d, PB_NS, "example", DNSF_T_NS, rd, 20);
	pb_opt(&d, 1232, 0, 0, 0);
	size_t n = pb_dns_finish(&d);

	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	for (size_t len = q_end; len < n; len++) {
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_E_TRUNC_RR);
		assert_string_equal(m.qname, "x.example");
	}

	/* RDLENGTH larger than what is left. */
	b[rr1_end - 40 - 2] = 0x10;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_TRUNC_RR);
	b[rr1_end - 40 - 2] = 0;

	/* With TC=1 a record section may stop anywhere: OK, partial, counts cover what is there. */
	b[2] |= 0x02;
	for (size_t len = rr1_end; len < n; len++) {
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_OK);
		assert_int_equal(m.partial, 1);
		assert_int_equal(m.tc, 1);
		assert_int_equal(m.rdata_total, 40);
		assert_true(m.end_off >= rr1_end && m.end_off <= len);
	}
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.partial, 0);
	/* ...but the question must still be whole. */
	assert_int_equal(parse_exact(b, q_end - 1, &m), DNSF_DNS_E_TRUNC_Q);

	/* parse_head(): the same leniency without TC (first IP fragment). */
	b[2] &= (uint8_t)~0x02;
	assert_int_equal(dnsf_dns_parse_head(b, rr1_end + 5, &m), DNSF_DNS_OK);
	assert_int_equal(m.partial, 1);
	assert_int_equal(m.end_off, rr1_end);
	assert_int_equal(dnsf_dns_parse_head(b, q_end - 2, &m), DNSF_DNS_E_TRUNC_Q);
}

/* The record walk takes the owners 0xc00c and root without name_skip() when the record's fixed
 * fields fit; near the end of the message they go through name_skip(). Cut the message at every
 * length: with TC=1 each cut keeps exactly the whole records before it, without TC each is
 * TRUNC_RR, and an owner spelled out in place (the general walk) gives the same summary. */
static void
test_owner_fast_paths(void **state)
{
	(void)state;
	uint8_t b[512], rd[8];
	struct dnsf_dns_msg m;
	struct pb_dns d;
	size_t ends[4];

	memset(rd, 0x41, sizeof(rd));
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR | PB_TC);
	uint16_t q = pb_question(&d, "ab.example", DNSF_T_TXT, 1);
	ends[0] = d.len;
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_A, rd, 0); /* 12 octets: the shortest 0xc00c record */
	ends[1] = d.len;
	pb_rr_ptr(&d, PB_AN, q, DNSF_T_TXT, rd, 5);
	ends[2] = d.len;
	pb_opt(&d, 1232, 0, 0, 1); /* 11 octets: the shortest root-owned record */
	ends[3] = d.len;
	size_t n = pb_dns_finish(&d);
	assert_int_equal(n, ends[3]);
	assert_int_equal(ends[1] - ends[0], 12);

	for (size_t len = ends[0]; len <= n; len++) {
		unsigned whole = 0;
		while (whole < 3 && ends[whole + 1] <= len)
			whole++;
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_OK);
		assert_int_equal(m.partial, len < n);
		assert_int_equal(m.end_off, ends[whole]);
		assert_int_equal(m.rdata_total, whole >= 2 ? 5 : 0);
		assert_int_equal(m.answer_types, (whole >= 1 ? 1u << DNSF_RRC_ADDR : 0) |
		                                     (whole >= 2 ? 1u << DNSF_RRC_TXT : 0));
		assert_int_equal(m.has_opt, whole == 3);
		assert_int_equal(m.do_bit, whole == 3);
	}
	b[2] &= (uint8_t)~0x02;
	for (size_t len = ends[0]; len < n; len++)
		assert_int_equal(parse_exact(b, len, &m), DNSF_DNS_E_TRUNC_RR);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);

	/* The same answer owned by the question name spelled out: same summary, longer. */
	struct dnsf_dns_msg m2;
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	pb_question(&d, "ab.example", DNSF_T_TXT, 1);
	pb_rr(&d, PB_AN, "AB.example", DNSF_T_TXT, rd, 5);
	pb_opt(&d, 1232, 0, 0, 1);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m2), DNSF_DNS_OK);
	assert_int_equal(m2.rdata_total, 5);
	assert_int_equal(m2.answer_types, 1u << DNSF_RRC_TXT);
	assert_int_equal(m2.has_opt, 1);
	assert_int_equal(m2.end_off, n);

	/* No question: 0xc00c is then the first record's own owner, walked by name_skip(). */
	pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
	pb_rr(&d, PB_AN, "ab.example", DNSF_T_A, rd, 4);
	pb_rr_ptr(&d, PB_AN, DNSF_DNS_HDR_LEN, DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.rdata_total, 8);
	assert_int_equal(m.end_off, n);
}

static void
test_too_many_rr(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg m;
	size_t n = std_query(b, sizeof(b), "x.example");

	/* qd 1 + an 1023 = 1024: allowed by count, then the records are missing. */
	b[6] = 1023 >> 8;
	b[7] = 1023 & 0xff;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_TRUNC_RR);
	b[6] = 1024 >> 8;
	b[7] = 1024 & 0xff;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_TOO_MANY_RR);
	assert_string_equal(m.qname, "x.example"); /* the question is decoded first */
	/* Spread over sections. */
	b[6] = b[7] = 0;
	b[8] = 2, b[9] = 0, b[10] = 2, b[11] = 0;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_TOO_MANY_RR);
	b[4] = b[5] = 0xff;
	b[8] = b[9] = b[10] = b[11] = 0xff;
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_TOO_MANY_RR);
}

static void
test_bad_opt(void **state)
{
	(void)state;
	uint8_t b[512], rd[4] = {1, 2, 3, 4};
	struct dnsf_dns_msg m;
	struct pb_dns d;
	size_t n;

	/* Duplicate OPT. */
	pb_dns_init(&d, b, sizeof(b), 1, 0);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_opt(&d, 1232, 0, 0, 0);
	pb_opt(&d, 1232, 0, 0, 0);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_BAD_OPT);

	/* OPT in the answer and in the authority section. */
	for (int sec = PB_AN; sec <= PB_NS; sec++) {
		pb_dns_init(&d, b, sizeof(b), 1, PB_QR);
		pb_question(&d, "x.example", DNSF_T_A, 1);
		pb_u8(&d, 0);
		pb_rr_tail(&d, sec, DNSF_T_OPT, 1232, 0, NULL, 0);
		n = pb_dns_finish(&d);
		assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_BAD_OPT);
	}

	/* OPT with a non-root owner. */
	pb_dns_init(&d, b, sizeof(b), 1, 0);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_rr(&d, PB_AR, "x", DNSF_T_OPT, NULL, 0);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_BAD_OPT);

	/* OPT whose option runs past RDLENGTH, and one with a dangling 3-byte tail. */
	static const uint8_t over[6] = {0, 10, 0, 8, 1, 2};
	static const uint8_t tail[7] = {0, 10, 0, 0, 0, 3, 0};
	pb_dns_init(&d, b, sizeof(b), 1, 0);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_u8(&d, 0);
	pb_rr_tail(&d, PB_AR, DNSF_T_OPT, 1232, 0, over, sizeof(over));
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_BAD_OPT);
	pb_dns_init(&d, b, sizeof(b), 1, 0);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_u8(&d, 0);
	pb_rr_tail(&d, PB_AR, DNSF_T_OPT, 1232, 0, tail, sizeof(tail));
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_E_BAD_OPT);

	/* An ordinary record after a good OPT is fine. */
	pb_dns_init(&d, b, sizeof(b), 1, 0);
	pb_question(&d, "x.example", DNSF_T_A, 1);
	pb_opt(&d, 512, 0, 0, 0);
	pb_rr(&d, PB_AR, "y.example", DNSF_T_A, rd, 4);
	n = pb_dns_finish(&d);
	assert_int_equal(parse_exact(b, n, &m), DNSF_DNS_OK);
	assert_int_equal(m.udp_size, 512);
}

static void
test_names_and_classes(void **state)
{
	(void)state;
	assert_string_equal(dnsf_dns_status_name(DNSF_DNS_OK), "ok");
	assert_string_equal(dnsf_dns_status_name(DNSF_DNS_E_PTR_LOOP), "ptr_loop");
	assert_string_equal(dnsf_dns_status_name(DNSF_DNS_E_BAD_OPT), "bad_opt");
	assert_string_equal(dnsf_dns_status_name(DNSF_DNS_E__COUNT), "unknown");
	for (int s = 0; s < DNSF_DNS_E__COUNT; s++) {
		const char *nm = dnsf_dns_status_name((enum dnsf_dns_status)s);
		assert_non_null(nm);
		for (const char *c = nm; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
		for (int t = 0; t < s; t++)
			assert_string_not_equal(nm, dnsf_dns_status_name((enum dnsf_dns_status)t));
	}

	assert_int_equal(dnsf_rrclass_of(DNSF_T_A), DNSF_RRC_ADDR);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_AAAA), DNSF_RRC_ADDR);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_TXT), DNSF_RRC_TXT);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_NULL), DNSF_RRC_NULL);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_CNAME), DNSF_RRC_CNAME);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_MX), DNSF_RRC_MX);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_SRV), DNSF_RRC_SRV);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_KEY), DNSF_RRC_KEY);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_DNSKEY), DNSF_RRC_KEY);
	assert_int_equal(dnsf_rrclass_of(65279), DNSF_RRC_OTHER);
	assert_int_equal(dnsf_rrclass_of(65280), DNSF_RRC_PRIVATE);
	assert_int_equal(dnsf_rrclass_of(65534), DNSF_RRC_PRIVATE);
	assert_int_equal(dnsf_rrclass_of(65535), DNSF_RRC_OTHER);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_ANY), DNSF_RRC_ANY);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_PTR), DNSF_RRC_PTR);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_NS), DNSF_RRC_NS);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_SVCB), DNSF_RRC_HTTPS);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_HTTPS), DNSF_RRC_HTTPS);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_SOA), DNSF_RRC_OTHER);
	assert_int_equal(dnsf_rrclass_of(DNSF_T_OPT), DNSF_RRC_OTHER);
	assert_int_equal(dnsf_rrclass_of(0), DNSF_RRC_OTHER);
	assert_int_equal(dnsf_rrclass_of(256), DNSF_RRC_OTHER); /* past the table of types < 256 */
	assert_int_equal(dnsf_rrclass_of(DNSF_T_CAA), DNSF_RRC_OTHER);
	assert_true(DNSF_RRC__COUNT <= 16); /* answer_types is 16 bits wide */
}

/* The same bytes give the same fields whatever `out` held before: nothing is left unset. */
static void
test_fields_defined(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dnsf_dns_msg a, c;
	size_t lens[] = {0, 5, 12, 20, 0};
	size_t n = pb_query(b, sizeof(b), 3, "def.example", DNSF_T_A, 1);
	lens[4] = n;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(&a, 0x00, sizeof(a));
		memset(&c, 0xff, sizeof(c));
		enum dnsf_dns_status s1 = dnsf_dns_parse(b, lens[i], &a);
		enum dnsf_dns_status s2 = dnsf_dns_parse(b, lens[i], &c);
		assert_int_equal(s1, s2);
#define SAME(f) assert_int_equal(a.f, c.f)
		SAME(id), SAME(flags), SAME(qr), SAME(opcode), SAME(rcode), SAME(tc);
		SAME(qdcount), SAME(ancount), SAME(nscount), SAME(arcount);
		SAME(qname_wire_off), SAME(qname_wire_len), SAME(qtype), SAME(qclass);
		SAME(nlabels), SAME(qname_len), SAME(qname_upper), SAME(has_opt), SAME(do_bit);
		SAME(ext_rcode), SAME(edns_version), SAME(udp_size), SAME(rdata_total);
		SAME(rdata_max), SAME(txtnull_max), SAME(answer_types), SAME(end_off),
		    SAME(partial);
#undef SAME
		assert_memory_equal(a.qname, c.qname, a.qname_len + 1u);
		assert_memory_equal(a.label_off, c.label_off, a.nlabels);
		assert_memory_equal(a.label_len, c.label_len, a.nlabels);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_basic),
	    cmocka_unit_test(test_query_root_and_no_question),
	    cmocka_unit_test(test_query_odd_bytes),
	    cmocka_unit_test(test_lowercase_reference),
	    cmocka_unit_test(test_multilabel_reference),
	    cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_edns),
	    cmocka_unit_test(test_response_rdata_stats),
	    cmocka_unit_test(test_compression_valid),
	    cmocka_unit_test(test_pointer_limits),
	    cmocka_unit_test(test_short_header),
	    cmocka_unit_test(test_truncated_question),
	    cmocka_unit_test(test_label_types),
	    cmocka_unit_test(test_bad_pointers),
	    cmocka_unit_test(test_rr_names),
	    cmocka_unit_test(test_truncated_rr),
	    cmocka_unit_test(test_owner_fast_paths),
	    cmocka_unit_test(test_too_many_rr),
	    cmocka_unit_test(test_bad_opt),
	    cmocka_unit_test(test_names_and_classes),
	    cmocka_unit_test(test_fields_defined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
