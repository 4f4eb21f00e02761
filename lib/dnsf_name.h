/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_name — hashes of the label suffixes of a domain name, computed once per packet and shared
 * by every suffix look-up (allow list, deny list, public suffix list, registered domain).
 *
 * Contract: for a lower-case presentation name split into labels 0..n-1 (left to right),
 * h[i] is the hash of the suffix made of labels i..n-1 and h[n] is the hash of the root. Each h[i]
 * is derived from h[i+1] and label i alone, so all n+1 hashes cost one pass over the name and a
 * suffix-set probe per label is O(1): matching a name against a set is O(labels), not O(set).
 * The hash is keyed by a fixed seed; it is not a defence against chosen collisions — sets compare
 * the stored name on a hash hit, so collisions cost time, never correctness.
 * Also here, sharing the CRC32C lanes: dnsf_key16(), the flow tables' key and check (below).
 */
#ifndef DNSF_NAME_H
#define DNSF_NAME_H

#include <stdint.h>

#include "dnsf_dns.h"

#define DNSF_NAME_ROOT_HASH UINT64_C(0x9e3779b97f4a7c15)

/* Hash of one label chained onto the hash of the suffix to its right. */
uint64_t dnsf_name_chain(uint64_t right, const char *label, unsigned len);

/* h must hold nlabels + 1 entries. */
void dnsf_name_suffix_hashes(const char *qname, const uint8_t *label_off, const uint8_t *label_len,
                             unsigned nlabels, uint64_t *h);

/* Same as above for a parsed message's question name (m a whole struct: the per-packet path
 * reads each label's last bytes as one 8-byte word, which may reach past the name into the
 * struct's later fields; the values are those of dnsf_name_suffix_hashes()). Labels must be
 * at most 63 bytes, as every parsed name's are (the per-label tag comes from a table). */
void dnsf_name_msg_hashes(const struct dnsf_dns_msg *m, uint64_t *h);

/* Hash of a whole presentation name ("a.b.c", no trailing dot; "" is the root), lower-cased as it
 * goes, equal to h[0] of dnsf_name_suffix_hashes() for the same name. */
uint64_t dnsf_name_hash(const char *name);

/* 64-bit mix of arbitrary bytes (flow keys, subdomain hashes). */
uint64_t dnsf_hash_bytes(const void *data, unsigned len, uint64_t seed);

/* dnsf_hash_bytes() of 8 and 16 bytes, inline for the per-packet keys (same values: the
 * definition is unrolled for those lengths; a test compares). */
static inline uint64_t
dnsf_hash_mix64_(uint64_t x)
{
	/* Stafford's variant 13 finaliser: cheap and well distributed. */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static inline uint64_t
dnsf_hash8(const void *data, uint64_t seed)
{
	uint64_t w, h = seed ^ (UINT64_C(0x87c37b91114253d5) * 9);

	__builtin_memcpy(&w, data, 8);
	h = dnsf_hash_mix64_(h ^ w) + UINT64_C(0x4cf5ad432745937f);
	return dnsf_hash_mix64_(h);
}

static inline uint64_t
dnsf_hash16(const void *data, uint64_t seed)
{
	uint64_t w0, w1, h = seed ^ (UINT64_C(0x87c37b91114253d5) * 17);

	__builtin_memcpy(&w0, data, 8);
	__builtin_memcpy(&w1, (const char *)data + 8, 8);
	h = dnsf_hash_mix64_(h ^ w0) + UINT64_C(0x4cf5ad432745937f);
	h = dnsf_hash_mix64_(h ^ w1) + UINT64_C(0x4cf5ad432745937f);
	return dnsf_hash_mix64_(h);
}

/*
 * dnsf_key16 — the per-packet table key of 16 bytes (a client address) under a 64-bit seed (a
 * name hash): returns a 64-bit key and stores a 32-bit check.
 *
 * Contract: every bit of the key depends on all 192 input bits (tables take the bucket from its
 * low bits, the deny-event memory a slot from bits 40..49); the check comes from a lane the key
 * does not see, a different non-linear function of the same input, so key and check tell inputs
 * apart like one ~96-bit hash. Identical values on every build and CPU (SSE4.2 instruction or the
 * software CRC). Fixed constants, no secret: not a defence against chosen collisions.
 *
 * Definition (w0, w1: the bytes as two little-endian words; s: the seed; crc: one CRC32C step
 * of a 64-bit word, as the SSE4.2 instruction, no inversion; M1, M2: the odd constants below):
 *   a = crc(crc(s mod 2^32, w0), w1)                 linear lane, keyed by the seed's low half
 *   b = crc(crc(s >> 32, w0 M1), w1 M1)              multiply lane, keyed by the high half
 *   c = crc(crc((s M2 mod 2^64) >> 32, w1 M2), w0 M2)  check lane: other multiplier, other order
 *   key = mix64(b << 32 | a)  (dnsf_hash_mix64_),  check = c
 * Six CRC steps and one finaliser instead of the eight finalisers of two dnsf_hash16() calls.
 * (a, b) is a bijection of the seed for a fixed address, and lane a of the 32-bit IPv4 word one
 * of the address for a fixed seed, so a flow's key never collides with another flow of the same
 * client or (IPv4) the same domain.
 */
#define DNSF_KEY16_M1 UINT64_C(0x9e3779b97f4a7c15)
#define DNSF_KEY16_M2 UINT64_C(0xc2b2ae3d27d4eb4f)

/* The definition over a CRC step CRC(crc, w): the instruction's (64-bit crc argument of which it
 * reads the low 32 bits, result zero-extended: no truncating moves between steps) or the software
 * one (uint32_t in and out); both see the same low 32 bits, so the values are the same. */
#define DNSF_KEY16_BODY(CRC, data, seed, check)                                                    \
	do {                                                                                       \
		uint64_t w0_, w1_;                                                                 \
		__builtin_memcpy(&w0_, (data), 8);                                                 \
		__builtin_memcpy(&w1_, (const char *)(data) + 8, 8);                               \
		const uint64_t a_ = CRC(CRC((seed), w0_), w1_);                                    \
		const uint64_t b_ =                                                                \
		    CRC(CRC((seed) >> 32, w0_ * DNSF_KEY16_M1), w1_ * DNSF_KEY16_M1);              \
		*(check) = (uint32_t)CRC(CRC(((seed)*DNSF_KEY16_M2) >> 32, w1_ * DNSF_KEY16_M2),   \
		                         w0_ * DNSF_KEY16_M2);                                     \
		return dnsf_hash_mix64_(b_ << 32 | a_);                                            \
	} while (0)

#if defined(__x86_64__) && defined(__SSE4_2__) && (defined(__GNUC__) || defined(__clang__))
/* The build targets SSE4.2 (-march=native here): inline, the instruction directly. */
#include <nmmintrin.h>

static inline uint64_t
dnsf_crc32c_u64_(uint64_t crc, uint64_t w)
{
	return _mm_crc32_u64(crc, w);
}

static inline uint64_t
dnsf_key16(const void *data, uint64_t seed, uint32_t *check)
{
	DNSF_KEY16_BODY(dnsf_crc32c_u64_, data, seed, check);
}
#else
/* Other builds: out of line, the instruction when the CPU has it (checked once at start-up). */
uint64_t dnsf_key16(const void *data, uint64_t seed, uint32_t *check);
#endif

#endif
