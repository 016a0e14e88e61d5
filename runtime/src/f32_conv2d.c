/* Conv2d: weight packing, implicit-im2col GEMM (weights = A [C_out/g][K],
 * im2col(x) = B [OH*OW][K] packed block by block straight from the image, no
 * im2col buffer), and a direct depthwise kernel. */
#include <math.h>
#include <string.h>

#include "qrt_internal.h"

void qrt_conv2d_params_init(qrt_conv2d_params_t *p, int64_t kernel_h, int64_t kernel_w) {
  memset(p, 0, sizeof *p);
  p->groups = 1;
  p->kernel_h = kernel_h;
  p->kernel_w = kernel_w;
  p->stride_h = p->stride_w = 1;
  p->dilation_h = p->dilation_w = 1;
  p->output_min = -INFINITY;
  p->output_max = INFINITY;
}

static int qrt_conv_params_ok(const qrt_conv2d_params_t *p) {
  return p && p->groups >= 1 && p->kernel_h >= 1 && p->kernel_w >= 1 && p->stride_h >= 1 &&
         p->stride_w >= 1 && p->dilation_h >= 1 && p->dilation_w >= 1 && p->pad_top >= 0 &&
         p->pad_left >= 0 && p->pad_bottom >= 0 && p->pad_right >= 0;
}

qrt_status_t qrt_conv2d_output_size(const qrt_conv2d_params_t *p, int64_t h, int64_t w,
                                    int64_t *out_h, int64_t *out_w) {
  if (!qrt_conv_params_ok(p) || h < 0 || w < 0) return QRT_INVALID_ARGUMENT;
  const int64_t eh = h + p->pad_top + p->pad_bottom - p->dilation_h * (p->kernel_h - 1) - 1;
  const int64_t ew = w + p->pad_left + p->pad_right - p->dilation_w * (p->kernel_w - 1) - 1;
  if (eh < 0 || ew < 0) return QRT_INVALID_ARGUMENT;
  *out_h = eh / p->stride_h + 1;
  *out_w = ew / p->stride_w + 1;
  return QRT_OK;
}

/* ---- packed weights ---------------------------------------------------------- */

enum { QRT_CONV_GEMM = 1, QRT_CONV_DEPTHWISE = 2 };
#define QRT_PACKED_CONV_MAGIC 0x43505251u /* "QRPC" */

typedef struct {
  uint32_t magic;
  int32_t kind;
  int32_t ukernel;
  int32_t reserved;
  int64_t c_in, c_out, groups, kernel_h, kernel_w;
  int64_t m, k;        /* per group: C_out/g, C_in/g * kh * kw */
  int64_t group_floats; /* packed A floats per group */
} qrt_packed_conv_header_t;
/* Layout: header in the first 128 bytes, bias [c_out] floats from byte 128,
 * then from the next 64-byte boundary the weights (per group for GEMM, OIHW
 * copy for depthwise). */

static int qrt_conv_is_depthwise(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out) {
  return p->groups == c_in && c_out == c_in && p->groups > 1;
}

static size_t qrt_conv_weights_offset(int64_t c_out) {
  return (128 + (size_t)c_out * sizeof(float) + 63) & ~(size_t)63;
}

size_t qrt_f32_conv2d_packed_weights_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out) {
  if (!qrt_conv_params_ok(p) || c_in <= 0 || c_out <= 0 || c_in % p->groups || c_out % p->groups)
    return 0;
  const size_t off = qrt_conv_weights_offset(c_out);
  if (qrt_conv_is_depthwise(p, c_in, c_out))
    return off + (size_t)(c_out * p->kernel_h * p->kernel_w) * sizeof(float);
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(NULL);
  const int64_t m = c_out / p->groups, k = c_in / p->groups * p->kernel_h * p->kernel_w;
  return off + (size_t)p->groups * qrt_f32_packed_floats(uk, m, k, uk->mr) * sizeof(float);
}

