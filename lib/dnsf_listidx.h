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
 *    name ends with or once nothing is stored below the one found. A probe compares the full
 *    64-bit suffix hash, the length and the label count held in the slot, not the name. Each
 *    stored suffix carries the three results, worked out at build time for the names it ends,
 *    so only the deepest stored suffix found matters, and only it is compared byte for byte.
 *    That is exact: if it is the name's suffix, all its ancestors are stored and were found,
 *    since the build refuses to trust hashes when two stored names share (hash, length,
 *    labels) (then every probe compares). If the compare fails (a crafted 64-bit collision),
 *    the walk is redone comparing every probe. A collision costs time, never a wrong match.
 *  - Memory: 16 bytes per slot (load factor <= 0.5) plus 6 bytes of results and the name, for
 *    every stored suffix (entries and their ancestors); about 0.7 MiB with Debian's PSL.
 */
#ifndef DNSF_LISTIDX_H
#define DNSF_LISTIDX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dnsf_dns.h"
#include "dnsf_psl.h"

struct dnsf_listidx;
struct dnsf_suffix_set;

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

/* ---- the fast path, inline in the caller; the layout is private to dnsf_listidx.c ---- */

/* Open addressing, linear probing; slot index = low bits of the hash. Everything a probe needs
 * is in the slot (one cache line holds four); the arena record is read once per look-up. */
struct dnsf_listidx_slot {
	uint64_t h;   /* the suffix hash (dnsf_name.h) */
	uint32_t off; /* record in the arena; 0 = empty slot (the arena starts with a spare byte) */
	uint16_t key; /* DNSF_LISTIDX_KEY(name length, label count) */
	uint16_t flags; /* DNSF_LISTIDX_F_DESC: something is stored below; build-time bits */
};
#define DNSF_LISTIDX_KEY(len, nl) ((uint16_t)((len) | (nl) << 8))
#define DNSF_LISTIDX_F_DESC       0x400

/*
 * Arena record: the results for a name whose deepest stored suffix is this one, as label
 * counts from the right (a name of n labels gets index n - count), worked out at build time by
 * a reference walk over the stored name itself ("self") and over it with one unstored label
 * more ("ext": differs where a wildcard covers that label); then the name and a NUL.
 */
enum {
	DNSF_LISTIDX_R_ALLOW = 0, /* labels of the shortest allow entry on the path, 0 = none */
	DNSF_LISTIDX_R_DENY,      /* the same for deny */
	DNSF_LISTIDX_R_PSL_SELF,  /* labels of the public suffix */
	DNSF_LISTIDX_R_HOW_SELF,  /* DNSF_PSL_M_* */
	DNSF_LISTIDX_R_PSL_EXT,
	DNSF_LISTIDX_R_HOW_EXT,
	DNSF_LISTIDX_R_NAME
};

struct dnsf_listidx {
	struct dnsf_listidx_slot *slots;
	uint32_t mask; /* capacity - 1 */
	uint32_t used;
	int exact; /* two stored names share (hash, key): compare on every probe */
	char *arena;
	size_t arena_len, arena_cap;
};

/* a[0..len) == b[0..len), len >= 1, with word loads that stay inside both. */
static inline int
dnsf_listidx_same_(const char *a, const char *b, unsigned len)
{
	uint64_t d = 0, x, y;
	uint32_t p, q;
	uint16_t u, v;

	if (len >= 8) {
		for (unsigned i = 0; i + 8 < len; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			d |= x ^ y;
		}
		memcpy(&x, a + len - 8, 8);
		memcpy(&y, b + len - 8, 8);
		return (d | (x ^ y)) == 0;
	}
	if (len >= 4) {
		memcpy(&p, a, 4);
		memcpy(&q, b, 4);
		d = p ^ q;
		memcpy(&p, a + len - 4, 4);
		memcpy(&q, b + len - 4, 4);
		return (d | (p ^ q)) == 0;
	}
	if (len >= 2) {
		memcpy(&u, a, 2);
		memcpy(&v, b, 2);
		d = u ^ v;
		memcpy(&u, a + len - 2, 2);
		memcpy(&v, b + len - 2, 2);
		return (d | (uint16_t)(u ^ v)) == 0;
	}
	return a[0] == b[0];
}

