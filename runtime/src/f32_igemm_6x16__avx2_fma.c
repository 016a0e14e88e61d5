/* f32 conv microkernel (indirect GEMM, transposed C), 6 pixels x 16 output
 * channels (12 ymm accumulators), AVX2 + FMA. Contract: f32_conv_internal.h.
 * Built with -mavx2 -mfma.
 *
 * Rounding: every a*b is added with a fused multiply-add, in increasing k:
 * results differ from the scalar reference by rounding only. Tails: mr < 6 is
 * a specialization reading mr pixels per tap (even mr with a2: two runs); channel rows past nr and pixel
 * lanes past mr are never stored (maskstore). The [pixel][channel]
 * accumulators are transposed to the NCHW rows with 8x8 in-register
 * transposes; partial sums of a K block that is not the last stay in
 * [pixel][channel] order. */
#include <immintrin.h>

#include "f32_conv_internal.h"

#define MR 6
#define NR 16

/* r[i][j] -> r[j][i] for an 8x8 block held in 8 ymm. */
static inline __attribute__((always_inline)) void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 2; i++) { /* u[4i + m]: rows 4i..4i+3 of columns m | m+4 */
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
  }
#pragma GCC unroll 4
  for (int m = 0; m < 4; m++) {
    r[m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x20);
    r[4 + m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x31);
  }
}

static inline __m256i lane_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* h > 0: pixels t >= h come from a2 (two runs of h = mr/2 pixels). */
static inline __attribute__((always_inline)) void tile(const int mr, const int h, int64_t nr,
                                                       int64_t kc, const float *a,
                                                       const float *a2, const int64_t *off,
                                                       const float *b, float *c, int64_t ldc,
                                                       float *part, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  const __m256i pm = lane_mask(mr);
  __m256 acc[2][MR];
  if (flags & QRT_IGEMM_PART_IN) {
#pragma GCC unroll 6
    for (int t = 0; t < mr; t++) {
      acc[0][t] = _mm256_loadu_ps(part + t * NR);
      acc[1][t] = _mm256_loadu_ps(part + t * NR + 8);
    }
  } else {
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    if (bias) {
      b0 = _mm256_maskload_ps(bias, lane_mask(nr));
      b1 = _mm256_maskload_ps(bias + 8, lane_mask(nr - 8));
    }
#pragma GCC unroll 6
    for (int t = 0; t < mr; t++) acc[0][t] = b0, acc[1][t] = b1;
  }
  for (int64_t k = 0; k < kc; k++) {
    const float *ak = a + off[k], *ak2 = h ? a2 + off[k] - h : ak;
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int t = 0; t < mr; t++) {
      const __m256 at = _mm256_broadcast_ss(h && t >= h ? ak2 + t : ak + t);
      acc[0][t] = _mm256_fmadd_ps(at, b0, acc[0][t]);
      acc[1][t] = _mm256_fmadd_ps(at, b1, acc[1][t]);
    }
    b += NR;
  }
  if (flags & QRT_IGEMM_PART_OUT) {
#pragma GCC unroll 6
    for (int t = 0; t < mr; t++) {
      _mm256_storeu_ps(part + t * NR, acc[0][t]);
      _mm256_storeu_ps(part + t * NR + 8, acc[1][t]);
    }
    return;
  }
  if (flags & QRT_IGEMM_CLAMP) {
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    /* max_ps(x, y) returns y when either is NaN: the accumulator goes second. */
#pragma GCC unroll 6
    for (int t = 0; t < mr; t++) {
      acc[0][t] = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc[0][t]));
      acc[1][t] = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc[1][t]));
    }
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; h++) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int t = 0; t < 8; t++) r[t] = t < mr ? acc[h][t] : _mm256_setzero_ps();
    transpose8(r);
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++)
      if (8 * h + j < nr) _mm256_maskstore_ps(c + (8 * h + j) * ldc, pm, r[j]);
  }
}

void qrt_f32_igemm_6x16__avx2_fma(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                  const float *a2, const int64_t *off, const float *b, float *c,
                                  int64_t ldc, float *part, uint32_t flags, const float *bias,
                                  float lo, float hi) {
  if (a2) {
    switch (mr) {
      case 2: tile(2, 1, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
      case 4: tile(4, 2, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
      case 6: tile(6, 3, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
      default: break;
    }
    return;
  }
  switch (mr) {
    case 1: tile(1, 0, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 2: tile(2, 0, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 3: tile(3, 0, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 4: tile(4, 0, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 5: tile(5, 0, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 6: tile(6, 0, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); break;
    default: break;
  }
}
