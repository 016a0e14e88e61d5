/* The executor's quantized ops: the fused ops of qcc-fuse-qdq (qconv2d, qgemm,
 * qmatmul, qadd, qmul, qavg_pool, qglobal_avg_pool, lut) and ONNX's integer
 * ops (matmul_integer, conv_integer, dynamic_quantize), all on libqrt's scalar
 * reference int8 kernels (qrt_q8.h). Scales and zero points come from the
 * quant types of the op's operands and result. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor_internal.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Quant.h"
#include "qrt/qrt_q8.h"

/* SLOT, OSLOT, IN, OUT, KCHECK: executor_internal.h */

static qcc_status_t unsupported(const ex_step *s, const char *what) {
  return qcc_status_make(QCC_ERR_UNSUPPORTED, "%s: %s", s->where, what);
}

static MlirType elem(MlirValue v) { return mlirShapedTypeGetElementType(mlirValueGetType(v)); }

static qcc_status_t act_of(const ex_step *s, MlirValue v, qrt_q8_act_t *a) {
  MlirType e = elem(v);
  if (!mlirTypeIsAUniformQuantizedType(e) || mlirQuantizedTypeGetStorageTypeIntegralWidth(e) != 8)
    return unsupported(s, "activations must be 8-bit, quantized per tensor");
  a->type = mlirQuantizedTypeIsSigned(e) ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
  a->scale = (float)mlirUniformQuantizedTypeGetScale(e);
  a->zero_point = (int32_t)mlirUniformQuantizedTypeGetZeroPoint(e);
  return NULL;
}

/* Output parameters with the fused activation's clamp (clamp_min/clamp_max). */
static qcc_status_t out_of(const ex_step *s, MlirOperation op, qrt_q8_output_t *y, bool clamp) {
  qrt_q8_act_t a;
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetResult(op, 0), &a));
  qrt_q8_output_init(y, a.type, a.scale, a.zero_point);
  if (clamp) {
    float lo = qcc_get_f32(op, QCC_ATTR_clamp_min), hi = qcc_get_f32(op, QCC_ATTR_clamp_max);
    int32_t qlo, qhi;
    if (qrt_quant_clamp_range(lo, hi, a.scale, a.zero_point, y->qmin, y->qmax, &qlo, &qhi) != QRT_OK)
      return unsupported(s, "bad activation clamp range");
    y->qmin = qlo, y->qmax = qhi;
  }
  return NULL;
}

/* Weights' per-tensor or per-axis (axis 0) parameters into s->fbuf/s->ibuf. */
static qcc_status_t weights_of(ex_step *s, MlirValue v, int64_t channels, qrt_q8_weights_t *w) {
  MlirType e = elem(v);
  if (!mlirTypeIsAQuantizedType(e) || mlirQuantizedTypeGetStorageTypeIntegralWidth(e) != 8)
    return unsupported(s, "weights must be 8-bit quantized");
  bool per_axis = mlirTypeIsAUniformQuantizedPerAxisType(e);
  if (per_axis && (mlirUniformQuantizedPerAxisTypeGetQuantizedDimension(e) != 0 ||
                   mlirUniformQuantizedPerAxisTypeGetNumDims(e) != channels))
    return unsupported(s, "per-channel weights must be quantized along the output channels (axis 0)");
  if (!per_axis && !mlirTypeIsAUniformQuantizedType(e)) return unsupported(s, "weights: unsupported quant type");
  int64_t n = per_axis ? channels : 1;
  s->fbuf = malloc(sizeof(float) * (size_t)n);
  s->ibuf = malloc(sizeof(int32_t) * (size_t)n);
  if (!s->fbuf || !s->ibuf) return unsupported(s, "out of memory");
  for (int64_t c = 0; c < n; ++c) {
    s->fbuf[c] = (float)(per_axis ? mlirUniformQuantizedPerAxisTypeGetScale(e, c) : mlirUniformQuantizedTypeGetScale(e));
    s->ibuf[c] = (int32_t)(per_axis ? mlirUniformQuantizedPerAxisTypeGetZeroPoint(e, c) : mlirUniformQuantizedTypeGetZeroPoint(e));
  }
  w->type = mlirQuantizedTypeIsSigned(e) ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
  w->n_scales = n, w->scales = s->fbuf;
  w->n_zero_points = n, w->zero_points = s->ibuf;
  return NULL;
}

/* qcc-precompute-requant's multipliers, when op has them, replace the ones
 * packing computed in s->packed (the same qrt_requant_multiplier values
 * unless the IR was edited): the plan runs what the IR says. */
