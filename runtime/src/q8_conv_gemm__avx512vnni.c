/* Int8 conv and Linear tiles for AVX-512 VNNI (x86-64-v4 + vpdpbusd); built with
 * -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni. Contracts in
 * q8_conv_gemm_internal.h; the driver is q8_conv_gemm.c.
 *
 * Lanes are 4 u8 activations (u = b ^ flip, i.e. x + 128 for s8) against 4 s8
 * weights (w - zw; packing uses this variant only when every w - zw fits s8).
 * vpdpbusd adds the 4 exact products (|u * w| <= 255 * 128) to an int32 lane
 * without saturation: the sums wrap modulo 2^32, and the packed bias carries
 * -zu * sum(w - zw), so the final int32 equals the reference's exact sum.
 *
 * Requantization, bit for bit qrt_requantize_scalar: (float)acc by vcvtdq2ps
 * and the product by vmulps (both round to nearest even in the default MXCSR
 * mode, as the C conversions and multiplication do); the clamp by vmaxps/vminps
 * to [qmin - zp, qmax - zp] (equal to the reference's comparisons for any
 * non-NaN value; v is NaN only when the multiplier is not finite, and such
 * runs take the scalar path); rounding half to even by vcvtps2dq with an
 * explicit {rn-sae} (the value is already clamped, so in range). */
#include <immintrin.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"
#include "q8_requant_avx512.h"
#include "qrt_plan.h"

static inline __m512i bcast32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

static inline __mmask16 mask_first(int64_t n) {
  return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* The conv tile's requantization when every |mult| < 1 (then |v| < 2^31): NV <= 3
 * vectors of one channel (positions 0 .. 16 NV - 1) to bytes in position order,
 * in one vector. Per vector: vcvtdq2ps, vmulps, vcvtps2dq {rn-sae}; then per pair
 * of vectors vpackssdw, + zp by vpaddsw, vpmaxsw to qmin and vpminsw to qmax, and
 * per 4 vectors one byte pack and one vpermd (the gemm tile's, below). The same
 * values as q8_rq512: rounding is monotone and the bounds are integers, so
 * clamping before or after it is the same; vpackssdw's saturation moves values
 * outside [lo, hi] only further outside, where the clamp maps them as the
 * reference does; the clamped int16 values are in [qmin, qmax], which vpackuswb
 * (qmin >= 0) or vpacksswb (s8 range) keeps as they are. */
typedef struct {
  __m512i zp, qmin, qmax;
  int u8;
} rqp_consts;

static inline rqp_consts rqp_init(const q8_out_t *o) {
  rqp_consts k = {_mm512_set1_epi16((int16_t)o->zero_point), _mm512_set1_epi16((int16_t)o->qmin),
                  _mm512_set1_epi16((int16_t)o->qmax), o->qmin >= 0};
  return k;
}

static inline __m512i rqp_clamp16(const rqp_consts *k, __m512i p) {
  return _mm512_min_epi16(_mm512_max_epi16(_mm512_adds_epi16(p, k->zp), k->qmin), k->qmax);
}

static inline __attribute__((always_inline)) __m512i rq_pack(const rqp_consts *k, const int NV, const __m512i *a,
                                                             __m512 mv) {
  __m512i r[3];
#pragma GCC unroll 3
  for (int j = 0; j < NV; j++)
    r[j] = _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(a[j]), mv),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  /* 128-bit block L of the packed bytes: 4 positions of each vector, [r0, r1, r2, r2] */
  const __m512i p0 = rqp_clamp16(k, _mm512_packs_epi32(r[0], NV > 1 ? r[1] : r[0]));
  const __m512i p1 = NV > 2 ? rqp_clamp16(k, _mm512_packs_epi32(r[2], r[2])) : p0;
  return q8_bytes512(p0, p1, k->u8);
}

/* Bits [lo, hi) of a byte mask, 0 <= lo <= hi <= 64. */
static inline __mmask64 mask_bits(int64_t lo, int64_t hi) {
  const __mmask64 below_hi = hi >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << hi) - 1;
  return below_hi & ~(((__mmask64)1 << lo) - 1);
}

