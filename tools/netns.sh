#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# netns.sh — create and destroy the network-namespace topologies the live tests and the demo
# capture run in. Needs root, iproute2 and ethtool.
#
#   inline (default), the bump in the wire:
#     [ns TAG-c]  TAGc ==veth== TAGi  [fence]  TAGo ==veth== TAGs  [ns TAG-s]
#     client 10.53.0.1/24 fd53::1/64                     server 10.53.0.2/24 (+ .3) fd53::2/64
#     [fence] is the root namespace, or the namespace TAG-f with --fence-ns. dnsfence opens
#     TAGi (inside, client side) and TAGo (outside, resolver side) with net_af_packet. Both sides
#     share one subnet: dnsfence is transparent at layer 2.
#   direct: [ns TAG-c] TAGc ==veth== TAGs [ns TAG-s] (no fence; used to record config/demo.pcap)
#
# Usage:
#   netns.sh check                       exit 0 if namespaces and veths can be made here, else
#                                        print why on stderr and exit 1
#   netns.sh up TAG [direct] [--fence-ns]   build it; prints the shell variables below
#   netns.sh down TAG                    remove everything named after TAG (idempotent)
#   netns.sh run TAG [direct] [--fence-ns] -- CMD [ARGS...]
#                                        build, run CMD with the variables exported, and tear
#                                        down on any exit (trap on EXIT/INT/TERM/HUP)
# Or source it from bash and call dnsf_netns_up / dnsf_netns_down yourself (with your own trap);
# sourced, dnsf_netns_bypass (a bridge instead of the fence) and dnsf_netns_mirror (SPAN copies
# of both fence ends for a monitor-mode reader) extend the inline topology.
#
# Variables (printed by `up`, exported by `run`, set by dnsf_netns_up): NS_CLIENT NS_SERVER
# NS_FENCE ("" = root namespace) IF_CLIENT IF_SERVER IF_INSIDE IF_OUTSIDE CLIENT_IP SERVER_IP
# SERVER_IP2 CLIENT_IP6 SERVER_IP6. TAG must be 1..10 characters of [A-Za-z0-9_] (interface
# names are limited to 15 bytes); use something unique per run, e.g. "dl$$".
#
# The namespace ends get `ethtool -K tx off`: with TX checksum offload a veth hands frames on
# with an unfinished checksum, and after the trip through an af_packet socket they would leave
# with a wrong one. The fence ends get IPv6 disabled so the fence host adds nothing to the wire.

DNSF_NETNS_SUBNET4=${DNSF_NETNS_SUBNET4:-10.53.0}
DNSF_NETNS_SUBNET6=${DNSF_NETNS_SUBNET6:-fd53::}

dnsf_netns__log() { echo "netns.sh: $*" >&2; }

dnsf_netns_check() {
	if [ "$(id -u)" -ne 0 ]; then
		dnsf_netns__log "needs root (uid $(id -u))"
		return 1
	fi
	local t
	for t in ip ethtool; do
		command -v "$t" >/dev/null 2>&1 || {
			dnsf_netns__log "missing tool: $t"
			return 1
		}
	done
	local probe="dnsfprobe$$"
	if ! ip netns add "$probe" 2>/dev/null; then
		dnsf_netns__log "cannot create a network namespace here (ip netns add failed)"
		return 1
	fi
	if ! ip link add "${probe}a" type veth peer name "${probe}b" netns "$probe" 2>/dev/null; then
		ip netns del "$probe" 2>/dev/null
		dnsf_netns__log "cannot create a veth pair into a namespace here"
		return 1
	fi
	ip link del "${probe}a" 2>/dev/null
	ip netns del "$probe" 2>/dev/null
	return 0
}

