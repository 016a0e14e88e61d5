/* qcc-fuse-qdq: dequantize -> op [-> activation] -> quantize chains become one
 * quantized op whose parameters are the quant types of its operands and
 * result (docs/numerics.md defines the arithmetic):
 *   conv2d (+relu/clip)          -> qconv2d     weights per tensor or per output channel
 *   gemm (+relu/clip)            -> qgemm       trans_a = 0, trans_b = 1, alpha = beta = 1
 *   matmul                       -> qmatmul     per-tensor operands
 *   add, mul (+relu/clip)        -> qadd, qmul  per-tensor operands
 *   avg_pool, global_avg_pool    -> qavg_pool, qglobal_avg_pool
 *   sigmoid, tanh, hard_swish, hard_sigmoid, gelu, exp, erf, leaky_relu,
 *   relu, clip (alone)           -> lut         256-entry table built now
 *   gemm/matmul of the dynamic quantizer (float x, int8 constant weights)
 *                                -> qgemm_dynamic  x quantized per row at run time
 *   max_pool, reshape, flatten, transpose, squeeze, unsqueeze, slice with
 *   the same parameters in and out -> the op on the integer storage
 *   concat (inputs quantized with the output's parameters) -> concat of the integers
 *                                   (storage_cast -> op -> storage_cast)
 * What does not fuse stays in QDQ form; remarks=1 names each such op and why. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/Dialect/Quant.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc.h"
#include "qrt/qrt_f32.h"
#include "qrt/qrt_q8.h"
#include "quantizer.h"

typedef struct {
  bool remarks;
} fuse_cfg;

typedef struct {
  const fuse_cfg *cfg;
  int fused, left;
} fstate;

static void remark(fstate *st, MlirOperation op, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void remark(fstate *st, MlirOperation op, const char *fmt, ...) {
  st->left++;
  if (!st->cfg->remarks) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  MlirStringRef nm = qcc_op_node_name(op);
  char msg[800];
  snprintf(msg, sizeof msg, "remark: %.*s '%.*s' stays in QDQ form: %s", (int)n.length, n.data, (int)nm.length, nm.data, buf);
  mlirEmitError(mlirOperationGetLocation(op), msg);
}

static MlirType elem_of(MlirValue v) { return mlirShapedTypeGetElementType(mlirValueGetType(v)); }

/* The quantized value a dequantize reads, or null. */
static MlirValue dq_source(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return (MlirValue){NULL};
  MlirOperation d = mlirOpResultGetOwner(v);
  return qcc_op_is(d, QCC_OP_dequantize) ? mlirOperationGetOperand(d, 0) : (MlirValue){NULL};
}

static bool single_use(MlirValue v, MlirOperation *user) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(u))) return false;
  *user = mlirOpOperandGetOwner(u);
  return true;
}

static bool is_q8_tensor(MlirType e) {
  return mlirTypeIsAQuantizedType(e) && mlirQuantizedTypeGetStorageTypeIntegralWidth(e) == 8;
}

static bool per_tensor_q8(MlirValue v) {
  MlirType e = elem_of(v);
  return is_q8_tensor(e) && mlirTypeIsAUniformQuantizedType(e);
}

static qrt_dtype_t storage_dtype(MlirType e) { return mlirQuantizedTypeIsSigned(e) ? QRT_DTYPE_I8 : QRT_DTYPE_U8; }

/* Activation applied by the fused op: relu -> [0, inf), clip -> [min, max]. */
static bool activation_bounds(MlirOperation act, float *lo, float *hi) {
  if (qcc_op_is(act, QCC_OP_relu)) { *lo = 0.0f, *hi = INFINITY; return true; }
  if (qcc_op_is(act, QCC_OP_clip)) { *lo = qcc_get_f32(act, QCC_ATTR_min), *hi = qcc_get_f32(act, QCC_ATTR_max); return true; }
  return false;
}

/* Copy the inherent attributes of op (those of kind `from`'s schema that the
 * fused kind also has) and add clamp bounds when the fused kind takes them. */
