#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: the README's main job on the bundled demo capture.

config/demo.pcap was recorded with real tools (tools/capture-demo.sh): benign look-ups answered
by unbound, look-alike names under allow-listed suffixes, and an iodine tunnel for
tun.dnsfence-demo.test. Two replays:

 1. exactly the README command: `dnsfence -c config/dnsfence.yaml --replay config/demo.pcap
    --passed ...`. The summary must be sane: packets_in equals the capture's packet count,
    the verdict counters add up, the class counters add up, and the output captures hold
    exactly what the summary says. Every benign DNS packet (query and answer) and every non-DNS
    packet passes byte for byte and in order; whatever is dropped belongs to the tunnel.
 2. the same config with config/demo-denylist as deny list: additionally every tunnel packet is
    dropped (list verdict), and the event log names the tunnel domain.
 3. the detector alone (rules, no lists, no QTYPE policy, no model): the tunnel is cut by
    detection within its first few dozen queries (at most CUT_WITHIN pass), nothing of it
    passes after the cut, every benign look-up passes, and the event says why (reason rules,
    the tunnel's registered domain).

Usage: test_demo.py DNSFENCE REPO_ROOT
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(sys.argv[2])
DNSFENCE = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(REPO, "tools"))
import mkpcap  # noqa: E402,F401  (silences scapy, fixes sys.path for Debian's scapy)

from scapy.layers.dns import DNS  # noqa: E402
from scapy.layers.inet import TCP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

TUNNEL = "dnsfence-demo.test"
CUT_WITHIN = 36  # "within its first few dozen queries" (issue 3); 7 pass as of this writing
DEMO = os.path.join(REPO, "config", "demo.pcap")
CONFIG = os.path.join(REPO, "config", "dnsfence.yaml")

from checks import check, failures  # noqa: E402


def qname_of(frame):
    """(kind, qname) of one frame: kind is 'dns' with the lower-cased QNAME, or 'other'."""
    p = Ether(frame)
    payload = None
    if UDP in p and 53 in (p[UDP].sport, p[UDP].dport):
        payload = bytes(p[UDP].payload)
    elif TCP in p and 53 in (p[TCP].sport, p[TCP].dport) and len(p[TCP].payload) > 2:
        payload = bytes(p[TCP].payload)[2:]
    if payload is None:
        return "other", None
    try:
        d = DNS(payload)
        name = d.qd.qname.decode("ascii", "replace").rstrip(".").lower() if d.qd else ""
    except Exception:  # scapy's own parse failing is not our verdict; keep it apart
        return "dns?", None
    return "dns", name


def is_tunnel(name):
    return name is not None and (name == TUNNEL or name.endswith("." + TUNNEL))


def replay(cfg, tag, d):
    out = {k: os.path.join(d, "%s-%s" % (tag, k)) for k in ("passed.pcap", "dropped.pcap",
                                                            "events.jsonl")}
    cmd = [DNSFENCE, "-c", cfg, "--replay", DEMO, "--passed", out["passed.pcap"], "--dropped",
           out["dropped.pcap"], "--events", out["events.jsonl"],
           "--file-prefix", "dnsf_test_demo_%d_%s" % (os.getpid(), tag)]
    print("run: " + " ".join(cmd), file=sys.stderr)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = p.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        check(False, "%s: replay did not finish within 40 s" % tag)
        return None
    finally:
        cleanup_runtime(tag, p.pid)
    p.stdout, p.stderr = stdout, stderr
    sys.stderr.write(p.stderr[-2000:])
    if not check(p.returncode == 0, "%s: exit status %d" % (tag, p.returncode)):
        return None
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not check(lines, "%s: no JSON summary on stdout: %r" % (tag, p.stdout)):
        return None
    print("%s summary: %s" % (tag, lines[-1]), file=sys.stderr)
    return json.loads(lines[-1]), out


def cleanup_runtime(tag, pid):
    # The EAL runtime directory of this run (telemetry socket, mp socket) is ours to remove:
    # under our --file-prefix, or under "dnsf<pid>", the name dnsfence picks for a replay
    # when it does not use ours.
    for name in ("dnsf_test_demo_%d_%s" % (os.getpid(), tag), "dnsf%d" % pid):
        shutil.rmtree("/var/run/dpdk/" + name, ignore_errors=True)


