/* Elementwise kernels on integer, f16 and f64 tensors (qrt_int.h): binary ops
 * with broadcasting, Pow with mixed operand types, NEG/ABS/RELU, Clip, and
 * Where on any element size. Portable C, scalar.
 *
 * Integers are computed in 64 bits and stored by truncation to the element
 * width. That gives the element type's wrap-around: the low n bits of a sum,
 * difference or product (and so of a power by repeated squaring) depend only
 * on the low n bits of the operands. Signed values are sign-extended to
 * int64_t, unsigned ones zero-extended to uint64_t, so comparisons and
 * division see the true values; the arithmetic itself runs on uint64_t, where
 * overflow is defined. The only 64-bit division that can overflow is
 * INT64_MIN / -1, which is computed as a negation instead. */
#include <math.h>
#include <string.h>

#include "nd_iter.h"
#include "qrt/qrt_int.h"
#include "qrt_internal.h"

/* ---- scalar operations ------------------------------------------------------ */

/* base^e modulo 2^64 by repeated squaring. */
static uint64_t qrt_ipow(uint64_t base, uint64_t e) {
  uint64_t r = 1;
  while (e) {
    if (e & 1u) r *= base;
    base *= base;
    e >>= 1;
  }
  return r;
}

/* Signed operands (sign-extended); the result as a bit pattern. */
static uint64_t qrt_sbin(qrt_binary_op_t op, int64_t a, int64_t b) {
  const uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  switch (op) {
    case QRT_BINARY_ADD: return ua + ub;
    case QRT_BINARY_SUB: return ua - ub;
    case QRT_BINARY_MUL: return ua * ub;
    case QRT_BINARY_DIV:
      if (b == 0) return 0;
      if (b == -1) return 0 - ua; /* INT_MIN / -1 wraps to INT_MIN */
      return (uint64_t)(a / b);  /* C truncates toward zero */
    case QRT_BINARY_MAX: return a > b ? ua : ub;
    case QRT_BINARY_MIN: return a < b ? ua : ub;
    case QRT_BINARY_POW:
      if (b >= 0) return qrt_ipow(ua, ub);
      if (a == 1) return 1;
      if (a == -1) return (ub & 1u) ? UINT64_MAX : 1;
      return 0; /* trunc(1 / a^|b|) for |a| >= 2, and the fixed choice for a = 0 */
    case QRT_BINARY_PRELU: return a < 0 ? ua * ub : ua;
  }
  return 0;
}

/* Unsigned operands (zero-extended). */
static uint64_t qrt_ubin(qrt_binary_op_t op, uint64_t a, uint64_t b) {
  switch (op) {
    case QRT_BINARY_ADD: return a + b;
    case QRT_BINARY_SUB: return a - b;
    case QRT_BINARY_MUL: return a * b;
    case QRT_BINARY_DIV: return b ? a / b : 0;
    case QRT_BINARY_MAX: return a > b ? a : b;
    case QRT_BINARY_MIN: return a < b ? a : b;
    case QRT_BINARY_POW: return qrt_ipow(a, b);
    case QRT_BINARY_PRELU: return a; /* never negative */
  }
  return 0;
}

static float qrt_fbin(qrt_binary_op_t op, float a, float b) {
  switch (op) {
    case QRT_BINARY_ADD: return a + b;
    case QRT_BINARY_SUB: return a - b;
    case QRT_BINARY_MUL: return a * b;
    case QRT_BINARY_DIV: return a / b;
    case QRT_BINARY_MAX: return (a != a || b != b) ? a + b : (a > b ? a : b);
    case QRT_BINARY_MIN: return (a != a || b != b) ? a + b : (a < b ? a : b);
    case QRT_BINARY_POW: return powf(a, b);
    case QRT_BINARY_PRELU: return a < 0.0f ? a * b : a;
  }
  return 0.0f;
}

