/* f32 GEMM microkernel, 4x4 tile, portable C. Contract: qrt_internal.h.
 * Each product is rounded, then added (-ffp-contract=off): no FMA. */
#include "qrt_internal.h"

void qrt_f32_gemm_4x4__scalar(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b,
                              float *c, int64_t ldc, uint32_t flags, const float *bias, float lo,
                              float hi) {
  float acc[4][4];
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) {
      if ((flags & QRT_UK_LOAD_C) && i < mr && j < nr) acc[i][j] = c[i * ldc + j];
      else acc[i][j] = (bias && i < mr) ? bias[i] : 0.0f;
    }
  }
  for (int64_t k = 0; k < kc; k++) {
    for (int i = 0; i < 4; i++) {
      const float ai = a[i];
      for (int j = 0; j < 4; j++) acc[i][j] += ai * b[j];
    }
    a += 4;
    b += 4;
  }
  for (int64_t i = 0; i < mr; i++) {
    for (int64_t j = 0; j < nr; j++) {
      float v = acc[i][j];
      if (flags & QRT_UK_CLAMP) {
        v = v < lo ? lo : v; /* a NaN compares false and stays */
        v = v > hi ? hi : v;
      }
      c[i * ldc + j] = v;
    }
  }
}
