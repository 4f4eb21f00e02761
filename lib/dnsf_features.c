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

/* The fields that come from the message rather than its question name (type, answer, EDNS):
 * all of them, also for dnsf_qfeat_reuse(), which keeps the rest. */
static inline void
qfeat_fields(const struct dnsf_dns_msg *m, struct dnsf_qfeat *q)
{
	q->rrclass = (uint8_t)dnsf_rrclass_of(m->qtype);
	q->is_response = m->qr;
	q->rcode = m->rcode;
	q->edns_udp = m->has_opt ? m->udp_size : 0;
	q->ancount = m->qr ? m->ancount : 0;
	q->rdata_total = m->qr ? m->rdata_total : 0;
	q->txtnull_max = m->qr ? m->txtnull_max : 0;
}

void
dnsf_qfeat_reuse(const struct dnsf_dns_msg *m, const struct dnsf_qfeat *named, struct dnsf_qfeat *q)
{
	*q = *named;
	qfeat_fields(m, q);
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
	qfeat_fields(m, q);
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
 * for the equivalence test). One 64-bit table entry per byte holds everything the pass needs:
 *   bits  0..35  three 12-bit counting lanes (letters, digits, hyphens): summed as one word;
 *                a lane never exceeds 253 (the longest name), so no carry leaves its lane and
 *                the bits above, summed too, are never read from the sum;
 *   bits 36..41  flags, AND-ed and OR-ed over labels and the name (the alphabet fits);
 *   bits 42..47  the bigram symbol, bits 48..63 the symbol times DNSF_BG_NSYM (the row of the
 *                cost table where the next character looks).
 * The entropy sum is kept incrementally: adding n log n differences as a byte's count grows
 * telescopes to exactly sum(c log c) over the distinct bytes, so no second pass is needed. The
 * counts are kept per bigram symbol, one per byte of [a-z0-9-_] (a 40-byte array to clear, not
 * 256): the same sum while every byte is in that alphabet; a subdomain with any other byte
 * (upper case, base64 signs, binary: "other" > 0) is recounted by byte (qf_ent_bytes).
 * Bigram pairs across a label start read an all-zero row, so no per-character branch.
 */
enum {
	QF_LETTER = 1,
	QF_DIGIT = 2,
	QF_B64S = 4,
	QF_HEXOK = 8,  /* [0-9a-f] */
	QF_B32OK = 16, /* [a-z0-7] */
	QF_B64OK = 32, /* inside the host-name or base64 alphabet (cclass != 0) */
};
#define QF_LANE(i)  ((uint64_t)1 << (12 * (i)))
#define QF_FLAGS(e) ((unsigned)((e) >> 36) & 0x3f)
#define QF_ZROW     (DNSF_BG_NSYM * DNSF_BG_NSYM) /* row of zero costs: no pair yet */

static uint64_t qf_ent[256];
static uint8_t qf_cost[(DNSF_BG_NSYM + 1) * DNSF_BG_NSYM];
static uint32_t qf_dent[256]; /* nlog2n_milli[k + 1] - nlog2n_milli[k] */
/* ceil(2^64 / d) for d = 2..255: the per-mille shares and means divide by the subdomain's
 * character or pair count (< 256); floor(n * m / 2^64) == n / d exactly for n < 2^32 (the error
 * term n * (m d - 2^64) stays below 2^64), without a division instruction. */
static uint64_t qf_recip[256];

static inline uint32_t
qf_div(uint32_t n, unsigned d)
{
	return d == 1 ? n : (uint32_t)(((unsigned __int128)n * qf_recip[d]) >> 64);
}