/* 4 byte rows (64 columns each) to lanes: vpunpck{l,h}bw of rows (0, 1) and (2, 3),
 * then vpunpck{l,h}wd of those, leave in 128-bit block L of e[k] the lanes of
 * columns 16L + 4k .. 16L + 4k + 3 (the unpacks work inside blocks); a 4 x 4
 * transpose of the blocks (vshufi32x4) puts columns 16k .. 16k + 15 in o[k]:
 * o[k] byte 4i + j = r[j] byte 16k + i. 24 shuffles per 256 bytes of lanes. */
static inline __attribute__((always_inline)) void interleave4(const __m512i r[4], __m512i o[4]) {
  const __m512i lo01 = _mm512_unpacklo_epi8(r[0], r[1]), hi01 = _mm512_unpackhi_epi8(r[0], r[1]);
  const __m512i lo23 = _mm512_unpacklo_epi8(r[2], r[3]), hi23 = _mm512_unpackhi_epi8(r[2], r[3]);
  const __m512i e0 = _mm512_unpacklo_epi16(lo01, lo23), e1 = _mm512_unpackhi_epi16(lo01, lo23);
  const __m512i e2 = _mm512_unpacklo_epi16(hi01, hi23), e3 = _mm512_unpackhi_epi16(hi01, hi23);
  const __m512i t0 = _mm512_shuffle_i32x4(e0, e1, 0x44), t1 = _mm512_shuffle_i32x4(e0, e1, 0xee);
  const __m512i t2 = _mm512_shuffle_i32x4(e2, e3, 0x44), t3 = _mm512_shuffle_i32x4(e2, e3, 0xee);
  o[0] = _mm512_shuffle_i32x4(t0, t2, 0x88), o[1] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
  o[2] = _mm512_shuffle_i32x4(t1, t3, 0x88), o[3] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
}

/* The sums of 8 channels x 48 positions (NV = 3 vectors of 16): 24 accumulators,
 * added to a. */
static inline __attribute__((always_inline)) void conv_sums(const int NV, __m512i a[8][3], int64_t n_cg,
                                                            int64_t cg_stride, int64_t n_taps,
                                                            const int64_t *tap_off, const uint8_t *x,
                                                            const uint8_t *w) {
  for (int64_t cg = 0; cg < n_cg; cg++) {
    const uint8_t *xc = x + cg * cg_stride;
    for (int64_t t = 0; t < n_taps; t++) {
      const uint8_t *xp = xc + tap_off[t];
      __m512i xv[3];
#pragma GCC unroll 3
      for (int j = 0; j < NV; j++) xv[j] = _mm512_loadu_si512(xp + 64 * j);
#pragma GCC unroll 8
      for (int c = 0; c < 8; c++) {
        const __m512i wb = bcast32(w + 4 * c);
#pragma GCC unroll 3
        for (int j = 0; j < NV; j++) a[c][j] = _mm512_dpbusd_epi32(a[c][j], xv[j], wb);
      }
      w += 16 * 4; /* the panel is 16 channels wide */
    }
  }
}

/* Blocked output (q8_conv_rq_t.blocked): the byte vectors q[c] of nc (4 or 8)
 * channels, interleaved 4 at a time into lanes (interleave4) and stored as
 * 4-byte lanes, one masked vmovdqu32 per segment and 16 positions; y is the
 * first channel's lane group. One copy for every NV (the tile's code
 * size), called once per 8 channels. */
static __attribute__((noinline)) void store_lanes(const __m512i *q, int64_t nc, int64_t nv, int64_t ns,
                                                  const __mmask64 *sm, const int64_t *so, uint8_t *y, int64_t ldy) {
  for (int64_t g = 0; 4 * g < nc; g++) {
    __m512i o[4];
    interleave4(q + 4 * g, o);
    uint8_t *yg = y + g * 4 * ldy;
    for (int64_t s = 0; s < ns; s++)
      for (int64_t v = 0; v < nv; v++) {
        const __mmask16 m = (__mmask16)(sm[s] >> (16 * v));
        if (m) _mm512_mask_storeu_epi32(yg + 4 * (so[s] + 16 * v), m, o[v]);
      }
  }
}

