/* Weight-only tiles for AVX2 + FMA + F16C: 4 rows x 16 columns (two ymm of 8
 * lanes). Contract in wo_internal.h; the same scheme as the AVX-512 file:
 * weights widened to 32-bit lanes (vpmovsxbd / vpmovzxbd, vcvtph2ps), zero
 * point subtracted in integers, converted (exact) and multiplied by the scale
 * with one vmulps (wdq bit-identical to the scalar variant's), products summed
 * with vfmadd231ps; a one-row tile keeps separate even-k and odd-k sums. */
#include <immintrin.h>

#include "wo_internal.h"

#define QRT_INLINE static inline __attribute__((always_inline))
enum { MR = QRT_WO_AVX2_MR, NR = QRT_WO_AVX2_NR };

typedef struct {
  __m256 a[MR][2];
  __m256 odd[2];
} acc_t;

/* All-ones in the lanes of vector v that hold a column < nr. */
QRT_INLINE __m256i lanes(int64_t nr, int v) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(nr - 8 * v)), idx);
}

QRT_INLINE void begin(const qrt_wo_tile_t *t, const int R, acc_t *acc) {
  for (int i = 0; i < R; i++)
    for (int v = 0; v < 2; v++) {
      if (t->accumulate)
        acc->a[i][v] = _mm256_maskload_ps(t->y + i * t->ldy + 8 * v, lanes(t->nr, v));
      else
        acc->a[i][v] = t->bias ? _mm256_loadu_ps(t->bias + 8 * v) : _mm256_setzero_ps();
    }
  acc->odd[0] = acc->odd[1] = _mm256_setzero_ps();
}

QRT_INLINE void end(const qrt_wo_tile_t *t, const int R, acc_t *acc) {
  if (R == 1)
    for (int v = 0; v < 2; v++) acc->a[0][v] = _mm256_add_ps(acc->a[0][v], acc->odd[v]);
  for (int i = 0; i < R; i++)
    for (int v = 0; v < 2; v++) {
      float *y = t->y + i * t->ldy + 8 * v;
      if (t->nr >= 8 * (v + 1))
        _mm256_storeu_ps(y, acc->a[i][v]);
      else
        _mm256_maskstore_ps(y, lanes(t->nr, v), acc->a[i][v]);
    }
}

QRT_INLINE void fma_rows(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, const __m256 *w,
                         acc_t *acc) {
  if (R < 0) { /* dequantize into the block at t->y */
    for (int v = 0; v < 2; v++) _mm256_storeu_ps(t->y + kk * NR + 8 * v, w[v]);
    return;
  }
  for (int i = 0; i < R; i++) {
    const __m256 xb = _mm256_broadcast_ss(t->x + i * t->ldx + kk);
    __m256 *a = (R == 1 && odd) ? acc->odd : acc->a[i];
    a[0] = _mm256_fmadd_ps(xb, w[0], a[0]);
    a[1] = _mm256_fmadd_ps(xb, w[1], a[1]);
  }
}

QRT_INLINE __m128i load8(const void *p) { return _mm_loadl_epi64((const __m128i *)p); }

typedef struct {
  __m256 s[2];
} s8_scales_t;

QRT_INLINE void s8_scales(const qrt_wo_tile_t *t, s8_scales_t *s) {
  s->s[0] = _mm256_loadu_ps(t->scales), s->s[1] = _mm256_loadu_ps(t->scales + 8);
}

QRT_INLINE void s8_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, const s8_scales_t *s,
                        acc_t *acc) {
  const int8_t *w = (const int8_t *)t->w + kk * NR;
  __m256 wd[2];
  for (int v = 0; v < 2; v++)
    wd[v] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(load8(w + 8 * v))), s->s[v]);
  fma_rows(t, R, kk, odd, wd, acc);
}

typedef struct {
  __m256 s[2];
  __m256i z[2];
} q4_group_t;

QRT_INLINE void q4_group(const qrt_wo_tile_t *t, int64_t gi, q4_group_t *g) {
  for (int v = 0; v < 2; v++) {
    g->s[v] = _mm256_loadu_ps(t->scales + gi * NR + 8 * v);
    g->z[v] = t->zp ? _mm256_cvtepu8_epi32(load8(t->zp + gi * NR + 8 * v)) : _mm256_set1_epi32(8);
  }
}

/* One vector of columns at a time: with 16 registers, the 4x2 accumulators
 * leave room for only one vector's dequantized pair. */
QRT_INLINE void fma_vec(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, int v, __m256 w,
                        acc_t *acc) {
  if (R < 0) {
    _mm256_storeu_ps(t->y + kk * NR + 8 * v, w);
    return;
  }
  for (int i = 0; i < R; i++) {
    const __m256 xb = _mm256_broadcast_ss(t->x + i * t->ldx + kk);
    __m256 *a = (R == 1 && odd) ? acc->odd : acc->a[i];
    a[v] = _mm256_fmadd_ps(xb, w, a[v]);
  }
}

QRT_INLINE void q4_pair(const qrt_wo_tile_t *t, const int R, int64_t kk, const q4_group_t *g, acc_t *acc) {
  const uint8_t *w = (const uint8_t *)t->w + kk / 2 * NR;
  const __m256i nib = _mm256_set1_epi32(15);
  for (int v = 0; v < 2; v++) {
    const __m256i b = _mm256_cvtepu8_epi32(load8(w + 8 * v));
    const __m256i l = _mm256_sub_epi32(_mm256_and_si256(b, nib), g->z[v]);
    const __m256i h = _mm256_sub_epi32(_mm256_srli_epi32(b, 4), g->z[v]);
    fma_vec(t, R, kk, 0, v, _mm256_mul_ps(_mm256_cvtepi32_ps(l), g->s[v]), acc);
    fma_vec(t, R, kk + 1, 1, v, _mm256_mul_ps(_mm256_cvtepi32_ps(h), g->s[v]), acc);
  }
}

QRT_INLINE void f16_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc) {
  const uint16_t *w = (const uint16_t *)t->w + kk * NR;
  const __m256 wd[2] = {_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)w)),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 8)))};
  fma_rows(t, R, kk, odd, wd, acc);
}

QRT_INLINE void f32_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc) {
  const float *w = (const float *)t->w + kk * NR;
  const __m256 wd[2] = {_mm256_loadu_ps(w), _mm256_loadu_ps(w + 8)};
  fma_rows(t, R, kk, odd, wd, acc);
}

#define QRT_WO_ISA avx2_f16c
#include "wo_gemm_tiles.h"
