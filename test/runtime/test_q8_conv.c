/* QConv2d (qrt_q8_conv2d*, packed and unpacked) and ConvInteger
 * (qrt_q8_conv_integer) against a naive int64 reference written here, with the
 * requantization contract (docs/numerics.md) spelled out directly:
 * random shapes (groups, depthwise, stride, padding, dilation, tails), u8/s8
 * activations and weights, per-tensor and per-channel zero points, extreme
 * values (full-range u8 with zero point 0 and 255, s8 -128), fused clamps;
 * exact equality; pointwise-like shapes (the planes' one-run fill) with
 * multipliers up to 2^20. Plus hand-computed cases, the accumulation bound at its exact
 * limit, and argument errors that must write nothing. */
#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"
#include "test_util.h"

/* ---- the contract, spelled out independently of the library ---------------- */

static float ref_mult(float s_in, float s_w, float s_out) {
  const float p = s_in * s_w;
  const float m = p / s_out;
  return m;
}
/* (float)acc * M, clamp in float to [lo - zp, hi - zp], round half to even
 * (nearbyintf in the default rounding mode), + zp; NaN -> zp clamped. */
static int32_t ref_requant(int64_t acc, float m, int32_t zp, int32_t lo, int32_t hi) {
  const float a = (float)acc;
  const float v = a * m;
  if (v != v) return zp < lo ? lo : zp > hi ? hi : zp;
  float c = v < (float)(lo - zp) ? (float)(lo - zp) : v;
  c = c > (float)(hi - zp) ? (float)(hi - zp) : c;
  return (int32_t)nearbyintf(c) + zp;
}

static int32_t type_lo(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 0 : -128; }
static int32_t type_hi(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 255 : 127; }
static qrt_dtype_t rand_type(void) { return (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8; }
/* A zero point of type t, biased towards the extremes. */
static int32_t rand_zp(qrt_dtype_t t) {
  switch (rng_u32() % 4) {
    case 0: return type_lo(t);
    case 1: return type_hi(t);
    default: return (int32_t)rng_range(type_lo(t), type_hi(t));
  }
}
/* Values of type t: uniform, or only the extremes (1 in 4). */
static void fill_q(qrt_dtype_t t, int32_t *v, int64_t n) {
  const int extremes = rng_u32() % 4 == 0;
  for (int64_t i = 0; i < n; i++)
    v[i] = extremes ? ((rng_u32() & 1) ? type_hi(t) : type_lo(t)) : (int32_t)rng_range(type_lo(t), type_hi(t));
}
static void *to_bytes(qrt_dtype_t t, const int32_t *v, int64_t n) {
  void *p = malloc((size_t)n + 1);
  for (int64_t i = 0; i < n; i++) qrt_q8_store(t, p, i, v[i]);
  return p;
}
static float rand_scale(float lo, float hi) { return lo + (hi - lo) * (float)(rng_u32() % 1000000) / 1e6f; }

/* The variant a packed buffer records: the header's third int32 (runtime/src/
 * q8_conv_gemm_internal.h); counted to show which variants the cases ran. */
static int g_variant_count[256];
static int packed_variant(const void *packed) {
  int32_t v;
  memcpy(&v, (const char *)packed + 8, 4);
  return v & 255;
}

/* ---- naive convolution --------------------------------------------------------- */

typedef struct {
  int64_t n, ci, h, w, co, oh, ow;
  qrt_conv2d_params_t p;
} geom_t;

/* acc[b][o][y][x] = bias[o] + sum (x - zx) * (w - zw[o]), padding adds nothing. */
static void ref_conv_acc(const geom_t *g, const int32_t *x, int32_t zx, const int32_t *w, const int32_t *zw,
                         int zw_per_channel, const int32_t *bias, int64_t *acc) {
  const qrt_conv2d_params_t *p = &g->p;
  const int64_t G = p->groups, cig = g->ci / G, cog = g->co / G;
  for (int64_t b = 0; b < g->n; b++)
    for (int64_t o = 0; o < g->co; o++)
      for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
          int64_t s = bias ? bias[o] : 0;
          const int64_t grp = o / cog;
          const int32_t z = zw ? zw[zw_per_channel ? o : 0] : 0;
          for (int64_t i = 0; i < cig; i++)
            for (int64_t ky = 0; ky < p->kernel_h; ky++)
              for (int64_t kx = 0; kx < p->kernel_w; kx++) {
                const int64_t iy = oy * p->stride_h + ky * p->dilation_h - p->pad_top;
                const int64_t ix = ox * p->stride_w + kx * p->dilation_w - p->pad_left;
                if (iy < 0 || ix < 0 || iy >= g->h || ix >= g->w) continue;
                const int64_t xv = x[((b * g->ci + grp * cig + i) * g->h + iy) * g->w + ix] - zx;
                const int64_t wv = w[((o * cig + i) * p->kernel_h + ky) * p->kernel_w + kx] - z;
                s += xv * wv;
              }
          acc[((b * g->co + o) * g->oh + oy) * g->ow + ox] = s;
        }
}

static int compare_q(const char *what, int64_t rank, const int64_t *shape, qrt_dtype_t t, const void *got,
                     const int32_t *want) {
  int64_t n = 1;
  for (int64_t d = 0; d < rank; d++) n *= shape[d];
  g_checks++;
  for (int64_t i = 0; i < n; i++)
    if (qrt_q8_load(t, got, i) != want[i]) {
      g_failures++;
      fprintf(stderr, "FAIL %s: first mismatch at %s: got %d, want %d\n", what, coords(rank, shape, i),
              qrt_q8_load(t, got, i), want[i]);
      return 0;
    }
  return 1;
}

/* ---- random QConv2d ---------------------------------------------------------- */

/* kind 0: groups 1; 1: 2-3 groups; 2: depthwise (one input channel per group);
 * 3: larger (channel tails past the vector variants' 4/2-channel lanes and
 * 8/16-channel panels, more positions than one 24/48-position tile);
 * 4: pointwise-like (stride 1, no column padding: the planes are filled as one
 * run per lane group, by the variant's lanes4 over 64-column steps and a tail):
 * 1x1, or kh x 1 with row padding, up to 70 input channels and 30 x 30. */