/* conv_rq, every |mult| < 1: every channel of rq, 8 at a time (two per 16-channel
 * panel). The sums start at the channel's bias and are requantized from the
 * registers (rq_pack), each channel's bytes stored with one masked store per
 * output-row segment (or, blocked, handed to store_lanes); the constants and the
 * segments' masks are set up once per call. The last tile of a plane computes
 * only the vectors its positions need (NV 1 or 2: 16 or 32 positions). */
static inline __attribute__((always_inline)) void conv_rq_8x48(const int NV, int64_t n_cg,
                                                               int64_t cg_stride, int64_t n_taps,
                                                               const int64_t *tap_off, const uint8_t *x,
                                                               const uint8_t *w, const q8_conv_rq_t *rq) {
  const rqp_consts k = rqp_init(rq->o);
  __mmask64 sm[Q8_CONV_MAX_SEGS];
  int64_t so[Q8_CONV_MAX_SEGS];
  const int64_t ns = rq->n_seg;
  for (int64_t s = 0; s < ns; s++) /* segment s: its lanes, and where lane 0 would go */
    sm[s] = mask_bits(rq->seg[3 * s], rq->seg[3 * s + 1]), so[s] = rq->seg[3 * s + 2] - rq->seg[3 * s];
  for (int64_t c0 = 0; c0 < rq->nc; c0 += 8) {
    const int64_t nc = rq->nc - c0 < 8 ? rq->nc - c0 : 8;
    __m512i a[8][3], qb[8];
#pragma GCC unroll 8
    for (int c = 0; c < 8; c++) {
      const __m512i b = c < nc ? _mm512_set1_epi32(rq->bias[c0 + c]) : _mm512_setzero_si512();
      for (int j = 0; j < NV; j++) a[c][j] = b;
    }
    conv_sums(NV, a, n_cg, cg_stride, n_taps, tap_off, x, w + c0 / 16 * rq->panel_stride + c0 % 16 * 4);
#pragma GCC unroll 8
    for (int c = 0; c < 8; c++) {
      if (c >= nc) break;
      qb[c] = rq_pack(&k, NV, a[c], _mm512_set1_ps(rq->mult[c0 + c]));
    }
    if (rq->blocked) {
      store_lanes(qb, nc, NV, ns, sm, so, rq->y + c0 * rq->ldy, rq->ldy);
      continue;
    }
    for (int64_t c = 0; c < nc; c++) {
      uint8_t *yc = rq->y + (c0 + c) * rq->ldy;
      if (ns == 1) {
        _mm512_mask_storeu_epi8(yc + so[0], sm[0], qb[c]);
        continue;
      }
      for (int64_t s = 0; s < ns; s++) _mm512_mask_storeu_epi8(yc + so[s], sm[s], qb[c]);
    }
  }
}

void qrt_q8_conv_tile_8x48__avx512vnni(int64_t n_cg, int64_t cg_stride, int64_t n_taps,
                                       const int64_t *tap_off, const uint8_t *x, const uint8_t *w,
                                       int32_t *acc) {
  __m512i a[8][3];
#pragma GCC unroll 8
  for (int c = 0; c < 8; c++)
    for (int j = 0; j < 3; j++) a[c][j] = _mm512_setzero_si512();
  conv_sums(3, a, n_cg, cg_stride, n_taps, tap_off, x, w);
  for (int c = 0; c < 8; c++)
    for (int j = 0; j < 3; j++) _mm512_storeu_si512(acc + c * 48 + 16 * j, a[c][j]);
}

/* conv_rq with some |mult[c]| >= 1 (none in resnet18's or mobilenet_v2's
 * convolutions): 8 channels at a time, the plain tile's sums requantized by
 * qrt_q8_requant__avx512vnni (the same bytes) and stored segment by segment.
 * Out of line and cold: conv_rq_8x48 is instantiated for |mult| < 1 only, its
 * code size (docs/codegen.md, "Sizes"). */
