/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dnsf_bigram.h"
#include "dnsf_features.h"
#include "dnsf_name.h"

/* Character classes of the subdomain alphabet tests (names arrive lower-cased). */
enum {
	C_LETTER = 1,
	C_DIGIT = 2,
	C_HEXL = 4,  /* a-f */
	C_B32D = 8,  /* 0-7 */
	C_HYPH = 16, /* '-' '_' */
	C_B64S = 32, /* '+' '/' '=' */
	C_LDH = C_LETTER | C_DIGIT | C_HYPH
};

static const uint8_t cclass[256] = {
    ['a' ... 'f'] = C_LETTER | C_HEXL,
    ['g' ... 'z'] = C_LETTER,
    ['0' ... '7'] = C_DIGIT | C_B32D,
    ['8' ... '9'] = C_DIGIT,
    ['-'] = C_HYPH,
    ['_'] = C_HYPH,
    ['+'] = C_B64S,
    ['/'] = C_B64S,
    ['='] = C_B64S, /* every other byte: 0, outside the host-name alphabet */
};

/* Upper-case letters of labels [from, to) read from the wire. Returns -1 when a label is not
 * where the presentation offsets say (a compression pointer inside the question name). */
static int
wire_upper(const struct dnsf_dns_msg *m, unsigned from, unsigned to, const uint8_t *wire,
           size_t wire_len)
{
	size_t end = (size_t)m->qname_wire_off + m->qname_wire_len;
	int n = 0;

	if (end > wire_len)
		end = wire_len;
	for (unsigned i = from; i < to; i++) {
		size_t lo = (size_t)m->qname_wire_off + m->label_off[i];
		size_t hi = lo + 1 + m->label_len[i];
		if (hi > end || wire[lo] != m->label_len[i])
			return -1;
		for (size_t k = lo + 1; k < hi; k++)
			n += (wire[k] >= 'A' && wire[k] <= 'Z');
	}
	return n;
}

/* What both definitions take from the message as it is: zeroes *q, then the name, type, answer
 * and EDNS fields. */
static inline __attribute__((always_inline)) void
qfeat_head(const struct dnsf_dns_msg *m, uint64_t name_hash, struct dnsf_qfeat *q)
{
	memset(q, 0, sizeof(*q));
	q->name_hash = name_hash;
	q->qname_len = m->qname_len;
	q->nlabels = m->nlabels;
	q->rrclass = (uint8_t)dnsf_rrclass_of(m->qtype);
	q->is_response = m->qr;
	q->rcode = m->rcode;
	q->edns_udp = m->has_opt ? m->udp_size : 0;
	q->ancount = m->qr ? m->ancount : 0;
	q->rdata_total = m->qr ? m->rdata_total : 0;
	q->txtnull_max = m->qr ? m->txtnull_max : 0;
}

/* qfeat_head() for the fast path: the fields the zero fill already holds for a query, or a
 * message without OPT, are not written a second time. */
static inline __attribute__((always_inline)) void
qfeat_head_fast(const struct dnsf_dns_msg *m, uint64_t name_hash, struct dnsf_qfeat *q)
{
	memset(q, 0, sizeof(*q));
	q->name_hash = name_hash;
	q->qname_len = m->qname_len;
	q->nlabels = m->nlabels;
	q->rrclass = (uint8_t)dnsf_rrclass_of(m->qtype);
	q->is_response = m->qr;
	q->rcode = m->rcode;
	if (m->has_opt)
		q->edns_udp = m->udp_size;
	if (m->qr) {
		q->ancount = m->ancount;
		q->rdata_total = m->rdata_total;
		q->txtnull_max = m->txtnull_max;
	}
}

/* The longest of `maxl` and the labels from..nlabels-1. */
static inline unsigned
max_label_from(const struct dnsf_dns_msg *m, unsigned from, unsigned maxl)
{
	for (unsigned i = from; i < m->nlabels; i++)
		if (m->label_len[i] > maxl)
			maxl = m->label_len[i];
	return maxl;
}

/* qfeat_head() and the longest label. */
static void
qfeat_message(const struct dnsf_dns_msg *m, uint64_t name_hash, struct dnsf_qfeat *q)
{
	qfeat_head(m, name_hash, q);
	q->max_label = (uint16_t)max_label_from(m, 0, 0);
}

