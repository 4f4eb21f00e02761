/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers of the detection tests: build a DNS question on the wire and the parsed message
 * the parser would produce for it, without depending on the parser (its own tests cover it), and
 * a small deterministic PRNG.
 */
#ifndef DNSF_TEST_DETECT_UTIL_H
#define DNSF_TEST_DETECT_UTIL_H

#include <stdint.h>
#include <string.h>

#include "dnsf_dns.h"
#include "dnsf_name.h"
#include "dnsf_pkt.h"

struct tmsg {
	struct dnsf_pkt p;
	uint8_t wire[512];
	size_t wire_len;
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	unsigned split;
};

/*
 * `name`: presentation form with its original case; bytes are taken as they are (no escapes),
 * so a label may hold any byte but '.'. `reg_labels`: labels of the registered domain (the test
 * plays the public suffix list). IPv4 client 10.0.<client >> 8>.<client & 255>.
 */
static inline void
tmsg_build(struct tmsg *t, const char *name, uint16_t qtype, int response, unsigned reg_labels,
           uint32_t client)
{
	struct dnsf_dns_msg *m = &t->p.dns;
	size_t n = 12, pos = 0;
	const char *s = name;

	memset(t, 0, sizeof(*t));
	t->wire[2] = response ? 0x81 : 0x01;
	t->wire[5] = 1;
	m->qr = (uint8_t)(response != 0);
	m->qdcount = 1;
	m->qname_wire_off = 12;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		/* What every parsed message holds (a longer length octet is no label) and what
		 * dnsf_name_msg_hashes() may assume: a test's name must not be longer. */
		assert_true(len <= 63);
		t->wire[n++] = (uint8_t)len;
		m->label_off[m->nlabels] = (uint8_t)pos;
		m->label_len[m->nlabels] = (uint8_t)len;
		m->nlabels++;
		for (size_t i = 0; i < len; i++) {
			char c = s[i];
			t->wire[n++] = (uint8_t)c;
			if (c >= 'A' && c <= 'Z') {
				m->qname_upper++;
				c = (char)(c + 32);
			}
			m->qname[pos++] = c;
		}
		s += len;
		if (*s == '.') {
			s++;
			m->qname[pos++] = '.';
		}
	}
	m->qname[pos] = '\0';
	m->qname_len = (uint8_t)pos;
	t->wire[n++] = 0;
	m->qname_wire_len = (uint16_t)(n - 12);
	t->wire[n++] = (uint8_t)(qtype >> 8);
	t->wire[n++] = (uint8_t)qtype;
	t->wire[n++] = 0;
	t->wire[n++] = 1;
	t->wire_len = n;
	m->qtype = qtype;
	m->qclass = 1;

	t->p.cls = DNSF_PKT_DNS;
	t->p.ip_version = 4;
	t->p.l4_proto = 17;
	t->p.is_query = (uint8_t)!response;
	t->p.client_is_src = (uint8_t)!response;
	uint8_t *c = response ? t->p.dst : t->p.src;
	c[0] = 10;
	c[2] = (uint8_t)(client >> 8);
	c[3] = (uint8_t)client;
	uint8_t *srv = response ? t->p.src : t->p.dst;
	srv[0] = 10;
	srv[3] = 53;
	dnsf_name_msg_hashes(m, t->h);
	t->split = m->nlabels > reg_labels ? m->nlabels - reg_labels : 0;
}

static uint64_t trng_state = 0x243F6A8885A308D3ull;

static inline uint32_t
trng(uint32_t below)
{
	uint64_t x = trng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	trng_state = x;
	return (uint32_t)(((x * 0x2545F4914F6CDD1Dull) >> 32) % below);
}

static inline void
trng_str(char *out, unsigned len, const char *alphabet)
{
	unsigned n = (unsigned)strlen(alphabet);
	for (unsigned i = 0; i < len; i++)
		out[i] = alphabet[trng(n)];
	out[len] = '\0';
}

/* Split a payload into labels of at most `lab` characters: "abc...".  -> "ab.c..." */
static inline void
labelize(char *out, const char *payload, unsigned lab)
{
	size_t n = strlen(payload), o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && i % lab == 0)
			out[o++] = '.';
		out[o++] = payload[i];
	}
	out[o] = '\0';
}

#endif