static qcc_status_t attached_multipliers(MlirOperation op, ex_step *s, int64_t c_out) {
  MlirAttribute a = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(QCC_ATTR_REQUANT_MULTIPLIER));
  if (mlirAttributeIsNull(a)) return NULL;
  if (!mlirAttributeIsADenseF32Array(a) || mlirDenseArrayGetNumElements(a) != c_out)
    return qcc_status_make(QCC_ERR_INVALID, "%s: " QCC_ATTR_REQUANT_MULTIPLIER " must be an array<f32> of %lld values "
                           "(one per output channel); rerun qcc-precompute-requant", s->where, (long long)c_out);
  float *m = malloc(sizeof(float) * (size_t)c_out);
  if (!m) return unsupported(s, "out of memory");
  for (int64_t c = 0; c < c_out; c++) m[c] = mlirDenseF32ArrayGetElement(a, (intptr_t)c);
  qrt_status_t st = qrt_q8_packed_set_multipliers(s->packed, m, c_out);
  free(m);
  if (st != QRT_OK)
    return qcc_status_make(QCC_ERR_INVALID, "%s: " QCC_ATTR_REQUANT_MULTIPLIER ": every multiplier must be > 0", s->where);
  return NULL;
}

static bool is_const_slot(qcc_executor *ex, int slot) { return slot >= 0 && ex->slots[ex->slots[slot].root].kind == EX_SLOT_CONST; }

/* Zeroed, so packed weights (padding included) are the same bytes every run. */
static void *aligned(size_t n) {
  void *p = NULL;
  size_t r = n ? (n + 63) & ~(size_t)63 : 64;
  if (posix_memalign(&p, 64, r)) return NULL;
  memset(p, 0, r);
  return p;
}

/* s->packed with room for size bytes (a packing's whole size): kept when it has
 * them, else a new zeroed buffer (one copied from qcc-pack-weights' bytes is cut
 * at what the row reads, too short to pack into again). */
static qcc_status_t packed_room(ex_step *s, size_t size) {
  if (s->packed && s->packed_size >= size) return NULL;
  void *buf = aligned(size);
  if (!buf) return unsupported(s, "out of memory packing weights");
  free(s->packed);
  s->packed = buf, s->packed_size = size;
  return NULL;
}

typedef struct {
  qrt_q8_act_t a, b;
  qrt_q8_output_t y;
  qrt_q8_weights_t w;
  uint8_t table[256];
} q8_params;

static q8_params *qp(ex_step *s) { return (q8_params *)s->packed; }

static qcc_status_t alloc_params(ex_step *s) {
  s->packed_size = sizeof(q8_params);
  s->packed = calloc(1, sizeof(q8_params));
  return s->packed ? NULL : qcc_status_make(QCC_ERR_IO, "%s: out of memory", s->where);
}

/* Operand i of an ONNX integer op is a per-tensor zero point (one element, read
 * at run time: it may be a graph input), or absent (0). */
static qcc_status_t check_zero_point(qcc_executor *ex, ex_step *s, int i) {
  if (i >= s->n_in || s->in[i] < 0) return NULL;
  ex_slot *z = SLOT(i);
  if (z->numel != 1) return unsupported(s, "only per-tensor zero points run here");
  if (z->dtype != QCC_NPY_U8 && z->dtype != QCC_NPY_I8) return unsupported(s, "zero points must be u8 or i8");
  return NULL;
}

static int32_t zero_point_at(qcc_executor *ex, ex_step *s, int i) {
  if (i >= s->n_in || s->in[i] < 0) return 0;
  return SLOT(i)->dtype == QCC_NPY_U8 ? ((const uint8_t *)IN(i))[0] : ((const int8_t *)IN(i))[0];
}

/* qcc-pack-weights' packed buffer of op (executor.h), when it has one: copied
 * into s->packed (s->packed_size: its bytes) after checking that it is a
 * packed buffer of this kind of op, for these shapes and quantization
 * parameters (yq NULL: dynamic, whose zero points are per row), with the variant the op names. *taken false:
 * the op has none, pack as usual. */
