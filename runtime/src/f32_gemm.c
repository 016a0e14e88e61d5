/* The blocked f32 GEMM driver (BLIS loop order), operand packing, and the
 * public Gemm / MatMul entry points. Only the innermost tile is ISA-specific
 * (f32_gemm_<MR>x<NR>__<isa>.c); everything here is portable C. */
#include <math.h>
#include <string.h>

#include "f32_pack_internal.h"
#include "qrt/qrt_pool.h"
#include "qrt_internal.h"
#include "qrt_target.h"

/* ---- packing --------------------------------------------------------------- */

#if defined(__x86_64__)
/* a one-target build keeps one of them besides the portable loops (qrt_target.h) */
enum { QRT_PACK_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) };
#define QRT_PACK(isa_level) (QRT_ROW_KEPT(isa_level, QRT_PACK_LEVELS) && isa >= isa_level)
#endif

/* One panel by the portable loops (f32_pack_internal.h has the per-ISA ones). */
static void qrt_pack_panel(const float *src, int64_t si, int64_t sk, int64_t rows, int64_t kc, int64_t r, float *d) {
  if (si == 1) { /* the r values of one k are contiguous in the source */
    for (int64_t k = 0; k < kc; k++) {
      const float *s = src + k * sk;
      float *dk = d + k * r;
      memcpy(dk, s, (size_t)rows * sizeof(float));
      for (int64_t t = rows; t < r; t++) dk[t] = 0.0f;
    }
  } else { /* row t is contiguous along k (sk == 1) or strided: walk rows */
    for (int64_t t = 0; t < rows; t++) {
      const float *s = src + t * si;
      for (int64_t k = 0; k < kc; k++) d[k * r + t] = s[k * sk];
    }
    for (int64_t t = rows; t < r; t++)
      for (int64_t k = 0; k < kc; k++) d[k * r + t] = 0.0f;
  }
}

void qrt_f32_pack_strided(const void *vctx, int64_t i0, int64_t len, int64_t k0, int64_t kc,
                          int64_t r, float *dst) {
  const qrt_f32_strided_t *ctx = (const qrt_f32_strided_t *)vctx;
  const int64_t si = ctx->stride_i, sk = ctx->stride_k;
  void (*panel)(const float *, int64_t, int64_t, int64_t, int64_t, float *) = NULL;
#if defined(__x86_64__)
  const qrt_isa_t isa = qrt_active_isa();
  if (QRT_PACK(QRT_ISA_AVX512F))
    panel = si == 1 ? qrt_f32_pack_cols__avx512f
            : sk == 1 && r <= QRT_F32_PACK_MAX_R_avx512f ? qrt_f32_pack_rows__avx512f : NULL;
  else if (QRT_PACK(QRT_ISA_AVX2_FMA))
    panel = si == 1 ? qrt_f32_pack_cols__avx2_fma
            : sk == 1 && r <= QRT_F32_PACK_MAX_R_avx2_fma ? qrt_f32_pack_rows__avx2_fma : NULL;
#endif
  for (int64_t p = 0; p * r < len; p++) {
    const int64_t rows = QRT_MIN(r, len - p * r);
    const float *src = ctx->base + (i0 + p * r) * si + k0 * sk;
    float *d = dst + p * kc * r;
    if (panel) panel(src, si == 1 ? sk : si, rows, kc, r, d);
    else qrt_pack_panel(src, si, sk, rows, kc, r, d);
  }
}

static int64_t qrt_round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

size_t qrt_f32_packed_floats(const qrt_f32_gemm_ukernel_t *uk, int64_t len, int64_t k, int64_t r) {
  (void)uk;
  return (size_t)(qrt_round_up(len, r) * k);
}

/* Whole-operand layout: K blocks of uk->kc, each holding all panels:
 * block kb (k0 = kb*KC, kc = its depth) starts at k0 * padded_len, panel p of
 * it at + p*kc*r. */
static const float *qrt_prepacked_block(const qrt_f32_gemm_ukernel_t *uk, const float *base,
                                        int64_t len, int64_t r, int64_t i0, int64_t k0, int64_t kc) {
  (void)uk;
  return base + k0 * qrt_round_up(len, r) + (i0 / r) * kc * r;
}

