#!/usr/bin/python3
"""int4 weight-only by round-to-nearest vs the activation-aware methods (qcc-awq,
qcc-gptq): the tables of docs/precision.md ("Activation-aware int4").

Every gemm/matmul layer of MODEL goes to int4-wo-gG (G = 32, 64, 128), every other
layer stays fp32, once per --methods (`--int4-method rtn`, `awq`, `gptq`); with
--int8-wo the same layers at int8-wo too (one row); each quantized module runs on
the test data with `qcc run` (in batches of --batch) and is compared with the float
model run the same way; the quantize time is `qcc quantize`'s own figure:

  classifier (--labels KEY): top-1 accuracy and output SQNR against float
  language model (--targets KEY): perplexity exp(mean cross-entropy of the logits
  [B, T, V] against the next-token ids [B, T]) and SQNR of the logits; with
  --eval-qcc Q the perplexity comes from `Q eval --metric perplexity` on the --samples
  windows (one process instead of one `qcc run` per window) and the SQNR from the first
  --sqnr-samples windows

  tools/int4_table.py --qcc build/bin/qcc --model models/fashion_mnist_cnn.onnx \\
      --calib models/fashion_mnist_calib.npz --data models/fashion_mnist_test.npz \\
      --input input --labels label --batch 500 --work /tmp/int4
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np


def sh(cmd, ok_fail=False):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode and not ok_fail:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout + r.stderr if ok_fail else r.stdout


def run_batches(a, model, x, work, tag):
    """Output 0 of model on x, batch by batch (qcc run), concatenated."""
    outs = []
    for b in range(0, len(x) - a.batch + 1, a.batch):
        inp = os.path.join(work, "in.npy")
        np.save(inp, x[b:b + a.batch])
        od = os.path.join(work, "out_" + tag)
        for f in glob.glob(os.path.join(od, "*.npy")):
            os.remove(f)
        cmd = [a.qcc, "run", model, "--input", "%s=%s" % (a.input, inp), "--output-dir", od, "-q"]
        if model.endswith(".onnx"):
            cmd += ["--input-shape", "%s=%s" % (a.input, "x".join(str(d) for d in x[:a.batch].shape))]
        sh(cmd)
        outs.append(np.load(sorted(glob.glob(os.path.join(od, "*.npy")))[0]))
    return np.concatenate(outs)


def metrics(a, y, ref, data):
    n = len(y)
    e = np.sum((y.astype(np.float64) - ref) ** 2)
    sqnr = 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / e) if e > 0 else 200.0
    if a.labels:
        return {"top1": float(np.mean(np.argmax(y, -1) == data[a.labels][:n])), "sqnr_db": float(sqnr)}
    t = data[a.targets][:n]
    z = y.astype(np.float64)
    z -= z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    nll = -np.take_along_axis(logp, t[..., None], -1).mean()
    return {"perplexity": float(np.exp(nll)), "sqnr_db": float(sqnr)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--qcc", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--calib", required=True)
    p.add_argument("--calib-samples", type=int, default=0)
    p.add_argument("--data", required=True)
    p.add_argument("--input", required=True, help="the model input's name (and its key in --data)")
    p.add_argument("--labels", help="integer class labels in --data (classifier)")
    p.add_argument("--targets", help="next-token ids in --data (language model)")
    p.add_argument("--samples", type=int, default=0, help="test samples (default all, whole batches)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--groups", default="32,64,128")
    p.add_argument("--methods", default="rtn,awq,gptq")
    p.add_argument("--int8-wo", action="store_true", help="a row with the same layers at int8-wo")
    p.add_argument("--work", required=True, help="folder for the quantized modules and outputs")
    p.add_argument("--eval-qcc", help="a qcc with `eval --metric perplexity` (language model)")
    p.add_argument("--sqnr-samples", type=int, default=16, help="with --eval-qcc: windows for the SQNR")
    a = p.parse_args()
    if bool(a.labels) == bool(a.targets):
        sys.exit("give one of --labels (classifier) or --targets (language model)")
    os.makedirs(a.work, exist_ok=True)
    data = np.load(a.data)
    x = data[a.input][: a.samples or None]
    shape = "%s=%s" % (a.input, "x".join(str(d) for d in (a.batch,) + x.shape[1:]))
    base = [a.qcc, "quantize", a.model, "--calib", a.calib, "--input-shape", shape]
    if a.calib_samples:
        base += ["--calib-samples", str(a.calib_samples)]
    # The layers: an empty precision file makes qcc quantize list them all.
    empty = os.path.join(a.work, "empty.json")
    json.dump({"layers": []}, open(empty, "w"))
    sh(base + ["--precision-file", empty, "-o", os.path.join(a.work, "layers.mlirbc")])
    layers = json.load(open(os.path.join(a.work, "layers.precision.json")))["layers"]

    def measure(model, y, ref):
        r = metrics(a, y, ref, data)
        if a.eval_qcc:  # perplexity on all the windows, by qcc eval
            cmd = [a.eval_qcc, "eval", model, "--data", a.data, "--labels", a.targets, "--metric", "perplexity"]
            if a.samples:
                cmd += ["--samples", str(a.samples)]
            r["perplexity"] = float(sh(cmd).split("perplexity ")[1].split()[0])
        return r

    xs = x[: a.sqnr_samples] if a.eval_qcc else x
    ref = run_batches(a, a.model, xs, a.work, "ref").astype(np.float64)
    rows = [("fp32", "-", measure(a.model, ref, ref), 0.0)]
    print(json.dumps({"fp32": rows[0][2]}), flush=True)
    def quantize(pf, method, out):
        cmd = base + ["--precision-file", pf, "-o", out] + (["--int4-method", method] if method != "-" else [])
        log = sh(cmd)
        return float(log.split("quantizer, ")[1].split(" s)")[0]) if "quantizer, " in log else 0.0

    if a.int8_wo:
        pf = os.path.join(a.work, "int8wo.json")
        prec = {l["name"]: "int8-wo" if l["op"] in ("gemm", "matmul") else "fp32" for l in layers}
        json.dump({"layers": [{"name": k, "precision": v} for k, v in prec.items()]}, open(pf, "w"))
        out = os.path.join(a.work, "int8wo.mlirbc")
        secs = quantize(pf, "-", out)
        r = measure(out, run_batches(a, out, xs, a.work, "q"), ref)
        rows.append(("int8-wo", "-", r, secs))
        print(json.dumps({"int8-wo": "-", **r, "quantize_s": secs}), flush=True)
    for g in a.groups.split(","):
        pf = os.path.join(a.work, "g%s.json" % g)
        prec = {l["name"]: "int4-wo-g%s" % g if l["op"] in ("gemm", "matmul") else "fp32" for l in layers}
        while True:  # layers whose K is not a multiple of G stay fp32
            json.dump({"layers": [{"name": k, "precision": v} for k, v in prec.items()]}, open(pf, "w"))
            log = sh(base + ["--precision-file", pf, "-o", os.path.join(a.work, "check.mlirbc")], ok_fail=True)
            if "cannot be int4" not in log:
                break
            bad = log.split("layer '")[1].split("' (")[0]
            print("%s cannot be int4-wo-g%s: fp32 there" % (bad, g), flush=True)
            prec[bad] = "fp32"
        for m in a.methods.split(","):
            out = os.path.join(a.work, "g%s_%s.mlirbc" % (g, m))
            secs = quantize(pf, m, out)
            y = run_batches(a, out, xs, a.work, "q")
            r = measure(out, y, ref)
            rows.append(("int4-wo-g" + g, m, r, secs))
            print(json.dumps({"int4-wo-g%s" % g: m, **r, "quantize_s": secs}), flush=True)
    key = "top1" if a.labels else "perplexity"
    print("\n| precision | int4 method | %s | SQNR (dB) | quantize (s) |\n|---|---|---|---|---|" % key)
    for prec, m, r, secs in rows:
        v = "%.4f" % r[key] if a.labels else "%.3f (%+.2f%%)" % (r[key], 100 * (r[key] / rows[0][2][key] - 1))
        print("| %s | %s | %s | %s | %s |" % (prec, m, v, "%.2f" % r["sqnr_db"] if prec != "fp32" else "-",
                                              "%.1f" % secs if secs else "-"))


if __name__ == "__main__":
    main()
