#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `meson install --destdir` into a temporary root, then check what an operator gets:
#  - the layout (binaries, config and lists together, the model, man pages, unit, docs), with no
#    @PLACEHOLDER@ left in generated files and no test or bench program installed;
#  - each man page renders with `man --warnings` and says nothing on stderr;
#  - systemd-analyze verify accepts the unit (skipped when systemd-analyze is absent);
#  - the installed dnsfence --checks the installed config and replays config/demo.pcap with it:
#    the lists resolve next to the config, and the absolute model path resolves once the install
#    prefix is mapped into the temporary root (the one rewrite made to a copy of the config).
#
#   test_install.sh BUILD_DIR SOURCE_DIR BINDIR CONFDIR MODELDIR MANDIR UNITDIR DOCDIR
set -eu
build=$1 src=$2 bindir=$3 confdir=$4 modeldir=$5 mandir=$6 unitdir=$7 docdir=$8
tmp=$(mktemp -d /tmp/dnsf-install.XXXXXX)
ns="" pid=""
cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
D=$tmp/root
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

meson install -C "$build" --no-rebuild --destdir "$D" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "meson install"; }

# Layout.
for b in dnsfence dnsfence-train dnsfence-eval; do
	[ -x "$D$bindir/$b" ] || fail "$bindir/$b not installed"
done
for f in dnsfence.yaml allowlist denylist case-exceptions; do
	[ -f "$D$confdir/$f" ] || fail "$confdir/$f not installed"
done
for f in allowlist denylist case-exceptions; do
	cmp -s "$src/config/$f" "$D$confdir/$f" || fail "$confdir/$f differs from config/$f"
done
cmp -s "$src/config/dnsfence.model" "$D$modeldir/dnsfence.model" || fail "model not installed"
grep -qx "  path: $modeldir/dnsfence.model" "$D$confdir/dnsfence.yaml" ||
	fail "installed config does not name $modeldir/dnsfence.model"
for p in man8/dnsfence.8 man1/dnsfence-train.1 man1/dnsfence-eval.1; do
	[ -f "$D$mandir/$p" ] || fail "$mandir/$p not installed"
done
unit=$D$unitdir/dnsfence.service
[ -f "$unit" ] || fail "$unitdir/dnsfence.service not installed"
[ -f "$D$docdir/configuration.md" ] || fail "docs not installed in $docdir"
if grep -l '@[A-Z_]*@' "$unit" "$D$mandir"/man*/dnsfence*; then
	fail "unsubstituted @PLACEHOLDER@ in the files above"
fi
# Only the three programs in bindir; nothing of the tests, benchmarks or fuzzers anywhere.
extra=$(ls "$D$bindir" | grep -v -x -e dnsfence -e dnsfence-train -e dnsfence-eval || true)
[ -z "$extra" ] || fail "unexpected programs installed: $extra"
if find "$D" -type f \( -name 'test_*' -o -name 'bench*' -o -name 'fuzz_*' -o -name '*.a' \) |
	grep .; then
	fail "build-only files installed (above)"
fi

# Man pages: rendered, with the real synopsis, and no warning from groff.
for p in man8/dnsfence.8 man1/dnsfence-train.1 man1/dnsfence-eval.1; do
	MANWIDTH=80 man --warnings -l "$D$mandir/$p" >"$tmp/man.txt" 2>"$tmp/man.err" ||
		fail "man -l $p exited $?"
	if [ -s "$tmp/man.err" ]; then
		cat "$tmp/man.err" >&2
		fail "man --warnings: $p"
	fi
	grep -q '^SYNOPSIS' "$tmp/man.txt" || fail "$p: no SYNOPSIS"
	grep -q -- '-c CONFIG\|-c FILE' "$tmp/man.txt" || fail "$p: synopsis lacks -c"
