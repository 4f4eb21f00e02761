# Thin wrapper so a new user needs two commands: `make demo` and `make test`.
BUILD ?= build
MESON_OPTS ?=
# The sanitizer and fuzz builds live next to the main one (docs/robustness.md).
ASAN_BUILD ?= $(BUILD)-asan
FUZZ_BUILD ?= $(BUILD)-fuzz
# Seconds each fuzz harness runs in `make test`; longer runs: fuzz/run.sh SECONDS.
FUZZ_SECONDS ?= 15
# Under the sanitizers: every unit test and every integration and tools test but two: deb
# (dpkg-buildpackage builds its own, non-sanitized tree) and pdump (dpdk-dumpcap, a DPDK
# secondary process, must map the primary's memory at the same addresses, which ASan's
# address-space layout in the primary prevents). The two long scenario tests (suite
# `scenario`: real tunnels through unbound, the hardening netns scenario) run only here, not
# also in the main build, to keep `make test` near 14 minutes. docs/robustness.md has the times.
ASAN_INTEGRATION ?= replay config_check demo floods live ops syslog telemetry_top watchdog \
	refuse_tshark event_json install eval_tool train_tool shipped_model report_html \
	bench doc_examples doc_telemetry hostile_cli telemetry_hostile e2e_tunnels harden_ns

.PHONY: deps build demo test test-asan fuzz-short model clean

deps:
	./tools/install-deps.sh

# The main build is what `meson install` would ship: no test hooks (the watchdog test, which
# stalls an lcore on purpose, runs in the sanitizer build, configured with -Dtest_hooks=true).
$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job: replay the bundled demo capture through the real worker code.
demo: build
	mkdir -p $(BUILD)/demo
	./$(BUILD)/app/dnsfence -c config/dnsfence.yaml --replay config/demo.pcap \
		--passed $(BUILD)/demo/passed.pcap --dropped $(BUILD)/demo/dropped.pcap \
		--events $(BUILD)/demo/events.jsonl

# Everything CI runs, in order: the unit and integration suites (but the `scenario` ones); the
# same suites, scenarios included, built with AddressSanitizer + UndefinedBehaviorSanitizer; a
# bounded run of every fuzz harness.
test: build
	meson test -C $(BUILD) --print-errorlogs --no-suite scenario
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz-short

# UB aborts (no recovery), so a report fails the test that caused it. GCC's sanitizer
# instrumentation makes -Wformat-truncation and friends warn about things that are not there,
# so this build does without -Werror (the main build keeps it).
$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Dc_args=-fno-sanitize-recover=all \
		-Dwerror_strict=false -Dnative=false -Dtest_hooks=true $(MESON_OPTS)

test-asan: deps $(ASAN_BUILD)/build.ninja
	@# A build directory made before -Dtest_hooks existed has no watchdog test.
	meson configure $(ASAN_BUILD) -Dtest_hooks=true
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=print_stacktrace=1 meson test -C $(ASAN_BUILD) --no-rebuild --print-errorlogs \
		--suite unit
	UBSAN_OPTIONS=print_stacktrace=1 meson test -C $(ASAN_BUILD) --no-rebuild --print-errorlogs \
		$(ASAN_INTEGRATION)

# libFuzzer harnesses (clang), FUZZ_SECONDS each; a crash fails the target (fuzz/run.sh).
fuzz-short: deps
	FUZZ_BUILD=$(FUZZ_BUILD) ./fuzz/run.sh $(FUZZ_SECONDS)

# Regenerate config/dnsfence.model from ../shared/data and our own captures (deterministic;
# held-out numbers in $(BUILD)/model/). See tools/make-model.sh and docs/model.md.
model: build
	./tools/make-model.sh $(BUILD)/tools/dnsfence-train $(BUILD)/tools/dnsfence-eval $(BUILD)/model

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
