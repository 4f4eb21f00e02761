/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsfence — the DPDK shell around the engine: command line, config and engine first (so any
 * error is one line and exit status 2 before EAL or a device is touched), then EAL, lcores,
 * ports, workers, the control loop, and a clean stop.
 *
 *   dnsfence -c FILE [--check] [--replay IN --passed OUT [--dropped D]] [--events E]
 *            [--file-prefix P] [--stats-interval S] [-- EAL args]
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring_elem.h>

#include "dnsf_app.h"
#include "dnsf_capture.h"
#include "dnsf_eal_args.h"

#ifndef DNSF_VERSION
#define DNSF_VERSION "unknown"
#endif

#define EXIT_CONFIG 2
#define EXIT_OUTPUT 1 /* a replay ran, but an output it was asked for is incomplete */

struct dnsf_app g_app;
static struct dnsf_config g_cfg;

struct cli {
	const char *config;
	int check;
	const char *replay, *passed, *dropped, *events, *file_prefix;
	unsigned stats_interval;
	int stats_interval_given;
	unsigned linger;
	int n_extra;
	char **extra;
};

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: dnsfence -c FILE [--check]\n"
	    "                [--replay IN.pcap --passed OUT.pcap [--dropped D.pcap]]\n"
	    "                [--linger S] [--events E.jsonl] [--file-prefix P] [--stats-interval "
	    "S]\n"
	    "                [-- extra EAL arguments]\n"
	    "  -c, --config FILE      YAML configuration (docs/configuration.md)\n"
	    "  --check                validate the configuration and its files, touch no device\n"
	    "  --replay IN.pcap       run the capture through the dataplane (net_pcap, no NIC)\n"
	    "  --passed OUT.pcap      replay: where passed packets (and refuse answers) go\n"
	    "  --dropped D.pcap       replay: where dropped and refused originals go\n"
	    "  --linger S             replay: serve telemetry and metrics S seconds after the end\n"
	    "  --events E.jsonl       event log (overrides the config's; \"-\" = stdout)\n"
	    "  --file-prefix P        EAL file prefix (telemetry: dpdk-telemetry.py -f P)\n"
	    "  --stats-interval S     print a stats line to stderr every S seconds\n"
	    "  -V, --version          print the version\n");
}

