/* Softmax, LogSoftmax, LayerNormalization, BatchNormalization (inference). */
#include <math.h>

#include "f32_transcend.h"
#include "qrt/qrt_pool.h"
#include "qrt_internal.h"
#include "qrt_target.h"

/* One vector of length n with stride s. log_form: y = x - max - log(sum).
 * (Softmax over contiguous rows runs f32_transcend.inl's qrt_f32_softmax_rows.) */
static void qrt_softmax_vec(int64_t n, int64_t s, const float *x, float *y, int log_form) {
  float mx = -INFINITY;
  int nan = 0;
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i * s];
    if (v != v) nan = 1;
    mx = v > mx ? v : mx;
  }
  if (nan || mx == INFINITY) { /* undefined: make the whole vector NaN */
    for (int64_t i = 0; i < n; i++) y[i * s] = NAN;
    return;
  }
  double sum = 0.0;
  if (log_form) {
    for (int64_t i = 0; i < n; i++) sum += (double)expf(x[i * s] - mx);
    const float ls = (float)log(sum);
    for (int64_t i = 0; i < n; i++) y[i * s] = (x[i * s] - mx) - ls;
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float e = expf(x[i * s] - mx);
      y[i * s] = e;
      sum += (double)e;
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) y[i * s] *= inv;
  }
}

/* Vectors [o0, o1) of the outer dimension (all inner positions of each). */
typedef struct {
  int64_t outer, axis, inner;
  const float *x;
  float *y;
  int log_form;
  int64_t chunk;
} qrt_softmax_job_t;

static void qrt_softmax_range(const qrt_softmax_job_t *j, int64_t o0, int64_t o1) {
  if (j->inner == 1 && !j->log_form) {
    qrt_f32_softmax_rows(o1 - o0, j->axis, j->x + o0 * j->axis, j->y + o0 * j->axis);
    return;
  }
  for (int64_t o = o0; o < o1; o++)
    for (int64_t i = 0; i < j->inner; i++) {
      const int64_t base = o * j->axis * j->inner + i;
      qrt_softmax_vec(j->axis, j->inner, j->x + base, j->y + base, j->log_form);
    }
}

static void qrt_softmax_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const qrt_softmax_job_t *j = (const qrt_softmax_job_t *)arg;
  qrt_softmax_range(j, t * j->chunk, QRT_MIN(j->outer, (t + 1) * j->chunk));
}

/* A task holds at least this many elements of whole outer slices. */
enum { QRT_NORM_MIN_TASK = 2048 };

static qrt_status_t qrt_softmax_any(qrt_pool_t *pool, int64_t outer, int64_t axis, int64_t inner, const float *x,
                                    float *y, int log_form) {
  if (outer < 0 || axis < 0 || inner < 0) return QRT_INVALID_ARGUMENT;
  qrt_softmax_job_t j = {outer, axis, inner, x, y, log_form, outer};
  const int64_t slice = QRT_MAX(axis * inner, 1);
  const int64_t tasks = qrt_ew_tasks(pool, outer, (QRT_NORM_MIN_TASK + slice - 1) / slice, &j.chunk);
  if (tasks > 1) qrt_pool_run(pool, tasks, qrt_softmax_task, &j);
  else qrt_softmax_range(&j, 0, outer);
  return QRT_OK;
}

qrt_status_t qrt_f32_softmax_mt(qrt_pool_t *pool, int64_t outer, int64_t axis, int64_t inner, const float *x,
                                float *y) {
  return qrt_softmax_any(pool, outer, axis, inner, x, y, 0);
}

qrt_status_t qrt_f32_softmax(int64_t outer, int64_t axis, int64_t inner, const float *x, float *y) {
  return qrt_softmax_any(NULL, outer, axis, inner, x, y, 0);
}

qrt_status_t qrt_f32_log_softmax(int64_t outer, int64_t axis, int64_t inner, const float *x,
                                 float *y) {
  return qrt_softmax_any(NULL, outer, axis, inner, x, y, 1);
}

