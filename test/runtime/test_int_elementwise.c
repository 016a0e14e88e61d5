/* qrt_int.h: integer / f16 / f64 elementwise kernels against an independent
 * reference. The reference computes every integer result exactly in 128-bit
 * arithmetic and reduces it modulo 2^bits by hand (no reliance on C's
 * conversions), divides by the definition of truncation, and walks the
 * broadcast by explicit index arithmetic rather than strides. Also: mixed-type
 * Pow, NEG/ABS/RELU, Clip bounds, Where on every element size, and integer
 * max pooling checked against the f32 kernel on exactly converted values. */
#include "qrt/qrt_int.h"
#include "test_util.h"

typedef __int128 i128;

static const qrt_type_t k_int_types[] = {QRT_TYPE_I8,  QRT_TYPE_U8,  QRT_TYPE_I16, QRT_TYPE_U16,
                                         QRT_TYPE_I32, QRT_TYPE_U32, QRT_TYPE_I64, QRT_TYPE_U64};
static const char *type_name(qrt_type_t t) {
  switch (t) {
    case QRT_TYPE_I8: return "i8";
    case QRT_TYPE_U8: return "u8";
    case QRT_TYPE_I16: return "i16";
    case QRT_TYPE_U16: return "u16";
    case QRT_TYPE_I32: return "i32";
    case QRT_TYPE_U32: return "u32";
    case QRT_TYPE_I64: return "i64";
    case QRT_TYPE_U64: return "u64";
    default: return "?";
  }
}
static int is_signed(qrt_type_t t) {
  return t == QRT_TYPE_I8 || t == QRT_TYPE_I16 || t == QRT_TYPE_I32 || t == QRT_TYPE_I64;
}
static int bits_of(qrt_type_t t) { return (int)qrt_type_size(t) * 8; }

/* The true value of an element. */
static i128 get(qrt_type_t t, const void *p, int64_t i) {
  const unsigned char *b = (const unsigned char *)p + i * (int64_t)qrt_type_size(t);
  const int n = bits_of(t);
  unsigned __int128 u = 0;
  for (int k = n / 8 - 1; k >= 0; k--) u = (u << 8) | b[k]; /* little endian */
  if (is_signed(t) && (u >> (n - 1)) & 1) return (i128)u - ((i128)1 << n);
  return (i128)u;
}
/* Reduce v modulo 2^bits into the type's range (two's complement wrap). */
static i128 wrap(qrt_type_t t, i128 v) {
  const int n = bits_of(t);
  const i128 m = (i128)1 << (n == 64 ? 63 : n);
  i128 r;
  if (n == 64) { /* 2^64 does not fit a signed 128-bit shift comfortably: reduce in two halves */
    const unsigned __int128 mod = (unsigned __int128)1 << 64;
    unsigned __int128 u = (unsigned __int128)v % mod;
    r = (i128)u;
    if (is_signed(t) && r >= m) r -= (i128)mod;
    return r;
  }
  r = v % m;
  if (r < 0) r += m;
  if (is_signed(t) && r >= m / 2) r -= m;
  return r;
}
static void put(qrt_type_t t, void *p, int64_t i, i128 v) {
  unsigned char *b = (unsigned char *)p + i * (int64_t)qrt_type_size(t);
  unsigned __int128 u = (unsigned __int128)v;
  for (size_t k = 0; k < qrt_type_size(t); k++) b[k] = (unsigned char)(u >> (8 * k));
}
static i128 tmin(qrt_type_t t) { return is_signed(t) ? -((i128)1 << (bits_of(t) - 1)) : 0; }
static i128 tmax(qrt_type_t t) {
  return is_signed(t) ? ((i128)1 << (bits_of(t) - 1)) - 1 : ((i128)1 << bits_of(t)) - 1;
}

/* Product modulo 2^128 (unsigned: no overflow); wrap() keeps the low bits. */
static i128 mulw(i128 a, i128 b) { return (i128)((unsigned __int128)a * (unsigned __int128)b); }