void
dnsf_qfeat_compute_ref(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                       size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q)
{
	uint8_t cnt[256];
	unsigned chars = 0, digits = 0, hyph = 0, other = 0, letters = 0;
	unsigned sub_maxl = 0;
	unsigned or_cls = 0, nonb64 = 0;
	unsigned hex_chars = 0, hex_maxl = 0, hex_cls = 0;
	int b32 = 1, b64 = 1;
	uint32_t ent_sum = 0, bg_sum = 0, bg_n = 0;
	int sub_upper = -1, reg_upper;

	if (split > m->nlabels)
		split = m->nlabels;
	qfeat_message(m, name_hash, q);
	if (split == 0)
		return;

	memset(cnt, 0, sizeof(cnt));
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		unsigned len = m->label_len[i];
		unsigned prev = DNSF_BG_NSYM;
		int hex = 1;
		unsigned lcls = 0;

		if (len > sub_maxl)
			sub_maxl = len;
		for (unsigned k = 0; k < len; k++) {
			uint8_t c = s[k];
			unsigned cl = cclass[c];
			unsigned sym = dnsf_bigram_sym[c];

			cnt[c]++;
			or_cls |= cl;
			lcls |= cl;
			nonb64 += cl == 0;
			hex &= (cl & (C_DIGIT | C_HEXL)) != 0;
			b32 &= (cl & (C_B32D | C_LETTER)) != 0;
			b64 &= cl != 0;
			letters += (cl & C_LETTER) != 0;
			digits += (cl & C_DIGIT) != 0;
			hyph += (cl & C_HYPH) != 0;
			other += (cl & C_LDH) == 0;
			if (prev != DNSF_BG_NSYM) {
				bg_sum += dnsf_bigram_cost[prev][sym];
				bg_n++;
			}
			prev = sym;
		}
		chars += len;
		if (hex) {
			hex_chars += len;
			hex_cls |= lcls;
			if (len > hex_maxl)
				hex_maxl = len;
		}
	}
	/* Entropy: log2 N - sum(c log2 c) / N, each distinct byte counted once (reset as we go). */
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		for (unsigned k = 0; k < m->label_len[i]; k++) {
			if (cnt[s[k]] != 0) {
				ent_sum += dnsf_nlog2n_milli[cnt[s[k]]];
				cnt[s[k]] = 0;
			}
		}
	}
	q->sub_labels = (uint16_t)split;
	q->sub_chars = (uint16_t)chars;
	q->sub_len = (uint16_t)(m->label_off[split - 1] + m->label_len[split - 1]);
	q->sub_max_label = (uint16_t)sub_maxl;
	if (chars == 0)
		return;
	q->entropy_milli = (uint16_t)((dnsf_nlog2n_milli[chars] - ent_sum) / chars);
	q->digit_pm = (uint16_t)(digits * 1000 / chars);
	q->hyphen_pm = (uint16_t)(hyph * 1000 / chars);
	q->other_pm = (uint16_t)(other * 1000 / chars);
	/* 1/16 bit per unit -> millibits. */
	q->bigram_milli = bg_n ? (uint16_t)(bg_sum * 1000 / (DNSF_BG_UNIT * bg_n)) : 0;

	if (wire != NULL)
		sub_upper = wire_upper(m, 0, split, wire, wire_len);
	if (sub_upper < 0) {
		/* Case unknown per part: attribute the whole name's upper case to the subdomain. */
		sub_upper = m->qname_upper < chars ? m->qname_upper : (int)chars;
		reg_upper = 0;
	} else {
		reg_upper = (int)m->qname_upper - sub_upper;
	}
	/* A resolver randomising case (draft-vixie-dnsext-dns0x20) touches the registered domain
	 * too; an encoder only touches its payload. */
	int mixed = reg_upper <= 0 && sub_upper > 0 && (unsigned)sub_upper < letters;
	if (reg_upper <= 0)
		q->upper_pm = (uint16_t)((unsigned)sub_upper * 1000 / chars);

	/* Hex: the hash-like labels dominate (>= 3/4 of the characters, the longest label among
	 * them) and hold digits and letters; short words around them ("i.01.mac", "safeframe") do
	 * not make a hash look like text. */
	const int both = digits > 0 && letters > 0;
	if (hex_chars * 4 >= chars * 3 && hex_maxl == sub_maxl && (hex_cls & C_DIGIT) &&
	    (hex_cls & C_LETTER))
		q->fit |= DNSF_FIT_HEX;
	if (b32 && both && !mixed)
		q->fit |= DNSF_FIT_BASE32;
	if (b64 && ((or_cls & C_B64S) || mixed))
		q->fit |= DNSF_FIT_BASE64;
	if (nonb64)
		q->fit |= DNSF_FIT_BINARY;
}

