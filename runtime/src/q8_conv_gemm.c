/* Int8 QLinearConv and Linear: the public entry points of qrt_q8.h (argument
 * checks, the accumulation bound, packing, the choice of variant) and the
 * drivers of the vector variants, shared by every ISA; only the tiles are
 * ISA-specific (q8_conv_gemm__<isa>.c). The scalar reference loops are
 * q8_conv_gemm__scalar.c. Formats and tile contracts: q8_conv_gemm_internal.h.
 *
 * Convolution (vector variants). One image and one group at a time, the input
 * is rewritten into "planes" in scratch: for each run of CPG input channels and
 * each stride phase (py, px) used by a tap, a plane of lanes
 *   plane[r][c] = the CPG channels at padded input row r*sh + py, column c*sw + px
 * (padding holds the zero point: u = zu, or x - zx = 0), Hph x Wph lanes,
 * Hph = ceil(padded height / sh), Wph likewise. Output (oy, ox) reads tap
 * (ky, kx) at plane row oy + ky*dh/sh, column ox + kx*dw/sw of phase
 * (ky*dh % sh, kx*dw % sw): with q = oy*Wph + ox that is lane q + a constant
 * per tap, so a tile computes NP consecutive q (whole rows, including the
 * Wph - OW columns past the output, which are not stored) with one offset
 * table and no per-pixel bounds. Every plane has (Hph + 1)*Wph + NP lanes so
 * the last tile's extra lanes read initialized padding.
 *
 * Linear: x rows (MR at a time) are copied to scratch as lanes, zero-padded to
 * a whole number of lanes, and multiplied with PW-channel panels.
 *
 * Both requantize with the variant's `requant`, which reproduces
 * qrt_requantize_scalar bit for bit (q8_conv_gemm__<isa>.c says how). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"
#include "q8_dwconv_internal.h"
#include "qrt_plan.h"
#include "qrt_target.h"
#include "qrt/qrt_pool.h"

/* ---- variants, oldest ISA first ------------------------------------------------- */

/* Every architecture's rows; the tiles only where this build has them (the
 * geometry is portable: q8_conv_gemm_internal.h, q8_variant_t). A one-target
 * build (qrt_target.h) keeps the tiles of every row up to its level: packing
 * takes the newest row that can hold the weights, an int16-lane row (avx2,
 * neon) when they are past s8, which the byte-lane rows cannot take; a model's
 * build (qrt_plan.h) only the rows its packed weights name. */
#if defined(__x86_64__) || defined(_M_X64)
#define Q8_X86(level, f) QRT_ROW_FN(QRT_ROW_UP_TO_TARGET(level) && QRT_PLAN_Q8_ROW(level), f)
#else
#define Q8_X86(level, f) NULL
#endif
#if defined(__aarch64__)
#define Q8_ARM(level, f) QRT_ROW_FN(QRT_ROW_UP_TO_TARGET(level) && QRT_PLAN_Q8_ROW(level), f)
#else
#define Q8_ARM(level, f) NULL
#endif
#define Q8_AMX_CONV(f) Q8_X86(QRT_ISA_AMX, QRT_ROW_FN(QRT_PLAN_Q8_AMX_CONV, f))
#define Q8_AMX_GEMM(f) Q8_X86(QRT_ISA_AMX, QRT_ROW_FN(QRT_PLAN_Q8_AMX_GEMM, f))
#define AVX2 QRT_ISA_AVX2_FMA
#define VNNI QRT_ISA_AVX512VNNI
#define AMX QRT_ISA_AMX
#define NEON QRT_ISA_NEON
#define DOT QRT_ISA_DOTPROD
static const q8_variant_t kVariants[] = {
    {"q8_conv_4x24_gemm_4x24__avx2", AVX2, 2, 0, 8, 4, 24, 4, Q8_X86(AVX2, qrt_q8_conv_tile_4x24__avx2), NULL,
     Q8_X86(AVX2, qrt_q8_requant__avx2), 3, Q8_X86(AVX2, qrt_q8_gemm_tile_4x24__avx2), NULL,
     Q8_X86(AVX2, qrt_q8_dyn_row__avx2), 0, 0, 0, NULL, NULL, 0, 0},
    {"q8_conv_8x48_gemm_6x64__avx512vnni", VNNI, 4, 0, 16, 8, 48, 6, Q8_X86(VNNI, qrt_q8_conv_tile_8x48__avx512vnni),
     NULL, Q8_X86(VNNI, qrt_q8_requant__avx512vnni), 4, Q8_X86(VNNI, qrt_q8_gemm_tile_6x64__avx512vnni),
     Q8_X86(VNNI, qrt_q8_conv_tile_rq_8x48__avx512vnni), Q8_X86(VNNI, qrt_q8_dyn_row__avx512vnni), 0, 0, 0, NULL,
     Q8_X86(VNNI, qrt_q8_lanes4__avx512vnni), 0, 0},
    /* Linear: the VNNI row's panels with K padded to tiles of 16 lane groups;
     * convolutions: A tiles of 16 channels x up to 16 lane groups (conv_kb,
     * q8_conv_gemm_internal.h), 16 channels x 32 positions per tile, the conv
     * tiles kept in a model's build only when its plan names them */
    {"q8_conv_32x32_gemm_64x32__amx", AMX, 4, 0, 16, 16, 32, 64, Q8_AMX_CONV(qrt_q8_conv_tile_16x32__amx), NULL,
     Q8_X86(AMX, qrt_q8_requant__avx512vnni), 2, Q8_AMX_GEMM(qrt_q8_gemm_tile_64x32__amx),
     Q8_AMX_CONV(qrt_q8_conv_tile_rq_32x32__amx), Q8_X86(AMX, qrt_q8_dyn_row__avx512vnni), 0, 16, 256,
     Q8_X86(AMX, qrt_q8_gemm_done__amx), Q8_X86(AMX, qrt_q8_lanes4__avx512vnni), 16, 4},
    {"q8_conv_4x12_gemm_4x8__neon", NEON, 2, 0, 8, 4, 12, 4, Q8_ARM(NEON, qrt_q8_conv_tile_4x12__neon),
     Q8_ARM(NEON, qrt_q8_gemm_tile_4x8__neon), Q8_ARM(NEON, qrt_q8_requant__neon), 0, NULL, NULL,
     Q8_ARM(NEON, qrt_q8_dyn_row__neon), 0, 0, 0, NULL, NULL, 0, 0},
    {"q8_conv_8x12_gemm_4x16__dotprod", DOT, 4, 0x80, 16, 8, 12, 4, Q8_ARM(DOT, qrt_q8_conv_tile_8x12__dotprod),
     Q8_ARM(DOT, qrt_q8_gemm_tile_4x16__dotprod), Q8_ARM(DOT, qrt_q8_requant__neon), 0, NULL, NULL,
     Q8_ARM(DOT, qrt_q8_dyn_row__neon), 0, 0, 0, NULL, Q8_ARM(DOT, qrt_q8_lanes4__neon), 0, 0},
};
#undef AVX2
#undef VNNI
#undef AMX
#undef NEON
#undef DOT
enum { Q8_N_VARIANTS = sizeof kVariants / sizeof kVariants[0] };

/* Linear weights packed for the AMX row, run with the VNNI row's tile when M
 * is small (q8_gemm_row): a tile of 16 rows costs the same whatever rows it
 * holds, the VNNI tile's 6 rows do not. The layout is the AMX row's (the
 * padding lane groups hold zero weights: they add nothing). */
static const q8_variant_t kAmxSmallM = {
    "q8_gemm_6x64__avx512vnni (amx layout)", QRT_ISA_AMX, 4, 0, 16, 8, 48, 6, NULL, NULL,
    Q8_X86(QRT_ISA_AMX, qrt_q8_requant__avx512vnni), 4, Q8_X86(QRT_ISA_AMX, qrt_q8_gemm_tile_6x64__avx512vnni),
    NULL, Q8_X86(QRT_ISA_AMX, qrt_q8_dyn_row__avx512vnni), 1, 16, 0, NULL, NULL, 0, 0};
enum { Q8_AMX_MIN_M = 16 }; /* fewer rows: kAmxSmallM */

/* x86 levels are 1-15, aarch64 levels 16-31 (qrt.h): the rows that may serve a limit. */
static int q8_same_arch(qrt_isa_t a, qrt_isa_t b) { return (a >= QRT_ISA_NEON) == (b >= QRT_ISA_NEON); }

/* This build has the row's tiles. */
/* (the amx row's Linear weights also run on kAmxSmallM's tile: q8_gemm_row) */
static int q8_has_tiles(const q8_variant_t *v) {
  return v->conv_tile || v->gemm_mn || v->gemm_tile || (v->isa == QRT_ISA_AMX && kAmxSmallM.gemm_mn);
}

/* The row recorded in a packed header, when this build can run it. */
static const q8_variant_t *q8_variant_of(int32_t isa) {
  for (int i = 0; i < Q8_N_VARIANTS; i++)
    if ((int32_t)kVariants[i].isa == isa && q8_has_tiles(&kVariants[i])) return &kVariants[i];
  return NULL;
}

/* Lane groups of one tap's K after the row's padding (kga). */
static int64_t q8_pad_kg(const q8_variant_t *v, int64_t kg) {
  return v->kga > 1 ? (kg + v->kga - 1) / v->kga * v->kga : kg;
}

/* ---- vector layout geometry -------------------------------------------------------- */

/* Depthwise convolutions (one input and one output channel per group) are run
 * as convolutions of `merge` consecutive groups at a time with block-diagonal
 * weights (zeros between groups): `merge` channels share the lanes and a tile,
 * instead of one channel per lane group and per panel. merge divides groups. */
static int64_t q8_merge(int64_t groups, int64_t c_in, int64_t c_out) {
  if (c_in != groups || c_out != groups) return 1;
  for (int64_t m = 4; m > 1; m--)
    if (groups % m == 0) return m;
  return 1;
}

typedef struct {
  int64_t merge, groups;                   /* merged groups: groups / merge */
  int64_t cig, cog, taps, ncg, kg, panels; /* per merged group */
  size_t panel_bytes, size;                /* one panel; the whole packed buffer (0: too large) */
} q8_vgeom_t;

/* linear: Linear weights (kga padding), else convolution weights (conv_kb blocks). */
static q8_vgeom_t q8_vgeom(const q8_variant_t *v, int64_t c_in, int64_t c_out, int64_t groups, int64_t kh,
                           int64_t kw, int linear) {
  q8_vgeom_t g;
  g.merge = q8_merge(groups, c_in, c_out);
  groups /= g.merge;
  g.groups = groups;
  g.cig = c_in / groups, g.cog = c_out / groups, g.taps = kh * kw;
  g.ncg = (g.cig + v->cpg - 1) / v->cpg;
  g.kg = q8_pad_kg(v, g.ncg * g.taps);
  if (!linear) /* the amx conv layout: ceil(ncg / conv_kb) blocks of conv_kb per tap */
    g.kg = g.taps * (v->conv_kb ? (g.ncg + v->conv_kb - 1) / v->conv_kb * v->conv_kb : g.ncg);
  g.panels = (g.cog + v->pw - 1) / v->pw;
  /* bounded well below 2^62 by the scalar size check (c_out * k * 4 fits int64) */
  const double total = (double)groups * (double)g.panels * (double)g.kg * v->pw * 4.0;
  g.panel_bytes = (size_t)g.kg * (size_t)v->pw * 4;
  g.size = total > 0x1p52 ? 0 : 128 + 3 * q8_align64((size_t)c_out * 4) + (size_t)groups * (size_t)g.panels * g.panel_bytes;
  return g;
}

/* Bytes to hold the packing of any row of either architecture (the variant is
 * chosen at packing time, the size is asked before, maybe on another machine);
 * the Linear-only rows count for Linear weights (linear) only. */
static size_t q8_packed_size(int64_t c_in, int64_t c_out, int64_t groups, int64_t kh, int64_t kw, int linear) {
  const int64_t k = c_in / groups * kh * kw;
  size_t need = qrt_q8_packed_size__scalar(c_out, k);
  for (int i = 0; need && i < Q8_N_VARIANTS; i++) {
    if (kVariants[i].linear_only && !linear) continue;
    const size_t s = q8_vgeom(&kVariants[i], c_in, c_out, groups, kh, kw, linear).size;
    need = s == 0 ? 0 : s > need ? s : need;
  }
  if (need && groups > 1 && c_in == groups && c_out == groups) { /* the depthwise layout (q8_dwconv.c) */
    const size_t s = qrt_q8_dw_packed_size(c_out, kh, kw);
    if (s > need) need = s;
  }
  return need;
}

