/* The vector variants of the int8 ops around the convolutions (q8_ew_internal.h):
 * the variant table, the scalar tails the row kernels share, and the max pool
 * driver. Portable C: only q8_elementwise__<isa>.c and q8_pool__<isa>.c are
 * built with ISA flags. */
#include <string.h>

#include "q8_ew_internal.h"
#include "qrt_target.h"

/* ---- variants, oldest ISA first ------------------------------------------------- */

/* A one-target build keeps the newest row at or below its level (qrt_target.h). */
#if defined(__x86_64__) || defined(_M_X64)
enum { Q8_EW_LEVELS = QRT_LEVEL_BIT(QRT_ISA_AVX2_FMA) | QRT_LEVEL_BIT(QRT_ISA_AVX512F) };
#elif defined(__aarch64__)
enum { Q8_EW_LEVELS = QRT_LEVEL_BIT(QRT_ISA_NEON) };
#endif
#define Q8_EW_FN(level, f) QRT_ROW_FN(QRT_ROW_KEPT(level, Q8_EW_LEVELS), f)
#define Q8_EW_ROW(isa, level)                                                                                  \
  {"q8_ew__" #isa, level, Q8_EW_FN(level, qrt_q8_quantize__##isa), Q8_EW_FN(level, qrt_q8_requant_row__##isa), \
   Q8_EW_FN(level, qrt_q8_add_row__##isa), Q8_EW_FN(level, qrt_q8_mul_row__##isa),                             \
   Q8_EW_FN(level, qrt_q8_max_rows__##isa), Q8_EW_FN(level, qrt_q8_max_cols__##isa), Q8_EW_FN(level, qrt_q8_sum__##isa)}
static const q8_ew_variant_t kVariants[] = {
#if defined(__x86_64__) || defined(_M_X64)
    Q8_EW_ROW(avx2, QRT_ISA_AVX2_FMA),
    Q8_EW_ROW(avx512f, QRT_ISA_AVX512F), /* F + BW (byte max, masked byte stores) */
#endif
#if defined(__aarch64__)
    Q8_EW_ROW(neon, QRT_ISA_NEON),
#endif
    {NULL, QRT_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL, NULL, NULL}, /* end (keeps the array non-empty) */
};
#undef Q8_EW_ROW
#undef Q8_EW_FN
enum { Q8_EW_N_VARIANTS = sizeof kVariants / sizeof kVariants[0] - 1 };

const q8_ew_variant_t *qrt_q8_ew_variant(void) {
  const qrt_isa_t isa = qrt_active_isa();
  const q8_ew_variant_t *best = NULL;
  for (int i = 0; i < Q8_EW_N_VARIANTS; i++)
    if (kVariants[i].isa <= isa && kVariants[i].quantize) best = &kVariants[i];
  return best;
}

q8_ew_out_t qrt_q8_ew_out(qrt_dtype_t type, int32_t zp, int32_t qmin, int32_t qmax) {
  q8_ew_out_t o;
  o.lo = (float)(qmin - zp);
  o.hi = (float)(qmax - zp);
  o.zu = q8_ew_zu(type, zp);
  o.flip = q8_ew_flip(type);
  o.type = type;
  o.zp = zp;
  o.qmin = qmin;
  o.qmax = qmax;
  return o;
}

/* ---- scalar tails: the reference functions, element by element ---------------------- */

void qrt_q8_ew_quantize_tail(int64_t n, const float *x, float scale, const q8_ew_out_t *o, uint8_t *y) {
  for (int64_t i = 0; i < n; i++)
    qrt_q8_store(o->type, y, i, qrt_quantize_f32_scalar(x[i], scale, o->zp, o->qmin, o->qmax));
}

void qrt_q8_ew_requant_tail(int64_t n, const uint8_t *x, uint8_t fx, int32_t zx, float m, const q8_ew_out_t *o,
                            uint8_t *y) {
  for (int64_t i = 0; i < n; i++)
    qrt_q8_store(o->type, y, i, qrt_requantize_scalar((int32_t)(x[i] ^ fx) - zx, m, o->zp, o->qmin, o->qmax));
}

void qrt_q8_ew_binary_tail(int add, int64_t n, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                           const q8_ew_bin_t *p, uint8_t *y) {
  for (int64_t i = 0; i < n; i++) {
    const int32_t da = (int32_t)(a[i * sa] ^ p->fa) - p->za, db = (int32_t)(b[i * sb] ^ p->fb) - p->zb;
    if (add) {
      const float pa = (float)da * p->ma;
      const float pb = (float)db * p->mb;
      q8_ew_store_f32(&p->o, y, i, pa + pb);
    } else {
      qrt_q8_store(p->o.type, y, i, qrt_requantize_scalar(da * db, p->m, p->o.zp, p->o.qmin, p->o.qmax));
    }
  }
}

void qrt_q8_max_rows_scalar(int64_t n, const uint8_t *const *rows, int64_t nrows, uint8_t flip, uint8_t *dst) {
  for (int64_t i = 0; i < n; i++) {
    uint8_t m = rows[0][i] ^ flip;
    for (int64_t r = 1; r < nrows; r++) {
      const uint8_t v = rows[r][i] ^ flip;
      m = v > m ? v : m;
    }
    dst[i] = m;
  }
}

void qrt_q8_max_cols_scalar(int64_t n, const uint8_t *src, int64_t stride, int64_t k, int64_t dil, uint8_t flip,
                            uint8_t *dst) {
  for (int64_t j = 0; j < n; j++) {
    uint8_t m = 0;
    for (int64_t t = 0; t < k; t++) {
      const uint8_t v = src[j * stride + t * dil];
      m = v > m ? v : m;
    }
    dst[j] = m ^ flip;
  }
}

/* ---- max pool ---------------------------------------------------------------------------
 * Per output row: the rows of the window that lie inside the input are reduced
 * to one row (max_rows) in a buffer that also holds the padded columns, as the
 * lowest byte (u = 0: padding never wins, and a window without input elements
 * gives the type's minimum, as the reference); then max_cols takes each
 * output's kernel_w columns (strides 1 and 2; other strides by a loop here).
 * Wide rows go in chunks of output columns. The caller guarantees
 * kernel_h <= Q8_POOL_MAX_KH and the column span fits half the buffer. */
enum { Q8_POOL_BUF = 4096, Q8_POOL_MAX_KH = 32 };

int qrt_q8_max_pool2d_vector_ok(const qrt_pool2d_params_t *p) {
  return p->kernel_h <= Q8_POOL_MAX_KH && (p->kernel_w - 1) * p->dilation_w + 1 <= Q8_POOL_BUF / 2 &&
         p->stride_w <= Q8_POOL_BUF / 2;
}

void qrt_q8_max_pool2d_vector(const q8_ew_variant_t *v, const qrt_pool2d_params_t *p, int64_t planes, int64_t h,
                              int64_t w, int64_t oh, int64_t ow, qrt_dtype_t type, const void *x, void *y) {
  const uint8_t flip = q8_ew_flip(type); /* also the byte of the type's minimum (0 or -128) */
  const int64_t sw = p->stride_w, span = (p->kernel_w - 1) * p->dilation_w + 1;
  const int64_t chunk = (Q8_POOL_BUF - span) / sw + 1; /* (chunk - 1) * sw + span <= Q8_POOL_BUF */
  uint8_t buf[Q8_POOL_BUF + 64];
  memset(buf, 0, sizeof buf); /* the 64 bytes past a row max_cols may read are defined */
  const uint8_t *rows[Q8_POOL_MAX_KH];
  for (int64_t pl = 0; pl < planes; pl++) {
    const uint8_t *xp = (const uint8_t *)x + pl * h * w;
    uint8_t *yp = (uint8_t *)y + pl * oh * ow;
    for (int64_t oy = 0; oy < oh; oy++, yp += ow) {
      int64_t nrows = 0;
      for (int64_t ky = 0; ky < p->kernel_h; ky++) {
        const int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
        if (iy >= 0 && iy < h) rows[nrows++] = xp + iy * w;
      }
      if (nrows == 0) {
        memset(yp, flip, (size_t)ow);
        continue;
      }
      for (int64_t ox0 = 0; ox0 < ow; ox0 += chunk) {
        const int64_t nout = ow - ox0 < chunk ? ow - ox0 : chunk;
        const int64_t c0 = ox0 * sw - p->pad_left, ext = (nout - 1) * sw + span; /* buf[j]: column c0 + j */
        const int64_t i0 = c0 > 0 ? c0 : 0, i1 = c0 + ext < w ? c0 + ext : w;
        if (i1 > i0) {
          const uint8_t *r[Q8_POOL_MAX_KH];
          for (int64_t k = 0; k < nrows; k++) r[k] = rows[k] + i0;
          memset(buf, 0, (size_t)(i0 - c0));
          v->max_rows(i1 - i0, r, nrows, flip, buf + (i0 - c0));
          memset(buf + (i1 - c0), 0, (size_t)(ext - (i1 - c0)));
        } else {
          memset(buf, 0, (size_t)ext);
        }
        if (sw <= 2)
          v->max_cols(nout, buf, sw, p->kernel_w, p->dilation_w, flip, yp + ox0);
        else
          qrt_q8_max_cols_scalar(nout, buf, sw, p->kernel_w, p->dilation_w, flip, yp + ox0);
      }
    }
  }
}
