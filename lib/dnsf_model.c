/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Integer inference and the model file. No floating point in this file: the float reference of
 * the same arithmetic lives in dnsf_mlp.c (tools only).
 *
 * Weight layout in dnsf_model.w (why: the vector loops below). For a hidden layer with padded
 * width P, input pair j = i / 2 holds two rows of P outputs: w[w_off + (2j + (i & 1)) * P + o].
 * The kernel walks the pairs and updates all P accumulators per pair, so gcc keeps them in
 * vector registers (P is a compile-time constant in each specialisation) and never needs a
 * horizontal sum. The last layer (one output) is a plain row w[w_off + i] reduced with a dot
 * product.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnsf_model.h"

static const char dnsf_model_magic[8] = {'D', 'N', 'S', 'F', 'M', 'D', 'L', '\0'};

/* round(1000 / (1 + exp(-(i - 512) / 64))), i = 0..1024 (generated once, checked by
 * tests/test_model.c against the formula). */
static const int16_t dnsf_model_sigmoid[2 * DNSF_MODEL_LUT_HALF + 1] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,
    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,    2,
    2,    3,    3,    3,    3,    3,    3,    3,    3,    3,    3,    3,    3,    3,    3,    3,
    3,    3,    3,    3,    3,    3,    3,    4,    4,    4,    4,    4,    4,    4,    4,    4,
    4,    4,    4,    4,    4,    4,    4,    5,    5,    5,    5,    5,    5,    5,    5,    5,
    5,    5,    5,    5,    6,    6,    6,    6,    6,    6,    6,    6,    6,    6,    6,    7,
    7,    7,    7,    7,    7,    7,    7,    7,    8,    8,    8,    8,    8,    8,    8,    8,
    9,    9,    9,    9,    9,    9,    9,    10,   10,   10,   10,   10,   10,   10,   11,   11,
    11,   11,   11,   12,   12,   12,   12,   12,   12,   13,   13,   13,   13,   13,   14,   14,
    14,   14,   15,   15,   15,   15,   15,   16,   16,   16,   16,   17,   17,   17,   17,   18,
    18,   18,   19,   19,   19,   19,   20,   20,   20,   21,   21,   21,   22,   22,   22,   23,
    23,   23,   24,   24,   24,   25,   25,   26,   26,   26,   27,   27,   28,   28,   28,   29,
    29,   30,   30,   31,   31,   32,   32,   33,   33,   34,   34,   35,   35,   36,   36,   37,
    37,   38,   38,   39,   40,   40,   41,   41,   42,   43,   43,   44,   45,   45,   46,   47,
    47,   48,   49,   50,   50,   51,   52,   53,   53,   54,   55,   56,   57,   57,   58,   59,
    60,   61,   62,   63,   64,   65,   66,   67,   68,   69,   70,   71,   72,   73,   74,   75,
    76,   77,   78,   79,   80,   82,   83,   84,   85,   86,   88,   89,   90,   91,   93,   94,
    95,   97,   98,   99,   101,  102,  104,  105,  107,  108,  110,  111,  113,  114,  116,  118,
    119,  121,  123,  124,  126,  128,  129,  131,  133,  135,  137,  138,  140,  142,  144,  146,
    148,  150,  152,  154,  156,  158,  160,  162,  165,  167,  169,  171,  173,  176,  178,  180,
    182,  185,  187,  190,  192,  194,  197,  199,  202,  204,  207,  209,  212,  215,  217,  220,
    223,  225,  228,  231,  234,  237,  239,  242,  245,  248,  251,  254,  257,  260,  263,  266,
    269,  272,  275,  278,  281,  285,  288,  291,  294,  297,  301,  304,  307,  311,  314,  317,
    321,  324,  328,  331,  335,  338,  342,  345,  349,  352,  356,  359,  363,  367,  370,  374,
    378,  381,  385,  389,  392,  396,  400,  404,  407,  411,  415,  419,  423,  426,  430,  434,
    438,  442,  446,  449,  453,  457,  461,  465,  469,  473,  477,  480,  484,  488,  492,  496,
    500,  504,  508,  512,  516,  520,  523,  527,  531,  535,  539,  543,  547,  551,  554,  558,
    562,  566,  570,  574,  577,  581,  585,  589,  593,  596,  600,  604,  608,  611,  615,  619,
    622,  626,  630,  633,  637,  641,  644,  648,  651,  655,  658,  662,  665,  669,  672,  676,
    679,  683,  686,  689,  693,  696,  699,  703,  706,  709,  712,  715,  719,  722,  725,  728,
    731,  734,  737,  740,  743,  746,  749,  752,  755,  758,  761,  763,  766,  769,  772,  775,
    777,  780,  783,  785,  788,  791,  793,  796,  798,  801,  803,  806,  808,  810,  813,  815,
    818,  820,  822,  824,  827,  829,  831,  833,  835,  838,  840,  842,  844,  846,  848,  850,
    852,  854,  856,  858,  860,  862,  863,  865,  867,  869,  871,  872,  874,  876,  877,  879,
    881,  882,  884,  886,  887,  889,  890,  892,  893,  895,  896,  898,  899,  901,  902,  903,
    905,  906,  907,  909,  910,  911,  912,  914,  915,  916,  917,  918,  920,  921,  922,  923,
    924,  925,  926,  927,  928,  929,  930,  931,  932,  933,  934,  935,  936,  937,  938,  939,
    940,  941,  942,  943,  943,  944,  945,  946,  947,  947,  948,  949,  950,  950,  951,  952,
    953,  953,  954,  955,  955,  956,  957,  957,  958,  959,  959,  960,  960,  961,  962,  962,
    963,  963,  964,  964,  965,  965,  966,  966,  967,  967,  968,  968,  969,  969,  970,  970,
    971,  971,  972,  972,  972,  973,  973,  974,  974,  974,  975,  975,  976,  976,  976,  977,
    977,  977,  978,  978,  978,  979,  979,  979,  980,  980,  980,  981,  981,  981,  981,  982,
    982,  982,  983,  983,  983,  983,  984,  984,  984,  984,  985,  985,  985,  985,  985,  986,
    986,  986,  986,  987,  987,  987,  987,  987,  988,  988,  988,  988,  988,  988,  989,  989,
    989,  989,  989,  990,  990,  990,  990,  990,  990,  990,  991,  991,  991,  991,  991,  991,
    991,  992,  992,  992,  992,  992,  992,  992,  992,  993,  993,  993,  993,  993,  993,  993,
    993,  993,  994,  994,  994,  994,  994,  994,  994,  994,  994,  994,  994,  995,  995,  995,
    995,  995,  995,  995,  995,  995,  995,  995,  995,  995,  996,  996,  996,  996,  996,  996,
    996,  996,  996,  996,  996,  996,  996,  996,  996,  996,  997,  997,  997,  997,  997,  997,
    997,  997,  997,  997,  997,  997,  997,  997,  997,  997,  997,  997,  997,  997,  997,  997,
    998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,
    998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,  998,
    998,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,
    999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,
    999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,
    999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,  999,
    999,  999,  999,  999,  999,  999,  999,  1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000,
    1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000,
    1000,
};

