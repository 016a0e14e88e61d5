/* Helpers shared by the libqrt tests: a deterministic RNG, exact and
 * tolerance comparisons that print the first mismatch with its coordinates,
 * and a failure counter. Header-only; each test is one C program. */
#ifndef QRT_TEST_UTIL_H
#define QRT_TEST_UTIL_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrt/qrt_f32.h"
#include "qrt/qrt_q8.h"

#pragma GCC diagnostic ignored "-Wunused-function"

static int g_failures;
static int g_checks;

#define CHECK(cond, ...)                                               \
  do {                                                                 \
    g_checks++;                                                        \
    if (!(cond)) {                                                     \
      g_failures++;                                                    \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
      fprintf(stderr, __VA_ARGS__);                                    \
      fprintf(stderr, "\n");                                           \
    }                                                                  \
  } while (0)

#define CHECK_OK(expr)                                                                         \
  do {                                                                                         \
    qrt_status_t s_ = (expr);                                                                  \
    CHECK(s_ == QRT_OK, "%s returned %s", #expr, qrt_status_string(s_));                        \
  } while (0)

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint32_t rng_u32(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 16);
}
/* uniform in [-1, 1) */
static float rng_f(void) { return (float)(rng_u32() & 0xffffff) / 8388608.0f - 1.0f; }
static int64_t rng_range(int64_t lo, int64_t hi) { return lo + (int64_t)(rng_u32() % (uint32_t)(hi - lo + 1)); }
static void fill_rand(float *p, int64_t n) {
  for (int64_t i = 0; i < n; i++) p[i] = rng_f();
}

/* Renders a flat index as [i0, i1, ...] of shape. */
static const char *coords(int64_t rank, const int64_t *shape, int64_t flat) {
  static char buf[160];
  int64_t idx[8];
  for (int64_t d = rank - 1; d >= 0; d--) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  int n = snprintf(buf, sizeof buf, "[");
  for (int64_t d = 0; d < rank; d++)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%lld", d ? ", " : "", (long long)idx[d]);
  snprintf(buf + n, sizeof buf - (size_t)n, "]");
  return buf;
}

static int same_float(float a, float b) {
  if (a != a && b != b) return 1;
  return memcmp(&a, &b, 4) == 0 || a == b;
}

/* Bit-exact (NaN == NaN, +0 == -0). Returns 1 if equal. */
static int expect_equal(const char *what, int64_t rank, const int64_t *shape, const float *got,
                        const float *want) {
  int64_t n = 1;
  for (int64_t d = 0; d < rank; d++) n *= shape[d];
  g_checks++;
  for (int64_t i = 0; i < n; i++)
    if (!same_float(got[i], want[i])) {
      g_failures++;
      fprintf(stderr, "FAIL %s: first mismatch at %s: got %.9g, want %.9g\n", what,
              coords(rank, shape, i), got[i], want[i]);
      return 0;
    }
  return 1;
}

/* |got - want| <= tol[i] (tol per element) or tol_abs when tol is NULL. */
static int expect_near(const char *what, int64_t rank, const int64_t *shape, const float *got,
                       const float *want, const float *tol, float tol_abs) {
  int64_t n = 1;
  for (int64_t d = 0; d < rank; d++) n *= shape[d];
  g_checks++;
  for (int64_t i = 0; i < n; i++) {
    const float t = tol ? tol[i] : tol_abs;
    if (same_float(got[i], want[i])) continue;
    if (!(fabsf(got[i] - want[i]) <= t)) {
      g_failures++;
      fprintf(stderr, "FAIL %s: first mismatch at %s: got %.9g, want %.9g (tolerance %.3g)\n", what,
              coords(rank, shape, i), got[i], want[i], t);
      return 0;
    }
  }
  return 1;
}

static int test_finish(const char *name) {
  if (g_failures) {
    fprintf(stderr, "%s: %d of %d checks failed\n", name, g_failures, g_checks);
    return 1;
  }
  printf("%s: all %d checks passed\n", name, g_checks);
  return 0;
}

/* The ISA levels this machine can run, in order (scalar always first); out
 * holds at least QRT_TEST_MAX_ISAS entries. */
#define QRT_TEST_MAX_ISAS 5
static int isa_levels(qrt_isa_t *out) {
  static const qrt_isa_t x86[] = {QRT_ISA_AVX2_FMA, QRT_ISA_AVX512F, QRT_ISA_AVX512VNNI};
  static const qrt_isa_t arm[] = {QRT_ISA_NEON, QRT_ISA_DOTPROD};
  const qrt_isa_t cpu = qrt_cpu_isa();
  const int is_arm = cpu >= QRT_ISA_NEON;
  const qrt_isa_t *lv = is_arm ? arm : x86;
  const int nl = is_arm ? 2 : 3;
  int n = 0;
  out[n++] = QRT_ISA_SCALAR;
  for (int i = 0; i < nl; i++)
    if (cpu >= lv[i]) out[n++] = lv[i];
  return n;
}

/* isa_levels, and the amx level when the CPU has it (the int8 conv/Linear
 * have an amx row; the other kernels run their avx512vnni rows there). */
static int isa_levels_amx(qrt_isa_t *out) {
  int n = isa_levels(out);
  if (qrt_cpu_isa() == QRT_ISA_AMX) out[n++] = QRT_ISA_AMX;
  return n;
}

/* A kh x kw int8 convolution with zero s8 weights (u8 activations with zero
 * point 128, u8 output) packed for `isa`: malloc'd, its size in *size. For
 * tests of which row packs a shape, and of what a row refuses. */
static inline void *q8_pack_zero_conv(qrt_isa_t isa, const qrt_conv2d_params_t *p, int64_t ci, int64_t co,
                                      size_t *size) {
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.01f, 128};
  const float ws = 0.01f;
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, 1, &ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 1.0f, 0);
  int8_t *w = calloc((size_t)(co * ci / p->groups * p->kernel_h * p->kernel_w), 1);
  *size = qrt_q8_conv2d_packed_weights_size(p, ci, co);
  void *pk = malloc(*size);
  CHECK_OK(qrt_q8_conv2d_pack_weights_isa(isa, p, ci, co, &xq, &wq, w, NULL, &yq, pk, *size));
  free(w);
  return pk;
}

/* Each int8 conv/Linear row (runtime/src/q8_conv_gemm.c) this CPU has must
 * have packed some of the cases: counts[isa] = buffers packed for that row. */
static void check_q8_rows_ran(const int *counts) {
  static const qrt_isa_t rows[] = {QRT_ISA_AVX2_FMA, QRT_ISA_AVX512VNNI, QRT_ISA_NEON, QRT_ISA_DOTPROD};
  const qrt_isa_t cpu = qrt_cpu_isa();
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (cpu >= rows[i] && (cpu >= QRT_ISA_NEON) == (rows[i] >= QRT_ISA_NEON))
      CHECK(counts[rows[i]] > 0, "no case ran the %s row", qrt_isa_name(rows[i]));
}

#endif
