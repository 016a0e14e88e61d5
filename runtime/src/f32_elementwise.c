/* Elementwise kernels: binary ops with broadcasting, PRelu, Where, unary ops,
 * and the broadcast helpers of qrt_data.h. Portable C. */
#include <math.h>
#include <string.h>

#include "nd_iter.h"
#include "qrt/qrt_pool.h"
#include "f32_transcend.h"
#include "qrt_internal.h"

qrt_status_t qrt_broadcast_strides(int64_t out_rank, const int64_t *out_shape, int64_t in_rank,
                                   const int64_t *in_shape, int64_t *out_strides) {
  if (out_rank < 0 || out_rank > QRT_MAX_RANK || in_rank < 0 || in_rank > out_rank)
    return QRT_INVALID_ARGUMENT;
  int64_t stride = 1;
  for (int64_t d = out_rank - 1; d >= 0; d--) {
    const int64_t di = d - (out_rank - in_rank);
    if (di < 0) {
      out_strides[d] = 0;
      continue;
    }
    if (in_shape[di] == out_shape[d] && in_shape[di] != 1) {
      out_strides[d] = stride;
    } else if (in_shape[di] == 1) {
      out_strides[d] = 0;
    } else {
      return QRT_INVALID_ARGUMENT;
    }
    stride *= in_shape[di];
  }
  return QRT_OK;
}

qrt_status_t qrt_broadcast_copy(size_t elem_size, int64_t rank, const int64_t *out_shape,
                                const void *x, const int64_t *x_strides, void *y) {
  qrt_nd_t it;
  const int64_t *st[1] = {x_strides};
  if (elem_size == 0 || !qrt_nd_init(&it, 1, rank, out_shape, st)) return QRT_INVALID_ARGUMENT;
  const int64_t L = it.shape[it.rank - 1], s = it.st[0][it.rank - 1];
  const char *xb = (const char *)x;
  char *yb = (char *)y;
  for (int64_t r = 0; r < it.outer; r++, qrt_nd_next(&it)) {
    const char *src = xb + it.off[0] * (int64_t)elem_size;
    if (s == 1) {
      memcpy(yb, src, (size_t)L * elem_size);
    } else if (elem_size == 4) {
      for (int64_t i = 0; i < L; i++) memcpy(yb + i * 4, src + i * s * 4, 4);
    } else {
      for (int64_t i = 0; i < L; i++)
        memcpy(yb + i * (int64_t)elem_size, src + i * s * (int64_t)elem_size, elem_size);
    }
    yb += L * (int64_t)elem_size;
  }
  return QRT_OK;
}

/* ---- binary -------------------------------------------------------------------- */

static inline float qrt_maxf(float a, float b) {
  if (a != a || b != b) return a + b; /* NaN */
  return a > b ? a : b;
}
static inline float qrt_minf(float a, float b) {
  if (a != a || b != b) return a + b;
  return a < b ? a : b;
}

#define QRT_DEFINE_BINARY(name, EXPR)                                                      \
  static void name(int64_t n, const float *a, int64_t sa, const float *b, int64_t sb,      \
                   float *y) {                                                             \
    if (sa == 1 && sb == 1) {                                                              \
      for (int64_t i = 0; i < n; i++) {                                                    \
        const float x0 = a[i], x1 = b[i];                                                  \
        y[i] = EXPR;                                                                       \
      }                                                                                    \
    } else if (sa == 1 && sb == 0) {                                                       \
      const float x1 = b[0];                                                               \
      for (int64_t i = 0; i < n; i++) {                                                    \
        const float x0 = a[i];                                                             \
        y[i] = EXPR;                                                                       \
      }                                                                                    \
    } else if (sa == 0 && sb == 1) {                                                       \
      const float x0 = a[0];                                                               \
      for (int64_t i = 0; i < n; i++) {                                                    \
        const float x1 = b[i];                                                             \
        y[i] = EXPR;                                                                       \
      }                                                                                    \
    } else {                                                                               \
      for (int64_t i = 0; i < n; i++) {                                                    \
        const float x0 = a[i * sa], x1 = b[i * sb];                                        \
        y[i] = EXPR;                                                                       \
      }                                                                                    \
    }                                                                                      \
  }

