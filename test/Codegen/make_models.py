#!/usr/bin/python3
"""Write the ONNX models and inputs of qcc compile's op-coverage tests.

    /usr/bin/python3 test/Codegen/make_models.py

Needs Debian's python3-onnx and python3-numpy. Writes Inputs/float_ops.onnx
(one graph through most float kernels the executor has: convolutions,
gemm/matmul packed and not, broadcast arithmetic, unary functions,
normalizations, pools, reductions, data movement, casts, resize, where, and
outputs that are an input, a constant and one tensor twice), Inputs/int_ops.onnx
(ONNX's integer ops and QDQ patterns that qcc-fuse-qdq turns into qadd, qmul,
qavg_pool, qglobal_avg_pool and lut) and an input .npy for each graph input.
Deterministic (fixed seeds): re-running gives identical files.
"""
import os

import numpy as np
import onnx
import onnx.checker
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
import onnx.shape_inference
from onnx import TensorProto as T

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Inputs")


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=outs[0], **attrs)


def save(name, nodes, inputs, outputs, inits, opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="qcc test/Codegen/make_models.py")
    model.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for o in model.graph.output:
        if not o.type.tensor_type.HasField("shape"):
            o.type.CopyFrom(known[o.name].type)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def float_ops():
    r = np.random.default_rng(5)
    f = lambda *s, k=0.5: (r.standard_normal(s) * k).astype(np.float32)
    inits = [
        init("w_dw", f(4, 1, 3, 3)), init("b_dw", f(4)),
        init("w_c", f(6, 4, 3, 3)), init("b_c", f(6)),
        init("w_t", f(6, 2, 2, 2)), init("b_t", f(2)),
        init("w_fc", f(10, 24)), init("b_fc", f(10)),
        init("w_mm", f(5, 8)),
        init("zero", np.array(0.0, np.float32)), init("six", np.array(6.0, np.float32)),
        init("slope", f(6, 1, 1, k=0.1)),
        init("bn_s", f(6) + 1), init("bn_b", f(6)), init("bn_m", f(6)), init("bn_v", np.abs(f(6)) + 0.5),
        init("ln_s", f(5) + 1), init("ln_b", f(5)),
        init("idx64", np.array([3, 0, 2], np.int64)),
        init("idx32", np.array([1, -1], np.int32)),
        init("pads", np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64)),
        init("sl_s", np.array([1, 0], np.int64)), init("sl_e", np.array([4, 5], np.int64)),
        init("sl_a", np.array([1, 2], np.int64)), init("sl_st", np.array([2, 2], np.int64)),
        init("exp_shape", np.array([2, 3, 6], np.int64)),
        init("two", np.array(2.0, np.float32)),
        init("split", np.array([2, 3], np.int64)),
        init("rs_scales", np.array([1, 1, 2, 1.5], np.float32)),
        init("axes0", np.array([0], np.int64)),
        init("cond", np.array([[True, False, False, True, True]])),
    ]
    n = [
        # convolutions: depthwise + relu6, dense conv, transposed conv
        node("Conv", ["x", "w_dw", "b_dw"], ["dw"], group=4, pads=[1, 1, 1, 1]),
        node("Clip", ["dw", "zero", "six"], ["dw6"]),
        node("Conv", ["dw6", "w_c", "b_c"], ["c1"], strides=[2, 2], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"]),
        node("PRelu", ["bn", "slope"], ["pr"]),
        node("MaxPool", ["pr"], ["mp"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]),
        node("AveragePool", ["mp"], ["ap"], kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1]),
        node("ConvTranspose", ["ap", "w_t", "b_t"], ["ct"], strides=[2, 2]),
        node("GlobalAveragePool", ["ct"], ["gap"]),
        node("Resize", ["ap", "", "rs_scales"], ["rs"], mode="linear"),
        node("ReduceMean", ["rs"], ["rm"], axes=[2, 3], keepdims=0),
        # fully connected: packed gemm after a reshape of a pooled map
        node("MaxPool", ["ap"], ["mp2"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Slice", ["mp2", "sl_s", "sl_e", "sl_a", "sl_st"], ["mps"]),
        node("Flatten", ["mp2"], ["flat0"]),
        node("Gather", ["flat0", "idx64"], ["g64"], axis=1),
        node("Gemm", ["flat0", "w_fc", "b_fc"], ["fc"], transB=1),
        # weights known at run time only: unpacked conv and gemm
        node("Conv", ["x", "wx"], ["cx"], pads=[0, 0, 0, 0]),
        node("MatMul", ["flat0", "bm"], ["fm"]),
        # matmuls: batched (both operands activations), constant B (packed)
        node("MatMul", ["a", "b"], ["mm"]),
        node("MatMul", ["mm", "w_mm"], ["mmw"]),
        node("Softmax", ["mmw"], ["sm"], axis=-1),
        node("LogSoftmax", ["mm"], ["lsm"], axis=1),
        node("LayerNormalization", ["mm", "ln_s", "ln_b"], ["ln"], axis=-1, epsilon=1e-5),
        # broadcast arithmetic and unary functions
        node("Add", ["ln", "lsm"], ["add"]),
        node("Mul", ["add", "two"], ["mul"]),
        node("Sub", ["mul", "mm"], ["sub"]),
        node("Abs", ["sub"], ["abs"]),
        node("Sqrt", ["abs"], ["sqrt"]),
        node("Div", ["mm", "two"], ["div"]),
        node("Max", ["div", "sqrt"], ["mx"]),
        node("Min", ["mx", "lsm"], ["mn"]),
        node("Pow", ["abs", "two"], ["pw"]),
        node("Tanh", ["mn"], ["th"]),
        node("Sigmoid", ["pw"], ["sg"]),
        node("Exp", ["th"], ["ex"]),
        node("Log", ["ex"], ["lg"]),
        node("Neg", ["lg"], ["ng"]),
        node("LeakyRelu", ["ng"], ["lr"], alpha=0.2),
        node("HardSigmoid", ["lr"], ["hs"]),
        node("HardSwish", ["hs"], ["hw"]),
        node("Erf", ["hw"], ["erf"]),
        node("Relu", ["erf"], ["relu"]),
        node("ReduceSum", ["relu", "axes0"], ["rsum"], keepdims=1),
        node("Where", ["cond", "sg", "th"], ["wh"]),
        # data movement
        node("Transpose", ["wh"], ["tr"], perm=[2, 0, 1]),
        node("Split", ["tr", "split"], ["sp0", "sp1"], axis=0),
        node("Concat", ["sp1", "sp0"], ["cat"], axis=0),
        node("Pad", ["x", "pads"], ["pad"], mode="reflect"),
        node("Gather", ["cat", "idx32"], ["g32"], axis=2),
        node("Unsqueeze", ["rm", "axes0"], ["usq"]),
        node("Expand", ["usq", "exp_shape"], ["exp"]),
        node("Cast", ["mm"], ["mm16"], to=T.FLOAT16),
        node("Cast", ["mm16"], ["mm32"], to=T.FLOAT),
        node("Identity", ["a"], ["a_out"]),
    ]
    outputs = [vi(v, T.FLOAT, None) for v in
               ["gap", "exp", "g64", "fc", "cx", "fm", "mps", "sm", "rsum", "g32", "pad", "mm32", "a_out"]]
    outputs.append(vi("wh", T.FLOAT, None))
    outputs.append(vi("wh_again", T.FLOAT, None))
    n.append(node("Identity", ["wh"], ["wh_again"]))
    inputs = [vi("x", T.FLOAT, [1, 4, 8, 8]), vi("a", T.FLOAT, [3, 2, 4]), vi("b", T.FLOAT, [3, 4, 5]),
              vi("wx", T.FLOAT, [2, 4, 3, 3]), vi("bm", T.FLOAT, [24, 3])]
    save("float_ops", n, inputs, outputs, inits)
    np.save(os.path.join(OUT, "float_ops_x.npy"), f(1, 4, 8, 8, k=1.0))
    np.save(os.path.join(OUT, "float_ops_a.npy"), f(3, 2, 4, k=1.0))
    np.save(os.path.join(OUT, "float_ops_b.npy"), f(3, 4, 5, k=1.0))
    np.save(os.path.join(OUT, "float_ops_wx.npy"), f(2, 4, 3, 3, k=1.0))
    np.save(os.path.join(OUT, "float_ops_bm.npy"), f(24, 3, k=1.0))


def int_ops():
    r = np.random.default_rng(7)
    u8 = lambda *s: r.integers(0, 256, s).astype(np.uint8)
    s8 = lambda *s: r.integers(-127, 128, s).astype(np.int8)
    sc = lambda v: np.array(v, np.float32)
    inits = [
        init("sx", sc(0.02)), init("zx", np.array(120, np.uint8)),
        init("w", s8(8, 3, 3, 3)), init("sw", (r.random(8) * 0.01 + 0.002).astype(np.float32)),
        init("zw", np.zeros(8, np.int8)), init("bias", r.integers(-500, 500, 8).astype(np.int32)),
        init("sy", sc(0.05)), init("zy", np.array(100, np.uint8)),
        init("s2", sc(0.04)), init("z2", np.array(128, np.uint8)),
        init("s3", sc(0.03)), init("z3", np.array(110, np.uint8)),
        init("s4", sc(0.01)), init("z4", np.array(0, np.uint8)),
        init("mb", s8(4, 6)), init("smb", sc(0.02)), init("zmb", np.array(3, np.int8)),
        init("smm", sc(0.2)), init("zmm", np.array(90, np.uint8)),
        init("wi", s8(2, 3, 2, 2)),
        init("sw4", (r.random(4) * 0.01 + 0.002).astype(np.float32)), init("zw4", np.zeros(4, np.int8)),
        init("lo", np.array(-2000, np.int32)), init("hi", np.array(3000, np.int32)),
        init("cond", np.array([True, False, True, True, False, False])),
        init("e2", np.array(2, np.int32)),
    ]
    q = lambda x, s, z, y: node("QuantizeLinear", [x, s, z], [y])
    dq = lambda x, s, z, y: node("DequantizeLinear", [x, s, z], [y])
    n = [
        q("x", "sx", "zx", "xq"),
        node("QLinearConv", ["xq", "sx", "zx", "w", "sw", "zw", "sy", "zy", "bias"], ["cq"], pads=[1, 1, 1, 1]),
        node("MaxPool", ["cq"], ["mpq"], kernel_shape=[2, 2], strides=[2, 2]),
        # QDQ add / mul / average pools / sigmoid: fused into qadd, qmul, qavg_pool, qglobal_avg_pool, lut
        dq("mpq", "sy", "zy", "m_f"),
        node("Sigmoid", ["m_f"], ["sig_f"]), q("sig_f", "s4", "z4", "sigq"), dq("sigq", "s4", "z4", "sig_d"),
        node("Add", ["m_f", "sig_d"], ["add_f"]), q("add_f", "s2", "z2", "addq"), dq("addq", "s2", "z2", "add_d"),
        node("Mul", ["add_d", "sig_d"], ["mul_f"]), q("mul_f", "s3", "z3", "mulq"), dq("mulq", "s3", "z3", "mul_d"),
        node("AveragePool", ["mul_d"], ["ap_f"], kernel_shape=[2, 2], pads=[0, 0, 1, 1]),
        q("ap_f", "s3", "z3", "apq"), dq("apq", "s3", "z3", "ap_d"),
        node("GlobalAveragePool", ["ap_d"], ["gap_f"]), q("gap_f", "s3", "z3", "gapq"),
        dq("gapq", "s3", "z3", "gap"),
        # QLinearMatMul, MatMulInteger (zero points as graph inputs: read at run time), ConvInteger
        q("a", "sx", "zx", "aq"),
        node("QLinearMatMul", ["aq", "sx", "zx", "mb", "smb", "zmb", "smm", "zmm"], ["mmq"]),
        dq("mmq", "smm", "zmm", "mm"),
        node("MatMulInteger", ["aq", "mb", "za", "zmb"], ["mmi"]),
        node("ConvInteger", ["xq", "wi", "zx"], ["ci"]),
        node("DynamicQuantizeLinear", ["a"], ["dq_y", "dq_s", "dq_z"]),
        # integer elementwise (qrt_int.h)
        node("Add", ["mmi", "mmi"], ["mmi2"]),
        node("Abs", ["ci"], ["ci_abs"]),
        node("Clip", ["mmi", "lo", "hi"], ["mmi_c"]),
        node("Where", ["cond", "mmi", "mmi2"], ["wh_i"]),
        node("Pow", ["a", "e2"], ["pw"]),
        # weights known at run time only: the unpacked int8 convolution
        node("QLinearConv", ["xq", "sx", "zx", "wq", "sw4", "zw4", "sy", "zy"], ["cq2"], pads=[0, 0, 1, 1]),
    ]
    outputs = [vi("gap", T.FLOAT, None), vi("mm", T.FLOAT, None), vi("mmi", T.INT32, None),
               vi("ci", T.INT32, None), vi("dq_y", T.UINT8, None), vi("dq_s", T.FLOAT, None),
               vi("dq_z", T.UINT8, None), vi("mpq", T.UINT8, None), vi("mmi2", T.INT32, None),
               vi("ci_abs", T.INT32, None), vi("mmi_c", T.INT32, None), vi("wh_i", T.INT32, None),
               vi("pw", T.FLOAT, None), vi("cq2", T.UINT8, None)]
    inputs = [vi("x", T.FLOAT, [1, 3, 8, 8]), vi("a", T.FLOAT, [2, 5, 4]), vi("za", T.UINT8, []),
              vi("wq", T.INT8, [4, 3, 3, 3])]
    save("int_ops", n, inputs, outputs, inits)
    np.save(os.path.join(OUT, "int_ops_x.npy"), (r.standard_normal((1, 3, 8, 8)) * 0.8).astype(np.float32))
    np.save(os.path.join(OUT, "int_ops_a.npy"), (r.standard_normal((2, 5, 4)) * 0.8).astype(np.float32))
    np.save(os.path.join(OUT, "int_ops_za.npy"), np.array(117, np.uint8))
    np.save(os.path.join(OUT, "int_ops_wq.npy"), s8(4, 3, 3, 3))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    float_ops()
    int_ops()