static int aligned8(const void *p) { return ((uintptr_t)p & 7) == 0; }
static void *align_up64(void *p) { return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

/* ---- packing ----------------------------------------------------------------------- */

static int32_t q8_zw(const qrt_q8_weights_t *wq, int64_t o) {
  return wq->zero_points ? wq->zero_points[wq->n_zero_points == 1 ? 0 : o] : 0;
}

/* Checks (QRT_INVALID_ARGUMENT), the accumulation bound with the actual weights
 * and bias, then the size (QRT_BUFFER_TOO_SMALL); nothing written. */
static qrt_status_t q8_pack_check(const q8_pack_args_t *a, void *packed, size_t packed_size) {
  const size_t need = q8_packed_size(a->c_in, a->c_out, a->groups, a->kernel_h, a->kernel_w, a->kind != Q8_KIND_CONV);
  int32_t lo, hi;
  if (need == 0 || !a->w || !packed || !aligned8(packed) || !qrt_q8_type_range(a->x_type, &lo, &hi))
    return QRT_INVALID_ARGUMENT;
  if (qrt_q8_weights_check(a->wq, a->c_out, 1) != QRT_OK) return QRT_INVALID_ARGUMENT;
  if (a->y && (qrt_q8_act_check(a->x) != QRT_OK || qrt_q8_output_check(a->y) != QRT_OK))
    return QRT_INVALID_ARGUMENT;
  const int64_t dev_x = a->y ? qrt_q8_max_deviation(a->x_type, a->x->zero_point) : 255;
  for (int64_t o = 0; o < a->c_out; o++) {
    const int32_t zw = q8_zw(a->wq, o);
    int64_t sum_abs = 0;
    for (int64_t i = 0; i < a->k; i++)
      sum_abs += llabs((long long)(qrt_q8_load(a->wq->type, a->w, o * a->k + i) - zw));
    const int64_t b = a->bias_i ? llabs((long long)a->bias_i[o]) : 0;
    if (b + dev_x * sum_abs > INT32_MAX) return QRT_INVALID_ARGUMENT;
  }
  if (packed_size < need) return QRT_BUFFER_TOO_SMALL;
  return QRT_OK;
}

void qrt_q8_pack_common(const q8_pack_args_t *a, int32_t variant, void *packed) {
  q8_packed_header_t *h = (q8_packed_header_t *)packed;
  memset(h, 0, 128);
  h->magic = Q8_PACKED_MAGIC;
  h->kind = a->kind;
  h->variant = variant;
  h->x_type = (int32_t)a->x_type;
  h->w_type = (int32_t)a->wq->type;
  h->c_in = a->c_in, h->c_out = a->c_out, h->groups = a->groups;
  h->kernel_h = a->kernel_h, h->kernel_w = a->kernel_w, h->k = a->k;
  if (a->y) {
    h->x_zero_point = a->x->zero_point;
    h->y_type = (int32_t)a->y->type;
    h->y_zero_point = a->y->zero_point;
    h->y_qmin = a->y->qmin, h->y_qmax = a->y->qmax;
  }
  const q8_packed_view_t v = q8_view(packed);
  float *scale = (float *)v.scale;
  int32_t *bias = (int32_t *)v.bias;
  for (int64_t o = 0; o < a->c_out; o++) {
    const float ws = a->wq->scales[a->wq->n_scales == 1 ? 0 : o];
    scale[o] = a->y ? qrt_requant_multiplier(a->x->scale, ws, a->y->scale) : ws;
    if (a->y) {
      bias[o] = a->bias_i ? a->bias_i[o] : 0;
    } else {
      const float bf = a->bias_f ? a->bias_f[o] : 0.0f;
      memcpy(&bias[o], &bf, 4);
    }
  }
}

/* Every w - zw fits s8 (the operand of u8 x s8 lanes). */
static int q8_weights_fit_s8(const q8_pack_args_t *a) {
  for (int64_t o = 0; o < a->c_out; o++) {
    const int32_t zw = q8_zw(a->wq, o);
    for (int64_t i = 0; i < a->k; i++) {
      const int32_t d = qrt_q8_load(a->wq->type, a->w, o * a->k + i) - zw;
      if (d < -128 || d > 127) return 0;
    }
  }
  return 1;
}

/* Convolutions take the amx row when their channel groups fill an A tile's
 * conv_kb lane groups (61 input channels per group and more: a function of the
 * shape only). With fewer, a tdpbsud does a fraction of its work and the
 * avx512vnni tile is faster (qrt_bench_q8: 1x1 16->96 @112 0.36 ms on amx
 * tiles of 4 lane groups, 0.26 on avx512vnni; the 7x7 stem 5.5 against 0.9). */
static int q8_conv_row_fits(const q8_variant_t *v, const q8_pack_args_t *a) {
  if (!v->conv_kb) return 1;
  const int64_t cig = a->c_in / (a->groups / q8_merge(a->groups, a->c_in, a->c_out));
  return (cig + v->cpg - 1) / v->cpg >= v->conv_kb;
}

/* The newest variant up to `limit` that can hold these weights; NULL: scalar.
 * A level of this build's architecture (or QRT_ISA_NATIVE) picks among the rows
 * it has tiles for; a level of the other architecture among that one's rows
 * (packing is portable C: qcc packs on x86 for an aarch64 library). */
static const q8_variant_t *q8_choose(const q8_pack_args_t *a, qrt_isa_t limit) {
  const q8_variant_t *best = NULL;
  int fits = -1;
  const int native = limit == QRT_ISA_NATIVE;
  for (int i = 0; i < Q8_N_VARIANTS; i++) {
    const q8_variant_t *v = &kVariants[i];
    if (native ? !q8_has_tiles(v) : v->isa > limit || !q8_same_arch(v->isa, limit)) continue;
    if (a->kind == Q8_KIND_CONV && (v->linear_only || !q8_conv_row_fits(v, a))) continue;
    if (v->cpg == 4) {
      if (fits < 0) fits = q8_weights_fit_s8(a);
      if (!fits) continue; /* byte lanes: weights past s8 use an int16 variant */
    }
    best = v;
  }
  return best;
}

static void q8_pack_vector(const q8_variant_t *v, const q8_pack_args_t *a, void *packed) {
  qrt_q8_pack_common(a, (int32_t)v->isa, packed);
  const q8_vgeom_t g = q8_vgeom(v, a->c_in, a->c_out, a->groups, a->kernel_h, a->kernel_w, a->kind != Q8_KIND_CONV);
  const int64_t kb = v->conv_kb, nb = kb ? (g.ncg + kb - 1) / kb : 0; /* the amx conv layout's blocks */
  const int blocks = a->kind == Q8_KIND_CONV && kb;
  const q8_packed_view_t pv = q8_view(packed);
  int32_t *wsum = (int32_t *)pv.rest;
  uint8_t *panels = (uint8_t *)pv.rest + q8_align64((size_t)a->c_out * 4);
  const qrt_q8_weights_t *wq = a->wq;
  memset(panels, 0, (size_t)g.groups * (size_t)g.panels * g.panel_bytes);
  const int64_t cig = a->c_in / a->groups, cog = a->c_out / a->groups; /* the real groups' */
  for (int64_t grp = 0; grp < g.groups; grp++)
    for (int64_t ol = 0; ol < g.cog; ol++) {
      const int64_t o = grp * g.cog + ol, pi = ol / v->pw, c = ol % v->pw;
      const int64_t ci0 = (ol / cog) * cig; /* o's real group inside the merged one: its input channels */
      const int32_t zw = q8_zw(wq, o);
      uint8_t *panel = panels + (size_t)(grp * g.panels + pi) * g.panel_bytes;
      int64_t sum = 0;
      for (int64_t i = 0; i < cig; i++)
        for (int64_t t = 0; t < g.taps; t++) {
          const int32_t d = qrt_q8_load(wq->type, a->w, (o * cig + i) * g.taps + t) - zw;
          const int64_t ci = ci0 + i, cg = ci / v->cpg, kg = cg * g.taps + t, j = ci % v->cpg;
          uint8_t *lane = panel + (size_t)(kg * v->pw + c) * 4;
          if (blocks) { /* block cg / kb of tap t, row c, column cg - s_b */
            const int64_t b = cg / kb, sb = b * kb < g.ncg - kb ? b * kb : g.ncg - kb;
            lane = panel + (size_t)(((t * nb + b) * v->pw + c) * kb + cg - sb) * 4;
          }
          if (v->cpg == 4) {
            lane[j] = (uint8_t)(int8_t)d;
          } else {
            const int16_t d16 = (int16_t)d;
            memcpy(lane + 2 * j, &d16, 2);
          }
          sum += d;
        }
      wsum[o] = (int32_t)sum; /* |sum| <= 255 * k: the bound makes it fit */
      if (a->y && v->cpg == 4) {
        /* lanes hold x - zx + zl: subtract zl * sum_k (w - zw), modulo 2^32 */
        const int64_t zl = q8_lane_xoff(v->cpg, v->xflip, a->x_type, a->x->zero_point).zflip;
        int32_t *bias = (int32_t *)pv.bias;
        bias[o] = (int32_t)((uint32_t)bias[o] - (uint32_t)(zl * sum));
      }
    }
}

/* qrt_q8_set_pack_isa's level; QRT_ISA_NATIVE: qrt_active_isa(). */
static volatile qrt_isa_t q8_pack_isa = QRT_ISA_NATIVE;

qrt_isa_t qrt_q8_set_pack_isa(qrt_isa_t isa) {
  const qrt_isa_t old = q8_pack_isa;
  q8_pack_isa = isa;
  return old;
}

/* The level the pack functions without `_isa` pack for. */
static qrt_isa_t q8_pack_level(void) { return q8_pack_isa == QRT_ISA_NATIVE ? qrt_active_isa() : q8_pack_isa; }

static qrt_status_t q8_pack(const q8_pack_args_t *a, qrt_isa_t limit, void *packed, size_t packed_size) {
  qrt_status_t s = q8_pack_check(a, packed, packed_size);
  if (s != QRT_OK) return s;
  if (a->kind == Q8_KIND_CONV && qrt_q8_dw_applies(a->groups, a->c_in, a->c_out)) {
    qrt_q8_dw_pack(a, limit, packed); /* depthwise: its own layout and kernels */
    return QRT_OK;
  }
  const q8_variant_t *v = q8_choose(a, limit);
  if (v) q8_pack_vector(v, a, packed);
  else qrt_q8_pack__scalar(a, packed);
  return QRT_OK;
}

/* The CPU's level for the packed rows. A library built with the dot product
 * extension as its baseline (qcc's --target=aarch64-dotprod compiles every
 * file with +dotprod) runs the dotprod row without asking the CPU, as any code
 * built for a baseline does: on a CPU without it that is SIGILL, not
 * QRT_UNSUPPORTED (docs/aarch64.md). */
static qrt_isa_t q8_cpu_isa(void) {
  const qrt_isa_t cpu = qrt_cpu_isa();
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
  if (cpu < QRT_ISA_DOTPROD) return QRT_ISA_DOTPROD;
#endif
  return cpu;
}

/* The packed buffer's kind, and its variant runnable on this CPU. */
static qrt_status_t q8_check_packed(const void *packed, int kind, const q8_variant_t **out) {
  *out = NULL;
  if (!packed || !aligned8(packed)) return QRT_INVALID_ARGUMENT;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  if (h->magic != Q8_PACKED_MAGIC || h->kind != kind) return QRT_INVALID_ARGUMENT;
  if (h->variant == QRT_ISA_SCALAR) return QRT_OK;
  const q8_variant_t *v = q8_variant_of(h->variant);
  /* Linear weights packed for amx where the tiles are not usable (a CPU
   * without AMX, or Linux refused the tile state): the avx512vnni tile runs
   * the same layout (convolutions packed for amx have their own layout:
   * QRT_UNSUPPORTED) */
  if (v && v->isa == QRT_ISA_AMX && kind != Q8_KIND_CONV && q8_cpu_isa() < v->isa &&
      q8_cpu_isa() >= QRT_ISA_AVX512VNNI && kAmxSmallM.gemm_mn)
    v = &kAmxSmallM;
  else if (!v || q8_cpu_isa() < v->isa) return QRT_UNSUPPORTED;
  *out = v;
  return QRT_OK;
}

/* ---- the requantization loop every target has --------------------------------------- */

void qrt_q8_requant_run(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult, int64_t ps,
                        const q8_out_t *o, uint8_t *y) {
  for (int64_t i = 0; i < n; i++) {
    const int32_t a = (int32_t)((uint32_t)acc[i] + (uint32_t)bias[i * ps]);
    y[i] = (uint8_t)qrt_requantize_scalar(a, mult[i * ps], o->zero_point, o->qmin, o->qmax);
  }
}

/* ---- convolution ---------------------------------------------------------------------- */

typedef struct {
  int64_t OH, OW, Hph, Wph, L, n_phase;
  int64_t ncg, taps;
  size_t cg_stride; /* bytes */
} q8_planes_t;

/* cig: input channels per (merged) group */
static q8_planes_t q8_planes_geom(const q8_variant_t *v, const qrt_conv2d_params_t *p, int64_t cig, int64_t h,
                                  int64_t w, int64_t OH, int64_t OW) {
  q8_planes_t g;
  const int64_t Hp = h + p->pad_top + p->pad_bottom, Wp = w + p->pad_left + p->pad_right;
  g.OH = OH, g.OW = OW;
  g.Hph = (Hp + p->stride_h - 1) / p->stride_h;
  g.Wph = (Wp + p->stride_w - 1) / p->stride_w;
  g.L = (g.Hph + 1) * g.Wph + v->np;
  g.n_phase = p->stride_h * p->stride_w;
  g.ncg = (cig + v->cpg - 1) / v->cpg;
  g.taps = p->kernel_h * p->kernel_w;
  g.cg_stride = q8_align64((size_t)(g.n_phase * g.L) * 4);
  return g;
}

/* Scratch of variant v: planes, the tap table, one accumulator tile, alignment. */
static size_t q8_conv_scratch_v(const q8_variant_t *v, const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                int64_t w, int64_t c_out) {
  int64_t OH, OW;
  if (qrt_conv2d_output_size(p, h, w, &OH, &OW) != QRT_OK) return 0;
  const int64_t groups = p->groups / q8_merge(p->groups, c_in, c_out);
  const q8_planes_t g = q8_planes_geom(v, p, c_in / groups, h, w, OH, OW);
  return (size_t)g.ncg * g.cg_stride + q8_align64((size_t)g.taps * 8) + (size_t)(v->mc * v->np) * 4 + v->np +
         (size_t)g.n_phase + 64 * 3;
}

/* The variant's lanes4 builds rows of this stride. */
static int q8_lanes4_ok(const q8_variant_t *v, int64_t sw) { return v->cpg == 4 && v->lanes4 && sw <= 2; }

/* The portable lane loops below are a row's hot path only for the int16-lane
 * rows (avx2, neon: no lanes4). A model's build whose plan keeps byte-lane
 * rows only (qrt_plan.h; avx512vnni, amx and dotprod have a lanes4 for strides
 * 1 and 2) keeps one plain byte-lane loop, for strides past 2: GCC's -O3
 * vectorizes and unrolls the others into about 6 KB that such a model never
 * runs (docs/codegen.md, "Sizes"). */
#define Q8_PORTABLE_LANES (QRT_PLAN_Q8_ROW(QRT_ISA_AVX2_FMA) || QRT_PLAN_Q8_ROW(QRT_ISA_NEON))
static int q8_cpg(const q8_variant_t *v) { return Q8_PORTABLE_LANES ? v->cpg : 4; }

/* That loop: byte lanes of 4 channels (src[j][c*sw], NULL rows hold pad),
 * columns [c0, c1); out of line and optimized for size (strides past 2 only). */
static __attribute__((noinline, cold)) void q8_lane_row_bytes(const uint8_t *const *src, int64_t sw, int64_t c0,
                                                              int64_t c1, q8_xoff_t xo, int pad, uint8_t *drow) {
  for (int64_t c = c0; c < c1; c++)
    for (int j = 0; j < 4; j++) drow[4 * c + j] = src[j] ? src[j][c * sw] ^ xo.flip : (uint8_t)pad;
}

/* One row of lanes, columns [c0, c1): channel j of lane c is src[j][c*sw],
 * as u = b ^ flip (cpg 4) or the int16 (b ^ flip) - zflip (cpg 2); channels
 * past nch hold pad. With byte lanes at stride 1 or 2: the variant's lanes4 when
 * it has one; otherwise (every channel present) one 32-bit store per lane (GCC
 * vectorizes the stride-1 case). */
static void q8_lane_row(const q8_variant_t *v, const uint8_t *const *src, int64_t sw, int64_t nch, int pad,
                        int64_t c0, int64_t c1, q8_xoff_t xo, uint8_t *drow) {
  const int cpg = q8_cpg(v);
  if (q8_lanes4_ok(v, sw)) {
    const uint8_t *s[4] = {NULL, NULL, NULL, NULL};
    for (int64_t j = 0; j < nch; j++) s[j] = src[j] + c0 * sw;
    v->lanes4(c1 - c0, s, sw, (int)nch, xo.flip, (uint8_t)pad, drow + 4 * c0);
    return;
  }
  if (cpg == 4) {
    if (!Q8_PORTABLE_LANES) {
      q8_lane_row_bytes(src, sw, c0, c1, xo, pad, drow);
      return;
    }
    const uint32_t f = 0x01010101u * xo.flip;
    const uint8_t *s0 = src[0], *s1 = src[1], *s2 = src[2], *s3 = src[3];
    if (sw == 1) { /* the same loop with a constant stride, which GCC vectorizes */
      for (int64_t c = c0; c < c1; c++) {
        const uint32_t v = ((uint32_t)s0[c] | (uint32_t)s1[c] << 8 | (uint32_t)s2[c] << 16 | (uint32_t)s3[c] << 24) ^ f;
        memcpy(drow + 4 * c, &v, 4);
      }
      return;
    }
    for (int64_t c = c0; c < c1; c++) {
      const uint32_t v = ((uint32_t)s0[c * sw] | (uint32_t)s1[c * sw] << 8 | (uint32_t)s2[c * sw] << 16 |
                          (uint32_t)s3[c * sw] << 24) ^ f;
      memcpy(drow + 4 * c, &v, 4);
    }
  } else {
    const uint8_t *s0 = src[0], *s1 = src[1];
    if (sw == 1) {
      for (int64_t c = c0; c < c1; c++) {
        const uint32_t lo = (uint16_t)((int32_t)(s0[c] ^ xo.flip) - xo.zflip);
        const uint32_t hi = (uint16_t)((int32_t)(s1[c] ^ xo.flip) - xo.zflip);
        const uint32_t v = lo | hi << 16;
        memcpy(drow + 4 * c, &v, 4);
      }
      return;
    }
    for (int64_t c = c0; c < c1; c++) {
      const uint32_t lo = (uint16_t)((int32_t)(s0[c * sw] ^ xo.flip) - xo.zflip);
      const uint32_t hi = (uint16_t)((int32_t)(s1[c * sw] ^ xo.flip) - xo.zflip);
      const uint32_t v = lo | hi << 16;
      memcpy(drow + 4 * c, &v, 4);
    }
  }
}

/* Columns [c0, c1) of a row of lanes from a blocked (NCHW4C) input row s:
 * lane c is the 4 bytes at s + 4 * c * sw, each ^ flip. */
static __attribute__((noinline)) void q8_lane_row_blocked(const uint8_t *s, int64_t sw, int64_t c0, int64_t c1, uint8_t flip, uint8_t *drow) {
  if (sw == 1 && !flip) {
    memcpy(drow + 4 * c0, s + 4 * c0, (size_t)(c1 - c0) * 4);
    return;
  }
  const uint32_t f = 0x01010101u * flip;
  for (int64_t c = c0; c < c1; c++) {
    uint32_t v;
    memcpy(&v, s + 4 * c * sw, 4);
    v ^= f;
    memcpy(drow + 4 * c, &v, 4);
  }
}

/* The lanes of one group's planes (the phases marked in `used`), lane groups
 * [cg0, cg1). xg is the group's input: NCHW, or NCHW4C when blocked (byte lanes,
 * cig a multiple of 4: lane group cg is xg's group cg as it is, ^ flip). */
static void q8_fill_planes(const q8_variant_t *v, const q8_planes_t *g, const qrt_conv2d_params_t *p,
                           const uint8_t *xg, int blocked, int64_t cig, int64_t h, int64_t w, q8_xoff_t xo,
                           const uint8_t *used, int64_t cg0, int64_t cg1, uint8_t *planes) {
  const int64_t sh = p->stride_h, sw = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  /* padding: the lane value of x = zx in every byte (q8_lane_xoff), or x - zx = 0; so are the
   * missing channels of the last lane group */
  const int cpg = q8_cpg(v);
  const int pad = cpg == 4 ? xo.zflip : 0;
  for (int64_t cg = cg0; cg < cg1; cg++)
    for (int64_t ph = 0; ph < g->n_phase; ph++) {
      if (!used[ph]) continue;
      const int64_t py = ph / sw, px = ph % sw;
      uint8_t *d = planes + cg * g->cg_stride + (size_t)(ph * g->L) * 4;
      /* columns c with 0 <= c*sw + px - pl < w */
      const int64_t c0 = pl > px ? (pl - px + sw - 1) / sw : 0;
      int64_t c1 = w - 1 + pl - px < 0 ? 0 : (w - 1 + pl - px) / sw + 1;
      if (c1 > g->Wph) c1 = g->Wph;
      const int64_t nch = cig - cg * cpg < cpg ? cig - cg * cpg : cpg;
      const uint8_t *xb = xg + cg * 4 * h * w; /* blocked: lane group cg */
      memset(d + (size_t)(g->Hph * g->Wph) * 4, pad, (size_t)(g->L - g->Hph * g->Wph) * 4); /* the tail */
      if (sh == 1 && sw == 1 && pl == 0 && p->pad_right == 0 && (blocked || nch == cpg || q8_lanes4_ok(v, 1)) &&
          h > 0 && w > 0) {
        /* no column padding (Wph = w): the input rows are one run of lanes, rows pt .. pt + h - 1
         * (every pointwise convolution) */
        memset(d, pad, (size_t)(pt * w) * 4);
        memset(d + (size_t)((pt + h) * w) * 4, pad, (size_t)((g->Hph - pt - h) * w) * 4);
        if (blocked) {
          q8_lane_row_blocked(xb, 1, 0, h * w, xo.flip, d + (size_t)(pt * w) * 4);
          continue;
        }
        const uint8_t *src[4];
        for (int64_t j = 0; j < nch; j++) src[j] = xg + (cg * cpg + j) * h * w;
        q8_lane_row(v, src, 1, nch, pad, 0, h * w, xo, d + (size_t)(pt * w) * 4);
        continue;
      }
      for (int64_t r = 0; r < g->Hph; r++) {
        const int64_t iy = r * sh + py - pt;
        uint8_t *drow = d + (size_t)(r * g->Wph) * 4;
        if (iy < 0 || iy >= h || c0 >= c1) {
          memset(drow, pad, (size_t)g->Wph * 4);
          continue;
        }
        memset(drow, pad, (size_t)c0 * 4); /* left and right padding; the middle is written below */
        memset(drow + c1 * 4, pad, (size_t)(g->Wph - c1) * 4);
        if (blocked) { /* lane c reads input column c * sw + px - pl */
          q8_lane_row_blocked(xb + (iy * w + px - pl) * 4, sw, c0, c1, xo.flip, drow);
          continue;
        }
        const uint8_t *src[4];
        for (int64_t j = 0; j < cpg; j++) /* column c at src[j][c*sw]; missing channels read padding */
          src[j] = j < nch ? xg + ((cg * cpg + j) * h + iy) * w + px - pl : NULL;
        if (nch == cpg || q8_lanes4_ok(v, sw)) {
          q8_lane_row(v, src, sw, nch, pad, c0, c1, xo, drow);
          continue;
        }
        if (!Q8_PORTABLE_LANES) {
          q8_lane_row_bytes(src, sw, c0, c1, xo, pad, drow);
          continue;
        }
        memset(drow + c0 * 4, pad, (size_t)(c1 - c0) * 4); /* the missing channels */
        for (int64_t j = 0; j < nch; j++)
          for (int64_t c = c0; c < c1; c++) {
            if (cpg == 4) {
              drow[4 * c + j] = src[j][c * sw] ^ xo.flip;
            } else {
              const int16_t val = (int16_t)((int32_t)(src[j][c * sw] ^ xo.flip) - xo.zflip);
              memcpy(drow + 4 * c + 2 * j, &val, 2);
            }
          }
      }
    }
}

/* What every tile of one (image, merged group) of a convolution reads: set up
 * by q8_conv_setup, then read-only while the tiles run. */
typedef struct {
  const q8_variant_t *v;
  const qrt_conv2d_params_t *p;
  q8_vgeom_t vg;
  q8_planes_t g;
  q8_packed_view_t pv;
  q8_xoff_t xo;
  q8_out_t out;
  const uint8_t *panels, *x;
  uint8_t *planes, *used, *y;
  int64_t *tap_off;
  int64_t c_in, c_out, h, w, OW, Q, OHW;
  int64_t b, grp; /* the image and merged group the tiles are for */
  int all_finite, all_lt1; /* of every multiplier (pv.scale): conv_rq for every tile; and its mult_lt1 */
  int xblk, yblk;          /* x, y in NCHW4C (qrt_layout_t); both only for byte-lane rows, one group */
  /* threads (q8_conv2d_vector_mt): runs of tiles x groups of panels, runs of lane groups
   * the planes are filled in; a pointwise convolution's worker planes (or NULL), each
   * worker_bytes, and the position its run's lanes start at (q8_conv_pointwise_task) */
  int64_t tiles, n_runs, n_pg, n_fill;
  uint8_t *worker_planes;
  size_t worker_bytes;
  int64_t q_base;
} q8_conv_job_t;

/* Scratch layout, the tap table and the phases the taps read. Once per call:
 * cold, so GCC keeps it small (the runtime a CNN uses stays under 64 KB). */
static __attribute__((cold)) void q8_conv_setup(q8_conv_job_t *j, const q8_variant_t *v,
                                                const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                                const void *x, int64_t c_out, const void *packed, void *y,
                                                void *scratch) {
  int64_t OH, OW;
  qrt_conv2d_output_size(p, h, w, &OH, &OW);
  j->v = v, j->p = p;
  j->pv = q8_view(packed);
  j->vg = q8_vgeom(v, c_in, c_out, p->groups, p->kernel_h, p->kernel_w, 0);
  j->g = q8_planes_geom(v, p, j->vg.cig, h, w, OH, OW);
  j->panels = (const uint8_t *)j->pv.rest + q8_align64((size_t)c_out * 4);
  j->planes = (uint8_t *)align_up64(scratch);
  j->tap_off = (int64_t *)(j->planes + (size_t)j->g.ncg * j->g.cg_stride);
  j->used = (uint8_t *)align_up64(j->tap_off + j->g.taps) + (size_t)(v->mc * v->np) * 4 + v->np;
  j->x = (const uint8_t *)x, j->y = (uint8_t *)y;
  j->c_in = c_in, j->c_out = c_out, j->h = h, j->w = w, j->OW = OW;
  j->Q = OH * j->g.Wph, j->OHW = OH * OW;
  memset(j->used, 0, (size_t)j->g.n_phase);
  for (int64_t ky = 0; ky < p->kernel_h; ky++)
    for (int64_t kx = 0; kx < p->kernel_w; kx++) {
      const int64_t dy = ky * p->dilation_h, dx = kx * p->dilation_w;
      const int64_t ph = (dy % p->stride_h) * p->stride_w + dx % p->stride_w;
      j->used[ph] = 1;
      j->tap_off[ky * p->kernel_w + kx] = (ph * j->g.L + dy / p->stride_h * j->g.Wph + dx / p->stride_w) * 4;
    }
  j->xo = q8_lane_xoff(v->cpg, v->xflip, (qrt_dtype_t)j->pv.h->x_type, j->pv.h->x_zero_point);
  j->out = (q8_out_t){j->pv.h->y_zero_point, j->pv.h->y_qmin, j->pv.h->y_qmax};
  j->all_finite = 1, j->all_lt1 = 1;
  j->worker_planes = NULL, j->worker_bytes = 0, j->q_base = 0;
  for (int64_t o = 0; o < c_out; o++) {
    const float m = fabsf(j->pv.scale[o]);
    j->all_finite &= m <= 3.40282347e38f, j->all_lt1 &= m < 1.0f;
  }
}

/* Lane groups [cg0, cg1) of the planes of image j->b, merged group j->grp. */
static void q8_conv_fill(const q8_conv_job_t *j, int64_t cg0, int64_t cg1) {
  const int64_t cig = j->vg.cig;
  /* a blocked image or group starts where the NCHW one does (c_in and cig multiples of 4) */
  q8_fill_planes(j->v, &j->g, j->p, j->x + (j->b * j->c_in + j->grp * cig) * j->h * j->w, j->xblk, cig, j->h, j->w,
                 j->xo, j->used, cg0, cg1, j->planes);
}

/* Output positions [q0, q0 + np) times panels [p0, p1) of image j->b, merged
 * group j->grp, requantized into y; acc (mc x np int32, 64-byte aligned) and
 * ybuf (np bytes) are the caller's. Not inlined: one copy serves the three
 * drivers (about 2 KB of text each). */
static __attribute__((noinline, noclone)) void q8_conv_positions(const q8_conv_job_t *j, int64_t q0, int64_t p0, int64_t p1,
                                                         int32_t *acc, uint8_t *ybuf) {
  const q8_variant_t *v = j->v;
  const q8_planes_t *g = &j->g;
  const q8_packed_view_t *pv = &j->pv;
  const int64_t cog = j->vg.cog, OW = j->OW, OHW = j->OHW, grp = j->grp, b = j->b, c_out = j->c_out;
  const int64_t qend = q0 + v->np < j->Q ? q0 + v->np : j->Q;
  /* conv_rq: the tile's runs of output columns (see q8_conv_rq_t) */
  int64_t seg[3 * Q8_CONV_MAX_SEGS], n_seg = 0;
  for (int64_t q = q0, oy = q0 / g->Wph, ox = q0 % g->Wph; v->conv_rq && q < qend;) {
    if (ox >= OW) { q += g->Wph - ox, oy++, ox = 0; continue; }
    const int64_t run = OW - ox < qend - q ? OW - ox : qend - q;
    if (n_seg > 0 && seg[3 * n_seg - 2] == q - q0 && /* contiguous in lanes and output (Wph == OW) */
        seg[3 * n_seg - 1] + (seg[3 * n_seg - 2] - seg[3 * n_seg - 3]) == oy * OW + ox) {
      seg[3 * n_seg - 2] += run;
    } else {
      seg[3 * n_seg] = q - q0, seg[3 * n_seg + 1] = q - q0 + run, seg[3 * n_seg + 2] = oy * OW + ox;
      n_seg++;
    }
    q += run, ox += run;
  }
  const int64_t panel_stride = (int64_t)j->vg.panel_bytes;
  /* y + (b * c_out + o) * OHW is channel o's row (NCHW) or, o a multiple of 4, its lane group (NCHW4C) */
  if (v->conv_rq && j->all_finite) { /* every channel of the panels in one call */
    const int64_t o0 = grp * cog + p0 * v->pw, nc = (p1 * v->pw < cog ? p1 * v->pw : cog) - p0 * v->pw;
    const q8_conv_rq_t rq = {&pv->bias[o0], &pv->scale[o0], &j->out, nc, OHW, qend - q0, n_seg, j->all_lt1,
                             panel_stride, seg, j->y + (b * c_out + o0) * OHW, j->yblk};
    v->conv_rq(g->ncg, (int64_t)g->cg_stride, g->taps, j->tap_off, j->planes + (q0 - j->q_base) * 4,
               j->panels + (size_t)(grp * j->vg.panels + p0) * j->vg.panel_bytes, &rq);
    return;
  }
  for (int64_t pi = p0; pi < p1; pi++) {
    const uint8_t *panel = j->panels + (size_t)(grp * j->vg.panels + pi) * j->vg.panel_bytes;
    for (int64_t ol0 = pi * v->pw; ol0 < (pi + 1) * v->pw && ol0 < cog; ol0 += v->mc) {
      const int64_t o0 = grp * cog + ol0, nc = cog - ol0 < v->mc ? cog - ol0 : v->mc;
      /* some multiplier not finite: requantized in the tile when these nc are */
      int fuse = v->conv_rq != NULL, lt1 = 1;
      for (int64_t c = 0; fuse && c < nc; c++) {
        const float m = fabsf(pv->scale[o0 + c]);
        fuse = m <= 3.40282347e38f, lt1 &= m < 1.0f;
      }
      if (fuse) {
        const q8_conv_rq_t rq = {&pv->bias[o0], &pv->scale[o0], &j->out, nc, OHW, qend - q0, n_seg, lt1,
                                 panel_stride, seg, j->y + (b * c_out + o0) * OHW, j->yblk};
        v->conv_rq(g->ncg, (int64_t)g->cg_stride, g->taps, j->tap_off, j->planes + (q0 - j->q_base) * 4,
                   panel + (ol0 - pi * v->pw) * 4, &rq);
        continue;
      }
      v->conv_tile(g->ncg, (int64_t)g->cg_stride, g->taps, j->tap_off, j->planes + (q0 - j->q_base) * 4,
                   panel + (ol0 - pi * v->pw) * 4, acc);
      for (int64_t c = 0; c < v->mc && ol0 + c < cog; c++) {
        const int64_t o = grp * cog + ol0 + c;
        uint8_t *yo = j->y + (b * c_out + o) * OHW;
        if (j->yblk) { /* blocked: byte o % 4 of the lanes of o's group */
          uint8_t *yl = j->y + (b * c_out + o / 4 * 4) * OHW + o % 4;
          v->requant(v->np, acc + c * v->np, &pv->bias[o], &pv->scale[o], 0, &j->out, ybuf);
          for (int64_t q = q0; q < qend; q++) {
            const int64_t oy = q / g->Wph, ox = q % g->Wph;
            if (ox < OW) yl[4 * (oy * OW + ox)] = ybuf[q - q0];
          }
          continue;
        }
        if (g->Wph == OW) { /* no columns past the output: the tile is one run */
          v->requant(qend - q0, acc + c * v->np, &pv->bias[o], &pv->scale[o], 0, &j->out, yo + q0);
          continue;
        }
        /* the whole tile at once, then the runs of output columns */
        v->requant(v->np, acc + c * v->np, &pv->bias[o], &pv->scale[o], 0, &j->out, ybuf);
        for (int64_t q = q0; q < qend;) {
          const int64_t oy = q / g->Wph, ox = q % g->Wph;
          if (ox >= OW) { q += g->Wph - ox; continue; }
          const int64_t run = OW - ox < qend - q ? OW - ox : qend - q;
          memcpy(yo + oy * OW + ox, ybuf + (q - q0), (size_t)run);
          q += run;
        }
      }
    }
  }
}

static qrt_status_t q8_conv2d_vector(const q8_variant_t *v, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                     int64_t h, int64_t w, const void *x, int xblk, int64_t c_out,
                                     const void *packed, void *y, int yblk, void *scratch, size_t scratch_size) {
  const size_t need = q8_conv_scratch_v(v, p, c_in, h, w, c_out);
  if (!scratch || scratch_size < need) return scratch ? QRT_BUFFER_TOO_SMALL : QRT_INVALID_ARGUMENT;
  q8_conv_job_t j;
  q8_conv_setup(&j, v, p, c_in, h, w, x, c_out, packed, y, scratch);
  j.xblk = xblk, j.yblk = yblk;
  int32_t *acc = (int32_t *)align_up64(j.tap_off + j.g.taps);
  uint8_t *ybuf = (uint8_t *)(acc + v->mc * v->np); /* one channel's tile, requantized */
  for (j.b = 0; j.b < n; j.b++)
    for (j.grp = 0; j.grp < j.vg.groups; j.grp++) {
      q8_conv_fill(&j, 0, j.g.ncg);
      for (int64_t q0 = 0; q0 < j.Q; q0 += v->np) q8_conv_positions(&j, q0, 0, j.vg.panels, acc, ybuf);
    }
  if (v->done) v->done();
  return QRT_OK;
}

/* ---- threads: the same tiles, handed out by a pool ------------------------------------ */

/* Bound on a variant's conv accumulator tile (mc x np): a task keeps its own on the stack. */
enum { Q8_TILE_MAX = 1024 };

static int q8_tiles_fit(const q8_variant_t *v) { return v->mc * v->np <= Q8_TILE_MAX && v->np <= 256; }

/* Task t of n_fill: a run of the lane groups. */
static void q8_conv_fill_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const q8_conv_job_t *j = (const q8_conv_job_t *)arg;
  q8_conv_fill(j, t * j->g.ncg / j->n_fill, (t + 1) * j->g.ncg / j->n_fill);
}

