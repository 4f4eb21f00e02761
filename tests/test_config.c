/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dnsf_config: a full valid file, a minimal one (defaults), the shipped default,
 * relative path resolution, and every class of invalid file — each asserting rc == -1, that
 * the output struct is untouched, and that the one-line message names the file, the key path
 * and (where the value is in the file) its line.
 *
 * Fixture files are written at run time into a private mkdtemp() directory, so each YAML text
 * sits next to the assertions that depend on its line numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsf_config.h"

static char tmpdir[64]; /* "/tmp/dnsf_test_config_XXXXXX" */

static void
write_at(const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
mkdir_at(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dnsf_test_config_XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	mkdir_at("lists");
	write_at("lists/allow.txt", "good.example\n");
	write_at("lists/deny.txt", "evil.example\n");
	write_at("psl.dat", "com\nexample\n");
	write_at("model.bin", "not really a model; the config only checks it can be read\n");
	mkdir_at("logs");
	mkdir_at("sub");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	/* tmpdir is ours (mkdtemp) and holds only the files written above. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write `yaml` to <tmpdir>/t.yaml and load it. */
static int
load_text(const char *yaml, struct dnsf_config *cfg, char *err, size_t errlen)
{
	char path[PATH_MAX];

	write_at("t.yaml", yaml);
	snprintf(path, sizeof(path), "%s/t.yaml", tmpdir);
	return dnsf_config_load(path, cfg, err, errlen);
}

static void
load_ok(const char *yaml, struct dnsf_config *cfg)
{
	char err[DNSF_ERR_MAX] = "";

	if (load_text(yaml, cfg, err, sizeof(err)) != 0)
		fail_msg("expected a valid config, got: %s", err);
}

/* Expect rc == -1, *cfg untouched, and a one-line message "<file>: ..." holding every one of
 * the NULL-terminated substrings. */
static void
expect_error(const char *yaml, ...)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg)), *pattern = malloc(sizeof(*pattern));
	char err[DNSF_ERR_MAX] = "", prefix[PATH_MAX];
	const char *want;
	va_list ap;

	assert_non_null(cfg);
	assert_non_null(pattern);
	memset(pattern, 0x5a, sizeof(*pattern));
	memcpy(cfg, pattern, sizeof(*cfg));
	if (load_text(yaml, cfg, err, sizeof(err)) != -1)
		fail_msg("expected an error for:\n%s", yaml);
	assert_memory_equal(cfg, pattern, sizeof(*cfg));
	snprintf(prefix, sizeof(prefix), "%s/t.yaml: ", tmpdir);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("message does not start with the file name: %s", err);
	assert_null(strchr(err, '\n'));
	va_start(ap, yaml);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (!strstr(err, want))
			fail_msg("message '%s' lacks '%s'", err, want);
	va_end(ap);
	free(cfg);
	free(pattern);
}

/* ------------------------------------------------------------------------------------------ */

static const char full_yaml[] =
    "eal: [\"--log-level=lib.eal:notice\", \"--no-telemetry\"]\n"
    "mode: monitor\n"
    "ports:\n"
    "  - { name: inside, device: \"net_null0,no-rx=1\" }\n"
    "  - { name: outside, device: \"0000:01:00.1\" }\n"
    "pairs:\n"
    "  - { inside: inside, outside: outside }\n"
    "workers: { lcores: [2, 3], control_lcore: 1, rx_queues: 2, burst: 64, tx_drain_us: 50 }\n"
    "mempool: { mbufs: 16383, cache: 128 }\n"
    "rings: { rx_desc: 512, tx_desc: 2048, events: 8192 }\n"
    "dns: { ports: [53, 5353], tcp: false }\n"
    "policy: { malformed: pass, fragments: drop }\n"
    "lists: { allow: lists/allow.txt, deny: lists/deny.txt }\n"
    "events: { log: logs/events.jsonl }\n"
    "telemetry: no\n"
    "forensics: { pdump: on }\n"
    "detection:\n"
    "  enabled: true\n"
    "  action: refuse\n"
    "  refuse_rcode: nxdomain\n"
    "  psl: psl.dat\n"
    "  flow_entries: 1024\n"
    "  domain_entries: 2048\n"
    "  top_labels: 256\n"
    "  hold_seconds: 60\n"
    "  event_interval_seconds: 0\n"
    "  rules: { threshold: 90, subdomain_len: 20, label_len: 30, entropy_milli: 3000,\n"
    "           flow_distinct: 10, flow_info_bytes: 512, domain_distinct: 100,\n"
    "           domain_info_bytes: 4096 }\n"
    "  water_torture: { action: log, domain_distinct: 60, negative_pm: 800 }\n"
    "  beacon: { enabled: false, regular_gaps: 5, name_points: 40 }\n"
    "model: { path: model.bin, threshold: 700, combine: both, required: true }\n";