static void random_geom(geom_t *g, int kind) {
  if (kind == 5) { /* layouts: one group, channels in whole lane groups; pointwise half the time */
    for (;;) {
      const int pw = rng_u32() % 2;
      qrt_conv2d_params_init(&g->p, pw ? 1 : rng_range(1, 4), pw ? 1 : rng_range(1, 4));
      if (!pw) {
        g->p.stride_h = rng_range(1, 3), g->p.stride_w = rng_range(1, 3);
        g->p.dilation_h = rng_range(1, 2), g->p.dilation_w = rng_range(1, 2);
        g->p.pad_top = rng_range(0, 2), g->p.pad_left = rng_range(0, 2);
        g->p.pad_bottom = rng_range(0, 2), g->p.pad_right = rng_range(0, 2);
      }
      g->n = rng_range(1, 2), g->ci = 4 * rng_range(1, 18), g->co = 4 * rng_range(1, 12);
      g->h = rng_range(1, 19), g->w = rng_range(1, 23);
      if (qrt_conv2d_output_size(&g->p, g->h, g->w, &g->oh, &g->ow) == QRT_OK) return;
    }
  }
  if (kind == 4) {
    for (;;) {
      qrt_conv2d_params_init(&g->p, rng_u32() % 3 ? 1 : rng_range(2, 3), 1);
      g->p.groups = rng_u32() % 4 ? 1 : 2;
      g->p.dilation_h = rng_range(1, 2);
      if (g->p.kernel_h > 1) g->p.pad_top = rng_range(0, 2), g->p.pad_bottom = rng_range(0, 2);
      g->n = rng_range(1, 2), g->ci = g->p.groups * rng_range(1, 70), g->co = g->p.groups * rng_range(1, 40);
      g->h = rng_range(1, 30), g->w = rng_range(1, 30);
      if (qrt_conv2d_output_size(&g->p, g->h, g->w, &g->oh, &g->ow) == QRT_OK) return;
    }
  }
  for (;;) {
    const int64_t G = kind == 0 ? 1 : kind == 1 ? rng_range(2, 3) : kind == 2 ? rng_range(2, 9) : rng_range(1, 2);
    int64_t cig = kind == 2 ? 1 : rng_range(1, 5), cog = kind == 2 ? rng_range(1, 2) : rng_range(1, 4);
    if (kind == 3) cig = rng_range(1, 37), cog = rng_range(1, 40);
    qrt_conv2d_params_init(&g->p, rng_range(1, 4), rng_range(1, 4));
    g->p.groups = G;
    g->p.stride_h = rng_range(1, 3), g->p.stride_w = rng_range(1, 3);
    g->p.dilation_h = rng_range(1, 2), g->p.dilation_w = rng_range(1, 2);
    g->p.pad_top = rng_range(0, 2), g->p.pad_left = rng_range(0, 2);
    g->p.pad_bottom = rng_range(0, 2), g->p.pad_right = rng_range(0, 2);
    g->n = rng_range(1, 2), g->ci = G * cig, g->co = G * cog;
    g->h = rng_range(1, kind == 3 ? 19 : 11), g->w = rng_range(1, kind == 3 ? 23 : 11);
    if (qrt_conv2d_output_size(&g->p, g->h, g->w, &g->oh, &g->ow) == QRT_OK) return;
  }
}

/* ---- layouts (qrt_q8_conv2d_packed_layout_mt) ------------------------------------ */

static qrt_pool_t g_pool3; /* 3 threads: the threaded driver's fills and tiles */

/* Every layout pair on these packed weights: supported exactly when the header
 * says (a one-group conv on a 4-byte-lane row, the blocked sides' channels a
 * multiple of 4), then the same values as y_want (NCHW, the scalar row's bytes)
 * on 1 and 3 threads, nothing written past y; unsupported pairs return
 * QRT_UNSUPPORTED and write nothing. */
static int check_layouts(const geom_t *g, const void *packed, size_t ps, const void *x, const void *y_want,
                         void *scratch, size_t cs, const char *what) {
  const int64_t nx = g->n * g->ci * g->h * g->w, ny = g->n * g->co * g->oh * g->ow;
  qrt_q8_packed_info_t in;
  CHECK_OK(qrt_q8_packed_info(packed, ps, &in));
  const int row4 = in.kind == QRT_Q8_PACKED_CONV && in.groups == 1 &&
                   (in.variant == QRT_ISA_AVX512VNNI || in.variant == QRT_ISA_DOTPROD);
  uint8_t *xbk = malloc((size_t)nx + 1), *yb = malloc((size_t)ny + 64), *yn = malloc((size_t)ny + 1);
  int ok = 1;
  if (g->ci % 4 == 0) CHECK_OK(qrt_q8_to_nchw4c(g->n, g->ci, g->h * g->w, x, xbk));
  for (int l = 1; l < 8; l++) {
    const qrt_layout_t xl = l & 1 ? QRT_LAYOUT_NCHW4C : QRT_LAYOUT_NCHW, yl = l & 2 ? QRT_LAYOUT_NCHW4C : QRT_LAYOUT_NCHW;
    if ((l & 3) == 0) continue;
    const int want_sup = row4 && (xl == QRT_LAYOUT_NCHW || g->ci % 4 == 0) && (yl == QRT_LAYOUT_NCHW || g->co % 4 == 0);
    const int sup = qrt_q8_conv2d_layout_supported(packed, xl, yl);
    g_checks++;
    if (sup != want_sup) {
      g_failures++, ok = 0;
      fprintf(stderr, "FAIL %s: layouts %d/%d supported %d, want %d\n", what, xl, yl, sup, want_sup);
      continue;
    }
    memset(yb, 0x5a, (size_t)ny + 64);
    const qrt_status_t st = qrt_q8_conv2d_packed_layout_mt(l & 4 ? &g_pool3 : NULL, &g->p, g->n, g->ci, g->h, g->w,
                                                           xl == QRT_LAYOUT_NCHW4C ? (const void *)xbk : x, xl, g->co,
                                                           packed, yb, yl, scratch, cs);
    int untouched = 1;
    for (int64_t i = sup ? ny : 0; i < ny + 64; i++) untouched &= yb[i] == 0x5a;
    g_checks++;
    if (st != (sup ? QRT_OK : QRT_UNSUPPORTED) || !untouched) {
      g_failures++, ok = 0;
      fprintf(stderr, "FAIL %s: layouts %d/%d (%d threads): status %d, %s\n", what, xl, yl, l & 4 ? 3 : 1, (int)st,
              untouched ? "nothing past y" : "bytes written where they must not be");
      continue;
    }
    if (!sup) continue;
    if (yl == QRT_LAYOUT_NCHW4C) CHECK_OK(qrt_q8_from_nchw4c(g->n, g->co, g->oh * g->ow, yb, yn));
    else memcpy(yn, yb, (size_t)ny);
    g_checks++;
    for (int64_t i = 0; i < ny; i++)
      if (yn[i] != ((const uint8_t *)y_want)[i]) {
        g_failures++, ok = 0;
        const int64_t shape[4] = {g->n, g->co, g->oh, g->ow};
        fprintf(stderr, "FAIL %s: layouts %d/%d (%d threads): first difference at %s: %d, want %d\n", what, xl, yl,
                l & 4 ? 3 : 1, coords(4, shape, i), yn[i], ((const uint8_t *)y_want)[i]);
        break;
      }
  }
  free(xbk), free(yb), free(yn);
  return ok;
}

