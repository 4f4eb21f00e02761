/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_html_fixture — writes a dnsf_report_html page for known numbers (tests/check in
 * check_report_html.py): score histograms with benign and tunnel messages on both sides of the
 * thresholds, blocked sessions with growing latency and leaks, two sessions never blocked, and a
 * domain that tries markup injection.
 *
 *   report_html_fixture OUT.html
 */
#include <stdio.h>

#include "dnsf_report_html.h"

int
main(int argc, char **argv)
{
	static uint64_t rules[2][41], model[2][21];
	static struct dnsf_report_session sess[30];
	static char client[30][32], domain[30][64];
	struct dnsf_report r = {0};
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: report_html_fixture OUT.html\n");
		return 2;
	}
	for (unsigned i = 0; i < 41; i++) {
		rules[0][i] = i < 8 ? 100000u >> i : 0; /* benign: low scores, many */
		rules[1][i] = i >= 6 ? 40 + i : 3;      /* tunnel: high scores */
	}
	for (unsigned i = 0; i < 21; i++) {
		model[0][i] = i < 6 ? 50000u >> (2 * i) : 0;
		model[1][i] = i >= 10 ? 200 : 5;
	}
	for (unsigned i = 0; i < 30; i++) {
		snprintf(client[i], sizeof(client[i]), "10.0.0.%u", i + 1);
		snprintf(domain[i], sizeof(domain[i]), "t%u.example.attack", i);
		sess[i].client = client[i];
		sess[i].domain = domain[i];
		sess[i].queries = 100 + i;
		sess[i].blocked = i < 28;
		sess[i].latency = sess[i].blocked ? i : sess[i].queries;
		sess[i].leaked = sess[i].blocked ? 30u * i : 4000u + i;
	}
	sess[3].domain = "<script>alert(1)</script>.evil";
	r.title = "dnsfence-eval fixture";
	r.config = "config/dnsfence.yaml";
	r.model_path = "config/dnsfence.model";
	r.model_threshold = 500;
	r.rules_threshold = 100;
	r.tunnel_queries = 3000;
	r.tunnel_passed = 420;
	r.benign_queries = 200000;
	r.benign_dropped = 3;
	r.rules_hist[0] = rules[0];
	r.rules_hist[1] = rules[1];
	r.model_hist[0] = model[0];
	r.model_hist[1] = model[1];
	r.rules_n = 41;
	r.rules_bucket = 10;
	r.model_n = 21;
	r.model_bucket = 50;
	r.sess = sess;
	r.n_sess = 30;
	f = fopen(argv[1], "w");
	if (f == NULL || dnsf_report_html_write(f, &r) != 0 || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
