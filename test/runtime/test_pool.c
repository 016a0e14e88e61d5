/* MaxPool / AveragePool / global pools: against a direct per-window
 * reference, plus hand-computed values for ceil_mode and count_include_pad. */
#include "test_util.h"

static void ref_pool(const qrt_pool2d_params_t *p, int is_max, int64_t nc, int64_t h, int64_t w,
                     const float *x, int64_t oh, int64_t ow, float *y) {
  for (int64_t c = 0; c < nc; c++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++) {
        double s = 0;
        float m = -INFINITY;
        int64_t cnt = 0, cntpad = 0;
        for (int64_t u = 0; u < p->kernel_h; u++)
          for (int64_t v = 0; v < p->kernel_w; v++) {
            const int64_t ih = i * p->stride_h - p->pad_top + u * (is_max ? p->dilation_h : 1);
            const int64_t iw = j * p->stride_w - p->pad_left + v * (is_max ? p->dilation_w : 1);
            if (ih >= -p->pad_top && ih < h + p->pad_bottom && iw >= -p->pad_left &&
                iw < w + p->pad_right)
              cntpad++;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            const float xv = x[(c * h + ih) * w + iw];
            m = xv > m ? xv : m;
            s += xv;
            cnt++;
          }
        y[(c * oh + i) * ow + j] = is_max ? m : (float)(s / (double)(p->count_include_pad ? cntpad : cnt));
      }
}

static void run(int is_max, int64_t kh, int64_t kw, int64_t s, int64_t pad, int64_t dil, int ceil,
                int cip, int64_t h, int64_t w) {
  qrt_pool2d_params_t p;
  qrt_pool2d_params_init(&p, kh, kw);
  p.stride_h = p.stride_w = s;
  p.pad_top = p.pad_left = pad;
  p.pad_bottom = p.pad_right = pad + (ceil ? 0 : 1);
  if (is_max) p.dilation_h = p.dilation_w = dil;
  p.ceil_mode = ceil;
  p.count_include_pad = cip;
  int64_t oh, ow;
  if (qrt_pool2d_output_size(&p, h, w, &oh, &ow) != QRT_OK) return;
  const int64_t nc = 6;
  float *x = malloc(sizeof(float) * (size_t)(nc * h * w)), *y = malloc(sizeof(float) * (size_t)(nc * oh * ow));
  float *r = malloc(sizeof(float) * (size_t)(nc * oh * ow));
  fill_rand(x, nc * h * w);
  if (is_max) CHECK_OK(qrt_f32_max_pool2d(&p, 2, 3, h, w, x, y));
  else CHECK_OK(qrt_f32_avg_pool2d(&p, 2, 3, h, w, x, y));
  ref_pool(&p, is_max, nc, h, w, x, oh, ow, r);
  char what[160];
  snprintf(what, sizeof what, "%s k%lldx%lld s%lld p%lld d%lld ceil%d cip%d %lldx%lld",
           is_max ? "maxpool" : "avgpool", (long long)kh, (long long)kw, (long long)s, (long long)pad,
           (long long)dil, ceil, cip, (long long)h, (long long)w);
  const int64_t shape[4] = {2, 3, oh, ow};
  expect_near(what, 4, shape, y, r, NULL, is_max ? 0.0f : 1e-6f);
  free(x), free(y), free(r);
}

/* MaxPool indices: against a brute-force scan (first maximum in window order)
 * on values with many ties, both storage orders, and ONNX's two backend
 * cases (test_maxpool_with_argmax_2d_precomputed_pads / _strides). */
