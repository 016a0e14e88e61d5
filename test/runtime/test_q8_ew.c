/* The vector variants of the int8 ops around the convolutions (q8_ew_internal.h)
 * against the scalar reference, bit for bit: every ISA level the CPU has
 * (isa_levels: avx2, avx512, avx512vnni on x86; neon, dotprod on aarch64) is
 * run on the same random arguments as QRT_ISA_SCALAR and the outputs are
 * compared with memcmp (the first mismatch is printed with its index).
 *  - QuantizeLinear to u8/s8 (qrt_quantize_f32_reference): per tensor and per
 *    channel, lengths with tails, narrow ranges, extreme zero points and scales
 *    (tiny, huge, 0, negative, dyadic with exact .5 ties), NaN, +-Inf, -0, huge
 *    inputs; the scalar level is also checked element by element against
 *    qrt_quantize_f32_scalar.
 *  - Requantize and concat: random parameters, fused ranges without the zero
 *    point, multipliers that overflow to +Inf (0 * Inf = NaN -> zero point).
 *  - QAdd / QMul (qrt_q8_binary): same shapes, a scalar operand, per-channel,
 *    row and inner-dimension broadcasts, a transposed operand (the vector path
 *    does not take it), u8/s8 mixes, fused ranges, in place.
 *  - Max pool (qrt_q8_max_pool2d and qrt_max_pool2d_typed, which runs it for
 *    8-bit types): 3x3/2 pad 1, 2x2/2, random kernels, strides 1-3, pads,
 *    dilations, ceil_mode, widths with tails and rows wider than the 4 KB
 *    row buffer.
 *  - Global average pool: spatial sizes with tails, extreme zero points. */
#include "qrt/qrt_int.h"
#include "qrt/qrt_q8.h"
#include "test_util.h"

static qrt_isa_t g_levels[8];
static int g_nlevels;

static qrt_dtype_t rand_type(void) { return (rng_u32() & 1) ? QRT_DTYPE_U8 : QRT_DTYPE_I8; }
static int32_t type_lo(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 0 : -128; }
static int32_t type_hi(qrt_dtype_t t) { return t == QRT_DTYPE_U8 ? 255 : 127; }
static int32_t rand_in(int32_t lo, int32_t hi) {
  switch (rng_u32() % 4) {
    case 0: return lo;
    case 1: return hi;
    default: return (int32_t)rng_range(lo, hi);
  }
}
/* random bytes; one time in four only the two extremes of the type */
static void fill_bytes(uint8_t *p, int64_t n, qrt_dtype_t t) {
  const int extremes = rng_u32() % 4 == 0;
  for (int64_t i = 0; i < n; i++) {
    const int32_t v = extremes ? ((rng_u32() & 1) ? type_lo(t) : type_hi(t)) : (int32_t)rng_range(type_lo(t), type_hi(t));
    p[i] = (uint8_t)v;
  }
}
/* scales over many magnitudes, dyadic ones (exact ties) a third of the time */
static float rand_scale(void) {
  switch (rng_u32() % 6) {
    case 0: return ldexpf(1.0f, (int)rng_range(-12, 6));
    case 1: return ldexpf(1.0f + (float)(rng_u32() % 8) / 8.0f, (int)rng_range(-8, 4));
    case 2: return ldexpf(0.5f + (float)(rng_u32() % 1000) / 2000.0f, (int)rng_range(-40, 40));
    default: return 0.001f + (float)(rng_u32() % 100000) / 10000.0f;
  }
}
static int64_t rand_len(void) {
  static const int64_t special[] = {1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1000, 3136};
  return (rng_u32() % 2) ? special[rng_u32() % 16] : rng_range(1, 300);
}

/* memcmp with the first differing index */
static int same(const char *what, const char *level, const void *want, const void *got, int64_t n) {
  g_checks++;
  if (!memcmp(want, got, (size_t)n)) return 1;
  int64_t i = 0;
  while (((const uint8_t *)want)[i] == ((const uint8_t *)got)[i]) i++;
  g_failures++;
  fprintf(stderr, "FAIL %s, %s: byte %lld is %d, scalar gives %d (of %lld)\n", what, level, (long long)i,
          ((const uint8_t *)got)[i], ((const uint8_t *)want)[i], (long long)n);
  return 0;
}

