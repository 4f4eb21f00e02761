/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * forensics.pdump: the rte_pdump server, so DPDK's own capture tools (dpdk-dumpcap, dpdk-pdump)
 * can copy the packets of a live port. Those tools are EAL secondary processes: they attach to
 * this (primary) process's shared hugepage memory through its file prefix and ask it, over the
 * multi-process socket, to install RX/TX callbacks that copy each packet into their ring.
 *
 * Off by default: the callbacks then cost nothing, and nobody with root on the box can read
 * the traffic through a secondary process unless the operator opted in. When it is on but EAL
 * runs in a mode secondaries cannot attach to (--no-huge, --in-memory, --no-shconf,
 * --huge-unlink), the server is not started and the log says why; the filter runs on either
 * way. Live runs only (a replay is --no-huge and short-lived).
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_pdump.h>

#include "dnsf_app.h"
#include "dnsf_eal_args.h"

const char *
dnsf_pdump_state_name(uint8_t state)
{
	switch (state) {
	case DNSF_PDUMP_ON:
		return "on";
	case DNSF_PDUMP_UNAVAILABLE:
		return "unavailable";
	default:
		return "off";
	}
}

void
dnsf_pdump_init(struct dnsf_app *app, char *const *eal_args, int n_eal_args)
{
	const char *why, *rundir, *prefix;
	uint16_t i;

	app->pdump = DNSF_PDUMP_OFF;
	if (app->replay)
		return;
	if (!app->cfg->forensics.pdump) {
		fprintf(stderr, "dnsfence: pdump: off (forensics.pdump: false): dpdk-dumpcap "
		                "cannot capture this process's ports\n");
		return;
	}
	why = !rte_eal_has_hugepages() ? "--no-huge (its memory is private to this process)"
	                               : dnsf_eal_args_no_secondary(eal_args, n_eal_args);
	if (why != NULL) {
		app->pdump = DNSF_PDUMP_UNAVAILABLE;
		fprintf(stderr,
		        "dnsfence: warning: pdump: forensics.pdump is on, but EAL runs with %s: "
		        "secondary processes such as dpdk-dumpcap cannot attach, so pdump is not "
		        "started (it needs hugepages; docs/operations.md, \"Live capture with "
		        "dpdk-dumpcap\")\n",
		        why);
		return;
	}
	if (rte_pdump_init() != 0) {
		app->pdump = DNSF_PDUMP_UNAVAILABLE;
		fprintf(stderr,
		        "dnsfence: warning: pdump: rte_pdump_init() failed: %s; dpdk-dumpcap "
		        "cannot capture this process's ports\n",
		        rte_strerror(rte_errno));
		return;
	}
	app->pdump = DNSF_PDUMP_ON;
	/* dumpcap takes the ethdev name or port id, not our config names: print the mapping. */
	rundir = rte_eal_get_runtime_dir();
	prefix = strrchr(rundir, '/');
	prefix = prefix != NULL ? prefix + 1 : rundir;
	fprintf(stderr,
	        "dnsfence: pdump: enabled: capture a port with "
	        "dpdk-dumpcap --file-prefix=%s -i <port> -w FILE.pcapng (as root)\n",
	        prefix);
	for (i = 0; i < app->n_ports; i++) {
		char name[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_dev_get_name_by_port(app->ports[i].port_id, name) != 0)
			continue;
		fprintf(stderr, "dnsfence: pdump: port %s is -i %s (or -i %u)\n",
		        app->ports[i].name, name, app->ports[i].port_id);
	}
}

void
dnsf_pdump_fini(struct dnsf_app *app)
{
	if (app->pdump == DNSF_PDUMP_ON)
		rte_pdump_uninit();
	app->pdump = DNSF_PDUMP_OFF;
}
