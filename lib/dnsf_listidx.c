/* SPDX-License-Identifier: BSD-3-Clause */
/* One index over the allow, deny and public suffix lists (dnsf_listidx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_listidx.h"
#include "dnsf_name.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"

/*
 * Slot flags: the PSL rule flags at the PSL table's own bit positions (DNSF_PSL_F_*), then the
 * list memberships, then DESC: some stored name lies below this one (else a walk stops here).
 */
enum {
	F_PSL = DNSF_PSL_F_RULE | DNSF_PSL_F_WILD | DNSF_PSL_F_EXC | DNSF_PSL_F_RULE_PRIV |
	        DNSF_PSL_F_WILD_PRIV | DNSF_PSL_F_EXC_PRIV,
	F_ALLOW = 0x100,
	F_DENY = 0x200,
	F_DESC = DNSF_LISTIDX_F_DESC,
};

/* The layout (slots, records) is in dnsf_listidx.h, for the inline fast path. */
#define slot       dnsf_listidx_slot
#define probe      dnsf_listidx_probe_
#define KEY        DNSF_LISTIDX_KEY
#define R_ALLOW    DNSF_LISTIDX_R_ALLOW
#define R_DENY     DNSF_LISTIDX_R_DENY
#define R_PSL_SELF DNSF_LISTIDX_R_PSL_SELF
#define R_HOW_SELF DNSF_LISTIDX_R_HOW_SELF
#define R_PSL_EXT  DNSF_LISTIDX_R_PSL_EXT
#define R_HOW_EXT  DNSF_LISTIDX_R_HOW_EXT
#define R_NAME     DNSF_LISTIDX_R_NAME

/* ---- build (control side) ---- */

static int
grow(struct dnsf_listidx *x)
{
	const uint32_t ncap = (x->mask + 1) * 2;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (uint32_t i = 0; i <= x->mask; i++) {
		uint32_t j;
		if (x->slots[i].off == 0)
			continue;
		for (j = (uint32_t)x->slots[i].h & (ncap - 1); ns[j].off != 0;
		     j = (j + 1) & (ncap - 1))
			;
		ns[j] = x->slots[i];
	}
	free(x->slots);
	x->slots = ns;
	x->mask = ncap - 1;
	return 0;
}

/* Store one suffix or OR flags into its slot; notes any other name with the same (h, key). */
static int
store(struct dnsf_listidx *x, uint64_t h, const char *name, unsigned len, unsigned nl,
      uint16_t flags)
{
	const uint16_t key = KEY(len, nl);
	uint32_t i;

	if ((uint64_t)(x->used + 1) * 2 > (uint64_t)x->mask + 1 && grow(x) != 0)
		return -1;
	for (i = (uint32_t)h & x->mask; x->slots[i].off != 0; i = (i + 1) & x->mask) {
		struct slot *e = &x->slots[i];
		if (e->h != h || e->key != key)
			continue;
		if (memcmp(x->arena + e->off + R_NAME, name, len) == 0) {
			e->flags |= flags;
			return 0;
		}
		x->exact = 1;
	}
	if (x->arena_len + R_NAME + len + 1 > x->arena_cap) {
		size_t ncap = x->arena_cap * 2;
		char *na;
		while (ncap < x->arena_len + R_NAME + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX || (na = realloc(x->arena, ncap)) == NULL)
			return -1;
		x->arena = na;
		x->arena_cap = ncap;
	}
	memset(x->arena + x->arena_len, 0, R_NAME);
	memcpy(x->arena + x->arena_len + R_NAME, name, len);
	x->arena[x->arena_len + R_NAME + len] = '\0';
	x->slots[i].h = h;
	x->slots[i].off = (uint32_t)x->arena_len;
	x->slots[i].key = key;
	x->slots[i].flags = flags;
	x->arena_len += R_NAME + len + 1;
	x->used++;
	return 0;
}