/* Run r of the tiles: [r * tiles / n_runs, (r + 1) * tiles / n_runs); group g
 * of the panels likewise. */
static int64_t q8_run_start(const q8_conv_job_t *j, int64_t r) { return r * j->tiles / j->n_runs; }
static int64_t q8_pg_start(const q8_conv_job_t *j, int64_t g) { return g * j->vg.panels / j->n_pg; }

/* Task t: run t / n_pg of the tiles times group t % n_pg of the panels. */
static void q8_conv_block_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const q8_conv_job_t *j = (const q8_conv_job_t *)arg;
  _Alignas(64) int32_t acc[Q8_TILE_MAX];
  uint8_t ybuf[256];
  const int64_t r = t / j->n_pg, p0 = q8_pg_start(j, t % j->n_pg), p1 = q8_pg_start(j, t % j->n_pg + 1);
  for (int64_t k = q8_run_start(j, r); k < q8_run_start(j, r + 1); k++)
    q8_conv_positions(j, k * j->v->np, p0, p1, acc, ybuf);
  if (j->v->done) j->v->done(); /* the next task may run on another thread */
}

/* A pointwise convolution (1x1, stride 1, no padding) whose lanes q8_lane_row or
 * the blocked copy builds: lane position q of every plane is input position q,
 * so a run of positions can fill its own lanes (the same bytes q8_fill_planes
 * writes) and no thread reads lanes another one wrote. */
