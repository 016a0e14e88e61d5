/* Int8 pooling (qrt_q8_max_pool2d, qrt_q8_avg_pool2d, qrt_q8_global_avg_pool)
 * against naive references written here: random windows, strides, padding,
 * dilation (max), ceil_mode, count_include_pad, u8/s8 with extreme zero points;
 * exact equality. Max pool is also checked against the float max pool of the
 * dequantized values (max commutes with dequantization). */
#include "qrt/qrt_q8.h"
#include "test_util.h"

static int32_t type_lo(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 0 : -128; }
static int32_t type_hi(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 255 : 127; }
static qrt_dtype_t rand_type(void) { return (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8; }
static int32_t rand_zp(qrt_dtype_t t) {
  switch (rng_u32() % 4) {
    case 0: return type_lo(t);
    case 1: return type_hi(t);
    default: return (int32_t)rng_range(type_lo(t), type_hi(t));
  }
}
static float rand_scale(float lo, float hi) { return lo + (hi - lo) * (float)(rng_u32() % 1000000) / 1e6f; }

/* sum * (s_in / (s_out * count)) in float32, clamp, ties to even, + zp */
static int32_t ref_avg(int64_t sum, int64_t count, float s_in, const qrt_q8_output_t *y) {
  const float d = y->scale * (float)count;
  const float m = s_in / d;
  const float v = (float)sum * m;
  if (v != v) return y->zero_point < y->qmin ? y->qmin : y->zero_point > y->qmax ? y->qmax : y->zero_point;
  float c = v < (float)(y->qmin - y->zero_point) ? (float)(y->qmin - y->zero_point) : v;
  c = c > (float)(y->qmax - y->zero_point) ? (float)(y->qmax - y->zero_point) : c;
  return (int32_t)nearbyintf(c) + y->zero_point;
}

static void random_params(qrt_pool2d_params_t *p, int64_t *h, int64_t *w, int avg) {
  for (;;) {
    qrt_pool2d_params_init(p, rng_range(1, 4), rng_range(1, 4));
    p->stride_h = rng_range(1, 3), p->stride_w = rng_range(1, 3);
    if (!avg) p->dilation_h = rng_range(1, 2), p->dilation_w = rng_range(1, 2);
    p->pad_top = rng_range(0, p->kernel_h - 1), p->pad_left = rng_range(0, p->kernel_w - 1);
    p->pad_bottom = rng_range(0, p->kernel_h - 1), p->pad_right = rng_range(0, p->kernel_w - 1);
    p->ceil_mode = (int)(rng_u32() & 1);
    p->count_include_pad = (int)(rng_u32() & 1);
    *h = rng_range(1, 9), *w = rng_range(1, 9);
    int64_t oh, ow;
    if (qrt_pool2d_output_size(p, *h, *w, &oh, &ow) == QRT_OK) return;
  }
}

static int random_max(int idx) {
  qrt_pool2d_params_t p;
  int64_t h, w, oh, ow;
  random_params(&p, &h, &w, 0);
  CHECK_OK(qrt_pool2d_output_size(&p, h, w, &oh, &ow));
  const int64_t n = rng_range(1, 2), c = rng_range(1, 3);
  const qrt_dtype_t t = rand_type();
  const float s = rand_scale(0.01f, 0.1f);
  const int32_t zp = rand_zp(t);
  const int64_t nx = n * c * h * w, ny = n * c * oh * ow;
  uint8_t *x = malloc((size_t)nx), *y = malloc((size_t)ny);
  float *xf = malloc((size_t)nx * sizeof *xf), *yf = malloc((size_t)ny * sizeof *yf);
  for (int64_t i = 0; i < nx; i++) {
    x[i] = (uint8_t)rng_u32();
    xf[i] = qrt_dequantize_f32_scalar(qrt_q8_load(t, x, i), s, zp);
  }
  CHECK_OK(qrt_q8_max_pool2d(&p, n, c, h, w, t, x, y));
  CHECK_OK(qrt_f32_max_pool2d(&p, n, c, h, w, xf, yf));
  int ok = 1;
  g_checks++;
  for (int64_t pl = 0; pl < n * c && ok; pl++)
    for (int64_t oy = 0; oy < oh && ok; oy++)
      for (int64_t ox = 0; ox < ow && ok; ox++) {
        int32_t m = type_lo(t);
        for (int64_t ky = 0; ky < p.kernel_h; ky++)
          for (int64_t kx = 0; kx < p.kernel_w; kx++) {
            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const int32_t v = qrt_q8_load(t, x, (pl * h + iy) * w + ix);
              m = v > m ? v : m;
            }
          }
        const int64_t i = (pl * oh + oy) * ow + ox;
        const float viaf = yf[i] == -INFINITY ? (float)type_lo(t) : (float)qrt_quantize_f32_scalar(yf[i], s, zp, type_lo(t), type_hi(t));
        if (qrt_q8_load(t, y, i) != m || viaf != (float)m) {
          g_failures++, ok = 0;
          fprintf(stderr, "FAIL max pool case %d at %lld: got %d, want %d (float path %g)\n", idx, (long long)i,
                  qrt_q8_load(t, y, i), m, viaf);
        }
      }
  free(x), free(y), free(xf), free(yf);
  return ok;
}

