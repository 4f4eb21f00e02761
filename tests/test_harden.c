/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_harden — 0x20 randomization and restoration, EDNS clamp and truncation, the QTYPE policy,
 * and the hardening.* configuration keys. Checksums are verified by an independent sum over the
 * pseudo-header and the whole segment, not by the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsf_config.h"
#include "dnsf_engine.h"
#include "dnsf_harden.h"
#include "dnsf_name.h"
#include "dnsf_pkt.h"
#include "dnsf_suffix.h"
#include "pktbuild.h"

#define ROOM 4096

static struct dnsf_harden g_hd; /* 64 KiB: not on the stack */
static const uint8_t KEY[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

static void
hd_setup(int case_on, int edns_on, int oversize_drop)
{
	struct dnsf_config cfg;
	char err[256];

	dnsf_config_defaults(&cfg);
	cfg.harden.case_randomization = (uint8_t)case_on;
	cfg.harden.case_key_set = 1;
	memcpy(cfg.harden.case_key, KEY, 16);
	cfg.harden.edns_clamp = (uint8_t)edns_on;
	cfg.harden.edns_oversize = oversize_drop ? DNSF_OVERSIZE_DROP : DNSF_OVERSIZE_TRUNCATE;
	assert_int_equal(dnsf_harden_init(&g_hd, &cfg.harden, NULL, err, sizeof(err)), 0);
}

/* ------------------------------------------------------------------ independent checks */

static uint32_t
sum16(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static uint16_t
fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Frames from pb_frame without VLANs or extension headers: IPv4 header checksum and the UDP
 * checksum over pseudo-header + whole datagram both sum to 0xffff (UDP 0 on IPv4: none). */
static void
assert_checksums(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t ihl, l4, ulen;
	uint32_t s;

	assert_true(len >= 14 + 20 + 8);
	if ((ip[0] >> 4) == 4) {
		ihl = (size_t)(ip[0] & 15) * 4;
		assert_int_equal(fold16(sum16(0, ip, ihl)), 0xffff);
		l4 = 14 + ihl;
		ulen = (size_t)f[l4 + 4] << 8 | f[l4 + 5];
		assert_int_equal(((size_t)ip[2] << 8 | ip[3]), ihl + ulen);
		assert_true(l4 + ulen <= len);
		if (f[l4 + 6] == 0 && f[l4 + 7] == 0)
			return;
		s = sum16(0, ip + 12, 8) + 17 + (uint32_t)ulen;
	} else {
		l4 = 14 + 40;
		ulen = (size_t)f[l4 + 4] << 8 | f[l4 + 5];
		assert_int_equal(((size_t)ip[4] << 8 | ip[5]), ulen);
		assert_true(l4 + ulen <= len);
		s = sum16(0, ip + 8, 32) + 17 + (uint32_t)ulen;
	}
	s = sum16(s, f + l4, ulen);
	assert_int_equal(fold16(s), 0xffff);
}

static void
parse(const uint8_t *f, size_t len, struct dnsf_pkt *p)
{
	struct dnsf_pkt_cfg pc;

	dnsf_pkt_cfg_default(&pc);
	assert_int_equal(dnsf_pkt_parse(f, len, &pc, p), DNSF_PKT_DNS);
}

/* Parse and compute the suffix hashes, as the engine does before hardening. */
static void
hparse(const uint8_t *f, size_t len, struct dnsf_pkt *p, uint64_t *h)
{
	parse(f, len, p);
	dnsf_name_msg_hashes(&p->dns, h);
}

static int
has_upper(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] >= 'A' && b[i] <= 'Z')
			return 1;
	return 0;
}

static int
has_lower(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] >= 'a' && b[i] <= 'z')
			return 1;
	return 0;
}

static int
ci_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x |= 0x20;
		if (y >= 'A' && y <= 'Z')
			y |= 0x20;
		if (x != y)
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ frames */

static size_t
mk_query(uint8_t *f, int ipv, const char *name, uint16_t id, uint16_t qtype, int edns,
         uint16_t edns_size)
{
	uint8_t msg[1024];
	struct pb_dns d;
	struct pb_spec s;
	size_t ml;

	pb_dns_init(&d, msg, sizeof(msg), id, PB_RD);
	pb_question(&d, name, qtype, 1);
	if (edns)
		pb_opt(&d, edns_size, 0, 0, 0);
	ml = pb_dns_finish(&d);
	assert_true(ml > 0);
	pb_spec_init(&s, ipv, 17, 1);
	ml = pb_frame(f, ROOM, &s, msg, ml, NULL);
	assert_true(ml > 0);
	return ml;
}

/* Offsets (in the DNS message) of the owner names written by mk_answer. */
struct ans_offs {
	size_t q, full, suffix, split, upper;
	size_t sfx_skip; /* octets of the question name before the suffix */
	size_t first;    /* octets of the first label (with its length byte) */
};

/*
 * What a case-preserving resolver sends back for the (randomized) query `qf`: the question as
 * received and records whose owners are (1) a pointer to the question, (2) the question name
 * written out in the received case, (3) a suffix of it written out in the received case, (4)
 * its first label in place + a pointer to the rest, (5) the name in upper case (the server's
 * own case), then an OPT (udp_size) and `pad_txt` TXT records of 200 bytes (for size tests).
 */
static size_t
mk_answer(uint8_t *f, const uint8_t *qf, size_t qlen, int ipv, uint16_t udp_size, int pad_txt,
          struct ans_offs *o)
{
	static uint8_t msg[16384];
	uint8_t a[4] = {192, 0, 2, 1}, txt[200];
	struct dnsf_pkt qp;
	struct pb_dns d;
	struct pb_spec s;
	const uint8_t *qn;
	size_t qwl, ml, i;
	uint8_t up[256];

	parse(qf, qlen, &qp);
	qn = qf + qp.dns_off + 12;
	qwl = qp.dns.qname_wire_len;
	pb_dns_init(&d, msg, sizeof(msg), qp.dns.id, PB_QR | PB_RD | PB_RA);
	o->q = d.len;
	pb_put(&d, qn, qwl);
	pb_u16(&d, qp.dns.qtype);
	pb_u16(&d, 1);
	d.count[0]++;
	/* (1) */
	pb_rr_ptr(&d, PB_AN, 12, 1, a, 4);
	/* (2) */
	o->full = d.len;
	pb_put(&d, qn, qwl);
	pb_rr_tail(&d, PB_AN, 1, 1, 300, a, 4);
	/* (3) the suffix after the first label */
	o->first = (size_t)qn[0] + 1;
	o->sfx_skip = o->first;
	o->suffix = d.len;
	pb_put(&d, qn + o->first, qwl - o->first);
	pb_rr_tail(&d, PB_NS, 2, 1, 300, "\x02ns\xc0\x0c", 5);
	/* (4) */
	o->split = d.len;
	pb_put(&d, qn, o->first);
	pb_ptr(&d, (uint16_t)(12 + o->first));
	pb_rr_tail(&d, PB_AN, 1, 1, 300, a, 4);
	/* (5) */
	for (i = 0; i < qwl; i++)
		up[i] = qn[i] >= 'a' && qn[i] <= 'z' ? (uint8_t)(qn[i] - 32) : qn[i];
	o->upper = d.len;
	pb_put(&d, up, qwl);
	pb_rr_tail(&d, PB_AN, 1, 1, 300, a, 4);
	memset(txt, 'x', sizeof(txt));
	txt[0] = 199;
	for (i = 0; i < (size_t)pad_txt; i++)
		pb_rr_ptr(&d, PB_AN, 12, 16, txt, sizeof(txt));
	if (udp_size)
		pb_opt(&d, udp_size, 0, 0, 1);
	ml = pb_dns_finish(&d);
	assert_true(ml > 0);
	pb_spec_init(&s, ipv, 17, 0);
	ml = pb_frame(f, ROOM * 4, &s, msg, ml, NULL);
	assert_true(ml > 0);
	return ml;
}

