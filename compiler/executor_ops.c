/* The executor's ops: for each qcc op, a plan function (decode attributes,
 * check shapes, pack constant weights, precompute strides) and a run function
 * (call the libqrt kernel). Called from executor.c. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor_internal.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "qcc.h"

/* SLOT, OSLOT, IN, OUT, KCHECK: executor_internal.h */

static qcc_status_t unsupported(const ex_step *s, const char *what) {
  return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: %s", s->where, what);
}
static qcc_status_t invalid(const ex_step *s, const char *what) {
  return qcc_status_make(QCC_ERR_INVALID, "%s: %s", s->where, what);
}

static bool all_f32(qcc_executor *ex, const ex_step *s) {
  for (int j = 0; j < s->n_in; j++)
    if (s->in[j] >= 0 && SLOT(j)->dtype != QCC_NPY_F32) return false;
  for (int j = 0; j < s->n_out; j++)
    if (OSLOT(j)->dtype != QCC_NPY_F32) return false;
  return true;
}

static bool is_const(qcc_executor *ex, int slot) {
  return slot >= 0 && ex->slots[ex->slots[slot].root].kind == EX_SLOT_CONST;
}

static int64_t prod(const int64_t *d, int from, int to) {
  int64_t p = 1;
  for (int i = from; i < to; i++) p *= d[i];
  return p;
}

void *ex_aligned_buf(size_t n) {
  size_t r = (n + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, r ? r : 64);
  if (p) memset(p, 0, r ? r : 64);
  return p;
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static int64_t norm_axis(int64_t a, int rank) { return a < 0 ? a + rank : a; }

/* ================================================================ conv */

static qcc_status_t run_conv_packed(qcc_executor *ex, ex_step *s, void *scratch) {
  KCHECK(qrt_f32_conv2d_packed_mt(ex_pool(ex), &s->u.conv.p, s->u.conv.n, s->u.conv.c_in, s->u.conv.h, s->u.conv.w,
                                  IN(0), s->u.conv.c_out, s->packed, OUT(0), scratch, s->scratch));
  return NULL;
}

static qcc_status_t run_conv(qcc_executor *ex, ex_step *s, void *scratch) {
  KCHECK(qrt_f32_conv2d(&s->u.conv.p, s->u.conv.n, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, IN(0),
                        s->u.conv.c_out, IN(1), s->n_in > 2 ? IN(2) : NULL, OUT(0), scratch, s->scratch));
  return NULL;
}

static qcc_status_t plan_conv(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *w = SLOT(1), *y = OSLOT(0);
  if (x->rank != 4 || w->rank != 4 || y->rank != 4) return unsupported(s, "only 2-D convolution (rank-4 NCHW) runs");
  int64_t st[2], pd[4], dl[2];
  if (qcc_get_i64s(op, QCC_ATTR_strides, st, 2) != 2 || qcc_get_i64s(op, QCC_ATTR_pads, pd, 4) != 4 ||
      qcc_get_i64s(op, QCC_ATTR_dilations, dl, 2) != 2)
    return invalid(s, "strides/pads/dilations must have 2/4/2 values");
  qrt_conv2d_params_t *p = &s->u.conv.p;
  qrt_conv2d_params_init(p, w->shape[2], w->shape[3]);
  p->groups = qcc_get_i64(op, QCC_ATTR_group);
  p->stride_h = st[0], p->stride_w = st[1];
  p->pad_top = pd[0], p->pad_left = pd[1], p->pad_bottom = pd[2], p->pad_right = pd[3];
  p->dilation_h = dl[0], p->dilation_w = dl[1];
  s->u.conv.n = x->shape[0], s->u.conv.c_in = x->shape[1], s->u.conv.h = x->shape[2], s->u.conv.w = x->shape[3];
  s->u.conv.c_out = w->shape[0];
  int64_t oh, ow;
  if (qrt_conv2d_output_size(p, x->shape[2], x->shape[3], &oh, &ow) != QRT_OK || oh != y->shape[2] ||
      ow != y->shape[3] || y->shape[1] != w->shape[0] || y->shape[0] != x->shape[0])
    return invalid(s, "convolution parameters do not give the result shape");
  bool bias = s->n_in > 2;
  if (is_const(ex, s->in[1]) && (!bias || is_const(ex, s->in[2]))) {
    s->packed_size = qrt_f32_conv2d_packed_weights_size(p, s->u.conv.c_in, s->u.conv.c_out);
    s->packed = ex_aligned_buf(s->packed_size);
    if (!s->packed) return invalid(s, "out of memory packing weights");
    KCHECK(qrt_f32_conv2d_pack_weights(p, s->u.conv.c_in, s->u.conv.c_out, IN(1), bias ? IN(2) : NULL, s->packed,
                                       s->packed_size));
    s->scratch = qrt_f32_conv2d_scratch_size_mt(p, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, s->u.conv.c_out,
                                                ex_threads(ex));
    s->run = run_conv_packed;
  } else {
    s->scratch = qrt_f32_conv2d_unpacked_scratch_size(p, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, s->u.conv.c_out);
    s->run = run_conv;
  }
  return NULL;
}

static qcc_status_t run_convt(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_conv_transpose2d(&s->u.convt.p, s->u.convt.n, s->u.convt.c_in, s->u.convt.h, s->u.convt.w, IN(0),
                                  s->u.convt.c_out, IN(1), s->n_in > 2 ? IN(2) : NULL, OUT(0)));
  return NULL;
}

static qcc_status_t plan_convt(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *w = SLOT(1), *y = OSLOT(0);
  if (x->rank != 4 || w->rank != 4 || y->rank != 4) return unsupported(s, "only 2-D transposed convolution runs");
  int64_t st[2], pd[4], dl[2], op2[2];
  if (qcc_get_i64s(op, QCC_ATTR_strides, st, 2) != 2 || qcc_get_i64s(op, QCC_ATTR_pads, pd, 4) != 4 ||
      qcc_get_i64s(op, QCC_ATTR_dilations, dl, 2) != 2 || qcc_get_i64s(op, QCC_ATTR_output_padding, op2, 2) != 2)
    return invalid(s, "strides/pads/dilations/output_padding must have 2/4/2/2 values");
  qrt_conv_transpose2d_params_t *p = &s->u.convt.p;
  qrt_conv_transpose2d_params_init(p, w->shape[2], w->shape[3]);
  p->groups = qcc_get_i64(op, QCC_ATTR_group);
  p->stride_h = st[0], p->stride_w = st[1];
  p->pad_top = pd[0], p->pad_left = pd[1], p->pad_bottom = pd[2], p->pad_right = pd[3];
  p->dilation_h = dl[0], p->dilation_w = dl[1];
  p->output_padding_h = op2[0], p->output_padding_w = op2[1];
  s->u.convt.n = x->shape[0], s->u.convt.c_in = x->shape[1], s->u.convt.h = x->shape[2], s->u.convt.w = x->shape[3];
  s->u.convt.c_out = y->shape[1];
  int64_t oh, ow;
  if (qrt_conv_transpose2d_output_size(p, x->shape[2], x->shape[3], &oh, &ow) != QRT_OK || oh != y->shape[2] ||
      ow != y->shape[3])
    return invalid(s, "transposed convolution parameters do not give the result shape");
  s->run = run_convt;
  return NULL;
}

/* ====================================================== gemm and matmul */