qrt_status_t qrt_f32_conv2d_pack_weights(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out,
                                         const float *w, const float *bias, void *packed,
                                         size_t packed_size) {
  const size_t need = qrt_f32_conv2d_packed_weights_size(p, c_in, c_out);
  if (need == 0 || !w || !packed) return QRT_INVALID_ARGUMENT;
  if (packed_size < need) return QRT_BUFFER_TOO_SMALL;
  qrt_packed_conv_header_t *h = (qrt_packed_conv_header_t *)packed;
  memset(h, 0, sizeof *h);
  h->magic = QRT_PACKED_CONV_MAGIC;
  h->c_in = c_in;
  h->c_out = c_out;
  h->groups = p->groups;
  h->kernel_h = p->kernel_h;
  h->kernel_w = p->kernel_w;
  h->m = c_out / p->groups;
  h->k = c_in / p->groups * p->kernel_h * p->kernel_w;
  float *pb = (float *)((char *)packed + 128);
  for (int64_t o = 0; o < c_out; o++) pb[o] = bias ? bias[o] : 0.0f;
  float *pw = (float *)((char *)packed + qrt_conv_weights_offset(c_out));
  if (qrt_conv_is_depthwise(p, c_in, c_out)) {
    h->kind = QRT_CONV_DEPTHWISE;
    h->ukernel = -1;
    memcpy(pw, w, (size_t)(c_out * p->kernel_h * p->kernel_w) * sizeof(float));
    return QRT_OK;
  }
  int idx;
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_select(&idx);
  h->kind = QRT_CONV_GEMM;
  h->ukernel = idx;
  h->group_floats = (int64_t)qrt_f32_packed_floats(uk, h->m, h->k, uk->mr);
  for (int64_t g = 0; g < p->groups; g++) {
    /* A[o][kk] = w[(g*m + o)*K + kk]: OIHW rows are already [o][c][kh][kw]. */
    const qrt_f32_strided_t ctx = {w + g * h->m * h->k, h->k, 1};
    qrt_f32_pack_whole(uk, h->m, h->k, uk->mr, qrt_f32_pack_strided, &ctx,
                       pw + g * h->group_floats);
  }
  return QRT_OK;
}

/* ---- implicit im2col packing of B ------------------------------------------------ */

typedef struct {
  const float *x; /* first input channel of the group, one image */
  int64_t h, w, out_w;
  int64_t kh, kw, sh, sw, pt, pl, dh, dw;
} qrt_im2col_t;

/* B[j][kk] with j = oh*OW + ow, kk = (c*KH + i)*KW + jj:
 *   x[c][oh*sh - pt + i*dh][ow*sw - pl + jj*dw], zero outside the image. */
static void qrt_pack_im2col(const void *vctx, int64_t j0, int64_t len, int64_t k0, int64_t kc,
                            int64_t r, float *dst) {
  const qrt_im2col_t *t = (const qrt_im2col_t *)vctx;
  const int64_t H = t->h, W = t->w, OW = t->out_w, sw = t->sw;
  const int64_t npanels = (len + r - 1) / r;
  /* (oh, ow) at the start of each panel: one division per panel, not per element. */
  enum { MAXP = 256 };
  int64_t poh[MAXP], pow_[MAXP];
  for (int64_t p = 0; p < npanels && p < MAXP; p++) {
    poh[p] = (j0 + p * r) / OW;
    pow_[p] = (j0 + p * r) % OW;
  }
  const int64_t khw = t->kh * t->kw;
  int64_t c = k0 / khw, i = (k0 % khw) / t->kw, jj = k0 % t->kw;
  for (int64_t k = 0; k < kc; k++) {
    const float *xc = t->x + c * H * W;
    const int64_t ih_off = i * t->dh - t->pt, iw_off = jj * t->dw - t->pl;
    for (int64_t p = 0; p < npanels; p++) {
      float *d = dst + p * kc * r + k * r;
      const int64_t cnt = QRT_MIN(r, len - p * r);
      int64_t oh, ow;
      if (p < MAXP) {
        oh = poh[p];
        ow = pow_[p];
      } else {
        oh = (j0 + p * r) / OW;
        ow = (j0 + p * r) % OW;
      }
      int64_t q = 0;
      while (q < cnt) {
        const int64_t seg = QRT_MIN(cnt - q, OW - ow);
        const int64_t ih = oh * t->sh + ih_off;
        float *ds = d + q;
        if (ih < 0 || ih >= H) {
          memset(ds, 0, (size_t)seg * sizeof(float));
        } else {
          const float *row = xc + ih * W;
          const int64_t iw0 = ow * sw + iw_off; /* iw of element s: iw0 + s*sw */
          int64_t lo = 0, hi = seg;             /* valid s: 0 <= iw0 + s*sw < W */
          if (iw0 < 0) lo = (-iw0 + sw - 1) / sw;
          if (iw0 + (hi - 1) * sw >= W) hi = W - iw0 > 0 ? (W - iw0 + sw - 1) / sw : 0;
          if (lo > hi) lo = hi;
          for (int64_t s = 0; s < lo; s++) ds[s] = 0.0f;
          if (sw == 1) { /* memcpy: gcc -O2 does not vectorize this loop itself */
            memcpy(ds + lo, row + iw0 + lo, (size_t)(hi - lo) * sizeof(float));
          } else {
            for (int64_t s = lo; s < hi; s++) ds[s] = row[iw0 + s * sw];
          }
          for (int64_t s = hi; s < seg; s++) ds[s] = 0.0f;
        }
        q += seg;
        ow = 0;
        oh++;
      }
      for (int64_t s = cnt; s < r; s++) d[s] = 0.0f;
    }
    if (++jj == t->kw) {
      jj = 0;
      if (++i == t->kh) {
        i = 0;
        c++;
      }
    }
  }
}