static int fused_attrs(MlirOperation op, qcc_op_kind to, float lo, float hi, MlirNamedAttribute *out) {
  MlirContext ctx = mlirOperationGetContext(op);
  const qcc_op_info *ti = qcc_op_info_get(to);
  int n = 0;
  for (const qcc_attr_schema *a = ti->attrs; a->id != QCC_ATTR_COUNT_; ++a) {
    if (a->id == QCC_ATTR_clamp_min) out[n++] = qcc_attr_f32(ctx, a->id, lo);
    else if (a->id == QCC_ATTR_clamp_max) out[n++] = qcc_attr_f32(ctx, a->id, hi);
    else {
      MlirAttribute v = qcc_op_attr(op, a->id);
      if (!mlirAttributeIsNull(v)) out[n++] = qcc_attr_of(ctx, a->id, v);
    }
  }
  return n;
}

/* Replace q (the chain's final quantize) with a new op of `kind`. dead holds
 * the chain's float ops, last first; the new op's location fuses theirs in
 * graph order, so every node name survives (conv2d + relu: [conv, relu]). */
static void emit_fused(fstate *st, MlirOperation q, MlirOperation *dead, int n_dead, qcc_op_kind kind, int n_ops,
                       const MlirValue *ops, int n_attrs, const MlirNamedAttribute *attrs) {
  qcc_builder b = qcc_builder_before(q);
  MlirType rt = mlirValueGetType(mlirOperationGetResult(q, 0));
  MlirLocation locs[4];
  for (int i = 0; i < n_dead && i < 4; ++i) locs[i] = mlirOperationGetLocation(dead[n_dead - 1 - i]);
  MlirLocation loc = qcc_location_fuse(b.ctx, locs, n_dead < 4 ? n_dead : 4);
  MlirOperation f = qcc_build(&b, kind, loc, n_ops, ops, 1, &rt, n_attrs, attrs);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(q, 0), mlirOperationGetResult(f, 0));
  mlirOperationDestroy(q);
  for (int i = 0; i < n_dead; ++i) mlirOperationDestroy(dead[i]);
  st->fused++;
}

/* conv2d, gemm, matmul, add, mul, pools: op [-> act] -> quantize. */
static bool fuse_compute(fstate *st, MlirOperation op) {
  qcc_op_kind k = qcc_op_get_kind(op), to;
  switch (k) {
    case QCC_OP_conv2d: to = QCC_OP_qconv2d; break;
    case QCC_OP_gemm: to = QCC_OP_qgemm; break;
    case QCC_OP_matmul: to = QCC_OP_qmatmul; break;
    case QCC_OP_add: to = QCC_OP_qadd; break;
    case QCC_OP_mul: to = QCC_OP_qmul; break;
    case QCC_OP_avg_pool: to = QCC_OP_qavg_pool; break;
    case QCC_OP_global_avg_pool: to = QCC_OP_qglobal_avg_pool; break;
    default: return false;
  }
  int n = (int)mlirOperationGetNumOperands(op);
  MlirValue src[3];
  for (int i = 0; i < n && i < 3; ++i) {
    src[i] = dq_source(mlirOperationGetOperand(op, i));
    if (mlirValueIsNull(src[i])) {
      remark(st, op, "operand #%d is not dequantized", i);
      return false;
    }
    MlirType e = elem_of(src[i]);
    bool bias = i == 2;
    if (bias ? mlirQuantizedTypeGetStorageTypeIntegralWidth(e) != 32 : !is_q8_tensor(e)) {
      remark(st, op, "operand #%d is not %s", i, bias ? "int32" : "8-bit");
      return false;
    }
  }
  if (!per_tensor_q8(src[0]) || (k != QCC_OP_conv2d && k != QCC_OP_gemm && n > 1 && !per_tensor_q8(src[1]))) {
    remark(st, op, "activations must be quantized per tensor");
    return false;
  }
  if (k == QCC_OP_gemm && (qcc_get_i64(op, QCC_ATTR_trans_a) || !qcc_get_i64(op, QCC_ATTR_trans_b) ||
                           qcc_get_f32(op, QCC_ATTR_alpha) != 1.0f || (n > 2 && qcc_get_f32(op, QCC_ATTR_beta) != 1.0f))) {
    remark(st, op, "gemm needs trans_a = 0, trans_b = 1 and alpha = beta = 1");
    return false;
  }
  if ((k == QCC_OP_conv2d || k == QCC_OP_gemm) && mlirTypeIsAUniformQuantizedPerAxisType(elem_of(src[1])) &&
      mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(elem_of(src[1])) != 0) {
    remark(st, op, "weights must be quantized per output channel (axis 0)");
    return false;
  }
  MlirValue r = mlirOperationGetResult(op, 0);
  MlirOperation user, act = {NULL}, q;
  float lo = -INFINITY, hi = INFINITY;
  if (!single_use(r, &user)) {
    remark(st, op, "its result has several users");
    return false;
  }
  bool takes_act = k == QCC_OP_conv2d || k == QCC_OP_gemm || k == QCC_OP_add || k == QCC_OP_mul;
  if (takes_act && activation_bounds(user, &lo, &hi)) {
    act = user;
    if (!single_use(mlirOperationGetResult(act, 0), &user)) {
      remark(st, op, "its activation's result has several users");
      return false;
    }
  }
  q = user;
  if (!qcc_op_is(q, QCC_OP_quantize) || !per_tensor_q8(mlirOperationGetResult(q, 0))) {
    remark(st, op, "its result is not quantized per tensor to 8 bits");
    return false;
  }
  MlirNamedAttribute attrs[16];
  int na = fused_attrs(op, to, lo, hi, attrs);
  MlirOperation dead[2];
  int nd = 0;
  if (!mlirOperationIsNull(act)) dead[nd++] = act;
  dead[nd++] = op;
  emit_fused(st, q, dead, nd, to, n, src, na, attrs);
  return true;
}

