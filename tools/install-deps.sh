#!/bin/sh
# Install what dnsfence needs to build, test and demo on Debian 12. Idempotent: installs only
# what is missing. Needs root (apt-get).
set -eu
PKGS="build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
libdpdk-dev dpdk-dev dpdk libcyaml-dev libyaml-dev libcmocka-dev libpcap-dev
publicsuffix libpsl-dev psl
python3 python3-scapy tshark tcpdump dnsutils iproute2 ethtool procps
unbound iodine dns2tcp dnsperf valgrind
debhelper dpkg-dev man-db groff-base systemd chromium"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; the answer does not matter here.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -q || true
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
# Debian's unbound starts a system service on install; tests run their own instances.
