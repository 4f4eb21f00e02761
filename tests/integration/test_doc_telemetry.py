#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every telemetry command, every name a command returns and every metric is in the docs.

Taken from a running dnsfence, not from a list: it runs live (the demo capture on a net_pcap
inside port, so there are flows, a held tunnel and events; a net_null sink outside; the metrics
endpoint on a free loopback port; --stats-interval 1), and the test
  - asks "/" for the registered commands: every /dnsfence/ one needs its "### `/dnsfence/...`"
    section in docs/telemetry.md, and every such section a registered command;
  - calls each command (and /dnsfence/lcores,<lcore>, /dnsfence/top,info) and collects every
    dict key of the reply, recursively. Keys that are data, not names (lcore ids, ranks, event
    sequence numbers, the configured port names) are skipped; each other key must be written
    (in backquotes) in the command's section, or be a counter of the "## Counters" tables when
    the section says it returns every worker / shell counter. An event's f_<feature> keys need
    `f_<feature>` in the events section, and every feature name (FEAT_NAMES, tests/feat_names.c:
    all an event can carry, not only those the demo's events show) must be in docs/model.md's
    feature table or docs/detection.md;
  - every counter the tables document must be in /dnsfence/stats (no stale rows);
  - the periodic stats line (stderr), the final line at SIGTERM (stdout) and a replay's summary
    line: each key in "## Final and periodic statistics" or a counter;
  - scrapes /metrics (tests/integration/prom_check.py also checks the format): a family
    dnsfence_<counter>_total needs <counter> in the Counters tables (docs/telemetry.md promises
    that mapping), any other family its full name in docs/operations.md, "## Metrics".
Fails naming each undocumented name. A few seconds.

Usage: test_doc_telemetry.py DNSFENCE FEAT_NAMES REPO_ROOT
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

DNSFENCE, FEAT_NAMES, REPO = (os.path.abspath(a) for a in sys.argv[1:4])
sys.path.insert(0, os.path.join(REPO, "tools"))
import mkpcap  # noqa: E402
from checks import check, failures, free_port, wait_for  # noqa: E402
import telsock  # noqa: E402

DEMO = os.path.join(REPO, "config", "demo.pcap")
PROM = os.path.join(REPO, "tests", "integration", "prom_check.py")
PREFIX = "dnsf_test_doctel_%d" % os.getpid()
PORT_NAMES = {"inside", "outside"}


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def sections(text, level):
    """{heading line: body} of the sections of one level ("##" or "###")."""
    out, cur, fenced = {}, None, False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"(#+) (.*)$", line)
        if m and len(m.group(1)) <= len(level):
            cur = m.group(2) if len(m.group(1)) == len(level) else None
            if cur is not None:
                out[cur] = ""
            continue
        if cur is not None:
            out[cur] += line + "\n"
    return out


def names_in(text):
    """Every identifier written inside backquotes (spans may run over lines)."""
    out = set()
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # code blocks are not docs
    for span in re.findall(r"`([^`]*)`", text):
        out.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return out


def table_keys(text):
    """Backquoted names of the first column of every table row in text."""
    out = []
    for line in text.split("\n"):
        if line.startswith("|"):
            first = line.strip().strip("|").split("|")[0]
            out += re.findall(r"`([A-Za-z0-9_]+)`", first)
    return out


class Doc:
    def __init__(self):
        tel_md = read("docs/telemetry.md")
        top = sections(tel_md, "##")
        self.all = names_in(tel_md)
        counters = sections(top["Counters"], "###")
        self.worker = set(table_keys(next(b for h, b in counters.items()
                                          if h.startswith("Worker counters"))))
        self.shell = set(table_keys(next(b for h, b in counters.items()
                                         if h.startswith("Shell counters"))))
        check(len(self.worker) > 20 and len(self.shell) > 5,
              "docs/telemetry.md: the counter tables were not found (%d worker, %d shell rows)"
              % (len(self.worker), len(self.shell)))
        self.cmds = {}
        for h, body in sections(top["Commands"], "###").items():
            m = re.match(r"`(/dnsfence/[A-Za-z0-9_/]+)", h)
            if m:
                names = names_in(body)
                if "every worker" in body:
                    names |= self.worker
                if "shell counter" in body:
                    names |= self.shell
                self.cmds[m.group(1)] = (names, body)
        self.final = names_in(top["Final and periodic statistics"])
        ops = sections(read("docs/operations.md"), "##")
        self.metrics = names_in(ops.get("Metrics", ""))
        self.features = names_in(read("docs/detection.md")) | names_in(read("docs/model.md"))

    def counters(self):
        return self.worker | self.shell


