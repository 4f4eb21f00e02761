#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scrape a Prometheus text-format endpoint and check the page line by line.

Usage: prom_check.py URL            -> prints {"series": {...}, "families": {...}} as JSON
       prom_check.py --status URL   -> prints the HTTP status code of a GET (404 etc. allowed)

Checks (text exposition format 0.0.4): Content-Type text/plain version=0.0.4; every line is a
comment, "# HELP name text", "# TYPE name counter|gauge|...", or "name{labels} value"; metric and
label names match the grammar, label values are quoted with valid escapes, values are floats;
HELP and TYPE come once per family and before its samples; samples of one family are contiguous;
no series appears twice; counters are non-negative and named *_total. Exits 1 naming the first
bad line.
"""
import json
import re
import sys
import urllib.error
import urllib.request

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(msg):
    print("prom_check: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_labels(s, ln):
    """s: text between the braces. Returns a tuple of (name, value) pairs."""
    out, i = [], 0
    while i < len(s):
        m = re.match(LABEL + "=\"", s[i:])
        if not m:
            fail("line %d: bad label at '%s'" % (ln, s[i:]))
        name = s[i:i + m.end() - 2]
        i += m.end()
        val = []
        while True:
            if i >= len(s):
                fail("line %d: unterminated label value" % ln)
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s) or s[i + 1] not in "\\\"n":
                    fail("line %d: bad escape in label value" % ln)
                val.append({"n": "\n"}.get(s[i + 1], s[i + 1]))
                i += 2
            elif c == "\"":
                i += 1
                break
            elif c == "\n":
                fail("line %d: newline in label value" % ln)
            else:
                val.append(c)
                i += 1
        if name in [n for n, _ in out]:
            fail("line %d: label %s twice" % (ln, name))
        out.append((name, "".join(val)))
        if i < len(s):
            if s[i] != ",":
                fail("line %d: expected ',' between labels" % ln)
            i += 1
    return tuple(out)


def check(text):
    helps, types, series, done = {}, {}, {}, set()
    current = None
    if not text.endswith("\n"):
        fail("the page does not end with a newline")
    for ln, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE) (" + NAME + r") (.*)$", line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    fail("line %d: malformed %s" % (ln, line))
                continue
            kind, name, rest = m.groups()
            table = helps if kind == "HELP" else types
            if name in table:
                fail("line %d: second %s for %s" % (ln, kind, name))
            if name in done or name == current:
                fail("line %d: %s for %s after its samples" % (ln, kind, name))
            if kind == "TYPE" and rest not in TYPES:
                fail("line %d: unknown type '%s'" % (ln, rest))
            if kind == "HELP" and re.search(r"\\[^\\n]", rest):
                fail("line %d: bad escape in HELP" % ln)
            table[name] = rest
            continue
        if line == "":
            fail("line %d: empty line" % ln)
        m = re.match(r"(" + NAME + r")(\{(.*)\})? (\S+)$", line)
        if not m:
            fail("line %d: not a sample: %r" % (ln, line))
        name, _, labels, value = m.groups()
        try:
            v = float(value)
        except ValueError:
            fail("line %d: value %r is not a number" % (ln, value))
        if name != current:
            if current is not None:
                done.add(current)
            if name in done:
                fail("line %d: samples of %s are not contiguous" % (ln, name))
            current = name
        if name not in types or name not in helps:
            fail("line %d: %s has no HELP/TYPE before its samples" % (ln, name))
        key = (name, parse_labels(labels or "", ln))
        if key in series:
            fail("line %d: series %s%s twice" % (ln, name, labels))
        if types[name] == "counter":
            if not name.endswith("_total"):
                fail("line %d: counter %s is not named *_total" % (ln, name))
            if v < 0:
                fail("line %d: negative counter" % ln)
        series[key] = v
    return series, types


def main():
    if sys.argv[1] == "--status":
        try:
            with urllib.request.urlopen(sys.argv[2], timeout=5) as r:
                print(r.status)
        except urllib.error.HTTPError as e:
            print(e.code)
        return
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode("utf-8")
    if not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
        fail("Content-Type %r" % ctype)
    series, types = check(text)
    out = {
        "series": {n + "{" + ",".join('%s="%s"' % lv for lv in labels) + "}": v
                   for (n, labels), v in series.items()},
        "families": types,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
