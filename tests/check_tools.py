#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the offline tools dnsfence-eval and dnsfence-train on captures built at test time.

  check_tools.py eval  DNSFENCE_EVAL REPO_ROOT
      Two captures built with tools/mkpcap.py (two clients, three tunnel sessions under two
      label suffixes, benign look-ups, non-DNS and malformed packets) go through dnsfence-eval
      with three configurations. The expected counts are derived here from mkpcap's manifests,
      independently of dnsfence:
        - lists only, nothing listed: every tunnel query passes, each session leaks the sum of
          its subdomain lengths, no benign query is dropped;
        - lists only, one tunnel domain on the deny list: its sessions are cut at their first
          query (latency 0, nothing leaked), the other passes whole;
        - the real detector (default rules): the long-name TXT session is cut within its first
          40 queries, no benign query dropped;
      and the first configuration again with --rename-base: same counts, no frame fed to the
      engine still names a label suffix, every checksum right (tshark, when installed).
  check_tools.py shipped DNSFENCE_EVAL MODEL_LOAD REPO_ROOT
      The shipped config/dnsfence.model loads with this build's feature schema (a feature change
      without `make model` fails here, not at a user's startup), and the shipped config with it
      cuts the tunnel of config/demo.pcap within 1 KiB while passing every benign look-up.
  check_tools.py train DNSFENCE_TRAIN MODEL_LOAD REPO_ROOT
      A toy training set (three tunnel "configurations" as capture files, one held out, plus
      synthetic benign clients from a small made-up name list): dnsfence-train must write a
      model that loads with this build's feature schema, separates the held-out part (tunnel
      recall >= 0.9 and benign FPR <= 0.01 at the default threshold), keep integer and float
      scores within its tolerance, and write byte-identical files when run twice with the same
      seed (and a different file with another seed).
"""

import base64
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))
from checks import check, failures  # noqa: E402


def mkpcap_module(repo):
    sys.path.insert(0, os.path.join(repo, "tools"))
    import mkpcap  # noqa: E402
    return mkpcap


def write_pcap(path, frames):
    """frames: list of (bytes, time) -> Ethernet pcap, in the given order."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for data, t in frames:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def tunnel_name(rng, suffix, nbytes, alphabet="b32"):
    raw = bytes(rng.getrandbits(8) for _ in range(nbytes))
    if alphabet == "b32":
        s = base64.b32encode(raw).decode().rstrip("=").lower()
    elif alphabet == "hex":
        s = raw.hex()
    else:
        s = base64.b64encode(raw).decode().rstrip("=").replace("+", "-").replace("/", "_")
    labels = [s[i:i + 60] for i in range(0, len(s), 60)]
    return ".".join(labels) + "." + suffix


def under(name, suffix):
    return name == suffix or name.endswith("." + suffix)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        print(p.stdout)
        print(p.stderr, file=sys.stderr)
    return p


# ------------------------------------------------------------------------------ eval

SUFFIX_A = "tun-a.example"
SUFFIX_B = "tun-b.example"


def build_eval_captures(mk, tmp):
    """Returns [(path, client, manifest)] for two captures."""
    rng = random.Random(4)
    # alpha: benign, tunnel A (TXT, long base32 names), non-DNS, malformed, tunnel B (CNAME,
    # short hex names), benign again.
    a = mk.Capture(t0=1700000000.0, client="10.53.0.1")
    a.dns("www.example.com")
    a.dns("example.org", qtype="AAAA", ipv6=True)
    a.non_dns("arp")
    a.non_dns("icmp")
    for _ in range(60):
        a.dns(tunnel_name(rng, SUFFIX_A, 60), qtype="TXT", answers=["ok"])
    a.malformed("ptr_loop")
    a.malformed("short")
    for _ in range(40):
        a.dns(tunnel_name(rng, SUFFIX_B, 6, "hex"), qtype="CNAME", answers=["x.example.com"])
    a.dns("mail.example.net", qtype="TXT")
    a.dns("cdn.example.com")
    # beta: another client, tunnel A over A records, benign around it.
    b = mk.Capture(t0=1700000100.0, client="10.53.0.9", base_id=0x5000)
    b.dns("www.example.org")
    for _ in range(30):
        b.dns(tunnel_name(rng, SUFFIX_A, 30), qtype="A", answers=["192.0.2.7"])
    b.dns("news.example.com", qtype="AAAA", answers=["2001:db8::5"])
    out = []
    for name, cap, client in (("alpha-txt.pcap", a, "10.53.0.1"), ("beta-a.pcap", b, "10.53.0.9")):
        path = os.path.join(tmp, name)
        cap.write(path)
        out.append((path, client, cap.manifest))
    return out


