/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_name.h"
#include "dnsf_suffix.h"

/*
 * Layout. The table is open addressing with linear probing over 8-byte slots: the upper half of
 * the hash as a tag (rejects almost every non-matching slot without touching the arena) and the
 * offset of the record in the arena (0 = empty slot, so the arena starts with one unused byte).
 * A record is: 8-byte hash (for rehashing and the digest), length, label count, flags, the name,
 * a NUL. Slot index = low bits of the hash.
 */
struct slot {
	uint32_t tag;
	uint32_t off;
};

enum { REC_HASH = 0, REC_LEN = 8, REC_NLABELS = 9, REC_FLAGS = 10, REC_NAME = 11 };

struct dnsf_suffix_set {
	struct slot *slots;
	uint32_t mask;    /* capacity - 1, capacity a power of two */
	uint32_t used;    /* stored records (entries and ancestor nodes) */
	uint32_t members; /* records with DNSF_SUFFIX_F_MEMBER */
	uint8_t *arena;
	size_t arena_len;
	size_t arena_cap;
};

#define INITIAL_SLOTS 16u

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

struct dnsf_suffix_set *
dnsf_suffix_set_create(void)
{
	struct dnsf_suffix_set *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->slots = calloc(INITIAL_SLOTS, sizeof(*s->slots));
	s->arena_cap = 256;
	s->arena = malloc(s->arena_cap);
	if (s->slots == NULL || s->arena == NULL) {
		free(s->slots);
		free(s->arena);
		free(s);
		return NULL;
	}
	s->mask = INITIAL_SLOTS - 1;
	s->arena_len = 1; /* offset 0 means "empty slot" */
	s->arena[0] = 0;
	return s;
}

void
dnsf_suffix_set_free(struct dnsf_suffix_set *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s->arena);
	free(s);
}

static inline uint64_t
rec_hash(const uint8_t *r)
{
	uint64_t h;
	memcpy(&h, r + REC_HASH, sizeof(h));
	return h;
}

/* The record for (hash, name, label count), or NULL. The hot path of every list look-up. */
static inline uint8_t *
find(const struct dnsf_suffix_set *s, uint64_t h, const char *name, unsigned len, unsigned nl)
{
	uint32_t i = (uint32_t)h & s->mask;
	const uint32_t tag = (uint32_t)(h >> 32);

	for (;;) {
		const struct slot *e = &s->slots[i];
		if (e->off == 0)
			return NULL;
		if (e->tag == tag) {
			uint8_t *r = s->arena + e->off;
			if (r[REC_LEN] == len && r[REC_NLABELS] == nl &&
			    memcmp(r + REC_NAME, name, len) == 0)
				return r;
		}
		i = (i + 1) & s->mask;
	}
}

static void
place(struct slot *slots, uint32_t mask, uint64_t h, uint32_t off)
{
	uint32_t i = (uint32_t)h & mask;

	while (slots[i].off != 0)
		i = (i + 1) & mask;
	slots[i].tag = (uint32_t)(h >> 32);
	slots[i].off = off;
}

static int
grow(struct dnsf_suffix_set *s)
{
	uint32_t ncap = (s->mask + 1) * 2;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (uint32_t i = 0; i <= s->mask; i++)
		if (s->slots[i].off != 0)
			place(ns, ncap - 1, rec_hash(s->arena + s->slots[i].off), s->slots[i].off);
	free(s->slots);
	s->slots = ns;
	s->mask = ncap - 1;
	return 0;
}

/* Store one suffix (labels already known) or OR flags into the existing record. */
static int
store(struct dnsf_suffix_set *s, uint64_t h, const char *name, unsigned len, unsigned nl,
      uint8_t flags)
{
	uint8_t *r = find(s, h, name, len, nl);
	size_t need = REC_NAME + (size_t)len + 1;

	if (r != NULL) {
		if ((flags & DNSF_SUFFIX_F_MEMBER) && !(r[REC_FLAGS] & DNSF_SUFFIX_F_MEMBER))
			s->members++;
		r[REC_FLAGS] |= flags;
		return 0;
	}
	if (s->used >= DNSF_SUFFIX_MAX_ENTRIES)
		return -1;
	/* Keep the load factor <= 0.5: short probe runs even for misses. */
	if ((uint64_t)(s->used + 1) * 2 > (uint64_t)s->mask + 1 && grow(s) != 0)
		return -1;
	if (s->arena_len + need > s->arena_cap) {
		size_t ncap = s->arena_cap * 2;
		while (ncap < s->arena_len + need)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return -1;
		uint8_t *na = realloc(s->arena, ncap);
		if (na == NULL)
			return -1;
		s->arena = na;
		s->arena_cap = ncap;
	}
	r = s->arena + s->arena_len;
	memcpy(r + REC_HASH, &h, sizeof(h));
	r[REC_LEN] = (uint8_t)len;
	r[REC_NLABELS] = (uint8_t)nl;
	r[REC_FLAGS] = flags;
	memcpy(r + REC_NAME, name, len);
	r[REC_NAME + len] = '\0';
	place(s->slots, s->mask, h, (uint32_t)s->arena_len);
	s->arena_len += need;
	s->used++;
	if (flags & DNSF_SUFFIX_F_MEMBER)
		s->members++;
	return 0;
}

