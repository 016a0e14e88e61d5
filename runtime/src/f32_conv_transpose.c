/* ConvTranspose 2-D, direct scatter form: every input element adds x*w into
 * the kernel_h x kernel_w output positions it reaches. Portable C. */
#include <math.h>
#include <string.h>

#include "qrt_internal.h"

void qrt_conv_transpose2d_params_init(qrt_conv_transpose2d_params_t *p, int64_t kernel_h,
                                      int64_t kernel_w) {
  memset(p, 0, sizeof *p);
  p->groups = 1;
  p->kernel_h = kernel_h;
  p->kernel_w = kernel_w;
  p->stride_h = p->stride_w = 1;
  p->dilation_h = p->dilation_w = 1;
  p->output_min = -INFINITY;
  p->output_max = INFINITY;
}

qrt_status_t qrt_conv_transpose2d_output_size(const qrt_conv_transpose2d_params_t *p, int64_t h,
                                              int64_t w, int64_t *out_h, int64_t *out_w) {
  if (!p || p->groups < 1 || p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 ||
      p->stride_w < 1 || p->dilation_h < 1 || p->dilation_w < 1 || p->pad_top < 0 ||
      p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0 || p->output_padding_h < 0 ||
      p->output_padding_w < 0 || h < 1 || w < 1)
    return QRT_INVALID_ARGUMENT;
  const int64_t oh = p->stride_h * (h - 1) + p->output_padding_h +
                     p->dilation_h * (p->kernel_h - 1) + 1 - p->pad_top - p->pad_bottom;
  const int64_t ow = p->stride_w * (w - 1) + p->output_padding_w +
                     p->dilation_w * (p->kernel_w - 1) + 1 - p->pad_left - p->pad_right;
  if (oh < 1 || ow < 1) return QRT_INVALID_ARGUMENT;
  *out_h = oh;
  *out_w = ow;
  return QRT_OK;
}

qrt_status_t qrt_f32_conv_transpose2d(const qrt_conv_transpose2d_params_t *p, int64_t n,
                                      int64_t c_in, int64_t h, int64_t w, const float *x,
                                      int64_t c_out, const float *weights, const float *bias,
                                      float *y) {
  int64_t OH, OW;
  qrt_status_t s = qrt_conv_transpose2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c_in < 1 || c_out < 1 || c_in % p->groups || c_out % p->groups || !x || !weights || !y)
    return QRT_INVALID_ARGUMENT;
  const int64_t G = p->groups, cig = c_in / G, cog = c_out / G;
  const int64_t KH = p->kernel_h, KW = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w;
  for (int64_t b = 0; b < n; b++) {
    float *yb = y + b * c_out * OH * OW;
    for (int64_t o = 0; o < c_out; o++) {
      const float v = bias ? bias[o] : 0.0f;
      for (int64_t q = 0; q < OH * OW; q++) yb[o * OH * OW + q] = v;
    }
    for (int64_t g = 0; g < G; g++)
      for (int64_t ci = 0; ci < cig; ci++) {
        const float *xc = x + ((b * c_in) + g * cig + ci) * h * w;
        for (int64_t co = 0; co < cog; co++) {
          float *yc = yb + (g * cog + co) * OH * OW;
          const float *wk = weights + ((g * cig + ci) * cog + co) * KH * KW;
          for (int64_t i = 0; i < KH; i++)
            for (int64_t j = 0; j < KW; j++) {
              const float wv = wk[i * KW + j];
              const int64_t off_h = i * dh - p->pad_top, off_w = j * dw - p->pad_left;
              /* input columns whose output column lies inside [0, OW) */
              int64_t iw_lo = 0, iw_hi = w;
              while (iw_lo < w && iw_lo * sw + off_w < 0) iw_lo++;
              while (iw_hi > iw_lo && (iw_hi - 1) * sw + off_w >= OW) iw_hi--;
              for (int64_t ih = 0; ih < h; ih++) {
                const int64_t oh = ih * sh + off_h;
                if (oh < 0 || oh >= OH) continue;
                float *yr = yc + oh * OW + off_w;
                const float *xr = xc + ih * w;
                for (int64_t iw = iw_lo; iw < iw_hi; iw++) yr[iw * sw] += xr[iw] * wv;
              }
            }
        }
      }
    const float lo = p->output_min, hi = p->output_max;
    if (!(lo == -INFINITY && hi == INFINITY))
      for (int64_t q = 0; q < c_out * OH * OW; q++) {
        float v = yb[q];
        v = v < lo ? lo : v;
        yb[q] = v > hi ? hi : v;
      }
  }
  return QRT_OK;
}