/* kind: random_geom's. Pointwise cases (kind 4) take large multipliers (up to
 * 2^20) one time in three: the requantization's conversions then overflow; and
 * one time in six an infinite multiplier on one channel (the others huge). */
static int random_qconv(int idx, int kind) {
  geom_t g;
  random_geom(&g, kind);
  const qrt_conv2d_params_t *p = &g.p;
  const int64_t K = g.ci / p->groups * p->kernel_h * p->kernel_w;
  const int64_t nx = g.n * g.ci * g.h * g.w, nw = g.co * K, ny = g.n * g.co * g.oh * g.ow;
  const qrt_dtype_t xt = rand_type(), wt = rand_type(), yt = rand_type();
  /* 1 case in 3 has power-of-two scales (dyadic multipliers, many exact ties) */
  const int dyadic = rng_u32() % 3 == 0;
  const qrt_q8_act_t xq = {xt, dyadic ? ldexpf(1.0f, (int)rng_range(-10, -4)) : rand_scale(0.001f, 0.1f), rand_zp(xt)};
  /* weights: symmetric s8 per channel (the default), or any type with zero points */
  const int per_channel = rng_u32() % 3 != 0, symmetric = rng_u32() % 2;
  /* u8 weights with zero point 128 (w - zw fits s8: the u8 x s8 variants take them) */
  const int mid_u8 = !symmetric && wt == QRT_DTYPE_U8 && rng_u32() % 2;
  const int64_t nch = per_channel ? g.co : 1;
  float *ws = malloc((size_t)nch * sizeof *ws);
  int32_t *wz = malloc((size_t)nch * sizeof *wz);
  for (int64_t c = 0; c < nch; c++) {
    ws[c] = dyadic ? ldexpf(1.0f, (int)rng_range(-9, -5)) : rand_scale(0.001f, 0.02f);
    wz[c] = symmetric ? 0 : mid_u8 ? 128 : rand_zp(wt);
  }
  const qrt_q8_weights_t wq = {wt, nch, ws, nch, symmetric && rng_u32() % 2 ? NULL : wz};
  int32_t *xv = malloc((size_t)nx * sizeof *xv), *wv = malloc((size_t)nw * sizeof *wv);
  fill_q(xt, xv, nx);
  fill_q(wt, wv, nw);
  int32_t *bias = NULL;
  if (rng_u32() % 3) {
    bias = malloc((size_t)g.co * sizeof *bias);
    for (int64_t o = 0; o < g.co; o++) bias[o] = (int32_t)rng_range(-(1 << 20), 1 << 20);
  }
  /* output scale: typical |acc| * M around 2^6..2^9, so both rounding and saturation occur */
  const float target = (float)(1 << rng_range(5, 9));
  float yscale = xq.scale * ws[0] * 128.0f * 64.0f * sqrtf((float)K) / target;
  if (dyadic) /* M = 2^-j: acc * M lands exactly on .5 ties often */
    yscale = xq.scale * ws[0] * (float)(1 << rng_range(1, 16));
  if (kind >= 4 && rng_u32() % 3 == 0) /* M >= 1: saturation, and |acc * M| past 2^31 */
    yscale = xq.scale * ws[0] / (float)(1 << rng_range(0, 20));
  if (kind >= 4 && per_channel && rng_u32() % 6 == 0) { /* one channel's M is +Inf: that tile's path */
    ws[rng_u32() % nch] = 1e30f;
    yscale = 1e-30f;
  }
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, yt, yscale, rand_zp(yt));
  switch (rng_u32() % 3) {
    case 1: CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, yq.scale, yq.zero_point, yq.qmin, yq.qmax, &yq.qmin, &yq.qmax)); break;
    case 2: {
      const int32_t a = (int32_t)rng_range(type_lo(yt), type_hi(yt)), b = (int32_t)rng_range(type_lo(yt), type_hi(yt));
      yq.qmin = a < b ? a : b, yq.qmax = a < b ? b : a;
      break;
    }
    default: break;
  }

  void *xb = to_bytes(xt, xv, nx), *wb = to_bytes(wt, wv, nw);
  int64_t *acc = malloc((size_t)ny * sizeof *acc);
  int32_t *want = malloc((size_t)ny * sizeof *want);
  ref_conv_acc(&g, xv, xq.zero_point, wv, wq.zero_points, per_channel, bias, acc);
  int ideal_ok = 1;
  for (int64_t i = 0; i < ny; i++) {
    const int64_t o = (i / (g.oh * g.ow)) % g.co;
    const float sw = ws[per_channel ? o : 0];
    want[i] = ref_requant(acc[i], ref_mult(xq.scale, sw, yq.scale), yq.zero_point, yq.qmin, yq.qmax);
    /* Sanity of the contract itself: within 0.5 (+ float error) of the exact real result. */
    const double ideal = (double)acc[i] * xq.scale * sw / yq.scale + yq.zero_point;
    if (ideal > yq.qmin && ideal < yq.qmax && fabs(want[i] - ideal) > 0.5 + 1e-4 * (1 + fabs(ideal)))
      ideal_ok = 0;
  }
  CHECK(ideal_ok, "case %d: the spelled-out contract strays from the exact result", idx);

  char what[128];
  const int64_t shape[4] = {g.n, g.co, g.oh, g.ow};
  /* every variant the CPU has (qrt_set_isa_limit): against the spelled-out
   * contract, and byte for byte against the scalar reference's output */
  qrt_isa_t lv[QRT_TEST_MAX_ISAS];
  const int nl = isa_levels_amx(lv);
  const size_t ss = qrt_q8_conv2d_unpacked_scratch_size(p, g.ci, g.h, g.w, g.co);
  const size_t ps = qrt_q8_conv2d_packed_weights_size(p, g.ci, g.co);
  const size_t cs = qrt_q8_conv2d_scratch_size(p, g.ci, g.h, g.w, g.co);
  void *scratch = malloc(ss), *packed = malloc(ps), *cscratch = malloc(cs + 1);
  void *y = malloc((size_t)ny), *y_scalar = malloc((size_t)ny);
  int ok = 1;
  for (int li = 0; li < nl; li++) {
    const qrt_isa_t prev = qrt_set_isa_limit(lv[li]);
    /* unpacked */
    CHECK_OK(qrt_q8_conv2d(p, g.n, g.ci, g.h, g.w, &xq, xb, g.co, &wq, wb, bias, &yq, y, scratch, ss));
    snprintf(what, sizeof what, "qconv case %d (G=%lld K=%lld) unpacked, %s", idx, (long long)p->groups,
             (long long)K, qrt_isa_name(lv[li]));
    ok &= compare_q(what, 4, shape, yt, y, want);
    if (li == 0) memcpy(y_scalar, y, (size_t)ny);
    /* packed once, run per image (scratch not 64-byte aligned on purpose) */
    CHECK_OK(qrt_q8_conv2d_pack_weights(p, g.ci, g.co, &xq, &wq, wb, bias, &yq, packed, ps));
    g_variant_count[packed_variant(packed)]++;
    memset(y, 0x5a, (size_t)ny);
    const int64_t per_x = g.ci * g.h * g.w, per_y = g.co * g.oh * g.ow;
    for (int64_t b = 0; b < g.n; b++)
      CHECK_OK(qrt_q8_conv2d_packed(p, 1, g.ci, g.h, g.w, (const char *)xb + b * per_x, g.co, packed,
                                    (char *)y + b * per_y, (char *)cscratch + 1, cs));
    snprintf(what, sizeof what, "qconv case %d packed, %s", idx, qrt_isa_name(lv[li]));
    ok &= compare_q(what, 4, shape, yt, y, want);
    g_checks++;
    if (memcmp(y, y_scalar, (size_t)ny)) g_failures++, ok = 0, fprintf(stderr, "FAIL %s: bytes differ from scalar\n", what);
    if (kind == 5 || g.ci % 4 == 0 || g.co % 4 == 0) ok &= check_layouts(&g, packed, ps, xb, y_scalar, cscratch, cs, what);
    qrt_set_isa_limit(prev);
  }
  free(cscratch), free(y_scalar);
  free(packed), free(scratch), free(y), free(xb), free(wb), free(acc), free(want), free(xv), free(wv);
  free(bias), free(ws), free(wz);
  return ok;
}

