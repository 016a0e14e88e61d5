/* Cast between f32, f16, i8, u8, i32, i64 and bool, with every conversion
 * defined (qrt_data.h states the rules). Float -> int compares in float
 * against exactly representable bounds before converting, so the C conversion
 * is never out of range (which would be undefined behaviour). */
#include <math.h>
#include <string.h>

#include "qrt_internal.h"

size_t qrt_dtype_size(qrt_dtype_t t) {
  switch (t) {
    case QRT_DTYPE_F32: return 4;
    case QRT_DTYPE_F16: return 2;
    case QRT_DTYPE_I8: return 1;
    case QRT_DTYPE_U8: return 1;
    case QRT_DTYPE_I32: return 4;
    case QRT_DTYPE_I64: return 8;
    case QRT_DTYPE_BOOL: return 1;
  }
  return 0;
}

uint16_t qrt_f32_to_f16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t ex = (u >> 23) & 0xffu;
  uint32_t man = u & 0x7fffffu;
  if (ex == 0xff) /* Inf or NaN (keep a quiet NaN payload bit) */
    return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0));
  const int32_t e = (int32_t)ex - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00u); /* overflow */
  if (e <= 0) {                                   /* subnormal half or zero */
    if (e < -10) return (uint16_t)sign;
    man |= 0x800000u;
    const uint32_t shift = (uint32_t)(14 - e); /* 14..24 */
    uint32_t h = man >> shift;
    const uint32_t rem = man & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) h++;
    return (uint16_t)(sign | h);
  }
  uint32_t h = ((uint32_t)e << 10) | (man >> 13);
  const uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++; /* may carry into Inf: correct */
  return (uint16_t)(sign | h);
}

float qrt_f16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t ex = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  uint32_t u;
  if (ex == 0x1f) {
    u = sign | 0x7f800000u | (man << 13);
  } else if (ex == 0) {
    if (man == 0) {
      u = sign;
    } else { /* subnormal: value = man * 2^-24 */
      const float v = (float)man * 5.9604644775390625e-8f;
      memcpy(&u, &v, 4);
      u |= sign;
    }
  } else {
    u = sign | ((ex + 112u) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* float -> int64 with truncation, saturation to [lo, hi] and NaN -> 0.
 * lo/hi are given as floats that are exact powers of two (-2^(b-1), 2^(b-1)
 * or 2^b) so the comparisons are exact. */
static int64_t qrt_f2i(double v, double lo, double hi_excl, int64_t min, int64_t max) {
  if (v != v) return 0;
  if (v < lo) return min;
  if (v >= hi_excl) return max;
  return (int64_t)v; /* in range: truncation toward zero */
}

static double qrt_load_float(qrt_dtype_t t, const void *x, int64_t i) {
  if (t == QRT_DTYPE_F32) return ((const float *)x)[i];
  return qrt_f16_to_f32(((const uint16_t *)x)[i]);
}

static int qrt_is_float(qrt_dtype_t t) { return t == QRT_DTYPE_F32 || t == QRT_DTYPE_F16; }

static int64_t qrt_load_int(qrt_dtype_t t, const void *x, int64_t i) {
  switch (t) {
    case QRT_DTYPE_I8: return ((const int8_t *)x)[i];
    case QRT_DTYPE_U8: return ((const uint8_t *)x)[i];
    case QRT_DTYPE_I32: return ((const int32_t *)x)[i];
    case QRT_DTYPE_I64: return ((const int64_t *)x)[i];
    case QRT_DTYPE_BOOL: return ((const uint8_t *)x)[i] != 0;
    default: return 0;
  }
}

/* Two's complement wrap via unsigned arithmetic (no implementation-defined
 * signed narrowing). */
static void qrt_store_int(qrt_dtype_t t, void *y, int64_t i, int64_t v) {
  const uint64_t u = (uint64_t)v;
  switch (t) {
    case QRT_DTYPE_I8: {
      const uint8_t b = (uint8_t)u;
      memcpy((int8_t *)y + i, &b, 1);
      break;
    }
    case QRT_DTYPE_U8: ((uint8_t *)y)[i] = (uint8_t)u; break;
    case QRT_DTYPE_I32: {
      const uint32_t w = (uint32_t)u;
      memcpy((int32_t *)y + i, &w, 4);
      break;
    }
    case QRT_DTYPE_I64: ((int64_t *)y)[i] = v; break;
    case QRT_DTYPE_BOOL: ((uint8_t *)y)[i] = v != 0; break;
    default: break;
  }
}

qrt_status_t qrt_cast(qrt_dtype_t from, qrt_dtype_t to, int64_t n, const void *x, void *y) {
  if (n < 0 || qrt_dtype_size(from) == 0 || qrt_dtype_size(to) == 0) return QRT_INVALID_ARGUMENT;
  if (from == to) {
    memcpy(y, x, (size_t)n * qrt_dtype_size(from));
    return QRT_OK;
  }
  if (from == QRT_DTYPE_F32 && to == QRT_DTYPE_F16) {
    for (int64_t i = 0; i < n; i++) ((uint16_t *)y)[i] = qrt_f32_to_f16(((const float *)x)[i]);
    return QRT_OK;
  }
  if (from == QRT_DTYPE_F16 && to == QRT_DTYPE_F32) {
    for (int64_t i = 0; i < n; i++) ((float *)y)[i] = qrt_f16_to_f32(((const uint16_t *)x)[i]);
    return QRT_OK;
  }
  if (qrt_is_float(from)) {
    for (int64_t i = 0; i < n; i++) {
      const double v = qrt_load_float(from, x, i);
      int64_t r;
      switch (to) {
        case QRT_DTYPE_I8: r = qrt_f2i(v, -128.0, 128.0, -128, 127); break;
        case QRT_DTYPE_U8: r = qrt_f2i(v, 0.0, 256.0, 0, 255); break;
        case QRT_DTYPE_I32: r = qrt_f2i(v, -2147483648.0, 2147483648.0, INT32_MIN, INT32_MAX); break;
        case QRT_DTYPE_I64:
          r = qrt_f2i(v, -9223372036854775808.0, 9223372036854775808.0, INT64_MIN, INT64_MAX);
          break;
        default: r = v != 0.0; break; /* bool: NaN != 0 is true */
      }
      qrt_store_int(to, y, i, r);
    }
    return QRT_OK;
  }
  /* from an integer or bool */
  for (int64_t i = 0; i < n; i++) {
    const int64_t v = qrt_load_int(from, x, i);
    if (to == QRT_DTYPE_F32) ((float *)y)[i] = (float)v;
    else if (to == QRT_DTYPE_F16) ((uint16_t *)y)[i] = qrt_f32_to_f16((float)v);
    else qrt_store_int(to, y, i, v);
  }
  return QRT_OK;
}