/* ------------------------------------------------------------------ SipHash and masks */

static void
test_siphash_vectors(void **state)
{
	const uint64_t k0 = UINT64_C(0x0706050403020100), k1 = UINT64_C(0x0f0e0d0c0b0a0908);
	uint8_t m[15];

	(void)state;
	for (unsigned i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	/* The paper's worked example (Appendix A) and the reference vector of the empty input. */
	assert_true(dnsf_siphash24(k0, k1, m, 15) == UINT64_C(0xa129ca6149be45e5));
	assert_true(dnsf_siphash24(k0, k1, m, 0) == UINT64_C(0x726fdb47dd0e0e31));
	/* Every length takes its own path through the tail code: all outputs differ. */
	for (unsigned a = 0; a <= 15; a++)
		for (unsigned b = a + 1; b <= 15; b++)
			assert_true(dnsf_siphash24(k0, k1, m, a) != dnsf_siphash24(k0, k1, m, b));
}

/* Wire form of a dotted name (labels may hold any byte but '.'). */
static size_t
wire(const char *name, uint8_t *out)
{
	struct pb_dns d;

	pb_dns_init(&d, out, 300, 0, 0);
	d.len = 0;
	pb_name(&d, name);
	assert_false(d.err);
	return d.len;
}

static void
check_shape(const char *name, size_t expect_wire)
{
	static const uint8_t clients[2][16] = {{10, 0, 0, 1}, {0xfd, 0, [15] = 9}};
	uint8_t orig[300], r[300], back[300];
	uint64_t m1[DNSF_HARDEN_MASK_WORDS], m2[DNSF_HARDEN_MASK_WORDS];
	size_t wl = wire(name, orig);
	unsigned letters = 0, changed_total = 0;

	if (expect_wire)
		assert_int_equal(wl, expect_wire);
	for (size_t i = 0; i < wl; i++)
		letters += (orig[i] >= 'A' && orig[i] <= 'Z') || (orig[i] >= 'a' && orig[i] <= 'z');
	for (unsigned c = 0; c < 2; c++) {
		for (unsigned id = 0; id < 64; id++) {
			unsigned n = dnsf_harden_mask(&g_hd, clients[c], (uint16_t)(1024 + id),
			                              (uint16_t)(id * 977), orig, (unsigned)wl, m1);

			assert_int_equal(n, letters);
			memcpy(r, orig, wl);
			changed_total += dnsf_harden_flip(r, (unsigned)wl, m1);
			/* Only letters change, and only their case. */
			assert_true(ci_equal(r, orig, wl));
			for (size_t i = 0; i < wl; i++)
				if (!((orig[i] >= 'A' && orig[i] <= 'Z') ||
				      (orig[i] >= 'a' && orig[i] <= 'z')))
					assert_int_equal(r[i], orig[i]);
			/* A name of one case always leaves mixed (>= 2 letters). */
			if (letters >= 2)
				assert_true(has_upper(r, wl) && has_lower(r, wl));
			/* The answer side recomputes the mask from what it sees. */
			dnsf_harden_mask(&g_hd, clients[c], (uint16_t)(1024 + id),
			                 (uint16_t)(id * 977), r, (unsigned)wl, m2);
			assert_memory_equal(m1, m2, sizeof(m1));
			memcpy(back, r, wl);
			dnsf_harden_flip(back, (unsigned)wl, m2);
			assert_memory_equal(back, orig, wl);
		}
	}
	if (letters >= 2)
		assert_true(changed_total > 0);
}

static void
test_mask_reversible_shapes(void **state)
{
	char l63[64], big[300];

	(void)state;
	hd_setup(1, 0, 0);
	check_shape("www.example.com", 17);
	check_shape("WWW.EXAMPLE.COM", 17);
	check_shape("MiXeD.CaSe.ExAmPlE.oRg", 0);
	check_shape("123.456.7.example", 0);
	check_shape("a-b--c.x-y.org", 0);
	check_shape("xn--bcher-kva.xn--p1ai", 0);
	check_shape("_dmarc._domainkey.example.com", 0);
	check_shape("*.wild\x01\x7f.example", 0);
	check_shape("caf\xc3\xa9.example", 0); /* raw UTF-8 bytes are not letters */
	check_shape("a.1", 0);                 /* one letter (the frame code skips it) */
	check_shape("1.2.3.4.in-addr.arpa", 0);
	memset(l63, 'q', 63);
	l63[63] = '\0';
	snprintf(big, sizeof(big), "%s.example.com", l63);
	check_shape(big, 64 + 8 + 4 + 1);
	/* 255 octets: 63 + 63 + 63 + 61 letters, 250 letters > 3 mask words. */
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 4; i++) {
		memset(big + i * 64, (char)('a' + i), i < 3 ? 63 : 61);
		if (i < 3)
			big[i * 64 + 63] = '.';
	}
	check_shape(big, 255);
	/* Digits-only labels with a long tail of letters in the last word. */
	snprintf(big, sizeof(big), "0123456789.%s.%s.zz", l63, l63);
	check_shape(big, 0);
}

