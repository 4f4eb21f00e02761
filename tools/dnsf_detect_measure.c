/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence-detect-measure — measure the detector alone (no allow list, no engine) on
 *   pcap     labelled captures: a DNS message is tunnel traffic iff its QNAME ends with the
 *            --label suffix (default example.attack); with --rename the suffix is replaced in
 *            memory, per capture, by a random registered domain under a random TLD, to show the
 *            verdicts do not depend on the tunnels' base domain;
 *   benign   synthetic clients querying the benign name lists (page views with Zipf-popular
 *            sites, their subdomains and third-party names, A/AAAA/HTTPS) plus the legitimate
 *            tunnel-like shapes (CDN hashes, ad-frame hex names, Chrome probes, PTR, DKIM/ACME
 *            TXT, AV hash look-ups, DNSBL), reporting the share of queries judged tunnel per
 *            class.
 * Every capture/run gets a fresh detector with the default configuration (dnsf_config_defaults)
 * unless --flow-entries/--hold is given. Output is plain text; see docs/detection.md.
 *
 *   dnsfence-detect-measure pcap [--rename] [--seed N] [--label SUFFIX] FILE.pcap...
 *   dnsfence-detect-measure names QNAMES.txt...
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
#include "dnsf_name.h"
#include "dnsf_pkt.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"

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

