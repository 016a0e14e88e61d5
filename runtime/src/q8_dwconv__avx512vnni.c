/* The AVX-512 VNNI row kernel of the int8 depthwise convolution
 * (q8_dwconv_avx512.inl): as q8_dwconv__avx512f.c, with vpdpwssd (acc + the two
 * int16 pair products, wrapping, no saturation) in place of vpmaddwd + vpaddd. */
#define DW_FN qrt_q8_dw_rows__avx512vnni
#define DW_MAC(acc, x, w) _mm512_dpwssd_epi32((acc), (x), (w))
#include "q8_dwconv_avx512.inl"
