/* Private declarations of the weight-only kernels (qrt_wo.h): the packed
 * layout and the microkernel contract. Not installed.
 *
 * Packed buffer: a 128-byte header (qrt_wo_header_t), then, each section at a
 * 64-byte aligned offset, for P = ceil(n / NR) panels of NR output channels
 * (NR = the variant's nr; the last panel zero-padded):
 *   weights  P panels of panel_bytes (a multiple of 64), panel p holding
 *            columns n0 = p*NR .. n0+NR-1 for every k, k-major:
 *              s8:   int8 w[k][NR]                  (k*NR bytes)
 *              4-bit: uint8 w[k/2][NR], byte j of row kp = code(n0+j, 2kp)
 *                     | code(n0+j, 2kp+1) << 4: the even k in the low nibble,
 *                     the odd k in the high nibble; code = q + 8 for s4
 *                     (so s4 is u4 with the zero point 8), q for u4
 *              f16:  uint16 w[k][NR]                (2*k*NR bytes)
 *   scales   float [P][groups][NR]  (groups = k/G for 4-bit, 1 for s8, none for f16)
 *   zps      uint8 [P][k/G][NR]     (u4 only)
 *   bias     float [P][NR]          (when packed with a bias)
 * Padded columns have code 0 (s4: 8), scale 0, zero point 0 and bias 0, so
 * their wdq is 0; they are computed and never stored. */
#ifndef QRT_WO_INTERNAL_H
#define QRT_WO_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "qrt/qrt_wo.h"

#define QRT_WO_MAGIC 0x314f5751u /* "QWO1" */

typedef struct {
  uint32_t magic;
  uint32_t fmt;   /* qrt_wo_format_t */
  uint32_t isa;   /* the variant's qrt_isa_t: the table row is found by it */
  uint32_t nr;    /* the variant's panel width (checked against the row) */
  int64_t n, k, group;
  uint32_t has_bias, reserved;
  uint64_t panel_bytes, w_off, s_off, zp_off, bias_off;
} qrt_wo_header_t;
#define QRT_WO_HEADER_BYTES 128

/* One tile: y[i][j] for i < mr, j < nr of a panel, over kc values of k:
 *   acc = accumulate ? y[i][j] : (bias ? bias[j] : 0)
 *   acc += x[i][kk] * wdq[j][kk] for kk < kc (any order and FMA allowed in the
 *          vector variants; the scalar one adds products in increasing kk)
 *   y[i][j] = acc          (only i < mr, j < nr are read or written)
 * wdq is computed per the format with one float multiply (qrt_wo.h).
 * The tile's first k is a multiple of group (4-bit) and kc is a multiple of
 * group (4-bit) or of 2 (s8, f16: any kc >= 1 for those). */
typedef struct {
  int64_t mr, nr, kc;
  int64_t group;        /* 4-bit: the k per scale row; else unused */
  const float *x;       /* x[i][kk] at x[i*ldx + kk] */
  int64_t ldx;
  const void *w;        /* the panel's weights at the tile's first k */
  const float *scales;  /* 4-bit: [kc/group][NR]; s8: [NR]; f16: NULL */
  const uint8_t *zp;    /* u4: [kc/group][NR]; s4: NULL (zero point 8 on the codes) */
  const float *bias;    /* [NR] or NULL */
  float *y;             /* y[i][j] at y[i*ldy + j] */
  int64_t ldy;
  int accumulate;
} qrt_wo_tile_t;

typedef void (*qrt_wo_ukernel_fn)(const qrt_wo_tile_t *t);

/* Rows past one tile (m > MR) take a second path when the variant has one:
 * dequant(t) writes the tile's wdq, kc x NR floats, to the block t->y
 * (blk[kk*NR + j]; mr, x, bias, accumulate unused) with the very instructions
 * its tiles use, and f32(t) is a tile whose t->w is such a block. Each weight
 * is then dequantized once per call instead of once per MR rows; the block
 * (QRT_WO_BLOCK_KC x NR floats, <= 32 KB) lives in scratch and stays in L1. */
enum { QRT_WO_BLOCK_KC = 256 };

typedef struct {
  const char *name;   /* wo_gemm_<MR>x<NR>__<isa> */
  qrt_isa_t isa;
  uint32_t features;  /* qrt_cpu_features() bits needed beyond the ISA level */
  int mr, nr;
  qrt_wo_ukernel_fn s8, q4, f16; /* q4: s4 and u4 */
  qrt_wo_ukernel_fn dq_s8, dq_q4, dq_f16, f32; /* the block path, or NULL */
} qrt_wo_ukernel_t;

#define QRT_WO_DECLARE(isa)                                 \
  void qrt_wo_gemm_s8__##isa(const qrt_wo_tile_t *t);      \
  void qrt_wo_gemm_q4__##isa(const qrt_wo_tile_t *t);      \
  void qrt_wo_gemm_f16__##isa(const qrt_wo_tile_t *t);     \
  void qrt_wo_gemm_f32__##isa(const qrt_wo_tile_t *t);     \
  void qrt_wo_dequant_s8__##isa(const qrt_wo_tile_t *t);   \
  void qrt_wo_dequant_q4__##isa(const qrt_wo_tile_t *t);   \
  void qrt_wo_dequant_f16__##isa(const qrt_wo_tile_t *t);
void qrt_wo_gemm_s8__scalar(const qrt_wo_tile_t *t);
void qrt_wo_gemm_q4__scalar(const qrt_wo_tile_t *t);
void qrt_wo_gemm_f16__scalar(const qrt_wo_tile_t *t);
#if defined(__x86_64__) || defined(_M_X64)
QRT_WO_DECLARE(avx2_f16c)
QRT_WO_DECLARE(avx512f)
#endif
#if defined(__aarch64__)
QRT_WO_DECLARE(neon)
#endif
#undef QRT_WO_DECLARE

/* Panel widths and row counts of the variants (the files' constants). */
enum {
  QRT_WO_SCALAR_MR = 4, QRT_WO_SCALAR_NR = 8,
  QRT_WO_AVX2_MR = 4, QRT_WO_AVX2_NR = 16,
  QRT_WO_AVX512_MR = 8, QRT_WO_AVX512_NR = 32,
  QRT_WO_NEON_MR = 4, QRT_WO_NEON_NR = 16,
};

#endif /* QRT_WO_INTERNAL_H */