QRT_DEFINE_BINARY(qrt_bin_add, x0 + x1)
QRT_DEFINE_BINARY(qrt_bin_sub, x0 - x1)
QRT_DEFINE_BINARY(qrt_bin_mul, x0 * x1)
QRT_DEFINE_BINARY(qrt_bin_div, x0 / x1)
QRT_DEFINE_BINARY(qrt_bin_max, qrt_maxf(x0, x1))
QRT_DEFINE_BINARY(qrt_bin_min, qrt_minf(x0, x1))
QRT_DEFINE_BINARY(qrt_bin_pow, powf(x0, x1))
QRT_DEFINE_BINARY(qrt_bin_prelu, x0 < 0.0f ? x0 * x1 : x0)

typedef void (*qrt_bin_fn)(int64_t, const float *, int64_t, const float *, int64_t, float *);

static qrt_bin_fn qrt_bin_lookup(qrt_binary_op_t op) {
  switch (op) {
    case QRT_BINARY_ADD: return qrt_bin_add;
    case QRT_BINARY_SUB: return qrt_bin_sub;
    case QRT_BINARY_MUL: return qrt_bin_mul;
    case QRT_BINARY_DIV: return qrt_bin_div;
    case QRT_BINARY_MAX: return qrt_bin_max;
    case QRT_BINARY_MIN: return qrt_bin_min;
    case QRT_BINARY_POW: return qrt_bin_pow;
    case QRT_BINARY_PRELU: return qrt_bin_prelu;
  }
  return NULL;
}

/* ---- threads: ranges of output elements -------------------------------------------- */

/* Elementwise kernels compute each output element by itself, so any split of
 * the output gives the same bytes. An op is split only when every task gets at
 * least `min_task` elements (a pool run costs a few microseconds), into at most
 * four tasks per thread, each a multiple of 16 elements. */
int64_t qrt_ew_split(const qrt_pool_t *pool, int64_t total, int64_t min_task, int per_thread, int64_t align,
                     int64_t *out_chunk) {
  const int threads = qrt_pool_threads(pool);
  int64_t tasks = threads > 1 ? QRT_MIN((int64_t)per_thread * threads, total / QRT_MAX(min_task, 1)) : 1;
  if (tasks < 2) {
    *out_chunk = total;
    return 1;
  }
  int64_t chunk = (total + tasks - 1) / tasks;
  chunk = (chunk + align - 1) / align * align;
  *out_chunk = chunk;
  return (total + chunk - 1) / chunk;
}

int64_t qrt_ew_tasks(const qrt_pool_t *pool, int64_t total, int64_t min_task, int64_t *out_chunk) {
  return qrt_ew_split(pool, total, min_task, 4, 16, out_chunk);
}

/* ---- binary with broadcasting ------------------------------------------------------- */

/* Rows of the innermost (collapsed) dimension, output elements [e0, e1) of
 * them; with clamp, each row in blocks of QRT_CLAMP_BLOCK results clamped
 * right after they are computed. */
#define QRT_CLAMP_BLOCK 2048
typedef struct {
  qrt_bin_fn fn;
  qrt_nd_t it; /* at row 0 */
  const float *a, *b;
  float *y;
  int clamp;
  float lo, hi;
  int64_t chunk, total;
} qrt_binary_job_t;

static void qrt_binary_range(const qrt_binary_job_t *j, int64_t e0, int64_t e1) {
  qrt_nd_t it = j->it;
  const int64_t L = it.shape[it.rank - 1];
  const int64_t sa = it.st[0][it.rank - 1], sb = it.st[1][it.rank - 1];
  if (L == 0 || e0 >= e1) return;
  int64_t c = e0 % L;
  qrt_nd_seek(&it, e0 / L);
  float *y = j->y + e0;
  while (e0 < e1) {
    const int64_t len = QRT_MIN(L - c, e1 - e0);
    const float *ar = j->a + it.off[0] + c * sa, *br = j->b + it.off[1] + c * sb;
    if (!j->clamp) {
      j->fn(len, ar, sa, br, sb, y);
    } else {
      for (int64_t i0 = 0; i0 < len; i0 += QRT_CLAMP_BLOCK) {
        const int64_t n = len - i0 < QRT_CLAMP_BLOCK ? len - i0 : QRT_CLAMP_BLOCK;
        float *yb = y + i0;
        j->fn(n, ar + i0 * sa, sa, br + i0 * sb, sb, yb);
        for (int64_t i = 0; i < n; i++) {
          float v = yb[i];
          v = v < j->lo ? j->lo : v;
          yb[i] = v > j->hi ? j->hi : v;
        }
      }
    }
    y += len, e0 += len, c = 0;
    qrt_nd_next(&it);
  }
}

