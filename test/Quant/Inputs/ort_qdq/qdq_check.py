#!/usr/bin/python3
"""Helpers of test/Quant/qdq-export.test.

  qdq_check.py structure MODEL.onnx [--expect-step STEP.txt]
      onnx.checker (full check, with shape inference), then one line per fact FileCheck reads:
      opset, graph inputs/outputs, node count per op type, the named compute nodes, the
      DequantizeLinear nodes of int32 and per-axis tensors, the output's quantization step
      (and whether it is the one in STEP.txt).
  qdq_check.py compare QCC MODEL REF_DIR WORK_DIR [--min-share F]
      `QCC run MODEL` on each sample of REF_DIR/input.npy ([N, 1, 28, 28]) and compare output 0
      with REF_DIR/logits.npy (ONNX Runtime's, [N, 1, 10]): the share of elements within one
      output quantization step (REF_DIR/step.txt: the scale the references were made with)
      must be >= F (default 0.999). Exit 1 if not, or if MODEL's output step differs from the
      recorded one (calibration changed: remake the references, see REF_DIR/README.md).
  qdq_check.py roundtrip QCC IMPORT_DIR EXEC_DIR WORK_DIR
      Every IMPORT_DIR/<name>.onnx with inputs EXEC_DIR/<name>/in_*.npy: `QCC export` it, then
      `QCC run` on the original and on the export must write the same outputs, bit for bit.
"""
import collections
import concurrent.futures
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper


JOBS = 4  # qcc processes at a time (each mostly waits on loading MLIR's shared libraries)


def output_step(m):
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    out = m.graph.output[0].name
    for n in m.graph.node:
        if out in n.output and n.op_type == "DequantizeLinear":
            return float(inits[n.input[1]].reshape(-1)[0]), int(inits[n.input[2]].reshape(-1)[0])
    return None, None


def structure(path, expect=None):
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    print("checker: ok")
    print("opset:", ",".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in m.opset_import), "ir:", m.ir_version)
    elem = {i.name: onnx.TensorProto.DataType.Name(i.type.tensor_type.elem_type) for i in m.graph.input}
    print("inputs:", " ".join(f"{n}:{t}" for n, t in elem.items()))
    print("outputs:", " ".join(o.name for o in m.graph.output))
    counts = collections.Counter(n.op_type for n in m.graph.node)
    print("ops:", " ".join(f"{k}={counts[k]}" for k in sorted(counts)))
    inits = {t.name: t for t in m.graph.initializer}
    for n in m.graph.node:
        if n.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            print("node:", n.op_type, n.name)
    for n in m.graph.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in inits:
            t = inits[n.input[0]]
            axis = [a.i for a in n.attribute if a.name == "axis"]
            print("dq-initializer:", onnx.TensorProto.DataType.Name(t.data_type), "x".join(map(str, t.dims)),
                  f"axis={axis[0]}" if axis else "per-tensor", "zero_point" if len(n.input) > 2 else "no-zero_point")
    step, zp = output_step(m)
    print(f"output step: {step!r} zero point {zp}")
    if expect:
        with open(expect) as f:
            want = float(f.read().split()[0])
        print("output step matches the references" if step == want else
              f"output step {step!r} differs from the references' {want!r}: calibration changed; "
              f"remake them (test/Quant/Inputs/ort_qdq/README.md)")


