#!/usr/bin/python3
"""The transformer language model's precision table (docs/precision.md,
"Transformer language model"): every Linear layer (MatMul by a constant
[K][N] weight) at one precision at a time, through qcc:

    qcc quantize LM --calib CALIB --precision-file P.json [--int4-method M] -o P.mlirbc
    qcc eval P.mlirbc --data TEST --labels targets --metric perplexity
    qcc run P.mlirbc --input tokens=X.npy --repeat R        (executor latency, batch 1)
    qcc compile P.mlirbc -o DIR; DIR/P-run --input tokens=X.npy --bench R   (compiled library)

fp32 is the ONNX model itself. Latencies are measured in the same run,
interleaved over --rounds rounds (the minimum of each precision's per-round
minimum), and reported as a ratio against fp32 as well, since the machine is
shared. Weight bytes: "model" is the precision file's (codes, scales and zero
points of the Linear layers) plus the float constants outside the layers
(embeddings, biases, LayerNorm, masks), counted from the ONNX file;
"library" is the compiled library's weights file (packed weights).

    /usr/bin/python3 tools/lm_table.py --lm DIR [--qcc build/bin/qcc] [--samples N]
        [--precisions fp32,int8-wo,int4-wo-g32,int4-wo-g64,int4-wo-g128] [--int4-method rtn|awq|gptq]

DIR holds lm.onnx, lm_calib.npz and lm_test.npz (tools/train_lm.py). Prints a
Markdown table; --json F also writes the rows.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper as numpy_helper


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        sys.exit(f"lm_table: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout


def linear_layers(model):
    """Node names of the MatMul/Gemm nodes whose weight (input 1) is an initializer."""
    inits = {i.name for i in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type in ("MatMul", "Gemm") and n.input[1] in inits]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lm", required=True, help="folder with lm.onnx, lm_calib.npz, lm_test.npz")
    ap.add_argument("--qcc", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "qcc"))
    ap.add_argument("--precisions", default="fp32,int8-wo,int4-wo-g32,int4-wo-g64,int4-wo-g128")
    ap.add_argument("--int4-method", default=None, help="passed to qcc quantize (rtn, awq, gptq) when given")
    ap.add_argument("--samples", type=int, default=0, help="test windows to evaluate (default: all)")
    ap.add_argument("--repeat", type=int, default=20, help="qcc run --repeat per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default=None, help="keep the quantized modules here (default: a temporary folder)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    onnx_path = os.path.join(a.lm, "lm.onnx")
    calib, test = os.path.join(a.lm, "lm_calib.npz"), os.path.join(a.lm, "lm_test.npz")
    for f in (onnx_path, calib, test, a.qcc):
        if not os.path.exists(f):
            sys.exit(f"lm_table: {f} not found (tools/train_lm.py writes the model; build qcc first)")
    model = onnx.load(onnx_path)
    layers = linear_layers(model)
    if not layers:
        sys.exit(f"lm_table: {onnx_path} has no MatMul/Gemm with a constant weight")
    weights = {i.name for i in model.graph.initializer
               if any(n.op_type in ("MatMul", "Gemm") and n.input[1] == i.name and n.name in layers for n in model.graph.node)}
    other_bytes = sum(numpy_helper.to_array(i).nbytes for i in model.graph.initializer if i.name not in weights)
    work = a.work or tempfile.mkdtemp(prefix="lm_table_")
    os.makedirs(work, exist_ok=True)
    x = np.load(test)["tokens"][:1]
    xfile = os.path.join(work, "x.npy")
    np.save(xfile, x)
    precs = a.precisions.split(",")
    mods, rows = {}, {}
    for p in precs:
        row = {"precision": p}
        if p == "fp32":
            mods[p] = onnx_path
            fp = sum(numpy_helper.to_array(i).nbytes for i in model.graph.initializer if i.name in weights)
            # the biases are Add constants outside the layers: counted in other_bytes
            row["layer_bytes"] = fp
        else:
            pf = os.path.join(work, f"{p}.json")
            with open(pf, "w") as f:
                json.dump({"layers": [{"name": n, "precision": p} for n in layers]}, f)
            out = os.path.join(work, f"{p}.mlirbc")
            cmd = [a.qcc, "quantize", onnx_path, "--calib", calib, "--precision-file", pf, "-o", out]
            if a.int4_method and p.startswith("int4"):
                cmd += ["--int4-method", a.int4_method]
            run(cmd)
            with open(os.path.join(work, f"{p}.precision.json")) as f:
                pj = json.load(f)
            got = {l["name"]: l["precision"] for l in pj["layers"]}
            wrong = [n for n in layers if got.get(n) != p]
            if wrong:
                sys.exit(f"lm_table: {p}: layers not at {p}: {', '.join(wrong[:4])}")
            row["layer_bytes"] = int(pj["weight_bytes"])
            mods[p] = out
        row["weight_bytes"] = row["layer_bytes"] + other_bytes
        ev = [a.qcc, "eval", mods[p], "--data", test, "--labels", "targets", "--metric", "perplexity"]
        if a.samples:
            ev += ["--samples", str(a.samples)]
        m = re.search(r"perplexity ([0-9.]+) \(cross-entropy [0-9.]+ nats\) on (\d+) samples, (\d+) tokens", run(ev))
        if not m:
            sys.exit(f"lm_table: unexpected qcc eval output for {p}")
        row["perplexity"], row["samples"], row["tokens"] = float(m.group(1)), int(m.group(2)), int(m.group(3))
        rows[p] = row
        print(f"{p}: perplexity {row['perplexity']:.4f}", file=sys.stderr, flush=True)
    runners = {}
    for p in precs:
        lib = os.path.join(work, f"lib-{p}")
        run([a.qcc, "compile", mods[p], "-o", lib, "-q"])
        exe = [f for f in os.listdir(lib) if f.endswith("-run")]
        wts = [f for f in os.listdir(lib) if f.endswith(".weights.bin")]
        if len(exe) != 1 or len(wts) != 1:
            sys.exit(f"lm_table: {lib}: expected one runner and one weights file")
        runners[p] = os.path.join(lib, exe[0])
        rows[p]["library_bytes"] = os.path.getsize(os.path.join(lib, wts[0]))
    for r in range(a.rounds):
        for p in precs:
            out = run([a.qcc, "run", mods[p], "--input", f"tokens={xfile}", "--repeat", str(a.repeat)])
            m = re.search(r"time: run median ([0-9.]+) ms, min ([0-9.]+) ms", out)
            if not m:
                sys.exit(f"lm_table: unexpected qcc run output for {p}")
            rows[p]["min_ms"] = min(rows[p].get("min_ms", 1e30), float(m.group(2)))
            out = run([runners[p], "--input", f"tokens={xfile}", "--bench", str(a.repeat)])
            m = re.search(r"latency: median ([0-9.]+) ms, p90 [0-9.]+ ms, min ([0-9.]+) ms", out)
            if not m:
                sys.exit(f"lm_table: unexpected runner output for {p}")
            rows[p]["lib_min_ms"] = min(rows[p].get("lib_min_ms", 1e30), float(m.group(2)))
    base = rows.get("fp32", rows[precs[0]])
    print(f"{len(layers)} Linear layers; {base['samples']} test windows, {base['tokens']} tokens; latency: batch 1 "
          f"(one window of {x.shape[1]} tokens), min over {a.rounds} rounds x {a.repeat} runs")
    print()
    print("| precision | weights: model | library | perplexity | vs fp32 | qcc run ms | vs fp32 | library ms | vs fp32 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in precs:
        r = rows[p]
        r["ppl_rel"] = r["perplexity"] / base["perplexity"] - 1
        r["latency_ratio"] = r["min_ms"] / base["min_ms"]
        r["lib_latency_ratio"] = r["lib_min_ms"] / base["lib_min_ms"]
        print(f"| {p}{' (' + a.int4_method + ')' if a.int4_method and p.startswith('int4') else ''} | "
              f"{r['weight_bytes']} | {r['library_bytes']} | {r['perplexity']:.4f} | {100 * r['ppl_rel']:+.2f}% | "
              f"{r['min_ms']:.2f} | {r['latency_ratio']:.2f}x | {r['lib_min_ms']:.2f} | {r['lib_latency_ratio']:.2f}x |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump([rows[p] for p in precs], f, indent=1)


if __name__ == "__main__":
    main()
