/* QAdd / QMul with numpy broadcasting (qrt_q8_binary), requantization
 * (qrt_q8_requantize), concat (qrt_q8_concat) and 8-bit lookup tables
 * (qrt_q8_lut*) against the formulas of docs/numerics.md spelled out here:
 * every pair of 8-bit values for some parameters, random broadcast shapes
 * (offsets computed from the operands' own shapes, not from strides), u8/s8
 * mixes, fused clamps; exact equality. */
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
static float ratio(float s, float sy) {
  const float p = s * 1.0f;
  const float m = p / sy;
  return m;
}
/* clamp v in float to [lo - zp, hi - zp], round half to even, + zp; NaN -> zp */
static int32_t ref_tail(float v, int32_t zp, int32_t lo, int32_t hi) {
  if (v != v) return zp < lo ? lo : zp > hi ? hi : zp;
  float c = v < (float)(lo - zp) ? (float)(lo - zp) : v;
  c = c > (float)(hi - zp) ? (float)(hi - zp) : c;
  return (int32_t)nearbyintf(c) + zp;
}
static int32_t ref_add(int32_t a, const qrt_q8_act_t *aq, int32_t b, const qrt_q8_act_t *bq, const qrt_q8_output_t *y) {
  const float pa = (float)(a - aq->zero_point) * ratio(aq->scale, y->scale);
  const float pb = (float)(b - bq->zero_point) * ratio(bq->scale, y->scale);
  const float v = pa + pb;
  return ref_tail(v, y->zero_point, y->qmin, y->qmax);
}
static int32_t ref_mul(int32_t a, const qrt_q8_act_t *aq, int32_t b, const qrt_q8_act_t *bq, const qrt_q8_output_t *y) {
  const float p = aq->scale * bq->scale;
  const float m = p / y->scale;
  const float v = (float)((a - aq->zero_point) * (b - bq->zero_point)) * m;
  return ref_tail(v, y->zero_point, y->qmin, y->qmax);
}
static int32_t ref_requantize(int32_t x, const qrt_q8_act_t *xq, const qrt_q8_output_t *y) {
  const float v = (float)(x - xq->zero_point) * ratio(xq->scale, y->scale);
  return ref_tail(v, y->zero_point, y->qmin, y->qmax);
}

/* ---- every pair ------------------------------------------------------------------- */

static void test_all_pairs(void) {
  for (int c = 0; c < 8; c++) {
    const qrt_q8_binary_op_t op = c % 2 ? QRT_Q8_MUL : QRT_Q8_ADD;
    const qrt_q8_act_t aq = {rand_type(), rand_scale(0.01f, 0.1f), 0}, bq = {rand_type(), rand_scale(0.01f, 0.1f), 0};
    qrt_q8_act_t a2 = aq, b2 = bq;
    a2.zero_point = rand_zp(aq.type), b2.zero_point = rand_zp(bq.type);
    qrt_q8_output_t yq;
    const qrt_dtype_t yt = rand_type();
    qrt_q8_output_init(&yq, yt, op == QRT_Q8_ADD ? rand_scale(0.02f, 0.2f) : rand_scale(0.5f, 8.0f), rand_zp(yt));
    if (c == 6) /* dyadic ratios: exact ties */
      a2.scale = 0.25f, b2.scale = 0.125f, yq.scale = op == QRT_Q8_ADD ? 0.5f : 0.125f;
    if (c >= 4) CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, yq.scale, yq.zero_point, type_lo(yt), type_hi(yt), &yq.qmin, &yq.qmax));
    /* a [256][1] (every value), b [1][256] (every value): out [256][256] */
    uint8_t av[256], bv[256];
    for (int i = 0; i < 256; i++) av[i] = bv[i] = (uint8_t)i;
    const int64_t shape[2] = {256, 256}, as[2] = {1, 0}, bs[2] = {0, 1};
    uint8_t *y = malloc(65536);
    CHECK_OK(qrt_q8_binary(op, 2, shape, &a2, av, as, &b2, bv, bs, &yq, y));
    int bad = 0, far = 0;
    for (int i = 0; i < 256; i++)
      for (int j = 0; j < 256; j++) {
        const int32_t a = qrt_q8_load(a2.type, av, i), b = qrt_q8_load(b2.type, bv, j);
        const int32_t want = op == QRT_Q8_ADD ? ref_add(a, &a2, b, &b2, &yq) : ref_mul(a, &a2, b, &b2, &yq);
        const int32_t got = qrt_q8_load(yt, y, i * 256 + j);
        if (got != want && bad++ < 3)
          fprintf(stderr, "FAIL %s pair case %d (%d, %d): got %d, want %d\n", op == QRT_Q8_ADD ? "add" : "mul", c, a, b,
                  got, want);
        /* the contract is within 0.5 (+ float error) of the exact real result */
        const double ra = (a - a2.zero_point) * (double)a2.scale, rb = (b - b2.zero_point) * (double)b2.scale;
        const double ideal = (op == QRT_Q8_ADD ? ra + rb : ra * rb) / yq.scale + yq.zero_point;
        if (ideal > yq.qmin && ideal < yq.qmax && fabs(want - ideal) > 0.5 + 1e-4 * (1 + fabs(ideal))) far++;
      }
    CHECK(bad == 0, "pair case %d: %d mismatches", c, bad);
    CHECK(far == 0, "pair case %d: %d results far from the exact value", c, far);
    free(y);
  }
}