/*
 * The fast path's one pass over the subdomain (dnsf_qfeat_compute_ref() is the definition, kept
 * for the equivalence test). One 64-bit table entry per byte holds eight 8-bit counting lanes,
 * summed as one word per character: letters, digits, hyphens, the counts of bytes outside
 * each alphabet the fits test (hex [0-9a-f], base32 [a-z0-7], base64 = cclass != 0) and of the
 * base64 signs, and all characters. A lane never exceeds 255 (the subdomain has fewer than 256
 * characters), so no carry leaves its lane. The alphabet fits are then count tests: a label is hex
 * when its non-hex lane did not grow over it, the name is base32 when its non-base32 lane is 0; the
 * only per-label work is one subtraction of the word before and after the label.
 * The entropy sum is kept incrementally: adding n log n differences as a byte's count grows
 * telescopes to exactly sum(c log c) over the distinct bytes, so no second pass is needed. The
 * counts are kept per bigram symbol, one per byte of [a-z0-9-_] (a 40-byte array to clear, not
 * 256): the same sum while every byte is in that alphabet; a subdomain with any other byte
 * (upper case, base64 signs, binary: "other" > 0) is recounted by byte (qf_ent_bytes).
 * Bigram pairs across a label start read an all-zero row (QF_ZROW), so no per-character branch.
 */
enum {
	QF_L_LETTER,
	QF_L_DIGIT,
	QF_L_HYPH,
	QF_L_NONHEX,
	QF_L_NONB32,
	QF_L_NONB64,
	QF_L_B64S,
	QF_L_CHARS /* every byte */
};
#define QF_LANE(i)     ((uint64_t)1 << (8 * (i)))
#define QF_COUNT(w, i) ((unsigned)((w) >> (8 * (i))) & 0xff)
#define QF_ZROW        (DNSF_BG_NSYM * DNSF_BG_NSYM) /* row of zero costs: no pair yet */

/* All tables of the pass in one object: position-independent code reaches each through one
 * base register and a constant displacement, not a register per table, which leaves the
 * per-label state in registers across the character loop. */
static struct {
	uint64_t ent[256];
	/* ceil(2^40 / d) for d = 1..255 (and 1000 times it): the per-mille shares and means divide
	 * by the subdomain's character or pair count (< 256) a numerator n < 2^23;
	 * floor(n * r / 2^40) == n / d exactly (the error term n * (r d - 2^40) < 2^23 * 255 stays
	 * below 2^40), the product below 2^63, one multiply and a shift without a branch for
	 * d == 1. */
	uint64_t recip[256], recip_k[256];
	uint32_t dent[256]; /* nlog2n_milli[k + 1] - nlog2n_milli[k] */
	uint8_t sym[256];   /* dnsf_bigram_sym */
	uint8_t cost[(DNSF_BG_NSYM + 1) * DNSF_BG_NSYM];
} qf;
#define QF_RSHIFT 40

static inline uint32_t
qf_mulr(uint32_t n, uint64_t r)
{
	return (uint32_t)((n * r) >> QF_RSHIFT);
}

__attribute__((constructor)) static void
qf_tables_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		const unsigned cl = cclass[c];
		uint64_t e = 0;

		e += (cl & C_LETTER) ? QF_LANE(QF_L_LETTER) : 0;
		e += (cl & C_DIGIT) ? QF_LANE(QF_L_DIGIT) : 0;
		e += (cl & C_HYPH) ? QF_LANE(QF_L_HYPH) : 0;
		e += (cl & (C_DIGIT | C_HEXL)) ? 0 : QF_LANE(QF_L_NONHEX);
		e += (cl & (C_B32D | C_LETTER)) ? 0 : QF_LANE(QF_L_NONB32);
		e += cl != 0 ? 0 : QF_LANE(QF_L_NONB64);
		e += (cl & C_B64S) ? QF_LANE(QF_L_B64S) : 0;
		e += QF_LANE(QF_L_CHARS);
		qf.ent[c] = e;
		qf.sym[c] = dnsf_bigram_sym[c];
		qf.dent[c] = c < 255 ? dnsf_nlog2n_milli[c + 1] - dnsf_nlog2n_milli[c] : 0;
		qf.recip[c] = c >= 1 ? (((uint64_t)1 << QF_RSHIFT) + c - 1) / c : 0;
		qf.recip_k[c] = qf.recip[c] * 1000;
	}
	for (unsigned a = 0; a < DNSF_BG_NSYM; a++)
		for (unsigned b = 0; b < DNSF_BG_NSYM; b++)
			qf.cost[a * DNSF_BG_NSYM + b] = dnsf_bigram_cost[a][b];
	/* qf.cost[QF_ZROW ..] stays 0 */
}

