/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_pcap — read capture files for the offline tools (evaluator, trainer) as Ethernet frames
 * with microsecond timestamps (dnsf_lsrc merges several sources in timestamp order).
 *
 * Contract:
 *  - Link types: Ethernet (DLT_EN10MB), Linux cooked v1 and v2 (DLT_LINUX_SLL / SLL2) and raw IP
 *    (DLT_RAW / LINKTYPE_IPV4 / LINKTYPE_IPV6). Cooked and raw records are turned into an
 *    Ethernet frame in memory (a 14-byte header with the record's EtherType and synthetic MACs
 *    that say which way the packet went), so the dataplane parser sees exactly what a NIC would
 *    give it. Any other link type is an error at open time.
 *  - Timestamps are microseconds since the epoch (nanosecond files are scaled by libpcap).
 *  - A record cut short by the snap length (caplen < len) is skipped and counted: feeding a
 *    partial frame to the parser would turn a capture artefact into a "malformed" verdict.
 *  - A returned frame lives in the reader's buffer until the next call; callers that modify it
 *    (the engine rewrites REFUSE answers in place) copy it first.
 */
#ifndef DNSF_PCAP_H
#define DNSF_PCAP_H

#include <stddef.h>
#include <stdint.h>

/* Largest frame handed out: a 64 KiB IP datagram plus link headers. */
#define DNSF_PCAP_MAX_FRAME (65535 + 64)

struct dnsf_pcap_rec {
	const uint8_t *frame; /* Ethernet frame */
	uint32_t len;
	uint64_t ts_us;
};

struct dnsf_pcap;

/* Open one file. 0, or -1 with one line in err. */
int dnsf_pcap_open(const char *path, struct dnsf_pcap **out, char *err, size_t errlen);
/* 1: *rec holds the next frame; 0: end of file; -1: read error (err says which). */
int dnsf_pcap_next(struct dnsf_pcap *r, struct dnsf_pcap_rec *rec, char *err, size_t errlen);
void dnsf_pcap_close(struct dnsf_pcap *r); /* NULL is fine */

/* Records skipped because caplen < len, and records of unsupported shape (cooked header cut
 * off, a raw record that is not IPv4/IPv6). */
uint64_t dnsf_pcap_truncated(const struct dnsf_pcap *r);
uint64_t dnsf_pcap_skipped(const struct dnsf_pcap *r);

#endif
