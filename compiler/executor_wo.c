/* Weight-only Linear in the executor: a gemm (alpha = 1, beta = 1 with a
 * bias, float activations) or a matmul by a 2-D B (A [..., M, K], batch
 * folded into M) whose weight is a constant stored narrow runs on libqrt's
 * weight-only kernels (qrt_wo.h) with the narrow weights packed, not on the
 * f32 gemm with the weights expanded. The weight forms, as qcc-convert writes
 * them (docs/precision.md), for a weight [N][K] (gemm transB = 1):
 *   int8-wo   dequantize(storage_cast(i8 [N][K])), per-axis along 0, zero points 0
 *   int4-wo   reshape(dequantize(storage_cast(ui8 [N*K/G][G]))) to [N][K], u4
 *             per-axis along 0 (channel n, block g is row n*(K/G) + g)
 *   fp16      cast(f16 [N][K]) to f32
 * and for a weight [K][N] (matmul's B, gemm transB = 0):
 *   int8-wo   dequantize(storage_cast(i8 [K][N])), per-axis along 1, zero points 0
 *   int4-wo   transpose(perm [1, 0]) of the [N][K] int4 form above (the blocks
 *             of G run along K)
 *   fp16      cast(f16 [K][N]) to f32
 * qcc compile emits the same call (codegen.c), so both drivers agree bit for
 * bit; against the f32 gemm the results differ only by summation order (the
 * dequantized weights are the same floats: qrt_wo.h). */
#include <stdlib.h>
#include <string.h>

#include "executor_internal.h"
#include "infer.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "qcc.h"
#include "qrt/qrt_wo.h"

static MlirOperation def_of(MlirValue v, qcc_op_kind k) {
  if (!mlirValueIsAOpResult(v)) return (MlirOperation){NULL};
  MlirOperation d = mlirOpResultGetOwner(v);
  return qcc_op_is(d, k) ? d : (MlirOperation){NULL};
}

/* Raw bytes of a non-splat constant with n elements of es bytes, or NULL. */
static const void *const_bytes(MlirOperation c, int64_t n, size_t es) {
  MlirAttribute a = qcc_op_attr(c, QCC_ATTR_value);
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseElements(a) || mlirDenseElementsAttrIsSplat(a)) return NULL;
  if (mlirElementsAttrGetNumElements(a) != n) return NULL;
  (void)es;
  return mlirDenseElementsAttrGetRawData(a);
}

typedef struct {
  qrt_wo_format_t fmt;
  int64_t group;
  bool kn; /* q (and the scales) are stored [K][N]: qrt_wo_gemm_pack_kn */
  const void *q;
  float *scales;
  uint8_t *zps;
} wo_weight;

/* transpose(x) with perm [1, 0]: x, else a null value. */
static MlirValue transposed_2d(MlirValue w) {
  MlirOperation t = def_of(w, QCC_OP_transpose);
  int64_t perm[2];
  if (mlirOperationIsNull(t) || qcc_get_i64s(t, QCC_ATTR_perm, perm, 2) != 2 || perm[0] != 1 || perm[1] != 0)
    return (MlirValue){NULL};
  return mlirOperationGetOperand(t, 0);
}

/* Recognize the weight operand of a gemm, [N][K] when nk, else [K][N]; false
 * if it is none of the forms. */
