/* Gemm / MatMul: every ISA variant on this machine against
 * qrt_f32_gemm_reference, on shapes with M/N/K tails and block edges.
 *
 * Tolerance. Both the reference and the kernel compute a float sum of K
 * products (possibly in another order, possibly with FMA). Each is within
 * gamma_K * S of the exact value, S = sum_k |a_ik b_kj|, gamma_K = K u / (1 - K u),
 * u = 2^-24 (Higham, Accuracy and Stability, 3.1); alpha/beta add two more
 * roundings. So |kernel - reference| <= 2 (K + 2) u (|alpha| S + |beta c|) (+ a
 * denormal floor), used below as (K + 3) * 2^-23 * (...). Also checked: no
 * write outside the M x N window of Y (guard values in the ldy gap). */
#include "../../runtime/src/qrt_internal.h"
#include "test_util.h"

static const int64_t kDims[] = {1, 2, 3, 5, 7, 13, 17, 31, 33, 63, 65};

static void run_gemm_case(qrt_isa_t isa, int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
                          float beta, int c_kind, int packed) {
  const int64_t lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldy = n + 3;
  const int64_t arows = ta ? k : m, brows = tb ? n : k;
  float *a = malloc(sizeof(float) * (size_t)(arows * lda + 1));
  float *b = malloc(sizeof(float) * (size_t)(brows * ldb + 1));
  float *c = malloc(sizeof(float) * (size_t)(m * n + 1));
  float *y = malloc(sizeof(float) * (size_t)(m * ldy + 1));
  float *r = malloc(sizeof(float) * (size_t)(m * ldy + 1));
  float *tol = calloc((size_t)(m * n + 1), sizeof(float));
  float *got = calloc((size_t)(m * n + 1), sizeof(float));
  float *want = calloc((size_t)(m * n + 1), sizeof(float));
  fill_rand(a, arows * lda);
  fill_rand(b, brows * ldb);
  fill_rand(c, m * n);
  /* C broadcast kinds: 0 none, 1 full [M,N], 2 row [N], 3 column [M,1], 4 scalar */
  int64_t csm = 0, csn = 0;
  const float *cp = c;
  switch (c_kind) {
    case 0: cp = NULL; break;
    case 1: csm = n; csn = 1; break;
    case 2: csm = 0; csn = 1; break;
    case 3: csm = 1; csn = 0; break;
    default: break;
  }
  for (int64_t i = 0; i < m * ldy; i++) y[i] = r[i] = 1234.5f;
  qrt_set_isa_limit(isa);
  qrt_status_t s;
  if (packed) {
    const size_t ps = qrt_f32_gemm_pack_b_size(n, k);
    void *pb = malloc(ps);
    s = qrt_f32_gemm_pack_b(tb, n, k, b, ldb, pb, ps);
    CHECK(s == QRT_OK, "pack_b %s", qrt_status_string(s));
    const size_t ss = qrt_f32_gemm_packed_b_scratch_size(m, n, k);
    void *scr = malloc(ss);
    s = qrt_f32_gemm_packed_b(ta, m, n, k, alpha, a, lda, pb, beta, cp, csm, csn, y, ldy, scr, ss);
    free(scr);
    free(pb);
  } else {
    const size_t ss = qrt_f32_gemm_scratch_size(m, n, k);
    void *scr = malloc(ss);
    s = qrt_f32_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cp, csm, csn, y, ldy, scr, ss);
    free(scr);
  }
  CHECK(s == QRT_OK, "gemm returned %s", qrt_status_string(s));
  qrt_f32_gemm_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cp, csm, csn, r, ldy);
  int guard_ok = 1;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      double sabs = 0.0;
      for (int64_t kk = 0; kk < k; kk++) {
        const float av = ta ? a[kk * lda + i] : a[i * lda + kk];
        const float bv = tb ? b[j * ldb + kk] : b[kk * ldb + j];
        sabs += fabs((double)av * bv);
      }
      const double cabs = cp ? fabs(beta * cp[i * csm + j * csn]) : 0.0;
      tol[i * n + j] = (float)((k + 3) * ldexp(1.0, -23) * (fabs(alpha) * sabs + cabs) + 1e-30);
      got[i * n + j] = y[i * ldy + j];
      want[i * n + j] = r[i * ldy + j];
    }
    for (int64_t j = n; j < ldy; j++)
      if (y[i * ldy + j] != 1234.5f) guard_ok = 0;
  }
  char what[160];
  snprintf(what, sizeof what, "gemm[%s%s ta=%d tb=%d m=%lld n=%lld k=%lld c=%d]", qrt_isa_name(isa),
           packed ? " packed_b" : "", ta, tb, (long long)m, (long long)n, (long long)k, c_kind);
  const int64_t shape[2] = {m, n};
  expect_near(what, 2, shape, got, want, tol, 0.0f);
  CHECK(guard_ok, "%s wrote outside Y", what);
  free(a), free(b), free(c), free(y), free(r), free(tol), free(got), free(want);
}

