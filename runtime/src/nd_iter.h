/* Iteration over a contiguous output of rank <= 8 with up to 3 strided inputs:
 * dimensions of size 1 are dropped and adjacent dimensions merged where every
 * input allows it, so the innermost loop is as long as possible and the outer
 * index advances by an odometer (no division per element). Private. */
#ifndef QRT_ND_ITER_H
#define QRT_ND_ITER_H
#include <stdint.h>

#include "qrt/qrt_data.h"

typedef struct {
  int64_t rank;                     /* >= 1 after qrt_nd_init */
  int64_t shape[QRT_MAX_RANK];
  int64_t st[3][QRT_MAX_RANK];      /* input strides (elements) */
  int64_t idx[QRT_MAX_RANK];        /* odometer over dims [0, rank-1) */
  int64_t off[3];                   /* current offsets of the inputs */
  int64_t outer;                    /* number of inner rows */
} qrt_nd_t;

/* Returns 0 on invalid arguments (rank > 8, negative dims). nops <= 3. */
static inline int qrt_nd_init(qrt_nd_t *it, int nops, int64_t rank, const int64_t *shape,
                              const int64_t *const *strides) {
  if (rank < 0 || rank > QRT_MAX_RANK) return 0;
  int64_t r = 0;
  for (int64_t d = 0; d < rank; d++) {
    if (shape[d] < 0) return 0;
    if (shape[d] == 1) continue;
    /* merge with the previous kept dim when contiguous for every input */
    int merge = r > 0;
    for (int o = 0; o < nops && merge; o++)
      if (it->st[o][r - 1] != strides[o][d] * shape[d]) merge = 0;
    if (merge) {
      it->shape[r - 1] *= shape[d];
      for (int o = 0; o < nops; o++) it->st[o][r - 1] = strides[o][d];
    } else {
      it->shape[r] = shape[d];
      for (int o = 0; o < nops; o++) it->st[o][r] = strides[o][d];
      r++;
    }
  }
  if (r == 0) {
    it->shape[0] = 1;
    for (int o = 0; o < 3; o++) it->st[o][0] = 0;
    r = 1;
  }
  for (int o = nops; o < 3; o++)
    for (int64_t d = 0; d < r; d++) it->st[o][d] = 0;
  it->rank = r;
  it->outer = 1;
  for (int64_t d = 0; d < r; d++) {
    it->idx[d] = 0;
    if (d < r - 1) it->outer *= it->shape[d];
  }
  for (int o = 0; o < 3; o++) it->off[o] = 0;
  for (int64_t d = 0; d < r; d++)
    if (it->shape[d] == 0) it->outer = 0;
  return 1;
}

/* Advance to the next inner row. */
static inline void qrt_nd_next(qrt_nd_t *it) {
  for (int64_t d = it->rank - 2; d >= 0; d--) {
    for (int o = 0; o < 3; o++) it->off[o] += it->st[o][d];
    if (++it->idx[d] < it->shape[d]) return;
    for (int o = 0; o < 3; o++) it->off[o] -= it->st[o][d] * it->shape[d];
    it->idx[d] = 0;
  }
}

/* Go to inner row `row` (0 <= row < outer) from any position. */
static inline void qrt_nd_seek(qrt_nd_t *it, int64_t row) {
  for (int o = 0; o < 3; o++) it->off[o] = 0;
  for (int64_t d = it->rank - 2; d >= 0; d--) {
    it->idx[d] = row % it->shape[d];
    row /= it->shape[d];
    for (int o = 0; o < 3; o++) it->off[o] += it->idx[d] * it->st[o][d];
  }
}

#endif /* QRT_ND_ITER_H */
