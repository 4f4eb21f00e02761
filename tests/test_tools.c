/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the offline tools' modules (tools/): capture reading (Ethernet, Linux cooked v1
 * and v2, truncated records), frame building and checksums, labels and base-domain renaming,
 * the synthetic benign clients (determinism, time order, well-formed DNS, the registered-
 * domain split), and the synthetic tunnel shapes (fixed variant 0, drawn variants).
 */
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsf_dns.h"
#include "dnsf_frame.h"
#include "dnsf_name.h"
#include "dnsf_pcap.h"
#include "dnsf_pkt.h"
#include "dnsf_psl.h"
#include "dnsf_rename.h"
#include "dnsf_synth.h"
#include "dnsf_tunsynth.h"

/* ---- helpers ---- */

static size_t
query_msg(uint8_t *buf, size_t cap, const char *name, uint16_t qtype)
{
	struct dnsf_dnsw w;
	dnsf_dnsw_init(&w, buf, cap);
	dnsf_dnsw_header(&w, 0x1234, 0x0100, 1, 0, 0, 0);
	dnsf_dnsw_name(&w, name);
	dnsf_dnsw_u16(&w, qtype);
	dnsf_dnsw_u16(&w, 1);
	return dnsf_dnsw_len(&w);
}

static void
v4_addr(struct dnsf_frame_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->ip_version = 4;
	a->src[0] = 10, a->src[3] = 1;
	a->dst[0] = 10, a->dst[3] = 53;
	a->sport = 40000;
	a->dport = 53;
	a->smac[0] = 2, a->dmac[0] = 2, a->dmac[5] = 1;
}

/* One's complement sum of an L4 segment with its pseudo-header must fold to 0. */
static int
l4_ok(const uint8_t *f, const struct dnsf_pkt *p, size_t total)
{
	unsigned alen = p->ip_version == 4 ? 4 : 16;
	size_t l4len = total - p->l4_off;
	uint64_t sum = 0;
	sum = dnsf_csum_add(sum, p->src, alen);
	sum = dnsf_csum_add(sum, p->dst, alen);
	sum += p->l4_proto;
	sum += (uint32_t)l4len;
	sum = dnsf_csum_add(sum, f + p->l4_off, l4len);
	return dnsf_csum_fold(sum) == 0;
}

static int
ip4_ok(const uint8_t *f, const struct dnsf_pkt *p)
{
	return dnsf_csum_fold(dnsf_csum_add(0, f + p->l3_off, (size_t)(f[p->l3_off] & 15) * 4)) ==
	       0;
}

/* ---- frames and checksums ---- */

static void
test_frame_udp(void **state)
{
	uint8_t msg[512], fr[1600];
	struct dnsf_frame_addr a;
	struct dnsf_pkt_cfg cfg;
	struct dnsf_pkt p;
	size_t ml, fl;

	(void)state;
	dnsf_pkt_cfg_default(&cfg);
	ml = query_msg(msg, sizeof(msg), "www.example.com", DNSF_T_A);
	assert_true(ml > 12);
	for (int v6 = 0; v6 < 2; v6++) {
		v4_addr(&a);
		if (v6) {
			a.ip_version = 6;
			a.src[0] = 0xfd, a.dst[0] = 0xfd, a.dst[15] = 0x53;
		}
		fl = dnsf_frame_udp(&a, msg, ml, fr, sizeof(fr));
		assert_int_equal(fl, 14 + (v6 ? 40 : 20) + 8 + ml);
		assert_int_equal(dnsf_pkt_parse(fr, fl, &cfg, &p), DNSF_PKT_DNS);
		assert_string_equal(p.dns.qname, "www.example.com");
		assert_int_equal(p.is_query, 1);
		assert_true(l4_ok(fr, &p, fl));
		if (!v6)
			assert_true(ip4_ok(fr, &p));
	}
	/* Too small a buffer: nothing. */
	assert_int_equal(dnsf_frame_udp(&a, msg, ml, fr, 40), 0);
}

