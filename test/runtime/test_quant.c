/* QuantizeLinear / DequantizeLinear reference kernels (qrt_quant.h) against
 * hand-computed values: ties to even, division (not reciprocal), zero points,
 * saturation, NaN, infinities, per-axis parameters. Then the requantization
 * helpers (multiplier order, ties, float clamp, NaN), fused-activation clamp
 * ranges, bias quantization and the choice of scale/zero point (against values
 * recorded from PyTorch's MinMaxObserver, with PyTorch's floor 2^-23, and with
 * qcc's default floor 2^-63), and that tiny but non-empty ranges keep their
 * resolution through bias, multiplier and a QGemm. */
#include <float.h>

#include "qrt/qrt_q8.h"
#include "qrt/qrt_quant.h"
#include "test_util.h"

#define Q(x, s, zp, lo, hi, want)                                                         \
  do {                                                                                    \
    int32_t got_ = qrt_quantize_f32_scalar((x), (s), (zp), (lo), (hi));                   \
    CHECK(got_ == (want), "quantize(%.9g, scale %.9g, zp %d) = %d, want %d", (double)(x), \
          (double)(s), (int)(zp), (int)got_, (int)(want));                                \
  } while (0)

static void test_ties(void) {
  /* x / scale exactly on .5: round half to even. */
  Q(2.5f, 1.0f, 0, -128, 127, 2);
  Q(3.5f, 1.0f, 0, -128, 127, 4);
  Q(0.5f, 1.0f, 0, -128, 127, 0);
  Q(1.5f, 1.0f, 0, -128, 127, 2);
  Q(-0.5f, 1.0f, 0, -128, 127, 0);
  Q(-2.5f, 1.0f, 0, -128, 127, -2);
  Q(-3.5f, 1.0f, 0, -128, 127, -4);
  Q(2.5f, 1.0f, 10, 0, 255, 12);    /* rounding happens before adding the zero point */
  Q(3.5f, 1.0f, -3, -128, 127, 1);
  /* Just off the tie. */
  Q(2.4999998f, 1.0f, 0, -128, 127, 2);
  Q(2.5000002f, 1.0f, 0, -128, 127, 3);
  Q(-0.49999997f, 1.0f, 0, -128, 127, 0);
  /* A division, not a reciprocal multiply: 7.5 / 3 = 2.5 exactly -> 2, but
   * 7.5 * (1/3.0f) = 2.50000007 would round to 3. 10.5 / 3 = 3.5 -> 4. */
  Q(7.5f, 3.0f, 0, -128, 127, 2);
  Q(10.5f, 3.0f, 0, -128, 127, 4);
  Q(-7.5f, 3.0f, 0, -128, 127, -2);
  /* Scale 0.5: 1.25 / 0.5 = 2.5 -> 2; 1.75 / 0.5 = 3.5 -> 4. */
  Q(1.25f, 0.5f, 0, -128, 127, 2);
  Q(1.75f, 0.5f, 0, -128, 127, 4);
}

static void test_saturation(void) {
  Q(1000.0f, 1.0f, 128, 0, 255, 255);
  Q(-1000.0f, 1.0f, 128, 0, 255, 0);
  Q(200.0f, 1.0f, 0, -128, 127, 127);
  Q(-200.0f, 1.0f, 0, -128, 127, -128);
  Q(-200.0f, 1.0f, 0, -127, 127, -127); /* narrow range */
  Q(100.0f, 1.0f, 0, -8, 7, 7);         /* 4-bit values in bytes */
  Q(127.4f, 1.0f, 0, -128, 127, 127);
  Q(127.5f, 1.0f, 0, -128, 127, 127);  /* 128 after rounding, saturated */
  Q(126.5f, 1.0f, 1, -128, 127, 127);  /* 126 + 1 */
  Q(INFINITY, 1.0f, 0, -128, 127, 127);
  Q(-INFINITY, 1.0f, 0, -128, 127, -128);
  Q(3e9f, 1.0f, 0, INT32_MIN, INT32_MAX, INT32_MAX);
  Q(-3e9f, 1.0f, 0, INT32_MIN, INT32_MAX, INT32_MIN);
  Q(1e30f, 1e-30f, 0, INT32_MIN, INT32_MAX, INT32_MAX); /* quotient overflows to +Inf */
  Q(1.0f, 0.0f, 5, 0, 255, 255);                          /* 1/0 = +Inf */
}

