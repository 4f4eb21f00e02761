/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_bench_util — what every benchmark needs and nothing else: the time-stamp counter and its
 * rate, a description of the machine, and a small JSON writer for --json output.
 *
 * Contract: dnsf_bench_tsc_hz() measures the TSC against CLOCK_MONOTONIC once (~100 ms) and
 * caches it; cycles reported by the benchmarks are TSC ticks (constant rate, which on this kind
 * of VM is not necessarily the core clock; ns figures come from the same measurement). The JSON
 * writer emits one object with nested objects/arrays, keys in the order written; it does not
 * escape anything but '"' and '\\' (keys and strings are ours).
 */
#ifndef DNSF_BENCH_UTIL_H
#define DNSF_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>

static inline uint64_t
dnsf_bench_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

uint64_t dnsf_bench_tsc_hz(void);
double dnsf_bench_now_s(void);

/* "Intel(R) Xeon(R) Processor" etc. from /proc/cpuinfo; "unknown" when absent. */
void dnsf_bench_cpu_model(char *out, size_t len);
unsigned dnsf_bench_ncpus(void);

/* Median of n doubles (sorts v in place). */
double dnsf_bench_median(double *v, unsigned n);

struct dnsf_json {
	FILE *f;
	int depth;
	int first[32];
	char close[32]; /* ']' or '}' of each open level */
};

int dnsf_json_open(struct dnsf_json *j, const char *path); /* 0, or -1 with errno */
void dnsf_json_close(struct dnsf_json *j);
void dnsf_json_obj(struct dnsf_json *j, const char *key); /* key NULL: in an array / top */
void dnsf_json_arr(struct dnsf_json *j, const char *key);
void dnsf_json_end(struct dnsf_json *j); /* closes the innermost object or array */
void dnsf_json_num(struct dnsf_json *j, const char *key, double v);
void dnsf_json_u64(struct dnsf_json *j, const char *key, uint64_t v);
void dnsf_json_str(struct dnsf_json *j, const char *key, const char *v);

/* The machine block every benchmark writes first. */
void dnsf_json_machine(struct dnsf_json *j);

#endif
