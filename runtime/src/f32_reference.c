/* Scalar references: the definitions the fast kernels are tested against.
 * Deliberately naive; keep them that way. */
#include "qrt_internal.h"

qrt_status_t qrt_f32_gemm_reference(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                                    float alpha, const float *a, int64_t lda, const float *b,
                                    int64_t ldb, float beta, const float *c, int64_t c_stride_m,
                                    int64_t c_stride_n, float *y, int64_t ldy) {
  if (m < 0 || n < 0 || k < 0) return QRT_INVALID_ARGUMENT;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      float s = 0.0f;
      for (int64_t kk = 0; kk < k; kk++) {
        const float av = trans_a ? a[kk * lda + i] : a[i * lda + kk];
        const float bv = trans_b ? b[j * ldb + kk] : b[kk * ldb + j];
        s += av * bv;
      }
      float v = alpha * s;
      if (c && beta != 0.0f) v = v + beta * c[i * c_stride_m + j * c_stride_n];
      y[i * ldy + j] = v;
    }
  }
  return QRT_OK;
}

qrt_status_t qrt_f32_conv2d_reference(const qrt_conv2d_params_t *p, int64_t n, int64_t c_in,
                                      int64_t h, int64_t w, const float *x, int64_t c_out,
                                      const float *weights, const float *bias, float *y) {
  int64_t OH, OW;
  qrt_status_t s = qrt_conv2d_output_size(p, h, w, &OH, &OW);
  if (s != QRT_OK) return s;
  if (c_in % p->groups || c_out % p->groups) return QRT_INVALID_ARGUMENT;
  const int64_t cig = c_in / p->groups, cog = c_out / p->groups;
  for (int64_t b = 0; b < n; b++)
    for (int64_t o = 0; o < c_out; o++) {
      const int64_t g = o / cog;
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          float sum = 0.0f;
          for (int64_t ci = 0; ci < cig; ci++)
            for (int64_t i = 0; i < p->kernel_h; i++)
              for (int64_t j = 0; j < p->kernel_w; j++) {
                const int64_t ih = oh * p->stride_h - p->pad_top + i * p->dilation_h;
                const int64_t iw = ow * p->stride_w - p->pad_left + j * p->dilation_w;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                const float xv = x[((b * c_in + g * cig + ci) * h + ih) * w + iw];
                const float wv = weights[((o * cig + ci) * p->kernel_h + i) * p->kernel_w + j];
                sum += xv * wv;
              }
          if (bias) sum += bias[o];
          sum = sum < p->output_min ? p->output_min : sum;
          sum = sum > p->output_max ? p->output_max : sum;
          y[((b * c_out + o) * OH + oh) * OW + ow] = sum;
        }
    }
  return QRT_OK;
}
