/* Weight-only Linear (qrt_wo.h): every variant on this machine against the
 * scalar variant, and the scalar variant against a naive reference.
 *
 * Tolerances. The dequantized weights wdq must be bit-identical everywhere:
 * checked exactly by running x = the identity (row kk of y is then column kk
 * of wdq: 0*w and +0 terms are exact) against qrt_wo_dequantize, which spells
 * out (float)(q - zp) * scale. The sums follow the f32 gemm's contract
 * (test_gemm.c): the scalar variant and a vector one each compute a float sum
 * of K products plus the bias, each within gamma_{K+1} (|bias| + S) of the
 * exact value, S = sum_k |x wdq| (Higham 3.1, u = 2^-24), so they differ by at
 * most (K + 3) 2^-23 (|bias| + S). The scalar variant against the exact sum
 * (in double, from the same float wdq): (K + 2) 2^-24 (|bias| + S). NaN and
 * Inf must match exactly (NaN == NaN). Also checked: nothing written outside
 * the m x n window of y (guards in the ldy gap). */
#include "qrt/qrt_wo.h"
#include "test_util.h"

static const qrt_wo_format_t kFormats[] = {QRT_WO_S8_CHANNEL, QRT_WO_S4_GROUP, QRT_WO_U4_GROUP,
                                           QRT_WO_F16};

/* Plain weights for fmt: q [n][k] (1 or 2 bytes each), scales, zero points.
 * kind 0: random codes over the whole range; 1: extreme codes only;
 * for f16, kind 1 adds subnormals, Inf and NaN among random finite halves. */
typedef struct {
  qrt_wo_format_t fmt;
  int64_t n, k, group;
  void *q;
  float *scales;
  uint8_t *zp;
  float *bias;
} weights_t;

static uint16_t rand_half(int special) {
  if (special) {
    switch (rng_u32() % 8) {
      case 0: return (uint16_t)(rng_u32() & 0x83ff);          /* subnormal or zero */
      case 1: return (uint16_t)(0x7c00 | (rng_u32() & 0x8000)); /* +-Inf */
      case 2: return (uint16_t)(0x7c01 | (rng_u32() & 0x83ff)); /* NaN (quiet or signalling) */
      default: break;
    }
  }
  /* finite, |v| < 4: exponent field 0..16 */
  return (uint16_t)((rng_u32() & 0x8000) | ((rng_u32() % 17) << 10) | (rng_u32() & 0x3ff));
}

static void make_weights(weights_t *w, qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group, int kind,
                         int with_bias) {
  w->fmt = fmt, w->n = n, w->k = k;
  w->group = (fmt == QRT_WO_S4_GROUP || fmt == QRT_WO_U4_GROUP) ? group : 0;
  const int64_t g = w->group ? k / group : (fmt == QRT_WO_S8_CHANNEL ? 1 : 0);
  w->q = malloc((size_t)(n * k * 2 + 1));
  w->scales = malloc(sizeof(float) * (size_t)(n * g + 1));
  w->zp = malloc((size_t)(n * g + 1));
  w->bias = with_bias ? malloc(sizeof(float) * (size_t)(n + 1)) : NULL;
  for (int64_t i = 0; i < n * g; i++) {
    w->scales[i] = (rng_f() + 1.5f) * (fmt == QRT_WO_S8_CHANNEL ? 0.01f : 0.1f) * (rng_u32() % 5 ? 1 : -1);
    w->zp[i] = (uint8_t)(kind ? (rng_u32() % 2) * 15 : rng_u32() % 16);
  }
  for (int64_t i = 0; i < n * k; i++) {
    const uint32_t r = rng_u32();
    switch (fmt) {
      case QRT_WO_S8_CHANNEL: ((int8_t *)w->q)[i] = (int8_t)(kind ? (r % 2 ? 127 : -128) : (int)(r % 256) - 128); break;
      case QRT_WO_S4_GROUP: ((int8_t *)w->q)[i] = (int8_t)(kind ? (r % 3 == 0 ? 0 : r % 3 == 1 ? -8 : 7) : (int)(r % 16) - 8); break;
      case QRT_WO_U4_GROUP: ((uint8_t *)w->q)[i] = (uint8_t)(kind ? (r % 2) * 15 : r % 16); break;
      case QRT_WO_F16: ((uint16_t *)w->q)[i] = rand_half(kind); break;
    }
  }
  if (w->bias) fill_rand(w->bias, n);
}

