/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the systemd watchdog interval (app/dnsf_sdnotify.c; no EAL needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dnsf_app.h"

static void
test_interval(void **state)
{
	const uint64_t hz = 2100000000u;

	(void)state;
	/* The shipped unit: WatchdogSec=30 -> a ping every 15 s. */
	assert_int_equal(dnsf_sdnotify_interval(30000000u, hz), 15u * hz);
	/* Long watchdogs: 5 h and 9 h wrapped around 2^64 in the old 64-bit product. */
	assert_int_equal(dnsf_sdnotify_interval(18000000000u, hz), 9000u * hz);
	assert_int_equal(dnsf_sdnotify_interval(32400000000u, hz), 16200u * hz);
	/* Absurd ones: never 0 (no watchdog) and never wrapped. */
	assert_int_equal(dnsf_sdnotify_interval(1, hz), 1050u);
	assert_int_equal(dnsf_sdnotify_interval(1, 1), 1u);
	assert_int_equal(dnsf_sdnotify_interval(UINT64_MAX, hz), UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