static int random_avg(int idx) {
  qrt_pool2d_params_t p;
  int64_t h, w, oh, ow;
  random_params(&p, &h, &w, 1);
  CHECK_OK(qrt_pool2d_output_size(&p, h, w, &oh, &ow));
  const int64_t n = rng_range(1, 2), c = rng_range(1, 3);
  const qrt_q8_act_t xq = {rand_type(), rand_scale(0.01f, 0.1f), 0};
  qrt_q8_act_t x2 = xq;
  x2.zero_point = rand_zp(x2.type);
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, rand_type(), idx % 4 == 0 ? x2.scale : rand_scale(0.01f, 0.1f), 0);
  yq.zero_point = rand_zp(yq.type);
  if (idx % 5 == 0) CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, yq.scale, yq.zero_point, yq.qmin, yq.qmax, &yq.qmin, &yq.qmax));
  const int64_t nx = n * c * h * w, ny = n * c * oh * ow;
  uint8_t *x = malloc((size_t)nx), *y = malloc((size_t)ny);
  for (int64_t i = 0; i < nx; i++) x[i] = (uint8_t)rng_u32();
  CHECK_OK(qrt_q8_avg_pool2d(&p, n, c, h, w, &x2, x, &yq, y));
  int ok = 1;
  g_checks++;
  for (int64_t pl = 0; pl < n * c && ok; pl++)
    for (int64_t oy = 0; oy < oh && ok; oy++)
      for (int64_t ox = 0; ox < ow && ok; ox++) {
        int64_t sum = 0, inside = 0, padded = 0;
        for (int64_t ky = 0; ky < p.kernel_h; ky++)
          for (int64_t kx = 0; kx < p.kernel_w; kx++) {
            const int64_t iy = oy * p.stride_h - p.pad_top + ky, ix = ox * p.stride_w - p.pad_left + kx;
            /* positions of the padded extent count with count_include_pad (ceil_mode may go past it) */
            if (iy >= -p.pad_top && iy < h + p.pad_bottom && ix >= -p.pad_left && ix < w + p.pad_right) padded++;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              sum += qrt_q8_load(x2.type, x, (pl * h + iy) * w + ix) - x2.zero_point;
              inside++;
            }
          }
        const int64_t i = (pl * oh + oy) * ow + ox;
        const int32_t want = ref_avg(sum, p.count_include_pad ? padded : inside, x2.scale, &yq);
        if (qrt_q8_load(yq.type, y, i) != want) {
          g_failures++, ok = 0;
          fprintf(stderr, "FAIL avg pool case %d at %lld: got %d, want %d\n", idx, (long long)i, qrt_q8_load(yq.type, y, i),
                  want);
        }
      }
  free(x), free(y);
  return ok;
}

