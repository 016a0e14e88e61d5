/* exp and erf for the float kernels that call them per element (GELU, softmax),
 * written so that every build of them gives the same bits: included by
 * f32_transcend__scalar.c (the reference: one element at a time, in plain C),
 * __avx2_fma.c and __avx512f.c (QRT_TR_VECTOR: 8 and 16 elements at a time in GCC
 * vector types, the reference's operations lane by lane, tails through the
 * reference's per-element functions), each defining QRT_TR_SUFFIX. The results
 * depend only on IEEE single operations (+ - * /, compare/select, exact
 * int<->float conversions of integral values): libqrt is compiled with
 * -ffp-contract=off and without -ffast-math, so no FMA or reassociation can
 * change a result, whatever vector width the compiler picks. (GCC 12 does not
 * vectorize the per-element loops by itself: the selects on floats would be
 * conditional float operations, which -ftrapping-math keeps as branches; hence
 * the explicit vectors.) The double sums of the softmax are kept in 16 lanes
 * (element i in lane i % 16), combined in a fixed order.
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

static inline float qrt_tr_gelu(float v) { return 0.5f * v * (1.0f + qrt_tr_erf(v * 0.707106781f)); }

#if defined(QRT_TR_VECTOR)
/* ---- the same operations on 8 or 16 lanes ------------------------------------------- */
/* (the helpers are always inlined: no 64-byte vector crosses a call, whatever the ISA) */
#pragma GCC diagnostic ignored "-Wpsabi"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
/* 16 lanes with AVX-512, 8 with AVX2 (GCC splits 64-byte vectors on AVX2 poorly:
 * the 16-lane avx2_fma build was 6x slower per element than the avx512f one) */
#if defined(__AVX512F__)
#define QRT_TR_LANES 16
#else
#define QRT_TR_LANES 8
#endif
typedef float qrt_tr_vf __attribute__((vector_size(4 * QRT_TR_LANES)));
typedef int32_t qrt_tr_vi __attribute__((vector_size(4 * QRT_TR_LANES)));
typedef double qrt_tr_vd __attribute__((vector_size(64))); /* 8 lanes */

