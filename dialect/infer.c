/* Result-type rules for every qcc op (see infer.h). */
#include "infer.h"

#include <stdio.h>
#include <string.h>

#include "mlir-c/Dialect/Quant.h"

bool qcc_type_shape(MlirType t, qcc_shape *out) {
  if (mlirTypeIsNull(t) || !mlirTypeIsARankedTensor(t)) return false;
  intptr_t r = mlirShapedTypeGetRank(t);
  if (r > QCC_MAX_RANK) return false;
  out->rank = (int)r;
  for (intptr_t i = 0; i < r; ++i) {
    if (mlirShapedTypeIsDynamicDim(t, i)) return false;
    out->d[i] = mlirShapedTypeGetDimSize(t, i);
  }
  return true;
}

MlirType qcc_tensor_type(MlirType elem, const qcc_shape *s) {
  return mlirRankedTensorTypeGet(s->rank, s->d, elem, mlirAttributeGetNull());
}

MlirType qcc_type_elem(MlirType t) { return mlirShapedTypeGetElementType(t); }

int64_t qcc_shape_numel(const qcc_shape *s) {
  int64_t n = 1;
  for (int i = 0; i < s->rank; ++i) {
    if (s->d[i] < 0) return -1;
    if (s->d[i] && n > INT64_MAX / s->d[i]) return -1;
    n *= s->d[i];
  }
  return n;
}

const char *qcc_shape_str(const qcc_shape *s, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  if (s->rank == 0) { snprintf(buf, n, "scalar"); return buf; }
  for (int i = 0; i < s->rank && k < n; ++i)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "x" : "", (long long)s->d[i]);
  return buf;
}

typedef struct { char *buf; size_t n, k; } strbuf;
static void sb_cb(MlirStringRef s, void *ud) {
  strbuf *b = ud;
  for (size_t i = 0; i < s.length && b->k + 1 < b->n; ++i) b->buf[b->k++] = s.data[i];
  b->buf[b->k] = 0;
}
const char *qcc_type_str(MlirType t, char *buf, size_t n) {
  strbuf b = {buf, n, 0};
  buf[0] = 0;
  if (!mlirTypeIsNull(t)) mlirTypePrint(t, sb_cb, &b);
  return buf;
}

bool qcc_broadcast_shapes(const qcc_shape *a, const qcc_shape *b, qcc_shape *out) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  qcc_shape o = {r, {0}};
  for (int i = 0; i < r; ++i) {
    int ia = a->rank - r + i, ib = b->rank - r + i;
    int64_t da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
    if (da == db || db == 1) o.d[i] = da;
    else if (da == 1) o.d[i] = db;
    else return false;
  }
  *out = o;
  return true;
}

/* ---- helpers ---- */
#define FAIL(...) return qcc_status_make(QCC_ERR_INVALID, __VA_ARGS__)

typedef struct {
  MlirContext ctx;
  intptr_t n_attrs;
  const MlirNamedAttribute *attrs;
} actx;

static qcc_status_t get_i64(actx *a, qcc_attr_id id, int64_t *v) {
  if (!qcc_attr_as_i64(qcc_attrs_find(a->n_attrs, a->attrs, id), v))
    FAIL("attribute '%s' must be an integer", qcc_attr_name(id));
  return NULL;
}
static qcc_status_t get_f32(actx *a, qcc_attr_id id, float *v) {
  if (!qcc_attr_as_f32(qcc_attrs_find(a->n_attrs, a->attrs, id), v))
    FAIL("attribute '%s' must be a float", qcc_attr_name(id));
  return NULL;
}
/* Exactly `want` values (want < 0: any count up to max); count in *n. */
static qcc_status_t get_i64s(actx *a, qcc_attr_id id, int64_t *v, intptr_t want, intptr_t *n) {
  intptr_t c = qcc_attr_as_i64s(qcc_attrs_find(a->n_attrs, a->attrs, id), v, 2 * QCC_MAX_RANK);
  if (c < 0) FAIL("attribute '%s' must be array<i64>", qcc_attr_name(id));
  if (c > 2 * QCC_MAX_RANK) FAIL("attribute '%s' has %ld values (at most %d)", qcc_attr_name(id), (long)c, 2 * QCC_MAX_RANK);
  if (want >= 0 && c != want) FAIL("attribute '%s' must have %ld values, has %ld", qcc_attr_name(id), (long)want, (long)c);
  if (n) *n = c;
  return NULL;
}
static qcc_status_t get_str(actx *a, qcc_attr_id id, MlirStringRef *s) {
  if (!qcc_attr_as_str(qcc_attrs_find(a->n_attrs, a->attrs, id), s))
    FAIL("attribute '%s' must be a string", qcc_attr_name(id));
  return NULL;
}
static bool str_in(MlirStringRef s, const char *const *opts) {
  for (; *opts; ++opts)
    if (qcc_str_eq(s, *opts)) return true;
  return false;
}

static qcc_status_t shape_of(MlirType t, const char *what, qcc_shape *s) {
  if (!qcc_type_shape(t, s)) {
    char b[128];
    FAIL("%s must be a statically shaped tensor of rank <= %d, got %s", what, QCC_MAX_RANK, qcc_type_str(t, b, sizeof b));
  }
  if (qcc_shape_numel(s) < 0) FAIL("%s has an element count that overflows", what);
  return NULL;
}

static bool is_float(MlirType e) { return mlirTypeIsAFloat(e); }
static bool is_int_of(MlirType e, unsigned w) { return mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == w; }

