/* SPDX-License-Identifier: BSD-3-Clause */
/* Temporary files for the file-based harnesses (config, lists, engine set-up). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dnsf_features.h"
#include "dnsf_model.h"
#include "fuzz_common.h"

#define FUZZ_SLOTS 8

static char tmp_dir[256];
static char paths[FUZZ_SLOTS][512];

/* Every file a harness creates is directly in its directory, so removing the entries is enough. */
static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void
cleanup(void)
{
	if (tmp_dir[0] != '\0')
		remove_dir(tmp_dir);
	tmp_dir[0] = '\0';
}

/* A crash ends the process without atexit(): remove directories of processes that are gone. */
static void
remove_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;
	char p[600];
	long pid;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (sscanf(e->d_name, "dnsf-fuzz-%ld-", &pid) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(p, sizeof(p), "%s/%s", base, e->d_name);
		remove_dir(p);
	}
	closedir(d);
}

const char *
fuzz_tmp_path(unsigned slot, const char *name)
{
	if (slot >= FUZZ_SLOTS)
		abort();
	if (tmp_dir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		/* The harnesses rewrite a file per input: on ext4, truncating and rewriting a file
		 * starts writeback at every close (auto_da_alloc), which made the file harnesses
		 * wait on the disk ~90% of the time. tmpfs has no such cost. */
		if (base == NULL || base[0] == '\0')
			base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		remove_stale(base);
		snprintf(tmp_dir, sizeof(tmp_dir), "%s/dnsf-fuzz-%ld-XXXXXX", base, (long)getpid());
		if (mkdtemp(tmp_dir) == NULL) {
			fprintf(stderr, "fuzz: mkdtemp %s: %s\n", tmp_dir, strerror(errno));
			abort();
		}
		atexit(cleanup);
	}
	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", tmp_dir, name);
	return paths[slot];
}

void
fuzz_write_file(const char *path, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "fuzz: open %s: %s\n", path, strerror(errno));
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fuzz: write %s: %s\n", path, strerror(errno));
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "fuzz: close %s: %s\n", path, strerror(errno));
		abort();
	}
}

size_t
fuzz_model_file(uint8_t *buf, size_t cap, unsigned variant, int32_t last_bias)
{
	static const unsigned shapes[FUZZ_MODEL_VARIANTS][5] = {
	    {16, 8, 1}, {1}, {64, 48, 1}, {32, 64, 16, 1}};
	static struct dnsf_model m;
	unsigned widths[DNSF_MODEL_MAX_LAYERS + 1], n_layers = 0;
	char err[FUZZ_ERR_MAX];
	size_t n;

	widths[0] = DNSF_F_VEC_COUNT <= DNSF_MODEL_MAX_IN ? DNSF_F_VEC_COUNT : DNSF_MODEL_MAX_IN;
	variant %= FUZZ_MODEL_VARIANTS;
	while (n_layers < DNSF_MODEL_MAX_LAYERS && shapes[variant][n_layers] != 0) {
		widths[n_layers + 1] = shapes[variant][n_layers];
		n_layers++;
	}
	if (dnsf_model_init(&m, dnsf_feat_schema_hash(), n_layers, widths, err, sizeof(err)) != 0)
		goto fail;
	snprintf(m.desc, sizeof(m.desc), "fuzz seed %u", variant);
	for (unsigned k = 0; k < n_layers; k++) {
		struct dnsf_model_layer *l = &m.layer[k];

		l->shift = 8;
		for (unsigned o = 0; o < widths[k + 1]; o++) {
			l->mult[o] = 1 << 8;
			l->bias[o] = k + 1 == n_layers ? last_bias
			                               : ((int32_t)(o * 7919 % 2001) - 1000) * 16;
			for (unsigned i = 0; i < widths[k]; i++)
				dnsf_model_set_weight(
				    &m, k, o, i,
				    (int8_t)((int)((o * 31 + i * 17 + k) % 255) - 127));
		}
	}
	if (dnsf_model_validate(&m, err, sizeof(err)) != 0)
		goto fail;
	n = dnsf_model_serialize(&m, buf, cap);
	if (n == 0) {
		snprintf(err, sizeof(err), "does not serialise into %zu bytes", cap);
		goto fail;
	}
	return n;
fail:
	fprintf(stderr, "fuzz: building model variant %u: %s\n", variant, err);
	abort();
}