def compare(qcc, model, refs, work, min_share):
    xs = np.load(os.path.join(refs, "input.npy"))
    ref = np.load(os.path.join(refs, "logits.npy"))
    with open(os.path.join(refs, "step.txt")) as f:
        step = float(f.read().split()[0])
    if model.endswith(".onnx"):
        got, _ = output_step(onnx.load(model))
        if got != step:
            print(f"FAIL: {model} has output step {got!r}, the references were made at {step!r}: calibration changed; "
                  f"remake them (test/Quant/Inputs/ort_qdq/README.md)")
            return 1
    os.makedirs(work, exist_ok=True)

    def one(k):
        xf, od = os.path.join(work, f"x{k}.npy"), os.path.join(work, f"out{k}")
        np.save(xf, xs[k])
        r = subprocess.run([qcc, "run", model, "--input", f"input={xf}", "--output-dir", od, "-q"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return (None, f"qcc run on sample {k}:\n{r.stdout}") if r.returncode else (np.load(os.path.join(od, "logits.npy")), None)

    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        res = list(ex.map(one, range(len(xs))))
    for _, err in res:
        if err:
            print("FAIL:", err)
            return 1
    got = np.stack([r for r, _ in res]).astype(np.float64)
    if got.shape != ref.shape:
        print(f"FAIL: outputs {got.shape}, references {ref.shape}")
        return 1
    steps = np.rint(np.abs(got - ref) / step)
    n, within, exact = steps.size, int((steps <= 1).sum()), int((steps == 0).sum())
    share = within / n
    print(f"{len(xs)} samples, {n} elements: {within} within one step of {step:.6g} ({share * 100:.2f}%), "
          f"{exact} equal, max {int(steps.max())} steps")
    if share < min_share:
        worst = np.unravel_index(int(np.argmax(steps)), steps.shape)
        print(f"FAIL: below {min_share * 100:.1f}%; worst at {tuple(int(i) for i in worst)}: "
              f"qcc {got[worst]:.6g}, ORT {ref[worst]:.6g}")
        return 1
    print("PASS")
    return 0


def roundtrip(qcc, import_dir, exec_dir, work):
    """Every model of IMPORT_DIR with inputs in EXEC_DIR/<name>/in_*.npy: qcc export, then qcc run
    on the original and on the export must give the same outputs, bit for bit."""
    os.makedirs(work, exist_ok=True)
    names = sorted(n for n in os.listdir(exec_dir) if os.path.exists(os.path.join(import_dir, n + ".onnx")))

    def one(n):
        bad = []
        model, out = os.path.join(import_dir, n + ".onnx"), os.path.join(work, n + ".onnx")
        ins = []
        for f in sorted(os.listdir(os.path.join(exec_dir, n))):
            if f.startswith("in_") and f.endswith(".npy"):
                ins += ["--input", f"{f[3:-4]}={os.path.join(exec_dir, n, f)}"]
        r = subprocess.run([qcc, "export", model, "-o", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            return [f"{n}: export failed: {r.stdout.strip().splitlines()[-1]}"]
        onnx.checker.check_model(onnx.load(out), full_check=True)
        res = []
        for tag, m in (("a", model), ("b", out)):
            od = os.path.join(work, f"{n}.{tag}")
            r = subprocess.run([qcc, "run", m, *ins, "--output-dir", od, "-q"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode:
                bad.append(f"{n}: qcc run {m} failed: {r.stdout.strip().splitlines()[-1]}")
                break
            res.append({f: np.load(os.path.join(od, f)) for f in sorted(os.listdir(od))})
        if len(res) == 2:
            for f, a in res[0].items():
                b = res[1].get(f)
                if b is None or a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                    bad.append(f"{n}: output {f} differs after the round trip")
        return bad

    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        results = list(ex.map(one, names))
    for line in (line for lines in results for line in lines):
        print("FAIL", line)
    failed = sum(1 for lines in results if lines)
    print(f"roundtrip: {len(names)} models, {len(names) - failed} identical")
    return 1 if failed else 0


def main(argv):
    if len(argv) in (3, 5) and argv[1] == "structure":
        structure(argv[2], argv[4] if len(argv) == 5 and argv[3] == "--expect-step" else None)
        return 0
    if len(argv) >= 6 and argv[1] == "compare":
        min_share = float(argv[argv.index("--min-share") + 1]) if "--min-share" in argv else 0.999
        return compare(argv[2], argv[3], argv[4], argv[5], min_share)
    if len(argv) == 6 and argv[1] == "roundtrip":
        return roundtrip(argv[2], argv[3], argv[4], argv[5])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
