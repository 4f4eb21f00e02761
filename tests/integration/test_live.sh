#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Integration test: the live path. dnsfence runs inline between two veth pairs
# (tools/netns.sh "inline": client namespace - veth - [root namespace: dnsfence with two
# net_af_packet ports] - veth - server namespace), a real unbound answers local zones in the
# server namespace, and dig asks it from the client namespace, through dnsfence:
#   - benign names answer (UDP/IPv4, UDP/IPv6, TCP), an allow-listed name under a deny-listed
#     parent answers;
#   - a deny-listed name gets no answer at all (dig +time=1 +tries=1 times out), over IPv4 and
#     IPv6, while unbound itself does answer it (checked from inside the server namespace);
#   - benign names still answer afterwards (the fence forwards; the silence was the verdict);
#   - telemetry answers during the run over the socket (dpdk-telemetry.py -f PREFIX):
#     /dnsfence/stats counts rx_packets/tx_packets/dns_queries and exactly the deny-listed
#     queries sent, /dnsfence/ports, /dnsfence/lcores and /dnsfence/config answer;
#   - SIGTERM: dnsfence exits 0 and prints its final statistics, which agree with telemetry.
# Everything (namespaces, unbound, dnsfence) is torn down by a trap, also on failure.
# Skips (77) only when not root or namespaces cannot be made here.
#
# Run alone:  meson test -C BUILD live --print-errorlogs
#        or:  tests/integration/test_live.sh BUILD/app/dnsfence .
# DNSF_FENCE_NS=1 puts the two fence ends and dnsfence in a third namespace instead of the root.
set -u
DNSFENCE=$(realpath "$1")
REPO=$(realpath "$2")
# shellcheck source=./lib.sh
. "$REPO/tests/integration/lib.sh"
NETNS_SH="$REPO/tools/netns.sh"

dnsf_need_netns "$NETNS_SH"
dnsf_need_tools unbound unbound-checkconf dig ethtool /usr/bin/dpdk-telemetry.py "$DNSF_PY"

TAG=dl$$
TAG=${TAG:0:10}
PREFIX=dnsf_test_live_$$
work=$(mktemp -d /tmp/dnsf-live.XXXXXX)
exec 3>&2 # the trap reports here: a signal can run it while a command's stderr is redirected
DNSF_PID=""
UNBOUND_PID=""

