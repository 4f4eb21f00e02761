/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_suffix — sets of domain-name suffixes (allow and deny lists), matched by whole labels.
 *
 * Contract: a set is built by the control side (create/add/load) and is read-only afterwards, so
 * any number of workers may match against it at once without locks. An entry matches the name
 * itself and every name below it: "evil.com" matches "evil.com" and "a.evil.com", never
 * "notevil.com". Entries are stored normalised: lower case, without a leading "*." or "." and
 * without a trailing dot. The root cannot be an entry (it would match every name).
 * dnsf_suffix_set_match() takes the suffix hashes of dnsf_name.h, costs at most one table probe
 * per label (it stops at the first suffix that no entry ends with), never allocates, and confirms
 * every hash hit by comparing the stored name and its label count, so a hash collision costs a
 * compare, never a false match. It returns the first match found scanning from the right, i.e.
 * the shortest (most general) matching entry: for allow/deny any match decides, and the shortest
 * is found after the fewest probes.
 * Memory: 8 bytes per table slot (load factor <= 0.5) plus 12 bytes + the name per stored suffix;
 * the ancestors of every entry ("com" for "evil.com") are stored too, as non-matching nodes,
 * which is what lets a miss stop early.
 */
#ifndef DNSF_SUFFIX_H
#define DNSF_SUFFIX_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_dns.h"

/* Longest entry in presentation form without the trailing dot (RFC 1035: 255 octets on the wire).
 */
#define DNSF_SUFFIX_MAX_NAME 253
/* Upper bound on stored suffixes (entries and their ancestors): bounds memory at ~1 GiB. */
#define DNSF_SUFFIX_MAX_ENTRIES (1u << 24)

struct dnsf_suffix_set;

struct dnsf_suffix_set *dnsf_suffix_set_create(void);
void dnsf_suffix_set_free(struct dnsf_suffix_set *s); /* NULL is fine */

/*
 * Add one list entry. Accepts "evil.com", "*.evil.com", ".evil.com", "evil.com.", any case; all
 * mean the same. Rejects (returns -1, `err` says why, one line without the name's position):
 * an empty name or label, a label > 63 or a name > 253 characters, '*' other than a leading
 * "*.", and characters outside [A-Za-z0-9_-] (write IDNs in punycode, "xn--..."). Adding an
 * entry twice is not an error. Returns -1 with "out of memory" / "too many entries" as well.
 */
int dnsf_suffix_set_add(struct dnsf_suffix_set *s, const char *name, char *err, size_t errlen);

/*
 * Load a list file: one name per line as for dnsf_suffix_set_add(), '#' starts a comment (whole
 * line or after the name), blank lines and surrounding whitespace (also a CR of CRLF files) are
 * ignored. An empty file gives an empty set. On error returns -1, *out untouched, and one line in
 * `err`: "PATH: cannot open: REASON" or "PATH:LINE: REASON".
 */
int dnsf_suffix_set_load(const char *path, struct dnsf_suffix_set **out, char *err, size_t errlen);

/* Number of distinct entries (ancestor nodes not counted). */
uint32_t dnsf_suffix_set_count(const struct dnsf_suffix_set *s);

/* 64-bit digest of the content, independent of order and duplicates: two sets with the same
 * entries (and flags) have the same digest; 0 for an empty set. Control side, O(table). */
uint64_t dnsf_suffix_set_digest(const struct dnsf_suffix_set *s);

/* Version for telemetry and reload logs: "<count>-<digest as 16 hex digits>". Returns what
 * snprintf returns. */
int dnsf_suffix_set_version(const struct dnsf_suffix_set *s, char *buf, size_t len);

/* Give back the slack of the name arena once a set is complete (the loaders do it). Adding
 * more entries afterwards still works. */
void dnsf_suffix_set_shrink(struct dnsf_suffix_set *s);

/* Bytes of heap the set holds (table + name arena). */
size_t dnsf_suffix_set_memory(const struct dnsf_suffix_set *s);

/*
 * Fast path. `h` holds the nlabels + 1 suffix hashes of m's question name (dnsf_name_msg_hashes).
 * Returns the index i of the label where the matching entry starts (the entry is
 * m->qname + m->label_off[i]), or -1 when no entry matches (always for the root).
 */
int dnsf_suffix_set_match(const struct dnsf_suffix_set *s, const struct dnsf_dns_msg *m,
                          const uint64_t *h);

/* Convenience for tools and tests: same as above for a presentation name (any case, trailing dot
 * allowed). Returns -1 also when `name` is not a valid name. */
int dnsf_suffix_set_match_name(const struct dnsf_suffix_set *s, const char *name);

/*
 * Fill the question-name fields of `m` (qname, qname_len, nlabels, label_off, label_len) from a
 * presentation name, as dnsf_dns_parse() would from the wire: lower-cased (ASCII only), one
 * trailing dot dropped, "" and "." are the root. Bytes other than '.' are taken as they are
 * (UTF-8 names can be looked up in the public suffix list). Other fields of `m` are untouched.
 * Returns 0, or -1 for an empty label, a label > 63 octets or a name > 253 characters.
 */
int dnsf_suffix_name_parse(const char *name, struct dnsf_dns_msg *m);

/* The suffix of m's question name that starts at label i; "" (the root) for i >= nlabels. */
static inline const char *
dnsf_suffix_at(const struct dnsf_dns_msg *m, int i)
{
	return i >= 0 && i < m->nlabels ? m->qname + m->label_off[i] : m->qname + m->qname_len;
}

/*
 * Low level, for lists whose entries carry flags (dnsf_psl). DNSF_SUFFIX_F_MEMBER marks a list
 * entry (what dnsf_suffix_set_match() and the count look for); bits 0xfe are the caller's.
 * insert: `name` (len bytes, need not be NUL-terminated) must already be normalised: lower case,
 * no leading/trailing dot, no empty label, at most DNSF_SUFFIX_MAX_NAME bytes; any other byte is
 * taken as it is. Inserting an existing name ORs the flags. Returns 0, or -1 on allocation
 * failure / too many entries / a name that breaks the rules above.
 * probe: looks up the suffix of m's name starting at label i (0 <= i < nlabels, h[i] its hash);
 * returns its flags (0 for an ancestor node) or -1 when no entry or node ends that way.
 */
#define DNSF_SUFFIX_F_MEMBER 0x01u
int dnsf_suffix_set_insert(struct dnsf_suffix_set *s, const char *name, size_t len, uint8_t flags);
/* The labels of a normalised name as insert takes it (len bytes): offsets and lengths into
 * `name`, and its nlabels + 1 suffix hashes (dnsf_name.h). Returns the label count, or -1 for a
 * name that breaks insert's rules (empty, longer than DNSF_SUFFIX_MAX_NAME, an empty label, a
 * label over 63 bytes, more than DNSF_DNS_MAX_LABELS labels). Shared by every index of suffixes. */
int dnsf_suffix_split(const char *name, size_t len, uint8_t *off, uint8_t *llen, uint64_t *h);
int dnsf_suffix_set_probe(const struct dnsf_suffix_set *s, const struct dnsf_dns_msg *m,
                          const uint64_t *h, unsigned i);

/* Control side: call fn for every stored name whose flags are not 0 (the entries; ancestor
 * nodes are implied by them), in no particular order, until fn returns non-zero (returned). */
int dnsf_suffix_set_foreach(const struct dnsf_suffix_set *s,
                            int (*fn)(void *arg, const char *name, unsigned len, uint8_t flags),
                            void *arg);

#endif
