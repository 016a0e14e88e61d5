/* libqrt weight-only kernels: Linear / MatMul by a constant weight stored in
 * a narrow type (int8, int4 in groups, fp16) with float32 activations and
 * float32 arithmetic. See qrt.h for the conventions.
 *
 *   y[m][n] = bias[n] + sum_k x[m][k] * wdq[n][k]     (bias optional)
 *
 * wdq is the dequantized weight, by format:
 *   QRT_WO_S8_CHANNEL  int8 q[n][k], scale[n]:             wdq = (float)q * scale[n]
 *   QRT_WO_S4_GROUP    int4 q[n][k] in [-8, 7], symmetric:  wdq = (float)q * scale[n][k/G]
 *   QRT_WO_U4_GROUP    uint4 q[n][k] in [0, 15], zero point zp[n][k/G] in [0, 15]:
 *                                                          wdq = (float)(q - zp) * scale[n][k/G]
 *   QRT_WO_F16         IEEE binary16 bits h[n][k]:          wdq = (float)h (exact)
 * with groups of G = 32, 64 or 128 consecutive k for the 4-bit formats; K must
 * be a multiple of G (there is no tail group: pad the weights with zeros,
 * which is what a K tail would mean anyway). The weight is [N][K] (row n =
 * output channel: PyTorch Linear, ONNX Gemm with transB = 1; MatMul by a
 * constant [K][N] B is its transpose).
 *
 * Numerics (docs/weight-only-kernels.md). Every variant computes each wdq
 * exactly as above: the integer difference q - zp (exact), converted to float
 * (exact, |q - zp| <= 255) and one float32 multiply by the scale -- never fused
 * into the accumulation -- so wdq is bit-identical on every ISA. f16 -> f32 is
 * exact (F16C vcvtph2ps, NEON fcvtl, qrt_f16_to_f32), subnormal, Inf and NaN
 * halves included (a NaN stays NaN; its payload's quiet bit may differ).
 * The sum over k follows the f32 gemm's contract (qrt_f32.h): the vector
 * variants use FMA and may split the sum, so they differ from the scalar
 * variant by at most (K + 3) * 2^-23 * (|bias[n]| + sum_k |x[m][k] * wdq[n][k]|)
 * per output; the scalar variant adds x*wdq products one at a time in
 * increasing k starting from bias (no FMA). NaN/Inf in x or in f16 weights
 * propagate as IEEE arithmetic says.
 *
 * Use: pack once (at plan time), run many times:
 *   size_t ps = qrt_wo_gemm_packed_size(fmt, n, k, group);
 *   qrt_wo_gemm_pack(fmt, n, k, group, q, scales, zero_points, bias, packed, ps);
 *   size_t ss = qrt_wo_gemm_scratch_size(m, n, k);    (<= 32 KB; 0 for small m)
 *   qrt_wo_gemm(m, n, k, x, ldx, packed, y, ldy, scratch, ss);   ...as often as needed
 * The packed buffer is self-describing (format, variant, n, k, group) and
 * read-only at run time, so one buffer serves concurrent calls. */
#ifndef QRT_WO_H
#define QRT_WO_H
#include "qrt/qrt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QRT_WO_S8_CHANNEL = 0, /* int8 weights, one scale per output channel, zero point 0 */
  QRT_WO_S4_GROUP = 1,   /* int4 [-8, 7] weights, a scale per (n, group), zero point 0 */
  QRT_WO_U4_GROUP = 2,   /* uint4 [0, 15] weights, a scale and zero point per (n, group) */
  QRT_WO_F16 = 3,        /* binary16 weights, no scale */
} qrt_wo_format_t;

/* "s8_channel", "s4_group", "u4_group", "f16" (NULL for an unknown value). */
const char *qrt_wo_format_name(qrt_wo_format_t fmt);

/* Bytes of a packed buffer for these arguments, enough for every variant of
 * this build (so the ISA limit may change between _size and _pack); 0 when
 * the arguments are invalid (see qrt_wo_gemm_pack). group is ignored (pass 0)
 * for QRT_WO_S8_CHANNEL and QRT_WO_F16. */
size_t qrt_wo_gemm_packed_size(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group);

