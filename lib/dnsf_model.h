/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_model — the quantized classifier run on every query: a small MLP in integer arithmetic,
 * its file format, loader and writer.
 *
 * Contract:
 *  - A model maps n_features raw int32 features to an integer score 0..1000 (~ 1000 * P(tunnel)).
 *    Each feature is normalised by an integer affine map to int8 [-127, 127]; then up to
 *    DNSF_MODEL_MAX_LAYERS dense layers with int8 weights, int32 bias and accumulation,
 *    per-output-channel fixed-point requantization and ReLU into 15-bit activations; the last
 *    layer has one output whose requantized logit indexes a sigmoid table. See docs/model.md for
 *    the exact arithmetic.
 *  - dnsf_model_score() uses no floating point, no allocation and no data-dependent branches; it
 *    only reads the model, so one loaded model is shared read-only by every worker.
 *  - dnsf_model_load*() accept only a file that passes every check (size, magic, version, shapes,
 *    checksum, feature schema, feature count, value ranges); anything else is a one-line error in
 *    err and no model. Allocation is one fixed-size object, sized before anything is read.
 *  - The float trainer (dnsf_mlp) computes its inputs with dnsf_model_norm_apply(), the same code
 *    the dataplane runs, so training and serving see the same normalised values.
 */
#ifndef DNSF_MODEL_H
#define DNSF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define DNSF_MODEL_MAX_IN                                                                          \
	48 /* features: >= DNSF_F_VEC_COUNT (36), a multiple of DNSF_MODEL_PAD                     \
	    */
#define DNSF_MODEL_MAX_WIDTH  64 /* outputs of any layer */
#define DNSF_MODEL_MAX_LAYERS 4
#define DNSF_MODEL_SCORE_MAX  1000
#define DNSF_MODEL_DESC_MAX   128 /* description incl. NUL */
#define DNSF_MODEL_VERSION    1
#define DNSF_MODEL_MAX_FILE   32768 /* larger than any valid model file */
#define DNSF_MODEL_PAD        16    /* hidden widths are padded to this for the vector loops */
#define DNSF_MODEL_ACT_MAX    32767 /* hidden activations are 0..32767 (15 bits) */

/* The last layer's requantized output is the logit in 1/64 units; the table covers [-8, 8]. */
#define DNSF_MODEL_LUT_ONE  64
#define DNSF_MODEL_LUT_HALF 512

/* Bounds the loader enforces (they keep every intermediate inside int32/int64, see docs). */
#define DNSF_MODEL_SHIFT_MIN 1
#define DNSF_MODEL_SHIFT_MAX 62
#define DNSF_MODEL_BIAS_MAX  (INT32_C(1) << 30)

/*
 * Per-feature normalisation to int8, all in 32-bit unsigned arithmetic so it vectorizes anywhere:
 *   u = clamp(x, lo, hi) - lo;  q = ((u * mult + add) >> shift) - 127
 * The loader requires lo <= hi, shift <= 31 and (hi - lo) * mult + add < 2^32 with its shifted
 * value <= 254, so q is always in [-127, 127] and nothing overflows. Written by the trainer
 * (dnsf_mlp_fit_norm), read by the dataplane and by the trainer (no train/serve skew).
 */
struct dnsf_model_norm {
	int32_t lo, hi; /* input range mapped onto [-127, 127]; values outside saturate */
	uint32_t mult;  /* 0: the feature is ignored (it was constant in training) */
	uint32_t add;   /* rounding (and, for an ignored feature, 127 << shift so q = 0) */
	uint32_t shift; /* 0..31 */
};

/* The one definition of the normalisation, used by the dataplane loop and the trainer. */
static inline int32_t
dnsf_model_norm_q(int32_t x, int32_t lo, int32_t hi, uint32_t mult, uint32_t add, uint32_t shift)
{
	int32_t c = x < lo ? lo : x;

	c = c > hi ? hi : c;
	return (int32_t)((((uint32_t)c - (uint32_t)lo) * mult + add) >> shift) - 127;
}

static inline int32_t
dnsf_model_norm_apply(const struct dnsf_model_norm *n, int32_t x)
{
	return dnsf_model_norm_q(x, n->lo, n->hi, n->mult, n->add, n->shift);
}

/* One dense layer. Fields are written once (by the loader or dnsf_model_init + the quantizer) and
 * read-only afterwards. Padded output lanes (n_out..out_pad-1) have zero weights, bias and mult. */
struct dnsf_model_layer {
	uint16_t n_in, n_out; /* true widths */
	uint16_t in_pad;      /* activation lanes read: n_in rounded up to DNSF_MODEL_PAD */
	uint16_t out_pad;     /* n_out rounded up to DNSF_MODEL_PAD (1 for the last layer) */
	uint32_t shift;       /* requantization right shift, DNSF_MODEL_SHIFT_MIN..MAX */
	uint32_t w_off;       /* first weight of this layer in dnsf_model.w */
	int32_t bias[DNSF_MODEL_MAX_WIDTH]; /* in accumulator units, |bias| <= 2^30 */
	int32_t mult[DNSF_MODEL_MAX_WIDTH]; /* requantization multiplier, 0..2^31-1 */
	/* Filled by dnsf_model_seal(): the accumulator at which the activation saturates. */
	int32_t sat[DNSF_MODEL_MAX_WIDTH];
};

