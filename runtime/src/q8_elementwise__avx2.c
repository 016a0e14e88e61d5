/* Int8 QuantizeLinear, requantize and QAdd/QMul rows for AVX2 (x86-64-v3),
 * 16 values per step; contracts in q8_ew_internal.h. Built with -mavx2 -mfma,
 * but no FMA is used (the file is -ffp-contract=off, no FMA intrinsics).
 *
 * Bit for bit the scalar reference: vdivps / vcvtdq2ps / vmulps / vaddps are the
 * IEEE float32 operations of the C code, rounded to nearest even in the
 * default MXCSR mode (the contract: no kernel changes it), in the same order;
 * the tail (NaN -> 0, clamp, vroundps with an explicit _MM_FROUND_TO_NEAREST_INT,
 * then an exact conversion) is the one q8_ew_out_t proves equal to
 * qrt_requantize_f32_scalar / qrt_quantize_f32_scalar. int32 -> bytes by
 * saturating packs, lossless since r + zu is in [0, 255]. The last n % 16
 * values go through the scalar functions. */
#include <immintrin.h>

#include "q8_ew_internal.h"

typedef struct {
  __m256 lo, hi;
  __m256i zu;
  __m128i flip;
} q8_outv_t;

static inline q8_outv_t outv(const q8_ew_out_t *o) {
  q8_outv_t c = {_mm256_set1_ps(o->lo), _mm256_set1_ps(o->hi), _mm256_set1_epi32(o->zu),
                 _mm_set1_epi8((char)o->flip)};
  return c;
}

/* r + zu for 8 values (q8_ew_out_t). */
static inline __m256i round8(__m256 v, const q8_outv_t *c) {
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> 0 */
  v = _mm256_min_ps(_mm256_max_ps(v, c->lo), c->hi);
  v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), c->zu);
}

/* 16 values in [0, 255] (two vectors of int32) -> their bytes ^ flip. */
static inline void store16(uint8_t *y, __m256i q0, __m256i q1, const q8_outv_t *c) {
  __m256i w = _mm256_packs_epi32(q0, q1);       /* q0[0..3] q1[0..3] | q0[4..7] q1[4..7] */
  w = _mm256_permute4x64_epi64(w, 0xd8);        /* q0[0..7] | q1[0..7] */
  const __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
  _mm_storeu_si128((__m128i *)y, _mm_xor_si128(b, c->flip));
}

/* 16 bytes (or one byte broadcast when s == 0) as u - z, two vectors of int32. */
static inline void load16(const uint8_t *p, int64_t s, __m128i flip, __m256i z, __m256i *d0, __m256i *d1) {
  __m128i u = s ? _mm_loadu_si128((const __m128i *)p) : _mm_set1_epi8((char)p[0]);
  u = _mm_xor_si128(u, flip);
  *d0 = _mm256_sub_epi32(_mm256_cvtepu8_epi32(u), z);
  *d1 = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(u, 8)), z);
}

void qrt_q8_quantize__avx2(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y) {
  const q8_outv_t c = outv(o);
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 v0 = _mm256_div_ps(_mm256_loadu_ps(x + i), s); /* a division, as the reference */
    const __m256 v1 = _mm256_div_ps(_mm256_loadu_ps(x + i + 8), s);
    store16(y + i, round8(v0, &c), round8(v1, &c), &c);
  }
  if (i < n) qrt_q8_ew_quantize_tail(n - i, x + i, scale, o, y + i);
}

void qrt_q8_requant_row__avx2(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m, const q8_ew_out_t *o,
                              uint8_t *y) {
  const q8_outv_t c = outv(o);
  const __m128i f = _mm_set1_epi8((char)fx);
  const __m256i z = _mm256_set1_epi32(zx);
  const __m256 mv = _mm256_set1_ps(m);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i d0, d1;
    load16(x + i, 1, f, z, &d0, &d1);
    const __m256 v0 = _mm256_mul_ps(_mm256_cvtepi32_ps(d0), mv), v1 = _mm256_mul_ps(_mm256_cvtepi32_ps(d1), mv);
    store16(y + i, round8(v0, &c), round8(v1, &c), &c);
  }
  if (i < n) qrt_q8_ew_requant_tail(n - i, x + i, fx, zx, m, o, y + i);
}

/* QAdd (add = 1) or QMul (add = 0) of one row; add is a constant at each call. */
static inline void binary_row(int add, int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                              const q8_ew_bin_t *p, uint8_t *y) {
  const q8_outv_t c = outv(&p->o);
  const __m128i fa = _mm_set1_epi8((char)p->fa), fb = _mm_set1_epi8((char)p->fb);
  const __m256i za = _mm256_set1_epi32(p->za), zb = _mm256_set1_epi32(p->zb);
  const __m256 ma = _mm256_set1_ps(p->ma), mb = _mm256_set1_ps(p->mb), m = _mm256_set1_ps(p->m);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i a0, a1, b0, b1;
    __m256 v0, v1;
    load16(a + i * sa, sa, fa, za, &a0, &a1);
    load16(b + i * sb, sb, fb, zb, &b0, &b1);
    if (add) { /* pa = (float)da * ma, pb = (float)db * mb, v = pa + pb: three roundings, no FMA */
      v0 = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a0), ma), _mm256_mul_ps(_mm256_cvtepi32_ps(b0), mb));
      v1 = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a1), ma), _mm256_mul_ps(_mm256_cvtepi32_ps(b1), mb));
    } else { /* (a - za) * (b - zb) is exact in int32 (|.| <= 65025), then as qrt_requantize_scalar */
      v0 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(a0, b0)), m);
      v1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(a1, b1)), m);
    }
    store16(y + i, round8(v0, &c), round8(v1, &c), &c);
  }
  if (i < n) qrt_q8_ew_binary_tail(add, n - i, a + i * sa, sa, b + i * sb, sb, p, y + i);
}

void qrt_q8_add_row__avx2(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                          const q8_ew_bin_t *p, uint8_t *y) {
  binary_row(1, n, a, sa, b, sb, p, y);
}

void qrt_q8_mul_row__avx2(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                          const q8_ew_bin_t *p, uint8_t *y) {
  binary_row(0, n, a, sa, b, sb, p, y);
}