def expected(manifest, client, deny=()):
    """Counts of one capture under lists-only configs (detection off), from its manifest."""
    e = {"tq": 0, "tq_pass": 0, "tr": 0, "tr_pass": 0, "bq": 0, "br": 0, "non_dns": 0,
         "malformed": 0, "sessions": {}}
    for m in manifest:
        if m["cls"] == "non_dns":
            e["non_dns"] += 1
            continue
        if m["cls"] == "malformed":
            e["malformed"] += 1
            continue
        name = m["name"]
        suffix = next((s for s in (SUFFIX_A, SUFFIX_B) if under(name, s)), None)
        if suffix is None:
            e["bq" if m["query"] else "br"] += 1
            continue
        denied = suffix in deny
        if not m["query"]:
            e["tr"] += 1
            e["tr_pass"] += 0 if denied else 1
            continue
        e["tq"] += 1
        s = e["sessions"].setdefault((client, suffix), {"queries": 0, "passed": 0,
                                                         "first_block": 0, "leak": 0})
        s["queries"] += 1
        sub = len(name) - len(suffix) - 1
        if denied:
            if s["first_block"] == 0:
                s["first_block"] = s["queries"]
        else:
            e["tq_pass"] += 1
            s["passed"] += 1
            if s["first_block"] == 0:
                s["leak"] += sub
    return e


def compare(tag, cap, e, renamed_to=None):
    n = cap["name"]
    for k, j in (("tq", "tunnel_queries"), ("tq_pass", "tunnel_queries_passed"),
                 ("tr", "tunnel_responses"), ("tr_pass", "tunnel_responses_passed"),
                 ("bq", "benign_queries"), ("br", "benign_responses"), ("non_dns", "non_dns"),
                 ("malformed", "malformed")):
        check(cap[j] == e[k], "%s %s: %s = %s, expected %s" % (tag, n, j, cap[j], e[k]))
    check(cap["benign_queries_dropped"] == 0, "%s %s: benign queries dropped" % (tag, n))
    sess = e["sessions"]
    check(cap["sessions"] == len(sess), "%s %s: %d sessions, expected %d" % (
        tag, n, cap["sessions"], len(sess)))
    blocked = sum(1 for s in sess.values() if s["first_block"])
    check(cap["sessions_blocked"] == blocked, "%s %s: %d sessions blocked, expected %d" % (
        tag, n, cap["sessions_blocked"], blocked))
    leaks = [s["leak"] for s in sess.values()]
    check(cap["leaked_bytes"]["max"] == max(leaks), "%s %s: max leak %s, expected %s" % (
        tag, n, cap["leaked_bytes"]["max"], max(leaks)))
    check(abs(cap["leaked_bytes"]["mean"] - sum(leaks) / len(leaks)) < 1e-3,
          "%s %s: mean leak %s, expected %s" % (tag, n, cap["leaked_bytes"]["mean"],
                                                sum(leaks) / len(leaks)))
    got = {}
    for s in cap["session_list"]:
        got[(s["client"], s["domain"])] = s
    for (client, suffix), s in sess.items():
        dom = renamed_to or suffix
        g = got.get((client, dom))
        if not check(g is not None, "%s %s: no session %s %s in %s" % (tag, n, client, dom,
                                                                      sorted(got))):
            continue
        for k, j in (("queries", "queries"), ("passed", "passed"), ("first_block", "first_block"),
                     ("leak", "leaked_before_block")):
            check(g[j] == s[k], "%s %s session %s %s: %s = %s, expected %s" % (
                tag, n, client, dom, j, g[j], s[k]))


def write_config(path, deny=None, detection=False):
    with open(path, "w") as f:
        f.write("lists:\n  allow: \"\"\n  deny: %s\n" % (
            json.dumps(deny) if deny else '""'))
        f.write("detection:\n  enabled: %s\n" % ("true" if detection else "false"))
    return path