/* Weights are int8 values (-127..127) kept widened to int16 in a layout made for the vector loops
 * (see dnsf_model.c); use dnsf_model_weight()/dnsf_model_set_weight(), never index w directly. */
#define DNSF_MODEL_W_MAX (DNSF_MODEL_MAX_LAYERS * DNSF_MODEL_MAX_WIDTH * DNSF_MODEL_MAX_WIDTH)

/* Written by the control side (loader, or quantizer + dnsf_model_seal()) before the engine that
 * holds it is published; the workers only read it. About 37 KiB, one allocation. */
struct dnsf_model {
	uint64_t schema;     /* feature-schema hash the model was trained for */
	uint32_t n_features; /* == layer[0].n_in */
	uint32_t n_layers;
	char desc[DNSF_MODEL_DESC_MAX]; /* free text from the trainer (printable ASCII) */
	struct dnsf_model_norm norm[DNSF_MODEL_MAX_IN]; /* set these; unused entries stay zero */
	/* norm[] by field, filled by dnsf_model_seal(), so the normalisation is a vector loop.
	 * No _Alignas anywhere in the struct: callers may malloc() it (the loader still aligns its
	 * copy to a cache line). */
	int32_t norm_lo[DNSF_MODEL_MAX_IN];
	int32_t norm_hi[DNSF_MODEL_MAX_IN];
	uint32_t norm_mult[DNSF_MODEL_MAX_IN];
	uint32_t norm_add[DNSF_MODEL_MAX_IN];
	uint32_t norm_shift[DNSF_MODEL_MAX_IN];
	uint32_t norm_pow[DNSF_MODEL_MAX_IN]; /* 2^(31 - shift): the shift as a multiply, for SSE2
	                                        (no per-lane shift there) */
	struct dnsf_model_layer layer[DNSF_MODEL_MAX_LAYERS];
	int16_t w[DNSF_MODEL_W_MAX];
};

/* Score one feature vector of a sealed model: features[0..n_features-1] are read. 0..1000. */
int32_t dnsf_model_score(const struct dnsf_model *m, const int32_t *features);

/*
 * Building a model (the quantizer, tests): dnsf_model_init() zeroes *m and sets the shape:
 * widths[0] = n_features, widths[l + 1] = outputs of layer l, widths[n_layers] must be 1.
 * Then set norm[], layer[].bias/mult/shift and the weights, and finish with dnsf_model_seal().
 */
int dnsf_model_init(struct dnsf_model *m, uint64_t schema, unsigned n_layers,
                    const unsigned *widths, char *err, size_t errlen);
/* The shape rule dnsf_model_init() applies (also the float trainer's, so every trained network
 * can be quantized): 0 or -1 with a one-line reason. */
int dnsf_model_check_shape(unsigned n_layers, const unsigned *widths, char *err, size_t errlen);
void dnsf_model_set_weight(struct dnsf_model *m, unsigned layer, unsigned out, unsigned in,
                           int8_t w);
int8_t dnsf_model_weight(const struct dnsf_model *m, unsigned layer, unsigned out, unsigned in);
/* Every shape and value-range check the loader makes. 0 or -1 with err. */
int dnsf_model_validate(const struct dnsf_model *m, char *err, size_t errlen);
/* dnsf_model_validate(), then prepare the model for dnsf_model_score() (call it again after
 * changing any field; dnsf_model_score() of an unsealed model is undefined). */
int dnsf_model_seal(struct dnsf_model *m, char *err, size_t errlen);

/* File format (docs/model.md): serialised size of m, and serialisation into buf (cap bytes).
 * dnsf_model_serialize returns the size written, or 0 if cap is too small or m is invalid. */
size_t dnsf_model_file_size(const struct dnsf_model *m);
size_t dnsf_model_serialize(const struct dnsf_model *m, uint8_t *buf, size_t cap);
/* FNV-1a 64 over buf, the file's trailing checksum. */
uint64_t dnsf_model_checksum(const uint8_t *buf, size_t len);

/* Writes the file atomically (temporary file + rename). 0 or -1 with err. */
int dnsf_model_save(const struct dnsf_model *m, const char *path, char *err, size_t errlen);

/* Load and check a model. expect_schema / expect_n_features are what the running build's feature
 * code produces; a model for anything else is refused. On success *out is a new model to free with
 * dnsf_model_free(); on failure *out is NULL and err holds one line (no trailing newline). */
int dnsf_model_load(const char *path, uint64_t expect_schema, unsigned expect_n_features,
                    struct dnsf_model **out, char *err, size_t errlen);
int dnsf_model_load_mem(const uint8_t *buf, size_t len, uint64_t expect_schema,
                        unsigned expect_n_features, struct dnsf_model **out, char *err,
                        size_t errlen);
void dnsf_model_free(struct dnsf_model *m);

/* The sigmoid table: score for a requantized logit index 0..2*DNSF_MODEL_LUT_HALF. */
int32_t dnsf_model_lut(unsigned idx);

#endif