static double qrt_dbin(qrt_binary_op_t op, double a, double b) {
  switch (op) {
    case QRT_BINARY_ADD: return a + b;
    case QRT_BINARY_SUB: return a - b;
    case QRT_BINARY_MUL: return a * b;
    case QRT_BINARY_DIV: return a / b;
    case QRT_BINARY_MAX: return (a != a || b != b) ? a + b : (a > b ? a : b);
    case QRT_BINARY_MIN: return (a != a || b != b) ? a + b : (a < b ? a : b);
    case QRT_BINARY_POW: return pow(a, b);
    case QRT_BINARY_PRELU: return a < 0.0 ? a * b : a;
  }
  return 0.0;
}

/* ---- binary rows ------------------------------------------------------------ */

/* One contiguous output row of n elements from strided a and b. The output is
 * written through the unsigned type of the same width (UT), which may alias
 * the signed element type. */
#define QRT_INT_ROW(NAME, T, UT, FN, WIDE)                                                      \
  static void NAME(qrt_binary_op_t op, int64_t n, const void *a, int64_t sa, const void *b,    \
                   int64_t sb, void *y) {                                                      \
    const T *pa = (const T *)a, *pb = (const T *)b;                                             \
    UT *py = (UT *)y;                                                                           \
    for (int64_t i = 0; i < n; i++) py[i] = (UT)FN(op, (WIDE)pa[i * sa], (WIDE)pb[i * sb]);     \
  }
QRT_INT_ROW(qrt_row_i8, int8_t, uint8_t, qrt_sbin, int64_t)
QRT_INT_ROW(qrt_row_u8, uint8_t, uint8_t, qrt_ubin, uint64_t)
QRT_INT_ROW(qrt_row_i16, int16_t, uint16_t, qrt_sbin, int64_t)
QRT_INT_ROW(qrt_row_u16, uint16_t, uint16_t, qrt_ubin, uint64_t)
QRT_INT_ROW(qrt_row_i32, int32_t, uint32_t, qrt_sbin, int64_t)
QRT_INT_ROW(qrt_row_u32, uint32_t, uint32_t, qrt_ubin, uint64_t)
QRT_INT_ROW(qrt_row_i64, int64_t, uint64_t, qrt_sbin, int64_t)
QRT_INT_ROW(qrt_row_u64, uint64_t, uint64_t, qrt_ubin, uint64_t)

static void qrt_row_f64(qrt_binary_op_t op, int64_t n, const void *a, int64_t sa, const void *b,
                        int64_t sb, void *y) {
  const double *pa = a, *pb = b;
  double *py = y;
  for (int64_t i = 0; i < n; i++) py[i] = qrt_dbin(op, pa[i * sa], pb[i * sb]);
}

static void qrt_row_f16(qrt_binary_op_t op, int64_t n, const void *a, int64_t sa, const void *b,
                        int64_t sb, void *y) {
  const uint16_t *pa = a, *pb = b;
  uint16_t *py = y;
  for (int64_t i = 0; i < n; i++)
    py[i] = qrt_f32_to_f16(qrt_fbin(op, qrt_f16_to_f32(pa[i * sa]), qrt_f16_to_f32(pb[i * sb])));
}

typedef void (*qrt_row_fn)(qrt_binary_op_t, int64_t, const void *, int64_t, const void *, int64_t, void *);

