/* SPDX-License-Identifier: BSD-3-Clause */
/* The integer classifier: arithmetic against an independent reference written from docs/model.md,
 * the sigmoid table, the file format round trip, and every way a model file can be broken
 * (truncated, flipped, re-checksummed with absurd values, wrong schema, trailing bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dnsf_model.h"

#define SCHEMA UINT64_C(0x5eed5eed12345678)

/* ---- helpers ---- */

static uint64_t rs = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	/* xorshift64: independent of the library's PRNG on purpose. */
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static int64_t
rnd_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* FNV-1a 64, written again here so a bug in the library's checksum cannot hide itself. */
static uint64_t
fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n--) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Recompute the trailing checksum after editing a serialised model. */
static void
resum(uint8_t *buf, size_t len)
{
	uint64_t h = fnv(buf, len - 8);

	for (int i = 0; i < 8; i++)
		buf[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
random_norm(struct dnsf_model_norm *n)
{
	int64_t lo = rnd_in(-100000, 100000), range = rnd_in(0, 5000);

	memset(n, 0, sizeof(*n));
	n->lo = (int32_t)lo;
	n->hi = (int32_t)(lo + range);
	if (range == 0) {
		n->add = 127;
		return;
	}
	n->shift = 24;
	n->mult = (uint32_t)((UINT64_C(254) << 24) / (uint64_t)range);
	n->add = 1u << 23;
}

/* A valid model of the given shape with random contents (sealed). */
static void
random_model(struct dnsf_model *m, unsigned n_layers, const unsigned *widths)
{
	char err[160];

	assert_int_equal(dnsf_model_init(m, SCHEMA, n_layers, widths, err, sizeof(err)), 0);
	snprintf(m->desc, sizeof(m->desc), "random %u-layer test model", n_layers);
	for (unsigned f = 0; f < widths[0]; f++)
		random_norm(&m->norm[f]);
	for (unsigned l = 0; l < n_layers; l++) {
		struct dnsf_model_layer *ql = &m->layer[l];

		/* Mostly shifts that keep activations off the clamps, sometimes the extremes. */
		ql->shift = (uint32_t)(rnd() % 8 == 0 ? rnd_in(1, 62) : rnd_in(34, 44));
		for (unsigned o = 0; o < widths[l + 1]; o++) {
			ql->bias[o] = (int32_t)(rnd() % 16 == 0 ? rnd_in(-(1 << 30), 1 << 30)
			                                        : rnd_in(-20000, 20000));
			ql->mult[o] = (int32_t)(rnd() % 16 == 0 ? rnd_in(0, INT32_MAX)
			                                        : rnd_in(1 << 29, INT32_MAX));
			for (unsigned i = 0; i < widths[l]; i++)
				dnsf_model_set_weight(m, l, o, i, (int8_t)rnd_in(-127, 127));
		}
	}
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), 0);
}

/* The documented arithmetic, in the plainest int64 code: returns the sigmoid table index. */
static unsigned
ref_index(const struct dnsf_model *m, const int32_t *x)
{
	int64_t a[DNSF_MODEL_MAX_WIDTH] = {0}, z[DNSF_MODEL_MAX_WIDTH];

	for (unsigned f = 0; f < m->n_features; f++) {
		const struct dnsf_model_norm *n = &m->norm[f];
		int64_t c = x[f] < n->lo ? n->lo : x[f] > n->hi ? n->hi : x[f];
		uint64_t u = (uint64_t)(c - n->lo) * n->mult + n->add;

		a[f] = (int64_t)(u >> n->shift) - 127;
	}
	for (unsigned l = 0; l < m->n_layers; l++) {
		const struct dnsf_model_layer *ql = &m->layer[l];

		for (unsigned o = 0; o < ql->n_out; o++) {
			int64_t acc = ql->bias[o];

			for (unsigned i = 0; i < ql->n_in; i++)
				acc += (int64_t)dnsf_model_weight(m, l, o, i) * a[i];
			z[o] = (acc * ql->mult[o] + ((INT64_C(1) << ql->shift) >> 1)) >> ql->shift;
		}
		for (unsigned o = 0; o < ql->n_out; o++) {
			if (l + 1 < m->n_layers)
				a[o] = z[o] < 0 ? 0 : z[o] > 32767 ? 32767 : z[o];
			else
				a[o] = z[o];
		}
	}
	a[0] += DNSF_MODEL_LUT_HALF;
	return (unsigned)(a[0] < 0                         ? 0
	                  : a[0] > 2 * DNSF_MODEL_LUT_HALF ? 2 * DNSF_MODEL_LUT_HALF
	                                                   : a[0]);
}