dnsf_netns__vars() {
	local tag=$1 topo=$2 fence_ns=$3
	NS_CLIENT="$tag-c"
	NS_SERVER="$tag-s"
	NS_FENCE=""
	[ "$fence_ns" = 1 ] && NS_FENCE="$tag-f"
	IF_CLIENT="${tag}c"
	IF_SERVER="${tag}s"
	IF_INSIDE=""
	IF_OUTSIDE=""
	if [ "$topo" = inline ]; then
		IF_INSIDE="${tag}i"
		IF_OUTSIDE="${tag}o"
	fi
	CLIENT_IP="$DNSF_NETNS_SUBNET4.1"
	SERVER_IP="$DNSF_NETNS_SUBNET4.2"
	SERVER_IP2="$DNSF_NETNS_SUBNET4.3"
	CLIENT_IP6="${DNSF_NETNS_SUBNET6}1"
	SERVER_IP6="${DNSF_NETNS_SUBNET6}2"
}

# Run a command in the fence namespace (or the root one).
dnsf_netns__fence() {
	if [ -n "$NS_FENCE" ]; then ip netns exec "$NS_FENCE" "$@"; else "$@"; fi
}

# Wait (bounded) until an interface reports operstate "up".
dnsf_netns__wait_up() {
	local ns=$1 dev=$2 state
	for _ in $(seq 1 100); do
		if [ -n "$ns" ]; then
			state=$(ip netns exec "$ns" cat "/sys/class/net/$dev/operstate" 2>/dev/null)
		else
			state=$(cat "/sys/class/net/$dev/operstate" 2>/dev/null)
		fi
		[ "$state" = up ] && return 0
		sleep 0.05
	done
	dnsf_netns__log "$dev (ns ${ns:-root}) did not come up (operstate '$state')"
	return 1
}

# Configure one namespace end: up, no TX checksum offload, addresses without DAD.
dnsf_netns__end() {
	local ns=$1 dev=$2 ip4=$3 ip6=$4 extra4=${5:-}
	ip -n "$ns" link set lo up || return 1
	ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || {
		dnsf_netns__log "ethtool -K $dev tx off failed in $ns"
		return 1
	}
	ip -n "$ns" addr add "$ip4/24" dev "$dev" || return 1
	[ -n "$extra4" ] && { ip -n "$ns" addr add "$extra4/24" dev "$dev" || return 1; }
	ip -n "$ns" -6 addr add "$ip6/64" dev "$dev" nodad || return 1
	ip -n "$ns" link set "$dev" up || return 1
}

# Configure one fence end: up, promiscuous (it must see frames for the other side's MACs), no
# IPv6 (no router solicitations or MLD from the fence host), no TX checksum offload.
dnsf_netns__fence_end() {
	local dev=$1
	dnsf_netns__fence sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null 2>&1
	dnsf_netns__fence ethtool -K "$dev" tx off >/dev/null 2>&1
	dnsf_netns__fence ip link set "$dev" promisc on || return 1
	dnsf_netns__fence ip link set "$dev" up || return 1
}

