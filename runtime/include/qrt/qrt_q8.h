/* libqrt int8 kernels: quantized convolution, matmul/gemm, the ONNX integer
 * ops, dynamic quantization, elementwise add/mul, concat, pooling and 8-bit
 * lookup tables. Conventions as in qrt.h (no allocation, int64_t sizes,
 * strides in elements, statuses; NCHW activations, OIHW weights).
 *
 * The scalar reference kernels are src/q8_*__scalar.c; every ISA variant
 * reproduces their results bit for bit. QConv2d and QGemm (static and dynamic)
 * have x86 variants (AVX2, AVX-512 VNNI; src/q8_conv_gemm*.c, see
 * docs/int8-kernels.md), chosen when the weights are packed. The arithmetic
 * is docs/numerics.md; the scalar pieces (requantization, clamp ranges, bias)
 * are in qrt_quant.h.
 *
 * Quantized values are 8-bit, u8 (QRT_DTYPE_U8) or s8 (QRT_DTYPE_I8), each
 * tensor with its own type. A real value is (q - zero_point) * scale.
 *  - Activations: one scale and zero point per tensor (the zero point inside
 *    the storage range).
 *  - Weights: s8 symmetric per output channel (zero point 0) is the default,
 *    but u8 or s8 with per-tensor or per-channel zero points are accepted too
 *    (imported QLinearConv models).
 *  - Bias: int32 with scale s_in * s_w[c] (qrt_quantize_bias_scalar), zero point 0.
 *  - Every scale must be finite and > 0, every zero point inside its type's
 *    range, every output clamp range [qmin, qmax] inside the output type's range;
 *    otherwise QRT_INVALID_ARGUMENT, and nothing is written.
 *
 * Accumulation. Products (q - zq) * (w - zw) are summed exactly in integers
 * and the sum (plus bias) is requantized with qrt_requantize_scalar. A kernel
 * accepts its arguments only if every partial sum, in any order, fits int32:
 *   |bias| + sum_k |x_k - zx| * |w_k - zw| <= INT32_MAX for all inputs.
 * Operands known when the kernel is set up (packed weights and bias) are bounded
 * by their actual values, operands given at run time by their type and zero
 * point (max |q - zq| is max(zq - lo, hi - zq) <= 255). With both at run time
 * this is K * 255 * 255 <= INT32_MAX, i.e. K <= 33025 in the worst case
 * (full-range u8 with zero point 0 or 255 on both sides). Larger problems are
 * QRT_INVALID_ARGUMENT. So an int32 accumulator never overflows, and a
 * fast kernel that sums in another order (or that expands
 * (x - zx)(w - zw) = xw - zw*x - zx*w + zx*zw with wrapping 32-bit arithmetic)
 * gets the identical int32 value. */
#ifndef QRT_Q8_H
#define QRT_Q8_H
#include "qrt/qrt.h"
#include "qrt/qrt_data.h"
#include "qrt/qrt_f32.h"
#include "qrt/qrt_quant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- parameters ----------------------------------------------------------- */

/* A per-tensor quantized input (activation). */
typedef struct {
  qrt_dtype_t type; /* QRT_DTYPE_U8 or QRT_DTYPE_I8 */
  float scale;
  int32_t zero_point;
} qrt_q8_act_t;

/* A quantized output: type, scale, zero point and the clamp range
 * [qmin, qmax] (storage range, or a fused activation's range from
 * qrt_quant_clamp_range; it need not contain the zero point). */
typedef struct {
  qrt_dtype_t type;
  float scale;
  int32_t zero_point;
  int32_t qmin, qmax;
} qrt_q8_output_t;

/* Fills *y with the storage range of type as clamp range. */
void qrt_q8_output_init(qrt_q8_output_t *y, qrt_dtype_t type, float scale, int32_t zero_point);

/* Quantized weights' parameters. scales has n_scales entries and zero_points
 * n_zero_points entries, each 1 (per tensor) or the number of output channels
 * (per channel); zero_points NULL means all zero. Scales are not read by the
 * integer ops (conv_integer), which may pass NULL. */
typedef struct {
  qrt_dtype_t type; /* QRT_DTYPE_U8 or QRT_DTYPE_I8 */
  int64_t n_scales;
  const float *scales;
  int64_t n_zero_points;
  const int32_t *zero_points;
} qrt_q8_weights_t;

