#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# capture-train.sh — record labelled training traffic with real tools in network namespaces:
# Debian's iodine over every record type it can force (-T NULL, PRIVATE, TXT, SRV, MX, CNAME, A)
# with every downstream codec it can force (-O Base32, Base64, Base64u, Base128, Raw for TXT),
# dns2tcp over TXT and KEY (plain and compressed), each moving a file and then running an
# interactive session at one of several rates; and benign look-ups from the benign name lists
# (plus the legitimate tunnel-like shapes: AV hash look-ups, DNSBL, PTR, CDN hashes, DKIM/ACME
# TXT) through a real resolver (unbound). One capture per tool configuration, named like the
# shared captures so that `make model`'s held-out patterns apply to them too.
#
#   tools/capture-train.sh [options] [OUT_DIR]     (as root; OUT_DIR default build/captures)
#     --seconds N        bound of each tunnel session after its handshake (default 12)
#     --benign-seconds N seconds of dnsperf per benign capture and rate (default 15)
#     --all-paths        every tunnel configuration on every path (3x the captures); by default
#                        each configuration takes one path, rotating through the three
#     --only REGEX       only the tunnel configurations whose capture name matches (grep -E)
#     --no-benign        skip the benign captures
#     --no-tunnels       skip the tunnel configurations
#     --shared DIR       benign name lists from DIR/benign/*.txt (default ../shared/data); without
#                        them the benign captures use a few built-in names only
# Runtime with the defaults: about 10-15 minutes (31 tunnel configurations, 2 benign captures).
#
# Topology (tools/netns.sh "direct", no dnsfence in between): client namespace 10.53.0.1;
# server namespace with unbound on 10.53.0.2 (plain) and on 10.53.0.3 (0x20 case randomisation
# towards authorities, use-caps-for-id), both with a stub zone for the tunnel domain
# t.dnsf-lab.test pointing at the tunnel server on 10.53.0.10 (iodined or dns2tcpd, one at a
# time). Paths: "direct" (client -> tunnel server), "unbound" and "unbound0x20" (client ->
# resolver -> tunnel server). tcpdump records the client's veth: the client leg only.
#
# What iodine cannot be told: its upstream codec. It probes the path and picks Base128 where
# every byte survives and Base32 where the case is changed (the 0x20 resolver), so the paths are
# what varies the upstream codec; the codec each session ended up with is in the manifest.
#
# Outputs in OUT_DIR: iodine-<transfer|interactive>-<rtype>-<downcodec>-<path>.pcap,
# dns2tcp-<transfer|c2>-<txt|key>-<plain|compressed>-<path>.pcap, benign-unbound-a.pcap
# (registered domains of hash parts 0-3) and benign-unbound-b.pcap (part 4: hold it out);
# label-suffixes (the tunnel domain, one a line: what make-model.sh and dnsfence-train
# --label-suffix read); manifest.tsv (per capture: tool, record type, codec, path, whether the
# tunnel came up, the upstream codec iodine chose, bytes and lines that crossed, packets).
# A configuration whose tunnel does not come up leaves no capture (listed as "down").
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"

SECS=12
BENIGN_SECS=15
ALL_PATHS=0
ONLY=
BENIGN=1
SHARED=$(cd "$repo/.." && pwd)/shared/data
out=
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECS=$2; shift ;;
	--benign-seconds) BENIGN_SECS=$2; shift ;;
	--all-paths) ALL_PATHS=1 ;;
	--only) ONLY=$2; shift ;;
	--no-benign) BENIGN=0 ;;
	--no-tunnels) ONLY='^$' ;;
	--shared) SHARED=$2; shift ;;
	-h | --help) sed -n '3,40p' "$0"; exit 0 ;;
	-*) dnsf_fail "unknown option $1" ;;
	*) out=$1 ;;
	esac
	shift
done
out=${out:-$repo/build/captures}
TUN_DOMAIN=t.dnsf-lab.test
TUN_PASSWORD=dnsf-train
TUN_NET=10.97.0.1/27
TUN_SERVER=10.97.0.1
UP_SECONDS=20
TAG=dftr$$
TAG=${TAG:0:10}

[ "$(id -u)" -eq 0 ] || dnsf_fail "run as root (namespaces, tcpdump, iodine)"
dnsf_need_tools iodine iodined dns2tcpc dns2tcpd unbound unbound-checkconf dnsperf tcpdump dig \
	ip ethtool ss "$DNSF_PY"