static void qrt_binary_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const qrt_binary_job_t *j = (const qrt_binary_job_t *)arg;
  qrt_binary_range(j, t * j->chunk, QRT_MIN(j->total, (t + 1) * j->chunk));
}

enum { QRT_EW_MIN_TASK = 16384, QRT_EW_MIN_TASK_TRANSCEND = 2048 };

static qrt_status_t qrt_binary_rows(qrt_pool_t *pool, qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                                    const float *a, const int64_t *a_strides, const float *b,
                                    const int64_t *b_strides, int clamp, float lo, float hi, float *y) {
  qrt_binary_job_t j = {qrt_bin_lookup(op), {0}, a, b, y, clamp, lo, hi, 0, 0};
  if (!j.fn) return QRT_INVALID_ARGUMENT;
  const int64_t *st[2] = {a_strides, b_strides};
  if (!qrt_nd_init(&j.it, 2, rank, out_shape, st)) return QRT_INVALID_ARGUMENT;
  j.total = j.it.outer * j.it.shape[j.it.rank - 1];
  const int64_t tasks = qrt_ew_tasks(pool, j.total, op == QRT_BINARY_POW ? QRT_EW_MIN_TASK_TRANSCEND : QRT_EW_MIN_TASK,
                                     &j.chunk);
  if (tasks > 1) qrt_pool_run(pool, tasks, qrt_binary_task, &j);
  else qrt_binary_range(&j, 0, j.total);
  return QRT_OK;
}

qrt_status_t qrt_f32_binary_mt(qrt_pool_t *pool, qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                               const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                               float *y) {
  return qrt_binary_rows(pool, op, rank, out_shape, a, a_strides, b, b_strides, 0, 0.0f, 0.0f, y);
}

qrt_status_t qrt_f32_binary_clamp_mt(qrt_pool_t *pool, qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                                     const float *a, const int64_t *a_strides, const float *b,
                                     const int64_t *b_strides, float lo, float hi, float *y) {
  return qrt_binary_rows(pool, op, rank, out_shape, a, a_strides, b, b_strides, 1, lo, hi, y);
}

qrt_status_t qrt_f32_binary(qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                            const float *a, const int64_t *a_strides, const float *b,
                            const int64_t *b_strides, float *y) {
  return qrt_binary_rows(NULL, op, rank, out_shape, a, a_strides, b, b_strides, 0, 0.0f, 0.0f, y);
}

qrt_status_t qrt_f32_binary_clamp(qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                                  const float *a, const int64_t *a_strides, const float *b,
                                  const int64_t *b_strides, float lo, float hi, float *y) {
  return qrt_binary_rows(NULL, op, rank, out_shape, a, a_strides, b, b_strides, 1, lo, hi, y);
}

qrt_status_t qrt_f32_prelu(int64_t rank, const int64_t *shape, const float *x, const float *slope,
                           const int64_t *slope_strides, float *y) {
  if (rank < 0 || rank > QRT_MAX_RANK) return QRT_INVALID_ARGUMENT;
  int64_t xs[QRT_MAX_RANK];
  int64_t s = 1;
  for (int64_t d = rank - 1; d >= 0; d--) {
    xs[d] = s;
    s *= shape[d];
  }
  return qrt_f32_binary(QRT_BINARY_PRELU, rank, shape, x, xs, slope, slope_strides, y);
}

qrt_status_t qrt_f32_where(int64_t rank, const int64_t *out_shape, const uint8_t *cond,
                           const int64_t *cond_strides, const float *x, const int64_t *x_strides,
                           const float *z, const int64_t *z_strides, float *y) {
  qrt_nd_t it;
  const int64_t *st[3] = {cond_strides, x_strides, z_strides};
  if (!qrt_nd_init(&it, 3, rank, out_shape, st)) return QRT_INVALID_ARGUMENT;
  const int64_t L = it.shape[it.rank - 1];
  const int64_t sc = it.st[0][it.rank - 1], sx = it.st[1][it.rank - 1], sz = it.st[2][it.rank - 1];
  for (int64_t r = 0; r < it.outer; r++, qrt_nd_next(&it)) {
    const uint8_t *c = cond + it.off[0];
    const float *xp = x + it.off[1], *zp = z + it.off[2];
    for (int64_t i = 0; i < L; i++) y[i] = c[i * sc] ? xp[i * sx] : zp[i * sz];
    y += L;
  }
  return QRT_OK;
}

