#!/usr/bin/python3
"""Train qcc's bundled default model: a small CNN with BatchNorm on Fashion-MNIST.

Run from anywhere (needs Debian's python3-torch, python3-onnx, python3-numpy and
dataset-fashion-mnist):

    /usr/bin/python3 models/train_fashion_mnist.py

Writes, next to this script:
    fashion_mnist_cnn.onnx    the model (opset 13, inference-form BatchNormalization kept)
    fashion_mnist_calib.npz   "input": 500 normalized training images, float32 [500,1,28,28]
    fashion_mnist_test.npz    "input": 10000 normalized test images, float32 [10000,1,28,28]
                              "label": int64 [10000]
    fashion_mnist_cnn.json    accuracy, parameter count, versions, node list

Deterministic: fixed seeds, single fixed thread count, deterministic algorithms.
"""
import gzip
import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import onnx
import onnx.helper
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
OUT_DIR = os.path.dirname(os.path.abspath(__file__))
MEAN, STD = 0.2860, 0.3530
SEED = 20240601
EPOCHS = 4
BATCH = 128
LR = 2e-3
N_CALIB = 500


# ---------------------------------------------------------------- IDX reader
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4",
              0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (optionally gzip'd): magic = 0 0 <dtype> <ndim>, then
    ndim big-endian uint32 dims, then the data in row-major order."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    if len(buf) < 4 or buf[0] != 0 or buf[1] != 0:
        raise ValueError(f"{path}: bad IDX magic")
    code, ndim = buf[2], buf[3]
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02x}")
    dims = tuple(int(d) for d in np.frombuffer(buf, ">u4", ndim, 4))
    dt = np.dtype(IDX_DTYPES[code])
    off = 4 + 4 * ndim
    count = int(np.prod(dims)) if dims else 1
    if len(buf) - off != count * dt.itemsize:
        raise ValueError(f"{path}: payload is {len(buf) - off} bytes, "
                         f"dims {dims} need {count * dt.itemsize}")
    return np.frombuffer(buf, dt, count, off).reshape(dims).astype(dt.newbyteorder("="))


def find(name):
    for cand in (name, name + ".gz"):
        p = os.path.join(DATA_DIR, cand)
        if os.path.exists(p):
            return p
    sys.exit(f"missing {name}[.gz] in {DATA_DIR} (apt-get install dataset-fashion-mnist)")


def load_split(prefix):
    x = read_idx(find(f"{prefix}-images-idx3-ubyte"))
    y = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
    assert x.ndim == 3 and x.shape[1:] == (28, 28) and y.shape == (x.shape[0],)
    x = ((x.astype(np.float32) / 255.0 - np.float32(MEAN)) / np.float32(STD))
    return np.ascontiguousarray(x[:, None, :, :], dtype=np.float32), y.astype(np.int64)


# ---------------------------------------------------------------- model
class FashionCNN(nn.Module):
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


# ------------------------------------------------ numpy reference for the ONNX graph
# onnx 1.12 has no reference evaluator and onnxruntime is not in Debian, so
# this runs the exported graph with plain numpy, straight from the ONNX
# semantics of the handful of ops it contains. It is an independent check that
# the file (not just the PyTorch module) has the accuracy claimed.
def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
    assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    y = np.einsum("nkhw,mk->nmhw", cols.reshape(n, c * kh * kw, oh, ow),
                  w.reshape(m, -1), optimize=True)
    return y + b.reshape(1, m, 1, 1) if b is not None else y


def _maxpool(x, a):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    assert not any(a.get("pads", [0, 0, 0, 0])) and not a.get("ceil_mode", 0)
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.full((n, c, oh, ow), -np.inf, np.float32)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
    return y


def run_onnx_numpy(model, feeds):
    env = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        a, x = _attrs(node), [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            y = _conv(x[0], x[1], x[2] if len(x) > 2 else None, a)
        elif op == "BatchNormalization":
            assert len(node.output) == 1 and not a.get("training_mode", 0)
            s = (1, -1) + (1,) * (x[0].ndim - 2)
            scale, bias, mean, var = x[1], x[2], x[3], x[4]
            inv = scale / np.sqrt(var + np.float32(a.get("epsilon", 1e-5)))
            y = (x[0] - mean.reshape(s)) * inv.reshape(s) + bias.reshape(s)
        elif op == "Relu":
            y = np.maximum(x[0], 0)
        elif op == "MaxPool":
            y = _maxpool(x[0], a)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)
        elif op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            y = np.float32(a.get("alpha", 1.0)) * (A @ B)
            if len(x) > 2 and x[2] is not None:
                y = y + np.float32(a.get("beta", 1.0)) * x[2]
        else:
            raise NotImplementedError(f"numpy reference: op {op}")
        env[node.output[0]] = y.astype(np.float32)
    return [env[o.name] for o in model.graph.output]


def debian_versions():
    """Debian package versions (torch.__version__ says 1.13.0a0 for Debian's 1.13.1)."""
    pkgs = ["python3-torch", "python3-onnx", "python3-numpy", "dataset-fashion-mnist"]
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *pkgs],
                             capture_output=True, text=True, check=False).stdout
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    except OSError:
        return {}


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            logits = model(torch.from_numpy(x[i:i + 1000]))
            correct += int((logits.argmax(1).numpy() == y[i:i + 1000]).sum())
    return correct / len(x)


