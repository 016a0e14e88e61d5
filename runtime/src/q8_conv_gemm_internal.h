/* Private to the int8 convolution and Linear kernels (q8_conv_gemm*.c): the
 * packed weight formats, the microkernel contracts and the variant table.
 *
 * Files: q8_conv_gemm__scalar.c is the reference (never optimized);
 * q8_conv_gemm.c holds the public entry points, packing, and the shared
 * drivers of the vector variants; q8_conv_gemm__<isa>.c hold only tiles. */
#ifndef Q8_CONV_GEMM_INTERNAL_H
#define Q8_CONV_GEMM_INTERNAL_H
#include "qrt/qrt_q8.h"

/* ---- packed weights -----------------------------------------------------------
 * Byte offsets, every section 64-byte aligned:
 *   0                  header (at most 128 bytes)
 *   128                float  scale[c_out]  static: multiplier M[o]; dynamic: w scale[o]
 *   +align64(4*c_out)  int32  bias[c_out]   static: int32 bias (see below); dynamic: float bits
 * then the weights, in the layout of h->variant:
 *  QRT_ISA_SCALAR     int16 w[c_out][k]       w - zw[o] (|w - zw| <= 255); bias as given
 *  a vector variant   int32 wsum[c_out]       sum_k (w - zw[o])
 *                     then panels (below); static bias = bias - zu * wsum (mod 2^32)
 *                     when the variant's lanes hold u = x + 128 (s8) or x (u8)
 * Vector panels: for group g, panel p (output channels p*PW .. p*PW+PW-1 of the
 * group, PW = the variant's pw), KG = ceil(cig / CPG) * kh * kw lane groups,
 * kg = (channel group cg) * kh*kw + tap (ky*kw + kx):
 *   lane[g][p][kg][c] = the CPG values w[o][cg*CPG + j][ky][kx] - zw[o], j < CPG,
 * as 4 bytes: CPG = 4 s8 values (u8 x s8 dot products, vpdpbusd; s8 x s8, sdot)
 * or CPG = 2 int16 values (int16 x int16, vpmaddwd, smlal); channels past cig or
 * cog are 0. The layout depends on CPG and PW only, so rows of one shape share it:
 * avx2 and neon (CPG 2, PW 8), avx512vnni and dotprod (CPG 4, PW 16; their
 * static bias differs by 128 * wsum, see q8_lane_xoff).
 * The amx row's convolutions (conv_kb 16; only ncg >= 16) use AMX A tiles
 * instead: per panel, for each tap t, each block b < NB = ceil(ncg / 16) of 16
 * lane groups starting at channel group s_b = min(16 b, ncg - 16), and each of
 * the PW channels c, the 16 lanes of channel groups s_b .. s_b + 15:
 *   lane at ((t*NB + b)*PW + c)*16 + (cg - s_b) = the lane of (cg, t) above when
 *   cg / 16 == b, else 0 (the last block overlaps the one before when
 *   ncg % 16 != 0: its first lanes are that block's and hold 0),
 * so a block is a tile of 16 rows x 64 bytes; KG = taps * NB * 16. */
#define Q8_PACKED_MAGIC 0x50573851u /* "Q8WP" */
enum { Q8_KIND_CONV = 1, Q8_KIND_GEMM = 2, Q8_KIND_GEMM_DYNAMIC = 3 };

typedef struct {
  uint32_t magic;
  int32_t kind;
  int32_t variant; /* qrt_isa_t of the layout: QRT_ISA_SCALAR or a vector variant's isa */
  int32_t x_type, w_type, y_type;
  int32_t x_zero_point, y_zero_point, y_qmin, y_qmax;
  int64_t c_in, c_out, groups, kernel_h, kernel_w, k;
} q8_packed_header_t;

_Static_assert(sizeof(q8_packed_header_t) <= 128, "q8 packed header must fit in 128 bytes");

static inline size_t q8_align64(size_t v) { return (v + 63) & ~(size_t)63; }

