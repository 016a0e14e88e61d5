/* Microbenchmark of the weight-only Linear kernels (qrt_wo.h) against the f32
 * gemm with pre-packed weights (qrt_f32_gemm_packed_b) on the same shapes,
 * same run. Not run by ctest.
 *
 * usage: qrt_bench_wo [reps] [filter]
 *   reps: timed calls per case (default 30; the scalar variant runs M = 1 only,
 *         3 calls); the best is reported.
 *   filter: only cases whose line contains it ("avx512f", "s4", "M=1 ", ...).
 * Shapes: y[M][N] = x[M][K] W^T, N x K = 4096 x 4096, 1024 x 4096, 4096 x 1024,
 * M = 1 (decode, a GEMV) and 16. Every variant this CPU has is packed
 * explicitly (qrt_wo_gemm_pack_isa; for f32 the ISA limit is set to the level
 * while packing and running).
 *   cold: each call reads another copy of the packed weights, copies
 *         cycling over >= 512 MB (5x this VM's 105 MB L3), so the weights come
 *         from DRAM as in a model whose weights do not fit the cache;
 *   hot:  the same copy every call (L2/L3-resident when small enough).
 * GB/s = packed weight bytes (weights + scales + zero points) / cold time.
 * vs f32 = f32 cold time / this cold time (same ISA level, same shape).
 * Times: the thread's CPU time (clock_gettime CLOCK_THREAD_CPUTIME_ID), as
 * qrt_bench_f32. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qrt/qrt_f32.h"
#include "qrt/qrt_wo.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static uint32_t g_rng = 12345;
static uint32_t rnd(void) {
  g_rng = g_rng * 1664525u + 1013904223u;
  return g_rng >> 8;
}

typedef struct {
  const char *name;
  qrt_wo_format_t fmt; /* -1: f32 */
  int64_t group;
} fmt_t;

static const fmt_t kFormats[] = {
    {"f32", (qrt_wo_format_t)-1, 0},    {"f16", QRT_WO_F16, 0},
    {"s8", QRT_WO_S8_CHANNEL, 0},       {"s4 g32", QRT_WO_S4_GROUP, 32},
    {"s4 g128", QRT_WO_S4_GROUP, 128},  {"u4 g32", QRT_WO_U4_GROUP, 32},
    {"u4 g128", QRT_WO_U4_GROUP, 128},
};
enum { NFMT = (int)(sizeof kFormats / sizeof kFormats[0]) };

typedef struct {
  int64_t n, k;
} shape_t;
static const shape_t kShapes[] = {{4096, 4096}, {1024, 4096}, {4096, 1024}};

/* Packs weights of format f for isa into one buffer; *out_size, *out_wbytes
 * (the bytes a call reads: weights, scales, zero points, no header). */
static void *pack(const fmt_t *f, qrt_isa_t isa, int64_t n, int64_t k, size_t *out_size, double *out_wbytes) {
  void *packed;
  if ((int)f->fmt < 0) {
    float *w = malloc(sizeof(float) * (size_t)(n * k));
    for (int64_t i = 0; i < n * k; i++) w[i] = (float)(rnd() % 2001) / 1000.0f - 1.0f;
    qrt_set_isa_limit(isa);
    *out_size = qrt_f32_gemm_pack_b_size(n, k);
    packed = malloc(*out_size);
    if (qrt_f32_gemm_pack_b(1, n, k, w, k, packed, *out_size) != QRT_OK) abort();
    free(w);
    *out_wbytes = 4.0 * (double)(n * k);
    return packed;
  }
  const int is4 = f->fmt == QRT_WO_S4_GROUP || f->fmt == QRT_WO_U4_GROUP;
  const int64_t g = is4 ? k / f->group : 1;
  uint16_t *q = malloc(2 * (size_t)(n * k));
  uint8_t *zp = malloc((size_t)(n * g));
  float *scales = malloc(sizeof(float) * (size_t)(n * g)), *bias = malloc(sizeof(float) * (size_t)n);
  for (int64_t i = 0; i < n * k; i++) {
    const uint32_t r = rnd();
    if (f->fmt == QRT_WO_F16) q[i] = (uint16_t)(0x3000 + r % 0x1000) | (uint16_t)(r & 0x8000);
    else if (f->fmt == QRT_WO_S8_CHANNEL) ((int8_t *)q)[i] = (int8_t)(r % 255 - 127);
    else if (f->fmt == QRT_WO_S4_GROUP) ((int8_t *)q)[i] = (int8_t)((int)(r % 16) - 8);
    else ((uint8_t *)q)[i] = (uint8_t)(r % 16);
  }
  for (int64_t i = 0; i < n * g; i++) scales[i] = 0.01f + (float)(rnd() % 100) * 1e-4f, zp[i] = (uint8_t)(rnd() % 16);
  for (int64_t i = 0; i < n; i++) bias[i] = 0.5f;
  *out_size = qrt_wo_gemm_packed_size(f->fmt, n, k, f->group);
  packed = malloc(*out_size);
  if (qrt_wo_gemm_pack_isa(isa, f->fmt, n, k, f->group, q, scales, zp, bias, packed, *out_size) != QRT_OK)
    abort();
  const double bpw = f->fmt == QRT_WO_F16 ? 2.0 : f->fmt == QRT_WO_S8_CHANNEL ? 1.0 : 0.5;
  *out_wbytes = bpw * (double)(n * k) + (double)(n * g) * (4.0 + (f->fmt == QRT_WO_U4_GROUP ? 1.0 : 0.0));
  free(q), free(zp), free(scales), free(bias);
  return packed;
}