static __attribute__((noinline, cold)) void conv_rq_any(int64_t n_cg, int64_t cg_stride, int64_t n_taps,
                                                        const int64_t *tap_off, const uint8_t *x, const uint8_t *w,
                                                        const q8_conv_rq_t *rq) {
  _Alignas(64) int32_t acc[8 * 48];
  uint8_t q[48];
  for (int64_t c0 = 0; c0 < rq->nc; c0 += 8) {
    qrt_q8_conv_tile_8x48__avx512vnni(n_cg, cg_stride, n_taps, tap_off, x,
                                      w + c0 / 16 * rq->panel_stride + c0 % 16 * 4, acc);
    for (int64_t c = c0; c < rq->nc && c < c0 + 8; c++) {
      qrt_q8_requant__avx512vnni(rq->np, acc + (c - c0) * 48, &rq->bias[c], &rq->mult[c], 0, rq->o, q);
      for (int64_t s = 0; s < rq->n_seg; s++)
        for (int64_t i = rq->seg[3 * s]; i < rq->seg[3 * s + 1]; i++) {
          const int64_t at = rq->seg[3 * s + 2] + i - rq->seg[3 * s]; /* the output index */
          if (rq->blocked) rq->y[c / 4 * 4 * rq->ldy + 4 * at + c % 4] = q[i];
          else rq->y[c * rq->ldy + at] = q[i];
        }
    }
  }
}

void qrt_q8_conv_tile_rq_8x48__avx512vnni(int64_t n_cg, int64_t cg_stride, int64_t n_taps,
                                          const int64_t *tap_off, const uint8_t *x, const uint8_t *w,
                                          const q8_conv_rq_t *rq) {
  if (!rq->mult_lt1) conv_rq_any(n_cg, cg_stride, n_taps, tap_off, x, w, rq);
  else if (rq->np > 32) conv_rq_8x48(3, n_cg, cg_stride, n_taps, tap_off, x, w, rq);
  else if (rq->np > 16) conv_rq_8x48(2, n_cg, cg_stride, n_taps, tap_off, x, w, rq);
  else conv_rq_8x48(1, n_cg, cg_stride, n_taps, tap_off, x, w, rq);
}

/* Up to 6 rows x 4 panels (64 channels): 24 accumulators, 4 weight vectors and
 * a broadcast row in registers. Per lane group: 4 vector loads of weights
 * (the panels' rows), one broadcast per row, 6 x 4 vpdpbusd. The row and panel
 * counts are template arguments of gemm_mn, instantiated for every (mr, nv) so
 * the tails run in registers too. With rq, the accumulators are requantized
 * and stored as bytes from the registers (q8_rq512, as qrt_q8_requant__avx512vnni). */
static inline __attribute__((always_inline)) void gemm_mn(const int MR, const int NV, int64_t n_kg,
                                                          const uint8_t *x, int64_t ldx, const uint8_t *w,
                                                          int64_t panel_stride, int64_t add, int32_t *acc,
                                                          const q8_gemm_rq_t *rq) {
  __m512i a[6][4], b[4];
  /* fused and one K block: the sums start at the bias */
#pragma GCC unroll 4
  for (int j = 0; j < NV; j++)
    b[j] = rq ? _mm512_maskz_loadu_epi32(mask_first(rq->nt - 16 * j), rq->bias + 16 * j) : _mm512_setzero_si512();
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++)
      a[r][j] = add ? _mm512_add_epi32(_mm512_loadu_si512(acc + r * NV * 16 + 16 * j), b[j]) : b[j];
  for (int64_t kg = 0; kg < n_kg; kg++) {
    __m512i wv[4];
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) wv[j] = _mm512_loadu_si512(w + j * panel_stride + kg * 64);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m512i xb = bcast32(x + r * ldx + 4 * kg);
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) a[r][j] = _mm512_dpbusd_epi32(a[r][j], xb, wv[j]);
    }
  }
  if (!rq) {
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) _mm512_storeu_si512(acc + r * NV * 16 + 16 * j, a[r][j]);
    return;
  }
  const q8_rq512_t k = q8_rq512_init(rq->o);
  if (NV == 4 && rq->nt == 64) {
    /* whole rows of 64: pack the 4 vectors to bytes (saturation changes nothing, the
     * values are in [qmin, qmax]: packus for u8 ranges, packs for s8), then vpermd
     * puts channel order back (each 128-bit lane holds 4 channels of every vector) */
    __m512 mv[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) mv[j] = _mm512_loadu_ps(rq->mult + 16 * j);
    const int is_u8 = rq->o->qmin >= 0;
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m512i lo = _mm512_packs_epi32(q8_rq512(&k, a[r][0], mv[0]), q8_rq512(&k, a[r][1], mv[1]));
      const __m512i hi = _mm512_packs_epi32(q8_rq512(&k, a[r][2], mv[2]), q8_rq512(&k, a[r][3], mv[3]));
      _mm512_storeu_si512(rq->y + r * rq->ldy, q8_bytes512(lo, hi, is_u8));
    }
    return;
  }
