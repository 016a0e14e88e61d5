/* Private to the int8 depthwise convolution (q8_dwconv*.c): its packed
 * layout, the row kernel contract and the variant table. The public entry
 * points stay qrt_q8_conv2d_* (q8_conv_gemm.c hands depthwise convolutions,
 * groups == c_in == c_out, here).
 *
 * Files: q8_dwconv.c packs, lays out the input and drives the kernels (shared
 * C); q8_dwconv__<isa>.c hold only the row kernels; q8_dwconv__scalar.c is the
 * reference kernel (never optimized). */
#ifndef Q8_DWCONV_INTERNAL_H
#define Q8_DWCONV_INTERNAL_H
#include "q8_conv_gemm_internal.h"
#include "qrt/qrt_pool.h"

/* ---- packed weights -------------------------------------------------------------
 * The header of q8_conv_gemm_internal.h with kind Q8_KIND_DWCONV and the
 * variant's level; then, as every layout, float scale[C] (the multipliers) and
 * int32 bias[C]; then int32 w[C][T] (T = kh * kw taps, tap ky*kw + kx): the
 * int16 w - zw[c] (|w - zw| <= 255) in the low half, 0 in the high half;
 * then (at a multiple of 64) int32 s8_ok, 1 when every w - zw fits s8, and at
 * the next multiple of 64 int8 wb[C][T] (the same w - zw as bytes, valid when
 * s8_ok) and 64 bytes of zeros (the quad kernel loads 64 bytes per channel).
 * One layout for every variant: only the recorded level differs. The planes hold
 * u = x - zx + zu (the stored byte, flipped to unsigned for s8: q8_xoff), so
 * the packed bias is bias - zu * sum_t (w - zw) (modulo 2^32), as the
 * avx512vnni conv layout's. */
enum { Q8_KIND_DWCONV = 4 };

/* ---- the row kernel ----------------------------------------------------------------
 * One channel's input is laid out as byte planes (one per stride phase a tap
 * reads, as q8_conv_gemm.c's planes but one channel, one byte per element):
 *   plane[r][c] = u = b ^ flip of the padded input at row r*sh + py, column
 *                 c*sw + px (zu in the padding, which then adds zu * w, taken
 *                 back by the packed bias)
 * Wph bytes per row, then a tail of at least Q8_DW_TAIL bytes of zu.
 * Output (oy, ox) reads tap t at x[oy*ld + ox + off[t]] with
 * off[t] = phase(t)*L + (ky*dh/sh)*ld + kx*dw/sw, so a row of outputs is a
 * run of consecutive bytes against one offset table.
 *
 * q8_dw_rows_fn: for r < rows, j < ow,
 *   acc[r*ow + j] = sum_t x[r*ld + off[t] + j] * w[t]
 * with the byte read as unsigned and w[t] as the low int16 of its int32 (so
 * each product is exact: |.| <= 255 * 255), the sums wrapping modulo 2^32 (the
 * exact result, bias included, fits int32 by the bound packing checks: qrt_q8.h,
 * "Accumulation"). A kernel may compute whole vectors: it may write
 * acc[r*ow + j] for ow <= j < ow rounded up to its width (that is row r + 1's
 * start, written again after, or the last row's tail: the caller provides
 * Q8_DW_TAIL more values) and read the bytes those need (inside the plane and
 * its tail). Rows go in increasing order. */
enum { Q8_DW_TAIL = 64 }; /* bytes or values: more than the widest kernel's overrun (16) */
typedef void (*q8_dw_rows_fn)(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                              const uint8_t *x, const int32_t *w, int32_t *acc);

/* ---- the plane fill --------------------------------------------------------------
 * The input bytes of one channel into the planes (the padding, zu, is written
 * once per task by the driver): for each copy c < n, for r < c.rows,
 * k < c.cols: planes[c.dst + r*dst_ld + k] = src[c.src + r*src_ld + k*sw] ^ flip.
 * One copy per phase plane a tap reads, computed once per layer. */
typedef struct {
  int64_t rows, cols, src, dst;
} q8_dw_copy_t;
/* Small planes (the quad kernel's layers up to Q8_DW_MAX_CHUNKS chunks), with
 * VBMI: each 64-byte chunk of a phase plane is one gather from a window of
 * 256 input bytes (up to 4 masked loads at src + 64i, lmask[i] the bytes
 * inside the channel's input), byte b = window[idx[b] + 128 * (hmask bit b)]
 * ^ flip where bit b of pad is set, zu elsewhere, stored at dst (a multiple
 * of 64): a 7x7 plane is 1 load, 2 permutes and 2 stores instead of 7 row
 * copies. */
enum { Q8_DW_MAX_CHUNKS = 8 };
typedef struct {
  uint8_t idx[64];
  uint64_t pad, hmask, lmask[4];
  int64_t src, dst;
} q8_dw_chunk_t;
/* Stride 2 across (with VBMI, planes too large for chunks): a row phase py's
 * input rows go to its two column phases' planes at once, 64 input bytes per
 * load split by one vpermb (even input columns to one plane, odd to the
 * other): for r < rows, input row src + r*src_ld, plane rows dst[0], dst[1]
 * + r*dst_ld; input column ix goes to plane (ix + pl) % 2, column (ix + pl) / 2. */
typedef struct {
  int64_t rows, src, dst[2];
} q8_dw_pair_t;
typedef struct {
  int64_t n, sw, src_ld, dst_ld;
  const q8_dw_copy_t *c;
  uint8_t flip, zu;
  int64_t n_chunks; /* > 0: the variant's gather fill runs these instead of the copies */
  const q8_dw_chunk_t *chunk;
  int64_t n_pairs, w, pl; /* > 0: the variant's pair fill runs these instead */
  const q8_dw_pair_t *pair;
} q8_dw_fill_t;
typedef void (*q8_dw_fill_fn)(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes);
/* The portable fill (q8_dwconv.c): the reference and the non-AVX-512 rows'. */
void qrt_q8_dw_fill_run(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes);

