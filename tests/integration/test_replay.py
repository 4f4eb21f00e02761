#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: the replay path, checked packet by packet.

Builds a capture with tools/mkpcap.py from known packets (non-DNS of many kinds, benign DNS over
UDP/TCP/IPv4/IPv6/VLAN/QinQ/IP options/IPv6 extension headers, deny-listed names and their
answers, allow-listed names below a deny-listed parent, look-alike names that must NOT match,
malformed DNS of every kind, fragmented answers), writes a config with its own allow and deny
lists and detection off (lists only), and runs `dnsfence --replay` twice (malformed: drop /
fragments: pass, then malformed: pass / fragments: drop). Each run must:
  - write to the passed pcap exactly the frames expected to pass, byte-identical, in order;
  - write to the dropped pcap exactly the frames expected to be dropped, in order;
  - print a summary whose counters equal the numbers derived from the manifest;
  - log one event line per deny-listed message that names it (or none are lost).
A third run adds --linger: once the capture is through, the Prometheus endpoint still answers
with the final counts (equal to the summary printed at the end), and SIGTERM ends the linger
at once with exit status 0.

Usage: test_replay.py DNSFENCE REPO_ROOT
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(REPO, "tools"))
import mkpcap  # noqa: E402

PROM_CHECK = os.path.join(REPO, "tests", "integration", "prom_check.py")

DENY = ["evil.example", "blocked.test", "tunnel.example.net"]
ALLOW = ["good.evil.example", "ok.blocked.test"]

from checks import check, failures, free_port  # noqa: E402


def under(name, suffixes):
    name = name.lower().rstrip(".")
    return any(name == s or name.endswith("." + s) for s in suffixes)


def build():
    c = mkpcap.Capture()
    # Non-DNS first: ARP, ICMP, TCP, UDP on other ports, IPv6, VLAN, QinQ, LLDP, GRE, TCP
    # handshake on port 53, DNS-looking payload on port 5300.
    for k in mkpcap.NON_DNS_KINDS:
        c.non_dns(k)
    # Benign DNS in every layering.
    c.dns("www.example.com")
    c.dns("example.org", qtype="AAAA", ipv6=True)
    c.dns("mail.example.net", qtype="TXT", vlan=[10])
    c.dns("x.example.net", vlan=[100, 200], tcp=True)
    c.dns("opt.example.com", ip_options=True, edns=True)
    c.dns("ext6.example.com", qtype="AAAA", ipv6=True, ipv6_exthdr=True)
    c.dns("www.example.com", rcode=3, answers=[], note="NXDOMAIN answer")
    # Names that look like the deny list but are not under it (whole-label matching).
    c.dns("notevil.example", note="label boundary")
    c.dns("evil.example.org", note="deny suffix in the middle")
    c.dns("xevil.example", vlan=[5])
    # Deny-listed: apex, below, mixed case, every layering, answer without its query.
    c.dns("evil.example", expect="drop")
    c.dns("x.evil.example", expect="drop")
    c.dns("WWW.Evil.EXAMPLE", expect="drop", note="case-insensitive")
    c.dns("a.b.c.d.evil.example", qtype="TXT", expect="drop", vlan=[7])
    c.dns("v6.blocked.test", qtype="AAAA", expect="drop", ipv6=True, ipv6_exthdr=True)
    c.dns("q.blocked.test", expect="drop", vlan=[100, 200])
    c.dns("tcp.evil.example", expect="drop", tcp=True)
    c.dns("data.tunnel.example.net", qtype="TXT", expect="drop", query=False,
          note="response only")
    c.dns("tunnel.example.net", qtype="NULL", expect="drop", response=False,
          note="query only")
    # Allow list below a deny-listed parent: allow wins.
    c.dns("good.evil.example", note="allow apex under deny")
    c.dns("www.good.evil.example", note="allow under deny")
    c.dns("x.ok.blocked.test", ipv6=True, note="allow under deny, IPv6")
    c.dns("Deep.Good.Evil.Example", vlan=[3], tcp=True, note="allow, mixed case")
    # Fragmented answers: the first fragment is judged by its name, the rest by policy.
    c.fragmented_response("big.example.com")
    c.fragmented_response("big.evil.example", expect="drop")
    c.fragmented_response("big6.example.org", ipv6=True)
    # Malformed DNS of every kind.
    for k in mkpcap.MALFORMED_KINDS:
        c.malformed(k)
    c.non_dns("icmp", note="after the malformed ones: order must hold")
    return c