static void
test_full_valid(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));
	char want[PATH_MAX], err[DNSF_ERR_MAX];

	(void)state;
	assert_non_null(cfg);
	load_ok(full_yaml, cfg);

	assert_int_equal(cfg->n_eal_args, 2);
	assert_string_equal(cfg->eal_args[1], "--no-telemetry");
	assert_int_equal(cfg->mode, DNSF_MODE_MONITOR);
	assert_int_equal(cfg->n_ports, 2);
	assert_string_equal(cfg->ports[0].name, "inside");
	assert_string_equal(cfg->ports[0].device, "net_null0,no-rx=1");
	assert_string_equal(cfg->ports[1].device, "0000:01:00.1");
	assert_int_equal(cfg->n_pairs, 1);
	assert_int_equal(cfg->pairs[0].inside, 0);
	assert_int_equal(cfg->pairs[0].outside, 1);
	assert_int_equal(dnsf_config_port_index(cfg, "outside"), 1);
	assert_int_equal(dnsf_config_port_index(cfg, "nope"), -1);

	assert_int_equal(cfg->n_workers, 2);
	assert_int_equal(cfg->worker_lcores[0], 2);
	assert_int_equal(cfg->worker_lcores[1], 3);
	assert_int_equal(cfg->control_lcore, 1);
	assert_int_equal(cfg->rx_queues, 2);
	assert_int_equal(cfg->burst, 64);
	assert_int_equal(cfg->tx_drain_us, 50);
	assert_int_equal(cfg->mbufs, 16383);
	assert_int_equal(cfg->mbuf_cache, 128);
	assert_int_equal(cfg->rx_desc, 512);
	assert_int_equal(cfg->tx_desc, 2048);
	assert_int_equal(cfg->event_ring, 8192);

	assert_int_equal(cfg->pkt.n_dns_ports, 2);
	assert_int_equal(cfg->pkt.dns_ports[1], 5353);
	assert_int_equal(cfg->pkt.tcp, 0);
	assert_int_equal(cfg->malformed_action, DNSF_ACT_PASS);
	assert_int_equal(cfg->fragment_action, DNSF_ACT_DROP);
	assert_int_equal(cfg->telemetry, 0);
	assert_int_equal(cfg->forensics.pdump, 1);

	snprintf(want, sizeof(want), "%s/lists/allow.txt", tmpdir);
	assert_string_equal(cfg->allowlist, want);
	snprintf(want, sizeof(want), "%s/lists/deny.txt", tmpdir);
	assert_string_equal(cfg->denylist, want);
	snprintf(want, sizeof(want), "%s/logs/events.jsonl", tmpdir);
	assert_string_equal(cfg->event_log, want);

	assert_int_equal(cfg->detect.enabled, 1);
	assert_int_equal(cfg->detect.action, DNSF_ACT_REFUSE);
	assert_int_equal(cfg->detect.refuse_rcode, DNSF_RCODE_NXDOMAIN);
	assert_int_equal(cfg->detect.water_torture.action, DNSF_ACT_LOG);
	assert_int_equal(cfg->detect.water_torture.domain_distinct, 60);
	assert_int_equal(cfg->detect.water_torture.negative_pm, 800);
	assert_int_equal(cfg->detect.beacon.enabled, 0);
	assert_int_equal(cfg->detect.beacon.regular_gaps, 5);
	assert_int_equal(cfg->detect.beacon.name_points, 40);
	snprintf(want, sizeof(want), "%s/psl.dat", tmpdir);
	assert_string_equal(cfg->detect.psl, want);
	assert_int_equal(cfg->detect.flow_entries, 1024);
	assert_int_equal(cfg->detect.domain_entries, 2048);
	assert_int_equal(cfg->detect.top_labels, 256);
	assert_int_equal(cfg->detect.hold_seconds, 60);
	assert_int_equal(cfg->detect.event_interval_seconds, 0);
	assert_int_equal(cfg->detect.rules.threshold, 90);
	assert_int_equal(cfg->detect.rules.entropy_milli, 3000);
	assert_int_equal(cfg->detect.rules.domain_info_bytes, 4096);
	snprintf(want, sizeof(want), "%s/model.bin", tmpdir);
	assert_string_equal(cfg->model.path, want);
	assert_int_equal(cfg->model.threshold, 700);
	assert_int_equal(cfg->model.combine, DNSF_COMBINE_BOTH);
	assert_int_equal(cfg->model.required, 1);

	snprintf(want, sizeof(want), "%s/t.yaml", tmpdir);
	assert_string_equal(cfg->path, want);
	assert_int_equal(dnsf_config_validate_live(cfg, err, sizeof(err)), 0);
	/* 2 ports x (2 x 512 + 2 x 2048) + 2 x (64 + 128) */
	assert_int_equal(dnsf_config_mbufs_needed(cfg, 2), 10624);
	free(cfg);
}