/* Output buffers have GUARD bytes past n that must stay untouched. */
enum { GUARD = 64 };
static void guard_ok(const char *what, const char *level, const uint8_t *out, int64_t n) {
  for (int i = 0; i < GUARD; i++)
    if (out[n + i] != 0xa5) {
      CHECK(0, "%s, %s: byte %lld past the output was written", what, level, (long long)(n + i));
      return;
    }
}

/* Runs CALL (writing out_) at every level, the first (scalar) into want, the
 * others into got, after poisoning the output; compares. */
#define AT_EVERY_LEVEL(what, n, want, got, CALL)                                \
  do {                                                                          \
    for (int li_ = 0; li_ < g_nlevels; li_++) {                                 \
      const qrt_isa_t prev_ = qrt_set_isa_limit(g_levels[li_]);                 \
      uint8_t *out_ = li_ == 0 ? (want) : (got);                                \
      memset(out_, 0xa5, (size_t)(n) + GUARD);                                  \
      CHECK_OK(CALL);                                                           \
      qrt_set_isa_limit(prev_);                                                 \
      guard_ok(what, qrt_isa_name(g_levels[li_]), out_, n);                     \
      if (li_ > 0) same(what, qrt_isa_name(g_levels[li_]), want, got, n);       \
    }                                                                           \
  } while (0)

/* ---- QuantizeLinear ----------------------------------------------------------- */

static float rand_float_input(float scale) {
  switch (rng_u32() % 12) {
    case 0: return NAN;
    case 1: return (rng_u32() & 1) ? INFINITY : -INFINITY;
    case 2: return -0.0f;
    case 3: return (rng_u32() & 1) ? 3e38f : -3e38f;
    case 4: return ((float)rng_range(-300, 300) + 0.5f) * scale; /* a tie when scale is dyadic */
    case 5: return (float)rng_range(-300, 300) * scale;
    case 6: return rng_f() * 1e-38f; /* subnormal quotients for small scales */
    default: return rng_f() * 160.0f * scale;
  }
}

static void test_quantize(int cases) {
  for (int cs = 0; cs < cases; cs++) {
    const qrt_dtype_t t = rand_type();
    int32_t qmin = type_lo(t), qmax = type_hi(t);
    if (rng_u32() % 3 == 0) { /* a narrow range */
      qmin = (int32_t)rng_range(type_lo(t), type_hi(t));
      qmax = (int32_t)rng_range(qmin, type_hi(t));
    }
    int64_t outer = rng_range(1, 3), ch = (rng_u32() % 3) ? 1 : rng_range(2, 5), inner = rand_len();
    if (rng_u32() % 4 == 0) outer = inner, inner = 1; /* [n][1][1], as the executor passes per tensor */
    const int64_t n = outer * ch * inner;
    float *x = malloc((size_t)n * sizeof(float)), s[5];
    int32_t zp[5];
    uint8_t *want = malloc((size_t)n + GUARD), *got = malloc((size_t)n + GUARD);
    for (int64_t c = 0; c < ch; c++) {
      switch (rng_u32() % 12) { /* the kernel does not check scales: 0 (x / 0 = +-Inf or NaN) and < 0 too */
        case 0: s[c] = (rng_u32() & 1) ? 1e-40f : 1e30f; break;
        case 1: s[c] = (rng_u32() & 1) ? 0.0f : -rand_scale(); break;
        default: s[c] = rand_scale();
      }
      zp[c] = rand_in(qmin, qmax);
    }
    for (int64_t i = 0; i < n; i++) x[i] = rand_float_input(s[(i / inner) % ch]);
    char what[96];
    snprintf(what, sizeof what, "quantize case %d (%s [%d, %d], %lldx%lldx%lld)", cs,
             t == QRT_DTYPE_U8 ? "u8" : "s8", qmin, qmax, (long long)outer, (long long)ch, (long long)inner);
    AT_EVERY_LEVEL(what, n, want, got, qrt_quantize_f32_reference(t, qmin, qmax, outer, ch, inner, x, s, zp, out_));
    for (int64_t i = 0; i < n; i++) {
      const int64_t c = (i / inner) % ch;
      const int32_t r = qrt_quantize_f32_scalar(x[i], s[c], zp[c], qmin, qmax);
      if ((uint8_t)r != want[i]) {
        CHECK(0, "%s: scalar level element %lld is %d, qrt_quantize_f32_scalar gives %d", what, (long long)i,
              want[i], r);
        break;
      }
    }
    free(x), free(want), free(got);
  }
}