__attribute__((constructor)) static void
qf_tables_init(void)
{
	for (unsigned c = 0; c < 256; c++) {
		const unsigned cl = cclass[c], sym = dnsf_bigram_sym[c];
		uint64_t e = 0;
		unsigned fl = 0;

		if (cl & C_LETTER)
			e += QF_LANE(0);
		if (cl & C_DIGIT)
			e += QF_LANE(1);
		if (cl & C_HYPH)
			e += QF_LANE(2);
		fl |= (cl & C_LETTER) ? QF_LETTER : 0;
		fl |= (cl & C_DIGIT) ? QF_DIGIT : 0;
		fl |= (cl & C_B64S) ? QF_B64S : 0;
		fl |= (cl & (C_DIGIT | C_HEXL)) ? QF_HEXOK : 0;
		fl |= (cl & (C_B32D | C_LETTER)) ? QF_B32OK : 0;
		fl |= cl != 0 ? QF_B64OK : 0;
		e |=
		    (uint64_t)fl << 36 | (uint64_t)sym << 42 | (uint64_t)(sym * DNSF_BG_NSYM) << 48;
		qf_ent[c] = e;
		qf_dent[c] = c < 255 ? dnsf_nlog2n_milli[c + 1] - dnsf_nlog2n_milli[c] : 0;
		qf_recip[c] = c >= 2 ? UINT64_MAX / c + 1 : 0;
	}
	for (unsigned a = 0; a < DNSF_BG_NSYM; a++)
		for (unsigned b = 0; b < DNSF_BG_NSYM; b++)
			qf_cost[a * DNSF_BG_NSYM + b] = dnsf_bigram_cost[a][b];
	/* qf_cost[QF_ZROW ..] stays 0 */
}

/* sum(c log c) (milli) over the distinct bytes of the subdomain's labels 0..split-1. */
static uint32_t
qf_ent_bytes(const struct dnsf_dns_msg *m, unsigned split)
{
	uint8_t cnt[256];
	uint32_t ent_sum = 0;

	memset(cnt, 0, sizeof(cnt));
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		for (unsigned k = 0; k < m->label_len[i]; k++)
			ent_sum += qf_dent[cnt[s[k]]++];
	}
	return ent_sum;
}

