/* The AVX-512 instantiation of q8_dwconv_rows.inl, shared by
 * q8_dwconv__avx512f.c and q8_dwconv__avx512vnni.c, which define DW_FN,
 * DW_FILL_FN and DW_MAC: 16 positions per zmm (16 bytes zero-extended by
 * vpmovzxbd), 8 zmm together. Also the plane fill (q8_dw_fill_fn), with
 * masked byte loads and stores (AVX512-BW): stride 1 copies 64 bytes per
 * step, stride 2 takes the even bytes of 64 by vpmovwb (32 per step), other
 * strides run the portable loop. */
#include <immintrin.h>

#define DW_VEC __m512i
#define DW_V 16
#define DW_G 8
#define DW_ZERO() _mm512_setzero_si512()
#define DW_SET1(v) _mm512_set1_epi32(v)
#define DW_LOAD(p) _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p)))
#define DW_STORE(p, v) _mm512_storeu_si512((p), (v))
#include "q8_dwconv_rows.inl"

void DW_FILL_FN(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes) {
  if (f->sw > 2) {
    qrt_q8_dw_fill_run(f, src, planes);
    return;
  }
  const __m512i flip = _mm512_set1_epi8((char)f->flip);
  for (int64_t i = 0; i < f->n; i++) {
    const q8_dw_copy_t *c = &f->c[i];
    const uint8_t *s = src + c->src;
    uint8_t *d = planes + c->dst;
    for (int64_t r = 0; r < c->rows; r++, s += f->src_ld, d += f->dst_ld) {
      if (f->sw == 1) {
        for (int64_t k = 0; k < c->cols; k += 64) {
          const int64_t n = c->cols - k < 64 ? c->cols - k : 64;
          const __mmask64 m = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
          _mm512_mask_storeu_epi8(d + k, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, s + k), flip));
        }
      } else {
        for (int64_t k = 0; k < c->cols; k += 32) {
          const int64_t n = c->cols - k < 32 ? c->cols - k : 32; /* reads bytes 2k .. 2(k + n - 1) */
          const __mmask64 m = n == 32 ? ~(__mmask64)0 >> 1 : ((__mmask64)1 << (2 * n - 1)) - 1;
          const __m512i e = _mm512_castsi256_si512(_mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi8(m, s + 2 * k)));
          _mm512_mask_storeu_epi8(d + k, ((__mmask64)1 << n) - 1, _mm512_xor_si512(e, flip));
        }
      }
    }
  }
}
