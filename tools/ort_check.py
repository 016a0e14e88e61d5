#!/usr/bin/python3
"""Whole models, qcc against ONNX Runtime: for each model, make deterministic inputs, run
`node tools/ort/reference.js` (ONNX Runtime, CPU EP, 1 thread) and `qcc run`, and report per
output max|qcc - ORT|, the ORT output's range (max - min), their ratio, and PASS if the ratio
is <= 1e-4 (--tol). Integer and bool outputs must match exactly.

usage: /usr/bin/python3 tools/ort_check.py [MODEL.onnx ...] [options]
  With no models: the default list, the torchvision resnet18 and mobilenet_v2 and the
  BERT-style encoder that tools/export_models.py writes to --models-dir (/tmp/qcc-models).
  --models-dir DIR   where the default models are
  --batch N          value of a symbolic first dim, and of any dim with the same name (default 1)
  --seq N            value of any other symbolic dim (default 128, as check_large_imports.sh)
  --seed S           input seed (default 0)
  --input M:NAME=FILE.npy  use this file for input NAME of model M (basename without .onnx)
  --opt LEVEL        ORT graphOptimizationLevel (default disabled; see tools/ort/reference.js)
  --tol T            PASS bound on max|diff| / range (default 1e-4)
  --work DIR         inputs and outputs go to DIR/<model>/{in,ort,qcc} (default /tmp/qcc-ort-check)
  --markdown         also print the result table as Markdown
If an output is constant (range 0, e.g. a single element), the ratio is taken to max abs ORT.
Needs node with tools/ort/node_modules (cd tools/ort && npm install --ignore-scripts), a built
qcc (env QCC, default build/bin/qcc) and /usr/bin/python3 with numpy and onnx. Outside CI.
Exit status 0 if every output of every model passes, 1 otherwise, 2 on usage/setup errors.

Inputs, per graph input (not initializers), generator np.random.default_rng([seed, k]) with k
the input's position: float inputs N(0, 1); integer inputs uniform in [0, V) where V is the
row count of the smallest Gather table the input indexes directly (token ids), else [0, 2);
an integer input whose name contains "mask" is 1 for the first 3/4 of its last axis and 0
after (padding, so the mask path is exercised); bool inputs are a fair coin.
Results and commands: docs/ort-check.md.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_JS = os.path.join(ROOT, "tools", "ort", "reference.js")
DEFAULT_MODELS = ["resnet18_op13", "mobilenet_v2_op13", "bert_op13"]

NP_OF_ONNX = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.INT8: np.int8, onnx.TensorProto.BOOL: np.bool_,
}


def graph_inputs(model):
    init = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in init]


def gather_bound(model, name):
    """Rows of the smallest constant table a Gather reads with `name` as its indices, or None."""
    consts = {i.name: tuple(i.dims) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant" and n.output:
            for a in n.attribute:
                if a.name == "value":
                    consts[n.output[0]] = tuple(a.t.dims)
    rows = [consts[n.input[0]][0] for n in model.graph.node
            if n.op_type == "Gather" and len(n.input) > 1 and n.input[1] == name
            and n.input[0] in consts and consts[n.input[0]]
            and not any(a.name == "axis" and a.i != 0 for a in n.attribute)]
    return min(rows) if rows else None


def make_inputs(model, args, in_dir, overrides):
    """Write one .npy per graph input; return [(name, path, shape)]."""
    os.makedirs(in_dir, exist_ok=True)
    out = []
    # a symbolic dim named like the first dim of some input is a batch dim wherever it appears
    batch_names = {i.type.tensor_type.shape.dim[0].dim_param for i in graph_inputs(model)
                   if len(i.type.tensor_type.shape.dim) and i.type.tensor_type.shape.dim[0].dim_param}
    for k, vi in enumerate(graph_inputs(model)):
        tt = vi.type.tensor_type
        if tt.elem_type not in NP_OF_ONNX:
            raise SystemExit("input %s: element type %s not supported here" % (vi.name, tt.elem_type))
        dt = NP_OF_ONNX[tt.elem_type]
        shape = []
        for j, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            else:
                shape.append(args.batch if j == 0 or d.dim_param in batch_names else args.seq)
        if vi.name in overrides:
            path = overrides[vi.name]
            shape = list(np.load(path, mmap_mode="r").shape)
            out.append((vi.name, path, shape))
            continue
        rng = np.random.default_rng([args.seed, k])
        if dt in (np.float32, np.float64):
            a = rng.standard_normal(shape).astype(dt)
        elif dt is np.bool_:
            a = rng.random(shape) < 0.5
        elif "mask" in vi.name.lower():
            a = np.zeros(shape, dt)
            last = shape[-1] if shape else 1
            a[..., : max(1, (3 * last) // 4)] = 1
        else:
            hi = gather_bound(model, vi.name) or 2
            a = rng.integers(0, hi, size=shape).astype(dt)
        path = os.path.join(in_dir, "in_%s.npy" % "".join(c if c.isalnum() or c in "._-" else "_" for c in vi.name))
        np.save(path, a)
        out.append((vi.name, path, shape))
    return out


def run(cmd, log):
    t0 = time.perf_counter()
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    return r.returncode, time.perf_counter() - t0


def first_line(log):
    with open(log) as f:
        lines = [l.strip() for l in f if l.strip()]
    for l in lines:
        if "error" in l.lower():
            return l
    return lines[0] if lines else "(no output)"


def compare(qcc_dir, ort_dir, tol):
    """[(output file, max abs diff, range, ratio, status)]"""
    rows = []
    for f in sorted(os.listdir(ort_dir)):
        if not f.endswith(".npy"):
            continue
        ref = np.load(os.path.join(ort_dir, f))
        p = os.path.join(qcc_dir, f)
        if not os.path.exists(p):
            rows.append((f, None, None, None, "FAIL (missing in qcc output)"))
            continue
        got = np.load(p)
        if got.dtype != ref.dtype or got.shape != ref.shape:
            rows.append((f, None, None, None, "FAIL (qcc %s %s, ORT %s %s)" % (got.dtype, got.shape, ref.dtype, ref.shape)))
            continue
        if ref.dtype.kind in "biu":
            n = int(np.count_nonzero(got != ref))
            d = float(np.abs(got.astype(np.int64) - ref.astype(np.int64)).max()) if ref.size else 0.0
            rng = float(ref.max() - ref.min()) if ref.size else 0.0
            rows.append((f, d, rng, 0.0 if n == 0 else float("inf"), "PASS (exact)" if n == 0 else "FAIL (%d differ)" % n))
            continue
        r, g = ref.astype(np.float64), got.astype(np.float64)
        fin = np.isfinite(r)
        if not np.array_equal(np.isfinite(g), fin) or not np.array_equal(g[~fin], r[~fin], equal_nan=True):
            rows.append((f, None, None, None, "FAIL (non-finite values differ)"))
            continue
        d = float(np.abs(g[fin] - r[fin]).max()) if fin.any() else 0.0
        rng = float(r[fin].max() - r[fin].min()) if fin.any() else 0.0
        # A constant output (one element, or a saturated sigmoid) has range 0: then the scale is
        # max|ORT| instead, and the status says so.
        scale, note = rng, ""
        if rng == 0:
            scale, note = (float(np.abs(r[fin]).max()) if fin.any() else 0.0), " (range 0: ratio to max abs ORT)"
        ratio = d / scale if scale > 0 else (0.0 if d == 0 else float("inf"))
        rows.append((f, d, rng, ratio, ("PASS" if ratio <= tol else "FAIL") + note))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--models-dir", default="/tmp/qcc-models")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--opt", default="disabled", choices=["disabled", "basic", "extended", "all"])
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--work", default="/tmp/qcc-ort-check")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    qcc = os.environ.get("QCC", os.path.join(ROOT, "build", "bin", "qcc"))
    node = shutil.which("node")
    if not os.access(qcc, os.X_OK):
        print("ort_check: no qcc at %s (build it, or set QCC)" % qcc, file=sys.stderr)
        return 2
    if not node or not os.path.isdir(os.path.join(ROOT, "tools", "ort", "node_modules", "onnxruntime-node")):
        print("ort_check: needs node and onnxruntime-node: cd tools/ort && npm install --ignore-scripts", file=sys.stderr)
        return 2
    models = args.models or [os.path.join(args.models_dir, m + ".onnx") for m in DEFAULT_MODELS]
    overrides = {}
    for spec in args.input:
        m, _, rest = spec.partition(":")
        name, _, path = rest.partition("=")
        if not (m and name and path):
            print("ort_check: --input wants MODEL:NAME=FILE.npy, got %r" % spec, file=sys.stderr)
            return 2
        overrides.setdefault(m, {})[name] = os.path.abspath(path)

    results = []  # (model, output, diff, range, ratio, status, ort s, qcc s)
    bad = 0
    for path in models:
        label = os.path.basename(path)[: -len(".onnx")] if path.endswith(".onnx") else os.path.basename(path)
        if not os.path.exists(path):
            print("%s: missing (export it: /usr/bin/python3 tools/export_models.py %s)" % (path, args.models_dir))
            results.append((label, "-", None, None, None, "FAIL (model file missing)", None, None))
            bad += 1
            continue
        work = os.path.join(args.work, label)
        shutil.rmtree(work, ignore_errors=True)
        ins = make_inputs(onnx.load(path, load_external_data=False), args, os.path.join(work, "in"), overrides.get(label, {}))
        feed = ["%s=%s" % (n, p) for n, p, _ in ins]
        shapes = []  # every non-scalar input's shape, so symbolic dims get the file's values
        for n, _, s in ins:
            if s:
                shapes += ["--input-shape", "%s=%s" % (n, "x".join(str(d) for d in s))]
        ort_cmd = [node, REFERENCE_JS, path, *feed, "--output-dir", os.path.join(work, "ort"), "--opt", args.opt, "-q"]
        qcc_cmd = [qcc, "run", path, *[x for f in feed for x in ("--input", f)], *shapes,
                   "--output-dir", os.path.join(work, "qcc"), "-q"]
        print("== %s" % label)
        print("   inputs: %s" % ", ".join("%s %s [%s]" % (n, np.load(p, mmap_mode="r").dtype, ", ".join(map(str, s))) for n, p, s in ins))
        rc, t_ort = run(ort_cmd, os.path.join(work, "ort.log"))
        if rc:
            print("   ORT failed (exit %d): %s" % (rc, first_line(os.path.join(work, "ort.log"))))
            results.append((label, "-", None, None, None, "FAIL (ORT: %s)" % first_line(os.path.join(work, "ort.log")), t_ort, None))
            bad += 1
            continue
        rc, t_qcc = run(qcc_cmd, os.path.join(work, "qcc.log"))
        if rc:
            msg = first_line(os.path.join(work, "qcc.log"))
            print("   qcc failed (exit %d): %s" % (rc, msg))
            results.append((label, "-", None, None, None, "FAIL (qcc exit %d: %s)" % (rc, msg), t_ort, t_qcc))
            bad += 1
            continue
        for f, d, rng, ratio, status in compare(os.path.join(work, "qcc"), os.path.join(work, "ort"), args.tol):
            bad += not status.startswith("PASS")
            results.append((label, f[:-4], d, rng, ratio, status, t_ort, t_qcc))
            if d is None:
                print("   %-24s %s" % (f[:-4], status))
            else:
                print("   %-24s max|qcc-ORT| %.3g  range %.4g  ratio %.3g  %s" % (f[:-4], d, rng, ratio, status))
        print("   wall time (process, incl. load): ORT %.2f s, qcc %.2f s" % (t_ort, t_qcc))

    if args.markdown:
        g = lambda v, fmt: "-" if v is None else fmt % v
        print()
        print("| model | output | max abs diff | range | ratio | result |")
        print("|---|---|---|---|---|---|")
        for label, out, d, rng, ratio, status, _, _ in results:
            print("| %s | %s | %s | %s | %s | %s |" % (label, out, g(d, "%.3g"), g(rng, "%.4g"), g(ratio, "%.2g"), status))
    print("%d model(s), %s" % (len(models), "all outputs PASS" if not bad else "%d FAIL" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
