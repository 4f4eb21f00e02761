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

/* Same as above for a parsed message's question name. */
static inline void
dnsf_name_msg_hashes(const struct dnsf_dns_msg *m, uint64_t *h)
{
	dnsf_name_suffix_hashes(m->qname, m->label_off, m->label_len, m->nlabels, h);
}

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

#endif