/* Elementwise functions -> lut. */
static bool unary_op(MlirOperation op, qrt_unary_op_t *u, float *alpha, float *beta) {
  *alpha = 0, *beta = 0;
  switch (qcc_op_get_kind(op)) {
    case QCC_OP_sigmoid: *u = QRT_UNARY_SIGMOID; return true;
    case QCC_OP_tanh: *u = QRT_UNARY_TANH; return true;
    case QCC_OP_hard_swish: *u = QRT_UNARY_HARD_SWISH; return true;
    case QCC_OP_exp: *u = QRT_UNARY_EXP; return true;
    case QCC_OP_erf: *u = QRT_UNARY_ERF; return true;
    case QCC_OP_relu: *u = QRT_UNARY_RELU; return true;
    case QCC_OP_hard_sigmoid: *u = QRT_UNARY_HARD_SIGMOID, *alpha = qcc_get_f32(op, QCC_ATTR_alpha), *beta = qcc_get_f32(op, QCC_ATTR_beta); return true;
    case QCC_OP_leaky_relu: *u = QRT_UNARY_LEAKY_RELU, *alpha = qcc_get_f32(op, QCC_ATTR_alpha); return true;
    case QCC_OP_clip: *u = QRT_UNARY_CLIP, *alpha = qcc_get_f32(op, QCC_ATTR_min), *beta = qcc_get_f32(op, QCC_ATTR_max); return true;
    case QCC_OP_gelu: *u = qcc_str_eq(qcc_get_str(op, QCC_ATTR_approximate), "tanh") ? QRT_UNARY_GELU_TANH : QRT_UNARY_GELU; return true;
    default: return false;
  }
}

