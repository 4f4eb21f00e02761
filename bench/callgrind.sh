#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Instructions per packet of the pipeline benchmark under callgrind: a fixed mix (seed), a fixed
# number of passes, only the measured passes counted (--toggle-collect), so the figure repeats
# run to run on a noisy machine and a regression shows as a number that moved.
#
#   bench/callgrind.sh [-B BUILD_DIR] [-c CONFIG] [-n PACKETS] [-p PASSES] [-j OUT.json] [-k] [-P]
#
# -P measures the paired mix (--paired: benign responses answer the mix's own queries).
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
while getopts "B:c:n:p:j:kPh" opt; do
	case $opt in
	B) build=$OPTARG ;;
	c) config=(--config "$OPTARG") ;;
	n) packets=$OPTARG ;;
	p) passes=$OPTARG ;;
	j) json=$OPTARG ;;
	k) keep=1 ;;
	P) paired=(--paired) ;;
	*)
		sed -n '2,15p' "$0"
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
	--warmup-passes 1 --no-stages --no-kinds "${config[@]}" "${paired[@]}" >/dev/null 2>"$out.log" ||
	{ cat "$out.log" >&2; exit 1; }
rm -f "$out.log"

# Inclusive and self counts of the functions that make up the decision, per packet.
/usr/bin/python3 - "$out" "$((packets * passes))" "$json" "$packets" "$passes" <<'EOF'
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
        # Inlined code shows up under the header it came from ("dnsf_name.h:f"): self counts
        # add up, inclusive ones overlap (each includes the callees), so keep the largest.
        rows[fn] = rows.get(fn, 0) + n if inclusive == "no" else max(rows.get(fn, 0), n)
    return total, rows

total, incl = table("yes")
_, self_ = table("no")
if total == 0 or pkts == 0:
    sys.exit("callgrind.sh: no instructions collected")

key = ["dnsf_worker_process", "dnsf_pkt_parse", "dnsf_dns_parse", "dnsf_name_suffix_hashes",
       "dnsf_suffix_set_match", "dnsf_psl_suffix", "dnsf_detect_packet", "dnsf_qfeat_compute",
       "dnsf_tab_get", "dnsf_flow_on_query", "dnsf_dom_on_query", "dnsf_flow_view",
       "dnsf_dom_view", "dnsf_rules_query_points", "dnsf_rules_score", "dnsf_feat_fill",
       "dnsf_hash_bytes"]
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
