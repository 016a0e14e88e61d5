/* f32_transcend.inl (GELU's erf, softmax's exp): accuracy against libm's
 * double exp/erf, special values, and every build this CPU runs (x86:
 * avx2_fma, avx512f) bit for bit against the scalar build, on lengths with
 * tails and inputs with NaN/Inf. Also: qrt_f32_unary(GELU) and
 * qrt_f32_softmax give the same bytes under every qrt_set_isa_limit level. */
#include "../../runtime/src/f32_transcend.h"
#include "test_util.h"

typedef struct {
  const char *name;
  void (*gelu)(int64_t, const float *, float *);
  double (*exp_sum)(int64_t, const float *, float, float *);
  void (*softmax_rows)(int64_t, int64_t, const float *, float *);
  int supported;
} build_t;

static double ulp_of(double v) {
  const float f = (float)fabs(v);
  return f == 0.0f ? 0x1p-149 : (double)(nextafterf(f, INFINITY) - f);
}

/* exp(x) for x over the whole range, by exp_shifted_sum with mx = 0. */
static void test_exp_accuracy(void) {
  enum { N = 1 << 20 };
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  for (int i = 0; i < N; i++) x[i] = -87.33f + (88.72f + 87.33f) * (float)i / (float)N;
  qrt_f32_exp_shifted_sum__scalar(N, x, 0.0f, y);
  double worst = 0;
  int at = 0;
  for (int i = 0; i < N; i++) {
    const double r = exp((double)x[i]);
    const double e = fabs((double)y[i] - r) / ulp_of(r);
    if (e > worst) worst = e, at = i;
  }
  printf("exp: max error %.2f ulp (at x = %.9g) over %d points in [-87.33, 88.72]\n", worst, x[at], N);
  CHECK(worst <= 2.0, "exp error %.2f ulp at x = %.9g", worst, x[at]);
  const float sx[] = {NAN, INFINITY, -INFINITY, -88.0f, -1000.0f, 88.8f, 1000.0f, 0.0f, -0.0f};
  float sy[9];
  qrt_f32_exp_shifted_sum__scalar(9, sx, 0.0f, sy);
  CHECK(isnan(sy[0]), "exp(NaN) = %g", sy[0]);
  CHECK(sy[1] == INFINITY && sy[5] == INFINITY && sy[6] == INFINITY, "exp(big) = %g %g %g", sy[1], sy[5], sy[6]);
  CHECK(sy[2] == 0.0f && sy[3] == 0.0f && sy[4] == 0.0f, "exp(very negative) = %g %g %g", sy[2], sy[3], sy[4]);
  CHECK(sy[7] == 1.0f && sy[8] == 1.0f, "exp(0) = %g %g", sy[7], sy[8]);
  free(x), free(y);
}

/* GELU = 0.5 x (1 + erf(x / sqrt 2)) against the double formula. */
static void test_gelu_accuracy(void) {
  enum { N = 1 << 20 };
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  for (int i = 0; i < N; i++) x[i] = -12.0f + 24.0f * (float)i / (float)N;
  qrt_f32_gelu_erf__scalar(N, x, y);
  double worst = 0, worst_abs = 0;
  int at = 0;
  for (int i = 0; i < N; i++) {
    const double r = 0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0)));
    const double d = fabs((double)y[i] - r);
    /* erf's own error, scaled by 0.5 |x|, is absolute near erf = -1 (x << 0,
     * where GELU is tiny): count it in units of 0.5 |x| ulp(1) there */
    const double e = d / fmax(ulp_of(r), 0.5 * fabs(x[i]) * 0x1p-24);
    if (e > worst) worst = e, at = i, worst_abs = d;
  }
  printf("gelu: max error %.2f units (abs %.3g at x = %.9g) over %d points in [-12, 12]\n", worst, worst_abs,
         x[at], N);
  CHECK(worst <= 8.0, "gelu error %.2f units at x = %.9g", worst, x[at]);
  const float sx[] = {NAN, INFINITY, 0.0f, 100.0f, -100.0f};
  float sy[5];
  qrt_f32_gelu_erf__scalar(5, sx, sy);
  CHECK(isnan(sy[0]), "gelu(NaN) = %g", sy[0]);
  CHECK(sy[1] == INFINITY && sy[2] == 0.0f && sy[3] == 100.0f, "gelu(inf, 0, 100) = %g %g %g", sy[1], sy[2], sy[3]);
  CHECK(sy[4] == 0.0f, "gelu(-100) = %g", sy[4]);
  free(x), free(y);
}