/* ---- requantize and concat ---------------------------------------------------- */

static void rand_output(qrt_q8_output_t *y, qrt_dtype_t t) {
  qrt_q8_output_init(y, t, rand_scale(), rand_in(type_lo(t), type_hi(t)));
  if (rng_u32() % 3 == 0) { /* a fused range, possibly without the zero point */
    y->qmin = (int32_t)rng_range(type_lo(t), type_hi(t));
    y->qmax = (int32_t)rng_range(y->qmin, type_hi(t));
  }
}

static void test_requantize(int cases) {
  for (int cs = 0; cs < cases; cs++) {
    const int64_t n = rand_len();
    qrt_q8_act_t xq = {rand_type(), rand_scale(), 0};
    xq.zero_point = rand_in(type_lo(xq.type), type_hi(xq.type));
    qrt_q8_output_t yq;
    rand_output(&yq, rand_type());
    if (rng_u32() % 8 == 0) xq.scale = 1e30f, yq.scale = 1e-30f; /* M = +Inf */
    uint8_t *x = malloc((size_t)n), *want = malloc((size_t)n + GUARD), *got = malloc((size_t)n + GUARD);
    fill_bytes(x, n, xq.type);
    char what[80];
    snprintf(what, sizeof what, "requantize case %d (n %lld)", cs, (long long)n);
    AT_EVERY_LEVEL(what, n, want, got, qrt_q8_requantize(n, &xq, x, &yq, out_));
    for (int li = 1; li < g_nlevels; li++) { /* in place, y == x */
      const qrt_isa_t prev = qrt_set_isa_limit(g_levels[li]);
      memcpy(got, x, (size_t)n);
      CHECK_OK(qrt_q8_requantize(n, &xq, got, &yq, got));
      qrt_set_isa_limit(prev);
      same("in place", what, want, got, n);
    }
    free(x), free(want), free(got);
  }
  for (int cs = 0; cs < cases / 4; cs++) {
    const int64_t outer = rng_range(1, 3), inner = rng_range(1, 40), k = rng_range(1, 4);
    qrt_q8_act_t xq[4];
    int64_t sizes[4], total = 0;
    const void *in[4];
    uint8_t *bufs[4];
    qrt_q8_output_t yq;
    rand_output(&yq, rand_type());
    for (int64_t i = 0; i < k; i++) {
      xq[i].type = rand_type(), xq[i].scale = rand_scale(), xq[i].zero_point = rand_in(type_lo(xq[i].type), type_hi(xq[i].type));
      if (rng_u32() % 3 == 0) xq[i].type = yq.type, xq[i].scale = yq.scale, xq[i].zero_point = yq.zero_point;
      sizes[i] = rng_range(1, 20), total += sizes[i];
      bufs[i] = malloc((size_t)(outer * sizes[i] * inner));
      fill_bytes(bufs[i], outer * sizes[i] * inner, xq[i].type);
      in[i] = bufs[i];
    }
    const int64_t n = outer * total * inner;
    uint8_t *want = malloc((size_t)n + GUARD), *got = malloc((size_t)n + GUARD);
    char what[64];
    snprintf(what, sizeof what, "concat case %d", cs);
    AT_EVERY_LEVEL(what, n, want, got, qrt_q8_concat(outer, inner, k, in, xq, sizes, &yq, out_));
    for (int64_t i = 0; i < k; i++) free(bufs[i]);
    free(want), free(got);
  }
}

/* ---- QAdd / QMul --------------------------------------------------------------- */