static void
test_frame_replace(void **state)
{
	uint8_t msg[512], msg2[512], fr[1600], out[1600];
	struct dnsf_frame_addr a;
	struct dnsf_pkt_cfg cfg;
	struct dnsf_pkt p, q;
	size_t ml, fl, ol, ml2;

	(void)state;
	dnsf_pkt_cfg_default(&cfg);
	v4_addr(&a);
	ml = query_msg(msg, sizeof(msg), "a.example.com", DNSF_T_TXT);
	fl = dnsf_frame_udp(&a, msg, ml, fr, sizeof(fr));
	assert_int_equal(dnsf_pkt_parse(fr, fl, &cfg, &p), DNSF_PKT_DNS);
	ml2 = query_msg(msg2, sizeof(msg2), "a-much-longer-label.sub.example.org", DNSF_T_TXT);
	ol = dnsf_frame_replace_dns(fr, fl, &p, msg2, ml2, out, sizeof(out));
	assert_int_equal(ol, fl - ml + ml2);
	assert_int_equal(dnsf_pkt_parse(out, ol, &cfg, &q), DNSF_PKT_DNS);
	assert_string_equal(q.dns.qname, "a-much-longer-label.sub.example.org");
	assert_true(l4_ok(out, &q, ol));
	assert_true(ip4_ok(out, &q));

	/* The same over TCP (length prefix rewritten, TCP checksum recomputed). */
	uint8_t tf[1600];
	size_t tl = 14 + 20 + 20 + 2 + ml;
	memset(tf, 0, sizeof(tf));
	memcpy(tf, fr, 14);
	tf[14] = 0x45;
	tf[16] = (uint8_t)((tl - 14) >> 8), tf[17] = (uint8_t)(tl - 14);
	tf[22] = 64, tf[23] = 6;
	memcpy(tf + 26, a.src, 4);
	memcpy(tf + 30, a.dst, 4);
	tf[34] = 0x9c, tf[35] = 0x40; /* 40000 */
	tf[37] = 53;
	tf[46] = 0x50; /* data offset 5 */
	tf[47] = 0x18;
	tf[54] = (uint8_t)(ml >> 8), tf[55] = (uint8_t)ml;
	memcpy(tf + 56, msg, ml);
	assert_int_equal(dnsf_pkt_parse(tf, tl, &cfg, &p), DNSF_PKT_DNS);
	ol = dnsf_frame_replace_dns(tf, tl, &p, msg2, ml2, out, sizeof(out));
	assert_int_equal(ol, tl - ml + ml2);
	assert_int_equal(dnsf_pkt_parse(out, ol, &cfg, &q), DNSF_PKT_DNS);
	assert_int_equal(q.l4_proto, 6);
	assert_string_equal(q.dns.qname, "a-much-longer-label.sub.example.org");
	assert_true(l4_ok(out, &q, ol));
	assert_true(ip4_ok(out, &q));
}

static void
test_csum_adjust(void **state)
{
	uint8_t buf[301], before[64];

	(void)state;
	srand(3);
	for (int round = 0; round < 500; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rand();
		uint16_t ck = dnsf_csum_fold(dnsf_csum_add(0, buf, sizeof(buf)));
		size_t off = (size_t)rand() % 200, n = 1 + (size_t)rand() % 60;
		memcpy(before, buf + off, n);
		for (size_t i = 0; i < n; i++)
			buf[off + i] = (uint8_t)rand();
		uint16_t full = dnsf_csum_fold(dnsf_csum_add(0, buf, sizeof(buf)));
		uint16_t inc = dnsf_csum_adjust(ck, before, buf + off, n, (int)(off & 1));
		/* 0x0000 and 0xffff are the same number in one's complement. */
		assert_true(inc == full || (inc == 0xffff && full == 0) ||
		            (inc == 0 && full == 0xffff));
	}
}

/* ---- labels and renaming ---- */