static void
rnd_str(char *out, unsigned len, const char *alphabet)
{
	unsigned n = (unsigned)strlen(alphabet);
	for (unsigned i = 0; i < len; i++)
		out[i] = alphabet[rnd_below(n)];
	out[len] = '\0';
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

/* Replace the labels of `suffix_labels` trailing labels of m (which end with the label suffix)
 * by `repl` (a presentation name), keeping the subdomain in place. */
static void
rename_suffix(struct dnsf_dns_msg *m, unsigned suffix_labels, const char *repl)
{
	unsigned keep = m->nlabels - suffix_labels;
	unsigned pos = keep ? (unsigned)m->label_off[keep - 1] + m->label_len[keep - 1] + 1 : 0;
	unsigned n = keep;
	const char *s = repl;

	while (*s && n < DNSF_DNS_MAX_LABELS) {
		const char *dot = strchr(s, '.');
		unsigned len = dot ? (unsigned)(dot - s) : (unsigned)strlen(s);
		if (pos + len > DNSF_DNS_MAX_NAME)
			break;
		memcpy(m->qname + pos, s, len);
		m->label_off[n] = (uint8_t)pos;
		m->label_len[n] = (uint8_t)len;
		n++;
		pos += len;
		s += len;
		if (*s == '.') {
			m->qname[pos++] = '.';
			s++;
		}
	}
	m->qname[pos] = '\0';
	m->qname_len = (uint8_t)pos;
	m->nlabels = (uint8_t)n;
}

static int
ends_with_label_suffix(const struct dnsf_dns_msg *m, const char *suffix, unsigned *nlab)
{
	size_t sl = strlen(suffix), ql = m->qname_len;
	unsigned labels = 1;

	for (const char *c = suffix; *c; c++)
		labels += *c == '.';
	*nlab = labels;
	if (ql < sl || strcmp(m->qname + ql - sl, suffix) != 0)
		return 0;
	return ql == sl || m->qname[ql - sl - 1] == '.';
}

static int
measure_pcap(const char *path, const char *label, int do_rename, int verbose)
{
	char errbuf[PCAP_ERRBUF_SIZE], err[256], repl[64];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct session sess[MAX_SESS];
	unsigned nsess = 0;
	struct dnsf_detect det;
	struct dnsf_pkt p;
	struct dnsf_pkt_cfg pcfg;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int rc;

	if (pc == NULL) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return -1;
	}
	if (dnsf_detect_init(&det, &params, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		pcap_close(pc);
		return -1;
	}
	dnsf_pkt_cfg_default(&pcfg);
	{
		static const char *const tlds[] = {"com", "net", "org",  "io",    "xyz",
		                                   "ru",  "de",  "info", "co.uk", "cc"};
		char base[16];
		const char *bn = strrchr(path, '/');
		bn = bn ? bn + 1 : path;
		/* Per capture, independent of the order of the files given. */
		rng_state = dnsf_hash_bytes(bn, (unsigned)strlen(bn), rename_seed) | 1;
		/* No longer than the label suffix: the captured names may already be close to 255
		 * octets, and a longer replacement would have to cut them. */
		const char *tld = tlds[rnd_below(10)];
		int room = (int)strlen(label) - 1 - (int)strlen(tld);
		int blen = room < 3 ? 3 : 3 + (int)rnd_below((uint32_t)(room - 2));
		if (blen > 15)
			blen = 15;
		rnd_str(base, (unsigned)blen, "abcdefghijklmnopqrstuvwxyz0123456789");
		snprintf(repl, sizeof(repl), "%s.%s", base, tld);
	}
	memset(sess, 0, sizeof(sess));
	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		uint64_t now_us = (uint64_t)hdr->ts.tv_sec * 1000000 + (uint64_t)hdr->ts.tv_usec;
		struct dnsf_detect_in in;
		struct dnsf_detect_out out;
		struct session *s = NULL;
		unsigned nlab;
		int tunnel;

		if (dnsf_pkt_parse(data, hdr->caplen, &pcfg, &p) != DNSF_PKT_DNS)
			continue;
		tunnel = ends_with_label_suffix(&p.dns, label, &nlab);
		if (tunnel && do_rename)
			rename_suffix(&p.dns, nlab, repl);
		dnsf_name_msg_hashes(&p.dns, h);
		in.pkt = &p;
		in.dns = data + p.dns_off;
		in.dns_len = p.dns_len;
		in.h = h;
		in.split = (unsigned)dnsf_psl_split(psl, &p.dns, h);
		in.now_us = now_us;
		dnsf_detect_packet(&det, &params, &in, &out);

		for (unsigned i = 0; i < nsess; i++)
			if (memcmp(sess[i].client, dnsf_pkt_client_addr(&p), 16) == 0)
				s = &sess[i];
		if (s == NULL && nsess < MAX_SESS) {
			s = &sess[nsess++];
			memcpy(s->client, dnsf_pkt_client_addr(&p), 16);
		}
		if (s == NULL)
			continue;
		if (!p.is_query) {
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
				printf("  benign dropped: %s\n", p.dns.qname);
			continue;
		}
		s->tunnel_q++;
		unsigned sub = in.split ? (unsigned)p.dns.label_off[in.split - 1] +
		                              p.dns.label_len[in.split - 1]
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
					    out.parts.flow, out.parts.dom, p.dns.qname);
			}
		} else {
			if (s->first_block != 0 && verbose > 1)
				printf("  passed after block: q#%llu t=%.3f score %d reason %d "
				       "%.50s\n",
				       (unsigned long long)s->tunnel_q, (double)now_us / 1e6,
				       out.score, out.reason, p.dns.qname);
			s->passed_q++;
			s->leaked_total += sub;
			if (s->first_block == 0)
				s->leaked_before += sub;
		}
	}
	pcap_close(pc);

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

enum cls {
	K_POPULAR, /* list names, their subdomains, third parties */
	K_CDN,     /* cloudfront / akamai / googlevideo shapes */
	K_ADHEX,   /* 32-hex ad frames */
	K_PROBE,   /* Chrome random single-label probes */
	K_TXT,     /* DKIM and ACME TXT */
	K_PTR,     /* reverse look-ups (allow-listed in the shipped config) */
	K_AV,      /* AV hash look-ups (allow-listed) */
	K_DNSBL,   /* DNSBL (allow-listed) */
	K__N
};
static const char *const cls_name[K__N] = {"popular",       "cdn",  "ad_hex",     "chrome_probe",
                                           "dkim_acme_txt", "ptr*", "av_lookup*", "dnsbl*"};

