#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: the watchdogs, live, on two net_null ports (no traffic needed).

Needs a build with -Dtest_hooks=true (the Makefile's): DNSF_TEST_STALL makes worker 0 sleep
2.5 s, 2 s after launch, and the control loop sleep 2.5 s, 6.5 s after launch. The test stands
in for systemd: it binds the NOTIFY_SOCKET datagram socket itself and sets WATCHDOG_USEC=200000
(so WATCHDOG=1 every 100 ms), and reads /dnsfence/stats over the telemetry socket every 100 ms.
Checks:
  - READY=1 first, WATCHDOG=1 pings, STOPPING=1 at SIGTERM;
  - worker stall: telemetry shows stalled_workers 1 and then 0 again; the log says the worker
    "has not polled" and "is running again"; no WATCHDOG=1 while the worker was seen stalled;
  - control stall: telemetry (served by DPDK's own thread) shows control_stalled 1 and
    control_stalls 1, then control_stalled 0; no WATCHDOG=1 for over 2 s across it; the log
    says "control loop did not run for N ms" with N >= 2400; the final line has
    control_stalls 1;
  - without the stall hooks nothing is stalled and the pings never pause.
Usage: test_watchdog.py DNSFENCE REPO_ROOT
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DNSFENCE = os.path.abspath(sys.argv[1])
from checks import check, failures  # noqa: E402


class Telemetry:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(2)
        self.s.connect(path)
        json.loads(self.s.recv(65536).decode())  # the greeting

    def get(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20).decode())[cmd]


def run(d, tag, stall, seconds):
    """One live run; returns (observations, pings, stderr, final line)."""
    prefix = "dnsf_test_wd_%d_%s" % (os.getpid(), tag)
    cfg = os.path.join(d, "wd.yaml")
    with open(cfg, "w") as f:
        f.write('eal: ["--no-huge", "-m", "256", "--log-level=lib.eal:notice"]\n'
                "mode: inline\n"
                "ports:\n"
                '  - { name: inside, device: "net_null0,no-rx=1" }\n'
                '  - { name: outside, device: "net_null1,no-rx=1" }\n'
                "pairs:\n  - { inside: inside, outside: outside }\n"
                "workers: { lcores: [1] }\n"
                "mempool: { mbufs: 4095, cache: 128 }\n"
                "rings: { rx_desc: 512, tx_desc: 512 }\n"
                "telemetry: true\n"
                'metrics: { listen: "" }\n'
                "detection: { enabled: false }\n")
    sock_path = os.path.join(d, "notify-%s.sock" % tag)
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(sock_path)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="200000")
    env.pop("WATCHDOG_PID", None)
    if stall:
        env["DNSF_TEST_STALL"] = stall
    else:
        env.pop("DNSF_TEST_STALL", None)
    err = open(os.path.join(d, "err-%s.txt" % tag), "w+")
    p = subprocess.Popen([DNSFENCE, "-c", cfg, "--file-prefix", prefix], env=env,
                         stdout=subprocess.PIPE, stderr=err, text=True)
    pings, obs = [], []  # (time, message); (time, stalled_workers, control_stalled, stalls)
    tel = None
    t0 = time.monotonic()

    def drain():
        while select.select([ns], [], [], 0)[0]:
            pings.append((time.monotonic() - t0, ns.recv(4096).decode()))

    try:
        tpath = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        while time.monotonic() - t0 < seconds:
            drain()
            if p.poll() is not None:
                break
            if tel is None and os.path.exists(tpath):
                try:
                    tel = Telemetry(tpath)
                except OSError:
                    tel = None
            if tel is not None:
                st = tel.get("/dnsfence/stats")
                if st and "stalled_workers" in st:
                    obs.append((time.monotonic() - t0, st["stalled_workers"],
                                st["control_stalled"], st["control_stalls"]))
            time.sleep(0.1)
        check(p.poll() is None, "%s: dnsfence exited early (%s)" % (tag, p.returncode))
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=30)
        drain()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        ns.close()
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    err.seek(0)
    log = err.read()
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    final = json.loads(lines[-1]) if lines else {}
    check(p.returncode == 0, "%s: exit status %s; stderr:\n%s" % (tag, p.returncode, log[-2000:]))
    return obs, pings, log, final


