#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: hostile telemetry clients against a live dnsfence with traffic flowing
(docs/telemetry.md, "Parameters"; docs/robustness.md, "Hostile input beyond packets").

dnsfence runs live with the demo capture replayed endlessly into its inside port
(net_pcap infinite_rx: DNS, a tunnel, events) and a net_null sink outside. Then:
  - every /dnsfence/ command with hostile parameters (empty, negative, 2^64, 10^30, 900
    digits, non-numeric, signs, spaces, hex, commas, unicode, control bytes): the documented
    reply or null, decided per command, never a crash;
  - 12 clients at once (two over DPDK's limit of 10), half of them reconnecting for every
    request, a quarter closing without reading the reply, twice 1 s while traffic flows: every
    reply is valid JSON with no null, the process stays up, no control stall, RSS does not grow
    in the second round;
  - 200 SIGHUPs during all that: a few reloads, none refused or left pending, still running;
    SIGINT while clients keep asking ends it with exit 0 and the final line, its runtime
    directory removed.

Usage: test_telemetry_hostile.py DNSFENCE REPO_ROOT
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

DNSFENCE = os.path.abspath(sys.argv[1])
REPO = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, failures  # noqa: E402
import telsock  # noqa: E402

PREFIX = "dnsf_test_telhostile_%d" % os.getpid()
DEMO = os.path.join(REPO, "config", "demo.pcap")
NOPARAM = ("stats", "ports", "config", "flows", "lists")
HOSTILE = ["-1", "-0", "+1", " 1", "1 ", "0x10", "1e3", "abc", ",", ",,,", "1,2", "\u00e9\u00e8",
           "\x01", "\x7f", "score,", "info,-5", "score,0", "score,info", "1,score",
           "A" * 1000]
HUGE = ["18446744073709551616", "1" + "0" * 30, "9" * 900]


def ask(cmd):
    return telsock.tel(PREFIX, cmd)


def path():
    return os.path.join(telsock.runtime_dir(PREFIX), "dpdk_telemetry.v2")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def asan(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def params():
    """(command, expected) with expected one of "null", "reply", or a check function."""
    cases = []
    for c in NOPARAM:
        cases.append(("/dnsfence/" + c, "reply"))
        for p in HOSTILE + HUGE + ["1"]:
            cases.append(("/dnsfence/%s,%s" % (c, p), "null"))
    for p in HOSTILE + ["0"] + HUGE:
        cases.append(("/dnsfence/lcores," + p, "null"))  # lcore 0 is control, not a worker
    cases.append(("/dnsfence/lcores,1", lambda v: v.get("lcore") == 1 and "rx_packets" in v))
    for p in HOSTILE:
        cases.append(("/dnsfence/events," + p, "null"))
    cases.append(("/dnsfence/events,0", lambda v: v == {}))
    cases.append(("/dnsfence/events,1", lambda v: len(v) == 1))
    for p in HUGE:  # a count above the maximum is the maximum: every recent event
        cases.append(("/dnsfence/events," + p, lambda v: len(v) >= 1))
    for p in HOSTILE + ["0", "score,0"]:
        cases.append(("/dnsfence/top," + p, "null"))
    for p in HUGE + ["info," + HUGE[0]]:
        cases.append(("/dnsfence/top," + p, lambda v: v.get("count", -1) >= 1))
    cases.append(("/dnsfence/top,info,1", lambda v: v.get("by") == "info" and v["count"] == 1))
    return cases


def hammer(seconds):
    cmds = ["/dnsfence/" + c for c in NOPARAM] + [
        "/dnsfence/lcores", "/dnsfence/lcores,1", "/dnsfence/events", "/dnsfence/top",
        "/dnsfence/top,info,3", "/dnsfence/events,5"]
    res = {"ok": 0, "null": [], "bad": [], "full": 0}
    lock = threading.Lock()
    end = time.time() + seconds

    def client(k):
        s = None
        i = k
        while time.time() < end:
            try:
                if s is None:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    s.settimeout(5)
                    s.connect(path())
                    if not s.recv(4096):  # over DPDK's 10 clients: closed at once
                        with lock:
                            res["full"] += 1
                        s.close()
                        s = None
                        time.sleep(0.01)
                        continue
                c = cmds[i % len(cmds)]
                i += 1
                s.send(c.encode())
                if k % 4 == 3:  # goes away without reading the reply
                    s.close()
                    s = None
                    continue
                v = json.loads(s.recv(1 << 17).decode())[c.split(",")[0]]
                with lock:
                    if v is None:
                        res["null"].append(c)
                    else:
                        res["ok"] += 1
                if k % 2 == 0:
                    s.close()
                    s = None
            except (OSError, ValueError, KeyError) as e:
                # A refused connect (DPDK's listen backlog is 1) is the client's problem;
                # anything else is recorded.
                if not isinstance(e, (BlockingIOError, ConnectionRefusedError,
                                      ConnectionResetError, BrokenPipeError)):
                    with lock:
                        res["bad"].append(repr(e)[:100])
                if s is not None:
                    s.close()
                s = None
                time.sleep(0.005)
    ts = [threading.Thread(target=client, args=(k,)) for k in range(12)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def main():
    with tempfile.TemporaryDirectory(prefix="dnsf-telhostile-") as d:
        with open(os.path.join(d, "deny.txt"), "w") as f:
            f.write("dnsfence-demo.test\n")
        cfg = os.path.join(d, "t.yaml")
        with open(cfg, "w") as f:
            f.write(telsock.live_config("net_pcap0,rx_pcap=%s,infinite_rx=1" % DEMO,
                                        """lists: { allow: "", deny: deny.txt }
metrics: { listen: "" }
model: { path: "", required: false }
detection: { enabled: true, flow_entries: 4096, domain_entries: 1024,
             event_interval_seconds: 1 }
"""))
        p = subprocess.Popen([DNSFENCE, "-c", cfg, "--file-prefix", PREFIX],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            checks(p)
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
            try:
                out, err = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            # DPDK's own line for each client that left before its reply is not ours.
            sys.stderr.write("\n".join(ln for ln in err.splitlines()
                                       if "Error writing to socket" not in ln)[-1000:] + "\n")
            lines = [ln for ln in out.splitlines() if ln.startswith("{")]
            final = json.loads(lines[-1]) if lines else {}
            check(p.returncode == 0 and final.get("rx_packets", 0) > 0 and
                  final.get("mbufs_in_use") == 0,
                  "SIGINT: exit %s, final line %s" % (p.returncode, str(final)[:300]))
            check(not os.path.exists(telsock.runtime_dir(PREFIX)),
                  "the live run left its runtime directory %s" % telsock.runtime_dir(PREFIX))
            shutil.rmtree(telsock.runtime_dir(PREFIX), ignore_errors=True)


def checks(p):
    end = time.time() + 30
    while time.time() < end:
        try:
            s = ask("/dnsfence/stats")
            if s and s.get("events", 0) > 0 and ask("/dnsfence/top").get("count", 0) > 0:
                break
        except (OSError, ValueError, AttributeError):
            pass
        time.sleep(0.1)
    else:
        check(False, "no traffic, events and top list within 30 s")
        return
    n_ok = 0
    for cmd, exp in params():
        try:
            v = ask(cmd)
        except (OSError, ValueError) as e:
            check(False, "%r: no reply (%r)" % (cmd[:60], e))
            continue
        if exp == "null":
            good = v is None
        elif exp == "reply":
            good = isinstance(v, dict) and len(v) > 0
        else:
            good = isinstance(v, dict) and exp(v)
        n_ok += check(good, "%r: got %s" % (cmd[:60], str(v)[:120]))
    print("ok: %d hostile parameter cases" % n_ok, file=sys.stderr)
    rss0 = rss_kb(p.pid)
    before = ask("/dnsfence/stats")
    # A burst of SIGHUPs (each a list reload and event log reopen): they coalesce into a few
    # reloads, none refused, none left pending.
    for _ in range(200):
        os.kill(p.pid, signal.SIGHUP)
    res = hammer(1.0)
    # The first round may grow RSS by a few MiB for good (a malloc arena for each client
    # thread DPDK starts, stacks); a leak would grow it again in the second.
    rss1 = rss_kb(p.pid)
    res2 = hammer(1.0)
    for k in ("ok", "full"):
        res[k] += res2[k]
    for k in ("null", "bad"):
        res[k] += res2[k]
    after = ask("/dnsfence/stats")
    rss2 = rss_kb(p.pid)
    print("hammer: %d replies, %d over the client limit, rss %d -> %d -> %d KiB" % (
        res["ok"], res["full"], rss0, rss1, rss2), file=sys.stderr)
    check(p.poll() is None, "dnsfence died under concurrent clients")
    check(res["ok"] > 100 and not res["null"] and not res["bad"],
          "hammer: %d ok, nulls %s, errors %s" % (res["ok"], res["null"][:3], res["bad"][:3]))
    check(after["rx_packets"] > before["rx_packets"], "traffic stopped during the hammer")
    check(after["control_stalls"] == 0 and after["stalled_workers"] == 0,
          "stalls under concurrent clients: %s" % {k: after[k] for k in (
              "control_stalls", "stalled_workers")})
    # Under AddressSanitizer freed memory sits in its quarantine (up to 256 MiB): RSS says
    # nothing there, LeakSanitizer at exit does the job instead.
    if not asan(p.pid):
        check(rss1 - rss0 < 32 * 1024 and rss2 - rss1 < 4 * 1024,
              "RSS %d -> %d -> %d KiB under concurrent clients" % (rss0, rss1, rss2))
    lists = ask("/dnsfence/lists")
    check(1 <= lists["reloads_ok"] <= 200 and lists["reloads_failed"] == 0 and
          lists["old_lists_pending"] == 0 and lists["last_reload"] == "ok",
          "200 SIGHUPs: %s" % {k: lists[k] for k in ("reloads_ok", "reloads_failed",
                                                      "old_lists_pending", "last_reload")})
    # The stop itself with clients still asking (replies race the ports closing and the app
    # retiring): main() checks the exit status and the final line.
    t = threading.Thread(target=hammer, args=(1.0,))
    t.start()
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    t.join()


main()
sys.exit(1 if failures else 0)
