/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_config — the YAML configuration, loaded once at startup with libcyaml and validated whole.
 *
 * Contract: dnsf_config_load() either returns 0 with *cfg fully populated (every key has its
 * documented default, every number range-checked, every cross-reference resolved, every named
 * file readable), or returns -1 with a single line in `err` naming the file, the key and, where
 * libcyaml reports it, the line — nothing else is touched. Relative file paths in the config
 * are resolved against the directory of the config file. The struct is plain data (no heap);
 * workers read it only through the engine, which is built from it once and swapped whole.
 * docs/configuration.md documents every key; keep the two in step.
 * Writer: dnsf_config_load(), once, on the control side before anything starts. Readers: the app
 * (EAL, ports, lcores), dnsf_engine_create() and telemetry; nobody writes it afterwards.
 *
 * dnsf_config_load() accepts a file without ports or pairs (replay mode builds its own ports);
 * a live run must also pass dnsf_config_validate_live(). Every error line has the form
 * "<file>: <key path>: <what is wrong> (line L, column C)"; key paths look like
 * "detection.rules.threshold" or "ports[1].name" (indexes count from 0).
 */
#ifndef DNSF_CONFIG_H
#define DNSF_CONFIG_H

#include <stdint.h>
#include <stddef.h>

#include "dnsf_pkt.h"

#define DNSF_MAX_PORTS    8
#define DNSF_MAX_PAIRS    4
#define DNSF_MAX_WORKERS  16
#define DNSF_MAX_EAL_ARGS 32
#define DNSF_NAME_MAX     32
#define DNSF_DEVICE_MAX   512
#define DNSF_PATH_MAX     1024
#define DNSF_LISTEN_MAX   64 /* "[v6 address]:port" */
#define DNSF_ERR_MAX      512
/* Highest lcore id a config may name: Debian's DPDK 22.11 is built with RTE_MAX_LCORE 128. */
#define DNSF_MAX_LCORE_ID 127
/* Largest config file read (bounds the memory a hostile file can make us use). */
#define DNSF_CONFIG_MAX_BYTES (1024 * 1024)

enum dnsf_mode { DNSF_MODE_INLINE = 0, DNSF_MODE_MONITOR };

/* What to do with a packet. PASS/DROP are also used for malformed/fragment policy. */
enum dnsf_action {
	DNSF_ACT_PASS = 0,
	DNSF_ACT_DROP,
	DNSF_ACT_REFUSE, /* answer the client with REFUSED/NXDOMAIN built from its query */
	DNSF_ACT_LOG,    /* pass, but record the detection */
	DNSF_ACT__COUNT
};
const char *dnsf_action_name(enum dnsf_action a);

/* How the rule score and the model score combine into a tunnel verdict. */
enum dnsf_combine {
	DNSF_COMBINE_EITHER = 0, /* tunnel if either says so */
	DNSF_COMBINE_BOTH,       /* tunnel only if both say so */
	DNSF_COMBINE_RULES,      /* rules only (model, if any, is scored and logged) */
	DNSF_COMBINE_MODEL,      /* model only */
};

/* Which messages the model scores (model.score). */
enum dnsf_model_scope {
	DNSF_MSCOPE_ALL = 0,    /* every message the detector scores */
	DNSF_MSCOPE_SUSPICIOUS, /* rule score >= suspicious_points (needs combine: rules) */
	DNSF_MSCOPE_NEEDED,     /* the model may judge it (min_subdomain) or rule score >= susp. */
};

struct dnsf_port_cfg {
	char name[DNSF_NAME_MAX];
	char device[DNSF_DEVICE_MAX]; /* PCI address or vdev, e.g. "net_af_packet0,iface=v0" */
};

struct dnsf_pair_cfg {
	uint8_t inside;  /* index into ports[]: the client side */
	uint8_t outside; /* index into ports[]: the resolver side */
};

/* Thresholds of the transparent rule scorer (see docs/detection.md). */
struct dnsf_rules_cfg {
	uint32_t threshold;         /* score at which a flow is a tunnel (default 100) */
	uint32_t subdomain_len;     /* subdomain chars that count as long (default 24) */
	uint32_t label_len;         /* label chars that count as long (default 40) */
	uint32_t entropy_milli;     /* subdomain bits/char x1000 that count (default 3500) */
	uint32_t flow_distinct;     /* distinct subdomains per flow that count (default 24) */
	uint32_t flow_info_bytes;   /* distinct-subdomain bytes per flow (default 1024) */
	uint32_t domain_distinct;   /* distinct subdomains per registered domain (default 200) */
	uint32_t domain_info_bytes; /* distinct-subdomain bytes per reg. domain (default 8192) */
	/* Weights of the rule scorer (docs/detection.md explains them). */
	uint32_t suspicious_points;  /* query points of a suspicious subdomain (default 20) */
	uint32_t domain_susp_points; /* ... counted across clients of a domain (default 50) */
	uint32_t bigram_milli;       /* mean transition cost that counts as rare (default 6000) */
};