def stalled_spans(obs, col):
    """Time spans between consecutive observations that both show col == 1."""
    return [(a[0], b[0]) for a, b in zip(obs, obs[1:]) if a[col] == 1 and b[col] == 1]


def main():
    d = tempfile.mkdtemp(prefix="dnsf-wd.")
    try:
        obs, pings, log, final = run(d, "stall", "worker0@2000+2500,control@6500+2500", 11.0)
        msgs = [m for _, m in pings]
        wd = [t for t, m in pings if m == "WATCHDOG=1"]
        check(msgs[:1] == ["READY=1"], "first notification %r, expected READY=1" % msgs[:1])
        check(msgs[-1:] == ["STOPPING=1"], "last notification %r, expected STOPPING=1" % msgs[-1:])
        check(len(wd) >= 20, "only %d WATCHDOG=1 in 11 s at a 100 ms interval" % len(wd))
        check(len(obs) >= 40, "only %d telemetry readings" % len(obs))

        # Worker stall: seen, then gone; no ping while it was seen.
        ws = [i for i, o in enumerate(obs) if o[1] == 1]
        if check(ws, "telemetry never showed stalled_workers 1"):
            check(any(o[1] == 0 for o in obs[ws[-1]:]), "stalled_workers did not return to 0")
            check(all(o[2] == 0 for o in obs[: ws[0]]), "control_stalled before the control stall")
        for a, b in stalled_spans(obs, 1):
            bad = [t for t in wd if a < t < b]
            check(not bad, "WATCHDOG=1 at %s while the worker was stalled (%.2f..%.2f)" % (bad, a, b))
        check(re.search(r"watchdog: worker on lcore 1 has not polled for over 1 s", log),
              "no 'has not polled' log line")
        check(re.search(r"watchdog: worker on lcore 1 is running again", log),
              "no 'is running again' log line")

        # Control stall: seen by worker 0 through telemetry, counted once, cleared.
        cs = [i for i, o in enumerate(obs) if o[2] == 1]
        if check(cs, "telemetry never showed control_stalled 1"):
            check(obs[cs[0]][3] == 1, "control_stalls %s while stalled, expected 1" % obs[cs[0]][3])
            check(any(o[2] == 0 for o in obs[cs[-1]:]), "control_stalled did not return to 0")
            t_cs = obs[cs[0]][0]
            gaps = [(a, b) for a, b in zip(wd, wd[1:]) if a <= t_cs <= b]
            check(gaps and gaps[0][1] - gaps[0][0] >= 2.0,
                  "WATCHDOG=1 did not pause for 2 s across the control stall: %s" % gaps)
        m = re.search(r"watchdog: control loop did not run for (\d+) ms", log)
        check(m and int(m.group(1)) >= 2400, "control stall log line: %s" % (m and m.group(0)))
        check(final.get("control_stalls") == 1, "final control_stalls %s" % final.get("control_stalls"))
        check(wd and wd[-1] > 9.5, "WATCHDOG=1 did not resume after the control stall")
        print("ok: stall run: %d pings, %d readings, worker stalled %d readings, control %d; %s"
              % (len(wd), len(obs), len(ws), len(cs), m and m.group(0)), file=sys.stderr)

        # Control run: no hook, nothing stalled, pings never pause.
        obs, pings, log, final = run(d, "calm", "", 4.0)
        wd = [t for t, m in pings if m == "WATCHDOG=1"]
        check(len(obs) >= 15 and all(o[1] == 0 and o[2] == 0 for o in obs),
              "calm run: stalled readings %s" % [o for o in obs if o[1] or o[2]][:3])
        # Pings are due every 0.1 s; a busy machine (CI neighbours, a real-time benchmark on the
        # other core) can hold the control thread for most of a second, so the bound is set
        # between that and the >= 2 s pause a real stall makes (checked above).
        gap = max((b - a for a, b in zip(wd, wd[1:])), default=99)
        check(len(wd) >= 15 and gap < 1.5, "calm run: %d pings, longest gap %.2f s" % (len(wd), gap))
        check(final.get("control_stalls") == 0 and "watchdog:" not in log,
              "calm run: control_stalls %s, log %r" % (final.get("control_stalls"), log[-300:]))
        print("ok: calm run: %d pings, longest gap %.2f s" % (len(wd), gap), file=sys.stderr)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("skipped: needs root (DPDK runtime directory, telemetry socket)", file=sys.stderr)
        sys.exit(77)
    sys.exit(main())
