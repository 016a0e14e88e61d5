/* Cast: the defined results for NaN, Inf, out-of-range and fractional values,
 * f16 round trips (all 65536 half values), integer wrap-around. */
#include "test_util.h"

int main(void) {
  const float xf[10] = {NAN, INFINITY, -INFINITY, 1e10f, -1e10f, 2.9f, -2.9f, 127.5f, -128.9f, 0.0f};
  int8_t i8[10];
  uint8_t u8[10], bl[10];
  int32_t i32[10];
  int64_t i64[10];
  CHECK_OK(qrt_cast(QRT_DTYPE_F32, QRT_DTYPE_I8, 10, xf, i8));
  CHECK_OK(qrt_cast(QRT_DTYPE_F32, QRT_DTYPE_U8, 10, xf, u8));
  CHECK_OK(qrt_cast(QRT_DTYPE_F32, QRT_DTYPE_I32, 10, xf, i32));
  CHECK_OK(qrt_cast(QRT_DTYPE_F32, QRT_DTYPE_I64, 10, xf, i64));
  CHECK_OK(qrt_cast(QRT_DTYPE_F32, QRT_DTYPE_BOOL, 10, xf, bl));
  const int8_t w8[10] = {0, 127, -128, 127, -128, 2, -2, 127, -128, 0};
  const uint8_t wu[10] = {0, 255, 0, 255, 0, 2, 0, 127, 0, 0};
  const int32_t w32[10] = {0, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 2, -2, 127, -128, 0};
  const int64_t w64[10] = {0, INT64_MAX, INT64_MIN, 10000000000LL, -10000000000LL, 2, -2, 127, -128, 0};
  const uint8_t wb[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  for (int i = 0; i < 10; i++) {
    CHECK(i8[i] == w8[i], "f32 %g -> i8: got %d want %d", xf[i], i8[i], w8[i]);
    CHECK(u8[i] == wu[i], "f32 %g -> u8: got %d want %d", xf[i], u8[i], wu[i]);
    CHECK(i32[i] == w32[i], "f32 %g -> i32: got %d want %d", xf[i], i32[i], w32[i]);
    CHECK(i64[i] == w64[i], "f32 %g -> i64: got %lld", xf[i], (long long)i64[i]);
    CHECK(bl[i] == wb[i], "f32 %g -> bool: got %d", xf[i], bl[i]);
  }
  /* int -> int wraps, int -> float rounds to nearest even */
  const int32_t xi[4] = {300, -129, 16777217, 255};
  int8_t yi[4];
  float yf[4];
  CHECK_OK(qrt_cast(QRT_DTYPE_I32, QRT_DTYPE_I8, 4, xi, yi));
  CHECK(yi[0] == 44 && yi[1] == 127 && yi[3] == -1, "i32 -> i8 wrap: %d %d %d", yi[0], yi[1], yi[3]);
  CHECK_OK(qrt_cast(QRT_DTYPE_I32, QRT_DTYPE_F32, 4, xi, yf));
  CHECK(yf[2] == 16777216.0f, "i32 -> f32 rounding: %.1f", yf[2]);
  const uint8_t xb[3] = {0, 1, 7};
  float fb[3];
  CHECK_OK(qrt_cast(QRT_DTYPE_BOOL, QRT_DTYPE_F32, 3, xb, fb));
  CHECK(fb[0] == 0 && fb[1] == 1 && fb[2] == 1, "bool -> f32");
  /* f16: every half value round-trips through f32 exactly */
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    const float f = qrt_f16_to_f32((uint16_t)h);
    const uint16_t back = qrt_f32_to_f16(f);
    const int is_nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff);
    if (is_nan ? !(isnan(f) && ((back >> 10) & 0x1f) == 0x1f && (back & 0x3ff)) : back != h) {
      if (!bad) fprintf(stderr, "FAIL f16 round trip 0x%04x -> %g -> 0x%04x\n", h, f, back);
      bad++;
    }
  }
  CHECK(bad == 0, "%d f16 values do not round-trip", bad);
  /* f32 -> f16 rounding: ties to even, overflow, subnormals */
  CHECK(qrt_f32_to_f16(1.0f + 0x1p-11f) == 0x3c00, "tie to even down");
  CHECK(qrt_f32_to_f16(1.0f + 3 * 0x1p-11f) == 0x3c02, "tie to even up");
  CHECK(qrt_f32_to_f16(65520.0f) == 0x7c00, "65520 -> Inf");
  CHECK(qrt_f32_to_f16(65519.0f) == 0x7bff, "65519 -> 65504");
  CHECK(qrt_f32_to_f16(0x1p-24f) == 0x0001, "smallest subnormal");
  CHECK(qrt_f32_to_f16(0x1p-25f) == 0x0000, "half of smallest subnormal ties to 0");
  CHECK(qrt_f32_to_f16(0x1.8p-25f) == 0x0001, "0.75 of smallest subnormal rounds up");
  CHECK(qrt_f32_to_f16(-0.0f) == 0x8000, "-0");
  CHECK(fabsf(qrt_f16_to_f32(0x3555) - 0.333251953f) < 1e-9f, "0x3555");
  return test_finish("runtime.cast");
}
