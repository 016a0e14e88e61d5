/* Int8 conv and Linear tiles for AVX2 (x86-64-v3); built with -mavx2 -mfma
 * (no FMA is used). Contracts in q8_conv_gemm_internal.h; the driver is
 * q8_conv_gemm.c.
 *
 * Lanes are 2 int16 activations (x - zx, |.| <= 255) against 2 int16 weights
 * (w - zw, |.| <= 255), so any weights the packer accepts fit. vpmaddwd gives
 * the exact sum of the two products (<= 2 * 255 * 255 < 2^31) as an int32,
 * then vpaddd accumulates modulo 2^32 (the final value fits int32: qrt_q8.h,
 * "Accumulation"). vpmaddubsw is not used: its int16 sums saturate.
 *
 * Requantization, bit for bit qrt_requantize_scalar: (float)acc by vcvtdq2ps
 * and the product by vmulps (round to nearest even in the default MXCSR mode,
 * as the C conversion and multiplication); clamp by vmaxps/vminps to
 * [qmin - zp, qmax - zp] (the reference's comparisons for any non-NaN value;
 * v is NaN only for a non-finite multiplier, which takes the scalar path);
 * round half to even by vroundps with an explicit _MM_FROUND_TO_NEAREST_INT. */
#include <immintrin.h>
#include <string.h>

#include "q8_conv_gemm_internal.h"

static inline __m256i bcast32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

static inline __m256i madd_acc(__m256i acc, __m256i x, __m256i w) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
}

