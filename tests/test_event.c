/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_event_to_json / dnsf_reason_name / dnsf_rrtype_name: exact lines for known events,
 * escaping of hostile names, truncation on a small buffer. (That the lines parse as JSON is
 * checked with a real JSON parser by check_event_json.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_config.h"
#include "dnsf_event.h"
#include "event_fixtures.h"

static void
test_known_event_v4(void **state)
{
	struct dnsf_event ev;
	char buf[2048];
	const char *want =
	    "{\"timestamp\":\"2026-11-26T17:31:50.123456+0000\",\"event_type\":\"dns_tunnel\","
	    "\"worker\":3,\"src_ip\":\"192.0.2.10\",\"src_port\":40001,"
	    "\"dest_ip\":\"198.51.100.53\",\"dest_port\":53,\"proto\":\"UDP\","
	    "\"dns\":{\"type\":\"query\",\"rrname\":\"aab3x9.t.example.com\",\"rrtype\":\"TXT\"},"
	    "\"dnsfence\":{\"action\":\"drop\",\"would\":\"drop\",\"reason\":\"rules\","
	    "\"score\":123,\"model_score\":-1,\"regdomain\":\"example.com\","
	    "\"features\":{\"qname_len\":20,\"entropy_fp\":-7,\"feat_200\":5}}}";
	int n;

	(void)state;
	ev_fixture_v4(&ev);
	n = dnsf_event_to_json(&ev, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void
test_known_event_v6(void **state)
{
	struct dnsf_event ev;
	char buf[2048];
	const char *want =
	    "{\"timestamp\":\"1970-01-01T00:00:00.000001+0000\",\"event_type\":\"dns_tunnel\","
	    "\"worker\":65535,\"src_ip\":\"2001:db8::a\",\"src_port\":5353,"
	    "\"dest_ip\":\"2001:db8:1::53\",\"dest_port\":53,\"proto\":\"TCP\","
	    "\"dns\":{\"type\":\"answer\",\"rrname\":\"\",\"rrtype\":\"TYPE65399\"},"
	    "\"dnsfence\":{\"action\":\"pass\",\"would\":\"refuse\",\"reason\":\"verdict_cache\","
	    "\"score\":-1,\"model_score\":1000,\"regdomain\":\"\",\"features\":{}}}";

	(void)state;
	ev_fixture_v6(&ev);
	assert_int_equal(dnsf_event_to_json(&ev, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void
test_escaping(void **state)
{
	struct dnsf_event ev;
	char buf[2048];
	char *rr;

	(void)state;
	ev_fixture_hostile(&ev);
	assert_true(dnsf_event_to_json(&ev, buf, sizeof(buf)) > 0);
	rr = strstr(buf, "\"rrname\":");
	assert_non_null(rr);
	/* "a\"b\\c<0x01><0x1f><0x7f><0xff>\n\t.é" byte by byte */
	assert_memory_equal(
	    rr, "\"rrname\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\\u00ff\\n\\t.\\u00c3\\u00a9\"",
	    strlen("\"rrname\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\\u00ff\\n\\t.\\u00c3"
	           "\\u00a9\""));
	{
		/* regdomain had no NUL: '\r' then 254 'x', cut at the array's last byte. */
		char want[300] = "\"regdomain\":\"\\r";

		memset(want + strlen(want), 'x', 254);
		strcat(want, "\"");
		assert_non_null(strstr(buf, want));
	}
	assert_non_null(strstr(buf, "\"src_ip\":\"\",\"src_port\":40001,\"dest_ip\":\"\""));
	assert_non_null(strstr(buf, "\"proto\":\"132\""));
	assert_non_null(strstr(buf, "\"score\":-2147483648,\"model_score\":2147483647"));
	/* No raw control or non-ASCII byte anywhere in the line. */
	for (rr = buf; *rr; rr++)
		assert_true((unsigned char)*rr >= 0x20 && (unsigned char)*rr < 0x7f);
	/* Out-of-range enums get a name rather than an out-of-bounds read. */
	assert_non_null(strstr(buf, "\"action\":\"unknown\",\"would\":\"unknown\","
	                            "\"reason\":\"unknown\""));
	/* n_feat beyond the array is clamped. */
	assert_non_null(strstr(buf, "\"feat_15\":15}}}"));
}

static void
test_too_small(void **state)
{
	struct dnsf_event ev;
	char full[2048], small[2048];
	int n;
	size_t len;

	(void)state;
	ev_fixture_v4(&ev);
	n = dnsf_event_to_json(&ev, full, sizeof(full));
	assert_true(n > 0);
	/* Exactly enough (with the NUL) works; one byte less fails with a NUL-terminated prefix. */
	memset(small, 'Z', sizeof(small));
	assert_int_equal(dnsf_event_to_json(&ev, small, (size_t)n + 1), n);
	assert_string_equal(small, full);
	for (len = 1; len <= (size_t)n; len += 7) {
		memset(small, 'Z', sizeof(small));
		assert_int_equal(dnsf_event_to_json(&ev, small, len), -1);
		assert_int_equal(strlen(small), len - 1);
		assert_memory_equal(small, full, len - 1);
		assert_int_equal(small[len], 'Z'); /* nothing written past len */
	}
	memset(small, 'Z', sizeof(small));
	assert_int_equal(dnsf_event_to_json(&ev, small, (size_t)n), -1);
	assert_int_equal(strlen(small), (size_t)n - 1);
	assert_int_equal(dnsf_event_to_json(&ev, small, 0), -1);
	assert_int_equal(small[0], full[0]); /* len 0: untouched */
}

static void
test_names(void **state)
{
	char b[DNSF_RRTYPE_NAME_MAX];
	char tiny[5];

	(void)state;
	assert_string_equal(dnsf_reason_name(DNSF_R_NONE), "none");
	assert_string_equal(dnsf_reason_name(DNSF_R_ALLOWLIST), "allowlist");
	assert_string_equal(dnsf_reason_name(DNSF_R_MODEL), "model");
	assert_string_equal(dnsf_reason_name(DNSF_R_VERDICT_CACHE), "verdict_cache");
	assert_string_equal(dnsf_reason_name(DNSF_R__COUNT), "unknown");
	/* Every reason has its own name. */
	for (unsigned i = 0; i < DNSF_R__COUNT; i++)
		for (unsigned j = i + 1; j < DNSF_R__COUNT; j++)
			assert_string_not_equal(dnsf_reason_name((enum dnsf_reason)i),
			                        dnsf_reason_name((enum dnsf_reason)j));

	assert_string_equal(dnsf_rrtype_name(1, b, sizeof(b)), "A");
	assert_string_equal(dnsf_rrtype_name(28, b, sizeof(b)), "AAAA");
	assert_string_equal(dnsf_rrtype_name(10, b, sizeof(b)), "NULL");
	assert_string_equal(dnsf_rrtype_name(16, b, sizeof(b)), "TXT");
	assert_string_equal(dnsf_rrtype_name(25, b, sizeof(b)), "KEY");
	assert_string_equal(dnsf_rrtype_name(65, b, sizeof(b)), "HTTPS");
	assert_string_equal(dnsf_rrtype_name(255, b, sizeof(b)), "ANY");
	assert_string_equal(dnsf_rrtype_name(65399, b, sizeof(b)), "TYPE65399");
	assert_string_equal(dnsf_rrtype_name(65535, b, sizeof(b)), "TYPE65535");
	assert_string_equal(dnsf_rrtype_name(0, b, sizeof(b)), "TYPE0");
	assert_string_equal(dnsf_rrtype_name(65280, tiny, sizeof(tiny)), "TYPE");
	assert_string_equal(dnsf_rrtype_name(65280, NULL, 0), "?");
	assert_string_equal(dnsf_rrtype_name(16, NULL, 0), "TXT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_event_v4), cmocka_unit_test(test_known_event_v6),
	    cmocka_unit_test(test_escaping),       cmocka_unit_test(test_too_small),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