qrt_status_t qrt_binary_typed(qrt_binary_op_t op, qrt_type_t t, int64_t rank, const int64_t *out_shape,
                              const void *a, const int64_t *a_strides, const void *b,
                              const int64_t *b_strides, void *y) {
  if (op < QRT_BINARY_ADD || op > QRT_BINARY_PRELU) return QRT_INVALID_ARGUMENT;
  if (t == QRT_TYPE_F32)
    return qrt_f32_binary(op, rank, out_shape, (const float *)a, a_strides, (const float *)b, b_strides,
                          (float *)y);
  qrt_row_fn fn;
  switch (t) {
    case QRT_TYPE_I8: fn = qrt_row_i8; break;
    case QRT_TYPE_U8: fn = qrt_row_u8; break;
    case QRT_TYPE_I16: fn = qrt_row_i16; break;
    case QRT_TYPE_U16: fn = qrt_row_u16; break;
    case QRT_TYPE_I32: fn = qrt_row_i32; break;
    case QRT_TYPE_U32: fn = qrt_row_u32; break;
    case QRT_TYPE_I64: fn = qrt_row_i64; break;
    case QRT_TYPE_U64: fn = qrt_row_u64; break;
    case QRT_TYPE_F16: fn = qrt_row_f16; break;
    case QRT_TYPE_F64: fn = qrt_row_f64; break;
    case QRT_TYPE_BOOL:
    case QRT_TYPE_BF16: return QRT_UNSUPPORTED;
    default: return QRT_INVALID_ARGUMENT;
  }
  qrt_nd_t it;
  const int64_t *st[2] = {a_strides, b_strides};
  if (!qrt_nd_init(&it, 2, rank, out_shape, st)) return QRT_INVALID_ARGUMENT;
  const int64_t es = (int64_t)qrt_type_size(t);
  const int64_t L = it.shape[it.rank - 1], sa = it.st[0][it.rank - 1], sb = it.st[1][it.rank - 1];
  const char *ab = a, *bb = b;
  char *yb = y;
  for (int64_t r = 0; r < it.outer; r++, qrt_nd_next(&it)) {
    fn(op, L, ab + it.off[0] * es, sa, bb + it.off[1] * es, sb, yb);
    yb += L * es;
  }
  return QRT_OK;
}

/* ---- Pow with mixed types ------------------------------------------------------
 * Element by element through qrt_cast_typed, so the conversions are exactly
 * Cast's (one rounding, truncation and saturation to integers). */
static int qrt_type_is_signed_int(qrt_type_t t) {
  return t == QRT_TYPE_I8 || t == QRT_TYPE_I16 || t == QRT_TYPE_I32 || t == QRT_TYPE_I64;
}

static void qrt_pow_elem(qrt_type_t ta, qrt_type_t tb, const void *a, const void *b, void *y) {
  const int fa = qrt_type_is_float(ta), fb = qrt_type_is_float(tb);
  if (fa && fb && qrt_type_size(ta) <= 4 && qrt_type_size(tb) <= 4) {
    float x0, x1;
    qrt_cast_typed(ta, QRT_TYPE_F32, 1, a, &x0);
    qrt_cast_typed(tb, QRT_TYPE_F32, 1, b, &x1);
    const float r = powf(x0, x1);
    qrt_cast_typed(QRT_TYPE_F32, ta, 1, &r, y);
  } else if (fa || fb) {
    double x0, x1;
    qrt_cast_typed(ta, QRT_TYPE_F64, 1, a, &x0);
    qrt_cast_typed(tb, QRT_TYPE_F64, 1, b, &x1);
    const double r = pow(x0, x1);
    qrt_cast_typed(QRT_TYPE_F64, ta, 1, &r, y);
  } else {
    const int sa = qrt_type_is_signed_int(ta), sb = qrt_type_is_signed_int(tb);
    uint64_t x0, x1, r;
    qrt_cast_typed(ta, sa ? QRT_TYPE_I64 : QRT_TYPE_U64, 1, a, &x0);
    qrt_cast_typed(tb, sb ? QRT_TYPE_I64 : QRT_TYPE_U64, 1, b, &x1);
    /* An exponent above INT64_MAX is positive: take the unsigned path for it. */
    if (sa && (sb || x1 <= (uint64_t)INT64_MAX)) {
      int64_t s0, s1;
      memcpy(&s0, &x0, 8);
      memcpy(&s1, &x1, 8);
      r = qrt_sbin(QRT_BINARY_POW, s0, s1);
    } else if (sb && (x1 >> 63)) { /* unsigned base, negative exponent */
      r = x0 == 1 ? 1 : 0;
    } else {
      r = qrt_ipow(x0, x1);
    }
    qrt_cast_typed(QRT_TYPE_U64, ta, 1, &r, y); /* keeps the low bits */
  }
}