static i128 ref_int(qrt_binary_op_t op, qrt_type_t t, i128 a, i128 b) {
  switch (op) {
    case QRT_BINARY_ADD: return wrap(t, a + b);
    case QRT_BINARY_SUB: return wrap(t, a - b);
    case QRT_BINARY_MUL: return wrap(t, mulw(a, b));
    case QRT_BINARY_DIV: {
      if (b == 0) return 0;
      i128 q = (a < 0 ? -a : a) / (b < 0 ? -b : b); /* |a| / |b|, then the sign: truncation */
      if ((a < 0) != (b < 0)) q = -q;
      return wrap(t, q);
    }
    case QRT_BINARY_MAX: return a > b ? a : b;
    case QRT_BINARY_MIN: return a < b ? a : b;
    case QRT_BINARY_POW: {
      if (b < 0) return a == 1 ? 1 : a == -1 ? ((b % 2) ? -1 : 1) : 0;
      i128 r = 1;
      for (i128 k = 0; k < b; k++) r = wrap(t, mulw(r, a)); /* exponent kept small by the caller */
      return r;
    }
    case QRT_BINARY_PRELU: return a < 0 ? wrap(t, mulw(a, b)) : a;
  }
  return 0;
}

/* A value drawn from the type's edges and small numbers. */
static i128 pick(qrt_type_t t, int small) {
  const uint32_t r = rng_u32() % 8;
  if (small) return is_signed(t) ? (i128)rng_range(-3, 3) : (i128)rng_range(0, 4);
  switch (r) {
    case 0: return tmin(t);
    case 1: return tmax(t);
    case 2: return 0;
    case 3: return is_signed(t) ? -1 : 1;
    case 4: return tmin(t) + 1;
    default: {
      i128 v = ((i128)rng_u32() << 32) | rng_u32();
      return wrap(t, v);
    }
  }
}

static void test_binary_ints(void) {
  /* y [3][5][4] = a [3][1][4] op b [5][4] */
  const int64_t ys[3] = {3, 5, 4}, as_shape[3] = {3, 1, 4}, bs_shape[2] = {5, 4};
  int64_t sa[3], sb[3];
  CHECK_OK(qrt_broadcast_strides(3, ys, 3, as_shape, sa));
  CHECK_OK(qrt_broadcast_strides(3, ys, 2, bs_shape, sb));
  static const qrt_binary_op_t ops[] = {QRT_BINARY_ADD, QRT_BINARY_SUB, QRT_BINARY_MUL, QRT_BINARY_DIV,
                                        QRT_BINARY_MAX, QRT_BINARY_MIN, QRT_BINARY_POW, QRT_BINARY_PRELU};
  static const char *names[] = {"add", "sub", "mul", "div", "max", "min", "pow", "prelu"};
  uint64_t a[12], b[20], y[60];
  for (size_t ti = 0; ti < sizeof k_int_types / sizeof *k_int_types; ti++) {
    const qrt_type_t t = k_int_types[ti];
    for (size_t oi = 0; oi < sizeof ops / sizeof *ops; oi++) {
      const qrt_binary_op_t op = ops[oi];
      for (int rep = 0; rep < 20; rep++) {
        for (int i = 0; i < 12; i++) put(t, a, i, pick(t, 0));
        for (int i = 0; i < 20; i++) put(t, b, i, pick(t, op == QRT_BINARY_POW));
        CHECK_OK(qrt_binary_typed(op, t, 3, ys, a, sa, b, sb, y));
        for (int64_t i = 0; i < 3; i++)
          for (int64_t j = 0; j < 5; j++)
            for (int64_t k = 0; k < 4; k++) {
              const i128 va = get(t, a, i * 4 + k), vb = get(t, b, j * 4 + k);
              const i128 want = ref_int(op, t, va, vb), got = get(t, y, (i * 5 + j) * 4 + k);
              if (got != want) {
                CHECK(got == want, "%s %s at [%lld, %lld, %lld]: %lld op %lld: got %lld want %lld", type_name(t),
                      names[oi], (long long)i, (long long)j, (long long)k, (long long)va, (long long)vb,
                      (long long)got, (long long)want);
                rep = 99, i = j = k = 99; /* first mismatch only */
              }
            }
      }
    }
  }
  /* named cases */
  int8_t x8[4] = {-128, 100, -7, 7}, d8[4] = {-1, 3, 2, -2}, r8[4];
  const int64_t s1 = 1, n4 = 4;
  CHECK_OK(qrt_binary_typed(QRT_BINARY_DIV, QRT_TYPE_I8, 1, &n4, x8, &s1, d8, &s1, r8));
  CHECK(r8[0] == -128 && r8[1] == 33 && r8[2] == -3 && r8[3] == -3, "i8 div: %d %d %d %d", r8[0], r8[1], r8[2],
        r8[3]);
  int64_t e64[1] = {INT64_MIN}, m1[1] = {-1}, r64[1];
  CHECK_OK(qrt_binary_typed(QRT_BINARY_DIV, QRT_TYPE_I64, 1, &s1, e64, &s1, m1, &s1, r64));
  CHECK(r64[0] == INT64_MIN, "INT64_MIN / -1 wraps: %lld", (long long)r64[0]);
  CHECK(qrt_binary_typed(QRT_BINARY_ADD, QRT_TYPE_BOOL, 1, &s1, x8, &s1, d8, &s1, r8) == QRT_UNSUPPORTED,
        "bool arithmetic is unsupported");
}