/* Water torture (pseudo-random-subdomain floods), docs/detection.md. */
struct dnsf_wt_cfg {
	uint8_t action;           /* enum dnsf_action: drop (default), refuse, log; PASS = off */
	uint32_t domain_distinct; /* distinct subdomains of a domain in its window (default 100) */
	uint32_t negative_pm;     /* NXDOMAIN/SERVFAIL answers per mille (default 500) */
};

/* Beacons (periodic check-ins with data bursts under the check-in name), docs/detection.md. */
struct dnsf_beacon_cfg {
	uint8_t enabled;       /* default 1 */
	uint32_t regular_gaps; /* run of regular check-in gaps that makes a flow periodic (4) */
	uint32_t name_points;  /* points per data name in the current burst (default 25) */
};

struct dnsf_detect_cfg {
	uint8_t enabled;                 /* default 1 */
	uint8_t action;                  /* enum dnsf_action: drop (default), refuse, log */
	uint8_t refuse_rcode;            /* DNSF_RCODE_REFUSED (default) or DNSF_RCODE_NXDOMAIN */
	char psl[DNSF_PATH_MAX];         /* public suffix list (default Debian's publicsuffix) */
	uint32_t flow_entries;           /* per worker, power of two (default 262144) */
	uint32_t domain_entries;         /* per worker, power of two (default 65536) */
	uint32_t top_labels;             /* top-list labels per worker, power of two (4096) */
	uint32_t hold_seconds;           /* verdict cache hold time (default 300) */
	uint32_t event_interval_seconds; /* min seconds between events of one flow (default 10) */
	uint32_t flow_window_seconds;    /* flow evidence window (default 300) */
	uint32_t domain_window_seconds;  /* domain evidence window (default 900) */
	struct dnsf_rules_cfg rules;
	struct dnsf_wt_cfg water_torture;
	struct dnsf_beacon_cfg beacon;
};

struct dnsf_model_cfg {
	char path[DNSF_PATH_MAX]; /* "" = no model */
	int32_t threshold; /* model score (0..1000) at which a query is a tunnel (default 500) */
	uint8_t combine;   /* enum dnsf_combine (default either) */
	uint8_t score;     /* enum dnsf_model_scope (default all) */
	uint8_t required;  /* 1: a model that fails to load stops startup (default 1) */
	/* A model score decides a query only if its subdomain has at least this many characters
	 * (0..253, default 0: every query); answers are judged whatever their name. */
	uint32_t min_subdomain;
};

/* Hardening (docs/hardening.md): what to do with a query of a given QTYPE. */
enum dnsf_type_action {
	DNSF_TYPE_PASS = 0, /* nothing */
	DNSF_TYPE_COUNT,    /* pass, count in rare_type_counted */
	DNSF_TYPE_REFUSE,   /* answer REFUSED (drop where no answer can be built) */
	DNSF_TYPE_DROP,
	DNSF_TYPE__COUNT
};
/* What to do with a UDP answer larger than hardening.edns_max. */
enum dnsf_oversize { DNSF_OVERSIZE_TRUNCATE = 0, DNSF_OVERSIZE_DROP };

#define DNSF_MAX_TYPE_RULES 64
#define DNSF_HARDEN_KEY_LEN 16 /* hardening.case_key: 128 bits, 32 hex digits */

/* One entry of hardening.types: QTYPEs lo..hi (a single type: lo == hi) get `action`. */
struct dnsf_type_rule {
	uint16_t lo, hi;
	uint8_t action; /* enum dnsf_type_action */
};

struct dnsf_harden_cfg {
	uint8_t case_randomization; /* 0x20 on queries, restored on answers (default 0) */
	uint8_t case_key_set;       /* 1: case_key came from the config; 0: random at start */
	uint8_t case_key[DNSF_HARDEN_KEY_LEN];
	char case_exceptions[DNSF_PATH_MAX]; /* suffix list never randomized; "" = none */
	uint8_t edns_clamp;                  /* clamp the OPT UDP size of queries (default 0) */
	uint8_t edns_oversize;               /* enum dnsf_oversize (default truncate) */
	uint16_t edns_max;                   /* ceiling, 512..4096 (default 1232) */
	uint8_t rare_types;                  /* apply `types` (default 1) */
	uint8_t n_types;                     /* default 2: NULL and 65280-65534 refused */
	struct dnsf_type_rule types[DNSF_MAX_TYPE_RULES];
};

struct dnsf_config {
	char path[DNSF_PATH_MAX]; /* the file this was loaded from */

	char eal_args[DNSF_MAX_EAL_ARGS][DNSF_DEVICE_MAX]; /* extra EAL arguments, verbatim */
	uint8_t n_eal_args;

	struct dnsf_port_cfg ports[DNSF_MAX_PORTS];
	uint8_t n_ports;
	struct dnsf_pair_cfg pairs[DNSF_MAX_PAIRS];
	uint8_t n_pairs;

	uint8_t mode; /* enum dnsf_mode, default inline */

