/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hardening: 0x20 case randomization and its stateless restoration, the EDNS0 ceiling, the QTYPE
 * table. The contract is in dnsf_harden.h, the reasoning in docs/hardening.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "dnsf_csum.h"
#include "dnsf_event.h"
#include "dnsf_harden.h"
#include "dnsf_name.h"
#include "dnsf_suffix.h"

#define UDP_HLEN      8
#define IP4_HLEN      20
#define IP6_HLEN      40
#define IPPROTO_UDP_N 17
#define DNS_TC_BYTE2  0x02 /* TC is bit 9 of the flags word: bit 1 of header byte 2 */
#define CASE_BIT      0x20

static inline uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline void
wr16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline int
is_letter(uint8_t c)
{
	return (uint8_t)((c | CASE_BIT) - 'a') < 26;
}

static inline int
is_upper(uint8_t c)
{
	return (uint8_t)(c - 'A') < 26;
}

static inline uint8_t
lower(uint8_t c)
{
	return is_upper(c) ? (uint8_t)(c | CASE_BIT) : c;
}

/* ------------------------------------------------------------------------------------------ */
/* SipHash-2-4, written from the paper's description: four 64-bit state words initialised from
 * the key and "somepseudorandomlygeneratedbytes", two SipRounds per 8-byte little-endian block,
 * a last block holding the tail and len mod 256 in its top byte, 0xff into v2, four rounds. */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t
dnsf_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	const size_t end = len & ~(size_t)7;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i < end; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

struct csum_delta {
	uint64_t add;  /* sum of the new 16-bit words changed so far */
	uint64_t sub;  /* sum of the old ones (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')) */
	uint32_t base; /* frame offset of the UDP header: word alignment reference */
	int any;
};

static inline void
ck_byte(struct csum_delta *d, uint32_t off, uint8_t oldb, uint8_t newb)
{
	const unsigned sh = ((off - d->base) & 1) ? 0 : 8;

	d->sub += (uint64_t)oldb << sh;
	d->add += (uint64_t)newb << sh;
	d->any = 1;
}

static inline void
set_byte(uint8_t *frame, uint32_t off, uint8_t v, struct csum_delta *d)
{
	ck_byte(d, off, frame[off], v);
	frame[off] = v;
}

/* ------------------------------------------------------------------------------------------ */
/* Mask: one bit per octet of the wire name (bit k, word k / 64, is octet k), set only on
 * letters. Eight octets are handled at a time: words are read and written little-endian byte
 * by byte (the compiler makes that one load on little-endian machines), so bit k of a mask
 * byte is octet k of the chunk on any machine. */

#define ONES UINT64_C(0x0101010101010101)
#define HIGH (ONES * 0x80)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE64(x) __builtin_bswap64(x)
#else
#define LE64(x) (x)
#endif

