/* f32 conv microkernel (indirect GEMM, transposed C), 4 pixels x 4 output
 * channels, portable C. Contract: f32_conv_internal.h. Each product is rounded,
 * then added (-ffp-contract=off): no FMA. */
#include "f32_conv_internal.h"

void qrt_f32_igemm_4x4__scalar(int64_t mr, int64_t nr, int64_t kc, const float *a,
                               const float *a2, const int64_t *off, const float *b, float *c,
                               int64_t ldc,
                               float *part, uint32_t flags, const float *bias, float lo, float hi) {
  float acc[4][4];
  for (int t = 0; t < 4; t++)
    for (int j = 0; j < 4; j++) {
      if (flags & QRT_IGEMM_PART_IN) acc[t][j] = t < mr ? part[t * 4 + j] : 0.0f;
      else acc[t][j] = (bias && j < nr) ? bias[j] : 0.0f;
    }
  const int64_t h = a2 ? mr / 2 : mr; /* pixels t >= h come from a2 */
  for (int64_t k = 0; k < kc; k++) {
    const float *ak = a + off[k];
    for (int64_t t = 0; t < mr; t++) {
      const float at = t < h ? ak[t] : a2[off[k] + t - h];
      for (int j = 0; j < 4; j++) acc[t][j] += at * b[j];
    }
    b += 4;
  }
  if (flags & QRT_IGEMM_PART_OUT) {
    for (int64_t t = 0; t < mr; t++)
      for (int j = 0; j < 4; j++) part[t * 4 + j] = acc[t][j];
    return;
  }
  for (int64_t j = 0; j < nr; j++)
    for (int64_t t = 0; t < mr; t++) {
      float v = acc[t][j];
      if (flags & QRT_IGEMM_CLAMP) {
        v = v < lo ? lo : v; /* a NaN compares false and stays */
        v = v > hi ? hi : v;
      }
      c[j * ldc + t] = v;
    }
}