/* Validation used by every kernel below (and available to callers at plan
 * time): QRT_OK when the type is U8 or I8, the scale finite and > 0, the zero
 * point inside the type's range and, for outputs, qmin <= qmax inside it;
 * otherwise QRT_INVALID_ARGUMENT. NULL is invalid. */
qrt_status_t qrt_q8_act_check(const qrt_q8_act_t *x);
qrt_status_t qrt_q8_output_check(const qrt_q8_output_t *y);
/* Weights with `channels` output channels: n_scales and n_zero_points are 1 or
 * channels; scales are checked (and required) only when need_scales. */
qrt_status_t qrt_q8_weights_check(const qrt_q8_weights_t *wq, int64_t channels, int need_scales);
/* max |q - zero_point| over the values q of type: at most 255. */
int32_t qrt_q8_max_deviation(qrt_dtype_t type, int32_t zero_point);

/* Storage range of an 8-bit type; returns 0 (and sets nothing) for other types. */
static inline int qrt_q8_type_range(qrt_dtype_t t, int32_t *lo, int32_t *hi) {
  if (t == QRT_DTYPE_U8) { *lo = 0; *hi = 255; return 1; }
  if (t == QRT_DTYPE_I8) { *lo = -128; *hi = 127; return 1; }
  return 0;
}
/* Element i of an 8-bit tensor as int32. */
static inline int32_t qrt_q8_load(qrt_dtype_t t, const void *p, int64_t i) {
  return t == QRT_DTYPE_U8 ? (int32_t)((const uint8_t *)p)[i] : (int32_t)((const int8_t *)p)[i];
}
/* Stores v (inside t's range) as element i. */
static inline void qrt_q8_store(qrt_dtype_t t, void *p, int64_t i, int32_t v) {
  if (t == QRT_DTYPE_U8) ((uint8_t *)p)[i] = (uint8_t)v;
  else ((int8_t *)p)[i] = (int8_t)v;
}

/* ================================ QConv2d ===================================
 * QLinearConv with optional fused activation: for output channel o of group g,
 *   acc = bias[o] + sum_{i in group g, kh, kw} (x[i][ih][iw] - zx) * (w[o][i][kh][kw] - zw[o])
 *   y   = qrt_requantize_scalar(acc, M[o], y.zero_point, y.qmin, y.qmax)
 *   M[o] = qrt_requant_multiplier(x.scale, w.scales[o or 0], y.scale)
 * Positions in the padding hold the zero point zx (they add 0).
 * p as for qrt_f32_conv2d (OIHW weights [C_out][C_in/groups][kh][kw], NCHW x and
 * y, output size qrt_conv2d_output_size); p->output_min/output_max are not used
 * (the clamp is y.qmin/y.qmax). bias [C_out] int32 or NULL (zeros).
 *
 * Pack once at plan time (all scales and zero points are constants), run many
 * times. The packed buffer holds the multipliers, the bias and the weights minus
 * their zero points, in the layout of the variant chosen at packing time: the
 * newest one qrt_active_isa() allows (x86: scalar, avx2 for the AVX2 and AVX512F
 * levels, avx512vnni; aarch64: scalar, neon, dotprod; avx512vnni and dotprod
 * need every w - zw inside [-128, 127], e.g. s8 symmetric weights or u8 with
 * zero point 128, else avx2 or neon is used), or the level set by
 * qrt_q8_set_pack_isa. It records the variant: running it later needs a CPU
 * with that variant (QRT_UNSUPPORTED otherwise), whatever the limit is then.
 * The size covers every variant of both architectures. packed must be 8-byte
 * aligned.
 * Packing checks the accumulation bound with the actual weights and bias and x's
 * type and zero point (QRT_INVALID_ARGUMENT if it fails). */
size_t qrt_q8_conv2d_packed_weights_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out);
qrt_status_t qrt_q8_conv2d_pack_weights(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out,
                                        const qrt_q8_act_t *x, const qrt_q8_weights_t *wq,
                                        const void *w, const int32_t *bias, const qrt_q8_output_t *y,
                                        void *packed, size_t packed_size);
/* Packs for an explicit ISA level instead of qrt_active_isa() (e.g. for another
 * machine): the newest variant up to `isa`, as above; the CPU is not consulted.
 * A level of the other architecture (QRT_ISA_NEON or QRT_ISA_DOTPROD on x86,
 * an x86 level on aarch64) packs for that architecture's rows (packing is
 * portable C): the bytes an aarch64 libqrt packs for that level. */
