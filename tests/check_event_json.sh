#!/bin/sh
# Event lines must parse as JSON with a real parser and carry the values of the fixtures
# (event_fixtures.c). Usage: check_event_json.sh <event_json binary>. Exit 77 = skipped.
set -eu
gen=$1
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: $py not found"; exit 77; }
"$gen" | "$py" -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 3, lines
ev = [json.loads(l) for l in lines]
a, b, c = ev
assert a["timestamp"] == "2026-11-26T17:31:50.123456+0000", a
assert a["event_type"] == "dns_tunnel" and a["src_ip"] == "192.0.2.10" and a["dest_port"] == 53
assert a["proto"] == "UDP" and a["dns"] == {"type": "query", "rrname": "aab3x9.t.example.com", "rrtype": "TXT"}
assert a["dnsfence"]["features"] == {"qname_len": 20, "entropy_fp": -7, "feat_200": 5}, a
assert a["dnsfence"]["score"] == 123 and a["dnsfence"]["model_score"] == -1
assert b["src_ip"] == "2001:db8::a" and b["proto"] == "TCP" and b["dns"]["rrtype"] == "TYPE65399"
assert b["dnsfence"]["action"] == "pass" and b["dnsfence"]["would"] == "refuse"
# Hostile names come back byte for byte (each byte as the code point of the same value).
want = b"a\"b\\c\x01\x1f\x7f\xff\n\t.\xc3\xa9".decode("latin-1")
assert c["dns"]["rrname"] == want, repr(c["dns"]["rrname"])
assert c["dnsfence"]["regdomain"] == "\r" + "x" * 254
assert len(c["dnsfence"]["features"]) == 16
for l in lines:
    l.encode("ascii")
print("ok: %d event lines parse as JSON" % len(lines))
'
