/* qcc cost-table: measure a cost table (passes/costs.h) on this machine by
 * timing libqrt's kernels -- the ones the executor and generated code call
 * for each layer kind and precision -- on a fixed set of representative
 * shapes, and fitting time_ns = call_ns + mac_ns * MACs + weight_ns * weights
 * per (op kind, precision). docs/precision.md, "Time: the cost table".
 *
 * Each shape is timed as: one call (warm-up, page faults), a batch size
 * chosen so one batch takes at least --min-batch-ms, one warm-up batch, then
 * --repeats batches; the figure is the median batch's time per call, in
 * the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: on a shared machine the
 * time the thread waits for a CPU is not the kernel's). The fit
 * minimizes the squared relative error over the shapes with all three
 * coefficients >= 0 (every subset of them is tried). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "costs.h"
#include "qcc.h"
#include "qrt/qrt.h"
#include "qrt/qrt_f32.h"
#include "qrt/qrt_q8.h"
#include "qrt/qrt_wo.h"

#define MAX_SHAPES 8

typedef struct {
  int64_t m, n, k; /* gemm: x [m][k], w [n][k] */
  int64_t c_in, c_out, h, w, kernel, stride, groups; /* conv */
} shape_t;

typedef struct {
  double macs, weights, ns, fit_ns;
  char label[64];
} sample_t;

/* ---- buffers ---- */

static void *zalloc(size_t n) {
  size_t r = (n + 63) / 64 * 64;
  void *p = aligned_alloc(64, r ? r : 64);
  if (p) memset(p, 0, r ? r : 64);
  return p;
}

static uint32_t rng = 12345u;
static uint32_t next_u32(void) {
  rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
  return rng;
}
static float next_f(void) { return (float)(next_u32() % 2001) / 1000.0f - 1.0f; }

/* ---- one kernel call, set up once ---- */

typedef struct {
  qcc_cost_op op;
  qcc_precision prec;
  shape_t s;
  float *x, *y, *bias_f, *xs;
  uint8_t *xq, *yq;
  int32_t *bias_i, *xz;
  void *packed, *scratch;
  size_t scratch_size;
  qrt_conv2d_params_t cp;
  int64_t oh, ow;
  /* qmatmul (scalar, for MatMul int8) */
  int8_t *wq8;
  float sa, sb;
  int32_t za, zb;
  qrt_q8_output_t yo;
} bench_t;

static void bench_free(bench_t *b) {
  free(b->x), free(b->y), free(b->bias_f), free(b->xs), free(b->xq), free(b->yq), free(b->bias_i), free(b->xz);
  free(b->packed), free(b->scratch), free(b->wq8);
  memset(b, 0, sizeof *b);
}

static qrt_wo_format_t wo_format(qcc_precision p, int64_t *group) {
  *group = p == QCC_PREC_INT4_G32 ? 32 : p == QCC_PREC_INT4_G64 ? 64 : p == QCC_PREC_INT4_G128 ? 128 : 0;
  return p == QCC_PREC_FP16 ? QRT_WO_F16 : p == QCC_PREC_INT8_WO ? QRT_WO_S8_CHANNEL : QRT_WO_U4_GROUP;
}

