/* The thread pool (qrt_pool.h) and the `_mt` kernels.
 *  - The pool: every task runs exactly once, on a worker index in range, for
 *    task counts 0, 1, odd, fewer and more than the threads; NULL and 1-thread
 *    pools run inline on worker 0; bad thread counts are refused; a pool can
 *    be initialized again after deinit.
 *  - The kernels: on every ISA level this CPU runs, random shapes with tails
 *    through every path of the drivers (f32 conv: depthwise, pointwise,
 *    igemm with K split into blocks, short-row gather, row pairs, strides,
 *    groups, clamps; f32 gemm with and without packed B; f32 batched matmul
 *    with broadcast batch dims; int8 conv, static and dynamic gemm; f32
 *    binary ops through the broadcast shapes of a transformer (mask, residual,
 *    scalar, a broadcast first operand, with and without clamp), unary ops
 *    (GELU, Relu, libm's exp), softmax (NaN and +-inf rows, inner > 1) and
 *    LayerNorm; per-row dynamic quantization), the output with 2, 3 and 4
 *    threads is byte-identical to
 *    the single-threaded function's. Outputs are poisoned before each run, so
 *    an element no task writes is caught too. */
#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"
#include "test_util.h"

/* ---- the pool --------------------------------------------------------------------- */

typedef struct {
  int *count;
  int bad_worker, threads;
} pool_probe_t;

static void probe_task(void *arg, int64_t t, int worker) {
  pool_probe_t *p = (pool_probe_t *)arg;
  p->count[t]++; /* each task index is handed out once: no two workers touch one slot */
  if (worker < 0 || worker >= p->threads) p->bad_worker = 1;
}

static void test_pool(void) {
  static const int64_t counts[] = {0, 1, 2, 3, 5, 7, 17, 101, 1000};
  for (int threads = 1; threads <= 6; threads++) {
    qrt_pool_t pool;
    CHECK_OK(qrt_pool_init(&pool, threads));
    CHECK(qrt_pool_threads(&pool) == threads, "threads %d: qrt_pool_threads = %d", threads, qrt_pool_threads(&pool));
    for (int rep = 0; rep < 20; rep++)
      for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        const int64_t n = counts[c];
        int *count = calloc((size_t)n + 1, sizeof *count);
        pool_probe_t probe = {count, 0, threads};
        qrt_pool_run(&pool, n, probe_task, &probe);
        int64_t wrong = -1;
        for (int64_t t = 0; t < n && wrong < 0; t++)
          if (count[t] != 1) wrong = t;
        CHECK(wrong < 0, "threads %d, %lld tasks: task %lld ran %d times", threads, (long long)n, (long long)wrong,
              wrong < 0 ? 1 : count[wrong]);
        CHECK(count[n] == 0, "threads %d, %lld tasks: task %lld (past the end) ran", threads, (long long)n,
              (long long)n);
        CHECK(!probe.bad_worker, "threads %d: a worker index out of range", threads);
        free(count);
      }
    qrt_pool_deinit(&pool);
  }
  /* NULL pool: inline, worker 0 */
  int count[3] = {0};
  pool_probe_t probe = {count, 0, 1};
  qrt_pool_run(NULL, 3, probe_task, &probe);
  CHECK(count[0] == 1 && count[1] == 1 && count[2] == 1 && !probe.bad_worker, "NULL pool");
  CHECK(qrt_pool_threads(NULL) == 1, "NULL pool has one thread");
  qrt_pool_t pool;
  CHECK(qrt_pool_init(&pool, 0) == QRT_INVALID_ARGUMENT, "0 threads");
  CHECK(qrt_pool_init(&pool, QRT_POOL_MAX_THREADS + 1) == QRT_INVALID_ARGUMENT, "too many threads");
  CHECK(qrt_pool_init(NULL, 2) == QRT_INVALID_ARGUMENT, "NULL pool");
  /* again after deinit */
  CHECK_OK(qrt_pool_init(&pool, 3));
  qrt_pool_deinit(&pool);
  CHECK_OK(qrt_pool_init(&pool, 3));
  int c2[9] = {0};
  pool_probe_t p2 = {c2, 0, 3};
  qrt_pool_run(&pool, 9, probe_task, &p2);
  int ok = 1;
  for (int t = 0; t < 9; t++) ok &= c2[t] == 1;
  CHECK(ok, "re-initialized pool");
  qrt_pool_deinit(&pool);
}

/* ---- helpers ------------------------------------------------------------------------- */

static qrt_pool_t g_pools[5]; /* g_pools[t]: t threads, t = 2..4 */

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

/* Byte comparison with the first differing byte's index. */
static void expect_same_bytes(const char *what, int threads, const void *got, const void *want, size_t n) {
  const unsigned char *g = got, *w = want;
  size_t i = 0;
  while (i < n && g[i] == w[i]) i++;
  CHECK(i == n, "%s, %d threads: first differing byte %zu of %zu (got 0x%02x, want 0x%02x)", what, threads, i, n,
        i < n ? g[i] : 0, i < n ? w[i] : 0);
}

/* ---- f32 conv ---------------------------------------------------------------------- */

