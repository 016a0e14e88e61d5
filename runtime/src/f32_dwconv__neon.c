/* f32 depthwise conv of one channel, aarch64 NEON: the channel zero-padded into
 * the plane (when there is padding), then row by row, 4 outputs per vector, a
 * broadcast weight times the input run of each tap (stride 2: the even lanes
 * of two overlapping loads). Contract: f32_conv_internal.h. Rounding: the
 * bias, one fused multiply-add per tap into one of three accumulators (by tap
 * row), two adds: differs from the scalar reference by rounding only. Runs
 * shorter than a vector go through a small copy: nothing past the last input
 * read or output written is touched. */
#include <arm_neon.h>
#include <string.h>

#include "f32_conv_internal.h"

/* x[s*sw] for s < n (1 <= n <= 4), zeros past n. */
static inline __attribute__((always_inline)) float32x4_t load_run(const float *x, const int sw,
                                                                  int64_t n) {
  if (n == 4) {
    if (sw == 1) return vld1q_f32(x);
    const float32x4_t a = vld1q_f32(x), b = vld1q_f32(x + 3); /* x[0..6] */
    return vcombine_f32(vget_low_f32(vuzp1q_f32(a, a)), vget_low_f32(vuzp2q_f32(b, b)));
  }
  float t[4] = {0};
  for (int64_t s = 0; s < n; s++) t[s] = x[s * sw];
  return vld1q_f32(t);
}

static inline __attribute__((always_inline)) void plane(const int sw, const float *x, int64_t ldx,
                                                        int64_t OH, int64_t OW, int64_t kh,
                                                        int64_t kw, int64_t sh, int64_t dh,
                                                        int64_t dw, const float *w, float bias,
                                                        float lo, float hi, float *y) {
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi), vb = vdupq_n_f32(bias);
  for (int64_t oh = 0; oh < OH; oh++) {
    const float *xr = x + oh * sh * ldx;
    float *yr = y + oh * OW;
    for (int64_t o = 0; o < OW; o += 4) {
      const int64_t n = QRT_MIN(4, OW - o);
      float32x4_t acc[3] = {vb, vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
      for (int64_t i = 0; i < kh; i++) {
        const float *r = xr + i * dh * ldx + o * sw;
        for (int64_t j = 0; j < kw; j++)
          acc[i % 3] = vfmaq_n_f32(acc[i % 3], load_run(r + j * dw, sw, n), w[i * kw + j]);
      }
      float32x4_t v = vaddq_f32(vaddq_f32(acc[0], acc[1]), acc[2]);
      v = vminq_f32(vmaxq_f32(v, vlo), vhi); /* FMAX/FMIN: NaN propagates */
      if (n == 4) {
        vst1q_f32(yr + o, v);
      } else {
        float t[4];
        vst1q_f32(t, v);
        memcpy(yr + o, t, (size_t)n * sizeof(float));
      }
    }
  }
}

static void channel(const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x, int64_t OH,
                    int64_t OW, const float *w, float bias, float *y, float *pbuf) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w;
  const float *src = x;
  int64_t ldx = W;
  if (p->pad_top || p->pad_left || p->pad_bottom || p->pad_right) {
    const int64_t pl = p->pad_left, rows = (OH - 1) * sh + (kh - 1) * dh + 1;
    ldx = W + pl + p->pad_right;
    for (int64_t r = 0; r < rows; r++) {
      float *d = pbuf + r * ldx;
      const int64_t ih = r - p->pad_top;
      memset(d, 0, (size_t)ldx * sizeof(float));
      if (ih >= 0 && ih < H) memcpy(d + pl, x + ih * W, (size_t)W * sizeof(float));
    }
    src = pbuf;
  }
  if (sw == 1) plane(1, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, p->output_min, p->output_max, y);
  else plane(2, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, p->output_min, p->output_max, y);
}

void qrt_f32_dwconv__neon(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                          const float *x, int64_t OH, int64_t OW, const float *w,
                          const float *bias, float *y, float *scratch) {
  const int64_t taps = p->kernel_h * p->kernel_w;
  for (int64_t ch = 0; ch < c; ch++)
    channel(p, H, W, x + ch * H * W, OH, OW, w + ch * taps, bias[ch], y + ch * OH * OW, scratch);
}