static void test_nan(void) {
  Q(NAN, 1.0f, 128, 0, 255, 128);
  Q(-NAN, 0.02f, -3, -128, 127, -3);
  Q(0.0f, 0.0f, 7, 0, 255, 7); /* 0/0 is NaN */
  Q(NAN, 1.0f, 0, INT32_MIN, INT32_MAX, 0);
}

static void test_dequantize(void) {
  CHECK(qrt_dequantize_f32_scalar(-128, 0.5f, -3) == -62.5f, "dequant -128");
  CHECK(qrt_dequantize_f32_scalar(255, 0.25f, 128) == 31.75f, "dequant 255");
  CHECK(qrt_dequantize_f32_scalar(INT32_MAX, 1.0f, INT32_MIN) == 4294967296.0f, "dequant int32 range");
  CHECK(qrt_dequantize_f32_scalar(3, 0.1f, 3) == 0.0f, "dequant zero point");
}

static void test_per_axis(void) {
  /* [outer 2][channels 3][inner 2]; channel scales 1, 0.5, 2; zero points 0, 1, -1. */
  const float x[12] = {2.5f, -1.0f, 1.25f, 0.3f, 5.0f, 3.0f, 200.0f, NAN, 0.75f, -0.75f, 1000.0f, -1000.0f};
  const float s[3] = {1.0f, 0.5f, 2.0f};
  const int32_t zp[3] = {0, 1, -1};
  /* c0: 2.5->2, -1->-1 | c1: 2.5->2+1=3, 0.6->1+1=2 | c2: 2.5->2-1=1, 1.5->2-1=1
   * c0: 200->127, NaN->0 | c1: 1.5->2+1=3, -1.5->-2+1=-1 | c2: 500->127, -500->-128 */
  const int8_t want[12] = {2, -1, 3, 2, 1, 1, 127, 0, 3, -1, 127, -128};
  int8_t y[12];
  memset(y, 0x55, sizeof y);
  CHECK_OK(qrt_quantize_f32_reference(QRT_DTYPE_I8, -128, 127, 2, 3, 2, x, s, zp, y));
  for (int i = 0; i < 12; i++) CHECK(y[i] == want[i], "per-axis quantize [%d] = %d, want %d", i, y[i], want[i]);
  float back[12];
  CHECK_OK(qrt_dequantize_f32_reference(QRT_DTYPE_I8, 2, 3, 2, y, s, zp, back));
  const float wantf[12] = {2, -1, 1, 0.5f, 4, 4, 127, 0, 1, -1, 256, -254};
  for (int i = 0; i < 12; i++) CHECK(back[i] == wantf[i], "per-axis dequantize [%d] = %g, want %g", i, back[i], wantf[i]);

  /* u8 per tensor and i32. */
  const float xu[4] = {-1.0f, 0.0f, 0.01f, 2.55f};
  uint8_t yu[4];
  const float su = 0.02f;
  const int32_t zu = 128;
  CHECK_OK(qrt_quantize_f32_reference(QRT_DTYPE_U8, 0, 255, 1, 1, 4, xu, &su, &zu, yu));
  /* -1/0.02 = -50 -> 78; 0 -> 128; 0.01/0.02 = 0.5 (tie) -> 0 -> 128; 2.55/0.02 = 127.5 -> 128 -> 256 -> 255 */
  CHECK(yu[0] == 78 && yu[1] == 128 && yu[2] == 128 && yu[3] == 255, "u8: %d %d %d %d", yu[0], yu[1], yu[2], yu[3]);
  int32_t yi[4];
  const int32_t z0 = 0;
  const float one = 1.0f;
  CHECK_OK(qrt_quantize_f32_reference(QRT_DTYPE_I32, INT32_MIN, INT32_MAX, 1, 1, 4, (const float[]){-3e9f, 0.5f, 1.5f, 3e9f}, &one, &z0, yi));
  CHECK(yi[0] == INT32_MIN && yi[1] == 0 && yi[2] == 2 && yi[3] == INT32_MAX, "i32: %d %d %d %d", yi[0], yi[1], yi[2], yi[3]);
}

