/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live list reload, the lib part (dnsf_lists.h, dnsf_engine_swap_lists): lists load as one
 * object with versions and counts; a broken file is refused with a one-line error naming the
 * file and line and builds nothing; a swap takes effect on the next packet a running worker
 * decides (a newly denied name is dropped, a name taken off the list passes) and hands back the
 * previous lists intact, for the caller to free after the workers' quiescent state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsf_engine.h"
#include "dnsf_lists.h"
#include "dnsf_pkt.h"
#include "pktbuild.h"
#include "tmpdir.h"

static void
test_load_versions(void **state)
{
	char a[256], d[256], d2[256], err[DNSF_ERR_MAX] = "";
	struct dnsf_lists *l1, *l2, *l3;

	(void)state;
	write_file("a1", "safe.example\n", a, sizeof(a));
	write_file("d1", "# comment\nevil.com\nbad.net\nevil.com\n", d, sizeof(d));
	write_file("d2", "bad.net\nEVIL.com.\n", d2, sizeof(d2));
	assert_int_equal(dnsf_lists_load(a, d, &l1, err, sizeof(err)), 0);
	assert_int_equal(l1->allow_entries, 1);
	assert_int_equal(l1->deny_entries, 2); /* duplicates count once */
	assert_true(strncmp(l1->deny_version, "2-", 2) == 0);
	assert_int_equal(strlen(l1->deny_version), 2 + 16);
	assert_true(strncmp(l1->allow_version, "1-", 2) == 0);
	/* Same entries in another order and spelling: same version; other entries: another. */
	assert_int_equal(dnsf_lists_load(NULL, d2, &l2, err, sizeof(err)), 0);
	assert_null(l2->allow);
	assert_string_equal(l2->allow_version, "");
	assert_int_equal(l2->allow_entries, 0);
	assert_string_equal(l2->deny_version, l1->deny_version);
	assert_int_equal(dnsf_lists_load("", a, &l3, err, sizeof(err)), 0);
	assert_string_not_equal(l3->deny_version, l1->deny_version);
	dnsf_lists_free(l1);
	dnsf_lists_free(l2);
	dnsf_lists_free(l3);
	dnsf_lists_free(NULL);
}

static void
test_load_errors(void **state)
{
	char a[256], bad[256], err[DNSF_ERR_MAX] = "";
	struct dnsf_lists *l = (struct dnsf_lists *)&l;

	(void)state;
	write_file("ok", "fine.example\n", a, sizeof(a));
	write_file("bad", "fine.example\nno spaces.example\n", bad, sizeof(bad));
	assert_int_equal(dnsf_lists_load(a, bad, &l, err, sizeof(err)), -1);
	assert_null(l);
	assert_non_null(strstr(err, bad));
	assert_non_null(strstr(err, ":2:"));
	assert_null(strchr(err, '\n'));
	err[0] = '\0';
	l = (struct dnsf_lists *)&l;
	assert_int_equal(dnsf_lists_load("/nonexistent/dnsf/allow", a, &l, err, sizeof(err)), -1);
	assert_null(l);
	assert_non_null(strstr(err, "/nonexistent/dnsf/allow"));
}

static uint8_t
decide(struct dnsf_worker *w, const char *name, uint8_t *reason)
{
	uint8_t frame[1600], msg[512];
	struct pb_spec s;
	struct dnsf_verdict v;
	struct dnsf_event ev;
	size_t mlen = pb_query(msg, sizeof(msg), 0x4242, name, DNSF_T_A, 1), len;

	pb_spec_init(&s, 4, 17, 1);
	len = pb_frame(frame, sizeof(frame), &s, msg, mlen, NULL);
	assert_true(len > 0);
	dnsf_worker_process(w, frame, (uint32_t)len, sizeof(frame), 1000000, &v, &ev);
	*reason = v.reason;
	return v.action;
}

static void
test_swap_takes_effect(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_engine *eng;
	struct dnsf_worker w;
	struct dnsf_lists *nl, *old, *back;
	char d2[256], a2[256], err[DNSF_ERR_MAX] = "";
	uint8_t reason;

	(void)state;
	dnsf_config_defaults(&cfg);
	cfg.detect.enabled = 0; /* lists only: no PSL or model needed */
	write_file("deny", "evil.com\n", cfg.denylist, sizeof(cfg.denylist));
	assert_int_equal(dnsf_engine_create(&cfg, &eng, err, sizeof(err)), 0);
	assert_int_equal(dnsf_worker_init(&w, eng, 0, err, sizeof(err)), 0);
	assert_int_equal(dnsf_engine_lists(eng)->deny_entries, 1);
	/* The engine indexed its lists (one walk for allow, deny and PSL: dnsf_listidx.h). */
	assert_non_null(dnsf_engine_lists(eng)->idx);

	assert_int_equal(decide(&w, "x.evil.com", &reason), DNSF_ACT_DROP);
	assert_int_equal(reason, DNSF_R_DENYLIST);
	assert_int_equal(decide(&w, "www.newbad.org", &reason), DNSF_ACT_PASS);

	/* New lists: newbad.org denied, evil.com no longer, and an allow list appears. */
	write_file("deny2", "newbad.org\n", d2, sizeof(d2));
	write_file("allow2", "ok.newbad.org\n", a2, sizeof(a2));
	assert_int_equal(dnsf_lists_load(a2, d2, &nl, err, sizeof(err)), 0);
	assert_null(nl->idx);
	old = dnsf_engine_swap_lists(eng, nl);
	assert_non_null(nl->idx); /* indexed by the swap, before workers can see it */
	assert_non_null(old);
	assert_ptr_equal(dnsf_engine_lists(eng), nl);
	/* The old lists are still whole (a worker might be mid-packet with them). */
	assert_int_equal(dnsf_suffix_set_match_name(old->deny, "x.evil.com"), 1); /* label 1 */

	assert_int_equal(decide(&w, "www.newbad.org", &reason), DNSF_ACT_DROP);
	assert_int_equal(reason, DNSF_R_DENYLIST);
	assert_int_equal(decide(&w, "x.evil.com", &reason), DNSF_ACT_PASS);
	assert_int_equal(decide(&w, "a.ok.newbad.org", &reason), DNSF_ACT_PASS);
	assert_int_equal(reason, DNSF_R_ALLOWLIST);
	assert_int_equal(w.stats.denylisted, 2);
	assert_int_equal(w.stats.allowlisted, 1);
	/* Without an index (say its build ran out of memory) workers make the three look-ups
	 * one by one, with the same results. */
	dnsf_listidx_free(nl->idx);
	nl->idx = NULL;
	assert_int_equal(decide(&w, "z.newbad.org", &reason), DNSF_ACT_DROP);
	assert_int_equal(reason, DNSF_R_DENYLIST);
	assert_int_equal(decide(&w, "b.ok.newbad.org", &reason), DNSF_ACT_PASS);
	assert_int_equal(reason, DNSF_R_ALLOWLIST);
	assert_int_equal(decide(&w, "x.evil.com", &reason), DNSF_ACT_PASS);

	/* Swapping back returns the lists we installed. */
	back = dnsf_engine_swap_lists(eng, old);
	assert_ptr_equal(back, nl);
	dnsf_lists_free(back);
	assert_int_equal(decide(&w, "x.evil.com", &reason), DNSF_ACT_DROP);

	dnsf_worker_fini(&w);
	dnsf_engine_free(eng); /* frees the lists in force */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_versions),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_swap_takes_effect),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
