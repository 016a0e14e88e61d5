/* qcc-precompute-requant: the requantization multipliers of the quantized
 * convolutions and gemms, computed now and recorded on the op
 * (docs/numerics.md, "Requantization"):
 *   M[c] = qrt_requant_multiplier(s_x, s_w[c or 0], s_y)
 * with libqrt's one definition (float32, (s_x * s_w) / s_y in that order), the
 * scales read from the operand and result types as the executor reads them.
 * The executor packs the attached values instead of computing them
 * (qrt_q8_packed_set_multipliers), so qcc run and qcc compile's weights use
 * what the IR says; an op without the attribute gets the same numbers from
 * packing. An op that has the attribute keeps it (the pass ran before, or
 * someone set the values by hand: qcc compile then uses those). Ops whose types are not per-tensor 8-bit activations and 8-bit
 * weights (per tensor or per output channel) are left alone: the executor
 * refuses those with its own message. */
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "pass_util.h"
#include "passes.h"
#include "qrt/qrt_quant.h"

static MlirType elem_of(MlirValue v) { return mlirShapedTypeGetElementType(mlirValueGetType(v)); }

static bool act_scale(MlirValue v, float *s) {
  MlirType e = elem_of(v);
  if (!mlirTypeIsAUniformQuantizedType(e)) return false;
  *s = (float)mlirUniformQuantizedTypeGetScale(e);
  return true;
}

static bool is_target(MlirOperation op) {
  return (qcc_op_is(op, QCC_OP_qconv2d) || qcc_op_is(op, QCC_OP_qgemm)) && mlirOperationGetNumOperands(op) >= 2;
}

/* M per output channel of op into a malloc'd array (*n values); NULL when the
 * op's types do not have the expected form. */
static float *multipliers(MlirOperation op, intptr_t *n) {
  float sx, sy;
  if (!act_scale(mlirOperationGetOperand(op, 0), &sx) || !act_scale(mlirOperationGetResult(op, 0), &sy)) return NULL;
  MlirValue w = mlirOperationGetOperand(op, 1);
  MlirType wt = mlirValueGetType(w), we = elem_of(w);
  if (!mlirTypeIsARankedTensor(wt) || mlirShapedTypeGetRank(wt) < 1) return NULL;
  int64_t c_out = mlirShapedTypeGetDimSize(wt, 0);
  bool per_axis = mlirTypeIsAUniformQuantizedPerAxisType(we);
  if (c_out < 1 || (!per_axis && !mlirTypeIsAUniformQuantizedType(we))) return NULL;
  if (per_axis && (mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(we) != 0 ||
                   mlirUniformQuantizedPerAxisTypeGetNumDims(we) != c_out))
    return NULL;
  float *m = malloc(sizeof(float) * (size_t)c_out);
  if (!m) return NULL;
  for (int64_t c = 0; c < c_out; c++) {
    float sw = (float)(per_axis ? mlirUniformQuantizedPerAxisTypeGetScale(we, c) : mlirUniformQuantizedTypeGetScale(we));
    m[c] = qrt_requant_multiplier(sx, sw, sy);
  }
  *n = (intptr_t)c_out;
  return m;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  size_t n;
  MlirOperation *ops = qcc_collect_ops(root, is_target, &n);
  MlirContext ctx = mlirOperationGetContext(root);
  for (size_t i = 0; i < n; i++) {
    MlirStringRef name = mlirStringRefCreateFromCString(QCC_ATTR_REQUANT_MULTIPLIER);
    if (!mlirAttributeIsNull(mlirOperationGetAttributeByName(ops[i], name))) continue; /* computed (or edited) before */
    intptr_t c;
    float *m = multipliers(ops[i], &c);
    if (!m) continue;
    mlirOperationSetDiscardableAttributeByName(ops[i], mlirStringRefCreateFromCString(QCC_ATTR_REQUANT_MULTIPLIER),
                                               mlirDenseF32ArrayGet(ctx, c, m));
    free(m);
  }
  free(ops);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-precompute-requant takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_precompute_requant_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_precompute_requant_info = {
    "qcc-precompute-requant", "",
    "Compute the requantization multiplier of each output channel of qconv2d and qgemm now",
    "M[c] = qrt_requant_multiplier(s_x, s_w[c], s_y): float32, (s_x * s_w[c]) / s_y in that order\n"
    "(docs/numerics.md). The executor, and so qcc compile's packed weights, use the attached values;\n"
    "an op that already has them keeps them (values set by hand survive qcc compile).\n"
    "Before:  %y = \"qcc.qconv2d\"(%x, %w, %b) {...} : (tensor<1x1x4x4x!quant.uniform<u8:f32, 5.000000e-01>>,\n"
    "           tensor<2x1x1x1x!quant.uniform<i8:f32:0, {2.500000e-01,1.250000e-01}>>, ...)\n"
    "           -> tensor<1x2x4x4x!quant.uniform<u8:f32, 6.250000e-02>>\n"
    "After:   %y = \"qcc.qconv2d\"(%x, %w, %b) {..., qcc.requant_multiplier = array<f32: 2.000000e+00, 1.000000e+00>} ...",
    "", create};