static void free_weights(weights_t *w) { free(w->q), free(w->scales), free(w->zp), free(w->bias); }

static void *pack_for(const weights_t *w, qrt_isa_t isa) {
  const size_t ps = qrt_wo_gemm_packed_size(w->fmt, w->n, w->k, w->group);
  CHECK(ps > 0, "packed_size 0 for n=%lld k=%lld", (long long)w->n, (long long)w->k);
  void *p = malloc(ps);
  CHECK_OK(qrt_wo_gemm_pack_isa(isa, w->fmt, w->n, w->k, w->group, w->q, w->scales,
                                w->fmt == QRT_WO_U4_GROUP ? w->zp : NULL, w->bias, p, ps));
  return p;
}

/* y (ldy = n + 3, guards 1234.5 in the gap) = run of the variant of isa. */
static float *run(const weights_t *w, qrt_isa_t isa, int64_t m, const float *x, int64_t ldx) {
  void *p = pack_for(w, isa);
  const int64_t ldy = w->n + 3;
  float *y = malloc(sizeof(float) * (size_t)(m * ldy + 1));
  for (int64_t i = 0; i < m * ldy; i++) y[i] = 1234.5f;
  const size_t ss = qrt_wo_gemm_scratch_size(m, w->n, w->k);
  void *scr = ss ? malloc(ss) : NULL;
  CHECK_OK(qrt_wo_gemm(m, w->n, w->k, x, ldx, p, y, ldy, scr, ss));
  free(scr), free(p);
  return y;
}

static void run_case(qrt_isa_t isa, qrt_wo_format_t fmt, int64_t m, int64_t n, int64_t k, int64_t group,
                     int kind, int with_bias, int x_special) {
  weights_t w;
  make_weights(&w, fmt, n, k, group, kind, with_bias);
  const int64_t ldx = k + 1, ldy = n + 3;
  float *x = malloc(sizeof(float) * (size_t)(m * ldx + 1));
  fill_rand(x, m * ldx);
  if (x_special && m > 0 && k > 0) { /* NaN in the first row, +Inf in the last */
    x[rng_range(0, k - 1)] = NAN;
    x[(m - 1) * ldx + rng_range(0, k - 1)] = INFINITY;
  }
  float *wdq = malloc(sizeof(float) * (size_t)(n * k + 1));
  CHECK_OK(qrt_wo_dequantize(fmt, n, k, w.group, w.q, w.scales, w.zp, wdq));
  float *got = run(&w, isa, m, x, ldx);
  float *ref = run(&w, QRT_ISA_SCALAR, m, x, ldx);
  float *g = calloc((size_t)(m * n + 1), sizeof(float)), *r = calloc((size_t)(m * n + 1), sizeof(float));
  float *tol = calloc((size_t)(m * n + 1), sizeof(float));
  float *tol_exact = calloc((size_t)(m * n + 1), sizeof(float));
  double *exact = calloc((size_t)(m * n + 1), sizeof(double));
  int guard_ok = 1;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      double s = 0.0, e = w.bias ? w.bias[j] : 0.0;
      for (int64_t kk = 0; kk < k; kk++) {
        const double p = (double)x[i * ldx + kk] * wdq[j * k + kk];
        s += fabs(p), e += p;
      }
      s += w.bias ? fabs(w.bias[j]) : 0.0;
      tol[i * n + j] = (float)((k + 3) * ldexp(1.0, -23) * s + 1e-37);
      tol_exact[i * n + j] = (float)((k + 2) * ldexp(1.0, -24) * s + 1e-37);
      exact[i * n + j] = e;
      g[i * n + j] = got[i * ldy + j];
      r[i * n + j] = ref[i * ldy + j];
    }
    for (int64_t j = n; j < ldy; j++)
      if (got[i * ldy + j] != 1234.5f || ref[i * ldy + j] != 1234.5f) guard_ok = 0;
  }
  char what[200];
  snprintf(what, sizeof what, "wo_gemm[%s %s m=%lld n=%lld k=%lld g=%lld kind=%d bias=%d xs=%d]",
           qrt_isa_name(isa), qrt_wo_format_name(fmt), (long long)m, (long long)n, (long long)k,
           (long long)group, kind, with_bias, x_special);
  const int64_t shape[2] = {m, n};
  expect_near(what, 2, shape, g, r, tol, 0.0f);
  CHECK(guard_ok, "%s wrote outside y", what);
  if (isa == QRT_ISA_SCALAR) { /* the reference against the exact sum */
    float *ex = malloc(sizeof(float) * (size_t)(m * n + 1));
    int finite = 1;
    for (int64_t i = 0; i < m * n; i++) {
      ex[i] = (float)exact[i];
      if (!isfinite(exact[i]) || !isfinite(tol[i])) finite = 0;
    }
    /* with Inf/NaN around, the double sum is only compared as a class */
    char w2[220];
    snprintf(w2, sizeof w2, "%s vs exact", what);
    if (finite) expect_near(w2, 2, shape, r, ex, tol_exact, 0.0f);
    else
      for (int64_t i = 0; i < m * n; i++)
        CHECK(isnan(ex[i]) == isnan(r[i]) && (isnan(ex[i]) || isinf(ex[i]) == isinf(r[i])),
              "%s at %lld: got %g, exact %g", w2, (long long)i, r[i], ex[i]);
    free(ex);
  }
  if (x_special && m > 0 && k > 0)
    for (int64_t j = 0; j < n; j++) CHECK(isnan(g[j]), "%s: NaN in x row 0 lost at column %lld", what, (long long)j);
  free(x), free(wdq), free(got), free(ref), free(g), free(r), free(tol), free(tol_exact), free(exact);
  free_weights(&w);
}

