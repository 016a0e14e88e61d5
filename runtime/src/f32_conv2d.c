/* Conv2d: the driver around the conv microkernels (f32_conv_internal.h).
 *
 * Everything but depthwise is an indirect GEMM with the output pixels as M and
 * the output channels as N: a tile of up to MR consecutive pixels of one
 * output row x NR channels accumulates sum_k x(pixel, tap k) * w(tap k,
 * channel). Pixels are broadcast straight from the input (no im2col buffer),
 * channels are vectors of the weights, packed once, NR channels per panel.
 *
 * The input is read through "planes": the image zero-padded and, for a stride
 * s > 1, split into its s_h x s_w phases (plane (a, b) holds padded rows
 * a, a+s_h, ... and columns b, b+s_w, ...). In a plane, the pixels of one
 * output row that a tap reads are consecutive, whatever the stride, so tap k
 * of the pixel at plane position q is planes[off[k] + q]. Without padding and
 * with stride 1 the planes are the input itself; otherwise they are built in
 * scratch (one pass over the input, phases no tap reads are skipped). When a
 * plane row is exactly one output row wide (1x1 kernels), the pixels of
 * consecutive rows are consecutive too and tiles run across rows. 1x1 stride-1
 * convs on big maps take the mirror-image pointwise tile (channels broadcast,
 * pixels as vectors) over the same packed weights.
 *
 * Depthwise (groups == C_in == C_out) pads one channel plane at a time and
 * runs a row microkernel, vectorized along the output row. */
#include <math.h>
#include <string.h>

#include "f32_conv_internal.h"
#include "qrt/qrt_pool.h"

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

/* ---- microkernel table ---------------------------------------------------------- */

