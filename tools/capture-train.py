#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of tools/capture-train.sh (run with Debian's /usr/bin/python3).

  gen-benign OUT NAMES...      from benign name lists (one name a line), write OUT/benign-zones.conf
                               (unbound local data for every name asked) and the dnsperf inputs
                               OUT/benign-a.txt and OUT/benign-b.txt: two halves split by a hash
                               of the registered domain (the last two labels), so the held-out
                               half shares no registered domain with the training half. Ordinary
                               look-ups (A/AAAA, some CNAME/MX/TXT/NS/SOA) and the legitimate
                               tunnel-like shapes: AV hash look-ups, DNSBL, PTR (IPv4 and ip6.arpa),
                               CDN hash names, DKIM/DMARC/ACME TXT. Deterministic.
  echo-server ADDR PORT        echo every TCP connection's bytes back (threads); runs until killed.
  echo-client ADDR PORT NBYTES LINES RATE SECS
                               send NBYTES of incompressible bytes and read them back (a file
                               transfer), then LINES short lines at RATE lines/s, one round trip
                               each (an interactive session); give up after SECS. Prints one
                               line: "bulk=B lines=L seconds=S".
"""
import random
import socket
import sys
import threading
import time
import zlib


def regdom(name):
    labs = name.rstrip(".").split(".")
    return ".".join(labs[-2:])


def part_of(name):
    return zlib.crc32(regdom(name).encode()) % 5


def hexs(r, n):
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def alnum(r, n, alpha="abcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(r.choice(alpha) for _ in range(n))


def lookalikes(r, n):
    """(name, type, rdata) of legitimate tunnel-like look-ups (the shapes of shared/README.md)."""
    out = []
    for i in range(n):
        k = i % 10
        if k == 0:  # Sophos hash look-up
            out.append(("3.%s.%s.%s.i.01.mac.sophosxl.net" % (hexs(r, 32), hexs(r, 32), hexs(r, 32)),
                        "A", "127.0.0.1"))
        elif k == 1:  # McAfee GTI
            b32 = alnum(r, 26, "abcdefghijklmnopqrstuvwxyz234567")
            out.append(("0.0.0.0.1.0.0.4e.%s.avqs.mcafee.com" % b32, "A", "127.0.4.1"))
        elif k == 2:  # Team Cymru malware hash registry
            out.append(("%s.malware.hash.cymru.com" % hexs(r, 40), "TXT", '"1700000000 %d"' % r.randint(1, 99)))
        elif k == 3:  # DNSBL
            ip = ".".join(str(r.randint(1, 254)) for _ in range(4))
            out.append(("%s.zen.spamhaus.org" % ip, "A", "127.0.0.%d" % r.choice((2, 4, 10))))
        elif k == 4:  # reverse IPv4
            ip = ".".join(str(r.randint(1, 254)) for _ in range(4))
            out.append(("%s.in-addr.arpa" % ip, "PTR", "host-%d.example.net." % r.randint(1, 9999)))
        elif k == 5:  # reverse IPv6 (34 labels)
            nib = ".".join(hexs(r, 1) for _ in range(32))
            out.append(("%s.ip6.arpa" % nib, "PTR", "v6host-%d.example.net." % r.randint(1, 9999)))
        elif k == 6:  # CDN hash names
            out.append(("d%s.cloudfront.net" % alnum(r, 13), "A", "192.0.2.%d" % r.randint(1, 254)))
        elif k == 7:
            out.append(("e%d.dscx.akamaiedge.net" % r.randint(1000, 99999), "A", "192.0.2.%d" % r.randint(1, 254)))
        elif k == 8:  # DKIM / DMARC
            dom = r.choice(("example.com", "mail-corp.example", "newsletter.example.org"))
            sel = r.choice(("selector1", "google", "s%d" % r.randint(1, 2048), "k1"))
            out.append(("%s._domainkey.%s" % (sel, dom), "TXT", '"v=DKIM1; k=rsa; p=%s"' % alnum(r, 200, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")))
        else:  # ACME challenge
            dom = "%s.example.net" % alnum(r, 6)
            out.append(("_acme-challenge.%s" % dom, "TXT", '"%s"' % alnum(r, 43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")))
    return out


def cmd_gen_benign(out, lists):
    r = random.Random(20261126)
    names = []
    seen = set()
    for path in lists:
        with open(path) as f:
            for line in f:
                n = line.strip().lower().rstrip(".")
                if n and not n.startswith("#") and n not in seen and len(n) < 200:
                    seen.add(n)
                    names.append(n)
    zones = []
    queries = {0: [], 1: []}  # 0: parts 0-3 (training), 1: part 4 (held out)
    defined = set()

    def define(name, typ, rdata):
        if (name, typ) not in defined:
            defined.add((name, typ))
            zones.append('local-data: "%s. 300 IN %s %s"' % (name, typ, rdata) if typ != "TXT"
                         else "local-data: '%s. 300 IN TXT %s'" % (name, rdata))

    for n in names:
        half = 1 if part_of(n) == 4 else 0
        x = r.random()
        if x < 0.55:
            typ, rd = "A", "192.0.2.%d" % r.randint(1, 254)
        elif x < 0.80:
            typ, rd = "AAAA", "2001:db8::%x" % r.randint(1, 65535)
        elif x < 0.86:
            typ, rd = "CNAME", "edge-%d.cdn.example.net." % r.randint(1, 500)
        elif x < 0.91:
            typ, rd = "MX", "10 mx%d.%s." % (r.randint(1, 3), regdom(n))
        elif x < 0.96:
            typ, rd = "TXT", '"v=spf1 include:_spf.%s ~all"' % regdom(n)
        elif x < 0.98:
            typ, rd = "NS", "ns%d.%s." % (r.randint(1, 4), regdom(n))
        else:
            typ, rd = "SOA", "ns1.%s. hostmaster.%s. 1 3600 600 86400 300" % (regdom(n), regdom(n))
        define(n, typ, rd)
        queries[half].append((n, typ))
        # Most names are also asked as A or AAAA, as browsers do.
        if typ not in ("A", "AAAA") and r.random() < 0.5:
            define(n, "A", "192.0.2.%d" % r.randint(1, 254))
            queries[half].append((n, "A"))
    # Popular sites as an aggregate client sees them (a forwarder, a NAT gateway, a load
    # generator): registered domains of the list with many host names each, asked over and
    # over, so that one (client, site) flow carries tens of distinct names at several queries a
    # second, with the usual mix of record types.
    words = ("www", "img", "static", "api", "cdn", "m", "mail", "smtp", "docs", "help",
             "portal", "dev", "files", "fonts", "js", "search", "login", "assets", "media",
             "news", "shop", "app", "video", "auth", "status", "blog", "support", "edge")
    sites = [n for n in names if n.count(".") == 1][:120]
    for site in sites:
        half = 1 if part_of(site) == 4 else 0
        hosts = set()
        for _ in range(r.randint(8, 24)):
            w = r.choice(words)
            h = "%s%s.%s" % (w, r.choice(("", "", str(r.randint(1, 9)))), site)
            if r.random() < 0.3:
                h = "%s.%s" % (r.choice(words), h)
            hosts.add(h)
        for h in sorted(hosts):
            x = r.random()
            typ = "A" if x < 0.5 else "AAAA" if x < 0.75 else "CNAME" if x < 0.9 else "TXT" if x < 0.95 else "MX"
            rd = {"A": "192.0.2.%d" % r.randint(1, 254), "AAAA": "2001:db8::%x" % r.randint(1, 65535),
                  "CNAME": "%s.edge.example.net." % h.split(".")[0], "TXT": '"v=spf1 -all"',
                  "MX": "10 mx.%s." % site}[typ]
            define(h, typ, rd)
            for _ in range(8):
                queries[half].append((h, typ))
    for i, (n, typ, rd) in enumerate(lookalikes(r, 1000)):
        define(n, typ, rd)
        queries[i % 5 == 4].append((n, typ))
    for q in queries.values():
        r.shuffle(q)
    with open("%s/benign-zones.conf" % out, "w") as f:
        f.write('local-zone: "." static\n')
        f.write("\n".join(zones) + "\n")
    for half, tag in ((0, "a"), (1, "b")):
        with open("%s/benign-%s.txt" % (out, tag), "w") as f:
            for n, typ in queries[half]:
                f.write("%s %s\n" % (n, typ))
    print("%d names (%d training, %d held out), %d records" %
          (len(queries[0]) + len(queries[1]), len(queries[0]), len(queries[1]), len(zones)))


def cmd_echo_server(addr, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(8)

    def serve(c):
        with c:
            while True:
                try:
                    d = c.recv(65536)
                    if not d:
                        break
                    c.sendall(d)
                except OSError:
                    break

    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def cmd_echo_client(addr, port, nbytes, lines, rate, secs):
    t0 = time.monotonic()
    deadline = t0 + float(secs)
    bulk = done = 0
    try:
        s = socket.create_connection((addr, int(port)), timeout=max(1.0, float(secs)))
        data = random.Random(int(nbytes) * 7 + int(lines)).randbytes(int(nbytes))
        got = 0
        for i in range(0, len(data), 1024):
            s.sendall(data[i:i + 1024])
            while True:  # keep the echo drained, or a slow tunnel deadlocks both ways
                s.settimeout(0.001)
                try:
                    d = s.recv(65536)
                except (socket.timeout, BlockingIOError):
                    break
                if not d:
                    break
                got += len(d)
            if time.monotonic() > deadline:
                break
        s.settimeout(0.5)
        while got < len(data) and time.monotonic() < deadline:
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                break
            got += len(d)
        bulk = got
        gap = 1.0 / float(rate) if float(rate) > 0 else 0
        for i in range(int(lines)):
            if time.monotonic() > deadline:
                break
            msg = b"cmd %03d: " % i + data[i * 8:i * 8 + 8].hex().encode() + b"\n"
            s.sendall(msg)
            back = b""
            while len(back) < len(msg) and time.monotonic() < deadline:
                try:
                    d = s.recv(4096)
                except socket.timeout:
                    continue
                if not d:
                    break
                back += d
            if len(back) < len(msg):
                break
            done += 1
            time.sleep(gap)
        s.close()
    except OSError as e:
        print("echo-client: %s" % e, file=sys.stderr)
    print("bulk=%d lines=%d seconds=%.1f" % (bulk, done, time.monotonic() - t0))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    c, a = sys.argv[1], sys.argv[2:]
    if c == "gen-benign" and len(a) >= 2:
        cmd_gen_benign(a[0], a[1:])
    elif c == "echo-server" and len(a) == 2:
        cmd_echo_server(*a)
    elif c == "echo-client" and len(a) == 6:
        cmd_echo_client(*a)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