/* x = identity: y[kk][j] = wdq[j][kk] bit for bit (finite weights). */
static void check_exact_dequant(qrt_isa_t isa, qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group,
                                int kind) {
  weights_t w;
  make_weights(&w, fmt, n, k, group, kind, 0);
  if (fmt == QRT_WO_F16) /* finite halves only, subnormals included */
    for (int64_t i = 0; i < n * k; i++) {
      uint16_t *h = (uint16_t *)w.q + i;
      if ((*h & 0x7c00) == 0x7c00) *h = (uint16_t)(*h & 0x83ff);
    }
  float *x = calloc((size_t)(k * k + 1), sizeof(float));
  for (int64_t i = 0; i < k; i++) x[i * k + i] = 1.0f;
  float *wdq = malloc(sizeof(float) * (size_t)(n * k + 1));
  CHECK_OK(qrt_wo_dequantize(fmt, n, k, w.group, w.q, w.scales, w.zp, wdq));
  float *y = run(&w, isa, k, x, k);
  const int64_t ldy = n + 3;
  int64_t bad = -1;
  for (int64_t i = 0; i < k && bad < 0; i++)
    for (int64_t j = 0; j < n; j++)
      if (memcmp(&y[i * ldy + j], &wdq[j * k + i], 4) && !(y[i * ldy + j] == 0 && wdq[j * k + i] == 0)) {
        bad = i * n + j;
        break;
      }
  CHECK(bad < 0, "exact wdq [%s %s n=%lld k=%lld g=%lld]: k=%lld n=%lld got %.9g want %.9g", qrt_isa_name(isa),
        qrt_wo_format_name(fmt), (long long)n, (long long)k, (long long)group, (long long)(bad / n),
        (long long)(bad % n), bad < 0 ? 0.0 : y[bad / n * ldy + bad % n], bad < 0 ? 0.0 : wdq[bad % n * k + bad / n]);
  free(x), free(wdq), free(y);
  free_weights(&w);
}