qrt_status_t qrt_pow_typed(qrt_type_t ta, qrt_type_t tb, int64_t rank, const int64_t *out_shape,
                           const void *a, const int64_t *a_strides, const void *b,
                           const int64_t *b_strides, void *y) {
  if (qrt_type_size(ta) == 0 || qrt_type_size(tb) == 0) return QRT_INVALID_ARGUMENT;
  if (ta == QRT_TYPE_BOOL || tb == QRT_TYPE_BOOL) return QRT_UNSUPPORTED;
  if (ta == tb && ta != QRT_TYPE_BF16)
    return qrt_binary_typed(QRT_BINARY_POW, ta, rank, out_shape, a, a_strides, b, b_strides, y);
  qrt_nd_t it;
  const int64_t *st[2] = {a_strides, b_strides};
  if (!qrt_nd_init(&it, 2, rank, out_shape, st)) return QRT_INVALID_ARGUMENT;
  const int64_t ea = (int64_t)qrt_type_size(ta), eb = (int64_t)qrt_type_size(tb);
  const int64_t L = it.shape[it.rank - 1], sa = it.st[0][it.rank - 1], sb = it.st[1][it.rank - 1];
  const char *ab = a, *bb = b;
  char *yb = y;
  for (int64_t r = 0; r < it.outer; r++, qrt_nd_next(&it)) {
    for (int64_t i = 0; i < L; i++)
      qrt_pow_elem(ta, tb, ab + (it.off[0] + i * sa) * ea, bb + (it.off[1] + i * sb) * eb, yb + i * ea);
    yb += L * ea;
  }
  return QRT_OK;
}

/* ---- unary ------------------------------------------------------------------ */

#define QRT_INT_UNARY(NAME, T, UT, SIGNED)                                          \
  static void NAME(qrt_unary_op_t op, int64_t n, const void *x, void *y) {          \
    const T *px = (const T *)x;                                                     \
    UT *py = (UT *)y;                                                               \
    for (int64_t i = 0; i < n; i++) {                                               \
      const T v = px[i];                                                            \
      const UT u = (UT)v;                                                           \
      const int neg = SIGNED && ((uint64_t)(int64_t)v >> 63); /* v < 0 */            \
      if (op == QRT_UNARY_NEG) py[i] = (UT)(0u - u);                                \
      else if (op == QRT_UNARY_ABS) py[i] = neg ? (UT)(0u - u) : u;                 \
      else py[i] = neg ? 0 : u; /* RELU */                                          \
    }                                                                               \
  }
QRT_INT_UNARY(qrt_un_i8, int8_t, uint8_t, 1)
QRT_INT_UNARY(qrt_un_u8, uint8_t, uint8_t, 0)
QRT_INT_UNARY(qrt_un_i16, int16_t, uint16_t, 1)
QRT_INT_UNARY(qrt_un_u16, uint16_t, uint16_t, 0)
QRT_INT_UNARY(qrt_un_i32, int32_t, uint32_t, 1)
QRT_INT_UNARY(qrt_un_u32, uint32_t, uint32_t, 0)
QRT_INT_UNARY(qrt_un_i64, int64_t, uint64_t, 1)
QRT_INT_UNARY(qrt_un_u64, uint64_t, uint64_t, 0)

static double qrt_dun(qrt_unary_op_t op, double v) {
  if (op == QRT_UNARY_NEG) return -v;
  if (op == QRT_UNARY_ABS) return fabs(v);
  return v < 0.0 ? 0.0 : v; /* RELU; NaN stays NaN */
}

