/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_harden — DNS-standard hardening applied inline (docs/hardening.md): 0x20 letter-case
 * randomization of query names with stateless restoration in the answers, an EDNS0 UDP-size
 * ceiling for queries and answers, and a per-QTYPE policy table.
 *
 * Contract: struct dnsf_harden is built once on the control side (dnsf_harden_init) and only read
 * by workers. The frame functions take a frame and the dnsf_pkt_parse() result of exactly that
 * frame, read and write only inside [frame, frame + len), never allocate, never grow the frame,
 * and leave every checksum they touch as valid as it was (RFC 1624 incremental update for
 * in-place changes; derived from the old checksum when the length changes, so a wrong checksum
 * stays wrong and a right one stays right). A function that does not act leaves the frame
 * byte-for-byte untouched. They act on UDP only (DNS over TCP is left alone: an answer may span
 * segments and several messages may share one, see docs/hardening.md).
 *
 * Direction is the DNS role, not the port: a query (QR=0) is randomized, a response (QR=1) is
 * restored. The mask is a keyed PRF of (client address, client port, DNS ID, lower-cased QNAME;
 * the name enters as the engine's 64-bit hash of it, dnsf_name.h), all echoed by the response, so
 * any worker restores any answer without state, live or in a replay. Randomized case = original XOR
 * mask; restored = answer XOR mask. Whether a message is eligible (UDP, opcode QUERY, one question,
 * >= 2 letters, not on the exception list) depends only on bytes the answer echoes, so queries and
 * answers always agree.
 */
#ifndef DNSF_HARDEN_H
#define DNSF_HARDEN_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_config.h"
#include "dnsf_pkt.h"

struct dnsf_suffix_set;

/* 256 mask bits: a 255-octet name holds at most 253 letters. */
#define DNSF_HARDEN_MASK_WORDS 4
/* A name needs this many letters to be randomized: with one letter a resolver that lower-cases
 * could not be told from a client that sent the flipped case. */
#define DNSF_HARDEN_MIN_LETTERS 2
/* Mnemonics are looked up among types 0..DNSF_HARDEN_MNEMONIC_MAX (every one dnsf_rrtype_name()
 * knows); any type can be written as TYPE<n>. */
#define DNSF_HARDEN_MNEMONIC_MAX 1023

struct dnsf_harden {
	uint64_t k0, k1; /* SipHash-2-4 key (little-endian halves) */
	const struct dnsf_suffix_set
	    *exceptions; /* never randomized; NULL = none; owned by caller */
	uint8_t case_on;
	uint8_t edns_on;
	uint8_t oversize_drop; /* 1: drop oversize answers, 0: truncate them */
	uint8_t types_on;
	uint16_t edns_max;
	uint8_t type_action[65536]; /* enum dnsf_type_action by QTYPE */
};

/* Result bits of the frame functions (the engine turns them into counters). */
enum {
	DNSF_HD_RANDOMIZED = 1u << 0,     /* query: letter case randomized */
	DNSF_HD_EXEMPT = 1u << 1,         /* query or answer: name on the exception list */
	DNSF_HD_RESTORED = 1u << 2,       /* answer: client's case restored */
	DNSF_HD_RESTORE_FAILED = 1u << 3, /* answer: case not echoed, passed untouched */
	DNSF_HD_EDNS_CLAMPED = 1u << 4,   /* query: OPT UDP size lowered to edns_max */
	DNSF_HD_OVERSIZE = 1u << 5,       /* answer: UDP DNS message larger than edns_max */
	DNSF_HD_TRUNCATED = 1u << 6,      /* ... cut after the question, TC set */
	DNSF_HD_DROP = 1u << 7,           /* ... to be dropped (policy, or cannot be truncated) */
};

/*
 * Build from a validated config. `exceptions` (may be NULL) must outlive hd. The key is
 * cfg->case_key when cfg->case_key_set, else 16 bytes from getrandom(). Returns 0, or -1 with
 * one line in err (only when the random key cannot be had).
 */
int dnsf_harden_init(struct dnsf_harden *hd, const struct dnsf_harden_cfg *cfg,
                     const struct dnsf_suffix_set *exceptions, char *err, size_t errlen);

/* The action for a query's QTYPE (DNSF_TYPE_PASS when the policy is off). */
static inline uint8_t
dnsf_harden_type_action(const struct dnsf_harden *hd, uint16_t qtype)
{
	return hd->types_on ? hd->type_action[qtype] : (uint8_t)DNSF_TYPE_PASS;
}

/*
 * A UDP query about to be forwarded: randomize the QNAME's letter case (case_on) and clamp the
 * OPT UDP size (edns_on). `h` holds the suffix hashes of p->dns (dnsf_name_msg_hashes): h[0]
 * enters the mask, all of them the exception list. Returns DNSF_HD_* bits.
 */
unsigned dnsf_harden_query(const struct dnsf_harden *hd, uint8_t *frame, uint32_t len,
                           const struct dnsf_pkt *p, const uint64_t *h);

/* Bytes a restoration changed, so that a verdict taken after it (drop) can put the frame back
 * exactly as it arrived. Owner names that would overflow the log are left unrestored. */
#define DNSF_HARDEN_UNDO_MAX 512
struct dnsf_harden_undo {
	uint8_t active;                          /* something to undo */
	uint16_t ck;                             /* the UDP checksum before */
	uint32_t ck_off;                         /* its frame offset */
	uint16_t q_at, q_len;                    /* the question name: frame offset, octets */
	uint64_t q_mask[DNSF_HARDEN_MASK_WORDS]; /* ... and the octets flipped in it */
	uint16_t n;                              /* owner-name letters flipped */
	uint16_t off[DNSF_HARDEN_UNDO_MAX];      /* their frame offsets */
};

/*
 * A UDP response (case_on): give the question and every owner name that repeats the question
 * name, or one of its suffixes, in the randomized case back the client's case. An answer whose
 * question letters are all one case (while the mask is never uniform) was not echoed by the
 * resolver: untouched, DNSF_HD_RESTORE_FAILED. Updates p->dns.qname_upper to the restored name.
 * `undo` (may be NULL) records what changed, for dnsf_harden_undo().
 */
unsigned dnsf_harden_restore(const struct dnsf_harden *hd, uint8_t *frame, uint32_t len,
                             struct dnsf_pkt *p, const uint64_t *h, struct dnsf_harden_undo *undo);

/* Put back the bytes a dnsf_harden_restore() changed (checksum included). */
void dnsf_harden_undo(uint8_t *frame, const struct dnsf_harden_undo *undo);

/*
 * A UDP response (edns_on) whose DNS message (from the UDP length, so also for a first fragment)
 * is larger than edns_max: DNSF_HD_OVERSIZE | DNSF_HD_DROP (policy drop, or an IPv6 first
 * fragment or an IPv4 first fragment with options, which cannot be made whole here), or
 * DNSF_HD_OVERSIZE | DNSF_HD_TRUNCATED with the frame rewritten into the truncated answer:
 * header with TC=1 and ANCOUNT = NSCOUNT = 0, the question section, the answer's own OPT record
 * if it is in the frame (ARCOUNT 1, else 0); IP and UDP lengths, IPv4 MF cleared (a first
 * fragment becomes a whole datagram), checksums fixed. *out_len is then the new frame length
 * and the bytes after it are zeroed. 0 when the answer is within the ceiling (or not eligible).
 */
unsigned dnsf_harden_oversize(const struct dnsf_harden *hd, uint8_t *frame, uint32_t len,
                              const struct dnsf_pkt *p, uint32_t *out_len);

/* ---- building blocks, exposed for tests and tools ---- */

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of `len` bytes; key = k0 | k1 << 64 read as 16
 * little-endian bytes. */
uint64_t dnsf_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len);