static void test_matmul_broadcast(qrt_isa_t isa) {
  /* A [2,1,m,k] x B [3,k,n] -> Y [2,3,m,n] */
  const int64_t m = 5, n = 19, k = 33;
  float a[2 * 5 * 33], b[3 * 33 * 19], y[2 * 3 * 5 * 19], r[5 * 19];
  fill_rand(a, 2 * m * k);
  fill_rand(b, 3 * k * n);
  const int64_t bs[2] = {2, 3}, as[2] = {m * k, 0}, bst[2] = {0, k * n};
  qrt_set_isa_limit(isa);
  const size_t ss = qrt_f32_gemm_scratch_size(m, n, k);
  void *scr = malloc(ss);
  CHECK_OK(qrt_f32_matmul(2, bs, a, as, b, bst, m, n, k, y, scr, ss));
  free(scr);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) {
      qrt_f32_gemm_reference(0, 0, m, n, k, 1.0f, a + i * m * k, k, b + j * k * n, n, 0.0f, NULL,
                             0, 0, r, n);
      char what[64];
      snprintf(what, sizeof what, "matmul[%s batch %d,%d]", qrt_isa_name(isa), i, j);
      const int64_t shape[2] = {m, n};
      /* tolerance: |a|,|b| < 1 so S <= k */
      expect_near(what, 2, shape, y + (i * 3 + j) * m * n, r, NULL, (float)((k + 3) * k) * 0x1p-23f);
    }
}

/* Operand packing (qrt_f32_pack_strided; per ISA for r up to the build's limit,
 * f32_pack_internal.h): every level gives the scalar level's bytes, for rows
 * contiguous along k (a transposition), columns contiguous (a copy) and both
 * strided, on lengths with partial panels and k tails, with nothing written
 * past the panels. */
