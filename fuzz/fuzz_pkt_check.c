/* SPDX-License-Identifier: BSD-3-Clause */
/* Invariants of parse results; see fuzz_pkt_check.h. */
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_pkt_check.h"

void
fuzz_check_dns_msg(const struct dnsf_dns_msg *m)
{
	/* qname must be a C string inside its array before strlen() may look at it. */
	FUZZ_CHECK(memchr(m->qname, '\0', sizeof(m->qname)) != NULL);
	FUZZ_CHECK(strlen(m->qname) == m->qname_len);
	FUZZ_CHECK(m->nlabels <= DNSF_DNS_MAX_LABELS);
	FUZZ_CHECK(m->qname_upper <= m->qname_len);
	if (m->nlabels == 0)
		FUZZ_CHECK(m->qname_len == 0);
	for (unsigned i = 0; i < m->nlabels; i++) {
		FUZZ_CHECK(m->label_len[i] >= 1 && m->label_len[i] <= 63);
		FUZZ_CHECK((unsigned)m->label_off[i] + m->label_len[i] <= m->qname_len);
		if (i == 0)
			FUZZ_CHECK(m->label_off[0] == 0);
		else
			FUZZ_CHECK(m->label_off[i] ==
			           m->label_off[i - 1] + m->label_len[i - 1] + 1u);
		/* Labels are separated by exactly one byte; the last one ends the name. */
		if (i + 1 == m->nlabels)
			FUZZ_CHECK((unsigned)m->label_off[i] + m->label_len[i] == m->qname_len);
	}
	/* Presentation form is lower case: no byte A-Z survives. */
	for (unsigned i = 0; i < m->qname_len; i++)
		FUZZ_CHECK(!(m->qname[i] >= 'A' && m->qname[i] <= 'Z'));
	FUZZ_CHECK(m->qr <= 1 && m->tc <= 1 && m->partial <= 1);
	FUZZ_CHECK(m->opcode <= 15 && m->rcode <= 15);
	FUZZ_CHECK(m->qr == (m->flags >> 15));
	FUZZ_CHECK(m->rdata_max <= m->rdata_total || m->rdata_total == 0);
	FUZZ_CHECK(m->txtnull_max <= m->rdata_max);
	FUZZ_CHECK(m->answer_types < (1u << DNSF_RRC__COUNT));
}

static int
is_dns_port(const struct dnsf_pkt_cfg *cfg, uint16_t port)
{
	for (unsigned i = 0; i < cfg->n_dns_ports; i++)
		if (cfg->dns_ports[i] == port)
			return 1;
	return 0;
}

void
fuzz_check_pkt(const struct dnsf_pkt *p, const uint8_t *frame, size_t len,
               const struct dnsf_pkt_cfg *cfg)
{
	const struct dnsf_dns_msg *m = &p->dns;

	FUZZ_CHECK(p->cls <= DNSF_PKT_FRAGMENT);
	FUZZ_CHECK(p->malformed < DNSF_PKT_M__COUNT);
	FUZZ_CHECK((p->malformed != DNSF_PKT_M_NONE) == (p->cls == DNSF_PKT_MALFORMED));
	FUZZ_CHECK(p->dns_status < DNSF_DNS_E__COUNT);
	FUZZ_CHECK((p->malformed == DNSF_PKT_M_DNS) == (p->dns_status != DNSF_DNS_OK));
	FUZZ_CHECK(p->ip_version == 0 || p->ip_version == 4 || p->ip_version == 6);
	FUZZ_CHECK(p->n_vlan <= 2);
	FUZZ_CHECK(p->is_query <= 1 && p->is_frag <= 1 && p->client_is_src <= 1);
	FUZZ_CHECK(p->l3_off <= len && p->l4_off <= len);
	FUZZ_CHECK((size_t)p->dns_off + p->dns_len <= len);
	fuzz_check_dns_msg(m);
	if (p->cls == DNSF_PKT_NON_DNS)
		FUZZ_CHECK(p->client_is_src == 0);
	if (p->cls != DNSF_PKT_DNS)
		return;

	FUZZ_CHECK(p->ip_version != 0);
	FUZZ_CHECK(p->l4_proto == 17 || (p->l4_proto == 6 && cfg->tcp));
	FUZZ_CHECK(p->l3_off >= 14 && p->l4_off > p->l3_off);
	FUZZ_CHECK(p->dns_off >= p->l4_off + 8u);
	FUZZ_CHECK(p->dns_len >= DNSF_DNS_HDR_LEN);
	FUZZ_CHECK(p->is_query == !m->qr);
	FUZZ_CHECK(p->tcp_nmsg >= 1);
	FUZZ_CHECK(is_dns_port(cfg, p->sport) || is_dns_port(cfg, p->dport));
	FUZZ_CHECK(m->end_off <= p->dns_len);
	if (m->qdcount > 0)
		FUZZ_CHECK((size_t)m->qname_wire_off + m->qname_wire_len + 4 <= p->dns_len);
	else
		FUZZ_CHECK(m->qname_len == 0 && m->nlabels == 0);

	/* The offsets must point at the message that was parsed: parsing those bytes again on
	 * their own gives the same question. */
	{
		struct dnsf_dns_msg again;
		enum dnsf_dns_status st =
		    p->is_frag ? dnsf_dns_parse_head(frame + p->dns_off, p->dns_len, &again)
		               : dnsf_dns_parse(frame + p->dns_off, p->dns_len, &again);

		FUZZ_CHECK(st == DNSF_DNS_OK);
		FUZZ_CHECK(again.id == m->id && again.flags == m->flags);
		FUZZ_CHECK(again.qtype == m->qtype && again.qclass == m->qclass);
		FUZZ_CHECK(again.nlabels == m->nlabels && again.qname_len == m->qname_len);
		FUZZ_CHECK(memcmp(again.qname, m->qname, m->qname_len + 1u) == 0);
		FUZZ_CHECK(again.ancount == m->ancount && again.arcount == m->arcount);
		FUZZ_CHECK(again.has_opt == m->has_opt && again.udp_size == m->udp_size);
		FUZZ_CHECK(again.rdata_total == m->rdata_total);
	}
}

