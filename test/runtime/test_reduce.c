/* ReduceSum/Mean/Max/Min over every subset of the axes of a 4-D tensor
 * against a direct reference (double accumulation, so sums agree to 1 ulp). */
#include "test_util.h"

int main(void) {
  const int64_t shape[4] = {3, 4, 5, 6};
  float x[360], y[360], r[360];
  fill_rand(x, 360);
  for (int op = QRT_REDUCE_SUM; op <= QRT_REDUCE_MIN; op++)
    for (uint32_t mask = 0; mask < 16; mask++) {
      int64_t os[4], cnt = 1;
      for (int d = 0; d < 4; d++) {
        os[d] = (mask & (1u << d)) ? 1 : shape[d];
        if (mask & (1u << d)) cnt *= shape[d];
      }
      const int64_t on = os[0] * os[1] * os[2] * os[3];
      double acc[360];
      for (int64_t i = 0; i < on; i++) {
        acc[i] = 0;
        r[i] = op == QRT_REDUCE_MAX ? -INFINITY : INFINITY;
      }
      for (int64_t a = 0; a < 3; a++)
        for (int64_t b = 0; b < 4; b++)
          for (int64_t c = 0; c < 5; c++)
            for (int64_t d = 0; d < 6; d++) {
              const int64_t o = (((mask & 1) ? 0 : a) * os[1] + ((mask & 2) ? 0 : b)) * os[2] * os[3] +
                                ((mask & 4) ? 0 : c) * os[3] + ((mask & 8) ? 0 : d);
              const float v = x[((a * 4 + b) * 5 + c) * 6 + d];
              acc[o] += v;
              if (op == QRT_REDUCE_MAX) r[o] = fmaxf(r[o], v);
              if (op == QRT_REDUCE_MIN) r[o] = fminf(r[o], v);
            }
      for (int64_t i = 0; i < on; i++) {
        if (op == QRT_REDUCE_SUM) r[i] = (float)acc[i];
        if (op == QRT_REDUCE_MEAN) r[i] = (float)(acc[i] / cnt);
      }
      CHECK_OK(qrt_f32_reduce((qrt_reduce_op_t)op, 4, shape, mask, x, y));
      char what[48];
      snprintf(what, sizeof what, "reduce op %d axes 0x%x", op, mask);
      expect_near(what, 4, os, y, r, NULL, 1e-6f);
    }
  CHECK(qrt_f32_reduce(QRT_REDUCE_SUM, 2, shape, 4u, x, y) == QRT_INVALID_ARGUMENT,
        "axis out of range accepted");
  return test_finish("runtime.reduce");
}