typedef struct {
  const q8_packed_header_t *h;
  const float *scale;
  const int32_t *bias;
  const void *rest; /* scalar: int16 w[c_out][k]; vector: int32 wsum[c_out], then panels */
} q8_packed_view_t;

static inline q8_packed_view_t q8_view(const void *packed) {
  const char *base = (const char *)packed;
  const q8_packed_header_t *h = (const q8_packed_header_t *)packed;
  const size_t sec = q8_align64((size_t)h->c_out * 4);
  q8_packed_view_t v = {h, (const float *)(base + 128), (const int32_t *)(base + 128 + sec),
                        base + 128 + 2 * sec};
  return v;
}

/* x - zx from the stored byte b without a branch on the type: (b ^ flip) - zflip,
 * flip = 0, zflip = zx for u8; flip = 0x80, zflip = zx + 128 for s8 (the s8 value
 * of b is (b ^ 0x80) - 128). u = b ^ flip is the unsigned operand of vpdpbusd. */
typedef struct {
  uint8_t flip;
  int32_t zflip;
} q8_xoff_t;

static inline q8_xoff_t q8_xoff(qrt_dtype_t type, int32_t zero_point) {
  q8_xoff_t r = {type == QRT_DTYPE_I8 ? 0x80 : 0, zero_point + (type == QRT_DTYPE_I8 ? 128 : 0)};
  return r;
}

/* The lanes of a CPG-4 variant hold one byte per activation: u = b ^ flip read
 * as unsigned (xflip 0: vpdpbusd's u8 operand), or u ^ 0x80 = u - 128 read as
 * signed (xflip 0x80: sdot has no u8 x s8 form, so the activations are moved
 * to s8). q8_lane_xoff gives the byte transform (flip ^ xflip) and, in zflip,
 * the lane value of x = zx (zu, or zu - 128): the tile's sums are
 * sum (x - zx)(w - zw) + zflip * sum (w - zw), and the packed bias (or the
 * dynamic driver) subtracts zflip * wsum. Padding lanes hold that value. CPG-2
 * variants hold x - zx itself (q8_xoff unchanged). */
static inline q8_xoff_t q8_lane_xoff(int cpg, uint8_t xflip, qrt_dtype_t type, int32_t zero_point) {
  q8_xoff_t r = q8_xoff(type, zero_point);
  if (cpg == 4 && xflip) r.flip ^= 0x80, r.zflip -= 128;
  return r;
}

/* Everything packing needs (validated by q8_conv_gemm.c before any layout is written). */
typedef struct {
  int kind;
  int64_t c_in, c_out, groups, kernel_h, kernel_w, k; /* k = c_in/groups * kh * kw */
  qrt_dtype_t x_type;
  const qrt_q8_act_t *x;     /* NULL for dynamic */
  const qrt_q8_weights_t *wq;
  const void *w;             /* [c_out][k] */
  const int32_t *bias_i;     /* static, or NULL */
  const float *bias_f;       /* dynamic, or NULL */
  const qrt_q8_output_t *y;  /* NULL for dynamic */
} q8_pack_args_t;

/* Writes the header, scales and bias common to every layout (variant given). */
void qrt_q8_pack_common(const q8_pack_args_t *a, int32_t variant, void *packed);

/* ---- the scalar reference (q8_conv_gemm__scalar.c) --------------------------- */
/* Parameters and channel counts valid, and K = C_in/groups * kh * kw without overflow. */
int qrt_q8_conv_shape_ok(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out);
size_t qrt_q8_packed_size__scalar(int64_t c_out, int64_t k);
void qrt_q8_pack__scalar(const q8_pack_args_t *a, void *packed);
void qrt_q8_conv2d__scalar(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h, int64_t w,
                           const void *x, int64_t c_out, const void *packed, void *y);
void qrt_q8_gemm__scalar(int64_t m, int64_t n, const void *x, int64_t ldx, const void *packed, void *y,
                         int64_t ldy);
