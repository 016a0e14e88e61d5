/* Cast between every numeric type qrt knows (qrt_int.h's qrt_type_t: bool,
 * 8/16/32/64-bit signed and unsigned integers, f16, bf16, f32, f64), with
 * every conversion defined (qrt_data.h and qrt_int.h state the rules).
 *
 * How the rules are met without undefined behaviour:
 *  - Integers travel as 64-bit two's complement bit patterns (sign- or
 *    zero-extended on load, truncated on store through unsigned types), so
 *    int -> int is the wrap-around numpy's astype gives.
 *  - Float -> int compares in double against exactly representable power-of-
 *    two bounds before converting, so the C conversion is never out of range.
 *  - Floats travel as double, which holds f16, bf16 and f32 exactly; the one
 *    rounding to the target happens in the final conversion (C's double ->
 *    float conversion rounds to nearest even; f16 has its own rounding from
 *    double). Int -> f32 uses C's int64 -> float conversion (one rounding),
 *    not a detour through double. */
#include <math.h>
#include <string.h>

#include "qrt/qrt_int.h"
#include "qrt_internal.h"

size_t qrt_type_size(qrt_type_t t) {
  switch (t) {
    case QRT_TYPE_BOOL:
    case QRT_TYPE_I8:
    case QRT_TYPE_U8: return 1;
    case QRT_TYPE_I16:
    case QRT_TYPE_U16:
    case QRT_TYPE_F16:
    case QRT_TYPE_BF16: return 2;
    case QRT_TYPE_I32:
    case QRT_TYPE_U32:
    case QRT_TYPE_F32: return 4;
    case QRT_TYPE_I64:
    case QRT_TYPE_U64:
    case QRT_TYPE_F64: return 8;
    case QRT_TYPE_COUNT_: break;
  }
  return 0;
}

int qrt_type_is_float(qrt_type_t t) {
  return t == QRT_TYPE_F16 || t == QRT_TYPE_BF16 || t == QRT_TYPE_F32 || t == QRT_TYPE_F64;
}

size_t qrt_dtype_size(qrt_dtype_t t) {
  switch (t) {
    case QRT_DTYPE_F32:
    case QRT_DTYPE_F16:
    case QRT_DTYPE_I8:
    case QRT_DTYPE_U8:
    case QRT_DTYPE_I32:
    case QRT_DTYPE_I64:
    case QRT_DTYPE_BOOL: return qrt_type_size((qrt_type_t)t);
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

/* The same algorithm from binary64: 52 mantissa bits, bias 1023. */
uint16_t qrt_f64_to_f16(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  const uint32_t sign = (uint32_t)(u >> 48) & 0x8000u;
  const uint32_t ex = (uint32_t)(u >> 52) & 0x7ffu;
  uint64_t man = u & 0xfffffffffffffull;
  if (ex == 0x7ff) return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (uint32_t)(man >> 42) : 0));
  const int32_t e = (int32_t)ex - 1023 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return (uint16_t)sign; /* below half the smallest subnormal (or a tie to 0) */
    man |= 1ull << 52;
    const uint32_t shift = (uint32_t)(43 - e); /* 43..53 */
    uint64_t h = man >> shift;
    const uint64_t rem = man & ((1ull << shift) - 1u), half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) h++;
    return (uint16_t)(sign | (uint32_t)h);
  }
  uint32_t h = ((uint32_t)e << 10) | (uint32_t)(man >> 42);
  const uint64_t rem = man & ((1ull << 42) - 1u), half = 1ull << 41;
  if (rem > half || (rem == half && (h & 1u))) h++;
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

uint16_t qrt_f32_to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u); /* NaN: stay NaN, quiet */
  return (uint16_t)(u >> 16);
}

