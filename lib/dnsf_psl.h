/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_psl — the Public Suffix List: split a name into the part its owner's customers control
 * (the subdomain) and the registered domain (eTLD+1), which keys per-domain state.
 *
 * Contract: dnsf_psl_load() reads a public_suffix_list.dat (Debian: publicsuffix package) once,
 * on the control side, into a dnsf_suffix_set whose entries carry rule flags; the object is
 * read-only afterwards and shared by all workers. Look-ups take the suffix hashes of dnsf_name.h,
 * cost at most one probe per label (they stop at the first suffix no rule ends with) and never
 * allocate. The algorithm is publicsuffix.org's: of the rules that match, an exception rule
 * ("!www.ck") prevails, otherwise the one with the most labels; a wildcard rule ("*.ck") matches
 * any one label in its place; when no rule matches the implicit rule "*" makes the last label
 * the public suffix (so unknown TLDs behave like known ones). Rules of the PRIVATE section
 * (github.io, cloudfront.net, ...) are honoured unless the loader is told to ignore them.
 * IDN rules are UTF-8 in the file: each is stored as it is (matches a raw UTF-8 query name) and
 * also in its punycode form ("xn--..."), which is what queries carry, as libpsl does.
 *
 * Results are label indexes into the parsed name (see dnsf_suffix_at()):
 *   suffix index s: the public suffix is labels s..n-1;
 *   split index r = max(s - 1, 0): the registered domain is labels r..n-1, the subdomain 0..r-1.
 * When the name is itself a public suffix ("com", "co.uk", "github.io") or the root, the split
 * is 0: the whole name is its own key and the subdomain is empty — a stable key for every name.
 */
#ifndef DNSF_PSL_H
#define DNSF_PSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsf_dns.h"

#define DNSF_PSL_DEFAULT_PATH "/usr/share/publicsuffix/public_suffix_list.dat"

struct dnsf_psl;
struct dnsf_suffix_set;

/*
 * Load a list. ignore_private: skip the rules between "===BEGIN PRIVATE DOMAINS===" and
 * "===END PRIVATE DOMAINS===" (then d1.cloudfront.net has the registered domain cloudfront.net).
 * Returns 0, or -1 with one line in `err` naming the file: cannot open, a malformed rule
 * ("PATH:LINE: REASON": empty label, label > 63, bad character, invalid UTF-8), no rules at all.
 * Rules this implementation cannot represent (a wildcard other than a leading "*.", e.g.
 * "*.*.foo", which the current list does not use) are skipped and counted, not an error.
 */
int dnsf_psl_load(const char *path, bool ignore_private, struct dnsf_psl **out, char *err,
                  size_t errlen);
void dnsf_psl_free(struct dnsf_psl *p); /* NULL is fine */

struct dnsf_psl_info {
	uint32_t rules;           /* rules loaded (lines) */
	uint32_t private_rules;   /* of which from the PRIVATE section */
	uint32_t private_ignored; /* PRIVATE rules skipped because of ignore_private */
	uint32_t wildcards;       /* "*.x" rules loaded */
	uint32_t exceptions;      /* "!x" rules loaded */
	uint32_t idn;             /* rules with non-ASCII labels (stored twice: UTF-8 and xn--) */
	uint32_t skipped;         /* unsupported rules skipped */
	uint64_t digest;          /* content digest (dnsf_suffix_set_digest of the rule table) */
	size_t memory;            /* heap bytes */
};
void dnsf_psl_get_info(const struct dnsf_psl *p, struct dnsf_psl_info *out);

/* "<rules>-<digest as 16 hex digits>", for telemetry. Returns what snprintf returns. */
int dnsf_psl_version(const struct dnsf_psl *p, char *buf, size_t len);

/*
 * The rule table, for indexes that merge it with other lists (dnsf_listidx.h): a suffix set
 * whose entries carry DNSF_SUFFIX_F_MEMBER and these flags (a name can carry several: "ck" is
 * the base of "*.ck" and could be a rule of its own). Read-only, owned by `p`.
 */
enum {
	DNSF_PSL_F_RULE = 0x02,
	DNSF_PSL_F_WILD = 0x04, /* "*.<this name>" is a rule */
	DNSF_PSL_F_EXC = 0x08,  /* "!<this name>" is a rule */
	DNSF_PSL_F_RULE_PRIV = 0x10,
	DNSF_PSL_F_WILD_PRIV = 0x20,
	DNSF_PSL_F_EXC_PRIV = 0x40,
};
const struct dnsf_suffix_set *dnsf_psl_rules(const struct dnsf_psl *p);

/* How the prevailing rule was found (bits, for tests and telemetry). */
enum {
	DNSF_PSL_M_DEFAULT = 0x01,   /* no rule matched: implicit "*" */
	DNSF_PSL_M_RULE = 0x02,      /* a normal rule */
	DNSF_PSL_M_WILDCARD = 0x04,  /* a wildcard rule */
	DNSF_PSL_M_EXCEPTION = 0x08, /* an exception rule */
	DNSF_PSL_M_PRIVATE = 0x10,   /* the prevailing rule is from the PRIVATE section */
};

/*
 * Fast path. `h`: the nlabels + 1 suffix hashes of m's question name (dnsf_name_msg_hashes).
 * dnsf_psl_suffix() returns the suffix index s (0..nlabels; 0 for the root; nlabels only for a
 * one-label exception rule, which the real list does not have) and, if `how` is not NULL, the
 * DNSF_PSL_M_* bits. dnsf_psl_split() returns the split index r described above.
 */
int dnsf_psl_suffix(const struct dnsf_psl *p, const struct dnsf_dns_msg *m, const uint64_t *h,
                    unsigned *how);

static inline int
dnsf_psl_split(const struct dnsf_psl *p, const struct dnsf_dns_msg *m, const uint64_t *h)
{
	int s = dnsf_psl_suffix(p, m, h, NULL);
	return s > 0 ? s - 1 : 0;
}

/*
 * Convenience for tools and tests, on a presentation name (any case, trailing dot allowed).
 * Write the registered domain (lower case, no trailing dot) / the public suffix into `out` and
 * return the split / suffix index; -1 when `name` is not a valid name or `out` is too small.
 */
int dnsf_psl_split_name(const struct dnsf_psl *p, const char *name, char *out, size_t outlen);
int dnsf_psl_suffix_name(const struct dnsf_psl *p, const char *name, char *out, size_t outlen,
                         unsigned *how);

/*
 * Convert a name to its ASCII form: every label holding bytes >= 0x80 is read as UTF-8 and
 * replaced by "xn--" + its punycode (RFC 3492); ASCII labels are copied as they are (no case
 * mapping or Unicode normalisation: the list is already lower-case NFC). `len` bytes of `name`
 * are read. Returns the output length (NUL-terminated in `out`), or -1 for invalid UTF-8, an
 * empty label, an A-label longer than 63, or an output that does not fit.
 */
int dnsf_psl_to_ascii(const char *name, size_t len, char *out, size_t outlen);

#endif
