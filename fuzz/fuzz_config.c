/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config — dnsf_config_load() on a file holding the input (YAML or anything else). The
 * file sits in a private directory next to readable "allowlist", "denylist", "case-exceptions",
 * "psl.dat", "model.bin" and "dnsfence.model" files, so that relative paths in a fuzzed config can
 * resolve and validation gets past the file checks.
 *
 * Checked (dnsf_config.h): on error, exactly one non-empty line in err (no newline, no control
 * bytes), *cfg untouched, and the same error cut safely into an 8-byte buffer; on success, every
 * count within its array, every string NUL-terminated, pairs naming existing ports, table sizes
 * powers of two, and the live checks and mbuf arithmetic run. LeakSanitizer (on by default in
 * libFuzzer) reports anything the loader or libcyaml/libyaml leaves allocated.
 */
#include <string.h>

#include "dnsf_config.h"
#include "fuzz_common.h"

static const char *cfg_path;
static int verbose; /* DNSF_FUZZ_VERBOSE=1 replay_config DIR: say what each input gave */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char list[] = "example.com\n*.evil.example\n";
	static const char psl[] = "com\nexample\nco.uk\n*.ck\n!www.ck\n";
	static const char model[] = "DNSFMDL"; /* readable; not a valid model (not loaded here) */

	(void)argc;
	(void)argv;
	verbose = getenv("DNSF_FUZZ_VERBOSE") != NULL;
	fuzz_write_file(fuzz_tmp_path(1, "allowlist"), list, sizeof(list) - 1);
	fuzz_write_file(fuzz_tmp_path(1, "denylist"), list, sizeof(list) - 1);
	fuzz_write_file(fuzz_tmp_path(1, "psl.dat"), psl, sizeof(psl) - 1);
	fuzz_write_file(fuzz_tmp_path(1, "model.bin"), model, sizeof(model));
	/* The names the shipped config/dnsfence.yaml uses. */
	fuzz_write_file(fuzz_tmp_path(1, "dnsfence.model"), model, sizeof(model));
	fuzz_write_file(fuzz_tmp_path(1, "case-exceptions"), list, sizeof(list) - 1);
	cfg_path = fuzz_tmp_path(0, "dnsfence.yaml");
	return 0;
}

static int
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static void
check_str(const char *s, size_t size)
{
	FUZZ_CHECK(memchr(s, '\0', size) != NULL);
}

static void
check_err_line(const char *err, size_t errlen)
{
	size_t n;

	FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
	n = strlen(err);
	FUZZ_CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

static void
check_config(const struct dnsf_config *c)
{
	char err[DNSF_ERR_MAX];

	check_str(c->path, sizeof(c->path));
	FUZZ_CHECK(strcmp(c->path, cfg_path) == 0);
	FUZZ_CHECK(c->n_eal_args <= DNSF_MAX_EAL_ARGS);
	for (unsigned i = 0; i < c->n_eal_args; i++)
		check_str(c->eal_args[i], sizeof(c->eal_args[i]));
	FUZZ_CHECK(c->n_ports <= DNSF_MAX_PORTS && c->n_pairs <= DNSF_MAX_PAIRS);
	for (unsigned i = 0; i < c->n_ports; i++) {
		check_str(c->ports[i].name, sizeof(c->ports[i].name));
		check_str(c->ports[i].device, sizeof(c->ports[i].device));
		FUZZ_CHECK(dnsf_config_port_index(c, c->ports[i].name) == (int)i);
	}
	for (unsigned i = 0; i < c->n_pairs; i++)
		FUZZ_CHECK(c->pairs[i].inside < c->n_ports && c->pairs[i].outside < c->n_ports &&
		           c->pairs[i].inside != c->pairs[i].outside);
	FUZZ_CHECK(c->mode == DNSF_MODE_INLINE || c->mode == DNSF_MODE_MONITOR);
	FUZZ_CHECK(c->n_workers >= 1 && c->n_workers <= DNSF_MAX_WORKERS);
	for (unsigned i = 0; i < c->n_workers; i++)
		FUZZ_CHECK(c->worker_lcores[i] <= DNSF_MAX_LCORE_ID &&
		           c->worker_lcores[i] != c->control_lcore);
	FUZZ_CHECK(c->burst >= 1 && c->burst <= 512);
	FUZZ_CHECK(is_pow2(c->rx_desc) && is_pow2(c->tx_desc) && is_pow2(c->event_ring));
	FUZZ_CHECK(c->pkt.n_dns_ports >= 1 && c->pkt.n_dns_ports <= DNSF_PKT_MAX_DNS_PORTS);
	FUZZ_CHECK(c->pkt.tcp <= 1);
	FUZZ_CHECK(c->malformed_action == DNSF_ACT_PASS || c->malformed_action == DNSF_ACT_DROP);
	FUZZ_CHECK(c->fragment_action == DNSF_ACT_PASS || c->fragment_action == DNSF_ACT_DROP);
	check_str(c->allowlist, sizeof(c->allowlist));
	check_str(c->denylist, sizeof(c->denylist));
	check_str(c->event_log, sizeof(c->event_log));
	check_str(c->detect.psl, sizeof(c->detect.psl));
	check_str(c->model.path, sizeof(c->model.path));
	FUZZ_CHECK(c->detect.action < DNSF_ACT__COUNT);
	FUZZ_CHECK(c->detect.refuse_rcode <= 15);
	FUZZ_CHECK(is_pow2(c->detect.flow_entries) && is_pow2(c->detect.domain_entries));
	FUZZ_CHECK(c->model.threshold >= 0 && c->model.threshold <= 1000);
	FUZZ_CHECK(c->model.combine <= DNSF_COMBINE_MODEL && c->model.required <= 1);
	FUZZ_CHECK(dnsf_config_mbufs_needed(c, c->n_ports ? c->n_ports : 2) <= (uint64_t)c->mbufs);
	if (dnsf_config_validate_live(c, err, sizeof(err)) != 0)
		check_err_line(err, sizeof(err));
	FUZZ_CHECK(dnsf_config_rx_queues(c) >= 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsf_config cfg, before;
	char err[DNSF_ERR_MAX];

	if (size > DNSF_CONFIG_MAX_BYTES + 16)
		return 0;
	fuzz_write_file(cfg_path, data, size);
	memset(&cfg, 0x5a, sizeof(cfg));
	memcpy(&before, &cfg, sizeof(cfg));
	if (dnsf_config_load(cfg_path, &cfg, err, sizeof(err)) == 0) {
		if (verbose)
			fprintf(stderr, "valid\n");
		check_config(&cfg);
	} else {
		char *small = malloc(8); /* exact size: ASan sees a write past errlen */

		check_err_line(err, sizeof(err));
		if (verbose)
			fprintf(stderr, "error: %s\n", err);
		FUZZ_CHECK(memcmp(&cfg, &before, sizeof(cfg)) == 0);
		FUZZ_CHECK(small != NULL);
		FUZZ_CHECK(dnsf_config_load(cfg_path, &cfg, small, 8) == -1);
		FUZZ_CHECK(memchr(small, '\0', 8) != NULL && strncmp(small, err, 7) == 0);
		free(small);
	}
	return 0;
}
