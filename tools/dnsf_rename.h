/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_rename — labels and base-domain renaming for labelled captures (offline tools only).
 *
 * The shared captures label a DNS message as tunnel traffic iff its QNAME ends with a known
 * suffix (e.g. example.attack), and every tunnel there uses that one base domain. To show that
 * detection does not hang on it, the tools rewrite the suffix to other random-looking domains
 * before the packet reaches the engine.
 *
 * Contract:
 *  - dnsf_label_match(): index of the first suffix the parsed QNAME ends with at a label
 *    boundary (case-insensitive; the QNAME itself may be the suffix), or -1.
 *  - dnsf_rename_msg(): decodes a whole DNS message (every name expanded from its compression
 *    pointers, names inside NS/CNAME/PTR/DNAME/MX/SRV/SOA/... RDATA too) and re-encodes it
 *    uncompressed with every name ending in one of the `from` suffixes ending in `to` instead.
 *    The replacement copies the letter case pattern of the replaced suffix, so a resolver's 0x20
 *    randomisation survives. Records after a malformation are cut and the counts adjusted.
 *    Returns the new length and sets *renamed to the number of names changed; 0 when the header
 *    or the question cannot be decoded, a renamed name would exceed 255 octets, or cap is short.
 *  - dnsf_rename_question_inplace(): for a message that cannot be rebuilt (the first fragment of a
 *    fragmented answer: the rest of the datagram is in other frames), rename the question name
 *    in place when the replacement has exactly the length of the replaced suffix; returns 1 and
 *    sets *chg_off (offset of the changed bytes in dns) when it did, 0 otherwise.
 *  - dnsf_rename_random(): a random-looking registered domain (letters and digits under one of a
 *    few common public suffixes) of exactly len characters (6..200), a pure function of
 *    (seed, key). Exactly the length of the label suffix, so that names near the 255-octet limit
 *    still fit and fragments can be renamed in place.
 */
#ifndef DNSF_RENAME_H
#define DNSF_RENAME_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_dns.h"

int dnsf_label_match(const struct dnsf_dns_msg *m, const char *const *suffixes, unsigned n);

size_t dnsf_rename_msg(const uint8_t *dns, size_t len, const char *const *from, unsigned nfrom,
                       const char *to, uint8_t *out, size_t cap, unsigned *renamed);

int dnsf_rename_question_inplace(uint8_t *dns, size_t len, const char *const *from, unsigned nfrom,
                                 const char *to, size_t *chg_off);

/* Returns 0, or -1 if len is out of range or outlen too small. */
int dnsf_rename_random(uint64_t seed, const char *key, unsigned len, char *out, size_t outlen);

/* Length of the subdomain of m split at label `split` (labels 0..split-1, with the dots between
 * them): the payload measure of the evaluator ("bytes leaked"), the same as dnsf_qfeat.sub_len. */
static inline unsigned
dnsf_sub_len(const struct dnsf_dns_msg *m, unsigned split)
{
	if (split == 0 || split > m->nlabels)
		return 0;
	return (unsigned)m->label_off[split - 1] + m->label_len[split - 1];
}

#endif