qrt_status_t qrt_q8_conv2d_pack_weights_isa(qrt_isa_t isa, const qrt_conv2d_params_t *p, int64_t c_in,
                                            int64_t c_out, const qrt_q8_act_t *x, const qrt_q8_weights_t *wq,
                                            const void *w, const int32_t *bias, const qrt_q8_output_t *y,
                                            void *packed, size_t packed_size);
/* Scratch for one call of qrt_q8_conv2d_packed, enough for any variant: the
 * vector variants rewrite one group of one image into padded, channel-
 * interleaved planes (about c_in/groups * (h + pads) * (w + pads) bytes, twice
 * that for avx2), plus a few KB; any alignment (sizes include 64 bytes for it).
 * A scalar-packed buffer needs none (scratch may then be NULL); a vector-packed
 * one given a NULL scratch is QRT_INVALID_ARGUMENT, a smaller one
 * QRT_BUFFER_TOO_SMALL. */
size_t qrt_q8_conv2d_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                  int64_t c_out);
/* Scratch for qrt_q8_conv2d_packed_mt on a pool of `threads` workers: depthwise
 * convolutions give each worker its own byte planes of one channel and its
 * int32 sums (about (h + pads) * (w + pads) + 4 * OH * OW bytes per worker). Other
 * convolutions need what qrt_q8_conv2d_scratch_size says. A depthwise call
 * given less than this for its pool runs on one thread (the same bytes). */
size_t qrt_q8_conv2d_scratch_size_mt(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                     int64_t c_out, int threads);
/* Depthwise convolutions (groups == c_in == c_out > 1) are packed for a kernel
 * of their own (docs/int8-kernels.md, "Depthwise"): one output position per
 * lane, every multiply useful; same bytes as every other variant. For tests
 * and benchmarks, qrt_q8_set_pack_dwconv(0) makes packing use the general
 * layouts for them until it is set back to 1; it returns the previous
 * setting. The start is 1, or 0 when the environment variable QRT_Q8_DWCONV
 * is 0 (e.g. `QRT_Q8_DWCONV=0 qcc compile ...` for a before/after
 * comparison). Process-global, like qrt_q8_set_pack_isa. */
int qrt_q8_set_pack_dwconv(int enable);
/* Inside the depthwise kernel, on AVX512-VNNI CPUs with AVX512-VBMI, weights
 * in s8 range and a finite multiplier run the quad kernel (4 taps per
 * vpdpbusd); qrt_q8_dw_set_quads(0) runs the row kernel instead (the same
 * bytes, a run-time choice: the packed buffer is the same). The start is 1,
 * or 0 when the environment variable QRT_Q8_DW_QUADS is 0. For tests and
 * before/after measurements; returns the previous setting. */
int qrt_q8_dw_set_quads(int enable);
/* x [n][c_in][h][w] of the packed x type, y [n][c_out][OH][OW] of the packed y type. */
qrt_status_t qrt_q8_conv2d_packed(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                  int64_t w, const void *x, int64_t c_out, const void *packed, void *y,
                                  void *scratch, size_t scratch_size);
/* The same on a thread pool (qrt_pool.h), with the same scratch: per image
 * and group, the input planes are built by lane groups, then the runs of np
 * output positions (every channel panel) run as tasks, each writing its own
 * outputs with the code of qrt_q8_conv2d_packed: the bytes are the same for
 * every thread count. A NULL pool or one of 1 thread is qrt_q8_conv2d_packed;
 * scalar-packed weights run the single-threaded scalar reference. */
qrt_status_t qrt_q8_conv2d_packed_mt(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                     int64_t h, int64_t w, const void *x, int64_t c_out, const void *packed,
                                     void *y, void *scratch, size_t scratch_size);
/* Activation layouts of a convolution's input and output (qcc-select-layout
 * chooses them; docs/codegen.md, "Layouts"). QRT_LAYOUT_NCHW is [n][c][h][w].
 * QRT_LAYOUT_NCHW4C ("blocked") is [n][c/4][h][w][4], c % 4 == 0: channel ch of
 * pixel (y, x) of image b is byte ((b * c/4 + ch/4) * h * w + y * w + x) * 4 +
 * ch % 4; the same bytes count as NCHW, and the same values (a permutation).
 * It is what the 4-byte-lane conv rows read as their planes' lanes, so a
 * blocked input is copied by rows of lanes (no channel interleave), and a
 * blocked output is written by the tile in lanes. */
