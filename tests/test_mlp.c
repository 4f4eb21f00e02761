/* SPDX-License-Identifier: BSD-3-Clause */
/* The float MLP and its quantization: PRNG, normalisation fitting, backprop against finite
 * differences, reproducible training, toy problems learnt by both the float and the int8 network
 * on held-out data, and the integer-vs-float agreement bound (docs/model.md). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "dnsf_mlp.h"
#include "dnsf_model.h"

/* The agreement bounds docs/model.md states, |int8 score - float score| on the 0..1000 scale:
 * against the trained float network (weight quantization included), and against the float
 * network dequantized from the model (the integer arithmetic alone). */
#define AGREE_TOL     20.0
#define AGREE_TOL_DEQ 4.0

#define SCHEMA UINT64_C(0x00c0ffee00c0ffee)

static void
test_rng(void **state)
{
	struct dnsf_rng a, b;
	unsigned hist[10] = {0};
	double sum = 0, sum2 = 0;
	const int n = 200000;

	(void)state;
	/* splitmix64's published first output for seed 0. */
	dnsf_rng_seed(&a, 0);
	assert_true(dnsf_rng_next(&a) == UINT64_C(0xe220a8397b1dcdaf));

	dnsf_rng_seed(&a, 42);
	dnsf_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		assert_true(dnsf_rng_next(&a) == dnsf_rng_next(&b));
	dnsf_rng_seed(&b, 43);
	assert_true(dnsf_rng_next(&a) != dnsf_rng_next(&b));

	for (int i = 0; i < n; i++) {
		uint64_t k = dnsf_rng_below(&a, 10);
		double u = dnsf_rng_uniform(&a), g = dnsf_rng_normal(&a);

		assert_true(k < 10);
		assert_true(u >= 0.0 && u < 1.0);
		hist[k]++;
		sum += g;
		sum2 += g * g;
	}
	for (int k = 0; k < 10; k++)
		assert_true(hist[k] > n / 10 * 0.95 && hist[k] < n / 10 * 1.05);
	assert_true(fabs(sum / n) < 0.02);
	assert_true(fabs(sum2 / n - 1.0) < 0.03);
	assert_int_equal(dnsf_rng_below(&a, 1), 0);
}