int
dnsf_suffix_split(const char *name, size_t len, uint8_t *off, uint8_t *llen, uint64_t *h)
{
	unsigned n = 0, start = 0;

	if (len == 0 || len > DNSF_SUFFIX_MAX_NAME)
		return -1;
	for (unsigned i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i == start || i - start > 63 || n == DNSF_DNS_MAX_LABELS)
			return -1;
		off[n] = (uint8_t)start;
		llen[n] = (uint8_t)(i - start);
		n++;
		start = i + 1;
	}
	dnsf_name_suffix_hashes(name, off, llen, n, h);
	return (int)n;
}

int
dnsf_suffix_set_insert(struct dnsf_suffix_set *s, const char *name, size_t len, uint8_t flags)
{
	uint8_t off[DNSF_DNS_MAX_LABELS], llen[DNSF_DNS_MAX_LABELS];
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	const int nl = dnsf_suffix_split(name, len, off, llen, h);

	if (nl < 0)
		return -1;
	const unsigned n = (unsigned)nl;
	/* Ancestors first, as flagless nodes: a look-up may then stop at the first missing suffix.
	 */
	for (unsigned i = n; i-- > 0;)
		if (store(s, h[i], name + off[i], (unsigned)len - off[i], n - i,
		          i == 0 ? flags : 0) != 0)
			return -1;
	return 0;
}

int
dnsf_suffix_set_add(struct dnsf_suffix_set *s, const char *name, char *err, size_t errlen)
{
	char low[DNSF_SUFFIX_MAX_NAME + 1];
	size_t len = strlen(name);
	unsigned label = 0;

	/* "*.evil.com" and ".evil.com" are common ways of writing "evil.com and below". */
	if (name[0] == '*' && name[1] == '.')
		name += 2, len -= 2;
	else if (name[0] == '.')
		name++, len--;
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0) {
		set_err(err, errlen, "empty name");
		return -1;
	}
	if (len > DNSF_SUFFIX_MAX_NAME) {
		set_err(err, errlen, "name longer than 253 characters");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0) {
				set_err(err, errlen, "empty label");
				return -1;
			}
			label = 0;
			low[i] = '.';
			continue;
		}
		if (++label > 63) {
			set_err(err, errlen, "label longer than 63 characters");
			return -1;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			char msg[80];
			if (c == '*')
				snprintf(msg, sizeof(msg),
				         "'*' is allowed only as a leading \"*.\"");
			else if (c > ' ' && c < 0x7f)
				snprintf(msg, sizeof(msg), "invalid character '%c'", c);
			else
				snprintf(msg, sizeof(msg),
				         "invalid byte 0x%02x (only A-Z a-z 0-9 - _; IDNs as xn--)",
				         c);
			set_err(err, errlen, msg);
			return -1;
		}
		low[i] = (char)c;
	}
	if (label == 0) {
		set_err(err, errlen, "empty label");
		return -1;
	}
	if (dnsf_suffix_set_insert(s, low, len, DNSF_SUFFIX_F_MEMBER) != 0) {
		set_err(err, errlen,
		        s->used >= DNSF_SUFFIX_MAX_ENTRIES ? "too many entries" : "out of memory");
		return -1;
	}
	return 0;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int
