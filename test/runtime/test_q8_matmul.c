/* QLinearMatMul (qrt_q8_matmul) and MatMulInteger (qrt_q8_matmul_integer)
 * against a naive int64 reference with the requantization contract spelled out:
 * numpy batch broadcasting (missing and size-1 batch dims), u8/s8 operands,
 * parameters per tensor, per row of A / per column of B, and varying with the
 * batch (ONNX [..., M, 1] / [..., 1, N] scales and zero points), extreme
 * values, shapes past the vector builds' tiles and K limit; exact equality on every ISA
 * level (q8_matmul_internal.h). Plus a hand case and the accumulation bound. */
#include "qrt/qrt_q8.h"
#include "test_util.h"

static float ref_mult(float s_in, float s_w, float s_out) {
  const float p = s_in * s_w;
  const float m = p / s_out;
  return m;
}
static int32_t ref_requant(int64_t acc, float m, int32_t zp, int32_t lo, int32_t hi) {
  const float a = (float)acc;
  const float v = a * m;
  if (v != v) return zp < lo ? lo : zp > hi ? hi : zp;
  float c = v < (float)(lo - zp) ? (float)(lo - zp) : v;
  c = c > (float)(hi - zp) ? (float)(hi - zp) : c;
  return (int32_t)nearbyintf(c) + zp;
}
static int32_t type_lo(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 0 : -128; }
static int32_t type_hi(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 255 : 127; }
static qrt_dtype_t rand_type(void) { return (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8; }
static int32_t rand_zp(qrt_dtype_t t) {
  switch (rng_u32() % 4) {
    case 0: return type_lo(t);
    case 1: return type_hi(t);
    default: return (int32_t)rng_range(type_lo(t), type_hi(t));
  }
}
static float rand_scale(float lo, float hi) { return lo + (hi - lo) * (float)(rng_u32() % 1000000) / 1e6f; }

/* One operand: its own batch shape (right-aligned against the output's), data,
 * and parameters (none / per tensor / per row-or-column / per row-or-column and batch). */
typedef struct {
  qrt_dtype_t type;
  int64_t rank, shape[4], batches; /* batch dims of the operand */
  int64_t rows, cols;              /* matrix */
  int32_t *v;
  void *bytes;
  int pmode;                       /* 0 per tensor, 1 per row/col, 2 per row/col and batch */
  int64_t vec;                     /* m for A, n for B */
  float *scales;
  int32_t *zps;
  int64_t strides[4], pstrides[4];
} operand_t;

static void make_operand(operand_t *o, qrt_dtype_t t, int64_t out_rank, const int64_t *out_shape, int64_t rows,
                         int64_t cols, int64_t vec) {
  o->type = t;
  o->rank = rng_range(0, out_rank);
  o->batches = 1;
  for (int64_t d = 0; d < o->rank; d++) {
    const int64_t od = out_rank - o->rank + d;
    o->shape[d] = rng_u32() % 3 == 0 ? 1 : out_shape[od];
    o->batches *= o->shape[d];
  }
  o->rows = rows, o->cols = cols, o->vec = vec;
  const int64_t n = o->batches * rows * cols;
  o->v = malloc((size_t)(n + 1) * sizeof *o->v);
  o->bytes = malloc((size_t)n + 1);
  const int extremes = rng_u32() % 4 == 0;
  for (int64_t i = 0; i < n; i++) {
    o->v[i] = extremes ? ((rng_u32() & 1) ? type_hi(t) : type_lo(t)) : (int32_t)rng_range(type_lo(t), type_hi(t));
    qrt_q8_store(t, o->bytes, i, o->v[i]);
  }
  CHECK_OK(qrt_broadcast_strides(out_rank, out_shape, o->rank, o->shape, o->strides));
  for (int64_t d = 0; d < out_rank; d++) o->pstrides[d] = o->strides[d] * vec; /* params [batch..][vec] */
  for (int64_t d = 0; d < out_rank; d++) o->strides[d] *= rows * cols;
  o->pmode = (int)(rng_u32() % 3);
  const int64_t np = o->pmode == 0 ? 1 : o->pmode == 1 ? vec : o->batches * vec;
  o->scales = malloc((size_t)np * sizeof *o->scales);
  o->zps = malloc((size_t)np * sizeof *o->zps);
  for (int64_t i = 0; i < np; i++) o->scales[i] = rand_scale(0.002f, 0.05f), o->zps[i] = rand_zp(t);
}

static qrt_q8_matrix_t as_matrix(const operand_t *o, int with_scales) {
  qrt_q8_matrix_t m = {o->type, o->bytes, o->strides, with_scales ? o->scales : NULL, o->zps,
                       o->pmode == 2 ? o->pstrides : NULL, o->pmode ? 1 : 0};
  return m;
}

/* parameter index for batch offset (in matrices of the operand) and row/col r */
static int64_t param_index(const operand_t *o, int64_t batch, int64_t r) {
  return o->pmode == 0 ? 0 : o->pmode == 1 ? r : batch * o->vec + r;
}

static void free_operand(operand_t *o) { free(o->v), free(o->bytes), free(o->scales), free(o->zps); }

static int random_matmul(int idx, int integer) {
  const int64_t rank = rng_range(0, 3);
  int64_t shape[3], batches = 1;
  for (int64_t d = 0; d < rank; d++) shape[d] = rng_range(1, 3), batches *= shape[d];
  /* small; larger, past the vector builds' 4-row x 16-column tiles with tails and odd k;
   * a few past their K limit (Q8_MM_MAX_K = 1024: the reference loop) */
  const int size = idx % 10 < 6 ? 0 : idx % 10 < 9 ? 1 : 2;
  const int64_t m = size == 0 ? rng_range(1, 6) : rng_range(1, 37), n = size == 0 ? rng_range(1, 9) : rng_range(1, 70);
  const int64_t k = size == 0 ? rng_range(1, 40) : size == 1 ? rng_range(1, 300) : rng_range(1000, 1100);
  operand_t a, b;
  make_operand(&a, rand_type(), rank, shape, m, k, m);
  make_operand(&b, rand_type(), rank, shape, k, n, n);
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, rand_type(), a.scales[0] * b.scales[0] * 128.0f * 64.0f * sqrtf((float)k) / 100.0f,
                     rand_zp(QRT_DTYPE_U8));
  if (yq.type == QRT_DTYPE_I8) yq.zero_point -= 128;
  const qrt_q8_matrix_t am = as_matrix(&a, !integer), bm = as_matrix(&b, !integer);
  const int64_t ny = batches * m * n;
  int32_t *want = malloc((size_t)ny * sizeof *want), *y32 = malloc((size_t)ny * sizeof *y32);
  void *y8 = malloc((size_t)ny);
  /* reference: walk the output batch index, find each operand's batch by its own shape */
  int64_t yi = 0;
  for (int64_t bi = 0; bi < batches; bi++) {
    int64_t idxs[3], rem = bi;
    for (int64_t d = rank - 1; d >= 0; d--) idxs[d] = rem % shape[d], rem /= shape[d];
    int64_t ab = 0, bb = 0;
    for (int64_t d = 0; d < a.rank; d++) {
      const int64_t od = rank - a.rank + d;
      ab = ab * a.shape[d] + (a.shape[d] == 1 ? 0 : idxs[od]);
    }
    for (int64_t d = 0; d < b.rank; d++) {
      const int64_t od = rank - b.rank + d;
      bb = bb * b.shape[d] + (b.shape[d] == 1 ? 0 : idxs[od]);
    }
    for (int64_t r = 0; r < m; r++)
      for (int64_t c = 0; c < n; c++, yi++) {
        const int64_t pa = param_index(&a, ab, r), pb = param_index(&b, bb, c);
        int64_t acc = 0;
        for (int64_t i = 0; i < k; i++)
          acc += (int64_t)(a.v[(ab * m + r) * k + i] - a.zps[pa]) * (b.v[(bb * k + i) * n + c] - b.zps[pb]);
        want[yi] = integer ? (int32_t)acc
                           : ref_requant(acc, ref_mult(a.scales[pa], b.scales[pb], yq.scale), yq.zero_point, yq.qmin,
                                         yq.qmax);
      }
  }
  int ok = 1;
  qrt_isa_t lv[QRT_TEST_MAX_ISAS];
  const int nl = isa_levels(lv); /* every level: the vector builds' sums (q8_matmul_internal.h) */
  for (int li = 0; li < nl && ok; li++) {
    g_checks++;
    const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
    if (integer) {
      CHECK_OK(qrt_q8_matmul_integer(rank, shape, m, n, k, &am, &bm, y32));
    } else {
      CHECK_OK(qrt_q8_matmul(rank, shape, m, n, k, &am, &bm, &yq, y8));
      for (int64_t i = 0; i < ny; i++) y32[i] = qrt_q8_load(yq.type, y8, i);
    }
    qrt_set_isa_limit(prev);
    for (int64_t i = 0; i < ny && ok; i++)
      if (y32[i] != want[i]) {
        g_failures++, ok = 0;
        fprintf(stderr,
                "FAIL %s case %d on %s (%lldx%lldx%lld, rank %lld, a rank %lld mode %d, b rank %lld mode %d) at %lld: "
                "got %d, want %d\n",
                integer ? "matmul_integer" : "qmatmul", idx, qrt_isa_name(lv[li]), (long long)m, (long long)n,
                (long long)k, (long long)rank, (long long)a.rank, a.pmode, (long long)b.rank, b.pmode, (long long)i,
                y32[i], want[i]);
      }
  }
  free(want), free(y32), free(y8);
  free_operand(&a), free_operand(&b);
  return ok;
}