/* ---- the AMX row ------------------------------------------------------------------ */

/* Convolutions packed for the amx row (A tiles of 16 channels x 16 lane groups,
 * B tiles of 16 positions) against the scalar row's bytes: input channels per
 * group from 61 (16 lane groups, the least the row takes), whole blocks and
 * overlapping last blocks (not a multiple of 4 or 64),
 * output channels across the 16-channel panels and 32-channel pairs (tails),
 * groups, 1x1 and kh x kw up to 3 with padding, strides 1-2, dilation, images up
 * to 17 x 19 (position tails of the 32-position tile), zero points at the range
 * ends, multipliers up to 2^8 one time in four, one infinite multiplier one time
 * in eight (the per-panel path); no pool and pools of 2, 3 and 4 threads. */
static int amx_conv_case(int idx, qrt_pool_t *pools, int n_pools) {
  static const int64_t cis[] = {61, 62, 63, 64, 65, 67, 100, 127, 128, 130, 193, 256, 257, 300};
  geom_t g;
  for (;;) {
    const int64_t G = idx % 5 == 4 ? rng_range(2, 3) : 1, k = idx % 3 == 0 ? 1 : rng_range(1, 3);
    qrt_conv2d_params_init(&g.p, k, idx % 7 == 6 ? rng_range(1, 3) : k);
    g.p.groups = G;
    g.p.stride_h = g.p.stride_w = rng_range(1, 2);
    if (idx % 6 == 5) g.p.dilation_h = g.p.dilation_w = 2;
    if (k > 1) g.p.pad_top = g.p.pad_left = g.p.pad_bottom = g.p.pad_right = rng_range(0, 1);
    g.n = rng_range(1, 2), g.ci = G * (idx % 2 ? cis[idx / 2 % 14] : rng_range(61, 200));
    g.co = G * (idx % 4 == 3 ? rng_range(1, 80) : 16 * rng_range(1, 5));
    if (g.ci == G && g.co == G) g.co = 2 * G; /* not depthwise (its own kernel) */
    g.h = rng_range(1, 17), g.w = rng_range(1, 19);
    if (qrt_conv2d_output_size(&g.p, g.h, g.w, &g.oh, &g.ow) == QRT_OK) break;
  }
  const qrt_conv2d_params_t *p = &g.p;
  const int64_t K = g.ci / p->groups * p->kernel_h * p->kernel_w;
  const int64_t nx = g.n * g.ci * g.h * g.w, nw = g.co * K, ny = g.n * g.co * g.oh * g.ow;
  const qrt_dtype_t xt = rand_type(), yt = rand_type();
  const qrt_q8_act_t xq = {xt, rand_scale(0.001f, 0.1f), rand_zp(xt)};
  float *ws = malloc((size_t)g.co * sizeof *ws);
  for (int64_t c = 0; c < g.co; c++) ws[c] = rand_scale(0.001f, 0.02f);
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, g.co, ws, 0, NULL};
  int32_t *xv = malloc((size_t)nx * sizeof *xv), *wv = malloc((size_t)nw * sizeof *wv);
  fill_q(xt, xv, nx);
  fill_q(QRT_DTYPE_I8, wv, nw);
  int32_t *bias = malloc((size_t)g.co * sizeof *bias);
  for (int64_t o = 0; o < g.co; o++) bias[o] = (int32_t)rng_range(-(1 << 18), 1 << 18);
  float yscale = xq.scale * ws[0] * 128.0f * 32.0f * sqrtf((float)K);
  if (idx % 4 == 2) yscale = xq.scale * ws[0] / (float)(1 << rng_range(0, 8));
  if (idx % 8 == 7) ws[rng_u32() % g.co] = 1e30f, yscale = 1e-30f;
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, yt, yscale, rand_zp(yt));
  void *xb = to_bytes(xt, xv, nx), *wb = to_bytes(QRT_DTYPE_I8, wv, nw);
  const size_t ps = qrt_q8_conv2d_packed_weights_size(p, g.ci, g.co);
  const size_t cs = qrt_q8_conv2d_scratch_size_mt(p, g.ci, g.h, g.w, g.co, 4);
  void *pk_ref = malloc(ps), *pk = malloc(ps), *scratch = malloc(cs);
  uint8_t *want = malloc((size_t)ny), *y = malloc((size_t)ny);
  CHECK_OK(qrt_q8_conv2d_pack_weights_isa(QRT_ISA_SCALAR, p, g.ci, g.co, &xq, &wq, wb, bias, &yq, pk_ref, ps));
  CHECK_OK(qrt_q8_conv2d_packed(p, g.n, g.ci, g.h, g.w, xb, g.co, pk_ref, want, scratch, cs));
  CHECK_OK(qrt_q8_conv2d_pack_weights_isa(QRT_ISA_AMX, p, g.ci, g.co, &xq, &wq, wb, bias, &yq, pk, ps));
  CHECK(packed_variant(pk) == QRT_ISA_AMX, "amx conv case %d: packed for %d", idx, packed_variant(pk));
  g_variant_count[packed_variant(pk)]++;
  int ok = 1;
  for (int t = 0; t <= n_pools; t++) { /* t == 0: no pool */
    memset(y, 0xa5, (size_t)ny);
    CHECK_OK(qrt_q8_conv2d_packed_mt(t ? &pools[t - 1] : NULL, p, g.n, g.ci, g.h, g.w, xb, g.co, pk, y, scratch, cs));
    g_checks++;
    for (int64_t i = 0; i < ny && ok; i++)
      if (y[i] != want[i])
        g_failures++, ok = 0,
            fprintf(stderr, "FAIL amx conv case %d (ci %lld co %lld G %lld %lldx%lld/%lld @%lldx%lld, %d threads) at %lld: got %d, want %d\n",
                    idx, (long long)g.ci, (long long)g.co, (long long)p->groups, (long long)p->kernel_h,
                    (long long)p->kernel_w, (long long)p->stride_h, (long long)g.h, (long long)g.w,
                    t ? qrt_pool_threads(&pools[t - 1]) : 1, (long long)i, y[i], want[i]);
  }
  free(ws), free(xv), free(wv), free(bias), free(xb), free(wb), free(pk_ref), free(pk), free(scratch), free(want), free(y);
  return ok;
}

