/* libqrt float32 kernels. See qrt.h for the conventions (no allocation,
 * int64_t sizes, strides in elements, statuses). Data movement that does not
 * depend on the element type (transpose, concat, slice, pad, gather, cast,
 * broadcast copy) is in qrt_data.h, included here.
 *
 * Numerics. All kernels are built with -ffp-contract=off. Elementwise kernels
 * compute each element with one fixed sequence of float operations (libm for
 * exp/log/erf/tanh/pow), independent of the ISA level. Reductions (gemm,
 * matmul, conv, pooling, softmax, norms) may sum in a different order, and the
 * AVX2/AVX-512 gemm microkernels use fused multiply-add; their results differ
 * from qrt_f32_gemm_reference / qrt_f32_conv2d_reference by at most
 * K * 2^-23 * sum_k |a_ik * b_kj| (+ |bias|) per output (see test/runtime).
 *
 * NaN and Inf propagate: relu/clip/max/min/pooling of NaN are NaN, softmax of a
 * row containing NaN (or +Inf) is NaN in that row, never a crash. */
#ifndef QRT_F32_H
#define QRT_F32_H
#include "qrt/qrt.h"
#include "qrt/qrt_data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* =========================== GEMM and MatMul ================================
 * Y[m][n] = alpha * sum_k A'[m][k] * B'[k][n] + beta * C[m][n]   (ONNX Gemm)
 *   A' = trans_a ? A^T : A, A stored row-major with leading dimension lda:
 *        A[m][k] at a[m*lda + k], or when trans_a, a[k*lda + m].
 *   B' likewise with ldb: B[k][n] at b[k*ldb + n], or when trans_b b[n*ldb + k].
 *   C  may be NULL (or beta == 0: C is not read). C is broadcast to [M, N]
 *      through its strides: C[m][n] = c[m*c_stride_m + n*c_stride_n]; pass 0
 *      for a broadcast dimension (ONNX shapes [N], [1,N], [M,1], [1], []).
 *   Y  row-major with leading dimension ldy; must not overlap A, B or C.
 * K == 0 gives Y = beta*C. Scratch: qrt_f32_gemm_scratch_size(m, n, k) bytes,
 * 64-byte aligned is best (any alignment works). */
size_t qrt_f32_gemm_scratch_size(int64_t m, int64_t n, int64_t k);
qrt_status_t qrt_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                          float alpha, const float *a, int64_t lda,
                          const float *b, int64_t ldb,
                          float beta, const float *c, int64_t c_stride_m, int64_t c_stride_n,
                          float *y, int64_t ldy, void *scratch, size_t scratch_size);
/* Threads (qrt_pool.h): the `_mt` gemms split the columns of Y into chunks of
 * whole microkernel panels, one task each, every chunk computed by the same
 * tiles, K blocks and packing as the single-threaded run: the bits do not
 * depend on the thread count. Each worker packs its own A (and B) blocks, so
 * the scratch grows with the threads: _scratch_size_mt(..., threads) bytes,
 * the single-threaded size for threads <= 1. A NULL pool or one of 1 thread
 * runs the single-threaded function. */
size_t qrt_f32_gemm_scratch_size_mt(int64_t m, int64_t n, int64_t k, int threads);
qrt_status_t qrt_f32_gemm_mt(qrt_pool_t *pool, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                             const float *c, int64_t c_stride_m, int64_t c_stride_n, float *y, int64_t ldy,
                             void *scratch, size_t scratch_size);

/* Pre-packing the constant B operand (e.g. a fully connected layer's weights,
 * or MatMul by a 2-D constant: fold the batch dimensions of A into M).
 * The packed layout belongs to the microkernel active at packing time (it is
 * recorded in the buffer and used by qrt_f32_gemm_packed_b, whatever the ISA
 * limit is later). Call _size and _pack under the same ISA limit. */
size_t qrt_f32_gemm_pack_b_size(int64_t n, int64_t k);
qrt_status_t qrt_f32_gemm_pack_b(int trans_b, int64_t n, int64_t k, const float *b, int64_t ldb,
                                 void *packed_b, size_t packed_size);