typedef struct {
  int64_t n, ci, h, w, co, groups, k, stride, pad, dil;
} conv_shape_t;

static void check_f32_conv(const conv_shape_t *s, int clamp, const char *what) { /* variant: a clamp */
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, s->k, s->k);
  p.groups = s->groups;
  p.stride_h = p.stride_w = s->stride;
  p.pad_top = p.pad_left = s->pad;
  p.pad_bottom = p.pad_right = s->pad;
  p.dilation_h = p.dilation_w = s->dil;
  if (clamp) p.output_min = -0.5f, p.output_max = 0.75f;
  int64_t OH, OW;
  if (qrt_conv2d_output_size(&p, s->h, s->w, &OH, &OW) != QRT_OK) return;
  const int64_t nx = s->n * s->ci * s->h * s->w, ny = s->n * s->co * OH * OW;
  const int64_t nw = s->co * (s->ci / s->groups) * s->k * s->k;
  float *x = xmalloc((size_t)nx * 4), *wt = xmalloc((size_t)nw * 4), *bias = xmalloc((size_t)s->co * 4);
  fill_rand(x, nx);
  fill_rand(wt, nw);
  fill_rand(bias, s->co);
  const size_t ps = qrt_f32_conv2d_packed_weights_size(&p, s->ci, s->co);
  void *packed = xmalloc(ps);
  CHECK_OK(qrt_f32_conv2d_pack_weights(&p, s->ci, s->co, wt, bias, packed, ps));
  float *want = xmalloc((size_t)ny * 4), *got = xmalloc((size_t)ny * 4);
  const size_t ss1 = qrt_f32_conv2d_scratch_size(&p, s->ci, s->h, s->w, s->co);
  void *sc = xmalloc(ss1);
  memset(want, 0xa5, (size_t)ny * 4);
  CHECK_OK(qrt_f32_conv2d_packed(&p, s->n, s->ci, s->h, s->w, x, s->co, packed, want, sc, ss1));
  free(sc);
  for (int t = 2; t <= 4; t++) {
    const size_t ss = qrt_f32_conv2d_scratch_size_mt(&p, s->ci, s->h, s->w, s->co, t);
    CHECK(ss >= ss1, "%s: the threaded scratch is smaller than the single-threaded one", what);
    sc = xmalloc(ss);
    memset(sc, 0x5a, ss);
    memset(got, 0xa5, (size_t)ny * 4);
    CHECK_OK(qrt_f32_conv2d_packed_mt(&g_pools[t], &p, s->n, s->ci, s->h, s->w, x, s->co, packed, got, sc, ss));
    expect_same_bytes(what, t, got, want, (size_t)ny * 4);
    if (ss > 64)
      CHECK(qrt_f32_conv2d_packed_mt(&g_pools[t], &p, s->n, s->ci, s->h, s->w, x, s->co, packed, got, sc, ss - 64) ==
                QRT_BUFFER_TOO_SMALL,
            "%s, %d threads: scratch 64 bytes short accepted", what, t);
    free(sc);
  }
  free(x), free(wt), free(bias), free(packed), free(want), free(got);
}

typedef void (*conv_check_fn)(const conv_shape_t *s, int variant, const char *what);

/* check on every ISA level: the fixed shapes (variant = index % 2), then 6
 * random ones (1-2 images, 1 to max_ci / max_co channels, 3 to max_hw rows and
 * columns, kernels 1, 3, 5, strides 1-2, pads 0-1). */
static void conv_shapes(const char *kind, conv_check_fn check, const conv_shape_t *fixed, size_t nfixed,
                        int64_t max_ci, int64_t max_hw, int64_t max_co) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[160];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (size_t c = 0; c < nfixed; c++) {
      snprintf(what, sizeof what, "%s %s case %zu", kind, qrt_isa_name(isas[i]), c);
      check(&fixed[c], (int)(c % 2), what);
    }
    for (int r = 0; r < 6; r++) {
      conv_shape_t s = {rng_range(1, 2), rng_range(1, max_ci), rng_range(3, max_hw), rng_range(3, max_hw),
                        rng_range(1, max_co), 1, rng_range(1, 3) * 2 - 1, rng_range(1, 2), rng_range(0, 1), 1};
      snprintf(what, sizeof what, "%s %s random %d (ci %lld h %lld w %lld co %lld k %lld s %lld)", kind,
               qrt_isa_name(isas[i]), r, (long long)s.ci, (long long)s.h, (long long)s.w, (long long)s.co,
               (long long)s.k, (long long)s.stride);
      check(&s, r % 2, what);
    }
    qrt_set_isa_limit(prev);
  }
}

