/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "dnsf_rename.h"

int
dnsf_label_match(const struct dnsf_dns_msg *m, const char *const *suffixes, unsigned n)
{
	const size_t ql = m->qname_len;

	for (unsigned i = 0; i < n; i++) {
		const char *s = suffixes[i];
		size_t sl = strlen(s);
		if (sl > 0 && s[sl - 1] == '.')
			sl--;
		if (sl == 0 || ql < sl || strncasecmp(m->qname + ql - sl, s, sl) != 0)
			continue;
		if (ql == sl || m->qname[ql - sl - 1] == '.')
			return (int)i;
	}
	return -1;
}

/* ---- wire names ---- */

/* Expand the name at msg[off] into uncompressed wire form (out, <= 255 octets). *next is the
 * offset after the name in place. Pointers must go strictly backwards (no loops). */
static int
rd_name(const uint8_t *msg, size_t len, size_t off, uint8_t *out, size_t *out_len, size_t *next)
{
	size_t o = 0, pos = off, limit = off;
	int jumped = 0, hops = 0;

	for (;;) {
		if (pos >= len)
			return -1;
		uint8_t c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > 32)
				return -1;
			size_t ptr = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (!jumped)
				*next = pos + 2;
			jumped = 1;
			if (ptr < 12 || ptr >= limit)
				return -1;
			limit = ptr;
			pos = ptr;
			continue;
		}
		if (c & 0xc0)
			return -1;
		if (pos + 1 + c > len || o + 1 + c > 255)
			return -1;
		out[o++] = c;
		memcpy(out + o, msg + pos + 1, c);
		o += c;
		pos += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	if (!jumped)
		*next = pos;
	*out_len = o;
	return 0;
}

/* Presentation suffix "a.b" -> wire labels without the root ("\1a\1b"). */
static size_t
to_wire(const char *s, uint8_t *out, size_t cap)
{
	size_t o = 0;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n > 63 || o + 1 + n > cap)
			return 0;
		out[o++] = (uint8_t)n;
		memcpy(out + o, s, n);
		o += n;
		s += n;
		if (*s == '.')
			s++;
	}
	return o;
}

