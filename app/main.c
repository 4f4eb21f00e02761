/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until the dataplane lands. */
#include <stdio.h>
int
main(void)
{
	fprintf(stderr, "dnsfence: not built yet\n");
	return 1;
}