#define QRT_LN_SUFFIX portable
#include "f32_layer_norm.inl"

#if defined(__x86_64__)
/* a one-target build keeps one of them besides the portable one (qrt_target.h) */
enum { QRT_LN_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) };
#define QRT_LN(isa_level) (QRT_ROW_KEPT(isa_level, QRT_LN_LEVELS) && isa >= isa_level)
#endif

typedef void (*qrt_ln_row_fn)(int64_t, const float *, const float *, const float *, float, float *, float *, float *);

typedef struct {
  int64_t outer, inner;
  const float *x, *scale, *bias;
  float epsilon;
  float *y, *out_mean, *out_inv_std;
  int64_t chunk;
} qrt_layer_norm_job_t;

static void qrt_layer_norm_range(const qrt_layer_norm_job_t *j, int64_t o0, int64_t o1) {
  qrt_ln_row_fn row = qrt_f32_layer_norm_row__portable; /* the newest build allowed: the same bits */
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (QRT_LN(QRT_ISA_AVX512F)) row = qrt_f32_layer_norm_row__avx512f;
  else if (QRT_LN(QRT_ISA_AVX2_FMA)) row = qrt_f32_layer_norm_row__avx2_fma;
#endif
  for (int64_t o = o0; o < o1; o++) {
    float mean, inv;
    row(j->inner, j->x + o * j->inner, j->scale, j->bias, j->epsilon, j->y + o * j->inner, &mean, &inv);
    if (j->out_mean) j->out_mean[o] = mean;
    if (j->out_inv_std) j->out_inv_std[o] = inv;
  }
}

static void qrt_layer_norm_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const qrt_layer_norm_job_t *j = (const qrt_layer_norm_job_t *)arg;
  qrt_layer_norm_range(j, t * j->chunk, QRT_MIN(j->outer, (t + 1) * j->chunk));
}

qrt_status_t qrt_f32_layer_norm_mt(qrt_pool_t *pool, int64_t outer, int64_t inner, const float *x,
                                   const float *scale, const float *bias, float epsilon, float *y,
                                   float *out_mean, float *out_inv_std) {
  if (outer < 0 || inner <= 0 || !scale) return QRT_INVALID_ARGUMENT;
  qrt_layer_norm_job_t j = {outer, inner, x, scale, bias, epsilon, y, out_mean, out_inv_std, outer};
  const int64_t tasks = qrt_ew_tasks(pool, outer, (QRT_NORM_MIN_TASK + inner - 1) / inner, &j.chunk);
  if (tasks > 1) qrt_pool_run(pool, tasks, qrt_layer_norm_task, &j);
  else qrt_layer_norm_range(&j, 0, outer);
  return QRT_OK;
}

qrt_status_t qrt_f32_layer_norm(int64_t outer, int64_t inner, const float *x, const float *scale,
                                const float *bias, float epsilon, float *y, float *out_mean,
                                float *out_inv_std) {
  return qrt_f32_layer_norm_mt(NULL, outer, inner, x, scale, bias, epsilon, y, out_mean, out_inv_std);
}

qrt_status_t qrt_f32_batch_norm(int64_t n, int64_t c, int64_t spatial, const float *x,
                                const float *scale, const float *bias, const float *mean,
                                const float *var, float epsilon, float *y) {
  if (n < 0 || c < 0 || spatial < 0 || !scale || !bias || !mean || !var) return QRT_INVALID_ARGUMENT;
  for (int64_t ch = 0; ch < c; ch++) {
    const float sc = scale[ch] / sqrtf(var[ch] + epsilon);
    const float sh = bias[ch] - mean[ch] * sc;
    for (int64_t b = 0; b < n; b++) {
      const float *xr = x + (b * c + ch) * spatial;
      float *yr = y + (b * c + ch) * spatial;
      for (int64_t i = 0; i < spatial; i++) yr[i] = xr[i] * sc + sh;
    }
  }
  return QRT_OK;
}