static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_load(const float *p) {
  qrt_tr_vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline __attribute__((always_inline)) void qrt_tr_store(float *p, qrt_tr_vf v) { memcpy(p, &v, sizeof v); }
static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_splat(float v) {
#if QRT_TR_LANES == 16
  return (qrt_tr_vf){v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v};
#else
  return (qrt_tr_vf){v, v, v, v, v, v, v, v};
#endif
}
/* m ? a : b, lane by lane (m from a vector comparison: all ones or zero). With
 * AVX-512 one masked blend (GCC keeps the comparison in a mask register);
 * elsewhere the bitwise form, which GCC does not turn into a blend by itself. */
static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_sel(qrt_tr_vi m, qrt_tr_vf a, qrt_tr_vf b) {
#if defined(__AVX512F__) && defined(__AVX512DQ__)
  return (qrt_tr_vf)_mm512_mask_blend_ps(_mm512_movepi32_mask((__m512i)m), (__m512)b, (__m512)a);
#else
  return (qrt_tr_vf)((m & (qrt_tr_vi)a) | (~m & (qrt_tr_vi)b));
#endif
}
#if QRT_TR_LANES == 16
/* lanes 0-7 or 8-15 as doubles (exact) */
static inline __attribute__((always_inline)) qrt_tr_vd qrt_tr_lo_pd(qrt_tr_vf v) {
  return (qrt_tr_vd)_mm512_cvtps_pd(_mm512_castps512_ps256((__m512)v));
}
static inline __attribute__((always_inline)) qrt_tr_vd qrt_tr_hi_pd(qrt_tr_vf v) {
  return (qrt_tr_vd)_mm512_cvtps_pd(_mm512_extractf32x8_ps((__m512)v, 1));
}
#endif

static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_exp_v(qrt_tr_vf x) {
  const qrt_tr_vf zero = qrt_tr_splat(0.0f), lo = qrt_tr_splat(-87.3365f), hi = qrt_tr_splat(88.7228f);
  const qrt_tr_vi nan = x != x;
  const qrt_tr_vf xs = qrt_tr_sel(nan, zero, x);
  const qrt_tr_vi below = xs < lo, above = xs > hi;
  const qrt_tr_vf xc = qrt_tr_sel(below, lo, qrt_tr_sel(above, hi, xs));
  const qrt_tr_vf shifter = qrt_tr_splat(12582912.0f);
  const qrt_tr_vf n = (xc * 1.44269504f + shifter) - shifter;
  const qrt_tr_vf r = (xc - n * 0.693145752f) - n * 1.42860677e-6f;
  qrt_tr_vf p = qrt_tr_splat(1.98412698e-4f);
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const qrt_tr_vi e = __builtin_convertvector(n, qrt_tr_vi) + 127;
  const qrt_tr_vi big = e > 254;
  const qrt_tr_vi bits = (big & (254 << 23)) | (~big & (e << 23));
  qrt_tr_vf y = p * (qrt_tr_vf)bits;
  y = qrt_tr_sel(big, y * 2.0f, y);
  y = qrt_tr_sel(above, qrt_tr_splat((float)INFINITY), y);
  y = qrt_tr_sel(below, zero, y);
  return qrt_tr_sel(nan, x, y);
}

/* qrt_tr_exp_v for lanes known to lie in [-87.3365, 88] (not NaN): its selects
 * are identities there (no clamp, no 2^128 split, no special value), so these
 * are its operations and its bits. */
static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_exp_inrange_v(qrt_tr_vf x) {
  const qrt_tr_vf shifter = qrt_tr_splat(12582912.0f);
  const qrt_tr_vf n = (x * 1.44269504f + shifter) - shifter;
  const qrt_tr_vf r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
  qrt_tr_vf p = qrt_tr_splat(1.98412698e-4f);
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const qrt_tr_vi bits = (__builtin_convertvector(n, qrt_tr_vi) + 127) << 23;
  return p * (qrt_tr_vf)bits;
}

static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_erf_v(qrt_tr_vf x) {
  const qrt_tr_vf zero = qrt_tr_splat(0.0f), one = qrt_tr_splat(1.0f), cut = qrt_tr_splat(3.92f);
  const qrt_tr_vi neg = x < zero;
  const qrt_tr_vf a = qrt_tr_sel(neg, -x, x);
  const qrt_tr_vf t = x * x;
  qrt_tr_vf ps = qrt_tr_splat(7.971125888e-05f);
  ps = ps * t - 8.043394773e-04f;
  ps = ps * t + 5.191835109e-03f;
  ps = ps * t - 2.685550973e-02f;
  ps = ps * t + 1.128362194e-01f;
  ps = ps * t - 3.761262894e-01f;
  ps = ps * t + 1.128379107e+00f;
  const qrt_tr_vf small = x * ps;
  const qrt_tr_vi lt1 = a < one;
  const qrt_tr_vf ac = qrt_tr_sel(lt1, one, qrt_tr_sel(a > cut, cut, a));
  const qrt_tr_vf u = one / ac;
  qrt_tr_vf h = qrt_tr_splat(-3.890537098e-02f);
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
  const qrt_tr_vf bigv = one - qrt_tr_exp_v(-(ac * ac)) * h;
  const qrt_tr_vf mag = qrt_tr_sel(a >= cut, one, bigv);
  const qrt_tr_vf large = qrt_tr_sel(neg, -mag, mag);
  return qrt_tr_sel(lt1, small, qrt_tr_sel(x != x, x, large));
}
#endif

#if defined(QRT_TR_VECTOR) && defined(__AVX512F__)
/* ---- GELU with one branch per element (AVX-512) --------------------------------------
 * qrt_tr_erf_v computes both of erf's branches for every lane; the one for
 * 1 <= |x| < 3.92 (a division, a degree-10 polynomial and an exp) is four fifths of
 * the cost. Here a block of elements is done in three passes: (1) every lane by the
 * cheap branches (|x| < 1: the polynomial; |x| >= 3.92: +-1; NaN), while the inputs
 * of the lanes in [1, 3.92) are packed, in order, into a buffer (vcompressps); (2) the
 * packed inputs by the middle branch alone, 16 at a time; (3) those results put back
 * into their lanes (vexpandps). Each lane gets exactly the operations the reference
 * (qrt_tr_erf) applies to it, so the bits are unchanged; a block whose inputs all lie
 * in one range does only that range's work. */
#define QRT_TR_GELU_BLOCK 1024

/* erf's middle branch, for lanes with 1 <= |t| < 3.92 only: qrt_tr_erf_v's operations
 * where its clamps are identities, and -(t*t) lies in [-15.4, -1] (the exp in
 * range), hence the same bits. */
static inline __attribute__((always_inline)) qrt_tr_vf qrt_tr_gelu_mid_v(qrt_tr_vf v) {
  const qrt_tr_vf one = qrt_tr_splat(1.0f), t = v * 0.707106781f;
  const qrt_tr_vi neg = t < qrt_tr_splat(0.0f);
  const qrt_tr_vf a = qrt_tr_sel(neg, -t, t);
  const qrt_tr_vf u = one / a;
  qrt_tr_vf h = qrt_tr_splat(-3.890537098e-02f);
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
  const qrt_tr_vf mag = one - qrt_tr_exp_inrange_v(-(a * a)) * h;
  return v * 0.5f * (1.0f + qrt_tr_sel(neg, -mag, mag));
}

/* n a multiple of 16, at most QRT_TR_GELU_BLOCK */
static inline void qrt_tr_gelu_block(int64_t n, const float *x, float *y) {
  float in[QRT_TR_GELU_BLOCK + 16], out[QRT_TR_GELU_BLOCK];
  __mmask16 mid[QRT_TR_GELU_BLOCK / 16];
  const qrt_tr_vf zero = qrt_tr_splat(0.0f), one = qrt_tr_splat(1.0f), cut = qrt_tr_splat(3.92f);
  int64_t m = 0;
  for (int64_t i = 0; i < n; i += 16) {
    const qrt_tr_vf v = qrt_tr_load(x + i), t = v * 0.707106781f;
    const qrt_tr_vi neg = t < zero;
    const qrt_tr_vf a = qrt_tr_sel(neg, -t, t);
    const qrt_tr_vf tt = t * t;
    qrt_tr_vf ps = qrt_tr_splat(7.971125888e-05f);
    ps = ps * tt - 8.043394773e-04f;
    ps = ps * tt + 5.191835109e-03f;
    ps = ps * tt - 2.685550973e-02f;
    ps = ps * tt + 1.128362194e-01f;
    ps = ps * tt - 3.761262894e-01f;
    ps = ps * tt + 1.128379107e+00f;
    /* the lanes of the middle branch get a placeholder, replaced in pass 3 */
    const qrt_tr_vf erf = qrt_tr_sel(a < one, t * ps, qrt_tr_sel(t != t, t, qrt_tr_sel(neg, -one, one)));
    qrt_tr_store(y + i, v * 0.5f * (1.0f + erf));
    const __mmask16 k = _mm512_cmp_ps_mask((__m512)a, (__m512)one, _CMP_GE_OQ) &
                        _mm512_cmp_ps_mask((__m512)a, (__m512)cut, _CMP_LT_OQ);
    mid[i / 16] = k;
    _mm512_storeu_ps(in + m, _mm512_maskz_compress_ps(k, (__m512)v));
    m += __builtin_popcount(k);
  }
  if (m == 0) return;
  _mm512_storeu_ps(in + m, _mm512_set1_ps(2.0f)); /* the last vector's unused lanes */
  for (int64_t j = 0; j < m; j += 16) qrt_tr_store(out + j, qrt_tr_gelu_mid_v(qrt_tr_load(in + j)));
  m = 0;
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = mid[i / 16];
    if (!k) continue;
    const __m512 packed = _mm512_loadu_ps(out + m);
    _mm512_storeu_ps(y + i, _mm512_mask_expand_ps(_mm512_loadu_ps(y + i), k, packed));
    m += __builtin_popcount(k);
  }
}
#endif

