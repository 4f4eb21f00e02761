/* SPDX-License-Identifier: BSD-3-Clause */
/* dnsf_report_html — see dnsf_report_html.h. */
#include "dnsf_report_html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W        720 /* plot width, px */
#define H        260 /* plot height, px */
#define ML       60  /* left margin (axis labels) */
#define MB       40  /* bottom margin */
#define MT       20
#define MR       20
#define MAX_SESS 400 /* sessions drawn per plot: the page stays small; the table says so */

static const char *const COLOR[2] = {"#1f77b4", "#d62728"}; /* benign blue, tunnel red */

/* Text content and attribute values: the names come from captured traffic. */
static void
esc(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static double
logh(uint64_t v, double top)
{
	return top > 0 ? log10(1.0 + (double)v) / top : 0;
}

/* Two classes side by side per bucket, log10(1 + count) high: benign counts are orders of
 * magnitude above tunnel counts, and both must stay visible. */
static void
histogram(FILE *f, const char *id, const char *what, const uint64_t *const h[2], unsigned n,
          unsigned bucket, long threshold)
{
	uint64_t max = 0;
	double top, bw = (double)(W - ML - MR) / (n ? n : 1);

	for (int c = 0; c < 2; c++)
		for (unsigned i = 0; h[c] != NULL && i < n; i++)
			max = h[c][i] > max ? h[c][i] : max;
	top = log10(1.0 + (double)max);
	fprintf(f, "<figure><figcaption>%s score per message, by class (log count)</figcaption>\n",
	        what);
	fprintf(f,
	        "<svg id=\"%s\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" role=\"img\">\n",
	        id, W, H, W, H);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, H - MB,
	        W - MR, H - MB);
	for (int d = 0; d <= 6 && top > 0; d++) { /* decades */
		double y = H - MB - (H - MB - MT) * (d / top);
		if (d > top)
			break;
		fprintf(
		    f,
		    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%.0f</text>\n",
		    ML, y, W - MR, y, ML - 4, y + 4, pow(10, d));
	}
	for (unsigned i = 0; i < n; i++) {
		for (int c = 0; c < 2; c++) {
			uint64_t v = h[c] ? h[c][i] : 0;
			double bh = (H - MB - MT) * logh(v, top);
			if (v == 0)
				continue;
			fprintf(f,
			        "<rect class=\"c%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			        "height=\"%.1f\" "
			        "fill=\"%s\"><title>%s, score %u%s: %llu</title></rect>\n",
			        c, ML + i * bw + c * bw / 2, H - MB - bh,
			        bw / 2 > 1 ? bw / 2 - 0.5 : 0.5, bh, COLOR[c],
			        c ? "tunnel" : "benign", i * bucket,
			        i + 1 == n ? " and above" : "+", (unsigned long long)v);
		}
		if (i % 5 == 0)
			fprintf(f,
			        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
			        "font-size=\"11\">%u</text>\n",
			        ML + i * bw, H - MB + 14, i * bucket);
	}
	if (threshold >= 0 && bucket > 0) {
		double x = ML + bw * ((double)threshold / bucket);
		if (x > W - MR)
			x = W - MR;
		fprintf(f,
		        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" "
		        "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\">"
		        "threshold %ld</text>\n",
		        x, MT, x, H - MB, x + 3, MT + 10, threshold);
	}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">%s score"
	        "</text>\n</svg></figure>\n",
	        (W + ML) / 2, H - 6, what);
}

static const struct dnsf_report_session *g_sess;

static int
by_leak(const void *a, const void *b)
{
	const struct dnsf_report_session *x = &g_sess[*(const size_t *)a],
	                                 *y = &g_sess[*(const size_t *)b];
	if (x->blocked != y->blocked)
		return x->blocked ? -1 : 1; /* blocked first, never-blocked apart at the right */
	return x->leaked < y->leaked ? 1 : x->leaked > y->leaked ? -1 : 0;
}