dnsf_netns__up() {
	local tag=$1 topo=$2 fence_ns=$3
	case "$tag" in
	'' | *[!A-Za-z0-9_]*)
		dnsf_netns__log "bad TAG '$tag' (use [A-Za-z0-9_])"
		return 1
		;;
	esac
	if [ ${#tag} -gt 10 ]; then
		dnsf_netns__log "TAG '$tag' longer than 10 characters"
		return 1
	fi
	dnsf_netns__vars "$tag" "$topo" "$fence_ns"
	ip netns add "$NS_CLIENT" || return 1
	ip netns add "$NS_SERVER" || return 1
	if [ "$topo" = direct ]; then
		ip link add "$IF_CLIENT" netns "$NS_CLIENT" type veth peer name "$IF_SERVER" \
			netns "$NS_SERVER" || return 1
	else
		if [ -n "$NS_FENCE" ]; then
			ip netns add "$NS_FENCE" || return 1
			ip -n "$NS_FENCE" link set lo up || return 1
		fi
		# Create both ends in the fence namespace, then move the far end out.
		dnsf_netns__fence ip link add "$IF_INSIDE" type veth peer name "$IF_CLIENT" \
			netns "$NS_CLIENT" || return 1
		dnsf_netns__fence ip link add "$IF_OUTSIDE" type veth peer name "$IF_SERVER" \
			netns "$NS_SERVER" || return 1
		dnsf_netns__fence_end "$IF_INSIDE" || return 1
		dnsf_netns__fence_end "$IF_OUTSIDE" || return 1
	fi
	dnsf_netns__end "$NS_CLIENT" "$IF_CLIENT" "$CLIENT_IP" "$CLIENT_IP6" || return 1
	dnsf_netns__end "$NS_SERVER" "$IF_SERVER" "$SERVER_IP" "$SERVER_IP6" "$SERVER_IP2" || return 1
	dnsf_netns__wait_up "$NS_CLIENT" "$IF_CLIENT" || return 1
	dnsf_netns__wait_up "$NS_SERVER" "$IF_SERVER" || return 1
	if [ "$topo" = inline ]; then
		dnsf_netns__wait_up "$NS_FENCE" "$IF_INSIDE" || return 1
		dnsf_netns__wait_up "$NS_FENCE" "$IF_OUTSIDE" || return 1
	fi
	return 0
}

# dnsf_netns_up TAG [direct|inline] [--fence-ns]: on failure, removes what it made and returns 1.
dnsf_netns_up() {
	local tag=$1 topo=inline fence_ns=0
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		direct | inline) topo=$1 ;;
		--fence-ns) fence_ns=1 ;;
		*)
			dnsf_netns__log "unknown argument '$1'"
			return 1
			;;
		esac
		shift
	done
	if ! dnsf_netns__up "$tag" "$topo" "$fence_ns"; then
		dnsf_netns__log "setting up topology '$tag' failed; removing it"
		dnsf_netns_down "$tag"
		return 1
	fi
}

