/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pkt — dnsf_pkt_parse() over arbitrary frames. The input is the frame. It is parsed with
 * two configurations (the default: port 53 with TCP; and ports 53/853/5353/5300 without TCP) and
 * each result must satisfy fuzz_check_pkt(); parsing the same bytes twice must give the same
 * result. ASan catches any read past the frame (libFuzzer hands us an exact-size buffer) and
 * libFuzzer any write to it.
 */
#include "dnsf_pkt.h"
#include "fuzz_common.h"
#include "fuzz_pkt_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsf_pkt a, b;
	struct dnsf_pkt_cfg def, alt = {{53, 853, 5353, 5300}, 4, 0};
	enum dnsf_pkt_class c;

	dnsf_pkt_cfg_default(&def);
	c = dnsf_pkt_parse(data, size, &def, &a);
	FUZZ_CHECK(c == a.cls);
	fuzz_check_pkt(&a, data, size, &def);
	dnsf_pkt_parse(data, size, &def, &b);
	fuzz_check_same_pkt(&a, &b);

	c = dnsf_pkt_parse(data, size, &alt, &a);
	FUZZ_CHECK(c == a.cls);
	fuzz_check_pkt(&a, data, size, &alt);
	return 0;
}