static qcc_status_t ir_packed(MlirOperation op, ex_step *s, int kind, const qrt_q8_act_t *xq,
                              const qrt_q8_output_t *yq, const qrt_q8_weights_t *wq, const int64_t dims[6],
                              bool *taken) {
  *taken = false;
  MlirAttribute a = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(QCC_ATTR_PACKED_WEIGHTS));
  if (mlirAttributeIsNull(a)) return NULL;
  const char *redo = "rerun qcc-pack-weights (or remove the qcc.packed_* attributes)";
  MlirType t = mlirAttributeGetType(a);
  if (!mlirAttributeIsADenseElements(a) || mlirDenseElementsAttrIsSplat(a) || !mlirTypeIsARankedTensor(t) ||
      !mlirTypeIsAInteger(mlirShapedTypeGetElementType(t)) ||
      mlirIntegerTypeGetWidth(mlirShapedTypeGetElementType(t)) != 8 || mlirShapedTypeGetRank(t) != 1)
    return qcc_status_make(QCC_ERR_INVALID, "%s: " QCC_ATTR_PACKED_WEIGHTS " must be a dense tensor<Nxi8>; %s", s->where, redo);
  size_t n = (size_t)mlirShapedTypeGetDimSize(t, 0);
  void *buf = aligned(n);
  if (!buf) return unsupported(s, "out of memory");
  memcpy(buf, mlirDenseElementsAttrGetRawData(a), n);
  free(s->packed);
  s->packed = buf, s->packed_size = n;
  qrt_q8_packed_info_t in;
  if (qrt_q8_packed_info(buf, n, &in) != QRT_OK)
    return qcc_status_make(QCC_ERR_INVALID, "%s: " QCC_ATTR_PACKED_WEIGHTS " is not a libqrt packed int8 buffer; %s", s->where, redo);
  MlirAttribute va = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(QCC_ATTR_PACKED_VARIANT));
  MlirStringRef vn = mlirAttributeIsAString(va) ? mlirStringAttrGetValue(va) : mlirStringRefCreateFromCString("");
  const char *packed_for = qrt_isa_name(in.variant);
  if (strlen(packed_for) != vn.length || strncmp(packed_for, vn.data, vn.length))
    return qcc_status_make(QCC_ERR_INVALID, "%s: " QCC_ATTR_PACKED_VARIANT " is '%.*s' but the packed bytes are for the %s row; %s",
                           s->where, (int)vn.length, vn.data, packed_for, redo);
  const bool kind_ok = in.kind == kind || (kind == QRT_Q8_PACKED_CONV && in.kind == QRT_Q8_PACKED_DWCONV);
  const int64_t got[6] = {in.c_in, in.c_out, in.groups, in.kernel_h, in.kernel_w, in.k};
  bool same = kind_ok && !memcmp(got, dims, sizeof got) && in.w_type == wq->type;
  same = same && in.x_type == xq->type && (!yq || in.x_zero_point == xq->zero_point);
  if (same && yq)
    same = in.y_type == yq->type && in.y_zero_point == yq->zero_point && in.y_qmin == yq->qmin && in.y_qmax == yq->qmax;
  if (!same)
    return qcc_status_make(QCC_ERR_INVALID, "%s: " QCC_ATTR_PACKED_WEIGHTS " was packed for another op (shape, types or "
                           "zero points differ from this one's); %s", s->where, redo);
  *taken = true;
  return NULL;
}

/* ---------------------------------------------------------------- conv */
static qcc_status_t run_qconv(qcc_executor *ex, ex_step *s, void *scratch) {
  qrt_layout_t xl, yl;
  ex_conv_layouts(ex, s, &xl, &yl);
  KCHECK(qrt_q8_conv2d_packed_layout_mt(ex_pool(ex), &s->u.conv.p, s->u.conv.n, s->u.conv.c_in, s->u.conv.h,
                                        s->u.conv.w, IN(0), xl, s->u.conv.c_out, s->packed, OUT(0), yl, scratch,
                                        s->scratch));
  return NULL;
}

/* ---------------------------------------------------------------- layouts */
/* qcc.layout_group of the op defining v (qcc-select-layout), 0 when none. */
static int64_t layout_group_of(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return 0;
  MlirAttribute a = mlirOperationGetAttributeByName(mlirOpResultGetOwner(v),
                                                    mlirStringRefCreateFromCString(QCC_ATTR_LAYOUT_GROUP));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) && mlirIntegerAttrGetValueInt(a) > 0 ? mlirIntegerAttrGetValueInt(a) : 0;
}

static bool layout_nchw(const qcc_executor *ex, int64_t grp) {
  return grp <= 0 || grp >= EX_LAYOUT_GROUPS || (ex->layout_nchw[grp / 64] >> (grp % 64) & 1);
}

/* A class some convolution cannot run in NCHW4C runs NCHW everywhere. */
static void layout_demote(qcc_executor *ex, int64_t grp) {
  if (grp > 0 && grp < EX_LAYOUT_GROUPS) ex->layout_nchw[grp / 64] |= 1ull << (grp % 64);
}

void ex_conv_layouts(const qcc_executor *ex, const ex_step *s, qrt_layout_t *x_layout, qrt_layout_t *y_layout) {
  const bool conv = s->kind == QCC_OP_qconv2d;
  *x_layout = conv && !layout_nchw(ex, s->u.conv.x_grp) ? QRT_LAYOUT_NCHW4C : QRT_LAYOUT_NCHW;
  *y_layout = conv && !layout_nchw(ex, s->u.conv.y_grp) ? QRT_LAYOUT_NCHW4C : QRT_LAYOUT_NCHW;
}

