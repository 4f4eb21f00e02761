#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: /dnsfence/top and /dnsfence/flows over the telemetry socket.

dnsfence runs live (so it stays up to be asked) with config/demo.pcap as its inside port
(net_pcap reads the file once, then the port is quiet) and a net_null sink outside. The demo
holds a real iodine tunnel (dnsfence-demo.test) among benign look-ups. Once every frame is in and
the workers have finished a top-list pass after that, the test asks the telemetry socket itself
(SOCK_SEQPACKET, the dpdk-telemetry protocol) and checks:
  - /dnsfence/top,info and /dnsfence/top,score: the tunnel's registered domain is first (held,
    score over the threshold, the most information by far), benign domains follow, each list is
    in its documented order, fields are sane; a count bounds the reply; a bad parameter is refused;
  - /dnsfence/flows: in use = inserts - evictions, totals = sum of the workers, the same counts as
    /dnsfence/stats, every live flow seen by the last pass, the tunnel's flow held;
  - /dnsfence/events: every event written, newest first, names the tunnel (rules); ",1" bounds it.

Usage: test_top.py DNSFENCE REPO_ROOT
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

DNSFENCE = os.path.abspath(sys.argv[1])
REPO = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(REPO, "tools"))
import mkpcap  # noqa: E402

TUNNEL = "dnsfence-demo.test"
DEMO = os.path.join(REPO, "config", "demo.pcap")
PREFIX = "dnsf_test_top_%d" % os.getpid()
from checks import check, failures, wait_for  # noqa: E402
import telsock  # noqa: E402


def runtime_dir():
    return telsock.runtime_dir(PREFIX)


def tel(cmd):
    """One request on a fresh connection (telsock.py); returns the JSON value."""
    return telsock.tel(PREFIX, cmd)


def entries(top):
    """The ranked entries of a /dnsfence/top reply, in rank order."""
    ranks = sorted(int(k) for k in top if k.isdigit())
    check(ranks == list(range(1, len(ranks) + 1)), "top: ranks are not 1..N: %s" % ranks)
    return [top[str(r)] for r in ranks]


def check_top(by, top, n_flows):
    es = entries(top)
    check(top.get("by") == by, "top,%s: by = %r" % (by, top.get("by")))
    check(top.get("count") == len(es), "top,%s: count %s, %d entries" % (by, top.get("count"),
                                                                         len(es)))
    check(top.get("published") == top.get("workers") == 1, "top,%s: %s" % (by, top))
    check(len(es) == min(16, n_flows), "top,%s: %d entries, %d flows" % (by, len(es), n_flows))
    if not check(es, "top,%s: empty" % by):
        return es
    first = es[0]
    check(first["regdomain"] == TUNNEL, "top,%s: first is %s, not the tunnel" % (
        by, first["regdomain"]))
    check(first["labelled"] == 1 and len(first["flow_key"]) == 16 and
          int(first["flow_key"], 16) != 0, "top,%s: tunnel label: %s" % (by, first))
    # A listed flow without a label (dnsf_top.h) has no client, no name and no peak score; the
    # demo's table holds fewer flows than the label store, so every flow has one.
    for e in es:
        check(e["labelled"] == 1, "top,%s: unlabelled entry: %s" % (by, e))
    check(len(set(e["flow_key"] for e in es)) == len(es), "top,%s: repeated flow keys" % by)
    check(first["client"] == "10.53.0.1", "top,%s: tunnel client %s" % (by, first["client"]))
    check(first["verdict"] == "held" and first["held"] == 1,
          "top,%s: tunnel flow not held: %s" % (by, first))
    check(first["score"] >= 100, "top,%s: tunnel score %s < threshold" % (by, first["score"]))
    check(first["queries"] >= 100 and first["distinct"] >= 32,
          "top,%s: tunnel queries/distinct too small: %s" % (by, first))
    check(first["first_seen_s"] * 1000000 <= first["last_seen_us"] <= top["as_of_us"],
          "top,%s: times out of order: %s" % (by, first))
    benign = [e for e in es[1:] if e["regdomain"] != TUNNEL]
    check(len(benign) >= 5, "top,%s: only %d benign domains below the tunnel" % (by,
                                                                                  len(benign)))
    check(any(e["regdomain"] == "example.com" for e in benign),
          "top,%s: example.com (benign, 26 queries) missing" % by)
    for e in benign:
        check(e["held"] == 0 and e["verdict"] == "none", "top,%s: benign held: %s" % (by, e))
        check(e["info_bytes"] * 10 < first["info_bytes"],
              "top,%s: benign %s carries over a tenth of the tunnel's information" % (
                  by, e["regdomain"]))
        check(e["score"] < first["score"], "top,%s: benign %s scores %d" % (
            by, e["regdomain"], e["score"]))
    # The documented order: score then information (by score), information then score (by info).
    keyf = ((lambda e: (e["score"], e["info_bytes"])) if by == "score"
            else (lambda e: (e["info_bytes"], e["score"])))
    for a, b in zip(es, es[1:]):
        check(keyf(a) >= keyf(b), "top,%s: %s before %s" % (by, a, b))
    return es


