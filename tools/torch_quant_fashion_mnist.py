#!/usr/bin/python3
"""PyTorch 1.13 FX graph-mode int8 static quantization of the bundled Fashion-MNIST CNN: the peer
qcc's `qcc quantize` is compared with (results in docs/quantization.md).

Usage: /usr/bin/python3 tools/torch_quant_fashion_mnist.py [--model M.onnx] [--calib C.npz]
           [--test T.npz] [--qconfig onednn|x86] [--calib-batch N] [--samples N] [--json]

The network is models/train_fashion_mnist.py's FashionCNN re-created here (same modules, same
forward), its state_dict filled from the ONNX initializers with onnx.numpy_helper: the exporter
kept torch's parameter names (conv1.weight, bn1.running_mean, ...) and BatchNormalization in its
inference form, so the load is exact (checked: the float model must reproduce the float accuracy
and the ONNX graph must hold exactly these 16 tensors with these shapes).

Quantization: torch.ao.quantization.quantize_fx.prepare_fx / convert_fx with
get_default_qconfig_mapping(QCONFIG), engine 'onednn' (Debian's torch has no fbgemm).
  onednn (default): HistogramObserver activations (quint8, full range), PerChannelMinMaxObserver
                    weights (qint8, per-channel symmetric) -- the same recipe as qcc's x86
                    quantizer with the histogram observer.
  x86:              the same with reduce_range=True activations (7 bits; fbgemm's choice for CPUs
                    without VNNI), run on the onednn engine.
prepare_fx fuses conv-bn-relu and linear-relu as PT2E does, so the quantized graph is
quantized conv+relu, maxpool, quantized conv+relu, maxpool, flatten, linear+relu, linear.
Calibration: the 500 images of models/fashion_mnist_calib.npz in their stored order, in batches
of --calib-batch (default 1, which is how `qcc quantize` feeds them: the model's batch dimension
is 1). HistogramObserver's result depends on the batching, so the batch size is printed.

--qcc-model Q.mlirbc [--qcc build/bin/qcc]: also run a model `qcc quantize` wrote on the same
test images and compare both int8 models with float logit by logit: top-1, how many predictions
differ from float's, and the logits' SQNR against float. qcc's model has the batch fixed to 1 at
import; it is printed with qcc-opt, its batch dimension rewritten to --chunk (every tensor type
`tensor<1x...` becomes `tensor<CHUNKx...`; per-tensor static quantization makes every image's
result independent of the batch, and the script checks that the rewritten model reproduces
`qcc eval`'s top-1 when --check-eval is given), and run with `qcc run` on chunks of the test set.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FashionCNN(nn.Module):
    """models/train_fashion_mnist.py's FashionCNN, layer for layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def load_onnx_weights(model, path):
    g = onnx.load(path).graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    sd = model.state_dict()
    wanted = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(wanted) - set(inits))
    extra = sorted(set(inits) - set(wanted))
    if missing or extra:
        sys.exit(f"{path}: initializers do not match FashionCNN (missing {missing}, unexpected {extra})")
    for k, v in wanted.items():
        a = inits[k]
        if tuple(a.shape) != tuple(v.shape):
            sys.exit(f"{path}: {k} has shape {a.shape}, FashionCNN wants {tuple(v.shape)}")
        sd[k] = torch.from_numpy(np.array(a, dtype=np.float32))
    # BatchNormalization epsilon must be torch's default (1e-5) for the float model to be exact.
    for n in g.node:
        if n.op_type == "BatchNormalization":
            eps = next((a.f for a in n.attribute if a.name == "epsilon"), 1e-5)
            if abs(eps - 1e-5) > 1e-9:
                sys.exit(f"{path}: BatchNormalization epsilon {eps}, FashionCNN uses 1e-5")
    model.load_state_dict(sd)
    return model


def accuracy(model, x, y, batch=500):
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(torch.from_numpy(x[i:i + batch]))
            correct += int((logits.argmax(1).numpy() == y[i:i + batch]).sum())
    return correct / len(x), correct


def qcc_logits(qcc, model, x, chunk, workdir):
    """Logits of a qcc model on x, run chunk images at a time (see the module doc)."""
    opt = os.path.join(os.path.dirname(qcc), "qcc-opt")
    text = subprocess.run([opt, model], check=True, stdout=subprocess.PIPE, text=True).stdout
    if not re.search(r"tensor<1x1x28x28x", text):
        sys.exit(f"{model}: expected a model with input tensor<1x1x28x28x...>")
    out = []
    for i in range(0, len(x), chunk):
        part = x[i:i + chunk]
        path = os.path.join(workdir, f"chunk{len(part)}.mlir")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(text.replace("tensor<1x", f"tensor<{len(part)}x"))
        np.save(os.path.join(workdir, "x.npy"), part)
        d = os.path.join(workdir, "out")
        subprocess.run([qcc, "run", path, "--input", f"input={os.path.join(workdir, 'x.npy')}", "--output-dir", d, "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        out.append(np.load(os.path.join(d, sorted(os.listdir(d))[0])))
    return np.concatenate(out)


def logits_of(model, x, batch=500):
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(x[i:i + batch])).numpy() for i in range(0, len(x), batch)])


