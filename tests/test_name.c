/* SPDX-License-Identifier: BSD-3-Clause */
/* Suffix hashes (dnsf_name): the label step against an independent rendering of its documented
 * definition, the software CRC against the CPU's, the suffix/whole-name contract, no reads past a
 * label, distinctness and spread of the 64-bit values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsf_dns.h"
#include "dnsf_name.h"

uint64_t dnsf_name_chain_portable(uint64_t right, const char *label, unsigned len);

/* Reference CRC32C, byte at a time from a table built here (a different method from the lib's
 * bit loop and from the instruction). */
static uint32_t crc_table[256];

static void
crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t
ref_crc_bytes(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

static uint32_t
ref_crc_word(uint32_t crc, uint64_t w)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(w >> (8 * i));
	return ref_crc_bytes(crc, b, 8);
}

/* The label step exactly as lib/dnsf_name.c documents it. */
static uint64_t
ref_chain(uint64_t right, const uint8_t *label, unsigned len)
{
	uint32_t a = (uint32_t)right, b = (uint32_t)(right >> 32);
	unsigned words = len ? (len + 7) / 8 : 1;

	for (unsigned j = 0; j < words; j++) {
		uint64_t w = 0;
		for (unsigned k = 0; k < 8 && 8 * j + k < len; k++)
			w |= (uint64_t)label[8 * j + k] << (8 * k);
		if (j == words - 1)
			w ^= (uint64_t)len << 56;
		a = ref_crc_word(a, w);
		b = ref_crc_word(b, w * UINT64_C(0x9e3779b97f4a7c15));
	}
	return (uint64_t)b << 32 | a;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
test_reference_crc(void **state)
{
	(void)state;
	crc_table_init();
	/* The CRC-32C check value (RFC 3720 B.4 convention: inverted in and out). */
	assert_int_equal(~ref_crc_bytes(~0u, (const uint8_t *)"123456789", 9), 0xe3069283u);
}

static void
test_chain_matches_definition(void **state)
{
	uint8_t label[64];

	(void)state;
	crc_table_init();
	for (int iter = 0; iter < 4000; iter++) {
		const unsigned len = (unsigned)(rnd() % 64);
		const uint64_t right = rnd();
		for (unsigned i = 0; i < len; i++)
			label[i] = (uint8_t)(1 + rnd() % 255); /* never NUL, like parsed labels */
		const uint64_t want = ref_chain(right, label, len);
		assert_true(dnsf_name_chain(right, (const char *)label, len) == want);
		assert_true(dnsf_name_chain_portable(right, (const char *)label, len) == want);
	}
}

static void
parse_name(const char *name, struct dnsf_dns_msg *m)
{
	unsigned start = 0, i;

	memset(m, 0, sizeof(*m));
	for (i = 0;; i++) {
		if (name[i] == '.' || name[i] == '\0') {
			m->label_off[m->nlabels] = (uint8_t)start;
			m->label_len[m->nlabels] = (uint8_t)(i - start);
			m->nlabels++;
			start = i + 1;
			if (name[i] == '\0')
				break;
		}
		m->qname[i] = name[i];
	}
	m->qname_len = (uint8_t)i;
}

static void
test_suffix_contract(void **state)
{
	static const char *const names[] = {
	    "www.example.co.uk",
	    "a",
	    "x.y.z.w.v.u.t.s.r.q.p",
	    "averyveryverylonglabelthatkeepsgoing.com",
	    "0123456789abcdef0123456789abcdef01234567.tunnel.example.org",
	};
	(void)state;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct dnsf_dns_msg m;
		uint64_t h[DNSF_DNS_MAX_LABELS + 1];
		parse_name(names[k], &m);
		dnsf_name_msg_hashes(&m, h);
		assert_true(h[m.nlabels] == DNSF_NAME_ROOT_HASH);
		for (unsigned i = 0; i < m.nlabels; i++) {
			/* h[i] is the whole-name hash of the suffix that starts at label i ... */
			assert_true(h[i] == dnsf_name_hash(m.qname + m.label_off[i]));
			/* ... and is derived from h[i + 1] and label i alone. */
			assert_true(h[i] == dnsf_name_chain(h[i + 1], m.qname + m.label_off[i],
			                                    m.label_len[i]));
		}
	}
	assert_true(dnsf_name_hash("") == DNSF_NAME_ROOT_HASH);
	assert_true(dnsf_name_hash("WWW.Example.COM") == dnsf_name_hash("www.example.com"));
	assert_true(dnsf_name_hash("example.com.") == dnsf_name_hash("example.com"));
}