static void
test_minimal_defaults(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg)), *def = malloc(sizeof(*def));
	char err[DNSF_ERR_MAX];

	(void)state;
	assert_non_null(cfg);
	assert_non_null(def);
	load_ok("# nothing but one key\nmode: inline\n", cfg);
	dnsf_config_defaults(def);
	snprintf(def->path, sizeof(def->path), "%s/t.yaml", tmpdir);
	assert_memory_equal(cfg, def, sizeof(*cfg));

	/* The documented defaults, spelled out. */
	assert_int_equal(cfg->mode, DNSF_MODE_INLINE);
	assert_int_equal(cfg->n_ports, 0);
	assert_int_equal(cfg->n_pairs, 0);
	assert_int_equal(cfg->n_workers, 1);
	assert_int_equal(cfg->worker_lcores[0], 1);
	assert_int_equal(cfg->control_lcore, 0);
	assert_int_equal(cfg->rx_queues, 0);
	assert_int_equal(dnsf_config_rx_queues(cfg), 1);
	assert_int_equal(cfg->burst, 32);
	assert_int_equal(cfg->tx_drain_us, 100);
	assert_int_equal(cfg->mbufs, 8191);
	assert_int_equal(cfg->mbuf_cache, 256);
	assert_int_equal(cfg->rx_desc, 1024);
	assert_int_equal(cfg->tx_desc, 1024);
	assert_int_equal(cfg->event_ring, 4096);
	assert_int_equal(cfg->pkt.n_dns_ports, 1);
	assert_int_equal(cfg->pkt.dns_ports[0], 53);
	assert_int_equal(cfg->pkt.tcp, 1);
	assert_int_equal(cfg->malformed_action, DNSF_ACT_DROP);
	assert_int_equal(cfg->fragment_action, DNSF_ACT_PASS);
	assert_string_equal(cfg->allowlist, "");
	assert_string_equal(cfg->denylist, "");
	assert_string_equal(cfg->event_log, "");
	assert_int_equal(cfg->telemetry, 1);
	assert_int_equal(cfg->forensics.pdump, 0);
	assert_int_equal(cfg->detect.enabled, 1);
	assert_int_equal(cfg->detect.action, DNSF_ACT_DROP);
	assert_int_equal(cfg->detect.refuse_rcode, DNSF_RCODE_REFUSED);
	assert_int_equal(cfg->detect.water_torture.action, DNSF_ACT_DROP);
	assert_int_equal(cfg->detect.water_torture.domain_distinct, 100);
	assert_int_equal(cfg->detect.water_torture.negative_pm, 500);
	assert_int_equal(cfg->detect.beacon.enabled, 1);
	assert_int_equal(cfg->detect.beacon.regular_gaps, 6);
	assert_int_equal(cfg->detect.beacon.name_points, 25);
	assert_string_equal(cfg->detect.psl, "/usr/share/publicsuffix/public_suffix_list.dat");
	assert_int_equal(cfg->detect.flow_entries, 262144);
	assert_int_equal(cfg->detect.domain_entries, 65536);
	assert_int_equal(cfg->detect.top_labels, 4096);
	assert_int_equal(cfg->detect.hold_seconds, 300);
	assert_int_equal(cfg->detect.event_interval_seconds, 10);
	assert_int_equal(cfg->detect.rules.threshold, 100);
	assert_int_equal(cfg->detect.rules.subdomain_len, 24);
	assert_int_equal(cfg->detect.rules.label_len, 40);
	assert_int_equal(cfg->detect.rules.entropy_milli, 3500);
	assert_int_equal(cfg->detect.rules.flow_distinct, 24);
	assert_int_equal(cfg->detect.rules.flow_info_bytes, 1024);
	assert_int_equal(cfg->detect.rules.domain_distinct, 200);
	assert_int_equal(cfg->detect.rules.domain_info_bytes, 8192);
	assert_string_equal(cfg->model.path, "");
	assert_int_equal(cfg->model.threshold, 500);
	assert_int_equal(cfg->model.combine, DNSF_COMBINE_EITHER);
	assert_int_equal(cfg->model.score, DNSF_MSCOPE_ALL);
	assert_int_equal(cfg->model.required, 1);

	/* Valid for replay, not for a live run. */
	assert_int_equal(dnsf_config_validate_live(cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml: ports: a live run needs at least one port"));

	/* Empty sections and empty lists mean "defaults" / "none". */
	load_ok("workers:\nports: []\npairs:\neal: []\n", cfg);
	assert_int_equal(cfg->n_workers, 1);
	assert_int_equal(cfg->n_ports, 0);
	free(cfg);
	free(def);
}

static void
test_validate_live(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));
	char err[DNSF_ERR_MAX];

	(void)state;
	assert_non_null(cfg);
	load_ok("ports:\n"
	        "  - { name: a, device: net_null0 }\n"
	        "  - { name: b, device: net_null1 }\n"
	        "pairs: [ { inside: a, outside: b } ]\n",
	        cfg);
	assert_int_equal(dnsf_config_validate_live(cfg, err, sizeof(err)), 0);
	cfg->n_pairs = 0;
	assert_int_equal(dnsf_config_validate_live(cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pairs: a live run needs at least one"));
	free(cfg);
}

static void
test_empty(void **state)
{
	(void)state;
	expect_error("", "empty configuration", NULL);
	expect_error("# only a comment\n\n", "empty configuration", NULL);
	expect_error("---\n", "empty configuration", NULL);
	expect_error("~\n", "empty configuration", NULL);
}

static void
test_junk_numbers(void **state)
{
	(void)state;
	/* libcyaml 1.3.1 would read this as 53 with success. */
	expect_error("dns:\n  ports: [53abc]\n", "dns.ports[0]: '53abc' is not a number",
	             "(line 2, column 11)", NULL);
	expect_error("workers:\n  burst: 32x\n", "workers.burst: '32x' is not a number", "line 2",
	             NULL);
	expect_error(
	    "detection: { water_torture: { action: maybe } }\n",
	    "detection.water_torture.action: 'maybe' is not one of: drop, refuse, log, off", NULL);
	expect_error("detection: { water_torture: { domain_distinct: 300 } }\n",
	             "detection.water_torture.domain_distinct", NULL);
	expect_error("detection: { beacon: { regular_gaps: 8 } }\n",
	             "detection.beacon.regular_gaps", NULL);
	expect_error("detection: { beacon: { name_points: 0 } }\n", "detection.beacon.name_points",
	             NULL);
	expect_error("detection: { beacon: { enabled: maybe } }\n", "detection.beacon.enabled",
	             NULL);
	expect_error("detection: { beacon: { period: 60 } }\n", "period", NULL);
	/* The example, on a known line. */
	expect_error("detection:\n"
	             "  enabled: true\n"
	             "  rules:\n"
	             "    label_len: 40\n"
	             "    threshold: 12x\n",
	             "t.yaml: detection.rules.threshold: '12x' is not a number (line 5", NULL);
	expect_error("workers: { burst: -1 }\n", "workers.burst: '-1' is not a number", NULL);
	expect_error("workers: { burst: +5 }\n", "workers.burst: '+5' is not a number", NULL);
	expect_error("workers: { burst: 0x10 }\n", "'0x10' is not a number", NULL);
	expect_error("workers: { burst: 3.5 }\n", "'3.5' is not a number", NULL);
	expect_error("workers: { burst: 1e2 }\n", "'1e2' is not a number", NULL);
	expect_error("workers: { burst: \" 32\" }\n", "' 32' is not a number", NULL);
	expect_error("workers: { burst: 010 }\n", "'010' is not a number (leading zero)", NULL);
	expect_error("workers: { burst: }\n", "workers.burst: missing value", NULL);
	expect_error("model: { threshold: \"\" }\n", "model.threshold: missing value", NULL);
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_error("workers: { burst: 0 }\n", "workers.burst: '0' is out of range (1..512)",
	             NULL);
	expect_error("workers: { burst: 513 }\n", "workers.burst: '513' is out of range (1..512)",
	             NULL);
	expect_error("dns: { ports: [0] }\n", "dns.ports[0]: '0' is out of range (1..65535)", NULL);
	expect_error("dns: { ports: [53, 65536] }\n", "dns.ports[1]: '65536' is out of range",
	             NULL);
	expect_error("model: { threshold: 1001 }\n", "model.threshold: '1001' is out of range",
	             NULL);
	expect_error("detection: { rules: { label_len: 64 } }\n",
	             "detection.rules.label_len: '64' is out of range (1..63)", NULL);
	expect_error("workers: { tx_drain_us: 99999999999999999999999999 }\n",
	             "workers.tx_drain_us: '99999999999999999999999999' is out of range", NULL);
	expect_error("workers: { lcores: [128] }\n", "workers.lcores[0]: '128' is out of range",
	             NULL);
	expect_error("workers: { rx_queues: 17 }\n", "workers.rx_queues: '17' is out of range",
	             NULL);
	expect_error("mempool: { cache: 513 }\n", "mempool.cache: '513' is out of range (0..512)",
	             NULL);
}

static void
test_power_of_two(void **state)
{
	(void)state;
	expect_error("detection:\n  flow_entries: 100000\n",
	             "detection.flow_entries: 100000 is not a power of two (nearest: 65536 or "
	             "131072)",
	             "line 2", NULL);
	expect_error("detection: { domain_entries: 3000 }\n",
	             "detection.domain_entries: 3000 is not a power of two", NULL);
	expect_error("detection: { top_labels: 5000 }\n",
	             "detection.top_labels: 5000 is not a power of two (nearest: 4096 or 8192)",
	             NULL);
	expect_error("detection: { top_labels: 32 }\n",
	             "detection.top_labels: '32' is out of range (64..1048576)", NULL);
	expect_error("detection: { top_labels: 2097152 }\n",
	             "detection.top_labels: '2097152' is out of range (64..1048576)", NULL);
	expect_error("rings: { events: 1000 }\n", "rings.events: 1000 is not a power of two", NULL);
	expect_error("rings: { rx_desc: 1000 }\n", "rings.rx_desc: 1000 is not a power of two",
	             NULL);
	expect_error("rings: { tx_desc: 32 }\n", "rings.tx_desc: '32' is out of range (64..32768)",
	             NULL);
}

static void
test_unknown_keys(void **state)
{
	(void)state;
	expect_error("mode: inline\nmodes: inline\n", "t.yaml: modes: unknown key",
	             "(line 2, column 1)", NULL);
	expect_error("workers:\n  lcores: [1]\n  bursts: 3\n", "workers.bursts: unknown key",
	             "allowed: lcores, control_lcore, rx_queues, burst, tx_drain_us", "line 3",
	             NULL);
	expect_error("ports:\n"
	             "  - name: a\n"
	             "    device: x\n"
	             "    speed: 10\n",
	             "ports[0].speed: unknown key (allowed: name, device) (line 4, column 5)",
	             NULL);
	expect_error("detection:\n  rules:\n    treshold: 5\n",
	             "detection.rules.treshold: unknown key", "line 3", NULL);
	/* Keys are case-sensitive. */
	expect_error("Mode: inline\n", "Mode: unknown key", NULL);
	/* A key with a newline in it still gives a one-line message. */
	expect_error("\"mo\\nde\": inline\n", "mo?de: unknown key", NULL);
}

static void
test_wrong_types(void **state)
{
	(void)state;
	expect_error("workers: 5\n", "workers: expected a mapping, found a single value", "line 1",
	             NULL);
	expect_error("workers:\n  burst: [1]\n",
	             "workers.burst: expected a single value, found a list", "line 2", NULL);
	expect_error("ports: { name: a }\n", "ports: expected a list, found a mapping", NULL);
	expect_error("ports: [ a ]\n", "ports[0]: expected a mapping, found a single value", NULL);
	expect_error("- mode\n", "expected a mapping of keys", "found a list", NULL);
	expect_error("just text\n", "expected a mapping of keys", "found a single value", NULL);
	expect_error("dns: { ports: 53 }\n", "dns.ports: expected a list, found a single value",
	             NULL);
	expect_error("mode: inline\nmode: monitor\n", "mode: key given twice", "line 2", NULL);
}

static void
test_enums_and_bools(void **state)
{
	(void)state;
	expect_error("mode: inlin\n", "mode: 'inlin' is not one of: inline, monitor", "line 1",
	             NULL);
	expect_error("detection: { action: pass }\n",
	             "detection.action: 'pass' is not one of: drop, refuse, log", NULL);
	expect_error("detection: { refuse_rcode: servfail }\n",
	             "detection.refuse_rcode: 'servfail' is not one of: refused, nxdomain", NULL);
	expect_error("policy: { malformed: reject }\n",
	             "policy.malformed: 'reject' is not one of: drop, pass", NULL);
	expect_error("policy: { fragments: Drop }\n", "policy.fragments: 'Drop' is not one of",
	             NULL);
	expect_error("model: { combine: any }\n",
	             "model.combine: 'any' is not one of: either, both, rules, model", NULL);
	expect_error("mode:\n", "mode: missing value (one of: inline, monitor)", NULL);
	expect_error("telemetry: maybe\n", "telemetry: 'maybe' is not a boolean", "line 1", NULL);
	expect_error("dns: { tcp: 1 }\n", "dns.tcp: '1' is not a boolean", NULL);
	expect_error("forensics: { pdump: enabled }\n",
	             "forensics.pdump: 'enabled' is not a boolean", NULL);
	expect_error("model: { required: }\n", "model.required: missing value", NULL);
}

static void
test_missing_files(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));
	char want[PATH_MAX + 64];

	(void)state;
	assert_non_null(cfg);
	snprintf(want, sizeof(want), "cannot read allow list '%s/lists/nope.txt'", tmpdir);
	expect_error("lists:\n  allow: lists/nope.txt\n", "lists.allow:", want,
	             "No such file or directory", "(line 2, column 10)", NULL);
	expect_error("lists: { deny: lists }\n", "lists.deny: deny list", "is not a regular file",
	             NULL);
	expect_error("detection: { psl: nope.dat }\n",
	             "detection.psl: cannot read public suffix list", NULL);
	expect_error("detection: { psl: \"\" }\n", "detection.psl: empty", NULL);
	expect_error("model: { path: nope.bin }\n", "model.path: cannot read model", NULL);
	expect_error("model: { combine: model }\n", "model.combine: 'model' needs a model", NULL);
	/* model.score: suspicious leaves messages unscored: only for an advisory model. */
	expect_error("model: { score: suspicious }\n",
	             "model.score: 'suspicious' needs combine: rules, not 'either'", NULL);
	expect_error("model: { path: m.bin, required: false, combine: both, score: suspicious }\n",
	             "model.score:", "'both'", NULL);
	load_ok("model: { combine: rules, score: suspicious }\n", cfg);
	assert_int_equal(cfg->model.score, DNSF_MSCOPE_SUSPICIOUS);
	load_ok("model: { combine: either, score: all }\n", cfg);
	assert_int_equal(cfg->model.score, DNSF_MSCOPE_ALL);
	assert_int_equal(cfg->model.min_subdomain, 0);               /* default: every query */
	load_ok("model: { combine: either, score: needed }\n", cfg); /* any combine */
	assert_int_equal(cfg->model.score, DNSF_MSCOPE_NEEDED);
	expect_error("model: { combine: rules, score: some }\n",
	             "model.score: 'some' is not one of: all, suspicious, needed", NULL);
	load_ok("model: { min_subdomain: 16 }\n", cfg);
	assert_int_equal(cfg->model.min_subdomain, 16);
	expect_error("model: { min_subdomain: 254 }\n", "model.min_subdomain:", NULL);
	expect_error("model: { min_subdomain: -1 }\n", "model.min_subdomain:", NULL);
	expect_error("events: { log: nodir/events.jsonl }\n", "events.log: directory", "nodir",
	             NULL);
	expect_error("events: { log: logs }\n", "events.log:", "is a directory", NULL);

	/* A model that is not required may be missing; detection off needs no PSL. */
	load_ok("model: { path: nope.bin, required: false }\n", cfg);
	load_ok("detection: { enabled: false, psl: nope.dat }\n", cfg);
	free(cfg);
}

