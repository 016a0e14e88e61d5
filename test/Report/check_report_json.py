#!/usr/bin/python3
"""report.json against the precision file it came from: every layer in order with its name,
op, precision and bytes; the whole sensitivity table; the chosen precision's SQNR; estimated
times (time_ms, float_time_ms) as the file has them, else null, and its cost_table; the top-level
figures (accuracies as given unless replaced)."""
import json
import math
import sys

src = json.load(open(sys.argv[1], encoding="utf-8"))
rep = json.load(open(sys.argv[2], encoding="utf-8"))
bad = []
for k in ("float_weight_bytes", "weight_bytes", "sqnr_db"):
    if rep.get(k) != src.get(k):
        bad.append("%s: %r, the file has %r" % (k, rep.get(k), src.get(k)))
for k in ("float_accuracy", "accuracy"):
    if (k in rep) != (k in src) or rep.get(k) != src.get(k):
        bad.append("%s: %r, the file has %r" % (k, rep.get(k), src.get(k)))
for k in ("time_ms", "float_time_ms"):
    if k not in rep or rep[k] != src.get(k):
        bad.append("%s: %r, the file has %r" % (k, rep.get(k), src.get(k)))
if rep.get("cost_table") != src.get("cost_table"):
    bad.append("cost_table: %r, the file has %r" % (rep.get("cost_table"), src.get("cost_table")))
if len(rep["layers"]) != len(src["layers"]):
    bad.append("%d layers, the file has %d" % (len(rep["layers"]), len(src["layers"])))
for a, b in zip(rep["layers"], src["layers"]):
    for k in ("name", "op", "precision", "bytes", "float_bytes"):
        if a.get(k) != b.get(k):
            bad.append("layer %r: %s %r, the file has %r" % (b["name"], k, a.get(k), b.get(k)))
    sens = b.get("sensitivity", {})
    if a["sensitivity"] != sens:
        bad.append("layer %r: sensitivity table differs" % b["name"])
    want = sens.get(b["precision"], {}).get("sqnr_db")
    if a["sqnr_db"] != want:
        bad.append("layer %r: sqnr_db %r, expected %r" % (b["name"], a["sqnr_db"], want))
    for k in ("time_ms", "float_time_ms"):
        if k not in a or a[k] != b.get(k):
            bad.append("layer %r: %s %r, the file has %r" % (b["name"], k, a.get(k), b.get(k)))
for m in bad:
    print("FAIL: " + m)
print("report.json matches %s: %d layers" % (sys.argv[1], len(src["layers"])))
sys.exit(1 if bad else 0)