/* qrt_wo_gemm_pack_kn of the transposed inputs packs the same bytes. */
static void check_pack_kn(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group) {
  weights_t w;
  make_weights(&w, fmt, n, k, group, 0, 1);
  /* scales per row: k/group for 4-bit, 1 for s8, none for f16 (make_weights' counts) */
  const int64_t g = w.group ? k / group : (fmt == QRT_WO_S8_CHANNEL ? 1 : 0), es = fmt == QRT_WO_F16 ? 2 : 1;
  uint8_t *qt = malloc((size_t)(n * k * es + 1)), *zt = malloc((size_t)(n * g + 1));
  float *st = malloc(sizeof(float) * (size_t)(n * g + 1));
  for (int64_t r = 0; r < n; r++) {
    for (int64_t c = 0; c < k; c++) memcpy(qt + (c * n + r) * es, (uint8_t *)w.q + (r * k + c) * es, (size_t)es);
    for (int64_t gi = 0; gi < g; gi++) {
      st[gi * n + r] = w.scales[r * g + gi];
      zt[gi * n + r] = w.zp[r * g + gi];
    }
  }
  const int u4 = fmt == QRT_WO_U4_GROUP;
  const size_t ps = qrt_wo_gemm_packed_size(fmt, n, k, group);
  void *a = calloc(1, ps), *b = calloc(1, ps);
  CHECK_OK(qrt_wo_gemm_pack(fmt, n, k, group, w.q, fmt == QRT_WO_F16 ? NULL : w.scales, u4 ? w.zp : NULL,
                            w.bias, a, ps));
  CHECK_OK(qrt_wo_gemm_pack_kn(fmt, n, k, group, qt, fmt == QRT_WO_F16 ? NULL : st, u4 ? zt : NULL, w.bias, b,
                               ps));
  CHECK(!memcmp(a, b, ps), "pack_kn [%s n=%lld k=%lld g=%lld] differs from pack of the transposes",
        qrt_wo_format_name(fmt), (long long)n, (long long)k, (long long)group);
  free(a), free(b), free(qt), free(zt), free(st);
  free_weights(&w);
}

/* The formulas spelled out on a few values. */
static void test_dequantize_formulas(void) {
  const int8_t s8[2] = {-128, 127};
  const float s8s[1] = {0.1f};
  float out[64];
  CHECK_OK(qrt_wo_dequantize(QRT_WO_S8_CHANNEL, 1, 2, 0, s8, s8s, NULL, out));
  CHECK(out[0] == -128.0f * 0.1f && out[1] == 127.0f * 0.1f, "s8 %g %g", out[0], out[1]);
  int8_t s4[32];
  uint8_t u4[32], zp[1] = {15};
  for (int i = 0; i < 32; i++) s4[i] = (int8_t)(i % 16 - 8), u4[i] = (uint8_t)(i % 16);
  const float sc[1] = {0.3f};
  CHECK_OK(qrt_wo_dequantize(QRT_WO_S4_GROUP, 1, 32, 32, s4, sc, NULL, out));
  CHECK(out[0] == -8.0f * 0.3f && out[15] == 7.0f * 0.3f && out[8] == 0.0f, "s4 %g %g %g", out[0], out[15], out[8]);
  CHECK_OK(qrt_wo_dequantize(QRT_WO_U4_GROUP, 1, 32, 32, u4, sc, zp, out));
  CHECK(out[0] == -15.0f * 0.3f && out[15] == 0.0f && out[7] == -8.0f * 0.3f, "u4 %g %g %g", out[0], out[15], out[7]);
  const uint16_t h[6] = {0x0001, 0x03ff, 0x3c00, 0xfc00, 0x7e00, 0x8000};
  CHECK_OK(qrt_wo_dequantize(QRT_WO_F16, 1, 6, 0, h, NULL, NULL, out));
  CHECK(out[0] == 0x1p-24f && out[1] == 1023 * 0x1p-24f && out[2] == 1.0f && isinf(out[3]) && out[3] < 0 &&
            isnan(out[4]) && out[5] == 0.0f && signbit(out[5]),
        "f16 %g %g %g %g %g %g", out[0], out[1], out[2], out[3], out[4], out[5]);
}