typedef enum { QRT_LAYOUT_NCHW = 0, QRT_LAYOUT_NCHW4C = 1 } qrt_layout_t;
/* Whether qrt_q8_conv2d_packed_layout_mt runs these packed weights with these
 * layouts (a property of the packed bytes, not of the CPU): a blocked side
 * needs a conv (not depthwise) of one group packed for a 4-byte-lane row
 * (avx512vnni, dotprod) and that side's channel count a multiple of 4. NCHW on
 * both sides is always supported. */
int qrt_q8_conv2d_layout_supported(const void *packed, qrt_layout_t x_layout, qrt_layout_t y_layout);
/* qrt_q8_conv2d_packed_mt with x in x_layout and y in y_layout (the same scratch,
 * the same values, the bytes permuted as the layouts say); layouts that
 * qrt_q8_conv2d_layout_supported refuses are QRT_UNSUPPORTED (nothing written). */
qrt_status_t qrt_q8_conv2d_packed_layout_mt(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                            int64_t h, int64_t w, const void *x, qrt_layout_t x_layout,
                                            int64_t c_out, const void *packed, void *y, qrt_layout_t y_layout,
                                            void *scratch, size_t scratch_size);
/* NCHW <-> NCHW4C of one tensor of u8/s8 bytes (c % 4 == 0; x and y not
 * overlapping): for tests, and for tools that show a blocked tensor. */
qrt_status_t qrt_q8_to_nchw4c(int64_t n, int64_t c, int64_t hw, const void *x, void *y);
qrt_status_t qrt_q8_from_nchw4c(int64_t n, int64_t c, int64_t hw, const void *x, void *y);
/* Unpacked convenience: packs into scratch and runs; the same acceptance and
 * results as pack + packed. scratch: qrt_q8_conv2d_unpacked_scratch_size bytes,
 * 8-byte aligned. */
size_t qrt_q8_conv2d_unpacked_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                           int64_t w, int64_t c_out);
qrt_status_t qrt_q8_conv2d(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h, int64_t w,
                           const qrt_q8_act_t *xq, const void *x, int64_t c_out,
                           const qrt_q8_weights_t *wq, const void *weights, const int32_t *bias,
                           const qrt_q8_output_t *yq, void *y, void *scratch, size_t scratch_size);

/* ConvInteger (ONNX): y int32 [n][c_out][OH][OW],
 *   y[o] = sum (x - x_zero_point) * (w[o] - zw[o])   (no bias, no requantization)
 * x_zero_point per tensor, w zero points per tensor or per output channel
 * (wq->scales unused). Both operands are run-time values: the bound is
 * K * max|x - zx| * max|w - zw| <= INT32_MAX, K = C_in/groups * kh * kw. */
qrt_status_t qrt_q8_conv_integer(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                                 int64_t w, qrt_dtype_t x_type, int32_t x_zero_point, const void *x,
                                 int64_t c_out, const qrt_q8_weights_t *wq, const void *weights,
                                 int32_t *y);

/* ============================ QGemm (Linear) ================================
 * y[m][n] for x [M][K] (row m at x + m*ldx) and weights w [N][K] (row-major,
 * PyTorch Linear / ONNX Gemm with transB=1), per-channel (per-n) or per-tensor
 * weight parameters, int32 bias [N] or NULL:
 *   acc = bias[n] + sum_k (x[m][k] - zx) * (w[n][k] - zw[n])
 *   y[m][n] = qrt_requantize_scalar(acc, M[n], y.zero_point, y.qmin, y.qmax),
 *   M[n] = qrt_requant_multiplier(x.scale, w.scales[n or 0], y.scale)
 * y row m at y + m*ldy (elements). Packing as for conv (bound checked with the
 * actual weights and bias). */
size_t qrt_q8_gemm_packed_weights_size(int64_t n, int64_t k);
/* The level the pack functions without `_isa` (conv, gemm and dynamic gemm)
 * pack for from now on, instead of qrt_active_isa(); QRT_ISA_NATIVE (the
 * start) goes back to qrt_active_isa(). Returns the previous setting. For a
 * compiler that makes its plan on one machine for another: qcc sets
 * QRT_ISA_NEON or QRT_ISA_DOTPROD while it plans an aarch64 library on x86
 * (compiler/codegen_build.c). Process-global like the ISA limit; not
 * thread-safe to change while packing runs. */
qrt_isa_t qrt_q8_set_pack_isa(qrt_isa_t isa);
qrt_status_t qrt_q8_gemm_pack_weights(int64_t n, int64_t k, const qrt_q8_act_t *x,
                                      const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                                      const qrt_q8_output_t *y, void *packed, size_t packed_size);