void qrt_q8_gemm_dynamic__scalar(int64_t m, int64_t n, const void *x, int64_t ldx, const float *x_scales,
                                 const int32_t *x_zero_points, int64_t x_params_stride,
                                 const void *packed, float *y, int64_t ldy);

/* ---- vector tiles --------------------------------------------------------------
 * A lane is 4 bytes: CPG activation bytes (q8_lane_xoff) against CPG s8 weights
 * (CPG = 4), or CPG int16 activations (x - zx) against int16 weights (CPG = 2);
 * dot(lane x, lane w) is the exact int32 sum of the CPG products. Sums wrap
 * modulo 2^32 (see qrt_q8.h, "Accumulation": the final value fits int32).
 *
 * conv tile (MC output channels x NP output positions):
 *   acc[c*NP + j] = sum over cg < n_cg, t < n_taps of
 *       dot(lane at x + cg*cg_stride + tap_off[t] + 4*j,
 *           lane at w + ((cg*n_taps + t)*PW + c)*4)
 * for c < MC, j < NP (byte offsets; PW the variant's panel width).
 * gemm tile (MR rows x PW channels):
 *   acc[r*PW + c] = sum over kg < n_kg of dot(lane at x + r*ldx + 4*kg, lane at w + (kg*PW + c)*4)
 * gemm_mn tile (mr <= MR rows x nv <= gemm_nv panels, the next panel panel_stride bytes on;
 * nv <= nv_k1 when n_kg == kga, !add and rq, with acc room for gemm_nv panels' rows only):
 *   acc[(r*nv + j)*PW + c] = (add ? acc[(r*nv + j)*PW + c] : 0) + sum over kg < n_kg of
 *       dot(lane at x + r*ldx + 4*kg, lane at w + j*panel_stride + (kg*PW + c)*4)
 *   (only rows r < mr are read; a variant has gemm_tile or gemm_mn); with rq (static
 *   Linear, last K block) acc is not written: y[r*ldy + c] = requant of that sum with
 *   bias[c], mult[c] for c < nt (every mult[c] finite), as `requant` would store it.
 * requant: y[i] = qrt_requantize_scalar(acc[i] + bias[i*ps], mult[i*ps], zp, qmin, qmax) for
 *   i < n (ps 0 or 1; the addition mod 2^32), stored as bytes (u8 or s8 alike).
 * dyn_row: the dynamic Linear's float output of one row, for c < n (n >= 1):
 *   a = acc[c] - zu * wsum[c] (mod 2^32, as int32); s = xs * wscale[c];
 *   y[c] = (float)a * s + b, b = the float whose bits are bias[c]
 *   (each step one IEEE float32 operation rounded to nearest, in this order, no FMA:
 *   the scalar reference's steps, so every variant gives its bits). */
typedef void (*q8_conv_tile_fn)(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                const uint8_t *x, const uint8_t *w, int32_t *acc);
typedef void (*q8_gemm_tile_fn)(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w, int32_t *acc);
typedef struct {
  int32_t zero_point, qmin, qmax;
} q8_out_t;
typedef struct {
  int64_t nt, ldy;
  const int32_t *bias;
  const float *mult;
  const q8_out_t *o;
  uint8_t *y;
  int stream;  /* the output is larger than the caches: a tile may store whole lines
                * past them (non-temporal; `done` orders them before the call returns) */
} q8_gemm_rq_t;
/* conv_rq tile: the conv tile's sums for channels c < nc, plus bias[c], requantized with
 * mult[c] (finite) and stored as bytes: for each segment s < n_seg (lanes
 * [seg[3s], seg[3s+1]) of the first np <= NP, output index seg[3s+2] for the first),
 * y[c*ldy + seg[3s+2] + (j - seg[3s])] = requant of position j. Positions past np
 * may be left uncomputed. nc may exceed MC: channel c's weights are lane c % PW of
 * the panel at w + (c / PW) * panel_stride (bytes). mult_lt1: every |mult[c]| < 1
 * (c < nc), so |(float)acc * mult| < 2^31 and the tile may clamp after the
 * conversion to int32. blocked: y is NCHW4C (qrt_q8.h) and nc a multiple of 4:
 * the byte of channel c, output index i is y[(c / 4) * 4 * ldy + 4 * i + c % 4]
 * (ldy the output's positions per channel), stored as whole 4-byte lanes. */
