#!/usr/bin/python3
"""Renders qcc's report.html in headless chromium (issue 6, "Seeing why").

usage: check_browser.py QCC WORKDIR PRECISION.json...

For each precision file: `qcc report FILE -o DIR`, then chromium loads DIR/report.html
(file://, no network needed) and
  - every layer name and precision in DIR/report.json appears in the rendered page's text
    (--dump-dom: the DOM after the page's script ran, parsed back to text);
  - no script errors: the page's own error listener leaves #errors empty, the script got to
    its end (data-report-ready="1"), and chromium's log has no console error;
  - the screenshot (first file only) is not blank: many distinct colours, enough non-white pixels.
Before that, a copy of the page with a broken script must fail the error check (the check can see
errors at all). Exit 77 (skipped) only when chromium is not installed.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def run_chromium(chromium, url, extra, profile):
    args = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-dev-shm-usage", "--disable-extensions", "--hide-scrollbars",
            "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile] + extra + [url]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90,
                       env=dict(os.environ, HOME=profile))
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


class Text(html.parser.HTMLParser):
    """The page's text outside <script>/<style>, and the attributes the checks read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip, self.errors, self.in_errors, self.ready = [], 0, [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "html":
            self.ready = a.get("data-report-ready")
        if a.get("id") == "errors":
            self.in_errors = 1
        elif self.in_errors:
            self.in_errors += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        if self.in_errors:
            self.in_errors -= 1

    def handle_data(self, data):
        if self.in_errors:
            self.errors.append(data)
        if not self.skip:
            self.parts.append(data)


def console_errors(log):
    bad = []
    for line in log.splitlines():
        if "CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line or "Error" in line):
            bad.append(line.strip())
    return bad


def check_dom(chromium, page, profile):
    rc, dom, log = run_chromium(chromium, "file://" + page, ["--dump-dom"], profile)
    if rc != 0 or "<html" not in dom:
        return None, ["chromium --dump-dom failed (exit %d): %s" % (rc, log[-2000:])]
    t = Text()
    t.feed(dom)
    problems = []
    errs = "".join(t.errors).strip()
    if errs:
        problems.append("page reported script errors: " + errs)
    if t.ready != "1":
        problems.append("the page's script did not finish (no data-report-ready=\"1\")")
    for line in console_errors(log):
        problems.append("console: " + line)
    return "".join(t.parts), problems


def decode_png(path):
    """(width, height, pixels as (r, g, b) tuples) for 8-bit RGB/RGBA PNGs; no PIL needed."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if y % 2 == 0:  # every other row is plenty for the statistics
            pixels.extend(tuple(line[x:x + 3]) for x in range(0, stride, bpp * 2))
    return w, h, pixels


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    qcc, work, fixtures = sys.argv[1], sys.argv[2], sys.argv[3:]
    chromium = find_chromium()
    if not chromium:
        print("UNSUPPORTED: chromium is not installed (tools/setup.sh installs Debian's chromium); "
              "report.html was not rendered")
        return 77
    t0 = time.time()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    profile = tempfile.mkdtemp(prefix="rep_chromium_", dir=work)
    failures = []

    # The error check must see a broken script.
    out = os.path.join(work, "r0")
    subprocess.run([qcc, "report", fixtures[0], "-o", out], check=True, stdout=subprocess.DEVNULL)
    page = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    broken = os.path.join(out, "broken.html")
    with open(broken, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", "<script>undefinedFunctionOfTheTest();</script>\n</body>"))
    _, problems = check_dom(chromium, broken, profile)
    if not problems:
        failures.append("self-check: a page with a broken script passed the error check")
    else:
        print("self-check: a broken script is seen (%s)" % problems[0][:120])

    for k, fx in enumerate(fixtures):
        out = os.path.join(work, "r%d" % k)
        subprocess.run([qcc, "report", fx, "-o", out], check=True, stdout=subprocess.DEVNULL)
        rep = json.load(open(os.path.join(out, "report.json"), encoding="utf-8"))
        page = os.path.abspath(os.path.join(out, "report.html"))
        text, problems = check_dom(chromium, page, profile)
        failures += ["%s: %s" % (fx, p) for p in problems]
        if text is None:
            continue
        missing = []
        for layer in rep["layers"]:
            for what in ("name", "precision"):
                if layer[what] not in text:
                    missing.append("%s %r" % (what, layer[what]))
        if missing:
            failures.append("%s: not on the rendered page: %s" % (fx, ", ".join(missing)))
        print("%s: %d layers, every name and precision on the page; %d script errors"
              % (os.path.basename(fx), len(rep["layers"]), len(problems)))
        if k == 0:
            shot = os.path.join(out, "screenshot.png")
            rc, _, log = run_chromium(chromium, "file://" + page,
                                      ["--screenshot=" + shot, "--window-size=1200,2000"], profile)
            if rc != 0 or not os.path.exists(shot):
                failures.append("%s: chromium --screenshot failed (exit %d): %s" % (fx, rc, log[-2000:]))
                continue
            w, h, px = decode_png(shot)
            colours = len(set(px))
            nonwhite = sum(1 for p in px if min(p) < 235) / max(1, len(px))
            print("screenshot %dx%d: %d distinct colours, %.1f%% non-white" % (w, h, colours, 100 * nonwhite))
            if colours < 32 or nonwhite < 0.03:
                failures.append("%s: the screenshot looks blank (%d colours, %.1f%% non-white)"
                                % (fx, colours, 100 * nonwhite))
    shutil.rmtree(profile, ignore_errors=True)
    print("%.1f s" % (time.time() - t0))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
