/* f32 GEMM microkernel, 14x32 tile (28 zmm accumulators, 2 for B, 1 for the
 * broadcast A), AVX-512F. Contract: qrt_internal.h. Built with -mavx512f -mfma.
 *
 * Rounding: every a*b is added with a fused multiply-add (one rounding per k
 * instead of two), so results differ from the scalar reference by rounding
 * only: |err| <= kc * 2^-23 * sum |a*b| (the usual gamma_K bound), which is the
 * tolerance of test/runtime/test_gemm.c. Tails: the M tail (mr < 14) uses a
 * specialization that only reads mr rows of the panel; the N tail uses one
 * zmm when nr <= 16 and masked loads/stores. */
#include <immintrin.h>

#include "qrt_internal.h"

#define MR 14
#define NR 32

static inline __attribute__((always_inline)) void tile(const int mr, const int nv, int64_t kc,
                                                       const float *a, const float *b, float *c,
                                                       int64_t ldc, uint32_t flags,
                                                       const float *bias, float lo, float hi,
                                                       __mmask16 m0, __mmask16 m1) {
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
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = nv == 2 ? _mm512_loadu_ps(b + 16) : b0;
#pragma GCC unroll 14
    for (int i = 0; i < mr; i++) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      if (nv == 2) acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
    a += MR;
    b += NR;
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

#define QRT_CASE(r)                                                              \
  case r:                                                                        \
    if (nv == 2) tile(r, 2, kc, a, b, c, ldc, flags, bias, lo, hi, m0, m1);      \
    else tile(r, 1, kc, a, b, c, ldc, flags, bias, lo, hi, m0, m1);              \
    break;

void qrt_f32_gemm_14x32__avx512f(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                 const float *b, float *c, int64_t ldc, uint32_t flags,
                                 const float *bias, float lo, float hi) {
  const int nv = nr > 16 ? 2 : 1;
  const __mmask16 m0 = nv == 2 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1u);
  const __mmask16 m1 = nv == 2 ? (__mmask16)((1u << (nr - 16)) - 1u) : 0;
  switch (mr) {
    QRT_CASE(1) QRT_CASE(2) QRT_CASE(3) QRT_CASE(4) QRT_CASE(5) QRT_CASE(6) QRT_CASE(7)
    QRT_CASE(8) QRT_CASE(9) QRT_CASE(10) QRT_CASE(11) QRT_CASE(12) QRT_CASE(13) QRT_CASE(14)
    default: break;
  }
}
