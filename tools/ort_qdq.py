#!/usr/bin/python3
"""ONNX Runtime as the int8 peer: a static QDQ model made the way onnxruntime.quantization's
quantize_static(QuantFormat.QDQ, per_channel=True) makes one, calibrated with MinMax in
onnxruntime-node, and the output SQNR of qcc's int8 model and of ORT's on the same images
(docs/quantization.md). onnx 1.12 has no reference evaluator and no onnxruntime Python package
is installable here, so the graph rewriting is done here with onnx + numpy and every model run is
done by onnxruntime-node (tools/ort/calib_minmax.js, tools/ort/reference.js).

Subcommands
  data OUT_DIR [--kind pink|fashion|normal] [--calib N] [--eval N] [--size S] [--seed K]
      OUT_DIR/calib.npz (array 'input', for `qcc quantize --calib`), calib.npy (the same
      array, for calib_minmax.js), eval.npy (all eval images) and eval_K.npy (one each).
      pink (default): natural-image-like 1/f noise (power spectrum ~ 1/f^2, as photographs
      have), 3 correlated colour channels, pixels in [0, 1], then ImageNet's per-channel
      normalization. fashion: Fashion-MNIST training (calib) and test (eval) images
      upscaled to SxS bilinearly, grey replicated to 3 channels, ImageNet-normalized.
      normal: N(0, 1) per element (what /work/shared/peers/runtimes used).
  export-bn NAME OUT.onnx [--images N] [--seed K]
      torchvision NAME (resnet18, mobilenet_v2, ...) with random weights exactly as
      tools/export_models.py makes them (weights=None after torch.manual_seed(0)), but with every
      BatchNorm's running mean and variance re-estimated (cumulative average, train mode) on N
      (default 64) pink images of seed K (default 1, not the calibration or eval images), then
      exported like export_models.py (opset 13, dynamic batch, constant folding: BN folds into
      the convs). Random init keeps BN at mean 0, variance 1, so activations drift in scale
      layer by layer (mobilenet_v2's logits are ~1e-9); with the statistics re-estimated
      every BN output is normalized again, as in a trained network.
  prep MODEL.onnx CLEAN.onnx CALIB.onnx
      CLEAN: Constant nodes and Identity-of-initializer nodes turned into initializers.
      CALIB: CLEAN with every float intermediate tensor also a graph output.
  qdq CLEAN.onnx RANGES.json OUT.onnx [--float-output] [--only weights|activations]
      The QDQ model (rules below) from CLEAN and the MinMax ranges calib_minmax.js wrote;
      --only quantizes just the weights (activations and biases float) or just the activations.
  layers WORK [--images N] [--top K]
      Per tensor, after `compare` filled WORK: runs CALIB.onnx in ORT on the first N (default 2)
      eval images and, for every activation the QDQ model quantizes, reports the tensor's own
      quantization SQNR (the float tensor quantized alone with its MinMax u8 parameters) and how
      much of the tensor's range its channels use (median over channels of the channel's
      max|x| / the tensor's max|x|). Prints the K (default 12) worst tensors and a summary.
  sqnr REF.npy TEST.npy...
      SQNR in dB of each TEST against REF, over all elements.
  compare MODEL.onnx --work DIR [--qcc PATH] [--kind K] [--calib N] [--eval N]
          [--observer O[,O...]] [--quantizer Q] [--qcc-forms fused,qdq] [--float-output]
          [--reuse] [--skip-ort]   (--qcc-forms '' runs no qcc model)
      Everything: data, prep, ORT calibration, QDQ, ORT float reference (opt disabled), ORT int8
      (graphOptimizationLevel 'all': QLinearConv/QGemm int8 kernels; and 'disabled': the QDQ
      graph in float), qcc quantize (default x86 + histogram, calibrated on the same calib.npz,
      batch 1) in the fused form (int8 kernels) and/or the QDQ form (--no-fuse), `qcc run` on each
      eval image, and the SQNR table. Prints markdown.

QDQ rules (ORT's quantize_static, QDQ format, per_channel=True, defaults otherwise):
  - Activations: uint8 asymmetric per tensor, from the calibrated [min, max] widened to hold 0:
    scale = (max - min) / 255, zero_point = round_half_even(0 - min / scale) (ORT's
    compute_scale_zp), in float32.
  - Relu, and Clip with min 0, whose input is produced by a Conv, Gemm or Add used by nothing
    else are removed and the producer writes the activation's output, which is then quantized
    with the activation's range (ORT's QDQRemovableActivation): the uint8 clamp is the
    activation.
  - Weights of Conv and Gemm: int8 symmetric per output channel in [-127, 127],
    scale = max|w| / 127 (ORT's symmetric int8 range); bias int32 with scale s_x * s_w[c].
    `compare` also writes and runs a second model with qcc's weight grid ([-128, 127],
    scale = max|w| / 127.5, PyTorch's default), to separate the weight grid from the rest.
  - Quantized: inputs and outputs of Conv, Gemm, Add, GlobalAveragePool, AveragePool, Concat;
    MaxPool, Flatten and Reshape outputs share their input's parameters (ORT's Direct8Bit ops).
    The graph input is quantized; so is the final Gemm's output (the logits) unless
    --float-output (ORT quantizes graph outputs too; qcc does the same).
"""
import argparse
import collections
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_DIR = os.path.join(ROOT, "tools", "ort")
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
FASHION = "/usr/share/datasets/fashion-mnist"


