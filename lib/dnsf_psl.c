/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_name.h"
#include "dnsf_psl.h"
#include "dnsf_suffix.h"

/* Rule flags stored on the suffix-set entries (dnsf_psl.h). */
enum {
	F_RULE = DNSF_PSL_F_RULE,
	F_WILD = DNSF_PSL_F_WILD,
	F_EXC = DNSF_PSL_F_EXC,
	F_RULE_PRIV = DNSF_PSL_F_RULE_PRIV,
	F_WILD_PRIV = DNSF_PSL_F_WILD_PRIV,
	F_EXC_PRIV = DNSF_PSL_F_EXC_PRIV,
};

struct dnsf_psl {
	struct dnsf_suffix_set *set;
	struct dnsf_psl_info info; /* digest and memory filled on request */
};

/* ---- punycode (RFC 3492 section 6.3), encoder only ---- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700, PC_BIAS = 72 };

static uint32_t
pc_adapt(uint32_t delta, uint32_t npoints, int first)
{
	uint32_t k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / npoints;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char
pc_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Encode n code points; returns the length written or -1 if it does not fit in cap. */
static int
punycode(const uint32_t *cp, unsigned n, char *out, size_t cap)
{
	size_t o = 0;
	unsigned b = 0, h;
	uint32_t next = 0x80, bias = PC_BIAS, delta = 0;

	for (unsigned i = 0; i < n; i++)
		if (cp[i] < 0x80) {
			if (o >= cap)
				return -1;
			out[o++] = (char)cp[i];
			b++;
		}
	h = b;
	if (b > 0) {
		if (o >= cap)
			return -1;
		out[o++] = '-';
	}
	while (h < n) {
		uint32_t m = UINT32_MAX;
		for (unsigned i = 0; i < n; i++)
			if (cp[i] >= next && cp[i] < m)
				m = cp[i];
		/* Fits: at most 63 code points <= 0x10ffff, so delta < 2^27. */
		delta += (m - next) * (h + 1);
		next = m;
		for (unsigned i = 0; i < n; i++) {
			if (cp[i] < next) {
				delta++;
				continue;
			}
			if (cp[i] != next)
				continue;
			uint32_t q = delta;
			for (uint32_t k = PC_BASE;; k += PC_BASE) {
				uint32_t t = k <= bias             ? PC_TMIN
				             : k >= bias + PC_TMAX ? PC_TMAX
				                                   : k - bias;
				if (q < t)
					break;
				if (o >= cap)
					return -1;
				out[o++] = pc_digit(t + (q - t) % (PC_BASE - t));
				q = (q - t) / (PC_BASE - t);
			}
			if (o >= cap)
				return -1;
			out[o++] = pc_digit(q);
			bias = pc_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		next++;
	}
	return (int)o;
}

/* Decode one UTF-8 sequence at p[*i] (strict: no overlongs, surrogates or > U+10FFFF). */
static int
utf8_next(const uint8_t *p, size_t len, size_t *i, uint32_t *cp)
{
	uint8_t c = p[*i];
	uint32_t v, min;
	unsigned n;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, v = c & 0x07, min = 0x10000;
	else
		return -1;
	if (*i + n >= len) /* the continuation bytes must be inside the label */
		return -1;
	for (unsigned k = 1; k <= n; k++) {
		uint8_t d = p[*i + k];
		if ((d & 0xc0) != 0x80)
			return -1;
		v = (v << 6) | (d & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	*i += n + 1;
	return 0;
}

int
dnsf_psl_to_ascii(const char *name, size_t len, char *out, size_t outlen)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t o = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '.')
			continue;
		size_t llen = i - start;
		int ascii = 1;
		if (llen == 0)
			return -1;
		for (size_t k = start; k < i; k++)
			if (p[k] >= 0x80)
				ascii = 0;
		if (o > 0) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = '.';
		}
		if (ascii) {
			if (o + llen >= outlen)
				return -1;
			memcpy(out + o, name + start, llen);
			o += llen;
		} else {
			uint32_t cp[64];
			unsigned n = 0;
			char lab[64];
			int plen;
			for (size_t k = start; k < i;) {
				if (n == 64 || utf8_next(p, i, &k, &cp[n]) != 0)
					return -1;
				n++;
			}
			/* An A-label is at most 63 octets: "xn--" + 59. */
			plen = punycode(cp, n, lab, 59);
			if (plen < 0 || o + 4 + (size_t)plen >= outlen)
				return -1;
			memcpy(out + o, "xn--", 4);
			memcpy(out + o + 4, lab, (size_t)plen);
			o += 4 + (size_t)plen;
		}
		start = i + 1;
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return (int)o;
}

