#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: events.syslog.

A replay of a capture with deny-listed queries (one per listed domain, so no event is rate
limited) and benign ones, with events.syslog set to a datagram socket this test binds itself
(standing in for /dev/log). Checks:
  - one syslog datagram per event, in order; each is "<PRI>Mmm dd hh:mm:ss dnsfence[PID]: JSON"
    with PRI 28 (daemon.warning) for a dropped packet and 29 (daemon.notice) for one only logged
    (monitor mode), PID the replay's, and the JSON identical to the event log's line;
  - the number of messages equals the summary's events;
  - a syslog socket that does not exist is one warning and the replay still runs (exit 0);
  - a relative events.syslog path fails --check with exit 2 and one line naming the key.
Usage: test_syslog.py DNSFENCE REPO_ROOT
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

DNSFENCE = os.path.abspath(sys.argv[1])
REPO = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(REPO, "tools"))
import mkpcap  # noqa: E402

DENY = ["a-evil.test", "b-evil.test", "c-evil.test", "d-evil.test"]
failures = []
MSG = re.compile(r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d dnsfence\[(\d+)\]: (\{.*\})$")


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, file=sys.stderr)
    return cond


def replay(d, cfg, cap, tag):
    events = os.path.join(d, "events-%s.jsonl" % tag)
    prefix = "dnsf_test_syslog_%d_%s" % (os.getpid(), tag)
    cmd = [DNSFENCE, "-c", cfg, "--replay", cap, "--passed", os.path.join(d, "p-%s.pcap" % tag),
           "--events", events, "--file-prefix", prefix]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    sys.stderr.write(p.stderr[-2000:])
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    summary = json.loads(lines[-1]) if lines else {}
    ev = open(events).read().splitlines() if os.path.exists(events) else []
    return p, summary, ev


def config(d, tag, syslog, mode="inline"):
    path = os.path.join(d, "%s.yaml" % tag)
    with open(path, "w") as f:
        f.write("mode: %s\nlists: { deny: deny.txt }\n" % mode)
        f.write("detection: { enabled: false, action: drop }\n")
        f.write("events: { syslog: \"%s\" }\n" % syslog)
    return path


def main():
    d = tempfile.mkdtemp(prefix="dnsf-syslog.")
    try:
        with open(os.path.join(d, "deny.txt"), "w") as f:
            f.write("\n".join(DENY) + "\n")
        c = mkpcap.Capture()
        c.dns("www.example.com")
        for name in DENY:
            c.dns("x." + name, expect="drop", response=False)
        c.dns("www.example.org")
        cap = os.path.join(d, "in.pcap")
        c.write(cap)

        for mode, pri in (("inline", 28), ("monitor", 29)):
            sock_path = os.path.join(d, "log-%s.sock" % mode)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sock_path)
            s.setblocking(False)
            p, summary, ev = replay(d, config(d, mode, sock_path, mode), cap, mode)
            check(p.returncode == 0, "%s: exit status %d" % (mode, p.returncode))
            msgs = []
            while True:
                try:
                    msgs.append(s.recv(65536).decode())
                except BlockingIOError:
                    break
            s.close()
            check(summary.get("events") == len(DENY),
                  "%s: summary events %s, expected %d" % (mode, summary.get("events"), len(DENY)))
            check(len(msgs) == len(ev) == len(DENY),
                  "%s: %d syslog messages, %d event log lines, expected %d" % (
                      mode, len(msgs), len(ev), len(DENY)))
            for k, m in enumerate(msgs):
                g = MSG.match(m)
                if not check(g is not None, "%s: message %d is not syslog framing: %r" % (mode, k, m[:120])):
                    continue
                check(int(g.group(1)) == pri, "%s: PRI %s, expected %d" % (mode, g.group(1), pri))
                check(int(g.group(2)) != os.getpid() and int(g.group(2)) > 0, "%s: bad PID" % mode)
                check(k < len(ev) and g.group(3) == ev[k],
                      "%s: message %d JSON differs from the event log line" % (mode, k))
                obj = json.loads(g.group(3))
                check(obj.get("dns", {}).get("rrname", "").endswith(DENY[k]),
                      "%s: message %d is not about %s: %s" % (mode, k, DENY[k], g.group(3)[:200]))
            print("ok: %s: %d syslog messages, PRI %d" % (mode, len(msgs), pri), file=sys.stderr)

        # No daemon at the path: a warning, the run goes on.
        p, summary, ev = replay(d, config(d, "nosock", os.path.join(d, "absent.sock")), cap, "nosock")
        check(p.returncode == 0, "absent socket: exit status %d" % p.returncode)
        check("events.syslog" in p.stderr and "warning" in p.stderr,
              "absent socket: no warning naming events.syslog")
        check(summary.get("events") == len(DENY) and len(ev) == len(DENY),
              "absent socket: events %s / %d lines" % (summary.get("events"), len(ev)))

        p = subprocess.run([DNSFENCE, "-c", config(d, "rel", "log.sock"), "--check"],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and "events.syslog" in p.stderr and p.stderr.count("\n") == 1,
              "relative events.syslog: exit %d, stderr %r" % (p.returncode, p.stderr))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("syslog: all checks passed", file=sys.stderr)


main()
