/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_lists — the allow and deny lists as one object, so a reload can swap both at once.
 *
 * Contract: a struct dnsf_lists is built whole by the control side (dnsf_lists_load) and is
 * read-only afterwards; workers match against it without locks. The engine references the
 * current lists through one pointer (dnsf_engine_swap_lists, dnsf_engine.h): workers load it
 * with acquire semantics once per packet, so a packet is decided against one consistent pair of
 * lists. Freeing the lists a swap replaced is the caller's job, once no worker can still hold
 * the old pointer (the dataplane waits for every worker's quiescent state, rte_rcu_qsbr).
 * Loading never touches the current lists: a bad file leaves them in force.
 */
#ifndef DNSF_LISTS_H
#define DNSF_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_listidx.h"
#include "dnsf_suffix.h"

struct dnsf_psl;

#define DNSF_LISTS_VERSION_MAX 40 /* "<count>-<16 hex digits>" */

struct dnsf_lists {
	struct dnsf_suffix_set *allow; /* NULL = no allow list */
	struct dnsf_suffix_set *deny;  /* NULL = no deny list */
	/* Filled by dnsf_lists_load for logs and telemetry; "" when the list is not configured. */
	char allow_version[DNSF_LISTS_VERSION_MAX];
	char deny_version[DNSF_LISTS_VERSION_MAX];
	uint32_t allow_entries, deny_entries;
	/* The allow, deny and PSL look-ups as one walk (dnsf_listidx.h), built by the control side
	 * (dnsf_lists_index) before the lists are published, for the engine whose PSL is
	 * idx_psl; NULL = not built (workers then make the three look-ups one by one). */
	struct dnsf_listidx *idx;
	const struct dnsf_psl *idx_psl;
};

/*
 * Build lists from the two files ("" or NULL = that list is not used). Returns 0 with *out set,
 * or -1 with one line in err naming the file and line ("PATH:LINE: REASON") and *out NULL.
 */
int dnsf_lists_load(const char *allow_path, const char *deny_path, struct dnsf_lists **out,
                    char *err, size_t errlen);

/*
 * Build l->idx over l's lists and `psl` (NULL = no PSL), replacing any index l had. Control
 * side, before l is published (dnsf_engine_swap_lists does it for lists that have none).
 * Returns 0, or -1 with "out of memory ..." in err (may be NULL) and l->idx NULL.
 */
int dnsf_lists_index(struct dnsf_lists *l, const struct dnsf_psl *psl, char *err, size_t errlen);

void dnsf_lists_free(struct dnsf_lists *l); /* NULL is fine */

#endif
