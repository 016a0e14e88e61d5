/* One LayerNormalization row, avx2_fma build of f32_layer_norm.inl (the same C as
 * the portable build, vectorized by GCC for this ISA; the same bits). */
#include "qrt_internal.h"
#define QRT_LN_SUFFIX avx2_fma
#include "f32_layer_norm.inl"