static void call(const fmt_t *f, int64_t m, int64_t n, int64_t k, const float *x, const void *packed, float *y,
                 void *scr, size_t ss) {
  qrt_status_t s;
  if ((int)f->fmt < 0)
    s = qrt_f32_gemm_packed_b(0, m, n, k, 1.0f, x, k, packed, 0.0f, NULL, 0, 0, y, n, scr, ss);
  else
    s = qrt_wo_gemm(m, n, k, x, k, packed, y, n, scr, ss);
  if (s != QRT_OK) {
    fprintf(stderr, "%s: %s\n", f->name, qrt_status_string(s));
    exit(1);
  }
}

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 30;
  const char *filter = argc > 2 ? argv[2] : NULL;
  const qrt_isa_t cpu = qrt_cpu_isa();
  static const qrt_isa_t x86[] = {QRT_ISA_SCALAR, QRT_ISA_AVX2_FMA, QRT_ISA_AVX512F};
  static const qrt_isa_t arm[] = {QRT_ISA_SCALAR, QRT_ISA_NEON};
  const qrt_isa_t *isas = cpu >= QRT_ISA_NEON ? arm : x86;
  const int nisa = cpu >= QRT_ISA_NEON ? 2 : 3;
  printf("%-22s %-9s %-8s %9s %9s %8s %9s %8s\n", "shape", "isa", "format", "MB", "cold ms", "GB/s", "hot ms",
         "vs f32");
  for (int si = 0; si < 3; si++)
    for (int mi = 0; mi < 2; mi++)
      for (int vi = 0; vi < nisa; vi++) {
        const qrt_isa_t isa = isas[vi];
        if (isa > cpu) continue;
        const int64_t m = mi ? 16 : 1, n = kShapes[si].n, k = kShapes[si].k;
        if (isa == QRT_ISA_SCALAR && m > 1) continue;
        const int r = isa == QRT_ISA_SCALAR ? 3 : reps;
        double f32_cold = 0;
        for (int fi = 0; fi < NFMT; fi++) {
          const fmt_t *f = &kFormats[fi];
          char line[128];
          snprintf(line, sizeof line, "M=%lld N=%lld K=%lld %s %s", (long long)m, (long long)n, (long long)k,
                   qrt_isa_name(isa), f->name);
          if (filter && !strstr(line, filter) && fi > 0) continue;
          size_t size;
          double wbytes;
          void *p0 = pack(f, isa, n, k, &size, &wbytes);
          int copies = (int)((512u << 20) / size) + 1;
          if (copies > 64) copies = 64;
          void **cp = malloc(sizeof(void *) * (size_t)copies);
          cp[0] = p0;
          for (int c = 1; c < copies; c++) cp[c] = memcpy(malloc(size), p0, size);
          float *x = malloc(sizeof(float) * (size_t)(m * k)), *y = malloc(sizeof(float) * (size_t)(m * n));
          for (int64_t i = 0; i < m * k; i++) x[i] = (float)(rnd() % 2001) / 1000.0f - 1.0f;
          qrt_set_isa_limit(isa);
          const size_t ss = (int)f->fmt < 0 ? qrt_f32_gemm_packed_b_scratch_size(m, n, k)
                                            : qrt_wo_gemm_scratch_size(m, n, k);
          void *scr = ss ? malloc(ss) : NULL;
          double cold = 1e30, hot = 1e30;
          call(f, m, n, k, x, cp[0], y, scr, ss); /* warm up */
          for (int i = 0; i < r; i++) {
            const double t0 = now_ms();
            call(f, m, n, k, x, cp[(i + 1) % copies], y, scr, ss);
            const double t = now_ms() - t0;
            if (t < cold) cold = t;
          }
          for (int i = 0; i < r; i++) {
            const double t0 = now_ms();
            call(f, m, n, k, x, cp[0], y, scr, ss);
            const double t = now_ms() - t0;
            if (t < hot) hot = t;
          }
          if (fi == 0) f32_cold = cold;
          if (!filter || strstr(line, filter)) {
            char shape[40];
            snprintf(shape, sizeof shape, "M=%lld %lldx%lld", (long long)m, (long long)n, (long long)k);
            printf("%-22s %-9s %-8s %9.2f %9.3f %8.1f %9.3f %7.2fx\n", shape, qrt_isa_name(isa), f->name,
                   wbytes / 1e6, cold, wbytes / cold * 1e-6, hot, f32_cold / cold);
            fflush(stdout);
          }
          for (int c = 0; c < copies; c++) free(cp[c]);
          free(cp), free(x), free(y), free(scr);
        }
      }
  qrt_set_isa_limit(QRT_ISA_NATIVE);
  return 0;
}
