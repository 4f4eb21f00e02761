/* SPDX-License-Identifier: BSD-3-Clause */
/* One index over the allow, deny and public suffix lists (dnsf_listidx.h). */
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
	F_DESC = 0x400,
};

/* Open addressing, linear probing; slot index = low bits of the hash. Everything a probe needs
 * is in the slot (one cache line holds four); the arena holds the names for compares only. */
struct slot {
	uint64_t h;
	uint32_t off;   /* name in the arena; 0 = empty slot (the arena starts with a spare byte) */
	uint16_t key;   /* name length | label count << 8 */
	uint16_t flags; /* F_* */
};

struct dnsf_listidx {
	struct slot *slots;
	uint32_t mask; /* capacity - 1 */
	uint32_t used;
	int exact; /* two stored names share (h, key): compare on every probe */
	char *arena;
	size_t arena_len, arena_cap;
};

#define KEY(len, nl) ((uint16_t)((len) | (nl) << 8))

static inline uint64_t
ld64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

static inline uint32_t
ld32(const char *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

static inline uint16_t
ld16(const char *p)
{
	uint16_t w;
	memcpy(&w, p, 2);
	return w;
}

/* a[0..len) == b[0..len), len >= 1, without a call and without reading outside either. */
static inline int
same(const char *a, const char *b, unsigned len)
{
	if (len >= 8) {
		uint64_t d = 0;
		for (unsigned i = 0; i + 8 < len; i += 8)
			d |= ld64(a + i) ^ ld64(b + i);
		return (d | (ld64(a + len - 8) ^ ld64(b + len - 8))) == 0;
	}
	if (len >= 4)
		return ((ld32(a) ^ ld32(b)) | (ld32(a + len - 4) ^ ld32(b + len - 4))) == 0;
	if (len >= 2)
		return ((ld16(a) ^ ld16(b)) | (ld16(a + len - 2) ^ ld16(b + len - 2))) == 0;
	return a[0] == b[0];
}

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
		if (memcmp(x->arena + e->off, name, len) == 0) {
			e->flags |= flags;
			return 0;
		}
		x->exact = 1;
	}
	if (x->arena_len + len + 1 > x->arena_cap) {
		size_t ncap = x->arena_cap * 2;
		char *na;
		while (ncap < x->arena_len + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX || (na = realloc(x->arena, ncap)) == NULL)
			return -1;
		x->arena = na;
		x->arena_cap = ncap;
	}
	memcpy(x->arena + x->arena_len, name, len);
	x->arena[x->arena_len + len] = '\0';
	x->slots[i].h = h;
	x->slots[i].off = (uint32_t)x->arena_len;
	x->slots[i].key = key;
	x->slots[i].flags = flags;
	x->arena_len += len + 1;
	x->used++;
	return 0;
}

/* A normalised name (as the suffix sets store them) with its ancestors, which get F_DESC. */
static int
insert(struct dnsf_listidx *x, const char *name, unsigned len, uint16_t flags)
{
	uint8_t off[DNSF_DNS_MAX_LABELS], llen[DNSF_DNS_MAX_LABELS];
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	unsigned n = 0, start = 0;

	for (unsigned i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i == start || n == DNSF_DNS_MAX_LABELS)
			return -1; /* the sets never hold such names */
		off[n] = (uint8_t)start;
		llen[n] = (uint8_t)(i - start);
		n++;
		start = i + 1;
	}
	dnsf_name_suffix_hashes(name, off, llen, n, h);
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

/* ---- look-up (fast path) ---- */

static inline __attribute__((always_inline)) const struct slot *
probe(const struct dnsf_listidx *x, uint64_t h, uint16_t key, const char *name, unsigned len,
      const int exact)
{
	for (uint32_t i = (uint32_t)h & x->mask;; i = (i + 1) & x->mask) {
		const struct slot *e = &x->slots[i];
		if (e->off == 0)
			return NULL;
		if (e->h == h && e->key == key && (!exact || same(x->arena + e->off, name, len)))
			return e;
	}
}

