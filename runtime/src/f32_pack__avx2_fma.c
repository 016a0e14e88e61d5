/* f32 GEMM panel packing, AVX2 (contract: f32_pack_internal.h). _rows
 * transposes blocks of 8 x 8 in registers (unpack, shuffle, 128-bit lane
 * permutes) and stores each of a block's columns as r lanes of a panel row;
 * _cols copies each column 8 lanes at a time. Partial loads and stores use
 * vmaskmovps: nothing outside the source rows or the panel is touched. r <= 8
 * for _rows. Built with -mavx2 -mfma (no FMA is used). */
#include <immintrin.h>

#include "f32_pack_internal.h"

static inline __m256i lanes(int64_t n) {
  const int64_t c = n < 0 ? 0 : (n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

void qrt_f32_pack_rows__avx2_fma(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d) {
  const __m256i rk = lanes(r);
  for (int64_t k0 = 0; k0 < kc; k0 += 8) {
    const int64_t kk = kc - k0 < 8 ? kc - k0 : 8;
    const __m256i kmask = lanes(kk);
    __m256 v[8];
    for (int t = 0; t < 8; t++)
      v[t] = t < rows ? (kk == 8 ? _mm256_loadu_ps(src + t * ld + k0) : _mm256_maskload_ps(src + t * ld + k0, kmask))
                      : _mm256_setzero_ps();
    __m256 a[8], b[8], c[8];
    for (int i = 0; i < 4; i++) {
      a[2 * i] = _mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]);
      a[2 * i + 1] = _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) { /* b[4i + q]: rows 4i..4i+3 of column 4L + q in 128-bit lane L */
      b[4 * i + 0] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0x44);
      b[4 * i + 1] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0xEE);
      b[4 * i + 2] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0x44);
      b[4 * i + 3] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0xEE);
    }
    for (int q = 0; q < 4; q++) {
      c[q] = _mm256_permute2f128_ps(b[q], b[4 + q], 0x20);
      c[4 + q] = _mm256_permute2f128_ps(b[q], b[4 + q], 0x31);
    }
    for (int j = 0; j < kk; j++) _mm256_maskstore_ps(d + (k0 + j) * r, rk, c[j]);
  }
}

void qrt_f32_pack_cols__avx2_fma(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d) {
  for (int64_t k = 0; k < kc; k++)
    for (int64_t t = 0; t < r; t += 8) {
      const float *s = src + k * ld + t;
      const __m256 v = rows - t >= 8 ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, lanes(rows - t));
      if (r - t >= 8) _mm256_storeu_ps(d + k * r + t, v);
      else _mm256_maskstore_ps(d + k * r + t, lanes(r - t), v);
    }
}