static void test_pack(const qrt_isa_t *isas, int nisa) {
  enum { GUARD = 40 };
  static const int64_t rs[] = {4, 6, 8, 14, 16, 32};
  int bad = 0, cases = 0;
  for (int c = 0; c < 120; c++) {
    const int64_t len = rng_range(1, 40), kc = rng_range(1, 70), r = rs[c % 6], form = c / 6 % 3;
    const int64_t i0 = rng_range(0, 3), k0 = rng_range(0, 3), ld = (form == 0 ? kc + k0 : len + i0) + rng_range(0, 5);
    const qrt_f32_strided_t ctx = {NULL, form == 0 ? ld : form == 1 ? 1 : 3 * ld, form == 0 ? 1 : form == 1 ? ld : 3};
    const int64_t extent = (i0 + len) * ctx.stride_i + (k0 + kc) * ctx.stride_k; /* past the last element read */
    float *src = malloc(sizeof(float) * (size_t)extent);
    for (int64_t i = 0; i < extent; i++) src[i] = rng_f();
    const qrt_f32_strided_t x = {src, ctx.stride_i, ctx.stride_k};
    const size_t n = (size_t)((len + r - 1) / r * r * kc) + GUARD;
    float *y0 = malloc(n * sizeof *y0), *y1 = malloc(n * sizeof *y1);
    for (int v = 0; v < nisa; v++) {
      float *y = v ? y1 : y0;
      for (size_t i = 0; i < n; i++) y[i] = -7.0f;
      const qrt_isa_t prev = qrt_set_isa_limit(isas[v]);
      qrt_f32_pack_strided(&x, i0, len, k0, kc, r, y);
      qrt_set_isa_limit(prev);
      if (v && memcmp(y0, y1, n * sizeof *y0) && bad++ < 5)
        fprintf(stderr, "pack %s: len %lld kc %lld r %lld form %lld differs from scalar\n", qrt_isa_name(isas[v]),
                (long long)len, (long long)kc, (long long)r, (long long)form);
      cases++;
    }
    for (size_t i = n - GUARD; i < n; i++) bad += y0[i] != -7.0f;
    free(src), free(y0), free(y1);
  }
  CHECK(bad == 0, "packing: %d mismatches", bad);
  printf("pack: %d cases over %d ISA levels\n", cases, nisa);
}

int main(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int nisa = isa_levels(isas);
  test_pack(isas, nisa);
  const int nd = (int)(sizeof kDims / sizeof kDims[0]);
  for (int v = 0; v < nisa; v++) {
    printf("gemm: variant %s\n", qrt_isa_name(isas[v]));
    /* all tails for M and N with a few K */
    for (int i = 0; i < nd; i++)
      for (int j = 0; j < nd; j++) {
        const int64_t ks[] = {1, 7, 64};
        run_gemm_case(isas[v], 0, 0, kDims[i], kDims[j], ks[(i + j) % 3], 1.0f, 0.0f, 0, 0);
      }
    /* random shapes, transposes, alpha/beta, C broadcast kinds, packed B */
    for (int t = 0; t < 60; t++) {
      const int64_t m = kDims[rng_range(0, nd - 1)], n = kDims[rng_range(0, nd - 1)];
      const int64_t k = kDims[rng_range(0, nd - 1)];
      run_gemm_case(isas[v], (int)rng_range(0, 1), (int)rng_range(0, 1), m, n, k,
                    t % 3 ? 1.0f : 0.75f, t % 2 ? 0.5f : 1.0f, (int)rng_range(0, 4), t % 4 == 3);
    }
    /* block edges: K > KC, M > MC, N > NC */
    run_gemm_case(isas[v], 0, 0, 170, 800, 520, 1.0f, 1.0f, 2, 0);
    run_gemm_case(isas[v], 1, 1, 171, 801, 257, 2.0f, 0.5f, 1, 1);
    run_gemm_case(isas[v], 0, 1, 1, 1000, 512, 1.0f, 1.0f, 2, 1); /* FC layer */
    /* K = 0: Y = beta * C */
    run_gemm_case(isas[v], 0, 0, 3, 5, 0, 1.0f, 1.0f, 1, 0);
    test_matmul_broadcast(isas[v]);
  }
  /* Argument checks return statuses and write nothing */
  float dummy[4] = {0};
  CHECK(qrt_f32_gemm(0, 0, -1, 1, 1, 1, dummy, 1, dummy, 1, 0, NULL, 0, 0, dummy, 1, NULL, 0) ==
            QRT_INVALID_ARGUMENT, "negative M accepted");
  CHECK(qrt_f32_gemm(0, 0, 1, 1, 1, 1, dummy, 1, dummy, 1, 0, NULL, 0, 0, dummy, 1, dummy, 4) ==
            QRT_BUFFER_TOO_SMALL, "small scratch accepted");
  qrt_set_isa_limit(QRT_ISA_NATIVE);
  return test_finish("runtime.gemm");
}
