/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_replay — run a fuzz harness without libFuzzer: LLVMFuzzerTestOneInput() on every file
 * named on the command line, or in the directories named (sorted, dot files and README* skipped).
 * Built with the normal compiler into the unit suite, it replays fuzz/regressions/<harness>/
 * (every crash ever found) and fuzz/corpus/<harness>/ (the seeds); in a sanitizer build the
 * sanitizers watch the replay too. A missing directory counts as empty (git keeps no empty
 * directories); no input at all is an error, so a broken path cannot pass silently.
 * Arguments starting with '-' are left to LLVMFuzzerInitialize() (e.g. fuzz_model's
 * -dnsf_write_seed=DIR). Exit status: 0, or the harness aborts (FUZZ_CHECK / sanitizer) and the
 * test fails.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Harnesses without set-up do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int
run_file(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* Exact size (at least 1 byte for malloc), so reads past the input are caught. */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		fprintf(stderr, "fuzz_replay: %s: short read\n", path);
		free(buf);
		return -1;
	}
	fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs replayed, or -1. */
static long
run_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0;
	long done = 0;
	DIR *d;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return run_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));

			if (nn == NULL)
				abort();
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n++] == NULL)
			abort();
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (done >= 0 && stat(full, &st) == 0 && S_ISREG(st.st_mode))
			done = run_file(full) == 0 ? done + 1 : -1;
		free(names[i]);
	}
	free(names);
	return done;
}

int
main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		long n;

		if (argv[i][0] == '-') /* a libFuzzer-style flag for the harness's initializer */
			continue;
		n = run_path(argv[i]);

		if (n < 0) {
			fprintf(stderr, "fuzz_replay: cannot replay %s\n", argv[i]);
			return 1;
		}
		printf("%s: %ld inputs\n", argv[i], n);
		total += n;
	}
	if (total == 0 && argc > 1 && argv[argc - 1][0] != '-') {
		fprintf(stderr, "fuzz_replay: no inputs found\n");
		return 1;
	}
	printf("replayed %ld inputs, all passed\n", total);
	return 0;
}
