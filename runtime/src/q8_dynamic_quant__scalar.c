/* Scalar reference dynamic quantization: ONNX DynamicQuantizeLinear
 * (qrt_q8_dynamic_quantize_linear) and per-row quantization of activations for
 * dynamic-quantization Linear (qrt_q8_dynamic_quantize_rows). Contracts in
 * qrt/qrt_q8.h; the formulas follow the ONNX reference implementation
 * (onnx/reference/ops/op_dynamic_quantize_linear.py), all in float32. The
 * values are quantized by the QuantizeLinear row kernels of q8_ew.c. */
#include <math.h>

#include "q8_dynamic_quant_internal.h"
#include "q8_ew_internal.h"
#include "qrt/qrt_pool.h"
#include "qrt_internal.h"
#include "qrt_target.h"

/* The range: min and max kept in 16 independent lanes (selects, not branches)
 * so GCC vectorizes the main loop. Min/max are exact and order-free; a
 * non-finite element becomes 0, which the range holds anyway, so it does not
 * widen it (v - v is 0 only for finite v). A -0 in place of +0 for lo or hi
 * changes neither hi - lo nor lo / s. */
static inline void q8_minmax_step(float v, float *lo, float *hi) {
  const float f = v - v == 0.0f ? v : 0.0f; /* NaN and +-Inf do not widen the range */
  *lo = f < *lo ? f : *lo;
  *hi = f > *hi ? f : *hi;
}

static void q8_minmax_scalar(const float *x, int64_t n, float *lo_out, float *hi_out) {
  float lo[16] = {0}, hi[16] = {0}; /* the range always includes 0 */
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) q8_minmax_step(x[i + j], &lo[j], &hi[j]);
  for (int j = 0; i + j < n; j++) q8_minmax_step(x[i + j], &lo[j], &hi[j]);
  float l = 0.0f, h = 0.0f;
  for (int j = 0; j < 16; j++) {
    l = lo[j] < l ? lo[j] : l;
    h = hi[j] > h ? hi[j] : h;
  }
  *lo_out = l;
  *hi_out = h;
}

#if defined(__x86_64__)
/* a one-target build keeps one of them besides the scalar one (qrt_target.h) */
enum { Q8_MINMAX_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) };
#define Q8_MINMAX(isa_level) (QRT_ROW_KEPT(isa_level, Q8_MINMAX_LEVELS) && isa >= isa_level)
#endif

/* The newest build of the range the CPU and the ISA limit allow: the same values
 * (q8_dynamic_quant_internal.h; test_q8_dynamic.c compares every level). */
static void q8_minmax(const float *x, int64_t n, float *lo, float *hi) {
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (Q8_MINMAX(QRT_ISA_AVX512F)) { qrt_q8_minmax__avx512f(x, n, lo, hi); return; }
  if (Q8_MINMAX(QRT_ISA_AVX2_FMA)) { qrt_q8_minmax__avx2(x, n, lo, hi); return; }
#endif
  q8_minmax_scalar(x, n, lo, hi);
}

/* y[i] = the byte of qrt_quantize_f32_scalar(x[i], scale, zp, qmin, qmax): the
 * QuantizeLinear row kernel of the newest ISA (q8_ew.c's table: AVX2, AVX-512,
 * NEON, the same bytes as the reference, tested there and in
 * test_q8_dynamic.c on every level), or the reference itself. */
static void q8_quantize_row(int64_t n, const float *x, float scale, qrt_dtype_t type, int32_t zp, int32_t qmin,
                            int32_t qmax, uint8_t *y) {
  if (n < 1) return;
  const q8_ew_out_t o = qrt_q8_ew_out(type, zp, qmin, qmax);
  const q8_ew_variant_t *v = qrt_q8_ew_variant();
  if (v) v->quantize(n, x, scale, &o, y);
  else qrt_q8_ew_quantize_tail(n, x, scale, &o, y);
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
  q8_quantize_row(n, x, scale, QRT_DTYPE_U8, zp, 0, 255, y);
  *out_scale = scale;
  *out_zero_point = (uint8_t)zp;
  return QRT_OK;
}

/* Rows [r0, r1): each row's parameters and bytes depend on that row only. */
typedef struct {
  qrt_dtype_t type;
  int symmetric;
  int64_t cols;
  int32_t qmin, qmax;
  const float *x;
  void *y;
  float *scales;
  int32_t *zero_points;
  int64_t rows, chunk;
} q8_dq_job_t;

static void q8_dq_range(const q8_dq_job_t *j, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float *xr = j->x + r * j->cols;
    float scale;
    int32_t zp = 0;
    if (j->symmetric)
      scale = q8_symmetric_scale(xr, j->cols);
    else
      q8_dynamic_params(xr, j->cols, j->qmin, j->qmax, &scale, &zp);
    q8_quantize_row(j->cols, xr, scale, j->type, zp, j->qmin, j->qmax, (uint8_t *)j->y + r * j->cols);
    j->scales[r] = scale;
    j->zero_points[r] = zp;
  }
}

static void q8_dq_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const q8_dq_job_t *j = (const q8_dq_job_t *)arg;
  q8_dq_range(j, t * j->chunk, QRT_MIN(j->rows, (t + 1) * j->chunk));
}

/* A task quantizes at least this many elements (whole rows). */
enum { Q8_DQ_MIN_TASK = 16384 };

qrt_status_t qrt_q8_dynamic_quantize_rows_mt(qrt_pool_t *pool, qrt_dtype_t type, int symmetric, int64_t rows,
                                             int64_t cols, const float *x, void *y, float *scales,
                                             int32_t *zero_points) {
  int32_t qmin, qmax;
  if (!qrt_q8_type_range(type, &qmin, &qmax) || (symmetric && type != QRT_DTYPE_I8) || rows < 0 ||
      cols < 0)
    return QRT_INVALID_ARGUMENT;
  if (rows == 0) return QRT_OK;
  if ((cols > 0 && (!x || !y)) || !scales || !zero_points) return QRT_INVALID_ARGUMENT;
  if (symmetric) qmin = -127;
  q8_dq_job_t j = {type, symmetric, cols, qmin, qmax, x, y, scales, zero_points, rows, rows};
  const int64_t tasks = qrt_ew_tasks(pool, rows, (Q8_DQ_MIN_TASK + cols - 1) / QRT_MAX(cols, 1), &j.chunk);
  if (tasks > 1) qrt_pool_run(pool, tasks, q8_dq_task, &j);
  else q8_dq_range(&j, 0, rows);
  return QRT_OK;
}

qrt_status_t qrt_q8_dynamic_quantize_rows(qrt_dtype_t type, int symmetric, int64_t rows, int64_t cols,
                                          const float *x, void *y, float *scales,
                                          int32_t *zero_points) {
  return qrt_q8_dynamic_quantize_rows_mt(NULL, type, symmetric, rows, cols, x, y, scales, zero_points);
}