static inline __attribute__((always_inline)) const struct dnsf_listidx_slot *
dnsf_listidx_probe_(const struct dnsf_listidx *x, uint64_t h, uint16_t key, const char *name,
                    unsigned len, const int exact)
{
	for (uint32_t i = (uint32_t)h & x->mask;; i = (i + 1) & x->mask) {
		const struct dnsf_listidx_slot *e = &x->slots[i];
		if (e->off == 0)
			return NULL;
		if (e->h == h && e->key == key &&
		    (!exact ||
		     dnsf_listidx_same_(x->arena + e->off + DNSF_LISTIDX_R_NAME, name, len)))
			return e;
	}
}

/* The deepest stored suffix of m's name: probes from the right until a miss or a suffix with
 * nothing stored below. exact == 0 trusts (hash, length, labels); the caller confirms. */
static inline __attribute__((always_inline)) const struct dnsf_listidx_slot *
dnsf_listidx_deepest_(const struct dnsf_listidx *x, const struct dnsf_dns_msg *m, const uint64_t *h,
                      unsigned *at, const int exact)
{
	const unsigned n = m->nlabels;
	const struct dnsf_listidx_slot *d = NULL;

	for (unsigned i = n; i-- > 0;) {
		const unsigned off = m->label_off[i], len = m->qname_len - off;
		const struct dnsf_listidx_slot *e = dnsf_listidx_probe_(
		    x, h[i], DNSF_LISTIDX_KEY(len, n - i), m->qname + off, len, exact);

		if (e == NULL)
			break;
		d = e;
		*at = i;
		if (!(e->flags & DNSF_LISTIDX_F_DESC))
			break;
	}
	return d;
}

/* Fast path. `h`: the nlabels + 1 suffix hashes of m's question name (dnsf_name_msg_hashes). */
static inline __attribute__((always_inline)) void
dnsf_listidx_lookup(const struct dnsf_listidx *x, const struct dnsf_dns_msg *m, const uint64_t *h,
                    struct dnsf_listidx_res *r)
{
	const unsigned n = m->nlabels;
	const struct dnsf_listidx_slot *d;
	const uint8_t *rec;
	unsigned at = 0;

	if (__builtin_expect(!x->exact, 1)) {
		d = dnsf_listidx_deepest_(x, m, h, &at, 0);
		/* If d holds the name's suffix, every suffix above it is stored and was found
		 * (no two stored names share (hash, key) in this mode): d's results are the
		 * name's. Otherwise (a crafted collision) look again, comparing. */
		if (d != NULL && !dnsf_listidx_same_(x->arena + d->off + DNSF_LISTIDX_R_NAME,
		                                     m->qname + m->label_off[at], d->key & 0xffu))
			d = dnsf_listidx_deepest_(x, m, h, &at, 1);
	} else {
		d = dnsf_listidx_deepest_(x, m, h, &at, 1);
	}
	if (d == NULL) { /* nothing stored ends this name: the implicit PSL rule */
		r->allow = -1;
		r->deny = -1;
		r->psl = n > 0 ? (int)n - 1 : 0;
		r->how = DNSF_PSL_M_DEFAULT;
		return;
	}
	rec = (const uint8_t *)x->arena + d->off;
	r->allow = rec[DNSF_LISTIDX_R_ALLOW] != 0 ? (int)(n - rec[DNSF_LISTIDX_R_ALLOW]) : -1;
	r->deny = rec[DNSF_LISTIDX_R_DENY] != 0 ? (int)(n - rec[DNSF_LISTIDX_R_DENY]) : -1;
	if (at == 0) {
		r->psl = (int)(n - rec[DNSF_LISTIDX_R_PSL_SELF]);
		r->how = rec[DNSF_LISTIDX_R_HOW_SELF];
	} else {
		r->psl = (int)(n - rec[DNSF_LISTIDX_R_PSL_EXT]);
		r->how = rec[DNSF_LISTIDX_R_HOW_EXT];
	}
}

#endif
