"""Writes DIR/amx_conv.onnx, DIR/calib.npz and DIR/x.npy: a float CNN whose
convolutions after the first have 64 or more input channels (the amx row's
convolutions, runtime/src/q8_conv_gemm.c, take 61 and more), with a 3x3
pad 1, a 3x3 stride 2 with 67 input channels (an overlapping last lane-group
block), a 1x1 and a Linear. Deterministic (fixed seed).

    /usr/bin/python3 amx_conv.py DIR"""
import os
import sys

import numpy as np
import onnx
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
from onnx import TensorProto as T

out = sys.argv[1]
rng = np.random.default_rng(7)


def w(name, *shape):
    fan = np.prod(shape[1:])
    return numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(fan)).astype(np.float32), name)


def b(name, n):
    return numpy_helper.from_array((0.1 * rng.standard_normal(n)).astype(np.float32), name)


nodes = [
    helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c0"], ["r0"]),
    helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"]),
    helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("Relu", ["c2"], ["r2"]),
    helper.make_node("Conv", ["r2", "w3", "b3"], ["c3"]),
    helper.make_node("GlobalAveragePool", ["c3"], ["g"]),
    helper.make_node("Flatten", ["g"], ["f"]),
    helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], transB=1),
]
inits = [w("w0", 64, 3, 3, 3), b("b0", 64), w("w1", 67, 64, 3, 3), b("b1", 67), w("w2", 96, 67, 3, 3),
         b("b2", 96), w("w3", 80, 96, 1, 1), b("b3", 80), w("wf", 10, 80), b("bf", 10)]
graph = helper.make_graph(nodes, "amx_conv", [helper.make_tensor_value_info("x", T.FLOAT, [1, 3, 23, 21])],
                          [helper.make_tensor_value_info("y", T.FLOAT, [1, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "amx_conv.onnx"))
np.savez(os.path.join(out, "calib.npz"), x=rng.standard_normal((4, 3, 23, 21)).astype(np.float32))
np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 3, 23, 21)).astype(np.float32))
