/* QLinearMatMul / MatMulInteger, vector builds (q8_matmul__<isa>.c) of the
 * int32 sums of one batch: acc[r][c] = sum_i (A[r][i] - za[r]) (B[i][c] - zb[c]).
 * Each difference is in [-255, 255], so it is an exact int16; a pair of
 * products is at most 2 * 255^2 < 2^31 (vpmaddwd / vpdpwssd add pairs of int16
 * products into int32 lanes without saturating), and the public functions'
 * bound (K max|a - za| max|b - zb| <= INT32_MAX, qrt/qrt_q8.h) keeps every
 * partial sum in int32: the sums are the reference's exactly, in any order.
 * A block of B (its columns for one vector, all K rows as int16 pairs) lives on
 * the stack, hence K <= Q8_MM_MAX_K; q8_matmul__scalar.c runs larger K itself.
 * With yq set, a kernel requantizes a tile of up to 4 rows x 16 (AVX2: 8)
 * columns from its registers, the reference's operations lane by lane:
 * M = (sa * sb) / y.scale (qrt_requant_multiplier), (float)acc * M, the clamp
 * to [qmin - zp, qmax - zp] in float (exact integers), rounding half to even by
 * the conversion in the default rounding mode, + zp: the value of
 * qrt_requantize_scalar whenever M is finite (then acc * M is never NaN). A
 * tile with a non-finite M, and every tile of MatMulInteger (yq NULL), goes to
 * emit, which requantizes or stores it per element (acc[r * ld + c], r < rows,
 * c < cols). */
#ifndef QRT_Q8_MATMUL_INTERNAL_H
#define QRT_Q8_MATMUL_INTERNAL_H
#include <stdint.h>

#include "qrt/qrt_q8.h"

#define Q8_MM_MAX_K 1024

typedef struct {
  const uint8_t *a, *b;       /* this batch's A [m][k] and B [k][n], u8 or s8 bytes */
  int a_signed, b_signed;
  int64_t m, n, k;
  const int32_t *za, *zb;     /* zero point of row r: za[r * za_step] (NULL: 0); columns of B likewise */
  int64_t za_step, zb_step;
  void (*emit)(void *ctx, int64_t r0, int64_t rows, int64_t c0, int64_t cols, const int32_t *acc, int64_t ld);
  void *ctx;
  /* QLinearMatMul's output (yq NULL: MatMulInteger, everything through emit) */
  const qrt_q8_output_t *yq;
  void *y;                   /* this batch's [m][n] */
  const float *sa, *sb;      /* scale of row r: sa[r * za_step]; columns of B likewise */
  float mult;                /* the multiplier when both steps are 0 */
} q8_mm_job_t;

void qrt_q8_matmul_batch__avx2(const q8_mm_job_t *j);
void qrt_q8_matmul_batch__avx512vnni(const q8_mm_job_t *j);
#endif
