/* Scalar reference QLinearMatMul (qrt_q8_matmul) and MatMulInteger
 * (qrt_q8_matmul_integer): both operands are run-time values, with per-tensor,
 * per-row (A) or per-column (B) parameters that may vary with the batch.
 * Contracts in qrt/qrt_q8.h. int64_t accumulators only spare an argument:
 * the bound K * max|a - za| * max|b - zb| <= INT32_MAX is checked first.
 * The sums of a batch come from the newest vector build the CPU and the ISA
 * limit allow (q8_matmul_internal.h: AVX-512 VNNI, AVX2; the same int32 values)
 * when K <= Q8_MM_MAX_K; the requantization is this file's, per element. */
#include <math.h>

#include "q8_matmul_internal.h"
#include "qrt/qrt_q8.h"
#include "qrt_target.h"

#if defined(__x86_64__)
/* a one-target build keeps one of them besides the reference loop (qrt_target.h) */
enum { Q8_MM_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512VNNI) };
#define Q8_MM(isa_level) (QRT_ROW_KEPT(isa_level, Q8_MM_LEVELS) && isa >= isa_level)
#endif

static void (*q8_mm_kernel(int64_t k))(const q8_mm_job_t *) {
  if (k > Q8_MM_MAX_K) return NULL;
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (Q8_MM(QRT_ISA_AVX512VNNI)) return qrt_q8_matmul_batch__avx512vnni;
  if (Q8_MM(QRT_ISA_AVX2_FMA)) return qrt_q8_matmul_batch__avx2;
#endif
  return NULL;
}

/* Where a vector build's tiles of one batch go: y32, or requantized into y8. */
typedef struct {
  const qrt_q8_output_t *yq;
  void *y8;
  int32_t *y32;
  int64_t yi, n; /* the batch's first output element; columns */
  const float *sa, *sb; /* scales of row r: sa[r * sa_step] (batch offset applied) */
  int64_t sa_step, sb_step;
  float mult; /* per-tensor multiplier (both steps 0) */
} q8_mm_out_t;

static void q8_mm_emit(void *ctx, int64_t r0, int64_t rows, int64_t c0, int64_t cols, const int32_t *acc,
                       int64_t ld) {
  const q8_mm_out_t *o = (const q8_mm_out_t *)ctx;
  for (int64_t r = 0; r < rows; r++) {
    const int64_t yi = o->yi + (r0 + r) * o->n + c0;
    if (!o->yq) {
      for (int64_t c = 0; c < cols; c++) o->y32[yi + c] = acc[r * ld + c];
      continue;
    }
    const qrt_q8_output_t *yq = o->yq;
    for (int64_t c = 0; c < cols; c++) {
      const float mult = o->sa_step || o->sb_step ? qrt_requant_multiplier(o->sa[(r0 + r) * o->sa_step],
                                                                          o->sb[(c0 + c) * o->sb_step], yq->scale)
                                                  : o->mult;
      qrt_q8_store(yq->type, o->y8, yi + c,
                   qrt_requantize_scalar(acc[r * ld + c], mult, yq->zero_point, yq->qmin, yq->qmax));
    }
  }
}

/* Offset of the element for batch index idx[0..rank) through strides (NULL: 0). */
static int64_t q8_batch_offset(int64_t rank, const int64_t *idx, const int64_t *strides) {
  int64_t off = 0;
  if (strides)
    for (int64_t d = 0; d < rank; d++) off += idx[d] * strides[d];
  return off;
}

/* Advances the odometer idx over shape; returns 0 after the last index. */
static int q8_batch_next(int64_t rank, const int64_t *shape, int64_t *idx) {
  for (int64_t d = rank - 1; d >= 0; d--) {
    if (++idx[d] < shape[d]) return 1;
    idx[d] = 0;
  }
  return 0;
}

/* Checks one operand's parameters over every (batch, row/column) they are read
 * at; *dev = max |q - zq| over the zero points read. rows = m for A, n for B. */
static qrt_status_t q8_matrix_check(const qrt_q8_matrix_t *x, int64_t rank, const int64_t *shape,
                                    int64_t batches, int64_t rows, int need_scales, int64_t *dev) {
  int32_t lo, hi;
  if (!x || !qrt_q8_type_range(x->type, &lo, &hi) || (rank > 0 && !x->batch_strides) ||
      (x->param_stride != 0 && x->param_stride != 1) || (need_scales && !x->scales))
    return QRT_INVALID_ARGUMENT;
  *dev = qrt_q8_max_deviation(x->type, 0);
  if (batches == 0 || rows == 0) return QRT_OK;
  if (x->zero_points) *dev = 0;
  int64_t idx[QRT_MAX_RANK] = {0};
  do {
    const int64_t base = q8_batch_offset(rank, idx, x->param_batch_strides);
    for (int64_t r = 0; r < (x->param_stride ? rows : 1); r++) {
      const int64_t i = base + r * x->param_stride;
      if (need_scales && !(x->scales[i] > 0.0f && isfinite(x->scales[i]))) return QRT_INVALID_ARGUMENT;
      if (x->zero_points) {
        const int32_t z = x->zero_points[i];
        if (z < lo || z > hi) return QRT_INVALID_ARGUMENT;
        const int64_t d = qrt_q8_max_deviation(x->type, z);
        if (d > *dev) *dev = d;
      }
    }
  } while (x->param_batch_strides && q8_batch_next(rank, shape, idx));
  return QRT_OK;
}