def main():
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    t0 = time.time()
    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    print(f"data: train {xtr.shape} test {xte.shape} ({time.time() - t0:.1f}s)")

    model = FashionCNN()
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps_per_epoch = (len(xtr) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=LR, epochs=EPOCHS, steps_per_epoch=steps_per_epoch)
    rng = np.random.default_rng(SEED)
    xtr_t, ytr_t = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.from_numpy(rng.permutation(len(xtr)))
        total = 0.0
        t1 = time.time()
        for i in range(steps_per_epoch):
            idx = perm[i * BATCH:(i + 1) * BATCH]
            loss = F.cross_entropy(model(xtr_t[idx]), ytr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        acc = evaluate(model, xte, yte)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {total / len(xtr):.4f} "
              f"test acc {acc:.4f} ({time.time() - t1:.1f}s)")

    model.eval()
    torch_acc = evaluate(model, xte, yte)

    # ---------------------------------------------------------------- export
    # Why PRESERVE (checked on torch 1.13.1 / onnx 1.12, opsets 13 and 15,
    # model in eval() and in train(), constant folding on and off):
    #  - training=EVAL (the default) always runs torch.onnx's "eval peephole",
    #    which folds each BatchNorm into the preceding Conv's weight and bias:
    #    no BatchNormalization node survives, with or without constant folding.
    #  - training=TRAINING emits the training form even for an eval() model:
    #    BatchNormalization with 5 outputs at opset 13 (3 outputs and
    #    training_mode=1 at opset 15).
    #  - training=PRESERVE with the model in eval() skips the peephole and calls
    #    the batch_norm symbolic with training=False: BatchNormalization with a
    #    single output and no training_mode attribute at opset 13 (opset 15
    #    would add training_mode=0), running mean/var as initializers.
    #    PRESERVE with a train() model gives the 5-output form, so eval() first.
    # do_constant_folding=False only keeps the graph as torch traced it; it
    # makes no difference to the BatchNormalization nodes.
    onnx_path = os.path.join(OUT_DIR, "fashion_mnist_cnn.onnx")
    dummy = torch.from_numpy(xte[:1])
    torch.onnx.export(
        model, dummy, onnx_path, opset_version=13,
        training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    assert not model.training, "export must leave the model in eval mode"

    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    assert len(bns) == 2, f"expected 2 BatchNormalization nodes, got {len(bns)}"
    for n in bns:
        assert len(n.output) == 1, f"{n.name}: training-form BN ({len(n.output)} outputs)"
        for a in n.attribute:
            assert not (a.name == "training_mode" and a.i != 0), f"{n.name}: training_mode=1"
    nodes = [{"op": n.op_type, "name": n.name} for n in m.graph.node]
    print("nodes:", ", ".join(f"{d['op']}({d['name']})" for d in nodes))

    def vinfo(v):
        dims = [d.dim_param if d.HasField("dim_param") else d.dim_value
                for d in v.type.tensor_type.shape.dim]
        return {"name": v.name, "elem_type": onnx.TensorProto.DataType.Name(
            v.type.tensor_type.elem_type), "shape": dims}

    # The exported file, run by the numpy reference above, against PyTorch.
    onnx_correct, max_diff = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(xte), 1000):
            (ref,) = run_onnx_numpy(m, {"input": xte[i:i + 1000]})
            tl = model(torch.from_numpy(xte[i:i + 1000])).numpy()
            max_diff = max(max_diff, float(np.abs(ref - tl).max()))
            onnx_correct += int((ref.argmax(1) == yte[i:i + 1000]).sum())
    onnx_acc = onnx_correct / len(xte)
    print(f"numpy reference of the .onnx: acc {onnx_acc:.4f}, "
          f"max |logit diff| vs PyTorch {max_diff:.2e}")
    assert max_diff < 1e-3, "exported graph disagrees with PyTorch"

    # ---------------------------------------------------------------- data
    calib_idx = np.sort(np.random.default_rng(SEED + 1).choice(len(xtr), N_CALIB, replace=False))
    np.savez_compressed(os.path.join(OUT_DIR, "fashion_mnist_calib.npz"),
                        input=xtr[calib_idx])
    np.savez_compressed(os.path.join(OUT_DIR, "fashion_mnist_test.npz"),
                        input=xte, label=yte)

    info = {
        "model": "fashion_mnist_cnn.onnx",
        "test_accuracy_pytorch": round(torch_acc, 6),
        "test_accuracy_onnx_numpy_reference": round(onnx_acc, 6),
        "max_abs_logit_diff_onnx_vs_pytorch": float("%.3g" % max_diff),
        "onnx_reference_note": "onnx %s has no reference evaluator; the .onnx is run "
                               "by the numpy interpreter in train_fashion_mnist.py" % onnx.__version__,
        "num_test_images": int(len(xte)),
        "num_params": int(nparams),
        "epochs": EPOCHS, "batch": BATCH, "optimizer": "Adam+OneCycle", "max_lr": LR,
        "seed": SEED,
        "normalization": {"scale": "1/255", "mean": MEAN, "std": STD},
        "calib_indices_seed": SEED + 1,
        "opset": 13,
        "inputs": [vinfo(v) for v in m.graph.input],
        "outputs": [vinfo(v) for v in m.graph.output],
        "nodes": nodes,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0],
                     "producer": f"{m.producer_name} {m.producer_version}",
                     "debian_packages": debian_versions()},
    }
    with open(os.path.join(OUT_DIR, "fashion_mnist_cnn.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(f"float test accuracy (PyTorch): {torch_acc:.4f}  params: {nparams}  "
          f"({time.time() - t0:.0f}s)")
    print(json.dumps(info["versions"]))


if __name__ == "__main__":
    main()
