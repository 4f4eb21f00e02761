#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end acceptance (issue 5): real tunnel software and a real resolver talking through
# dnsfence as a bump in the wire, in network namespaces made (and removed) by this test:
#
#   [ns client] ==veth== [ns fence: dnsfence, 2 x net_af_packet] ==veth== [ns server]
#   client 10.53.0.1                                          unbound 10.53.0.2, tunnel
#   iodine x4, dns2tcpc x2, dnsperf, dig, tcpdump             servers 10.53.0.3-.8
#
# Tunnel configurations (Debian's packages; each has a registered domain of its own):
#   iod_null_b128  iodine -T NULL straight to iodined          upstream Base128, down Raw
#   iod_txt_b128   iodine -T TXT straight to iodined           upstream Base128, down Raw
#   iod_null_b32   iodine -T NULL -L0 through unbound          upstream Base32,  down Raw
#   iod_txt_b32    iodine -T TXT -O Base32 -L0 through unbound upstream Base32,  down Base32
#   d2t_txt        dns2tcpc -T TXT to dns2tcpd (a resource forwarding to a TCP sink)
#   d2t_key        dns2tcpc -T KEY to dns2tcpd
# iodine has no option for its upstream codec: it probes, and uses Base128 when the path keeps
# every byte, Base32 when the path changes case. The unbound here randomises case towards
# iodined (use-caps-for-id, "0x20"), so iodine falls back to Base32 on that path; the test
# checks which codec each tunnel really used. -L0 (no lazy mode) on the resolver path: iodined
# holding lazy queries makes unbound time it out and, under load, stop asking it.
# Every attempt sends random bytes into the tunnel (TCP): 1 MiB where dnsfence is to cut it,
# 256 KiB (25 times the 1% bar) where it is to pass; bytes are counted where they come out (a
# sink in the server namespace).
#
# Phases (each dnsfence instance is fresh, so no verdict carries over):
#   1 bypass   a kernel bridge joins the fence ends (dnsfence out of the path) and a
#              mode: monitor dnsfence reads a SPAN copy of both ends (tc mirred): dnsperf
#              baseline and dig answers of a sample; every tunnel moves its 256 KiB (so
#              the tunnels work here); the monitor logs an event for every tunnel, counts
#              would_drop, transmits nothing, and raises no event on the benign workload.
#   2 log      dnsfence inline with detection.action log: every tunnel still moves 256 KiB,
#              dnsfence drops nothing, logs every tunnel and counts would_drop.
#   3 drop     dnsfence inline, action drop: dnsperf over the same names loses no query and
#              dnsfence drops nothing of it nor raises an event; dig answers are identical to
#              the bypassed ones; every tunnel fails to come up or moves < 1% of 1 MiB within
#              30 s; the event log names the client and each tunnel's registered domain.
#   4 refuse   action refuse, capture on the client veth: tunnel queries get REFUSED (rcode 5)
#              answers, and none is left to time out after the first one.
# Throughout: telemetry answers (dpdk-telemetry.py), every dnsfence exits 0 on SIGTERM and
# prints its final statistics. Everything is torn down by a trap, also on failure.
# The 256 KiB have a 90 s bound (they take 3-10 s): a bound, not a rate bar.
#
# Exit 77 (skipped) with the reason when not root, or when the kernel lacks what the test
# needs (namespaces, veth, /dev/net/tun, bridge, tc ingress + u32 + mirred). A missing tool
# is a failure (tools/install-deps.sh installs them all).
#
# Run alone:  meson test -C BUILD e2e_tunnels --print-errorlogs
#        or:  tests/integration/test_e2e_tunnels.sh BUILD/app/dnsfence .
# Knobs for debugging (the suite sets none): E2E_PHASES="bypass log drop refuse" (a subset),
# E2E_TUNNELS="iod_null_b128 ..." (a subset), E2E_BENIGN_SECONDS (dnsperf run, default 20),
# E2E_MODEL (model file, default the shipped config/dnsfence.model; "none": rules only),
# E2E_KEEP=1 (keep the work directory of a failed run).
set -u
DNSFENCE=$(realpath "$1")
REPO=$(realpath "$2")
# shellcheck source=./lib.sh
. "$REPO/tests/integration/lib.sh"
NETNS_SH="$REPO/tools/netns.sh"
HELPER="$REPO/tests/integration/e2e_tunnels.py"

dnsf_need_netns "$NETNS_SH"
dnsf_need_tools iodine iodined dns2tcpc dns2tcpd dnsperf unbound unbound-checkconf dig \
	tcpdump tshark tc ip ethtool ss /usr/bin/dpdk-telemetry.py "$DNSF_PY"
if [ ! -c /dev/net/tun ]; then
	echo "SKIP: /dev/net/tun is missing: iodine cannot create its tunnel device here" >&2
	exit 77
fi