cleanup() {
	local rc=$?
	dnsf_stop "$DNSF_PID"
	[ -n "$UNBOUND_PID" ] && kill "$UNBOUND_PID" 2>/dev/null
	wait 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "---- dnsfence stderr (tail)" >&3
		tail -n 30 "$work/dnsfence.err" >&3 2>/dev/null
		echo "---- dnsfence stdout (tail)" >&3
		tail -n 5 "$work/dnsfence.out" >&3 2>/dev/null
	fi
	"$NETNS_SH" down "$TAG"
	rm -rf "/var/run/dpdk/$PREFIX" "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# shellcheck source=../../tools/netns.sh
. "$NETNS_SH"
fence_opt=""
[ "${DNSF_FENCE_NS:-0}" = 1 ] && fence_opt=--fence-ns
dnsf_netns_up "$TAG" inline $fence_opt || dnsf_fail "could not build the namespace topology"
C() { ip netns exec "$NS_CLIENT" "$@"; }

dnsf_log "unbound in $NS_SERVER on $SERVER_IP and $SERVER_IP6"
dnsf_unbound_start "$NS_SERVER" "$work" "$REPO/tests/integration/unbound-zones.conf" \
	"$SERVER_IP" "$SERVER_IP6" || dnsf_fail "unbound did not start"

# The deny-listed name must be one unbound answers: then only dnsfence can make it silent.
ans=$(ip netns exec "$NS_SERVER" dig +time=1 +tries=3 +short @"$SERVER_IP" www.blocked.example A)
[ "$ans" = 192.0.2.66 ] || dnsf_fail "unbound does not answer www.blocked.example itself ('$ans')"

# Without dnsfence the two sides are not connected (the fence ends are not bridged).
C dig +time=1 +tries=1 @"$SERVER_IP" www.example.com A >/dev/null 2>&1 &&
	dnsf_fail "the client reaches the server without dnsfence: the topology is not a fence"

echo "blocked.example" >"$work/deny.txt"
echo "allowed.blocked.example" >"$work/allow.txt"
cat >"$work/live.yaml" <<EOF
# test_live: inline between two af_packet ports, lists only.
eal: ["--no-huge", "-m", "512", "--log-level=lib.eal:notice"]
mode: inline
$(dnsf_inline_ports "$IF_INSIDE" "$IF_OUTSIDE")
workers: { lcores: [1] }
mempool: { mbufs: 4095, cache: 128 }
rings: { rx_desc: 512, tx_desc: 512 }
lists: { allow: allow.txt, deny: deny.txt }
policy: { malformed: drop, fragments: pass }
telemetry: true
events: { log: events.jsonl }
detection: { enabled: false, action: drop }
EOF
"$DNSFENCE" -c "$work/live.yaml" --check >/dev/null || dnsf_fail "the test config does not pass --check"

dnsf_log "starting dnsfence (file prefix $PREFIX)"
# Not through a shell function: $! must be dnsfence itself (ip netns exec execs it).
in_fence=()
[ -n "$NS_FENCE" ] && in_fence=(ip netns exec "$NS_FENCE")
"${in_fence[@]}" "$DNSFENCE" -c "$work/live.yaml" --file-prefix "$PREFIX" \
	>"$work/dnsfence.out" 2>"$work/dnsfence.err" &
DNSF_PID=$!

# Ready = the telemetry socket answers /dnsfence/stats with counters (bounded: 20 s).
dnsf_wait_fence "$DNSF_PID" "$PREFIX" "$work/dnsfence.err"


# answer SERVER NAME TYPE EXPECTED [dig options]: positive case, retried (bounded) because the
# first packets may race the ports coming up and ARP.
answer() {
	local srv=$1 name=$2 type=$3 want=$4 got
	shift 4
	for _ in $(seq 1 10); do
		got=$(C dig +time=1 +tries=1 +short "$@" @"$srv" "$name" "$type" 2>/dev/null | tail -n 1)
		[ "$got" = "$want" ] && { echo "ok: $name $type $* -> $got" >&2; return 0; }
	done
	bad "$name $type via $srv $*: got '$got', expected '$want'"
	return 1
}
# silent SERVER NAME TYPE: negative case, asked once: no answer within 1 s (dig exit 9).
silent() {
	local srv=$1 name=$2 type=$3 rc
	C dig +time=1 +tries=1 @"$srv" "$name" "$type" >"$work/dig.out" 2>&1
	rc=$?
	if [ "$rc" -eq 9 ]; then
		echo "ok: $name $type via $srv: no answer (dropped)" >&2
	else
		bad "$name $type via $srv: dig exit $rc, expected 9 (timeout): $(grep -E 'status|ANSWER SECTION' -A1 "$work/dig.out" | head -4)"
	fi
}

answer "$SERVER_IP" www.example.com A 192.0.2.10
answer "$SERVER_IP6" www.example.com AAAA 2001:db8::10
answer "$SERVER_IP" mail.example.com A 192.0.2.25 +tcp
answer "$SERVER_IP" e7432.dscb.akamaiedge.net A 192.0.2.40
answer "$SERVER_IP" ok.allowed.blocked.example A 192.0.2.67

q0=$(dnsf_json_get "$(dnsf_telemetry "$PREFIX" /dnsfence/stats)" /dnsfence/stats.denylisted) ||
	dnsf_fail "no denylisted counter in /dnsfence/stats"
silent "$SERVER_IP" www.blocked.example A
silent "$SERVER_IP6" www.blocked.example A
silent "$SERVER_IP" Blocked.Example A

# The path still works after the drops: the silence was the verdict, not a dead fence.
answer "$SERVER_IP" www.example.org A 192.0.2.20
answer "$SERVER_IP6" static.example.net AAAA 2001:db8::30

stats=$(dnsf_telemetry "$PREFIX" /dnsfence/stats) || dnsf_fail "telemetry stopped answering"
echo "telemetry /dnsfence/stats: $stats" >&2
get() { dnsf_json_get "$stats" "/dnsfence/stats.$1"; }
rx=$(get rx_packets)
tx=$(get tx_packets)
qs=$(get dns_queries)
dl=$(get denylisted)
al=$(get allowlisted)
dr=$(get dropped_packets)
[ "$rx" -ge 14 ] || bad "rx_packets $rx: expected at least the 14 DNS packets of the answered look-ups"
[ "$tx" -ge 14 ] && [ "$tx" -lt "$rx" ] || bad "tx_packets $tx (rx $rx): expected at least 14 and fewer than rx"
[ "$qs" -ge 10 ] || bad "dns_queries $qs: expected at least 10"
# Exactly the three deny-listed queries (the answers never come back, nothing else is listed).
[ $((dl - q0)) -eq 3 ] || bad "denylisted went from $q0 to $dl, expected +3"
[ "$dr" -ge 3 ] || bad "dropped_packets $dr: expected at least 3"
[ "$al" -ge 2 ] || bad "allowlisted $al: expected at least 2 (query and answer of ok.allowed.blocked.example)"

for cmd in /dnsfence/ports /dnsfence/lcores /dnsfence/config; do
	out=$(dnsf_telemetry "$PREFIX" "$cmd") || { bad "telemetry $cmd: no reply"; continue; }
	case "$out" in
	*"\"$cmd\": null"* | *"\"$cmd\":null"*) bad "telemetry $cmd: null reply: $out" ;;
	*) echo "ok: telemetry $cmd: ${out:0:200}" >&2 ;;
	esac
