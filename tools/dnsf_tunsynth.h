/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_tunsynth — synthetic tunnel sessions shaped like tools the training data never saw, for
 * the evaluator: the shared captures hold only iodine and dns2tcp, and Debian packages no other
 * tunnel. Each shape is written from the tool's public description (encoding, label layout,
 * record types, pacing), not from its code, and is an approximation of that tool's traffic:
 *   dnscat2      hex-encoded packets (encrypted: random-looking hex) split into labels of up to
 *                63 characters, TXT/CNAME/MX queries, an idle poll of ~9 bytes every second and
 *                data packets of up to ~110 bytes while a command runs;
 *   exfiltrator  DNSExfiltrator-like file exfiltration: an init query with base32 metadata, then
 *                numbered chunks of base64url data in 63-character labels, TXT, back to back;
 *   beacon       a Cobalt-Strike-like DNS beacon: an A query for an 8-hex-digit id every 60 s
 *                (20 % jitter); when tasked (one check-in in ten) a burst of short "api." and
 *                "post." queries carrying hex data;
 *   slow         low-and-slow exfiltration: one query of 40-60 base32 characters every 20 s.
 * variant 0 is the shape above (what dnsfence-eval --synth-tunnel plays); variant > 0 draws the
 * shape's parameters per session from wider ranges (pacing, data and id lengths, label length,
 * alphabet of the slow shape (base32 or base64url), the beacon's task words): the trainer's examples of these families,
 * so that the evaluator's fixed shapes are not what it learnt.
 * Contract: deterministic for a seed; one client (10.99.c.c / fd99::c) per session; every query
 * is answered (plausible NOERROR records of its type) a few milliseconds later; frames in
 * timestamp order; every QNAME ends with the configured base domain (the label suffix).
 */
#ifndef DNSF_TUNSYNTH_H
#define DNSF_TUNSYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_synth.h"

enum dnsf_tun_kind {
	DNSF_TUN_DNSCAT2 = 0,
	DNSF_TUN_EXFILTRATOR,
	DNSF_TUN_BEACON,
	DNSF_TUN_SLOW,
	DNSF_TUN__COUNT
};
const char *dnsf_tun_kind_name(unsigned k);
/* Kind of a name, or -1. */
int dnsf_tun_kind_of(const char *name);

struct dnsf_tun_cfg {
	uint8_t kind;      /* enum dnsf_tun_kind */
	uint32_t queries;  /* session length in queries (default 300) */
	double interval_s; /* mean gap between queries; 0: the kind's own pacing */
	uint64_t seed;
	uint64_t t0_us;
	uint8_t client;  /* client number: 10.99.<client>.<client> */
	uint8_t variant; /* 0: the documented shape; else parameters drawn per session */
	char domain[128];
};
void dnsf_tun_cfg_default(struct dnsf_tun_cfg *c, unsigned kind);

struct dnsf_tun;
int dnsf_tun_new(const struct dnsf_tun_cfg *c, struct dnsf_tun **out, char *err, size_t errlen);
/* 1: *p is the next packet (kind field: 0); 0: the session is over. */
int dnsf_tun_next(struct dnsf_tun *t, struct dnsf_synth_pkt *p);
void dnsf_tun_free(struct dnsf_tun *t);

#endif
