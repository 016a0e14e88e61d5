/* Int8 max pool rows and byte sums for AVX2 (x86-64-v3), 32 bytes per step;
 * contracts in q8_ew_internal.h, driver in q8_ew.c. Integer only, so exact.
 * A row of at least 32 outputs ends with one step that overlaps the previous
 * one (it recomputes the same bytes; the output never aliases the input);
 * shorter rows and the sums' tails are scalar. */
#include <immintrin.h>

#include "q8_ew_internal.h"

void qrt_q8_max_rows__avx2(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip, uint8_t *dst) {
  const __m256i f = _mm256_set1_epi8((char)flip);
  if (n < 32) {
    qrt_q8_max_rows_scalar(n, rows, nrows, flip, dst);
    return;
  }
  for (int64_t i = 0;; i += 32) {
    if (i > n - 32) i = n - 32;
    __m256i m = _mm256_loadu_si256((const __m256i *)(rows[0] + i));
    if (flip) /* s8: signed max on the values, then to u = b ^ 0x80 */
      for (int64_t r = 1; r < nrows; r++) m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(rows[r] + i)));
    else
      for (int64_t r = 1; r < nrows; r++) m = _mm256_max_epu8(m, _mm256_loadu_si256((const __m256i *)(rows[r] + i)));
    _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(m, f));
    if (i == n - 32) break;
  }
}

/* Bytes 0, 2, 4, ... of the 64 at p, in order. */
static inline __m256i evens(const uint8_t *p) {
  const __m256i lo8 = _mm256_set1_epi16(0xff);
  const __m256i a = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)p), lo8);
  const __m256i b = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(p + 32)), lo8);
  return _mm256_packus_epi16(a, b); /* a.lo b.lo | a.hi b.hi: the permute is done once, after the max */
}

void qrt_q8_max_cols__avx2(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil, uint8_t flip,
                           uint8_t *dst) {
  if (n < 32) {
    qrt_q8_max_cols_scalar(n, src, stride, k, dil, flip, dst);
    return;
  }
  const __m256i f = _mm256_set1_epi8((char)flip);
  for (int64_t j = 0;; j += 32) {
    if (j > n - 32) j = n - 32;
    __m256i m;
    if (stride == 1) {
      m = _mm256_loadu_si256((const __m256i *)(src + j));
      for (int64_t t = 1; t < k; t++) m = _mm256_max_epu8(m, _mm256_loadu_si256((const __m256i *)(src + j + t * dil)));
    } else { /* reads up to 1 byte past the last column used: the slack */
      m = evens(src + 2 * j);
      for (int64_t t = 1; t < k; t++) m = _mm256_max_epu8(m, evens(src + 2 * j + t * dil));
      m = _mm256_permute4x64_epi64(m, 0xd8);
    }
    _mm256_storeu_si256((__m256i *)(dst + j), _mm256_xor_si256(m, f));
    if (j == n - 32) break;
  }
}

int64_t qrt_q8_sum__avx2(int64_t n, const uint8_t *x, uint8_t flip) {
  const __m256i f = _mm256_set1_epi8((char)flip), zero = _mm256_setzero_si256();
  __m256i acc = zero; /* 4 x 64-bit sums of bytes (vpsadbw against 0) */
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(x + i)), f), zero));
  int64_t s = _mm256_extract_epi64(acc, 0) + _mm256_extract_epi64(acc, 1) + _mm256_extract_epi64(acc, 2) +
              _mm256_extract_epi64(acc, 3);
  for (; i < n; i++) s += x[i] ^ flip;
  return s;
}
