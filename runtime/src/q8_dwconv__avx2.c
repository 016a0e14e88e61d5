/* The AVX2 row kernel of the int8 depthwise convolution (q8_dwconv_rows.inl):
 * 8 positions per ymm, 8 ymm together; vpmaddwd then vpaddd. The weight's
 * high int16 is 0, so vpmaddwd's pair sum is lo(x) * lo(w) + hi(x) * 0. */
#include <immintrin.h>

#define DW_FN qrt_q8_dw_rows__avx2
#define DW_VEC __m256i
#define DW_V 8
#define DW_G 8
#define DW_ZERO() _mm256_setzero_si256()
#define DW_SET1(v) _mm256_set1_epi32(v)
#define DW_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define DW_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#define DW_MAC(acc, x, w) _mm256_add_epi32((acc), _mm256_madd_epi16((x), (w)))
#include "q8_dwconv_rows.inl"