/* Scratch for the packed-B variant (packs A blocks only). */
size_t qrt_f32_gemm_packed_b_scratch_size(int64_t m, int64_t n, int64_t k);
qrt_status_t qrt_f32_gemm_packed_b(int trans_a, int64_t m, int64_t n, int64_t k,
                                   float alpha, const float *a, int64_t lda,
                                   const void *packed_b,
                                   float beta, const float *c, int64_t c_stride_m, int64_t c_stride_n,
                                   float *y, int64_t ldy, void *scratch, size_t scratch_size);
size_t qrt_f32_gemm_packed_b_scratch_size_mt(int64_t m, int64_t n, int64_t k, int threads);
qrt_status_t qrt_f32_gemm_packed_b_mt(qrt_pool_t *pool, int trans_a, int64_t m, int64_t n, int64_t k,
                                      float alpha, const float *a, int64_t lda, const void *packed_b, float beta,
                                      const float *c, int64_t c_stride_m, int64_t c_stride_n, float *y,
                                      int64_t ldy, void *scratch, size_t scratch_size);

/* Batched MatMul with numpy broadcasting of the batch dimensions.
 * For each batch index (i_0..i_{r-1}) over batch_shape[0..batch_rank):
 *   Y[i][m][n] = sum_k A[i][m][k] * B[i][k][n]
 * A's matrix for batch i starts at a + sum_d i_d * a_batch_strides[d] and is
 * [m][k] row-major (lda = k); B's likewise ([k][n], ldb = n) with
 * b_batch_strides. A stride of 0 broadcasts. Y is contiguous
 * [batch_shape..., m, n]. batch_rank <= 8 (0 is a plain 2-D matmul).
 * 1-D operands (ONNX promotes them) are the caller's reshape.
 * Scratch: qrt_f32_gemm_scratch_size(m, n, k). */
qrt_status_t qrt_f32_matmul(int64_t batch_rank, const int64_t *batch_shape,
                            const float *a, const int64_t *a_batch_strides,
                            const float *b, const int64_t *b_batch_strides,
                            int64_t m, int64_t n, int64_t k, float *y,
                            void *scratch, size_t scratch_size);
/* The same on a pool (qrt_pool.h; NULL or 1 thread: qrt_f32_matmul): the batch
 * indices are tasks, each computed as with one thread, so the bytes are the same
 * for every thread count. Scratch: qrt_f32_matmul_scratch_size_mt(m, n, k,
 * threads of the pool). */
size_t qrt_f32_matmul_scratch_size_mt(int64_t m, int64_t n, int64_t k, int threads);
qrt_status_t qrt_f32_matmul_mt(qrt_pool_t *pool, int64_t batch_rank, const int64_t *batch_shape, const float *a,
                               const int64_t *a_batch_strides, const float *b, const int64_t *b_batch_strides,
                               int64_t m, int64_t n, int64_t k, float *y, void *scratch, size_t scratch_size);

/* ================================ Conv2d ===================================
 * x: [N][C_in][H][W]; w: [C_out][C_in/groups][kernel_h][kernel_w] (OIHW);
 * bias: [C_out] or NULL; y: [N][C_out][OH][OW] with
 *   OH = (H + pad_top + pad_bottom - dilation_h*(kernel_h-1) - 1) / stride_h + 1
 * (floor; see qrt_conv2d_output_size). Output channel o of group g = o / (C_out/groups)
 * reads input channels [g*C_in/groups, (g+1)*C_in/groups).
 * After the sum (and bias) the result is clamped to [output_min, output_max]:
 * -INFINITY/+INFINITY for none, 0/+INFINITY for a fused Relu, a/b for Clip.
 * The clamp propagates NaN. Depthwise (groups == C_in == C_out) has its own
 * direct kernel; everything else is an indirect GEMM over output pixels x
 * output channels that reads the input in place (zero-padded and split by
 * stride phase in scratch when needed), no im2col buffer. */
