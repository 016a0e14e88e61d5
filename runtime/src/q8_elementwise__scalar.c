/* Scalar reference int8 elementwise kernels: QAdd/QMul with numpy broadcasting
 * (qrt_q8_binary), requantization to other parameters (qrt_q8_requantize),
 * concat (qrt_q8_concat) and 8-bit lookup tables (qrt_q8_lut*). Contracts in
 * qrt/qrt_q8.h. Every float step is one float32 operation stored in a float
 * variable (no FMA: built with -ffp-contract=off). QAdd/QMul rows whose
 * operands are contiguous or broadcast (inner stride 0 or 1), requantize and
 * concat run the vector variant of qrt_active_isa() when there is one
 * (q8_ew_internal.h), with the same results. */
#include <string.h>

#include "nd_iter.h"
#include "qrt/qrt_pool.h"
#include "q8_ew_internal.h"
#include "qrt_internal.h"

/* ---- QAdd / QMul -------------------------------------------------------------------- */

/* One QAdd/QMul: the operands' iteration (at row 0) and constants. */
typedef struct {
  qrt_q8_binary_op_t op;
  qrt_nd_t it;
  const qrt_q8_act_t *aq, *bq;
  const qrt_q8_output_t *yq;
  const void *a, *b;
  void *y;
  const q8_ew_variant_t *v;
  q8_ew_bin_t bp;
  float ma, mb, mab;
  int64_t total, chunk; /* output elements; per task (qrt_q8_binary_mt) */
} q8_bin_job_t;

/* Values [c, c + len) of one row (a at offset oa, b at ob, y from yi), one at
 * a time: the contract's steps, for the strides the row kernels do not take
 * and builds without them (cold: kept small in a model's library). */
static __attribute__((cold, noinline)) void q8_binary_values(const q8_bin_job_t *j, int64_t oa, int64_t ob,
                                                              int64_t c, int64_t len, int64_t yi) {
  const qrt_q8_act_t *aq = j->aq, *bq = j->bq;
  const qrt_q8_output_t *yq = j->yq;
  const int64_t sa = j->it.st[0][j->it.rank - 1], sb = j->it.st[1][j->it.rank - 1];
  for (int64_t i = c; i < c + len; i++, yi++) {
    const int32_t da = qrt_q8_load(aq->type, j->a, oa + i * sa) - aq->zero_point;
    const int32_t db = qrt_q8_load(bq->type, j->b, ob + i * sb) - bq->zero_point;
    int32_t q;
    if (j->op == QRT_Q8_ADD) {
      const float pa = (float)da * j->ma;
      const float pb = (float)db * j->mb;
      const float v = pa + pb;
      q = qrt_requantize_f32_scalar(v, yq->zero_point, yq->qmin, yq->qmax);
    } else {
      q = qrt_requantize_scalar(da * db, j->mab, yq->zero_point, yq->qmin, yq->qmax); /* |da*db| <= 65025 */
    }
    qrt_q8_store(yq->type, j->y, yi, q);
  }
}

/* Output elements [e0, e1): whole or partial rows of the innermost dimension,
 * each by the variant's row kernel when the operands allow, else one value at
 * a time. The same values however the range is cut. */
static void q8_binary_range(const q8_bin_job_t *j, int64_t e0, int64_t e1) {
  qrt_nd_t it = j->it;
  const int64_t L = it.shape[it.rank - 1], sa = it.st[0][it.rank - 1], sb = it.st[1][it.rank - 1];
  if (L == 0 || e0 >= e1) return;
  const int rows = j->v && (sa == 0 || sa == 1) && (sb == 0 || sb == 1);
  int64_t c = e0 % L;
  qrt_nd_seek(&it, e0 / L);
  for (int64_t yi = e0; yi < e1; qrt_nd_next(&it), c = 0) {
    const int64_t len = L - c < e1 - yi ? L - c : e1 - yi;
    if (rows)
      (j->op == QRT_Q8_ADD ? j->v->add : j->v->mul)(len, (const uint8_t *)j->a + it.off[0] + c * sa, sa,
                                                    (const uint8_t *)j->b + it.off[1] + c * sb, sb, &j->bp,
                                                    (uint8_t *)j->y + yi);
    else
      q8_binary_values(j, it.off[0], it.off[1], c, len, yi);
    yi += len;
  }
}

static void q8_binary_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const q8_bin_job_t *j = (const q8_bin_job_t *)arg;
  q8_binary_range(j, t * j->chunk, (t + 1) * j->chunk < j->total ? (t + 1) * j->chunk : j->total);
}