void
fuzz_check_same_pkt(const struct dnsf_pkt *a, const struct dnsf_pkt *b)
{
	const struct dnsf_dns_msg *x = &a->dns, *y = &b->dns;

	FUZZ_CHECK(a->cls == b->cls && a->malformed == b->malformed);
	FUZZ_CHECK(a->dns_status == b->dns_status && a->ip_version == b->ip_version);
	FUZZ_CHECK(a->l4_proto == b->l4_proto && a->n_vlan == b->n_vlan);
	FUZZ_CHECK(a->is_query == b->is_query && a->is_frag == b->is_frag);
	FUZZ_CHECK(a->l3_off == b->l3_off && a->l4_off == b->l4_off);
	FUZZ_CHECK(a->dns_off == b->dns_off && a->dns_len == b->dns_len);
	FUZZ_CHECK(a->tcp_nmsg == b->tcp_nmsg && a->client_is_src == b->client_is_src);
	FUZZ_CHECK(memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0);
	FUZZ_CHECK(a->sport == b->sport && a->dport == b->dport);
	FUZZ_CHECK(x->id == y->id && x->flags == y->flags && x->qdcount == y->qdcount);
	FUZZ_CHECK(x->ancount == y->ancount && x->nscount == y->nscount);
	FUZZ_CHECK(x->arcount == y->arcount && x->qtype == y->qtype && x->qclass == y->qclass);
	FUZZ_CHECK(x->qname_wire_off == y->qname_wire_off);
	FUZZ_CHECK(x->qname_wire_len == y->qname_wire_len);
	FUZZ_CHECK(x->nlabels == y->nlabels && x->qname_len == y->qname_len);
	FUZZ_CHECK(memcmp(x->qname, y->qname, x->qname_len + 1u) == 0);
	FUZZ_CHECK(memcmp(x->label_off, y->label_off, x->nlabels) == 0);
	FUZZ_CHECK(memcmp(x->label_len, y->label_len, x->nlabels) == 0);
	FUZZ_CHECK(x->qname_upper == y->qname_upper && x->has_opt == y->has_opt);
	FUZZ_CHECK(x->do_bit == y->do_bit && x->ext_rcode == y->ext_rcode);
	FUZZ_CHECK(x->edns_version == y->edns_version && x->udp_size == y->udp_size);
	FUZZ_CHECK(x->rdata_total == y->rdata_total && x->rdata_max == y->rdata_max);
	FUZZ_CHECK(x->txtnull_max == y->txtnull_max && x->answer_types == y->answer_types);
	FUZZ_CHECK(x->end_off == y->end_off && x->partial == y->partial);
}