[ -c /dev/net/tun ] || dnsf_fail "/dev/net/tun is missing: iodine cannot create its tunnel here"
"$here/netns.sh" check || dnsf_fail "network namespaces are not usable here"
mkdir -p "$out" || dnsf_fail "cannot create $out"

# shellcheck source=./netns.sh
. "$here/netns.sh"
dnsf_netns_session "$TAG" /tmp/dnsf-train.XXXXXX || dnsf_fail "cannot create a scratch directory"
dnsf_netns_up "$TAG" direct || dnsf_fail "topology"
TUN_IP=${DNSF_NETNS_SUBNET4}.10
ip -n "$NS_SERVER" addr add "$TUN_IP/24" dev "$IF_SERVER" || dnsf_fail "address $TUN_IP"
IN_C=(ip netns exec "$NS_CLIENT")
IN_S=(ip netns exec "$NS_SERVER")

# ---- resolvers: benign local data, the tunnel domain delegated to the tunnel server ---------
lists=()
[ -d "$SHARED/benign" ] && mapfile -t lists < <(find "$SHARED/benign" -name '*.txt' | LC_ALL=C sort)
if [ "${#lists[@]}" -eq 0 ]; then
	dnsf_log "no benign name lists in $SHARED/benign: a few built-in names only"
	printf '%s\n' www.example.com example.org mail.example.net cdn.example.com \
		api.example.org >"$work/builtin.txt"
	lists=("$work/builtin.txt")
fi
"$DNSF_PY" "$here/capture-train.py" gen-benign "$work" "${lists[@]}" >"$work/gen.log" ||
	dnsf_fail "gen-benign failed"
dnsf_log "benign workload: $(cat "$work/gen.log")"
zones() { # zones CAPS(0|1)
	echo 'local-data: "www.example.com. 300 IN A 192.0.2.10"'
	cat "$work/benign-zones.conf"
	[ "$1" = 1 ] && echo "use-caps-for-id: yes"
	echo "qname-minimisation: no"
	echo "local-zone: \"${TUN_DOMAIN#*.}.\" transparent"
	printf 'stub-zone:\n  name: "%s."\n  stub-addr: %s\n' "$TUN_DOMAIN" "$TUN_IP"
}
mkdir -p "$work/ub" "$work/ub20"
zones 0 >"$work/ub/zones.conf"
zones 1 >"$work/ub20/zones.conf"
dnsf_unbound_start "$NS_SERVER" "$work/ub" "$work/ub/zones.conf" "$SERVER_IP" ||
	dnsf_fail "unbound did not start"
pids+=("$UNBOUND_PID")
dnsf_unbound_start "$NS_SERVER" "$work/ub20" "$work/ub20/zones.conf" "$SERVER_IP2" ||
	dnsf_fail "unbound (0x20) did not start"
pids+=("$UNBOUND_PID")

echo "$TUN_DOMAIN" >"$out/label-suffixes"
# The manifest keeps the rows of earlier runs (--only re-records some configurations).
[ -s "$out/manifest.tsv" ] ||
	printf 'capture\ttool\trtype\tcodec\tpath\tstate\tupcodec\tbulk\tlines\tpackets\n' >"$out/manifest.tsv"
manifest_put() { # manifest_put ROW (tab-separated, the capture name first)
	grep -v "^${1%%$'\t'*}"$'\t' "$out/manifest.tsv" >"$work/manifest.tmp"
	printf '%s\n' "$1" >>"$work/manifest.tmp"
	cp "$work/manifest.tmp" "$out/manifest.tsv"
}

# capture_start FILE / capture_stop: tcpdump on the client's veth.
capture_start() {
	"${IN_C[@]}" tcpdump -i "$IF_CLIENT" -s 0 -U -n -w "$1" 'port 53' >"$work/tcpdump.log" 2>&1 &
	TCPDUMP_PID=$!
	dnsf_retry 50 0.1 grep -q "listening on" "$work/tcpdump.log" ||
		{ cat "$work/tcpdump.log" >&2; dnsf_fail "tcpdump did not start"; }
}
capture_stop() {
	sleep 0.3
	kill -INT "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
}
npackets() { tcpdump -nr "$1" 2>/dev/null | wc -l; }
target_of() { # path -> the address the client sends its queries to
	case "$1" in
	direct) echo "$TUN_IP" ;;
	unbound) echo "$SERVER_IP" ;;
	*) echo "$SERVER_IP2" ;;
	esac
}

