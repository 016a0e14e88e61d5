"""Writes DIR/strided_conv.onnx, DIR/calib.npz and DIR/x.npy: a float CNN whose
convolutions have strides past 2 (3 and 4), the only ones a library of byte-lane
rows fills with the portable lane loop (runtime/src/q8_conv_gemm.c,
q8_lane_row_bytes): a 3x3 stride 3 on 3 channels (a lane group with a missing
channel), a 3x3 stride 4 pad 1 on 8 (whole lane groups), then a Linear.
Deterministic (fixed seed).

    /usr/bin/python3 strided_conv.py DIR"""
import os
import sys

import numpy as np
import onnx
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
from onnx import TensorProto as T

out = sys.argv[1]
rng = np.random.default_rng(5)


def w(name, *shape):
    fan = np.prod(shape[1:])
    return numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(fan)).astype(np.float32), name)


def b(name, n):
    return numpy_helper.from_array((0.1 * rng.standard_normal(n)).astype(np.float32), name)


nodes = [
    helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], strides=[3, 3]),
    helper.make_node("Relu", ["c0"], ["r0"]),
    helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], strides=[4, 4]),
    helper.make_node("Relu", ["c1"], ["r1"]),
    helper.make_node("Flatten", ["r1"], ["f"]),
    helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], transB=1),
]
# 3x29x31 -> 8x9x10 -> 12x3x3
inits = [w("w0", 8, 3, 3, 3), b("b0", 8), w("w1", 12, 8, 3, 3), b("b1", 12), w("wf", 10, 108), b("bf", 10)]
graph = helper.make_graph(nodes, "strided_conv", [helper.make_tensor_value_info("x", T.FLOAT, [1, 3, 29, 31])],
                          [helper.make_tensor_value_info("y", T.FLOAT, [1, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "strided_conv.onnx"))
np.savez(os.path.join(out, "calib.npz"), x=rng.standard_normal((4, 3, 29, 31)).astype(np.float32))
np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 3, 29, 31)).astype(np.float32))