static void
random_features(int32_t *x, unsigned n)
{
	for (unsigned f = 0; f < n; f++) {
		switch (rnd() % 6) {
		case 0:
			x[f] = INT32_MIN + (int32_t)(rnd() % 3);
			break;
		case 1:
			x[f] = INT32_MAX - (int32_t)(rnd() % 3);
			break;
		default:
			x[f] = (int32_t)rnd_in(-110000, 110000);
			break;
		}
	}
}

static size_t
serialize(const struct dnsf_model *m, uint8_t *buf)
{
	size_t len = dnsf_model_serialize(m, buf, DNSF_MODEL_MAX_FILE);

	assert_true(len > 0);
	assert_int_equal(len, dnsf_model_file_size(m));
	return len;
}

/* Loading must fail with a one-line message containing `what`. */
static void
expect_fail(const uint8_t *buf, size_t len, const char *what)
{
	struct dnsf_model *m = (struct dnsf_model *)1;
	char err[256] = "";

	assert_int_equal(dnsf_model_load_mem(buf, len, SCHEMA, 6, &m, err, sizeof(err)), -1);
	assert_null(m);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	if (what != NULL && strstr(err, what) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, what);
}

/* A 6 -> 16 -> 8 -> 1 model serialised into buf, and the offsets of its fields. */
struct fixture {
	struct dnsf_model m;
	uint8_t buf[DNSF_MODEL_MAX_FILE];
	size_t len;
	size_t norm0;    /* first feature's normalisation */
	size_t layer[3]; /* each layer's header */
};

static struct fixture *
make_fixture(void)
{
	static const unsigned widths[] = {6, 16, 8, 1};
	struct fixture *fx = malloc(sizeof(*fx));
	size_t off;

	assert_non_null(fx);
	random_model(&fx->m, 3, widths);
	fx->len = serialize(&fx->m, fx->buf);
	fx->norm0 = 36 + strlen(fx->m.desc);
	off = fx->norm0 + 6 * 20;
	for (unsigned l = 0; l < 3; l++) {
		fx->layer[l] = off;
		off += 12 + widths[l + 1] * 8 + widths[l + 1] * widths[l];
	}
	assert_int_equal(off + 8, fx->len);
	return fx;
}

/* ---- tests ---- */

static void
test_sigmoid_table(void **state)
{
	(void)state;
	for (unsigned i = 0; i <= 2 * DNSF_MODEL_LUT_HALF; i++) {
		double z = ((double)i - DNSF_MODEL_LUT_HALF) / DNSF_MODEL_LUT_ONE;
		double want = 1000.0 / (1.0 + exp(-z));

		assert_true(fabs(dnsf_model_lut(i) - want) <= 0.5 + 1e-9);
		if (i > 0)
			assert_true(dnsf_model_lut(i) >= dnsf_model_lut(i - 1));
	}
	assert_int_equal(dnsf_model_lut(0), 0);
	assert_int_equal(dnsf_model_lut(DNSF_MODEL_LUT_HALF), 500);
	assert_int_equal(dnsf_model_lut(2 * DNSF_MODEL_LUT_HALF), 1000);
	assert_int_equal(dnsf_model_lut(2 * DNSF_MODEL_LUT_HALF + 1), -1);
}