void qrt_f32_pack_whole(const qrt_f32_gemm_ukernel_t *uk, int64_t len, int64_t k, int64_t r,
                        qrt_f32_pack_fn pack, const void *ctx, float *dst) {
  for (int64_t k0 = 0; k0 < k; k0 += uk->kc) {
    const int64_t kc = QRT_MIN((int64_t)uk->kc, k - k0);
    pack(ctx, 0, len, k0, kc, r, dst + k0 * qrt_round_up(len, r));
  }
}

/* ---- driver ------------------------------------------------------------------ */

size_t qrt_f32_gemm_run_scratch_floats(const qrt_f32_gemm_ukernel_t *uk, int a_prepacked,
                                       int b_prepacked) {
  size_t f = 0;
  if (!a_prepacked) f += (size_t)uk->mc * (size_t)uk->kc;
  if (!b_prepacked) f += (size_t)uk->nc * (size_t)uk->kc;
  return f;
}

/* qrt_f32_gemm_run on columns [jb, je) only (jb a multiple of NR): the same
 * tiles, K blocks and packing as the whole run, so the same bits. */
static void qrt_f32_gemm_run_cols(const qrt_f32_gemm_ukernel_t *uk, int64_t m, int64_t n, int64_t jb,
                                  int64_t je, int64_t k, const qrt_f32_operand_t *a,
                                  const qrt_f32_operand_t *b, float *c, int64_t ldc, const float *bias,
                                  int do_clamp, float lo, float hi, float *scratch) {
  const int64_t MR = uk->mr, NR = uk->nr, KC = uk->kc, MC = uk->mc, NC = uk->nc;
  if (m <= 0 || je <= jb) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; i++) {
      float v = bias ? bias[i] : 0.0f;
      if (do_clamp) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
      }
      for (int64_t j = jb; j < je; j++) c[i * ldc + j] = v;
    }
    return;
  }
  float *a_buf = scratch;
  float *b_buf = scratch + (a->prepacked ? 0 : MC * KC);
  for (int64_t j0 = jb; j0 < je; j0 += NC) {
    const int64_t nc = QRT_MIN(NC, je - j0);
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      const int64_t kc = QRT_MIN(KC, k - k0);
      uint32_t flags = 0;
      if (k0 > 0) flags |= QRT_UK_LOAD_C;
      if (k0 + kc >= k && do_clamp) flags |= QRT_UK_CLAMP;
      const float *bp;
      if (b->prepacked) {
        bp = qrt_prepacked_block(uk, b->prepacked, n, NR, j0, k0, kc);
      } else {
        b->pack(b->ctx, j0, nc, k0, kc, NR, b_buf);
        bp = b_buf;
      }
      for (int64_t i0 = 0; i0 < m; i0 += MC) {
        const int64_t mc = QRT_MIN(MC, m - i0);
        const float *ap;
        if (a->prepacked) {
          ap = qrt_prepacked_block(uk, a->prepacked, m, MR, i0, k0, kc);
        } else {
          a->pack(a->ctx, i0, mc, k0, kc, MR, a_buf);
          ap = a_buf;
        }
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = QRT_MIN(NR, nc - jr);
          const float *bpanel = bp + (jr / NR) * kc * NR;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = QRT_MIN(MR, mc - ir);
            const float *apanel = ap + (ir / MR) * kc * MR;
            float *ct = c + (i0 + ir) * ldc + j0 + jr;
            const float *bt = (bias && k0 == 0) ? bias + i0 + ir : NULL;
            uk->fn(mr, nr, kc, apanel, bpanel, ct, ldc, flags, bt, lo, hi);
          }
        }
      }
    }
  }
}

void qrt_f32_gemm_run(const qrt_f32_gemm_ukernel_t *uk, int64_t m, int64_t n, int64_t k,
                      const qrt_f32_operand_t *a, const qrt_f32_operand_t *b, float *c, int64_t ldc,
                      const float *bias, int do_clamp, float lo, float hi, float *scratch) {
  qrt_f32_gemm_run_cols(uk, m, n, 0, n, k, a, b, c, ldc, bias, do_clamp, lo, hi, scratch);
}

/* ---- threads: column chunks --------------------------------------------------------- */

typedef struct {
  const qrt_f32_gemm_ukernel_t *uk;
  int64_t m, n, k, chunk;
  const qrt_f32_operand_t *a, *b;
  float *c;
  int64_t ldc;
  float *scratch; /* per worker: stride floats */
  size_t stride;
} qrt_gemm_job_t;

