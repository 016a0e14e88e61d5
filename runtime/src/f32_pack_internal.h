/* Panel packing of the f32 GEMM driver's operands (qrt_f32_pack_strided in
 * f32_gemm.c), per ISA (f32_pack__<isa>.c). One panel of r rows and kc columns:
 *   d[k*r + t] = X[t][k] for t < rows, 0 for rows <= t < r, k < kc,
 * read from a row-major source (row t at src + t*ld, contiguous along k: _rows,
 * a transposition) or a column-major one (column k at src + k*ld, contiguous
 * along t: _cols, a copy). Pure copies, so every build gives the same bytes;
 * a build takes r up to its limit (QRT_F32_PACK_MAX_R_<isa>) and the caller
 * uses the portable loop beyond it. */
#ifndef QRT_F32_PACK_INTERNAL_H
#define QRT_F32_PACK_INTERNAL_H
#include <stdint.h>

#define QRT_F32_PACK_MAX_R_avx512f 16
#define QRT_F32_PACK_MAX_R_avx2_fma 8
void qrt_f32_pack_rows__avx512f(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d);
void qrt_f32_pack_cols__avx512f(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d);
void qrt_f32_pack_rows__avx2_fma(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d);
void qrt_f32_pack_cols__avx2_fma(const float *src, int64_t ld, int64_t rows, int64_t kc, int64_t r, float *d);
#endif
