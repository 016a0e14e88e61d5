"""Helpers of the small float CNNs some Codegen tests write (amx_conv.py,
strided_conv.py): He-scaled random weights and biases from one seeded
generator, and the model, DIR/calib.npz (4 images under "x") and DIR/x.npy
(one image) written in that order. Deterministic for a seed."""
import os

import numpy as np
import onnx
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
from onnx import TensorProto as T


class SmallCnn:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def w(self, name, *shape):
        fan = np.prod(shape[1:])
        return numpy_helper.from_array((self.rng.standard_normal(shape) / np.sqrt(fan)).astype(np.float32), name)

    def b(self, name, n):
        return numpy_helper.from_array((0.1 * self.rng.standard_normal(n)).astype(np.float32), name)

    def save(self, out, name, nodes, inits, x_shape, n_out):
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", T.FLOAT, x_shape)],
                                  [helper.make_tensor_value_info("y", T.FLOAT, [1, n_out])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out, name + ".onnx"))
        np.savez(os.path.join(out, "calib.npz"), x=self.rng.standard_normal([4] + x_shape[1:]).astype(np.float32))
        np.save(os.path.join(out, "x.npy"), self.rng.standard_normal(x_shape).astype(np.float32))