typedef struct {
  int64_t groups;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right; /* ONNX pads order [t, l, b, r] */
  int64_t dilation_h, dilation_w;
  float output_min, output_max;
} qrt_conv2d_params_t;

/* Fills p with groups=1, strides/dilations 1, pads 0, no clamp, the given kernel. */
void qrt_conv2d_params_init(qrt_conv2d_params_t *p, int64_t kernel_h, int64_t kernel_w);
/* Output spatial size; QRT_INVALID_ARGUMENT if a parameter is out of range or
 * the output would be empty. */
qrt_status_t qrt_conv2d_output_size(const qrt_conv2d_params_t *p, int64_t h, int64_t w,
                                    int64_t *out_h, int64_t *out_w);

/* Pack once, run many times: the packed buffer holds the weights in the active
 * microkernel's layout plus the bias (zeros if NULL). The buffer records which
 * microkernel it was packed for; size and pack must use the same ISA limit. */
size_t qrt_f32_conv2d_packed_weights_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out);
qrt_status_t qrt_f32_conv2d_pack_weights(const qrt_conv2d_params_t *p, int64_t c_in, int64_t c_out,
                                         const float *w, const float *bias,
                                         void *packed, size_t packed_size);
/* Scratch for one call of qrt_f32_conv2d_packed (independent of N). */
size_t qrt_f32_conv2d_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                   int64_t c_out);
qrt_status_t qrt_f32_conv2d_packed(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                   int64_t h, int64_t w, const float *x, int64_t c_out,
                                   const void *packed, float *y, void *scratch, size_t scratch_size);
/* The same on a thread pool (qrt_pool.h). Tasks write disjoint outputs with
 * the single-threaded code's microkernel calls, in the same order per output:
 * depthwise convs by chunks of channels; 1x1 pointwise ones by (pixel block,
 * channel panel); the others by (pixel block, channel panel) after the input
 * planes are built by chunks of channels. So the bits do not depend on the
 * thread count. Scratch: qrt_f32_conv2d_scratch_size_mt(..., threads) bytes
 * (the shared planes plus each worker's partial sums or depthwise plane; the
 * single-threaded size for threads <= 1). A NULL pool or one of 1 thread runs
 * qrt_f32_conv2d_packed. The unpacked qrt_f32_conv2d has no threaded form. */
size_t qrt_f32_conv2d_scratch_size_mt(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h, int64_t w,
                                      int64_t c_out, int threads);
qrt_status_t qrt_f32_conv2d_packed_mt(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                      int64_t h, int64_t w, const float *x, int64_t c_out, const void *packed,
                                      float *y, void *scratch, size_t scratch_size);
/* Convenience without pre-packing: scratch must hold
 * qrt_f32_conv2d_unpacked_scratch_size bytes (packed weights + scratch). */
size_t qrt_f32_conv2d_unpacked_scratch_size(const qrt_conv2d_params_t *p, int64_t c_in, int64_t h,
                                            int64_t w, int64_t c_out);
qrt_status_t qrt_f32_conv2d(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in, int64_t h,
                            int64_t w, const float *x, int64_t c_out, const float *weights,
                            const float *bias, float *y, void *scratch, size_t scratch_size);

/* =========================== ConvTranspose 2-D ==============================
 * x: [N][C_in][H][W]; w: [C_in][C_out/groups][kernel_h][kernel_w] (ONNX);
 * bias [C_out] or NULL; y: [N][C_out][OH][OW] with
 *   OH = stride_h*(H-1) + output_padding_h + dilation_h*(kernel_h-1) + 1 - pad_top - pad_bottom.
 * (When the model gives output_shape, the caller derives the pads as ONNX says.)
 * output_min/output_max clamp as for conv2d. No scratch. */