static void
test_mask_depends_on_inputs(void **state)
{
	uint8_t n[300];
	size_t wl;
	uint64_t a[4], b[4];
	const uint8_t c1[16] = {10, 0, 0, 1}, c2[16] = {10, 0, 0, 2};
	struct dnsf_config cfg;
	char err[128];
	char name[200];

	(void)state;
	hd_setup(1, 0, 0);
	memset(name, 'k', 150);
	name[150] = '\0';
	name[60] = '.';
	name[120] = '.';
	wl = wire(name, n);
	dnsf_harden_mask(&g_hd, c1, 1000, 7, n, (unsigned)wl, a);
	/* Bits only on letters: the 152 octets end in word 2 (24 bits), the length octets
	 * (0, 61, 121) and the root (151) never have one. */
	assert_int_equal(wl, 152);
	assert_true(a[3] == 0 && (a[2] >> 23) == 0);
	assert_true((a[0] & 1) == 0 && ((a[0] >> 61) & 1) == 0 && ((a[1] >> (121 - 64)) & 1) == 0);
	assert_true(a[1] != 0 && a[2] != 0);
	dnsf_harden_mask(&g_hd, c2, 1000, 7, n, (unsigned)wl, b);
	assert_memory_not_equal(a, b, sizeof(a));
	dnsf_harden_mask(&g_hd, c1, 1001, 7, n, (unsigned)wl, b);
	assert_memory_not_equal(a, b, sizeof(a));
	dnsf_harden_mask(&g_hd, c1, 1000, 8, n, (unsigned)wl, b);
	assert_memory_not_equal(a, b, sizeof(a));
	/* Another key, another mask. */
	dnsf_config_defaults(&cfg);
	cfg.harden.case_randomization = 1;
	cfg.harden.case_key_set = 1;
	memset(cfg.harden.case_key, 0x5a, 16);
	static struct dnsf_harden other;
	assert_int_equal(dnsf_harden_init(&other, &cfg.harden, NULL, err, sizeof(err)), 0);
	dnsf_harden_mask(&other, c1, 1000, 7, n, (unsigned)wl, b);
	assert_memory_not_equal(a, b, sizeof(a));
	/* No key in the config: a random one (two engines differ). */
	cfg.harden.case_key_set = 0;
	assert_int_equal(dnsf_harden_init(&other, &cfg.harden, NULL, err, sizeof(err)), 0);
	dnsf_harden_mask(&other, c1, 1000, 7, n, (unsigned)wl, b);
	assert_memory_not_equal(a, b, sizeof(a));
}

/* ------------------------------------------------------------------ frames: 0x20 */

static void
roundtrip(int ipv, const char *name)
{
	static uint8_t qf[ROOM], orig_q[ROOM], af[ROOM * 4], af0[ROOM * 4];
	struct dnsf_pkt p;
	struct ans_offs o;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	size_t ql, al, qwl, dns;
	unsigned r;

	ql = mk_query(qf, ipv, name, 0x4d2, 1, 1, 1232);
	memcpy(orig_q, qf, ql);
	hparse(qf, ql, &p, h);
	qwl = p.dns.qname_wire_len;
	r = dnsf_harden_query(&g_hd, qf, (uint32_t)ql, &p, h);
	assert_int_equal(r, DNSF_HD_RANDOMIZED);
	dns = p.dns_off;
	assert_memory_not_equal(qf + dns + 12, orig_q + dns + 12, qwl);
	assert_true(ci_equal(qf + dns + 12, orig_q + dns + 12, qwl));
	/* The frame code and dnsf_harden_mask() agree (client 10.0.0.1 / fd00::1, port 40000). */
	{
		static const uint8_t c4[16] = {10, 0, 0, 1}, c6[16] = {0xfd, 0, [15] = 1};
		uint64_t mk[DNSF_HARDEN_MASK_WORDS];
		uint8_t w[300];

		memcpy(w, orig_q + dns + 12, qwl);
		dnsf_harden_mask(&g_hd, ipv == 4 ? c4 : c6, 40000, 0x4d2, w, (unsigned)qwl, mk);
		dnsf_harden_flip(w, (unsigned)qwl, mk);
		assert_memory_equal(w, qf + dns + 12, qwl);
	}
	/* Only question letters changed (and the checksum). */
	for (size_t i = 0; i < ql; i++)
		if (i < dns + 12 || i >= dns + 12 + qwl)
			if (i != p.l4_off + 6u && i != p.l4_off + 7u)
				assert_int_equal(qf[i], orig_q[i]);
	assert_checksums(qf, ql);

	/* The resolver echoes it; the answer comes back restored. */
	al = mk_answer(af, qf, ql, ipv, 1232, 0, &o);
	memcpy(af0, af, al);
	hparse(af, al, &p, h);
	r = dnsf_harden_restore(&g_hd, af, (uint32_t)al, &p, h, NULL);
	assert_int_equal(r, DNSF_HD_RESTORED);
	assert_checksums(af, al);
	/* Question, the full repeat, the suffix, the in-place first label: client's case. */
	assert_memory_equal(af + dns + o.q, orig_q + dns + 12, qwl);
	assert_memory_equal(af + dns + o.full, orig_q + dns + 12, qwl);
	assert_memory_equal(af + dns + o.suffix, orig_q + dns + 12 + o.sfx_skip, qwl - o.sfx_skip);
	assert_memory_equal(af + dns + o.split, orig_q + dns + 12, o.first);
	/* The server's own case is left alone. */
	assert_memory_equal(af + dns + o.upper, af0 + dns + o.upper, qwl);
	/* The parse result follows the restored name. */
	{
		unsigned up = 0;
		for (size_t i = 0; i < qwl; i++)
			up += orig_q[dns + 12 + i] >= 'A' && orig_q[dns + 12 + i] <= 'Z';
		assert_int_equal(p.dns.qname_upper, up);
	}
	/* And the whole answer still parses to the same message. */
	{
		struct dnsf_pkt p2;
		parse(af, al, &p2);
		assert_int_equal(p2.dns.ancount, 4);
		assert_string_equal(p2.dns.qname, p.dns.qname);
	}
}

static void
test_roundtrip_frames(void **state)
{
	(void)state;
	hd_setup(1, 0, 0);
	for (int ipv = 4; ipv <= 6; ipv += 2) {
		roundtrip(ipv, "www.example.com");
		roundtrip(ipv, "MixedCase.Example.COM");
		roundtrip(ipv, "a0-b1.xn--80ak6aa92e.com");
		roundtrip(ipv, "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq."
		               "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr."
		               "sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss."
		               "ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt");
	}
}

static void
test_udp_checksum_zero_v4(void **state)
{
	uint8_t f[ROOM], o[ROOM];
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	size_t l;

	(void)state;
	hd_setup(1, 1, 0);
	l = mk_query(f, 4, "nochecksum.example", 9, 1, 1, 4096);
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0; /* IPv4: no UDP checksum */
	memcpy(o, f, l);
	hparse(f, l, &p, h);
	assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h),
	                 DNSF_HD_RANDOMIZED | DNSF_HD_EDNS_CLAMPED);
	assert_int_equal(f[14 + 20 + 6] | f[14 + 20 + 7], 0);
	assert_memory_not_equal(f, o, l);
}

