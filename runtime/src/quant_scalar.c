/* Scalar reference kernels for QuantizeLinear / DequantizeLinear. The
 * numerics are stated in qrt/qrt_quant.h; this file is built with
 * -ffp-contract=off like the rest of libqrt. QuantizeLinear to 8 bits runs the
 * vector variant of qrt_active_isa() when there is one (q8_ew_internal.h),
 * with the same results. */
#include <math.h>

#include "q8_ew_internal.h"
#include "qrt_internal.h"
#include "qrt/qrt_pool.h"
#include "qrt/qrt_quant.h"

float qrt_round_half_even_f32(float v) {
  if (!(fabsf(v) < 8388608.0f)) return v; /* NaN, Inf, or |v| >= 2^23: already integral */
  float a = fabsf(v);
  float r = floorf(a);
  /* a - r is exact: r == 0, or r <= a < 2r (Sterbenz). */
  float diff = a - r;
  if (diff > 0.5f || (diff == 0.5f && fmodf(r, 2.0f) != 0.0f)) r += 1.0f;
  return v < 0 ? -r : r;
}

int32_t qrt_quantize_f32_scalar(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  float q = x / scale; /* a division, as ONNX: never x * (1 / scale) */
  double v = isnan(q) ? (double)zero_point : (double)qrt_round_half_even_f32(q) + (double)zero_point;
  if (v < (double)qmin) v = (double)qmin;
  if (v > (double)qmax) v = (double)qmax;
  return (int32_t)v;
}

float qrt_dequantize_f32_scalar(int32_t q, float scale, int32_t zero_point) {
  return (float)((int64_t)q - (int64_t)zero_point) * scale;
}

static int storage_range(qrt_dtype_t t, int64_t *lo, int64_t *hi) {
  switch (t) {
    case QRT_DTYPE_I8: *lo = INT8_MIN; *hi = INT8_MAX; return 1;
    case QRT_DTYPE_U8: *lo = 0; *hi = UINT8_MAX; return 1;
    case QRT_DTYPE_I32: *lo = INT32_MIN; *hi = INT32_MAX; return 1;
    default: return 0;
  }
}

/* The arguments of qrt_quantize_f32_reference and _mt: 1 when valid. */
static int quant_args_ok(qrt_dtype_t storage, int32_t qmin, int32_t qmax, int64_t outer, int64_t channels,
                         int64_t inner, const float *scales, const int32_t *zero_points) {
  int64_t lo, hi;
  if (!storage_range(storage, &lo, &hi) || qmin > qmax || qmin < lo || qmax > hi) return 0;
  if (outer < 0 || channels < 1 || inner < 0 || !scales || !zero_points) return 0;
  for (int64_t c = 0; c < channels; c++)
    if (zero_points[c] < qmin || zero_points[c] > qmax) return 0;
  return 1;
}

qrt_status_t qrt_quantize_f32_reference(qrt_dtype_t storage, int32_t qmin, int32_t qmax, int64_t outer,
                                        int64_t channels, int64_t inner, const float *x,
                                        const float *scales, const int32_t *zero_points, void *y) {
  if (!quant_args_ok(storage, qmin, qmax, outer, channels, inner, scales, zero_points)) return QRT_INVALID_ARGUMENT;
  const q8_ew_variant_t *v = storage == QRT_DTYPE_I32 ? NULL : qrt_q8_ew_variant();
  if (v) {
    if (channels == 1) { /* per tensor: one run (the executor passes [n][1][1]) */
      const q8_ew_out_t oq = qrt_q8_ew_out(storage, zero_points[0], qmin, qmax);
      if (outer * inner > 0) v->quantize(outer * inner, x, scales[0], &oq, (uint8_t *)y);
      return QRT_OK;
    }
    for (int64_t o = 0, i = 0; o < outer; o++)
      for (int64_t c = 0; c < channels; c++, i += inner) {
        const q8_ew_out_t oq = qrt_q8_ew_out(storage, zero_points[c], qmin, qmax);
        if (inner > 0) v->quantize(inner, x + i, scales[c], &oq, (uint8_t *)y + i);
      }
    return QRT_OK;
  }
  int64_t i = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < channels; c++) {
      float s = scales[c];
      int32_t zp = zero_points[c];
      for (int64_t k = 0; k < inner; k++, i++) {
        int32_t q = qrt_quantize_f32_scalar(x[i], s, zp, qmin, qmax);
        switch (storage) {
          case QRT_DTYPE_I8: ((int8_t *)y)[i] = (int8_t)q; break;
          case QRT_DTYPE_U8: ((uint8_t *)y)[i] = (uint8_t)q; break;
          default: ((int32_t *)y)[i] = q; break;
        }
      }
    }
  return QRT_OK;
}