static const qrt_f32_conv_ukernel_t qrt_f32_conv_ukernels[] = {
#define QRT_CONV_FN(isa, fn) QRT_ROW_FN(QRT_ROW_KEPT(isa, QRT_F32_CONV_LEVELS), fn)
#define QRT_F32_CONV_UKERNEL(isa_name, isa, mr, nr, kc, mc, pw_mr, pw_np, pw_min)                 \
  {"f32_igemm_" #mr "x" #nr "__" #isa_name, isa, mr, nr, kc, mc,                               \
   QRT_CONV_FN(isa, qrt_f32_igemm_##mr##x##nr##__##isa_name), QRT_CONV_FN(isa, qrt_f32_dwconv__##isa_name), \
   QRT_CONV_FN(isa, qrt_f32_strided_copy__##isa_name), pw_mr, pw_np, pw_min,                     \
   QRT_CONV_FN(isa, qrt_f32_pwconv_##pw_mr##x##pw_np##__##isa_name)},
#include "f32_conv_ukernels.inl"
#undef QRT_F32_CONV_UKERNEL
#undef QRT_CONV_FN
};

int qrt_f32_conv_ukernel_count(void) {
  return (int)(sizeof qrt_f32_conv_ukernels / sizeof qrt_f32_conv_ukernels[0]);
}

const qrt_f32_conv_ukernel_t *qrt_f32_conv_ukernel_at(int index) {
  if (index < 0 || index >= qrt_f32_conv_ukernel_count()) return NULL;
  return &qrt_f32_conv_ukernels[index];
}

#if defined(__aarch64__)
/* Weights packed for row uk are laid out for every row with its NR and KC (a
 * depthwise conv's are a plain copy): the newest such row the ISA limit
 * allows runs them. So weights packed for the scalar row (what qcc compile
 * --target=aarch64 on an x86 host stores) run on the NEON row, whose blocking
 * is the scalar row's (docs/aarch64.md). */
static const qrt_f32_conv_ukernel_t *qrt_f32_conv_same_layout(const qrt_f32_conv_ukernel_t *uk) {
  const qrt_isa_t isa = qrt_active_isa();
  const qrt_f32_conv_ukernel_t *best = uk;
  for (int i = 0; i < qrt_f32_conv_ukernel_count(); i++) {
    const qrt_f32_conv_ukernel_t *r = &qrt_f32_conv_ukernels[i];
    if (r->igemm && r->isa <= isa && r->isa > best->isa && r->nr == uk->nr && r->kc == uk->kc) best = r;
  }
  return best;
}
#endif

const qrt_f32_conv_ukernel_t *qrt_f32_conv_ukernel_select(int *out_index) {
  const qrt_isa_t isa = qrt_active_isa();
  int best = 0;
  for (int i = 0; i < qrt_f32_conv_ukernel_count(); i++)
    if (qrt_f32_conv_ukernels[i].isa <= isa && qrt_f32_conv_ukernels[i].igemm) best = i;
  if (out_index) *out_index = best;
  return &qrt_f32_conv_ukernels[best];
}

/* ---- packed weights ---------------------------------------------------------- */

enum { QRT_CONV_IGEMM = 1, QRT_CONV_DEPTHWISE = 2 };
#define QRT_PACKED_CONV_MAGIC 0x43505251u /* "QRPC" */

typedef struct {
  uint32_t magic;
  int32_t kind;
  int32_t ukernel; /* index in the conv microkernel table */
  int32_t reserved;
  int64_t c_in, c_out, groups, kernel_h, kernel_w;
  int64_t m, k;         /* per group: C_out/g, C_in/g * kh * kw */
  int64_t group_floats; /* packed weight floats per group */
} qrt_packed_conv_header_t;
/* Layout: header in the first 128 bytes, bias [c_out] floats from byte 128,
 * then from the next 64-byte boundary the weights: per group, K blocks of
 * qrt_kblock(K, kc) taps (block k0 at k0 * round_up(m, NR)), each holding the
 * NR-channel panels (panel p at + p * kc * NR) as [k][NR], zero past m; for
 * depthwise, a copy of the OIHW weights. */

static int64_t qrt_round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

/* K in blocks of at most kc taps, all but the last the same size:
 * ceil(K / ceil(K / kc)). */
static int64_t qrt_kblock(int64_t K, int64_t kc) {
  const int64_t nb = (K + kc - 1) / kc;
  return nb > 0 ? (K + nb - 1) / nb : 1;
}

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
  const qrt_f32_conv_ukernel_t *uk = qrt_f32_conv_ukernel_select(NULL);
  const int64_t m = c_out / p->groups, k = c_in / p->groups * p->kernel_h * p->kernel_w;
  return off + (size_t)(p->groups * qrt_round_up(m, uk->nr) * k) * sizeof(float);
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
  int idx;
  const qrt_f32_conv_ukernel_t *uk = qrt_f32_conv_ukernel_select(&idx);
  h->ukernel = idx;
  if (qrt_conv_is_depthwise(p, c_in, c_out)) {
    h->kind = QRT_CONV_DEPTHWISE;
    memcpy(pw, w, (size_t)(c_out * p->kernel_h * p->kernel_w) * sizeof(float));
    return QRT_OK;
  }
  h->kind = QRT_CONV_IGEMM;
  const int64_t M = h->m, K = h->k, NR = uk->nr, KB = qrt_kblock(K, uk->kc), Mp = qrt_round_up(M, NR);
  h->group_floats = Mp * K;
  for (int64_t g = 0; g < p->groups; g++) {
    /* B[k][j] = w[(g*M + j)*K + k]: OIHW rows are already [o][c][kh][kw]. */
    const float *wg = w + g * M * K;
    float *dst = pw + g * h->group_floats;
    for (int64_t k0 = 0; k0 < K; k0 += KB) {
      const int64_t kc = QRT_MIN(KB, K - k0);
      for (int64_t j0 = 0; j0 < Mp; j0 += NR) {
        float *d = dst + k0 * Mp + j0 * kc;
        for (int64_t k = 0; k < kc; k++)
          for (int64_t j = 0; j < NR; j++)
            d[k * NR + j] = j0 + j < M ? wg[(j0 + j) * K + k0 + k] : 0.0f;
      }
    }
  }
  return QRT_OK;
}

/* ---- input planes ------------------------------------------------------------------ */

typedef struct {
  int64_t hu, wv;     /* plane rows and columns */
  int64_t sh, sw;     /* phases per axis (the strides) */
  int materialize;    /* 0: the planes are the input itself */
} qrt_planes_t;

static void qrt_planes_geometry(const qrt_conv2d_params_t *p, int64_t h, int64_t w,
                                qrt_planes_t *pl) {
  const int64_t hp = h + p->pad_top + p->pad_bottom, wp = w + p->pad_left + p->pad_right;
  pl->sh = p->stride_h;
  pl->sw = p->stride_w;
  pl->hu = (hp + pl->sh - 1) / pl->sh;
  pl->wv = (wp + pl->sw - 1) / pl->sw;
  pl->materialize = !(p->pad_top == 0 && p->pad_left == 0 && p->pad_bottom == 0 &&
                      p->pad_right == 0 && pl->sh == 1 && pl->sw == 1);
}

/* Floats of the planes of c channels. */
static int64_t qrt_planes_floats(const qrt_planes_t *pl, int64_t c) {
  return pl->materialize ? c * pl->sh * pl->sw * pl->hu * pl->wv : 0;
}

/* Plane (a, b) of channel ch: element [u][v] = padded x[a + u*sh][b + v*sw]. Only
 * the phases some tap reads are written (used[a*sw + b]; all when used is NULL). */
static void qrt_planes_build(const qrt_f32_conv_ukernel_t *uk, const qrt_conv2d_params_t *p,
                             const qrt_planes_t *pl, int64_t c, int64_t h, int64_t w,
                             const float *x, const unsigned char *used, float *dst) {
  const int64_t sh = pl->sh, sw = pl->sw, hu = pl->hu, wv = pl->wv;
  for (int64_t ch = 0; ch < c; ch++) {
    const float *xc = x + ch * h * w;
    for (int64_t a = 0; a < sh; a++)
      for (int64_t b = 0; b < sw; b++) {
        if (used && !used[a * sw + b]) continue;
        float *d = dst + ((ch * sh + a) * sw + b) * hu * wv;
        /* columns v with 0 <= b + v*sw - pad_left < w: [v_lo, v_hi) */
        const int64_t c0 = b - p->pad_left;
        int64_t v_lo = c0 >= 0 ? 0 : (-c0 + sw - 1) / sw;
        int64_t v_hi = w - c0 > 0 ? (w - c0 + sw - 1) / sw : 0;
        v_hi = QRT_MIN(v_hi, wv);
        v_lo = QRT_MIN(v_lo, v_hi);
        for (int64_t u = 0; u < hu; u++) {
          float *dr = d + u * wv;
          const int64_t ih = a + u * sh - p->pad_top;
          if (ih < 0 || ih >= h) {
            memset(dr, 0, (size_t)wv * sizeof(float));
            continue;
          }
          const float *xr = xc + ih * w + c0;
          for (int64_t v = 0; v < v_lo; v++) dr[v] = 0.0f;
          if (sw == 1) {
            memcpy(dr + v_lo, xr + v_lo, (size_t)(v_hi - v_lo) * sizeof(float));
          } else if (v_hi > v_lo) {
            uk->strided_copy(xr + v_lo * sw, sw, v_hi - v_lo, dr + v_lo);
          }
          for (int64_t v = v_hi; v < wv; v++) dr[v] = 0.0f;
        }
      }
  }
}

/* ---- depthwise ------------------------------------------------------------------------ */

/* Horizontal strides past 2 (the microkernels take 1 and 2): plain loops. */
static void qrt_conv_depthwise_loops(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                                     const float *x, const float *w, const float *bias, int64_t OH,
                                     int64_t OW, float *y) {
  const int64_t KH = p->kernel_h, KW = p->kernel_w;
  const float lo = p->output_min, hi = p->output_max;
  for (int64_t ch = 0; ch < c; ch++) {
    const float *xc = x + ch * H * W, *wc = w + ch * KH * KW;
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        float s = bias[ch];
        for (int64_t i = 0; i < KH; i++)
          for (int64_t j = 0; j < KW; j++) {
            const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;
            const int64_t iw = ow * p->stride_w - p->pad_left + j * p->dilation_w;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += wc[i * KW + j] * xc[ih * W + iw];
          }
        s = s < lo ? lo : s; /* a NaN compares false and stays */
        y[(ch * OH + oh) * OW + ow] = s > hi ? hi : s;
      }
  }
}

/* ---- run ------------------------------------------------------------------------------ */

/* Pixel tiles of a run of n pixels: as even as possible, at most mr each. */
static int64_t qrt_tile_count(int64_t n, int64_t mr) { return (n + mr - 1) / mr; }
static int64_t qrt_tile_start(int64_t n, int64_t tiles, int64_t i) {
  const int64_t base = n / tiles, extra = n % tiles; /* the first `extra` tiles get one more */
  return i * base + QRT_MIN(i, extra);
}

/* How the igemm path walks one group of one image, and its scratch (floats and
 * int64s, each region 64-byte aligned):
 *  - rows: tiles never cross a plane row, except when a plane row is exactly an
 *    output row ("flat": 1x1 kernels), then one run of OH*OW pixels is tiled;
 *  - pairs: output rows of at most MR/2 pixels (7x7 maps with MR = 14): a tile is
 *    two whole rows, the microkernel reading the second run from a2;
 *  - gather: other rows much shorter than a tile (9 to 12 pixels with MR = 14)
 *    would waste much of each tile, so tiles of MR consecutive output pixels
 *    (across rows) are gathered per K block into a small [tile][k][MR] buffer
 *    and read with offsets k*MR (pack_off);
 *  - K blocks of kb taps; partial sums of a pixel block (tb tiles) when K > kb. */
typedef struct {
  int64_t kb, tb;              /* taps per K block, tiles per pixel block */
  int64_t nrow, rowlen, tpr;   /* tiled runs, pixels per run, tiles per run */
  int pairs, gather;
  int64_t planes_f, off_n, part_f, pack_f, pack_off_n;
} qrt_igemm_plan_t;

static void qrt_igemm_plan(const qrt_f32_conv_ukernel_t *uk, const qrt_planes_t *pl, int64_t M,
                           int64_t K, int64_t cig, int64_t OH, int64_t OW, qrt_igemm_plan_t *q) {
  const int64_t MR = uk->mr;
  q->kb = qrt_kblock(K, uk->kc);
  q->tb = QRT_MAX(1, uk->mc / MR);
  const int flat = pl->wv == OW;
  q->pairs = !flat && 2 * OW <= MR;
  q->gather = 0;
  if (!flat && !q->pairs) {
    const int64_t tpr = qrt_tile_count(OW, MR);
    q->gather = 8 * OW < 7 * tpr * MR; /* under 7/8 of the tile lanes used */
  }
  if (q->pairs) { /* a "run" per pair of rows, one tile each */
    q->nrow = (OH + 1) / 2;
    q->rowlen = 2 * OW;
    q->tpr = 1;
  } else {
    q->nrow = flat || q->gather ? 1 : OH;
    q->rowlen = flat || q->gather ? OH * OW : OW;
    q->tpr = qrt_tile_count(q->rowlen, MR);
  }
  q->planes_f = qrt_planes_floats(pl, cig);
  q->off_n = K;
  q->part_f = K > q->kb ? qrt_round_up(M, uk->nr) * q->tb * MR : 0;
  q->pack_f = q->gather ? q->tb * q->kb * MR : 0;
  q->pack_off_n = q->gather ? q->kb : 0;
}

static size_t qrt_a64(size_t bytes) { return (bytes + 63) & ~(size_t)63; }

static size_t qrt_igemm_plan_bytes(const qrt_igemm_plan_t *q) {
  return qrt_a64((size_t)q->planes_f * sizeof(float)) + qrt_a64((size_t)q->off_n * sizeof(int64_t)) +
         qrt_a64((size_t)q->part_f * sizeof(float)) + qrt_a64((size_t)q->pack_f * sizeof(float)) +
         qrt_a64((size_t)q->pack_off_n * sizeof(int64_t));
}

size_t qrt_f32_conv2d_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                   int64_t c_out) {
  int64_t OH, OW;
  if (c_in <= 0 || c_out <= 0 || qrt_conv2d_output_size(p, h, w, &OH, &OW) != QRT_OK ||
      c_in % p->groups || c_out % p->groups)
    return 64;
  if (qrt_conv_is_depthwise(p, c_in, c_out))
    return (size_t)qrt_f32_dwconv_scratch_floats(p, h, w) * sizeof(float) + 64;
  qrt_planes_t pl;
  qrt_planes_geometry(p, h, w, &pl);
  const int64_t cig = c_in / p->groups, K = cig * p->kernel_h * p->kernel_w;
  /* The packed weights may come from any variant: the largest plan. */
  size_t best = 0;
  for (int i = 0; i < qrt_f32_conv_ukernel_count(); i++) {
    qrt_igemm_plan_t q;
    qrt_igemm_plan(qrt_f32_conv_ukernel_at(i), &pl, c_out / p->groups, K, cig, OH, OW, &q);
    const size_t b = qrt_igemm_plan_bytes(&q);
    if (b > best) best = b;
  }
  return best + 64;
}

/* Pixel t of gathered tile [q0, q1) (output pixels numbered row-major), tap k of
 * the K block at k0: pack[k*MR + t] = planes[off[k0 + k] + position of q0 + t]. */
static void qrt_gather_tile(const float *planes, const int64_t *off, int64_t kc, int64_t MR,
                            int64_t q0, int64_t q1, int64_t OW, int64_t wv, float *pack) {
  int64_t pos[64];
  const int64_t n = q1 - q0;
  for (int64_t t = 0; t < n; t++) pos[t] = (q0 + t) / OW * wv + (q0 + t) % OW;
  for (int64_t k = 0; k < kc; k++) {
    const float *src = planes + off[k];
    float *d = pack + k * MR;
    for (int64_t t = 0; t < n; t++) d[t] = src[pos[t]];
  }
}

/* Tiles [t0, t1) of one pixel block times the NR-channel panel at j0, K block
 * [k0, k0 + kc) (flags as the block's place in K sets them); the block's
 * partial sums of this panel at pj, its gathered tiles (gather mode) at pack. */
static void qrt_conv_igemm_panel(const qrt_f32_conv_ukernel_t *uk, const qrt_conv2d_params_t *p,
                                 const qrt_planes_t *pl, const qrt_igemm_plan_t *q, const float *planes,
                                 const int64_t *off, int64_t M, const float *pw, const float *bias,
                                 int64_t OH, int64_t OW, float *y, int64_t t0, int64_t t1, int64_t k0,
                                 int64_t kc, uint32_t flags, int64_t j0, float *pj, const float *pack,
                                 const int64_t *pack_off) {
  const int64_t NR = uk->nr, MR = uk->mr, Mp = qrt_round_up(M, NR), OHW = OH * OW;
  const int64_t tpr = q->tpr, rowlen = q->rowlen;
  const int64_t nr = QRT_MIN(NR, M - j0);
  const float *bp = pw + k0 * Mp + j0 * kc;
  const float *bj = k0 == 0 ? bias + j0 : NULL;
  float *yj = y + j0 * OHW;
  for (int64_t ti = t0; ti < t1; ti++) {
    float *pt = pj + (ti - t0) * MR * NR;
    if (q->pairs) { /* output rows 2ti and 2ti + 1 */
      const float *a = planes + 2 * ti * pl->wv;
      const int two = 2 * ti + 1 < OH;
      uk->igemm(two ? 2 * OW : OW, nr, kc, a, two ? a + pl->wv : NULL, off + k0, bp,
                yj + 2 * ti * OW, OHW, pt, flags, bj, p->output_min, p->output_max);
      continue;
    }
    const int64_t r = ti / tpr, t = ti % tpr;
    const int64_t q0 = qrt_tile_start(rowlen, tpr, t), q1 = qrt_tile_start(rowlen, tpr, t + 1);
    const float *a = q->gather ? pack + (ti - t0) * kc * MR : planes + r * pl->wv + q0;
    const int64_t *ao = q->gather ? pack_off : off + k0;
    uk->igemm(q1 - q0, nr, kc, a, NULL, ao, bp, yj + r * OW + q0, OHW, pt, flags, bj,
              p->output_min, p->output_max);
  }
}

/* The flags of K block [k0, k0 + kc) of K. */
static uint32_t qrt_igemm_flags(int64_t k0, int64_t kc, int64_t K, int clamp) {
  uint32_t flags = 0;
  if (k0 > 0) flags |= QRT_IGEMM_PART_IN;
  if (k0 + kc < K) flags |= QRT_IGEMM_PART_OUT;
  else if (clamp) flags |= QRT_IGEMM_CLAMP;
  return flags;
}

/* Gathers tiles [t0, t1) of K block k0 into pack (gather mode). */
static void qrt_igemm_gather(const qrt_f32_conv_ukernel_t *uk, const qrt_planes_t *pl, const qrt_igemm_plan_t *q,
                             const float *planes, const int64_t *off, int64_t OW, int64_t t0, int64_t t1,
                             int64_t k0, int64_t kc, float *pack) {
  for (int64_t ti = t0; ti < t1; ti++)
    qrt_gather_tile(planes, off + k0, kc, uk->mr, qrt_tile_start(q->rowlen, q->tpr, ti),
                    qrt_tile_start(q->rowlen, q->tpr, ti + 1), OW, pl->wv, pack + (ti - t0) * kc * uk->mr);
}

static int qrt_conv_clamps(const qrt_conv2d_params_t *p) {
  return !(p->output_min == -INFINITY && p->output_max == INFINITY);
}

/* One group of one image. Loops, outer to inner: pixel blocks of tb tiles; K
 * blocks; NR-channel weight panels (a kc x NR panel stays in L1 while the
 * block's tiles use it); the tiles. */
static void qrt_conv_igemm(const qrt_f32_conv_ukernel_t *uk, const qrt_conv2d_params_t *p,
                           const qrt_planes_t *pl, const qrt_igemm_plan_t *q, const float *planes,
                           const int64_t *off, int64_t M, int64_t K, const float *pw,
                           const float *bias, int64_t OH, int64_t OW, float *y, float *part,
                           float *pack, const int64_t *pack_off) {
  const int64_t NR = uk->nr, MR = uk->mr, KB = q->kb;
  const int64_t ntiles = q->nrow * q->tpr, tb = q->tb;
  const int clamp = qrt_conv_clamps(p);
  for (int64_t t0 = 0; t0 < ntiles; t0 += tb) {
    const int64_t t1 = QRT_MIN(ntiles, t0 + tb);
    for (int64_t k0 = 0; k0 < K; k0 += KB) {
      const int64_t kc = QRT_MIN(KB, K - k0);
      const uint32_t flags = qrt_igemm_flags(k0, kc, K, clamp);
      if (q->gather) qrt_igemm_gather(uk, pl, q, planes, off, OW, t0, t1, k0, kc, pack);
      for (int64_t j0 = 0; j0 < M; j0 += NR)
        qrt_conv_igemm_panel(uk, p, pl, q, planes, off, M, pw, bias, OH, OW, y, t0, t1, k0, kc, flags, j0,
                             part + (j0 / NR) * tb * MR * NR, pack, pack_off);
    }
  }
}

/* A 1x1 stride-1 unpadded conv on a big map (at least uk->pw_min output
 * pixels), one group of one image: the pointwise tiles, channels x pixels,
 * read the input rows in place and store output rows as they are (no
 * transpose, which costs most when K is small). Loops: blocks of 16 tiles of
 * NP pixels; K blocks (as packed), accumulating through the output;
 * NR-channel panels, split evenly into sub-tiles of at most MR channels; the
 * block's tiles (so each output row is written in runs of 16*NP pixels, and
 * the block's input slice is reused from cache by every sub-tile). */
/* Pixel block [b0, b1) times the NR-channel panel at j0, K block [k0, k0 + kc). */
static void qrt_conv_pointwise_panel(const qrt_f32_conv_ukernel_t *uk, const qrt_conv2d_params_t *p,
                                     const float *x, int64_t M, int64_t K, const float *pw, const float *bias,
                                     int64_t P, float *y, int64_t b0, int64_t b1, int64_t k0, int64_t j0) {
  const int64_t NR = uk->nr, PMR = uk->pw_mr, NP = uk->pw_np, KB = qrt_kblock(K, uk->kc);
  const int64_t Mp = qrt_round_up(M, NR), kc = QRT_MIN(KB, K - k0);
  uint32_t flags = 0;
  if (k0 > 0) flags |= QRT_UK_LOAD_C;
  if (k0 + kc >= K && qrt_conv_clamps(p)) flags |= QRT_UK_CLAMP;
  const int64_t nrp = QRT_MIN(NR, M - j0), nsub = qrt_tile_count(nrp, PMR);
  for (int64_t t = 0; t < nsub; t++) {
    const int64_t i0 = qrt_tile_start(nrp, nsub, t), i1 = qrt_tile_start(nrp, nsub, t + 1);
    const float *wt = pw + k0 * Mp + j0 * kc + i0;
    const float *bt = k0 == 0 ? bias + j0 + i0 : NULL;
    for (int64_t p0 = b0; p0 < b1; p0 += NP)
      uk->pwconv(i1 - i0, QRT_MIN(NP, b1 - p0), kc, wt, NR, x + k0 * P + p0, P, y + (j0 + i0) * P + p0, P, flags,
                 bt, p->output_min, p->output_max);
  }
}

static void qrt_conv_pointwise(const qrt_f32_conv_ukernel_t *uk, const qrt_conv2d_params_t *p,
                               const float *x, int64_t M, int64_t K, const float *pw,
                               const float *bias, int64_t P, float *y) {
  const int64_t NR = uk->nr, NP = uk->pw_np, KB = qrt_kblock(K, uk->kc), PB = 16 * NP;
  for (int64_t b0 = 0; b0 < P; b0 += PB) {
    const int64_t b1 = QRT_MIN(P, b0 + PB);
    for (int64_t k0 = 0; k0 < K; k0 += KB)
      for (int64_t j0 = 0; j0 < M; j0 += NR) qrt_conv_pointwise_panel(uk, p, x, M, K, pw, bias, P, y, b0, b1, k0, j0);
  }
}

/* ---- threads ----------------------------------------------------------------------------
 * The same calls as the single-threaded loops, grouped into tasks that write
 * disjoint outputs: depthwise by channel chunks; pointwise by (pixel block,
 * panel) with its K blocks in order; igemm by (pixel block, panel) with its K
 * blocks in order, the partial sums and gathered tiles in the worker's own
 * scratch (after the shared planes and tap table). Every output value is made
 * by the same microkernel calls on the same operands in the same order, so
 * the bits do not depend on the thread count. */

/* Floats of one worker's scratch (a multiple of 16). */
static int64_t qrt_conv_worker_floats(const qrt_f32_conv_ukernel_t *uk, const qrt_igemm_plan_t *q, int64_t K) {
  const int64_t part = K > q->kb ? q->tb * uk->mr * uk->nr : 0;
  return qrt_round_up(part, 16) + qrt_round_up(q->pack_f, 16);
}

size_t qrt_f32_conv2d_scratch_size_mt(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                      int64_t c_out, int threads) {
  int64_t OH, OW;
  if (threads <= 1 || c_in <= 0 || c_out <= 0 || qrt_conv2d_output_size(p, h, w, &OH, &OW) != QRT_OK ||
      c_in % p->groups || c_out % p->groups)
    return qrt_f32_conv2d_scratch_size(p, c_in, h, w, c_out);
  if (qrt_conv_is_depthwise(p, c_in, c_out))
    return (size_t)threads * (size_t)qrt_round_up(qrt_f32_dwconv_scratch_floats(p, h, w), 16) * sizeof(float) + 64;
  qrt_planes_t pl;
  qrt_planes_geometry(p, h, w, &pl);
  const int64_t cig = c_in / p->groups, K = cig * p->kernel_h * p->kernel_w;
  size_t best = 0;
  for (int i = 0; i < qrt_f32_conv_ukernel_count(); i++) {
    const qrt_f32_conv_ukernel_t *uk = qrt_f32_conv_ukernel_at(i);
    qrt_igemm_plan_t q;
    qrt_igemm_plan(uk, &pl, c_out / p->groups, K, cig, OH, OW, &q);
    const size_t b = qrt_igemm_plan_bytes(&q) + (size_t)threads * (size_t)qrt_conv_worker_floats(uk, &q, K) * sizeof(float);
    if (b > best) best = b;
  }
  return best + 64;
}

typedef struct {
  const qrt_f32_conv_ukernel_t *uk;
  const qrt_conv2d_params_t *p;
  const qrt_planes_t *pl;
  const qrt_igemm_plan_t *q;
  const float *x, *pw, *bias, *src;
  float *y, *planes, *work; /* work: worker w's scratch at work + w * wfloats */
  const int64_t *off, *pack_off;
  const unsigned char *used;
  int64_t c_in, c_out, h, w, OH, OW, M, K, cig, gfloats, wfloats, chunk, panels;
  int64_t b, g; /* the image and group the tasks are for */
} qrt_conv_job_t;

static void qrt_conv_dw_task(void *arg, int64_t t, int worker) {
  const qrt_conv_job_t *j = (const qrt_conv_job_t *)arg;
  const qrt_conv2d_params_t *p = j->p;
  const int64_t c0 = t * j->chunk, cc = QRT_MIN(j->chunk, j->c_in - c0), hw = j->h * j->w;
  const float *xb = j->x + (j->b * j->c_in + c0) * hw, *wc = j->pw + c0 * p->kernel_h * p->kernel_w;
  float *yb = j->y + (j->b * j->c_out + c0) * j->OH * j->OW;
  if (p->stride_w <= 2) j->uk->dwconv(p, cc, j->h, j->w, xb, j->OH, j->OW, wc, j->bias + c0, yb, j->work + worker * j->wfloats);
  else qrt_conv_depthwise_loops(p, cc, j->h, j->w, xb, wc, j->bias + c0, j->OH, j->OW, yb);
}

static void qrt_conv_pointwise_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const qrt_conv_job_t *j = (const qrt_conv_job_t *)arg;
  const int64_t P = j->OH * j->OW, PB = 16 * j->uk->pw_np, KB = qrt_kblock(j->K, j->uk->kc);
  const int64_t b0 = t / j->panels * PB, j0 = t % j->panels * j->uk->nr;
  const float *xg = j->x + (j->b * j->c_in + j->g * j->cig) * j->h * j->w;
  float *yg = j->y + (j->b * j->c_out + j->g * j->M) * P;
  for (int64_t k0 = 0; k0 < j->K; k0 += KB)
    qrt_conv_pointwise_panel(j->uk, j->p, xg, j->M, j->K, j->pw + j->g * j->gfloats, j->bias + j->g * j->M, P, yg, b0,
                             QRT_MIN(P, b0 + PB), k0, j0);
}

