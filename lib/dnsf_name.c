/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Suffix hashes on the fast path: every DNS packet hashes every label of its question, so the
 * label step is CRC32C (one SSE4.2 instruction per 8 bytes, 3 cycles of latency) rather than
 * a multiply-xorshift mix (two multiplies per 8 bytes and a finaliser per label).
 *
 * The label step, exactly (the unit test checks it against a plain C rendering):
 *   words: the label's bytes in little-endian 8-byte words, the last one zero-filled, at least
 *          one word (an empty label is one zero word); the last word XOR (len << 56), so labels
 *          of different lengths never share a word sequence (labels never hold a NUL octet: the
 *          parser stores it as 0xff);
 *   a = low 32 bits of the right-hand hash, b = high 32 bits;
 *   per word w:  a = crc32c(a, w);  b = crc32c(b, w * 0x9e3779b97f4a7c15);
 *   result = b << 32 | a.
 * Lane b sees each word through a multiply (not linear over GF(2)), so the two 32-bit lanes are
 * independent functions of the name and the 64-bit value behaves as one hash. x86-64 CPUs
 * without SSE4.2 (and other architectures) compute the same CRC in software, so every build
 * gives the same values: tools that derive data from these hashes do not depend on -march.
 *
 * dnsf_hash_bytes() keeps its multiply-xorshift definition: the feature-schema hash that model
 * files carry is built from it, so its values must not change.
 */
#include <stddef.h>
#include <string.h>

#include "dnsf_name.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define DNSF_NAME_X86 1
#endif

#define LANE_B_MUL UINT64_C(0x9e3779b97f4a7c15)

uint64_t
dnsf_hash_bytes(const void *data, unsigned len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (UINT64_C(0x87c37b91114253d5) * (len + 1));

	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = dnsf_hash_mix64_(h ^ w) + UINT64_C(0x4cf5ad432745937f);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = dnsf_hash_mix64_(h ^ w ^ ((uint64_t)len << 56));
	}
	return dnsf_hash_mix64_(h);
}

/* ---- label words ---- */

static inline uint64_t
load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

