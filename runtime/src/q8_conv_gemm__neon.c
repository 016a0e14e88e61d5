/* Int8 conv and Linear tiles for the aarch64 baseline (Advanced SIMD, no
 * flags), and the NEON requantization the dotprod row shares. Contracts in
 * q8_conv_gemm_internal.h; the driver is q8_conv_gemm.c. The packed layout is
 * avx2's (CPG 2, PW 8), so any weights the packer accepts fit.
 *
 * Lanes are 2 int16 activations (x - zx, |.| <= 255) against 2 int16 weights
 * (w - zw, |.| <= 255). smlal / smlal2 multiply the four int16 of half a
 * vector by the duplicated weight pair {w0, w1, w0, w1} and add each exact
 * product (|.| <= 255 * 255 = 65025 < 2^16) to its own int32 lane: one
 * accumulator lane per (position, channel of the pair). The two lanes of a
 * position are added by addp at the end of the tile.
 *
 * No int32 overflow, for every K the packer accepts: the int32 lanes add
 * modulo 2^32 (NEON's integer additions wrap; the intrinsics have no undefined
 * behaviour), so the final lane pair sum is the exact sum modulo 2^32. That
 * exact sum, plus the bias, lies in [-2^31, 2^31 - 1]: q8_pack_check refuses
 * weights with |bias| + max|x - zx| * sum_k |w - zw| > INT32_MAX (qrt_q8.h,
 * "Accumulation"; e.g. K <= 33025 for u8 activations with zero point 0 and
 * weights at +-255 from their zero point), so the value modulo 2^32 is the
 * value itself, whatever the order of the additions.
 *
 * Requantization, bit for bit qrt_requantize_scalar: (float)acc by scvtf and
 * the product by fmul (both round to nearest even under the default FPCR, as
 * the C conversion and multiplication do; no fused multiply-add is involved);
 * the clamp by fmax/fmin to [qmin - zp, qmax - zp] (the reference's comparisons
 * for every non-NaN value; v is NaN only when the multiplier is not finite,
 * and such runs take the scalar path); rounding half to even by fcvtns (the
 * value is already clamped, so in range). */
#include <arm_neon.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"

/* {w0, w1, w0, w1, w0, w1, w0, w1}: the int16 pair at p in every 32-bit lane */
static inline int16x8_t dup_pair(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return vreinterpretq_s16_s32(vdupq_n_s32(v));
}

/* 4 channels x 12 positions (3 vectors of 4 lanes), 24 accumulators: a[c][2j]
 * holds positions 4j, 4j+1 and a[c][2j+1] positions 4j+2, 4j+3 (each as two
 * int32 lanes, one per channel of the pair). */
void qrt_q8_conv_tile_4x12__neon(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                 const uint8_t *x, const uint8_t *w, int32_t *acc) {
  int32x4_t a[4][6];
  for (int c = 0; c < 4; c++)
    for (int j = 0; j < 6; j++) a[c][j] = vdupq_n_s32(0);
  for (int64_t cg = 0; cg < n_cg; cg++) {
    const uint8_t *xc = x + cg * cg_stride;
    for (int64_t t = 0; t < n_taps; t++) {
      const uint8_t *xp = xc + tap_off[t];
      const int16x8_t x0 = vreinterpretq_s16_u8(vld1q_u8(xp));
      const int16x8_t x1 = vreinterpretq_s16_u8(vld1q_u8(xp + 16));
      const int16x8_t x2 = vreinterpretq_s16_u8(vld1q_u8(xp + 32));
#pragma GCC unroll 4
      for (int c = 0; c < 4; c++) {
        const int16x8_t wd = dup_pair(w + 4 * c);
        const int16x4_t wl = vget_low_s16(wd);
        a[c][0] = vmlal_s16(a[c][0], vget_low_s16(x0), wl);
        a[c][1] = vmlal_high_s16(a[c][1], x0, wd);
        a[c][2] = vmlal_s16(a[c][2], vget_low_s16(x1), wl);
        a[c][3] = vmlal_high_s16(a[c][3], x1, wd);
        a[c][4] = vmlal_s16(a[c][4], vget_low_s16(x2), wl);
        a[c][5] = vmlal_high_s16(a[c][5], x2, wd);
      }
      w += 8 * 4; /* the panel is 8 channels wide */
    }
  }
  for (int c = 0; c < 4; c++)
    for (int j = 0; j < 3; j++) vst1q_s32(acc + c * 12 + 4 * j, vpaddq_s32(a[c][2 * j], a[c][2 * j + 1]));
}

/* 4 rows x 8 channels, 16 accumulators: a[r][0] holds channels 0 and 1 (two
 * lanes each), a[r][1] channels 2 and 3, a[r][2] 4 and 5, a[r][3] 6 and 7. */
void qrt_q8_gemm_tile_4x8__neon(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w, int32_t *acc) {
  int32x4_t a[4][4];
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 4; j++) a[r][j] = vdupq_n_s32(0);
  for (int64_t kg = 0; kg < n_kg; kg++) {
    const int16x8_t w0 = vreinterpretq_s16_u8(vld1q_u8(w + kg * 32));
    const int16x8_t w1 = vreinterpretq_s16_u8(vld1q_u8(w + kg * 32 + 16));
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
      const int16x8_t xd = dup_pair(x + r * ldx + 4 * kg);
      const int16x4_t xl = vget_low_s16(xd);
      a[r][0] = vmlal_s16(a[r][0], vget_low_s16(w0), xl);
      a[r][1] = vmlal_high_s16(a[r][1], w0, xd);
      a[r][2] = vmlal_s16(a[r][2], vget_low_s16(w1), xl);
      a[r][3] = vmlal_high_s16(a[r][3], w1, xd);
    }
  }
  for (int r = 0; r < 4; r++) {
    vst1q_s32(acc + r * 8, vpaddq_s32(a[r][0], a[r][1]));
    vst1q_s32(acc + r * 8 + 4, vpaddq_s32(a[r][2], a[r][3]));
  }
}

