/* Weight-only tiles for aarch64 Advanced SIMD: 4 rows x 16 columns (four
 * q registers of 4 lanes). Contract in wo_internal.h; the scheme of the x86
 * files: weights widened to 32-bit lanes (sxtl / usubl from the zero point,
 * fcvtl for f16: exact), converted (exact), one fmul by the scale (wdq
 * bit-identical to the scalar variant's), products summed with fmla; a
 * one-row tile keeps separate even-k and odd-k sums. */
#include <arm_neon.h>

#include "wo_internal.h"

#define QRT_INLINE static inline __attribute__((always_inline))
enum { MR = QRT_WO_NEON_MR, NR = QRT_WO_NEON_NR };

typedef struct {
  float32x4_t a[MR][4];
  float32x4_t odd[4];
} acc_t;

QRT_INLINE void begin(const qrt_wo_tile_t *t, const int R, acc_t *acc) {
  for (int i = 0; i < R; i++) {
    if (t->accumulate) {
      float tmp[NR] = {0};
      const float *y = t->y + i * t->ldy;
      if (t->nr < NR) {
        for (int64_t j = 0; j < t->nr; j++) tmp[j] = y[j];
        y = tmp;
      }
      for (int v = 0; v < 4; v++) acc->a[i][v] = vld1q_f32(y + 4 * v);
    } else {
      for (int v = 0; v < 4; v++) acc->a[i][v] = t->bias ? vld1q_f32(t->bias + 4 * v) : vdupq_n_f32(0.0f);
    }
  }
  for (int v = 0; v < 4; v++) acc->odd[v] = vdupq_n_f32(0.0f);
}

QRT_INLINE void end(const qrt_wo_tile_t *t, const int R, acc_t *acc) {
  if (R == 1)
    for (int v = 0; v < 4; v++) acc->a[0][v] = vaddq_f32(acc->a[0][v], acc->odd[v]);
  for (int i = 0; i < R; i++) {
    float *y = t->y + i * t->ldy;
    if (t->nr == NR) {
      for (int v = 0; v < 4; v++) vst1q_f32(y + 4 * v, acc->a[i][v]);
    } else {
      float tmp[NR];
      for (int v = 0; v < 4; v++) vst1q_f32(tmp + 4 * v, acc->a[i][v]);
      for (int64_t j = 0; j < t->nr; j++) y[j] = tmp[j];
    }
  }
}

QRT_INLINE void fma_rows(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, const float32x4_t *w,
                         acc_t *acc) {
  if (R < 0) { /* dequantize into the block at t->y */
    for (int v = 0; v < 4; v++) vst1q_f32(t->y + kk * NR + 4 * v, w[v]);
    return;
  }
  for (int i = 0; i < R; i++) {
    const float xv = t->x[i * t->ldx + kk];
    float32x4_t *a = (R == 1 && odd) ? acc->odd : acc->a[i];
    for (int v = 0; v < 4; v++) a[v] = vfmaq_n_f32(a[v], w[v], xv);
  }
}

/* Four int16x8 halves -> 16 floats * scales. */
QRT_INLINE void scale16(int16x8_t lo, int16x8_t hi, const float32x4_t *s, float32x4_t *out) {
  out[0] = vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), s[0]);
  out[1] = vmulq_f32(vcvtq_f32_s32(vmovl_high_s16(lo)), s[1]);
  out[2] = vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), s[2]);
  out[3] = vmulq_f32(vcvtq_f32_s32(vmovl_high_s16(hi)), s[3]);
}

typedef struct {
  float32x4_t s[4];
} s8_scales_t;

QRT_INLINE void s8_scales(const qrt_wo_tile_t *t, s8_scales_t *s) {
  for (int v = 0; v < 4; v++) s->s[v] = vld1q_f32(t->scales + 4 * v);
}

QRT_INLINE void s8_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, const s8_scales_t *s,
                        acc_t *acc) {
  const int8x16_t q = vld1q_s8((const int8_t *)t->w + kk * NR);
  float32x4_t wd[4];
  scale16(vmovl_s8(vget_low_s8(q)), vmovl_high_s8(q), s->s, wd);
  fma_rows(t, R, kk, odd, wd, acc);
}

typedef struct {
  float32x4_t s[4];
  uint8x16_t z;
} q4_group_t;

QRT_INLINE void q4_group(const qrt_wo_tile_t *t, int64_t gi, q4_group_t *g) {
  for (int v = 0; v < 4; v++) g->s[v] = vld1q_f32(t->scales + gi * NR + 4 * v);
  g->z = t->zp ? vld1q_u8(t->zp + gi * NR) : vdupq_n_u8(8);
}

QRT_INLINE void q4_pair(const qrt_wo_tile_t *t, const int R, int64_t kk, const q4_group_t *g, acc_t *acc) {
  const uint8x16_t b = vld1q_u8((const uint8_t *)t->w + kk / 2 * NR);
  const uint8x16_t l = vandq_u8(b, vdupq_n_u8(15)), h = vshrq_n_u8(b, 4), z = g->z;
  /* code - zp in 16 bits: the wrapped unsigned difference is the signed one */
  float32x4_t lo[4], hi[4];
  scale16(vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(l), vget_low_u8(z))),
          vreinterpretq_s16_u16(vsubl_high_u8(l, z)), g->s, lo);
  scale16(vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(h), vget_low_u8(z))),
          vreinterpretq_s16_u16(vsubl_high_u8(h, z)), g->s, hi);
  fma_rows(t, R, kk, 0, lo, acc);
  fma_rows(t, R, kk + 1, 1, hi, acc);
}

QRT_INLINE void f16_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc) {
  const uint16_t *w = (const uint16_t *)t->w + kk * NR;
  const float16x8_t h0 = vreinterpretq_f16_u16(vld1q_u16(w)), h1 = vreinterpretq_f16_u16(vld1q_u16(w + 8));
  const float32x4_t wd[4] = {vcvt_f32_f16(vget_low_f16(h0)), vcvt_high_f32_f16(h0),
                             vcvt_f32_f16(vget_low_f16(h1)), vcvt_high_f32_f16(h1)};
  fma_rows(t, R, kk, odd, wd, acc);
}

QRT_INLINE void f32_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc) {
  const float *w = (const float *)t->w + kk * NR;
  const float32x4_t wd[4] = {vld1q_f32(w), vld1q_f32(w + 4), vld1q_f32(w + 8), vld1q_f32(w + 12)};
  fma_rows(t, R, kk, odd, wd, acc);
}

#define QRT_WO_ISA neon
#include "wo_gemm_tiles.h"