static int
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_cli(int argc, char **argv, struct cli *c)
{
	enum {
		O_CHECK = 256,
		O_REPLAY,
		O_PASSED,
		O_DROPPED,
		O_EVENTS,
		O_PREFIX,
		O_STATS,
		O_LINGER
	};
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, O_CHECK},
	    {"replay", required_argument, NULL, O_REPLAY},
	    {"passed", required_argument, NULL, O_PASSED},
	    {"dropped", required_argument, NULL, O_DROPPED},
	    {"events", required_argument, NULL, O_EVENTS},
	    {"file-prefix", required_argument, NULL, O_PREFIX},
	    {"stats-interval", required_argument, NULL, O_STATS},
	    {"linger", required_argument, NULL, O_LINGER},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	uint32_t seen = 0;
	int o, li;

	memset(c, 0, sizeof(*c));
	c->stats_interval = 1;
	opterr = 0;
	/* '+': stop at the first non-option; "--" ends our options, the rest goes to EAL. */
	while ((o = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		/* Given twice, one of the two would be ignored without a word (two --replay
		 * files, two configs): refused instead. */
		const uint32_t bit = o == 'c'                          ? 1u
		                     : (o >= O_CHECK && o <= O_LINGER) ? 2u << (o - O_CHECK)
		                                                       : 0;

		if (bit != 0 && (seen & bit) != 0) {
			for (li = 0; opts[li].val != o; li++)
				;
			fprintf(stderr, "dnsfence: option --%s given twice (see --help)\n",
			        opts[li].name);
			return -1;
		}
		seen |= bit;
		switch (o) {
		case 'c':
			c->config = optarg;
			break;
		case O_CHECK:
			c->check = 1;
			break;
		case O_REPLAY:
			c->replay = optarg;
			break;
		case O_PASSED:
			c->passed = optarg;
			break;
		case O_DROPPED:
			c->dropped = optarg;
			break;
		case O_EVENTS:
			c->events = optarg;
			break;
		case O_PREFIX:
			c->file_prefix = optarg;
			break;
		case O_STATS:
			if (parse_uint(optarg, 1, 86400, &c->stats_interval) != 0) {
				fprintf(stderr,
				        "dnsfence: --stats-interval: '%s' is not a number of "
				        "seconds from 1 to 86400\n",
				        optarg);
				return -1;
			}
			c->stats_interval_given = 1;
			break;
		case O_LINGER:
			if (parse_uint(optarg, 1, 86400, &c->linger) != 0) {
				fprintf(
				    stderr,
				    "dnsfence: --linger: '%s' is not a number of seconds from 1 "
				    "to 86400\n",
				    optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dnsfence %s\n", DNSF_VERSION);
			exit(0);
		default:
			if (optopt != 0 && optopt < 256)
				fprintf(stderr,
				        "dnsfence: option -%c: unknown or missing its value "
				        "(see --help)\n",
				        optopt);
			else
				fprintf(stderr,
				        "dnsfence: option %s: unknown or missing its value "
				        "(see --help)\n",
				        argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fprintf(stderr, "dnsfence: unexpected argument '%s' (EAL arguments go after --)\n",
		        argv[optind]);
		return -1;
	}
	c->n_extra = argc - optind;
	c->extra = argv + optind;
	if (c->config == NULL) {
		fprintf(stderr, "dnsfence: -c FILE is required (see --help)\n");
		return -1;
	}
	if (c->replay != NULL && c->passed == NULL && !c->check) {
		fprintf(stderr, "dnsfence: --replay needs --passed OUT.pcap\n");
		return -1;
	}
	if (c->replay == NULL && (c->passed != NULL || c->dropped != NULL || c->linger != 0)) {
		fprintf(stderr, "dnsfence: --passed/--dropped/--linger only go with --replay\n");
		return -1;
	}
	/* EAL makes /var/run/dpdk/<prefix>: empty, "." or "..", or with a '/', it is not one
	 * directory of its own ("." put EAL's files into /var/run/dpdk itself). */
	if (c->file_prefix != NULL &&
	    (c->file_prefix[0] == '\0' || strchr(c->file_prefix, '/') != NULL ||
	     strcmp(c->file_prefix, ".") == 0 || strcmp(c->file_prefix, "..") == 0)) {
		fprintf(stderr,
		        "dnsfence: --file-prefix: '%s' is not a directory name of its own\n",
		        c->file_prefix);
		return -1;
	}
	return 0;
}

/* The replay input must be an Ethernet capture libpcap reads whole (dnsf_capture.h): checked
 * here so a wrong file is one line, not EAL's log or a silently short run. A file cut short
 * inside its last record (a capture stopped while written) is replayed up to the cut, said
 * once. */
static int
check_capture(const char *path, char *err, size_t errlen)
{
	struct dnsf_capscan cs;

	if (dnsf_capture_scan(path, &cs, err, errlen) != 0)
		return -1;
	if (cs.truncated)
		fprintf(stderr,
		        "dnsfence: warning: --replay: %s: the file ends inside record %" PRIu64
		        " (offset %" PRIu64 "): the %" PRIu64 " whole records before it are "
		        "replayed, the cut one is not\n",
		        path, cs.records + 1, cs.trunc_off, cs.records);
	if (cs.over_64k > 0)
		fprintf(stderr,
		        "dnsfence: warning: --replay: %s: %" PRIu64
		        " records are longer than 65535 bytes: net_pcap cannot carry them whole; "
		        "they are dropped (bad_chain_dropped) or passed undecided "
		        "(oversize_passed)\n",
		        path, cs.over_64k);
	return 0;
}

/* Two of the files a replay names are the same file: an output opened for writing over the
 * capture or the configuration would destroy it before it is read, and two outputs would
 * interleave into garbage. Only regular files count (--passed /dev/null --dropped /dev/null
 * is fine); outputs that do not exist yet are compared by name. */
static int
check_distinct(const struct cli *c, char *err, size_t errlen)
{
	const struct {
		const char *what, *path;
		int output;
	} f[] = {
	    {"-c", c->config, 0},
	    {"--replay", c->replay, 0},
	    {"--passed", c->passed, 1},
	    {"--dropped", c->dropped, 1},
	    {"--events", c->events != NULL && strcmp(c->events, "-") != 0 ? c->events : NULL, 1},
	};
	struct stat st[RTE_DIM(f)];
	int ex[RTE_DIM(f)];
	size_t i, j;

	for (i = 0; i < RTE_DIM(f); i++)
		ex[i] = f[i].path != NULL && stat(f[i].path, &st[i]) == 0;
	for (i = 0; i < RTE_DIM(f); i++) {
		for (j = i + 1; j < RTE_DIM(f); j++) {
			int same;

			if (f[i].path == NULL || f[j].path == NULL || !f[j].output)
				continue;
			if (ex[i] && ex[j])
				same = S_ISREG(st[i].st_mode) && st[i].st_dev == st[j].st_dev &&
				       st[i].st_ino == st[j].st_ino;
			else
				same = !ex[i] && !ex[j] && strcmp(f[i].path, f[j].path) == 0;
			if (same) {
				snprintf(err, errlen, "%s and %s name the same file (%s)",
				         f[i].what, f[j].what, f[j].path);
				return -1;
			}
		}
	}
	return 0;
}

/* Output files this run created: removed again if it fails to start, so a failed start leaves
 * no empty captures behind (files that existed before are left as they are). */
static const char *created[3];
static unsigned n_created;

static void
remove_created(void)
{
	while (n_created > 0)
		unlink(created[--n_created]);
}

static int
check_writable(const char *what, const char *path, char *err, size_t errlen)
{
	const int existed = access(path, F_OK) == 0;
	FILE *f = fopen(path, "wb");

	if (f != NULL && !existed && n_created < RTE_DIM(created))
		created[n_created++] = path;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s: %s", what, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&g_app.quit, 1, __ATOMIC_RELAXED);
}

/* SIGHUP: reload the lists and reopen the event log, done by the control loop. */
static void
on_hup(int sig)
{
	(void)sig;
	__atomic_store_n(&g_app.reload_requested, 1, __ATOMIC_RELAXED);
}

static int
fail(const char *msg)
{
	fprintf(stderr, "dnsfence: %s\n", msg);
	return EXIT_CONFIG;
}

/* App ports: the replay's net_pcap pair and sink, or the config's ports and pairs. */
static int
plan_ports(struct dnsf_app *app, const struct cli *c, char *err, size_t errlen)
{
	const struct dnsf_config *cfg = app->cfg;
	uint16_t i;

	app->sink = DNSF_APP_PORT_NONE;
	if (app->replay) {
		struct dnsf_app_port *p = &app->ports[0];

		snprintf(p->name, sizeof(p->name), "replay");
		snprintf(p->device, sizeof(p->device), "%s", DNSF_REPLAY_DEV);
		/* One capture holds both directions: passed packets go out on the same port. */
		p->peer = 0;
		app->n_ports = 1;
		if (c->dropped != NULL) {
			p = &app->ports[1];
			snprintf(p->name, sizeof(p->name), "dropped");
			snprintf(p->device, sizeof(p->device), "%s", DNSF_DROPPED_DEV);
			p->peer = DNSF_APP_PORT_NONE;
			p->sink = 1;
			app->sink = 1;
			app->n_ports = 2;
		}
		return 0;
	}
	for (i = 0; i < cfg->n_ports; i++) {
		snprintf(app->ports[i].name, sizeof(app->ports[i].name), "%s", cfg->ports[i].name);
		snprintf(app->ports[i].device, sizeof(app->ports[i].device), "%s",
		         cfg->ports[i].device);
		app->ports[i].peer = DNSF_APP_PORT_NONE;
	}
	app->n_ports = cfg->n_ports;
	for (i = 0; i < cfg->n_pairs; i++) {
		uint8_t a = cfg->pairs[i].inside, b = cfg->pairs[i].outside;

		if (a >= cfg->n_ports || b >= cfg->n_ports) {
			snprintf(err, errlen, "%s: pairs[%u] names a port that does not exist",
			         cfg->path, i);
			return -1;
		}
		app->ports[a].peer = b;
		app->ports[b].peer = a;
	}
	for (i = 0; i < app->n_ports; i++)
		if (app->ports[i].peer == DNSF_APP_PORT_NONE)
			fprintf(stderr, "dnsfence: port %s is in no pair: it is not polled\n",
			        app->ports[i].name);
	return 0;
}

struct init_arg {
	struct dnsf_lcore *lc;
	char err[DNSF_ERR_MAX];
	int rc;
};

/* Runs on the worker's own lcore, so its tables are first touched on its NUMA node. */
static int
worker_init_remote(void *arg)
{
	struct init_arg *ia = arg;

	ia->rc = dnsf_worker_init(&ia->lc->w, g_app.eng, ia->lc->idx, ia->err, sizeof(ia->err));
	return 0;
}

static int
setup_lcores(struct dnsf_app *app, char *err, size_t errlen)
{
	const struct dnsf_config *cfg = app->cfg;
	const unsigned main_lcore = rte_get_main_lcore();
	struct init_arg ia[DNSF_MAX_WORKERS];
	uint16_t i;

	app->n_workers = app->replay ? 1 : cfg->n_workers;
	for (i = 0; i < app->n_workers; i++) {
		const unsigned id = cfg->worker_lcores[i];
		struct dnsf_lcore *lc;
		char name[RTE_RING_NAMESIZE];
		int socket;

		if (id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(id) || id == main_lcore) {
			snprintf(err, errlen,
			         "%s: worker lcore %u is %s (EAL lcores come from the config's "
			         "workers and control lcore unless its eal list sets -l)",
			         cfg->path, id,
			         id == main_lcore ? "the main (control) lcore"
			                          : "not enabled in EAL");
			return -1;
		}
		socket = (int)rte_lcore_to_socket_id(id);
		lc = rte_zmalloc_socket("dnsf_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, socket);
		if (lc == NULL)
			lc = rte_zmalloc("dnsf_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE);
		if (lc == NULL) {
			snprintf(err, errlen, "out of EAL memory for worker state (raise -m)");
			return -1;
		}
		lc->lcore_id = (uint16_t)id;
		lc->idx = i;
		snprintf(name, sizeof(name), "dnsf_ev%u", i);
		/* Events are copied into the ring slots: no allocation on the fast path. */
		lc->ev_ring = rte_ring_create_elem(name, sizeof(struct dnsf_event), cfg->event_ring,
		                                   socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (lc->ev_ring == NULL) {
			snprintf(err, errlen,
			         "cannot create the event ring of %" PRIu32
			         " events for lcore %u: %s "
			         "(raise -m or lower event_ring)",
			         cfg->event_ring, id, rte_strerror(rte_errno));
			rte_free(lc);
			return -1;
		}
		app->lc[i] = lc;
	}
	for (i = 0; i < app->n_workers; i++) {
		ia[i].lc = app->lc[i];
		ia[i].rc = -1;
		ia[i].err[0] = '\0';
		if (rte_eal_remote_launch(worker_init_remote, &ia[i], app->lc[i]->lcore_id) != 0) {
			snprintf(err, errlen, "cannot launch on lcore %u", app->lc[i]->lcore_id);
			rte_eal_mp_wait_lcore();
			return -1;
		}
	}
	rte_eal_mp_wait_lcore();
	for (i = 0; i < app->n_workers; i++) {
		if (ia[i].rc != 0) {
			snprintf(err, errlen, "worker on lcore %u: %s", app->lc[i]->lcore_id,
			         ia[i].err);
			return -1;
		}
	}
	return 0;
}

static int
setup_tx_buffers(struct dnsf_app *app, char *err, size_t errlen)
{
	uint16_t w, d;

	for (w = 0; w < app->n_workers; w++) {
		struct dnsf_lcore *lc = app->lc[w];
		int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);

		lc->pool = app->pools[socket];
		for (d = 0; lc->pool == NULL && d < RTE_MAX_NUMA_NODES; d++)
			lc->pool = app->pools[d];
		for (d = 0; d < app->n_ports; d++) {
			struct rte_eth_dev_tx_buffer *b;

			if (app->monitor)
				continue; /* never transmits */
			b = rte_zmalloc_socket("dnsf_txb", RTE_ETH_TX_BUFFER_SIZE(app->cfg->burst),
			                       0, socket);
			if (b == NULL || rte_eth_tx_buffer_init(b, app->cfg->burst) != 0) {
				snprintf(err, errlen,
				         "out of EAL memory for TX buffers (raise -m)");
				return -1;
			}
			lc->txctx[d].lc = lc;
			lc->txctx[d].sink = app->ports[d].sink;
			rte_eth_tx_buffer_set_err_callback(b, dnsf_tx_error_cb, &lc->txctx[d]);
			lc->txb[d] = b;
		}
	}
	return 0;
}

static int
open_event_log(struct dnsf_app *app, const struct cli *c, char *err, size_t errlen)
{
	const char *path = c->events != NULL ? c->events : app->cfg->event_log;

	app->event_log_path = path;
	if (path == NULL || path[0] == '\0')
		return 0;
	if (strcmp(path, "-") == 0) {
		app->evlog = stdout;
		return 0;
	} /* A replay's --events is a fresh result file; the config's log (perhaps the appliance's
	   * own, when a replay borrows its config) and a live run's are appended to. */
	if (access(path, F_OK) != 0 && n_created < RTE_DIM(created))
		created[n_created++] = path;
	app->evlog = fopen(path, (app->replay && c->events != NULL) ? "w" : "a");
	if (app->evlog == NULL) {
		snprintf(err, errlen, "%s: event log %s: %s",
		         c->events ? "--events" : app->cfg->path, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The files EAL 22.11 makes in a runtime directory: the shared config (whose lock made this
 * process the prefix's only primary), memory maps, the multi-process and telemetry sockets. */
static int
eal_runtime_file(const char *n)
{
	return strcmp(n, "config") == 0 || strncmp(n, "fbarray_", 8) == 0 ||
	       strncmp(n, "mp_socket", 9) == 0 || strncmp(n, "dpdk_telemetry", 14) == 0 ||
	       strcmp(n, "telemetry") == 0 || strcmp(n, "hugepage_info") == 0;
}

/* An EAL runtime directory (/var/run/dpdk/<prefix>: dnsf<pid> for a replay) is of no use once
 * the primary ends, and on /run it is memory (6-12 MiB of maps): EAL's files go, then the
 * directory if that emptied it. Anything else in it is left alone. */
static void
remove_runtime_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (!eal_runtime_file(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* A replay whose results were not all written must not look like a good one: every event line
 * lost to a write error (disk full, a closed pipe) and every capture file (regular files only)
 * whose size is not what net_pcap was handed (a 24-byte header, then a 16-byte header and the
 * bytes of each frame: the PMD cannot report its own write errors) is one line, exit status 1.
 */
static int
check_outputs(const struct dnsf_app *app, const struct cli *c, const struct rte_eth_stats *st)
{
	const char *paths[2] = {c->passed, c->dropped};
	int rc = 0;
	uint16_t i;

	if (ferror(stdout) || fflush(stdout) != 0) {
		fprintf(stderr, "dnsfence: standard output: write error: what was written there "
		                "(the summary line, --events -) is incomplete\n");
		rc = EXIT_OUTPUT;
	}
	if (app->event_log_errors > 0) {
		fprintf(stderr,
		        "dnsfence: %s: %" PRIu64 " writes to the event log failed: it is "
		        "incomplete\n",
		        app->event_log_path, app->event_log_errors);
		rc = EXIT_OUTPUT;
	}
	for (i = 0; i < app->n_ports && i < RTE_DIM(paths); i++) {
		const uint64_t want = 24 + 16 * st[i].opackets + st[i].obytes;
		struct stat sb;

		if (paths[i] == NULL || stat(paths[i], &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    (uint64_t)sb.st_size == want)
			continue;
		fprintf(stderr,
		        "dnsfence: %s: %s holds %" PRIu64 " bytes, %" PRIu64
		        " were sent to it (disk full?): the capture is incomplete\n",
		        i == 0 ? "--passed" : "--dropped", paths[i], (uint64_t)sb.st_size, want);
		rc = EXIT_OUTPUT;
	}
	return rc;
}

static int
run(struct cli *c)
{
	struct dnsf_app *app = &g_app;
	struct dnsf_eal_opts eo;
	struct dnsf_eal_argv ea;
	char *eal_argv[DNSF_EAL_MAX_ARGS + 1];
	char err[4096];
	struct dnsf_worker probe;
	char rundir[PATH_MAX];
	struct rte_eth_stats out_st[2];
	uint16_t i;
	int rc, clean_rundir, out_rc = 0;

	/* 1. Everything that can be wrong with the config, before EAL. */
	if (dnsf_config_load(c->config, &g_cfg, err, sizeof(err)) != 0)
		return fail(err);
	app->cfg = &g_cfg;
	app->replay = c->replay != NULL;
	app->linger_s = c->linger;
	app->monitor = g_cfg.mode == DNSF_MODE_MONITOR;
	/* --check of a file without ports or pairs (the shipped default, made for replays) passes
	 * with a note; once it names ports or pairs, it is checked for a live run. */
	if (!app->replay && (!c->check || g_cfg.n_ports > 0 || g_cfg.n_pairs > 0) &&
	    dnsf_config_validate_live(&g_cfg, err, sizeof(err)) != 0)
		return fail(err);
	if (dnsf_engine_create(&g_cfg, &app->eng, err, sizeof(err)) != 0)
		return fail(err);
	if (dnsf_engine_warning(app->eng)[0] != '\0')
		fprintf(stderr, "dnsfence: warning: %s\n", dnsf_engine_warning(app->eng));
	/* Table sizes too big for this machine show up here rather than after EAL. */
	if (dnsf_worker_init(&probe, app->eng, 0, err, sizeof(err)) != 0)
		return fail(err);
	dnsf_worker_fini(&probe);
	if (app->replay) {
		if (check_capture(c->replay, err, sizeof(err)) != 0)
			return fail(err);
	}
	if (c->check) {
		/* At run time dnsfence says it too, but the check is where an operator fixes it. */
		if (!app->replay && g_cfg.forensics.pdump) {
			char *cargs[DNSF_MAX_EAL_ARGS];
			const char *why = NULL;
			int k;

			for (k = 0; k < g_cfg.n_eal_args; k++)
				cargs[k] = g_cfg.eal_args[k];
			if (dnsf_eal_args_has(cargs, k, "--no-huge") ||
			    dnsf_eal_args_has(c->extra, c->n_extra, "--no-huge"))
				why = "--no-huge (its memory is private to the process)";
			if (why == NULL)
				why = dnsf_eal_args_no_secondary(cargs, k);
			if (why == NULL)
				why = dnsf_eal_args_no_secondary(c->extra, c->n_extra);
			if (why != NULL)
				fprintf(
				    stderr,
				    "dnsfence: warning: forensics.pdump is on, but the EAL "
				    "arguments have %s: dpdk-dumpcap will not be able to attach\n",
				    why);
		}
		if (!app->replay && g_cfg.n_ports == 0)
			printf("dnsfence: %s: configuration is valid for replay; a live run also "
			       "needs ports and pairs\n",
			       c->config);
		else
			printf("dnsfence: %s: configuration is valid\n", c->config);
		return 0;
	}
	if (app->replay) {
		if (check_distinct(c, err, sizeof(err)) != 0)
			return fail(err);
		if (check_writable("--passed", c->passed, err, sizeof(err)) != 0 ||
		    (c->dropped != NULL &&
		     check_writable("--dropped", c->dropped, err, sizeof(err)) != 0)) {
			remove_created();
			return fail(err);
		}
	}
	if (plan_ports(app, c, err, sizeof(err)) != 0 ||
	    open_event_log(app, c, err, sizeof(err)) != 0) {
		remove_created();
		return fail(err);
	}
	memset(&eo, 0, sizeof(eo));
	eo.replay = app->replay;
	eo.in_pcap = c->replay;
	eo.passed_pcap = c->passed;
	eo.dropped_pcap = c->dropped;
	eo.file_prefix = c->file_prefix;
	eo.n_extra = c->n_extra;
	eo.extra = c->extra;
	eo.pid = (long)getpid();
	if (dnsf_eal_args_build(&g_cfg, &eo, &ea, err, sizeof(err)) != 0) {
		remove_created();
		return fail(err);
	}
	/* The runtime directory is cleaned up at the end, whatever the prefix and the mode, when
	 * EAL's config lock made this process the prefix's only primary (not so with --in-memory
	 * or --no-shconf: the files there may then be another process's). Stopped, an appliance
	 * has no use for it either: its next start makes it anew. */
	{
		char *cargs[DNSF_MAX_EAL_ARGS];
		int k;

		for (k = 0; k < g_cfg.n_eal_args; k++)
			cargs[k] = g_cfg.eal_args[k];
		clean_rundir = !dnsf_eal_args_has(cargs, k, "--in-memory") &&
		               !dnsf_eal_args_has(c->extra, c->n_extra, "--in-memory") &&
		               !dnsf_eal_args_has(cargs, k, "--no-shconf") &&
		               !dnsf_eal_args_has(c->extra, c->n_extra, "--no-shconf");
	}
	/* 2. EAL. */
	app->stats_interval_s = c->stats_interval;
	app->verbose_stats = (uint8_t)c->stats_interval_given;
	pthread_mutex_init(&app->tel_lock, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hup);
	/* A closed pipe (--events - | head) is a write error, counted, not a silent death that
	 * leaves the EAL runtime directory behind. */
	signal(SIGPIPE, SIG_IGN);
	rte_openlog_stream(stderr); /* stdout carries our JSON lines only */
	memcpy(eal_argv, ea.argv, sizeof(eal_argv));
	if (rte_eal_init(ea.argc, eal_argv) < 0) {
		size_t off = 0;
		int k;

		err[0] = '\0';
		for (k = 1; k < ea.argc && off < sizeof(err); k++)
			off += (size_t)snprintf(err + off, sizeof(err) - off, " %s", ea.argv[k]);
		fprintf(stderr, "dnsfence: EAL initialisation failed: %s (EAL arguments:%s)%s\n",
		        rte_strerror(rte_errno), err,
		        app->replay ? ""
		                    : "; without hugepages (a lab), add: -- --no-huge -m 1024 "
		                      "(docs/deployment.md)");
		remove_created();
		return EXIT_CONFIG;
	}
	app->tsc_hz = rte_get_tsc_hz();
	app->tsc0 = rte_rdtsc();
	app->wall0_us = app->start_us = dnsf_wall_us();
	app->ts_off = -1;
	if (app->replay && rte_mbuf_dyn_rx_timestamp_register(&app->ts_off, &app->ts_flag) != 0)
		app->ts_off = -1; /* then TSC time, still counted */

	/* 3. Lcores and workers, then ports (an error here still touches no port). */
	rc = setup_lcores(app, err, sizeof(err));
	if (rc == 0)
		rc = dnsf_ports_resolve(app, err, sizeof(err));
	if (rc == 0)
		rc = dnsf_ports_setup(app, err, sizeof(err));
	if (rc == 0)
		rc = setup_tx_buffers(app, err, sizeof(err));
	if (rc == 0)
		rc = dnsf_reload_init(app, err, sizeof(err));
	if (rc == 0)
		rc = dnsf_forensics_init(app, err, sizeof(err));
	if (rc == 0 && g_cfg.telemetry)
		rc = dnsf_telemetry_register(app, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "dnsfence: %s\n", err);
		dnsf_ports_shutdown(app);
		dnsf_reload_fini(app);
		dnsf_forensics_fini(app);
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		if (clean_rundir)
			remove_runtime_dir(rundir);
		if (app->evlog != NULL && app->evlog != stdout)
			fclose(app->evlog);
		remove_created();
		return EXIT_CONFIG;
	}
	dnsf_ports_assign(app);
	/* After the ports exist, so a dpdk-dumpcap that attaches finds them all. */
	dnsf_pdump_init(app, ea.argv + 1, ea.argc - 1);
	/* Metrics serve a running appliance; a replay prints its summary instead. A port that is
	 * taken is not worth failing the filter for: said once, and the run goes on. */
	app->metrics.lfd = app->metrics.cfd = -1;
	if ((!app->replay || app->linger_s > 0) && dnsf_metrics_open(app, err, sizeof(err)) != 0)
		fprintf(stderr, "dnsfence: warning: no metrics endpoint: %s\n", err);
	if (dnsf_syslog_open(app, err, sizeof(err)) != 0)
		fprintf(stderr, "dnsfence: warning: %s; events go to syslog once it answers\n",
		        err);
	pthread_mutex_lock(&app->tel_lock);
	app->tel_ready = 1;
	pthread_mutex_unlock(&app->tel_lock);

#ifdef DNSF_TEST_HOOKS
	if (dnsf_testhook_read(app, err, sizeof(err)) != 0)
		fprintf(stderr, "dnsfence: warning: %s; no stall injected\n", err);
#endif
	dnsf_sdnotify_open(app);

	/* 4. Run. */
	for (i = 0; i < app->n_workers; i++)
		rte_eal_remote_launch(dnsf_worker_main, app->lc[i], app->lc[i]->lcore_id);
	if (!app->replay)
		dnsf_sdnotify_send(app, "READY=1"); /* Type=notify: ports up, workers polling */
	dnsf_control_run(app);
	dnsf_sdnotify_close(app);
	dnsf_metrics_close(app);
	dnsf_reload_fini(app);    /* workers have stopped */
	dnsf_forensics_fini(app); /* before the ports and pools go */
	dnsf_pdump_fini(app);
	dnsf_syslog_close(app);

	/* 5. Stop: workers have flushed; let the ports finish, keep what telemetry may ask. */
	dnsf_ports_tx_settle(app);
	if (app->replay) {
		struct rte_eth_stats st;

		if (rte_eth_stats_get(app->ports[0].port_id, &st) == 0)
			app->replay_rx_nombuf = st.rx_nombuf;
		for (i = 0; i < app->n_ports && i < RTE_DIM(out_st); i++)
			if (rte_eth_stats_get(app->ports[i].port_id, &out_st[i]) != 0)
				memset(&out_st[i], 0, sizeof(out_st[i]));
	}
	dnsf_ports_shutdown(app);
	/* Closed ports hold no descriptors: whatever is still out of a pool was lost on the way
	 * (the floods test asserts 0 after malformed storms and full rings). */
	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		if (app->pools[i] != NULL)
			app->mbufs_in_use += rte_mempool_in_use_count(app->pools[i]);
	if (app->evlog != NULL && fflush(app->evlog) != 0)
		app->event_log_errors++;
	if (app->replay)
		dnsf_control_print_summary(app, stdout);
	else
		dnsf_control_print_final(app, stdout);
	if (app->evlog != NULL && app->evlog != stdout && fclose(app->evlog) != 0)
		app->event_log_errors++;
	app->evlog = NULL;
	if (app->replay)
		out_rc = check_outputs(app, c, out_st);

	pthread_mutex_lock(&app->tel_lock);
	app->tel_ready = 0;
	pthread_mutex_unlock(&app->tel_lock);
	for (i = 0; i < app->n_workers; i++)
		dnsf_worker_fini(&app->lc[i]->w);
	dnsf_engine_free(app->eng);
	app->eng = NULL;
	dnsf_eal_args_free(&ea);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (clean_rundir)
		remove_runtime_dir(rundir);
	return out_rc;
}

int
main(int argc, char **argv)
{
	struct cli c;

	if (parse_cli(argc, argv, &c) != 0)
		return EXIT_CONFIG;
	return run(&c);
}