static void
test_ports_and_pairs(void **state)
{
	(void)state;
	expect_error("ports:\n"
	             "  - { name: a, device: net_null0 }\n"
	             "  - { name: a, device: net_null1 }\n",
	             "ports[1].name: port name 'a' is already used by ports[0]", "line 3", NULL);
	expect_error("ports:\n"
	             "  - { name: a, device: \"net_pcap0,rx_pcap=x.pcap\" }\n"
	             "  - { name: b, device: \"net_pcap0,rx_pcap=y.pcap\" }\n",
	             "ports[1].device: device 'net_pcap0' is already used by ports[0] ('a')",
	             "line 3", NULL);
	expect_error("ports:\n"
	             "  - { name: a, device: \"01:00.0\" }\n"
	             "  - { name: b, device: \"0000:01:00.0\" }\n",
	             "ports[1].device: device '0000:01:00.0' is already used", NULL);
	expect_error("ports:\n"
	             "  - { name: a, device: net_null0 }\n"
	             "  - { name: b, device: net_null1 }\n"
	             "pairs:\n"
	             "  - { inside: a, outside: c }\n",
	             "pairs[0].outside: no port named 'c' (ports: a, b)", "line 5", NULL);
	expect_error("pairs:\n  - { inside: a, outside: b }\n",
	             "pairs[0].inside: no port named 'a' (no ports are defined)", NULL);
	expect_error("ports:\n"
	             "  - { name: a, device: net_null0 }\n"
	             "  - { name: b, device: net_null1 }\n"
	             "pairs:\n"
	             "  - { inside: a, outside: a }\n",
	             "pairs[0].outside: 'a' is also the inside port of this pair", NULL);
	expect_error("ports:\n"
	             "  - { name: a, device: net_null0 }\n"
	             "  - { name: b, device: net_null1 }\n"
	             "  - { name: c, device: net_null2 }\n"
	             "pairs:\n"
	             "  - { inside: a, outside: b }\n"
	             "  - { inside: c, outside: a }\n",
	             "pairs[1].outside: port 'a' is already in pairs[0]", "line 7", NULL);
	expect_error("ports:\n"
	             "  - { name: a, device: net_null0 }\n"
	             "  - { name: b, device: net_null1 }\n"
	             "  - { name: spare, device: net_null2 }\n"
	             "pairs:\n"
	             "  - { inside: a, outside: b }\n",
	             "ports[2]: port 'spare' is not in any pair", "line 4", NULL);
	expect_error("ports:\n  - { name: a }\n", "ports[0]: missing key 'device'", NULL);
	expect_error("ports:\n  - { device: x }\n", "ports[0]: missing key 'name'", NULL);
	expect_error("ports:\n  - { name: a, outside: b }\n", "ports[0].outside: unknown key",
	             NULL);
	expect_error("pairs:\n  - { inside: a }\n", "pairs[0]: missing key 'outside'", NULL);
	expect_error("ports:\n  - { name: \"in side\", device: x }\n",
	             "ports[0].name: 'in side' is not a valid port name", NULL);
	expect_error("ports:\n  - { name: a, device: \"\" }\n", "ports[0].device: missing value",
	             NULL);
	expect_error("ports:\n"
	             "  - { name: p0, device: net_null0 }\n"
	             "  - { name: p1, device: net_null1 }\n"
	             "  - { name: p2, device: net_null2 }\n"
	             "  - { name: p3, device: net_null3 }\n"
	             "  - { name: p4, device: net_null4 }\n"
	             "  - { name: p5, device: net_null5 }\n"
	             "  - { name: p6, device: net_null6 }\n"
	             "  - { name: p7, device: net_null7 }\n"
	             "  - { name: p8, device: net_null8 }\n",
	             "ports: 9 ports, at most 8", "line 2", NULL);
	expect_error("ports:\n"
	             "  - { name: p0, device: net_null0 }\n"
	             "  - { name: p1, device: net_null1 }\n"
	             "pairs:\n"
	             "  - { inside: p0, outside: p1 }\n"
	             "  - { inside: p0, outside: p1 }\n"
	             "  - { inside: p0, outside: p1 }\n"
	             "  - { inside: p0, outside: p1 }\n"
	             "  - { inside: p0, outside: p1 }\n",
	             "pairs: 5 pairs, at most 4", NULL);
}

