#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of test_harden_ns.sh (hardening in network namespaces, docs/hardening.md).

  harden_ns.py zone DIR                 write DIR/benign-zones.conf (unbound local-data) and
                                        DIR/queries.txt (dnsperf) and DIR/asked.txt (ask)
  harden_ns.py ask SERVER SRC OUT       send every query of asked.txt (next to OUT's directory)
                                        from SRC:40053 with fixed IDs, in mixed letter case, some
                                        with EDNS0 (4096); write the raw answers (hex), one line
                                        per query, to OUT
  harden_ns.py same A B                 compare two `ask` outputs byte for byte; prints a summary
  harden_ns.py sink ADDR PORT STATE     accept TCP connections, count bytes into STATE
  harden_ns.py send ADDR PORT SECS      connect and send random bytes for SECS seconds; prints
                                        JSON {"connected":..,"sent":..}
  harden_ns.py codec LOG                iodine's query type and codecs from its log
"""

import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time

SYL = ["ka", "lo", "mi", "ra", "te", "no", "vi", "su", "pe", "da", "zen", "tor", "mar", "bel",
       "lin", "cor", "sha", "fen", "gal", "wik"]
HOSTS = ["www", "mail", "api", "cdn", "static", "img", "login", "auth", "m", "shop", "blog",
         "docs", "news", "video", "assets", "push", "status", "support", "app", "help"]
TYPES = {"A": 1, "AAAA": 28, "MX": 15, "TXT": 16, "CNAME": 5}


def cmd_zone(d):
    r = random.Random(9)
    lines, queries = [], []
    sites = sorted({"".join(r.choice(SYL) for _ in range(r.randint(2, 3))) + ".example"
                    for _ in range(40)})
    for i, site in enumerate(sites):
        lines.append('local-zone: "%s." static' % site)
        lines.append('local-data: "%s. 300 IN SOA ns.%s. h.%s. 1 3600 600 86400 300"'
                     % (site, site, site))
        lines.append('local-data: "%s. 300 IN MX 10 mail.%s."' % (site, site))
        lines.append("local-data: '%s. 300 IN TXT \"v=spf1 mx -all\"'" % site)
        queries += [(site, "MX"), (site, "TXT")]
        for j, h in enumerate(r.sample(HOSTS, 8)):
            name = "%s.%s" % (h, site)
            lines.append('local-data: "%s. 300 IN A 192.0.2.%d"' % (name, (i * 8 + j) % 250 + 1))
            lines.append('local-data: "%s. 300 IN AAAA 2001:db8::%x"' % (name, i * 8 + j + 1))
            queries += [(name, "A"), (name, "AAAA")]
        # A CNAME chain and a name that does not exist (NXDOMAIN with the SOA).
        lines.append('local-data: "w3.%s. 300 IN CNAME origin.%s."' % (site, site))
        lines.append('local-data: "origin.%s. 300 IN A 192.0.2.250"' % site)
        queries += [("w3." + site, "A"), ("nosuch%d.%s" % (i, site), "A")]
    with open(os.path.join(d, "benign-zones.conf"), "w") as f:
        f.write("\n".join(dict.fromkeys(lines)) + "\n")
    with open(os.path.join(d, "queries.txt"), "w") as f:
        for n, t in queries:
            f.write("%s %s\n" % (n, t))
    with open(os.path.join(d, "asked.txt"), "w") as f:
        for n, t in queries:
            f.write("%s %s\n" % (n, t))
    print("%d names in %d zones" % (len(queries), len(sites)))


def mixcase(r, name):
    mode = r.randrange(4)
    if mode == 0:
        return name
    if mode == 1:
        return name.upper()
    return "".join(c.upper() if c.isalpha() and r.random() < 0.5 else c for c in name)


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def cmd_ask(server, src, out):
    asked = os.path.join(os.path.dirname(os.path.abspath(out)), "asked.txt")
    qs = [ln.split() for ln in open(asked) if ln.strip()]
    r = random.Random(77)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 40053))
    s.settimeout(1.0)
    with open(out, "w") as f:
        for i, (name, t) in enumerate(qs):
            qid = (i * 7919 + 1) & 0xffff
            q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1 if i % 2 else 0)
            q += wire(mixcase(r, name)) + struct.pack(">HH", TYPES[t], 1)
            if i % 2:
                q += b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0)
            ans = b""
            for _ in range(3):
                s.sendto(q, (server, 53))
                try:
                    while True:
                        ans, _ = s.recvfrom(65535)
                        if ans[:2] == q[:2]:
                            break
                    break
                except socket.timeout:
                    ans = b""
            f.write("%s %s\n" % (q.hex(), ans.hex()))


def cmd_same(a, b):
    la = open(a).read().splitlines()
    lb = open(b).read().splitlines()
    diff = [i for i, (x, y) in enumerate(zip(la, lb)) if x != y]
    empty = sum(1 for ln in la + lb if ln.endswith(" ") or len(ln.split()) < 2)
    mixed = sum(1 for ln in la if any(c.isupper() for c in bytes.fromhex(ln.split()[0])[12:]
                                      .decode("latin-1")))
    print(json.dumps({"queries": len(la), "other": len(lb), "differ": len(diff),
                      "unanswered": empty, "with_upper_case": mixed,
                      "first_diff": diff[:3]}))


def cmd_sink(addr, port, state):
    total = [0]
    lock = threading.Lock()

    def save():
        with open(state + ".tmp", "w") as f:
            f.write(str(total[0]))
        os.replace(state + ".tmp", state)

    def serve(c):
        while True:
            try:
                b = c.recv(65536)
            except OSError:
                break
            if not b:
                break
            with lock:
                total[0] += len(b)
                save()
        c.close()

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(300):  # the tunnel device (and its address) may appear late
        try:
            ls.bind((addr, int(port)))
            break
        except OSError:
            time.sleep(0.1)
    ls.listen(8)
    save()
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def cmd_send(addr, port, secs):
    deadline = time.monotonic() + float(secs)
    data = random.Random(5).randbytes(1 << 20)
    res = {"connected": False, "sent": 0, "error": ""}
    s = None
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection((addr, int(port)), timeout=2)
            break
        except OSError as e:
            res["error"] = str(e)
            time.sleep(0.3)
    if s is not None:
        res["connected"] = True
        res["error"] = ""
        try:
            while time.monotonic() < deadline:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    res["sent"] += s.send(data[res["sent"] % len(data):][:16384])
                except socket.timeout:
                    pass
        except OSError as e:
            res["error"] = str(e) or type(e).__name__
        s.close()
    print(json.dumps(res))


def cmd_codec(log):
    txt = open(log, errors="replace").read()
    up = re.findall(r"(?:Server switched upstream to codec|[Kk]eeping upstream codec|"
                    r"Falling back to upstream codec) (\w+)", txt)
    down = re.findall(r"(?:Server switched downstream to codec|"
                      r"Falling back to downstream codec) (\w+)", txt)
    qtype = re.findall(r"Using DNS type (\w+) queries", txt)
    case = re.findall(r"DNS queries get changed to (\w+)case", txt)
    print(json.dumps({"upstream": up[-1] if up else "-", "downstream": down[-1] if down else "-",
                      "qtype": qtype[-1] if qtype else "-", "case_changed": case[-1] if case else "",
                      "setup": "Connection setup complete" in txt}))


if __name__ == "__main__":
    cmds = {"zone": cmd_zone, "ask": cmd_ask, "same": cmd_same, "sink": cmd_sink,
            "send": cmd_send, "codec": cmd_codec}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
