/* Resize (ONNX) on NCHW, nearest and bilinear, coordinates in double. Source coordinates are
 * computed once per output row and column (on the stack in chunks), not per
 * element. */
#include <math.h>

#include "qrt_internal.h"

/* The source coordinate of output o (qrt_f32.h gives the formulas). */
static double qrt_resize_coord(qrt_resize_coord_t mode, int64_t o, int64_t in, int64_t out, double scale) {
  const double len = (double)(float)(scale * (double)in); /* the resized length, float32 as ONNX */
  switch (mode) {
    case QRT_RESIZE_HALF_PIXEL: return ((double)o + 0.5) / scale - 0.5;
    case QRT_RESIZE_PYTORCH_HALF_PIXEL: return len > 1.0 ? ((double)o + 0.5) / scale - 0.5 : 0.0;
    case QRT_RESIZE_ALIGN_CORNERS: return len == 1.0 ? 0.0 : (double)o * (double)(in - 1) / (len - 1.0);
    case QRT_RESIZE_ASYMMETRIC: return (double)o / scale;
    case QRT_RESIZE_HALF_PIXEL_SYMMETRIC: {
      const double adj = (double)out / (scale * (double)in);
      const double center = (double)in / 2.0;
      const double off = center * (1.0 - adj);
      return off + ((double)o + 0.5) / scale - 0.5;
    }
    case QRT_RESIZE_TF_HALF_PIXEL_FOR_NN: return ((double)o + 0.5) / scale;
  }
  return 0.0;
}

static int64_t qrt_resize_nearest_index(qrt_resize_nearest_t mode, double xf, int64_t in) {
  double r;
  switch (mode) {
    case QRT_RESIZE_ROUND_PREFER_FLOOR:
      r = (xf - floor(xf) == 0.5) ? floor(xf) : round(xf);
      break;
    case QRT_RESIZE_ROUND_PREFER_CEIL:
      r = (xf - floor(xf) == 0.5) ? ceil(xf) : round(xf);
      break;
    case QRT_RESIZE_FLOOR: r = floor(xf); break;
    default: r = ceil(xf); break;
  }
  /* clamp in floating point first: converting an out-of-range value is undefined */
  if (!(r >= 0.0)) return 0; /* also NaN */
  if (r > (double)(in - 1)) return in - 1;
  return (int64_t)r;
}

/* Linear: the two neighbours and the weight of the second. */
static void qrt_resize_linear_index(double xf, int64_t in, int64_t *i0, int64_t *i1, float *w1) {
  if (!(xf >= 0.0)) xf = 0.0;
  if (xf > (double)(in - 1)) xf = (double)(in - 1);
  const double fl = floor(xf);
  *i0 = (int64_t)fl;
  *i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
  *w1 = (float)(xf - fl);
}

qrt_status_t qrt_f32_resize(const qrt_resize_params_t *p, int64_t n, int64_t c, int64_t h, int64_t w,
                            const float *x, int64_t out_h, int64_t out_w, float *y) {
  if (!p || n < 0 || c < 0 || h < 1 || w < 1 || out_h < 0 || out_w < 0 || !(p->scale_h > 0.0) ||
      !(p->scale_w > 0.0) || p->mode < QRT_RESIZE_NEAREST || p->mode > QRT_RESIZE_LINEAR)
    return QRT_INVALID_ARGUMENT;
  enum { CHUNK = 512 };
  int64_t cx0[CHUNK], cx1[CHUNK];
  float cw1[CHUNK];
  const int64_t planes = n * c;
  for (int64_t oh = 0; oh < out_h; oh++) {
    const double yf = qrt_resize_coord(p->coord, oh, h, out_h, p->scale_h);
    int64_t y0, y1 = 0;
    float wy1 = 0.0f;
    if (p->mode == QRT_RESIZE_NEAREST) y0 = qrt_resize_nearest_index(p->nearest, yf, h);
    else qrt_resize_linear_index(yf, h, &y0, &y1, &wy1);
    for (int64_t c0 = 0; c0 < out_w; c0 += CHUNK) {
      const int64_t cn = QRT_MIN((int64_t)CHUNK, out_w - c0);
      for (int64_t t = 0; t < cn; t++) {
        const double xf = qrt_resize_coord(p->coord, c0 + t, w, out_w, p->scale_w);
        if (p->mode == QRT_RESIZE_NEAREST) cx0[t] = qrt_resize_nearest_index(p->nearest, xf, w);
        else qrt_resize_linear_index(xf, w, &cx0[t], &cx1[t], &cw1[t]);
      }
      for (int64_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * h * w;
        float *yr = y + (pl * out_h + oh) * out_w + c0;
        if (p->mode == QRT_RESIZE_NEAREST) {
          const float *xr = xp + y0 * w;
          for (int64_t t = 0; t < cn; t++) yr[t] = xr[cx0[t]];
        } else {
          const float *r0 = xp + y0 * w, *r1 = xp + y1 * w;
          const float wy0 = 1.0f - wy1;
          for (int64_t t = 0; t < cn; t++) {
            const float wx1 = cw1[t], wx0 = 1.0f - wx1;
            const float top = r0[cx0[t]] * wx0 + r0[cx1[t]] * wx1;
            const float bot = r1[cx0[t]] * wx0 + r1[cx1[t]] * wx1;
            yr[t] = top * wy0 + bot * wy1;
          }
        }
      }
    }
  }
  return QRT_OK;
}