/* sum(c log c) (milli) over the distinct bytes of the subdomain's labels 0..split-1. */
static __attribute__((noinline)) uint32_t
qf_ent_bytes(const struct dnsf_dns_msg *m, unsigned split)
{
	uint8_t cnt[256];
	uint32_t ent_sum = 0;

	memset(cnt, 0, sizeof(cnt));
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		for (unsigned k = 0; k < m->label_len[i]; k++)
			ent_sum += qf.dent[cnt[s[k]]++];
	}
	return ent_sum;
}

/* The case split of the subdomain's upper case (names with upper case only). */
static __attribute__((noinline)) int
qf_upper(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire, size_t wire_len,
         unsigned chars, int *reg_upper)
{
	int sub_upper = wire != NULL ? wire_upper(m, 0, split, wire, wire_len) : -1;

	if (sub_upper < 0) {
		*reg_upper = 0;
		return m->qname_upper < chars ? m->qname_upper : (int)chars;
	}
	*reg_upper = (int)m->qname_upper - sub_upper;
	return sub_upper;
}

void
dnsf_qfeat_compute(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                   size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q)
{
	uint8_t cnt[40]; /* per bigram symbol, DNSF_BG_NSYM of them */
	unsigned sub_maxl = 0, hex_chars = 0, hex_maxl = 0;
	uint64_t lanes = 0, hex_lanes = 0;
	uint32_t ent_sum = 0, bg_sum = 0;

	_Static_assert(sizeof(cnt) >= DNSF_BG_NSYM, "a count per symbol");
	if (split > m->nlabels)
		split = m->nlabels;
	qfeat_head_fast(m, name_hash, q);
	if (split == 0) {
		q->max_label = (uint16_t)max_label_from(m, 0, 0);
		return;
	}
	/* The tables assume what the parser guarantees (the subdomain inside qname[], so fewer
	 * than 256 characters); anything else takes the definition. */
	const unsigned sub_len = (unsigned)m->label_off[split - 1] + m->label_len[split - 1];
	if (sub_len > 255) {
		dnsf_qfeat_compute_ref(m, split, wire, wire_len, name_hash, q);
		return;
	}

	memset(cnt, 0, sizeof(cnt));
	unsigned empty = 0;
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		const unsigned len = m->label_len[i];
		const uint8_t *const end = s + len;
		const uint64_t before = lanes;
		unsigned row = QF_ZROW;

		/* An empty label (no parser gives one) adds nothing, not even a pair. */
		if (len == 0) {
			empty++;
			continue;
		}
		do {
			const unsigned c = *s;
			const unsigned sym = qf.sym[c];

			lanes += qf.ent[c];
			bg_sum += qf.cost[row + sym];
			row = sym * DNSF_BG_NSYM;
			ent_sum += qf.dent[cnt[sym]++];
		} while (++s != end);
		const uint64_t d = lanes - before;
		sub_maxl = len > sub_maxl ? len : sub_maxl;
		if (QF_COUNT(d, QF_L_NONHEX) == 0) {
			hex_chars += len;
			hex_lanes |= d;
			hex_maxl = len > hex_maxl ? len : hex_maxl;
		}
	}
	const unsigned chars = QF_COUNT(lanes, QF_L_CHARS);
	/* len - 1 pairs per non-empty label */
	const unsigned bg_n = chars + empty - split;
	const unsigned letters = QF_COUNT(lanes, QF_L_LETTER);
	const unsigned digits = QF_COUNT(lanes, QF_L_DIGIT);
	const unsigned hyph = QF_COUNT(lanes, QF_L_HYPH);
	const unsigned other = chars - letters - digits - hyph;

	/* The subdomain's longest label is known: only the registered domain's are left. */
	q->max_label = (uint16_t)max_label_from(m, split, sub_maxl);
	q->sub_labels = (uint16_t)split;
	q->sub_chars = (uint16_t)chars;
	q->sub_len = (uint16_t)sub_len;
	q->sub_max_label = (uint16_t)sub_maxl;
	if (chars == 0)
		return;
	/* Bytes outside [a-z0-9-_] share the "other" symbol (upper case that of its letter). */
	if (other != 0)
		ent_sum = qf_ent_bytes(m, split);
	const uint64_t r = qf.recip[chars], rk = qf.recip_k[chars];
	q->entropy_milli = (uint16_t)qf_mulr(dnsf_nlog2n_milli[chars] - ent_sum, r);
	q->digit_pm = (uint16_t)qf_mulr(digits, rk);
	q->hyphen_pm = (uint16_t)qf_mulr(hyph, rk);
	q->other_pm = (uint16_t)qf_mulr(other, rk);
	/* 1/16 bit per unit -> millibits; x / (16 n) == (x / 16) / n. */
	_Static_assert(DNSF_BG_UNIT == 16, "bigram unit");
	q->bigram_milli = (uint16_t)qf_mulr(bg_sum * 1000 >> 4, qf.recip[bg_n]);

	/* Without upper case in the name, both parts have none whatever the wire says. */
	int mixed = 0;
	if (m->qname_upper != 0) {
		int reg_upper;
		const int sub_upper = qf_upper(m, split, wire, wire_len, chars, &reg_upper);
		/* As in the definition: 0x20 randomisation touches the registered domain too. */
		mixed = reg_upper <= 0 && sub_upper > 0 && (unsigned)sub_upper < letters;
		if (reg_upper <= 0)
			q->upper_pm = (uint16_t)qf_mulr((unsigned)sub_upper, rk);
	}

	unsigned fit = 0;
	if (hex_chars * 4 >= chars * 3 && hex_maxl == sub_maxl && QF_COUNT(hex_lanes, QF_L_DIGIT) &&
	    QF_COUNT(hex_lanes, QF_L_LETTER))
		fit |= DNSF_FIT_HEX;
	if (QF_COUNT(lanes, QF_L_NONB32) == 0 && digits > 0 && letters > 0 && !mixed)
		fit |= DNSF_FIT_BASE32;
	if (QF_COUNT(lanes, QF_L_NONB64) == 0) {
		if (QF_COUNT(lanes, QF_L_B64S) || mixed)
			fit |= DNSF_FIT_BASE64;
	} else {
		fit |= DNSF_FIT_BINARY;
	}
	q->fit = (uint8_t)fit;
}

