#!/usr/bin/python3
"""Check cost tables (docs/precision.md): the header, an entry with three finite numbers >= 0
for every (op kind, precision) pair a layer can take (conv and dwconv: every precision but
int8-dyn; gemm and matmul: all eight), and a "source" saying how it was made (measured tables:
the command; derived ones: "derived").  usage: check_cost_table.py TABLE.json ..."""
import json
import math
import sys

PRECS = ["fp32", "fp16", "int8-wo", "int8", "int4-wo-g32", "int4-wo-g64", "int4-wo-g128", "int8-dyn"]


def check(path):
    t = json.load(open(path))
    bad = []
    if t.get("format") != "qcc-cost-table" or t.get("version") != 1:
        bad.append("format/version")
    src = t.get("source", "")
    if not (src.startswith("measured by `qcc cost-table") or src.startswith("derived")):
        bad.append("source does not say how it was made: %r" % src[:60])
    for op in ("conv", "dwconv", "gemm", "matmul"):
        for p in PRECS:
            if op in ("conv", "dwconv") and p == "int8-dyn":
                continue
            e = t["ops"].get(op, {}).get(p)
            if not e:
                bad.append("no %s.%s" % (op, p))
                continue
            for k in ("call_ns", "mac_ns", "weight_ns"):
                if not (isinstance(e.get(k), (int, float)) and math.isfinite(e[k]) and e[k] >= 0):
                    bad.append("%s.%s.%s = %r" % (op, p, k, e.get(k)))
    for b in bad:
        print("FAIL %s: %s" % (path, b))
    print("%s: %s" % (path, "ok" if not bad else "%d problems" % len(bad)))
    return not bad


if __name__ == "__main__":
    sys.exit(0 if all([check(p) for p in sys.argv[1:]]) else 1)
