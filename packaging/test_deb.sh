#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build the Debian package from a copy of the source tree (what git tracks plus new files it does
# not ignore: the tree as it stands, without build directories), then check the .deb: the file
# list, conffiles, the run-time drivers EAL loads as plugins among the dependencies, that the
# maintainer scripts never enable or start the unit, and that the packaged dnsfence --checks and
# replays with the packaged configuration, lists and model. Skipped (77) without
# dpkg-buildpackage and debhelper. Unit tests are skipped in the package build (nocheck): the
# unit suite runs in the same `meson test` anyway.
#
#   test_deb.sh SOURCE_DIR
set -eu
src=$1
command -v dpkg-buildpackage >/dev/null 2>&1 && command -v dh >/dev/null 2>&1 || {
	echo "dpkg-buildpackage or debhelper not installed: skipped"
	exit 77
}
tmp=$(mktemp -d /tmp/dnsf-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
version=$(sed -n '1s/^dnsfence (\([^)]*\)).*/\1/p' "$src/debian/changelog")
[ -n "$version" ] || fail "no version in debian/changelog"
tree=$tmp/dnsfence-$version
mkdir -p "$tree"
if [ -d "$src/.git" ] && command -v git >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$src" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh) |
		tar -C "$src" -cf - -T - | tar -C "$tree" -xf -
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$tree" -xf -
fi
(cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$tmp/build.log" 2>&1 || { tail -40 "$tmp/build.log" >&2; fail "dpkg-buildpackage"; }
deb=$tmp/dnsfence_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb"

# Files: exactly the layout of docs/operations.md ("Installing"), man pages and docs compressed.
dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$' | sed 's|^\./|/|' | sort >"$tmp/files"
for f in /usr/bin/dnsfence /usr/bin/dnsfence-train /usr/bin/dnsfence-eval \
	/etc/dnsfence/dnsfence.yaml /etc/dnsfence/allowlist /etc/dnsfence/denylist \
	/etc/dnsfence/case-exceptions /usr/share/dnsfence/dnsfence.model \
	/lib/systemd/system/dnsfence.service /usr/share/man/man8/dnsfence.8.gz \
	/usr/share/man/man1/dnsfence-train.1.gz /usr/share/man/man1/dnsfence-eval.1.gz \
	/usr/share/doc/dnsfence/copyright /usr/share/doc/dnsfence/configuration.md.gz; do
	grep -qx "$f" "$tmp/files" || fail "$f missing from the package"
done
extra=$(grep -v -e '^/etc/dnsfence/' -e '^/usr/bin/dnsfence' -e '^/usr/share/dnsfence/' \
	-e '^/usr/share/man/man[18]/dnsfence' -e '^/usr/share/doc/dnsfence/' \
	-e '^/lib/systemd/system/dnsfence.service$' "$tmp/files" || true)
[ -z "$extra" ] || fail "unexpected files in the package: $extra"

# Control data.
dpkg-deb -e "$deb" "$tmp/ctl"
sort "$tmp/ctl/conffiles" >"$tmp/conffiles"
printf '%s\n' /etc/dnsfence/allowlist /etc/dnsfence/case-exceptions /etc/dnsfence/denylist \
	/etc/dnsfence/dnsfence.yaml | cmp -s - "$tmp/conffiles" || fail "conffiles: $(cat "$tmp/conffiles")"
deps=$(dpkg-deb -f "$deb" Depends)
for d in librte-eal23 librte-mempool-ring23 librte-net-pcap23 libcyaml1 publicsuffix; do
	echo "$deps" | grep -q "\\b$d\\b" || fail "Depends lacks $d: $deps"
done
# Never enabled or started by the package (the unit is enabled again on upgrade only if the
# operator had enabled it: the was-enabled guard); stopped on removal, never on upgrade.
if cat "$tmp/ctl/preinst" "$tmp/ctl/postinst" 2>/dev/null | grep 'deb-systemd-invoke\|systemctl.*start'; then
	fail "maintainer scripts start or stop the unit around install/upgrade (above)"
fi
grep -q "was-enabled 'dnsfence.service'" "$tmp/ctl/postinst" || fail "postinst enables the unit unconditionally"
grep -q 'deb-systemd-invoke stop dnsfence.service' "$tmp/ctl/prerm" || fail "prerm does not stop on remove"

# The packaged program on the packaged config: lists next to it, the model at /usr/share/dnsfence
# mapped into the extracted tree.
root=$tmp/root
dpkg-deb -x "$deb" "$root"
sed "s|^  path: /usr/share/dnsfence/|  path: $root/usr/share/dnsfence/|" \
	"$root/etc/dnsfence/dnsfence.yaml" >"$root/etc/dnsfence/check.yaml"
grep -q "^  path: $root/usr/share/dnsfence/dnsfence.model\$" "$root/etc/dnsfence/check.yaml" ||
	fail "packaged config does not name /usr/share/dnsfence/dnsfence.model"
"$root/usr/bin/dnsfence" -c "$root/etc/dnsfence/check.yaml" --check >"$tmp/check.out" 2>&1 ||
	{ cat "$tmp/check.out" >&2; fail "packaged dnsfence --check"; }
"$root/usr/bin/dnsfence" -c "$root/etc/dnsfence/check.yaml" --replay "$src/config/demo.pcap" \
	--passed "$tmp/passed.pcap" --file-prefix "dnsf_deb$$" >"$tmp/replay.json" 2>"$tmp/replay.err" ||
	{ cat "$tmp/replay.err" >&2; fail "packaged dnsfence replay"; }
/usr/bin/python3 - "$tmp/replay.json" <<'PY' || fail "replay summary: $(cat "$tmp/replay.json")"
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert s["tunnel_detected"] >= 1 and s["dropped"] > 0 and s["allowlisted"] > 0, s
PY
echo "package $deb: ok"
