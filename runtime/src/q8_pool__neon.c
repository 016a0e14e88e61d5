/* Int8 max pool rows and byte sums for AArch64 NEON (the baseline), 16 bytes
 * per step; contracts in q8_ew_internal.h, driver in q8_ew.c. Integer only, so
 * exact. A row of at least 16 outputs ends with one step that overlaps the
 * previous one (it recomputes the same bytes; the output never aliases the
 * input); shorter rows and the sums' tails are scalar. */
#include <arm_neon.h>

#include "q8_ew_internal.h"

void qrt_q8_max_rows__neon(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip, uint8_t *dst) {
  if (n < 16) {
    qrt_q8_max_rows_scalar(n, rows, nrows, flip, dst);
    return;
  }
  const uint8x16_t f = vdupq_n_u8(flip);
  for (int64_t i = 0;; i += 16) {
    if (i > n - 16) i = n - 16;
    uint8x16_t m;
    if (flip) { /* s8: signed max on the values, then to u = b ^ 0x80 */
      int8x16_t s = vld1q_s8((const int8_t *)rows[0] + i);
      for (int64_t r = 1; r < nrows; r++) s = vmaxq_s8(s, vld1q_s8((const int8_t *)rows[r] + i));
      m = vreinterpretq_u8_s8(s);
    } else {
      m = vld1q_u8(rows[0] + i);
      for (int64_t r = 1; r < nrows; r++) m = vmaxq_u8(m, vld1q_u8(rows[r] + i));
    }
    vst1q_u8(dst + i, veorq_u8(m, f));
    if (i == n - 16) break;
  }
}

void qrt_q8_max_cols__neon(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil, uint8_t flip,
                           uint8_t *dst) {
  if (n < 16) {
    qrt_q8_max_cols_scalar(n, src, stride, k, dil, flip, dst);
    return;
  }
  const uint8x16_t f = vdupq_n_u8(flip);
  for (int64_t j = 0;; j += 16) {
    if (j > n - 16) j = n - 16;
    uint8x16_t m;
    if (stride == 1) {
      m = vld1q_u8(src + j);
      for (int64_t t = 1; t < k; t++) m = vmaxq_u8(m, vld1q_u8(src + j + t * dil));
    } else { /* ld2 splits 32 bytes into evens and odds; reads 1 byte past the last column used: the slack */
      m = vld2q_u8(src + 2 * j).val[0];
      for (int64_t t = 1; t < k; t++) m = vmaxq_u8(m, vld2q_u8(src + 2 * j + t * dil).val[0]);
    }
    vst1q_u8(dst + j, veorq_u8(m, f));
    if (j == n - 16) break;
  }
}

int64_t qrt_q8_sum__neon(int64_t n, const uint8_t *x, uint8_t flip) {
  const uint8x16_t f = vdupq_n_u8(flip);
  uint64x2_t acc = vdupq_n_u64(0);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc = vpadalq_u32(acc, vpaddlq_u16(vpaddlq_u8(veorq_u8(vld1q_u8(x + i), f))));
  int64_t s = (int64_t)(vgetq_lane_u64(acc, 0) + vgetq_lane_u64(acc, 1));
  for (; i < n; i++) s += x[i] ^ flip;
  return s;
}
