/* Resize: hand-computed values for each coordinate transformation mode and
 * nearest mode (from the ONNX definitions, worked out on paper). */
#include "test_util.h"

static void run(const char *what, qrt_resize_mode_t mode, qrt_resize_coord_t coord,
                qrt_resize_nearest_t nearest, int64_t h, int64_t w, const float *x, int64_t oh,
                int64_t ow, const float *want) {
  qrt_resize_params_t p = {mode, coord, nearest, (float)oh / (float)h, (float)ow / (float)w};
  float y[64];
  CHECK_OK(qrt_f32_resize(&p, 1, 1, h, w, x, oh, ow, y));
  const int64_t shape[2] = {oh, ow};
  expect_near(what, 2, shape, y, want, NULL, 1e-6f);
}

/* With the model's scales (which need not equal OW/W). */
static void run_scaled(const char *what, qrt_resize_mode_t mode, qrt_resize_coord_t coord,
                       qrt_resize_nearest_t nearest, double scale_w, int64_t w, const float *x, int64_t ow,
                       const float *want) {
  qrt_resize_params_t p = {mode, coord, nearest, 1.0, scale_w};
  float y[64];
  CHECK_OK(qrt_f32_resize(&p, 1, 1, 1, w, x, 1, ow, y));
  const int64_t shape[2] = {1, ow};
  expect_near(what, 2, shape, y, want, NULL, 1e-5f);
}