# dnsf_netns_down TAG: kill whatever still runs inside the namespaces, then delete them and any
# root-namespace veth ends named after TAG. Never fails.
dnsf_netns_down() {
	local tag=$1 ns pids dev
	[ -n "$tag" ] || return 0
	for ns in "$tag-c" "$tag-s" "$tag-f"; do
		[ -e "/run/netns/$ns" ] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -TERM $pids 2>/dev/null
			sleep 0.2
			pids=$(ip netns pids "$ns" 2>/dev/null)
			# shellcheck disable=SC2086
			[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		fi
		ip netns del "$ns" 2>/dev/null
	done
	# Deleting a namespace deletes its veth ends, and with them the peers; be thorough anyway.
	for dev in "${tag}i" "${tag}o" "${tag}c" "${tag}s" "${tag}b" "${tag}j" "${tag}p"; do
		[ -e "/sys/class/net/$dev" ] && ip link del "$dev" 2>/dev/null
	done
	return 0
}

# dnsf_netns_session TAG TEMPLATE (sourced; the capture scripts): a scratch directory in $work
# (mktemp -d TEMPLATE), an empty $pids for the caller's background processes, and one EXIT trap
# that kills and reaps them, removes the topology TAG and the directory (INT/TERM exit 130/143).
dnsf_netns_session() {
	DNSF_NETNS_SESSION_TAG=$1
	work=$(mktemp -d "$2") || return 1
	pids=()
	trap dnsf_netns__session_end EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

dnsf_netns__session_end() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	dnsf_netns_down "$DNSF_NETNS_SESSION_TAG"
	rm -rf "$work"
}

# dnsf_netns_bypass on|off (after dnsf_netns_up, inline topology): join the two fence ends
# with a kernel bridge in the fence namespace, or remove it -- the bypass an operator falls
# back to when the box is out of the path. Only while no dnsfence has the ends open.
dnsf_netns_bypass() {
	local br="${IF_INSIDE%i}b"
	if [ "$1" = off ]; then
		dnsf_netns__fence ip link del "$br" 2>/dev/null
		return 0
	fi
	dnsf_netns__fence ip link add name "$br" type bridge || return 1
	dnsf_netns__fence sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1" >/dev/null 2>&1
	dnsf_netns__fence ip link set "$IF_INSIDE" master "$br" || return 1
	dnsf_netns__fence ip link set "$IF_OUTSIDE" master "$br" || return 1
	dnsf_netns__fence ip link set "$br" up || return 1
	dnsf_netns__wait_up "$NS_FENCE" "$br"
}

# dnsf_netns_mirror (after dnsf_netns_up, inline topology): a SPAN port pair for a
# monitor-mode reader. Every frame entering the fence on TAGi / TAGo is copied (tc ingress,
# u32 match-all, mirred) out of veth TAGj / TAGp; the peers TAGk / TAGq (set in IF_SPAN_IN,
# IF_SPAN_OUT) receive the copies. Needs cls_u32 and act_mirred: tc's error is printed.
dnsf_netns_mirror() {
	local tag=${IF_INSIDE%i} src dst rd
	IF_SPAN_IN="${tag}k"
	IF_SPAN_OUT="${tag}q"
	for src in i o; do
		if [ $src = i ]; then dst=j rd=k; else dst=p rd=q; fi
		dnsf_netns__fence ip link add name "$tag$dst" type veth peer name "$tag$rd" || return 1
		dnsf_netns__fence_end "$tag$dst" || return 1
		dnsf_netns__fence_end "$tag$rd" || return 1
		dnsf_netns__fence tc qdisc add dev "$tag$src" ingress || return 1
		dnsf_netns__fence tc filter add dev "$tag$src" parent ffff: protocol all u32 \
			match u32 0 0 action mirred egress mirror dev "$tag$dst" || return 1
	done
	dnsf_netns__wait_up "$NS_FENCE" "$IF_SPAN_IN" && dnsf_netns__wait_up "$NS_FENCE" "$IF_SPAN_OUT"
}

dnsf_netns__print() {
	local v
	for v in NS_CLIENT NS_SERVER NS_FENCE IF_CLIENT IF_SERVER IF_INSIDE IF_OUTSIDE CLIENT_IP \
		SERVER_IP SERVER_IP2 CLIENT_IP6 SERVER_IP6; do
		printf '%s=%s\n' "$v" "${!v}"
	done
}

dnsf_netns_main() {
	local cmd=${1:-}
	shift || true
	case "$cmd" in
	check) dnsf_netns_check ;;
	up)
		[ $# -ge 1 ] || { dnsf_netns__log "usage: netns.sh up TAG [direct] [--fence-ns]"; return 2; }
		dnsf_netns_up "$@" && dnsf_netns__print
		;;
	down)
		[ $# -ge 1 ] || { dnsf_netns__log "usage: netns.sh down TAG"; return 2; }
		dnsf_netns_down "$1"
		;;
	run)
		local tag=${1:-} args=()
		shift || true
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			args+=("$1")
			shift
		done
		[ "${1:-}" = -- ] && shift
		if [ -z "$tag" ] || [ $# -eq 0 ]; then
			dnsf_netns__log "usage: netns.sh run TAG [direct] [--fence-ns] -- CMD [ARGS...]"
			return 2
		fi
		trap 'dnsf_netns_down "'"$tag"'"' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		trap 'exit 129' HUP
		dnsf_netns_up "$tag" "${args[@]}" || return 1
		export NS_CLIENT NS_SERVER NS_FENCE IF_CLIENT IF_SERVER IF_INSIDE IF_OUTSIDE CLIENT_IP \
			SERVER_IP SERVER_IP2 CLIENT_IP6 SERVER_IP6
		# Not exec: the trap must outlive the command.
		"$@"
		;;
	*)
		sed -n '3,30p' "$0" >&2
		return 2
		;;
	esac
}

# Executed (not sourced): dispatch.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	dnsf_netns_main "$@"
	exit $?
fi