/* ---- f32_transcend.inl's builds: the newest this CPU and the limit allow --------- */

#if defined(__x86_64__)
/* a one-target build keeps one of them besides the scalar one (qrt_target.h) */
enum { QRT_TRANSCEND_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) };
#define QRT_TRANSCEND(isa_level) (QRT_ROW_KEPT(isa_level, QRT_TRANSCEND_LEVELS) && isa >= isa_level)
#endif

void qrt_f32_gelu_erf(int64_t n, const float *x, float *y) {
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (QRT_TRANSCEND(QRT_ISA_AVX512F)) { qrt_f32_gelu_erf__avx512f(n, x, y); return; }
  if (QRT_TRANSCEND(QRT_ISA_AVX2_FMA)) { qrt_f32_gelu_erf__avx2_fma(n, x, y); return; }
#endif
  qrt_f32_gelu_erf__scalar(n, x, y);
}

double qrt_f32_exp_shifted_sum(int64_t n, const float *x, float mx, float *y) {
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (QRT_TRANSCEND(QRT_ISA_AVX512F)) return qrt_f32_exp_shifted_sum__avx512f(n, x, mx, y);
  if (QRT_TRANSCEND(QRT_ISA_AVX2_FMA)) return qrt_f32_exp_shifted_sum__avx2_fma(n, x, mx, y);
#endif
  return qrt_f32_exp_shifted_sum__scalar(n, x, mx, y);
}

void qrt_f32_softmax_rows(int64_t rows, int64_t n, const float *x, float *y) {
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (QRT_TRANSCEND(QRT_ISA_AVX512F)) { qrt_f32_softmax_rows__avx512f(rows, n, x, y); return; }
  if (QRT_TRANSCEND(QRT_ISA_AVX2_FMA)) { qrt_f32_softmax_rows__avx2_fma(rows, n, x, y); return; }
#endif
  qrt_f32_softmax_rows__scalar(rows, n, x, y);
}

/* ---- unary ------------------------------------------------------------------------ */

static inline float qrt_sigmoidf(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  const float e = expf(x);
  return e / (1.0f + e); /* NaN takes this branch and stays NaN */
}