static int q8_conv_pointwise(const q8_conv_job_t *j) {
  const qrt_conv2d_params_t *p = j->p;
  return p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
         p->pad_left == 0 && p->pad_bottom == 0 && p->pad_right == 0 && j->h > 0 && j->w > 0 &&
         (j->xblk || j->vg.cig % j->v->cpg == 0 || q8_lanes4_ok(j->v, 1));
}

/* Lanes [q0, q1) of every lane group's plane of a pointwise convolution; lanes
 * past the input (the last tile's) hold the pad value, as q8_fill_planes' tail. */
static void q8_conv_fill_positions(const q8_conv_job_t *j, int64_t q0, int64_t q1) {
  const q8_variant_t *v = j->v;
  const int64_t cig = j->vg.cig, hw = j->h * j->w, qe = q1 < hw ? q1 : hw;
  const uint8_t *xg = j->x + (j->b * j->c_in + j->grp * cig) * hw;
  const int pad = v->cpg == 4 ? j->xo.zflip : 0;
  for (int64_t cg = 0; cg < j->g.ncg; cg++) {
    uint8_t *d = j->planes + cg * j->g.cg_stride - j->q_base * 4; /* lane q at d + 4 q */
    if (q1 > qe) memset(d + 4 * qe, pad, (size_t)(q1 - qe) * 4);
    if (q0 >= qe) continue;
    if (j->xblk) {
      q8_lane_row_blocked(xg + cg * 4 * hw, 1, q0, qe, j->xo.flip, d);
      continue;
    }
    const int64_t nch = cig - cg * v->cpg < v->cpg ? cig - cg * v->cpg : v->cpg;
    const uint8_t *src[4];
    for (int64_t c = 0; c < nch; c++) src[c] = xg + (cg * v->cpg + c) * hw;
    q8_lane_row(v, src, 1, nch, pad, q0, qe, j->xo, d);
  }
}

