#!/usr/bin/python3
"""Compare the qcc.scale values of two calibrated modules (same observers, same order):
fail if any differs by more than RTOL relative.  usage: compare_scales.py A.mlir B.mlir RTOL"""
import re
import sys


def scales(path):
    return [float(v) for v in re.findall(r"qcc\.scale = array<f32: ([^>]+)>", open(path).read())]


def main():
    a, b, tol = scales(sys.argv[1]), scales(sys.argv[2]), float(sys.argv[3])
    if not a or len(a) != len(b):
        sys.exit(f"observer counts differ or are zero: {len(a)} vs {len(b)}")
    worst = max(abs(x - y) / abs(x) for x, y in zip(a, b))
    print(f"{len(a)} scales, max relative difference {worst:.3g} (allowed {tol})")
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    sys.exit(main())