qrt_status_t qrt_unary_typed(qrt_unary_op_t op, qrt_type_t t, int64_t n, const void *x, void *y) {
  if (op != QRT_UNARY_NEG && op != QRT_UNARY_ABS && op != QRT_UNARY_RELU) return QRT_UNSUPPORTED;
  if (n < 0 || (n && (!x || !y))) return QRT_INVALID_ARGUMENT;
  switch (t) {
    case QRT_TYPE_I8: qrt_un_i8(op, n, x, y); return QRT_OK;
    case QRT_TYPE_U8: qrt_un_u8(op, n, x, y); return QRT_OK;
    case QRT_TYPE_I16: qrt_un_i16(op, n, x, y); return QRT_OK;
    case QRT_TYPE_U16: qrt_un_u16(op, n, x, y); return QRT_OK;
    case QRT_TYPE_I32: qrt_un_i32(op, n, x, y); return QRT_OK;
    case QRT_TYPE_U32: qrt_un_u32(op, n, x, y); return QRT_OK;
    case QRT_TYPE_I64: qrt_un_i64(op, n, x, y); return QRT_OK;
    case QRT_TYPE_U64: qrt_un_u64(op, n, x, y); return QRT_OK;
    case QRT_TYPE_F32: return qrt_f32_unary(op, 0.0f, 0.0f, n, x, y);
    case QRT_TYPE_F64:
      for (int64_t i = 0; i < n; i++) ((double *)y)[i] = qrt_dun(op, ((const double *)x)[i]);
      return QRT_OK;
    case QRT_TYPE_F16:
      /* exact: NEG/ABS flip or clear the sign, RELU keeps or zeroes */
      for (int64_t i = 0; i < n; i++)
        ((uint16_t *)y)[i] = qrt_f64_to_f16(qrt_dun(op, qrt_f16_to_f32(((const uint16_t *)x)[i])));
      return QRT_OK;
    case QRT_TYPE_BOOL:
    case QRT_TYPE_BF16: return QRT_UNSUPPORTED;
    default: return QRT_INVALID_ARGUMENT;
  }
}

/* ---- clip ------------------------------------------------------------------- */

#define QRT_INT_CLIP(NAME, T, W)                                       \
  static void NAME(int64_t n, const void *x, W lo, W hi, void *y) {   \
    const T *px = (const T *)x;                                        \
    T *py = (T *)y;                                                    \
    for (int64_t i = 0; i < n; i++) {                                  \
      W v = (W)px[i];                                                  \
      if (v < lo) v = lo;                                              \
      if (v > hi) v = hi;                                              \
      py[i] = (T)v; /* v is within T's range: lo and hi are */         \
    }                                                                  \
  }
QRT_INT_CLIP(qrt_clip_i8, int8_t, int64_t)
QRT_INT_CLIP(qrt_clip_u8, uint8_t, uint64_t)
QRT_INT_CLIP(qrt_clip_i16, int16_t, int64_t)
QRT_INT_CLIP(qrt_clip_u16, uint16_t, uint64_t)
QRT_INT_CLIP(qrt_clip_i32, int32_t, int64_t)
QRT_INT_CLIP(qrt_clip_u32, uint32_t, uint64_t)
QRT_INT_CLIP(qrt_clip_i64, int64_t, int64_t)
QRT_INT_CLIP(qrt_clip_u64, uint64_t, uint64_t)

