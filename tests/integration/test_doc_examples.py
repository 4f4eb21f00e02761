#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every whole configuration the docs show passes `dnsfence -c FILE --check`.

Checked: each ```yaml block of README.md and docs/*.md that is a dnsfence configuration, and
every config/*.yaml (in place, so its relative paths resolve as shipped). A block is a dnsfence
configuration when one of its top-level keys (a line starting at column 0) is a top-level key of
the loader's schema (CONFIG_KEYS, tests/config_keys.c); a block with such a key and a foreign one
fails, as it should. Other blocks (prometheus.yml, alert rules, indented fragments of a
mapping) are skipped, and listed. Each block is written to its own file in a temporary
directory that also holds links to the files of config/ (the docs' relative paths,
`allowlist`, `dnsfence.model`, ..., resolve against the config file's directory), and the
directories an install uses (/etc/dnsfence, /var/log/dnsfence, /var/lib/dnsfence,
/usr/share/dnsfence) are mapped to directories made there, so an example that writes its event
log or capture under /var/log/dnsfence checks the same way as on a box with the package. Fails
when nothing was checked.

Usage: test_doc_examples.py DNSFENCE CONFIG_KEYS REPO_ROOT
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

DNSFENCE, KEYS_EXE, REPO = (os.path.abspath(a) for a in sys.argv[1:4])
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from checks import check, failures  # noqa: E402

INSTALL_DIRS = ("/etc/dnsfence", "/var/log/dnsfence", "/var/lib/dnsfence", "/usr/share/dnsfence")


def top_keys():
    out = subprocess.run([KEYS_EXE], check=True, stdout=subprocess.PIPE, text=True).stdout
    return {k for k in out.split() if "." not in k and "[" not in k}


def yaml_blocks(path):
    """(line of the opening fence, text) of each ```yaml block."""
    blocks, cur, start = [], None, 0
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if cur is None and re.match(r"\s*```ya?ml\s*$", line):
                cur, start = [], ln
            elif cur is not None and re.match(r"\s*```\s*$", line):
                blocks.append((start, "".join(cur)))
                cur = None
            elif cur is not None:
                cur.append(line)
    return blocks


def run_check(cfg, name):
    p = subprocess.run([DNSFENCE, "-c", cfg, "--check", "--file-prefix",
                        "dnsf_doc_ex_%d" % os.getpid()], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if check(p.returncode == 0, "%s: --check exit %d: %s" % (name, p.returncode,
                                                              p.stderr.strip())):
        print("ok: %s: %s" % (name, (p.stdout.strip() or p.stderr.strip())[:120]),
              file=sys.stderr)
        return 1
    return 0


def main():
    tops = top_keys()
    check(len(tops) >= 10, "CONFIG_KEYS gave only %d top-level keys" % len(tops))
    checked = skipped = 0
    with tempfile.TemporaryDirectory(prefix="dnsf-docex-") as d:
        for f in os.listdir(os.path.join(REPO, "config")):
            if not f.endswith(".yaml"):
                os.symlink(os.path.join(REPO, "config", f), os.path.join(d, f))
        mapped = {}
        for i, inst in enumerate(INSTALL_DIRS):
            m = os.path.join(d, "install%d" % i)
            os.mkdir(m)
            for f in os.listdir(os.path.join(REPO, "config")):
                os.symlink(os.path.join(REPO, "config", f), os.path.join(m, f))
            mapped[inst] = m
        docs = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs",
                                                                             "*.md")))
        for doc in docs:
            rel = os.path.relpath(doc, REPO)
            for ln, text in yaml_blocks(doc):
                name = "%s:%d" % (rel, ln)
                keys = re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", text, re.M)
                if not any(k in tops for k in keys):
                    print("skip: %s: not a dnsfence configuration (top-level keys: %s)" % (
                        name, ", ".join(keys) or "none"), file=sys.stderr)
                    skipped += 1
                    continue
                for inst, m in mapped.items():
                    text = re.sub(re.escape(inst) + r"(?=/)", m, text)
                cfg = os.path.join(d, "%s-%d.yaml" % (rel.replace("/", "_"), ln))
                with open(cfg, "w", encoding="utf-8") as f:
                    f.write(text)
                checked += run_check(cfg, name)
        for cfg in sorted(glob.glob(os.path.join(REPO, "config", "*.yaml"))):
            checked += run_check(cfg, os.path.relpath(cfg, REPO))
    print("doc examples: %d configurations passed --check, %d failed, %d blocks skipped" % (
        checked, len(failures), skipped), file=sys.stderr)
    check(checked + len(failures) > 0, "no configuration was checked")


main()
sys.exit(1 if failures else 0)
