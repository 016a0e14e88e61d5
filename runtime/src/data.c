/* Data movement for any element size: transpose, concat, split, slice, pad,
 * gather (qrt_data.h). Strided copies go through qrt_broadcast_copy, whose
 * iterator merges contiguous dimensions. */
#include <string.h>

#include "nd_iter.h"
#include "qrt_internal.h"

static int qrt_elem_ok(size_t e) { return e == 1 || e == 2 || e == 4 || e == 8; }

static int qrt_contiguous_strides(int64_t rank, const int64_t *shape, int64_t *stride) {
  int64_t s = 1;
  for (int64_t d = rank - 1; d >= 0; d--) {
    if (shape[d] < 0) return 0;
    stride[d] = s;
    s *= shape[d];
  }
  return 1;
}

qrt_status_t qrt_transpose(size_t elem_size, int64_t rank, const int64_t *in_shape,
                           const int64_t *perm, const void *x, void *y) {
  if (!qrt_elem_ok(elem_size) || rank < 0 || rank > QRT_MAX_RANK) return QRT_INVALID_ARGUMENT;
  int64_t in_stride[QRT_MAX_RANK], out_shape[QRT_MAX_RANK], st[QRT_MAX_RANK];
  if (!qrt_contiguous_strides(rank, in_shape, in_stride)) return QRT_INVALID_ARGUMENT;
  uint32_t seen = 0;
  for (int64_t d = 0; d < rank; d++) {
    if (perm[d] < 0 || perm[d] >= rank || (seen & (1u << perm[d]))) return QRT_INVALID_ARGUMENT;
    seen |= 1u << perm[d];
    out_shape[d] = in_shape[perm[d]];
    st[d] = in_stride[perm[d]];
  }
  return qrt_broadcast_copy(elem_size, rank, out_shape, x, st, y);
}

qrt_status_t qrt_concat(size_t elem_size, int64_t outer, int64_t inner, int64_t n_inputs,
                        const void *const *inputs, const int64_t *axis_sizes, void *y) {
  if (elem_size == 0 || outer < 0 || inner < 0 || n_inputs < 0) return QRT_INVALID_ARGUMENT;
  char *yb = (char *)y;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < n_inputs; i++) {
      const size_t chunk = (size_t)(axis_sizes[i] * inner) * elem_size;
      if (!chunk) continue; /* empty tensors may have NULL data */
      memcpy(yb, (const char *)inputs[i] + (size_t)o * chunk, chunk);
      yb += chunk;
    }
  return QRT_OK;
}

qrt_status_t qrt_split(size_t elem_size, int64_t outer, int64_t inner, const void *x,
                       int64_t n_outputs, void *const *outputs, const int64_t *axis_sizes) {
  if (elem_size == 0 || outer < 0 || inner < 0 || n_outputs < 0) return QRT_INVALID_ARGUMENT;
  const char *xb = (const char *)x;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < n_outputs; i++) {
      const size_t chunk = (size_t)(axis_sizes[i] * inner) * elem_size;
      if (!chunk) continue; /* empty tensors may have NULL data */
      memcpy((char *)outputs[i] + (size_t)o * chunk, xb, chunk);
      xb += chunk;
    }
  return QRT_OK;
}

qrt_status_t qrt_slice_normalize(int64_t dim, int64_t start, int64_t end, int64_t step,
                                 int64_t *out_start, int64_t *out_count) {
  if (step == 0 || dim < 0) return QRT_INVALID_ARGUMENT;
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  int64_t count;
  if (step > 0) {
    start = start < 0 ? 0 : (start > dim ? dim : start);
    end = end < 0 ? 0 : (end > dim ? dim : end);
    count = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = start < -1 ? -1 : (start > dim - 1 ? dim - 1 : start);
    end = end < -1 ? -1 : (end > dim - 1 ? dim - 1 : end);
    count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
  }
  *out_start = count > 0 ? start : 0;
  *out_count = count;
  return QRT_OK;
}

qrt_status_t qrt_slice(size_t elem_size, int64_t rank, const int64_t *in_shape, const int64_t *starts,
                       const int64_t *steps, const int64_t *out_shape, const void *x, void *y) {
  if (!qrt_elem_ok(elem_size) || rank < 0 || rank > QRT_MAX_RANK) return QRT_INVALID_ARGUMENT;
  int64_t in_stride[QRT_MAX_RANK], st[QRT_MAX_RANK];
  if (!qrt_contiguous_strides(rank, in_shape, in_stride)) return QRT_INVALID_ARGUMENT;
  int64_t off = 0, total = 1;
  for (int64_t d = 0; d < rank; d++) total *= out_shape[d];
  for (int64_t d = 0; d < rank; d++) {
    if (steps[d] == 0 || out_shape[d] < 0) return QRT_INVALID_ARGUMENT;
    if (total > 0) {
      const int64_t last = starts[d] + (out_shape[d] - 1) * steps[d];
      if (starts[d] < 0 || starts[d] >= in_shape[d] || last < 0 || last >= in_shape[d])
        return QRT_INVALID_ARGUMENT;
    }
    off += starts[d] * in_stride[d];
    st[d] = steps[d] * in_stride[d];
  }
  if (total == 0) return QRT_OK;
  return qrt_broadcast_copy(elem_size, rank, out_shape, (const char *)x + off * (int64_t)elem_size,
                            st, y);
}