/*
 * The walk, right to left; the PSL part is dnsf_psl_suffix()'s algorithm step for step. Returns
 * 0, or -1 when (exact == 0) the deepest slot that decided something holds another name.
 */
static inline __attribute__((always_inline)) int
walk(const struct dnsf_listidx *x, const struct dnsf_dns_msg *m, const uint64_t *h,
     struct dnsf_listidx_res *r, const int exact)
{
	const unsigned n = m->nlabels;
	int allow = -1, deny = -1, best = n > 0 ? (int)n - 1 : 0, psl_on = 1;
	unsigned how = DNSF_PSL_M_DEFAULT;
	const struct slot *dec = NULL; /* deepest slot whose flags changed a result */
	unsigned dec_i = 0;

	for (unsigned i = n; i-- > 0;) {
		const unsigned off = m->label_off[i], len = m->qname_len - off;
		const struct slot *e = probe(x, h[i], KEY(len, n - i), m->qname + off, len, exact);
		unsigned f;

		if (e == NULL)
			break; /* no stored name ends with this suffix: none longer matches */
		f = e->flags;
		if (f & (F_ALLOW | F_DENY | F_PSL)) {
			if (allow < 0 && (f & F_ALLOW)) {
				allow = (int)i;
				dec = e, dec_i = i;
			}
			if (deny < 0 && (f & F_DENY)) {
				deny = (int)i;
				dec = e, dec_i = i;
			}
			if (psl_on && (f & F_PSL)) {
				dec = e, dec_i = i;
				if (f & DNSF_PSL_F_EXC) {
					/* An exception prevails over every other rule: the PSL is
					 * decided. */
					best = (int)i + 1;
					how = DNSF_PSL_M_EXCEPTION |
					      (f & DNSF_PSL_F_EXC_PRIV ? DNSF_PSL_M_PRIVATE : 0);
					psl_on = 0;
				} else {
					if (f & DNSF_PSL_F_RULE) {
						best = (int)i;
						how = DNSF_PSL_M_RULE |
						      (f & DNSF_PSL_F_RULE_PRIV ? DNSF_PSL_M_PRIVATE
						                                : 0);
					} else if (f & DNSF_PSL_F_WILD) {
						/* The base of "*.x" is a public suffix too. */
						best = (int)i;
						how = DNSF_PSL_M_WILDCARD |
						      (f & DNSF_PSL_F_WILD_PRIV ? DNSF_PSL_M_PRIVATE
						                                : 0);
					}
					/* "*.x" covers the label left of x whether or not it is
					 * stored; a rule found there next overrides it. */
					if ((f & DNSF_PSL_F_WILD) && i > 0) {
						best = (int)i - 1;
						how = DNSF_PSL_M_WILDCARD |
						      (f & DNSF_PSL_F_WILD_PRIV ? DNSF_PSL_M_PRIVATE
						                                : 0);
					}
				}
			}
		}
		if (!(f & F_DESC))
			break; /* nothing stored below: the next probe would miss */
	}
	/* Deeper slots than dec changed nothing; if dec holds the name, so do all slots above it
	 * (ancestors are stored, and no two stored names share (h, key) in this mode). */
	if (!exact && dec != NULL &&
	    !same(x->arena + dec->off, m->qname + m->label_off[dec_i], dec->key & 0xffu))
		return -1;
	r->allow = allow;
	r->deny = deny;
	r->psl = best;
	r->how = how;
	return 0;
}

void
dnsf_listidx_lookup(const struct dnsf_listidx *x, const struct dnsf_dns_msg *m, const uint64_t *h,
                    struct dnsf_listidx_res *r)
{
	if (__builtin_expect(!x->exact, 1) && walk(x, m, h, r, 0) == 0)
		return;
	walk(x, m, h, r, 1);
}