/* The lanes of a pointwise convolution's run of at most `tiles` tiles, every
 * lane group: one worker's planes (q8_conv_pointwise_task). */
static size_t q8_pointwise_worker_bytes(const q8_variant_t *v, int64_t ncg, int64_t tiles) {
  return (size_t)ncg * q8_align64((size_t)(tiles * v->np) * 4);
}

/* Run r of a pointwise convolution: its lanes (in the worker's own planes
 * when the scratch has them), then its tiles. Own planes matter: with one
 * shared buffer the workers' runs interleave in every lane group's plane, and
 * two threads of mobilenet_v2's 1x1 192->32 @28 took 0.025 ms against 0.016
 * ms with their own (qrt_bench_q8, amx). */
static void q8_conv_pointwise_task(void *arg, int64_t r, int worker) {
  const q8_conv_job_t *j = (const q8_conv_job_t *)arg;
  _Alignas(64) int32_t acc[Q8_TILE_MAX];
  uint8_t ybuf[256];
  const int64_t np = j->v->np, t0 = q8_run_start(j, r), t1 = q8_run_start(j, r + 1);
  q8_conv_job_t own;
  if (j->worker_planes) {
    own = *j;
    own.planes = j->worker_planes + (size_t)worker * j->worker_bytes;
    own.g.cg_stride = q8_align64((size_t)((t1 - t0) * np) * 4);
    own.q_base = t0 * np;
    j = &own;
  }
  q8_conv_fill_positions(j, t0 * np, t1 * np);
  for (int64_t t = t0; t < t1; t++) q8_conv_positions(j, t * np, 0, j->vg.panels, acc, ybuf);
  if (j->v->done) j->v->done();
}

/* Runs of tiles per worker (q8_conv2d_vector_mt): one contiguous run each
 * keeps a thread on the same outputs layer after layer (qrt_pool_run's
 * shares) and calls the fill and the AMX tile configuration once. */
enum { Q8_RUNS_PER_WORKER = 1 };

/* A convolution's tasks split the output channels (groups of panels) instead
 * of the positions when the weights outweigh the planes and the input has
 * few channels (the expansions of mobilenet_v2's 14x14 and 7x7 blocks): each
 * thread then reads half the weights. */
static int q8_split_panels(const q8_conv_job_t *j) {
  return j->vg.cog >= j->Q && 2 * j->vg.cig <= j->vg.cog && j->vg.panels > 1;
}

/* Per-worker bytes a pointwise convolution's own planes take on `threads`
 * workers (0 when it is not pointwise or splits its panels). */
static __attribute__((noinline, cold)) size_t q8_conv_worker_scratch(const q8_variant_t *v, const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                     int64_t w, int64_t c_out, int threads) {
  int64_t OH, OW;
  if (threads < 2 || qrt_conv2d_output_size(p, h, w, &OH, &OW) != QRT_OK) return 0;
  q8_conv_job_t j; /* the geometry the driver decides by */
  j.v = v, j.p = p, j.h = h, j.w = w, j.xblk = 1;
  j.vg = q8_vgeom(v, c_in, c_out, p->groups, p->kernel_h, p->kernel_w, 0);
  j.g = q8_planes_geom(v, p, j.vg.cig, h, w, OH, OW);
  j.Q = OH * j.g.Wph;
  if (!q8_conv_pointwise(&j) || q8_split_panels(&j)) return 0;
  const int64_t tiles = (j.Q + v->np - 1) / v->np, runs = (int64_t)threads * Q8_RUNS_PER_WORKER;
  return q8_pointwise_worker_bytes(v, j.g.ncg, (tiles + runs - 1) / runs);
}

static qrt_status_t q8_conv2d_vector_mt(qrt_pool_t *pool, const q8_variant_t *v, const qrt_conv2d_params_t *p,
                                        int64_t n, int64_t c_in, int64_t h, int64_t w, const void *x, int xblk,
                                        int64_t c_out, const void *packed, void *y, int yblk, void *scratch,
                                        size_t scratch_size) {
  const size_t need = q8_conv_scratch_v(v, p, c_in, h, w, c_out);
  if (!scratch || scratch_size < need) return scratch ? QRT_BUFFER_TOO_SMALL : QRT_INVALID_ARGUMENT;
  q8_conv_job_t j;
  q8_conv_setup(&j, v, p, c_in, h, w, x, c_out, packed, y, scratch);
  j.xblk = xblk, j.yblk = yblk;
  const int threads = qrt_pool_threads(pool);
  const int64_t want = (int64_t)threads * Q8_RUNS_PER_WORKER;
  j.tiles = (j.Q + v->np - 1) / v->np;
  if (q8_split_panels(&j)) {
    j.n_runs = 1, j.n_pg = j.vg.panels < want ? j.vg.panels : want;
  } else {
    j.n_runs = j.tiles < want ? j.tiles : want, j.n_pg = 1;
  }
  j.n_fill = j.g.ncg < threads ? j.g.ncg : threads;
  const int pointwise = q8_conv_pointwise(&j) && j.n_pg == 1;
  /* the workers' own planes, when the scratch was sized for this many threads */
  const size_t wb = q8_conv_worker_scratch(v, p, c_in, h, w, c_out, threads);
  if (pointwise && wb && scratch_size >= need + 64 + (size_t)threads * wb)
    j.worker_planes = (uint8_t *)align_up64((uint8_t *)scratch + need), j.worker_bytes = wb;
  for (j.b = 0; j.b < n; j.b++)
    for (j.grp = 0; j.grp < j.vg.groups; j.grp++) {
      if (pointwise) {
        qrt_pool_run(pool, j.n_runs, q8_conv_pointwise_task, &j);
        continue;
      }
      qrt_pool_run(pool, j.n_fill, q8_conv_fill_task, &j);
      qrt_pool_run(pool, j.n_runs * j.n_pg, q8_conv_block_task, &j);
    }
  return QRT_OK;
}

size_t qrt_q8_conv2d_packed_weights_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out) {
  if (!qrt_q8_conv_shape_ok(p, c_in, c_out)) return 0;
  return q8_packed_size(c_in, c_out, p->groups, p->kernel_h, p->kernel_w, 0);
}

static qrt_status_t q8_conv2d_pack(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out,
                                   const qrt_q8_act_t *x, const qrt_q8_weights_t *wq, const void *w,
                                   const int32_t *bias, const qrt_q8_output_t *y, qrt_isa_t limit, void *packed,
                                   size_t packed_size) {
  if (qrt_q8_conv2d_packed_weights_size(p, c_in, c_out) == 0 || !x || !y) return QRT_INVALID_ARGUMENT;
  const q8_pack_args_t a = {Q8_KIND_CONV, c_in, c_out, p->groups, p->kernel_h, p->kernel_w,
                            c_in / p->groups * p->kernel_h * p->kernel_w,
                            x->type, x, wq, w, bias, NULL, y};
  return q8_pack(&a, limit, packed, packed_size);
}

qrt_status_t qrt_q8_conv2d_pack_weights(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out,
                                        const qrt_q8_act_t *x, const qrt_q8_weights_t *wq,
                                        const void *w, const int32_t *bias, const qrt_q8_output_t *y,
                                        void *packed, size_t packed_size) {
  return q8_conv2d_pack(p, c_in, c_out, x, wq, w, bias, y, q8_pack_level(), packed, packed_size);
}

qrt_status_t qrt_q8_conv2d_pack_weights_isa(qrt_isa_t isa, const qrt_conv2d_params_t *p, int64_t c_in,
                                            int64_t c_out, const qrt_q8_act_t *x, const qrt_q8_weights_t *wq,
                                            const void *w, const int32_t *bias, const qrt_q8_output_t *y,
                                            void *packed, size_t packed_size) {
  return q8_conv2d_pack(p, c_in, c_out, x, wq, w, bias, y, isa, packed, packed_size);
}

size_t qrt_q8_conv2d_scratch_size_mt(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                     int64_t c_out, int threads) {
  if (!qrt_q8_conv_shape_ok(p, c_in, c_out)) return 0;
  size_t need = 0; /* the scalar variant reads x in place */
  for (int i = 0; i < Q8_N_VARIANTS; i++) {
    const size_t s = q8_conv_scratch_v(&kVariants[i], p, c_in, h, w, c_out);
    if (s > need) need = s;
  }
  if (p->groups > 1 && c_in == p->groups && c_out == p->groups) { /* depthwise: per worker (q8_dwconv.c) */
    const size_t s = qrt_q8_dw_scratch_size(p, h, w, threads);
    if (s > need) need = s;
  }
  for (int i = 0; i < Q8_N_VARIANTS && threads > 1; i++) { /* pointwise: the workers' own planes too */
    const size_t wb = q8_conv_worker_scratch(&kVariants[i], p, c_in, h, w, c_out, threads);
    const size_t s = q8_conv_scratch_v(&kVariants[i], p, c_in, h, w, c_out) + 64 + (size_t)threads * wb;
    if (wb && s > need) need = s;
  }
  return need;
}

size_t qrt_q8_conv2d_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                  int64_t c_out) {
  return qrt_q8_conv2d_scratch_size_mt(p, c_in, h, w, c_out, 1);
}

int qrt_q8_conv2d_layout_supported(const void *packed, qrt_layout_t x_layout, qrt_layout_t y_layout) {
  if ((x_layout != QRT_LAYOUT_NCHW && x_layout != QRT_LAYOUT_NCHW4C) ||
      (y_layout != QRT_LAYOUT_NCHW && y_layout != QRT_LAYOUT_NCHW4C))
    return 0;
  if (x_layout == QRT_LAYOUT_NCHW && y_layout == QRT_LAYOUT_NCHW) return 1;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  if (!packed || !aligned8(packed) || h->magic != Q8_PACKED_MAGIC || h->kind != Q8_KIND_CONV || h->groups != 1)
    return 0;
  if ((x_layout == QRT_LAYOUT_NCHW4C && h->c_in % 4) || (y_layout == QRT_LAYOUT_NCHW4C && h->c_out % 4)) return 0;
  /* the row's geometry, in every build; the amx conv tile stores NCHW only */
  for (int i = 0; i < Q8_N_VARIANTS; i++)
    if ((int32_t)kVariants[i].isa == h->variant)
      return kVariants[i].cpg == 4 && !kVariants[i].linear_only && kVariants[i].isa != QRT_ISA_AMX;
  return 0;
}