qrt_status_t qrt_q8_gemm_pack_weights_isa(qrt_isa_t isa, int64_t n, int64_t k, const qrt_q8_act_t *x,
                                          const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                                          const qrt_q8_output_t *y, void *packed, size_t packed_size);
/* The requantization multipliers M[0..c_out) of a static packed QConv2d or
 * QGemm buffer (the ones the pack functions computed with
 * qrt_requant_multiplier, which every variant reads): copied into m, or
 * replaced by m, e.g. by values computed ahead of time (qcc's
 * qcc-precompute-requant). n must be the buffer's c_out and every value > 0
 * (+Inf allowed, as qrt_requant_multiplier can give); otherwise, or for a
 * dynamic or foreign buffer, QRT_INVALID_ARGUMENT and nothing is changed. */
qrt_status_t qrt_q8_packed_multipliers(const void *packed, float *m, int64_t n);
qrt_status_t qrt_q8_packed_set_multipliers(void *packed, const float *m, int64_t n);
/* What a packed int8 weights buffer (any of the pack functions above) holds,
 * read from its header: the kind of op, the variant (row) it was packed for,
 * the parameters packing baked in, and `used`, the bytes the kernels read
 * (the buffer may be cut there: the pack functions' size covers the largest
 * row of both architectures). For a compiler that stores packed weights
 * (qcc's qcc-pack-weights) and checks them against the op later.
 * QRT_INVALID_ARGUMENT: NULL, not 8-byte aligned, not a packed buffer, an
 * unknown variant, or fewer than `used` bytes in size. */
enum { QRT_Q8_PACKED_CONV = 1, QRT_Q8_PACKED_GEMM = 2, QRT_Q8_PACKED_GEMM_DYNAMIC = 3, QRT_Q8_PACKED_DWCONV = 4 };
typedef struct {
  int kind;                       /* QRT_Q8_PACKED_* */
  qrt_isa_t variant;              /* the row: QRT_ISA_SCALAR or a vector level */
  qrt_dtype_t x_type, w_type, y_type;     /* y_type: static kinds only */
  int32_t x_zero_point, y_zero_point, y_qmin, y_qmax; /* static kinds only */
  int64_t c_in, c_out, groups, kernel_h, kernel_w, k; /* gemm: c_in = k, 1 group, 1x1 */
  size_t used;
} qrt_q8_packed_info_t;
qrt_status_t qrt_q8_packed_info(const void *packed, size_t size, qrt_q8_packed_info_t *out);
/* The Linear tiles qrt_q8_gemm_packed(_mt) and qrt_q8_gemm_dynamic_packed(_mt)
 * call for m rows with this packed buffer: bit (mr - 1) * 8 + (nv - 1) of *out
 * for a tile of mr rows and nv panels (rows whose tile takes any row and panel
 * count, today avx512vnni's 6 x 4 x 16; 0 for the others). For a compiler that
 * builds libqrt with only those tiles (runtime/src/qrt_plan.h). */
qrt_status_t qrt_q8_gemm_tiles_used(const void *packed, size_t size, int64_t m, uint64_t *out);
/* 1 when qrt_q8_gemm_packed(_mt) or qrt_q8_gemm_dynamic_packed(_mt) of m rows
 * with this packed buffer runs the amx row's Linear tiles (weights packed for
 * amx, enough rows for a tile: fewer run the avx512vnni tile); 0 otherwise,
 * and for anything that is not packed Linear weights. */
int qrt_q8_gemm_uses_amx(const void *packed, size_t size, int64_t m);
/* Scratch for qrt_q8_gemm_packed and qrt_q8_gemm_dynamic_packed, enough for any
 * variant: 4 rows of x as lanes (about 8*k bytes) and a tile, plus alignment.
 * NULL or too small as for the convolution. */
size_t qrt_q8_gemm_scratch_size(int64_t m, int64_t n, int64_t k);
qrt_status_t qrt_q8_gemm_packed(int64_t m, int64_t n, int64_t k, const void *x, int64_t ldx,
                                const void *packed, void *y, int64_t ldy, void *scratch,
                                size_t scratch_size);
/* The pool form, with the same scratch (NULL or a 1-thread pool: exactly
 * qrt_q8_gemm_packed). Each row block is split into tasks of (group of weight
 * panels) x (run of row tiles), each with its accumulators on its stack; every
 * output is computed by the same tile calls as with one thread, so the bytes
 * are the same for every thread count. The dynamic one likewise. */
