/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS message parser: one pass over the header, the first question and the owner names and
 * fixed fields of every record. Bounds are checked before every read; see dnsf_dns.h.
 */
#include <string.h>

#include "dnsf_dns.h"

/* Lower-casing table: A-Z -> a-z, NUL -> 0xff (qname must stay a C string), rest unchanged. */
#define DNSF_LC(c)   ((uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c) == 0 ? 0xff : (c)))
#define DNSF_LC4(c)  DNSF_LC(c), DNSF_LC((c) + 1), DNSF_LC((c) + 2), DNSF_LC((c) + 3)
#define DNSF_LC16(c) DNSF_LC4(c), DNSF_LC4((c) + 4), DNSF_LC4((c) + 8), DNSF_LC4((c) + 12)
#define DNSF_LC64(c) DNSF_LC16(c), DNSF_LC16((c) + 16), DNSF_LC16((c) + 32), DNSF_LC16((c) + 48)
static const uint8_t dnsf_lower[256] = {DNSF_LC64(0), DNSF_LC64(64), DNSF_LC64(128),
                                        DNSF_LC64(192)};

#define DNSF_MSG_MAX 65535u

/*
 * Lower-case 8 bytes at once (SWAR): A-Z -> a-z, NUL -> 0xff as in dnsf_lower[]. Returns 0x01
 * in each byte that was A-Z (callers sum these and mask the bytes past the label). Adds stay
 * below 0x100 per byte, so no carry crosses bytes. Byte i of the word is s[i] only on
 * little-endian machines, hence the guard; elsewhere the table loop does all the work.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DNSF_DNS_SWAR 1
#define DNSF_ONES     UINT64_C(0x0101010101010101)
static inline uint64_t
lower8(const uint8_t *s, char *d)
{
	const uint64_t hi = DNSF_ONES * 0x80;
	uint64_t x, x7, up, zero;

	memcpy(&x, s, 8);
	x7 = x & ~hi;
	up = (x7 + DNSF_ONES * (0x80 - 'A')) & ~(x7 + DNSF_ONES * (0x80 - 'Z' - 1)) & ~x & hi;
	zero = ~((x7 + ~hi) | x) & hi;
	x |= up >> 2;
	x |= (zero >> 7) * 0xff;
	memcpy(d, &x, 8);
	return up >> 7;
}

/* Bytes 0..n-1 of a word (index n, 1..7), for the last word of a label. */
static const uint64_t dnsf_head_mask[8] = {DNSF_BYTE_MASKS_0_7};
#endif

#ifdef __SSE2__
#include <emmintrin.h>
/*
 * The same 16 bytes at once where SSE2 exists (every x86-64): A-Z -> a-z, NUL -> 0xff; returns
 * 0xff in each byte that was A-Z (callers subtract it to count). Adding 0x80 - 'A' moves A-Z to
 * the 26 lowest signed values, so one signed compare finds them and leaves bytes >= 0x80 alone,
 * as the table does.
 */
static inline __m128i
lower16(const uint8_t *s, char *d)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	const __m128i up = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 'A'))),
	                                  _mm_set1_epi8((char)(-0x80 + 26)));
	const __m128i nul = _mm_cmpeq_epi8(x, _mm_setzero_si128());

	x = _mm_or_si128(_mm_or_si128(x, _mm_and_si128(up, _mm_set1_epi8(0x20))), nul);
	_mm_storeu_si128((__m128i *)(void *)d, x);
	return up;
}