void
dnsf_qfeat_compute_rules(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                         size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q)
{
	unsigned sub_len = 0, chars = 0, sub_maxl = 0;
	uint64_t lanes = 0;

	if (split > m->nlabels)
		split = m->nlabels;
	if (split > 0) {
		/* split - 1 dots between the labels */
		sub_len = (unsigned)m->label_off[split - 1] + m->label_len[split - 1];
		chars = sub_len + 1 - split;
		if (chars >= DNSF_QFEAT_RULES_CHARS || sub_len > 255) {
			dnsf_qfeat_compute(m, split, wire, wire_len, name_hash, q);
			return;
		}
	}
	qfeat_head_fast(m, name_hash, q);
	if (split == 0)
		return;
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		const unsigned len = m->label_len[i];

		sub_maxl = len > sub_maxl ? len : sub_maxl;
		for (unsigned k = 0; k < len; k++)
			lanes += qf.ent[s[k]];
	}
	q->sub_labels = (uint16_t)split;
	q->sub_chars = (uint16_t)chars;
	q->sub_len = (uint16_t)sub_len;
	q->sub_max_label = (uint16_t)sub_maxl;
	if (QF_COUNT(lanes, QF_L_NONB64) != 0)
		q->fit = DNSF_FIT_BINARY;
}

/* ---- feature list ---- */

enum { TR_LIN = 0, TR_LOG = 1 };

static const char *const feat_names[DNSF_F__COUNT] = {
#define DNSF_X_NAME(id, name, tr, max) [DNSF_F_##id] = name,
    DNSF_FEATURES_VEC(DNSF_X_NAME)
#undef DNSF_X_NAME
#define DNSF_X_NAME2(id, name) [DNSF_F_##id] = name,
        DNSF_FEATURES_EXTRA(DNSF_X_NAME2)
#undef DNSF_X_NAME2
};

