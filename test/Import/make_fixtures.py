#!/usr/bin/python3
"""Write the small ONNX fixtures used by qcc's importer lit tests.

    /usr/bin/python3 test/Import/make_fixtures.py

Needs only Debian's python3-onnx and python3-numpy (no torch). Writes one tiny
model per case to test/Import/Inputs/<case>.onnx, the external-data model to
Inputs/external/, the deliberately bad inputs as Inputs/bad_*.onnx (and
Inputs/bad_external_missing/), and Inputs/MANIFEST.txt describing every file.
Deterministic: each case seeds its own RNG from its name, so re-running gives
byte-identical files, and adding a case does not change the others.

Every good model passes onnx.checker.check_model(full_check=True), which also
runs strict shape inference; output shapes not given explicitly below are the
ones ONNX shape inference (with data propagation) computes. The IR version of
each model is the lowest its opset allows, as an exporter of that era wrote it.
"""
import os
import sys
import tempfile
import zlib

import numpy as np
import onnx
import onnx.checker
import onnx.external_data_helper
import onnx.helper as helper
import onnx.numpy_helper as numpy_helper
import onnx.shape_inference
from onnx import TensorProto as T

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Inputs")

F32, F16, I64, I32, U8, I8, BOOL = T.FLOAT, T.FLOAT16, T.INT64, T.INT32, T.UINT8, T.INT8, T.BOOL
DT_SHORT = {T.FLOAT: "f32", T.FLOAT16: "f16", T.DOUBLE: "f64", T.INT64: "i64",
            T.INT32: "i32", T.INT16: "i16", T.INT8: "i8", T.UINT8: "u8",
            T.BOOL: "bool"}
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1

MANIFEST = []   # (file, text block)
WRITTEN = set()


# ----------------------------------------------------------------- helpers
def rng_for(case):
    return np.random.default_rng(zlib.crc32(case.encode()))


def vi(name, dtype, shape):
    """Value info; shape None = unknown (filled by shape inference for outputs)."""
    return helper.make_tensor_value_info(name, dtype, shape)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def f32(rng, *shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def i64(*vals):
    return np.array(vals, np.int64)


def scalar(v, dtype=np.float32):
    return np.array(v, dtype)


def node(op, ins, outs, name=None, domain=None, **attrs):
    n = helper.make_node(op, ins, outs, name=name or f"{op.lower()}_{outs[0]}", **attrs)
    if domain:
        n.domain = domain
    return n


def fmt_shape(tt):
    if not tt.HasField("shape"):
        return "?"
    return "[" + ",".join(d.dim_param if d.HasField("dim_param")
                          else (str(d.dim_value) if d.HasField("dim_value") else "?")
                          for d in tt.shape.dim) + "]"


def fmt_vi(v):
    tt = v.type.tensor_type
    return f"{v.name}:{DT_SHORT.get(tt.elem_type, T.DataType.Name(tt.elem_type))}{fmt_shape(tt)}"


def fmt_attr(a):
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return f"{a.name}={v.decode()}"
    if isinstance(v, float):
        return f"{a.name}={v:.6g}"
    if isinstance(v, T):
        return f"{a.name}=<{DT_SHORT.get(v.data_type, v.data_type)}[{','.join(map(str, v.dims))}]>"
    if isinstance(v, list):
        return f"{a.name}=[{','.join(f'{x:.6g}' if isinstance(x, float) else str(x) for x in v)}]"
    return f"{a.name}={v}"


def fmt_init(t):
    where = "external" if t.data_location == T.EXTERNAL else (
        "raw_data" if t.HasField("raw_data") else
        next((f for f in ("float_data", "int32_data", "int64_data", "double_data",
                          "uint64_data", "string_data") if len(getattr(t, f))), "no data"))
    return f"{t.name}:{DT_SHORT.get(t.data_type, t.data_type)}[{','.join(map(str, t.dims))}]({where})"


def describe(rel, model, note, status):
    g = model.graph
    ops = " ".join(dict.fromkeys(n.op_type if not n.domain else f"{n.domain}.{n.op_type}"
                                 for n in g.node))
    opsets = ",".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in model.opset_import)
    init_names = {t.name for t in g.initializer}
    lines = [f"{rel}", f"  opset {opsets}  ir {model.ir_version}  ops: {ops}",
             "  in:  " + (" ".join(fmt_vi(v) + ("(also initializer)" if v.name in init_names else "")
                                   for v in g.input) or "(none)"),
             "  out: " + " ".join(fmt_vi(v) for v in g.output)]
    if g.initializer:
        lines.append("  init: " + " ".join(fmt_init(t) for t in g.initializer))
    for n in g.node:
        attrs = " ".join(fmt_attr(a) for a in n.attribute)
        lines.append(f"  node {n.name}: {n.op_type}({', '.join(n.input)}) -> "
                     f"{', '.join(n.output)}" + (f"  {{{attrs}}}" if attrs else ""))
    if note:
        lines.append(f"  note: {note}")
    lines.append(f"  status: {status}")
    MANIFEST.append((rel, "\n".join(lines)))


def make_model(case, nodes, inputs, outputs, inits=(), opset=13, extra_opsets=(),
               ir=None, infer=True):
    graph = helper.make_graph(nodes, case, inputs, outputs, initializer=list(inits))
    onnx_ops = [helper.make_opsetid("", opset)]
    model = helper.make_model(
        graph, producer_name="qcc-make_fixtures", producer_version="1",
        opset_imports=onnx_ops + [helper.make_opsetid(d, v) for d, v in extra_opsets])
    # VERSION_TABLE starts at ONNX 1.0 (opset 3); opsets 1-2 are IR 3 as well.
    model.ir_version = ir or (3 if opset < 3 else helper.find_min_ir_version_for(onnx_ops))
    if infer:
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True,
                                                     strict_mode=True, data_prop=True)
        for out, inf in zip(model.graph.output, inferred.graph.output):
            if not out.type.tensor_type.HasField("shape"):
                if not inf.type.tensor_type.HasField("shape"):
                    sys.exit(f"{case}: shape inference gave no shape for output {out.name}")
                out.type.CopyFrom(inf.type)
    return model


