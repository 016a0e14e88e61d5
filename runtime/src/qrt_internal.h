/* Private declarations shared by libqrt's sources (not installed). */
#ifndef QRT_INTERNAL_H
#define QRT_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "qrt/qrt_f32.h"
#include "qrt_target.h"

#define QRT_MIN(a, b) ((a) < (b) ? (a) : (b))
#define QRT_MAX(a, b) ((a) > (b) ? (a) : (b))

/* How an elementwise or row-wise kernel of `total` units splits on a pool
 * (f32_elementwise.c): the task count (1: run it on the caller) and each
 * task's share, a multiple of 16 units, every task at least min_task units. */
int64_t qrt_ew_tasks(const qrt_pool_t *pool, int64_t total, int64_t min_task, int64_t *out_chunk);
/* The same rule with at most per_thread tasks per thread, each share a multiple
 * of `align` units (qrt_ew_tasks is 4 and 16; the int8 QAdd and quantization
 * take one contiguous part per thread of whole cache lines, 1 and 64). */
int64_t qrt_ew_split(const qrt_pool_t *pool, int64_t total, int64_t min_task, int per_thread, int64_t align,
                     int64_t *out_chunk);

/* ---- f32 GEMM microkernels ----------------------------------------------------
 * A microkernel computes one tile C[0..mr)[0..nr) (mr <= MR, nr <= NR) from
 *   a: a packed A panel, a[k*MR + i] for k < kc, i < MR (rows past mr are zero)
 *   b: a packed B panel, b[k*NR + j] for k < kc, j < NR (columns past nr zero)
 * The accumulator starts from C (flags & QRT_UK_LOAD_C), else from bias[i]
 * (bias non-NULL) or 0; each k adds a*b in increasing k (with or without a
 * fused multiply-add, as the variant's name says); with QRT_UK_CLAMP the
 * result is clamped to [lo, hi] with NaN propagating; then stored to
 * c[i*ldc + j] for i < mr, j < nr only. kc >= 1. */
enum { QRT_UK_LOAD_C = 1u, QRT_UK_CLAMP = 2u };
typedef void (*qrt_f32_gemm_ukernel_fn)(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                        const float *b, float *c, int64_t ldc, uint32_t flags,
                                        const float *bias, float lo, float hi);

typedef struct {
  const char *name; /* the contract: f32_gemm_<MR>x<NR>__<isa> */
  qrt_isa_t isa;
  int mr, nr;
  int kc;     /* K block: a kc x NR panel of B stays in L1 */
  int mc, nc; /* M and N blocks (multiples of mr, nr): packed blocks stay in L2 */
  qrt_f32_gemm_ukernel_fn fn;
} qrt_f32_gemm_ukernel_t;

#define QRT_F32_GEMM_UKERNEL(name, isa, mr, nr, kc, mc, nc)                                   \
  void qrt_##name(int64_t m, int64_t n, int64_t kc_, const float *a, const float *b, float *c, \
                  int64_t ldc, uint32_t flags, const float *bias, float lo, float hi);
#include "f32_gemm_ukernels.inl"
#undef QRT_F32_GEMM_UKERNEL

/* The table's levels (qrt_target.h): a row not kept has fn NULL. */
enum {
  QRT_F32_GEMM_LEVELS = 0u
#define QRT_F32_GEMM_UKERNEL(name, isa, mr, nr, kc, mc, nc) | QRT_LEVEL_BIT(isa)
#include "f32_gemm_ukernels.inl"
#undef QRT_F32_GEMM_UKERNEL
};

/* Every row of the architecture, oldest ISA first (in a one-target build the
 * rows not kept have fn NULL: qrt_target.h). */
int qrt_f32_gemm_ukernel_count(void);
const qrt_f32_gemm_ukernel_t *qrt_f32_gemm_ukernel_at(int index);
/* The newest variant with a function allowed by qrt_active_isa(); its index in *out_index. */
const qrt_f32_gemm_ukernel_t *qrt_f32_gemm_ukernel_select(int *out_index);

/* ---- the blocked GEMM driver ---------------------------------------------------
 * An operand of the driver is a matrix indexed [i][k]: for A, i = m; for B,
 * i = n. It is either pre-packed whole (prepacked != NULL, the layout of
 * qrt_f32_pack_panels over the whole extent) or packed block by block by
 * pack(ctx, i0, len, k0, kc, r, dst), which writes panels of r rows:
 *   dst[p*kc*r + k*r + t] = X[i0 + p*r + t][k0 + k], zero for i0+p*r+t >= i0+len. */
typedef void (*qrt_f32_pack_fn)(const void *ctx, int64_t i0, int64_t len, int64_t k0, int64_t kc,
                                int64_t r, float *dst);
typedef struct {
  const float *prepacked;
  qrt_f32_pack_fn pack;
  const void *ctx;
} qrt_f32_operand_t;

/* Context of qrt_f32_pack_strided: X[i][k] = base[i*stride_i + k*stride_k]. */
typedef struct {
  const float *base;
  int64_t stride_i, stride_k;
} qrt_f32_strided_t;
void qrt_f32_pack_strided(const void *ctx, int64_t i0, int64_t len, int64_t k0, int64_t kc, int64_t r,
                          float *dst);

/* Floats of a whole pre-packed operand with extent len (M or N) and depth k. */
size_t qrt_f32_packed_floats(const qrt_f32_gemm_ukernel_t *uk, int64_t len, int64_t k, int64_t r);
/* Packs the whole operand for uk, with panel rows r (uk->mr for A, uk->nr for B). */
void qrt_f32_pack_whole(const qrt_f32_gemm_ukernel_t *uk, int64_t len, int64_t k, int64_t r,
                        qrt_f32_pack_fn pack, const void *ctx, float *dst);

/* Floats of scratch qrt_f32_gemm_run needs (blocks of the operands not prepacked). */
size_t qrt_f32_gemm_run_scratch_floats(const qrt_f32_gemm_ukernel_t *uk, int a_prepacked,
                                       int b_prepacked);
/* C[m][n] (ldc) = clamp(bias[m] + sum_k A[m][k] B[n][k], lo, hi); bias may be
 * NULL; clamping only when do_clamp. K == 0 writes bias (or 0), clamped. */
void qrt_f32_gemm_run(const qrt_f32_gemm_ukernel_t *uk, int64_t m, int64_t n, int64_t k,
                      const qrt_f32_operand_t *a, const qrt_f32_operand_t *b, float *c, int64_t ldc,
                      const float *bias, int do_clamp, float lo, float hi, float *scratch);

/* Rounds a scratch pointer up to 64 bytes; the _size functions add 64 for it. */
static inline float *qrt_align64(void *p) {
  return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

#endif /* QRT_INTERNAL_H */
