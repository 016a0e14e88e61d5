/* f32 strided copy, aarch64 NEON. Contract: f32_conv_internal.h.
 * Stride 2: four outputs from two loads, x[2v .. 2v+3] and x[2v+3 .. 2v+6],
 * whose even and odd lanes hold x[2v], x[2v+2] and x[2v+4], x[2v+6]: nothing
 * past the last element copied is read. Other strides: a loop. */
#include <arm_neon.h>
#include <string.h>

#include "f32_conv_internal.h"

/* {x[0], x[2], x[4], x[6]}, reading x[0..6] only. */
static inline float32x4_t evens4(const float *x) {
  const float32x4_t a = vld1q_f32(x), b = vld1q_f32(x + 3);
  return vcombine_f32(vget_low_f32(vuzp1q_f32(a, a)), vget_low_f32(vuzp2q_f32(b, b)));
}

void qrt_f32_strided_copy__neon(const float *x, int64_t stride, int64_t n, float *y) {
  if (stride == 1) {
    memcpy(y, x, (size_t)n * sizeof(float));
    return;
  }
  int64_t v = 0;
  if (stride == 2)
    for (; v + 4 <= n; v += 4) vst1q_f32(y + v, evens4(x + 2 * v));
  for (; v < n; v++) y[v] = x[v * stride];
}