static qrt_status_t qrt_unary_range(qrt_unary_op_t op, float alpha, float beta, int64_t n, const float *x,
                                    float *y) {
  int64_t i;
  switch (op) {
    case QRT_UNARY_RELU:
      for (i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
      break;
    case QRT_UNARY_LEAKY_RELU:
      for (i = 0; i < n; i++) y[i] = x[i] < 0.0f ? alpha * x[i] : x[i];
      break;
    case QRT_UNARY_CLIP:
      for (i = 0; i < n; i++) {
        float v = x[i];
        v = v < alpha ? alpha : v;
        y[i] = v > beta ? beta : v;
      }
      break;
    case QRT_UNARY_SIGMOID:
      for (i = 0; i < n; i++) y[i] = qrt_sigmoidf(x[i]);
      break;
    case QRT_UNARY_TANH:
      for (i = 0; i < n; i++) y[i] = tanhf(x[i]);
      break;
    case QRT_UNARY_HARD_SIGMOID:
      for (i = 0; i < n; i++) {
        float v = alpha * x[i] + beta;
        v = v < 0.0f ? 0.0f : v;
        y[i] = v > 1.0f ? 1.0f : v;
      }
      break;
    case QRT_UNARY_HARD_SWISH:
      for (i = 0; i < n; i++) {
        const float xv = x[i];
        float v = xv / 6.0f + 0.5f;
        v = v < 0.0f ? 0.0f : v;
        v = v > 1.0f ? 1.0f : v;
        y[i] = xv * v;
      }
      break;
    case QRT_UNARY_GELU: /* erf by f32_transcend.inl's polynomial, vectorized */
      qrt_f32_gelu_erf(n, x, y);
      break;
    case QRT_UNARY_GELU_TANH:
      for (i = 0; i < n; i++) {
        const float xv = x[i];
        const float inner = 0.79788456080286536f * (xv + 0.044715f * xv * xv * xv);
        y[i] = 0.5f * xv * (1.0f + tanhf(inner));
      }
      break;
    case QRT_UNARY_ERF:
      for (i = 0; i < n; i++) y[i] = erff(x[i]);
      break;
    case QRT_UNARY_EXP:
      for (i = 0; i < n; i++) y[i] = expf(x[i]);
      break;
    case QRT_UNARY_LOG:
      for (i = 0; i < n; i++) y[i] = logf(x[i]);
      break;
    case QRT_UNARY_SQRT:
      for (i = 0; i < n; i++) y[i] = sqrtf(x[i]);
      break;
    case QRT_UNARY_NEG:
      for (i = 0; i < n; i++) y[i] = -x[i];
      break;
    case QRT_UNARY_ABS:
      for (i = 0; i < n; i++) y[i] = fabsf(x[i]);
      break;
    case QRT_UNARY_RECIPROCAL:
      for (i = 0; i < n; i++) y[i] = 1.0f / x[i];
      break;
    case QRT_UNARY_FLOOR:
      for (i = 0; i < n; i++) y[i] = floorf(x[i]);
      break;
    case QRT_UNARY_CEIL:
      for (i = 0; i < n; i++) y[i] = ceilf(x[i]);
      break;
    case QRT_UNARY_ROUND: /* rintf in the default round-to-nearest-even mode */
      for (i = 0; i < n; i++) y[i] = rintf(x[i]);
      break;
    case QRT_UNARY_ELU:
      for (i = 0; i < n; i++) y[i] = x[i] < 0.0f ? alpha * (expf(x[i]) - 1.0f) : x[i];
      break;
    case QRT_UNARY_SOFTPLUS:
      for (i = 0; i < n; i++) {
        const float v = x[i]; /* log(1+e^v) = max(v,0) + log1p(e^-|v|) */
        y[i] = (v > 0.0f ? v : 0.0f) + log1pf(expf(-fabsf(v)));
      }
      break;
    case QRT_UNARY_SILU:
      for (i = 0; i < n; i++) y[i] = x[i] * qrt_sigmoidf(x[i]);
      break;
    default:
      return QRT_INVALID_ARGUMENT;
  }
  return QRT_OK;
}

typedef struct {
  qrt_unary_op_t op;
  float alpha, beta;
  const float *x;
  float *y;
  int64_t chunk, total;
} qrt_unary_job_t;

static void qrt_unary_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const qrt_unary_job_t *j = (const qrt_unary_job_t *)arg;
  const int64_t e0 = t * j->chunk, n = QRT_MIN(j->total - e0, j->chunk);
  (void)qrt_unary_range(j->op, j->alpha, j->beta, n, j->x + e0, j->y + e0); /* op checked before */
}

qrt_status_t qrt_f32_unary_mt(qrt_pool_t *pool, qrt_unary_op_t op, float alpha, float beta, int64_t n,
                              const float *x, float *y) {
  if (n < 0 || (unsigned)op > (unsigned)QRT_UNARY_SILU) return QRT_INVALID_ARGUMENT;
  /* the cheap ops are a pass over memory; the rest call libm or the erf polynomial */
  const int cheap = op == QRT_UNARY_RELU || op == QRT_UNARY_LEAKY_RELU || op == QRT_UNARY_CLIP ||
                    op == QRT_UNARY_HARD_SIGMOID || op == QRT_UNARY_HARD_SWISH || op == QRT_UNARY_NEG ||
                    op == QRT_UNARY_ABS;
  qrt_unary_job_t j = {op, alpha, beta, x, y, 0, n};
  const int64_t tasks = qrt_ew_tasks(pool, n, cheap ? QRT_EW_MIN_TASK : QRT_EW_MIN_TASK_TRANSCEND, &j.chunk);
  if (tasks > 1) {
    qrt_pool_run(pool, tasks, qrt_unary_task, &j);
    return QRT_OK;
  }
  return qrt_unary_range(op, alpha, beta, n, x, y);
}

qrt_status_t qrt_f32_unary(qrt_unary_op_t op, float alpha, float beta, int64_t n, const float *x, float *y) {
  return qrt_f32_unary_mt(NULL, op, alpha, beta, n, x, y);
}