typedef struct {
  int64_t groups;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t dilation_h, dilation_w;
  int64_t output_padding_h, output_padding_w;
  float output_min, output_max;
} qrt_conv_transpose2d_params_t;
void qrt_conv_transpose2d_params_init(qrt_conv_transpose2d_params_t *p, int64_t kernel_h, int64_t kernel_w);
qrt_status_t qrt_conv_transpose2d_output_size(const qrt_conv_transpose2d_params_t *p, int64_t h,
                                              int64_t w, int64_t *out_h, int64_t *out_w);
qrt_status_t qrt_f32_conv_transpose2d(const qrt_conv_transpose2d_params_t *p, int64_t n, int64_t c_in,
                                      int64_t h, int64_t w, const float *x, int64_t c_out,
                                      const float *weights, const float *bias, float *y);

/* ===================== Elementwise with broadcasting =========================
 * The output is contiguous with shape out_shape[0..rank), rank <= 8 (rank 0 is
 * a scalar). Each input is read at sum_d i_d * strides[d]: pass its own strides
 * for matching dimensions and 0 for broadcast ones; qrt_broadcast_strides
 * (qrt_data.h) computes them from ONNX/numpy shapes. The output must not
 * overlap an input unless it is the same pointer with the output's own
 * contiguous strides (in-place). */
typedef enum {
  QRT_BINARY_ADD,
  QRT_BINARY_SUB,
  QRT_BINARY_MUL,
  QRT_BINARY_DIV,
  QRT_BINARY_MAX, /* NaN if either is NaN */
  QRT_BINARY_MIN, /* NaN if either is NaN */
  QRT_BINARY_POW, /* powf */
  QRT_BINARY_PRELU, /* a < 0 ? a * b : a  (b = slope) */
} qrt_binary_op_t;
qrt_status_t qrt_f32_binary(qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                            const float *a, const int64_t *a_strides,
                            const float *b, const int64_t *b_strides, float *y);
/* The same, then each result clamped to [lo, hi] as conv2d's output clamp
 * (v < lo ? lo : v, then v > hi ? hi : v; NaN stays NaN): a fused Relu (0,
 * +INFINITY) or Clip. The clamp runs on blocks of results while they are in
 * cache, so it costs no second pass over memory. */
qrt_status_t qrt_f32_binary_clamp(qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                                  const float *a, const int64_t *a_strides,
                                  const float *b, const int64_t *b_strides, float lo, float hi,
                                  float *y);
/* Both on a pool (qrt_pool.h; NULL or 1 thread: the functions above): the
 * output is split into ranges of elements, each computed as with one thread,
 * so the bytes are the same for every thread count. Split only when each task
 * gets at least 16384 elements (2048 for POW). Likewise qrt_f32_unary_mt
 * (2048 elements per task for the ops that call libm or the erf polynomial),
 * qrt_f32_softmax_mt and qrt_f32_layer_norm_mt (whole rows, at least 2048
 * elements per task). */
qrt_status_t qrt_f32_binary_mt(qrt_pool_t *pool, qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                               const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                               float *y);
qrt_status_t qrt_f32_binary_clamp_mt(qrt_pool_t *pool, qrt_binary_op_t op, int64_t rank, const int64_t *out_shape,
                                     const float *a, const int64_t *a_strides, const float *b,
                                     const int64_t *b_strides, float lo, float hi, float *y);

/* PRelu: y = x < 0 ? x * slope : x, x contiguous [shape], slope broadcast to
 * shape through slope_strides (same as qrt_f32_binary with QRT_BINARY_PRELU). */
qrt_status_t qrt_f32_prelu(int64_t rank, const int64_t *shape, const float *x,
                           const float *slope, const int64_t *slope_strides, float *y);

/* Where: y = cond ? x : z, cond one byte per element (ONNX bool: 0 false,
 * anything else true), all three broadcast through their strides. */
qrt_status_t qrt_f32_where(int64_t rank, const int64_t *out_shape,
                           const uint8_t *cond, const int64_t *cond_strides,
                           const float *x, const int64_t *x_strides,
                           const float *z, const int64_t *z_strides, float *y);