static void test_invalid(void) {
  const float x = 1.0f, s = 1.0f;
  const int32_t bad_zp = 300, zp0 = 0;
  uint8_t y = 0x5a;
  CHECK(qrt_quantize_f32_reference(QRT_DTYPE_U8, 0, 255, 1, 1, 1, &x, &s, &bad_zp, &y) == QRT_INVALID_ARGUMENT, "zp out of range");
  CHECK(qrt_quantize_f32_reference(QRT_DTYPE_U8, -1, 255, 1, 1, 1, &x, &s, &zp0, &y) == QRT_INVALID_ARGUMENT, "qmin below storage");
  CHECK(qrt_quantize_f32_reference(QRT_DTYPE_F32, 0, 1, 1, 1, 1, &x, &s, &zp0, &y) == QRT_INVALID_ARGUMENT, "float storage");
  CHECK(y == 0x5a, "nothing written on error");
}

/* ---- requantization (qrt_quant.h; docs/numerics.md) ---------------------------- */

#define RQ(acc, m, zp, lo, hi, want)                                                             \
  do {                                                                                           \
    int32_t got_ = qrt_requantize_scalar((acc), (m), (zp), (lo), (hi));                          \
    CHECK(got_ == (want), "requantize(%d, M %.9g, zp %d, [%d, %d]) = %d, want %d", (int)(acc),    \
          (double)(m), (int)(zp), (int)(lo), (int)(hi), (int)got_, (int)(want));                 \
  } while (0)

static void test_requant_multiplier(void) {
  /* (s_in * s_w) / s_out, float32, in that order: the orders differ, e.g.
   * (0.1f * 0.2f) / 0.3f = 0x1.111112p-4 but (0.1f / 0.3f) * 0.2f = 0x1.11111p-4,
   * and (0.7f * 0.3f) / 0.11f = 0x1.e8ba3p+0 but 0.7f * (0.3f / 0.11f) = 0x1.e8ba2ep+0. */
  CHECK(qrt_requant_multiplier(0.1f, 0.2f, 0.3f) == 0x1.111112p-4f, "multiplier %a",
        (double)qrt_requant_multiplier(0.1f, 0.2f, 0.3f));
  CHECK(qrt_requant_multiplier(0.7f, 0.3f, 0.11f) == 0x1.e8ba3p+0f, "multiplier %a",
        (double)qrt_requant_multiplier(0.7f, 0.3f, 0.11f));
  CHECK(qrt_requant_multiplier(0.5f, 1.0f, 0.25f) == 2.0f, "0.5 / 0.25");
  CHECK(qrt_requant_multiplier(3.0f, 1.0f, 3.0f) == 1.0f, "s / s is exactly 1");
  /* pool: s_in / (s_out * count) */
  CHECK(qrt_requant_pool_multiplier(1.0f, 0.5f, 4) == 0.5f, "pool 1 / (0.5 * 4)");
  const float pm = qrt_requant_pool_multiplier(0.1f, 0.3f, 9);
  const float pd = 0.3f * 9.0f;
  CHECK(pm == 0.1f / pd, "pool multiplier order: %a", (double)pm);
  CHECK(qrt_requant_pool_multiplier(1.0f, 1.0f, 0) == INFINITY, "count 0 gives +Inf");
}

