/* The builds of one LayerNormalization row (f32_layer_norm.inl): the same bits. */
#ifndef QRT_F32_LAYER_NORM_H
#define QRT_F32_LAYER_NORM_H
#include <stdint.h>

#define QRT_LN_DECLARE(isa)                                                                         \
  void qrt_f32_layer_norm_row__##isa(int64_t n, const float *x, const float *scale, const float *bias, \
                                     float epsilon, float *y, float *out_mean, float *out_inv_std);
QRT_LN_DECLARE(portable)
QRT_LN_DECLARE(avx2_fma)
QRT_LN_DECLARE(avx512f)
#undef QRT_LN_DECLARE
#endif
