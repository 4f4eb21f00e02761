#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Integration test: `dnsfence -c FILE --check` through the real binary.
#   - the shipped config/dnsfence.yaml and a full live config (ports, pairs, lists) are valid:
#     exit 0, and --check touches no device (the live config names an interface that does not
#     exist, and no EAL runtime directory appears);
#   - each broken config exits 2 with exactly one line on stderr that names the offending key,
#     nothing on stdout; so does each broken file it names (list line, model, PSL);
#   - an optional model that does not load is one warning and exit 0 (fail-open by choice);
#   - forensics.pdump with --no-huge / --in-memory is one warning and exit 0;
#   - a replay with a broken config or file exits 2 before EAL and leaves no output files and no
#     EAL runtime directory;
#   - command-line misuse (options without --replay, bad numbers, unknown options) exits 2 with
#     one line naming the option.
# Usage: test_check.sh DNSFENCE REPO_ROOT
set -u
DNSFENCE=$1
REPO=$2
# shellcheck source=./lib.sh
. "$REPO/tests/integration/lib.sh"

work=$(mktemp -d /tmp/dnsf-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

: >"$work/allow.txt"
echo "evil.example" >"$work/deny.txt"
prefix="dnsf_test_check_$$"

# valid FILE: exit 0, no error output.
valid() {
	local f=$1 out err rc
	out=$("$DNSFENCE" -c "$f" --check --file-prefix "$prefix" 2>"$work/err")
	rc=$?
	err=$(cat "$work/err")
	[ "$rc" -eq 0 ] || bad "$(basename "$f"): exit $rc, expected 0 (stderr: $err)"
	[ -z "$err" ] || bad "$(basename "$f"): unexpected stderr: $err"
	echo "ok (valid) $(basename "$f"): $out" >&2
}

# invalid NAME KEY [LINE] <<YAML: write the config, expect exit 2 and one stderr line containing
# KEY (and "line LINE" when given).
invalid() {
	local name=$1 key=$2 line=${3:-} f="$work/$1.yaml" out rc nlines
	cat >"$f"
	out=$("$DNSFENCE" -c "$f" --check --file-prefix "$prefix" 2>"$work/err")
	rc=$?
	nlines=$(grep -c . "$work/err")
	if [ "$rc" -ne 2 ]; then
		bad "$name: exit $rc, expected 2 (stderr: $(cat "$work/err"))"
	elif [ "$nlines" -ne 1 ]; then
		bad "$name: $nlines stderr lines, expected exactly one: $(cat "$work/err")"
	elif ! grep -qF -- "$key" "$work/err"; then
		bad "$name: the error does not name '$key': $(cat "$work/err")"
	elif [ -n "$line" ] && ! grep -qE "line $line\b" "$work/err"; then
		bad "$name: the error does not give line $line: $(cat "$work/err")"
	elif [ -n "$out" ]; then
		bad "$name: unexpected stdout: $out"
	else
		echo "ok (exit 2) $name: $(cat "$work/err")" >&2
	fi
}

valid "$REPO/config/dnsfence.yaml"

cat >"$work/live.yaml" <<EOF
mode: inline
ports:
  - { name: inside, device: "net_af_packet0,iface=dnsfnoexist0" }
  - { name: outside, device: "net_af_packet1,iface=dnsfnoexist1" }
pairs:
  - { inside: inside, outside: outside }
workers: { lcores: [1] }
lists: { allow: allow.txt, deny: deny.txt }
policy: { malformed: pass, fragments: drop }
detection: { enabled: false }
EOF
valid "$work/live.yaml"
[ -e "/var/run/dpdk/$prefix" ] && bad "--check created the EAL runtime directory /var/run/dpdk/$prefix"

invalid unknown_key bogus_key 2 <<'EOF'
mode: inline
bogus_key: 1
EOF
invalid unknown_nested_key workers.burts 1 <<'EOF'
workers: { lcores: [1], burts: 32 }
EOF
invalid wrong_type workers.burst 1 <<'EOF'
workers: { burst: lots }
EOF
invalid out_of_range workers.burst 1 <<'EOF'
workers: { burst: 100000 }
EOF
invalid number_with_suffix dns.ports 1 <<'EOF'
dns: { ports: [53abc] }
EOF
invalid bad_enum mode 1 <<'EOF'
mode: sideways
EOF
invalid bad_policy policy.malformed 1 <<'EOF'
policy: { malformed: maybe }
EOF
invalid missing_list_file lists.deny 1 <<'EOF'
lists: { deny: /nonexistent/dnsfence/deny.txt }
EOF
invalid port_twice 'ports[1]' 3 <<'EOF'
ports:
  - { name: a, device: "net_af_packet0,iface=x0" }
  - { name: a, device: "net_af_packet1,iface=x1" }
pairs:
  - { inside: a, outside: a }
EOF
invalid pair_unknown_port 'pairs[0].outside' 5 <<'EOF'
ports:
  - { name: a, device: "net_af_packet0,iface=x0" }
  - { name: b, device: "net_af_packet1,iface=x1" }
pairs:
  - { inside: a, outside: nosuchport }
EOF
invalid yaml_syntax "YAML" <<'EOF'
mode: [inline
EOF
invalid empty_file "empty" <<'EOF'
EOF

# The files a config names, each class: a bad list line (file:line), a missing and a corrupt
# model (model.required: true), a missing and a corrupt public suffix list.
printf 'good.example\nbad..name\n' >"$work/deny-bad.txt"
invalid list_bad_line "deny-bad.txt:2" <<'EOF2'
lists: { deny: deny-bad.txt }
EOF2
invalid model_missing model.path 1 <<'EOF2'
model: { path: no-such.model, required: true }
EOF2
head -c 512 /dev/urandom >"$work/corrupt.model"
invalid model_corrupt corrupt.model <<'EOF2'
model: { path: corrupt.model, required: true }
EOF2
invalid psl_missing detection.psl 1 <<'EOF2'
detection: { psl: /nonexistent/dnsfence/psl.dat }
EOF2
printf 'com\n\000junk\n' >"$work/corrupt-psl.dat"
invalid psl_corrupt "corrupt-psl.dat:2" <<'EOF2'
detection: { psl: corrupt-psl.dat }
EOF2

# Fail-open by choice: an optional model that does not load is one warning naming it, exit 0.
printf 'model: { path: corrupt.model, required: false }\n' >"$work/model-optional.yaml"
out=$("$DNSFENCE" -c "$work/model-optional.yaml" --check 2>"$work/err")
rc=$?
if [ "$rc" -ne 0 ] || [ "$(grep -c . "$work/err")" -ne 1 ] ||
	! grep -q "warning: model not loaded.*corrupt.model" "$work/err"; then
	bad "optional corrupt model: exit $rc, stderr: $(cat "$work/err")"
else
	echo "ok (exit 0, warning) optional model: $(cat "$work/err")" >&2
fi

# forensics.pdump on where no secondary process can attach: valid, with one warning naming the
# EAL option (from the config's eal list, or after --); on hugepages no warning at all.
printf 'eal: ["--no-huge", "-m", "512"]\nforensics: { pdump: true }\n' >"$work/pdump-nohuge.yaml"
printf 'forensics: { pdump: true }\n' >"$work/pdump.yaml"
valid "$work/pdump.yaml"
for run in "pdump-nohuge.yaml:--no-huge" "pdump.yaml:--in-memory"; do
	f=${run%%:*}
	opt=${run#*:}
	extra=()
	[ "$f" = pdump.yaml ] && extra=(-- --in-memory)
	"$DNSFENCE" -c "$work/$f" --check "${extra[@]}" >/dev/null 2>"$work/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ "$(grep -c . "$work/err")" -ne 1 ] ||
		! grep -q "warning: forensics.pdump is on, but the EAL arguments have $opt" "$work/err"; then
		bad "pdump with $opt: exit $rc, stderr: $(cat "$work/err")"
	else
		echo "ok (exit 0, warning) pdump with $opt: $(cat "$work/err")" >&2
	fi
done

# Not only --check: a replay with a broken config or file stops with exit 2 and one line before
# EAL, leaving no output capture, no event log and no EAL runtime directory behind.
for name in list_bad_line model_corrupt psl_corrupt; do
	rm -f "$work/out.pcap" "$work/drop.pcap" "$work/ev.jsonl"
	"$DNSFENCE" -c "$work/$name.yaml" --replay "$REPO/config/demo.pcap" --passed "$work/out.pcap" \
		--dropped "$work/drop.pcap" --events "$work/ev.jsonl" --file-prefix "${prefix}_r" \
		>"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(grep -c . "$work/err")" -ne 1 ] || [ -s "$work/out" ]; then
		bad "replay $name: exit $rc, stderr: $(cat "$work/err") stdout: $(cat "$work/out")"
	elif [ -e "$work/out.pcap" ] || [ -e "$work/drop.pcap" ] || [ -e "$work/ev.jsonl" ]; then
		bad "replay $name: left output files: $(ls "$work"/out.pcap "$work"/drop.pcap "$work"/ev.jsonl 2>/dev/null)"
	elif [ -e "/var/run/dpdk/${prefix}_r" ]; then
		bad "replay $name: created /var/run/dpdk/${prefix}_r"
	else
		echo "ok (exit 2, nothing left) replay $name: $(cat "$work/err")" >&2
	fi
done

# A file that does not exist: exit 2, one line naming it.
out=$("$DNSFENCE" -c "$work/nonexistent.yaml" --check 2>"$work/err")
rc=$?
if [ "$rc" -ne 2 ] || [ "$(grep -c . "$work/err")" -ne 1 ] || ! grep -q nonexistent.yaml "$work/err"; then
	bad "missing config file: exit $rc, stderr: $(cat "$work/err")"
else
	echo "ok (exit 2) missing file: $(cat "$work/err")" >&2
fi

# Command-line misuse: exit 2, one line naming the option, nothing started.
cli_bad() {
	local want=$1 rc
	shift
	"$DNSFENCE" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(grep -c . "$work/err")" -ne 1 ] || ! grep -qF -- "$want" "$work/err" ||
		[ -s "$work/out" ]; then
		bad "cli $*: exit $rc, stderr: $(cat "$work/err") stdout: $(cat "$work/out")"
	else
		echo "ok (exit 2) cli $*: $(cat "$work/err")" >&2
	fi
}
cfg="$REPO/config/dnsfence.yaml"
cli_bad "--linger" -c "$cfg" --linger 5
cli_bad "--passed" -c "$cfg" --passed "$work/x.pcap"
cli_bad "--linger" -c "$cfg" --replay "$REPO/config/demo.pcap" --passed "$work/x.pcap" --linger 0
cli_bad "--linger" -c "$cfg" --replay "$REPO/config/demo.pcap" --passed "$work/x.pcap" --linger 5s
cli_bad "--stats-interval" -c "$cfg" --stats-interval -1
cli_bad "--passed" -c "$cfg" --replay "$REPO/config/demo.pcap"
cli_bad "--no-such-option" -c "$cfg" --no-such-option
cli_bad "-c FILE" --check
[ -e "$work/x.pcap" ] && bad "cli misuse left $work/x.pcap"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed" >&2
	exit 1
fi
echo "config_check: all checks passed" >&2