/*
 * The case mask of an uncompressed wire-format name (`name_len` octets including the root byte;
 * any letter case), as the frame functions compute it: SipHash-2-4 of client address, port, ID
 * and the hash of the lower-cased name (h[0] of dnsf_name_suffix_hashes() over the parser's
 * presentation form). Bit k of mask (word k / 64,
 * bit k % 64) belongs to octet k of the name and is only ever set on an ASCII letter. Returns the
 * number of letters. With >= 2 letters the mask is never empty nor all the letters (the first
 * letter's bit is toggled when it would be), so a name of one case always comes out mixed.
 * Returns 0 with mask zeroed for a name longer than 255 octets or not made of plain labels.
 */
unsigned dnsf_harden_mask(const struct dnsf_harden *hd, const uint8_t client[16], uint16_t port,
                          uint16_t id, const uint8_t *name, unsigned name_len,
                          uint64_t mask[DNSF_HARDEN_MASK_WORDS]);

/* XOR the case of the octets of an uncompressed wire name whose mask bit is set (randomize and
 * restore are the same operation). Returns the number of octets changed. */
unsigned dnsf_harden_flip(uint8_t *name, unsigned name_len,
                          const uint64_t mask[DNSF_HARDEN_MASK_WORDS]);

/* Parse a 128-bit key written as exactly 32 hex digits. Returns 0 or -1. */
int dnsf_harden_key_parse(const char *hex, uint8_t key[DNSF_HARDEN_KEY_LEN]);

/* Parse a hardening.types key: a mnemonic ("NULL", "txt"), "TYPE<n>", a number 0..65535, or
 * "PRIVATE" (65280-65534, RFC 6895 private use). Returns 0 with the range, or -1. */
int dnsf_harden_type_parse(const char *s, uint16_t *lo, uint16_t *hi);

/* "pass", "count", "refuse", "drop". */
const char *dnsf_type_action_name(enum dnsf_type_action a);

#endif