dnsf_suffix_set_load(const char *path, struct dnsf_suffix_set **out, char *err, size_t errlen)
{
	char msg[128];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	FILE *f = fopen(path, "r");
	struct dnsf_suffix_set *s;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	s = dnsf_suffix_set_create();
	if (s == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *p = line, *end;
		lineno++;
		/* A NUL inside the line ends it for the parser below: report it instead. */
		if ((size_t)n != strlen(line)) {
			snprintf(err, errlen, "%s:%lu: NUL byte in line", path, lineno);
			goto fail;
		}
		end = strchr(p, '#');
		if (end != NULL)
			*end = '\0';
		while (is_space((unsigned char)*p))
			p++;
		end = p + strlen(p);
		while (end > p && is_space((unsigned char)end[-1]))
			*--end = '\0';
		if (*p == '\0')
			continue;
		for (char *q = p; *q; q++)
			if (is_space((unsigned char)*q)) {
				snprintf(err, errlen, "%s:%lu: more than one name on the line",
				         path, lineno);
				goto fail;
			}
		if (dnsf_suffix_set_add(s, p, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%lu: %s", path, lineno, msg);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	free(line);
	fclose(f);
	dnsf_suffix_set_shrink(s);
	*out = s;
	return 0;
fail:
	free(line);
	fclose(f);
	dnsf_suffix_set_free(s);
	return -1;
}

uint32_t
dnsf_suffix_set_count(const struct dnsf_suffix_set *s)
{
	return s != NULL ? s->members : 0;
}

uint64_t
dnsf_suffix_set_digest(const struct dnsf_suffix_set *s)
{
	uint64_t d = 0;

	if (s == NULL)
		return 0;
	/* A sum of per-entry mixes: independent of insertion order and table layout. */
	for (uint32_t i = 0; i <= s->mask; i++) {
		const uint8_t *r;
		uint64_t h;
		if (s->slots[i].off == 0)
			continue;
		r = s->arena + s->slots[i].off;
		if (!(r[REC_FLAGS] & DNSF_SUFFIX_F_MEMBER))
			continue;
		h = rec_hash(r);
		d += dnsf_hash_bytes(&h, sizeof(h), r[REC_FLAGS]);
	}
	return d;
}

int
dnsf_suffix_set_version(const struct dnsf_suffix_set *s, char *buf, size_t len)
{
	return snprintf(buf, len, "%" PRIu32 "-%016" PRIx64, dnsf_suffix_set_count(s),
	                dnsf_suffix_set_digest(s));
}

void
dnsf_suffix_set_shrink(struct dnsf_suffix_set *s)
{
	uint8_t *na = realloc(s->arena, s->arena_len);

	if (na != NULL) { /* on failure the old, larger arena stays valid */
		s->arena = na;
		s->arena_cap = s->arena_len;
	}
}

size_t
dnsf_suffix_set_memory(const struct dnsf_suffix_set *s)
{
	if (s == NULL)
		return 0;
	return sizeof(*s) + ((size_t)s->mask + 1) * sizeof(struct slot) + s->arena_cap;
}

int
dnsf_suffix_set_foreach(const struct dnsf_suffix_set *s,
                        int (*fn)(void *arg, const char *name, unsigned len, uint8_t flags),
                        void *arg)
{
	for (uint32_t i = 0; s != NULL && i <= s->mask; i++) {
		const uint8_t *r;
		int rc;
		if (s->slots[i].off == 0)
			continue;
		r = s->arena + s->slots[i].off;
		if (r[REC_FLAGS] == 0)
			continue;
		rc = fn(arg, (const char *)r + REC_NAME, r[REC_LEN], r[REC_FLAGS]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
dnsf_suffix_set_probe(const struct dnsf_suffix_set *s, const struct dnsf_dns_msg *m,
                      const uint64_t *h, unsigned i)
{
	unsigned off = m->label_off[i];
	const uint8_t *r = find(s, h[i], m->qname + off, m->qname_len - off, m->nlabels - i);

	return r != NULL ? r[REC_FLAGS] : -1;
}

int
dnsf_suffix_set_match(const struct dnsf_suffix_set *s, const struct dnsf_dns_msg *m,
                      const uint64_t *h)
{
	const unsigned n = m->nlabels;

	for (unsigned i = n; i-- > 0;) {
		unsigned off = m->label_off[i];
		const uint8_t *r = find(s, h[i], m->qname + off, m->qname_len - off, n - i);
		if (r == NULL)
			return -1; /* nothing stored ends with this suffix: no longer one can match
			            */
		if (r[REC_FLAGS] & DNSF_SUFFIX_F_MEMBER)
			return (int)i;
	}
	return -1;
}

int
dnsf_suffix_name_parse(const char *name, struct dnsf_dns_msg *m)
{
	size_t len = strlen(name);
	unsigned n = 0, start = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len > DNSF_SUFFIX_MAX_NAME)
		return -1;
	m->nlabels = 0;
	m->qname_len = 0;
	m->qname[0] = '\0';
	if (len == 0)
		return 0;
	for (unsigned i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '.';
		if (c != '.') {
			m->qname[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
			continue;
		}
		if (i == start || i - start > 63 || n == DNSF_DNS_MAX_LABELS) {
			m->qname[0] = '\0';
			return -1;
		}
		m->label_off[n] = (uint8_t)start;
		m->label_len[n] = (uint8_t)(i - start);
		n++;
		if (i < len)
			m->qname[i] = '.';
		start = i + 1;
	}
	m->qname[len] = '\0';
	m->qname_len = (uint8_t)len;
	m->nlabels = (uint8_t)n;
	return 0;
}

int
dnsf_suffix_set_match_name(const struct dnsf_suffix_set *s, const char *name)
{
	struct dnsf_dns_msg m;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];

	if (dnsf_suffix_name_parse(name, &m) != 0)
		return -1;
	dnsf_name_msg_hashes(&m, h);
	return dnsf_suffix_set_match(s, &m, h);
}