/* 4 channels x 24 positions (3 vectors of 8): 12 accumulators. */
void qrt_q8_conv_tile_4x24__avx2(int64_t n_cg, int64_t cg_stride, int64_t n_taps, const int64_t *tap_off,
                                 const uint8_t *x, const uint8_t *w, int32_t *acc) {
  __m256i a00 = _mm256_setzero_si256(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
  __m256i a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
  for (int64_t cg = 0; cg < n_cg; cg++) {
    const uint8_t *xc = x + cg * cg_stride;
    for (int64_t t = 0; t < n_taps; t++) {
      const uint8_t *xp = xc + tap_off[t];
      const __m256i x0 = _mm256_loadu_si256((const __m256i *)xp);
      const __m256i x1 = _mm256_loadu_si256((const __m256i *)(xp + 32));
      const __m256i x2 = _mm256_loadu_si256((const __m256i *)(xp + 64));
      __m256i wb = bcast32(w);
      a00 = madd_acc(a00, x0, wb), a01 = madd_acc(a01, x1, wb), a02 = madd_acc(a02, x2, wb);
      wb = bcast32(w + 4);
      a10 = madd_acc(a10, x0, wb), a11 = madd_acc(a11, x1, wb), a12 = madd_acc(a12, x2, wb);
      wb = bcast32(w + 8);
      a20 = madd_acc(a20, x0, wb), a21 = madd_acc(a21, x1, wb), a22 = madd_acc(a22, x2, wb);
      wb = bcast32(w + 12);
      a30 = madd_acc(a30, x0, wb), a31 = madd_acc(a31, x1, wb), a32 = madd_acc(a32, x2, wb);
      w += 8 * 4; /* the panel is 8 channels wide */
    }
  }
  __m256i *o = (__m256i *)acc;
  _mm256_storeu_si256(o + 0, a00), _mm256_storeu_si256(o + 1, a01), _mm256_storeu_si256(o + 2, a02);
  _mm256_storeu_si256(o + 3, a10), _mm256_storeu_si256(o + 4, a11), _mm256_storeu_si256(o + 5, a12);
  _mm256_storeu_si256(o + 6, a20), _mm256_storeu_si256(o + 7, a21), _mm256_storeu_si256(o + 8, a22);
  _mm256_storeu_si256(o + 9, a30), _mm256_storeu_si256(o + 10, a31), _mm256_storeu_si256(o + 11, a32);
}

/* Up to 4 rows x 3 panels (24 channels): 12 accumulators, 3 weight vectors and a
 * broadcast row (16 ymm registers). The row and panel counts are template
 * arguments of gemm_mn, instantiated for every (mr, nv). With rq the sums go
 * through a local buffer to qrt_q8_requant__avx2. */
static inline __attribute__((always_inline)) void gemm_mn(const int MR, const int NV, int64_t n_kg,
                                                          const uint8_t *x, int64_t ldx, const uint8_t *w,
                                                          int64_t panel_stride, int64_t add, int32_t *acc,
                                                          const q8_gemm_rq_t *rq) {
  __m256i a[4][3];
  int32_t buf[4 * 3 * 8];
  int32_t *out = rq ? buf : acc;
#pragma GCC unroll 4
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
    for (int j = 0; j < NV; j++)
      a[r][j] = add ? _mm256_loadu_si256((const __m256i *)(acc + r * NV * 8 + 8 * j)) : _mm256_setzero_si256();
  for (int64_t kg = 0; kg < n_kg; kg++) {
    __m256i wv[3];
#pragma GCC unroll 3
    for (int j = 0; j < NV; j++) wv[j] = _mm256_loadu_si256((const __m256i *)(w + j * panel_stride + kg * 32));
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
      const __m256i xb = bcast32(x + r * ldx + 4 * kg);
#pragma GCC unroll 3
      for (int j = 0; j < NV; j++) a[r][j] = madd_acc(a[r][j], xb, wv[j]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
    for (int j = 0; j < NV; j++) _mm256_storeu_si256((__m256i *)(out + r * NV * 8 + 8 * j), a[r][j]);
  if (rq)
    for (int r = 0; r < MR; r++) qrt_q8_requant__avx2(rq->nt, buf + r * NV * 8, rq->bias, rq->mult, 1, rq->o, rq->y + r * rq->ldy);
}

#define Q8_GEMM_MN(MR, NV)                                                                                 \
  static void gemm_##MR##x##NV(int64_t n_kg, const uint8_t *x, int64_t ldx, const uint8_t *w, int64_t ps, \
                               int64_t add, int32_t *acc, const q8_gemm_rq_t *rq) {                       \
    gemm_mn(MR, NV, n_kg, x, ldx, w, ps, add, acc, rq);                                                    \
  }
#define Q8_GEMM_ROW(MR) Q8_GEMM_MN(MR, 1) Q8_GEMM_MN(MR, 2) Q8_GEMM_MN(MR, 3)
Q8_GEMM_ROW(1) Q8_GEMM_ROW(2) Q8_GEMM_ROW(3) Q8_GEMM_ROW(4)
#define Q8_GEMM_FNS(MR) {gemm_##MR##x1, gemm_##MR##x2, gemm_##MR##x3}

void qrt_q8_gemm_tile_4x24__avx2(int64_t mr, int64_t nv, int64_t n_kg, const uint8_t *x, int64_t ldx,
                                 const uint8_t *w, int64_t panel_stride, int64_t add, int32_t *acc,
                                 const q8_gemm_rq_t *rq) {
  typedef void (*fn_t)(int64_t, const uint8_t *, int64_t, const uint8_t *, int64_t, int64_t, int32_t *,
                       const q8_gemm_rq_t *);
  static const fn_t kFns[4][3] = {Q8_GEMM_FNS(1), Q8_GEMM_FNS(2), Q8_GEMM_FNS(3), Q8_GEMM_FNS(4)};
  kFns[mr - 1][nv - 1](n_kg, x, ldx, w, panel_stride, add, acc, rq);
}

void qrt_q8_requant__avx2(int64_t n, const int32_t *acc, const int32_t *bias, const float *mult, int64_t ps,
                          const q8_out_t *o, uint8_t *y) {
  const __m256 lo = _mm256_set1_ps((float)(o->qmin - o->zero_point));
  const __m256 hi = _mm256_set1_ps((float)(o->qmax - o->zero_point));
  const __m256i zp = _mm256_set1_epi32(o->zero_point), qmin = _mm256_set1_epi32(o->qmin),
                qmax = _mm256_set1_epi32(o->qmax);
  const __m256 fmax = _mm256_set1_ps(3.40282347e38f), sign = _mm256_set1_ps(-0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i b = ps ? _mm256_loadu_si256((const __m256i *)(bias + i)) : _mm256_set1_epi32(bias[0]);
    const __m256 mv = ps ? _mm256_loadu_ps(mult + i) : _mm256_set1_ps(mult[0]);
    /* |M| <= FLT_MAX is false for +-Inf and NaN: those take the scalar path */
    if (_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, mv), fmax, _CMP_LE_OQ)) != 0xff) {
      qrt_q8_requant_run(8, acc + i, bias + i * ps, mult + i * ps, ps, o, y + i);
      continue;
    }
    const __m256i a = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(acc + i)), b);
    const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(a), mv);
    const __m256 c = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    const __m256 r = _mm256_round_ps(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(r), zp);
    q = _mm256_min_epi32(_mm256_max_epi32(q, qmin), qmax);
    /* the low byte of each int32 (u8 and s8 alike) */
    const __m256i bytes = _mm256_shuffle_epi8(q, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                                  -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1,
                                                                  -1, -1, -1, -1, -1, -1));
    const uint32_t lo4 = (uint32_t)_mm256_extract_epi32(bytes, 0), hi4 = (uint32_t)_mm256_extract_epi32(bytes, 4);
    memcpy(y + i, &lo4, 4);
    memcpy(y + i + 4, &hi4, 4);
  }
  if (i < n) qrt_q8_requant_run(n - i, acc + i, bias + i * ps, mult + i * ps, ps, o, y + i);
}

/* The dynamic Linear's epilogue (dyn_row), 8 channels per step, the tail by the
 * shared loop: vpmulld and vpsubd wrap modulo 2^32 as the reference's uint32
 * arithmetic; vcvtdq2ps, vmulps and vaddps round to nearest even (default
 * MXCSR) as the C conversion and operations do. */
void qrt_q8_dyn_row__avx2(int64_t n, const int32_t *acc, uint32_t zu, const int32_t *wsum, float xs,
                          const float *wscale, const int32_t *bias, float *y) {
  const __m256i z = _mm256_set1_epi32((int32_t)zu);
  const __m256 s = _mm256_set1_ps(xs);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i a = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(acc + i)),
                                       _mm256_mullo_epi32(z, _mm256_loadu_si256((const __m256i *)(wsum + i))));
    const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(a), _mm256_mul_ps(s, _mm256_loadu_ps(wscale + i)));
    _mm256_storeu_ps(y + i, _mm256_add_ps(p, _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)(bias + i)))));
  }
  if (i < n) qrt_q8_dyn_row_run(n - i, acc + i, zu, wsum + i, xs, wscale + i, bias + i, y + i);
}