/* Multipliers that overflow to +inf (row and column scales of 1e30) next to
 * finite ones, and rows whose sums are 0 (inf * 0 is NaN: the zero point): the
 * vector builds send such tiles to the per-element path; every level gives the
 * reference's bytes. */
static void test_nonfinite_multiplier(void) {
  enum { M = 6, N = 21, K = 7 };
  uint8_t a[M * K], b[K * N];
  float as[M], bs[N];
  int32_t az[M], bz[N];
  for (int r = 0; r < M; r++) as[r] = r < 3 ? 1e30f : 0.01f, az[r] = 100 + r;
  for (int c = 0; c < N; c++) bs[c] = c < 10 ? 1e30f : 0.02f, bz[c] = c;
  for (int i = 0; i < M * K; i++) a[i] = (uint8_t)(i / K == 1 || i / K == 4 ? 100 + i / K : rng_range(0, 255));
  for (int i = 0; i < K * N; i++) b[i] = (uint8_t)rng_range(0, 255);
  const qrt_q8_matrix_t am = {QRT_DTYPE_U8, a, NULL, as, az, NULL, 1};
  const qrt_q8_matrix_t bm = {QRT_DTYPE_U8, b, NULL, bs, bz, NULL, 1};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 7);
  uint8_t want[M * N], y[M * N];
  for (int r = 0; r < M; r++)
    for (int c = 0; c < N; c++) {
      int64_t acc = 0;
      for (int i = 0; i < K; i++) acc += (int64_t)(a[r * K + i] - az[r]) * (b[i * N + c] - bz[c]);
      want[r * N + c] = (uint8_t)ref_requant(acc, ref_mult(as[r], bs[c], yq.scale), yq.zero_point, yq.qmin, yq.qmax);
    }
  qrt_isa_t lv[QRT_TEST_MAX_ISAS];
  const int nl = isa_levels(lv);
  for (int li = 0; li < nl; li++) {
    const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
    CHECK_OK(qrt_q8_matmul(0, NULL, M, N, K, &am, &bm, &yq, y));
    qrt_set_isa_limit(prev);
    CHECK(!memcmp(y, want, sizeof y), "non-finite multipliers on %s differ from the reference", qrt_isa_name(lv[li]));
  }
}

