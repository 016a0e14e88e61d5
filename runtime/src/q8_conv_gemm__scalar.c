/* Scalar reference int8 kernels with per-output-channel weights: QLinearConv
 * (qrt_q8_conv2d*), ConvInteger (qrt_q8_conv_integer) and Linear
 * (qrt_q8_gemm*, static and dynamic). Contracts in qrt/qrt_q8.h, arithmetic in
 * docs/numerics.md. Straightforward loops, never optimized: they define the
 * results every ISA variant must reproduce.
 *
 * Accumulators are int32_t: the bound checked before anything is written
 * (qrt_q8.h, "Accumulation") makes every partial sum fit, in any order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qrt/qrt_q8.h"

/* ---- packed weights -----------------------------------------------------------
 * One layout for convolution and Linear ([C_out][K] rows; a Linear layer is a
 * 1x1 convolution with C_in = K). Byte offsets, every section 64-byte aligned:
 *   0                 header (at most 128 bytes)
 *   128               float  scale[c_out]   static: multiplier M[o]; dynamic: w scale[o]
 *   +align64(4*c_out) int32  bias[c_out]    static: int32 bias; dynamic: float bias bits
 *   +align64(4*c_out) int16  w[c_out][k]    w - zw[o] (|w - zw| <= 255)
 * A later ISA variant records its own layout under its own `variant`. */
#define Q8_PACKED_MAGIC 0x50573851u /* "Q8WP" */
enum { Q8_KIND_CONV = 1, Q8_KIND_GEMM = 2, Q8_KIND_GEMM_DYNAMIC = 3 };

typedef struct {
  uint32_t magic;
  int32_t kind;
  int32_t variant; /* qrt_isa_t the layout belongs to: QRT_ISA_SCALAR */
  int32_t x_type, w_type, y_type;
  int32_t x_zero_point, y_zero_point, y_qmin, y_qmax;
  int64_t c_in, c_out, groups, kernel_h, kernel_w, k;
} q8_packed_header_t;

_Static_assert(sizeof(q8_packed_header_t) <= 128, "q8 packed header must fit in 128 bytes");

static size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }

/* Total size, or 0 if c_out * k would not fit. */
static size_t q8_packed_size(int64_t c_out, int64_t k) {
  if (c_out < 1 || k < 1 || k > (INT64_MAX / 4) / c_out) return 0;
  return 128 + 2 * align64((size_t)c_out * 4) + align64((size_t)(c_out * k) * 2);
}

typedef struct {
  const q8_packed_header_t *h;
  const float *scale;
  const int32_t *bias;
  const int16_t *w; /* w - zw, [c_out][k] */
} q8_packed_view_t;

static q8_packed_view_t q8_view(const void *packed) {
  const char *base = (const char *)packed;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  const size_t sec = align64((size_t)h->c_out * 4);
  q8_packed_view_t v = {h, (const float *)(base + 128), (const int32_t *)(base + 128 + sec),
                        (const int16_t *)(base + 128 + 2 * sec)};
  return v;
}

static int aligned8(const void *p) { return ((uintptr_t)p & 7) == 0; }

/* Packs per-channel weights w [c_out][k] (k = c_in/groups * kh * kw).
 * Static (y != NULL): multipliers from x and y, int32 bias_i. Dynamic (y == NULL):
 * w scales and float bias_f; any zero point of x's type. */