def judge(tag, s, out, frames, kinds, expect_tunnel_dropped):
    n = len(frames)
    check(s["packets_in"] == n, "%s: packets_in %s, the capture has %d" % (tag, s["packets_in"], n))
    check(s["passed"] + s["dropped"] + s["refused"] == s["packets_in"],
          "%s: passed+dropped+refused != packets_in" % tag)
    classes = s["dns_queries"] + s["dns_responses"] + s["malformed"] + s["non_dns"] + s["fragments"]
    check(classes == s["packets_in"], "%s: class counters add up to %d, packets_in %d"
          % (tag, classes, s["packets_in"]))
    for k in ("events_lost", "tx_full_dropped", "rx_nombuf"):
        check(s.get(k, 0) == 0, "%s: %s = %s" % (tag, k, s.get(k)))
    passed = mkpcap.read_frames(out["passed.pcap"])
    dropped = mkpcap.read_frames(out["dropped.pcap"])
    check(len(passed) == s["passed"] + s["refused"], "%s: passed.pcap has %d frames, summary "
          "passed %d + refused %d" % (tag, len(passed), s["passed"], s["refused"]))
    check(len(dropped) == s["dropped"] + s["refused"], "%s: dropped.pcap has %d frames, summary "
          "dropped %d + refused %d" % (tag, len(dropped), s["dropped"], s["refused"]))

    # Every benign DNS packet and every non-DNS packet passes, byte for byte, in order.
    must_pass = [f for f, (k, q) in zip(frames, kinds) if not is_tunnel(q) and k != "dns?"]
    mp = set(must_pass)
    check([f for f in passed if f in mp] == must_pass,
          "%s: benign DNS / non-DNS frames missing, altered or reordered in passed.pcap" % tag)
    benign_answers = sum(1 for f, (k, q) in zip(frames, kinds)
                         if k == "dns" and not is_tunnel(q) and DNS(bytes(qpayload(f))).qr == 1)
    print("%s: %d frames must pass (%d benign DNS answers among them)" % (
        tag, len(must_pass), benign_answers), file=sys.stderr)
    check(benign_answers >= 50, "%s: only %d benign answers in the demo" % (tag, benign_answers))
    # Whatever is dropped belongs to the tunnel.
    kind_of = dict(zip(frames, kinds))
    for f in dropped:
        k, q = kind_of.get(f, ("?", None))
        check(is_tunnel(q), "%s: dropped a non-tunnel frame (%s %s)" % (tag, k, q))
    tunnel = [f for f, (k, q) in zip(frames, kinds) if is_tunnel(q)]
    if expect_tunnel_dropped:
        check(dropped == tunnel, "%s: %d tunnel frames, %d dropped: not all tunnel frames were "
              "dropped in order" % (tag, len(tunnel), len(dropped)))
        check(s["denylisted"] == len(tunnel), "%s: denylisted %d, tunnel DNS packets %d"
              % (tag, s["denylisted"], len(tunnel)))
        with open(out["events.jsonl"]) as f:
            ev = [json.loads(ln) for ln in f if ln.strip()]
        check(len(ev) >= 1 and all(is_tunnel((e.get("dns") or {}).get("rrname", "").lower())
                                   for e in ev),
              "%s: events do not all name the tunnel domain (%d events)" % (tag, len(ev)))
    return tunnel


def qpayload(frame):
    p = Ether(frame)
    if UDP in p:
        return p[UDP].payload
    return bytes(p[TCP].payload)[2:]


frames = mkpcap.read_frames(DEMO)
kinds = [qname_of(f) for f in frames]
n_tunnel = sum(1 for _, q in kinds if is_tunnel(q))
n_benign = sum(1 for k, q in kinds if k == "dns" and not is_tunnel(q))
print("demo.pcap: %d frames, %d tunnel DNS, %d benign DNS, %d other" % (
    len(frames), n_tunnel, n_benign, len(frames) - n_tunnel - n_benign), file=sys.stderr)