/* QAdd rounds each product to float32 before the sum: found by search, these
 * land exactly on .5 in float32 while the exact (double) sum does not. */
static void test_add_float_order(void) {
  const struct {
    float sa, sb, sy;
    int8_t a;
    uint8_t b;
    int32_t want;
  } c[2] = {{0x1.4e058p-4f, 0x1.e1252ap-6f, 0x1.28ae4ep-8f, -46, 144, 106},  /* 105.5 (exact 105.49995) */
            {0x1.ceb84ap-7f, 0x1.9ca332p-5f, 0x1.a07c54p-8f, -77, 19, -20}}; /* -20.5 (exact -20.50001) */
  for (int i = 0; i < 2; i++) {
    const qrt_q8_act_t aq = {QRT_DTYPE_I8, c[i].sa, 0}, bq = {QRT_DTYPE_U8, c[i].sb, 0};
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, QRT_DTYPE_I8, c[i].sy, 0);
    int8_t y = 0;
    CHECK_OK(qrt_q8_binary(QRT_Q8_ADD, 0, NULL, &aq, &c[i].a, NULL, &bq, &c[i].b, NULL, &yq, &y));
    CHECK(y == c[i].want, "float32 add order case %d: %d, want %d", i, y, c[i].want);
    CHECK(ref_add(c[i].a, &aq, c[i].b, &bq, &yq) == c[i].want, "reference add order case %d", i);
  }
}

/* ---- random broadcasting ---------------------------------------------------------------- */

static int random_broadcast(int idx) {
  const int64_t rank = rng_range(0, 4);
  int64_t shape[4], n = 1;
  for (int64_t d = 0; d < rank; d++) shape[d] = rng_range(1, 5), n *= shape[d];
  int64_t ar = rng_range(0, rank), br = rng_range(0, rank), ash[4], bsh[4], na = 1, nb = 1;
  for (int64_t d = 0; d < ar; d++) ash[d] = rng_u32() % 3 ? shape[rank - ar + d] : 1, na *= ash[d];
  for (int64_t d = 0; d < br; d++) bsh[d] = rng_u32() % 3 ? shape[rank - br + d] : 1, nb *= bsh[d];
  const qrt_q8_binary_op_t op = idx % 2 ? QRT_Q8_MUL : QRT_Q8_ADD;
  const qrt_q8_act_t aq = {rand_type(), rand_scale(0.01f, 0.1f), 0}, bq0 = {rand_type(), rand_scale(0.01f, 0.1f), 0};
  qrt_q8_act_t a2 = aq, b2 = bq0;
  a2.zero_point = rand_zp(a2.type), b2.zero_point = rand_zp(b2.type);
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, rand_type(), op == QRT_Q8_ADD ? rand_scale(0.02f, 0.2f) : rand_scale(0.5f, 8.0f), 0);
  yq.zero_point = rand_zp(yq.type);
  uint8_t *a = malloc((size_t)na), *b = malloc((size_t)nb), *y = malloc((size_t)n);
  for (int64_t i = 0; i < na; i++) a[i] = (uint8_t)rng_u32();
  for (int64_t i = 0; i < nb; i++) b[i] = (uint8_t)rng_u32();
  int64_t as[4], bs[4];
  CHECK_OK(qrt_broadcast_strides(rank, shape, ar, ash, as));
  CHECK_OK(qrt_broadcast_strides(rank, shape, br, bsh, bs));
  CHECK_OK(qrt_q8_binary(op, rank, shape, &a2, a, as, &b2, b, bs, &yq, y));
  int ok = 1;
  g_checks++;
  for (int64_t i = 0; i < n && ok; i++) {
    int64_t idxs[4], rem = i, ao = 0, bo = 0;
    for (int64_t d = rank - 1; d >= 0; d--) idxs[d] = rem % shape[d], rem /= shape[d];
    for (int64_t d = 0; d < ar; d++) ao = ao * ash[d] + (ash[d] == 1 ? 0 : idxs[rank - ar + d]);
    for (int64_t d = 0; d < br; d++) bo = bo * bsh[d] + (bsh[d] == 1 ? 0 : idxs[rank - br + d]);
    const int32_t av = qrt_q8_load(a2.type, a, ao), bv = qrt_q8_load(b2.type, b, bo);
    const int32_t want = op == QRT_Q8_ADD ? ref_add(av, &a2, bv, &b2, &yq) : ref_mul(av, &a2, bv, &b2, &yq);
    if (qrt_q8_load(yq.type, y, i) != want) {
      g_failures++, ok = 0;
      fprintf(stderr, "FAIL broadcast case %d at %s: got %d, want %d\n", idx, coords(rank, shape, i),
              qrt_q8_load(yq.type, y, i), want);
    }
  }
  free(a), free(b), free(y);
  return ok;
}