struct names {
	char **v;
	size_t n, cap;
};

static void
names_add(struct names *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (l->v == NULL)
			abort();
	}
	l->v[l->n++] = strdup(s);
}

/* Zipf(1) rank in 0..n-1 by inverse transform on the harmonic series (approximate). */
static size_t
zipf(size_t n)
{
	/* P(rank <= k) ~ ln(k+1) / ln(n+1): rank = (n+1)^u - 1. */
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	double r = 1.0;
	double base = (double)n + 1.0;
	/* exp(u * ln(base)) without libm dependence concerns: tools may use libm. */
	r = __builtin_exp(u * __builtin_log(base)) - 1.0;
	size_t k = (size_t)r;
	return k < n ? k : n - 1;
}

struct stat_cls {
	uint64_t q, dropped, allowed;
};

/* --allowlist: names it matches pass before detection, as in the engine. */
static struct dnsf_suffix_set *allow;

struct client {
	uint8_t addr[16];
	double next_s;
	double rate; /* page views per second */
};

static struct stat_cls stats[K__N];
/* Rule scores of non-allow-listed benign queries, in steps of 10 (the margin to the threshold). */
static uint64_t score_hist[12];
static struct dnsf_detect bdet;
/* Allow-listed shapes never reach the detector in the engine: they get a detector of their own
 * here, so their (expected) detections do not put holds on domains the others use. */
static struct dnsf_detect bdet_allow;
static int bverbose;

/* Returns 0 when the name cannot be put on the wire (an empty label, too long). */
static int
send_query(const struct client *c, const char *name, uint16_t qtype, double t, enum cls k)
{
	uint8_t wire[320];
	struct dnsf_pkt p;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	struct dnsf_detect_in in;
	struct dnsf_detect_out out;
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
	dnsf_name_msg_hashes(&p.dns, h);
	if (allow != NULL && dnsf_suffix_set_match(allow, &p.dns, h) >= 0) {
		stats[k].q++;
		stats[k].allowed++;
		return 1;
	}
	in.pkt = &p;
	in.dns = wire;
	in.dns_len = len;
	in.h = h;
	in.split = (unsigned)dnsf_psl_split(psl, &p.dns, h);
	in.now_us = (uint64_t)(t * 1e6);
	dnsf_detect_packet(k >= K_PTR ? &bdet_allow : &bdet, &params, &in, &out);
	stats[k].q++;
	if (k < K_PTR && out.score >= 0)
		score_hist[out.score / 10 < 11 ? out.score / 10 : 11]++;
	if (out.tunnel) {
		stats[k].dropped++;
		if (bverbose && out.reason != DNSF_R_VERDICT_CACHE)
			printf("  FP %-14s score %3d (q %d flow %d dom %d) %s\n", cls_name[k],
			       out.score, out.parts.q, out.parts.flow, out.parts.dom, name);
	}
	return 1;
}

static const char HEX[] = "0123456789abcdef";
static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void
lookalike(const struct client *c, double t, const struct names *sites)
{
	char name[300], a[80], b[80];
	uint32_t r = rnd_below(100);

	if (r < 30) {
		rnd_str(a, 13, ALNUM);
		snprintf(name, sizeof(name), "d%s.cloudfront.net", a);
		send_query(c, name, DNSF_T_A, t, K_CDN);
	} else if (r < 50) {
		snprintf(name, sizeof(name), "e%u.dscx.akamaiedge.net", rnd_below(99999));
		send_query(c, name, DNSF_T_A, t, K_CDN);
	} else if (r < 60) {
		rnd_str(a, 8, "abcdefghijklmnopqrstuvwxyz0123456789-");
		snprintf(name, sizeof(name), "rr%u---sn-%s.googlevideo.com", 1 + rnd_below(9), a);
		send_query(c, name, DNSF_T_A, t, K_CDN);
	} else if (r < 90) {
		rnd_str(a, 32, HEX);
		snprintf(name, sizeof(name), "%s.safeframe.googlesyndication.com", a);
		send_query(c, name, DNSF_T_A, t, K_ADHEX);
	} else {
		const char *site = sites->v[zipf(sites->n)];
		if (rnd_below(2))
			snprintf(name, sizeof(name), "_acme-challenge.%s", site);
		else
			snprintf(name, sizeof(name), "%s._domainkey.%s",
			         rnd_below(2) ? "selector1" : "google", site);
		send_query(c, name, DNSF_T_TXT, t, K_TXT);
	}
	(void)b;
}

