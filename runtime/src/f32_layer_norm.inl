/* One LayerNormalization row, included by f32_normalization.c (the portable
 * build, the reference) and by f32_layer_norm__avx2_fma.c / __avx512f.c, each
 * defining QRT_LN_SUFFIX. The same C, so the same operations: the sums are in
 * double in 8 interleaved partial sums (element i goes to sum i % 8, the tail
 * to sum 0, each sum in element order) added pairwise at the end, which GCC
 * keeps as 8 independent lanes however wide the vectors; the normalization is
 * per element. libqrt is built with -ffp-contract=off and without -ffast-math,
 * so every build gives the same bits (runtime.normalization compares them). */
#include <math.h>
#include <stdint.h>

#include "f32_layer_norm.h"

#define QRT_LN_CAT2(a, b) a##__##b
#define QRT_LN_CAT(a, b) QRT_LN_CAT2(a, b)
#define QRT_LN_NAME(name) QRT_LN_CAT(name, QRT_LN_SUFFIX)

static double QRT_LN_NAME(qrt_ln_sum)(const float *x, int64_t n) {
  double p[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) p[j] += (double)x[i + j];
  for (; i < n; i++) p[0] += (double)x[i];
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/* the sum of (x - mean)^2 */
static double QRT_LN_NAME(qrt_ln_ssd)(const float *x, int64_t n, double mean) {
  double p[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) {
      const double d = (double)x[i + j] - mean;
      p[j] += d * d;
    }
  for (; i < n; i++) {
    const double d = (double)x[i] - mean;
    p[0] += d * d;
  }
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/* y = (x - mean) * inv_std * scale (+ bias), mean and inv_std in float; returns both */
void QRT_LN_NAME(qrt_f32_layer_norm_row)(int64_t n, const float *x, const float *scale, const float *bias,
                                         float epsilon, float *y, float *out_mean, float *out_inv_std) {
  /* two passes in double: mean, then the biased variance about it */
  const double mean = QRT_LN_NAME(qrt_ln_sum)(x, n) / (double)n;
  const double v = QRT_LN_NAME(qrt_ln_ssd)(x, n, mean);
  const float meanf = (float)mean;
  const float inv = (float)(1.0 / sqrt(v / (double)n + (double)epsilon));
  if (bias)
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - meanf) * inv * scale[i] + bias[i];
  else
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - meanf) * inv * scale[i];
  *out_mean = meanf;
  *out_inv_std = inv;
}
