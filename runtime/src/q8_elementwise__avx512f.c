/* Int8 QuantizeLinear, requantize and QAdd/QMul rows for AVX-512 F + BW
 * (x86-64-v4), 16 values per step, the last step masked; contracts in
 * q8_ew_internal.h. No FMA (-ffp-contract=off, no FMA intrinsics).
 *
 * Bit for bit the scalar reference: vdivps / vcvtdq2ps / vmulps / vaddps are the
 * IEEE float32 operations of the C code in the same order, rounded to nearest
 * even (default MXCSR mode); the tail is the one q8_ew_out_t proves equal to
 * qrt_requantize_f32_scalar / qrt_quantize_f32_scalar, with rounding half to
 * even by vcvtps2dq {rn-sae} (explicit, not the MXCSR mode; the value is
 * clamped, so in range). vpmovdb truncates r + zu (in [0, 255]) to its byte.
 * Masked-off lanes load 0 and are not stored. */
#include <immintrin.h>

#include "q8_ew_internal.h"

typedef struct {
  __m512 lo, hi;
  __m512i zu, flip;
} q8_outv_t;

static inline q8_outv_t outv(const q8_ew_out_t *o) {
  q8_outv_t c = {_mm512_set1_ps(o->lo), _mm512_set1_ps(o->hi), _mm512_set1_epi32(o->zu),
                 _mm512_set1_epi32(o->flip)};
  return c;
}

static inline __mmask16 mask16(int64_t left) {
  return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

/* Bytes of 16 values v (q8_ew_out_t) stored under mask k. */
static inline void store16(uint8_t *y, __mmask16 k, __m512 v, const q8_outv_t *c) {
  v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v); /* NaN -> 0 */
  v = _mm512_min_ps(_mm512_max_ps(v, c->lo), c->hi);
  __m512i q = _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  q = _mm512_xor_si512(_mm512_add_epi32(q, c->zu), c->flip);
  _mm_mask_storeu_epi8(y, k, _mm512_cvtepi32_epi8(q));
}

/* 16 bytes (or one byte broadcast when s == 0) as int32 u - z. */
static inline __m512i load16(const uint8_t *p, int64_t s, __mmask16 k, __m128i flip, __m512i z) {
  const __m128i u = s ? _mm_maskz_loadu_epi8(k, p) : _mm_set1_epi8((char)p[0]);
  return _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_xor_si128(u, flip)), z);
}

void qrt_q8_quantize__avx512f(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y) {
  const q8_outv_t c = outv(o);
  const __m512 s = _mm512_set1_ps(scale);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = mask16(n - i);
    store16(y + i, k, _mm512_div_ps(_mm512_maskz_loadu_ps(k, x + i), s), &c); /* a division, as the reference */
  }
}

void qrt_q8_requant_row__avx512f(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m,
                                 const q8_ew_out_t *o, uint8_t *y) {
  const q8_outv_t c = outv(o);
  const __m128i f = _mm_set1_epi8((char)fx);
  const __m512i z = _mm512_set1_epi32(zx);
  const __m512 mv = _mm512_set1_ps(m);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = mask16(n - i);
    store16(y + i, k, _mm512_mul_ps(_mm512_cvtepi32_ps(load16(x + i, 1, k, f, z)), mv), &c);
  }
}

/* QAdd (add = 1) or QMul (add = 0) of one row; add is a constant at each call. */
static inline void binary_row(int add, int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                              const q8_ew_bin_t *p, uint8_t *y) {
  const q8_outv_t c = outv(&p->o);
  const __m128i fa = _mm_set1_epi8((char)p->fa), fb = _mm_set1_epi8((char)p->fb);
  const __m512i za = _mm512_set1_epi32(p->za), zb = _mm512_set1_epi32(p->zb);
  const __m512 ma = _mm512_set1_ps(p->ma), mb = _mm512_set1_ps(p->mb), m = _mm512_set1_ps(p->m);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = mask16(n - i);
    const __m512i da = load16(a + i * sa, sa, k, fa, za), db = load16(b + i * sb, sb, k, fb, zb);
    __m512 v;
    if (add) /* pa = (float)da * ma, pb = (float)db * mb, v = pa + pb: three roundings, no FMA */
      v = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(da), ma), _mm512_mul_ps(_mm512_cvtepi32_ps(db), mb));
    else /* (a - za) * (b - zb) is exact in int32 (|.| <= 65025), then as qrt_requantize_scalar */
      v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_mullo_epi32(da, db)), m);
    store16(y + i, k, v, &c);
  }
}

void qrt_q8_add_row__avx512f(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                             const q8_ew_bin_t *p, uint8_t *y) {
  binary_row(1, n, a, sa, b, sb, p, y);
}

void qrt_q8_mul_row__avx512f(int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                             const q8_ew_bin_t *p, uint8_t *y) {
  binary_row(0, n, a, sa, b, sb, p, y);
}