static void
background(const struct client *c, double t, int av_user)
{
	char name[300], a[80], b[80];
	uint32_t r = rnd_below(100);

	if (r < 50) {
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", rnd_below(256),
		         rnd_below(256), rnd_below(256), rnd_below(223) + 1);
		send_query(c, name, DNSF_T_PTR, t, K_PTR);
	} else if (r < 60) {
		size_t n = 0;
		for (int i = 0; i < 32; i++)
			n +=
			    (size_t)snprintf(name + n, sizeof(name) - n, "%c.", HEX[rnd_below(16)]);
		snprintf(name + n, sizeof(name) - n, "ip6.arpa");
		send_query(c, name, DNSF_T_PTR, t, K_PTR);
	} else if (r < 70) {
		snprintf(name, sizeof(name), "%u.%u.%u.%u.zen.spamhaus.org", rnd_below(256),
		         rnd_below(256), rnd_below(256), rnd_below(223) + 1);
		send_query(c, name, DNSF_T_A, t, K_DNSBL);
	} else if (av_user) {
		uint32_t w = rnd_below(3);
		if (w == 0) {
			rnd_str(a, 64, HEX);
			rnd_str(b, 32, HEX);
			snprintf(name, sizeof(name), "3.%s.%s.i.01.mac.sophosxl.net", a, b);
		} else if (w == 1) {
			rnd_str(a, 26, B32);
			snprintf(name, sizeof(name), "0.0.0.0.1.0.0.4e.%s.avqs.mcafee.com", a);
		} else {
			rnd_str(a, 40, HEX);
			snprintf(name, sizeof(name), "%s.malware.hash.cymru.com", a);
		}
		send_query(c, name, DNSF_T_A, t, K_AV);
	}
}

