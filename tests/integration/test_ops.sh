#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Integration test: operator features on a live run (the test_live topology: client namespace -
# veth - dnsfence on two net_af_packet ports - veth - server namespace with unbound).
#   - Metrics: GET /metrics on the configured loopback port answers a page every line of which
#     is valid Prometheus text format (tests/integration/prom_check.py), with every worker
#     counter as dnsfence_<name>_total{lcore="1"}, port counters per port name, and gauges; its
#     counters equal /dnsfence/stats read right after (no DNS in between); other paths get 404,
#     other methods 405; the final statistics at SIGTERM equal the last scrape.
#   - Live reload: the deny list is replaced and SIGHUP sent while a client keeps asking a
#     benign name (every one of those queries must answer: a reload drops no packet); then a
#     newly denied name gets no answer, /dnsfence/lists shows the new version and a successful
#     reload, and the metrics count it. A broken list is refused (one error line naming
#     file:line), the old version stays in force and the name stays blocked.
#   - Log rotation: the event log moved away before SIGHUP; events after it go to a new file at
#     the configured path, those before stayed in the moved file.
# Skips (77) when not root or namespaces cannot be made here.
#
# Run alone:  meson test -C BUILD ops --print-errorlogs
set -u
DNSFENCE=$(realpath "$1")
REPO=$(realpath "$2")
# shellcheck source=./lib.sh
. "$REPO/tests/integration/lib.sh"
NETNS_SH="$REPO/tools/netns.sh"
PROM="$REPO/tests/integration/prom_check.py"

dnsf_need_netns "$NETNS_SH"
dnsf_need_tools unbound unbound-checkconf dig ethtool /usr/bin/dpdk-telemetry.py "$DNSF_PY"

TAG=do$$
TAG=${TAG:0:10}
PREFIX=dnsf_test_ops_$$
work=$(mktemp -d /tmp/dnsf-ops.XXXXXX)
exec 3>&2
DNSF_PID=""

# A free loopback port for the metrics endpoint (the kernel picks; released just before use).
MPORT=$("$DNSF_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MURL="http://127.0.0.1:$MPORT/metrics"

cleanup() {
	local rc=$?
	dnsf_stop "$DNSF_PID"
	[ -n "${UNBOUND_PID:-}" ] && kill "$UNBOUND_PID" 2>/dev/null
	wait 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "---- dnsfence stderr (tail)" >&3
		tail -n 30 "$work/dnsfence.err" >&3 2>/dev/null
	fi
	"$NETNS_SH" down "$TAG"
	rm -rf "/var/run/dpdk/$PREFIX" "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=../../tools/netns.sh
. "$NETNS_SH"
dnsf_netns_up "$TAG" inline || dnsf_fail "could not build the namespace topology"
C() { ip netns exec "$NS_CLIENT" "$@"; }
dnsf_unbound_start "$NS_SERVER" "$work" "$REPO/tests/integration/unbound-zones.conf" \
	"$SERVER_IP" "$SERVER_IP6" || dnsf_fail "unbound did not start"

echo "blocked.example" >"$work/deny.txt"
echo "allowed.blocked.example" >"$work/allow.txt"
cat >"$work/ops.yaml" <<EOC
eal: ["--no-huge", "-m", "512", "--log-level=lib.eal:notice"]
mode: inline
$(dnsf_inline_ports "$IF_INSIDE" "$IF_OUTSIDE")
workers: { lcores: [1] }
mempool: { mbufs: 4095, cache: 128 }
rings: { rx_desc: 512, tx_desc: 512 }
lists: { allow: allow.txt, deny: deny.txt }
telemetry: true
metrics: { listen: "127.0.0.1:$MPORT" }
events: { log: events.jsonl }
forensics: { pcap: drops.pcap, rate: 20, max_size_kb: 2, files: 3 }
detection: { enabled: false, action: drop }
EOC
"$DNSFENCE" -c "$work/ops.yaml" --check >/dev/null || dnsf_fail "the test config does not pass --check"
"$DNSFENCE" -c "$work/ops.yaml" --file-prefix "$PREFIX" >"$work/dnsfence.out" 2>"$work/dnsfence.err" &
DNSF_PID=$!
dnsf_wait_fence "$DNSF_PID" "$PREFIX" "$work/dnsfence.err"

answer() {
	local name=$1 want=$2 got
	for _ in $(seq 1 10); do
		got=$(C dig +time=1 +tries=1 +short @"$SERVER_IP" "$name" A 2>/dev/null | tail -n 1)
		[ "$got" = "$want" ] && { echo "ok: $name -> $got" >&2; return 0; }
	done
	bad "$name: got '$got', expected '$want'"
}
silent() {
	local rc
	C dig +time=1 +tries=1 @"$SERVER_IP" "$1" A >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 9 ] && echo "ok: $1: no answer" >&2 || bad "$1: dig exit $rc, expected 9 (no answer)"
}
scrape() { "$DNSF_PY" "$PROM" "$MURL"; }
# metric JSON SERIES: value of one series ('name{labels}') in prom_check's output.
metric() {
	"$DNSF_PY" -c 'import json,sys; print(int(json.loads(sys.argv[1])["series"][sys.argv[2]]))' "$1" "$2"
}
lists() { dnsf_telemetry "$PREFIX" /dnsfence/lists; }
lget() { dnsf_json_get "$1" "/dnsfence/lists.$2"; }

# ---- metrics
answer www.example.com 192.0.2.10
answer www.example.org 192.0.2.20
silent www.blocked.example
m=$(scrape) || dnsf_fail "GET /metrics failed or the page is not valid text format"
stats=$(dnsf_telemetry "$PREFIX" /dnsfence/stats) || dnsf_fail "no /dnsfence/stats"
# Every worker counter of lib/dnsf_stats.h is there, per lcore, with the same value as telemetry.
names=$(sed -n 's/^[[:space:]]*X(\([a-z_0-9]*\),.*/\1/p' "$REPO/lib/dnsf_stats.h")
[ "$(echo "$names" | wc -l)" -ge 20 ] || dnsf_fail "could not read the counter list from dnsf_stats.h"
for n in $names; do
	v=$(metric "$m" "dnsfence_${n}_total{lcore=\"1\"}") || { bad "no dnsfence_${n}_total{lcore=\"1\"}"; continue; }
	case $n in rx_packets | tx_packets | non_dns) continue ;; esac # ARP/ND may arrive between the reads
	t=$(dnsf_json_get "$stats" "/dnsfence/stats.$n") || { bad "no $n in /dnsfence/stats"; continue; }
	[ "$v" = "$t" ] || bad "dnsfence_${n}_total $v != /dnsfence/stats $n $t"