int32_t
dnsf_model_lut(unsigned idx)
{
	return idx <= 2 * DNSF_MODEL_LUT_HALF ? dnsf_model_sigmoid[idx] : -1;
}

/* ---- inference ---- */

#if defined(__SSE2__) && !defined(__AVX2__)
#include <emmintrin.h>
#define DNSF_MODEL_SSE2 1 /* baseline x86-64: hand-written pmaddwd kernels below */
#endif

/*
 * Requantize OUT accumulators into hidden activations 0..DNSF_MODEL_ACT_MAX (ReLU is the 0 clamp).
 * Clamping acc to [0, sat] first (sat: the smallest acc that reaches ACT_MAX, from
 * dnsf_model_seal) gives the same result as clamping the output, and keeps the product
 * non-negative, so it is an unsigned 32x32->64 multiply and a logical shift: cheap vector ops
 * (no 64-bit signed compare, which AVX2 lacks). acc * mult + rnd < 2^31 * 2^31 + 2^61 < 2^63.
 */
#ifndef DNSF_MODEL_SSE2
static inline __attribute__((always_inline)) void
requant_relu(const struct dnsf_model_layer *l, const int32_t *restrict acc, int16_t *restrict out,
             const size_t OUT)
{
	const uint64_t rnd = (UINT64_C(1) << l->shift) >> 1;

	for (size_t o = 0; o < OUT; o++) {
		int32_t a = acc[o] < 0 ? 0 : acc[o];
		uint32_t v;

		a = a > l->sat[o] ? l->sat[o] : a;
		v = (uint32_t)(((uint64_t)(uint32_t)a * (uint32_t)l->mult[o] + rnd) >> l->shift);
		out[o] = (int16_t)(v > DNSF_MODEL_ACT_MAX ? DNSF_MODEL_ACT_MAX : v);
	}
}
#endif

/*
 * The first layer, OUT = padded width (constant per specialisation). Weights and normalised
 * features are in [-127, 127], so a pair of products fits int16 (|sum| <= 32258): the (int16_t)
 * cast is exact and lets gcc multiply-add in 16-bit lanes before widening into int32.
 */
#ifdef DNSF_MODEL_SSE2
/*
 * Baseline x86-64 builds (the Debian package is built without -march=native): SSE2 has no 32-bit
 * vector multiply, and gcc's widening of the loops below costs ~12 instructions per 8 outputs
 * and input pair. pmaddwd does a pair in one step: rows i and i+1 interleaved word by word,
 * times (a_i, a_i+1) in every lane, summed into 32 bits — the same integers as the loops (the
 * products fit: 127 * 32767 * 2 < 2^31; the accumulation is the same sum in another order, and
 * two's-complement addition is associative, so the result is bit-identical). An odd last row
 * pairs with itself times 0. Wider vectors (AVX2, AVX-512 VNNI) get the plain loops, which gcc
 * vectorizes well there.
 */
static inline __attribute__((always_inline)) void
pair_sse2(__m128i *a4, const int16_t *c0, const int16_t *c1, __m128i av, const size_t OUT)
{
	for (size_t o = 0; o < OUT; o += 8) {
		const __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(c0 + o));
		const __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(c1 + o));

		a4[o / 4] =
		    _mm_add_epi32(a4[o / 4], _mm_madd_epi16(_mm_unpacklo_epi16(x0, x1), av));
		a4[o / 4 + 1] =
		    _mm_add_epi32(a4[o / 4 + 1], _mm_madd_epi16(_mm_unpackhi_epi16(x0, x1), av));
	}
}

/*
 * requant_relu() four lanes at a time: SSE2 has no 32-bit min/max, so the clamps are compares
 * and masks; the 32x32->64 products are pmuludq on the even and the odd lanes. After the clamp
 * to sat, v < ACT_MAX + mult / 2^shift + 1 < 2^31 (shift >= 1), so the 64-bit result keeps its
 * value in 32 bits, and the signed saturating pack to int16 is the clamp to ACT_MAX (= INT16_MAX).
 */
_Static_assert(DNSF_MODEL_ACT_MAX == INT16_MAX, "the SSE2 requantization clamps by packssdw");
static inline __attribute__((always_inline)) __m128i
requant4_sse2(__m128i a, __m128i sat, __m128i mult, __m128i rnd, __m128i sh)
{
	const __m128i lo32 = _mm_set_epi32(0, -1, 0, -1);
	__m128i gt, pe, po;

	a = _mm_andnot_si128(_mm_cmplt_epi32(a, _mm_setzero_si128()), a);
	gt = _mm_cmpgt_epi32(a, sat);
	a = _mm_or_si128(_mm_and_si128(gt, sat), _mm_andnot_si128(gt, a));
	pe = _mm_srl_epi64(_mm_add_epi64(_mm_mul_epu32(a, mult), rnd), sh);
	po = _mm_srl_epi64(
	    _mm_add_epi64(_mm_mul_epu32(_mm_srli_epi64(a, 32), _mm_srli_epi64(mult, 32)), rnd), sh);
	return _mm_or_si128(_mm_and_si128(pe, lo32), _mm_slli_epi64(po, 32));
}

