/* SPDX-License-Identifier: BSD-3-Clause */
/* Allow and deny lists built as one object (dnsf_lists.h). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "dnsf_lists.h"

static void
describe(const struct dnsf_suffix_set *s, char *version, size_t vlen, uint32_t *entries)
{
	if (s == NULL) {
		version[0] = '\0';
		*entries = 0;
		return;
	}
	dnsf_suffix_set_version(s, version, vlen);
	*entries = dnsf_suffix_set_count(s);
}

int
dnsf_lists_load(const char *allow_path, const char *deny_path, struct dnsf_lists **out, char *err,
                size_t errlen)
{
	struct dnsf_lists *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL) {
		snprintf(err, errlen, "out of memory loading the lists");
		return -1;
	}
	if (allow_path != NULL && allow_path[0] != '\0' &&
	    dnsf_suffix_set_load(allow_path, &l->allow, err, errlen) != 0)
		goto fail;
	if (deny_path != NULL && deny_path[0] != '\0' &&
	    dnsf_suffix_set_load(deny_path, &l->deny, err, errlen) != 0)
		goto fail;
	describe(l->allow, l->allow_version, sizeof(l->allow_version), &l->allow_entries);
	describe(l->deny, l->deny_version, sizeof(l->deny_version), &l->deny_entries);
	*out = l;
	return 0;
fail:
	dnsf_lists_free(l);
	return -1;
}

int
dnsf_lists_index(struct dnsf_lists *l, const struct dnsf_psl *psl, char *err, size_t errlen)
{
	dnsf_listidx_free(l->idx);
	l->idx_psl = psl;
	l->idx = dnsf_listidx_build(l->allow, l->deny, psl);
	if (l->idx != NULL)
		return 0;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "out of memory indexing the allow/deny lists");
	return -1;
}

void
dnsf_lists_free(struct dnsf_lists *l)
{
	if (l == NULL)
		return;
	dnsf_listidx_free(l->idx);
	dnsf_suffix_set_free(l->allow);
	dnsf_suffix_set_free(l->deny);
	free(l);
}