/* 16 0xff then 16 zeros: loading at 16 - n gives a mask of the first n bytes. */
static const uint8_t dnsf_head16[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#endif

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static const char *const status_names[DNSF_DNS_E__COUNT] = {
    [DNSF_DNS_OK] = "ok",
    [DNSF_DNS_E_SHORT] = "short",
    [DNSF_DNS_E_TRUNC_QNAME] = "trunc_qname",
    [DNSF_DNS_E_LABEL_LEN] = "label_len",
    [DNSF_DNS_E_NAME_LEN] = "name_len",
    [DNSF_DNS_E_PTR_LOOP] = "ptr_loop",
    [DNSF_DNS_E_TRUNC_Q] = "trunc_q",
    [DNSF_DNS_E_TRUNC_RR] = "trunc_rr",
    [DNSF_DNS_E_TOO_MANY_RR] = "too_many_rr",
    [DNSF_DNS_E_BAD_OPT] = "bad_opt",
};

const char *
dnsf_dns_status_name(enum dnsf_dns_status st)
{
	if ((unsigned)st >= DNSF_DNS_E__COUNT)
		return "unknown";
	return status_names[st];
}

/* The switch below as a table for types < 256 (one load on the per-record path), built from it
 * at start. */
static uint8_t rrclass_small[256];

static enum dnsf_rrclass rrclass_switch(uint16_t t);

__attribute__((constructor)) static void
rrclass_table_init(void)
{
	for (unsigned t = 0; t < 256; t++)
		rrclass_small[t] = (uint8_t)rrclass_switch((uint16_t)t);
}

/* Inline for the record walk below; dnsf_rrclass_of() is the same for other modules. */
static inline enum dnsf_rrclass
rrclass_of(uint16_t t)
{
	return t < 256 ? (enum dnsf_rrclass)rrclass_small[t] : rrclass_switch(t);
}

enum dnsf_rrclass
dnsf_rrclass_of(uint16_t t)
{
	return rrclass_of(t);
}

static enum dnsf_rrclass
rrclass_switch(uint16_t t)
{
	switch (t) {
	case DNSF_T_A:
	case DNSF_T_AAAA:
		return DNSF_RRC_ADDR;
	case DNSF_T_TXT:
		return DNSF_RRC_TXT;
	case DNSF_T_NULL:
		return DNSF_RRC_NULL;
	case DNSF_T_CNAME:
		return DNSF_RRC_CNAME;
	case DNSF_T_MX:
		return DNSF_RRC_MX;
	case DNSF_T_SRV:
		return DNSF_RRC_SRV;
	case DNSF_T_KEY:
	case DNSF_T_DNSKEY:
		return DNSF_RRC_KEY;
	case DNSF_T_ANY:
		return DNSF_RRC_ANY;
	case DNSF_T_PTR:
		return DNSF_RRC_PTR;
	case DNSF_T_NS:
		return DNSF_RRC_NS;
	case DNSF_T_SVCB:
	case DNSF_T_HTTPS:
		return DNSF_RRC_HTTPS;
	default:
		/* RFC 6895 private use: tunnels pick these because nothing filters them. */
		if (t >= 65280 && t <= 65534)
			return DNSF_RRC_PRIVATE;
		return DNSF_RRC_OTHER;
	}
}

/*
 * Follow one compression pointer at m[pos] (first byte already known to be 0xC0-class).
 * `seg` is the start of the label run the pointer ends; the target must lie in [12, seg) so that
 * every hop goes strictly backwards: loops cannot exist, and MAX_PTRS bounds the work.
 */
static inline enum dnsf_dns_status
follow_ptr(const uint8_t *m, size_t len, size_t *pos, size_t *seg, size_t *end, unsigned *nptr,
           enum dnsf_dns_status trunc)
{
	size_t p = *pos, t;

	if (len - p < 2)
		return trunc;
	t = (size_t)(m[p] & 0x3f) << 8 | m[p + 1];
	if (*end == 0)
		*end = p + 2;
	if (t >= *seg || t < DNSF_DNS_HDR_LEN || ++*nptr > DNSF_DNS_MAX_PTRS)
		return DNSF_DNS_E_PTR_LOOP;
	*pos = *seg = t;
	return DNSF_DNS_OK;
}

/*
 * Check and skip a name starting at `pos`. On success *endp is the offset just past the name in
 * place and *wlenp its decoded wire length (1 for the root). `trunc` is the status to report
 * when the name runs past the end (it differs between question and records). `qwire` is the
 * wire length of the decoded first question name at offset 12, 0 when there is none.
 */
static enum dnsf_dns_status
name_skip(const uint8_t *m, size_t len, size_t pos, size_t *endp, unsigned *wlenp,
          enum dnsf_dns_status trunc, unsigned qwire)
{
	size_t seg = pos, end = 0;
	unsigned wlen = 1, nptr = 0, c;
	enum dnsf_dns_status st;

	for (;;) {
		if (pos >= len)
			return trunc;
		c = m[pos];
		if (c == 0)
			break;
		if (c > 63) {
			if ((c & 0xc0) != 0xc0)
				return DNSF_DNS_E_LABEL_LEN;
			st = follow_ptr(m, len, &pos, &seg, &end, &nptr, trunc);
			if (st != DNSF_DNS_OK)
				return st;
			if (pos == DNSF_DNS_HDR_LEN && qwire) {
				/* Most owner names point at the first question's name, already
				 * checked (and pointer-free: nothing lies before it): add its
				 * length instead of walking it again. */
				wlen += qwire - 1;
				if (wlen > DNSF_DNS_MAX_NAME)
					return DNSF_DNS_E_NAME_LEN;
				break;
			}
			continue;
		}
		wlen += c + 1;
		if (wlen > DNSF_DNS_MAX_NAME)
			return DNSF_DNS_E_NAME_LEN;
		/* Label bytes are not read here: a label past the end is caught by pos >= len. */
		pos += c + 1;
	}
	*endp = end ? end : pos + 1;
	*wlenp = wlen;
	return DNSF_DNS_OK;
}

#ifdef __SSE2__
/*
 * The common question name, decoded in two cheap passes instead of label by label: every label
 * in place (no pointer), the whole name inside the message. First the label lengths are walked
 * (offsets and lengths recorded), then the octets after the first length byte are lower-cased
 * 16 at a time straight into qname[], and the length bytes that landed between labels become
 * '.'. Length bytes are 1..63: lower16() leaves them alone and never counts them as upper case.
 * Returns 0 for anything else (root, pointer, bad length, overlong or cut name), which
 * qname_decode()'s general walk then decides, so statuses stay exactly its own.
 */
static inline int
qname_fast(const uint8_t *m, size_t len, size_t start, struct dnsf_dns_msg *o, size_t *endp)
{
	size_t pos = start;
	unsigned n = 0, c, q, i;
	char *out = o->qname;

	if (start >= len)
		return 0;
	/* The next length byte must be readable and the final 0 at most 254 octets on (255 with
	 * it): one compare per label for both. Checked before the stores, which also keeps
	 * n < 127 and offsets < 255. */
	const size_t lim =
	    len - 1 < start + DNSF_DNS_MAX_NAME - 1 ? len - 1 : start + DNSF_DNS_MAX_NAME - 1;
	for (;;) {
		c = m[pos];
		if (c - 1u > 62u) { /* 0 ends the name; > 63 is a pointer or a bad length */
			if (c == 0)
				break;
			return 0;
		}
		if (pos + c + 1 > lim)
			return 0;
		o->label_off[n] = (uint8_t)(pos - start);
		o->label_len[n] = (uint8_t)c;
		n++;
		pos += c + 1;
	}
	if (n == 0)
		return 0;
	/* Presentation length: the octets between the first length byte and the final 0. At most
	 * 253, so whole 16-byte blocks stay inside qname[256]. */
	q = (unsigned)(pos - start - 1);
	const uint8_t *s = m + start + 1;
	__m128i ups = _mm_setzero_si128();
	for (i = 0; i + 16 <= q; i += 16)
		ups = _mm_sub_epi8(ups, lower16(s + i, out + i));
	if (i < q) {
		const uint8_t *src = s + i;
		uint8_t tail[16];
		/* The last block may not be readable past the message: copy what is there. */
		if (len - (start + 1 + i) < 16) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, src, q - i);
			src = tail;
		}
		ups = _mm_sub_epi8(
		    ups,
		    _mm_and_si128(lower16(src, out + i),
		                  _mm_loadu_si128((const __m128i *)(const void *)(dnsf_head16 + 16 -
		                                                                  (q - i)))));
	}
	for (i = 1; i < n; i++)
		out[o->label_off[i] - 1] = '.';
	out[q] = '\0';
	ups = _mm_sad_epu8(ups, _mm_setzero_si128());
	o->nlabels = (uint8_t)n;
	o->qname_len = (uint8_t)q;
	o->qname_upper = (uint8_t)((unsigned)_mm_cvtsi128_si32(ups) +
	                           (unsigned)_mm_cvtsi128_si32(_mm_unpackhi_epi64(ups, ups)));
	*endp = pos + 1;
	return 1;
}
#endif

