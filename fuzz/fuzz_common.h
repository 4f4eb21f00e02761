/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_common — what every dnsfence fuzz harness shares.
 *
 * Contract: each harness defines LLVMFuzzerTestOneInput() (and, when it needs set-up,
 * LLVMFuzzerInitialize()). The same source links either with libFuzzer (clang,
 * -fsanitize=fuzzer: fuzz/run.sh) or with fuzz_replay.c (gcc, the normal build: replays
 * fuzz/regressions/<harness>/ and fuzz/corpus/<harness>/ as unit tests). A broken invariant
 * calls FUZZ_CHECK(), which prints what failed and aborts, so libFuzzer saves the input as a
 * crash and the replay test fails. Temporary files live in one private directory per process,
 * removed at exit.
 */
#ifndef DNSF_FUZZ_COMMON_H
#define DNSF_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Error buffers of the harnesses (the library's own limit is not in every header). */
#define FUZZ_ERR_MAX 512

/* Byte-order and checksum references for the invariant checks, written here independently of
 * lib/dnsf_csum.h on purpose: the harnesses judge the library's checksums with them. */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's-complement sum of big-endian words (RFC 1071), not folded. */
static inline uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += rd16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A private temporary directory (created on first use, removed with its files at exit).
 * Returns "DIR/name" in a static buffer owned by the caller until the next call with the same
 * slot (0..7). */
const char *fuzz_tmp_path(unsigned slot, const char *name);

/* Replace the content of `path` with buf[0..len). Aborts on I/O errors (they are not findings
 * about the code under test, but silently fuzzing nothing would be worse). */
void fuzz_write_file(const char *path, const void *buf, size_t len);

/* Valid model files for seeds and for the engine harness, built with the public model API only
 * (dnsf_model_init/set_weight/serialize), so they follow changes of the file format: this
 * build's feature schema and count, shapes by variant (0: 16-8-1, 1: 1, 2: 64-48-1,
 * 3: 32-64-16-1; the wide ones reach the 32/48/64-lane kernels), hidden biases spread around 0
 * and `last_bias` on the output, which sets the (input-independent: normalisation is left at
 * "feature ignored") score. Returns the file size, or aborts. */
#define FUZZ_MODEL_VARIANTS 4
size_t fuzz_model_file(uint8_t *buf, size_t cap, unsigned variant, int32_t last_bias);

#endif
