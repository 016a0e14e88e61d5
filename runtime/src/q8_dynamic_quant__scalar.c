/* Scalar reference dynamic quantization: ONNX DynamicQuantizeLinear
 * (qrt_q8_dynamic_quantize_linear) and per-row quantization of activations for
 * dynamic-quantization Linear (qrt_q8_dynamic_quantize_rows). Contracts in
 * qrt/qrt_q8.h; the formulas follow the ONNX reference implementation
 * (onnx/reference/ops/op_dynamic_quantize_linear.py), all in float32. */
#include <math.h>

#include "qrt/qrt_q8.h"

/* Scale and zero point of one row, asymmetric over [qmin, qmax]. */
static void q8_dynamic_params(const float *x, int64_t n, int32_t qmin, int32_t qmax, float *scale,
                              int32_t *zp) {
  float lo = 0.0f, hi = 0.0f; /* the range always includes 0 */
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    if (!isfinite(v)) continue; /* NaN and +-Inf do not widen the range */
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
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
  float amax = 0.0f;
  for (int64_t i = 0; i < n; i++) {
    const float v = fabsf(x[i]);
    if (isfinite(v) && v > amax) amax = v;
  }
  const float s = (amax == 0.0f ? 1.0f : amax) / 127.0f;
  return s;
}

qrt_status_t qrt_q8_dynamic_quantize_linear(int64_t n, const float *x, uint8_t *y, float *out_scale,
                                            uint8_t *out_zero_point) {
  if (n < 0 || (n > 0 && (!x || !y)) || !out_scale || !out_zero_point) return QRT_INVALID_ARGUMENT;
  float scale;
  int32_t zp;
  q8_dynamic_params(x, n, 0, 255, &scale, &zp);
  for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)qrt_quantize_f32_scalar(x[i], scale, zp, 0, 255);
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
    for (int64_t i = 0; i < cols; i++)
      qrt_q8_store(type, y, r * cols + i, qrt_quantize_f32_scalar(xr[i], scale, zp, qmin, qmax));
    scales[r] = scale;
    zero_points[r] = zp;
  }
  return QRT_OK;
}
