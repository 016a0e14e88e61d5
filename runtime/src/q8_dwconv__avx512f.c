/* The AVX-512 (F + BW) row kernel of the int8 depthwise convolution
 * (q8_dwconv_avx512.inl): vpmaddwd then vpaddd. The activation's high int16 is
 * 0 and so is the weight's, so vpmaddwd's pair sum is u * lo(w). */
#define DW_FN qrt_q8_dw_rows__avx512f
#define DW_FILL_FN qrt_q8_dw_fill__avx512f
#define DW_MAC(acc, x, w) _mm512_add_epi32((acc), _mm512_madd_epi16((x), (w)))
#include "q8_dwconv_avx512.inl"