/* Set or check out[i] against the computed type. */
static qcc_status_t produce(MlirType *out, int i, MlirType want) {
  if (mlirTypeIsNull(out[i])) { out[i] = want; return NULL; }
  if (!mlirTypeEqual(out[i], want)) {
    char b1[160], b2[160];
    FAIL("result #%d has type %s but the operands and attributes give %s", i,
         qcc_type_str(out[i], b1, sizeof b1), qcc_type_str(want, b2, sizeof b2));
  }
  return NULL;
}
static qcc_status_t need_given(MlirType *out, intptr_t n_out) {
  for (intptr_t i = 0; i < n_out; ++i)
    if (mlirTypeIsNull(out[i])) FAIL("result #%ld type must be given (it is not inferable)", (long)i);
  return NULL;
}

static qcc_status_t conv_out(actx *a, const qcc_shape *x, const qcc_shape *w, bool transpose,
                             qcc_shape *y) {
  int64_t st[16], pd[16], dl[16], op[16] = {0, 0}, g;
  QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_strides, st, 2, NULL));
  QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_pads, pd, 4, NULL));
  QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_dilations, dl, 2, NULL));
  QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_group, &g));
  if (transpose) QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_output_padding, op, 2, NULL));
  if (x->rank != 4) FAIL("input must be 4-D NCHW, has rank %d", x->rank);
  if (w->rank != 4) FAIL("weights must be 4-D, have rank %d", w->rank);
  if (g < 1) FAIL("group must be >= 1, is %lld", (long long)g);
  for (int i = 0; i < 2; ++i) {
    if (st[i] < 1 || dl[i] < 1) FAIL("strides and dilations must be >= 1");
    if (op[i] < 0) FAIL("output_padding must be >= 0");
  }
  for (int i = 0; i < 4; ++i)
    if (pd[i] < 0) FAIL("pads must be >= 0");
  int64_t C = x->d[1];
  y->rank = 4;
  y->d[0] = x->d[0];
  if (!transpose) {
    if (C % g || w->d[0] % g) FAIL("channels (%lld in, %lld out) must be divisible by group %lld", (long long)C, (long long)w->d[0], (long long)g);
    if (w->d[1] != C / g) FAIL("weights have %lld input channels per group, input gives %lld / group %lld", (long long)w->d[1], (long long)C, (long long)g);
    y->d[1] = w->d[0];
  } else {
    if (w->d[0] != C) FAIL("transposed-conv weights have %lld input channels, input has %lld", (long long)w->d[0], (long long)C);
    if (C % g) FAIL("input channels %lld not divisible by group %lld", (long long)C, (long long)g);
    y->d[1] = w->d[1] * g;
  }
  for (int i = 0; i < 2; ++i) {
    int64_t in = x->d[2 + i], k = w->d[2 + i];
    int64_t ek = dl[i] * (k - 1) + 1;
    int64_t o;
    if (!transpose) {
      int64_t span = in + pd[i] + pd[i + 2] - ek;
      if (span < 0) FAIL("kernel extent %lld exceeds padded input %lld in spatial dim %d", (long long)ek, (long long)(in + pd[i] + pd[i + 2]), i);
      o = span / st[i] + 1;
    } else {
      o = st[i] * (in - 1) + op[i] + ek - pd[i] - pd[i + 2];
      if (o < 1) FAIL("transposed convolution output size %lld < 1 in spatial dim %d", (long long)o, i);
    }
    y->d[2 + i] = o;
  }
  return NULL;
}

static qcc_status_t pool_out(actx *a, const qcc_shape *x, bool has_dil, qcc_shape *y) {
  int64_t k[16], st[16], pd[16], dl[16] = {1, 1}, ceil_mode;
  QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_kernel, k, 2, NULL));
  QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_strides, st, 2, NULL));
  QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_pads, pd, 4, NULL));
  if (has_dil) QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_dilations, dl, 2, NULL));
  QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_ceil_mode, &ceil_mode));
  if (x->rank != 4) FAIL("input must be 4-D NCHW, has rank %d", x->rank);
  *y = *x;
  for (int i = 0; i < 2; ++i) {
    if (k[i] < 1 || st[i] < 1 || dl[i] < 1) FAIL("kernel, strides and dilations must be >= 1");
    if (pd[i] < 0 || pd[i + 2] < 0) FAIL("pads must be >= 0");
    if (pd[i] >= dl[i] * (k[i] - 1) + 1 || pd[i + 2] >= dl[i] * (k[i] - 1) + 1)
      FAIL("pad must be smaller than the kernel extent");
    int64_t span = x->d[2 + i] + pd[i] + pd[i + 2] - (dl[i] * (k[i] - 1) + 1);
    if (span < 0) FAIL("kernel larger than padded input in spatial dim %d", i);
    int64_t o = ceil_mode ? (span + st[i] - 1) / st[i] + 1 : span / st[i] + 1;
    /* A window may not start inside the end padding (as PyTorch and ONNX Runtime). */
    if (ceil_mode && (o - 1) * st[i] >= x->d[2 + i] + pd[i]) o--;
    y->d[2 + i] = o;
  }
  return NULL;
}