/* Decode the first question's name into o->qname / labels. Same rules as name_skip(). Where
 * SSE2 exists qname_fast() decodes every name this walk would accept but the root (the first
 * name sits at offset 12, so any pointer in it points at or after its start: an error), and the
 * walk is left with the root and the statuses of bad names; elsewhere it decodes them all. */
static enum dnsf_dns_status
qname_decode(const uint8_t *m, size_t len, size_t pos, struct dnsf_dns_msg *o, size_t *endp)
{
	size_t seg = pos, end = 0;
	unsigned wlen = 1, nptr = 0, c, q = 0, n = 0, upper = 0, i;
	enum dnsf_dns_status st;
	char *out = o->qname;

#ifdef __SSE2__
	if (qname_fast(m, len, pos, o, endp))
		return DNSF_DNS_OK;
#endif
	for (;;) {
		if (pos >= len)
			return DNSF_DNS_E_TRUNC_QNAME;
		c = m[pos];
		if (c == 0)
			break;
		if (c > 63) {
			if ((c & 0xc0) != 0xc0)
				return DNSF_DNS_E_LABEL_LEN;
			st = follow_ptr(m, len, &pos, &seg, &end, &nptr, DNSF_DNS_E_TRUNC_QNAME);
			if (st != DNSF_DNS_OK)
				return st;
			continue;
		}
		/* wlen <= 255 also bounds n <= 127 labels and q <= 253 characters. */
		wlen += c + 1;
		if (wlen > DNSF_DNS_MAX_NAME)
			return DNSF_DNS_E_NAME_LEN;
		if (c >= len - pos)
			return DNSF_DNS_E_TRUNC_QNAME;
		if (n)
			out[q++] = '.';
		o->label_off[n] = (uint8_t)q;
		o->label_len[n] = (uint8_t)c;
		n++;
		const uint8_t *s = m + pos + 1;
		i = 0;
#ifdef DNSF_DNS_SWAR
		/* Whole words: they may read past the label but not past the message, and write
		 * past the label but not past qname[]; what follows overwrites those bytes. */
		unsigned w = (c + 7) & ~7u;
		if (i < c && w <= len - pos - 1 && q + w <= sizeof(o->qname)) {
			uint64_t ups = 0;
			for (; i + 8 <= c; i += 8)
				ups += lower8(s + i, out + q + i);
			if (i < c)
				ups += lower8(s + i, out + q + i) & dnsf_head_mask[c - i];
			/* At most 8 per byte lane: the byte sum fits the top byte. */
			upper += (unsigned)((ups * DNSF_ONES) >> 56);
			i = c;
		}
#endif
		for (; i < c; i++) {
			uint8_t b = s[i];
			upper += (uint8_t)(b - 'A') < 26;
			out[q + i] = (char)dnsf_lower[b];
		}
		q += c;
		pos += c + 1;
	}
	out[q] = '\0';
	o->nlabels = (uint8_t)n;
	o->qname_len = (uint8_t)q;
	o->qname_upper = (uint8_t)upper;
	*endp = end ? end : pos + 1;
	return DNSF_DNS_OK;
}