def expected(manifest, malformed_action, fragment_action):
    """Per-packet verdict and the summary counters the manifest implies."""
    verdicts = []
    cnt = dict(packets_in=0, passed=0, dropped=0, refused=0, dns_queries=0, dns_responses=0,
               malformed=0, non_dns=0, fragments=0, allowlisted=0, denylisted=0)
    for m in manifest:
        cnt["packets_in"] += 1
        cls = m["cls"]
        if cls == "non_dns":
            cnt["non_dns"] += 1
            v = "pass"
        elif cls == "malformed":
            cnt["malformed"] += 1
            v = malformed_action
        elif cls == "tcp_partial":
            v = "pass"
        elif cls == "fragment":
            cnt["fragments"] += 1
            v = fragment_action
        else:
            cnt["dns_queries" if m["query"] else "dns_responses"] += 1
            if under(m["name"], ALLOW):
                cnt["allowlisted"] += 1
                v = "pass"
            elif under(m["name"], DENY):
                cnt["denylisted"] += 1
                v = "drop"
            else:
                v = "pass"
            # The spec says the same as the lists (guards the test itself).
            if m["expect"] != v:
                raise SystemExit("test bug: packet %d (%s) spec says %s, lists say %s"
                                 % (m["index"], m["name"], m["expect"], v))
        cnt["passed" if v == "pass" else "dropped"] += 1
        verdicts.append(v)
    return verdicts, cnt


def write_config(d, malformed_action, fragment_action, tag, metrics=""):
    with open(os.path.join(d, "deny.txt"), "w") as f:
        f.write("# test deny list\n" + "\n".join(DENY) + "\n")
    with open(os.path.join(d, "allow.txt"), "w") as f:
        f.write("# test allow list\n" + "\n".join(ALLOW) + "\n")
    path = os.path.join(d, "replay-%s.yaml" % tag)
    with open(path, "w") as f:
        f.write("""# integration test: lists only
mode: inline
dns:
  ports: [53]
  tcp: true
policy:
  malformed: %s
  fragments: %s
lists:
  allow: allow.txt
  deny: deny.txt
telemetry: false
metrics:
  listen: "%s"
detection:
  enabled: false
  action: drop
""" % (malformed_action, fragment_action, metrics))
    return path


def describe(manifest, i):
    m = manifest[i]
    return "#%d %s/%s %s%s" % (i, m["cls"], m["kind"], m["name"] or "",
                               (" (" + m["note"] + ")") if m["note"] else "")


def compare(label, got, want, want_idx, manifest):
    """got/want: lists of frame bytes; want_idx: capture index of each wanted frame."""
    ok = check(len(got) == len(want), "%s: %d frames, expected %d" % (label, len(got), len(want)))
    for k in range(min(len(got), len(want))):
        if got[k] != want[k]:
            # Say which input frame it is, if any, to tell reordering from rewriting.
            where = [describe(manifest, j) for j in want_idx if frames_in[j] == got[k]]
            check(False, "%s: frame %d differs from expected %s; it is %s" % (
                label, k, describe(manifest, want_idx[k]),
                where[0] if where else "no input frame (rewritten?)"))
            ok = False
            break
    if len(got) != len(want):
        got_set = set(got)
        missing = [describe(manifest, j) for j, w in zip(want_idx, want) if w not in got_set]
        want_set = set(want)
        extra = [g for g in got if g not in want_set]
        if missing:
            check(False, "%s: missing %s" % (label, "; ".join(missing[:8])))
        if extra:
            names = []
            for g in extra[:8]:
                idx = [describe(manifest, j) for j in range(len(frames_in)) if frames_in[j] == g]
                names.append(idx[0] if idx else "an unknown frame")
            check(False, "%s: unexpected %s" % (label, "; ".join(names)))
    return ok


def series_sum(series, name, **labels):
    """Sum of the samples of one family whose labels include `labels`."""
    total = 0
    for key, val in series.items():
        fam, _, lab = key.partition("{")
        if fam == name and all('%s="%s"' % kv in lab for kv in labels.items()):
            total += val
    return total


def scrape_while_lingering(p, url, tag, n_frames):
    """Poll GET /metrics until every frame has been counted; return the last page's series."""
    deadline = time.time() + 40
    series = None
    while time.time() < deadline and p.poll() is None:
        r = subprocess.run([sys.executable, PROM_CHECK, url], capture_output=True, text=True)
        if r.returncode == 0:
            series = json.loads(r.stdout)["series"]
            if series_sum(series, "dnsfence_rx_packets_total") == n_frames:
                return series
        time.sleep(0.5)
    check(False, "%s: /metrics never counted all %d frames (last: %s, exit %s)"
          % (tag, n_frames, series and series_sum(series, "dnsfence_rx_packets_total"),
             p.poll()))
    return None


