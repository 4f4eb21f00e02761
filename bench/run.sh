#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every benchmark of docs/performance.md, one JSON file each in OUT_DIR:
#
#   bench/run.sh [-B BUILD_DIR] [-o OUT_DIR] [-s SECONDS] [-q]
#
#   pipeline.json   realistic mix: Mpps, cycles/packet, per kind, per stage, 1 and 2 workers
#   scaling.json    cycles/packet at 1K..10M live flows, random-source flood, bytes per flow
#   scan.json       the top list's scan: cycles per slot, per 256-slot slice, per pass
#   io.json         process_burst() vs io-forward on net_ring ports (needs the DPDK build)
#   io-phase512.json  the same with the cache-warm NIC stand-in (--phase 512)
#   callgrind.json  instructions per packet (needs valgrind; its own -Dnative=false build)
#
# -q skips the 10M-flow point (2 GiB table, about a minute) and callgrind. The machine should be
# otherwise idle: the figures are per-core cycles, and other load only ever adds to them.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build"
out="bench-results"
secs=3
quick=0
while getopts "B:o:s:qh" opt; do
	case $opt in
	B) build=$OPTARG ;;
	o) out=$OPTARG ;;
	s) secs=$OPTARG ;;
	q) quick=1 ;;
	*)
		sed -n '2,16p' "$0"
		exit 2
		;;
	esac
done
mkdir -p "$out"
ninja -C "$build" bench/dnsfence-bench-pipeline >/dev/null
pipe="$build/bench/dnsfence-bench-pipeline"

echo "== pipeline (realistic mix, stages, workers)"
"$pipe" --seconds "$secs" --threads 2 --json "$out/pipeline.json"

echo "== scaling"
flows=(--flows 1024 --flows 10240 --flows 102400 --flows 1024000)
[ "$quick" = 1 ] || flows+=(--flows 10240000)
"$pipe" --seconds "$secs" --no-stages --no-kinds "${flows[@]}" --flood --json "$out/scaling.json"

echo "== top-list scan"
"$pipe" --scan --json "$out/scan.json"

if [ -x "$build/bench/dnsfence-bench-io" ]; then
	echo "== io (net_ring, process_burst vs io-forward)"
	"$build/bench/dnsfence-bench-io" --rounds 5 --seconds 1 --json "$out/io.json"
	echo "== io, cache-warm NIC stand-in (--phase 512)"
	"$build/bench/dnsfence-bench-io" --rounds 5 --seconds 1 --phase 512 --json "$out/io-phase512.json"
else
	echo "== io: skipped (no DPDK build)"
fi

if [ "$quick" = 0 ] && command -v valgrind >/dev/null; then
	echo "== callgrind"
	"$src/bench/callgrind.sh" -j "$out/callgrind.json"
fi
echo "results in $out/"