/* ---- depthwise --------------------------------------------------------------------- */

static void qrt_conv_depthwise(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                               const float *x, const float *w, const float *bias, int64_t OH,
                               int64_t OW, float *y) {
  const int64_t KH = p->kernel_h, KW = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w, pt = p->pad_top, pl = p->pad_left;
  const float lo = p->output_min, hi = p->output_max;
  /* Output columns whose whole window is inside the image: [ow_lo, ow_hi). */
  int64_t ow_lo = (pl + sw - 1) / sw;
  int64_t ow_hi = (W + pl - (KW - 1) * dw - 1) >= 0 ? (W + pl - (KW - 1) * dw - 1) / sw + 1 : 0;
  if (ow_hi > OW) ow_hi = OW;
  if (ow_lo > ow_hi) ow_lo = ow_hi;
  for (int64_t ch = 0; ch < c; ch++) {
    const float *xc = x + ch * H * W;
    const float *wc = w + ch * KH * KW;
    float *yc = y + ch * OH * OW;
    const float b = bias[ch];
    for (int64_t oh = 0; oh < OH; oh++) {
      float *yr = yc + oh * OW;
      for (int64_t ow = 0; ow < OW; ow++) yr[ow] = b;
      for (int64_t i = 0; i < KH; i++) {
        const int64_t ih = oh * sh - pt + i * dh;
        if (ih < 0 || ih >= H) continue;
        const float *xr = xc + ih * W;
        for (int64_t jj = 0; jj < KW; jj++) {
          const float wv = wc[i * KW + jj];
          const int64_t off = jj * dw - pl;
          for (int64_t ow = 0; ow < ow_lo; ow++) {
            const int64_t iw = ow * sw + off;
            if (iw >= 0 && iw < W) yr[ow] += wv * xr[iw];
          }
          if (sw == 1) {
            const float *xs = xr + off;
            for (int64_t ow = ow_lo; ow < ow_hi; ow++) yr[ow] += wv * xs[ow];
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ow++) yr[ow] += wv * xr[ow * sw + off];
          }
          for (int64_t ow = ow_hi; ow < OW; ow++) {
            const int64_t iw = ow * sw + off;
            if (iw >= 0 && iw < W) yr[ow] += wv * xr[iw];
          }
        }
      }
      for (int64_t ow = 0; ow < OW; ow++) {
        float v = yr[ow];
        v = v < lo ? lo : v;
        yr[ow] = v > hi ? hi : v;
      }
    }
  }
}

/* ---- run ------------------------------------------------------------------------------ */

static int qrt_conv_is_pointwise(const qrt_conv2d_params_t *p) {
  return p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
         p->pad_top == 0 && p->pad_left == 0 && p->pad_bottom == 0 && p->pad_right == 0;
}

size_t qrt_f32_conv2d_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                   int64_t c_out) {
  (void)p, (void)c_in, (void)h, (void)w, (void)c_out;
  /* B blocks of whichever variant packed the weights: size for the largest. */
  size_t best = 0;
  for (int i = 0; i < qrt_f32_gemm_ukernel_count(); i++) {
    const size_t s = qrt_f32_gemm_run_scratch_floats(qrt_f32_gemm_ukernel_at(i), 1, 0);
    if (s > best) best = s;
  }
  return best * sizeof(float) + 64;
}

