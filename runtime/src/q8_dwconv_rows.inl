/* The vector row kernel of the int8 depthwise convolution (q8_dw_rows_fn,
 * q8_dwconv_internal.h), included by each q8_dwconv__<isa>.c, which defines:
 *   DW_FN             the function's name
 *   DW_VEC, DW_V      the accumulator type of DW_V int32 lanes (one output position each)
 *   DW_WVEC           the type of DW_SET1's broadcast weight (default DW_VEC)
 *   DW_G              vectors computed together (independent accumulators)
 *   DW_ZERO(), DW_SET1(i32), DW_STORE(p, v)
 *   DW_LOAD(p)        DW_V bytes at p, zero-extended (u in [0, 255])
 *   DW_MAC(acc, x, w) acc + x * lo(w) per lane, lo(w) the weight's low int16
 *                     (in [-255, 255]: the product is exact, |.| <= 65025),
 *                     the addition wrapping modulo 2^32 as the reference's
 *                     uint32 sums.
 * The output vectors, row after row (a row's last vector may overrun it:
 * q8_dw_rows_fn allows that), go DW_G at a time, so short rows (7, 14 or 28
 * wide) fill the accumulators as well as long ones and the multiply-add
 * latency is hidden. Stores follow the vectors' order, so a row's overrun is
 * overwritten by the next row's first vector; past the last vector the group
 * computes the last one again (the same values, stored again). */
#include "q8_dwconv_internal.h"

#ifndef DW_WVEC
#define DW_WVEC DW_VEC
#endif

void DW_FN(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off, const uint8_t *x,
           const int32_t *w, int32_t *acc) {
  const int64_t nb = (ow + DW_V - 1) / DW_V, total = rows * nb;
  int64_t r = 0, j = 0; /* the next vector: row r, first position j (no division per vector) */
  for (int64_t v0 = 0; v0 < total; v0 += DW_G) {
    const uint8_t *xp[DW_G];
    int32_t *ap[DW_G];
    DW_VEC a[DW_G];
#pragma GCC unroll 8
    for (int k = 0; k < DW_G; k++) {
      xp[k] = x + r * ld + j, ap[k] = acc + r * ow + j;
      a[k] = DW_ZERO();
      if (v0 + k + 1 < total) { /* else the last vector again */
        j += DW_V;
        if (j >= ow) j = 0, r++;
      }
    }
    for (int64_t t = 0; t < n_taps; t++) {
      const DW_WVEC wt = DW_SET1(w[t]);
      const int64_t o = off[t];
#pragma GCC unroll 8
      for (int k = 0; k < DW_G; k++) a[k] = DW_MAC(a[k], DW_LOAD(xp[k] + o), wt);
    }
#pragma GCC unroll 8
    for (int k = 0; k < DW_G; k++) DW_STORE(ap[k], a[k]);
  }
}
