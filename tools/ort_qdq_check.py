#!/usr/bin/python3
"""QDQ export against ONNX Runtime: quantize a model with `qcc quantize --emit=onnx`, run the
exported .onnx in ONNX Runtime and qcc's executor on the same quantized graph (the --no-fuse
.mlirbc of the same calibration), and count the output elements on which they agree within one
quantization step of the output (the scale of the graph output's DequantizeLinear).

usage: /usr/bin/python3 tools/ort_qdq_check.py [options]
  --models LIST    comma-separated: fashion_mnist (the bundled CNN, its test images) and/or
                   resnet18 (--models-dir/resnet18_op13.onnx, random weights from
                   tools/export_models.py, calibrated and tested on N(0, 1) inputs);
                   default fashion_mnist,resnet18 (resnet18 skipped with a note if absent)
  --images N       samples per model (default 1000 for fashion_mnist, 32 for resnet18)
  --calib-samples N  resnet18 calibration samples (default 32; fashion_mnist uses all 500)
  --models-dir DIR where resnet18_op13.onnx is (default /tmp/qcc-models)
  --work DIR       files go to DIR/<model>/ (default /tmp/qcc-ort-qdq)
  --jobs J         parallel qcc runs (default 2)
  --min-share F    PASS bound on the share within one step (default 0.999)
  --write-refs DIR write ORT's outputs (graphOptimizationLevel disabled) for the first 16
                   fashion_mnist images as DIR/logits.npy, with DIR/input.npy and the output
                   step DIR/step.txt (the CI reference of test/Quant/qdq-export.test)
  --markdown       also print the result table as Markdown
Environment: QCC (default build/bin/qcc). Needs node with tools/ort/node_modules (cd tools/ort &&
npm install --ignore-scripts) and /usr/bin/python3 with numpy and onnx. Outside CI.

Compared, per model (each a row):
  ORT disabled vs qcc QDQ   ORT runs the graph as written (DequantizeLinear, float op,
                            QuantizeLinear), as qcc's executor runs the --no-fuse .mlirbc
  ORT all vs qcc QDQ        ORT fuses the QDQ groups into its int8 kernels (QLinearConv, ...)
  ORT all vs qcc fused      qcc imports the exported .onnx and fuses it (qcc-fuse-qdq) into its
                            int8 kernels; skipped with a note if the importer refuses the file
PASS when both rows against the same quantized graph in QDQ form (the first two) reach
--min-share. Also checked: `qcc export` of the .mlirbc writes the same graph as --emit=onnx.
Exit 0 on PASS for every model, 1 otherwise, 2 on setup errors. Results: docs/qdq-export.md.
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "tools", "ort_qdq_check.js")


def die(msg):
    print(f"ort_qdq_check: error: {msg}", file=sys.stderr)
    sys.exit(2)


def run(cmd, log=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log:
        with open(log, "a") as f:
            f.write("$ " + " ".join(cmd) + "\n" + r.stdout)
    return r


def must(cmd, log):
    r = run(cmd, log)
    if r.returncode:
        die(f"{' '.join(cmd)} failed:\n{r.stdout}")
    return r.stdout


def graph_key(path):
    """Nodes and initializers of an ONNX file, for 'same graph' (doc_string ignored)."""
    m = onnx.load(path)
    nodes = [n.SerializeToString() for n in m.graph.node]
    inits = sorted((t.name, t.SerializeToString()) for t in m.graph.initializer)
    return nodes, inits


def output_step(path):
    """Scale and zero point of the DequantizeLinear producing graph output 0."""
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    out = m.graph.output[0].name
    for n in m.graph.node:
        if out in n.output and n.op_type == "DequantizeLinear":
            return float(inits[n.input[1]].reshape(-1)[0]), out
    die(f"{path}: output '{out}' is not made by a DequantizeLinear (is the output quantized?)")


def model_input(path):
    m = onnx.load(path)
    init = {t.name for t in m.graph.initializer}
    ins = [i for i in m.graph.input if i.name not in init]
    if len(ins) != 1:
        die(f"{path}: expected one graph input")
    dims = [d.dim_value if d.HasField("dim_value") else 1 for d in ins[0].type.tensor_type.shape.dim]
    return ins[0].name, dims


def qcc_runs(qcc, model, name, xs, work, tag, jobs):
    """qcc run on each sample; returns stacked output 0, or the first error message."""
    d = os.path.join(work, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)

    def one(k):
        xf = os.path.join(work, "x", f"{k}.npy")
        od = os.path.join(d, str(k))
        r = run([qcc, "run", model, "--input", f"{name}={xf}", "--output-dir", od, "-q"])
        if r.returncode:
            return None, r.stdout.strip()
        files = sorted(f for f in os.listdir(od) if f.endswith(".npy"))
        return np.load(os.path.join(od, files[0])), None

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        res = list(ex.map(one, range(len(xs))))
    for _, err in res:
        if err:
            return None, err
    return np.stack([r for r, _ in res]), None


def compare(a, b, step):
    a = a.reshape(len(a), -1).astype(np.float64)
    b = b.reshape(len(b), -1).astype(np.float64)
    steps = np.rint(np.abs(a - b) / step)
    return {
        "n": a.size,
        "exact": float(np.mean(steps == 0)),
        "within1": float(np.mean(steps <= 1)),
        "max_steps": int(steps.max()),
        "max_abs": float(np.abs(a - b).max()),
        "top1": float(np.mean(a.argmax(1) == b.argmax(1))),
    }


def check_model(args, qcc, mname, onnx_path, calib, xs):
    work = os.path.join(args.work, mname)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "x"))
    log = os.path.join(work, "log.txt")
    q_onnx, q_bc, q_re = (os.path.join(work, f) for f in ("q.onnx", "q.mlirbc", "q_export.onnx"))
    must([qcc, "quantize", onnx_path, "--calib", calib, "--emit=onnx", "-o", q_onnx], log)
    must([qcc, "quantize", onnx_path, "--calib", calib, "--no-fuse", "-o", q_bc], log)
    must([qcc, "export", q_bc, "-o", q_re], log)
    same = graph_key(q_onnx) == graph_key(q_re)
    step, out_name = output_step(q_onnx)
    name, dims = model_input(q_onnx)
    xs = xs.reshape([len(xs)] + dims).astype(np.float32)
    np.save(os.path.join(work, "x_all.npy"), xs)
    for k in range(len(xs)):
        np.save(os.path.join(work, "x", f"{k}.npy"), xs[k])
    ort = {}
    for level in ("disabled", "all"):
        od = os.path.join(work, f"ort_{level}")
        r = run(["node", RUNNER, q_onnx, f"{name}={os.path.join(work, 'x_all.npy')}", "--output-dir", od,
                 "--opt", level, "-q"], log)
        if r.returncode:
            die(f"ONNX Runtime failed on {q_onnx}:\n{r.stdout}")
        files = sorted(f for f in os.listdir(od) if f.endswith(".npy"))
        ort[level] = np.load(os.path.join(od, files[0]))
    qdq, err = qcc_runs(qcc, q_bc, name, xs, work, "qcc_qdq", args.jobs)
    if err:
        die(f"qcc run {q_bc}: {err}")
    fused, ferr = qcc_runs(qcc, q_onnx, name, xs, work, "qcc_onnx", args.jobs)
    rows = [("ORT disabled vs qcc QDQ", compare(ort["disabled"], qdq, step), True),
            ("ORT all vs qcc QDQ", compare(ort["all"], qdq, step), True)]
    if fused is not None:
        rows.append(("ORT all vs qcc fused (.onnx imported)", compare(ort["all"], fused, step), False))
        rows.append(("qcc fused (.onnx) vs qcc QDQ", compare(fused, qdq, step), False))
    ok = same and all(r["within1"] >= args.min_share for _, r, req in rows if req)
    return {"model": mname, "images": len(xs), "step": step, "output": out_name, "same_graph": same,
            "rows": rows, "fused_error": ferr, "ok": ok, "ort_disabled": ort["disabled"], "xs": xs}


def fashion_data(n):
    d = np.load(os.path.join(ROOT, "models", "fashion_mnist_test.npz"))
    return d["input"][:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="fashion_mnist,resnet18")
    ap.add_argument("--images", type=int, default=0)
    ap.add_argument("--calib-samples", type=int, default=32)
    ap.add_argument("--models-dir", default="/tmp/qcc-models")
    ap.add_argument("--work", default="/tmp/qcc-ort-qdq")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--min-share", type=float, default=0.999)
    ap.add_argument("--write-refs")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    qcc = os.environ.get("QCC", os.path.join(ROOT, "build", "bin", "qcc"))
    if not os.access(qcc, os.X_OK):
        die(f"no qcc at {qcc} (build it, or set QCC)")
    if not shutil.which("node"):
        die("node is not installed")
    if not os.path.isdir(os.path.join(ROOT, "tools", "ort", "node_modules", "onnxruntime-node")):
        die("onnxruntime-node is missing: cd tools/ort && npm install --ignore-scripts")
    results = []
    for mname in args.models.split(","):
        if mname == "fashion_mnist":
            xs = fashion_data(args.images or 1000)
            res = check_model(args, qcc, mname, os.path.join(ROOT, "models", "fashion_mnist_cnn.onnx"),
                              os.path.join(ROOT, "models", "fashion_mnist_calib.npz"), xs)
        elif mname == "resnet18":
            path = os.path.join(args.models_dir, "resnet18_op13.onnx")
            if not os.path.exists(path):
                print(f"note: {path} is missing (tools/export_models.py --only resnet18); skipped")
                continue
            name, dims = model_input(path)
            rng = np.random.default_rng(0)
            calib = os.path.join(args.work, "resnet18_calib.npz")
            os.makedirs(args.work, exist_ok=True)
            np.savez(calib, **{name: rng.standard_normal([args.calib_samples] + dims[1:], dtype=np.float32)})
            xs = np.random.default_rng(1).standard_normal([args.images or 32] + dims[1:], dtype=np.float32)
            res = check_model(args, qcc, mname, path, calib, xs)
        else:
            die(f"unknown model '{mname}' (fashion_mnist, resnet18)")
        results.append(res)
        if args.write_refs and mname == "fashion_mnist":
            os.makedirs(args.write_refs, exist_ok=True)
            np.save(os.path.join(args.write_refs, "input.npy"), res["xs"][:16])
            np.save(os.path.join(args.write_refs, "logits.npy"), res["ort_disabled"][:16])
            with open(os.path.join(args.write_refs, "step.txt"), "w") as f:
                f.write(f"{res['step']!r}\n")
            print(f"wrote {args.write_refs}/input.npy, logits.npy (ORT, first 16 images) and step.txt")
    ort_version = run(["node", "-e", f"console.log(require('{ROOT}/tools/ort/node_modules/onnxruntime-node').env.versions.node)"]).stdout.strip()
    lines = [f"ONNX Runtime {ort_version} (CPU EP, 1 thread); qcc {qcc}", "",
             "| model | images | output step | comparison | elements | exact | within 1 step | max diff (steps) | top-1 agree |",
             "|---|---|---|---|---|---|---|---|---|"]
    all_ok = True
    for r in results:
        all_ok &= r["ok"]
        print(f"{r['model']}: {r['images']} images, output '{r['output']}' step {r['step']:.6g}; "
              f"--emit=onnx and qcc export of the --no-fuse .mlirbc write the same graph: {r['same_graph']}")
        for label, c, req in r["rows"]:
            print(f"  {label:40s} {c['within1'] * 100:8.3f}% within 1 step ({c['exact'] * 100:.3f}% exact), "
                  f"max {c['max_steps']} steps ({c['max_abs']:.4g}), top-1 agree {c['top1'] * 100:.2f}%"
                  f"{'' if not req else ('  PASS' if c['within1'] >= args.min_share else '  FAIL')}")
            lines.append(f"| {r['model']} | {r['images']} | {r['step']:.6g} | {label} | {c['n']} | {c['exact'] * 100:.3f}% | "
                         f"{c['within1'] * 100:.3f}% | {c['max_steps']} ({c['max_abs']:.4g}) | {c['top1'] * 100:.2f}% |")
        if r["fused_error"]:
            print(f"  qcc run on the exported .onnx: {r['fused_error'].splitlines()[-1]}")
        print(f"  {'PASS' if r['ok'] else 'FAIL'}")
    if args.markdown:
        print("\n" + "\n".join(lines))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