	uint16_t worker_lcores[DNSF_MAX_WORKERS]; /* default: [1] */
	uint8_t n_workers;
	uint16_t control_lcore; /* main lcore: control, telemetry, event log (default 0) */
	uint16_t rx_queues;     /* per port; 0 = one per worker (default 0) */
	uint16_t burst;         /* default 32, 1..512 */
	uint32_t tx_drain_us;   /* flush partial TX bursts after this long (default 100) */

	uint32_t mbufs;            /* mempool size (default 8191) */
	uint32_t mbuf_cache;       /* per-lcore mempool cache (default 256) */
	uint16_t rx_desc, tx_desc; /* default 1024 each */
	uint32_t event_ring; /* worker->control event ring size, power of two (default 4096) */

	struct dnsf_pkt_cfg pkt;  /* dns.ports (default [53]), dns.tcp (default true) */
	uint8_t malformed_action; /* DNSF_ACT_PASS or DNSF_ACT_DROP (default drop) */
	uint8_t fragment_action;  /* non-first fragments on DNS flows: pass (default) or drop */

	char allowlist[DNSF_PATH_MAX]; /* "" = none */
	char denylist[DNSF_PATH_MAX];  /* "" = none */
	char event_log[DNSF_PATH_MAX]; /* "" = off, "-" = stdout */
	/* events.syslog: "" = off (default), else the absolute path of a local syslog datagram
	 * socket ("/dev/log"); events are sent there too, one JSON object per message. */
	char event_syslog[DNSF_PATH_MAX];
	/* forensics.*: dropped packets to a rotating pcap, written by the control core (live). */
	struct {
		char pcap[DNSF_PATH_MAX]; /* "" = off (default) */
		uint32_t rate;        /* packets per second per worker, 1..1000000 (default 100) */
		uint32_t max_size_kb; /* rotate past this size, 1..4194304 (default 102400) */
		uint32_t files;       /* files kept: pcap, pcap.1 .. pcap.(files-1); 1..100 (5) */
		/* forensics.pdump: call rte_pdump_init() so dpdk-dumpcap can attach to live ports;
		 * default 0 (opt in: a secondary process then maps all packet memory). */
		uint8_t pdump;
	} forensics;
	uint8_t telemetry; /* default 1 */
	/* metrics.listen: Prometheus endpoint "ADDR:PORT" ("[V6]:PORT" for IPv6), checked by
	 * dnsf_listen_parse(); "" = off. Default "127.0.0.1:9117" (loopback). */
	char metrics_listen[DNSF_LISTEN_MAX];

	struct dnsf_detect_cfg detect;
	struct dnsf_model_cfg model;
	struct dnsf_harden_cfg harden; /* hardening.* */
};

/* Fill every field with its documented default (no ports, no pairs). */
void dnsf_config_defaults(struct dnsf_config *cfg);

/* Load and validate `path`. Returns 0, or -1 with a one-line message in err. */
int dnsf_config_load(const char *path, struct dnsf_config *cfg, char *err, size_t errlen);

/* The checks only a live run needs: at least one port and one pair. Returns 0, or -1 with a
 * one-line message in err. */
int dnsf_config_validate_live(const struct dnsf_config *cfg, char *err, size_t errlen);

/* Index of a port by name, or -1. */
int dnsf_config_port_index(const struct dnsf_config *cfg, const char *name);

/* RX queues per port: rx_queues, or one per worker when rx_queues is 0. */
unsigned dnsf_config_rx_queues(const struct dnsf_config *cfg);

/* Mbufs a run with `n_ports` ports needs at least: every RX and TX descriptor of every queue
 * full (n_ports x (rx_queues x rx_desc + workers x tx_desc), one TX queue per worker), plus a
 * burst and a mempool cache per worker. dnsf_config_load() checks mempool.mbufs against this
 * with the configured ports (two when there are none, as in a replay); a replay that creates
 * more ports checks again with its own count. */
uint64_t dnsf_config_mbufs_needed(const struct dnsf_config *cfg, unsigned n_ports);

/* Parse a listen address "A.B.C.D:PORT" or "[V6]:PORT" (numeric only, port 1..65535).
 * Returns 0 with *family (AF_INET/AF_INET6), addr (4 or 16 bytes, network order) and *port set,
 * or -1 with a one-line reason in err. */
int dnsf_listen_parse(const char *s, int *family, uint8_t addr[16], uint16_t *port, char *err,
                      size_t errlen);

/* Every key the loader accepts, read from the libcyaml schema it loads with (read-only; for
 * the docs test, tests/check_doc_config.py): fn(path, ctx) once per key, in schema order, a
 * mapping before its keys. Paths are dotted ("detection.rules.threshold"); the keys of the
 * entries of a list of mappings read "ports[].name". A key whose value the loader parses itself
 * ("hardening.types") is reported, its contents are not. Stops at the first non-zero return of
 * fn and returns it; 0 when every key was reported; -1 if a path would not fit. */
typedef int (*dnsf_config_key_fn)(const char *path, void *ctx);
int dnsf_config_keys(dnsf_config_key_fn fn, void *ctx);

/* Names as written in the YAML (for logs and /dnsfence/config). */
const char *dnsf_mode_name(enum dnsf_mode m);
const char *dnsf_combine_name(enum dnsf_combine c);

#endif
