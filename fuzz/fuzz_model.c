/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_model — dnsf_model_load_mem() on arbitrary bytes. Each input is tried three ways:
 *  1. as it is, expecting this build's feature schema and count (what the engine does);
 *  2. as it is, expecting the schema and count the file's own header claims, so that a mutated
 *     header does not stop the loader before the interesting parts;
 *  3. with its last 8 bytes replaced by the checksum of the rest, so that mutations of the body
 *     reach the shape and range checks instead of failing on the checksum.
 * Checked (dnsf_model.h): failure gives NULL and one non-empty line without a newline; a loaded
 * model passes dnsf_model_validate(), scores any feature vector (zeros, bytes of the input,
 * INT32 extremes) within 0..1000 without UB, serialises back to the very bytes it came from and
 * loads again into an identical model.
 * LLVMFuzzerInitialize() builds valid models of every shape fuzz_model_file() knows and proves
 * they load, so the harness cannot silently fuzz only the error paths. With
 * -dnsf_write_seed=DIR it also writes those model files into DIR (fuzz/run.sh does this for its
 * work corpus, so the seeds always match the current file format; fuzz/corpus/model/ holds one
 * written the same way).
 */
#include <limits.h>
#include <string.h>

#include "dnsf_features.h"
#include "dnsf_model.h"
#include "fuzz_common.h"

#define N_FEAT (DNSF_F_VEC_COUNT <= DNSF_MODEL_MAX_IN ? DNSF_F_VEC_COUNT : DNSF_MODEL_MAX_IN)

static uint64_t schema;
static uint8_t *ser_buf; /* DNSF_MODEL_MAX_FILE bytes, for the round trip */

static uint64_t
rd64le(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t
rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
check_err(const char *err)
{
	FUZZ_CHECK(memchr(err, '\0', FUZZ_ERR_MAX) != NULL);
	FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
}

static void
check_score(const struct dnsf_model *m, const uint8_t *data, size_t size)
{
	int32_t f[DNSF_MODEL_MAX_IN];
	int32_t s;

	memset(f, 0, sizeof(f));
	s = dnsf_model_score(m, f);
	FUZZ_CHECK(s >= 0 && s <= DNSF_MODEL_SCORE_MAX);
	for (unsigned i = 0; i < DNSF_MODEL_MAX_IN; i++)
		f[i] = (i & 1) ? INT32_MAX : INT32_MIN;
	s = dnsf_model_score(m, f);
	FUZZ_CHECK(s >= 0 && s <= DNSF_MODEL_SCORE_MAX);
	for (unsigned i = 0; i < DNSF_MODEL_MAX_IN; i++) {
		uint32_t v = i * 37u;

		if (size >= 4 * (i + 1))
			memcpy(&v, data + 4 * i, 4);
		f[i] = (int32_t)v;
	}
	s = dnsf_model_score(m, f);
	FUZZ_CHECK(s >= 0 && s <= DNSF_MODEL_SCORE_MAX);
}

static void
check_loaded(const struct dnsf_model *m, const uint8_t *data, size_t size, uint64_t want_schema,
             unsigned want_n)
{
	char err[FUZZ_ERR_MAX];
	struct dnsf_model *again = NULL;
	size_t n;

	FUZZ_CHECK(dnsf_model_validate(m, err, sizeof(err)) == 0);
	FUZZ_CHECK(m->schema == want_schema && m->n_features == want_n);
	check_score(m, data, size);
	n = dnsf_model_serialize(m, ser_buf, DNSF_MODEL_MAX_FILE);
	FUZZ_CHECK(n > 0 && n == dnsf_model_file_size(m));
	/* The format has one encoding per model: what loads, writes back byte for byte. */
	FUZZ_CHECK(n == size && memcmp(ser_buf, data, n) == 0);
	FUZZ_CHECK(dnsf_model_load_mem(ser_buf, n, want_schema, want_n, &again, err, sizeof(err)) ==
	           0);
	FUZZ_CHECK(again != NULL && memcmp(again, m, sizeof(*m)) == 0);
	dnsf_model_free(again);
}

static void
try_load(const uint8_t *data, size_t size, uint64_t want_schema, unsigned want_n)
{
	char err[FUZZ_ERR_MAX];
	struct dnsf_model *m = (struct dnsf_model *)1;
	int rc = dnsf_model_load_mem(data, size, want_schema, want_n, &m, err, sizeof(err));

	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && m == NULL);
		check_err(err);
		return;
	}
	FUZZ_CHECK(m != NULL);
	check_loaded(m, data, size, want_schema, want_n);
	dnsf_model_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	if (size > DNSF_MODEL_MAX_FILE + 64)
		return 0;
	try_load(data, size, schema, N_FEAT);
	if (size < 28)
		return 0;
	try_load(data, size, rd64le(data + 16), rd32le(data + 24));
	if (size < 8 + 28)
		return 0;
	fixed = malloc(size);
	FUZZ_CHECK(fixed != NULL);
	memcpy(fixed, data, size);
	{
		uint64_t c = dnsf_model_checksum(fixed, size - 8);

		for (unsigned i = 0; i < 8; i++)
			fixed[size - 8 + i] = (uint8_t)(c >> (8 * i));
	}
	try_load(fixed, size, rd64le(fixed + 16), rd32le(fixed + 24));
	free(fixed);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t seed[DNSF_MODEL_MAX_FILE];
	const char *dir = NULL;
	char path[4096];

	schema = dnsf_feat_schema_hash();
	ser_buf = malloc(DNSF_MODEL_MAX_FILE);
	FUZZ_CHECK(ser_buf != NULL);
	for (int i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-dnsf_write_seed=", 17) == 0)
			dir = (*argv)[i] + 17;
	for (unsigned v = 0; v < FUZZ_MODEL_VARIANTS; v++) {
		size_t n = fuzz_model_file(seed, sizeof(seed), v, (int32_t)(v * 40000) - 60000);
		char err[FUZZ_ERR_MAX];
		struct dnsf_model *m = NULL;

		FUZZ_CHECK(n > 0);
		if (dnsf_model_load_mem(seed, n, schema, N_FEAT, &m, err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_model: the seed model does not load: %s\n", err);
			abort();
		}
		check_loaded(m, seed, n, schema, N_FEAT);
		dnsf_model_free(m);
		if (dir != NULL) {
			snprintf(path, sizeof(path), "%s/valid-%u.model", dir, v);
			fuzz_write_file(path, seed, n);
		}
	}
	return 0;
}