float qrt_bf16_to_f32(uint16_t b) {
  const uint32_t u = (uint32_t)b << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static int qrt_type_signed(qrt_type_t t) {
  return t == QRT_TYPE_I8 || t == QRT_TYPE_I16 || t == QRT_TYPE_I32 || t == QRT_TYPE_I64;
}

static double qrt_load_float(qrt_type_t t, const void *x, int64_t i) {
  switch (t) {
    case QRT_TYPE_F16: return qrt_f16_to_f32(((const uint16_t *)x)[i]);
    case QRT_TYPE_BF16: return qrt_bf16_to_f32(((const uint16_t *)x)[i]);
    case QRT_TYPE_F32: return ((const float *)x)[i];
    default: return ((const double *)x)[i];
  }
}

/* An integer (or bool) element as a 64-bit two's complement pattern. */
static uint64_t qrt_load_bits(qrt_type_t t, const void *x, int64_t i) {
  switch (t) {
    case QRT_TYPE_BOOL: return ((const uint8_t *)x)[i] != 0;
    case QRT_TYPE_I8: return (uint64_t)(int64_t)((const int8_t *)x)[i];
    case QRT_TYPE_U8: return ((const uint8_t *)x)[i];
    case QRT_TYPE_I16: return (uint64_t)(int64_t)((const int16_t *)x)[i];
    case QRT_TYPE_U16: return ((const uint16_t *)x)[i];
    case QRT_TYPE_I32: return (uint64_t)(int64_t)((const int32_t *)x)[i];
    case QRT_TYPE_U32: return ((const uint32_t *)x)[i];
    case QRT_TYPE_I64: return (uint64_t)((const int64_t *)x)[i];
    default: return ((const uint64_t *)x)[i];
  }
}

/* Store the low bits (through unsigned types: no implementation-defined
 * signed narrowing). */
static void qrt_store_bits(qrt_type_t t, void *y, int64_t i, uint64_t v) {
  switch (t) {
    case QRT_TYPE_BOOL: ((uint8_t *)y)[i] = v != 0; break;
    case QRT_TYPE_I8:
    case QRT_TYPE_U8: ((uint8_t *)y)[i] = (uint8_t)v; break;
    case QRT_TYPE_I16:
    case QRT_TYPE_U16: ((uint16_t *)y)[i] = (uint16_t)v; break;
    case QRT_TYPE_I32:
    case QRT_TYPE_U32: ((uint32_t *)y)[i] = (uint32_t)v; break;
    default: ((uint64_t *)y)[i] = v; break;
  }
}

static void qrt_store_float(qrt_type_t t, void *y, int64_t i, double v) {
  switch (t) {
    case QRT_TYPE_F16: ((uint16_t *)y)[i] = qrt_f64_to_f16(v); break;
    case QRT_TYPE_BF16: ((uint16_t *)y)[i] = qrt_f32_to_bf16((float)v); break;
    case QRT_TYPE_F32: ((float *)y)[i] = (float)v; break;
    default: ((double *)y)[i] = v; break;
  }
}

/* float -> integer type t: truncation toward zero, saturation, NaN -> 0,
 * returned as the bit pattern to store. The bounds are powers of two, exact
 * in double, so the comparisons are exact. */
static uint64_t qrt_float_to_bits(qrt_type_t t, double v) {
  if (t == QRT_TYPE_BOOL) return v != 0.0; /* NaN != 0 is true, as numpy */
  if (v != v) return 0;
  const int bits = (int)qrt_type_size(t) * 8;
  if (qrt_type_signed(t)) {
    const double lim = ldexp(1.0, bits - 1); /* -lim .. lim exclusive */
    const int64_t max = (int64_t)(((uint64_t)1 << (bits - 1)) - 1u);
    if (v < -lim) return (uint64_t)(-max - 1);
    if (v >= lim) return (uint64_t)max;
    return (uint64_t)(int64_t)v;
  }
  const double lim = ldexp(1.0, bits);
  if (v <= -1.0) return 0; /* (-1, 0) truncates to 0 below */
  if (v >= lim) return bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1u;
  return v < 0.0 ? 0 : (uint64_t)v;
}

/* Integer pattern (signed or not per type `from`) -> float type `to`, one rounding. */
static void qrt_store_int_as_float(qrt_type_t from, qrt_type_t to, void *y, int64_t i, uint64_t bits) {
  const int s = qrt_type_signed(from);
  switch (to) {
    case QRT_TYPE_F64: ((double *)y)[i] = s ? (double)(int64_t)bits : (double)bits; break;
    case QRT_TYPE_F32: ((float *)y)[i] = s ? (float)(int64_t)bits : (float)bits; break;
    case QRT_TYPE_BF16:
      ((uint16_t *)y)[i] = qrt_f32_to_bf16(s ? (float)(int64_t)bits : (float)bits);
      break;
    default: {
      /* f16: |v| <= 2^53 converts to double exactly; anything larger is far
       * above the f16 range (65520 rounds to Inf), so the rounding of the
       * double does not matter. */
      const double d = s ? (double)(int64_t)bits : (double)bits;
      ((uint16_t *)y)[i] = qrt_f64_to_f16(d);
      break;
    }
  }
}

qrt_status_t qrt_cast_typed(qrt_type_t from, qrt_type_t to, int64_t n, const void *x, void *y) {
  if (n < 0 || qrt_type_size(from) == 0 || qrt_type_size(to) == 0) return QRT_INVALID_ARGUMENT;
  if (n && (!x || !y)) return QRT_INVALID_ARGUMENT;
  if (from == to) {
    memcpy(y, x, (size_t)n * qrt_type_size(from));
    return QRT_OK;
  }
  const int ff = qrt_type_is_float(from), tf = qrt_type_is_float(to);
  if (from == QRT_TYPE_F32 && to == QRT_TYPE_F16) {
    for (int64_t i = 0; i < n; i++) ((uint16_t *)y)[i] = qrt_f32_to_f16(((const float *)x)[i]);
  } else if (ff && tf) {
    for (int64_t i = 0; i < n; i++) qrt_store_float(to, y, i, qrt_load_float(from, x, i));
  } else if (ff) {
    for (int64_t i = 0; i < n; i++) qrt_store_bits(to, y, i, qrt_float_to_bits(to, qrt_load_float(from, x, i)));
  } else if (tf) {
    for (int64_t i = 0; i < n; i++) qrt_store_int_as_float(from, to, y, i, qrt_load_bits(from, x, i));
  } else {
    for (int64_t i = 0; i < n; i++) qrt_store_bits(to, y, i, qrt_load_bits(from, x, i));
  }
  return QRT_OK;
}

qrt_status_t qrt_cast(qrt_dtype_t from, qrt_dtype_t to, int64_t n, const void *x, void *y) {
  if (qrt_dtype_size(from) == 0 || qrt_dtype_size(to) == 0) return QRT_INVALID_ARGUMENT;
  return qrt_cast_typed((qrt_type_t)from, (qrt_type_t)to, n, x, y);
}