# run_cfg NAME TOOL RTYPE CODEC PATH BYTES LINES RATE: one tunnel configuration, one capture.
run_cfg() {
	local name=$1 tool=$2 rtype=$3 codec=$4 path=$5 bytes=$6 lines=$7 rate=$8
	local target state=down upcodec=- res cpid sp=() echo_addr cport o=()
	target=$(target_of "$path")
	local log="$work/$name"
	if [ "$tool" = iodine ]; then
		"${IN_S[@]}" iodined -f -c -l "$TUN_IP" -p 53 -P "$TUN_PASSWORD" -d iodtr0 "$TUN_NET" \
			"$TUN_DOMAIN" >"$log.server.log" 2>&1 &
		sp+=($!)
		echo_addr=$TUN_SERVER cport=7000
	else
		mkdir -p "$work/chroot"
		cat >"$work/d2t.conf" <<EOF
listen = $TUN_IP
port = 53
user = nobody
chroot = $work/chroot
domain = $TUN_DOMAIN
resources = echo:127.0.0.1:7100
EOF
		"${IN_S[@]}" dns2tcpd -F -d 1 -f "$work/d2t.conf" >"$log.server.log" 2>&1 &
		sp+=($!)
		echo_addr=127.0.0.1 cport=7200
	fi
	if ! dnsf_retry 50 0.1 sh -c "ip netns exec $NS_SERVER ss -Hlun 'sport = :53' | grep -q '$TUN_IP:53'"; then
		dnsf_log "$name: tunnel server did not start"
		kill "${sp[@]}" 2>/dev/null
		wait "${sp[@]}" 2>/dev/null
		manifest_put "$(printf '%s\t%s\t%s\t%s\t%s\tserver-failed\t-\t0\t0\t0' "$name" "$tool" \
			"$rtype" "$codec" "$path")"
		return
	fi
	"${IN_S[@]}" "$DNSF_PY" "$here/capture-train.py" echo-server \
		"$([ "$tool" = iodine ] && echo "$TUN_SERVER" || echo 127.0.0.1)" \
		"$([ "$tool" = iodine ] && echo 7000 || echo 7100)" >"$log.echo.log" 2>&1 &
	sp+=($!)
	capture_start "$work/$name.pcap"
	if [ "$tool" = iodine ]; then
		[ "$codec" != raw ] && [ "$rtype" != NULL ] && [ "$rtype" != PRIVATE ] && o=(-O "$codec")
		[ "$codec" = raw ] && o=(-O Raw)
		[ "$path" != direct ] && o+=(-L0)
		"${IN_C[@]}" iodine -f -r -T "$rtype" "${o[@]}" -P "$TUN_PASSWORD" -d dnstr0 "$target" \
			"$TUN_DOMAIN" >"$log.client.log" 2>&1 &
		cpid=$!
		for _ in $(seq 1 $((UP_SECONDS * 10))); do
			if grep -qs 'Connection setup complete' "$log.client.log"; then state=up; break; fi
			kill -0 "$cpid" 2>/dev/null || break
			sleep 0.1
		done
		upcodec=$(grep -oE 'Server switched upstream to codec [A-Za-z0-9]+|keeping upstream codec [A-Za-z0-9]+' \
			"$log.client.log" | tail -n 1 | awk '{print $NF}')
		[ -n "$upcodec" ] || upcodec=-
		# The echo service listens on the server's tunnel address once iodined made it.
		[ "$state" = up ] && sleep 0.5
	else
		[ "$codec" = compressed ] && o=(-c)
		"${IN_C[@]}" dns2tcpc "${o[@]}" -z "$TUN_DOMAIN" -r echo -l "$cport" -T "$rtype" "$target" \
			>"$log.client.log" 2>&1 &
		cpid=$!
		dnsf_retry 50 0.1 grep -qs 'Listening on port' "$log.client.log" && state=up
		echo_addr=127.0.0.1
	fi
	res="bulk=0 lines=0"
	if [ "$state" = up ]; then
		res=$("${IN_C[@]}" "$DNSF_PY" "$here/capture-train.py" echo-client "$echo_addr" "$cport" \
			"$bytes" "$lines" "$rate" "$SECS" 2>>"$log.client.log")
	fi
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	capture_stop
	kill "${sp[@]}" 2>/dev/null
	wait "${sp[@]}" 2>/dev/null
	local bulk lin
	bulk=$(echo "$res" | sed -n 's/.*bulk=\([0-9]*\).*/\1/p')
	lin=$(echo "$res" | sed -n 's/.*lines=\([0-9]*\).*/\1/p')
	[ "$state" = up ] && [ "${bulk:-0}" -eq 0 ] && state=no-data
	local np=0
	if [ "$state" = up ]; then
		cp "$work/$name.pcap" "$out/$name.pcap"
		np=$(npackets "$out/$name.pcap")
	else
		rm -f "$out/$name.pcap"
		tail -n 3 "$log.client.log" >&2
	fi
	manifest_put "$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$name" "$tool" "$rtype" \
		"$codec" "$path" "$state" "$upcodec" "${bulk:-0}" "${lin:-0}" "$np")"
	dnsf_log "$name: $state (upstream ${upcodec}) $res, $np packets"
}

