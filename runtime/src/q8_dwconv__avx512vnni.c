/* The AVX-512 VNNI kernels of the int8 depthwise convolution.
 *
 * Row kernel (q8_dwconv_avx512.inl): as q8_dwconv__avx512f.c, with vpdpwssd
 * (acc + the two int16 pair products, wrapping, no saturation) in place of
 * vpmaddwd + vpaddd.
 *
 * Quad kernel (q8_dw_chan_fn, q8_dwconv_internal.h; needs AVX512-VBMI too, so
 * it is compiled for it alone and selected only on CPUs that have it): per
 * 16 flat positions and per quad, one vpermb (one source) or vpermt2b (two)
 * of 64-byte loads builds 4 tap bytes per lane and one vpdpbusd multiplies
 * them by the quad's 4 s8 weights: a 3x3 conv is 3 permutes and 3 vpdpbusd per
 * 16 outputs, where the row kernel spends 9 vpmovzxbd and 9 vpdpwssd. The sums
 * start at the channel's bias and are requantized from the registers
 * (q8_requant_avx512.h); a vector whose lanes are all outputs is stored with
 * one vpmovdb, others are compressed (vpcompressd: the output lanes in order
 * are consecutive outputs, as the dropped lanes are exactly the columns past
 * a row) and stored with a masked vpmovdb. */
#define DW_FN qrt_q8_dw_rows__avx512vnni
#define DW_FILL_FN qrt_q8_dw_fill__avx512vnni
#define DW_MAC(acc, x, w) _mm512_dpwssd_epi32((acc), (x), (w))
#include "q8_dwconv_avx512.inl"

#include <string.h>

#include "q8_requant_avx512.h"

#define DW_VBMI __attribute__((target("avx512vbmi,avx512vbmi2")))

/* Stores the first n bytes of b whose bit is set in m (the outputs among the
 * lanes, in order: consecutive outputs) at y; returns y past them. */
static inline __attribute__((always_inline)) DW_VBMI uint8_t *dw_store(uint8_t *y, __m512i b, uint64_t m, int n) {
  const uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;
  if (m == all) {
    _mm512_mask_storeu_epi8(y, all, b);
    return y + n;
  }
  const int k = __builtin_popcountll(m);
  _mm512_mask_storeu_epi8(y, k == 64 ? ~0ull : (1ull << k) - 1, _mm512_maskz_compress_epi8(m, b));
  return y + k;
}

/* Vectors v0 .. v0 + G - 1 of the channel: the quads' sums, requantized
 * (without zp), their low bytes gathered 32 per vpermt2b (4 vectors per 64
 * bytes), zp added to the bytes (vpaddb: the low byte of the sum), stored. */
static inline __attribute__((always_inline)) DW_VBMI uint8_t *dw_quad_vecs(
    const int G, const q8_dw_quads_t *q, const uint8_t *x, const int32_t *w4, __m512i bias, __m512 mult,
    const q8_rq512_t *k, __m512i zp8, __m512i lo8, int64_t v0, uint8_t *y) {
  __m512i a[8];
#pragma GCC unroll 8
  for (int g = 0; g < G; g++) a[g] = bias;
  const uint8_t *xv = x + v0 * 16;
  for (int64_t i = 0; i < q->n_quads; i++) {
    const __m512i idx = _mm512_load_si512((const void *)(q->idx + i * 64));
    const __m512i wq = _mm512_set1_epi32(w4[i]);
    const int64_t sa = q->src[2 * i], sb = q->src[2 * i + 1];
    if (sa == sb) {
#pragma GCC unroll 8
      for (int g = 0; g < G; g++) {
        const __m512i t = _mm512_permutexvar_epi8(idx, _mm512_loadu_si512((const void *)(xv + g * 16 + sa)));
        a[g] = _mm512_dpbusd_epi32(a[g], t, wq);
      }
    } else {
#pragma GCC unroll 8
      for (int g = 0; g < G; g++) {
        const __m512i t = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)(xv + g * 16 + sa)), idx,
                                                   _mm512_loadu_si512((const void *)(xv + g * 16 + sb)));
        a[g] = _mm512_dpbusd_epi32(a[g], t, wq);
      }
    }
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; g++) a[g] = q8_rq512_nozp(k, a[g], mult);
  uint64_t m = 0;
  memcpy(&m, q->vmask + v0, (size_t)G * 2 > 8 ? 8 : (size_t)G * 2);
  if (G == 1) return dw_store(y, _mm512_add_epi8(_mm512_castsi128_si512(_mm512_cvtepi32_epi8(a[0])), zp8), m, 16);
  if (G == 2) return dw_store(y, _mm512_add_epi8(_mm512_permutex2var_epi8(a[0], lo8, a[1]), zp8), m, 32);
#pragma GCC unroll 2
  for (int g = 0; g < G; g += 4) {
    if (g) memcpy(&m, q->vmask + v0 + g, 8);
    const __m512i b01 = _mm512_permutex2var_epi8(a[g], lo8, a[g + 1]);
    const __m512i b23 = _mm512_permutex2var_epi8(a[g + 2], lo8, a[g + 3]);
    y = dw_store(y, _mm512_add_epi8(_mm512_inserti64x4(b01, _mm512_castsi512_si256(b23), 1), zp8), m, 64);
  }
  return y;
}

/* The chunk fill (q8_dw_chunk_t): vpermt2b of the window's first 128 bytes,
 * and of the next 128 when some byte comes from there (hmask), blended. */
