/* qcc-fuse-gelu: the exact GELU written as elementwise ops (what PyTorch
 * exports for nn.GELU before opset 20) becomes one qcc.gelu:
 *   t = div(x, 1.4142135)   (or mul(x, 0.70710677))
 *   e = erf(t)
 *   a = add(e, 1)           (either operand order)
 *   y = mul(mul(x, a), 0.5) or mul(mul(x, 0.5), a)   (any operand order)
 * -> y = gelu(x) {approximate = "none"}.
 * Constants must be scalars within 1e-6 of those values; t, e, a and the
 * inner mul must have no other users. The fused op's location fuses every
 * replaced op's location, so the ONNX node names survive.
 * Numerics: libqrt's gelu computes 0.5 * x * (1 + erf(x * 0.70710677)); the
 * ops computed x / 1.4142135 and multiplied in another order: the results
 * agree to a few ulp (test/Passes/qcc-fuse-gelu.mlir). */
#include <math.h>
#include <stdlib.h>

#include "pass_util.h"
#include "passes.h"
#include "quantizer.h"

static bool keep(MlirOperation op) { return qcc_op_is(op, QCC_OP_erf); }

static MlirOperation owner(MlirValue v) {
  return mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : (MlirOperation){NULL};
}

static bool is_scalar(MlirValue v, double want) {
  float c;
  return qcc_const_f32_scalar(v, &c) && fabs((double)c - want) <= 1e-6;
}

static MlirValue res(MlirOperation op) { return mlirOperationGetResult(op, 0); }

/* mul(v, 0.5) or mul(0.5, v) */
static bool is_half_of(MlirOperation op, MlirValue v) {
  if (mlirOperationIsNull(op) || !qcc_op_is(op, QCC_OP_mul)) return false;
  MlirValue o = qcc_other_operand(op, v);
  return !mlirValueIsNull(o) && is_scalar(o, 0.5);
}

static bool fuse(MlirOperation erf) {
  MlirOperation t = owner(mlirOperationGetOperand(erf, 0));
  if (mlirOperationIsNull(t) || mlirOperationIsNull(qcc_single_user(t))) return false;
  MlirValue x;
  if (qcc_op_is(t, QCC_OP_div) && is_scalar(mlirOperationGetOperand(t, 1), 1.4142135623730951))
    x = mlirOperationGetOperand(t, 0);
  else if (qcc_op_is(t, QCC_OP_mul) && is_scalar(mlirOperationGetOperand(t, 1), 0.7071067811865476))
    x = mlirOperationGetOperand(t, 0);
  else if (qcc_op_is(t, QCC_OP_mul) && is_scalar(mlirOperationGetOperand(t, 0), 0.7071067811865476))
    x = mlirOperationGetOperand(t, 1);
  else
    return false;
  if (!mlirTypeEqual(mlirValueGetType(x), mlirValueGetType(res(erf)))) return false;
  MlirOperation a = qcc_single_user(erf);
  if (mlirOperationIsNull(a) || !qcc_op_is(a, QCC_OP_add)) return false;
  MlirValue one = qcc_other_operand(a, res(erf));
  if (mlirValueIsNull(one) || !is_scalar(one, 1.0)) return false;
  MlirOperation m = qcc_single_user(a);
  if (mlirOperationIsNull(m) || !qcc_op_is(m, QCC_OP_mul)) return false;
  MlirValue o = qcc_other_operand(m, res(a));
  if (mlirValueIsNull(o)) return false;
  MlirOperation last, half_x = {NULL};
  if (mlirValueEqual(o, x)) {
    last = qcc_single_user(m); /* mul(mul(x, a), 0.5) */
    if (!is_half_of(last, res(m))) return false;
  } else {
    half_x = owner(o); /* mul(mul(x, 0.5), a) */
    if (!is_half_of(half_x, x)) return false;
    last = m;
  }
  if (!mlirTypeEqual(mlirValueGetType(res(last)), mlirValueGetType(x))) return false;

  MlirOperation chain[5] = {t, erf, a, m, last};
  int nchain = mlirOperationEqual(last, m) ? 4 : 5;
  MlirLocation locs[6];
  for (int i = 0; i < nchain; ++i) locs[i] = mlirOperationGetLocation(chain[i]);
  int nloc = nchain;
  if (!mlirOperationIsNull(half_x)) locs[nloc++] = mlirOperationGetLocation(half_x);
  MlirContext ctx = mlirOperationGetContext(erf);
  MlirLocation loc = mlirLocationFusedGet(ctx, nloc, locs, mlirAttributeGetNull());
  qcc_builder bld = qcc_builder_before(last);
  MlirNamedAttribute attr = qcc_attr_str(ctx, QCC_ATTR_approximate, "none");
  MlirType rt = mlirValueGetType(res(last));
  MlirOperation g = qcc_build(&bld, QCC_OP_gelu, loc, 1, &x, 1, &rt, 1, &attr);
  mlirValueReplaceAllUsesOfWith(res(last), res(g));
  for (int i = nchain - 1; i >= 0; --i) mlirOperationDestroy(chain[i]);
  /* mul(x, 0.5) may feed others too; destroy it only when the fusion took its last use */
  if (!mlirOperationIsNull(half_x) && mlirOpOperandIsNull(mlirValueGetFirstUse(res(half_x))))
    mlirOperationDestroy(half_x);
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  size_t n;
  MlirOperation *erfs = qcc_collect_ops(root, keep, &n);
  for (size_t i = 0; i < n; ++i) fuse(erfs[i]);
  free(erfs);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-fuse-gelu takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_fuse_gelu_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_fuse_gelu_info = {
    "qcc-fuse-gelu", "",
    "Fuse the exact GELU written as div/erf/add/mul into one gelu",
    "Before:  %t = div(%x, 1.4142135)  %e = erf(%t)  %a = add(%e, 1)  %y = mul(mul(%x, %a), 0.5)\n"
    "After:   %y = \"qcc.gelu\"(%x) {approximate = \"none\"}\n"
    "         (mul(%x, 0.70710677) for the div and mul(mul(%x, 0.5), %a) are matched too)",
    "", create};