def save(case, model, note="", rel=None):
    """Save a model that must be valid; checked with the full checker."""
    rel = rel or f"{case}.onnx"
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.checker.check_model(model, full_check=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    WRITTEN.add(rel)
    describe(rel, model, note, "valid (onnx.checker full_check passes)")


def case(name, nodes, inputs, outputs, inits=(), opset=13, note="", **kw):
    save(name, make_model(name, nodes, inputs, outputs, inits, opset, **kw), note)


def checker_verdict(model_or_path):
    try:
        onnx.checker.check_model(model_or_path, full_check=True)
        return "passes onnx.checker"
    except Exception as e:  # noqa: BLE001 - any checker failure is the point here
        msg = str(e).replace(OUT + os.sep, "").strip()
        first = msg.splitlines()[0] if msg else type(e).__name__
        return f"onnx.checker fails: {first[:120]}"


def save_bad(case, model_or_bytes, why, rel=None):
    rel = rel or f"{case}.onnx"
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(model_or_bytes, bytes):
        data = model_or_bytes
        try:
            onnx.load_model_from_string(data)
            sys.exit(f"{case}: expected a protobuf parse failure, but it parsed")
        except Exception:  # noqa: BLE001
            pass
        with open(path, "wb") as f:
            f.write(data)
        WRITTEN.add(rel)
        MANIFEST.append((rel, f"{rel}\n  note: {why}\n  status: BAD (does not parse as ModelProto; "
                              f"{len(data)} bytes)"))
        return
    with open(path, "wb") as f:
        f.write(model_or_bytes.SerializeToString())
    WRITTEN.add(rel)
    describe(rel, model_or_bytes, why, "BAD: " + checker_verdict(path))


# ----------------------------------------------------------------- convolution
def conv_cases():
    r = rng_for("conv2d")
    case("conv2d",
         [node("Conv", ["x", "w", "b"], ["y"], group=2, strides=[2, 1], pads=[1, 2, 1, 0],
               dilations=[2, 1], kernel_shape=[3, 3])],
         [vi("x", F32, [1, 4, 9, 9])], [vi("y", F32, None)],
         [init("w", f32(r, 6, 2, 3, 3)), init("b", f32(r, 6))],
         note="grouped (2) Conv, asymmetric pads [top,left,bottom,right]=[1,2,1,0], "
              "strides [2,1], dilations [2,1], bias")
    r = rng_for("conv2d_depthwise")
    case("conv2d_depthwise",
         [node("Conv", ["x", "w"], ["y"], group=8, pads=[1, 1, 1, 1], kernel_shape=[3, 3])],
         [vi("x", F32, [1, 8, 6, 6])], [vi("y", F32, None)],
         [init("w", f32(r, 8, 1, 3, 3))],
         note="depthwise: group = C = 8, weight [8,1,3,3], no bias input")
    r = rng_for("conv2d_same_upper")
    case("conv2d_same_upper",
         [node("Conv", ["x", "w", "b"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2],
               kernel_shape=[4, 4])],
         [vi("x", F32, [1, 3, 7, 7])], [vi("y", F32, None)],
         [init("w", f32(r, 5, 3, 4, 4)), init("b", f32(r, 5))],
         note="auto_pad=SAME_UPPER, stride 2, even kernel 4 on 7x7: out 4x4, "
              "total pad 3 per axis -> begin 1, end 2 (extra at the end)")
    r = rng_for("conv_transpose")
    case("conv_transpose",
         [node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1],
               output_padding=[1, 1], kernel_shape=[3, 3])],
         [vi("x", F32, [1, 4, 5, 5])], [vi("y", F32, None)],
         [init("w", f32(r, 4, 3, 3, 3)), init("b", f32(r, 3))],
         note="weight layout [Cin, Cout/group, kH, kW]; out = (5-1)*2 - 2 + 3 + 1 = 10")
    r = rng_for("conv_transpose_group")
    case("conv_transpose_group",
         [node("ConvTranspose", ["x", "w"], ["y"], group=2, strides=[1, 2], dilations=[2, 1],
               kernel_shape=[3, 2])],
         [vi("x", F32, [2, 4, 3, 4])], [vi("y", F32, None)],
         [init("w", f32(r, 4, 3, 3, 2))],
         note="group 2 (Cout = 2*3 = 6), dilations [2,1], strides [1,2], non-square kernel, no bias")


# ----------------------------------------------------------------- linear algebra
def linalg_cases():
    r = rng_for("matmul_2d")
    case("matmul_2d", [node("MatMul", ["a", "b"], ["y"])],
         [vi("a", F32, [4, 8])], [vi("y", F32, None)], [init("b", f32(r, 8, 5))])
    r = rng_for("matmul_batched")
    case("matmul_batched", [node("MatMul", ["a", "b"], ["y"])],
         [vi("a", F32, [2, 4, 8])], [vi("y", F32, None)], [init("b", f32(r, 8, 5))],
         note="3-D x 2-D: B broadcast over the batch dim")
    r = rng_for("gemm")
    case("gemm", [node("Gemm", ["a", "b", "c"], ["y"], transB=1, alpha=0.5, beta=2.0)],
         [vi("a", F32, [3, 6])], [vi("y", F32, None)],
         [init("b", f32(r, 5, 6)), init("c", f32(r, 5))],
         note="y = 0.5 * a @ b^T + 2.0 * c, c [5] broadcast to [3,5]")