static void qrt_gemm_chunk_task(void *arg, int64_t t, int worker) {
  const qrt_gemm_job_t *j = (const qrt_gemm_job_t *)arg;
  const int64_t jb = t * j->chunk, je = QRT_MIN(j->n, jb + j->chunk);
  qrt_f32_gemm_run_cols(j->uk, j->m, j->n, jb, je, j->k, j->a, j->b, j->c, j->ldc, NULL, 0, 0.0f, 0.0f,
                        j->scratch + (size_t)worker * j->stride);
}

/* Per-worker floats of the threaded run (a 64-byte multiple): an A block of
 * at most m rows (whole MR panels), and a B block unless B is prepacked. */
static size_t qrt_gemm_worker_floats(const qrt_f32_gemm_ukernel_t *uk, int64_t m, int b_prepacked) {
  const int64_t rows = qrt_round_up(QRT_MIN(QRT_MAX(m, 1), (int64_t)uk->mc), uk->mr);
  const size_t f = (size_t)(rows * uk->kc) + (b_prepacked ? 0 : (size_t)uk->nc * (size_t)uk->kc);
  return (f + 15) & ~(size_t)15;
}

/* The run on a pool: columns in chunks of whole NR panels (at most NC, about
 * four per thread), each chunk a task with its worker's share of scratch. */
static void qrt_f32_gemm_run_mt(qrt_pool_t *pool, const qrt_f32_gemm_ukernel_t *uk, int64_t m, int64_t n,
                                int64_t k, const qrt_f32_operand_t *a, const qrt_f32_operand_t *b, float *c,
                                int64_t ldc, float *scratch) {
  const int threads = qrt_pool_threads(pool);
  if (threads == 1) {
    qrt_f32_gemm_run(uk, m, n, k, a, b, c, ldc, NULL, 0, 0.0f, 0.0f, scratch);
    return;
  }
  int64_t chunk = (n + 4 * threads - 1) / (4 * threads);
  chunk = QRT_MIN(qrt_round_up(QRT_MAX(chunk, 1), uk->nr), uk->nc);
  const qrt_gemm_job_t j = {uk, m, n, k, chunk, a, b, c, ldc, scratch, qrt_gemm_worker_floats(uk, m, b->prepacked != NULL)};
  qrt_pool_run(pool, (n + chunk - 1) / chunk, qrt_gemm_chunk_task, (void *)&j);
}

/* ---- public GEMM -------------------------------------------------------------- */

static int qrt_gemm_args_ok(int64_t m, int64_t n, int64_t k) { return m >= 0 && n >= 0 && k >= 0; }

size_t qrt_f32_gemm_scratch_size(int64_t m, int64_t n, int64_t k) {
  (void)m, (void)n, (void)k;
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(NULL);
  return qrt_f32_gemm_run_scratch_floats(uk, 0, 0) * sizeof(float) + 64;
}

size_t qrt_f32_gemm_packed_b_scratch_size(int64_t m, int64_t n, int64_t k) {
  (void)m, (void)n, (void)k;
  /* The packed-B buffer may come from any variant: size for the largest. */
  size_t best = 0;
  for (int i = 0; i < qrt_f32_gemm_ukernel_count(); i++) {
    const size_t s = qrt_f32_gemm_run_scratch_floats(qrt_f32_gemm_ukernel_at(i), 0, 1);
    if (s > best) best = s;
  }
  return best * sizeof(float) + 64;
}

size_t qrt_f32_gemm_scratch_size_mt(int64_t m, int64_t n, int64_t k, int threads) {
  if (threads <= 1) return qrt_f32_gemm_scratch_size(m, n, k);
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(NULL);
  /* at least the single-threaded size: a 1-thread pool runs that path */
  return QRT_MAX((size_t)threads * qrt_gemm_worker_floats(uk, m, 0) * sizeof(float) + 64,
                 qrt_f32_gemm_scratch_size(m, n, k));
}

