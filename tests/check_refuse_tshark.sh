#!/bin/sh
# The answers dnsf_refuse_build synthesizes, decoded by an independent dissector: tshark must see
# a DNS response with the expected rcode and name, one question, no answers, an OPT iff the query
# had one, and good IPv4 header and UDP checksums. Usage: check_refuse_tshark.sh <refuse_pcap>.
# Exit 77 (skipped) when tshark is not installed.
set -eu
gen=$1
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$gen" "$dir/refuse.pcap" >"$dir/expected"
# tshark refuses to run some dissectors as root without this; keep its profile out of $HOME.
export HOME="$dir"
tshark -n -r "$dir/refuse.pcap" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-T fields -E 'separator=|' -E occurrence=a \
	-e frame.number -e dns.flags.response -e dns.flags.rcode -e dns.count.queries \
	-e dns.count.answers -e dns.count.auth_rr -e dns.count.add_rr -e dns.flags.recavail \
	-e dns.qry.name -e ip.version -e ip.checksum.status -e udp.checksum.status \
	-e ipv6.nxt -e ipv6.hlim -e ip.ttl -e dns.rr.udp_payload_size -e _ws.expert.severity \
	>"$dir/got" 2>"$dir/err" || { cat "$dir/err"; exit 1; }
cat "$dir/got"
bad() { echo "frame $num: $1 (tshark: $line)"; fail=1; }
# Wireshark's checksum status values: 0 Bad, 1 Good, 2 Unverified, 3 Not present.
GOOD=1
fail=0
n=0
while read -r num rcode ipv edns qname; do
	n=$((n + 1))
	line=$(sed -n "${num}p" "$dir/got")
	IFS='|' read -r f_num f_resp f_rcode f_qd f_an f_ns f_ar f_ra f_name f_ipv f_ipck f_udpck \
		f_nxt f_hlim f_ttl f_psize f_sev <<EOL
$line
EOL
	want_ar=$edns
	[ "$f_num" = "$num" ] || bad "frame number"
	[ "$f_resp" = "1" ] || [ "$f_resp" = "True" ] || bad "not a response"
	[ "$f_rcode" = "$rcode" ] || bad "rcode $f_rcode, want $rcode"
	[ "$f_qd" = "1" ] || bad "qdcount $f_qd"
	[ "$f_an" = "0" ] && [ "$f_ns" = "0" ] || bad "answer/authority records present"
	[ "$f_ar" = "$want_ar" ] || bad "arcount $f_ar, want $want_ar"
	[ "$f_ra" = "1" ] || [ "$f_ra" = "True" ] || bad "RA not set"
	[ "$f_name" = "$qname" ] || bad "qname '$f_name', want '$qname'"
	[ "$f_udpck" = "$GOOD" ] || bad "UDP checksum status $f_udpck"
	if [ "$ipv" = 4 ]; then
		[ "$f_ipck" = "$GOOD" ] || bad "IPv4 checksum status $f_ipck"
		[ "$f_ttl" = "64" ] || bad "TTL $f_ttl"
	else
		[ "$f_nxt" = "17" ] || bad "IPv6 next header $f_nxt"
		[ "$f_hlim" = "64" ] || bad "hop limit $f_hlim"
	fi
	if [ "$edns" = 1 ]; then
		[ "$f_psize" = "1232" ] || bad "OPT payload size $f_psize"
	fi
	[ -z "$f_sev" ] || bad "tshark expert info: $f_sev"
done <"$dir/expected"
[ "$n" -gt 0 ] || { echo "no frames generated"; exit 1; }
[ "$(wc -l <"$dir/got")" -eq "$n" ] || { echo "tshark saw $(wc -l <"$dir/got") frames, want $n"; exit 1; }
[ "$fail" = 0 ] || exit 1
echo "ok: $n answers decoded by tshark with good checksums"