static void test_binary_floats(void) {
  const int64_t n = 9, s1 = 1;
  const double da[9] = {1.5, -2.0, NAN, 1e300, 0.1, -0.0, 3.0, 2.0, -1.0};
  const double db[9] = {0.25, 3.0, 1.0, 1e300, 0.2, 0.0, NAN, 0.5, 2.0};
  double dy[9];
  static const qrt_binary_op_t ops[] = {QRT_BINARY_ADD, QRT_BINARY_SUB, QRT_BINARY_MUL, QRT_BINARY_DIV,
                                        QRT_BINARY_MAX, QRT_BINARY_MIN, QRT_BINARY_POW, QRT_BINARY_PRELU};
  for (size_t oi = 0; oi < sizeof ops / sizeof *ops; oi++) {
    CHECK_OK(qrt_binary_typed(ops[oi], QRT_TYPE_F64, 1, &n, da, &s1, db, &s1, dy));
    for (int i = 0; i < 9; i++) {
      const double a = da[i], b = db[i];
      double w;
      switch (ops[oi]) {
        case QRT_BINARY_ADD: w = a + b; break;
        case QRT_BINARY_SUB: w = a - b; break;
        case QRT_BINARY_MUL: w = a * b; break;
        case QRT_BINARY_DIV: w = a / b; break;
        case QRT_BINARY_MAX: w = isnan(a) || isnan(b) ? NAN : fmax(a, b); break;
        case QRT_BINARY_MIN: w = isnan(a) || isnan(b) ? NAN : fmin(a, b); break;
        case QRT_BINARY_POW: w = pow(a, b); break;
        default: w = a < 0 ? a * b : a; break;
      }
      CHECK((isnan(w) && isnan(dy[i])) || w == dy[i], "f64 op %d elem %d: got %.17g want %.17g", (int)ops[oi], i,
            dy[i], w);
    }
  }
  /* f16: the float32 result rounded once */
  uint16_t ha[64], hb[64], hy[64];
  for (int i = 0; i < 64; i++) {
    ha[i] = qrt_f32_to_f16(rng_f() * 100.0f);
    hb[i] = qrt_f32_to_f16(rng_f() * 100.0f);
  }
  ha[0] = 0x7e00; /* NaN */
  const int64_t n64 = 64;
  for (size_t oi = 0; oi < 6; oi++) {
    CHECK_OK(qrt_binary_typed(ops[oi], QRT_TYPE_F16, 1, &n64, ha, &s1, hb, &s1, hy));
    for (int i = 0; i < 64; i++) {
      const float a = qrt_f16_to_f32(ha[i]), b = qrt_f16_to_f32(hb[i]);
      float w;
      switch (ops[oi]) {
        case QRT_BINARY_ADD: w = a + b; break;
        case QRT_BINARY_SUB: w = a - b; break;
        case QRT_BINARY_MUL: w = a * b; break;
        case QRT_BINARY_DIV: w = a / b; break;
        case QRT_BINARY_MAX: w = isnan(a) ? NAN : fmaxf(a, b); break;
        default: w = isnan(a) ? NAN : fminf(a, b); break;
      }
      const float got = qrt_f16_to_f32(hy[i]);
      CHECK(same_float(got, qrt_f16_to_f32(qrt_f32_to_f16(w))), "f16 op %d elem %d: got %g want %g", (int)ops[oi], i,
            got, w);
    }
  }
}

