/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-bench-featvec: the model-input transform (dnsf_feat_vector) against its division
 * definition (dnsf_feat_vector_ref) in the same process, on the same 1024 varied feature sets,
 * alternating rounds so machine noise hits both alike. Prints TSC cycles per vector and the ratio.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>

#include "dnsf_features.h"

#define SETS   1024
#define PASSES 200

int
main(int argc, char **argv)
{
	static struct dnsf_feat f[SETS];
	int32_t out[DNSF_F_VEC_COUNT];
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	uint32_t s = 1;
	volatile int32_t sink = 0;
	double best_ref = 1e30, best_fast = 1e30;

	for (int k = 0; k < SETS; k++)
		for (int i = 0; i < DNSF_F__COUNT; i++) {
			s = s * 1664525u + 1013904223u;
			f[k].v[i] = (int32_t)(s % 70000u);
		}
	for (int r = 0; r < rounds; r++) {
		uint64_t t0 = __rdtsc(), t1, t2;

		for (int p = 0; p < PASSES; p++)
			for (int k = 0; k < SETS; k++) {
				dnsf_feat_vector_ref(&f[k], out);
				sink += out[r % DNSF_F_VEC_COUNT];
			}
		t1 = __rdtsc();
		for (int p = 0; p < PASSES; p++)
			for (int k = 0; k < SETS; k++) {
				dnsf_feat_vector(&f[k], out);
				sink += out[r % DNSF_F_VEC_COUNT];
			}
		t2 = __rdtsc();
		if ((double)(t1 - t0) < best_ref)
			best_ref = (double)(t1 - t0);
		if ((double)(t2 - t1) < best_fast)
			best_fast = (double)(t2 - t1);
	}
	best_ref /= (double)SETS * PASSES;
	best_fast /= (double)SETS * PASSES;
	printf("{\"ref_cycles_per_vector\":%.1f,\"fast_cycles_per_vector\":%.1f,\"ratio\":%.2f}\n",
	       best_ref, best_fast, best_ref / best_fast);
	return 0;
}
