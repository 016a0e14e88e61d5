#!/usr/bin/python3
"""Run ONNX's own backend test data (Debian libonnx-testdata) through `qcc run`
and compare with the expected outputs.

For every test folder (model.onnx + test_data_set_*/input_*.pb, output_*.pb):
  unsupported  the model uses an op type outside qcc's op list (`qcc import
               --list-ops`) or a non-default domain; the reason names the ops.
  pass         every data set's outputs match: float outputs with ONNX's backend
               runner tolerances (numpy assert_allclose, rtol=1e-3, atol=1e-7,
               onnx/backend/test/loader), integer and bool outputs bit-exact,
               same dtype and shape.
  fail         anything else (qcc refused the model, crashed or mismatched);
               the reason is recorded.
Inputs that ONNX node tests feed as graph inputs but qcc needs as constants
(shapes, axes, pads, repeats ...) are bound with `qcc run --bind` when the
plain run is refused for that reason; the result says "bound".

The expected result of every test is checked in (expected.txt). A test that
was expected to pass and no longer does fails the suite, and so does a pass
count per folder below its pin. A test that newly passes is reported; rerun
with --update to record it (pins only grow).

usage: run_testdata.py QCC [--update] [--markdown FILE] [--filter SUBSTR] [-j N] [-v]
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data"
FOLDERS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected.txt")
RTOL, ATOL = 1e-3, 1e-7
# Messages from qcc that mean "this input must be a constant" (then --bind).
NEEDS_CONST = re.compile(r"input '([^']+)' \([^)]*\) must be a constant")
# Ops the importer folds on constants but the dialect has no op for.
FOLD_ONLY = re.compile(r"\((\w+), opset \d+\): \1 is supported only on constants")


def sanitize(name, index):
    out = "".join(c if c.isalnum() and c.isascii() or c in "._-" else "_" for c in name)
    return out if out not in ("", ".", "..") else f"output_{index}"


def output_files(names):
    files = []
    for i, n in enumerate(names):
        base = sanitize(n, i)
        if any(sanitize(names[j], j) == base for j in range(i)):
            base += f"_{i}"
        files.append(base + ".npy")
    return files


def compare(ref, got):
    """None if got matches ref, else a one-line reason."""
    if got.dtype != ref.dtype:
        return f"dtype {got.dtype} != expected {ref.dtype}"
    if got.shape != ref.shape:
        return f"shape {list(got.shape)} != expected {list(ref.shape)}"
    if ref.dtype.kind == "f":
        r = ref.astype(np.float64)
        g = got.astype(np.float64)
        same_nan = np.isnan(r) == np.isnan(g)
        both = ~np.isnan(r) & ~np.isnan(g)
        inf_ok = np.all((r[both] == g[both]) | np.isfinite(r[both]))
        with np.errstate(invalid="ignore"):
            close = np.abs(g - r) <= ATOL + RTOL * np.abs(r)
        close = close | (r == g) | (np.isnan(r) & np.isnan(g))
        if same_nan.all() and inf_ok and close.all():
            return None
        bad = int((~close).sum())
        with np.errstate(invalid="ignore"):
            err = np.nanmax(np.abs(g - r)) if both.any() else float("nan")
        return f"{bad}/{ref.size} values outside rtol={RTOL} atol={ATOL} (max |diff| {err:.3g})"
    if np.array_equal(ref, got):
        return None
    return f"{int((ref != got).sum())}/{ref.size} integer values differ"


def model_info(path):
    m = onnx.load(path, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    ins = [(vi.name, vi.type.tensor_type.elem_type) for vi in m.graph.input if vi.name not in inits]
    outs = [vi.name for vi in m.graph.output]
    ops = sorted({n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}" for n in m.graph.node})
    # Values of types the dialect has no type for: strings, sequences, optionals, maps.
    bad_type = None
    for vi in list(m.graph.input) + list(m.graph.output):
        kind = vi.type.WhichOneof("value")
        if kind != "tensor_type":
            bad_type = f"'{vi.name}' is a {kind.replace('_type', '')} (the dialect has tensors only)"
        elif vi.type.tensor_type.elem_type == onnx.TensorProto.STRING:
            bad_type = f"'{vi.name}' is a string tensor (the dialect has no string type)"
    return ins, outs, ops, bad_type


# Tests that cannot pass for a reason outside qcc, each with the reason. They are
# counted as unsupported and listed with the reason in docs/conformance.md.
OVERRIDES = {
    "node/test_training_dropout": "output is random: training-mode Dropout with ratio > 0 draws its mask from numpy's generator",
    "node/test_training_dropout_default": "output is random: training-mode Dropout with ratio > 0 draws its mask from numpy's generator",
    "node/test_training_dropout_default_mask": "output is random: training-mode Dropout with ratio > 0 draws its mask from numpy's generator",
    "node/test_training_dropout_mask": "output is random: training-mode Dropout with ratio > 0 draws its mask from numpy's generator",
    "node/test_castlike_BFLOAT16_to_FLOAT_expanded": "test data: input 'like' is fed with shape [1] but the model declares [3, 4] (ONNX Runtime rejects it too)",
    "node/test_castlike_FLOAT_to_BFLOAT16_expanded": "test data: input 'like' is fed with shape [1] but the model declares [3, 4] (ONNX Runtime rejects it too)",
}


def run_qcc(qcc, model, feeds, tmp, bound):
    args = [qcc, "run", "-q", model, "--output-dir", os.path.join(tmp, "out")]
    for name, path, _ in feeds:
        args += ["--bind" if name in bound else "--input", f"{name}={path}"]
    shutil.rmtree(os.path.join(tmp, "out"), ignore_errors=True)
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def last_line(s):
    lines = [l for l in s.strip().splitlines() if l.strip()]
    return lines[-1][:300] if lines else ""


def run_test(qcc, supported, folder, name):
    d = os.path.join(DATA, folder, name)
    model = os.path.join(d, "model.onnx")
    try:
        ins, outs, ops, bad_type = model_info(model)
    except Exception as e:  # a model the onnx package cannot read
        return ("fail", f"onnx cannot load the model: {e}", [], False)
    missing = [o for o in ops if o not in supported]
    if missing:
        return ("unsupported", "not in qcc's op list: " + " ".join(missing), ops, False)
    if bad_type:
        return ("unsupported", bad_type, ops, False)
    if f"{folder}/{name}" in OVERRIDES:
        return ("unsupported", OVERRIDES[f"{folder}/{name}"], ops, False)
    sets = sorted(glob.glob(os.path.join(d, "test_data_set_*")))
    if not sets:
        return ("unsupported", "no test data set", ops, False)
    bound_any = False
    with tempfile.TemporaryDirectory(prefix="qcc-conf-") as tmp:
        for ds in sets:
            feeds = []
            for i, (iname, _) in enumerate(ins):
                pb = os.path.join(ds, f"input_{i}.pb")
                if not os.path.exists(pb):
                    return ("fail", f"{os.path.basename(ds)}: missing {os.path.basename(pb)}", ops, False)
                try:
                    a = numpy_helper.to_array(onnx.load_tensor(pb))
                except Exception as e:
                    return ("fail", f"{os.path.basename(pb)} is not a tensor onnx can read: {e}", ops, False)
                p = os.path.join(tmp, f"in{i}.npy")
                np.save(p, a)
                feeds.append((iname, p, a.dtype.kind))
            # Bind exactly the inputs qcc names as needing a constant value.
            names = {f[0] for f in feeds}
            bound = set()
            while True:
                r = run_qcc(qcc, model, feeds, tmp, bound)
                m = NEEDS_CONST.search(r.stderr) if r.returncode > 0 else None
                if not m or m.group(1) not in names or m.group(1) in bound:
                    break
                bound.add(m.group(1))
            bound_any |= bool(bound)
            m = FOLD_ONLY.search(r.stderr) if r.returncode > 0 else None
            if m:
                return ("unsupported", f"{m.group(1)} is not a dialect op (it runs only as import-time shape math)", ops, False)
            if r.returncode < 0:
                return ("fail", f"qcc crashed (signal {-r.returncode}): {last_line(r.stderr)}", ops, bound_any)
            if r.returncode != 0:
                return ("fail", f"exit {r.returncode}: {last_line(r.stderr)}", ops, bound_any)
            for k, fn in enumerate(output_files(outs)):
                ref = numpy_helper.to_array(onnx.load_tensor(os.path.join(ds, f"output_{k}.pb")))
                got = np.load(os.path.join(tmp, "out", fn))
                why = compare(ref, got)
                if why:
                    return ("fail", f"{os.path.basename(ds)} output '{outs[k]}': {why}", ops, bound_any)
    return ("pass", "", ops, bound_any)


def load_expected():
    exp = {}
    if os.path.exists(EXPECTED):
        for line in open(EXPECTED):
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                key, status = line.split()[:2]
                exp[key] = status
    return exp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("qcc")
    ap.add_argument("--update", action="store_true", help="record the current results in expected.txt")
    ap.add_argument("--markdown", help="write the per-op table and the failure list as markdown")
    ap.add_argument("--filter", default="", help="only tests whose folder/name contains this")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-v", action="store_true", help="print every test")
    a = ap.parse_args()

    out = subprocess.run([a.qcc, "import", "--list-ops"], capture_output=True, text=True, check=True).stdout
    supported = set(out.split())
    tests = [(f, n) for f in FOLDERS for n in sorted(os.listdir(os.path.join(DATA, f)))
             if os.path.exists(os.path.join(DATA, f, n, "model.onnx")) and a.filter in f"{f}/{n}"]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as pool:
        futs = {pool.submit(run_test, a.qcc, supported, f, n): (f, n) for f, n in tests}
        for fut in concurrent.futures.as_completed(futs):
            f, n = futs[fut]
            try:
                results[f"{f}/{n}"] = fut.result()
            except subprocess.TimeoutExpired:
                results[f"{f}/{n}"] = ("fail", "timed out after 300 s", [], False)

    expected = load_expected()
    regress, improved = [], []
    per_op = {}
    per_folder = {f: {"pass": 0, "fail": 0, "unsupported": 0} for f in FOLDERS}
    for key in sorted(results):
        status, why, ops, bound = results[key]
        per_folder[key.split("/")[0]][status] += 1
        for op in ops:
            per_op.setdefault(op, {"pass": 0, "fail": 0, "unsupported": 0})[status] += 1
        if a.v or status == "fail":
            print(f"{status.upper():11s} {key}{' (bound)' if bound else ''} {why}")
        want = expected.get(key)
        if want == "pass" and status != "pass":
            regress.append((key, status, why))
        elif status == "pass" and want != "pass":
            improved.append(key)

    pins = {}
    for line in open(EXPECTED) if os.path.exists(EXPECTED) else []:
        m = re.match(r"# pin (\S+) (\d+)", line)
        if m:
            pins[m.group(1)] = int(m.group(2))
    print(f"\n{'folder':20s} {'pass':>5s} {'fail':>5s} {'unsup':>5s}  pinned")
    for f in FOLDERS:
        c = per_folder[f]
        print(f"{f:20s} {c['pass']:5d} {c['fail']:5d} {c['unsupported']:5d}  {pins.get(f, 0)}")
    low = [f for f in FOLDERS if not a.filter and per_folder[f]["pass"] < pins.get(f, 0)]

    if a.markdown:
        write_markdown(a.markdown, results, per_op, per_folder)
    if a.update:
        if a.filter:
            sys.exit("--update needs the whole suite (no --filter)")
        with open(EXPECTED, "w") as fh:
            fh.write("# Expected result of every ONNX backend test (run_testdata.py --update).\n")
            fh.write("# A test expected to pass must pass; pins (passes per folder) only grow.\n")
            for f in FOLDERS:
                fh.write(f"# pin {f} {max(per_folder[f]['pass'], pins.get(f, 0))}\n")
            for key in sorted(results):
                status, why, _, bound = results[key]
                fh.write(f"{key} {status}{' bound' if bound and status == 'pass' else ''}{'  # ' + why if why else ''}\n")
        print(f"wrote {EXPECTED}")
    for key in improved:
        print(f"NEW PASS {key} (run with --update to record it)")
    for key, status, why in regress:
        print(f"REGRESSION {key}: expected pass, got {status}: {why}")
    for f in low:
        print(f"REGRESSION {f}: {per_folder[f]['pass']} passed < pinned {pins[f]}")
    n = sum(c["pass"] for c in per_folder.values())
    print(f"{n} passed, {len(regress) + len(low)} regressions")
    return 1 if (regress or low) and not a.update else 0


def write_markdown(path, results, per_op, per_folder):
    with open(path, "w") as fh:
        fh.write("# Conformance: ONNX backend test data through `qcc run`\n\n")
        fh.write("Generated by `test/conformance/run_testdata.py build/bin/qcc --markdown docs/conformance.md` "
                 "over Debian's libonnx-testdata; the same script runs in ctest (`conformance.run`) against "
                 "`test/conformance/expected.txt`. Float outputs: rtol 1e-3, atol 1e-7 (ONNX's backend runner "
                 "defaults); integer and bool outputs bit-exact.\n\n")
        fh.write("| folder | pass | fail | unsupported |\n|---|---|---|---|\n")
        for f in FOLDERS:
            c = per_folder[f]
            fh.write(f"| {f} | {c['pass']} | {c['fail']} | {c['unsupported']} |\n")
        fh.write("\n## Per op type (a test counts for every op type in its model)\n\n")
        fh.write("| op | pass | fail | unsupported |\n|---|---|---|---|\n")
        for op in sorted(per_op):
            c = per_op[op]
            fh.write(f"| {op} | {c['pass']} | {c['fail']} | {c['unsupported']} |\n")
        fails = [(k, v) for k, v in sorted(results.items()) if v[0] == "fail"]
        fh.write(f"\n## Failures ({len(fails)})\n\n")
        for k, v in fails:
            fh.write(f"- `{k}`: {v[1]}\n")
        uns, other = {}, []
        for k, v in sorted(results.items()):
            if v[0] != "unsupported":
                continue
            if v[1].startswith("not in qcc's op list: "):
                for op in v[1].split(": ", 1)[1].split():
                    uns[op] = uns.get(op, 0) + 1
            else:
                other.append((k, v[1]))
        fh.write("\n## Unsupported op types (not in qcc's op list), by number of tests\n\n")
        fh.write(", ".join(f"{op} ({n})" for op, n in sorted(uns.items(), key=lambda x: (-x[1], x[0]))) + "\n")
        fh.write(f"\n## Other unsupported tests ({len(other)}), each with its reason\n\n")
        for k, why in other:
            fh.write(f"- `{k}`: {why}\n")


if __name__ == "__main__":
    sys.exit(main())
