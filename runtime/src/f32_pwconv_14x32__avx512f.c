/* f32 pointwise conv microkernel, 14 output channels x 32 output pixels (28 zmm
 * accumulators, 2 for the input, 1 for the broadcast weight), AVX-512F.
 * Contract: f32_conv_internal.h. Built with -mavx512f -mfma.
 *
 * The igemm tile's mirror image for 1x1 stride-1 convs on big maps: the weights
 * are broadcast from the igemm-packed panel, the pixels of input channel k are
 * two vectors loaded straight from the NCHW input, and output rows are stored
 * as they are. Rounding: one FMA per product, in increasing k: results differ
 * from the scalar reference by rounding only. Tails: mr < 14 is a
 * specialization; pixels past np are neither loaded nor stored (masks). */
#include <immintrin.h>

#include "f32_conv_internal.h"

#define MR 14

static inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

static inline __attribute__((always_inline)) void tile(const int mr, const int nv, int64_t np,
                                                       int64_t kc, const float *w, int64_t ldw,
                                                       const float *x, int64_t ldx, float *c,
                                                       int64_t ldc, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  const __mmask16 m0 = lanes(np), m1 = lanes(np - 16);
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 14
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_LOAD_C) {
      acc0[i] = _mm512_maskz_loadu_ps(m0, c + i * ldc);
      if (nv == 2) acc1[i] = _mm512_maskz_loadu_ps(m1, c + i * ldc + 16);
    } else {
      acc0[i] = bias ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
      if (nv == 2) acc1[i] = acc0[i];
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m512 x0 = _mm512_maskz_loadu_ps(m0, x);
    const __m512 x1 = nv == 2 ? _mm512_maskz_loadu_ps(m1, x + 16) : x0;
#pragma GCC unroll 14
    for (int i = 0; i < mr; i++) {
      const __m512 wi = _mm512_set1_ps(w[i]);
      acc0[i] = _mm512_fmadd_ps(wi, x0, acc0[i]);
      if (nv == 2) acc1[i] = _mm512_fmadd_ps(wi, x1, acc1[i]);
    }
    w += ldw;
    x += ldx;
  }
  if (flags & QRT_UK_CLAMP) {
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    /* max_ps(x, y) returns y when either is NaN: the accumulator goes second. */
#pragma GCC unroll 14
    for (int i = 0; i < mr; i++) {
      acc0[i] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc0[i]));
      if (nv == 2) acc1[i] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc1[i]));
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < mr; i++) {
    _mm512_mask_storeu_ps(c + i * ldc, m0, acc0[i]);
    if (nv == 2) _mm512_mask_storeu_ps(c + i * ldc + 16, m1, acc1[i]);
  }
}

#define QRT_CASE(r)                                                                  \
  case r:                                                                            \
    if (np > 16) tile(r, 2, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); \
    else tile(r, 1, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi);         \
    break;

void qrt_f32_pwconv_14x32__avx512f(int64_t mr, int64_t np, int64_t kc, const float *w,
                                   int64_t ldw, const float *x, int64_t ldx, float *c,
                                   int64_t ldc, uint32_t flags, const float *bias, float lo,
                                   float hi) {
  switch (mr) {
    QRT_CASE(1) QRT_CASE(2) QRT_CASE(3) QRT_CASE(4) QRT_CASE(5) QRT_CASE(6) QRT_CASE(7)
    QRT_CASE(8) QRT_CASE(9) QRT_CASE(10) QRT_CASE(11) QRT_CASE(12) QRT_CASE(13) QRT_CASE(14)
    default: break;
  }
}