/* A normalised name (as the suffix sets store them) with its ancestors, which get F_DESC. */
static int
insert(struct dnsf_listidx *x, const char *name, unsigned len, uint16_t flags)
{
	uint8_t off[DNSF_DNS_MAX_LABELS], llen[DNSF_DNS_MAX_LABELS];
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	/* The sets' own split: every name here passed it when the set stored it. */
	const int nl = dnsf_suffix_split(name, len, off, llen, h);

	if (nl < 0)
		return -1;
	const unsigned n = (unsigned)nl;
	for (unsigned i = n; i-- > 0;)
		if (store(x, h[i], name + off[i], len - off[i], n - i, i == 0 ? flags : F_DESC) !=
		    0)
			return -1;
	return 0;
}

struct add_arg {
	struct dnsf_listidx *x;
	uint16_t flags; /* F_ALLOW / F_DENY; 0 = the PSL's rule flags */
};

static int
add_one(void *arg, const char *name, unsigned len, uint8_t flags)
{
	const struct add_arg *a = arg;
	uint16_t f = a->flags != 0 ? a->flags : (uint16_t)(flags & F_PSL);

	if (a->flags != 0 && !(flags & DNSF_SUFFIX_F_MEMBER))
		return 0;
	return f != 0 ? insert(a->x, name, len, f) : 0;
}

static void precompute(struct dnsf_listidx *x);

struct dnsf_listidx *
dnsf_listidx_build(const struct dnsf_suffix_set *allow, const struct dnsf_suffix_set *deny,
                   const struct dnsf_psl *psl)
{
	struct dnsf_listidx *x = calloc(1, sizeof(*x));
	struct add_arg a;

	if (x == NULL)
		return NULL;
	x->slots = calloc(16, sizeof(*x->slots));
	x->mask = 15;
	x->arena_cap = 256;
	x->arena = malloc(x->arena_cap);
	if (x->slots == NULL || x->arena == NULL)
		goto fail;
	x->arena[0] = '\0';
	x->arena_len = 1;
	a.x = x;
	a.flags = F_ALLOW;
	if (dnsf_suffix_set_foreach(allow, add_one, &a) != 0)
		goto fail;
	a.flags = F_DENY;
	if (dnsf_suffix_set_foreach(deny, add_one, &a) != 0)
		goto fail;
	a.flags = 0;
	if (psl != NULL && dnsf_suffix_set_foreach(dnsf_psl_rules(psl), add_one, &a) != 0)
		goto fail;
	precompute(x);
	{
		char *na = realloc(x->arena, x->arena_len);
		if (na != NULL) {
			x->arena = na;
			x->arena_cap = x->arena_len;
		}
	}
	return x;
fail:
	dnsf_listidx_free(x);
	return NULL;
}

void
dnsf_listidx_free(struct dnsf_listidx *x)
{
	if (x == NULL)
		return;
	free(x->slots);
	free(x->arena);
	free(x);
}

size_t
dnsf_listidx_memory(const struct dnsf_listidx *x)
{
	return x == NULL ? 0
	                 : sizeof(*x) + ((size_t)x->mask + 1) * sizeof(struct slot) + x->arena_cap;
}

uint32_t
dnsf_listidx_size(const struct dnsf_listidx *x)
{
	return x == NULL ? 0 : x->used;
}

int
dnsf_listidx_exact(const struct dnsf_listidx *x)
{
	return x != NULL && x->exact;
}

/* ---- look-up ---- */

/*
 * The reference: the three look-ups' algorithms in one walk over the slot flags, comparing
 * names on every probe (dnsf_psl_suffix() step for step for the PSL part). Used at build time
 * to fill the records, so the fast path below inherits its results.
 */
static void
ref_walk(const struct dnsf_listidx *x, const struct dnsf_dns_msg *m, const uint64_t *h,
         struct dnsf_listidx_res *r)
{
	const unsigned n = m->nlabels;
	int allow = -1, deny = -1, best = n > 0 ? (int)n - 1 : 0, psl_on = 1;
	unsigned how = DNSF_PSL_M_DEFAULT;