/* Fewer than 61 input channels per group: the amx level packs the avx512vnni row. */
static void test_amx_small(void) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, 3, 3);
  size_t ps;
  void *pk = q8_pack_zero_conv(QRT_ISA_AMX, &p, 60, 16, &ps);
  CHECK(packed_variant(pk) == QRT_ISA_AVX512VNNI, "60 input channels at the amx level: packed for %d", packed_variant(pk));
  free(pk);
}

static void test_amx(void) {
  test_amx_small();
  if (qrt_cpu_isa() < QRT_ISA_AMX || qrt_cpu_isa() >= QRT_ISA_NEON) {
    printf("amx: skipped, this CPU has no usable AMX-INT8 (cpuid, XCR0 tile state and the arch_prctl permission)\n");
    return;
  }
  qrt_pool_t pools[3];
  for (int t = 0; t < 3; t++) CHECK_OK(qrt_pool_init(&pools[t], t + 2));
  int ok = 0, n = 84;
  for (int i = 0; i < n; i++) ok += amx_conv_case(i, pools, 3);
  for (int t = 0; t < 3; t++) qrt_pool_deinit(&pools[t]);
  printf("amx: %d of %d random convolutions equal to scalar on 1-4 threads\n", ok, n);
}

/* ---- random ConvInteger ------------------------------------------------------------ */

static int random_conv_integer(int idx) {
  geom_t g;
  random_geom(&g, idx % 3);
  const qrt_conv2d_params_t *p = &g.p;
  const int64_t K = g.ci / p->groups * p->kernel_h * p->kernel_w;
  const int64_t nx = g.n * g.ci * g.h * g.w, nw = g.co * K, ny = g.n * g.co * g.oh * g.ow;
  const qrt_dtype_t xt = rand_type(), wt = rand_type();
  const int32_t zx = rand_zp(xt);
  const int per_channel = rng_u32() % 2;
  const int64_t nch = per_channel ? g.co : 1;
  int32_t *wz = malloc((size_t)nch * sizeof *wz);
  for (int64_t c = 0; c < nch; c++) wz[c] = rand_zp(wt);
  const qrt_q8_weights_t wq = {wt, 0, NULL, nch, wz};
  int32_t *xv = malloc((size_t)nx * sizeof *xv), *wv = malloc((size_t)nw * sizeof *wv);
  fill_q(xt, xv, nx);
  fill_q(wt, wv, nw);
  void *xb = to_bytes(xt, xv, nx), *wb = to_bytes(wt, wv, nw);
  int64_t *acc = malloc((size_t)ny * sizeof *acc);
  int32_t *y = malloc((size_t)ny * sizeof *y);
  ref_conv_acc(&g, xv, zx, wv, wz, per_channel, NULL, acc);
  CHECK_OK(qrt_q8_conv_integer(p, g.n, g.ci, g.h, g.w, xt, zx, xb, g.co, &wq, wb, y));
  const int64_t shape[4] = {g.n, g.co, g.oh, g.ow};
  int ok = 1;
  g_checks++;
  for (int64_t i = 0; i < ny && ok; i++)
    if (y[i] != acc[i]) {
      g_failures++, ok = 0;
      fprintf(stderr, "FAIL conv_integer case %d at %s: got %d, want %lld\n", idx, coords(4, shape, i), y[i],
              (long long)acc[i]);
    }
  free(xb), free(wb), free(acc), free(y), free(xv), free(wv), free(wz);
  return ok;
}

/* ---- hand-computed cases ----------------------------------------------------------- */