/* OPT RDATA is a sequence of {code, length, data}; it must tile RDLENGTH exactly. */
static int
opt_options_ok(const uint8_t *p, size_t rdlen)
{
	size_t off = 0;

	while (off < rdlen) {
		if (rdlen - off < 4)
			return 0;
		size_t olen = rd16(p + off + 2);
		if (olen > rdlen - off - 4)
			return 0;
		off += 4 + olen;
	}
	return 1;
}

/* Answer classes whose RDATA is free-form data: txtnull_max. */
#define DATA_CLASSES ((1u << DNSF_RRC_TXT) | (1u << DNSF_RRC_NULL) | (1u << DNSF_RRC_PRIVATE))

static enum dnsf_dns_status
parse(const uint8_t *m, size_t len, struct dnsf_dns_msg *o, int head)
{
	enum dnsf_dns_status st;
	size_t pos, end;
	unsigned wlen, i, qd;

	dnsf_dns_msg_init(o);
	if (len > DNSF_MSG_MAX)
		len = DNSF_MSG_MAX;
	if (len < DNSF_DNS_HDR_LEN)
		return DNSF_DNS_E_SHORT;

	o->id = rd16(m);
	o->flags = rd16(m + 2);
	o->qr = m[2] >> 7;
	o->opcode = (m[2] >> 3) & 0xf;
	o->tc = (m[2] >> 1) & 1;
	o->rcode = m[3] & 0xf;
	o->qdcount = qd = rd16(m + 4);
	o->ancount = rd16(m + 6);
	o->nscount = rd16(m + 8);
	o->arcount = rd16(m + 10);
	pos = DNSF_DNS_HDR_LEN;

	if (qd) {
		st = qname_decode(m, len, pos, o, &end);
		if (st != DNSF_DNS_OK) {
			o->nlabels = 0;
			o->qname_len = 0;
			o->qname[0] = '\0';
			o->qname_upper = 0;
			return st;
		}
		o->qname_wire_off = (uint16_t)pos;
		o->qname_wire_len = (uint16_t)(end - pos);
		if (len - end < 4)
			return DNSF_DNS_E_TRUNC_Q;
		o->qtype = rd16(m + end);
		o->qclass = rd16(m + end + 2);
		pos = end + 4;
	}
	if ((uint32_t)qd + o->ancount + o->nscount + o->arcount > DNSF_DNS_MAX_RRS)
		return DNSF_DNS_E_TOO_MANY_RR;
	for (i = 1; i < qd; i++) {
		size_t e;
		unsigned w;
		st = name_skip(m, len, pos, &e, &w, DNSF_DNS_E_TRUNC_QNAME, o->qname_wire_len);
		if (st != DNSF_DNS_OK)
			return st;
		if (len - e < 4)
			return DNSF_DNS_E_TRUNC_Q;
		pos = e + 4;
	}
	o->end_off = (uint16_t)pos;

	/* One walk over the three sections: records [0, ar0) answer or authority, [ar0, all)
	 * additional; only answers feed the RDATA summary. */
	const unsigned n_an = o->ancount, ar0 = n_an + o->nscount, all = ar0 + o->arcount;
	const unsigned qwl = o->qname_wire_len;
	for (i = 0; i < all; i++) {
		/* The two usual owner names, each with its record's fixed fields present: exactly
		 * the pointer to the question name (0xc00c; the pointer goes backwards, the
		 * question's length is known) and the root (an OPT record's owner). Both are what
		 * name_skip() and the length check after it conclude, without the call; any other
		 * owner, or one too close to the end, takes that way. */
		if (len - pos >= 12 && rd16(m + pos) == (0xc000 | DNSF_DNS_HDR_LEN) && qwl) {
			end = pos + 2;
			wlen = qwl;
		} else if (len - pos >= 11 && m[pos] == 0) {
			end = pos + 1;
			wlen = 1;
		} else {
			/* Through copies: with their addresses taken, end and wlen would live on
			 * the stack for the whole walk. */
			size_t e;
			unsigned w;
			st = name_skip(m, len, pos, &e, &w, DNSF_DNS_E_TRUNC_RR, qwl);
			if (st == DNSF_DNS_E_TRUNC_RR)
				goto trunc;
			if (st != DNSF_DNS_OK)
				return st;
			end = e;
			wlen = w;
			if (len - end < 10)
				goto trunc;
		}
		const uint8_t *rr = m + end;
		uint16_t type = rd16(rr), rdlen = rd16(rr + 8);
		if (rdlen > len - end - 10)
			goto trunc;
		if (type == DNSF_T_OPT) {
			/* RFC 6891 6.1.1: one OPT, in the additional section, owned by root. */
			if (i < ar0 || wlen != 1 || o->has_opt || !opt_options_ok(rr + 10, rdlen))
				return DNSF_DNS_E_BAD_OPT;
			o->has_opt = 1;
			o->udp_size = rd16(rr + 2);
			o->ext_rcode = rr[4];
			o->edns_version = rr[5];
			o->do_bit = rr[6] >> 7;
		} else if (i < n_an) {
			const unsigned rc = rrclass_of(type);
			o->rdata_total += rdlen;
			if (rdlen > o->rdata_max)
				o->rdata_max = rdlen;
			if (((1u << rc) & DATA_CLASSES) && rdlen > o->txtnull_max)
				o->txtnull_max = rdlen;
			o->answer_types |= (uint16_t)(1u << rc);
		}
		pos = end + 10 + rdlen;
		o->end_off = (uint16_t)pos;
	}
	return DNSF_DNS_OK;

trunc:
	if (head || o->tc) {
		o->partial = 1;
		return DNSF_DNS_OK;
	}
	return DNSF_DNS_E_TRUNC_RR;
}

enum dnsf_dns_status
dnsf_dns_parse(const uint8_t *msg, size_t len, struct dnsf_dns_msg *out)
{
	return parse(msg, len, out, 0);
}

enum dnsf_dns_status
dnsf_dns_parse_head(const uint8_t *msg, size_t len, struct dnsf_dns_msg *out)
{
	return parse(msg, len, out, 1);
}
