/* Int8 Linear and convolution tiles for AMX-INT8 (tdpbusd, tdpbsud); built with
 * -mamx-tile -mamx-int8 and the AVX-512 VNNI row's flags (the epilogue is that
 * row's requantization). The convolution tiles are at the end of the file.
 * Contract: gemm_mn in q8_conv_gemm_internal.h; the driver is q8_conv_gemm.c,
 * whose AMX row packs Linear weights as the VNNI row does (4 s8 weights per
 * lane, panels of 16 channels) with the lane groups padded by zero weights to
 * a multiple of 16, so n_kg is always a multiple of 16.
 *
 * One K step of 16 lane groups (64 bytes of K): a B tile is 16 rows of one
 * panel (row kg holds the 16 channels' lanes: 64 bytes, the panel's layout
 * already), an A tile 16 rows of activation lanes (64 bytes each, stride ldx),
 * and tdpbusd adds to each int32 C[r][c] the 64 products of u8 activations and
 * s8 weights, as 16 vpdpbusd lanes would: the exact products (|u * w| <=
 * 255 * 128) summed modulo 2^32, so the sums are the VNNI row's sums, and the
 * padded lane groups (weights 0) add nothing whatever the activations hold.
 *
 * Tiles: C 0-3 (row half i, panel j: tile 2i + j), A 4-5 (row halves), B 6-7
 * (panels): up to 32 rows x 32 channels, each B tile used by both row halves
 * and each A tile by both panels. The configuration (rows of the halves, the
 * panel count) is loaded when a call needs another one than the thread's last
 * call, and released by qrt_q8_gemm_done__amx, which the driver calls when the
 * thread's part of a Linear ends: no tile state outlives a Linear call (another
 * library's tiles, signal frames, context switches) and ldtilecfg does not run
 * per tile. With rq the sums are stored to acc and requantized by
 * qrt_q8_requant_tile__avx512vnni: the VNNI row's vector requantization (q8_rq512),
 * bit for bit qrt_requantize_scalar. */
#include <immintrin.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"
#include "q8_requant_avx512.h"

/* GCC 12's tile intrinsics are volatile asm without a memory operand: the
 * compiler knows neither that tileloadd reads the lanes written before the
 * call nor that tilestored writes acc, which the requantization then reads
 * (with LTO both may be inlined here). A memory barrier on each side. */
#define AMX_MEMORY_BARRIER() __asm__ volatile("" : : : "memory")

typedef struct {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} amx_cfg_t;

_Static_assert(sizeof(amx_cfg_t) == 64, "the tile configuration is 64 bytes");

/* The configuration this thread's tiles hold: rows0 | rows1 << 8 | nv << 16
 * (Linear), AMX_CONV_KEY (convolutions), 0 none. */
enum { AMX_CONV_KEY = 1 << 24 };
static _Thread_local int amx_loaded;

static void amx_configure(int rows0, int rows1, int nv) {
  const int key = rows0 | rows1 << 8 | nv << 16;
  if (key == amx_loaded) return;
  amx_loaded = key;
  _Alignas(64) amx_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  const int two = nv == 2;
  cfg.rows[0] = (uint8_t)rows0, cfg.colsb[0] = 64;                 /* C, rows 0-15 */
  cfg.rows[1] = (uint8_t)(two ? rows0 : 0), cfg.colsb[1] = two ? 64 : 0;
  cfg.rows[2] = (uint8_t)rows1, cfg.colsb[2] = rows1 ? 64 : 0;     /* C, rows 16-31 */
  cfg.rows[3] = (uint8_t)(two ? rows1 : 0), cfg.colsb[3] = two && rows1 ? 64 : 0;
  cfg.rows[4] = (uint8_t)rows0, cfg.colsb[4] = 64;                 /* A */
  cfg.rows[5] = (uint8_t)rows1, cfg.colsb[5] = rows1 ? 64 : 0;
  cfg.rows[6] = 16, cfg.colsb[6] = 64;                             /* B */
  cfg.rows[7] = two ? 16 : 0, cfg.colsb[7] = two ? 64 : 0;
  /* not _tile_loadconfig: GCC 12 does not see that builtin read the whole
   * struct and drops the stores of rows and colsb as dead */
  __asm__ volatile("ldtilecfg %0" : : "m"(cfg) : "memory");
}