static inline __attribute__((always_inline)) void
requant_relu_sse2(const struct dnsf_model_layer *l, const int32_t *restrict acc,
                  int16_t *restrict out, const size_t OUT)
{
	const __m128i rnd = _mm_set1_epi64x((long long)((UINT64_C(1) << l->shift) >> 1));
	const __m128i sh = _mm_cvtsi32_si128((int)l->shift);

	for (size_t o = 0; o < OUT; o += 8) {
		const __m128i r0 = requant4_sse2(
		    _mm_loadu_si128((const __m128i *)(const void *)(acc + o)),
		    _mm_loadu_si128((const __m128i *)(const void *)(l->sat + o)),
		    _mm_loadu_si128((const __m128i *)(const void *)(l->mult + o)), rnd, sh);
		const __m128i r1 = requant4_sse2(
		    _mm_loadu_si128((const __m128i *)(const void *)(acc + o + 4)),
		    _mm_loadu_si128((const __m128i *)(const void *)(l->sat + o + 4)),
		    _mm_loadu_si128((const __m128i *)(const void *)(l->mult + o + 4)), rnd, sh);

		_mm_storeu_si128((__m128i *)(void *)(out + o), _mm_packs_epi32(r0, r1));
	}
}

/*
 * dnsf_model_norm_q() four features at a time: clamps by compare and mask, the 32-bit products
 * (exact: (hi - lo) * mult + add < 2^32, the loader checks) by pmuludq on even and odd lanes, and
 * v >> shift as (v * 2^(31 - shift)) >> 31 (v < 2^32, so the product fits 64 bits). Returns how
 * many features it did (the rest, fewer than 4, are the caller's).
 */
static inline size_t
norm_sse2(const struct dnsf_model *m, const int32_t *x, int16_t *q, size_t nf)
{
	const __m128i lo32 = _mm_set_epi32(0, -1, 0, -1);
	size_t b;

	for (b = 0; b + 4 <= nf; b += 4) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(x + b));
		const __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(m->norm_lo + b));
		const __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(m->norm_hi + b));
		const __m128i mult =
		    _mm_loadu_si128((const __m128i *)(const void *)(m->norm_mult + b));
		const __m128i add =
		    _mm_loadu_si128((const __m128i *)(const void *)(m->norm_add + b));
		const __m128i pw =
		    _mm_loadu_si128((const __m128i *)(const void *)(m->norm_pow + b));
		__m128i gt, c, pe, po, r;

		gt = _mm_cmpgt_epi32(lo, v);
		c = _mm_or_si128(_mm_and_si128(gt, lo), _mm_andnot_si128(gt, v));
		gt = _mm_cmpgt_epi32(c, hi);
		c = _mm_or_si128(_mm_and_si128(gt, hi), _mm_andnot_si128(gt, c));
		c = _mm_sub_epi32(c, lo);
		pe = _mm_add_epi64(_mm_mul_epu32(c, mult), _mm_and_si128(add, lo32));
		po = _mm_add_epi64(_mm_mul_epu32(_mm_srli_epi64(c, 32), _mm_srli_epi64(mult, 32)),
		                   _mm_srli_epi64(add, 32));
		pe = _mm_srli_epi64(_mm_mul_epu32(pe, pw), 31);
		po = _mm_srli_epi64(_mm_mul_epu32(po, _mm_srli_epi64(pw, 32)), 31);
		r = _mm_sub_epi32(_mm_or_si128(_mm_and_si128(pe, lo32), _mm_slli_epi64(po, 32)),
		                  _mm_set1_epi32(127));
		_mm_storel_epi64((__m128i *)(void *)(q + b), _mm_packs_epi32(r, r));
	}
	return b;
}

static inline __attribute__((always_inline)) void
dense_pairs_sse2(const struct dnsf_model_layer *l, const int16_t *restrict w,
                 const int16_t *restrict in, const size_t n_in, int32_t *restrict acc,
                 const size_t OUT)
{
	__m128i a4[DNSF_MODEL_MAX_WIDTH / 4];
	size_t i;

	for (size_t k = 0; k < OUT / 4; k++)
		a4[k] = _mm_loadu_si128((const __m128i *)(const void *)(l->bias + 4 * k));
	for (i = 0; i + 1 < n_in; i += 2) {
		const int16_t *c0 = w + i * OUT;
		uint32_t a;

		memcpy(&a, in + i, 4); /* (in[i], in[i + 1]) as one lane */
		pair_sse2(a4, c0, c0 + OUT, _mm_set1_epi32((int32_t)a), OUT);
	}
	if (i < n_in) /* odd last row: paired with itself times 0 */
		pair_sse2(a4, w + i * OUT, w + i * OUT, _mm_set1_epi32((uint16_t)in[i]), OUT);
	for (size_t k = 0; k < OUT / 4; k++)
		_mm_storeu_si128((__m128i *)(void *)(acc + 4 * k), a4[k]);
}
#endif