static void
test_normalisation(void **state)
{
	struct dnsf_model_norm id = {.lo = 0, .hi = 254, .mult = 1, .add = 0, .shift = 0};
	struct dnsf_model_norm ig = {.lo = 5, .hi = 5, .mult = 0, .add = 127, .shift = 0};
	/* [-1000, 1000] onto [-127, 127] as the trainer fits it. */
	struct dnsf_model_norm fit = {
	    .lo = -1000, .hi = 1000, .mult = (254u << 24) / 2000, .add = 1u << 23, .shift = 24};
	/* The whole int32 range (what the trainer's guard allows at most). */
	struct dnsf_model_norm wide = {.lo = INT32_MIN,
	                               .hi = 2113929216, /* lo + 254 * 2^24 */
	                               .mult = 1,
	                               .add = 1u << 23,
	                               .shift = 24};

	(void)state;
	assert_int_equal(dnsf_model_norm_apply(&id, 0), -127);
	assert_int_equal(dnsf_model_norm_apply(&id, 127), 0);
	assert_int_equal(dnsf_model_norm_apply(&id, 254), 127);
	assert_int_equal(dnsf_model_norm_apply(&id, 255), 127);
	assert_int_equal(dnsf_model_norm_apply(&id, -5), -127);
	assert_int_equal(dnsf_model_norm_apply(&id, INT32_MIN), -127);
	assert_int_equal(dnsf_model_norm_apply(&id, INT32_MAX), 127);
	assert_int_equal(dnsf_model_norm_apply(&ig, 5), 0);
	assert_int_equal(dnsf_model_norm_apply(&ig, INT32_MAX), 0);
	assert_int_equal(dnsf_model_norm_apply(&ig, INT32_MIN), 0);
	assert_int_equal(dnsf_model_norm_apply(&fit, -1000), -127);
	assert_int_equal(dnsf_model_norm_apply(&fit, 0), 0);
	assert_int_equal(dnsf_model_norm_apply(&fit, 1000), 127);
	/* 63.5 in reals; the multiplier is rounded down, so (1500 * mult + 2^23) >> 24 = 190. */
	assert_int_equal(dnsf_model_norm_apply(&fit, 500), 63);
	assert_int_equal(dnsf_model_norm_apply(&fit, -500), -64);
	assert_int_equal(dnsf_model_norm_apply(&wide, INT32_MIN), -127);
	assert_int_equal(dnsf_model_norm_apply(&wide, INT32_MAX), 127);
	assert_int_equal(dnsf_model_norm_apply(&wide, 0), 1); /* 2^31 / 2^24 = 128 - 127 */
	/* Monotone over a sweep. */
	for (int32_t x = -1200, prev = -127; x <= 1200; x += 7) {
		int32_t q = dnsf_model_norm_apply(&fit, x);

		assert_true(q >= prev && q >= -127 && q <= 127);
		prev = q;
	}
}

/* One layer, two features, exact requantization: score = table[bias + 64 q0 - 32 q1 + 512]. */
static void
test_hand_logistic(void **state)
{
	static const unsigned widths[] = {2, 1};
	struct dnsf_model *m = malloc(sizeof(*m));
	struct dnsf_model_norm id = {.lo = 0, .hi = 254, .mult = 1, .add = 0, .shift = 0};
	char err[160];
	static const struct {
		int32_t x0, x1;
		int idx;
	} cases[] = {
	    {127, 127, 512 + 10},      /* q = 0, 0: bias only */
	    {128, 127, 512 + 10 + 64}, /* q0 = 1: one logit unit up */
	    {127, 129, 512 + 10 - 64}, /* q1 = 2 */
	    {254, 0, 1024},            /* 64*127 + 32*127 saturates the table */
	    {0, 254, 0},               /* and the other end */
	    {127 + 3, 127 + 5, 512 + 10 + 192 - 160},
	};

	(void)state;
	assert_non_null(m);
	assert_int_equal(dnsf_model_init(m, SCHEMA, 1, widths, err, sizeof(err)), 0);
	m->norm[0] = id;
	m->norm[1] = id;
	m->layer[0].bias[0] = 10;
	m->layer[0].mult[0] = 1 << 30;
	m->layer[0].shift = 30; /* multiplier exactly 1 */
	dnsf_model_set_weight(m, 0, 0, 0, 64);
	dnsf_model_set_weight(m, 0, 0, 1, -32);
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t x[2] = {cases[i].x0, cases[i].x1};

		assert_int_equal(dnsf_model_score(m, x), dnsf_model_lut((unsigned)cases[i].idx));
	}

	/* Requantization rounds half up: multiplier 1/2. */
	m->layer[0].shift = 31;
	m->layer[0].bias[0] = 3; /* 1.5 -> 2 */
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), 0);
	{
		int32_t x[2] = {127, 127};

		assert_int_equal(dnsf_model_score(m, x), dnsf_model_lut(512 + 2));
		m->layer[0].bias[0] = -3; /* -1.5 -> -1 */
		assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), 0);
		assert_int_equal(dnsf_model_score(m, x), dnsf_model_lut(512 - 1));
	}
	free(m);
}

