/* libqrt kernels on every ONNX numeric element type, not only float32:
 * integer (and f16, bf16, f64) elementwise arithmetic with broadcasting, Pow
 * with mixed operand types, Clip, Where on any element size, integer max
 * pooling, and Cast between all of these types. Conventions as in qrt.h (no
 * allocation, int64_t sizes, strides in elements, statuses); broadcasting and
 * the rank limit (8) as in qrt_f32.h's elementwise section.
 *
 * These are scalar reference-style loops: correct for every input (no
 * undefined behaviour on overflow, division by zero or out-of-range
 * conversions), not tuned. The f32 fast paths stay in qrt_f32.h.
 *
 * Integer semantics (two's complement, like numpy and ONNX Runtime):
 *  ADD, SUB, MUL, NEG  wrap around modulo 2^bits (INT8 -128 * -1 = -128).
 *  DIV                 truncates toward zero (C and ONNX Runtime; numpy's
 *                      floor_divide differs for negative quotients). x / 0
 *                      is 0 (ONNX leaves it undefined; this is a fixed choice
 *                      instead of a trap). INT_MIN / -1 wraps to INT_MIN.
 *  POW                 exact by repeated squaring, wrapping like MUL;
 *                      a negative exponent gives trunc(1 / a^|b|): 1 for
 *                      a = 1, +-1 for a = -1, else 0 (also for a = 0).
 *  MAX, MIN            exact. ABS of INT_MIN is INT_MIN (wraps).
 * F16 computes each element in float32 and rounds the result once (as numpy
 * does for float16); F64 computes in double; F32 is qrt_f32_binary /
 * qrt_f32_unary. MAX/MIN of NaN is NaN. BF16 has Cast, Where and max pooling
 * here, not arithmetic (QRT_UNSUPPORTED).
 */
#ifndef QRT_INT_H
#define QRT_INT_H
#include "qrt/qrt.h"
#include "qrt/qrt_data.h"
#include "qrt/qrt_f32.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every numeric element type of ONNX that qrt computes on. (qrt_dtype_t in
 * qrt_data.h is the subset the float kernels and quantization use; the first
 * values coincide with it so one maps to the other by value.) BOOL is one
 * byte; F16 is IEEE binary16 and BF16 bfloat16, both stored as uint16_t. */
typedef enum {
  QRT_TYPE_F32 = QRT_DTYPE_F32,
  QRT_TYPE_F16 = QRT_DTYPE_F16,
  QRT_TYPE_I8 = QRT_DTYPE_I8,
  QRT_TYPE_U8 = QRT_DTYPE_U8,
  QRT_TYPE_I32 = QRT_DTYPE_I32,
  QRT_TYPE_I64 = QRT_DTYPE_I64,
  QRT_TYPE_BOOL = QRT_DTYPE_BOOL,
  QRT_TYPE_I16,
  QRT_TYPE_U16,
  QRT_TYPE_U32,
  QRT_TYPE_U64,
  QRT_TYPE_F64,
  QRT_TYPE_BF16,
  QRT_TYPE_COUNT_
} qrt_type_t;

/* Bytes per element (0 for a value outside the enum). */
size_t qrt_type_size(qrt_type_t t);
/* 1 for F16, BF16, F32, F64. */
int qrt_type_is_float(qrt_type_t t);

/* ============================== Elementwise ================================
 * Binary, same element type t for a, b and y; shapes and strides as
 * qrt_f32_binary. ops: ADD SUB MUL DIV MAX MIN POW PRELU (PRELU: a < 0 ?
 * a * b : a). BOOL is QRT_UNSUPPORTED (ONNX has no arithmetic on bool). */
qrt_status_t qrt_binary_typed(qrt_binary_op_t op, qrt_type_t t, int64_t rank, const int64_t *out_shape,
                              const void *a, const int64_t *a_strides, const void *b,
                              const int64_t *b_strides, void *y);