void qrt_q8_requant__neon(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult, int64_t ps,
                          const q8_out_t *o, uint8_t *y) {
  const float32x4_t lo = vdupq_n_f32((float)(o->qmin - o->zero_point));
  const float32x4_t hi = vdupq_n_f32((float)(o->qmax - o->zero_point));
  const int32x4_t zp = vdupq_n_s32(o->zero_point), qmin = vdupq_n_s32(o->qmin), qmax = vdupq_n_s32(o->qmax);
  const float32x4_t fmax = vdupq_n_f32(3.40282347e38f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const int32x4_t b0 = ps ? vld1q_s32(bias + i) : vdupq_n_s32(bias[0]);
    const int32x4_t b1 = ps ? vld1q_s32(bias + i + 4) : b0;
    const float32x4_t m0 = ps ? vld1q_f32(mult + i) : vdupq_n_f32(mult[0]);
    const float32x4_t m1 = ps ? vld1q_f32(mult + i + 4) : m0;
    /* |M| <= FLT_MAX is false for +-Inf and NaN: those take the scalar path */
    if (vminvq_u32(vandq_u32(vcaleq_f32(m0, fmax), vcaleq_f32(m1, fmax))) == 0) {
      qrt_q8_requant_run(8, acc + i, bias + i * ps, mult + i * ps, ps, o, y + i);
      continue;
    }
    /* vaddq_s32 wraps as the reference's addition modulo 2^32 does */
    const float32x4_t v0 = vmulq_f32(vcvtq_f32_s32(vaddq_s32(vld1q_s32(acc + i), b0)), m0);
    const float32x4_t v1 = vmulq_f32(vcvtq_f32_s32(vaddq_s32(vld1q_s32(acc + i + 4), b1)), m1);
    int32x4_t q0 = vaddq_s32(vcvtnq_s32_f32(vminq_f32(vmaxq_f32(v0, lo), hi)), zp);
    int32x4_t q1 = vaddq_s32(vcvtnq_s32_f32(vminq_f32(vmaxq_f32(v1, lo), hi)), zp);
    q0 = vminq_s32(vmaxq_s32(q0, qmin), qmax);
    q1 = vminq_s32(vmaxq_s32(q1, qmin), qmax);
    /* the low byte of each int32 (u8 and s8 alike) */
    vst1_u8(y + i, vmovn_u16(vcombine_u16(vmovn_u32(vreinterpretq_u32_s32(q0)),
                                          vmovn_u32(vreinterpretq_u32_s32(q1)))));
  }
  if (i < n) qrt_q8_requant_run(n - i, acc + i, bias + i * ps, mult + i * ps, ps, o, y + i);
}

/* The dynamic Linear's epilogue (dyn_row), 4 channels per step, the tail by the
 * shared loop: vmulq_u32 and vsubq wrap modulo 2^32 as the reference's uint32
 * arithmetic; scvtf, fmul and fadd round to nearest even (the default FPCR) as
 * the C conversion and operations do (separate intrinsics, never fused: libqrt
 * is built with -ffp-contract=off). */
void qrt_q8_dyn_row__neon(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                          const float *wscale, const int32_t *bias, float *y) {
  const uint32x4_t z = vdupq_n_u32(zu);
  const float32x4_t s = vdupq_n_f32(xs);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32x4_t a = vsubq_u32(vreinterpretq_u32_s32(vld1q_s32(acc + i)),
                                   vmulq_u32(z, vreinterpretq_u32_s32(vld1q_s32(wsum + i))));
    const float32x4_t p = vmulq_f32(vcvtq_f32_s32(vreinterpretq_s32_u32(a)), vmulq_f32(s, vld1q_f32(wscale + i)));
    vst1q_f32(y + i, vaddq_f32(p, vreinterpretq_f32_s32(vld1q_s32(bias + i))));
  }
  if (i < n) qrt_q8_dyn_row_run(n - i, acc + i, zu, wsum + i, xs, wscale + i, bias + i, y + i);
}

/* lanes4 (also the dotprod row's): vst4q_u8 stores 4 vectors of 16 bytes
 * interleaved, byte c of vector j at 4c + j: the lanes of 16 columns. At stride
 * 2, vld2q_u8's first vector holds the even bytes of 32 (the vector loop stops
 * where that would read past column n - 1; the tail is scalar). Missing channels
 * are pad ^ flip before the flip. */
void qrt_q8_lanes4__neon(int64_t n, const uint8_t *const *s, int64_t sw, int nch, uint8_t flip, uint8_t pad,
                         uint8_t *d) {
  const uint8_t fp = pad ^ flip;
  const uint8x16_t f = vdupq_n_u8(flip), pv = vdupq_n_u8(fp);
  int64_t c = 0;
  for (; c + 16 + (sw == 2) <= n; c += 16) {
    uint8x16x4_t v;
    for (int j = 0; j < 4; j++) {
      const uint8x16_t r = j >= nch ? pv : sw == 1 ? vld1q_u8(s[j] + c) : vld2q_u8(s[j] + 2 * c).val[0];
      v.val[j] = veorq_u8(r, f);
    }
    vst4q_u8(d + 4 * c, v);
  }
  for (; c < n; c++)
    for (int j = 0; j < 4; j++) d[4 * c + j] = (j < nch ? s[j][c * sw] : fp) ^ flip;
}