/* At least this many outputs per task: below, one thread (the hand-out would cost more). */
enum { Q8_BIN_MIN_TASK = 8192 };

/* The arguments' checks and the constants run once per call: cold (small). */
__attribute__((cold)) qrt_status_t qrt_q8_binary_mt(qrt_pool_t *pool, qrt_q8_binary_op_t op, int64_t rank, const int64_t *out_shape,
                              const qrt_q8_act_t *aq, const void *a, const int64_t *a_strides,
                              const qrt_q8_act_t *bq, const void *b, const int64_t *b_strides,
                              const qrt_q8_output_t *yq, void *y) {
  if ((op != QRT_Q8_ADD && op != QRT_Q8_MUL) || qrt_q8_act_check(aq) != QRT_OK ||
      qrt_q8_act_check(bq) != QRT_OK || qrt_q8_output_check(yq) != QRT_OK)
    return QRT_INVALID_ARGUMENT;
  q8_bin_job_t j;
  const int64_t *st[2] = {a_strides, b_strides};
  if ((rank > 0 && (!out_shape || !a_strides || !b_strides)) || !qrt_nd_init(&j.it, 2, rank, out_shape, st))
    return QRT_INVALID_ARGUMENT;
  if (j.it.outer == 0) return QRT_OK;
  if (!a || !b || !y) return QRT_INVALID_ARGUMENT;
  j.op = op, j.aq = aq, j.bq = bq, j.yq = yq, j.a = a, j.b = b, j.y = y;
  /* Plan-time constants: the same function as everywhere else. */
  j.ma = qrt_requant_multiplier(aq->scale, 1.0f, yq->scale); /* = sa / sy */
  j.mb = qrt_requant_multiplier(bq->scale, 1.0f, yq->scale);
  j.mab = qrt_requant_multiplier(aq->scale, bq->scale, yq->scale);
  j.v = qrt_q8_ew_variant();
  j.bp = (q8_ew_bin_t){q8_ew_flip(aq->type), q8_ew_flip(bq->type), q8_ew_zu(aq->type, aq->zero_point),
                       q8_ew_zu(bq->type, bq->zero_point), j.ma, j.mb, j.mab,
                       qrt_q8_ew_out(yq->type, yq->zero_point, yq->qmin, yq->qmax)};
  j.total = j.it.outer * j.it.shape[j.it.rank - 1];
  /* one contiguous part per thread, a multiple of 64 outputs (whole cache lines of y) */
  const int64_t tasks = qrt_ew_split(pool, j.total, Q8_BIN_MIN_TASK, 1, 64, &j.chunk);
  if (tasks < 2) q8_binary_range(&j, 0, j.total);
  else qrt_pool_run(pool, tasks, q8_binary_task, &j);
  return QRT_OK;
}

qrt_status_t qrt_q8_binary(qrt_q8_binary_op_t op, int64_t rank, const int64_t *out_shape,
                           const qrt_q8_act_t *aq, const void *a, const int64_t *a_strides,
                           const qrt_q8_act_t *bq, const void *b, const int64_t *b_strides,
                           const qrt_q8_output_t *yq, void *y) {
  return qrt_q8_binary_mt(NULL, op, rank, out_shape, aq, a, a_strides, bq, b, b_strides, yq, y);
}

/* ---- requantize and concat ------------------------------------------------------------ */

/* n values from x (params xq) to y (params yq), starting at element offsets. */
static void q8_requantize_run(int64_t n, const qrt_q8_act_t *xq, const void *x, int64_t xoff,
                              const qrt_q8_output_t *yq, void *y, int64_t yoff) {
  int32_t lo = 0, hi = 0;
  qrt_q8_type_range(yq->type, &lo, &hi);
  if (xq->type == yq->type && xq->scale == yq->scale && xq->zero_point == yq->zero_point &&
      yq->qmin == lo && yq->qmax == hi) {
    /* M = 1 and the clamp cannot bind: the requantization is the identity */
    if ((const char *)x + xoff != (char *)y + yoff) memmove((char *)y + yoff, (const char *)x + xoff, (size_t)n);
    return;
  }
  const float m = qrt_requant_multiplier(xq->scale, 1.0f, yq->scale); /* = sx / sy */
  const q8_ew_variant_t *v = qrt_q8_ew_variant();
  if (v) {
    const q8_ew_out_t o = qrt_q8_ew_out(yq->type, yq->zero_point, yq->qmin, yq->qmax);
    v->requant(n, (const uint8_t *)x + xoff, q8_ew_flip(xq->type), q8_ew_zu(xq->type, xq->zero_point), m, &o,
               (uint8_t *)y + yoff);
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    const int32_t d = qrt_q8_load(xq->type, x, xoff + i) - xq->zero_point;
    qrt_q8_store(yq->type, y, yoff + i, qrt_requantize_scalar(d, m, yq->zero_point, yq->qmin, yq->qmax));
  }
}