size_t qrt_f32_gemm_packed_b_scratch_size_mt(int64_t m, int64_t n, int64_t k, int threads) {
  if (threads <= 1) return qrt_f32_gemm_packed_b_scratch_size(m, n, k);
  size_t best = 0;
  for (int i = 0; i < qrt_f32_gemm_ukernel_count(); i++) {
    const size_t s = qrt_gemm_worker_floats(qrt_f32_gemm_ukernel_at(i), m, 1);
    if (s > best) best = s;
  }
  return QRT_MAX((size_t)threads * best * sizeof(float) + 64, qrt_f32_gemm_packed_b_scratch_size(m, n, k));
}

/* Y = alpha * Y + beta * C (C broadcast through strides), after Y = A'B'. */
static void qrt_gemm_epilogue(int64_t m, int64_t n, float alpha, float beta, const float *c,
                              int64_t csm, int64_t csn, float *y, int64_t ldy) {
  const int use_c = c != NULL && beta != 0.0f;
  if (alpha == 1.0f && !use_c) return;
  for (int64_t i = 0; i < m; i++) {
    float *yr = y + i * ldy;
    if (alpha != 1.0f)
      for (int64_t j = 0; j < n; j++) yr[j] = alpha * yr[j];
    if (use_c) {
      const float *cr = c + i * csm;
      if (csn == 1) {
        for (int64_t j = 0; j < n; j++) yr[j] = yr[j] + beta * cr[j];
      } else {
        for (int64_t j = 0; j < n; j++) yr[j] = yr[j] + beta * cr[j * csn];
      }
    }
  }
}

qrt_status_t qrt_f32_gemm_mt(qrt_pool_t *pool, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                             const float *c, int64_t c_stride_m, int64_t c_stride_n, float *y, int64_t ldy,
                             void *scratch, size_t scratch_size) {
  if (!qrt_gemm_args_ok(m, n, k) || ldy < n) return QRT_INVALID_ARGUMENT;
  if (m == 0 || n == 0) return QRT_OK;
  if (k > 0 && (!a || !b || lda < (trans_a ? m : k) || ldb < (trans_b ? k : n)))
    return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_f32_gemm_scratch_size_mt(m, n, k, qrt_pool_threads(pool))) return QRT_BUFFER_TOO_SMALL;
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(NULL);
  /* Driver operands are [i][k]: A as [m][k], B as [n][k]. */
  const qrt_f32_strided_t actx = {a, trans_a ? 1 : lda, trans_a ? lda : 1};
  const qrt_f32_strided_t bctx = {b, trans_b ? ldb : 1, trans_b ? 1 : ldb};
  const qrt_f32_operand_t aop = {NULL, qrt_f32_pack_strided, &actx};
  const qrt_f32_operand_t bop = {NULL, qrt_f32_pack_strided, &bctx};
  qrt_f32_gemm_run_mt(pool, uk, m, n, k, &aop, &bop, y, ldy, qrt_align64(scratch));
  qrt_gemm_epilogue(m, n, alpha, beta, c, c_stride_m, c_stride_n, y, ldy);
  return QRT_OK;
}

qrt_status_t qrt_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                          const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                          const float *c, int64_t c_stride_m, int64_t c_stride_n, float *y,
                          int64_t ldy, void *scratch, size_t scratch_size) {
  return qrt_f32_gemm_mt(NULL, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, c_stride_m, c_stride_n, y,
                         ldy, scratch, scratch_size);
}

#if defined(__aarch64__)
/* A B packed for row uk is laid out for every row with its NR and KC: the
 * newest such row the ISA limit allows runs it. So weights packed for the
 * scalar row (what qcc compile --target=aarch64 on an x86 host stores) run
 * on the NEON row (docs/aarch64.md). */
static const qrt_f32_gemm_ukernel_t *qrt_f32_gemm_same_layout(const qrt_f32_gemm_ukernel_t *uk) {
  const qrt_isa_t isa = qrt_active_isa();
  const qrt_f32_gemm_ukernel_t *best = uk;
  for (int i = 0; i < qrt_f32_gemm_ukernel_count(); i++) {
    const qrt_f32_gemm_ukernel_t *r = qrt_f32_gemm_ukernel_at(i);
    if (r->fn && r->isa <= isa && r->isa > best->isa && r->nr == uk->nr && r->kc == uk->kc) best = r;
  }
  return best;
}
#endif

