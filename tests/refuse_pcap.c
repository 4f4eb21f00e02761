/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the answers dnsf_refuse_build makes for a set of query shapes into a classic pcap file
 * (no libpcap needed) and prints what each frame must decode to, one line per frame:
 *   <frame number> <rcode> <ip version> <edns 0/1> <qname as sent, "<Root>" for the root>
 * check_refuse_tshark.sh has tshark decode the file and compares.
 */
#include <stdio.h>
#include <string.h>

#include "dnsf_pkt.h"
#include "dnsf_refuse.h"
#include "refuse_frames.h"

static int
put32(FILE *f, uint32_t v)
{
	return fwrite(&v, 4, 1, f) == 1 ? 0 : -1; /* host order: readers check the magic */
}

static int
put_rec(FILE *f, uint32_t ts, const uint8_t *b, uint32_t len)
{
	if (put32(f, ts) || put32(f, 0) || put32(f, len) || put32(f, len))
		return -1;
	return fwrite(b, 1, len, f) == len ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct {
		uint8_t ipv, n_vlan, v4_opt_len, v6_ext, edns, do_bit, cookie, rcode;
		uint16_t qtype;
		const char *qname;
	} cases[] = {
	    {4, 0, 0, 0, 0, 0, 0, 5, 16, "aB3xZ9.t.Example.com"},
	    {4, 0, 0, 0, 1, 1, 1, 3, 1, "www.example.org"},
	    {4, 0, 8, 0, 1, 0, 0, 5, 10, "0123456789abcdef.tunnel.example.net"},
	    {4, 1, 0, 0, 0, 0, 0, 3, 28, "vlan.Example.com"},
	    {4, 2, 4, 0, 1, 0, 0, 5, 16, "qinq.example.com"},
	    {6, 0, 0, 0, 0, 0, 0, 5, 16, "v6.Example.com"},
	    {6, 0, 0, 1, 1, 1, 0, 3, 28, "v6ext.example.com"},
	    {6, 0, 0, 2, 1, 0, 1, 5, 65399, "two-ext.example.com"},
	    {6, 1, 0, 0, 0, 0, 0, 5, 16, "v6vlan.example.com"},
	    {6, 2, 0, 1, 1, 0, 0, 3, 5, "v6qinq.example.com"},
	    {4, 0, 0, 0, 0, 0, 0, 5, 2, ""},
	};
	struct dnsf_pkt_cfg cfg;
	FILE *f;
	unsigned i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT.pcap\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "wb");
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	dnsf_pkt_cfg_default(&cfg);
	/* Global header: magic, v2.4, GMT offset 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET. */
	if (put32(f, 0xa1b2c3d4) || put32(f, 0x00040002) || put32(f, 0) || put32(f, 0) ||
	    put32(f, 65535) || put32(f, 1)) {
		perror("write");
		return 1;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tq_spec s = {
		    .ipv = cases[i].ipv,
		    .n_vlan = cases[i].n_vlan,
		    .v4_opt_len = cases[i].v4_opt_len,
		    .v6_ext = cases[i].v6_ext,
		    .edns = cases[i].edns,
		    .do_bit = cases[i].do_bit,
		    .cookie = cases[i].cookie,
		    .flags = 0x0100,
		    .id = (uint16_t)(0x1000 + i),
		    .qtype = cases[i].qtype,
		    .sport = (uint16_t)(40000 + i),
		    .dport = 53,
		    .qname = cases[i].qname,
		    .eth_pad = 1,
		};
		uint8_t frame[2048];
		size_t len = tq_build(&s, frame, sizeof(frame));
		struct dnsf_pkt p;
		uint32_t out_len;

		if (len == 0 || dnsf_pkt_parse(frame, len, &cfg, &p) != DNSF_PKT_DNS ||
		    dnsf_refuse_build(frame, (uint32_t)len, sizeof(frame), &p, cases[i].rcode,
		                      &out_len) != 0) {
			fprintf(stderr, "case %u: could not build the answer\n", i);
			return 1;
		}
		if (put_rec(f, 1795714310u + i, frame, out_len)) {
			perror("write");
			return 1;
		}
		printf("%u %u %u %u %s\n", i + 1, cases[i].rcode, cases[i].ipv, cases[i].edns,
		       cases[i].qname[0] ? cases[i].qname : "<Root>");
	}
	if (fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
