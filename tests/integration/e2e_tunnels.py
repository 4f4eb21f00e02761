#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of tests/integration/test_e2e_tunnels.sh (run with Debian's /usr/bin/python3).

  sink ADDR PORT STATE         count the bytes every TCP connection to ADDR:PORT delivers;
                               STATE holds the running total (written atomically, "0" once
                               listening). Runs until killed.
  send ADDR PORT NBYTES SECS   connect and send NBYTES of incompressible bytes, giving up
                               SECS after start; prints one JSON line (what was handed to
                               the socket -- the sink's count is what crossed the tunnel).
  wait-bytes STATE NBYTES SECS wait until STATE reaches NBYTES or SECS pass; prints
                               "BYTES SECONDS" (seconds until done, or the full SECS).
  gen-benign DIR               write DIR/benign-zones.conf (unbound local zones),
                               DIR/queries.txt (dnsperf input) and DIR/sample.txt (dig -f
                               batch): benign names and look-alikes, deterministic.
  dnsperf FILE                 print "sent completed lost qps" from dnsperf's report.
  events FILE CLIENT DOMAIN ACTION WOULD
                               count event lines naming CLIENT and registered DOMAIN with
                               this action and would-action ("any": whichever); prints
                               "N example-qname".
  refused PCAP DOMAIN          from a capture (tshark), DNS traffic under DOMAIN: prints
                               "queries refused_answers other_answers unanswered_after_first"
                               (unanswered_after_first: queries sent after the first REFUSED
                               that got no answer at all, i.e. that the client had to time
                               out on).
  normalize FILE               dig batch output without the per-query ids (for diff).
  event-summary FILE           events not about the tunnels' .test domains, by reason and
                               query type, with examples (why benign traffic was flagged).
  benign-pcap DIR OUT LOOPS QPS
                               DIR/queries.txt as a capture of queries from 10.53.0.1 to
                               10.53.0.2 at QPS, LOOPS times over: the benign workload for
                               an offline `dnsfence --replay`.
"""
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time


def cmd_sink(addr, port, state):
    total = [0]
    lock = threading.Lock()

    def publish():
        tmp = state + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % total[0])
        os.replace(tmp, state)

    def serve(conn):
        last = 0.0
        with conn:
            while True:
                try:
                    d = conn.recv(65536)
                except OSError:
                    break
                if not d:
                    break
                with lock:
                    total[0] += len(d)
                    now = time.monotonic()
                    # Throttled: the tunnel delivers in small pieces, the reader polls.
                    if now - last >= 0.05:
                        publish()
                        last = now
        with lock:
            publish()

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(8)
    with lock:
        publish()
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def cmd_send(addr, port, nbytes, secs):
    deadline = time.monotonic() + float(secs)
    # Random bytes: iodine and dns2tcp compress, a pattern would shrink to nothing.
    data = random.Random(20240501).randbytes(int(nbytes))
    res = {"connected": False, "handed": 0, "error": ""}
    s = None
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection((addr, int(port)),
                                         timeout=max(0.1, deadline - time.monotonic()))
            break
        except ConnectionRefusedError:
            # The local end of a tunnel client may still be opening its port.
            time.sleep(0.2)
        except OSError as e:
            res["error"] = str(e)
            break
    if s is not None:
        res["connected"] = True
        try:
            while res["handed"] < len(data):
                left = deadline - time.monotonic()
                if left <= 0:
                    res["error"] = "deadline"
                    break
                s.settimeout(left)
                res["handed"] += s.send(data[res["handed"]:res["handed"] + 16384])
        except OSError as e:
            res["error"] = str(e) or type(e).__name__
        # Keep the connection open until the deadline: closing early would let a tunnel
        # client drop data still buffered in it.
        left = deadline - time.monotonic()
        if left > 0 and res["handed"] == len(data):
            try:
                s.shutdown(socket.SHUT_WR)
                s.settimeout(left)
                s.recv(1)
            except OSError:
                pass
        s.close()
    print(json.dumps(res))


def read_state(state):
    try:
        with open(state) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def cmd_wait_bytes(state, nbytes, secs):
    t0 = time.monotonic()
    n = 0
    while True:
        n = read_state(state)
        el = time.monotonic() - t0
        if n >= int(nbytes):
            print("%d %.1f" % (n, el))
            return
        if el >= float(secs):
            print("%d %.1f" % (n, float(secs)))
            return
        time.sleep(0.1)


# ---- benign names --------------------------------------------------------------------------

SYL = ["ka", "lo", "mi", "ra", "te", "no", "vi", "su", "pe", "da", "zen", "tor", "mar", "bel",
       "lin", "cor", "sha", "fen", "gal", "wik", "ber", "dor", "al", "ex", "on", "is"]
HOSTS = ["www", "mail", "api", "cdn", "static", "img", "login", "auth", "m", "shop", "blog",
         "docs", "news", "video", "assets", "ws", "push", "metrics", "status", "support",
         "app", "help", "media", "files", "search", "smtp", "imap", "vpn", "git", "wiki",
         "portal", "store", "account", "images", "js", "css", "fonts", "beta", "dev", "test"]
B32 = "abcdefghijklmnopqrstuvwxyz234567"
HEX = "0123456789abcdef"
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def rnd_str(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def cmd_gen_benign(d):
    os.makedirs(d, exist_ok=True)
    r = random.Random(53)
    zones = {}   # zone -> list of local-data lines
    queries = []  # (name, type)
    n_plain = 0   # queries so far that are ordinary names (the rest are look-alikes)

    def add(zone, name, rtype, rdata, ttl=300):
        zones.setdefault(zone, []).append("%s. %d IN %s %s" % (name, ttl, rtype, rdata))
        queries.append((name, rtype))

    def v4(i):
        return "192.0.2.%d" % (i % 254 + 1) if i % 2 else "198.51.100.%d" % (i % 254 + 1)

    # Ordinary sites: pronounceable names under .example, hosts from a common vocabulary.
    sites = set()
    while len(sites) < 90:
        sites.add("".join(r.choice(SYL) for _ in range(r.randint(2, 4))) + ".example")
    i = 0
    for site in sorted(sites):
        hosts = r.sample(HOSTS, r.randint(12, 30))
        for h in hosts:
            name = "%s.%s" % (h, site)
            i += 1
            add(site, name, "A", v4(i))
            if i % 4 == 0:
                add(site, name, "AAAA", "2001:db8::%x" % i)
            if i % 9 == 0:
                add(site, "img%d.%s" % (i % 7, name), "CNAME", name + ".")
        add(site, site, "MX", "10 mail.%s." % site)
        add(site, site, "TXT", '"v=spf1 mx -all"')
        # A name the zone does not have: NXDOMAIN is an answer too.
        queries.append(("nosuch%d.%s" % (i, site), "A"))
    n_plain = len(queries)

    # Look-alikes under allow-listed suffixes (config/allowlist): hashes, reversed addresses,
    # CDN edge names. They must pass untouched.
    for k in range(150):
        zone = "avts.mcafee.com" if k % 2 else "avqs.mcafee.com"
        name = "0.0.0.0.1.0.0.4e.%s.%s" % (rnd_str(r, B32, 26), zone)
        add(zone, name, "A", "127.0.%d.%d" % (k % 4, k % 200 + 1))
    for k in range(100):
        zone = "sophosxl.net"
        name = "%s.%s.h.%s" % (rnd_str(r, HEX, 32), rnd_str(r, HEX, 16), zone)
        add(zone, name, "A", "127.0.0.1")
    for k in range(100):
        zone = "malware.hash.cymru.com"
        add(zone, "%s.%s" % (rnd_str(r, HEX, 32), zone), "TXT", '"1700000000 %d"' % (k % 90))
    for k in range(150):
        zone = "zen.spamhaus.org"
        name = "%d.%d.%d.%d.%s" % (r.randint(1, 254), r.randint(0, 255), r.randint(0, 255),
                                  r.randint(1, 223), zone)
        if k % 3 == 0:
            add(zone, name, "A", "127.0.0.%d" % (2 + k % 9))
        else:
            zones.setdefault(zone, [])
            queries.append((name, "A"))  # not listed: NXDOMAIN, the usual DNSBL answer
    for k in range(100):
        zone = "100.51.198.in-addr.arpa"
        add(zone, "%d.%s" % (k + 1, zone), "PTR", "host%d.example.com." % k)
    for k in range(100):
        zone = "8.b.d.0.1.0.0.2.ip6.arpa"
        nib = ".".join(rnd_str(r, HEX, 24))
        add(zone, "%s.%s" % (nib, zone), "PTR", "v6host%d.example.com." % k)
    for k in range(100):
        zone = "akamaiedge.net"
        add(zone, "e%d.%s.%s" % (r.randint(1, 99999), r.choice(["a", "b", "dscb", "dsce", "x"]),
                                 zone), "A", v4(k))
    for k in range(100):
        zone = "cloudfront.net"
        add(zone, "d%s.%s" % (rnd_str(r, ALNUM, 13), zone), "A", v4(k + 7))
    for k in range(100):
        zone = "googlevideo.com"
        add(zone, "rr%d---sn-%s.%s" % (r.randint(1, 5), rnd_str(r, ALNUM, 8), zone), "A", v4(k + 3))

    # Look-alikes NOT on the allow list: the detector itself must let them pass.
    for k in range(100):
        zone = "googlesyndication.com"
        add(zone, "%s.safeframe.%s" % (rnd_str(r, HEX, 32), zone), "A", v4(k + 11))
    for k in range(100):
        zone = "amazonaws.com"
        add(zone, "ec2-%d-%d-%d-%d.eu-west-1.compute.%s" % (
            r.randint(3, 99), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254), zone),
            "A", v4(k + 13))
    site_list = sorted(sites)
    for k in range(50):
        site = site_list[k % len(site_list)]
        key = rnd_str(r, B32.upper() + B32 + "+/", 200)
        add(site, "s%d._domainkey.%s" % (k, site), "TXT", '"v=DKIM1; k=rsa; p=%s"' % key)
    for k in range(50):
        site = site_list[(k * 7) % len(site_list)]
        add(site, "_acme-challenge.%s.%s" % (r.choice(HOSTS), site), "TXT",
            '"%s"' % rnd_str(r, ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 43))
    for k in range(50):
        site = site_list[(k * 3) % len(site_list)]
        u = rnd_str(r, HEX, 32)
        add(site, "%s-%s-%s-%s-%s.cloudapp.%s" % (u[:8], u[8:12], u[12:16], u[16:20], u[20:],
                                                   site), "A", v4(k + 17))

    # Duplicate local-data (same name chosen twice) would make unbound refuse the file.
    seen = set()
    with open(os.path.join(d, "benign-zones.conf"), "w") as f:
        f.write("# generated by e2e_tunnels.py gen-benign (benign names and look-alikes)\n")
        for zone in sorted(zones):
            f.write('local-zone: "%s." static\n' % zone)
            for line in zones[zone]:
                if line in seen:
                    continue
                seen.add(line)
                q = "'" if '"' in line else '"'
                f.write("local-data: %s%s%s\n" % (q, line, q))
    n_all = len(queries)
    r.shuffle(queries)
    with open(os.path.join(d, "queries.txt"), "w") as f:
        for name, t in queries:
            f.write("%s %s\n" % (name, t))
    with open(os.path.join(d, "sample.txt"), "w") as f:
        for name, t in queries[::7]:
            f.write("%s %s\n" % (name, t))
    print("%d names (%d look-alikes), %d local zones" % (n_all, n_all - n_plain, len(zones)))


def cmd_dnsperf(path):
    txt = open(path).read()
    def grab(label):
        m = re.search(r"%s:\s+([0-9.]+)" % label, txt)
        return m.group(1) if m else "?"
    print(grab("Queries sent"), grab("Queries completed"), grab("Queries lost"),
          grab("Queries per second"))


def cmd_events(path, client, domain, action, would):
    n = 0
    example = ""
    try:
        lines = open(path).read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        df = ev.get("dnsfence", {})
        if (ev.get("src_ip") == client and df.get("regdomain") == domain and
                action in ("any", df.get("action")) and would in ("any", df.get("would"))):
            n += 1
            example = example or ev.get("dns", {}).get("rrname", "")
    print(n, example[:80] or "-")


def cmd_refused(pcap, domain):
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-Y", "dns", "-T", "fields", "-E", "separator=\t",
         "-e", "frame.time_epoch", "-e", "ip.src", "-e", "udp.srcport", "-e", "udp.dstport",
         "-e", "dns.id", "-e", "dns.flags.response", "-e", "dns.flags.rcode",
         "-e", "dns.qry.name"],
        capture_output=True, text=True, check=True).stdout
    dom = domain.lower().rstrip(".")
    queries = []   # (time, key)
    answers = {}   # key -> set of rcodes
    first_refused = None
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 8:
            continue
        t, _src, sport, dport, did, resp, rcode, qname = f[:8]
        qn = qname.lower().rstrip(".")
        if not (qn == dom or qn.endswith("." + dom)):
            continue
        if resp in ("1", "True"):
            key = (dport, did)
            answers.setdefault(key, set()).add(int(rcode or 0))
            if int(rcode or 0) == 5 and first_refused is None:
                first_refused = float(t)
        else:
            queries.append((float(t), (sport, did)))
    n_ref = sum(1 for v in answers.values() if 5 in v)
    n_other = sum(1 for v in answers.values() if 5 not in v)
    unanswered = 0
    if first_refused is not None:
        unanswered = sum(1 for t, k in queries if t > first_refused and k not in answers)
    print(len(queries), n_ref, n_other, unanswered)


def cmd_event_summary(path):
    groups = {}
    for line in open(path):
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        df = ev.get("dnsfence", {})
        if df.get("regdomain", "").endswith(".test"):
            continue
        key = (df.get("reason"), ev.get("dns", {}).get("rrtype"))
        g = groups.setdefault(key, [0, []])
        g[0] += 1
        if len(g[1]) < 3:
            g[1].append("%s (score %s, model %s)" % (ev.get("dns", {}).get("rrname"),
                                                     df.get("score"), df.get("model_score")))
    for (reason, rrtype), (n, ex) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        print("%d x reason %s, %s: %s" % (n, reason, rrtype, "; ".join(ex)))


def cmd_benign_pcap(d, out, loops, qps):
    from scapy.all import DNS, DNSQR, IP, UDP, Ether, PcapWriter
    qs = [line.split() for line in open(os.path.join(d, "queries.txt")) if line.strip()]
    w = PcapWriter(out, sync=False)
    t0 = 1700000000.0
    for i in range(len(qs) * int(loops)):
        name, qtype = qs[i % len(qs)]
        p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
             IP(src="10.53.0.1", dst="10.53.0.2") / UDP(sport=40000 + i % 4, dport=53) /
             DNS(id=i & 0xFFFF, rd=1, qd=DNSQR(qname=name, qtype=qtype)))
        p.time = t0 + i / float(qps)
        w.write(p)
    w.close()


ID_RE = re.compile(r"\bid: \d+")


def cmd_normalize(path):
    for line in open(path):
        print(ID_RE.sub("id: X", line.rstrip("\n")))


def main():
    a = sys.argv[1:]
    cmds = {
        "sink": (cmd_sink, 3), "send": (cmd_send, 4), "wait-bytes": (cmd_wait_bytes, 3),
        "gen-benign": (cmd_gen_benign, 1), "dnsperf": (cmd_dnsperf, 1),
        "events": (cmd_events, 5), "refused": (cmd_refused, 2), "normalize": (cmd_normalize, 1),
        "event-summary": (cmd_event_summary, 1), "benign-pcap": (cmd_benign_pcap, 4),
    }
    if not a or a[0] not in cmds or len(a) - 1 != cmds[a[0]][1]:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cmds[a[0]][0](*a[1:])


if __name__ == "__main__":
    main()
