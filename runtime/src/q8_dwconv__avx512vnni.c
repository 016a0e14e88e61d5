/* The AVX-512 VNNI row kernel of the int8 depthwise convolution
 * (q8_dwconv_rows.inl): as q8_dwconv__avx512f.c, with vpdpwssd (acc + the two
 * int16 pair products, wrapping, no saturation) in place of vpmaddwd + vpaddd. */
#include <immintrin.h>

#define DW_FN qrt_q8_dw_rows__avx512vnni
#define DW_VEC __m512i
#define DW_V 16
#define DW_G 8
#define DW_ZERO() _mm512_setzero_si512()
#define DW_SET1(v) _mm512_set1_epi32(v)
#define DW_LOAD(p) _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p)))
#define DW_STORE(p, v) _mm512_storeu_si512((p), (v))
#define DW_MAC(acc, x, w) _mm512_dpwssd_epi32((acc), (x), (w))
#include "q8_dwconv_rows.inl"