/* Shared loop: yq != NULL requantizes into y8, else stores int32 into y32. */
static qrt_status_t q8_matmul(int64_t rank, const int64_t *shape, int64_t m, int64_t n, int64_t k,
                              const qrt_q8_matrix_t *a, const qrt_q8_matrix_t *b,
                              const qrt_q8_output_t *yq, void *y8, int32_t *y32) {
  if (rank < 0 || rank > QRT_MAX_RANK || (rank > 0 && !shape) || m < 0 || n < 0 || k < 0)
    return QRT_INVALID_ARGUMENT;
  int64_t batches = 1;
  for (int64_t d = 0; d < rank; d++) {
    if (shape[d] < 0) return QRT_INVALID_ARGUMENT;
    batches *= shape[d];
  }
  const int need_scales = yq != NULL;
  int64_t dev_a, dev_b;
  qrt_status_t s;
  if ((s = q8_matrix_check(a, rank, shape, batches, m, need_scales, &dev_a)) != QRT_OK) return s;
  if ((s = q8_matrix_check(b, rank, shape, batches, n, need_scales, &dev_b)) != QRT_OK) return s;
  if (yq && qrt_q8_output_check(yq) != QRT_OK) return QRT_INVALID_ARGUMENT;
  if (dev_a * dev_b > 0 && k > INT32_MAX / (dev_a * dev_b)) return QRT_INVALID_ARGUMENT;
  if (batches * m * n == 0) return QRT_OK;
  if ((k > 0 && (!a->data || !b->data)) || (yq ? !y8 : !y32)) return QRT_INVALID_ARGUMENT;

  void (*const kernel)(const q8_mm_job_t *) = q8_mm_kernel(k);
  int64_t idx[QRT_MAX_RANK] = {0};
  int64_t yi = 0;
  do {
    const int64_t ao = q8_batch_offset(rank, idx, a->batch_strides);
    const int64_t bo = q8_batch_offset(rank, idx, b->batch_strides);
    const int64_t ap = q8_batch_offset(rank, idx, a->param_batch_strides);
    const int64_t bp = q8_batch_offset(rank, idx, b->param_batch_strides);
    if (kernel && k > 0) {
      q8_mm_out_t o = {yq, y8, y32, yi, n, NULL, NULL, a->param_stride, b->param_stride, 0.0f};
      if (yq) {
        o.sa = a->scales + ap, o.sb = b->scales + bp;
        o.mult = qrt_requant_multiplier(o.sa[0], o.sb[0], yq->scale);
      }
      const q8_mm_job_t job = {(const uint8_t *)a->data + ao, (const uint8_t *)b->data + bo,
                               a->type == QRT_DTYPE_I8, b->type == QRT_DTYPE_I8, m, n, k,
                               a->zero_points ? a->zero_points + ap : NULL, b->zero_points ? b->zero_points + bp : NULL,
                               a->param_stride, b->param_stride, q8_mm_emit, &o,
                               yq, yq ? (uint8_t *)y8 + yi : NULL, o.sa, o.sb, o.mult};
      kernel(&job);
      yi += m * n;
      continue; /* to the next batch index */
    }
    for (int64_t r = 0; r < m; r++) {
      const int64_t ai = ap + r * a->param_stride;
      const int32_t za = a->zero_points ? a->zero_points[ai] : 0;
      for (int64_t c = 0; c < n; c++, yi++) {
        const int64_t bi = bp + c * b->param_stride;
        const int32_t zb = b->zero_points ? b->zero_points[bi] : 0;
        int64_t acc = 0;
        for (int64_t i = 0; i < k; i++)
          acc += (int64_t)(qrt_q8_load(a->type, a->data, ao + r * k + i) - za) *
                 (qrt_q8_load(b->type, b->data, bo + i * n + c) - zb);
        if (!yq) {
          y32[yi] = (int32_t)acc;
        } else {
          const float mult = qrt_requant_multiplier(a->scales[ai], b->scales[bi], yq->scale);
          qrt_q8_store(yq->type, y8, yi, qrt_requantize_scalar((int32_t)acc, mult, yq->zero_point, yq->qmin, yq->qmax));
        }
      }
    }
  } while (q8_batch_next(rank, shape, idx));
  return QRT_OK;
}

qrt_status_t qrt_q8_matmul(int64_t batch_rank, const int64_t *batch_shape, int64_t m, int64_t n,
                           int64_t k, const qrt_q8_matrix_t *a, const qrt_q8_matrix_t *b,
                           const qrt_q8_output_t *yq, void *y) {
  if (!yq) return QRT_INVALID_ARGUMENT;
  return q8_matmul(batch_rank, batch_shape, m, n, k, a, b, yq, y, NULL);
}

qrt_status_t qrt_q8_matmul_integer(int64_t batch_rank, const int64_t *batch_shape, int64_t m,
                                   int64_t n, int64_t k, const qrt_q8_matrix_t *a,
                                   const qrt_q8_matrix_t *b, int32_t *y) {
  return q8_matmul(batch_rank, batch_shape, m, n, k, a, b, NULL, NULL, y);
}
