/* f32 GEMM microkernel, 16x4 tile (16 q-register accumulators, one per row of
 * 4 columns), aarch64 NEON. Contract: qrt_internal.h. NEON is the aarch64
 * baseline: no extra flags.
 *
 * Why 4 columns: the packed-B layout depends on NR and KC only, and with the
 * scalar tile's (4, 128) a B packed for the scalar row is also this row's. A
 * library compiled on x86 for aarch64 has its weights packed for the scalar
 * row, and f32_gemm.c lets this row run them (docs/aarch64.md).
 *
 * Each k: one vector of B (4 columns), the 16 rows of A as four vectors, 16
 * FMLA by element: every a*b is fused (one rounding per k instead of two):
 * |err| vs the scalar reference <= kc * 2^-23 * sum |a*b|, within the bound
 * test/runtime/test_gemm.c checks. FMAX/FMIN return NaN when either operand
 * is NaN, so the clamp propagates NaN as the contract asks.
 * Tails: mr < 16 is a specialization that loads only the A vectors holding
 * rows < mr and stores rows < mr; nr < 4 goes through a 16x4 tile on the
 * stack. */
#include <arm_neon.h>

#include "qrt_internal.h"

#define MR 16
#define NR 4

/* acc[i] += b * a[i], for row i = 4*v + lane of vector av */
#define ROWS(v, av)                                                              \
  do {                                                                           \
    if (4 * (v) + 0 < mr) acc[4 * (v) + 0] = vfmaq_laneq_f32(acc[4 * (v) + 0], bv, av, 0); \
    if (4 * (v) + 1 < mr) acc[4 * (v) + 1] = vfmaq_laneq_f32(acc[4 * (v) + 1], bv, av, 1); \
    if (4 * (v) + 2 < mr) acc[4 * (v) + 2] = vfmaq_laneq_f32(acc[4 * (v) + 2], bv, av, 2); \
    if (4 * (v) + 3 < mr) acc[4 * (v) + 3] = vfmaq_laneq_f32(acc[4 * (v) + 3], bv, av, 3); \
  } while (0)

static inline __attribute__((always_inline)) void tile(const int mr, int64_t kc, const float *a,
                                                       const float *b, float *c, int64_t ldc,
                                                       uint32_t flags, const float *bias, float lo,
                                                       float hi) {
  float32x4_t acc[MR];
#pragma GCC unroll 16
  for (int i = 0; i < mr; i++)
    acc[i] = (flags & QRT_UK_LOAD_C) ? vld1q_f32(c + i * ldc)
                                     : vdupq_n_f32(bias ? bias[i] : 0.0f);
  for (int64_t k = 0; k < kc; k++) {
    const float32x4_t bv = vld1q_f32(b);
    const float32x4_t a0 = vld1q_f32(a);
    ROWS(0, a0);
    if (mr > 4) {
      const float32x4_t a1 = vld1q_f32(a + 4);
      ROWS(1, a1);
    }
    if (mr > 8) {
      const float32x4_t a2 = vld1q_f32(a + 8);
      ROWS(2, a2);
    }
    if (mr > 12) {
      const float32x4_t a3 = vld1q_f32(a + 12);
      ROWS(3, a3);
    }
    a += MR;
    b += NR;
  }
  if (flags & QRT_UK_CLAMP) {
    const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
#pragma GCC unroll 16
    for (int i = 0; i < mr; i++) acc[i] = vminq_f32(vmaxq_f32(acc[i], vlo), vhi);
  }
#pragma GCC unroll 16
  for (int i = 0; i < mr; i++) vst1q_f32(c + i * ldc, acc[i]);
}

#define CASE(m) \
  case m: tile(m, kc, a, b, c, ldc, flags, bias, lo, hi); break;

static void tile_any(int64_t mr, int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                     uint32_t flags, const float *bias, float lo, float hi) {
  switch (mr) {
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
    CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15) CASE(16)
    default: break;
  }
}

void qrt_f32_gemm_16x4__neon(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b,
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
