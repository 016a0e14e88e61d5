/* The NEON row kernel of the int8 depthwise convolution (q8_dwconv_rows.inl):
 * 4 positions per vector, 8 vectors together; mla on int32 lanes. The plane
 * value and the weight are both in [-255, 255] (int32, the weight's low int16
 * read as signed: the packed high half is 0), so the product is exact and
 * mla's addition wraps modulo 2^32 as the reference's. */
#include <arm_neon.h>

#define DW_FN qrt_q8_dw_rows__neon
#define DW_VEC int32x4_t
#define DW_V 4
#define DW_G 8
#define DW_ZERO() vdupq_n_s32(0)
#define DW_SET1(v) vdupq_n_s32((int16_t)(v))
#define DW_LOAD(p) vld1q_s32(p)
#define DW_STORE(p, v) vst1q_s32((p), (v))
#define DW_MAC(acc, x, w) vmlaq_s32((acc), (x), (w))
#include "q8_dwconv_rows.inl"