done
[ "$(metric "$m" 'dnsfence_denylisted_total{lcore="1"}')" -eq 1 ] || bad "denylisted is not 1"
for p in inside outside; do
	v=$(metric "$m" "dnsfence_port_rx_packets_total{port=\"$p\"}") || { bad "no port counter for $p"; continue; }
	[ "$v" -ge 3 ] || bad "port $p rx_packets $v: expected at least the 3 DNS packets"
done
for g in 'dnsfence_uptime_seconds{}' 'dnsfence_stalled_workers{}' 'dnsfence_flow_table_entries{lcore="1"}' \
	'dnsfence_list_entries{list="deny"}' 'dnsfence_verdict_drop_total{lcore="1"}'; do
	metric "$m" "$g" >/dev/null || bad "no $g"
done
[ "$(metric "$m" 'dnsfence_stalled_workers{}')" -eq 0 ] || bad "stalled workers reported"
# The verdicts again with an action label: the same numbers as verdict_<action>_total, and the
# deny-listed query asked above is a drop.
for a in pass drop refuse; do
	v=$(metric "$m" "dnsfence_verdicts_total{lcore=\"1\",action=\"$a\"}") || { bad "no dnsfence_verdicts_total action=$a"; continue; }
	[ "$v" = "$(metric "$m" "dnsfence_verdict_${a}_total{lcore=\"1\"}")" ] || bad "dnsfence_verdicts_total action=$a $v != verdict_${a}_total"
done
[ "$(metric "$m" 'dnsfence_verdicts_total{lcore="1",action="drop"}')" -ge 1 ] || bad "no drop verdict counted for the deny-listed query"
[ "$(metric "$m" 'dnsfence_verdicts_total{lcore="1",action="pass"}')" -ge 4 ] || bad "fewer than 4 pass verdicts (2 answered look-ups)"
[ "$(metric "$m" 'dnsfence_list_entries{list="deny"}')" -eq 1 ] || bad "deny list entries != 1"
[ "$("$DNSF_PY" "$PROM" --status "http://127.0.0.1:$MPORT/other")" = 404 ] || bad "GET /other is not 404"
code=$("$DNSF_PY" -c 'import urllib.request,urllib.error,sys
try: urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"x"), timeout=5)
except urllib.error.HTTPError as e: print(e.code)' "$MURL")
[ "$code" = 405 ] || bad "POST /metrics answered '$code', expected 405"
# A request head larger than the 2 KiB bound is refused (431), not buffered.
code=$("$DNSF_PY" -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),timeout=5)
s.sendall(b"GET /metrics HTTP/1.0\r\nX-Pad: "+b"a"*3000)
print(s.recv(64).split(b" ")[1].decode())' "$MPORT" 2>&1)
[ "$code" = 431 ] || bad "an oversized request head answered '$code', expected 431"
# A client that connects and says nothing does not hold up the next scrape for more than ~2 s.
"$DNSF_PY" -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); time.sleep(4)' "$MPORT" &
idle=$!
sleep 0.3
scrape >/dev/null || bad "scrape behind an idle client failed"
kill "$idle" 2>/dev/null
echo "ok: metrics page valid, $(echo "$names" | wc -w) worker counters checked" >&2

