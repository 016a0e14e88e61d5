/* qcc-fold-conv-bn: fold an inference BatchNormalization into the conv2d or
 * gemm that feeds it, when the BN is the producer's only user and every
 * weight is a constant:
 *   f[o]  = scale[o] / sqrt(var[o] + eps)          (in double)
 *   W'[o] = W[o] * f[o]
 *   B'[o] = (B[o] - mean[o]) * f[o] + bias[o]      (B = 0 without a bias)
 * conv2d: o is the output channel (weights OIHW). gemm: y = x * W^T + C with
 * trans_b = 1, alpha = beta = 1, BN over the columns of a rank-2 result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinTypes.h"
#include "pass_util.h"
#include "passes.h"
#include "qcc.h"
#include "quantizer.h"

static bool keep(MlirOperation op) { return qcc_op_is(op, QCC_OP_batch_norm); }

/* Fold one BN; false when the pattern does not apply. */
static bool fold(MlirOperation bn) {
  MlirValue y = mlirOperationGetOperand(bn, 0);
  if (!mlirValueIsAOpResult(y)) return false;
  MlirOperation p = mlirOpResultGetOwner(y);
  bool conv = qcc_op_is(p, QCC_OP_conv2d), gemm = qcc_op_is(p, QCC_OP_gemm);
  if (!conv && !gemm) return false;
  MlirOperation user = qcc_single_user(p);
  if (mlirOperationIsNull(user) || !mlirOperationEqual(user, bn)) return false;
  int64_t yd[8];
  int yr = qcc_value_dims(y, yd);
  if (yr < 2) return false;
  if (gemm && (yr != 2 || qcc_get_i64(p, QCC_ATTR_trans_b) != 1 || qcc_get_f32(p, QCC_ATTR_alpha) != 1.0f ||
               qcc_get_f32(p, QCC_ATTR_beta) != 1.0f))
    return false;
  int64_t cout = yd[1];
  intptr_t np = mlirOperationGetNumOperands(p);
  int64_t nw = 0, nb = 0, n[4];
  float *w = qcc_const_f32_copy(mlirOperationGetOperand(p, 1), &nw);
  float *b = np > 2 ? qcc_const_f32_copy(mlirOperationGetOperand(p, 2), &nb) : NULL;
  float *bnp[4] = {NULL};
  bool ok = w && (np == 2 || b) && nw % cout == 0 && (np == 2 || nb == cout);
  if (ok && gemm) {
    int64_t bd[8];
    ok = qcc_value_dims(mlirOperationGetOperand(p, 1), bd) == 2 && bd[0] == cout &&
         (np == 2 || qcc_value_dims(mlirOperationGetOperand(p, 2), bd) == 1);
  }
  for (int i = 0; ok && i < 4; ++i) {
    bnp[i] = qcc_const_f32_copy(mlirOperationGetOperand(bn, i + 1), &n[i]);
    ok = bnp[i] && n[i] == cout;
  }
  if (ok) {
    double eps = qcc_get_f32(bn, QCC_ATTR_epsilon);
    float *nbias = malloc((size_t)cout * sizeof *nbias);
    int64_t per = nw / cout;
    for (int64_t o = 0; o < cout; ++o) {
      double f = (double)bnp[0][o] / sqrt((double)bnp[3][o] + eps);
      for (int64_t k = 0; k < per; ++k) w[o * per + k] = (float)((double)w[o * per + k] * f);
      nbias[o] = (float)(((b ? (double)b[o] : 0.0) - (double)bnp[2][o]) * f + (double)bnp[1][o]);
    }
    qcc_builder bld = qcc_builder_before(bn);
    /* the folded op answers for both nodes (qcc compare, precision files) */
    MlirLocation both[2] = {mlirOperationGetLocation(p), mlirOperationGetLocation(bn)};
    MlirLocation loc = qcc_location_fuse(bld.ctx, both, 2);
    MlirValue ops[3];
    ops[0] = mlirOperationGetOperand(p, 0);
    ops[1] = qcc_make_constant(&bld, loc, mlirValueGetType(mlirOperationGetOperand(p, 1)), w, (size_t)nw * sizeof *w);
    int64_t bdim = cout;
    MlirType bt = mlirRankedTensorTypeGet(1, &bdim, mlirF32TypeGet(bld.ctx), mlirAttributeGetNull());
    ops[2] = qcc_make_constant(&bld, loc, bt, nbias, (size_t)cout * sizeof *nbias);
    intptr_t na = mlirOperationGetNumAttributes(p);
    MlirNamedAttribute *attrs = malloc((size_t)(na ? na : 1) * sizeof *attrs);
    for (intptr_t i = 0; i < na; ++i) attrs[i] = mlirOperationGetAttribute(p, i);
    MlirType rt = mlirValueGetType(mlirOperationGetResult(bn, 0));
    MlirOperation np_op = qcc_build(&bld, qcc_op_get_kind(p), loc, 3, ops, 1, &rt, na, attrs);
    mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(bn, 0), mlirOperationGetResult(np_op, 0));
    mlirOperationDestroy(bn);
    mlirOperationDestroy(p);
    free(attrs);
    free(nbias);
  }
  free(w);
  free(b);
  for (int i = 0; i < 4; ++i) free(bnp[i]);
  return ok;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  struct { MlirOperation *v; size_t n; } o;
  o.v = qcc_collect_ops(root, keep, &o.n);
  for (size_t i = 0; i < o.n; ++i) fold(o.v[i]);
  free(o.v);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-fold-conv-bn takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_fold_conv_bn_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_fold_conv_bn_info = {
    "qcc-fold-conv-bn", "",
    "Fold inference BatchNormalization into the conv2d or gemm before it",
    "Before:  %y = \"qcc.conv2d\"(%x, %w, %b) ...  %z = \"qcc.batch_norm\"(%y, %s, %t, %m, %v) {epsilon = 1e-5}\n"
    "After:   %z = \"qcc.conv2d\"(%x, %w2, %b2) ...   with w2[o] = w[o]*f[o], b2[o] = (b[o]-m[o])*f[o]+t[o],\n"
    "         f[o] = s[o]/sqrt(v[o]+epsilon) (computed in double). Needs constant weights and the\n"
    "         conv (or gemm with trans_b=1, alpha=beta=1) to have the BN as its only user.",
    "", create};
