/* f32 conv microkernel (indirect GEMM, transposed C), 4 pixels x 16 output
 * channels, aarch64 NEON. Contract: f32_conv_internal.h.
 *
 * The accumulators are one q register per output channel holding the tile's 4
 * pixels (acc[j] lane t = pixel t of channel j), so the NCHW store of channel j
 * is one vector and the 4 pixels of a tap are one load. Each k: the 4 pixels,
 * 4 vectors of weights, 16 FMLA by element (fused: one rounding per product,
 * within the (K+3) 2^-23 S bound test/runtime/test_conv2d.c checks). The clamp
 * uses FMAX/FMIN, which return NaN when an operand is NaN.
 * Tails: exactly mr pixels per tap are read (lane loads for mr < 4); lanes past
 * mr stay zero and are not stored. Partial sums (part[t*16 + j]) go through a
 * transposing copy, once per K block. */
#include <arm_neon.h>

#include "f32_conv_internal.h"

#define MR 4
#define NR 16

/* Pixel t of tap k: a[off + t] for t < h, a2[off + t - h] after. */
#define PIX(t) ((t) < h ? ak + (t) : a2k + ((t) - h))

static inline __attribute__((always_inline)) float32x4_t load_pixels(const int mr, const int h,
                                                                     const float *ak,
                                                                     const float *a2k) {
  if (mr == 4 && h == 4) return vld1q_f32(ak);
  if (mr == 4 && h == 2) return vcombine_f32(vld1_f32(ak), vld1_f32(a2k));
  float32x4_t v = vdupq_n_f32(0.0f);
  if (mr > 0) v = vld1q_lane_f32(PIX(0), v, 0);
  if (mr > 1) v = vld1q_lane_f32(PIX(1), v, 1);
  if (mr > 2) v = vld1q_lane_f32(PIX(2), v, 2);
  if (mr > 3) v = vld1q_lane_f32(PIX(3), v, 3);
  return v;
}

static inline __attribute__((always_inline)) void tile(const int mr, const int h, int64_t nr,
                                                       int64_t kc, const float *a, const float *a2,
                                                       const int64_t *off, const float *b, float *c,
                                                       int64_t ldc, float *part, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  float32x4_t acc[NR];
  if (flags & QRT_IGEMM_PART_IN) {
    float st[NR][MR] = {{0}};
    for (int t = 0; t < mr; t++)
      for (int j = 0; j < NR; j++) st[j][t] = part[t * NR + j];
#pragma GCC unroll 16
    for (int j = 0; j < NR; j++) acc[j] = vld1q_f32(st[j]);
  } else {
#pragma GCC unroll 16
    for (int j = 0; j < NR; j++) acc[j] = vdupq_n_f32(bias && j < nr ? bias[j] : 0.0f);
  }
  for (int64_t k = 0; k < kc; k++) {
    const float32x4_t px = load_pixels(mr, h, a + off[k], a2 ? a2 + off[k] : a);
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8),
                      b3 = vld1q_f32(b + 12);
    acc[0] = vfmaq_laneq_f32(acc[0], px, b0, 0);
    acc[1] = vfmaq_laneq_f32(acc[1], px, b0, 1);
    acc[2] = vfmaq_laneq_f32(acc[2], px, b0, 2);
    acc[3] = vfmaq_laneq_f32(acc[3], px, b0, 3);
    acc[4] = vfmaq_laneq_f32(acc[4], px, b1, 0);
    acc[5] = vfmaq_laneq_f32(acc[5], px, b1, 1);
    acc[6] = vfmaq_laneq_f32(acc[6], px, b1, 2);
    acc[7] = vfmaq_laneq_f32(acc[7], px, b1, 3);
    acc[8] = vfmaq_laneq_f32(acc[8], px, b2, 0);
    acc[9] = vfmaq_laneq_f32(acc[9], px, b2, 1);
    acc[10] = vfmaq_laneq_f32(acc[10], px, b2, 2);
    acc[11] = vfmaq_laneq_f32(acc[11], px, b2, 3);
    acc[12] = vfmaq_laneq_f32(acc[12], px, b3, 0);
    acc[13] = vfmaq_laneq_f32(acc[13], px, b3, 1);
    acc[14] = vfmaq_laneq_f32(acc[14], px, b3, 2);
    acc[15] = vfmaq_laneq_f32(acc[15], px, b3, 3);
    b += NR;
  }
  if (flags & QRT_IGEMM_PART_OUT) {
    float st[NR][MR];
#pragma GCC unroll 16
    for (int j = 0; j < NR; j++) vst1q_f32(st[j], acc[j]);
    for (int t = 0; t < mr; t++)
      for (int j = 0; j < NR; j++) part[t * NR + j] = st[j][t];
    return;
  }
  if (flags & QRT_IGEMM_CLAMP) {
    const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
#pragma GCC unroll 16
    for (int j = 0; j < NR; j++) acc[j] = vminq_f32(vmaxq_f32(acc[j], vlo), vhi);
  }
  for (int64_t j = 0; j < nr; j++) {
    float *cj = c + j * ldc;
    if (mr == 4) {
      vst1q_f32(cj, acc[j]);
    } else {
      if (mr > 0) vst1q_lane_f32(cj, acc[j], 0);
      if (mr > 1) vst1q_lane_f32(cj + 1, acc[j], 1);
      if (mr > 2) vst1q_lane_f32(cj + 2, acc[j], 2);
    }
  }
}

void qrt_f32_igemm_4x16__neon(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *a2,
                              const int64_t *off, const float *b, float *c, int64_t ldc,
                              float *part, uint32_t flags, const float *bias, float lo, float hi) {
  /* (mr, h): h = mr/2 with a second row a2 (mr even), else mr */
  if (a2) {
    if (mr == 4) tile(4, 2, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi);
    else if (mr == 2) tile(2, 1, nr, kc, a, a2, off, b, c, ldc, part, flags, bias, lo, hi);
    return;
  }
  switch (mr) {
    case 1: tile(1, 1, nr, kc, a, NULL, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 2: tile(2, 2, nr, kc, a, NULL, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 3: tile(3, 3, nr, kc, a, NULL, off, b, c, ldc, part, flags, bias, lo, hi); break;
    case 4: tile(4, 4, nr, kc, a, NULL, off, b, c, ldc, part, flags, bias, lo, hi); break;
    default: break;
  }
}