static qcc_status_t run_gemm(qcc_executor *ex, ex_step *s, void *scratch) {
  const float *c = s->n_in > 2 ? IN(2) : NULL;
  if (s->packed)
    KCHECK(qrt_f32_gemm_packed_b_mt(ex_pool(ex), s->u.gemm.ta, s->u.gemm.m, s->u.gemm.n, s->u.gemm.k, s->u.gemm.alpha,
                                    IN(0), s->u.gemm.lda, s->packed, s->u.gemm.beta, c, s->u.gemm.csm, s->u.gemm.csn,
                                    OUT(0), s->u.gemm.n, scratch, s->scratch));
  else
    KCHECK(qrt_f32_gemm_mt(ex_pool(ex), s->u.gemm.ta, s->u.gemm.tb, s->u.gemm.m, s->u.gemm.n, s->u.gemm.k,
                           s->u.gemm.alpha, IN(0), s->u.gemm.lda, IN(1), s->u.gemm.ldb, s->u.gemm.beta, c, s->u.gemm.csm,
                           s->u.gemm.csn, OUT(0), s->u.gemm.n, scratch, s->scratch));
  return NULL;
}

/* Shared by gemm and 2-D-B matmul: pack B when constant, size the scratch. */
static qcc_status_t gemm_finish(qcc_executor *ex, ex_step *s) {
  if (is_const(ex, s->in[1])) {
    s->packed_size = qrt_f32_gemm_pack_b_size(s->u.gemm.n, s->u.gemm.k);
    s->packed = ex_aligned_buf(s->packed_size);
    if (!s->packed) return invalid(s, "out of memory packing weights");
    KCHECK(qrt_f32_gemm_pack_b(s->u.gemm.tb, s->u.gemm.n, s->u.gemm.k, IN(1), s->u.gemm.ldb, s->packed,
                               s->packed_size));
    s->scratch = qrt_f32_gemm_packed_b_scratch_size_mt(s->u.gemm.m, s->u.gemm.n, s->u.gemm.k, ex_threads(ex));
  } else {
    s->scratch = qrt_f32_gemm_scratch_size_mt(s->u.gemm.m, s->u.gemm.n, s->u.gemm.k, ex_threads(ex));
  }
  s->run = run_gemm;
  return NULL;
}

static qcc_status_t plan_gemm(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *a = SLOT(0), *b = SLOT(1), *y = OSLOT(0);
  if (a->rank != 2 || b->rank != 2 || y->rank != 2) return invalid(s, "gemm operands must be 2-D");
  s->u.gemm.ta = (int)qcc_get_i64(op, QCC_ATTR_trans_a);
  s->u.gemm.tb = (int)qcc_get_i64(op, QCC_ATTR_trans_b);
  s->u.gemm.alpha = qcc_get_f32(op, QCC_ATTR_alpha);
  s->u.gemm.beta = qcc_get_f32(op, QCC_ATTR_beta);
  s->u.gemm.m = y->shape[0], s->u.gemm.n = y->shape[1];
  s->u.gemm.k = s->u.gemm.ta ? a->shape[0] : a->shape[1];
  s->u.gemm.lda = a->shape[1], s->u.gemm.ldb = b->shape[1];
  if (s->n_in > 2) {
    ex_slot *c = SLOT(2);
    if (c->rank > 2) return invalid(s, "gemm C must have rank <= 2");
    int64_t cm = c->rank == 2 ? c->shape[0] : 1, cn = c->rank >= 1 ? c->shape[c->rank - 1] : 1;
    s->u.gemm.csm = cm == 1 ? 0 : cn;
    s->u.gemm.csn = cn == 1 ? 0 : 1;
  }
  qcc_status_t wst;
  if (ex_plan_wo_gemm(ex, op, s, &wst)) return wst; /* narrow constant weights: executor_wo.c */
  return gemm_finish(ex, s);
}

static qcc_status_t run_matmul(qcc_executor *ex, ex_step *s, void *scratch) {
  KCHECK(qrt_f32_matmul_mt(ex_pool(ex), s->u.mm.brank, s->u.mm.bshape, IN(0), s->u.mm.as, IN(1), s->u.mm.bs,
                           s->u.mm.m, s->u.mm.n, s->u.mm.k, OUT(0), scratch, s->scratch));
  return NULL;
}

static qcc_status_t plan_matmul(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *a = SLOT(0), *b = SLOT(1);
  int ra = a->rank, rb = b->rank;
  if (ra < 1 || rb < 1) return invalid(s, "matmul operands must have rank >= 1");
  int64_t m = ra == 1 ? 1 : a->shape[ra - 2], k = a->shape[ra - 1];
  int64_t n = rb == 1 ? 1 : b->shape[rb - 1];
  int64_t kb = rb == 1 ? b->shape[0] : b->shape[rb - 2];
  if (k != kb) return invalid(s, "matmul inner dimensions differ");
  if (rb <= 2) {
    /* B has no batch dims: fold A's batch into M (A is contiguous) -> gemm. */
    memset(&s->u.gemm, 0, sizeof s->u.gemm);
    s->u.gemm.m = k ? a->numel / k : 0;
    if (!k) s->u.gemm.m = OSLOT(0)->numel / (n ? n : 1);
    s->u.gemm.n = n, s->u.gemm.k = k;
    s->u.gemm.lda = k, s->u.gemm.ldb = n;
    s->u.gemm.alpha = 1.0f, s->u.gemm.beta = 0.0f;
    qcc_status_t wst;
    if (ex_plan_wo_gemm(ex, op, s, &wst)) return wst; /* narrow constant B [K][N]: executor_wo.c */
    return gemm_finish(ex, s);
  }
  int abr = ra >= 2 ? ra - 2 : 0, bbr = rb - 2;
  int br = abr > bbr ? abr : bbr;
  s->u.mm.brank = br;
  int64_t astr = m * k, bstr = k * n;
  for (int d = br - 1; d >= 0; d--) {
    int ad = d - (br - abr), bd = d - (br - bbr);
    int64_t ae = ad >= 0 ? a->shape[ad] : 1, be = bd >= 0 ? b->shape[bd] : 1;
    if (ae != be && ae != 1 && be != 1) return invalid(s, "matmul batch dimensions do not broadcast");
    s->u.mm.bshape[d] = ae > be ? ae : be;
    s->u.mm.as[d] = ae == 1 ? 0 : astr;
    s->u.mm.bs[d] = be == 1 ? 0 : bstr;
    astr *= ae, bstr *= be;
  }
  s->u.mm.m = m, s->u.mm.n = n, s->u.mm.k = k;
  s->scratch = qrt_f32_matmul_scratch_size_mt(m, n, k, ex_threads(ex));
  s->run = run_matmul;
  return NULL;
}

/* ========================================================= elementwise */

static qcc_status_t run_binary(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  if (ex_binary_clamps(s))
    KCHECK(qrt_f32_binary_clamp_mt(ex_pool(ex), s->u.bin.op, s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa,
                                   IN(1), s->u.bin.sb, s->u.bin.lo, s->u.bin.hi, OUT(0)));
  else
    KCHECK(qrt_f32_binary_mt(ex_pool(ex), s->u.bin.op, s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa, IN(1),
                             s->u.bin.sb, OUT(0)));
  return NULL;
}

static qcc_status_t run_where(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_where(s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa, IN(1), s->u.bin.sb, IN(2), s->u.bin.sc,
                       OUT(0)));
  return NULL;
}