static qrt_status_t q8_pack(int kind, int64_t c_in, int64_t c_out, int64_t groups, int64_t kernel_h,
                            int64_t kernel_w, qrt_dtype_t x_type, const qrt_q8_act_t *x,
                            const qrt_q8_weights_t *wq, const void *w, const int32_t *bias_i,
                            const float *bias_f, const qrt_q8_output_t *y, void *packed,
                            size_t packed_size) {
  const int64_t k = c_in / groups * kernel_h * kernel_w;
  const size_t need = q8_packed_size(c_out, k);
  int32_t lo, hi;
  if (need == 0 || !w || !packed || !aligned8(packed) || !qrt_q8_type_range(x_type, &lo, &hi))
    return QRT_INVALID_ARGUMENT;
  if (qrt_q8_weights_check(wq, c_out, 1) != QRT_OK) return QRT_INVALID_ARGUMENT;
  if (y && (qrt_q8_act_check(x) != QRT_OK || qrt_q8_output_check(y) != QRT_OK))
    return QRT_INVALID_ARGUMENT;
  /* The accumulation bound with the actual weights and bias (before writing). */
  const int64_t dev_x = y ? qrt_q8_max_deviation(x_type, x->zero_point) : 255;
  for (int64_t o = 0; o < c_out; o++) {
    const int32_t zw = wq->zero_points ? wq->zero_points[wq->n_zero_points == 1 ? 0 : o] : 0;
    int64_t sum_abs = 0;
    for (int64_t i = 0; i < k; i++) sum_abs += llabs((long long)(qrt_q8_load(wq->type, w, o * k + i) - zw));
    const int64_t b = bias_i ? llabs((long long)bias_i[o]) : 0;
    if (b + dev_x * sum_abs > INT32_MAX) return QRT_INVALID_ARGUMENT;
  }
  if (packed_size < need) return QRT_BUFFER_TOO_SMALL;

  q8_packed_header_t *h = (q8_packed_header_t *)packed;
  memset(h, 0, 128);
  h->magic = Q8_PACKED_MAGIC;
  h->kind = kind;
  h->variant = QRT_ISA_SCALAR;
  h->x_type = (int32_t)x_type;
  h->w_type = (int32_t)wq->type;
  h->c_in = c_in;
  h->c_out = c_out;
  h->groups = groups;
  h->kernel_h = kernel_h;
  h->kernel_w = kernel_w;
  h->k = k;
  if (y) {
    h->x_zero_point = x->zero_point;
    h->y_type = (int32_t)y->type;
    h->y_zero_point = y->zero_point;
    h->y_qmin = y->qmin;
    h->y_qmax = y->qmax;
  }
  char *base = (char *)packed;
  const size_t sec = align64((size_t)c_out * 4);
  float *scale = (float *)(base + 128);
  int32_t *bias = (int32_t *)(base + 128 + sec);
  int16_t *wd = (int16_t *)(base + 128 + 2 * sec);
  for (int64_t o = 0; o < c_out; o++) {
    const float ws = wq->scales[wq->n_scales == 1 ? 0 : o];
    scale[o] = y ? qrt_requant_multiplier(x->scale, ws, y->scale) : ws;
    if (y) {
      bias[o] = bias_i ? bias_i[o] : 0;
    } else {
      const float bf = bias_f ? bias_f[o] : 0.0f;
      memcpy(&bias[o], &bf, 4);
    }
    const int32_t zw = wq->zero_points ? wq->zero_points[wq->n_zero_points == 1 ? 0 : o] : 0;
    for (int64_t i = 0; i < k; i++) wd[o * k + i] = (int16_t)(qrt_q8_load(wq->type, w, o * k + i) - zw);
  }
  return QRT_OK;
}

static qrt_status_t q8_check_packed(const void *packed, int kind) {
  if (!packed || !aligned8(packed)) return QRT_INVALID_ARGUMENT;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  if (h->magic != Q8_PACKED_MAGIC || h->kind != kind) return QRT_INVALID_ARGUMENT;
  if (h->variant != QRT_ISA_SCALAR) return QRT_UNSUPPORTED;
  return QRT_OK;
}

/* ---- activations as raw bytes ---------------------------------------------------------
 * x - zx from the stored byte b of a u8 or s8 activation, without a branch on the
 * type: (b ^ flip) - zflip with flip = 0, zflip = zx for u8, and flip = 0x80,
 * zflip = zx + 128 for s8 (the s8 value of b is (b ^ 0x80) - 128). Exact. */
typedef struct {
  uint8_t flip;
  int32_t zflip;
} q8_xoff_t;

static q8_xoff_t q8_xoff(qrt_dtype_t type, int32_t zero_point) {
  q8_xoff_t r = {type == QRT_DTYPE_I8 ? 0x80 : 0, zero_point + (type == QRT_DTYPE_I8 ? 128 : 0)};
  return r;
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
static int q8_conv_shape_ok(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out) {
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

size_t qrt_q8_conv2d_packed_weights_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out) {
  if (!q8_conv_shape_ok(p, c_in, c_out)) return 0;
  return q8_packed_size(c_out, c_in / p->groups * p->kernel_h * p->kernel_w);
}

qrt_status_t qrt_q8_conv2d_pack_weights(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out,
                                        const qrt_q8_act_t *x, const qrt_q8_weights_t *wq,
                                        const void *w, const int32_t *bias, const qrt_q8_output_t *y,
                                        void *packed, size_t packed_size) {
  if (qrt_q8_conv2d_packed_weights_size(p, c_in, c_out) == 0 || !x || !y) return QRT_INVALID_ARGUMENT;
  return q8_pack(Q8_KIND_CONV, c_in, c_out, p->groups, p->kernel_h, p->kernel_w, x->type, x, wq, w,
                 bias, NULL, y, packed, packed_size);
}

size_t qrt_q8_conv2d_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                  int64_t c_out) {
  (void)p, (void)c_in, (void)h, (void)w, (void)c_out;
  return 0; /* the scalar variant reads x in place */
}