static void test_indices(void) {
  qrt_pool2d_params_t p;
  qrt_pool2d_params_init(&p, 3, 2);
  p.stride_h = 2, p.pad_top = 1, p.pad_bottom = 2, p.pad_left = 1, p.dilation_w = 2, p.ceil_mode = 1;
  const int64_t n = 2, c = 3, h = 7, w = 6;
  int64_t oh, ow;
  CHECK_OK(qrt_pool2d_output_size(&p, h, w, &oh, &ow));
  float x[2 * 3 * 7 * 6], y[256];
  int64_t ix[256];
  for (int i = 0; i < n * c * h * w; i++) x[i] = (float)rng_range(0, 3); /* ties everywhere */
  x[17] = NAN;
  for (int order = 0; order < 2; order++) {
    CHECK_OK(qrt_f32_max_pool2d_with_indices(&p, order, n, c, h, w, x, y, ix));
    for (int64_t pl = 0; pl < n * c; pl++)
      for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
          float best = 0;
          int64_t bi = -1, bh = 0, bw = 0;
          for (int64_t u = 0; u < p.kernel_h; u++)
            for (int64_t v = 0; v < p.kernel_w; v++) {
              const int64_t ih = i * p.stride_h - p.pad_top + u * p.dilation_h;
              const int64_t iw = j * p.stride_w - p.pad_left + v * p.dilation_w;
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              const float xv = x[(pl * h + ih) * w + iw];
              if (bi >= 0 && isnan(best)) continue;
              if (bi < 0 || isnan(xv) || xv > best) best = xv, bi = 1, bh = ih, bw = iw;
            }
          const int64_t o = (pl * oh + i) * ow + j;
          const int64_t want = bi < 0 ? -1 : pl * h * w + (order ? bw * h + bh : bh * w + bw);
          CHECK(ix[o] == want && same_float(y[o], bi < 0 ? -INFINITY : best),
                "indices order %d at %lld: got %lld (%g), want %lld (%g)", order, (long long)o, (long long)ix[o], y[o],
                (long long)want, best);
        }
  }
  float g[25], gy[25];
  int64_t gi[25];
  for (int i = 0; i < 25; i++) g[i] = (float)(i + 1);
  qrt_pool2d_params_init(&p, 5, 5);
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 2;
  CHECK_OK(qrt_f32_max_pool2d_with_indices(&p, 0, 1, 1, 5, 5, g, gy, gi));
  CHECK(gi[0] == 12 && gi[4] == 14 && gi[12] == 24 && gi[20] == 22 && gy[0] == 13, "precomputed_pads: %lld %lld %lld",
        (long long)gi[0], (long long)gi[4], (long long)gi[20]);
  qrt_pool2d_params_init(&p, 2, 2);
  p.stride_h = p.stride_w = 2;
  CHECK_OK(qrt_f32_max_pool2d_with_indices(&p, 1, 1, 1, 5, 5, g, gy, gi));
  CHECK(gi[0] == 6 && gi[1] == 16 && gi[2] == 8 && gi[3] == 18 && gy[3] == 19, "precomputed_strides (column major)");
  CHECK(qrt_f32_max_pool2d_with_indices(&p, 2, 1, 1, 5, 5, g, gy, gi) == QRT_INVALID_ARGUMENT, "storage_order 2");
}

int main(void) {
  test_indices();
  for (int is_max = 0; is_max < 2; is_max++)
    for (int ceil = 0; ceil < 2; ceil++)
      for (int cip = 0; cip < 2; cip++)
        for (int64_t k = 1; k <= 3; k++)
          for (int64_t s = 1; s <= 3; s++)
            for (int64_t pad = 0; pad < k; pad++) run(is_max, k, k + 1 - (k > 2), s, pad, 1 + (k == 2), ceil, cip, 7 + s, 6);

  /* ceil_mode by hand: 1x5, k=2, s=2 -> floor 2, ceil 3 (last window [4,5) half outside) */
  qrt_pool2d_params_t p;
  qrt_pool2d_params_init(&p, 1, 2);
  p.stride_w = 2;
  p.ceil_mode = 1;
  const float x[5] = {1, 2, 3, 4, 5};
  float y[3];
  int64_t oh, ow;
  CHECK_OK(qrt_pool2d_output_size(&p, 1, 5, &oh, &ow));
  CHECK(ow == 3, "ceil_mode width %lld, want 3", (long long)ow);
  CHECK_OK(qrt_f32_avg_pool2d(&p, 1, 1, 1, 5, x, y));
  CHECK(y[0] == 1.5f && y[1] == 3.5f && y[2] == 5.0f, "ceil avg %g %g %g", y[0], y[1], y[2]);
  /* count_include_pad by hand: 1x3 input, k=3, pad 1: windows [-1..1], [0..2], [1..3] */
  qrt_pool2d_params_init(&p, 1, 3);
  p.pad_left = p.pad_right = 1;
  p.count_include_pad = 1;
  float z[3];
  const float xin[3] = {3, 6, 9};
  CHECK_OK(qrt_f32_avg_pool2d(&p, 1, 1, 1, 3, xin, z));
  CHECK(z[0] == 3.0f && z[1] == 6.0f && z[2] == 5.0f, "count_include_pad %g %g %g", z[0], z[1], z[2]);
  p.count_include_pad = 0;
  CHECK_OK(qrt_f32_avg_pool2d(&p, 1, 1, 1, 3, xin, z));
  CHECK(z[0] == 4.5f && z[1] == 6.0f && z[2] == 7.5f, "exclude pad %g %g %g", z[0], z[1], z[2]);
  /* the ceil_mode window that would start in the end padding is dropped: 1x4, k2 s2 pad_r 1 */
  qrt_pool2d_params_init(&p, 1, 2);
  p.stride_w = 2;
  p.pad_right = 1;
  p.ceil_mode = 1;
  CHECK_OK(qrt_pool2d_output_size(&p, 1, 4, &oh, &ow));
  CHECK(ow == 2, "ceil_mode drop width %lld, want 2", (long long)ow);

  float g[2 * 3 * 4], gy[6], gm[6];
  for (int i = 0; i < 24; i++) g[i] = (float)i;
  CHECK_OK(qrt_f32_global_avg_pool(2, 3, 4, g, gy));
  CHECK_OK(qrt_f32_global_max_pool(2, 3, 4, g, gm));
  for (int i = 0; i < 6; i++)
    CHECK(gy[i] == 4.0f * i + 1.5f && gm[i] == 4.0f * i + 3, "global pool %d: %g %g", i, gy[i], gm[i]);
  return test_finish("runtime.pool");
}
