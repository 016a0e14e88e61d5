#!/usr/bin/python3
"""Compare the .npy files qcc run wrote with the expected ones.

usage: compare_npy.py OUT_DIR REF_DIR [--atol A] [--rtol R]

Every REF_DIR/NAME.npy must exist as OUT_DIR/NAME.npy with the same dtype and
shape. Integer and bool arrays must be equal (bit-exact); float arrays must
satisfy |out - ref| <= atol + rtol * |ref| everywhere, and NaN/Inf must match.
Prints one line per array with the max abs and rel error; exits 1 on failure.
Default tolerance: atol 1e-5, rtol 1e-4; --atol 0 --rtol 0 makes floats exact.
"""
import argparse
import os
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("ref_dir")
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--rtol", type=float, default=1e-4)
    a = ap.parse_args()
    refs = sorted(f for f in os.listdir(a.ref_dir) if f.endswith(".npy") and not f.startswith("in_"))
    if not refs:
        print("compare_npy: no expected .npy files in %s" % a.ref_dir)
        return 1
    bad = 0
    for f in refs:
        ref = np.load(os.path.join(a.ref_dir, f))
        path = os.path.join(a.out_dir, f)
        if not os.path.exists(path):
            print("FAIL %s: missing in %s" % (f, a.out_dir))
            bad += 1
            continue
        out = np.load(path)
        if out.dtype != ref.dtype or out.shape != ref.shape:
            print("FAIL %s: got %s %s, expected %s %s" % (f, out.dtype, out.shape, ref.dtype, ref.shape))
            bad += 1
            continue
        if ref.dtype.kind in "biu":
            n = int(np.count_nonzero(out != ref))
            print("%s %s: %s (%d of %d differ)" % ("ok  " if n == 0 else "FAIL", f, "exact", n, ref.size))
            bad += n != 0
            continue
        o, r = out.astype(np.float64), ref.astype(np.float64)
        finite = np.isfinite(r)
        same_special = np.array_equal(np.isnan(o), np.isnan(r)) and np.array_equal(o[~finite & ~np.isnan(r)], r[~finite & ~np.isnan(r)])
        err = np.abs(o[finite] - r[finite])
        mabs = float(err.max()) if err.size else 0.0
        mrel = float((err / np.maximum(np.abs(r[finite]), 1e-30)).max()) if err.size else 0.0
        ok = same_special and bool(np.all(err <= a.atol + a.rtol * np.abs(r[finite])))
        print("%s %s: max abs err %.3g, max rel err %.3g (atol %g, rtol %g)" % ("ok  " if ok else "FAIL", f, mabs, mrel, a.atol, a.rtol))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
