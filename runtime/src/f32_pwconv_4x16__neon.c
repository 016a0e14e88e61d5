/* f32 pointwise conv microkernel, 4 output channels x 16 pixels, aarch64 NEON.
 * Contract: f32_conv_internal.h. The channels are those of one 4-wide weight
 * panel of the igemm_4x4 layout (ldw = 4), broadcast (FMLA by element); the
 * pixels are four q registers per channel: 16 accumulators. Each product is
 * fused (one rounding, within the bound test/runtime/test_conv2d.c checks);
 * the clamp (FMAX/FMIN) propagates NaN.
 * Tails: only the mr weights and np pixels of each k are read (mr < 4: one
 * broadcast load per channel; np < 16: the pixels through a zeroed copy), and
 * only c[i*ldc + q] for i < mr, q < np is read (LOAD_C) and stored. */
#include <arm_neon.h>
#include <string.h>

#include "f32_conv_internal.h"

#define MR 4
#define NP 16

/* 16 floats of row r into v[0..3]: all of them, or np through a zeroed copy. */
static inline __attribute__((always_inline)) void load16(const int full, const float *r, int64_t np,
                                                         float32x4_t v[4]) {
  if (full) {
    v[0] = vld1q_f32(r), v[1] = vld1q_f32(r + 4), v[2] = vld1q_f32(r + 8), v[3] = vld1q_f32(r + 12);
    return;
  }
  float t[NP] = {0};
  memcpy(t, r, (size_t)np * sizeof(float));
  v[0] = vld1q_f32(t), v[1] = vld1q_f32(t + 4), v[2] = vld1q_f32(t + 8), v[3] = vld1q_f32(t + 12);
}

#define ROW(i, wv, lane)                                                \
  do {                                                                  \
    acc[i][0] = vfmaq_laneq_f32(acc[i][0], x[0], wv, lane);             \
    acc[i][1] = vfmaq_laneq_f32(acc[i][1], x[1], wv, lane);             \
    acc[i][2] = vfmaq_laneq_f32(acc[i][2], x[2], wv, lane);             \
    acc[i][3] = vfmaq_laneq_f32(acc[i][3], x[3], wv, lane);             \
  } while (0)

static inline __attribute__((always_inline)) void tile(const int mr, const int full, int64_t np,
                                                       int64_t kc, const float *w, int64_t ldw,
                                                       const float *xp, int64_t ldx, float *c,
                                                       int64_t ldc, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  float32x4_t acc[MR][4];
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_LOAD_C) {
      load16(full, c + i * ldc, np, acc[i]);
    } else {
      acc[i][0] = vdupq_n_f32(bias ? bias[i] : 0.0f);
      acc[i][1] = acc[i][2] = acc[i][3] = acc[i][0];
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    const float *wk = w + k * ldw;
    float32x4_t x[4];
    load16(full, xp + k * ldx, np, x);
    if (mr == MR) {
      const float32x4_t wv = vld1q_f32(wk);
      ROW(0, wv, 0);
      ROW(1, wv, 1);
      ROW(2, wv, 2);
      ROW(3, wv, 3);
    } else {
      for (int i = 0; i < mr; i++) {
        const float32x4_t wi = vld1q_dup_f32(wk + i);
        for (int v = 0; v < 4; v++) acc[i][v] = vfmaq_f32(acc[i][v], x[v], wi);
      }
    }
  }
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  for (int i = 0; i < mr; i++) {
    if (flags & QRT_UK_CLAMP)
      for (int v = 0; v < 4; v++) acc[i][v] = vminq_f32(vmaxq_f32(acc[i][v], vlo), vhi);
    float *ci = c + i * ldc;
    if (full) {
      for (int v = 0; v < 4; v++) vst1q_f32(ci + 4 * v, acc[i][v]);
    } else {
      float t[NP];
      for (int v = 0; v < 4; v++) vst1q_f32(t + 4 * v, acc[i][v]);
      memcpy(ci, t, (size_t)np * sizeof(float));
    }
  }
}

static inline __attribute__((always_inline)) void tile_mr(const int full, int64_t mr, int64_t np,
                                                          int64_t kc, const float *w, int64_t ldw,
                                                          const float *x, int64_t ldx, float *c,
                                                          int64_t ldc, uint32_t flags,
                                                          const float *bias, float lo, float hi) {
  switch (mr) {
    case 1: tile(1, full, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 2: tile(2, full, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 3: tile(3, full, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    case 4: tile(4, full, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi); break;
    default: break;
  }
}

void qrt_f32_pwconv_4x16__neon(int64_t mr, int64_t np, int64_t kc, const float *w, int64_t ldw,
                               const float *x, int64_t ldx, float *c, int64_t ldc, uint32_t flags,
                               const float *bias, float lo, float hi) {
  if (np == NP) tile_mr(1, mr, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi);
  else tile_mr(0, mr, np, kc, w, ldw, x, ldx, c, ldc, flags, bias, lo, hi);
}
