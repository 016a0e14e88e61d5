/* Int8 conv and Linear tiles for aarch64 with the dot product extension
 * (sdot); built with -march=armv8.2-a+dotprod, this file only. Contracts in
 * q8_conv_gemm_internal.h; the driver is q8_conv_gemm.c; requantization is
 * the NEON row's (q8_conv_gemm__neon.c). The packed layout is avx512vnni's
 * (CPG 4, PW 16; every w - zw fits s8, or the packer picks the neon row).
 *
 * There is no u8 x s8 dot instruction (udot is u8 x u8, sdot s8 x s8), so the
 * activation bytes are moved to s8: the lanes hold s = u ^ 0x80 = u - 128
 * (u = b ^ flip, i.e. x - zx + zu with zu = zx, or zx + 128 for s8 x), one
 * xor that the driver does while it lays out the planes (xflip = 0x80 in the
 * variant table, q8_lane_xoff). Then
 *   sum s (w - zw) = sum (x - zx)(w - zw) + (zu - 128) * sum (w - zw),
 * and the packed bias holds bias - (zu - 128) * wsum (modulo 2^32; for the
 * dynamic Linear the driver subtracts it per row): the 128 shift is folded
 * into the zero-point correction, and padding lanes hold zu - 128.
 *
 * No int32 overflow, for every K the packer accepts: sdot adds the four exact
 * products of a lane (|s| <= 128, |w - zw| <= 128: each <= 2^14, their sum
 * <= 2^16) to an int32 lane, and the lanes add modulo 2^32 (NEON's integer
 * additions wrap; no undefined behaviour). So the tile's sum is the exact
 * sum modulo 2^32, and with the bias correction (also modulo 2^32) the result
 * is congruent to bias + sum (x - zx)(w - zw), which lies in [-2^31, 2^31 - 1]:
 * q8_pack_check refuses |bias| + max|x - zx| * sum_k |w - zw| > INT32_MAX
 * (qrt_q8.h, "Accumulation"; e.g. K <= 132104 for s8 symmetric weights at
 * +-127 and u8 activations with zero point 128, where max|x - zx| = 128), so
 * the value modulo 2^32 is the value itself. */
#include <arm_neon.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"

/* 8 channels x 12 positions (3 vectors of 4 lanes): 24 accumulators. The 8
 * channels' weight lanes are two vectors; vdotq_laneq_s32 takes lane c of
 * one as the 4 s8 weights of channel c for every position. */
void qrt_q8_conv_tile_8x12__dotprod(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                    const uint8_t *x, const uint8_t *w, int32_t *acc) {
  int32x4_t a[8][3];
  for (int c = 0; c < 8; c++)
    for (int j = 0; j < 3; j++) a[c][j] = vdupq_n_s32(0);
  for (int64_t cg = 0; cg < n_cg; cg++) {
    const uint8_t *xc = x + cg * cg_stride;
    for (int64_t t = 0; t < n_taps; t++) {
      const uint8_t *xp = xc + tap_off[t];
      const int8x16_t x0 = vreinterpretq_s8_u8(vld1q_u8(xp));
      const int8x16_t x1 = vreinterpretq_s8_u8(vld1q_u8(xp + 16));
      const int8x16_t x2 = vreinterpretq_s8_u8(vld1q_u8(xp + 32));
      const int8x16_t w0 = vreinterpretq_s8_u8(vld1q_u8(w));      /* channels 0-3 */
      const int8x16_t w1 = vreinterpretq_s8_u8(vld1q_u8(w + 16)); /* channels 4-7 */
#define Q8_DOT_CHANNEL(c, wv, l)                   \
  a[c][0] = vdotq_laneq_s32(a[c][0], x0, wv, l); \
  a[c][1] = vdotq_laneq_s32(a[c][1], x1, wv, l); \
  a[c][2] = vdotq_laneq_s32(a[c][2], x2, wv, l);
      Q8_DOT_CHANNEL(0, w0, 0) Q8_DOT_CHANNEL(1, w0, 1) Q8_DOT_CHANNEL(2, w0, 2) Q8_DOT_CHANNEL(3, w0, 3)
      Q8_DOT_CHANNEL(4, w1, 0) Q8_DOT_CHANNEL(5, w1, 1) Q8_DOT_CHANNEL(6, w1, 2) Q8_DOT_CHANNEL(7, w1, 3)
#undef Q8_DOT_CHANNEL
      w += 16 * 4; /* the panel is 16 channels wide */
    }
  }
  for (int c = 0; c < 8; c++)
    for (int j = 0; j < 3; j++) vst1q_s32(acc + c * 12 + 4 * j, a[c][j]);
}

/* 4 rows x 16 channels: 16 accumulators, a[r][j] = channels 4j .. 4j+3 of row r. */
void qrt_q8_gemm_tile_4x16__dotprod(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w,
                                    int32_t *acc) {
  int32x4_t a[4][4];
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 4; j++) a[r][j] = vdupq_n_s32(0);
  for (int64_t kg = 0; kg < n_kg; kg++) {
    int8x16_t wv[4];
    for (int j = 0; j < 4; j++) wv[j] = vreinterpretq_s8_u8(vld1q_u8(w + kg * 64 + 16 * j));
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
      int32_t v;
      memcpy(&v, x + r * ldx + 4 * kg, 4);
      const int8x16_t xd = vreinterpretq_s8_s32(vdupq_n_s32(v)); /* the row's 4 bytes in every lane */
      for (int j = 0; j < 4; j++) a[r][j] = vdotq_s32(a[r][j], wv[j], xd);
    }
  }
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 4; j++) vst1q_s32(acc + r * 16 + 4 * j, a[r][j]);
}