/* Packed-B buffer: a header, then the whole-operand layout at byte 64. */
typedef struct {
  uint32_t magic;
  int32_t ukernel;
  int64_t n, k;
} qrt_packed_b_header_t;
#define QRT_PACKED_B_MAGIC 0x42505251u /* "QRPB" */

size_t qrt_f32_gemm_pack_b_size(int64_t n, int64_t k) {
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(NULL);
  if (n < 0 || k < 0) return 0;
  return 64 + qrt_f32_packed_floats(uk, n, k, uk->nr) * sizeof(float);
}

qrt_status_t qrt_f32_gemm_pack_b(int trans_b, int64_t n, int64_t k, const float *b, int64_t ldb,
                                 void *packed_b, size_t packed_size) {
  if (n < 0 || k < 0 || !packed_b || (k > 0 && n > 0 && (!b || ldb < (trans_b ? k : n))))
    return QRT_INVALID_ARGUMENT;
  if (packed_size < qrt_f32_gemm_pack_b_size(n, k)) return QRT_BUFFER_TOO_SMALL;
  int idx;
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(&idx);
  qrt_packed_b_header_t *h = (qrt_packed_b_header_t *)packed_b;
  h->magic = QRT_PACKED_B_MAGIC;
  h->ukernel = idx;
  h->n = n;
  h->k = k;
  const qrt_f32_strided_t bctx = {b, trans_b ? ldb : 1, trans_b ? 1 : ldb};
  if (n > 0 && k > 0)
    qrt_f32_pack_whole(uk, n, k, uk->nr, qrt_f32_pack_strided, &bctx,
                       (float *)((char *)packed_b + 64));
  return QRT_OK;
}

qrt_status_t qrt_f32_gemm_packed_b_mt(qrt_pool_t *pool, int trans_a, int64_t m, int64_t n, int64_t k,
                                      float alpha, const float *a, int64_t lda, const void *packed_b, float beta,
                                      const float *c, int64_t c_stride_m, int64_t c_stride_n, float *y,
                                      int64_t ldy, void *scratch, size_t scratch_size) {
  if (!qrt_gemm_args_ok(m, n, k) || ldy < n || !packed_b) return QRT_INVALID_ARGUMENT;
  const qrt_packed_b_header_t *h = (const qrt_packed_b_header_t *)packed_b;
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_at(h->ukernel);
  if (h->magic != QRT_PACKED_B_MAGIC || !uk || h->n != n || h->k != k) return QRT_INVALID_ARGUMENT;
  if (uk->isa > qrt_cpu_isa() || !uk->fn) return QRT_UNSUPPORTED; /* !fn: not in this build (qrt_target.h) */
#if defined(__aarch64__)
  uk = qrt_f32_gemm_same_layout(uk);
#endif
  if (m == 0 || n == 0) return QRT_OK;
  if (k > 0 && (!a || lda < (trans_a ? m : k))) return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_f32_gemm_packed_b_scratch_size_mt(m, n, k, qrt_pool_threads(pool)))
    return QRT_BUFFER_TOO_SMALL;
  const qrt_f32_strided_t actx = {a, trans_a ? 1 : lda, trans_a ? lda : 1};
  const qrt_f32_operand_t aop = {NULL, qrt_f32_pack_strided, &actx};
  const qrt_f32_operand_t bop = {(const float *)((const char *)packed_b + 64), NULL, NULL};
  qrt_f32_gemm_run_mt(pool, uk, m, n, k, &aop, &bop, y, ldy, qrt_align64(scratch));
  qrt_gemm_epilogue(m, n, alpha, beta, c, c_stride_m, c_stride_n, y, ldy);
  return QRT_OK;
}

qrt_status_t qrt_f32_gemm_packed_b(int trans_a, int64_t m, int64_t n, int64_t k, float alpha,
                                   const float *a, int64_t lda, const void *packed_b, float beta,
                                   const float *c, int64_t c_stride_m, int64_t c_stride_n, float *y,
                                   int64_t ldy, void *scratch, size_t scratch_size) {
  return qrt_f32_gemm_packed_b_mt(NULL, trans_a, m, n, k, alpha, a, lda, packed_b, beta, c, c_stride_m, c_stride_n,
                                  y, ldy, scratch, scratch_size);
}

/* Batched matmul: one gemm per batch index, a task per batch on a pool (each
 * with its worker's share of scratch), so every output matrix is computed by
 * the same calls whatever the thread count. */