done
ports=$(dnsf_telemetry "$PREFIX" /dnsfence/ports)
for p in "$IF_INSIDE" inside outside; do
	case "$ports" in *"$p"*) ;; *) bad "/dnsfence/ports does not mention $p: $ports" ;; esac
done

dnsf_log "SIGTERM"
kill -TERM "$DNSF_PID"
rc=""
for _ in $(seq 1 100); do
	if ! kill -0 "$DNSF_PID" 2>/dev/null; then
		wait "$DNSF_PID"
		rc=$?
		break
	fi
	sleep 0.1
done
[ -n "$rc" ] || dnsf_fail "dnsfence still running 10 s after SIGTERM"
DNSF_PID=""
[ "$rc" -eq 0 ] || bad "exit status $rc after SIGTERM, expected 0"
final=$(grep '^{' "$work/dnsfence.out" | tail -n 1)
echo "final stats: $final" >&2
if [ -z "$final" ]; then
	bad "no final statistics on stdout"
else
	frx=$("$DNSF_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["rx_packets"], d["denylisted"])' "$final") ||
		bad "final statistics are not JSON with rx_packets/denylisted: $final"
	set -- $frx
	[ "${1:-0}" -ge "$rx" ] || bad "final rx_packets ${1:-?} < $rx seen in telemetry"
	[ "${2:-0}" -eq "$dl" ] || bad "final denylisted ${2:-?} != $dl seen in telemetry"
fi
# The event log names the deny-listed queries.
n_ev=$(grep -c 'blocked.example' "$work/events.jsonl" 2>/dev/null)
[ "${n_ev:-0}" -ge 1 ] || bad "no event for blocked.example in the event log"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed" >&2
	exit 1
fi
echo "live: all checks passed" >&2
exit 0