static void test_hand(void) {
  /* 1 input channel 2x2, 1x1 kernel, two output channels (per-channel scales).
   * x u8 zp 3: values 3 5 8 10 -> 0 2 5 7. w s8: channel 0 = 1 (scale 1), channel 1 = -2 (scale 0.25).
   * s_x 0.5, s_y 1: M0 = 0.5, M1 = 0.125.
   * ch0: acc = 0 2 5 7, *0.5 = 0 1 2.5 3.5 -> 0 1 2 4 (ties to even), + zp 10 -> 10 11 12 14
   * ch1: bias 4: acc = 4 + (0 2 5 7)*-2 = 4 0 -6 -10, *0.125 = 0.5 0 -0.75 -1.25 -> 0 0 -1 -1 -> 10 10 9 9 */
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, 1, 1);
  const uint8_t x[4] = {3, 5, 8, 10};
  const int8_t w[2] = {1, -2};
  const float ws[2] = {1.0f, 0.25f};
  const int32_t bias[2] = {0, 4};
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.5f, 3};
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, 2, ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 10);
  uint8_t y[8];
  static _Alignas(8) char sc[16384];
  CHECK_OK(qrt_q8_conv2d(&p, 1, 1, 2, 2, &xq, x, 2, &wq, w, bias, &yq, y, sc, sizeof sc));
  const uint8_t want[8] = {10, 11, 12, 14, 10, 10, 9, 9};
  for (int i = 0; i < 8; i++) CHECK(y[i] == want[i], "hand qconv y[%d] = %d, want %d", i, y[i], want[i]);

  /* Fused Relu6 with s_y = 0.05, zp 0 (s8): range [0, 120]. x s8 zp 0 value 127,
   * w 127 scale 1/127: real 127 * s_x; s_x = 0.1 -> 12.7 -> clamped to 6 -> 120. */
  const int8_t x2 = 127, w2 = 127;
  const float ws2 = 1.0f / 127.0f;
  const qrt_q8_act_t xq2 = {QRT_DTYPE_I8, 0.1f, 0};
  const qrt_q8_weights_t wq2 = {QRT_DTYPE_I8, 1, &ws2, 0, NULL};
  qrt_q8_output_t yq2;
  qrt_q8_output_init(&yq2, QRT_DTYPE_I8, 0.05f, 0);
  CHECK_OK(qrt_quant_clamp_range(0.0f, 6.0f, 0.05f, 0, -128, 127, &yq2.qmin, &yq2.qmax));
  CHECK(yq2.qmin == 0 && yq2.qmax == 120, "relu6 range [%d, %d]", yq2.qmin, yq2.qmax);
  int8_t y2 = 0;
  CHECK_OK(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq2, &x2, 1, &wq2, &w2, NULL, &yq2, &y2, sc, sizeof sc));
  CHECK(y2 == 120, "relu6 conv = %d, want 120", y2);

  /* Padding holds the zero point: 3x3 kernel of ones over a 1x1 input with pads 1,
   * x u8 zp 200 value 201 -> only the centre contributes: acc = 1. */
  qrt_conv2d_params_init(&p, 3, 3);
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  const uint8_t x3 = 201;
  const int8_t w3[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  int32_t y3 = -1;
  const qrt_q8_weights_t wq3 = {QRT_DTYPE_I8, 0, NULL, 0, NULL};
  CHECK_OK(qrt_q8_conv_integer(&p, 1, 1, 1, 1, QRT_DTYPE_U8, 200, &x3, 1, &wq3, w3, &y3));
  CHECK(y3 == 1, "padding conv_integer = %d, want 1", y3);

  /* u8 weights with a per-channel zero point (imported QLinearConv): w 0 with
   * zp 255 is -255; x 255 with zp 0: acc = -65025. */
  qrt_conv2d_params_init(&p, 1, 1);
  const uint8_t x4 = 255, w4 = 0;
  const int32_t wz4 = 255;
  const qrt_q8_weights_t wq4 = {QRT_DTYPE_U8, 0, NULL, 1, &wz4};
  int32_t y4 = 0;
  CHECK_OK(qrt_q8_conv_integer(&p, 1, 1, 1, 1, QRT_DTYPE_U8, 0, &x4, 1, &wq4, &w4, &y4));
  CHECK(y4 == -65025, "u8 weights with zp: %d", y4);
}

/* ---- accumulation bound -------------------------------------------------------------- */

static void test_bound(void) {
  /* u8 x zp 0 (|x - zx| <= 255), s8 weights all -128: a channel sums 255 * 128 * K.
   * K = 65793 is the largest with 32640 * K <= INT32_MAX (2147483520). */
  const int64_t k_ok = 65793;
  int8_t *w = malloc((size_t)k_ok + 1);
  uint8_t *x = malloc((size_t)k_ok + 1);
  memset(w, 0x80, (size_t)k_ok + 1);
  memset(x, 255, (size_t)k_ok + 1);
  const float ws = 1.0f;
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, 1, &ws, 0, NULL};
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 1.0f, 0};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 1e9f, 0);
  const size_t ps = qrt_q8_gemm_packed_weights_size(1, k_ok + 1);
  void *packed = malloc(ps);
  CHECK_OK(qrt_q8_gemm_pack_weights(1, k_ok, &xq, &wq, w, NULL, &yq, packed, ps));
  int8_t y = 0;
  const size_t gs = qrt_q8_gemm_scratch_size(1, 1, k_ok);
  void *gscratch = malloc(gs);
  CHECK_OK(qrt_q8_gemm_packed(1, 1, k_ok, x, k_ok, packed, &y, 1, gscratch, gs));
  free(gscratch);
  /* acc = -2147483520, * (1/1e9) = -2.147... -> -2 */
  CHECK(y == ref_requant(-2147483520LL, ref_mult(1.0f, 1.0f, 1e9f), 0, -128, 127), "bound edge y = %d", y);
  CHECK(qrt_q8_gemm_pack_weights(1, k_ok + 1, &xq, &wq, w, NULL, &yq, packed, ps) == QRT_INVALID_ARGUMENT,
        "K one past the bound must be refused");
  const int32_t b_ok = 127, b_bad = 128; /* 2147483520 + 127 = INT32_MAX */
  CHECK_OK(qrt_q8_gemm_pack_weights(1, k_ok, &xq, &wq, w, &b_ok, &yq, packed, ps));
  CHECK(qrt_q8_gemm_pack_weights(1, k_ok, &xq, &wq, w, &b_bad, &yq, packed, ps) == QRT_INVALID_ARGUMENT,
        "bias past the bound must be refused");
  /* x zero point 128: |x - zx| <= max(128, 127) = 128, so a term is at most
   * 128 * 128 = 16384 and K = 131071 fits (2147467264) while 131072 (2^31) does not. */
  const qrt_q8_act_t xq_mid = {QRT_DTYPE_U8, 1.0f, 128};
  int8_t *w2 = malloc(131072);
  memset(w2, 0x80, 131072);
  void *packed2 = malloc(qrt_q8_gemm_packed_weights_size(1, 131072));
  CHECK_OK(qrt_q8_gemm_pack_weights(1, 131071, &xq_mid, &wq, w2, NULL, &yq, packed2,
                                    qrt_q8_gemm_packed_weights_size(1, 131072)));
  CHECK(qrt_q8_gemm_pack_weights(1, 131072, &xq_mid, &wq, w2, NULL, &yq, packed2,
                                 qrt_q8_gemm_packed_weights_size(1, 131072)) == QRT_INVALID_ARGUMENT,
        "16384 * 131072 = 2^31 must be refused");
  /* ConvInteger: both operands at run time, K * 255 * 255 <= INT32_MAX -> K <= 33025. */
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, 1, 1);
  const int32_t z0 = 0;
  const qrt_q8_weights_t wqu = {QRT_DTYPE_U8, 0, NULL, 1, &z0};
  int32_t yi = 0;
  uint8_t *wu = malloc(33026);
  memset(wu, 255, 33026);
  CHECK_OK(qrt_q8_conv_integer(&p, 1, 33025, 1, 1, QRT_DTYPE_U8, 0, x, 1, &wqu, wu, &yi));
  CHECK(yi == 33025 * 65025, "conv_integer at the bound: %d", yi);
  yi = 12345;
  CHECK(qrt_q8_conv_integer(&p, 1, 33026, 1, 1, QRT_DTYPE_U8, 0, x, 1, &wqu, wu, &yi) == QRT_INVALID_ARGUMENT,
        "conv_integer K = 33026 must be refused");
  CHECK(yi == 12345, "nothing written on refusal");
  free(w), free(x), free(packed), free(w2), free(packed2), free(wu);
}