# ----------------------------------------------------------------- elementwise
def elementwise_cases():
    r = rng_for("binary_broadcast")
    case("binary_broadcast",
         [node("Add", ["x", "y"], ["s"]),
          node("Sub", ["s", "c_row"], ["d"]),
          node("Mul", ["d", "c_col"], ["m"]),
          node("Div", ["m", "c_scalar"], ["q"]),
          node("Max", ["q", "c_hw", "c_n"], ["mx"]),
          node("Min", ["mx", "y"], ["z"])],
         [vi("x", F32, [2, 3, 4, 5]), vi("y", F32, [3, 1, 5])], [vi("z", F32, None)],
         [init("c_row", f32(r, 5)), init("c_col", f32(r, 4, 1)),
          init("c_scalar", scalar(1.5)), init("c_hw", f32(r, 4, 5)),
          init("c_n", f32(r, 2, 1, 1, 1))],
         note="numpy broadcasting: [2,3,4,5] op [3,1,5], [5], [4,1], scalar [], "
              "variadic Max with 3 inputs, Min back with [3,1,5]")

    def unary(name, op, opset=13, note="", inits=(), extra_in=(), **attrs):
        case(name, [node(op, ["x", *extra_in], ["y"], **attrs)],
             [vi("x", F32, [2, 3, 4])], [vi("y", F32, None)], list(inits), opset=opset,
             note=note)

    unary("relu", "Relu")
    unary("leaky_relu", "LeakyRelu", alpha=0.1)
    r = rng_for("prelu")
    unary("prelu", "PRelu", inits=[init("slope", f32(r, 3, 1))], extra_in=["slope"],
          note="slope [3,1] broadcast (unidirectional) against x [2,3,4]")
    unary("sigmoid", "Sigmoid")
    unary("tanh", "Tanh")
    unary("hard_sigmoid", "HardSigmoid", alpha=0.25, beta=0.4,
          note="non-default alpha/beta (defaults are 0.2/0.5)")
    unary("hard_swish", "HardSwish", opset=14, note="HardSwish exists from opset 14")
    unary("erf", "Erf")
    unary("exp", "Exp")
    unary("log", "Log")
    unary("sqrt", "Sqrt")
    unary("pow", "Pow", inits=[init("e", f32(rng_for("pow"), 4, scale=1.0))], extra_in=["e"],
          note="exponent tensor [4] broadcast")
    unary("pow_scalar", "Pow", inits=[init("e", scalar(2.0))], extra_in=["e"],
          note="scalar exponent 2.0 (the x^2 of a decomposed variance)")
    unary("clip_opset13", "Clip", inits=[init("lo", scalar(-0.5)), init("hi", scalar(0.75))],
          extra_in=["lo", "hi"], note="opset 13: min/max are scalar inputs")
    unary("clip_opset13_max_only", "Clip", inits=[init("hi", scalar(6.0))], extra_in=["", "hi"],
          note="min omitted (empty input name), max = 6 (ReLU6)")
    unary("clip_opset6", "Clip", opset=6, min=-0.5, max=0.75,
          note="opset 6: min/max are attributes; IR 3")
    unary("softmax_opset13", "Softmax", axis=1,
          note="opset 13: softmax along axis 1 only")
    unary("softmax_opset11", "Softmax", opset=11, axis=1,
          note="opset 11: input coerced to 2-D [2, 3*4] at axis 1, softmax over the 12 "
               "trailing elements; differs from softmax_opset13")
    unary("logsoftmax", "LogSoftmax", axis=-1, note="negative axis")
    unary("identity", "Identity")

    r = rng_for("where")
    case("where", [node("Where", ["cond", "x", "other"], ["y"])],
         [vi("cond", BOOL, [3, 4]), vi("x", F32, [2, 3, 4])], [vi("y", F32, None)],
         [init("other", f32(r, 4))],
         note="bool condition input [3,4], x [2,3,4], other [4]: 3-way broadcast")
    case("cast",
         [node("Cast", ["x"], ["y_i32"], to=I32), node("Cast", ["x"], ["y_f16"], to=F16),
          node("Cast", ["x"], ["y_bool"], to=BOOL), node("Cast", ["y_i32"], ["y_f32"], to=F32)],
         [vi("x", F32, [2, 3])],
         [vi("y_i32", I32, None), vi("y_f16", F16, None), vi("y_bool", BOOL, None),
          vi("y_f32", F32, None)],
         note="four outputs of different element types; f32->i32 truncates toward zero")