int main(void) {
  /* 1-D along W: x = [0, 10, 20, 30], upsample x2 -> 8 outputs. */
  const float x[4] = {0, 10, 20, 30};
  /* half_pixel: src = (o+0.5)/2-0.5 = -0.25,0.25,0.75,1.25,1.75,2.25,2.75,3.25 */
  const float hp_floor[8] = {0, 0, 10, 10, 20, 20, 30, 30};   /* round_prefer_floor: no ties */
  run("nearest half_pixel round_prefer_floor", QRT_RESIZE_NEAREST, QRT_RESIZE_HALF_PIXEL,
      QRT_RESIZE_ROUND_PREFER_FLOOR, 1, 4, x, 1, 8, hp_floor);
  const float hp_lin[8] = {0, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30};
  run("linear half_pixel", QRT_RESIZE_LINEAR, QRT_RESIZE_HALF_PIXEL, 0, 1, 4, x, 1, 8, hp_lin);
  /* asymmetric: src = o/2 = 0,0.5,1,...,3.5 */
  const float as_pf[8] = {0, 0, 10, 10, 20, 20, 30, 30};  /* ties down */
  const float as_pc[8] = {0, 10, 10, 20, 20, 30, 30, 30}; /* ties up, clamped */
  const float as_fl[8] = {0, 0, 10, 10, 20, 20, 30, 30};
  const float as_ce[8] = {0, 10, 10, 20, 20, 30, 30, 30};
  run("nearest asymmetric round_prefer_floor", QRT_RESIZE_NEAREST, QRT_RESIZE_ASYMMETRIC,
      QRT_RESIZE_ROUND_PREFER_FLOOR, 1, 4, x, 1, 8, as_pf);
  run("nearest asymmetric round_prefer_ceil", QRT_RESIZE_NEAREST, QRT_RESIZE_ASYMMETRIC,
      QRT_RESIZE_ROUND_PREFER_CEIL, 1, 4, x, 1, 8, as_pc);
  run("nearest asymmetric floor", QRT_RESIZE_NEAREST, QRT_RESIZE_ASYMMETRIC, QRT_RESIZE_FLOOR, 1,
      4, x, 1, 8, as_fl);
  run("nearest asymmetric ceil", QRT_RESIZE_NEAREST, QRT_RESIZE_ASYMMETRIC, QRT_RESIZE_CEIL, 1, 4,
      x, 1, 8, as_ce);
  const float as_lin[8] = {0, 5, 10, 15, 20, 25, 30, 30};
  run("linear asymmetric", QRT_RESIZE_LINEAR, QRT_RESIZE_ASYMMETRIC, 0, 1, 4, x, 1, 8, as_lin);
  /* align_corners, 4 -> 7: src = o * 3/6 = 0,0.5,...,3 */
  const float ac_lin[7] = {0, 5, 10, 15, 20, 25, 30};
  run("linear align_corners", QRT_RESIZE_LINEAR, QRT_RESIZE_ALIGN_CORNERS, 0, 1, 4, x, 1, 7, ac_lin);
  const float ac_near[7] = {0, 0, 10, 10, 20, 20, 30};
  run("nearest align_corners", QRT_RESIZE_NEAREST, QRT_RESIZE_ALIGN_CORNERS,
      QRT_RESIZE_ROUND_PREFER_FLOOR, 1, 4, x, 1, 7, ac_near);
  /* pytorch_half_pixel with output length 1: src = 0 (half_pixel would give 1.5) */
  const float one[1] = {0};
  run("linear pytorch_half_pixel O=1", QRT_RESIZE_LINEAR, QRT_RESIZE_PYTORCH_HALF_PIXEL, 0, 1, 4, x,
      1, 1, one);
  const float hp1[1] = {15};
  run("linear half_pixel O=1", QRT_RESIZE_LINEAR, QRT_RESIZE_HALF_PIXEL, 0, 1, 4, x, 1, 1, hp1);
  /* downsample 4 -> 2 half_pixel: src = 0.5, 2.5 -> nearest prefer_ceil 10, 30; prefer_floor 0, 20 */
  const float dc[2] = {10, 30}, df[2] = {0, 20}, dl[2] = {5, 25};
  run("nearest down prefer_ceil", QRT_RESIZE_NEAREST, QRT_RESIZE_HALF_PIXEL,
      QRT_RESIZE_ROUND_PREFER_CEIL, 1, 4, x, 1, 2, dc);
  run("nearest down prefer_floor", QRT_RESIZE_NEAREST, QRT_RESIZE_HALF_PIXEL,
      QRT_RESIZE_ROUND_PREFER_FLOOR, 1, 4, x, 1, 2, df);
  run("linear down", QRT_RESIZE_LINEAR, QRT_RESIZE_HALF_PIXEL, 0, 1, 4, x, 1, 2, dl);
  /* 2-D bilinear 2x2 -> 4x4 half_pixel: separable, rows as above on [0,1]x[0,2] */
  const float x2[4] = {0, 2, 4, 6};
  const float b2[16] = {0,   0.5f, 1.5f, 2,    1,   1.5f, 2.5f, 3,
                        3,   3.5f, 4.5f, 5,    4,   4.5f, 5.5f, 6};
  run("bilinear 2x2->4x4", QRT_RESIZE_LINEAR, QRT_RESIZE_HALF_PIXEL, 0, 2, 2, x2, 4, 4, b2);
  /* nearest 2-D x2 asymmetric = pixel replication */
  const float n2[16] = {0, 0, 2, 2, 0, 0, 2, 2, 4, 4, 6, 6, 4, 4, 6, 6};
  run("nearest 2x2->4x4", QRT_RESIZE_NEAREST, QRT_RESIZE_ASYMMETRIC, QRT_RESIZE_FLOOR, 2, 2, x2, 4,
      4, n2);
  /* The resized length is s * L, not O: align_corners 4 -> 2 with scale 0.6
   * (ONNX's test_resize_downsample_scales_linear_align_corners): R = 2.4, src =
   * o * 3 / 1.4 = 0, 2.142857 */
  const float ac_s[2] = {0, 21.428572f};
  run_scaled("linear align_corners scale 0.6", QRT_RESIZE_LINEAR, QRT_RESIZE_ALIGN_CORNERS, 0, 0.6f, 4, x, 2, ac_s);
  /* pytorch_half_pixel with O = 1 but R = 1.2 > 1: src = 0.5/0.3 - 0.5 = 1.1667 */
  const float ph_s[1] = {11.666667f};
  run_scaled("linear pytorch_half_pixel R>1", QRT_RESIZE_LINEAR, QRT_RESIZE_PYTORCH_HALF_PIXEL, 0, 0.3f, 4, x, 1,
             ph_s);
  /* tf_half_pixel_for_nn: src = (o + 0.5)/s = 1, 3 for 4 -> 2 */
  const float tf_nn[2] = {10, 30};
  run("nearest tf_half_pixel_for_nn", QRT_RESIZE_NEAREST, QRT_RESIZE_TF_HALF_PIXEL_FOR_NN,
      QRT_RESIZE_ROUND_PREFER_FLOOR, 1, 4, x, 1, 2, tf_nn);
  return test_finish("runtime.resize");
}
