#!/usr/bin/python3
"""Int8 static accuracy of a classifier for every quantizer x observer combination: runs
`qcc quantize` and `qcc eval` for each, prints a markdown table (docs/quantization.md).

Usage: /usr/bin/python3 tools/quant_accuracy.py [--qcc build/bin/qcc] [--samples N] [-j JOBS]
           [--quantizers x86,arm,per-tensor] [--observers minmax,moving_avg,histogram,...]
           [--modes fused,qdq] [--model M.onnx --calib C.npz --data T.npz --labels KEY]
           [--workdir DIR] [--json FILE] [--check-drop POINTS]

Defaults: the bundled Fashion-MNIST CNN, its 500 calibration images, all 10000 test images,
all 3 quantizers x 5 observers, fused (the default of `qcc quantize`: int8 ops on libqrt's
integer kernels) and QDQ (`--no-fuse`: quantize/dequantize around float ops), 2 jobs.
Every model is calibrated exactly as `qcc quantize MODEL --calib CALIB --quantizer Q
--observer O [--no-fuse]` does; the float row is `qcc eval MODEL.onnx` on the same images.
Accuracy is top-1 on the first N test images (`qcc eval --samples N`).

--check-drop P exits 1 if any quantized model is more than P points below float (for tests).
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUANTIZERS = ["x86", "arm", "per-tensor"]
OBSERVERS = ["minmax", "moving_avg", "histogram", "percentile", "entropy"]
MODES = ["fused", "qdq"]
TOP1 = re.compile(r"top-1 ([0-9.]+) on (\d+) samples \(([0-9.]+) ms\)")


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def evaluate(args, model):
    cmd = [args.qcc, "eval", model, "--data", args.data, "--labels", args.labels]
    if args.samples:
        cmd += ["--samples", str(args.samples)]
    out = run(cmd)
    m = TOP1.search(out)
    if not m:
        raise RuntimeError(f"{' '.join(cmd)}: no top-1 line in:\n{out}")
    return float(m.group(1)), int(m.group(2)), float(m.group(3)) / 1e3


def one(args, q, o, mode):
    out = os.path.join(args.workdir, f"{q}_{o}_{mode}.mlirbc")
    cmd = [args.qcc, "quantize", args.model, "--calib", args.calib, "--quantizer", q, "--observer", o, "-o", out]
    if mode == "qdq":
        cmd.append("--no-fuse")
    t0 = time.time()
    run(cmd)
    tq = time.time() - t0
    acc, n, secs = evaluate(args, out)
    return {"quantizer": q, "observer": o, "mode": mode, "top1": acc, "samples": n,
            "correct": round(acc * n), "quantize_s": round(tq, 2), "eval_s": round(secs, 2)}


def fmt(acc, ref):
    return f"{100 * acc:.2f} ({100 * (acc - ref):+.2f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qcc", default=os.path.join(ROOT, "build/bin/qcc"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models/fashion_mnist_cnn.onnx"))
    ap.add_argument("--calib", default=os.path.join(ROOT, "models/fashion_mnist_calib.npz"))
    ap.add_argument("--data", default=os.path.join(ROOT, "models/fashion_mnist_test.npz"))
    ap.add_argument("--labels", default="label")
    ap.add_argument("--samples", type=int, default=0, help="first N test images (default: all)")
    ap.add_argument("--quantizers", default=",".join(QUANTIZERS))
    ap.add_argument("--observers", default=",".join(OBSERVERS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--workdir", help="keep the quantized models here (default: a temporary folder)")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--check-drop", type=float, help="exit 1 if any combination loses more than this many points")
    args = ap.parse_args()
    qs, obs, modes = (s.split(",") for s in (args.quantizers, args.observers, args.modes))
    for v, allowed, what in ((qs, QUANTIZERS, "quantizer"), (obs, OBSERVERS, "observer"), (modes, MODES, "mode")):
        bad = [x for x in v if x not in allowed]
        if bad:
            ap.error(f"unknown {what} {bad} (choose from {allowed})")
    if not os.access(args.qcc, os.X_OK):
        ap.error(f"{args.qcc} is not an executable (build qcc first, or pass --qcc)")
    tmp = None
    if not args.workdir:
        tmp = tempfile.TemporaryDirectory(prefix="qcc-acc-")
        args.workdir = tmp.name
    os.makedirs(args.workdir, exist_ok=True)

    t0 = time.time()
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        fut_float = pool.submit(evaluate, args, args.model)
        futs = [pool.submit(one, args, q, o, m) for q in qs for o in obs for m in modes]
        try:
            fa, n, fsecs = fut_float.result()
            res = [f.result() for f in futs]
        except RuntimeError as e:
            for f in futs:
                f.cancel()
            sys.exit(f"quant_accuracy: {e}")
    wall = time.time() - t0

    by = {(r["quantizer"], r["observer"], r["mode"]): r for r in res}
    cols = [m for m in MODES if m in modes]
    names = {"fused": "fused int8 (default)", "qdq": "QDQ (--no-fuse)"}
    print(f"Top-1 (%) on the first {n} images of {os.path.relpath(args.data, ROOT)}, "
          f"calibrated on {os.path.relpath(args.calib, ROOT)}; in brackets: points vs float.\n")
    print("| quantizer | observer | " + " | ".join(names[c] for c in cols) + " |")
    print("|---|---|" + "---:|" * len(cols))
    print("| float | - | " + " | ".join(f"{100 * fa:.2f}" for _ in cols) + " |")
    for q in qs:
        for o in obs:
            print(f"| {q} | {o} | " + " | ".join(fmt(by[(q, o, c)]["top1"], fa) for c in cols) + " |")
    evals = sum(r["eval_s"] for r in res)
    print(f"\n{len(res)} models, {wall:.0f} s wall ({evals:.0f} s in qcc eval), {args.jobs} jobs")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"float_top1": fa, "samples": n, "results": res}, f, indent=1)
    if args.check_drop is not None:
        worst = min(res, key=lambda r: r["top1"])
        drop = 100 * (fa - worst["top1"])
        if drop > args.check_drop:
            print(f"FAIL: {worst['quantizer']}/{worst['observer']}/{worst['mode']} is {drop:.2f} points below "
                  f"float (allowed {args.check_drop})")
            return 1
        print(f"OK: worst drop {drop:.2f} points ({worst['quantizer']}/{worst['observer']}/{worst['mode']}), "
              f"allowed {args.check_drop}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
