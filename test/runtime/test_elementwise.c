/* Binary ops with broadcasting, PRelu, Where, broadcast copy, unary ops:
 * against straightforward per-element references (bit-exact: the kernels
 * compute each element with the same float operations). */
#include "test_util.h"

static float ref_bin(qrt_binary_op_t op, float a, float b) {
  switch (op) {
    case QRT_BINARY_ADD: return a + b;
    case QRT_BINARY_SUB: return a - b;
    case QRT_BINARY_MUL: return a * b;
    case QRT_BINARY_DIV: return a / b;
    case QRT_BINARY_MAX: return (isnan(a) || isnan(b)) ? NAN : (a > b ? a : b);
    case QRT_BINARY_MIN: return (isnan(a) || isnan(b)) ? NAN : (a < b ? a : b);
    case QRT_BINARY_POW: return powf(a, b);
    case QRT_BINARY_PRELU: return a < 0 ? a * b : a;
  }
  return 0;
}

/* out shape [2,3,4,5]; a and b in various numpy-broadcast shapes */
static void test_binary(void) {
  const int64_t out[4] = {2, 3, 4, 5};
  const int64_t shapes[][5] = {/* rank, dims right-aligned */
                               {4, 2, 3, 4, 5}, {1, 5, 0, 0, 0}, {0, 0, 0, 0, 0}, {3, 3, 1, 5, 0},
                               {4, 2, 1, 4, 1}, {2, 4, 1, 0, 0}, {4, 1, 3, 1, 5}};
  const int ns = (int)(sizeof shapes / sizeof shapes[0]);
  float a[120], b[120], y[120], r[120];
  for (int op = QRT_BINARY_ADD; op <= QRT_BINARY_PRELU; op++)
    for (int i = 0; i < ns; i++)
      for (int j = 0; j < ns; j++) {
        int64_t as[4], bs[4];
        CHECK_OK(qrt_broadcast_strides(4, out, shapes[i][0], &shapes[i][1], as));
        CHECK_OK(qrt_broadcast_strides(4, out, shapes[j][0], &shapes[j][1], bs));
        fill_rand(a, 120);
        fill_rand(b, 120);
        if (op == QRT_BINARY_POW)
          for (int t = 0; t < 120; t++) a[t] = fabsf(a[t]) + 0.1f;
        CHECK_OK(qrt_f32_binary((qrt_binary_op_t)op, 4, out, a, as, b, bs, y));
        int64_t f = 0;
        for (int64_t i0 = 0; i0 < 2; i0++)
          for (int64_t i1 = 0; i1 < 3; i1++)
            for (int64_t i2 = 0; i2 < 4; i2++)
              for (int64_t i3 = 0; i3 < 5; i3++, f++)
                r[f] = ref_bin((qrt_binary_op_t)op,
                               a[i0 * as[0] + i1 * as[1] + i2 * as[2] + i3 * as[3]],
                               b[i0 * bs[0] + i1 * bs[1] + i2 * bs[2] + i3 * bs[3]]);
        char what[64];
        snprintf(what, sizeof what, "binary op %d shapes %d,%d", op, i, j);
        expect_equal(what, 4, out, y, r);
      }
  /* shapes that do not broadcast are rejected */
  int64_t st[4];
  const int64_t bad[1] = {3};
  CHECK(qrt_broadcast_strides(4, out, 1, bad, st) == QRT_INVALID_ARGUMENT, "[3] vs [..,5] accepted");
  /* in-place: y == a */
  float z[6] = {1, 2, 3, 4, 5, 6}, w[3] = {10, 20, 30};
  const int64_t s2[2] = {2, 3}, zs[2] = {3, 1}, ws[2] = {0, 1};
  CHECK_OK(qrt_f32_binary(QRT_BINARY_ADD, 2, s2, z, zs, w, ws, z));
  const float zr[6] = {11, 22, 33, 14, 25, 36};
  expect_equal("in-place add", 2, s2, z, zr);
}