static qcc_status_t conv_params(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *w = SLOT(1), *y = OSLOT(0);
  if (x->rank != 4 || w->rank != 4 || y->rank != 4) return unsupported(s, "only 2-D convolution (rank-4 NCHW) runs");
  int64_t st[2], pd[4], dl[2];
  if (qcc_get_i64s(op, QCC_ATTR_strides, st, 2) != 2 || qcc_get_i64s(op, QCC_ATTR_pads, pd, 4) != 4 ||
      qcc_get_i64s(op, QCC_ATTR_dilations, dl, 2) != 2)
    return unsupported(s, "strides/pads/dilations must have 2/4/2 values");
  qrt_conv2d_params_t *p = &s->u.conv.p;
  qrt_conv2d_params_init(p, w->shape[2], w->shape[3]);
  p->groups = qcc_get_i64(op, QCC_ATTR_group);
  p->stride_h = st[0], p->stride_w = st[1];
  p->pad_top = pd[0], p->pad_left = pd[1], p->pad_bottom = pd[2], p->pad_right = pd[3];
  p->dilation_h = dl[0], p->dilation_w = dl[1];
  s->u.conv.n = x->shape[0], s->u.conv.c_in = x->shape[1], s->u.conv.h = x->shape[2], s->u.conv.w = x->shape[3];
  s->u.conv.c_out = w->shape[0];
  s->u.conv.x_grp = layout_group_of(mlirOperationGetOperand(op, 0));
  s->u.conv.y_grp = layout_group_of(mlirOperationGetResult(op, 0));
  return NULL;
}

/* Weights known only at run time (e.g. an ONNX QLinearConv test feeding them
 * as inputs): the unpacked kernel. */
static qcc_status_t run_qconv_unpacked(qcc_executor *ex, ex_step *s, void *scratch) {
  q8_params *p = qp(s);
  bool bias = s->n_in > 2 && s->in[2] >= 0;
  KCHECK(qrt_q8_conv2d(&s->u.conv.p, s->u.conv.n, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, &p->a, IN(0),
                       s->u.conv.c_out, &p->w, IN(1), bias ? (const int32_t *)IN(2) : NULL, &p->y, OUT(0), scratch,
                       s->scratch));
  return NULL;
}

static qcc_status_t plan_qconv(qcc_executor *ex, MlirOperation op, ex_step *s) {
  QCC_RETURN_IF_ERROR(conv_params(ex, op, s));
  bool bias = s->n_in > 2 && s->in[2] >= 0;
  if (!is_const_slot(ex, s->in[1]) || (bias && !is_const_slot(ex, s->in[2]))) {
    QCC_RETURN_IF_ERROR(alloc_params(s));
    q8_params *p = qp(s);
    QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 0), &p->a));
    QCC_RETURN_IF_ERROR(out_of(s, op, &p->y, true));
    QCC_RETURN_IF_ERROR(weights_of(s, mlirOperationGetOperand(op, 1), s->u.conv.c_out, &p->w));
    s->scratch = qrt_q8_conv2d_unpacked_scratch_size(&s->u.conv.p, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, s->u.conv.c_out);
    s->run = run_qconv_unpacked;
    layout_demote(ex, s->u.conv.x_grp), layout_demote(ex, s->u.conv.y_grp); /* reads and writes NCHW */
    return NULL;
  }
  qrt_q8_act_t xq;
  qrt_q8_output_t yq;
  qrt_q8_weights_t wq;
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 0), &xq));
  QCC_RETURN_IF_ERROR(out_of(s, op, &yq, true));
  QCC_RETURN_IF_ERROR(weights_of(s, mlirOperationGetOperand(op, 1), s->u.conv.c_out, &wq));
  const qrt_conv2d_params_t *cp = &s->u.conv.p;
  const int64_t dims[6] = {s->u.conv.c_in, s->u.conv.c_out, cp->groups, cp->kernel_h, cp->kernel_w,
                           s->u.conv.c_in / (cp->groups > 0 ? cp->groups : 1) * cp->kernel_h * cp->kernel_w};
  bool taken;
  QCC_RETURN_IF_ERROR(ir_packed(op, s, QRT_Q8_PACKED_CONV, &xq, &yq, &wq, dims, &taken));
  if (!taken) {
    QCC_RETURN_IF_ERROR(packed_room(s, qrt_q8_conv2d_packed_weights_size(cp, s->u.conv.c_in, s->u.conv.c_out)));
    KCHECK(qrt_q8_conv2d_pack_weights(cp, s->u.conv.c_in, s->u.conv.c_out, &xq, &wq, IN(1),
                                      bias ? (const int32_t *)IN(2) : NULL, &yq, s->packed, s->packed_size));
  }
  QCC_RETURN_IF_ERROR(attached_multipliers(op, s, s->u.conv.c_out));
  /* this convolution's row decides for the classes it reads and writes */
  if (!qrt_q8_conv2d_layout_supported(s->packed, QRT_LAYOUT_NCHW4C, QRT_LAYOUT_NCHW)) layout_demote(ex, s->u.conv.x_grp);
  if (!qrt_q8_conv2d_layout_supported(s->packed, QRT_LAYOUT_NCHW, QRT_LAYOUT_NCHW4C)) layout_demote(ex, s->u.conv.y_grp);
  /* depthwise convolutions give each thread its own planes (qrt_q8.h) */
  s->scratch = qrt_q8_conv2d_scratch_size_mt(&s->u.conv.p, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, s->u.conv.c_out,
                                             ex_threads(ex));
  s->run = run_qconv;
  return NULL;
}