static void
test_label_match(void **state)
{
	const char *sfx[] = {"example.attack", "Tun.Other.Test."};
	struct dnsf_dns_msg m;
	uint8_t msg[512];

	(void)state;
	static const struct {
		const char *name;
		int want;
	} cases[] = {
	    {"abc.example.attack", 0},
	    {"example.attack", 0},
	    {"a.b.EXAMPLE.Attack", 0},
	    {"xexample.attack", -1},
	    {"example.attack.com", -1},
	    {"q.tun.other.test", 1},
	    {"attack", -1},
	    {"www.example.com", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t ml = query_msg(msg, sizeof(msg), cases[i].name, DNSF_T_A);
		assert_int_equal(dnsf_dns_parse(msg, ml, &m), DNSF_DNS_OK);
		assert_int_equal(dnsf_label_match(&m, sfx, 2), cases[i].want);
	}
}

/* A response with compression everywhere: the answer's owner points at the question, a CNAME
 * target points into the question's suffix, an SOA in authority has both names compressed, an
 * MX and an SRV carry names after their fixed fields, and an OPT closes it. */
static size_t
compressed_response(uint8_t *b)
{
	size_t n = 0;
	static const uint8_t hdr[] = {0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 4, 0, 1, 0, 1};
	memcpy(b, hdr, 12);
	n = 12;
	/* question: abc.DEF.example.attack TXT IN (example at offset 12+8) */
	static const uint8_t q[] = {3,   'a', 'b', 'c', 3,   'D', 'E', 'F', 7,   'e',
	                            'x', 'a', 'm', 'p', 'l', 'e', 6,   'a', 't', 't',
	                            'a', 'c', 'k', 0,   0,   16,  0,   1};
	memcpy(b + n, q, sizeof(q));
	n += sizeof(q);
	/* TXT answer, owner -> question */
	static const uint8_t a1[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 3, 2, 'h', 'i'};
	memcpy(b + n, a1, sizeof(a1));
	n += sizeof(a1);
	/* CNAME: owner x.<ptr example.attack> -> target y.<ptr to "attack"> ... */
	static const uint8_t a2[] = {1, 'x', 0xc0, 20, 0, 5, 0,   1,    0,
	                             0, 0,   60,   0,  4, 1, 'y', 0xc0, 20};
	memcpy(b + n, a2, sizeof(a2));
	n += sizeof(a2);
	/* MX: owner -> question, 10 mail.<ptr example.attack> */
	static const uint8_t a3[] = {0xc0, 12, 0,  15, 0,   1,   0,   0,   0,    60, 0,
	                             9,    0,  10, 4,  'm', 'a', 'i', 'l', 0xc0, 20};
	memcpy(b + n, a3, sizeof(a3));
	n += sizeof(a3);
	/* SRV: owner -> question, 0 5 443 s.<ptr example.attack> */
	static const uint8_t a4[] = {0xc0, 12, 0, 33, 0, 1, 0,   0, 0,   60,   0,
	                             10,   0,  0, 0,  5, 1, 187, 1, 's', 0xc0, 20};
	memcpy(b + n, a4, sizeof(a4));
	n += sizeof(a4);
	/* SOA in authority: owner example.attack, ns1.<ptr>, hostmaster.<ptr>, 5 numbers */
	static const uint8_t ns[] = {0xc0, 20,  0,    6,  0, 1,   0,    0,  0, 60, 0, 30, 3, 'n',
	                             's',  '1', 0xc0, 20, 1, 'h', 0xc0, 20, 0, 0,  0, 1,  0, 0,
	                             0,    2,   0,    0,  0, 3,   0,    0,  0, 4,  0, 0,  0, 5};
	memcpy(b + n, ns, sizeof(ns));
	n += sizeof(ns);
	static const uint8_t opt[] = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
	memcpy(b + n, opt, sizeof(opt));
	n += sizeof(opt);
	return n;
}

/* The same message written out uncompressed with the new suffix: what renaming must produce. */
static size_t
expected_renamed(uint8_t *b, size_t cap, const char *q, const char *to)
{
	struct dnsf_dnsw w;
	char nm[300];
	size_t at;

	dnsf_dnsw_init(&w, b, cap);
	dnsf_dnsw_header(&w, 0xabcd, 0x8180, 1, 4, 1, 1);
	dnsf_dnsw_name(&w, q);
	dnsf_dnsw_u16(&w, 16);
	dnsf_dnsw_u16(&w, 1);
	at = dnsf_dnsw_rr_begin(&w, q, 16, 60);
	dnsf_dnsw_bytes(&w, "\2hi", 3);
	dnsf_dnsw_rr_end(&w, at);
	snprintf(nm, sizeof(nm), "x.%s", to);
	at = dnsf_dnsw_rr_begin(&w, nm, 5, 60);
	snprintf(nm, sizeof(nm), "y.%s", to);
	dnsf_dnsw_name(&w, nm);
	dnsf_dnsw_rr_end(&w, at);
	at = dnsf_dnsw_rr_begin(&w, q, 15, 60);
	dnsf_dnsw_u16(&w, 10);
	snprintf(nm, sizeof(nm), "mail.%s", to);
	dnsf_dnsw_name(&w, nm);
	dnsf_dnsw_rr_end(&w, at);
	at = dnsf_dnsw_rr_begin(&w, q, 33, 60);
	dnsf_dnsw_u16(&w, 0);
	dnsf_dnsw_u16(&w, 5);
	dnsf_dnsw_u16(&w, 443);
	snprintf(nm, sizeof(nm), "s.%s", to);
	dnsf_dnsw_name(&w, nm);
	dnsf_dnsw_rr_end(&w, at);
	at = dnsf_dnsw_rr_begin(&w, to, 6, 60);
	snprintf(nm, sizeof(nm), "ns1.%s", to);
	dnsf_dnsw_name(&w, nm);
	snprintf(nm, sizeof(nm), "h.%s", to);
	dnsf_dnsw_name(&w, nm);
	for (uint32_t i = 1; i <= 5; i++)
		dnsf_dnsw_u32(&w, i);
	dnsf_dnsw_rr_end(&w, at);
	dnsf_dnsw_opt(&w, 4096);
	return dnsf_dnsw_len(&w);
}

static void
test_rename_msg(void **state)
{
	const char *from[] = {"example.attack"};
	uint8_t in[512], out[1024], want[1024];
	unsigned renamed;
	size_t il, ol, wl;
	struct dnsf_dns_msg m;

	(void)state;
	il = compressed_response(in);
	assert_int_equal(dnsf_dns_parse(in, il, &m), DNSF_DNS_OK);
	assert_int_equal(m.ancount, 4);

	ol = dnsf_rename_msg(in, il, from, 1, "new-base.org", out, sizeof(out), &renamed);
	assert_true(ol > 0);
	/* question, 4 owners, CNAME target, MX, SRV, SOA owner + 2 names */
	assert_int_equal(renamed, 11);
	wl = expected_renamed(want, sizeof(want), "abc.DEF.new-base.org", "new-base.org");
	assert_int_equal(ol, wl);
	assert_memory_equal(out, want, wl);
	assert_int_equal(dnsf_dns_parse(out, ol, &m), DNSF_DNS_OK);
	assert_string_equal(m.qname, "abc.def.new-base.org");
	assert_int_equal(m.has_opt, 1);

	/* Back again: the original's content, uncompressed. */
	const char *from2[] = {"new-base.org"};
	uint8_t back[1024];
	size_t bl =
	    dnsf_rename_msg(out, ol, from2, 1, "example.attack", back, sizeof(back), &renamed);
	wl = expected_renamed(want, sizeof(want), "abc.DEF.example.attack", "example.attack");
	assert_int_equal(bl, wl);
	assert_memory_equal(back, want, wl);

	/* Nothing to rename: the message comes back uncompressed, renamed = 0. */
	const char *other[] = {"nomatch.test"};
	ol = dnsf_rename_msg(in, il, other, 1, "x.org", out, sizeof(out), &renamed);
	assert_true(ol > 0);
	assert_int_equal(renamed, 0);

	/* A cut-off record: the records before it are kept and the counts follow. */
	ol = dnsf_rename_msg(in, il - 20, from, 1, "new-base.org", out, sizeof(out), &renamed);
	assert_true(ol > 0);
	assert_int_equal(dnsf_dns_parse(out, ol, &m), DNSF_DNS_OK);
	assert_int_equal(m.ancount, 4);
	assert_int_equal(m.nscount, 0);
	assert_int_equal(m.arcount, 0);

	/* A question that cannot be decoded: 0. */
	in[12] = 0xc0, in[13] = 0x0c; /* points at itself */
	assert_int_equal(dnsf_rename_msg(in, il, from, 1, "x.org", out, sizeof(out), &renamed), 0);
}

static void
test_rename_case_and_limits(void **state)
{
	const char *from[] = {"example.attack"};
	uint8_t in[512], out[1024];
	struct dnsf_dns_msg m;
	unsigned renamed;
	size_t il, ol;

	(void)state;
	/* 0x20: the new suffix takes the case of the replaced letters in turn (E x A m ...). */
	il = query_msg(in, sizeof(in), "q.ExAmple.ATTACK", DNSF_T_A);
	ol = dnsf_rename_msg(in, il, from, 1, "zz.io", out, sizeof(out), &renamed);
	assert_int_equal(ol, il - 9);
	assert_int_equal(renamed, 1);
	assert_memory_equal(out + 12, "\1q\2Zz\2Io\0", 9);

	/* The replacement is taken in lower case whatever it is given in (the pattern decides). */
	il = query_msg(in, sizeof(in), "q.example.attack", DNSF_T_A);
	ol = dnsf_rename_msg(in, il, from, 1, "ZZ.IO", out, sizeof(out), &renamed);
	assert_int_equal(renamed, 1);
	assert_memory_equal(out + 12, "\1q\2zz\2io\0", 9);

	/* A name that would exceed 255 octets: refused. */
	char big[300];
	snprintf(big, sizeof(big), "%s.%s.%s.%s.example.attack",
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	         "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	         "dddddddddddddddddddddddddddddddddddddddddd");
	il = query_msg(in, sizeof(in), big, DNSF_T_A);
	assert_true(il > 0);
	assert_int_equal(dnsf_rename_msg(in, il, from, 1, "a-much-longer-base.example.org", out,
	                                 sizeof(out), &renamed),
	                 0);
	/* ... but one of the same length fits, in place too. */
	size_t chg = 0;
	assert_int_equal(dnsf_rename_question_inplace(in, il, from, 1, "abcdefghi.info", &chg), 1);
	assert_int_equal(chg, 12);
	assert_int_equal(dnsf_dns_parse(in, il, &m), DNSF_DNS_OK);
	assert_true(strstr(m.qname, "dddddddddd.abcdefghi.info") != NULL);
	/* In place needs the same length. */
	assert_int_equal(dnsf_rename_question_inplace(in, il, from, 1, "short.io", &chg), 0);
}

static void
test_rename_random(void **state)
{
	char a[64], b[64], c[64];
	struct dnsf_psl *psl;
	char err[256], reg[256];

	(void)state;
	assert_int_equal(dnsf_psl_load(DNSF_PSL_DEFAULT_PATH, false, &psl, err, sizeof(err)), 0);
	for (unsigned len = 6; len <= 40; len++) {
		assert_int_equal(dnsf_rename_random(7, "capture.pcap", len, a, sizeof(a)), 0);
		assert_int_equal(strlen(a), len);
		assert_int_equal(dnsf_rename_random(7, "capture.pcap", len, b, sizeof(b)), 0);
		assert_string_equal(a, b);
		/* The whole replacement is one registered domain (so sessions key on it). */
		assert_true(dnsf_psl_split_name(psl, a, reg, sizeof(reg)) == 0);
		assert_string_equal(reg, a);
	}
	assert_int_equal(dnsf_rename_random(7, "capture.pcap", 14, a, sizeof(a)), 0);
	assert_int_equal(dnsf_rename_random(8, "capture.pcap", 14, b, sizeof(b)), 0);
	assert_int_equal(dnsf_rename_random(7, "other.pcap", 14, c, sizeof(c)), 0);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(dnsf_rename_random(7, "x", 5, a, sizeof(a)), -1);
	dnsf_psl_free(psl);
}

/* ---- capture reading ---- */

static void
write_cooked(const char *path, int dlt, const uint8_t *ip, size_t iplen)
{
	pcap_t *pd = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	uint8_t rec[2048];
	struct pcap_pkthdr h;
	size_t hl;

	assert_non_null(d);
	memset(rec, 0, sizeof(rec));
	if (dlt == DLT_LINUX_SLL) {
		rec[1] = 4; /* outgoing */
		rec[5] = 6; /* address length */
		memcpy(rec + 6, "\x02\x11\x22\x33\x44\x55", 6);
		rec[14] = 0x08; /* IPv4 */
		hl = 16;
	} else {
		rec[0] = 0x08; /* protocol IPv4 */
		rec[10] = 0;   /* to us */
		rec[11] = 6;
		memcpy(rec + 12, "\x02\x11\x22\x33\x44\x55", 6);
		hl = 20;
	}
	memcpy(rec + hl, ip, iplen);
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = 1700000000;
	h.ts.tv_usec = 250;
	h.caplen = h.len = (bpf_u_int32)(hl + iplen);
	pcap_dump((u_char *)d, &h, rec);
	/* A record cut by the snap length: skipped and counted. */
	h.caplen = (bpf_u_int32)(hl + 10);
	pcap_dump((u_char *)d, &h, rec);
	/* A record shorter than the cooked header: skipped. */
	h.caplen = h.len = 8;
	pcap_dump((u_char *)d, &h, rec);
	h.ts.tv_usec = 500;
	h.caplen = h.len = (bpf_u_int32)(hl + iplen);
	pcap_dump((u_char *)d, &h, rec);
	pcap_dump_close(d);
	pcap_close(pd);
}

static void
test_pcap_cooked(void **state)
{
	uint8_t msg[512], fr[1600];
	struct dnsf_frame_addr a;
	struct dnsf_pkt_cfg cfg;
	struct dnsf_pkt p;
	char path[] = "/tmp/dnsf-test-pcap-XXXXXX";
	char err[256];
	int fd;

	(void)state;
	dnsf_pkt_cfg_default(&cfg);
	v4_addr(&a);
	size_t ml = query_msg(msg, sizeof(msg), "cooked.example.com", DNSF_T_A);
	size_t fl = dnsf_frame_udp(&a, msg, ml, fr, sizeof(fr));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (int k = 0; k < 2; k++) {
		struct dnsf_pcap *r;
		struct dnsf_pcap_rec rec;
		write_cooked(path, k ? DLT_LINUX_SLL2 : DLT_LINUX_SLL, fr + 14, fl - 14);
		assert_int_equal(dnsf_pcap_open(path, &r, err, sizeof(err)), 0);
		assert_int_equal(dnsf_pcap_next(r, &rec, err, sizeof(err)), 1);
		assert_int_equal(rec.len, fl);
		assert_int_equal(rec.ts_us, UINT64_C(1700000000000250));
		assert_int_equal(rec.frame[12], 0x08);
		assert_int_equal(rec.frame[13], 0x00);
		assert_memory_equal(rec.frame + 6, "\x02\x11\x22\x33\x44\x55", 6);
		assert_memory_equal(rec.frame + 14, fr + 14, fl - 14);
		assert_int_equal(dnsf_pkt_parse(rec.frame, rec.len, &cfg, &p), DNSF_PKT_DNS);
		assert_string_equal(p.dns.qname, "cooked.example.com");
		assert_int_equal(dnsf_pcap_next(r, &rec, err, sizeof(err)), 1);
		assert_int_equal(rec.ts_us, UINT64_C(1700000000000500));
		assert_int_equal(dnsf_pcap_next(r, &rec, err, sizeof(err)), 0);
		assert_int_equal(dnsf_pcap_truncated(r), 1);
		assert_int_equal(dnsf_pcap_skipped(r), 1);
		dnsf_pcap_close(r);
	}
	/* Unsupported link type and missing file: one-line errors. */
	pcap_t *pd = pcap_open_dead(DLT_IEEE802_11, 65535);
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	pcap_dump_close(d);
	pcap_close(pd);
	struct dnsf_pcap *r;
	assert_int_equal(dnsf_pcap_open(path, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not supported"));
	unlink(path);
	assert_int_equal(dnsf_pcap_open(path, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

/* ---- synthetic clients ---- */

static void test_synth_periodic(void **state);

static const char NAMES[] = "example.com\nwww.example.com\nmail.example.com\napi.example.com\n"
                            "example.org\ncdn.example.org\nexample.net\nshop.example.net\n"
                            "img.shop.example.net\nexample.co.uk\nnews.example.co.uk\n"
                            "example.io\nfiles.example.io\nexample.de\nportal.example.de\n"
                            "example.fr\nexample.nl\nm.example.nl\nexample.jp\nexample.info\n"
                            "ads.example.info\nexample.biz\nexample.app\npush.example.app\n";

/* NAMES in a fresh file at path (a mkstemp template), the public suffix list, and every name
 * of the file loaded (no part filter). */
static void
load_names(char *path, struct dnsf_psl **psl, struct dnsf_synth_names **all)
{
	const char *files[1] = {path};
	char err[256];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, NAMES, sizeof(NAMES) - 1), (ssize_t)(sizeof(NAMES) - 1));
	close(fd);
	assert_int_equal(dnsf_psl_load(DNSF_PSL_DEFAULT_PATH, false, psl, err, sizeof(err)), 0);
	assert_int_equal(dnsf_synth_names_load(all, files, 1, *psl, 0, 0, 0, err, sizeof(err)), 0);
}

static void
test_synth(void **state)
{
	char path[] = "/tmp/dnsf-test-names-XXXXXX";
	const char *files[1] = {path};
	struct dnsf_synth_names *all, *tr, *va;
	struct dnsf_synth *s1, *s2;
	struct dnsf_synth_cfg c;
	struct dnsf_psl *psl;
	struct dnsf_pkt_cfg pc;
	static struct dnsf_synth_pkt a, b;
	char err[256];

	(void)state;
	load_names(path, &psl, &all);
	assert_int_equal(dnsf_synth_names_sites(all), 12);
	assert_int_equal(dnsf_synth_names_fqdns(all), 12);
	dnsf_pkt_cfg_default(&pc);
	dnsf_synth_cfg_default(&c);
	c.clients = 50;
	c.seconds = 120;
	c.seed = 5;
	assert_int_equal(dnsf_synth_new(&c, all, &s1, err, sizeof(err)), 0);
	assert_int_equal(dnsf_synth_new(&c, all, &s2, err, sizeof(err)), 0);
	uint64_t last = 0, n = 0, q = 0, r = 0, kinds = 0;
	int r1, r2;
	while ((r1 = dnsf_synth_next(s1, &a)) == 1) {
		struct dnsf_pkt p;
		r2 = dnsf_synth_next(s2, &b);
		assert_int_equal(r2, 1);
		/* Same seed, same bytes. */
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.frame, b.frame, a.len);
		assert_true(a.ts_us >= last);
		last = a.ts_us;
		assert_int_equal(dnsf_pkt_parse(a.frame, a.len, &pc, &p), DNSF_PKT_DNS);
		assert_int_equal(p.is_query, a.is_query);
		q += p.is_query;
		r += !p.is_query;
		kinds |= 1u << a.kind;
		n++;
	}
	assert_int_equal(dnsf_synth_next(s2, &b), 0);
	assert_true(n > 1000);
	assert_int_equal(q, r); /* every query is answered */
	/* Browsers, look-alikes and background shapes all occur in two simulated minutes. */
	assert_true(kinds & (1u << DNSF_SYN_POPULAR));
	assert_true(kinds & (1u << DNSF_SYN_PROBE));
	assert_true(kinds & (1u << DNSF_SYN_ADHEX));
	dnsf_synth_free(s1);
	dnsf_synth_free(s2);

	/* Another seed: other traffic. */
	c.seed = 6;
	assert_int_equal(dnsf_synth_new(&c, all, &s1, err, sizeof(err)), 0);
	c.seed = 5;
	assert_int_equal(dnsf_synth_new(&c, all, &s2, err, sizeof(err)), 0);
	int differ = 0;
	for (int i = 0; i < 200 && dnsf_synth_next(s1, &a) == 1 && dnsf_synth_next(s2, &b) == 1;
	     i++)
		differ |= a.len != b.len || memcmp(a.frame, b.frame, a.len) != 0;
	assert_true(differ);
	dnsf_synth_free(s1);
	dnsf_synth_free(s2);

	/* The split by registered domain: parts 0-3 and part 4 share no site, and every popular
	 * query's registered domain belongs to its part. */
	assert_int_equal(dnsf_synth_names_load(&tr, files, 1, psl, 5, 0, 4, err, sizeof(err)), 0);
	assert_int_equal(dnsf_synth_names_load(&va, files, 1, psl, 5, 4, 5, err, sizeof(err)), 0);
	assert_int_equal(dnsf_synth_names_sites(tr) + dnsf_synth_names_sites(va), 12);
	c.lookalikes = 0;
	c.allowlisted = 0;
	for (int part = 0; part < 2; part++) {
		assert_int_equal(dnsf_synth_new(&c, part ? va : tr, &s1, err, sizeof(err)), 0);
		while (dnsf_synth_next(s1, &a) == 1) {
			struct dnsf_pkt p;
			char reg[300];
			uint64_t h[DNSF_DNS_MAX_LABELS + 1];
			if (a.kind != DNSF_SYN_POPULAR)
				continue;
			assert_int_equal(dnsf_pkt_parse(a.frame, a.len, &pc, &p), DNSF_PKT_DNS);
			dnsf_name_msg_hashes(&p.dns, h);
			int sp = dnsf_psl_split(psl, &p.dns, h);
			snprintf(reg, sizeof(reg), "%s", p.dns.qname + p.dns.label_off[sp]);
			unsigned got = dnsf_synth_part(reg, 5);
			if (part)
				assert_int_equal(got, 4);
			else
				assert_true(got < 4);
		}
		dnsf_synth_free(s1);
	}
	dnsf_synth_names_free(tr);
	dnsf_synth_names_free(va);
	dnsf_synth_names_free(all);
	dnsf_psl_free(psl);
	unlink(path);
	/* No names at all: an error, not an empty simulation. */
	assert_int_equal(dnsf_synth_names_load(&all, files, 1, NULL, 0, 0, 0, err, sizeof(err)),
	                 -1);
}

/* Synthetic tunnels: one session's queries, concatenated names (NUL-separated) into buf. */
static size_t
tun_names(unsigned kind, unsigned variant, uint64_t seed, char *buf, size_t cap,
          unsigned *max_sub_len, uint64_t *last_ts)
{
	struct dnsf_tun_cfg c;
	struct dnsf_tun *t;
	struct dnsf_pkt_cfg pc;
	static struct dnsf_synth_pkt sp;
	static struct dnsf_pkt p;
	char err[128];
	size_t o = 0;
	uint64_t ts = 0;

	dnsf_pkt_cfg_default(&pc);
	dnsf_tun_cfg_default(&c, kind);
	c.variant = (uint8_t)variant;
	c.seed = seed;
	c.queries = 60;
	assert_int_equal(dnsf_tun_new(&c, &t, err, sizeof(err)), 0);
	*max_sub_len = 0;
	while (dnsf_tun_next(t, &sp) == 1) {
		assert_true(sp.ts_us >= ts); /* time order */
		ts = sp.ts_us;
		assert_int_equal(dnsf_pkt_parse(sp.frame, sp.len, &pc, &p), DNSF_PKT_DNS);
		size_t nl = strlen(p.dns.qname), dl = strlen(c.domain);
		assert_true(nl > dl + 1 && nl <= 253);
		assert_string_equal(p.dns.qname + nl - dl, c.domain);
		if (!p.is_query)
			continue;
		if (nl - dl - 1 > *max_sub_len)
			*max_sub_len = (unsigned)(nl - dl - 1);
		assert_true(o + nl + 1 <= cap);
		memcpy(buf + o, p.dns.qname, nl + 1);
		o += nl + 1;
	}
	dnsf_tun_free(t);
	*last_ts = ts;
	return o;
}

static void
test_tunsynth(void **state)
{
	static char a[65536], b[65536];
	unsigned ma, mb;
	uint64_t ta, tb;
	(void)state;

	for (unsigned k = 0; k < DNSF_TUN__COUNT; k++) {
		/* Deterministic for a seed, in both modes. */
		size_t na = tun_names(k, 0, 5, a, sizeof(a), &ma, &ta);
		size_t nb = tun_names(k, 0, 5, b, sizeof(b), &mb, &tb);
		assert_true(na == nb && memcmp(a, b, na) == 0 && ta == tb);
		na = tun_names(k, 1, 5, a, sizeof(a), &ma, &ta);
		nb = tun_names(k, 1, 5, b, sizeof(b), &mb, &tb);
		assert_true(na == nb && memcmp(a, b, na) == 0 && ta == tb);
		/* A drawn variant is another session than the fixed shape of the same seed. */
		nb = tun_names(k, 0, 5, b, sizeof(b), &mb, &tb);
		assert_false(na == nb && memcmp(a, b, na) == 0);
	}
	/* Variant 0 keeps the documented shapes: the beacon's check-in is its 8-hex id and its data
	 * queries "post.<56 hex>.<id>"; the slow shape sends 40-60 base32 characters. */
	size_t n = tun_names(DNSF_TUN_BEACON, 0, 1, a, sizeof(a), &ma, &ta);
	int posts = 0;
	for (size_t o = 0; o < n; o += strlen(a + o) + 1) {
		const char *q = a + o;
		if (strncmp(q, "post.", 5) == 0) {
			assert_int_equal(strcspn(q + 5, "."), 56);
			posts++;
		} else if (strncmp(q, "api.", 4) != 0) {
			assert_int_equal(strcspn(q, "."), 8);
		}
	}
	assert_true(posts > 0);
	tun_names(DNSF_TUN_SLOW, 0, 1, a, sizeof(a), &ma, &ta);
	assert_in_range(ma, 40, 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_udp),     cmocka_unit_test(test_frame_replace),
	    cmocka_unit_test(test_csum_adjust),   cmocka_unit_test(test_label_match),
	    cmocka_unit_test(test_rename_msg),    cmocka_unit_test(test_rename_case_and_limits),
	    cmocka_unit_test(test_rename_random), cmocka_unit_test(test_pcap_cooked),
	    cmocka_unit_test(test_synth),         cmocka_unit_test(test_synth_periodic),
	    cmocka_unit_test(test_tunsynth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Periodic pollers (dnsf_synth_cfg.periodic_pct): the other traffic stays byte for byte what it
 * is without them (the trainer's default stream), and each poller's names come back at a fixed
 * period with at most 20 % jitter. */
static void
test_synth_periodic(void **state)
{
	char path[] = "/tmp/dnsf-test-names-XXXXXX";
	struct dnsf_synth_names *all;
	struct dnsf_synth *s0, *s1;
	struct dnsf_synth_cfg c;
	struct dnsf_psl *psl;
	struct dnsf_pkt_cfg pc;
	static struct dnsf_synth_pkt a, b;
	static struct {
		uint32_t client;
		char name[256];
		double first, last, min_gap, max_gap;
		unsigned n;
	} seen[2048];
	unsigned nseen = 0, periodic = 0, checked = 0;
	char err[256];

	(void)state;
	load_names(path, &psl, &all);
	dnsf_pkt_cfg_default(&pc);
	dnsf_synth_cfg_default(&c);
	c.clients = 30;
	c.seconds = 1800;
	c.seed = 9;
	assert_int_equal(dnsf_synth_new(&c, all, &s0, err, sizeof(err)), 0);
	c.periodic_pct = 100;
	assert_int_equal(dnsf_synth_new(&c, all, &s1, err, sizeof(err)), 0);
	while (dnsf_synth_next(s1, &b) == 1) {
		struct dnsf_pkt p;
		if (b.kind != DNSF_SYN_PERIODIC) {
			assert_int_equal(dnsf_synth_next(s0, &a), 1);
			assert_int_equal(a.ts_us, b.ts_us);
			assert_int_equal(a.len, b.len);
			assert_memory_equal(a.frame, b.frame, a.len);
			continue;
		}
		assert_int_equal(dnsf_pkt_parse(b.frame, b.len, &pc, &p), DNSF_PKT_DNS);
		if (!p.is_query || p.dns.qtype != DNSF_T_A)
			continue;
		periodic++;
		const double t = (double)b.ts_us / 1e6;
		unsigned i;
		for (i = 0; i < nseen; i++)
			if (seen[i].client == b.client && strcmp(seen[i].name, p.dns.qname) == 0)
				break;
		if (i == nseen) {
			assert_true(nseen < 2048);
			nseen++;
			seen[i].client = b.client;
			snprintf(seen[i].name, sizeof(seen[i].name), "%s", p.dns.qname);
			seen[i].first = seen[i].last = t;
			seen[i].min_gap = 1e9;
			seen[i].max_gap = 0;
			seen[i].n = 1;
			continue;
		}
		const double g = t - seen[i].last;
		seen[i].min_gap = g < seen[i].min_gap ? g : seen[i].min_gap;
		seen[i].max_gap = g > seen[i].max_gap ? g : seen[i].max_gap;
		seen[i].last = t;
		seen[i].n++;
	}
	assert_int_equal(dnsf_synth_next(s0, &a), 0);
	assert_true(periodic > 300);
	for (unsigned i = 0; i < nseen; i++) {
		/* A name of one timer (a name two timers of a client share is skipped). */
		if (seen[i].n < 5 || seen[i].min_gap < 15 || seen[i].max_gap > 2 * seen[i].min_gap)
			continue;
		checked++;
		/* Period x (1 +- 0.2), plus up to 0.3 s of placement inside a run. */
		assert_true(seen[i].max_gap <= 1.5 * seen[i].min_gap + 0.5);
	}
	assert_true(checked > 20);
	dnsf_synth_free(s0);
	dnsf_synth_free(s1);
	dnsf_synth_names_free(all);
	dnsf_psl_free(psl);
	unlink(path);
}