static void test_f32_conv(void) {
  static const conv_shape_t fixed[] = {
      /* n  ci  h   w  co  g  k  s  p  d */
      {1, 3, 30, 30, 20, 1, 3, 2, 1, 1},     /* stride-2 planes */
      {2, 16, 29, 31, 37, 1, 1, 1, 0, 1},    /* pointwise (>= 784 pixels), channel tails */
      {1, 40, 9, 9, 35, 1, 3, 1, 1, 1},      /* K = 360 > 256: partial sums */
      {1, 8, 11, 11, 33, 1, 3, 1, 1, 1},     /* rows of 11: gather */
      {1, 64, 7, 7, 40, 1, 3, 1, 1, 1},      /* 7x7: row pairs, K 576 */
      {1, 30, 17, 13, 30, 30, 3, 1, 1, 1},   /* depthwise */
      {2, 24, 16, 16, 24, 24, 5, 2, 2, 1},   /* depthwise stride 2 */
      {1, 12, 12, 15, 12, 12, 3, 3, 1, 1},   /* depthwise stride 3 (the loops) */
      {1, 12, 14, 14, 18, 3, 3, 1, 1, 2},    /* groups, dilation */
      {1, 6, 5, 5, 10, 1, 1, 1, 0, 1},       /* 1x1 on a small map (igemm, flat) */
  };
  conv_shapes("f32 conv", check_f32_conv, fixed, sizeof fixed / sizeof fixed[0], 20, 20, 40);
}

/* ---- f32 gemm ---------------------------------------------------------------------- */

static void check_f32_gemm(int64_t m, int64_t n, int64_t k, const char *what) {
  float *a = xmalloc((size_t)(m * k) * 4), *b = xmalloc((size_t)(k * n) * 4), *c = xmalloc((size_t)n * 4);
  float *want = xmalloc((size_t)(m * n) * 4), *got = xmalloc((size_t)(m * n) * 4);
  fill_rand(a, m * k);
  fill_rand(b, k * n);
  fill_rand(c, n);
  const size_t pbs = qrt_f32_gemm_pack_b_size(n, k);
  void *pb = xmalloc(pbs);
  CHECK_OK(qrt_f32_gemm_pack_b(1, n, k, b, k, pb, pbs));
  for (int packed = 0; packed < 2; packed++) {
    size_t ss = packed ? qrt_f32_gemm_packed_b_scratch_size(m, n, k) : qrt_f32_gemm_scratch_size(m, n, k);
    void *sc = xmalloc(ss);
    memset(want, 0xa5, (size_t)(m * n) * 4);
    if (packed)
      CHECK_OK(qrt_f32_gemm_packed_b(0, m, n, k, 1.5f, a, k, pb, 0.5f, c, 0, 1, want, n, sc, ss));
    else
      CHECK_OK(qrt_f32_gemm(0, 1, m, n, k, 1.0f, a, k, b, k, 1.0f, c, 0, 1, want, n, sc, ss));
    free(sc);
    const size_t ss1 = ss;
    for (int t = 2; t <= 4; t++) {
      ss = packed ? qrt_f32_gemm_packed_b_scratch_size_mt(m, n, k, t) : qrt_f32_gemm_scratch_size_mt(m, n, k, t);
      /* a pool's scratch also serves the single-threaded path (a 1-thread pool, NULL) */
      CHECK(ss >= ss1, "%s, %d threads: the threaded scratch is smaller than the single-threaded one", what, t);
      sc = xmalloc(ss);
      memset(got, 0xa5, (size_t)(m * n) * 4);
      if (packed)
        CHECK_OK(qrt_f32_gemm_packed_b_mt(&g_pools[t], 0, m, n, k, 1.5f, a, k, pb, 0.5f, c, 0, 1, got, n, sc, ss));
      else
        CHECK_OK(qrt_f32_gemm_mt(&g_pools[t], 0, 1, m, n, k, 1.0f, a, k, b, k, 1.0f, c, 0, 1, got, n, sc, ss));
      expect_same_bytes(packed ? "f32 gemm packed B" : "f32 gemm", t, got, want, (size_t)(m * n) * 4);
      CHECK((packed ? qrt_f32_gemm_packed_b_mt(&g_pools[t], 0, m, n, k, 1.5f, a, k, pb, 0.5f, c, 0, 1, got, n, sc,
                                               ss - 4)
                    : qrt_f32_gemm_mt(&g_pools[t], 0, 1, m, n, k, 1.0f, a, k, b, k, 1.0f, c, 0, 1, got, n, sc,
                                      ss - 4)) == QRT_BUFFER_TOO_SMALL,
            "%s, %d threads: short scratch accepted", what, t);
      free(sc);
    }
  }
  free(a), free(b), free(c), free(want), free(got), free(pb);
}

typedef void (*gemm_check_fn)(int64_t m, int64_t n, int64_t k, const char *what);

/* check on every ISA level: the fixed shapes, then 4 random ones up to max_m x max_nk x max_nk. */
static void gemm_shapes(const char *kind, gemm_check_fn check, const int64_t (*fixed)[3], size_t nfixed,
                        int64_t max_m, int64_t max_nk) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[120];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (size_t c = 0; c < nfixed + 4; c++) {
      const int64_t m = c < nfixed ? fixed[c][0] : rng_range(1, max_m);
      const int64_t n = c < nfixed ? fixed[c][1] : rng_range(1, max_nk), k = c < nfixed ? fixed[c][2] : rng_range(1, max_nk);
      snprintf(what, sizeof what, "%s %s %lldx%lldx%lld", kind, qrt_isa_name(isas[i]), (long long)m, (long long)n,
               (long long)k);
      check(m, n, k, what);
    }
    qrt_set_isa_limit(prev);
  }
}

