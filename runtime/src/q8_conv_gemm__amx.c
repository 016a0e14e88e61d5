/* Int8 Linear tile for AMX-INT8 (tdpbusd); built with -mamx-tile -mamx-int8 and
 * the AVX-512 VNNI row's flags (the epilogue is that row's requantization).
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
 * qrt_q8_requant_tile__avx512vnni: the VNNI row's vector requantization (rq16),
 * bit for bit qrt_requantize_scalar. */
#include <immintrin.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"

typedef struct {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} amx_cfg_t;

_Static_assert(sizeof(amx_cfg_t) == 64, "the tile configuration is 64 bytes");

/* The configuration this thread's tiles hold: rows0 | rows1 << 8 | nv << 16, 0 none. */
static _Thread_local int amx_loaded;

static void amx_configure(int rows0, int rows1, int nv) {
  const int key = rows0 | rows1 << 8 | nv << 16;
  if (key == amx_loaded) return;
  amx_loaded = key;
  _Alignas(64) amx_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  const int rows[2] = {rows0, rows1};
  for (int i = 0; i < 2; i++) {
    if (!rows[i]) continue;
    cfg.rows[4 + i] = (uint8_t)rows[i], cfg.colsb[4 + i] = 64; /* A */
    for (int j = 0; j < nv; j++) cfg.rows[2 * i + j] = (uint8_t)rows[i], cfg.colsb[2 * i + j] = 64; /* C */
  }
  for (int j = 0; j < nv; j++) cfg.rows[6 + j] = 16, cfg.colsb[6 + j] = 64; /* B */
  _tile_loadconfig(&cfg);
}

/* H row halves (1 or 2) x NV panels (1 or 2); the tile numbers are constants of
 * the instructions, hence one instantiation per (H, NV). acc rows are nv*16
 * int32 apart (the gemm_mn layout). */
static inline __attribute__((always_inline)) void amx_mn(const int H, const int NV, int64_t n_kg,
                                                         const uint8_t *x, int64_t ldx, const uint8_t *w,
                                                         int64_t panel_stride, int64_t add, int32_t *acc) {
  const int64_t lda = NV * 64; /* bytes between acc rows */
  int32_t *c1 = acc + 16 * NV * 16; /* the second row half */
  if (add) {
    _tile_loadd(0, acc, lda);
    if (NV == 2) _tile_loadd(1, acc + 16, lda);
    if (H == 2) _tile_loadd(2, c1, lda);
    if (H == 2 && NV == 2) _tile_loadd(3, c1 + 16, lda);
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

void qrt_q8_gemm_tile_32x32__amx(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                 const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                 const q8_gemm_rq_t *rq) {
  const int rows0 = mr < 16 ? (int)mr : 16, rows1 = (int)mr - rows0;
  amx_configure(rows0, rows1, (int)nv);
  if (rows1) {
    if (nv == 2) amx_mn(2, 2, n_kg, x, ldx, w, panel_stride, add, acc);
    else amx_mn(2, 1, n_kg, x, ldx, w, panel_stride, add, acc);
  } else {
    if (nv == 2) amx_mn(1, 2, n_kg, x, ldx, w, panel_stride, add, acc);
    else amx_mn(1, 1, n_kg, x, ldx, w, panel_stride, add, acc);
  }
  if (rq) qrt_q8_requant_tile__avx512vnni(mr, rq->nt, acc, nv * 16, rq->bias, rq->mult, rq->o, rq->y, rq->ldy);
}

void qrt_q8_gemm_done__amx(void) {
  if (!amx_loaded) return;
  _tile_release();
  amx_loaded = 0;
}
