/* f32 depthwise conv, AVX-512F. Contract: f32_conv_internal.h. Built with
 * -mavx512f -mfma. Rounding: the bias, then one FMA per tap into one of three
 * accumulators (by tap row), then two adds: results differ from the scalar
 * reference by rounding only.
 *
 * No padded copy: each tap is a masked load straight from the input row, the
 * lanes that fall into the padding (or past the row) masked off (masked-off
 * lanes are never read, so the address may point before the row). A vector
 * holds 16 outputs of one output row, or, when rows are 8 outputs or
 * shorter (7x7 maps), floor(16 / OW) whole output rows, each slot of the
 * vector loaded from its own input row. Stride 2 loads the 32-float window of
 * each tap and keeps the even floats with one permute. The load masks and
 * offsets depend only on the vector slot and the tap column, so they are
 * computed once per call (a table for up to 256 slots x tap columns) and
 * shared by every row and channel. */
#include <immintrin.h>
#include <stdint.h>

#include "f32_conv_internal.h"

static inline __mmask16 lanes(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }

/* Lanes [a, b) of 0..15 (empty when b <= a). */
static inline __mmask16 lane_range(int64_t a, int64_t b) {
  a = QRT_MAX(a, 0), b = QRT_MIN(b, 16);
  return b > a ? (__mmask16)(lanes(b) & ~lanes(a)) : (__mmask16)0;
}

/* base + off floats, as an address only (off may be negative: masked lanes). */
static inline const float *at(const float *base, int64_t off) {
  return (const float *)((uintptr_t)base + (uintptr_t)(off * (int64_t)sizeof(float)));
}

typedef struct {
  int64_t off;     /* float offset of window element 0 from the input row */
  __mmask16 m0, m1; /* window elements 0..15 and 16..31 that are read */
} tap_t;

/* Slot s of a vector, tap column j: which floats of the input row to read.
 * R == 1: slot s is the chunk of outputs [16s, 16s + 16) of a row.
 * R > 1: slot s is the s-th of the R output rows the vector holds (lanes
 * [s*OW, (s+1)*OW)). Window element e feeds lane e (stride 1) or e/2 (stride 2). */
static tap_t plan_tap(int64_t s, int64_t j, int64_t R, int64_t sw, int64_t W, int64_t OW,
                      int64_t pl, int64_t dw) {
  int64_t l0, l1, c0; /* the slot's lanes, and the output column of lane l0 */
  if (R == 1) l0 = 0, l1 = QRT_MIN(16, OW - 16 * s), c0 = 16 * s;
  else l0 = s * OW, l1 = (s + 1) * OW, c0 = 0;
  tap_t t;
  /* lane l reads input column (c0 + l - l0)*sw - pl + j*dw = off + sw*l within the window */
  const int64_t off = (c0 - l0) * sw - pl + j * dw;
  t.off = R == 1 ? off + sw * l0 : off; /* R == 1: l0 = 0 */
  /* window elements read: e = sw*l for l in [l0, l1), and inside the row: 0 <= off + e < W */
  const int64_t e0 = QRT_MAX(sw * l0, -off), e1 = QRT_MIN(sw * (l1 - 1) + 1, W - off);
  if (sw == 1) {
    t.m0 = lane_range(e0, e1), t.m1 = 0;
  } else { /* odd elements in range are read too (harmless, dropped by the permute) */
    t.m0 = lane_range(e0, e1);
    t.m1 = lane_range(e0 - 16, e1 - 16);
  }
  return t;
}

static inline __m512 clamp(__m512 v, __m512 vlo, __m512 vhi) {
  /* max_ps(x, y) returns y when either is NaN: the accumulator goes second. */
  return _mm512_min_ps(vhi, _mm512_max_ps(vlo, v));
}

/* The tap (i, j) vector of one slot into v (stride 1) or lo/hi (stride 2). */
static inline __attribute__((always_inline)) void load_tap(const int sw, const float *row,
                                                           const tap_t *t, __m512 *v, __m512 *hi) {
  *v = _mm512_mask_loadu_ps(*v, t->m0, at(row, t->off));
  if (sw == 2) *hi = _mm512_mask_loadu_ps(*hi, t->m1, at(row, t->off + 16));
}

static inline __m512 even_floats(__m512 lo, __m512 hi) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  return _mm512_permutex2var_ps(lo, even, hi);
}

