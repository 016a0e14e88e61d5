/* Int8 max pool rows and byte sums for AVX-512 F + BW (x86-64-v4), 64 bytes
 * per step, the last one masked; contracts in q8_ew_internal.h, driver in
 * q8_ew.c. Integer only, so exact. */
#include <immintrin.h>

#include "q8_ew_internal.h"

static inline __mmask64 mask64(int64_t left) {
  return left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
}

void qrt_q8_max_rows__avx512f(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip, uint8_t *dst) {
  const __m512i f = _mm512_set1_epi8((char)flip);
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 k = mask64(n - i);
    __m512i m = _mm512_maskz_loadu_epi8(k, rows[0] + i);
    if (flip) /* s8: signed max on the values, then to u = b ^ 0x80 */
      for (int64_t r = 1; r < nrows; r++) m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(k, rows[r] + i));
    else
      for (int64_t r = 1; r < nrows; r++) m = _mm512_max_epu8(m, _mm512_maskz_loadu_epi8(k, rows[r] + i));
    _mm512_mask_storeu_epi8(dst + i, k, _mm512_xor_si512(m, f));
  }
}

/* Bytes 0, 2, 4, ... of the 128 at p (the first `bytes` of them loaded, the
 * rest 0), in lane order l0 l1 l2 l3 of the two halves interleaved: a.l0 b.l0
 * a.l1 b.l1 ...; the permute to a.l0..l3 b.l0..l3 is done once after the max. */
static inline __m512i evens(const uint8_t *p, int64_t bytes) {
  const __m512i lo8 = _mm512_set1_epi16(0xff);
  const __m512i a = _mm512_and_si512(_mm512_maskz_loadu_epi8(mask64(bytes), p), lo8);
  const __m512i b = _mm512_and_si512(_mm512_maskz_loadu_epi8(mask64(bytes - 64 > 0 ? bytes - 64 : 0), p + 64), lo8);
  return _mm512_packus_epi16(a, b);
}

void qrt_q8_max_cols__avx512f(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil, uint8_t flip,
                              uint8_t *dst) {
  const __m512i f = _mm512_set1_epi8((char)flip);
  const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  for (int64_t j = 0; j < n; j += 64) {
    const int64_t left = n - j;
    const __mmask64 km = mask64(left);
    __m512i m;
    if (stride == 1) {
      m = _mm512_maskz_loadu_epi8(km, src + j);
      for (int64_t t = 1; t < k; t++) m = _mm512_max_epu8(m, _mm512_maskz_loadu_epi8(km, src + j + t * dil));
    } else { /* outputs j .. j + left - 1 read even offsets up to 2 * (left - 1) */
      const int64_t bytes = left >= 64 ? 128 : 2 * left - 1;
      m = evens(src + 2 * j, bytes);
      for (int64_t t = 1; t < k; t++) m = _mm512_max_epu8(m, evens(src + 2 * j + t * dil, bytes));
      m = _mm512_permutexvar_epi64(order, m);
    }
    _mm512_mask_storeu_epi8(dst + j, km, _mm512_xor_si512(m, f));
  }
}

int64_t qrt_q8_sum__avx512f(int64_t n, const uint8_t *x, uint8_t flip) {
  const __m512i f = _mm512_set1_epi8((char)flip), zero = _mm512_setzero_si512();
  __m512i acc = zero; /* 8 x 64-bit sums of bytes (vpsadbw against 0); the tail's masked-off bytes are 0 */
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(x + i), f), zero));
  if (i < n) {
    const __mmask64 k = mask64(n - i);
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_maskz_mov_epi8(k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, x + i), f)), zero));
  }
  return _mm512_reduce_add_epi64(acc);
}