static void
test_workers(void **state)
{
	(void)state;
	expect_error("workers:\n  lcores: [1, 2, 1]\n",
	             "workers.lcores[2]: lcore 1 is listed twice", "(line 2, column 18)", NULL);
	expect_error("workers: { lcores: [0] }\n",
	             "workers.lcores[0]: lcore 0 is the control lcore", NULL);
	expect_error("workers: { lcores: [2, 3], control_lcore: 3 }\n",
	             "workers.lcores[1]: lcore 3 is the control lcore", NULL);
	expect_error("workers: { control_lcore: 1 }\n",
	             "workers.control_lcore: lcore 1 is also a worker", NULL);
	expect_error("workers: { lcores: [] }\n",
	             "workers.lcores: at least one worker lcore is needed", NULL);
	expect_error("workers: { lcores: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17] }\n",
	             "workers.lcores: 17 worker lcores, at most 16", NULL);
}

static void
test_mempool(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));

	(void)state;
	assert_non_null(cfg);
	/* 2 ports (a replay's) x (1 x 1024 + 1 x 1024) + 1 x (32 + 256) = 4384 */
	expect_error("mempool:\n  mbufs: 4383\n", "mempool.mbufs: 4383 is too few",
	             "at least 4384 are needed", "line 2", NULL);
	load_ok("mempool: { mbufs: 4384 }\n", cfg);
	/* More workers and queues need more. 2 x (4 x 1024 + 4 x 1024) + 4 x 288 = 17536 */
	expect_error("workers: { lcores: [1, 2, 3, 4] }\n", "mempool.mbufs: 8191 is too few",
	             "at least 17536", NULL);
	expect_error("mempool: { mbufs: 300, cache: 256 }\n",
	             "mempool.cache: 256 is too large for 300 mbufs", NULL);
	expect_error("mempool: { mbufs: 100 }\n", "mempool.mbufs: '100' is out of range", NULL);
	free(cfg);
}

