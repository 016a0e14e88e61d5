/* f32 depthwise conv of one channel, portable C. Contract: f32_conv_internal.h.
 * Reads the unpadded input with bounds checks (no plane); bias first, then the
 * taps in order, each product rounded then added. */
#include "f32_conv_internal.h"

static void channel(const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x, int64_t OH,
                    int64_t OW, const float *w, float bias, float *y) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w;
  for (int64_t oh = 0; oh < OH; oh++)
    for (int64_t ow = 0; ow < OW; ow++) {
      float s = bias;
      for (int64_t i = 0; i < kh; i++) {
        const int64_t ih = oh * sh - p->pad_top + i * dh;
        if (ih < 0 || ih >= H) continue;
        for (int64_t j = 0; j < kw; j++) {
          const int64_t iw = ow * sw - p->pad_left + j * dw;
          if (iw >= 0 && iw < W) s += w[i * kw + j] * x[ih * W + iw];
        }
      }
      s = s < p->output_min ? p->output_min : s; /* a NaN compares false and stays */
      y[oh * OW + ow] = s > p->output_max ? p->output_max : s;
    }
}

void qrt_f32_dwconv__scalar(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                            const float *x, int64_t OH, int64_t OW, const float *w,
                            const float *bias, float *y, float *scratch) {
  (void)scratch;
  const int64_t taps = p->kernel_h * p->kernel_w;
  for (int64_t ch = 0; ch < c; ch++)
    channel(p, H, W, x + ch * H * W, OH, OW, w + ch * taps, bias[ch], y + ch * OH * OW);
}