static void test_pow_mixed(void) {
  const int64_t n = 4, s1 = 1;
  /* float32 ^ int32 in double: 3^-2 rounds once */
  const float fa[4] = {1.0f, 2.0f, 3.0f, -2.0f};
  const int32_t ib[4] = {4, 5, -2, 3};
  float fy[4];
  CHECK_OK(qrt_pow_typed(QRT_TYPE_F32, QRT_TYPE_I32, 1, &n, fa, &s1, ib, &s1, fy));
  CHECK(fy[0] == 1.0f && fy[1] == 32.0f && fy[2] == (float)(1.0 / 9.0) && fy[3] == -8.0f, "f32^i32: %g %g %g %g",
        fy[0], fy[1], fy[2], fy[3]);
  /* int64 ^ float32: truncation toward zero, saturation */
  const int64_t la[4] = {2, 3, 10, -2};
  const float fb[4] = {0.5f, 5.0f, 30.0f, 3.0f};
  int64_t ly[4];
  CHECK_OK(qrt_pow_typed(QRT_TYPE_I64, QRT_TYPE_F32, 1, &n, la, &s1, fb, &s1, ly));
  CHECK(ly[0] == 1 && ly[1] == 243 && ly[2] == INT64_MAX && ly[3] == -8, "i64^f32: %lld %lld %lld %lld",
        (long long)ly[0], (long long)ly[1], (long long)ly[2], (long long)ly[3]);
  /* int8 ^ int64: exact, wrapped to int8; negative exponents */
  const int8_t ba[4] = {3, -1, 2, 1};
  const int64_t eb[4] = {5, -3, -1, -7};
  int8_t by[4];
  CHECK_OK(qrt_pow_typed(QRT_TYPE_I8, QRT_TYPE_I64, 1, &n, ba, &s1, eb, &s1, by));
  CHECK(by[0] == -13 && by[1] == -1 && by[2] == 0 && by[3] == 1, "i8^i64: %d %d %d %d", by[0], by[1], by[2], by[3]);
  /* uint32 ^ uint64 with a huge exponent: 2^(2^63) mod 2^32 = 0, 1^x = 1 */
  const uint32_t ua[4] = {2, 1, 3, 0};
  const uint64_t ue[4] = {(uint64_t)1 << 63, UINT64_MAX, 2, 0};
  uint32_t uy[4];
  CHECK_OK(qrt_pow_typed(QRT_TYPE_U32, QRT_TYPE_U64, 1, &n, ua, &s1, ue, &s1, uy));
  CHECK(uy[0] == 0 && uy[1] == 1 && uy[2] == 9 && uy[3] == 1, "u32^u64: %u %u %u %u", uy[0], uy[1], uy[2], uy[3]);
  /* broadcast: [2][2] ^ [2] */
  const int64_t ys[2] = {2, 2}, bshape[1] = {2};
  int64_t sa[2] = {2, 1}, sb[2];
  CHECK_OK(qrt_broadcast_strides(2, ys, 1, bshape, sb));
  const int32_t ma[4] = {2, 3, 4, 5};
  const double mb[2] = {2.0, 0.5};
  int32_t my[4];
  CHECK_OK(qrt_pow_typed(QRT_TYPE_I32, QRT_TYPE_F64, 2, ys, ma, sa, mb, sb, my));
  CHECK(my[0] == 4 && my[1] == 1 && my[2] == 16 && my[3] == 2, "i32^f64 broadcast: %d %d %d %d", my[0], my[1], my[2],
        my[3]);
}