static void fill_special(float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const uint32_t r = rng_u32() % 32;
    x[i] = r == 0 ? NAN : r == 1 ? INFINITY : r == 2 ? -INFINITY : r == 3 ? 0.0f : 12.0f * rng_f();
  }
}

static void test_builds_bit_exact(const build_t *b, int nb) {
  float x[300], y0[300], y1[300];
  for (int k = 1; k < nb; k++) {
    if (!b[k].supported) {
      printf("%s: not run (this CPU lacks it)\n", b[k].name);
      continue;
    }
    int same = 1;
    for (int64_t n = 0; n <= 260; n += (n < 40 ? 1 : 37)) {
      fill_special(x, n);
      b[0].gelu(n, x, y0);
      b[k].gelu(n, x, y1);
      same &= !memcmp(y0, y1, (size_t)n * sizeof *y0);
      CHECK(!memcmp(y0, y1, (size_t)n * sizeof *y0), "%s gelu n=%lld differs from scalar", b[k].name, (long long)n);
      for (int64_t i = 0; i < n; i++) x[i] = x[i] != x[i] || x[i] == INFINITY ? 1.0f : x[i];
      const double s0 = b[0].exp_sum(n, x, 3.0f, y0), s1 = b[k].exp_sum(n, x, 3.0f, y1);
      same &= s0 == s1 && !memcmp(y0, y1, (size_t)n * sizeof *y0);
      CHECK(s0 == s1 && !memcmp(y0, y1, (size_t)n * sizeof *y0), "%s exp n=%lld differs from scalar", b[k].name,
            (long long)n);
    }
    /* softmax rows: 3 rows of n with a NaN, +inf or -inf element now and then */
    for (int64_t n = 0; n <= 100; n += (n < 40 ? 1 : 19)) {
      fill_special(x, 3 * n);
      b[0].softmax_rows(3, n, x, y0);
      b[k].softmax_rows(3, n, x, y1);
      CHECK(!memcmp(y0, y1, (size_t)(3 * n) * sizeof *y0), "%s softmax rows of %lld differ from scalar", b[k].name,
            (long long)n);
    }
    printf("%s: gelu, exp and softmax bit-identical to scalar on 47 lengths (softmax 43)\n", b[k].name);
    (void)same;
  }
}

/* GELU on lengths past the AVX-512 build's block of 1024 (its passes per block), with
 * inputs all in one of erf's ranges (a block with no middle lane, or only middle lanes)
 * and mixed: bit-identical to the scalar build. */
static void test_gelu_long(const build_t *b, int nb) {
  enum { N = 3 * 1024 + 77 };
  static float x[N], y0[N], y1[N];
  const float scale[] = {1.3f, 4.0f, 5.5f, 12.0f}; /* |x / sqrt 2| < 1; mixed; mostly middle; mixed */
  for (int k = 1; k < nb; k++) {
    if (!b[k].supported) continue;
    for (int s = 0; s < 5; s++) {
      for (int i = 0; i < N; i++)
        x[i] = s < 4 ? scale[s] * rng_f() : (rng_f() < 0 ? -1.0f : 1.0f) * (1.5f + 3.9f * (rng_f() + 1.0f) * 0.5f);
      if (s == 3) fill_special(x + 2000, 300);
      for (int64_t n = N - 100; n <= N; n += 33) {
        b[0].gelu(n, x, y0);
        b[k].gelu(n, x, y1);
        CHECK(!memcmp(y0, y1, (size_t)n * sizeof *y0), "%s gelu n=%lld (inputs %d) differs from scalar", b[k].name,
              (long long)n, s);
      }
    }
    /* exp of x - 0 all in [-87.3365, 0] (the avx512f build's path without selects), and
     * straddling the underflow bound -87.3365 */
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < N; i++) x[i] = s ? -88.0f + 1.5f * rng_f() : -87.3365f * 0.5f * (rng_f() + 1.0f);
      const double s0 = b[0].exp_sum(N, x, 0.0f, y0), s1 = b[k].exp_sum(N, x, 0.0f, y1);
      CHECK(s0 == s1 && !memcmp(y0, y1, sizeof y0), "%s exp (range %d) differs from scalar", b[k].name, s);
    }
    printf("%s: gelu bit-identical to scalar on 5 input ranges x 4 lengths around %d, exp on 2\n", b[k].name, N);
  }
}

