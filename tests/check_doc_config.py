#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every configuration key the loader accepts is documented in docs/configuration.md.

The accepted keys come from the loader's own libcyaml schema (CONFIG_KEYS, tests/config_keys.c,
dnsf_config_keys()), so a key added to lib/dnsf_config.c without a line in the doc fails here.
The doc's "## Keys" section names keys the way it is written:
  - "### `mode` — ..."                 a top-level key (and the section for the tables below it);
  - a paragraph that starts "`detection.rules`" opens the section of that mapping;
  - a table row "| `threshold` | ..."  the key <section>.threshold.
Entries of a list of mappings are documented like a mapping ("ports" table: `name` ->
"ports.name" for the loader's "ports[].name"). The reverse is checked too: a key documented
there that the loader refuses is a doc error.

Usage: check_doc_config.py CONFIG_KEYS REPO_ROOT
"""
import os
import re
import subprocess
import sys

KEYS_EXE, REPO = sys.argv[1], sys.argv[2]
DOC = os.path.join(REPO, "docs", "configuration.md")


def accepted_keys():
    out = subprocess.run([KEYS_EXE], check=True, stdout=subprocess.PIPE, text=True).stdout
    return [k.replace("[]", "") for k in out.split()]


def documented_keys(text):
    """Key paths the "## Keys" section documents, in the doc's own conventions."""
    keys, section, in_keys = {}, None, False
    for ln, line in enumerate(text.split("\n"), 1):
        if line.startswith("## "):
            in_keys = line.strip() == "## Keys"
            section = None
            continue
        if not in_keys:
            continue
        m = re.match(r"###\s+`([A-Za-z0-9_.]+)`", line)
        if m:
            section = m.group(1)
            keys.setdefault(section, ln)
            continue
        m = re.match(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)+)`", line)
        if m:  # a paragraph naming a nested mapping: its table follows
            section = m.group(1)
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            first = cells[0] if cells else ""
            if first in ("key", "") or set(first) <= set("-:"):
                continue
            names = re.findall(r"`([A-Za-z0-9_]+)`", first)
            if not names or section is None:
                continue
            for n in names:
                keys.setdefault(section + "." + n, ln)
    return keys


def main():
    accepted = accepted_keys()
    if not accepted:
        print("FAIL: the loader's schema gave no keys", file=sys.stderr)
        return 1
    with open(DOC, encoding="utf-8") as f:
        documented = documented_keys(f.read())
    missing = [k for k in accepted if k not in documented]
    stale = sorted(k for k in documented if k not in set(accepted))
    for k in missing:
        print("FAIL: config key %s is accepted by lib/dnsf_config.c but not documented in "
              "docs/configuration.md" % k, file=sys.stderr)
    for k in stale:
        print("FAIL: docs/configuration.md:%d documents config key %s, which the loader refuses"
              % (documented[k], k), file=sys.stderr)
    print("config keys: %d accepted by the loader, %d documented, %d missing, %d stale" % (
        len(accepted), len(documented), len(missing), len(stale)), file=sys.stderr)
    return 1 if missing or stale else 0


sys.exit(main())
