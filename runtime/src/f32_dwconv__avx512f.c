/* f32 depthwise conv of one channel, AVX-512F. Contract: f32_conv_internal.h.
 * Built with -mavx512f -mfma. Rounding: the bias, then one FMA per tap into
 * one of three accumulators (by tap row), then two adds: results differ from
 * the scalar reference by rounding only.
 *
 * With padding, the channel is first copied into a zero-padded plane (vector
 * stores; only the rows some tap reads). Stride 1: the plane is walked as one
 * run of positions p = oh*ldx + ow, 16 per vector, garbage columns ow >= OW
 * included, so each tap is one contiguous load even when rows are shorter
 * than a vector (7x7 maps); the valid lanes are compressed into the output.
 * Otherwise row by row, 16 outputs per vector; stride 2 loads 32 floats per
 * tap and keeps the even ones with one permute. Loads and stores are masked:
 * nothing past the last input read or output written is touched. */
#include <immintrin.h>

#include "f32_conv_internal.h"

static inline __mmask16 lanes(int64_t n) { return (__mmask16)((1u << n) - 1u); }

/* rows [0, rows) of x zero-padded into plane (rows ldx = W + pad_left + pad_right apart). */
static void pad_plane(const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x,
                      int64_t rows, float *plane) {
  const int64_t pl = p->pad_left, ldx = W + pl + p->pad_right;
  const __m512 z = _mm512_setzero_ps();
  for (int64_t r = 0; r < rows; r++) {
    float *d = plane + r * ldx;
    const int64_t ih = r - p->pad_top;
    if (ih < 0 || ih >= H) {
      for (int64_t c = 0; c < ldx; c += 16) _mm512_mask_storeu_ps(d + c, lanes(QRT_MIN(16, ldx - c)), z);
      continue;
    }
    const float *xr = x + ih * W;
    for (int64_t c = 0; c < ldx; c += 16) {
      /* lanes l of this chunk read column c + l - pl: valid for l in [a, b) */
      const int64_t n = QRT_MIN(16, ldx - c);
      const int64_t a = QRT_MIN(n, QRT_MAX(0, pl - c)), b = QRT_MAX(a, QRT_MIN(n, pl + W - c));
      __m512 v = _mm512_maskz_loadu_ps(lanes(b - a), xr + (c + a - pl));
      if (a > 0) /* move lanes [0, b-a) up to [a, b) (only at the left edge) */
        v = _mm512_maskz_permutexvar_ps((__mmask16)(lanes(b) & ~lanes(a)),
                                        _mm512_sub_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                                                           10, 11, 12, 13, 14, 15),
                                                         _mm512_set1_epi32((int)a)),
                                        v);
      _mm512_mask_storeu_ps(d + c, lanes(n), v);
    }
  }
}

/* x[s*sw] for s < n (1 <= n <= 16), zeros past n. */
static inline __attribute__((always_inline)) __m512 load_run(const float *x, const int sw,
                                                             int64_t n) {
  if (sw == 1) return _mm512_maskz_loadu_ps(lanes(n), x);
  const int64_t e = 2 * n - 1; /* floats spanned */
  const __mmask16 m0 = e >= 16 ? (__mmask16)0xffff : lanes(e);
  const __mmask16 m1 = e > 16 ? lanes(e - 16) : (__mmask16)0;
  const __m512 lo = _mm512_maskz_loadu_ps(m0, x), hi = _mm512_maskz_loadu_ps(m1, x + 16);
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  return _mm512_permutex2var_ps(lo, even, hi);
}

/* bias + the taps of the n outputs whose tap (0, 0) input run starts at x. */
static inline __attribute__((always_inline)) __m512 taps(const int k3, const int sw, __m512 vb,
                                                         const float *x, int64_t n, int64_t kh,
                                                         int64_t kw, int64_t rs, int64_t dw,
                                                         const __m512 *w3, const float *w) {
  __m512 acc[3] = {vb, _mm512_setzero_ps(), _mm512_setzero_ps()};
  if (k3) {
#pragma GCC unroll 3
    for (int i = 0; i < 3; i++)
#pragma GCC unroll 3
      for (int j = 0; j < 3; j++)
        acc[i] = _mm512_fmadd_ps(w3[i * 3 + j], load_run(x + i * rs + j * dw, sw, n), acc[i]);
  } else {
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++)
        acc[i % 3] = _mm512_fmadd_ps(_mm512_set1_ps(w[i * kw + j]),
                                     load_run(x + i * rs + j * dw, sw, n), acc[i % 3]);
  }
  return _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), acc[2]);
}