/* ---------------------------------------------------------------- gemm */
static qcc_status_t run_qgemm(qcc_executor *ex, ex_step *s, void *scratch) {
  KCHECK(qrt_q8_gemm_packed_mt(ex_pool(ex), s->u.gemm.m, s->u.gemm.n, s->u.gemm.k, IN(0), s->u.gemm.k, s->packed,
                               OUT(0), s->u.gemm.n, scratch, s->scratch));
  return NULL;
}

static qcc_status_t plan_qgemm(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *w = SLOT(1);
  bool bias = s->n_in > 2 && s->in[2] >= 0;
  if (!is_const_slot(ex, s->in[1]) || (bias && !is_const_slot(ex, s->in[2])))
    return unsupported(s, "qgemm needs constant weights and bias");
  s->u.gemm.m = x->shape[0], s->u.gemm.k = x->shape[1], s->u.gemm.n = w->shape[0];
  qrt_q8_act_t xq;
  qrt_q8_output_t yq;
  qrt_q8_weights_t wq;
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 0), &xq));
  QCC_RETURN_IF_ERROR(out_of(s, op, &yq, true));
  QCC_RETURN_IF_ERROR(weights_of(s, mlirOperationGetOperand(op, 1), s->u.gemm.n, &wq));
  const int64_t dims[6] = {s->u.gemm.k, s->u.gemm.n, 1, 1, 1, s->u.gemm.k};
  bool taken;
  QCC_RETURN_IF_ERROR(ir_packed(op, s, QRT_Q8_PACKED_GEMM, &xq, &yq, &wq, dims, &taken));
  if (!taken) {
    QCC_RETURN_IF_ERROR(packed_room(s, qrt_q8_gemm_packed_weights_size(s->u.gemm.n, s->u.gemm.k)));
    KCHECK(qrt_q8_gemm_pack_weights(s->u.gemm.n, s->u.gemm.k, &xq, &wq, IN(1), bias ? (const int32_t *)IN(2) : NULL,
                                    &yq, s->packed, s->packed_size));
  }
  QCC_RETURN_IF_ERROR(attached_multipliers(op, s, s->u.gemm.n));
  s->scratch = qrt_q8_gemm_scratch_size(s->u.gemm.m, s->u.gemm.n, s->u.gemm.k);
  s->run = run_qgemm;
  return NULL;
}

/* --------------------------------------------------------- gemm, dynamic */
/* x [M, K] f32 -> u8 per row (scratch: M*K bytes, then M scales and zero
 * points) -> integer gemm with the packed weights -> f32 y [M, N] + bias. */
static qcc_status_t run_qgemm_dynamic(qcc_executor *ex, ex_step *s, void *scratch) {
  int64_t m = s->u.gemm.m, n = s->u.gemm.n, k = s->u.gemm.k;
  /* the rows: an earlier step's (dq_src), this step's kept ones (dq_buf), or scratch */
  const ex_step *src = s->dq_src ? &ex->steps[s->dq_src - 1] : NULL;
  uint8_t *xq = src ? src->dq_buf : s->dq_buf ? s->dq_buf : scratch;
  size_t off = ((size_t)(m * k) + 63) & ~(size_t)63;
  float *xs = (float *)((char *)xq + off);
  int32_t *xz = (int32_t *)(xs + m);
  size_t used = ex_dq_rows_bytes(m, k);
  if (!src) KCHECK(qrt_q8_dynamic_quantize_rows_mt(ex_pool(ex), QRT_DTYPE_U8, 0, m, k, IN(0), xq, xs, xz));
  KCHECK(qrt_q8_gemm_dynamic_packed_mt(ex_pool(ex), m, n, k, xq, k, xs, xz, 1, s->packed, OUT(0), n,
                                       (char *)scratch + used, s->scratch - used));
  return NULL;
}

static qcc_status_t plan_qgemm_dynamic(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0), *w = SLOT(1);
  bool bias = s->n_in > 2 && s->in[2] >= 0;
  if (!is_const_slot(ex, s->in[1]) || (bias && !is_const_slot(ex, s->in[2])))
    return unsupported(s, "qgemm_dynamic needs constant weights and bias");
  s->u.gemm.k = x->shape[x->rank - 1];
  s->u.gemm.m = x->numel / (s->u.gemm.k ? s->u.gemm.k : 1);
  s->u.gemm.n = w->shape[0];
  qrt_q8_weights_t wq;
  QCC_RETURN_IF_ERROR(weights_of(s, mlirOperationGetOperand(op, 1), s->u.gemm.n, &wq));
  const int64_t dims[6] = {s->u.gemm.k, s->u.gemm.n, 1, 1, 1, s->u.gemm.k};
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.0f, 0}; /* the row quantizer's type; zero points vary per row */
  bool taken;
  QCC_RETURN_IF_ERROR(ir_packed(op, s, QRT_Q8_PACKED_GEMM_DYNAMIC, &xq, NULL, &wq, dims, &taken));
  if (!taken) {
    QCC_RETURN_IF_ERROR(packed_room(s, qrt_q8_gemm_packed_weights_size(s->u.gemm.n, s->u.gemm.k)));
    KCHECK(qrt_q8_gemm_pack_weights_dynamic(s->u.gemm.n, s->u.gemm.k, QRT_DTYPE_U8, &wq, IN(1),
                                            bias ? (const float *)IN(2) : NULL, s->packed, s->packed_size));
  }
  size_t xbytes = ((size_t)(s->u.gemm.m * s->u.gemm.k) + 63) & ~(size_t)63;
  s->scratch = xbytes + (size_t)s->u.gemm.m * (sizeof(float) + sizeof(int32_t)) + 64 +
               qrt_q8_gemm_scratch_size(s->u.gemm.m, s->u.gemm.n, s->u.gemm.k);
  s->run = run_qgemm_dynamic;
  return NULL;
}

