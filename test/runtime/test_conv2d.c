/* Conv2d: every ISA variant against qrt_f32_conv2d_reference: normal,
 * grouped, depthwise, 1x1, strided, dilated, padded (asymmetric), fused Relu
 * and Clip, batch > 1, channel counts that leave pixel/channel/K tails, and
 * the driver's paths: K split into blocks (partial sums), several pixel
 * blocks, flat 1x1 tiling, gathered tiles for short rows, stride phases (more
 * than 64 of them too), and for depthwise the stride-1 walk over rows shorter
 * and longer than a vector, the stride-2 rows, the plane-free unpadded case
 * and the strides the row kernels do not take. NaN inputs propagate.
 *
 * Tolerance. Each output is a float sum of the K = C_in/groups*kh*kw products
 * plus the bias. The reference adds in tap order then the bias; the kernels
 * add in another order (bias first, FMA per product, K blocks carried as
 * floats, depthwise in three partial sums added at the end). Each of the two
 * is within gamma_{K+2} S of the exact value (S = sum |x w| + |bias|, u = 2^-24,
 * Higham 3.1), so |got - ref| <= 2 (K+2) u S / (1 - (K+2)u) < (K + 3) 2^-23 S,
 * which is the bound checked (plus a denormal floor). */
#include "test_util.h"

typedef struct {
  const char *name;
  int64_t n, c_in, h, w, c_out, groups, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
  int act; /* 0 none, 1 relu, 2 clip(-0.5, 0.5) */
  int bias;
} conv_case_t;

