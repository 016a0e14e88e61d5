#!/usr/bin/python3
"""Write a small CNN whose layers take every threaded path of libqrt's conv
and gemm drivers, with an input and calibration data (threads.test).

    /usr/bin/python3 make_threads_model.py OUT_DIR

OUT_DIR/threads_cnn.onnx, x [1, 3, 30, 30]:
  conv 3x3 3->48 pad 1, Relu           (igemm, padded planes)
  conv 3x3 48->40 pad 1, Relu          (K = 432 > 256: K blocks, partial sums)
  conv 1x1 40->24 on 30x30             (900 pixels >= 784: the pointwise tile)
  depthwise 3x3 stride 2 pad 1, Relu   (24 channels, 15x15)
  conv 3x3 24->32, Relu                (13x13)
  conv 3x3 32->36                      (11x11 rows: gathered tiles)
  global average pool, flatten, gemm 36->10
and OUT_DIR/x.npy (one image), OUT_DIR/calib.npz (8 images under "x") and
OUT_DIR/x8.npy (8 images). Needs python3-onnx and numpy; deterministic.
"""
import os
import sys

import numpy as np
import onnx
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
from onnx import TensorProto as T


def main(out):
    os.makedirs(out, exist_ok=True)
    r = np.random.default_rng(11)

    def w(*s):
        fan_in = int(np.prod(s[1:]))
        return numpy_helper.from_array((r.standard_normal(s) / np.sqrt(fan_in)).astype(np.float32))

    inits, nodes = [], []

    def conv(x, y, co, ci, k, relu=True, **attrs):
        wn, bn = y + "_w", y + "_b"
        inits.append(w(co, ci, k, k)), inits.append(numpy_helper.from_array((r.standard_normal(co) * 0.1).astype(np.float32)))
        inits[-2].name, inits[-1].name = wn, bn
        out = y + "_c" if relu else y
        nodes.append(helper.make_node("Conv", [x, wn, bn], [out], name=out, kernel_shape=[k, k], **attrs))
        if relu:
            nodes.append(helper.make_node("Relu", [out], [y], name=y))
        return y

    h = conv("x", "c1", 48, 3, 3, pads=[1, 1, 1, 1])
    h = conv(h, "c2", 40, 48, 3, pads=[1, 1, 1, 1])
    h = conv(h, "c3", 24, 40, 1, relu=False)
    h = conv(h, "dw", 24, 1, 3, pads=[1, 1, 1, 1], strides=[2, 2], group=24)
    h = conv(h, "c4", 32, 24, 3)
    h = conv(h, "c5", 36, 32, 3, relu=False)
    nodes.append(helper.make_node("GlobalAveragePool", [h], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flat"))
    fw = w(10, 36)
    fw.name = "fc_w"
    inits.append(fw)
    fb = numpy_helper.from_array((r.standard_normal(10) * 0.1).astype(np.float32))
    fb.name = "fc_b"
    inits.append(fb)
    nodes.append(helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(nodes, "threads_cnn", [helper.make_tensor_value_info("x", T.FLOAT, [1, 3, 30, 30])],
                              [helper.make_tensor_value_info("logits", T.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="qcc test/Executor/make_threads_model.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, "threads_cnn.onnx"))
    xs = r.standard_normal((8, 3, 30, 30)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), xs[:1])
    np.save(os.path.join(out, "x8.npy"), xs)
    np.savez(os.path.join(out, "calib.npz"), x=xs)


if __name__ == "__main__":
    main(sys.argv[1])