/* Every tile 16 rows of 64 bytes: the convolutions (C 0-3 channel half i,
 * positions j: 2i + j; A 4-5 the two panels; B 6-7 positions 0-15 and 16-31)
 * and amx_k16_64x64. */
static void amx_configure_conv(void) {
  if (amx_loaded == AMX_CONV_KEY) return;
  amx_loaded = AMX_CONV_KEY;
  _Alignas(64) amx_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int i = 0; i < 8; i++) cfg.rows[i] = 16, cfg.colsb[i] = 64;
  __asm__ volatile("ldtilecfg %0" : : "m"(cfg) : "memory");
}

/* H row halves (1 or 2) x NV panels (1 or 2); the tile numbers are constants of
 * the instructions, hence one instantiation per (H, NV). acc rows are nv*16
 * int32 apart (the gemm_mn layout). */
static inline __attribute__((always_inline)) void amx_mn(const int H, const int NV, int64_t n_kg,
                                                         const uint8_t *x, int64_t ldx, const uint8_t *w,
                                                         int64_t panel_stride, int64_t add, int32_t *acc,
                                                         const int32_t *bias) {
  const int64_t lda = NV * 64; /* bytes between acc rows */
  int32_t *c1 = acc + 16 * NV * 16; /* the second row half */
  if (add) {
    _tile_loadd(0, acc, lda);
    if (NV == 2) _tile_loadd(1, acc + 16, lda);
    if (H == 2) _tile_loadd(2, c1, lda);
    if (H == 2 && NV == 2) _tile_loadd(3, c1 + 16, lda);
  } else if (bias) { /* every row starts at the bias: stride 0 */
    _tile_loadd(0, bias, 0);
    if (NV == 2) _tile_loadd(1, bias + 16, 0);
    if (H == 2) _tile_loadd(2, bias, 0);
    if (H == 2 && NV == 2) _tile_loadd(3, bias + 16, 0);
  } else {
    _tile_zero(0);
    if (NV == 2) _tile_zero(1);
    if (H == 2) _tile_zero(2);
    if (H == 2 && NV == 2) _tile_zero(3);
  }
  const uint8_t *x1 = x + 16 * ldx;
  for (int64_t kg = 0; kg < n_kg; kg += 16) {
    _tile_loadd(6, w + kg * 64, 64);
    if (NV == 2) _tile_loadd(7, w + panel_stride + kg * 64, 64);
    _tile_loadd(4, x + 4 * kg, ldx);
    _tile_dpbusd(0, 4, 6);
    if (NV == 2) _tile_dpbusd(1, 4, 7);
    if (H == 2) {
      _tile_loadd(5, x1 + 4 * kg, ldx);
      _tile_dpbusd(2, 5, 6);
      if (NV == 2) _tile_dpbusd(3, 5, 7);
    }
  }
  _tile_stored(0, acc, lda);
  if (NV == 2) _tile_stored(1, acc + 16, lda);
  if (H == 2) _tile_stored(2, c1, lda);
  if (H == 2 && NV == 2) _tile_stored(3, c1 + 16, lda);
}

/* One K step (n_kg 16) for 64 rows and NV (1 or 2) panels: B loaded once for
 * the four 16-row quarters, whose sums alternate between the tiles C0-1 and
 * C2-3, so the stores of one quarter run while the next one computes (tiles
 * are not renamed: one set would serialize multiply, store and the next
 * multiply). The sums start at 0 and the requantization adds the bias: tiles
 * loaded from the bias with stride 0 cost more than the vector adds. */
