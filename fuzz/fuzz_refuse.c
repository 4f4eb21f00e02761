/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_refuse — parse a frame, build the REFUSED/NXDOMAIN answer in place with
 * dnsf_refuse_build(), and check the answer by parsing it again. The input is the frame; its last
 * byte also picks a third rcode to try (0..31: values > 15 must be refused by the builder).
 *
 * Checked for every attempt (dnsf_refuse.h):
 *  - on -1 the frame is byte for byte untouched and *out_len is not written;
 *  - on 0 the input was a parsed UDP DNS query with one question, not a fragment, and the answer
 *    is no longer than the query, and parses (same configuration) as a whole UDP DNS response:
 *    same ID, opcode, RD and CD, QR=1, AA=0, TC=0, RA=1, the requested rcode, one question with
 *    the same name, type and class, no answers or authority, an OPT iff the query had one (DO
 *    copied), addresses, ports and MACs swapped, VLAN tags kept, valid IPv4 header and UDP
 *    checksums, and nothing after the message.
 * The frame lives in an exact-size heap buffer, so ASan sees any write past `room`.
 */
#include <string.h>

#include "dnsf_pkt.h"
#include "dnsf_refuse.h"
#include "fuzz_common.h"
#include "fuzz_pkt_check.h"

static void
check_answer(const uint8_t *q, uint32_t qlen, const struct dnsf_pkt *qp, const uint8_t *a,
             uint32_t alen, const struct dnsf_pkt_cfg *cfg, uint8_t rcode)
{
	static struct dnsf_pkt r;
	const struct dnsf_dns_msg *qm = &qp->dns, *rm = &r.dns;
	const uint8_t *l3, *udp;
	uint32_t s;
	uint16_t udp_len;

	/* Only a whole single-question UDP query may be answered. */
	FUZZ_CHECK(qp->cls == DNSF_PKT_DNS && qp->is_query && qp->l4_proto == 17);
	FUZZ_CHECK(!qp->is_frag && qm->qdcount == 1 && qm->qr == 0);
	FUZZ_CHECK(alen <= qlen && alen >= 14u + 20 + 8 + 12);

	dnsf_pkt_parse(a, alen, cfg, &r);
	fuzz_check_pkt(&r, a, alen, cfg);
	FUZZ_CHECK(r.cls == DNSF_PKT_DNS);
	FUZZ_CHECK(r.is_query == 0 && r.l4_proto == 17 && r.is_frag == 0);
	FUZZ_CHECK(r.ip_version == qp->ip_version && r.n_vlan == qp->n_vlan);
	FUZZ_CHECK(r.l3_off == qp->l3_off);
	FUZZ_CHECK((uint32_t)r.dns_off + r.dns_len == alen); /* nothing after the message */
	FUZZ_CHECK(r.sport == qp->dport && r.dport == qp->sport);
	FUZZ_CHECK(memcmp(r.src, qp->dst, 16) == 0 && memcmp(r.dst, qp->src, 16) == 0);
	FUZZ_CHECK(memcmp(a, q + 6, 6) == 0 && memcmp(a + 6, q, 6) == 0);
	FUZZ_CHECK(memcmp(a + 12, q + 12, qp->l3_off - 12u) == 0); /* VLAN tags, ethertype */

	FUZZ_CHECK(rm->id == qm->id && rm->qr == 1 && rm->opcode == qm->opcode);
	FUZZ_CHECK(rm->rcode == rcode && rm->tc == 0);
	FUZZ_CHECK((rm->flags & 0x0400) == 0);                    /* AA */
	FUZZ_CHECK((rm->flags & 0x0080) != 0);                    /* RA */
	FUZZ_CHECK((rm->flags & 0x0100) == (qm->flags & 0x0100)); /* RD */
	FUZZ_CHECK((rm->flags & 0x0010) == (qm->flags & 0x0010)); /* CD */
	FUZZ_CHECK((rm->flags & 0x0060) == 0);                    /* Z, AD */
	FUZZ_CHECK(rm->qdcount == 1 && rm->ancount == 0 && rm->nscount == 0);
	FUZZ_CHECK(rm->arcount == (qm->has_opt ? 1 : 0) && rm->has_opt == qm->has_opt);
	if (rm->has_opt) {
		FUZZ_CHECK(rm->do_bit == qm->do_bit && rm->udp_size == DNSF_REFUSE_EDNS_UDP_SIZE);
		FUZZ_CHECK(rm->ext_rcode == 0 && rm->edns_version == 0);
	}
	FUZZ_CHECK(rm->qtype == qm->qtype && rm->qclass == qm->qclass);
	FUZZ_CHECK(rm->qname_len == qm->qname_len &&
	           memcmp(rm->qname, qm->qname, qm->qname_len) == 0);

	l3 = a + r.l3_off;
	udp = a + r.l4_off;
	udp_len = rd16(udp + 4);
	FUZZ_CHECK((uint32_t)r.l4_off + udp_len == alen);
	if (r.ip_version == 4) {
		FUZZ_CHECK(l3[0] == 0x45 && r.l4_off == r.l3_off + 20u);
		FUZZ_CHECK(rd16(l3 + 2) == 20u + udp_len);
		FUZZ_CHECK(fold(sum16(0, l3, 20)) == 0xffff);
		s = sum16(0, l3 + 12, 8);
	} else {
		FUZZ_CHECK(r.l4_off == r.l3_off + 40u && rd16(l3 + 4) == udp_len && l3[6] == 17);
		s = sum16(0, l3 + 8, 32);
	}
	s += 17u + udp_len;
	s = sum16(s, udp, udp_len);
	FUZZ_CHECK(rd16(udp + 6) != 0 && fold(s) == 0xffff);
}

static void
try_refuse(const uint8_t *data, size_t size, const struct dnsf_pkt_cfg *cfg,
           const struct dnsf_pkt *p, uint8_t rcode, uint32_t room_short)
{
	uint8_t *f = malloc(size ? size : 1);
	uint32_t len = (uint32_t)size, out_len = 0xdeadbeef;
	int rc;

	FUZZ_CHECK(f != NULL);
	memcpy(f, data, size);
	rc = dnsf_refuse_build(f, len, len - room_short, p, rcode, &out_len);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(memcmp(f, data, size) == 0);
		FUZZ_CHECK(out_len == 0xdeadbeef);
	} else {
		FUZZ_CHECK(room_short == 0 && rcode <= 15);
		check_answer(data, len, p, f, out_len, cfg, rcode);
	}
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsf_pkt p;
	struct dnsf_pkt_cfg def, alt = {{53, 5353}, 2, 0};

	if (size > 65535)
		return 0;
	dnsf_pkt_cfg_default(&def);
	dnsf_pkt_parse(data, size, &def, &p);
	try_refuse(data, size, &def, &p, DNSF_RCODE_REFUSED, 0);
	try_refuse(data, size, &def, &p, DNSF_RCODE_NXDOMAIN, 0);
	if (size > 0) {
		try_refuse(data, size, &def, &p, data[size - 1] & 31, 0);
		try_refuse(data, size, &def, &p, DNSF_RCODE_REFUSED, 1); /* room < len */
	}
	dnsf_pkt_parse(data, size, &alt, &p);
	try_refuse(data, size, &alt, &p, DNSF_RCODE_REFUSED, 0);
	return 0;
}