/* qrt_quantize_f32_mt's parts: [t * chunk, ...) of one per-tensor run. */
typedef struct {
  const q8_ew_variant_t *v;
  q8_ew_out_t oq;
  const float *x;
  float scale;
  uint8_t *y;
  int64_t total, chunk;
} quant_job_t;

static void quant_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const quant_job_t *j = (const quant_job_t *)arg;
  const int64_t e0 = t * j->chunk, e1 = e0 + j->chunk < j->total ? e0 + j->chunk : j->total;
  j->v->quantize(e1 - e0, j->x + e0, j->scale, &j->oq, j->y + e0);
}

enum { QUANT_MIN_TASK = 16384 }; /* values per part at least */

qrt_status_t qrt_quantize_f32_mt(qrt_pool_t *pool, qrt_dtype_t storage, int32_t qmin, int32_t qmax, int64_t outer,
                                 int64_t channels, int64_t inner, const float *x, const float *scales,
                                 const int32_t *zero_points, void *y) {
  const q8_ew_variant_t *v = storage == QRT_DTYPE_I32 ? NULL : qrt_q8_ew_variant();
  const int64_t total = outer * inner;
  int64_t chunk;
  const int64_t tasks = qrt_ew_split(pool, total, QUANT_MIN_TASK, 1, 64, &chunk);
  /* per tensor, byte storage, valid arguments and enough values: one contiguous part per thread */
  if (!v || channels != 1 || tasks < 2 || !quant_args_ok(storage, qmin, qmax, outer, channels, inner, scales, zero_points))
    return qrt_quantize_f32_reference(storage, qmin, qmax, outer, channels, inner, x, scales, zero_points, y);
  quant_job_t j = {v, qrt_q8_ew_out(storage, zero_points[0], qmin, qmax), x, scales[0], (uint8_t *)y, total, chunk};
  qrt_pool_run(pool, tasks, quant_task, &j);
  return QRT_OK;
}

qrt_status_t qrt_dequantize_f32_reference(qrt_dtype_t storage, int64_t outer, int64_t channels,
                                          int64_t inner, const void *q, const float *scales,
                                          const int32_t *zero_points, float *y) {
  int64_t lo, hi;
  if (!storage_range(storage, &lo, &hi)) return QRT_INVALID_ARGUMENT;
  if (outer < 0 || channels < 1 || inner < 0 || !scales || !zero_points) return QRT_INVALID_ARGUMENT;
  int64_t i = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < channels; c++) {
      float s = scales[c];
      int32_t zp = zero_points[c];
      for (int64_t k = 0; k < inner; k++, i++) {
        int32_t v = storage == QRT_DTYPE_I8   ? ((const int8_t *)q)[i]
                    : storage == QRT_DTYPE_U8 ? ((const uint8_t *)q)[i]
                                              : ((const int32_t *)q)[i];
        y[i] = qrt_dequantize_f32_scalar(v, s, zp);
      }
    }
  return QRT_OK;
}

/* ---- requantization ------------------------------------------------------------
 * Each intermediate is stored in a float variable: C requires assignment to
 * drop any excess precision, so the roundings are the float32 ones even where
 * FLT_EVAL_METHOD != 0. */

float qrt_requant_multiplier(float s_in, float s_w, float s_out) {
  const float prod = s_in * s_w;
  const float m = prod / s_out;
  return m;
}

float qrt_requant_pool_multiplier(float s_in, float s_out, int64_t count) {
  const float denom = s_out * (float)count;
  const float m = s_in / denom;
  return m;
}