/* Unary ops on n contiguous elements (y may equal x). alpha/beta per op:
 *  RELU          x < 0 ? 0 : x (NaN stays NaN)
 *  LEAKY_RELU    x < 0 ? alpha*x : x
 *  CLIP          min = alpha, max = beta; x < min ? min : x > max ? max : x
 *  SIGMOID       1 / (1 + exp(-x))
 *  TANH          tanhf
 *  HARD_SIGMOID  max(0, min(1, alpha*x + beta))  (ONNX defaults 0.2, 0.5)
 *  HARD_SWISH    x * max(0, min(1, x/6 + 1/2))
 *  GELU          0.5*x*(1 + erf(x/sqrt(2)))       (ONNX Gelu approximate="none")
 *  GELU_TANH     0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3)))  ("tanh")
 *  ERF, EXP, LOG, SQRT, NEG, ABS, RECIPROCAL, FLOOR, CEIL, ROUND (half to even)
 *  ELU           x < 0 ? alpha*(exp(x)-1) : x
 *  SOFTPLUS      log(1+exp(x)), stable
 *  SILU          x * sigmoid(x) */
typedef enum {
  QRT_UNARY_RELU,
  QRT_UNARY_LEAKY_RELU,
  QRT_UNARY_CLIP,
  QRT_UNARY_SIGMOID,
  QRT_UNARY_TANH,
  QRT_UNARY_HARD_SIGMOID,
  QRT_UNARY_HARD_SWISH,
  QRT_UNARY_GELU,
  QRT_UNARY_GELU_TANH,
  QRT_UNARY_ERF,
  QRT_UNARY_EXP,
  QRT_UNARY_LOG,
  QRT_UNARY_SQRT,
  QRT_UNARY_NEG,
  QRT_UNARY_ABS,
  QRT_UNARY_RECIPROCAL,
  QRT_UNARY_FLOOR,
  QRT_UNARY_CEIL,
  QRT_UNARY_ROUND,
  QRT_UNARY_ELU,
  QRT_UNARY_SOFTPLUS,
  QRT_UNARY_SILU,
} qrt_unary_op_t;
qrt_status_t qrt_f32_unary(qrt_unary_op_t op, float alpha, float beta, int64_t n,
                           const float *x, float *y);
qrt_status_t qrt_f32_unary_mt(qrt_pool_t *pool, qrt_unary_op_t op, float alpha, float beta, int64_t n,
                              const float *x, float *y);

/* ============================= Normalization ================================
 * Softmax / LogSoftmax (ONNX opset >= 13: one axis). The tensor is viewed as
 * [outer][axis][inner] (outer = product of dims before the axis, inner = after);
 * each of the outer*inner vectors of length `axis` is normalized. Max is
 * subtracted first (stable). y may equal x. */
qrt_status_t qrt_f32_softmax(int64_t outer, int64_t axis, int64_t inner, const float *x, float *y);
qrt_status_t qrt_f32_softmax_mt(qrt_pool_t *pool, int64_t outer, int64_t axis, int64_t inner, const float *x,
                                float *y);
qrt_status_t qrt_f32_log_softmax(int64_t outer, int64_t axis, int64_t inner, const float *x, float *y);

/* LayerNormalization over the trailing dims: x viewed as [outer][inner];
 * y = (x - mean) / sqrt(var + epsilon) * scale + bias, mean/var (biased) per
 * row over inner. scale [inner] (the caller expands a broadcast scale), bias
 * [inner] or NULL. Optional out_mean / out_inv_std [outer] or NULL. */
qrt_status_t qrt_f32_layer_norm(int64_t outer, int64_t inner, const float *x, const float *scale,
                                const float *bias, float epsilon, float *y, float *out_mean,
                                float *out_inv_std);
qrt_status_t qrt_f32_layer_norm_mt(qrt_pool_t *pool, int64_t outer, int64_t inner, const float *x,
                                   const float *scale, const float *bias, float epsilon, float *y,
                                   float *out_mean, float *out_inv_std);