static inline __attribute__((always_inline)) void amx_k16_64(const int NV, const uint8_t *x, int64_t ldx,
                                                             const uint8_t *w, int64_t panel_stride,
                                                             int32_t *acc, const q8_gemm_rq_t *rq) {
  const int64_t lda = NV * 64, q = 16 * NV * 16; /* bytes between acc rows; int32 per quarter */
  _tile_loadd(6, w, 64);
  if (NV == 2) _tile_loadd(7, w + panel_stride, 64);
#define AMX_QUARTER(C0, C1, A, i)                          \
  _tile_loadd(A, x + (i) * 16 * ldx, ldx);                 \
  _tile_zero(C0);                                          \
  _tile_dpbusd(C0, A, 6);                                  \
  if (NV == 2) {                                           \
    _tile_zero(C1);                                        \
    _tile_dpbusd(C1, A, 7);                                \
  }
#define AMX_STORE(C0, C1, i)                               \
  _tile_stored(C0, acc + (i) * q, lda);                    \
  if (NV == 2) _tile_stored(C1, acc + (i) * q + 16, lda);  \
  if (rq) {                                                \
    AMX_MEMORY_BARRIER();                                  \
    qrt_q8_requant_tile__avx512vnni(16, rq->nt, acc + (i) * q, NV * 16, rq->bias, rq->mult, rq->o, \
                                    rq->y + (i) * 16 * rq->ldy, rq->ldy);                          \
  }
  AMX_QUARTER(0, 1, 4, 0)
  AMX_QUARTER(2, 3, 5, 1)
  AMX_STORE(0, 1, 0)
  AMX_QUARTER(0, 1, 4, 2)
  AMX_STORE(2, 3, 1)
  AMX_QUARTER(2, 3, 5, 3)
  AMX_STORE(0, 1, 2)
  AMX_STORE(2, 3, 3)
#undef AMX_QUARTER
#undef AMX_STORE
}

/* The constants of amx_rq_16x64 for one call's 64 channels. */
typedef struct {
  __m512i b[4];
  __m512 mv[4];
  q8_rq512_t k;
  __m512i zp16, lo8, hi8;
  int lt1, is_u8, nt;
} amx_rq64_t;

/* 16 rows of 64 sums (acc, rows 64 int32 apart) plus the bias, requantized
 * and stored as 16 lines of 64 bytes (c->nt: non-temporal). c->lt1: every
 * |mult| < 1, so |(float)(sum + bias) * mult| < 2^31 converts exactly, and
 * rounding before the clamp equals rounding after it (the bounds are
 * integers): the clamp is two byte operations on the packed line; else the
 * float clamp of q8_rq512, whose values the packs then carry exactly. Bit for
 * bit qrt_requantize_scalar. One copy (not inlined: 4 calls per tile call, and
 * the runtime text a model takes). */
static __attribute__((noinline)) void amx_rq_16x64(const amx_rq64_t *c, const int32_t *acc, uint8_t *y,
                                                   int64_t ldy) {
  for (int r = 0; r < 16; r++) {
    const int32_t *a = acc + r * 64;
    __m512i q[4];
    for (int j = 0; j < 4; j++) {
      const __m512i s = _mm512_add_epi32(_mm512_load_si512(a + 16 * j), c->b[j]);
      q[j] = c->lt1 ? _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(s), c->mv[j]),
                                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
                    : q8_rq512_nozp(&c->k, s, c->mv[j]);
    }
    const __m512i p0 = _mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), c->zp16);
    const __m512i p1 = _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), c->zp16);
    __m512i v = q8_bytes512(p0, p1, c->is_u8);
    if (c->lt1) /* byte by byte: the same before or after the reordering */
      v = c->is_u8 ? _mm512_min_epu8(_mm512_max_epu8(v, c->lo8), c->hi8)
                   : _mm512_min_epi8(_mm512_max_epi8(v, c->lo8), c->hi8);
    if (c->nt) _mm512_stream_si512((void *)(y + r * ldy), v);
    else _mm512_storeu_si512(y + r * ldy, v);
  }
}

/* One K step for 64 rows and 4 panels, static output (rq, nt 64): whole
 * output lines. Tiles: C0-3 the four panels of a 16-row quarter, A 4, B 5-7
 * panels 0-2 (panel 3 goes through tile 5 and panel 0 comes back). The sums
 * of quarter i go to buffer i % 2 and are requantized after the next quarter's
 * tiles are issued. rq->stream with an aligned output: non-temporal stores. */