static inline __attribute__((always_inline)) void
dense_first(const struct dnsf_model_layer *l, const int16_t *restrict w, const int16_t *restrict in,
            int16_t *restrict out, const size_t OUT)
{
	int32_t acc[DNSF_MODEL_MAX_WIDTH];
#ifdef DNSF_MODEL_SSE2
	dense_pairs_sse2(l, w, in, l->n_in, acc, OUT);
	requant_relu_sse2(l, acc, out, OUT);
#else
	const size_t npairs = ((size_t)l->n_in + 1) / 2;

	for (size_t o = 0; o < OUT; o++)
		acc[o] = l->bias[o];
	for (size_t j = 0; j < npairs; j++) {
		const int16_t a0 = in[2 * j], a1 = in[2 * j + 1];
		const int16_t *c0 = w + j * 2 * OUT;
		const int16_t *c1 = c0 + OUT;

		for (size_t o = 0; o < OUT; o++)
			acc[o] += (int16_t)(c0[o] * a0 + c1[o] * a1);
	}
	requant_relu(l, acc, out, OUT);
#endif
}

/*
 * A later hidden layer: its inputs are 15-bit activations, so each product needs 32 bits
 * (|w * a| <= 127 * 32767; 64 of them plus a bias <= 2^30 stay below 2^31).
 */
static inline __attribute__((always_inline)) void
dense_hidden(const struct dnsf_model_layer *l, const int16_t *restrict w,
             const int16_t *restrict in, int16_t *restrict out, const size_t OUT)
{
	int32_t acc[DNSF_MODEL_MAX_WIDTH];
	const size_t n_in = l->n_in;

#ifdef DNSF_MODEL_SSE2
	dense_pairs_sse2(l, w, in, n_in, acc, OUT);
	requant_relu_sse2(l, acc, out, OUT);
#else
	for (size_t o = 0; o < OUT; o++)
		acc[o] = l->bias[o];
	for (size_t i = 0; i < n_in; i++) {
		const int32_t a = in[i];
		const int16_t *c = w + i * OUT;

		for (size_t o = 0; o < OUT; o++)
			acc[o] += (int32_t)c[o] * a;
	}
	requant_relu(l, acc, out, OUT);
#endif
}

static inline __attribute__((always_inline)) int32_t
dot(const int16_t *restrict w, const int16_t *restrict in, const size_t IN)
{
	int32_t s = 0;

	for (size_t i = 0; i < IN; i++)
		s += (int32_t)w[i] * in[i];
	return s;
}

int32_t
dnsf_model_score(const struct dnsf_model *m, const int32_t *features)
{
	_Alignas(64) int16_t act[2][DNSF_MODEL_MAX_WIDTH] = {{0}};
	const struct dnsf_model_layer *l;
	const size_t nf = m->n_features, nf8 = nf / 8 * 8;
	unsigned cur = 0, k;
	int32_t acc;
	int64_t v;

#ifdef DNSF_MODEL_SSE2
	const size_t done = norm_sse2(m, features, act[0], nf);
	(void)nf8;
#else
	/* Blocks of 8 vectorize; the tail (shape-dependent, not data-dependent) is scalar. Reading
	 * features[] in place avoids a copy whose narrow stores would stall the wide loads. */
	for (size_t b = 0; b < nf8; b += 8) {
		const int32_t *restrict x = features + b;
		int16_t *restrict q = act[0] + b;

		for (size_t i = 0; i < 8; i++)
			q[i] = (int16_t)dnsf_model_norm_q(x[i], m->norm_lo[b + i],
			                                  m->norm_hi[b + i], m->norm_mult[b + i],
			                                  m->norm_add[b + i], m->norm_shift[b + i]);
	}
	const size_t done = nf8;
#endif
	for (size_t i = done; i < nf; i++)
		act[0][i] =
		    (int16_t)dnsf_model_norm_q(features[i], m->norm_lo[i], m->norm_hi[i],
		                               m->norm_mult[i], m->norm_add[i], m->norm_shift[i]);

	/* The switches pick a specialisation by the model's shape, never by the data. */
	for (k = 0; k + 1 < m->n_layers; k++) {
		const int16_t *w;

		l = &m->layer[k];
		w = m->w + l->w_off;
		if (k == 0) {
			switch (l->out_pad) {
			case 16:
				dense_first(l, w, act[cur], act[cur ^ 1], 16);
				break;
			case 32:
				dense_first(l, w, act[cur], act[cur ^ 1], 32);
				break;
			case 48:
				dense_first(l, w, act[cur], act[cur ^ 1], 48);
				break;
			default:
				dense_first(l, w, act[cur], act[cur ^ 1], 64);
				break;
			}
		} else {
			switch (l->out_pad) {
			case 16:
				dense_hidden(l, w, act[cur], act[cur ^ 1], 16);
				break;
			case 32:
				dense_hidden(l, w, act[cur], act[cur ^ 1], 32);
				break;
			case 48:
				dense_hidden(l, w, act[cur], act[cur ^ 1], 48);
				break;
			default:
				dense_hidden(l, w, act[cur], act[cur ^ 1], 64);
				break;
			}
		}
		cur ^= 1;
	}

	l = &m->layer[m->n_layers - 1];
	switch (l->in_pad) {
	case 16:
		acc = dot(m->w + l->w_off, act[cur], 16);
		break;
	case 32:
		acc = dot(m->w + l->w_off, act[cur], 32);
		break;
	case 48:
		acc = dot(m->w + l->w_off, act[cur], 48);
		break;
	default:
		acc = dot(m->w + l->w_off, act[cur], 64);
		break;
	}
	acc += l->bias[0];
	v = ((int64_t)acc * l->mult[0] + ((INT64_C(1) << l->shift) >> 1)) >> l->shift;
	v += DNSF_MODEL_LUT_HALF;
	v = v < 0 ? 0 : v;
	v = v > 2 * DNSF_MODEL_LUT_HALF ? 2 * DNSF_MODEL_LUT_HALF : v;
	return dnsf_model_sigmoid[v];
}

/* ---- building ---- */

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static unsigned
pad16(unsigned n)
{
	return (n + DNSF_MODEL_PAD - 1) / DNSF_MODEL_PAD * DNSF_MODEL_PAD;
}