static void test_f32_gemm(void) {
  static const int64_t fixed[][3] = {{1, 1000, 512}, {3, 1700, 300}, {37, 45, 33}, {1, 1, 1}};
  gemm_shapes("f32 gemm", check_f32_gemm, fixed, sizeof fixed / sizeof fixed[0], 40, 300);
}

/* Batched matmul: the batch indices as tasks; A or B broadcast over a batch dim. */
static void test_f32_matmul(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[120];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (int c = 0; c < 6; c++) {
      /* the BERT encoder's attention (4 heads of 128 x 128 x 64, then 128 x 64 x 128), then random */
      const int64_t b0 = c < 2 ? 1 : rng_range(1, 3), b1 = c < 2 ? 4 : rng_range(1, 5);
      const int64_t m = c == 0 ? 128 : c == 1 ? 128 : rng_range(1, 40), n = c == 0 ? 128 : c == 1 ? 64 : rng_range(1, 70);
      const int64_t k = c == 0 ? 64 : c == 1 ? 128 : rng_range(1, 90);
      const int bcast_a = c == 4, bcast_b = c == 5; /* dim 1 broadcast */
      const int64_t shape[2] = {b0, b1};
      const int64_t as[2] = {(bcast_a ? 1 : b1) * m * k, bcast_a ? 0 : m * k};
      const int64_t bs[2] = {(bcast_b ? 1 : b1) * k * n, bcast_b ? 0 : k * n};
      const int64_t na = b0 * (bcast_a ? 1 : b1) * m * k, nb = b0 * (bcast_b ? 1 : b1) * k * n, ny = b0 * b1 * m * n;
      float *a = xmalloc((size_t)na * 4), *b = xmalloc((size_t)nb * 4);
      float *want = xmalloc((size_t)ny * 4), *got = xmalloc((size_t)ny * 4);
      fill_rand(a, na);
      fill_rand(b, nb);
      const size_t ss = qrt_f32_matmul_scratch_size_mt(m, n, k, 4);
      void *sc = xmalloc(ss);
      memset(want, 0xa5, (size_t)ny * 4);
      CHECK_OK(qrt_f32_matmul(2, shape, a, as, b, bs, m, n, k, want, sc, qrt_f32_gemm_scratch_size(m, n, k)));
      snprintf(what, sizeof what, "f32 matmul %s %lldx%lldx%lldx%lldx%lld", qrt_isa_name(isas[i]), (long long)b0,
               (long long)b1, (long long)m, (long long)n, (long long)k);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)ny * 4);
        CHECK(qrt_f32_matmul_mt(&g_pools[t], 2, shape, a, as, b, bs, m, n, k, got, sc,
                                qrt_f32_matmul_scratch_size_mt(m, n, k, t) - 1) == QRT_BUFFER_TOO_SMALL ||
                  b0 * b1 == 1,
              "%s: %d threads accept a short scratch", what, t);
        CHECK_OK(qrt_f32_matmul_mt(&g_pools[t], 2, shape, a, as, b, bs, m, n, k, got, sc,
                                   qrt_f32_matmul_scratch_size_mt(m, n, k, t)));
        expect_same_bytes(what, t, got, want, (size_t)ny * 4);
      }
      free(a), free(b), free(want), free(got), free(sc);
    }
    qrt_set_isa_limit(prev);
  }
}

/* ---- f32 elementwise, softmax, LayerNorm ------------------------------------------- */

/* Sizes past the kernels' minimum task (16384 elements, 2048 for the costly
 * ops) so that 2-4 threads split them, with rows whose length is no multiple
 * of 16 (task boundaries fall inside rows). */
static void test_f32_binary(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[160];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (int c = 0; c < 10; c++) {
      const int64_t h = rng_range(2, 5), m = rng_range(60, 140), n = c < 2 ? 128 : rng_range(60, 140);
      const int64_t shape[4] = {1, h, m, n}, full[4] = {h * m * n, m * n, n, 1};
      const int64_t mask[4] = {0, 0, 0, 1}, scalar[4] = {0, 0, 0, 0}, per_head[4] = {0, 1, 0, 0};
      const int kind = c % 5; /* b: 0 mask, 1 same shape, 2 scalar, 3 per head; 4: a broadcast, b full */
      const int64_t *sa = kind == 4 ? mask : full;
      const int64_t *sb = kind == 0 ? mask : kind == 2 ? scalar : kind == 3 ? per_head : full;
      const int64_t ny = h * m * n;
      float *a = xmalloc((size_t)ny * 4), *b = xmalloc((size_t)ny * 4);
      float *want = xmalloc((size_t)ny * 4), *got = xmalloc((size_t)ny * 4);
      fill_rand(a, ny);
      fill_rand(b, ny);
      const qrt_binary_op_t op = c % 3 == 0 ? QRT_BINARY_ADD : c % 3 == 1 ? QRT_BINARY_MUL : QRT_BINARY_POW;
      const int clamp = c >= 5;
      memset(want, 0xa5, (size_t)ny * 4);
      if (clamp) CHECK_OK(qrt_f32_binary_clamp(op, 4, shape, a, sa, b, sb, -0.25f, 0.5f, want));
      else CHECK_OK(qrt_f32_binary(op, 4, shape, a, sa, b, sb, want));
      snprintf(what, sizeof what, "f32 binary op %d kind %d%s %s 1x%lldx%lldx%lld", (int)op, kind,
               clamp ? " clamp" : "", qrt_isa_name(isas[i]), (long long)h, (long long)m, (long long)n);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)ny * 4);
        if (clamp) CHECK_OK(qrt_f32_binary_clamp_mt(&g_pools[t], op, 4, shape, a, sa, b, sb, -0.25f, 0.5f, got));
        else CHECK_OK(qrt_f32_binary_mt(&g_pools[t], op, 4, shape, a, sa, b, sb, got));
        expect_same_bytes(what, t, got, want, (size_t)ny * 4);
      }
      if (kind == 1 && !clamp) { /* in place, as the executor runs the residual add */
        memcpy(got, a, (size_t)ny * 4);
        CHECK_OK(qrt_f32_binary_mt(&g_pools[2], op, 4, shape, got, sa, b, sb, got));
        expect_same_bytes("in place", 2, got, want, (size_t)ny * 4);
      }
      free(a), free(b), free(want), free(got);
    }
    qrt_set_isa_limit(prev);
  }
}