/* Two layers: ReLU zeroes a negative unit, a large one saturates at 32767. */
static void
test_hand_hidden(void **state)
{
	static const unsigned widths[] = {1, 3, 1};
	struct dnsf_model *m = malloc(sizeof(*m));
	struct dnsf_model_norm id = {.lo = 0, .hi = 254, .mult = 1, .add = 0, .shift = 0};
	char err[160];
	unsigned saturated = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(dnsf_model_init(m, SCHEMA, 2, widths, err, sizeof(err)), 0);
	m->norm[0] = id;
	m->layer[0].shift = 26;
	m->layer[0].mult[0] = 1 << 26;   /* h0 = q */
	m->layer[0].mult[1] = 1 << 26;   /* h1 = -q */
	m->layer[0].mult[2] = INT32_MAX; /* h2 = 100 q * (2^31 - 1) / 2^26, about 3200 q */
	dnsf_model_set_weight(m, 0, 0, 0, 1);
	dnsf_model_set_weight(m, 0, 1, 0, -1);
	dnsf_model_set_weight(m, 0, 2, 0, 100);
	m->layer[1].shift = 37; /* multiplier 2^30 / 2^37 = 1/128 */
	m->layer[1].mult[0] = 1 << 30;
	dnsf_model_set_weight(m, 1, 0, 0, 127);
	dnsf_model_set_weight(m, 1, 0, 1, 127);
	dnsf_model_set_weight(m, 1, 0, 2, 1);
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), 0);
	for (int32_t q = -127; q <= 127; q++) {
		int32_t x = q + 127;
		int64_t h0 = q > 0 ? q : 0, h1 = -q > 0 ? -q : 0;
		int64_t h2 = (100 * (int64_t)q * INT32_MAX + (1 << 25)) >> 26;
		int64_t idx;

		h2 = h2 < 0 ? 0 : h2 > 32767 ? 32767 : h2;
		saturated += h2 == 32767;
		idx = ((127 * h0 + 127 * h1 + h2) * (1 << 30) + (INT64_C(1) << 36)) >> 37;
		assert_true(idx + 512 <= 1024);
		assert_int_equal(dnsf_model_score(m, &x), dnsf_model_lut((unsigned)(idx + 512)));
	}
	assert_true(saturated > 100);
	free(m);
}

/* Random shapes and contents, extreme inputs: bit-exact with the reference, always 0..1000. */
static void
test_random_vs_reference(void **state)
{
	static const unsigned shapes[][5] = {
	    {1, 1},      {24, 32, 16, 1}, {32, 64, 64, 64, 1},
	    {7, 17, 1},  {2, 1, 1},       {5, 48, 3, 33, 1},
	    {16, 16, 1}, {31, 63, 1},     {24, 1},
	};
	static const unsigned nl[] = {1, 3, 4, 2, 2, 4, 2, 2, 1};
	struct dnsf_model *m = malloc(sizeof(*m));
	int32_t x[DNSF_MODEL_MAX_IN];
	unsigned hist[3] = {0};

	(void)state;
	assert_non_null(m);
	for (unsigned s = 0; s < sizeof(nl) / sizeof(nl[0]); s++) {
		for (int rep = 0; rep < 20; rep++) {
			random_model(m, nl[s], shapes[s]);
			for (int k = 0; k < 200; k++) {
				int32_t sc;

				random_features(x, shapes[s][0]);
				sc = dnsf_model_score(m, x);
				assert_true(sc >= 0 && sc <= DNSF_MODEL_SCORE_MAX);
				assert_int_equal(sc, dnsf_model_lut(ref_index(m, x)));
				hist[sc == 0 ? 0 : sc == 1000 ? 2 : 1]++;
			}
		}
	}
	/* The random models must exercise the middle of the table, not only its ends. */
	assert_true(hist[1] > 1000);
	free(m);
}