static void amx_k16_64x64(const uint8_t *x, int64_t ldx, const uint8_t *w, int64_t ps, const q8_gemm_rq_t *rq) {
  _Alignas(64) int32_t acc[2][16 * 64];
  amx_rq64_t c;
  c.lt1 = 1;
  for (int j = 0; j < 4; j++) {
    c.mv[j] = _mm512_loadu_ps(rq->mult + 16 * j), c.b[j] = _mm512_loadu_si512(rq->bias + 16 * j);
    c.lt1 &= _mm512_cmp_ps_mask(_mm512_abs_ps(c.mv[j]), _mm512_set1_ps(1.0f), _CMP_LT_OQ) == 0xffff;
  }
  const q8_out_t *o = rq->o;
  c.k = q8_rq512_init(o);
  c.is_u8 = o->qmin >= 0;
  c.zp16 = _mm512_set1_epi16((int16_t)o->zero_point);
  c.lo8 = _mm512_set1_epi8((char)o->qmin), c.hi8 = _mm512_set1_epi8((char)o->qmax);
  c.nt = rq->stream && ((uintptr_t)rq->y | (uintptr_t)rq->ldy) % 64 == 0;
  AMX_MEMORY_BARRIER();
  _tile_loadd(5, w, 64);
  _tile_loadd(6, w + ps, 64);
  _tile_loadd(7, w + 2 * ps, 64);
#define AMX_SUMS(i)                                                                           \
  _tile_loadd(4, x + (i) * 16 * ldx, ldx);                                                     \
  _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);                                  \
  _tile_dpbusd(0, 4, 5);                                                                       \
  _tile_dpbusd(1, 4, 6);                                                                       \
  _tile_dpbusd(2, 4, 7);                                                                       \
  _tile_loadd(5, w + 3 * ps, 64);                                                              \
  _tile_dpbusd(3, 4, 5);                                                                       \
  _tile_stored(0, acc[(i) & 1], 256); _tile_stored(1, acc[(i) & 1] + 16, 256);                 \
  _tile_stored(2, acc[(i) & 1] + 32, 256); _tile_stored(3, acc[(i) & 1] + 48, 256);            \
  if ((i) < 3) _tile_loadd(5, w, 64);
#define AMX_RQ(i)                                                                              \
  AMX_MEMORY_BARRIER();                                                                        \
  amx_rq_16x64(&c, acc[(i) & 1], rq->y + (i) * 16 * rq->ldy, rq->ldy);
  AMX_SUMS(0)
  AMX_SUMS(1)
  AMX_RQ(0)
  AMX_SUMS(2)
  AMX_RQ(1)
  AMX_SUMS(3)
  AMX_RQ(2)
  AMX_RQ(3)
#undef AMX_SUMS
#undef AMX_RQ
}

/* Rows in halves of 32 (2 x 2 tiles), or 64 rows of one K step (amx_k16_64);
 * 4 panels (the row's nv_k1: one K step, rq) as 64 rows x 64 channels
 * (amx_k16_64x64), or in pairs, each requantized before the next one (so
 * acc holds 2 panels' sums, as for nv 2). */
void qrt_q8_gemm_tile_64x32__amx(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                 const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                 const q8_gemm_rq_t *rq) {
  AMX_MEMORY_BARRIER();
  if (nv > 2) {
    if (mr == 64 && n_kg == 16 && !add && rq && rq->nt == 64) {
      amx_configure_conv();
      amx_k16_64x64(x, ldx, w, panel_stride, rq);
      AMX_MEMORY_BARRIER();
      return;
    }
    for (int64_t p = 0; p < nv; p += 2) {
      q8_gemm_rq_t pr = *rq;
      pr.nt = rq->nt - 16 * p < 32 ? rq->nt - 16 * p : 32;
      pr.bias += 16 * p, pr.mult += 16 * p, pr.y += 16 * p;
      qrt_q8_gemm_tile_64x32__amx(mr, nv - p < 2 ? nv - p : 2, n_kg, x, ldx, w + p * panel_stride, panel_stride,
                                  add, acc, &pr);
    }
    return;
  }
  if (mr == 64 && n_kg == 16 && !add) {
    amx_configure(16, 16, (int)nv);
    if (nv == 2) amx_k16_64(2, x, ldx, w, panel_stride, acc, rq);
    else amx_k16_64(1, x, ldx, w, panel_stride, acc, rq);
    AMX_MEMORY_BARRIER();
    return;
  }
  for (int64_t r0 = 0; r0 < mr; r0 += 32) {
    const int64_t rows = mr - r0 < 32 ? mr - r0 : 32;
    const int rows0 = rows < 16 ? (int)rows : 16, rows1 = (int)rows - rows0;
    const uint8_t *xr = x + r0 * ldx;
    int32_t *ar = acc + r0 * nv * 16;
    amx_configure(rows0, rows1, (int)nv);
    const int32_t *bias = rq && !add ? rq->bias : NULL; /* the only K block: start at the bias */
    if (rows1) {
      if (nv == 2) amx_mn(2, 2, n_kg, xr, ldx, w, panel_stride, add, ar, bias);
      else amx_mn(2, 1, n_kg, xr, ldx, w, panel_stride, add, ar, bias);
    } else {
      if (nv == 2) amx_mn(1, 2, n_kg, xr, ldx, w, panel_stride, add, ar, bias);
      else amx_mn(1, 1, n_kg, xr, ldx, w, panel_stride, add, ar, bias);
    }
  }
  AMX_MEMORY_BARRIER();
  /* the sums hold the bias when this is the only K block (rq without add);
   * after earlier blocks (add) they do not: the requantization adds it */
  if (rq)
    qrt_q8_requant_tile__avx512vnni(mr, rq->nt, acc, nv * 16, add ? rq->bias : NULL, rq->mult, rq->o, rq->y, rq->ldy);
}

