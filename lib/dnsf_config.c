/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsf_config — load and validate the YAML configuration (see dnsf_config.h for the contract,
 * docs/configuration.md for every key).
 *
 * One in-memory copy of the file goes through three passes:
 *  1. libyaml walks the events once: syntax errors get their exact position, aliases and extra
 *     documents are refused, and the line/column of every key and value is indexed by key path
 *     (libcyaml keeps no positions, yet our own range checks must name a line);
 *  2. libcyaml loads the document into a "raw" tree in which every scalar is a string, so the
 *     schema catches unknown keys and wrong shapes, but no number is parsed by libcyaml (1.3.1
 *     reads "53abc" as 53 and "010" as 8);
 *  3. every scalar is parsed strictly into a private struct dnsf_config that starts from the
 *     defaults, then cross references are checked; only a fully valid result is copied out.
 * The first error wins and becomes the single line returned to the caller.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include <arpa/inet.h>

#include "dnsf_config.h"
#include "dnsf_harden.h"

#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

#define KEYPATH_MAX    256
#define YAML_DEPTH_MAX 32
#define YAML_NODES_MAX 65536 /* a real config has ~100; bounds memory on hostile input */
#define CY_FRAMES_MAX  16

/* snprintf for strings we mean to bound: truncating a key path or a message is fine (and
 * keeps -Wformat-truncation quiet where the length was checked by hand). */
