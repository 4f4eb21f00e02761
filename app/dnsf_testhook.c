/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only fault injection, compiled only with -Dtest_hooks=true (the Makefile's development
 * and CI builds; never the package): DNSF_TEST_STALL makes a worker or the control loop sleep
 * once, so the tests can watch the watchdogs notice a stuck lcore and its recovery. Read once
 * before launch; a release build has no such code and ignores the variable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dnsf_app.h"

int
dnsf_testhook_read(struct dnsf_app *app, char *err, size_t errlen)
{
	const char *s = getenv("DNSF_TEST_STALL");
	const uint64_t now = rte_rdtsc();

	memset(app->test_stall, 0, sizeof(app->test_stall));
	if (s == NULL || *s == '\0')
		return 0;
	fprintf(stderr, "dnsfence: test hook DNSF_TEST_STALL=%s\n", s);
	while (*s != '\0') {
		unsigned long who, at, ms;
		char *end;

		if (strncmp(s, "control", 7) == 0) {
			who = app->n_workers;
			end = (char *)s + 7;
		} else if (strncmp(s, "worker", 6) == 0) {
			who = strtoul(s + 6, &end, 10);
			if (end == s + 6 || who >= app->n_workers)
				goto bad;
		} else {
			goto bad;
		}
		if (*end != '@')
			goto bad;
		at = strtoul(end + 1, &end, 10);
		if (*end != '+')
			goto bad;
		ms = strtoul(end + 1, &end, 10);
		if (ms == 0 || ms > 600000 || at > 600000 || (*end != ',' && *end != '\0'))
			goto bad;
		app->test_stall[who].at_tsc = now + at * app->tsc_hz / 1000u;
		app->test_stall[who].ms = (uint32_t)ms;
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
bad:
	snprintf(err, errlen,
	         "DNSF_TEST_STALL: expected workerN@MS+MS or control@MS+MS, comma-separated");
	return -1;
}

void
dnsf_testhook_stall(struct dnsf_app *app, unsigned who, uint64_t tsc)
{
	struct dnsf_test_stall *t = &app->test_stall[who];

	if (t->at_tsc == 0 || tsc < t->at_tsc)
		return;
	t->at_tsc = 0;
	usleep(t->ms * 1000u);
}
