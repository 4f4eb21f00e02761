/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_bench_mix — the benchmarks' realistic traffic mix, generated in C (no capture files, so
 * the benchmarks run anywhere and every run sees the same bytes for the same seed).
 *
 * Contract: dnsf_bench_mix_build() fills n Ethernet frames, each in its own DNSF_BENCH_SLOT-byte
 * slot (like an mbuf data room, so a REFUSE rewrite has room), in a shuffled order fixed by the
 * seed. Every frame records its kind and where its client address is (for the scaling runs,
 * which rewrite it), and a pristine copy is kept so a frame rewritten in place can be restored.
 * The shares of each kind are in dnsf_bench_mix_share[] (per mille) and documented in
 * docs/performance.md. No allocation after build; dnsf_bench_mix_free() releases everything.
 */
#ifndef DNSF_BENCH_MIX_H
#define DNSF_BENCH_MIX_H

#include <stddef.h>
#include <stdint.h>

#define DNSF_BENCH_SLOT 2048

enum dnsf_bench_kind {
	DNSF_BK_BENIGN_Q = 0, /* stub queries over many names and clients (A/AAAA/HTTPS/...) */
	DNSF_BK_BENIGN_R,     /* resolver answers to them (A/AAAA/CNAME chains, NXDOMAIN) */
	DNSF_BK_TUNNEL_Q,     /* iodine base32 / base128 NULL, dns2tcp-like base64 TXT queries */
	DNSF_BK_TUNNEL_R,     /* their NULL / TXT answers (200..1100 bytes of RDATA) */
	DNSF_BK_DNS_TCP,      /* benign queries over TCP (length-prefixed) */
	DNSF_BK_NONDNS_TCP,   /* HTTPS: ACKs and data segments */
	DNSF_BK_NONDNS_UDP,   /* QUIC, NTP */
	DNSF_BK_MALFORMED,    /* port 53, broken: long label, cut question, pointer loop, ... */
	DNSF_BK__COUNT
};

extern const uint16_t dnsf_bench_mix_share[DNSF_BK__COUNT]; /* per mille, sums to 1000 */
const char *dnsf_bench_kind_name(unsigned k);

struct dnsf_bench_frame {
	uint8_t *data;       /* the slot (DNSF_BENCH_SLOT bytes) */
	const uint8_t *orig; /* pristine copy of the frame */
	uint16_t len;
	uint8_t kind;        /* enum dnsf_bench_kind */
	uint8_t client_len;  /* 4 or 16, 0 when the frame has no DNS client */
	uint16_t client_off; /* offset of the client address in the frame */
	uint8_t v6;
};

struct dnsf_bench_mix {
	struct dnsf_bench_frame *f;
	uint32_t n;
	uint32_t count[DNSF_BK__COUNT];
	uint64_t bytes; /* sum of frame lengths */
	uint8_t *arena; /* n slots */
	uint8_t *orig;  /* n slots */
};

/* Returns 0, or -1 when memory fails. */
int dnsf_bench_mix_build(struct dnsf_bench_mix *mix, uint32_t n, uint64_t seed);
/* paired != 0: every benign UDP response answers one of the 256 benign UDP queries before it
 * (same client, name with its case, type) instead of a name of its own: what a bump in the
 * wire between clients and their resolver sees. The default mix draws each name on its own. */
int dnsf_bench_mix_build_paired(struct dnsf_bench_mix *mix, uint32_t n, uint64_t seed, int paired);
void dnsf_bench_mix_free(struct dnsf_bench_mix *mix);

/* Restore frame i from its pristine copy (after an in-place REFUSE rewrite). */
void dnsf_bench_mix_restore(struct dnsf_bench_mix *mix, uint32_t i);

/* Write client id `id` into frame f's client address (10.0.0.0/8 or fd00:bench::/96 + id). */
void dnsf_bench_set_client(struct dnsf_bench_frame *f, uint32_t id);

/* Deterministic PRNG (xorshift64*): the benchmarks' only source of randomness. */
static inline uint64_t
dnsf_bench_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

#endif