enum { Q8_CONV_MAX_SEGS = 50 }; /* NP + 2: every lane its own row (runs that meet are merged) */
typedef struct {
  const int32_t *bias;
  const float *mult;
  const q8_out_t *o;
  int64_t nc, ldy, np, n_seg, mult_lt1, panel_stride;
  const int64_t *seg;
  uint8_t *y;
  int64_t blocked;
} q8_conv_rq_t;
typedef void (*q8_conv_rq_fn)(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                              const uint8_t *x, const uint8_t *w, const q8_conv_rq_t *rq);
typedef void (*q8_gemm_mn_fn)(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                              const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                              const q8_gemm_rq_t *rq);
typedef void (*q8_requant_fn)(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult,
                              int64_t ps, const q8_out_t *o, uint8_t *y);
typedef void (*q8_dyn_row_fn)(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                              const float *wscale, const int32_t *bias, float *y);
/* lanes4 (a row of CPG-4 planes): d[4*c + j] = j < nch ? s[j][c*sw] ^ flip : pad for
 * c < n, j < 4; sw is 1 or 2, 1 <= nch <= 4 (the channels past nch are padding); each
 * s[j], j < nch, readable at c*sw for c < n and nowhere else needed; d not overlapping. */
typedef void (*q8_lanes4_fn)(int64_t n, const uint8_t *const *s, int64_t sw, int nch, uint8_t flip, uint8_t pad,
                             uint8_t *d);

/* The shared requantization loop (any target): qrt_requantize_scalar per value. */
void qrt_q8_requant_run(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult, int64_t ps,
                        const q8_out_t *o, uint8_t *y);
/* The shared dyn_row loop (any target, and the vector rows' tails). */
void qrt_q8_dyn_row_run(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                        const float *wscale, const int32_t *bias, float *y);

/* A row of the variant table. The geometry (everything but the functions) of
 * every architecture's rows is in every build, so packing and the size
 * queries can serve another architecture's rows (qcc compiling for aarch64 on
 * x86); the functions are NULL for rows whose tiles this build lacks. */
typedef struct {
  const char *name;
  qrt_isa_t isa;   /* also the `variant` recorded in the packed header */
  int cpg;         /* input channels per lane: 4 (bytes) or 2 (int16) */
  uint8_t xflip;   /* cpg 4: 0 = u8 activation lanes, 0x80 = s8 (q8_lane_xoff) */
  int pw;          /* output channels per weight panel */
  int mc, np;      /* conv tile: channels (pw/mc calls per panel) x positions */
  int mr;          /* gemm tile rows */
  q8_conv_tile_fn conv_tile;
  q8_gemm_tile_fn gemm_tile;
  q8_requant_fn requant;
  int gemm_nv;     /* gemm_mn: panels per call (0: the variant has gemm_tile) */
  q8_gemm_mn_fn gemm_mn;
  q8_conv_rq_fn conv_rq; /* or NULL: conv_tile, then requant */
  q8_dyn_row_fn dyn_row; /* the dynamic Linear's epilogue */
  /* Linear-only rows (0 for the others): */
  int linear_only; /* packs Linear weights only (convolutions take the older rows) */
  int kga;         /* lane groups padded with zero weights to a multiple of kga (0: none) */
  int kc;          /* lane groups per K block (0: Q8_GEMM_KC) */
  void (*done)(void); /* or NULL: called by a thread after its last tile of a call */
  q8_lanes4_fn lanes4;   /* or NULL: the portable loop (q8_lane_row) */
  int conv_kb;     /* convolutions packed as AMX A tiles of up to conv_kb lane groups (above); 0: panels */
  int nv_k1;       /* gemm_mn: panels per call when the call is the only K step (n_kg == kga) of a static
                    * Linear requantized from the tile (rq); its acc still holds gemm_nv panels' rows
                    * (0: gemm_nv) */
} q8_variant_t;