static void test_hand(void) {
  /* a [2][2] s8 per row: zp {0, 1}, scale {0.5, 1}; b [2][2] u8 per column: zp {0, 10}, scale {1, 0.25}
   * a - za = [1 2; 2 3] (a = [1 2; 3 4]), b - zb = [1 -10; 2 -6] (b = [1 0; 2 4])
   * acc = [5 -22; 8 -38]; M = [0.5 0.125; 1 0.25] -> [2.5 -2.75; 8 -9.5] -> [2 -3; 8 -10]; y zp 0 s8 */
  const int8_t a[4] = {1, 2, 3, 4};
  const uint8_t b[4] = {1, 0, 2, 4};
  const float as[2] = {0.5f, 1.0f}, bs[2] = {1.0f, 0.25f};
  const int32_t az[2] = {0, 1}, bz[2] = {0, 10};
  const qrt_q8_matrix_t am = {QRT_DTYPE_I8, a, NULL, as, az, NULL, 1};
  const qrt_q8_matrix_t bm = {QRT_DTYPE_U8, b, NULL, bs, bz, NULL, 1};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 1.0f, 0);
  int8_t y[4];
  CHECK_OK(qrt_q8_matmul(0, NULL, 2, 2, 2, &am, &bm, &yq, y));
  const int8_t want[4] = {2, -3, 8, -10};
  for (int i = 0; i < 4; i++) CHECK(y[i] == want[i], "hand qmatmul y[%d] = %d, want %d", i, y[i], want[i]);
  int32_t yi[4];
  CHECK_OK(qrt_q8_matmul_integer(0, NULL, 2, 2, 2, &am, &bm, yi));
  CHECK(yi[0] == 5 && yi[1] == -22 && yi[2] == 8 && yi[3] == -38, "hand matmul_integer %d %d %d %d", yi[0], yi[1],
        yi[2], yi[3]);
  /* missing scales for QLinearMatMul */
  const qrt_q8_matrix_t am_ns = {QRT_DTYPE_I8, a, NULL, NULL, az, NULL, 1};
  CHECK(qrt_q8_matmul(0, NULL, 2, 2, 2, &am_ns, &bm, &yq, y) == QRT_INVALID_ARGUMENT, "scales required");
  /* a zero point outside the type */
  const int32_t bad[2] = {0, 128};
  const qrt_q8_matrix_t am_bad = {QRT_DTYPE_I8, a, NULL, as, bad, NULL, 1};
  y[0] = 77;
  CHECK(qrt_q8_matmul(0, NULL, 2, 2, 2, &am_bad, &bm, &yq, y) == QRT_INVALID_ARGUMENT, "zp 128 in s8");
  CHECK(y[0] == 77, "nothing written");
}