static void test_hand(void) {
  /* 2x2 average of u8 zp 10 values 11 12 13 15 -> sum of (x - zp) = 11; s_in = s_out = 1:
   * 11 / 4 = 2.75 -> 3 + zp_out 0 = 3. With s_out 0.5 and zp_out 100: 5.5 -> 6 + 100. */
  qrt_pool2d_params_t p;
  qrt_pool2d_params_init(&p, 2, 2);
  const uint8_t x[4] = {11, 12, 13, 15};
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 1.0f, 10};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 0);
  uint8_t y = 0;
  CHECK_OK(qrt_q8_avg_pool2d(&p, 1, 1, 2, 2, &xq, x, &yq, &y));
  CHECK(y == 3, "avg 2.75 -> %d", y);
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.5f, 100);
  CHECK_OK(qrt_q8_avg_pool2d(&p, 1, 1, 2, 2, &xq, x, &yq, &y));
  CHECK(y == 106, "avg 5.5 -> %d", y);
  /* ties: sum 10 over 4 -> 2.5 -> 2; global average of the same */
  const uint8_t x2[4] = {12, 12, 13, 13};
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 0);
  CHECK_OK(qrt_q8_avg_pool2d(&p, 1, 1, 2, 2, &xq, x2, &yq, &y));
  CHECK(y == 2, "avg 2.5 -> %d", y);
  CHECK_OK(qrt_q8_global_avg_pool(1, 1, 4, &xq, x2, &yq, &y));
  CHECK(y == 2, "global avg 2.5 -> %d", y);
  /* count_include_pad: 1x1 input 14 (zp 10 -> 4), 2x2 window with pads 1: 4 / 4 positions = 1 vs 4 / 1 */
  qrt_pool2d_params_init(&p, 2, 2);
  p.pad_top = p.pad_left = 1;
  const uint8_t x3 = 14;
  p.count_include_pad = 1;
  CHECK_OK(qrt_q8_avg_pool2d(&p, 1, 1, 1, 1, &xq, &x3, &yq, &y));
  CHECK(y == 1, "count_include_pad: %d", y);
  p.count_include_pad = 0;
  CHECK_OK(qrt_q8_avg_pool2d(&p, 1, 1, 1, 1, &xq, &x3, &yq, &y));
  CHECK(y == 4, "count_include_pad 0: %d", y);
  /* a window in the padding only: count 0 -> the zero point; max pool -> the type's minimum */
  qrt_pool2d_params_init(&p, 1, 1);
  p.pad_top = 1;
  uint8_t y2[2] = {0, 0};
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 42);
  CHECK_OK(qrt_q8_avg_pool2d(&p, 1, 1, 1, 1, &xq, &x3, &yq, y2));
  CHECK(y2[0] == 42 && y2[1] == 46, "padding-only window: %d %d", y2[0], y2[1]);
  int8_t ys[2] = {0, 0};
  const int8_t xs = -100;
  CHECK_OK(qrt_q8_max_pool2d(&p, 1, 1, 1, 1, QRT_DTYPE_I8, &xs, ys));
  CHECK(ys[0] == -128 && ys[1] == -100, "max pool padding-only: %d %d", ys[0], ys[1]);
  /* global average, s8 with zp -128 (full range) to u8 */
  int8_t g[5] = {127, 127, -128, 0, 1};
  const qrt_q8_act_t gq = {QRT_DTYPE_I8, 0.1f, -128};
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.2f, 3);
  /* sum of (x + 128) = 255 + 255 + 0 + 128 + 129 = 767; * 0.1 / (0.2 * 5) = 76.7 -> 77 + 3 */
  CHECK_OK(qrt_q8_global_avg_pool(1, 1, 5, &gq, g, &yq, &y));
  CHECK(y == 80, "global avg: %d", y);
  /* errors */
  qrt_pool2d_params_init(&p, 2, 2);
  p.dilation_h = 2;
  y = 9;
  CHECK(qrt_q8_avg_pool2d(&p, 1, 1, 3, 3, &xq, x, &yq, &y) == QRT_INVALID_ARGUMENT, "avg pool dilation");
  CHECK(qrt_q8_global_avg_pool(1, 1, 8421505, &xq, x, &yq, &y) == QRT_INVALID_ARGUMENT, "spatial past the bound");
  CHECK(qrt_q8_max_pool2d(&p, 1, 1, 3, 3, QRT_DTYPE_F32, x, &y) == QRT_INVALID_ARGUMENT, "f32 max pool");
  CHECK(y == 9, "nothing written");
}

static void test_global_random(void) {
  int bad = 0;
  for (int c = 0; c < 100; c++) {
    const int64_t n = rng_range(1, 3), ch = rng_range(1, 4), sp = rng_range(1, 300);
    const qrt_q8_act_t xq = {rand_type(), rand_scale(0.01f, 0.1f), 0};
    qrt_q8_act_t x2 = xq;
    x2.zero_point = rand_zp(x2.type);
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, rand_type(), rand_scale(0.005f, 0.1f), 0);
    yq.zero_point = rand_zp(yq.type);
    uint8_t *x = malloc((size_t)(n * ch * sp)), *y = malloc((size_t)(n * ch));
    for (int64_t i = 0; i < n * ch * sp; i++) x[i] = (uint8_t)rng_u32();
    CHECK_OK(qrt_q8_global_avg_pool(n, ch, sp, &x2, x, &yq, y));
    for (int64_t i = 0; i < n * ch; i++) {
      int64_t sum = 0;
      for (int64_t j = 0; j < sp; j++) sum += qrt_q8_load(x2.type, x, i * sp + j) - x2.zero_point;
      if (qrt_q8_load(yq.type, y, i) != ref_avg(sum, sp, x2.scale, &yq)) bad++;
    }
    free(x), free(y);
  }
  CHECK(bad == 0, "global average: %d mismatches", bad);
}

int main(void) {
  test_hand();
  test_global_random();
  int ok = 0, n = 300;
  for (int i = 0; i < n; i++) ok += random_max(i);
  printf("max pool: %d of %d random cases exact\n", ok, n);
  ok = 0;
  for (int i = 0; i < n; i++) ok += random_avg(i);
  printf("avg pool: %d of %d random cases exact\n", ok, n);
  return test_finish("q8_pool");
}