static void fill_special_rows(float *x, int64_t rows, int64_t n) {
  fill_rand(x, rows * n);
  for (int64_t i = 0; i < rows * n; i++) x[i] *= 12.0f;
  for (int64_t r = 0; r < rows; r += 7) { /* -inf (a masked position), NaN, +inf rows */
    const uint32_t k = rng_u32() % 3;
    x[r * n + (int64_t)(rng_u32() % (uint32_t)n)] = k == 0 ? -INFINITY : k == 1 ? NAN : INFINITY;
  }
}

static void test_f32_unary_softmax_layer_norm(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[160];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (int c = 0; c < 6; c++) {
      /* unary: GELU, Relu (cheap: 16384 per task), exp (libm) */
      const qrt_unary_op_t ops[3] = {QRT_UNARY_GELU, QRT_UNARY_RELU, QRT_UNARY_EXP};
      const qrt_unary_op_t op = ops[c % 3];
      const int64_t n = c == 0 ? 128 * 1024 : rng_range(20000, 70000);
      float *x = xmalloc((size_t)n * 4), *want = xmalloc((size_t)n * 4), *got = xmalloc((size_t)n * 4);
      fill_special_rows(x, 1, n);
      memset(want, 0xa5, (size_t)n * 4);
      CHECK_OK(qrt_f32_unary(op, 0.0f, 0.0f, n, x, want));
      snprintf(what, sizeof what, "f32 unary %d %s n=%lld", (int)op, qrt_isa_name(isas[i]), (long long)n);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)n * 4);
        CHECK_OK(qrt_f32_unary_mt(&g_pools[t], op, 0.0f, 0.0f, n, x, got));
        expect_same_bytes(what, t, got, want, (size_t)n * 4);
      }
      free(x), free(want), free(got);

      /* softmax: the attention's rows (512 of 128), random rows, and inner > 1 */
      const int64_t outer = c == 0 ? 512 : rng_range(40, 600), axis = c == 0 ? 128 : rng_range(20, 200);
      const int64_t inner = c == 5 ? rng_range(2, 9) : 1, ns = outer * axis * inner;
      x = xmalloc((size_t)ns * 4), want = xmalloc((size_t)ns * 4), got = xmalloc((size_t)ns * 4);
      fill_special_rows(x, outer, axis * inner);
      memset(want, 0xa5, (size_t)ns * 4);
      CHECK_OK(qrt_f32_softmax(outer, axis, inner, x, want));
      snprintf(what, sizeof what, "f32 softmax %s %lldx%lldx%lld", qrt_isa_name(isas[i]), (long long)outer,
               (long long)axis, (long long)inner);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)ns * 4);
        CHECK_OK(qrt_f32_softmax_mt(&g_pools[t], outer, axis, inner, x, got));
        expect_same_bytes(what, t, got, want, (size_t)ns * 4);
      }
      memcpy(got, x, (size_t)ns * 4); /* in place */
      CHECK_OK(qrt_f32_softmax_mt(&g_pools[3], outer, axis, inner, got, got));
      expect_same_bytes("softmax in place", 3, got, want, (size_t)ns * 4);
      free(x), free(want), free(got);

      /* LayerNorm: the encoder's 128 x 256, then random, with and without bias */
      const int64_t rows = c == 0 ? 128 : rng_range(30, 300), cols = c == 0 ? 256 : rng_range(50, 300);
      const int64_t nl = rows * cols;
      x = xmalloc((size_t)nl * 4), want = xmalloc((size_t)nl * 4), got = xmalloc((size_t)nl * 4);
      float *sc = xmalloc((size_t)cols * 4), *bi = xmalloc((size_t)cols * 4);
      float *mw = xmalloc((size_t)rows * 4), *mg = xmalloc((size_t)rows * 4);
      float *iw = xmalloc((size_t)rows * 4), *ig = xmalloc((size_t)rows * 4);
      fill_rand(x, nl), fill_rand(sc, cols), fill_rand(bi, cols);
      const float *bias = c % 2 ? NULL : bi;
      CHECK_OK(qrt_f32_layer_norm(rows, cols, x, sc, bias, 1e-5f, want, mw, iw));
      snprintf(what, sizeof what, "f32 layer_norm %s %lldx%lld", qrt_isa_name(isas[i]), (long long)rows,
               (long long)cols);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)nl * 4);
        CHECK_OK(qrt_f32_layer_norm_mt(&g_pools[t], rows, cols, x, sc, bias, 1e-5f, got, mg, ig));
        expect_same_bytes(what, t, got, want, (size_t)nl * 4);
        expect_same_bytes("layer_norm mean", t, mg, mw, (size_t)rows * 4);
        expect_same_bytes("layer_norm inv_std", t, ig, iw, (size_t)rows * 4);
      }
      free(x), free(want), free(got), free(sc), free(bi), free(mw), free(mg), free(iw), free(ig);
    }
    qrt_set_isa_limit(prev);
  }
}

