/* Scalar reference int8 kernels with per-output-channel weights: QLinearConv
 * (qrt_q8_conv2d*), ConvInteger (qrt_q8_conv_integer) and Linear
 * (qrt_q8_gemm*, static and dynamic). Contracts in qrt/qrt_q8.h, arithmetic in
 * docs/numerics.md. Straightforward loops, never optimized: they define the
 * results every ISA variant must reproduce. The public entry points (checks,
 * packing, choice of variant) are in q8_conv_gemm.c; the loops here run
 * buffers packed with the scalar layout (QRT_ISA_SCALAR).
 *
 * Accumulators are int32_t: the bound checked before anything is written
 * (qrt_q8.h, "Accumulation") makes every partial sum fit, in any order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"

/* ---- packed weights -----------------------------------------------------------
 * The common sections and header are q8_conv_gemm_internal.h's; the scalar layout
 * after them is int16 w[c_out][k] = w - zw[o] (|w - zw| <= 255), bias as given. */

size_t qrt_q8_packed_size__scalar(int64_t c_out, int64_t k) {
  if (c_out < 1 || k < 1 || k > (INT64_MAX / 4) / c_out) return 0;
  return 128 + 2 * q8_align64((size_t)c_out * 4) + q8_align64((size_t)(c_out * k) * 2);
}

void qrt_q8_pack__scalar(const q8_pack_args_t *a, void *packed) {
  qrt_q8_pack_common(a, QRT_ISA_SCALAR, packed);
  int16_t *wd = (int16_t *)q8_view(packed).rest;
  const qrt_q8_weights_t *wq = a->wq;
  for (int64_t o = 0; o < a->c_out; o++) {
    const int32_t zw = wq->zero_points ? wq->zero_points[wq->n_zero_points == 1 ? 0 : o] : 0;
    for (int64_t i = 0; i < a->k; i++) wd[o * a->k + i] = (int16_t)(qrt_q8_load(wq->type, a->w, o * a->k + i) - zw);
  }
}

/* ---- ConvInteger's loop (weights as given, with their zero points) ------------------ */

typedef struct {
  const qrt_conv2d_params_t *p;
  int64_t c_in, h, w, c_out, oh, ow;
  qrt_dtype_t x_type;
  int32_t x_zero_point;
  qrt_dtype_t w_type;
  const void *weights;      /* [c_out][c_in/groups][kh][kw] */
  const int32_t *w_zero_points; /* NULL: 0 */
  int64_t w_zp_stride;      /* 0 per tensor, 1 per channel */
} q8_conv_t;

/* sum over the window of output (o, oy, ox) of (x - zx) * (w[o] - zw[o]) for one image. */
static int32_t q8_conv_acc(const q8_conv_t *c, const void *x, int64_t o, int64_t oy, int64_t ox) {
  const qrt_conv2d_params_t *p = c->p;
  const int64_t cig = c->c_in / p->groups, cog = c->c_out / p->groups, g = o / cog;
  const int32_t zw = c->w_zero_points ? c->w_zero_points[o * c->w_zp_stride] : 0;
  int32_t acc = 0;
  for (int64_t i = 0; i < cig; i++) {
    const int64_t ci = g * cig + i;
    for (int64_t ky = 0; ky < p->kernel_h; ky++) {
      const int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
      if (iy < 0 || iy >= c->h) continue; /* padding: x = zx adds 0 */
      for (int64_t kx = 0; kx < p->kernel_w; kx++) {
        const int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
        if (ix < 0 || ix >= c->w) continue;
        const int32_t xv = qrt_q8_load(c->x_type, x, (ci * c->h + iy) * c->w + ix) - c->x_zero_point;
        const int32_t wv =
            qrt_q8_load(c->w_type, c->weights, ((o * cig + i) * p->kernel_h + ky) * p->kernel_w + kx) - zw;
        acc += xv * wv;
      }
    }
  }
  return acc;
}