done
# Every long option the programs parse is documented in their page.
for pair in "dnsfence:man8/dnsfence.8:$src/app/main.c" \
	"dnsfence-train:man1/dnsfence-train.1:$src/tools/dnsf_train.c" \
	"dnsfence-eval:man1/dnsfence-eval.1:$src/tools/dnsf_eval.c"; do
	prog=${pair%%:*} rest=${pair#*:}
	page=${rest%%:*} csrc=${rest#*:}
	MANWIDTH=200 man -l "$D$mandir/$page" 2>/dev/null >"$tmp/page.txt"
	# What the program parses: getopt_long's table (dnsfence) or its strcmp(a, "--x") chain
	# (the tools); other strings that look like options (EAL's --no-huge) are not its own.
	opts=$(grep -o '{"[a-z][a-z0-9-]*", *[a-z_]*_argument\|strcmp(a, "--[a-z][a-z0-9-]*")' "$csrc" |
		sed 's/^{"/--/; s/^strcmp(a, "//; s/".*//' | sort -u)
	[ "$(echo "$opts" | wc -w)" -ge 10 ] || fail "$prog: options not found in $csrc"
	"$D$bindir/$prog" --help >"$tmp/help.txt" 2>&1 || fail "$prog --help exited $?"
	for o in $opts; do
		grep -q -- "$o\([^A-Za-z0-9-]\|$\)" "$tmp/page.txt" || fail "$prog: option $o is missing from $page"
		# --help shows every option but itself (-c and -o may stand for --config and --out).
		case $o in --help) continue ;; --config) alt=-c ;; --out) alt=-o ;; *) alt=$o ;; esac
		grep -q -- "\($o\|$alt\)\([^A-Za-z0-9-]\|$\)" "$tmp/help.txt" ||
			fail "$prog: option $o is missing from $prog --help"
	done
	# ... and the page documents no option the program does not parse (the tags of OPTIONS).
	for o in $(sed -n '/^\.SH OPTIONS/,/^\.SH /{/^\.TP/{n;p}}' "$src/man/${page#*/}" |
		grep -o '\\-\\-[a-z][a-z0-9\\-]*' | sed 's/\\-/-/g' | sort -u); do
		echo "$opts" | grep -qx -- "$o" || fail "$page documents $o, which $prog does not parse"
	done
done

# The unit: systemd-analyze verify reports nothing (unknown keys only warn, so stderr counts).
if command -v systemd-analyze >/dev/null 2>&1; then
	# The ExecStart binaries must exist: point them at the temporary root.
	sed "s|$bindir/dnsfence|$D$bindir/dnsfence|g" "$unit" >"$tmp/dnsfence.service"
	grep -q "^ExecStartPre=$D$bindir/dnsfence -c $confdir/dnsfence.yaml --check\$" \
		"$tmp/dnsfence.service" || fail "unit: ExecStartPre is not the --check of the config"
	grep -q '^LimitMEMLOCK=infinity$' "$unit" || fail "unit: LimitMEMLOCK"
	systemd-analyze --man=no verify "$tmp/dnsfence.service" >"$tmp/verify.out" 2>&1 ||
		{ cat "$tmp/verify.out" >&2; fail "systemd-analyze verify"; }
	if [ -s "$tmp/verify.out" ]; then
		cat "$tmp/verify.out" >&2
		fail "systemd-analyze verify complained"
	fi
else
	echo "systemd-analyze not installed: unit not verified"
fi

# The installed binary on the installed config. The copy sits next to the original so the
# relative list paths resolve the same way; only the model path gains the temporary root.
cfg=$D$confdir/check.yaml
sed "s|^  path: $modeldir/|  path: $D$modeldir/|" "$D$confdir/dnsfence.yaml" >"$cfg"
grep -q "^  path: $D$modeldir/dnsfence.model\$" "$cfg" || fail "model path not rewritten"
"$D$bindir/dnsfence" -c "$cfg" --check >"$tmp/check.out" 2>&1 ||
	{ cat "$tmp/check.out" >&2; fail "installed dnsfence --check of the installed config"; }
grep -q 'configuration is valid' "$tmp/check.out" || fail "--check said: $(cat "$tmp/check.out")"
# Without the mapping the model is not there: the check must say so (the path is really used).
if "$D$bindir/dnsfence" -c "$D$confdir/dnsfence.yaml" --check >"$tmp/check2.out" 2>&1 &&
	[ ! -e "$modeldir/dnsfence.model" ]; then
	fail "--check passed although $modeldir/dnsfence.model does not exist"
