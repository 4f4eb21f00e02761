# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the integration tests and tools/capture-demo.sh. Source it from bash.
# Every wait here is bounded: a helper that gives up says what it waited for and returns 1.

DNSF_PY=/usr/bin/python3 # Debian's python, which has scapy (the first python3 on PATH may not)

dnsf_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Failure accounting: bad() records a broken expectation and goes on (the test ends with
# `[ "$fails" -eq 0 ]`), ok() notes a passed one.
fails=0
bad() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
ok() { echo "ok: $*" >&2; }

# dnsf_stop PID: SIGTERM, up to 5 s to exit cleanly, then SIGKILL (a hung process never holds the
# test up).
dnsf_stop() {
	local pid=$1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
}

# dnsf_inline_ports IF_INSIDE IF_OUTSIDE: the config's ports and pairs for dnsfence inline between
# two af_packet interfaces (inside: the clients' side).
dnsf_inline_ports() {
	cat <<EOF
ports:
  - { name: inside, device: "net_af_packet0,iface=$1" }
  - { name: outside, device: "net_af_packet1,iface=$2" }
pairs:
  - { inside: inside, outside: outside }
EOF
}
dnsf_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Exit 77 (meson's "skipped") with a reason when namespaces cannot be used here.
dnsf_need_netns() {
	local netns_sh=$1 why
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root for network namespaces (uid $(id -u))" >&2
		exit 77
	fi
	if ! why=$("$netns_sh" check 2>&1); then
		echo "SKIP: network namespaces impossible here: $why" >&2
		exit 77
	fi
}

# Fail (not skip) when a tool the test needs is missing: CI installs everything.
dnsf_need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] ||
			dnsf_fail "missing tool '$t' (run tools/install-deps.sh)"
	done
}

# dnsf_retry N DELAY CMD...: run CMD up to N times, DELAY seconds apart, until it succeeds.
dnsf_retry() {
	local n=$1 d=$2 i
	shift 2
	for i in $(seq 1 "$n"); do
		"$@" && return 0
		[ "$i" -lt "$n" ] && sleep "$d"
	done
	return 1
}

# dnsf_unbound_conf DIR ZONES_FILE IP...: write DIR/unbound.conf for an unbound that answers the
# local zones of ZONES_FILE on the given addresses, in the foreground, without chroot, user
# switch, pid file, trust anchor, remote control or any outgoing query.
dnsf_unbound_conf() {
	local dir=$1 zones=$2 ip
	shift 2
	{
		echo "server:"
		for ip in "$@"; do echo "  interface: $ip"; done
		echo "  port: 53"
		echo "  do-daemonize: no"
		echo "  chroot: \"\""
		echo "  username: \"\""
		echo "  pidfile: \"\""
		echo "  directory: \"$dir\""
		echo "  logfile: \"\""
		echo "  use-syslog: no"
		echo "  verbosity: 1"
		echo "  module-config: \"iterator\""
		echo "  do-ip4: yes"
		echo "  do-ip6: yes"
		echo "  do-udp: yes"
		echo "  do-tcp: yes"
		echo "  num-threads: 1"
		echo "  so-reuseport: no"
		echo "  access-control: 0.0.0.0/0 allow"
		echo "  access-control: ::/0 allow"
		echo "  minimal-responses: yes"
		echo "  include: \"$zones\""
		echo "remote-control:"
		echo "  control-enable: no"
	} >"$dir/unbound.conf"
}

# dnsf_unbound_start NS DIR ZONES_FILE IP...: start unbound in namespace NS and wait until it
# answers www.example.com on the first IP (bounded). Sets UNBOUND_PID. Logs go to DIR/unbound.log.
dnsf_unbound_start() {
	local ns=$1 dir=$2 zones=$3 ip1=$4
	dnsf_unbound_conf "$dir" "$zones" "${@:4}"
	unbound-checkconf "$dir/unbound.conf" >"$dir/unbound-checkconf.log" 2>&1 || {
		cat "$dir/unbound-checkconf.log" >&2
		return 1
	}
	ip netns exec "$ns" unbound -d -c "$dir/unbound.conf" >"$dir/unbound.log" 2>&1 &
	# shellcheck disable=SC2034 # read by the caller
	UNBOUND_PID=$!
	if ! dnsf_retry 50 0.1 ip netns exec "$ns" dig +time=1 +tries=1 +short @"$ip1" \
		www.example.com A >/dev/null 2>&1; then
		dnsf_log "unbound in $ns did not answer on $ip1; its log:"
		cat "$dir/unbound.log" >&2
		return 1
	fi
}

# dnsf_telemetry PREFIX CMD: one telemetry request over the socket of file prefix PREFIX; prints
# the JSON reply. Fails when the client cannot connect or gets no JSON.
dnsf_telemetry() {
	local prefix=$1 cmd=$2 out
	out=$(echo "$cmd" | "$DNSF_PY" /usr/bin/dpdk-telemetry.py -f "$prefix" 2>&1) || return 1
	out=$(printf '%s\n' "$out" | grep '^{' | tail -n 1)
	[ -n "$out" ] || return 1
	printf '%s\n' "$out"
}

# dnsf_wait_fence PID PREFIX ERRFILE: wait (bounded: 20 s) until dnsfence PID answers
# /dnsfence/stats with counters on the telemetry socket of file prefix PREFIX; fails the test
# (with the tail of ERRFILE, its stderr) if it exits first or never answers.
dnsf_wait_fence() {
	local pid=$1 prefix=$2 err=$3 i
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null ||
			dnsf_fail "dnsfence ($prefix) exited during start-up: $(tail -n 5 "$err" 2>/dev/null)"
		if [ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] &&
			dnsf_telemetry "$prefix" /dnsfence/stats 2>/dev/null | grep -q '"rx_packets"'; then
			dnsf_log "dnsfence ($prefix) up (${i}00 ms)"
			return 0
		fi
		sleep 0.1
	done
	dnsf_fail "dnsfence ($prefix): telemetry did not answer within 20 s"
}

# dnsf_json_get JSON PATH: print a value from a JSON document (PATH like "/dnsfence/stats.rx_packets").
dnsf_json_get() {
	"$DNSF_PY" -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[k] if isinstance(v, dict) else v[int(k)]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))
' "$1" "$2"
}
