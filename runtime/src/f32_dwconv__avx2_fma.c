/* f32 depthwise conv of one channel, AVX2 + FMA: the channel zero-padded into
 * the plane (when there is padding), then row by row, 8 outputs per vector, a
 * broadcast weight times the input run of each tap (stride 2: 16 floats
 * loaded, the even ones kept by a shuffle and a 64-bit permute). Contract:
 * f32_conv_internal.h. Built with -mavx2 -mfma. Rounding: the bias, one FMA
 * per tap into one of three accumulators (by tap row), two adds: differs from
 * the scalar reference by rounding only. Loads and stores are masked: nothing
 * past the last input read or output written is touched. */
#include <immintrin.h>
#include <string.h>

#include "f32_conv_internal.h"

static inline __m256i lane_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* x[s*sw] for s < n (1 <= n <= 8), zeros past n. */
static inline __attribute__((always_inline)) __m256 load_run(const float *x, const int sw,
                                                             int64_t n) {
  if (sw == 1) return n == 8 ? _mm256_loadu_ps(x) : _mm256_maskload_ps(x, lane_mask(n));
  const int64_t e = 2 * n - 1; /* floats spanned */
  const __m256 lo = _mm256_maskload_ps(x, lane_mask(e));
  const __m256 hi = _mm256_maskload_ps(x + 8, lane_mask(e - 8));
  const __m256 ev = _mm256_shuffle_ps(lo, hi, 0x88); /* lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6 */
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xd8));
}

static inline __attribute__((always_inline)) void plane(const int sw, const float *x, int64_t ldx,
                                                        int64_t OH, int64_t OW, int64_t kh,
                                                        int64_t kw, int64_t sh, int64_t dh,
                                                        int64_t dw, const float *w, float bias,
                                                        float lo, float hi, float *y) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), vb = _mm256_set1_ps(bias);
  for (int64_t oh = 0; oh < OH; oh++) {
    const float *xr = x + oh * sh * ldx;
    float *yr = y + oh * OW;
    for (int64_t o = 0; o < OW; o += 8) {
      const int64_t n = QRT_MIN(8, OW - o);
      __m256 acc[3] = {vb, _mm256_setzero_ps(), _mm256_setzero_ps()};
      for (int64_t i = 0; i < kh; i++) {
        const float *r = xr + i * dh * ldx + o * sw;
        for (int64_t j = 0; j < kw; j++)
          acc[i % 3] = _mm256_fmadd_ps(_mm256_set1_ps(w[i * kw + j]), load_run(r + j * dw, sw, n),
                                       acc[i % 3]);
      }
      __m256 v = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), acc[2]);
      /* max_ps(x, y) returns y when either is NaN: the accumulator goes second. */
      v = _mm256_min_ps(vhi, _mm256_max_ps(vlo, v));
      if (n == 8) _mm256_storeu_ps(yr + o, v);
      else _mm256_maskstore_ps(yr + o, lane_mask(n), v);
    }
  }
}

static void channel(const qrt_conv2d_params_t *p, int64_t H, int64_t W, const float *x, int64_t OH,
                    int64_t OW, const float *w, float bias, float *y, float *pbuf) {
  const int64_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  const int64_t dh = p->dilation_h, dw = p->dilation_w;
  const float *src = x;
  int64_t ldx = W;
  if (p->pad_top || p->pad_left || p->pad_bottom || p->pad_right) {
    const int64_t pl = p->pad_left, rows = (OH - 1) * sh + (kh - 1) * dh + 1;
    ldx = W + pl + p->pad_right;
    for (int64_t r = 0; r < rows; r++) {
      float *d = pbuf + r * ldx;
      const int64_t ih = r - p->pad_top;
      memset(d, 0, (size_t)ldx * sizeof(float));
      if (ih >= 0 && ih < H) memcpy(d + pl, x + ih * W, (size_t)W * sizeof(float));
    }
    src = pbuf;
  }
  if (sw == 1) plane(1, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, p->output_min, p->output_max, y);
  else plane(2, src, ldx, OH, OW, kh, kw, sh, dh, dw, w, bias, p->output_min, p->output_max, y);
}

void qrt_f32_dwconv__avx2_fma(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                              const float *x, int64_t OH, int64_t OW, const float *w,
                              const float *bias, float *y, float *scratch) {
  const int64_t taps = p->kernel_h * p->kernel_w;
  for (int64_t ch = 0; ch < c; ch++)
    channel(p, H, W, x + ch * H * W, OH, OW, w + ch * taps, bias[ch], y + ch * OH * OW, scratch);
}
