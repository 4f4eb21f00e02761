/* SPDX-License-Identifier: BSD-3-Clause */
/* Temporary files for the file-based harnesses (config, lists, engine set-up). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

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
