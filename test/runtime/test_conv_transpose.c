/* ConvTranspose against its definition (a gather form, independent of the
 * kernel's scatter form): y[o][oh][ow] = bias[o] + sum over (c, i, j, ih, iw)
 * with ih*s - pad + i*d = oh of x[c][ih][iw] * w[c][o%cog][i][j].
 * Tolerance (K + 3) 2^-23 * sum|x w| as for conv2d (summation order differs). */
#include "test_util.h"

static void run(int64_t n, int64_t ci, int64_t h, int64_t w, int64_t co, int64_t g, int64_t k,
                int64_t s, int64_t pad, int64_t dil, int64_t opad) {
  qrt_conv_transpose2d_params_t p;
  qrt_conv_transpose2d_params_init(&p, k, k + 1);
  p.groups = g;
  p.stride_h = s, p.stride_w = s + 1;
  p.pad_top = pad, p.pad_left = pad, p.pad_bottom = pad + 1 > k ? pad : pad + 1, p.pad_right = pad;
  p.dilation_h = p.dilation_w = dil;
  p.output_padding_h = opad < s ? opad : 0, p.output_padding_w = opad;
  int64_t oh, ow;
  if (qrt_conv_transpose2d_output_size(&p, h, w, &oh, &ow) != QRT_OK) return;
  const int64_t cig = ci / g, cog = co / g;
  const int64_t nx = n * ci * h * w, nw = ci * cog * p.kernel_h * p.kernel_w, ny = n * co * oh * ow;
  float *x = malloc(4 * (size_t)nx), *wt = malloc(4 * (size_t)nw), *b = malloc(4 * (size_t)co);
  float *y = malloc(4 * (size_t)ny), *r = malloc(4 * (size_t)ny), *tol = malloc(4 * (size_t)ny);
  fill_rand(x, nx), fill_rand(wt, nw), fill_rand(b, co);
  CHECK_OK(qrt_f32_conv_transpose2d(&p, n, ci, h, w, x, co, wt, b, y));
  for (int64_t bb = 0; bb < n; bb++)
    for (int64_t o = 0; o < co; o++)
      for (int64_t yh = 0; yh < oh; yh++)
        for (int64_t yw = 0; yw < ow; yw++) {
          const int64_t gg = o / cog;
          double acc = b[o], sa = fabs(b[o]);
          for (int64_t c = gg * cig; c < (gg + 1) * cig; c++)
            for (int64_t i = 0; i < p.kernel_h; i++)
              for (int64_t j = 0; j < p.kernel_w; j++) {
                const int64_t th = yh + p.pad_top - i * dil, tw = yw + p.pad_left - j * dil;
                if (th < 0 || tw < 0 || th % p.stride_h || tw % p.stride_w) continue;
                const int64_t ih = th / p.stride_h, iw = tw / p.stride_w;
                if (ih >= h || iw >= w) continue;
                const double v = (double)x[((bb * ci + c) * h + ih) * w + iw] *
                                 wt[((c * cog + o % cog) * p.kernel_h + i) * p.kernel_w + j];
                acc += v;
                sa += fabs(v);
              }
          const int64_t f = ((bb * co + o) * oh + yh) * ow + yw;
          r[f] = (float)acc;
          tol[f] = (float)((cig * p.kernel_h * p.kernel_w + 3) * ldexp(1.0, -23) * sa + 1e-30);
        }
  char what[96];
  snprintf(what, sizeof what, "conv_transpose ci%lld co%lld g%lld k%lld s%lld pad%lld d%lld op%lld",
           (long long)ci, (long long)co, (long long)g, (long long)k, (long long)s, (long long)pad,
           (long long)dil, (long long)opad);
  const int64_t shape[4] = {n, co, oh, ow};
  expect_near(what, 4, shape, y, r, tol, 0);
  free(x), free(wt), free(b), free(y), free(r), free(tol);
}

int main(void) {
  for (int64_t k = 1; k <= 4; k++)
    for (int64_t s = 1; s <= 3; s++)
      for (int64_t pad = 0; pad < k; pad++)
        for (int64_t dil = 1; dil <= 2; dil++)
          for (int64_t opad = 0; opad < 2; opad++) {
            run(1, 4, 5, 4, 6, 1, k, s, pad, dil, opad);
            run(2, 6, 3, 4, 9, 3, k, s, pad, dil, opad);
          }
  return test_finish("runtime.conv_transpose");
}
