/* Cast: the defined results for NaN, Inf, out-of-range and fractional values,
 * f16 round trips (all 65536 half values), integer wrap-around; and the wider
 * type set of qrt_cast_typed (qrt_int.h): 16-bit and unsigned 32/64-bit
 * integers, f64 (one rounding to f16), bf16 (truncation). */
#include "qrt/qrt_int.h"
#include "test_util.h"

static void test_typed(void) {
  /* f64 -> f16 rounds once: 1 + 2^-11 + 2^-40 is just above a tie, so it
   * rounds up; through f32 it would first become the tie and round to even. */
  const double d[6] = {1.0 + 0x1p-11 + 0x1p-40, 1.0 + 0x1p-11, 65520.0, -0x1p-25, 0x1.8p-25, NAN};
  uint16_t h[6];
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F64, QRT_TYPE_F16, 6, d, h));
  CHECK(h[0] == 0x3c01, "f64 -> f16 single rounding: 0x%04x", h[0]);
  CHECK(h[1] == 0x3c00 && h[2] == 0x7c00 && h[3] == 0x8000 && h[4] == 0x0001, "f64 -> f16: %04x %04x %04x %04x",
        h[1], h[2], h[3], h[4]);
  CHECK((h[5] & 0x7c00) == 0x7c00 && (h[5] & 0x3ff), "f64 NaN -> f16 NaN: %04x", h[5]);
  double back[6];
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F16, QRT_TYPE_F64, 6, h, back));
  CHECK(back[0] == 1.0 + 0x1p-10 && isinf(back[2]) && isnan(back[5]), "f16 -> f64");
  /* f32 / f64 -> bf16 truncates the float32 bits (ONNX's reference) */
  const float f[5] = {0.47892547f, 1.0f + 0x1.fep-8f, -INFINITY, NAN, 3.0e38f};
  uint16_t b[5];
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F32, QRT_TYPE_BF16, 5, f, b));
  CHECK(b[0] == 16117 && b[1] == 0x3f80 && b[2] == 0xff80 && b[4] == 0x7f61, "f32 -> bf16: %u %04x %04x %04x", b[0],
        b[1], b[2], b[4]);
  CHECK((b[3] & 0x7f80) == 0x7f80 && (b[3] & 0x7f), "NaN stays NaN in bf16: %04x", b[3]);
  uint32_t nb = 0x7f800001u; /* a NaN whose payload is only in the low bits */
  float fn;
  memcpy(&fn, &nb, 4);
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F32, QRT_TYPE_BF16, 1, &fn, b));
  CHECK(b[0] != 0x7f80 && (b[0] & 0x7f80) == 0x7f80, "low-payload NaN does not become Inf: %04x", b[0]);
  float fb[2];
  const uint16_t bb[2] = {0x3f80, 0xc0a0};
  CHECK_OK(qrt_cast_typed(QRT_TYPE_BF16, QRT_TYPE_F32, 2, bb, fb));
  CHECK(fb[0] == 1.0f && fb[1] == -5.0f, "bf16 -> f32: %g %g", fb[0], fb[1]);
  /* float -> wide integers: truncation, saturation, NaN -> 0 */
  const double dv[6] = {-1.5, 1e30, -1e30, NAN, 4294967295.9, 18446744073709549568.0};
  uint64_t u64[6];
  uint32_t u32[6];
  int16_t i16[6];
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F64, QRT_TYPE_U64, 6, dv, u64));
  CHECK(u64[0] == 0 && u64[1] == UINT64_MAX && u64[2] == 0 && u64[3] == 0 && u64[4] == 4294967295u &&
            u64[5] == 18446744073709549568ull,
        "f64 -> u64");
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F64, QRT_TYPE_U32, 6, dv, u32));
  CHECK(u32[0] == 0 && u32[1] == UINT32_MAX && u32[4] == UINT32_MAX && u32[5] == UINT32_MAX, "f64 -> u32");
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F64, QRT_TYPE_I16, 6, dv, i16));
  CHECK(i16[0] == -1 && i16[1] == INT16_MAX && i16[2] == INT16_MIN && i16[3] == 0, "f64 -> i16");
  /* integers: wrap-around between widths and signedness; to float one rounding */
  const uint64_t big[3] = {UINT64_MAX, 0x8000000000000001ull, 70000};
  int16_t w16[3];
  float wf[3];
  double wd[3];
  CHECK_OK(qrt_cast_typed(QRT_TYPE_U64, QRT_TYPE_I16, 3, big, w16));
  CHECK(w16[0] == -1 && w16[1] == 1 && w16[2] == 4464, "u64 -> i16 wraps: %d %d %d", w16[0], w16[1], w16[2]);
  CHECK_OK(qrt_cast_typed(QRT_TYPE_U64, QRT_TYPE_F32, 3, big, wf));
  CHECK(wf[0] == 0x1p64f && wf[1] == 0x1p63f && wf[2] == 70000.0f, "u64 -> f32");
  CHECK_OK(qrt_cast_typed(QRT_TYPE_U64, QRT_TYPE_F64, 3, big, wd));
  CHECK(wd[0] == 0x1p64 && wd[2] == 70000.0, "u64 -> f64");
  const int16_t s16[2] = {-1, -32768};
  uint32_t su[2];
  int64_t sl[2];
  CHECK_OK(qrt_cast_typed(QRT_TYPE_I16, QRT_TYPE_U32, 2, s16, su));
  CHECK(su[0] == UINT32_MAX && su[1] == 0xffff8000u, "i16 -> u32 sign-extends then wraps");
  CHECK_OK(qrt_cast_typed(QRT_TYPE_I16, QRT_TYPE_I64, 2, s16, sl));
  CHECK(sl[0] == -1 && sl[1] == -32768, "i16 -> i64");
  uint16_t hh[2];
  const int64_t il[2] = {65519, -65520};
  CHECK_OK(qrt_cast_typed(QRT_TYPE_I64, QRT_TYPE_F16, 2, il, hh));
  CHECK(hh[0] == 0x7bff && hh[1] == 0xfc00, "i64 -> f16: %04x %04x", hh[0], hh[1]);
  uint8_t bl[3];
  const double bz[3] = {0.0, -0.0, NAN};
  CHECK_OK(qrt_cast_typed(QRT_TYPE_F64, QRT_TYPE_BOOL, 3, bz, bl));
  CHECK(bl[0] == 0 && bl[1] == 0 && bl[2] == 1, "f64 -> bool");
  CHECK(qrt_cast_typed(QRT_TYPE_COUNT_, QRT_TYPE_F32, 1, bz, bl) == QRT_INVALID_ARGUMENT, "bad type");
  CHECK(qrt_type_size(QRT_TYPE_BF16) == 2 && qrt_type_size(QRT_TYPE_U64) == 8, "sizes");
}

int main(void) {
  test_typed();
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
