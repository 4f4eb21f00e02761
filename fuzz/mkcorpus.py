#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mkcorpus — (re)generate the committed seed corpora of the fuzz harnesses, deterministically.

    fuzz/mkcorpus.py [--out fuzz/corpus]

Frames come from tools/mkpcap.py (the same builder the tests use): one of every DNS layering,
non-DNS kind and malformation class it knows, plus tunnel-looking names, EDNS, TCP, VLANs and
IPv6 extension headers. Nothing is taken from captures outside the repository.
  pkt/     one raw frame per file
  refuse/  the queries among them (what the refuse builder answers), raw
  engine/  frame sequences in fuzz_engine's record format (byte 0 = engine variant; records of
           u8 time step, u16 length, frame): the sample capture under each variant, a
           high-entropy TXT tunnel flow, a water-torture burst from many clients, lists hits
  config/  config/dnsfence.yaml and variants that reach every section of the loader
  list/    the shipped allow/deny lists and a small hand-written public-suffix-list excerpt
           with wildcard, exception, IDN and PRIVATE-section rules
  model/   small valid model files, written by the harness itself from the public model API
           (so they follow the file format): with --replay-model BUILD/fuzz/replay_model, this
           script runs `replay_model -dnsf_write_seed=corpus/model`; without it model/ is left
           as it is
Files are named by content kind and index; rerunning gives identical bytes.
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mkpcap  # noqa: E402


class Rng:
    """xorshift64*: deterministic, independent of Python's random module version."""

    def __init__(self, seed):
        self.s = seed or 1

    def next(self):
        x = self.s
        x ^= (x >> 12)
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27)
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def label(self, n, alphabet="abcdefghijklmnopqrstuvwxyz234567"):
        return "".join(alphabet[self.next() % len(alphabet)] for _ in range(n))


def sample_capture():
    cap = mkpcap.build_from_spec(mkpcap.SAMPLE_SPEC)
    cap.dns("deep.sub.evil.example", qtype="TXT")
    cap.dns("www.good.example", edns=True)
    cap.dns("nx.example.org", rcode=3, edns=True)
    cap.dns("v6.example.net", qtype="AAAA", ipv6=True, ipv6_exthdr=True)
    cap.dns("opt.example.com", ip_options=True)
    cap.dns("qinq.example.com", vlan=[100, 200], edns=True)
    cap.dns("tcp6.example.com", ipv6=True, tcp=True)
    cap.dns("MiXeD.CaSe.Example.COM")
    cap.dns("4.3.2.1.in-addr.arpa", qtype="PTR", answers=["host.example.com"])
    cap.dns("a.b.c.kawasaki.jp")
    cap.dns("x" * 63 + "." + "y" * 63 + ".tunnel.co.uk", qtype="NULL", answers=[])
    cap.fragmented_response("frag6.example.com", ipv6=True)
    cap.malformed("trunc_rr")
    return cap


def engine_record(frame, step):
    return struct.pack("!BH", step, len(frame)) + frame


