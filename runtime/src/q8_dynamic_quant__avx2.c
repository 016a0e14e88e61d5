/* The range of a row for dynamic quantization, AVX2: 2 x 8 lanes of min and max;
 * an element x counts as x when x - x == 0 (finite), else as 0, as in the scalar
 * reference (q8_dynamic_quant_internal.h). The last n % 8 elements one by one. */
#include <immintrin.h>

#include "q8_dynamic_quant_internal.h"

static inline __m256 finite_or_zero(__m256 v) {
  return _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(v, v), _mm256_setzero_ps(), _CMP_EQ_OQ), v);
}

static float hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_min_ss(m, _mm_shuffle_ps(m, m, 1)));
}

static float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

void qrt_q8_minmax__avx2(const float *x, int64_t n, float *lo_out, float *hi_out) {
  __m256 lo0 = _mm256_setzero_ps(), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = finite_or_zero(_mm256_loadu_ps(x + i)), b = finite_or_zero(_mm256_loadu_ps(x + i + 8));
    lo0 = _mm256_min_ps(lo0, a), hi0 = _mm256_max_ps(hi0, a);
    lo1 = _mm256_min_ps(lo1, b), hi1 = _mm256_max_ps(hi1, b);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 a = finite_or_zero(_mm256_loadu_ps(x + i));
    lo0 = _mm256_min_ps(lo0, a), hi0 = _mm256_max_ps(hi0, a);
  }
  float lo = hmin(_mm256_min_ps(lo0, lo1)), hi = hmax(_mm256_max_ps(hi0, hi1));
  for (; i < n; i++) {
    const float f = x[i] - x[i] == 0.0f ? x[i] : 0.0f;
    lo = f < lo ? f : lo;
    hi = f > hi ? f : hi;
  }
  *lo_out = lo;
  *hi_out = hi;
}
