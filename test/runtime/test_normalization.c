/* Softmax / LogSoftmax / LayerNorm / BatchNorm against double-precision
 * references; softmax rows sum to 1. Tolerances: a few float ulps of the
 * result (each output is a handful of roundings away from the exact value). */
#include "test_util.h"

static void test_softmax(void) {
  const int64_t outer = 3, axis = 7, inner = 5, n = outer * axis * inner;
  float x[105], y[105], ly[105], r[105], lr[105];
  fill_rand(x, n);
  for (int i = 0; i < n; i++) x[i] *= 20.0f; /* exercise the max subtraction */
  CHECK_OK(qrt_f32_softmax(outer, axis, inner, x, y));
  CHECK_OK(qrt_f32_log_softmax(outer, axis, inner, x, ly));
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      double mx = -INFINITY, s = 0, ysum = 0;
      for (int64_t a = 0; a < axis; a++) mx = fmax(mx, x[(o * axis + a) * inner + i]);
      for (int64_t a = 0; a < axis; a++) s += exp(x[(o * axis + a) * inner + i] - mx);
      for (int64_t a = 0; a < axis; a++) {
        const int64_t f = (o * axis + a) * inner + i;
        r[f] = (float)(exp(x[f] - mx) / s);
        lr[f] = (float)(x[f] - mx - log(s));
        ysum += y[f];
      }
      CHECK(fabs(ysum - 1.0) < 1e-5, "softmax row (%lld,%lld) sums to %.9g", (long long)o,
            (long long)i, ysum);
    }
  const int64_t shape[3] = {outer, axis, inner};
  expect_near("softmax", 3, shape, y, r, NULL, 4e-7f);
  expect_near("log_softmax", 3, shape, ly, lr, NULL, 1e-5f);
  /* in place */
  CHECK_OK(qrt_f32_softmax(outer, axis, inner, x, x));
  expect_equal("softmax in place", 3, shape, x, y);
}

static void test_layer_norm(void) {
  const int64_t outer = 4, inner = 33;
  float x[132], y[132], r[132], sc[33], bi[33], mean[4], inv[4];
  fill_rand(x, outer * inner);
  fill_rand(sc, inner);
  fill_rand(bi, inner);
  for (int i = 0; i < 132; i++) x[i] = x[i] * 3.0f + 100.0f; /* large mean: two-pass matters */
  CHECK_OK(qrt_f32_layer_norm(outer, inner, x, sc, bi, 1e-5f, y, mean, inv));
  for (int64_t o = 0; o < outer; o++) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < inner; i++) m += x[o * inner + i];
    m /= inner;
    for (int64_t i = 0; i < inner; i++) v += (x[o * inner + i] - m) * (x[o * inner + i] - m);
    v /= inner;
    for (int64_t i = 0; i < inner; i++)
      r[o * inner + i] = (float)((x[o * inner + i] - m) / sqrt(v + 1e-5) * sc[i] + bi[i]);
    CHECK(fabs(mean[o] - m) < 1e-4, "layer_norm mean row %lld", (long long)o);
  }
  const int64_t shape[2] = {outer, inner};
  /* (x - mean) loses ~log2(100/3) bits to cancellation: tolerance 1e-4 */
  expect_near("layer_norm", 2, shape, y, r, NULL, 1e-4f);
  CHECK_OK(qrt_f32_layer_norm(outer, inner, x, sc, NULL, 1e-5f, y, NULL, NULL));
  for (int i = 0; i < 132; i++) r[i] -= bi[i % 33];
  expect_near("layer_norm no bias", 2, shape, y, r, NULL, 1e-4f);
}

/* LayerNorm's builds (f32_layer_norm.inl: portable, avx2_fma, avx512f) give the
 * same bytes under every ISA limit, on row lengths with tails of the 8 partial
 * sums and of the vectors, with and without bias, large means. */
static void test_layer_norm_levels(void) {
  qrt_isa_t lv[QRT_TEST_MAX_ISAS];
  const int nl = isa_levels(lv);
  static float x[5 * 301], y0[5 * 301], y1[5 * 301], sc[301], bi[301];
  float m0[5], m1[5], i0[5], i1[5];
  int bad = 0;
  for (int64_t inner = 1; inner <= 301; inner += inner < 40 ? 1 : 29) {
    fill_rand(x, 5 * inner);
    fill_rand(sc, inner);
    fill_rand(bi, inner);
    for (int64_t i = 0; i < 5 * inner; i++) x[i] = x[i] * 4.0f + (float)(i / inner) * 50.0f;
    for (int li = 0; li < nl; li++) {
      const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
      CHECK_OK(qrt_f32_layer_norm(5, inner, x, sc, inner % 2 ? bi : NULL, 1e-5f, li ? y1 : y0, li ? m1 : m0,
                                  li ? i1 : i0));
      qrt_set_isa_limit(prev);
      if (li && (memcmp(y0, y1, (size_t)(5 * inner) * sizeof *y0) || memcmp(m0, m1, sizeof m0) ||
                 memcmp(i0, i1, sizeof i0)) && bad++ < 5)
        fprintf(stderr, "layer_norm inner %lld at %s differs from scalar\n", (long long)inner, qrt_isa_name(lv[li]));
    }
  }
  CHECK(bad == 0, "layer_norm on every ISA level: %d mismatches", bad);
}

static void test_batch_norm(void) {
  const int64_t n = 2, c = 3, sp = 10;
  float x[60], y[60], r[60];
  const float sc[3] = {1, 2, 0.5f}, bi[3] = {0, 1, -1}, mu[3] = {0.1f, -0.2f, 0.3f},
              var[3] = {1, 4, 0.25f};
  fill_rand(x, 60);
  CHECK_OK(qrt_f32_batch_norm(n, c, sp, x, sc, bi, mu, var, 1e-5f, y));
  for (int i = 0; i < 60; i++) {
    const int ch = (i / 10) % 3;
    r[i] = (float)((x[i] - mu[ch]) / sqrt(var[ch] + 1e-5) * sc[ch] + bi[ch]);
  }
  const int64_t shape[3] = {n, c, sp};
  expect_near("batch_norm", 3, shape, y, r, NULL, 2e-6f);
}

int main(void) {
  test_softmax();
  test_layer_norm();
  test_layer_norm_levels();
  test_batch_norm();
  return test_finish("runtime.normalization");
}