/* y[i] = 0.5 x (1 + erf(x / sqrt 2)) */
void QRT_TR_NAME(qrt_f32_gelu_erf)(int64_t n, const float *x, float *y) {
  int64_t i = 0;
#if defined(QRT_TR_VECTOR) && defined(__AVX512F__)
  for (; i + 16 <= n; i += QRT_TR_GELU_BLOCK) {
    const int64_t b = n - i < QRT_TR_GELU_BLOCK ? (n - i) & ~(int64_t)15 : QRT_TR_GELU_BLOCK;
    qrt_tr_gelu_block(b, x + i, y + i);
    if (b < QRT_TR_GELU_BLOCK) {
      i += b;
      break;
    }
  }
#elif defined(QRT_TR_VECTOR)
  for (; i + QRT_TR_LANES <= n; i += QRT_TR_LANES) {
    const qrt_tr_vf v = qrt_tr_load(x + i);
    qrt_tr_store(y + i, v * 0.5f * (1.0f + qrt_tr_erf_v(v * 0.707106781f)));
  }
#endif
  for (; i < n; i++) y[i] = qrt_tr_gelu(x[i]);
}

/* y[i] = exp(x[i] - mx); returns the sum of the y[i] in double, in 16 lanes. */
double QRT_TR_NAME(qrt_f32_exp_shifted_sum)(int64_t n, const float *x, float mx, float *y) {
  double lane[16] = {0};
  int64_t i = 0;
#if defined(QRT_TR_VECTOR)
  qrt_tr_vd lo = {0}, hi = {0}; /* lanes 0-7 and 8-15 */
  for (; i + 16 <= n; i += 16) {
#if QRT_TR_LANES == 16
    const qrt_tr_vf d = qrt_tr_load(x + i) - mx;
    /* softmax's x - max is in [-87.3365, 0] but for masked (-inf) positions: then the
     * exp without its selects (the same bits) */
    const __mmask16 in = _mm512_cmp_ps_mask((__m512)d, _mm512_set1_ps(-87.3365f), _CMP_GE_OQ) &
                         _mm512_cmp_ps_mask((__m512)d, _mm512_setzero_ps(), _CMP_LE_OQ);
    const qrt_tr_vf e = in == 0xffff ? qrt_tr_exp_inrange_v(d) : qrt_tr_exp_v(d);
    qrt_tr_store(y + i, e);
    lo += qrt_tr_lo_pd(e);
    hi += qrt_tr_hi_pd(e);
#else
    const qrt_tr_vf e0 = qrt_tr_exp_v(qrt_tr_load(x + i) - mx), e1 = qrt_tr_exp_v(qrt_tr_load(x + i + 8) - mx);
    qrt_tr_store(y + i, e0);
    qrt_tr_store(y + i + 8, e1);
    lo += __builtin_convertvector(e0, qrt_tr_vd);
    hi += __builtin_convertvector(e1, qrt_tr_vd);
#endif
  }
  memcpy(lane, &lo, sizeof lo);
  memcpy(lane + 8, &hi, sizeof hi);
#else
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) {
      const float e = qrt_tr_exp(x[i + j] - mx);
      y[i + j] = e;
      lane[j] += (double)e;
    }