#pragma GCC unroll 4
  for (int j = 0; j < NV; j++) {
    const __mmask16 m = mask_first(rq->nt - 16 * j);
    const __m512 mv = _mm512_maskz_loadu_ps(m, rq->mult + 16 * j);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) _mm512_mask_cvtepi32_storeu_epi8(rq->y + r * rq->ldy + 16 * j, m, q8_rq512(&k, a[r][j], mv));
  }
}

#define Q8_GEMM_MN(MR, NV)                                                                                 \
  static void gemm_##MR##x##NV(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w, int64_t ps, \
                               int64_t add, int32_t *acc, const q8_gemm_rq_t *rq) {                       \
    gemm_mn(MR, NV, n_kg, x, ldx, w, ps, add, acc, rq);                                                    \
  }
#define Q8_GEMM_ROW(MR) Q8_GEMM_MN(MR, 1) Q8_GEMM_MN(MR, 2) Q8_GEMM_MN(MR, 3) Q8_GEMM_MN(MR, 4)
Q8_GEMM_ROW(1) Q8_GEMM_ROW(2) Q8_GEMM_ROW(3) Q8_GEMM_ROW(4) Q8_GEMM_ROW(5) Q8_GEMM_ROW(6)
/* A model's build (qrt_plan.h) keeps the shapes its Linear layers call; the
 * others are NULL and run as mr x nv calls of the 1-row, 1-panel tile
 * (gemm_any: the same exact sums and requantization per output, so the same
 * bytes, slower). */
#define Q8_GEMM_ALL ((QRT_PLAN_Q8_GEMM_TILES & 0x0f0f0f0f0f0full) == 0x0f0f0f0f0f0full) /* 6 x 4 */
#define Q8_GEMM_FN(MR, NV) (QRT_PLAN_Q8_GEMM_TILE(MR, NV) ? gemm_##MR##x##NV : NULL)
#define Q8_GEMM_FNS(MR) {Q8_GEMM_FN(MR, 1), Q8_GEMM_FN(MR, 2), Q8_GEMM_FN(MR, 3), Q8_GEMM_FN(MR, 4)}

static __attribute__((noinline)) void gemm_any(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                               const uint8_t *w, int64_t ps, int64_t add, int32_t *acc,
                                               const q8_gemm_rq_t *rq) {
  for (int64_t r = 0; r < mr; r++)
    for (int64_t j = 0; j < nv; j++) {
      int32_t *aj = acc + (r * nv + j) * 16;
      if (!rq) {
        gemm_1x1(n_kg, x + r * ldx, ldx, w + j * ps, ps, add, aj, NULL);
        continue;
      }
      if (16 * j >= rq->nt) continue;
      const q8_gemm_rq_t rj = {rq->nt - 16 * j < 16 ? rq->nt - 16 * j : 16, rq->ldy, rq->bias + 16 * j,
                               rq->mult + 16 * j, rq->o, rq->y + r * rq->ldy + 16 * j, rq->stream};
      gemm_1x1(n_kg, x + r * ldx, ldx, w + j * ps, ps, add, aj, &rj);
    }
}

