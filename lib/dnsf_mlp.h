/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_mlp — the float twin of dnsf_model, for the trainer, the evaluator and tests (never the
 * dataplane): a seeded PRNG, normalisation fitting, a float MLP with weighted logistic loss and
 * Adam, quantization into a dnsf_model and the agreement check between the two.
 *
 * Contract:
 *  - Everything is deterministic for a given seed, data and build: the PRNG is our own
 *    (splitmix64), summation orders are fixed, no threads.
 *  - The float network's inputs are dnsf_model_norm_apply(raw) / 127, computed by
 *    dnsf_mlp_normalize() with the dataplane's own integer code, so the float and the integer
 *    network see identical inputs; scores are in the dataplane's unit (0..1000).
 *  - Shapes follow dnsf_model: widths[0] inputs (<= DNSF_MODEL_MAX_IN), hidden widths <=
 *    DNSF_MODEL_MAX_WIDTH, ReLU on hidden layers, one logit out, at most DNSF_MODEL_MAX_LAYERS.
 */
#ifndef DNSF_MLP_H
#define DNSF_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_model.h"

/* ---- PRNG ---- */

struct dnsf_rng {
	uint64_t s;
};

void dnsf_rng_seed(struct dnsf_rng *r, uint64_t seed);
uint64_t dnsf_rng_next(struct dnsf_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t dnsf_rng_below(struct dnsf_rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 random bits. */
double dnsf_rng_uniform(struct dnsf_rng *r);
/* Standard normal (Box-Muller; uses libm). */
double dnsf_rng_normal(struct dnsf_rng *r);

/* ---- normalisation ---- */

/*
 * Fit one feature's normalisation from its training values (n of them, `stride` int32 apart):
 * [q_lo, q_hi] quantiles (e.g. 0.01, 0.99) map onto [-127, 127]. If those quantiles are equal the
 * feature's min and max are used instead (a rare flag must not vanish); if all values are equal
 * the feature is ignored (q = 0). 0, or -1 if n == 0 or the quantiles are not 0 <= lo < hi <= 1.
 */
int dnsf_mlp_fit_norm(const int32_t *values, size_t n, size_t stride, double q_lo, double q_hi,
                      struct dnsf_model_norm *out);
/* out[f] = dnsf_model_norm_apply(&norm[f], raw[f]) / 127 for f < n_features. */
void dnsf_mlp_normalize(const struct dnsf_model_norm *norm, unsigned n_features, const int32_t *raw,
                        float *out);

/* ---- network ---- */

#define DNSF_MLP_MAX_LAYERS DNSF_MODEL_MAX_LAYERS
#define DNSF_MLP_MAX_WIDTH  DNSF_MODEL_MAX_WIDTH
#define DNSF_MLP_W_MAX      (DNSF_MLP_MAX_WIDTH * DNSF_MLP_MAX_WIDTH)

/* Weights of layer l are w[l][o * width[l] + i]. The trainer owns the whole struct. */
struct dnsf_mlp {
	unsigned n_layers;
	unsigned width[DNSF_MLP_MAX_LAYERS + 1]; /* width[0] inputs ... width[n_layers] == 1 */
	float w[DNSF_MLP_MAX_LAYERS][DNSF_MLP_W_MAX];
	float b[DNSF_MLP_MAX_LAYERS][DNSF_MLP_MAX_WIDTH];
	/* Gradient of the last dnsf_mlp_grad() and Adam's moments. */
	float gw[DNSF_MLP_MAX_LAYERS][DNSF_MLP_W_MAX];
	float gb[DNSF_MLP_MAX_LAYERS][DNSF_MLP_MAX_WIDTH];
	float mw[DNSF_MLP_MAX_LAYERS][DNSF_MLP_W_MAX], vw[DNSF_MLP_MAX_LAYERS][DNSF_MLP_W_MAX];
	float mb[DNSF_MLP_MAX_LAYERS][DNSF_MLP_MAX_WIDTH],
	    vb[DNSF_MLP_MAX_LAYERS][DNSF_MLP_MAX_WIDTH];
	uint64_t adam_t; /* Adam steps taken */
};

/* Allocate and initialise (He-uniform weights from `seed`, zero biases). widths as in
 * dnsf_model_init(). 0 or -1 with err. */
int dnsf_mlp_create(unsigned n_layers, const unsigned *widths, uint64_t seed, struct dnsf_mlp **out,
                    char *err, size_t errlen);
void dnsf_mlp_free(struct dnsf_mlp *net);

/* Forward pass on normalised inputs x[0..width[0]-1]: the logit, and 1000 * sigmoid(logit). */
double dnsf_mlp_logit(const struct dnsf_mlp *net, const float *x);
double dnsf_mlp_score(const struct dnsf_mlp *net, const float *x);

/* A labelled data set of normalised rows: x[i * dim + f], y[i] in {0, 1}, optional per-example
 * weight sw[i] (NULL: 1). */
struct dnsf_mlp_data {
	const float *x;
	const uint8_t *y;
	const float *sw;
	size_t n;
	unsigned dim;
};

/*
 * Mean weighted logistic loss over the examples idx[0..n-1] (idx NULL: 0..n-1), each weighted by
 * its class weight (pos_w for y = 1, neg_w for y = 0) times sw; L2 is not included. Fills net->gw
 * and net->gb with its gradient.
 */
double dnsf_mlp_grad(struct dnsf_mlp *net, const struct dnsf_mlp_data *d, const size_t *idx,
                     size_t n, double pos_w, double neg_w);
/* The same loss without touching the gradient. */
double dnsf_mlp_loss(const struct dnsf_mlp *net, const struct dnsf_mlp_data *d, double pos_w,
                     double neg_w);

struct dnsf_mlp_train_cfg {
	unsigned epochs; /* default 30 */
	unsigned batch;  /* examples per Adam step, default 64 */
	double lr;       /* default 0.01 */
	double l2;       /* weight decay added to the gradient (weights only), default 1e-3 */
	double beta1, beta2, eps;      /* Adam, defaults 0.9, 0.999, 1e-8 */
	double pos_weight, neg_weight; /* class weights; <= 0: balance the classes (default) */
	uint64_t seed;                 /* shuffling, default 1 */
};

void dnsf_mlp_train_defaults(struct dnsf_mlp_train_cfg *cfg);
/* Class weights the trainer uses for d under cfg (the balanced ones when cfg asks for them). */
void dnsf_mlp_class_weights(const struct dnsf_mlp_train_cfg *cfg, const struct dnsf_mlp_data *d,
                            double *pos_w, double *neg_w);

/* Called after each epoch with the epoch's mean training loss; return non-zero to stop early. */
typedef int (*dnsf_mlp_progress_fn)(unsigned epoch, double loss, void *arg);

/* Mini-batch Adam over shuffled epochs. Returns the last epoch's mean loss, or -1 with err. */
double dnsf_mlp_train(struct dnsf_mlp *net, const struct dnsf_mlp_train_cfg *cfg,
                      const struct dnsf_mlp_data *d, dnsf_mlp_progress_fn progress, void *arg,
                      char *err, size_t errlen);

/* ---- quantization and agreement ---- */

/*
 * Build the integer model from the float network: per-output-channel symmetric int8 weights,
 * int32 biases, activation scales calibrated on calib (normalised rows; the largest activation of
 * each hidden layer maps to DNSF_MODEL_ACT_MAX), multipliers and shifts, the given normalisation
 * (n_features = width[0] entries), schema and description. The result is sealed. 0 or -1 with err.
 */
int dnsf_mlp_quantize(const struct dnsf_mlp *net, const struct dnsf_model_norm *norm,
                      uint64_t schema, const char *desc, const struct dnsf_mlp_data *calib,
                      struct dnsf_model *out, char *err, size_t errlen);

/*
 * The float network computing exactly what the integer model computes before rounding: writes
 * m's weights and biases, rescaled, into net (same shape; Adam state reset). The trainer can use
 * it as its final float model (then the agreement check measures only the integer arithmetic),
 * or fine-tune from it and quantize again (quantization-aware fine-tuning). 0 or -1 with err.
 */
int dnsf_mlp_dequantize(const struct dnsf_model *m, struct dnsf_mlp *net, char *err, size_t errlen);

/* The integer model's arithmetic in float (integer weights and biases, exact requantization
 * without rounding or int8 clamping of activations), 0..1000. Diagnoses where disagreement comes
 * from: dnsf_mlp_score vs this is weight quantization, this vs dnsf_model_score is activation
 * rounding and the sigmoid table. */
double dnsf_mlp_model_ref_score(const struct dnsf_model *m, const int32_t *features);

struct dnsf_mlp_agreement {
	size_t n;
	double max_abs; /* max |dnsf_model_score - dnsf_mlp_score|, score units */
	double mean_abs;
	size_t worst;        /* index of the example with max_abs */
	double max_weight_q; /* max |ref - float| */
	double max_act_q;    /* max |int - ref| */
};

/* Compare integer and float scores on raw rows raw[i * stride + f] (f < n_features). */
void dnsf_mlp_agreement(const struct dnsf_mlp *net, const struct dnsf_model *m, const int32_t *raw,
                        size_t n, size_t stride, struct dnsf_mlp_agreement *out);

#endif