static inline uint64_t
load32(const char *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

static inline uint64_t
load16(const char *p)
{
	uint16_t w;
	memcpy(&w, p, 2);
	return w;
}

/*
 * The last r bytes (1..8) of a label that starts at p and has len >= r bytes, zero-filled, read
 * without touching a byte outside the label: two overlapping loads (the overlap holds the same
 * bytes at the same positions, so OR-ing them is exact), or one load shifted when the label has
 * 8 bytes before the tail end.
 */
static inline uint64_t
tail(const char *p, unsigned len, unsigned r)
{
	const char *t = p + len - r;

	if (len >= 8)
		return r == 8 ? load64(t) : load64(p + len - 8) >> (8 * (8 - r));
	if (r >= 4)
		return load32(t) | load32(t + r - 4) << (8 * (r - 4));
	if (r >= 2)
		return load16(t) | load16(t + r - 2) << (8 * (r - 2));
	return (uint8_t)t[0];
}

/* Entries 0..8: tail_over()'s masks; from TAIL_LEN_TAG on: len << 56 for a label of len bytes,
 * the tag of its last word (a look-up spares a copy and a shift per label; one table, so one
 * base register). */
#define TAIL_LEN_TAG 9
static const uint64_t tail_tab[TAIL_LEN_TAG + 64] = {
    DNSF_BYTE_MASKS_0_7,
    UINT64_C(0xffffffffffffffff),
#define T(n) ((uint64_t)(n) << 56)
#define T8(n)                                                                                      \
	T(n), T((n) + 1), T((n) + 2), T((n) + 3), T((n) + 4), T((n) + 5), T((n) + 6), T((n) + 7)
    T8(0),
    T8(8),
    T8(16),
    T8(24),
    T8(32),
    T8(40),
    T8(48),
    T8(56),
#undef T8
#undef T
};

/*
 * The last r bytes (0..8) of a label, zero-filled, where the 8 bytes from t, the tail's start,
 * may be read (a parsed message's qname[], which the struct's other fields follow:
 * dnsf_name_msg_hashes): one load, the bytes past the label masked off by a table. The same
 * value as tail() (0 for an empty label).
 */
static inline uint64_t
tail_over(const char *t, size_t r)
{
	return load64(t) & tail_tab[r];
}

/* ---- CRC32C (Castagnoli, reflected 0x82f63b78), no pre/post inversion, like the instruction ----
 */

static uint32_t
crc32c_sw(uint32_t crc, uint64_t w)
{
	for (int i = 0; i < 64; i++) {
		const uint32_t bit = (crc ^ (uint32_t)(w >> i)) & 1u;
		crc = (crc >> 1) ^ (bit ? UINT32_C(0x82f63b78) : 0);
	}
	return crc;
}

/* The label step on the two lanes a and b (variables in scope, as are label and len), generic
 * over the CRC primitive (inlined into each variant). */
#define DNSF_NAME_LANES(CRC)                                                                       \
	do {                                                                                       \
		unsigned done = 0;                                                                 \
		uint64_t w;                                                                        \
		while (len - done > 8) {                                                           \
			w = load64(label + done);                                                  \
			a = CRC(a, w);                                                             \
			b = CRC(b, w * LANE_B_MUL);                                                \
			done += 8;                                                                 \
		}                                                                                  \
		w = (len ? tail(label, len, len - done) : 0) ^ ((uint64_t)len << 56);              \
		a = CRC(a, w);                                                                     \
		b = CRC(b, w * LANE_B_MUL);                                                        \
	} while (0)

/* One label chained onto the 64-bit hash to its right. */
#define DNSF_NAME_CHAIN_BODY(CRC)                                                                  \
	do {                                                                                       \
		uint32_t a = (uint32_t)right, b = (uint32_t)(right >> 32);                         \
		DNSF_NAME_LANES(CRC);                                                              \
		return (uint64_t)b << 32 | a;                                                      \
	} while (0)

static inline uint64_t
chain_sw(uint64_t right, const char *label, unsigned len)
{
	DNSF_NAME_CHAIN_BODY(crc32c_sw);
}

/* Not in the header: the unit test compares the software CRC with the instruction. */
uint64_t dnsf_name_chain_portable(uint64_t right, const char *label, unsigned len);

uint64_t
dnsf_name_chain_portable(uint64_t right, const char *label, unsigned len)
{
	return chain_sw(right, label, len);
}

/* Not in the header: the unit test compares it with dnsf_key16() (the instruction). */
uint64_t dnsf_key16_portable(const void *data, uint64_t seed, uint32_t *check);

uint64_t
dnsf_key16_portable(const void *data, uint64_t seed, uint32_t *check)
{
	DNSF_KEY16_BODY(crc32c_sw, data, seed, check);
}

/* Out of line: inlined, its loop made dnsf_name_suffix_hashes() save six registers on every
 * call before it even looked which path to take. */
static __attribute__((noinline)) void
suffix_hashes_sw(const char *qname, const uint8_t *label_off, const uint8_t *label_len,
                 unsigned nlabels, uint64_t *h)
{
	h[nlabels] = DNSF_NAME_ROOT_HASH;
	for (unsigned i = nlabels; i-- > 0;)
		h[i] = chain_sw(h[i + 1], qname + label_off[i], label_len[i]);
}

#ifdef DNSF_NAME_X86
#ifdef __SSE4_2__
#define DNSF_NAME_HW_ATTR
#define DNSF_NAME_HW_ONLY 1 /* the build targets SSE4.2: no run-time check */
#else
#define DNSF_NAME_HW_ATTR __attribute__((target("sse4.2")))
#endif

DNSF_NAME_HW_ATTR static inline uint32_t
crc32c_hw(uint32_t crc, uint64_t w)
{
	return (uint32_t)_mm_crc32_u64(crc, w);
}

DNSF_NAME_HW_ATTR static inline uint64_t
chain_hw(uint64_t right, const char *label, unsigned len)
{
	DNSF_NAME_CHAIN_BODY(crc32c_hw);
}

/* chain_hw() label after label with the two lanes kept apart in registers (the values are
 * those of the chained calls; this is the per-packet path). */
DNSF_NAME_HW_ATTR static void
suffix_hashes_hw(const char *qname, const uint8_t *label_off, const uint8_t *label_len,
                 unsigned nlabels, uint64_t *h)
{
	uint32_t a = (uint32_t)DNSF_NAME_ROOT_HASH, b = (uint32_t)(DNSF_NAME_ROOT_HASH >> 32);

	h[nlabels] = DNSF_NAME_ROOT_HASH;
	for (unsigned i = nlabels; i-- > 0;) {
		const char *label = qname + label_off[i];
		const unsigned len = label_len[i];

		DNSF_NAME_LANES(crc32c_hw);
		h[i] = (uint64_t)b << 32 | a;
	}
}

/* suffix_hashes_hw() for a parsed message's question name: the label's words by a pointer, its
 * tail by tail_over(). */
DNSF_NAME_HW_ATTR static void
msg_hashes_hw(const struct dnsf_dns_msg *m, uint64_t *h)
{
	const char *qname = m->qname;
	const unsigned nlabels = m->nlabels;
	/* 64-bit lanes: the instruction's result has its upper half zero (no moves to clear it). */
	uint64_t a = (uint32_t)DNSF_NAME_ROOT_HASH, b = DNSF_NAME_ROOT_HASH >> 32;

	h[nlabels] = DNSF_NAME_ROOT_HASH;
	for (unsigned i = nlabels; i-- > 0;) {
		const size_t len = m->label_len[i];
		const char *t = qname + m->label_off[i];
		uint64_t w;

		/* Most labels are one word: their tail is the label, its mask indexed by len. */
		if (__builtin_expect(len <= 8, 1)) {
			w = tail_over(t, len);
		} else {
			size_t r = len;
			do {
				w = load64(t);
				a = _mm_crc32_u64(a, w);
				b = _mm_crc32_u64(b, w * LANE_B_MUL);
				r -= 8;
				t += 8;
			} while (r > 8);
			w = tail_over(t, r);
		}
		w ^= tail_tab[TAIL_LEN_TAG + len];
		a = _mm_crc32_u64(a, w);
		b = _mm_crc32_u64(b, w * LANE_B_MUL);
		h[i] = b << 32 | a;
	}
}

#ifndef DNSF_NAME_HW_ONLY
/* Set once before main() (the CPU does not change under us); read-only afterwards. */
static int have_sse42;

__attribute__((constructor)) static void
detect_sse42(void)
{
	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
}
#define USE_HW() (have_sse42)
#else
#define USE_HW() 1
#endif
#else
#define USE_HW() 0
#endif

#ifndef DNSF_NAME_HW_ONLY
#ifdef DNSF_NAME_X86
/* The instruction reads the low 32 bits of crc and zero-extends its result (DNSF_KEY16_BODY). */
DNSF_NAME_HW_ATTR static inline uint64_t
crc32c_hw64(uint64_t crc, uint64_t w)
{
	return _mm_crc32_u64(crc, w);
}

DNSF_NAME_HW_ATTR static uint64_t
key16_hw(const void *data, uint64_t seed, uint32_t *check)
{
	DNSF_KEY16_BODY(crc32c_hw64, data, seed, check);
}
#endif

/* dnsf_name.h inlines dnsf_key16() when the build targets SSE4.2. */
uint64_t
dnsf_key16(const void *data, uint64_t seed, uint32_t *check)
{
#ifdef DNSF_NAME_X86
	if (USE_HW())
		return key16_hw(data, seed, check);
#endif
	return dnsf_key16_portable(data, seed, check);
}
#endif

uint64_t
dnsf_name_chain(uint64_t right, const char *label, unsigned len)
{
#ifdef DNSF_NAME_X86
	if (USE_HW())
		return chain_hw(right, label, len);
#endif
	return chain_sw(right, label, len);
}

void
dnsf_name_suffix_hashes(const char *qname, const uint8_t *label_off, const uint8_t *label_len,
                        unsigned nlabels, uint64_t *h)
{
#ifdef DNSF_NAME_X86
	if (USE_HW()) {
		suffix_hashes_hw(qname, label_off, label_len, nlabels, h);
		return;
	}
#endif
	suffix_hashes_sw(qname, label_off, label_len, nlabels, h);
}

/* A label ends at most at qname_len (<= 255), so a tail's 8-byte load ends before qname[262]:
 * inside the struct, whatever the bytes after the name hold (they are masked off). */
_Static_assert(sizeof(struct dnsf_dns_msg) >= offsetof(struct dnsf_dns_msg, qname) + 255 + 7,
               "tail_over() reads up to 7 bytes past a name that ends at qname[255]");

void
dnsf_name_msg_hashes(const struct dnsf_dns_msg *m, uint64_t *h)
{
#ifdef DNSF_NAME_X86
	if (USE_HW()) {
		msg_hashes_hw(m, h);
		return;
	}
#endif
	suffix_hashes_sw(m->qname, m->label_off, m->label_len, m->nlabels, h);
}

uint64_t
dnsf_name_hash(const char *name)
{
	char low[DNSF_DNS_MAX_NAME + 1];
	uint8_t off[DNSF_DNS_MAX_LABELS], len[DNSF_DNS_MAX_LABELS];
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	unsigned n = 0, i = 0, start = 0;

	if (name[0] == '\0')
		return DNSF_NAME_ROOT_HASH;
	for (;; i++) {
		char c = name[i];
		if (i >= DNSF_DNS_MAX_NAME)
			break;
		if (c == '.' || c == '\0') {
			if (n < DNSF_DNS_MAX_LABELS) {
				off[n] = (uint8_t)start;
				len[n] = (uint8_t)(i - start);
				n++;
			}
			if (c == '\0')
				break;
			start = i + 1;
			low[i] = '.';
			continue;
		}
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	/* A trailing dot ("com.") yields an empty last label: drop it. */
	if (n > 0 && len[n - 1] == 0)
		n--;
	dnsf_name_suffix_hashes(low, off, len, n, h);
	return h[0];
}
