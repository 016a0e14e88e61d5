/* f32 GEMM panel packing, AVX-512F (contract: f32_pack_internal.h). _rows
 * transposes blocks of 16 x 16 in registers (unpack, shuffle, two 128-bit lane
 * shuffles: the textbook sequence) and stores each of a block's columns as r
 * lanes of a panel row; _cols copies each column with masked loads and stores.
 * Loads and stores are masked: nothing outside the source rows or the panel is
 * touched. r <= 16 for _rows. Built with -mavx512f. */
#include <immintrin.h>

#include "f32_pack_internal.h"

static inline __mmask16 lanes(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }

/* c[j] = column j of the 16 x 16 matrix whose rows are v[0..15] */
static inline void transpose16(const __m512 v[16], __m512 c[16]) {
  __m512 a[16], b[16];
  for (int i = 0; i < 8; i++) {
    a[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) { /* b[4i + q]: rows 4i..4i+3 of column 4L + q in 128-bit lane L */
    b[4 * i + 0] = _mm512_shuffle_ps(a[4 * i], a[4 * i + 2], 0x44);
    b[4 * i + 1] = _mm512_shuffle_ps(a[4 * i], a[4 * i + 2], 0xEE);
    b[4 * i + 2] = _mm512_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0x44);
    b[4 * i + 3] = _mm512_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0xEE);
  }
  for (int q = 0; q < 4; q++) {
    const __m512 e1 = _mm512_shuffle_f32x4(b[q], b[4 + q], 0x88), e2 = _mm512_shuffle_f32x4(b[q], b[4 + q], 0xDD);
    const __m512 f1 = _mm512_shuffle_f32x4(b[8 + q], b[12 + q], 0x88), f2 = _mm512_shuffle_f32x4(b[8 + q], b[12 + q], 0xDD);
    c[q] = _mm512_shuffle_f32x4(e1, f1, 0x88);
    c[8 + q] = _mm512_shuffle_f32x4(e1, f1, 0xDD);
    c[4 + q] = _mm512_shuffle_f32x4(e2, f2, 0x88);
    c[12 + q] = _mm512_shuffle_f32x4(e2, f2, 0xDD);
  }
}

void qrt_f32_pack_rows__avx512f(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d) {
  const __mmask16 rk = lanes(r);
  for (int64_t k0 = 0; k0 < kc; k0 += 16) {
    const int64_t kk = kc - k0 < 16 ? kc - k0 : 16;
    const __mmask16 kmask = lanes(kk);
    __m512 v[16], c[16];
    for (int t = 0; t < 16; t++) v[t] = t < rows ? _mm512_maskz_loadu_ps(kmask, src + t * ld + k0) : _mm512_setzero_ps();
    transpose16(v, c);
    for (int j = 0; j < kk; j++) _mm512_mask_storeu_ps(d + (k0 + j) * r, rk, c[j]);
  }
}

void qrt_f32_pack_cols__avx512f(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d) {
  for (int64_t k = 0; k < kc; k++)
    for (int64_t t = 0; t < r; t += 16) {
      const int64_t in = rows - t;
      _mm512_mask_storeu_ps(d + k * r + t, lanes(r - t), _mm512_maskz_loadu_ps(in > 0 ? lanes(in) : 0, src + k * ld + t));
    }
}