# ---- the configuration matrix ---------------------------------------------------------------
paths=(direct unbound unbound0x20)
# Session shapes, rotating: a file transfer (32 KiB, a few lines) or an interactive session
# (1 KiB, many lines at 2, 5 or 10 lines/s).
shape() { # index -> "mode bytes lines rate"
	case $(($1 % 4)) in
	0) echo "transfer 32768 5 5" ;;
	1) echo "interactive 1024 40 2" ;;
	2) echo "transfer 16384 10 10" ;;
	*) echo "interactive 2048 80 10" ;;
	esac
}
cfgs=()
i=0
for rtype in NULL PRIVATE TXT SRV MX CNAME A; do
	case $rtype in
	NULL | PRIVATE) codecs=(raw) ;;
	TXT) codecs=(base32 base64 base64u base128 raw) ;;
	*) codecs=(base32 base64 base64u base128) ;;
	esac
	for codec in "${codecs[@]}"; do
		if [ "$ALL_PATHS" = 1 ]; then ps=("${paths[@]}"); else ps=("${paths[$((i % 3))]}"); fi
		for p in "${ps[@]}"; do
			read -r mode bytes lines rate <<<"$(shape "$i")"
			lc=$(echo "$rtype" | tr '[:upper:]' '[:lower:]')
			cfgs+=("iodine-$mode-$lc-$codec-$p iodine $rtype $codec $p $bytes $lines $rate")
			i=$((i + 1))
		done
	done
done
j=0
for rtype in TXT KEY; do
	for comp in plain compressed; do
		for mode in transfer c2; do
			# dns2tcp's queries are case-sensitive base64: it does not survive 0x20.
			p=$([ $((j % 2)) = 0 ] && echo direct || echo unbound)
			if [ "$mode" = transfer ]; then b=32768 l=5 r=5; else b=1024 l=60 r=$((j % 4 < 2 ? 2 : 10)); fi
			lc=$(echo "$rtype" | tr '[:upper:]' '[:lower:]')
			cfgs+=("dns2tcp-$mode-$lc-$comp-$p dns2tcp $rtype $comp $p $b $l $r")
			j=$((j + 1))
		done
	done
done

n=0
for c in "${cfgs[@]}"; do
	read -r name _ <<<"$c"
	[ -n "$ONLY" ] && ! echo "$name" | grep -qE "$ONLY" && continue
	# shellcheck disable=SC2086 # the configuration is words
	run_cfg $c
	n=$((n + 1))
done

# ---- benign look-ups through unbound: one client, many names, two rates ---------------------
if [ "$BENIGN" = 1 ]; then
	for half in a b; do
		capture_start "$work/benign-$half.pcap"
		for qps in 300 2000; do
			"${IN_C[@]}" dnsperf -s "$SERVER_IP" -d "$work/benign-$half.txt" -l "$BENIGN_SECS" \
				-Q "$qps" -c 4 -t 2 >"$work/dnsperf-$half-$qps.log" 2>&1 ||
				dnsf_log "dnsperf $half at $qps q/s failed: $(tail -n 2 "$work/dnsperf-$half-$qps.log")"
		done
		capture_stop
		cp "$work/benign-$half.pcap" "$out/benign-unbound-$half.pcap"
		np=$(npackets "$out/benign-unbound-$half.pcap")
		manifest_put "$(printf 'benign-unbound-%s\tdnsperf\tmixed\t-\tunbound\tbenign\t-\t0\t0\t%s' \
			"$half" "$np")"
		dnsf_log "benign-unbound-$half: $np packets"
	done
fi
up=$(awk -F'\t' 'NR > 1 && $6 == "up"' "$out/manifest.tsv" | wc -l)
dnsf_log "done: $n tunnel configurations tried, $up captured; $out/manifest.tsv"
