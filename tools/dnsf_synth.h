/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_synth — synthetic benign DNS clients for the evaluator and the trainer.
 *
 * Name lists (popular FQDNs, popular registered domains) have names but no clients, timing or
 * answers. This module plays many clients against one resolver: each client views pages as a
 * Poisson process (its own mean interval), picks sites with a Zipf popularity skew (list order is
 * rank order), and per page view asks for the site (A, AAAA on dual-stack clients, HTTPS on
 * clients whose browser does), some of the site's own names from the FQDN list, popular
 * third-party names, and now and then the legitimate names that look like tunnels: CDN object
 * hashes, 32-hex ad frames, Chrome's random single-label probes, DKIM and ACME TXT look-ups,
 * reverse DNS, antivirus hash look-ups and DNSBL queries. Some clients are not browsers: mail
 * servers (SPF, DKIM, DMARC, MTA-STS TXT, MX, TLSA, DNSBL for every message), domain members
 * (SRV look-ups of domain controllers), validating forwarders (DS and DNSKEY), admins and scripts
 * (explicit CNAME, NS, SOA, MX, TXT, CAA look-ups of ordinary names), and optionally forwarders
 * or NAT gateways that stand for 20-200 users each (many names of one domain from one address):
 * the record types and the volumes tunnels show have everyday users too, and a classifier must
 * not learn "TXT = tunnel" or "CNAME = tunnel".
 * The resolver answers each query a few milliseconds later with plausible records (CNAME
 * chains, A/AAAA sets, HTTPS or NODATA, big DKIM TXT keys and DNSKEY sets, NXDOMAIN for probes
 * and most DNSBL look-ups); EDNS0 use is a per-client trait.
 *
 * Contract:
 *  - Deterministic: the same names, config and seed give the same packets, byte for byte.
 *  - dnsf_synth_next() hands out complete Ethernet/IPv4-or-IPv6/UDP frames in timestamp order
 *    (ties in generation order); memory is bounded by the clients and the page views in flight.
 *  - The train/validation split is by registered domain: dnsf_synth_names_load() keeps only the
 *    names whose registered domain hashes into [part_lo, part_hi) modulo part_mod (part_mod 0:
 *    all). The tunnel-like shapes use fixed service domains, which both parts share.
 */
#ifndef DNSF_SYNTH_H
#define DNSF_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_psl.h"

/* What a synthetic message is (the evaluator reports benign drops per kind). */
enum dnsf_synth_kind {
	DNSF_SYN_POPULAR = 0, /* list names: sites, their names, third parties */
	DNSF_SYN_CDN,         /* cloudfront / akamaiedge / googlevideo object names */
	DNSF_SYN_ADHEX,       /* 32-hex ad frames */
	DNSF_SYN_PROBE,       /* Chrome's random single-label probes */
	DNSF_SYN_TXT,         /* DKIM and ACME TXT */
	DNSF_SYN_PTR,         /* reverse look-ups */
	DNSF_SYN_AV,          /* antivirus hash look-ups */
	DNSF_SYN_DNSBL,       /* DNS block lists */
	DNSF_SYN_SYSTEM,      /* OS background: NTP pools, connectivity checks, updates */
	DNSF_SYN_MAIL,        /* mail servers: SPF / DKIM / DMARC / MTA-STS TXT, MX, TLSA */
	DNSF_SYN_SRV,         /* service discovery: AD domain controllers, Kerberos, autodiscover */
	DNSF_SYN_DNSSEC,      /* validating forwarders: DS and DNSKEY */
	DNSF_SYN_ADMIN,       /* admins and scripts: explicit CNAME, NS, SOA, MX, TXT, CAA */
	DNSF_SYN_PERIODIC,    /* timers: NTP, connectivity checks, push, CDN names at TTL expiry,
	                         hex device-id heartbeats, API and mail polls (periodic_pct) */
	DNSF_SYN__COUNT
};
const char *dnsf_synth_kind_name(unsigned k);

struct dnsf_synth_names;

int dnsf_synth_names_load(struct dnsf_synth_names **out, const char *const *files, unsigned n,
                          const struct dnsf_psl *psl, unsigned part_mod, unsigned part_lo,
                          unsigned part_hi, char *err, size_t errlen);
void dnsf_synth_names_free(struct dnsf_synth_names *n);
/* Sites (registered domains) and FQDNs kept. */
size_t dnsf_synth_names_sites(const struct dnsf_synth_names *n);
size_t dnsf_synth_names_fqdns(const struct dnsf_synth_names *n);
/* The part of a registered domain (what the loader filters on): hash % part_mod. */
unsigned dnsf_synth_part(const char *regdomain, unsigned part_mod);

struct dnsf_synth_cfg {
	uint32_t clients;      /* default 2000 */
	double seconds;        /* simulated time (default 3600) */
	uint64_t seed;         /* default 1 */
	uint64_t t0_us;        /* time of the first page view (default 1.7e15 = 2023-11-14) */
	double view_min_s;     /* each client's mean page-view interval is drawn from */
	double view_max_s;     /* [view_min_s, view_max_s] (default 5..65 s) */
	uint8_t lookalikes;    /* CDN / ad / probe / TXT shapes (default 1) */
	uint8_t allowlisted;   /* PTR / AV / DNSBL shapes (default 1) */
	uint8_t responses;     /* emit the resolver's answers too (default 1) */
	uint8_t v6_share_pct;  /* clients on IPv6 (default 20) */
	uint8_t periodic_pct;  /* clients that also run 1-3 periodic pollers (default 0: none; the
	                          default stream, which the trainer uses, is unchanged) */
	uint8_t forwarder_pct; /* clients that are forwarders / NAT gateways for 20-200 users
	                          (default 0: a stress test, see docs/detection.md) */
};
void dnsf_synth_cfg_default(struct dnsf_synth_cfg *c);

#define DNSF_SYNTH_MAX_FRAME 1600

struct dnsf_synth_pkt {
	uint8_t frame[DNSF_SYNTH_MAX_FRAME];
	uint32_t len;
	uint64_t ts_us;
	uint8_t kind; /* enum dnsf_synth_kind */
	uint8_t is_query;
	uint32_t client; /* client index */
};

struct dnsf_synth;

int dnsf_synth_new(const struct dnsf_synth_cfg *c, const struct dnsf_synth_names *n,
                   struct dnsf_synth **out, char *err, size_t errlen);
/* 1: *p is the next packet; 0: simulated time is over. */
int dnsf_synth_next(struct dnsf_synth *s, struct dnsf_synth_pkt *p);
void dnsf_synth_free(struct dnsf_synth *s);

#endif
