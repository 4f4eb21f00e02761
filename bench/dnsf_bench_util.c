/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnsf_bench_util.h"

double
dnsf_bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
dnsf_bench_tsc_hz(void)
{
	static uint64_t hz;

	if (hz == 0) {
		const double t0 = dnsf_bench_now_s();
		const uint64_t c0 = dnsf_bench_rdtsc();
		double t1;
		do
			t1 = dnsf_bench_now_s();
		while (t1 - t0 < 0.1);
		hz = (uint64_t)((double)(dnsf_bench_rdtsc() - c0) / (t1 - t0));
	}
	return hz;
}

void
dnsf_bench_cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');
			if (c != NULL) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = '\0';
				snprintf(out, len, "%s", c);
			}
			break;
		}
	}
	fclose(f);
}

unsigned
dnsf_bench_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static int
cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double
dnsf_bench_median(double *v, unsigned n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- JSON ---- */

int
dnsf_json_open(struct dnsf_json *j, const char *path)
{
	memset(j, 0, sizeof(*j));
	j->f = fopen(path, "w");
	if (j->f == NULL)
		return -1;
	j->first[0] = 1;
	return 0;
}

void
dnsf_json_close(struct dnsf_json *j)
{
	if (j->f == NULL)
		return;
	while (j->depth > 0)
		dnsf_json_end(j);
	fputc('\n', j->f);
	fclose(j->f);
	j->f = NULL;
}

static void
put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
sep(struct dnsf_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
	if (j->depth > 0) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key != NULL) {
		put_str(j->f, key);
		fputs(": ", j->f);
	}
}

static void
open_(struct dnsf_json *j, const char *key, char c)
{
	if (j->f == NULL)
		return;
	sep(j, key);
	fputc(c, j->f);
	j->depth++;
	j->first[j->depth] = 1;
	j->close[j->depth] = c == '[' ? ']' : '}';
}

void
dnsf_json_obj(struct dnsf_json *j, const char *key)
{
	open_(j, key, '{');
}

void
dnsf_json_arr(struct dnsf_json *j, const char *key)
{
	open_(j, key, '[');
}

void
dnsf_json_end(struct dnsf_json *j)
{
	if (j->f == NULL || j->depth == 0)
		return;
	const char c = j->close[j->depth];

	j->depth--;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	fputc(c, j->f);
}

void
dnsf_json_num(struct dnsf_json *j, const char *key, double v)
{
	if (j->f == NULL)
		return;
	sep(j, key);
	fprintf(j->f, "%.6g", v);
}

void
dnsf_json_u64(struct dnsf_json *j, const char *key, uint64_t v)
{
	if (j->f == NULL)
		return;
	sep(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void
dnsf_json_str(struct dnsf_json *j, const char *key, const char *v)
{
	if (j->f == NULL)
		return;
	sep(j, key);
	put_str(j->f, v);
}

void
dnsf_json_machine(struct dnsf_json *j)
{
	char model[256];

	dnsf_bench_cpu_model(model, sizeof(model));
	dnsf_json_obj(j, "machine");
	dnsf_json_str(j, "cpu_model", model);
	dnsf_json_u64(j, "cpus_online", dnsf_bench_ncpus());
	dnsf_json_u64(j, "tsc_hz", dnsf_bench_tsc_hz());
	dnsf_json_end(j);
}