static void qrt_conv_planes_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const qrt_conv_job_t *j = (const qrt_conv_job_t *)arg;
  const int64_t c0 = t * j->chunk, cc = QRT_MIN(j->chunk, j->cig - c0);
  const float *xg = j->x + (j->b * j->c_in + j->g * j->cig + c0) * j->h * j->w;
  qrt_planes_build(j->uk, j->p, j->pl, cc, j->h, j->w, xg, j->used, j->planes + qrt_planes_floats(j->pl, c0));
}

static void qrt_conv_igemm_task(void *arg, int64_t t, int worker) {
  const qrt_conv_job_t *j = (const qrt_conv_job_t *)arg;
  const qrt_f32_conv_ukernel_t *uk = j->uk;
  const qrt_igemm_plan_t *q = j->q;
  const int64_t ntiles = q->nrow * q->tpr, t0 = t / j->panels * q->tb, t1 = QRT_MIN(ntiles, t0 + q->tb);
  const int64_t j0 = t % j->panels * uk->nr, K = j->K;
  float *part = j->work + worker * j->wfloats;
  float *pack = part + qrt_round_up(K > q->kb ? q->tb * uk->mr * uk->nr : 0, 16);
  float *yg = j->y + (j->b * j->c_out + j->g * j->M) * j->OH * j->OW;
  const int clamp = qrt_conv_clamps(j->p);
  for (int64_t k0 = 0; k0 < K; k0 += q->kb) {
    const int64_t kc = QRT_MIN(q->kb, K - k0);
    if (q->gather) qrt_igemm_gather(uk, j->pl, q, j->src, j->off, j->OW, t0, t1, k0, kc, pack);
    qrt_conv_igemm_panel(uk, j->p, j->pl, q, j->src, j->off, j->M, j->pw + j->g * j->gfloats, j->bias + j->g * j->M,
                         j->OH, j->OW, yg, t0, t1, k0, kc, qrt_igemm_flags(k0, kc, K, clamp), j0, part, pack,
                         j->pack_off);
  }
}

