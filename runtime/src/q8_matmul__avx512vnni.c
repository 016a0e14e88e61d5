/* QLinearMatMul / MatMulInteger sums, AVX-512 VNNI (contract and exactness:
 * q8_matmul_internal.h). Per block of 16 columns, B minus its zero points is
 * packed once as int16 pairs (rows 2p and 2p + 1 interleaved per column,
 * vpermw); then per 4 rows, A minus its zero point is widened to int16 (a pair
 * of consecutive k is one int32 lane) and each pair is one vpdpwssd with the
 * pair broadcast: 32 multiply-adds per instruction, four rows in flight; the
 * tile is requantized from the registers (q8_matmul_internal.h). Loads
 * are masked: nothing past a row of A or B is read. Built with -mavx512f
 * -mavx512bw -mavx512vl -mavx512vnni. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "q8_matmul_internal.h"

static inline __mmask16 lanes16(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }
static inline __mmask32 lanes32(int64_t n) { return n >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << n) - 1u); }

/* 16 bytes (masked) as int16 minus z */
static inline __m256i widen16(const uint8_t *p, __mmask16 k, int sgn, __m256i z) {
  const __m128i v = _mm_maskz_loadu_epi8(k, p);
  return _mm256_sub_epi16(sgn ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v), z);
}

/* Requantizes rows [r0, r0 + nr) x the cm columns at c0 from s[] into y (the
 * contract's operations, q8_matmul_internal.h); 0, with nothing stored, when a
 * multiplier is not finite. */
static int requant_tile(const q8_mm_job_t *j, int64_t r0, int64_t nr, int64_t c0, __mmask16 cm, const __m512i s[4]) {
  const qrt_q8_output_t *yq = j->yq;
  const __m512 inf = _mm512_set1_ps((float)INFINITY);
  __m512 mult[4];
  if (!j->za_step && !j->zb_step) {
    mult[0] = mult[1] = mult[2] = mult[3] = _mm512_set1_ps(j->mult);
  } else {
    const __m512 sb = j->zb_step ? _mm512_maskz_loadu_ps(cm, j->sb + c0) : _mm512_set1_ps(j->sb[0]);
    for (int t = 0; t < nr; t++)
      mult[t] = _mm512_div_ps(_mm512_mul_ps(_mm512_set1_ps(j->sa[(r0 + t) * j->za_step]), sb), _mm512_set1_ps(yq->scale));
  }
  for (int t = 0; t < nr; t++)
    if ((_mm512_cmp_ps_mask(_mm512_abs_ps(mult[t]), inf, _CMP_LT_OQ) & cm) != cm) return 0;
  const __m512 lo = _mm512_set1_ps((float)(yq->qmin - yq->zero_point));
  const __m512 hi = _mm512_set1_ps((float)(yq->qmax - yq->zero_point));
  const __m512i zp = _mm512_set1_epi32(yq->zero_point);
  for (int t = 0; t < nr; t++) {
    const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s[t]), mult[t]);
    const __m512 c = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvt_roundps_epi32(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
    _mm512_mask_cvtepi32_storeu_epi8((uint8_t *)j->y + (r0 + t) * j->n + c0, cm, q); /* the low byte: u8 or s8 */
  }
  return 1;
}

void qrt_q8_matmul_batch__avx512vnni(const q8_mm_job_t *j) {
  const int64_t m = j->m, n = j->n, k = j->k, kp = (k + 1) / 2;
  static const int16_t pairs[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                    8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i perm = _mm512_loadu_si512(pairs);
  _Alignas(64) int16_t bp[Q8_MM_MAX_K * 16];     /* [kp][16 columns][2] */
  _Alignas(64) int16_t ap[4][Q8_MM_MAX_K + 32];  /* 4 rows of A - za, zero past k */
  _Alignas(64) int32_t acc[4 * 16];
  for (int64_t c0 = 0; c0 < n; c0 += 16) {
    const int64_t nc = n - c0 < 16 ? n - c0 : 16;
    const __mmask16 cm = lanes16(nc);
    int16_t zbs[16] = {0};
    for (int64_t c = 0; c < nc; c++) zbs[c] = (int16_t)(j->zb ? j->zb[(c0 + c) * j->zb_step] : 0);
    const __m256i zb = _mm256_loadu_si256((const __m256i *)zbs);
    for (int64_t p = 0; p < kp; p++) {
      const uint8_t *row = j->b + 2 * p * n + c0;
      const __m256i r0 = widen16(row, cm, j->b_signed, zb);
      const __m256i r1 = 2 * p + 1 < k ? widen16(row + n, cm, j->b_signed, zb) : _mm256_setzero_si256();
      const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(r0), r1, 1);
      _mm512_store_si512(bp + p * 32, _mm512_permutexvar_epi16(perm, both));
    }
    for (int64_t r0 = 0; r0 < m; r0 += 4) {
      const int64_t nr = m - r0 < 4 ? m - r0 : 4;
      for (int t = 0; t < 4; t++) {
        if (t >= nr) {
          memset(ap[t], 0, (size_t)(2 * kp) * sizeof(int16_t));
          continue;
        }
        const uint8_t *row = j->a + (r0 + t) * k;
        const __m512i za = _mm512_set1_epi16((int16_t)(j->za ? j->za[(r0 + t) * j->za_step] : 0));
        for (int64_t i = 0; i < k; i += 32) {
          const __mmask32 km = lanes32(k - i);
          const __m256i v = _mm256_maskz_loadu_epi8(km, row + i);
          const __m512i w = j->a_signed ? _mm512_cvtepi8_epi16(v) : _mm512_cvtepu8_epi16(v);
          _mm512_store_si512(ap[t] + i, _mm512_maskz_sub_epi16(km, w, za)); /* lane k (odd k) is 0 */
        }
      }
      __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
      for (int64_t p = 0; p < kp; p++) {
        const __m512i b = _mm512_load_si512(bp + p * 32);
        int32_t q0, q1, q2, q3;
        memcpy(&q0, ap[0] + 2 * p, 4), memcpy(&q1, ap[1] + 2 * p, 4);
        memcpy(&q2, ap[2] + 2 * p, 4), memcpy(&q3, ap[3] + 2 * p, 4);
        s0 = _mm512_dpwssd_epi32(s0, _mm512_set1_epi32(q0), b);
        s1 = _mm512_dpwssd_epi32(s1, _mm512_set1_epi32(q1), b);
        s2 = _mm512_dpwssd_epi32(s2, _mm512_set1_epi32(q2), b);
        s3 = _mm512_dpwssd_epi32(s3, _mm512_set1_epi32(q3), b);
      }
      const __m512i s[4] = {s0, s1, s2, s3};
      if (j->yq && requant_tile(j, r0, nr, c0, cm, s)) continue;
      _mm512_store_si512(acc, s0), _mm512_store_si512(acc + 16, s1);
      _mm512_store_si512(acc + 32, s2), _mm512_store_si512(acc + 48, s3);
      j->emit(j->ctx, r0, nr, c0, nc, acc, 16);
    }
  }
}
