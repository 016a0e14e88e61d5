/* Per-ISA builds of f32_transcend.inl (GELU, softmax and its exp) and the choice
 * among them. Every build returns the same bits (f32_transcend.inl). */
#ifndef QRT_F32_TRANSCEND_H
#define QRT_F32_TRANSCEND_H
#include <stdint.h>

#define QRT_TR_DECLARE(isa)                                                              \
  void qrt_f32_gelu_erf__##isa(int64_t n, const float *x, float *y);                     \
  double qrt_f32_exp_shifted_sum__##isa(int64_t n, const float *x, float mx, float *y);      \
  void qrt_f32_softmax_rows__##isa(int64_t rows, int64_t n, const float *x, float *y);
QRT_TR_DECLARE(scalar)
QRT_TR_DECLARE(avx2_fma)
QRT_TR_DECLARE(avx512f)
#undef QRT_TR_DECLARE

/* The newest build qrt_active_isa() allows (f32_elementwise.c). */
void qrt_f32_gelu_erf(int64_t n, const float *x, float *y);
double qrt_f32_exp_shifted_sum(int64_t n, const float *x, float mx, float *y);
void qrt_f32_softmax_rows(int64_t rows, int64_t n, const float *x, float *y);
#endif
