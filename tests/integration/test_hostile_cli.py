#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: hostile input that is not a packet — the command line, the --replay file,
outputs that cannot be written, and signals during a replay (docs/robustness.md, "Hostile
input beyond packets").

Each case runs the real binary and asserts its defined outcome:
  - captures that cannot be replayed (empty, header cut, not a capture, a directory, a link type
    other than Ethernet, a record claiming over 256 KiB, a broken pcapng) exit 2 with one
    line naming the problem, before EAL, leaving no output file;
  - captures that can (header only, cut inside the last record, nanosecond and big-endian pcap,
    pcapng, timestamps backwards, scattered or invalid, records of 0 bytes, caplen > len, 9000
    and 70000 bytes) replay with the counts the
    base capture gives, a warning line where something is skipped, no crash (a record over
    64 KiB used to crash net_pcap's TX) and no mbuf left out;
  - options given twice, outputs naming the input, the config or each other, a prefix with
    '/', a missing value: exit 2, one line, nothing destroyed;
  - an event log, summary or capture that cannot be written (/dev/full, a closed pipe, a full
    file system): exit 1 and one line saying which (a closed pipe used to kill the process
    with SIGPIPE and leave its EAL runtime directory behind);
  - SIGINT and SIGTERM in the middle of a replay and during --linger: exit 0, the summary
    line, the runtime directory removed.

Usage: test_hostile_cli.py DNSFENCE REPO_ROOT
"""

import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

DNSFENCE = os.path.abspath(sys.argv[1])
REPO = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(REPO, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkpcap  # noqa: E402
from checks import check, failures  # noqa: E402
import telsock  # noqa: E402

N_DENY = 60  # deny-listed queries: the dropped capture outgrows a 4 KiB file system


def base_frames():
    cap = mkpcap.Capture()
    for i in range(4):
        cap.dns("www%d.example.com" % i, answers=["192.0.2.%d" % (i + 1)])
    for i in range(N_DENY):
        cap.dns("x%d.evil.example" % i, expect="drop", response=False)
    cap.non_dns("arp")
    return [(data, t) for data, t in cap.frames]


def pcap_bytes(frames, magic=0xA1B2C3D4, endian="<", link=1, recs=None):
    """A pcap file; recs overrides the records as (caplen, len, data)."""
    nano = magic == 0xA1B23C4D
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 262144, link)]
    if recs is None:
        recs = [(len(d), len(d), d, t) for d, t in frames]
    for r in recs:
        caplen, length, data = r[0], r[1], r[2]
        t = r[3] if len(r) > 3 else 1700000000.0
        sec = int(t)
        frac = int(round((t - sec) * (1e9 if nano else 1e6)))
        out.append(struct.pack(endian + "IIII", sec, frac, caplen, length) + data)
    return b"".join(out)


def pcapng_bytes(frames, link=1, shb_cut=False, bad_block=False):
    def block(btype, body):
        pad = (-len(body)) % 4
        n = 12 + len(body) + pad
        return struct.pack("<II", btype, n) + body + b"\0" * pad + struct.pack("<I", n)

    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    if shb_cut:
        return shb[:20]
    out = [shb, block(1, struct.pack("<HHI", link, 0, 262144))]
    if bad_block:
        out.append(struct.pack("<II", 6, 0))
    for data, t in frames:
        us = int(round(t * 1e6))
        out.append(block(6, struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF, len(data),
                                        len(data)) + data))
    return b"".join(out)


def count_records(path):
    """Records of a pcap in our byte order (what net_pcap writes), without scapy: fast."""
    with open(path, "rb") as f:
        data = f.read()
    off, k = 24, 0
    while off + 16 <= len(data):
        off += 16 + struct.unpack_from("<I", data, off + 8)[0]
        k += 1
    return k if off == len(data) else -1


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def runtime_dir_left(pid):
    """The replay's own EAL runtime directory (dnsf<pid>) is still there."""
    return os.path.exists(telsock.runtime_dir("dnsf%d" % pid))


class Run:
    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        self.summary = json.loads(lines[-1]) if lines else None
        # Lines of our own (EAL's and DPDK's log lines are not dnsfence's to shape); the
        # watchdog speaks when a loaded machine keeps the worker off its core for a second,
        # which says nothing about the input.
        self.lines = [ln for ln in err.splitlines() if ln.startswith("dnsfence:") and
                      not ln.startswith("dnsfence: watchdog:")]


def run(args, timeout=60, stdout=subprocess.PIPE):
    p = subprocess.run([DNSFENCE] + args, stdout=stdout, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    return Run(args, p.returncode, p.stdout or "", p.stderr)


def refused(label, r, phrase, leftovers=()):
    ok = check(r.rc == 2, "%s: exit %s, expected 2 (stderr %r)" % (label, r.rc, r.err[-400:]))
    ok &= check(len(r.lines) == 1 and phrase in r.lines[0],
                "%s: want one line with %r, got %r" % (label, phrase, r.lines))
    for f in leftovers:
        ok &= check(not os.path.exists(f), "%s: left %s behind" % (label, f))
    if ok:
        print("ok (exit 2) %s: %s" % (label, r.lines[0]), file=sys.stderr)


def main():
    frames = base_frames()
    n = len(frames)
    with tempfile.TemporaryDirectory(prefix="dnsf-hostile-") as d:
        P = lambda name: os.path.join(d, name)  # noqa: E731
        write(P("deny.txt"), b"evil.example\n")
        cfg = P("h.yaml")
        with open(cfg, "w") as f:
            f.write("eal: [\"--no-huge\", \"-m\", \"256\", \"--log-level=lib.eal:notice\"]\n"
                    "mode: inline\nlists: { allow: \"\", deny: deny.txt }\n"
                    "telemetry: true\nmetrics: { listen: \"\" }\n"
                    "detection: { enabled: false }\n")
        base = write(P("base.pcap"), pcap_bytes(frames))

        def replay(inp, extra=(), tag="r", **kw):
            return run(["-c", cfg, "--replay", inp, "--passed", P(tag + "-p.pcap"),
                        "--dropped", P(tag + "-d.pcap")] + list(extra), **kw)

        ref = replay(base, tag="base")
        if not check(ref.rc == 0 and ref.summary and ref.summary["packets_in"] == n,
                     "base replay: exit %s, %s" % (ref.rc, ref.summary)):
            return
        want = {k: ref.summary[k] for k in ("packets_in", "passed", "dropped", "denylisted")}
        check(want["dropped"] == N_DENY, "base: dropped %s, want %d" % (want["dropped"], N_DENY))
        print("base: %s" % want, file=sys.stderr)

        # -- captures that cannot be replayed: exit 2, one line, nothing left --------------
        bad = [
            ("empty file", b"", "too short to be a pcap file"),
            ("pcap header cut at 12 bytes", pcap_bytes(frames)[:12], "file header cut short"),
            ("a text file", b"hello, world\n" * 4, "not a pcap or pcapng file"),
            ("link type 101 (raw IP)", pcap_bytes([(d[14:], t) for d, t in frames], link=101),
             "link type 101, not Ethernet"),
            ("link type 113 (Linux cooked, tcpdump -i any)", pcap_bytes(frames, link=113),
             "link type 113, not Ethernet"),
            ("record 2 claims 300000 bytes",
             pcap_bytes(None, recs=[(len(frames[0][0]), len(frames[0][0]), frames[0][0]),
                                    (300000, 300000, b"\0" * 300000),
                                    (len(frames[1][0]), len(frames[1][0]), frames[1][0])]),
             "claims 300000 bytes"),
            ("pcapng cut inside its section header", pcapng_bytes(frames, shb_cut=True),
             "section header cut short"),
            ("pcapng interface of link type 113", pcapng_bytes(frames, link=113),
             "link type 113, not Ethernet"),
            ("pcapng block of length 0", pcapng_bytes(frames, bad_block=True), "has length 0"),
        ]
        for i, (label, data, phrase) in enumerate(bad):
            inp = write(P("bad%d.pcap" % i), data)
            r = replay(inp, tag="bad")
            refused(label, r, phrase, leftovers=(P("bad-p.pcap"), P("bad-d.pcap")))
        os.mkdir(P("adir"))
        refused("a directory", replay(P("adir"), tag="bad"), "not a regular file")

        # -- captures that can: the base's counts, warnings where something is skipped -----
        def same(label, r, delta_in=0, delta_pass=0, warn=None, extra_keys=None):
            s = r.summary or {}
            ok = check(r.rc == 0 and r.summary is not None,
                       "%s: exit %s, stderr %r" % (label, r.rc, r.err[-400:]))
            got = {k: s.get(k) for k in want}
            exp = dict(want, packets_in=want["packets_in"] + delta_in,
                       passed=want["passed"] + delta_pass)
            ok &= check(got == exp, "%s: %s, want %s" % (label, got, exp))
            ok &= check(s.get("mbufs_in_use") == 0, "%s: mbufs_in_use %s" % (
                label, s.get("mbufs_in_use")))
            for k, v in (extra_keys or {}).items():
                ok &= check(s.get(k) == v, "%s: %s = %s, want %s" % (label, k, s.get(k), v))
            if warn is None:
                ok &= check(not r.lines, "%s: unexpected lines %r" % (label, r.lines))
            else:
                ok &= check(len(r.lines) == 1 and "warning" in r.lines[0] and warn in r.lines[0],
                            "%s: want one warning with %r, got %r" % (label, warn, r.lines))
            if ok:
                print("ok %s: %s%s" % (label, got, (" / " + r.lines[0]) if r.lines else ""),
                      file=sys.stderr)

        last = frames[-1][0]
        whole = pcap_bytes(frames)
        # The last frame is the ARP (passed); cut it and the rest is replayed.
        r = replay(write(P("hdr.pcap"), whole[:24]))
        check(r.rc == 0 and r.summary and r.summary["packets_in"] == 0 and not r.lines,
              "header only: exit %s, %s, %r" % (r.rc, r.summary, r.lines))
        same("cut inside the last record's data", replay(write(P("cut1.pcap"), whole[:-5])),
             delta_in=-1, delta_pass=-1, warn="ends inside record %d" % n)
        same("cut inside the last record's header",
             replay(write(P("cut2.pcap"), whole[:-(len(last) + 6)])),
             delta_in=-1, delta_pass=-1, warn="ends inside record %d" % n)
        same("nanosecond pcap", replay(write(P("nano.pcap"), pcap_bytes(frames,
                                                                       magic=0xA1B23C4D))))
        same("big-endian pcap", replay(write(P("be.pcap"), pcap_bytes(frames, endian=">"))))
        same("pcapng", replay(write(P("ng.pcapng"), pcapng_bytes(frames))))
        ng = pcapng_bytes(frames)
        same("pcapng cut inside its last block", replay(write(P("ngcut.pcapng"), ng[:-3])),
             delta_in=-1, delta_pass=-1, warn="ends inside record %d" % n)
        # Capture time is packet time for the engine: backwards, scattered or invalid (tv_usec
        # over a second) must not matter to list verdicts, nor crash anything.
        rnd = [(len(dd), len(dd), dd, float((i * 2654435761) % 2**32)) for i, (dd, _) in
               enumerate(frames)]
        same("timestamps running backwards", replay(write(P("tsrev.pcap"), pcap_bytes(
            None, recs=[(len(dd), len(dd), dd, 1800000000.0 - i) for i, (dd, _) in
                        enumerate(frames)]))))
        same("timestamps scattered over 2^32 s", replay(write(P("tsrnd.pcap"), pcap_bytes(
            None, recs=rnd))))
        raw = bytearray(pcap_bytes(frames))
        off = 24
        while off < len(raw):  # tv_sec 0, tv_usec 0xffffffff: not a valid time at all
            struct.pack_into("<II", raw, off, 0, 0xFFFFFFFF)
            off += 16 + struct.unpack_from("<I", raw, off + 8)[0]
        same("tv_sec 0, tv_usec 2^32-1", replay(write(P("tsbad.pcap"), bytes(raw))))
        recs = [(len(dd), len(dd), dd) for dd, _ in frames]
        f0 = frames[4][0]  # a benign query: passes
        for label, extra_rec, key in (
                ("a record of 0 bytes", (0, 0, b""), None),
                ("caplen > len", (len(f0), 20, f0), None),
                ("a 9000-byte frame (chained, decided)", (9000, 9000, f0 + b"\0" * (9000 - len(f0))),
                 {"bad_chain_dropped": 0}),
        ):
            same(label, replay(write(P("x.pcap"), pcap_bytes(None, recs=recs[:3] + [extra_rec]
                                                               + recs[3:]))),
                 delta_in=1, delta_pass=1, extra_keys=key)
        big = (70000, 70000, f0 + b"\0" * (70000 - len(f0)))
        same("a 70000-byte record (net_pcap's chain is short: dropped, counted)",
             replay(write(P("big.pcap"), pcap_bytes(None, recs=recs[:3] + [big] + recs[3:]))),
             delta_in=1, warn="longer than 65535 bytes", extra_keys={"bad_chain_dropped": 1})

        # -- the command line ----------------------------------------------------------------
        refused("--replay twice", run(["-c", cfg, "--replay", base, "--replay", base,
                                       "--passed", P("o.pcap")]), "--replay given twice",
                leftovers=(P("o.pcap"),))
        refused("-c twice", run(["-c", cfg, "--config", cfg, "--check"]), "--config given twice")
        refused("--passed without its value", run(["-c", cfg, "--replay", base, "--passed"]),
                "--passed")
        refused("--file-prefix with '/'", run(["-c", cfg, "--replay", base, "--passed",
                                               P("o.pcap"), "--file-prefix", "../x"]),
                "--file-prefix")
        refused("--passed in a missing directory", run(["-c", cfg, "--replay", base, "--passed",
                                                        P("nodir/o.pcap")]),
                "No such file or directory")
        h0, c0 = sha(base), sha(cfg)
        refused("--passed is the --replay input", run(["-c", cfg, "--replay", base, "--passed",
                                                        base]), "name the same file")
        refused("--dropped is --passed", run(["-c", cfg, "--replay", base, "--passed",
                                               P("o.pcap"), "--dropped", P("o.pcap")]),
                "name the same file", leftovers=(P("o.pcap"),))
        refused("--events is the config", run(["-c", cfg, "--replay", base, "--passed",
                                                P("o.pcap"), "--events", cfg]),
                "name the same file")
        check(sha(base) == h0 and sha(cfg) == c0, "an input was written over")

        # -- outputs that cannot be written: exit 1, one line ------------------------------
        r = replay(base, extra=["--events", "/dev/full"])
        check(r.rc == 1 and r.summary and r.summary["event_log_errors"] > 0 and
              any("event log failed" in ln for ln in r.lines),
              "--events /dev/full: exit %s, %s, %r" % (r.rc, r.summary, r.lines))
        with open("/dev/full", "w") as full:
            r = run(["-c", cfg, "--replay", base, "--passed", P("o.pcap")], stdout=full)
        check(r.rc == 1 and any("standard output: write error" in ln for ln in r.lines),
              "summary to /dev/full: exit %s, %r" % (r.rc, r.lines))
        # A reader that goes away: EPIPE is a counted write error, not a SIGPIPE death.
        p = subprocess.Popen([DNSFENCE, "-c", cfg, "--replay", base, "--passed", P("o.pcap"),
                              "--events", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        p.stdout.close()
        err = p.stderr.read()
        rc = p.wait(timeout=60)
        check(rc == 1 and "standard output: write error" in err,
              "--events - into a closed pipe: exit %s, stderr %r" % (rc, err[-300:]))
        check(not runtime_dir_left(p.pid), "closed pipe: runtime directory left")
        if os.geteuid() == 0:
            small = P("small")
            os.mkdir(small)
            if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", small]
                              ).returncode == 0:
                try:
                    r = run(["-c", cfg, "--replay", base, "--passed", P("o.pcap"), "--dropped",
                             os.path.join(small, "d.pcap")])
                    check(r.rc == 1 and any("--dropped" in ln and "incomplete" in ln
                                            for ln in r.lines),
                          "--dropped on a full file system: exit %s, %r" % (r.rc, r.lines))
                finally:
                    subprocess.run(["umount", small])

        # A replay's runtime directory goes at the end with a prefix of its own too (it used to
        # stay: 6-11 MiB of maps on /run per replay).
        pfx = "dnsf_test_hostile_%d" % os.getpid()
        r = replay(base, extra=["--file-prefix", pfx])
        check(r.rc == 0 and not os.path.exists(telsock.runtime_dir(pfx)),
              "--file-prefix %s: exit %s, runtime directory left: %s" % (
                  pfx, r.rc, os.path.exists(telsock.runtime_dir(pfx))))
        refused("--file-prefix ..", run(["-c", cfg, "--replay", base, "--passed", P("o.pcap"),
                                         "--file-prefix", ".."]), "--file-prefix")

        # -- signals -----------------------------------------------------------------------
        # A capture long enough to be mid-run when the signal comes (~0.5 s of replay).
        bulk = [frames[4 + (i % 4)] for i in range(150000)]
        bigcap = write(P("bulk.pcap"), pcap_bytes(bulk))
        for sig in (signal.SIGINT, signal.SIGTERM):
            p = subprocess.Popen([DNSFENCE, "-c", cfg, "--replay", bigcap, "--passed",
                                  P("s.pcap")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
            prefix = "dnsf%d" % p.pid
            t_end = time.time() + 30
            while time.time() < t_end and p.poll() is None:
                try:
                    s = telsock.tel(prefix, "/dnsfence/stats")
                    if s and s.get("rx_packets", 0) > 0:
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.02)
            p.send_signal(sig)
            out, err = p.communicate(timeout=30)
            r = Run([], p.returncode, out, err)
            name = signal.Signals(sig).name
            s = r.summary or {}
            check(r.rc == 0 and 0 < s.get("packets_in", 0) < len(bulk) and
                  s.get("mbufs_in_use") == 0,
                  "%s mid-replay: exit %s, summary %s, stderr %r" % (name, r.rc, s, err[-300:]))
            check(not runtime_dir_left(p.pid), "%s: runtime directory left" % name)
            check(s.get("passed") == count_records(P("s.pcap")) if s else False,
                  "%s: passed %s, the capture holds another count" % (name, s.get("passed")))
            print("ok %s mid-replay: %d of %d in" % (name, s.get("packets_in", 0), len(bulk)),
                  file=sys.stderr)
        # --linger: SIGTERM ends the wait at once.
        p = subprocess.Popen([DNSFENCE, "-c", cfg, "--replay", base, "--passed", P("l.pcap"),
                              "--linger", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        t_end = time.time() + 30
        errbuf = ""
        while time.time() < t_end and "serving telemetry" not in errbuf:
            line = p.stderr.readline()
            if not line:
                break
            errbuf += line
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        r = Run([], p.returncode, out, errbuf + err)
        check(r.rc == 0 and r.summary and r.summary["packets_in"] == n and
              time.time() - t0 < 5,
              "--linger 60 + SIGTERM: exit %s after %.1f s, %s" % (r.rc, time.time() - t0,
                                                                   r.summary))


T0 = time.time()
main()
print("hostile_cli: %.1f s" % (time.time() - T0), file=sys.stderr)
if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
sys.exit(1 if failures else 0)