def run(d, cap_path, manifest, malformed_action, fragment_action, tag, linger=0):
    url = None
    if linger:
        url = "http://127.0.0.1:%d/metrics" % free_port()
    cfg = write_config(d, malformed_action, fragment_action, tag,
                       url.split("/")[2] if url else "")
    passed = os.path.join(d, "passed-%s.pcap" % tag)
    dropped = os.path.join(d, "dropped-%s.pcap" % tag)
    events = os.path.join(d, "events-%s.jsonl" % tag)
    cmd = [DNSFENCE, "-c", cfg, "--replay", cap_path, "--passed", passed, "--dropped", dropped,
           "--events", events, "--file-prefix", "dnsf_test_replay_%d_%s" % (os.getpid(), tag)]
    if linger:
        cmd += ["--linger", str(linger)]
    print("run: " + " ".join(cmd), file=sys.stderr)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    series = None
    try:
        if linger:
            series = scrape_while_lingering(p, url, tag, len(manifest))
            t0 = time.time()
            p.send_signal(signal.SIGTERM)
        stdout, stderr = p.communicate(timeout=40)
        if linger:
            check(time.time() - t0 < 10, "%s: SIGTERM did not end the linger promptly" % tag)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        check(False, "%s: dnsfence --replay did not finish within 40 s" % tag)
        return
    finally:
        # The EAL runtime directory of this run is ours to remove: under our prefix, or under
        # "dnsf<pid>", the name dnsfence picks for a replay when it does not use ours.
        for name in ("dnsf_test_replay_%d_%s" % (os.getpid(), tag), "dnsf%d" % p.pid):
            shutil.rmtree("/var/run/dpdk/" + name, ignore_errors=True)
    p.stdout, p.stderr = stdout, stderr
    sys.stderr.write(p.stderr[-3000:])
    if not check(p.returncode == 0, "%s: exit status %d" % (tag, p.returncode)):
        return
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not check(len(lines) >= 1, "%s: no JSON summary on stdout: %r" % (tag, p.stdout)):
        return
    summary = json.loads(lines[-1])
    print("%s summary: %s" % (tag, lines[-1]), file=sys.stderr)
    if series is not None:
        # The page served after the end of the capture holds the final numbers.
        for fam, key in (("dnsfence_rx_packets_total", "packets_in"),
                         ("dnsfence_dropped_packets_total", "dropped"),
                         ("dnsfence_denylisted_total", "denylisted"),
                         ("dnsfence_malformed_total", "malformed")):
            check(series_sum(series, fam) == summary.get(key),
                  "%s: /metrics %s = %s, summary %s = %s"
                  % (tag, fam, series_sum(series, fam), key, summary.get(key)))
        check(series_sum(series, "dnsfence_verdicts_total", action="drop") ==
              series_sum(series, "dnsfence_verdict_drop_total"),
              "%s: dnsfence_verdicts_total{action=drop} disagrees with verdict_drop" % tag)

    verdicts, cnt = expected(manifest, malformed_action, fragment_action)
    for k, v in cnt.items():
        check(summary.get(k) == v, "%s: summary %s = %s, expected %d" % (tag, k, summary.get(k), v))
    check(summary.get("events_lost", 0) == 0, "%s: events_lost %s" % (tag, summary.get("events_lost")))
    check(summary.get("tx_full_dropped", 0) == 0,
          "%s: tx_full_dropped %s" % (tag, summary.get("tx_full_dropped")))

    pass_idx = [i for i, v in enumerate(verdicts) if v == "pass"]
    drop_idx = [i for i, v in enumerate(verdicts) if v == "drop"]
    compare(tag + ": passed.pcap", mkpcap.read_frames(passed), [frames_in[i] for i in pass_idx],
            pass_idx, manifest)
    compare(tag + ": dropped.pcap", mkpcap.read_frames(dropped),
            [frames_in[i] for i in drop_idx], drop_idx, manifest)
    # Non-DNS explicitly: every one of them, in order, byte for byte, in the passed capture.
    got = mkpcap.read_frames(passed)
    nd = [frames_in[i] for i, m in enumerate(manifest) if m["cls"] == "non_dns"]
    check([g for g in got if g in set(nd)] == nd, "%s: non-DNS frames not all passed "
          "byte-identical and in order" % tag)

    # Events: one per deny-listed message (none rate-limited here: each flow is new or the
    # packets of one flow are the query and its answer), each naming a deny-listed name.
    with open(events) as f:
        ev = [json.loads(ln) for ln in f if ln.strip()]
    check(len(ev) == summary.get("events"), "%s: %d event lines, summary says %s"
          % (tag, len(ev), summary.get("events")))
    check(1 <= len(ev) <= cnt["denylisted"], "%s: %d events for %d deny-listed messages"
          % (tag, len(ev), cnt["denylisted"]))
    for e in ev:
        name = (e.get("dns") or {}).get("rrname", "")
        reason = (e.get("dnsfence") or {}).get("reason")
        check(reason == "denylist" and under(name, DENY) and not under(name, ALLOW),
              "%s: unexpected event %s" % (tag, json.dumps(e)))


DNSFENCE = os.path.abspath(sys.argv[1])
cap = build()
frames_in = [f for f, _ in cap.frames]
with tempfile.TemporaryDirectory(prefix="dnsf-replay-") as d:
    cap_path = os.path.join(d, "in.pcap")
    cap.write(cap_path)
    cap.write_manifest(os.path.join(d, "in.json"))
    check(mkpcap.read_frames(cap_path) == frames_in, "mkpcap: capture does not read back")
    print("capture: %d frames" % len(frames_in), file=sys.stderr)
    run(d, cap_path, cap.manifest, "drop", "pass", "a")
    run(d, cap_path, cap.manifest, "pass", "drop", "b")
    run(d, cap_path, cap.manifest, "drop", "pass", "c", linger=60)
    if failures and os.environ.get("DNSF_KEEP"):
        shutil.copytree(d, os.environ["DNSF_KEEP"], dirs_exist_ok=True)

if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("replay: all checks passed", file=sys.stderr)
