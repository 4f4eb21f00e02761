/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_eal_args — the EAL command line dnsfence passes to rte_eal_init().
 *
 * Contract: pure string work (no EAL), so it runs before anything is touched. The result is the
 * config's `eal` list verbatim, then what dnsfence adds unless the user already gave it (in the
 * config's list or after `--`), then the user's extra arguments (they come last, so they win
 * where EAL lets a later option override an earlier one):
 *  - replay: --no-huge --no-pci, -m 1024 (unless -m/--socket-mem), --file-prefix dnsf<pid>,
 *    --vdev for the replay port (and the --dropped sink);
 *  - live: --vdev for ports whose device starts with "net_", -a for the others (PCI), and
 *    --no-pci when every port is virtual (so EAL probes no host PCI device);
 *  - both: -l <control lcore + worker lcores> and --main-lcore <control lcore> unless
 *    -l/--lcores/-c (resp. --main-lcore) was given; --file-prefix P from the CLI;
 *    --no-telemetry when the config turns telemetry off.
 * Device strings with a ',' in a file name cannot be expressed as vdev arguments: -1 and err.
 */
#ifndef DNSF_EAL_ARGS_H
#define DNSF_EAL_ARGS_H

#include <stddef.h>

#include "dnsf_config.h"

#define DNSF_EAL_MAX_ARGS 128

struct dnsf_eal_opts {
	int replay;
	const char *in_pcap, *passed_pcap, *dropped_pcap; /* replay */
	const char *file_prefix;                          /* CLI --file-prefix, or NULL */
	int n_extra;
	char **extra; /* after `--` */
	long pid;
};

/* Device strings of the replay ports (also used to find them after EAL init). */
#define DNSF_REPLAY_DEV  "net_pcap_dnsf_replay"
#define DNSF_DROPPED_DEV "net_pcap_dnsf_dropped"

struct dnsf_eal_argv {
	int argc;
	char *argv[DNSF_EAL_MAX_ARGS + 1]; /* malloc'ed strings, NULL-terminated */
};

int dnsf_eal_args_build(const struct dnsf_config *cfg, const struct dnsf_eal_opts *o,
                        struct dnsf_eal_argv *out, char *err, size_t errlen);
void dnsf_eal_args_free(struct dnsf_eal_argv *a);

/* Whether `args` (n of them) hold the EAL option `opt` ("-m", "--file-prefix", ...), as its own
 * token, in the "--opt=value" form, or (for one-letter options) glued to its value ("-m512"). */
int dnsf_eal_args_has(char *const *args, int n, const char *opt);

/* The option among `args` (n of them) that keeps EAL secondary processes (dpdk-dumpcap) from
 * attaching, as a phrase for the log ("--in-memory (...)"), or NULL: --in-memory, --no-shconf,
 * and --huge-unlink without a value or =always (=existing and =never keep the files).
 * --no-huge is not looked for here: rte_eal_has_hugepages() says it after EAL init. */
const char *dnsf_eal_args_no_secondary(char *const *args, int n);

#endif
