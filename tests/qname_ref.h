/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qname_ref.h — test helper (header only, include after <cmocka.h>): an independent check of the
 * parser's decoded first question against the wire bytes, shared by the DNS and packet tests.
 */
#ifndef DNSF_TEST_QNAME_REF_H
#define DNSF_TEST_QNAME_REF_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_dns.h"

/* Independent reference for the decoded first question: the name at offset 12 has no pointers
 * (nothing lies before it), so each label must sit at wire offset 12 + label_off[i] and decode
 * byte by byte to the lower-cased form (NUL -> 0xff). */
static void
check_qname_ref(const uint8_t *msg, size_t len, const struct dnsf_dns_msg *m)
{
	unsigned up = 0;

	if (m->qdcount == 0 || m->qname_wire_len == 0)
		return;
	assert_int_equal(m->qname_wire_off, 12);
	assert_int_equal(m->qname_wire_len, m->nlabels ? m->qname_len + 2u : 1u);
	assert_true(12u + m->qname_wire_len <= len);
	for (unsigned i = 0; i < m->nlabels; i++) {
		const uint8_t *w = msg + 12 + m->label_off[i];
		assert_int_equal(w[0], m->label_len[i]);
		for (unsigned k = 0; k < m->label_len[i]; k++) {
			uint8_t c = w[1 + k];
			uint8_t l = c >= 'A' && c <= 'Z' ? c + 32 : c == 0 ? 0xff : c;
			up += c >= 'A' && c <= 'Z';
			assert_int_equal((uint8_t)m->qname[m->label_off[i] + k], l);
		}
	}
	assert_int_equal(msg[12 + m->qname_wire_len - 1], 0);
	assert_int_equal(m->qname_upper, up);
}

#endif /* DNSF_TEST_QNAME_REF_H */