__attribute__((format(printf, 3, 4))) static void
strfmt(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------------------------------ */
/* Names */

const char *
dnsf_action_name(enum dnsf_action a)
{
	static const char *const names[] = {
	    [DNSF_ACT_PASS] = "pass",
	    [DNSF_ACT_DROP] = "drop",
	    [DNSF_ACT_REFUSE] = "refuse",
	    [DNSF_ACT_LOG] = "log",
	};
	return (unsigned)a < DNSF_ACT__COUNT ? names[a] : "unknown";
}

const char *
dnsf_mode_name(enum dnsf_mode m)
{
	switch (m) {
	case DNSF_MODE_INLINE:
		return "inline";
	case DNSF_MODE_MONITOR:
		return "monitor";
	}
	return "unknown";
}

const char *
dnsf_combine_name(enum dnsf_combine c)
{
	switch (c) {
	case DNSF_COMBINE_EITHER:
		return "either";
	case DNSF_COMBINE_BOTH:
		return "both";
	case DNSF_COMBINE_RULES:
		return "rules";
	case DNSF_COMBINE_MODEL:
		return "model";
	}
	return "unknown";
}

/* ------------------------------------------------------------------------------------------ */
/* Defaults */

void
dnsf_config_defaults(struct dnsf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = DNSF_MODE_INLINE;

	cfg->worker_lcores[0] = 1;
	cfg->n_workers = 1;
	cfg->control_lcore = 0;
	cfg->rx_queues = 0;
	cfg->burst = 32;
	cfg->tx_drain_us = 100;

	cfg->mbufs = 8191; /* 2^n - 1 is the mempool's most memory-efficient size */
	cfg->mbuf_cache = 256;
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->event_ring = 4096;

	/* Set here rather than through dnsf_pkt_cfg_default() so the config module stands alone. */
	cfg->pkt.dns_ports[0] = 53;
	cfg->pkt.n_dns_ports = 1;
	cfg->pkt.tcp = 1;
	cfg->malformed_action = DNSF_ACT_DROP;
	cfg->fragment_action = DNSF_ACT_PASS;

	cfg->telemetry = 1;
	snprintf(cfg->metrics_listen, sizeof(cfg->metrics_listen), "127.0.0.1:9117");
	cfg->forensics.rate = 100;
	cfg->forensics.max_size_kb = 102400;
	cfg->forensics.files = 5;

	cfg->detect.enabled = 1;
	cfg->detect.action = DNSF_ACT_DROP;
	cfg->detect.refuse_rcode = DNSF_RCODE_REFUSED;
	snprintf(cfg->detect.psl, sizeof(cfg->detect.psl), "%s", DEFAULT_PSL);
	cfg->detect.flow_entries = 262144;
	cfg->detect.domain_entries = 65536;
	cfg->detect.top_labels = 4096;
	cfg->detect.hold_seconds = 300;
	cfg->detect.event_interval_seconds = 10;
	cfg->detect.water_torture.action = DNSF_ACT_DROP;
	cfg->detect.water_torture.domain_distinct = 100;
	cfg->detect.water_torture.negative_pm = 500;
	cfg->detect.beacon.enabled = 1;
	cfg->detect.beacon.regular_gaps = 6;
	cfg->detect.beacon.name_points = 25;
	cfg->detect.rules = (struct dnsf_rules_cfg){
	    .threshold = 100,
	    .subdomain_len = 24,
	    .label_len = 40,
	    .entropy_milli = 3500,
	    .flow_distinct = 24,
	    .flow_info_bytes = 1024,
	    .domain_distinct = 200,
	    .domain_info_bytes = 8192,
	    .suspicious_points = 20,
	    .domain_susp_points = 50,
	    .bigram_milli = 6000,
	};
	cfg->detect.flow_window_seconds = 300;
	cfg->detect.domain_window_seconds = 900;

	cfg->model.threshold = 500;
	cfg->model.combine = DNSF_COMBINE_EITHER;
	cfg->model.required = 1;

	/* Hardening: only the QTYPE policy is on by default (docs/hardening.md says why). */
	cfg->harden.edns_max = 1232;
	cfg->harden.edns_oversize = DNSF_OVERSIZE_TRUNCATE;
	cfg->harden.rare_types = 1;
	cfg->harden.types[0] = (struct dnsf_type_rule){DNSF_T_NULL, DNSF_T_NULL, DNSF_TYPE_REFUSE};
	cfg->harden.types[1] = (struct dnsf_type_rule){65280, 65534, DNSF_TYPE_REFUSE};
	cfg->harden.n_types = 2;
}

/* ------------------------------------------------------------------------------------------ */
/* Load context and error lines */

enum pos_kind { POS_SCALAR = 0, POS_MAP, POS_SEQ };

struct pos {
	char *path;
	char *value;        /* scalar value nodes: the text (for free-form mappings such as
	                       hardening.types, which libcyaml cannot describe); else NULL */
	uint32_t line, col; /* 1-based */
	bool is_key;
	uint8_t kind; /* enum pos_kind, for value nodes */
};

enum cy_frame_kind { CY_FIELD, CY_ENTRY, CY_MAPPING };

struct cy_frame {
	uint8_t kind;
	char name[64];  /* CY_FIELD: the key */
	uint32_t entry; /* CY_ENTRY: 1-based, as libcyaml counts */
	uint32_t line, col;
};

struct ctx {
	const char *file; /* as given by the caller, for messages */
	char dir[DNSF_PATH_MAX];
	char *err;
	size_t errlen;
	bool failed;
	bool root_null; /* the document is a lone null ("---", "~"): as empty as no document */

	struct pos *pos; /* pass 1: positions by key path, in document order */
	size_t n_pos, cap_pos;

	char cy_msg[256]; /* pass 2: libcyaml's first error message and its backtrace */
	struct cy_frame cy_frames[CY_FRAMES_MAX]; /* innermost first */
	unsigned n_cy_frames;
};

static int
vfail_at(struct ctx *c, const char *key, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	char msg[DNSF_ERR_MAX];
	char where[48] = "";

	if (c->failed)
		return -1;
	c->failed = true;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line)
		snprintf(where, sizeof(where), " (line %" PRIu32 ", column %" PRIu32 ")", line,
		         col);
	if (!c->err || !c->errlen)
		return -1;
	snprintf(c->err, c->errlen, "%s: %s%s%s%s", c->file, key && *key ? key : "",
	         key && *key ? ": " : "", msg, where);
	/* One line, whatever a key, value or file name contained. */
	for (char *p = c->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

__attribute__((format(printf, 5, 6))) static int
fail_at(struct ctx *c, const char *key, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(c, key, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* Position of `path`: the first value node with that path, or else its key. */
static const struct pos *
pos_find(const struct ctx *c, const char *path, bool is_key, bool last)
{
	const struct pos *found = NULL;

	for (size_t i = 0; i < c->n_pos; i++) {
		if (c->pos[i].is_key == is_key && strcmp(c->pos[i].path, path) == 0) {
			found = &c->pos[i];
			if (!last)
				break;
		}
	}
	return found;
}

static bool
pos_has(const struct ctx *c, const char *path)
{
	return pos_find(c, path, true, false) != NULL;
}

/* An error about the value at `key`; the line comes from the position index. */
__attribute__((format(printf, 3, 4))) static int
fail(struct ctx *c, const char *key, const char *fmt, ...)
{
	const struct pos *p = pos_find(c, key, false, false);
	va_list ap;
	int rc;

	if (!p)
		p = pos_find(c, key, true, false);
	va_start(ap, fmt);
	rc = vfail_at(c, key, p ? p->line : 0, p ? p->col : 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* A value quoted in an error: printable, bounded, so the message stays one line. */
static const char *
shown(const char *s, char *buf, size_t cap)
{
	size_t i = 0, max = cap > 4 ? cap - 4 : 0;

	for (; s[i] && i < max; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (s[i] && cap >= 4) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i < cap ? i : cap - 1] = '\0';
	return buf;
}
#define SHOWN(s) shown((s), (char[48]){0}, 48)

static void
key_join(char *out, size_t cap, const char *parent, const char *name)
{
	strfmt(out, cap, "%s%s%s", parent, *parent ? "." : "", name);
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 1: libyaml walk — syntax, aliases, one document, and the position index */

struct walk_frame {
	bool is_map;
	bool want_key;
	uint32_t idx;
	char path[KEYPATH_MAX];
	char key[KEYPATH_MAX];
};

static int
pos_add(struct ctx *c, const char *path, const yaml_mark_t *m, bool is_key)
{
	if (c->n_pos == c->cap_pos) {
		size_t cap = c->cap_pos ? c->cap_pos * 2 : 128;
		struct pos *v;

		if (cap > YAML_NODES_MAX)
			return fail_at(
			    c, NULL, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
			    "more than %d YAML nodes; this is not a dnsfence configuration",
			    YAML_NODES_MAX);
		v = realloc(c->pos, cap * sizeof(*v));
		if (!v)
			return fail_at(c, NULL, 0, 0, "out of memory");
		c->pos = v;
		c->cap_pos = cap;
	}
	c->pos[c->n_pos].path = strdup(path);
	if (!c->pos[c->n_pos].path)
		return fail_at(c, NULL, 0, 0, "out of memory");
	c->pos[c->n_pos].value = NULL;
	c->pos[c->n_pos].kind = POS_SCALAR;
	c->pos[c->n_pos].line = (uint32_t)m->line + 1;
	c->pos[c->n_pos].col = (uint32_t)m->column + 1;
	c->pos[c->n_pos].is_key = is_key;
	c->n_pos++;
	return 0;
}

/* Key path of the next value node under `top` (NULL: the document root). */
static void
child_path(struct walk_frame *top, char *out, size_t cap)
{
	if (!top)
		out[0] = '\0';
	else if (top->is_map)
		key_join(out, cap, top->path, top->key);
	else
		strfmt(out, cap, "%s[%" PRIu32 "]", top->path, top->idx++);
}

static int
yaml_syntax_fail(struct ctx *c, const yaml_parser_t *p, const char *buf, size_t len)
{
	uint32_t line, col;

	if (p->error == YAML_READER_ERROR) {
		/* Reader errors (bad UTF-8, NUL bytes) carry a byte offset, not a mark. */
		size_t off = p->problem_offset < len ? p->problem_offset : len;
		line = 1;
		col = 1;
		for (size_t i = 0; i < off; i++) {
			col++;
			if (buf[i] == '\n') {
				line++;
				col = 1;
			}
		}
		return fail_at(c, NULL, line, col, "not valid YAML text: %s",
		               p->problem ? p->problem : "unreadable input");
	}
	if (p->error == YAML_MEMORY_ERROR)
		return fail_at(c, NULL, 0, 0, "out of memory while parsing YAML");
	line = (uint32_t)p->problem_mark.line + 1;
	col = (uint32_t)p->problem_mark.column + 1;
	if (p->context)
		return fail_at(c, NULL, line, col, "YAML syntax error: %s %s", p->problem,
		               p->context);
	return fail_at(c, NULL, line, col, "YAML syntax error: %s",
	               p->problem ? p->problem : "unknown");
}

static int
walk_yaml(struct ctx *c, const char *buf, size_t len)
{
	struct walk_frame *stack = calloc(YAML_DEPTH_MAX, sizeof(*stack));
	yaml_parser_t parser;
	unsigned depth = 0, docs = 0;
	int rc = 0;
	bool done = false;

	if (!stack)
		return fail_at(c, NULL, 0, 0, "out of memory");
	if (!yaml_parser_initialize(&parser)) {
		free(stack);
		return fail_at(c, NULL, 0, 0, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

	while (!done && rc == 0) {
		yaml_event_t ev;
		struct walk_frame *top = depth ? &stack[depth - 1] : NULL;
		const yaml_mark_t *m;
		char path[KEYPATH_MAX];

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yaml_syntax_fail(c, &parser, buf, len);
			break;
		}
		m = &ev.start_mark;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc =
				    fail_at(c, NULL, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
				            "a second YAML document; the configuration is one "
				            "document");
			break;
		case YAML_ALIAS_EVENT:
			rc = fail_at(c, NULL, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
			             "YAML aliases (*%s) are not supported; write the value out",
			             SHOWN((const char *)ev.data.alias.anchor));
			break;
		case YAML_SCALAR_EVENT:
			if (top && top->is_map && top->want_key) {
				const char *k = (const char *)ev.data.scalar.value;

				snprintf(top->key, sizeof(top->key), "%s", k);
				key_join(path, sizeof(path), top->path, top->key);
				rc = pos_add(c, path, m, true);
				top->want_key = false;
				break;
			}
			child_path(top, path, sizeof(path));
			rc = pos_add(c, path, m, false);
			if (rc == 0 && !(c->pos[c->n_pos - 1].value =
			                     strdup((const char *)ev.data.scalar.value)))
				rc = fail_at(c, NULL, 0, 0, "out of memory");
			if (top && top->is_map)
				top->want_key = true;
			if (!top && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
				const char *v = (const char *)ev.data.scalar.value;

				c->root_null = !*v || !strcmp(v, "~") || !strcmp(v, "null");
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (top && top->is_map && top->want_key) {
				rc = fail_at(
				    c, top->path, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
				    "a mapping key must be a plain name, not a list or mapping");
				break;
			}
			if (depth == YAML_DEPTH_MAX) {
				rc =
				    fail_at(c, NULL, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
				            "nesting deeper than %d levels", YAML_DEPTH_MAX);
				break;
			}
			child_path(top, path, sizeof(path));
			rc = pos_add(c, path, m, false);
			if (rc == 0)
				c->pos[c->n_pos - 1].kind =
				    ev.type == YAML_MAPPING_START_EVENT ? POS_MAP : POS_SEQ;
			if (top && top->is_map)
				top->want_key = true;
			stack[depth] = (struct walk_frame){
			    .is_map = ev.type == YAML_MAPPING_START_EVENT,
			    .want_key = true,
			};
			snprintf(stack[depth].path, sizeof(stack[depth].path), "%s", path);
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(stack);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 2: libcyaml schema. Every scalar is a string; sections and lists may be null/absent. */

struct raw_port {
	char *name;
	char *device;
};

struct raw_pair {
	char *inside;
	char *outside;
};

struct raw_workers {
	char **lcores;
	unsigned lcores_count;
	char *control_lcore;
	char *rx_queues;
	char *burst;
	char *tx_drain_us;
};

struct raw_mempool {
	char *mbufs;
	char *cache;
};

struct raw_rings {
	char *rx_desc;
	char *tx_desc;
	char *events;
};

struct raw_dns {
	char **ports;
	unsigned ports_count;
	char *tcp;
};

struct raw_policy {
	char *malformed;
	char *fragments;
};

struct raw_lists {
	char *allow;
	char *deny;
};

struct raw_events {
	char *log;
	char *syslog;
};

struct raw_metrics {
	char *listen;
};

struct raw_forensics {
	char *pcap;
	char *rate;
	char *max_size_kb;
	char *files;
	char *pdump;
};

struct raw_rules {
	char *threshold;
	char *subdomain_len;
	char *label_len;
	char *entropy_milli;
	char *flow_distinct;
	char *flow_info_bytes;
	char *domain_distinct;
	char *domain_info_bytes;
	char *suspicious_points;
	char *domain_susp_points;
	char *bigram_milli;
};

struct raw_wt {
	char *action;
	char *domain_distinct;
	char *negative_pm;
};

struct raw_beacon {
	char *enabled;
	char *regular_gaps;
	char *name_points;
};

struct raw_detection {
	char *enabled;
	char *action;
	char *refuse_rcode;
	char *psl;
	char *flow_entries;
	char *domain_entries;
	char *top_labels;
	char *hold_seconds;
	char *event_interval_seconds;
	char *flow_window_seconds;
	char *domain_window_seconds;
	struct raw_rules *rules;
	struct raw_wt *water_torture;
	struct raw_beacon *beacon;
};

struct raw_model {
	char *path;
	char *threshold;
	char *combine;
	char *score;
	char *required;
	char *min_subdomain;
};

struct raw_hardening {
	char *case_randomization;
	char *case_key;
	char *case_exceptions;
	char *edns_clamp;
	char *edns_max;
	char *edns_oversize;
	char *rare_types;
	/* types: a free-form mapping (TYPE: action), read from the position index */
};

struct raw_config {
	char **eal;
	unsigned eal_count;
	char *mode;
	struct raw_port *ports;
	unsigned ports_count;
	struct raw_pair *pairs;
	unsigned pairs_count;
	struct raw_workers *workers;
	struct raw_mempool *mempool;
	struct raw_rings *rings;
	struct raw_dns *dns;
	struct raw_policy *policy;
	struct raw_lists *lists;
	struct raw_events *events;
	char *telemetry;
	struct raw_metrics *metrics;
	struct raw_forensics *forensics;
	struct raw_detection *detection;
	struct raw_model *model;
	struct raw_hardening *hardening;
};

/* Required keys (port name, ...) are optional to libcyaml and checked below, so that the
 * message and line are ours. */
#define F_STR(key, st, m)                                                                          \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_OPTIONAL, st, m, 0, CYAML_UNLIMITED)
#define F_MAP(key, st, m, f)                                                                       \
	CYAML_FIELD_MAPPING_PTR(key, CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL, st, m, f)
#define F_SEQ(key, st, m, e)                                                                       \
	CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL, st, m, e, 0,      \
	                     CYAML_UNLIMITED)

static const cyaml_schema_value_t str_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t port_fields[] = {
    F_STR("name", struct raw_port, name),
    F_STR("device", struct raw_port, device),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t port_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_port, port_fields),
};

static const cyaml_schema_field_t pair_fields[] = {
    F_STR("inside", struct raw_pair, inside),
    F_STR("outside", struct raw_pair, outside),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t pair_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_pair, pair_fields),
};

static const cyaml_schema_field_t workers_fields[] = {
    F_SEQ("lcores", struct raw_workers, lcores, &str_entry),
    F_STR("control_lcore", struct raw_workers, control_lcore),
    F_STR("rx_queues", struct raw_workers, rx_queues),
    F_STR("burst", struct raw_workers, burst),
    F_STR("tx_drain_us", struct raw_workers, tx_drain_us),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t mempool_fields[] = {
    F_STR("mbufs", struct raw_mempool, mbufs),
    F_STR("cache", struct raw_mempool, cache),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t rings_fields[] = {
    F_STR("rx_desc", struct raw_rings, rx_desc),
    F_STR("tx_desc", struct raw_rings, tx_desc),
    F_STR("events", struct raw_rings, events),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t dns_fields[] = {
    F_SEQ("ports", struct raw_dns, ports, &str_entry),
    F_STR("tcp", struct raw_dns, tcp),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t policy_fields[] = {
    F_STR("malformed", struct raw_policy, malformed),
    F_STR("fragments", struct raw_policy, fragments),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t lists_fields[] = {
    F_STR("allow", struct raw_lists, allow),
    F_STR("deny", struct raw_lists, deny),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t events_fields[] = {
    F_STR("log", struct raw_events, log),
    F_STR("syslog", struct raw_events, syslog),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t metrics_fields[] = {
    F_STR("listen", struct raw_metrics, listen),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t forensics_fields[] = {
    F_STR("pcap", struct raw_forensics, pcap),
    F_STR("rate", struct raw_forensics, rate),
    F_STR("max_size_kb", struct raw_forensics, max_size_kb),
    F_STR("files", struct raw_forensics, files),
    F_STR("pdump", struct raw_forensics, pdump),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t rules_fields[] = {
    F_STR("threshold", struct raw_rules, threshold),
    F_STR("subdomain_len", struct raw_rules, subdomain_len),
    F_STR("label_len", struct raw_rules, label_len),
    F_STR("entropy_milli", struct raw_rules, entropy_milli),
    F_STR("flow_distinct", struct raw_rules, flow_distinct),
    F_STR("flow_info_bytes", struct raw_rules, flow_info_bytes),
    F_STR("domain_distinct", struct raw_rules, domain_distinct),
    F_STR("domain_info_bytes", struct raw_rules, domain_info_bytes),
    F_STR("suspicious_points", struct raw_rules, suspicious_points),
    F_STR("domain_susp_points", struct raw_rules, domain_susp_points),
    F_STR("bigram_milli", struct raw_rules, bigram_milli),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wt_fields[] = {
    F_STR("action", struct raw_wt, action),
    F_STR("domain_distinct", struct raw_wt, domain_distinct),
    F_STR("negative_pm", struct raw_wt, negative_pm),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t beacon_fields[] = {
    F_STR("enabled", struct raw_beacon, enabled),
    F_STR("regular_gaps", struct raw_beacon, regular_gaps),
    F_STR("name_points", struct raw_beacon, name_points),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t detection_fields[] = {
    F_STR("enabled", struct raw_detection, enabled),
    F_STR("action", struct raw_detection, action),
    F_STR("refuse_rcode", struct raw_detection, refuse_rcode),
    F_STR("psl", struct raw_detection, psl),
    F_STR("flow_entries", struct raw_detection, flow_entries),
    F_STR("domain_entries", struct raw_detection, domain_entries),
    F_STR("top_labels", struct raw_detection, top_labels),
    F_STR("hold_seconds", struct raw_detection, hold_seconds),
    F_STR("event_interval_seconds", struct raw_detection, event_interval_seconds),
    F_STR("flow_window_seconds", struct raw_detection, flow_window_seconds),
    F_STR("domain_window_seconds", struct raw_detection, domain_window_seconds),
    F_MAP("rules", struct raw_detection, rules, rules_fields),
    F_MAP("water_torture", struct raw_detection, water_torture, wt_fields),
    F_MAP("beacon", struct raw_detection, beacon, beacon_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t model_fields[] = {
    F_STR("path", struct raw_model, path),
    F_STR("threshold", struct raw_model, threshold),
    F_STR("combine", struct raw_model, combine),
    F_STR("score", struct raw_model, score),
    F_STR("required", struct raw_model, required),
    F_STR("min_subdomain", struct raw_model, min_subdomain),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t hardening_fields[] = {
    F_STR("case_randomization", struct raw_hardening, case_randomization),
    F_STR("case_key", struct raw_hardening, case_key),
    F_STR("case_exceptions", struct raw_hardening, case_exceptions),
    F_STR("edns_clamp", struct raw_hardening, edns_clamp),
    F_STR("edns_max", struct raw_hardening, edns_max),
    F_STR("edns_oversize", struct raw_hardening, edns_oversize),
    F_STR("rare_types", struct raw_hardening, rare_types),
    CYAML_FIELD_IGNORE("types", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
    F_SEQ("eal", struct raw_config, eal, &str_entry),
    F_STR("mode", struct raw_config, mode),
    F_SEQ("ports", struct raw_config, ports, &port_entry),
    F_SEQ("pairs", struct raw_config, pairs, &pair_entry),
    F_MAP("workers", struct raw_config, workers, workers_fields),
    F_MAP("mempool", struct raw_config, mempool, mempool_fields),
    F_MAP("rings", struct raw_config, rings, rings_fields),
    F_MAP("dns", struct raw_config, dns, dns_fields),
    F_MAP("policy", struct raw_config, policy, policy_fields),
    F_MAP("lists", struct raw_config, lists, lists_fields),
    F_MAP("events", struct raw_config, events, events_fields),
    F_STR("telemetry", struct raw_config, telemetry),
    F_MAP("metrics", struct raw_config, metrics, metrics_fields),
    F_MAP("forensics", struct raw_config, forensics, forensics_fields),
    F_MAP("detection", struct raw_config, detection, detection_fields),
    F_MAP("model", struct raw_config, model, model_fields),
    F_MAP("hardening", struct raw_config, hardening, hardening_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, top_fields),
};

/* Capture libcyaml's error and backtrace lines instead of letting it print to stderr. */
static void
cy_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct ctx *c = ctx;
	char line[320];
	struct cy_frame f = {0};
	const char *s = line;
	size_t n;

	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, args);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (strncmp(s, "Load: ", 6) == 0)
		s += 6;
	if (strcmp(s, "Backtrace:") == 0)
		return;
	if (sscanf(s, " in mapping field '%63[^']' (line: %" SCNu32 ", column: %" SCNu32 ")",
	           f.name, &f.line, &f.col) == 3)
		f.kind = CY_FIELD;
	else if (sscanf(s,
	                " in sequence entry '%" SCNu32 "' (line: %" SCNu32 ", column: %" SCNu32 ")",
	                &f.entry, &f.line, &f.col) == 3)
		f.kind = CY_ENTRY;
	else if (sscanf(s, " in mapping (line: %" SCNu32 ", column: %" SCNu32 ")", &f.line,
	                &f.col) == 2)
		f.kind = CY_MAPPING;
	else {
		if (!c->cy_msg[0])
			strfmt(c->cy_msg, sizeof(c->cy_msg), "%s", s);
		return;
	}
	if (c->n_cy_frames < CY_FRAMES_MAX)
		c->cy_frames[c->n_cy_frames++] = f;
}

/* The mapping schema at key path `path` (for "allowed keys" hints). */
static const cyaml_schema_field_t *
fields_at(const char *path)
{
	const cyaml_schema_field_t *fields = top_fields;
	const char *p = path;

	while (*p) {
		const cyaml_schema_field_t *f;
		const cyaml_schema_value_t *v;
		size_t n = strcspn(p, ".[");

		for (f = fields; f->key; f++)
			if (strlen(f->key) == n && strncmp(f->key, p, n) == 0)
				break;
		if (!f->key)
			return NULL;
		v = &f->value;
		p += n;
		if (*p == '[') {
			p = strchr(p, ']');
			if (!p || v->type != CYAML_SEQUENCE)
				return NULL;
			p++;
			v = v->sequence.entry;
		}
		if (v->type != CYAML_MAPPING)
			return NULL;
		fields = v->mapping.fields;
		if (*p == '.')
			p++;
	}
	return fields;
}

/* dnsf_config_keys(): depth first over the schema, `path` holding the prefix (len bytes). */
static int
keys_walk(const cyaml_schema_field_t *fields, char *path, size_t len, dnsf_config_key_fn fn,
          void *ctx)
{
	for (const cyaml_schema_field_t *f = fields; f->key; f++) {
		const cyaml_schema_value_t *v = &f->value;
		int n = snprintf(path + len, KEYPATH_MAX - len, "%s%s", len ? "." : "", f->key);
		size_t l;
		int rc;

		if (n < 0 || (size_t)n >= KEYPATH_MAX - len)
			return -1;
		l = len + (size_t)n;
		rc = fn(path, ctx);
		if (rc != 0)
			return rc;
		if (v->type == CYAML_SEQUENCE && v->sequence.entry->type == CYAML_MAPPING) {
			if (l + 2 >= KEYPATH_MAX)
				return -1;
			memcpy(path + l, "[]", 3);
			l += 2;
			v = v->sequence.entry;
		}
		if (v->type == CYAML_MAPPING) {
			rc = keys_walk(v->mapping.fields, path, l, fn, ctx);
			if (rc != 0)
				return rc;
		}
		path[len] = '\0';
	}
	return 0;
}

int
dnsf_config_keys(dnsf_config_key_fn fn, void *ctx)
{
	char path[KEYPATH_MAX] = "";

	return keys_walk(top_fields, path, 0, fn, ctx);
}

static const char *
cy_type_name(const char *t)
{
	if (strncmp(t, "SCALAR", 6) == 0 || strncmp(t, "STRING", 6) == 0)
		return "a single value";
	if (strncmp(t, "SEQUENCE", 8) == 0)
		return "a list";
	if (strncmp(t, "MAPPING", 7) == 0)
		return "a mapping";
	return t;
}

/* Turn libcyaml's message and backtrace into our one line. */
static int
cy_fail(struct ctx *c, cyaml_err_t e)
{
	char path[KEYPATH_MAX] = "", full[KEYPATH_MAX];
	const char *m = c->cy_msg;
	const struct pos *p;
	uint32_t line = 0, col = 0;
	char want[32], got[32];

	/* The backtrace is innermost first; the key path reads outermost first. */
	for (unsigned i = c->n_cy_frames; i-- > 0;) {
		const struct cy_frame *f = &c->cy_frames[i];
		size_t l = strlen(path);

		if (f->kind == CY_FIELD)
			snprintf(path + l, sizeof(path) - l, "%s%s", l ? "." : "", f->name);
		else if (f->kind == CY_ENTRY)
			snprintf(path + l, sizeof(path) - l, "[%" PRIu32 "]",
			         f->entry ? f->entry - 1 : 0);
	}
	if (c->n_cy_frames) {
		line = c->cy_frames[0].line;
		col = c->cy_frames[0].col;
	}

	if (strncmp(m, "Unexpected key: ", 16) == 0) {
		const cyaml_schema_field_t *fields = fields_at(path);
		char allowed[DNSF_ERR_MAX] = "";
		size_t l = 0;

		key_join(full, sizeof(full), path, m + 16);
		for (const cyaml_schema_field_t *f = fields; f && f->key; f++)
			l += (size_t)snprintf(allowed + l,
			                      l < sizeof(allowed) ? sizeof(allowed) - l : 0, "%s%s",
			                      l ? ", " : "", f->key);
		p = pos_find(c, full, true, false);
		return fail_at(c, full, p ? p->line : line, p ? p->col : col, "unknown key%s%s%s",
		               fields ? " (allowed: " : "", fields ? allowed : "",
		               fields ? ")" : "");
	}
	if (strncmp(m, "Mapping field already seen: ", 28) == 0) {
		p = pos_find(c, path, true, true);
		return fail_at(c, path, p ? p->line : line, p ? p->col : col,
		               "key given twice in one mapping");
	}
	if (sscanf(m, "Expecting %31s got event: %31s", want, got) == 2) {
		size_t wl = strlen(want);

		if (wl && want[wl - 1] == ',')
			want[wl - 1] = '\0';
		p = pos_find(c, path, false, false);
		return fail_at(c, path, p ? p->line : line, p ? p->col : col,
		               "expected %s, found %s",
		               *path ? cy_type_name(want) : "a mapping of keys (eal:, ports:, ...)",
		               cy_type_name(got));
	}
	return fail_at(c, path, line, col, "%s", *m ? m : cyaml_strerror(e));
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 3: strict scalars */

/* Strict unsigned decimal: digits only — no sign, no spaces, no hex, no leading zero (YAML 1.1
 * would read 010 as octal). */
static int
get_u64(struct ctx *c, const char *key, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return fail(c, key, "missing value (a number %" PRIu64 "..%" PRIu64 ")", min, max);
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return fail(c, key, "'%s' is not a number", SHOWN(s));
	if (s[0] == '0' && s[1])
		return fail(c, key, "'%s' is not a number (leading zero)", SHOWN(s));
	for (const char *p = s; *p; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			v = UINT64_MAX;
			break;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return fail(c, key, "'%s' is out of range (%" PRIu64 "..%" PRIu64 ")", SHOWN(s),
		            min, max);
	*out = v;
	return 0;
}

/* Optional numbers: absent keeps the default already in *dst. */
static int
num_u32(struct ctx *c, const char *key, const char *s, uint32_t min, uint32_t max, uint32_t *dst)
{
	uint64_t v = 0;

	if (!s)
		return 0;
	if (get_u64(c, key, s, min, max, &v) < 0)
		return -1;
	*dst = (uint32_t)v;
	return 0;
}

static int
num_u16(struct ctx *c, const char *key, const char *s, uint16_t min, uint16_t max, uint16_t *dst)
{
	uint32_t v = *dst;

	if (num_u32(c, key, s, min, max, &v) < 0)
		return -1;
	*dst = (uint16_t)v;
	return 0;
}

/* Table and ring sizes: a power of two, so that index masks replace modulo on the fast path. */
static int
num_pow2(struct ctx *c, const char *key, const char *s, uint32_t min, uint32_t max, uint32_t *dst)
{
	uint32_t v = *dst;

	if (num_u32(c, key, s, min, max, &v) < 0)
		return -1;
	if (v & (v - 1)) {
		uint32_t lo = 1;

		while (lo <= v / 2)
			lo <<= 1;
		return fail(c, key,
		            "%" PRIu32 " is not a power of two (nearest: %" PRIu32 " or %" PRIu32
		            ")",
		            v, lo, lo * 2);
	}
	*dst = v;
	return 0;
}

static int
get_bool(struct ctx *c, const char *key, const char *s, uint8_t *dst)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};

	if (!s)
		return 0;
	if (!*s)
		return fail(c, key, "missing value (true or false)");
	for (unsigned i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*dst = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*dst = 0;
			return 0;
		}
	}
	return fail(c, key, "'%s' is not a boolean (true or false)", SHOWN(s));
}

struct enum_name {
	const char *name;
	uint8_t value;
};

static int
get_enum(struct ctx *c, const char *key, const char *s, const struct enum_name *names, unsigned n,
         uint8_t *dst)
{
	char allowed[128] = "";
	size_t l = 0;

	if (!s)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(s, names[i].name) == 0) {
			*dst = names[i].value;
			return 0;
		}
		l += (size_t)snprintf(allowed + l, l < sizeof(allowed) ? sizeof(allowed) - l : 0,
		                      "%s%s", i ? ", " : "", names[i].name);
	}
	if (!*s)
		return fail(c, key, "missing value (one of: %s)", allowed);
	return fail(c, key, "'%s' is not one of: %s", SHOWN(s), allowed);
}

/* Copy a string value: bounded, no control characters (they would break logs and devargs). */
static int
get_str(struct ctx *c, const char *key, const char *s, char *dst, size_t cap, bool allow_empty)
{
	size_t n = strlen(s);

	if (!n && !allow_empty)
		return fail(c, key, "missing value");
	if (n >= cap)
		return fail(c, key, "'%s' is too long (%zu bytes, at most %zu)", SHOWN(s), n,
		            cap - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(c, key, "'%s' contains a control character", SHOWN(s));
	memcpy(dst, s, n + 1);
	return 0;
}

/* A file path: relative paths are taken from the config file's directory. "" stays "" (none);
 * `keep` (e.g. "-" for stdout) is left as written. */
static int
get_path(struct ctx *c, const char *key, const char *s, char *dst, const char *keep)
{
	char tmp[DNSF_PATH_MAX];

	if (!s)
		return 0;
	if (get_str(c, key, s, tmp, sizeof(tmp), true) < 0)
		return -1;
	if (!tmp[0] || tmp[0] == '/' || (keep && strcmp(tmp, keep) == 0)) {
		memcpy(dst, tmp, strlen(tmp) + 1);
		return 0;
	}
	if (strlen(c->dir) + 1 + strlen(tmp) >= DNSF_PATH_MAX)
		return fail(c, key, "'%s' is too long once made relative to %s", SHOWN(tmp),
		            c->dir);
	strfmt(dst, DNSF_PATH_MAX, "%s/%s", c->dir, tmp);
	return 0;
}

static int
check_readable(struct ctx *c, const char *key, const char *path, const char *what)
{
	struct stat st;
	int fd;

	if (stat(path, &st) != 0)
		return fail(c, key, "cannot read %s '%s': %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(c, key, "%s '%s' is not a regular file", what, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, key, "cannot read %s '%s': %s", what, path, strerror(errno));
	close(fd);
	return 0;
}

/* The event log is created at run time: its directory must exist and be writable now. */
static int
check_writable_dir(struct ctx *c, const char *key, const char *path)
{
	char dir[DNSF_PATH_MAX];
	char *slash;
	struct stat st;
	const char *what = strncmp(key, "forensics", 9) == 0 ? "the capture" : "the event log";

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(c, key, "'%s' is a directory, not a file", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	if (stat(dir, &st) != 0)
		return fail(c, key, "directory '%s' of %s: %s", dir, what, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(c, key, "'%s' (where %s goes) is not a directory", dir, what);
	if (access(dir, W_OK | X_OK) != 0)
		return fail(c, key, "cannot write %s into '%s': %s", what, dir, strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Pass 3: sections */

static bool
port_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= DNSF_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* What identifies a device to DPDK: the part before the first ',' (the vdev name or the PCI
 * address), lower-cased, with the PCI domain made explicit ("01:00.0" is "0000:01:00.0"). */
static void
device_id(const char *dev, char *out, size_t cap)
{
	size_t n = strcspn(dev, ",");
	char tmp[DNSF_DEVICE_MAX];
	unsigned b, d, f;
	char extra;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	for (size_t i = 0; i < n; i++)
		tmp[i] = (char)tolower((unsigned char)dev[i]);
	tmp[n] = '\0';
	if (sscanf(tmp, "%2x:%2x.%1x%c", &b, &d, &f, &extra) == 3 && n == 7)
		snprintf(out, cap, "0000:%s", tmp);
	else
		snprintf(out, cap, "%s", tmp);
}

/* EAL options that choose lcores would contradict workers.lcores / workers.control_lcore. */
static bool
eal_sets_lcores(const char *a)
{
	static const char *const longs[] = {"--lcores", "--main-lcore", "--master-lcore"};

	if (a[0] == '-' && (a[1] == 'l' || a[1] == 'c'))
		return true;
	for (unsigned i = 0; i < 3; i++) {
		size_t n = strlen(longs[i]);
		if (strncmp(a, longs[i], n) == 0 && (a[n] == '\0' || a[n] == '='))
			return true;
	}
	return false;
}

static int
conv_eal(struct ctx *c, const struct raw_config *r, struct dnsf_config *cfg)
{
	char key[KEYPATH_MAX];

	if (r->eal_count > DNSF_MAX_EAL_ARGS)
		return fail(c, "eal", "%u arguments, at most %d", r->eal_count, DNSF_MAX_EAL_ARGS);
	for (unsigned i = 0; i < r->eal_count; i++) {
		snprintf(key, sizeof(key), "eal[%u]", i);
		if (get_str(c, key, r->eal[i], cfg->eal_args[i], DNSF_DEVICE_MAX, false) < 0)
			return -1;
		if (eal_sets_lcores(r->eal[i]))
			return fail(c, key,
			            "'%s' chooses lcores; dnsfence sets them from workers.lcores "
			            "and workers.control_lcore",
			            SHOWN(r->eal[i]));
	}
	cfg->n_eal_args = (uint8_t)r->eal_count;
	return 0;
}

static int
conv_ports(struct ctx *c, const struct raw_config *r, struct dnsf_config *cfg)
{
	char key[KEYPATH_MAX], id_i[DNSF_DEVICE_MAX], id_j[DNSF_DEVICE_MAX];

	if (r->ports_count > DNSF_MAX_PORTS)
		return fail(c, "ports", "%u ports, at most %d", r->ports_count, DNSF_MAX_PORTS);
	for (unsigned i = 0; i < r->ports_count; i++) {
		const struct raw_port *p = &r->ports[i];
		struct dnsf_port_cfg *pc = &cfg->ports[i];

		snprintf(key, sizeof(key), "ports[%u]", i);
		if (!p->name)
			return fail(c, key, "missing key 'name'");
		if (!p->device)
			return fail(c, key, "missing key 'device'");
		snprintf(key, sizeof(key), "ports[%u].name", i);
		if (!port_name_ok(p->name))
			return fail(c, key,
			            "'%s' is not a valid port name (1 to %d letters, digits, '_' "
			            "or '-')",
			            SHOWN(p->name), DNSF_NAME_MAX - 1);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(cfg->ports[j].name, p->name) == 0)
				return fail(c, key, "port name '%s' is already used by ports[%u]",
				            p->name, j);
		snprintf(pc->name, sizeof(pc->name), "%s", p->name);

		snprintf(key, sizeof(key), "ports[%u].device", i);
		if (get_str(c, key, p->device, pc->device, sizeof(pc->device), false) < 0)
			return -1;
		device_id(pc->device, id_i, sizeof(id_i));
		for (unsigned j = 0; j < i; j++) {
			device_id(cfg->ports[j].device, id_j, sizeof(id_j));
			if (strcmp(id_i, id_j) == 0)
				return fail(c, key,
				            "device '%s' is already used by ports[%u] ('%s')",
				            SHOWN(id_i), j, cfg->ports[j].name);
		}
	}
	cfg->n_ports = (uint8_t)r->ports_count;
	return 0;
}

static int
pair_port(struct ctx *c, const char *key, const char *name, const struct dnsf_config *cfg,
          uint8_t *out)
{
	char names[DNSF_ERR_MAX] = "";
	size_t l = 0;
	int idx;

	if (!*name)
		return fail(c, key, "missing value (a port name)");
	idx = dnsf_config_port_index(cfg, name);
	if (idx >= 0) {
		*out = (uint8_t)idx;
		return 0;
	}
	if (!cfg->n_ports)
		return fail(c, key, "no port named '%s' (no ports are defined)", SHOWN(name));
	for (unsigned i = 0; i < cfg->n_ports; i++)
		l += (size_t)snprintf(names + l, l < sizeof(names) ? sizeof(names) - l : 0, "%s%s",
		                      i ? ", " : "", cfg->ports[i].name);
	return fail(c, key, "no port named '%s' (ports: %s)", SHOWN(name), names);
}

static int
conv_pairs(struct ctx *c, const struct raw_config *r, struct dnsf_config *cfg)
{
	char key[KEYPATH_MAX];
	int in_pair[DNSF_MAX_PORTS];

	if (r->pairs_count > DNSF_MAX_PAIRS)
		return fail(c, "pairs", "%u pairs, at most %d", r->pairs_count, DNSF_MAX_PAIRS);
	for (unsigned i = 0; i < DNSF_MAX_PORTS; i++)
		in_pair[i] = -1;
	for (unsigned i = 0; i < r->pairs_count; i++) {
		const struct raw_pair *p = &r->pairs[i];
		struct dnsf_pair_cfg *pc = &cfg->pairs[i];
		const char *side[2] = {p->inside, p->outside};
		const char *side_name[2] = {"inside", "outside"};
		uint8_t *idx[2] = {&pc->inside, &pc->outside};

		snprintf(key, sizeof(key), "pairs[%u]", i);
		for (unsigned s = 0; s < 2; s++)
			if (!side[s])
				return fail(c, key, "missing key '%s'", side_name[s]);
		for (unsigned s = 0; s < 2; s++) {
			snprintf(key, sizeof(key), "pairs[%u].%s", i, side_name[s]);
			if (pair_port(c, key, side[s], cfg, idx[s]) < 0)
				return -1;
			if (s == 1 && pc->outside == pc->inside)
				return fail(c, key,
				            "'%s' is also the inside port of this pair; a pair "
				            "joins two different ports",
				            side[s]);
			if (in_pair[*idx[s]] >= 0)
				return fail(c, key, "port '%s' is already in pairs[%d]", side[s],
				            in_pair[*idx[s]]);
			in_pair[*idx[s]] = (int)i;
		}
	}
	cfg->n_pairs = (uint8_t)r->pairs_count;
	/* A port in no pair would be polled by nobody and forward nowhere. */
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		if (in_pair[i] < 0) {
			snprintf(key, sizeof(key), "ports[%u]", i);
			return fail(c, key,
			            "port '%s' is not in any pair; add it to pairs or remove it",
			            cfg->ports[i].name);
		}
	}
	return 0;
}

static int
conv_workers(struct ctx *c, const struct raw_workers *w, struct dnsf_config *cfg)
{
	char key[KEYPATH_MAX];
	bool lcores_given = w && pos_has(c, "workers.lcores");

	if (w && num_u16(c, "workers.control_lcore", w->control_lcore, 0, DNSF_MAX_LCORE_ID,
	                 &cfg->control_lcore) < 0)
		return -1;
	if (lcores_given) {
		if (w->lcores_count == 0)
			return fail(c, "workers.lcores", "at least one worker lcore is needed");
		if (w->lcores_count > DNSF_MAX_WORKERS)
			return fail(c, "workers.lcores", "%u worker lcores, at most %d",
			            w->lcores_count, DNSF_MAX_WORKERS);
		for (unsigned i = 0; i < w->lcores_count; i++) {
			snprintf(key, sizeof(key), "workers.lcores[%u]", i);
			if (num_u16(c, key, w->lcores[i], 0, DNSF_MAX_LCORE_ID,
			            &cfg->worker_lcores[i]) < 0)
				return -1;
			for (unsigned j = 0; j < i; j++)
				if (cfg->worker_lcores[j] == cfg->worker_lcores[i])
					return fail(c, key, "lcore %u is listed twice",
					            cfg->worker_lcores[i]);
			if (cfg->worker_lcores[i] == cfg->control_lcore)
				return fail(c, key,
				            "lcore %u is the control lcore (workers.control_lcore, "
				            "default 0); workers need lcores of their own",
				            cfg->control_lcore);
		}
		cfg->n_workers = (uint8_t)w->lcores_count;
	}
	for (unsigned i = 0; i < cfg->n_workers; i++)
		if (cfg->worker_lcores[i] == cfg->control_lcore)
			return fail(c, "workers.control_lcore",
			            "lcore %u is also a worker (workers.lcores defaults to [1])",
			            cfg->control_lcore);
	if (!w)
		return 0;
	if (num_u16(c, "workers.rx_queues", w->rx_queues, 0, DNSF_MAX_WORKERS, &cfg->rx_queues) <
	        0 ||
	    num_u16(c, "workers.burst", w->burst, 1, 512, &cfg->burst) < 0 ||
	    num_u32(c, "workers.tx_drain_us", w->tx_drain_us, 0, 1000000, &cfg->tx_drain_us) < 0)
		return -1;
	return 0;
}

static int
conv_dns(struct ctx *c, const struct raw_dns *d, struct dnsf_config *cfg)
{
	char key[KEYPATH_MAX];

	if (!d)
		return 0;
	if (pos_has(c, "dns.ports")) {
		if (d->ports_count == 0)
			return fail(c, "dns.ports", "at least one DNS port is needed");
		if (d->ports_count > DNSF_PKT_MAX_DNS_PORTS)
			return fail(c, "dns.ports", "%u ports, at most %d", d->ports_count,
			            DNSF_PKT_MAX_DNS_PORTS);
		for (unsigned i = 0; i < d->ports_count; i++) {
			snprintf(key, sizeof(key), "dns.ports[%u]", i);
			if (num_u16(c, key, d->ports[i], 1, 65535, &cfg->pkt.dns_ports[i]) < 0)
				return -1;
			for (unsigned j = 0; j < i; j++)
				if (cfg->pkt.dns_ports[j] == cfg->pkt.dns_ports[i])
					return fail(c, key, "port %u is listed twice",
					            cfg->pkt.dns_ports[i]);
		}
		cfg->pkt.n_dns_ports = (uint8_t)d->ports_count;
	}
	return get_bool(c, "dns.tcp", d->tcp, &cfg->pkt.tcp);
}

static const struct enum_name mode_names[] = {
    {"inline", DNSF_MODE_INLINE},
    {"monitor", DNSF_MODE_MONITOR},
};
static const struct enum_name policy_names[] = {
    {"drop", DNSF_ACT_DROP},
    {"pass", DNSF_ACT_PASS},
};
static const struct enum_name detect_action_names[] = {
    {"drop", DNSF_ACT_DROP},
    {"refuse", DNSF_ACT_REFUSE},
    {"log", DNSF_ACT_LOG},
};
static const struct enum_name wt_action_names[] = {
    {"drop", DNSF_ACT_DROP},
    {"refuse", DNSF_ACT_REFUSE},
    {"log", DNSF_ACT_LOG},
    {"off", DNSF_ACT_PASS},
};
static const struct enum_name rcode_names[] = {
    {"refused", DNSF_RCODE_REFUSED},
    {"nxdomain", DNSF_RCODE_NXDOMAIN},
};
static const struct enum_name combine_names[] = {
    {"either", DNSF_COMBINE_EITHER},
    {"both", DNSF_COMBINE_BOTH},
    {"rules", DNSF_COMBINE_RULES},
    {"model", DNSF_COMBINE_MODEL},
};
static const struct enum_name model_scope_names[] = {
    {"all", DNSF_MSCOPE_ALL},
    {"suspicious", DNSF_MSCOPE_SUSPICIOUS},
    {"needed", DNSF_MSCOPE_NEEDED},
};
#define N_(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static int
conv_detection(struct ctx *c, const struct raw_detection *d, struct dnsf_detect_cfg *dc)
{
	const struct raw_rules *r;
	struct dnsf_rules_cfg *rc = &dc->rules;

	if (!d)
		return 0;
	if (get_bool(c, "detection.enabled", d->enabled, &dc->enabled) < 0 ||
	    get_enum(c, "detection.action", d->action, detect_action_names, N_(detect_action_names),
	             &dc->action) < 0 ||
	    get_enum(c, "detection.refuse_rcode", d->refuse_rcode, rcode_names, N_(rcode_names),
	             &dc->refuse_rcode) < 0 ||
	    get_path(c, "detection.psl", d->psl, dc->psl, NULL) < 0 ||
	    num_pow2(c, "detection.flow_entries", d->flow_entries, 1024, 1u << 24,
	             &dc->flow_entries) < 0 ||
	    num_pow2(c, "detection.domain_entries", d->domain_entries, 1024, 1u << 24,
	             &dc->domain_entries) < 0 ||
	    num_pow2(c, "detection.top_labels", d->top_labels, 64, 1u << 20, &dc->top_labels) < 0 ||
	    num_u32(c, "detection.hold_seconds", d->hold_seconds, 1, 86400, &dc->hold_seconds) <
	        0 ||
	    num_u32(c, "detection.event_interval_seconds", d->event_interval_seconds, 0, 86400,
	            &dc->event_interval_seconds) < 0 ||
	    num_u32(c, "detection.flow_window_seconds", d->flow_window_seconds, 1, 86400,
	            &dc->flow_window_seconds) < 0 ||
	    num_u32(c, "detection.domain_window_seconds", d->domain_window_seconds, 1, 86400,
	            &dc->domain_window_seconds) < 0)
		return -1;
	if (d->water_torture != NULL) {
		const struct raw_wt *t = d->water_torture;
		struct dnsf_wt_cfg *wc = &dc->water_torture;

		if (get_enum(c, "detection.water_torture.action", t->action, wt_action_names,
		             N_(wt_action_names), &wc->action) < 0 ||
		    num_u32(c, "detection.water_torture.domain_distinct", t->domain_distinct, 8,
		            250, &wc->domain_distinct) < 0 ||
		    num_u32(c, "detection.water_torture.negative_pm", t->negative_pm, 1, 1000,
		            &wc->negative_pm) < 0)
			return -1;
	}
	if (d->beacon != NULL) {
		const struct raw_beacon *b = d->beacon;
		struct dnsf_beacon_cfg *bc = &dc->beacon;

		/* The run saturates at 7 (struct dnsf_flow.hb_reg); fewer than 3 regular gaps is
		 * no evidence of a timer. */
		if (get_bool(c, "detection.beacon.enabled", b->enabled, &bc->enabled) < 0 ||
		    num_u32(c, "detection.beacon.regular_gaps", b->regular_gaps, 3, 7,
		            &bc->regular_gaps) < 0 ||
		    num_u32(c, "detection.beacon.name_points", b->name_points, 1, 1000,
		            &bc->name_points) < 0)
			return -1;
	}
	r = d->rules;
	if (!r)
		return 0;
	if (num_u32(c, "detection.rules.threshold", r->threshold, 1, 1000000, &rc->threshold) < 0 ||
	    num_u32(c, "detection.rules.subdomain_len", r->subdomain_len, 1, 253,
	            &rc->subdomain_len) < 0 ||
	    num_u32(c, "detection.rules.label_len", r->label_len, 1, 63, &rc->label_len) < 0 ||
	    num_u32(c, "detection.rules.entropy_milli", r->entropy_milli, 0, 8000,
	            &rc->entropy_milli) < 0 ||
	    num_u32(c, "detection.rules.flow_distinct", r->flow_distinct, 1, 1000000,
	            &rc->flow_distinct) < 0 ||
	    num_u32(c, "detection.rules.flow_info_bytes", r->flow_info_bytes, 1, 1u << 30,
	            &rc->flow_info_bytes) < 0 ||
	    num_u32(c, "detection.rules.domain_distinct", r->domain_distinct, 1, 1000000,
	            &rc->domain_distinct) < 0 ||
	    num_u32(c, "detection.rules.domain_info_bytes", r->domain_info_bytes, 1, 1u << 30,
	            &rc->domain_info_bytes) < 0 ||
	    num_u32(c, "detection.rules.suspicious_points", r->suspicious_points, 1, 1000000,
	            &rc->suspicious_points) < 0 ||
	    num_u32(c, "detection.rules.domain_susp_points", r->domain_susp_points, 1, 1000000,
	            &rc->domain_susp_points) < 0 ||
	    num_u32(c, "detection.rules.bigram_milli", r->bigram_milli, 1, 100000,
	            &rc->bigram_milli) < 0)
		return -1;
	return 0;
}

static int
conv_model(struct ctx *c, const struct raw_model *m, struct dnsf_model_cfg *mc)
{
	uint32_t thr = (uint32_t)mc->threshold;

	if (!m)
		return 0;
	if (get_path(c, "model.path", m->path, mc->path, NULL) < 0 ||
	    num_u32(c, "model.threshold", m->threshold, 0, 1000, &thr) < 0 ||
	    get_enum(c, "model.combine", m->combine, combine_names, N_(combine_names),
	             &mc->combine) < 0 ||
	    get_enum(c, "model.score", m->score, model_scope_names, N_(model_scope_names),
	             &mc->score) < 0 ||
	    get_bool(c, "model.required", m->required, &mc->required) < 0 ||
	    num_u32(c, "model.min_subdomain", m->min_subdomain, 0, 253, &mc->min_subdomain) < 0)
		return -1;
	mc->threshold = (int32_t)thr;
	return 0;
}

static const struct enum_name oversize_names[] = {
    {"truncate", DNSF_OVERSIZE_TRUNCATE},
    {"drop", DNSF_OVERSIZE_DROP},
};
static const struct enum_name type_action_names[] = {
    {"pass", DNSF_TYPE_PASS},
    {"count", DNSF_TYPE_COUNT},
    {"refuse", DNSF_TYPE_REFUSE},
    {"drop", DNSF_TYPE_DROP},
};

/* hardening.types: a mapping of record type -> action, read from the position index (libcyaml
 * 1.3.1 has no free-form mappings, so the schema ignores it). Given, it replaces the default. */
static int
conv_types(struct ctx *c, struct dnsf_harden_cfg *hc)
{
	static const char key[] = "hardening.types";
	const size_t plen = sizeof(key); /* "hardening.types." */
	const struct pos *v = pos_find(c, key, false, false);
	struct {
		uint16_t lo, hi;
		size_t at;
	} seen[DNSF_MAX_TYPE_RULES];
	unsigned n = 0;

	if (!v)
		return 0;
	if (v->kind == POS_SEQ)
		return fail(c, key,
		            "expected a mapping of record type to action (e.g. NULL: refuse), "
		            "found a list");
	if (v->kind == POS_SCALAR) {
		if (!v->value || !*v->value || !strcmp(v->value, "~") || !strcmp(v->value, "null"))
			return 0; /* "types:" alone: the default, like an empty section */
		return fail(c, key,
		            "expected a mapping of record type to action (e.g. NULL: refuse), "
		            "found a single value");
	}
	for (size_t i = 0; i < c->n_pos; i++) {
		const struct pos *k = &c->pos[i];
		const char *name = k->path + plen;
		const struct pos *val;
		uint16_t lo, hi;
		uint8_t act = DNSF_TYPE_PASS;

		if (!k->is_key || strncmp(k->path, key, plen - 1) != 0 || k->path[plen - 1] != '.')
			continue;
		if (strchr(name, '.') || strchr(name, '[')) {
			/* Below a type's value (a nested mapping, reported at the type) or a key
			 * with a dot, which no type name has. */
			char first[KEYPATH_MAX];
			const struct pos *f;

			strfmt(first, sizeof(first), "%.*s", (int)(strcspn(name, ".[") + plen),
			       k->path);
			f = pos_find(c, first, false, false);
			if (f && f->kind != POS_SCALAR)
				continue;
			return fail_at(c, k->path, k->line, k->col,
			               "'%s' is not a record type (a mnemonic such as NULL or TXT, "
			               "TYPE<n>, a number 0..65535, or PRIVATE)",
			               SHOWN(name));
		}
		if (dnsf_harden_type_parse(name, &lo, &hi) != 0)
			return fail_at(c, k->path, k->line, k->col,
			               "'%s' is not a record type (a mnemonic such as NULL or TXT, "
			               "TYPE<n>, a number 0..65535, or PRIVATE)",
			               SHOWN(name));
		/* The key's value node comes right after it in document order. */
		val = i + 1 < c->n_pos ? &c->pos[i + 1] : NULL;
		if (!val || val->is_key || strcmp(val->path, k->path) != 0 ||
		    val->kind != POS_SCALAR || !val->value)
			return fail(c, k->path,
			            "expected a single value (pass, count, refuse or drop)");
		if (get_enum(c, k->path, val->value, type_action_names, N_(type_action_names),
		             &act) < 0)
			return -1;
		for (unsigned j = 0; j < n; j++)
			if (seen[j].lo == lo && seen[j].hi == hi)
				return fail_at(c, k->path, k->line, k->col,
				               "the same type as %s (line %" PRIu32 ")",
				               c->pos[seen[j].at].path, c->pos[seen[j].at].line);
		if (n == DNSF_MAX_TYPE_RULES)
			return fail_at(c, k->path, k->line, k->col, "more than %d types",
			               DNSF_MAX_TYPE_RULES);
		seen[n].lo = lo;
		seen[n].hi = hi;
		seen[n].at = i;
		hc->types[n] = (struct dnsf_type_rule){lo, hi, act};
		n++;
	}
	hc->n_types = (uint8_t)n;
	return 0;
}

static int
conv_hardening(struct ctx *c, const struct raw_hardening *h, struct dnsf_harden_cfg *hc)
{
	if (!h)
		return 0;
	if (get_bool(c, "hardening.case_randomization", h->case_randomization,
	             &hc->case_randomization) < 0 ||
	    get_path(c, "hardening.case_exceptions", h->case_exceptions, hc->case_exceptions,
	             NULL) < 0 ||
	    get_bool(c, "hardening.edns_clamp", h->edns_clamp, &hc->edns_clamp) < 0 ||
	    num_u16(c, "hardening.edns_max", h->edns_max, 512, 4096, &hc->edns_max) < 0 ||
	    get_enum(c, "hardening.edns_oversize", h->edns_oversize, oversize_names,
	             N_(oversize_names), &hc->edns_oversize) < 0 ||
	    get_bool(c, "hardening.rare_types", h->rare_types, &hc->rare_types) < 0 ||
	    conv_types(c, hc) < 0)
		return -1;
	if (h->case_key && *h->case_key) {
		/* The key is a secret: the error does not quote it. */
		if (dnsf_harden_key_parse(h->case_key, hc->case_key) != 0)
			return fail(c, "hardening.case_key",
			            "not a 128-bit key: write exactly 32 hex digits, or \"\" for a "
			            "random key at every start");
		hc->case_key_set = 1;
	}
	return 0;
}

int
dnsf_listen_parse(const char *s, int *family, uint8_t addr[16], uint16_t *port, char *err,
                  size_t errlen)
{
	char host[DNSF_LISTEN_MAX];
	const char *colon, *p;
	size_t hl;
	unsigned long v = 0;

	if (s[0] == '[') { /* [v6]:port */
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "expected [IPV6]:PORT");
			return -1;
		}
		hl = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "expected ADDRESS:PORT (e.g. 127.0.0.1:9117)");
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "missing or too long address");
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	/* Digits only: strtoul would take "+9", " 9" or "9abc". */
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || v > 65535) {
			snprintf(err, errlen, "port must be a number 1..65535");
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (p == colon + 1 || v == 0 || v > 65535) {
		snprintf(err, errlen, "port must be a number 1..65535");
		return -1;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = AF_INET6;
	else {
		snprintf(err, errlen, "'%s' is not a numeric IPv4 or IPv6 address", host);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static int
conv_metrics(struct ctx *c, const struct raw_metrics *m, struct dnsf_config *cfg)
{
	char why[128];
	uint8_t addr[16];
	uint16_t port;
	int fam;

	if (!m->listen)
		return 0;
	if (get_str(c, "metrics.listen", m->listen, cfg->metrics_listen,
	            sizeof(cfg->metrics_listen), true) < 0)
		return -1;
	if (cfg->metrics_listen[0] &&
	    dnsf_listen_parse(cfg->metrics_listen, &fam, addr, &port, why, sizeof(why)) < 0)
		return fail(c, "metrics.listen", "'%s': %s (\"\" turns metrics off)",
		            SHOWN(cfg->metrics_listen), why);
	return 0;
}

/* Checks that need more than one key, and the files, once every value is known. */
static int
check_whole(struct ctx *c, struct dnsf_config *cfg)
{
	uint64_t need;
	unsigned nports = cfg->n_ports ? cfg->n_ports : 2;
	unsigned rxq = dnsf_config_rx_queues(cfg);

	/* DPDK refuses a per-lcore cache larger than n / 1.5 (its flush threshold). */
	if ((uint64_t)cfg->mbuf_cache * 3 > (uint64_t)cfg->mbufs * 2)
		return fail(c, "mempool.cache",
		            "%" PRIu32 " is too large for %" PRIu32 " mbufs (at most mbufs / 1.5 = "
		            "%" PRIu32 ")",
		            cfg->mbuf_cache, cfg->mbufs, (uint32_t)((uint64_t)cfg->mbufs * 2 / 3));
	need = dnsf_config_mbufs_needed(cfg, nports);
	if (cfg->mbufs < need)
		return fail(
		    c, "mempool.mbufs",
		    "%" PRIu32 " is too few; at least %" PRIu64 " are needed: %u ports x "
		    "(%u RX queue(s) x %u + %u TX queue(s) x %u descriptors) + %u worker(s) "
		    "x (%u burst + %" PRIu32 " cache)",
		    cfg->mbufs, need, nports, rxq, cfg->rx_desc, cfg->n_workers, cfg->tx_desc,
		    cfg->n_workers, cfg->burst, cfg->mbuf_cache);

	if (cfg->allowlist[0] && check_readable(c, "lists.allow", cfg->allowlist, "allow list") < 0)
		return -1;
	if (cfg->denylist[0] && check_readable(c, "lists.deny", cfg->denylist, "deny list") < 0)
		return -1;
	if (cfg->event_log[0] && strcmp(cfg->event_log, "-") != 0 &&
	    check_writable_dir(c, "events.log", cfg->event_log) < 0)
		return -1;
	if (cfg->forensics.pcap[0] &&
	    check_writable_dir(c, "forensics.pcap", cfg->forensics.pcap) < 0)
		return -1;
	/* Like the PSL: the exception list is read only when case randomization runs. */
	if (cfg->harden.case_randomization && cfg->harden.case_exceptions[0] &&
	    check_readable(c, "hardening.case_exceptions", cfg->harden.case_exceptions,
	                   "case exception list") < 0)
		return -1;

	/* The detector's files matter only when it runs. */
	if (!cfg->detect.enabled)
		return 0;
	if (!cfg->detect.psl[0])
		return fail(c, "detection.psl",
		            "empty, but detection needs a public suffix list (or set "
		            "detection.enabled: false)");
	if (check_readable(c, "detection.psl", cfg->detect.psl, "public suffix list") < 0)
		return -1;
	if (!cfg->model.path[0] &&
	    (cfg->model.combine == DNSF_COMBINE_BOTH || cfg->model.combine == DNSF_COMBINE_MODEL))
		return fail(c, "model.combine", "'%s' needs a model, but model.path is empty",
		            dnsf_combine_name(cfg->model.combine));
	/* With either, both or model the model's verdict must see every message. */
	if (cfg->model.score == DNSF_MSCOPE_SUSPICIOUS && cfg->model.combine != DNSF_COMBINE_RULES)
		return fail(c, "model.score",
		            "'suspicious' needs combine: rules, not '%s' (the model's verdict "
		            "must see every message)",
		            dnsf_combine_name(cfg->model.combine));
	if (cfg->model.path[0] && cfg->model.required &&
	    check_readable(c, "model.path", cfg->model.path, "model") < 0)
		return -1;
	return 0;
}

static int
convert(struct ctx *c, const struct raw_config *r, struct dnsf_config *cfg)
{
	if (conv_eal(c, r, cfg) < 0 ||
	    get_enum(c, "mode", r->mode, mode_names, N_(mode_names), &cfg->mode) < 0 ||
	    conv_ports(c, r, cfg) < 0 || conv_pairs(c, r, cfg) < 0 ||
	    conv_workers(c, r->workers, cfg) < 0)
		return -1;
	if (r->mempool &&
	    (num_u32(c, "mempool.mbufs", r->mempool->mbufs, 256, 1u << 26, &cfg->mbufs) < 0 ||
	     num_u32(c, "mempool.cache", r->mempool->cache, 0, 512, &cfg->mbuf_cache) < 0))
		return -1;
	if (r->rings) {
		uint32_t rx = cfg->rx_desc, tx = cfg->tx_desc;

		/* Every PMD's descriptor alignment divides a power of two >= 64. */
		if (num_pow2(c, "rings.rx_desc", r->rings->rx_desc, 64, 32768, &rx) < 0 ||
		    num_pow2(c, "rings.tx_desc", r->rings->tx_desc, 64, 32768, &tx) < 0 ||
		    num_pow2(c, "rings.events", r->rings->events, 64, 1u << 20, &cfg->event_ring) <
		        0)
			return -1;
		cfg->rx_desc = (uint16_t)rx;
		cfg->tx_desc = (uint16_t)tx;
	}
	if (conv_dns(c, r->dns, cfg) < 0)
		return -1;
	if (r->policy && (get_enum(c, "policy.malformed", r->policy->malformed, policy_names,
	                           N_(policy_names), &cfg->malformed_action) < 0 ||
	                  get_enum(c, "policy.fragments", r->policy->fragments, policy_names,
	                           N_(policy_names), &cfg->fragment_action) < 0))
		return -1;
	if (r->lists && (get_path(c, "lists.allow", r->lists->allow, cfg->allowlist, NULL) < 0 ||
	                 get_path(c, "lists.deny", r->lists->deny, cfg->denylist, NULL) < 0))
		return -1;
	if (r->events && get_path(c, "events.log", r->events->log, cfg->event_log, "-") < 0)
		return -1;
	if (r->events && r->events->syslog) {
		if (get_str(c, "events.syslog", r->events->syslog, cfg->event_syslog,
		            sizeof(cfg->event_syslog), true) < 0)
			return -1;
		/* A socket path, not a file we create: one relative to the config dir would
		 * surprise. */
		if (cfg->event_syslog[0] && cfg->event_syslog[0] != '/')
			return fail(
			    c, "events.syslog",
			    "'%s' must be an absolute socket path (e.g. /dev/log) or \"\" (off)",
			    SHOWN(cfg->event_syslog));
		if (strlen(cfg->event_syslog) >= 108) /* sun_path */
			return fail(c, "events.syslog", "'%s' is too long for a socket path",
			            SHOWN(cfg->event_syslog));
	}
	if (r->metrics && conv_metrics(c, r->metrics, cfg) < 0)
		return -1;
	if (r->forensics &&
	    (get_path(c, "forensics.pcap", r->forensics->pcap, cfg->forensics.pcap, NULL) < 0 ||
	     num_u32(c, "forensics.rate", r->forensics->rate, 1, 1000000, &cfg->forensics.rate) <
	         0 ||
	     num_u32(c, "forensics.max_size_kb", r->forensics->max_size_kb, 1, 4194304,
	             &cfg->forensics.max_size_kb) < 0 ||
	     num_u32(c, "forensics.files", r->forensics->files, 1, 100, &cfg->forensics.files) <
	         0 ||
	     get_bool(c, "forensics.pdump", r->forensics->pdump, &cfg->forensics.pdump) < 0))
		return -1;
	if (get_bool(c, "telemetry", r->telemetry, &cfg->telemetry) < 0 ||
	    conv_detection(c, r->detection, &cfg->detect) < 0 ||
	    conv_model(c, r->model, &cfg->model) < 0 ||
	    conv_hardening(c, r->hardening, &cfg->harden) < 0)
		return -1;
	return check_whole(c, cfg);
}

/* ------------------------------------------------------------------------------------------ */
/* Entry points */

static int
read_file(struct ctx *c, const char *path, char **buf, size_t *len)
{
	struct stat st;
	ssize_t got;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail_at(c, NULL, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail_at(c, NULL, 0, 0, "not a regular file");
	}
	if (st.st_size > DNSF_CONFIG_MAX_BYTES) {
		close(fd);
		return fail_at(c, NULL, 0, 0,
		               "%lld bytes, larger than the %d a configuration may be",
		               (long long)st.st_size, DNSF_CONFIG_MAX_BYTES);
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return fail_at(c, NULL, 0, 0, "out of memory");
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, *buf + off, (size_t)st.st_size - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	close(fd);
	if (off != (size_t)st.st_size)
		return fail_at(c, NULL, 0, 0, "read error");
	(*buf)[off] = '\0';
	*len = off;
	return 0;
}

/* The absolute directory of the config file: the base of its relative paths. */
static int
config_dir(struct ctx *c, const char *path)
{
	char dir[DNSF_PATH_MAX];
	char *slash;
	char *real;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	real = realpath(dir, NULL);
	if (!real)
		return fail_at(c, NULL, 0, 0, "cannot resolve its directory '%s': %s", dir,
		               strerror(errno));
	if (strlen(real) >= sizeof(c->dir)) {
		free(real);
		return fail_at(c, NULL, 0, 0, "its directory path is too long");
	}
	snprintf(c->dir, sizeof(c->dir), "%s", real);
	free(real);
	return 0;
}

int
dnsf_config_load(const char *path, struct dnsf_config *out, char *err, size_t errlen)
{
	struct ctx c = {.file = path && *path ? path : "(no file)", .err = err, .errlen = errlen};
	cyaml_config_t ycfg = {
	    .log_fn = cy_log,
	    .log_ctx = &c,
	    .mem_fn = cyaml_mem,
	    .log_level = CYAML_LOG_ERROR,
	    .flags = CYAML_CFG_NO_ALIAS,
	};
	struct raw_config *raw = NULL;
	struct dnsf_config *cfg = NULL;
	char *buf = NULL;
	size_t len = 0;
	cyaml_err_t e;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !*path) {
		fail_at(&c, NULL, 0, 0, "no configuration file given");
		return -1;
	}
	if (strlen(path) >= sizeof(cfg->path)) {
		fail_at(&c, NULL, 0, 0, "path too long");
		return -1;
	}
	if (read_file(&c, path, &buf, &len) < 0 || config_dir(&c, path) < 0 ||
	    walk_yaml(&c, buf, len) < 0)
		goto out;

	if (c.root_null) {
		fail_at(&c, NULL, 0, 0, "empty configuration (no keys at all)");
		goto out;
	}
	e = cyaml_load_data((const uint8_t *)buf, len, &ycfg, &top_schema, (cyaml_data_t **)&raw,
	                    NULL);
	if (e != CYAML_OK) {
		raw = NULL; /* libcyaml frees a partial load itself */
		cy_fail(&c, e);
		goto out;
	}
	if (!raw) {
		fail_at(&c, NULL, 0, 0, "empty configuration (no keys at all)");
		goto out;
	}

	/* Work on a private copy so that *out is untouched unless everything is valid. */
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		fail_at(&c, NULL, 0, 0, "out of memory");
		goto out;
	}
	dnsf_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if (convert(&c, raw, cfg) == 0) {
		memcpy(out, cfg, sizeof(*out));
		rc = 0;
	}
out:
	if (raw)
		cyaml_free(&ycfg, &top_schema, raw, 0);
	for (size_t i = 0; i < c.n_pos; i++) {
		free(c.pos[i].path);
		free(c.pos[i].value);
	}
	free(c.pos);
	free(cfg);
	free(buf);
	return rc;
}

int
dnsf_config_validate_live(const struct dnsf_config *cfg, char *err, size_t errlen)
{
	char dummy[1];

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (cfg->n_ports == 0) {
		snprintf(err, errlen,
		         "%s: ports: a live run needs at least one port (or use --replay)",
		         cfg->path);
		return -1;
	}
	if (cfg->n_pairs == 0) {
		snprintf(err, errlen,
		         "%s: pairs: a live run needs at least one inside/outside pair", cfg->path);
		return -1;
	}
	return 0;
}

int
dnsf_config_port_index(const struct dnsf_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

unsigned
dnsf_config_rx_queues(const struct dnsf_config *cfg)
{
	return cfg->rx_queues ? cfg->rx_queues : cfg->n_workers;
}

uint64_t
dnsf_config_mbufs_needed(const struct dnsf_config *cfg, unsigned n_ports)
{
	uint64_t per_port = (uint64_t)dnsf_config_rx_queues(cfg) * cfg->rx_desc +
	                    (uint64_t)cfg->n_workers * cfg->tx_desc;

	return (uint64_t)n_ports * per_port +
	       (uint64_t)cfg->n_workers * ((uint64_t)cfg->burst + cfg->mbuf_cache);
}