static void
test_round_trip(void **state)
{
	static const unsigned widths[] = {24, 32, 16, 1};
	struct dnsf_model *m = malloc(sizeof(*m)), *l1 = NULL, *l2 = NULL;
	uint8_t *buf = malloc(DNSF_MODEL_MAX_FILE), *buf2 = malloc(DNSF_MODEL_MAX_FILE);
	char path[256], err[256];
	const char *dir = getenv("TMPDIR");
	size_t len;
	int fd;

	(void)state;
	assert_non_null(m);
	random_model(m, 3, widths);
	len = serialize(m, buf);
	assert_int_equal(dnsf_model_checksum(buf, len - 8), fnv(buf, len - 8));

	assert_int_equal(dnsf_model_load_mem(buf, len, SCHEMA, 24, &l1, err, sizeof(err)), 0);
	assert_non_null(l1);
	assert_string_equal(l1->desc, m->desc);
	assert_int_equal(l1->schema, SCHEMA);
	/* Re-serialising the loaded model gives the same bytes. */
	assert_int_equal(dnsf_model_serialize(l1, buf2, DNSF_MODEL_MAX_FILE), len);
	assert_memory_equal(buf, buf2, len);

	snprintf(path, sizeof(path), "%s/dnsf_model_XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dnsf_model_save(m, path, err, sizeof(err)), 0);
	assert_int_equal(dnsf_model_load(path, SCHEMA, 24, &l2, err, sizeof(err)), 0);
	assert_non_null(l2);
	for (int k = 0; k < 5000; k++) {
		int32_t x[24];
		int32_t s;

		random_features(x, 24);
		s = dnsf_model_score(m, x);
		assert_int_equal(dnsf_model_score(l1, x), s);
		assert_int_equal(dnsf_model_score(l2, x), s);
	}
	unlink(path);
	dnsf_model_free(l1);
	dnsf_model_free(l2);
	free(m);
	free(buf);
	free(buf2);
}

static void
test_truncated_everywhere(void **state)
{
	struct fixture *fx = make_fixture();

	(void)state;
	expect_fail(fx->buf, 0, "magic");
	for (size_t len = 8; len < fx->len; len++)
		expect_fail(fx->buf, len, "truncated");
	/* The whole file loads: the failures above are the truncation. */
	{
		struct dnsf_model *m;
		char err[256];

		assert_int_equal(
		    dnsf_model_load_mem(fx->buf, fx->len, SCHEMA, 6, &m, err, sizeof(err)), 0);
		dnsf_model_free(m);
	}
	free(fx);
}

static void
test_flipped_everywhere(void **state)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x10};
	struct fixture *fx = make_fixture();

	(void)state;
	for (size_t i = 0; i < fx->len; i++) {
		for (size_t k = 0; k < sizeof(masks); k++) {
			fx->buf[i] ^= masks[k];
			/* Any message will do; the point is that every flip is refused. */
			expect_fail(fx->buf, fx->len, NULL);
			fx->buf[i] ^= masks[k];
		}
	}
	/* Flips past the header are caught by the checksum. */
	fx->buf[fx->len / 2] ^= 0x04;
	expect_fail(fx->buf, fx->len, "checksum");
	free(fx);
}

