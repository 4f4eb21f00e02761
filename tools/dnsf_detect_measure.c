/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-detect-measure — measure the detector alone (no engine; no allow list unless asked) on
 *   pcap     labelled captures: a DNS message is tunnel traffic iff its QNAME ends with the
 *            --label suffix (default example.attack); with --rename the suffix is replaced, per
 *            capture, by a random registered domain of the same length, to show the verdicts do
 *            not depend on the tunnels' base domain;
 *   names    lists of tunnel QNAMEs replayed as sessions;
 *   benign   synthetic clients querying the benign name lists, look-alikes included, reporting
 *            the share of queries judged tunnel per kind.
 * Reading captures (libpcap, Ethernet / Linux cooked / raw IP), renaming the base domain (frames
 * rebuilt) and the synthetic clients are the tool modules dnsfence-eval and dnsfence-train use
 * (tools/dnsf_lsrc.h, dnsf_rename.h, dnsf_synth.h); this tool feeds their packets to
 * dnsf_detect_packet() directly, where dnsfence-eval runs the whole engine.
 * Every capture/run gets a fresh detector with the default configuration (dnsf_config_defaults).
 * Output is plain text; see docs/detection.md.
 *
 *   dnsfence-detect-measure pcap [--rename] [--seed N] [--label SUFFIX] FILE.pcap...
 *   dnsfence-detect-measure names QNAMES.txt...
 *   dnsfence-detect-measure benign [--clients N] [--seconds S] [--seed N] [--allowlist F] LIST...
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_config.h"
#include "dnsf_detect.h"
#include "dnsf_dns.h"
#include "dnsf_lsrc.h"
#include "dnsf_name.h"
#include "dnsf_pkt.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"
#include "dnsf_synth.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t
rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)((rnd() >> 32) % n);
}

static struct dnsf_psl *psl;
static uint64_t rename_seed = 1;
static struct dnsf_detect_params params;
static struct dnsf_config cfg;