static bool fuse_lut(fstate *st, MlirOperation op) {
  qrt_unary_op_t u;
  float alpha, beta;
  if (!unary_op(op, &u, &alpha, &beta)) return false;
  MlirValue src = dq_source(mlirOperationGetOperand(op, 0));
  MlirOperation q;
  if (mlirValueIsNull(src) || !per_tensor_q8(src)) {
    remark(st, op, "its input is not dequantized from a per-tensor 8-bit value");
    return false;
  }
  if (!single_use(mlirOperationGetResult(op, 0), &q) || !qcc_op_is(q, QCC_OP_quantize) ||
      !per_tensor_q8(mlirOperationGetResult(q, 0))) {
    remark(st, op, "its result is not quantized per tensor to 8 bits (alone)");
    return false;
  }
  MlirType xe = elem_of(src), ye = elem_of(mlirOperationGetResult(q, 0));
  qrt_q8_act_t xq = {storage_dtype(xe), (float)mlirUniformQuantizedTypeGetScale(xe), (int32_t)mlirUniformQuantizedTypeGetZeroPoint(xe)};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, storage_dtype(ye), (float)mlirUniformQuantizedTypeGetScale(ye), (int32_t)mlirUniformQuantizedTypeGetZeroPoint(ye));
  uint8_t table[256];
  if (qrt_q8_lut_build_unary(u, alpha, beta, &xq, &yq, table) != QRT_OK) {
    remark(st, op, "its lookup table cannot be built");
    return false;
  }
  MlirContext ctx = mlirOperationGetContext(op);
  int64_t d = 256;
  MlirType tt = mlirRankedTensorTypeGet(1, &d, mlirIntegerTypeUnsignedGet(ctx, 8), mlirAttributeGetNull());
  MlirNamedAttribute a = qcc_attr_of(ctx, QCC_ATTR_table, mlirDenseElementsAttrRawBufferGet(tt, 256, table));
  MlirOperation dead[1] = {op};
  emit_fused(st, q, dead, 1, QCC_OP_lut, 1, &src, 1, &a);
  return true;
}

/* Data movement and max_pool with identical parameters in and out: run on
 * the integer storage. */
static bool fuse_storage(fstate *st, MlirOperation op) {
  switch (qcc_op_get_kind(op)) {
    case QCC_OP_max_pool: case QCC_OP_reshape: case QCC_OP_flatten: case QCC_OP_transpose:
    case QCC_OP_squeeze: case QCC_OP_unsqueeze: case QCC_OP_slice: break;
    default: return false;
  }
  MlirValue src = dq_source(mlirOperationGetOperand(op, 0));
  MlirOperation q;
  if (mlirValueIsNull(src) || !per_tensor_q8(src)) return false;
  if (!single_use(mlirOperationGetResult(op, 0), &q) || !qcc_op_is(q, QCC_OP_quantize)) return false;
  MlirType xe = elem_of(src), ye = elem_of(mlirOperationGetResult(q, 0));
  if (!mlirTypeEqual(xe, ye)) {
    remark(st, op, "its output parameters differ from its input's");
    return false;
  }
  MlirContext ctx = mlirOperationGetContext(op);
  MlirType ie = mlirQuantizedTypeIsSigned(xe) ? mlirIntegerTypeGet(ctx, 8) : mlirIntegerTypeUnsignedGet(ctx, 8);
  qcc_builder b = qcc_builder_before(q);
  MlirLocation loc = mlirOperationGetLocation(op);
  int64_t d[8];
  int r = qcc_value_dims(src, d);
  MlirType it = mlirRankedTensorTypeGet(r, d, ie, mlirAttributeGetNull());
  MlirValue xi = mlirOperationGetResult(qcc_build(&b, QCC_OP_storage_cast, loc, 1, &src, 1, &it, 0, NULL), 0);
  r = qcc_value_dims(mlirOperationGetResult(op, 0), d);
  MlirType ot = mlirRankedTensorTypeGet(r, d, ie, mlirAttributeGetNull());
  intptr_t na = mlirOperationGetNumAttributes(op);
  MlirNamedAttribute attrs[16];
  int n = 0;
  for (intptr_t i = 0; i < na && n < 16; ++i) {
    MlirNamedAttribute a = mlirOperationGetAttribute(op, i);
    MlirStringRef nm = mlirIdentifierStr(a.name);
    if (nm.length > 4 && !strncmp(nm.data, "qcc.", 4)) continue;
    attrs[n++] = a;
  }
  MlirValue yi = mlirOperationGetResult(qcc_build(&b, qcc_op_get_kind(op), loc, 1, &xi, 1, &ot, n, attrs), 0);
  MlirType qt = mlirValueGetType(mlirOperationGetResult(q, 0));
  MlirOperation back = qcc_build(&b, QCC_OP_storage_cast, loc, 1, &yi, 1, &qt, 0, NULL);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(q, 0), mlirOperationGetResult(back, 0));
  mlirOperationDestroy(q);
  mlirOperationDestroy(op);
  st->fused++;
  return true;
}