static void
test_not_echoed(void **state)
{
	static uint8_t qf[ROOM], af[ROOM * 4], af0[ROOM * 4];
	struct dnsf_pkt p;
	struct ans_offs o;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	size_t ql, al;

	(void)state;
	hd_setup(1, 0, 0);
	for (int upper = 0; upper < 2; upper++) {
		ql = mk_query(qf, 4, "www.example.com", 77, 1, 0, 0);
		hparse(qf, ql, &p, h);
		assert_int_equal(dnsf_harden_query(&g_hd, qf, (uint32_t)ql, &p, h),
		                 DNSF_HD_RANDOMIZED);
		/* A resolver that lower- (upper-) cases the question. */
		for (size_t i = p.dns_off + 12; i < p.dns_off + 12u + p.dns.qname_wire_len; i++) {
			if (qf[i] >= 'A' && qf[i] <= 'Z' && !upper)
				qf[i] |= 0x20;
			if (qf[i] >= 'a' && qf[i] <= 'z' && upper)
				qf[i] &= 0xdf;
		}
		al = mk_answer(af, qf, ql, 4, 0, 0, &o);
		memcpy(af0, af, al);
		hparse(af, al, &p, h);
		assert_int_equal(dnsf_harden_restore(&g_hd, af, (uint32_t)al, &p, h, NULL),
		                 DNSF_HD_RESTORE_FAILED);
		assert_memory_equal(af, af0, al);
	}
	/* An answer to another ID (or client) restores to some case, never a wrong name. */
	ql = mk_query(qf, 4, "www.example.com", 78, 1, 0, 0);
	hparse(qf, ql, &p, h);
	dnsf_harden_query(&g_hd, qf, (uint32_t)ql, &p, h);
	qf[p.dns_off + 1] ^= 1;
	al = mk_answer(af, qf, ql, 4, 0, 0, &o);
	hparse(af, al, &p, h);
	dnsf_harden_restore(&g_hd, af, (uint32_t)al, &p, h, NULL);
	assert_true(ci_equal(af + p.dns_off + 12,
	                     (const uint8_t *)"\x03"
	                                      "www"
	                                      "\x07"
	                                      "example"
	                                      "\x03"
	                                      "com",
	                     17));
	assert_checksums(af, al);
}

static void
test_undo(void **state)
{
	static uint8_t qf[ROOM], af[ROOM * 4], af0[ROOM * 4];
	static struct dnsf_harden_undo u;
	struct dnsf_pkt p;
	struct ans_offs o;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	size_t ql, al;

	(void)state;
	hd_setup(1, 0, 0);
	ql = mk_query(qf, 6, "undo.me.example.net", 5, 28, 1, 1232);
	hparse(qf, ql, &p, h);
	dnsf_harden_query(&g_hd, qf, (uint32_t)ql, &p, h);
	al = mk_answer(af, qf, ql, 6, 1232, 0, &o);
	memcpy(af0, af, al);
	hparse(af, al, &p, h);
	assert_int_equal(dnsf_harden_restore(&g_hd, af, (uint32_t)al, &p, h, &u), DNSF_HD_RESTORED);
	assert_true(u.active);
	assert_memory_not_equal(af, af0, al);
	dnsf_harden_undo(af, &u);
	assert_memory_equal(af, af0, al);
}

static void
test_exceptions_and_ineligible(void **state)
{
	uint8_t f[ROOM], o[ROOM];
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	struct dnsf_suffix_set *exc = dnsf_suffix_set_create();
	char err[128];
	size_t l;

	(void)state;
	hd_setup(1, 0, 0);
	assert_int_equal(dnsf_suffix_set_add(exc, "bank.example", err, sizeof(err)), 0);
	g_hd.exceptions = exc;
	l = mk_query(f, 4, "Login.Bank.Example", 1, 1, 0, 0);
	memcpy(o, f, l);
	hparse(f, l, &p, h);
	dnsf_name_msg_hashes(&p.dns, h);
	assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), DNSF_HD_EXEMPT);
	assert_memory_equal(f, o, l);
	/* Its answer is not restored either (same test on the same bytes). */
	f[p.dns_off + 2] |= 0x80;
	memcpy(o, f, l);
	hparse(f, l, &p, h);
	assert_int_equal(dnsf_harden_restore(&g_hd, f, (uint32_t)l, &p, h, NULL), DNSF_HD_EXEMPT);
	assert_memory_equal(f, o, l);
	g_hd.exceptions = NULL;
	dnsf_suffix_set_free(exc);

	/* Opcode other than QUERY, a single letter, TCP: untouched both ways. */
	l = mk_query(f, 4, "notify.example", 1, 6, 0, 0);
	f[14 + 20 + 8 + 2] |= 4 << 3; /* opcode NOTIFY */
	memcpy(o, f, l);
	hparse(f, l, &p, h);
	assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), 0);
	assert_memory_equal(f, o, l);
	l = mk_query(f, 4, "1.2.3.x", 1, 1, 0, 0);
	memcpy(o, f, l);
	hparse(f, l, &p, h);
	assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), 0);
	assert_memory_equal(f, o, l);
	{
		uint8_t msg[512];
		size_t ml = pb_query(msg, sizeof(msg), 3, "tcp.example.com", 1, 0);
		l = pb_dns_frame(f, ROOM, 4, 6, 1, msg, ml);
		memcpy(o, f, l);
		hparse(f, l, &p, h);
		assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), 0);
		assert_memory_equal(f, o, l);
	}
	/* Off: nothing. */
	hd_setup(0, 0, 0);
	l = mk_query(f, 4, "www.example.com", 1, 1, 1, 4096);
	memcpy(o, f, l);
	hparse(f, l, &p, h);
	assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), 0);
	assert_memory_equal(f, o, l);
}

/* ------------------------------------------------------------------ EDNS */

static uint16_t
opt_size(const uint8_t *f, size_t l)
{
	struct dnsf_pkt p;

	parse(f, l, &p);
	assert_true(p.dns.has_opt);
	return p.dns.udp_size;
}

static void
test_edns_clamp(void **state)
{
	uint8_t f[ROOM], o[ROOM];
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	size_t l;

	(void)state;
	hd_setup(0, 1, 0);
	for (int ipv = 4; ipv <= 6; ipv += 2) {
		l = mk_query(f, ipv, "big.example", 1, 16, 1, 4096);
		hparse(f, l, &p, h);
		assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h),
		                 DNSF_HD_EDNS_CLAMPED);
		assert_int_equal(opt_size(f, l), 1232);
		assert_checksums(f, l);
		/* At or below the ceiling, or no OPT: untouched. */
		l = mk_query(f, ipv, "small.example", 1, 16, 1, 1232);
		memcpy(o, f, l);
		hparse(f, l, &p, h);
		assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), 0);
		assert_memory_equal(f, o, l);
		l = mk_query(f, ipv, "noedns.example", 1, 16, 0, 0);
		memcpy(o, f, l);
		hparse(f, l, &p, h);
		assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h), 0);
		assert_memory_equal(f, o, l);
	}
	/* With case randomization too: both changes, one valid checksum. */
	hd_setup(1, 1, 0);
	l = mk_query(f, 6, "both.example.org", 2, 16, 1, 65535);
	hparse(f, l, &p, h);
	assert_int_equal(dnsf_harden_query(&g_hd, f, (uint32_t)l, &p, h),
	                 DNSF_HD_EDNS_CLAMPED | DNSF_HD_RANDOMIZED);
	assert_int_equal(opt_size(f, l), 1232);
	assert_checksums(f, l);
}