#define QTRY(call)                                                                                   \
  do {                                                                                               \
    qrt_status_t s_ = (call);                                                                        \
    if (s_ != QRT_OK) {                                                                              \
      st = qcc_status_make(QCC_ERR_INTERNAL, "%s failed: %s", #call, qrt_status_string(s_));         \
      goto done;                                                                                     \
    }                                                                                                \
  } while (0)

static qcc_status_t setup_gemm(bench_t *b) {
  const int64_t m = b->s.m, n = b->s.n, k = b->s.k;
  qcc_status_t st = NULL;
  int8_t *w8 = zalloc((size_t)(n * k));
  uint8_t *w4 = NULL, *zp4 = NULL;
  uint16_t *wh = NULL;
  float *wf = NULL, *sc = zalloc((size_t)(n * k) * sizeof(float));
  int32_t *wz = NULL;
  b->x = zalloc((size_t)(m * k) * sizeof(float));
  b->y = zalloc((size_t)(m * n) * sizeof(float));
  b->bias_f = zalloc((size_t)n * sizeof(float));
  b->bias_i = zalloc((size_t)n * sizeof(int32_t));
  b->xq = zalloc((size_t)(m * k));
  b->yq = zalloc((size_t)(m * n));
  b->xs = zalloc((size_t)m * sizeof(float));
  b->xz = zalloc((size_t)m * sizeof(int32_t));
  if (!w8 || !sc || !b->x || !b->y || !b->bias_f || !b->bias_i || !b->xq || !b->yq || !b->xs || !b->xz)
    return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  for (int64_t i = 0; i < m * k; ++i) b->x[i] = next_f(), b->xq[i] = (uint8_t)next_u32();
  for (int64_t i = 0; i < n * k; ++i) w8[i] = (int8_t)(next_u32() % 255 - 127), sc[i] = 0.01f;
  for (int64_t i = 0; i < n; ++i) b->bias_f[i] = next_f(), b->bias_i[i] = (int32_t)(next_u32() % 1000);
  const qrt_q8_act_t xa = {QRT_DTYPE_U8, 0.02f, 128};
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, n, sc, 0, NULL};
  qrt_q8_output_t yo;
  qrt_q8_output_init(&yo, QRT_DTYPE_U8, 0.05f, 128);
  size_t ps = 0;
  switch (b->prec) {
    case QCC_PREC_FP32:
      wf = zalloc((size_t)(n * k) * sizeof(float));
      if (!wf) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
      for (int64_t i = 0; i < n * k; ++i) wf[i] = next_f();
      ps = qrt_f32_gemm_pack_b_size(n, k);
      b->packed = zalloc(ps);
      QTRY(qrt_f32_gemm_pack_b(1, n, k, wf, k, b->packed, ps));
      b->scratch_size = qrt_f32_gemm_packed_b_scratch_size(m, n, k);
      break;
    case QCC_PREC_INT8:
      if (b->op == QCC_COST_MATMUL) { /* MatMul runs qrt_q8_matmul: w is B [k][n] */
        b->wq8 = w8, w8 = NULL;
        b->sa = 0.02f, b->za = 128, b->sb = 0.01f, b->zb = 0, b->yo = yo;
        break;
      }
      ps = qrt_q8_gemm_packed_weights_size(n, k);
      b->packed = zalloc(ps);
      QTRY(qrt_q8_gemm_pack_weights(n, k, &xa, &wq, w8, b->bias_i, &yo, b->packed, ps));
      b->scratch_size = qrt_q8_gemm_scratch_size(m, n, k);
      break;
    case QCC_PREC_INT8_DYN:
      ps = qrt_q8_gemm_packed_weights_size(n, k);
      b->packed = zalloc(ps);
      QTRY(qrt_q8_gemm_pack_weights_dynamic(n, k, QRT_DTYPE_U8, &wq, w8, b->bias_f, b->packed, ps));
      b->scratch_size = qrt_q8_gemm_scratch_size(m, n, k);
      break;
    default: { /* weight-only */
      int64_t g;
      qrt_wo_format_t fmt = wo_format(b->prec, &g);
      const void *q = w8;
      const void *zp = NULL;
      if (fmt == QRT_WO_F16) {
        wh = zalloc((size_t)(n * k) * 2);
        for (int64_t i = 0; i < n * k; ++i) wh[i] = (uint16_t)(0x3800 | (next_u32() & 0x3ff));
        q = wh;
      } else if (fmt == QRT_WO_U4_GROUP) {
        w4 = zalloc((size_t)(n * k));
        zp4 = zalloc((size_t)(n * k / g));
        for (int64_t i = 0; i < n * k; ++i) w4[i] = (uint8_t)(next_u32() & 15);
        for (int64_t i = 0; i < n * k / g; ++i) zp4[i] = (uint8_t)(next_u32() & 15);
        q = w4, zp = zp4;
      }
      ps = qrt_wo_gemm_packed_size(fmt, n, k, g);
      b->packed = zalloc(ps);
      QTRY(qrt_wo_gemm_pack(fmt, n, k, g, q, fmt == QRT_WO_F16 ? NULL : sc, zp, b->bias_f, b->packed, ps));
      b->scratch_size = qrt_wo_gemm_scratch_size(m, n, k);
      break;
    }
  }
  if (b->scratch_size) b->scratch = zalloc(b->scratch_size);
  (void)wz;
done:
  free(w8), free(w4), free(zp4), free(wh), free(wf), free(sc);
  return st;
}