/* ---- requantize, concat ------------------------------------------------------------------- */

static void test_requantize(void) {
  uint8_t x[256], y[256];
  for (int i = 0; i < 256; i++) x[i] = (uint8_t)i;
  for (int c = 0; c < 20; c++) {
    const qrt_q8_act_t xq = {rand_type(), rand_scale(0.001f, 0.1f), 0};
    qrt_q8_act_t x2 = xq;
    x2.zero_point = rand_zp(x2.type);
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, rand_type(), c % 4 == 0 ? x2.scale : rand_scale(0.001f, 0.1f), 0);
    yq.zero_point = rand_zp(yq.type);
    if (c % 5 == 1) CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, yq.scale, yq.zero_point, yq.qmin, yq.qmax, &yq.qmin, &yq.qmax));
    CHECK_OK(qrt_q8_requantize(256, &x2, x, &yq, y));
    int bad = 0;
    for (int i = 0; i < 256; i++)
      if (qrt_q8_load(yq.type, y, i) != ref_requantize(qrt_q8_load(x2.type, x, i), &x2, &yq)) bad++;
    CHECK(bad == 0, "requantize case %d: %d mismatches", c, bad);
  }
  /* equal parameters: the identity, also in place */
  const qrt_q8_act_t xq = {QRT_DTYPE_I8, 0.0371f, -7};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 0.0371f, -7);
  CHECK_OK(qrt_q8_requantize(256, &xq, x, &yq, y));
  CHECK(memcmp(x, y, 256) == 0, "identity requantize changed values");
  CHECK_OK(qrt_q8_requantize(256, &xq, y, &yq, y));
  CHECK(memcmp(x, y, 256) == 0, "in-place identity requantize changed values");
  /* same scale and zero point, u8 -> s8: clamp only */
  const qrt_q8_act_t xu = {QRT_DTYPE_U8, 0.5f, 100};
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 0.5f, 100 - 128);
  CHECK_OK(qrt_q8_requantize(256, &xu, x, &yq, y));
  int bad = 0;
  for (int i = 0; i < 256; i++) bad += ((int8_t *)y)[i] != i - 128;
  CHECK(bad == 0, "u8 -> s8 shift: %d mismatches", bad);
  /* hand: s 0.5 -> 1 (M 0.5), zp 0 -> 0: 1 -> 0.5 -> 0, 3 -> 1.5 -> 2, 5 -> 2.5 -> 2 */
  const uint8_t hx[3] = {1, 3, 5};
  uint8_t hy[3];
  const qrt_q8_act_t hq = {QRT_DTYPE_U8, 0.5f, 0};
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 0);
  CHECK_OK(qrt_q8_requantize(3, &hq, hx, &yq, hy));
  CHECK(hy[0] == 0 && hy[1] == 2 && hy[2] == 2, "hand requantize %d %d %d", hy[0], hy[1], hy[2]);
}