/* Packs the weights (and bias) for the newest variant that qrt_active_isa()
 * allows and the CPU runs (for the AVX2 variant: with F16C).
 * Inputs, plain and row-major ("[n][k]" = element n*k + k'):
 *   q            S8_CHANNEL: int8_t [n][k]; S4_GROUP: int8_t [n][k], one value
 *                in [-8, 7] per element; U4_GROUP: uint8_t [n][k], one value in
 *                [0, 15] per element; F16: uint16_t [n][k], binary16 bits
 *                (any, Inf/NaN/subnormal included).
 *   scales       S8_CHANNEL: float [n]; 4-bit: float [n][k/group]; finite
 *                (any sign, 0 allowed); F16: unused (NULL).
 *   zero_points  U4_GROUP: uint8_t [n][k/group] in [0, 15]; otherwise NULL.
 *   bias         float [n] or NULL (no bias).
 * n >= 0, k >= 0; group 32, 64 or 128 with k % group == 0 for the 4-bit formats.
 * packed: at least 4-byte aligned (64 is best: every section starts at a
 * multiple of 64 from it); it holds no pointers, so it may be copied or
 * stored (for the same build and architecture) and used from anywhere.
 * The packed form stores 4-bit weights two per byte (nibble order in
 * docs/weight-only-kernels.md), i.e. n*k/2 bytes plus scales: the kernels
 * read it as is and dequantize in registers.
 * QRT_INVALID_ARGUMENT: bad shape, group, a value out of range, a non-finite
 * scale, NULL where data is needed; QRT_BUFFER_TOO_SMALL: packed_size less
 * than qrt_wo_gemm_packed_size. Nothing is written on error. */
qrt_status_t qrt_wo_gemm_pack(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group,
                              const void *q, const float *scales, const void *zero_points,
                              const float *bias, void *packed, size_t packed_size);
/* The same with the weight stored [K][N] (ONNX MatMul's constant B, y = x B):
 * q[k][n] (element kk*n + col), 4-bit scales and zero points [k/group][n]
 * (s8 scales [n]). Packs the same buffer as qrt_wo_gemm_pack of the
 * transposes, so everything else is unchanged. */
qrt_status_t qrt_wo_gemm_pack_kn(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group,
                                 const void *q, const float *scales, const void *zero_points,
                                 const float *bias, void *packed, size_t packed_size);
/* The same for the newest variant <= isa that this build has, whether or not
 * this CPU can run it (packing runs no vector code: a buffer can be packed for
 * another machine; running it where the CPU lacks it is QRT_UNSUPPORTED).
 * Tests and benchmarks use it to pack for each variant. */
qrt_status_t qrt_wo_gemm_pack_isa(qrt_isa_t isa, qrt_wo_format_t fmt, int64_t n, int64_t k,
                                  int64_t group, const void *q, const float *scales,
                                  const void *zero_points, const float *bias, void *packed,
                                  size_t packed_size);

/* Facts about a packed buffer (NULL fields are skipped); QRT_INVALID_ARGUMENT
 * when it is not one, QRT_UNSUPPORTED when its variant is not in this build. variant: the microkernel's name, e.g. "wo_gemm_8x32__avx512f". */
qrt_status_t qrt_wo_gemm_packed_info(const void *packed, qrt_wo_format_t *out_fmt, int64_t *out_n,
                                     int64_t *out_k, int64_t *out_group, qrt_isa_t *out_isa,
                                     const char **out_variant);

/* Scratch bytes of qrt_wo_gemm, enough for every variant of the build: 0 for
 * few rows (the buffer may then be NULL), else one dequantized block of
 * 256 x 32 floats (+ 64 for alignment; any alignment works): the vector
 * variants dequantize each kc x NR block of weights once into it and run
 * every row of x over it. Never a copy of the whole weight matrix. */
size_t qrt_wo_gemm_scratch_size(int64_t m, int64_t n, int64_t k);

/* y[m][n] as above for x [m][k] (row i at x + i*ldx, ldx >= k) into y (row i
 * at y + i*ldy, ldy >= n; y must not overlap x or packed). n and k must be
 * those the buffer was packed with. Runs the variant recorded in the buffer,
 * whatever the ISA limit is now: QRT_UNSUPPORTED when this CPU lacks it or
 * this build does not have it (a buffer packed for the other architecture).
 * m >= 0 (any size; m == 1 takes a GEMV-shaped path). k == 0 gives y = bias
 * (or 0). Writes only the m x n window of y. */
qrt_status_t qrt_wo_gemm(int64_t m, int64_t n, int64_t k, const float *x, int64_t ldx,
                         const void *packed, float *y, int64_t ldy, void *scratch,
                         size_t scratch_size);

/* The dequantized weight wdq[n][k] as the kernels compute it, from the plain
 * inputs of qrt_wo_gemm_pack (for tests, references and unpacking tools).
 * Same argument checks as the pack; out: float [n][k]. */
qrt_status_t qrt_wo_dequantize(qrt_wo_format_t fmt, int64_t n, int64_t k, int64_t group,
                               const void *q, const float *scales, const void *zero_points,
                               float *out);

#ifdef __cplusplus
}
#endif
#endif /* QRT_WO_H */