static void test_requantize(void) {
  /* ties to even after the multiply, before the zero point */
  RQ(5, 0.5f, 0, -128, 127, 2);    /* 2.5 */
  RQ(7, 0.5f, 0, -128, 127, 4);    /* 3.5 */
  RQ(-5, 0.5f, 0, -128, 127, -2);  /* -2.5 */
  RQ(-7, 0.5f, 0, -128, 127, -4);
  RQ(1, 0.5f, 0, -128, 127, 0);    /* 0.5 */
  RQ(-1, 0.5f, 0, -128, 127, 0);
  RQ(5, 0.5f, 11, 0, 255, 13);     /* 2 + 11, not round(13.5) = 14 */
  RQ(3, 0.25f, 0, -128, 127, 1);   /* 0.75 */
  RQ(100, 0.01f, 0, -128, 127, 1); /* 100 * 0.01f = 1.0000000149 -> 1 */
  /* (float)acc rounds first: 16777217 -> 16777216, * 0.5 = 8388608 -> clamped */
  RQ(16777217, 1.0f / 16777216.0f, 0, -128, 127, 1);
  RQ(25165825, 1.0f / 16777216.0f, 0, -128, 127, 2); /* 25165825 -> 25165824 (even), * 2^-24 = 1.5 -> 2 */
  RQ(8388609, 1.0f / 16777216.0f, 0, -128, 127, 1);  /* exact: 0.50000006 -> 1 */
  /* clamp in float to [qmin - zp, qmax - zp] */
  RQ(1000, 1.0f, 0, -128, 127, 127);
  RQ(-1000, 1.0f, 0, -128, 127, -128);
  RQ(1000, 1.0f, 200, 0, 255, 255);
  RQ(-1000, 1.0f, 200, 0, 255, 0);
  RQ(INT32_MAX, 1e30f, 0, -128, 127, 127); /* +Inf product */
  RQ(INT32_MIN, 1e30f, 5, 0, 255, 0);
  RQ(INT32_MIN, FLT_MAX, 0, -128, 127, -128);
  RQ(127, 1.0f, 0, -128, 127, 127);
  RQ(128, 1.0f, -1, -128, 127, 127);         /* 128 - 1 */
  /* fused activation ranges */
  RQ(-50, 1.0f, 10, 10, 255, 10);           /* relu: [zp, qmax] */
  RQ(50, 1.0f, 10, 10, 40, 40);
  /* NaN: only a non-finite multiplier makes one (0 * Inf); it gives the zero point */
  RQ(0, INFINITY, 7, 0, 255, 7);
  RQ(0, NAN, -3, -128, 127, -3);
  RQ(0, INFINITY, 7, 10, 255, 10);  /* clamped into the range */
  RQ(5, NAN, 300, 0, 255, 255);
  /* the float tail alone */
  CHECK(qrt_requantize_f32_scalar(-0.5f, 0, -128, 127) == 0, "-0.5 -> 0");
  CHECK(qrt_requantize_f32_scalar(-1.5f, 0, -128, 127) == -2, "-1.5 -> -2");
  CHECK(qrt_requantize_f32_scalar(126.5f, 1, -128, 127) == 127, "126.5 -> 126 + 1");
  CHECK(qrt_requantize_f32_scalar(-INFINITY, 3, -128, 127) == -128, "-Inf");
  CHECK(qrt_requantize_f32_scalar(NAN, 3, -128, 127) == 3, "NaN");
  /* 32-bit output ranges stay in range (the float bounds are rounded there) */
  CHECK(qrt_requantize_f32_scalar(3e9f, 0, INT32_MIN, INT32_MAX) == INT32_MAX, "int32 range high");
  CHECK(qrt_requantize_f32_scalar(-3e9f, 0, INT32_MIN, INT32_MAX) == INT32_MIN, "int32 range low");
  /* Exhaustive against the formula spelled with nearbyintf over a window of
   * accumulators and multipliers (including dyadic ones, which tie often). */
  const float ms[6] = {0.5f, 0.25f, 0.125f, 0.0039215684f, 0.3333333f, 1.7f};
  int bad = 0;
  for (int mi = 0; mi < 6; mi++)
    for (int32_t acc = -70000; acc <= 70000; acc++) {
      const int32_t zp = (acc & 7) * 30 - 100; /* -100 .. 110 */
      const float v = (float)acc * ms[mi];
      float c = v < (float)(-128 - zp) ? (float)(-128 - zp) : v;
      c = c > (float)(127 - zp) ? (float)(127 - zp) : c;
      const int32_t want = (int32_t)nearbyintf(c) + zp;
      if (qrt_requantize_scalar(acc, ms[mi], zp, -128, 127) != want && bad++ < 5)
        fprintf(stderr, "FAIL requantize(%d, %a, %d) != %d\n", acc, (double)ms[mi], zp, want);
    }
  CHECK(bad == 0, "%d requantize mismatches against nearbyintf", bad);
}

