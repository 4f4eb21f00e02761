/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the EAL command line dnsfence builds (app/dnsf_eal_args.c; no EAL needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnsf_eal_args.h"

/* Index of `tok` in argv, or -1. */
static int
find(const struct dnsf_eal_argv *a, const char *tok)
{
	int i;

	for (i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], tok) == 0)
			return i;
	return -1;
}

/* The value following option `opt`, or NULL. */
static const char *
value_of(const struct dnsf_eal_argv *a, const char *opt)
{
	int i = find(a, opt);

	return (i >= 0 && i + 1 < a->argc) ? a->argv[i + 1] : NULL;
}

static int
count(const struct dnsf_eal_argv *a, const char *tok)
{
	int i, n = 0;

	for (i = 0; i < a->argc; i++)
		n += strcmp(a->argv[i], tok) == 0;
	return n;
}

static void
base_cfg(struct dnsf_config *cfg)
{
	dnsf_config_defaults(cfg);
	cfg->worker_lcores[0] = 1;
	cfg->n_workers = 1;
	cfg->control_lcore = 0;
	cfg->telemetry = 1;
}

static void
replay_opts(struct dnsf_eal_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->replay = 1;
	o->in_pcap = "/tmp/in.pcap";
	o->passed_pcap = "/tmp/out.pcap";
	o->pid = 4242;
}

static void
test_replay_defaults(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];

	(void)state;
	base_cfg(&cfg);
	replay_opts(&o);
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_string_equal(a.argv[0], "dnsfence");
	assert_null(a.argv[a.argc]);
	assert_true(find(&a, "--no-huge") > 0);
	assert_true(find(&a, "--no-pci") > 0);
	assert_string_equal(value_of(&a, "-m"), "1024");
	assert_string_equal(value_of(&a, "--file-prefix"), "dnsf4242");
	assert_string_equal(value_of(&a, "-l"), "0,1");
	assert_string_equal(value_of(&a, "--main-lcore"), "0");
	assert_string_equal(value_of(&a, "--vdev"),
	                    DNSF_REPLAY_DEV ",rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap");
	assert_int_equal(count(&a, "--vdev"), 1);
	assert_int_equal(find(&a, "--no-telemetry"), -1);
	dnsf_eal_args_free(&a);
}

/* One worker in a replay, whatever the config has. */
static void
test_replay_one_worker(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];

	(void)state;
	base_cfg(&cfg);
	cfg.worker_lcores[0] = 3;
	cfg.worker_lcores[1] = 4;
	cfg.n_workers = 2;
	cfg.control_lcore = 2;
	replay_opts(&o);
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_string_equal(value_of(&a, "-l"), "2,3");
	assert_string_equal(value_of(&a, "--main-lcore"), "2");
	dnsf_eal_args_free(&a);
}

static void
test_replay_dropped_sink(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];
	int i;

	(void)state;
	base_cfg(&cfg);
	replay_opts(&o);
	o.dropped_pcap = "/tmp/d.pcap";
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_int_equal(count(&a, "--vdev"), 2);
	i = find(&a, DNSF_DROPPED_DEV ",tx_pcap=/tmp/d.pcap");
	assert_true(i > 0);
	assert_string_equal(a.argv[i - 1], "--vdev");
	dnsf_eal_args_free(&a);
}

/* What the user gave (config list or after --) is not added a second time. */
static void
test_user_options_win(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char *extra[] = {"-m512", "--file-prefix=mine"};
	char err[256];

	(void)state;
	base_cfg(&cfg);
	snprintf(cfg.eal_args[0], sizeof(cfg.eal_args[0]), "--no-huge");
	cfg.n_eal_args = 1;
	replay_opts(&o);
	o.extra = extra;
	o.n_extra = 2;
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_int_equal(count(&a, "--no-huge"), 1);
	assert_int_equal(find(&a, "-m"), -1);
	assert_int_equal(find(&a, "--file-prefix"), -1);
	/* The config's list comes first, the extra arguments last. */
	assert_string_equal(a.argv[1], "--no-huge");
	assert_string_equal(a.argv[a.argc - 2], "-m512");
	assert_string_equal(a.argv[a.argc - 1], "--file-prefix=mine");
	dnsf_eal_args_free(&a);
}

static void
test_cli_file_prefix(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];

	(void)state;
	base_cfg(&cfg);
	replay_opts(&o);
	o.file_prefix = "p1";
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_int_equal(count(&a, "--file-prefix"), 1);
	assert_string_equal(value_of(&a, "--file-prefix"), "p1");
	dnsf_eal_args_free(&a);
}

