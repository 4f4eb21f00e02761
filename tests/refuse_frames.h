/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * refuse_frames — test-only builder of DNS query frames (and the RFC 1071 checksum the tests use
 * to check dnsf_refuse_build independently), shared by test_refuse and the refuse_pcap generator
 * of the tshark check. Not part of lib/: nothing in the engine builds frames from scratch.
 */
#ifndef REFUSE_FRAMES_H
#define REFUSE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct tq_spec {
	uint8_t ipv;        /* 4 or 6 */
	uint8_t n_vlan;     /* 0, 1 (0x8100) or 2 (0x88a8 outer, 0x8100 inner) */
	uint8_t v4_opt_len; /* IPv4 options bytes, multiple of 4 (router alert + NOPs) */
	uint8_t v6_ext;     /* IPv6: number of extension headers (hop-by-hop, then dest options) */
	uint8_t edns;       /* add an OPT record */
	uint8_t do_bit;     /* DO in that OPT */
	uint8_t cookie;     /* put an 8-byte client COOKIE option in the OPT */
	uint8_t tcp;        /* DNS over TCP instead of UDP */
	uint8_t mf;         /* IPv4: set MF (a first fragment) */
	uint8_t eth_pad;    /* pad the frame with zeros to 60 bytes (Ethernet minimum) */
	uint8_t extra_rr;   /* add an unrelated additional record before the OPT */
	uint16_t qdcount;   /* 0 means 1 */
	uint16_t flags;     /* DNS header flags word */
	uint16_t id;
	uint16_t qtype;
	uint16_t sport, dport;
	const char *qname; /* dotted, case kept; "" for the root */
};

/* Writes the frame into buf (room bytes), returns its length or 0 when it does not fit. */
size_t tq_build(const struct tq_spec *s, uint8_t *buf, size_t room);

/* Offset/length of the question (name + type + class) of the frame tq_build made for s. */
size_t tq_question(const struct tq_spec *s, const uint8_t *frame, size_t *qlen);

/* RFC 1071 sum over a gathered list of buffers, folded and complemented. */
uint16_t tq_csum(const uint8_t *const *bufs, const size_t *lens, unsigned n);

#endif