qcc_status_t ex_qgemm_dynamic_add_bias(qcc_executor *ex, MlirOperation qop, ex_step *s, const float *bias) {
  qrt_q8_weights_t wq;
  free(s->fbuf), free(s->ibuf);
  s->fbuf = NULL, s->ibuf = NULL;
  QCC_RETURN_IF_ERROR(weights_of(s, mlirOperationGetOperand(qop, 1), s->u.gemm.n, &wq));
  QCC_RETURN_IF_ERROR(packed_room(s, qrt_q8_gemm_packed_weights_size(s->u.gemm.n, s->u.gemm.k)));
  KCHECK(qrt_q8_gemm_pack_weights_dynamic(s->u.gemm.n, s->u.gemm.k, QRT_DTYPE_U8, &wq, IN(1), bias, s->packed,
                                          s->packed_size));
  return NULL;
}

/* ------------------------------------------------------- binary (broadcast) */
/* Strides (elements) of x broadcast to y's shape; 0 on broadcast dims. */
static qcc_status_t strides_to(const ex_step *s, const ex_slot *y, const ex_slot *x, int64_t *st) {
  if (x->rank > y->rank) return unsupported(s, "operand rank exceeds the result's");
  int64_t acc = 1;
  for (int i = y->rank - 1, j = x->rank - 1; i >= 0; --i, --j) {
    int64_t d = j >= 0 ? x->shape[j] : 1;
    if (d != 1 && d != y->shape[i]) return unsupported(s, "operand does not broadcast to the result");
    st[i] = d == 1 ? 0 : acc;
    acc *= d;
  }
  return NULL;
}



static qcc_status_t run_qbinary(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  q8_params *p = qp(s);
  KCHECK(qrt_q8_binary_mt(ex_pool(ex), s->kind == QCC_OP_qadd ? QRT_Q8_ADD : QRT_Q8_MUL, s->u.bin.rank,
                          s->u.bin.shape, &p->a, IN(0), s->u.bin.sa, &p->b, IN(1), s->u.bin.sb, &p->y, OUT(0)));
  return NULL;
}

static qcc_status_t plan_qbinary(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *y = OSLOT(0);
  QCC_RETURN_IF_ERROR(alloc_params(s));
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 0), &qp(s)->a));
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 1), &qp(s)->b));
  QCC_RETURN_IF_ERROR(out_of(s, op, &qp(s)->y, true));
  s->u.bin.rank = y->rank;
  memcpy(s->u.bin.shape, y->shape, sizeof y->shape);
  QCC_RETURN_IF_ERROR(strides_to(s, y, SLOT(0), s->u.bin.sa));
  QCC_RETURN_IF_ERROR(strides_to(s, y, SLOT(1), s->u.bin.sb));
  s->run = run_qbinary;
  return NULL;
}

/* ---------------------------------------------------------------- matmul */
static qcc_status_t run_qmatmul(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  q8_params *p = qp(s);
  bool integer = s->kind == QCC_OP_matmul_integer;
  if (integer) p->a.zero_point = zero_point_at(ex, s, 2), p->b.zero_point = zero_point_at(ex, s, 3);
  qrt_q8_matrix_t a = {p->a.type, IN(0), s->u.mm.as, integer ? NULL : &p->a.scale, &p->a.zero_point, NULL, 0};
  qrt_q8_matrix_t b = {p->b.type, IN(1), s->u.mm.bs, integer ? NULL : &p->b.scale, &p->b.zero_point, NULL, 0};
  if (integer)
    KCHECK(qrt_q8_matmul_integer(s->u.mm.brank, s->u.mm.bshape, s->u.mm.m, s->u.mm.n, s->u.mm.k, &a, &b, OUT(0)));
  else
    KCHECK(qrt_q8_matmul(s->u.mm.brank, s->u.mm.bshape, s->u.mm.m, s->u.mm.n, s->u.mm.k, &a, &b, &p->y, OUT(0)));
  return NULL;
}

