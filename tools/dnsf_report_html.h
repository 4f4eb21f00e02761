/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_report_html — one evaluation (dnsfence-eval) as a self-contained HTML page: inline SVG
 * plots, inline CSS, no script and no external resource, so it opens anywhere offline.
 * Plots: rule and model score histograms per class (benign, tunnel; log count scale, threshold
 * marked), detection latency per tunnel session (queries passed before the first block) and
 * leaked subdomain bytes per session; sessions never blocked are drawn apart. The caller owns
 * every array; nothing is kept after the call. Returns 0, or -1 when writing fails.
 */
#ifndef DNSF_REPORT_HTML_H
#define DNSF_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dnsf_report_session {
	const char *client, *domain;
	uint64_t queries;
	uint64_t latency; /* tunnel queries passed before the first blocked one */
	uint64_t leaked;  /* subdomain bytes passed before the first block (all if never) */
	int blocked;      /* at least one query blocked */
};

struct dnsf_report {
	const char *title, *config, *model_path;
	int32_t model_threshold; /* 0..1000, < 0: none */
	uint32_t rules_threshold;
	uint64_t tunnel_queries, tunnel_passed, benign_queries, benign_dropped;
	/* Score histograms, index 0 benign, 1 tunnel; bucket i covers [i*bucket, (i+1)*bucket),
	 * the last bucket everything above. */
	const uint64_t *rules_hist[2], *model_hist[2];
	unsigned rules_n, rules_bucket, model_n, model_bucket;
	const struct dnsf_report_session *sess;
	size_t n_sess;
};

int dnsf_report_html_write(FILE *f, const struct dnsf_report *r);

#endif
