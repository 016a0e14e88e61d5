/* GELU and softmax's exp, avx2_fma build of f32_transcend.inl (the contract and the
 * accuracy are there; every build gives the same bits). */
#include <math.h>

#include "f32_transcend.h"
#define QRT_TR_VECTOR 1
#define QRT_TR_SUFFIX avx2_fma
#include "f32_transcend.inl"