static qcc_status_t bcast(ex_step *s, const ex_slot *y, const ex_slot *x, int64_t *strides) {
  if (qrt_broadcast_strides(y->rank, y->shape, x->rank, x->shape, strides) != QRT_OK)
    return invalid(s, "operand shapes do not broadcast to the result");
  return NULL;
}

static bool same_shape(const ex_slot *a, const ex_slot *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

static qcc_status_t plan_binary(qcc_executor *ex, ex_step *s, qrt_binary_op_t bop) {
  ex_slot *y = OSLOT(0);
  s->u.bin.op = bop;
  s->u.bin.rank = y->rank;
  memcpy(s->u.bin.shape, y->shape, sizeof y->shape);
  QCC_RETURN_IF_ERROR(bcast(s, y, SLOT(0), s->u.bin.sa));
  QCC_RETURN_IF_ERROR(bcast(s, y, SLOT(1), s->u.bin.sb));
  s->can_inplace = same_shape(SLOT(0), y);
  s->u.bin.lo = -INFINITY, s->u.bin.hi = INFINITY;
  s->run = run_binary;
  return NULL;
}

bool ex_step_output_clamp(ex_step *s, float **lo, float **hi) {
  if (s->kind == QCC_OP_conv2d && (s->run == run_conv || s->run == run_conv_packed)) {
    *lo = &s->u.conv.p.output_min, *hi = &s->u.conv.p.output_max;
    return true;
  }
  if (s->kind == QCC_OP_conv_transpose && s->run == run_convt) {
    *lo = &s->u.convt.p.output_min, *hi = &s->u.convt.p.output_max;
    return true;
  }
  if (s->run == run_binary) {
    *lo = &s->u.bin.lo, *hi = &s->u.bin.hi;
    return true;
  }
  return false;
}

static qcc_status_t run_where_bytes(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_where_bytes(qcc_npy_dtype_size(OSLOT(0)->dtype), s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa,
                         IN(1), s->u.bin.sb, IN(2), s->u.bin.sc, OUT(0)));
  return NULL;
}

static qcc_status_t plan_where(qcc_executor *ex, ex_step *s) {
  ex_slot *y = OSLOT(0);
  if (SLOT(0)->dtype != QCC_NPY_BOOL) return unsupported(s, "where needs an i1 condition");
  if (SLOT(1)->dtype != y->dtype || SLOT(2)->dtype != y->dtype || SLOT(1)->bf16 != y->bf16 ||
      SLOT(2)->bf16 != y->bf16)
    return invalid(s, "where's values and result must have the same element type");
  s->u.bin.rank = y->rank;
  memcpy(s->u.bin.shape, y->shape, sizeof y->shape);
  QCC_RETURN_IF_ERROR(bcast(s, y, SLOT(0), s->u.bin.sa));
  QCC_RETURN_IF_ERROR(bcast(s, y, SLOT(1), s->u.bin.sb));
  QCC_RETURN_IF_ERROR(bcast(s, y, SLOT(2), s->u.bin.sc));
  s->run = y->dtype == QCC_NPY_F32 ? run_where : run_where_bytes;
  return NULL;
}

static qcc_status_t run_unary(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_unary_mt(ex_pool(ex), s->u.un.op, s->u.un.alpha, s->u.un.beta, OSLOT(0)->numel, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_unary(qcc_executor *ex, MlirOperation op, ex_step *s) {
  qrt_unary_op_t u;
  float alpha = 0, beta = 0;
  switch (s->kind) {
    case QCC_OP_relu: u = QRT_UNARY_RELU; break;
    case QCC_OP_leaky_relu: u = QRT_UNARY_LEAKY_RELU, alpha = qcc_get_f32(op, QCC_ATTR_alpha); break;
    case QCC_OP_clip:
      u = QRT_UNARY_CLIP, alpha = qcc_get_f32(op, QCC_ATTR_min), beta = qcc_get_f32(op, QCC_ATTR_max);
      break;
    case QCC_OP_sigmoid: u = QRT_UNARY_SIGMOID; break;
    case QCC_OP_tanh: u = QRT_UNARY_TANH; break;
    case QCC_OP_hard_sigmoid:
      u = QRT_UNARY_HARD_SIGMOID, alpha = qcc_get_f32(op, QCC_ATTR_alpha), beta = qcc_get_f32(op, QCC_ATTR_beta);
      break;
    case QCC_OP_hard_swish: u = QRT_UNARY_HARD_SWISH; break;
    case QCC_OP_gelu: {
      MlirStringRef a = qcc_get_str(op, QCC_ATTR_approximate);
      if (qcc_str_eq(a, "none")) u = QRT_UNARY_GELU;
      else if (qcc_str_eq(a, "tanh")) u = QRT_UNARY_GELU_TANH;
      else return unsupported(s, "gelu approximate must be \"none\" or \"tanh\"");
      break;
    }
    case QCC_OP_erf: u = QRT_UNARY_ERF; break;
    case QCC_OP_exp: u = QRT_UNARY_EXP; break;
    case QCC_OP_log: u = QRT_UNARY_LOG; break;
    case QCC_OP_sqrt: u = QRT_UNARY_SQRT; break;
    case QCC_OP_neg: u = QRT_UNARY_NEG; break;
    case QCC_OP_abs: u = QRT_UNARY_ABS; break;
    default: return unsupported(s, "not a unary op");
  }
  if (SLOT(0)->numel != OSLOT(0)->numel) return invalid(s, "unary op changes the element count");
  s->u.un.op = u, s->u.un.alpha = alpha, s->u.un.beta = beta;
  s->can_inplace = true;
  s->run = run_unary;
  return NULL;
}

/* ====================================== other element types (qrt_int.h)
 * Integer, f16, f64 (and for pow mixed) elementwise ops and max pooling; the
 * f32 paths above stay the fast ones. s->ty is the result's (and first
 * operand's) element type, s->ty2 the second operand's. */

static qcc_status_t slot_type(const ex_step *s, const ex_slot *t, qrt_type_t *out) {
  if (!ex_qrt_type(t, out)) return unsupported(s, "element type not supported by the executor's kernels");
  return NULL;
}

static qcc_status_t run_binary_typed(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_binary_typed(s->u.bin.op, s->ty, s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa, IN(1), s->u.bin.sb,
                          OUT(0)));
  return NULL;
}

static qcc_status_t run_pow_typed(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_pow_typed(s->ty, s->ty2, s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa, IN(1), s->u.bin.sb,
                       OUT(0)));
  return NULL;
}

static qcc_status_t plan_binary_typed(qcc_executor *ex, ex_step *s, qrt_binary_op_t bop) {
  qrt_type_t ta, tb, ty;
  QCC_RETURN_IF_ERROR(slot_type(s, SLOT(0), &ta));
  QCC_RETURN_IF_ERROR(slot_type(s, SLOT(1), &tb));
  QCC_RETURN_IF_ERROR(slot_type(s, OSLOT(0), &ty));
  if (ty != ta) return invalid(s, "the result must have the first operand's element type");
  if (ta == QRT_TYPE_BOOL || tb == QRT_TYPE_BOOL) return unsupported(s, "arithmetic on i1 is not supported");
  const bool mixed_pow = bop == QRT_BINARY_POW && ta != tb; /* ONNX Pow: b may differ */
  if (!mixed_pow && ta != tb) return invalid(s, "operands must have the same element type");
  if (!mixed_pow && ta == QRT_TYPE_BF16)
    return unsupported(s, "the executor has no bf16 arithmetic (cast to f32 first)");
  QCC_RETURN_IF_ERROR(plan_binary(ex, s, bop));
  s->run = mixed_pow ? run_pow_typed : run_binary_typed;
  s->ty = ta, s->ty2 = tb;
  return NULL;
}

