/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_listidx — one index over the allow list, the deny list and the Public Suffix List, so a
 * DNS message's question name is walked once (one table probe per label) for all three.
 *
 * Contract:
 *  - Built whole by the control side from the three read-only sources (any may be NULL) and
 *    read-only afterwards: any number of workers look up at once, without locks. It copies
 *    what it needs (the sources may be freed after), so it goes with the lists it was built
 *    from and must be rebuilt when they or the PSL change (dnsf_lists_index, dnsf_lists.h).
 *  - dnsf_listidx_lookup() gives exactly what the separate look-ups give for the same (m, h),
 *    whatever h holds: allow = dnsf_suffix_set_match(allow), deny = dnsf_suffix_set_match(deny)
 *    (independent of allow; -1 for a missing list), psl = dnsf_psl_suffix(psl, &how) (the
 *    implicit "*" rule without a PSL). So: the shortest matching allow/deny entry, PSL
 *    exception/wildcard/private rules as loaded (ignore_private applies at the PSL's load).
 *  - Cost: at most one probe per label from the right, stopping at the first suffix no stored
 *    name ends with or once no stored name lies below the one found. A probe compares the full
 *    64-bit suffix hash, the length and the label count held in the slot, not the name; only
 *    the deepest stored name that decided something is compared byte for byte. That is exact:
 *    if it is the name, all its ancestors are stored and the build refused to rely on hashes
 *    when two stored names share (hash, length, labels) (then every probe compares). If the
 *    compare fails (a crafted 64-bit collision), the walk is redone comparing every probe. A
 *    hash collision costs time, never a wrong match.
 *  - Memory: 16 bytes per slot (load factor <= 0.5) plus the names, for every stored suffix
 *    (entries and their ancestors); about 0.65 MiB with Debian's PSL.
 */
#ifndef DNSF_LISTIDX_H
#define DNSF_LISTIDX_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_dns.h"

struct dnsf_listidx;
struct dnsf_suffix_set;
struct dnsf_psl;

/* NULL on allocation failure. All three sources may be NULL (an index that matches nothing). */
struct dnsf_listidx *dnsf_listidx_build(const struct dnsf_suffix_set *allow,
                                        const struct dnsf_suffix_set *deny,
                                        const struct dnsf_psl *psl);
void dnsf_listidx_free(struct dnsf_listidx *x); /* NULL is fine */

/* Heap bytes held; stored suffixes (entries and ancestors). */
size_t dnsf_listidx_memory(const struct dnsf_listidx *x);
uint32_t dnsf_listidx_size(const struct dnsf_listidx *x);
/* 1 when two stored names share (hash, length, labels), so every probe compares names. */
int dnsf_listidx_exact(const struct dnsf_listidx *x);

struct dnsf_listidx_res {
	int allow;    /* label where the shortest matching allow entry starts, or -1 */
	int deny;     /* the same for the deny list */
	int psl;      /* public suffix index (dnsf_psl_suffix) */
	unsigned how; /* DNSF_PSL_M_* of the prevailing rule */
};

/* Fast path. `h`: the nlabels + 1 suffix hashes of m's question name (dnsf_name_msg_hashes). */
void dnsf_listidx_lookup(const struct dnsf_listidx *x, const struct dnsf_dns_msg *m,
                         const uint64_t *h, struct dnsf_listidx_res *r);

#endif
