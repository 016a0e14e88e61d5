/* QuantizeLinear / DequantizeLinear reference kernels (qrt_quant.h) against
 * hand-computed values: ties to even, division (not reciprocal), zero points,
 * saturation, NaN, infinities, per-axis parameters. */
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

int main(void) {
  test_ties();
  test_saturation();
  test_nan();
  test_dequantize();
  test_per_axis();
  test_invalid();
  printf("quant: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}