static void test_binary(int cases) {
  for (int cs = 0; cs < cases; cs++) {
    /* y [n][c][h][w]; a full, b per kind */
    const int64_t ys[4] = {rng_range(1, 2), rng_range(1, 6), rng_range(1, 9), rand_len() % 70 + 1};
    int64_t bs[4] = {ys[0], ys[1], ys[2], ys[3]};
    const int kind = (int)(rng_u32() % 6);
    if (kind == 1) bs[0] = bs[1] = bs[2] = bs[3] = 1;        /* scalar */
    if (kind == 2) bs[0] = bs[2] = bs[3] = 1;                /* per channel */
    if (kind == 3) bs[0] = bs[1] = bs[2] = 1;                /* one row for all */
    if (kind == 4) bs[3] = 1;                                /* inner stride 0 under a full outer */
    int64_t as[4], bst[4];
    qrt_broadcast_strides(4, ys, 4, ys, as);
    qrt_broadcast_strides(4, ys, 4, bs, bst);
    if (kind == 5) /* b stored with H and W transposed: inner stride H, the reference loop at every level */
      bst[2] = 1, bst[3] = ys[2];
    const int64_t n = ys[0] * ys[1] * ys[2] * ys[3], nb = bs[0] * bs[1] * bs[2] * bs[3];
    qrt_q8_act_t aq = {rand_type(), rand_scale(), 0}, bq = {rand_type(), rand_scale(), 0};
    aq.zero_point = rand_in(type_lo(aq.type), type_hi(aq.type));
    bq.zero_point = rand_in(type_lo(bq.type), type_hi(bq.type));
    qrt_q8_output_t yq;
    rand_output(&yq, rand_type());
    if (rng_u32() % 10 == 0) aq.scale = 1e30f, yq.scale = 1e-30f; /* ratios overflow: NaN sums */
    uint8_t *a = malloc((size_t)n), *b = malloc((size_t)nb), *want = malloc((size_t)n + GUARD), *got = malloc((size_t)n + GUARD);
    fill_bytes(a, n, aq.type);
    fill_bytes(b, nb, bq.type);
    const int swap = rng_u32() & 1; /* the broadcast operand first or second */
    for (int op = 0; op < 2; op++) {
      char what[96];
      snprintf(what, sizeof what, "%s case %d (kind %d, swap %d, %lldx%lldx%lldx%lld)", op ? "mul" : "add", cs, kind,
               swap, (long long)ys[0], (long long)ys[1], (long long)ys[2], (long long)ys[3]);
      const qrt_q8_binary_op_t o = op ? QRT_Q8_MUL : QRT_Q8_ADD;
      if (swap)
        AT_EVERY_LEVEL(what, n, want, got, qrt_q8_binary(o, 4, ys, &bq, b, bst, &aq, a, as, &yq, out_));
      else
        AT_EVERY_LEVEL(what, n, want, got, qrt_q8_binary(o, 4, ys, &aq, a, as, &bq, b, bst, &yq, out_));
      for (int li = 1; li < g_nlevels && aq.type == yq.type; li++) { /* in place, y == a */
        const qrt_isa_t prev = qrt_set_isa_limit(g_levels[li]);
        memcpy(got, a, (size_t)n);
        if (swap)
          CHECK_OK(qrt_q8_binary(o, 4, ys, &bq, b, bst, &aq, got, as, &yq, got));
        else
          CHECK_OK(qrt_q8_binary(o, 4, ys, &aq, got, as, &bq, b, bst, &yq, got));
        qrt_set_isa_limit(prev);
        same("in place", what, want, got, n);
      }
    }
    free(a), free(b), free(want), free(got);
  }
}

/* ---- pools ----------------------------------------------------------------------- */

