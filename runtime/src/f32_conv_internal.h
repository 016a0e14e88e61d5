/* Private to libqrt: the f32 convolution microkernel contracts and their
 * tables (the gemm microkernels are in qrt_internal.h). */
#ifndef QRT_F32_CONV_INTERNAL_H
#define QRT_F32_CONV_INTERNAL_H
#include "qrt_internal.h"

/* ---- indirect-GEMM conv microkernels (f32_igemm_<MR>x<NR>__<isa>) --------------
 * One tile of mr <= MR output pixels x nr <= NR output channels:
 *   acc[t][j] = start[t][j] + sum_{k < kc} A(t, k) * b[k*NR + j]
 *   A(t, k): pixel t of tap k in the conv's input planes (f32_conv2d.c):
 *        a[off[k] + t]; or, when a2 is not NULL (then mr is even), the tile is two
 *        runs of h = mr/2 pixels (two short output rows) and A(t, k) is
 *        a[off[k] + t] for t < h, a2[off[k] + t - h] for t >= h. Exactly these
 *        mr floats per tap are read.
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
                                         const float *a2, const int64_t *off, const float *b, float *c,
                                         int64_t ldc, float *part, uint32_t flags,
                                         const float *bias, float lo, float hi);

/* ---- depthwise conv microkernels (f32_dwconv__<isa>) ------------------------------
 * c channels of a depthwise conv with parameters p (groups, pads, strides,
 * dilations, output_min/max as the clamp; horizontal stride 1 or 2):
 * x [c][H][W], w [c][kh][kw], bias [c], y [c][OH][OW], for every channel
 *   y[oh][ow] = clamp(bias + sum_{i<kh, j<kw} w[i][j] * xpad[oh*sh + i*dh][ow*sw + j*dw])
 * where xpad is x zero-padded by p's pads. Each product is rounded then added,
 * or fused, as the ISA suffix says; the bias first, the taps in any order. The
 * clamp propagates NaN. scratch: qrt_f32_dwconv_scratch_floats(p, H, W) floats
 * (64-byte aligned) the kernel may use for a padded plane. */
typedef void (*qrt_f32_dwconv_fn)(const qrt_conv2d_params_t *p, int64_t c, int64_t H, int64_t W,
                                  const float *x, int64_t OH, int64_t OW, const float *w,
                                  const float *bias, float *y, float *scratch);

/* A padded channel plane plus one vector of slack, or a table of 16-byte
 * entries per (vector slot, tap column), slots <= ceil(W_padded / 16) + 16. */
static inline int64_t qrt_f32_dwconv_scratch_floats(const qrt_conv2d_params_t *p, int64_t H,
                                                    int64_t W) {
  const int64_t wp = W + p->pad_left + p->pad_right;
  const int64_t plane = (H + p->pad_top + p->pad_bottom) * wp + 16;
  const int64_t table = 4 * p->kernel_w * ((wp + 15) / 16 + 16);
  return plane > table ? plane : table;
}

/* ---- strided copy (f32_strided_copy__<isa>): y[v] = x[v*stride], v < n ---------------
 * Builds the stride phases of the conv input planes. Reads only the n floats
 * x[v*stride]... and those between them (stride 2 vector loads). */
typedef void (*qrt_f32_strided_copy_fn)(const float *x, int64_t stride, int64_t n, float *y);

/* ---- pointwise conv microkernels (f32_pwconv_<MR>x<NP>__<isa>) ------------------------
 * For 1x1 stride-1 convs on big maps, the other orientation: a tile of mr <= MR
 * output channels x np <= NP output pixels, channels broadcast, pixels as
 * vectors, so the output rows are stored as they are (no transpose):
 *   acc[i][q] = start[i][q] + sum_{k < kc} w[k*ldw + i] * x[k*ldx + q]
 *   w: the tile's first channel in a packed weight panel of the igemm layout
 *      (ldw = that variant's NR; reads i < mr only);
 *   x: the input at the tile's first pixel, input channel k at x[k*ldx]
 *      (reads q < np only);
 *   start: c[i*ldc + q] (flags & QRT_UK_LOAD_C), else bias[i] (bias non-NULL),
 *      else 0.
 * Each k adds w*x in increasing k (with or without FMA, as the ISA suffix
 * says); QRT_UK_CLAMP clamps to [lo, hi], NaN propagating; c[i*ldc + q] is
 * stored for i < mr, q < np only. kc >= 1. */
