#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the installed dnsfence.yaml: config/dnsfence.yaml with model.path pointing at the
installed model (MODELDIR/<file>), since the model lives under the data directory and not next
to the config (the lists do, so their relative paths stay). Fails unless exactly one relative
`path:` line sits in the top-level `model:` block: a reshaped shipped config must not install a
config whose model path silently no longer resolves.

    gen-config.py IN.yaml OUT.yaml MODELDIR
"""
import os
import re
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen-config.py IN.yaml OUT.yaml MODELDIR")
    src, dst, modeldir = sys.argv[1:]
    with open(src, encoding="utf-8") as f:
        lines = f.readlines()
    out, block, hits = [], None, 0
    for line in lines:
        top = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):", line)
        if top:
            block = top.group(1)
        m = re.match(r'^(\s+path:\s*)("?)([^"#\s]+)("?)(.*)$', line.rstrip("\n"))
        if block == "model" and m and not os.path.isabs(m.group(3)):
            line = "%s%s%s%s%s\n" % (m.group(1), m.group(2),
                                     os.path.join(modeldir, m.group(3)), m.group(4), m.group(5))
            hits += 1
        out.append(line)
    if hits != 1:
        sys.exit("gen-config.py: %s: expected one relative model.path, found %d" % (src, hits))
    out.insert(0, "# Installed copy of the shipped configuration; the model is in %s.\n" % modeldir)
    with open(dst, "w", encoding="utf-8") as f:
        f.writelines(out)


if __name__ == "__main__":
    main()