/* ---- int8 ---------------------------------------------------------------------------- */

/* QAdd/QMul (contiguous parts of the output, cut mid-row) and the per-tensor
 * quantization of a float input, on every ISA level: the bytes of one thread,
 * including the broadcast shapes (a scalar, a per-channel operand) and the
 * in-place residual add; sizes around the 8192- and 16384-value thresholds. */
static void test_q8_elementwise(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[160];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (int c = 0; c < 12; c++) {
      const int64_t ch = rng_range(1, 40), hw = c < 3 ? rng_range(1, 300) : rng_range(300, 3200), ny = ch * hw;
      const int64_t shape[2] = {ch, hw}, full[2] = {hw, 1}, per_ch[2] = {1, 0}, scalar[2] = {0, 0};
      const int kind = c % 3; /* b: 0 full, 1 per channel, 2 scalar */
      const int64_t *sb = kind == 0 ? full : kind == 1 ? per_ch : scalar;
      const qrt_q8_act_t aq = {QRT_DTYPE_U8, 0.05f, (int32_t)rng_range(0, 255)};
      const qrt_q8_act_t bq = {c % 2 ? QRT_DTYPE_I8 : QRT_DTYPE_U8, 0.03f, c % 2 ? 0 : (int32_t)rng_range(0, 255)};
      qrt_q8_output_t yq;
      qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.07f, (int32_t)rng_range(0, 255));
      uint8_t *a = xmalloc((size_t)ny), *b = xmalloc((size_t)ny), *want = xmalloc((size_t)ny), *got = xmalloc((size_t)ny);
      for (int64_t k = 0; k < ny; k++) a[k] = (uint8_t)rng_u32(), b[k] = (uint8_t)rng_u32();
      const qrt_q8_binary_op_t op = c % 4 == 3 ? QRT_Q8_MUL : QRT_Q8_ADD;
      CHECK_OK(qrt_q8_binary(op, 2, shape, &aq, a, full, &bq, b, sb, &yq, want));
      snprintf(what, sizeof what, "q8 binary op %d kind %d %s %lldx%lld", (int)op, kind, qrt_isa_name(isas[i]),
               (long long)ch, (long long)hw);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)ny);
        CHECK_OK(qrt_q8_binary_mt(&g_pools[t], op, 2, shape, &aq, a, full, &bq, b, sb, &yq, got));
        expect_same_bytes(what, t, got, want, (size_t)ny);
      }
      if (kind == 0) { /* in place, as the residual add runs */
        memcpy(got, a, (size_t)ny);
        CHECK_OK(qrt_q8_binary_mt(&g_pools[2], op, 2, shape, &aq, got, full, &bq, b, sb, &yq, got));
        expect_same_bytes("q8 binary in place", 2, got, want, (size_t)ny);
      }
      /* the quantization of a float input of ny values, per tensor */
      float *x = xmalloc((size_t)ny * 4);
      fill_rand(x, ny);
      for (int64_t k = 0; k < ny; k += 97) x[k] = k % 2 ? 1e30f : -0.0f;
      const float sc = 0.01f;
      const int32_t zp = (int32_t)rng_range(0, 255);
      CHECK_OK(qrt_quantize_f32_reference(QRT_DTYPE_U8, 0, 255, 1, 1, ny, x, &sc, &zp, want));
      snprintf(what, sizeof what, "quantize %s %lld values", qrt_isa_name(isas[i]), (long long)ny);
      for (int t = 2; t <= 4; t++) {
        memset(got, 0xa5, (size_t)ny);
        CHECK_OK(qrt_quantize_f32_mt(&g_pools[t], QRT_DTYPE_U8, 0, 255, 1, 1, ny, x, &sc, &zp, got));
        expect_same_bytes(what, t, got, want, (size_t)ny);
      }
      free(a), free(b), free(want), free(got), free(x);
    }
    qrt_set_isa_limit(prev);
  }
}

