/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_frame — build and rebuild DNS frames for the offline tools (synthetic benign traffic,
 * base-domain renaming). Tools only: the dataplane never builds frames except its in-place
 * REFUSED answer (lib/dnsf_refuse.c).
 *
 * Contract:
 *  - dnsf_frame_udp() writes a complete Ethernet + IPv4/IPv6 + UDP frame around a DNS message,
 *    lengths and checksums right (the UDP checksum over the pseudo-header, never 0 on the wire).
 *  - dnsf_frame_replace_dns() copies a parsed DNS frame with its DNS message replaced by
 *    another of any length: link header and VLAN tags, IPv4 options / IPv6 extension headers and
 *    the L4 header are kept; IP lengths, the UDP length, the TCP length prefix and every
 *    checksum are recomputed. Fragments and TCP segments carrying several messages are refused.
 *  - struct dnsf_dnsw writes DNS messages (uncompressed names, bounded buffer): every put
 *    checks room, and an overflow sticks (dnsf_dnsw_len() then returns 0).
 */
#ifndef DNSF_FRAME_H
#define DNSF_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_csum.h"
#include "dnsf_pkt.h"

/* Incremental update (RFC 1624) of checksum ck when n bytes change from before[] to after[];
 * odd: the first byte is the low byte of its 16-bit word. */
uint16_t dnsf_csum_adjust(uint16_t ck, const uint8_t *before, const uint8_t *after, size_t n,
                          int odd);

struct dnsf_frame_addr {
	uint8_t ip_version; /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t smac[6], dmac[6];
};

/* Frame of a UDP datagram carrying dns[0..dns_len). Returns its length, or 0 if cap is short. */
size_t dnsf_frame_udp(const struct dnsf_frame_addr *a, const uint8_t *dns, size_t dns_len,
                      uint8_t *out, size_t cap);

/* Returns the new frame's length, or 0 when the frame cannot be rebuilt (see above). */
size_t dnsf_frame_replace_dns(const uint8_t *frame, size_t len, const struct dnsf_pkt *p,
                              const uint8_t *dns, size_t dns_len, uint8_t *out, size_t cap);

/* ---- a small DNS message writer ---- */

struct dnsf_dnsw {
	uint8_t *buf;
	size_t cap, len;
	int overflow;
};

void dnsf_dnsw_init(struct dnsf_dnsw *w, uint8_t *buf, size_t cap);
void dnsf_dnsw_u8(struct dnsf_dnsw *w, uint8_t v);
void dnsf_dnsw_u16(struct dnsf_dnsw *w, uint16_t v);
void dnsf_dnsw_u32(struct dnsf_dnsw *w, uint32_t v);
void dnsf_dnsw_bytes(struct dnsf_dnsw *w, const void *p, size_t n);
/* A presentation name ("a.b.c", trailing dot optional, "" or "." the root) in wire form. An
 * empty or > 63-octet label, or a name > 255 octets, sets overflow. */
void dnsf_dnsw_name(struct dnsf_dnsw *w, const char *name);
/* Header: id, flags word, counts. */
void dnsf_dnsw_header(struct dnsf_dnsw *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                      uint16_t ns, uint16_t ar);
/* Start a record (owner, type, class IN, ttl) and return the offset of its RDLENGTH; write
 * the RDATA, then dnsf_dnsw_rr_end() fills RDLENGTH in. */
size_t dnsf_dnsw_rr_begin(struct dnsf_dnsw *w, const char *owner, uint16_t type, uint32_t ttl);
void dnsf_dnsw_rr_end(struct dnsf_dnsw *w, size_t rdlen_off);
/* An EDNS0 OPT record with this UDP size. */
void dnsf_dnsw_opt(struct dnsf_dnsw *w, uint16_t udp_size);
/* Bytes written, or 0 after an overflow. */
size_t dnsf_dnsw_len(const struct dnsf_dnsw *w);

#endif