qrt_status_t qrt_q8_requantize(int64_t n, const qrt_q8_act_t *xq, const void *x,
                               const qrt_q8_output_t *yq, void *y) {
  if (n < 0 || qrt_q8_act_check(xq) != QRT_OK || qrt_q8_output_check(yq) != QRT_OK)
    return QRT_INVALID_ARGUMENT;
  if (n == 0) return QRT_OK;
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  q8_requantize_run(n, xq, x, 0, yq, y, 0);
  return QRT_OK;
}

qrt_status_t qrt_q8_concat(int64_t outer, int64_t inner, int64_t n_inputs, const void *const *inputs,
                           const qrt_q8_act_t *xq, const int64_t *axis_sizes,
                           const qrt_q8_output_t *yq, void *y) {
  if (outer < 0 || inner < 0 || n_inputs < 1 || !inputs || !xq || !axis_sizes ||
      qrt_q8_output_check(yq) != QRT_OK)
    return QRT_INVALID_ARGUMENT;
  int64_t total = 0;
  for (int64_t i = 0; i < n_inputs; i++) {
    if (axis_sizes[i] < 0 || qrt_q8_act_check(&xq[i]) != QRT_OK) return QRT_INVALID_ARGUMENT;
    if (outer * axis_sizes[i] * inner > 0 && !inputs[i]) return QRT_INVALID_ARGUMENT;
    total += axis_sizes[i];
  }
  if (outer * total * inner == 0) return QRT_OK;
  if (!y) return QRT_INVALID_ARGUMENT;
  int64_t yoff = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < n_inputs; i++) {
      const int64_t len = axis_sizes[i] * inner;
      if (len > 0) q8_requantize_run(len, &xq[i], inputs[i], o * len, yq, y, yoff);
      yoff += len;
    }
  return QRT_OK;
}

/* ---- lookup tables ------------------------------------------------------------------ */

qrt_status_t qrt_q8_lut(int64_t n, const uint8_t table[256], const void *x, void *y) {
  if (n < 0 || !table) return QRT_INVALID_ARGUMENT;
  if (n == 0) return QRT_OK;
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  const uint8_t *xb = (const uint8_t *)x;
  uint8_t *yb = (uint8_t *)y;
  for (int64_t i = 0; i < n; i++) yb[i] = table[xb[i]]; /* y may equal x */
  return QRT_OK;
}

qrt_status_t qrt_q8_lut_inputs(const qrt_q8_act_t *xq, float x[256]) {
  if (qrt_q8_act_check(xq) != QRT_OK || !x) return QRT_INVALID_ARGUMENT;
  for (int b = 0; b < 256; b++) {
    const int32_t q = xq->type == QRT_DTYPE_U8 ? b : (int32_t)(int8_t)(uint8_t)b;
    x[b] = qrt_dequantize_f32_scalar(q, xq->scale, xq->zero_point);
  }
  return QRT_OK;
}

qrt_status_t qrt_q8_lut_from_values(const float fx[256], const qrt_q8_output_t *yq, uint8_t table[256]) {
  if (qrt_q8_output_check(yq) != QRT_OK || !fx || !table) return QRT_INVALID_ARGUMENT;
  for (int b = 0; b < 256; b++)
    table[b] = (uint8_t)qrt_quantize_f32_scalar(fx[b], yq->scale, yq->zero_point, yq->qmin, yq->qmax);
  return QRT_OK;
}

qrt_status_t qrt_q8_lut_build_unary(qrt_unary_op_t op, float alpha, float beta, const qrt_q8_act_t *xq,
                                    const qrt_q8_output_t *yq, uint8_t table[256]) {
  float x[256], fx[256];
  qrt_status_t s = qrt_q8_lut_inputs(xq, x);
  if (s != QRT_OK) return s;
  if (qrt_q8_output_check(yq) != QRT_OK || !table) return QRT_INVALID_ARGUMENT;
  if ((s = qrt_f32_unary(op, alpha, beta, 256, x, fx)) != QRT_OK) return s;
  return qrt_q8_lut_from_values(fx, yq, table);
}