int
dnsf_model_check_shape(unsigned n_layers, const unsigned *widths, char *err, size_t errlen)
{
	if (n_layers < 1 || n_layers > DNSF_MODEL_MAX_LAYERS) {
		seterr(err, errlen, "%u layers (must be 1..%u)", n_layers, DNSF_MODEL_MAX_LAYERS);
		return -1;
	}
	if (widths[0] < 1 || widths[0] > DNSF_MODEL_MAX_IN) {
		seterr(err, errlen, "%u features (must be 1..%u)", widths[0], DNSF_MODEL_MAX_IN);
		return -1;
	}
	for (unsigned k = 1; k <= n_layers; k++) {
		if (widths[k] < 1 || widths[k] > DNSF_MODEL_MAX_WIDTH) {
			seterr(err, errlen, "layer %u: %u outputs (must be 1..%u)", k - 1,
			       widths[k], DNSF_MODEL_MAX_WIDTH);
			return -1;
		}
	}
	if (widths[n_layers] != 1) {
		seterr(err, errlen, "last layer has %u outputs (must be 1)", widths[n_layers]);
		return -1;
	}
	return 0;
}

int
dnsf_model_init(struct dnsf_model *m, uint64_t schema, unsigned n_layers, const unsigned *widths,
                char *err, size_t errlen)
{
	uint32_t off = 0;

	memset(m, 0, sizeof(*m));
	if (dnsf_model_check_shape(n_layers, widths, err, errlen) < 0)
		return -1;
	m->schema = schema;
	m->n_features = widths[0];
	m->n_layers = n_layers;
	for (unsigned k = 0; k < n_layers; k++) {
		struct dnsf_model_layer *l = &m->layer[k];
		int last = k + 1 == n_layers;

		l->n_in = (uint16_t)widths[k];
		l->n_out = (uint16_t)widths[k + 1];
		l->in_pad = (uint16_t)pad16(l->n_in);
		l->out_pad = (uint16_t)(last ? 1 : pad16(l->n_out));
		l->shift = DNSF_MODEL_SHIFT_MIN;
		l->w_off = off;
		off += (uint32_t)l->in_pad * l->out_pad;
	}
	return 0;
}

static size_t
widx(const struct dnsf_model *m, unsigned layer, unsigned out, unsigned in)
{
	const struct dnsf_model_layer *l = &m->layer[layer];

	if (layer + 1 == m->n_layers)
		return l->w_off + in;
	return l->w_off + (size_t)in * l->out_pad + out;
}

void
dnsf_model_set_weight(struct dnsf_model *m, unsigned layer, unsigned out, unsigned in, int8_t w)
{
	m->w[widx(m, layer, out, in)] = w;
}

int8_t
dnsf_model_weight(const struct dnsf_model *m, unsigned layer, unsigned out, unsigned in)
{
	return (int8_t)m->w[widx(m, layer, out, in)];
}

int
dnsf_model_validate(const struct dnsf_model *m, char *err, size_t errlen)
{
	unsigned widths[DNSF_MODEL_MAX_LAYERS + 1];
	struct dnsf_model_layer ref[1];
	uint32_t off = 0;
	size_t dlen;

	if (m->n_layers < 1 || m->n_layers > DNSF_MODEL_MAX_LAYERS) {
		seterr(err, errlen, "%u layers (must be 1..%u)", m->n_layers,
		       DNSF_MODEL_MAX_LAYERS);
		return -1;
	}
	widths[0] = m->layer[0].n_in;
	for (unsigned k = 0; k < m->n_layers; k++) {
		if (k > 0 && m->layer[k].n_in != m->layer[k - 1].n_out) {
			seterr(err, errlen, "layer %u has %u inputs but layer %u has %u outputs", k,
			       m->layer[k].n_in, k - 1, m->layer[k - 1].n_out);
			return -1;
		}
		widths[k + 1] = m->layer[k].n_out;
	}
	if (dnsf_model_check_shape(m->n_layers, widths, err, errlen) < 0)
		return -1;
	if (m->n_features != widths[0]) {
		seterr(err, errlen, "%u features but the first layer has %u inputs", m->n_features,
		       widths[0]);
		return -1;
	}
	dlen = strnlen(m->desc, sizeof(m->desc));
	if (dlen == sizeof(m->desc)) {
		seterr(err, errlen, "description is not terminated");
		return -1;
	}
	for (size_t i = 0; i < dlen; i++) {
		if (m->desc[i] < 0x20 || m->desc[i] > 0x7e) {
			seterr(err, errlen, "description has a non-printable byte at %zu", i);
			return -1;
		}
	}
	for (unsigned f = 0; f < DNSF_MODEL_MAX_IN; f++) {
		const struct dnsf_model_norm *n = &m->norm[f];
		uint64_t top;

		if (f >= m->n_features) {
			if (n->lo != 0 || n->hi != 0 || n->mult != 0 || n->add != 0 ||
			    n->shift != 0) {
				seterr(err, errlen,
				       "feature %u: normalisation set beyond n_features", f);
				return -1;
			}
			continue;
		}
		if (n->lo > n->hi || n->shift > 31) {
			seterr(err, errlen,
			       "feature %u: normalisation out of range (lo %" PRId32 " hi %" PRId32
			       " shift %" PRIu32 ")",
			       f, n->lo, n->hi, n->shift);
			return -1;
		}
		top = (uint64_t)((int64_t)n->hi - n->lo) * n->mult + n->add;
		if (top > UINT32_MAX || (top >> n->shift) > 254) {
			seterr(err, errlen,
			       "feature %u: normalisation overflows (range %" PRId64
			       " mult %" PRIu32 " add %" PRIu32 " shift %" PRIu32 ")",
			       f, (int64_t)n->hi - n->lo, n->mult, n->add, n->shift);
			return -1;
		}
	}
	for (unsigned k = 0; k < m->n_layers; k++) {
		const struct dnsf_model_layer *l = &m->layer[k];
		int last = k + 1 == m->n_layers;
		size_t nw;

		ref->in_pad = (uint16_t)pad16(l->n_in);
		ref->out_pad = (uint16_t)(last ? 1 : pad16(l->n_out));
		if (l->in_pad != ref->in_pad || l->out_pad != ref->out_pad || l->w_off != off) {
			seterr(err, errlen, "layer %u: inconsistent padding or weight offset", k);
			return -1;
		}
		nw = (size_t)l->in_pad * l->out_pad;
		off += (uint32_t)nw;
		if (l->shift < DNSF_MODEL_SHIFT_MIN || l->shift > DNSF_MODEL_SHIFT_MAX) {
			seterr(err, errlen, "layer %u: shift %" PRIu32 " (must be %u..%u)", k,
			       l->shift, DNSF_MODEL_SHIFT_MIN, DNSF_MODEL_SHIFT_MAX);
			return -1;
		}
		for (unsigned o = 0; o < DNSF_MODEL_MAX_WIDTH; o++) {
			if (o >= l->n_out) {
				if (l->bias[o] != 0 || l->mult[o] != 0) {
					seterr(err, errlen, "layer %u: padding lane %u is not zero",
					       k, o);
					return -1;
				}
				continue;
			}
			if (l->bias[o] < -DNSF_MODEL_BIAS_MAX || l->bias[o] > DNSF_MODEL_BIAS_MAX) {
				seterr(err, errlen,
				       "layer %u output %u: bias %" PRId32
				       " out of range (|bias| <= 2^30)",
				       k, o, l->bias[o]);
				return -1;
			}
			if (l->mult[o] < 0) {
				seterr(err, errlen,
				       "layer %u output %u: negative requantization multiplier", k,
				       o);
				return -1;
			}
		}
		for (size_t i = 0; i < nw; i++) {
			int16_t w = m->w[l->w_off + i];
			unsigned in, out;

			if (last) {
				in = (unsigned)i;
				out = 0;
			} else {
				in = (unsigned)(i / l->out_pad);
				out = (unsigned)(i % l->out_pad);
			}
			if (w < -127 || w > 127) {
				seterr(err, errlen, "layer %u: weight %d out of range (-127..127)",
				       k, w);
				return -1;
			}
			if (w != 0 && (in >= l->n_in || out >= l->n_out)) {
				seterr(err, errlen, "layer %u: padding weight is not zero", k);
				return -1;
			}
		}
	}
	for (size_t i = off; i < DNSF_MODEL_W_MAX; i++) {
		if (m->w[i] != 0) {
			seterr(err, errlen, "weights set beyond the last layer");
			return -1;
		}
	}
	return 0;
}