void qrt_q8_gemm_done__amx(void) {
  _mm_sfence(); /* amx_k16_64x64's non-temporal stores, before the call's end is seen */
  if (!amx_loaded) return;
  _tile_release();
  amx_loaded = 0;
}

/* ---- convolutions ----------------------------------------------------------------
 * The driver's planes (q8_conv_gemm.c) hold, per channel group cg, lanes of 4
 * input channels at consecutive positions q; tap t of position q is the lane
 * at q + tap_off[t] (bytes / 4) of the group's plane, cg_stride bytes after the
 * previous group's. So 16 consecutive positions of one (cg, tap) are 64
 * contiguous bytes, and 16 channel groups of them, cg_stride apart, are a B
 * tile: tdpbsud with an A tile of 16 channels x 16 lanes (s8 weights, the amx
 * conv layout of q8_conv_gemm_internal.h; n_cg >= 16) adds to C[c][j]
 * the exact products of channel c's weights and position j's u8 lanes, the
 * VNNI row's sums (weights 0 where a block overlaps the one before add
 * nothing). C is channels x positions: each row is one output channel's run
 * of 16 positions, the order the requantization stores. */

/* The sums of NA panels (16 channels each, panel_stride bytes apart) x NB
 * blocks of 16 positions in C tiles, stored to buf (row c of channel c, 32
 * int32 per row: positions 0-15, then 16-31). */
static inline __attribute__((always_inline)) void amx_conv_sums(const int NA, const int NB, int64_t n_cg,
                                                                int64_t cg_stride, int64_t n_taps,
                                                                const int64_t *tap_off, const uint8_t *x,
                                                                const uint8_t *w, int64_t panel_stride,
                                                                int32_t *buf) {
  const int64_t nb = (n_cg + 15) / 16; /* n_cg >= 16 */
  _tile_zero(0);
  if (NB == 2) _tile_zero(1);
  if (NA == 2) _tile_zero(2);
  if (NA == 2 && NB == 2) _tile_zero(3);
  for (int64_t t = 0; t < n_taps; t++)
    for (int64_t b = 0; b < nb; b++) {
      const int64_t sb = 16 * b < n_cg - 16 ? 16 * b : n_cg - 16;
      const uint8_t *xb = x + sb * cg_stride + tap_off[t], *wb = w + (t * nb + b) * 1024;
      _tile_loadd(6, xb, cg_stride);
      if (NB == 2) _tile_loadd(7, xb + 64, cg_stride);
      _tile_loadd(4, wb, 64);
      _tile_dpbsud(0, 4, 6);
      if (NB == 2) _tile_dpbsud(1, 4, 7);
      if (NA == 2) {
        _tile_loadd(5, wb + panel_stride, 64);
        _tile_dpbsud(2, 5, 6);
        if (NB == 2) _tile_dpbsud(3, 5, 7);
      }
    }
  _tile_stored(0, buf, 128);
  if (NB == 2) _tile_stored(1, buf + 16, 128);
  if (NA == 2) _tile_stored(2, buf + 16 * 32, 128);
  if (NA == 2 && NB == 2) _tile_stored(3, buf + 16 * 32 + 16, 128);
}

