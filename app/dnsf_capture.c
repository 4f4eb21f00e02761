/* SPDX-License-Identifier: BSD-3-Clause */
/* The --replay input walked before EAL (dnsf_capture.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dnsf_capture.h"

#define LINKTYPE_ETHERNET 1
#define PCAPNG_SHB        0x0A0D0D0Au
#define PCAPNG_BOM        0x1A2B3C4Du
#define PCAPNG_IDB        1u
#define PCAPNG_PB         2u /* obsolete packet block */
#define PCAPNG_SPB        3u
#define PCAPNG_EPB        6u
/* libpcap refuses pcapng blocks larger than this (its MAX_BLOCKSIZE). */
#define PCAPNG_MAX_BLOCK (16u * 1024 * 1024)

static uint32_t
rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t
rd16(const uint8_t *p, int swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

/* Reads up to n bytes at the current position; returns how many it got. */
static size_t
get(FILE *f, void *buf, size_t n)
{
	return fread(buf, 1, n, f);
}

static int
skip(FILE *f, uint64_t off, uint64_t size)
{
	return off > size ? -1 : fseeko(f, (off_t)off, SEEK_SET);
}

static void
cut(struct dnsf_capscan *cs, uint64_t off)
{
	cs->truncated = 1;
	cs->trunc_off = off;
}

static int
scan_pcap(FILE *f, const char *path, uint64_t size, uint32_t magic, struct dnsf_capscan *cs,
          char *err, size_t errlen)
{
	const int swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	uint8_t h[24];
	uint32_t link;
	uint64_t off = 24;

	if (get(f, h, sizeof(h)) != sizeof(h)) {
		snprintf(err, errlen,
		         "--replay: %s: pcap file header cut short (%" PRIu64 " of 24 bytes)", path,
		         size);
		return -1;
	}
	if (rd16(h + 4, swap) != 2) {
		snprintf(err, errlen, "--replay: %s: pcap version %u.%u, not 2.x", path,
		         rd16(h + 4, swap), rd16(h + 6, swap));
		return -1;
	}
	/* The upper bits may carry FCS information; the link type is the low 16. */
	link = rd32(h + 20, swap) & 0xffffu;
	if (link != LINKTYPE_ETHERNET) {
		snprintf(err, errlen,
		         "--replay: %s: link type %" PRIu32
		         ", not Ethernet (1): dnsfence replays Ethernet frames (convert, e.g. "
		         "tcprewrite --dlt=enet)",
		         path, link);
		return -1;
	}
	for (;;) {
		uint8_t r[16];
		size_t n = get(f, r, sizeof(r));
		uint32_t caplen;

		if (n == 0)
			return 0;
		if (n < sizeof(r)) {
			cut(cs, off);
			return 0;
		}
		caplen = rd32(r + 8, swap);
		if (caplen > DNSF_CAPTURE_MAX_RECORD) {
			snprintf(err, errlen,
			         "--replay: %s: record %" PRIu64 " (offset %" PRIu64
			         ") claims %" PRIu32 " bytes, over %u: the file is corrupt",
			         path, cs->records + 1, off, caplen, DNSF_CAPTURE_MAX_RECORD);
			return -1;
		}
		if (off + 16 + caplen > size) {
			cut(cs, off);
			return 0;
		}
		cs->records++;
		cs->over_64k += caplen > 65535;
		off += 16 + (uint64_t)caplen;
		if (skip(f, off, size) != 0)
			return 0;
	}
}

static int
scan_pcapng(FILE *f, const char *path, uint64_t size, struct dnsf_capscan *cs, char *err,
            size_t errlen)
{
	uint64_t off = 0;
	int swap = 0, have_section = 0;
	uint32_t n_if = 0;

	cs->pcapng = 1;
	for (;;) {
		uint8_t b[28];
		size_t n;
		uint32_t type, len, need;

		if (skip(f, off, size) != 0)
			return 0;
		n = get(f, b, 12);
		if (n == 0 && have_section)
			return 0;
		type = n >= 4 ? rd32(b, swap) : 0;
		if (n >= 4 && rd32(b, 0) == PCAPNG_SHB) {
			/* A new section: its byte order comes from its byte-order magic. */
			if (n < 12) {
				if (!have_section)
					goto short_header;
				cut(cs, off);
				return 0;
			}
			if (rd32(b + 8, 0) == PCAPNG_BOM)
				swap = 0;
			else if (rd32(b + 8, 1) == PCAPNG_BOM)
				swap = 1;
			else {
				snprintf(err, errlen,
				         "--replay: %s: pcapng section at offset %" PRIu64
				         " has no byte-order magic",
				         path, off);
				return -1;
			}
			type = PCAPNG_SHB;
			have_section = 1;
			n_if = 0;
		} else if (!have_section) {
			goto short_header;
		}
		if (n < 12) {
			cut(cs, off);
			return 0;
		}
		len = rd32(b + 4, swap);
		need = type == PCAPNG_SHB ? 28 : 12;
		if (len < need || len % 4 != 0 || len > PCAPNG_MAX_BLOCK) {
			snprintf(err, errlen,
			         "--replay: %s: pcapng block at offset %" PRIu64 " (type %" PRIu32
			         ") has length %" PRIu32 ": the file is corrupt",
			         path, off, type, len);
			return -1;
		}
		if (off + len > size) {
			if (type == PCAPNG_SHB && cs->records == 0 && off == 0)
				goto short_header;
			cut(cs, off);
			return 0;
		}
		if (type == PCAPNG_IDB) {
			uint8_t l[2];

			if (len < 20 || skip(f, off + 8, size) != 0 || get(f, l, 2) != 2)
				goto corrupt;
			if (rd16(l, swap) != LINKTYPE_ETHERNET) {
				snprintf(err, errlen,
				         "--replay: %s: pcapng interface %" PRIu32
				         " has link type %u, not Ethernet (1): dnsfence replays "
				         "Ethernet frames (convert, e.g. tcprewrite --dlt=enet)",
				         path, n_if, rd16(l, swap));
				return -1;
			}
			n_if++;
		} else if (type == PCAPNG_EPB || type == PCAPNG_PB || type == PCAPNG_SPB) {
			uint32_t caplen;

			if (n_if == 0) {
				snprintf(err, errlen,
				         "--replay: %s: pcapng packet block at offset %" PRIu64
				         " before any interface block: the file is corrupt",
				         path, off);
				return -1;
			}
			if (type == PCAPNG_SPB) {
				caplen =
				    len - 16; /* the original length; the data fill the block */
			} else {
				if (len < 32 || skip(f, off + 20, size) != 0 || get(f, b, 4) != 4)
					goto corrupt;
				caplen = rd32(b, swap);
				if ((uint64_t)caplen + 32 > len)
					goto corrupt;
			}
			cs->records++;
			cs->over_64k += caplen > 65535;
		}
		off += len;
	}
short_header:
	snprintf(err, errlen, "--replay: %s: pcapng section header cut short", path);
	return -1;
corrupt:
	snprintf(err, errlen,
	         "--replay: %s: pcapng block at offset %" PRIu64
	         " is inconsistent with its length: the file is corrupt",
	         path, off);
	return -1;
}

int
dnsf_capture_scan(const char *path, struct dnsf_capscan *cs, char *err, size_t errlen)
{
	struct stat st;
	uint8_t m[4];
	uint32_t magic;
	FILE *f;
	int rc;

	memset(cs, 0, sizeof(*cs));
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "--replay: %s: %s", path, strerror(errno));
		return -1;
	}
	/* net_pcap reads it by name, after this check: a pipe would be consumed here. */
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "--replay: %s: not a regular file", path);
		return -1;
	}
	if (get(f, m, 4) != 4) {
		fclose(f);
		snprintf(err, errlen, "--replay: %s: too short to be a pcap file", path);
		return -1;
	}
	magic = rd32(m, 0);
	rewind(f);
	if (magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u || magic == 0xa1b23c4du ||
	    magic == 0x4d3cb2a1u)
		rc = scan_pcap(f, path, (uint64_t)st.st_size, magic, cs, err, errlen);
	else if (magic == PCAPNG_SHB)
		rc = scan_pcapng(f, path, (uint64_t)st.st_size, cs, err, errlen);
	else {
		snprintf(err, errlen, "--replay: %s: not a pcap or pcapng file", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}
