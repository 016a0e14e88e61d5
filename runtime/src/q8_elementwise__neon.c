/* Int8 QuantizeLinear, requantize and QAdd/QMul rows for AArch64 NEON (the
 * baseline, no flags), 16 values per step; contracts in q8_ew_internal.h.
 * No FMA: fmul and fadd stay separate (-ffp-contract=off, no vfma/vmla).
 *
 * Bit for bit the scalar reference: fdiv / scvtf / fmul / fadd are the IEEE
 * float32 operations of the C code in the same order, rounded to nearest even
 * (the default FPCR mode, as for the C code); the tail is the one q8_ew_out_t
 * proves equal to qrt_requantize_f32_scalar / qrt_quantize_f32_scalar, with
 * rounding half to even by fcvtns (ties to even whatever the FPCR mode; not
 * fcvtas, which rounds ties away). xtn truncates r + zu (in [0, 255]) to its
 * byte. The last n % 16 values go through the scalar functions. */
#include <arm_neon.h>

#include "q8_ew_internal.h"

typedef struct {
  float32x4_t lo, hi;
  int32x4_t zu;
  uint8x16_t flip;
} q8_outv_t;

static inline q8_outv_t outv(const q8_ew_out_t *o) {
  q8_outv_t c = {vdupq_n_f32(o->lo), vdupq_n_f32(o->hi), vdupq_n_s32(o->zu), vdupq_n_u8(o->flip)};
  return c;
}

/* r + zu for 4 values (q8_ew_out_t), as uint32. */
static inline uint32x4_t round4(float32x4_t v, const q8_outv_t *c) {
  v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), vceqq_f32(v, v))); /* NaN -> 0 */
  v = vminq_f32(vmaxq_f32(v, c->lo), c->hi);
  return vreinterpretq_u32_s32(vaddq_s32(vcvtnq_s32_f32(v), c->zu));
}

/* 16 values v[0..3] -> their bytes ^ flip. */
static inline void store16(uint8_t *y, const float32x4_t v[4], const q8_outv_t *c) {
  const uint16x8_t h0 = vcombine_u16(vmovn_u32(round4(v[0], c)), vmovn_u32(round4(v[1], c)));
  const uint16x8_t h1 = vcombine_u16(vmovn_u32(round4(v[2], c)), vmovn_u32(round4(v[3], c)));
  vst1q_u8(y, veorq_u8(vcombine_u8(vmovn_u16(h0), vmovn_u16(h1)), c->flip));
}

/* 16 bytes (or one byte broadcast when s == 0) as int32 u - z, d[0..3]. */
static inline void load16(const uint8_t *p, int64_t s, uint8x16_t flip, int32x4_t z, int32x4_t d[4]) {
  const uint8x16_t u = veorq_u8(s ? vld1q_u8(p) : vdupq_n_u8(p[0]), flip);
  const uint16x8_t lo = vmovl_u8(vget_low_u8(u)), hi = vmovl_u8(vget_high_u8(u));
  d[0] = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(lo))), z);
  d[1] = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(lo))), z);
  d[2] = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(hi))), z);
  d[3] = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(hi))), z);
}

void qrt_q8_quantize__neon(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y) {
  const q8_outv_t c = outv(o);
  const float32x4_t s = vdupq_n_f32(scale);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    float32x4_t v[4];
    for (int j = 0; j < 4; j++) v[j] = vdivq_f32(vld1q_f32(x + i + 4 * j), s); /* a division, as the reference */
    store16(y + i, v, &c);
  }
  if (i < n) qrt_q8_ew_quantize_tail(n - i, x + i, scale, o, y + i);
}

void qrt_q8_requant_row__neon(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m, const q8_ew_out_t *o,
                              uint8_t *y) {
  const q8_outv_t c = outv(o);
  const uint8x16_t f = vdupq_n_u8(fx);
  const int32x4_t z = vdupq_n_s32(zx);
  const float32x4_t mv = vdupq_n_f32(m);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    int32x4_t d[4];
    float32x4_t v[4];
    load16(x + i, 1, f, z, d);
    for (int j = 0; j < 4; j++) v[j] = vmulq_f32(vcvtq_f32_s32(d[j]), mv);
    store16(y + i, v, &c);
  }
  if (i < n) qrt_q8_ew_requant_tail(n - i, x + i, fx, zx, m, o, y + i);
}

/* QAdd (add = 1) or QMul (add = 0) of one row; add is a constant at each call. */
static inline void binary_row(int add, int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                              const q8_ew_bin_t *p, uint8_t *y) {
  const q8_outv_t c = outv(&p->o);
  const uint8x16_t fa = vdupq_n_u8(p->fa), fb = vdupq_n_u8(p->fb);
  const int32x4_t za = vdupq_n_s32(p->za), zb = vdupq_n_s32(p->zb);
  const float32x4_t ma = vdupq_n_f32(p->ma), mb = vdupq_n_f32(p->mb), m = vdupq_n_f32(p->m);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    int32x4_t da[4], db[4];
    float32x4_t v[4];
    load16(a + i * sa, sa, fa, za, da);
    load16(b + i * sb, sb, fb, zb, db);
    for (int j = 0; j < 4; j++)
      if (add) /* pa = (float)da * ma, pb = (float)db * mb, v = pa + pb: three roundings, no FMA */
        v[j] = vaddq_f32(vmulq_f32(vcvtq_f32_s32(da[j]), ma), vmulq_f32(vcvtq_f32_s32(db[j]), mb));
      else /* (a - za) * (b - zb) is exact in int32 (|.| <= 65025), then as qrt_requantize_scalar */
        v[j] = vmulq_f32(vcvtq_f32_s32(vmulq_s32(da[j], db[j])), m);
    store16(y + i, v, &c);
  }
  if (i < n) qrt_q8_ew_binary_tail(add, n - i, a + i * sa, sa, b + i * sb, sb, p, y + i);
}

void qrt_q8_add_row__neon(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                          const q8_ew_bin_t *p, uint8_t *y) {
  binary_row(1, n, a, sa, b, sb, p, y);
}

void qrt_q8_mul_row__neon(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                          const q8_ew_bin_t *p, uint8_t *y) {
  binary_row(0, n, a, sa, b, sb, p, y);
}