#if defined(__x86_64__) || defined(_M_X64)
void qrt_q8_conv_tile_4x24__avx2(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                 const uint8_t *x, const uint8_t *w, int32_t *acc);
void qrt_q8_gemm_tile_4x24__avx2(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                 const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                 const q8_gemm_rq_t *rq);
void qrt_q8_requant__avx2(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult, int64_t ps,
                          const q8_out_t *o, uint8_t *y);
void qrt_q8_dyn_row__avx2(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                          const float *wscale, const int32_t *bias, float *y);
void qrt_q8_conv_tile_8x48__avx512vnni(int64_t n_cg, int64_t cg_stride, int64_t n_taps,
                                       const int64_t *tap_off, const uint8_t *x, const uint8_t *w,
                                       int32_t *acc);
void qrt_q8_conv_tile_rq_8x48__avx512vnni(int64_t n_cg, int64_t cg_stride, int64_t n_taps,
                                          const int64_t *tap_off, const uint8_t *x, const uint8_t *w,
                                          const q8_conv_rq_t *rq);
void qrt_q8_gemm_tile_6x64__avx512vnni(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                       const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                       const q8_gemm_rq_t *rq);
void qrt_q8_requant__avx512vnni(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult,
                                int64_t ps, const q8_out_t *o, uint8_t *y);
void qrt_q8_dyn_row__avx512vnni(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                                const float *wscale, const int32_t *bias, float *y);
void qrt_q8_requant_tile__avx512vnni(int64_t rows, int64_t nt, const int32_t *acc, int64_t lda,
                                     const int32_t *bias, const float *mult, const q8_out_t *o, uint8_t *y,
                                     int64_t ldy);
/* gemm_mn of the AMX row: n_kg a multiple of 16 (the row's kga), panels of 16
 * channels as the VNNI row's (one panel row of 16 lanes is a tile row); the
 * tiles stay configured between calls of a thread until gemm_done__amx. */
void qrt_q8_gemm_tile_64x32__amx(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                 const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                 const q8_gemm_rq_t *rq);
void qrt_q8_gemm_done__amx(void);
/* conv_tile (16 channels x 32 positions) and conv_rq of the AMX row, on the
 * amx conv layout (above: n_cg channel groups, n_taps taps; the panel width
 * is 16, so w is a panel and mc is 16). */
void qrt_q8_conv_tile_16x32__amx(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                 const uint8_t *x, const uint8_t *w, int32_t *acc);
void qrt_q8_conv_tile_rq_32x32__amx(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                    const uint8_t *x, const uint8_t *w, const q8_conv_rq_t *rq);
void qrt_q8_lanes4__avx512vnni(int64_t n, const uint8_t *const *s, int64_t sw, int nch, uint8_t flip, uint8_t pad,
                               uint8_t *d);
#endif

#if defined(__aarch64__)
void qrt_q8_conv_tile_4x12__neon(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                 const uint8_t *x, const uint8_t *w, int32_t *acc);
void qrt_q8_gemm_tile_4x8__neon(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w, int32_t *acc);
void qrt_q8_requant__neon(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult, int64_t ps,
                          const q8_out_t *o, uint8_t *y);
void qrt_q8_dyn_row__neon(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                          const float *wscale, const int32_t *bias, float *y);
void qrt_q8_lanes4__neon(int64_t n, const uint8_t *const *s, int64_t sw, int nch, uint8_t flip, uint8_t pad,
                         uint8_t *d);
void qrt_q8_conv_tile_8x12__dotprod(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                    const uint8_t *x, const uint8_t *w, int32_t *acc);
void qrt_q8_gemm_tile_4x16__dotprod(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w,
                                    int32_t *acc);
#endif

#endif /* Q8_CONV_GEMM_INTERNAL_H */