/* Softmax rows (scalar build, the reference): against double precision, and
 * the undefined rows (a NaN or +inf element) all NaN; -inf gives 0. */
static void test_softmax_rows(void) {
  enum { N = 131 };
  float x[4 * N], y[4 * N];
  for (int i = 0; i < 4 * N; i++) x[i] = 20.0f * rng_f();
  x[N + 5] = NAN, x[2 * N + 9] = INFINITY, x[3 * N + 1] = -INFINITY;
  qrt_f32_softmax_rows__scalar(4, N, x, y);
  for (int r = 0; r < 4; r += 3) {
    float mx = -INFINITY; /* x - max in float, as the kernel (the difference may round) */
    double sum = 0, worst = 0;
    for (int i = 0; i < N; i++) mx = fmaxf(mx, x[r * N + i]);
    for (int i = 0; i < N; i++) sum += exp((double)(x[r * N + i] - mx));
    for (int i = 0; i < N; i++) {
      const double want = exp((double)(x[r * N + i] - mx)) / sum;
      worst = fmax(worst, fabs((double)y[r * N + i] - want) / ulp_of(want));
    }
    CHECK(worst <= 4.0, "softmax row %d: %.2f ulp from double", r, worst);
  }
  int nan_rows = 1;
  for (int i = N; i < 3 * N; i++) nan_rows &= isnan(y[i]);
  CHECK(nan_rows, "rows with NaN or +inf are not all NaN");
  CHECK(y[3 * N + 1] == 0.0f, "softmax of -inf = %g", y[3 * N + 1]);
}

/* The public kernels under each ISA limit give the scalar limit's bytes. */
static void test_public_levels(void) {
  enum { N = 4 * 131 };
  static float x[N], y0[N], y1[N];
  fill_special(x, N);
  const qrt_isa_t levels[] = {QRT_ISA_SCALAR, QRT_ISA_AVX2_FMA, QRT_ISA_AVX512F, QRT_ISA_NATIVE};
  qrt_isa_t prev = qrt_set_isa_limit(QRT_ISA_SCALAR);
  CHECK_OK(qrt_f32_unary(QRT_UNARY_GELU, 0, 0, N, x, y0));
  for (int l = 1; l < 4; l++) {
    qrt_set_isa_limit(levels[l]);
    CHECK_OK(qrt_f32_unary(QRT_UNARY_GELU, 0, 0, N, x, y1));
    CHECK(!memcmp(y0, y1, sizeof y0), "GELU at limit %s differs from scalar", qrt_isa_name(levels[l]));
  }
  for (int i = 0; i < N; i++) x[i] = 20.0f * rng_f();
  x[7] = -INFINITY; /* a masked position */
  qrt_set_isa_limit(QRT_ISA_SCALAR);
  CHECK_OK(qrt_f32_softmax(4, 131, 1, x, y0));
  for (int l = 1; l < 4; l++) {
    qrt_set_isa_limit(levels[l]);
    CHECK_OK(qrt_f32_softmax(4, 131, 1, x, y1));
    CHECK(!memcmp(y0, y1, sizeof y0), "softmax at limit %s differs from scalar", qrt_isa_name(levels[l]));
  }
  CHECK(y0[7] == 0.0f, "softmax of -inf = %g", y0[7]);
  qrt_set_isa_limit(prev);
}

int main(void) {
  build_t b[] = {
      {"scalar", qrt_f32_gelu_erf__scalar, qrt_f32_exp_shifted_sum__scalar, qrt_f32_softmax_rows__scalar, 1},
#if defined(__x86_64__)
      {"avx2_fma", qrt_f32_gelu_erf__avx2_fma, qrt_f32_exp_shifted_sum__avx2_fma, qrt_f32_softmax_rows__avx2_fma,
       __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
      {"avx512f", qrt_f32_gelu_erf__avx512f, qrt_f32_exp_shifted_sum__avx512f, qrt_f32_softmax_rows__avx512f,
       __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")},
#endif
  };
  test_exp_accuracy();
  test_gelu_accuracy();
  test_softmax_rows();
  test_builds_bit_exact(b, (int)(sizeof b / sizeof b[0]));
  test_gelu_long(b, (int)(sizeof b / sizeof b[0]));
  test_public_levels();
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures != 0;
}