static void
test_header_errors(void **state)
{
	struct fixture *fx = make_fixture();
	uint8_t *big = calloc(1, DNSF_MODEL_MAX_FILE + 10);
	struct dnsf_model *m;
	char err[256];

	(void)state;
	/* Wrong magic / version / flags. */
	fx->buf[0] = 'X';
	expect_fail(fx->buf, fx->len, "magic");
	fx->buf[0] = 'D';
	put32(fx->buf + 8, 2);
	resum(fx->buf, fx->len);
	expect_fail(fx->buf, fx->len, "version 2");
	put32(fx->buf + 8, DNSF_MODEL_VERSION);
	put32(fx->buf + 12, 1);
	resum(fx->buf, fx->len);
	expect_fail(fx->buf, fx->len, "flags");
	put32(fx->buf + 12, 0);
	resum(fx->buf, fx->len);

	/* Another schema, another feature count. */
	assert_int_equal(dnsf_model_load_mem(fx->buf, fx->len, SCHEMA + 1, 6, &m, err, sizeof(err)),
	                 -1);
	assert_null(m);
	assert_non_null(strstr(err, "schema"));
	assert_int_equal(dnsf_model_load_mem(fx->buf, fx->len, SCHEMA, 7, &m, err, sizeof(err)),
	                 -1);
	assert_null(m);
	assert_non_null(strstr(err, "6 features"));

	/* Trailing garbage. */
	memset(fx->buf + fx->len, 0, 5);
	expect_fail(fx->buf, fx->len + 5, "trailing");
	expect_fail(fx->buf, fx->len + 1, "trailing");

	/* Far too large. */
	memcpy(big, fx->buf, fx->len);
	expect_fail(big, DNSF_MODEL_MAX_FILE + 1, "larger");
	free(big);

	/* The untouched file still loads. */
	assert_int_equal(dnsf_model_load_mem(fx->buf, fx->len, SCHEMA, 6, &m, err, sizeof(err)), 0);
	dnsf_model_free(m);
	free(fx);
}

/* Edit one u32 field, fix the checksum, expect `what`; then restore. */
static void
bad_u32(struct fixture *fx, size_t off, uint32_t v, const char *what)
{
	uint8_t save[4];

	memcpy(save, fx->buf + off, 4);
	put32(fx->buf + off, v);
	resum(fx->buf, fx->len);
	expect_fail(fx->buf, fx->len, what);
	memcpy(fx->buf + off, save, 4);
	resum(fx->buf, fx->len);
}

