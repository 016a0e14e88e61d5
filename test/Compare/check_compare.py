#!/usr/bin/python3
"""Check a `qcc compare --format json` report.

usage: check_compare.py REPORT.json [--min-sqnr D] [--sorted] [--names A,B,...]
                        [--node N --float-out DIR --quant-out DIR]

--min-sqnr: every compared node has a finite SQNR above D dB.
--sorted: compared nodes come worst SQNR first.
--names: each name is in the report (compared or fused into a compared node).
--node with --float-out/--quant-out: node N's SQNR equals numpy's
  10 log10(sum f^2 / sum (f - q)^2) on the single .npy output `qcc run` wrote
  into each folder (within 0.01 dB)."""
import argparse
import json
import math
import os
import sys

import numpy as np


def one_npy(d):
    fs = [f for f in os.listdir(d) if f.endswith(".npy") and not f.startswith("in_")]
    if len(fs) != 1:
        sys.exit("check_compare: expected one output .npy in %s, found %s" % (d, fs))
    return np.load(os.path.join(d, fs[0])).astype(np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--min-sqnr", type=float)
    ap.add_argument("--sorted", action="store_true")
    ap.add_argument("--names")
    ap.add_argument("--node")
    ap.add_argument("--float-out")
    ap.add_argument("--quant-out")
    a = ap.parse_args()
    r = json.load(open(a.report))
    nodes = {n["name"]: n for n in r["nodes"]}
    compared = [n for n in r["nodes"] if n["status"] == "compared"]
    bad = []
    if not compared:
        bad.append("no node compared")
    if a.min_sqnr is not None:
        for n in compared:
            s = n["sqnr_db"]
            if s is None or not math.isfinite(s) or s <= a.min_sqnr:
                bad.append("%s: SQNR %s, expected finite and > %g dB" % (n["name"], s, a.min_sqnr))
    if a.sorted:
        s = [n["sqnr_db"] for n in compared]
        if s != sorted(s):
            bad.append("compared nodes not sorted by SQNR: %s" % s)
    for name in (a.names or "").split(",") if a.names else []:
        n = nodes.get(name)
        if not n:
            bad.append("%s: not in the report" % name)
        elif n["status"] == "fused" and nodes.get(n["fused_into"], {}).get("status") != "compared":
            bad.append("%s: fused into %s, which is not compared" % (name, n["fused_into"]))
        elif n["status"] not in ("fused", "compared"):
            bad.append("%s: status %s" % (name, n["status"]))
    if a.node:
        f, q = one_npy(a.float_out), one_npy(a.quant_out)
        want = 10 * math.log10(np.sum(f * f) / np.sum((f - q) ** 2))
        got = nodes[a.node]["sqnr_db"]
        print("%s: qcc compare %.4f dB, numpy %.4f dB" % (a.node, got, want))
        if abs(got - want) > 0.01:
            bad.append("%s: SQNR %.4f dB, numpy says %.4f dB" % (a.node, got, want))
    for b in bad:
        print("check_compare: " + b)
    print("check_compare: %d compared nodes, %s" % (len(compared), "FAIL" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
