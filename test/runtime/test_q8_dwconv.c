/* The int8 depthwise convolution kernels (runtime/src/q8_dwconv*.c) against
 * the scalar reference convolution, bit for bit.
 *
 * For every case the reference is the general scalar loop
 * (qrt_q8_conv2d__scalar: packed at QRT_ISA_SCALAR with the depthwise kernel
 * switched off, qrt_q8_set_pack_dwconv(0)); then the depthwise layout is
 * packed for every ISA level this CPU has (scalar, avx2, avx512f, avx512vnni;
 * neon, dotprod: the neon row), the header must record that row, and its
 * output must equal the reference's bytes (memcmp; the first differing byte is
 * printed with its coordinates), on 1 thread and on pools of 2, 3 and 4 (the
 * bytes must not depend on the thread count), and on 1 thread with the quad
 * kernel switched off (qrt_q8_dw_set_quads(0): the row kernel where the quad
 * kernel runs on AVX512-VNNI + VBMI CPUs; reported as "0 threads"). The general vector path (the
 * block-diagonal layout) at the CPU's level is compared too. 64 guard bytes
 * past the output must stay untouched.
 *
 * Cases: mobilenet_v2's depthwise layers (3x3, stride 1 and 2, pad 1), then
 * random ones: channels 2-70 (not multiples of the vector widths), sizes
 * 1-33, kernels 1x1-5x5 (non-square), strides 1-3, dilations 1-2, asymmetric
 * pads 0-3, batch 1-2; u8/s8 activations with extreme zero points (0, 255,
 * -128, 127) and random ones; s8 symmetric and u8 weights (w - zw up to
 * +-255, or within s8 range for half of the u8 cases, which the quad kernel takes), per-channel or per-tensor scales and zero points; biases up to
 * 2^30; u8/s8 outputs with fused (narrow) ranges; multipliers that overflow
 * to +Inf. Also the scratch rules: NULL is QRT_INVALID_ARGUMENT, 64 bytes
 * QRT_BUFFER_TOO_SMALL, a one-thread scratch on a 4-thread pool runs on
 * one thread with the same bytes; the packed multipliers read and set back
 * (qrt_q8_packed_multipliers / _set_multipliers, which qcc-precompute-requant
 * uses) give the same bytes. */
#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"
#include "test_util.h"

static qrt_pool_t g_pools[5]; /* g_pools[t]: t threads, t = 2..4 */
static qrt_isa_t g_levels[QRT_TEST_MAX_ISAS];
static int g_nlevels;
static int g_packed_rows[4]; /* depthwise buffers per recorded row: scalar, avx2-ish, avx512, neon */

typedef struct {
  int64_t n, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} dw_shape_t;

typedef struct {
  qrt_q8_act_t x;
  qrt_q8_output_t y;
  qrt_q8_weights_t wq;
  float *ws;
  int32_t *wz, *bias;
  uint8_t *w;
} dw_params_t;

static int32_t rand_zp(qrt_dtype_t t) {
  const uint32_t r = rng_u32() % 6;
  int32_t lo, hi;
  qrt_q8_type_range(t, &lo, &hi);
  return r == 0 ? lo : r == 1 ? hi : (int32_t)rng_range(lo, hi);
}

static float rand_scale(void) { return ldexpf(1.0f + 0.5f * rng_f(), (int)rng_range(-12, -2)); }

