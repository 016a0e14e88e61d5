/* The range of a row for dynamic quantization, AVX-512F: 2 x 16 lanes of min and
 * max; an element x counts as x when x - x == 0 (finite), else as 0, as in the
 * scalar reference (q8_dynamic_quant_internal.h). The tail is one masked load
 * whose masked-off lanes are 0, which the range holds anyway. */
#include <immintrin.h>

#include "q8_dynamic_quant_internal.h"

static inline __m512 finite_or_zero(__m512 v) {
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_sub_ps(v, v), _mm512_setzero_ps(), _CMP_EQ_OQ), v);
}

void qrt_q8_minmax__avx512f(const float *x, int64_t n, float *lo_out, float *hi_out) {
  __m512 lo0 = _mm512_setzero_ps(), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = finite_or_zero(_mm512_loadu_ps(x + i)), b = finite_or_zero(_mm512_loadu_ps(x + i + 16));
    lo0 = _mm512_min_ps(lo0, a), hi0 = _mm512_max_ps(hi0, a);
    lo1 = _mm512_min_ps(lo1, b), hi1 = _mm512_max_ps(hi1, b);
  }
  for (; i < n; i += 16) {
    const int64_t r = n - i;
    const __mmask16 k = r >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << r) - 1u);
    const __m512 a = finite_or_zero(_mm512_maskz_loadu_ps(k, x + i));
    lo0 = _mm512_min_ps(lo0, a), hi0 = _mm512_max_ps(hi0, a);
  }
  *lo_out = _mm512_reduce_min_ps(_mm512_min_ps(lo0, lo1));
  *hi_out = _mm512_reduce_max_ps(_mm512_max_ps(hi0, hi1));
}
