/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --replay input, walked before EAL: net_pcap hands the file to libpcap, which stops
 * silently at the first record it cannot read and treats any link type as Ethernet, so a
 * broken or foreign capture would replay as a short or meaningless run with exit status 0.
 *
 * dnsf_capture_scan() reads the file headers and every record or block header (never the frame
 * bytes) of a pcap (either byte order, micro- or nanosecond) or pcapng file and returns:
 *  -1 and one line in err: not a regular file, unknown magic, a file header cut short, a link
 *     type other than Ethernet, a record or block whose lengths cannot be right (libpcap would
 *     stop there or misread everything after it);
 *   0 with *cs filled: the whole records, and whether the file ends inside a record (a capture
 *     cut short while being written: the whole records before the cut are replayed).
 * Memory: constant (one block header at a time). Pure stdio; no DPDK.
 */
#ifndef DNSF_CAPTURE_H
#define DNSF_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Longest record libpcap reads for Ethernet (its max_snaplen_for_dlt); longer is corrupt. */
#define DNSF_CAPTURE_MAX_RECORD 262144u

struct dnsf_capscan {
	int pcapng;         /* 1 for pcapng, 0 for pcap */
	uint64_t records;   /* whole packet records (pcapng: enhanced/simple/obsolete blocks) */
	uint64_t over_64k;  /* records longer than 65535 bytes (net_pcap cannot carry them whole) */
	int truncated;      /* the file ends inside record records + 1 */
	uint64_t trunc_off; /* where that last, cut record starts */
};

int dnsf_capture_scan(const char *path, struct dnsf_capscan *cs, char *err, size_t errlen);

#endif