/* Dynamic quantization (the dynamic quantizer's Linear layers): float x,
 * dequantized 8-bit constant weights -> qgemm_dynamic with w as N x K. */
static bool fuse_dynamic(fstate *st, MlirOperation op) {
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k != QCC_OP_gemm && k != QCC_OP_matmul) return false;
  qcc_op_annotation ann;
  if (!qcc_get_annotation(op, &ann) || ann.n_in < 2 || strcmp(ann.in[0].observer, "dynamic")) return false;
  MlirValue wq = dq_source(mlirOperationGetOperand(op, 1));
  if (mlirValueIsNull(wq) || !is_q8_tensor(elem_of(wq)) || !mlirValueIsAOpResult(wq) ||
      !qcc_op_is(mlirOpResultGetOwner(wq), QCC_OP_storage_cast)) {
    remark(st, op, "its weights are not a quantized constant");
    return false;
  }
  MlirOperation wc = qcc_defining_constant(mlirOperationGetOperand(mlirOpResultGetOwner(wq), 0));
  MlirAttribute wa = mlirOperationIsNull(wc) ? mlirAttributeGetNull() : qcc_op_attr(wc, QCC_ATTR_value);
  if (mlirAttributeIsNull(wa) || mlirDenseElementsAttrIsSplat(wa)) {
    remark(st, op, "its weights are not a dense constant");
    return false;
  }
  bool nk = k == QCC_OP_gemm && qcc_get_i64(op, QCC_ATTR_trans_b);
  MlirType we = elem_of(wq);
  bool per_axis = mlirTypeIsAUniformQuantizedPerAxisType(we);
  int axis = per_axis ? (int)mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(we) : -1;
  if (per_axis && axis != (nk ? 0 : 1)) {
    remark(st, op, "its weights are not quantized per output channel");
    return false;
  }
  int64_t d[8];
  qcc_value_dims(wq, d);
  int64_t n = nk ? d[0] : d[1], kk = nk ? d[1] : d[0];
  MlirContext ctx = mlirOperationGetContext(op);
  qcc_builder b = qcc_builder_before(op);
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirValue w = wq;
  if (!nk) { /* K x N -> N x K, same scales along N */
    const int8_t *src = mlirDenseElementsAttrGetRawData(wa);
    int8_t *t = malloc((size_t)(n * kk > 0 ? n * kk : 1));
    for (int64_t i = 0; i < kk; ++i)
      for (int64_t j = 0; j < n; ++j) t[j * kk + i] = src[i * n + j];
    int64_t td[2] = {n, kk};
    MlirType ie = mlirShapedTypeGetElementType(mlirAttributeGetType(wa));
    MlirValue c = qcc_make_constant(&b, loc, mlirRankedTensorTypeGet(2, td, ie, mlirAttributeGetNull()), t, (size_t)(n * kk));
    free(t);
    MlirType qe = we;
    if (per_axis) {
      double *sc = malloc((size_t)n * sizeof *sc);
      int64_t *zp = malloc((size_t)n * sizeof *zp);
      for (int64_t j = 0; j < n; ++j)
        sc[j] = mlirUniformQuantizedPerAxisTypeGetScale(we, j), zp[j] = mlirUniformQuantizedPerAxisTypeGetZeroPoint(we, j);
      qe = mlirUniformQuantizedPerAxisTypeGet(mlirQuantizedTypeGetFlags(we), mlirQuantizedTypeGetStorageType(we),
                                              mlirQuantizedTypeGetExpressedType(we), n, sc, zp, 0,
                                              mlirQuantizedTypeGetStorageTypeMin(we), mlirQuantizedTypeGetStorageTypeMax(we));
      free(sc);
      free(zp);
    }
    MlirType qt = mlirRankedTensorTypeGet(2, td, qe, mlirAttributeGetNull());
    w = mlirOperationGetResult(qcc_build(&b, QCC_OP_storage_cast, loc, 1, &c, 1, &qt, 0, NULL), 0);
  }
  MlirValue ops[3] = {mlirOperationGetOperand(op, 0), w, {NULL}};
  int nops = 2;
  if (k == QCC_OP_gemm && mlirOperationGetNumOperands(op) > 2) ops[nops++] = mlirOperationGetOperand(op, 2);
  MlirType rt = mlirValueGetType(mlirOperationGetResult(op, 0));
  (void)ctx;
  MlirOperation f = qcc_build(&b, QCC_OP_qgemm_dynamic, loc, nops, ops, 1, &rt, 0, NULL);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(op, 0), mlirOperationGetResult(f, 0));
  mlirOperationDestroy(op);
  st->fused++;
  return true;
}

