/* f32 pointwise conv microkernel, 4 channels x 4 pixels, portable C. Contract:
 * f32_conv_internal.h. Each product is rounded, then added (-ffp-contract=off). */
#include "f32_conv_internal.h"

void qrt_f32_pwconv_4x4__scalar(int64_t mr, int64_t np, int64_t kc, const float *w, int64_t ldw,
                                const float *x, int64_t ldx, float *c, int64_t ldc,
                                uint32_t flags, const float *bias, float lo, float hi) {
  float acc[4][4];
  for (int64_t i = 0; i < 4; i++)
    for (int64_t q = 0; q < 4; q++) {
      if ((flags & QRT_UK_LOAD_C) && i < mr && q < np) acc[i][q] = c[i * ldc + q];
      else acc[i][q] = bias && i < mr ? bias[i] : 0.0f;
    }
  for (int64_t k = 0; k < kc; k++) {
    const float *wk = w + k * ldw, *xk = x + k * ldx;
    for (int64_t i = 0; i < mr; i++)
      for (int64_t q = 0; q < np; q++) acc[i][q] += wk[i] * xk[q];
  }
  for (int64_t i = 0; i < mr; i++)
    for (int64_t q = 0; q < np; q++) {
      float v = acc[i][q];
      if (flags & QRT_UK_CLAMP) {
        v = v < lo ? lo : v; /* a NaN compares false and stays */
        v = v > hi ? hi : v;
      }
      c[i * ldc + q] = v;
    }
}