static void test_clamp_range(void) {
  int32_t lo = 0, hi = 0;
  CHECK_OK(qrt_quant_clamp_range(-INFINITY, INFINITY, 0.1f, 128, 0, 255, &lo, &hi));
  CHECK(lo == 0 && hi == 255, "none: [%d, %d]", lo, hi);
  CHECK_OK(qrt_quant_clamp_range(0.0f, INFINITY, 0.1f, 128, 0, 255, &lo, &hi));
  CHECK(lo == 128 && hi == 255, "relu: [%d, %d]", lo, hi);
  CHECK_OK(qrt_quant_clamp_range(0.0f, 6.0f, 0.1f, -128, -128, 127, &lo, &hi));
  CHECK(lo == -128 && hi == -68, "relu6 s8: [%d, %d]", lo, hi); /* 6 / 0.1f = 60 (59.9999... rounds to 60) */
  CHECK_OK(qrt_quant_clamp_range(0.0f, 6.0f, 0.01f, 0, -128, 127, &lo, &hi));
  CHECK(lo == 0 && hi == 127, "relu6 beyond the range: [%d, %d]", lo, hi);
  CHECK_OK(qrt_quant_clamp_range(-1.0f, 1.0f, 0.02f, 10, 0, 255, &lo, &hi));
  CHECK(lo == 0 && hi == 60, "clip(-1, 1): [%d, %d]", lo, hi); /* -50 + 10 -> 0; 50 + 10 */
  CHECK_OK(qrt_quant_clamp_range(0.25f, 0.35f, 0.1f, 0, 0, 255, &lo, &hi));
  CHECK(lo == 2 && hi == 4, "ties: 2.5 -> 2, 3.5 -> 4: [%d, %d]", lo, hi);
  CHECK(qrt_quant_clamp_range(1.0f, 0.0f, 0.1f, 0, 0, 255, &lo, &hi) == QRT_INVALID_ARGUMENT, "lo > hi");
  CHECK(qrt_quant_clamp_range(NAN, 1.0f, 0.1f, 0, 0, 255, &lo, &hi) == QRT_INVALID_ARGUMENT, "NaN");
  CHECK(qrt_quant_clamp_range(0.0f, 1.0f, 0.0f, 0, 0, 255, &lo, &hi) == QRT_INVALID_ARGUMENT, "scale 0");
  CHECK(qrt_quant_clamp_range(0.0f, 1.0f, 0.1f, 300, 0, 255, &lo, &hi) == QRT_INVALID_ARGUMENT, "zp");
}

static void test_bias(void) {
  /* bias / (s_in * s_w): 0.5 / (0.5 * 0.5) = 2; 0.375 / 0.25 = 1.5 -> 2; 0.625 / 0.25 = 2.5 -> 2 */
  CHECK(qrt_quantize_bias_scalar(0.5f, 0.5f, 0.5f) == 2, "bias 2");
  CHECK(qrt_quantize_bias_scalar(0.375f, 0.5f, 0.5f) == 2, "bias 1.5");
  CHECK(qrt_quantize_bias_scalar(0.625f, 0.5f, 0.5f) == 2, "bias 2.5");
  CHECK(qrt_quantize_bias_scalar(-0.625f, 0.5f, 0.5f) == -2, "bias -2.5");
  /* saturation to the int32 range */
  CHECK(qrt_quantize_bias_scalar(1.0f, 1e-6f, 1e-6f) == INT32_MAX, "bias saturates high");
  CHECK(qrt_quantize_bias_scalar(-1.0f, 1e-6f, 1e-6f) == INT32_MIN, "bias saturates low");
  CHECK(qrt_quantize_bias_scalar(NAN, 0.5f, 0.5f) == 0, "NaN bias -> 0");
  /* the scale is the float32 product: 0.1f * 0.3f, then one division */
  const float s = 0.1f * 0.3f;
  CHECK(qrt_quantize_bias_scalar(12.345f, 0.1f, 0.3f) == qrt_quantize_f32_scalar(12.345f, s, 0, INT32_MIN, INT32_MAX),
        "bias scale is s_in * s_w in float32");
}