static void test_max_pool(int cases) {
  for (int cs = 0; cs < cases; cs++) {
    qrt_pool2d_params_t p;
    const int shape = (int)(rng_u32() % 4);
    if (shape == 0) { /* resnet's */
      qrt_pool2d_params_init(&p, 3, 3);
      p.stride_h = p.stride_w = 2;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    } else if (shape == 1) {
      qrt_pool2d_params_init(&p, 2, 2);
      p.stride_h = p.stride_w = 2;
    } else {
      qrt_pool2d_params_init(&p, rng_range(1, 5), rng_range(1, 5));
      p.stride_h = rng_range(1, 3), p.stride_w = rng_range(1, 3);
      p.dilation_h = rng_range(1, 2), p.dilation_w = rng_range(1, 2);
      p.pad_top = rng_range(0, p.kernel_h - 1), p.pad_bottom = rng_range(0, p.kernel_h - 1);
      p.pad_left = rng_range(0, p.kernel_w - 1), p.pad_right = rng_range(0, p.kernel_w - 1);
    }
    p.ceil_mode = rng_u32() % 4 == 0;
    const int64_t nn = rng_range(1, 2), c = rng_range(1, 3);
    int64_t h = rng_range(1, 20), w = rand_len() % 150 + 1;
    if (rng_u32() % 25 == 0) h = 3, w = rng_range(4100, 9000); /* chunks of the row buffer */
    if (p.kernel_h * p.dilation_h > h + p.pad_top + p.pad_bottom) h = p.kernel_h * p.dilation_h;
    if (p.kernel_w * p.dilation_w > w + p.pad_left + p.pad_right) w = p.kernel_w * p.dilation_w;
    int64_t oh, ow;
    if (qrt_pool2d_output_size(&p, h, w, &oh, &ow) != QRT_OK) continue;
    const qrt_dtype_t t = rand_type();
    const int64_t nx = nn * c * h * w, ny = nn * c * oh * ow;
    uint8_t *x = malloc((size_t)nx), *want = malloc((size_t)ny + GUARD), *got = malloc((size_t)ny + GUARD);
    fill_bytes(x, nx, t);
    char what[128];
    snprintf(what, sizeof what, "max pool case %d (%s %lldx%lld k %lldx%lld s %lldx%lld d %lldx%lld, %lldx%lld)", cs,
             t == QRT_DTYPE_U8 ? "u8" : "s8", (long long)h, (long long)w, (long long)p.kernel_h,
             (long long)p.kernel_w, (long long)p.stride_h, (long long)p.stride_w, (long long)p.dilation_h,
             (long long)p.dilation_w, (long long)oh, (long long)ow);
    AT_EVERY_LEVEL(what, ny, want, got, qrt_q8_max_pool2d(&p, nn, c, h, w, t, x, out_));
    const qrt_type_t tt = t == QRT_DTYPE_U8 ? QRT_TYPE_U8 : QRT_TYPE_I8;
    AT_EVERY_LEVEL(what, ny, want, got, qrt_max_pool2d_typed(tt, &p, nn, c, h, w, x, out_));
    free(x), free(want), free(got);
  }
}

static void test_global_avg_pool(int cases) {
  for (int cs = 0; cs < cases; cs++) {
    const int64_t nn = rng_range(1, 2), c = rng_range(1, 9), spatial = rand_len();
    qrt_q8_act_t xq = {rand_type(), rand_scale(), 0};
    xq.zero_point = rand_in(type_lo(xq.type), type_hi(xq.type));
    qrt_q8_output_t yq;
    rand_output(&yq, rand_type());
    uint8_t *x = malloc((size_t)(nn * c * spatial)), *want = malloc((size_t)(nn * c) + GUARD), *got = malloc((size_t)(nn * c) + GUARD);
    fill_bytes(x, nn * c * spatial, xq.type);
    char what[80];
    snprintf(what, sizeof what, "global avg pool case %d (spatial %lld)", cs, (long long)spatial);
    AT_EVERY_LEVEL(what, nn * c, want, got, qrt_q8_global_avg_pool(nn, c, spatial, &xq, x, &yq, out_));
    free(x), free(want), free(got);
  }
}

int main(void) {
  g_nlevels = isa_levels(g_levels);
  printf("levels:");
  for (int i = 0; i < g_nlevels; i++) printf(" %s", qrt_isa_name(g_levels[i]));
  printf("\n");
  if (g_nlevels < 2) printf("note: this CPU has no vector level; only the scalar reference runs\n");
  test_quantize(600);
  test_requantize(400);
  test_binary(400);
  test_max_pool(500);
  test_global_avg_pool(200);
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