static void
check_truncated(const uint8_t *f, size_t len, int with_opt)
{
	struct dnsf_pkt p;

	assert_checksums(f, len);
	parse(f, len, &p);
	assert_true(p.dns.tc);
	assert_int_equal(p.dns.qdcount, 1);
	assert_int_equal(p.dns.ancount, 0);
	assert_int_equal(p.dns.nscount, 0);
	assert_int_equal(p.dns.arcount, with_opt ? 1 : 0);
	assert_int_equal(p.dns.has_opt, with_opt);
	if (with_opt) {
		assert_int_equal(p.dns.udp_size, 1232);
		assert_int_equal(p.dns.do_bit, 1);
	}
	assert_int_equal(p.dns_len, 12 + p.dns.qname_wire_len + 4 + (with_opt ? 11 : 0));
}

static void
test_oversize_truncate(void **state)
{
	static uint8_t qf[ROOM], af[ROOM * 4], a0[ROOM * 4];
	struct dnsf_pkt p;
	struct ans_offs o;
	uint32_t out = 0;
	size_t ql, al;

	(void)state;
	hd_setup(0, 1, 0);
	for (int ipv = 4; ipv <= 6; ipv += 2) {
		ql = mk_query(qf, ipv, "big.Example.com", 11, 16, 1, 1232);
		/* 6 x 212-byte TXT records: about 1400 bytes, more than 1232. */
		al = mk_answer(af, qf, ql, ipv, 1232, 6, &o);
		memcpy(a0, af, al);
		parse(af, al, &p);
		assert_true(p.dns_len > 1232);
		assert_int_equal(dnsf_harden_oversize(&g_hd, af, (uint32_t)al, &p, &out),
		                 DNSF_HD_OVERSIZE | DNSF_HD_TRUNCATED);
		assert_true(out < al);
		check_truncated(af, out, 1);
		/* Header (but TC and counts) and question unchanged, tail zeroed. */
		assert_int_equal(af[p.dns_off], a0[p.dns_off]);
		assert_int_equal(af[p.dns_off + 1], a0[p.dns_off + 1]);
		assert_int_equal(af[p.dns_off + 2], a0[p.dns_off + 2] | 0x02);
		assert_memory_equal(af + p.dns_off + 12, a0 + p.dns_off + 12,
		                    p.dns.qname_wire_len + 4u);
		for (size_t i = out; i < al; i++)
			assert_int_equal(af[i], 0);
		/* Without an OPT in the answer, none is invented. */
		al = mk_answer(af, qf, ql, ipv, 0, 6, &o);
		parse(af, al, &p);
		assert_int_equal(dnsf_harden_oversize(&g_hd, af, (uint32_t)al, &p, &out),
		                 DNSF_HD_OVERSIZE | DNSF_HD_TRUNCATED);
		check_truncated(af, out, 0);
		/* Within the ceiling: untouched. */
		al = mk_answer(af, qf, ql, ipv, 1232, 2, &o);
		memcpy(a0, af, al);
		parse(af, al, &p);
		assert_int_equal(dnsf_harden_oversize(&g_hd, af, (uint32_t)al, &p, &out), 0);
		assert_memory_equal(af, a0, al);
	}
	/* Drop policy. */
	hd_setup(0, 1, 1);
	ql = mk_query(qf, 4, "big.example.com", 11, 16, 1, 1232);
	al = mk_answer(af, qf, ql, 4, 1232, 6, &o);
	memcpy(a0, af, al);
	parse(af, al, &p);
	assert_int_equal(dnsf_harden_oversize(&g_hd, af, (uint32_t)al, &p, &out),
	                 DNSF_HD_OVERSIZE | DNSF_HD_DROP);
	assert_memory_equal(af, a0, al);
}

/* A first IPv4 fragment of a big answer becomes a whole truncated datagram; IPv6 is dropped. */
static void
test_oversize_first_fragment(void **state)
{
	static uint8_t msg[8192], f[8192], f0[8192];
	struct pb_dns d;
	struct pb_spec s;
	struct dnsf_pkt p;
	uint8_t txt[255];
	uint32_t out = 0;
	size_t ml, l;

	(void)state;
	hd_setup(0, 1, 0);
	memset(txt, 'y', sizeof(txt));
	txt[0] = 254;
	pb_dns_init(&d, msg, sizeof(msg), 0x77, PB_QR | PB_RD | PB_RA);
	pb_question(&d, "frag.example", 16, 1);
	for (int i = 0; i < 12; i++)
		pb_rr_ptr(&d, PB_AN, 12, 16, txt, sizeof(txt));
	pb_opt(&d, 4096, 0, 0, 0);
	ml = pb_dns_finish(&d);
	for (int ipv = 4; ipv <= 6; ipv += 2) {
		pb_spec_init(&s, ipv, 17, 0);
		s.more_frags = 1;
		if (ipv == 6)
			s.v6_frag = 1;
		s.l4_keep = 1400;
		l = pb_frame(f, sizeof(f), &s, msg, ml, NULL);
		assert_true(l > 0);
		memcpy(f0, f, l);
		parse(f, l, &p);
		assert_true(p.is_frag);
		if (ipv == 6) {
			assert_int_equal(dnsf_harden_oversize(&g_hd, f, (uint32_t)l, &p, &out),
			                 DNSF_HD_OVERSIZE | DNSF_HD_DROP);
			assert_memory_equal(f, f0, l);
			continue;
		}
		assert_int_equal(dnsf_harden_oversize(&g_hd, f, (uint32_t)l, &p, &out),
		                 DNSF_HD_OVERSIZE | DNSF_HD_TRUNCATED);
		/* MF cleared, ID kept: a whole datagram with a checksum computed from scratch. */
		assert_int_equal(f[14 + 6] & 0x20, 0);
		assert_int_equal(f[14 + 4], f0[14 + 4]);
		check_truncated(f, out, 0); /* the OPT was in a later fragment */
	}
}

/* ------------------------------------------------------------------ through the engine */

struct eng_fx {
	struct dnsf_engine *eng;
	struct dnsf_worker w;
};

static void
eng_up(struct eng_fx *fx, struct dnsf_config *cfg)
{
	char err[256];

	cfg->detect.enabled = 0;
	assert_int_equal(dnsf_engine_create(cfg, &fx->eng, err, sizeof(err)), 0);
	assert_int_equal(dnsf_worker_init(&fx->w, fx->eng, 0, err, sizeof(err)), 0);
}

static void
eng_down(struct eng_fx *fx)
{
	dnsf_worker_fini(&fx->w);
	dnsf_engine_free(fx->eng);
}