static void
test_dns_and_eal(void **state)
{
	(void)state;
	expect_error("dns: { ports: [53, 5353, 53] }\n", "dns.ports[2]: port 53 is listed twice",
	             NULL);
	expect_error("dns: { ports: [] }\n", "dns.ports: at least one DNS port is needed", NULL);
	expect_error("dns: { ports: [1, 2, 3, 4, 5, 6, 7, 8, 9] }\n",
	             "dns.ports: 9 ports, at most 8", NULL);
	expect_error("eal: [\"-l\", \"1,2\"]\n", "eal[0]: '-l' chooses lcores", NULL);
	expect_error("eal: [\"--no-pci\", \"--lcores=1@2\"]\n", "eal[1]: '--lcores=1@2' chooses",
	             NULL);
	expect_error("eal: [\"--main-lcore\", \"3\"]\n", "eal[0]: '--main-lcore' chooses", NULL);
	expect_error("eal: [\"\"]\n", "eal[0]: missing value", NULL);
	expect_error(
	    "eal: [a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,aa,bb,cc,dd,ee,ff,gg]"
	    "\n",
	    "eal: 33 arguments, at most 32", NULL);
	expect_error("mode: \"in\\u0001line\"\n", "mode: 'in?line' is not one of", NULL);
	expect_error("ports:\n  - { name: a, device: \"net_null0\\n\" }\n",
	             "ports[0].device: 'net_null0?' contains a control character", NULL);
}

