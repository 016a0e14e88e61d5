/* f32 conv microkernel (indirect GEMM, transposed C), 4 pixels x 4 output
 * channels, aarch64 NEON. Contract: f32_conv_internal.h.
 *
 * Why 4x4, the scalar tile's shape: a library compiled on x86 for aarch64
 * (qcc compile --target=aarch64) has its conv scratch and unpacked-weights
 * sizes computed there, from the x86 rows of the table; with the scalar row's
 * MR, NR, KC and MC this row's plan and packed size are the scalar row's, so
 * they always fit (docs/aarch64.md).
 *
 * One q register per output channel holds the tile's 4 pixels (lane t = pixel
 * t), so the NCHW store of a channel is one vector and the 4 pixels of a tap
 * one load. Taps alternate between two sets of 4 accumulators (8 independent
 * FMA chains), added at the end: each product is fused (one rounding), then one
 * add; within the (K+3) 2^-23 S bound test/runtime/test_conv2d.c checks. The
 * clamp uses FMAX/FMIN, which return NaN when an operand is NaN.
 * Tails: exactly mr pixels per tap are read (lane loads for mr < 4); lanes past
 * mr stay zero and are not stored. Partial sums (part[t*4 + j]) go through a
 * transposing copy, once per K block. */
#include <arm_neon.h>

#include "f32_conv_internal.h"

#define MR 4
#define NR 4

/* Pixel t of a tap: ak[t] for t < h, a2k[t - h] after. */
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

/* acc[j] += px * b[j], j < 4 */
#define TAP(acc, px, bv)                               \
  do {                                                 \
    acc[0] = vfmaq_laneq_f32(acc[0], px, bv, 0);       \
    acc[1] = vfmaq_laneq_f32(acc[1], px, bv, 1);       \
    acc[2] = vfmaq_laneq_f32(acc[2], px, bv, 2);       \
    acc[3] = vfmaq_laneq_f32(acc[3], px, bv, 3);       \
  } while (0)

static inline __attribute__((always_inline)) void tile(const int mr, const int h, int64_t nr,
                                                       int64_t kc, const float *a, const float *a2,
                                                       const int64_t *off, const float *b, float *c,
                                                       int64_t ldc, float *part, uint32_t flags,
                                                       const float *bias, float lo, float hi) {
  float32x4_t acc[NR], acc2[NR];
  if (flags & QRT_IGEMM_PART_IN) {
    float st[NR][MR] = {{0}};
    for (int t = 0; t < mr; t++)
      for (int j = 0; j < NR; j++) st[j][t] = part[t * NR + j];
    for (int j = 0; j < NR; j++) acc[j] = vld1q_f32(st[j]);
  } else {
    for (int j = 0; j < NR; j++) acc[j] = vdupq_n_f32(bias && j < nr ? bias[j] : 0.0f);
  }
  for (int j = 0; j < NR; j++) acc2[j] = vdupq_n_f32(0.0f);
  const float *a2o = a2 ? a2 : a;
  int64_t k = 0;
  for (; k + 2 <= kc; k += 2) {
    const float32x4_t p0 = load_pixels(mr, h, a + off[k], a2o + off[k]);
    const float32x4_t p1 = load_pixels(mr, h, a + off[k + 1], a2o + off[k + 1]);
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + NR);
    TAP(acc, p0, b0);
    TAP(acc2, p1, b1);
    b += 2 * NR;
  }
  if (k < kc) {
    const float32x4_t p0 = load_pixels(mr, h, a + off[k], a2o + off[k]);
    const float32x4_t b0 = vld1q_f32(b);
    TAP(acc, p0, b0);
  }
  for (int j = 0; j < NR; j++) acc[j] = vaddq_f32(acc[j], acc2[j]);
  if (flags & QRT_IGEMM_PART_OUT) {
    float st[NR][MR];
    for (int j = 0; j < NR; j++) vst1q_f32(st[j], acc[j]);
    for (int t = 0; t < mr; t++)
      for (int j = 0; j < NR; j++) part[t * NR + j] = st[j][t];
    return;
  }
  if (flags & QRT_IGEMM_CLAMP) {
    const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
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

void qrt_f32_igemm_4x4__neon(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *a2,
                             const int64_t *off, const float *b, float *c, int64_t ldc, float *part,
                             uint32_t flags, const float *bias, float lo, float hi) {
  /* (mr, h): h = mr/2 with a second run a2 (then mr is even), else h = mr */
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