void
dnsf_qfeat_compute(const struct dnsf_dns_msg *m, unsigned split, const uint8_t *wire,
                   size_t wire_len, uint64_t name_hash, struct dnsf_qfeat *q)
{
	uint8_t cnt[40]; /* per bigram symbol, DNSF_BG_NSYM of them */
	unsigned chars = 0, sub_maxl = 0, or_fl = 0, and_fl = 0x3f;
	unsigned hex_chars = 0, hex_maxl = 0, hex_fl = 0;
	uint64_t lanes = 0;
	uint32_t ent_sum = 0, bg_sum = 0, bg_n = 0;
	int sub_upper = -1, reg_upper;

	_Static_assert(sizeof(cnt) >= DNSF_BG_NSYM, "a count per symbol");
	if (split > m->nlabels)
		split = m->nlabels;
	qfeat_head(m, name_hash, q);
	if (split == 0) {
		q->max_label = (uint16_t)max_label_from(m, 0, 0);
		return;
	}
	/* The tables assume what the parser guarantees (the subdomain inside qname[], so fewer
	 * than 256 characters); anything else takes the definition. */
	if ((unsigned)m->label_off[split - 1] + m->label_len[split - 1] > 255) {
		dnsf_qfeat_compute_ref(m, split, wire, wire_len, name_hash, q);
		return;
	}

	memset(cnt, 0, sizeof(cnt));
	for (unsigned i = 0; i < split; i++) {
		const uint8_t *s = (const uint8_t *)m->qname + m->label_off[i];
		const unsigned len = m->label_len[i];
		unsigned row = QF_ZROW;
		/* Whole entries AND-ed and OR-ed: their flag bits are those of the flags AND-ed
		 * and OR-ed, taken out once per label instead of per character. */
		uint64_t eand = ~UINT64_C(0), eor = 0;

		for (unsigned k = 0; k < len; k++) {
			const uint8_t c = s[k];
			const uint64_t e = qf_ent[c];
			const unsigned sym = dnsf_bigram_sym[c]; /* = e >> 42 & 0x3f, one load */

			lanes += e;
			eand &= e;
			eor |= e;
			bg_sum += qf_cost[row + sym];
			row = (unsigned)(e >> 48);
			ent_sum += qf_dent[cnt[sym]++];
		}
		const unsigned land = QF_FLAGS(eand), lor = QF_FLAGS(eor);
		sub_maxl = len > sub_maxl ? len : sub_maxl;
		chars += len;
		bg_n += len ? len - 1 : 0;
		and_fl &= land;
		or_fl |= lor;
		if (land & QF_HEXOK) {
			hex_chars += len;
			hex_fl |= lor;
			hex_maxl = len > hex_maxl ? len : hex_maxl;
		}
	}
	const unsigned letters = (unsigned)lanes & 0xfff;
	const unsigned digits = (unsigned)(lanes >> 12) & 0xfff;
	const unsigned hyph = (unsigned)(lanes >> 24) & 0xfff;
	const unsigned other = chars - letters - digits - hyph;

	/* The subdomain's longest label is known: only the registered domain's are left. */
	q->max_label = (uint16_t)max_label_from(m, split, sub_maxl);
	q->sub_labels = (uint16_t)split;
	q->sub_chars = (uint16_t)chars;
	q->sub_len = (uint16_t)(m->label_off[split - 1] + m->label_len[split - 1]);
	q->sub_max_label = (uint16_t)sub_maxl;
	if (chars == 0)
		return;
	/* Bytes outside [a-z0-9-_] share the "other" symbol (upper case that of its letter). */
	if (other != 0)
		ent_sum = qf_ent_bytes(m, split);
	q->entropy_milli = (uint16_t)qf_div(dnsf_nlog2n_milli[chars] - ent_sum, chars);
	q->digit_pm = (uint16_t)qf_div(digits * 1000, chars);
	q->hyphen_pm = (uint16_t)qf_div(hyph * 1000, chars);
	q->other_pm = (uint16_t)qf_div(other * 1000, chars);
	/* 1/16 bit per unit -> millibits; x / (16 n) == (x / 16) / n. */
	_Static_assert(DNSF_BG_UNIT == 16, "bigram unit");
	q->bigram_milli = bg_n ? (uint16_t)qf_div(bg_sum * 1000 >> 4, bg_n) : 0;

	/* Without upper case in the name, both parts have none whatever the wire says. */
	if (m->qname_upper == 0) {
		sub_upper = 0;
		reg_upper = 0;
	} else {
		if (wire != NULL)
			sub_upper = wire_upper(m, 0, split, wire, wire_len);
		if (sub_upper < 0) {
			sub_upper = m->qname_upper < chars ? m->qname_upper : (int)chars;
			reg_upper = 0;
		} else {
			reg_upper = (int)m->qname_upper - sub_upper;
		}
	}
	/* As in the definition: 0x20 randomisation touches the registered domain too. */
	int mixed = reg_upper <= 0 && sub_upper > 0 && (unsigned)sub_upper < letters;
	if (reg_upper <= 0)
		q->upper_pm = (uint16_t)qf_div((unsigned)sub_upper * 1000, chars);

	const int both = digits > 0 && letters > 0;
	if (hex_chars * 4 >= chars * 3 && hex_maxl == sub_maxl && (hex_fl & QF_DIGIT) &&
	    (hex_fl & QF_LETTER))
		q->fit |= DNSF_FIT_HEX;
	if ((and_fl & QF_B32OK) && both && !mixed)
		q->fit |= DNSF_FIT_BASE32;
	if ((and_fl & QF_B64OK) && ((or_fl & QF_B64S) || mixed))
		q->fit |= DNSF_FIT_BASE64;
	if (!(and_fl & QF_B64OK))
		q->fit |= DNSF_FIT_BINARY;
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
