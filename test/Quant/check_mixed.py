#!/usr/bin/python3
"""Check `qcc quantize ... --max-accuracy-drop` output: the mixed model's top-1 is at most
--max-drop points below float and its weights at least --min-ratio times smaller.
usage: check_mixed.py OUTPUT --max-drop P --min-ratio R"""
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    drop = float(sys.argv[sys.argv.index("--max-drop") + 1])
    ratio_min = float(sys.argv[sys.argv.index("--min-ratio") + 1])
    w = re.search(r"weights: float ([0-9.]+) KiB, quantized ([0-9.]+) KiB", text)
    a = re.search(r"top-1 on (\d+) samples: float ([0-9.]+), mixed ([0-9.]+)", text)
    if not w or not a:
        sys.exit("missing the weights or top-1 line")
    ratio = float(w.group(1)) / float(w.group(2))
    d = 100 * (float(a.group(2)) - float(a.group(3)))
    print(f"weights {ratio:.2f}x smaller (need {ratio_min}), top-1 {-d:+.2f} points on {a.group(1)} samples (allowed -{drop})")
    return 0 if ratio >= ratio_min and d <= drop + 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