static qrt_status_t q8_conv2d_packed_run(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                         int64_t h, int64_t w, const void *x, qrt_layout_t xl, int64_t c_out,
                                         const void *packed, void *y, qrt_layout_t yl, void *scratch,
                                         size_t scratch_size) {
  int64_t OH, OW;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (!qrt_q8_conv_shape_ok(p, c_in, c_out) || n < 0) return QRT_INVALID_ARGUMENT;
  const q8_variant_t *v = NULL;
  const q8_packed_header_t *hd = (const q8_packed_header_t *)packed;
  const int dw = packed && aligned8(packed) && hd->magic == Q8_PACKED_MAGIC && hd->kind == Q8_KIND_DWCONV;
  if (!dw && (s = q8_check_packed(packed, Q8_KIND_CONV, &v)) != QRT_OK) return s;
  if (hd->c_in != c_in || hd->c_out != c_out || hd->groups != p->groups || hd->kernel_h != p->kernel_h ||
      hd->kernel_w != p->kernel_w)
    return QRT_INVALID_ARGUMENT;
  if (!qrt_q8_conv2d_layout_supported(packed, xl, yl)) return QRT_UNSUPPORTED;
  if (n * OH * OW == 0) return QRT_OK;
  /* h or w may be 0 when padding alone makes the output: then x is not read */
  if ((!x && h * w > 0) || !y) return QRT_INVALID_ARGUMENT;
  if (dw) return QRT_PLAN_Q8_DWCONV ? qrt_q8_dw_run(pool, p, n, c_in, h, w, x, packed, y, scratch, scratch_size)
                                    : QRT_UNSUPPORTED; /* not in this model's plan (qrt_plan.h) */
  if (!v) {
    if (!QRT_PLAN_Q8_SCALAR) return QRT_UNSUPPORTED;
    qrt_q8_conv2d__scalar(p, n, c_in, h, w, x, c_out, packed, y);
    return QRT_OK;
  }
  if (!v->conv_tile) return QRT_UNSUPPORTED; /* the amx conv tiles, not in this model's plan (qrt_plan.h) */
  const int xb = xl == QRT_LAYOUT_NCHW4C, yb = yl == QRT_LAYOUT_NCHW4C;
  if (qrt_pool_threads(pool) > 1 && q8_tiles_fit(v))
    return q8_conv2d_vector_mt(pool, v, p, n, c_in, h, w, x, xb, c_out, packed, y, yb, scratch, scratch_size);
  return q8_conv2d_vector(v, p, n, c_in, h, w, x, xb, c_out, packed, y, yb, scratch, scratch_size);
}

qrt_status_t qrt_q8_conv2d_packed(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                  int64_t w, const void *x, int64_t c_out, const void *packed, void *y,
                                  void *scratch, size_t scratch_size) {
  return q8_conv2d_packed_run(NULL, p, n, c_in, h, w, x, QRT_LAYOUT_NCHW, c_out, packed, y, QRT_LAYOUT_NCHW, scratch,
                              scratch_size);
}

qrt_status_t qrt_q8_conv2d_packed_mt(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                     int64_t h, int64_t w, const void *x, int64_t c_out, const void *packed,
                                     void *y, void *scratch, size_t scratch_size) {
  return q8_conv2d_packed_run(pool, p, n, c_in, h, w, x, QRT_LAYOUT_NCHW, c_out, packed, y, QRT_LAYOUT_NCHW, scratch,
                              scratch_size);
}

qrt_status_t qrt_q8_conv2d_packed_layout_mt(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                            int64_t h, int64_t w, const void *x, qrt_layout_t x_layout,
                                            int64_t c_out, const void *packed, void *y, qrt_layout_t y_layout,
                                            void *scratch, size_t scratch_size) {
  return q8_conv2d_packed_run(pool, p, n, c_in, h, w, x, x_layout, c_out, packed, y, y_layout, scratch, scratch_size);
}

/* NCHW <-> NCHW4C: byte (b, ch, i) of NCHW is byte ((b * c/4 + ch/4) * hw + i) * 4 + ch % 4. */
static qrt_status_t q8_nchw4c(int64_t n, int64_t c, int64_t hw, const uint8_t *x, uint8_t *y, int to) {
  if (n < 0 || c < 0 || hw < 0 || c % 4 || (n * c * hw > 0 && (!x || !y))) return QRT_INVALID_ARGUMENT;
  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t i = 0; i < hw; i++) {
        const int64_t a = (b * c + ch) * hw + i, bl = (b * c + ch / 4 * 4) * hw + 4 * i + ch % 4;
        if (to) y[bl] = x[a];
        else y[a] = x[bl];
      }
  return QRT_OK;
}

qrt_status_t qrt_q8_to_nchw4c(int64_t n, int64_t c, int64_t hw, const void *x, void *y) {
  return q8_nchw4c(n, c, hw, (const uint8_t *)x, (uint8_t *)y, 1);
}

qrt_status_t qrt_q8_from_nchw4c(int64_t n, int64_t c, int64_t hw, const void *x, void *y) {
  return q8_nchw4c(n, c, hw, (const uint8_t *)x, (uint8_t *)y, 0);
}

size_t qrt_q8_conv2d_unpacked_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                           int64_t w, int64_t c_out) {
  const size_t pw = q8_align64(qrt_q8_conv2d_packed_weights_size(p, c_in, c_out));
  return pw ? pw + qrt_q8_conv2d_scratch_size(p, c_in, h, w, c_out) : 0;
}

qrt_status_t qrt_q8_conv2d(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h, int64_t w,
                           const qrt_q8_act_t *xq, const void *x, int64_t c_out,
                           const qrt_q8_weights_t *wq, const void *weights, const int32_t *bias,
                           const qrt_q8_output_t *yq, void *y, void *scratch, size_t scratch_size) {
  int64_t OH, OW;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  const size_t pw = q8_align64(qrt_q8_conv2d_packed_weights_size(p, c_in, c_out));
  if (pw == 0 || !scratch) return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_q8_conv2d_unpacked_scratch_size(p, c_in, h, w, c_out)) return QRT_BUFFER_TOO_SMALL;
  if ((s = qrt_q8_conv2d_pack_weights(p, c_in, c_out, xq, wq, weights, bias, yq, scratch, pw)) != QRT_OK)
    return s;
  return qrt_q8_conv2d_packed(p, n, c_in, h, w, x, c_out, scratch, y, (char *)scratch + pw,
                              scratch_size - pw);
}

/* ---- Linear ---------------------------------------------------------------------------- */

/* Cache blocking of Linear: rows in blocks of at most Q8_GEMM_ROWS whose lanes
 * take at most Q8_GEMM_LANE_BYTES (made once per block, then read from L2);
 * for gemm_mn variants, K in blocks of Q8_GEMM_KC lane groups, so the nv
 * panels' block of weights (16 KB for 4 x 16 channels) stays in L1 while
 * every row tile of the block passes over it; the accumulators of the row
 * block wait in scratch between K blocks. */
enum { Q8_GEMM_LANE_BYTES = 256 << 10, Q8_GEMM_ROWS = 96, Q8_GEMM_KC = 64 };
/* Outputs larger than this (twice the 2 MB L2 of the machines measured) do not
 * stay in cache for the next layer: tiles that write whole lines may store
 * them past the caches (q8_gemm_rq_t.stream; docs/int8-kernels.md). */
enum { Q8_GEMM_STREAM_BYTES = 4 << 20 };

/* Rows per block: a multiple of mr, at most m rounded up to mr. */
static int64_t q8_gemm_rows_per_block(const q8_variant_t *v, int64_t m, int64_t kg) {
  int64_t mb = Q8_GEMM_LANE_BYTES / (kg * 4);
  if (mb > Q8_GEMM_ROWS) mb = Q8_GEMM_ROWS;
  mb -= mb % v->mr;
  if (mb < v->mr) mb = v->mr;
  const int64_t mr_up = (m + v->mr - 1) / v->mr * v->mr;
  return mb < mr_up ? mb : mr_up;
}

/* Lanes of a row block, then its accumulators. */
static size_t q8_gemm_scratch_v(const q8_variant_t *v, int64_t m, int64_t k) {
  const int64_t kg = q8_pad_kg(v, (k + v->cpg - 1) / v->cpg), nv = v->gemm_mn ? v->gemm_nv : 1;
  const int64_t mb = q8_gemm_rows_per_block(v, m < 1 ? 1 : m, kg);
  return (size_t)(mb * kg) * 4 + (size_t)(mb * nv * v->pw) * 4 + 64 * 2;
}

/* `rows` rows of x as lanes, then zero rows up to a multiple of mr; the K tail
 * zero. Row r's zero point is zp[r * zstride] (the dynamic Linear's per row). */
static void q8_rows_to_lanes(const q8_variant_t *v, int64_t rows, int64_t k, const uint8_t *x, int64_t ldx,
                             qrt_dtype_t xt, const int32_t *zp, int64_t zstride, uint8_t *dst) {
  const int64_t kg = q8_pad_kg(v, (k + v->cpg - 1) / v->cpg), rows_up = (rows + v->mr - 1) / v->mr * v->mr;
  memset(dst + (size_t)(rows * kg) * 4, 0, (size_t)((rows_up - rows) * kg) * 4);
  for (int64_t r = 0; r < rows; r++) {
    const uint8_t *src = x + r * ldx;
    uint8_t *d = dst + (size_t)(r * kg) * 4;
    const q8_xoff_t xo = q8_lane_xoff(v->cpg, v->xflip, xt, zp[r * zstride]);
    if (v->cpg == 4) {
      for (int64_t i = 0; i < k; i++) d[i] = src[i] ^ xo.flip;
      memset(d + k, 0, (size_t)(kg * 4 - k));
    } else {
      for (int64_t i = 0; i < k; i++) {
        const int16_t val = (int16_t)((int32_t)(src[i] ^ xo.flip) - xo.zflip);
        memcpy(d + 2 * i, &val, 2);
      }
      memset(d + 2 * k, 0, (size_t)(kg * 4 - 2 * k));
    }
  }
}

size_t qrt_q8_gemm_packed_weights_size(int64_t n, int64_t k) {
  if (n < 1 || k < 1) return 0;
  return q8_packed_size(k, n, 1, 1, 1, 1);
}

qrt_status_t qrt_q8_gemm_pack_weights_isa(qrt_isa_t isa, int64_t n, int64_t k, const qrt_q8_act_t *x,
                                          const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                                          const qrt_q8_output_t *y, void *packed, size_t packed_size) {
  if (!x || !y || n < 1 || k < 1) return QRT_INVALID_ARGUMENT;
  const q8_pack_args_t a = {Q8_KIND_GEMM, k, n, 1, 1, 1, k, x->type, x, wq, w, bias, NULL, y};
  return q8_pack(&a, isa, packed, packed_size);
}

qrt_status_t qrt_q8_gemm_pack_weights(int64_t n, int64_t k, const qrt_q8_act_t *x,
                                      const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                                      const qrt_q8_output_t *y, void *packed, size_t packed_size) {
  return qrt_q8_gemm_pack_weights_isa(q8_pack_level(), n, k, x, wq, w, bias, y, packed, packed_size);
}

static int q8_static_packed(const void *packed, int64_t n) {
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  return packed && h->magic == Q8_PACKED_MAGIC &&
         (h->kind == Q8_KIND_CONV || h->kind == Q8_KIND_DWCONV || h->kind == Q8_KIND_GEMM) && h->c_out == n;
}

qrt_status_t qrt_q8_packed_multipliers(const void *packed, float *m, int64_t n) {
  if (!m || !q8_static_packed(packed, n)) return QRT_INVALID_ARGUMENT;
  memcpy(m, q8_view(packed).scale, (size_t)n * sizeof(float));
  return QRT_OK;
}

qrt_status_t qrt_q8_packed_set_multipliers(void *packed, const float *m, int64_t n) {
  if (!m || !q8_static_packed(packed, n)) return QRT_INVALID_ARGUMENT;
  for (int64_t o = 0; o < n; o++)
    if (!(m[o] > 0.0f)) return QRT_INVALID_ARGUMENT; /* NaN, 0 and negatives */
  memcpy((float *)q8_view(packed).scale, m, (size_t)n * sizeof(float));
  return QRT_OK;
}

_Static_assert((int)QRT_Q8_PACKED_CONV == (int)Q8_KIND_CONV && (int)QRT_Q8_PACKED_GEMM == (int)Q8_KIND_GEMM &&
                   (int)QRT_Q8_PACKED_GEMM_DYNAMIC == (int)Q8_KIND_GEMM_DYNAMIC &&
                   (int)QRT_Q8_PACKED_DWCONV == (int)Q8_KIND_DWCONV,
               "qrt_q8.h's packed kinds are the header's");

