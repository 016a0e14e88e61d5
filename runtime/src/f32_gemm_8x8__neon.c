/* f32 GEMM microkernel, 8x8 tile (16 q-register accumulators), aarch64 NEON.
 * Contract: qrt_internal.h. NEON is the aarch64 baseline: no extra flags.
 *
 * Rounding: every a*b is added with a fused multiply-add (FMLA by element, one
 * rounding per k instead of two): |err| vs the scalar reference <= kc * 2^-23 *
 * sum |a*b|, the bound test/runtime/test_gemm.c checks. FMAX/FMIN return NaN
 * when either operand is NaN, so the clamp propagates NaN as the contract asks.
 * Tails: mr < 8 is a specialization reading mr rows (the panel has 8, rows past
 * mr are zero); nr < 8 goes through an 8x8 tile on the stack. */
#include <arm_neon.h>

#include "qrt_internal.h"

#define MR 8
#define NR 8

static inline __attribute__((always_inline)) void tile(const int mr, int64_t kc, const float *a,
                                                       const float *b, float *c, int64_t ldc,
                                                       uint32_t flags, const float *bias, float lo,
                                                       float hi) {
  float32x4_t acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_LOAD_C) {
      acc0[i] = vld1q_f32(c + i * ldc);
      acc1[i] = vld1q_f32(c + i * ldc + 4);
    } else {
      acc0[i] = vdupq_n_f32(bias ? bias[i] : 0.0f);
      acc1[i] = acc0[i];
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
      /* row i's a: lane i & 3 of a0 (rows 0-3) or a1 (rows 4-7) */
      const float32x4_t av = i < 4 ? a0 : a1;
      switch (i & 3) {
        case 0:
          acc0[i] = vfmaq_laneq_f32(acc0[i], b0, av, 0);
          acc1[i] = vfmaq_laneq_f32(acc1[i], b1, av, 0);
          break;
        case 1:
          acc0[i] = vfmaq_laneq_f32(acc0[i], b0, av, 1);
          acc1[i] = vfmaq_laneq_f32(acc1[i], b1, av, 1);
          break;
        case 2:
          acc0[i] = vfmaq_laneq_f32(acc0[i], b0, av, 2);
          acc1[i] = vfmaq_laneq_f32(acc1[i], b1, av, 2);
          break;
        default:
          acc0[i] = vfmaq_laneq_f32(acc0[i], b0, av, 3);
          acc1[i] = vfmaq_laneq_f32(acc1[i], b1, av, 3);
          break;
      }
    }
    a += MR;
    b += NR;
  }
  if (flags & QRT_UK_CLAMP) {
    const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
      acc0[i] = vminq_f32(vmaxq_f32(acc0[i], vlo), vhi);
      acc1[i] = vminq_f32(vmaxq_f32(acc1[i], vlo), vhi);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < mr; i++) {
    vst1q_f32(c + i * ldc, acc0[i]);
    vst1q_f32(c + i * ldc + 4, acc1[i]);
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
    case 7: tile(7, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    case 8: tile(8, kc, a, b, c, ldc, flags, bias, lo, hi); break;
    default: break;
  }
}

void qrt_f32_gemm_8x8__neon(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b,
                            float *c, int64_t ldc, uint32_t flags, const float *bias, float lo,
                            float hi) {
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