def keys_of(v, out, path=""):
    """Every dict key under v, as {key: a path where it was seen}; data keys are walked into."""
    if isinstance(v, dict):
        for k, x in v.items():
            if k.isdigit() or k in PORT_NAMES:
                keys_of(x, out, path + "." + k)
            else:
                out.setdefault(k, path + "." + k)
                keys_of(x, out, path + "." + k)
    elif isinstance(v, list):
        for x in v:
            keys_of(x, out, path + "[]")
    return out


def source_keys():
    """The literal keys app/dnsf_telemetry.c adds to a reply (rte_tel_data_add_dict_*)."""
    src = read("app/dnsf_telemetry.c")
    keys = set(re.findall(r'rte_tel_data_add_dict_[a-z0-9]+\(\s*[a-z]+,\s*"([A-Za-z0-9_]+)"',
                          src))
    check(len(keys) > 50, "app/dnsf_telemetry.c: only %d literal keys found" % len(keys))
    return keys


def check_names(what, keys, documented, doc, where, events=False):
    n = 0
    for k, path in sorted(keys.items()):
        n += 1
        if events and k.startswith("f_"):
            check("f_" in documented and k[2:] in doc.features,
                  "%s: key %s (%s): f_<feature> not in %s, or feature %s in neither "
                  "docs/model.md nor docs/detection.md" % (what, k, path, where, k[2:]))
            continue
        check(k in documented, "%s: key %s (at %s) is not documented in %s" % (
            what, k, path, where))
    return n


def live(doc, d, n_frames):
    mport = free_port()
    cfg = os.path.join(d, "doctel.yaml")
    with open(cfg, "w") as f:
        # The demo capture through a live inside port.
        f.write(telsock.live_config(
            "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (DEMO, os.path.join(d, "inside-tx.pcap")),
            """lists: { allow: "", deny: "" }
events: { log: "%s" }
metrics: { listen: "127.0.0.1:%d" }
model: { path: "", required: false }
detection: { enabled: true, action: drop, flow_entries: 4096, domain_entries: 1024 }
""" % (os.path.join(d, "events.jsonl"), mport)))
    err_path = os.path.join(d, "stderr.txt")
    cmd = [DNSFENCE, "-c", cfg, "--file-prefix", PREFIX, "--stats-interval", "1"]
    print("run: " + " ".join(cmd), file=sys.stderr)
    with open(err_path, "w") as err_f:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_f, text=True)
    out = ""
    try:
        ask(doc, n_frames, mport)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        shutil.rmtree(telsock.runtime_dir(PREFIX), ignore_errors=True)
    check(p.returncode == 0, "dnsfence exit status %s" % p.returncode)
    with open(err_path) as f:
        err = f.read()
    periodic = [ln for ln in err.split("\n") if ln.startswith('{"stats":1')]
    finals = [ln for ln in out.split("\n") if ln.startswith("{")]
    if check(periodic, "no --stats-interval line on stderr: %s" % err[-1000:]):
        check_names("periodic stats line", keys_of(json.loads(periodic[-1]), {}),
                    doc.final | doc.counters(), doc,
                    'docs/telemetry.md, "Final and periodic statistics"')
    if check(len(finals) == 1, "final line on stdout: %r" % out[-500:]):
        check_names("final line", keys_of(json.loads(finals[0]), {}), doc.final | doc.counters(),
                    doc, 'docs/telemetry.md, "Final and periodic statistics"')


