/* libqrt data movement: kernels that only move elements, for any element size
 * (elem_size in bytes: 1, 2, 4 or 8), plus Cast. Conventions as in qrt.h.
 * All tensors are contiguous row-major unless strides are passed; rank <= 8.
 * Reshape/Flatten/Squeeze/Unsqueeze need no kernel (same bytes, new shape);
 * Expand is qrt_broadcast_copy. Outputs must not overlap inputs. */
#ifndef QRT_DATA_H
#define QRT_DATA_H
#include "qrt/qrt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QRT_MAX_RANK 8

/* Numpy broadcasting: strides (in elements) for reading a contiguous input of
 * shape in_shape[0..in_rank) as if it had shape out_shape[0..out_rank):
 * dimensions are aligned at the right, missing or size-1 input dimensions get
 * stride 0. QRT_INVALID_ARGUMENT if the shapes do not broadcast
 * (in_rank > out_rank, or a dim is neither equal nor 1). */
qrt_status_t qrt_broadcast_strides(int64_t out_rank, const int64_t *out_shape, int64_t in_rank,
                                   const int64_t *in_shape, int64_t *out_strides);

/* y (contiguous, out_shape) = x read through x_strides (elements). Expand. */
qrt_status_t qrt_broadcast_copy(size_t elem_size, int64_t rank, const int64_t *out_shape,
                                const void *x, const int64_t *x_strides, void *y);

/* Transpose: y has shape in_shape[perm[d]] and y[i_0..] = x[j] with
 * j[perm[d]] = i_d (ONNX/numpy). perm must be a permutation of 0..rank-1. */
qrt_status_t qrt_transpose(size_t elem_size, int64_t rank, const int64_t *in_shape,
                           const int64_t *perm, const void *x, void *y);

/* Concat along one axis. Every input is viewed as [outer][axis_sizes[i]][inner]
 * (outer = product of dims before the axis, inner = after);
 * y is [outer][sum axis_sizes][inner]. */
qrt_status_t qrt_concat(size_t elem_size, int64_t outer, int64_t inner, int64_t n_inputs,
                        const void *const *inputs, const int64_t *axis_sizes, void *y);
/* Split: the inverse of concat, x [outer][sum axis_sizes][inner] -> outputs[i]. */
qrt_status_t qrt_split(size_t elem_size, int64_t outer, int64_t inner, const void *x,
                       int64_t n_outputs, void *const *outputs, const int64_t *axis_sizes);

/* ONNX Slice on one axis of length dim: clamps start/end as ONNX says
 * (negative values count from the end; step > 0 clamps to [0, dim], step < 0 to
 * [-1, dim-1]) and gives the first index and the number of elements taken.
 * step == 0 is QRT_INVALID_ARGUMENT. */
qrt_status_t qrt_slice_normalize(int64_t dim, int64_t start, int64_t end, int64_t step,
                                 int64_t *out_start, int64_t *out_count);
/* Slice: y[i_0..] = x[starts[d] + i_d * steps[d]] for i_d < out_shape[d].
 * starts must be normalized (qrt_slice_normalize), steps non-zero, possibly
 * negative; every index read must lie inside in_shape. */
qrt_status_t qrt_slice(size_t elem_size, int64_t rank, const int64_t *in_shape, const int64_t *starts,
                       const int64_t *steps, const int64_t *out_shape, const void *x, void *y);

/* Pad (ONNX): pads = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}], any
 * rank, negative pads crop. out_shape[d] = in_shape[d] + begin_d + end_d.
 *  CONSTANT: new elements are *value (elem_size bytes; NULL means zero bytes).
 *  REFLECT:  mirror without repeating the edge; pads longer than dim-1 keep
 *            reflecting (numpy's behaviour, period 2*(dim-1); dim 1 repeats).
 *  EDGE:     repeat the edge element.
 *  REFLECT/EDGE/WRAP need in_shape[d] >= 1 where they pad (else
 *  QRT_INVALID_ARGUMENT).
 *  WRAP:     periodic (opset 19). */
typedef enum { QRT_PAD_CONSTANT, QRT_PAD_REFLECT, QRT_PAD_EDGE, QRT_PAD_WRAP } qrt_pad_mode_t;
qrt_status_t qrt_pad(size_t elem_size, qrt_pad_mode_t mode, int64_t rank, const int64_t *in_shape,
                     const int64_t *pads, const void *value, const void *x, void *y);

/* Gather (ONNX): x viewed as [outer][axis_dim][inner], indices (int64, n of
 * them, negative ones count from the end), y [outer][n][inner].
 * An index outside [-axis_dim, axis_dim) is QRT_INVALID_ARGUMENT, checked
 * before anything is written. */
qrt_status_t qrt_gather(size_t elem_size, int64_t outer, int64_t axis_dim, int64_t inner,
                        const void *x, int64_t n_indices, const int64_t *indices, void *y);

/* ================================== Cast ====================================
 * Element types. BOOL is one byte, 0 or 1 when written by qrt (any non-zero
 * byte reads as true). F16 is IEEE binary16 stored as uint16_t. */
typedef enum {
  QRT_DTYPE_F32,
  QRT_DTYPE_F16,
  QRT_DTYPE_I8,
  QRT_DTYPE_U8,
  QRT_DTYPE_I32,
  QRT_DTYPE_I64,
  QRT_DTYPE_BOOL,
} qrt_dtype_t;
size_t qrt_dtype_size(qrt_dtype_t t);
/* Cast n elements. Conversions, defined for every input (no undefined behaviour):
 *  float -> float  (f32 <-> f16): round to nearest even, overflow to Inf, NaN stays NaN.
 *  float -> int    truncate toward zero, then saturate to the target range;
 *                  NaN -> 0. (ONNX leaves out-of-range undefined; this is numpy's
 *                  behaviour on x86 for in-range values and a fixed choice otherwise.)
 *  float -> bool   x != 0 (NaN -> true, as numpy).
 *  int -> float    nearest representable (round to nearest even).
 *  int -> int      two's complement wrap-around (numpy's astype), e.g. 300 -> i8 44.
 *  int -> bool     x != 0.     bool -> anything: 0 or 1. */
qrt_status_t qrt_cast(qrt_dtype_t from, qrt_dtype_t to, int64_t n, const void *x, void *y);
/* Scalar helpers (round to nearest even, NaN/Inf preserved). */
uint16_t qrt_f32_to_f16(float f);
float qrt_f16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif
#endif /* QRT_DATA_H */