static const uint8_t feat_tr[DNSF_F_VEC_COUNT] = {
#define DNSF_X_TR(id, name, tr, max) [DNSF_F_##id] = TR_##tr,
    DNSF_FEATURES_VEC(DNSF_X_TR)
#undef DNSF_X_TR
};

static const uint32_t feat_max[DNSF_F_VEC_COUNT] = {
#define DNSF_X_MAX(id, name, tr, max) [DNSF_F_##id] = max,
    DNSF_FEATURES_VEC(DNSF_X_MAX)
#undef DNSF_X_MAX
};

const char *
dnsf_feat_name(unsigned id)
{
	return id < DNSF_F__COUNT ? feat_names[id] : "?";
}

int
dnsf_feat_id_of(const char *name)
{
	for (unsigned i = 0; i < DNSF_F__COUNT; i++)
		if (strcmp(feat_names[i], name) == 0)
			return (int)i;
	return -1;
}

uint64_t
dnsf_feat_schema_hash(void)
{
	uint64_t h = dnsf_hash_bytes("dnsfence-features", 17, DNSF_FEAT_NORM_VERSION);

	for (unsigned i = 0; i < DNSF_F_VEC_COUNT; i++) {
		uint32_t spec[2] = {feat_tr[i], feat_max[i]};
		h = dnsf_hash_bytes(feat_names[i], (unsigned)strlen(feat_names[i]), h);
		h = dnsf_hash_bytes(spec, sizeof(spec), h);
	}
	return h;
}

