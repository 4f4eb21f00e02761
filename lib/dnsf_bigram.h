/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_bigram — constant tables of the detector, generated offline and committed
 * (lib/dnsf_bigram_table.c, written by tools/dnsf_gentables.c; see docs/detection.md).
 *
 * Contract: every table here is plain read-only data, so the fast path does integer look-ups only
 * and the build never needs the benign name lists the bigram costs were learnt from. The
 * numeric tables (n·log2 n, linear-counting estimates, 2^-x) are derived from libm at generation
 * time; regenerating with the same inputs gives a byte-identical file.
 */
#ifndef DNSF_BIGRAM_H
#define DNSF_BIGRAM_H

#include <stdint.h>

/* Symbols of the character-transition model: a-z, 0-9, '-', '_' and one "other" symbol for every
 * byte outside the host-name alphabet (upper case never reaches it: names are lower-cased). */
#define DNSF_BG_NSYM  39
#define DNSF_BG_OTHER 38

/* Cost units: 1/16 bit. */
#define DNSF_BG_UNIT 16

/* Byte -> symbol (0..DNSF_BG_NSYM-1). */
extern const uint8_t dnsf_bigram_sym[256];

/* dnsf_bigram_cost[a][b] = -log2 P(next symbol b | symbol a) in 1/16 bit, capped at 255, learnt
 * from the label characters of benign names with add-1/2 smoothing. Transitions from or to the
 * "other" symbol cost 255: no host name has them. */
extern const uint8_t dnsf_bigram_cost[DNSF_BG_NSYM][DNSF_BG_NSYM];

/* n * log2(n) * 1000, rounded, for n = 0..255 (0 for n = 0): Shannon entropy of a string of length
 * N with symbol counts c_i is log2 N - sum(c_i log2 c_i) / N. */
extern const uint32_t dnsf_nlog2n_milli[256];

/* Linear counting (Whang et al.): with k of m bitmap bits set, the number of distinct items
 * hashed is about -m ln((m - k) / m). Values x16; a full bitmap reads as if half a bit were
 * free (the estimate saturates, it never becomes infinite). */
extern const uint16_t dnsf_lc32_x16[33];
extern const uint16_t dnsf_lc64_x16[65];

/* 2^(-i/16) * 65536 for i = 0..15: fractional part of an exponential decay by half-lives. */
extern const uint32_t dnsf_exp2_neg16[16];

/* Provenance of the bigram table: number of transitions counted and the input names. */
extern const uint64_t dnsf_bigram_transitions;
extern const char dnsf_bigram_source[];

#endif