# ----------------------------------------------------------------- normalization & pooling
def norm_pool_cases():
    r = rng_for("layer_norm")
    case("layer_norm",
         [node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1, epsilon=1e-5)],
         [vi("x", F32, [2, 4, 8])], [vi("y", F32, None)],
         [init("g", f32(r, 8) + 1), init("b", f32(r, 8))], opset=17,
         note="opset 17, single output (Mean/InvStdDev outputs omitted)")

    def bn(name, opset, **attrs):
        r = rng_for(name)
        case(name, [node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], **attrs)],
             [vi("x", F32, [2, 4, 5, 5])], [vi("y", F32, None)],
             [init("scale", f32(r, 4) + 1), init("bias", f32(r, 4)), init("mean", f32(r, 4)),
              init("var", np.abs(f32(r, 4)) + 0.5)], opset=opset,
             note=f"inference form (1 output), epsilon {attrs['epsilon']}")
    bn("batchnorm_opset9", 9, epsilon=1e-3, momentum=0.9)
    bn("batchnorm_opset15", 15, epsilon=1e-5, momentum=0.9, training_mode=0)

    case("maxpool", [node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1], ceil_mode=1)],
         [vi("x", F32, [1, 2, 8, 8])], [vi("y", F32, None)],
         note="ceil_mode=1: out = ceil((8+2-3)/2)+1 = 5")
    case("avgpool",
         [node("AveragePool", ["x"], ["y_incl"], name="avg_incl", kernel_shape=[3, 3],
               strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
          node("AveragePool", ["x"], ["y_excl"], name="avg_excl", kernel_shape=[3, 3],
               strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0)],
         [vi("x", F32, [1, 2, 7, 7])], [vi("y_incl", F32, None), vi("y_excl", F32, None)],
         note="same pooling with count_include_pad=1 and =0: border outputs differ")
    case("global_avgpool", [node("GlobalAveragePool", ["x"], ["y"])],
         [vi("x", F32, [2, 3, 5, 4])], [vi("y", F32, None)])
    case("reduce_mean_opset13", [node("ReduceMean", ["x"], ["y"], axes=[2, -1], keepdims=1)],
         [vi("x", F32, [2, 3, 4, 5])], [vi("y", F32, None)],
         note="axes attribute (opset <18), one negative axis, keepdims=1")
    case("reduce_sum_opset13", [node("ReduceSum", ["x", "axes"], ["y"], keepdims=0)],
         [vi("x", F32, [2, 3, 4])], [vi("y", F32, None)], [init("axes", i64(1))],
         note="opset 13: ReduceSum takes axes as an input; keepdims=0")


# ----------------------------------------------------------------- shape ops
def shape_cases():
    case("reshape", [node("Reshape", ["x", "shape"], ["y"])],
         [vi("x", F32, [2, 3, 4, 2])], [vi("y", F32, None)], [init("shape", i64(0, -1, 4))],
         note="0 copies the input dim (allowzero=0), -1 inferred: [2,6,4]")
    case("flatten", [node("Flatten", ["x"], ["y"], axis=2)],
         [vi("x", F32, [2, 3, 4, 5])], [vi("y", F32, None)], note="axis=2: [6,20]")
    case("transpose", [node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])],
         [vi("x", F32, [1, 2, 3, 4])], [vi("y", F32, None)], note="NCHW -> NHWC")
    r = rng_for("concat")
    case("concat", [node("Concat", ["a", "b", "c"], ["y"], axis=-2)],
         [vi("a", F32, [2, 1, 4]), vi("b", F32, [2, 3, 4])], [vi("y", F32, None)],
         [init("c", f32(r, 2, 2, 4))], note="negative axis, third operand an initializer")
    case("split_opset13", [node("Split", ["x", "split"], ["y0", "y1"], axis=1)],
         [vi("x", F32, [2, 6, 3])], [vi("y0", F32, None), vi("y1", F32, None)],
         [init("split", i64(2, 4))], note="opset 13: split sizes are an input")
    case("split_opset11", [node("Split", ["x"], ["y0", "y1", "y2"], axis=-1, split=[1, 2, 3])],
         [vi("x", F32, [2, 3, 6])],
         [vi("y0", F32, None), vi("y1", F32, None), vi("y2", F32, None)], opset=11,
         note="opset 11: split sizes are an attribute, negative axis")
    case("split_opset13_equal", [node("Split", ["x"], ["y0", "y1", "y2"], axis=0)],
         [vi("x", F32, [6, 2])],
         [vi("y0", F32, None), vi("y1", F32, None), vi("y2", F32, None)],
         note="no split input: equal parts")
    case("slice_opset13", [node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])],
         [vi("x", F32, [4, 6, 5])], [vi("y", F32, None)],
         [init("starts", i64(-1, 1)), init("ends", i64(INT64_MIN, INT64_MAX)),
          init("axes", i64(0, 2)), init("steps", i64(-1, 2))],
         note="axis 0 reversed (start -1, end INT64_MIN, step -1: torch.flip style), "
              "axis 2 from 1 to INT64_MAX step 2, axis 1 untouched: [4,6,2]")
    case("slice_opset13_neg", [node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])],
         [vi("x", F32, [10, 4])], [vi("y", F32, None)],
         [init("starts", i64(8)), init("ends", i64(1)), init("axes", i64(-2)),
          init("steps", i64(-3))],
         note="negative axis, step -3 from 8 down to (excl.) 1: rows 8,5,2 -> [3,4]")
    case("slice_opset1", [node("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, -1], axes=[1, 2])],
         [vi("x", F32, [2, 4, 5])], [vi("y", F32, None)], opset=1,
         note="opset 1: starts/ends/axes attributes, negative end; IR 3")
    case("pad_constant", [node("Pad", ["x", "pads", "value"], ["y"], mode="constant")],
         [vi("x", F32, [1, 2, 3, 3])], [vi("y", F32, None)],
         [init("pads", i64(0, 0, 1, 2, 0, 0, 2, 1)), init("value", scalar(-1.25))],
         note="opset 13 inputs; pads = [begins..., ends...]; constant -1.25")
    case("pad_reflect", [node("Pad", ["x", "pads"], ["y"], mode="reflect")],
         [vi("x", F32, [1, 2, 4, 4])], [vi("y", F32, None)],
         [init("pads", i64(0, 0, 2, 1, 0, 0, 1, 2))])
    case("pad_edge", [node("Pad", ["x", "pads"], ["y"], mode="edge")],
         [vi("x", F32, [1, 2, 4, 4])], [vi("y", F32, None)],
         [init("pads", i64(0, 0, 1, 0, 0, 0, 0, 3))], opset=11, note="opset 11 inputs form")
    case("pad_opset2", [node("Pad", ["x"], ["y"], mode="constant", pads=[0, 1, 0, 2], value=1.5)],
         [vi("x", F32, [3, 4])], [vi("y", F32, None)], opset=2,
         note="opset 2: pads/value attributes; IR 3")
    r = rng_for("gather_axis0")
    case("gather_axis0", [node("Gather", ["data", "idx"], ["y"], axis=0)],
         [vi("idx", I64, [3])], [vi("y", F32, None)],
         [init("data", f32(r, 5, 4))],
         note="embedding-style lookup: initializer table, index input (may be negative)")
    case("gather_axis1", [node("Gather", ["x", "idx"], ["y"], axis=1)],
         [vi("x", F32, [2, 5, 3])], [vi("y", F32, None)],
         [init("idx", np.array([[0, -1], [3, 1]], np.int64))],
         note="2-D indices with a negative index: out [2,2,2,3]")
    case("gather_scalar", [node("Gather", ["x", "idx"], ["y"], axis=1)],
         [vi("x", F32, [2, 5, 3])], [vi("y", F32, None)], [init("idx", scalar(2, np.int64))],
         note="0-d index drops the axis: out [2,3]")
    case("squeeze_unsqueeze_opset13",
         [node("Squeeze", ["x", "sq_axes"], ["s"]), node("Unsqueeze", ["s", "unsq_axes"], ["y"])],
         [vi("x", F32, [1, 3, 1, 4])], [vi("y", F32, None)],
         [init("sq_axes", i64(0, -2)), init("unsq_axes", i64(-1, 1))],
         note="axes as inputs, negative axes: [1,3,1,4] -> [3,4] -> [3,1,4,1]")
    case("squeeze_unsqueeze_opset11",
         [node("Squeeze", ["x"], ["s"], axes=[0, -2]), node("Unsqueeze", ["s"], ["y"], axes=[-1, 1])],
         [vi("x", F32, [1, 3, 1, 4])], [vi("y", F32, None)], opset=11,
         note="axes as attributes; same result as the opset 13 file")
    case("squeeze_all", [node("Squeeze", ["x"], ["y"])],
         [vi("x", F32, [1, 3, 1, 4])], [vi("y", F32, None)],
         note="no axes: drop every 1-dim")
    case("expand", [node("Expand", ["x", "shape"], ["y"])],
         [vi("x", F32, [3, 1])], [vi("y", F32, None)], [init("shape", i64(2, 1, 4))],
         note="bidirectional broadcast: [3,1] with [2,1,4] -> [2,3,4]")
    case("resize_nearest_scales",
         [node("Resize", ["x", "", "scales"], ["y"], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
         [vi("x", F32, [1, 2, 3, 4])], [vi("y", F32, None)],
         [init("scales", np.array([1, 1, 2, 2], np.float32))],
         note="opset 13, roi omitted (empty name), scales [1,1,2,2]; torch nearest style")
    case("resize_linear_sizes",
         [node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
               coordinate_transformation_mode="half_pixel")],
         [vi("x", F32, [1, 3, 4, 5])], [vi("y", F32, None)], [init("sizes", i64(1, 3, 7, 9))],
         note="opset 13, roi and scales omitted, sizes given (non-integer ratios)")
    case("upsample_opset9", [node("Upsample", ["x", "scales"], ["y"], mode="nearest")],
         [vi("x", F32, [1, 2, 3, 3])], [vi("y", F32, None)],
         [init("scales", np.array([1, 1, 2, 3], np.float32))], opset=9,
         note="opset 9 Upsample (deprecated in 10), scales as an input")


# ----------------------------------------------------------------- composite graphs
def composite_cases():
    r = rng_for("constant_weights_opset9")
    w, b = f32(r, 4, 2, 3, 3), f32(r, 4)
    fw, fb = f32(r, 4 * 3 * 3, 5), f32(r, 5)
    case("constant_weights_opset9",
         [node("Constant", [], ["w"], value=numpy_helper.from_array(w, "w")),
          node("Constant", [], ["b"], value=numpy_helper.from_array(b, "b")),
          node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3]),
          node("Relu", ["c"], ["r"]),
          node("Flatten", ["r"], ["f"], axis=1),
          node("Constant", [], ["fw"], value=numpy_helper.from_array(fw, "fw")),
          node("Constant", [], ["fb"], value=numpy_helper.from_array(fb, "fb")),
          node("Gemm", ["f", "fw", "fb"], ["y"])],
         [vi("x", F32, [2, 2, 5, 5])], [vi("y", F32, None)], opset=9,
         note="no initializers: every weight is a Constant node (old exporters)")

    def shape_subgraph(name, dims):
        case(name,
             [node("Shape", ["x"], ["shp"]),
              node("Gather", ["shp", "zero"], ["n"], axis=0),
              node("Unsqueeze", ["n", "axes0"], ["n1"]),
              node("Concat", ["n1", "minus1"], ["new_shape"], axis=0),
              node("Reshape", ["x", "new_shape"], ["y"])],
             [vi("x", F32, dims)],
             [vi("y", F32, [dims[0], 12])],
             [init("zero", scalar(0, np.int64)), init("axes0", i64(0)), init("minus1", i64(-1))],
             note="x.view(x.size(0), -1) as torch exports it: Shape->Gather->Unsqueeze->"
                  "Concat->Reshape")
    shape_subgraph("shape_subgraph", [2, 3, 4])
    shape_subgraph("shape_subgraph_dynamic", ["N", 3, 4])

    case("gelu_erf",
         [node("Div", ["x", "sqrt2"], ["xd"]), node("Erf", ["xd"], ["e"]),
          node("Add", ["e", "one"], ["e1"]), node("Mul", ["x", "e1"], ["xm"]),
          node("Mul", ["xm", "half"], ["y"])],
         [vi("x", F32, [2, 8])], [vi("y", F32, None)],
         [init("sqrt2", scalar(1.4142135381698608)), init("one", scalar(1.0)),
          init("half", scalar(0.5))],
         note="GELU = x*0.5*(1+erf(x/sqrt2)) in torch's export order, 0-d constants")

    r = rng_for("layernorm_decomposed")
    case("layernorm_decomposed",
         [node("ReduceMean", ["x"], ["mu"], axes=[-1], keepdims=1),
          node("Sub", ["x", "mu"], ["xc"]),
          node("Pow", ["xc", "two"], ["sq"]),
          node("ReduceMean", ["sq"], ["var"], axes=[-1], keepdims=1),
          node("Add", ["var", "eps"], ["ve"]),
          node("Sqrt", ["ve"], ["sd"]),
          node("Div", ["xc", "sd"], ["xn"]),
          node("Mul", ["xn", "gamma"], ["xg"]),
          node("Add", ["xg", "beta"], ["y"])],
         [vi("x", F32, [2, 4, 8])], [vi("y", F32, None)],
         [init("two", scalar(2.0)), init("eps", scalar(1e-5)),
          init("gamma", f32(r, 8) + 1), init("beta", f32(r, 8))],
         note="LayerNorm as opset<17 exporters emit it (pattern to fuse)")

    r = rng_for("attention")
    T_, D, H = 4, 8, 2
    dh = D // H
    mask = np.tril(np.ones((T_, T_), bool))
    nodes = []
    for p in "qkv":
        nodes += [node("MatMul", ["x", f"w{p}"], [f"{p}0"]),
                  node("Reshape", [f"{p}0", "heads_shape"], [f"{p}1"]),
                  node("Transpose", [f"{p}1"], [f"{p}h"],
                       perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3])]
    nodes += [node("MatMul", ["qh", "kh"], ["scores"]),
              node("Div", ["scores", "sqrt_dh"], ["scaled"]),
              node("Where", ["causal_mask", "scaled", "neg_inf"], ["masked"]),
              node("Softmax", ["masked"], ["probs"], axis=-1),
              node("MatMul", ["probs", "vh"], ["ctx"]),
              node("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
              node("Reshape", ["ctx_t", "merge_shape"], ["ctx_m"]),
              node("MatMul", ["ctx_m", "wo"], ["y"])]
    case("attention", nodes, [vi("x", F32, [1, T_, D])], [vi("y", F32, None)],
         [init("wq", f32(r, D, D)), init("wk", f32(r, D, D)), init("wv", f32(r, D, D)),
          init("wo", f32(r, D, D)), init("heads_shape", i64(1, T_, H, dh)),
          init("merge_shape", i64(1, T_, D)), init("sqrt_dh", scalar(np.sqrt(dh))),
          init("causal_mask", mask), init("neg_inf", scalar(-np.inf))],
         note="2-head causal self-attention, T=4 D=8: K transposed with perm [0,2,3,1], "
              "mask is a bool [4,4] lower-triangular initializer, -inf fill via Where")

    r = rng_for("symbolic_batch")
    case("symbolic_batch",
         [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
          node("Relu", ["c"], ["r"]), node("GlobalAveragePool", ["r"], ["g"]),
          node("Flatten", ["g"], ["f"]), node("Gemm", ["f", "fw", "fb"], ["y"], transB=1)],
         [vi("x", F32, ["N", 3, 8, 8])], [vi("y", F32, ["N", 10])],
         [init("w", f32(r, 6, 3, 3, 3)), init("b", f32(r, 6)), init("fw", f32(r, 10, 6)),
          init("fb", f32(r, 10))],
         note="symbolic batch dim N on input and output")
    r = rng_for("symbolic_seq")
    case("symbolic_seq",
         [node("MatMul", ["x", "w"], ["m"]), node("Add", ["m", "b"], ["a"]),
          node("Relu", ["a"], ["r"]), node("Softmax", ["r"], ["y"], axis=-1)],
         [vi("x", F32, ["N", "seq", 16])], [vi("y", F32, ["N", "seq", 16])],
         [init("w", f32(r, 16, 16)), init("b", f32(r, 16))],
         note="two symbolic dims: N and seq")

    # Initializers also listed as graph inputs (torch's old keep_initializers_as_inputs=True).
    r = rng_for("initializer_as_input")
    case("initializer_as_input", [node("Gemm", ["x", "w", "b"], ["y"], transB=1)],
         [vi("x", F32, [2, 4]), vi("w", F32, [3, 4]), vi("b", F32, [3])], [vi("y", F32, None)],
         [init("w", f32(r, 3, 4)), init("b", f32(r, 3))],
         note="w and b are both graph inputs and initializers (IR>=4: the initializer is "
              "a default that a caller may override); only x is a real input")

    # Typed-field storage: float_data, int64_data, int32_data instead of raw_data.
    r = rng_for("typed_field_initializers")
    bias = f32(r, 3)
    idx = np.array([2, 0, 1], np.int32)
    case("typed_field_initializers",
         [node("Add", ["x", "bias"], ["a"]),
          node("Gather", ["a", "perm"], ["g"], axis=1),
          node("Reshape", ["g", "shape"], ["y"])],
         [vi("x", F32, [2, 3])], [vi("y", F32, None)],
         [helper.make_tensor("bias", F32, [3], bias.tolist(), raw=False),
          helper.make_tensor("perm", I32, [3], idx.tolist(), raw=False),
          helper.make_tensor("shape", I64, [2], [3, 2], raw=False)],
         note="initializers in float_data / int32_data / int64_data, not raw_data")


# ----------------------------------------------------------------- quantization
def quant_cases():
    r = rng_for("qdq_conv")
    wf = f32(r, 4, 3, 3, 3)
    wscale = (np.abs(wf).reshape(4, -1).max(1) / 127).astype(np.float32)
    wq = np.clip(np.round(wf / wscale[:, None, None, None]), -127, 127).astype(np.int8)
    case("qdq_conv",
         [node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["xq"]),
          node("DequantizeLinear", ["xq", "x_scale", "x_zp"], ["xdq"]),
          node("DequantizeLinear", ["wq", "w_scale", "w_zp"], ["wdq"], axis=0),
          node("Conv", ["xdq", "wdq", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
         [vi("x", F32, [1, 3, 6, 6])], [vi("y", F32, None)],
         [init("x_scale", scalar(0.02)), init("x_zp", scalar(128, np.uint8)),
          init("wq", wq), init("w_scale", wscale), init("w_zp", np.zeros(4, np.int8)),
          init("b", f32(r, 4))],
         note="QDQ: activation per-tensor uint8 (scale 0.02, zp 128); weight per-axis int8 "
              "(axis 0, 4 scales, zero zps)")
    case("quantize_linear", [node("QuantizeLinear", ["x", "s", "zp"], ["y"])],
         [vi("x", F32, [2, 5])], [vi("y", U8, None)],
         [init("s", scalar(0.05)), init("zp", scalar(10, np.uint8))])
    case("dequantize_linear_per_axis",
         [node("DequantizeLinear", ["x", "s", "zp"], ["y"], axis=1)],
         [vi("x", I8, [2, 3, 4])], [vi("y", F32, None)],
         [init("s", np.array([0.1, 0.2, 0.05], np.float32)), init("zp", np.array([0, -3, 5], np.int8))],
         note="per-axis on axis 1 with non-zero int8 zero points")

    r = rng_for("qlinear_conv")
    case("qlinear_conv",
         [node("QLinearConv", ["x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale",
                               "y_zp", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
               strides=[2, 2])],
         [vi("x", U8, [1, 3, 8, 8])], [vi("y", U8, None)],
         [init("x_scale", scalar(0.02)), init("x_zp", scalar(128, np.uint8)),
          init("w", r.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)),
          init("w_scale", (r.random(4) * 0.01 + 0.001).astype(np.float32)),
          init("w_zp", np.zeros(4, np.int8)),
          init("y_scale", scalar(0.1)), init("y_zp", scalar(100, np.uint8)),
          init("b", r.integers(-500, 500, 4).astype(np.int32))],
         note="uint8 activations, per-output-channel int8 weights, int32 bias")
    r = rng_for("qlinear_matmul")
    case("qlinear_matmul",
         [node("QLinearMatMul", ["a", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale",
                                 "y_zp"], ["y"])],
         [vi("a", U8, [2, 4, 8])], [vi("y", U8, None)],
         [init("a_scale", scalar(0.03)), init("a_zp", scalar(120, np.uint8)),
          init("b", r.integers(0, 256, (8, 5)).astype(np.uint8)),
          init("b_scale", scalar(0.004)), init("b_zp", scalar(128, np.uint8)),
          init("y_scale", scalar(0.2)), init("y_zp", scalar(90, np.uint8))],
         note="batched 3-D x 2-D, all uint8, per-tensor")
    r = rng_for("matmul_integer")
    case("matmul_integer", [node("MatMulInteger", ["a", "b", "a_zp", "b_zp"], ["y"])],
         [vi("a", U8, [3, 4])], [vi("y", I32, None)],
         [init("b", r.integers(-128, 128, (4, 5)).astype(np.int8)),
          init("a_zp", scalar(7, np.uint8)), init("b_zp", np.array([0, 1, -2, 3, 0], np.int8))],
         note="uint8 x int8 -> int32, per-column (1-D [5]) b zero point")
    r = rng_for("conv_integer")
    case("conv_integer", [node("ConvInteger", ["x", "w", "x_zp", "w_zp"], ["y"],
                               kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])],
         [vi("x", U8, [1, 2, 6, 6])], [vi("y", I32, None)],
         [init("w", r.integers(0, 256, (3, 2, 3, 3)).astype(np.uint8)),
          init("x_zp", scalar(3, np.uint8)), init("w_zp", scalar(128, np.uint8))],
         note="uint8 x uint8 -> int32 with zero points")
    case("dynamic_quantize_linear",
         [node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zp"])],
         [vi("x", F32, [2, 8])], [vi("y", U8, None), vi("y_scale", F32, None), vi("y_zp", U8, None)],
         note="three outputs: uint8 tensor, f32 scalar scale, u8 scalar zero point")
    r = rng_for("dynamic_quant_matmul")
    case("dynamic_quant_matmul",
         [node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"]),
          node("MatMulInteger", ["xq", "wq", "xzp", "w_zp"], ["acc"]),
          node("Cast", ["acc"], ["accf"], to=F32),
          node("Mul", ["xs", "w_scale"], ["s"]),
          node("Mul", ["accf", "s"], ["m"]),
          node("Add", ["m", "b"], ["y"])],
         [vi("x", F32, [2, 8])], [vi("y", F32, None)],
         [init("wq", r.integers(-127, 128, (8, 4)).astype(np.int8)),
          init("w_zp", scalar(0, np.int8)), init("w_scale", scalar(0.01)), init("b", f32(r, 4))],
         note="dynamic-quantized Linear as onnxruntime's quantizer writes it")


# ----------------------------------------------------------------- external data
def external_case():
    r = rng_for("external")
    m = make_model("external_model",
                   [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3]),
                    node("Relu", ["c"], ["r"]),
                    node("Flatten", ["r"], ["f"]),
                    node("Gemm", ["f", "fw", "fb"], ["y"], transB=1)],
                   [vi("x", F32, [1, 2, 5, 5])], [vi("y", F32, None)],
                   [init("w", f32(r, 3, 2, 3, 3)), init("b", f32(r, 3)),
                    init("fw", f32(r, 4, 27)), init("fb", f32(r, 4))])
    d = os.path.join(OUT, "external")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    # onnx appends to an existing .bin (opens it "ab"): start from nothing.
    for fn in ("model.onnx", "external_weights.bin"):
        if os.path.exists(os.path.join(d, fn)):
            os.remove(os.path.join(d, fn))
    keep = onnx.ModelProto()
    keep.CopyFrom(m)  # save_model with external data strips raw_data in place
    onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="external_weights.bin", size_threshold=0)
    onnx.checker.check_model(path, full_check=True)
    WRITTEN.update({"external/model.onnx", "external/external_weights.bin"})
    stored = onnx.load_model(path, load_external_data=False)
    offsets = "; ".join(
        f"{t.name}: " + ",".join(f"{e.key}={e.value}" for e in t.external_data)
        for t in stored.graph.initializer)
    describe("external/model.onnx", stored,
             "every initializer in external_weights.bin (size_threshold=0); " + offsets,
             "valid (onnx.checker full_check on the path passes)")
    MANIFEST.append(("external/external_weights.bin",
                     f"external/external_weights.bin\n  note: raw little-endian tensor bytes "
                     f"for external/model.onnx ({os.path.getsize(os.path.join(d, 'external_weights.bin'))}"
                     f" bytes)"))
    return keep