static const conv_case_t kCases[] = {
    {"3x3 pad1", 1, 16, 9, 11, 24, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"3x3 relu tails", 2, 5, 13, 7, 17, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"1x1", 1, 33, 7, 5, 65, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1},
    {"1x1 s2 downsample", 1, 32, 14, 14, 64, 1, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 0, 0},
    {"7x7 s2 stem", 1, 3, 32, 30, 16, 1, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1},
    {"3x3 s2", 1, 8, 15, 16, 13, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 1},
    {"dilated 2", 1, 6, 12, 13, 7, 1, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0, 1},
    {"dilated 3x2 asym pad", 1, 4, 10, 9, 5, 1, 3, 2, 1, 2, 0, 1, 3, 2, 3, 2, 2, 1},
    {"grouped 4", 1, 16, 8, 8, 32, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"grouped 3 no bias", 2, 9, 7, 6, 6, 3, 3, 3, 2, 1, 1, 0, 1, 0, 1, 1, 0, 0},
    {"depthwise 3x3", 1, 31, 9, 10, 31, 31, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"depthwise 5x5 s2", 2, 8, 17, 16, 8, 8, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 2, 1},
    {"depthwise dilated", 1, 4, 11, 11, 4, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0},
    {"depthwise multiplier 2", 1, 4, 6, 7, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"K=1 (1 channel 1x1)", 1, 1, 5, 3, 3, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1},
    {"kernel = image", 1, 3, 4, 4, 2, 1, 4, 4, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1},
    {"1x1 output pixel", 1, 5, 3, 3, 7, 1, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 0, 1},
    {"big K > KC", 1, 70, 6, 6, 30, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"big N > NC", 1, 4, 40, 30, 15, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"big M > MC", 1, 8, 5, 5, 200, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1},
    {"wide pad", 1, 2, 3, 3, 3, 1, 3, 3, 1, 1, 4, 4, 4, 4, 1, 1, 0, 1},
    /* driver paths */
    {"K blocks x pixel blocks", 1, 40, 36, 37, 70, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"7x7 map (gathered tiles)", 1, 24, 7, 7, 40, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"7x7 map, K blocks", 1, 64, 7, 7, 33, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"row pairs OW 5, odd OH", 1, 9, 9, 5, 19, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"row pairs OW 3", 2, 7, 6, 3, 17, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"row pairs OW 2, s2", 1, 6, 7, 4, 9, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1},
    {"rows of 10 (gathered)", 1, 12, 5, 10, 8, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"1x1 flat tails", 1, 19, 9, 7, 37, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, 1},
    {"1x1 s2 odd", 2, 10, 13, 11, 9, 1, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 0, 1},
    {"1x1 K blocks", 1, 300, 5, 6, 20, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},
    {"1x1 big map (pointwise tiles)", 1, 20, 30, 29, 37, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, 1},
    {"1x1 big map, K blocks", 1, 300, 28, 29, 9, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},
    {"1x1 big map, 2 groups, batch 2", 2, 2 * 7, 29, 28, 2 * 35, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0},
    {"1x1 big map, 16 channels", 1, 3, 40, 21, 16, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},
    {"5x5 s2 asym pad", 1, 5, 19, 17, 21, 1, 5, 5, 2, 2, 2, 1, 1, 2, 1, 1, 1, 1},
    {"3x3 s3 dilated 2", 1, 4, 20, 19, 6, 1, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 0, 1},
    {"s9 x s8 phases", 1, 3, 30, 29, 5, 1, 2, 3, 9, 8, 1, 1, 1, 1, 1, 1, 0, 1},
    {"valid 3x3 no pad", 1, 6, 10, 12, 18, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1},
    {"grouped 2, K blocks", 1, 2 * 40, 6, 6, 2 * 17, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"stem-like 7x7 s2", 1, 3, 40, 38, 64, 1, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1},
    /* depthwise */
    {"dw 3x3 7x7 map", 1, 20, 7, 7, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"dw 3x3 wide rows", 1, 3, 9, 41, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1},
    {"dw 3x3 no pad", 1, 5, 11, 18, 5, 5, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1},
    {"dw 3x3 s2 odd", 1, 6, 23, 21, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},
    {"dw 3x3 s2 wide", 1, 2, 6, 70, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 1},
    {"dw 3x3 s2 to 7x7", 1, 5, 13, 14, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},
    {"dw 3x3 rows of 3", 1, 3, 8, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"dw 3x3 s2 dilated 2", 1, 3, 15, 16, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 0, 1},
    {"dw stride h2 w1", 1, 4, 12, 20, 4, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 0, 1},
    {"dw stride 3", 1, 4, 13, 14, 4, 4, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"dw 5x5 dilated 2", 1, 3, 17, 19, 3, 3, 5, 5, 1, 1, 4, 4, 4, 4, 2, 2, 0, 0},
    {"dw 3x1 asym", 1, 7, 10, 9, 7, 7, 3, 1, 1, 1, 2, 0, 0, 1, 1, 1, 0, 1},
    {"dw 1x1", 1, 5, 6, 7, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},
    {"dw 3x3 one column", 1, 3, 9, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
};

static void run_case(qrt_isa_t isa, const conv_case_t *t, int packed_api) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, t->kh, t->kw);
  p.groups = t->groups;
  p.stride_h = t->sh, p.stride_w = t->sw;
  p.pad_top = t->pt, p.pad_left = t->pl, p.pad_bottom = t->pb, p.pad_right = t->pr;
  p.dilation_h = t->dh, p.dilation_w = t->dw;
  if (t->act == 1) p.output_min = 0.0f;
  if (t->act == 2) p.output_min = -0.5f, p.output_max = 0.5f;
  int64_t oh, ow;
  CHECK_OK(qrt_conv2d_output_size(&p, t->h, t->w, &oh, &ow));
  const int64_t cig = t->c_in / t->groups, K = cig * t->kh * t->kw;
  const int64_t nx = t->n * t->c_in * t->h * t->w, nw = t->c_out * K, ny = t->n * t->c_out * oh * ow;
  float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw);
  float *bias = malloc(sizeof(float) * (size_t)t->c_out);
  float *y = malloc(sizeof(float) * (size_t)(ny + 16)), *r = malloc(sizeof(float) * (size_t)ny);
  float *tol = malloc(sizeof(float) * (size_t)ny);
  fill_rand(x, nx);
  fill_rand(w, nw);
  fill_rand(bias, t->c_out);
  for (int64_t i = 0; i < ny + 16; i++) y[i] = 777.0f;
  qrt_set_isa_limit(isa);
  const float *bp = t->bias ? bias : NULL;
  if (packed_api) {
    const size_t ps = qrt_f32_conv2d_packed_weights_size(&p, t->c_in, t->c_out);
    void *pk = malloc(ps);
    CHECK_OK(qrt_f32_conv2d_pack_weights(&p, t->c_in, t->c_out, w, bp, pk, ps));
    const size_t ss = qrt_f32_conv2d_scratch_size(&p, t->c_in, t->h, t->w, t->c_out);
    void *scr = malloc(ss);
    CHECK_OK(qrt_f32_conv2d_packed(&p, t->n, t->c_in, t->h, t->w, x, t->c_out, pk, y, scr, ss));
    free(scr);
    free(pk);
  } else {
    const size_t ss = qrt_f32_conv2d_unpacked_scratch_size(&p, t->c_in, t->h, t->w, t->c_out);
    void *scr = malloc(ss);
    CHECK_OK(qrt_f32_conv2d(&p, t->n, t->c_in, t->h, t->w, x, t->c_out, w, bp, y, scr, ss));
    free(scr);
  }
  CHECK_OK(qrt_f32_conv2d_reference(&p, t->n, t->c_in, t->h, t->w, x, t->c_out, w, bp, r));
  /* per-output tolerance from sum |x w| */
  const int64_t cog = t->c_out / t->groups;
  for (int64_t b = 0; b < t->n; b++)
    for (int64_t o = 0; o < t->c_out; o++)
      for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
          double s = bp ? fabs(bp[o]) : 0.0;
          const int64_t g = o / cog;
          for (int64_t ci = 0; ci < cig; ci++)
            for (int64_t u = 0; u < t->kh; u++)
              for (int64_t v = 0; v < t->kw; v++) {
                const int64_t ih = i * t->sh - t->pt + u * t->dh, iw = j * t->sw - t->pl + v * t->dw;
                if (ih < 0 || ih >= t->h || iw < 0 || iw >= t->w) continue;
                s += fabs((double)x[((b * t->c_in + g * cig + ci) * t->h + ih) * t->w + iw] *
                          w[((o * cig + ci) * t->kh + u) * t->kw + v]);
              }
          tol[((b * t->c_out + o) * oh + i) * ow + j] = (float)((K + 3) * ldexp(1.0, -23) * s + 1e-30);
        }
  char what[160];
  snprintf(what, sizeof what, "conv2d[%s %s %s]", qrt_isa_name(isa), packed_api ? "packed" : "unpacked",
           t->name);
  const int64_t shape[4] = {t->n, t->c_out, oh, ow};
  expect_near(what, 4, shape, y, r, tol, 0.0f);
  int guard = 1;
  for (int64_t i = ny; i < ny + 16; i++) guard &= y[i] == 777.0f;
  CHECK(guard, "%s wrote past the output", what);
  free(x), free(w), free(bias), free(y), free(r), free(tol);
}