static qcc_status_t matmul_out(const qcc_shape *a, const qcc_shape *b, qcc_shape *y) {
  if (a->rank < 1 || b->rank < 1) FAIL("matmul operands must have rank >= 1");
  qcc_shape A = *a, B = *b;
  bool va = false, vb = false;
  if (A.rank == 1) { A.rank = 2; A.d[1] = A.d[0]; A.d[0] = 1; va = true; }
  if (B.rank == 1) { B.rank = 2; B.d[1] = 1; vb = true; }
  int64_t K = A.d[A.rank - 1];
  if (B.d[B.rank - 2] != K) FAIL("matmul inner dimensions differ: %lld vs %lld", (long long)K, (long long)B.d[B.rank - 2]);
  qcc_shape ba = {A.rank - 2, {0}}, bb = {B.rank - 2, {0}}, bo;
  memcpy(ba.d, A.d, sizeof(int64_t) * (size_t)ba.rank);
  memcpy(bb.d, B.d, sizeof(int64_t) * (size_t)bb.rank);
  if (!qcc_broadcast_shapes(&ba, &bb, &bo)) FAIL("matmul batch dimensions do not broadcast");
  *y = bo;
  if (!va) y->d[y->rank++] = A.d[A.rank - 2];
  if (!vb) y->d[y->rank++] = B.d[B.rank - 1];
  if (y->rank > QCC_MAX_RANK) FAIL("rank too large");
  return NULL;
}

static qcc_status_t same_shape(const qcc_shape *a, const qcc_shape *b, const char *what) {
  if (a->rank != b->rank || memcmp(a->d, b->d, sizeof(int64_t) * (size_t)a->rank)) {
    char b1[96], b2[96];
    FAIL("%s: shapes %s and %s differ", what, qcc_shape_str(a, b1, sizeof b1), qcc_shape_str(b, b2, sizeof b2));
  }
  return NULL;
}

/* Equal shapes, as a test (same_shape makes an error status). */
static bool same_dims(const qcc_shape *a, const qcc_shape *b) {
  return a->rank == b->rank && !memcmp(a->d, b->d, sizeof(int64_t) * (size_t)a->rank);
}

static qcc_status_t check_axes(const int64_t *ax, intptr_t n, int rank, const char *what) {
  for (intptr_t i = 0; i < n; ++i) {
    if (ax[i] < 0 || ax[i] >= rank) FAIL("%s axis %lld out of range for rank %d", what, (long long)ax[i], rank);
    for (intptr_t j = 0; j < i; ++j)
      if (ax[j] == ax[i]) FAIL("%s axis %lld repeated", what, (long long)ax[i]);
  }
  return NULL;
}

static bool is_q8(MlirType e) {
  return mlirTypeIsAQuantizedType(e) && mlirQuantizedTypeGetStorageTypeIntegralWidth(e) == 8;
}

/* Fused quantized ops: operands and results carry quant types; results are
 * given (their scale and zero point are the fusion's choice). */
static qcc_status_t infer_quantized(actx *a, qcc_op_kind kind, intptr_t n_in, const MlirType *in, const qcc_shape *s,
                                    intptr_t n_out, MlirType *out) {
  QCC_RETURN_IF_ERROR(need_given(out, n_out));
  qcc_shape y = {0, {0}}, t;
  qcc_type_shape(out[0], &t);
  MlirType eo = qcc_type_elem(out[0]);
  if (!is_q8(eo) || !mlirTypeIsAUniformQuantizedType(eo)) FAIL("result must be an 8-bit per-tensor quantized tensor");
  for (intptr_t i = 0; i < n_in; ++i) {
    MlirType e = qcc_type_elem(in[i]);
    bool bias = i == 2 && (kind == QCC_OP_qconv2d || kind == QCC_OP_qgemm);
    if (bias ? !(mlirTypeIsAQuantizedType(e) && mlirQuantizedTypeGetStorageTypeIntegralWidth(e) == 32) : !is_q8(e))
      FAIL("operand #%ld must be %s", (long)i, bias ? "an int32 quantized tensor" : "an 8-bit quantized tensor");
  }
  if (kind == QCC_OP_qconv2d || kind == QCC_OP_qgemm || kind == QCC_OP_qadd || kind == QCC_OP_qmul) {
    float lo, hi;
    QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_clamp_min, &lo));
    QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_clamp_max, &hi));
    if (!(lo <= hi)) FAIL("clamp_min must not exceed clamp_max");
  }
  switch (kind) {
    case QCC_OP_qconv2d:
      QCC_RETURN_IF_ERROR(conv_out(a, &s[0], &s[1], false, &y));
      if (n_in > 2 && (s[2].rank != 1 || s[2].d[0] != y.d[1])) FAIL("bias must have shape [%lld]", (long long)y.d[1]);
      break;
    case QCC_OP_qgemm:
      if (s[0].rank != 2 || s[1].rank != 2 || s[0].d[1] != s[1].d[1]) FAIL("x must be M x K and w N x K");
      if (n_in > 2 && (s[2].rank != 1 || s[2].d[0] != s[1].d[0])) FAIL("bias must have shape [%lld]", (long long)s[1].d[0]);
      y.rank = 2, y.d[0] = s[0].d[0], y.d[1] = s[1].d[0];
      break;
    case QCC_OP_qmatmul:
      QCC_RETURN_IF_ERROR(matmul_out(&s[0], &s[1], &y));
      break;
    case QCC_OP_qadd: case QCC_OP_qmul:
      if (!qcc_broadcast_shapes(&s[0], &s[1], &y)) FAIL("operand shapes do not broadcast");
      break;
    case QCC_OP_qavg_pool: {
      int64_t c;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_count_include_pad, &c));
      QCC_RETURN_IF_ERROR(pool_out(a, &s[0], false, &y));
      break;
    }
    case QCC_OP_qglobal_avg_pool:
      if (s[0].rank < 3) FAIL("input must have rank >= 3");
      y = s[0];
      for (int i = 2; i < y.rank; ++i) y.d[i] = 1;
      break;
    case QCC_OP_lut: {
      MlirAttribute tb = qcc_attrs_find(a->n_attrs, a->attrs, QCC_ATTR_table);
      if (mlirAttributeIsNull(tb) || !mlirAttributeIsADenseElements(tb) || mlirElementsAttrGetNumElements(tb) != 256 ||
          !is_int_of(mlirShapedTypeGetElementType(mlirAttributeGetType(tb)), 8))
        FAIL("attribute 'table' must hold 256 8-bit values");
      y = s[0];
      break;
    }
    default:
      FAIL("not a fused quantized op");
  }
  return same_shape(&y, &t, qcc_op_info_get(kind)->name);
}

