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

/* dnsf_name_msg_hashes() reads each label's last bytes as one 8-byte word, up to 7 bytes past
 * the name into the struct: whatever those bytes hold, the hashes are the reference chain's
 * (and dnsf_name_suffix_hashes()'s). Names of every label length 0..63, up to qname[255], with
 * random bytes after each label and after the name; the struct on the heap at its exact size,
 * so a sanitizer build sees a read past it. */
static void
test_msg_hashes_past_name(void **state)
{
	struct dnsf_dns_msg *m = malloc(sizeof(*m));
	uint64_t h[DNSF_DNS_MAX_LABELS + 1], g[DNSF_DNS_MAX_LABELS + 1];

	(void)state;
	assert_non_null(m);
	crc_table_init();
	for (int iter = 0; iter < 20000; iter++) {
		unsigned pos = 0, n = 0;
		const unsigned room = iter % 4 == 0 ? 255 : 1 + (unsigned)(rnd() % 255);

		/* Garbage everywhere first: the name's own bytes are written over it below. */
		for (size_t i = 0; i < sizeof(*m); i++)
			((uint8_t *)m)[i] = (uint8_t)rnd();
		while (n < DNSF_DNS_MAX_LABELS) {
			unsigned len =
			    iter < 64 * 4 && n == 0 ? (unsigned)iter % 64 : (unsigned)(rnd() % 64);
			if (rnd() % 8 == 0)
				len = (unsigned)(rnd() % 9); /* short and empty labels often */
			if (pos + len > room)
				len = room - pos;
			m->label_off[n] = (uint8_t)pos;
			m->label_len[n] = (uint8_t)len;
			for (unsigned i = 0; i < len; i++)
				m->qname[pos + i] = (char)(1 + rnd() % 255);
			n++;
			pos += len;
			if (pos + 1 >= room)
				break;
			pos++; /* the dot (its byte is left as the garbage) */
		}
		m->nlabels = (uint8_t)n;
		m->qname_len = (uint8_t)(pos < room ? pos : room);
		dnsf_name_msg_hashes(m, h);
		dnsf_name_suffix_hashes(m->qname, m->label_off, m->label_len, n, g);
		uint64_t want = DNSF_NAME_ROOT_HASH;
		assert_true(h[n] == want);
		for (unsigned i = n; i-- > 0;) {
			want = ref_chain(want, (const uint8_t *)m->qname + m->label_off[i],
			                 m->label_len[i]);
			assert_true(h[i] == want);
			assert_true(g[i] == want);
		}
	}
	free(m);
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

/* ---- dnsf_key16 (flow keys) ---- */

uint64_t dnsf_key16_portable(const void *data, uint64_t seed, uint32_t *check);

/* dnsf_key16 exactly as dnsf_name.h defines it, with the table CRC. */
static uint64_t
ref_key16(const uint8_t *d, uint64_t s, uint32_t *check)
{
	const uint64_t m1 = UINT64_C(0x9e3779b97f4a7c15), m2 = UINT64_C(0xc2b2ae3d27d4eb4f);
	uint64_t w0 = 0, w1 = 0, x;

	for (int i = 0; i < 8; i++) {
		w0 |= (uint64_t)d[i] << (8 * i);
		w1 |= (uint64_t)d[8 + i] << (8 * i);
	}
	const uint32_t a = ref_crc_word(ref_crc_word((uint32_t)s, w0), w1);
	const uint32_t b = ref_crc_word(ref_crc_word((uint32_t)(s >> 32), w0 * m1), w1 * m1);
	*check = ref_crc_word(ref_crc_word((uint32_t)((s * m2) >> 32), w1 * m2), w0 * m2);
	x = (uint64_t)b << 32 | a;
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* The instruction (or the start-up choice), the software CRC and the reference agree. */
static void
test_key16_definition(void **state)
{
	uint8_t d[16 + 7];

	(void)state;
	crc_table_init();
	for (unsigned r = 0; r < 200000; r++) {
		const unsigned off = r & 7; /* unaligned input too */
		uint32_t c_ref, c, c_sw;
		for (unsigned i = 0; i < 16; i++)
			d[off + i] = (uint8_t)(r < 4096 && i >= 4 ? 0 : rnd() >> 11);
		const uint64_t s = r % 3 == 0 ? rnd() : r % 3 == 1 ? r : ~(uint64_t)r << 40;
		const uint64_t k = ref_key16(d + off, s, &c_ref);
		assert_true(dnsf_key16(d + off, s, &c) == k);
		assert_true(dnsf_key16_portable(d + off, s, &c_sw) == k);
		assert_int_equal(c, c_ref);
		assert_int_equal(c_sw, c_ref);
	}
}

typedef uint64_t (*key_fn)(const void *data, uint64_t seed, uint32_t *check);

/* Bad keys that the checks below must reject: a plain xor, and a check taken from the key. */
static uint64_t
xor_key(const void *data, uint64_t seed, uint32_t *check)
{
	uint64_t w0, w1;
	memcpy(&w0, data, 8);
	memcpy(&w1, (const char *)data + 8, 8);
	*check = (uint32_t)((w0 ^ seed) >> 32 ^ w1);
	return w0 ^ w1 ^ seed;
}

static uint64_t
check_from_key(const void *data, uint64_t seed, uint32_t *check)
{
	const uint64_t k = dnsf_key16(data, seed, check);
	*check = (uint32_t)(k >> 32);
	return k;
}

enum { KN = 1 << 20, KB = 1 << 16 };
enum key_set { KS_RANDOM, KS_IPV4_SEQ, KS_DOMAIN_SEQ, KS_IPV6_64 };

/* Input i of a set: the client address (16 bytes, IPv4 in the first 4) and the name hash. */
static void
key_input(enum key_set set, uint32_t i, uint8_t c[16], uint64_t *seed)
{
	static const uint64_t example_hash = UINT64_C(0x5e1f2d3c4b5a6978);
	char name[64];

	memset(c, 0, 16);
	switch (set) {
	case KS_RANDOM: /* random clients, half IPv4, under random name hashes */
		for (unsigned j = 0; j < (i & 1 ? 16u : 4u); j++)
			c[j] = (uint8_t)(rnd() >> 17);
		*seed = rnd();
		return;
	case KS_IPV4_SEQ: /* 10.0.0.0 upwards under one domain */
		c[0] = 10;
		c[1] = (uint8_t)(i >> 16);
		c[2] = (uint8_t)(i >> 8);
		c[3] = (uint8_t)i;
		*seed = example_hash;
		return;
	case KS_DOMAIN_SEQ: /* one client, domains d0.example, d1.example, ... */
		c[0] = 192, c[1] = 0, c[2] = 2, c[3] = 7;
		snprintf(name, sizeof(name), "d%u.example", i);
		*seed = dnsf_name_hash(name);
		return;
	case KS_IPV6_64: /* 2001:db8:1:2::/64, interface identifiers 1, 2, 3, ... */
		c[0] = 0x20, c[1] = 0x01, c[2] = 0x0d, c[3] = 0xb8, c[5] = 1, c[7] = 2;
		for (int j = 0; j < 8; j++)
			c[15 - j] = (uint8_t)((uint64_t)(i + 1) >> (8 * j));
		*seed = example_hash;
		return;
	}
}

struct key_pair {
	uint64_t key;
	uint32_t check;
};

static int
cmp_pair(const void *x, const void *y)
{
	const struct key_pair *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->check < b->check ? -1 : a->check > b->check ? 1 : 0;
}

static int
cmp_u32(const void *x, const void *y)
{
	const uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* chi-square of n counts, expected e each, within 6 sd of its mean (df = n - 1). */
static int
chi_ok(const uint32_t *cnt, unsigned n, double e)
{
	double chi = 0;
	for (unsigned i = 0; i < n; i++)
		chi += (cnt[i] - e) * (cnt[i] - e) / e;
	return chi < (n - 1) + 6 * __builtin_sqrt(2.0 * (n - 1));
}

/*
 * 1 when KN keys of a set are fit for the tables: the bucket bits (0..15) and the deny-event
 * slot bits (40..49) evenly spread (chi-square, and no bucket over 3x its share), no two inputs
 * with the same key or the same key and check, equal checks no more often than chance
 * (C(KN, 2) / 2^32 = 128 pairs), and the check independent of the key's bits (joint
 * chi-square of key bits 0..7 and 32..39 against check bits 0..7).
 */
static int
keys_ok(key_fn fn, enum key_set set)
{
	struct key_pair *p = malloc(sizeof(*p) * KN);
	uint32_t *cnt = calloc(KB, sizeof(*cnt)), *slot = calloc(1024, sizeof(*slot));
	uint32_t *j_lo = calloc(KB, sizeof(*j_lo)), *j_hi = calloc(KB, sizeof(*j_hi));
	uint32_t *chk = malloc(sizeof(*chk) * KN), max = 0;
	unsigned same_key = 0, same_pair = 0, same_check = 0;
	uint8_t c[16];
	uint64_t seed;
	int ok;

	assert_true(p && cnt && slot && j_lo && j_hi && chk);
	for (uint32_t i = 0; i < KN; i++) {
		key_input(set, i, c, &seed);
		p[i].key = fn(c, seed, &p[i].check);
		chk[i] = p[i].check;
		cnt[p[i].key & (KB - 1)]++;
		slot[(p[i].key >> 40) & 1023]++;
		j_lo[(p[i].key & 0xff) << 8 | (p[i].check & 0xff)]++;
		j_hi[((p[i].key >> 32) & 0xff) << 8 | (p[i].check & 0xff)]++;
	}
	for (unsigned i = 0; i < KB; i++)
		max = cnt[i] > max ? cnt[i] : max;
	qsort(p, KN, sizeof(*p), cmp_pair);
	qsort(chk, KN, sizeof(*chk), cmp_u32);
	for (unsigned i = 1; i < KN; i++) {
		same_key += p[i].key == p[i - 1].key;
		same_pair += p[i].key == p[i - 1].key && p[i].check == p[i - 1].check;
		same_check += chk[i] == chk[i - 1];
	}
	ok = chi_ok(cnt, KB, (double)KN / KB) && max <= 3 * KN / KB &&
	     chi_ok(slot, 1024, (double)KN / 1024) && same_key == 0 && same_pair == 0 &&
	     same_check < 3 * 128 && chi_ok(j_lo, KB, (double)KN / KB) &&
	     chi_ok(j_hi, KB, (double)KN / KB);
	if (!ok)
		print_message(
		    "key set %d: max bucket %u, same key %u, same key+check %u, same check "
		    "%u\n",
		    (int)set, max, same_key, same_pair, same_check);
	free(p);
	free(cnt);
	free(slot);
	free(j_lo);
	free(j_hi);
	free(chk);
	return ok;
}

static void
test_key16_spread(void **state)
{
	(void)state;
	for (int set = KS_RANDOM; set <= KS_IPV6_64; set++)
		assert_true(keys_ok(dnsf_key16, (enum key_set)set));
	/* The checks can fail: a plain xor crowds the structured sets into few buckets, and a
	 * check taken from the key's high half is not independent of it. */
	assert_false(keys_ok(xor_key, KS_IPV4_SEQ));
	assert_false(keys_ok(xor_key, KS_IPV6_64));
	assert_false(keys_ok(check_from_key, KS_RANDOM));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_crc),
	    cmocka_unit_test(test_chain_matches_definition),
	    cmocka_unit_test(test_suffix_contract),
	    cmocka_unit_test(test_msg_hashes_past_name),
	    cmocka_unit_test(test_distinct_shapes),
	    cmocka_unit_test(test_no_read_past_label),
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_hash_fixed_lengths),
	    cmocka_unit_test(test_key16_definition),
	    cmocka_unit_test(test_key16_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
