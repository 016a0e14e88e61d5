/* MaxPool / AveragePool 2-D and the global pools (float32), and max pooling on
 * the other element types (qrt_int.h). Portable C. */
#include <math.h>
#include <string.h>

#include "qrt/qrt_int.h"
#include "qrt/qrt_q8.h"
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

/* max(v, m) where a NaN v wins; once m is NaN, "v > NaN" is false and it stays.
 * Branch-free, so the loops below vectorize. */
static inline float qrt_max_nan(float v, float m) { return (v > m || v != v) ? v : m; }

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
          /* outputs [lo, hi) read inside the row: iw = ow * sw + off in [0, w) */
          const int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
          int64_t hi = w - off <= 0 ? 0 : (w - off + sw - 1) / sw;
          if (hi > OW) hi = OW;
          const float *xs = xr + off;
          if (sw == 1) {
            for (int64_t ow = lo; ow < hi; ow++) yr[ow] = qrt_max_nan(xs[ow], yr[ow]);
          } else {
            for (int64_t ow = lo; ow < hi; ow++) yr[ow] = qrt_max_nan(xs[ow * sw], yr[ow]);
          }
        }
      }
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_f32_max_pool2d_with_indices(const qrt_pool2d_params_t *p, int storage_order, int64_t n,
                                             int64_t c, int64_t h, int64_t w, const float *x, float *y,
                                             int64_t *indices) {
  int64_t OH, OW;
  qrt_status_t s = qrt_pool2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c < 0 || (storage_order != 0 && storage_order != 1)) return QRT_INVALID_ARGUMENT;
  for (int64_t pl = 0; pl < n * c; pl++) {
    const float *xp = x + pl * h * w;
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        float m = -INFINITY;
        int64_t at = -1;
        for (int64_t i = 0; i < p->kernel_h; i++) {
          const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;
          if (ih < 0 || ih >= h) continue;
          for (int64_t j = 0; j < p->kernel_w; j++) {
            const int64_t iw = ow * p->stride_w - p->pad_left + j * p->dilation_w;
            if (iw < 0 || iw >= w) continue;
            const float v = xp[ih * w + iw];
            if (m != m) continue; /* a NaN already won */
            if (at < 0 || v > m || v != v) {
              m = v;
              at = storage_order ? iw * h + ih : ih * w + iw;
            }
          }
        }
        y[(pl * OH + oh) * OW + ow] = m;
        indices[(pl * OH + oh) * OW + ow] = at < 0 ? -1 : pl * h * w + at;
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

/* ---- max pooling on other element types (qrt_int.h) -----------------------------
 * The loop of qrt_f32_max_pool2d over elements of type T, compared as W
 * (integers as themselves, f16/bf16 decoded to float). LOWEST is what a
 * window with no input element gives; NaN wins as in the f32 kernel (for
 * integer W there is no NaN). */
#define QRT_MAX_POOL_TYPED(NAME, T, W, LOAD, LOWEST, ISNAN)                                          \
  static void NAME(const qrt_pool2d_params_t *p, int64_t planes, int64_t h, int64_t w,            \
                   int64_t OH, int64_t OW, const void *xv, void *yv) {                            \
    const T *x = (const T *)xv;                                                                  \
    T *y = (T *)yv;                                                                              \
    for (int64_t pl = 0; pl < planes; pl++) {                                                    \
      const T *xp = x + pl * h * w;                                                              \
      T *yp = y + pl * OH * OW;                                                                  \
      for (int64_t oh = 0; oh < OH; oh++)                                                        \
        for (int64_t ow = 0; ow < OW; ow++) {                                                    \
          int found = 0;                                                                         \
          T best = 0;                                                                            \
          W bw = 0;                                                                              \
          for (int64_t i = 0; i < p->kernel_h; i++) {                                            \
            const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;                \
            if (ih < 0 || ih >= h) continue;                                                     \
            for (int64_t j = 0; j < p->kernel_w; j++) {                                          \
              const int64_t iw = ow * p->stride_w - p->pad_left + j * p->dilation_w;             \
              if (iw < 0 || iw >= w) continue;                                                   \
              const T v = xp[ih * w + iw];                                                       \
              const W vw = LOAD(v);                                                              \
              if (ISNAN(bw)) continue; /* NaN already won */                                   \
              if (!found || vw > bw || ISNAN(vw)) best = v, bw = vw, found = 1;                \
            }                                                                                    \
          }                                                                                      \
          yp[oh * OW + ow] = found ? best : (LOWEST);                                            \
        }                                                                                        \
    }                                                                                            \
  }
#define QRT_SAME(v) (v)
#define QRT_NO_NAN(v) 0
#define QRT_IS_NAN(v) ((v) != (v))
QRT_MAX_POOL_TYPED(qrt_max_pool_i16, int16_t, int64_t, QRT_SAME, INT16_MIN, QRT_NO_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_u16, uint16_t, uint64_t, QRT_SAME, 0, QRT_NO_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_i32, int32_t, int64_t, QRT_SAME, INT32_MIN, QRT_NO_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_u32, uint32_t, uint64_t, QRT_SAME, 0, QRT_NO_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_i64, int64_t, int64_t, QRT_SAME, INT64_MIN, QRT_NO_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_u64, uint64_t, uint64_t, QRT_SAME, 0, QRT_NO_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_f64, double, double, QRT_SAME, -INFINITY, QRT_IS_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_f16, uint16_t, float, qrt_f16_to_f32, 0xfc00u, QRT_IS_NAN)
QRT_MAX_POOL_TYPED(qrt_max_pool_bf16, uint16_t, float, qrt_bf16_to_f32, 0xff80u, QRT_IS_NAN)
#undef QRT_SAME
#undef QRT_NO_NAN
#undef QRT_IS_NAN

qrt_status_t qrt_max_pool2d_typed(qrt_type_t t, const qrt_pool2d_params_t *p, int64_t n, int64_t c,
                                  int64_t h, int64_t w, const void *x, void *y) {
  if (t == QRT_TYPE_F32) return qrt_f32_max_pool2d(p, n, c, h, w, (const float *)x, (float *)y);
  int64_t OH, OW;
  qrt_status_t s = qrt_pool2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c < 0) return QRT_INVALID_ARGUMENT;
  void (*fn)(const qrt_pool2d_params_t *, int64_t, int64_t, int64_t, int64_t, int64_t, const void *, void *);
  switch (t) {
    /* 8 bits: the int8 kernel, the same loop with vector variants (q8_ew_internal.h) */
    case QRT_TYPE_I8: return qrt_q8_max_pool2d(p, n, c, h, w, QRT_DTYPE_I8, x, y);
    case QRT_TYPE_U8: return qrt_q8_max_pool2d(p, n, c, h, w, QRT_DTYPE_U8, x, y);
    case QRT_TYPE_I16: fn = qrt_max_pool_i16; break;
    case QRT_TYPE_U16: fn = qrt_max_pool_u16; break;
    case QRT_TYPE_I32: fn = qrt_max_pool_i32; break;
    case QRT_TYPE_U32: fn = qrt_max_pool_u32; break;
    case QRT_TYPE_I64: fn = qrt_max_pool_i64; break;
    case QRT_TYPE_U64: fn = qrt_max_pool_u64; break;
    case QRT_TYPE_F64: fn = qrt_max_pool_f64; break;
    case QRT_TYPE_F16: fn = qrt_max_pool_f16; break;
    case QRT_TYPE_BF16: fn = qrt_max_pool_bf16; break;
    case QRT_TYPE_BOOL: return QRT_UNSUPPORTED;
    default: return QRT_INVALID_ARGUMENT;
  }
  fn(p, n * c, h, w, OH, OW, x, y);
  return QRT_OK;
}
