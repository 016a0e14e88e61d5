/* exp and erf for the float kernels that call them per element (GELU, softmax),
 * written so GCC vectorizes the loops, and so that every build of them gives the
 * same bits: included by f32_transcend__scalar.c (vectorized for the baseline,
 * SSE2 or NEON), __avx2_fma.c and __avx512f.c, each defining QRT_TR_SUFFIX. The
 * results depend only on IEEE single operations (+ - * /, compare/select,
 * exact int<->float conversions of integral values): libqrt is compiled with
 * -ffp-contract=off and without -ffast-math, so no FMA or reassociation can
 * change a result, whatever vector width the compiler picks. The double sums
 * of the softmax are kept in 16 lanes (element i in lane i % 16), combined in
 * a fixed order.
 *
 * Accuracy (test/runtime/test_transcend.c measures it against libm's double
 * exp and erf): qrt_tr_exp within 2 ulp for x in [-87.3, 88.7] (below: 0, where
 * libm's results are subnormal, under 2^-126; above: +inf); qrt_tr_erf within 4 ulp (relative,
 * and 1e-7 absolute near 0.85 where erf's error is the 1 - erfc cancellation).
 *
 * exp(x) = 2^n * p(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 split in a
 * high part with 8 trailing zero bits, so n * hi is exact for |n| <= 128, and
 * a low part), |r| <= 0.347, p the degree-7 Taylor polynomial (truncation
 * below 6e-9 relative). n is rounded by adding and subtracting 1.5 * 2^23.
 * erf(x) = x * P(x^2) for |x| < 1 (P degree 6, least squares, 4e-9 relative);
 * sign(x) * (1 - exp(-x^2) * H(1/|x|)) for 1 <= |x| < 3.92 (H degree 10,
 * fitted to erfc(x) exp(x^2), 1e-8 relative); sign(x) for |x| >= 3.92, where
 * erfc(x) < 2^-25. Coefficients fitted with numpy by least squares on 40001
 * points (tools/fit_transcend.py). */
#include <stdint.h>
#include <string.h>

#define QRT_TR_CAT2(a, b) a##__##b
#define QRT_TR_CAT(a, b) QRT_TR_CAT2(a, b)
#define QRT_TR_NAME(name) QRT_TR_CAT(name, QRT_TR_SUFFIX)

static inline float qrt_tr_exp(float x) {
  const float xs = x != x ? 0.0f : x; /* NaN must not reach the int conversion */
  const float xc = xs < -87.3365f ? -87.3365f : (xs > 88.7228f ? 88.7228f : xs);
  const float shifter = 12582912.0f; /* 1.5 * 2^23 */
  const float n = (xc * 1.44269504f + shifter) - shifter;
  const float r = (xc - n * 0.693145752f) - n * 1.42860677e-6f;
  float p = 1.98412698e-4f; /* 1/7! */
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t e = (int32_t)n + 127; /* n in [-126, 128]: the exponent field, 1..255 */
  const int32_t bits = e > 254 ? 254 << 23 : e << 23;
  float s;
  memcpy(&s, &bits, sizeof s);
  float y = p * s;
  if (e > 254) y = y * 2.0f; /* 2^128 does not exist as a scale: split it */
  y = xs > 88.7228f ? (float)INFINITY : y;
  y = xs < -87.3365f ? 0.0f : y;
  return x != x ? x : y;
}

static inline float qrt_tr_erf(float x) {
  const float a = x < 0.0f ? -x : x;
  /* |x| < 1 */
  const float t = x * x;
  float ps = 7.971125888e-05f;
  ps = ps * t - 8.043394773e-04f;
  ps = ps * t + 5.191835109e-03f;
  ps = ps * t - 2.685550973e-02f;
  ps = ps * t + 1.128362194e-01f;
  ps = ps * t - 3.761262894e-01f;
  ps = ps * t + 1.128379107e+00f;
  const float small = x * ps;
  /* 1 <= |x| < 3.92 */
  const float ac = a < 1.0f ? 1.0f : (a > 3.92f ? 3.92f : a); /* also keeps NaN out of the division */
  const float u = 1.0f / ac;
  float h = -3.890537098e-02f;
  h = h * u + 2.681558430e-01f;
  h = h * u - 8.180251122e-01f;
  h = h * u + 1.432364821e+00f;
  h = h * u - 1.529065490e+00f;
  h = h * u + 9.005061984e-01f;
  h = h * u - 6.863041222e-02f;
  h = h * u - 2.857256234e-01f;
  h = h * u + 3.189219162e-03f;
  h = h * u + 5.636918545e-01f;
  h = h * u + 2.770466745e-05f;
  const float big = 1.0f - qrt_tr_exp(-(ac * ac)) * h;
  const float mag = a >= 3.92f ? 1.0f : big;
  const float large = x < 0.0f ? -mag : mag;
  return a < 1.0f ? small : (x != x ? x : large);
}

/* y[i] = 0.5 x (1 + erf(x / sqrt 2)) */
void QRT_TR_NAME(qrt_f32_gelu_erf)(int64_t n, const float *x, float *y) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + qrt_tr_erf(v * 0.707106781f));
  }
}

/* y[i] = exp(x[i] - mx); returns the sum of the y[i] in double, in 16 lanes. */
double QRT_TR_NAME(qrt_f32_exp_shifted_sum)(int64_t n, const float *x, float mx, float *y) {
  double lane[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) {
      const float e = qrt_tr_exp(x[i + j] - mx);
      y[i + j] = e;
      lane[j] += (double)e;
    }
  for (int j = 0; i + j < n; j++) {
    const float e = qrt_tr_exp(x[i + j] - mx);
    y[i + j] = e;
    lane[j] += (double)e;
  }
  double s = 0.0;
  for (int j = 0; j < 16; j++) s += lane[j];
  return s;
}