static int
measure_benign(int nfiles, char **files, unsigned nclients, double seconds)
{
	struct names sites = {0}, fqdns = {0};
	char line[512], err[256];
	struct client *cl;

	for (int f = 0; f < nfiles; f++) {
		FILE *fp = fopen(files[f], "r");
		if (fp == NULL) {
			fprintf(stderr, "cannot open %s\n", files[f]);
			return -1;
		}
		while (fgets(line, sizeof(line), fp)) {
			line[strcspn(line, "\r\n \t")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			char reg[300];
			int sp = dnsf_psl_split_name(psl, line, reg, sizeof(reg));
			if (sp < 0)
				continue;
			if (sp == 0)
				names_add(&sites, line); /* a registered domain: a site */
			names_add(&fqdns, line);
		}
		fclose(fp);
	}
	if (sites.n == 0 || fqdns.n == 0) {
		fprintf(stderr, "no names\n");
		return -1;
	}
	if (dnsf_detect_init(&bdet, &params, err, sizeof(err)) != 0 ||
	    dnsf_detect_init(&bdet_allow, &params, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	cl = calloc(nclients, sizeof(*cl));
	for (unsigned i = 0; i < nclients; i++) {
		cl[i].addr[0] = 10;
		cl[i].addr[1] = (uint8_t)(i >> 16);
		cl[i].addr[2] = (uint8_t)(i >> 8);
		cl[i].addr[3] = (uint8_t)i;
		/* page views every 5..65 s on average */
		cl[i].rate = 1.0 / (5.0 + rnd_below(60));
		cl[i].next_s = (double)rnd_below(10000) / 1000.0;
	}
	/* Chrome probes at start: three random single labels of 7..15 letters per client. */
	for (unsigned i = 0; i < nclients; i++)
		for (int k = 0; k < 3; k++) {
			char a[20];
			rnd_str(a, 7 + rnd_below(9), LOWER);
			send_query(&cl[i], a, DNSF_T_A, cl[i].next_s, K_PROBE);
		}
	/* Event loop: the client with the earliest next page view goes next (linear scan is
	 * fine for a few thousand clients). */
	for (;;) {
		unsigned best = 0;
		for (unsigned i = 1; i < nclients; i++)
			if (cl[i].next_s < cl[best].next_s)
				best = i;
		struct client *c = &cl[best];
		double t = c->next_s;
		if (t > seconds)
			break;
		const char *site = sites.v[zipf(sites.n)];
		char name[300];
		size_t slen = strlen(site);
		int www = rnd_below(2);

		snprintf(name, sizeof(name), "%s%s", www ? "www." : "", site);
		send_query(c, name, DNSF_T_A, t, K_POPULAR);
		send_query(c, name, DNSF_T_AAAA, t + 0.001, K_POPULAR);
		if (rnd_below(10) < 3)
			send_query(c, name, DNSF_T_HTTPS, t + 0.002, K_POPULAR);
		/* Subdomains of the same site from the FQDN list (scan a random window). */
		for (unsigned k = 0, got = 0, want = rnd_below(6); k < 200 && got < want; k++) {
			const char *fq = fqdns.v[rnd_below((uint32_t)fqdns.n)];
			size_t fl = strlen(fq);
			if (fl > slen + 1 && strcmp(fq + fl - slen, site) == 0 &&
			    fq[fl - slen - 1] == '.') {
				send_query(c, fq, DNSF_T_A, t + 0.01 * (k + 1), K_POPULAR);
				got++;
			}
		}
		/* Third-party names (popular FQDNs). */
		for (unsigned k = 0, n = rnd_below(6); k < n; k++)
			send_query(c, fqdns.v[zipf(fqdns.n)], rnd_below(2) ? DNSF_T_A : DNSF_T_AAAA,
			           t + 0.05 + 0.01 * k, K_POPULAR);
		for (unsigned k = 0, n = rnd_below(3); k < n; k++)
			lookalike(c, t + 0.1 + 0.01 * k, &sites);
		if (rnd_below(10) == 0)
			background(c, t + 0.2, best % 10 == 0);
		/* Exponential inter-arrival. */
		double u = ((double)(rnd() >> 11) + 1.0) / 9007199254740993.0;
		c->next_s = t - __builtin_log(u) / c->rate;
	}
	uint64_t tq = 0, td = 0;
	printf("%-16s %10s %11s %8s %10s\n", "class", "queries", "allowlisted", "dropped", "share");
	for (int k = 0; k < K__N; k++) {
		printf("%-16s %10llu %11llu %8llu %10.2e\n", cls_name[k],
		       (unsigned long long)stats[k].q, (unsigned long long)stats[k].allowed,
		       (unsigned long long)stats[k].dropped,
		       stats[k].q ? (double)stats[k].dropped / (double)stats[k].q : 0.0);
		if (k < K_PTR) {
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
	free(cl);
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
		uint64_t before = stats[K_POPULAR].dropped;
		/* Names the list holds in a form no wire name has ("a..b") are skipped. */
		if (!send_query(&c, line, DNSF_T_TXT,
		                1.7e9 + (double)(sessions * per_session + n) / qps, K_POPULAR)) {
			n--;
			continue;
		}
		if (stats[K_POPULAR].dropped > before) {
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
		return measure_benign(argc - i, argv + i, clients, seconds) ? 1 : 0;
	}
	usage(argv[0]);
	return 2;
}