# ----------------------------------------------------------------- bad inputs
def bad_cases(external_model):
    with open(os.path.join(OUT, "attention.onnx"), "rb") as f:
        good = f.read()
    save_bad("bad_truncated", good[:len(good) // 2],
             f"first half ({len(good) // 2} of {len(good)} bytes) of attention.onnx")
    r = rng_for("bad_garbage")
    save_bad("bad_garbage", b"\xff\xff\xff\xffnot an onnx model\n" + r.bytes(200),
             "0xFF*4 + text + 200 random bytes")

    m = make_model("bad_unsupported_op",
                   [node("NonMaxSuppression", ["boxes", "scores", "max_out", "iou", "score_th"],
                         ["selected"])],
                   [vi("boxes", F32, [1, 6, 4]), vi("scores", F32, [1, 1, 6])],
                   [vi("selected", I64, ["num_selected", 3])],
                   [init("max_out", i64(3)), init("iou", np.array([0.5], np.float32)),
                    init("score_th", np.array([0.1], np.float32))], opset=11, infer=False)
    onnx.checker.check_model(m, full_check=True)
    save_bad("bad_unsupported_op", m,
             "valid ONNX, but NonMaxSuppression (data-dependent output shape) is not supported")

    m = make_model("bad_custom_domain",
                   [node("Relu", ["x"], ["r"]),
                    node("FancyAct", ["r"], ["y"], domain="com.example", alpha=0.5)],
                   [vi("x", F32, [2, 3])], [vi("y", F32, [2, 3])],
                   opset=13, extra_opsets=[("com.example", 1)], infer=False)
    save_bad("bad_custom_domain", m, "op com.example.FancyAct from a custom domain (opset "
                                     "import com.example:1)")

    # External data whose .bin is absent: the same model saved with another
    # location, keeping only the .onnx.
    with tempfile.TemporaryDirectory() as td:
        onnx.save_model(external_model, os.path.join(td, "model.onnx"),
                        save_as_external_data=True, all_tensors_to_one_file=True,
                        location="missing_weights.bin", size_threshold=0)
        with open(os.path.join(td, "model.onnx"), "rb") as f:
            data = f.read()
    os.makedirs(os.path.join(OUT, "bad_external_missing"), exist_ok=True)
    rel = "bad_external_missing/model.onnx"
    with open(os.path.join(OUT, rel), "wb") as f:
        f.write(data)
    WRITTEN.add(rel)
    describe(rel, onnx.load_model_from_string(data),
             "initializers point at missing_weights.bin, which is not shipped",
             "BAD: " + checker_verdict(os.path.join(OUT, rel)))

    w = init("w", f32(rng_for("bad_raw_data_size"), 4, 4))
    w.raw_data = w.raw_data[:60]
    m = make_model("bad_raw_data_size", [node("MatMul", ["x", "w"], ["y"])],
                   [vi("x", F32, [2, 4])], [vi("y", F32, [2, 4])], [w], infer=False)
    save_bad("bad_raw_data_size", m, "initializer w dims [4,4] f32 needs 64 bytes, raw_data has 60")

    big = T()
    big.name, big.data_type = "big", F32
    big.dims.extend([2 ** 40, 2 ** 40])
    m = make_model("bad_huge_dims_initializer", [node("Mul", ["x", "big"], ["y"])],
                   [vi("x", F32, [1])], [vi("y", F32, [2 ** 40, 2 ** 40])], [big], infer=False)
    save_bad("bad_huge_dims_initializer", m,
             "initializer dims [2^40,2^40] (2^80 elements overflow int64) and no data at all")
    m = make_model("bad_huge_dims_input", [node("Relu", ["x"], ["y"])],
                   [vi("x", F32, [2 ** 40, 2 ** 40])], [vi("y", F32, [2 ** 40, 2 ** 40])],
                   infer=False)
    save_bad("bad_huge_dims_input", m,
             "graph input dims [2^40,2^40]: element count 2^80 overflows int64")
    m = make_model("bad_shape_mismatch", [node("Add", ["a", "b"], ["y"])],
                   [vi("a", F32, [2, 3]), vi("b", F32, [4, 5])], [vi("y", F32, [2, 3])],
                   infer=False)
    save_bad("bad_shape_mismatch", m, "Add of [2,3] and [4,5]: not broadcastable")
    m = make_model("bad_undefined_value", [node("Relu", ["nowhere"], ["y"])],
                   [vi("x", F32, [2])], [vi("y", F32, [2])], infer=False)
    save_bad("bad_undefined_value", m, "node input 'nowhere' is produced by no node, input "
                                       "or initializer")


def main():
    os.makedirs(OUT, exist_ok=True)
    conv_cases()
    linalg_cases()
    elementwise_cases()
    norm_pool_cases()
    shape_cases()
    composite_cases()
    quant_cases()
    ext = external_case()
    bad_cases(ext)

    WRITTEN.add("MANIFEST.txt")
    total = 0
    for rel in WRITTEN - {"MANIFEST.txt"}:
        total += os.path.getsize(os.path.join(OUT, rel))
    header = [
        "# qcc importer fixtures -- generated by test/Import/make_fixtures.py; do not edit.",
        f"# onnx {onnx.__version__}, numpy {np.__version__}. {len(WRITTEN) - 1} files, "
        f"{total} bytes (without this manifest).",
        "# Shapes: [..] with dim_param names for symbolic dims; dtypes f32 f16 i64 i32 i8 u8 bool.",
        "# 'init' lists initializers as name:dtype[dims](storage). Node lines give",
        "# name: Op(inputs) -> outputs {attributes}; an empty input name is an omitted optional.",
        "",
    ]
    with open(os.path.join(OUT, "MANIFEST.txt"), "w") as f:
        f.write("\n".join(header) + "\n" + "\n\n".join(text for _, text in MANIFEST) + "\n")

    stray = []
    for root, _, files in os.walk(OUT):
        for fn in files:
            rel = os.path.relpath(os.path.join(root, fn), OUT)
            if rel not in WRITTEN:
                stray.append(rel)
    print(f"wrote {len(WRITTEN)} files ({total} bytes + manifest) to {OUT}")
    if stray:
        print("note: files in Inputs/ not written by this script:", ", ".join(sorted(stray)))


if __name__ == "__main__":
    main()