/* ONNX Pow with mixed types: y (of a's type ta) = a ^ b, b of type tb.
 *  ta float, tb float: computed in the wider of the two (f32 powf when both
 *    are at most f32, else double pow) and rounded to ta.
 *  ta float, tb integer: double pow((double)a, (double)b) rounded to ta
 *    (numpy promotes float32 ^ int32 to float64, then ONNX's reference casts).
 *  ta integer, tb float: double pow, then converted to ta as Cast does
 *    (truncation toward zero, saturation, NaN -> 0).
 *  ta integer, tb integer: exact integer power in 64 bits (as POW above, the
 *    exponent read as a signed or unsigned 64-bit value), wrapped to ta. */
qrt_status_t qrt_pow_typed(qrt_type_t ta, qrt_type_t tb, int64_t rank, const int64_t *out_shape,
                           const void *a, const int64_t *a_strides, const void *b,
                           const int64_t *b_strides, void *y);

/* Unary on n contiguous elements of type t (y may equal x):
 * NEG, ABS, RELU on integer types, F16, F32 and F64 (NEG of an unsigned
 * wraps: 0 - x). Other ops and types are QRT_UNSUPPORTED here. */
qrt_status_t qrt_unary_typed(qrt_unary_op_t op, qrt_type_t t, int64_t n, const void *x, void *y);

/* Clip: y = min(max(x, lo), hi) (so hi wins when lo > hi, as numpy.clip).
 * For integer t the bounds are first brought into the type: lo -> ceil(lo),
 * hi -> floor(hi), both saturated to the type's range (-INFINITY / +INFINITY
 * mean no bound; a NaN bound is ignored). Float types compare in double and
 * propagate NaN inputs. y may equal x. */
qrt_status_t qrt_clip_typed(qrt_type_t t, int64_t n, const void *x, double lo, double hi, void *y);

/* Where on any element size: y = cond ? x : z (cond one byte per element,
 * non-zero is true), all three broadcast through their strides, y contiguous
 * with out_shape. elem_size 1, 2, 4 or 8. */
qrt_status_t qrt_where_bytes(size_t elem_size, int64_t rank, const int64_t *out_shape, const uint8_t *cond,
                             const int64_t *cond_strides, const void *x, const int64_t *x_strides,
                             const void *z, const int64_t *z_strides, void *y);

/* ============================ Max pooling ==================================
 * qrt_f32_max_pool2d's contract for any numeric type t (not BOOL): padding
 * never wins; a window with no input element gives the type's lowest value
 * (-INFINITY for float types); NaN propagates. (In f32_pool.c.) */
qrt_status_t qrt_max_pool2d_typed(qrt_type_t t, const qrt_pool2d_params_t *p, int64_t n, int64_t c,
                                  int64_t h, int64_t w, const void *x, void *y);

/* ================================= Cast ====================================
 * qrt_cast's rules (qrt_data.h) extended to every qrt_type_t (in cast.c):
 *  float -> float  round to nearest even with one rounding (f64 -> f16
 *                  directly, not through f32), overflow to Inf, NaN stays NaN.
 *  float -> int    truncate toward zero, saturate, NaN -> 0.
 *  int -> float    nearest (ties to even), one rounding.
 *  anything -> BF16  the value is converted to float32 as above, then the
 *                  float32 bits are truncated to bfloat16 (NaN kept quiet):
 *                  what ONNX's reference and its backend test data do for
 *                  opsets <= 18 (the spec leaves the rounding open).
 *  int -> int      wrap-around; anything -> BOOL is x != 0; BOOL -> 0 or 1. */
qrt_status_t qrt_cast_typed(qrt_type_t from, qrt_type_t to, int64_t n, const void *x, void *y);
/* Scalar helpers. */
uint16_t qrt_f32_to_bf16(float f); /* truncation, NaN kept quiet */
float qrt_bf16_to_f32(uint16_t b);  /* exact */
uint16_t qrt_f64_to_f16(double d);  /* round to nearest even */

#ifdef __cplusplus
}
#endif
#endif /* QRT_INT_H */