qrt_status_t qrt_f32_conv2d_packed(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                   int64_t w, const float *x, int64_t c_out, const void *packed,
                                   float *y, void *scratch, size_t scratch_size) {
  int64_t OH, OW;
  if (n < 0 || !packed) return QRT_INVALID_ARGUMENT;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  const qrt_packed_conv_header_t *hd = (const qrt_packed_conv_header_t *)packed;
  if (hd->magic != QRT_PACKED_CONV_MAGIC || hd->c_in != c_in || hd->c_out != c_out ||
      hd->groups != p->groups || hd->kernel_h != p->kernel_h || hd->kernel_w != p->kernel_w)
    return QRT_INVALID_ARGUMENT;
  if (n == 0 || OH == 0 || OW == 0) return QRT_OK;
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  const float *bias = (const float *)((const char *)packed + 128);
  const float *pw = (const float *)((const char *)packed + qrt_conv_weights_offset(c_out));
  if (hd->kind == QRT_CONV_DEPTHWISE) {
    for (int64_t b = 0; b < n; b++)
      qrt_conv_depthwise(p, c_in, h, w, x + b * c_in * h * w, pw, bias, OH, OW,
                         y + b * c_out * OH * OW);
    return QRT_OK;
  }
  const qrt_f32_gemm_ukernel_t *uk = qrt_f32_gemm_ukernel_at(hd->ukernel);
  if (hd->kind != QRT_CONV_GEMM || !uk) return QRT_INVALID_ARGUMENT;
  if (uk->isa > qrt_cpu_isa()) return QRT_UNSUPPORTED;
  if (scratch_size < qrt_f32_conv2d_scratch_size(p, c_in, h, w, c_out)) return QRT_BUFFER_TOO_SMALL;
  float *sc = qrt_align64(scratch);
  const int64_t G = p->groups, cig = c_in / G, m = hd->m, K = hd->k, NN = OH * OW;
  const int clamp = !(p->output_min == -INFINITY && p->output_max == INFINITY);
  for (int64_t b = 0; b < n; b++) {
    for (int64_t g = 0; g < G; g++) {
      const float *xg = x + (b * c_in + g * cig) * h * w;
      float *yg = y + (b * c_out + g * m) * NN;
      const qrt_f32_operand_t aop = {pw + g * hd->group_floats, NULL, NULL};
      qrt_f32_strided_t sctx;
      qrt_im2col_t ictx;
      qrt_f32_operand_t bop;
      if (qrt_conv_is_pointwise(p)) { /* B[j][c] = x[c][j] */
        sctx.base = xg;
        sctx.stride_i = 1;
        sctx.stride_k = h * w;
        bop.prepacked = NULL;
        bop.pack = qrt_f32_pack_strided;
        bop.ctx = &sctx;
      } else {
        ictx.x = xg;
        ictx.h = h;
        ictx.w = w;
        ictx.out_w = OW;
        ictx.kh = p->kernel_h;
        ictx.kw = p->kernel_w;
        ictx.sh = p->stride_h;
        ictx.sw = p->stride_w;
        ictx.pt = p->pad_top;
        ictx.pl = p->pad_left;
        ictx.dh = p->dilation_h;
        ictx.dw = p->dilation_w;
        bop.prepacked = NULL;
        bop.pack = qrt_pack_im2col;
        bop.ctx = &ictx;
      }
      qrt_f32_gemm_run(uk, m, NN, K, &aop, &bop, yg, NN, bias + g * m, clamp, p->output_min,
                       p->output_max, sc);
    }
  }
  return QRT_OK;
}

size_t qrt_f32_conv2d_unpacked_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                            int64_t w, int64_t c_out) {
  const size_t pw = qrt_f32_conv2d_packed_weights_size(p, c_in, c_out);
  if (pw == 0) return 0;
  return ((pw + 63) & ~(size_t)63) + 64 + qrt_f32_conv2d_scratch_size(p, c_in, h, w, c_out);
}

qrt_status_t qrt_f32_conv2d(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                            int64_t w, const float *x, int64_t c_out, const float *weights,
                            const float *bias, float *y, void *scratch, size_t scratch_size) {
  const size_t need = qrt_f32_conv2d_unpacked_scratch_size(p, c_in, h, w, c_out);
  if (need == 0 || !scratch) return QRT_INVALID_ARGUMENT;
  if (scratch_size < need) return QRT_BUFFER_TOO_SMALL;
  const size_t pw = qrt_f32_conv2d_packed_weights_size(p, c_in, c_out);
  char *packed = (char *)qrt_align64(scratch);
  qrt_status_t s = qrt_f32_conv2d_pack_weights(p, c_in, c_out, weights, bias, packed, pw);
  if (s != QRT_OK) return s;
  const size_t used = (size_t)(packed - (char *)scratch) + ((pw + 63) & ~(size_t)63);
  return qrt_f32_conv2d_packed(p, n, c_in, h, w, x, c_out, packed, y, (char *)scratch + used,
                               scratch_size - used);
}