static void
test_absurd_values(void **state)
{
	struct fixture *fx = make_fixture();
	size_t l0 = fx->layer[0], l1 = fx->layer[1], l2 = fx->layer[2];
	size_t w0 = l0 + 12 + 16 * 8; /* first weight of layer 0 */
	struct dnsf_model *m;
	char err[256];

	(void)state;
	/* Shapes. */
	bad_u32(fx, 28, 0, "0 layers");
	bad_u32(fx, 28, 5, "5 layers");
	bad_u32(fx, 28, UINT32_MAX, "layers");
	bad_u32(fx, 24, 0, "0 features");
	{
		char many[32];
		snprintf(many, sizeof(many), "%u features", DNSF_MODEL_MAX_IN + 1);
		bad_u32(fx, 24, DNSF_MODEL_MAX_IN + 1, many);
	}
	bad_u32(fx, 24, UINT32_MAX, "features");
	bad_u32(fx, 24, 5, "inputs"); /* layer 0 no longer chains */
	bad_u32(fx, 28, 2, "last layer");
	bad_u32(fx, 28, 4, "truncated");
	bad_u32(fx, l0 + 4, 0, "0 outputs");
	bad_u32(fx, l0 + 4, 65, "65 outputs");
	bad_u32(fx, l0 + 4, UINT32_MAX, "outputs");
	bad_u32(fx, l0 + 4, 64, "truncated");
	bad_u32(fx, l0 + 4, 15, "inputs"); /* layer 1 expects 16 */
	bad_u32(fx, l1, 17, "inputs");
	bad_u32(fx, l2 + 4, 2, "last layer");
	bad_u32(fx, 32, 128, "description");
	bad_u32(fx, 32, UINT32_MAX, "description");
	bad_u32(fx, 32, 0, NULL); /* everything after it shifts: some check refuses it */

	/* Ranges. */
	bad_u32(fx, l0 + 8, 0, "shift 0");
	bad_u32(fx, l0 + 8, 63, "shift 63");
	bad_u32(fx, l2 + 8, UINT32_MAX, "shift");
	bad_u32(fx, l0 + 12, (1u << 30) + 1, "bias"); /* bias of output 0 */
	bad_u32(fx, l0 + 12, (uint32_t)INT32_MIN, "bias");
	bad_u32(fx, l0 + 16, 0x80000000u, "multiplier");                  /* mult of output 0 */
	bad_u32(fx, fx->norm0 + 16, 32, "normalisation");                 /* shift */
	bad_u32(fx, fx->norm0 + 0, (uint32_t)INT32_MAX, "normalisation"); /* lo > hi */
	bad_u32(fx, fx->norm0 + 8, UINT32_MAX, "normalisation");          /* mult overflows */
	bad_u32(fx, fx->norm0 + 12, UINT32_MAX, "normalisation");         /* add overflows */
	{
		uint8_t save = fx->buf[w0];

		fx->buf[w0] = 0x80; /* weight -128 */
		resum(fx->buf, fx->len);
		expect_fail(fx->buf, fx->len, "-128");
		fx->buf[w0] = save;
		fx->buf[36] = '\n'; /* description byte */
		resum(fx->buf, fx->len);
		expect_fail(fx->buf, fx->len, "non-printable");
		fx->buf[36] = '\0'; /* a NUL would silently shorten it */
		resum(fx->buf, fx->len);
		expect_fail(fx->buf, fx->len, "non-printable");
		fx->buf[36] = 'r';
		resum(fx->buf, fx->len);
	}
	assert_int_equal(dnsf_model_load_mem(fx->buf, fx->len, SCHEMA, 6, &m, err, sizeof(err)), 0);
	dnsf_model_free(m);
	free(fx);
}

/* Random edits with a fixed-up checksum: never a crash; what loads scores in range. */
static void
test_mutations(void **state)
{
	struct fixture *fx = make_fixture();
	uint8_t *b = malloc(DNSF_MODEL_MAX_FILE);
	unsigned loaded = 0;

	(void)state;
	for (int it = 0; it < 20000; it++) {
		struct dnsf_model *m = NULL;
		char err[256];
		int n = 1 + (int)(rnd() % 4);

		memcpy(b, fx->buf, fx->len);
		for (int k = 0; k < n; k++) {
			size_t at = (size_t)(rnd() % (fx->len - 8));

			/* Small numbers in small fields are the interesting edits. */
			b[at] = (uint8_t)(rnd() % 3 == 0 ? rnd() % 4 : rnd());
		}
		resum(b, fx->len);
		if (dnsf_model_load_mem(b, fx->len, SCHEMA, 6, &m, err, sizeof(err)) == 0) {
			int32_t x[6];

			loaded++;
			for (int k = 0; k < 20; k++) {
				int32_t s;

				random_features(x, 6);
				s = dnsf_model_score(m, x);
				assert_true(s >= 0 && s <= 1000);
				assert_int_equal(s, dnsf_model_lut(ref_index(m, x)));
			}
			dnsf_model_free(m);
		} else {
			assert_null(m);
			assert_true(err[0] != '\0');
		}
	}
	/* Weight and bias edits keep a file valid: both outcomes were exercised. */
	assert_true(loaded > 100 && loaded < 20000);
	free(b);
	free(fx);
}