/* A model around one normalisation, sealed: proves the loader would accept it. */
static void
assert_norm_loadable(const struct dnsf_model_norm *n)
{
	static const unsigned widths[] = {1, 1};
	struct dnsf_model *m = malloc(sizeof(*m));
	char err[160];

	assert_non_null(m);
	assert_int_equal(dnsf_model_init(m, 1, 1, widths, err, sizeof(err)), 0);
	m->norm[0] = *n;
	m->layer[0].shift = 30;
	if (dnsf_model_seal(m, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(m);
}

static void
test_fit_norm(void **state)
{
	int32_t v[1000];
	struct dnsf_model_norm n;

	(void)state;
	/* 0..999, every other slot of a stride-2 array. */
	{
		int32_t s[2000];

		for (int i = 0; i < 1000; i++) {
			s[2 * i] = 999 - i; /* unsorted input */
			s[2 * i + 1] = -77777;
		}
		assert_int_equal(dnsf_mlp_fit_norm(s, 1000, 2, 0.01, 0.99, &n), 0);
	}
	assert_int_equal(n.lo, 10);
	assert_int_equal(n.hi, 989);
	assert_int_equal(dnsf_model_norm_apply(&n, 10), -127);
	assert_int_equal(dnsf_model_norm_apply(&n, 0), -127);
	assert_true(dnsf_model_norm_apply(&n, 989) >= 126);
	assert_int_equal(dnsf_model_norm_apply(&n, 100000), dnsf_model_norm_apply(&n, 989));
	assert_true(abs(dnsf_model_norm_apply(&n, 500)) <= 1);
	assert_norm_loadable(&n);

	/* Constant: ignored whatever comes later. */
	for (int i = 0; i < 1000; i++)
		v[i] = 42;
	assert_int_equal(dnsf_mlp_fit_norm(v, 1000, 1, 0.01, 0.99, &n), 0);
	assert_int_equal(dnsf_model_norm_apply(&n, 42), 0);
	assert_int_equal(dnsf_model_norm_apply(&n, 1 << 30), 0);
	assert_norm_loadable(&n);

	/* A rare flag (0.5 % ones) survives: the fit falls back to min and max. */
	for (int i = 0; i < 1000; i++)
		v[i] = i % 200 == 7;
	assert_int_equal(dnsf_mlp_fit_norm(v, 1000, 1, 0.01, 0.99, &n), 0);
	assert_int_equal(dnsf_model_norm_apply(&n, 0), -127);
	assert_int_equal(dnsf_model_norm_apply(&n, 1), 127);
	assert_norm_loadable(&n);

	/* The whole int32 range: no overflow, ends saturate, order kept. */
	for (int i = 0; i < 1000; i++)
		v[i] = i < 500 ? INT32_MIN + i : INT32_MAX - i;
	assert_int_equal(dnsf_mlp_fit_norm(v, 1000, 1, 0.0, 1.0, &n), 0);
	assert_int_equal(dnsf_model_norm_apply(&n, INT32_MIN), -127);
	assert_int_equal(dnsf_model_norm_apply(&n, INT32_MAX), 127);
	assert_true(dnsf_model_norm_apply(&n, -1000000) < dnsf_model_norm_apply(&n, 1000000000));
	assert_norm_loadable(&n);

	/* Bad arguments. */
	assert_int_equal(dnsf_mlp_fit_norm(v, 0, 1, 0.01, 0.99, &n), -1);
	assert_int_equal(dnsf_mlp_fit_norm(v, 10, 1, 0.5, 0.5, &n), -1);
	assert_int_equal(dnsf_mlp_fit_norm(v, 10, 1, -0.1, 0.9, &n), -1);
	assert_int_equal(dnsf_mlp_fit_norm(v, 10, 1, 0.1, 1.1, &n), -1);
}

static void
test_create_checks(void **state)
{
	static const unsigned bad1[] = {4, 8, 2}, bad2[] = {0, 1}, bad3[] = {4, 65, 1};
	static const unsigned ok[] = {4, 8, 1};
	struct dnsf_mlp *net = NULL, *net2 = NULL;
	char err[160];

	(void)state;
	assert_int_equal(dnsf_mlp_create(2, bad1, 1, &net, err, sizeof(err)), -1);
	assert_null(net);
	assert_int_equal(dnsf_mlp_create(1, bad2, 1, &net, err, sizeof(err)), -1);
	assert_int_equal(dnsf_mlp_create(2, bad3, 1, &net, err, sizeof(err)), -1);
	assert_int_equal(dnsf_mlp_create(5, ok, 1, &net, err, sizeof(err)), -1);
	assert_int_equal(dnsf_mlp_create(2, ok, 7, &net, err, sizeof(err)), 0);
	assert_int_equal(dnsf_mlp_create(2, ok, 7, &net2, err, sizeof(err)), 0);
	/* Same seed, same initial weights; He bound for the first layer. */
	assert_memory_equal(net->w, net2->w, sizeof(net->w));
	for (unsigned k = 0; k < 32; k++)
		assert_true(fabsf(net->w[0][k]) <= sqrtf(6.0f / 4) && net->w[0][k] != 0.0f);
	dnsf_mlp_free(net2);
	assert_int_equal(dnsf_mlp_create(2, ok, 8, &net2, err, sizeof(err)), 0);
	assert_memory_not_equal(net->w, net2->w, sizeof(net->w));
	dnsf_mlp_free(net);
	dnsf_mlp_free(net2);
}

/* Backprop equals central finite differences of the same weighted loss. */
static void
test_gradient(void **state)
{
	static const unsigned widths[] = {3, 5, 4, 1};
	enum { N = 12 };
	float x[N * 3], sw[N];
	uint8_t y[N];
	struct dnsf_mlp_data d = {x, y, sw, N, 3};
	struct dnsf_mlp *net;
	struct dnsf_rng r;
	char err[160];
	unsigned checked = 0;

	(void)state;
	assert_int_equal(dnsf_mlp_create(3, widths, 11, &net, err, sizeof(err)), 0);
	dnsf_rng_seed(&r, 5);
	for (int i = 0; i < N; i++) {
		for (int f = 0; f < 3; f++)
			x[i * 3 + f] = (float)(2 * dnsf_rng_uniform(&r) - 1);
		y[i] = (uint8_t)(i % 3 == 0);
		sw[i] = (float)(0.5 + dnsf_rng_uniform(&r));
	}
	for (unsigned l = 0; l < 3; l++)
		for (unsigned o = 0; o < widths[l + 1]; o++)
			net->b[l][o] = (float)(0.3 * dnsf_rng_uniform(&r));

	dnsf_mlp_grad(net, &d, NULL, N, 2.0, 0.7);
	for (unsigned l = 0; l < 3; l++) {
		unsigned nw = widths[l] * widths[l + 1];

		for (unsigned k = 0; k < nw + widths[l + 1]; k++) {
			float *p = k < nw ? &net->w[l][k] : &net->b[l][k - nw];
			float g = k < nw ? net->gw[l][k] : net->gb[l][k - nw];
			float save = *p;
			const float h = 1e-2f;
			double lp, lm, num;

			*p = save + h;
			lp = dnsf_mlp_loss(net, &d, 2.0, 0.7);
			*p = save - h;
			lm = dnsf_mlp_loss(net, &d, 2.0, 0.7);
			*p = save;
			num = (lp - lm) / (2 * h);
			if (fabs(num - g) > 2e-3 + 0.02 * fabs(g))
				fail_msg("layer %u param %u: backprop %g, finite difference %g", l,
				         k, g, num);
			checked++;
		}
	}
	assert_int_equal(checked, 3 * 5 + 5 + 5 * 4 + 4 + 4 + 1);
	/* The loss is a weighted mean: doubling every sample weight changes nothing. */
	{
		double l1 = dnsf_mlp_loss(net, &d, 2.0, 0.7), l2;

		for (int i = 0; i < N; i++)
			sw[i] *= 2;
		l2 = dnsf_mlp_loss(net, &d, 2.0, 0.7);
		assert_true(fabs(l1 - l2) < 1e-9);
	}
	dnsf_mlp_free(net);
}

/* ---- toy problems ---- */

enum { NF = 6 };

struct toy {
	int32_t *raw; /* n x NF */
	uint8_t *y;
	float *x; /* normalised */
	size_t n;
};

/*
 * XOR of two informative features (clusters at (+-2, +-2), sd 0.5, scaled by 1000), plus noise
 * features: one wide Gaussian, one constant, one uniform 0..1e6, one flag. Positives are a
 * `pos_frac` share: the classes can be imbalanced.
 */
static void
make_toy(struct toy *t, size_t n, uint64_t seed, double pos_frac)
{
	struct dnsf_rng r;

	dnsf_rng_seed(&r, seed);
	t->n = n;
	t->raw = malloc(n * NF * sizeof(int32_t));
	t->y = malloc(n);
	t->x = malloc(n * NF * sizeof(float));
	assert_true(t->raw && t->y && t->x);
	for (size_t i = 0; i < n; i++) {
		int pos = dnsf_rng_uniform(&r) < pos_frac;
		int s0 = dnsf_rng_uniform(&r) < 0.5 ? -1 : 1;
		int s1 = pos ? -s0 : s0; /* label = sign(f0) != sign(f1) */
		int32_t *f = t->raw + i * NF;

		f[0] = (int32_t)lround(1000 * (2 * s0 + 0.5 * dnsf_rng_normal(&r)));
		f[1] = (int32_t)lround(1000 * (2 * s1 + 0.5 * dnsf_rng_normal(&r)));
		f[2] = (int32_t)lround(1e5 * dnsf_rng_normal(&r));
		f[3] = 7;
		f[4] = (int32_t)dnsf_rng_below(&r, 1000000);
		f[5] = (int32_t)dnsf_rng_below(&r, 2);
		t->y[i] = (uint8_t)pos;
	}
}

static void
free_toy(struct toy *t)
{
	free(t->raw);
	free(t->y);
	free(t->x);
}

struct trained {
	struct dnsf_mlp *net;
	struct dnsf_model *model;
	struct dnsf_model_norm norm[NF];
};

static void
train_toy(struct trained *tr, struct toy *train, uint64_t seed)
{
	static const unsigned widths[] = {NF, 16, 8, 1};
	struct dnsf_mlp_train_cfg cfg;
	struct dnsf_mlp_data d;
	char err[200];
	double loss;

	for (unsigned f = 0; f < NF; f++)
		assert_int_equal(
		    dnsf_mlp_fit_norm(train->raw + f, train->n, NF, 0.01, 0.99, &tr->norm[f]), 0);
	for (size_t i = 0; i < train->n; i++)
		dnsf_mlp_normalize(tr->norm, NF, train->raw + i * NF, train->x + i * NF);
	assert_int_equal(dnsf_mlp_create(3, widths, seed, &tr->net, err, sizeof(err)), 0);
	dnsf_mlp_train_defaults(&cfg);
	cfg.epochs = 25;
	cfg.batch = 32;
	cfg.seed = seed;
	d = (struct dnsf_mlp_data){train->x, train->y, NULL, train->n, NF};
	loss = dnsf_mlp_train(tr->net, &cfg, &d, NULL, NULL, err, sizeof(err));
	assert_true(loss >= 0 && loss < 0.1);
	tr->model = malloc(sizeof(*tr->model));
	assert_non_null(tr->model);
	if (dnsf_mlp_quantize(tr->net, tr->norm, SCHEMA, "toy", &d, tr->model, err, sizeof(err)) !=
	    0)
		fail_msg("quantize: %s", err);
}

/* Accuracy per class of the float and the int8 network (threshold 500). */
static void
accuracy(const struct trained *tr, const struct toy *t, double acc_f[2], double acc_i[2])
{
	size_t n[2] = {0}, ok_f[2] = {0}, ok_i[2] = {0};
	float x[NF];

	for (size_t i = 0; i < t->n; i++) {
		const int32_t *row = t->raw + i * NF;
		int y = t->y[i];

		dnsf_mlp_normalize(tr->norm, NF, row, x);
		n[y]++;
		ok_f[y] += (dnsf_mlp_score(tr->net, x) >= 500) == y;
		ok_i[y] += (dnsf_model_score(tr->model, row) >= 500) == y;
	}
	for (int c = 0; c < 2; c++) {
		acc_f[c] = (double)ok_f[c] / (double)n[c];
		acc_i[c] = (double)ok_i[c] / (double)n[c];
	}
}

static void
test_toy_xor(void **state)
{
	struct toy train, test;
	struct trained tr;
	double af[2], ai[2];
	struct dnsf_mlp_agreement ag;

	(void)state;
	make_toy(&train, 3000, 1, 0.5);
	make_toy(&test, 2000, 2, 0.5); /* held out: another seed */
	train_toy(&tr, &train, 3);
	accuracy(&tr, &test, af, ai);
	print_message("xor held-out accuracy: float %.4f/%.4f int8 %.4f/%.4f\n", af[0], af[1],
	              ai[0], ai[1]);
	for (int c = 0; c < 2; c++) {
		assert_true(af[c] > 0.95);
		assert_true(ai[c] > 0.95);
	}
	dnsf_mlp_agreement(tr.net, tr.model, test.raw, test.n, NF, &ag);
	print_message("xor agreement on held-out rows: max %.2f mean %.3f (weights %.2f, "
	              "activations %.2f)\n",
	              ag.max_abs, ag.mean_abs, ag.max_weight_q, ag.max_act_q);
	assert_int_equal(ag.n, test.n);
	assert_true(ag.max_abs <= AGREE_TOL);
	free_toy(&train);
	free_toy(&test);
	dnsf_mlp_free(tr.net);
	free(tr.model);
}

/* 5 % positives: the balanced class weights keep the rare class learnt. */
static void
test_toy_imbalanced(void **state)
{
	struct toy train, test;
	struct trained tr;
	double af[2], ai[2], pw, nw;
	struct dnsf_mlp_train_cfg cfg;
	struct dnsf_mlp_data d;

	(void)state;
	make_toy(&train, 4000, 4, 0.05);
	make_toy(&test, 4000, 5, 0.05);
	d = (struct dnsf_mlp_data){NULL, train.y, NULL, train.n, NF};
	dnsf_mlp_train_defaults(&cfg);
	dnsf_mlp_class_weights(&cfg, &d, &pw, &nw);
	assert_true(pw > 8 && pw < 12.5 && nw > 0.5 && nw < 0.55);
	train_toy(&tr, &train, 6);
	accuracy(&tr, &test, af, ai);
	print_message("imbalanced held-out accuracy: float %.4f/%.4f int8 %.4f/%.4f\n", af[0],
	              af[1], ai[0], ai[1]);
	for (int c = 0; c < 2; c++) {
		assert_true(af[c] > 0.95);
		assert_true(ai[c] > 0.95);
	}
	free_toy(&train);
	free_toy(&test);
	dnsf_mlp_free(tr.net);
	free(tr.model);
}

/* Agreement on random inputs, in and far outside the training range, and the quantized model
 * survives its own file format. */
static void
test_agreement_random(void **state)
{
	enum { N = 20000 };
	struct toy train;
	struct trained tr;
	struct dnsf_mlp_agreement ag;
	struct dnsf_rng r;
	int32_t *raw = malloc(N * NF * sizeof(int32_t));
	uint8_t *buf = malloc(DNSF_MODEL_MAX_FILE);
	struct dnsf_model *loaded;
	char err[200];
	size_t len;
	unsigned mid = 0;

	(void)state;
	assert_true(raw && buf);
	make_toy(&train, 3000, 7, 0.5);
	train_toy(&tr, &train, 8);
	dnsf_rng_seed(&r, 9);
	for (size_t i = 0; i < N * NF; i++) {
		switch (dnsf_rng_below(&r, 4)) {
		case 0: /* anywhere in int32 */
			raw[i] = (int32_t)(uint32_t)dnsf_rng_next(&r);
			break;
		default: /* around the training range of the informative features */
			raw[i] = (int32_t)dnsf_rng_below(&r, 8001) - 4000;
			break;
		}
	}
	dnsf_mlp_agreement(tr.net, tr.model, raw, N, NF, &ag);
	print_message("random-input agreement: max %.2f mean %.3f (weights %.2f, activations "
	              "%.2f)\n",
	              ag.max_abs, ag.mean_abs, ag.max_weight_q, ag.max_act_q);
	assert_true(ag.max_abs <= AGREE_TOL);
	/* The integer path is not trivially saturated: many scores are in between. */
	for (size_t i = 0; i < N; i++) {
		int32_t s = dnsf_model_score(tr.model, raw + i * NF);

		mid += s > 50 && s < 950;
	}
	assert_true(mid > N / 100);

	/* Dequantized: the float twin of the integer model agrees to the arithmetic's rounding. */
	{
		struct dnsf_mlp *dq;
		static const unsigned widths[] = {NF, 16, 8, 1};
		struct dnsf_mlp_agreement ag2;
		float x[NF];

		assert_int_equal(dnsf_mlp_create(3, widths, 1, &dq, err, sizeof(err)), 0);
		assert_int_equal(dnsf_mlp_dequantize(tr.model, dq, err, sizeof(err)), 0);
		dnsf_mlp_agreement(dq, tr.model, raw, N, NF, &ag2);
		print_message("dequantized-net agreement: max %.2f mean %.3f (weights %.3f)\n",
		              ag2.max_abs, ag2.mean_abs, ag2.max_weight_q);
		assert_true(ag2.max_abs <= AGREE_TOL_DEQ);
		/* It is the reference arithmetic, up to float rounding. */
		assert_true(ag2.max_weight_q < 0.05);
		for (size_t i = 0; i < 100; i++) {
			dnsf_mlp_normalize(tr.norm, NF, raw + i * NF, x);
			assert_true(fabs(dnsf_mlp_score(dq, x) -
			                 dnsf_mlp_model_ref_score(tr.model, raw + i * NF)) < 0.05);
		}
		/* Quantizing the dequantized network gives the model back, up to float rounding
		 * of the recomputed scales (a multiplier off by one flips a rounding now and then).
		 */
		{
			struct dnsf_model *m2 = malloc(sizeof(*m2));
			struct dnsf_mlp_data d = {train.x, train.y, NULL, train.n, NF};
			size_t same = 0;

			assert_non_null(m2);
			assert_int_equal(
			    dnsf_mlp_quantize(dq, tr.norm, SCHEMA, "toy", &d, m2, err, sizeof(err)),
			    0);
			for (size_t i = 0; i < N; i++) {
				int32_t s1 = dnsf_model_score(m2, raw + i * NF);
				int32_t s0 = dnsf_model_score(tr.model, raw + i * NF);

				assert_true(abs(s1 - s0) <= AGREE_TOL_DEQ);
				same += s1 == s0;
			}
			assert_true(same > N * 99 / 100);
			free(m2);
		}
		/* Shape mismatch is refused. */
		{
			static const unsigned other[] = {NF, 8, 1};
			struct dnsf_mlp *o;

			assert_int_equal(dnsf_mlp_create(2, other, 1, &o, err, sizeof(err)), 0);
			assert_int_equal(dnsf_mlp_dequantize(tr.model, o, err, sizeof(err)), -1);
			dnsf_mlp_free(o);
		}
		dnsf_mlp_free(dq);
	}

	len = dnsf_model_serialize(tr.model, buf, DNSF_MODEL_MAX_FILE);
	assert_true(len > 0);
	assert_int_equal(dnsf_model_load_mem(buf, len, SCHEMA, NF, &loaded, err, sizeof(err)), 0);
	assert_string_equal(loaded->desc, "toy");
	for (size_t i = 0; i < N; i++)
		assert_int_equal(dnsf_model_score(loaded, raw + i * NF),
		                 dnsf_model_score(tr.model, raw + i * NF));
	dnsf_model_free(loaded);
	free(raw);
	free(buf);
	free_toy(&train);
	dnsf_mlp_free(tr.net);
	free(tr.model);
}

static int
stop_after_two(unsigned epoch, double loss, void *arg)
{
	(void)loss;
	(*(unsigned *)arg)++;
	return epoch == 1;
}

/* Same data and seeds: bit-identical network; another shuffle seed: another network. */
static void
test_reproducible(void **state)
{
	static const unsigned widths[] = {NF, 8, 1};
	struct toy t;
	struct dnsf_model_norm norm[NF];
	struct dnsf_mlp *a, *b, *c;
	struct dnsf_mlp_train_cfg cfg;
	struct dnsf_mlp_data d;
	char err[160];
	double la, lb;
	unsigned calls = 0;

	(void)state;
	make_toy(&t, 500, 10, 0.5);
	for (unsigned f = 0; f < NF; f++)
		assert_int_equal(dnsf_mlp_fit_norm(t.raw + f, t.n, NF, 0.01, 0.99, &norm[f]), 0);
	for (size_t i = 0; i < t.n; i++)
		dnsf_mlp_normalize(norm, NF, t.raw + i * NF, t.x + i * NF);
	d = (struct dnsf_mlp_data){t.x, t.y, NULL, t.n, NF};
	dnsf_mlp_train_defaults(&cfg);
	cfg.epochs = 5;
	assert_int_equal(dnsf_mlp_create(2, widths, 1, &a, err, sizeof(err)), 0);
	assert_int_equal(dnsf_mlp_create(2, widths, 1, &b, err, sizeof(err)), 0);
	assert_int_equal(dnsf_mlp_create(2, widths, 1, &c, err, sizeof(err)), 0);
	la = dnsf_mlp_train(a, &cfg, &d, NULL, NULL, err, sizeof(err));
	lb = dnsf_mlp_train(b, &cfg, &d, NULL, NULL, err, sizeof(err));
	assert_true(la == lb);
	assert_memory_equal(a->w, b->w, sizeof(a->w));
	assert_memory_equal(a->b, b->b, sizeof(a->b));
	cfg.seed = 2;
	dnsf_mlp_train(c, &cfg, &d, NULL, NULL, err, sizeof(err));
	assert_memory_not_equal(a->w, c->w, sizeof(a->w));

	/* Progress sees every epoch and can stop training early. */
	dnsf_mlp_train(c, &cfg, &d, stop_after_two, &calls, err, sizeof(err));
	assert_int_equal(calls, 2);

	/* Bad input is an error, not a crash. */
	d.dim = NF + 1;
	assert_true(dnsf_mlp_train(a, &cfg, &d, NULL, NULL, err, sizeof(err)) < 0);
	d.dim = NF;
	d.n = 0;
	assert_true(dnsf_mlp_train(a, &cfg, &d, NULL, NULL, err, sizeof(err)) < 0);
	{
		struct dnsf_model *m = malloc(sizeof(*m));

		assert_int_equal(dnsf_mlp_quantize(a, norm, SCHEMA, "x", &d, m, err, sizeof(err)),
		                 -1);
		assert_int_equal(dnsf_mlp_quantize(a, norm, SCHEMA, "x", NULL, m, err, sizeof(err)),
		                 -1);
		free(m);
	}
	dnsf_mlp_free(a);
	dnsf_mlp_free(b);
	dnsf_mlp_free(c);
	free_toy(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng),
	    cmocka_unit_test(test_fit_norm),
	    cmocka_unit_test(test_create_checks),
	    cmocka_unit_test(test_gradient),
	    cmocka_unit_test(test_toy_xor),
	    cmocka_unit_test(test_toy_imbalanced),
	    cmocka_unit_test(test_agreement_random),
	    cmocka_unit_test(test_reproducible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
