/* ReduceSum / ReduceMean / ReduceMax / ReduceMin over any set of axes.
 * For each output element (odometer over the kept dims) the reduced sub-space
 * is walked by a second odometer; SUM/MEAN accumulate in double. */
#include <math.h>

#include "nd_iter.h"
#include "qrt_internal.h"

qrt_status_t qrt_f32_reduce(qrt_reduce_op_t op, int64_t rank, const int64_t *shape,
                            uint32_t axes_mask, const float *x, float *y) {
  if (rank < 0 || rank > QRT_MAX_RANK || (rank < 32 && (axes_mask >> rank) != 0) ||
      op < QRT_REDUCE_SUM || op > QRT_REDUCE_MIN)
    return QRT_INVALID_ARGUMENT;
  int64_t stride[QRT_MAX_RANK];
  int64_t s = 1;
  for (int64_t d = rank - 1; d >= 0; d--) {
    if (shape[d] < 0) return QRT_INVALID_ARGUMENT;
    stride[d] = s;
    s *= shape[d];
  }
  int64_t ks[QRT_MAX_RANK], kst[QRT_MAX_RANK], rs[QRT_MAX_RANK], rst[QRT_MAX_RANK];
  int64_t nk = 0, nr = 0, count = 1;
  for (int64_t d = 0; d < rank; d++) {
    if (axes_mask & (1u << d)) {
      rs[nr] = shape[d];
      rst[nr++] = stride[d];
      count *= shape[d];
    } else {
      ks[nk] = shape[d];
      kst[nk++] = stride[d];
    }
  }
  qrt_nd_t kept, red;
  const int64_t *kp[1] = {kst}, *rp[1] = {rst};
  if (!qrt_nd_init(&kept, 1, nk, ks, kp) || !qrt_nd_init(&red, 1, nr, rs, rp))
    return QRT_INVALID_ARGUMENT;
  const int64_t KL = kept.shape[kept.rank - 1], ksl = kept.st[0][kept.rank - 1];
  const int64_t RL = red.shape[red.rank - 1], rsl = red.st[0][red.rank - 1];
  for (int64_t kr = 0; kr < kept.outer; kr++, qrt_nd_next(&kept)) {
    for (int64_t e = 0; e < KL; e++) {
      const float *xb = x + kept.off[0] + e * ksl;
      /* reset the reduced odometer */
      for (int64_t d = 0; d < red.rank; d++) red.idx[d] = 0;
      red.off[0] = 0;
      double acc = 0.0;
      float m = op == QRT_REDUCE_MAX ? -INFINITY : INFINITY;
      for (int64_t rr = 0; rr < red.outer; rr++, qrt_nd_next(&red)) {
        const float *xr = xb + red.off[0];
        if (op == QRT_REDUCE_SUM || op == QRT_REDUCE_MEAN) {
          for (int64_t i = 0; i < RL; i++) acc += xr[i * rsl];
        } else if (op == QRT_REDUCE_MAX) {
          for (int64_t i = 0; i < RL; i++) {
            const float v = xr[i * rsl];
            m = (v > m || v != v) ? v : m;
          }
        } else {
          for (int64_t i = 0; i < RL; i++) {
            const float v = xr[i * rsl];
            m = (v < m || v != v) ? v : m;
          }
        }
      }
      if (op == QRT_REDUCE_SUM) *y = (float)acc;
      else if (op == QRT_REDUCE_MEAN) *y = count ? (float)(acc / (double)count) : NAN;
      else *y = m;
      y++;
    }
  }
  return QRT_OK;
}
