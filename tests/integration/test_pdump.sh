#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Integration test: forensics.pdump, live capture with dpdk-dumpcap. dnsfence runs inline between
# two veth pairs (tools/netns.sh "inline", as in test_live.sh) with unbound behind it, and:
#   1. --no-huge with forensics.pdump: true: the log says secondary processes cannot attach,
#      /dnsfence/config reports pdump "unavailable", dpdk-dumpcap's EAL indeed cannot attach,
#      and the filter still forwards DNS;
#   2. on hugepages with forensics.pdump: false: the log says pdump is off and dpdk-dumpcap,
#      although its EAL attaches, cannot start a capture (exit status not 0, no packet file);
#   2b. on hugepages with --in-memory and forensics.pdump: true: the log names --in-memory and
#      /dnsfence/config says "unavailable";
#   3. on hugepages with forensics.pdump: true, run with only the systemd unit's capability
#      bounding set and no new privileges (setpriv): the log says enabled with the file prefix,
#      `dpdk-dumpcap -D` lists both ports, and
#      `dpdk-dumpcap --file-prefix=P -i net_af_packet0` captures while dig asks 6 unique names
#      through the fence, and the pcapng (read with tshark) holds each query and its answer.
# Hugepages: it reserves what it needs (vm.nr_hugepages), mounts hugetlbfs if nothing is mounted,
# and a trap puts nr_hugepages back, unmounts what it mounted and removes the hugepage files of
# its file prefix, also on failure. Skips (77) when not root, without namespaces, or when
# hugepages cannot be reserved here (parts 2 and 3 need them; part 1 has run by then).
#
# Run alone:  meson test -C BUILD pdump --print-errorlogs
#        or:  tests/integration/test_pdump.sh BUILD/app/dnsfence .
set -u
DNSFENCE=$(realpath "$1")
REPO=$(realpath "$2")
# shellcheck source=./lib.sh
. "$REPO/tests/integration/lib.sh"
NETNS_SH="$REPO/tools/netns.sh"

dnsf_need_netns "$NETNS_SH"
dnsf_need_tools unbound unbound-checkconf dig ethtool tshark setpriv /usr/bin/dpdk-dumpcap \
	/usr/bin/dpdk-telemetry.py "$DNSF_PY"

HUGE_NEED=64 # 2 MiB pages; measured: dnsfence with this config 11, dpdk-dumpcap 6
TAG=dp$$
TAG=${TAG:0:10}
PREFIX=dnsf_test_pdump_$$
work=$(mktemp -d /tmp/dnsf-pdump.XXXXXX)
exec 3>&2
DNSF_PID=""
DUMPCAP_PID=""
UNBOUND_PID=""
HUGE_OLD=""
HUGE_MNT=""

# hugetlbfs mount points of the default page size (where EAL puts its files).
huge_mounts() { awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts; }

stop_pid() {
	local pid=$1 sig=$2
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
}

