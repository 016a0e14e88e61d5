/* Private to the vector variants of the int8 ops around the convolutions:
 * QuantizeLinear to 8 bits, requantize/concat, QAdd/QMul, max pool and global
 * average pool. The public entry points stay in the scalar reference files
 * (quant_scalar.c, q8_elementwise__scalar.c, q8_pool__scalar.c): they check
 * the arguments, then run either their reference loops (QRT_ISA_SCALAR) or
 * the row kernels below through the shared drivers of q8_ew.c. Kernels:
 * q8_elementwise__<isa>.c (float and requantization rows) and
 * q8_pool__<isa>.c (byte max and sums), isa = avx2, avx512f, neon.
 *
 * Bytes. A u8 or s8 value is handled as the byte b = its two's-complement
 * byte; u = b ^ flip (flip 0 for u8, 0x80 for s8) is in [0, 255] and
 * monotonic in the value, and value - zero_point = u - zu with
 * zu = zero_point (+ 128 for s8). Row kernels take flip/zu instead of the type.
 *
 * Every kernel reproduces the scalar reference bit for bit: the float steps
 * are the same IEEE float32 operations in the same order (divps/mulps/addps,
 * never FMA: libqrt is built with -ffp-contract=off, and no FMA intrinsic is
 * used), the clamp happens in float before any conversion, and rounding half
 * to even is an explicit instruction (roundps/cvtps2dq with {rn-sae}, NEON
 * fcvtns). The argument that this equals qrt_requantize_f32_scalar and
 * qrt_quantize_f32_scalar is at q8_ew_out_t. Tails (n not a multiple of the
 * vector) call the scalar functions themselves, or use masks (AVX-512). */
#ifndef Q8_EW_INTERNAL_H
#define Q8_EW_INTERNAL_H
#include "qrt/qrt_q8.h"

/* The requantization tail of one output, and QuantizeLinear's:
 *   y = NaN(v) ? clamp(zp, qmin, qmax) : round_half_even(clamp(v, lo, hi)) + zp
 * with lo = qmin - zp, hi = qmax - zp (exact small integers in float).
 * Vector form, identical for every v:
 *   v' = NaN(v) ? 0 : v;  c = min(max(v', lo), hi);  r = rne(c);  byte = (r + zu) ^ flip
 *  - NaN: clamp(0, lo, hi) + zp = clamp(zp, qmin, qmax), the reference's NaN result.
 *  - otherwise max/min give the reference's comparisons (for v = -0 with lo = 0
 *    they may return +0 instead of -0; both round to the integer 0).
 *  - r + zp is in [qmin, qmax] (a subset of the type's range), so r + zu is in
 *    [0, 255] and ^ flip gives the byte of r + zp; the reference's second clamp
 *    (to [qmin, qmax] in integers) cannot bind for 8-bit ranges.
 * QuantizeLinear (qrt_quantize_f32_scalar) clamps round_half_even(x / scale) + zp
 * to [qmin, qmax] in double instead: for integer bounds clamping before or after
 * round_half_even is the same (it is monotonic and fixes integers), and with the
 * zero point inside [qmin, qmax] (checked) its NaN result is the same too. */
typedef struct {
  float lo, hi;    /* (float)(qmin - zp), (float)(qmax - zp) */
  int32_t zu;      /* zp (+ 128 for s8): r + zu in [0, 255] */
  uint8_t flip;    /* 0x80 for s8, 0 for u8 */
  qrt_dtype_t type; /* for the scalar tails: */
  int32_t zp, qmin, qmax;
} q8_ew_out_t;

/* QAdd / QMul of one row: operand a is read at a[i * sa], sa 0 (one value
 * broadcast) or 1; b likewise. ADD: v = (float)(ua - za) * ma + (float)(ub - zb) * mb
 * (two products, one sum); MUL: v = (float)((ua - za) * (ub - zb)) * m. */
typedef struct {
  uint8_t fa, fb; /* flips of a and b */
  int32_t za, zb; /* zu of a and b */
  float ma, mb, m;
  q8_ew_out_t o;
} q8_ew_bin_t;

/* Row kernels (n >= 1; y may not overlap the inputs unless equal to them):
 * quantize: y[i] = byte of qrt_quantize_f32_scalar(x[i], scale, zp, qmin, qmax)
 * requant:  y[i] = byte of qrt_requantize_scalar((x[i] ^ fx) - zx, m, zp, qmin, qmax)
 * add, mul: y[i] as q8_ew_bin_t says
 * max_rows: dst[i] = max over r < nrows (nrows >= 1) of rows[r][i] ^ flip
 * max_cols: dst[j] = flip ^ max over t < k of src[j * stride + t * dil], stride 1 or 2;
 *           src has 64 readable bytes past the last one read
 * sum:      sum over i < n of x[i] ^ flip */