int main(void) {
  qrt_isa_t isas[QRT_TEST_MAX_ISAS];
  const int nisa = isa_levels(isas);
  for (int v = 0; v < nisa; v++)
    for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; i++)
      for (int packed = 0; packed < 2; packed++) run_case(isas[v], &kCases[i], packed);
  /* random shapes: small, then larger (several panels, K and pixel blocks), then depthwise */
  for (int t = 0; t < 90; t++) {
    const int kind = t < 40 ? 0 : t < 60 ? 1 : 2;
    conv_case_t c = {"random", rng_range(1, 2), 0, rng_range(1, 12), rng_range(1, 12), 0, 1,
                     rng_range(1, 3), rng_range(1, 3), rng_range(1, 2), rng_range(1, 2),
                     rng_range(0, 2), rng_range(0, 2), rng_range(0, 2), rng_range(0, 2),
                     rng_range(1, 2), rng_range(1, 2), (int)rng_range(0, 2), (int)rng_range(0, 1)};
    if (kind == 0) {
      c.groups = rng_range(1, 3);
      c.c_in = c.groups * rng_range(1, 9);
      c.c_out = c.groups * rng_range(1, 20);
    } else if (kind == 1) {
      c.name = "random large";
      c.n = 1;
      c.h = rng_range(1, 30), c.w = rng_range(1, 30);
      c.c_in = rng_range(20, 70);
      c.c_out = rng_range(1, 80);
    } else {
      c.name = "random depthwise";
      c.h = rng_range(1, 20), c.w = rng_range(1, 40);
      c.kh = rng_range(1, 5), c.kw = rng_range(1, 5);
      c.sh = rng_range(1, 3), c.sw = rng_range(1, 3);
      c.pt = rng_range(0, 3), c.pl = rng_range(0, 3), c.pb = rng_range(0, 3), c.pr = rng_range(0, 3);
      c.c_in = c.c_out = c.groups = rng_range(2, 6);
    }
    if (c.h + c.pt + c.pb < c.dh * (c.kh - 1) + 1 || c.w + c.pl + c.pr < c.dw * (c.kw - 1) + 1) continue;
    for (int v = 0; v < nisa; v++) run_case(isas[v], &c, t & 1);
  }
  /* NaN in the input reaches exactly the outputs that read it, through the
   * clamp, on every path (GEMM tiles, gathered tiles, depthwise s1 and s2). */
  for (int v = 0; v < nisa; v++) {
    const int64_t shapes[][8] = {/* c_in, h, w, c_out, groups, k, stride, pad */
                                 {8, 9, 30, 16, 1, 3, 1, 1},
                                 {8, 7, 7, 16, 1, 3, 1, 1},
                                 {6, 9, 30, 6, 6, 3, 1, 1},
                                 {6, 9, 30, 6, 6, 3, 2, 1}};
    for (int si = 0; si < 4; si++) {
      const int64_t *sp = shapes[si];
      qrt_conv2d_params_t p;
      qrt_conv2d_params_init(&p, sp[5], sp[5]);
      p.groups = sp[4];
      p.stride_h = p.stride_w = sp[6];
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = sp[7];
      p.output_min = 0.0f; /* fused Relu: max(0, NaN) must stay NaN */
      int64_t oh, ow;
      CHECK_OK(qrt_conv2d_output_size(&p, sp[1], sp[2], &oh, &ow));
      const int64_t nx = sp[0] * sp[1] * sp[2], nw = sp[3] * sp[0] / sp[4] * sp[5] * sp[5];
      const int64_t ny = sp[3] * oh * ow;
      float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw);
      float *y = malloc(sizeof(float) * (size_t)ny), *r = malloc(sizeof(float) * (size_t)ny);
      fill_rand(x, nx);
      fill_rand(w, nw);
      x[(sp[1] / 2) * sp[2] + sp[2] / 2] = NAN; /* channel 0, centre */
      qrt_set_isa_limit(isas[v]);
      const size_t ss = qrt_f32_conv2d_unpacked_scratch_size(&p, sp[0], sp[1], sp[2], sp[3]);
      void *scr = malloc(ss);
      CHECK_OK(qrt_f32_conv2d(&p, 1, sp[0], sp[1], sp[2], x, sp[3], w, NULL, y, scr, ss));
      CHECK_OK(qrt_f32_conv2d_reference(&p, 1, sp[0], sp[1], sp[2], x, sp[3], w, NULL, r));
      int64_t nan_want = 0, bad = 0;
      for (int64_t i = 0; i < ny; i++) {
        nan_want += r[i] != r[i];
        bad += (r[i] != r[i]) != (y[i] != y[i]);
      }
      CHECK(nan_want > 0 && bad == 0, "NaN propagation [%s shape %d]: %lld outputs disagree",
            qrt_isa_name(isas[v]), si, (long long)bad);
      free(x), free(w), free(y), free(r), free(scr);
    }
  }
  /* A packed buffer checks its shape; a mismatched call is rejected. */
  {
    qrt_conv2d_params_t p;
    qrt_conv2d_params_init(&p, 3, 3);
    float w[2 * 3 * 9] = {0}, x[3 * 25] = {0}, y[2 * 25];
    const size_t ps = qrt_f32_conv2d_packed_weights_size(&p, 3, 2);
    void *pk = malloc(ps);
    CHECK_OK(qrt_f32_conv2d_pack_weights(&p, 3, 2, w, NULL, pk, ps));
    const size_t ss = qrt_f32_conv2d_scratch_size(&p, 3, 5, 5, 2);
    void *scr = malloc(ss);
    CHECK(qrt_f32_conv2d_packed(&p, 1, 4, 5, 5, x, 2, pk, y, scr, ss) == QRT_INVALID_ARGUMENT,
          "channel mismatch accepted");
    CHECK(qrt_f32_conv2d_packed(&p, 1, 3, 5, 5, x, 2, pk, y, scr, 8) == QRT_BUFFER_TOO_SMALL,
          "small scratch accepted");
    free(pk);
    free(scr);
  }
  qrt_set_isa_limit(QRT_ISA_NATIVE);
  return test_finish("runtime.conv2d");
}