static bool match_weight(MlirValue w, int64_t n, int64_t k, bool nk, wo_weight *out) {
  memset(out, 0, sizeof *out);
  if (!nk) {
    MlirValue t = transposed_2d(w);
    if (!mlirValueIsNull(t)) /* the [N][K] int4 form, transposed */
      return match_weight(t, n, k, true, out) && out->fmt == QRT_WO_U4_GROUP;
    out->kn = true;
  }
  MlirOperation cast = def_of(w, QCC_OP_cast);
  if (!mlirOperationIsNull(cast)) {
    MlirOperation c = def_of(mlirOperationGetOperand(cast, 0), QCC_OP_constant);
    if (mlirOperationIsNull(c) || !mlirTypeIsAF16(qcc_type_elem(mlirValueGetType(mlirOperationGetResult(c, 0)))))
      return false;
    out->fmt = QRT_WO_F16;
    out->q = const_bytes(c, n * k, 2);
    return out->q != NULL;
  }
  MlirOperation rs = def_of(w, QCC_OP_reshape);
  MlirValue dv = mlirOperationIsNull(rs) ? w : mlirOperationGetOperand(rs, 0);
  MlirOperation dq = def_of(dv, QCC_OP_dequantize);
  if (mlirOperationIsNull(dq)) return false;
  MlirOperation sc = def_of(mlirOperationGetOperand(dq, 0), QCC_OP_storage_cast);
  if (mlirOperationIsNull(sc)) return false;
  MlirOperation c = def_of(mlirOperationGetOperand(sc, 0), QCC_OP_constant);
  if (mlirOperationIsNull(c)) return false;
  MlirType qt = qcc_type_elem(mlirValueGetType(mlirOperationGetResult(sc, 0)));
  if (!mlirTypeIsAUniformQuantizedPerAxisType(qt) || mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(qt) != (nk ? 0 : 1))
    return false;
  int64_t d[2];
  qcc_shape sh;
  if (!qcc_type_shape(mlirValueGetType(mlirOperationGetResult(sc, 0)), &sh) || sh.rank != 2) return false;
  d[0] = sh.d[0], d[1] = sh.d[1];
  const unsigned width = mlirQuantizedTypeGetStorageTypeIntegralWidth(qt);
  const bool sgn = mlirQuantizedTypeIsSigned(qt);
  const intptr_t nd = mlirUniformQuantizedPerAxisTypeGetNumDims(qt);
  if (width == 8 && sgn && mlirOperationIsNull(rs) && d[0] == (nk ? n : k) && d[1] == (nk ? k : n) && nd == n) {
    out->fmt = QRT_WO_S8_CHANNEL;
  } else if (nk && width == 4 && !sgn && !mlirOperationIsNull(rs) && (d[1] == 32 || d[1] == 64 || d[1] == 128) &&
             k % d[1] == 0 && d[0] == n * (k / d[1]) && nd == d[0]) {
    out->fmt = QRT_WO_U4_GROUP;
    out->group = d[1];
  } else {
    return false;
  }
  out->q = const_bytes(c, n * k, 1);
  if (!out->q) return false;
  out->scales = malloc((size_t)nd * sizeof *out->scales);
  out->zps = malloc((size_t)nd);
  if (!out->scales || !out->zps) return false;
  for (intptr_t i = 0; i < nd; ++i) {
    int64_t zp = mlirUniformQuantizedPerAxisTypeGetZeroPoint(qt, i);
    out->scales[i] = (float)mlirUniformQuantizedPerAxisTypeGetScale(qt, i);
    if (out->fmt == QRT_WO_S8_CHANNEL ? zp != 0 : (zp < 0 || zp > 15)) return false;
    out->zps[i] = (uint8_t)zp;
  }
  return true;
}

static qcc_status_t run_wo_gemm(qcc_executor *ex, ex_step *s, void *scratch) {
  KCHECK(qrt_wo_gemm(s->u.gemm.m, s->u.gemm.n, s->u.gemm.k, IN(0), s->u.gemm.lda, s->packed, OUT(0), s->u.gemm.n,
                     scratch, s->scratch));
  return NULL;
}

bool ex_is_wo_gemm(const ex_step *s) { return s->run == run_wo_gemm; }

bool ex_plan_wo_gemm(qcc_executor *ex, MlirOperation op, ex_step *s, qcc_status_t *st) {
  *st = NULL;
  if (s->u.gemm.ta || s->u.gemm.alpha != 1.0f) return false;
  const int64_t n = s->u.gemm.n, k = s->u.gemm.k;
  const float *bias = NULL;
  if (s->n_in > 2) {
    const ex_slot *c = SLOT(2);
    if (s->u.gemm.beta != 1.0f || ex->slots[c->root].kind != EX_SLOT_CONST || c->numel != n || s->u.gemm.csn != 1 ||
        s->u.gemm.csm != 0 || c->dtype != QCC_NPY_F32)
      return false;
    bias = IN(2);
  }
  wo_weight w;
  bool ok = match_weight(mlirOperationGetOperand(op, 1), n, k, s->u.gemm.tb != 0, &w);
  if (ok) {
    s->packed_size = qrt_wo_gemm_packed_size(w.fmt, n, k, w.group);
    s->packed = s->packed_size ? ex_aligned_buf(s->packed_size) : NULL;
    qrt_status_t (*pack)(qrt_wo_format_t, int64_t, int64_t, int64_t, const void *, const float *, const void *,
                         const float *, void *, size_t) = w.kn ? qrt_wo_gemm_pack_kn : qrt_wo_gemm_pack;
    qrt_status_t ks = s->packed ? pack(w.fmt, n, k, w.group, w.q, w.scales, w.fmt == QRT_WO_U4_GROUP ? w.zps : NULL,
                                       bias, s->packed, s->packed_size)
                                : QRT_INVALID_ARGUMENT;
    if (ks != QRT_OK) { /* not packable (e.g. a value out of range): the f32 path takes it */
      free(s->packed);
      s->packed = NULL, s->packed_size = 0;
      ok = false;
    }
  }
  free(w.scales);
  free(w.zps);
  if (!ok) return false;
  s->scratch = qrt_wo_gemm_scratch_size(s->u.gemm.m, n, k);
  s->run = run_wo_gemm;
  return true;
}