def tunnel_capture(rng):
    cap = mkpcap.Capture(t0=1700000100.0)
    for i in range(48):
        data = rng.label(40) + "." + rng.label(20)
        cap.dns(data + ".t.tunnel.example", qtype="TXT",
                answers=[rng.label(180, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")])
    return cap


def torture_capture(rng):
    frames = []
    for i in range(60):
        c = mkpcap.Capture(client="10.%d.%d.%d" % (1 + i % 7, i // 7, 1 + i),
                           client6="fd00::%x" % (i + 1), base_id=0x2000 + i, base_sport=30000 + i)
        c.dns(rng.label(12, "abcdefghijklmnopqrstuvwxyz0123456789") + ".victim.example.com",
              response=(i % 3 == 0), ipv6=(i % 5 == 0))
        frames += [f for f, _ in c.frames]
    return frames


def torture_nx_capture(rng):
    """8 sources x 5 random names, each answered NXDOMAIN: enough for engine 1's and 3's
    water-torture settings (8 distinct names, 32 answers, 4 per source) within one input."""
    frames = []
    for k in range(5):
        for i in range(8):
            c = mkpcap.Capture(client="10.44.0.%d" % (1 + i), base_id=0x3000 + 8 * k + i,
                               base_sport=31000 + 8 * k + i)
            c.dns(rng.label(12, "abcdefghijklmnopqrstuvwxyz0123456789") + ".victim.example.com",
                  rcode=3)
            frames += [f for f, _ in c.frames]
    return frames


def wire_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def echo_answers(name, big=False, huge=False):
    """Answer records for an echo record: A by pointer to the question, a CNAME whose owner
    repeats a suffix of the question in another case, a TXT (large when big/huge)."""
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + b"\xc0\x00\x02\x01"
    suffix = name.split(".", 1)[1] if "." in name else name
    target = wire_name("target." + suffix.lower())
    rr += wire_name(suffix.upper()) + struct.pack("!HHIH", 5, 1, 300, len(target)) + target
    n = 2
    if big:
        size = 1300 if huge else 600
        txt = b""
        while len(txt) < size:
            txt += bytes([200]) + b"t" * 200
        rr += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 300, len(txt)) + txt
        n += 1
    return rr, n


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def gen_frames(out):
    cap = sample_capture()
    pkt, ref = os.path.join(out, "pkt"), os.path.join(out, "refuse")
    for i, ((frame, _), m) in enumerate(zip(cap.frames, cap.manifest)):
        name = "%03d-%s" % (i, m["kind"])
        write(os.path.join(pkt, name), frame)
        if m["query"] and m["cls"] == "dns":
            write(os.path.join(ref, name), frame)
    return cap


def gen_engine(out, cap):
    d = os.path.join(out, "engine")
    frames = [f for f, _ in cap.frames]
    for v in range(8):
        blob = bytes([v]) + b"".join(engine_record(f, 1) for f in frames)
        write(os.path.join(d, "sample-v%d" % v), blob[:16384])
    rng = Rng(0x5EED)
    tun = tunnel_capture(rng)
    blob = b"".join(engine_record(f, 20) for f, _ in tun.frames)
    write(os.path.join(d, "tunnel-v0"), (bytes([0]) + blob)[:16384])
    write(os.path.join(d, "tunnel-v1"), (bytes([1]) + blob)[:16384])
    # The same flow again after the verdict hold: step 255 is 16 minutes.
    half = b"".join(engine_record(f, 20) for f, _ in tun.frames[:30])
    write(os.path.join(d, "tunnel-hold-v2"),
          (bytes([2]) + half + engine_record(tun.frames[31][0], 255) + half)[:16384])
    tort = torture_capture(rng)
    write(os.path.join(d, "torture-v0"),
          (bytes([0]) + b"".join(engine_record(f, 0) for f in tort))[:16384])
    tnx = torture_nx_capture(Rng(0x7A7E))  # own generator: the other seeds stay as they were
    for e in (1, 3):
        write(os.path.join(d, "torture-nx-v%d" % e),
              (bytes([e]) + b"".join(engine_record(f, 0) for f in tnx))[:16384])
    lists = mkpcap.Capture()
    for n in ("x.evil.example", "bad.com", "a.b.tunnel.co.uk", "www.good.example",
              "img.cdn.example.com", "1.0.0.10.in-addr.arpa"):
        lists.dns(n, edns=True)
        lists.dns(n, ipv6=True, tcp=True)
    for v in range(4):
        write(os.path.join(d, "lists-v%d" % v),
              bytes([v]) + b"".join(engine_record(f, 3) for f, _ in lists.frames))
    # Hardened engines (4: refuse, case + EDNS 512 truncate; 5: case + EDNS 1232 drop): each
    # query is followed by an "echo" record, an answer built by the harness from the query as
    # the engine forwarded it (randomized case), with these bytes as answer records.
    for v in (4, 5):
        blob = bytes([v])
        for i, name in enumerate(("WwW.ExAmPlE.CoM", "mail.example.org", "MixedCase.example",
                                  "a.very.long.name.with.many.labels.example.net")):
            q = mkpcap.Capture(base_id=0x3000 + i, base_sport=20000 + i)
            q.dns(name, response=False, edns=True, ipv6=(i == 1))
            blob += engine_record(q.frames[0][0], 2)
            rrs, n = echo_answers(name, big=(i == 3), huge=(v == 5 and i == 3))
            blob += struct.pack("!BH", 2, 0x8000 | (n << 12) | len(rrs)) + rrs
        write(os.path.join(d, "echo-v%d" % v), blob)


CONFIG_VARIANTS = {
    "live-ports.yaml": """mode: inline
ports:
  - { name: inside, device: "net_af_packet0,iface=veth0" }
  - { name: outside, device: "net_af_packet1,iface=veth1" }
pairs:
  - { inside: inside, outside: outside }
workers:
  lcores: [1, 2]
  control_lcore: 0
  rx_queues: 2
  burst: 64
mempool:
  mbufs: 65535
  cache: 128
""",
    "monitor.yaml": """mode: monitor
eal: ["--log-level=8", "--no-telemetry"]
dns:
  ports: [53, 5353, 853]
  tcp: false
policy:
  malformed: pass
  fragments: drop
lists:
  allow: allowlist
  deny: ""
events:
  log: "-"
telemetry: false
""",
    "detection.yaml": """detection:
  enabled: true
  action: refuse
  refuse_rcode: nxdomain
  psl: psl.dat
  flow_entries: 1024
  domain_entries: 4096
  hold_seconds: 60
  event_interval_seconds: 1
  rules:
    threshold: 80
    subdomain_len: 20
    label_len: 30
    entropy_milli: 3200
    flow_distinct: 10
    flow_info_bytes: 512
    domain_distinct: 50
    domain_info_bytes: 4096
model:
  path: model.bin
  threshold: 700
  combine: both
  required: false
""",
    "errors.yaml": """mode: sideways
workers:
  lcores: [0]
  burst: 53abc
rings:
  rx_desc: 1000
unknown_key: 1
""",
    "anchors.yaml": """base: &b { name: a, device: "net_null0" }
ports: [*b]
""",
    "hardening.yaml": """hardening:
  case_randomization: true
  case_key: "00112233445566778899aabbccddeeff"
  case_exceptions: allowlist
  edns_clamp: true
  edns_max: 512
  edns_oversize: drop
  rare_types: true
  types:
    NULL: refuse
    TXT: count
    ANY: drop
    TYPE65399: pass
    65535: drop
    PRIVATE: refuse
""",
    "flow.yaml": "{dns: {ports: [53]}, lists: {allow: allowlist, deny: denylist}, "
                 "detection: {action: log}}\n",
}

PSL_EXCERPT = """// Public-suffix-list style rules written for the fuzz corpus (not a copy of the list).
// ===BEGIN ICANN DOMAINS===
com
net
org
uk
co.uk
jp
*.kawasaki.jp
!city.kawasaki.jp
*.ck
!www.ck
рф
xn--p1ai
公司.cn
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
github.io
*.compute.example
// ===END PRIVATE DOMAINS===
"""


def gen_files(out):
    cfgd, listd = os.path.join(out, "config"), os.path.join(out, "list")
    shutil.copyfile(os.path.join(ROOT, "config", "dnsfence.yaml"), os.path.join(cfgd, "dnsfence.yaml"))
    for name, text in CONFIG_VARIANTS.items():
        write(os.path.join(cfgd, name), text.encode())
    for name in ("allowlist", "denylist", "demo-denylist"):
        shutil.copyfile(os.path.join(ROOT, "config", name), os.path.join(listd, name))
    write(os.path.join(listd, "psl-excerpt"), PSL_EXCERPT.encode())
    write(os.path.join(listd, "crlf-list"), b"Evil.Example.\r\n*.tunnel.example\r\n  .x.org # c\r\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--replay-model", help="replay_model binary of a build: rewrite model/ seeds")
    a = ap.parse_args()
    for sub in ("pkt", "refuse", "engine", "config", "list"):
        d = os.path.join(a.out, sub)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    cap = gen_frames(a.out)
    gen_engine(a.out, cap)
    gen_files(a.out)
    if a.replay_model:
        d = os.path.join(a.out, "model")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        subprocess.run([a.replay_model, "-dnsf_write_seed=" + d], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for f in os.listdir(d):
            os.chmod(os.path.join(d, f), 0o644)
    for sub in sorted(os.listdir(a.out)):
        p = os.path.join(a.out, sub)
        print("%-8s %3d files %7d bytes" % (sub, len(os.listdir(p)),
                                          sum(os.path.getsize(os.path.join(p, f)) for f in os.listdir(p))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
