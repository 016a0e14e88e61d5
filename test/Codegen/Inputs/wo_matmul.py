#!/usr/bin/python3
"""wo_matmul.py OUT_DIR: a model of three MatMuls by constant [K][N] weights on
a batched 3-D activation (what torch exports for nn.Linear on [B, T, C]):

    x [2, 5, 64] -> MatMul W1 [64, 96] -> Add b1 -> Relu -> MatMul W2 [96, 40]
      -> MatMul W3 [40, 24] -> y [2, 5, 24]

M = 10 rows, N = 96 / 40 / 24 and K = 64 / 96 / 40 leave tails for every
vector width. Writes OUT_DIR/wo_matmul.onnx, calib.npz (16 samples under "x"),
x.npy (one batch), wo.precision.json (mm1 int8-wo, mm2 fp16, mm3 fp32) and
wo_int4.precision.json (mm1 and mm2 int4-wo-g32, mm3 int8-wo).
Deterministic (fixed seed)."""
import json
import os
import sys

import numpy as np
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
from onnx import TensorProto as T

out = sys.argv[1]
rng = np.random.default_rng(7)
w1 = (rng.standard_normal((64, 96)) / 8).astype(np.float32)
b1 = (rng.standard_normal(96) / 4).astype(np.float32)
w2 = (rng.standard_normal((96, 40)) / 10).astype(np.float32)
w3 = (rng.standard_normal((40, 24)) / 6).astype(np.float32)
inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (w3, "w3"))]
nodes = [
    helper.make_node("MatMul", ["x", "w1"], ["h1"], name="mm1"),
    helper.make_node("Add", ["h1", "b1"], ["h2"], name="add1"),
    helper.make_node("Relu", ["h2"], ["h3"], name="relu1"),
    helper.make_node("MatMul", ["h3", "w2"], ["h4"], name="mm2"),
    helper.make_node("MatMul", ["h4", "w3"], ["y"], name="mm3"),
]
g = helper.make_graph(nodes, "wo_matmul", [helper.make_tensor_value_info("x", T.FLOAT, [2, 5, 64])],
                      [helper.make_tensor_value_info("y", T.FLOAT, [2, 5, 24])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
m.ir_version = 8
with open(os.path.join(out, "wo_matmul.onnx"), "wb") as f:
    f.write(m.SerializeToString())
x = rng.standard_normal((16, 5, 64)).astype(np.float32)
np.savez(os.path.join(out, "calib.npz"), x=x)
np.save(os.path.join(out, "x.npy"), x[:2])
with open(os.path.join(out, "wo.precision.json"), "w") as f:
    json.dump({"layers": [{"name": "mm1", "precision": "int8-wo"}, {"name": "mm2", "precision": "fp16"},
                          {"name": "mm3", "precision": "fp32"}]}, f)
with open(os.path.join(out, "wo_int4.precision.json"), "w") as f:
    json.dump({"layers": [{"name": "mm1", "precision": "int4-wo-g32"}, {"name": "mm2", "precision": "int4-wo-g32"},
                          {"name": "mm3", "precision": "int8-wo"}]}, f)