static void make_params(int64_t c, int64_t taps, dw_params_t *q) {
  q->x.type = (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8;
  q->x.scale = rand_scale();
  q->x.zero_point = rand_zp(q->x.type);
  const qrt_dtype_t yt = (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8;
  qrt_q8_output_init(&q->y, yt, rand_scale() * 4, rand_zp(yt));
  if (rng_u32() % 3 == 0) { /* a fused range, e.g. Relu6's; it need not hold the zero point */
    const int32_t a = (int32_t)rng_range(q->y.qmin, q->y.qmax), b = (int32_t)rng_range(q->y.qmin, q->y.qmax);
    q->y.qmin = a < b ? a : b, q->y.qmax = a < b ? b : a;
  }
  const int per_channel = rng_u32() % 4 != 0;
  const int64_t np = per_channel ? c : 1;
  q->ws = malloc((size_t)np * sizeof(float));
  q->wz = malloc((size_t)np * sizeof(int32_t));
  q->bias = malloc((size_t)c * sizeof(int32_t));
  q->w = malloc((size_t)(c * taps));
  q->wq.type = (rng_u32() % 3 == 0) ? QRT_DTYPE_U8 : QRT_DTYPE_I8;
  for (int64_t i = 0; i < np; i++) {
    q->ws[i] = rand_scale() * 0.01f;
    q->wz[i] = q->wq.type == QRT_DTYPE_U8 ? (int32_t)rng_range(0, 255) : 0;
  }
  if (rng_u32() % 10 == 0) q->ws[0] = 3e38f; /* x scale * this / y scale overflows: +Inf multiplier */
  q->wq.n_scales = np, q->wq.scales = q->ws, q->wq.n_zero_points = np, q->wq.zero_points = q->wz;
  for (int64_t i = 0; i < c * taps; i++) q->w[i] = (uint8_t)rng_u32();
  if (q->wq.type == QRT_DTYPE_U8 && rng_u32() % 2) /* w - zw in s8 range: the quad kernel takes u8 weights too */
    for (int64_t i = 0; i < c * taps; i++) {
      const int32_t zw = q->wz[np == 1 ? 0 : i / taps];
      int32_t v = zw + (int32_t)rng_range(-128, 127);
      q->w[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  if (q->wq.type == QRT_DTYPE_I8) /* s8 symmetric: -127..127 */
    for (int64_t i = 0; i < c * taps; i++)
      if (q->w[i] == 0x80) q->w[i] = 0x81;
  const int big = rng_u32() % 4 == 0;
  for (int64_t i = 0; i < c; i++)
    q->bias[i] = big ? (int32_t)rng_range(-(1 << 30), 1 << 30) : (int32_t)rng_range(-100000, 100000);
}

static void free_params(dw_params_t *q) {
  free(q->ws), free(q->wz), free(q->bias), free(q->w);
}

/* Row index of the recorded level (for the "every row ran" check). */
static int row_slot(int32_t variant) {
  return variant == QRT_ISA_SCALAR ? 0 : variant == QRT_ISA_AVX2_FMA ? 1 : variant >= QRT_ISA_NEON ? 3 : 2;
}

static int first_diff(const uint8_t *a, const uint8_t *b, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (a[i] != b[i]) return (int)i;
  return -1;
}

static void check_case(const dw_shape_t *s, const char *what) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, s->kh, s->kw);
  p.groups = s->c, p.stride_h = s->sh, p.stride_w = s->sw, p.dilation_h = s->dh, p.dilation_w = s->dw;
  p.pad_top = s->pt, p.pad_left = s->pl, p.pad_bottom = s->pb, p.pad_right = s->pr;
  int64_t OH, OW;
  if (qrt_conv2d_output_size(&p, s->h, s->w, &OH, &OW) != QRT_OK) return;
  dw_params_t q;
  make_params(s->c, s->kh * s->kw, &q);
  const int64_t nx = s->n * s->c * s->h * s->w, ny = s->n * s->c * OH * OW;
  uint8_t *x = malloc((size_t)nx + 1);
  for (int64_t i = 0; i < nx; i++) x[i] = (uint8_t)rng_u32();
  if (rng_u32() % 4 == 0) /* mostly at the zero point, as after a Relu */
    for (int64_t i = 0; i < nx; i++)
      if (rng_u32() & 1) x[i] = (uint8_t)q.x.zero_point;
  const size_t ps = qrt_q8_conv2d_packed_weights_size(&p, s->c, s->c);
  const size_t ss1 = qrt_q8_conv2d_scratch_size(&p, s->c, s->h, s->w, s->c);
  const size_t ss4 = qrt_q8_conv2d_scratch_size_mt(&p, s->c, s->h, s->w, s->c, 4);
  CHECK(ps > 0 && ss1 > 0 && ss4 >= ss1, "%s: sizes %zu %zu %zu", what, ps, ss1, ss4);
  void *packed = aligned_alloc(64, (ps + 63) / 64 * 64);
  uint8_t *sc = malloc(ss4);
  uint8_t *want = malloc((size_t)ny + 64), *got = malloc((size_t)ny + 64);
  const int64_t shape[4] = {s->n, s->c, OH, OW};

  /* the reference: the general scalar loop */
  qrt_q8_set_pack_dwconv(0);
  CHECK_OK(qrt_q8_conv2d_pack_weights_isa(QRT_ISA_SCALAR, &p, s->c, s->c, &q.x, &q.wq, q.w, q.bias, &q.y, packed, ps));
  CHECK_OK(qrt_q8_conv2d_packed(&p, s->n, s->c, s->h, s->w, x, s->c, packed, want, NULL, 0));
  /* the general vector path (block-diagonal layout) at the CPU's level */
  CHECK_OK(qrt_q8_conv2d_pack_weights(&p, s->c, s->c, &q.x, &q.wq, q.w, q.bias, &q.y, packed, ps));
  memset(got, 0xa5, (size_t)ny + 64);
  CHECK_OK(qrt_q8_conv2d_packed(&p, s->n, s->c, s->h, s->w, x, s->c, packed, got, sc, ss1));
  int d = first_diff(got, want, ny);
  CHECK(d < 0, "%s: general path differs at %s: %d, want %d", what, coords(4, shape, d), d < 0 ? 0 : got[d],
        d < 0 ? 0 : want[d]);
  qrt_q8_set_pack_dwconv(1);

  for (int li = 0; li < g_nlevels; li++) {
    const qrt_isa_t lv = g_levels[li];
    CHECK_OK(qrt_q8_conv2d_pack_weights_isa(lv, &p, s->c, s->c, &q.x, &q.wq, q.w, q.bias, &q.y, packed, ps));
    int32_t kind, variant;
    memcpy(&kind, (const char *)packed + 4, 4);
    memcpy(&variant, (const char *)packed + 8, 4);
    const int32_t row = lv == QRT_ISA_DOTPROD ? QRT_ISA_NEON : (int32_t)lv;
    CHECK(kind == 4 && variant == row, "%s at %s: packed kind %d variant %d, want 4 and %d", what,
          qrt_isa_name(lv), kind, variant, row);
    g_packed_rows[row_slot(variant)]++;
    for (int t = 0; t <= 4; t++) {
      qrt_q8_dw_set_quads(t != 0); /* t = 0: one thread, the row kernel where the quad kernel would run */
      memset(got, 0xa5, (size_t)ny + 64);
      if (t <= 1)
        CHECK_OK(qrt_q8_conv2d_packed(&p, s->n, s->c, s->h, s->w, x, s->c, packed, got, sc, ss1));
      else
        CHECK_OK(qrt_q8_conv2d_packed_mt(&g_pools[t], &p, s->n, s->c, s->h, s->w, x, s->c, packed, got, sc,
                                         qrt_q8_conv2d_scratch_size_mt(&p, s->c, s->h, s->w, s->c, t)));
      d = first_diff(got, want, ny);
      CHECK(d < 0, "%s at %s, %d threads: first difference at %s: %d, want %d", what, qrt_isa_name(lv), t,
            coords(4, shape, d), d < 0 ? 0 : got[d], d < 0 ? 0 : want[d]);
      int guard = 1;
      for (int i = 0; i < 64; i++) guard &= got[ny + i] == 0xa5;
      CHECK(guard, "%s at %s, %d threads: wrote past the output", what, qrt_isa_name(lv), t);
    }
    qrt_q8_dw_set_quads(1);
  }
  /* scratch rules, at the CPU's level */
  CHECK_OK(qrt_q8_conv2d_pack_weights(&p, s->c, s->c, &q.x, &q.wq, q.w, q.bias, &q.y, packed, ps));
  CHECK(qrt_q8_conv2d_packed(&p, s->n, s->c, s->h, s->w, x, s->c, packed, got, NULL, 0) == QRT_INVALID_ARGUMENT,
        "%s: NULL scratch accepted", what);
  CHECK(qrt_q8_conv2d_packed(&p, s->n, s->c, s->h, s->w, x, s->c, packed, got, sc, 64) == QRT_BUFFER_TOO_SMALL,
        "%s: short scratch accepted", what);
  memset(got, 0xa5, (size_t)ny);
  CHECK_OK(qrt_q8_conv2d_packed_mt(&g_pools[4], &p, s->n, s->c, s->h, s->w, x, s->c, packed, got, sc, ss1));
  CHECK(memcmp(got, want, (size_t)ny) == 0, "%s: one-thread scratch on 4 threads differs", what);
  /* the multipliers can be read and replaced (qcc-precompute-requant): the same ones give the same bytes */
  float *m = malloc((size_t)s->c * sizeof(float));
  CHECK_OK(qrt_q8_packed_multipliers(packed, m, s->c));
  CHECK_OK(qrt_q8_packed_set_multipliers(packed, m, s->c));
  memset(got, 0xa5, (size_t)ny);
  CHECK_OK(qrt_q8_conv2d_packed(&p, s->n, s->c, s->h, s->w, x, s->c, packed, got, sc, ss1));
  CHECK(memcmp(got, want, (size_t)ny) == 0, "%s: multipliers set back: the output differs", what);
  free(m);
  free(packed), free(sc), free(want), free(got), free(x);
  free_params(&q);
}

int main(void) {
  for (int t = 2; t <= 4; t++)
    if (qrt_pool_init(&g_pools[t], t) != QRT_OK) {
      fprintf(stderr, "cannot start %d threads\n", t);
      return 1;
    }
  g_nlevels = isa_levels(g_levels);
  printf("levels:");
  for (int i = 0; i < g_nlevels; i++) printf(" %s", qrt_isa_name(g_levels[i]));
  printf("\n");
  /* mobilenet_v2's depthwise layers: channels @ size, stride */
  static const int64_t mb[][3] = {{32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {144, 56, 2}, {192, 28, 1},
                                  {192, 28, 2}, {384, 14, 1}, {576, 14, 1}, {576, 14, 2}, {960, 7, 1}};
  char what[160];
  for (size_t i = 0; i < sizeof mb / sizeof mb[0]; i++) {
    const dw_shape_t s = {1, mb[i][0], mb[i][1], mb[i][1], 3, 3, mb[i][2], mb[i][2], 1, 1, 1, 1, 1, 1};
    snprintf(what, sizeof what, "mobilenet_v2 dw 3x3/%lld %lld @%lld", (long long)s.sh, (long long)s.c,
             (long long)s.h);
    check_case(&s, what);
  }
  /* tall strides with stride 2 across: the pair fill's row phases (8), and past them (9: the copies) */
  static const dw_shape_t tall[] = {{1, 5, 40, 21, 9, 3, 8, 2, 1, 1, 2, 1, 3, 0}, {2, 3, 37, 16, 5, 2, 9, 2, 2, 1, 4, 0, 1, 1}};
  for (size_t i = 0; i < sizeof tall / sizeof tall[0]; i++) {
    snprintf(what, sizeof what, "tall stride %lld,2", (long long)tall[i].sh);
    check_case(&tall[i], what);
  }
  for (int i = 0; i < 300; i++) {
    dw_shape_t s;
    s.n = rng_range(1, 2), s.c = rng_range(2, 70), s.h = rng_range(1, 33), s.w = rng_range(1, 33);
    s.kh = rng_range(1, 5), s.kw = rng_range(1, 5), s.sh = rng_range(1, 3), s.sw = rng_range(1, 3);
    s.dh = rng_range(1, 2), s.dw = rng_range(1, 2);
    s.pt = rng_range(0, 3), s.pl = rng_range(0, 3), s.pb = rng_range(0, 3), s.pr = rng_range(0, 3);
    if (i % 3 == 0) s.kh = s.kw = 3, s.dh = s.dw = 1, s.pt = s.pl = s.pb = s.pr = 1; /* 3x3 pad 1 */
    snprintf(what, sizeof what, "case %d: n %lld c %lld %lldx%lld k %lldx%lld s %lld,%lld d %lld,%lld pads %lld,%lld,%lld,%lld",
             i, (long long)s.n, (long long)s.c, (long long)s.h, (long long)s.w, (long long)s.kh, (long long)s.kw,
             (long long)s.sh, (long long)s.sw, (long long)s.dh, (long long)s.dw, (long long)s.pt, (long long)s.pl,
             (long long)s.pb, (long long)s.pr);
    check_case(&s, what);
  }
  /* every depthwise row this CPU has packed some cases */
  const qrt_isa_t cpu = qrt_cpu_isa();
  if (cpu >= QRT_ISA_NEON) {
    CHECK(g_packed_rows[3] > 0, "the neon row never ran");
  } else {
    if (cpu >= QRT_ISA_AVX2_FMA) CHECK(g_packed_rows[1] > 0, "the avx2 row never ran");
    if (cpu >= QRT_ISA_AVX512F) CHECK(g_packed_rows[2] > 0, "the avx512 rows never ran");
  }
  for (int t = 2; t <= 4; t++) qrt_pool_deinit(&g_pools[t]);
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
