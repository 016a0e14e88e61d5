/* One LayerNormalization row, avx512f build of f32_layer_norm.inl (the same C as
 * the portable build, vectorized by GCC for this ISA; the same bits). */
#include "qrt_internal.h"
#define QRT_LN_SUFFIX avx512f
#include "f32_layer_norm.inl"
