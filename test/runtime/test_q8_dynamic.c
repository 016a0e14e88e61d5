/* Dynamic quantization: ONNX DynamicQuantizeLinear (qrt_q8_dynamic_quantize_linear)
 * and per-row quantization of activations (qrt_q8_dynamic_quantize_rows) against
 * the formulas spelled out here (the ONNX reference implementation's steps in
 * float32), hand-computed cases (all zero, one-sided ranges, NaN and Inf
 * elements), and a check that every finite value dequantizes within scale/2.
 * The per-row form quantizes with q8_ew.c's QuantizeLinear row kernels: on
 * every ISA level, random shapes with tails (and NaN, Inf, huge and tiny
 * values) give the bytes of qrt_quantize_f32_scalar and of the scalar level. */
#include "qrt/qrt_q8.h"
#include "test_util.h"

/* The asymmetric formula for [qmin, qmax], finite elements only. */
static void ref_params(const float *x, int64_t n, int32_t qmin, int32_t qmax, float *scale, int32_t *zp) {
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) continue;
    lo = fminf(lo, x[i]);
    hi = fmaxf(hi, x[i]);
  }
  const float range = hi == lo ? 1.0f : hi - lo;
  const float s = range / (float)(qmax - qmin);
  const float q = lo / s;
  const float z = (float)qmin - q;
  *scale = s;
  *zp = (int32_t)nearbyintf(fminf(fmaxf(z, (float)qmin), (float)qmax));
}
static int32_t ref_quantize(float x, float s, int32_t zp, int32_t lo, int32_t hi) {
  const float q = x / s;
  if (q != q) return zp;
  const float r = nearbyintf(q);
  const double v = (double)r + zp;
  return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static void test_onnx_linear(void) {
  /* the ONNX example: [0, 2, -3, -2.5, 1.34, 0.5] -> scale 5/255, zp 153 */
  const float x[6] = {0, 2, -3, -2.5f, 1.34f, 0.5f};
  uint8_t y[6], zp = 0;
  float s = 0;
  CHECK_OK(qrt_q8_dynamic_quantize_linear(6, x, y, &s, &zp));
  const uint8_t want[6] = {153, 255, 0, 26, 221, 179};
  CHECK(s == 5.0f / 255.0f && zp == 153, "scale %a zp %d", (double)s, zp);
  for (int i = 0; i < 6; i++) CHECK(y[i] == want[i], "y[%d] = %d, want %d", i, y[i], want[i]);
  /* all zero: scale 1/255 (the ONNX reference's 1.0 / 255), zp 0 */
  const float z[3] = {0, -0.0f, 0};
  CHECK_OK(qrt_q8_dynamic_quantize_linear(3, z, y, &s, &zp));
  CHECK(s == 1.0f / 255.0f && zp == 0 && y[0] == 0 && y[1] == 0 && y[2] == 0, "all zero: scale %a zp %d", (double)s, zp);
  /* empty */
  CHECK_OK(qrt_q8_dynamic_quantize_linear(0, NULL, NULL, &s, &zp));
  CHECK(s == 1.0f / 255.0f && zp == 0, "empty: scale %a zp %d", (double)s, zp);
  /* only positive: lo = 0, zp 0; only negative: zp 255 */
  const float pos[2] = {1.0f, 2.55f};
  CHECK_OK(qrt_q8_dynamic_quantize_linear(2, pos, y, &s, &zp));
  CHECK(zp == 0 && s == 2.55f / 255.0f && y[1] == 255 && y[0] == 100, "positive: %a %d %d %d", (double)s, zp, y[0], y[1]);
  const float neg[2] = {-1.0f, -2.55f};
  CHECK_OK(qrt_q8_dynamic_quantize_linear(2, neg, y, &s, &zp));
  CHECK(zp == 255 && y[1] == 0 && y[0] == 155, "negative: %d %d %d", zp, y[0], y[1]);
  /* NaN and Inf do not widen the range; NaN -> zp, Inf saturates */
  const float odd[5] = {NAN, -1.0f, 1.0f, INFINITY, -INFINITY};
  CHECK_OK(qrt_q8_dynamic_quantize_linear(5, odd, y, &s, &zp));
  /* 2/255 rounds up in float32, so 1 / scale = 127.49999 -> 127: zp 127, 1 -> 127 + 127 */
  CHECK(s == 2.0f / 255.0f && zp == 127, "non-finite: scale %a zp %d", (double)s, zp);
  CHECK(y[0] == 127 && y[1] == 0 && y[2] == 254 && y[3] == 255 && y[4] == 0, "non-finite: %d %d %d %d %d", y[0], y[1],
        y[2], y[3], y[4]);
  /* a range that underflows the scale to 0 (hi = 2^-149, lo = 0): 0/0 zero point -> 0 */
  const float tiny[2] = {0x1p-149f, 0.0f};
  CHECK_OK(qrt_q8_dynamic_quantize_linear(2, tiny, y, &s, &zp));
  CHECK(s == 0.0f && zp == 0 && y[0] == 255 && y[1] == 0, "underflow: scale %a zp %d y %d %d", (double)s, zp, y[0], y[1]);
  CHECK(qrt_q8_dynamic_quantize_linear(-1, x, y, &s, &zp) == QRT_INVALID_ARGUMENT, "n < 0");
}

static void test_random_linear(void) {
  int bad = 0;
  for (int c = 0; c < 300; c++) {
    const int64_t n = rng_range(1, 200);
    const float mag = ldexpf(1.0f, (int)rng_range(-20, 20));
    const float shift = (float)((int)(rng_u32() % 3) - 1) * mag; /* ranges left of, around, right of 0 */
    float *x = malloc((size_t)n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = rng_f() * mag + shift;
    uint8_t *y = malloc((size_t)n), zp;
    float s;
    CHECK_OK(qrt_q8_dynamic_quantize_linear(n, x, y, &s, &zp));
    float ws;
    int32_t wz;
    ref_params(x, n, 0, 255, &ws, &wz);
    if (memcmp(&s, &ws, 4) || zp != wz) {
      bad++;
      fprintf(stderr, "FAIL dynamic case %d: scale %a zp %d, want %a %d\n", c, (double)s, zp, (double)ws, wz);
    }
    for (int64_t i = 0; i < n; i++) {
      if (y[i] != ref_quantize(x[i], ws, wz, 0, 255)) {
        bad++;
        fprintf(stderr, "FAIL dynamic case %d [%lld]: %d\n", c, (long long)i, y[i]);
        break;
      }
      /* every value lies inside the range: dequantizes within scale/2 (+ rounding of the scale) */
      const double back = ((double)y[i] - zp) * s;
      if (fabs(back - x[i]) > 0.5 * s + 1e-5 * fabs(x[i]) + 1e-30) {
        bad++;
        fprintf(stderr, "FAIL dynamic case %d [%lld]: %.9g -> %d -> %.9g (scale %g)\n", c, (long long)i, x[i], y[i],
                back, s);
        break;
      }
    }
    free(x), free(y);
  }
  CHECK(bad == 0, "%d dynamic quantize mismatches", bad);
}

static void test_rows(void) {
  /* per row, u8: each row its own range; equal to DynamicQuantizeLinear row by row */
  const int64_t rows = 5, cols = 37;
  float x[5 * 37];
  for (int64_t i = 0; i < rows * cols; i++) x[i] = rng_f() * (float)(1 + i / cols) + (float)(i / cols) * 0.3f;
  for (int64_t i = 0; i < cols; i++) x[2 * cols + i] = 0.0f; /* an all-zero row */
  uint8_t yu[5 * 37], y1[37], z1;
  float s[5], s1;
  int32_t zp[5];
  CHECK_OK(qrt_q8_dynamic_quantize_rows(QRT_DTYPE_U8, 0, rows, cols, x, yu, s, zp));
  for (int64_t r = 0; r < rows; r++) {
    CHECK_OK(qrt_q8_dynamic_quantize_linear(cols, x + r * cols, y1, &s1, &z1));
    CHECK(s[r] == s1 && zp[r] == z1 && memcmp(y1, yu + r * cols, (size_t)cols) == 0, "u8 row %lld differs", (long long)r);
  }
  /* s8 asymmetric: [qmin, qmax] = [-128, 127] */
  int8_t ys[5 * 37];
  CHECK_OK(qrt_q8_dynamic_quantize_rows(QRT_DTYPE_I8, 0, rows, cols, x, ys, s, zp));
  int bad = 0;
  for (int64_t r = 0; r < rows; r++) {
    float ws;
    int32_t wz;
    ref_params(x + r * cols, cols, -128, 127, &ws, &wz);
    if (ws != s[r] || wz != zp[r]) bad++;
    for (int64_t i = 0; i < cols; i++)
      if (ys[r * cols + i] != ref_quantize(x[r * cols + i], ws, wz, -128, 127)) bad++;
  }
  CHECK(bad == 0, "s8 asymmetric rows: %d mismatches", bad);
  CHECK(s[2] == 1.0f / 255.0f && zp[2] == -128, "all-zero s8 row: %a %d", (double)s[2], zp[2]);
  /* s8 symmetric: scale amax / 127, zp 0, values in [-127, 127] */
  CHECK_OK(qrt_q8_dynamic_quantize_rows(QRT_DTYPE_I8, 1, rows, cols, x, ys, s, zp));
  bad = 0;
  for (int64_t r = 0; r < rows; r++) {
    float amax = 0;
    for (int64_t i = 0; i < cols; i++) amax = fmaxf(amax, fabsf(x[r * cols + i]));
    const float ws = (amax == 0.0f ? 1.0f : amax) / 127.0f;
    if (ws != s[r] || zp[r] != 0) bad++;
    for (int64_t i = 0; i < cols; i++) {
      if (ys[r * cols + i] != ref_quantize(x[r * cols + i], ws, 0, -127, 127)) bad++;
      if (ys[r * cols + i] == -128) bad++;
    }
  }
  CHECK(bad == 0, "s8 symmetric rows: %d mismatches", bad);
  /* hand: row [-2, 1, 0.5] symmetric: scale 2/127; -2 -> -127, 1 -> 63.5 -> 64, 0.5 -> 31.75 -> 32 */
  const float h[3] = {-2.0f, 1.0f, 0.5f};
  int8_t yh[3];
  CHECK_OK(qrt_q8_dynamic_quantize_rows(QRT_DTYPE_I8, 1, 1, 3, h, yh, s, zp));
  CHECK(s[0] == 2.0f / 127.0f && yh[0] == -127 && yh[1] == 64 && yh[2] == 32, "hand symmetric: %d %d %d", yh[0], yh[1], yh[2]);
  CHECK(qrt_q8_dynamic_quantize_rows(QRT_DTYPE_U8, 1, 1, 3, h, yh, s, zp) == QRT_INVALID_ARGUMENT, "symmetric u8");
  CHECK(qrt_q8_dynamic_quantize_rows(QRT_DTYPE_F32, 0, 1, 3, h, yh, s, zp) == QRT_INVALID_ARGUMENT, "f32");
}

/* Every ISA level against the per-element reference and the scalar level. */
static void test_rows_isa(void) {
  qrt_isa_t lv[QRT_TEST_MAX_ISAS];
  const int nl = isa_levels(lv);
  int bad = 0, cases = 0;
  for (int c = 0; c < 60; c++) {
    const int64_t rows = rng_range(1, 9), cols = rng_range(1, c % 4 == 0 ? 700 : 70);
    const int symmetric = c % 3 == 0;
    const qrt_dtype_t type = symmetric || c % 2 ? QRT_DTYPE_I8 : QRT_DTYPE_U8;
    int32_t qmin, qmax;
    qrt_q8_type_range(type, &qmin, &qmax);
    if (symmetric) qmin = -127;
    float *x = malloc((size_t)(rows * cols) * sizeof *x);
    for (int64_t i = 0; i < rows * cols; i++) {
      x[i] = rng_f() * (float)(1 + (i / cols) * 7);
      const int64_t sp = rng_range(0, 199);
      if (sp == 0) x[i] = NAN;
      else if (sp == 1) x[i] = INFINITY;
      else if (sp == 2) x[i] = -INFINITY;
      else if (sp == 3) x[i] = 1e30f;
      else if (sp == 4) x[i] = 1e-30f;
      /* rows of one sign (the range's bound at 0 is then the reference's) */
      if (c % 5 == 1 && x[i] == x[i]) x[i] = fabsf(x[i]) + 3.0f;
      if (c % 5 == 2 && x[i] == x[i]) x[i] = -fabsf(x[i]) - 3.0f;
    }
    if (c % 7 == 3) x[rows * cols - 1] = c % 2 ? 5e3f : -5e3f; /* the extreme in the last row's tail */
    uint8_t *ref = malloc((size_t)(rows * cols)), *y = malloc((size_t)(rows * cols));
    float *s = malloc((size_t)rows * sizeof *s), *s0 = malloc((size_t)rows * sizeof *s0);
    int32_t *z = malloc((size_t)rows * sizeof *z), *z0 = malloc((size_t)rows * sizeof *z0);
    for (int li = 0; li < nl; li++) {
      const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
      memset(y, 0xa5, (size_t)(rows * cols));
      CHECK_OK(qrt_q8_dynamic_quantize_rows(type, symmetric, rows, cols, x, y, s, z));
      qrt_set_isa_limit(prev);
      if (li == 0) {
        memcpy(ref, y, (size_t)(rows * cols));
        memcpy(s0, s, (size_t)rows * sizeof *s), memcpy(z0, z, (size_t)rows * sizeof *z);
        for (int64_t r = 0; r < rows; r++)
          for (int64_t i = 0; i < cols; i++) {
            const int32_t q = qrt_quantize_f32_scalar(x[r * cols + i], s[r], z[r], qmin, qmax);
            if (qrt_q8_load(type, y, r * cols + i) != q) bad++;
          }
      } else if (memcmp(y, ref, (size_t)(rows * cols)) || memcmp(s, s0, (size_t)rows * sizeof *s) ||
                 memcmp(z, z0, (size_t)rows * sizeof *z)) {
        if (bad++ < 5)
          fprintf(stderr, "quantize rows case %d (%lld x %lld, %s%s): %s differs from scalar\n", c, (long long)rows,
                  (long long)cols, type == QRT_DTYPE_I8 ? "s8" : "u8", symmetric ? " symmetric" : "",
                  qrt_isa_name(lv[li]));
      }
      cases++;
    }
    free(x), free(ref), free(y), free(s), free(s0), free(z), free(z0);
  }
  CHECK(bad == 0, "quantize rows on every ISA level: %d mismatches", bad);
  printf("quantize rows: %d cases over %d ISA levels\n", cases, nl);
}

int main(void) {
  test_onnx_linear();
  test_rows_isa();
  test_random_linear();
  test_rows();
  return test_finish("q8_dynamic");
}