static inline uint64_t
ld_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	if (n == 8) {
		memcpy(&v, p, 8);
		return LE64(v);
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void
st_le(uint8_t *p, unsigned n, uint64_t v)
{
	if (n == 8) {
		v = LE64(v);
		memcpy(p, &v, 8);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Number of bytes whose top bit is set (a popcount without the instruction). */
static inline unsigned
count_high(uint64_t hi_bits)
{
	return (unsigned)(((hi_bits >> 7) * ONES) >> 56);
}

/* 0x80 in each byte of x that is an ASCII letter: x | 0x20 is in a..z exactly for A-Z, a-z;
 * with the top bit cleared no byte carries into the next. */
static inline uint64_t
letters8(uint64_t x)
{
	const uint64_t y = x | (ONES * 0x20), t = y & ~HIGH;

	return (t + ONES * (0x80 - 'a')) & ~(t + ONES * (0x80 - 'z' - 1)) & ~y & HIGH;
}

/* The top bits of the 8 bytes as an 8-bit number, byte i -> bit i. */
static inline unsigned
movemask8(uint64_t hi_bits)
{
	return (unsigned)(((hi_bits >> 7) * UINT64_C(0x0102040810204080)) >> 56);
}

/* Bits of b -> 0x20 in the matching bytes. */
static inline uint64_t
expand8(unsigned b)
{
	return (((((uint64_t)b * ONES) & UINT64_C(0x8040201008040201)) + ONES * 0x7f) & HIGH) >> 2;
}

static inline unsigned
mask_bit(const uint64_t *mask, unsigned i)
{
	return (unsigned)(mask[i >> 6] >> (i & 63)) & 1u;
}

/* Mask bits k..k+7 (k a multiple of 8). */
static inline unsigned
mask_byte(const uint64_t *mask, unsigned k)
{
	return (unsigned)(mask[k >> 6] >> (k & 63)) & 0xffu;
}

/* Letters a-z in a lower-cased buffer (the parser's qname). */
static unsigned
count_letters(const uint8_t *s, unsigned n)
{
	unsigned k = 0, c = 0;

	for (; k + 8 <= n; k += 8)
		c += count_high(letters8(ld_le(s + k, 8)));
	return c + count_high(letters8(ld_le(s + k, n - k)));
}

/* A bijective 64-bit mixer (the SplitMix64 finalizer). */
static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * The effective mask of a wire name at `name` (n octets, n <= 255): word 0 is SipHash-2-4 of
 * (client address, client port, DNS ID, name_hash), where name_hash is the engine's hash of the
 * lower-cased name (dnsf_name.h h[0], the same for the query and its answer, computed once per
 * packet anyway); names longer than 64 octets take words 1..3 from mix64(word 0 + index): word 0
 * is secret, so they are as unpredictable, and a bijection of one query's word 0 says nothing
 * about another query's. The mask is cut down to the letters and made mixed (neither none nor
 * all of them) by toggling the first letter's bit. Returns the number of letters.
 */
static unsigned
mask_of(const struct dnsf_harden *hd, const uint8_t client[16], uint16_t port, uint16_t id,
        uint64_t name_hash, const uint8_t *name, unsigned n, uint64_t mask[DNSF_HARDEN_MASK_WORDS])
{
	uint8_t buf[28];
	uint64_t lb[DNSF_HARDEN_MASK_WORDS] = {0, 0, 0, 0};
	unsigned k, j, letters = 0, zeros = 1, ones = 1;

	for (k = 0; k < n; k += 8) {
		const unsigned c = n - k < 8 ? n - k : 8;
		const uint64_t l = letters8(ld_le(name + k, c));

		lb[k >> 6] |= (uint64_t)movemask8(l) << (k & 63);
		letters += count_high(l);
	}
	memcpy(buf, client, 16);
	wr16(buf + 16, port);
	wr16(buf + 18, id);
	for (k = 0; k < 8; k++)
		buf[20 + k] = (uint8_t)(name_hash >> (8 * k));
	mask[0] = dnsf_siphash24(hd->k0, hd->k1, buf, sizeof(buf));
	for (j = 1; j < DNSF_HARDEN_MASK_WORDS; j++)
		mask[j] = lb[j] ? mix64(mask[0] + j * UINT64_C(0x9e3779b97f4a7c15)) & lb[j] : 0;
	mask[0] &= lb[0];
	for (j = 0; j < DNSF_HARDEN_MASK_WORDS; j++) {
		zeros &= mask[j] == 0;
		ones &= mask[j] == lb[j];
	}
	if (letters >= DNSF_HARDEN_MIN_LETTERS && (zeros || ones)) {
		for (j = 0; j < DNSF_HARDEN_MASK_WORDS; j++) {
			if (lb[j]) {
				mask[j] ^= lb[j] & (~lb[j] + 1);
				break;
			}
		}
	}
	return letters;
}

/* XOR 0x20 into the octets frame[at..at+n) whose mask bit is set; the checksum delta too when
 * d is given. */
static void
flip_masked(uint8_t *frame, uint32_t at, unsigned n, const uint64_t *mask, struct csum_delta *d)
{
	const uint64_t lo = UINT64_C(0x00ff00ff00ff00ff), lanes = UINT64_C(0x0001000100010001);

	for (unsigned k = 0; k < n; k += 8) {
		const unsigned c = n - k < 8 ? n - k : 8;
		const unsigned mb = mask_byte(mask, k);
		uint64_t x, y, xe, xo, ye, yo;

		if (mb == 0)
			continue;
		x = ld_le(frame + at + k, c);
		y = x ^ expand8(mb);
		st_le(frame + at + k, c, y);
		if (d == NULL)
			continue;
		/* Byte sums at even and odd positions of the chunk; a byte at an even offset from
		 * the UDP header is the high byte of its 16-bit word. */
		xe = ((x & lo) * lanes) >> 48;
		xo = (((x >> 8) & lo) * lanes) >> 48;
		ye = ((y & lo) * lanes) >> 48;
		yo = (((y >> 8) & lo) * lanes) >> 48;
		if ((at + k - d->base) & 1) {
			d->sub += xe + (xo << 8);
			d->add += ye + (yo << 8);
		} else {
			d->sub += (xe << 8) + xo;
			d->add += (ye << 8) + yo;
		}
		d->any = 1;
	}
}

unsigned
dnsf_harden_mask(const struct dnsf_harden *hd, const uint8_t client[16], uint16_t port, uint16_t id,
                 const uint8_t *name, unsigned name_len, uint64_t mask[DNSF_HARDEN_MASK_WORDS])
{
	char lname[DNSF_DNS_MAX_NAME + 1];
	uint8_t off[DNSF_DNS_MAX_LABELS], len[DNSF_DNS_MAX_LABELS];
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	unsigned k = 0, n = 0, nl = 0;

	memset(mask, 0, DNSF_HARDEN_MASK_WORDS * sizeof(mask[0]));
	if (name_len > DNSF_DNS_MAX_NAME)
		return 0;
	/* The parser's presentation form (labels lower-cased and joined by '.', NUL as 0xff) and
	 * its suffix hashes, as the engine has them for a parsed message. */
	while (k < name_len && name[k] != 0 && name[k] <= 63 && k + 1u + name[k] <= name_len &&
	       nl < DNSF_DNS_MAX_LABELS) {
		if (n)
			lname[n++] = '.';
		off[nl] = (uint8_t)n;
		len[nl++] = name[k];
		for (unsigned i = 1; i <= name[k]; i++)
			lname[n++] = (char)(name[k + i] == 0 ? 0xff : lower(name[k + i]));
		k += 1u + name[k];
	}
	if (k + 1 != name_len || name[k] != 0)
		return 0;
	lname[n] = '\0';
	dnsf_name_suffix_hashes(lname, off, len, nl, h);
	return mask_of(hd, client, port, id, h[0], name, name_len, mask);
}

unsigned
dnsf_harden_flip(uint8_t *name, unsigned name_len, const uint64_t mask[DNSF_HARDEN_MASK_WORDS])
{
	unsigned n = 0;

	if (name_len > 64 * DNSF_HARDEN_MASK_WORDS)
		name_len = 64 * DNSF_HARDEN_MASK_WORDS;
	for (unsigned k = 0; k < name_len; k++)
		n += mask_bit(mask, k);
	flip_masked(name, 0, name_len, mask, NULL);
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Checksums: one's-complement sums over 16-bit big-endian words aligned on the UDP header. */

/* HC' = ~(~HC + new - old): a UDP checksum of 0 (IPv4: none sent) stays 0; a result of 0 is
 * sent as 0xffff (RFC 768). */
static void
ck_apply(uint8_t *ck, const struct csum_delta *d)
{
	const uint16_t hc = rd16(ck);
	uint16_t r;

	if (!d->any || hc == 0)
		return;
	r = dnsf_csum_fold((uint64_t)(uint16_t)~hc + dnsf_csum_reduce(d->add) +
	                   dnsf_csum_fold(d->sub));
	wr16(ck, r == 0 ? 0xffff : r);
}

/* ------------------------------------------------------------------------------------------ */
/* Message walking (bounds checked on every read; the parser's word is not taken for it). */

/* Skip the name at *off in place (up to its end or its first pointer). */
static int
skip_name(const uint8_t *m, uint32_t len, uint32_t *off)
{
	uint32_t o = *off;
	unsigned wl = 1;

	for (;;) {
		uint8_t c;

		if (o >= len)
			return -1;
		c = m[o];
		if (c == 0) {
			o++;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			if (len - o < 2)
				return -1;
			o += 2;
			break;
		}
		if (c > 63)
			return -1;
		wl += 1u + c;
		if (wl > DNSF_DNS_MAX_NAME)
			return -1;
		o += 1u + c;
	}
	*off = o;
	return 0;
}

struct rr {
	uint32_t owner; /* offset of the owner name */
	uint32_t fixed; /* offset of TYPE */
	uint32_t end;   /* offset after RDATA */
	uint16_t type;
};

static int
rr_next(const uint8_t *m, uint32_t len, uint32_t *off, struct rr *r)
{
	uint32_t o = *off;

	r->owner = o;
	if (skip_name(m, len, &o) != 0 || len - o < 10)
		return -1;
	r->fixed = o;
	r->type = rd16(m + o);
	o += 10;
	if (len - o < rd16(m + o - 2))
		return -1;
	r->end = o + rd16(m + o - 2);
	*off = r->end;
	return 0;
}

/* Offset just past the question section, or 0. */
static uint32_t
questions_end(const uint8_t *m, uint32_t len, unsigned qdcount)
{
	uint32_t off = DNSF_DNS_HDR_LEN;

	for (unsigned i = 0; i < qdcount; i++) {
		if (skip_name(m, len, &off) != 0 || len - off < 4)
			return 0;
		off += 4;
	}
	return off;
}

static unsigned
rr_total(const uint8_t *m)
{
	unsigned n = (unsigned)rd16(m + 6) + rd16(m + 8) + rd16(m + 10);

	return n > DNSF_DNS_MAX_RRS ? DNSF_DNS_MAX_RRS : n;
}

/* The OPT record of the additional section: 0 and its offset/length, or -1. */
static int
find_opt(const uint8_t *m, uint32_t len, uint32_t *opt_off, uint32_t *opt_len)
{
	const unsigned before = (unsigned)rd16(m + 6) + rd16(m + 8);
	const unsigned total = rr_total(m);
	uint32_t off = questions_end(m, len, rd16(m + 4));
	struct rr r;

	if (off == 0)
		return -1;
	for (unsigned i = 0; i < total; i++) {
		if (rr_next(m, len, &off, &r) != 0)
			return -1;
		/* The owner must be the root (RFC 6891 6.1.2): a pointer could not be moved. */
		if (i >= before && r.type == DNSF_T_OPT && m[r.owner] == 0) {
			*opt_off = r.owner;
			*opt_len = r.end - r.owner;
			return 0;
		}
	}
	return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* 0x20 */

/* Does the frame hold a UDP DNS message whose first question we may randomize / restore? The
 * test uses only what a response echoes (header opcode and counts, the name), so a query and
 * its answer always get the same outcome. */
static int
case_eligible(const struct dnsf_harden *hd, uint32_t len, const struct dnsf_pkt *p,
              const uint64_t *h, unsigned *res)
{
	const struct dnsf_dns_msg *d = &p->dns;

	if (!hd->case_on || p->cls != DNSF_PKT_DNS || p->l4_proto != IPPROTO_UDP_N ||
	    p->l4_off == 0 || d->qdcount != 1 || d->opcode != 0 || d->nlabels == 0 ||
	    d->qname_wire_off != DNSF_DNS_HDR_LEN || d->qname_wire_len < 2 ||
	    (uint32_t)p->dns_off + p->dns_len > len ||
	    p->dns_len < DNSF_DNS_HDR_LEN + (uint32_t)d->qname_wire_len)
		return 0;
	if (hd->exceptions != NULL && dnsf_suffix_set_match(hd->exceptions, d, h) >= 0) {
		*res |= DNSF_HD_EXEMPT;
		return 0;
	}
	return 1;
}

/* The question name in the frame must be plain labels ending in the root, exactly
 * qname_wire_len long (the first name of a message cannot hold a pointer). */
static int
plain_qname(const uint8_t *q, unsigned qwl)
{
	unsigned k = 0;

	while (k < qwl) {
		if (q[k] == 0)
			return k + 1 == qwl;
		if (q[k] > 63)
			return 0;
		k += 1u + q[k];
	}
	return 0;
}

static inline uint16_t
client_port(const struct dnsf_pkt *p)
{
	return p->client_is_src ? p->sport : p->dport;
}

unsigned
dnsf_harden_query(const struct dnsf_harden *hd, uint8_t *frame, uint32_t len,
                  const struct dnsf_pkt *p, const uint64_t *h)
{
	struct csum_delta d = {.add = 0, .sub = 0, .base = p->l4_off, .any = 0};
	unsigned res = 0;

	if (p->cls != DNSF_PKT_DNS || p->l4_proto != IPPROTO_UDP_N || !p->is_query ||
	    p->l4_off == 0 || (uint32_t)p->l4_off + UDP_HLEN > len ||
	    (uint32_t)p->dns_off + p->dns_len > len || p->dns_len < DNSF_DNS_HDR_LEN)
		return 0;

	if (case_eligible(hd, len, p, h, &res)) {
		const uint32_t qoff = (uint32_t)p->dns_off + DNSF_DNS_HDR_LEN;
		const unsigned qwl = p->dns.qname_wire_len;
		uint64_t mask[DNSF_HARDEN_MASK_WORDS];

		if (plain_qname(frame + qoff, qwl) &&
		    mask_of(hd, dnsf_pkt_client_addr(p), client_port(p), p->dns.id, h[0],
		            frame + qoff, qwl, mask) >= DNSF_HARDEN_MIN_LETTERS) {
			flip_masked(frame, qoff, qwl, mask, &d);
			res |= DNSF_HD_RANDOMIZED;
		}
	}

	if (hd->edns_on && p->dns.has_opt && p->dns.udp_size > hd->edns_max) {
		uint8_t *m = frame + p->dns_off;
		uint32_t oo, ol;

		if (find_opt(m, p->dns_len, &oo, &ol) == 0 && rd16(m + oo + 3) > hd->edns_max) {
			const uint32_t at = p->dns_off + oo + 3; /* CLASS = UDP payload size */

			set_byte(frame, at, (uint8_t)(hd->edns_max >> 8), &d);
			set_byte(frame, at + 1, (uint8_t)hd->edns_max, &d);
			res |= DNSF_HD_EDNS_CLAMPED;
		}
	}
	ck_apply(frame + p->l4_off + 6, &d);
	return res;
}

struct qview {
	uint8_t rq[DNSF_DNS_MAX_NAME + 1];    /* the question name as received (randomized) */
	uint8_t lq[DNSF_DNS_MAX_NAME + 1];    /* ... lower-cased */
	uint8_t start[DNSF_DNS_MAX_NAME + 1]; /* 1 where a label starts */
	const uint64_t *mask;                 /* bit k: octet k of the name was flipped */
	unsigned qwl;
	int ready; /* lq/start built (only when an owner name is written in place) */
};

static void
qview_build(struct qview *q)
{
	unsigned k;

	memset(q->start, 0, q->qwl);
	for (k = 0; k < q->qwl; k++)
		q->lq[k] = lower(q->rq[k]);
	for (k = 0; k < q->qwl; k += 1u + q->rq[k]) {
		q->start[k] = 1;
		if (q->rq[k] == 0)
			break;
	}
	q->ready = 1;
}

/* Upper-case letters in p[0..n). */
static unsigned
count_upper(const uint8_t *p, unsigned n)
{
	unsigned k = 0, c = 0;

	for (; k < n; k += 8) {
		const uint64_t x = ld_le(p + k, n - k < 8 ? n - k : 8);

		c += count_high(letters8(x) & ~(x << 2) & HIGH);
	}
	return c;
}

/* One restoring flip, logged for undo when there is a log. */
static inline void
restore_byte(uint8_t *frame, uint32_t off, struct csum_delta *d, struct dnsf_harden_undo *u)
{
	set_byte(frame, off, frame[off] ^ CASE_BIT, d);
	if (u != NULL)
		u->off[u->n++] = (uint16_t)off;
}

/*
 * An owner name that repeats the question name or one of its suffixes, written (at least
 * partly) in place: when every letter written in place has exactly the randomized case of the
 * question, give those letters the client's case. A name the server wrote in its own case is
 * left as it is (it would have been the same without us).
 */
static void
restore_owner(uint8_t *frame, uint32_t dns_off, uint32_t mlen, uint32_t owner,
              const struct qview *q, struct csum_delta *d, struct dnsf_harden_undo *u)
{
	const uint8_t *m = frame + dns_off;
	uint8_t e[DNSF_DNS_MAX_NAME + 1];
	uint32_t pos = owner, inl = UINT32_MAX, el = 0, s, k;
	unsigned ptrs = 0;

	for (;;) {
		uint8_t c;

		if (pos >= mlen)
			return;
		c = m[pos];
		if (c == 0) {
			if (inl == UINT32_MAX)
				inl = el;
			e[el++] = 0;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			uint32_t t;

			if (mlen - pos < 2)
				return;
			t = (uint32_t)(c & 0x3f) << 8 | m[pos + 1];
			if (inl == UINT32_MAX)
				inl = el;
			/* Strictly backwards and into the body: no loops. */
			if (t < DNSF_DNS_HDR_LEN || t >= pos || ++ptrs > DNSF_DNS_MAX_PTRS)
				return;
			pos = t;
			continue;
		}
		if (c > 63 || el + 1u + c + 1u > DNSF_DNS_MAX_NAME || mlen - pos < 1u + c)
			return;
		e[el] = c;
		for (k = 1; k <= c; k++)
			e[el + k] = lower(m[pos + k]);
		el += 1u + c;
		pos += 1u + c;
	}
	if (inl == 0 || el > q->qwl)
		return;
	s = q->qwl - el;
	if (!q->start[s] || memcmp(e, q->lq + s, el) != 0)
		return;
	for (k = 0; k < inl; k++) {
		const uint8_t b = m[owner + k];

		if (is_letter(b) && b != q->rq[s + k])
			return;
	}
	if (u != NULL && u->n + inl > DNSF_HARDEN_UNDO_MAX)
		return;
	for (k = 0; k < inl; k++)
		if (mask_bit(q->mask, s + k))
			restore_byte(frame, dns_off + owner + k, d, u);
}

unsigned
dnsf_harden_restore(const struct dnsf_harden *hd, uint8_t *frame, uint32_t len, struct dnsf_pkt *p,
                    const uint64_t *h, struct dnsf_harden_undo *undo)
{
	struct csum_delta d = {.add = 0, .sub = 0, .base = p->l4_off, .any = 0};
	uint64_t mask[DNSF_HARDEN_MASK_WORDS];
	struct qview q;
	unsigned res = 0, letters, i, total;
	uint32_t qoff, mlen, off;
	uint8_t *m;
	struct rr r;

	if (undo != NULL)
		undo->active = 0;
	if (p->is_query || (uint32_t)p->l4_off + UDP_HLEN > len ||
	    !case_eligible(hd, len, p, h, &res))
		return res;
	m = frame + p->dns_off;
	mlen = p->dns_len;
	qoff = DNSF_DNS_HDR_LEN;
	q.qwl = p->dns.qname_wire_len;
	q.ready = 0;
	letters = count_letters((const uint8_t *)p->dns.qname, p->dns.qname_len);
	if (letters < DNSF_HARDEN_MIN_LETTERS || !plain_qname(m + qoff, q.qwl))
		return res; /* the query was not randomized either */
	/* The parser counted the upper-case letters: one case only was not echoed (we never send
	 * one case). */
	if (p->dns.qname_upper == 0 || p->dns.qname_upper >= letters)
		return res | DNSF_HD_RESTORE_FAILED;

	mask_of(hd, dnsf_pkt_client_addr(p), client_port(p), p->dns.id, h[0], m + qoff, q.qwl,
	        mask);
	memcpy(q.rq, m + qoff, q.qwl);
	q.mask = mask;
	if (undo != NULL) {
		undo->active = 1;
		undo->n = 0;
		undo->ck_off = p->l4_off + 6u;
		undo->ck = rd16(frame + undo->ck_off);
		undo->q_at = (uint16_t)(p->dns_off + qoff);
		undo->q_len = (uint16_t)q.qwl;
		memcpy(undo->q_mask, mask, sizeof(mask));
	}
	flip_masked(frame, p->dns_off + qoff, q.qwl, mask, &d);
	p->dns.qname_upper = (uint8_t)count_upper(m + qoff, q.qwl);

	/* Owner names of every record present (a truncated or first-fragment answer just ends
	 * early). A pointer-only owner needs nothing: it points at bytes restored here. */
	off = qoff + q.qwl + 4;
	total = rr_total(m);
	for (i = 0; i < total && off < mlen; i++) {
		const uint8_t c = m[off];

		if (c != 0 && c <= 63) {
			if (!q.ready)
				qview_build(&q);
			restore_owner(frame, p->dns_off, mlen, off, &q, &d, undo);
		}
		if (rr_next(m, mlen, &off, &r) != 0)
			break;
	}
	ck_apply(frame + p->l4_off + 6, &d);
	return res | DNSF_HD_RESTORED;
}

void
dnsf_harden_undo(uint8_t *frame, const struct dnsf_harden_undo *undo)
{
	if (undo == NULL || !undo->active)
		return;
	flip_masked(frame, undo->q_at, undo->q_len, undo->q_mask, NULL);
	for (unsigned i = 0; i < undo->n; i++)
		frame[undo->off[i]] ^= CASE_BIT;
	wr16(frame + undo->ck_off, undo->ck);
}

/* ------------------------------------------------------------------------------------------ */
/* EDNS ceiling on answers */

unsigned
dnsf_harden_oversize(const struct dnsf_harden *hd, uint8_t *frame, uint32_t len,
                     const struct dnsf_pkt *p, uint32_t *out_len)
{
	const int v4 = p->ip_version == 4;
	uint32_t ulen, size, qend, opt_off = 0, opt_len = 0, new_dns, new_ulen, l3len;
	uint8_t *udp, *m, *ip;
	uint64_t pseudo = 0;
	uint16_t old_ck;
	int opt, whole;

	if (!hd->edns_on || p->cls != DNSF_PKT_DNS || p->l4_proto != IPPROTO_UDP_N || p->is_query ||
	    p->l4_off == 0 || (uint32_t)p->l4_off + UDP_HLEN > len ||
	    (uint32_t)p->dns_off + p->dns_len > len || p->dns_len < DNSF_DNS_HDR_LEN ||
	    p->dns_off != p->l4_off + UDP_HLEN || p->l4_off < p->l3_off)
		return 0;
	udp = frame + p->l4_off;
	ulen = rd16(udp + 4);
	if (ulen < UDP_HLEN)
		return 0;
	size = ulen - UDP_HLEN;
	if (size <= hd->edns_max)
		return 0;
	if (hd->oversize_drop)
		return DNSF_HD_OVERSIZE | DNSF_HD_DROP;
	ip = frame + p->l3_off;
	l3len = p->l4_off - p->l3_off;
	whole = !p->is_frag && p->dns_len == size;
	/* A first fragment becomes a whole datagram by clearing MF (IPv4, no options to think
	 * about); IPv6 would need its fragment header taken out of the chain: dropped instead. */
	if (!whole && !(p->is_frag && v4 && l3len == IP4_HLEN))
		return DNSF_HD_OVERSIZE | DNSF_HD_DROP;

	m = frame + p->dns_off;
	qend = questions_end(m, p->dns_len, rd16(m + 4));
	if (qend == 0)
		return DNSF_HD_OVERSIZE | DNSF_HD_DROP;
	opt = find_opt(m, p->dns_len, &opt_off, &opt_len) == 0;
	new_dns = qend + (opt ? opt_len : 0);
	if (new_dns >= size)
		return DNSF_HD_OVERSIZE | DNSF_HD_DROP;

	/* Checksum: with the whole datagram at hand, the pseudo-header's sum is what the old
	 * checksum leaves after taking out the data (so a routing header's final destination or a
	 * wrong checksum carry over as they were); a first fragment is summed from the header. */
	old_ck = rd16(udp + 6);
	if (old_ck != 0 && whole) {
		uint64_t data = dnsf_csum_add(0, udp, 6) + dnsf_csum_add(0, udp + 8, ulen - 8);

		pseudo = (uint64_t)(uint16_t)~old_ck + dnsf_csum_fold(data);
		pseudo += (uint16_t) ~(uint16_t)ulen; /* the length is set again below */
	} else if (old_ck != 0 || !v4) {
		if (v4)
			pseudo = dnsf_csum_add(0, ip + 12, 8);
		else
			pseudo = dnsf_csum_add(0, ip + 8, 32);
		pseudo += IPPROTO_UDP_N;
	}

	if (opt && opt_off != qend)
		memmove(m + qend, m + opt_off, opt_len);
	m[2] |= DNS_TC_BYTE2;
	wr16(m + 6, 0);
	wr16(m + 8, 0);
	wr16(m + 10, opt ? 1 : 0);
	new_ulen = UDP_HLEN + new_dns;
	wr16(udp + 4, new_ulen);
	if (v4) {
		wr16(ip + 2, l3len + new_ulen);
		ip[6] &= (uint8_t)~0x20; /* MF; the offset is 0 (first fragment or whole) */
		wr16(ip + 10, 0);
		wr16(ip + 10, dnsf_csum_fold(dnsf_csum_add(0, ip, l3len)));
	} else {
		wr16(ip + 4, l3len - IP6_HLEN + new_ulen);
	}
	if (old_ck != 0 || !v4) {
		uint64_t s = pseudo + new_ulen + dnsf_csum_add(0, udp, 6) +
		             dnsf_csum_add(0, udp + 8, new_dns);
		uint16_t c = dnsf_csum_fold(s);

		wr16(udp + 6, c == 0 ? 0xffff : c);
	}
	*out_len = p->dns_off + new_dns;
	memset(frame + *out_len, 0, len - *out_len);
	return DNSF_HD_OVERSIZE | DNSF_HD_TRUNCATED;
}

/* ------------------------------------------------------------------------------------------ */
/* Setup and config helpers */

const char *
dnsf_type_action_name(enum dnsf_type_action a)
{
	static const char *const names[DNSF_TYPE__COUNT] = {
	    [DNSF_TYPE_PASS] = "pass",
	    [DNSF_TYPE_COUNT] = "count",
	    [DNSF_TYPE_REFUSE] = "refuse",
	    [DNSF_TYPE_DROP] = "drop",
	};
	return (unsigned)a < DNSF_TYPE__COUNT ? names[a] : "unknown";
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
dnsf_harden_key_parse(const char *hex, uint8_t key[DNSF_HARDEN_KEY_LEN])
{
	uint8_t k[DNSF_HARDEN_KEY_LEN];

	if (hex == NULL || strlen(hex) != 2 * DNSF_HARDEN_KEY_LEN)
		return -1;
	for (unsigned i = 0; i < DNSF_HARDEN_KEY_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, k, sizeof(k));
	return 0;
}

int
dnsf_harden_type_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *digits = s;
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcasecmp(s, "PRIVATE") == 0) {
		*lo = 65280;
		*hi = 65534;
		return 0;
	}
	if (strncasecmp(s, "TYPE", 4) == 0 && s[4] != '\0')
		digits = s + 4;
	if (digits[0] >= '0' && digits[0] <= '9') {
		const char *c;

		if (digits[0] == '0' && digits[1] != '\0')
			return -1;
		for (c = digits; *c; c++) {
			if (*c < '0' || *c > '9')
				return -1;
			v = v * 10 + (unsigned long)(*c - '0');
			if (v > 65535)
				return -1;
		}
		*lo = *hi = (uint16_t)v;
		return 0;
	}
	for (unsigned t = 0; t <= DNSF_HARDEN_MNEMONIC_MAX; t++) {
		const char *name = dnsf_rrtype_name((uint16_t)t, NULL, 0);

		if (strcmp(name, "?") != 0 && strcasecmp(name, s) == 0) {
			*lo = *hi = (uint16_t)t;
			return 0;
		}
	}
	return -1;
}

int
dnsf_harden_init(struct dnsf_harden *hd, const struct dnsf_harden_cfg *cfg,
                 const struct dnsf_suffix_set *exceptions, char *err, size_t errlen)
{
	uint8_t key[DNSF_HARDEN_KEY_LEN];
	unsigned i, pass;

	memset(hd, 0, sizeof(*hd));
	hd->exceptions = exceptions;
	hd->case_on = cfg->case_randomization != 0;
	hd->edns_on = cfg->edns_clamp != 0;
	hd->edns_max = cfg->edns_max;
	hd->oversize_drop = cfg->edns_oversize == DNSF_OVERSIZE_DROP;
	hd->types_on = cfg->rare_types != 0;
	/* Ranges first, then single types: a type named on its own wins over a range. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < cfg->n_types && i < DNSF_MAX_TYPE_RULES; i++) {
			const struct dnsf_type_rule *r = &cfg->types[i];

			if ((r->lo != r->hi) != (pass == 0) || r->action >= DNSF_TYPE__COUNT)
				continue;
			for (uint32_t t = r->lo; t <= r->hi; t++)
				hd->type_action[t] = r->action;
		}
	}
	if (!hd->case_on)
		return 0;
	if (cfg->case_key_set) {
		memcpy(key, cfg->case_key, sizeof(key));
	} else {
		size_t got = 0;

		while (got < sizeof(key)) {
			ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				snprintf(
				    err, errlen,
				    "hardening.case_key: cannot get a random key from the kernel "
				    "(getrandom: %s); set one in the configuration",
				    n < 0 ? strerror(errno) : "no data");
				return -1;
			}
			got += (size_t)n;
		}
	}
	hd->k0 = le64(key);
	hd->k1 = le64(key + 8);
	memset(key, 0, sizeof(key));
	return 0;
}