static void test_prelu_where_expand(void) {
  const int64_t shape[4] = {1, 3, 2, 2};
  float x[12], slope[3] = {0.1f, 0.2f, 0.3f}, y[12], r[12];
  fill_rand(x, 12);
  int64_t ss[4];
  const int64_t sshape[3] = {3, 1, 1};
  CHECK_OK(qrt_broadcast_strides(4, shape, 3, sshape, ss));
  CHECK_OK(qrt_f32_prelu(4, shape, x, slope, ss, y));
  for (int i = 0; i < 12; i++) r[i] = x[i] < 0 ? x[i] * slope[i / 4] : x[i];
  expect_equal("prelu", 4, shape, y, r);

  const int64_t os[2] = {2, 3};
  const uint8_t cond[3] = {1, 0, 1};
  const float xa[2] = {1, 2}, za[1] = {-1};
  const int64_t cs[2] = {0, 1}, xs[2] = {1, 0}, zs[2] = {0, 0};
  float out[6];
  CHECK_OK(qrt_f32_where(2, os, cond, cs, xa, xs, za, zs, out));
  const float want[6] = {1, -1, 1, 2, -1, 2};
  expect_equal("where", 2, os, out, want);

  /* expand [3,1] -> [2,3,4] */
  const int64_t eo[3] = {2, 3, 4}, ei[2] = {3, 1};
  int64_t es[3];
  const float ex[3] = {7, 8, 9};
  float ey[24], er[24];
  CHECK_OK(qrt_broadcast_strides(3, eo, 2, ei, es));
  CHECK_OK(qrt_broadcast_copy(4, 3, eo, ex, es, ey));
  for (int i = 0; i < 24; i++) er[i] = ex[(i / 4) % 3];
  expect_equal("expand", 3, eo, ey, er);
}

static float ref_unary(qrt_unary_op_t op, float a, float b, float x) {
  switch (op) {
    case QRT_UNARY_RELU: return x < 0 ? 0 : x;
    case QRT_UNARY_LEAKY_RELU: return x < 0 ? a * x : x;
    case QRT_UNARY_CLIP: return x < a ? a : (x > b ? b : x);
    case QRT_UNARY_SIGMOID: return (float)(1.0 / (1.0 + exp(-(double)x)));
    case QRT_UNARY_TANH: return (float)tanh(x);
    case QRT_UNARY_HARD_SIGMOID: return fmaxf(0, fminf(1, a * x + b));
    case QRT_UNARY_HARD_SWISH: return x * fmaxf(0, fminf(1, x / 6 + 0.5f));
    case QRT_UNARY_GELU: return (float)(0.5 * x * (1 + erf(x / sqrt(2.0))));
    case QRT_UNARY_GELU_TANH:
      return (float)(0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * (double)x * x * x))));
    case QRT_UNARY_ERF: return (float)erf(x);
    case QRT_UNARY_EXP: return (float)exp(x);
    case QRT_UNARY_LOG: return (float)log(x);
    case QRT_UNARY_SQRT: return (float)sqrt(x);
    case QRT_UNARY_NEG: return -x;
    case QRT_UNARY_ABS: return fabsf(x);
    case QRT_UNARY_RECIPROCAL: return 1 / x;
    case QRT_UNARY_FLOOR: return floorf(x);
    case QRT_UNARY_CEIL: return ceilf(x);
    case QRT_UNARY_ROUND: return nearbyintf(x);
    case QRT_UNARY_ELU: return x < 0 ? (float)(a * (exp(x) - 1)) : x;
    case QRT_UNARY_SOFTPLUS: return (float)log1p(exp((double)x));
    case QRT_UNARY_SILU: return (float)(x / (1.0 + exp(-(double)x)));
  }
  return 0;
}

/* Unary ops against double-precision formulas: a few float ulps (libm's float
 * functions are within ~1-2 ulp; composite formulas add a few roundings). */