static void test_bound(void) {
  /* both u8 zp 0: K * 255 * 255 <= INT32_MAX -> K <= 33025 */
  const int64_t k = 33026;
  uint8_t *a = malloc((size_t)k), *b = malloc((size_t)k);
  memset(a, 255, (size_t)k), memset(b, 255, (size_t)k);
  const int32_t z0 = 0, z128 = 128;
  const qrt_q8_matrix_t am = {QRT_DTYPE_U8, a, NULL, NULL, &z0, NULL, 0};
  const qrt_q8_matrix_t bm = {QRT_DTYPE_U8, b, NULL, NULL, NULL, NULL, 0};
  int32_t y = 0;
  CHECK_OK(qrt_q8_matmul_integer(0, NULL, 1, 1, k - 1, &am, &bm, &y));
  CHECK(y == 33025 * 65025, "at the bound: %d", y);
  y = 5;
  CHECK(qrt_q8_matmul_integer(0, NULL, 1, 1, k, &am, &bm, &y) == QRT_INVALID_ARGUMENT, "K = 33026 refused");
  CHECK(y == 5, "nothing written");
  /* zero point 128 on both: 128 * 128 per term, K <= 131071 */
  uint8_t *a2 = calloc(131072, 1), *b2 = calloc(131072, 1);
  const qrt_q8_matrix_t am2 = {QRT_DTYPE_U8, a2, NULL, NULL, &z128, NULL, 0};
  const qrt_q8_matrix_t bm2 = {QRT_DTYPE_U8, b2, NULL, NULL, &z128, NULL, 0};
  CHECK_OK(qrt_q8_matmul_integer(0, NULL, 1, 1, 131071, &am2, &bm2, &y));
  CHECK(y == 131071 * 16384, "zp 128 at the bound: %d", y);
  CHECK(qrt_q8_matmul_integer(0, NULL, 1, 1, 131072, &am2, &bm2, &y) == QRT_INVALID_ARGUMENT, "131072 refused");
  free(a), free(b), free(a2), free(b2);
}

int main(void) {
  test_hand();
  test_nonfinite_multiplier();
  test_bound();
  int ok = 0, n = 300;
  for (int i = 0; i < n; i++) ok += random_matmul(i, 0);
  printf("qmatmul: %d of %d random cases exact on every ISA level\n", ok, n);
  ok = 0;
  for (int i = 0; i < n; i++) ok += random_matmul(i, 1);
  printf("matmul_integer: %d of %d random cases exact on every ISA level\n", ok, n);
  return test_finish("q8_matmul");
}