int
dnsf_model_seal(struct dnsf_model *m, char *err, size_t errlen)
{
	if (dnsf_model_validate(m, err, errlen) < 0)
		return -1;
	for (unsigned k = 0; k < m->n_layers; k++) {
		struct dnsf_model_layer *l = &m->layer[k];
		const unsigned __int128 top = ((unsigned __int128)DNSF_MODEL_ACT_MAX << l->shift) -
		                              ((UINT64_C(1) << l->shift) >> 1);

		for (unsigned o = 0; o < DNSF_MODEL_MAX_WIDTH; o++) {
			unsigned __int128 sat;

			/* Smallest acc with acc * mult + rnd >= ACT_MAX << shift. */
			if (l->mult[o] <= 0) {
				l->sat[o] = 0;
				continue;
			}
			sat = (top + (uint32_t)l->mult[o] - 1) / (uint32_t)l->mult[o];
			l->sat[o] = sat > INT32_MAX ? INT32_MAX : (int32_t)sat;
		}
	}
	for (unsigned f = 0; f < DNSF_MODEL_MAX_IN; f++) {
		m->norm_lo[f] = m->norm[f].lo;
		m->norm_hi[f] = m->norm[f].hi;
		m->norm_mult[f] = m->norm[f].mult;
		m->norm_add[f] = f < m->n_features ? m->norm[f].add : 127;
		m->norm_shift[f] = m->norm[f].shift;
		m->norm_pow[f] = UINT32_C(1) << (31 - (m->norm[f].shift & 31));
	}
	return 0;
}

/* ---- file format ---- */