# ---- reload while traffic flows
v0=$(lget "$(lists)" deny_version)
[ "$(lget "$(lists)" deny_entries)" = 1 ] || bad "/dnsfence/lists deny_entries is not 1"
[ "$(lget "$(lists)" last_reload)" = none ] || bad "last_reload is not 'none' before any SIGHUP"
mv "$work/events.jsonl" "$work/events.1"
printf 'blocked.example\nexample.org\n' >"$work/deny.new"
mv "$work/deny.new" "$work/deny.txt"
# Benign look-ups in a row while the lists are swapped three times. dnsfence must not drop one
# of them: its drop counters (verdicts, full TX queues) do not move, and every look-up answers
# (dig may retry: on a loaded machine the kernel side of af_packet can lose a frame, which is
# not the fence's doing and shows in none of its counters).
s0=$(dnsf_telemetry "$PREFIX" /dnsfence/stats)
(
	for i in $(seq 1 30); do
		got=$(C dig +time=2 +tries=3 +short @"$SERVER_IP" www.example.com A 2>/dev/null | tail -n 1)
		[ "$got" = 192.0.2.10 ] || echo "lost $i" >>"$work/lost"
	done
) &
bg=$!
for _ in 1 2 3; do
	sleep 0.3
	kill -HUP "$DNSF_PID"
done
wait "$bg"
s1=$(dnsf_telemetry "$PREFIX" /dnsfence/stats)
[ -s "$work/lost" ] && bad "look-ups unanswered during reloads: $(tr '\n' ' ' <"$work/lost")"
for n in dropped_packets tx_full_dropped denylisted; do
	a=$(dnsf_json_get "$s0" "/dnsfence/stats.$n")
	b=$(dnsf_json_get "$s1" "/dnsfence/stats.$n")
	[ "$a" = "$b" ] || bad "$n went from $a to $b while lists were reloaded under benign traffic"
done
q=$(($(dnsf_json_get "$s1" /dnsfence/stats.dns_queries) - $(dnsf_json_get "$s0" /dnsfence/stats.dns_queries)))
[ "$q" -ge 30 ] || bad "only $q queries crossed the fence during the reloads, expected >= 30"
reloaded() { [ "$(lget "$(lists)" reloads_ok)" -ge 1 ] && [ "$(lget "$(lists)" old_lists_pending)" = 0 ]; }
dnsf_retry 50 0.1 reloaded || bad "/dnsfence/lists shows no completed reload"
l=$(lists)
echo "lists after reload: $l" >&2
v1=$(lget "$l" deny_version)
[ "$v1" != "$v0" ] && [ "${v1%%-*}" = 2 ] || bad "deny_version $v0 -> $v1: expected a new version with 2 entries"
[ "$(lget "$l" last_reload)" = ok ] || bad "last_reload is not ok"
silent www.example.org
silent www.blocked.example
answer www.example.com 192.0.2.10
grep -q 'www.example.org' "$work/events.jsonl" 2>/dev/null || bad "no event for the newly denied name in the reopened event log"
grep -q 'www.example.org' "$work/events.1" && bad "an event after the rotation went to the old file"
grep -q 'blocked.example' "$work/events.1" || bad "the rotated file lost the event before the reload"