/* One bar per session (same order in both plots), never-blocked sessions in red. */
static void
sessions_plot(FILE *f, const char *id, const char *what, const char *unit,
              const struct dnsf_report *r, const size_t *order, size_t n, int leak)
{
	uint64_t max = 1;
	double bw = (double)(W - ML - MR) / (n ? n : 1);

	for (size_t k = 0; k < n; k++) {
		const struct dnsf_report_session *s = &r->sess[order[k]];
		uint64_t v = leak ? s->leaked : s->latency;
		max = v > max ? v : max;
	}
	fprintf(f,
	        "<figure><figcaption>%s per tunnel session (%zu shown; red: never blocked)"
	        "</figcaption>\n",
	        what, n);
	fprintf(f,
	        "<svg id=\"%s\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" role=\"img\">\n",
	        id, W, H, W, H);
	fprintf(f,
	        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">%llu</text>"
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">0</text>\n",
	        ML, H - MB, W - MR, H - MB, ML - 4, MT + 4, (unsigned long long)max, ML - 4,
	        H - MB);
	for (size_t k = 0; k < n; k++) {
		const struct dnsf_report_session *s = &r->sess[order[k]];
		uint64_t v = leak ? s->leaked : s->latency;
		double bh = (double)(H - MB - MT) * (double)v / (double)max;
		if (bh < 1)
			bh = 1; /* a zero is a result too: keep it visible */
		fprintf(f,
		        "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		        "fill=\"%s\"><title>",
		        s->blocked ? "blocked" : "missed", ML + k * bw, H - MB - bh,
		        bw > 1.5 ? bw - 0.5 : 1.0, bh, s->blocked ? "#ff7f0e" : COLOR[1]);
		esc(f, s->client);
		fputs(" ", f);
		esc(f, s->domain);
		fprintf(f, ": %llu %s</title></rect>\n", (unsigned long long)v, unit);
	}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">sessions "
	        "(most leaked first)</text>\n</svg></figure>\n",
	        (W + ML) / 2, H - 6);
}

static double
pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

int
dnsf_report_html_write(FILE *f, const struct dnsf_report *r)
{
	size_t n = r->n_sess, shown, blocked = 0;
	size_t *order = malloc((n ? n : 1) * sizeof(*order));

	if (order == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		blocked += r->sess[i].blocked != 0;
	}
	g_sess = r->sess;
	qsort(order, n, sizeof(*order), by_leak);
	shown = n > MAX_SESS ? MAX_SESS : n;
	if (shown < n) /* keep the never-blocked ones in view: they are the point */
		for (size_t k = 0, j = n - 1; k < shown / 2 && !r->sess[order[j]].blocked; k++, j--)
			order[shown - 1 - k] = order[j];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	esc(f, r->title ? r->title : "dnsfence-eval report");
	fputs("</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}"
	      "figure{margin:16px 0}figcaption{font-weight:bold;margin-bottom:4px}"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
	      "text-align:right}th{background:#f4f4f4}.k{text-align:left}"
	      ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}"
	      "</style></head><body>\n<h1>",
	      f);
	esc(f, r->title ? r->title : "dnsfence-eval report");
	fputs("</h1>\n<p>Configuration <code>", f);
	esc(f, r->config);
	fputs("</code>, model <code>", f);
	esc(f, r->model_path && r->model_path[0] ? r->model_path : "none");
	fprintf(f, "</code>, model threshold %d, rules threshold %u.</p>\n", r->model_threshold,
	        r->rules_threshold);
	fprintf(f,
	        "<table><tr><th class=\"k\"></th><th>total</th><th>passed / dropped</th>"
	        "<th>%%</th></tr>\n"
	        "<tr><td class=\"k\">tunnel queries passed</td><td>%llu</td><td>%llu</td>"
	        "<td>%.3f</td></tr>\n"
	        "<tr><td class=\"k\">benign queries dropped</td><td>%llu</td><td>%llu</td>"
	        "<td>%.4f</td></tr>\n"
	        "<tr><td class=\"k\">tunnel sessions blocked</td><td>%zu</td><td>%zu</td>"
	        "<td>%.1f</td></tr></table>\n",
	        (unsigned long long)r->tunnel_queries, (unsigned long long)r->tunnel_passed,
	        pct(r->tunnel_passed, r->tunnel_queries), (unsigned long long)r->benign_queries,
	        (unsigned long long)r->benign_dropped, pct(r->benign_dropped, r->benign_queries), n,
	        blocked, pct(blocked, n));
	fprintf(f,
	        "<p class=\"legend\"><span style=\"background:%s\"></span>benign"
	        "<span style=\"background:%s\"></span>tunnel</p>\n",
	        COLOR[0], COLOR[1]);
	histogram(f, "rules", "Rule", r->rules_hist, r->rules_n, r->rules_bucket,
	          (long)r->rules_threshold);
	histogram(f, "model", "Model", r->model_hist, r->model_n, r->model_bucket,
	          r->model_threshold >= 0 ? (long)r->model_threshold : -1);
	if (n == 0) {
		fputs("<p>No tunnel sessions.</p>\n", f);
	} else {
		sessions_plot(f, "latency",
		              "Detection latency (queries passed before the first block)",
		              "queries", r, order, shown, 0);
		sessions_plot(f, "leaked", "Leaked subdomain bytes before the first block", "bytes",
		              r, order, shown, 1);
	}
	fputs("</body></html>\n", f);
	free(order);
	return ferror(f) ? -1 : 0;
}
