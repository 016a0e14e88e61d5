/* The AVX2 row kernel of the int8 depthwise convolution (q8_dwconv_rows.inl):
 * 8 positions per ymm (8 bytes zero-extended by vpmovzxbd), 8 ymm together;
 * vpmaddwd then vpaddd. The activation's high int16 is 0 and so is the
 * weight's, so vpmaddwd's pair sum is u * lo(w). */
#include <immintrin.h>

#define DW_FN qrt_q8_dw_rows__avx2
#define DW_VEC __m256i
#define DW_V 8
#define DW_G 8
#define DW_ZERO() _mm256_setzero_si256()
#define DW_SET1(v) _mm256_set1_epi32(v)
#define DW_LOAD(p) _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p)))
#define DW_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#define DW_MAC(acc, x, w) _mm256_add_epi32((acc), _mm256_madd_epi16((x), (w)))
#include "q8_dwconv_rows.inl"
