#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer harnesses (clang, ASan + UBSan) and run each for a bounded time.
#
#   fuzz/run.sh [--no-build] [SECONDS] [HARNESS...]
#
# SECONDS per harness (default $FUZZ_SECONDS or 60); HARNESS names (default: all that are built:
# pkt refuse engine config list model). Build directory: $FUZZ_BUILD (default <repo>/build-fuzz),
# configured here on first use. Each run reads the seed corpus fuzz/corpus/<h>/ and the crash
# regressions fuzz/regressions/<h>/ (never written) and keeps what it discovers in
# $FUZZ_BUILD/fuzz-work/<h>/, so repeated runs build on each other. A crash, leak, timeout or
# out-of-memory is saved under $FUZZ_BUILD/fuzz-artifacts/<h>/ and makes the script exit 1;
# copy the file into fuzz/regressions/<h>/ once the bug is fixed (see docs/robustness.md).
# Other knobs: FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds per input, default 10).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
case "$BUILD" in
/*) ;;
*) BUILD=$(pwd)/$BUILD ;;
esac
RUN_SECONDS=${FUZZ_SECONDS:-60}
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-10}
ALL="pkt refuse engine config list model"
build=1

if [ "${1:-}" = "--no-build" ]; then
	build=0
	shift
fi
case "${1:-}" in
[0-9]*)
	RUN_SECONDS=$1
	shift
	;;
esac
HARNESSES=${*:-$ALL}

if [ "$build" = 1 ]; then
	if [ ! -f "$BUILD/build.ninja" ]; then
		# No -Werror: clang warns where gcc (the main build, with -Werror) does not, e.g.
		# -Wconstant-conversion on the untaken branch of a constant ?: in a table.
		CC=clang meson setup "$BUILD" "$ROOT" -Dfuzz=true -Db_sanitize=address,undefined \
			-Dwerror_strict=false -Dnative=false -Dapp=disabled -Dtests=false \
			>"$BUILD.setup.log" 2>&1 || {
			cat "$BUILD.setup.log" >&2
			echo "fuzz/run.sh: meson setup failed (needs clang and libclang-rt-14-dev)" >&2
			exit 2
		}
		rm -f "$BUILD.setup.log"
	fi
	# Only the harnesses (and what they link): a half-written tool elsewhere in the tree
	# must not stop fuzzing.
	targets=""
	for h in $HARNESSES; do
		grep -q "'$h'" "$ROOT/fuzz/meson.build" && targets="$targets fuzz/fuzz_$h"
	done
	# shellcheck disable=SC2086
	ninja -C "$BUILD" $targets >/dev/null || {
		# shellcheck disable=SC2086
		ninja -C "$BUILD" $targets >&2
		exit 2
	}
fi

# Largest input per harness: a frame, a sequence of frames, a file.
max_len() {
	case "$1" in
	pkt | refuse) echo 4096 ;;
	engine) echo 16384 ;;
	config | list) echo 16384 ;;
	model) echo 33000 ;;
	*) echo 4096 ;;
	esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=0
ran=0
summary=""
for h in $HARNESSES; do
	bin="$BUILD/fuzz/fuzz_$h"
	if [ ! -x "$bin" ]; then
		summary="$summary
$(printf '%-8s %8s %12s  %s' "$h" "-" "-" "not built (skipped)")"
		continue
	fi
	work="$BUILD/fuzz-work/$h"
	art="$BUILD/fuzz-artifacts/$h"
	logd="$BUILD/fuzz-logs"
	mkdir -p "$work" "$art" "$logd"
	log="$logd/$h.log"
	set -- "$work"
	for d in "$ROOT/fuzz/corpus/$h" "$ROOT/fuzz/regressions/$h"; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	extra=""
	[ -f "$ROOT/fuzz/dict/$h.dict" ] && extra="-dict=$ROOT/fuzz/dict/$h.dict"
	# fuzz_model writes valid models of the current file format into its work corpus.
	[ "$h" = model ] && extra="$extra -dnsf_write_seed=$work"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$RUN_SECONDS" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
		-max_len="$(max_len "$h")" -print_final_stats=1 -artifact_prefix="$art/" \
		$extra "$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	ran=$((ran + 1))
	execs=$(awk '/stat::number_of_executed_units/ {n = $2} END {print n + 0}' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
	if [ "$rc" -eq 0 ]; then
		result="ok (cov ${cov:-?}, $((end - start)) s)"
	else
		failed=1
		result="FAILED rc=$rc, see $log; inputs in $art/"
		echo "=== fuzz_$h failed; last lines of $log:" >&2
		tail -n 40 "$log" >&2
	fi
	summary="$summary
$(printf '%-8s %8s %12s  %s' "$h" "$RUN_SECONDS" "$execs" "$result")"
done

printf '%-8s %8s %12s  %s' harness seconds execs result
echo "$summary"
if [ "$ran" -eq 0 ]; then
	echo "fuzz/run.sh: no harness ran" >&2
	exit 2
fi
exit $failed