fi
# A replay of the demo capture (an iodine tunnel among ordinary lookups) decides with the
# installed lists, PSL and model: the tunnel is detected and its packets dropped.
"$D$bindir/dnsfence" -c "$cfg" --replay "$src/config/demo.pcap" --passed "$tmp/passed.pcap" \
	--file-prefix "dnsf_inst$$" >"$tmp/replay.json" 2>"$tmp/replay.err" ||
	{ cat "$tmp/replay.err" >&2; fail "replay with the installed config"; }
/usr/bin/python3 - "$tmp/replay.json" <<'PY' || fail "replay summary: $(cat "$tmp/replay.json")"
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert s["packets_in"] > 1000 and s["tunnel_detected"] >= 1 and s["dropped"] > 0, s
assert s["allowlisted"] > 0, s  # the installed allow list was read
PY
# The installed tools run against the installed config too.
"$D$bindir/dnsfence-eval" -c "$cfg" --synth-tunnel beacon:20 >"$tmp/eval.out" 2>&1 ||
	{ cat "$tmp/eval.out" >&2; fail "installed dnsfence-eval"; }
"$D$bindir/dnsfence-train" --help 2>&1 | grep -q '^usage: dnsfence-train' || fail "dnsfence-train --help"

# The unit's capability set is enough for a live run: the installed binary, with only the
# capabilities of the unit's CapabilityBoundingSet and no new privileges, runs two
# net_af_packet ports on veth pairs in a namespace of its own (no hugepages), serves metrics,
# survives SIGHUP (ExecReload) and stops cleanly on SIGTERM. Needs root, ip and setpriv.
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	[ -n "$caps" ] || fail "unit: no CapabilityBoundingSet"
	bset=-all
	for c in $caps; do
		bset="$bset,+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
	done
	ns=dnsf_inst$$
	ip netns add "$ns"
	ip -n "$ns" link add va type veth peer name vb
	ip -n "$ns" link add vc type veth peer name vd
	for d in lo va vb vc vd; do ip -n "$ns" link set "$d" up; done
	live=$D$confdir/live.yaml
	/usr/bin/python3 - "$cfg" "$live" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
ports = ('ports:\n  - { name: inside, device: "net_af_packet0,iface=va" }\n'
         '  - { name: outside, device: "net_af_packet1,iface=vc" }\n'
         'pairs:\n  - { inside: inside, outside: outside }')
assert "ports: []\npairs: []" in s and 'eal: ["' in s
s = s.replace("ports: []\npairs: []", ports).replace('eal: ["', 'eal: ["--no-huge", "-m", "1024", "')
# The probe below reads the metrics endpoint: pin it, whatever the shipped default becomes.
s = re.sub(r'(?m)^metrics:\n  listen: .*$', 'metrics:\n  listen: "127.0.0.1:9117"', s)
if 'listen: "127.0.0.1:9117"' not in s:
    s += '\nmetrics:\n  listen: "127.0.0.1:9117"\n'
open(sys.argv[2], "w").write(s)
PY
	ip netns exec "$ns" setpriv --bounding-set "$bset" --inh-caps -all --no-new-privs \
		"$D$bindir/dnsfence" -c "$live" --file-prefix "dnsf_inst$$" >"$tmp/live.out" \
		2>"$tmp/live.err" &
	pid=$!
	ok=""
	for _ in $(seq 1 40); do
		sleep 0.5
		kill -0 "$pid" 2>/dev/null || break
		if ip netns exec "$ns" /usr/bin/python3 -c 'import urllib.request as u,sys; sys.exit(0 if b"dnsfence_" in u.urlopen("http://127.0.0.1:9117/metrics", timeout=2).read() else 1)' 2>/dev/null; then
			ok=1
			break
		fi
	done
	[ -n "$ok" ] || { cat "$tmp/live.err" >&2; fail "live run with the unit's capabilities ($bset): no metrics"; }
	want=$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")
	kill -HUP "$pid"
	sleep 1
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/live.err" >&2; fail "SIGHUP (ExecReload) stopped dnsfence"; }
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=""
	[ "$rc" -eq 0 ] || { cat "$tmp/live.err" >&2; fail "live run exited $rc on SIGTERM"; }
	grep -q '"mbufs_in_use"' "$tmp/live.out" || fail "no final statistics line"
	echo "live run with capability bounding set $bset (CapBnd $want): ok"
else
	echo "not root or no ip/setpriv: the unit's capability set not exercised"
fi
echo "install layout, man pages, unit and installed config: ok"