/* ---- the quad kernel (VNNI + VBMI) ------------------------------------------------
 * Lanes are flat plane positions: output (oy, ox) is position p = oy*Wph + ox
 * of the planes' grid, so one 16-lane vector covers consecutive positions
 * across rows (the Wph - OW columns past a row are computed and dropped); a
 * 7x7 plane takes 4 vectors instead of 7 row vectors. The taps are grouped in
 * quads of up to 4 taps read from at most 2 sources (a source: a phase plane
 * and a row offset, bytes src[s] on from the position); lane i's 4 bytes are
 * x[p + src[s] + col] for the quad's taps (vpermb / vpermt2b of one or two
 * 64-byte loads: col <= Q8_DW_QUAD_COL), against the quad's 4 s8 weights
 * (vpdpbusd: u8 x s8, exact, wrapping as the reference's sums; an empty slot
 * has weight 0). Quads depend only on the kernel, stride and dilation. */
enum { Q8_DW_MAX_QUADS = 16, Q8_DW_QUAD_COL = 48 };
typedef struct {
  int64_t n_quads, nvec;       /* quads; vectors of 16 positions (P = OH * Wph positions) */
  const int64_t *src;          /* [n_quads][2] byte offsets in the planes (equal for one source) */
  const uint8_t *idx;          /* [n_quads][64] vpermt2b indices: lane i byte k = i + col (+ 64: source 1) */
  const uint8_t *wsel;         /* [64] byte 4q + k: the tap of quad q's slot k (vpermb of wb[c]) */
  uint64_t wmask;              /* the bytes of wsel that are taps (others: weight 0) */
  const uint16_t *vmask;       /* [nvec] lanes that are outputs (p % Wph < OW, p < P) */
} q8_dw_quads_t;
/* One channel: y[oy*OW + ox] = requant(bias + sum_t u(oy, ox, t) * wb[t], mult) for
 * every output (qrt_requantize_scalar's arithmetic, mult finite), from planes
 * laid out as for the row kernels; wb = the channel's T bytes. */
typedef void (*q8_dw_chan_fn)(const q8_dw_quads_t *q, const uint8_t *planes, const int8_t *wb, int32_t bias,
                              float mult, const q8_out_t *o, uint8_t *y);

/* A row of the depthwise variant table: the level recorded in the packed
 * header, its rows kernel and the requantization of q8_conv_gemm (shared: one
 * definition of the arithmetic). NULL functions: this build lacks the row. */
typedef struct {
  const char *name;
  qrt_isa_t isa;
  q8_dw_rows_fn rows;
  q8_requant_fn requant;
  q8_dw_fill_fn fill;
  q8_dw_fill_fn gather; /* or NULL: the chunk fill, with chan (VBMI) */
  q8_dw_fill_fn pairs;  /* or NULL: the stride-2 pair fill, with chan (VBMI) */
  q8_dw_chan_fn chan; /* or NULL; used when the CPU has AVX512-VBMI, s8_ok and the multiplier is finite */
} q8_dw_variant_t;

void qrt_q8_dw_rows__scalar(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                            const uint8_t *x, const int32_t *w, int32_t *acc);
#if defined(__x86_64__) || defined(_M_X64)
void qrt_q8_dw_rows__avx2(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                          const uint8_t *x, const int32_t *w, int32_t *acc);
void qrt_q8_dw_rows__avx512f(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                             const uint8_t *x, const int32_t *w, int32_t *acc);
void qrt_q8_dw_fill__avx512f(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes);
void qrt_q8_dw_fill__avx512vnni(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes);
void qrt_q8_dw_rows__avx512vnni(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                                const uint8_t *x, const int32_t *w, int32_t *acc);
void qrt_q8_dw_gather__avx512vnni(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes);
void qrt_q8_dw_pairs__avx512vnni(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes);
void qrt_q8_dw_chan__avx512vnni(const q8_dw_quads_t *q, const uint8_t *planes, const int8_t *wb, int32_t bias,
                                float mult, const q8_out_t *o, uint8_t *y);
#endif
#if defined(__aarch64__)
void qrt_q8_dw_rows__neon(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                          const uint8_t *x, const int32_t *w, int32_t *acc);
#endif

/* ---- the driver (q8_dwconv.c), called by q8_conv_gemm.c ---------------------------- */
/* groups == c_in == c_out (multiplier 1), and the dedicated kernel is enabled
 * (qrt_q8_set_pack_dwconv). */
int qrt_q8_dw_applies(int64_t groups, int64_t c_in, int64_t c_out);
size_t qrt_q8_dw_packed_size(int64_t c, int64_t kh, int64_t kw);
/* Scratch for `threads` workers (the tap table, then each worker's planes and
 * accumulators); 0 when the shape is invalid. */
size_t qrt_q8_dw_scratch_size(const qrt_conv2d_params_t *p, int64_t h, int64_t w, int threads);
/* Packs arguments q8_pack_check accepted, for the newest row up to `limit`
 * (QRT_ISA_NATIVE: the CPU's best). */
void qrt_q8_dw_pack(const q8_pack_args_t *a, qrt_isa_t limit, void *packed);
/* Runs a Q8_KIND_DWCONV buffer whose header matches the call (checked by the
 * caller); QRT_UNSUPPORTED when the recorded row is not in this build or CPU. */
qrt_status_t qrt_q8_dw_run(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c, int64_t h,
                           int64_t w, const void *x, const void *packed, void *y, void *scratch,
                           size_t scratch_size);

#endif /* Q8_DWCONV_INTERNAL_H */