/* The tap vector for window t of input row `row` (NULL: a padding row, zeros). */
static inline __attribute__((always_inline)) __m512 tap_vec(const int sw, const float *row,
                                                           const tap_t *t) {
  __m512 v = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  if (!row) return v;
  load_tap(sw, row, t, &v, &hi);
  return sw == 2 ? even_floats(v, hi) : v;
}

/* One channel, rows of more than 8 outputs: a vector per 16 outputs of a row.
 * 3x3: one accumulator per tap row (three chains of three FMAs). */
static inline __attribute__((always_inline)) void channel_rows(
    const int k3, const int sw, const qrt_conv2d_params_t *p, int64_t H, int64_t W,
    const float *x, int64_t OH, int64_t OW, const float *w, float bias, float *y,
    const tap_t *tab) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w;
  const __m512 vlo = _mm512_set1_ps(p->output_min), vhi = _mm512_set1_ps(p->output_max);
  const __m512 vb = _mm512_set1_ps(bias);
  const int64_t nq = (OW + 15) / 16;
  for (int64_t oh = 0; oh < OH; oh++) {
    float *yr = y + oh * OW;
    if (k3) {
      const float *r[3];
      for (int i = 0; i < 3; i++) {
        const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;
        r[i] = ih >= 0 && ih < H ? x + ih * W : NULL;
      }
      const __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]), w2 = _mm512_set1_ps(w[2]);
      const __m512 w3 = _mm512_set1_ps(w[3]), w4 = _mm512_set1_ps(w[4]), w5 = _mm512_set1_ps(w[5]);
      const __m512 w6 = _mm512_set1_ps(w[6]), w7 = _mm512_set1_ps(w[7]), w8 = _mm512_set1_ps(w[8]);
      for (int64_t q = 0; q < nq; q++) {
        const tap_t *t = tab + q * 3;
        __m512 a0 = _mm512_fmadd_ps(w0, tap_vec(sw, r[0], t), vb);
        __m512 a1 = _mm512_mul_ps(w3, tap_vec(sw, r[1], t));
        __m512 a2 = _mm512_mul_ps(w6, tap_vec(sw, r[2], t));
        a0 = _mm512_fmadd_ps(w1, tap_vec(sw, r[0], t + 1), a0);
        a1 = _mm512_fmadd_ps(w4, tap_vec(sw, r[1], t + 1), a1);
        a2 = _mm512_fmadd_ps(w7, tap_vec(sw, r[2], t + 1), a2);
        a0 = _mm512_fmadd_ps(w2, tap_vec(sw, r[0], t + 2), a0);
        a1 = _mm512_fmadd_ps(w5, tap_vec(sw, r[1], t + 2), a1);
        a2 = _mm512_fmadd_ps(w8, tap_vec(sw, r[2], t + 2), a2);
        const __m512 v = clamp(_mm512_add_ps(_mm512_add_ps(a0, a1), a2), vlo, vhi);
        _mm512_mask_storeu_ps(yr + 16 * q, lanes(OW - 16 * q), v);
      }
      continue;
    }
    for (int64_t q = 0; q < nq; q++) { /* any kernel: two chains, alternating taps */
      __m512 a0 = vb, a1 = _mm512_setzero_ps();
      int odd = 0;
      for (int64_t i = 0; i < kh; i++) {
        const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;
        if (ih < 0 || ih >= H) continue;
        const float *row = x + ih * W;
        for (int64_t j = 0; j < kw; j++, odd ^= 1) {
          const __m512 v = tap_vec(sw, row, tab + q * kw + j);
          if (odd) a1 = _mm512_fmadd_ps(_mm512_set1_ps(w[i * kw + j]), v, a1);
          else a0 = _mm512_fmadd_ps(_mm512_set1_ps(w[i * kw + j]), v, a0);
        }
      }
      _mm512_mask_storeu_ps(yr + 16 * q, lanes(OW - 16 * q), clamp(_mm512_add_ps(a0, a1), vlo, vhi));
    }
  }
}

/* One output row of a 3x3 kernel whose row fits one vector (9..16 outputs):
 * the weights and the three tap windows are the caller's registers. */