static void
process(struct eng_fx *fx, uint8_t *f, size_t l, struct dnsf_verdict *v, struct dnsf_event *ev)
{
	dnsf_worker_process(&fx->w, f, (uint32_t)l, ROOM * 4, 1700000000000000ull, v, ev);
}

static void
test_rare_types_engine(void **state)
{
	static struct dnsf_config cfg;
	static struct dnsf_event ev;
	uint8_t f[ROOM * 4], o[ROOM * 4];
	struct eng_fx fx;
	struct dnsf_verdict v;
	struct dnsf_pkt p;
	size_t l;

	(void)state;
	dnsf_config_defaults(&cfg);
	cfg.detect.refuse_rcode = DNSF_RCODE_NXDOMAIN; /* must not apply to rare types */
	eng_up(&fx, &cfg);
	/* NULL: refused, REFUSED rcode, event with the reason. */
	l = mk_query(f, 4, "t1.tunnel.example", 1, DNSF_T_NULL, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_REFUSE);
	assert_int_equal(v.reason, DNSF_R_RARE_TYPE);
	assert_int_equal(v.has_event, 1);
	assert_int_equal(ev.reason, DNSF_R_RARE_TYPE);
	assert_int_equal(ev.qtype, DNSF_T_NULL);
	parse(f, v.out_len, &p);
	assert_int_equal(p.dns.qr, 1);
	assert_int_equal(p.dns.rcode, DNSF_RCODE_REFUSED);
	/* A private-use type, IPv6. */
	l = mk_query(f, 6, "t2.tunnel.example", 2, 65399, 1, 1232);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_REFUSE);
	assert_int_equal(fx.w.stats.rare_type_refused, 2);
	/* The same flow again within the event interval: refused, event suppressed. */
	l = mk_query(f, 6, "t3.tunnel.example", 3, 65399, 1, 1232);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_REFUSE);
	assert_int_equal(v.has_event, 0);
	/* Over TCP the answer cannot be built: dropped. */
	{
		uint8_t msg[512];
		size_t ml = pb_query(msg, sizeof(msg), 4, "t4.tunnel.example", DNSF_T_NULL, 0);
		l = pb_dns_frame(f, ROOM, 4, 6, 1, msg, ml);
		process(&fx, f, l, &v, &ev);
		assert_int_equal(v.action, DNSF_ACT_DROP);
		assert_int_equal(fx.w.stats.rare_type_dropped, 1);
	}
	/* Ordinary types and answers of rare types pass untouched (hardening off by default). */
	l = mk_query(f, 4, "www.example.com", 5, DNSF_T_TXT, 1, 4096);
	memcpy(o, f, l);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.rewritten, 0);
	assert_memory_equal(f, o, l);
	l = mk_query(f, 4, "t5.tunnel.example", 6, DNSF_T_NULL, 0, 0);
	f[14 + 20 + 8 + 2] |= 0x80; /* a response */
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(fx.w.stats.rare_type_refused, 3);
	eng_down(&fx);

	/* Custom table: TXT counted, NULL dropped, one private type passes inside the range. */
	dnsf_config_defaults(&cfg);
	cfg.harden.n_types = 3;
	cfg.harden.types[0] = (struct dnsf_type_rule){16, 16, DNSF_TYPE_COUNT};
	cfg.harden.types[1] = (struct dnsf_type_rule){65280, 65534, DNSF_TYPE_DROP};
	cfg.harden.types[2] = (struct dnsf_type_rule){65300, 65300, DNSF_TYPE_PASS};
	eng_up(&fx, &cfg);
	l = mk_query(f, 4, "x.example", 1, DNSF_T_TXT, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(fx.w.stats.rare_type_counted, 1);
	l = mk_query(f, 4, "x.example", 1, DNSF_T_NULL, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS); /* not in this table */
	l = mk_query(f, 4, "x.example", 1, 65301, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_DROP);
	l = mk_query(f, 4, "x.example", 1, 65300, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	eng_down(&fx);

	/* Monitor mode: counted as would-be, passed; rare_types off: nothing. */
	dnsf_config_defaults(&cfg);
	cfg.mode = DNSF_MODE_MONITOR;
	eng_up(&fx, &cfg);
	l = mk_query(f, 4, "t.example", 1, DNSF_T_NULL, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.would, DNSF_ACT_REFUSE);
	assert_int_equal(fx.w.stats.would_drop, 1);
	eng_down(&fx);
	dnsf_config_defaults(&cfg);
	cfg.harden.rare_types = 0;
	eng_up(&fx, &cfg);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(fx.w.stats.rare_type_refused + fx.w.stats.rare_type_dropped, 0);
	eng_down(&fx);
}

static char g_tmpdir[64];

static char *
tmpfile_with(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", g_tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
test_allowlisted_rare_type(void **state)
{
	static struct dnsf_config cfg;
	static struct dnsf_event ev;
	uint8_t f[ROOM];
	struct eng_fx fx;
	struct dnsf_verdict v;
	size_t l;

	(void)state;
	dnsf_config_defaults(&cfg);
	snprintf(cfg.allowlist, sizeof(cfg.allowlist), "%s",
	         tmpfile_with("allow", "trusted.example\n"));
	eng_up(&fx, &cfg);
	l = mk_query(f, 4, "a.trusted.example", 1, DNSF_T_NULL, 0, 0);
	process(&fx, f, l, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.reason, DNSF_R_ALLOWLIST);
	eng_down(&fx);
}

static void
test_engine_case_roundtrip(void **state)
{
	static struct dnsf_config cfg;
	static struct dnsf_event ev;
	static uint8_t qf[ROOM * 4], q0[ROOM * 4], af[ROOM * 4], a0[ROOM * 4];
	struct eng_fx fx;
	struct dnsf_verdict v;
	struct ans_offs o;
	struct dnsf_pkt p;
	size_t ql, al;

	(void)state;
	dnsf_config_defaults(&cfg);
	cfg.harden.case_randomization = 1;
	cfg.harden.case_key_set = 1;
	memcpy(cfg.harden.case_key, KEY, 16);
	cfg.harden.edns_clamp = 1;
	snprintf(cfg.denylist, sizeof(cfg.denylist), "%s",
	         tmpfile_with("deny", "blocked.example\n"));
	snprintf(cfg.harden.case_exceptions, sizeof(cfg.harden.case_exceptions), "%s",
	         tmpfile_with("exc", "# never randomized\nfragile.example\n"));
	eng_up(&fx, &cfg);

	ql = mk_query(qf, 4, "www.Example.com", 4242, 1, 1, 4096);
	memcpy(q0, qf, ql);
	process(&fx, qf, ql, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.rewritten, 1);
	assert_int_equal(v.out_len, 0);
	assert_int_equal(fx.w.stats.randomized, 1);
	assert_int_equal(fx.w.stats.edns_clamped, 1);
	assert_checksums(qf, ql);
	assert_int_equal(opt_size(qf, ql), 1232);

	/* Six TXT records: the answer is over the ceiling and is truncated after restoration. */
	al = mk_answer(af, qf, ql, 4, 1232, 6, &o);
	process(&fx, af, al, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(fx.w.stats.restored, 1);
	assert_int_equal(fx.w.stats.edns_truncated, 1);
	assert_true(v.rewritten && v.out_len > 0 && v.out_len < al);
	check_truncated(af, v.out_len, 1);
	parse(af, v.out_len, &p);
	assert_memory_equal(af + p.dns_off + 12, q0 + p.dns_off + 12, p.dns.qname_wire_len);

	/* A deny-listed answer is dropped exactly as it arrived (restoration undone). */
	ql = mk_query(qf, 4, "x.Blocked.example", 9, 1, 0, 0);
	memcpy(q0, qf, ql);
	/* The query was randomized elsewhere by this key (same function, same engine). */
	{
		struct dnsf_pkt qp;
		uint64_t h[DNSF_DNS_MAX_LABELS + 1];
		static struct dnsf_harden hd;
		char err[128];

		assert_int_equal(dnsf_harden_init(&hd, &cfg.harden, NULL, err, sizeof(err)), 0);
		parse(qf, ql, &qp);
		dnsf_name_msg_hashes(&qp.dns, h);
		assert_int_equal(dnsf_harden_query(&hd, qf, (uint32_t)ql, &qp, h),
		                 DNSF_HD_RANDOMIZED);
	}
	al = mk_answer(af, qf, ql, 4, 0, 0, &o);
	memcpy(a0, af, al);
	process(&fx, af, al, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_DROP);
	assert_int_equal(v.rewritten, 0);
	assert_memory_equal(af, a0, al);
	assert_int_equal(fx.w.stats.restored, 2);

	/* A resolver that lower-cases: passed untouched, counted. */
	ql = mk_query(qf, 4, "plain.example.org", 10, 1, 0, 0);
	process(&fx, qf, ql, &v, &ev);
	parse(qf, ql, &p);
	for (size_t i = p.dns_off + 12; i < p.dns_off + 12u + p.dns.qname_wire_len; i++)
		if (qf[i] >= 'A' && qf[i] <= 'Z')
			qf[i] |= 0x20;
	al = mk_answer(af, qf, ql, 4, 0, 0, &o);
	memcpy(a0, af, al);
	process(&fx, af, al, &v, &ev);
	assert_int_equal(v.action, DNSF_ACT_PASS);
	assert_int_equal(v.rewritten, 0);
	assert_memory_equal(af, a0, al);
	assert_int_equal(fx.w.stats.restore_failed, 1);

	/* The exception list: neither side is touched. */
	ql = mk_query(qf, 4, "api.fragile.example", 11, 1, 0, 0);
	memcpy(q0, qf, ql);
	process(&fx, qf, ql, &v, &ev);
	assert_memory_equal(qf, q0, ql);
	assert_int_equal(fx.w.stats.case_exempted, 1);
	al = mk_answer(af, qf, ql, 4, 0, 0, &o);
	memcpy(a0, af, al);
	process(&fx, af, al, &v, &ev);
	assert_memory_equal(af, a0, al);
	assert_int_equal(fx.w.stats.case_exempted, 2);
	eng_down(&fx);

	/* Monitor mode never rewrites. */
	cfg.mode = DNSF_MODE_MONITOR;
	eng_up(&fx, &cfg);
	ql = mk_query(qf, 4, "www.Example.com", 4242, 1, 1, 4096);
	memcpy(q0, qf, ql);
	process(&fx, qf, ql, &v, &ev);
	assert_memory_equal(qf, q0, ql);
	assert_int_equal(fx.w.stats.randomized, 0);
	eng_down(&fx);
}

/* ------------------------------------------------------------------ configuration */

static int
load(const char *yaml, struct dnsf_config *cfg, char *err, size_t errlen)
{
	return dnsf_config_load(tmpfile_with("c.yaml", yaml), cfg, err, errlen);
}

static void
test_config_keys(void **state)
{
	static struct dnsf_config cfg;
	char err[512];

	(void)state;
	/* Defaults. */
	assert_int_equal(
	    load("mode: inline\ndetection: {enabled: false}\n", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.harden.case_randomization, 0);
	assert_int_equal(cfg.harden.edns_clamp, 0);
	assert_int_equal(cfg.harden.edns_max, 1232);
	assert_int_equal(cfg.harden.rare_types, 1);
	assert_int_equal(cfg.harden.n_types, 2);
	assert_int_equal(cfg.harden.types[0].lo, DNSF_T_NULL);
	assert_int_equal(cfg.harden.types[1].lo, 65280);
	assert_int_equal(cfg.harden.types[1].hi, 65534);

	tmpfile_with("case-exc", "example.com\n");
	assert_int_equal(load("detection: {enabled: false}\n"
	                      "hardening:\n"
	                      "  case_randomization: true\n"
	                      "  case_key: 000102030405060708090a0b0c0d0E0F\n"
	                      "  case_exceptions: case-exc\n"
	                      "  edns_clamp: yes\n"
	                      "  edns_max: 1400\n"
	                      "  edns_oversize: drop\n"
	                      "  types:\n"
	                      "    NULL: drop\n"
	                      "    txt: count\n"
	                      "    TYPE65399: pass\n"
	                      "    PRIVATE: refuse\n"
	                      "    255: refuse\n",
	                      &cfg, err, sizeof(err)),
	                 0);
	assert_int_equal(cfg.harden.case_randomization, 1);
	assert_int_equal(cfg.harden.case_key_set, 1);
	assert_int_equal(cfg.harden.case_key[15], 0x0f);
	assert_true(strstr(cfg.harden.case_exceptions, "/case-exc") != NULL);
	assert_int_equal(cfg.harden.edns_max, 1400);
	assert_int_equal(cfg.harden.edns_oversize, DNSF_OVERSIZE_DROP);
	assert_int_equal(cfg.harden.n_types, 5);
	assert_int_equal(cfg.harden.types[0].action, DNSF_TYPE_DROP);
	assert_int_equal(cfg.harden.types[1].lo, DNSF_T_TXT);
	assert_int_equal(cfg.harden.types[2].lo, 65399);
	assert_int_equal(cfg.harden.types[2].action, DNSF_TYPE_PASS);
	assert_int_equal(cfg.harden.types[4].lo, 255);
	/* The engine applies it: 65399 passes although PRIVATE refuses. */
	{
		static struct dnsf_harden hd;
		assert_int_equal(dnsf_harden_init(&hd, &cfg.harden, NULL, err, sizeof(err)), 0);
		assert_int_equal(dnsf_harden_type_action(&hd, 65399), DNSF_TYPE_PASS);
		assert_int_equal(dnsf_harden_type_action(&hd, 65398), DNSF_TYPE_REFUSE);
		assert_int_equal(dnsf_harden_type_action(&hd, 10), DNSF_TYPE_DROP);
		assert_int_equal(dnsf_harden_type_action(&hd, 1), DNSF_TYPE_PASS);
	}
	/* An empty mapping: no QTYPE policy. */
	assert_int_equal(
	    load("detection: {enabled: false}\nhardening: {types: {}}\n", &cfg, err, sizeof(err)),
	    0);
	assert_int_equal(cfg.harden.n_types, 0);
}

static void
expect_error(const char *yaml, const char *needle)
{
	static struct dnsf_config cfg;
	char err[512];

	assert_int_equal(load(yaml, &cfg, err, sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle);
	assert_null(strchr(err, '\n'));
}

static void
test_config_errors(void **state)
{
	(void)state;
	expect_error("hardening: {types: {NUL: refuse}}\n",
	             "hardening.types.NUL: 'NUL' is not a record type");
	expect_error("hardening:\n  types:\n    NULL: block\n",
	             "hardening.types.NULL: 'block' is not one of: pass, count, refuse, drop "
	             "(line 3, column 11)");
	expect_error("hardening:\n  types: [NULL]\n", "hardening.types: expected a mapping");
	expect_error("hardening:\n  types: refuse\n", "hardening.types: expected a mapping");
	expect_error("hardening:\n  types:\n    NULL: {a: b}\n", "hardening.types.NULL: expected "
	                                                         "a single value");
	expect_error("hardening:\n  types:\n    NULL: refuse\n    TYPE10: drop\n",
	             "hardening.types.TYPE10: the same type as hardening.types.NULL (line 3)");
	expect_error("hardening:\n  types:\n    a.b: drop\n", "'a.b' is not a record type");
	expect_error("hardening:\n  types:\n    TYPE65536: drop\n", "'TYPE65536' is not");
	expect_error("hardening: {case_key: 00112233}\n", "hardening.case_key: not a 128-bit key");
	expect_error("hardening: {case_key: 000102030405060708090a0b0c0d0e0g}\n",
	             "not a 128-bit key");
	expect_error("hardening: {edns_max: 400}\n", "hardening.edns_max: '400' is out of range");
	expect_error("hardening: {edns_oversize: cut}\n", "is not one of: truncate, drop");
	expect_error("hardening: {case_randomization: 1}\n", "is not a boolean");
	expect_error("hardening: {zero_x20: true}\n", "hardening.zero_x20: unknown key");
	expect_error("detection: {enabled: false}\n"
	             "hardening: {case_randomization: true, case_exceptions: /nonexistent/x}\n",
	             "hardening.case_exceptions: cannot read case exception list");
}

static void
test_type_parse(void **state)
{
	uint16_t lo, hi;

	(void)state;
	assert_int_equal(dnsf_harden_type_parse("null", &lo, &hi), 0);
	assert_int_equal(lo, 10);
	assert_int_equal(dnsf_harden_type_parse("HTTPS", &lo, &hi), 0);
	assert_int_equal(lo, 65);
	assert_int_equal(dnsf_harden_type_parse("ANY", &lo, &hi), 0);
	assert_int_equal(lo, 255);
	assert_int_equal(dnsf_harden_type_parse("type0", &lo, &hi), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(dnsf_harden_type_parse("65535", &lo, &hi), 0);
	assert_int_equal(hi, 65535);
	assert_int_equal(dnsf_harden_type_parse("Private", &lo, &hi), 0);
	assert_true(lo == 65280 && hi == 65534);
	assert_int_equal(dnsf_harden_type_parse("TYPE", &lo, &hi), -1);
	assert_int_equal(dnsf_harden_type_parse("TYPE010", &lo, &hi), -1);
	assert_int_equal(dnsf_harden_type_parse("-1", &lo, &hi), -1);
	assert_int_equal(dnsf_harden_type_parse("", &lo, &hi), -1);
	assert_int_equal(dnsf_harden_type_parse("TXTX", &lo, &hi), -1);
	assert_string_equal(dnsf_type_action_name(DNSF_TYPE_COUNT), "count");
	assert_string_equal(dnsf_type_action_name(DNSF_TYPE__COUNT), "unknown");
}

/* Hostile bytes: whatever the frame holds, the functions stay in bounds, and a frame that
 * passes restoration is still a frame that parses. */
static void
test_mutations(void **state)
{
	static uint8_t qf[ROOM], af[ROOM * 4], m[ROOM * 4];
	struct ans_offs o;
	struct dnsf_pkt p;
	struct dnsf_pkt_cfg pc;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	uint32_t out;
	size_t ql, al;
	unsigned seed = 12345;

	(void)state;
	hd_setup(1, 1, 0);
	dnsf_pkt_cfg_default(&pc);
	ql = mk_query(qf, 4, "www.example.com", 1, 1, 1, 4096);
	hparse(qf, ql, &p, h);
	dnsf_harden_query(&g_hd, qf, (uint32_t)ql, &p, h);
	al = mk_answer(af, qf, ql, 4, 1232, 6, &o);
	for (int it = 0; it < 20000; it++) {
		memcpy(m, af, al);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = 14 + 20 + 8 + (seed >> 8) % (al - 42);
			seed = seed * 1103515245u + 12345u;
			m[at] = (uint8_t)(seed >> 16);
		}
		if (dnsf_pkt_parse(m, al, &pc, &p) != DNSF_PKT_DNS)
			continue;
		dnsf_harden_restore(&g_hd, m, (uint32_t)al, &p, h, NULL);
		if (dnsf_pkt_parse(m, al, &pc, &p) != DNSF_PKT_DNS)
			fail_msg("restoration broke a parsable frame (iteration %d)", it);
		out = 0;
		if (dnsf_harden_oversize(&g_hd, m, (uint32_t)al, &p, &out) & DNSF_HD_TRUNCATED) {
			assert_true(out > 0 && out <= al);
			assert_int_equal(dnsf_pkt_parse(m, out, &pc, &p), DNSF_PKT_DNS);
		}
	}
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(g_tmpdir, sizeof(g_tmpdir), "/tmp/dnsf-harden-XXXXXX");
	return mkdtemp(g_tmpdir) ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_siphash_vectors),
	    cmocka_unit_test(test_mask_reversible_shapes),
	    cmocka_unit_test(test_mask_depends_on_inputs),
	    cmocka_unit_test(test_roundtrip_frames),
	    cmocka_unit_test(test_udp_checksum_zero_v4),
	    cmocka_unit_test(test_not_echoed),
	    cmocka_unit_test(test_undo),
	    cmocka_unit_test(test_exceptions_and_ineligible),
	    cmocka_unit_test(test_edns_clamp),
	    cmocka_unit_test(test_oversize_truncate),
	    cmocka_unit_test(test_oversize_first_fragment),
	    cmocka_unit_test(test_rare_types_engine),
	    cmocka_unit_test(test_allowlisted_rare_type),
	    cmocka_unit_test(test_engine_case_roundtrip),
	    cmocka_unit_test(test_type_parse),
	    cmocka_unit_test(test_config_keys),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