typedef struct {
  const qrt_f32_gemm_ukernel_t *uk;
  int64_t batch_rank;
  const int64_t *batch_shape, *as, *bs;
  const float *a, *b;
  float *y;
  int64_t m, n, k;
  char *scratch;
  size_t stride; /* bytes of scratch per worker */
} qrt_matmul_job_t;

static void qrt_matmul_batch(const qrt_matmul_job_t *j, int64_t bi, void *scratch) {
  int64_t aoff = 0, boff = 0, rest = bi;
  for (int64_t d = j->batch_rank - 1; d >= 0; d--) { /* batch index bi -> offsets */
    const int64_t i = rest % j->batch_shape[d];
    rest /= j->batch_shape[d];
    aoff += i * j->as[d];
    boff += i * j->bs[d];
  }
  const qrt_f32_strided_t actx = {j->a + aoff, j->k, 1};
  const qrt_f32_strided_t bctx = {j->b + boff, 1, j->n};
  const qrt_f32_operand_t aop = {NULL, qrt_f32_pack_strided, &actx};
  const qrt_f32_operand_t bop = {NULL, qrt_f32_pack_strided, &bctx};
  qrt_f32_gemm_run(j->uk, j->m, j->n, j->k, &aop, &bop, j->y + bi * j->m * j->n, j->n, NULL, 0, 0.0f, 0.0f,
                   qrt_align64(scratch));
}

static void qrt_matmul_task(void *arg, int64_t t, int worker) {
  const qrt_matmul_job_t *j = (const qrt_matmul_job_t *)arg;
  qrt_matmul_batch(j, t, j->scratch + (size_t)worker * j->stride);
}

size_t qrt_f32_matmul_scratch_size_mt(int64_t m, int64_t n, int64_t k, int threads) {
  const size_t one = qrt_f32_gemm_scratch_size(m, n, k);
  return threads <= 1 ? one : (size_t)threads * ((one + 63) & ~(size_t)63);
}

qrt_status_t qrt_f32_matmul_mt(qrt_pool_t *pool, int64_t batch_rank, const int64_t *batch_shape, const float *a,
                               const int64_t *a_batch_strides, const float *b, const int64_t *b_batch_strides,
                               int64_t m, int64_t n, int64_t k, float *y, void *scratch, size_t scratch_size) {
  if (batch_rank < 0 || batch_rank > QRT_MAX_RANK || !qrt_gemm_args_ok(m, n, k))
    return QRT_INVALID_ARGUMENT;
  if (batch_rank > 0 && (!batch_shape || !a_batch_strides || !b_batch_strides))
    return QRT_INVALID_ARGUMENT;
  int64_t batches = 1;
  for (int64_t d = 0; d < batch_rank; d++) {
    if (batch_shape[d] < 0) return QRT_INVALID_ARGUMENT;
    batches *= batch_shape[d];
  }
  if (batches == 0 || m == 0 || n == 0) return QRT_OK;
  const int threads = batches > 1 ? qrt_pool_threads(pool) : 1;
  if (scratch_size < qrt_f32_matmul_scratch_size_mt(m, n, k, threads)) return QRT_BUFFER_TOO_SMALL;
  const qrt_matmul_job_t j = {qrt_f32_gemm_ukernel_select(NULL), batch_rank, batch_shape, a_batch_strides,
                              b_batch_strides, a, b, y, m, n, k, (char *)scratch,
                              (qrt_f32_gemm_scratch_size(m, n, k) + 63) & ~(size_t)63};
  if (threads > 1) {
    qrt_pool_run(pool, batches, qrt_matmul_task, (void *)&j);
    return QRT_OK;
  }
  for (int64_t bi = 0; bi < batches; bi++) qrt_matmul_batch(&j, bi, scratch);
  return QRT_OK;
}

qrt_status_t qrt_f32_matmul(int64_t batch_rank, const int64_t *batch_shape, const float *a,
                            const int64_t *a_batch_strides, const float *b,
                            const int64_t *b_batch_strides, int64_t m, int64_t n, int64_t k,
                            float *y, void *scratch, size_t scratch_size) {
  return qrt_f32_matmul_mt(NULL, batch_rank, batch_shape, a, a_batch_strides, b, b_batch_strides, m, n, k, y,
                           scratch, scratch_size);
}