/* ---- argument errors ------------------------------------------------------------------ */

static void test_invalid(void) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, 1, 1);
  const uint8_t x = 1;
  const int8_t w = 1;
  const float ws = 1.0f, bad_ws = 0.0f;
  const int32_t bad_wz = 128; /* outside s8 */
  static _Alignas(8) char sc[16384];
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, 1, &ws, 0, NULL};
  const qrt_q8_weights_t wq_bad_s = {QRT_DTYPE_I8, 1, &bad_ws, 0, NULL};
  const qrt_q8_weights_t wq_bad_z = {QRT_DTYPE_I8, 1, &ws, 1, &bad_wz};
  const qrt_q8_weights_t wq_bad_n = {QRT_DTYPE_I8, 2, &ws, 0, NULL}; /* 2 scales for 1 channel */
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 1.0f, 0}, xq_bad = {QRT_DTYPE_U8, 1.0f, 256};
  const qrt_q8_act_t xq_nan = {QRT_DTYPE_U8, NAN, 0}, xq_f32 = {QRT_DTYPE_F32, 1.0f, 0};
  qrt_q8_output_t yq, yq_bad;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 0);
  yq_bad = yq;
  yq_bad.qmin = 10, yq_bad.qmax = 5;
  uint8_t y = 0x77;
#define BAD(expr) CHECK((expr) == QRT_INVALID_ARGUMENT, "%s should be invalid", #expr)
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq_bad, &x, 1, &wq, &w, NULL, &yq, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq_nan, &x, 1, &wq, &w, NULL, &yq, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq_f32, &x, 1, &wq, &w, NULL, &yq, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq_bad_s, &w, NULL, &yq, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq_bad_z, &w, NULL, &yq, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq_bad_n, &w, NULL, &yq, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq, &w, NULL, &yq_bad, &y, sc, sizeof sc));
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq, &w, NULL, &yq, &y, sc + 1, sizeof sc - 1)); /* unaligned */
  p.groups = 2;
  BAD(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq, &w, NULL, &yq, &y, sc, sizeof sc));
  p.groups = 1;
  CHECK(qrt_q8_conv2d(&p, 1, 1, 1, 1, &xq, &x, 1, &wq, &w, NULL, &yq, &y, sc, 16) == QRT_BUFFER_TOO_SMALL,
        "small scratch");
  CHECK(y == 0x77, "nothing written on error");
  /* a packed buffer of another kind or geometry */
  const size_t ps = qrt_q8_gemm_packed_weights_size(1, 1);
  void *packed = malloc(ps);
  CHECK_OK(qrt_q8_gemm_pack_weights(1, 1, &xq, &wq, &w, NULL, &yq, packed, ps));
  BAD(qrt_q8_conv2d_packed(&p, 1, 1, 1, 1, &x, 1, packed, &y, NULL, 0));
  const size_t cs = qrt_q8_conv2d_packed_weights_size(&p, 1, 1);
  void *cpacked = malloc(cs);
  CHECK_OK(qrt_q8_conv2d_pack_weights(&p, 1, 1, &xq, &wq, &w, NULL, &yq, cpacked, cs));
  qrt_conv2d_params_t p3;
  qrt_conv2d_params_init(&p3, 3, 3);
  BAD(qrt_q8_conv2d_packed(&p3, 1, 1, 3, 3, &x, 1, cpacked, &y, NULL, 0));
  CHECK(y == 0x77, "nothing written on error");
  CHECK_OK(qrt_q8_conv2d_packed(&p, 1, 1, 1, 1, &x, 1, cpacked, &y, sc, sizeof sc));
  CHECK(y == 1, "1x1 identity conv = %d", y);
  /* a vector-packed buffer needs its scratch */
  if (packed_variant(cpacked) != QRT_ISA_SCALAR) {
    BAD(qrt_q8_conv2d_packed(&p, 1, 1, 1, 1, &x, 1, cpacked, &y, NULL, 0));
    CHECK(qrt_q8_conv2d_packed(&p, 1, 1, 1, 1, &x, 1, cpacked, &y, sc, 8) == QRT_BUFFER_TOO_SMALL, "small scratch");
  }
  /* a variant this build or CPU does not have (the other architecture's row,
   * packed by qrt_q8_conv2d_pack_weights_isa, or an unknown one):
   * QRT_UNSUPPORTED, nothing written */
  const int32_t foreign[2] = {qrt_cpu_isa() >= QRT_ISA_NEON ? QRT_ISA_AVX2_FMA : QRT_ISA_NEON, 99};
  for (int i = 0; i < 2; i++) {
    memcpy((char *)cpacked + 8, &foreign[i], 4);
    y = 0x77;
    CHECK(qrt_q8_conv2d_packed(&p, 1, 1, 1, 1, &x, 1, cpacked, &y, sc, sizeof sc) == QRT_UNSUPPORTED,
          "variant %d must be unsupported", foreign[i]);
    CHECK(y == 0x77, "nothing written on unsupported");
  }
