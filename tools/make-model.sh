#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# make-model.sh — regenerate the shipped classifier (config/dnsfence.model) from ../shared/data
# and the project's own captures, deterministically, then measure it on the held-out part through
# the full engine decision. `make model` and `meson compile -C build model` run this.
#
#   tools/make-model.sh TRAIN_BIN EVAL_BIN [OUT_DIR]
#
# Environment (all optional):
#   SHARED          data directory (default: ../shared/data next to the repository)
#   MODEL_OUT       model file to write (default: config/dnsfence.model)
#   MODEL_SEED      training seed (default 1)
#   TRAIN_CAPTURES  directory of extra labelled captures, e.g. tools/capture-train.sh output
#                   (default: build/captures): every *.pcap there is training data, labelled by
#                   the suffixes listed one a line in its file `label-suffixes`
#
# Inputs, in this order (the order is part of what makes the result reproducible):
#   1. SHARED/tunnels/*/*.pcap (label example.attack), sorted by name in the C locale;
#   2. config/demo.pcap (label tun.dnsfence-demo.test: iodine through unbound, recorded by
#      tools/capture-demo.sh);
#   3. TRAIN_CAPTURES/*.pcap, sorted, if present;
#   4. synthetic benign clients from SHARED/benign/*.txt (registered domains split 4:1), 3 % of
#      them forwarders/NAT gateways for 20-200 users;
#   5. synthetic sessions of tunnel families we have no captures of: DNSExfiltrator-like
#      base64url and low-and-slow base32/base64url (tools/dnsf_tunsynth.h, parameters drawn per
#      session): 8 per family train, 3 validate. Not the hex families (dnscat2-like, beacons):
#      with them in training the model flagged ad servers' 32-hex safeframe names (docs/model.md);
#      the evaluator's dnscat2 and beacon shapes stay families the model never saw.
# Benign messages of types other than A/AAAA weigh 16x (--hard-negatives): with the own
# captures' SRV/MX/CNAME tunnels, 4x let domain members' SRV look-ups through the engine be
# dropped at 1e-3.
# Held out (validation, whole files): every iodine capture over TXT records, every capture with
# the base64 codec, every dns2tcp C2 (interactive ssh) session, config/demo.pcap (another
# tunnel domain, another resolver, our own recording), and of the own captures the benign
# half benign-unbound-b (registered domains the training half does not have). The tunnel base
# domains are renamed to random domains, different ones for training and validation.
# Outputs: MODEL_OUT; OUT_DIR/train.txt and train.json (held-out numbers from the trainer);
# OUT_DIR/eval.txt and eval.json (the held-out captures and held-out benign clients through
# dnsfence-eval with the new model and config/dnsfence.yaml); OUT_DIR/eval-notype.* (the same
# with the QTYPE policy off, so NULL/private-type tunnels meet the detector too);
# OUT_DIR/eval-unseen.* (the evaluator's fixed dnscat2/exfiltrator/beacon/slow shapes, three
# sessions each, alone and merged into the held-out benign clients); OUT_DIR/eval-fwd.* (the
# held-out benign clients with 3 % forwarders/NAT gateways).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
train=${1:?usage: make-model.sh TRAIN_BIN EVAL_BIN [OUT_DIR]}
eval=${2:?usage: make-model.sh TRAIN_BIN EVAL_BIN [OUT_DIR]}
out=${3:-$repo/build/model}
shared=${SHARED:-$(cd "$repo/.." && pwd)/shared/data}
model=${MODEL_OUT:-$repo/config/dnsfence.model}
seed=${MODEL_SEED:-1}
extra=${TRAIN_CAPTURES:-$repo/build/captures}

if [ ! -d "$shared/tunnels" ] || [ ! -d "$shared/benign" ]; then
	echo "make-model: $shared/tunnels and $shared/benign are needed (set SHARED=...)" >&2
	exit 1
fi
mkdir -p "$out"
export LC_ALL=C

mapfile -t tunnels < <(find "$shared/tunnels" -name '*.pcap' | sort)
mapfile -t benign < <(find "$shared/benign" -name '*.txt' | sort)
[ "${#tunnels[@]}" -gt 0 ] || { echo "make-model: no captures in $shared/tunnels" >&2; exit 1; }
[ "${#benign[@]}" -gt 0 ] || { echo "make-model: no name lists in $shared/benign" >&2; exit 1; }