struct rename_ctx {
	uint8_t from[32][256];
	size_t from_len[32];
	unsigned nfrom;
	uint8_t to[256];
	size_t to_len;
	unsigned renamed;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Rewrite an expanded wire name in place into out (<= 255). Returns the new length or 0. */
static size_t
rename_name(struct rename_ctx *c, const uint8_t *in, size_t in_len, uint8_t *out)
{
	for (unsigned f = 0; f < c->nfrom; f++) {
		const size_t fl = c->from_len[f];
		size_t start = 0;

		/* in ends with "\0"; the suffix must start at a label boundary. */
		if (in_len < fl + 1)
			continue;
		start = in_len - 1 - fl;
		size_t p = 0;
		while (p < start)
			p += 1 + (size_t)in[p];
		if (p != start)
			continue;
		int eq = 1;
		for (size_t i = 0; i < fl && eq; i++)
			eq = lower(in[start + i]) == lower(c->from[f][i]);
		if (!eq)
			continue;
		if (start + c->to_len + 1 > 255)
			return 0;
		memcpy(out, in, start);
		/* Letters of the replacement take the case of the replaced suffix's letters, in
		 * turn: 0x20 randomisation by the resolver stays visible to the parser. */
		uint8_t pat[256];
		size_t np = 0, j = 0;
		for (size_t i = start; i < start + fl;) {
			size_t ll = in[i++];
			for (size_t e = i + ll; i < e; i++)
				if (lower(in[i]) >= 'a' && lower(in[i]) <= 'z')
					pat[np++] = in[i];
		}
		for (size_t i = 0; i < c->to_len; i++) {
			int ch = c->to[i];
			/* length octets are < 64 and never letters */
			if (ch >= 'a' && ch <= 'z' && np > 0 && pat[j++ % np] <= 'Z')
				ch -= 32;
			out[start + i] = (uint8_t)ch;
		}
		out[start + c->to_len] = 0;
		c->renamed++;
		return start + c->to_len + 1;
	}
	memcpy(out, in, in_len);
	return in_len;
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

struct wr {
	uint8_t *b;
	size_t cap, len;
	int bad;
};

static void
wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (w->bad || w->len + n > w->cap) {
		w->bad = 1;
		return;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

/* Copy one (possibly compressed) name from the message, renamed. */
static int
copy_name(struct rename_ctx *c, const uint8_t *msg, size_t len, size_t *off, struct wr *w)
{
	uint8_t nm[256], rn[256];
	size_t nl, rl, next;

	if (rd_name(msg, len, *off, nm, &nl, &next) != 0)
		return -1;
	rl = rename_name(c, nm, nl, rn);
	if (rl == 0)
		return -2;
	wr_bytes(w, rn, rl);
	*off = next;
	return 0;
}

/* Where names sit in the RDATA of a type: number of fixed octets before the first name, and
 * how many names follow (-1: no names, copy as is). */
static int
rdata_names(uint16_t type, unsigned *skip)
{
	*skip = 0;
	switch (type) {
	case 2:  /* NS */
	case 3:  /* MD */
	case 4:  /* MF */
	case 5:  /* CNAME */
	case 7:  /* MB */
	case 8:  /* MG */
	case 9:  /* MR */
	case 12: /* PTR */
	case 39: /* DNAME */
		return 1;
	case 6:  /* SOA */
	case 14: /* MINFO */
	case 17: /* RP */
		return 2;
	case 15: /* MX */
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
		*skip = 2;
		return 1;
	case 33: /* SRV */
		*skip = 6;
		return 1;
	default:
		return -1;
	}
}

size_t
dnsf_rename_msg(const uint8_t *dns, size_t len, const char *const *from, unsigned nfrom,
                const char *to, uint8_t *out, size_t cap, unsigned *renamed)
{
	struct rename_ctx c;
	struct wr w = {out, cap, 0, 0};
	size_t off = 12;
	uint16_t counts[4], done[4] = {0, 0, 0, 0};
	int rc;

	*renamed = 0;
	if (len < 12 || cap < 12)
		return 0;
	memset(&c, 0, sizeof(c));
	for (unsigned i = 0; i < nfrom && c.nfrom < 32; i++) {
		c.from_len[c.nfrom] = to_wire(from[i], c.from[c.nfrom], sizeof(c.from[0]));
		if (c.from_len[c.nfrom] > 0)
			c.nfrom++;
	}
	c.to_len = to_wire(to, c.to, sizeof(c.to));
	if (c.to_len == 0)
		return 0;
	for (size_t i = 0; i < c.to_len; i++)
		c.to[i] = (uint8_t)lower(c.to[i]);
	for (int s = 0; s < 4; s++)
		counts[s] = get16(dns + 4 + 2 * s);
	wr_bytes(&w, dns, 12);

	for (unsigned q = 0; q < counts[0]; q++) {
		if ((rc = copy_name(&c, dns, len, &off, &w)) != 0 || off + 4 > len)
			return 0; /* the question must be whole */
		wr_bytes(&w, dns + off, 4);
		off += 4;
		done[0]++;
	}
	for (int s = 1; s < 4; s++) {
		for (unsigned r = 0; r < counts[s]; r++) {
			size_t save = w.len, save_off = off;
			uint16_t type, rdlen;

			rc = copy_name(&c, dns, len, &off, &w);
			if (rc == -2)
				return 0;
			if (rc != 0 || off + 10 > len)
				goto cut;
			type = get16(dns + off);
			rdlen = get16(dns + off + 8);
			if (off + 10 + rdlen > len)
				goto cut;
			wr_bytes(&w, dns + off, 8);
			size_t rdlen_at = w.len;
			wr_bytes(&w, dns + off + 8, 2);
			off += 10;
			const size_t rd_end = off + rdlen;
			unsigned skip;
			int nn = rdata_names(type, &skip);
			if (nn > 0 && skip <= rdlen) {
				size_t ro = off + skip;
				wr_bytes(&w, dns + off, skip);
				for (int k = 0; k < nn; k++) {
					rc = copy_name(&c, dns, rd_end, &ro, &w);
					if (rc == -2)
						return 0;
					if (rc != 0)
						goto cut_at;
				}
				if (ro > rd_end)
					goto cut_at;
				wr_bytes(&w, dns + ro, rd_end - ro); /* SOA numbers etc. */
			} else {
				wr_bytes(&w, dns + off, rdlen);
			}
			if (w.bad)
				return 0;
			put16(out + rdlen_at, (uint16_t)(w.len - rdlen_at - 2));
			off = rd_end;
			done[s]++;
			continue;
		cut_at:
			w.len = save;
			off = save_off;
			goto cut;
		}
	}
cut:
	if (w.bad)
		return 0;
	for (int s = 0; s < 4; s++)
		put16(out + 4 + 2 * s, done[s]);
	*renamed = c.renamed;
	return w.len;
}

int
dnsf_rename_question_inplace(uint8_t *dns, size_t len, const char *const *from, unsigned nfrom,
                             const char *to, size_t *chg_off)
{
	struct rename_ctx c;
	uint8_t nm[256], rn[256];
	size_t nl, rl, next;

	if (len < 12 || get16(dns + 4) == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	for (unsigned i = 0; i < nfrom && c.nfrom < 32; i++) {
		c.from_len[c.nfrom] = to_wire(from[i], c.from[c.nfrom], sizeof(c.from[0]));
		if (c.from_len[c.nfrom] > 0)
			c.nfrom++;
	}
	c.to_len = to_wire(to, c.to, sizeof(c.to));
	if (c.to_len == 0)
		return 0;
	for (size_t i = 0; i < c.to_len; i++)
		c.to[i] = (uint8_t)lower(c.to[i]);
	if (rd_name(dns, len, 12, nm, &nl, &next) != 0 || next != 12 + nl)
		return 0; /* compressed or broken question: leave it */
	rl = rename_name(&c, nm, nl, rn);
	if (c.renamed == 0 || rl != nl)
		return 0;
	memcpy(dns + 12, rn, nl);
	*chg_off = 12;
	return 1;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

int
dnsf_rename_random(uint64_t seed, const char *key, unsigned len, char *out, size_t outlen)
{
	static const char *const tlds[] = {"com", "net", "org",  "io",    "xyz",
	                                   "ru",  "de",  "info", "co.uk", "cc"};
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	/* FNV-1a of the key, seeded: our own, so the replacement domains do not change with the
	 * engine's hash functions. */
	uint64_t s = UINT64_C(0xcbf29ce484222325) ^ mix(seed);
	for (const char *k = key; *k; k++) {
		s ^= (uint8_t)*k;
		s *= UINT64_C(0x100000001b3);
	}
	unsigned blen;
	const char *tld;

	if (len < 6 || len > 200 || outlen < (size_t)len + 1)
		return -1;
	s = mix(s + 1);
	tld = tlds[s % 10];
	blen = len - 1 - (unsigned)strlen(tld);
	if (blen < 3 || blen > 63) {
		tld = "io";
		blen = len - 3;
	}
	/* Long bases get dots so no label exceeds 63 (len <= 200 keeps that to four labels). */
	for (unsigned i = 0; i < blen; i++) {
		uint64_t r = mix(s + 3 + i);
		out[i] = (i == 0 || i % 40 == 0) ? alnum[r % 26] : alnum[r % 36];
		if (i % 40 == 39 && i + 1 < blen)
			out[i] = '.';
	}
	snprintf(out + blen, outlen - blen, ".%s", tld);
	return 0;
}