/* ---- loader ---- */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Lower-case and check one rule body (no "!" / "*." any more). Returns NULL or the reason. */
static const char *
check_rule(const char *in, char *out, size_t *outlen, int *non_ascii)
{
	size_t len = strlen(in);
	unsigned label = 0, label_ascii = 1;

	*non_ascii = 0;
	if (len > DNSF_SUFFIX_MAX_NAME)
		return "rule longer than 253 bytes";
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)in[i] : '.';
		if (c == '.') {
			if (label == 0)
				return "empty label";
			/* UTF-8 labels are checked after conversion to punycode. */
			if (label_ascii && label > 63)
				return "label longer than 63 characters";
			label = 0;
			label_ascii = 1;
			if (i < len)
				out[i] = '.';
			continue;
		}
		label++;
		if (c >= 0x80) {
			label_ascii = 0;
			*non_ascii = 1;
		} else {
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_'))
				return "invalid character in rule";
		}
		out[i] = (char)c;
	}
	out[len] = '\0';
	*outlen = len;
	return NULL;
}

int
dnsf_psl_load(const char *path, bool ignore_private, struct dnsf_psl **out, char *err,
              size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t nread;
	unsigned long lineno = 0;
	int priv = 0;
	FILE *f = fopen(path, "r");
	struct dnsf_psl *p;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->set = dnsf_suffix_set_create()) == NULL) {
		free(p);
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while ((nread = getline(&line, &cap, f)) >= 0) {
		char rule[DNSF_SUFFIX_MAX_NAME + 1], ascii[DNSF_SUFFIX_MAX_NAME + 1];
		char *s = line, *e;
		int exc = 0, wild = 0, non_ascii;
		size_t len;
		const char *why;
		uint8_t fl;

		lineno++;
		if ((size_t)nread != strlen(line)) {
			snprintf(err, errlen, "%s:%lu: NUL byte in line", path, lineno);
			goto fail;
		}
		while (is_space((unsigned char)*s))
			s++;
		if (s[0] == '/' && s[1] == '/') {
			if (strstr(s, "===BEGIN PRIVATE DOMAINS===") != NULL)
				priv = 1;
			else if (strstr(s, "===END PRIVATE DOMAINS===") != NULL ||
			         strstr(s, "===BEGIN ICANN DOMAINS===") != NULL)
				priv = 0;
			continue;
		}
		/* The format: a rule is read up to the first whitespace. */
		for (e = s; *e != '\0' && !is_space((unsigned char)*e); e++)
			;
		*e = '\0';
		if (*s == '\0')
			continue;
		if (*s == '!')
			exc = 1, s++;
		if (s[0] == '*' && s[1] == '.')
			wild = 1, s += 2;
		if (!exc && !wild && strcmp(s, "*") == 0)
			continue; /* the implicit default rule, written out */
		if ((exc && wild) || strchr(s, '*') != NULL || strchr(s, '!') != NULL) {
			p->info.skipped++;
			continue;
		}
		if (priv && ignore_private) {
			p->info.private_ignored++;
			continue;
		}
		why = check_rule(s, rule, &len, &non_ascii);
		if (why != NULL) {
			snprintf(err, errlen, "%s:%lu: %s", path, lineno, why);
			goto fail;
		}
		if (exc)
			fl = F_EXC | (priv ? F_EXC_PRIV : 0);
		else if (wild)
			fl = F_WILD | (priv ? F_WILD_PRIV : 0);
		else
			fl = F_RULE | (priv ? F_RULE_PRIV : 0);
		fl |= DNSF_SUFFIX_F_MEMBER;
		if (dnsf_suffix_set_insert(p->set, rule, len, fl) != 0)
			goto nomem;
		if (non_ascii) {
			int alen = dnsf_psl_to_ascii(rule, len, ascii, sizeof(ascii));
			if (alen < 0) {
				snprintf(err, errlen,
				         "%s:%lu: invalid UTF-8 or IDN label too long for punycode",
				         path, lineno);
				goto fail;
			}
			if (dnsf_suffix_set_insert(p->set, ascii, (size_t)alen, fl) != 0)
				goto nomem;
			p->info.idn++;
		}
		p->info.rules++;
		p->info.private_rules += priv != 0;
		p->info.wildcards += wild != 0;
		p->info.exceptions += exc != 0;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	if (p->info.rules == 0) {
		snprintf(err, errlen, "%s: no public suffix rules found", path);
		goto fail;
	}
	free(line);
	fclose(f);
	dnsf_suffix_set_shrink(p->set);
	*out = p;
	return 0;
nomem:
	snprintf(err, errlen, "%s:%lu: out of memory", path, lineno);
fail:
	free(line);
	fclose(f);
	dnsf_psl_free(p);
	return -1;
}

void
dnsf_psl_free(struct dnsf_psl *p)
{
	if (p == NULL)
		return;
	dnsf_suffix_set_free(p->set);
	free(p);
}

void
dnsf_psl_get_info(const struct dnsf_psl *p, struct dnsf_psl_info *out)
{
	*out = p->info;
	out->digest = dnsf_suffix_set_digest(p->set);
	out->memory = sizeof(*p) + dnsf_suffix_set_memory(p->set);
}

int
dnsf_psl_version(const struct dnsf_psl *p, char *buf, size_t len)
{
	return snprintf(buf, len, "%" PRIu32 "-%016" PRIx64, p->info.rules,
	                dnsf_suffix_set_digest(p->set));
}

const struct dnsf_suffix_set *
dnsf_psl_rules(const struct dnsf_psl *p)
{
	return p->set;
}

/* ---- look-up ---- */

int
dnsf_psl_suffix(const struct dnsf_psl *p, const struct dnsf_dns_msg *m, const uint64_t *h,
                unsigned *how)
{
	const unsigned n = m->nlabels;
	int best = n > 0 ? (int)n - 1 : 0; /* the implicit "*" rule */
	unsigned bhow = DNSF_PSL_M_DEFAULT;
	int right = 0; /* flags of the suffix one label shorter than the one probed */

	/* Right to left: every rule's ancestors are stored, so a miss ends the search. The last
	 * (leftmost) match is the longest rule; an exception ends the search at once. */
	for (unsigned i = n; i-- > 0;) {
		int f;
		if (right & F_WILD) {
			best = (int)i;
			bhow = DNSF_PSL_M_WILDCARD | (right & F_WILD_PRIV ? DNSF_PSL_M_PRIVATE : 0);
		}
		f = dnsf_suffix_set_probe(p->set, m, h, i);
		if (f < 0)
			break;
		if (f & F_EXC) {
			best = (int)i + 1;
			bhow = DNSF_PSL_M_EXCEPTION | (f & F_EXC_PRIV ? DNSF_PSL_M_PRIVATE : 0);
			break;
		}
		if (f & F_RULE) {
			best = (int)i;
			bhow = DNSF_PSL_M_RULE | (f & F_RULE_PRIV ? DNSF_PSL_M_PRIVATE : 0);
		} else if (f & F_WILD) {
			/* The base of "*.x" is a public suffix too (as in libpsl; registries do
			 * not hand out x itself). Changes only the suffix, never the split. */
			best = (int)i;
			bhow = DNSF_PSL_M_WILDCARD | (f & F_WILD_PRIV ? DNSF_PSL_M_PRIVATE : 0);
		}
		right = f;
	}
	if (how != NULL)
		*how = bhow;
	return best;
}

static int
copy_out(const struct dnsf_dns_msg *m, int i, char *out, size_t outlen)
{
	const char *s = dnsf_suffix_at(m, i);
	size_t len = strlen(s);

	if (len >= outlen)
		return -1;
	memcpy(out, s, len + 1);
	return i;
}

int
dnsf_psl_split_name(const struct dnsf_psl *p, const char *name, char *out, size_t outlen)
{
	struct dnsf_dns_msg m;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];

	if (dnsf_suffix_name_parse(name, &m) != 0)
		return -1;
	dnsf_name_msg_hashes(&m, h);
	return copy_out(&m, dnsf_psl_split(p, &m, h), out, outlen);
}

int
dnsf_psl_suffix_name(const struct dnsf_psl *p, const char *name, char *out, size_t outlen,
                     unsigned *how)
{
	struct dnsf_dns_msg m;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];

	if (dnsf_suffix_name_parse(name, &m) != 0)
		return -1;
	dnsf_name_msg_hashes(&m, h);
	return copy_out(&m, dnsf_psl_suffix(p, &m, h, how), out, outlen);
}