static inline __attribute__((always_inline)) __m512 row3(const int sw, const float *const *r,
                                                        const tap_t *t, const __m512 *wv,
                                                        __m512 vb) {
  __m512 a0 = _mm512_fmadd_ps(wv[0], tap_vec(sw, r[0], &t[0]), vb);
  __m512 a1 = _mm512_mul_ps(wv[3], tap_vec(sw, r[1], &t[0]));
  __m512 a2 = _mm512_mul_ps(wv[6], tap_vec(sw, r[2], &t[0]));
  a0 = _mm512_fmadd_ps(wv[1], tap_vec(sw, r[0], &t[1]), a0);
  a1 = _mm512_fmadd_ps(wv[4], tap_vec(sw, r[1], &t[1]), a1);
  a2 = _mm512_fmadd_ps(wv[7], tap_vec(sw, r[2], &t[1]), a2);
  a0 = _mm512_fmadd_ps(wv[2], tap_vec(sw, r[0], &t[2]), a0);
  a1 = _mm512_fmadd_ps(wv[5], tap_vec(sw, r[1], &t[2]), a1);
  a2 = _mm512_fmadd_ps(wv[8], tap_vec(sw, r[2], &t[2]), a2);
  return _mm512_add_ps(_mm512_add_ps(a0, a1), a2);
}

/* 3x3, rows of 9 to 16 outputs (14x14 maps): one vector per row, two rows per
 * iteration (independent chains), weights and tap windows kept in registers
 * (the stores to y could alias them for the compiler). */
static inline __attribute__((always_inline)) void channel_narrow3(
    const int sw, const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x, int64_t OH,
    int64_t OW, const float *w, float bias, float *y, const tap_t *tab) {
  const __m512 vlo = _mm512_set1_ps(p->output_min), vhi = _mm512_set1_ps(p->output_max);
  const __m512 vb = _mm512_set1_ps(bias);
  __m512 wv[9];
  for (int t = 0; t < 9; t++) wv[t] = _mm512_set1_ps(w[t]);
  const tap_t t[3] = {tab[0], tab[1], tab[2]};
  const __mmask16 m = lanes(OW);
  for (int64_t oh = 0; oh < OH; oh += 2) {
    const float *r0[3], *r1[3];
    for (int i = 0; i < 3; i++) {
      const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h, ih1 = ih + p->stride_h;
      r0[i] = ih >= 0 && ih < H ? x + ih * W : NULL;
      r1[i] = oh + 1 < OH && ih1 >= 0 && ih1 < H ? x + ih1 * W : NULL;
    }
    const __m512 v0 = row3(sw, r0, t, wv, vb);
    _mm512_mask_storeu_ps(y + oh * OW, m, clamp(v0, vlo, vhi));
    if (oh + 1 < OH) {
      const __m512 v1 = row3(sw, r1, t, wv, vb);
      _mm512_mask_storeu_ps(y + (oh + 1) * OW, m, clamp(v1, vlo, vhi));
    }
  }
}

/* One channel, rows of at most 8 outputs: a vector holds R = 16 / OW rows,
 * slot s of tap (i, j) loaded from that row's input row i. Two chains. */
static inline __attribute__((always_inline)) void channel_short(
    const int sw, const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x, int64_t OH,
    int64_t OW, const float *w, float bias, float *y, const tap_t *tab) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w, R = 16 / OW;
  const __m512 vlo = _mm512_set1_ps(p->output_min), vhi = _mm512_set1_ps(p->output_max);
  for (int64_t oh0 = 0; oh0 < OH; oh0 += R) {
    const int64_t rows = QRT_MIN(R, OH - oh0);
    __m512 a0 = _mm512_set1_ps(bias), a1 = _mm512_setzero_ps();
    int odd = 0;
    for (int64_t i = 0; i < kh; i++) {
      const float *row[16];
      for (int64_t s = 0; s < rows; s++) {
        const int64_t ih = (oh0 + s) * p->stride_h - p->pad_top + i * p->dilation_h;
        row[s] = ih >= 0 && ih < H ? x + ih * W : NULL;
      }
      for (int64_t j = 0; j < kw; j++, odd ^= 1) {
        __m512 v = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
        for (int64_t s = 0; s < rows; s++)
          if (row[s]) load_tap(sw, row[s], tab + s * kw + j, &v, &hi);
        if (sw == 2) v = even_floats(v, hi);
        if (odd) a1 = _mm512_fmadd_ps(_mm512_set1_ps(w[i * kw + j]), v, a1);
        else a0 = _mm512_fmadd_ps(_mm512_set1_ps(w[i * kw + j]), v, a0);
      }
    }
    const __m512 r = clamp(_mm512_add_ps(a0, a1), vlo, vhi);
    _mm512_mask_storeu_ps(y + oh0 * OW, lanes(rows * OW), r);
  }
}