/* ---- pad ------------------------------------------------------------------------- */

/* Input index for output index o on a dim of length n with leading pad b; -1
 * means "constant". */
static int64_t qrt_pad_map(qrt_pad_mode_t mode, int64_t o, int64_t b, int64_t n) {
  int64_t i = o - b;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case QRT_PAD_CONSTANT: return -1;
    case QRT_PAD_EDGE: return i < 0 ? 0 : n - 1;
    case QRT_PAD_WRAP: {
      i %= n;
      return i < 0 ? i + n : i;
    }
    case QRT_PAD_REFLECT: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      i %= period;
      if (i < 0) i += period;
      return i < n ? i : period - i;
    }
  }
  return -1;
}

qrt_status_t qrt_pad(size_t elem_size, qrt_pad_mode_t mode, int64_t rank, const int64_t *in_shape,
                     const int64_t *pads, const void *value, const void *x, void *y) {
  if (!qrt_elem_ok(elem_size) || rank < 1 || rank > QRT_MAX_RANK || mode < QRT_PAD_CONSTANT ||
      mode > QRT_PAD_WRAP)
    return QRT_INVALID_ARGUMENT;
  int64_t in_stride[QRT_MAX_RANK], out_shape[QRT_MAX_RANK], idx[QRT_MAX_RANK] = {0};
  if (!qrt_contiguous_strides(rank, in_shape, in_stride)) return QRT_INVALID_ARGUMENT;
  int64_t total = 1;
  for (int64_t d = 0; d < rank; d++) {
    out_shape[d] = in_shape[d] + pads[d] + pads[rank + d];
    if (out_shape[d] < 0) return QRT_INVALID_ARGUMENT;
    if (mode != QRT_PAD_CONSTANT && in_shape[d] == 0 && out_shape[d] > 0) return QRT_INVALID_ARGUMENT;
    total *= out_shape[d];
  }
  if (total == 0) return QRT_OK;
  char zero[8] = {0};
  const char *val = value ? (const char *)value : zero;
  const int64_t E = (int64_t)elem_size, L = out_shape[rank - 1], n = in_shape[rank - 1];
  const int64_t b = pads[rank - 1];
  const int64_t mid0 = QRT_MAX(b, 0), mid1 = QRT_MIN(L, b + n); /* o with i in range */
  const int64_t rows = total / L;
  const char *xb = (const char *)x;
  char *yb = (char *)y;
  for (int64_t r = 0; r < rows; r++, yb += L * E) {
    /* input row for the current outer index, or constant */
    int64_t off = 0, constant = 0;
    for (int64_t d = 0; d < rank - 1; d++) {
      const int64_t i = qrt_pad_map(mode, idx[d], pads[d], in_shape[d]);
      if (i < 0) {
        constant = 1;
        break;
      }
      off += i * in_stride[d];
    }
    if (constant || (mode == QRT_PAD_CONSTANT && mid1 <= mid0 && n == 0)) {
      for (int64_t o = 0; o < L; o++) memcpy(yb + o * E, val, elem_size);
    } else {
      const char *row = xb + off * E;
      for (int64_t o = 0; o < L; o++) {
        if (o == mid0 && mid1 > mid0) {
          memcpy(yb + o * E, row + (o - b) * E, (size_t)((mid1 - mid0) * E));
          o = mid1 - 1;
          continue;
        }
        const int64_t i = qrt_pad_map(mode, o, b, n);
        memcpy(yb + o * E, i < 0 ? val : row + i * E, elem_size);
      }
    }
    for (int64_t d = rank - 2; d >= 0; d--) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_gather(size_t elem_size, int64_t outer, int64_t axis_dim, int64_t inner,
                        const void *x, int64_t n_indices, const int64_t *indices, void *y) {
  if (elem_size == 0 || outer < 0 || axis_dim < 0 || inner < 0 || n_indices < 0)
    return QRT_INVALID_ARGUMENT;
  for (int64_t i = 0; i < n_indices; i++)
    if (indices[i] < -axis_dim || indices[i] >= axis_dim) return QRT_INVALID_ARGUMENT;
  const size_t chunk = (size_t)inner * elem_size;
  const char *xb = (const char *)x;
  char *yb = (char *)y;
  for (int64_t o = 0; o < outer; o++) {
    const char *xo = xb + (size_t)(o * axis_dim) * chunk;
    for (int64_t i = 0; i < n_indices; i++) {
      const int64_t j = indices[i] < 0 ? indices[i] + axis_dim : indices[i];
      memcpy(yb, xo + (size_t)j * chunk, chunk);
      yb += chunk;
    }
  }
  return QRT_OK;
}