/* concat of dequantized values that all have the result's parameters: the
 * concat of their integers. */
static bool fuse_concat(fstate *st, MlirOperation op) {
  if (!qcc_op_is(op, QCC_OP_concat)) return false;
  MlirOperation q;
  if (!single_use(mlirOperationGetResult(op, 0), &q) || !qcc_op_is(q, QCC_OP_quantize) ||
      !per_tensor_q8(mlirOperationGetResult(q, 0)))
    return false;
  MlirType ye = elem_of(mlirOperationGetResult(q, 0));
  intptr_t n = mlirOperationGetNumOperands(op);
  MlirValue ints[QCC_MAX_VARIADIC];
  if (n > QCC_MAX_VARIADIC) return false;
  for (intptr_t i = 0; i < n; ++i) {
    MlirValue src = dq_source(mlirOperationGetOperand(op, i));
    if (mlirValueIsNull(src) || !mlirTypeEqual(elem_of(src), ye)) {
      remark(st, op, "input #%d does not have the output's parameters", (int)i);
      return false;
    }
    ints[i] = src;
  }
  MlirContext ctx = mlirOperationGetContext(op);
  MlirType ie = mlirQuantizedTypeIsSigned(ye) ? mlirIntegerTypeGet(ctx, 8) : mlirIntegerTypeUnsignedGet(ctx, 8);
  qcc_builder b = qcc_builder_before(q);
  MlirLocation loc = mlirOperationGetLocation(op);
  int64_t d[8];
  for (intptr_t i = 0; i < n; ++i) {
    int r = qcc_value_dims(ints[i], d);
    MlirType it = mlirRankedTensorTypeGet(r, d, ie, mlirAttributeGetNull());
    ints[i] = mlirOperationGetResult(qcc_build(&b, QCC_OP_storage_cast, loc, 1, &ints[i], 1, &it, 0, NULL), 0);
  }
  int r = qcc_value_dims(mlirOperationGetResult(op, 0), d);
  MlirType ot = mlirRankedTensorTypeGet(r, d, ie, mlirAttributeGetNull());
  MlirNamedAttribute ax = qcc_attr_i64(ctx, QCC_ATTR_axis, qcc_get_i64(op, QCC_ATTR_axis));
  MlirValue yi = mlirOperationGetResult(qcc_build(&b, QCC_OP_concat, loc, n, ints, 1, &ot, 1, &ax), 0);
  MlirType qt = mlirValueGetType(mlirOperationGetResult(q, 0));
  MlirOperation back = qcc_build(&b, QCC_OP_storage_cast, loc, 1, &yi, 1, &qt, 0, NULL);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(q, 0), mlirOperationGetResult(back, 0));
  mlirOperationDestroy(q);
  mlirOperationDestroy(op);
  st->fused++;
  return true;
}

typedef struct {
  MlirOperation *v;
  size_t n, cap;
} opvec;