qrt_status_t qrt_q8_packed_info(const void *packed, size_t size, qrt_q8_packed_info_t *out) {
  if (!packed || !out || !aligned8(packed) || size < 128) return QRT_INVALID_ARGUMENT;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  if (h->magic != Q8_PACKED_MAGIC || h->kind < Q8_KIND_CONV || h->kind > Q8_KIND_DWCONV || h->c_out < 1 || h->k < 1 ||
      h->groups < 1 || h->kernel_h < 1 || h->kernel_w < 1 || h->c_in < 1)
    return QRT_INVALID_ARGUMENT;
  size_t used = 0;
  if (h->kind == Q8_KIND_DWCONV) {
    used = qrt_q8_dw_packed_size(h->c_out, h->kernel_h, h->kernel_w);
  } else if (h->variant == QRT_ISA_SCALAR) {
    used = qrt_q8_packed_size__scalar(h->c_out, h->k);
  } else {
    for (int i = 0; i < Q8_N_VARIANTS; i++)
      if ((int32_t)kVariants[i].isa == h->variant)
        used = q8_vgeom(&kVariants[i], h->c_in, h->c_out, h->groups, h->kernel_h, h->kernel_w,
                        h->kind != Q8_KIND_CONV).size;
  }
  if (used == 0 || used > size) return QRT_INVALID_ARGUMENT;
  const qrt_q8_packed_info_t r = {h->kind, (qrt_isa_t)h->variant, (qrt_dtype_t)h->x_type, (qrt_dtype_t)h->w_type,
                                  (qrt_dtype_t)h->y_type, h->x_zero_point, h->y_zero_point, h->y_qmin, h->y_qmax,
                                  h->c_in, h->c_out, h->groups, h->kernel_h, h->kernel_w, h->k, used};
  *out = r;
  return QRT_OK;
}

qrt_status_t qrt_q8_gemm_pack_weights_dynamic(int64_t n, int64_t k, qrt_dtype_t x_type,
                                              const qrt_q8_weights_t *wq, const void *w,
                                              const float *bias, void *packed, size_t packed_size) {
  if (n < 1 || k < 1) return QRT_INVALID_ARGUMENT;
  const q8_pack_args_t a = {Q8_KIND_GEMM_DYNAMIC, k, n, 1, 1, 1, k, x_type, NULL, wq, w, NULL, bias, NULL};
  return q8_pack(&a, q8_pack_level(), packed, packed_size);
}

size_t qrt_q8_gemm_scratch_size(int64_t m, int64_t n, int64_t k) {
  (void)n;
  size_t need = 0; /* the scalar variant reads x in place */
  if (k < 1) return 0;
  for (int i = 0; i < Q8_N_VARIANTS; i++) {
    const size_t s = q8_gemm_scratch_v(&kVariants[i], m, k);
    if (s > need) need = s;
  }
  const size_t s = q8_gemm_scratch_v(&kAmxSmallM, m, k);
  return s > need ? s : need;
}

/* Everything the tiles of one Linear call read, and the row block being computed. */
typedef struct {
  const q8_variant_t *v;
  q8_packed_view_t pv;
  q8_vgeom_t vg;
  const uint8_t *panels;
  const int32_t *wsum;
  const uint8_t *x;
  const float *x_scales;       /* dynamic, else NULL */
  const int32_t *x_zero_points;
  int64_t x_ps;                /* 0: one (scale, zero point), 1: per row */
  uint8_t *y;                  /* static output, or NULL */
  float *yf;                   /* dynamic output, or NULL */
  int64_t m, n, k, ldx, ldy;
  int direct;                  /* the lanes are x itself */
  int64_t ldl, mb, kc, nv_max; /* nv_max: panels per call */
  int64_t acc_nv;              /* panels per row of the accumulators (gemm_nv; nv_max may be nv_k1) */
  qrt_dtype_t xt;
  q8_out_t out;
  uint8_t *lane_buf;
  int64_t r0, rb;              /* the row block: rows r0 .. r0 + rb */
  const uint8_t *lanes;        /* its lanes */
  int64_t chunk, n_chunks;     /* threads: row tiles per task, in rows, and tasks per panel group */
  int all_finite;              /* static: every multiplier is finite (checked once per call) */
  int stream;                  /* static output past Q8_GEMM_STREAM_BYTES (q8_gemm_rq_t.stream) */
} q8_gemm_job_t;

/* Static (yq != NULL: requantized bytes to y) or dynamic (float to yf). */
static qrt_status_t q8_gemm_setup(q8_gemm_job_t *j, const q8_variant_t *v, int64_t m, int64_t n, int64_t k,
                                  const uint8_t *x, int64_t ldx, const float *x_scales, const int32_t *x_zero_points,
                                  int64_t x_params_stride, const void *packed, uint8_t *y, float *yf, int64_t ldy,
                                  void *scratch, size_t scratch_size) {
  if (!scratch || scratch_size < q8_gemm_scratch_v(v, m, k)) return scratch ? QRT_BUFFER_TOO_SMALL : QRT_INVALID_ARGUMENT;
  memset(j, 0, sizeof *j);
  j->v = v;
  j->pv = q8_view(packed);
  j->vg = q8_vgeom(v, k, n, 1, 1, 1, 1);
  j->panels = (const uint8_t *)j->pv.rest + q8_align64((size_t)n * 4);
  j->wsum = (const int32_t *)j->pv.rest;
  j->x = x, j->x_scales = x_scales, j->x_zero_points = x_zero_points, j->x_ps = x_params_stride;
  j->y = y, j->yf = yf, j->m = m, j->n = n, j->k = k, j->ldx = ldx, j->ldy = ldy;
  j->xt = (qrt_dtype_t)j->pv.h->x_type;
  /* u8 x with whole lane groups: the rows are lanes already (u = x), read in place
   * (gemm_mn reads only the rows it is given) */
  j->direct = v->gemm_mn && v->cpg == 4 && !v->xflip && j->xt == QRT_DTYPE_U8 && k % 4 == 0 && k / 4 == j->vg.kg;
  j->nv_max = j->acc_nv = v->gemm_mn ? v->gemm_nv : 1;
  j->ldl = j->direct ? ldx : j->vg.kg * 4;
  j->mb = q8_gemm_rows_per_block(v, m, j->vg.kg);
  j->kc = !v->gemm_mn ? j->vg.kg : v->kc ? v->kc : Q8_GEMM_KC;
  j->lane_buf = (uint8_t *)align_up64(scratch);
  const q8_out_t out = {j->pv.h->y_zero_point, j->pv.h->y_qmin, j->pv.h->y_qmax};
  j->out = out;
  j->all_finite = 1;
  for (int64_t c = 0; y && c < n; c++) j->all_finite &= fabsf(j->pv.scale[c]) <= 3.40282347e38f;
  /* one K step, every call requantized from the tile: nv_k1 panels per call */
  if (v->nv_k1 && y && j->all_finite && j->vg.kg == v->kga && j->kc >= j->vg.kg) j->nv_max = v->nv_k1;
  j->stream = m * ldy > Q8_GEMM_STREAM_BYTES;
  return QRT_OK;
}

/* Rows [c0, c0 + rows) of the row block (c0 a multiple of mr) as lanes. */
static void q8_gemm_fill(const q8_gemm_job_t *j, int64_t c0, int64_t rows) {
  const int64_t r = j->r0 + c0;
  q8_rows_to_lanes(j->v, rows, j->k, j->x + r * j->ldx, j->ldx, j->xt,
                   j->yf ? j->x_zero_points + r * j->x_ps : &j->pv.h->x_zero_point, j->yf ? j->x_ps : 0,
                   j->lane_buf + (size_t)(c0 * j->vg.kg) * 4);
}

/* The row block's lanes (j->r0, j->rb set): made in scratch, or x itself. */
static void q8_gemm_block(q8_gemm_job_t *j) {
  j->lanes = j->direct ? j->x + j->r0 * j->ldx : j->lane_buf;
  if (!j->direct) q8_gemm_fill(j, 0, j->rb);
}

/* Panels [pi, pi + nv_max) times rows [t0a, t1) of the row block (t0a a
 * multiple of mr), with the accumulators of those rows in acc
 * ((t1 - t0a) * nv_max * pw int32). Loops: K blocks, row tiles of mr. The
 * outputs do not depend on how a call's rows and panels are split: every sum is
 * exact (mod 2^32, and the final value fits int32) and every epilogue works
 * element by element. */
static void q8_gemm_tiles(const q8_gemm_job_t *j, int64_t pi, int64_t t0a, int64_t t1, int32_t *acc) {
  const q8_variant_t *v = j->v;
  const q8_packed_view_t *pv = &j->pv;
  const int64_t nv = j->vg.panels - pi < j->nv_max ? j->vg.panels - pi : j->nv_max, o0 = pi * v->pw;
  const int64_t nt = j->n - o0 < nv * v->pw ? j->n - o0 : nv * v->pw;
  const uint8_t *w = j->panels + (size_t)pi * j->vg.panel_bytes;
  /* static, every multiplier finite: the tile requantizes from its registers */
  int fuse = !j->yf && v->gemm_mn;
  for (int64_t c = 0; fuse && !j->all_finite && c < nt; c++) fuse = fabsf(pv->scale[o0 + c]) <= 3.40282347e38f;
  for (int64_t k0 = 0; k0 < j->vg.kg; k0 += j->kc) {
    const int64_t kn = j->vg.kg - k0 < j->kc ? j->vg.kg - k0 : j->kc;
    const int last = k0 + kn == j->vg.kg;
    for (int64_t t0 = t0a; t0 < t1; t0 += v->mr) {
      const int64_t mt = t1 - t0 < v->mr ? t1 - t0 : v->mr, row0 = j->r0 + t0;
      int32_t *at = acc + (t0 - t0a) * j->acc_nv * v->pw;
      const q8_gemm_rq_t rq = {nt, j->ldy, &pv->bias[o0], &pv->scale[o0], &j->out,
                               fuse ? j->y + row0 * j->ldy + o0 : NULL, j->stream};
      if (v->gemm_mn)
        v->gemm_mn(mt, nv, kn, j->lanes + t0 * j->ldl + k0 * 4, j->ldl, w + k0 * v->pw * 4,
                   (int64_t)j->vg.panel_bytes, k0 > 0, at, last && fuse ? &rq : NULL);
      else v->gemm_tile(j->vg.kg, j->lanes + t0 * j->ldl, j->ldl, w, at); /* nv is 1, one K block; rows past mt are 0 */
      if (!last || fuse) continue;
      for (int64_t r = 0; r < mt; r++) {
        const int64_t row = row0 + r;
        const int32_t *ar = at + r * nv * v->pw;
        if (!j->yf) {
          v->requant(nt, ar, &pv->bias[o0], &pv->scale[o0], 1, &j->out, j->y + row * j->ldy + o0);
          continue;
        }
        /* dynamic: byte lanes hold x - zx + zl (q8_lane_xoff), the sums carry zl * wsum */
        const uint32_t zu =
            v->cpg == 4 ? (uint32_t)q8_lane_xoff(v->cpg, v->xflip, j->xt, j->x_zero_points[row * j->x_ps]).zflip : 0;
        v->dyn_row(nt, ar, zu, &j->wsum[o0], j->x_scales[row * j->x_ps], &pv->scale[o0], &pv->bias[o0],
                   j->yf + row * j->ldy + o0);
      }
    }
  }
}

/* One thread: row blocks, groups of nv panels, then q8_gemm_tiles over the
 * whole block with the accumulators in scratch. */
static qrt_status_t q8_gemm_vector(const q8_variant_t *v, int64_t m, int64_t n, int64_t k, const uint8_t *x,
                                   int64_t ldx, const float *x_scales, const int32_t *x_zero_points,
                                   int64_t x_params_stride, const void *packed, uint8_t *y, float *yf,
                                   int64_t ldy, void *scratch, size_t scratch_size) {
  q8_gemm_job_t j;
  const qrt_status_t s = q8_gemm_setup(&j, v, m, n, k, x, ldx, x_scales, x_zero_points, x_params_stride, packed, y,
                                       yf, ldy, scratch, scratch_size);
  if (s != QRT_OK) return s;
  int32_t *accs = (int32_t *)align_up64(j.lane_buf + (size_t)(j.mb * j.vg.kg * 4));
  for (j.r0 = 0; j.r0 < m; j.r0 += j.mb) {
    j.rb = m - j.r0 < j.mb ? m - j.r0 : j.mb;
    q8_gemm_block(&j);
    for (int64_t pi = 0; pi < j.vg.panels; pi += j.nv_max) q8_gemm_tiles(&j, pi, 0, j.rb, accs);
  }
  if (v->done) v->done();
  return QRT_OK;
}

/* dyn_row of the scalar reference's float steps, in the same order. */
void qrt_q8_dyn_row_run(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                        const float *wscale, const int32_t *bias, float *y) {
  for (int64_t c = 0; c < n; c++) {
    const int32_t a = (int32_t)((uint32_t)acc[c] - zu * (uint32_t)wsum[c]);
    float b;
    memcpy(&b, &bias[c], 4);
    const float scale = xs * wscale[c];
    const float af = (float)a;
    const float prod = af * scale;
    y[c] = prod + b;
  }
}

/* Threads. Per row block: its lanes by tasks of row chunks (unless x is read in place),
 * then tasks of (group of nv panels) x (chunk of row tiles), each with its
 * accumulators on its stack: q8_gemm_tiles on a part of what the one-thread
 * driver gives it whole, so the bytes do not depend on the thread count.
 * The scratch is the one-thread scratch (the lanes are shared, read only). */
