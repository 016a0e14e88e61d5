/* NaN and Inf propagate through relu / max / min / clip / softmax / pooling /
 * fused conv clamps, without crashing. */
#include "test_util.h"

int main(void) {
  const float x[6] = {NAN, INFINITY, -INFINITY, -1.0f, 0.0f, 2.0f};
  float y[6];
  CHECK_OK(qrt_f32_unary(QRT_UNARY_RELU, 0, 0, 6, x, y));
  CHECK(isnan(y[0]) && y[1] == INFINITY && y[2] == 0 && y[3] == 0 && y[5] == 2, "relu %g %g %g",
        y[0], y[1], y[2]);
  CHECK_OK(qrt_f32_unary(QRT_UNARY_CLIP, -1.5f, 1.5f, 6, x, y));
  CHECK(isnan(y[0]) && y[1] == 1.5f && y[2] == -1.5f, "clip %g %g %g", y[0], y[1], y[2]);
  CHECK_OK(qrt_f32_unary(QRT_UNARY_SIGMOID, 0, 0, 6, x, y));
  CHECK(isnan(y[0]) && y[1] == 1.0f && y[2] == 0.0f, "sigmoid %g %g %g", y[0], y[1], y[2]);
  const int64_t s[1] = {6}, st[1] = {1}, zst[1] = {0};
  const float zero = 0.0f;
  CHECK_OK(qrt_f32_binary(QRT_BINARY_MAX, 1, s, x, st, &zero, zst, y));
  CHECK(isnan(y[0]) && y[1] == INFINITY && y[2] == 0, "max %g %g %g", y[0], y[1], y[2]);
  CHECK_OK(qrt_f32_binary(QRT_BINARY_MIN, 1, s, &zero, zst, x, st, y));
  CHECK(isnan(y[0]) && y[2] == -INFINITY, "min %g %g", y[0], y[2]);
  /* softmax: a row with NaN is NaN; a row with -Inf is fine; a row with +Inf is NaN */
  const float sx[9] = {1, NAN, 2, 0, -INFINITY, 0, INFINITY, 1, 2};
  float sy[9];
  CHECK_OK(qrt_f32_softmax(3, 3, 1, sx, sy));
  CHECK(isnan(sy[0]) && isnan(sy[1]) && isnan(sy[2]), "softmax NaN row");
  CHECK(sy[3] == 0.5f && sy[4] == 0.0f && sy[5] == 0.5f, "softmax -Inf row %g %g %g", sy[3], sy[4], sy[5]);
  CHECK(isnan(sy[6]), "softmax +Inf row");
  /* max pool and reduce max: NaN wins */
  qrt_pool2d_params_t p;
  qrt_pool2d_params_init(&p, 1, 2);
  const float px[4] = {NAN, 1, 2, 3};
  float py[3];
  CHECK_OK(qrt_f32_max_pool2d(&p, 1, 1, 1, 4, px, py));
  CHECK(isnan(py[0]) && py[1] == 2 && py[2] == 3, "max pool %g %g %g", py[0], py[1], py[2]);
  const float rx[4] = {1, NAN, 2, 3};
  const int64_t rs[1] = {4};
  float ry;
  CHECK_OK(qrt_f32_reduce(QRT_REDUCE_MAX, 1, rs, 1u, rx, &ry));
  CHECK(isnan(ry), "reduce max %g", ry);
  /* conv with a fused Relu on every ISA: a NaN input gives NaN outputs, Inf stays Inf */
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int n = isa_levels(isas);
  for (int v = 0; v < n; v++) {
    qrt_set_isa_limit(isas[v]);
    qrt_conv2d_params_t cp;
    qrt_conv2d_params_init(&cp, 1, 1);
    cp.output_min = 0.0f;
    const float cx[4] = {NAN, INFINITY, -INFINITY, 1}, cw[1] = {1};
    float cy[4];
    const size_t ss = qrt_f32_conv2d_unpacked_scratch_size(&cp, 1, 2, 2, 1);
    void *scr = malloc(ss);
    CHECK_OK(qrt_f32_conv2d(&cp, 1, 1, 2, 2, cx, 1, cw, NULL, cy, scr, ss));
    free(scr);
    CHECK(isnan(cy[0]) && cy[1] == INFINITY && cy[2] == 0 && cy[3] == 1,
          "conv relu [%s]: %g %g %g %g", qrt_isa_name(isas[v]), cy[0], cy[1], cy[2], cy[3]);
  }
  qrt_set_isa_limit(QRT_ISA_NATIVE);
  return test_finish("runtime.nan");
}