static void
test_yaml_errors(void **state)
{
	(void)state;
	expect_error("mode: \"inline\n", "YAML syntax error", "line 2", NULL);
	expect_error("mode: inline\n  burst: 3\n", "YAML syntax error", "(line 2, column 8)", NULL);
	expect_error("a: &x 1\nmode: *x\n", "YAML aliases (*x) are not supported", "line 2", NULL);
	expect_error("mode: inline\n---\nmode: monitor\n", "a second YAML document", "line 2",
	             NULL);
	expect_error("? [a, b]\n: 1\n", "a mapping key must be a plain name", NULL);
	expect_error("mode: \xff\xfe\n", "not valid YAML text", "line 1", NULL);
}

static void
test_file_errors(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));
	char err[DNSF_ERR_MAX], path[PATH_MAX];
	char *big;
	FILE *f;

	(void)state;
	assert_non_null(cfg);
	snprintf(path, sizeof(path), "%s/does-not-exist.yaml", tmpdir);
	assert_int_equal(dnsf_config_load(path, cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does-not-exist.yaml: cannot open: No such file"));
	assert_int_equal(dnsf_config_load(tmpdir, cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(dnsf_config_load("", cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no configuration file given"));

	/* Bounded: a file over the limit is refused before it is parsed. */
	big = malloc(DNSF_CONFIG_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, '#', DNSF_CONFIG_MAX_BYTES + 1);
	big[DNSF_CONFIG_MAX_BYTES + 1] = '\0';
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(big, f);
	fclose(f);
	free(big);
	assert_int_equal(dnsf_config_load(path, cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));

	/* A tiny err buffer is filled, truncated, and terminated. */
	memset(err, 'x', sizeof(err));
	assert_int_equal(load_text("mode: bad\n", cfg, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	free(cfg);
}

static void
test_relative_paths(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));
	char path[PATH_MAX], want[PATH_MAX], err[DNSF_ERR_MAX], yaml[PATH_MAX + 512];
	char cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(cfg);
	/* The config lives in sub/: relative paths start there, absolute ones stay. */
	snprintf(yaml, sizeof(yaml),
	         "lists: { allow: ../lists/allow.txt, deny: %s/lists/deny.txt }\n"
	         "events: { log: ../logs/e.jsonl }\n"
	         "detection: { psl: ../psl.dat }\n"
	         "model: { path: ../model.bin }\n",
	         tmpdir);
	write_at("sub/rel.yaml", yaml);
	snprintf(path, sizeof(path), "%s/sub/rel.yaml", tmpdir);
	if (dnsf_config_load(path, cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(want, sizeof(want), "%s/sub/../lists/allow.txt", tmpdir);
	assert_string_equal(cfg->allowlist, want);
	snprintf(want, sizeof(want), "%s/lists/deny.txt", tmpdir);
	assert_string_equal(cfg->denylist, want);
	snprintf(want, sizeof(want), "%s/sub/../logs/e.jsonl", tmpdir);
	assert_string_equal(cfg->event_log, want);
	snprintf(want, sizeof(want), "%s/sub/../psl.dat", tmpdir);
	assert_string_equal(cfg->detect.psl, want);
	snprintf(want, sizeof(want), "%s/sub/../model.bin", tmpdir);
	assert_string_equal(cfg->model.path, want);

	/* "-" (stdout) and "" (off) are not paths. */
	load_ok("events: { log: \"-\" }\n", cfg);
	assert_string_equal(cfg->event_log, "-");
	load_ok("events: { log: \"\" }\nlists: { allow: \"\" }\n", cfg);
	assert_string_equal(cfg->event_log, "");
	assert_string_equal(cfg->allowlist, "");

	/* A file given by a relative name: the base is still its own directory. */
	assert_int_equal(chdir(tmpdir), 0);
	write_at("sub/rel2.yaml", "lists: { allow: ../lists/allow.txt }\n");
	if (dnsf_config_load("sub/rel2.yaml", cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(want, sizeof(want), "%s/sub/../lists/allow.txt", tmpdir);
	assert_string_equal(cfg->allowlist, want);
	assert_string_equal(cfg->path, "sub/rel2.yaml");
	assert_int_equal(chdir(cwd), 0); /* the shipped-config test finds the source from here */
	free(cfg);
}

/* The shipped config/dnsfence.yaml (copied next to stand-in list files, so this checks the
 * YAML itself, not the lists another module ships) is valid and has the safe defaults. */
static void
test_shipped_config(void **state)
{
	struct dnsf_config *cfg = malloc(sizeof(*cfg));
	char src[PATH_MAX], dst[PATH_MAX], err[DNSF_ERR_MAX];
	const char *root = getenv("DNSF_SOURCE_ROOT");
	const char *slash;
	char buf[8192];
	size_t n;
	FILE *in, *out;

	(void)state;
	assert_non_null(cfg);
	if (root) {
		snprintf(src, sizeof(src), "%s/config/dnsfence.yaml", root);
	} else {
		/* meson compiles with paths relative to the build root, where tests also run. */
		slash = strrchr(__FILE__, '/');
		assert_non_null(slash);
		snprintf(src, sizeof(src), "%.*s/../config/dnsfence.yaml", (int)(slash - __FILE__),
		         __FILE__);
	}
	in = fopen(src, "r");
	if (!in)
		fail_msg("cannot open the shipped config %s (set DNSF_SOURCE_ROOT)", src);
	mkdir_at("shipped");
	write_at("shipped/allowlist", "");
	write_at("shipped/denylist", "");
	write_at("shipped/dnsfence.model", ""); /* the loader only checks it is readable */
	snprintf(dst, sizeof(dst), "%s/shipped/dnsfence.yaml", tmpdir);
	out = fopen(dst, "w");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);

	if (dnsf_config_load(dst, cfg, err, sizeof(err)) != 0)
		fail_msg("shipped config: %s", err);
	assert_int_equal(cfg->mode, DNSF_MODE_INLINE);
	assert_int_equal(cfg->n_ports, 0); /* replay builds its own */
	assert_int_equal(cfg->detect.enabled, 1);
	assert_int_equal(cfg->detect.action, DNSF_ACT_DROP);
	assert_int_equal(cfg->malformed_action, DNSF_ACT_DROP);
	assert_int_equal(cfg->fragment_action, DNSF_ACT_PASS);
	assert_string_equal(cfg->event_log, "");
	snprintf(dst, sizeof(dst), "%s/shipped/dnsfence.model", tmpdir);
	assert_string_equal(cfg->model.path, dst); /* the shipped model (make model) */
	/* The model decides with the rules, above its threshold, on data-carrying names
	 * (docs/model.md, "Threshold"). */
	assert_int_equal(cfg->model.combine, DNSF_COMBINE_EITHER);
	assert_int_equal(cfg->model.threshold, 600);
	assert_int_equal(cfg->model.min_subdomain, 16);
	assert_int_equal(cfg->model.score, DNSF_MSCOPE_NEEDED);
	assert_string_equal(cfg->detect.psl, "/usr/share/publicsuffix/public_suffix_list.dat");
	snprintf(dst, sizeof(dst), "%s/shipped/allowlist", tmpdir);
	assert_string_equal(cfg->allowlist, dst);
	snprintf(dst, sizeof(dst), "%s/shipped/denylist", tmpdir);
	assert_string_equal(cfg->denylist, dst);
	free(cfg);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dnsf_action_name(DNSF_ACT_PASS), "pass");
	assert_string_equal(dnsf_action_name(DNSF_ACT_DROP), "drop");
	assert_string_equal(dnsf_action_name(DNSF_ACT_REFUSE), "refuse");
	assert_string_equal(dnsf_action_name(DNSF_ACT_LOG), "log");
	assert_string_equal(dnsf_action_name(DNSF_ACT__COUNT), "unknown");
	assert_string_equal(dnsf_mode_name(DNSF_MODE_MONITOR), "monitor");
	assert_string_equal(dnsf_combine_name(DNSF_COMBINE_RULES), "rules");
}

struct key_list {
	char path[128][64];
	unsigned n;
	int stop_after; /* non-zero: return 7 at that key */
};

static int
collect_key(const char *path, void *ctx)
{
	struct key_list *kl = ctx;

	assert_true(kl->n < 128 && strlen(path) < 64);
	strcpy(kl->path[kl->n++], path);
	return kl->stop_after && (int)kl->n == kl->stop_after ? 7 : 0;
}

static int
has_key(const struct key_list *kl, const char *path, unsigned before)
{
	for (unsigned i = 0; i < before && i < kl->n; i++)
		if (strcmp(kl->path[i], path) == 0)
			return 1;
	return 0;
}

/* dnsf_config_keys() reports the loader's schema: nested paths, list entries, parents first. */
static void
test_config_keys(void **state)
{
	static struct key_list kl;

	(void)state;
	memset(&kl, 0, sizeof(kl));
	assert_int_equal(dnsf_config_keys(collect_key, &kl), 0);
	assert_true(kl.n > 50);
	assert_string_equal(kl.path[0], "eal");
	assert_true(has_key(&kl, "detection.rules.threshold", kl.n));
	assert_true(has_key(&kl, "ports[].name", kl.n));
	assert_true(has_key(&kl, "hardening.types", kl.n));
	assert_false(has_key(&kl, "detection.rules.thresholds", kl.n));
	for (unsigned i = 0; i < kl.n; i++) {
		char parent[64];
		char *dot;

		assert_false(has_key(&kl, kl.path[i], i)); /* each once */
		strcpy(parent, kl.path[i]);
		dot = strrchr(parent, '.');
		if (dot == NULL)
			continue;
		*dot = '\0';
		if (dot - parent > 2 && strcmp(dot - 2, "[]") == 0)
			dot[-2] = '\0';
		assert_true(has_key(&kl, parent, i)); /* the mapping came first */
	}
	/* fn's non-zero return stops the walk and is returned. */
	memset(&kl, 0, sizeof(kl));
	kl.stop_after = 3;
	assert_int_equal(dnsf_config_keys(collect_key, &kl), 7);
	assert_int_equal(kl.n, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_valid),     cmocka_unit_test(test_minimal_defaults),
	    cmocka_unit_test(test_validate_live),  cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_junk_numbers),   cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_power_of_two),   cmocka_unit_test(test_unknown_keys),
	    cmocka_unit_test(test_wrong_types),    cmocka_unit_test(test_enums_and_bools),
	    cmocka_unit_test(test_missing_files),  cmocka_unit_test(test_ports_and_pairs),
	    cmocka_unit_test(test_workers),        cmocka_unit_test(test_mempool),
	    cmocka_unit_test(test_dns_and_eal),    cmocka_unit_test(test_yaml_errors),
	    cmocka_unit_test(test_file_errors),    cmocka_unit_test(test_relative_paths),
	    cmocka_unit_test(test_shipped_config), cmocka_unit_test(test_names),
	    cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
