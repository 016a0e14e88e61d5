/* The AVX-512 instantiation of q8_dwconv_rows.inl, shared by
 * q8_dwconv__avx512f.c and q8_dwconv__avx512vnni.c, which define DW_FN and
 * DW_MAC: 16 positions per zmm (16 bytes zero-extended by vpmovzxbd), 8 zmm
 * together. */
#include <immintrin.h>

#define DW_VEC __m512i
#define DW_V 16
#define DW_G 8
#define DW_ZERO() _mm512_setzero_si512()
#define DW_SET1(v) _mm512_set1_epi32(v)
#define DW_LOAD(p) _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p)))
#define DW_STORE(p, v) _mm512_storeu_si512((p), (v))
#include "q8_dwconv_rows.inl"