static void test_unary_clip(void) {
  const int8_t x8[5] = {-128, -5, 0, 5, 127};
  int8_t y8[5];
  CHECK_OK(qrt_unary_typed(QRT_UNARY_NEG, QRT_TYPE_I8, 5, x8, y8));
  CHECK(y8[0] == -128 && y8[1] == 5 && y8[2] == 0 && y8[3] == -5 && y8[4] == -127, "i8 neg");
  CHECK_OK(qrt_unary_typed(QRT_UNARY_ABS, QRT_TYPE_I8, 5, x8, y8));
  CHECK(y8[0] == -128 && y8[1] == 5 && y8[3] == 5 && y8[4] == 127, "i8 abs");
  CHECK_OK(qrt_unary_typed(QRT_UNARY_RELU, QRT_TYPE_I8, 5, x8, y8));
  CHECK(y8[0] == 0 && y8[1] == 0 && y8[3] == 5 && y8[4] == 127, "i8 relu");
  const uint16_t xu[3] = {0, 1, 65535};
  uint16_t yu[3];
  CHECK_OK(qrt_unary_typed(QRT_UNARY_NEG, QRT_TYPE_U16, 3, xu, yu));
  CHECK(yu[0] == 0 && yu[1] == 65535 && yu[2] == 1, "u16 neg wraps");
  CHECK_OK(qrt_unary_typed(QRT_UNARY_ABS, QRT_TYPE_U16, 3, xu, yu));
  CHECK(yu[1] == 1 && yu[2] == 65535, "u16 abs is the identity");
  const double xd[3] = {-0.0, -2.5, NAN};
  double yd[3];
  CHECK_OK(qrt_unary_typed(QRT_UNARY_ABS, QRT_TYPE_F64, 3, xd, yd));
  CHECK(!signbit(yd[0]) && yd[1] == 2.5 && isnan(yd[2]), "f64 abs");
  CHECK(qrt_unary_typed(QRT_UNARY_EXP, QRT_TYPE_I32, 3, xd, yd) == QRT_UNSUPPORTED, "exp on i32 is unsupported");

  /* integer bounds: ceil(lo), floor(hi), saturated */
  const int8_t c8[6] = {-128, -1, 0, 3, 4, 127};
  int8_t z8[6];
  CHECK_OK(qrt_clip_typed(QRT_TYPE_I8, 6, c8, -0.5, 3.7, z8));
  CHECK(z8[0] == 0 && z8[1] == 0 && z8[2] == 0 && z8[3] == 3 && z8[4] == 3 && z8[5] == 3, "i8 clip [-0.5, 3.7]");
  CHECK_OK(qrt_clip_typed(QRT_TYPE_I8, 6, c8, -INFINITY, INFINITY, z8));
  CHECK(!memcmp(z8, c8, 6), "i8 clip without bounds is the identity");
  CHECK_OK(qrt_clip_typed(QRT_TYPE_I8, 6, c8, 5.0, 1.0, z8));
  CHECK(z8[0] == 1 && z8[5] == 1, "lo > hi: hi wins");
  const uint8_t cu[3] = {0, 100, 255};
  uint8_t zu[3];
  CHECK_OK(qrt_clip_typed(QRT_TYPE_U8, 3, cu, -1e9, 1e9, zu));
  CHECK(!memcmp(zu, cu, 3), "u8 clip with out-of-range bounds saturates them");
  CHECK_OK(qrt_clip_typed(QRT_TYPE_U8, 3, cu, 300.0, NAN, zu));
  CHECK(zu[0] == 255 && zu[1] == 255 && zu[2] == 255, "u8 lo above the range; NaN hi ignored");
  const int64_t c64[3] = {INT64_MIN, 0, INT64_MAX};
  int64_t z64[3];
  CHECK_OK(qrt_clip_typed(QRT_TYPE_I64, 3, c64, -4611686018427387904.0, 4611686018427387904.0, z64));
  CHECK(z64[0] == -4611686018427387904LL && z64[1] == 0 && z64[2] == 4611686018427387904LL, "i64 clip +-2^62");
  const double cd[3] = {NAN, -5.0, 5.0};
  double zd[3];
  CHECK_OK(qrt_clip_typed(QRT_TYPE_F64, 3, cd, -1.0, 1.0, zd));
  CHECK(isnan(zd[0]) && zd[1] == -1.0 && zd[2] == 1.0, "f64 clip keeps NaN");
}

static void test_where(void) {
  /* y [2][3] = cond [2][1] ? x [3] : z [] */
  const int64_t ys[2] = {2, 3}, cshape[2] = {2, 1}, xshape[1] = {3};
  int64_t sc[2], sx[2], sz[2];
  CHECK_OK(qrt_broadcast_strides(2, ys, 2, cshape, sc));
  CHECK_OK(qrt_broadcast_strides(2, ys, 1, xshape, sx));
  CHECK_OK(qrt_broadcast_strides(2, ys, 0, NULL, sz));
  const uint8_t cond[2] = {0, 7};
  const int64_t x8[3] = {INT64_MIN, 2, INT64_MAX}, z8[1] = {-9};
  int64_t y8[6];
  CHECK_OK(qrt_where_bytes(8, 2, ys, cond, sc, x8, sx, z8, sz, y8));
  CHECK(y8[0] == -9 && y8[2] == -9 && y8[3] == INT64_MIN && y8[4] == 2 && y8[5] == INT64_MAX, "where i64");
  const uint16_t x2[3] = {1, 2, 3}, z2[1] = {0xffff};
  uint16_t y2[6];
  CHECK_OK(qrt_where_bytes(2, 2, ys, cond, sc, x2, sx, z2, sz, y2));
  CHECK(y2[1] == 0xffff && y2[5] == 3, "where 2-byte");
  const uint8_t x1[3] = {1, 2, 3}, z1[1] = {200};
  uint8_t y1[6];
  CHECK_OK(qrt_where_bytes(1, 2, ys, cond, sc, x1, sx, z1, sz, y1));
  CHECK(y1[0] == 200 && y1[4] == 2, "where 1-byte");
  CHECK(qrt_where_bytes(3, 2, ys, cond, sc, x1, sx, z1, sz, y1) == QRT_INVALID_ARGUMENT, "elem size 3");
}

