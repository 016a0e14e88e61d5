/* Parameter checks shared by the int8 kernels (qrt_q8.h). */
#include <math.h>

#include "qrt/qrt_q8.h"

static int scale_ok(float s) { return s > 0.0f && isfinite(s); }

void qrt_q8_output_init(qrt_q8_output_t *y, qrt_dtype_t type, float scale, int32_t zero_point) {
  y->type = type;
  y->scale = scale;
  y->zero_point = zero_point;
  y->qmin = 0;
  y->qmax = 0;
  qrt_q8_type_range(type, &y->qmin, &y->qmax);
}

qrt_status_t qrt_q8_act_check(const qrt_q8_act_t *x) {
  int32_t lo, hi;
  if (!x || !qrt_q8_type_range(x->type, &lo, &hi) || !scale_ok(x->scale) || x->zero_point < lo ||
      x->zero_point > hi)
    return QRT_INVALID_ARGUMENT;
  return QRT_OK;
}

qrt_status_t qrt_q8_output_check(const qrt_q8_output_t *y) {
  int32_t lo, hi;
  if (!y || !qrt_q8_type_range(y->type, &lo, &hi) || !scale_ok(y->scale) || y->zero_point < lo ||
      y->zero_point > hi || y->qmin > y->qmax || y->qmin < lo || y->qmax > hi)
    return QRT_INVALID_ARGUMENT;
  return QRT_OK;
}

qrt_status_t qrt_q8_weights_check(const qrt_q8_weights_t *wq, int64_t channels, int need_scales) {
  int32_t lo, hi;
  if (!wq || channels < 1 || !qrt_q8_type_range(wq->type, &lo, &hi)) return QRT_INVALID_ARGUMENT;
  if (need_scales) {
    if (!wq->scales || (wq->n_scales != 1 && wq->n_scales != channels)) return QRT_INVALID_ARGUMENT;
    for (int64_t c = 0; c < wq->n_scales; c++)
      if (!scale_ok(wq->scales[c])) return QRT_INVALID_ARGUMENT;
  }
  if (wq->zero_points) {
    if (wq->n_zero_points != 1 && wq->n_zero_points != channels) return QRT_INVALID_ARGUMENT;
    for (int64_t c = 0; c < wq->n_zero_points; c++)
      if (wq->zero_points[c] < lo || wq->zero_points[c] > hi) return QRT_INVALID_ARGUMENT;
  }
  return QRT_OK;
}

int32_t qrt_q8_max_deviation(qrt_dtype_t type, int32_t zero_point) {
  int32_t lo = 0, hi = 0;
  qrt_q8_type_range(type, &lo, &hi);
  const int32_t a = zero_point - lo, b = hi - zero_point;
  return a > b ? a : b;
}
