#!/usr/bin/python3
"""Check what qcc-equalize promises on a .mlir it wrote (qcc-opt text output).

usage: check_equalize.py BEFORE.mlir AFTER.mlir [--pairs N] [--tol T]

Reads the f32 weights of every conv2d/gemm (operand 1) from both files and,
for each pair of consecutive layers (layer 2's input is layer 1's output, or
relu, max_pool or flatten of it), checks:
  - after: r1[i] == r2[i] within T (relative) for every channel, where r1 is
    the range of layer 1's output channel i and r2 of layer 2's input channel i;
  - the number of such pairs is N.
Prints the worst channel-range ratio max/min of each layer before and after."""
import argparse
import re
import struct
import sys

import numpy as np

CONST = re.compile(r'(%[\w#]+) = "qcc\.constant"\(\)\s*<?\{value = dense<(.*?)> : tensor<([0-9x]*)xf32>\}')
OP = re.compile(r'(%[\w#]+) = "qcc\.(conv2d|gemm|relu|flatten|max_pool)"\(([^)]*)\)(.*)')


def parse_value(text, shape):
    n = int(np.prod(shape)) if shape else 1
    if text.startswith('"0x'):
        raw = bytes.fromhex(text[3:-1])
        a = np.frombuffer(raw, dtype="<f4")
    else:
        a = np.array(eval(text.replace("inf", "float('inf')")), dtype=np.float32).reshape(-1)
    if a.size == 1 and n > 1:
        a = np.full(n, a[0], dtype=np.float32)
    return a.reshape(shape)


def load(path):
    consts, layers, users = {}, [], {}
    for line in open(path):
        m = CONST.search(line)
        if m:
            shape = [int(d) for d in m.group(3).split("x")] if m.group(3) else []
            consts[m.group(1)] = parse_value(m.group(2), shape)
            continue
        m = OP.search(line)
        if not m:
            continue
        res, kind, ops, rest = m.group(1), m.group(2), [o.strip() for o in m.group(3).split(",")], m.group(4)
        attrs = dict(re.findall(r'(group|trans_b) = (\d+)', rest))
        layers.append((res, kind, ops, attrs))
    return consts, layers


def out_range(w, kind, attrs):
    if kind == "gemm":
        w = w if attrs.get("trans_b") == "1" else w.T  # [N][K]
        return np.abs(w).max(axis=1)
    return np.abs(w.reshape(w.shape[0], -1)).max(axis=1)


def in_range(w, kind, attrs, channels):
    if kind == "gemm":  # after a flatten, channel c is inputs c*kpc .. (c+1)*kpc - 1
        w = w if attrs.get("trans_b") == "1" else w.T
        return np.abs(w).reshape(w.shape[0], channels, -1).max(axis=(0, 2))
    g = int(attrs.get("group", "1"))
    O, cpg = w.shape[0], w.shape[1]
    opg = O // g
    r = np.zeros(cpg * g, dtype=np.float64)
    for c in range(cpg * g):
        grp = c // cpg
        r[c] = np.abs(w[grp * opg:(grp + 1) * opg, c % cpg]).max()
    return r


def pairs(consts, layers):
    by_res = {res: (kind, ops, attrs) for res, kind, ops, attrs in layers}
    out = []
    for res, kind, ops, attrs in layers:
        if kind not in ("conv2d", "gemm"):
            continue
        src = ops[0]
        while src in by_res and by_res[src][0] in ("relu", "flatten", "max_pool"):
            src = by_res[src][1][0]
        if src in by_res:
            k1, o1, a1 = by_res[src]
            out.append(((k1, consts[o1[1]], a1), (kind, consts[ops[1]], attrs)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--pairs", type=int, required=True)
    ap.add_argument("--tol", type=float, default=1e-3)
    a = ap.parse_args()
    pb, pa = pairs(*load(a.before)), pairs(*load(a.after))
    if len(pb) != a.pairs or len(pa) != a.pairs:
        print("check_equalize: expected %d pairs, found %d before and %d after" % (a.pairs, len(pb), len(pa)))
        return 1
    bad = 0
    for n, ((l1b, l2b), (l1a, l2a)) in enumerate(zip(pb, pa)):
        r1b, r1a = out_range(l1b[1], l1b[0], l1b[2]), out_range(l1a[1], l1a[0], l1a[2])
        r2b, r2a = in_range(l2b[1], l2b[0], l2b[2], r1b.size), in_range(l2a[1], l2a[0], l2a[2], r1b.size)
        eq = np.max(np.abs(r1a / r2a - 1))
        print("pair %d (%s -> %s): layer-1 channel range max/min %.1f -> %.1f, |r1/r2 - 1| before %.2e, after %.2e"
              % (n, l1b[0], l2b[0], r1b.max() / r1b.min(), r1a.max() / r1a.min(), np.max(np.abs(r1b / r2b - 1)), eq))
        if eq > a.tol:
            bad += 1
    if bad:
        print("check_equalize: %d pair(s) not equalized" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