/* Per-row dynamic quantization (the dynamic Linear's input): runs of rows as tasks. */
static void test_q8_dynamic_rows(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int ni = isa_levels(isas);
  char what[160];
  for (int i = 0; i < ni; i++) {
    const qrt_isa_t prev = qrt_set_isa_limit(isas[i]);
    for (int c = 0; c < 6; c++) {
      const int64_t rows = c == 0 ? 128 : rng_range(60, 300), cols = c == 0 ? 1024 : rng_range(100, 1100);
      const qrt_dtype_t type = c % 3 == 2 ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
      const int symmetric = c == 5;
      const int64_t n = rows * cols;
      float *x = xmalloc((size_t)n * 4), *sw = xmalloc((size_t)rows * 4), *sg = xmalloc((size_t)rows * 4);
      int32_t *zw = xmalloc((size_t)rows * 4), *zg = xmalloc((size_t)rows * 4);
      uint8_t *yw = xmalloc((size_t)n), *yg = xmalloc((size_t)n);
      fill_rand(x, n);
      for (int64_t r = 0; r < rows; r += 5) x[r * cols] *= 40.0f; /* rows of other ranges */
      memset(yw, 0xa5, (size_t)n);
      CHECK_OK(qrt_q8_dynamic_quantize_rows(type, symmetric, rows, cols, x, yw, sw, zw));
      snprintf(what, sizeof what, "q8 dynamic rows %s %lldx%lld type %d%s", qrt_isa_name(isas[i]), (long long)rows,
               (long long)cols, (int)type, symmetric ? " symmetric" : "");
      for (int t = 2; t <= 4; t++) {
        memset(yg, 0xa5, (size_t)n);
        CHECK_OK(qrt_q8_dynamic_quantize_rows_mt(&g_pools[t], type, symmetric, rows, cols, x, yg, sg, zg));
        expect_same_bytes(what, t, yg, yw, (size_t)n);
        expect_same_bytes("dynamic rows scales", t, sg, sw, (size_t)rows * 4);
        expect_same_bytes("dynamic rows zero points", t, zg, zw, (size_t)rows * 4);
      }
      free(x), free(sw), free(sg), free(zw), free(zg), free(yw), free(yg);
    }
    qrt_set_isa_limit(prev);
  }
}

static void fill_bytes(uint8_t *p, int64_t n) {
  for (int64_t i = 0; i < n; i++) p[i] = (uint8_t)rng_u32();
}

static void check_q8_conv(const conv_shape_t *s, int variant, const char *what) {
  const qrt_dtype_t xt = variant ? QRT_DTYPE_I8 : QRT_DTYPE_U8; /* variant: the input type */
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, s->k, s->k);
  p.groups = s->groups;
  p.stride_h = p.stride_w = s->stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = s->pad;
  p.dilation_h = p.dilation_w = s->dil;
  int64_t OH, OW;
  if (qrt_conv2d_output_size(&p, s->h, s->w, &OH, &OW) != QRT_OK) return;
  const int64_t cig = s->ci / s->groups, K = cig * s->k * s->k;
  const int64_t nx = s->n * s->ci * s->h * s->w, ny = s->n * s->co * OH * OW, nw = s->co * K;
  uint8_t *x = xmalloc((size_t)nx), *wt = xmalloc((size_t)nw), *want = xmalloc((size_t)ny), *got = xmalloc((size_t)ny);
  float *ws = xmalloc((size_t)s->co * 4);
  int32_t *bias = xmalloc((size_t)s->co * 4);
  fill_bytes(x, nx);
  for (int64_t i = 0; i < nw; i++) wt[i] = (uint8_t)(int8_t)rng_range(-127, 127);
  for (int64_t o = 0; o < s->co; o++) ws[o] = 0.01f + 0.001f * (float)(o % 7), bias[o] = (int32_t)rng_range(-5000, 5000);
  const qrt_q8_act_t xq = {xt, 0.05f, xt == QRT_DTYPE_U8 ? 128 : 3};
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, s->co, ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.05f * 0.013f * 4.0f * sqrtf((float)K) * 16.0f, 100);
  const size_t ps = qrt_q8_conv2d_packed_weights_size(&p, s->ci, s->co);
  void *packed = xmalloc(ps);
  CHECK_OK(qrt_q8_conv2d_pack_weights(&p, s->ci, s->co, &xq, &wq, wt, bias, &yq, packed, ps));
  const size_t ss = qrt_q8_conv2d_scratch_size(&p, s->ci, s->h, s->w, s->co);
  void *sc = xmalloc(ss);
  memset(want, 0xa5, (size_t)ny);
  CHECK_OK(qrt_q8_conv2d_packed(&p, s->n, s->ci, s->h, s->w, x, s->co, packed, want, sc, ss));
  for (int t = 2; t <= 4; t++) {
    memset(got, 0xa5, (size_t)ny);
    memset(sc, 0x5a, ss);
    CHECK_OK(qrt_q8_conv2d_packed_mt(&g_pools[t], &p, s->n, s->ci, s->h, s->w, x, s->co, packed, got, sc, ss));
    expect_same_bytes(what, t, got, want, (size_t)ny);
  }
  free(x), free(wt), free(want), free(got), free(ws), free(bias), free(packed), free(sc);
}

