/* f32 conv microkernel (indirect GEMM, transposed C), 14 pixels x 32 output
 * channels (28 zmm accumulators, 2 for the weights, 1 for the broadcast
 * pixel), AVX-512F. Contract: qrt_internal.h. Built with -mavx512f -mfma.
 *
 * Rounding: every a*b is added with a fused multiply-add, in increasing k, so
 * results differ from the scalar reference by rounding only (the bound of
 * test/runtime/test_conv2d.c). Tails: mr < 14 is a specialization that reads
 * mr pixels per tap (and even mr with a2, two runs of mr/2: 7x7 maps); nr <= 16 uses one zmm of weights; channel rows past nr
 * and pixel lanes past mr are never stored (masked stores).
 *
 * The accumulators hold [pixel][channel]; the output is NCHW [channel][pixel],
 * so the tile is transposed on the way out with 16x16 in-register transposes
 * (64 shuffles per 16 channels, once per tile, against 14*K cycles of FMAs).
 * Partial sums of a K block that is not the last stay in [pixel][channel]
 * order: 28 plain loads and stores. */
#include <immintrin.h>

#include "f32_conv_internal.h"

#define MR 14
#define NR 32

/* r[i][j] -> r[j][i] for a 16x16 block held in 16 zmm. */
static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) { /* per 128-bit lane: rows 2i, 2i+1 interleaved */
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) { /* u[4i + m]: rows 4i..4i+3 of column 4L+m, lane L */
    const __m512d a0 = _mm512_castps_pd(t[4 * i]), a1 = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d a2 = _mm512_castps_pd(t[4 * i + 2]), a3 = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
  }
#pragma GCC unroll 4
  for (int m = 0; m < 4; m++) { /* gather the four row groups of column 4L+m */
    const __m512 w0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x44);
    const __m512 w1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xee);
    const __m512 w2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x44);
    const __m512 w3 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xee);
    r[m] = _mm512_shuffle_f32x4(w0, w2, 0x88);
    r[4 + m] = _mm512_shuffle_f32x4(w0, w2, 0xdd);
    r[8 + m] = _mm512_shuffle_f32x4(w1, w3, 0x88);
    r[12 + m] = _mm512_shuffle_f32x4(w1, w3, 0xdd);
  }
}

/* Stores acc[t] (t < mr; 16 channels each) as channel rows c[j*ldc + t], j < nrow. */
static inline __attribute__((always_inline)) void store_t(const int mr, const __m512 *acc, int nrow,
                                                          float *c, int64_t ldc, __mmask16 pm) {
  __m512 r[16];
#pragma GCC unroll 16
  for (int t = 0; t < 16; t++) r[t] = t < mr ? acc[t] : _mm512_setzero_ps();
  transpose16(r);
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++)
    if (j < nrow) _mm512_mask_storeu_ps(c + j * ldc, pm, r[j]);
}

/* h > 0: pixels t >= h come from a2 (two runs of h = mr/2 pixels). */
static inline __attribute__((always_inline)) void tile(const int mr, const int h, const int nv,
                                                       int64_t nr, int64_t kc, const float *a,
                                                       const float *a2, const int64_t *off,
                                                       const float *b,
                                                       float *c, int64_t ldc, float *part,
                                                       uint32_t flags, const float *bias, float lo,
                                                       float hi) {
  const __mmask16 pm = (__mmask16)((1u << mr) - 1u);
  const int n0 = nr < 16 ? (int)nr : 16, n1 = nr > 16 ? (int)nr - 16 : 0;
  __m512 acc0[MR], acc1[MR];
  if (flags & QRT_IGEMM_PART_IN) {
#pragma GCC unroll 14
    for (int t = 0; t < mr; t++) {
      acc0[t] = _mm512_loadu_ps(part + t * NR);
      if (nv == 2) acc1[t] = _mm512_loadu_ps(part + t * NR + 16);
    }
  } else {
    __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
    if (bias) {
      b0 = _mm512_maskz_loadu_ps((__mmask16)((1u << n0) - 1u), bias);
      if (nv == 2) b1 = _mm512_maskz_loadu_ps((__mmask16)((1u << n1) - 1u), bias + 16);
    }
#pragma GCC unroll 14
    for (int t = 0; t < mr; t++) {
      acc0[t] = b0;
      if (nv == 2) acc1[t] = b1;
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const float *ak = a + off[k], *ak2 = h ? a2 + off[k] - h : ak;
    /* The weights stream through once per tile block (from L3 for the 9 MB of a
     * 512x512x3x3 layer): fetch 32 taps (4 KB) ahead, past the panel's end too
     * (the next panel follows it in memory). A prefetch never faults. */
    _mm_prefetch((const char *)(b + 32 * NR), _MM_HINT_T0);
    _mm_prefetch((const char *)(b + 32 * NR + 16), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = nv == 2 ? _mm512_loadu_ps(b + 16) : b0;
#pragma GCC unroll 14
    for (int t = 0; t < mr; t++) {
      const __m512 at = _mm512_set1_ps(h && t >= h ? ak2[t] : ak[t]);
      acc0[t] = _mm512_fmadd_ps(at, b0, acc0[t]);
      if (nv == 2) acc1[t] = _mm512_fmadd_ps(at, b1, acc1[t]);
    }
    b += NR;
  }
  if (flags & QRT_IGEMM_PART_OUT) {
#pragma GCC unroll 14
    for (int t = 0; t < mr; t++) {
      _mm512_storeu_ps(part + t * NR, acc0[t]);
      _mm512_storeu_ps(part + t * NR + 16, nv == 2 ? acc1[t] : _mm512_setzero_ps());
    }
    return;
  }
  if (flags & QRT_IGEMM_CLAMP) {
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    /* max_ps(x, y) returns y when either is NaN: the accumulator goes second. */
#pragma GCC unroll 14
    for (int t = 0; t < mr; t++) {
      acc0[t] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc0[t]));
      if (nv == 2) acc1[t] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc1[t]));
    }
  }
  store_t(mr, acc0, n0, c, ldc, pm);
  if (nv == 2) store_t(mr, acc1, n1, c + 16 * ldc, ldc, pm);
}

#define QRT_CASE(r)                                                                       \
  case r:                                                                                 \
    if (nr > 16) tile(r, 0, 2, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); \
    else tile(r, 0, 1, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi);         \
    break;
#define QRT_CASE2(r)                                                                          \
  case r:                                                                                     \
    if (nr > 16) tile(r, r / 2, 2, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi); \
    else tile(r, r / 2, 1, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi);         \
    break;

void qrt_f32_igemm_14x32__avx512f(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                  const float *a2, const int64_t *off, const float *b, float *c,
                                  int64_t ldc, float *part, uint32_t flags, const float *bias,
                                  float lo, float hi) {
  if (a2) {
    switch (mr) {
      QRT_CASE2(2) QRT_CASE2(4) QRT_CASE2(6) QRT_CASE2(8) QRT_CASE2(10) QRT_CASE2(12)
      QRT_CASE2(14)
      default: break;
    }
    return;
  }
  switch (mr) {
    QRT_CASE(1) QRT_CASE(2) QRT_CASE(3) QRT_CASE(4) QRT_CASE(5) QRT_CASE(6) QRT_CASE(7)
    QRT_CASE(8) QRT_CASE(9) QRT_CASE(10) QRT_CASE(11) QRT_CASE(12) QRT_CASE(13) QRT_CASE(14)
    default: break;
  }
}