static void
test_live_ports(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];
	int i;

	(void)state;
	base_cfg(&cfg);
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "lan");
	snprintf(cfg.ports[0].device, sizeof(cfg.ports[0].device), "0000:01:00.0");
	snprintf(cfg.ports[1].name, sizeof(cfg.ports[1].name), "wan");
	snprintf(cfg.ports[1].device, sizeof(cfg.ports[1].device), "net_af_packet0,iface=eth2");
	cfg.n_ports = 2;
	cfg.worker_lcores[1] = 2;
	cfg.n_workers = 2;
	memset(&o, 0, sizeof(o));
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_string_equal(value_of(&a, "-a"), "0000:01:00.0");
	assert_string_equal(value_of(&a, "--vdev"), "net_af_packet0,iface=eth2");
	assert_string_equal(value_of(&a, "-l"), "0,1,2");
	/* A PCI port: EAL probes what -a allows; --no-pci would hide it. */
	assert_int_equal(find(&a, "--no-pci"), -1);
	assert_int_equal(find(&a, "--no-huge"), -1);
	assert_int_equal(find(&a, "--file-prefix"), -1);
	dnsf_eal_args_free(&a);

	/* Only virtual ports: keep EAL off the host's PCI devices. */
	snprintf(cfg.ports[0].device, sizeof(cfg.ports[0].device), "net_af_packet1,iface=eth1");
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_true(find(&a, "--no-pci") > 0);
	assert_int_equal(count(&a, "--vdev"), 2);
	for (i = 0; i < a.argc; i++)
		assert_string_not_equal(a.argv[i], "-a");
	dnsf_eal_args_free(&a);
}

static void
test_telemetry_off(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];

	(void)state;
	base_cfg(&cfg);
	cfg.telemetry = 0;
	replay_opts(&o);
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), 0);
	assert_int_equal(count(&a, "--no-telemetry"), 1);
	dnsf_eal_args_free(&a);
}

/* net_pcap splits its arguments at ',': such a file name is an error, not a wrong device. */
static void
test_comma_in_path(void **state)
{
	struct dnsf_config cfg;
	struct dnsf_eal_opts o;
	struct dnsf_eal_argv a;
	char err[256];

	(void)state;
	base_cfg(&cfg);
	replay_opts(&o);
	o.passed_pcap = "/tmp/a,b.pcap";
	assert_int_equal(dnsf_eal_args_build(&cfg, &o, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--passed"));
	assert_non_null(strstr(err, "a,b.pcap"));
	assert_int_equal(a.argc, 0);
}

static void
test_has(void **state)
{
	char *args[] = {"-m512", "--file-prefix=x", "--lcores", "-c", "--main-lcore"};

	(void)state;
	assert_true(dnsf_eal_args_has(args, 5, "-m"));
	assert_true(dnsf_eal_args_has(args, 5, "--file-prefix"));
	assert_true(dnsf_eal_args_has(args, 5, "--lcores"));
	assert_true(dnsf_eal_args_has(args, 5, "-c"));
	assert_false(dnsf_eal_args_has(args, 5, "-l"));
	/* A long option is matched whole, not as a prefix of another. */
	assert_false(dnsf_eal_args_has(args, 5, "--main"));
	assert_false(dnsf_eal_args_has(args, 5, "--file"));
	assert_false(dnsf_eal_args_has(NULL, 0, "-m"));
}

/* forensics.pdump: which EAL arguments keep dpdk-dumpcap (a secondary process) out. */
static void
test_no_secondary(void **state)
{
	char *none[] = {"--log-level=lib.eal:notice", "--huge-unlink=never", "-m", "512"};
	char *existing[] = {"--huge-unlink=existing"};
	char *inmem[] = {"--log-level=8", "--in-memory"};
	char *noshconf[] = {"--no-shconf"};
	char *unlink_bare[] = {"--huge-unlink"};
	char *unlink_always[] = {"--huge-unlink=always"};
	char *prefix_only[] = {"--in-memoryx", "--no-shconf=1"};

	(void)state;
	assert_null(dnsf_eal_args_no_secondary(none, 4));
	assert_null(dnsf_eal_args_no_secondary(existing, 1));
	assert_null(dnsf_eal_args_no_secondary(prefix_only, 2));
	assert_null(dnsf_eal_args_no_secondary(NULL, 0));
	assert_non_null(strstr(dnsf_eal_args_no_secondary(inmem, 2), "--in-memory"));
	assert_non_null(strstr(dnsf_eal_args_no_secondary(noshconf, 1), "--no-shconf"));
	assert_non_null(strstr(dnsf_eal_args_no_secondary(unlink_bare, 1), "--huge-unlink"));
	assert_non_null(strstr(dnsf_eal_args_no_secondary(unlink_always, 1), "--huge-unlink"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay_defaults),
	    cmocka_unit_test(test_replay_one_worker),
	    cmocka_unit_test(test_replay_dropped_sink),
	    cmocka_unit_test(test_user_options_win),
	    cmocka_unit_test(test_cli_file_prefix),
	    cmocka_unit_test(test_live_ports),
	    cmocka_unit_test(test_telemetry_off),
	    cmocka_unit_test(test_comma_in_path),
	    cmocka_unit_test(test_has),
	    cmocka_unit_test(test_no_secondary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
