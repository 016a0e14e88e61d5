/* qcc-fuse-layer-norm: the layer normalization exporters write as nine
 * elementwise ops (PyTorch before opset 17, TensorFlow, hand-written models)
 * becomes one qcc.layer_norm:
 *   m = reduce_mean(x, axes = [a..r-1], keepdims = 1)
 *   d = sub(x, m)
 *   p = pow(d, 2)            (or mul(d, d))
 *   v = reduce_mean(p, the same axes, keepdims = 1)
 *   s = sqrt(add(v, eps))    (eps a constant scalar, either operand of the add)
 *   n = div(d, s)
 *   y = add(mul(n, gamma), beta)   (both optional; either operand order)
 * -> y = layer_norm(x, gamma or ones, beta) {axis = a, epsilon = eps}.
 * gamma and beta must have the normalized dims' shape (trailing dims of x,
 * leading 1s allowed); the intermediate values must have no other users
 * (d has exactly the pow and the div). The fused op's location fuses every
 * replaced op's location, so the ONNX node names survive.
 * Numerics: libqrt's layer_norm sums in double and multiplies by the inverse
 * standard deviation, where the nine ops sum in float and divide; the two
 * agree to about 1e-6 relative (test/Passes/qcc-fuse-layer-norm.mlir). */
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinTypes.h"
#include "pass_util.h"
#include "passes.h"
#include "quantizer.h"

static bool keep(MlirOperation op) { return qcc_op_is(op, QCC_OP_reduce_mean); }

/* The axes of a reduce_mean that keeps dims and reduces [first, rank): first, or -1. */
static int64_t trailing_axes(MlirOperation rm, int rank) {
  if (qcc_get_i64(rm, QCC_ATTR_keepdims) != 1) return -1;
  int64_t ax[8];
  intptr_t n = qcc_get_i64s(rm, QCC_ATTR_axes, ax, 8);
  if (n <= 0 || n > rank) return -1;
  for (intptr_t i = 0; i < n; ++i) {
    int64_t a = ax[i] < 0 ? ax[i] + rank : ax[i];
    if (a != rank - n + i) return -1;
  }
  return rank - n;
}

/* True when v's shape is x's dims [axis, rank) with optional leading 1s. */
static bool param_shape(MlirValue v, const int64_t *xd, int xr, int64_t axis) {
  int64_t d[8];
  int r = qcc_value_dims(v, d);
  int norm = xr - (int)axis;
  if (r < 1 || r > xr) return false;
  for (int i = 0; i < r; ++i) {
    int xi = xr - r + i;
    if (xi < axis) {
      if (d[i] != 1) return false;
    } else if (d[i] != xd[xi]) {
      return false;
    }
  }
  return norm >= 1;
}

/* Number of uses of v. */
static int uses(MlirValue v) {
  int n = 0;
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) n++;
  return n;
}

