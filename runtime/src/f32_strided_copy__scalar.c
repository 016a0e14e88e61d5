/* f32 strided copy, portable C. Contract: f32_conv_internal.h. */
#include "f32_conv_internal.h"

void qrt_f32_strided_copy__scalar(const float *x, int64_t stride, int64_t n, float *y) {
  for (int64_t v = 0; v < n; v++) y[v] = x[v * stride];
}