static qcc_status_t infer(actx *a, qcc_op_kind kind, intptr_t n_in, const MlirType *in,
                          intptr_t n_out, MlirType *out) {
  qcc_shape s[8] = {{0, {0}}};
  for (intptr_t i = 0; i < n_in && i < 8; ++i) {
    char what[32];
    snprintf(what, sizeof what, "operand #%ld", (long)i);
    QCC_RETURN_IF_ERROR(shape_of(in[i], what, &s[i]));
  }
  for (intptr_t i = 0; i < n_out; ++i)
    if (!mlirTypeIsNull(out[i])) {
      qcc_shape t;
      char what[32];
      snprintf(what, sizeof what, "result #%ld", (long)i);
      QCC_RETURN_IF_ERROR(shape_of(out[i], what, &t));
    }
  MlirType e0 = n_in ? qcc_type_elem(in[0]) : (MlirType){NULL};
  qcc_shape y = {0, {0}};
  switch (kind) {
    case QCC_OP_constant: {
      QCC_RETURN_IF_ERROR(need_given(out, n_out));
      MlirAttribute v = qcc_attrs_find(a->n_attrs, a->attrs, QCC_ATTR_value);
      if (mlirAttributeIsNull(v) || !mlirAttributeIsAElements(v)) FAIL("attribute 'value' must be dense elements");
      if (!mlirTypeEqual(mlirAttributeGetType(v), out[0])) FAIL("attribute 'value' type differs from the result type");
      return NULL;
    }
    case QCC_OP_conv2d:
    case QCC_OP_conv_transpose: {
      bool tr = kind == QCC_OP_conv_transpose;
      if (!is_float(e0)) FAIL("input must be a float tensor");
      if (!mlirTypeEqual(e0, qcc_type_elem(in[1]))) FAIL("weights must have the input's element type");
      QCC_RETURN_IF_ERROR(conv_out(a, &s[0], &s[1], tr, &y));
      if (n_in > 2 && (s[2].rank != 1 || s[2].d[0] != y.d[1]))
        FAIL("bias must have shape [%lld]", (long long)y.d[1]);
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_conv_integer: {
      if (!is_int_of(e0, 8) || !is_int_of(qcc_type_elem(in[1]), 8)) FAIL("input and weights must be 8-bit integers");
      QCC_RETURN_IF_ERROR(conv_out(a, &s[0], &s[1], false, &y));
      return produce(out, 0, qcc_tensor_type(mlirIntegerTypeGet(a->ctx, 32), &y));
    }
    case QCC_OP_matmul:
      if (!mlirTypeEqual(e0, qcc_type_elem(in[1]))) FAIL("operands must have the same element type");
      QCC_RETURN_IF_ERROR(matmul_out(&s[0], &s[1], &y));
      return produce(out, 0, qcc_tensor_type(e0, &y));
    case QCC_OP_matmul_integer:
      if (!is_int_of(e0, 8) || !is_int_of(qcc_type_elem(in[1]), 8)) FAIL("operands must be 8-bit integers");
      QCC_RETURN_IF_ERROR(matmul_out(&s[0], &s[1], &y));
      return produce(out, 0, qcc_tensor_type(mlirIntegerTypeGet(a->ctx, 32), &y));
    case QCC_OP_gemm: {
      int64_t ta, tb;
      float al, be;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_trans_a, &ta));
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_trans_b, &tb));
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_alpha, &al));
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_beta, &be));
      if (s[0].rank != 2 || s[1].rank != 2) FAIL("gemm operands must be 2-D");
      int64_t M = ta ? s[0].d[1] : s[0].d[0], K = ta ? s[0].d[0] : s[0].d[1];
      int64_t K2 = tb ? s[1].d[1] : s[1].d[0], N = tb ? s[1].d[0] : s[1].d[1];
      if (K != K2) FAIL("gemm inner dimensions differ: %lld vs %lld", (long long)K, (long long)K2);
      y.rank = 2; y.d[0] = M; y.d[1] = N;
      qcc_shape bc;
      if (n_in > 2 && (!qcc_broadcast_shapes(&s[2], &y, &bc) || !same_dims(&bc, &y)))
        FAIL("gemm c does not broadcast to [%lld, %lld]", (long long)M, (long long)N);
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_add: case QCC_OP_sub: case QCC_OP_mul: case QCC_OP_div:
    case QCC_OP_max: case QCC_OP_min: case QCC_OP_pow: {
      if (kind != QCC_OP_pow && !mlirTypeEqual(e0, qcc_type_elem(in[1]))) FAIL("operands must have the same element type");
      if (!qcc_broadcast_shapes(&s[0], &s[1], &y)) {
        char b1[96], b2[96];
        FAIL("shapes %s and %s do not broadcast", qcc_shape_str(&s[0], b1, sizeof b1), qcc_shape_str(&s[1], b2, sizeof b2));
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_where: {
      if (!is_int_of(qcc_type_elem(in[0]), 1)) FAIL("condition must be i1");
      if (!mlirTypeEqual(qcc_type_elem(in[1]), qcc_type_elem(in[2]))) FAIL("branches must have the same element type");
      qcc_shape t;
      if (!qcc_broadcast_shapes(&s[0], &s[1], &t) || !qcc_broadcast_shapes(&t, &s[2], &y)) FAIL("shapes do not broadcast");
      return produce(out, 0, qcc_tensor_type(qcc_type_elem(in[1]), &y));
    }
    case QCC_OP_prelu: {
      qcc_shape t;
      if (!qcc_broadcast_shapes(&s[0], &s[1], &t) || !same_dims(&t, &s[0])) FAIL("slope does not broadcast to the input");
      return produce(out, 0, in[0]);
    }
    case QCC_OP_clip: {
      float lo, hi;
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_min, &lo));
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_max, &hi));
      return produce(out, 0, in[0]);
    }
    case QCC_OP_leaky_relu: { float v; QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_alpha, &v)); return produce(out, 0, in[0]); }
    case QCC_OP_hard_sigmoid: {
      float v;
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_alpha, &v));
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_beta, &v));
      return produce(out, 0, in[0]);
    }
    case QCC_OP_gelu: {
      MlirStringRef m;
      static const char *const ok[] = {"none", "tanh", NULL};
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_approximate, &m));
      if (!str_in(m, ok)) FAIL("approximate must be \"none\" or \"tanh\"");
      return produce(out, 0, in[0]);
    }
    case QCC_OP_relu: case QCC_OP_sigmoid: case QCC_OP_tanh: case QCC_OP_hard_swish:
    case QCC_OP_erf: case QCC_OP_exp: case QCC_OP_log: case QCC_OP_sqrt: case QCC_OP_neg:
    case QCC_OP_abs:
      return produce(out, 0, in[0]);
    case QCC_OP_softmax: case QCC_OP_log_softmax: {
      int64_t ax;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_axis, &ax));
      if (ax < 0 || ax >= s[0].rank) FAIL("axis %lld out of range for rank %d", (long long)ax, s[0].rank);
      return produce(out, 0, in[0]);
    }
    case QCC_OP_layer_norm: {
      int64_t ax;
      float eps;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_axis, &ax));
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_epsilon, &eps));
      if (ax < 0 || ax >= s[0].rank) FAIL("axis %lld out of range for rank %d", (long long)ax, s[0].rank);
      qcc_shape n = {s[0].rank - (int)ax, {0}};
      memcpy(n.d, s[0].d + ax, sizeof(int64_t) * (size_t)n.rank);
      for (intptr_t i = 1; i < n_in; ++i) {
        qcc_shape t;
        if (!qcc_broadcast_shapes(&s[i], &n, &t) || !same_dims(&t, &n))
          FAIL("scale/bias must broadcast to the normalized dims");
      }
      return produce(out, 0, in[0]);
    }
    case QCC_OP_batch_norm: {
      float eps;
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_epsilon, &eps));
      if (s[0].rank < 2) FAIL("input must have rank >= 2");
      for (int i = 1; i < 5; ++i)
        if (s[i].rank != 1 || s[i].d[0] != s[0].d[1]) FAIL("scale, bias, mean and var must have shape [%lld]", (long long)s[0].d[1]);
      return produce(out, 0, in[0]);
    }
    case QCC_OP_max_pool_indices: {
      int64_t so;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_storage_order, &so));
      if (so != 0 && so != 1) FAIL("storage_order must be 0 or 1");
      QCC_RETURN_IF_ERROR(pool_out(a, &s[0], true, &y));
      QCC_RETURN_IF_ERROR(produce(out, 0, qcc_tensor_type(e0, &y)));
      return produce(out, 1, qcc_tensor_type(mlirIntegerTypeGet(a->ctx, 64), &y));
    }
    case QCC_OP_max_pool:
    case QCC_OP_avg_pool: {
      if (kind == QCC_OP_avg_pool) { int64_t c; QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_count_include_pad, &c)); }
      QCC_RETURN_IF_ERROR(pool_out(a, &s[0], kind == QCC_OP_max_pool, &y));
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_global_avg_pool:
      if (s[0].rank < 3) FAIL("input must have rank >= 3");
      y = s[0];
      for (int i = 2; i < y.rank; ++i) y.d[i] = 1;
      return produce(out, 0, qcc_tensor_type(e0, &y));
    case QCC_OP_reduce_mean: case QCC_OP_reduce_sum: {
      int64_t ax[16], kd;
      intptr_t n;
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_axes, ax, -1, &n));
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_keepdims, &kd));
      QCC_RETURN_IF_ERROR(check_axes(ax, n, s[0].rank, "reduce"));
      y.rank = 0;
      for (int i = 0; i < s[0].rank; ++i) {
        bool red = false;
        for (intptr_t j = 0; j < n; ++j) red |= ax[j] == i;
        if (!red) y.d[y.rank++] = s[0].d[i];
        else if (kd) y.d[y.rank++] = 1;
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_reshape: case QCC_OP_expand: case QCC_OP_cast: {
      QCC_RETURN_IF_ERROR(need_given(out, n_out));
      qcc_shape t;
      qcc_type_shape(out[0], &t);
      if (kind == QCC_OP_reshape) {
        if (qcc_shape_numel(&t) != qcc_shape_numel(&s[0])) FAIL("reshape changes the element count (%lld to %lld)", (long long)qcc_shape_numel(&s[0]), (long long)qcc_shape_numel(&t));
        if (!mlirTypeEqual(e0, qcc_type_elem(out[0]))) FAIL("reshape changes the element type");
      } else if (kind == QCC_OP_expand) {
        qcc_shape b;
        if (!qcc_broadcast_shapes(&s[0], &t, &b) || !same_dims(&b, &t)) FAIL("input does not broadcast to the result shape");
        if (!mlirTypeEqual(e0, qcc_type_elem(out[0]))) FAIL("expand changes the element type");
      } else {
        QCC_RETURN_IF_ERROR(same_shape(&s[0], &t, "cast"));
      }
      return NULL;
    }
    case QCC_OP_flatten: {
      int64_t ax;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_axis, &ax));
      if (ax < 0 || ax > s[0].rank) FAIL("axis %lld out of range for rank %d", (long long)ax, s[0].rank);
      y.rank = 2; y.d[0] = 1; y.d[1] = 1;
      for (int i = 0; i < s[0].rank; ++i) y.d[i < ax ? 0 : 1] *= s[0].d[i];
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_transpose: {
      int64_t p[16];
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_perm, p, s[0].rank, NULL));
      QCC_RETURN_IF_ERROR(check_axes(p, s[0].rank, s[0].rank, "perm"));
      y.rank = s[0].rank;
      for (int i = 0; i < y.rank; ++i) y.d[i] = s[0].d[p[i]];
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_concat: {
      int64_t ax;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_axis, &ax));
      if (n_in < 1) FAIL("concat needs at least one input");
      if (ax < 0 || ax >= s[0].rank) FAIL("axis %lld out of range for rank %d", (long long)ax, s[0].rank);
      y = s[0];
      for (intptr_t i = 1; i < n_in; ++i) {
        qcc_shape t;
        QCC_RETURN_IF_ERROR(shape_of(in[i], "concat input", &t));
        if (!mlirTypeEqual(e0, qcc_type_elem(in[i]))) FAIL("concat inputs must have the same element type");
        if (t.rank != y.rank) FAIL("concat inputs must have the same rank");
        for (int d = 0; d < y.rank; ++d)
          if (d != ax && t.d[d] != y.d[d]) FAIL("concat input #%ld differs in dim %d (%lld vs %lld)", (long)i, d, (long long)t.d[d], (long long)y.d[d]);
        y.d[ax] += t.d[ax];
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_split: {
      int64_t ax;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_axis, &ax));
      QCC_RETURN_IF_ERROR(need_given(out, n_out));
      if (n_out < 1) FAIL("split needs at least one result");
      if (ax < 0 || ax >= s[0].rank) FAIL("axis %lld out of range for rank %d", (long long)ax, s[0].rank);
      int64_t sum = 0;
      for (intptr_t i = 0; i < n_out; ++i) {
        qcc_shape t;
        qcc_type_shape(out[i], &t);
        if (t.rank != s[0].rank) FAIL("split results must have the input's rank");
        for (int d = 0; d < t.rank; ++d)
          if (d != ax && t.d[d] != s[0].d[d]) FAIL("split result #%ld differs from the input in dim %d", (long)i, d);
        sum += t.d[ax];
      }
      if (sum != s[0].d[ax]) FAIL("split sizes add up to %lld, input has %lld", (long long)sum, (long long)s[0].d[ax]);
      return NULL;
    }
    case QCC_OP_slice: {
      int64_t st[16], en[16], ax[16], sp[16];
      intptr_t n, n2, n3, n4;
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_starts, st, -1, &n));
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_ends, en, -1, &n2));
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_axes, ax, -1, &n3));
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_steps, sp, -1, &n4));
      if (n != n2 || n != n3 || n != n4) FAIL("starts, ends, axes and steps must have the same length");
      QCC_RETURN_IF_ERROR(check_axes(ax, n, s[0].rank, "slice"));
      y = s[0];
      for (intptr_t i = 0; i < n; ++i) {
        int64_t d = s[0].d[ax[i]];
        if (sp[i] == 0) FAIL("slice step must not be 0");
        if (sp[i] > 0 ? (st[i] < 0 || st[i] > d || en[i] < 0 || en[i] > d)
                      : (st[i] < -1 || st[i] > d - 1 || en[i] < -1 || en[i] > d - 1))
          FAIL("slice bounds must be normalized (start %lld, end %lld, dim %lld)", (long long)st[i], (long long)en[i], (long long)d);
        /* ceil(span / |step|); the bounds are normalized, so only the step can be extreme. */
        int64_t span = sp[i] > 0 ? en[i] - st[i] : st[i] - en[i];
        uint64_t step = sp[i] > 0 ? (uint64_t)sp[i] : -(uint64_t)sp[i];
        y.d[ax[i]] = span > 0 ? (int64_t)(((uint64_t)span - 1) / step + 1) : 0;
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_pad: {
      int64_t p[16];
      MlirStringRef m;
      float v;
      static const char *const modes[] = {"constant", "reflect", "edge", NULL};
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_pads, p, 2 * s[0].rank, NULL));
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_mode, &m));
      QCC_RETURN_IF_ERROR(get_f32(a, QCC_ATTR_value, &v));
      if (!str_in(m, modes)) FAIL("mode must be constant, reflect or edge");
      y = s[0];
      for (int i = 0; i < y.rank; ++i) {
        if (__builtin_add_overflow(s[0].d[i], p[i], &y.d[i]) || __builtin_add_overflow(y.d[i], p[i + y.rank], &y.d[i]))
          FAIL("pads overflow dim %d", i);
        if (y.d[i] < 0) FAIL("pads make dim %d negative", i);
        if (qcc_str_eq(m, "reflect") && (p[i] >= s[0].d[i] || p[i + y.rank] >= s[0].d[i]) && (p[i] > 0 || p[i + y.rank] > 0))
          FAIL("reflect pad of %lld/%lld needs dim %d larger than the pad (is %lld)", (long long)p[i], (long long)p[i + y.rank], i, (long long)s[0].d[i]);
        if (qcc_str_eq(m, "edge") && s[0].d[i] == 0 && (p[i] > 0 || p[i + y.rank] > 0)) FAIL("edge pad of an empty dim");
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_gather: {
      int64_t ax;
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_axis, &ax));
      MlirType ie = qcc_type_elem(in[1]);
      if (!(is_int_of(ie, 32) || is_int_of(ie, 64))) FAIL("indices must be i32 or i64");
      if (ax < 0 || ax >= s[0].rank) FAIL("axis %lld out of range for rank %d", (long long)ax, s[0].rank);
      if (s[0].rank - 1 + s[1].rank > QCC_MAX_RANK) FAIL("result rank too large"); /* before writing y.d */
      y.rank = 0;
      for (int i = 0; i < ax; ++i) y.d[y.rank++] = s[0].d[i];
      for (int i = 0; i < s[1].rank; ++i) y.d[y.rank++] = s[1].d[i];
      for (int i = (int)ax + 1; i < s[0].rank; ++i) y.d[y.rank++] = s[0].d[i];
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_squeeze: {
      int64_t ax[16];
      intptr_t n;
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_axes, ax, -1, &n));
      QCC_RETURN_IF_ERROR(check_axes(ax, n, s[0].rank, "squeeze"));
      y.rank = 0;
      for (int i = 0; i < s[0].rank; ++i) {
        bool sq = false;
        for (intptr_t j = 0; j < n; ++j) sq |= ax[j] == i;
        if (sq && s[0].d[i] != 1) FAIL("cannot squeeze dim %d of size %lld", i, (long long)s[0].d[i]);
        if (!sq) y.d[y.rank++] = s[0].d[i];
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_unsqueeze: {
      int64_t ax[16];
      intptr_t n;
      QCC_RETURN_IF_ERROR(get_i64s(a, QCC_ATTR_axes, ax, -1, &n));
      int r = s[0].rank + (int)n;
      if (r > QCC_MAX_RANK) FAIL("result rank too large");
      QCC_RETURN_IF_ERROR(check_axes(ax, n, r, "unsqueeze"));
      y.rank = r;
      int k = 0;
      for (int i = 0; i < r; ++i) {
        bool ins = false;
        for (intptr_t j = 0; j < n; ++j) ins |= ax[j] == i;
        y.d[i] = ins ? 1 : s[0].d[k++];
      }
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_resize: {
      MlirStringRef m, ct, nm;
      float sc[16];
      static const char *const modes[] = {"nearest", "linear", NULL};
      static const char *const cts[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn", NULL};
      static const char *const nms[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", NULL};
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_mode, &m));
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_coordinate_transformation_mode, &ct));
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_nearest_mode, &nm));
      if (!str_in(m, modes)) FAIL("mode must be nearest or linear");
      if (!str_in(ct, cts)) FAIL("unsupported coordinate_transformation_mode");
      if (!str_in(nm, nms)) FAIL("unsupported nearest_mode");
      intptr_t n = qcc_attr_as_f32s(qcc_attrs_find(a->n_attrs, a->attrs, QCC_ATTR_scales), sc, 16);
      if (n != s[0].rank) FAIL("scales must have one value per dim (%d)", s[0].rank);
      y = s[0];
      bool all = true;
      for (int i = 0; i < y.rank; ++i) {
        if (sc[i] > 0) y.d[i] = (int64_t)((double)s[0].d[i] * (double)sc[i]);
        else all = false;
      }
      if (!all) return need_given(out, n_out);
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_quantize: case QCC_OP_dequantize: case QCC_OP_storage_cast: {
      QCC_RETURN_IF_ERROR(need_given(out, n_out));
      qcc_shape t;
      qcc_type_shape(out[0], &t);
      QCC_RETURN_IF_ERROR(same_shape(&s[0], &t, qcc_op_info_get(kind)->name));
      MlirType ei = e0, eo = qcc_type_elem(out[0]);
      if (kind == QCC_OP_quantize && (!is_float(ei) || !mlirTypeIsAQuantizedType(eo))) FAIL("quantize maps a float tensor to a quantized tensor");
      if (kind == QCC_OP_dequantize && (!mlirTypeIsAQuantizedType(ei) || !is_float(eo))) FAIL("dequantize maps a quantized tensor to a float tensor");
      if (kind == QCC_OP_storage_cast) {
        MlirType q = mlirTypeIsAQuantizedType(ei) ? ei : eo, p = mlirTypeIsAQuantizedType(ei) ? eo : ei;
        if (!mlirTypeIsAQuantizedType(q) || mlirTypeIsAQuantizedType(p)) FAIL("storage_cast maps between a quantized type and its storage type");
        /* sub-byte storage (4-bit) is held one value per byte */
        const unsigned qw = mlirQuantizedTypeGetStorageTypeIntegralWidth(q);
        if (!mlirTypeIsAInteger(p) || mlirIntegerTypeGetWidth(p) != (qw < 8 ? 8 : qw) ||
            mlirIntegerTypeIsUnsigned(p) == mlirQuantizedTypeIsSigned(q))
          FAIL("storage_cast: the integer type must be the quantized type's storage type");
      }
      return NULL;
    }
    case QCC_OP_observe: {
      MlirStringRef v;
      int64_t id;
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_observer, &v));
      QCC_RETURN_IF_ERROR(get_str(a, QCC_ATTR_spec, &v));
      QCC_RETURN_IF_ERROR(get_i64(a, QCC_ATTR_id, &id));
      return produce(out, 0, in[0]);
    }
    case QCC_OP_fake_quant: {
      MlirAttribute q = qcc_attrs_find(a->n_attrs, a->attrs, QCC_ATTR_qtype);
      if (mlirAttributeIsNull(q) || !mlirAttributeIsAType(q) || !mlirTypeIsAQuantizedType(mlirTypeAttrGetValue(q)))
        FAIL("attribute 'qtype' must be a quantized type");
      return produce(out, 0, in[0]);
    }
    case QCC_OP_dynamic_quantize: {
      if (!is_float(e0)) FAIL("input must be float");
      MlirType u8 = mlirIntegerTypeUnsignedGet(a->ctx, 8);
      qcc_shape sc = {0, {0}};
      QCC_RETURN_IF_ERROR(produce(out, 0, qcc_tensor_type(u8, &s[0])));
      QCC_RETURN_IF_ERROR(produce(out, 1, qcc_tensor_type(mlirF32TypeGet(a->ctx), &sc)));
      return produce(out, 2, qcc_tensor_type(u8, &sc));
    }
    case QCC_OP_qconv2d: case QCC_OP_qgemm: case QCC_OP_qmatmul: case QCC_OP_qadd: case QCC_OP_qmul:
    case QCC_OP_qavg_pool: case QCC_OP_qglobal_avg_pool: case QCC_OP_lut:
      return infer_quantized(a, kind, n_in, in, s, n_out, out);
    case QCC_OP_qgemm_dynamic: {
      if (!mlirTypeIsAF32(e0)) FAIL("x must be an f32 tensor");
      if (!is_q8(qcc_type_elem(in[1])) || s[1].rank != 2) FAIL("w must be an 8-bit quantized N x K tensor");
      if (s[0].rank < 1 || s[0].d[s[0].rank - 1] != s[1].d[1]) FAIL("x's last dim must be w's K (%lld)", (long long)s[1].d[1]);
      if (n_in > 2 && (!mlirTypeIsAF32(qcc_type_elem(in[2])) || s[2].rank != 1 || s[2].d[0] != s[1].d[0]))
        FAIL("bias must be f32 of shape [%lld]", (long long)s[1].d[0]);
      y = s[0];
      y.d[y.rank - 1] = s[1].d[0];
      return produce(out, 0, qcc_tensor_type(e0, &y));
    }
    case QCC_OP_COUNT_:
    case QCC_OP_NONE:
      break;
  }
  FAIL("no shape rule for this op");
}

