/* f32 strided copy, AVX-512F: stride 2 loads 32 floats per 16 outputs and keeps
 * the even ones with one permute; other strides copy one by one. Loads and
 * stores are masked: nothing past x[(n-1)*stride] or y[n-1] is touched.
 * Contract: f32_conv_internal.h. Built with -mavx512f. */
#include <immintrin.h>

#include "f32_conv_internal.h"

static inline __mmask16 lanes(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }

void qrt_f32_strided_copy__avx512f(const float *x, int64_t stride, int64_t n, float *y) {
  if (stride != 2) {
    for (int64_t v = 0; v < n; v++) y[v] = x[v * stride];
    return;
  }
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  for (int64_t v = 0; v < n; v += 16) {
    const int64_t m = QRT_MIN(16, n - v), e = 2 * m - 1; /* outputs, floats spanned */
    const __m512 lo = _mm512_maskz_loadu_ps(lanes(e), x + 2 * v);
    const __m512 hi = _mm512_maskz_loadu_ps(e > 16 ? lanes(e - 16) : (__mmask16)0, x + 2 * v + 16);
    _mm512_mask_storeu_ps(y + v, lanes(m), _mm512_permutex2var_ps(lo, even, hi));
  }
}
