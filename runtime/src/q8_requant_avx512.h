/* qrt_requantize_scalar on 16 int32 lanes (AVX-512 F), for kernels that
 * requantize from their registers. The arithmetic of docs/numerics.md,
 * "Requantization", shared by q8_conv_gemm__avx512vnni.c and the depthwise kernels (the
 * same instructions, so the same bits): (float)a by vcvtdq2ps and the product
 * by vmulps (round to nearest even in the default MXCSR mode, as the C
 * conversion and multiplication); the clamp by vmaxps/vminps to
 * [qmin - zp, qmax - zp] (integers, exact as floats; the reference's
 * comparisons for any non-NaN value, and v is NaN only for a non-finite
 * multiplier, which callers send to the scalar path); rounding half to even by
 * vcvtps2dq {rn-sae} (the value is clamped, so in range); + zp lands in
 * [qmin, qmax], so the reference's final clamp never changes it. */
#ifndef Q8_REQUANT_AVX512_H
#define Q8_REQUANT_AVX512_H
#include <immintrin.h>

#include "q8_conv_gemm_internal.h"

typedef struct {
  __m512 lo, hi;
  __m512i zp;
} q8_rq512_t;

static inline q8_rq512_t q8_rq512_init(const q8_out_t *o) {
  q8_rq512_t k = {_mm512_set1_ps((float)(o->qmin - o->zero_point)), _mm512_set1_ps((float)(o->qmax - o->zero_point)),
                  _mm512_set1_epi32(o->zero_point)};
  return k;
}

/* The value before + zp (in [qmin - zp, qmax - zp]): a = the exact sum plus
 * the bias (mod 2^32); mult finite. A kernel storing bytes may add zp to the
 * low bytes instead (the same low byte, modulo 256). */
static inline __m512i q8_rq512_nozp(const q8_rq512_t *k, __m512i a, __m512 mult) {
  const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(a), mult);
  const __m512 c = _mm512_min_ps(_mm512_max_ps(v, k->lo), k->hi);
  return _mm512_cvt_roundps_epi32(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* Two vectors of int16 (each from vpackssdw of two int32 vectors, so every
 * 128-bit block holds 4 values of each source) to 64 bytes in channel order:
 * vpackuswb (u8 ranges, qmin >= 0) or vpacksswb (s8), then vpermd puts the
 * blocks back in order. Values already in the byte range pass unchanged. */
static inline __m512i q8_bytes512(__m512i p0, __m512i p1, int is_u8) {
  const __m512i b = is_u8 ? _mm512_packus_epi16(p0, p1) : _mm512_packs_epi16(p0, p1);
  return _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), b);
}

static inline __m512i q8_rq512(const q8_rq512_t *k, __m512i a, __m512 mult) {
  return _mm512_add_epi32(q8_rq512_nozp(k, a, mult), k->zp);
}

#endif /* Q8_REQUANT_AVX512_H */