T_START=$(date +%s)
XFER_BYTES=1048576                 # what every tunnel tries to move where it is to be cut,
XFER_SECONDS=30                    # blocking phases: the window after coming up ...
LEAK_MAX=$((XFER_BYTES / 100))     # ... in which less than 1% may cross
PASS_BYTES=262144                  # where it is to pass, this much must arrive: 25x the bar,
PASS_SECONDS=90                    # within this bound (not a rate: it takes 3-10 s)
UP_SECONDS=20                      # how long an iodine handshake may take before "down"
BENIGN_SECONDS=${E2E_BENIGN_SECONDS:-20}
# Debugging aids (the suite runs everything): a subset of phases and of tunnel configs.
PHASES=" ${E2E_PHASES:-bypass log drop refuse} "
phase() { case "$PHASES" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
BENIGN_QPS=2000
MODEL=${E2E_MODEL:-$REPO/config/dnsfence.model} # as shipped; "none" = rules only
TUN_PASSWORD=e2e-tunnel-test

TAG=e2$$
TAG=${TAG:0:10}
work=$(mktemp -d /tmp/dnsf-e2e.XXXXXX)
exec 3>&2 # the trap reports here even while a command's stderr is redirected
declare -A FENCE_PID=() FENCE_PREFIX=()
UNBOUND_PID=""
TRY_PIDS=() # background tunnel attempts of the running phase

cleanup() {
	local rc=$? n p
	# Fast first (meson's timeout follows SIGTERM with SIGKILL): the tunnel attempts running in
	# the background, then everything inside the namespaces (dnsfence in the fence namespace,
	# unbound, tunnel ends, sinks) goes with them.
	for p in "${TRY_PIDS[@]}"; do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	"$NETNS_SH" down "$TAG"
	wait 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		for n in "${!FENCE_PID[@]}"; do
			echo "---- dnsfence '$n' stderr (tail)" >&3
			tail -n 20 "$work/$n.err" >&3 2>/dev/null
		done
	fi
	for n in "${!FENCE_PREFIX[@]}"; do rm -rf "/var/run/dpdk/${FENCE_PREFIX[$n]}"; done
	if [ "$rc" -ne 0 ] && [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $work" >&3
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP


# ---- topology and kernel features ----------------------------------------------------------
# shellcheck source=../../tools/netns.sh
. "$NETNS_SH"
dnsf_netns_up "$TAG" inline --fence-ns || dnsf_fail "could not build the namespace topology"
C() { ip netns exec "$NS_CLIENT" "$@"; }
# Background jobs start through these arrays, not a function: $! must be the program itself
# (ip netns exec execs it), or a kill would only reach a subshell.
IN_C=(ip netns exec "$NS_CLIENT")
IN_S=(ip netns exec "$NS_SERVER")
IN_F=(ip netns exec "$NS_FENCE")

if ! dnsf_netns_mirror 2>"$work/mirror.err"; then
	echo "SKIP: the kernel cannot mirror frames for the monitor-mode instance (tc ingress + u32 + mirred): $(cat "$work/mirror.err")" >&2
	exit 77
fi
if ! dnsf_netns_bypass on 2>"$work/bridge.err"; then
	echo "SKIP: the kernel cannot bridge the fence ends for the bypass baseline: $(cat "$work/bridge.err")" >&2
	exit 77
fi
dnsf_netns_bypass off

NET=${DNSF_NETNS_SUBNET4}
for i in 4 5 6 7 8; do
	ip -n "$NS_SERVER" addr add "$NET.$i/24" dev "$IF_SERVER" || dnsf_fail "address $NET.$i"
done

# ---- tunnel configurations -----------------------------------------------------------------
# id -> "tool rtype path listen-ip topdomain arg downstream-codec|- [client options]"; arg:
# iodine's tunnel network (/27, the server is .1), dns2tcp's sink port (client port: arg + 100)
declare -A TUN=(
	[iod_null_b128]="iodine NULL direct $NET.3 t.iod-null-direct.test 10.98.1 -"
	[iod_txt_b128]="iodine TXT direct $NET.4 t.iod-txt-direct.test 10.98.2 -"
	[iod_null_b32]="iodine NULL resolver $NET.5 t.iod-null-resolver.test 10.98.3 - -L0"
	[iod_txt_b32]="iodine TXT resolver $NET.6 t.iod-txt-resolver.test 10.98.4 Base32 -L0"
	[d2t_txt]="dns2tcp TXT direct $NET.7 t.d2t-txt.test 7101 -"
	[d2t_key]="dns2tcp KEY direct $NET.8 t.d2t-key.test 7102 -"
)
read -ra TUN_IDS <<<"${E2E_TUNNELS:-iod_null_b128 iod_txt_b128 iod_null_b32 iod_txt_b32 d2t_txt d2t_key}"
# The upstream codec iodine must report for each (proves the codec matrix is what we claim).
declare -A WANT_UPCODEC=([iod_null_b128]=Base128 [iod_txt_b128]=Base128 [iod_null_b32]=Base32
	[iod_txt_b32]=Base32)
regdomain() { local d=${1#*.}; echo "$d"; } # t.X.test -> X.test (the PSL's default rule)

# ---- unbound: benign zones, look-alikes, stubs for the resolver-path tunnels ---------------
"$DNSF_PY" "$HELPER" gen-benign "$work" >"$work/gen.log" || dnsf_fail "gen-benign failed"
dnsf_log "benign workload: $(cat "$work/gen.log")"
{
	echo 'local-zone: "." static'
	echo 'local-zone: "example.com." static'
	echo 'local-data: "www.example.com. 300 IN A 192.0.2.10"'
	cat "$work/benign-zones.conf"
	# A resolver that randomises case (0x20): iodine must fall back to upstream Base32.
	echo "use-caps-for-id: yes"
	echo "qname-minimisation: no"
	for id in "${TUN_IDS[@]}"; do
		read -r _ _ path ip dom _ _ <<<"${TUN[$id]}"
		[ "$path" = resolver ] || continue
		echo "local-zone: \"$(regdomain "$dom").\" transparent"
	done
	for id in "${TUN_IDS[@]}"; do
		read -r _ _ path ip dom _ _ <<<"${TUN[$id]}"
		[ "$path" = resolver ] || continue
		printf 'stub-zone:\n  name: "%s."\n  stub-addr: %s\n' "$dom" "$ip"
	done
} >"$work/zones.conf"
dnsf_unbound_start "$NS_SERVER" "$work" "$work/zones.conf" "$SERVER_IP" ||
	dnsf_fail "unbound did not start"

# ---- dnsfence instances --------------------------------------------------------------------
# fence_start NAME MODE ACTION PORT_IN PORT_OUT WORKER_LCORE CONTROL_LCORE QTYPES
# Detection as shipped (config/dnsfence.yaml: rules + the shipped model, shipped allow list).
# QTYPES: "shipped" keeps the shipped QTYPE policy (NULL and private types refused whatever
# detection says); "off" turns it off, so that what cuts a tunnel is detection alone.
fence_start() {
	local name=$1 mode=$2 action=$3 pin=$4 pout=$5 wl=$6 cl=$7 qtypes=$8 prefix hard=""
	prefix="dnsf_e2e_${name}_$$"
	[ "$qtypes" = off ] && hard="hardening: { rare_types: false }"
	# The model decides as the shipped config says (model.combine, model.threshold and
	# model.min_subdomain, read from the model section of config/dnsfence.yaml).
	local combine mthr mmin msec
	msec=$(sed -n '/^model:/,/^[a-z]/p' "$REPO/config/dnsfence.yaml")
	combine=$(sed -n 's/^  combine: *\([a-z]*\).*/\1/p' <<<"$msec")
	mthr=$(sed -n 's/^  threshold: *\([0-9]*\).*/\1/p' <<<"$msec")
	mmin=$(sed -n 's/^  min_subdomain: *\([0-9]*\).*/\1/p' <<<"$msec")
	local model="model: { path: \"$MODEL\", combine: ${combine:-either}, threshold: ${mthr:-500}, min_subdomain: ${mmin:-0} }"
	[ "$MODEL" = none ] && model="# no model: rules only (E2E_MODEL=none)"
	cat >"$work/$name.yaml" <<EOF
# test_e2e_tunnels: $name
eal: ["--no-huge", "-m", "512", "--log-level=lib.eal:notice"]
mode: $mode
ports:
  - { name: inside, device: "net_af_packet0,iface=$pin,framecnt=4096" }
  - { name: outside, device: "net_af_packet1,iface=$pout,framecnt=4096" }
pairs:
  - { inside: inside, outside: outside }
workers: { lcores: [$wl], control_lcore: $cl }
mempool: { mbufs: 4095, cache: 128 }
rings: { rx_desc: 512, tx_desc: 512 }
lists: { allow: "$REPO/config/allowlist", deny: "" }
telemetry: true
events: { log: $name.events.jsonl }
detection: { enabled: true, action: $action }
$model
$hard
EOF
	"$DNSFENCE" -c "$work/$name.yaml" --check >/dev/null 2>"$work/$name.check" ||
		dnsf_fail "config $name does not pass --check: $(cat "$work/$name.check")"
	: >"$work/$name.events.jsonl"
	"${IN_F[@]}" "$DNSFENCE" -c "$work/$name.yaml" --file-prefix "$prefix" \
		>"$work/$name.out" 2>"$work/$name.err" &
	FENCE_PID[$name]=$!
	FENCE_PREFIX[$name]=$prefix
	dnsf_wait_fence "${FENCE_PID[$name]}" "$prefix" "$work/$name.err"
	dnsf_log "dnsfence $name: $mode, action $action"
}

# tstat NAME KEY: one counter from /dnsfence/stats of instance NAME (telemetry, live).
tstat() {
	local j
	j=$(dnsf_telemetry "${FENCE_PREFIX[$1]}" /dnsfence/stats) || { echo -1; return 1; }
	dnsf_json_get "$j" "/dnsfence/stats.$2" 2>/dev/null || echo -1
}

# fence_stop NAME: SIGTERM; exit 0 within 10 s and a final statistics line are required.
# Leaves the final statistics JSON in $work/NAME.final.
fence_stop() {
	local name=$1 pid=${FENCE_PID[$1]} rc=""
	kill -TERM "$pid"
	for _ in $(seq 1 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			break
		fi
		sleep 0.1
	done
	[ -n "$rc" ] || dnsf_fail "dnsfence $name still running 10 s after SIGTERM"
	unset "FENCE_PID[$name]"
	rm -rf "/var/run/dpdk/${FENCE_PREFIX[$name]}"
	grep '^{' "$work/$name.out" | tail -n 1 >"$work/$name.final"
	if [ "$rc" -ne 0 ]; then
		bad "dnsfence $name: exit status $rc after SIGTERM, expected 0"
	elif [ ! -s "$work/$name.final" ]; then
		bad "dnsfence $name: no final statistics on stdout after SIGTERM"
	else
		ok "dnsfence $name: exit 0 on SIGTERM, final stats $(head -c 160 "$work/$name.final")..."
	fi
}
final() { dnsf_json_get "$(cat "$work/$1.final")" "$2" 2>/dev/null || echo -1; }

# ---- one tunnel attempt --------------------------------------------------------------------
# tunnel_try PHASE ID UP_S XFER_S NBYTES: run in the background, one per config. Starts the
# tunnel server and a byte sink in the server namespace, the client in the client namespace;
# waits (UP_S at most) for the tunnel, sends NBYTES into it for at most XFER_S seconds, and
# writes "state bytes seconds upcodec" to $work/PHASE.ID.result (state: up / down).
tunnel_try() {
	local phase=$1 id=$2 up_s=$3 xfer_s=$4 nbytes=$5 tool rtype path ip dom net down extra
	read -r tool rtype path ip dom net down extra <<<"${TUN[$id]}"
	local p="$work/$phase.$id" k=${net##*.} pids=() state=up bytes secs upcodec=-
	local ns_target=$ip port=7000 sinkaddr sinkport cport
	[ "$path" = resolver ] && ns_target=$SERVER_IP
	if [ "$tool" = iodine ]; then
		"${IN_S[@]}" iodined -f -c -l "$ip" -p 53 -P "$TUN_PASSWORD" -d "iod$k" "$net.1/27" "$dom" \
			>"$p.server.log" 2>&1 &
		pids+=($!)
		sinkaddr=$net.1 sinkport=$port
	else
		sinkaddr=127.0.0.1 sinkport=$net
		mkdir -p "$p.chroot"
		cat >"$p.d2t.conf" <<EOF
listen = $ip
port = 53
user = nobody
chroot = $p.chroot
domain = $dom
resources = sink:127.0.0.1:$sinkport
EOF
		"${IN_S[@]}" dns2tcpd -F -d 1 -f "$p.d2t.conf" >"$p.server.log" 2>&1 &
		pids+=($!)
	fi
	dnsf_retry 50 0.1 sh -c "ip netns exec $NS_SERVER ss -Hlun 'sport = :53' | grep -q '$ip:53'" ||
		{ echo "server-failed 0 0 -" >"$p.result"; kill "${pids[@]}" 2>/dev/null; return; }
	# The sink listens on the far side of the tunnel (iodine: the server's tunnel address,
	# which exists once iodined made its device; dns2tcp: the resource's address).
	"${IN_S[@]}" "$DNSF_PY" "$HELPER" sink "$sinkaddr" "$sinkport" "$p.bytes" >"$p.sink.log" 2>&1 &
	pids+=($!)
	dnsf_retry 50 0.1 test -s "$p.bytes" ||
		{ echo "sink-failed 0 0 -" >"$p.result"; kill "${pids[@]}" 2>/dev/null; return; }

	local cpid
	if [ "$tool" = iodine ]; then
		local o=()
		[ "$down" != - ] && o=(-O "$down")
		# shellcheck disable=SC2206 # extra options are words
		[ -n "$extra" ] && o+=($extra)
		"${IN_C[@]}" iodine -f -r -T "$rtype" "${o[@]}" -P "$TUN_PASSWORD" -d "dns$k" "$ns_target" "$dom" \
			>"$p.client.log" 2>&1 &
		cpid=$!
		# Up = iodine finished its handshake; down = it gave up, or up_s passed.
		state=down
		for _ in $(seq 1 $((up_s * 10))); do
			if grep -qs 'Connection setup complete' "$p.client.log"; then state=up; break; fi
			kill -0 "$cpid" 2>/dev/null || break
			sleep 0.1
		done
		upcodec=iodine # read from its log once it has stopped (below): no race with its output
		sinkaddr=$net.1
		cport=$port
	else
		cport=$((net + 100))
		"${IN_C[@]}" dns2tcpc -z "$dom" -r sink -l "$cport" -T "$rtype" "$ip" >"$p.client.log" 2>&1 &
		cpid=$!
		# dns2tcpc opens its local port at once; the tunnel session starts with the first
		# connection to it, so the transfer below is the test.
		dnsf_retry 50 0.1 grep -qs 'Listening on port' "$p.client.log" || state=down
		sinkaddr=127.0.0.1
	fi
	if [ "$state" = up ]; then
		"${IN_C[@]}" "$DNSF_PY" "$HELPER" send "$sinkaddr" "$cport" "$nbytes" "$xfer_s" \
			>"$p.send.log" 2>&1 &
		local spid=$!
		read -r bytes secs < <("$DNSF_PY" "$HELPER" wait-bytes "$p.bytes" "$nbytes" "$xfer_s")
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	else
		bytes=$(cat "$p.bytes" 2>/dev/null || echo 0)
		secs=0
	fi
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	if [ "$upcodec" = iodine ]; then
		upcodec=$(grep -oE 'Server switched upstream to codec [A-Za-z0-9]+|keeping upstream codec [A-Za-z0-9]+' \
			"$p.client.log" | tail -n 1 | awk '{print $NF}')
		[ -n "$upcodec" ] || upcodec=-
	fi
	echo "$state $bytes $secs $upcodec" >"$p.result"
}

# tunnels PHASE UP_S XFER_S NBYTES IDS...: all configs in parallel (each bounded by
# UP_S + XFER_S).
tunnels() {
	local phase=$1 up_s=$2 xfer_s=$3 nbytes=$4 id
	shift 4
	TRY_PIDS=()
	for id in "$@"; do
		tunnel_try "$phase" "$id" "$up_s" "$xfer_s" "$nbytes" &
		TRY_PIDS+=($!)
	done
	wait "${TRY_PIDS[@]}"
	TRY_PIDS=()
	sweep
}
# sweep: nothing of a phase may outlive it (a leftover server would hold its address).
# Spares unbound and a running capture.
sweep() {
	local p
	for p in $(ip netns pids "$NS_CLIENT") $(ip netns pids "$NS_SERVER"); do
		[ "$p" = "$UNBOUND_PID" ] || [ "$p" = "${TCPDUMP_PID:-}" ] || kill -KILL "$p" 2>/dev/null
	done
}
result() { cat "$work/$1.$2.result" 2>/dev/null || echo "missing 0 0 -"; }

# ---- benign workload -----------------------------------------------------------------------
# benign PHASE: dnsperf from the client namespace for BENIGN_SECONDS, then the dig sample.
benign() {
	local phase=$1
	C dnsperf -s "$SERVER_IP" -d "$work/queries.txt" -l "$BENIGN_SECONDS" -Q "$BENIGN_QPS" \
		-c 4 -q 200 >"$work/$phase.dnsperf" 2>&1 ||
		bad "dnsperf ($phase) failed: $(tail -n 3 "$work/$phase.dnsperf")"
	read -r PERF_SENT PERF_DONE PERF_LOST PERF_QPS < <("$DNSF_PY" "$HELPER" dnsperf "$work/$phase.dnsperf")
	echo "$PERF_SENT $PERF_DONE $PERF_LOST $PERF_QPS" >"$work/$phase.perf"
	dnsf_log "dnsperf $phase: sent $PERF_SENT, completed $PERF_DONE, lost $PERF_LOST, $PERF_QPS q/s"
	# Healthy, the batch takes a few seconds; the bound only cuts a broken run short.
	timeout 60 "${IN_C[@]}" dig @"$SERVER_IP" +time=2 +tries=2 +noall +answer +comments \
		-f "$work/sample.txt" >"$work/$phase.dig.raw" 2>&1 || bad "dig -f sample ($phase) failed or took over 60 s"
	"$DNSF_PY" "$HELPER" normalize "$work/$phase.dig.raw" >"$work/$phase.dig"
}

# pass_checks PHASE FENCE WOULD: every tunnel moved PASS_BYTES, and FENCE's event log
# names the client and each tunnel's registered domain (action pass, would-action WOULD).
pass_checks() {
	local phase=$1 fence=$2 would=$3 id st by se uc dom rd nev ex
	for id in "${TUN_IDS[@]}"; do
		read -r st by se uc <<<"$(result "$phase" "$id")"
		read -r _ _ _ _ dom _ <<<"${TUN[$id]}"
		rd=$(regdomain "$dom")
		if [ "$st" = up ] && [ "$by" -ge "$PASS_BYTES" ]; then
			ok "$phase: $id passed, moved $by bytes in $se s (upstream $uc)"
		else
			bad "$phase: $id should pass but moved $by bytes ($st) in $se s (bound $PASS_SECONDS s); client log: $(tail -n 2 "$work/$phase.$id.client.log" | tr '\n' '|')"
		fi
		if [ -n "${WANT_UPCODEC[$id]:-}" ] && [ "$uc" != "${WANT_UPCODEC[$id]}" ]; then
			bad "$phase: $id used upstream codec '$uc', expected ${WANT_UPCODEC[$id]}"
		fi
		read -r nev ex < <("$DNSF_PY" "$HELPER" events "$work/$fence.events.jsonl" "$CLIENT_IP" "$rd" pass "$would")
		if [ "$nev" -gt 0 ]; then
			ok "$fence: $nev event(s) for client $CLIENT_IP / $rd (action pass, would $would), e.g. ${ex:0:60}"
		else
			bad "$fence: no event with src_ip $CLIENT_IP, regdomain $rd, action pass, would $would"
		fi
	done
}

# ==== phase 1: bypass, with a monitor-mode dnsfence on the SPAN copy ========================
if phase bypass; then
	dnsf_log "phase 1: bypass (kernel bridge instead of dnsfence), monitor-mode dnsfence on the SPAN ports"
	dnsf_netns_bypass on || dnsf_fail "bypass bridge"
	# How monitor mode is deployed: the traffic takes its normal path (here the bridge),
	# dnsfence reads a mirror of it (configured action drop: what it would do inline).
	fence_start mon monitor drop "$IF_SPAN_IN" "$IF_SPAN_OUT" 1 0 shipped
	dnsf_retry 20 0.2 C dig +time=1 +tries=1 +short @"$SERVER_IP" www.example.com A >/dev/null ||
		dnsf_fail "no DNS through the bypass bridge"
	m0=$(tstat mon events)
	benign bypass
	m1=$(tstat mon events)
	[ "$PERF_LOST" = 0 ] || bad "dnsperf lost $PERF_LOST queries with dnsfence bypassed: the machine cannot carry the baseline ($BENIGN_QPS q/s)"
	[ "$m1" -eq "$m0" ] || bad "monitor: $((m1 - m0)) events on the benign workload: $("$DNSF_PY" "$HELPER" event-summary "$work/mon.events.jsonl")"
	n_status=$(grep -c 'status: NOERROR\|status: NXDOMAIN' "$work/bypass.dig")
	n_sample=$(wc -l <"$work/sample.txt")
	[ "$n_status" -eq "$n_sample" ] || bad "bypass: $n_status of $n_sample sample look-ups answered"
	tunnels bypass "$UP_SECONDS" "$PASS_SECONDS" "$PASS_BYTES" "${TUN_IDS[@]}"
	T_mon_rx=$(tstat mon rx_packets)
	T_mon_tx=$(tstat mon tx_packets)
	T_mon_would=$(tstat mon would_drop)
	[ "$T_mon_rx" -gt 0 ] || bad "monitor: rx_packets 0: the SPAN copy did not reach it"
	[ "$T_mon_would" -gt 0 ] || bad "monitor: /dnsfence/stats would_drop $T_mon_would, expected > 0"
	[ "$T_mon_tx" -eq 0 ] || bad "monitor: tx_packets $T_mon_tx, expected 0 (monitor never transmits)"
	ok "monitor telemetry during the run: rx_packets $T_mon_rx, would_drop $T_mon_would, tx_packets $T_mon_tx"
	pass_checks bypass mon drop
	fence_stop mon
	[ "$(final mon tx_packets)" = 0 ] || bad "monitor: final tx_packets $(final mon tx_packets), expected 0"
	dnsf_netns_bypass off
	C dig +time=1 +tries=1 @"$SERVER_IP" www.example.com A >/dev/null 2>&1 &&
		dnsf_fail "the client reaches the server with the bypass removed and no dnsfence: not a fence"
fi

# ==== phase 2: inline, action log ===========================================================
if phase log; then
	dnsf_log "phase 2: inline with action log"
	fence_start log inline log "$IF_INSIDE" "$IF_OUTSIDE" 1 0 off
	dnsf_retry 50 0.2 C dig +time=1 +tries=1 +short @"$SERVER_IP" www.example.com A >/dev/null ||
		dnsf_fail "no DNS through dnsfence (log)"
	tunnels log "$UP_SECONDS" "$PASS_SECONDS" "$PASS_BYTES" "${TUN_IDS[@]}"
	T_log_would=$(tstat log would_drop)
	T_log_dropped=$(tstat log dropped_packets)
	[ "$T_log_would" -gt 0 ] || bad "log: /dnsfence/stats would_drop $T_log_would, expected > 0"
	[ "$T_log_dropped" -eq 0 ] || bad "log: dropped_packets $T_log_dropped, expected 0 (action log passes)"
	ok "log telemetry during the run: would_drop $T_log_would, dropped_packets $T_log_dropped"
	pass_checks log log log
	fence_stop log
fi

# ==== phase 3: action drop ==================================================================
if phase drop; then
	dnsf_log "phase 3: inline with action drop"
	fence_start drop inline drop "$IF_INSIDE" "$IF_OUTSIDE" 1 0 off
	dnsf_retry 50 0.2 C dig +time=1 +tries=1 +short @"$SERVER_IP" www.example.com A >/dev/null ||
		dnsf_fail "no DNS through dnsfence (drop)"
	d0=$(tstat drop dropped_packets)
	e0=$(tstat drop events)
	a0=$(tstat drop allowlisted)
	benign drop
	d1=$(tstat drop dropped_packets)
	e1=$(tstat drop events)
	a1=$(tstat drop allowlisted)
	BASE_LOST=-
	[ -s "$work/bypass.perf" ] && read -r _ _ BASE_LOST _ <"$work/bypass.perf"
	if [ "$PERF_LOST" != 0 ]; then
		bad "dnsperf lost $PERF_LOST queries through dnsfence (bypassed: $BASE_LOST); port counters (imissed = the af_packet ring overflowed): $(dnsf_telemetry "${FENCE_PREFIX[drop]}" /dnsfence/ports)"
	fi
	[ "$d1" -eq "$d0" ] || bad "dnsfence dropped $((d1 - d0)) packets of the benign workload"
	[ "$e1" -eq "$e0" ] || bad "dnsfence raised $((e1 - e0)) events on the benign workload: $("$DNSF_PY" "$HELPER" event-summary "$work/drop.events.jsonl")"
	[ "$a1" -gt "$a0" ] || bad "allowlisted did not grow during the benign run ($a0 -> $a1): look-alikes not seen?"
	if [ ! -s "$work/bypass.dig" ]; then
		echo "note: bypass phase not run: dig answers not compared" >&2
	elif diff -u "$work/bypass.dig" "$work/drop.dig" >"$work/dig.diff"; then
		ok "dig: the $n_sample sample answers through dnsfence are identical to the bypassed ones"
	else
		bad "dig answers differ through dnsfence: $(head -n 20 "$work/dig.diff")"
	fi
	ok "benign: dnsperf lost $PERF_LOST (bypassed $BASE_LOST), dnsfence dropped $((d1 - d0)), events $((e1 - e0)), allow-listed $((a1 - a0))"
	tunnels drop "$UP_SECONDS" "$XFER_SECONDS" "$XFER_BYTES" "${TUN_IDS[@]}"
	T_drop_dropped=$(tstat drop dropped_packets) || bad "telemetry of drop stopped answering"
	ev_json=$(dnsf_telemetry "${FENCE_PREFIX[drop]}" /dnsfence/events) || bad "telemetry /dnsfence/events did not answer"
	ev_hits=0
	for id in "${TUN_IDS[@]}"; do
		read -r st by se uc <<<"$(result drop "$id")"
		read -r _ _ _ _ dom _ _ <<<"${TUN[$id]}"
		rd=$(regdomain "$dom")
		if [ "$st" = down ]; then
			ok "drop: $id did not come up ($by bytes)"
		elif [ "$st" != up ]; then
			bad "drop: $id: test set-up failed ($st)"
		elif [ "$by" -lt "$LEAK_MAX" ]; then
			ok "drop: $id came up but moved only $by bytes (< $LEAK_MAX) in $se s"
		else
			bad "drop: $id moved $by bytes in $se s (bar: < $LEAK_MAX = 1% of 1 MiB); upstream $uc"
		fi
		read -r nev ex < <("$DNSF_PY" "$HELPER" events "$work/drop.events.jsonl" "$CLIENT_IP" "$rd" drop drop)
		if [ "$nev" -gt 0 ]; then
			ok "drop: $nev event(s) name client $CLIENT_IP and $rd, e.g. $ex"
		else
			bad "drop: no event names client $CLIENT_IP and registered domain $rd"
		fi
			case "$ev_json" in *"$rd"*) ev_hits=$((ev_hits + 1)) ;; esac
	done
	# /dnsfence/events returns only the newest events that fit one reply: at least one of the
	# tunnels must be there.
	[ "$ev_hits" -gt 0 ] || bad "telemetry /dnsfence/events names none of the tunnel domains: ${ev_json:0:300}"
	fence_stop drop
	fd=$(final drop dropped_packets)
	[ "$fd" -ge "$T_drop_dropped" ] || bad "drop: final dropped_packets $fd < $T_drop_dropped seen in telemetry"
fi

# ==== phase 4: action refuse ================================================================
if phase refuse; then
	# The shipped QTYPE policy stays on here (as operators run it): the NULL tunnel is refused
	# by it from its first query, the others by detection's refuse action.
	dnsf_log "phase 4: inline with action refuse (shipped QTYPE policy), capture on the client veth"
	fence_start refuse inline refuse "$IF_INSIDE" "$IF_OUTSIDE" 1 0 shipped
	dnsf_retry 50 0.2 C dig +time=1 +tries=1 +short @"$SERVER_IP" www.example.com A >/dev/null ||
		dnsf_fail "no DNS through dnsfence (refuse)"
	"${IN_C[@]}" tcpdump -i "$IF_CLIENT" -s 0 -U -n -w "$work/refuse.pcap" udp port 53 >"$work/tcpdump.log" 2>&1 &
	TCPDUMP_PID=$!
	dnsf_retry 50 0.1 grep -q "listening on" "$work/tcpdump.log" || dnsf_fail "tcpdump did not start"
	REFUSE_IDS=(iod_null_b128 iod_txt_b32 d2t_key)
	# 8 s bounds each attempt: the verdict comes within the first queries.
	tunnels refuse 8 8 "$XFER_BYTES" "${REFUSE_IDS[@]}"
	rs=$(tstat refuse refused_sent)
	rq=$(tstat refuse rare_type_refused)
	sleep 0.5 # the last answers on the wire (dnsfence answers in microseconds)
	kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" 2>/dev/null
	[ "$rs" -gt 0 ] || bad "refuse: /dnsfence/stats refused_sent $rs, expected > 0"
	[ "$rq" -gt 0 ] || bad "refuse: /dnsfence/stats rare_type_refused $rq, expected > 0 (iodine -T NULL)"
	ok "refuse telemetry: refused_sent $rs, rare_type_refused $rq"
	for id in "${REFUSE_IDS[@]}"; do
		read -r _ rtype _ _ dom _ <<<"${TUN[$id]}"
		rd=$(regdomain "$dom")
		# An event about an answer of a held flow says drop/drop (an answer cannot be
		# refused), and events are rate-limited per flow: the flow's one event may be that.
		read -r nev ex < <("$DNSF_PY" "$HELPER" events "$work/refuse.events.jsonl" "$CLIENT_IP" "$rd" any any)
		if [ "$rtype" = NULL ]; then
			# Refused by the QTYPE policy before detection has evidence: no event is
			# promised (docs/hardening.md); say what happened.
			echo "note: refuse: $id (NULL, QTYPE policy): $nev detection event(s)" >&2
		elif [ "$nev" -gt 0 ]; then
			ok "refuse: $nev event(s) name client $CLIENT_IP and $rd"
		else
			bad "refuse: no event names client $CLIENT_IP and $rd"
		fi
		read -r nq nref nother nunans < <("$DNSF_PY" "$HELPER" refused "$work/refuse.pcap" "$dom")
		read -r st by se _ <<<"$(result refuse "$id")"
		if [ "$nref" -gt 0 ] && [ "$nunans" -eq 0 ]; then
			ok "refuse: $id: $nq tunnel queries, $nref REFUSED answers, $nother other answers, none left unanswered after the verdict ($st, $by bytes)"
		elif [ "$nref" -eq 0 ] && [ "$nev" -gt 0 ] && [ "$by" -eq 0 ]; then
			# The verdict came on an answer (the model judges a tunnel's downstream
			# records too); an answer cannot be refused, so it is dropped (docs/
			# configuration.md, detection.action), and this client asked nothing more.
			ok "refuse: $id: cut at an answer (dropped), $nq tunnel queries, no REFUSED needed, 0 bytes moved ($st)"
		else
			bad "refuse: $id: $nq tunnel queries, $nref REFUSED answers, $nunans unanswered after the first REFUSED"
		fi
		[ "$by" -lt "$LEAK_MAX" ] || bad "refuse: $id moved $by bytes"
	done
	fence_stop refuse
fi

# ==== summary ================================================================================
T_END=$(date +%s)
{
	echo "---- results (bypass/log: bytes/seconds to move $PASS_BYTES B (bound $PASS_SECONDS s); drop: state and bytes out of $XFER_BYTES in $XFER_SECONDS s, bar < $LEAK_MAX B)"
	printf '%-14s %-5s %-8s %-8s %22s %22s %22s\n' config type path upstream \
		"bypass: bytes/s" "log: bytes/s" "drop: state bytes"
	for id in "${TUN_IDS[@]}"; do
		read -r tool rtype path _ _ _ _ <<<"${TUN[$id]}"
		read -r _ b1 s1 uc <<<"$(result bypass "$id")"
		read -r _ b2 s2 _ <<<"$(result log "$id")"
		read -r st3 b3 _ _ <<<"$(result drop "$id")"
		[ "$tool" = dns2tcp ] && uc=-
		printf '%-14s %-5s %-8s %-8s %22s %22s %22s\n' "$id" "$rtype" "$path" "$uc" \
			"$b1/$s1" "$b2/$s2" "$st3 $b3"
	done
	s0=- c0=- l0=- q0=- s1=- c1=- l1=- q1=-
	[ -s "$work/bypass.perf" ] && read -r s0 c0 l0 q0 <"$work/bypass.perf"
	[ -s "$work/drop.perf" ] && read -r s1 c1 l1 q1 <"$work/drop.perf"
	echo "dnsperf ${BENIGN_SECONDS} s at ≤ $BENIGN_QPS q/s: bypassed sent $s0 completed $c0 lost $l0 ($q0 q/s); through dnsfence (drop) sent $s1 completed $c1 lost $l1 ($q1 q/s)"
	echo "runtime: $((T_END - T_START)) s"
} >&2

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed" >&2
	exit 1
fi
echo "e2e_tunnels: all checks passed" >&2
exit 0
