#!/usr/bin/python3
"""Check the qcc.sensitivity attributes of a module printed by qcc-opt: for every layer,
SQNR(fp16) > SQNR(int8-wo) > SQNR(int8-dyn) > SQNR(int8) > SQNR(int4-wo-g*) and every top-1 agreement and
accuracy in [0, 1].  usage: check_sensitivity.py MODULE.mlir"""
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    layers = re.findall(r"qcc\.sensitivity = \{(.*?)\}", text)
    if not layers:
        sys.exit("no qcc.sensitivity attributes")
    for i, body in enumerate(layers):
        vals = {k.strip('"'): [float(v) for v in a.split(",")]
                for k, a in re.findall(r'("?[\w-]+"?) = array<f64: ([^>]*)>', body)}
        sq = {k: v[0] for k, v in vals.items()}
        int4 = [v for k, v in sq.items() if k.startswith("int4")]
        print(f"layer {i}: " + ", ".join(f"{k} {v:.1f} dB" for k, v in sorted(sq.items())))
        if not (sq["fp16"] > sq["int8-wo"] > sq["int8"] > max(int4)):
            sys.exit(f"layer {i}: SQNRs out of order: {sq}")
        if "int8-dyn" in sq and not (sq["int8-wo"] > sq["int8-dyn"] > sq["int8"]):
            sys.exit(f"layer {i}: int8-dyn not between int8-wo and int8: {sq}")
        for k, v in vals.items():
            if not (0 <= v[1] <= 1 and 0 <= v[2] <= 1):
                sys.exit(f"layer {i} {k}: agreement/accuracy outside [0, 1]: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