qrt_status_t qrt_q8_gemm_packed_mt(qrt_pool_t *pool, int64_t m, int64_t n, int64_t k, const void *x,
                                   int64_t ldx, const void *packed, void *y, int64_t ldy, void *scratch,
                                   size_t scratch_size);
size_t qrt_q8_gemm_unpacked_scratch_size(int64_t m, int64_t n, int64_t k);
qrt_status_t qrt_q8_gemm(int64_t m, int64_t n, int64_t k, const qrt_q8_act_t *xq, const void *x,
                         int64_t ldx, const qrt_q8_weights_t *wq, const void *w, const int32_t *bias,
                         const qrt_q8_output_t *yq, void *y, int64_t ldy, void *scratch,
                         size_t scratch_size);

/* Dynamic-quantization Linear: x quantized at run time (qrt_q8_dynamic_quantize_rows),
 * float output:
 *   acc = sum_k (x[m][k] - zx[m]) * (w[n][k] - zw[n])
 *   y[m][n] = (float)acc * (x_scales[m] * w.scales[n or 0]) + bias[n]
 * in float32, the two scales multiplied first, then one multiply and one add
 * (no FMA); bias float [N] or NULL (no add). x_scales/x_zero_points have one
 * entry per row (x_params_stride 1) or one for all rows (0). Packed with
 * qrt_q8_gemm_pack_weights_dynamic (same size as the static packing); the
 * bound is checked for any x zero point of x_type (|x - zx| <= 255). */
qrt_status_t qrt_q8_gemm_pack_weights_dynamic(int64_t n, int64_t k, qrt_dtype_t x_type,
                                              const qrt_q8_weights_t *wq, const void *w,
                                              const float *bias, void *packed, size_t packed_size);
qrt_status_t qrt_q8_gemm_dynamic_packed(int64_t m, int64_t n, int64_t k, const void *x, int64_t ldx,
                                        const float *x_scales, const int32_t *x_zero_points,
                                        int64_t x_params_stride, const void *packed, float *y,
                                        int64_t ldy, void *scratch, size_t scratch_size);
qrt_status_t qrt_q8_gemm_dynamic_packed_mt(qrt_pool_t *pool, int64_t m, int64_t n, int64_t k, const void *x,
                                           int64_t ldx, const float *x_scales, const int32_t *x_zero_points,
                                           int64_t x_params_stride, const void *packed, float *y, int64_t ldy,
                                           void *scratch, size_t scratch_size);

/* ===================== QMatMul and MatMulInteger (ONNX) =====================
 * Batched matmul with numpy broadcasting of the batch dimensions, as
 * qrt_f32_matmul: for each batch index i over batch_shape[0..batch_rank)
 * (batch_rank <= 8), A's matrix [m][k] starts at sum_d i_d * a.batch_strides[d],
 * B's [k][n] likewise; y is contiguous [batch_shape..., m, n]. 1-D operands are
 * the caller's reshape.
 * Quantization parameters are per tensor, per row of A, or per column of B
 * (ONNX: a scale/zero point of shape [..., M, 1] or [..., 1, N]), possibly
 * varying with the batch: row r of A in batch i uses element
 *   sum_d i_d * a.param_batch_strides[d] + r * a.param_stride
 * of a.scales and a.zero_points (param_batch_strides NULL: no batch dependence;
 * param_stride 0: per tensor); columns of B likewise. */
typedef struct {
  qrt_dtype_t type;                   /* QRT_DTYPE_U8 or QRT_DTYPE_I8 */
  const void *data;
  const int64_t *batch_strides;       /* [batch_rank], elements; 0 broadcasts; NULL if batch_rank 0 */
  const float *scales;                /* NULL for matmul_integer */
  const int32_t *zero_points;         /* NULL: all zero */
  const int64_t *param_batch_strides; /* [batch_rank] or NULL */
  int64_t param_stride;               /* 0 per tensor, 1 per row (A) / per column (B) */
} qrt_q8_matrix_t;

/* QLinearMatMul:
 *   acc = sum_k (a[r][k] - za[r]) * (b[k][c] - zb[c])
 *   y[r][c] = qrt_requantize_scalar(acc, qrt_requant_multiplier(sa[r], sb[c], y.scale),
 *                                   y.zero_point, y.qmin, y.qmax)
 * Bound: k * max|a - za| * max|b - zb| <= INT32_MAX over the zero points used. */