/* Batch dims of a [.., M, K] x [.., K, N] product: batch shape and the
 * element strides of each operand's matrices (0 where broadcast). */
static qcc_status_t matmul_dims(qcc_executor *ex, ex_step *s) {
  ex_slot *a = SLOT(0), *b = SLOT(1), *y = OSLOT(0);
  if (a->rank < 2 || b->rank < 2) return unsupported(s, "quantized matmul needs operands of rank >= 2");
  s->u.mm.m = a->shape[a->rank - 2], s->u.mm.k = a->shape[a->rank - 1], s->u.mm.n = b->shape[b->rank - 1];
  int br = y->rank - 2;
  s->u.mm.brank = br;
  int64_t sa = s->u.mm.m * s->u.mm.k, sb = s->u.mm.k * s->u.mm.n;
  for (int i = br - 1, ia = a->rank - 3, ib = b->rank - 3; i >= 0; --i, --ia, --ib) {
    int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
    s->u.mm.bshape[i] = y->shape[i];
    s->u.mm.as[i] = da == 1 ? 0 : sa;
    s->u.mm.bs[i] = db == 1 ? 0 : sb;
    sa *= da, sb *= db;
  }
  return NULL;
}

static qcc_status_t plan_qmatmul(qcc_executor *ex, MlirOperation op, ex_step *s) {
  QCC_RETURN_IF_ERROR(alloc_params(s));
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 0), &qp(s)->a));
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 1), &qp(s)->b));
  QCC_RETURN_IF_ERROR(out_of(s, op, &qp(s)->y, false));
  QCC_RETURN_IF_ERROR(matmul_dims(ex, s));
  s->run = run_qmatmul;
  return NULL;
}

static qcc_status_t int8_type(const ex_step *s, const ex_slot *x, qrt_dtype_t *t) {
  if (x->dtype == QCC_NPY_U8) *t = QRT_DTYPE_U8;
  else if (x->dtype == QCC_NPY_I8) *t = QRT_DTYPE_I8;
  else return unsupported(s, "operands must be u8 or i8");
  return NULL;
}

static qcc_status_t plan_matmul_integer(qcc_executor *ex, MlirOperation op, ex_step *s) {
  (void)op;
  QCC_RETURN_IF_ERROR(alloc_params(s));
  QCC_RETURN_IF_ERROR(int8_type(s, SLOT(0), &qp(s)->a.type));
  QCC_RETURN_IF_ERROR(int8_type(s, SLOT(1), &qp(s)->b.type));
  QCC_RETURN_IF_ERROR(check_zero_point(ex, s, 2));
  QCC_RETURN_IF_ERROR(check_zero_point(ex, s, 3));
  QCC_RETURN_IF_ERROR(matmul_dims(ex, s));
  s->run = run_qmatmul;
  return NULL;
}

/* ---------------------------------------------------------- conv_integer */
static qcc_status_t run_conv_integer(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  q8_params *p = qp(s);
  p->a.zero_point = zero_point_at(ex, s, 2), p->b.zero_point = zero_point_at(ex, s, 3);
  qrt_q8_weights_t wq = {p->b.type, 0, NULL, 1, &p->b.zero_point};
  KCHECK(qrt_q8_conv_integer(&s->u.conv.p, s->u.conv.n, s->u.conv.c_in, s->u.conv.h, s->u.conv.w, p->a.type,
                             p->a.zero_point, IN(0), s->u.conv.c_out, &wq, IN(1), OUT(0)));
  return NULL;
}

static qcc_status_t plan_conv_integer(qcc_executor *ex, MlirOperation op, ex_step *s) {
  QCC_RETURN_IF_ERROR(conv_params(ex, op, s));
  QCC_RETURN_IF_ERROR(alloc_params(s));
  QCC_RETURN_IF_ERROR(int8_type(s, SLOT(0), &qp(s)->a.type));
  QCC_RETURN_IF_ERROR(int8_type(s, SLOT(1), &qp(s)->b.type));
  QCC_RETURN_IF_ERROR(check_zero_point(ex, s, 2));
  QCC_RETURN_IF_ERROR(check_zero_point(ex, s, 3));
  s->run = run_conv_integer;
  return NULL;
}

/* ------------------------------------------------------ dynamic_quantize */
static qcc_status_t run_dynq(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_q8_dynamic_quantize_linear(SLOT(0)->numel, IN(0), OUT(0), OUT(1), OUT(2)));
  return NULL;
}

static qcc_status_t plan_dynq(qcc_executor *ex, MlirOperation op, ex_step *s) {
  (void)op;
  if (SLOT(0)->dtype != QCC_NPY_F32) return unsupported(s, "dynamic_quantize needs f32 input");
  s->run = run_dynq;
  return NULL;
}