qrt_status_t qrt_q8_conv2d_packed(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                  int64_t w, const void *x, int64_t c_out, const void *packed, void *y,
                                  void *scratch, size_t scratch_size) {
  (void)scratch, (void)scratch_size;
  int64_t OH, OW;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (!q8_conv_shape_ok(p, c_in, c_out) || n < 0) return QRT_INVALID_ARGUMENT;
  if ((s = q8_check_packed(packed, Q8_KIND_CONV)) != QRT_OK) return s;
  const q8_packed_view_t v = q8_view(packed);
  const q8_packed_header_t *hd = v.h;
  if (hd->c_in != c_in || hd->c_out != c_out || hd->groups != p->groups || hd->kernel_h != p->kernel_h ||
      hd->kernel_w != p->kernel_w)
    return QRT_INVALID_ARGUMENT;
  /* h or w may be 0 when padding alone makes the output: then x is not read */
  if (n * OH * OW > 0 && ((!x && h * w > 0) || !y)) return QRT_INVALID_ARGUMENT;
  const int64_t G = p->groups, cig = c_in / G, cog = c_out / G, KH = p->kernel_h, KW = p->kernel_w;
  const q8_xoff_t xo = q8_xoff((qrt_dtype_t)hd->x_type, hd->x_zero_point);
  const qrt_dtype_t yt = (qrt_dtype_t)hd->y_type;
  for (int64_t b = 0; b < n; b++)
    for (int64_t o = 0; o < c_out; o++) {
      const uint8_t *xg = (const uint8_t *)x + (b * c_in + o / cog * cig) * h * w; /* o's group */
      const int16_t *wo = v.w + o * hd->k;
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
  return QRT_OK;
}

size_t qrt_q8_conv2d_unpacked_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                           int64_t w, int64_t c_out) {
  const size_t pw = qrt_q8_conv2d_packed_weights_size(p, c_in, c_out);
  return pw ? pw + qrt_q8_conv2d_scratch_size(p, c_in, h, w, c_out) : 0;
}