static void test_choose_params(void) {
  /* Expected values recorded from PyTorch 1.13 MinMaxObserver.calculate_qparams
   * on torch.tensor([min, max]) (the formula in qrt_quant.h). */
  static const struct {
    float min, max;
    int32_t qmin, qmax;
    int symmetric;
    float scale;
    int32_t zp;
  } cases[] = {
      {-1.0f, 3.0f, 0, 255, 0, 0x1.010102p-6f, 64},
      {-0.3f, 0.0f, -128, 127, 0, 0x1.34679cp-10f, 127},
      {-2.5f, 1.7f, -127, 127, 1, 0x1.42850ap-6f, 0},
      {-2.5f, 1.7f, -128, 127, 1, 0x1.414142p-6f, 0},
      {0.0f, 0.0f, 0, 255, 0, 0x1p-23f, 0},         /* all zero: the minimum scale */
      {-1.0f, 0.5f, 0, 255, 1, 0x1.010102p-7f, 128}, /* symmetric u8: zero point 128 */
      {0.1f, 0.7f, 0, 255, 0, 0x1.67ce34p-9f, 0},    /* the range is extended to 0 */
      {1e-12f, 2e-12f, -128, 127, 0, 0x1p-23f, -128},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    float s = 0;
    int32_t z = 99;
    CHECK_OK(qrt_quant_choose_params_min_scale(cases[i].min, cases[i].max, cases[i].qmin, cases[i].qmax,
                                               cases[i].symmetric, QRT_QUANT_TORCH_EPS, &s, &z));
    CHECK(s == cases[i].scale && z == cases[i].zp, "torch choose_params case %zu: scale %a zp %d, want %a %d", i,
          (double)s, z, (double)cases[i].scale, cases[i].zp);
    /* qcc's default differs only where PyTorch's eps clamps a non-empty range */
    const int clamped = i == sizeof cases / sizeof cases[0] - 1;
    s = 0, z = 99;
    CHECK_OK(qrt_quant_choose_params(cases[i].min, cases[i].max, cases[i].qmin, cases[i].qmax, cases[i].symmetric, &s, &z));
    if (!clamped)
      CHECK(s == cases[i].scale && z == cases[i].zp, "choose_params case %zu: scale %a zp %d, want %a %d", i,
            (double)s, z, (double)cases[i].scale, cases[i].zp);
  }
  /* the clamped case without the clamp: [0, 2e-12] over 255 steps */
  {
    float s = 0;
    int32_t z = 99;
    CHECK_OK(qrt_quant_choose_params(1e-12f, 2e-12f, -128, 127, 0, &s, &z));
    CHECK(s == 2e-12f / 255.0f && z == -128, "tiny range: scale %a zp %d, want %a -128", (double)s, z,
          (double)(2e-12f / 255.0f));
  }
  float s;
  int32_t z;
  CHECK(qrt_quant_choose_params(1.0f, 0.0f, 0, 255, 0, &s, &z) == QRT_INVALID_ARGUMENT, "min > max");
  CHECK(qrt_quant_choose_params(NAN, 0.0f, 0, 255, 0, &s, &z) == QRT_INVALID_ARGUMENT, "NaN");
  CHECK(qrt_quant_choose_params(-INFINITY, 0.0f, 0, 255, 0, &s, &z) == QRT_INVALID_ARGUMENT, "Inf");
  CHECK(qrt_quant_choose_params(0.0f, 1.0f, 5, 5, 0, &s, &z) == QRT_INVALID_ARGUMENT, "empty range");
  CHECK(qrt_quant_choose_params_min_scale(0.0f, 1.0f, 0, 255, 0, 0.0f, &s, &z) == QRT_INVALID_ARGUMENT, "floor 0");
  CHECK(qrt_quant_choose_params_min_scale(0.0f, 1.0f, 0, 255, 0, INFINITY, &s, &z) == QRT_INVALID_ARGUMENT,
        "floor inf");
}

/* The minimum scale: only an all-zero range gets 2^-23 (PyTorch's value);
 * a non-empty one is floored at 2^-63, where every derived quantity is still
 * a normal, finite float32. */
