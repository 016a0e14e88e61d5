/* The reference row kernel of the int8 depthwise convolution
 * (q8_dwconv_internal.h, q8_dw_rows_fn): plain loops, never optimized; every
 * vector kernel must give its bytes. Sums in uint32: they wrap modulo 2^32
 * as the vector additions do (the exact sum fits int32 anyway). */
#include "q8_dwconv_internal.h"

void qrt_q8_dw_rows__scalar(int64_t rows, int64_t ow, int64_t ld, int64_t n_taps, const int64_t *off,
                            const uint8_t *x, const int32_t *w, int32_t *acc) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < ow; j++) {
      uint32_t s = 0;
      for (int64_t t = 0; t < n_taps; t++)
        s += (uint32_t)((int32_t)x[r * ld + off[t] + j] * (int32_t)(int16_t)w[t]);
      acc[r * ow + j] = (int32_t)s;
    }
}