/* BatchNormalization, inference: x [N][C][spatial...] viewed as [n][c][spatial];
 * y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c], computed as
 * x * s + t with s = scale/sqrt(var+eps), t = bias - mean*s per channel. */
qrt_status_t qrt_f32_batch_norm(int64_t n, int64_t c, int64_t spatial, const float *x,
                                const float *scale, const float *bias, const float *mean,
                                const float *var, float epsilon, float *y);

/* ================================ Pooling ===================================
 * x [N][C][H][W] -> y [N][C][OH][OW]. Output size (qrt_pool2d_output_size):
 *   span = dilation*(kernel-1) + 1
 *   OH = floor_or_ceil((H + pad_top + pad_bottom - span) / stride) + 1
 * and, with ceil_mode, OH is decremented when the last window would start at or
 * after H + pad_top (it would cover only bottom padding; PyTorch and ONNX
 * Runtime agree on this). Max pool: padding never wins; a window with no input
 * element gives -INFINITY; NaN inputs propagate. Average pool: the sum over the
 * window's input elements divided by the number of input elements
 * (count_include_pad = 0) or by the number of window positions inside the
 * padded extent [-pad_begin, H + pad_end) (count_include_pad = 1; positions
 * beyond that, which only ceil_mode creates, are never counted). Average pool
 * ignores the dilations (ONNX AveragePool dilations > 1 is rejected). */
typedef struct {
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t dilation_h, dilation_w;
  int ceil_mode;
  int count_include_pad;
} qrt_pool2d_params_t;
void qrt_pool2d_params_init(qrt_pool2d_params_t *p, int64_t kernel_h, int64_t kernel_w);
qrt_status_t qrt_pool2d_output_size(const qrt_pool2d_params_t *p, int64_t h, int64_t w,
                                    int64_t *out_h, int64_t *out_w);
qrt_status_t qrt_f32_max_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                                int64_t w, const float *x, float *y);
qrt_status_t qrt_f32_avg_pool2d(const qrt_pool2d_params_t *p, int64_t n, int64_t c, int64_t h,
                                int64_t w, const float *x, float *y);
/* MaxPool with ONNX's Indices output: y as qrt_f32_max_pool2d, and
 * indices[i] the flat index into x of the element y[i] came from:
 * ((n*C + c)*H + h)*W + w for storage_order 0 (row major) or
 * (n*C + c)*H*W + w*H + h for storage_order 1 (column major). Ties keep the
 * first element in window order (rows, then columns); a NaN wins at its first
 * occurrence. A window with no input element gives -INFINITY and index -1.
 * (For ONNX MaxPool's second output; the dialect's max_pool has no indices
 * result yet.) */
qrt_status_t qrt_f32_max_pool2d_with_indices(const qrt_pool2d_params_t *p, int storage_order, int64_t n,
                                             int64_t c, int64_t h, int64_t w, const float *x, float *y,
                                             int64_t *indices);
/* GlobalAveragePool: y[i] = mean of x[i][0..spatial) for i < n*c. */
qrt_status_t qrt_f32_global_avg_pool(int64_t n, int64_t c, int64_t spatial, const float *x, float *y);
/* GlobalMaxPool likewise. */
qrt_status_t qrt_f32_global_max_pool(int64_t n, int64_t c, int64_t spatial, const float *x, float *y);

/* =============================== Reductions =================================
 * x contiguous [shape[0..rank)], rank <= 8; axes_mask bit d set = reduce dim d
 * (0 reduces nothing: a copy, the ONNX noop_with_empty_axes case; the caller
 * turns "no axes" into all bits). y is contiguous with shape[d] replaced by 1 for
 * reduced dims (keepdims=0 is the same data under another shape).
 * SUM/MEAN accumulate each output in double precision and round once; MEAN
 * divides by the number of reduced elements (NaN for an empty reduction, as
 * 0/0). MAX/MIN propagate NaN; an empty MAX gives -INFINITY, MIN +INFINITY. */