/* Parameters and channel counts valid, and K = C_in/groups * kh * kw without overflow. */
int qrt_q8_conv_shape_ok(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out) {
  if (!p || p->groups < 1 || c_in < 1 || c_out < 1 || c_in % p->groups || c_out % p->groups ||
      p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 || p->stride_w < 1 || p->dilation_h < 1 ||
      p->dilation_w < 1 || p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
    return 0;
  return p->kernel_h <= (INT64_MAX / p->kernel_w) / (c_in / p->groups);
}

/* ---- QConv2d --------------------------------------------------------------------- */

/* The taps t in [*lo, *hi) of a window starting at `start` (k taps, dilation d)
 * that fall inside [0, n); the others read padding, which adds 0. */
static void q8_taps(int64_t start, int64_t k, int64_t d, int64_t n, int64_t *lo, int64_t *hi) {
  *lo = start >= 0 ? 0 : (-start + d - 1) / d;
  *hi = start + (k - 1) * d < n ? k : (n - 1 - start < 0 ? 0 : (n - 1 - start) / d + 1);
  if (*lo > *hi) *lo = *hi;
}

/* The checks are done by the caller (q8_conv_gemm.c); n * OH * OW > 0. Not
 * inlined: the reference row stays one function whatever LTO decides (a
 * library's plan keeps or drops it by name, test/Codegen/plan-sizes.test). */
__attribute__((noinline)) void qrt_q8_conv2d__scalar(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h, int64_t w,
                           const void *x, int64_t c_out, const void *packed, void *y) {
  int64_t OH, OW;
  qrt_conv2d_output_size(p, h, w, &OH, &OW);
  const q8_packed_view_t v = q8_view(packed);
  const q8_packed_header_t *hd = v.h;
  const int16_t *vw = (const int16_t *)v.rest;
  const int64_t G = p->groups, cig = c_in / G, cog = c_out / G, KH = p->kernel_h, KW = p->kernel_w;
  const q8_xoff_t xo = q8_xoff((qrt_dtype_t)hd->x_type, hd->x_zero_point);
  const qrt_dtype_t yt = (qrt_dtype_t)hd->y_type;
  for (int64_t b = 0; b < n; b++)
    for (int64_t o = 0; o < c_out; o++) {
      const uint8_t *xg = (const uint8_t *)x + (b * c_in + o / cog * cig) * h * w; /* o's group */
      const int16_t *wo = vw + o * hd->k;
      for (int64_t oy = 0; oy < OH; oy++)
        for (int64_t ox = 0; ox < OW; ox++) {
          const int64_t y0 = oy * p->stride_h - p->pad_top, x0 = ox * p->stride_w - p->pad_left;
          int64_t ky0, ky1, kx0, kx1; /* taps inside the image; padding holds zx and adds 0 */
          q8_taps(y0, KH, p->dilation_h, h, &ky0, &ky1);
          q8_taps(x0, KW, p->dilation_w, w, &kx0, &kx1);
          int32_t acc = v.bias[o];
          for (int64_t i = 0; i < cig; i++)
            for (int64_t ky = ky0; ky < ky1; ky++) {
              const int64_t row = (i * h + y0 + ky * p->dilation_h) * w + x0; /* x0 may be < 0 */
              const int16_t *wr = wo + (i * KH + ky) * KW;
              for (int64_t kx = kx0; kx < kx1; kx++)
                acc += ((int32_t)(xg[row + kx * p->dilation_w] ^ xo.flip) - xo.zflip) * wr[kx];
            }
          const int32_t q = qrt_requantize_scalar(acc, v.scale[o], hd->y_zero_point, hd->y_qmin, hd->y_qmax);
          qrt_q8_store(yt, y, ((b * c_out + o) * OH + oy) * OW + ox, q);
        }
    }
}

/* ---- ConvInteger ------------------------------------------------------------------ */

qrt_status_t qrt_q8_conv_integer(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                 int64_t w, qrt_dtype_t x_type, int32_t x_zero_point, const void *x,
                                 int64_t c_out, const qrt_q8_weights_t *wq, const void *weights,
                                 int32_t *y) {
  int64_t OH, OW;
  int32_t lo, hi;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (!qrt_q8_conv_shape_ok(p, c_in, c_out) || n < 0 || !qrt_q8_type_range(x_type, &lo, &hi) ||
      x_zero_point < lo || x_zero_point > hi || qrt_q8_weights_check(wq, c_out, 0) != QRT_OK)
    return QRT_INVALID_ARGUMENT;
  /* Bound with both operands as run-time values. */
  int64_t dev_w = 0;
  for (int64_t i = 0; i < (wq->zero_points ? wq->n_zero_points : 1); i++) {
    const int64_t d = qrt_q8_max_deviation(wq->type, wq->zero_points ? wq->zero_points[i] : 0);
    if (d > dev_w) dev_w = d;
  }
  const int64_t k = c_in / p->groups * p->kernel_h * p->kernel_w;
  const int64_t dev = qrt_q8_max_deviation(x_type, x_zero_point) * dev_w;
  if (dev > 0 && k > INT32_MAX / dev) return QRT_INVALID_ARGUMENT;
  if (n * OH * OW == 0) return QRT_OK;
  if ((!x && h * w > 0) || !weights || !y) return QRT_INVALID_ARGUMENT;
  const q8_conv_t c = {p, c_in, h, w, c_out, OH, OW, x_type, x_zero_point, wq->type, weights,
                       wq->zero_points, wq->n_zero_points == 1 ? 0 : 1};
  for (int64_t b = 0; b < n; b++) {
    const void *xb = (const char *)x + b * c_in * h * w;
    for (int64_t o = 0; o < c_out; o++)
      for (int64_t oy = 0; oy < OH; oy++)
        for (int64_t ox = 0; ox < OW; ox++)
          y[((b * c_out + o) * OH + oy) * OW + ox] = q8_conv_acc(&c, xb, o, oy, ox);
  }
  return QRT_OK;
}

/* ---- QGemm (Linear) ----------------------------------------------------------------- */

/* acc + sum_k (x[k] - zx) * (w[o][k] - zw[o]), x the bytes of one row */
static int32_t q8_dot(const q8_packed_view_t *v, const uint8_t *x, q8_xoff_t xo, int64_t o, int32_t acc) {
  const int64_t k = v->h->k;
  const int16_t *wo = (const int16_t *)v->rest + o * k;
  for (int64_t i = 0; i < k; i++) acc += ((int32_t)(x[i] ^ xo.flip) - xo.zflip) * wo[i];
  return acc;
}

/* Checked by the caller; m >= 1. */
void qrt_q8_gemm__scalar(int64_t m, int64_t n, const void *x, int64_t ldx, const void *packed, void *y,
                         int64_t ldy) {
  const q8_packed_view_t v = q8_view(packed);
  const qrt_dtype_t yt = (qrt_dtype_t)v.h->y_type;
  const q8_xoff_t xo = q8_xoff((qrt_dtype_t)v.h->x_type, v.h->x_zero_point);
  for (int64_t r = 0; r < m; r++)
    for (int64_t o = 0; o < n; o++) {
      const int32_t acc = q8_dot(&v, (const uint8_t *)x + r * ldx, xo, o, v.bias[o]);
      qrt_q8_store(yt, y, r * ldy + o,
                   qrt_requantize_scalar(acc, v.scale[o], v.h->y_zero_point, v.h->y_qmin, v.h->y_qmax));
    }
}

/* Checked by the caller (including the activation parameters); m >= 1. */
void qrt_q8_gemm_dynamic__scalar(int64_t m, int64_t n, const void *x, int64_t ldx, const float *x_scales,
                                 const int32_t *x_zero_points, int64_t x_params_stride,
                                 const void *packed, float *y, int64_t ldy) {
  const q8_packed_view_t v = q8_view(packed);
  for (int64_t r = 0; r < m; r++) {
    const float xs = x_scales[r * x_params_stride];
    const q8_xoff_t xo = q8_xoff((qrt_dtype_t)v.h->x_type, x_zero_points[r * x_params_stride]);
    for (int64_t o = 0; o < n; o++) {
      const int32_t acc = q8_dot(&v, (const uint8_t *)x + r * ldx, xo, o, 0);
      float bias;
      memcpy(&bias, &v.bias[o], 4);
      const float scale = xs * v.scale[o];
      const float a = (float)acc;
      const float prod = a * scale;
      y[r * ldy + o] = prod + bias;
    }
  }
}
