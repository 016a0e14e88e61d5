/* f32 GEMM microkernel, 6x16 tile (12 ymm accumulators), AVX2 + FMA.
 * Contract: qrt_internal.h. Built with -mavx2 -mfma.
 *
 * Rounding: every a*b is added with a fused multiply-add (one rounding per k
 * instead of two): |err| vs the scalar reference <= kc * 2^-23 * sum |a*b|.
 * Tails: mr < 6 is a specialization reading mr rows; nr < 16 goes through a
 * 6x16 tile on the stack (AVX2 has no cheap masked float stores). */
#include <immintrin.h>

#include "qrt_internal.h"

#define MR 6
#define NR 16

static inline __attribute__((always_inline)) void tile(const int mr, int64_t kc, const float *a,
                                                       const float *b, float *c, int64_t ldc,
                                                       uint32_t flags, const float *bias, float lo,
                                                       float hi) {
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_LOAD_C) {
      acc0[i] = _mm256_loadu_ps(c + i * ldc);
      acc1[i] = _mm256_loadu_ps(c + i * ldc + 8);
    } else {
      acc0[i] = bias ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();
      acc1[i] = acc0[i];
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
    }
    a += MR;
    b += NR;
  }
  if (flags & QRT_UK_CLAMP) {
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    /* max_ps(x, y) returns y when either is NaN: the accumulator goes second. */
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      acc0[i] = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc0[i]));
      acc1[i] = _mm256_min_ps(vhi, _mm256_max_ps(vlo, acc1[i]));
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    _mm256_storeu_ps(c + i * ldc, acc0[i]);
    _mm256_storeu_ps(c + i * ldc + 8, acc1[i]);
  }
}

static void tile_any(int64_t mr, int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                     uint32_t flags, const float *bias, float lo, float hi) {
  switch (mr) {
    case 1: tile(1, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    case 2: tile(2, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    case 3: tile(3, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    case 4: tile(4, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    case 5: tile(5, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    case 6: tile(6, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    default: break;
  }
}

void qrt_f32_gemm_6x16__avx2_fma(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                 const float *b, float *c, int64_t ldc, uint32_t flags,
                                 const float *bias, float lo, float hi) {
  if (nr == NR) {
    tile_any(mr, kc, a, b, c, ldc, flags, bias, lo, hi);
    return;
  }
  float tmp[MR * NR] = {0};
  if (flags & QRT_UK_LOAD_C) {
    for (int64_t i = 0; i < mr; i++)
      for (int64_t j = 0; j < nr; j++) tmp[i * NR + j] = c[i * ldc + j];
  }
  tile_any(mr, kc, a, b, tmp, NR, flags, bias, lo, hi);
  for (int64_t i = 0; i < mr; i++)
    for (int64_t j = 0; j < nr; j++) c[i * ldc + j] = tmp[i * NR + j];
}
