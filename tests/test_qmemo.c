/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The name memo (dnsf_qmemo.h): a key is found only by exactly its octets (one octet, one
 * letter's case or the length changed is another key, at every position and length held);
 * names too long or with too many labels are not held; a slot taken by another key no longer
 * counts as held by the ref of its old key; no read leaves the key (ASan builds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_qmemo.h"

static uint32_t rng = 12345;

static uint32_t
trng(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* A key of len octets in an allocation of exactly its size (ASan builds catch a read past
 * it). */
static uint8_t *
key_at_end(const uint8_t *k, unsigned len)
{
	uint8_t *b = malloc(len);

	assert_non_null(b);
	memcpy(b, k, len);
	return b;
}

static void
test_exact_keys(void **state)
{
	static struct dnsf_qmemo mm;
	uint8_t k[DNSF_QMEMO_KEY_MAX];
	(void)state;

	for (unsigned len = 3; len <= DNSF_QMEMO_KEY_MAX; len++) {
		for (unsigned pos = 0; pos < len; pos++) {
			struct dnsf_qmemo_ent *e, *fill;
			uint8_t *a, *b;

			for (unsigned i = 0; i < len; i++)
				k[i] = (uint8_t)('a' + trng(26));
			a = key_at_end(k, len);
			dnsf_qmemo_clear(&mm);
			assert_null(dnsf_qmemo_find(&mm, a, len, 3, &fill));
			if (fill == NULL)
				abort(); /* (assert_non_null does not tell the compiler) */
			dnsf_qmemo_fill(&mm, fill, a, len, 3);
			assert_int_equal(fill->have, 0);
			e = dnsf_qmemo_find(&mm, a, len, 3, &fill);
			assert_ptr_equal(e, fill == NULL ? e : NULL);
			assert_non_null(e);
			/* One octet changed (here: a letter's case), anywhere: another key. */
			k[pos] = (uint8_t)(k[pos] - 32);
			b = key_at_end(k, len);
			assert_null(dnsf_qmemo_find(&mm, b, len, 3, &fill));
			/* A prefix of the key: another key. */
			if (len > 3)
				assert_null(dnsf_qmemo_find(&mm, a, len - 1, 3, &fill));
			/* The original is still there. */
			assert_ptr_equal(dnsf_qmemo_find(&mm, a, len, 3, &fill), e);
			free(a);
			free(b);
		}
	}
}

static void
test_not_held(void **state)
{
	static struct dnsf_qmemo mm;
	uint8_t k[DNSF_QMEMO_KEY_MAX + 8];
	struct dnsf_qmemo_ent *fill;
	(void)state;

	memset(k, 'x', sizeof(k));
	assert_null(dnsf_qmemo_find(&mm, k, DNSF_QMEMO_KEY_MAX + 1, 3, &fill));
	assert_null(fill);
	assert_null(dnsf_qmemo_find(&mm, k, 20, DNSF_QMEMO_LABELS + 1, &fill));
	assert_null(fill);
	assert_null(dnsf_qmemo_find(&mm, k, 2, 1, &fill));
	assert_null(fill);
	assert_null(dnsf_qmemo_find(&mm, k, DNSF_QMEMO_KEY_MAX, DNSF_QMEMO_LABELS, &fill));
	assert_non_null(fill);
}

static void
test_ref_lost_to_another_key(void **state)
{
	static struct dnsf_qmemo mm;
	uint8_t k1[16], k2[16];
	struct dnsf_qmemo_ent *fill, *e;
	struct dnsf_qmemo_ref r;
	const uint32_t want = dnsf_qmemo_hash((const uint8_t *)"\3abc\3com\0\0\0\0\0", 9);
	unsigned tries = 0;
	(void)state;

	memcpy(k1, "\3abc\3com\0\0\0\0\0\0\0", 16);
	dnsf_qmemo_clear(&mm);
	assert_null(dnsf_qmemo_find(&mm, k1, 9, 2, &fill));
	if (fill == NULL)
		abort();
	dnsf_qmemo_fill(&mm, fill, k1, 9, 2);
	r = dnsf_qmemo_ref_of(&mm, fill);
	assert_ptr_equal(dnsf_qmemo_held(&mm, r), fill);
	/* Another 9-octet name for the same slot. */
	do {
		memcpy(k2, k1, 16);
		for (unsigned i = 1; i < 4; i++)
			k2[i] = (uint8_t)('a' + trng(26));
		assert_true(++tries < 10000000);
	} while (memcmp(k1, k2, 9) == 0 ||
	         ((dnsf_qmemo_hash(k2, 9) ^ want) & (DNSF_QMEMO_ENTRIES - 1)) != 0);
	assert_null(dnsf_qmemo_find(&mm, k2, 9, 2, &fill));
	assert_ptr_equal(fill, dnsf_qmemo_held(&mm, r)); /* same slot, still k1 until filled */
	if (fill == NULL)
		abort();
	dnsf_qmemo_fill(&mm, fill, k2, 9, 2);
	assert_null(dnsf_qmemo_held(&mm, r));
	e = dnsf_qmemo_find(&mm, k2, 9, 2, &fill);
	assert_non_null(e);
	assert_null(dnsf_qmemo_find(&mm, k1, 9, 2, &fill));
	r.idx = -1;
	assert_null(dnsf_qmemo_held(&mm, r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_keys),
	    cmocka_unit_test(test_not_held),
	    cmocka_unit_test(test_ref_lost_to_another_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
