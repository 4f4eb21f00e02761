#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The dnsf_report_html page renders in headless Chromium: a fixture report (report_html_fixture)
is written, checked to be self-contained (no script, no URL fetched, injected markup escaped),
then screenshotted; the PNG is decoded here (zlib + PNG filters, no imaging library) and must
show the benign (blue) and tunnel (red) histogram bars and the blocked-session (orange) bars in
the amounts the fixture implies. Skipped (77) without chromium.

    check_report_html.py FIXTURE_BIN
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

BLUE, RED, ORANGE = (0x1F, 0x77, 0xB4), (0xD6, 0x27, 0x28), (0xFF, 0x7F, 0x0E)


def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def count(rows, bpp, rgb):
    n = 0
    for line in rows:
        for x in range(0, len(line), bpp):
            if all(abs(line[x + k] - rgb[k]) <= 8 for k in range(3)):
                n += 1
    return n


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not installed: skipped")
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix="dnsf-html.") as tmp:
        page = os.path.join(tmp, "report.html")
        subprocess.run([sys.argv[1], page], check=True)
        html = open(page, encoding="utf-8").read()
        assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        low = html.lower()
        for bad in ("<script", "http:", "https:", "src=", "<link", "@import"):
            assert bad not in low, "page is not self-contained or not escaped: " + bad
        assert "&lt;script&gt;alert(1)&lt;/script&gt;.evil" in html
        for plot in ("rules", "model", "latency", "leaked"):
            assert '<svg id="%s"' % plot in html, plot
        png = os.path.join(tmp, "shot.png")
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--no-first-run",
                            "--user-data-dir=" + os.path.join(tmp, "profile"),
                            "--window-size=800,2000", "--screenshot=" + png,
                            "file://" + page], capture_output=True, text=True, timeout=90)
        assert r.returncode == 0 and os.path.exists(png), r.stderr[-2000:]
        w, h, bpp, rows = png_pixels(png)
        assert (w, h) == (800, 2000), (w, h)
        blue, red, orange = count(rows, bpp, BLUE), count(rows, bpp, RED), count(rows, bpp, ORANGE)
        print("pixels: blue %d red %d orange %d" % (blue, red, orange))
        # Blue: 8 rule + 6 model benign bars, tall on a log scale; red: tunnel bars in both
        # histograms plus the two never-blocked sessions in both session plots; orange: 28
        # blocked sessions in two plots. Each is thousands of pixels when drawn.
        assert blue > 3000, blue
        assert red > 3000, red
        assert orange > 3000, orange


if __name__ == "__main__":
    main()