static void test_arguments(void) {
  int8_t q[256] = {0};
  float s[8] = {1, 1, 1, 1, 1, 1, 1, 1}, y[16], x[256] = {0};
  uint8_t zp[8] = {0};
  CHECK(qrt_wo_gemm_packed_size(QRT_WO_S4_GROUP, 2, 64, 48) == 0, "group 48 accepted");
  CHECK(qrt_wo_gemm_packed_size(QRT_WO_S4_GROUP, 2, 96, 64) == 0, "k %% group accepted");
  CHECK(qrt_wo_gemm_packed_size((qrt_wo_format_t)9, 2, 64, 32) == 0, "format 9 accepted");
  const size_t ps = qrt_wo_gemm_packed_size(QRT_WO_S4_GROUP, 2, 64, 32);
  void *p = malloc(ps);
  q[5] = 8;
  CHECK(qrt_wo_gemm_pack(QRT_WO_S4_GROUP, 2, 64, 32, q, s, NULL, NULL, p, ps) == QRT_INVALID_ARGUMENT,
        "s4 code 8 accepted");
  q[5] = 16;
  CHECK(qrt_wo_gemm_pack(QRT_WO_U4_GROUP, 2, 64, 32, q, s, zp, NULL, p, ps) == QRT_INVALID_ARGUMENT,
        "u4 code 16 accepted");
  q[5] = 0, zp[1] = 16;
  CHECK(qrt_wo_gemm_pack(QRT_WO_U4_GROUP, 2, 64, 32, q, s, zp, NULL, p, ps) == QRT_INVALID_ARGUMENT,
        "zero point 16 accepted");
  CHECK(qrt_wo_gemm_pack(QRT_WO_U4_GROUP, 2, 64, 32, q, s, NULL, NULL, p, ps) == QRT_INVALID_ARGUMENT,
        "u4 without zero points accepted");
  zp[1] = 0, s[3] = NAN;
  CHECK(qrt_wo_gemm_pack(QRT_WO_S4_GROUP, 2, 64, 32, q, s, NULL, NULL, p, ps) == QRT_INVALID_ARGUMENT,
        "NaN scale accepted");
  s[3] = 1;
  CHECK(qrt_wo_gemm_pack(QRT_WO_S4_GROUP, 2, 64, 32, q, s, NULL, NULL, p, ps - 1) == QRT_BUFFER_TOO_SMALL,
        "small buffer accepted");
  CHECK_OK(qrt_wo_gemm_pack(QRT_WO_S4_GROUP, 2, 64, 32, q, s, NULL, NULL, p, ps));
  qrt_wo_format_t f;
  int64_t n, k, g;
  const char *name = NULL;
  CHECK_OK(qrt_wo_gemm_packed_info(p, &f, &n, &k, &g, NULL, &name));
  CHECK(f == QRT_WO_S4_GROUP && n == 2 && k == 64 && g == 32 && name, "packed_info");
  printf("wo_gemm: native variant %s\n", name ? name : "?");
  CHECK(qrt_wo_gemm(1, 3, 64, x, 64, p, y, 3, NULL, 0) == QRT_INVALID_ARGUMENT, "wrong n accepted");
  CHECK(qrt_wo_gemm(1, 2, 64, x, 63, p, y, 2, NULL, 0) == QRT_INVALID_ARGUMENT, "ldx < k accepted");
  { /* many rows take the dequantized-block path of the vector variants: scratch needed */
    const size_t ss = qrt_wo_gemm_scratch_size(40, 2, 64);
    float y40[80], *x40 = calloc(40 * 64, sizeof(float));
    if (ss > 0 && strcmp(name, "wo_gemm_4x8__scalar")) {
      void *scr = malloc(ss);
      CHECK(qrt_wo_gemm(40, 2, 64, x40, 64, p, y40, 2, NULL, 0) == QRT_INVALID_ARGUMENT, "NULL scratch accepted");
      CHECK(qrt_wo_gemm(40, 2, 64, x40, 64, p, y40, 2, scr, ss - 1) == QRT_BUFFER_TOO_SMALL,
            "small scratch accepted");
      CHECK_OK(qrt_wo_gemm(40, 2, 64, x40, 64, p, y40, 2, scr, ss));
      free(scr);
    }
    free(x40);
    CHECK(qrt_wo_gemm_scratch_size(1, 4096, 4096) == 0, "scratch for one row");
  }
  ((uint32_t *)p)[2] = 99; /* a variant no build has (the isa field) */
  CHECK(qrt_wo_gemm(1, 2, 64, x, 64, p, y, 2, NULL, 0) == QRT_UNSUPPORTED, "unknown variant ran");
  ((uint32_t *)p)[0] ^= 1;
  CHECK(qrt_wo_gemm(1, 2, 64, x, 64, p, y, 2, NULL, 0) == QRT_INVALID_ARGUMENT, "bad magic accepted");
  free(p);
  /* k == 0: y = bias */
  const float bias[3] = {1, -2, 3};
  const size_t p0s = qrt_wo_gemm_packed_size(QRT_WO_F16, 3, 0, 0);
  void *p0 = malloc(p0s);
  CHECK_OK(qrt_wo_gemm_pack(QRT_WO_F16, 3, 0, 0, NULL, NULL, NULL, bias, p0, p0s));
  CHECK_OK(qrt_wo_gemm(2, 3, 0, x, 0, p0, y, 3, NULL, 0));
  CHECK(y[0] == 1 && y[1] == -2 && y[2] == 3 && y[3] == 1 && y[5] == 3, "k=0 gives bias");
  free(p0);
}