/* ----------------------------------------------------------------- pools */
static qcc_status_t run_qavg(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  q8_params *p = qp(s);
  if (s->kind == QCC_OP_qglobal_avg_pool)
    KCHECK(qrt_q8_global_avg_pool(s->u.pool.n, s->u.pool.c, s->u.pool.h, &p->a, IN(0), &p->y, OUT(0)));
  else
    KCHECK(qrt_q8_avg_pool2d(&s->u.pool.p, s->u.pool.n, s->u.pool.c, s->u.pool.h, s->u.pool.w, &p->a, IN(0), &p->y,
                             OUT(0)));
  return NULL;
}

static qcc_status_t plan_qavg(qcc_executor *ex, MlirOperation op, ex_step *s) {
  ex_slot *x = SLOT(0);
  QCC_RETURN_IF_ERROR(alloc_params(s));
  QCC_RETURN_IF_ERROR(act_of(s, mlirOperationGetOperand(op, 0), &qp(s)->a));
  QCC_RETURN_IF_ERROR(out_of(s, op, &qp(s)->y, false));
  s->run = run_qavg;
  if (s->kind == QCC_OP_qglobal_avg_pool) {
    int64_t sp = 1;
    for (int i = 2; i < x->rank; ++i) sp *= x->shape[i];
    s->u.pool.n = x->shape[0], s->u.pool.c = x->shape[1], s->u.pool.h = sp;
    return NULL;
  }
  if (x->rank != 4) return unsupported(s, "only 2-D pooling runs");
  int64_t kn[2], st[2], pd[4];
  if (qcc_get_i64s(op, QCC_ATTR_kernel, kn, 2) != 2 || qcc_get_i64s(op, QCC_ATTR_strides, st, 2) != 2 ||
      qcc_get_i64s(op, QCC_ATTR_pads, pd, 4) != 4)
    return unsupported(s, "kernel/strides/pads must have 2/2/4 values");
  qrt_pool2d_params_t *p = &s->u.pool.p;
  qrt_pool2d_params_init(p, kn[0], kn[1]);
  p->stride_h = st[0], p->stride_w = st[1];
  p->pad_top = pd[0], p->pad_left = pd[1], p->pad_bottom = pd[2], p->pad_right = pd[3];
  p->ceil_mode = (int)qcc_get_i64(op, QCC_ATTR_ceil_mode);
  p->count_include_pad = (int)qcc_get_i64(op, QCC_ATTR_count_include_pad);
  s->u.pool.n = x->shape[0], s->u.pool.c = x->shape[1], s->u.pool.h = x->shape[2], s->u.pool.w = x->shape[3];
  return NULL;
}

/* ------------------------------------------------------------------- lut */
static qcc_status_t run_lut(qcc_executor *ex, ex_step *s, void *scratch) {
  (void)scratch;
  KCHECK(qrt_q8_lut(SLOT(0)->numel, qp(s)->table, IN(0), OUT(0)));
  return NULL;
}

static qcc_status_t plan_lut(qcc_executor *ex, MlirOperation op, ex_step *s) {
  (void)ex;
  QCC_RETURN_IF_ERROR(alloc_params(s));
  MlirAttribute t = qcc_op_attr(op, QCC_ATTR_table);
  if (mlirAttributeIsNull(t) || !mlirAttributeIsADenseElements(t) || mlirElementsAttrGetNumElements(t) != 256)
    return unsupported(s, "lut needs a 256-entry table");
  if (mlirDenseElementsAttrIsSplat(t)) {
    memset(qp(s)->table, (int)mlirDenseElementsAttrGetUInt8SplatValue(t), 256);
  } else {
    memcpy(qp(s)->table, mlirDenseElementsAttrGetRawData(t), 256);
  }
  s->run = run_lut;
  return NULL;
}

qcc_status_t ex_plan_qop(qcc_executor *ex, MlirOperation op, ex_step *s) {
  switch (s->kind) {
    case QCC_OP_qconv2d: return plan_qconv(ex, op, s);
    case QCC_OP_qgemm: return plan_qgemm(ex, op, s);
    case QCC_OP_qgemm_dynamic: return plan_qgemm_dynamic(ex, op, s);
    case QCC_OP_qmatmul: return plan_qmatmul(ex, op, s);
    case QCC_OP_qadd: case QCC_OP_qmul: return plan_qbinary(ex, op, s);
    case QCC_OP_qavg_pool: case QCC_OP_qglobal_avg_pool: return plan_qavg(ex, op, s);
    case QCC_OP_lut: return plan_lut(ex, op, s);
    case QCC_OP_matmul_integer: return plan_matmul_integer(ex, op, s);
    case QCC_OP_conv_integer: return plan_conv_integer(ex, op, s);
    case QCC_OP_dynamic_quantize: return plan_dynq(ex, op, s);
    default: return unsupported(s, "the executor has no kernel for this op");
  }
}

/* The step's s->packed is libqrt packed int8 weights (qcc-pack-weights reads them). */
bool ex_q8_packed_step(const ex_step *s) {
  return s->run == run_qconv || s->run == run_qgemm || s->run == run_qgemm_dynamic;
}