typedef enum {
  QRT_REDUCE_SUM,
  QRT_REDUCE_MEAN,
  QRT_REDUCE_MAX,
  QRT_REDUCE_MIN,
} qrt_reduce_op_t;
qrt_status_t qrt_f32_reduce(qrt_reduce_op_t op, int64_t rank, const int64_t *shape, uint32_t axes_mask,
                            const float *x, float *y);

/* ================================= Resize ===================================
 * ONNX Resize on NCHW 4-D, scaling H and W only: x [N][C][H][W] -> y [N][C][OH][OW].
 * scale_h/scale_w are the ONNX scales: the model's float32 values, or OH/H
 * computed in double when the model gives sizes (as ONNX's reference does).
 * For each output coordinate o along an axis of input length L, output
 * length O and scale s, with R = s * L rounded to float32 (the "resized
 * length" of ONNX's reference: the real O * s may differ from O when scales
 * are given, e.g. 4 * 0.6 = 2.4 for O = 2):
 *   HALF_PIXEL:         (o + 0.5)/s - 0.5
 *   PYTORCH_HALF_PIXEL: R > 1 ? (o + 0.5)/s - 0.5 : 0
 *   ALIGN_CORNERS:      R == 1 ? 0 : o * (L-1)/(R-1)
 *   ASYMMETRIC:         o / s
 *   HALF_PIXEL_SYMMETRIC: adjusted half pixel (opset 19)
 *   TF_HALF_PIXEL_FOR_NN: (o + 0.5)/s  (opset 11-12, for nearest)
 * Nearest: the coordinate is rounded by nearest_mode (ROUND_PREFER_FLOOR: ties
 * down, ROUND_PREFER_CEIL: ties up, FLOOR, CEIL) and clamped to [0, L-1].
 * Linear: the coordinate is clamped to [0, L-1], then bilinear interpolation of
 * the two neighbours on each axis (weights in float). Coordinates are computed
 * in double, as ONNX's reference does in Python. (Cubic and tf_crop_and_resize
 * are not here: the importer lowers them to matrix products.) */
typedef enum { QRT_RESIZE_NEAREST, QRT_RESIZE_LINEAR } qrt_resize_mode_t;
typedef enum {
  QRT_RESIZE_HALF_PIXEL,
  QRT_RESIZE_PYTORCH_HALF_PIXEL,
  QRT_RESIZE_ALIGN_CORNERS,
  QRT_RESIZE_ASYMMETRIC,
  QRT_RESIZE_HALF_PIXEL_SYMMETRIC,
  QRT_RESIZE_TF_HALF_PIXEL_FOR_NN,
} qrt_resize_coord_t;
typedef enum {
  QRT_RESIZE_ROUND_PREFER_FLOOR,
  QRT_RESIZE_ROUND_PREFER_CEIL,
  QRT_RESIZE_FLOOR,
  QRT_RESIZE_CEIL,
} qrt_resize_nearest_t;
typedef struct {
  qrt_resize_mode_t mode;
  qrt_resize_coord_t coord;
  qrt_resize_nearest_t nearest;
  double scale_h, scale_w;
} qrt_resize_params_t;
qrt_status_t qrt_f32_resize(const qrt_resize_params_t *p, int64_t n, int64_t c, int64_t h, int64_t w,
                            const float *x, int64_t out_h, int64_t out_w, float *y);

/* ============================ Scalar references =============================
 * Straightforward loops that define the results the fast kernels are tested
 * against. Never optimized; slow. Same contracts as the functions above. */
qrt_status_t qrt_f32_gemm_reference(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                                    float alpha, const float *a, int64_t lda,
                                    const float *b, int64_t ldb,
                                    float beta, const float *c, int64_t c_stride_m,
                                    int64_t c_stride_n, float *y, int64_t ldy);
qrt_status_t qrt_f32_conv2d_reference(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                      int64_t h, int64_t w, const float *x, int64_t c_out,
                                      const float *weights, const float *bias, float *y);

#ifdef __cplusplus
}
#endif
#endif /* QRT_F32_H */
