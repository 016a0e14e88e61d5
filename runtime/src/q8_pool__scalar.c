/* Scalar reference int8 pooling: max pool on the stored integers, average and
 * global average pool as an exact int32 sum of (x - zx) requantized with
 * qrt_requant_pool_multiplier. Windows and output sizes as the float pools
 * (qrt_pool2d_output_size, f32_pool.c). Contracts in qrt/qrt_q8.h.
 * Max pool and global average pool run the vector variant of qrt_active_isa()
 * when there is one (q8_ew_internal.h), with the same results. */
#include "q8_ew_internal.h"

qrt_status_t qrt_q8_max_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                               int64_t w, qrt_dtype_t type, const void *x, void *y) {
  int64_t OH, OW;
  int32_t lo, hi;
  qrt_status_t s = qrt_pool2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c < 0 || !qrt_q8_type_range(type, &lo, &hi)) return QRT_INVALID_ARGUMENT;
  if (n * c == 0) return QRT_OK;
  if ((!x && h * w > 0) || !y) return QRT_INVALID_ARGUMENT;
  const q8_ew_variant_t *v = qrt_q8_ew_variant();
  if (v && qrt_q8_max_pool2d_vector_ok(p)) {
    qrt_q8_max_pool2d_vector(v, p, n * c, h, w, OH, OW, type, x, y);
    return QRT_OK;
  }
  for (int64_t pl = 0; pl < n * c; pl++)
    for (int64_t oy = 0; oy < OH; oy++)
      for (int64_t ox = 0; ox < OW; ox++) {
        int32_t m = lo; /* no input element in the window: what -Inf quantizes to */
        for (int64_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
            if (ix < 0 || ix >= w) continue;
            const int32_t v = qrt_q8_load(type, x, (pl * h + iy) * w + ix);
            if (v > m) m = v;
          }
        }
        qrt_q8_store(type, y, (pl * OH + oy) * OW + ox, m);
      }
  return QRT_OK;
}

qrt_status_t qrt_q8_avg_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                               int64_t w, const qrt_q8_act_t *xq, const void *x,
                               const qrt_q8_output_t *yq, void *y) {
  int64_t OH, OW;
  qrt_status_t s = qrt_pool2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (n < 0 || c < 0 || p->dilation_h != 1 || p->dilation_w != 1 || qrt_q8_act_check(xq) != QRT_OK ||
      qrt_q8_output_check(yq) != QRT_OK)
    return QRT_INVALID_ARGUMENT;
  /* |sum| <= kernel_h * kernel_w * 255 must fit int32 */
  if (p->kernel_h > INT32_MAX / 255 / p->kernel_w) return QRT_INVALID_ARGUMENT;
  if (n * c == 0) return QRT_OK;
  if ((!x && h * w > 0) || !y) return QRT_INVALID_ARGUMENT;
  const int32_t zx = xq->zero_point;
  for (int64_t pl = 0; pl < n * c; pl++)
    for (int64_t oy = 0; oy < OH; oy++) {
      /* window rows [y0, y1) before clipping; padded extent [-pad_top, h + pad_bottom) */
      const int64_t y0 = oy * p->stride_h - p->pad_top, y1 = y0 + p->kernel_h;
      const int64_t iy0 = y0 > 0 ? y0 : 0, iy1 = y1 < h ? y1 : h;
      const int64_t py0 = y0 > -p->pad_top ? y0 : -p->pad_top;
      const int64_t py1 = y1 < h + p->pad_bottom ? y1 : h + p->pad_bottom;
      for (int64_t ox = 0; ox < OW; ox++) {
        const int64_t x0 = ox * p->stride_w - p->pad_left, x1 = x0 + p->kernel_w;
        const int64_t ix0 = x0 > 0 ? x0 : 0, ix1 = x1 < w ? x1 : w;
        const int64_t px0 = x0 > -p->pad_left ? x0 : -p->pad_left;
        const int64_t px1 = x1 < w + p->pad_right ? x1 : w + p->pad_right;
        int64_t sum = 0;
        for (int64_t iy = iy0; iy < iy1; iy++)
          for (int64_t ix = ix0; ix < ix1; ix++) sum += qrt_q8_load(xq->type, x, (pl * h + iy) * w + ix) - zx;
        const int64_t in_y = iy1 > iy0 ? iy1 - iy0 : 0, in_x = ix1 > ix0 ? ix1 - ix0 : 0;
        const int64_t count = p->count_include_pad ? (py1 - py0) * (px1 - px0) : in_y * in_x;
        /* count 0: M = s_in / 0 = +Inf, 0 * Inf = NaN -> the zero point */
        const float m = qrt_requant_pool_multiplier(xq->scale, yq->scale, count);
        qrt_q8_store(yq->type, y, (pl * OH + oy) * OW + ox,
                     qrt_requantize_scalar((int32_t)sum, m, yq->zero_point, yq->qmin, yq->qmax));
      }
    }
  return QRT_OK;
}

qrt_status_t qrt_q8_global_avg_pool(int64_t n, int64_t c, int64_t spatial, const qrt_q8_act_t *xq,
                                    const void *x, const qrt_q8_output_t *yq, void *y) {
  if (n < 0 || c < 0 || spatial < 1 || spatial > INT32_MAX / 255 || qrt_q8_act_check(xq) != QRT_OK ||
      qrt_q8_output_check(yq) != QRT_OK)
    return QRT_INVALID_ARGUMENT;
  if (n * c == 0) return QRT_OK;
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  const float m = qrt_requant_pool_multiplier(xq->scale, yq->scale, spatial);
  const q8_ew_variant_t *v = qrt_q8_ew_variant();
  const uint8_t flip = q8_ew_flip(xq->type);
  const int32_t zu = q8_ew_zu(xq->type, xq->zero_point);
  for (int64_t i = 0; i < n * c; i++) {
    int64_t sum = 0;
    if (v) /* sum (x - zx) = sum (b ^ flip) - spatial * zu, exact in int64 */
      sum = v->sum(spatial, (const uint8_t *)x + i * spatial, flip) - spatial * zu;
    else
      for (int64_t j = 0; j < spatial; j++) sum += qrt_q8_load(xq->type, x, i * spatial + j) - xq->zero_point;
    qrt_q8_store(yq->type, y, i, qrt_requantize_scalar((int32_t)sum, m, yq->zero_point, yq->qmin, yq->qmax));
  }
  return QRT_OK;
}