static void test_unary(void) {
  enum { N = 257 };
  float x[N], y[N], r[N], tol[N];
  for (int i = 0; i < N; i++) x[i] = (float)(i - 128) / 16.0f; /* [-8, 8], includes 0.5 ties */
  for (int op = QRT_UNARY_RELU; op <= QRT_UNARY_SILU; op++) {
    float xs[N];
    for (int i = 0; i < N; i++)
      xs[i] = (op == QRT_UNARY_LOG || op == QRT_UNARY_SQRT) ? fabsf(x[i]) + 0.01f : x[i];
    const float a = op == QRT_UNARY_CLIP ? -1.5f : (op == QRT_UNARY_HARD_SIGMOID ? 0.2f : 0.3f);
    const float b = op == QRT_UNARY_CLIP ? 2.0f : 0.5f;
    CHECK_OK(qrt_f32_unary((qrt_unary_op_t)op, a, b, N, xs, y));
    for (int i = 0; i < N; i++) {
      r[i] = ref_unary((qrt_unary_op_t)op, a, b, xs[i]);
      tol[i] = 8 * 0x1p-23f * fmaxf(fabsf(r[i]), 1e-6f) + (op == QRT_UNARY_GELU_TANH || op == QRT_UNARY_GELU ? 1e-7f : 0);
    }
    char what[32];
    snprintf(what, sizeof what, "unary op %d", op);
    const int64_t shape[1] = {N};
    expect_near(what, 1, shape, y, r, tol, 0);
  }
  /* in place */
  float z[3] = {-1, 0.5f, 2};
  CHECK_OK(qrt_f32_unary(QRT_UNARY_RELU, 0, 0, 3, z, z));
  CHECK(z[0] == 0 && z[1] == 0.5f && z[2] == 2, "in-place relu");
  /* round half to even */
  float h[4] = {0.5f, 1.5f, 2.5f, -0.5f}, hr[4];
  CHECK_OK(qrt_f32_unary(QRT_UNARY_ROUND, 0, 0, 4, h, hr));
  CHECK(hr[0] == 0 && hr[1] == 2 && hr[2] == 2 && hr[3] == 0, "round half to even");
}

/* qrt_f32_binary_clamp == qrt_f32_binary then a Clip, bit for bit: rows longer
 * than the kernel's clamp block (2048), broadcast b, NaN and -0 results,
 * in place, and Relu bounds (0, +inf). */
static void test_binary_clamp(void) {
  enum { R = 3, L = 2048 * 2 + 37 };
  static float a[R * L], b[L], y[R * L], r[R * L];
  const int64_t shape[2] = {R, L}, as[2] = {L, 1}, bs[2] = {0, 1};
  const float bounds[][2] = {{0.0f, INFINITY}, {0.0f, 6.0f}, {-0.25f, 0.25f}, {-INFINITY, 0.5f}};
  for (int op = QRT_BINARY_ADD; op <= QRT_BINARY_MIN; op++)
    for (int k = 0; k < 4; k++) {
      fill_rand(a, R * L);
      fill_rand(b, L);
      a[5] = NAN, a[L + 7] = -0.0f, b[7] = -0.0f, a[2 * L + 4099] = INFINITY;
      const float lo = bounds[k][0], hi = bounds[k][1];
      CHECK_OK(qrt_f32_binary((qrt_binary_op_t)op, 2, shape, a, as, b, bs, r));
      CHECK_OK(qrt_f32_unary(QRT_UNARY_CLIP, lo, hi, R * L, r, r));
      CHECK_OK(qrt_f32_binary_clamp((qrt_binary_op_t)op, 2, shape, a, as, b, bs, lo, hi, y));
      char what[64];
      snprintf(what, sizeof what, "binary_clamp op %d bounds %d", op, k);
      CHECK(!memcmp(y, r, sizeof y), what);
      CHECK_OK(qrt_f32_binary_clamp((qrt_binary_op_t)op, 2, shape, a, as, b, bs, lo, hi, a)); /* y == a */
      snprintf(what, sizeof what, "binary_clamp in place op %d bounds %d", op, k);
      CHECK(!memcmp(a, r, sizeof a), what);
    }
  CHECK(qrt_f32_binary_clamp((qrt_binary_op_t)99, 2, shape, a, as, b, bs, 0.0f, 1.0f, y) == QRT_INVALID_ARGUMENT,
        "unknown op accepted");
}

int main(void) {
  test_binary();
  test_binary_clamp();
  test_prelu_where_expand();
  test_unary();
  return test_finish("runtime.elementwise");
}