/* Integer max pooling equals the f32 kernel on the same (exactly converted)
 * values, except windows that hold only padding: lowest value of the type. */
static void test_max_pool(void) {
  qrt_pool2d_params_t p;
  qrt_pool2d_params_init(&p, 3, 2);
  p.stride_h = 2, p.stride_w = 1, p.pad_top = 1, p.pad_left = 1, p.pad_bottom = 2, p.pad_right = 1;
  p.dilation_h = 1, p.dilation_w = 2, p.ceil_mode = 1;
  const int64_t n = 2, c = 3, h = 7, w = 6;
  int64_t oh, ow;
  CHECK_OK(qrt_pool2d_output_size(&p, h, w, &oh, &ow));
  static uint8_t xu[2 * 3 * 7 * 6], yu[256];
  static int16_t xs[2 * 3 * 7 * 6], ys[256];
  static float xf[2 * 3 * 7 * 6], yf[256], xg[2 * 3 * 7 * 6], yg[256];
  for (int i = 0; i < 2 * 3 * 7 * 6; i++) {
    xu[i] = (uint8_t)rng_u32();
    xs[i] = (int16_t)(rng_u32() & 0xffff);
    xf[i] = (float)xu[i];
    xg[i] = (float)xs[i];
  }
  CHECK_OK(qrt_max_pool2d_typed(QRT_TYPE_U8, &p, n, c, h, w, xu, yu));
  CHECK_OK(qrt_max_pool2d_typed(QRT_TYPE_I16, &p, n, c, h, w, xs, ys));
  CHECK_OK(qrt_f32_max_pool2d(&p, n, c, h, w, xf, yf));
  CHECK_OK(qrt_f32_max_pool2d(&p, n, c, h, w, xg, yg));
  for (int64_t i = 0; i < n * c * oh * ow; i++) {
    CHECK((float)yu[i] == yf[i], "u8 max pool at %lld: %d vs %g", (long long)i, yu[i], yf[i]);
    CHECK((float)ys[i] == yg[i], "i16 max pool at %lld: %d vs %g", (long long)i, ys[i], yg[i]);
  }
  /* a 1x1 window on padding only */
  qrt_pool2d_params_init(&p, 1, 1);
  p.pad_top = 1;
  const int64_t one = 1;
  int32_t x32[2] = {5, -7}, y32[3];
  CHECK_OK(qrt_max_pool2d_typed(QRT_TYPE_I32, &p, one, one, 2, 1, x32, y32));
  CHECK(y32[0] == INT32_MIN && y32[1] == 5 && y32[2] == -7, "padding-only window: %d %d %d", y32[0], y32[1], y32[2]);
  uint16_t h16[2] = {0x3c00, 0x7e00}, o16[3];
  CHECK_OK(qrt_max_pool2d_typed(QRT_TYPE_F16, &p, one, one, 2, 1, h16, o16));
  CHECK(o16[0] == 0xfc00 && o16[1] == 0x3c00 && o16[2] == 0x7e00, "f16: -Inf, 1, NaN");
  CHECK(qrt_max_pool2d_typed(QRT_TYPE_BOOL, &p, one, one, 2, 1, h16, o16) == QRT_UNSUPPORTED, "bool");
}

int main(void) {
  test_binary_ints();
  test_binary_floats();
  test_pow_mixed();
  test_unary_clip();
  test_where();
  test_max_pool();
  return test_finish("runtime.int_elementwise");
}