qcc_status_t qcc_infer_result_types(MlirContext ctx, qcc_op_kind kind, intptr_t n_in,
                                    const MlirType *in, intptr_t n_attrs,
                                    const MlirNamedAttribute *attrs, intptr_t n_out,
                                    MlirType *out) {
  const qcc_op_info *info = qcc_op_info_get(kind);
  if (!info) return qcc_status_make(QCC_ERR_INTERNAL, "unknown op kind %d", (int)kind);
  /* Operand and result counts against the schema (IRDL checks parsed IR; the
   * importer calls this before the op exists). */
  int need = 0;
  bool var_in = false;
  for (int i = 0; i < info->n_operands; ++i) {
    if (info->operands[i].arity == QCC_ARITY_ONE) need++;
    else var_in = true;
  }
  if (n_in < need || (!var_in && n_in > need) ||
      (var_in && info->operands[info->n_operands - 1].arity == QCC_ARITY_OPTIONAL && n_in > need + 1))
    FAIL("expects %s%d operands, got %ld", var_in ? "at least " : "", need, (long)n_in);
  bool var_out = info->n_results && info->results[0].arity == QCC_ARITY_VARIADIC;
  if ((var_in && n_in > need + QCC_MAX_VARIADIC) || (var_out && n_out > QCC_MAX_VARIADIC))
    FAIL("at most %d values in a variadic list", QCC_MAX_VARIADIC);
  if (!var_out && n_out != info->n_results) FAIL("expects %d results, got %ld", info->n_results, (long)n_out);
  if (n_in > 8 && kind != QCC_OP_concat) FAIL("too many operands");
  actx a = {ctx, n_attrs, attrs};
  return infer(&a, kind, n_in, in, n_out, out);
}
