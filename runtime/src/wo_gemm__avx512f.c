/* Weight-only tiles for AVX-512F: 8 rows x 32 columns (two zmm of 16 lanes).
 * Contract in wo_internal.h. The weights of one k are widened to 32-bit lanes
 * (vpmovsxbd / vpmovzxbd, vcvtph2ps for f16), converted to floats exactly
 * (4-bit: by a table, below) and multiplied by the scales: one vmulps, so
 * wdq is bit-identical to the scalar variant's. The products are summed with
 * vfmadd231ps. One row (GEMV) keeps two accumulator sets, even and odd k, and
 * adds them at the end, so two FMA chains are in flight per vector. */
#include <immintrin.h>

#include "wo_internal.h"

#define QRT_INLINE static inline __attribute__((always_inline))
enum { MR = QRT_WO_AVX512_MR, NR = QRT_WO_AVX512_NR };

typedef struct {
  __m512 a[MR][2]; /* rows x vectors */
  __m512 odd[2];   /* one-row tiles: the odd k */
} acc_t;

QRT_INLINE __mmask16 lanes(int64_t nr, int v) {
  const int64_t c = nr - 16 * v;
  return c >= 16 ? (__mmask16)0xffff : c <= 0 ? (__mmask16)0 : (__mmask16)((1u << c) - 1u);
}

QRT_INLINE void begin(const qrt_wo_tile_t *t, const int R, acc_t *acc) {
  for (int i = 0; i < R; i++)
    for (int v = 0; v < 2; v++) {
      if (t->accumulate)
        acc->a[i][v] = _mm512_maskz_loadu_ps(lanes(t->nr, v), t->y + i * t->ldy + 16 * v);
      else
        acc->a[i][v] = t->bias ? _mm512_loadu_ps(t->bias + 16 * v) : _mm512_setzero_ps();
    }
  acc->odd[0] = acc->odd[1] = _mm512_setzero_ps();
}

QRT_INLINE void end(const qrt_wo_tile_t *t, const int R, acc_t *acc) {
  if (R == 1)
    for (int v = 0; v < 2; v++) acc->a[0][v] = _mm512_add_ps(acc->a[0][v], acc->odd[v]);
  for (int i = 0; i < R; i++)
    for (int v = 0; v < 2; v++)
      _mm512_mask_storeu_ps(t->y + i * t->ldy + 16 * v, lanes(t->nr, v), acc->a[i][v]);
}

/* acc += x[.][kk] * w for the R rows; odd k of a one-row tile go to acc->odd. */
QRT_INLINE void fma_rows(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, const __m512 *w,
                         acc_t *acc) {
  if (R < 0) { /* dequantize into the block at t->y */
    for (int v = 0; v < 2; v++) _mm512_storeu_ps(t->y + kk * NR + 16 * v, w[v]);
    return;
  }
  for (int i = 0; i < R; i++) {
    const __m512 xb = _mm512_set1_ps(t->x[i * t->ldx + kk]);
    __m512 *a = (R == 1 && odd) ? acc->odd : acc->a[i];
    a[0] = _mm512_fmadd_ps(xb, w[0], a[0]);
    a[1] = _mm512_fmadd_ps(xb, w[1], a[1]);
  }
}

typedef struct {
  __m512 s[2];
} s8_scales_t;

QRT_INLINE void s8_scales(const qrt_wo_tile_t *t, s8_scales_t *s) {
  s->s[0] = _mm512_loadu_ps(t->scales), s->s[1] = _mm512_loadu_ps(t->scales + 16);
}

QRT_INLINE void s8_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, const s8_scales_t *s,
                        acc_t *acc) {
  const int8_t *w = (const int8_t *)t->w + kk * NR;
  __m512 wd[2];
  for (int v = 0; v < 2; v++) {
    const __m512i q = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(w + 16 * v)));
    wd[v] = _mm512_mul_ps(_mm512_cvtepi32_ps(q), s->s[v]);
  }
  fma_rows(t, R, kk, odd, wd, acc);
}

/* 4-bit codes to floats by a 16-entry table in a register (vpermps reads the
 * low 4 bits of each lane): s4, table[c] = c - 8; u4, table[c] = c, then the
 * zero point (as a float) subtracted. Both are exact small integers, so wdq =
 * that * scale is the scalar variant's (float)(c - zp) * scale bit for bit. */
typedef struct {
  __m512 s[2], zf[2], table;
} q4_group_t;

QRT_INLINE void q4_group(const qrt_wo_tile_t *t, int64_t gi, q4_group_t *g) {
  for (int v = 0; v < 2; v++) {
    g->s[v] = _mm512_loadu_ps(t->scales + gi * NR + 16 * v);
    g->zf[v] = t->zp ? _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
                           _mm_loadu_si128((const __m128i *)(t->zp + gi * NR + 16 * v))))
                     : _mm512_setzero_ps();
  }
  const __m512 codes = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  g->table = t->zp ? codes : _mm512_sub_ps(codes, _mm512_set1_ps(8.0f));
}

QRT_INLINE void q4_pair(const qrt_wo_tile_t *t, const int R, int64_t kk, const q4_group_t *g, acc_t *acc) {
  const uint8_t *w = (const uint8_t *)t->w + kk / 2 * NR;
  __m512 lo[2], hi[2];
  for (int v = 0; v < 2; v++) {
    const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(w + 16 * v)));
    __m512 l = _mm512_permutexvar_ps(b, g->table);
    __m512 h = _mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), g->table);
    if (t->zp) l = _mm512_sub_ps(l, g->zf[v]), h = _mm512_sub_ps(h, g->zf[v]);
    lo[v] = _mm512_mul_ps(l, g->s[v]);
    hi[v] = _mm512_mul_ps(h, g->s[v]);
  }
  fma_rows(t, R, kk, 0, lo, acc);
  fma_rows(t, R, kk + 1, 1, hi, acc);
}

QRT_INLINE void f16_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc) {
  const uint16_t *w = (const uint16_t *)t->w + kk * NR;
  const __m512 wd[2] = {_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)w)),
                        _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + 16)))};
  fma_rows(t, R, kk, odd, wd, acc);
}

QRT_INLINE void f32_step(const qrt_wo_tile_t *t, const int R, int64_t kk, int odd, acc_t *acc) {
  const float *w = (const float *)t->w + kk * NR;
  const __m512 wd[2] = {_mm512_loadu_ps(w), _mm512_loadu_ps(w + 16)};
  fma_rows(t, R, kk, odd, wd, acc);
}

#define QRT_WO_ISA avx512f
#include "wo_gemm_tiles.h"
