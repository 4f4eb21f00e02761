/* SPDX-License-Identifier: BSD-3-Clause */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_pcap.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define SLL_HDR  16
#define SLL2_HDR 20
#define ETH_HDR  14

struct dnsf_pcap {
	pcap_t *pc;
	int dlt;
	uint64_t truncated, skipped;
	char path[256];
	uint8_t buf[DNSF_PCAP_MAX_FRAME];
};

int
dnsf_pcap_open(const char *path, struct dnsf_pcap **out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct dnsf_pcap *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ebuf[0] = '\0';
	r->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (r->pc == NULL) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		free(r);
		return -1;
	}
	r->dlt = pcap_datalink(r->pc);
	switch (r->dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		break;
	default:
		snprintf(err, errlen,
		         "%s: link type %d (%s) is not supported (Ethernet, Linux cooked, raw IP)",
		         path, r->dlt, pcap_datalink_val_to_name(r->dlt) ?: "?");
		pcap_close(r->pc);
		free(r);
		return -1;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	*out = r;
	return 0;
}

void
dnsf_pcap_close(struct dnsf_pcap *r)
{
	if (r == NULL)
		return;
	pcap_close(r->pc);
	free(r);
}

uint64_t
dnsf_pcap_truncated(const struct dnsf_pcap *r)
{
	return r->truncated;
}

uint64_t
dnsf_pcap_skipped(const struct dnsf_pcap *r)
{
	return r->skipped;
}

/* An Ethernet header in front of a cooked/raw payload. The MACs are synthetic but tell the
 * direction apart (the parser ignores them; people reading a dump do not). */
static uint32_t
put_eth(uint8_t *b, uint16_t ethertype, const uint8_t *src, unsigned srclen, unsigned pkttype)
{
	static const uint8_t dflt[6] = {0x02, 0, 0, 0, 0, 0x01};
	memset(b, 0, 12);
	b[0] = 0x02;
	b[5] = (uint8_t)pkttype; /* 0 to us, 4 outgoing, ... (sll_pkttype) */
	memcpy(b + 6, srclen == 6 ? src : dflt, 6);
	b[12] = (uint8_t)(ethertype >> 8);
	b[13] = (uint8_t)ethertype;
	return ETH_HDR;
}

int
dnsf_pcap_next(struct dnsf_pcap *r, struct dnsf_pcap_rec *rec, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	for (;;) {
		rc = pcap_next_ex(r->pc, &h, &d);
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			snprintf(err, errlen, "%s: %s", r->path, pcap_geterr(r->pc));
			return -1;
		}
		if (h->caplen < h->len) {
			r->truncated++;
			continue;
		}
		uint32_t caplen = h->caplen;
		uint16_t et;
		uint32_t off;

		rec->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		switch (r->dlt) {
		case DLT_EN10MB:
			if (caplen > DNSF_PCAP_MAX_FRAME) {
				r->skipped++;
				continue;
			}
			memcpy(r->buf, d, caplen);
			rec->frame = r->buf;
			rec->len = caplen;
			return 1;
		case DLT_LINUX_SLL:
			if (caplen < SLL_HDR) {
				r->skipped++;
				continue;
			}
			et = (uint16_t)(d[14] << 8 | d[15]);
			off = put_eth(r->buf, et, d + 6, (unsigned)(d[4] << 8 | d[5]),
			              (unsigned)(d[0] << 8 | d[1]));
			d += SLL_HDR;
			caplen -= SLL_HDR;
			break;
		case DLT_LINUX_SLL2:
			if (caplen < SLL2_HDR) {
				r->skipped++;
				continue;
			}
			et = (uint16_t)(d[0] << 8 | d[1]);
			off = put_eth(r->buf, et, d + 12, d[11], d[10]);
			d += SLL2_HDR;
			caplen -= SLL2_HDR;
			break;
		default: /* raw IP: the version nibble says which */
			if (caplen < 1 || ((d[0] >> 4) != 4 && (d[0] >> 4) != 6)) {
				r->skipped++;
				continue;
			}
			off = put_eth(r->buf, (d[0] >> 4) == 4 ? 0x0800 : 0x86dd, NULL, 0, 0);
			break;
		}
		if (caplen + off > DNSF_PCAP_MAX_FRAME) {
			r->skipped++;
			continue;
		}
		memcpy(r->buf + off, d, caplen);
		rec->frame = r->buf;
		rec->len = caplen + off;
		return 1;
	}
}