qrt_status_t qrt_q8_conv2d(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h, int64_t w,
                           const qrt_q8_act_t *xq, const void *x, int64_t c_out,
                           const qrt_q8_weights_t *wq, const void *weights, const int32_t *bias,
                           const qrt_q8_output_t *yq, void *y, void *scratch, size_t scratch_size) {
  int64_t OH, OW;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  const size_t pw = qrt_q8_conv2d_packed_weights_size(p, c_in, c_out);
  if (pw == 0 || !scratch) return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_q8_conv2d_unpacked_scratch_size(p, c_in, h, w, c_out)) return QRT_BUFFER_TOO_SMALL;
  if ((s = qrt_q8_conv2d_pack_weights(p, c_in, c_out, xq, wq, weights, bias, yq, scratch, pw)) != QRT_OK)
    return s;
  return qrt_q8_conv2d_packed(p, n, c_in, h, w, x, c_out, scratch, y, (char *)scratch + pw,
                              scratch_size - pw);
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
  if (!q8_conv_shape_ok(p, c_in, c_out) || n < 0 || !qrt_q8_type_range(x_type, &lo, &hi) ||
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

size_t qrt_q8_gemm_packed_weights_size(int64_t n, int64_t k) { return q8_packed_size(n, k); }

qrt_status_t qrt_q8_gemm_pack_weights(int64_t n, int64_t k, const qrt_q8_act_t *x,
                                      const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                                      const qrt_q8_output_t *y, void *packed, size_t packed_size) {
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  return q8_pack(Q8_KIND_GEMM, k, n, 1, 1, 1, x->type, x, wq, w, bias, NULL, y, packed, packed_size);
}

qrt_status_t qrt_q8_gemm_pack_weights_dynamic(int64_t n, int64_t k, qrt_dtype_t x_type,
                                              const qrt_q8_weights_t *wq, const void *w,
                                              const float *bias, void *packed, size_t packed_size) {
  return q8_pack(Q8_KIND_GEMM_DYNAMIC, k, n, 1, 1, 1, x_type, NULL, wq, w, NULL, bias, NULL, packed,
                 packed_size);
}

size_t qrt_q8_gemm_scratch_size(int64_t m, int64_t n, int64_t k) {
  (void)m, (void)n, (void)k;
  return 0; /* the scalar variant reads x in place */
}

/* acc + sum_k (x[k] - zx) * (w[o][k] - zw[o]), x the bytes of one row */
static int32_t q8_dot(const q8_packed_view_t *v, const uint8_t *x, q8_xoff_t xo, int64_t o, int32_t acc) {
  const int64_t k = v->h->k;
  const int16_t *wo = v->w + o * k;
  for (int64_t i = 0; i < k; i++) acc += ((int32_t)(x[i] ^ xo.flip) - xo.zflip) * wo[i];
  return acc;
}

qrt_status_t qrt_q8_gemm_packed(int64_t m, int64_t n, int64_t k, const void *x, int64_t ldx,
                                const void *packed, void *y, int64_t ldy, void *scratch,
                                size_t scratch_size) {
  (void)scratch, (void)scratch_size;
  qrt_status_t s = q8_check_packed(packed, Q8_KIND_GEMM);
  if (s != QRT_OK) return s;
  const q8_packed_view_t v = q8_view(packed);
  if (m < 0 || v.h->c_out != n || v.h->k != k || ldx < k || ldy < n) return QRT_INVALID_ARGUMENT;
  if (m == 0) return QRT_OK;
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  const qrt_dtype_t yt = (qrt_dtype_t)v.h->y_type;
  const q8_xoff_t xo = q8_xoff((qrt_dtype_t)v.h->x_type, v.h->x_zero_point);
  for (int64_t r = 0; r < m; r++)
    for (int64_t o = 0; o < n; o++) {
      const int32_t acc = q8_dot(&v, (const uint8_t *)x + r * ldx, xo, o, v.bias[o]);
      qrt_q8_store(yt, y, r * ldy + o,
                   qrt_requantize_scalar(acc, v.scale[o], v.h->y_zero_point, v.h->y_qmin, v.h->y_qmax));
    }
  return QRT_OK;
}

size_t qrt_q8_gemm_unpacked_scratch_size(int64_t m, int64_t n, int64_t k) {
  const size_t pw = q8_packed_size(n, k);
  return pw ? pw + qrt_q8_gemm_scratch_size(m, n, k) : 0;
}

qrt_status_t qrt_q8_gemm(int64_t m, int64_t n, int64_t k, const qrt_q8_act_t *xq, const void *x,
                         int64_t ldx, const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                         const qrt_q8_output_t *yq, void *y, int64_t ldy, void *scratch,
                         size_t scratch_size) {
  const size_t pw = q8_packed_size(n, k);
  if (pw == 0 || !scratch) return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_q8_gemm_unpacked_scratch_size(m, n, k)) return QRT_BUFFER_TOO_SMALL;
  qrt_status_t s = qrt_q8_gemm_pack_weights(n, k, xq, wq, w, bias, yq, scratch, pw);
  if (s != QRT_OK) return s;
  return qrt_q8_gemm_packed(m, n, k, x, ldx, scratch, y, ldy, (char *)scratch + pw, scratch_size - pw);
}

qrt_status_t qrt_q8_gemm_dynamic_packed(int64_t m, int64_t n, int64_t k, const void *x, int64_t ldx,
                                        const float *x_scales, const int32_t *x_zero_points,
                                        int64_t x_params_stride, const void *packed, float *y,
                                        int64_t ldy, void *scratch, size_t scratch_size) {
  (void)scratch, (void)scratch_size;
  qrt_status_t s = q8_check_packed(packed, Q8_KIND_GEMM_DYNAMIC);
  if (s != QRT_OK) return s;
  const q8_packed_view_t v = q8_view(packed);
  if (m < 0 || v.h->c_out != n || v.h->k != k || ldx < k || ldy < n ||
      (x_params_stride != 0 && x_params_stride != 1))
    return QRT_INVALID_ARGUMENT;
  if (m == 0) return QRT_OK;
  if (!x || !y || !x_scales || !x_zero_points) return QRT_INVALID_ARGUMENT;
  int32_t lo = 0, hi = 0;
  qrt_q8_type_range((qrt_dtype_t)v.h->x_type, &lo, &hi);
  for (int64_t r = 0; r < (x_params_stride ? m : 1); r++)
    if (!(x_scales[r] > 0.0f) || isinf(x_scales[r]) || x_zero_points[r] < lo || x_zero_points[r] > hi)
      return QRT_INVALID_ARGUMENT;
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
  return QRT_OK;
}
