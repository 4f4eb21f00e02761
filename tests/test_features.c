/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-message features on known strings, the feature list, the vector normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect_util.h"
#include "dnsf_bigram.h"
#include "dnsf_features.h"

static void
feat_of(const char *name, uint16_t qtype, unsigned reg_labels, struct dnsf_qfeat *q)
{
	struct tmsg t;

	tmsg_build(&t, name, qtype, 0, reg_labels, 1);
	dnsf_qfeat_compute(&t.p.dns, t.split, t.wire, t.wire_len, t.h[0], q);
}

static void
test_shape(void **state)
{
	struct dnsf_qfeat q;
	(void)state;

	feat_of("www.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.qname_len, 15);
	assert_int_equal(q.nlabels, 3);
	assert_int_equal(q.max_label, 7);
	assert_int_equal(q.sub_len, 3);
	assert_int_equal(q.sub_chars, 3);
	assert_int_equal(q.sub_labels, 1);
	assert_int_equal(q.sub_max_label, 3);
	assert_int_equal(q.entropy_milli, 0); /* one symbol */
	assert_int_equal(q.fit, 0);
	assert_int_equal(q.rrclass, DNSF_RRC_ADDR);

	/* Two subdomain labels: length counts the dot, chars do not. */
	feat_of("a1-b.c_d.example.co.uk", DNSF_T_TXT, 3, &q);
	assert_int_equal(q.sub_len, 8);
	assert_int_equal(q.sub_chars, 7);
	assert_int_equal(q.sub_labels, 2);
	assert_int_equal(q.digit_pm, 1000 / 7);
	assert_int_equal(q.hyphen_pm, 2000 / 7);
	assert_int_equal(q.rrclass, DNSF_RRC_TXT);

	/* No subdomain: the registered domain itself (or a bare public suffix). */
	feat_of("example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.sub_len, 0);
	assert_int_equal(q.entropy_milli, 0);
	assert_int_equal(q.bigram_milli, 0);
	feat_of("chromeprobexyz", DNSF_T_A, 1, &q);
	assert_int_equal(q.sub_len, 0);
	assert_int_equal(q.max_label, 14);
}

static void
test_entropy(void **state)
{
	struct dnsf_qfeat q;
	(void)state;

	feat_of("abcd.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.entropy_milli, 2000);
	feat_of("aabb.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.entropy_milli, 1000);
	feat_of("abcdefghijklmnop.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.entropy_milli, 4000);
	/* Counted over labels, dots excluded: "ab.cd" has 4 symbols. */
	feat_of("ab.cd.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.entropy_milli, 2000);
	/* "aab": -(2/3 log2 2/3 + 1/3 log2 1/3) = 0.918 bits (table rounding: +-1 milli). */
	feat_of("aab.example.com", DNSF_T_A, 2, &q);
	assert_in_range(q.entropy_milli, 917, 919);
	/* Entropy is case-blind: the parser lower-cases, the wire case goes to upper_pm. */
	feat_of("AbCd.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.entropy_milli, 2000);
}

static void
test_alphabets(void **state)
{
	struct dnsf_qfeat q;
	(void)state;

	/* A hash with a short word beside it is still hex (safeframe-style). */
	feat_of("d41d8cd98f00b204e9800998ecf8427e.safeframe.googlesyndication.com", DNSF_T_A, 2,
	        &q);
	assert_true(q.fit & DNSF_FIT_HEX);
	/* Words made of a-f only are not hashes. */
	feat_of("deadbeef.example.com", DNSF_T_A, 2, &q);
	assert_false(q.fit & DNSF_FIT_HEX);
	/* iodine's base32 alphabet (a-z0-5). */
	feat_of("lacekhq4hpyit1ex5hhfkf23afd3fkvi.example.com", DNSF_T_NULL, 2, &q);
	assert_true(q.fit & DNSF_FIT_BASE32);
	assert_false(q.fit & DNSF_FIT_HEX);
	assert_false(q.fit & DNSF_FIT_BINARY);
	/* Letters only: a word, not an encoding. */
	feat_of("wwwmailserver.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.fit, 0);
	/* Digits 8/9 are outside base32. */
	feat_of("abc89.example.com", DNSF_T_A, 2, &q);
	assert_false(q.fit & DNSF_FIT_BASE32);

	/* base64: mixed case in the subdomain, registered domain lower case. */
	feat_of("aGVsbG8gd29ybGQ.example.com", DNSF_T_TXT, 2, &q);
	assert_true(q.fit & DNSF_FIT_BASE64);
	assert_false(q.fit & DNSF_FIT_BASE32);
	assert_int_equal(q.upper_pm, 5 * 1000 / 15);
	/* The same with 0x20-randomised case everywhere: case tells nothing. */
	feat_of("aGVsbG8gd29ybGQ.ExAmPlE.cOm", DNSF_T_TXT, 2, &q);
	assert_false(q.fit & DNSF_FIT_BASE64);
	assert_int_equal(q.upper_pm, 0);
	/* '+', '/', '=' are base64, not binary, but outside the host-name alphabet. */
	feat_of("ab+cd/ef=.example.com", DNSF_T_TXT, 2, &q);
	assert_true(q.fit & DNSF_FIT_BASE64);
	assert_false(q.fit & DNSF_FIT_BINARY);
	assert_int_equal(q.other_pm, 3 * 1000 / 9);
	/* A raw byte (iodine's raw / base128 codecs). */
	feat_of("ab\xe4"
	        "cd.example.com",
	        DNSF_T_NULL, 2, &q);
	assert_true(q.fit & DNSF_FIT_BINARY);
	assert_false(q.fit & DNSF_FIT_BASE64);
	assert_int_equal(q.other_pm, 200);
}

static void
test_case_needs_wire(void **state)
{
	struct tmsg t;
	struct dnsf_qfeat q;
	(void)state;

	/* Without the wire the case cannot be placed: the whole name's count is used. */
	tmsg_build(&t, "aGVsbG8.example.com", DNSF_T_A, 0, 2, 1);
	dnsf_qfeat_compute(&t.p.dns, t.split, NULL, 0, t.h[0], &q);
	assert_int_equal(q.upper_pm, 3 * 1000 / 7);
	/* A wire that does not match the presentation offsets (a pointer in the name) is not
	 * read: same fallback. */
	t.wire[12] = 0xc0;
	dnsf_qfeat_compute(&t.p.dns, t.split, t.wire, t.wire_len, t.h[0], &q);
	assert_int_equal(q.upper_pm, 3 * 1000 / 7);
	/* A short wire is not over-read. */
	tmsg_build(&t, "aGVsbG8.example.com", DNSF_T_A, 0, 2, 1);
	dnsf_qfeat_compute(&t.p.dns, t.split, t.wire, 14, t.h[0], &q);
	assert_int_equal(q.upper_pm, 3 * 1000 / 7);
}

static void
test_bigram(void **state)
{
	struct dnsf_qfeat q, r;
	(void)state;

	/* One transition: exactly the table's cost in millibits. */
	feat_of("ab.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.bigram_milli, dnsf_bigram_cost[0][1] * 1000 / DNSF_BG_UNIT);
	/* Transitions do not cross labels: "a.b" has none. */
	feat_of("a.b.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.bigram_milli, 0);
	/* Words people use in host names are cheaper than random strings of the same length. */
	feat_of("mailservice.example.com", DNSF_T_A, 2, &q);
	feat_of("xq7zjv0kwpf.example.com", DNSF_T_A, 2, &r);
	assert_true(q.bigram_milli + 1000 < r.bigram_milli);
	/* A raw byte makes the most expensive transitions. */
	feat_of("a\xe4.example.com", DNSF_T_A, 2, &q);
	assert_int_equal(q.bigram_milli, 255 * 1000 / DNSF_BG_UNIT);
}

static void
test_response(void **state)
{
	struct tmsg t;
	struct dnsf_qfeat q;
	(void)state;

	tmsg_build(&t, "abc.example.com", DNSF_T_TXT, 1, 2, 1);
	t.p.dns.rcode = DNSF_RCODE_NXDOMAIN;
	t.p.dns.ancount = 3;
	t.p.dns.rdata_total = 700;
	t.p.dns.txtnull_max = 400;
	t.p.dns.has_opt = 1;
	t.p.dns.udp_size = 1232;
	dnsf_qfeat_compute(&t.p.dns, t.split, t.wire, t.wire_len, t.h[0], &q);
	assert_int_equal(q.is_response, 1);
	assert_int_equal(q.rcode, DNSF_RCODE_NXDOMAIN);
	assert_int_equal(q.ancount, 3);
	assert_int_equal(q.rdata_total, 700);
	assert_int_equal(q.txtnull_max, 400);
	assert_int_equal(q.edns_udp, 1232);
	/* Queries carry no answer summary even if the fields hold garbage. */
	t.p.dns.qr = 0;
	dnsf_qfeat_compute(&t.p.dns, t.split, t.wire, t.wire_len, t.h[0], &q);
	assert_int_equal(q.rdata_total, 0);
	assert_int_equal(q.ancount, 0);
}

static void
test_names_and_schema(void **state)
{
	(void)state;

	for (unsigned i = 0; i < DNSF_F__COUNT; i++) {
		const char *n = dnsf_feat_name(i);
		assert_string_not_equal(n, "?");
		assert_int_equal(dnsf_feat_id_of(n), (int)i);
		for (const char *c = n; *c; c++) /* telemetry and JSON-safe */
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
			            *c == '_');
	}
	assert_string_equal(dnsf_feat_name(DNSF_F__COUNT), "?");
	assert_int_equal(dnsf_feat_id_of("no_such_feature"), -1);
	/* The model input never contains the whole-name shape (it includes the base domain). */
	assert_true(dnsf_feat_id_of("qname_len") >= DNSF_F_VEC_COUNT);
	assert_true(dnsf_feat_id_of("max_label") >= DNSF_F_VEC_COUNT);
	assert_true(dnsf_feat_id_of("sub_len") < DNSF_F_VEC_COUNT);
	/* Stable: the shipped model files carry this value. Changing the schema must change
	 * DNSF_FEAT_NORM_VERSION and this constant together (and retrain the model). */
	assert_true(dnsf_feat_schema_hash() == dnsf_feat_schema_hash());
	assert_true(dnsf_feat_schema_hash() == UINT64_C(0x7ea4c9e126d2a448));
}

static void
test_vector(void **state)
{
	struct dnsf_feat f;
	int32_t v[DNSF_F_VEC_COUNT];
	(void)state;

	assert_int_equal(dnsf_log2_q8(0), 0);
	assert_int_equal(dnsf_log2_q8(1), 0);
	assert_int_equal(dnsf_log2_q8(2), 256);
	assert_int_equal(dnsf_log2_q8(1024), 10 * 256);
	assert_int_equal(dnsf_log2_q8(3), 256 + 128); /* linear between powers of two */

	memset(&f, 0, sizeof(f));
	f.v[DNSF_F_SUB_LEN] = 255;
	f.v[DNSF_F_ENTROPY] = 3000;
	f.v[DNSF_F_FIT_HEX] = 1;
	f.v[DNSF_F_DIGIT_PM] = 5000; /* out of range: clamped */
	f.v[DNSF_F_UPPER_PM] = -7;   /* negative: 0 */
	f.v[DNSF_F_FLOW_DISTINCT] = 1024;
	f.v[DNSF_F_FLOW_INFO] = 255;
	dnsf_feat_vector(&f, v);
	assert_int_equal(v[DNSF_F_SUB_LEN], 1024);
	assert_int_equal(v[DNSF_F_ENTROPY], 512);
	assert_int_equal(v[DNSF_F_FIT_HEX], 1024);
	assert_int_equal(v[DNSF_F_DIGIT_PM], 1024);
	assert_int_equal(v[DNSF_F_UPPER_PM], 0);
	assert_int_equal(v[DNSF_F_FLOW_DISTINCT], 1024);
	/* log2(256) / log2(65536) = 1/2 */
	assert_int_equal(v[DNSF_F_FLOW_INFO], 512);
	for (unsigned i = 0; i < DNSF_F_VEC_COUNT; i++)
		assert_in_range(v[i], 0, DNSF_FEAT_ONE);

	/* The multiply-by-reciprocal transform equals the division definition, for every
	 * feature, around every boundary and over the whole range (powers of two and neighbours,
	 * and a pseudo-random sweep). */
	{
		static const int32_t edge[] = {
		    INT32_MIN, -1,    0,       1,       2,        3,        255,      256,
		    1000,      1023,  1024,    4095,    4096,     65534,    65535,    65536,
		    86399,     86400, 1048575, 1048576, 16777214, 16777215, 16777216, INT32_MAX};
		uint32_t seed = 12345;
		int32_t ref[DNSF_F_VEC_COUNT];

		for (unsigned round = 0; round < 200000; round++) {
			for (unsigned i = 0; i < DNSF_F_VEC_COUNT; i++) {
				seed = seed * 1664525u + 1013904223u;
				if (round < sizeof(edge) / sizeof(edge[0]))
					f.v[i] = edge[round];
				else if (round & 1)
					f.v[i] = (int32_t)(seed >> (seed & 31));
				else
					f.v[i] = (int32_t)(seed % 70000u);
			}
			dnsf_feat_vector(&f, v);
			dnsf_feat_vector_ref(&f, ref);
			assert_memory_equal(v, ref, sizeof(ref));
		}
	}
}

/* The table-driven one-pass dnsf_qfeat_compute() equals the per-character definition
 * (dnsf_qfeat_compute_ref) field by field, over random names of every alphabet the features
 * tell apart, any byte but NUL and '.', random case, splits, wire present, absent or not
 * matching. */
static void
assert_qfeat_same(const struct dnsf_qfeat *a, const struct dnsf_qfeat *b)
{
	assert_true(a->name_hash == b->name_hash);
	assert_int_equal(a->qname_len, b->qname_len);
	assert_int_equal(a->nlabels, b->nlabels);
	assert_int_equal(a->max_label, b->max_label);
	assert_int_equal(a->sub_len, b->sub_len);
	assert_int_equal(a->sub_chars, b->sub_chars);
	assert_int_equal(a->sub_labels, b->sub_labels);
	assert_int_equal(a->sub_max_label, b->sub_max_label);
	assert_int_equal(a->entropy_milli, b->entropy_milli);
	assert_int_equal(a->digit_pm, b->digit_pm);
	assert_int_equal(a->upper_pm, b->upper_pm);
	assert_int_equal(a->hyphen_pm, b->hyphen_pm);
	assert_int_equal(a->other_pm, b->other_pm);
	assert_int_equal(a->bigram_milli, b->bigram_milli);
	assert_int_equal(a->fit, b->fit);
	assert_int_equal(a->rrclass, b->rrclass);
	assert_int_equal(a->is_response, b->is_response);
	assert_int_equal(a->rcode, b->rcode);
	assert_int_equal(a->edns_udp, b->edns_udp);
	assert_int_equal(a->ancount, b->ancount);
	assert_int_equal(a->txtnull_max, b->txtnull_max);
	assert_int_equal(a->rdata_total, b->rdata_total);
}

/*
 * dnsf_qfeat_compute_rules() against dnsf_qfeat_compute()'s result `full` for the same
 * arguments: a subdomain of fewer than DNSF_QFEAT_RULES_CHARS characters (or none) gets the
 * fields the rules read and zeros for the rest, a longer one everything; dnsf_qfeat_finish()
 * then makes it equal to `full`, and leaves a complete result as it is.
 */
static void
check_rules_variant(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *w, size_t wl,
                    uint64_t name_hash, const struct dnsf_qfeat *full)
{
	struct dnsf_qfeat r;

	dnsf_qfeat_compute_rules(m, split, w, wl, name_hash, &r);
	if (full->sub_chars >= DNSF_QFEAT_RULES_CHARS) {
		assert_qfeat_same(full, &r);
	} else {
		assert_true(r.name_hash == full->name_hash);
		assert_int_equal(r.qname_len, full->qname_len);
		assert_int_equal(r.nlabels, full->nlabels);
		assert_int_equal(r.sub_len, full->sub_len);
		assert_int_equal(r.sub_chars, full->sub_chars);
		assert_int_equal(r.sub_labels, full->sub_labels);
		assert_int_equal(r.sub_max_label, full->sub_max_label);
		assert_int_equal(r.fit, full->fit & DNSF_FIT_BINARY);
		assert_int_equal(r.rrclass, full->rrclass);
		assert_int_equal(r.is_response, full->is_response);
		assert_int_equal(r.rcode, full->rcode);
		assert_int_equal(r.edns_udp, full->edns_udp);
		assert_int_equal(r.ancount, full->ancount);
		assert_int_equal(r.txtnull_max, full->txtnull_max);
		assert_int_equal(r.rdata_total, full->rdata_total);
		assert_int_equal(r.max_label, 0);
		assert_int_equal(r.entropy_milli, 0);
		assert_int_equal(r.bigram_milli, 0);
		assert_int_equal(r.digit_pm | r.upper_pm | r.hyphen_pm | r.other_pm, 0);
	}
	dnsf_qfeat_finish(m, split, w, wl, &r);
	assert_qfeat_same(full, &r);
	dnsf_qfeat_finish(m, split, w, wl, &r);
	assert_qfeat_same(full, &r);
}

static void
test_qfeat_equals_ref(void **state)
{
	static const char *const alpha[] = {
	    "abcdefghijklmnopqrstuvwxyz",
	    "0123456789abcdef",
	    "abcdefghijklmnopqrstuvwxyz234567",
	    "abcdefghijklmnopqrstuvwxyz012345",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	    "abcdefghijklmnopqrstuvwxyz0123456789-",
	    "aaaab",
	    "0123456789",
	    "AbCdEfGhIjKlMnOpQrStUvWxYz",
	};
	static const uint16_t qtypes[] = {1, 28, 16, 10, 5, 12, 65, 255, 65300, 99};
	char name[300], lab[64];
	struct tmsg t;
	struct dnsf_qfeat a, b;
	unsigned counts[4] = {0};
	(void)state;

	for (unsigned round = 0; round < 200000; round++) {
		unsigned nlab = 1 + trng(12), wire = 2, pos = 0;
		for (unsigned l = 0; l < nlab; l++) {
			unsigned len = 1 + (trng(4) == 0 ? trng(63) : trng(12));
			unsigned kind = trng(12);
			if (wire + len + 1 > 255)
				break;
			for (unsigned k = 0; k < len; k++) {
				if (kind >= 10) { /* any byte but NUL and '.' */
					unsigned c;
					do
						c = 1 + trng(255);
					while (c == '.');
					lab[k] = (char)c;
				} else {
					const char *al = alpha[kind];
					lab[k] = al[trng((uint32_t)strlen(al))];
				}
			}
			/* occasional stray class inside an otherwise clean label */
			if (trng(8) == 0)
				lab[trng(len)] = "-_=+/Z9x\x80"[trng(9)];
			if (pos)
				name[pos++] = '.';
			memcpy(name + pos, lab, len);
			pos += len;
			wire += len + 1;
		}
		name[pos] = '\0';
		tmsg_build(&t, name, qtypes[trng(10)], (int)trng(2), trng(4), 1);
		t.p.dns.rcode = (uint8_t)trng(16);
		t.p.dns.has_opt = (uint8_t)trng(2);
		t.p.dns.udp_size = (uint16_t)trng(65536);
		t.p.dns.ancount = (uint16_t)trng(8);
		t.p.dns.rdata_total = trng(5000);
		t.p.dns.txtnull_max = (uint16_t)trng(2000);
		unsigned split = trng(8) == 0 ? trng(16) : t.split;
		unsigned mode = trng(4);
		const uint8_t *w = t.wire;
		size_t wl = t.wire_len;
		if (mode == 1)
			w = NULL;
		else if (mode == 2)
			t.wire[12] = 0xc0; /* labels not where the offsets say */
		else if (mode == 3)
			wl = trng((uint32_t)wl + 1); /* short wire */
		counts[mode]++;
		dnsf_qfeat_compute(&t.p.dns, split, w, wl, t.h[0], &a);
		dnsf_qfeat_compute_ref(&t.p.dns, split, w, wl, t.h[0], &b);
		assert_qfeat_same(&a, &b);
		check_rules_variant(&t.p.dns, split, w, wl, t.h[0], &a);
	}
	for (unsigned i = 0; i < 4; i++)
		assert_true(counts[i] > 10000);
}

/* The same equivalence on messages built by hand, beyond what the random names above reach:
 * every label length 1..63 (each in every position of a name, now and then next to an empty
 * label), every byte 0..255 in the
 * question name (upper case and 0x80+ included, '.' and NUL inside a label), names of up to
 * 127 labels, names that fill qname[] to its last octet (253 characters), every split, and the
 * wire case read from a heap buffer of exactly the message's size or cut short (under ASan a
 * read past either end fails). */
struct hmsg {
	struct dnsf_dns_msg m;
	uint8_t wire[512];
	size_t wire_len;
};

/* Labels lens[0..n) with bytes from `kind`: 0 any byte, 1 [a-z0-9], 2 [0-9a-f], 3 base32,
 * 4 base64 with signs, 5 a single repeated byte. Upper case in the wire for about 1 letter in
 * `upper_one_in` (0: none). */
static void
hmsg_build(struct hmsg *h, const unsigned *lens, unsigned n, unsigned kind, unsigned upper_one_in)
{
	static const char *const al[] = {
	    NULL, "abcdefghijklmnopqrstuvwxyz0123456789", "0123456789abcdef",
	    "abcdefghijklmnopqrstuvwxyz234567",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="};
	struct dnsf_dns_msg *m = &h->m;
	const uint8_t rep = (uint8_t)trng(256);
	size_t w = 12;
	unsigned pos = 0;

	memset(h, 0, sizeof(*h));
	m->qname_wire_off = 12;
	for (unsigned i = 0; i < n; i++) {
		m->label_off[i] = (uint8_t)pos;
		m->label_len[i] = (uint8_t)lens[i];
		h->wire[w++] = (uint8_t)lens[i];
		for (unsigned k = 0; k < lens[i]; k++) {
			uint8_t c;
			if (kind == 0)
				c = (uint8_t)trng(256);
			else if (kind == 5)
				c = rep;
			else
				c = (uint8_t)al[kind][trng((uint32_t)strlen(al[kind]))];
			/* the wire byte; the parser lower-cases A-Z into qname (others as they are,
			 * NUL as 0xff) and counts the upper case */
			uint8_t wc = c;
			if (c >= 'a' && c <= 'z' && upper_one_in && trng(upper_one_in) == 0)
				wc = (uint8_t)(c - 32);
			if (wc >= 'A' && wc <= 'Z') {
				m->qname_upper++;
				c = (uint8_t)(wc + 32);
			}
			h->wire[w++] = wc;
			m->qname[pos++] = (char)(c == 0 ? 0xff : c);
		}
		if (i + 1 < n)
			m->qname[pos++] = '.';
	}
	m->qname[pos] = '\0';
	m->nlabels = (uint8_t)n;
	m->qname_len = (uint8_t)pos;
	h->wire[w++] = 0;
	m->qname_wire_len = (uint16_t)(w - 12);
	h->wire[w++] = 0;
	h->wire[w++] = 16;
	h->wire_len = w;
	m->qtype = (uint16_t)(trng(2) ? 16 : 1);
	m->qr = (uint8_t)trng(2);
	m->rcode = (uint8_t)trng(16);
	m->has_opt = (uint8_t)trng(2);
	m->udp_size = (uint16_t)trng(65536);
	m->ancount = (uint16_t)trng(8);
	m->rdata_total = trng(5000);
	m->txtnull_max = (uint16_t)trng(2000);
}

/* Both definitions on h at `split`, the wire on the heap cut to `wl` bytes (or none). */
static void
hmsg_check(const struct hmsg *h, unsigned split, int with_wire, size_t wl)
{
	struct dnsf_qfeat a, b;
	uint8_t *w = NULL;

	if (with_wire) {
		w = malloc(wl ? wl : 1);
		assert_non_null(w);
		memcpy(w, h->wire, wl);
	}
	dnsf_qfeat_compute(&h->m, split, w, wl, 0x1234, &a);
	dnsf_qfeat_compute_ref(&h->m, split, w, wl, 0x1234, &b);
	assert_qfeat_same(&a, &b);
	check_rules_variant(&h->m, split, w, wl, 0x1234, &a);
	free(w);
}

static void
test_qfeat_equals_ref_bytes(void **state)
{
	static struct hmsg h;
	unsigned lens[127];
	(void)state;

	/* Every length in every position: a label of length L among up to three others. */
	for (unsigned len = 1; len <= 63; len++) {
		for (unsigned round = 0; round < 400; round++) {
			const unsigned n = 1 + trng(4), at = trng(n);
			for (unsigned i = 0; i < n; i++)
				lens[i] = i == at ? len : 1 + trng(63);
			unsigned sum = 0;
			for (unsigned i = 0; i < n; i++)
				sum += lens[i] + 1;
			if (sum > 254)
				lens[at == 0 ? n - 1 : 0] = 1; /* still fits: 3 x 64 + 2 */
			/* now and then an empty label (no parser gives one: "a..b") */
			if (n > 1 && trng(16) == 0)
				lens[(at + 1) % n] = 0;
			hmsg_build(&h, lens, n, trng(6), trng(4) == 0 ? 0 : 1 + trng(6));
			const unsigned split = trng(8) == 0 ? n + trng(3) : trng(n + 1);
			const unsigned mode = trng(3);
			hmsg_check(&h, split, mode != 1,
			           mode == 2 ? trng((uint32_t)h.wire_len + 1) : h.wire_len);
		}
	}
	/* Every byte value: a label of it alone, repeated, and inside a hex / base32 label. */
	for (unsigned c = 0; c < 256; c++) {
		for (unsigned round = 0; round < 40; round++) {
			const unsigned n = 2 + trng(3);
			for (unsigned i = 0; i < n; i++)
				lens[i] = 1 + trng(20);
			hmsg_build(&h, lens, n, 2 + trng(2), 1 + trng(3));
			/* put c at a random place of the subdomain's first label */
			const unsigned k = trng(lens[0]);
			h.m.qname[h.m.label_off[0] + k] = (char)(c == 0 ? 0xff : c);
			h.wire[13 + k] = (uint8_t)c;
			if (c >= 'A' && c <= 'Z')
				h.m.qname_upper++;
			if (round & 1) { /* or the whole label of it */
				memset(h.m.qname + h.m.label_off[0], c == 0 ? 0xff : (int)c,
				       lens[0]);
				memset(h.wire + 13, (int)c, lens[0]);
			}
			hmsg_check(&h, 1 + trng(n), 1, h.wire_len);
		}
	}
	/* Long names: up to 127 labels, and names that fill qname[] to its last character. */
	for (unsigned round = 0; round < 3000; round++) {
		unsigned n = 0, pos = 0;
		const unsigned maxlen = round % 3 == 0 ? 1 : round % 3 == 1 ? 63 : 1 + trng(63);
		while (n < 127) {
			unsigned len = 1 + trng(maxlen);
			if (pos + len > 253)
				len = 253 - pos;
			if (len == 0)
				break;
			lens[n++] = len;
			pos += len + 1;
			if (pos >= 253)
				break;
		}
		hmsg_build(&h, lens, n, trng(6), trng(3) == 0 ? 0 : 1 + trng(6));
		hmsg_check(&h, trng(n + 1), trng(2), h.wire_len);
		hmsg_check(&h, n, 1, h.wire_len);
	}
	/* A subdomain ending past qname's 255th octet (no parser gives it): the definition. */
	lens[0] = 63, lens[1] = 63, lens[2] = 63, lens[3] = 61;
	hmsg_build(&h, lens, 4, 1, 0);
	h.m.label_off[3] = 193; /* 193 + 63 = 256: the last label ends at qname's end */
	h.m.label_len[3] = 63;
	hmsg_check(&h, 4, 0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shape),
	    cmocka_unit_test(test_entropy),
	    cmocka_unit_test(test_alphabets),
	    cmocka_unit_test(test_case_needs_wire),
	    cmocka_unit_test(test_bigram),
	    cmocka_unit_test(test_response),
	    cmocka_unit_test(test_names_and_schema),
	    cmocka_unit_test(test_vector),
	    cmocka_unit_test(test_qfeat_equals_ref),
	    cmocka_unit_test(test_qfeat_equals_ref_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