void qrt_q8_gemm_tile_6x64__avx512vnni(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                       const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                       const q8_gemm_rq_t *rq) {
  typedef void (*fn_t)(int64_t, const uint8_t *, int64_t, const uint8_t *, int64_t, int64_t, int32_t *,
                       const q8_gemm_rq_t *);
  static const fn_t kFns[6][4] = {Q8_GEMM_FNS(1), Q8_GEMM_FNS(2), Q8_GEMM_FNS(3),
                                  Q8_GEMM_FNS(4), Q8_GEMM_FNS(5), Q8_GEMM_FNS(6)};
  const fn_t f = kFns[mr - 1][nv - 1];
  if (Q8_GEMM_ALL || f) f(n_kg, x, ldx, w, panel_stride, add, acc, rq);
  else gemm_any(mr, nv, n_kg, x, ldx, w, panel_stride, add, acc, rq);
}

void qrt_q8_requant__avx512vnni(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult,
                                int64_t ps, const q8_out_t *o, uint8_t *y) {
  const q8_rq512_t k = q8_rq512_init(o);
  const __m512 fmax = _mm512_set1_ps(3.40282347e38f);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m = mask_first(left);
    const __m512i b = ps ? _mm512_maskz_loadu_epi32(m, bias + i) : _mm512_set1_epi32(bias[0]);
    const __m512 mv = ps ? _mm512_maskz_loadu_ps(m, mult + i) : _mm512_set1_ps(mult[0]);
    /* |M| <= FLT_MAX is false for +-Inf and NaN: those lanes take the scalar path */
    if (_mm512_mask_cmp_ps_mask(m, _mm512_abs_ps(mv), fmax, _CMP_LE_OQ) != m) {
      qrt_q8_requant_run(left < 16 ? left : 16, acc + i, bias + i * ps, mult + i * ps, ps, o, y + i);
      continue;
    }
    _mm512_mask_cvtepi32_storeu_epi8(y + i, m, q8_rq512(&k, _mm512_add_epi32(_mm512_maskz_loadu_epi32(m, acc + i), b), mv));
  }
}

/* The dynamic Linear's epilogue (dyn_row), 16 channels per step: vpmulld and
 * vpsubd wrap modulo 2^32 as the reference's uint32 arithmetic; vcvtdq2ps,
 * vmulps and vaddps round to nearest even (default MXCSR) as the C conversion
 * and operations do; the masked tail reads and writes only c < n. */
void qrt_q8_dyn_row__avx512vnni(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                                const float *wscale, const int32_t *bias, float *y) {
  const __m512i z = _mm512_set1_epi32((int32_t)zu);
  const __m512 s = _mm512_set1_ps(xs);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = mask_first(n - i);
    const __m512i a =
        _mm512_sub_epi32(_mm512_maskz_loadu_epi32(m, acc + i), _mm512_mullo_epi32(z, _mm512_maskz_loadu_epi32(m, wsum + i)));
    const __m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(a), _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, wscale + i)));
    _mm512_mask_storeu_ps(y + i, m, _mm512_add_ps(p, _mm512_castsi512_ps(_mm512_maskz_loadu_epi32(m, bias + i))));
  }
}

/* Columns [c, c + 64) of a lanes4 row (nothing read past column n - 1): at
 * stride 2, the even bytes of 128 by vpmovwb (words truncated to bytes). */
static inline __m512i lanes_row64(const uint8_t *p, int64_t left, int64_t sw) {
  if (sw == 1) return _mm512_maskz_loadu_epi8(mask_bits(0, left < 64 ? left : 64), p);
  const int64_t nb = left < 64 ? 2 * left - 1 : 128; /* bytes up to column left - 1 */
  const __m512i lo = _mm512_maskz_loadu_epi8(mask_bits(0, nb < 64 ? nb : 64), p);
  const __m512i hi = _mm512_maskz_loadu_epi8(mask_bits(0, nb > 64 ? nb - 64 : 0), p + 64);
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi16_epi8(lo)), _mm512_cvtepi16_epi8(hi), 1);
}

/* lanes4, 64 columns per step by interleave4: 24 shuffles, 4 loads and 4 stores
 * per 256 bytes of lanes at stride 1. Missing channels are
 * pad ^ flip before the flip. The tail: masked loads (nothing read past the last
 * column) and stores (nothing written past 4n). */