#endif
  for (int j = 0; i + j < n; j++) {
    const float e = qrt_tr_exp(x[i + j] - mx);
    y[i + j] = e;
    lane[j] += (double)e;
  }
  double s = 0.0;
  for (int j = 0; j < 16; j++) s += lane[j];
  return s;
}

/* The largest element, NaN skipped (-inf for none): exact, so the order of the
 * comparisons cannot change it (but for the sign of a zero, which x - max does
 * not see). */
static float QRT_TR_NAME(qrt_tr_row_max)(int64_t n, const float *x) {
  float m = -(float)INFINITY;
  int64_t i = 0;
#if defined(QRT_TR_VECTOR)
  qrt_tr_vf mv = qrt_tr_splat(-(float)INFINITY);
  for (; i + QRT_TR_LANES <= n; i += QRT_TR_LANES) {
    const qrt_tr_vf v = qrt_tr_load(x + i);
    mv = qrt_tr_sel(v > mv, v, mv);
  }
  for (int j = 0; j < QRT_TR_LANES; j++) m = mv[j] > m ? mv[j] : m;
#endif
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

/* Softmax of `rows` contiguous rows of n: y = exp(x - max) / sum, the sum in
 * double (qrt_f32_exp_shifted_sum), then one float multiply by (float)(1 / sum).
 * A row holding NaN or +inf is undefined: all NaN (a NaN element makes the sum
 * NaN; +inf is the max). y may be x. */
void QRT_TR_NAME(qrt_f32_softmax_rows)(int64_t rows, int64_t n, const float *x, float *y) {
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * n;
    float *yr = y + r * n;
    const float mx = QRT_TR_NAME(qrt_tr_row_max)(n, xr);
    const double sum = mx == (float)INFINITY ? (double)NAN : QRT_TR_NAME(qrt_f32_exp_shifted_sum)(n, xr, mx, yr);
    if (sum != sum) {
      for (int64_t i = 0; i < n; i++) yr[i] = NAN;
      continue;
    }
    const float inv = (float)(1.0 / sum);
    int64_t i = 0;
#if defined(QRT_TR_VECTOR)
    for (; i + QRT_TR_LANES <= n; i += QRT_TR_LANES) qrt_tr_store(yr + i, qrt_tr_load(yr + i) * inv);
#endif
    for (; i < n; i++) yr[i] *= inv;
  }
}
