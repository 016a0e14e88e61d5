/* f32 pointwise conv microkernel, 6 output channels x 16 output pixels (12 ymm
 * accumulators), AVX2 + FMA. Contract: f32_conv_internal.h. Built with -mavx2
 * -mfma. Weights broadcast from the igemm-packed panel, input pixels loaded
 * straight from the NCHW input, output rows stored as they are. Rounding: one
 * FMA per product in increasing k: differs from the scalar reference by
 * rounding only. Tails: mr < 6 is a specialization; pixels past np are
 * neither loaded nor stored (maskload/maskstore). */
#include <immintrin.h>

#include "f32_conv_internal.h"

#define MR 6

static inline __m256i lane_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline __attribute__((always_inline)) void tile(const int mr, int64_t np, int64_t kc,
                                                       const float *w, int64_t ldw,
                                                       const float *x, int64_t ldx, float *c,
                                                       int64_t ldc, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  const __m256i m0 = lane_mask(np), m1 = lane_mask(np - 8);
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_LOAD_C) {
      acc0[i] = _mm256_maskload_ps(c + i * ldc, m0);
      acc1[i] = _mm256_maskload_ps(c + i * ldc + 8, m1);
    } else {
      acc0[i] = acc1[i] = bias ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m256 x0 = _mm256_maskload_ps(x, m0), x1 = _mm256_maskload_ps(x + 8, m1);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      const __m256 wi = _mm256_broadcast_ss(w + i);
      acc0[i] = _mm256_fmadd_ps(wi, x0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(wi, x1, acc1[i]);
    }
    w += ldw;
    x += ldx;
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
    _mm256_maskstore_ps(c + i * ldc, m0, acc0[i]);
    _mm256_maskstore_ps(c + i * ldc + 8, m1, acc1[i]);
  }
}

void qrt_f32_pwconv_6x16__avx2_fma(int64_t mr, int64_t np, int64_t kc, const float *w,
                                   int64_t ldw, const float *x, int64_t ldx, float *c,
                                   int64_t ldc, uint32_t flags, const float *bias, float lo,
                                   float hi) {
  switch (mr) {
    case 1: tile(1, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 2: tile(2, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 3: tile(3, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 4: tile(4, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 5: tile(5, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 6: tile(6, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    default: break;
  }
}