labels=(--label-suffix example.attack --label-suffix tun.dnsfence-demo.test)
extra_caps=()
if [ -d "$extra" ]; then
	mapfile -t extra_caps < <(find "$extra" -maxdepth 1 -name '*.pcap' | sort)
	if [ "${#extra_caps[@]}" -gt 0 ]; then
		[ -f "$extra/label-suffixes" ] || {
			echo "make-model: $extra has captures but no label-suffixes file" >&2
			exit 1
		}
		while read -r s; do
			[ -n "$s" ] && [ "${s#\#}" = "$s" ] && labels+=(--label-suffix "$s")
		done <"$extra/label-suffixes"
	fi
fi
holdout=(--holdout iodine-transfer-txt- --holdout iodine-interactive-txt- --holdout -base64-
	--holdout dns2tcp-c2- --holdout demo.pcap --holdout benign-unbound-b)
val_re='iodine-(transfer|interactive)-txt-|-base64-|dns2tcp-c2-|benign-unbound-b'
synth_tun=(--synth-tunnels 8 --val-synth-tunnels 3 --synth-kinds exfiltrator,slow --hard-negatives 16)
names=()
for f in "${benign[@]}"; do names+=(--benign-names "$f"); done

# config/dnsfence.yaml names the model; its loader only checks the file is readable, and the
# trainer ignores it. A placeholder lets a first run (or one after deleting the model) start; it
# does not outlive a failed run.
placeholder=0
if [ ! -e "$model" ]; then
	: >"$model"
	placeholder=1
fi
trap '[ "$placeholder" = 1 ] && [ ! -s "$model" ] && rm -f "$model"' EXIT

echo "make-model: training on ${#tunnels[@]} shared captures, demo.pcap, ${#extra_caps[@]} own captures, ${#benign[@]} name lists (seed $seed)"
"$train" -c "$repo/config/dnsfence.yaml" -o "$model" --seed "$seed" "${labels[@]}" \
	"${holdout[@]}" "${names[@]}" "${synth_tun[@]}" --clients 2000 --seconds 600 \
	--val-clients 1000 --val-seconds 600 --json "$out/train.json" --explain 10 --quiet \
	"${tunnels[@]}" "$repo/config/demo.pcap" "${extra_caps[@]}" | tee "$out/train.txt"

# The held-out part through the whole engine: the held-out captures (renamed with a seed the
# trainer never used) and synthetic clients of the held-out registered domains.
mapfile -t val < <(printf '%s\n' "${tunnels[@]}" "${extra_caps[@]}" | grep -E "$val_re")
common=(-c "$repo/config/dnsfence.yaml" --model "$model" "${labels[@]}" --rename-base random:1000
	"${names[@]}" --benign-part 5:4:5 --clients 2000 --seconds 1800 --seed 1000)
"$eval" "${common[@]}" --json "$out/eval.json" "${val[@]}" "$repo/config/demo.pcap" |
	tee "$out/eval.txt"
"$eval" "${common[@]}" --type-policy off --json "$out/eval-notype.json" "${val[@]}" \
	"$repo/config/demo.pcap" >"$out/eval-notype.txt"
grep '^targets' "$out/eval-notype.txt" | sed 's/^/QTYPE policy off: /'
# Tunnel families with no captures, in the evaluator's fixed shapes (the trainer drew its own
# parameters), alone and merged into the held-out benign clients; then forwarder/NAT clients.
unseen=()
for k in dnscat2 exfiltrator beacon slow; do unseen+=(--synth-tunnel "$k:150" --synth-tunnel "$k:150" --synth-tunnel "$k:150"); done
"$eval" -c "$repo/config/dnsfence.yaml" --model "$model" "${unseen[@]}" \
	--json "$out/eval-unseen.json" >"$out/eval-unseen.txt"
grep '^targets' "$out/eval-unseen.txt" | sed 's/^/unseen shapes: /'
"$eval" "${common[@]}" "${unseen[@]}" --merge --json "$out/eval-unseen-merged.json" \
	>"$out/eval-unseen-merged.txt"
grep '^targets' "$out/eval-unseen-merged.txt" | sed 's/^/unseen shapes in benign traffic: /'
"$eval" "${common[@]}" --forwarders 3 --json "$out/eval-fwd.json" >"$out/eval-fwd.txt"
grep '^targets' "$out/eval-fwd.txt" | sed 's/^/forwarders: /'
sha256sum "$model"