check(500 <= len(frames) <= 5000, "demo.pcap has %d frames" % len(frames))
check(n_tunnel >= 100 and n_benign >= 100, "demo.pcap lacks tunnel or benign traffic")
check(all(k != "dns?" for k, _ in kinds), "scapy cannot parse some DNS packets of demo.pcap")

with tempfile.TemporaryDirectory(prefix="dnsf-demo-") as d:
    r = replay(CONFIG, "readme", d)
    if r:
        judge("readme", r[0], r[1], frames, kinds, expect_tunnel_dropped=False)

    # Same config, demo deny list: made by rewriting the two list paths to absolute ones.
    with open(CONFIG) as f:
        text = f.read()
    cdir = os.path.join(REPO, "config")
    text2, n_allow = re.subn(r"(?m)^(\s+allow:\s*)allowlist\s*$",
                             r"\g<1>" + os.path.join(cdir, "allowlist"), text)
    text2, n_deny = re.subn(r"(?m)^(\s+deny:\s*)denylist\s*$",
                            r"\g<1>" + os.path.join(cdir, "demo-denylist"), text2)
    # The shipped model (model.path: dnsfence.model) is relative to the config's directory too.
    text2 = re.sub(r"(?m)^(\s+path:\s*)dnsfence\.model\s*$",
                   r"\g<1>" + os.path.join(cdir, "dnsfence.model"), text2)
    if check(n_allow == 1 and n_deny == 1, "config/dnsfence.yaml no longer has 'allow: allowlist'"
             " and 'deny: denylist' under lists: update this test"):
        cfg2 = os.path.join(d, "demo-deny.yaml")
        with open(cfg2, "w") as f:
            f.write(text2)
        r = replay(cfg2, "demodeny", d)
        if r:
            judge("demodeny", r[0], r[1], frames, kinds, expect_tunnel_dropped=True)

def judge_detector(s, out, frames, kinds):
    """Run 3: detection alone cuts the tunnel early and lets every benign look-up through."""
    dropped = set(mkpcap.read_frames(out["dropped.pcap"]))
    tunnel_q = [f for f, (k, q) in zip(frames, kinds)
                if is_tunnel(q) and DNS(bytes(qpayload(f))).qr == 0]
    passed_at = [i for i, f in enumerate(tunnel_q) if f not in dropped]
    print("detector: %d tunnel queries, %d passed (indexes %s)" % (
        len(tunnel_q), len(passed_at), passed_at[:40]), file=sys.stderr)
    check(len(tunnel_q) >= 100, "detector: only %d tunnel queries" % len(tunnel_q))
    check(len(passed_at) <= CUT_WITHIN, "detector: %d tunnel queries passed (more than %d)" % (
        len(passed_at), CUT_WITHIN))
    # Once cut, cut for good: the passed ones are exactly the first ones.
    check(passed_at == list(range(len(passed_at))),
          "detector: tunnel queries passed after the cut: %s" % passed_at)
    benign = [f for f, (k, q) in zip(frames, kinds) if k == "dns" and not is_tunnel(q)]
    check(not any(f in dropped for f in benign), "detector: a benign DNS packet was dropped")
    check(s["allowlisted"] == 0 and s["denylisted"] == 0 and s["refused"] == 0,
          "detector: lists or the QTYPE policy took part: %s" % s)
    check(s["tunnel_detected"] >= 1, "detector: tunnel_detected = 0")
    with open(out["events.jsonl"]) as f:
        ev = [json.loads(ln) for ln in f if ln.strip()]
    check(ev and all(e["dnsfence"]["regdomain"] == TUNNEL and
                     e["dnsfence"]["reason"] in ("rules", "verdict_cache") for e in ev),
          "detector: events do not name the tunnel with reason rules: %s" % ev[:1])


with tempfile.TemporaryDirectory(prefix="dnsf-demo-det-") as d:
    cfg3 = os.path.join(d, "detector.yaml")
    with open(cfg3, "w") as f:
        f.write("""# test_demo: the detector alone
mode: inline
lists: { allow: "", deny: "" }
telemetry: false
model: { path: "", required: false }
hardening: { rare_types: false }
detection: { enabled: true, action: drop }
""")
    r = replay(cfg3, "detector", d)
    if r:
        judge_detector(r[0], r[1], frames, kinds)

if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("demo: all checks passed", file=sys.stderr)