int32_t qrt_requantize_f32_scalar(float v, int32_t zero_point, int32_t qmin, int32_t qmax) {
  int64_t q;
  if (isnan(v)) {
    q = zero_point;
  } else {
    /* Exact for every 8- and 16-bit range: the bounds are small integers. */
    const float lo = (float)((int64_t)qmin - zero_point);
    const float hi = (float)((int64_t)qmax - zero_point);
    float c = v < lo ? lo : v;
    c = c > hi ? hi : c;
    const float r = qrt_round_half_even_f32(c); /* |r| <= 2^33: fits int64 */
    q = (int64_t)r + zero_point;
  }
  if (q < qmin) q = qmin; /* only matters when lo/hi were rounded (32-bit ranges) */
  if (q > qmax) q = qmax;
  return (int32_t)q;
}

int32_t qrt_requantize_scalar(int32_t acc, float multiplier, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float a = (float)acc; /* round to nearest even for |acc| > 2^24 */
  const float v = a * multiplier;
  return qrt_requantize_f32_scalar(v, zero_point, qmin, qmax);
}

qrt_status_t qrt_quant_clamp_range(float lo, float hi, float scale, int32_t zero_point, int32_t qmin,
                                   int32_t qmax, int32_t *out_min, int32_t *out_max) {
  if (isnan(lo) || isnan(hi) || lo > hi || !(scale > 0.0f) || isinf(scale) || qmin > qmax ||
      zero_point < qmin || zero_point > qmax || !out_min || !out_max)
    return QRT_INVALID_ARGUMENT;
  *out_min = qrt_quantize_f32_scalar(lo, scale, zero_point, qmin, qmax);
  *out_max = qrt_quantize_f32_scalar(hi, scale, zero_point, qmin, qmax);
  return QRT_OK;
}

int32_t qrt_quantize_bias_scalar(float bias, float s_in, float s_w) {
  const float s = s_in * s_w;
  return qrt_quantize_f32_scalar(bias, s, 0, INT32_MIN, INT32_MAX);
}

qrt_status_t qrt_quant_choose_params_min_scale(float min, float max, int32_t qmin, int32_t qmax, int symmetric,
                                               float min_scale, float *out_scale, int32_t *out_zero_point) {
  if (!isfinite(min) || !isfinite(max) || min > max || qmin >= qmax || !(min_scale > 0.0f) || isinf(min_scale) ||
      !out_scale || !out_zero_point)
    return QRT_INVALID_ARGUMENT;
  const float lo = min < 0.0f ? min : 0.0f;
  const float hi = max > 0.0f ? max : 0.0f;
  float scale;
  int64_t zp;
  if (symmetric) {
    const float amax = -lo > hi ? -lo : hi;
    const float half = (float)(((double)qmax - (double)qmin) / 2.0); /* exact: a multiple of 0.5 below 2^32 */
    scale = amax / half;
    zp = qmin < 0 ? 0 : ((int64_t)qmin + qmax + 1) / 2;
  } else {
    const float range = hi - lo;
    scale = range / (float)((int64_t)qmax - qmin);
  }
  if (lo == hi) /* all zero: any positive scale represents it */
    scale = QRT_QUANT_EMPTY_SCALE > min_scale ? QRT_QUANT_EMPTY_SCALE : min_scale;
  else if (!(scale >= min_scale))
    scale = min_scale; /* also catches NaN (inf - inf) */
  if (!symmetric) {
    const float q = lo / scale;
    zp = (int64_t)qmin - (int64_t)qrt_round_half_even_f32(q);
    if (zp < qmin) zp = qmin;
    if (zp > qmax) zp = qmax;
  }
  *out_scale = scale;
  *out_zero_point = (int32_t)zp;
  return QRT_OK;
}

qrt_status_t qrt_quant_choose_params(float min, float max, int32_t qmin, int32_t qmax, int symmetric,
                                     float *out_scale, int32_t *out_zero_point) {
  return qrt_quant_choose_params_min_scale(min, max, qmin, qmax, symmetric, QRT_QUANT_MIN_SCALE, out_scale,
                                           out_zero_point);
}