def sqnr_db(ref, q):
    ref, q = ref.astype(np.float64), q.astype(np.float64)
    return 10 * np.log10(np.sum(ref * ref) / np.sum((ref - q) ** 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "models/fashion_mnist_cnn.onnx"))
    ap.add_argument("--calib", default=os.path.join(ROOT, "models/fashion_mnist_calib.npz"))
    ap.add_argument("--test", default=os.path.join(ROOT, "models/fashion_mnist_test.npz"))
    ap.add_argument("--qconfig", choices=["onednn", "x86"], default="onednn")
    ap.add_argument("--calib-batch", type=int, default=1)
    ap.add_argument("--samples", type=int, default=0, help="evaluate the first N test images (default: all)")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    ap.add_argument("--qcc-model", help="a `qcc quantize` output to compare logit by logit")
    ap.add_argument("--qcc", default=os.path.join(ROOT, "build/bin/qcc"))
    ap.add_argument("--chunk", type=int, default=2000, help="images per qcc run (default 2000)")
    ap.add_argument("--check-eval", action="store_true", help="also run `qcc eval` on the qcc model and check top-1 agrees")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.backends.quantized.engine = "onednn"
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    calib = np.load(args.calib)["input"].astype(np.float32)
    test = np.load(args.test)
    x, y = test["input"].astype(np.float32), test["label"].astype(np.int64)
    if args.samples:
        x, y = x[:args.samples], y[:args.samples]

    fp = load_onnx_weights(FashionCNN(), args.model).eval()
    facc, fcorrect = accuracy(fp, x, y)

    qmap = get_default_qconfig_mapping(args.qconfig)
    example = (torch.from_numpy(calib[:1]),)
    prepared = prepare_fx(load_onnx_weights(FashionCNN(), args.model).eval(), qmap, example)
    t0 = time.time()
    with torch.no_grad():
        for i in range(0, len(calib), args.calib_batch):
            prepared(torch.from_numpy(calib[i:i + args.calib_batch]))
    tcal = time.time() - t0
    q = convert_fx(prepared)
    qacc, qcorrect = accuracy(q, x, y)

    cmp = None
    if args.qcc_model:
        fl, tl = logits_of(fp, x), logits_of(q, x)
        with tempfile.TemporaryDirectory(prefix="qcc-logits-") as td:
            t0 = time.time()
            ql = qcc_logits(args.qcc, args.qcc_model, x, args.chunk, td)
            tq = time.time() - t0
        fp_pred = fl.argmax(1)
        cmp = {}
        for name, lg in (("torch", tl), ("qcc", ql)):
            pred = lg.argmax(1)
            cmp[name] = {"top1": float((pred == y).mean()), "correct": int((pred == y).sum()),
                         "differs_from_float": int((pred != fp_pred).sum()),
                         "fixed": int(((pred == y) & (fp_pred != y)).sum()),
                         "broken": int(((pred != y) & (fp_pred == y)).sum()),
                         "logit_sqnr_db": float(sqnr_db(fl, lg)),
                         "max_abs_logit_err": float(np.abs(fl - lg).max())}
        cmp["qcc"]["run_seconds"] = round(tq, 1)
        cmp["qcc_vs_torch_pred_differ"] = int((ql.argmax(1) != tl.argmax(1)).sum())
        if args.check_eval:
            cmd = [args.qcc, "eval", args.qcc_model, "--data", args.test, "--labels", "label"]
            if args.samples:
                cmd += ["--samples", str(args.samples)]
            out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
            ev = float(re.search(r"top-1 ([0-9.]+)", out).group(1))
            if abs(ev - cmp["qcc"]["top1"]) > 1e-9:
                sys.exit(f"qcc eval says top-1 {ev}, the re-batched model {cmp['qcc']['top1']}: re-batching changed results")
            cmp["qcc"]["qcc_eval_top1"] = ev

    res = {
        "torch": torch.__version__, "engine": torch.backends.quantized.engine, "qconfig": args.qconfig,
        "calib_images": len(calib), "calib_batch": args.calib_batch, "test_images": len(x),
        "float_top1": facc, "float_correct": fcorrect, "int8_top1": qacc, "int8_correct": qcorrect,
        "calib_seconds": round(tcal, 2),
    }
    if cmp:
        res["compare"] = cmp
    if args.json:
        print(json.dumps(res))
        return
    print(f"PyTorch {torch.__version__} FX graph mode, engine {res['engine']}, "
          f"get_default_qconfig_mapping('{args.qconfig}')")
    print(f"calibration: {len(calib)} images in batches of {args.calib_batch} ({tcal:.1f} s)")
    print(f"top-1 on {len(x)} test images: float {facc:.4f} ({fcorrect}), int8 {qacc:.4f} ({qcorrect}) "
          f"({(qacc - facc) * 100:+.2f} points)")
    if cmp:
        print(f"\nlogit by logit against float on the {len(x)} test images (qcc: {args.qcc_model}):")
        print("| int8 model | top-1 | correct | predictions != float | fixed / broken vs float | logit SQNR (dB) | max abs logit error |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in ("torch", "qcc"):
            c = cmp[name]
            print(f"| {name} | {100 * c['top1']:.2f} | {c['correct']} | {c['differs_from_float']} | "
                  f"{c['fixed']} / {c['broken']} | {c['logit_sqnr_db']:.2f} | {c['max_abs_logit_err']:.3f} |")
        print(f"qcc and torch int8 predictions differ on {cmp['qcc_vs_torch_pred_differ']} images")
        if "qcc_eval_top1" in cmp["qcc"]:
            print(f"`qcc eval` on the unmodified qcc model: top-1 {cmp['qcc']['qcc_eval_top1']:.4f} (same)")
    print("quantized graph:")
    print(q.code.strip())


if __name__ == "__main__":
    main()