static qcc_status_t setup_conv(bench_t *b) {
  const shape_t *s = &b->s;
  qcc_status_t st = NULL;
  qrt_conv2d_params_init(&b->cp, s->kernel, s->kernel);
  b->cp.groups = s->groups;
  b->cp.stride_h = b->cp.stride_w = s->stride;
  b->cp.pad_top = b->cp.pad_left = b->cp.pad_bottom = b->cp.pad_right = (s->kernel - 1) / 2;
  if (qrt_conv2d_output_size(&b->cp, s->h, s->w, &b->oh, &b->ow) != QRT_OK)
    return qcc_status_make(QCC_ERR_INTERNAL, "bad benchmark conv shape");
  const int64_t nx = s->c_in * s->h * s->w, ny = s->c_out * b->oh * b->ow;
  const int64_t nw = s->c_out * (s->c_in / s->groups) * s->kernel * s->kernel;
  float *wf = zalloc((size_t)nw * sizeof(float)), *sc = zalloc((size_t)s->c_out * sizeof(float));
  int8_t *w8 = zalloc((size_t)nw);
  b->x = zalloc((size_t)nx * sizeof(float));
  b->y = zalloc((size_t)ny * sizeof(float));
  b->xq = zalloc((size_t)nx);
  b->yq = zalloc((size_t)ny);
  b->bias_f = zalloc((size_t)s->c_out * sizeof(float));
  b->bias_i = zalloc((size_t)s->c_out * sizeof(int32_t));
  if (!wf || !sc || !w8 || !b->x || !b->y || !b->xq || !b->yq || !b->bias_f || !b->bias_i) {
    st = qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
    goto done;
  }
  for (int64_t i = 0; i < nx; ++i) b->x[i] = next_f(), b->xq[i] = (uint8_t)next_u32();
  for (int64_t i = 0; i < nw; ++i) wf[i] = next_f(), w8[i] = (int8_t)(next_u32() % 255 - 127);
  for (int64_t i = 0; i < s->c_out; ++i) sc[i] = 0.01f, b->bias_f[i] = next_f(), b->bias_i[i] = (int32_t)(next_u32() % 1000);
  if (b->prec == QCC_PREC_INT8) {
    const qrt_q8_act_t xa = {QRT_DTYPE_U8, 0.02f, 128};
    const qrt_q8_weights_t wq = {QRT_DTYPE_I8, s->c_out, sc, 0, NULL};
    qrt_q8_output_t yo;
    qrt_q8_output_init(&yo, QRT_DTYPE_U8, 0.05f, 128);
    size_t ps = qrt_q8_conv2d_packed_weights_size(&b->cp, s->c_in, s->c_out);
    b->packed = zalloc(ps);
    QTRY(qrt_q8_conv2d_pack_weights(&b->cp, s->c_in, s->c_out, &xa, &wq, w8, b->bias_i, &yo, b->packed, ps));
    b->scratch_size = qrt_q8_conv2d_scratch_size(&b->cp, s->c_in, s->h, s->w, s->c_out);
  } else {
    size_t ps = qrt_f32_conv2d_packed_weights_size(&b->cp, s->c_in, s->c_out);
    b->packed = zalloc(ps);
    QTRY(qrt_f32_conv2d_pack_weights(&b->cp, s->c_in, s->c_out, wf, b->bias_f, b->packed, ps));
    b->scratch_size = qrt_f32_conv2d_scratch_size(&b->cp, s->c_in, s->h, s->w, s->c_out);
  }
  if (b->scratch_size) b->scratch = zalloc(b->scratch_size);
done:
  free(wf), free(sc), free(w8);
  return st;
}

static qrt_status_t bench_call(bench_t *b) {
  const shape_t *s = &b->s;
  if (b->op == QCC_COST_CONV || b->op == QCC_COST_DWCONV) {
    if (b->prec == QCC_PREC_INT8)
      return qrt_q8_conv2d_packed(&b->cp, 1, s->c_in, s->h, s->w, b->xq, s->c_out, b->packed, b->yq, b->scratch,
                                  b->scratch_size);
    return qrt_f32_conv2d_packed(&b->cp, 1, s->c_in, s->h, s->w, b->x, s->c_out, b->packed, b->y, b->scratch,
                                 b->scratch_size);
  }
  switch (b->prec) {
    case QCC_PREC_FP32:
      return qrt_f32_gemm_packed_b(0, s->m, s->n, s->k, 1.0f, b->x, s->k, b->packed, 1.0f, b->bias_f, 0, 1, b->y, s->n,
                                   b->scratch, b->scratch_size);
    case QCC_PREC_INT8:
      if (b->wq8) {
        qrt_q8_matrix_t a = {QRT_DTYPE_U8, b->xq, NULL, &b->sa, &b->za, NULL, 0};
        qrt_q8_matrix_t w = {QRT_DTYPE_I8, b->wq8, NULL, &b->sb, &b->zb, NULL, 0};
        return qrt_q8_matmul(0, NULL, s->m, s->n, s->k, &a, &w, &b->yo, b->yq);
      }
      return qrt_q8_gemm_packed(s->m, s->n, s->k, b->xq, s->k, b->packed, b->yq, s->n, b->scratch, b->scratch_size);
    case QCC_PREC_INT8_DYN: {
      qrt_status_t r = qrt_q8_dynamic_quantize_rows(QRT_DTYPE_U8, 0, s->m, s->k, b->x, b->xq, b->xs, b->xz);
      if (r != QRT_OK) return r;
      return qrt_q8_gemm_dynamic_packed(s->m, s->n, s->k, b->xq, s->k, b->xs, b->xz, 1, b->packed, b->y, s->n,
                                        b->scratch, b->scratch_size);
    }
    default:
      return qrt_wo_gemm(s->m, s->n, s->k, b->x, s->k, b->packed, b->y, s->n, b->scratch, b->scratch_size);
  }
}