def eval_main(evalbin, repo):
    mk = mkpcap_module(repo)
    tmp = tempfile.mkdtemp(prefix="dnsf-eval-test.")
    try:
        caps = build_eval_captures(mk, tmp)
        paths = [c[0] for c in caps]
        suffix_args = ["--label-suffix", SUFFIX_A, "--label-suffix", SUFFIX_B]
        deny = os.path.join(tmp, "deny")
        with open(deny, "w") as f:
            f.write(SUFFIX_A + "\n")

        # 1. Lists only, nothing listed.
        cfg1 = write_config(os.path.join(tmp, "pass.yaml"))
        js = os.path.join(tmp, "pass.json")
        page = os.path.join(tmp, "pass.html")
        p = run([evalbin, "-c", cfg1, "--json", js, "--html", page] + suffix_args + paths)
        if check(p.returncode == 0, "eval (pass) exit %d" % p.returncode):
            html = open(page).read()
            check(html.count("<svg") >= 4 and SUFFIX_A in html and "</html>" in html,
                  "--html page: plots or sessions missing")
            r = json.load(open(js))
            for (path, client, man), cap in zip(caps, r["captures"]):
                compare("pass", cap, expected(man, client))
            tools = {t["tool"]: t for t in r["tools"]}
            check(sorted(tools) == ["alpha", "beta"], "tools %s" % sorted(tools))
            tq = sum(expected(m, c)["tq"] for _, c, m in caps)
            check(r["total"]["tunnel_queries"] == tq, "total tunnel queries %d != %d" % (
                r["total"]["tunnel_queries"], tq))
            check("passed" in p.stdout and "alpha-txt.pcap" in p.stdout, "human table")

        # 2. Deny list with tunnel A.
        cfg2 = write_config(os.path.join(tmp, "deny.yaml"), deny=deny)
        js = os.path.join(tmp, "deny.json")
        p = run([evalbin, "-c", cfg2, "--json", js] + suffix_args + paths)
        if check(p.returncode == 0, "eval (deny) exit %d" % p.returncode):
            r = json.load(open(js))
            for (path, client, man), cap in zip(caps, r["captures"]):
                compare("deny", cap, expected(man, client, deny=(SUFFIX_A,)))
                check(cap["latency"]["max"] == 0, "deny: latency %s" % cap["latency"])
            check(r["total"]["tunnel_drops_by_reason"].get("denylist", 0) > 0,
                  "deny: drops not attributed to the deny list")

        # 3. The detector: the long-name TXT tunnel is cut early, benign passes.
        cfg3 = write_config(os.path.join(tmp, "detect.yaml"), detection=True)
        js = os.path.join(tmp, "detect.json")
        p = run([evalbin, "-c", cfg3, "--json", js, "--model", "none"] + suffix_args + paths)
        if check(p.returncode == 0, "eval (detect) exit %d" % p.returncode):
            r = json.load(open(js))
            a = r["captures"][0]
            ses = {s["domain"]: s for s in a["session_list"]}
            s = ses.get(SUFFIX_A)
            if check(s is not None, "detect: no session for %s" % SUFFIX_A):
                check(0 < s["first_block"] <= 40,
                      "detect: TXT tunnel first blocked at query %d" % s["first_block"])
            check(r["total"]["benign_queries_dropped"] == 0, "detect: benign drops %d" %
                  r["total"]["benign_queries_dropped"])
            check(sum(r["total"]["scores"]["rules"]["tunnel"]) > 0, "detect: no tunnel scores")

        # 4. Renamed: same counts, no label suffix left in what the engine saw.
        new = "renamed-base.org"
        js = os.path.join(tmp, "renamed.json")
        fed = os.path.join(tmp, "fed.pcap")
        p = run([evalbin, "-c", cfg1, "--json", js, "--rename-base", new,
                 "--label-suffix", SUFFIX_A, "--write-input", fed, paths[1]])
        if check(p.returncode == 0, "eval (renamed) exit %d" % p.returncode):
            r = json.load(open(js))
            cap = r["captures"][0]
            compare("renamed", cap, expected(caps[1][2], caps[1][1]), renamed_to=new)
            check(cap["rename_failed"] == 0, "renamed: %d failures" % cap["rename_failed"])
            check(cap["renamed_messages"] == 60, "renamed: %d messages renamed, expected 60" %
                  cap["renamed_messages"])
            data = open(fed, "rb").read()
            check(b"tun-a" not in data, "renamed: the label suffix is still in the frames")
            check(data.count(b"\x0crenamed-base") >= 60, "renamed: new base domain missing")
            tshark = shutil.which("tshark")
            if tshark:
                t = subprocess.run([tshark, "-r", fed, "-o", "udp.check_checksum:TRUE", "-o",
                                    "ip.check_checksum:TRUE", "-T", "fields", "-e",
                                    "udp.checksum.status", "-e", "ip.checksum.status", "-e",
                                    "dns.qry.name", "-Y", "dns"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                lines = [l.split("\t") for l in t.stdout.splitlines()]
                check(len(lines) == 64, "tshark decoded %d DNS frames, expected 64" % len(lines))
                bad = [l for l in lines if l[0] != "1" or l[1] != "1"]
                check(not bad, "tshark: bad checksums in %s" % bad[:3])
                check(sum(1 for l in lines if l[2].endswith(new)) == 60,
                      "tshark: renamed names not decoded")
            else:
                print("tshark not installed: checksum check skipped")
        # 5. Usage errors are errors.
        p = run([evalbin, "-c", cfg1])
        check(p.returncode == 2, "no capture: exit %d, expected 2" % p.returncode)
        p = run([evalbin, "-c", os.path.join(tmp, "missing.yaml"), paths[0]])
        check(p.returncode == 1, "missing config: exit %d, expected 1" % p.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------ train

NAMES = """example.com
www.example.com
mail.example.com
static.example.com
api.example.com
example.org
www.example.org
cdn.example.org
example.net
login.example.net
shop.example.net
images.shop.example.net
example.edu
www.example.edu
news.example.co.uk
example.co.uk
www.example.co.uk
video.example.io
example.io
files.example.io
example.de
www.example.de
portal.example.de
example.fr
www.example.fr
example.nl
m.example.nl
example.jp
www.example.jp
example.info
analytics.example.info
fonts.example.info
example.biz
ads.example.biz
example.app
push.example.app
example.dev
docs.example.dev
example.tv
live.example.tv
"""


def build_train_set(mk, tmp):
    rng = random.Random(9)
    files = []
    specs = (("tool1-txt-base32.pcap", "t1.example", "TXT", "b32", 48, "10.9.0.1"),
             ("tool1-cname-base64.pcap", "t2.example", "CNAME", "b64", 40, "10.9.0.2"),
             ("tool2-a-hex.pcap", "t3.example", "A", "hex", 24, "10.9.0.3"))
    for name, suffix, qtype, alpha, nbytes, client in specs:
        c = mk.Capture(t0=1700000000.0, client=client, step_us=20000)
        c.dns("www.example.com")
        for _ in range(150):
            ans = {"TXT": ["ok"], "CNAME": ["r.example.com"], "A": ["192.0.2.1"]}[qtype]
            c.dns(tunnel_name(rng, suffix, nbytes, alpha), qtype=qtype, answers=ans)
        c.dns("example.org", qtype="AAAA")
        path = os.path.join(tmp, name)
        c.write(path)
        files.append(path)
    names = os.path.join(tmp, "names.txt")
    with open(names, "w") as f:
        f.write(NAMES)
    return files, names


def train_main(trainbin, loadbin, repo):
    mk = mkpcap_module(repo)
    tmp = tempfile.mkdtemp(prefix="dnsf-train-test.")
    try:
        files, names = build_train_set(mk, tmp)
        cfg = write_config(os.path.join(tmp, "train.yaml"), detection=True)
        base = [trainbin, "-c", cfg, "--label-suffix", "t1.example", "--label-suffix",
                "t2.example", "--label-suffix", "t3.example", "--holdout", "-cname-",
                "--benign-names", names, "--clients", "40", "--seconds", "120",
                "--val-clients", "30", "--val-seconds", "120", "--epochs", "12", "--quiet"]
        m1, m2, m3 = (os.path.join(tmp, "m%d.model" % i) for i in (1, 2, 3))
        js = os.path.join(tmp, "report.json")
        p = run(base + ["--seed", "7", "-o", m1, "--json", js] + files)
        if not check(p.returncode == 0, "train exit %d" % p.returncode):
            return
        r = json.load(open(js))
        check(r["validation_sources"][0] == "tool1-cname-base64.pcap",
              "held-out sources %s" % r["validation_sources"])
        check(r["val_tunnel"] > 0 and r["train_tunnel"] > 0, "both parts need tunnels: %s" % r)
        check(r["agreement"]["max_abs"] <= r["agreement"]["tolerance"],
              "agreement %s" % r["agreement"])
        tq, hit = r["tunnel_queries"], r["tunnel_queries_hit"]
        check(tq > 0 and hit >= 0.9 * tq, "held-out tunnel recall %d/%d" % (hit, tq))
        bq, bhit = r["benign_queries"], r["benign_queries_hit"]
        check(bq > 100 and bhit <= 0.01 * bq, "held-out benign FPR %d/%d" % (bhit, bq))
        p = run([loadbin, m1])
        check(p.returncode == 0 and p.stdout.startswith("ok"), "model does not load: %s %s" % (
            p.stdout, p.stderr))
        # Determinism: same inputs and seed, same bytes; another seed, another model.
        p = run(base + ["--seed", "7", "-o", m2] + files)
        check(p.returncode == 0, "second train exit %d" % p.returncode)
        p = run(base + ["--seed", "8", "-o", m3] + files)
        check(p.returncode == 0, "third train exit %d" % p.returncode)
        b1, b2 = open(m1, "rb").read(), open(m2, "rb").read()
        check(b1 == b2, "same seed, different model files (%d vs %d bytes)" % (len(b1), len(b2)))
        if os.path.exists(m3):
            check(open(m3, "rb").read() != b1, "another seed gave the same model")
        # Synthetic sessions of the uncaptured families: per family N train and M validate,
        # under domains of their own that label them.
        js2 = os.path.join(tmp, "report2.json")
        m5 = os.path.join(tmp, "m5.model")
        p = run(base + ["--seed", "7", "--synth-tunnels", "2", "--val-synth-tunnels", "1",
                        "-o", m5, "--json", js2] + files)
        if check(p.returncode == 0, "train with synthetic tunnels: exit %d %s" % (
                p.returncode, p.stderr)):
            r2 = json.load(open(js2))
            vs = r2["validation_sources"]
            for k in ("dnscat2", "exfiltrator", "beacon", "slow"):
                check(sum(1 for v in vs if v.startswith(k + "-variant-val-")) == 1,
                      "validation sources lack one %s session: %s" % (k, vs))
            check(r2["val_tunnel"] > r["val_tunnel"] and r2["train_tunnel"] > r["train_tunnel"],
                  "synthetic sessions added no tunnel examples: %s vs %s" % (r2, r))
        # An impossible tolerance fails the run and writes nothing.
        m4 = os.path.join(tmp, "m4.model")
        p = run(base + ["--seed", "7", "--tolerance", "0", "-o", m4] + files)
        check(p.returncode == 1 and not os.path.exists(m4),
              "tolerance 0: exit %d, file %s" % (p.returncode, os.path.exists(m4)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def shipped_main(evalbin, loadbin, repo):
    model = os.path.join(repo, "config", "dnsfence.model")
    p = run([loadbin, model])
    check(p.returncode == 0 and p.stdout.startswith("ok 36 "),
          "config/dnsfence.model does not load with this build (run `make model`): %s%s" % (
              p.stdout, p.stderr))
    tmp = tempfile.mkdtemp(prefix="dnsf-shipped-test.")
    try:
        js = os.path.join(tmp, "demo.json")
        p = run([evalbin, "-c", os.path.join(repo, "config", "dnsfence.yaml"), "--json", js,
                 "--label-suffix", "tun.dnsfence-demo.test",
                 os.path.join(repo, "config", "demo.pcap")])
        if check(p.returncode == 0, "eval on demo.pcap: exit %d" % p.returncode):
            r = json.load(open(js))
            t = r["total"]
            check(r["model"].endswith("dnsfence.model"), "shipped config names no model")
            check(t["sessions"] == 1 and t["sessions_blocked"] == 1,
                  "demo tunnel: %d of %d sessions cut" % (t["sessions_blocked"], t["sessions"]))
            check(t["leaked_bytes"]["max"] <= 1024, "demo tunnel leaked %d B" %
                  t["leaked_bytes"]["max"])
            check(t["benign_queries"] > 50 and t["benign_queries_dropped"] == 0,
                  "demo benign: %d of %d dropped" % (t["benign_queries_dropped"],
                                                     t["benign_queries"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "eval":
        eval_main(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 5 and sys.argv[1] == "shipped":
        shipped_main(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 5 and sys.argv[1] == "train":
        train_main(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