/* 3x3, 5 to 8 outputs per row (7x7 maps): two output rows per vector, fully
 * unrolled, the six (row slot, tap column) windows in registers. */
static inline __attribute__((always_inline)) void channel_pair3(
    const int sw, const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x, int64_t OH,
    int64_t OW, const float *w, float bias, float *y, const tap_t *tab) {
  const __m512 vlo = _mm512_set1_ps(p->output_min), vhi = _mm512_set1_ps(p->output_max);
  const __m512 vb = _mm512_set1_ps(bias);
  __m512 wv[9];
  for (int t = 0; t < 9; t++) wv[t] = _mm512_set1_ps(w[t]);
  const tap_t t0[3] = {tab[0], tab[1], tab[2]}, t1[3] = {tab[3], tab[4], tab[5]};
  for (int64_t oh0 = 0; oh0 < OH; oh0 += 2) {
    const int64_t rows = QRT_MIN(2, OH - oh0);
    __m512 a[3];
#pragma GCC unroll 3
    for (int i = 0; i < 3; i++) {
      const int64_t ih0 = oh0 * p->stride_h - p->pad_top + i * p->dilation_h;
      const int64_t ih1 = ih0 + p->stride_h;
      const float *r0 = ih0 >= 0 && ih0 < H ? x + ih0 * W : NULL;
      const float *r1 = rows == 2 && ih1 >= 0 && ih1 < H ? x + ih1 * W : NULL;
      a[i] = i == 0 ? vb : _mm512_setzero_ps();
#pragma GCC unroll 3
      for (int j = 0; j < 3; j++) {
        __m512 v = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
        if (r0) load_tap(sw, r0, &t0[j], &v, &hi);
        if (r1) load_tap(sw, r1, &t1[j], &v, &hi);
        if (sw == 2) v = even_floats(v, hi);
        a[i] = _mm512_fmadd_ps(wv[i * 3 + j], v, a[i]);
      }
    }
    const __m512 r = clamp(_mm512_add_ps(_mm512_add_ps(a[0], a[1]), a[2]), vlo, vhi);
    _mm512_mask_storeu_ps(y + oh0 * OW, lanes(rows * OW), r);
  }
}

void qrt_f32_dwconv__avx512f(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                             const float *x, int64_t OH, int64_t OW, const float *w,
                             const float *bias, float *y, float *scratch) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w, sw = p->stride_w;
  const int64_t R = OW <= 8 ? 16 / OW : 1, slots = R > 1 ? R : (OW + 15) / 16;
  /* The tap table: on the stack when small, else in the scratch (16-byte
   * entries; qrt_f32_dwconv_scratch_floats leaves room for them). */
  enum { TAB = 128 };
  tap_t stack_tab[TAB];
  tap_t *tab = slots * kw <= TAB ? stack_tab : (tap_t *)scratch;
  for (int64_t s = 0; s < slots; s++)
    for (int64_t j = 0; j < kw; j++)
      tab[s * kw + j] = plan_tap(s, j, R, sw, W, OW, p->pad_left, p->dilation_w);
  const int k3 = kh == 3 && kw == 3;
  for (int64_t ch = 0; ch < c; ch++) {
    const float *xc = x + ch * H * W, *wc = w + ch * kh * kw;
    float *yc = y + ch * OH * OW;
    if (R == 2 && k3) {
      if (sw == 1) channel_pair3(1, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
      else channel_pair3(2, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
    } else if (R > 1) {
      if (sw == 1) channel_short(1, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
      else channel_short(2, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
    } else if (k3 && OW <= 16) {
      if (sw == 1) channel_narrow3(1, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
      else channel_narrow3(2, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
    } else if (k3) {
      if (sw == 1) channel_rows(1, 1, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
      else channel_rows(1, 2, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
    } else {
      if (sw == 1) channel_rows(0, 1, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
      else channel_rows(0, 2, p, H, W, xc, OH, OW, wc, bias[ch], yc, tab);
    }
  }
}