static void test_min_scale(void) {
  float s;
  int32_t z;
  /* all zero: 2^-23 in both modes, zero point as PyTorch */
  CHECK_OK(qrt_quant_choose_params(0.0f, 0.0f, 0, 255, 0, &s, &z));
  CHECK(s == 0x1p-23f && z == 0, "all zero u8 affine: %a %d", (double)s, z);
  CHECK_OK(qrt_quant_choose_params(0.0f, 0.0f, 0, 255, 1, &s, &z));
  CHECK(s == 0x1p-23f && z == 128, "all zero u8 symmetric: %a %d", (double)s, z);
  CHECK_OK(qrt_quant_choose_params(0.0f, 0.0f, -127, 127, 1, &s, &z));
  CHECK(s == 0x1p-23f && z == 0, "all zero s8 symmetric: %a %d", (double)s, z);
  /* a post-ReLU activation of mobilenet_v2 as exported: [0, 2.9e-8] */
  CHECK_OK(qrt_quant_choose_params(0.0f, 2.9e-8f, 0, 255, 0, &s, &z));
  CHECK(s == 2.9e-8f / 255.0f && z == 0, "[0, 2.9e-8]: %a %d", (double)s, z);
  CHECK(qrt_quantize_f32_scalar(2.9e-8f, s, z, 0, 255) == 255, "max maps to 255");
  CHECK(qrt_quantize_f32_scalar(1.0e-8f, s, z, 0, 255) == 88, "1e-8 maps to 88: %d",
        qrt_quantize_f32_scalar(1.0e-8f, s, z, 0, 255));
  /* PyTorch's floor zeroes it: 2.9e-8 / 2^-23 = 0.24 rounds to 0 */
  CHECK_OK(qrt_quant_choose_params_min_scale(0.0f, 2.9e-8f, 0, 255, 0, QRT_QUANT_TORCH_EPS, &s, &z));
  CHECK(s == 0x1p-23f && qrt_quantize_f32_scalar(2.9e-8f, s, z, 0, 255) == 0, "torch: 2.9e-8 -> 0");
  /* signed, both signs */
  CHECK_OK(qrt_quant_choose_params(-2.2e-9f, 2.6e-9f, 0, 255, 0, &s, &z));
  CHECK(s == (2.6e-9f - -2.2e-9f) / 255.0f && z == 117, "[-2.2e-9, 2.6e-9]: %a %d", (double)s, z);
  /* below the floor: 2^-63, zero point still exact */
  CHECK_OK(qrt_quant_choose_params(-1e-30f, 1e-30f, 0, 255, 0, &s, &z));
  CHECK(s == 0x1p-63f && z == 0, "[-1e-30, 1e-30]: %a %d", (double)s, z);
  CHECK_OK(qrt_quant_choose_params(0.0f, 1e-45f, -128, 127, 1, &s, &z)); /* scale underflows to 0 */
  CHECK(s == 0x1p-63f && z == 0, "denormal range: %a %d", (double)s, z);

  /* Derived quantities at the floor: s_in * s_w is FLT_MIN (normal, not 0) */
  const float f = QRT_QUANT_MIN_SCALE;
  const float prod = f * f;
  CHECK(prod == FLT_MIN && isnormal(prod), "2^-63 * 2^-63 = %a", (double)prod);
  CHECK(qrt_quantize_bias_scalar(3.0f * FLT_MIN, f, f) == 3, "bias at the floor");
  CHECK(qrt_quantize_bias_scalar(1e-20f, f, f) == INT32_MAX, "bias saturates, defined");
  float m = qrt_requant_multiplier(f, f, f);
  CHECK(m == f, "M = floor^2 / floor = %a", (double)m);
  m = qrt_requant_multiplier(1.0f, 1.0f, f);
  CHECK(isfinite(m) && m == 0x1p63f, "M = 1 / 2^-63 = %a", (double)m);
  CHECK(qrt_requantize_scalar(1, m, 0, -128, 127) == 127, "huge M saturates");
  m = qrt_requant_multiplier(f, f, 1e30f); /* underflows: the true result rounds to 0 anyway */
  CHECK(qrt_requantize_scalar(INT32_MAX, m, 3, 0, 255) == 3, "vanishing M gives the zero point");
  m = qrt_requant_pool_multiplier(1.0f, f, 49);
  CHECK(isfinite(m) && m > 0.0f, "pool multiplier at the floor %a", (double)m);
}

/* A Linear layer on activations of size 1e-9 (the regime of mobilenet_v2 as
 * exported): parameters chosen with the default floor keep the output within
 * about a quantization step of float; QGemm packing accepts the multipliers.
 * With PyTorch's floor the input quantizes to all zero points. */
