/* Private to libqrt: the f32 convolution microkernel contracts and their
 * tables (the gemm microkernels are in qrt_internal.h). */
#ifndef QRT_F32_CONV_INTERNAL_H
#define QRT_F32_CONV_INTERNAL_H
#include "qrt_internal.h"

/* ---- indirect-GEMM conv microkernels (f32_igemm_<MR>x<NR>__<isa>) --------------
 * One tile of mr <= MR output pixels x nr <= NR output channels:
 *   acc[t][j] = start[t][j] + sum_{k < kc} a[off[k] + t] * b[k*NR + j]
 *   a:   the tile's first pixel in the conv's input planes (f32_conv2d.c): pixel t
 *        of tap k is a[off[k] + t]; exactly these mr floats per tap are read.
 *   b:   a packed weight panel, b[k*NR + j] (columns past nr are zero, read).
 *   start: the partial sums part[t*NR + j] (flags & QRT_IGEMM_PART_IN), else
 *        bias[j] for j < nr (bias non-NULL), else 0.
 * Each k adds a*b in increasing k (with or without FMA, as the ISA suffix says).
 * Then either (flags & QRT_IGEMM_PART_OUT) the sums go back to part[t*NR + j]
 * (t < mr, all NR columns; a K block that is not the last), or they are clamped
 * to [lo, hi] (flags & QRT_IGEMM_CLAMP, NaN propagating) and stored into the NCHW
 * output, transposed: element (t, j) at c[j*ldc + t], for t < mr, j < nr only.
 * kc >= 1. */
enum { QRT_IGEMM_PART_IN = 1u, QRT_IGEMM_PART_OUT = 2u, QRT_IGEMM_CLAMP = 4u };
typedef void (*qrt_f32_igemm_ukernel_fn)(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                         const int64_t *off, const float *b, float *c,
                                         int64_t ldc, float *part, uint32_t flags,
                                         const float *bias, float lo, float hi);

/* ---- depthwise conv microkernels (f32_dwconv__<isa>) ------------------------------
 * One channel x [H][W] of a depthwise conv with parameters p (strides 1 or 2
 * horizontally; output_min/max as the clamp): for oh < OH, ow < OW,
 *   y[oh*OW + ow] = clamp(bias + sum_{i<kh, j<kw} w[i*kw + j] * xpad[oh*sh + i*dh][ow*sw + j*dw])
 * where xpad is x zero-padded by p's pads. The kernel may build xpad in
 * plane (qrt_f32_dwconv_plane_floats(p, H, W) floats). Each product is rounded
 * then added, or fused, as the ISA suffix says; the bias is added first, the
 * taps in any order. The clamp propagates NaN. */
typedef void (*qrt_f32_dwconv_fn)(const qrt_conv2d_params_t *p, int64_t H, int64_t W,
                                  const float *x, int64_t OH, int64_t OW, const float *w,
                                  float bias, float *y, float *plane);

/* Floats of the padded plane a depthwise kernel may build: rows
 * [0, (OH-1)*sh + (kh-1)*dh] of the padded image, plus one vector of slack. */
static inline int64_t qrt_f32_dwconv_plane_floats(const qrt_conv2d_params_t *p, int64_t H,
                                                  int64_t W) {
  return (H + p->pad_top + p->pad_bottom) * (W + p->pad_left + p->pad_right) + 16;
}

typedef struct {
  const char *name; /* the contract: f32_igemm_<MR>x<NR>__<isa> */
  qrt_isa_t isa;
  int mr, nr;
  int kc; /* K block (a kc x NR weight panel stays in L1); longer K is split */
  int mc; /* pixels per block (whole tiles): the partial sums of a block stay in L2 */
  qrt_f32_igemm_ukernel_fn igemm;
  qrt_f32_dwconv_fn dwconv;
} qrt_f32_conv_ukernel_t;

#define QRT_F32_CONV_UKERNEL(isa_name, isa, mr, nr, kc, mc)                                   \
  void qrt_f32_igemm_##mr##x##nr##__##isa_name(int64_t mr_, int64_t nr_, int64_t kc_,        \
                                               const float *a, const int64_t *off,           \
                                               const float *b, float *c, int64_t ldc,        \
                                               float *part, uint32_t flags, const float *bias, \
                                               float lo, float hi);                          \
  void qrt_f32_dwconv__##isa_name(const qrt_conv2d_params_t *p, int64_t H, int64_t W,       \
                                  const float *x, int64_t OH, int64_t OW, const float *w,     \
                                  float bias, float *y, float *plane);
#include "f32_conv_ukernels.inl"
#undef QRT_F32_CONV_UKERNEL

/* All conv variants compiled in, oldest ISA first. */
int qrt_f32_conv_ukernel_count(void);
const qrt_f32_conv_ukernel_t *qrt_f32_conv_ukernel_at(int index);
/* The newest variant allowed by qrt_active_isa(); its index in *out_index. */
const qrt_f32_conv_ukernel_t *qrt_f32_conv_ukernel_select(int *out_index);

#endif /* QRT_F32_CONV_INTERNAL_H */
