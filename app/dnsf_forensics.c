/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * forensics.pcap: frames dropped by a verdict go to a rotating pcap file, written by the
 * control core. A worker hands the dropped mbuf itself (no copy) to control through its own
 * SP/SC ring, at most forensics.rate frames per second (GCRA, bursts of up to one second's
 * worth); over the rate, or with the ring full, it frees the frame as before and counts it
 * (forensic_skipped). Control writes a classic pcap record per frame (microsecond wall-clock
 * time, the whole frame up to 65535 bytes) and frees the mbuf; past forensics.max_size_kb it
 * rotates: pcap -> pcap.1 -> ... -> pcap.(files-1), the oldest removed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dnsf_app.h"

#define CAP_RING  256 /* mbufs per worker in flight to control */
#define CAP_BATCH 32
#define SNAPLEN   65535u

static int
open_file(struct dnsf_app *app, char *err, size_t errlen)
{
	/* Classic pcap, microseconds, version 2.4 (two u16), snaplen, Ethernet; host order. */
	static const uint32_t hdr[6] = {0xa1b2c3d4u, 2u | (4u << 16), 0, 0, SNAPLEN, 1};
	const char *path = app->cfg->forensics.pcap;

	app->cap_file = fopen(path, "w");
	if (app->cap_file == NULL) {
		snprintf(err, errlen, "forensics.pcap %s: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(hdr, sizeof(hdr), 1, app->cap_file) != 1) {
		snprintf(err, errlen, "forensics.pcap %s: cannot write", path);
		fclose(app->cap_file);
		app->cap_file = NULL;
		return -1;
	}
	app->cap_file_bytes = 24;
	return 0;
}

static void
rotate(struct dnsf_app *app)
{
	const char *path = app->cfg->forensics.pcap;
	char from[DNSF_PATH_MAX + 16], to[DNSF_PATH_MAX + 16], err[DNSF_ERR_MAX];
	uint8_t i; /* files <= 100 */

	fclose(app->cap_file);
	app->cap_file = NULL;
	if (app->cfg->forensics.files > 1) {
		for (i = (uint8_t)(app->cfg->forensics.files - 1); i >= 1; i--) {
			if (i == 1)
				snprintf(from, sizeof(from), "%s", path);
			else
				snprintf(from, sizeof(from), "%s.%u", path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", path, i);
			rename(from, to); /* a missing one is fine */
		}
	}
	if (open_file(app, err, sizeof(err)) != 0)
		fprintf(stderr,
		        "dnsfence: forensics: %s; capture stopped until the next rotation\n", err);
}

static void
write_frame(struct dnsf_app *app, struct rte_mbuf *m)
{
	static uint8_t buf[SNAPLEN];
	const uint32_t len = m->pkt_len, cap = len < SNAPLEN ? len : SNAPLEN;
	const uint64_t rec = 16u + cap;
	const void *data;
	uint32_t rh[4];
	struct timespec ts;

	if (app->cap_file != NULL &&
	    app->cap_file_bytes + rec > (uint64_t)app->cfg->forensics.max_size_kb * 1024u &&
	    app->cap_file_bytes > 24)
		rotate(app);
	if (app->cap_file == NULL) {
		app->cap_write_errors++;
		return;
	}
	data = rte_pktmbuf_read(m, 0, cap, buf);
	clock_gettime(CLOCK_REALTIME, &ts);
	rh[0] = (uint32_t)ts.tv_sec;
	rh[1] = (uint32_t)(ts.tv_nsec / 1000);
	rh[2] = cap;
	rh[3] = len;
	if (data == NULL || fwrite(rh, sizeof(rh), 1, app->cap_file) != 1 ||
	    fwrite(data, cap, 1, app->cap_file) != 1) {
		app->cap_write_errors++;
		return;
	}
	app->cap_file_bytes += rec;
	app->cap_written++;
}

int
dnsf_forensics_init(struct dnsf_app *app, char *err, size_t errlen)
{
	uint16_t w;

	app->cap_file = NULL;
	if (app->replay || app->cfg->forensics.pcap[0] == '\0')
		return 0; /* a replay has --dropped */
	app->cap_interval_tsc = app->tsc_hz / app->cfg->forensics.rate;
	if (app->cap_interval_tsc == 0)
		app->cap_interval_tsc = 1;
	for (w = 0; w < app->n_workers; w++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "dnsf_cap%u", w);
		app->lc[w]->cap_ring =
		    rte_ring_create(name, CAP_RING, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (app->lc[w]->cap_ring == NULL) {
			snprintf(err, errlen,
			         "forensics: cannot create the capture ring of worker %u", w);
			return -1;
		}
	}
	return open_file(app, err, errlen);
}

void
dnsf_forensics_poll(struct dnsf_app *app)
{
	struct rte_mbuf *ms[CAP_BATCH];
	unsigned n, i;
	uint16_t w;
	int any = 0;

	for (w = 0; w < app->n_workers; w++) {
		if (app->lc[w]->cap_ring == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(app->lc[w]->cap_ring, (void **)ms, CAP_BATCH, NULL);
		for (i = 0; i < n; i++) {
			write_frame(app, ms[i]);
			rte_pktmbuf_free(ms[i]);
		}
		any |= n > 0;
	}
	if (any && app->cap_file != NULL)
		fflush(app->cap_file);
}

void
dnsf_forensics_fini(struct dnsf_app *app)
{
	uint16_t w;

	for (w = 0; w < app->n_workers; w++) {
		struct rte_ring *r;
		void *m;

		if (app->lc[w] == NULL) /* a start that failed half-way */
			continue;
		r = app->lc[w]->cap_ring;
		if (r == NULL)
			continue;
		while (rte_ring_sc_dequeue(r, &m) == 0) {
			write_frame(app, m);
			rte_pktmbuf_free(m);
		}
		rte_ring_free(r);
		app->lc[w]->cap_ring = NULL;
	}
	if (app->cap_file != NULL)
		fclose(app->cap_file);
	app->cap_file = NULL;
}