int main(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int nisa = isa_levels(isas);
  test_dequantize_formulas();
  test_arguments();
  for (int fi = 0; fi < 4; fi++) {
    check_pack_kn(kFormats[fi], 37, 128, 64);
    check_pack_kn(kFormats[fi], 5, 96, 32);
  }
  static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33};
  static const int64_t ns[] = {1, 5, 8, 15, 16, 17, 31, 32, 33, 47, 64, 65, 100};
  static const int64_t groups[] = {32, 64, 128};
  const int nm = (int)(sizeof ms / sizeof ms[0]), nn = (int)(sizeof ns / sizeof ns[0]);
  for (int v = 0; v < nisa; v++) {
    printf("wo_gemm: variant %s\n", qrt_isa_name(isas[v]));
    for (int fi = 0; fi < 4; fi++) {
      const qrt_wo_format_t fmt = kFormats[fi];
      const int is4 = fmt == QRT_WO_S4_GROUP || fmt == QRT_WO_U4_GROUP;
      for (int t = 0; t < 30; t++) {
        const int64_t m = ms[rng_range(0, nm - 1)], n = ns[rng_range(0, nn - 1)];
        const int64_t g = groups[rng_range(0, 2)];
        const int64_t k = is4 ? g * rng_range(1, 5) : rng_range(1, 200);
        run_case(isas[v], fmt, m, n, k, g, t % 5 == 4, t % 2, t % 7 == 6);
      }
      /* M = 1 (GEMV) with a large K, and K past the 512 block with many rows */
      run_case(isas[v], fmt, 1, 100, is4 ? 1024 : 1000, 128, 0, 1, 0);
      run_case(isas[v], fmt, 1, 77, is4 ? 640 : 641, 32, 1, 0, 1);
      run_case(isas[v], fmt, 37, 70, is4 ? 576 : 1031, 64, 0, 1, 0);
      run_case(isas[v], fmt, 70, 19, is4 ? 640 : 515, 128, 0, 1, 1);
      for (int gi = 0; gi < 3; gi++) {
        check_exact_dequant(isas[v], fmt, 45, is4 ? groups[gi] * 2 : 70 + gi, groups[gi], 0);
        check_exact_dequant(isas[v], fmt, 33, is4 ? groups[gi] * 3 : 300 + gi, groups[gi], 1);
      }
    }
  }
  qrt_set_isa_limit(QRT_ISA_NATIVE);
  return test_finish("runtime.wo_gemm");
}
