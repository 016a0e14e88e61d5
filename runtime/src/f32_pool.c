/* MaxPool / AveragePool 2-D and the global pools. Portable C. */
#include <math.h>
#include <string.h>

#include "qrt_internal.h"

void qrt_pool2d_params_init(qrt_pool2d_params_t *p, int64_t kernel_h, int64_t kernel_w) {
  memset(p, 0, sizeof *p);
  p->kernel_h = kernel_h;
  p->kernel_w = kernel_w;
  p->stride_h = p->stride_w = 1;
  p->dilation_h = p->dilation_w = 1;
}

static int64_t qrt_pool_dim(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe, int64_t d,
                            int ceil_mode) {
  const int64_t span = d * (k - 1) + 1;
  const int64_t e = in + pb + pe - span;
  if (e < 0) return -1;
  int64_t out = (ceil_mode ? (e + s - 1) / s : e / s) + 1;
  /* the last window must start inside the input or the leading padding */
  if (ceil_mode && (out - 1) * s >= in + pb) out--;
  return out;
}

qrt_status_t qrt_pool2d_output_size(const qrt_pool2d_params_t *p, int64_t h, int64_t w,
                                    int64_t *out_h, int64_t *out_w) {
  if (!p || p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 || p->stride_w < 1 ||
      p->dilation_h < 1 || p->dilation_w < 1 || p->pad_top < 0 || p->pad_left < 0 ||
      p->pad_bottom < 0 || p->pad_right < 0 || h < 0 || w < 0)
    return QRT_INVALID_ARGUMENT;
  const int64_t oh = qrt_pool_dim(h, p->kernel_h, p->stride_h, p->pad_top, p->pad_bottom,
                                  p->dilation_h, p->ceil_mode);
  const int64_t ow = qrt_pool_dim(w, p->kernel_w, p->stride_w, p->pad_left, p->pad_right,
                                  p->dilation_w, p->ceil_mode);
  if (oh < 1 || ow < 1) return QRT_INVALID_ARGUMENT;
  *out_h = oh;
  *out_w = ow;
  return QRT_OK;
}

qrt_status_t qrt_f32_max_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                                int64_t w, const float *x, float *y) {
  int64_t OH, OW;
  qrt_status_t s = qrt_pool2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c < 0) return QRT_INVALID_ARGUMENT;
  const int64_t KH = p->kernel_h, KW = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w;
  for (int64_t pl = 0; pl < n * c; pl++) {
    const float *xp = x + pl * h * w;
    float *yp = y + pl * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      float *yr = yp + oh * OW;
      for (int64_t ow = 0; ow < OW; ow++) yr[ow] = -INFINITY;
      for (int64_t i = 0; i < KH; i++) {
        const int64_t ih = oh * sh - p->pad_top + i * dh;
        if (ih < 0 || ih >= h) continue;
        const float *xr = xp + ih * w;
        for (int64_t j = 0; j < KW; j++) {
          const int64_t off = j * dw - p->pad_left;
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t iw = ow * sw + off;
            if (iw < 0 || iw >= w) continue;
            const float v = xr[iw], m = yr[ow];
            /* NaN wins: once NaN, "v > NaN" is false and it stays */
            yr[ow] = (v > m || v != v) ? v : m;
          }
        }
      }
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_f32_avg_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                                int64_t w, const float *x, float *y) {
  int64_t OH, OW;
  qrt_status_t s = qrt_pool2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c < 0) return QRT_INVALID_ARGUMENT;
  const int64_t KH = p->kernel_h, KW = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  for (int64_t pl = 0; pl < n * c; pl++) {
    const float *xp = x + pl * h * w;
    float *yp = y + pl * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      const int64_t h0 = oh * sh - p->pad_top, h1 = h0 + KH;
      const int64_t ih0 = QRT_MAX(h0, 0), ih1 = QRT_MIN(h1, h);
      const int64_t ph0 = QRT_MAX(h0, -p->pad_top), ph1 = QRT_MIN(h1, h + p->pad_bottom);
      for (int64_t ow = 0; ow < OW; ow++) {
        const int64_t w0 = ow * sw - p->pad_left, w1 = w0 + KW;
        const int64_t iw0 = QRT_MAX(w0, 0), iw1 = QRT_MIN(w1, w);
        float sum = 0.0f;
        for (int64_t ih = ih0; ih < ih1; ih++)
          for (int64_t iw = iw0; iw < iw1; iw++) sum += xp[ih * w + iw];
        int64_t cnt;
        if (p->count_include_pad) {
          cnt = (ph1 - ph0) * (QRT_MIN(w1, w + p->pad_right) - QRT_MAX(w0, -p->pad_left));
        } else {
          cnt = (ih1 - ih0) * (iw1 - iw0);
        }
        yp[oh * OW + ow] = cnt > 0 ? sum / (float)cnt : NAN;
      }
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_f32_global_avg_pool(int64_t n, int64_t c, int64_t spatial, const float *x,
                                     float *y) {
  if (n < 0 || c < 0 || spatial < 1) return QRT_INVALID_ARGUMENT;
  for (int64_t i = 0; i < n * c; i++) {
    const float *xp = x + i * spatial;
    double s = 0.0;
    for (int64_t j = 0; j < spatial; j++) s += xp[j];
    y[i] = (float)(s / (double)spatial);
  }
  return QRT_OK;
}

qrt_status_t qrt_f32_global_max_pool(int64_t n, int64_t c, int64_t spatial, const float *x,
                                     float *y) {
  if (n < 0 || c < 0 || spatial < 1) return QRT_INVALID_ARGUMENT;
  for (int64_t i = 0; i < n * c; i++) {
    const float *xp = x + i * spatial;
    float m = -INFINITY;
    for (int64_t j = 0; j < spatial; j++) m = (xp[j] > m || xp[j] != xp[j]) ? xp[j] : m;
    y[i] = m;
  }
  return QRT_OK;
}
