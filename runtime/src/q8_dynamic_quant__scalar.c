/* Scalar reference dynamic quantization: ONNX DynamicQuantizeLinear
 * (qrt_q8_dynamic_quantize_linear) and per-row quantization of activations for
 * dynamic-quantization Linear (qrt_q8_dynamic_quantize_rows). Contracts in
 * qrt/qrt_q8.h; the formulas follow the ONNX reference implementation
 * (onnx/reference/ops/op_dynamic_quantize_linear.py), all in float32. */
#include <math.h>

#include "qrt/qrt_q8.h"

/* The loops below are written so GCC vectorizes them (selects instead of
 * branches, min/max kept in 16 independent lanes, rounding by the 1.5 * 2^23
 * shifter) while giving the bytes of the per-element definitions:
 *  - min/max are exact and order-free; a non-finite element becomes 0, which
 *    the range holds anyway, so it does not widen it (v - v is 0 only for
 *    finite v). A -0 in place of +0 for lo or hi changes neither hi - lo nor
 *    lo / s.
 *  - q8_quantize_row equals qrt_quantize_f32_scalar: with q = x / s (the
 *    same division), lo = qmin - zp and hi = qmax - zp integers in
 *    [-255, 255], round(clamp(q, lo, hi)) = clamp(round(q), lo, hi) because
 *    rounding to integers is monotonic and fixes integers; for |c| <= 255,
 *    (c + 1.5 * 2^23) - 1.5 * 2^23 is c rounded half to even (the sum lies in
 *    [2^23, 2^24), where floats are the integers, and the addition rounds to
 *    nearest even); NaN gives zp as in the reference. */
static void q8_minmax(const float *x, int64_t n, float *lo_out, float *hi_out) {
  float lo[16] = {0}, hi[16] = {0}; /* the range always includes 0 */
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) {
      const float v = x[i + j];
      const float f = v - v == 0.0f ? v : 0.0f; /* NaN and +-Inf do not widen the range */
      lo[j] = f < lo[j] ? f : lo[j];
      hi[j] = f > hi[j] ? f : hi[j];
    }
  for (int j = 0; i + j < n; j++) {
    const float v = x[i + j];
    const float f = v - v == 0.0f ? v : 0.0f;
    lo[j] = f < lo[j] ? f : lo[j];
    hi[j] = f > hi[j] ? f : hi[j];
  }
  float l = 0.0f, h = 0.0f;
  for (int j = 0; j < 16; j++) {
    l = lo[j] < l ? lo[j] : l;
    h = hi[j] > h ? hi[j] : h;
  }
  *lo_out = l;
  *hi_out = h;
}

/* The result is in [qmin, qmax] (an 8-bit type's range), so its low byte is
 * the stored u8 or s8 (two's complement): one loop serves both types. */
static void q8_quantize_row(int64_t n, const float *x, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                            uint8_t *y) {
  const float lo = (float)(qmin - zp), hi = (float)(qmax - zp), shifter = 12582912.0f;
  for (int64_t i = 0; i < n; i++) {
    const float q = x[i] / scale;
    float c = q != q ? 0.0f : q;
    c = c < lo ? lo : (c > hi ? hi : c);
    y[i] = (uint8_t)((int32_t)((c + shifter) - shifter) + zp);
  }
}

/* Scale and zero point of one row, asymmetric over [qmin, qmax]. */
static void q8_dynamic_params(const float *x, int64_t n, int32_t qmin, int32_t qmax, float *scale,
                              int32_t *zp) {
  float lo, hi;
  q8_minmax(x, n, &lo, &hi);
  const float range = hi == lo ? 1.0f : hi - lo;
  const float s = range / (float)(qmax - qmin);
  const float lo_scaled = lo / s;
  float z = (float)qmin - lo_scaled;
  /* 0/0 when lo is 0 and the scale underflowed to 0 (a range below 255 * 2^-149):
   * the zero point of a range starting at 0 is qmin. */
  if (isnan(z)) z = (float)qmin;
  z = z < (float)qmin ? (float)qmin : z; /* saturate, then round (the ONNX order) */
  z = z > (float)qmax ? (float)qmax : z;
  *scale = s;
  *zp = (int32_t)qrt_round_half_even_f32(z);
}

/* Symmetric s8: scale = amax / 127, zero point 0. */
static float q8_symmetric_scale(const float *x, int64_t n) {
  float lo, hi;
  q8_minmax(x, n, &lo, &hi);
  const float amax = -lo > hi ? -lo : hi;
  const float s = (amax == 0.0f ? 1.0f : amax) / 127.0f;
  return s;
}

qrt_status_t qrt_q8_dynamic_quantize_linear(int64_t n, const float *x, uint8_t *y, float *out_scale,
                                            uint8_t *out_zero_point) {
  if (n < 0 || (n > 0 && (!x || !y)) || !out_scale || !out_zero_point) return QRT_INVALID_ARGUMENT;
  float scale;
  int32_t zp;
  q8_dynamic_params(x, n, 0, 255, &scale, &zp);
  q8_quantize_row(n, x, scale, zp, 0, 255, y);
  *out_scale = scale;
  *out_zero_point = (uint8_t)zp;
  return QRT_OK;
}

qrt_status_t qrt_q8_dynamic_quantize_rows(qrt_dtype_t type, int symmetric, int64_t rows, int64_t cols,
                                          const float *x, void *y, float *scales,
                                          int32_t *zero_points) {
  int32_t qmin, qmax;
  if (!qrt_q8_type_range(type, &qmin, &qmax) || (symmetric && type != QRT_DTYPE_I8) || rows < 0 ||
      cols < 0)
    return QRT_INVALID_ARGUMENT;
  if (rows == 0) return QRT_OK;
  if ((cols > 0 && (!x || !y)) || !scales || !zero_points) return QRT_INVALID_ARGUMENT;
  if (symmetric) qmin = -127;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float scale;
    int32_t zp = 0;
    if (symmetric)
      scale = q8_symmetric_scale(xr, cols);
    else
      q8_dynamic_params(xr, cols, qmin, qmax, &scale, &zp);
    q8_quantize_row(cols, xr, scale, zp, qmin, qmax, (uint8_t *)y + r * cols);
    scales[r] = scale;
    zero_points[r] = zp;
  }
  return QRT_OK;
}