static MlirWalkResult collect(MlirOperation op, void *ud) {
  opvec *o = ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k == QCC_OP_NONE || k == QCC_OP_constant || k == QCC_OP_quantize || k == QCC_OP_dequantize ||
      k == QCC_OP_storage_cast)
    return MlirWalkResultAdvance;
  if (o->n == o->cap) {
    o->cap = o->cap ? 2 * o->cap : 64;
    o->v = realloc(o->v, o->cap * sizeof *o->v);
  }
  o->v[o->n++] = op;
  return MlirWalkResultAdvance;
}

/* A dequantize whose result is unused is dead; so is what only fed it. */
static MlirWalkResult collect_dq(MlirOperation op, void *ud) {
  opvec *o = ud;
  if (!qcc_op_is(op, QCC_OP_dequantize) && !qcc_op_is(op, QCC_OP_storage_cast) && !qcc_op_is(op, QCC_OP_constant))
    return MlirWalkResultAdvance;
  if (o->n == o->cap) {
    o->cap = o->cap ? 2 * o->cap : 64;
    o->v = realloc(o->v, o->cap * sizeof *o->v);
  }
  o->v[o->n++] = op;
  return MlirWalkResultAdvance;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  fstate st = {ud, 0, 0};
  opvec o = {0};
  mlirOperationWalk(root, collect, &o, MlirWalkPreOrder);
  /* Ops destroyed by a fusion are later in program order than the op that
   * started it only when they are its activation: skip those. */
  for (size_t i = 0; i < o.n; ++i) {
    MlirOperation op = o.v[i];
    if (mlirOperationIsNull(op)) continue;
    MlirOperation act = {NULL}, user;
    if (mlirOperationGetNumResults(op) == 1 && single_use(mlirOperationGetResult(op, 0), &user) &&
        activation_bounds(user, &(float){0}, &(float){0}))
      act = user;
    bool done = fuse_dynamic(&st, op);
    if (!done) done = fuse_compute(&st, op);
    if (done && !mlirOperationIsNull(act))
      for (size_t j = i + 1; j < o.n; ++j)
        if (mlirOperationEqual(o.v[j], act)) o.v[j] = (MlirOperation){NULL};
    if (!done) done = fuse_lut(&st, op);
    if (!done) done = fuse_concat(&st, op);
    if (!done) fuse_storage(&st, op);
  }
  free(o.v);
  /* Remove dequantize/storage_cast/constant chains nothing reads any more. */
  opvec d = {0};
  mlirOperationWalk(root, collect_dq, &d, MlirWalkPreOrder);
  for (size_t i = d.n; i-- > 0;)
    if (mlirOpOperandIsNull(mlirValueGetFirstUse(mlirOperationGetResult(d.v[i], 0)))) mlirOperationDestroy(d.v[i]);
  free(d.v);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  fuse_cfg *c = calloc(1, sizeof *c);
  for (int i = 0; i < n; ++i) {
    qcc_status_t st = !strcmp(opts[i].key, "remarks") ? qcc_option_bool("qcc-fuse-qdq", &opts[i], &c->remarks)
                                                      : qcc_option_unknown("qcc-fuse-qdq", opts[i].key, "remarks");
    if (st) {
      free(c);
      return st;
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_fuse_qdq_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_fuse_qdq_info = {
    "qcc-fuse-qdq", "",
    "Fuse dequantize -> op -> quantize chains into quantized ops",
    "Before:  %x = \"qcc.dequantize\"(%xq)  %w = \"qcc.dequantize\"(%wq)  %b = \"qcc.dequantize\"(%bq)\n"
    "         %y = \"qcc.conv2d\"(%x, %w, %b) ...  %r = \"qcc.relu\"(%y)  %q = \"qcc.quantize\"(%r)\n"
    "After:   %q = \"qcc.qconv2d\"(%xq, %wq, %bq) {..., clamp_min = 0.0, clamp_max = 0x7F800000}\n"
    "Elementwise functions become qcc.lut with a 256-entry table; max_pool and data movement with\n"
    "equal parameters run on the integer storage. Ops that do not fuse stay in QDQ form.",
    "remarks=0|1: report each op left in QDQ form and why", create};