/* Seconds of this thread's CPU time: time spent descheduled on a loaded
 * machine does not count (wall-clock medians there measure the load). */
static double cpu_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median ns per call (see the top of the file). */
static qcc_status_t measure(bench_t *b, int repeats, double min_batch_ms, double *ns) {
  qrt_status_t r = bench_call(b);
  if (r != QRT_OK) return qcc_status_make(QCC_ERR_INTERNAL, "kernel failed: %s", qrt_status_string(r));
  int64_t iters = 1;
  for (;;) {
    double t0 = cpu_now_s();
    for (int64_t i = 0; i < iters; ++i) bench_call(b);
    double ms = (cpu_now_s() - t0) * 1e3;
    if (ms >= min_batch_ms || iters >= (1 << 24)) break;
    iters = ms > 0 ? (int64_t)ceil((double)iters * min_batch_ms * 1.2 / ms) : iters * 8;
    if (iters < 2) iters = 2;
  }
  double *t = calloc((size_t)repeats, sizeof *t);
  if (!t) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  for (int rep = 0; rep < repeats; ++rep) {
    double t0 = cpu_now_s();
    for (int64_t i = 0; i < iters; ++i) bench_call(b);
    t[rep] = (cpu_now_s() - t0) * 1e9 / (double)iters;
  }
  qsort(t, (size_t)repeats, sizeof *t, cmp_double);
  *ns = t[repeats / 2];
  free(t);
  return NULL;
}

/* ---- the fit ---- */

/* Solves the 3x3 (or smaller) system a x = y by Gaussian elimination with
 * partial pivoting; false if singular. */
static bool solve(int d, double a[3][3], double y[3], double x[3]) {
  for (int c = 0; c < d; ++c) {
    int p = c;
    for (int r = c + 1; r < d; ++r)
      if (fabs(a[r][c]) > fabs(a[p][c])) p = r;
    if (fabs(a[p][c]) < 1e-300) return false;
    for (int k = 0; k < d; ++k) {
      double tmp = a[c][k];
      a[c][k] = a[p][k], a[p][k] = tmp;
    }
    double tmp = y[c];
    y[c] = y[p], y[p] = tmp;
    for (int r = c + 1; r < d; ++r) {
      double f = a[r][c] / a[c][c];
      for (int k = c; k < d; ++k) a[r][k] -= f * a[c][k];
      y[r] -= f * y[c];
    }
  }
  for (int c = d - 1; c >= 0; --c) {
    double s = y[c];
    for (int k = c + 1; k < d; ++k) s -= a[c][k] * x[k];
    x[c] = s / a[c][c];
  }
  return true;
}

/* Least squares in relative error with all coefficients >= 0: every subset
 * of {call, mac, weight} is solved and the feasible one with the least error
 * wins. Features are scaled to 1 at the largest sample for conditioning. */
