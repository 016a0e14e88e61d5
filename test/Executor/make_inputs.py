#!/usr/bin/python3
"""Inputs and expected outputs for the executor's lit tests (test/Executor).

For each ONNX fixture of test/Import/Inputs listed in CASES, writes
Inputs/CASE/in_NAME.npy (random inputs from a fixed seed, plus hand-picked
values where a case needs them: quantization ties, saturation, negative
indices) and Inputs/CASE/OUTPUT.npy, computed by the small numpy interpreter
below. It is written from the ONNX operator specs, independently of qcc, in
float32 as ONNX's reference does (QuantizeLinear: x / scale in float32, then
np.rint, which rounds half to even).

Also writes Inputs/fashion_mnist_1000.npz: the first 1000 images and labels of
models/fashion_mnist_test.npz plus the logits the float model gives them
(models/train_fashion_mnist.py's numpy interpreter is not used: it imports
torch; the interpreter here runs the same graph).

Run with Debian's python: /usr/bin/python3 test/Executor/make_inputs.py
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper as nh

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Import", "Inputs")
MODELS = os.path.join(HERE, "..", "..", "models")
OUT = os.path.join(HERE, "Inputs")

F32 = np.float32


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def s(v):
    return v.decode() if isinstance(v, bytes) else v


# ----------------------------------------------------------------- ops

def conv(x, w, b, a):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    g = a.get("group", 1)
    st = a.get("strides", [1, 1])
    dl = a.get("dilations", [1, 1])
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if s(a.get("auto_pad", "NOTSET")) in ("SAME_UPPER", "SAME_LOWER"):
        pads = [0] * 4
        for i, (L, k) in enumerate(((h, kh), (wd, kw))):
            out = -(-L // st[i])
            tot = max(0, (out - 1) * st[i] + (k - 1) * dl[i] + 1 - L)
            lo = tot // 2 if s(a["auto_pad"]) == "SAME_UPPER" else tot - tot // 2
            pads[i], pads[i + 2] = lo, tot - lo
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - dl[0] * (kh - 1) - 1) // st[0] + 1
    ow = (xp.shape[3] - dl[1] * (kw - 1) - 1) // st[1] + 1
    y = np.zeros((n, o, oh, ow), np.float64)
    og = o // g
    for gi in range(g):
        xs = xp[:, gi * cg:(gi + 1) * cg].astype(np.float64)
        ws = w[gi * og:(gi + 1) * og].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                win = xs[:, :, i * dl[0]: i * dl[0] + st[0] * (oh - 1) + 1: st[0],
                         j * dl[1]: j * dl[1] + st[1] * (ow - 1) + 1: st[1]]
                y[:, gi * og:(gi + 1) * og] += np.einsum("nchw,oc->nohw", win, ws[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y.astype(F32)


def pool_out(L, k, st, p0, p1, ceil, dl=1):
    span = dl * (k - 1) + 1
    num = L + p0 + p1 - span
    out = (-(-num // st) if ceil else num // st) + 1
    if ceil and (out - 1) * st >= L + p0:
        out -= 1
    return out


def pool(x, a, kind):
    k = a["kernel_shape"]
    st = a.get("strides", [1, 1])
    p = a.get("pads", [0, 0, 0, 0])
    ceil = a.get("ceil_mode", 0)
    n, c, h, w = x.shape
    oh = pool_out(h, k[0], st[0], p[0], p[2], ceil)
    ow = pool_out(w, k[1], st[1], p[1], p[3], ceil)
    y = np.zeros((n, c, oh, ow), F32)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * st[0] - p[0], j * st[1] - p[1]
            r1, c1 = r0 + k[0], c0 + k[1]
            rr0, cc0, rr1, cc1 = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
            win = x[:, :, rr0:rr1, cc0:cc1]
            if kind == "max":
                y[:, :, i, j] = win.max(axis=(2, 3))
            else:
                if a.get("count_include_pad", 0):
                    cnt = (min(r1, h + p[2]) - r0) * (min(c1, w + p[3]) - c0)
                else:
                    cnt = (rr1 - rr0) * (cc1 - cc0)
                y[:, :, i, j] = (win.astype(np.float64).sum(axis=(2, 3)) / cnt).astype(F32)
    return y


def softmax(x, axis, opset, log=False):
    shape = x.shape
    if opset < 13:
        axis = axis % x.ndim
        x = x.reshape(int(np.prod(shape[:axis])), -1)
        axis = 1
    e = np.exp((x - x.max(axis=axis, keepdims=True)).astype(np.float64))
    y = e / e.sum(axis=axis, keepdims=True)
    if log:
        y = np.log(y)
    return y.astype(F32).reshape(shape)


def resize(x, a, scales, sizes):
    n, c, h, w = x.shape
    if sizes is not None:
        oh, ow = int(sizes[2]), int(sizes[3])
        sh, sw = F32(oh) / F32(h), F32(ow) / F32(w)
    else:
        sh, sw = F32(scales[2]), F32(scales[3])
        oh, ow = int(np.floor(h * sh)), int(np.floor(w * sw))
    mode = s(a.get("mode", "nearest"))
    ct = s(a.get("coordinate_transformation_mode", "half_pixel"))
    nm = s(a.get("nearest_mode", "round_prefer_floor"))

    def coord(o, scale, L, O):
        o = F32(o)
        if ct == "asymmetric":
            return o / scale
        if ct == "align_corners":
            return F32(0) if O == 1 else o * F32(L - 1) / F32(O - 1)
        return (o + F32(0.5)) / scale - F32(0.5)

    def near(v, L):
        if nm == "floor":
            i = np.floor(v)
        elif nm == "ceil":
            i = np.ceil(v)
        elif nm == "round_prefer_ceil":
            i = np.floor(v + 0.5)
        else:
            i = np.ceil(v - 0.5)
        return int(min(max(i, 0), L - 1))

    y = np.zeros((n, c, oh, ow), F32)
    for i in range(oh):
        for j in range(ow):
            ci, cj = coord(i, sh, h, oh), coord(j, sw, w, ow)
            if mode == "nearest":
                y[:, :, i, j] = x[:, :, near(ci, h), near(cj, w)]
            else:
                ci, cj = min(max(ci, 0), h - 1), min(max(cj, 0), w - 1)
                i0, j0 = int(np.floor(ci)), int(np.floor(cj))
                i1, j1 = min(i0 + 1, h - 1), min(j0 + 1, w - 1)
                fi, fj = F32(ci - i0), F32(cj - j0)
                top = x[:, :, i0, j0] * (1 - fj) + x[:, :, i0, j1] * fj
                bot = x[:, :, i1, j0] * (1 - fj) + x[:, :, i1, j1] * fj
                y[:, :, i, j] = top * (1 - fi) + bot * fi
    return y


def per_axis(v, x, axis):
    v = np.asarray(v)
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    shape = [1] * x.ndim
    shape[axis % x.ndim] = v.size
    return v.reshape(shape)


def quantize(x, scale, zp, axis):
    zp = np.zeros((), np.uint8) if zp is None else zp
    info = np.iinfo(zp.dtype)
    q = np.rint(x.astype(F32) / per_axis(scale, x, axis).astype(F32))
    q = np.where(np.isnan(q), 0, q)  # qcc's NaN rule: NaN -> zero point
    q = q + per_axis(zp, x, axis).astype(np.float64)
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def dequantize(q, scale, zp, axis):
    zp = np.zeros((), q.dtype) if zp is None else zp
    d = (q.astype(np.int64) - per_axis(zp, q, axis).astype(np.int64)).astype(F32)
    return (d * per_axis(scale, q, axis).astype(F32)).astype(F32)


def run(model, feeds):
    env = dict(feeds)
    for t in model.graph.initializer:
        env.setdefault(t.name, nh.to_array(t))
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    for node in model.graph.node:
        a = attrs(node)
        i = [env[n] if n else None for n in node.input] + [None] * 8
        op = node.op_type
        if op == "Constant":
            r = nh.to_array(a["value"])
        elif op == "Conv":
            r = conv(i[0], i[1], i[2], a)
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            r = (a.get("alpha", 1.0) * (A.astype(np.float64) @ B.astype(np.float64))).astype(F32)
            if i[2] is not None:
                r = r + F32(a.get("beta", 1.0)) * i[2]
        elif op == "MatMul":
            r = np.matmul(i[0].astype(np.float64), i[1].astype(np.float64)).astype(F32)
        elif op in ("Add", "Sub", "Mul", "Div"):
            r = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](i[0], i[1])
        elif op == "Relu":
            r = np.maximum(i[0], 0)
        elif op in ("Softmax", "LogSoftmax"):
            r = softmax(i[0], a.get("axis", 1 if opset < 13 else -1), opset, op == "LogSoftmax")
        elif op == "LayerNormalization":
            ax = a.get("axis", -1) % i[0].ndim
            axes = tuple(range(ax, i[0].ndim))
            x = i[0].astype(np.float64)
            mu = x.mean(axis=axes, keepdims=True)
            var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
            r = (x - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * i[1] + (0 if i[2] is None else i[2])
            r = r.astype(F32)
        elif op == "BatchNormalization":
            sh = (1, -1) + (1,) * (i[0].ndim - 2)
            sc = i[1] / np.sqrt(i[4] + F32(a.get("epsilon", 1e-5)))
            r = ((i[0] - i[3].reshape(sh)) * sc.reshape(sh) + i[2].reshape(sh)).astype(F32)
        elif op == "MaxPool":
            r = pool(i[0], a, "max")
        elif op == "AveragePool":
            r = pool(i[0], a, "avg")
        elif op == "GlobalAveragePool":
            r = i[0].astype(np.float64).mean(axis=(2, 3), keepdims=True).astype(F32)
        elif op == "ReduceMean":
            axes = tuple(int(v) % i[0].ndim for v in a["axes"])
            r = i[0].astype(np.float64).mean(axis=axes, keepdims=bool(a.get("keepdims", 1))).astype(F32)
        elif op in ("Squeeze", "Unsqueeze"):
            axes = [int(v) for v in (i[1] if i[1] is not None else a["axes"])]
            if op == "Squeeze":
                r = np.squeeze(i[0], axis=tuple(v % i[0].ndim for v in axes))
            else:
                nd = i[0].ndim + len(axes)
                r = np.expand_dims(i[0], axis=tuple(sorted(v % nd for v in axes)))
        elif op == "Expand":
            r = i[0] * np.ones(tuple(int(v) for v in i[1]), i[0].dtype)
        elif op == "Upsample":
            r = resize(i[0], {"mode": a.get("mode", "nearest"), "coordinate_transformation_mode": "asymmetric",
                              "nearest_mode": "floor"}, i[1], None)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            r = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Reshape":
            r = i[0].reshape([d if d != 0 else i[0].shape[k] for k, d in enumerate(i[1])])
        elif op == "Transpose":
            r = np.transpose(i[0], a["perm"])
        elif op == "Where":
            r = np.where(i[0], i[1], i[2]).astype(i[1].dtype)
        elif op == "Resize":
            r = resize(i[0], a, i[2], i[3])
        elif op == "Pad":
            pads = i[1] if i[1] is not None else a["pads"]
            nd = i[0].ndim
            pw = [(int(pads[k]), int(pads[k + nd])) for k in range(nd)]
            mode = s(a.get("mode", "constant"))
            if mode == "constant":
                r = np.pad(i[0], pw, constant_values=0 if i[2] is None else i[2])
            else:
                r = np.pad(i[0], pw, mode=mode)
        elif op == "Slice":
            nd = i[0].ndim
            axes = list(range(len(i[1]))) if i[3] is None else list(i[3])
            steps = [1] * len(axes) if i[4] is None else list(i[4])
            sl = [slice(None)] * nd
            for st, en, ax, sp in zip(i[1], i[2], axes, steps):
                L = i[0].shape[ax]
                st, en = int(st), int(en)
                if sp > 0:
                    st = min(max(st + L if st < 0 else st, 0), L)
                    en = min(max(en + L if en < 0 else en, 0), L)
                else:
                    st = min(max(st + L if st < 0 else st, -1), L - 1)
                    en = min(max(en + L if en < 0 else en, -1), L - 1)
                sl[ax % nd] = slice(st, en if en >= 0 else None, int(sp))
            r = i[0][tuple(sl)]
        elif op == "Gather":
            r = np.take(i[0], i[1].astype(np.int64), axis=a.get("axis", 0))
        elif op == "Concat":
            r = np.concatenate([v for v in i if v is not None], axis=a["axis"])
        elif op == "Split":
            sizes = i[1] if i[1] is not None else a.get("split")
            ax = a.get("axis", 0)
            cuts = np.cumsum(sizes)[:-1]
            r = np.split(i[0], cuts, axis=ax)
        elif op == "Cast":
            to = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]]
            x = i[0]
            if np.issubdtype(to, np.integer) and x.dtype.kind == "f":
                x = np.trunc(x)
            r = (x != 0) if to == np.bool_ else x.astype(to)
        elif op == "QuantizeLinear":
            r = quantize(i[0], i[1], i[2], a.get("axis", 1))
        elif op == "DequantizeLinear":
            r = dequantize(i[0], i[1], i[2], a.get("axis", 1))
        else:
            raise SystemExit("make_inputs.py: no numpy reference for %s" % op)
        outs = r if isinstance(r, list) else [r]
        for name, v in zip(node.output, outs):
            env[name] = np.asarray(v)
    return {o.name: env[o.name] for o in model.graph.output}


# ---------------------------------------------------------------- cases

def rand_inputs(model, rng, special):
    init = {t.name for t in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in init:
            continue
        tt = vi.type.tensor_type
        shape = [d.dim_value for d in tt.shape.dim]
        dt = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[tt.elem_type]
        if vi.name in special:
            feeds[vi.name] = np.asarray(special[vi.name], dtype=dt).reshape(shape)
        elif dt == np.bool_:
            feeds[vi.name] = rng.rand(*shape) < 0.5
        elif np.issubdtype(dt, np.integer):
            info = np.iinfo(dt)
            feeds[vi.name] = rng.randint(max(info.min, -128), min(info.max, 127) + 1, size=shape).astype(dt)
        else:
            feeds[vi.name] = (rng.randn(*shape) * 2).astype(dt)
    return feeds


# x/scale = 2.5, 3.5, -2.5 exactly (scale 0.05f: 0.125/0.05f rounds to 2.5f), saturation, 0.
Q_X = [0.125, 0.175, -0.125, 100.0, -100.0, 0.0, 0.024, 0.026, 12.25, -0.5]

CASES = {
    "conv2d": {}, "conv2d_depthwise": {}, "conv2d_same_upper": {}, "constant_weights_opset9": {},
    "gemm": {}, "matmul_2d": {}, "matmul_batched": {}, "attention": {},
    "softmax_opset11": {}, "softmax_opset13": {}, "logsoftmax": {},
    "layer_norm": {}, "batchnorm_opset9": {}, "batchnorm_opset15": {},
    "maxpool": {}, "avgpool": {}, "global_avgpool": {}, "reduce_mean_opset13": {},
    "resize_nearest_scales": {}, "resize_linear_sizes": {}, "upsample_opset9": {},
    "pad_constant": {}, "pad_reflect": {}, "pad_edge": {},
    "slice_opset13": {}, "slice_opset13_neg": {},
    "gather_axis0": {"idx": [4, -1, 0]}, "gather_axis1": {}, "typed_field_initializers": {},
    "concat": {}, "split_opset11": {}, "split_opset13": {}, "transpose": {}, "flatten": {},
    "squeeze_unsqueeze_opset13": {}, "expand": {},
    "where": {}, "cast": {"x": [1.7, -1.7, 0.0, 2.5, -0.4, 1e-3]},
    "quantize_linear": {"x": Q_X}, "dequantize_linear_per_axis": {}, "qdq_conv": {},
}


def main():
    rng = np.random.RandomState(20261122)
    for case, special in CASES.items():
        model = onnx.load(os.path.join(FIXTURES, case + ".onnx"))
        feeds = rand_inputs(model, rng, special)
        outs = run(model, feeds)
        d = os.path.join(OUT, case)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        for k, v in feeds.items():
            np.save(os.path.join(d, "in_%s.npy" % k), v)
        for k, v in outs.items():
            np.save(os.path.join(d, "%s.npy" % k), v)
    # Bad inputs for errors.test (relu.onnx takes x: float32 [2, 3, 4]).
    d = os.path.join(OUT, "bad")
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "x_f64.npy"), np.zeros((2, 3, 4), np.float64))
    np.save(os.path.join(d, "x_shape.npy"), np.zeros((3, 4), F32))
    np.save(os.path.join(d, "x_ok.npy"), np.linspace(-1, 1, 24, dtype=F32).reshape(2, 3, 4))
    with open(os.path.join(d, "x_ok.npy"), "rb") as f:
        good = f.read()
    with open(os.path.join(d, "x_truncated.npy"), "wb") as f:
        f.write(good[:-10])
    with open(os.path.join(d, "x_garbage.npy"), "wb") as f:
        f.write(b"this is not a numpy file\n")
    np.savez(os.path.join(d, "other_name.npz"), y=np.zeros((2, 3, 4), F32))
    # The bundled model on the first 1000 test images.
    test = np.load(os.path.join(MODELS, "fashion_mnist_test.npz"))
    x, label = test["input"][:1000], test["label"][:1000]
    model = onnx.load(os.path.join(MODELS, "fashion_mnist_cnn.onnx"))
    logits = run(model, {"input": x})["logits"]
    acc = float((logits.argmax(1) == label).mean())
    np.savez_compressed(os.path.join(OUT, "fashion_mnist_1000.npz"), input=x, label=label, logits=logits)
    print("fashion_mnist_1000: numpy top-1 accuracy %.4f" % acc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