static inline int32_t
sat(uint64_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

void
dnsf_feat_fill(const struct dnsf_qfeat *q, const struct dnsf_flow_view *fv,
               const struct dnsf_dom_view *dv, struct dnsf_feat *f)
{
	int32_t *v = f->v;
	const unsigned rc = q->rrclass;

	v[DNSF_F_QNAME_LEN] = q->qname_len;
	v[DNSF_F_LABELS] = q->nlabels;
	v[DNSF_F_MAX_LABEL] = q->max_label;
	v[DNSF_F_SUB_LEN] = q->sub_len;
	v[DNSF_F_SUB_LABELS] = q->sub_labels;
	v[DNSF_F_SUB_MAX_LABEL] = q->sub_max_label;
	v[DNSF_F_ENTROPY] = q->entropy_milli;
	v[DNSF_F_DIGIT_PM] = q->digit_pm;
	v[DNSF_F_UPPER_PM] = q->upper_pm;
	v[DNSF_F_HYPHEN_PM] = q->hyphen_pm;
	v[DNSF_F_OTHER_PM] = q->other_pm;
	v[DNSF_F_FIT_HEX] = (q->fit & DNSF_FIT_HEX) != 0;
	v[DNSF_F_FIT_BASE32] = (q->fit & DNSF_FIT_BASE32) != 0;
	v[DNSF_F_FIT_BASE64] = (q->fit & DNSF_FIT_BASE64) != 0;
	v[DNSF_F_FIT_BINARY] = (q->fit & DNSF_FIT_BINARY) != 0;
	v[DNSF_F_BIGRAM] = q->bigram_milli;
	v[DNSF_F_TYPE_ADDR] = rc == DNSF_RRC_ADDR || rc == DNSF_RRC_HTTPS;
	v[DNSF_F_TYPE_RARE] = dnsf_rrclass_is_rare(rc);
	v[DNSF_F_TYPE_NAME] = rc == DNSF_RRC_CNAME || rc == DNSF_RRC_MX || rc == DNSF_RRC_SRV ||
	                      rc == DNSF_RRC_NS || rc == DNSF_RRC_PTR;
	v[DNSF_F_EDNS_UDP] = q->edns_udp;
	v[DNSF_F_IS_RESPONSE] = q->is_response;
	v[DNSF_F_RCODE] = q->rcode;
	v[DNSF_F_ANCOUNT] = q->ancount;
	v[DNSF_F_RDATA_BYTES] = sat(q->rdata_total);
	v[DNSF_F_TXTNULL_MAX] = q->txtnull_max;
	v[DNSF_F_FLOW_QUERIES] = sat(fv->queries);
	v[DNSF_F_FLOW_AGE_S] = sat(fv->age_s);
	v[DNSF_F_FLOW_RATE] = sat(fv->rate_x128);
	v[DNSF_F_FLOW_DISTINCT] = sat(fv->distinct);
	v[DNSF_F_FLOW_INFO] = sat(fv->info);
	v[DNSF_F_FLOW_SUSP_DISTINCT] = sat(fv->susp_distinct);
	v[DNSF_F_FLOW_SUSP_INFO] = sat(fv->susp_info);
	v[DNSF_F_FLOW_RARE_PM] = sat(fv->rare_pm);
	v[DNSF_F_FLOW_NX_PM] = sat(fv->nx_pm);
	v[DNSF_F_FLOW_RDATA] = sat(fv->rdata);
	v[DNSF_F_DOM_DISTINCT] = sat(dv->distinct);
	v[DNSF_F_DOM_INFO] = sat(dv->info);
	v[DNSF_F_DOM_SUSP_DISTINCT] = sat(dv->susp_distinct);
	v[DNSF_F_DOM_SUSP_INFO] = sat(dv->susp_info);
}

/*
 * The vector transform runs on every scored message. Each feature's transform and max are
 * compile-time constants, so the list below unrolls into straight-line code where every
 * division is by a constant (the compiler multiplies by its reciprocal, exactly) and the LOG
 * denominators fold away: the same formula as dnsf_feat_vector_ref(), which a test compares.
 */
uint32_t
dnsf_log2_q8(uint32_t x)
{
	if (x == 0)
		return 0;
	unsigned n = 31u - (unsigned)__builtin_clz(x);
	/* The 8 bits after the leading one: linear interpolation between powers of two. */
	uint32_t frac = n >= 8 ? (x >> (n - 8)) & 0xff : (x << (8 - n)) & 0xff;
	return (n << 8) | frac;
}

/* dnsf_log2_q8() for x >= 1 without a branch: the leading one shifted to bit 31 leaves the
 * fraction's 8 bits at 30..23 whichever side of bit 8 it was (dnsf_feat_vector_ref() uses the
 * definition above, so the vector test compares the two). */
static inline __attribute__((always_inline)) uint32_t
log2_q8_nz(uint32_t x)
{
	const unsigned n = 31u - (unsigned)__builtin_clz(x);
	return (n << 8) | ((x << (31u - n)) >> 23 & 0xff);
}

/* Both transforms give exactly DNSF_FEAT_ONE at max and are monotonic, so clamping the input
 * to max (a cmov) replaces clamping the output: no data-dependent branch. */
static inline __attribute__((always_inline)) int32_t
vec_LIN(int32_t v, uint32_t max)
{
	uint32_t x = v < 0 ? 0 : (uint32_t)v;
	x = x > max ? max : x;
	return (int32_t)((uint64_t)x * DNSF_FEAT_ONE / max);
}

static inline __attribute__((always_inline)) int32_t
vec_LOG(int32_t v, uint32_t max)
{
	uint32_t x = v < 0 ? 0 : (uint32_t)v;
	x = x > max ? max : x;
	return (int32_t)((uint64_t)log2_q8_nz(x + 1) * DNSF_FEAT_ONE / log2_q8_nz(max + 1));
}

void
dnsf_feat_vector(const struct dnsf_feat *f, int32_t *out)
{
#define DNSF_X_VEC(id, name, tr, max) out[DNSF_F_##id] = vec_##tr(f->v[DNSF_F_##id], max);
	DNSF_FEATURES_VEC(DNSF_X_VEC)
#undef DNSF_X_VEC
}

void
dnsf_feat_vector_ref(const struct dnsf_feat *f, int32_t *out)
{
	for (unsigned i = 0; i < DNSF_F_VEC_COUNT; i++) {
		int64_t x = f->v[i] < 0 ? 0 : f->v[i];
		int64_t r;
		if (feat_tr[i] == TR_LIN) {
			r = x * DNSF_FEAT_ONE / feat_max[i];
		} else {
			uint32_t xx = x >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)x;
			r = (int64_t)dnsf_log2_q8(xx + 1) * DNSF_FEAT_ONE /
			    dnsf_log2_q8(feat_max[i] + 1);
		}
		out[i] = (int32_t)(r > DNSF_FEAT_ONE ? DNSF_FEAT_ONE : r);
	}
}