static qcc_cost_entry fit(sample_t *s, int ns) {
  double scale[3] = {1, 0, 0};
  for (int i = 0; i < ns; ++i) {
    if (s[i].macs > scale[1]) scale[1] = s[i].macs;
    if (s[i].weights > scale[2]) scale[2] = s[i].weights;
  }
  for (int j = 1; j < 3; ++j)
    if (scale[j] <= 0) scale[j] = 1;
  double best_err = INFINITY, best[3] = {0, 0, 0};
  for (int mask = 1; mask < 8; ++mask) {
    int idx[3], d = 0;
    for (int j = 0; j < 3; ++j)
      if (mask & (1 << j)) idx[d++] = j;
    double a[3][3] = {{0}}, y[3] = {0}, x[3] = {0};
    for (int i = 0; i < ns; ++i) {
      double f[3] = {1, s[i].macs / scale[1], s[i].weights / scale[2]}, w = 1.0 / (s[i].ns * s[i].ns);
      for (int r = 0; r < d; ++r) {
        for (int c = 0; c < d; ++c) a[r][c] += w * f[idx[r]] * f[idx[c]];
        y[r] += w * f[idx[r]] * s[i].ns;
      }
    }
    if (!solve(d, a, y, x)) continue;
    bool ok = true;
    double coef[3] = {0, 0, 0};
    for (int r = 0; r < d; ++r) ok &= x[r] >= 0, coef[idx[r]] = x[r];
    if (!ok) continue;
    double err = 0;
    for (int i = 0; i < ns; ++i) {
      double p = coef[0] + coef[1] * s[i].macs / scale[1] + coef[2] * s[i].weights / scale[2];
      err += (p - s[i].ns) * (p - s[i].ns) / (s[i].ns * s[i].ns);
    }
    if (err < best_err) best_err = err, memcpy(best, coef, sizeof best);
  }
  qcc_cost_entry e = {true, best[0], best[1] / scale[1], best[2] / scale[2]};
  for (int i = 0; i < ns; ++i) s[i].fit_ns = e.call_ns + e.mac_ns * s[i].macs + e.weight_ns * s[i].weights;
  return e;
}

/* ---- the shapes ---- */

static const shape_t kGemm[] = {
    {.m = 1, .n = 256, .k = 256},   {.m = 1, .n = 1024, .k = 1024}, {.m = 1, .n = 4096, .k = 1024},
    {.m = 8, .n = 512, .k = 512},   {.m = 32, .n = 1024, .k = 256}, {.m = 64, .n = 256, .k = 1024},
    {.m = 256, .n = 256, .k = 256},
};
static const shape_t kConv[] = {
    {.c_in = 1, .c_out = 32, .h = 28, .w = 28, .kernel = 3, .stride = 1, .groups = 1},
    {.c_in = 32, .c_out = 64, .h = 14, .w = 14, .kernel = 3, .stride = 1, .groups = 1},
    {.c_in = 32, .c_out = 32, .h = 56, .w = 56, .kernel = 3, .stride = 1, .groups = 1},
    {.c_in = 64, .c_out = 128, .h = 28, .w = 28, .kernel = 3, .stride = 2, .groups = 1},
    {.c_in = 128, .c_out = 128, .h = 7, .w = 7, .kernel = 3, .stride = 1, .groups = 1},
    {.c_in = 64, .c_out = 256, .h = 14, .w = 14, .kernel = 1, .stride = 1, .groups = 1},
};
static const shape_t kDw[] = {
    {.c_in = 32, .c_out = 32, .h = 56, .w = 56, .kernel = 3, .stride = 1, .groups = 32},
    {.c_in = 64, .c_out = 64, .h = 28, .w = 28, .kernel = 3, .stride = 1, .groups = 64},
    {.c_in = 128, .c_out = 128, .h = 14, .w = 14, .kernel = 3, .stride = 1, .groups = 128},
    {.c_in = 256, .c_out = 256, .h = 7, .w = 7, .kernel = 3, .stride = 1, .groups = 256},
    {.c_in = 96, .c_out = 96, .h = 56, .w = 56, .kernel = 3, .stride = 2, .groups = 96},
    {.c_in = 144, .c_out = 144, .h = 28, .w = 28, .kernel = 5, .stride = 1, .groups = 144},
};

/* The shapes timed for op kind op (gemm's for matmul). */
static const shape_t *shapes_of(qcc_cost_op op, int *n) {
#define N_OF(a) ((int)(sizeof a / sizeof *a))
  if (op == QCC_COST_CONV) return *n = N_OF(kConv), kConv;
  if (op == QCC_COST_DWCONV) return *n = N_OF(kDw), kDw;
  return *n = N_OF(kGemm), kGemm;
#undef N_OF
}

/* Which kernel runs (op, p): the precision whose measurement it reuses. The
 * executor and generated code run convolutions at fp16/int8-wo/int4 and
 * MatMul weights at the weight-only precisions as float layers (weights
 * expanded at plan time; docs/precision.md), so those are fp32's figures. */
static qcc_precision kernel_of(qcc_cost_op op, qcc_precision p) {
  if (op == QCC_COST_CONV || op == QCC_COST_DWCONV) return p == QCC_PREC_INT8 ? QCC_PREC_INT8 : p == QCC_PREC_INT8_DYN ? QCC_PREC_COUNT : QCC_PREC_FP32;
  if (op == QCC_COST_MATMUL && p != QCC_PREC_INT8 && p != QCC_PREC_INT8_DYN) return QCC_PREC_FP32;
  return p;
}