static void test_tiny_gemm(void) {
  enum { M = 4, N = 3, K = 16 };
  float x[M * K], w[N * K], bias[N], ref[M * N];
  float xmin = 0, xmax = 0, ymin = 0, ymax = 0;
  for (int i = 0; i < M * K; i++) {
    x[i] = (float)((int)(rng_u32() % 2001) - 1000) * 1e-12f; /* [-1e-9, 1e-9] */
    xmin = x[i] < xmin ? x[i] : xmin, xmax = x[i] > xmax ? x[i] : xmax;
  }
  for (int i = 0; i < N * K; i++) w[i] = (float)((int)(rng_u32() % 201) - 100) * 1e-3f; /* [-0.1, 0.1] */
  for (int n = 0; n < N; n++) bias[n] = (float)(n - 1) * 1e-10f;
  for (int mm = 0; mm < M; mm++)
    for (int n = 0; n < N; n++) {
      double a = bias[n];
      for (int k = 0; k < K; k++) a += (double)x[mm * K + k] * (double)w[n * K + k];
      ref[mm * N + n] = (float)a;
      ymin = ref[mm * N + n] < ymin ? ref[mm * N + n] : ymin;
      ymax = ref[mm * N + n] > ymax ? ref[mm * N + n] : ymax;
    }
  for (int mode = 0; mode < 2; mode++) {
    const float floor_ = mode ? QRT_QUANT_TORCH_EPS : QRT_QUANT_MIN_SCALE;
    float sx, sy, sw[N];
    int32_t zx, zy, zw;
    CHECK_OK(qrt_quant_choose_params_min_scale(xmin, xmax, 0, 255, 0, floor_, &sx, &zx));
    CHECK_OK(qrt_quant_choose_params_min_scale(ymin, ymax, 0, 255, 0, floor_, &sy, &zy));
    uint8_t xq[M * K], yq[M * N];
    int8_t wq8[N * K];
    int32_t bq[N];
    for (int n = 0; n < N; n++) {
      float amax = 0;
      for (int k = 0; k < K; k++) amax = fabsf(w[n * K + k]) > amax ? fabsf(w[n * K + k]) : amax;
      CHECK_OK(qrt_quant_choose_params_min_scale(-amax, amax, -127, 127, 1, floor_, &sw[n], &zw));
      for (int k = 0; k < K; k++) wq8[n * K + k] = (int8_t)qrt_quantize_f32_scalar(w[n * K + k], sw[n], 0, -127, 127);
      bq[n] = qrt_quantize_bias_scalar(bias[n], sx, sw[n]);
      const float prod = sx * sw[n];
      CHECK(isnormal(prod), "bias scale %a is normal", (double)prod);
    }
    for (int i = 0; i < M * K; i++) xq[i] = (uint8_t)qrt_quantize_f32_scalar(x[i], sx, zx, 0, 255);
    qrt_q8_act_t xa = {QRT_DTYPE_U8, sx, zx};
    qrt_q8_weights_t wt = {QRT_DTYPE_I8, N, sw, 0, NULL};
    qrt_q8_output_t yo;
    qrt_q8_output_init(&yo, QRT_DTYPE_U8, sy, zy);
    static _Alignas(64) unsigned char scratch[1 << 16];
    CHECK(qrt_q8_gemm_unpacked_scratch_size(M, N, K) <= sizeof scratch, "scratch");
    CHECK_OK(qrt_q8_gemm(M, N, K, &xa, xq, K, &wt, wq8, bq, &yo, yq, N, scratch, sizeof scratch));
    double num = 0, den = 0;
    for (int i = 0; i < M * N; i++) {
      const double e = (double)qrt_dequantize_f32_scalar(yq[i], sy, zy) - ref[i];
      num += (double)ref[i] * ref[i], den += e * e;
    }
    const double sqnr = den > 0 ? 10 * log10(num / den) : 999;
    if (mode == 0)
      CHECK(sqnr > 25.0, "default floor: tiny gemm SQNR %.2f dB, want > 25", sqnr);
    else
      CHECK(sqnr < 1.0, "PyTorch's floor: tiny gemm SQNR %.2f dB (expected ~0: all zero)", sqnr);
  }
}

int main(void) {
  test_ties();
  test_saturation();
  test_nan();
  test_dequantize();
  test_per_axis();
  test_invalid();
  test_requant_multiplier();
  test_requantize();
  test_clamp_range();
  test_bias();
  test_choose_params();
  test_min_scale();
  test_tiny_gemm();
  printf("quant: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