def ask(doc, n_frames, mport):
    tel = lambda c: telsock.tel(PREFIX, c)  # noqa: E731
    if wait_for("all %d frames received" % n_frames,
                lambda: tel("/dnsfence/stats")["rx_packets"] == n_frames, 30) is None:
        return
    # A top-list pass after the last frame, so /dnsfence/top and /dnsfence/flows are filled in.
    p0 = tel("/dnsfence/flows")["1"]["scan_passes"]
    wait_for("a top-list pass", lambda: tel("/dnsfence/flows")["1"]["scan_passes"] >= p0 + 2, 10)

    registered = sorted(c for c in tel("/") if c.startswith("/dnsfence/"))
    check(len(registered) >= 5, "/ lists only %s" % registered)
    for c in registered:
        check(c in doc.cmds, "command %s is registered but has no section in docs/telemetry.md"
              % c)
    for c in sorted(doc.cmds):
        check(c in registered, "docs/telemetry.md documents %s, which is not registered" % c)

    stats = tel("/dnsfence/stats")
    for c in sorted(doc.counters()):
        check(c in stats, "docs/telemetry.md documents counter %s, which /dnsfence/stats lacks"
              % c)
    lcore = next(k for k in tel("/dnsfence/lcores") if k.isdigit())
    n_keys, seen = 0, {}
    for c in registered + ["/dnsfence/lcores," + lcore, "/dnsfence/top,info"]:
        base = c.split(",")[0]
        reply = tel(c)
        if not check(isinstance(reply, dict) and reply, "%s: no reply: %r" % (c, reply)):
            continue
        check("starting" not in reply, "%s: still starting" % c)
        if c == "/dnsfence/events":
            check(any(k.isdigit() for k in reply), "/dnsfence/events: no event to check")
        if c == "/dnsfence/top":
            check(reply.get("count", 0) > 0, "/dnsfence/top: no entry to check")
        names, body = doc.cmds.get(base, (set(), ""))
        got = keys_of(reply, {})
        n_keys += check_names(c, got, names, doc, 'docs/telemetry.md, "%s"' % base,
                              events=base == "/dnsfence/events")
        seen.setdefault(base, set()).update(got)
    # Keys the code writes under conditions this run did not meet (the source's literal keys
    # that no reply had): each must still be named in the doc.
    returned = set().union(*seen.values()) if seen else set()
    for k in sorted(source_keys() - returned):
        check(k in doc.all, "app/dnsf_telemetry.c writes key %s (not returned in this run), "
              "which docs/telemetry.md does not name" % k)
    # The reverse: a key in the first column of a command's table that it never returns.
    for base in registered:
        for k in table_keys(doc.cmds.get(base, (set(), ""))[1]):
            check(k in seen.get(base, ()), "docs/telemetry.md, \"%s\": documents key %s, which "
                  "the command does not return" % (base, k))

    r = subprocess.run(["/usr/bin/python3", PROM, "http://127.0.0.1:%d/metrics" % mport],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
    if check(r.returncode == 0, "metrics: %s" % r.stderr.strip()):
        families = json.loads(r.stdout)["families"]
        check(len(families) > 20, "metrics: only %d families" % len(families))
        for fam in sorted(families):
            m = re.match(r"dnsfence_(.*)_total$", fam)
            if m and m.group(1) in doc.counters():
                continue
            check(fam in doc.metrics, "metric %s is not in docs/operations.md, \"Metrics\" (nor "
                  "dnsfence_<counter>_total of a counter in docs/telemetry.md)" % fam)
        print("metrics: %d families checked" % len(families), file=sys.stderr)
    print("telemetry: %d commands, %d keys checked" % (len(registered), n_keys), file=sys.stderr)


def replay(doc, d):
    cfg = os.path.join(d, "replay.yaml")
    with open(cfg, "w") as f:
        f.write('eal: ["--no-huge", "-m", "512", "--log-level=lib.eal:notice"]\n'
                'lists: { allow: "", deny: "" }\nmodel: { path: "", required: false }\n')
    r = subprocess.run([DNSFENCE, "-c", cfg, "--replay", DEMO, "--passed",
                        os.path.join(d, "passed.pcap")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    lines = [ln for ln in r.stdout.split("\n") if ln.startswith("{")]
    if check(r.returncode == 0 and len(lines) == 1, "replay: exit %d, stdout %r, stderr %s" % (
            r.returncode, r.stdout[-300:], r.stderr[-500:])):
        check_names("replay summary line", keys_of(json.loads(lines[0]), {}), doc.final, doc,
                    'docs/telemetry.md, "Final and periodic statistics"')


def main():
    doc = Doc()
    feats = subprocess.run([FEAT_NAMES], check=True, stdout=subprocess.PIPE,
                           text=True).stdout.split()
    check(len(feats) > 30, "FEAT_NAMES gave only %d names" % len(feats))
    for f in feats:
        check(f in doc.features, "feature %s (an event's f_%s) is in neither docs/model.md nor "
              "docs/detection.md" % (f, f))
    n_frames = len(mkpcap.read_frames(DEMO))
    with tempfile.TemporaryDirectory(prefix="dnsf-doctel-") as d:
        live(doc, d, n_frames)
        replay(doc, d)


main()
if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("doc_telemetry: every command, key and metric is documented", file=sys.stderr)