typedef void (*q8_quantize_fn)(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y);
typedef void (*q8_requant_row_fn)(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m,
                                  const q8_ew_out_t *o, uint8_t *y);
typedef void (*q8_binary_row_fn)(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                                 const q8_ew_bin_t *p, uint8_t *y);
typedef void (*q8_max_rows_fn)(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip,
                               uint8_t *dst);
typedef void (*q8_max_cols_fn)(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil,
                               uint8_t flip, uint8_t *dst);
typedef int64_t (*q8_sum_fn)(int64_t n, const uint8_t *x, uint8_t flip);

typedef struct {
  const char *name;
  qrt_isa_t isa;
  q8_quantize_fn quantize;
  q8_requant_row_fn requant;
  q8_binary_row_fn add, mul;
  q8_max_rows_fn max_rows;
  q8_max_cols_fn max_cols;
  q8_sum_fn sum;
} q8_ew_variant_t;

/* The newest variant qrt_active_isa() allows; NULL: run the scalar reference. */
const q8_ew_variant_t *qrt_q8_ew_variant(void);

/* Output and input parameters in the form above. */
q8_ew_out_t qrt_q8_ew_out(qrt_dtype_t type, int32_t zp, int32_t qmin, int32_t qmax);
static inline uint8_t q8_ew_flip(qrt_dtype_t type) { return type == QRT_DTYPE_I8 ? 0x80 : 0; }
static inline int32_t q8_ew_zu(qrt_dtype_t type, int32_t zp) { return zp + (type == QRT_DTYPE_I8 ? 128 : 0); }

/* Scalar tails shared by the kernels (the reference functions, stored as bytes). */
static inline void q8_ew_store_f32(const q8_ew_out_t *o, uint8_t *y, int64_t i, float v) {
  qrt_q8_store(o->type, y, i, qrt_requantize_f32_scalar(v, o->zp, o->qmin, o->qmax));
}
void qrt_q8_ew_quantize_tail(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y);
void qrt_q8_ew_requant_tail(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m, const q8_ew_out_t *o,
                            uint8_t *y);
void qrt_q8_ew_binary_tail(int add, int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                           const q8_ew_bin_t *p, uint8_t *y);
/* max_rows and max_cols as loops (any stride) */
void qrt_q8_max_rows_scalar(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip, uint8_t *dst);
void qrt_q8_max_cols_scalar(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil, uint8_t flip,
                            uint8_t *dst);

/* Max pool driver (q8_ew.c) for arguments already checked by qrt_q8_max_pool2d,
 * output oh x ow per plane; only when qrt_q8_max_pool2d_vector_ok (kernel_h <= 32,
 * a window row spans at most 2048 columns; else the reference runs). */
int qrt_q8_max_pool2d_vector_ok(const qrt_pool2d_params_t *p);
void qrt_q8_max_pool2d_vector(const q8_ew_variant_t *v, const qrt_pool2d_params_t *p, int64_t planes, int64_t h,
                              int64_t w, int64_t oh, int64_t ow, qrt_dtype_t type, const void *x, void *y);

#define Q8_EW_DECLARE(isa)                                                                                     \
  void qrt_q8_quantize__##isa(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y);       \
  void qrt_q8_requant_row__##isa(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m,                \
                                 const q8_ew_out_t *o, uint8_t *y);                                            \
  void qrt_q8_add_row__##isa(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,           \
                             const q8_ew_bin_t *p, uint8_t *y);                                                \
  void qrt_q8_mul_row__##isa(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,           \
                             const q8_ew_bin_t *p, uint8_t *y);                                                \
  void qrt_q8_max_rows__##isa(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip,             \
                              uint8_t *dst);                                                                   \
  void qrt_q8_max_cols__##isa(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil,          \
                              uint8_t flip, uint8_t *dst);                                                     \
  int64_t qrt_q8_sum__##isa(int64_t n, const uint8_t *x, uint8_t flip);
#if defined(__x86_64__) || defined(_M_X64)
Q8_EW_DECLARE(avx2)
Q8_EW_DECLARE(avx512f)
#endif
#if defined(__aarch64__)
Q8_EW_DECLARE(neon)
#endif
#undef Q8_EW_DECLARE

#endif /* Q8_EW_INTERNAL_H */
