/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum helpers (RFC 1071), header-only so the packet writers (REFUSED builder,
 * hardening rewrites, test and tool frame builders) share one definition.
 *  - dnsf_csum_add(): running one's-complement sum of big-endian 16-bit words over b[0..n);
 *    an odd tail byte is padded with zero. The sum is not folded: chain calls, then fold.
 *  - dnsf_csum_reduce(): folds a running sum to 16 bits (not inverted).
 *  - dnsf_csum_fold(): folds and inverts: the value to write into a checksum field.
 * 64-bit sums cannot overflow for any frame (2^32 words of 0xffff would be needed).
 */
#ifndef DNSF_CSUM_H
#define DNSF_CSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t
dnsf_csum_add(uint64_t sum, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static inline uint16_t
dnsf_csum_reduce(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline uint16_t
dnsf_csum_fold(uint64_t sum)
{
	return (uint16_t)~dnsf_csum_reduce(sum);
}

#endif /* DNSF_CSUM_H */