def main():
    n_frames = len(mkpcap.read_frames(DEMO))
    with tempfile.TemporaryDirectory(prefix="dnsf-top-") as d:
        cfg = os.path.join(d, "top.yaml")
        with open(cfg, "w") as f:
            # The demo capture through a live inside port, the rules decide alone.
            f.write(telsock.live_config(
                "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (DEMO, os.path.join(d, "inside-tx.pcap")),
                """lists: { allow: "", deny: "" }
model: { path: "", required: false }
hardening: { rare_types: false }
detection: { enabled: true, action: drop, flow_entries: 4096, domain_entries: 1024,
             hold_seconds: 300 }
"""))
        cmd = [DNSFENCE, "-c", cfg, "--file-prefix", PREFIX]
        print("run: " + " ".join(cmd), file=sys.stderr)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            run_checks(n_frames)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                out, err = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            sys.stderr.write(err[-1500:])
            check(p.returncode == 0, "dnsfence exit status %s" % p.returncode)
            shutil.rmtree(runtime_dir(), ignore_errors=True)


def run_checks(n_frames):
    stats = wait_for("all %d frames received" % n_frames,
                     lambda: (lambda s: s if s and s.get("rx_packets") == n_frames else None)(
                         tel("/dnsfence/stats")), 30)
    if stats is None:
        return
    # A pass that starts after the last packet: two more passes than now (one a second).
    p0 = tel("/dnsfence/flows")["1"]["scan_passes"]
    if wait_for("two more top-list passes", lambda: tel("/dnsfence/flows")["1"]["scan_passes"]
                >= p0 + 2, 10) is None:
        return
    stats = tel("/dnsfence/stats")
    flows = tel("/dnsfence/flows")
    print("flows: %s" % json.dumps(flows), file=sys.stderr)
    w = flows["1"]
    n_flows = flows["flows_in_use"]
    check(stats["rx_packets"] == n_frames, "frames arrived after the wait")
    check(stats["tunnel_detected"] >= 1, "the tunnel was not detected")
    for k in ("flow", "domain"):
        use = "flows_in_use" if k == "flow" else "domains_in_use"
        check(flows[use] == flows[k + "_inserts"] - flows[k + "_evictions"],
              "flows: %s %d != inserts - evictions" % (use, flows[use]))
        check(flows[k + "_inserts"] == stats[k + "_inserts"] and
              flows[k + "_evictions"] == stats[k + "_evictions"],
              "flows: %s counters differ from /dnsfence/stats" % k)
        for key in (use, k + "_inserts", k + "_evictions", k + "_no_room", k + "_capacity",
                    k + "_lookups"):
            check(flows[key] == w[key], "flows: total %s %s != worker's %s" % (
                key, flows[key], w[key]))
    check(flows["flow_capacity"] == 4096 and flows["domain_capacity"] == 1024,
          "flows: capacities %s/%s" % (flows["flow_capacity"], flows["domain_capacity"]))
    # Every DNS message looks its flow up once (the demo has no list hits, no malformed DNS).
    check(flows["flow_lookups"] == stats["dns_queries"] + stats["dns_responses"],
          "flows: %d look-ups, %d DNS messages" % (
              flows["flow_lookups"], stats["dns_queries"] + stats["dns_responses"]))
    check(flows["flow_evictions"] == 0 and flows["flow_no_room"] == 0,
          "flows: evictions/no room in a 4096-entry table")
    check(n_flows > 16, "flows: only %d flows (the demo has more than 16)" % n_flows)
    check(flows["flows_active"] == n_flows, "flows: last pass saw %d active of %d in use" % (
        flows["flows_active"], n_flows))
    check(flows["flows_held"] >= 1, "flows: no held flow")
    # The top list's label store (detection.top_labels, default 4096): fewer flows than labels,
    # so each flow got one when it was created; nothing was refused.
    check(flows["top_label_capacity"] == 4096 == w["top_label_capacity"],
          "flows: label capacity %s" % flows["top_label_capacity"])
    check(flows["top_labels_in_use"] == flows["top_label_inserts"] - flows["top_label_replaced"]
          and flows["top_label_inserts"] >= n_flows,
          "flows: labels in use %s, inserts %s, replaced %s, %d flows" % (
              flows["top_labels_in_use"], flows["top_label_inserts"],
              flows["top_label_replaced"], n_flows))
    check(flows["top_label_refused"] == 0, "flows: labels refused in the demo")

    top_info = tel("/dnsfence/top,info")
    top_score = tel("/dnsfence/top,score")
    print("top,info: %s" % json.dumps(top_info)[:1500], file=sys.stderr)
    ei = check_top("info", top_info, n_flows)
    es = check_top("score", top_score, n_flows)
    check(tel("/dnsfence/top")["by"] == "score", "top: the default order is not by score")
    # Both lists describe the same tunnel flow.
    if ei and es:
        check(ei[0] == es[0], "top: the tunnel entry differs between the lists")
    t3 = tel("/dnsfence/top,info,3")
    check(t3 is not None and t3.get("count") == 3 and [e["regdomain"] for e in entries(t3)] ==
          [e["regdomain"] for e in ei[:3]], "top,info,3: %s" % t3)
    for bad in ("/dnsfence/top,bogus", "/dnsfence/top,0", "/dnsfence/top,info,-1"):
        check(tel(bad) is None, "%s was not refused" % bad)

    # /dnsfence/events: keyed by sequence number, newest first, all of them here (few events).
    n_ev = stats["events_written"]
    ev = tel("/dnsfence/events")
    seqs = sorted((int(k) for k in ev), reverse=True)
    check(n_ev >= 1 and seqs == list(range(n_ev - 1, -1, -1)),
          "events: sequence numbers %s, %d written" % (seqs, n_ev))
    for k, e in ev.items():
        check(e["regdomain"] == TUNNEL and e["client"] == "10.53.0.1" and
              e["reason"] in ("rules", "verdict_cache") and e["action"] == "drop",
              "events: %s: %s" % (k, e))
    first = ev.get("0", {})
    check(first.get("reason") == "rules" and first.get("score", 0) >= 100 and
          any(f.startswith("f_") for f in first), "events: the first is not the rules verdict "
          "with its features: %s" % first)
    ev1 = tel("/dnsfence/events,1")
    check(list(ev1) == [str(n_ev - 1)], "events,1: %s" % list(ev1))


main()
if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("top: all checks passed", file=sys.stderr)
