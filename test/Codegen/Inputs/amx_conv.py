"""Writes DIR/amx_conv.onnx, DIR/calib.npz and DIR/x.npy: a float CNN whose
convolutions after the first have 64 or more input channels (the amx row's
convolutions, runtime/src/q8_conv_gemm.c, take 61 and more), with a 3x3
pad 1, a 3x3 stride 2 with 67 input channels (an overlapping last lane-group
block), a 1x1 and a Linear. Deterministic (fixed seed).

    /usr/bin/python3 amx_conv.py DIR"""
import sys

import onnx.helper as helper

from small_cnn import SmallCnn

out = sys.argv[1]
m = SmallCnn(7)
w, b = m.w, m.b

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
m.save(out, "amx_conv", nodes, inits, [1, 3, 23, 21], 10)
