/* The range of a row for dynamic quantization (q8_dynamic_quant__<isa>.c): the
 * smallest and largest finite element of x[0..n), each widened to include 0
 * (non-finite elements count as 0). Min and max are exact and order-free, so
 * every build gives the reference's values (but for the sign of a zero bound,
 * which neither hi - lo nor lo / scale sees; q8_dynamic_quant__scalar.c). */
#ifndef QRT_Q8_DYNAMIC_QUANT_INTERNAL_H
#define QRT_Q8_DYNAMIC_QUANT_INTERNAL_H
#include <stdint.h>

void qrt_q8_minmax__avx2(const float *x, int64_t n, float *lo, float *hi);
void qrt_q8_minmax__avx512f(const float *x, int64_t n, float *lo, float *hi);
#endif
