"""Writes DIR/strided_conv.onnx, DIR/calib.npz and DIR/x.npy: a float CNN whose
convolutions have strides past 2 (3 and 4), the only ones a library of byte-lane
rows fills with the portable lane loop (runtime/src/q8_conv_gemm.c,
q8_lane_row_bytes): a 3x3 stride 3 on 3 channels (a lane group with a missing
channel), a 3x3 stride 4 pad 1 on 8 (whole lane groups), then a Linear.
Deterministic (fixed seed).

    /usr/bin/python3 strided_conv.py DIR"""
import sys

import onnx.helper as helper

from small_cnn import SmallCnn

out = sys.argv[1]
m = SmallCnn(5)
w, b = m.w, m.b

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
m.save(out, "strided_conv", nodes, inits, [1, 3, 29, 31], 10)