enum { Q8_GEMM_TASK_ACC = 2048 }; /* int32 accumulators of one task (8 KB) */

static void q8_gemm_fill_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const q8_gemm_job_t *j = (const q8_gemm_job_t *)arg;
  const int64_t c0 = t * j->chunk;
  q8_gemm_fill(j, c0, j->rb - c0 < j->chunk ? j->rb - c0 : j->chunk);
}

static void q8_gemm_tiles_task(void *arg, int64_t t, int worker) {
  (void)worker;
  const q8_gemm_job_t *j = (const q8_gemm_job_t *)arg;
  _Alignas(64) int32_t acc[Q8_GEMM_TASK_ACC];
  const int64_t pi = t / j->n_chunks * j->nv_max, c0 = t % j->n_chunks * j->chunk;
  q8_gemm_tiles(j, pi, c0, j->rb - c0 < j->chunk ? j->rb : c0 + j->chunk, acc);
  if (j->v->done) j->v->done(); /* tasks of one call may run on other threads next */
}

static qrt_status_t q8_gemm_vector_mt(qrt_pool_t *pool, const q8_variant_t *v, int64_t m, int64_t n, int64_t k,
                                      const uint8_t *x, int64_t ldx, const float *x_scales,
                                      const int32_t *x_zero_points, int64_t x_params_stride, const void *packed,
                                      uint8_t *y, float *yf, int64_t ldy, void *scratch, size_t scratch_size) {
  q8_gemm_job_t j;
  const qrt_status_t s = q8_gemm_setup(&j, v, m, n, k, x, ldx, x_scales, x_zero_points, x_params_stride, packed, y,
                                       yf, ldy, scratch, scratch_size);
  if (s != QRT_OK) return s;
  /* the largest multiple of mr rows whose accumulators fit a task (at least mr:
   * mr * gemm_nv * pw <= 64 * 2 * 16 for every row of the table) */
  int64_t max_rows = Q8_GEMM_TASK_ACC / (j.acc_nv * v->pw);
  max_rows -= max_rows % v->mr;
  const int64_t groups = (j.vg.panels + j.nv_max - 1) / j.nv_max;
  for (j.r0 = 0; j.r0 < m; j.r0 += j.mb) {
    j.rb = m - j.r0 < j.mb ? m - j.r0 : j.mb;
    const int64_t tiles = (j.rb + v->mr - 1) / v->mr, n_chunks = (j.rb + max_rows - 1) / max_rows;
    j.chunk = (tiles + n_chunks - 1) / n_chunks * v->mr; /* chunks of equal size, whole row tiles */
    j.n_chunks = (j.rb + j.chunk - 1) / j.chunk;
    j.lanes = j.direct ? x + j.r0 * ldx : j.lane_buf;
    if (!j.direct) qrt_pool_run(pool, j.n_chunks, q8_gemm_fill_task, &j);
    qrt_pool_run(pool, groups * j.n_chunks, q8_gemm_tiles_task, &j);
  }
  return QRT_OK;
}

/* The row that runs a Linear of m rows packed for row v: a function of the
 * shape only, so the bytes never depend on timing (all rows give the same).
 * The amx row's tiles left out of a model's build (QRT_PLAN_Q8_AMX_GEMM): the
 * avx512vnni tile. */
static const q8_variant_t *q8_gemm_row(const q8_variant_t *v, int64_t m) {
  return v && v->isa == QRT_ISA_AMX && (m < Q8_AMX_MIN_M || !v->gemm_mn) && kAmxSmallM.gemm_mn ? &kAmxSmallM : v;
}

int qrt_q8_gemm_uses_amx(const void *packed, size_t size, int64_t m) {
  qrt_q8_packed_info_t in;
  if (m < 1 || qrt_q8_packed_info(packed, size, &in) != QRT_OK ||
      (in.kind != Q8_KIND_GEMM && in.kind != Q8_KIND_GEMM_DYNAMIC) || in.variant != QRT_ISA_AMX)
    return 0;
  return m >= Q8_AMX_MIN_M;
}

static qrt_status_t q8_gemm_packed_run(qrt_pool_t *pool, int64_t m, int64_t n, int64_t k, const void *x,
                                      int64_t ldx, const void *packed, void *y, int64_t ldy, void *scratch,
                                      size_t scratch_size) {
  const q8_variant_t *v;
  qrt_status_t s = q8_check_packed(packed, Q8_KIND_GEMM, &v);
  if (s != QRT_OK) return s;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  if (m < 0 || h->c_out != n || h->k != k || ldx < k || ldy < n) return QRT_INVALID_ARGUMENT;
  if (m == 0) return QRT_OK;
  if (!x || !y) return QRT_INVALID_ARGUMENT;
  if (!v) {
    if (!QRT_PLAN_Q8_SCALAR) return QRT_UNSUPPORTED;
    qrt_q8_gemm__scalar(m, n, x, ldx, packed, y, ldy);
    return QRT_OK;
  }
  v = q8_gemm_row(v, m);
  if (qrt_pool_threads(pool) > 1)
    return q8_gemm_vector_mt(pool, v, m, n, k, x, ldx, NULL, NULL, 0, packed, y, NULL, ldy, scratch, scratch_size);
  return q8_gemm_vector(v, m, n, k, x, ldx, NULL, NULL, 0, packed, y, NULL, ldy, scratch, scratch_size);
}

qrt_status_t qrt_q8_gemm_packed(int64_t m, int64_t n, int64_t k, const void *x, int64_t ldx,
                                const void *packed, void *y, int64_t ldy, void *scratch,
                                size_t scratch_size) {
  return q8_gemm_packed_run(NULL, m, n, k, x, ldx, packed, y, ldy, scratch, scratch_size);
}

size_t qrt_q8_gemm_unpacked_scratch_size(int64_t m, int64_t n, int64_t k) {
  const size_t pw = q8_align64(qrt_q8_gemm_packed_weights_size(n, k));
  return pw ? pw + qrt_q8_gemm_scratch_size(m, n, k) : 0;
}

qrt_status_t qrt_q8_gemm(int64_t m, int64_t n, int64_t k, const qrt_q8_act_t *xq, const void *x,
                         int64_t ldx, const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                         const qrt_q8_output_t *yq, void *y, int64_t ldy, void *scratch,
                         size_t scratch_size) {
  const size_t pw = q8_align64(qrt_q8_gemm_packed_weights_size(n, k));
  if (pw == 0 || !scratch) return QRT_INVALID_ARGUMENT;
  if (scratch_size < qrt_q8_gemm_unpacked_scratch_size(m, n, k)) return QRT_BUFFER_TOO_SMALL;
  qrt_status_t s = qrt_q8_gemm_pack_weights(n, k, xq, wq, w, bias, yq, scratch, pw);
  if (s != QRT_OK) return s;
  return qrt_q8_gemm_packed(m, n, k, x, ldx, scratch, y, ldy, (char *)scratch + pw, scratch_size - pw);
}

static qrt_status_t q8_gemm_dynamic_packed_run(qrt_pool_t *pool, int64_t m, int64_t n, int64_t k,
                                              const void *x, int64_t ldx, const float *x_scales,
                                              const int32_t *x_zero_points, int64_t x_params_stride,
                                              const void *packed, float *y, int64_t ldy, void *scratch,
                                              size_t scratch_size) {
  const q8_variant_t *v;
  qrt_status_t s = q8_check_packed(packed, Q8_KIND_GEMM_DYNAMIC, &v);
  if (s != QRT_OK) return s;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  if (m < 0 || h->c_out != n || h->k != k || ldx < k || ldy < n || (x_params_stride != 0 && x_params_stride != 1))
    return QRT_INVALID_ARGUMENT;
  if (m == 0) return QRT_OK;
  if (!x || !y || !x_scales || !x_zero_points) return QRT_INVALID_ARGUMENT;
  int32_t lo = 0, hi = 0;
  qrt_q8_type_range((qrt_dtype_t)h->x_type, &lo, &hi);
  for (int64_t r = 0; r < (x_params_stride ? m : 1); r++)
    if (!(x_scales[r] > 0.0f) || isinf(x_scales[r]) || x_zero_points[r] < lo || x_zero_points[r] > hi)
      return QRT_INVALID_ARGUMENT;
  if (!v) {
    if (!QRT_PLAN_Q8_SCALAR) return QRT_UNSUPPORTED;
    qrt_q8_gemm_dynamic__scalar(m, n, x, ldx, x_scales, x_zero_points, x_params_stride, packed, y, ldy);
    return QRT_OK;
  }
  v = q8_gemm_row(v, m);
  if (qrt_pool_threads(pool) > 1)
    return q8_gemm_vector_mt(pool, v, m, n, k, x, ldx, x_scales, x_zero_points, x_params_stride, packed, NULL, y,
                             ldy, scratch, scratch_size);
  return q8_gemm_vector(v, m, n, k, x, ldx, x_scales, x_zero_points, x_params_stride, packed, NULL, y, ldy,
                        scratch, scratch_size);
}

qrt_status_t qrt_q8_gemm_dynamic_packed(int64_t m, int64_t n, int64_t k, const void *x, int64_t ldx,
                                        const float *x_scales, const int32_t *x_zero_points,
                                        int64_t x_params_stride, const void *packed, float *y,
                                        int64_t ldy, void *scratch, size_t scratch_size) {
  return q8_gemm_dynamic_packed_run(NULL, m, n, k, x, ldx, x_scales, x_zero_points, x_params_stride, packed, y, ldy,
                                    scratch, scratch_size);
}

/* ---- threads: Linear -------------------------------------------------------------------- */

qrt_status_t qrt_q8_gemm_packed_mt(qrt_pool_t *pool, int64_t m, int64_t n, int64_t k, const void *x,
                                   int64_t ldx, const void *packed, void *y, int64_t ldy, void *scratch,
                                   size_t scratch_size) {
  return q8_gemm_packed_run(pool, m, n, k, x, ldx, packed, y, ldy, scratch, scratch_size);
}

qrt_status_t qrt_q8_gemm_dynamic_packed_mt(qrt_pool_t *pool, int64_t m, int64_t n, int64_t k, const void *x,
                                           int64_t ldx, const float *x_scales, const int32_t *x_zero_points,
                                           int64_t x_params_stride, const void *packed, float *y, int64_t ldy,
                                           void *scratch, size_t scratch_size) {
  return q8_gemm_dynamic_packed_run(pool, m, n, k, x, ldx, x_scales, x_zero_points, x_params_stride, packed, y, ldy,
                                    scratch, scratch_size);
}

/* ---- the plan: which Linear tiles a call makes (qrt_plan.h) ------------------------- */

/* The (rows, panels) shapes q8_gemm_tiles calls gemm_mn with for m rows: row
 * blocks of q8_gemm_rows_per_block rows, each cut in tiles of mr rows (the
 * last one shorter) against groups of gemm_nv panels (the last one smaller);
 * the threaded driver cuts blocks at multiples of mr, so the same shapes. */
qrt_status_t qrt_q8_gemm_tiles_used(const void *packed, size_t size, int64_t m, uint64_t *out) {
  qrt_q8_packed_info_t in;
  if (!out || m < 0 || qrt_q8_packed_info(packed, size, &in) != QRT_OK ||
      (in.kind != Q8_KIND_GEMM && in.kind != Q8_KIND_GEMM_DYNAMIC))
    return QRT_INVALID_ARGUMENT;
  *out = 0;
  const q8_variant_t *v = NULL;
  for (int i = 0; i < Q8_N_VARIANTS; i++)
    if (kVariants[i].isa == in.variant) v = &kVariants[i];
  v = q8_gemm_row(v, m); /* amx weights and few rows: the avx512vnni tile */
  /* scalar, gemm_tile rows, and tiles of more than 8 rows or panels (amx's),
   * which are not in the plan; amx weights on a CPU that refuses the tile
   * state run the avx512vnni tile with shapes not listed here (qrt_plan.h:
   * its fallback) */
  if (!v || !v->gemm_nv || v->mr > 8 || v->gemm_nv > 8 || m == 0) return QRT_OK;
  const q8_vgeom_t g = q8_vgeom(v, in.k, in.c_out, 1, 1, 1, 1);
  const int64_t mb = q8_gemm_rows_per_block(v, m, g.kg);
  for (int64_t r0 = 0; r0 < m; r0 += mb) {
    const int64_t rb = m - r0 < mb ? m - r0 : mb;
    for (int64_t pi = 0; pi < g.panels; pi += v->gemm_nv) {
      const int64_t nv = g.panels - pi < v->gemm_nv ? g.panels - pi : v->gemm_nv;
      const int64_t first = rb < v->mr ? rb : v->mr, tail = rb > v->mr ? rb % v->mr : 0;
      *out |= 1ull << ((first - 1) * 8 + nv - 1);
      if (tail) *out |= 1ull << ((tail - 1) * 8 + nv - 1);
    }
  }
  return QRT_OK;
}