uint64_t
dnsf_model_checksum(const uint8_t *buf, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= buf[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* Fixed header: magic, version, flags, schema, n_features, n_layers, desc_len. */
#define HDR_SIZE    (8 + 4 + 4 + 8 + 4 + 4 + 4)
#define NORM_SIZE   (5 * 4)
#define LAYER_HDR   (4 + 4 + 4)
#define OUTPUT_SIZE (4 + 4)
#define SUM_SIZE    8

size_t
dnsf_model_file_size(const struct dnsf_model *m)
{
	size_t n = HDR_SIZE + strnlen(m->desc, sizeof(m->desc) - 1) +
	           (size_t)m->n_features * NORM_SIZE + SUM_SIZE;

	for (unsigned k = 0; k < m->n_layers && k < DNSF_MODEL_MAX_LAYERS; k++) {
		const struct dnsf_model_layer *l = &m->layer[k];

		n += LAYER_HDR + (size_t)l->n_out * OUTPUT_SIZE + (size_t)l->n_out * l->n_in;
	}
	return n;
}

struct wr {
	uint8_t *p;
	size_t pos;
};

static void
put_u32(struct wr *w, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		w->p[w->pos++] = (uint8_t)(v >> (8 * i));
}

static void
put_u64(struct wr *w, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		w->p[w->pos++] = (uint8_t)(v >> (8 * i));
}

size_t
dnsf_model_serialize(const struct dnsf_model *m, uint8_t *buf, size_t cap)
{
	struct wr w = {buf, 0};
	size_t need, dlen;

	if (dnsf_model_validate(m, NULL, 0) < 0)
		return 0;
	need = dnsf_model_file_size(m);
	if (cap < need)
		return 0;
	dlen = strlen(m->desc);
	memcpy(w.p, dnsf_model_magic, sizeof(dnsf_model_magic));
	w.pos = sizeof(dnsf_model_magic);
	put_u32(&w, DNSF_MODEL_VERSION);
	put_u32(&w, 0); /* flags, reserved */
	put_u64(&w, m->schema);
	put_u32(&w, m->n_features);
	put_u32(&w, m->n_layers);
	put_u32(&w, (uint32_t)dlen);
	memcpy(w.p + w.pos, m->desc, dlen);
	w.pos += dlen;
	for (unsigned f = 0; f < m->n_features; f++) {
		put_u32(&w, (uint32_t)m->norm[f].lo);
		put_u32(&w, (uint32_t)m->norm[f].hi);
		put_u32(&w, m->norm[f].mult);
		put_u32(&w, m->norm[f].add);
		put_u32(&w, m->norm[f].shift);
	}
	for (unsigned k = 0; k < m->n_layers; k++) {
		const struct dnsf_model_layer *l = &m->layer[k];

		put_u32(&w, l->n_in);
		put_u32(&w, l->n_out);
		put_u32(&w, l->shift);
		for (unsigned o = 0; o < l->n_out; o++) {
			put_u32(&w, (uint32_t)l->bias[o]);
			put_u32(&w, (uint32_t)l->mult[o]);
		}
		for (unsigned o = 0; o < l->n_out; o++)
			for (unsigned i = 0; i < l->n_in; i++)
				w.p[w.pos++] = (uint8_t)dnsf_model_weight(m, k, o, i);
	}
	put_u64(&w, dnsf_model_checksum(buf, w.pos));
	return w.pos;
}

int
dnsf_model_save(const struct dnsf_model *m, const char *path, char *err, size_t errlen)
{
	uint8_t buf[DNSF_MODEL_MAX_FILE];
	char tmp[4096];
	size_t len, off = 0;
	int fd;

	if (dnsf_model_validate(m, err, errlen) < 0)
		return -1;
	len = dnsf_model_serialize(m, buf, sizeof(buf));
	if (len == 0) {
		seterr(err, errlen, "%s: model does not serialise", path);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		seterr(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t r = write(fd, buf + off, len - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			seterr(err, errlen, "%s: write: %s", tmp,
			       r < 0 ? strerror(errno) : "short");
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)r;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		seterr(err, errlen, "%s: rename: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

struct rd {
	const uint8_t *p;
	size_t len, pos;
};

static int
have(const struct rd *r, size_t n)
{
	return r->len - r->pos >= n;
}

static uint32_t
get_u32(struct rd *r)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)r->p[r->pos++] << (8 * i);
	return v;
}

static uint64_t
get_u64(struct rd *r)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)r->p[r->pos++] << (8 * i);
	return v;
}

#define TRUNC(what)                                                                                \
	do {                                                                                       \
		seterr(err, errlen, "truncated in %s (file is %zu bytes)", what, len);             \
		goto fail;                                                                         \
	} while (0)

int
dnsf_model_load_mem(const uint8_t *buf, size_t len, uint64_t expect_schema,
                    unsigned expect_n_features, struct dnsf_model **out, char *err, size_t errlen)
{
	unsigned widths[DNSF_MODEL_MAX_LAYERS + 1];
	struct rd r = {buf, len, 0};
	struct dnsf_model *m = NULL;
	uint32_t version, flags, n_features, n_layers, dlen;
	uint64_t schema, stored, computed;
	size_t body_pos, end;
	char why[160];

	*out = NULL;
	if (len > DNSF_MODEL_MAX_FILE) {
		seterr(err, errlen, "file is %zu bytes, larger than any model (max %u)", len,
		       DNSF_MODEL_MAX_FILE);
		return -1;
	}
	if (len < sizeof(dnsf_model_magic) || memcmp(buf, dnsf_model_magic, 8) != 0) {
		seterr(err, errlen, "not a dnsfence model file (bad magic)");
		return -1;
	}
	if (!have(&r, HDR_SIZE))
		TRUNC("header");
	r.pos = 8;
	version = get_u32(&r);
	if (version != DNSF_MODEL_VERSION) {
		seterr(err, errlen,
		       "unsupported model format version %" PRIu32 " (this build reads version %u)",
		       version, DNSF_MODEL_VERSION);
		return -1;
	}
	flags = get_u32(&r);
	schema = get_u64(&r);
	n_features = get_u32(&r);
	n_layers = get_u32(&r);
	dlen = get_u32(&r);
	if (flags != 0) {
		seterr(err, errlen, "unknown flags 0x%" PRIx32 " in header", flags);
		return -1;
	}
	if (n_layers < 1 || n_layers > DNSF_MODEL_MAX_LAYERS) {
		seterr(err, errlen, "absurd shape: %" PRIu32 " layers (must be 1..%u)", n_layers,
		       DNSF_MODEL_MAX_LAYERS);
		return -1;
	}
	if (n_features < 1 || n_features > DNSF_MODEL_MAX_IN) {
		seterr(err, errlen, "absurd shape: %" PRIu32 " features (must be 1..%u)",
		       n_features, DNSF_MODEL_MAX_IN);
		return -1;
	}
	if (dlen >= DNSF_MODEL_DESC_MAX) {
		seterr(err, errlen, "description of %" PRIu32 " bytes (max %u)", dlen,
		       DNSF_MODEL_DESC_MAX - 1);
		return -1;
	}

	/* Walk the structure once without storing anything: it proves every length before the
	 * allocation and locates the checksum. */
	body_pos = r.pos;
	if (!have(&r, dlen))
		TRUNC("description");
	/* Printable ASCII only: a NUL would cut the text short and the rest would be lost (a
	 * second encoding of the same model), other bytes would reach logs raw. */
	for (uint32_t i = 0; i < dlen; i++) {
		if (buf[r.pos + i] < 0x20 || buf[r.pos + i] > 0x7e) {
			seterr(err, errlen, "description has a non-printable byte at %" PRIu32, i);
			return -1;
		}
	}
	r.pos += dlen;
	if (!have(&r, (size_t)n_features * NORM_SIZE))
		TRUNC("normalisation");
	r.pos += (size_t)n_features * NORM_SIZE;
	widths[0] = n_features;
	for (unsigned k = 0; k < n_layers; k++) {
		uint32_t n_in, n_out;

		if (!have(&r, LAYER_HDR))
			TRUNC("layer header");
		n_in = get_u32(&r);
		n_out = get_u32(&r);
		r.pos += 4; /* shift, checked below */
		if (n_in != widths[k]) {
			seterr(err, errlen,
			       "absurd shape: layer %u has %" PRIu32 " inputs, expected %u", k,
			       n_in, widths[k]);
			return -1;
		}
		if (n_out < 1 || n_out > DNSF_MODEL_MAX_WIDTH) {
			seterr(err, errlen,
			       "absurd shape: layer %u has %" PRIu32 " outputs (must be 1..%u)", k,
			       n_out, DNSF_MODEL_MAX_WIDTH);
			return -1;
		}
		if (k + 1 == n_layers && n_out != 1) {
			seterr(err, errlen,
			       "absurd shape: last layer has %" PRIu32 " outputs (must be 1)",
			       n_out);
			return -1;
		}
		widths[k + 1] = n_out;
		if (!have(&r, (size_t)n_out * OUTPUT_SIZE + (size_t)n_out * n_in))
			TRUNC("layer parameters");
		r.pos += (size_t)n_out * OUTPUT_SIZE + (size_t)n_out * n_in;
	}
	end = r.pos;
	if (!have(&r, SUM_SIZE))
		TRUNC("checksum");
	if (len - end > SUM_SIZE) {
		seterr(err, errlen, "%zu bytes of trailing garbage after the checksum",
		       len - end - SUM_SIZE);
		return -1;
	}
	stored = get_u64(&r);
	computed = dnsf_model_checksum(buf, end);
	if (stored != computed) {
		seterr(err, errlen,
		       "checksum mismatch (stored %016" PRIx64 ", computed %016" PRIx64
		       "): file is corrupt",
		       stored, computed);
		return -1;
	}
	if (schema != expect_schema) {
		seterr(err, errlen,
		       "feature schema mismatch: model is for schema %016" PRIx64
		       ", this build computes %016" PRIx64 " (retrain the model)",
		       schema, expect_schema);
		return -1;
	}
	if (n_features != expect_n_features) {
		seterr(err, errlen, "model has %" PRIu32 " features, this build provides %u",
		       n_features, expect_n_features);
		return -1;
	}

	/* Sizes are proven: fill the model. */
	if (posix_memalign((void **)&m, 64, sizeof(*m)) != 0) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (dnsf_model_init(m, schema, n_layers, widths, why, sizeof(why)) < 0) {
		seterr(err, errlen, "absurd shape: %s", why);
		goto fail;
	}
	r.pos = body_pos;
	memcpy(m->desc, buf + r.pos, dlen);
	m->desc[dlen] = '\0';
	r.pos += dlen;
	for (unsigned f = 0; f < n_features; f++) {
		m->norm[f].lo = (int32_t)get_u32(&r);
		m->norm[f].hi = (int32_t)get_u32(&r);
		m->norm[f].mult = get_u32(&r);
		m->norm[f].add = get_u32(&r);
		m->norm[f].shift = get_u32(&r);
	}
	for (unsigned k = 0; k < n_layers; k++) {
		struct dnsf_model_layer *l = &m->layer[k];

		r.pos += 8; /* n_in, n_out: already read */
		l->shift = get_u32(&r);
		for (unsigned o = 0; o < l->n_out; o++) {
			l->bias[o] = (int32_t)get_u32(&r);
			l->mult[o] = (int32_t)get_u32(&r);
		}
		for (unsigned o = 0; o < l->n_out; o++) {
			for (unsigned i = 0; i < l->n_in; i++) {
				int8_t w = (int8_t)buf[r.pos++];

				if (w == INT8_MIN) {
					seterr(err, errlen,
					       "layer %u: weight -128 out of range (-127..127)", k);
					goto fail;
				}
				dnsf_model_set_weight(m, k, o, i, w);
			}
		}
	}
	if (dnsf_model_seal(m, why, sizeof(why)) < 0) {
		seterr(err, errlen, "invalid model: %s", why);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	free(m);
	return -1;
}

int
dnsf_model_load(const char *path, uint64_t expect_schema, unsigned expect_n_features,
                struct dnsf_model **out, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t off = 0;
	char why[256];
	int fd, rc;

	*out = NULL;
	/* O_NONBLOCK: a FIFO at the path must not hang startup (it is refused below). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		seterr(err, errlen, "model %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "model %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > DNSF_MODEL_MAX_FILE) {
		seterr(err, errlen, "model %s: %lld bytes, larger than any model (max %u)", path,
		       (long long)st.st_size, DNSF_MODEL_MAX_FILE);
		close(fd);
		return -1;
	}
	/* One byte more than the limit: a file that grew since fstat() is caught as too long. */
	buf = malloc(DNSF_MODEL_MAX_FILE + 1);
	if (buf == NULL) {
		seterr(err, errlen, "model %s: out of memory", path);
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + off, DNSF_MODEL_MAX_FILE + 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			seterr(err, errlen, "model %s: read: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > DNSF_MODEL_MAX_FILE)
			break;
	}
	close(fd);
	rc = dnsf_model_load_mem(buf, off, expect_schema, expect_n_features, out, why, sizeof(why));
	if (rc < 0)
		seterr(err, errlen, "model %s: %s", path, why);
	free(buf);
	return rc;
}

void
dnsf_model_free(struct dnsf_model *m)
{
	free(m);
}
