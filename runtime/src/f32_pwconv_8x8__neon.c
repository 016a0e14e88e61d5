/* f32 pointwise conv microkernel, 8 output channels x 8 pixels, aarch64 NEON.
 * Contract: f32_conv_internal.h. Channels are broadcast (FMLA by element),
 * pixels are two q registers per channel: 16 accumulators. Each product is
 * fused (one rounding, within the bound test/runtime/test_conv2d.c checks);
 * the clamp (FMAX/FMIN) propagates NaN.
 * Tails: only the mr weights and np pixels of each k are read (mr < 8: one
 * broadcast load per channel; np < 8: the pixels through a zeroed 8-float
 * copy), only c[i*ldc + q] for i < mr, q < np is read (LOAD_C) and stored. */
#include <arm_neon.h>
#include <string.h>

#include "f32_conv_internal.h"

#define MR 8
#define NP 8

/* acc[i] += w[i] * px for i < mr. */
#define FMA_ROW(i, wv, lane)                                              \
  do {                                                                    \
    acc0[i] = vfmaq_laneq_f32(acc0[i], x0, wv, lane);                     \
    acc1[i] = vfmaq_laneq_f32(acc1[i], x1, wv, lane);                     \
  } while (0)

static inline __attribute__((always_inline)) void tile(const int mr, const int full_np, int64_t np,
                                                       int64_t kc, const float *w, int64_t ldw,
                                                       const float *x, int64_t ldx, float *c,
                                                       int64_t ldc, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  float32x4_t acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_LOAD_C) {
      if (full_np) {
        acc0[i] = vld1q_f32(c + i * ldc);
        acc1[i] = vld1q_f32(c + i * ldc + 4);
      } else {
        float t[NP] = {0};
        memcpy(t, c + i * ldc, (size_t)np * sizeof(float));
        acc0[i] = vld1q_f32(t);
        acc1[i] = vld1q_f32(t + 4);
      }
    } else {
      acc0[i] = vdupq_n_f32(bias ? bias[i] : 0.0f);
      acc1[i] = acc0[i];
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const float *wk = w + k * ldw, *xk = x + k * ldx;
    float32x4_t x0, x1;
    if (full_np) {
      x0 = vld1q_f32(xk);
      x1 = vld1q_f32(xk + 4);
    } else {
      float t[NP] = {0};
      memcpy(t, xk, (size_t)np * sizeof(float));
      x0 = vld1q_f32(t);
      x1 = vld1q_f32(t + 4);
    }
    if (mr == MR) {
      const float32x4_t w0 = vld1q_f32(wk), w1 = vld1q_f32(wk + 4);
      FMA_ROW(0, w0, 0);
      FMA_ROW(1, w0, 1);
      FMA_ROW(2, w0, 2);
      FMA_ROW(3, w0, 3);
      FMA_ROW(4, w1, 0);
      FMA_ROW(5, w1, 1);
      FMA_ROW(6, w1, 2);
      FMA_ROW(7, w1, 3);
    } else {
#pragma GCC unroll 8
      for (int i = 0; i < mr; i++) {
        const float32x4_t wi = vld1q_dup_f32(wk + i);
        acc0[i] = vfmaq_f32(acc0[i], x0, wi);
        acc1[i] = vfmaq_f32(acc1[i], x1, wi);
      }
    }
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
    if (full_np) {
      vst1q_f32(c + i * ldc, acc0[i]);
      vst1q_f32(c + i * ldc + 4, acc1[i]);
    } else {
      float t[NP];
      vst1q_f32(t, acc0[i]);
      vst1q_f32(t + 4, acc1[i]);
      memcpy(c + i * ldc, t, (size_t)np * sizeof(float));
    }
  }
}

static inline __attribute__((always_inline)) void tile_np(const int full_np, int64_t mr, int64_t np,
                                                          int64_t kc, const float *w, int64_t ldw,
                                                          const float *x, int64_t ldx, float *c,
                                                          int64_t ldc, uint32_t flags,
                                                          const float *bias, float lo, float hi) {
  switch (mr) {
    case 1: tile(1, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 2: tile(2, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 3: tile(3, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 4: tile(4, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 5: tile(5, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 6: tile(6, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 7: tile(7, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 8: tile(8, full_np, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    default: break;
  }
}

void qrt_f32_pwconv_8x8__neon(int64_t mr, int64_t np, int64_t kc, const float *w, int64_t ldw,
                              const float *x, int64_t ldx, float *c, int64_t ldc, uint32_t flags,
                              const float *bias, float lo, float hi) {
  if (np == NP) tile_np(1, mr, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi);
  else tile_np(0, mr, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi);
}