/* Whether (op, p) is timed here: it runs its own kernel, except MatMul's
 * fp32 and int8-dyn (Gemm's kernels: the batch folds into M). */
static bool timed(qcc_cost_op op, qcc_precision p) {
  if (op == QCC_COST_MATMUL) return p == QCC_PREC_INT8;
  return kernel_of(op, p) == p;
}

/* ---- the command ---- */

static void usage(FILE *f) {
  fprintf(f,
          "usage: qcc cost-table --target T -o COSTS.json [--repeats N] [--min-batch-ms MS]\n"
          "  Measures a cost table (docs/precision.md, \"Time: the cost table\"): times libqrt's kernels for\n"
          "  conv, depthwise conv, gemm and matmul layers at every precision on fixed representative shapes\n"
          "  (median of N batches after warm-up) and fits time = call + mac * MACs + weight * weights.\n"
          "  --target T         x86-64-v3 (AVX2 kernels), x86-64-v4 (AVX-512 VNNI), generic (scalar),\n"
          "                     aarch64 (NEON), aarch64-dotprod, native (this CPU's best; default)\n"
          "                     The CPU must run the target's kernels (aarch64 tables are not measured under\n"
          "                     emulation: qemu's timings mean nothing).\n"
          "  -o FILE            the table (written to a temporary file, then renamed)\n"
          "  --repeats N        timed batches per shape (default 9; the median is kept)\n"
          "  --min-batch-ms MS  each batch runs at least MS ms (default 5)\n");
}

static qcc_status_t resolve_target(const char *t, const char **name, qrt_isa_t *isa) {
  struct { const char *n, *canon; qrt_isa_t isa; } k[] = {
      {"x86-64-v3", "x86-64-v3", QRT_ISA_AVX2_FMA},   {"x86-64-v4", "x86-64-v4", QRT_ISA_AVX512VNNI},
      {"x86-64-v4-vnni", "x86-64-v4", QRT_ISA_AVX512VNNI}, {"generic", "generic", QRT_ISA_SCALAR},
      {"aarch64", "aarch64", QRT_ISA_NEON},            {"aarch64-dotprod", "aarch64-dotprod", QRT_ISA_DOTPROD}};
  qrt_isa_t cpu = qrt_cpu_isa();
  if (!strcmp(t, "native")) {
    *isa = cpu;
    *name = cpu >= QRT_ISA_DOTPROD ? "aarch64-dotprod" : cpu >= QRT_ISA_NEON ? "aarch64"
            : cpu >= QRT_ISA_AVX512VNNI ? "x86-64-v4" : cpu >= QRT_ISA_AVX2_FMA ? "x86-64-v3" : "generic";
    return NULL;
  }
  for (size_t i = 0; i < sizeof k / sizeof *k; ++i)
    if (!strcmp(t, k[i].n)) {
      bool arm_cpu = cpu >= QRT_ISA_NEON && cpu != QRT_ISA_NATIVE, arm_t = k[i].isa >= QRT_ISA_NEON;
      if (k[i].isa != QRT_ISA_SCALAR && (arm_cpu != arm_t || cpu < k[i].isa))
        return qcc_status_make(QCC_ERR_UNSUPPORTED,
                               "cannot measure target %s on this CPU (its best kernels are %s): run qcc cost-table on "
                               "a machine of that target", t, qrt_isa_name(cpu));
      *name = k[i].canon, *isa = k[i].isa;
      return NULL;
    }
  return qcc_status_make(QCC_ERR_USAGE,
                         "unknown target '%s' (x86-64-v3, x86-64-v4, generic, aarch64, aarch64-dotprod, native)", t);
}

static void cpu_name(char *out, size_t n) {
  snprintf(out, n, "unknown CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "model name", 10) || !strncmp(line, "CPU part", 8)) {
      char *c = strchr(line, ':');
      if (c) {
        c += 1 + strspn(c + 1, " \t");
        c[strcspn(c, "\n")] = 0;
        snprintf(out, n, "%s", c);
      }
      break;
    }
  fclose(f);
}

static double load_avg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

static void shape_label(qcc_cost_op op, const shape_t *s, char *out, size_t n) {
  if (op == QCC_COST_GEMM || op == QCC_COST_MATMUL)
    snprintf(out, n, "m=%lld n=%lld k=%lld", (long long)s->m, (long long)s->n, (long long)s->k);
  else
    snprintf(out, n, "c_in=%lld c_out=%lld %lldx%lld k=%lld s=%lld g=%lld", (long long)s->c_in, (long long)s->c_out,
             (long long)s->h, (long long)s->w, (long long)s->kernel, (long long)s->stride, (long long)s->groups);
}

