/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Float MLP for the tools: training (weighted logistic loss, mini-batch Adam, L2), quantization
 * into the integer dnsf_model, and the float reference used to check the integer path.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_mlp.h"

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

/* ---- PRNG: splitmix64 (Steele, Lea, Flood 2014), small and good enough for shuffles ---- */

void
dnsf_rng_seed(struct dnsf_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
dnsf_rng_next(struct dnsf_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
dnsf_rng_below(struct dnsf_rng *r, uint64_t n)
{
	/* Reject the top partial block so every residue is equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;

	do
		v = dnsf_rng_next(r);
	while (v >= limit);
	return v % n;
}

double
dnsf_rng_uniform(struct dnsf_rng *r)
{
	return (double)(dnsf_rng_next(r) >> 11) * 0x1.0p-53;
}

double
dnsf_rng_normal(struct dnsf_rng *r)
{
	double u1 = 1.0 - dnsf_rng_uniform(r); /* (0, 1]: log is finite */
	double u2 = dnsf_rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* ---- normalisation ---- */

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int
dnsf_mlp_fit_norm(const int32_t *values, size_t n, size_t stride, double q_lo, double q_hi,
                  struct dnsf_model_norm *out)
{
	int32_t *v, lo, hi;
	uint64_t range;

	memset(out, 0, sizeof(*out));
	if (n == 0 || stride == 0 || !(q_lo >= 0.0 && q_lo < q_hi && q_hi <= 1.0))
		return -1;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = values[i * stride];
	qsort(v, n, sizeof(*v), cmp_i32);
	lo = v[(size_t)(q_lo * (double)(n - 1) + 0.5)];
	hi = v[(size_t)(q_hi * (double)(n - 1) + 0.5)];
	if (lo == hi) {
		lo = v[0];
		hi = v[n - 1];
	}
	free(v);
	out->lo = lo;
	out->hi = hi;
	if (lo == hi) {
		/* Constant in training: whatever it is later, it cannot be trusted to mean
		 * anything. */
		out->add = 127;
		return 0;
	}
	/* mult / 2^shift ~ 254 / range with range * mult <= 254 << 24, so the scaled value never
	 * exceeds 254 and nothing overflows 32 bits (see dnsf_model_norm_q). */
	range = (uint64_t)((int64_t)hi - lo);
	if (range > (UINT64_C(254) << 24)) {
		/* Nearly all of int32: give up the top sliver (it saturates) to keep mult >= 1. */
		range = UINT64_C(254) << 24;
		out->hi = (int32_t)((int64_t)lo + (int64_t)range);
	}
	out->shift = 24;
	out->mult = (uint32_t)((UINT64_C(254) << 24) / range);
	out->add = UINT32_C(1) << 23;
	return 0;
}

void
dnsf_mlp_normalize(const struct dnsf_model_norm *norm, unsigned n_features, const int32_t *raw,
                   float *out)
{
	for (unsigned f = 0; f < n_features; f++)
		out[f] = (float)dnsf_model_norm_apply(&norm[f], raw[f]) / 127.0f;
}

/* ---- network ---- */

int
dnsf_mlp_create(unsigned n_layers, const unsigned *widths, uint64_t seed, struct dnsf_mlp **out,
                char *err, size_t errlen)
{
	struct dnsf_mlp *net;
	struct dnsf_rng rng;

	*out = NULL;
	if (dnsf_model_check_shape(n_layers, widths, err, errlen) < 0)
		return -1;
	net = calloc(1, sizeof(*net));
	if (net == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	net->n_layers = n_layers;
	memcpy(net->width, widths, (n_layers + 1) * sizeof(widths[0]));
	dnsf_rng_seed(&rng, seed);
	for (unsigned l = 0; l < n_layers; l++) {
		unsigned fan_in = widths[l], fan_out = widths[l + 1];
		/* He-uniform for ReLU layers, Glorot-uniform for the logit. */
		double lim = l + 1 < n_layers ? sqrt(6.0 / fan_in) : sqrt(6.0 / (fan_in + fan_out));

		for (unsigned k = 0; k < fan_in * fan_out; k++)
			net->w[l][k] = (float)((2.0 * dnsf_rng_uniform(&rng) - 1.0) * lim);
	}
	*out = net;
	return 0;
}

void
dnsf_mlp_free(struct dnsf_mlp *net)
{
	free(net);
}

/* Activations of one forward pass: a[0] is the input, a[l + 1] = relu(z[l]) for hidden layers,
 * z[n_layers - 1][0] the logit. */
struct fwd {
	float a[DNSF_MLP_MAX_LAYERS + 1][DNSF_MLP_MAX_WIDTH];
	float z[DNSF_MLP_MAX_LAYERS][DNSF_MLP_MAX_WIDTH];
};

static double
forward(const struct dnsf_mlp *net, const float *x, struct fwd *f)
{
	unsigned L = net->n_layers;

	memcpy(f->a[0], x, net->width[0] * sizeof(float));
	for (unsigned l = 0; l < L; l++) {
		unsigned ni = net->width[l], no = net->width[l + 1];

		for (unsigned o = 0; o < no; o++) {
			const float *w = &net->w[l][o * ni];
			float s = net->b[l][o];

			for (unsigned i = 0; i < ni; i++)
				s += w[i] * f->a[l][i];
			f->z[l][o] = s;
			f->a[l + 1][o] = s > 0.0f ? s : 0.0f;
		}
	}
	return f->z[L - 1][0];
}

double
dnsf_mlp_logit(const struct dnsf_mlp *net, const float *x)
{
	struct fwd f;

	return forward(net, x, &f);
}

static double
sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

double
dnsf_mlp_score(const struct dnsf_mlp *net, const float *x)
{
	return 1000.0 * sigmoid(dnsf_mlp_logit(net, x));
}

/* Logistic loss of logit z for label y, computed without overflow. */
static double
logloss(double z, int y)
{
	return (z > 0 ? z : 0) - z * y + log1p(exp(-fabs(z)));
}

static double
example_weight(const struct dnsf_mlp_data *d, size_t i, double pos_w, double neg_w)
{
	return (d->y[i] ? pos_w : neg_w) * (d->sw ? d->sw[i] : 1.0);
}

/* Accumulates the weighted loss and its gradient over examples; returns the weight sum. */
static double
grad_sum(struct dnsf_mlp *net, const struct dnsf_mlp_data *d, const size_t *idx, size_t n,
         double pos_w, double neg_w, double *loss_sum)
{
	unsigned L = net->n_layers;
	double wsum = 0, lsum = 0;
	struct fwd f;
	float dz[DNSF_MLP_MAX_WIDTH], dprev[DNSF_MLP_MAX_WIDTH];

	for (unsigned l = 0; l < L; l++) {
		memset(net->gw[l], 0, sizeof(net->gw[l]));
		memset(net->gb[l], 0, sizeof(net->gb[l]));
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = idx ? idx[k] : k;
		double ew = example_weight(d, i, pos_w, neg_w);
		double z = forward(net, d->x + i * d->dim, &f);

		wsum += ew;
		lsum += ew * logloss(z, d->y[i]);
		dz[0] = (float)(ew * (sigmoid(z) - d->y[i]));
		for (unsigned l = L; l-- > 0;) {
			unsigned ni = net->width[l], no = net->width[l + 1];

			for (unsigned o = 0; o < no; o++) {
				float *g = &net->gw[l][o * ni];

				net->gb[l][o] += dz[o];
				for (unsigned i2 = 0; i2 < ni; i2++)
					g[i2] += dz[o] * f.a[l][i2];
			}
			if (l == 0)
				break;
			for (unsigned i2 = 0; i2 < ni; i2++) {
				float s = 0;

				for (unsigned o = 0; o < no; o++)
					s += net->w[l][o * ni + i2] * dz[o];
				/* ReLU derivative of the layer below. */
				dprev[i2] = f.z[l - 1][i2] > 0.0f ? s : 0.0f;
			}
			memcpy(dz, dprev, ni * sizeof(float));
		}
	}
	*loss_sum = lsum;
	return wsum;
}

static void
scale_grad(struct dnsf_mlp *net, double k)
{
	for (unsigned l = 0; l < net->n_layers; l++) {
		unsigned nw = net->width[l] * net->width[l + 1];

		for (unsigned j = 0; j < nw; j++)
			net->gw[l][j] = (float)(net->gw[l][j] * k);
		for (unsigned o = 0; o < net->width[l + 1]; o++)
			net->gb[l][o] = (float)(net->gb[l][o] * k);
	}
}

double
dnsf_mlp_grad(struct dnsf_mlp *net, const struct dnsf_mlp_data *d, const size_t *idx, size_t n,
              double pos_w, double neg_w)
{
	double lsum, wsum = grad_sum(net, d, idx, n, pos_w, neg_w, &lsum);

	if (wsum <= 0)
		return 0;
	scale_grad(net, 1.0 / wsum);
	return lsum / wsum;
}

double
dnsf_mlp_loss(const struct dnsf_mlp *net, const struct dnsf_mlp_data *d, double pos_w, double neg_w)
{
	double wsum = 0, lsum = 0;
	struct fwd f;

	for (size_t i = 0; i < d->n; i++) {
		double ew = example_weight(d, i, pos_w, neg_w);

		wsum += ew;
		lsum += ew * logloss(forward(net, d->x + i * d->dim, &f), d->y[i]);
	}
	return wsum > 0 ? lsum / wsum : 0;
}

void
dnsf_mlp_train_defaults(struct dnsf_mlp_train_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->epochs = 30;
	cfg->batch = 64;
	cfg->lr = 0.01;
	cfg->l2 = 1e-3;
	cfg->beta1 = 0.9;
	cfg->beta2 = 0.999;
	cfg->eps = 1e-8;
	cfg->seed = 1;
}

void
dnsf_mlp_class_weights(const struct dnsf_mlp_train_cfg *cfg, const struct dnsf_mlp_data *d,
                       double *pos_w, double *neg_w)
{
	double wp = 0, wn = 0;

	*pos_w = cfg->pos_weight;
	*neg_w = cfg->neg_weight;
	if (*pos_w > 0 && *neg_w > 0)
		return;
	for (size_t i = 0; i < d->n; i++) {
		double w = d->sw ? d->sw[i] : 1.0;

		if (d->y[i])
			wp += w;
		else
			wn += w;
	}
	/* Each class carries half of the total weight. */
	if (*pos_w <= 0)
		*pos_w = wp > 0 ? (wp + wn) / (2 * wp) : 1.0;
	if (*neg_w <= 0)
		*neg_w = wn > 0 ? (wp + wn) / (2 * wn) : 1.0;
}

static void
adam_step(struct dnsf_mlp *net, const struct dnsf_mlp_train_cfg *cfg)
{
	double c1, c2;

	net->adam_t++;
	c1 = 1.0 - pow(cfg->beta1, (double)net->adam_t);
	c2 = 1.0 - pow(cfg->beta2, (double)net->adam_t);
	for (unsigned l = 0; l < net->n_layers; l++) {
		unsigned nw = net->width[l] * net->width[l + 1], no = net->width[l + 1];

		for (unsigned j = 0; j < nw; j++) {
			double g = net->gw[l][j] + cfg->l2 * net->w[l][j];
			double m = cfg->beta1 * net->mw[l][j] + (1 - cfg->beta1) * g;
			double v = cfg->beta2 * net->vw[l][j] + (1 - cfg->beta2) * g * g;

			net->mw[l][j] = (float)m;
			net->vw[l][j] = (float)v;
			net->w[l][j] -= (float)(cfg->lr * (m / c1) / (sqrt(v / c2) + cfg->eps));
		}
		for (unsigned o = 0; o < no; o++) {
			double g = net->gb[l][o];
			double m = cfg->beta1 * net->mb[l][o] + (1 - cfg->beta1) * g;
			double v = cfg->beta2 * net->vb[l][o] + (1 - cfg->beta2) * g * g;

			net->mb[l][o] = (float)m;
			net->vb[l][o] = (float)v;
			net->b[l][o] -= (float)(cfg->lr * (m / c1) / (sqrt(v / c2) + cfg->eps));
		}
	}
}

double
dnsf_mlp_train(struct dnsf_mlp *net, const struct dnsf_mlp_train_cfg *cfg,
               const struct dnsf_mlp_data *d, dnsf_mlp_progress_fn progress, void *arg, char *err,
               size_t errlen)
{
	double pos_w, neg_w, epoch_loss = 0;
	struct dnsf_rng rng;
	size_t *idx;

	if (d->n == 0 || d->dim != net->width[0] || cfg->batch == 0 || cfg->epochs == 0) {
		seterr(err, errlen, "bad training set or configuration (n %zu, dim %u, batch %u)",
		       d->n, d->dim, cfg->batch);
		return -1;
	}
	idx = malloc(d->n * sizeof(*idx));
	if (idx == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	dnsf_mlp_class_weights(cfg, d, &pos_w, &neg_w);
	dnsf_rng_seed(&rng, cfg->seed);
	for (unsigned e = 0; e < cfg->epochs; e++) {
		double lsum = 0, wsum = 0;

		for (size_t i = d->n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = (size_t)dnsf_rng_below(&rng, i + 1), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
		for (size_t b = 0; b < d->n; b += cfg->batch) {
			size_t bn = d->n - b < cfg->batch ? d->n - b : cfg->batch;
			double bl, bw = grad_sum(net, d, idx + b, bn, pos_w, neg_w, &bl);

			if (bw <= 0)
				continue;
			scale_grad(net, 1.0 / bw);
			adam_step(net, cfg);
			lsum += bl;
			wsum += bw;
		}
		epoch_loss = wsum > 0 ? lsum / wsum : 0;
		if (progress != NULL && progress(e, epoch_loss, arg) != 0)
			break;
	}
	free(idx);
	return epoch_loss;
}

/* ---- quantization ---- */

int
dnsf_mlp_quantize(const struct dnsf_mlp *net, const struct dnsf_model_norm *norm, uint64_t schema,
                  const char *desc, const struct dnsf_mlp_data *calib, struct dnsf_model *out,
                  char *err, size_t errlen)
{
	double amax[DNSF_MLP_MAX_LAYERS] = {0};
	double s_in = 1.0 / 127.0; /* the network's input is q / 127 */
	unsigned L = net->n_layers;
	char why[160];

	if (dnsf_model_check_shape(L, net->width, err, errlen) < 0)
		return -1;
	if (calib == NULL || calib->n == 0 || calib->dim != net->width[0]) {
		seterr(err, errlen, "quantization needs a calibration set of %u-feature rows",
		       net->width[0]);
		return -1;
	}
	if (dnsf_model_init(out, schema, L, net->width, why, sizeof(why)) < 0) {
		seterr(err, errlen, "%s", why);
		return -1;
	}
	if (desc != NULL)
		snprintf(out->desc, sizeof(out->desc), "%s", desc);
	memcpy(out->norm, norm, net->width[0] * sizeof(norm[0]));

	/* Largest activation of each hidden layer over the calibration set maps to ACT_MAX. */
	for (size_t i = 0; i < calib->n; i++) {
		struct fwd f;

		forward(net, calib->x + i * calib->dim, &f);
		for (unsigned l = 0; l + 1 < L; l++)
			for (unsigned o = 0; o < net->width[l + 1]; o++)
				if (f.a[l + 1][o] > amax[l])
					amax[l] = f.a[l + 1][o];
	}

	for (unsigned l = 0; l < L; l++) {
		struct dnsf_model_layer *ql = &out->layer[l];
		unsigned ni = net->width[l], no = net->width[l + 1];
		int last = l + 1 == L;
		double s_out = last ? 1.0 / DNSF_MODEL_LUT_ONE
		                    : (amax[l] > 0 ? amax[l] / DNSF_MODEL_ACT_MAX : 1.0);
		double r[DNSF_MLP_MAX_WIDTH], rmax = 0;
		int e, rs;

		for (unsigned o = 0; o < no; o++) {
			const float *w = &net->w[l][o * ni];
			double wmax = 0, s_w, s_acc, bq;

			for (unsigned i = 0; i < ni; i++)
				wmax = fmax(wmax, fabs(w[i]));
			/* Symmetric per-output-channel scale; coarser if the bias would not fit. */
			s_w = wmax > 0 ? wmax / 127 : 1.0;
			s_w = fmax(s_w, fabs(net->b[l][o]) / ((double)DNSF_MODEL_BIAS_MAX * s_in));
			s_acc = s_in * s_w;
			for (unsigned i = 0; i < ni; i++) {
				long q = lround(w[i] / s_w);

				q = q > 127 ? 127 : q < -127 ? -127 : q;
				dnsf_model_set_weight(out, l, o, i, (int8_t)q);
			}
			bq = round(net->b[l][o] / s_acc);
			bq = fmin(fmax(bq, -(double)DNSF_MODEL_BIAS_MAX),
			          (double)DNSF_MODEL_BIAS_MAX);
			ql->bias[o] = (int32_t)bq;
			r[o] = s_acc / s_out;
			rmax = fmax(rmax, r[o]);
		}
		/* One shift per layer: the largest multiplier lands in [2^30, 2^31). */
		frexp(rmax, &e);
		rs = 31 - e;
		if (rs > DNSF_MODEL_SHIFT_MAX)
			rs = DNSF_MODEL_SHIFT_MAX;
		if (rs < DNSF_MODEL_SHIFT_MIN) {
			seterr(err, errlen, "layer %u: requantization scale %g too large", l, rmax);
			return -1;
		}
		ql->shift = (uint32_t)rs;
		for (unsigned o = 0; o < no; o++) {
			double mm = ldexp(r[o], rs);

			ql->mult[o] = (int32_t)fmin(round(mm), (double)INT32_MAX);
		}
		s_in = s_out;
	}
	if (dnsf_model_seal(out, why, sizeof(why)) < 0) {
		seterr(err, errlen, "quantized model is invalid: %s", why);
		return -1;
	}
	return 0;
}

int
dnsf_mlp_dequantize(const struct dnsf_model *m, struct dnsf_mlp *net, char *err, size_t errlen)
{
	double s_in = 1.0 / 127.0;

	if (net->n_layers != m->n_layers || net->width[0] != m->n_features) {
		seterr(err, errlen, "network and model shapes differ");
		return -1;
	}
	for (unsigned l = 0; l < m->n_layers; l++) {
		if (net->width[l + 1] != m->layer[l].n_out) {
			seterr(err, errlen, "network and model shapes differ at layer %u", l);
			return -1;
		}
	}
	memset(net->mw, 0, sizeof(net->mw));
	memset(net->vw, 0, sizeof(net->vw));
	memset(net->mb, 0, sizeof(net->mb));
	memset(net->vb, 0, sizeof(net->vb));
	net->adam_t = 0;
	for (unsigned l = 0; l < m->n_layers; l++) {
		const struct dnsf_model_layer *ql = &m->layer[l];
		/* ReLU commutes with positive scales, so any activation unit gives the same
		 * function; this one puts hidden activations in [0, 1] like the inputs. */
		double s_out =
		    l + 1 < m->n_layers ? 1.0 / DNSF_MODEL_ACT_MAX : 1.0 / DNSF_MODEL_LUT_ONE;

		for (unsigned o = 0; o < ql->n_out; o++) {
			double k = s_out * ldexp((double)ql->mult[o], -(int)ql->shift);

			for (unsigned i = 0; i < ql->n_in; i++)
				net->w[l][o * ql->n_in + i] =
				    (float)(k * dnsf_model_weight(m, l, o, i) / s_in);
			net->b[l][o] = (float)(k * ql->bias[o]);
		}
		s_in = s_out;
	}
	return 0;
}

double
dnsf_mlp_model_ref_score(const struct dnsf_model *m, const int32_t *features)
{
	double a[DNSF_MODEL_MAX_WIDTH] = {0}, z[DNSF_MODEL_MAX_WIDTH];

	for (unsigned f = 0; f < m->n_features; f++)
		a[f] = dnsf_model_norm_apply(&m->norm[f], features[f]);
	for (unsigned l = 0; l < m->n_layers; l++) {
		const struct dnsf_model_layer *ql = &m->layer[l];
		double k = ldexp(1.0, -(int)ql->shift);

		for (unsigned o = 0; o < ql->n_out; o++) {
			double s = ql->bias[o];

			for (unsigned i = 0; i < ql->n_in; i++)
				s += dnsf_model_weight(m, l, o, i) * a[i];
			z[o] = s * ql->mult[o] * k;
		}
		for (unsigned o = 0; o < ql->n_out; o++)
			a[o] = l + 1 < m->n_layers ? fmax(z[o], 0.0) : z[o];
	}
	return 1000.0 * sigmoid(a[0] / DNSF_MODEL_LUT_ONE);
}

void
dnsf_mlp_agreement(const struct dnsf_mlp *net, const struct dnsf_model *m, const int32_t *raw,
                   size_t n, size_t stride, struct dnsf_mlp_agreement *out)
{
	float x[DNSF_MODEL_MAX_IN];
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		const int32_t *row = raw + i * stride;
		double fs, rs, is, dabs;

		dnsf_mlp_normalize(m->norm, m->n_features, row, x);
		fs = dnsf_mlp_score(net, x);
		rs = dnsf_mlp_model_ref_score(m, row);
		is = dnsf_model_score(m, row);
		dabs = fabs(is - fs);
		sum += dabs;
		if (dabs > out->max_abs) {
			out->max_abs = dabs;
			out->worst = i;
		}
		out->max_weight_q = fmax(out->max_weight_q, fabs(rs - fs));
		out->max_act_q = fmax(out->max_act_q, fabs(is - rs));
	}
	out->mean_abs = n ? sum / (double)n : 0;
}