/* Tasks of about a quarter of a thread's share of n items. */
static int64_t qrt_chunk(int64_t n, qrt_pool_t *pool) {
  const int64_t parts = 4 * (int64_t)qrt_pool_threads(pool);
  return QRT_MAX(1, (n + parts - 1) / parts);
}

static qrt_status_t qrt_conv2d_packed_run(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n,
                                          int64_t c_in, int64_t h, int64_t w, const float *x, int64_t c_out,
                                          const void *packed, float *y, void *scratch, size_t scratch_size) {
  int64_t OH, OW;
  if (n < 0 || !packed) return QRT_INVALID_ARGUMENT;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  const qrt_packed_conv_header_t *hd = (const qrt_packed_conv_header_t *)packed;
  if (hd->magic != QRT_PACKED_CONV_MAGIC || hd->c_in != c_in || hd->c_out != c_out ||
      hd->groups != p->groups || hd->kernel_h != p->kernel_h || hd->kernel_w != p->kernel_w)
    return QRT_INVALID_ARGUMENT;
  const qrt_f32_conv_ukernel_t *uk = qrt_f32_conv_ukernel_at(hd->ukernel);
  if (!uk || (hd->kind != QRT_CONV_IGEMM && hd->kind != QRT_CONV_DEPTHWISE))
    return QRT_INVALID_ARGUMENT;
  if (uk->isa > qrt_cpu_isa() || !uk->igemm) return QRT_UNSUPPORTED; /* !igemm: not in this build (qrt_target.h) */
#if defined(__aarch64__)
  uk = qrt_f32_conv_same_layout(uk);
#endif
  if (n == 0 || OH == 0 || OW == 0) return QRT_OK;
  if (!x || !y || !scratch) return QRT_INVALID_ARGUMENT;
  const int threads = qrt_pool_threads(pool);
  if (scratch_size < qrt_f32_conv2d_scratch_size_mt(p, c_in, h, w, c_out, threads)) return QRT_BUFFER_TOO_SMALL;
  const float *bias = (const float *)((const char *)packed + 128);
  const float *pw = (const float *)((const char *)packed + qrt_conv_weights_offset(c_out));
  float *sc = qrt_align64(scratch);
  qrt_conv_job_t j = {uk, p, NULL, NULL, x, pw, bias, NULL, y, NULL, sc, NULL, NULL, NULL,
                      c_in, c_out, h, w, OH, OW, hd->m, hd->k, c_in / p->groups, hd->group_floats, 0, 0, 0, 0, 0};
  if (hd->kind == QRT_CONV_DEPTHWISE) {
    if (threads > 1) {
      j.wfloats = qrt_round_up(qrt_f32_dwconv_scratch_floats(p, h, w), 16);
      j.chunk = qrt_chunk(c_in, pool);
      for (j.b = 0; j.b < n; j.b++) qrt_pool_run(pool, (c_in + j.chunk - 1) / j.chunk, qrt_conv_dw_task, &j);
      return QRT_OK;
    }
    for (int64_t b = 0; b < n; b++) {
      const float *xb = x + b * c_in * h * w;
      float *yb = y + b * c_out * OH * OW;
      if (p->stride_w <= 2) uk->dwconv(p, c_in, h, w, xb, OH, OW, pw, bias, yb, sc);
      else qrt_conv_depthwise_loops(p, c_in, h, w, xb, pw, bias, OH, OW, yb);
    }
    return QRT_OK;
  }
  const int64_t G = p->groups, cig = c_in / G, M = hd->m, K = hd->k;
  const int64_t KH = p->kernel_h, KW = p->kernel_w;
  j.panels = (M + uk->nr - 1) / uk->nr;
  if (KH == 1 && KW == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
      p->pad_left == 0 && p->pad_bottom == 0 && p->pad_right == 0 && OH * OW >= uk->pw_min) {
    if (threads > 1) {
      const int64_t PB = 16 * uk->pw_np, blocks = (OH * OW + PB - 1) / PB;
      for (j.b = 0; j.b < n; j.b++)
        for (j.g = 0; j.g < G; j.g++) qrt_pool_run(pool, blocks * j.panels, qrt_conv_pointwise_task, &j);
      return QRT_OK;
    }
    for (int64_t b = 0; b < n; b++)
      for (int64_t g = 0; g < G; g++)
        qrt_conv_pointwise(uk, p, x + (b * c_in + g * cig) * h * w, M, K, pw + g * hd->group_floats,
                           bias + g * M, OH * OW, y + (b * c_out + g * M) * OH * OW);
    return QRT_OK;
  }
  qrt_planes_t pl;
  qrt_planes_geometry(p, h, w, &pl);
  qrt_igemm_plan_t q;
  qrt_igemm_plan(uk, &pl, M, K, cig, OH, OW, &q);
  char *cur = (char *)sc;
  float *planes = (float *)cur;
  cur += qrt_a64((size_t)q.planes_f * sizeof(float));
  int64_t *off = (int64_t *)cur;
  cur += qrt_a64((size_t)q.off_n * sizeof(int64_t));
  float *part = (float *)cur;
  cur += qrt_a64((size_t)q.part_f * sizeof(float));
  float *pack = (float *)cur;
  cur += qrt_a64((size_t)q.pack_f * sizeof(float));
  int64_t *pack_off = (int64_t *)cur;
  for (int64_t k = 0; k < q.pack_off_n; k++) pack_off[k] = k * uk->mr;
  /* Tap k = (c, i, j): plane (i*dh % sh, j*dw % sw) of channel c, shifted by
   * (i*dh / sh) rows and (j*dw / sw) columns. */
  unsigned char used[64] = {0}; /* phases some tap reads (all, for strides past 8x8) */
  const int use_table = pl.sh * pl.sw <= 64;
  for (int64_t c = 0, k = 0; c < cig; c++)
    for (int64_t i = 0; i < KH; i++)
      for (int64_t j = 0; j < KW; j++, k++) {
        const int64_t a = i * p->dilation_h % pl.sh, u0 = i * p->dilation_h / pl.sh;
        const int64_t bb = j * p->dilation_w % pl.sw, v0 = j * p->dilation_w / pl.sw;
        const int64_t plane = pl.materialize ? (c * pl.sh + a) * pl.sw + bb : c;
        off[k] = plane * pl.hu * pl.wv + u0 * pl.wv + v0;
        if (use_table) used[a * pl.sw + bb] = 1;
      }
  if (threads > 1) {
    j.pl = &pl, j.q = &q, j.planes = planes, j.off = off, j.pack_off = pack_off, j.used = use_table ? used : NULL;
    j.work = (float *)((char *)sc + qrt_igemm_plan_bytes(&q));
    j.wfloats = qrt_conv_worker_floats(uk, &q, K);
    j.chunk = qrt_chunk(cig, pool);
    const int64_t tiles = (q.nrow * q.tpr + q.tb - 1) / q.tb * j.panels;
    for (j.b = 0; j.b < n; j.b++)
      for (j.g = 0; j.g < G; j.g++) {
        j.src = x + (j.b * c_in + j.g * cig) * h * w;
        if (pl.materialize) {
          qrt_pool_run(pool, (cig + j.chunk - 1) / j.chunk, qrt_conv_planes_task, &j);
          j.src = planes;
        }
        qrt_pool_run(pool, tiles, qrt_conv_igemm_task, &j);
      }
    return QRT_OK;
  }
  for (int64_t b = 0; b < n; b++) {
    for (int64_t g = 0; g < G; g++) {
      const float *xg = x + (b * c_in + g * cig) * h * w;
      float *yg = y + (b * c_out + g * M) * OH * OW;
      const float *src = xg;
      if (pl.materialize) {
        qrt_planes_build(uk, p, &pl, cig, h, w, xg, use_table ? used : NULL, planes);
        src = planes;
      }
      qrt_conv_igemm(uk, p, &pl, &q, src, off, M, K, pw + g * hd->group_floats, bias + g * M, OH,
                     OW, yg, part, pack, pack_off);
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_f32_conv2d_packed(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                   int64_t w, const float *x, int64_t c_out, const void *packed,
                                   float *y, void *scratch, size_t scratch_size) {
  return qrt_conv2d_packed_run(NULL, p, n, c_in, h, w, x, c_out, packed, y, scratch, scratch_size);
}

qrt_status_t qrt_f32_conv2d_packed_mt(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                      int64_t h, int64_t w, const float *x, int64_t c_out, const void *packed,
                                      float *y, void *scratch, size_t scratch_size) {
  return qrt_conv2d_packed_run(pool, p, n, c_in, h, w, x, c_out, packed, y, scratch, scratch_size);
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
