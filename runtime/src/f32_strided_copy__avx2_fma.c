/* f32 strided copy, AVX2: stride 2 loads 16 floats per 8 outputs and keeps the
 * even ones (a shuffle and a 64-bit permute); other strides copy one by one.
 * Loads and stores are masked: nothing past x[(n-1)*stride] or y[n-1] is
 * touched. Contract: f32_conv_internal.h. Built with -mavx2 -mfma. */
#include <immintrin.h>

#include "f32_conv_internal.h"

static inline __m256i lane_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

void qrt_f32_strided_copy__avx2_fma(const float *x, int64_t stride, int64_t n, float *y) {
  if (stride != 2) {
    for (int64_t v = 0; v < n; v++) y[v] = x[v * stride];
    return;
  }
  for (int64_t v = 0; v < n; v += 8) {
    const int64_t m = QRT_MIN(8, n - v), e = 2 * m - 1; /* outputs, floats spanned */
    const __m256 lo = _mm256_maskload_ps(x + 2 * v, lane_mask(e));
    const __m256 hi = _mm256_maskload_ps(x + 2 * v + 8, lane_mask(e - 8));
    const __m256 ev = _mm256_shuffle_ps(lo, hi, 0x88); /* lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6 */
    const __m256 r = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xd8));
    _mm256_maskstore_ps(y + v, lane_mask(m), r);
  }
}
