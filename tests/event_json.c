/* SPDX-License-Identifier: BSD-3-Clause */
/* Prints the event fixtures as JSON lines, one per line, for check_event_json.sh to parse with a
 * real JSON parser. */
#include <stdio.h>

#include "event_fixtures.h"

int
main(void)
{
	void (*const fx[])(struct dnsf_event *) = {ev_fixture_v4, ev_fixture_v6,
	                                           ev_fixture_hostile};
	struct dnsf_event ev;
	char buf[4096];
	unsigned i;

	for (i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		fx[i](&ev);
		if (dnsf_event_to_json(&ev, buf, sizeof(buf)) < 0) {
			fprintf(stderr, "event %u does not fit in %zu bytes\n", i, sizeof(buf));
			return 1;
		}
		printf("%s\n", buf);
	}
	return 0;
}