/* Bits [lo, hi) of a 32-bit mask, 0 <= lo <= hi <= 32 (in 64 bits: GCC
 * vectorizes a loop of 32-bit ones, for the few segments, into 1.5 KB). */
static inline __mmask32 mask32_bits(int64_t lo, int64_t hi) {
  return (__mmask32)((((uint64_t)1 << hi) - 1) & ~(((uint64_t)1 << lo) - 1));
}

/* conv_rq: channels in pairs of panels (32), positions np <= 32; each
 * channel's stored sums plus its bias requantized by q8_rq512 (the VNNI row's
 * requantization), truncated to bytes (exact: the values are in [qmin, qmax])
 * and stored with one masked store per output-row segment. */
static inline __attribute__((always_inline)) void amx_conv_rq(const int NB, int64_t n_cg, int64_t cg_stride,
                                                              int64_t n_taps, const int64_t *tap_off,
                                                              const uint8_t *x, const uint8_t *w,
                                                              const q8_conv_rq_t *rq, const __mmask32 *sm,
                                                              const int64_t *so) {
  _Alignas(64) int32_t buf[32 * 32];
  const q8_rq512_t k = q8_rq512_init(rq->o);
  const int64_t ns = rq->n_seg;
  for (int64_t c0 = 0; c0 < rq->nc; c0 += 32) {
    const int64_t nc = rq->nc - c0 < 32 ? rq->nc - c0 : 32;
    const uint8_t *wc = w + c0 / 16 * rq->panel_stride;
    if (nc > 16) amx_conv_sums(2, NB, n_cg, cg_stride, n_taps, tap_off, x, wc, rq->panel_stride, buf);
    else amx_conv_sums(1, NB, n_cg, cg_stride, n_taps, tap_off, x, wc, rq->panel_stride, buf);
    AMX_MEMORY_BARRIER();
    for (int64_t c = 0; c < nc; c++) {
      const __m512i b = _mm512_set1_epi32(rq->bias[c0 + c]);
      const __m512 mv = _mm512_set1_ps(rq->mult[c0 + c]);
      const __m128i q0 = _mm512_cvtepi32_epi8(q8_rq512(&k, _mm512_add_epi32(_mm512_load_si512(buf + 32 * c), b), mv));
      const __m128i q1 = NB == 2 ? _mm512_cvtepi32_epi8(q8_rq512(&k, _mm512_add_epi32(_mm512_load_si512(buf + 32 * c + 16), b), mv))
                                 : q0;
      const __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
      uint8_t *yc = rq->y + (c0 + c) * rq->ldy;
      for (int64_t s = 0; s < ns; s++) _mm256_mask_storeu_epi8(yc + so[s], sm[s], q);
    }
  }
}

void qrt_q8_conv_tile_rq_32x32__amx(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                    const uint8_t *x, const uint8_t *w, const q8_conv_rq_t *rq) {
  AMX_MEMORY_BARRIER();
  amx_configure_conv();
  __mmask32 sm[Q8_CONV_MAX_SEGS]; /* segment s: its lanes, and where lane 0 would go */
  int64_t so[Q8_CONV_MAX_SEGS];
  for (int64_t s = 0; s < rq->n_seg; s++)
    sm[s] = mask32_bits(rq->seg[3 * s], rq->seg[3 * s + 1]), so[s] = rq->seg[3 * s + 2] - rq->seg[3 * s];
  if (rq->np > 16) amx_conv_rq(2, n_cg, cg_stride, n_taps, tap_off, x, w, rq, sm, so);
  else amx_conv_rq(1, n_cg, cg_stride, n_taps, tap_off, x, w, rq, sm, so);
}

/* conv_tile: one panel x 32 positions, acc[c * 32 + j]. */
void qrt_q8_conv_tile_16x32__amx(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                 const uint8_t *x, const uint8_t *w, int32_t *acc) {
  AMX_MEMORY_BARRIER();
  amx_configure_conv();
  amx_conv_sums(1, 2, n_cg, cg_stride, n_taps, tap_off, x, w, 0, acc);
  AMX_MEMORY_BARRIER();
}