cleanup() {
	local rc=$? m
	stop_pid "$DUMPCAP_PID" INT
	stop_pid "$DNSF_PID" TERM
	[ -n "$UNBOUND_PID" ] && kill "$UNBOUND_PID" 2>/dev/null
	wait 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for f in dnsfence.err dumpcap.out; do
			echo "---- $f (tail)" >&3
			tail -n 25 "$work/$f" >&3 2>/dev/null
		done
	fi
	"$NETNS_SH" down "$TAG"
	# A process that is gone leaves its hugepage files (<prefix>map_N) behind, and with them the
	# pages: remove ours before giving the reservation back.
	for m in $(huge_mounts); do rm -f "$m/${PREFIX}"map_*; done
	[ -n "$HUGE_OLD" ] && echo "$HUGE_OLD" >/proc/sys/vm/nr_hugepages
	[ -n "$HUGE_MNT" ] && umount "$HUGE_MNT" && rmdir "$HUGE_MNT"
	rm -rf "/var/run/dpdk/$PREFIX" "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP


# shellcheck source=../../tools/netns.sh
. "$NETNS_SH"
dnsf_netns_up "$TAG" inline || dnsf_fail "could not build the namespace topology"
C() { ip netns exec "$NS_CLIENT" "$@"; }
dnsf_unbound_start "$NS_SERVER" "$work" "$REPO/tests/integration/unbound-zones.conf" \
	"$SERVER_IP" || dnsf_fail "unbound did not start"

# write_config FILE PDUMP EAL...: an inline config over the two fence ends.
write_config() {
	local file=$1 pdump=$2 eal
	shift 2
	eal=$(printf '"%s", ' "$@")
	cat >"$file" <<EOF
eal: [${eal%, }]
mode: inline
$(dnsf_inline_ports "$IF_INSIDE" "$IF_OUTSIDE")
workers: { lcores: [1] }
mempool: { mbufs: 4095, cache: 128 }
rings: { rx_desc: 512, tx_desc: 512 }
telemetry: true
metrics: { listen: "" }
detection: { enabled: false, action: drop }
forensics: { pdump: $pdump }
EOF
}

# start CONFIG [WRAPPER...]: start dnsfence (under WRAPPER, e.g. setpriv) and wait (bounded)
# until telemetry answers.
start() {
	local conf=$1
	shift
	rm -rf "/var/run/dpdk/$PREFIX"
	"$@" "$DNSFENCE" -c "$conf" --file-prefix "$PREFIX" >"$work/dnsfence.out" 2>"$work/dnsfence.err" &
	DNSF_PID=$!
	dnsf_wait_fence "$DNSF_PID" "$PREFIX" "$work/dnsfence.err"
}

stop() {
	local rc
	kill -TERM "$DNSF_PID"
	for _ in $(seq 1 100); do kill -0 "$DNSF_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$DNSF_PID"
	rc=$?
	DNSF_PID=""
	[ "$rc" -eq 0 ] || bad "dnsfence exit status $rc after SIGTERM, expected 0"
}

pdump_state() {
	dnsf_json_get "$(dnsf_telemetry "$PREFIX" /dnsfence/config)" /dnsfence/config.pdump
}

# answer NAME: dig through the fence until unbound's answer arrives (first packets may race ARP).
answer() {
	local got
	for _ in $(seq 1 10); do
		got=$(C dig +time=1 +tries=1 @"$SERVER_IP" "$1" A 2>/dev/null | grep -c 'status: NOERROR\|status: NXDOMAIN')
		[ "$got" -ge 1 ] && return 0
	done
	bad "no answer to $1 through dnsfence"
	return 1
}

# --- 1. --no-huge: pdump cannot work, and says so --------------------------------------------
dnsf_log "1. --no-huge with forensics.pdump: true"
write_config "$work/nohuge.yaml" true --no-huge -m 512 --log-level=lib.eal:notice
start "$work/nohuge.yaml"
answer www.example.com
grep -q 'pdump: forensics.pdump is on, but EAL runs with --no-huge.*cannot attach' "$work/dnsfence.err" ||
	bad "no --no-huge warning in the log: $(grep pdump "$work/dnsfence.err")"
st=$(pdump_state)
[ "$st" = unavailable ] || bad "/dnsfence/config pdump is '$st' with --no-huge, expected 'unavailable'"
# Nor can dpdk-dumpcap's EAL attach (bounded: it gives up at once).
timeout 20 /usr/bin/dpdk-dumpcap --file-prefix="$PREFIX" -i 0 -w "$work/nohuge.pcapng" -a duration:2 \
	>"$work/dumpcap.out" 2>&1 && bad "dpdk-dumpcap exited 0 against a --no-huge dnsfence"
grep -q 'hugepage information' "$work/dumpcap.out" ||
	bad "dpdk-dumpcap against a --no-huge dnsfence: $(cat "$work/dumpcap.out")"
answer www.example.com
stop

# --- hugepages ---------------------------------------------------------------------------------
grep -qw hugetlbfs /proc/filesystems || {
	echo "SKIP: the kernel has no hugetlbfs" >&2
	exit 77
}
if [ -z "$(huge_mounts)" ]; then
	HUGE_MNT=$(mktemp -d /tmp/dnsf-huge.XXXXXX)
	mount -t hugetlbfs nodev "$HUGE_MNT" || {
		rmdir "$HUGE_MNT"
		HUGE_MNT=""
		echo "SKIP: cannot mount hugetlbfs here" >&2
		exit 77
	}
fi
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "$free" -lt "$HUGE_NEED" ]; then
	HUGE_OLD=$(cat /proc/sys/vm/nr_hugepages)
	echo $((HUGE_OLD + HUGE_NEED - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	if [ "$free" -lt "$HUGE_NEED" ]; then
		echo "SKIP: could not reserve $HUGE_NEED free 2 MiB hugepages (have $free)" >&2
		exit 77
	fi
fi
dnsf_log "$free hugepages free"

# dumpcap SECONDS: capture port 0 (inside) into $work/out.pcapng, in the background.
dumpcap() {
	rm -f "$work/out.pcapng"
	/usr/bin/dpdk-dumpcap --file-prefix="$PREFIX" -i net_af_packet0 -w "$work/out.pcapng" \
		-a "duration:$1" >"$work/dumpcap.out" 2>&1 &
	DUMPCAP_PID=$!
}

# --- 2. hugepages, pdump off: dumpcap cannot capture -----------------------------------------
dnsf_log "2. hugepages, forensics.pdump: false"
write_config "$work/off.yaml" false --log-level=lib.eal:notice
start "$work/off.yaml"
grep -q 'pdump: off (forensics.pdump: false)' "$work/dnsfence.err" ||
	bad "the log does not say pdump is off: $(grep pdump "$work/dnsfence.err")"
st=$(pdump_state)
[ "$st" = off ] || bad "/dnsfence/config pdump is '$st', expected 'off'"
dumpcap 20
rc=""
for _ in $(seq 1 150); do
	kill -0 "$DUMPCAP_PID" 2>/dev/null || { wait "$DUMPCAP_PID"; rc=$?; break; }
	sleep 0.1
done
DUMPCAP_PID=""
if [ -z "$rc" ]; then
	bad "dpdk-dumpcap still running 15 s after it started against a dnsfence without pdump"
elif [ "$rc" -eq 0 ]; then
	bad "dpdk-dumpcap exited 0 against a dnsfence without pdump: $(cat "$work/dumpcap.out")"
else
	echo "ok: dpdk-dumpcap failed (exit $rc): $(grep -i 'pdump\|fail' "$work/dumpcap.out" | head -2)" >&2
fi
# Its EAL attached (hugepages work) and the primary did not answer its pdump request.
grep -q 'mp_pdump' "$work/dumpcap.out" ||
	bad "dpdk-dumpcap did not fail on the pdump request (did its EAL attach?): $(cat "$work/dumpcap.out")"
answer www.example.com
stop

# --- 2b. hugepages but --in-memory: no shared files, pdump says so ---------------------------
dnsf_log "2b. hugepages, --in-memory, forensics.pdump: true"
write_config "$work/inmem.yaml" true --in-memory --log-level=lib.eal:notice
start "$work/inmem.yaml"
grep -q 'pdump: forensics.pdump is on, but EAL runs with --in-memory.*cannot attach' "$work/dnsfence.err" ||
	bad "no --in-memory warning in the log: $(grep pdump "$work/dnsfence.err")"
st=$(pdump_state)
[ "$st" = unavailable ] || bad "/dnsfence/config pdump is '$st' with --in-memory, expected 'unavailable'"
answer www.example.com
stop

# --- 3. hugepages, pdump on: dumpcap captures the DNS packets ---------------------------------
dnsf_log "3. hugepages, forensics.pdump: true"
write_config "$work/on.yaml" true --log-level=lib.eal:notice
# As the systemd unit runs it: only its CapabilityBoundingSet, no new privileges.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$REPO/packaging/dnsfence.service.in")
[ -n "$caps" ] || dnsf_fail "no CapabilityBoundingSet in packaging/dnsfence.service.in"
bset=-all
for c in $caps; do bset="$bset,+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"; done
start "$work/on.yaml" setpriv --bounding-set "$bset" --inh-caps -all --no-new-privs
grep -q "pdump: enabled: capture a port with dpdk-dumpcap --file-prefix=$PREFIX" "$work/dnsfence.err" ||
	bad "the log does not say pdump is enabled with the file prefix: $(grep pdump "$work/dnsfence.err")"
grep -q 'pdump: port inside is -i net_af_packet0' "$work/dnsfence.err" ||
	bad "the log does not map port inside to its ethdev name"
dnsf_log "hugepages free while dnsfence runs: $(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)"
st=$(pdump_state)
[ "$st" = on ] || bad "/dnsfence/config pdump is '$st', expected 'on'"
answer www.example.com # ARP settled before the capture starts
list=$(/usr/bin/dpdk-dumpcap --file-prefix="$PREFIX" -D 2>&1)
case "$list" in
*net_af_packet0*net_af_packet1*) echo "ok: dpdk-dumpcap -D lists both ports" >&2 ;;
*) bad "dpdk-dumpcap -D does not list both ports: $list" ;;
esac
dumpcap 30
# Its progress counter starts once pdump is enabled on the port (the banner is buffered).
grep_capturing() { grep -q "Packets captured" "$work/dumpcap.out"; }
dnsf_retry 100 0.1 grep_capturing || bad "dpdk-dumpcap did not start capturing: $(cat "$work/dumpcap.out")"
dnsf_log "hugepages free while dnsfence and dpdk-dumpcap run: $(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)"
names=""
for i in 1 2 3 4 5 6; do
	n="pd$i-$$.example.com"
	names="$names $n"
	answer "$n"