# ---- a broken list keeps the old one
printf 'example.org\nnot a name\n' >"$work/deny.txt"
kill -HUP "$DNSF_PID"
refused() { [ "$(lget "$(lists)" reloads_failed)" -ge 1 ]; }
dnsf_retry 50 0.1 refused || bad "the broken list was not reported as refused"
l=$(lists)
[ "$(lget "$l" deny_version)" = "$v1" ] || bad "the deny version changed after a broken list"
[ "$(lget "$l" last_reload)" = error ] || bad "last_reload is not error"
case "$(lget "$l" last_error)" in *deny.txt:2:*) ;; *) bad "last_error does not name deny.txt:2: $(lget "$l" last_error)" ;; esac
grep -q 'reload: lists refused.*deny.txt:2' "$work/dnsfence.err" || bad "no error line for the refused list on stderr"
silent www.blocked.example
silent www.example.org
m=$(scrape) || bad "scrape after reloads failed"
[ "$(metric "$m" 'dnsfence_list_reloads_total{result="error"}')" -eq 1 ] || bad "metrics: reload errors != 1"
[ "$(metric "$m" 'dnsfence_list_reloads_total{result="ok"}')" -ge 1 ] || bad "metrics: no successful reload counted"
[ "$(metric "$m" 'dnsfence_list_entries{list="deny"}')" -eq 2 ] || bad "metrics: deny entries != 2"

# ---- forensics: 60 deny-listed queries at once; at most 20/s (plus a 1 s burst) are captured,
# the rest counted as skipped; the files rotate at 2 KiB, 3 kept, each a valid pcap of DNS
# queries for listed names.
C "$DNSF_PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(60):
    name = b"".join(bytes([len(l)]) + l for l in [b"q%d" % i, b"www", b"blocked", b"example"]) + b"\0"
    s.sendto(struct.pack("!HHHHHH", 0x7000 + i, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1", (sys.argv[1], 53))
' "$SERVER_IP"
sleep 1
m=$(scrape) || bad "scrape after the forensic burst failed"
cap=$(metric "$m" 'dnsfence_forensic_captured_total{lcore="1"}')
skip=$(metric "$m" 'dnsfence_forensic_skipped_total{lcore="1"}')
vd=$(metric "$m" 'dnsfence_verdict_drop_total{lcore="1"}')
written=$(metric "$m" 'dnsfence_forensic_pcap_frames_total{result="written"}')
echo "forensics: captured $cap skipped $skip (drops $vd), written $written" >&2
[ $((cap + skip)) -eq "$vd" ] || bad "forensics: captured $cap + skipped $skip != dropped $vd"
[ "$skip" -ge 30 ] || bad "forensics: only $skip skipped of a 60-frame burst at rate 20"
[ "$cap" -ge 15 ] || bad "forensics: only $cap frames captured"
[ "$written" -eq "$cap" ] || bad "forensics: $written written != $cap captured"
[ -e "$work/drops.pcap.3" ] && bad "forensics: drops.pcap.3 exists with files: 3"
[ -s "$work/drops.pcap.1" ] || bad "forensics: no rotation at 2 KiB (no drops.pcap.1)"
"$DNSF_PY" - "$work" "$written" <<'EOPY' || bad "forensics: the pcap files are not what was dropped"
import os, sys
from scapy.all import rdpcap, DNS
d, want = sys.argv[1], int(sys.argv[2])
total = 0
for f in ("drops.pcap.2", "drops.pcap.1", "drops.pcap"):
    p = os.path.join(d, f)
    if not os.path.exists(p):
        continue
    assert os.path.getsize(p) <= 2048, "%s is %d bytes" % (f, os.path.getsize(p))
    for pkt in rdpcap(p):
        q = pkt[DNS].qd.qname.decode().rstrip(".").lower()
        assert pkt[DNS].qr == 0 and (q.endswith("blocked.example") or q.endswith("example.org")), q
        total += 1
assert total == want, "%d frames in the files, %d written" % (total, want)
EOPY
last_dl=$(metric "$m" 'dnsfence_denylisted_total{lcore="1"}')

kill -TERM "$DNSF_PID"
for _ in $(seq 1 100); do kill -0 "$DNSF_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DNSF_PID"
rc=$?
DNSF_PID=""
[ "$rc" -eq 0 ] || bad "exit status $rc after SIGTERM"
final=$(grep '^{' "$work/dnsfence.out" | tail -n 1)
fdl=$("$DNSF_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["denylisted"])' "$final") || bad "no final statistics"
[ "${fdl:-x}" = "$last_dl" ] || bad "final denylisted ${fdl:-?} != last scrape $last_dl"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "ops: all checks passed" >&2
exit 0