static int
setup(void)
{
	char err[256];

	dnsf_config_defaults(&cfg);
	if (dnsf_psl_load(DNSF_PSL_DEFAULT_PATH, false, &psl, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	dnsf_detect_params_init(&params, &cfg.detect, &cfg.model);
	return 0;
}

/* ---------------------------------------------------------------- pcap mode */

struct session {
	uint8_t client[16];
	uint64_t tunnel_q, passed_q, first_block, leaked_before, leaked_total;
	uint64_t benign_q, benign_dropped, tunnel_r, tunnel_r_passed;
};

#define MAX_SESS 64

static int
measure_pcap(const char *path, const char *label, int do_rename, int verbose)
{
	char err[256];
	struct session sess[MAX_SESS];
	unsigned nsess = 0;
	struct dnsf_detect det;
	struct dnsf_lsrc_opts o;
	struct dnsf_lsrc *src;
	static struct dnsf_lpkt lp;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	int rc;

	memset(&o, 0, sizeof(o));
	o.suffixes[0] = label;
	o.nsuffixes = 1;
	o.rename_mode = do_rename ? DNSF_RENAME_RANDOM : DNSF_RENAME_NONE;
	o.rename_seed = rename_seed; /* per capture: seeded by the file's base name too */
	dnsf_pkt_cfg_default(&o.pkt);
	o.psl = psl;
	if (dnsf_lsrc_open_pcap(&o, path, &src, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (dnsf_detect_init(&det, &params, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		dnsf_lsrc_close(src);
		return -1;
	}
	const char *repl = dnsf_lsrc_renamed(src);
	memset(sess, 0, sizeof(sess));
	while ((rc = dnsf_lsrc_next(src, &lp, err, sizeof(err))) == 1) {
		const uint64_t now_us = lp.ts_us;
		const struct dnsf_pkt *pp = &lp.pkt;
		struct dnsf_detect_in in;
		struct dnsf_detect_out out;
		struct session *s = NULL;
		int tunnel;

		if (lp.cls != DNSF_PKT_DNS)
			continue;
		tunnel = lp.label == 1;
		dnsf_name_msg_hashes(&pp->dns, h);
		in.pkt = pp;
		in.dns = lp.frame + pp->dns_off;
		in.dns_len = pp->dns_len;
		in.h = h;
		in.split = (unsigned)dnsf_psl_split(psl, &pp->dns, h);
		in.now_us = now_us;
		in.has_keys = 0;
		in.lazy_feat = 0;
		dnsf_detect_packet(&det, &params, &in, &out);

		for (unsigned i = 0; i < nsess; i++)
			if (memcmp(sess[i].client, dnsf_pkt_client_addr(pp), 16) == 0)
				s = &sess[i];
		if (s == NULL && nsess < MAX_SESS) {
			s = &sess[nsess++];
			memcpy(s->client, dnsf_pkt_client_addr(pp), 16);
		}
		if (s == NULL)
			continue;
		if (!pp->is_query) {
			if (tunnel) {
				s->tunnel_r++;
				s->tunnel_r_passed += !out.tunnel;
			}
			continue;
		}
		if (!tunnel) {
			s->benign_q++;
			s->benign_dropped += out.tunnel;
			if (out.tunnel && verbose)
				printf("  benign dropped: %s\n", pp->dns.qname);
			continue;
		}
		s->tunnel_q++;
		unsigned sub = in.split ? (unsigned)pp->dns.label_off[in.split - 1] +
		                              pp->dns.label_len[in.split - 1]
		                        : 0;
		if (out.tunnel) {
			if (verbose > 2)
				printf("  blocked q#%llu reason %d scope %d score %d %s\n",
				       (unsigned long long)s->tunnel_q, out.reason, out.scope,
				       out.score, repl);
			if (s->first_block == 0) {
				s->first_block = s->tunnel_q;
				if (verbose)
					printf(
					    "  first block at query %llu: score %d (q %d flow %d "
					    "dom %d) %.60s\n",
					    (unsigned long long)s->tunnel_q, out.score, out.parts.q,
					    out.parts.flow, out.parts.dom, pp->dns.qname);
			}
		} else {
			if (s->first_block != 0 && verbose > 1)
				printf("  passed after block: q#%llu t=%.3f score %d reason %d "
				       "%.50s\n",
				       (unsigned long long)s->tunnel_q, (double)now_us / 1e6,
				       out.score, out.reason, pp->dns.qname);
			s->passed_q++;
			s->leaked_total += sub;
			if (s->first_block == 0)
				s->leaked_before += sub;
		}
	}
	dnsf_lsrc_close(src);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		dnsf_detect_fini(&det);
		return -1;
	}

	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (unsigned i = 0; i < nsess; i++) {
		struct session *s = &sess[i];
		if (s->tunnel_q == 0 && s->benign_q == 0)
			continue;
		printf("%-46s %3u.%u.%u.%u  tq %5llu passed %4llu first_block %4llu leaked %5llu "
		       "(total %5llu)  resp_passed %4llu/%-4llu benign %3llu dropped %llu\n",
		       base, s->client[0], s->client[1], s->client[2], s->client[3],
		       (unsigned long long)s->tunnel_q, (unsigned long long)s->passed_q,
		       (unsigned long long)s->first_block, (unsigned long long)s->leaked_before,
		       (unsigned long long)s->leaked_total, (unsigned long long)s->tunnel_r_passed,
		       (unsigned long long)s->tunnel_r, (unsigned long long)s->benign_q,
		       (unsigned long long)s->benign_dropped);
	}
	dnsf_detect_fini(&det);
	return 0;
}

/* ---------------------------------------------------------------- benign mode */

static size_t
build_query(const char *name, uint16_t qtype, uint8_t *buf)
{
	size_t n = 12;
	const char *s = name;

	memset(buf, 0, 12);
	buf[0] = (uint8_t)rnd_below(256);
	buf[1] = (uint8_t)rnd_below(256);
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		if (len == 0 || len > 63 || n + len + 6 > 300)
			return 0;
		buf[n++] = (uint8_t)len;
		memcpy(buf + n, s, len);
		n += len;
		s += len;
		if (*s == '.')
			s++;
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = 0;
	buf[n++] = 1;
	return n;
}

/* Queries per class: the synthetic kinds (dnsf_synth_kind); names mode uses class 0. */
struct stat_cls {
	uint64_t q, dropped, allowed;
};

/* --allowlist: names it matches pass before detection, as in the engine. */
static struct dnsf_suffix_set *allow;

struct client {
	uint8_t addr[16];
};

static struct stat_cls stats[DNSF_SYN__COUNT];
/* Rule scores of non-allow-listed benign queries, in steps of 10 (the margin to the threshold). */
static uint64_t score_hist[12];
static struct dnsf_detect bdet;
/* Allow-listed shapes never reach the detector in the engine: they get a detector of their own
 * here, so their (expected) detections do not put holds on domains the others use. */
static struct dnsf_detect bdet_allow;
static int bverbose;

/* Kinds whose names the shipped allow list covers (reverse DNS, AV look-ups, DNSBL). */
static int
allow_kind(unsigned k)
{
	return k == DNSF_SYN_PTR || k == DNSF_SYN_AV || k == DNSF_SYN_DNSBL;
}

/* Judge one parsed message of class k at time t; queries are counted. */
static void
judge(const struct dnsf_pkt *p, const uint8_t *dns, size_t dns_len, double t, unsigned k)
{
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	struct dnsf_detect_in in;
	struct dnsf_detect_out out;

	dnsf_name_msg_hashes(&p->dns, h);
	if (allow != NULL && dnsf_suffix_set_match(allow, &p->dns, h) >= 0) {
		if (p->is_query) {
			stats[k].q++;
			stats[k].allowed++;
		}
		return;
	}
	in.pkt = p;
	in.dns = dns;
	in.dns_len = dns_len;
	in.h = h;
	in.split = (unsigned)dnsf_psl_split(psl, &p->dns, h);
	in.now_us = (uint64_t)(t * 1e6);
	in.has_keys = 0;
	in.lazy_feat = 0;
	dnsf_detect_packet(allow_kind(k) ? &bdet_allow : &bdet, &params, &in, &out);
	if (!p->is_query)
		return;
	stats[k].q++;
	if (!allow_kind(k) && out.score >= 0)
		score_hist[out.score / 10 < 11 ? out.score / 10 : 11]++;
	if (out.tunnel) {
		stats[k].dropped++;
		if (bverbose && out.reason != DNSF_R_VERDICT_CACHE)
			printf("  FP %-14s score %3d (q %d flow %d dom %d) %s\n",
			       dnsf_synth_kind_name(k), out.score, out.parts.q, out.parts.flow,
			       out.parts.dom, p->dns.qname);
	}
}

/* Returns 0 when the name cannot be put on the wire (an empty label, too long). */
static int
send_query(const struct client *c, const char *name, uint16_t qtype, double t, unsigned k)
{
	uint8_t wire[320];
	struct dnsf_pkt p;
	size_t len = build_query(name, qtype, wire);

	if (len == 0)
		return 0;
	memset(&p, 0, sizeof(p));
	if (dnsf_dns_parse(wire, len, &p.dns) != DNSF_DNS_OK)
		return 0;
	p.cls = DNSF_PKT_DNS;
	p.ip_version = 4;
	p.l4_proto = 17;
	p.is_query = 1;
	p.client_is_src = 1;
	memcpy(p.src, c->addr, 16);
	p.dst[0] = 10;
	p.dst[3] = 53;
	p.sport = 40000;
	p.dport = 53;
	judge(&p, wire, len, t, k);
	return 1;
}

/* The synthetic clients of tools/dnsf_synth (queries and their answers, in time order). */
static int
measure_benign(int nfiles, char **files, unsigned nclients, double seconds, uint64_t seed)
{
	struct dnsf_synth_names *sn;
	struct dnsf_synth *sy;
	struct dnsf_synth_cfg sc;
	struct dnsf_pkt_cfg pcfg;
	static struct dnsf_synth_pkt sp;
	char err[256];

	if (dnsf_synth_names_load(&sn, (const char *const *)files, (unsigned)nfiles, psl, 0, 0, 0,
	                          err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	dnsf_synth_cfg_default(&sc);
	sc.clients = nclients;
	sc.seconds = seconds;
	sc.seed = seed;
	if (dnsf_synth_new(&sc, sn, &sy, err, sizeof(err)) != 0 ||
	    dnsf_detect_init(&bdet, &params, err, sizeof(err)) != 0 ||
	    dnsf_detect_init(&bdet_allow, &params, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	dnsf_pkt_cfg_default(&pcfg);
	while (dnsf_synth_next(sy, &sp) == 1) {
		struct dnsf_pkt p;
		if (dnsf_pkt_parse(sp.frame, sp.len, &pcfg, &p) != DNSF_PKT_DNS)
			continue;
		judge(&p, sp.frame + p.dns_off, p.dns_len, (double)sp.ts_us / 1e6, sp.kind);
	}
	uint64_t tq = 0, td = 0;
	printf("%-16s %10s %11s %8s %10s\n", "class", "queries", "allowlisted", "dropped", "share");
	for (unsigned k = 0; k < DNSF_SYN__COUNT; k++) {
		char name[32];
		snprintf(name, sizeof(name), "%s%s", dnsf_synth_kind_name(k),
		         allow_kind(k) ? "*" : "");
		printf("%-16s %10llu %11llu %8llu %10.2e\n", name, (unsigned long long)stats[k].q,
		       (unsigned long long)stats[k].allowed, (unsigned long long)stats[k].dropped,
		       stats[k].q ? (double)stats[k].dropped / (double)stats[k].q : 0.0);
		if (!allow_kind(k)) {
			tq += stats[k].q;
			td += stats[k].dropped;
		}
	}
	printf("%-16s %10llu %11s %8llu %10.2e\n", "total", (unsigned long long)tq, "",
	       (unsigned long long)td, tq ? (double)td / (double)tq : 0.0);
	printf("(* = allow-listed in config/allowlist: not in the total; without --allowlist they "
	       "are scored by a detector of their own)\n");
	printf("benign rule scores (not allow-listed):");
	for (int b = 0; b < 12; b++)
		printf(" %s%d:%llu", b == 11 ? ">=" : "", b * 10,
		       (unsigned long long)score_hist[b]);
	printf("\n");
	printf("flow table: %llu inserts, %llu evictions, %llu no_room; flow verdicts %llu, "
	       "domain verdicts %llu\n",
	       (unsigned long long)bdet.flows.inserts, (unsigned long long)bdet.flows.evictions,
	       (unsigned long long)bdet.flows.no_room, (unsigned long long)bdet.flow_verdicts,
	       (unsigned long long)bdet.dom_verdicts);
	dnsf_detect_fini(&bdet);
	dnsf_detect_fini(&bdet_allow);
	dnsf_synth_free(sy);
	dnsf_synth_names_free(sn);
	return 0;
}

/* ---------------------------------------------------------------- names mode */

/* A list of tunnel QNAMEs (one a line) replayed as one client's queries, `qps` a second, in
 * sessions of `per_session` names (a fresh detector each). */
static int
measure_names(const char *path, unsigned per_session, double qps)
{
	char line[600], err[256];
	FILE *fp = fopen(path, "r");
	struct client c;
	unsigned n = 0, sessions = 0, caught = 0, first = 0;
	uint64_t leaked = 0, leaked_sum = 0, first_sum = 0, leaked_max = 0, first_max = 0;
	int open_s = 0;

	if (fp == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.addr[0] = 10;
	c.addr[3] = 9;
	for (;;) {
		int eof = fgets(line, sizeof(line), fp) == NULL;
		if (open_s && (eof || n == per_session)) {
			sessions++;
			if (first) {
				caught++;
				first_sum += first;
				leaked_sum += leaked;
				if (leaked > leaked_max)
					leaked_max = leaked;
				if (first > first_max)
					first_max = first;
			}
			dnsf_detect_fini(&bdet);
			open_s = 0;
		}
		if (eof)
			break;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (!open_s) {
			if (dnsf_detect_init(&bdet, &params, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s\n", err);
				fclose(fp);
				return -1;
			}
			memset(stats, 0, sizeof(stats));
			open_s = 1;
			n = 0;
			first = 0;
			leaked = 0;
		}
		n++;
		uint64_t before = stats[0].dropped;
		/* Names the list holds in a form no wire name has ("a..b") are skipped. */
		if (!send_query(&c, line, DNSF_T_TXT,
		                1.7e9 + (double)(sessions * per_session + n) / qps, 0)) {
			n--;
			continue;
		}
		if (stats[0].dropped > before) {
			if (!first)
				first = n;
		} else if (!first) {
			/* The names are "sub.base.tld": what precedes the last two labels. */
			const char *e = line + strlen(line);
			int dots = 0;
			while (e > line && dots < 2)
				if (*--e == '.')
					dots++;
			leaked += (uint64_t)(e - line);
		}
	}
	fclose(fp);
	printf("%s: %u sessions of %u names at %.0f q/s: %u caught; first block mean %.1f max "
	       "%llu; leaked mean %.0f max %llu bytes\n",
	       path, sessions, per_session, qps, caught, caught ? (double)first_sum / caught : 0.0,
	       (unsigned long long)first_max, caught ? (double)leaked_sum / caught : 0.0,
	       (unsigned long long)leaked_max);
	return 0;
}

static void
usage(const char *argv0)
{
	fprintf(stderr,
	        "usage: %s pcap [--rename] [--seed N] [--label SUFFIX] [-v] FILE.pcap...\n"
	        "       %s names QNAMES.txt...   (sessions of 200 names, 20 q/s)\n"
	        "       %s benign [--clients N] [--seconds S] [--seed N] [--allowlist F] [-v] "
	        "LIST...\n",
	        argv0, argv0, argv0);
}

int
main(int argc, char **argv)
{
	const char *label = "example.attack";
	unsigned clients = 2000;
	double seconds = 3600;
	int do_rename = 0, verbose = 0, i;

	if (argc < 3) {
		usage(argv[0]);
		return 2;
	}
	for (i = 2; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--rename") == 0)
			do_rename = 1;
		else if (strcmp(argv[i], "-v") == 0)
			verbose++;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rename_seed = strtoull(argv[++i], NULL, 0),
			rng_state = rename_seed * 0x9E3779B97F4A7C15ull | 1;
		else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			label = argv[++i];
		else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
			clients = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--allowlist") == 0 && i + 1 < argc) {
			char err[256];
			if (dnsf_suffix_set_load(argv[++i], &allow, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (setup() != 0)
		return 1;
	if (strcmp(argv[1], "pcap") == 0) {
		for (; i < argc; i++)
			if (measure_pcap(argv[i], label, do_rename, verbose) != 0)
				return 1;
		return 0;
	}
	if (strcmp(argv[1], "names") == 0) {
		for (; i < argc; i++)
			if (measure_names(argv[i], 200, 20.0) != 0)
				return 1;
		return 0;
	}
	if (strcmp(argv[1], "benign") == 0) {
		bverbose = verbose;
		if (clients == 0)
			clients = 1;
		return measure_benign(argc - i, argv + i, clients, seconds, rename_seed) ? 1 : 0;
	}
	usage(argv[0]);
	return 2;
}