qrt_status_t qrt_q8_matmul(int64_t batch_rank, const int64_t *batch_shape, int64_t m, int64_t n,
                           int64_t k, const qrt_q8_matrix_t *a, const qrt_q8_matrix_t *b,
                           const qrt_q8_output_t *yq, void *y);
/* MatMulInteger: y int32 = acc above (scales not read). Same bound. */
qrt_status_t qrt_q8_matmul_integer(int64_t batch_rank, const int64_t *batch_shape, int64_t m,
                                   int64_t n, int64_t k, const qrt_q8_matrix_t *a,
                                   const qrt_q8_matrix_t *b, int32_t *y);

/* ========================== Dynamic quantization ============================
 * ONNX DynamicQuantizeLinear (u8) on n contiguous floats, exactly as the ONNX
 * reference implementation, in float32:
 *   lo = min(0, min x), hi = max(0, max x)     (NaN and +-Inf elements are skipped)
 *   scale = (hi == lo ? 1 : hi - lo) / 255      (all-zero input: scale 1/255, zp 0)
 *   zp = round_half_even(clamp(0 - lo / scale, 0, 255))
 *   y = qrt_quantize_f32_scalar(x, scale, zp, 0, 255)  (NaN -> zp, +-Inf saturate)
 * n == 0 gives scale 1/255, zp 0. */
qrt_status_t qrt_q8_dynamic_quantize_linear(int64_t n, const float *x, uint8_t *y, float *out_scale,
                                            uint8_t *out_zero_point);

/* Per-row (rows = M, cols = K) or per-tensor (rows = 1) dynamic quantization of
 * activations for dynamic-quantization Linear; scales/zero_points get one entry
 * per row.
 *  asymmetric (symmetric = 0), type U8 or I8 with [qmin, qmax] its range:
 *      the DynamicQuantizeLinear formula above with 0/255 replaced by qmin/qmax:
 *      scale = (hi == lo ? 1 : hi - lo) / (qmax - qmin),
 *      zp = round_half_even(clamp(qmin - lo / scale, qmin, qmax)).
 *      (U8 with rows = 1 is exactly qrt_q8_dynamic_quantize_linear.)
 *  symmetric (type I8 only): amax = max |x| over finite elements,
 *      scale = (amax == 0 ? 1 : amax) / 127, zp = 0, y in [-127, 127]. */
qrt_status_t qrt_q8_dynamic_quantize_rows(qrt_dtype_t type, int symmetric, int64_t rows, int64_t cols,
                                          const float *x, void *y, float *scales,
                                          int32_t *zero_points);
/* The same on a pool (NULL or 1 thread: the function above): runs of whole rows,
 * at least 16384 elements per task; each row is quantized as with one thread. */
qrt_status_t qrt_q8_dynamic_quantize_rows_mt(qrt_pool_t *pool, qrt_dtype_t type, int symmetric, int64_t rows,
                                             int64_t cols, const float *x, void *y, float *scales,
                                             int32_t *zero_points);

/* ========================= QAdd and QMul (broadcast) ========================
 * a and b each with their own type, scale and zero point, read through strides
 * as qrt_f32_binary (rank <= 8, qrt_broadcast_strides); y contiguous out_shape.
 *  ADD: v = (float)(a - za) * (sa / sy) + (float)(b - zb) * (sb / sy)
 *       (ratios qrt_requant_multiplier(s, 1, sy); two products, one sum, no FMA)
 *       y = qrt_requantize_f32_scalar(v, zy, y.qmin, y.qmax)
 *  MUL: y = qrt_requantize_scalar((a - za) * (b - zb), qrt_requant_multiplier(sa, sb, sy), zy,
 *                                 y.qmin, y.qmax)   (the product is exact in int32) */
typedef enum { QRT_Q8_ADD, QRT_Q8_MUL } qrt_q8_binary_op_t;
qrt_status_t qrt_q8_binary(qrt_q8_binary_op_t op, int64_t rank, const int64_t *out_shape,
                           const qrt_q8_act_t *aq, const void *a, const int64_t *a_strides,
                           const qrt_q8_act_t *bq, const void *b, const int64_t *b_strides,
                           const qrt_q8_output_t *yq, void *y);
/* The same on a pool (NULL or 1 thread: qrt_q8_binary): the outputs in one
 * contiguous part per thread (from 8192 outputs per part), each value computed
 * as with one thread. */
