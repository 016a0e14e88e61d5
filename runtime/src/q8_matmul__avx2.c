/* QLinearMatMul / MatMulInteger sums, AVX2 (contract and exactness:
 * q8_matmul_internal.h). Per block of 8 columns, B minus its zero points is
 * packed once as int16 pairs (rows 2p and 2p + 1 interleaved per column,
 * punpcklwd/hwd); then per 4 rows, A minus its zero point is widened to int16
 * (a pair of consecutive k is one int32 lane) and each pair is one vpmaddwd
 * with the pair broadcast, added in int32; the tile is requantized from the
 * registers (q8_matmul_internal.h). Partial rows go through a zeroed
 * copy: nothing past a row of A or B is read. Built with -mavx2. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "q8_matmul_internal.h"

/* 8 bytes (n of them, the rest 0) as int16 minus z */
static inline __m128i widen8(const uint8_t *p, int64_t n, int sgn, __m128i z) {
  uint64_t u = 0;
  memcpy(&u, p, (size_t)(n < 8 ? n : 8));
  const __m128i v = _mm_cvtsi64_si128((long long)u);
  return _mm_sub_epi16(sgn ? _mm_cvtepi8_epi16(v) : _mm_cvtepu8_epi16(v), z);
}

/* Requantizes rows [r0, r0 + nr) x nc columns at c0 from s[] into y (the
 * contract's operations, q8_matmul_internal.h); 0, with nothing stored, when a
 * multiplier is not finite. */
static int requant_tile(const q8_mm_job_t *j, int64_t r0, int64_t nr, int64_t c0, int64_t nc, const __m256i s[4]) {
  const qrt_q8_output_t *yq = j->yq;
  const __m256 inf = _mm256_set1_ps((float)INFINITY), sign = _mm256_set1_ps(-0.0f);
  __m256 mult[4];
  if (!j->za_step && !j->zb_step) {
    mult[0] = mult[1] = mult[2] = mult[3] = _mm256_set1_ps(j->mult);
  } else {
    float sbs[8] = {0};
    for (int64_t c = 0; c < nc; c++) sbs[c] = j->sb[(c0 + c) * j->zb_step];
    const __m256 sb = _mm256_loadu_ps(sbs);
    for (int t = 0; t < nr; t++)
      mult[t] = _mm256_div_ps(_mm256_mul_ps(_mm256_set1_ps(j->sa[(r0 + t) * j->za_step]), sb), _mm256_set1_ps(yq->scale));
  }
  const int cm = (1 << nc) - 1;
  for (int t = 0; t < nr; t++)
    if ((_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, mult[t]), inf, _CMP_LT_OQ)) & cm) != cm) return 0;
  const __m256 lo = _mm256_set1_ps((float)(yq->qmin - yq->zero_point));
  const __m256 hi = _mm256_set1_ps((float)(yq->qmax - yq->zero_point));
  const __m256i zp = _mm256_set1_epi32(yq->zero_point);
  const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                             0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  for (int t = 0; t < nr; t++) {
    const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(s[t]), mult[t]);
    const __m256 c = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(c), zp); /* round half to even (MXCSR default) */
    const __m256i b = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(q, low_bytes), _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
    const uint64_t u = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(b)); /* the low bytes: u8 or s8 */
    memcpy((uint8_t *)j->y + (r0 + t) * j->n + c0, &u, (size_t)nc);
  }
  return 1;
}

void qrt_q8_matmul_batch__avx2(const q8_mm_job_t *j) {
  const int64_t m = j->m, n = j->n, k = j->k, kp = (k + 1) / 2;
  _Alignas(32) int16_t bp[Q8_MM_MAX_K * 8];      /* [kp][8 columns][2] */
  _Alignas(32) int16_t ap[4][Q8_MM_MAX_K + 16];  /* 4 rows of A - za, zero past k */
  _Alignas(32) int32_t acc[4 * 8];
  const __m256i iota = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int64_t c0 = 0; c0 < n; c0 += 8) {
    const int64_t nc = n - c0 < 8 ? n - c0 : 8;
    int16_t zbs[8] = {0};
    for (int64_t c = 0; c < nc; c++) zbs[c] = (int16_t)(j->zb ? j->zb[(c0 + c) * j->zb_step] : 0);
    const __m128i zb = _mm_loadu_si128((const __m128i *)zbs);
    for (int64_t p = 0; p < kp; p++) {
      const uint8_t *row = j->b + 2 * p * n + c0;
      const __m128i r0 = widen8(row, nc, j->b_signed, zb);
      const __m128i r1 = 2 * p + 1 < k ? widen8(row + n, nc, j->b_signed, zb) : _mm_setzero_si128();
      _mm_store_si128((__m128i *)(bp + p * 16), _mm_unpacklo_epi16(r0, r1));
      _mm_store_si128((__m128i *)(bp + p * 16 + 8), _mm_unpackhi_epi16(r0, r1));
    }
    for (int64_t r0 = 0; r0 < m; r0 += 4) {
      const int64_t nr = m - r0 < 4 ? m - r0 : 4;
      for (int t = 0; t < 4; t++) {
        if (t >= nr) {
          memset(ap[t], 0, (size_t)(2 * kp) * sizeof(int16_t));
          continue;
        }
        const uint8_t *row = j->a + (r0 + t) * k;
        const __m256i za = _mm256_set1_epi16((int16_t)(j->za ? j->za[(r0 + t) * j->za_step] : 0));
        for (int64_t i = 0; i < k; i += 16) {
          __m128i v;
          if (k - i >= 16) {
            v = _mm_loadu_si128((const __m128i *)(row + i));
          } else {
            uint8_t tmp[16] = {0};
            memcpy(tmp, row + i, (size_t)(k - i));
            v = _mm_loadu_si128((const __m128i *)tmp);
          }
          const __m256i w = _mm256_sub_epi16(j->a_signed ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v), za);
          const __m256i keep = _mm256_cmpgt_epi16(_mm256_set1_epi16((int16_t)(k - i < 16 ? k - i : 16)), iota);
          _mm256_store_si256((__m256i *)(ap[t] + i), _mm256_and_si256(w, keep)); /* lane k (odd k) is 0 */
        }
      }
      __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
      for (int64_t p = 0; p < kp; p++) {
        const __m256i b = _mm256_load_si256((const __m256i *)(bp + p * 16));
        int32_t q0, q1, q2, q3;
        memcpy(&q0, ap[0] + 2 * p, 4), memcpy(&q1, ap[1] + 2 * p, 4);
        memcpy(&q2, ap[2] + 2 * p, 4), memcpy(&q3, ap[3] + 2 * p, 4);
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(_mm256_set1_epi32(q0), b));
        s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(_mm256_set1_epi32(q1), b));
        s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(_mm256_set1_epi32(q2), b));
        s3 = _mm256_add_epi32(s3, _mm256_madd_epi16(_mm256_set1_epi32(q3), b));
      }
      const __m256i s[4] = {s0, s1, s2, s3};
      if (j->yq && requant_tile(j, r0, nr, c0, nc, s)) continue;
      _mm256_store_si256((__m256i *)acc, s0), _mm256_store_si256((__m256i *)(acc + 8), s1);
      _mm256_store_si256((__m256i *)(acc + 16), s2), _mm256_store_si256((__m256i *)(acc + 24), s3);
      j->emit(j->ctx, r0, nr, c0, nc, acc, 8);
    }
  }
}
