/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dnsf_name.h"

static inline uint64_t
mix64(uint64_t x)
{
	/* Stafford's variant 13 finaliser: cheap and well distributed. */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

uint64_t
dnsf_hash_bytes(const void *data, unsigned len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (UINT64_C(0x87c37b91114253d5) * (len + 1));

	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = mix64(h ^ w) + UINT64_C(0x4cf5ad432745937f);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = mix64(h ^ w ^ ((uint64_t)len << 56));
	}
	return mix64(h);
}

uint64_t
dnsf_name_chain(uint64_t right, const char *label, unsigned len)
{
	return dnsf_hash_bytes(label, len, right);
}

void
dnsf_name_suffix_hashes(const char *qname, const uint8_t *label_off, const uint8_t *label_len,
                        unsigned nlabels, uint64_t *h)
{
	h[nlabels] = DNSF_NAME_ROOT_HASH;
	for (unsigned i = nlabels; i-- > 0;)
		h[i] = dnsf_name_chain(h[i + 1], qname + label_off[i], label_len[i]);
}

uint64_t
dnsf_name_hash(const char *name)
{
	char low[DNSF_DNS_MAX_NAME + 1];
	uint8_t off[DNSF_DNS_MAX_LABELS], len[DNSF_DNS_MAX_LABELS];
	uint64_t h[DNSF_DNS_MAX_LABELS + 1];
	unsigned n = 0, i = 0, start = 0;

	if (name[0] == '\0')
		return DNSF_NAME_ROOT_HASH;
	for (;; i++) {
		char c = name[i];
		if (i >= DNSF_DNS_MAX_NAME)
			break;
		if (c == '.' || c == '\0') {
			if (n < DNSF_DNS_MAX_LABELS) {
				off[n] = (uint8_t)start;
				len[n] = (uint8_t)(i - start);
				n++;
			}
			if (c == '\0')
				break;
			start = i + 1;
			low[i] = '.';
			continue;
		}
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	/* A trailing dot ("com.") yields an empty last label: drop it. */
	if (n > 0 && len[n - 1] == 0)
		n--;
	dnsf_name_suffix_hashes(low, off, len, n, h);
	return h[0];
}
