#!/usr/bin/python3
"""tiny_lm.py OUT_DIR: a tiny language model for `qcc eval --metric perplexity`
and its expected perplexity, computed here with numpy in float64.

    tokens int64 [2, 6] -> Gather E [11, 8] -> MatMul W [8, 11] -> Add b -> logits [2, 6, 11]

Writes OUT_DIR/tiny_lm.onnx, data.npz ("tokens" [10, 6], "targets" [10, 6]:
random next tokens), bad.npz (one target = 11, outside the vocabulary),
short.npz (5 targets per sample) and expected.txt (the perplexity of the first
8 samples, i.e. 4 batches of 2, then of all 10). Deterministic."""
import os
import sys

import numpy as np
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
from onnx import TensorProto as T

out = sys.argv[1]
rng = np.random.default_rng(3)
V, D = 11, 8
emb = rng.standard_normal((V, D)).astype(np.float32)
w = (rng.standard_normal((D, V)) * 1.5).astype(np.float32)
b = rng.standard_normal(V).astype(np.float32)
nodes = [
    helper.make_node("Gather", ["emb", "tokens"], ["h"], name="embed"),
    helper.make_node("MatMul", ["h", "w"], ["hw"], name="head"),
    helper.make_node("Add", ["hw", "b"], ["logits"], name="bias"),
]
g = helper.make_graph(nodes, "tiny_lm", [helper.make_tensor_value_info("tokens", T.INT64, [2, 6])],
                      [helper.make_tensor_value_info("logits", T.FLOAT, [2, 6, V])],
                      [numpy_helper.from_array(a, n) for a, n in ((emb, "emb"), (w, "w"), (b, "b"))])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
m.ir_version = 8
with open(os.path.join(out, "tiny_lm.onnx"), "wb") as f:
    f.write(m.SerializeToString())
tokens = rng.integers(0, V, (10, 6)).astype(np.int64)
targets = rng.integers(0, V, (10, 6)).astype(np.int64)
np.savez(os.path.join(out, "data.npz"), tokens=tokens, targets=targets)
bad = targets.copy()
bad[3, 2] = V
np.savez(os.path.join(out, "bad.npz"), tokens=tokens, targets=bad)
np.savez(os.path.join(out, "short.npz"), tokens=tokens, targets=targets[:, :5])


def ppl(n):
    logits = (emb.astype(np.float64)[tokens[:n]] @ w.astype(np.float64)) + b
    mx = logits.max(axis=-1, keepdims=True)
    lse = mx[..., 0] + np.log(np.exp(logits - mx).sum(axis=-1))
    ce = lse - np.take_along_axis(logits, targets[:n, :, None], axis=-1)[..., 0]
    return float(np.exp(ce.mean()))


with open(os.path.join(out, "expected.txt"), "w") as f:
    f.write(f"{ppl(8):.6f} {ppl(10):.6f}\n")