static void
test_file_errors(void **state)
{
	struct fixture *fx = make_fixture();
	const char *dir = getenv("TMPDIR");
	struct dnsf_model *m;
	char path[256], err[512];
	FILE *f;

	(void)state;
	assert_int_equal(dnsf_model_load("/nonexistent/model.bin", SCHEMA, 6, &m, err, sizeof(err)),
	                 -1);
	assert_null(m);
	assert_non_null(strstr(err, "/nonexistent/model.bin"));
	assert_int_equal(dnsf_model_load("/", SCHEMA, 6, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "regular file"));

	/* A FIFO nobody writes to is refused at once, not waited on. */
	snprintf(path, sizeof(path), "%s/dnsf_model_fifo_%d", dir ? dir : "/tmp", (int)getpid());
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(dnsf_model_load(path, SCHEMA, 6, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "regular file"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/dnsf_model_err_%d", dir ? dir : "/tmp", (int)getpid());
	f = fopen(path, "wb");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(dnsf_model_load(path, SCHEMA, 6, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "magic"));

	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(fx->buf, 1, fx->len - 3, f), fx->len - 3);
	fclose(f);
	assert_int_equal(dnsf_model_load(path, SCHEMA, 6, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));

	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < DNSF_MODEL_MAX_FILE / 16 + 1; i++)
		assert_int_equal(fwrite("DNSFMDL\0DNSFMDL", 1, 16, f), 16);
	fclose(f);
	assert_int_equal(dnsf_model_load(path, SCHEMA, 6, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger"));

	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(fx->buf, 1, fx->len, f), fx->len);
	fclose(f);
	assert_int_equal(dnsf_model_load(path, SCHEMA, 6, &m, err, sizeof(err)), 0);
	dnsf_model_free(m);

	/* Saving into a directory that does not exist is an error, not a crash. */
	assert_int_equal(dnsf_model_save(&fx->m, "/nonexistent/dir/model.bin", err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/nonexistent/dir/model.bin"));
	unlink(path);
	free(fx);
}

static void
test_builder_checks(void **state)
{
	static const unsigned ok[] = {4, 8, 1};
	static const unsigned zero[] = {4, 0, 1}, wide[] = {4, 65, 1}, two[] = {4, 8, 2};
	static const unsigned noin[] = {0, 1}, manyin[] = {DNSF_MODEL_MAX_IN + 1, 1};
	struct dnsf_model *m = malloc(sizeof(*m));
	char err[160];

	(void)state;
	assert_non_null(m);
	assert_int_equal(dnsf_model_init(m, 1, 0, ok, err, sizeof(err)), -1);
	assert_int_equal(dnsf_model_init(m, 1, 5, ok, err, sizeof(err)), -1);
	assert_int_equal(dnsf_model_init(m, 1, 2, zero, err, sizeof(err)), -1);
	assert_int_equal(dnsf_model_init(m, 1, 2, wide, err, sizeof(err)), -1);
	assert_int_equal(dnsf_model_init(m, 1, 2, two, err, sizeof(err)), -1);
	assert_int_equal(dnsf_model_init(m, 1, 1, noin, err, sizeof(err)), -1);
	assert_int_equal(dnsf_model_init(m, 1, 1, manyin, err, sizeof(err)), -1);

	random_model(m, 2, ok);
	/* A weight in a padding column would be read by the vector loop: refused. */
	dnsf_model_set_weight(m, 0, 0, 4, 1);
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "padding"));
	dnsf_model_set_weight(m, 0, 0, 4, 0);
	m->layer[0].mult[8] = 1; /* padding lane */
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), -1);
	m->layer[0].mult[8] = 0;
	m->norm[5].mult = 1; /* beyond n_features */
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), -1);
	m->norm[5].mult = 0;
	assert_int_equal(dnsf_model_seal(m, err, sizeof(err)), 0);
	/* An invalid model does not serialise. */
	m->layer[1].shift = 0;
	assert_int_equal(dnsf_model_serialize(m, (uint8_t[4096]){0}, 4096), 0);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigmoid_table),
	    cmocka_unit_test(test_normalisation),
	    cmocka_unit_test(test_hand_logistic),
	    cmocka_unit_test(test_hand_hidden),
	    cmocka_unit_test(test_random_vs_reference),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_truncated_everywhere),
	    cmocka_unit_test(test_flipped_everywhere),
	    cmocka_unit_test(test_header_errors),
	    cmocka_unit_test(test_absurd_values),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_builder_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