static qcc_status_t run_unary_typed(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  if (s->kind == QCC_OP_clip)
    KCHECK(qrt_clip_typed(s->ty, OSLOT(0)->numel, IN(0), s->u.un.alpha, s->u.un.beta, OUT(0)));
  else
    KCHECK(qrt_unary_typed(s->u.un.op, s->ty, OSLOT(0)->numel, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_unary_typed(qcc_executor *ex, MlirOperation op, ex_step *s) {
  qrt_type_t tx, ty;
  QCC_RETURN_IF_ERROR(slot_type(s, SLOT(0), &tx));
  QCC_RETURN_IF_ERROR(slot_type(s, OSLOT(0), &ty));
  if (tx != ty || SLOT(0)->numel != OSLOT(0)->numel) return invalid(s, "unary op changes the element type or count");
  if (tx == QRT_TYPE_BOOL || tx == QRT_TYPE_BF16) return unsupported(s, "this op does not run on i1 or bf16");
  switch (s->kind) {
    case QCC_OP_neg: s->u.un.op = QRT_UNARY_NEG; break;
    case QCC_OP_abs: s->u.un.op = QRT_UNARY_ABS; break;
    case QCC_OP_relu: s->u.un.op = QRT_UNARY_RELU; break;
    case QCC_OP_clip:
      /* f32 bounds: integer bounds beyond 2^24 are what the attribute holds */
      s->u.un.alpha = qcc_get_f32(op, QCC_ATTR_min), s->u.un.beta = qcc_get_f32(op, QCC_ATTR_max);
      break;
    default: return unsupported(s, "the executor runs this op on f32 tensors only");
  }
  s->ty = tx;
  s->can_inplace = true;
  s->run = run_unary_typed;
  return NULL;
}

/* ======================================================= normalization */

static qcc_status_t run_softmax(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  if (s->kind == QCC_OP_softmax)
    KCHECK(qrt_f32_softmax_mt(ex_pool(ex), s->u.ax.outer, s->u.ax.axis, s->u.ax.inner, IN(0), OUT(0)));
  else
    KCHECK(qrt_f32_log_softmax(s->u.ax.outer, s->u.ax.axis, s->u.ax.inner, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_axis(qcc_executor *ex, const ex_slot *x, int64_t axis, ex_step *s) {
  (void)ex;
  axis = norm_axis(axis, x->rank);
  if (axis < 0 || axis >= (x->rank ? x->rank : 1)) return invalid(s, "axis out of range");
  if (!x->rank) {
    s->u.ax.outer = s->u.ax.inner = s->u.ax.axis = 1;
    return NULL;
  }
  s->u.ax.outer = prod(x->shape, 0, (int)axis);
  s->u.ax.axis = x->shape[axis];
  s->u.ax.inner = prod(x->shape, (int)axis + 1, x->rank);
  return NULL;
}

static qcc_status_t run_layer_norm(qcc_executor *ex, ex_step *s, void *scratch) {
  const float *scale = IN(1), *bias = s->n_in > 2 ? IN(2) : NULL;
  float *sb = scratch;
  size_t off = align64((size_t)s->u.ln.inner * sizeof(float)) / sizeof(float);
  if (s->u.ln.xs) {
    KCHECK(qrt_broadcast_copy(4, s->u.ln.rank, s->u.ln.shape, scale, s->u.ln.ss, sb));
    scale = sb;
  }
  if (bias && s->u.ln.xb) {
    KCHECK(qrt_broadcast_copy(4, s->u.ln.rank, s->u.ln.shape, bias, s->u.ln.bs, sb + off));
    bias = sb + off;
  }
  KCHECK(qrt_f32_layer_norm_mt(ex_pool(ex), s->u.ln.outer, s->u.ln.inner, IN(0), scale, bias, s->u.ln.eps, OUT(0),
                               NULL, NULL));
  return NULL;
}

static qcc_status_t plan_layer_norm(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0);
  int64_t axis = norm_axis(qcc_get_i64(op, QCC_ATTR_axis), x->rank);
  if (axis < 0 || axis > x->rank) return invalid(s, "layer_norm axis out of range");
  s->u.ln.outer = prod(x->shape, 0, (int)axis);
  s->u.ln.inner = prod(x->shape, (int)axis, x->rank);
  s->u.ln.eps = qcc_get_f32(op, QCC_ATTR_epsilon);
  s->u.ln.rank = x->rank - axis;
  memcpy(s->u.ln.shape, x->shape + axis, (size_t)s->u.ln.rank * sizeof(int64_t));
  ex_slot tail = *x;
  tail.rank = (int)s->u.ln.rank;
  memcpy(tail.shape, s->u.ln.shape, sizeof tail.shape);
  s->u.ln.xs = SLOT(1)->numel != s->u.ln.inner;
  if (s->u.ln.xs) QCC_RETURN_IF_ERROR(bcast(s, &tail, SLOT(1), s->u.ln.ss));
  if (s->n_in > 2) {
    s->u.ln.xb = SLOT(2)->numel != s->u.ln.inner;
    if (s->u.ln.xb) QCC_RETURN_IF_ERROR(bcast(s, &tail, SLOT(2), s->u.ln.bs));
  }
  if (s->u.ln.xs || s->u.ln.xb) s->scratch = 2 * align64((size_t)s->u.ln.inner * sizeof(float));
  s->run = run_layer_norm;
  return NULL;
}

static qcc_status_t run_batch_norm(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_batch_norm(s->u.ax.outer, s->u.ax.axis, s->u.ax.inner, IN(0), IN(1), IN(2), IN(3), IN(4), s->u.ax.eps,
                            OUT(0)));
  return NULL;
}

static qcc_status_t plan_batch_norm(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0);
  if (x->rank < 2) return invalid(s, "batch_norm needs rank >= 2");
  for (int j = 1; j < 5; j++)
    if (SLOT(j)->numel != x->shape[1]) return invalid(s, "batch_norm parameters must have C elements");
  s->u.ax.outer = x->shape[0], s->u.ax.axis = x->shape[1], s->u.ax.inner = prod(x->shape, 2, x->rank);
  s->u.ax.eps = qcc_get_f32(op, QCC_ATTR_epsilon);
  s->run = run_batch_norm;
  return NULL;
}

/* ============================================================ pooling */

static qcc_status_t run_max_pool_typed(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_max_pool2d_typed(s->ty, &s->u.pool.p, s->u.pool.n, s->u.pool.c, s->u.pool.h, s->u.pool.w, IN(0),
                              OUT(0)));
  return NULL;
}

static qcc_status_t run_pool(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  if (s->kind == QCC_OP_max_pool)
    KCHECK(qrt_f32_max_pool2d(&s->u.pool.p, s->u.pool.n, s->u.pool.c, s->u.pool.h, s->u.pool.w, IN(0), OUT(0)));
  else if (s->kind == QCC_OP_avg_pool)
    KCHECK(qrt_f32_avg_pool2d(&s->u.pool.p, s->u.pool.n, s->u.pool.c, s->u.pool.h, s->u.pool.w, IN(0), OUT(0)));
  else
    KCHECK(qrt_f32_global_avg_pool(s->u.pool.n, s->u.pool.c, s->u.pool.h, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t run_max_pool_indices(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_max_pool2d_with_indices(&s->u.pool.p, s->u.pool.storage_order, s->u.pool.n, s->u.pool.c, s->u.pool.h,
                                         s->u.pool.w, IN(0), OUT(0), OUT(1)));
  return NULL;
}

static qcc_status_t plan_pool(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *y = OSLOT(0);
  if (s->kind == QCC_OP_global_avg_pool) {
    if (x->rank < 2) return invalid(s, "global_avg_pool needs rank >= 2");
    s->u.pool.n = x->shape[0], s->u.pool.c = x->shape[1], s->u.pool.h = prod(x->shape, 2, x->rank);
    s->run = run_pool;
    return NULL;
  }
  if (x->rank != 4) return unsupported(s, "only 2-D pooling (rank-4 NCHW) runs");
  int64_t kn[2], st[2], pd[4], dl[2] = {1, 1};
  if (qcc_get_i64s(op, QCC_ATTR_kernel, kn, 2) != 2 || qcc_get_i64s(op, QCC_ATTR_strides, st, 2) != 2 ||
      qcc_get_i64s(op, QCC_ATTR_pads, pd, 4) != 4)
    return invalid(s, "kernel/strides/pads must have 2/2/4 values");
  if ((s->kind == QCC_OP_max_pool || s->kind == QCC_OP_max_pool_indices) && qcc_get_i64s(op, QCC_ATTR_dilations, dl, 2) != 2)
    return invalid(s, "dilations must have 2 values");
  qrt_pool2d_params_t *p = &s->u.pool.p;
  qrt_pool2d_params_init(p, kn[0], kn[1]);
  p->stride_h = st[0], p->stride_w = st[1];
  p->pad_top = pd[0], p->pad_left = pd[1], p->pad_bottom = pd[2], p->pad_right = pd[3];
  p->dilation_h = dl[0], p->dilation_w = dl[1];
  p->ceil_mode = (int)qcc_get_i64(op, QCC_ATTR_ceil_mode);
  if (s->kind == QCC_OP_avg_pool) p->count_include_pad = (int)qcc_get_i64(op, QCC_ATTR_count_include_pad);
  s->u.pool.n = x->shape[0], s->u.pool.c = x->shape[1], s->u.pool.h = x->shape[2], s->u.pool.w = x->shape[3];
  int64_t oh, ow;
  if (qrt_pool2d_output_size(p, x->shape[2], x->shape[3], &oh, &ow) != QRT_OK || oh != y->shape[2] ||
      ow != y->shape[3])
    return invalid(s, "pooling parameters do not give the result shape");
  s->run = run_pool;
  if (s->kind == QCC_OP_max_pool_indices) {
    if (x->dtype != QCC_NPY_F32) return unsupported(s, "max_pool with indices runs on f32 tensors only");
    s->u.pool.storage_order = (int)qcc_get_i64(op, QCC_ATTR_storage_order);
    s->run = run_max_pool_indices;
    return NULL;
  }
  if (x->dtype != QCC_NPY_F32 || y->dtype != QCC_NPY_F32) {
    if (s->kind != QCC_OP_max_pool) return unsupported(s, "the executor runs this op on f32 tensors only");
    qrt_type_t ty;
    QCC_RETURN_IF_ERROR(slot_type(s, x, &s->ty));
    QCC_RETURN_IF_ERROR(slot_type(s, y, &ty));
    if (ty != s->ty) return invalid(s, "max_pool changes the element type");
    if (ty == QRT_TYPE_BOOL) return unsupported(s, "max_pool does not run on i1");
    s->run = run_max_pool_typed;
  }
  return NULL;
}

static qcc_status_t run_reduce(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_reduce(s->u.red.op, s->u.red.rank, s->u.red.shape, s->u.red.mask, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_reduce(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0);
  int64_t axes[EX_MAX_RANK];
  intptr_t n = qcc_get_i64s(op, QCC_ATTR_axes, axes, EX_MAX_RANK);
  if (n < 0) return invalid(s, "bad axes");
  s->u.red.op = s->kind == QCC_OP_reduce_mean ? QRT_REDUCE_MEAN : QRT_REDUCE_SUM;
  s->u.red.rank = x->rank;
  memcpy(s->u.red.shape, x->shape, sizeof x->shape);
  for (intptr_t i = 0; i < n; i++) {
    int64_t a = norm_axis(axes[i], x->rank);
    if (a < 0 || a >= x->rank) return invalid(s, "reduce axis out of range");
    s->u.red.mask |= 1u << a;
  }
  s->run = run_reduce;
  return NULL;
}

/* ====================================================== data movement */

static qcc_status_t run_transpose(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_transpose(qcc_npy_dtype_size(SLOT(0)->dtype), s->u.dm.rank, s->u.dm.in_shape, s->u.dm.a, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t run_concat(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  const void *ins[QCC_MAX_VARIADIC + 8];
  for (int j = 0; j < s->n_in; j++) ins[j] = IN(j);
  KCHECK(qrt_concat(qcc_npy_dtype_size(OSLOT(0)->dtype), s->u.ax.outer, s->u.ax.inner, s->n_in, ins, s->lbuf, OUT(0)));
  return NULL;
}

static qcc_status_t run_split(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  void *outs[QCC_MAX_VARIADIC + 8];
  for (int j = 0; j < s->n_out; j++) outs[j] = OUT(j);
  KCHECK(qrt_split(qcc_npy_dtype_size(SLOT(0)->dtype), s->u.ax.outer, s->u.ax.inner, IN(0), s->n_out, outs, s->lbuf));
  return NULL;
}

static qcc_status_t plan_concat_split(qcc_executor *ex, MlirOperation op, ex_step *s) {
  bool cat = s->kind == QCC_OP_concat;
  ex_slot *whole = cat ? OSLOT(0) : SLOT(0);
  int n = cat ? s->n_in : s->n_out;
  int64_t axis = norm_axis(qcc_get_i64(op, QCC_ATTR_axis), whole->rank);
  if (axis < 0 || axis >= whole->rank) return invalid(s, "axis out of range");
  s->u.ax.outer = prod(whole->shape, 0, (int)axis);
  s->u.ax.inner = prod(whole->shape, (int)axis + 1, whole->rank);
  s->lbuf = malloc(sizeof(int64_t) * (size_t)(n + 1));
  if (!s->lbuf) return invalid(s, "out of memory");
  for (int j = 0; j < n; j++) {
    ex_slot *part = cat ? SLOT(j) : OSLOT(j);
    if (part->dtype != whole->dtype || part->rank != whole->rank) return invalid(s, "parts differ in type or rank");
    s->lbuf[j] = part->shape[axis];
  }
  s->run = cat ? run_concat : run_split;
  return NULL;
}

static qcc_status_t run_slice(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_slice(qcc_npy_dtype_size(SLOT(0)->dtype), s->u.dm.rank, s->u.dm.in_shape, s->u.dm.a, s->u.dm.b,
                   s->u.dm.out_shape, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_slice(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *y = OSLOT(0);
  int64_t st[EX_MAX_RANK], en[EX_MAX_RANK], ax[EX_MAX_RANK], sp[EX_MAX_RANK];
  intptr_t n = qcc_get_i64s(op, QCC_ATTR_starts, st, EX_MAX_RANK);
  if (n < 0 || qcc_get_i64s(op, QCC_ATTR_ends, en, EX_MAX_RANK) != n ||
      qcc_get_i64s(op, QCC_ATTR_axes, ax, EX_MAX_RANK) != n || qcc_get_i64s(op, QCC_ATTR_steps, sp, EX_MAX_RANK) != n)
    return invalid(s, "starts, ends, axes and steps must have the same length");
  s->u.dm.rank = x->rank;
  memcpy(s->u.dm.in_shape, x->shape, sizeof x->shape);
  memcpy(s->u.dm.out_shape, y->shape, sizeof y->shape);
  for (int d = 0; d < x->rank; d++) s->u.dm.a[d] = 0, s->u.dm.b[d] = 1;
  /* The importer normalized starts (see the op's summary): use them as they are. */
  for (intptr_t i = 0; i < n; i++) {
    int64_t a = norm_axis(ax[i], x->rank);
    if (a < 0 || a >= x->rank || sp[i] == 0) return invalid(s, "bad slice axis or step");
    s->u.dm.a[a] = st[i], s->u.dm.b[a] = sp[i];
    if (y->shape[a] > 0) {
      int64_t last = st[i] + (y->shape[a] - 1) * sp[i];
      if (st[i] < 0 || st[i] >= x->shape[a] || last < 0 || last >= x->shape[a])
        return invalid(s, "slice reads outside its operand");
    }
  }
  s->run = run_slice;
  return NULL;
}

static qcc_status_t run_pad(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_pad(qcc_npy_dtype_size(SLOT(0)->dtype), s->u.pad.mode, s->u.pad.rank, s->u.pad.in_shape, s->u.pad.pads,
                 &s->u.pad.value, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_pad(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0);
  s->u.pad.rank = x->rank;
  memcpy(s->u.pad.in_shape, x->shape, sizeof x->shape);
  if (qcc_get_i64s(op, QCC_ATTR_pads, s->u.pad.pads, 2 * EX_MAX_RANK) != 2 * x->rank)
    return invalid(s, "pads must have 2 * rank values");
  MlirStringRef m = qcc_get_str(op, QCC_ATTR_mode);
  if (qcc_str_eq(m, "constant")) s->u.pad.mode = QRT_PAD_CONSTANT;
  else if (qcc_str_eq(m, "reflect")) s->u.pad.mode = QRT_PAD_REFLECT;
  else if (qcc_str_eq(m, "edge")) s->u.pad.mode = QRT_PAD_EDGE;
  else if (qcc_str_eq(m, "wrap")) s->u.pad.mode = QRT_PAD_WRAP;
  else return unsupported(s, "pad mode must be constant, reflect, edge or wrap");
  float v = qcc_get_f32(op, QCC_ATTR_value);
  qrt_type_t t;
  s->u.pad.value = 0;
  if (ex_qrt_type(x, &t)) KCHECK(qrt_cast_typed(QRT_TYPE_F32, t, 1, &v, &s->u.pad.value));
  else if (v != 0) return unsupported(s, "non-zero pad value for this element type");
  s->run = run_pad;
  return NULL;
}

static qcc_status_t run_gather(qcc_executor *ex, ex_step *s, void *scratch) {
  const int64_t *idx = IN(1);
  int64_t n = SLOT(1)->numel;
  if (SLOT(1)->dtype == QCC_NPY_I32) {
    int64_t *w = scratch;
    const int32_t *i32 = IN(1);
    for (int64_t i = 0; i < n; i++) w[i] = i32[i];
    idx = w;
  }
  KCHECK(qrt_gather(qcc_npy_dtype_size(SLOT(0)->dtype), s->u.ax.outer, s->u.ax.axis, s->u.ax.inner, IN(0), n, idx,
                    OUT(0)));
  return NULL;
}

static qcc_status_t plan_gather(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *ix = SLOT(1);
  if (ix->dtype != QCC_NPY_I64 && ix->dtype != QCC_NPY_I32) return unsupported(s, "gather indices must be i64 or i32");
  QCC_RETURN_IF_ERROR(plan_axis(ex, x, qcc_get_i64(op, QCC_ATTR_axis), s));
  if (ix->dtype == QCC_NPY_I32) s->scratch = (size_t)ix->numel * sizeof(int64_t);
  s->run = run_gather;
  return NULL;
}

static qcc_status_t run_expand(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_broadcast_copy(qcc_npy_dtype_size(SLOT(0)->dtype), s->u.bin.rank, s->u.bin.shape, IN(0), s->u.bin.sa,
                            OUT(0)));
  return NULL;
}

static qcc_status_t plan_expand(qcc_executor *ex, ex_step *s) {
  ex_slot *y = OSLOT(0);
  s->u.bin.rank = y->rank;
  memcpy(s->u.bin.shape, y->shape, sizeof y->shape);
  QCC_RETURN_IF_ERROR(bcast(s, y, SLOT(0), s->u.bin.sa));
  s->run = run_expand;
  return NULL;
}

static qcc_status_t run_cast(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  if (s->u.cast.from == s->u.cast.to) memcpy(OUT(0), IN(0), OSLOT(0)->nbytes);
  else KCHECK(qrt_cast_typed(s->u.cast.from, s->u.cast.to, OSLOT(0)->numel, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_cast(qcc_executor *ex, ex_step *s) {
  if (!ex_qrt_type(SLOT(0), &s->u.cast.from) || !ex_qrt_type(OSLOT(0), &s->u.cast.to)) {
    char msg[160];
    snprintf(msg, sizeof msg, "cast from %s to %s is not supported", qcc_npy_dtype_name(SLOT(0)->dtype),
             qcc_npy_dtype_name(OSLOT(0)->dtype));
    return unsupported(s, msg);
  }
  s->run = run_cast;
  return NULL;
}

static qcc_status_t run_resize(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_f32_resize(&s->u.rs.p, s->u.rs.n, s->u.rs.c, s->u.rs.h, s->u.rs.w, IN(0), s->u.rs.oh, s->u.rs.ow, OUT(0)));
  return NULL;
}

static qcc_status_t plan_resize(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *y = OSLOT(0);
  if (x->rank != 4 || y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1])
    return unsupported(s, "resize runs on rank-4 NCHW tensors scaling H and W only");
  qrt_resize_params_t *p = &s->u.rs.p;
  MlirStringRef m = qcc_get_str(op, QCC_ATTR_mode), c = qcc_get_str(op, QCC_ATTR_coordinate_transformation_mode),
                nm = qcc_get_str(op, QCC_ATTR_nearest_mode);
  if (qcc_str_eq(m, "nearest")) p->mode = QRT_RESIZE_NEAREST;
  else if (qcc_str_eq(m, "linear")) p->mode = QRT_RESIZE_LINEAR;
  else return unsupported(s, "resize mode must be nearest or linear");
  if (qcc_str_eq(c, "half_pixel")) p->coord = QRT_RESIZE_HALF_PIXEL;
  else if (qcc_str_eq(c, "pytorch_half_pixel")) p->coord = QRT_RESIZE_PYTORCH_HALF_PIXEL;
  else if (qcc_str_eq(c, "align_corners")) p->coord = QRT_RESIZE_ALIGN_CORNERS;
  else if (qcc_str_eq(c, "asymmetric")) p->coord = QRT_RESIZE_ASYMMETRIC;
  else if (qcc_str_eq(c, "half_pixel_symmetric")) p->coord = QRT_RESIZE_HALF_PIXEL_SYMMETRIC;
  else if (qcc_str_eq(c, "tf_half_pixel_for_nn")) p->coord = QRT_RESIZE_TF_HALF_PIXEL_FOR_NN;
  else return unsupported(s, "this coordinate_transformation_mode is not supported");
  if (qcc_str_eq(nm, "round_prefer_floor")) p->nearest = QRT_RESIZE_ROUND_PREFER_FLOOR;
  else if (qcc_str_eq(nm, "round_prefer_ceil")) p->nearest = QRT_RESIZE_ROUND_PREFER_CEIL;
  else if (qcc_str_eq(nm, "floor")) p->nearest = QRT_RESIZE_FLOOR;
  else if (qcc_str_eq(nm, "ceil")) p->nearest = QRT_RESIZE_CEIL;
  else return unsupported(s, "this nearest_mode is not supported");
  float sc[EX_MAX_RANK] = {0};
  intptr_t ns = qcc_get_f32s(op, QCC_ATTR_scales, sc, EX_MAX_RANK);
  if (ns != 4 && ns != 0) return invalid(s, "scales must have 4 values");
  /* the model's float32 scales, or (sizes given) OH/H in double as ONNX's reference */
  p->scale_h = ns && sc[2] > 0 ? (double)sc[2] : (double)y->shape[2] / (double)x->shape[2];
  p->scale_w = ns && sc[3] > 0 ? (double)sc[3] : (double)y->shape[3] / (double)x->shape[3];
  s->u.rs.n = x->shape[0], s->u.rs.c = x->shape[1], s->u.rs.h = x->shape[2], s->u.rs.w = x->shape[3];
  s->u.rs.oh = y->shape[2], s->u.rs.ow = y->shape[3];
  s->run = run_resize;
  return NULL;
}

/* ======================================================= quantization */

/* Decode a uniform quant type (per tensor or per axis) for a tensor of slot
 * t's shape into s->u.q, s->fbuf (scales) and s->ibuf (zero points). */
static qcc_status_t plan_qparams(ex_step *s, MlirType qt, const ex_slot *t, qcc_npy_dtype_t storage) {
  if (!ex_qrt_dtype(storage, &s->u.q.storage) ||
      (s->u.q.storage != QRT_DTYPE_I8 && s->u.q.storage != QRT_DTYPE_U8 && s->u.q.storage != QRT_DTYPE_I32))
    return unsupported(s, "quant storage must be 8 or 32 bits wide");
  int64_t lo = mlirQuantizedTypeGetStorageTypeMin(qt), hi = mlirQuantizedTypeGetStorageTypeMax(qt);
  if (lo < INT32_MIN || hi > INT32_MAX) return unsupported(s, "quant storage range wider than int32");
  s->u.q.qmin = (int32_t)lo, s->u.q.qmax = (int32_t)hi;
  int64_t ch = 1;
  if (mlirTypeIsAUniformQuantizedType(qt)) {
    s->u.q.outer = t->numel, s->u.q.inner = 1;
  } else if (mlirTypeIsAUniformQuantizedPerAxisType(qt)) {
    int64_t axis = mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(qt);
    if (axis < 0 || axis >= t->rank) return invalid(s, "quantized dimension out of range");
    ch = t->shape[axis];
    if (mlirUniformQuantizedPerAxisTypeGetNumDims(qt) != ch)
      return invalid(s, "per-axis quant type has a different number of scales than the axis has elements");
    s->u.q.outer = prod(t->shape, 0, (int)axis);
    s->u.q.inner = prod(t->shape, (int)axis + 1, t->rank);
  } else {
    return unsupported(s, "only per-tensor and per-axis !quant.uniform types run (not sub-channel/blockwise)");
  }
  s->u.q.ch = ch;
  s->fbuf = malloc(sizeof(float) * (size_t)(ch ? ch : 1));
  s->ibuf = malloc(sizeof(int32_t) * (size_t)(ch ? ch : 1));
  if (!s->fbuf || !s->ibuf) return invalid(s, "out of memory");
  for (int64_t c = 0; c < ch; c++) {
    double sc = ch == 1 && mlirTypeIsAUniformQuantizedType(qt) ? mlirUniformQuantizedTypeGetScale(qt)
                                                               : mlirUniformQuantizedPerAxisTypeGetScale(qt, c);
    int64_t zp = ch == 1 && mlirTypeIsAUniformQuantizedType(qt) ? mlirUniformQuantizedTypeGetZeroPoint(qt)
                                                                : mlirUniformQuantizedPerAxisTypeGetZeroPoint(qt, c);
    if (zp < lo || zp > hi) return invalid(s, "zero point outside the storage range");
    s->fbuf[c] = (float)sc; /* ONNX scales are float32: the double holds one exactly */
    s->ibuf[c] = (int32_t)zp;
  }
  return NULL;
}

static qcc_status_t run_quantize(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_quantize_f32_mt(ex_pool(ex), s->u.q.storage, s->u.q.qmin, s->u.q.qmax, s->u.q.outer, s->u.q.ch,
                             s->u.q.inner, IN(0), s->fbuf, s->ibuf, OUT(0)));
  return NULL;
}

static qcc_status_t run_dequantize(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_dequantize_f32_reference(s->u.q.storage, s->u.q.outer, s->u.q.ch, s->u.q.inner, IN(0), s->fbuf, s->ibuf,
                                      OUT(0)));
  return NULL;
}

static qcc_status_t run_fake_quant(qcc_executor *ex, ex_step *s, void *scratch) {
  KCHECK(qrt_quantize_f32_reference(s->u.q.storage, s->u.q.qmin, s->u.q.qmax, s->u.q.outer, s->u.q.ch, s->u.q.inner,
                                    IN(0), s->fbuf, s->ibuf, scratch));
  KCHECK(qrt_dequantize_f32_reference(s->u.q.storage, s->u.q.outer, s->u.q.ch, s->u.q.inner, scratch, s->fbuf,
                                      s->ibuf, OUT(0)));
  return NULL;
}

static qcc_status_t plan_quant(qcc_executor *ex, MlirOperation op, ex_step *s) {
  bool q = s->kind == QCC_OP_quantize;
  ex_slot *f = q ? SLOT(0) : OSLOT(0), *qs = q ? OSLOT(0) : SLOT(0);
  MlirType qt;
  if (s->kind == QCC_OP_fake_quant) {
    MlirAttribute a = qcc_op_attr(op, QCC_ATTR_qtype);
    if (mlirAttributeIsNull(a) || !mlirAttributeIsAType(a)) return invalid(s, "fake_quant needs a qtype");
    qt = mlirTypeAttrGetValue(a);
    if (mlirTypeIsAShaped(qt)) qt = mlirShapedTypeGetElementType(qt);
    f = SLOT(0);
    if (!mlirTypeIsAQuantizedType(qt)) return invalid(s, "qtype is not a quant type");
    qcc_npy_dtype_t st;
    if (!ex_dtype_of(qt, &st)) return unsupported(s, "quant storage type");
    QCC_RETURN_IF_ERROR(plan_qparams(s, qt, f, st));
    if (SLOT(0)->dtype != QCC_NPY_F32 || OSLOT(0)->dtype != QCC_NPY_F32) return unsupported(s, "fake_quant is f32 only");
    s->scratch = (size_t)f->numel * qrt_dtype_size(s->u.q.storage);
    s->run = run_fake_quant;
    return NULL;
  }
  MlirValue qv = q ? mlirOperationGetResult(op, 0) : mlirOperationGetOperand(op, 0);
  qt = mlirShapedTypeGetElementType(mlirValueGetType(qv));
  if (!mlirTypeIsAQuantizedType(qt)) return invalid(s, "expected a quant element type");
  if (f->dtype != QCC_NPY_F32) return unsupported(s, "the expressed type must be f32");
  QCC_RETURN_IF_ERROR(plan_qparams(s, qt, qs, qs->dtype));
  s->run = q ? run_quantize : run_dequantize;
  return NULL;
}

static qcc_status_t run_observe(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  if (!ex->opts.observe) return NULL;
  const ex_slot *x = SLOT(0);
  qcc_npy_tensor_t t;
  memset(&t, 0, sizeof t);
  t.dtype = x->dtype;
  t.rank = x->rank;
  memcpy(t.shape, x->shape, sizeof(int64_t) * (size_t)x->rank);
  t.data = IN(0);
  t.nbytes = x->nbytes;
  qcc_status_t st = ex->opts.observe(ex->opts.observe_user_data, s->u.obs.id, &t);
  return st ? qcc_status_annotate(st, "%s", s->where) : NULL;
}

/* ============================================================ dispatch */

qcc_status_t ex_plan_op(qcc_executor *ex, MlirOperation op, ex_step *s) {
  switch (s->kind) {
    case QCC_OP_quantize:
    case QCC_OP_dequantize:
    case QCC_OP_fake_quant: return plan_quant(ex, op, s);
    case QCC_OP_observe:
      s->u.obs.id = qcc_get_i64(op, QCC_ATTR_id);
      s->run = run_observe;
      return NULL;
    case QCC_OP_cast: return plan_cast(ex, s);
    case QCC_OP_transpose:
    case QCC_OP_concat:
    case QCC_OP_split:
    case QCC_OP_slice:
    case QCC_OP_pad:
    case QCC_OP_gather:
    case QCC_OP_expand: break; /* any element type */
    case QCC_OP_where: return plan_where(ex, s);
    case QCC_OP_max_pool_indices: return plan_pool(ex, op, s); /* f32 values, i64 indices */
    case QCC_OP_add: case QCC_OP_sub: case QCC_OP_mul: case QCC_OP_div: case QCC_OP_max: case QCC_OP_min:
    case QCC_OP_pow: case QCC_OP_prelu:
    case QCC_OP_neg: case QCC_OP_abs: case QCC_OP_relu: case QCC_OP_clip:
    case QCC_OP_max_pool:
      if (all_f32(ex, s)) break;
      switch (s->kind) {
        case QCC_OP_add: return plan_binary_typed(ex, s, QRT_BINARY_ADD);
        case QCC_OP_sub: return plan_binary_typed(ex, s, QRT_BINARY_SUB);
        case QCC_OP_mul: return plan_binary_typed(ex, s, QRT_BINARY_MUL);
        case QCC_OP_div: return plan_binary_typed(ex, s, QRT_BINARY_DIV);
        case QCC_OP_max: return plan_binary_typed(ex, s, QRT_BINARY_MAX);
        case QCC_OP_min: return plan_binary_typed(ex, s, QRT_BINARY_MIN);
        case QCC_OP_pow: return plan_binary_typed(ex, s, QRT_BINARY_POW);
        case QCC_OP_prelu: return plan_binary_typed(ex, s, QRT_BINARY_PRELU);
        case QCC_OP_max_pool: return plan_pool(ex, op, s);
        default: return plan_unary_typed(ex, op, s);
      }
    case QCC_OP_matmul_integer:
    case QCC_OP_conv_integer:
    case QCC_OP_dynamic_quantize:
    case QCC_OP_qconv2d: case QCC_OP_qgemm: case QCC_OP_qgemm_dynamic: case QCC_OP_qmatmul: case QCC_OP_qadd: case QCC_OP_qmul:
    case QCC_OP_qavg_pool: case QCC_OP_qglobal_avg_pool: case QCC_OP_lut: return ex_plan_qop(ex, op, s);
    default:
      if (!all_f32(ex, s)) return unsupported(s, "the executor runs this op on f32 tensors only");
  }
  switch (s->kind) {
    case QCC_OP_conv2d: return plan_conv(ex, op, s);
    case QCC_OP_conv_transpose: return plan_convt(ex, op, s);
    case QCC_OP_matmul: return plan_matmul(ex, op, s);
    case QCC_OP_gemm: return plan_gemm(ex, op, s);
    case QCC_OP_add: return plan_binary(ex, s, QRT_BINARY_ADD);
    case QCC_OP_sub: return plan_binary(ex, s, QRT_BINARY_SUB);
    case QCC_OP_mul: return plan_binary(ex, s, QRT_BINARY_MUL);
    case QCC_OP_div: return plan_binary(ex, s, QRT_BINARY_DIV);
    case QCC_OP_max: return plan_binary(ex, s, QRT_BINARY_MAX);
    case QCC_OP_min: return plan_binary(ex, s, QRT_BINARY_MIN);
    case QCC_OP_pow: return plan_binary(ex, s, QRT_BINARY_POW);
    case QCC_OP_prelu: return plan_binary(ex, s, QRT_BINARY_PRELU);
    case QCC_OP_relu: case QCC_OP_leaky_relu: case QCC_OP_clip: case QCC_OP_sigmoid: case QCC_OP_tanh:
    case QCC_OP_hard_sigmoid: case QCC_OP_hard_swish: case QCC_OP_gelu: case QCC_OP_erf: case QCC_OP_exp:
    case QCC_OP_log: case QCC_OP_sqrt: case QCC_OP_neg: case QCC_OP_abs:
      return plan_unary(ex, op, s);
    case QCC_OP_softmax:
    case QCC_OP_log_softmax:
      QCC_RETURN_IF_ERROR(plan_axis(ex, SLOT(0), qcc_get_i64(op, QCC_ATTR_axis), s));
      s->can_inplace = true;
      s->run = run_softmax;
      return NULL;
    case QCC_OP_layer_norm: return plan_layer_norm(ex, op, s);
    case QCC_OP_batch_norm: return plan_batch_norm(ex, op, s);
    case QCC_OP_max_pool:
    case QCC_OP_avg_pool:
    case QCC_OP_global_avg_pool: return plan_pool(ex, op, s);
    case QCC_OP_reduce_mean:
    case QCC_OP_reduce_sum: return plan_reduce(ex, op, s);
    case QCC_OP_transpose: {
      ex_slot *x = SLOT(0);
      s->u.dm.rank = x->rank;
      memcpy(s->u.dm.in_shape, x->shape, sizeof x->shape);
      if (qcc_get_i64s(op, QCC_ATTR_perm, s->u.dm.a, EX_MAX_RANK) != x->rank) return invalid(s, "perm length != rank");
      s->run = run_transpose;
      return NULL;
    }
    case QCC_OP_concat:
    case QCC_OP_split: return plan_concat_split(ex, op, s);
    case QCC_OP_slice: return plan_slice(ex, op, s);
    case QCC_OP_pad: return plan_pad(ex, op, s);
    case QCC_OP_gather: return plan_gather(ex, op, s);
    case QCC_OP_expand: return plan_expand(ex, s);
    case QCC_OP_resize: return plan_resize(ex, op, s);
    default: return unsupported(s, "the executor has no kernel for this op");
  }
}
