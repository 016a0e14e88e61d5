/* Softmax, LogSoftmax, LayerNormalization, BatchNormalization (inference). */
#include <math.h>

#include "f32_transcend.h"
#include "qrt/qrt_pool.h"
#include "qrt_internal.h"

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

/* Sums of a row in double, in 8 interleaved partial sums (element i goes to
 * sum i % 8, the tail to sum 0) added pairwise at the end: independent chains
 * the compiler vectorizes, where one running sum is a chain of dependent adds.
 * ssd: the sum of (x - mean)^2 instead of the sum of x. */
enum { QRT_LN_LANES = 8 };
static double qrt_ln_sum(const float *x, int64_t n, int ssd, double mean) {
  double p[QRT_LN_LANES] = {0};
  int64_t i = 0;
  for (; i + QRT_LN_LANES <= n; i += QRT_LN_LANES)
    for (int j = 0; j < QRT_LN_LANES; j++) {
      const double d = ssd ? (double)x[i + j] - mean : (double)x[i + j];
      p[j] += ssd ? d * d : d;
    }
  for (; i < n; i++) {
    const double d = ssd ? (double)x[i] - mean : (double)x[i];
    p[0] += ssd ? d * d : d;
  }
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

typedef struct {
  int64_t outer, inner;
  const float *x, *scale, *bias;
  float epsilon;
  float *y, *out_mean, *out_inv_std;
  int64_t chunk;
} qrt_layer_norm_job_t;

static void qrt_layer_norm_range(const qrt_layer_norm_job_t *j, int64_t o0, int64_t o1) {
  const int64_t inner = j->inner;
  const float *scale = j->scale, *bias = j->bias;
  for (int64_t o = o0; o < o1; o++) {
    const float *xr = j->x + o * inner;
    float *yr = j->y + o * inner;
    /* two passes in double: mean, then the biased variance about it */
    const double mean = qrt_ln_sum(xr, inner, 0, 0.0) / (double)inner;
    const double v = qrt_ln_sum(xr, inner, 1, mean);
    const float meanf = (float)mean;
    const float inv = (float)(1.0 / sqrt(v / (double)inner + (double)j->epsilon));
    if (bias)
      for (int64_t i = 0; i < inner; i++) yr[i] = (xr[i] - meanf) * inv * scale[i] + bias[i];
    else
      for (int64_t i = 0; i < inner; i++) yr[i] = (xr[i] - meanf) * inv * scale[i];
    if (j->out_mean) j->out_mean[o] = meanf;
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
