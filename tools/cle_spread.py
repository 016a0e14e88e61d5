#!/usr/bin/python3
"""Make a ReLU network whose per-channel weight ranges differ by orders of magnitude, with the
same float function: the condition trained depthwise-separable networks are in after BatchNorm
folding (Nagel et al. 2019, figure 2) and that random-init torchvision models are not in.
Measures cross-layer equalization (docs/quantization.md, section 6).

usage: cle_spread.py MODEL.onnx RELU.onnx SPREAD.onnx [--spread S] [--seed K]

RELU.onnx: MODEL with every Clip(0, M) made a Relu (what the paper does to MobileNetV2).
SPREAD.onnx: RELU.onnx with, for every Conv -> Relu -> Conv pair whose intermediate values have
no other reader, output channel i of the first conv (weights and bias) multiplied by a[i] and
input channel i of the second divided by a[i], a[i] log-uniform in [1/S, S] (default S = 3,
numpy seed K = 0). Relu(a x) = a Relu(x) for a > 0, so SPREAD computes what RELU computes."""
import argparse

import numpy as np
import onnx
from onnx import helper, numpy_helper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("relu_out")
    ap.add_argument("spread_out")
    ap.add_argument("--spread", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    m = onnx.load(a.model)
    g = m.graph
    nodes, clips = [], 0
    for n in g.node:
        if n.op_type == "Clip":
            n = helper.make_node("Relu", [n.input[0]], [n.output[0]], name=n.name)
            clips += 1
        nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(m, a.relu_out)

    init = {t.name: t for t in g.initializer}
    users = {}
    for n in g.node:
        for i in n.input:
            users.setdefault(i, []).append(n)
    weights = {}

    def w(name):
        if name not in weights:
            weights[name] = numpy_helper.to_array(init[name]).astype(np.float64)
        return weights[name]

    rng = np.random.default_rng(a.seed)
    pairs = 0
    for n in g.node:
        if n.op_type != "Conv" or n.input[1] not in init:
            continue
        u = users.get(n.output[0], [])
        if len(u) != 1 or u[0].op_type != "Relu":
            continue
        u2 = users.get(u[0].output[0], [])
        if len(u2) != 1 or u2[0].op_type != "Conv" or u2[0].input[1] not in init:
            continue
        b = u2[0]
        w1, w2 = w(n.input[1]), w(b.input[1])
        c = w1.shape[0]
        groups = next((at.i for at in b.attribute if at.name == "group"), 1)
        if w2.shape[1] * groups != c:
            continue
        s = np.exp(rng.uniform(-np.log(a.spread), np.log(a.spread), c))
        w1 *= s.reshape(-1, 1, 1, 1)
        if len(n.input) > 2 and n.input[2] in init:
            w(n.input[2])[:] *= s
        if groups == 1:
            w2 /= s.reshape(1, -1, 1, 1)
        else:  # grouped: input channel i is w2[o][i % cpg] for the outputs of group i // cpg
            cpg, opg = w2.shape[1], w2.shape[0] // groups
            for i in range(c):
                gi = i // cpg
                w2[gi * opg:(gi + 1) * opg, i % cpg] /= s[i]
        pairs += 1
    for name, arr in weights.items():
        init[name].CopyFrom(numpy_helper.from_array(arr.astype(np.float32), name))
    onnx.save(m, a.spread_out)
    print("cle_spread: %d Clip -> Relu, %d conv pairs rescaled by factors in [1/%g, %g]" %
          (clips, pairs, a.spread, a.spread))


if __name__ == "__main__":
    main()