/* Clamp (max_ps(x, y) returns y when either is NaN: the accumulator goes second). */
static inline __m512 clamp(__m512 v, __m512 vlo, __m512 vhi) {
  return _mm512_min_ps(vhi, _mm512_max_ps(vlo, v));
}

static inline __attribute__((always_inline)) void plane_s1(const int k3, const float *x,
                                                           int64_t ldx, int64_t OH, int64_t OW,
                                                           int64_t kh, int64_t kw, int64_t dh,
                                                           int64_t dw, const float *w, float bias,
                                                           float lo, float hi, float *y) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi), vb = _mm512_set1_ps(bias);
  __m512 w3[9];
  if (k3)
    for (int t = 0; t < 9; t++) w3[t] = _mm512_set1_ps(w[t]);
  const int64_t P = (OH - 1) * ldx + OW, rs = dh * ldx;
  int64_t out = 0, c0 = 0; /* outputs written; column of the vector's first position */
  for (int64_t p0 = 0; p0 < P; p0 += 16) {
    const int64_t n = QRT_MIN(16, P - p0);
    const __m512 acc = clamp(taps(k3, 1, vb, x + p0, n, kh, kw, rs, dw, w3, w), vlo, vhi);
    uint32_t m = 0; /* lanes at columns < OW */
    for (int64_t l = 0, c = c0; l < n; c = 0) {
      const int64_t seg = QRT_MIN(n - l, ldx - c);
      const int64_t v = QRT_MAX(0, QRT_MIN(seg, OW - c));
      m |= ((1u << v) - 1u) << l;
      l += seg;
    }
    if (m == 0xffffu) {
      _mm512_storeu_ps(y + out, acc);
      out += 16;
    } else {
      const int cnt = __builtin_popcount(m);
      _mm512_mask_storeu_ps(y + out, lanes(cnt), _mm512_maskz_compress_ps((__mmask16)m, acc));
      out += cnt;
    }
    for (c0 += 16; c0 >= ldx; c0 -= ldx) {
    }
  }
}

static inline __attribute__((always_inline)) void plane_rows(const int k3, const int sw,
                                                             const float *x, int64_t ldx,
                                                             int64_t OH, int64_t OW, int64_t kh,
                                                             int64_t kw, int64_t sh, int64_t dh,
                                                             int64_t dw, const float *w,
                                                             float bias, float lo, float hi,
                                                             float *y) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi), vb = _mm512_set1_ps(bias);
  __m512 w3[9];
  if (k3)
    for (int t = 0; t < 9; t++) w3[t] = _mm512_set1_ps(w[t]);
  for (int64_t oh = 0; oh < OH; oh++) {
    const float *xr = x + oh * sh * ldx;
    float *yr = y + oh * OW;
    for (int64_t o = 0; o < OW; o += 16) {
      const int64_t n = QRT_MIN(16, OW - o);
      const __m512 acc = taps(k3, sw, vb, xr + o * sw, n, kh, kw, dh * ldx, dw, w3, w);
      _mm512_mask_storeu_ps(yr + o, lanes(n), clamp(acc, vlo, vhi));
    }
  }
}

void qrt_f32_dwconv__avx512f(const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x,
                             int64_t OH, int64_t OW, const float *w, float bias, float *y,
                             float *plane) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w;
  const float lo = p->output_min, hi = p->output_max;
  const float *src = x;
  int64_t ldx = W;
  if (p->pad_top || p->pad_left || p->pad_bottom || p->pad_right) {
    ldx = W + p->pad_left + p->pad_right;
    pad_plane(p, H, W, x, (OH - 1) * sh + (kh - 1) * dh + 1, plane);
    src = plane;
  }
  const int k3 = kh == 3 && kw == 3;
  if (sw == 1 && sh == 1) {
    if (k3) plane_s1(1, src, ldx, OH, OW, kh, kw, dh, dw, w, bias, lo, hi, y);
    else plane_s1(0, src, ldx, OH, OW, kh, kw, dh, dw, w, bias, lo, hi, y);
  } else if (sw == 1) {
    if (k3) plane_rows(1, 1, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, lo, hi, y);
    else plane_rows(0, 1, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, lo, hi, y);
  } else {
    if (k3) plane_rows(1, 2, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, lo, hi, y);
    else plane_rows(0, 2, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, lo, hi, y);
  }
}
