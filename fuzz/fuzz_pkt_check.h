/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pkt_check — the invariants of a dnsf_pkt_parse() result that hold for any input frame
 * (dnsf_pkt.h, dnsf_dns.h): enums in range, offsets inside the frame, qname a C string of
 * qname_len bytes split into nlabels <= 127 labels exactly as label_off/label_len say, and for
 * DNS packets agreement with dnsf_dns_parse() of the bytes the offsets point at. Shared by the
 * pkt, refuse and engine harnesses; a broken invariant aborts (FUZZ_CHECK).
 */
#ifndef DNSF_FUZZ_PKT_CHECK_H
#define DNSF_FUZZ_PKT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "dnsf_pkt.h"

void fuzz_check_dns_msg(const struct dnsf_dns_msg *m);
void fuzz_check_pkt(const struct dnsf_pkt *p, const uint8_t *frame, size_t len,
                    const struct dnsf_pkt_cfg *cfg);
/* Two parses of the same bytes must agree field by field (no reads of undefined state). */
void fuzz_check_same_pkt(const struct dnsf_pkt *a, const struct dnsf_pkt *b);

#endif