#undef BAD
  free(packed), free(cpacked);
}

/* The threaded driver's splits (docs/int8-kernels.md, "Threads") on the
 * native row: pointwise runs filling the workers' own planes (scratch sized
 * for the pool) or the shared ones (sized for one thread), blocked input, fewer
 * tiles than threads, and the panel split (1x1 and 3x3); the same bytes as
 * with no pool, on pools of 2 and 3 threads. */
static void test_thread_splits(void) {
  /* c_in, c_out, h, w, kernel, pad */
  static const int64_t cases[][6] = {{32, 24, 20, 23, 1, 0}, {96, 40, 13, 17, 1, 0}, {16, 96, 5, 7, 1, 0},
                                     {8, 64, 4, 5, 3, 1},    {32, 32, 9, 11, 1, 0}, {8, 8, 3, 3, 1, 0},
                                     {64, 200, 7, 7, 1, 0}};
  qrt_pool_t pools[2];
  for (int t = 0; t < 2; t++) CHECK_OK(qrt_pool_init(&pools[t], t + 2));
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const int64_t *c = cases[ci], cin = c[0], cout = c[1], h = c[2], w = c[3];
    qrt_conv2d_params_t p;
    qrt_conv2d_params_init(&p, c[4], c[4]);
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = c[5];
    int64_t oh, ow;
    CHECK_OK(qrt_conv2d_output_size(&p, h, w, &oh, &ow));
    const int64_t nx = cin * h * w, ny = cout * oh * ow, k = cin * c[4] * c[4];
    float *ws = malloc((size_t)cout * sizeof *ws);
    for (int64_t o = 0; o < cout; o++) ws[o] = rand_scale(0.001f, 0.02f);
    const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.02f, 128};
    const qrt_q8_weights_t wq = {QRT_DTYPE_I8, cout, ws, 0, NULL};
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.02f * 0.01f * sqrtf((float)k) * 16.0f, 3);
    int32_t *xv = malloc((size_t)nx * sizeof *xv), *wv = malloc((size_t)(cout * k) * sizeof *wv);
    fill_q(QRT_DTYPE_U8, xv, nx);
    fill_q(QRT_DTYPE_I8, wv, cout * k);
    uint8_t *x = to_bytes(QRT_DTYPE_U8, xv, nx), *wb = to_bytes(QRT_DTYPE_I8, wv, cout * k);
    uint8_t *xblk = malloc((size_t)nx + 1), *want = malloc((size_t)ny + 1), *y = malloc((size_t)ny + 1);
    CHECK_OK(qrt_q8_to_nchw4c(1, cin, h * w, x, xblk));
    const size_t ps = qrt_q8_conv2d_packed_weights_size(&p, cin, cout);
    const size_t cs1 = qrt_q8_conv2d_scratch_size(&p, cin, h, w, cout);
    const size_t cs3 = qrt_q8_conv2d_scratch_size_mt(&p, cin, h, w, cout, 3);
    void *pk = malloc(ps), *scratch = malloc(cs3 > cs1 ? cs3 : cs1);
    CHECK_OK(qrt_q8_conv2d_pack_weights(&p, cin, cout, &xq, &wq, wb, NULL, &yq, pk, ps));
    CHECK_OK(qrt_q8_conv2d_packed(&p, 1, cin, h, w, x, cout, pk, want, scratch, cs1));
    /* a pointwise convolution with several tiles per thread asks room for the workers' planes */
    if (ci < 2) CHECK(cs3 > cs1, "split case %zu: scratch for 3 threads %zu, for 1 %zu", ci, cs3, cs1);
    const int blk_ok = qrt_q8_conv2d_layout_supported(pk, QRT_LAYOUT_NCHW4C, QRT_LAYOUT_NCHW);
    for (int t = 0; t < 2; t++)
      for (int sz = 0; sz < 2; sz++)
        for (int blk = 0; blk <= blk_ok; blk++) {
          const size_t cs = sz ? qrt_q8_conv2d_scratch_size_mt(&p, cin, h, w, cout, t + 2) : cs1;
          memset(y, 0x5a, (size_t)ny + 1);
          CHECK_OK(qrt_q8_conv2d_packed_layout_mt(&pools[t], &p, 1, cin, h, w, blk ? xblk : x,
                                                  blk ? QRT_LAYOUT_NCHW4C : QRT_LAYOUT_NCHW, cout, pk, y,
                                                  QRT_LAYOUT_NCHW, scratch, cs));
          g_checks++;
          if (memcmp(y, want, (size_t)ny) || y[ny] != 0x5a)
            g_failures++, fprintf(stderr, "FAIL split case %zu (%lld->%lld %lldx%lld @%lldx%lld), %d threads, %s scratch, %s input: bytes differ from one thread\n",
                                  ci, (long long)cin, (long long)cout, (long long)c[4], (long long)c[4], (long long)h,
                                  (long long)w, t + 2, sz ? "pool-sized" : "one-thread", blk ? "blocked" : "NCHW");
        }
    free(ws), free(xv), free(wv), free(x), free(wb), free(xblk), free(want), free(y), free(pk), free(scratch);
  }
  for (int t = 0; t < 2; t++) qrt_pool_deinit(&pools[t]);
}

int main(void) {
  test_hand();
  test_thread_splits();
  test_bound();
  test_invalid();
  CHECK_OK(qrt_pool_init(&g_pool3, 3));
  int ok = 0, n = 400, n_pw = 150, n_lay = 150;
  for (int i = 0; i < n; i++) ok += random_qconv(i, i % 4);
  for (int i = 0; i < n_pw; i++) ok += random_qconv(n + i, 4);
  for (int i = 0; i < n_lay; i++) ok += random_qconv(n + n_pw + i, 5);
  qrt_pool_deinit(&g_pool3);
  printf("qconv: %d of %d random cases exact (%d pointwise-like, %d for layouts); packed variants:", ok,
         n + n_pw + n_lay, n_pw, n_lay);
  for (int v = 0; v < 256; v++)
    if (g_variant_count[v]) printf(" %s %d", qrt_isa_name((qrt_isa_t)v), g_variant_count[v]);
  printf("\n");
  ok = 0;
  for (int i = 0; i < n; i++) ok += random_conv_integer(i);
  printf("conv_integer: %d of %d random cases exact\n", ok, n);
  check_q8_rows_ran(g_variant_count);
  test_amx();
  return test_finish("q8_conv");
}
