#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Instructions per packet of the pipeline benchmark under callgrind: a fixed mix (seed), a fixed
# number of passes, only the measured passes counted (--toggle-collect), so the figure repeats
# run to run on a noisy machine and a regression shows as a number that moved.
#
#   bench/callgrind.sh [-B BUILD_DIR] [-c CONFIG] [-n PACKETS] [-p PASSES] [-j OUT.json] [-k] [-P]
#                      [-K KIND]
#
# -P measures the paired mix (--paired: benign responses answer the mix's own queries).
# -K KIND measures only the frames of one kind (--kind: benign_query, benign_response, ...)
# after the whole mix's warm-up pass; per packet is then per packet of that kind.
# The build directory is configured with -Dnative=false (valgrind stops on the AVX-512
# instructions -march=native emits on this kind of CPU) and -Dtests=false. -k keeps the
# callgrind output file (for callgrind_annotate / kcachegrind).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build-callgrind"
packets=4096
passes=4
json=""
keep=0
config=()
paired=()
kind=()
while getopts "B:c:n:p:j:kPK:h" opt; do
	case $opt in
	B) build=$OPTARG ;;
	c) config=(--config "$OPTARG") ;;
	n) packets=$OPTARG ;;
	p) passes=$OPTARG ;;
	j) json=$OPTARG ;;
	k) keep=1 ;;
	P) paired=(--paired) ;;
	K) kind=(--kind "$OPTARG") ;;
	*)
		sed -n '2,18p' "$0"
		exit 2
		;;
	esac
done

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" -Dnative=false -Dtests=false >/dev/null
else
	meson configure "$build" -Dnative=false >/dev/null
fi
ninja -C "$build" bench/dnsfence-bench-pipeline >/dev/null

out=$(mktemp /tmp/dnsf-callgrind.XXXXXX)
trap '[ "$keep" = 1 ] || rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=dnsf_bench_measured \
	"$build/bench/dnsfence-bench-pipeline" --packets "$packets" --passes "$passes" \
	--warmup-passes 1 --no-stages --no-kinds "${config[@]}" "${paired[@]}" "${kind[@]}" >"$out.txt" 2>"$out.log" ||
	{ cat "$out.log" >&2; rm -f "$out.txt" "$out.log"; exit 1; }
rm -f "$out.log"
# The packets measured, as the benchmark counted them (with -K, the kind's frames x passes).
pkts=$(sed -n 's/.*least disturbed.*(\([0-9]*\) packets).*/\1/p' "$out.txt" | head -n 1)
frames=$packets
[ ${#kind[@]} -eq 0 ] || frames="${kind[1]}: $((pkts / passes))"
rm -f "$out.txt"
[ -n "$pkts" ] || { echo "callgrind.sh: the benchmark printed no packet count" >&2; exit 1; }

# Inclusive and self counts of the functions that make up the decision, per packet.
/usr/bin/python3 - "$out" "$pkts" "$json" "$frames" "$passes" <<'EOF'
import json, re, subprocess, sys

out, pkts, jpath, packets, passes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def table(inclusive):
    txt = subprocess.run(["callgrind_annotate", "--inclusive=" + inclusive, "--threshold=100",
                          "--auto=no", out], capture_output=True, text=True, check=True).stdout
    total, rows = 0, {}
    for line in txt.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        name = m.group(2)
        if "PROGRAM TOTALS" in name:
            total = n
            continue
        fn = name.split(":", 1)[1] if ":" in name else name
        fn = fn.split(" ")[0]
        # A function's clone (GCC's "f.popcnt", "f.isra.0", "f.part.0") counts as f.
        fn = fn.split(".")[0]
        # Inlined code shows up under the header it came from ("dnsf_name.h:f"): self counts
        # add up, inclusive ones overlap (each includes the callees), so keep the largest.
        rows[fn] = rows.get(fn, 0) + n if inclusive == "no" else max(rows.get(fn, 0), n)
    return total, rows

total, incl = table("yes")
_, self_ = table("no")
if total == 0 or pkts == 0:
    sys.exit("callgrind.sh: no instructions collected")

# The decision's entry points and the functions the compiler keeps out of line (the rest is
# inlined into them: see the self table).
key = ["dnsf_worker_prepare", "dnsf_worker_decide", "dnsf_worker_process", "dnsf_pkt_parse",
       "dnsf_dns_parse", "dnsf_name_msg_hashes", "dnsf_key16", "dnsf_detect_packet",
       "dnsf_qfeat_compute_rules", "dnsf_qfeat_compute", "dnsf_feat_fill", "dnsf_feat_vector",
       "dnsf_model_score"]
print(f"instructions per packet: {total / pkts:.1f}  ({total} Ir over {pkts} packets: "
      f"{packets} frames x {passes} passes)")
print("inclusive, per packet (over all packets, also those a function does not see):")
for k in key:
    if k in incl:
        print(f"  {k:28s} {incl[k] / pkts:8.1f}")
print("self, per packet (top 15):")
top = sorted(self_.items(), key=lambda kv: -kv[1])[:15]
for k, v in top:
    print(f"  {k:28s} {v / pkts:8.1f}")
if jpath:
    with open(jpath, "w") as f:
        json.dump({"bench": "callgrind", "packets": pkts, "instructions": total,
                   "instructions_per_packet": round(total / pkts, 1),
                   "inclusive_per_packet": {k: round(incl[k] / pkts, 1) for k in key if k in incl},
                   "self_per_packet": {k: round(v / pkts, 1) for k, v in top}}, f, indent=2)
        f.write("\n")
EOF
if [ "$keep" = 1 ]; then
	echo "callgrind output: $out"
fi
