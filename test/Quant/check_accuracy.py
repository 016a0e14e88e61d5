#!/usr/bin/python3
"""Compare two `qcc eval` outputs: fail if the second's top-1 is more than
--max-drop points below the first's.  usage: check_accuracy.py FLOAT INT8 --max-drop P"""
import re
import sys


def top1(path):
    m = re.search(r"top-1 ([0-9.]+) on (\d+) samples", open(path).read())
    if not m:
        sys.exit(f"{path}: no 'top-1 ... on N samples' line")
    return float(m.group(1)), int(m.group(2))


def main():
    a, b = top1(sys.argv[1]), top1(sys.argv[2])
    drop = float(sys.argv[sys.argv.index("--max-drop") + 1])
    print(f"float {a[0]:.4f}, quantized {b[0]:.4f} on {a[1]} samples: {100 * (b[0] - a[0]):+.2f} points (allowed -{drop})")
    if a[1] != b[1]:
        sys.exit("different sample counts")
    return 0 if 100 * (a[0] - b[0]) <= drop else 1


if __name__ == "__main__":
    sys.exit(main())
