/* SPDX-License-Identifier: BSD-3-Clause */
/* Building the EAL command line; see dnsf_eal_args.h for the rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsf_eal_args.h"

int
dnsf_eal_args_has(char *const *args, int n, const char *opt)
{
	size_t ol = strlen(opt);
	int i;

	for (i = 0; i < n; i++) {
		const char *a = args[i];

		if (a == NULL || strncmp(a, opt, ol) != 0)
			continue;
		if (a[ol] == '\0' || a[ol] == '=')
			return 1;
		/* getopt lets a one-letter option carry its value: "-m512", "-l1-3". */
		if (ol == 2 && opt[0] == '-' && opt[1] != '-')
			return 1;
	}
	return 0;
}

static int
push(struct dnsf_eal_argv *a, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (a->argc >= DNSF_EAL_MAX_ARGS) {
		snprintf(err, errlen, "too many EAL arguments (more than %d)", DNSF_EAL_MAX_ARGS);
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		snprintf(err, errlen, "out of memory building EAL arguments");
		return -1;
	}
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
	return 0;
}

static int
user_has(const struct dnsf_config *cfg, const struct dnsf_eal_opts *o, const char *opt)
{
	char *cargs[DNSF_MAX_EAL_ARGS];
	int i;

	for (i = 0; i < cfg->n_eal_args && i < DNSF_MAX_EAL_ARGS; i++)
		cargs[i] = (char *)cfg->eal_args[i];
	return dnsf_eal_args_has(cargs, i, opt) || dnsf_eal_args_has(o->extra, o->n_extra, opt);
}

/* A vdev argument is "name,key=value,key=value": a file name with ',' would split. */
static int
check_path(const char *what, const char *p, char *err, size_t errlen)
{
	if (strchr(p, ',') != NULL) {
		snprintf(err, errlen, "%s: %s: file names with ',' cannot be passed to net_pcap",
		         what, p);
		return -1;
	}
	return 0;
}

static int
is_vdev(const char *device)
{
	return strncmp(device, "net_", 4) == 0 || strncmp(device, "eth_", 4) == 0;
}

int
dnsf_eal_args_build(const struct dnsf_config *cfg, const struct dnsf_eal_opts *o,
                    struct dnsf_eal_argv *a, char *err, size_t errlen)
{
	int i;

	memset(a, 0, sizeof(*a));
	if (push(a, err, errlen, "dnsfence") != 0)
		goto fail;
	for (i = 0; i < cfg->n_eal_args; i++)
		if (push(a, err, errlen, "%s", cfg->eal_args[i]) != 0)
			goto fail;

	if (o->file_prefix != NULL) {
		if (push(a, err, errlen, "--file-prefix") != 0 ||
		    push(a, err, errlen, "%s", o->file_prefix) != 0)
			goto fail;
	}

	if (!user_has(cfg, o, "-l") && !user_has(cfg, o, "--lcores") && !user_has(cfg, o, "-c")) {
		char list[8 * (DNSF_MAX_WORKERS + 1)];
		size_t off;
		int n = o->replay ? 1 : cfg->n_workers;

		off = (size_t)snprintf(list, sizeof(list), "%u", cfg->control_lcore);
		for (i = 0; i < n && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, ",%u",
			                        cfg->worker_lcores[i]);
		if (push(a, err, errlen, "-l") != 0 || push(a, err, errlen, "%s", list) != 0)
			goto fail;
	}
	if (!user_has(cfg, o, "--main-lcore")) {
		if (push(a, err, errlen, "--main-lcore") != 0 ||
		    push(a, err, errlen, "%u", cfg->control_lcore) != 0)
			goto fail;
	}
	if (!cfg->telemetry && !user_has(cfg, o, "--no-telemetry") &&
	    push(a, err, errlen, "--no-telemetry") != 0)
		goto fail;

	if (o->replay) {
		if (check_path("--replay", o->in_pcap, err, errlen) != 0 ||
		    check_path("--passed", o->passed_pcap, err, errlen) != 0 ||
		    (o->dropped_pcap != NULL &&
		     check_path("--dropped", o->dropped_pcap, err, errlen) != 0))
			goto fail;
		if (!user_has(cfg, o, "--no-huge") && push(a, err, errlen, "--no-huge") != 0)
			goto fail;
		if (!user_has(cfg, o, "--no-pci") && push(a, err, errlen, "--no-pci") != 0)
			goto fail;
		if (!user_has(cfg, o, "-m") && !user_has(cfg, o, "--socket-mem") &&
		    (push(a, err, errlen, "-m") != 0 || push(a, err, errlen, "1024") != 0))
			goto fail;
		if (o->file_prefix == NULL && !user_has(cfg, o, "--file-prefix") &&
		    (push(a, err, errlen, "--file-prefix") != 0 ||
		     push(a, err, errlen, "dnsf%ld", o->pid) != 0))
			goto fail;
		if (push(a, err, errlen, "--vdev") != 0 ||
		    push(a, err, errlen, "%s,rx_pcap=%s,tx_pcap=%s", DNSF_REPLAY_DEV, o->in_pcap,
		         o->passed_pcap) != 0)
			goto fail;
		/* Only tx_pcap: net_pcap then creates a null RX queue, so the sink never yields a
		 * packet and needs no live interface. */
		if (o->dropped_pcap != NULL &&
		    (push(a, err, errlen, "--vdev") != 0 ||
		     push(a, err, errlen, "%s,tx_pcap=%s", DNSF_DROPPED_DEV, o->dropped_pcap) != 0))
			goto fail;
	} else {
		int pci = 0;

		for (i = 0; i < cfg->n_ports; i++)
			pci += !is_vdev(cfg->ports[i].device);
		/* Virtual ports only: keep EAL away from every PCI device of the host. With PCI
		 * ports, -a below already limits probing to them. */
		if (pci == 0 && !user_has(cfg, o, "--no-pci") && !user_has(cfg, o, "-a") &&
		    !user_has(cfg, o, "--allow") && push(a, err, errlen, "--no-pci") != 0)
			goto fail;
		for (i = 0; i < cfg->n_ports; i++) {
			const char *dev = cfg->ports[i].device;

			if (push(a, err, errlen, is_vdev(dev) ? "--vdev" : "-a") != 0 ||
			    push(a, err, errlen, "%s", dev) != 0)
				goto fail;
		}
	}

	for (i = 0; i < o->n_extra; i++)
		if (push(a, err, errlen, "%s", o->extra[i]) != 0)
			goto fail;
	return 0;
fail:
	dnsf_eal_args_free(a);
	return -1;
}

const char *
dnsf_eal_args_no_secondary(char *const *args, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *a = args[i];

		if (a == NULL)
			continue;
		if (strcmp(a, "--in-memory") == 0)
			return "--in-memory (no shared runtime files)";
		if (strcmp(a, "--no-shconf") == 0)
			return "--no-shconf (no shared configuration)";
		/* getopt's optional value must be glued with '='; bare means "always". */
		if (strcmp(a, "--huge-unlink") == 0 || strcmp(a, "--huge-unlink=always") == 0)
			return "--huge-unlink (the hugepage files are removed)";
	}
	return NULL;
}

void
dnsf_eal_args_free(struct dnsf_eal_argv *a)
{
	int i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
	a->argv[0] = NULL;
}