	for (unsigned i = n; i-- > 0;) {
		const unsigned off = m->label_off[i], len = m->qname_len - off;
		const struct slot *e = probe(x, h[i], KEY(len, n - i), m->qname + off, len, 1);
		unsigned f;

		if (e == NULL)
			break; /* no stored name ends with this suffix: none longer matches */
		f = e->flags;
		if (allow < 0 && (f & F_ALLOW))
			allow = (int)i;
		if (deny < 0 && (f & F_DENY))
			deny = (int)i;
		if (psl_on && (f & DNSF_PSL_F_EXC)) {
			/* An exception prevails over every other rule: the PSL is decided. */
			best = (int)i + 1;
			how = DNSF_PSL_M_EXCEPTION |
			      (f & DNSF_PSL_F_EXC_PRIV ? DNSF_PSL_M_PRIVATE : 0);
			psl_on = 0;
		} else if (psl_on) {
			if (f & DNSF_PSL_F_RULE) {
				best = (int)i;
				how = DNSF_PSL_M_RULE |
				      (f & DNSF_PSL_F_RULE_PRIV ? DNSF_PSL_M_PRIVATE : 0);
			} else if (f & DNSF_PSL_F_WILD) {
				/* The base of "*.x" is a public suffix too. */
				best = (int)i;
				how = DNSF_PSL_M_WILDCARD |
				      (f & DNSF_PSL_F_WILD_PRIV ? DNSF_PSL_M_PRIVATE : 0);
			}
			/* "*.x" covers the label left of x whether or not it is stored; a rule
			 * found there next overrides it. */
			if ((f & DNSF_PSL_F_WILD) && i > 0) {
				best = (int)i - 1;
				how = DNSF_PSL_M_WILDCARD |
				      (f & DNSF_PSL_F_WILD_PRIV ? DNSF_PSL_M_PRIVATE : 0);
			}
		}
		if (!(f & F_DESC))
			break; /* nothing stored below: the next probe would miss */
	}
	r->allow = allow;
	r->deny = deny;
	r->psl = best;
	r->how = how;
}

/* Label count from the right of index i in a name of n labels (-1, none: 0). */
static uint8_t
count_of(int i, unsigned n)
{
	return i < 0 ? 0 : (uint8_t)(n - (unsigned)i);
}

/* Fill every record with the reference results for its own name and for one label more. */
static void
precompute(struct dnsf_listidx *x)
{
	for (uint32_t k = 0; k <= x->mask; k++) {
		struct dnsf_dns_msg m;
		uint64_t h[DNSF_DNS_MAX_LABELS + 1];
		struct dnsf_listidx_res r;
		uint8_t *rec;
		char ext[DNSF_DNS_MAX_NAME + 4];

		if (x->slots[k].off == 0)
			continue;
		rec = (uint8_t *)x->arena + x->slots[k].off;
		/* Stored names parse (the suffix sets checked them); '*' is never stored, so
		 * "*.name" is a name one label deeper whose last probe misses. */
		if (dnsf_suffix_name_parse((const char *)rec + R_NAME, &m) != 0)
			continue;
		dnsf_name_msg_hashes(&m, h);
		ref_walk(x, &m, h, &r);
		rec[R_ALLOW] = count_of(r.allow, m.nlabels);
		rec[R_DENY] = count_of(r.deny, m.nlabels);
		rec[R_PSL_SELF] = (uint8_t)(m.nlabels - (unsigned)r.psl);
		rec[R_HOW_SELF] = (uint8_t)r.how;
		rec[R_PSL_EXT] = rec[R_PSL_SELF];
		rec[R_HOW_EXT] = rec[R_HOW_SELF];
		/* Too long for one label more: no name can extend it. */
		snprintf(ext, sizeof(ext), "*.%s", (const char *)rec + R_NAME);
		if (dnsf_suffix_name_parse(ext, &m) != 0)
			continue;
		dnsf_name_msg_hashes(&m, h);
		ref_walk(x, &m, h, &r);
		rec[R_PSL_EXT] = (uint8_t)(m.nlabels - (unsigned)r.psl);
		rec[R_HOW_EXT] = (uint8_t)r.how;
	}
}