qrt_status_t qrt_clip_typed(qrt_type_t t, int64_t n, const void *x, double lo, double hi, void *y) {
  if (n < 0 || (n && (!x || !y)) || qrt_type_size(t) == 0) return QRT_INVALID_ARGUMENT;
  if (t == QRT_TYPE_BOOL) return QRT_UNSUPPORTED;
  if (lo != lo) lo = -INFINITY;
  if (hi != hi) hi = INFINITY;
  if (qrt_type_is_float(t)) {
    const int64_t es = (int64_t)qrt_type_size(t);
    for (int64_t i = 0; i < n; i++) {
      double v;
      qrt_cast_typed(t, QRT_TYPE_F64, 1, (const char *)x + i * es, &v);
      if (v < lo) v = lo; /* NaN compares false and stays */
      if (v > hi) v = hi;
      qrt_cast_typed(QRT_TYPE_F64, t, 1, &v, (char *)y + i * es);
    }
    return QRT_OK;
  }
  /* Integer bounds: ceil(lo) / floor(hi) converted with Cast's saturation
   * (-Inf -> the type's minimum, +Inf -> its maximum), so they lie inside
   * the type and every clipped value does too. */
  const double l = ceil(lo), h = floor(hi);
  if (qrt_type_is_signed_int(t)) {
    int64_t il = 0, ih = 0;
    char tmp[8];
    qrt_cast_typed(QRT_TYPE_F64, t, 1, &l, tmp);
    qrt_cast_typed(t, QRT_TYPE_I64, 1, tmp, &il);
    qrt_cast_typed(QRT_TYPE_F64, t, 1, &h, tmp);
    qrt_cast_typed(t, QRT_TYPE_I64, 1, tmp, &ih);
    switch (t) {
      case QRT_TYPE_I8: qrt_clip_i8(n, x, il, ih, y); break;
      case QRT_TYPE_I16: qrt_clip_i16(n, x, il, ih, y); break;
      case QRT_TYPE_I32: qrt_clip_i32(n, x, il, ih, y); break;
      default: qrt_clip_i64(n, x, il, ih, y); break;
    }
  } else {
    uint64_t ul = 0, uh = 0;
    char tmp[8];
    qrt_cast_typed(QRT_TYPE_F64, t, 1, &l, tmp);
    qrt_cast_typed(t, QRT_TYPE_U64, 1, tmp, &ul);
    qrt_cast_typed(QRT_TYPE_F64, t, 1, &h, tmp);
    qrt_cast_typed(t, QRT_TYPE_U64, 1, tmp, &uh);
    switch (t) {
      case QRT_TYPE_U8: qrt_clip_u8(n, x, ul, uh, y); break;
      case QRT_TYPE_U16: qrt_clip_u16(n, x, ul, uh, y); break;
      case QRT_TYPE_U32: qrt_clip_u32(n, x, ul, uh, y); break;
      default: qrt_clip_u64(n, x, ul, uh, y); break;
    }
  }
  return QRT_OK;
}

/* ---- where ------------------------------------------------------------------ */

#define QRT_WHERE_ROW(NAME, T)                                                                   \
  static void NAME(int64_t n, const uint8_t *c, int64_t sc, const void *x, int64_t sx,           \
                   const void *z, int64_t sz, void *y) {                                         \
    const T *px = x, *pz = z;                                                                    \
    T *py = y;                                                                                   \
    for (int64_t i = 0; i < n; i++) py[i] = c[i * sc] ? px[i * sx] : pz[i * sz];                 \
  }
QRT_WHERE_ROW(qrt_where_1, uint8_t)
QRT_WHERE_ROW(qrt_where_2, uint16_t)
QRT_WHERE_ROW(qrt_where_4, uint32_t)
QRT_WHERE_ROW(qrt_where_8, uint64_t)

qrt_status_t qrt_where_bytes(size_t elem_size, int64_t rank, const int64_t *out_shape, const uint8_t *cond,
                             const int64_t *cond_strides, const void *x, const int64_t *x_strides,
                             const void *z, const int64_t *z_strides, void *y) {
  void (*fn)(int64_t, const uint8_t *, int64_t, const void *, int64_t, const void *, int64_t, void *);
  switch (elem_size) {
    case 1: fn = qrt_where_1; break;
    case 2: fn = qrt_where_2; break;
    case 4: fn = qrt_where_4; break;
    case 8: fn = qrt_where_8; break;
    default: return QRT_INVALID_ARGUMENT;
  }
  qrt_nd_t it;
  const int64_t *st[3] = {cond_strides, x_strides, z_strides};
  if (!qrt_nd_init(&it, 3, rank, out_shape, st)) return QRT_INVALID_ARGUMENT;
  const int64_t es = (int64_t)elem_size, L = it.shape[it.rank - 1];
  const int64_t sc = it.st[0][it.rank - 1], sx = it.st[1][it.rank - 1], sz = it.st[2][it.rank - 1];
  const char *xb = x, *zb = z;
  char *yb = y;
  for (int64_t r = 0; r < it.outer; r++, qrt_nd_next(&it)) {
    fn(L, cond + it.off[0], sc, xb + it.off[1] * es, sx, zb + it.off[2] * es, sz, yb);
    yb += L * es;
  }
  return QRT_OK;
}