int qcc_cmd_cost_table(int argc, char **argv) {
  const char *target = "native", *out = NULL;
  int repeats = 9;
  double min_batch_ms = 5;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--target") && has) target = argv[++i];
    else if (!strcmp(a, "-o") && has) out = argv[++i];
    else if (!strcmp(a, "--repeats") && has) {
      char *end;
      long r = strtol(argv[++i], &end, 10);
      if (*end || r < 1 || r > 1000) return qcc_cli_errorf(QCC_ERR_USAGE, "--repeats needs a count 1..1000, got '%s'", argv[i]);
      repeats = (int)r;
    } else if (!strcmp(a, "--min-batch-ms") && has) {
      char *end;
      min_batch_ms = strtod(argv[++i], &end);
      if (*end || !(min_batch_ms > 0) || min_batch_ms > 10000)
        return qcc_cli_errorf(QCC_ERR_USAGE, "--min-batch-ms needs a number of ms in (0, 10000], got '%s'", argv[i]);
    } else
      return qcc_cli_errorf(QCC_ERR_USAGE, "unknown or incomplete option '%s' for qcc cost-table (see qcc cost-table --help)", a);
  }
  if (!out) {
    usage(stderr);
    return QCC_ERR_USAGE;
  }
  { /* fail before measuring, not after, when OUT's folder cannot take it */
    char dir[4096];
    const char *slash = strrchr(out, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) + 1 : 1, slash ? out : ".");
    if (access(dir, W_OK)) return qcc_cli_errorf(QCC_ERR_IO, "-o %s: cannot write in '%s': %s", out, dir, strerror(errno));
  }
  const char *tname = NULL;
  qrt_isa_t isa = QRT_ISA_SCALAR;
  qcc_status_t st = resolve_target(target, &tname, &isa);
  if (st) return qcc_cli_fail(st);
  qrt_isa_t prev = qrt_set_isa_limit(isa);
  char cpu[256];
  cpu_name(cpu, sizeof cpu);
  const double load0 = load_avg(), t_start = qcc_cli_now_s();

  qcc_cost_table table;
  memset(&table, 0, sizeof table);
  cJSON *meas = cJSON_CreateArray();
  int total = 0, done = 0, nshapes = 0;
  for (int op = 0; op < QCC_COST_OP_COUNT; ++op)
    for (int p = 0; p < QCC_PREC_COUNT; ++p)
      if (timed((qcc_cost_op)op, (qcc_precision)p))
        shapes_of((qcc_cost_op)op, &nshapes), total += nshapes;
  for (int op = 0; op < QCC_COST_OP_COUNT && !st; ++op) {
    const shape_t *shapes = shapes_of((qcc_cost_op)op, &nshapes);
    for (int p = 0; p < QCC_PREC_COUNT && !st; ++p) {
      if (op == QCC_COST_MATMUL && p == QCC_PREC_INT8_DYN) /* the same kernel as Gemm's */
        table.e[op][p] = table.e[QCC_COST_GEMM][p];
      if (!timed((qcc_cost_op)op, (qcc_precision)p)) continue;
      sample_t smp[MAX_SHAPES];
      for (int si = 0; si < nshapes && !st; ++si) {
        bench_t b = {.op = (qcc_cost_op)op, .prec = (qcc_precision)p, .s = shapes[si]};
        st = op == QCC_COST_CONV || op == QCC_COST_DWCONV ? setup_conv(&b) : setup_gemm(&b);
        double ns = 0;
        if (!st) st = measure(&b, repeats, min_batch_ms, &ns);
        const shape_t *s = &shapes[si];
        double weights = op == QCC_COST_CONV || op == QCC_COST_DWCONV
                             ? (double)(s->c_out * (s->c_in / s->groups) * s->kernel * s->kernel)
                             : (double)(s->n * s->k);
        double macs = op == QCC_COST_CONV || op == QCC_COST_DWCONV ? weights * (double)(b.oh * b.ow)
                                                                   : weights * (double)s->m;
        bench_free(&b);
        smp[si] = (sample_t){macs, weights, ns, 0, ""};
        shape_label((qcc_cost_op)op, s, smp[si].label, sizeof smp[si].label);
        ++done;
        fprintf(stderr, "qcc: cost-table: [%3d/%d] %-6s %-12s %-40s %10.4f ms\n", done, total,
                qcc_cost_op_name((qcc_cost_op)op), qcc_precision_name((qcc_precision)p), smp[si].label, ns * 1e-6);
      }
      if (st) break;
      table.e[op][p] = fit(smp, nshapes);
      for (int si = 0; si < nshapes; ++si) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "op", qcc_cost_op_name((qcc_cost_op)op));
        cJSON_AddStringToObject(m, "precision", qcc_precision_name((qcc_precision)p));
        cJSON_AddStringToObject(m, "shape", smp[si].label);
        cJSON_AddNumberToObject(m, "macs", smp[si].macs);
        cJSON_AddNumberToObject(m, "weights", smp[si].weights);
        cJSON_AddNumberToObject(m, "measured_ns", round(smp[si].ns * 10) / 10);
        cJSON_AddNumberToObject(m, "model_ns", round(smp[si].fit_ns * 10) / 10);
        cJSON_AddItemToArray(meas, m);
      }
    }
    /* the precisions that run another precision's kernel */
    if (op == QCC_COST_MATMUL) table.e[op][QCC_PREC_FP32] = table.e[QCC_COST_GEMM][QCC_PREC_FP32];
    for (int p = 0; p < QCC_PREC_COUNT && !st; ++p) {
      qcc_precision k = kernel_of((qcc_cost_op)op, (qcc_precision)p);
      if (k != QCC_PREC_COUNT && (int)k != p) table.e[op][p] = table.e[op][k];
    }
  }
  qrt_set_isa_limit(prev);
  if (st) {
    cJSON_Delete(meas);
    return qcc_cli_fail(st);
  }
  const double load1 = load_avg(), secs = qcc_cli_now_s() - t_start;
  time_t now = time(NULL);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "format", "qcc-cost-table");
  cJSON_AddNumberToObject(doc, "version", 1);
  cJSON_AddStringToObject(doc, "target", tname);
  char src[1024];
  snprintf(src, sizeof src,
           "measured by `qcc cost-table --target %s` on %s (libqrt kernels at ISA level %s), %s, in %.0f s; "
           "load average %.2f at the start and %.2f at the end on %ld CPUs; median of %d batches of at least %g ms "
           "of thread CPU time after warm-up, fitted per op kind and precision",
           tname, cpu, qrt_isa_name(isa), date, secs, load0, load1, sysconf(_SC_NPROCESSORS_ONLN), repeats,
           min_batch_ms);
  cJSON_AddStringToObject(doc, "source", src);
  cJSON_AddStringToObject(doc, "model", "time_ns = call_ns + mac_ns * MACs + weight_ns * weights");
  cJSON_AddStringToObject(doc, "note",
                          "conv/dwconv at fp16, int8-wo and int4 and matmul at the weight-only precisions run as float "
                          "layers (weights expanded at plan time): fp32's figures");
  cJSON *ops = cJSON_AddObjectToObject(doc, "ops");
  for (int op = 0; op < QCC_COST_OP_COUNT; ++op) {
    cJSON *o = cJSON_AddObjectToObject(ops, qcc_cost_op_name((qcc_cost_op)op));
    for (int p = 0; p < QCC_PREC_COUNT; ++p) {
      const qcc_cost_entry *e = &table.e[op][p];
      if (!e->set) continue;
      cJSON *x = cJSON_AddObjectToObject(o, qcc_precision_name((qcc_precision)p));
      cJSON_AddNumberToObject(x, "call_ns", round(e->call_ns * 10) / 10);
      cJSON_AddNumberToObject(x, "mac_ns", round(e->mac_ns * 1e7) / 1e7);
      cJSON_AddNumberToObject(x, "weight_ns", round(e->weight_ns * 1e6) / 1e6);
    }
  }
  cJSON_AddItemToObject(doc, "measurements", meas);
  char *text = cJSON_Print(doc);
  cJSON_Delete(doc);
  if (!text) return qcc_cli_errorf(QCC_ERR_INTERNAL, "out of memory");
  size_t len = strlen(text);
  char *nl = realloc(text, len + 2);
  if (!nl) {
    free(text);
    return qcc_cli_errorf(QCC_ERR_INTERNAL, "out of memory");
  }
  nl[len] = '\n', nl[len + 1] = 0;
  st = qcc_write_file_atomic(out, nl, len + 1);
  free(nl);
  if (st) return qcc_cli_fail(st);
  printf("cost table for %s: %s (%.0f s, load %.2f -> %.2f)\n", tname, out, secs, load0, load1);
  return 0;
}
