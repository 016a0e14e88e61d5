/* The NEON row kernel of the int8 depthwise convolution (q8_dwconv_rows.inl):
 * 8 positions per step (8 bytes widened by uxtl to int16: u <= 255 is
 * positive), 8 steps together; smlal / smlal2 by the weight's int16 (the
 * packed low half) into two int32x4 accumulators. Each product is exact
 * (|.| <= 65025) and the additions wrap modulo 2^32 as the reference's. */
#include <arm_neon.h>

#include <stdint.h>

static inline int32x4x2_t dw_mac_neon(int32x4x2_t a, int16x8_t x, int16_t w) {
  a.val[0] = vmlal_n_s16(a.val[0], vget_low_s16(x), w);
  a.val[1] = vmlal_high_n_s16(a.val[1], x, w);
  return a;
}

static inline void dw_store_neon(int32_t *p, int32x4x2_t a) {
  vst1q_s32(p, a.val[0]);
  vst1q_s32(p + 4, a.val[1]);
}

#define DW_FN qrt_q8_dw_rows__neon
#define DW_VEC int32x4x2_t
#define DW_WVEC int16_t
#define DW_V 8
#define DW_G 8
#define DW_ZERO() ((int32x4x2_t){{vdupq_n_s32(0), vdupq_n_s32(0)}})
#define DW_SET1(v) ((int16_t)(v))
#define DW_LOAD(p) vreinterpretq_s16_u16(vmovl_u8(vld1_u8(p)))
#define DW_STORE(p, v) dw_store_neon((p), (v))
#define DW_MAC(acc, x, w) dw_mac_neon((acc), (x), (w))
#include "q8_dwconv_rows.inl"