# ---------------------------------------------------------------- data
def pink_images(n, size, rng):
    """1/f noise images: amplitude ~ 1/f in the 2-D spectrum, random phases; a shared luminance
    field plus weaker per-channel fields, scaled to [0, 1] per image."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0 / size
    amp = 1.0 / f

    def field():
        ph = rng.uniform(0, 2 * np.pi, amp.shape)
        g = np.fft.irfft2(amp * np.exp(1j * ph), s=(size, size))
        return (g - g.mean()) / g.std()

    out = np.empty((n, 3, size, size), np.float32)
    for i in range(n):
        lum = field()
        img = np.stack([lum + 0.35 * field() for _ in range(3)])
        lo, hi = np.percentile(img, [0.5, 99.5])
        img = np.clip((img - lo) / (hi - lo), 0, 1)
        out[i] = img
    return out


def read_idx_images(name):
    with gzip.open(os.path.join(FASHION, name)) as f:
        raw = f.read()
    n, h, w = (int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(3))
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, h, w).astype(np.float32) / 255.0


def upscale(imgs, size):
    """Bilinear resize (align_corners=False) of [n, h, w] to [n, size, size]."""
    n, h, w = imgs.shape

    def axis(src, dst):
        c = (np.arange(dst) + 0.5) * src / dst - 0.5
        c = np.clip(c, 0, src - 1)
        i0 = np.floor(c).astype(int)
        i1 = np.minimum(i0 + 1, src - 1)
        return i0, i1, (c - i0).astype(np.float32)

    y0, y1, wy = axis(h, size)
    x0, x1, wx = axis(w, size)
    rows = imgs[:, y0, :] * (1 - wy)[None, :, None] + imgs[:, y1, :] * wy[None, :, None]
    return rows[:, :, x0] * (1 - wx)[None, None, :] + rows[:, :, x1] * wx[None, None, :]


def normalize(a):
    return ((a - IMAGENET_MEAN[None, :, None, None]) / IMAGENET_STD[None, :, None, None]).astype(np.float32)


def make_images(kind, n, size, rng):
    if kind == "normal":
        return rng.standard_normal((n, 3, size, size), dtype=np.float32)
    if kind == "pink":
        return normalize(pink_images(n, size, rng))
    sys.exit(f"unknown data kind '{kind}'")


def make_data(out_dir, kind="pink", n_calib=32, n_eval=8, size=224, seed=0):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    if kind == "normal":
        calib = rng.standard_normal((n_calib, 3, size, size), dtype=np.float32)
        ev = rng.standard_normal((n_eval, 3, size, size), dtype=np.float32)
    else:
        if kind == "pink":
            calib, ev = pink_images(n_calib, size, rng), pink_images(n_eval, size, rng)
        elif kind == "fashion":
            tr, te = read_idx_images("train-images-idx3-ubyte.gz"), read_idx_images("t10k-images-idx3-ubyte.gz")
            calib = upscale(tr[rng.choice(len(tr), n_calib, replace=False)], size)
            ev = upscale(te[rng.choice(len(te), n_eval, replace=False)], size)
            calib, ev = (np.repeat(a[:, None], 3, axis=1) for a in (calib, ev))
        else:
            sys.exit(f"unknown data kind '{kind}'")
        calib, ev = normalize(calib), normalize(ev)
    np.savez(os.path.join(out_dir, "calib.npz"), input=calib)
    np.save(os.path.join(out_dir, "calib.npy"), calib)
    np.save(os.path.join(out_dir, "eval.npy"), ev)
    for k in range(n_eval):
        np.save(os.path.join(out_dir, f"eval_{k}.npy"), ev[k:k + 1])
    print(f"data: {kind}, {n_calib} calibration + {n_eval} eval images of 3x{size}x{size} in {out_dir} "
          f"(calib mean {calib.mean():.3f} std {calib.std():.3f})")


# ---------------------------------------------------------------- BN-restated export
def export_bn(name, out, n_images=64, seed=1):
    import warnings
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    x = torch.from_numpy(make_images("pink", n_images, 224, np.random.default_rng(seed)))
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all batches
    model.train()
    with torch.no_grad():
        for i in range(0, n_images, 8):
            model(x[i:i + 8])
    model.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x[:1],), out, opset_version=13, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True)
        y = model(x[:8]).numpy()
    print(f"export-bn: {out}: {name}, {len(bns)} BatchNorm statistics from {n_images} pink images (seed {seed}); "
          f"logits on 8 of them: std {y.std():.3g}, range [{y.min():.3g}, {y.max():.3g}]")


# ---------------------------------------------------------------- graph prep
def clean_model(m):
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    keep = []
    for n in g.node:
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            t = numpy_helper.from_array(numpy_helper.to_array(n.attribute[0].t), n.output[0])
            g.initializer.append(t)
            inits[t.name] = t
        elif n.op_type == "Identity" and n.input[0] in inits:
            t = numpy_helper.from_array(numpy_helper.to_array(inits[n.input[0]]), n.output[0])
            g.initializer.append(t)
            inits[t.name] = t
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    live = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    return m


def prep(src, dst_clean, dst_calib):
    m = clean_model(onnx.load(src))
    onnx.save(m, dst_clean)
    mi = shape_inference.infer_shapes(m)
    types = {v.name: v.type.tensor_type.elem_type for v in list(mi.graph.value_info) + list(mi.graph.output)}
    outs = {o.name for o in m.graph.output}
    added = 0
    for n in m.graph.node:
        for o in n.output:
            if o and o not in outs and types.get(o) == TensorProto.FLOAT:
                m.graph.output.append(helper.make_tensor_value_info(o, TensorProto.FLOAT, None))
                outs.add(o)
                added += 1
    onnx.save(m, dst_calib)
    print(f"prep: {dst_clean}; {dst_calib} exposes {added} intermediate tensors")


# ---------------------------------------------------------------- QDQ
def act_qparams(lo, hi):
    lo, hi = np.float32(min(lo, 0.0)), np.float32(max(hi, 0.0))
    if hi == lo:
        return np.float32(1.0), np.uint8(0)
    scale = np.float32((hi - lo) / np.float32(255))
    zp = np.clip(np.round(np.float32(0) - lo / scale), 0, 255)
    return scale, np.uint8(zp)


def make_qdq(src_clean, ranges_json, dst, float_output=False, only=None, weight_grid="ort"):
    """only='weights': weights quantized, activations and biases float; only='activations': the
    reverse (for analysis: which half of the quantization costs the SQNR)."""
    m = onnx.load(src_clean)
    g = m.graph
    R = json.load(open(ranges_json))
    inits = {t.name: t for t in g.initializer}
    gouts = {o.name for o in g.output}

    def consumers_of():
        c = collections.defaultdict(list)
        for n in g.node:
            for i in n.input:
                c[i].append(n)
        return c

    # 1) fold Relu / Clip(min 0) into a single-use Conv/Gemm/Add producer
    cons = consumers_of()
    producer = {o: n for n in g.node for o in n.output}
    removed = []
    for n in list(g.node):
        if n.op_type not in ("Relu", "Clip") or only == "weights":  # no u8 clamp to do the activation
            continue
        x = n.input[0]
        p = producer.get(x)
        if p is None or p.op_type not in ("Conv", "Gemm", "Add") or len(cons[x]) != 1 or x in gouts:
            continue
        if n.op_type == "Clip":
            lo = n.input[1] if len(n.input) > 1 else ""
            lo = float(numpy_helper.to_array(inits[lo])) if lo in inits else None
            if lo is None:  # opset < 11 Clip keeps min as an attribute
                lo = next((a.f for a in n.attribute if a.name == "min"), None)
            if lo != 0.0:
                continue
        p.output[0] = n.output[0]
        removed.append(n)
    for n in removed:
        g.node.remove(n)

    cons = consumers_of()
    producer = {o: n for n in g.node for o in n.output}
    QIO = {"Conv", "Gemm", "Add", "GlobalAveragePool", "AveragePool", "Concat"}
    SHARE = {"MaxPool", "Flatten", "Reshape"}
    wanted = set()
    for n in g.node:
        if n.op_type in ("Conv", "Gemm"):
            wanted.add(n.input[0])
            if not (float_output and n.output[0] in gouts):
                wanted.add(n.output[0])
        elif n.op_type in QIO:
            wanted.update(i for i in n.input if i and i not in inits)
            if not (float_output and n.output[0] in gouts):
                wanted.add(n.output[0])
    # 2) parameters, in graph order (a shared output takes its input's)
    act = {}
    order = [i.name for i in g.input] + [o for n in g.node for o in n.output]
    for t in order:
        p = producer.get(t)
        if p is not None and p.op_type in SHARE and p.input[0] in act:
            act[t] = act[p.input[0]]
            continue
        if t in wanted:
            if t not in R:
                sys.exit(f"qdq: no calibrated range for tensor '{t}'")
            act[t] = act_qparams(*R[t])

    new_inits = []

    def add_init(arr, name):
        new_inits.append(numpy_helper.from_array(arr, name))
        return name

    if only == "weights":
        act = {}
    # 3) weights and biases
    weight_dq = []
    for n in g.node:
        if only == "activations" or n.op_type not in ("Conv", "Gemm") or n.input[1] not in inits:
            continue
        W = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        axis = 0
        if n.op_type == "Gemm" and not next((a.i for a in n.attribute if a.name == "transB"), 0):
            axis = 1
        red = tuple(i for i in range(W.ndim) if i != axis)
        amax = np.abs(W).max(axis=red)
        # ORT: symmetric int8 weights in [-127, 127], scale max|w| / 127. weight_grid "qcc": what
        # qcc (and PyTorch's default weight observer) does, [-128, 127] and max|w| / 127.5.
        div, wmin = (np.float32(127.5), -128) if weight_grid == "qcc" else (np.float32(127), -127)
        sw = np.where(amax > 0, amax / div, np.float32(1)).astype(np.float32)
        shp = [1] * W.ndim
        shp[axis] = -1
        Wq = np.clip(np.round(W / sw.reshape(shp)), wmin, 127).astype(np.int8)
        wn = n.input[1]
        q, s, z = add_init(Wq, wn + "_q"), add_init(sw, wn + "_scale"), add_init(np.zeros(sw.shape, np.int8), wn + "_zp")
        weight_dq.append(helper.make_node("DequantizeLinear", [q, s, z], [wn + "_dq"], axis=axis, name=wn + "_DQ"))
        n.input[1] = wn + "_dq"
        if len(n.input) > 2 and n.input[2] in inits and n.input[0] in act:
            B = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32)
            sb = (act[n.input[0]][0] * sw).astype(np.float32)
            Bq = np.clip(np.round(B / sb), -2**31, 2**31 - 1).astype(np.int32)
            bn = n.input[2]
            q, s, z = add_init(Bq, bn + "_q"), add_init(sb, bn + "_scale"), add_init(np.zeros(sb.shape, np.int32), bn + "_zp")
            weight_dq.append(helper.make_node("DequantizeLinear", [q, s, z], [bn + "_dq"], axis=0, name=bn + "_DQ"))
            n.input[2] = bn + "_dq"

    # 4) Q -> DQ after every quantized activation; its consumers read the DQ output. A graph
    # output keeps its name: the producer writes NAME_f, and the DQ writes NAME.
    pairs = {}
    rename = {}
    for t, (s, zp) in act.items():
        sn, zn = add_init(np.array(s, np.float32), t + "_qscale"), add_init(np.array(zp, np.uint8), t + "_qzp")
        src, dq_out = t, t + "_dq"
        if t in gouts:
            src, dq_out = t + "_f", t
            producer[t].output[list(producer[t].output).index(t)] = src
        pairs[src] = [helper.make_node("QuantizeLinear", [src, sn, zn], [t + "_q"], name=t + "_Q"),
                    helper.make_node("DequantizeLinear", [t + "_q", sn, zn], [dq_out], name=t + "_DQ")]
        rename[t] = dq_out
    for n in g.node:
        for k, i in enumerate(n.input):
            if i in rename:
                n.input[k] = rename[i]
    nodes = list(weight_dq)
    for i in g.input:
        nodes += pairs.get(i.name, [])
    for n in g.node:
        nodes.append(n)
        for o in n.output:
            nodes += pairs.get(o, [])
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    live = [t for t in list(g.initializer) + new_inits if t.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    cnt = collections.Counter(n.op_type for n in g.node)
    print(f"qdq: {dst}: {len(removed)} Relu/Clip folded, {len(act)} activations quantized; "
          f"{dict(sorted(cnt.items()))}")


# ---------------------------------------------------------------- SQNR
def sqnr(ref, test):
    ref = np.asarray(ref, np.float64).ravel()
    err = ref - np.asarray(test, np.float64).ravel()
    den = float(np.sum(err * err))
    return float("inf") if den == 0 else 10 * np.log10(float(np.sum(ref * ref)) / den)


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def node(script, *args):
    return run(["node", os.path.join(ORT_DIR, script), *args])


def ort_run(model, x_npy, out_dir, opt):
    node("reference.js", model, f"input={x_npy}", "--output-dir", out_dir, "--opt", opt, "-q")
    return np.load(os.path.join(out_dir, os.listdir(out_dir)[0]))


def qcc_run_all(qcc, model, work, n_eval, tag):
    outs = []
    t0 = time.time()
    for k in range(n_eval):
        d = os.path.join(work, f"qcc_{tag}_{k}")
        run([qcc, "run", model, "--input", f"input={os.path.join(work, f'eval_{k}.npy')}", "--output-dir", d, "-q"])
        outs.append(np.load(os.path.join(d, sorted(os.listdir(d))[0])))
    return np.concatenate(outs), (time.time() - t0) / n_eval


def layers(a):
    work = a.work
    R = json.load(open(os.path.join(work, "ranges.json")))
    x = np.load(os.path.join(work, "eval.npy"))[:a.images]
    xi = os.path.join(work, "layers_in.npy")
    np.save(xi, x)
    d = os.path.join(work, "layers_out")
    node("reference.js", os.path.join(work, "calib.onnx"), f"input={xi}", "--output-dir", d, "--opt", "disabled", "-q")
    qdq = onnx.load(os.path.join(work, "ort_int8_qdq.onnx"))
    quantized = {n.input[0] for n in qdq.graph.node if n.op_type == "QuantizeLinear"}
    quantized = {t[:-2] if t.endswith("_f") and t[:-2] in R else t for t in quantized}
    calib = onnx.load(os.path.join(work, "calib.onnx"))
    names = [o.name for o in calib.graph.output]
    rows = []
    for i, t in enumerate(names):
        if t not in quantized or t not in R:
            continue
        f = os.path.join(d, sanitize_name(t, i) + ".npy")
        if not os.path.exists(f):
            continue
        v = np.load(f).astype(np.float32)
        s, zp = act_qparams(*R[t])
        q = (np.clip(np.round(v / s) + int(zp), 0, 255) - int(zp)) * s
        amax = float(np.abs(v).max())
        use = float(np.median(np.abs(v).max(axis=tuple(k for k in range(v.ndim) if k != 1)))) / amax if v.ndim >= 2 and amax > 0 else 1.0
        rows.append((sqnr(v, q), use, t, R[t]))
    rows.sort()
    print(f"{len(rows)} quantized activations on {len(x)} eval images; worst {a.top} by their own SQNR:\n")
    print("| tensor | MinMax range | own SQNR (dB) | median channel max / tensor max |")
    print("|---|---|---:|---:|")
    for q_db, use, t, r in rows[:a.top]:
        print(f"| `{t}` | [{r[0]:.3g}, {r[1]:.3g}] | {q_db:.1f} | {use:.3f} |")
    arr = np.array([r[0] for r in rows])
    print(f"\nown SQNR over all {len(rows)}: median {np.median(arr):.1f} dB, min {arr.min():.1f} dB; "
          f"median channel-use ratio {np.median([r[1] for r in rows]):.3f}")


def sanitize_name(name, index):
    """The output file name reference.js writes (its sanitize())."""
    import re
    s = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"output_{index}" if s in ("", ".", "..") else s


def compare(a):
    work = a.work
    os.makedirs(work, exist_ok=True)
    name = os.path.splitext(os.path.basename(a.model))[0]
    clean, calib_m = os.path.join(work, "clean.onnx"), os.path.join(work, "calib.onnx")
    ranges = os.path.join(work, "ranges.json")
    qdq_path = os.path.join(work, "ort_int8_qdq.onnx")
    ev = os.path.join(work, "eval.npy")
    reuse = a.reuse and all(os.path.exists(p) for p in (ranges, ev, os.path.join(work, "calib.npz")))
    if not reuse:
        make_data(work, a.kind, a.calib, a.eval, seed=a.seed)
        prep(a.model, clean, calib_m)
        print(node("calib_minmax.js", calib_m, os.path.join(work, "calib.npy"), ranges).strip())
    else:
        print(f"reusing the data and ORT ranges in {work}")
    make_qdq(clean, ranges, qdq_path, a.float_output)
    qdq_qgrid = os.path.join(work, "ort_int8_qdq_qccweights.onnx")
    make_qdq(clean, ranges, qdq_qgrid, a.float_output, weight_grid="qcc")

    ref = ort_run(a.model, ev, os.path.join(work, "ort_float"), "disabled")
    rows = []
    if not a.skip_ort:
        for path, tag, grid in ((qdq_path, "", ""), (qdq_qgrid, "_qccweights", ", qcc's weight grid [-128, 127] / 127.5")):
            for opt, what in (("all", "graphOptimizationLevel all: QLinearConv/QGemm int8 kernels"),
                              ("disabled", "optimizations disabled: Q/DQ around float ops")):
                y = ort_run(path, ev, os.path.join(work, f"ort_int8{tag}_{opt}"), opt)
                rows.append((f"ORT int8 QDQ (MinMax{grid}), {what}", sqnr(ref, y)))

    yf, tf = qcc_run_all(a.qcc, a.model, work, a.eval, "float")
    fsq = sqnr(ref, yf)
    for obs in a.observer.split(","):
        for form in [f for f in a.qcc_forms.split(",") if f]:
            out = os.path.join(work, f"qcc_{a.quantizer}_{obs}_{form}.mlirbc")
            cmd = [a.qcc, "quantize", a.model, "--calib", os.path.join(work, "calib.npz"), "--quantizer", a.quantizer,
                   "--observer", obs, "-o", out]
            if form == "qdq":
                cmd.append("--no-fuse")
            run(cmd)
            y, t = qcc_run_all(a.qcc, out, work, a.eval, f"{obs}_{form}")
            what = (f"qcc int8 {a.quantizer} + {obs}, " +
                    ("fused: int8 ops on libqrt's integer kernels" if form == "fused" else "QDQ form (--no-fuse): float kernels"))
            rows.append((what, sqnr(ref, y)))
            print(f"{what}: {t:.2f} s per image (wall, with process start and model load)")
    print(f"\n{name}: output SQNR vs ORT float (opt disabled) on {a.eval} {a.kind} eval images, "
          f"calibrated on {a.calib} {a.kind} images (batch 1)\n")
    print("| model | engine | SQNR (dB) |")
    print("|---|---|---:|")
    print(f"| {name} | qcc float (sanity) | {fsq:.1f} |")
    for what, s in rows:
        print(f"| {name} | {what} | {s:.2f} |")
    js = os.path.join(work, "sqnr.json")
    old = json.load(open(js)) if os.path.exists(js) and reuse else {"rows": []}
    keep = [r for r in old["rows"] if r["what"] not in {w for w, _ in rows}]
    with open(js, "w") as f:
        json.dump({"model": name, "kind": a.kind, "calib": a.calib, "eval": a.eval, "qcc_float": fsq,
                   "rows": keep + [{"what": w, "sqnr_db": s} for w, s in rows]}, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__[__doc__.index("Subcommands"):])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("data")
    d.add_argument("out_dir")
    for p in (d,):
        p.add_argument("--kind", choices=["pink", "fashion", "normal"], default="pink")
        p.add_argument("--calib", type=int, default=32)
        p.add_argument("--eval", type=int, default=8)
        p.add_argument("--size", type=int, default=224)
        p.add_argument("--seed", type=int, default=0)
    e = sub.add_parser("export-bn")
    e.add_argument("name")
    e.add_argument("out")
    e.add_argument("--images", type=int, default=64)
    e.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("prep")
    p.add_argument("model")
    p.add_argument("clean")
    p.add_argument("calib")
    q = sub.add_parser("qdq")
    q.add_argument("clean")
    q.add_argument("ranges")
    q.add_argument("out")
    q.add_argument("--float-output", action="store_true")
    q.add_argument("--only", choices=["weights", "activations"], help="quantize only these (analysis)")
    la = sub.add_parser("layers")
    la.add_argument("work")
    la.add_argument("--images", type=int, default=2)
    la.add_argument("--top", type=int, default=12)
    s = sub.add_parser("sqnr")
    s.add_argument("ref")
    s.add_argument("tests", nargs="+")
    c = sub.add_parser("compare")
    c.add_argument("model")
    c.add_argument("--work", required=True)
    c.add_argument("--qcc", default=os.path.join(ROOT, "build/bin/qcc"))
    c.add_argument("--kind", choices=["pink", "fashion", "normal"], default="pink")
    c.add_argument("--calib", type=int, default=32)
    c.add_argument("--eval", type=int, default=8)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--quantizer", default="x86")
    c.add_argument("--observer", default="histogram")
    c.add_argument("--qcc-forms", default="fused,qdq")
    c.add_argument("--float-output", action="store_true")
    c.add_argument("--reuse", action="store_true", help="reuse the data and ORT ranges already in --work")
    c.add_argument("--skip-ort", action="store_true", help="only the qcc rows (and the ORT float reference)")
    a = ap.parse_args()
    if a.cmd == "data":
        make_data(a.out_dir, a.kind, a.calib, a.eval, a.size, a.seed)
    elif a.cmd == "export-bn":
        export_bn(a.name, a.out, a.images, a.seed)
    elif a.cmd == "prep":
        prep(a.model, a.clean, a.calib)
    elif a.cmd == "qdq":
        make_qdq(a.clean, a.ranges, a.out, a.float_output, a.only)
    elif a.cmd == "layers":
        layers(a)
    elif a.cmd == "sqnr":
        ref = np.load(a.ref)
        for t in a.tests:
            print(f"{t}: {sqnr(ref, np.load(t)):.2f} dB")
    else:
        compare(a)


if __name__ == "__main__":
    main()