static void test_q8_conv(void) {
  static const conv_shape_t fixed[] = {
      {1, 3, 30, 30, 20, 1, 3, 2, 1, 1},  {2, 16, 13, 17, 37, 1, 1, 1, 0, 1}, {1, 40, 9, 9, 65, 1, 3, 1, 1, 1},
      {1, 64, 7, 7, 50, 1, 3, 1, 1, 1},   {1, 32, 11, 9, 32, 32, 3, 1, 1, 1}, {2, 12, 14, 14, 18, 3, 3, 2, 1, 2},
      {1, 5, 6, 6, 7, 1, 3, 1, 1, 1},
  };
  conv_shapes("q8 conv", check_q8_conv, fixed, sizeof fixed / sizeof fixed[0], 24, 16, 70);
}

static void check_q8_gemm(int64_t m, int64_t n, int64_t k, const char *what) {
  uint8_t *x = xmalloc((size_t)(m * k)), *wt = xmalloc((size_t)(n * k));
  uint8_t *want = xmalloc((size_t)(m * n)), *got = xmalloc((size_t)(m * n));
  float *fwant = xmalloc((size_t)(m * n) * 4), *fgot = xmalloc((size_t)(m * n) * 4), *ws = xmalloc((size_t)n * 4);
  float *fbias = xmalloc((size_t)n * 4), *xs = xmalloc((size_t)m * 4);
  int32_t *bias = xmalloc((size_t)n * 4), *xz = xmalloc((size_t)m * 4);
  fill_bytes(x, m * k);
  for (int64_t i = 0; i < n * k; i++) wt[i] = (uint8_t)(int8_t)rng_range(-127, 127);
  for (int64_t o = 0; o < n; o++) ws[o] = 0.01f + 0.001f * (float)(o % 5), bias[o] = (int32_t)rng_range(-999, 999);
  fill_rand(fbias, n);
  for (int64_t r = 0; r < m; r++) xs[r] = 0.02f + 0.001f * (float)r, xz[r] = (int32_t)rng_range(0, 255);
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.05f, 120};
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, n, ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 0.05f * 0.012f * 4.0f * sqrtf((float)k) * 16.0f, -3);
  const size_t ps = qrt_q8_gemm_packed_weights_size(n, k), ss = qrt_q8_gemm_scratch_size(m, n, k);
  void *packed = xmalloc(ps), *dpacked = xmalloc(ps), *sc = xmalloc(ss);
  CHECK_OK(qrt_q8_gemm_pack_weights(n, k, &xq, &wq, wt, bias, &yq, packed, ps));
  CHECK_OK(qrt_q8_gemm_pack_weights_dynamic(n, k, QRT_DTYPE_U8, &wq, wt, fbias, dpacked, ps));
  memset(want, 0xa5, (size_t)(m * n));
  memset(fwant, 0xa5, (size_t)(m * n) * 4);
  CHECK_OK(qrt_q8_gemm_packed(m, n, k, x, k, packed, want, n, sc, ss));
  CHECK_OK(qrt_q8_gemm_dynamic_packed(m, n, k, x, k, xs, xz, 1, dpacked, fwant, n, sc, ss));
  for (int t = 2; t <= 4; t++) {
    memset(got, 0xa5, (size_t)(m * n));
    memset(fgot, 0xa5, (size_t)(m * n) * 4);
    CHECK_OK(qrt_q8_gemm_packed_mt(&g_pools[t], m, n, k, x, k, packed, got, n, sc, ss));
    CHECK_OK(qrt_q8_gemm_dynamic_packed_mt(&g_pools[t], m, n, k, x, k, xs, xz, 1, dpacked, fgot, n, sc, ss));
    expect_same_bytes(what, t, got, want, (size_t)(m * n));
    expect_same_bytes(what, t, fgot, fwant, (size_t)(m * n) * 4);
  }
  free(x), free(wt), free(want), free(got), free(fwant), free(fgot), free(ws), free(fbias), free(xs), free(bias);
  free(xz), free(packed), free(dpacked), free(sc);
}

static void test_q8_gemm(void) {
  /* with the small ones, shapes of several row blocks and several row chunks per
   * block (tasks of at most 2048 accumulators), K blocks, lanes made by tasks
   * (K not a multiple of 4) or read in place, N tails: the BERT encoder's */
  static const int64_t fixed[][3] = {{1, 1000, 512}, {5, 77, 131}, {9, 16, 3},     {1, 1, 1},
                                     {128, 256, 1024}, {200, 130, 300}, {97, 70, 37}, {61, 33, 1030}};
  gemm_shapes("q8 gemm", check_q8_gemm, fixed, sizeof fixed / sizeof fixed[0], 20, 200);
}

int main(void) {
  test_pool();
  for (int t = 2; t <= 4; t++)
    if (qrt_pool_init(&g_pools[t], t) != QRT_OK) {
      fprintf(stderr, "cannot start a pool of %d threads\n", t);
      return 1;
    }
  test_f32_conv();
  test_f32_gemm();
  test_f32_matmul();
  test_f32_binary();
  test_f32_unary_softmax_layer_norm();
  test_q8_dynamic_rows();
  test_q8_elementwise();
  test_q8_conv();
  test_q8_gemm();
  for (int t = 2; t <= 4; t++) qrt_pool_deinit(&g_pools[t]);
  return test_finish("test_threads");
}