static void
test_distinct_shapes(void **state)
{
	static const char *const v[] = {
	    "a.b",
	    "a..b",
	    "ab",
	    "b.a",
	    ".a.b",
	    "a",
	    "b",
	    "aa",
	    "a.a",
	    "abcdefgh",
	    "abcdefgh.i",
	    "abcdefghi",
	    "abcdefg.hi",
	    "x.abcdefgh",
	    "xabcdefgh",
	    "abcdefghabcdefgh",
	    "abcdefgh.abcdefgh",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (size_t j = i + 1; j < sizeof(v) / sizeof(v[0]); j++)
			assert_true(dnsf_name_hash(v[i]) != dnsf_name_hash(v[j]));
	/* An empty label is a step too: it never leaves the hash to its right unchanged. */
	assert_true(dnsf_name_chain(12345, "", 0) != 12345);
}

/* A label that ends on the last byte before an inaccessible page: any read past it faults. */
static void
test_no_read_past_label(void **state)
{
	const long pg = sysconf(_SC_PAGESIZE);
	uint8_t *map =
	    mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	crc_table_init();
	for (unsigned len = 0; len <= 63; len++) {
		uint8_t *label = map + pg - len;
		for (unsigned i = 0; i < len; i++)
			label[i] = (uint8_t)('a' + (i * 7 + len) % 26);
		assert_true(dnsf_name_chain(7, (const char *)label, len) ==
		            ref_chain(7, label, len));
		assert_true(dnsf_name_chain_portable(7, (const char *)label, len) ==
		            ref_chain(7, label, len));
	}
	munmap(map, (size_t)pg * 2);
}

static int
cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* 1M names of everyday and tunnel-like shapes: no 64-bit collision, and the bits the tables
 * (low bits: suffix-set slots) and the detector (bits 40..53: distinct-name bitmaps) use are
 * spread evenly. */
static void
test_spread(void **state)
{
	enum { N = 1 << 20, LOW = 1 << 16 };
	uint64_t *h = malloc(sizeof(*h) * N);
	uint32_t *low = calloc(LOW, sizeof(*low));
	uint32_t b40[64] = {0}, b48[64] = {0};
	char name[128];

	(void)state;
	assert_non_null(h);
	assert_non_null(low);
	for (unsigned i = 0; i < N; i++) {
		if (i % 2)
			snprintf(name, sizeof(name), "host%u.example.com", i);
		else
			snprintf(name, sizeof(name), "%08x%08x.t%u.tunnel.net", (unsigned)rnd(),
			         (unsigned)rnd(), i % 7);
		h[i] = dnsf_name_hash(name);
		low[h[i] & (LOW - 1)]++;
		b40[(h[i] >> 40) & 63]++;
		b48[(h[i] >> 48) & 63]++;
	}
	double chi = 0;
	const double e = (double)N / LOW;
	for (unsigned i = 0; i < LOW; i++)
		chi += (low[i] - e) * (low[i] - e) / e;
	/* chi-square with 65535 degrees of freedom: mean 65535, sd 362; 6 sd of slack. */
	assert_true(chi < 65535 + 6 * 362);
	for (unsigned i = 0; i < 64; i++) {
		assert_true(b40[i] > N / 64 * 0.95 && b40[i] < N / 64 * 1.05);
		assert_true(b48[i] > N / 64 * 0.95 && b48[i] < N / 64 * 1.05);
	}
	qsort(h, N, sizeof(*h), cmp_u64);
	for (unsigned i = 1; i < N; i++)
		assert_true(h[i] != h[i - 1]);
	free(h);
	free(low);
}

/* The inline 8- and 16-byte keys hash exactly as dnsf_hash_bytes() (flow/domain keys and the
 * deny-event memory must not move when the fast path changes). */
static void
test_hash_fixed_lengths(void **state)
{
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15), seed = 1;
	uint8_t buf[16];
	(void)state;

	for (unsigned r = 0; r < 1000000; r++) {
		for (unsigned i = 0; i < 16; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)(r < 256 ? r : x >> 24);
		}
		seed = r & 1 ? x * UINT64_C(0xff51afd7ed558ccd) : ~seed + r;
		assert_true(dnsf_hash16(buf, seed) == dnsf_hash_bytes(buf, 16, seed));
		assert_true(dnsf_hash8(buf + (r & 7), seed) ==
		            dnsf_hash_bytes(buf + (r & 7), 8, seed));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_crc),
	    cmocka_unit_test(test_chain_matches_definition),
	    cmocka_unit_test(test_suffix_contract),
	    cmocka_unit_test(test_distinct_shapes),
	    cmocka_unit_test(test_no_read_past_label),
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_hash_fixed_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