typedef void (*qrt_f32_pwconv_ukernel_fn)(int64_t mr, int64_t np, int64_t kc, const float *w,
                                          int64_t ldw, const float *x, int64_t ldx, float *c,
                                          int64_t ldc, uint32_t flags, const float *bias,
                                          float lo, float hi);

typedef struct {
  const char *name; /* the contract: f32_igemm_<MR>x<NR>__<isa> */
  qrt_isa_t isa;
  int mr, nr;
  int kc; /* K block (a kc x NR weight panel stays in L1); longer K is split */
  int mc; /* pixels per block (whole tiles): the partial sums of a block stay in L2 */
  qrt_f32_igemm_ukernel_fn igemm;
  qrt_f32_dwconv_fn dwconv;
  qrt_f32_strided_copy_fn strided_copy;
  int pw_mr, pw_np; /* the pointwise tile, channels x pixels */
  int pw_min;       /* pointwise convs with at least this many output pixels use it */
  qrt_f32_pwconv_ukernel_fn pwconv;
} qrt_f32_conv_ukernel_t;

#define QRT_F32_CONV_UKERNEL(isa_name, isa, mr, nr, kc, mc, pw_mr, pw_np, pw_min)             \
  void qrt_f32_igemm_##mr##x##nr##__##isa_name(int64_t mr_, int64_t nr_, int64_t kc_,        \
                                               const float *a, const float *a2,              \
                                               const int64_t *off,                           \
                                               const float *b, float *c, int64_t ldc,        \
                                               float *part, uint32_t flags, const float *bias, \
                                               float lo, float hi);                          \
  void qrt_f32_dwconv__##isa_name(const qrt_conv2d_params_t *p, int64_t c, int64_t H,      \
                                  int64_t W, const float *x, int64_t OH, int64_t OW,          \
                                  const float *w, const float *bias, float *y, float *scratch); \
  void qrt_f32_strided_copy__##isa_name(const float *x, int64_t stride, int64_t n, float *y); \
  void qrt_f32_pwconv_##pw_mr##x##pw_np##__##isa_name(int64_t mr_, int64_t np_, int64_t kc_,  \
                                                      const float *w, int64_t ldw,            \
                                                      const float *x, int64_t ldx, float *c,  \
                                                      int64_t ldc, uint32_t flags,            \
                                                      const float *bias, float lo, float hi);
#include "f32_conv_ukernels.inl"
#undef QRT_F32_CONV_UKERNEL

/* The table's levels (qrt_target.h): a row not kept has NULL functions. */
enum {
  QRT_F32_CONV_LEVELS = 0u
#define QRT_F32_CONV_UKERNEL(isa_name, isa, mr, nr, kc, mc, pw_mr, pw_np, pw_min) | QRT_LEVEL_BIT(isa)
#include "f32_conv_ukernels.inl"
#undef QRT_F32_CONV_UKERNEL
};

/* Every conv row of the architecture, oldest ISA first (in a one-target build
 * the rows not kept have NULL functions: qrt_target.h). */
int qrt_f32_conv_ukernel_count(void);
const qrt_f32_conv_ukernel_t *qrt_f32_conv_ukernel_at(int index);
/* The newest variant with functions allowed by qrt_active_isa(); its index in *out_index. */
const qrt_f32_conv_ukernel_t *qrt_f32_conv_ukernel_select(int *out_index);

#endif /* QRT_F32_CONV_INTERNAL_H */