static void test_concat(void) {
  /* outer 3, inner 4; inputs with axis sizes 2, 1, 3 and different parameters;
   * input 1 has the output's parameters (copied). */
  const int64_t outer = 3, inner = 4, sizes[3] = {2, 1, 3};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.05f, 120);
  const qrt_q8_act_t xq[3] = {{QRT_DTYPE_I8, 0.1f, -3}, {QRT_DTYPE_U8, 0.05f, 120}, {QRT_DTYPE_U8, 0.0123f, 0}};
  uint8_t in[3][3 * 3 * 4];
  const void *ins[3] = {in[0], in[1], in[2]};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 36; j++) in[i][j] = (uint8_t)rng_u32();
  uint8_t y[3 * 6 * 4];
  CHECK_OK(qrt_q8_concat(outer, inner, 3, ins, xq, sizes, &yq, y));
  int bad = 0;
  for (int64_t o = 0; o < outer; o++) {
    int64_t a = 0;
    for (int i = 0; i < 3; i++)
      for (int64_t s = 0; s < sizes[i]; s++, a++)
        for (int64_t k = 0; k < inner; k++) {
          const int32_t xv = qrt_q8_load(xq[i].type, in[i], (o * sizes[i] + s) * inner + k);
          const int32_t got = y[(o * 6 + a) * inner + k];
          if (got != ref_requantize(xv, &xq[i], &yq)) bad++;
          if (i == 1 && got != xv) bad++; /* equal parameters: the same byte */
        }
  }
  CHECK(bad == 0, "concat: %d mismatches", bad);
  const qrt_q8_act_t badq[3] = {{QRT_DTYPE_I8, 0.1f, -3}, {QRT_DTYPE_U8, -1.0f, 120}, {QRT_DTYPE_U8, 0.0123f, 0}};
  y[0] = 0x11;
  CHECK(qrt_q8_concat(outer, inner, 3, ins, badq, sizes, &yq, y) == QRT_INVALID_ARGUMENT, "negative scale");
  CHECK(y[0] == 0x11, "nothing written");
}

/* ---- lookup tables ------------------------------------------------------------------------ */

static void test_lut(void) {
  const qrt_q8_act_t xq = {QRT_DTYPE_I8, 0.0625f, 3};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f / 256.0f, 0);
  uint8_t table[256];
  CHECK_OK(qrt_q8_lut_build_unary(QRT_UNARY_SIGMOID, 0, 0, &xq, &yq, table));
  int bad = 0;
  for (int b = 0; b < 256; b++) {
    const int32_t q = (int8_t)(uint8_t)b;
    const float x = (float)(q - 3) * 0.0625f;
    float f;
    CHECK_OK(qrt_f32_unary(QRT_UNARY_SIGMOID, 0, 0, 1, &x, &f));
    const float r = nearbyintf(f / yq.scale);
    const int32_t want = r > 255 ? 255 : r < 0 ? 0 : (int32_t)r;
    if (table[b] != want) bad++;
  }
  CHECK(bad == 0, "sigmoid table: %d mismatches", bad);
  /* apply: every byte */
  uint8_t x[256], y[256];
  for (int i = 0; i < 256; i++) x[i] = (uint8_t)(255 - i);
  CHECK_OK(qrt_q8_lut(256, table, x, y));
  bad = 0;
  for (int i = 0; i < 256; i++) bad += y[i] != table[255 - i];
  CHECK(bad == 0, "lut apply: %d mismatches", bad);
  CHECK_OK(qrt_q8_lut(256, table, x, x)); /* in place */
  CHECK(memcmp(x, y, 256) == 0, "lut in place");
  /* Relu with the same parameters in and out: max(q, zp) */
  const qrt_q8_act_t uq = {QRT_DTYPE_U8, 0.1f, 77};
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.1f, 77);
  CHECK_OK(qrt_q8_lut_build_unary(QRT_UNARY_RELU, 0, 0, &uq, &yq, table));
  bad = 0;
  for (int b = 0; b < 256; b++) bad += table[b] != (b < 77 ? 77 : b);
  CHECK(bad == 0, "relu table: %d mismatches", bad);
  /* inputs are the dequantized bytes in byte order (s8: byte 255 is -1) */
  float in[256];
  CHECK_OK(qrt_q8_lut_inputs(&xq, in));
  CHECK(in[0] == -3 * 0.0625f && in[255] == -4 * 0.0625f && in[128] == -131 * 0.0625f, "lut inputs %g %g %g", in[0],
        in[255], in[128]);
  /* from values with a clamp range and NaN */
  float fx[256];
  for (int b = 0; b < 256; b++) fx[b] = (float)b - 128.0f;
  fx[7] = NAN;
  qrt_q8_output_init(&yq, QRT_DTYPE_I8, 1.0f, 0);
  yq.qmin = -10, yq.qmax = 20;
  CHECK_OK(qrt_q8_lut_from_values(fx, &yq, table));
  CHECK((int8_t)table[0] == -10 && (int8_t)table[255] == 20 && table[138] == 10 && table[7] == 0, "from values");
}

int main(void) {
  test_all_pairs();
  test_add_float_order();
  int ok = 0, n = 400;
  for (int i = 0; i < n; i++) ok += random_broadcast(i);
  printf("qadd/qmul broadcast: %d of %d random cases exact\n", ok, n);
  test_requantize();
  test_concat();
  test_lut();
  return test_finish("q8_elementwise");
}
