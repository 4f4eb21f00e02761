/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_app — state of the dnsfence process (the thin DPDK shell around lib/dnsf_engine).
 *
 * Threads and ownership (docs/architecture.md has the picture):
 *  - main thread, before launch: builds everything below; nothing is written by it afterwards
 *    except the fields marked "control".
 *  - worker lcores: each owns one struct dnsf_lcore and is the only writer of it after launch
 *    (counters with relaxed atomic stores, the heartbeat, its TX buffers, its event ring producer).
 *  - control (the main lcore after launch): drains event rings, writes the event log, runs the
 *    watchdog, keeps the recent-events ring for telemetry, stops everything at the end.
 *  - telemetry thread (DPDK's): reads worker counters with relaxed loads, and control state under
 *    app.tel_lock (never a lock a worker takes).
 * There is one process-wide struct dnsf_app (g_app): DPDK 22.11 telemetry callbacks take no
 * user argument.
 */
#ifndef DNSF_APP_H
#define DNSF_APP_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_common.h>
#include <rte_config.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dnsf_config.h"
#include "dnsf_engine.h"
#include "dnsf_event.h"
#include "dnsf_lists.h"
#include "dnsf_stats.h"

/* Counters that belong to the shell rather than the engine: the verdicts it carried out and
 * the cases it handled itself. Same rules as DNSF_WORKER_COUNTERS (snake_case, owner writes). */
#define DNSF_APP_COUNTERS(X)                                                                       \
	X(verdict_pass,                                                                            \
	  "frames the engine passed (forwarded to the paired port; freed in monitor "              \
	  "mode)")                                                                                 \
	X(verdict_drop, "frames the engine dropped")                                               \
	X(verdict_refuse,                                                                          \
	  "queries answered with a synthesized REFUSED/NXDOMAIN, sent back out of "                \
	  "the port they came in on")                                                              \
	X(multiseg, "multi-segment frames copied into a linear buffer to be decided")              \
	X(oversize_passed, "frames longer than the linear buffer (16 KiB), passed undecided")      \
	X(bad_chain_dropped,                                                                       \
	  "chained frames whose segments hold less than their length (a device's broken mbuf, "    \
	  "e.g. net_pcap given a capture record over 64 KiB), dropped undecided")                  \
	X(refuse_failed, "refuse answers that could not be sent (no mbuf); the query was dropped") \
	X(capture_written, "replay: dropped and refused originals written to the --dropped file")  \
	X(capture_failed, "replay: originals not written to the --dropped file (no mbuf)")         \
	X(forensic_captured, "dropped frames handed to the control core for forensics.pcap")       \
	X(forensic_skipped,                                                                        \
	  "dropped frames not captured: over forensics.rate or the capture ring was full")         \
	X(control_stalls,                                                                          \
	  "times the control core's heartbeat stood still for over 1 s (worker 0 watches it)")

struct dnsf_app_stats {
#define DNSF_X_FIELD(name, help) uint64_t name;
	DNSF_APP_COUNTERS(DNSF_X_FIELD)
#undef DNSF_X_FIELD
};

static inline void
dnsf_app_stats_snapshot(const struct dnsf_app_stats *src, struct dnsf_app_stats *dst)
{
#define DNSF_X_LOAD(name, help) dst->name = __atomic_load_n(&src->name, __ATOMIC_RELAXED);
	DNSF_APP_COUNTERS(DNSF_X_LOAD)
#undef DNSF_X_LOAD
}

static inline void
dnsf_app_stats_accumulate(struct dnsf_app_stats *sum, const struct dnsf_app_stats *add)
{
#define DNSF_X_SUM(name, help) sum->name += add->name;
	DNSF_APP_COUNTERS(DNSF_X_SUM)
#undef DNSF_X_SUM
}

#define DNSF_APP_MAX_PORTS  (DNSF_MAX_PORTS + 1) /* + the replay --dropped sink */
#define DNSF_APP_MAX_RXQ    128                  /* (port, queue) pairs one worker polls */
#define DNSF_APP_MAX_BURST  512
#define DNSF_APP_LINEAR_MAX (16 * 1024) /* multi-segment frames up to this are decided */
#define DNSF_APP_RECENT     256         /* events kept for /dnsfence/events */
#define DNSF_APP_PORT_NONE  UINT16_MAX

/* One port as the app uses it. Written by the main thread before launch, then read-only. */
struct dnsf_app_port {
	char name[DNSF_NAME_MAX];     /* config name ("replay"/"dropped" in replay mode) */
	char device[DNSF_DEVICE_MAX]; /* DPDK device string */
	uint16_t port_id;             /* DPDK port id */
	uint16_t peer;                /* app port index passed packets go to; NONE: not polled */
	uint16_t nb_rxq, nb_txq;
	int socket;
	uint8_t sink;    /* replay --dropped capture: TX only, never polled */
	uint8_t rss;     /* RSS configured over nb_rxq > 1 queues */
	uint8_t started; /* dev_start succeeded (so stop/close is needed) */
};

struct dnsf_rxq {
	uint16_t port_id; /* DPDK port id */
	uint16_t queue;
	uint16_t app_port; /* index into app.ports */
};

struct dnsf_lcore;

/* TX error callback context: who to count an unsent packet against. */
struct dnsf_txctx {
	struct dnsf_lcore *lc;
	uint8_t sink;
};

/* Per-worker state. Written only by its worker lcore once launched (setup fields before). */
struct dnsf_lcore {
	struct dnsf_worker w;      /* engine worker; w.stats written here, read by anyone */
	struct dnsf_app_stats app; /* shell counters, same discipline */
	uint64_t heartbeat;        /* bumped every loop; read by the control watchdog */
	uint8_t done;              /* worker left its loop (replay end or quit); set last */
	uint8_t ctl_stalled;       /* worker 0: control heartbeat seen standing still */
	uint64_t ctl_hb_seen;      /* worker 0: control heartbeat at its last change ... */
	uint64_t ctl_hb_tsc;       /* ... and when that change was seen */
	uint16_t lcore_id;         /* setup */
	uint16_t idx;              /* worker index = its TX queue on every port (setup) */
	uint16_t n_rxq;            /* setup */
	struct dnsf_rxq rxq[DNSF_APP_MAX_RXQ];                 /* setup */
	struct rte_eth_dev_tx_buffer *txb[DNSF_APP_MAX_PORTS]; /* per destination app port */
	struct dnsf_txctx txctx[DNSF_APP_MAX_PORTS];
	struct rte_ring *ev_ring;  /* SP/SC, elements are struct dnsf_event; worker -> control */
	struct rte_ring *cap_ring; /* SP/SC mbufs, worker -> control (forensics.pcap); NULL = off */
	uint64_t cap_tat_tsc;      /* worker: forensics rate limit, theoretical arrival (GCRA) */
	struct rte_mempool *pool;  /* for copies (refuse answers of multi-seg frames, capture) */
	struct dnsf_event ev;      /* scratch the engine fills */
	uint8_t linear[DNSF_APP_LINEAR_MAX]; /* multi-segment frames, made linear */
	uint8_t orig[DNSF_APP_LINEAR_MAX];   /* replay: the frame before a refuse rewrote it */
} __rte_cache_aligned;

/* The lists in force and the last reload, for telemetry and metrics (control writes under
 * tel_lock; telemetry reads under tel_lock; the metrics are rendered by control itself). */
struct dnsf_lists_status {
	char allow_version[DNSF_LISTS_VERSION_MAX];
	char deny_version[DNSF_LISTS_VERSION_MAX];
	uint32_t allow_entries, deny_entries;
	uint64_t loaded_us;            /* wall time the lists in force were loaded */
	uint64_t reloads_ok;           /* SIGHUP reloads that installed new lists */
	uint64_t reloads_failed;       /* SIGHUP reloads refused (the old lists stayed) */
	uint64_t last_reload_us;       /* 0 = none yet */
	uint8_t last_ok;               /* result of the last reload */
	uint8_t retire_pending;        /* old lists wait for the workers' quiescent state */
	char last_error[DNSF_ERR_MAX]; /* "" or why the last reload was refused */
};

/* Metrics HTTP server state (control only). One client at a time, never blocking. */
struct dnsf_metrics {
	int lfd; /* listening socket, -1 = off */
	int cfd; /* the client being served, -1 = none */
	uint64_t deadline_tsc;
	size_t req_len;
	char req[2048]; /* request head; a longer one is refused */
	char *out;      /* response being written */
	size_t out_len, out_off, out_cap;
	uint64_t scrapes;      /* GET /metrics answered */
	uint64_t bad_requests; /* anything else answered with 4xx, or timed out */
};

/* Events to syslog (dnsf_syslog.c), control only. */
#define DNSF_SYSLOG_MAX 8192 /* one datagram: header + one event line */
struct dnsf_syslog {
	int fd; /* connected datagram socket, -1 = none (off, or reconnect pending) */
	uint64_t last_try_tsc;
	uint64_t sent;    /* events the socket took */
	uint64_t dropped; /* events not sent: socket full, daemon gone, too long */
};

/* systemd's notification socket ($NOTIFY_SOCKET), control only. fd -1: not under systemd. */
struct dnsf_sdnotify {
	int fd;
	uint64_t interval_tsc; /* WATCHDOG=1 every half of $WATCHDOG_USEC; 0: no watchdog */
	uint64_t last_tsc;
	uint64_t pings; /* WATCHDOG=1 sent */
	uint64_t errors;
};

#ifdef DNSF_TEST_HOOKS
/* One test-only stall: at_tsc (0: none) the lcore sleeps for ms milliseconds, once. */
struct dnsf_test_stall {
	uint64_t at_tsc;
	uint32_t ms;
};
#endif

/* Watchdog view of one worker (control writes, telemetry reads under tel_lock). */
struct dnsf_watch {
	uint64_t last_hb;
	uint64_t last_change_tsc;
	uint8_t stalled;
};

struct dnsf_app {
	/* Setup (main thread before launch, then read-only). */
	const struct dnsf_config *cfg;
	struct dnsf_engine *eng;
	uint8_t replay;
	uint8_t monitor;
	unsigned linger_s;     /* replay: control stays up this long after the last frame */
	uint8_t verbose_stats; /* --stats-interval given: print a stats line each interval */
	unsigned stats_interval_s;
	struct dnsf_app_port ports[DNSF_APP_MAX_PORTS];
	uint16_t n_ports;
	uint16_t sink; /* app port index of the --dropped capture, or DNSF_APP_PORT_NONE */
	struct dnsf_lcore *lc[DNSF_MAX_WORKERS];
	uint16_t n_workers;
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	int ts_off;                      /* RX timestamp dynfield offset, -1 when none */
	uint64_t ts_flag;                /* RX timestamp dynflag */
	uint64_t tsc_hz, tsc0, wall0_us; /* live time: wall0_us + (tsc - tsc0) / hz */
	uint64_t start_us;               /* wall time at start, for uptime */
	const char *event_log_path;      /* NULL or "" = none, "-" = stdout */

	/* Every thread: set by the signal handler or control, read with relaxed loads. */
	volatile int quit;

	/* Control-owned. */
	FILE *evlog;
	uint64_t events_written;   /* lines written to the event log (or drained, without one) */
	uint64_t event_log_errors; /* lines that could not be formatted or written */
	pthread_mutex_t tel_lock;  /* guards recent[], watch[], ports while stopping */
	struct dnsf_event recent[DNSF_APP_RECENT];
	unsigned recent_head; /* next slot to write */
	unsigned recent_n;
	struct dnsf_watch watch[DNSF_MAX_WORKERS];
	uint16_t stalled_workers;
	uint64_t replay_rx_nombuf; /* replay port's rx_nombuf, read before it is closed */
	/* mbufs still taken from the pools once every port is closed: 0 unless one leaked. */
	uint64_t mbufs_in_use;
	uint8_t ports_closed; /* telemetry must not touch ports any more */
	uint8_t tel_ready;    /* telemetry commands may read app state */

	/* Live reload (dnsf_reload.c). qsbr: set up before launch; workers report a quiescent
	 * state once per loop iteration (thread id = their index). reload_requested: set by the
	 * SIGHUP handler, cleared by control. lists: what /dnsfence/lists and the metrics report,
	 * written by control under tel_lock (never a pointer into lists that may be freed). */
	struct rte_rcu_qsbr *qsbr;
	volatile int reload_requested;
	struct dnsf_lists_status lists;
	struct dnsf_lists *retire; /* control: replaced lists waiting for the workers' QSBR */
	uint64_t retire_token;     /* control: rte_rcu_qsbr_start() token for `retire` */

	/* Prometheus endpoint (dnsf_metrics.c): control-owned, polled by the control loop. */
	struct dnsf_metrics metrics;

	/* forensics.pcap (dnsf_forensics.c): control-owned writer; cap_interval_tsc is set before
	 * launch and read by workers. */
	FILE *cap_file;
	uint64_t cap_file_bytes;
	uint64_t cap_interval_tsc; /* TSC cycles per captured frame (1 / forensics.rate) */
	uint64_t cap_written;      /* frames written to the pcap files */
	uint64_t cap_write_errors; /* frames not written (I/O error, file not open) */

	/* events.syslog (dnsf_syslog.c): control-owned. */
	struct dnsf_syslog syslog;

	/* forensics.pdump (dnsf_pdump.c): DNSF_PDUMP_*, set by main before launch, read by
	 * telemetry. */
	uint8_t pdump;

	/* Control-core watch: control bumps ctl_heartbeat every tick; worker 0 reads it (once
	 * every 64 loops) and sets control_stalled while it stands still for over 1 s (read by
	 * telemetry, the metrics and control itself once it runs again). Relaxed atomics. */
	uint64_t ctl_heartbeat;
	uint8_t control_stalled;

	/* systemd notification (dnsf_sdnotify.c): control-owned. */
	struct dnsf_sdnotify sd;

#ifdef DNSF_TEST_HOOKS
	/* Test-only stalls (dnsf_testhook.c), set from DNSF_TEST_STALL before launch. */
	struct dnsf_test_stall test_stall[DNSF_MAX_WORKERS + 1]; /* [n_workers]: control */
#endif
};

extern struct dnsf_app g_app;

/* Wall-clock microseconds since the epoch (control side: logs, uptime, reload times). */
static inline uint64_t
dnsf_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Live time in microseconds since the epoch from the TSC. */
static inline uint64_t
dnsf_app_now_us(const struct dnsf_app *app, uint64_t tsc)
{
	uint64_t d = tsc - app->tsc0;

	return app->wall0_us + (d / app->tsc_hz) * 1000000u +
	       (d % app->tsc_hz) * 1000000u / app->tsc_hz;
}

/* dnsf_worker_loop.c */
int dnsf_worker_main(void *arg);
/* rte_eth_tx_buffer error callback (userdata: the struct dnsf_txctx of the destination). */
void dnsf_tx_error_cb(struct rte_mbuf **unsent, uint16_t count, void *userdata);
/* Decide and carry out one received burst (exported for bench/dnsf_bench_io.c). */
void process_burst(struct dnsf_lcore *lc, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
                   uint64_t now_burst_us);

/* dnsf_ports.c: EAL is up. Returns 0 or -1 with a one-line message. */
int dnsf_ports_resolve(struct dnsf_app *app, char *err, size_t errlen);
int dnsf_ports_setup(struct dnsf_app *app, char *err, size_t errlen);
void dnsf_ports_assign(struct dnsf_app *app);
void dnsf_ports_shutdown(struct dnsf_app *app);
int dnsf_ports_tx_settle(struct dnsf_app *app);

/* dnsf_control.c */
void dnsf_control_run(struct dnsf_app *app);
void dnsf_control_totals(const struct dnsf_app *app, struct dnsf_worker_stats *ws,
                         struct dnsf_app_stats *as);
void dnsf_control_print_final(const struct dnsf_app *app, FILE *out);
void dnsf_control_print_summary(const struct dnsf_app *app, FILE *out);

/* dnsf_metrics.c: Prometheus text format over HTTP/1.0, polled by the control loop. open: 0,
 * or -1 with a one-line reason (the caller logs it and runs without metrics). */
int dnsf_metrics_open(struct dnsf_app *app, char *err, size_t errlen);
void dnsf_metrics_poll(struct dnsf_app *app, uint64_t tsc);
void dnsf_metrics_close(struct dnsf_app *app);
/* The whole page into a malloc'ed buffer (control side). Returns 0 or -1 (out of memory). */
int dnsf_metrics_render(const struct dnsf_app *app, char **buf, size_t *len);

/* dnsf_reload.c: QSBR set-up before launch (0 or -1 with err), SIGHUP handling from the control
 * loop (lists and event log), and the end of the run (frees retired lists). */
int dnsf_reload_init(struct dnsf_app *app, char *err, size_t errlen);
void dnsf_reload_status_init(struct dnsf_app *app);
void dnsf_reload_poll(struct dnsf_app *app);
void dnsf_reload_fini(struct dnsf_app *app);

/* dnsf_forensics.c: init before launch (rings and the first file; 0 or -1 with err), poll from
 * the control loop, fini once the workers have stopped (drains, closes). */
int dnsf_forensics_init(struct dnsf_app *app, char *err, size_t errlen);
void dnsf_forensics_poll(struct dnsf_app *app);
void dnsf_forensics_fini(struct dnsf_app *app);

/* dnsf_pdump.c: forensics.pdump. init after the ports are set up, live runs only: starts the
 * rte_pdump server when secondary processes can attach (EAL on hugepages, shared files) and
 * says on stderr what it did (never fails the run); fini once the workers have stopped. */
enum { DNSF_PDUMP_OFF = 0, DNSF_PDUMP_ON, DNSF_PDUMP_UNAVAILABLE };
void dnsf_pdump_init(struct dnsf_app *app, char *const *eal_args, int n_eal_args);
void dnsf_pdump_fini(struct dnsf_app *app);
const char *dnsf_pdump_state_name(uint8_t state);

/* dnsf_syslog.c: open is 0, or -1 with a one-line reason (the caller warns; sends retry the
 * connection). send: one event, its JSON line already formatted; never blocks. */
int dnsf_syslog_open(struct dnsf_app *app, char *err, size_t errlen);
void dnsf_syslog_send(struct dnsf_app *app, const struct dnsf_event *ev, const char *json);
void dnsf_syslog_close(struct dnsf_app *app);

/* dnsf_sdnotify.c: systemd's notify protocol without libsystemd (one datagram per message on
 * $NOTIFY_SOCKET). open: reads the environment (nothing to do when not under systemd); ready
 * after launch; poll from the control loop sends WATCHDOG=1 every half $WATCHDOG_USEC while no
 * worker is stalled; close sends STOPPING=1. Never blocks. */
void dnsf_sdnotify_open(struct dnsf_app *app);
void dnsf_sdnotify_send(struct dnsf_app *app, const char *msg);
void dnsf_sdnotify_poll(struct dnsf_app *app, uint64_t tsc);
void dnsf_sdnotify_close(struct dnsf_app *app);
/* TSC ticks between WATCHDOG=1 pings for $WATCHDOG_USEC: half of it, never 0 (pure). */
uint64_t dnsf_sdnotify_interval(uint64_t usec, uint64_t tsc_hz);

#ifdef DNSF_TEST_HOOKS
/* dnsf_testhook.c (builds with -Dtest_hooks=true only): DNSF_TEST_STALL="worker0@500+1500,
 * control@2500+1500" makes worker 0 sleep 1500 ms once, 500 ms after launch, and the control
 * loop likewise. read: before launch; 0, or -1 with a one-line message. */
int dnsf_testhook_read(struct dnsf_app *app, char *err, size_t errlen);
/* Called by the lcore `who` (a worker index, or n_workers for control) once per loop. */
void dnsf_testhook_stall(struct dnsf_app *app, unsigned who, uint64_t tsc);
#endif

/* dnsf_telemetry.c */
int dnsf_telemetry_register(struct dnsf_app *app, char *err, size_t errlen);

#endif