void qrt_q8_lanes4__avx512vnni(int64_t n, const uint8_t *const *s, int64_t sw, int nch, uint8_t flip, uint8_t pad,
                               uint8_t *d) {
  const __m512i f = _mm512_set1_epi8((char)flip), padv = _mm512_set1_epi8((char)(pad ^ flip));
  for (int64_t c = 0; c < n; c += 64) {
    const int64_t left = n - c;
    __m512i r[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) r[j] = j < nch ? lanes_row64(s[j] + c * sw, left, sw) : padv;
    __m512i o[4];
    interleave4(r, o);
    uint8_t *dc = d + 4 * c;
    if (left >= 64) {
#pragma GCC unroll 4
      for (int k = 0; k < 4; k++) _mm512_storeu_si512(dc + 64 * k, _mm512_xor_si512(o[k], f));
      continue;
    }
    for (int k = 0; k < 4 && 16 * k < left; k++)
      _mm512_mask_storeu_epi32(dc + 64 * k, mask_first(left - 16 * k), _mm512_xor_si512(o[k], f));
  }
}

/* requant_tile: rows x nt sums of a stored tile (row r at acc + r * lda), plus
 * bias[c] (bias NULL: the sums include it), requantized with the finite
 * multipliers mult[c] (q8_rq512) and stored as bytes: y[r * ldy + c] for c <
 * nt <= 32. The constants of the 32 channels are loaded once. The values
 * before + zp are in [qmin - zp, qmax - zp] (|.| <= 255), so a whole row of 32
 * goes to bytes as the conv tile's do: vpackssdw (exact), + zp by vpaddsw
 * (exact, into [qmin, qmax]), vpackuswb (qmin >= 0) or vpacksswb (s8 range),
 * both exact there, and vpermd back to channel order; a shorter row by
 * vpmovdb, whose truncation to bytes is exact for u8 and s8 alike. */
/* not inlined (LTO would copy it into each of the amx tile's call sites) */
__attribute__((noinline)) void qrt_q8_requant_tile__avx512vnni(int64_t rows, int64_t nt, const int32_t *acc,
                                                               int64_t lda, const int32_t *bias, const float *mult,
                                                               const q8_out_t *o, uint8_t *y, int64_t ldy) {
  const q8_rq512_t k = q8_rq512_init(o);
  const __mmask16 m0 = mask_first(nt), m1 = mask_first(nt - 16);
  const __m512i b0 = bias ? _mm512_maskz_loadu_epi32(m0, bias) : _mm512_setzero_si512();
  const __m512i b1 = bias ? _mm512_maskz_loadu_epi32(m1, bias + 16) : _mm512_setzero_si512();
  const __m512 v0 = _mm512_maskz_loadu_ps(m0, mult), v1 = _mm512_maskz_loadu_ps(m1, mult + 16);
  if (nt == 32) {
    const __m512i zp = _mm512_set1_epi16((int16_t)o->zero_point);
    const int is_u8 = o->qmin >= 0;
    for (int64_t r = 0; r < rows; r++) {
      const int32_t *a = acc + r * lda;
      const __m512i q0 = q8_rq512_nozp(&k, _mm512_add_epi32(_mm512_loadu_si512(a), b0), v0);
      const __m512i q1 = q8_rq512_nozp(&k, _mm512_add_epi32(_mm512_loadu_si512(a + 16), b1), v1);
      const __m512i p = _mm512_adds_epi16(_mm512_packs_epi32(q0, q1), zp);
      _mm256_storeu_si256((__m256i *)(y + r * ldy), _mm512_castsi512_si256(q8_bytes512(p, p, is_u8)));
    }
    return;
  }
  for (int64_t r = 0; r < rows; r++) {
    const int32_t *a = acc + r * lda;
    _mm512_mask_cvtepi32_storeu_epi8(y + r * ldy, m0, q8_rq512(&k, _mm512_add_epi32(_mm512_maskz_loadu_epi32(m0, a), b0), v0));
    if (nt > 16)
      _mm512_mask_cvtepi32_storeu_epi8(y + r * ldy + 16, m1,
                                       q8_rq512(&k, _mm512_add_epi32(_mm512_maskz_loadu_epi32(m1, a + 16), b1), v1));
  }
}
