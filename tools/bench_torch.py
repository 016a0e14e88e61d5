#!/usr/bin/python3
"""PyTorch (Debian python3-torch 1.13) as a latency peer for tools/bench.sh.

usage: /usr/bin/python3 tools/bench_torch.py MODEL --threads T [--iters N] [--warmup W]
           [--calib CALIB.npz] [--input NAME=FILE.npy ...]

MODEL is a name of tools/export_models.py (resnet18, mobilenet_v2, bert): the same module with
the same random weights that export_models.py exported, so every engine runs the same network.
Prints one JSON line per variant: {"model", "engine", "precision", "threads", "median_ms",
"min_ms"}.
  vision: fp32 eager, and int8 static by FX graph mode with the onednn engine (Debian's torch
          has no fbgemm), observers calibrated on CALIB.npz's 'input' array (the images qcc and
          ORT are calibrated on), the engine's default qconfig.
  bert:   fp32 eager, and quantize_dynamic (nn.Linear, qint8, onednn).
Each variant: W warm-up runs (default 10), then N timed runs (default 50), each timed alone.
"""
import argparse
import copy
import json
import os
import statistics
import sys
import time
import warnings

import numpy as np
import torch
import torch.ao.quantization as tq
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_models  # noqa: E402  (the model table)


def timed(fn, args, warmup, iters):
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            fn(*args)
        for _ in range(iters):
            t0 = time.perf_counter()
            fn(*args)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--calib", help="npz with the calibration images under 'input' (vision)")
    ap.add_argument("--input", action="append", default=[], help="NAME=FILE.npy (default: the example input)")
    a = ap.parse_args()
    if a.threads < 1 or a.iters < 1 or a.warmup < 0:
        sys.exit("bench_torch.py: --threads >= 1, --iters >= 1, --warmup >= 0")
    torch.set_num_threads(a.threads)
    warnings.simplefilter("ignore")
    model, example, in_names, _, _ = export_models.make(a.model)
    args = list(example)
    for spec in a.input:
        name, _, path = spec.partition("=")
        if name not in in_names:
            sys.exit(f"bench_torch.py: --input {name}: the model's inputs are {', '.join(in_names)}")
        args[in_names.index(name)] = torch.from_numpy(np.load(path))
    engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "qnnpack"
    torch.backends.quantized.engine = engine

    def report(eng, precision, med, mn):
        print(json.dumps({"model": a.model, "engine": eng, "precision": precision, "threads": a.threads,
                          "median_ms": round(med, 3), "min_ms": round(mn, 3)}), flush=True)

    report(f"torch {torch.__version__} eager", "fp32", *timed(model, args, a.warmup, a.iters))
    if a.model == "bert":
        q = tq.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
        report(f"torch {torch.__version__} quantize_dynamic ({engine})", "int8-dynamic",
               *timed(q, args, a.warmup, a.iters))
        return
    if not a.calib:
        sys.exit("bench_torch.py: vision models need --calib CALIB.npz (the int8 calibration images)")
    calib = np.load(a.calib)["input"]
    prepared = prepare_fx(copy.deepcopy(model), tq.get_default_qconfig_mapping(engine),
                          example_inputs=tuple(args))
    with torch.inference_mode():
        for i in range(calib.shape[0]):
            prepared(torch.from_numpy(calib[i:i + 1]))
    q = convert_fx(prepared)
    report(f"torch {torch.__version__} FX ({engine})", "int8-static", *timed(q, args, a.warmup, a.iters))


if __name__ == "__main__":
    main()