DW_VBMI void qrt_q8_dw_gather__avx512vnni(const q8_dw_fill_t *f, const uint8_t *src, uint8_t *planes) {
  const __m512i flip = _mm512_set1_epi8((char)f->flip), zu = _mm512_set1_epi8((char)f->zu);
  for (int64_t i = 0; i < f->n_chunks; i++) {
    const q8_dw_chunk_t *c = &f->chunk[i];
    const uint8_t *s = src + c->src;
    const __m512i idx = _mm512_load_si512((const void *)c->idx);
    __m512i v = _mm512_permutex2var_epi8(_mm512_maskz_loadu_epi8(c->lmask[0], s), idx,
                                         _mm512_maskz_loadu_epi8(c->lmask[1], s + 64));
    if (c->hmask) {
      const __m512i hi = _mm512_permutex2var_epi8(_mm512_maskz_loadu_epi8(c->lmask[2], s + 128), idx,
                                                  _mm512_maskz_loadu_epi8(c->lmask[3], s + 192));
      v = _mm512_mask_blend_epi8(c->hmask, v, hi);
    }
    _mm512_store_si512((void *)(planes + c->dst), _mm512_mask_blend_epi8(c->pad, zu, _mm512_xor_si512(v, flip)));
  }
}

/* The pair fill (q8_dw_pair_t), rows in input order. */
__attribute__((target("avx512vbmi,bmi2"))) void qrt_q8_dw_pairs__avx512vnni(const q8_dw_fill_t *f,
                                                                          const uint8_t *src, uint8_t *planes) {
  static const uint8_t kSplit[64] = {0,  2,  4,  6,  8,  10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
                                     32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62,
                                     1,  3,  5,  7,  9,  11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31,
                                     33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 57, 59, 61, 63};
  const __m512i split = _mm512_loadu_si512((const void *)kSplit), flip = _mm512_set1_epi8((char)f->flip);
  const int64_t x0 = -(f->pl & 1); /* the first load's column: x0 + pl is even */
  int64_t rows = 0;
  for (int64_t i = 0; i < f->n_pairs; i++) rows = f->pair[i].rows > rows ? f->pair[i].rows : rows;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t i = 0; i < f->n_pairs; i++) {
      const q8_dw_pair_t *p = &f->pair[i];
      if (r >= p->rows) continue;
      const uint8_t *s = src + p->src + r * f->src_ld;
      uint8_t *d0 = planes + p->dst[0] + r * f->dst_ld, *d1 = planes + p->dst[1] + r * f->dst_ld;
      for (int64_t ix = x0; ix < f->w; ix += 64) {
        const int64_t jlo = ix < 0 ? -ix : 0, jhi = f->w - ix < 64 ? f->w - ix : 64;
        const uint64_t lm = (jhi == 64 ? ~0ull : (1ull << jhi) - 1) & ~((1ull << jlo) - 1);
        /* bytes 0-31: the even loaded bytes (plane (ix + pl) % 2 = 0), 32-63: the odd ones */
        const __m512i v = _mm512_xor_si512(_mm512_permutexvar_epi8(split, _mm512_maskz_loadu_epi8(lm, s + ix)), flip);
        const int64_t c = (ix + f->pl) / 2;
        _mm512_mask_storeu_epi8(d0 + c, _pext_u64(lm, 0x5555555555555555ull), v);
        _mm512_mask_storeu_epi8(d1 + c - 32, _pext_u64(lm, 0xaaaaaaaaaaaaaaaaull) << 32, v);
      }
    }
}

DW_VBMI void qrt_q8_dw_chan__avx512vnni(const q8_dw_quads_t *q, const uint8_t *planes, const int8_t *wb,
                                        int32_t bias, float mult, const q8_out_t *o, uint8_t *y) {
  /* the quads' weights: byte 4i + k = wb[tap of quad i's slot k], 0 for empty slots */
  int32_t w4[Q8_DW_MAX_QUADS];
  const __m512i wsel = _mm512_loadu_si512((const void *)q->wsel);
  _mm512_storeu_si512((void *)w4, _mm512_maskz_permutexvar_epi8(q->wmask, wsel,
                                                                _mm512_loadu_si512((const void *)wb)));
  const q8_rq512_t k = q8_rq512_init(o);
  const __m512i vb = _mm512_set1_epi32(bias), zp8 = _mm512_set1_epi8((char)o->zero_point);
  /* byte j < 32: the low byte of int32 lane j of the pair (vpermt2b index 4j) */
  static const uint8_t kLo8[64] = {0,  4,  8,  12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60,
                                   64, 68, 72, 76, 80, 84, 88, 92, 96, 100, 104, 108, 112, 116, 120, 124};
  const __m512i lo8 = _mm512_loadu_si512((const void *)kLo8);
  const __m512 vm = _mm512_set1_ps(mult);
  int64_t v = 0;
  for (; v + 8 <= q->nvec; v += 8) y = dw_quad_vecs(8, q, planes, w4, vb, vm, &k, zp8, lo8, v, y);
  if (v + 4 <= q->nvec) y = dw_quad_vecs(4, q, planes, w4, vb, vm, &k, zp8, lo8, v, y), v += 4;
  if (v + 2 <= q->nvec) y = dw_quad_vecs(2, q, planes, w4, vb, vm, &k, zp8, lo8, v, y), v += 2;
  if (v < q->nvec) dw_quad_vecs(1, q, planes, w4, vb, vm, &k, zp8, lo8, v, y);
}