static bool fuse(MlirOperation m) {
  MlirValue x = mlirOperationGetOperand(m, 0);
  int64_t xd[8];
  int xr = qcc_value_dims(x, xd);
  if (xr < 1 || !mlirTypeIsAF32(mlirShapedTypeGetElementType(mlirValueGetType(x)))) return false;
  int64_t axis = trailing_axes(m, xr);
  if (axis < 0) return false;
  MlirValue mv = mlirOperationGetResult(m, 0);
  MlirOperation sub = qcc_single_user(m);
  if (mlirOperationIsNull(sub) || !qcc_op_is(sub, QCC_OP_sub) || !mlirValueEqual(mlirOperationGetOperand(sub, 0), x) ||
      !mlirValueEqual(mlirOperationGetOperand(sub, 1), mv) || uses(mv) != 1)
    return false;
  MlirValue d = mlirOperationGetResult(sub, 0);
  /* d's users: the square (pow(d, 2) or mul(d, d)) and the division, nothing else */
  MlirOperation sq = {NULL}, div = {NULL};
  for (MlirOpOperand u = mlirValueGetFirstUse(d); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    MlirOperation o = mlirOpOperandGetOwner(u);
    float e;
    if (qcc_op_is(o, QCC_OP_pow) && mlirValueEqual(mlirOperationGetOperand(o, 0), d) &&
        qcc_const_f32_scalar(mlirOperationGetOperand(o, 1), &e) && e == 2.0f)
      sq = o;
    else if (qcc_op_is(o, QCC_OP_mul) && mlirValueEqual(mlirOperationGetOperand(o, 0), d) &&
             mlirValueEqual(mlirOperationGetOperand(o, 1), d))
      sq = o;
    else if (qcc_op_is(o, QCC_OP_div) && mlirValueEqual(mlirOperationGetOperand(o, 0), d) &&
             !mlirValueEqual(mlirOperationGetOperand(o, 1), d))
      div = o;
    else
      return false;
  }
  if (!mlirOperationIsNull(sq) && uses(d) != (qcc_op_is(sq, QCC_OP_mul) ? 3 : 2)) return false;
  if (mlirOperationIsNull(sq) || mlirOperationIsNull(div)) return false;
  MlirOperation var = qcc_single_user(sq);
  if (mlirOperationIsNull(var) || !qcc_op_is(var, QCC_OP_reduce_mean) || trailing_axes(var, xr) != axis) return false;
  MlirOperation add_eps = qcc_single_user(var);
  if (mlirOperationIsNull(add_eps) || !qcc_op_is(add_eps, QCC_OP_add)) return false;
  float eps;
  MlirValue ev = qcc_other_operand(add_eps, mlirOperationGetResult(var, 0));
  if (mlirValueIsNull(ev) || !qcc_const_f32_scalar(ev, &eps) || !(eps >= 0.0f)) return false;
  MlirOperation sqrt_op = qcc_single_user(add_eps);
  if (mlirOperationIsNull(sqrt_op) || !qcc_op_is(sqrt_op, QCC_OP_sqrt)) return false;
  if (!mlirValueEqual(mlirOperationGetOperand(div, 1), mlirOperationGetResult(sqrt_op, 0)) ||
      uses(mlirOperationGetResult(sqrt_op, 0)) != 1)
    return false;
  /* optional scale and shift */
  MlirOperation last = div, mul = {NULL}, add = {NULL};
  MlirValue gamma = {NULL}, beta = {NULL};
  MlirOperation u = qcc_single_user(div);
  if (!mlirOperationIsNull(u) && qcc_op_is(u, QCC_OP_mul)) {
    MlirValue g = qcc_other_operand(u, mlirOperationGetResult(div, 0));
    if (!mlirValueIsNull(g) && param_shape(g, xd, xr, axis)) {
      mul = u;
      gamma = g;
      last = u;
      u = qcc_single_user(u);
    }
  }
  if (!mlirOperationIsNull(mul) && !mlirOperationIsNull(u) && qcc_op_is(u, QCC_OP_add)) {
    MlirValue b = qcc_other_operand(u, mlirOperationGetResult(mul, 0));
    if (!mlirValueIsNull(b) && param_shape(b, xd, xr, axis)) {
      add = u;
      beta = b;
      last = u;
    }
  }
  /* The result has x's type (a broadcasting gamma/beta could widen it). */
  MlirType rt = mlirValueGetType(mlirOperationGetResult(last, 0));
  if (!mlirTypeEqual(rt, mlirValueGetType(x))) return false;

  MlirOperation chain[9] = {m, sub, sq, var, add_eps, sqrt_op, div, mul, add};
  int nchain = 7 + !mlirOperationIsNull(mul) + !mlirOperationIsNull(add);
  MlirLocation locs[9];
  for (int i = 0; i < nchain; ++i) locs[i] = mlirOperationGetLocation(chain[i]);
  MlirContext ctx = mlirOperationGetContext(m);
  MlirLocation loc = mlirLocationFusedGet(ctx, nchain, locs, mlirAttributeGetNull());

  qcc_builder bld = qcc_builder_before(last);
  if (mlirValueIsNull(gamma)) {
    int64_t inner = 1;
    for (int i = (int)axis; i < xr; ++i) inner *= xd[i];
    float *ones = malloc((size_t)inner * sizeof *ones);
    for (int64_t i = 0; i < inner; ++i) ones[i] = 1.0f;
    MlirType gt = mlirRankedTensorTypeGet(xr - axis, xd + axis, mlirF32TypeGet(ctx), mlirAttributeGetNull());
    gamma = qcc_make_constant(&bld, loc, gt, ones, (size_t)inner * sizeof *ones);
    free(ones);
  }
  MlirValue ops[3] = {x, gamma, beta};
  MlirNamedAttribute attrs[2] = {qcc_attr_i64(ctx, QCC_ATTR_axis, axis), qcc_attr_f32(ctx, QCC_ATTR_epsilon, eps)};
  MlirOperation ln = qcc_build(&bld, QCC_OP_layer_norm, loc, mlirValueIsNull(beta) ? 2 : 3, ops, 1, &rt, 2, attrs);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(last, 0), mlirOperationGetResult(ln, 0));
  for (int i = nchain - 1; i >= 0; --i) mlirOperationDestroy(chain[i]);
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  size_t n;
  MlirOperation *ms = qcc_collect_ops(root, keep, &n);
  /* A fused chain destroys the second reduce_mean of its pattern, which is
   * later in this list: skip ops already destroyed. */
  bool *gone = calloc(n ? n : 1, sizeof *gone);
  for (size_t i = 0; i < n; ++i) {
    if (gone[i]) continue;
    MlirOperation sq_user = {NULL};
    /* find the variance reduce_mean of this candidate, so it can be marked if fused */
    MlirOperation sub = qcc_single_user(ms[i]);
    if (!mlirOperationIsNull(sub) && qcc_op_is(sub, QCC_OP_sub)) {
      MlirValue d = mlirOperationGetResult(sub, 0);
      for (MlirOpOperand u = mlirValueGetFirstUse(d); !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
        MlirOperation o = mlirOpOperandGetOwner(u);
        if (qcc_op_is(o, QCC_OP_pow) || qcc_op_is(o, QCC_OP_mul)) sq_user = qcc_single_user(o);
      }
    }
    if (!fuse(ms[i]) || mlirOperationIsNull(sq_user)) continue;
    for (size_t j = i + 1; j < n; ++j)
      if (mlirOperationEqual(ms[j], sq_user)) gone[j] = true;
  }
  free(gone);
  free(ms);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-fuse-layer-norm takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_fuse_layer_norm_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_fuse_layer_norm_info = {
    "qcc-fuse-layer-norm", "",
    "Fuse a layer normalization written as elementwise ops into one layer_norm",
    "Before:  %m = reduce_mean(%x) {axes = [-1], keepdims = 1}  %d = sub(%x, %m)  %p = pow(%d, 2)\n"
    "         %v = reduce_mean(%p)  %s = sqrt(add(%v, eps))  %n = div(%d, %s)  %y = add(mul(%n, %g), %b)\n"
    "After:   %y = \"qcc.layer_norm\"(%x, %g, %b) {axis = -1 as a positive axis, epsilon = eps}\n"
    "         (gamma and beta optional; every intermediate must have no other user)",
    "", create};
