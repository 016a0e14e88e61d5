#!/usr/bin/python3
"""Models whose tensors claim far more bytes than they hold (test/Errors/tensor-sizes.test).

    /usr/bin/python3 size_models.py OUT_DIR

Writes into OUT_DIR (made at test time, nothing binary is committed):
  claims_1gib.onnx      initializer 'w' of dims 16384x16384 float (1 GiB) with 60 bytes of raw_data
  claims_4tib.onnx      the same with dims 1048576x1048576 (4 TiB)
  ext_claims_1gib.onnx  'w' 16384x16384 float in external data, the file next to it holds 64 bytes
  ext_length_1gib.onnx  'w' 4x4 float whose external-data "length" says 1 GiB (the file holds 64 bytes)
Each is a valid graph otherwise (y = x + w), so the size check is what must refuse it, and
refuse it before allocating what the dims claim.
"""
import os
import sys

import onnx
import onnx.helper as helper
from onnx import TensorProto as T


def model(dims, w):
    x = helper.make_tensor_value_info("x", T.FLOAT, dims)
    y = helper.make_tensor_value_info("y", T.FLOAT, dims)
    g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"], name="add")], "sizes", [x], [y], [w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=7)


def raw(dims, nbytes):
    return onnx.TensorProto(name="w", data_type=T.FLOAT, dims=dims, raw_data=b"\0" * nbytes)


def external(dims, length=None):
    w = onnx.TensorProto(name="w", data_type=T.FLOAT, dims=dims, data_location=T.EXTERNAL)
    for k, v in [("location", "w.bin"), ("offset", "0")] + ([("length", str(length))] if length else []):
        e = w.external_data.add()
        e.key, e.value = k, v
    return w


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
onnx.save(model([16384, 16384], raw([16384, 16384], 60)), os.path.join(out, "claims_1gib.onnx"))
onnx.save(model([1 << 20, 1 << 20], raw([1 << 20, 1 << 20], 60)), os.path.join(out, "claims_4tib.onnx"))
onnx.save(model([16384, 16384], external([16384, 16384])), os.path.join(out, "ext_claims_1gib.onnx"))
onnx.save(model([4, 4], external([4, 4], 1 << 30)), os.path.join(out, "ext_length_1gib.onnx"))
with open(os.path.join(out, "w.bin"), "wb") as f:
    f.write(b"\0" * 64)