qrt_status_t qrt_q8_binary_mt(qrt_pool_t *pool, qrt_q8_binary_op_t op, int64_t rank, const int64_t *out_shape,
                              const qrt_q8_act_t *aq, const void *a, const int64_t *a_strides,
                              const qrt_q8_act_t *bq, const void *b, const int64_t *b_strides,
                              const qrt_q8_output_t *yq, void *y);

/* ======================= Requantize, concat, lookup tables ==================
 * Requantize n values to other parameters (and/or type):
 *   y = qrt_requantize_scalar(x - zx, qrt_requant_multiplier(sx, 1, sy), zy, y.qmin, y.qmax)
 * When the parameters are equal (same type, scale, zero point) and the clamp
 * range is the storage range this is the identity (M = 1), done as a copy. */
qrt_status_t qrt_q8_requantize(int64_t n, const qrt_q8_act_t *xq, const void *x,
                               const qrt_q8_output_t *yq, void *y);
/* Concat along one axis: input i viewed as [outer][axis_sizes[i]][inner] with
 * parameters xq[i], each requantized to yq as qrt_q8_requantize;
 * y [outer][sum axis_sizes][inner]. */
qrt_status_t qrt_q8_concat(int64_t outer, int64_t inner, int64_t n_inputs, const void *const *inputs,
                           const qrt_q8_act_t *xq, const int64_t *axis_sizes,
                           const qrt_q8_output_t *yq, void *y);

/* 8-bit lookup table: y[i] = table[byte of x[i]] for n elements, any 8-bit
 * types (s8 values index by their two's-complement byte, e.g. -1 -> 255). */
qrt_status_t qrt_q8_lut(int64_t n, const uint8_t table[256], const void *x, void *y);
/* Table of a float function f: table[byte of q] = quantize(f(dequantize(q))):
 * qrt_q8_lut_inputs writes the 256 dequantized inputs x[b] = (q - zx) * sx,
 * q the value whose byte is b; the caller applies f to them (always the same
 * float kernel, e.g. qrt_f32_unary); qrt_q8_lut_from_values quantizes the
 * results: table[b] = byte of qrt_quantize_f32_scalar(fx[b], sy, zy, y.qmin, y.qmax).
 * Tables are built once at plan or compile time and shipped, so a libm that
 * differs between hosts cannot change results. */
qrt_status_t qrt_q8_lut_inputs(const qrt_q8_act_t *xq, float x[256]);
qrt_status_t qrt_q8_lut_from_values(const float fx[256], const qrt_q8_output_t *yq, uint8_t table[256]);
/* Both steps with f = qrt_f32_unary(op, alpha, beta). */
qrt_status_t qrt_q8_lut_build_unary(qrt_unary_op_t op, float alpha, float beta, const qrt_q8_act_t *xq,
                                    const qrt_q8_output_t *yq, uint8_t table[256]);

/* ================================= Pooling ==================================
 * Output size and windows as the float pools (qrt_pool2d_output_size).
 * Max pool: on the stored integers (exact: max commutes with the monotonic
 * dequantization); the output has the input's type and parameters. Padding never
 * wins; a window with no input element gives the type's minimum (-128 or 0,
 * what -Inf quantizes to). */
qrt_status_t qrt_q8_max_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                               int64_t w, qrt_dtype_t type, const void *x, void *y);
/* Average pool (dilations must be 1):
 *   sum = sum over the window's input elements of (x - zx)   (exact int32)
 *   y   = qrt_requantize_scalar(sum, qrt_requant_pool_multiplier(sx, sy, count), zy, y.qmin, y.qmax)
 * count as the float pool: input elements (count_include_pad 0) or positions in
 * the padded extent (1). Padding adds 0 (the zero point). count == 0 (a window in
 * the padding only) gives M = +Inf, 0 * Inf = NaN, so y = zy: "0", as the float
 * pool's NaN quantizes. Bound: kernel_h * kernel_w * 255 <= INT32_MAX. */
qrt_status_t qrt_q8_avg_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                               int64_t w, const qrt_q8_act_t *xq, const void *x,
                               const qrt_q8_output_t *yq, void *y);
/* GlobalAveragePool: y[i] for i < n*c from x[i][0..spatial), count = spatial.
 * Bound: spatial * 255 <= INT32_MAX. */
qrt_status_t qrt_q8_global_avg_pool(int64_t n, int64_t c, int64_t spatial, const qrt_q8_act_t *xq,
                                    const void *x, const qrt_q8_output_t *yq, void *y);

#ifdef __cplusplus
}
#endif
#endif /* QRT_Q8_H */