done
sleep 0.5
stop_pid "$DUMPCAP_PID" INT
wait "$DUMPCAP_PID" 2>/dev/null
rc=$?
DUMPCAP_PID=""
echo "dumpcap: $(tr '\n' ' ' <"$work/dumpcap.out")" >&2
[ "$rc" -eq 0 ] || bad "dpdk-dumpcap exit status $rc"
[ -s "$work/out.pcapng" ] || dnsf_fail "dpdk-dumpcap wrote no capture file"
tshark -r "$work/out.pcapng" -Y dns -T fields -e dns.flags.response -e dns.qry.name \
	>"$work/dns.txt" 2>"$work/tshark.err" || bad "tshark cannot read the capture: $(cat "$work/tshark.err")"
for n in $names; do
	q=$(grep -c "^0	$n\$" "$work/dns.txt")
	a=$(grep -c "^1	$n\$" "$work/dns.txt")
	if [ "$q" -ge 1 ] && [ "$a" -ge 1 ]; then
		echo "ok: capture holds query and answer of $n" >&2
	else
		bad "capture: $q queries and $a answers for $n (expected at least 1 of each)"
	fi
done
total=$(wc -l <"$work/dns.txt")
dnsf_log "capture: $total DNS packets"
stop

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed" >&2
	exit 1
fi
echo "pdump: all checks passed" >&2
exit 0
