/* Microbenchmark of the int8 QConv2d / QGemm variants on the convolutions of
 * resnet18 and on mobilenet_v2's pointwise (1x1) convolutions (and two of its
 * depthwise layers), batch 1, one thread. Not run by ctest.
 *
 * usage: qrt_bench_q8 [reps] [filter] [isa] [threads]
 *   reps: calls per shape and variant (default 10; the scalar variant runs at
 *         most 2); the best time is reported.
 *   filter: only layers whose name contains it ("3x3", "@7", "dw", "fc", ...;
 *           "" for all; "1x1/1" is mobilenet_v2's pointwise layers, with their total).
 *   isa: only that variant (a qrt_isa_name: "avx512vnni", "amx", "avx2_fma", ...;
 *        "" for all).
 *   threads: run the `_mt` kernels on a pool of that many threads (default 1);
 *            above 1 the times are wall-clock, not CPU time.
 * Every variant this CPU has is packed explicitly (qrt_q8_conv2d_pack_weights_isa)
 * and timed on the same data: u8 activations (zero point 128), s8 symmetric
 * per-channel weights, u8 output with a fused Relu range. GOP/s counts a
 * multiply-add as 2 operations. Times are the thread's CPU time, as
 * qrt_bench_f32. The model total is sum over layers of count x best time. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"

static qrt_pool_t g_pool; /* threads > 1 only */
static qrt_pool_t *g_pool_p;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(g_pool_p ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* count, c_in, spatial size, c_out, kernel, stride, pad, groups (gemm: kernel 0, hw = M) */
typedef struct {
  int count, c_in, hw, c_out, kernel, stride, pad, groups;
} shape_t;

static const shape_t kShapes[] = {
    {1, 3, 224, 64, 7, 2, 3, 1},   {4, 64, 56, 64, 3, 1, 1, 1},   {1, 64, 56, 128, 3, 2, 1, 1},
    {1, 64, 56, 128, 1, 2, 0, 1},  {3, 128, 28, 128, 3, 1, 1, 1}, {1, 128, 28, 256, 3, 2, 1, 1},
    {1, 128, 28, 256, 1, 2, 0, 1}, {3, 256, 14, 256, 3, 1, 1, 1}, {1, 256, 14, 512, 3, 2, 1, 1},
    {1, 256, 14, 512, 1, 2, 0, 1}, {3, 512, 7, 512, 3, 1, 1, 1},  {1, 512, 1, 1000, 0, 1, 0, 1},
    /* mobilenet_v2 samples (not in the resnet18 total) */
    {0, 32, 112, 32, 3, 1, 1, 32}, {0, 144, 56, 144, 3, 1, 1, 144}, {0, 3, 224, 32, 3, 2, 1, 1},
    /* mobilenet_v2's pointwise (1x1) convolutions, all of them: the "mobilenet_v2 1x1" total */
    {1, 32, 112, 16, 1, 1, 0, 1},  {1, 16, 112, 96, 1, 1, 0, 1},  {1, 96, 56, 24, 1, 1, 0, 1},
    {2, 24, 56, 144, 1, 1, 0, 1},  {1, 144, 56, 24, 1, 1, 0, 1},  {1, 144, 28, 32, 1, 1, 0, 1},
    {3, 32, 28, 192, 1, 1, 0, 1},  {2, 192, 28, 32, 1, 1, 0, 1},  {1, 192, 14, 64, 1, 1, 0, 1},
    {4, 64, 14, 384, 1, 1, 0, 1},  {3, 384, 14, 64, 1, 1, 0, 1},  {1, 384, 14, 96, 1, 1, 0, 1},
    {3, 96, 14, 576, 1, 1, 0, 1},  {2, 576, 14, 96, 1, 1, 0, 1},  {1, 576, 7, 160, 1, 1, 0, 1},
    {3, 160, 7, 960, 1, 1, 0, 1},  {2, 960, 7, 160, 1, 1, 0, 1},  {1, 960, 7, 320, 1, 1, 0, 1},
    {1, 320, 7, 1280, 1, 1, 0, 1},
};
enum { N_RESNET = 12, FIRST_PW = 15 };

static void shape_name(const shape_t *s, char *buf, size_t n) {
  if (s->kernel == 0)
    snprintf(buf, n, "fc %d->%d (M=%d)", s->c_in, s->c_out, s->hw);
  else if (s->groups > 1)
    snprintf(buf, n, "dw %dx%d/%d %d @%d", s->kernel, s->kernel, s->stride, s->c_in, s->hw);
  else
    snprintf(buf, n, "%dx%d/%d %d->%d @%d", s->kernel, s->kernel, s->stride, s->c_in, s->c_out, s->hw);
}

static void *bytes(size_t n, unsigned seed) {
  uint8_t *p = malloc(n + 64);
  for (size_t i = 0; i < n + 64; i++) p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
  return p;
}

/* Best time in ms of one layer with weights packed for `isa`; *macs set. */
static double bench_layer(const shape_t *s, qrt_isa_t isa, int reps, double *macs) {
  const int gemm = s->kernel == 0;
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, gemm ? 1 : s->kernel, gemm ? 1 : s->kernel);
  p.stride_h = p.stride_w = s->stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = s->pad;
  p.groups = s->groups;
  const int64_t h = gemm ? 1 : s->hw, k = s->c_in / s->groups * (gemm ? 1 : s->kernel * s->kernel);
  int64_t oh = 1, ow = 1;
  if (!gemm) qrt_conv2d_output_size(&p, h, h, &oh, &ow);
  const int64_t m = gemm ? s->hw : 1;
  *macs = (double)m * s->c_out * oh * ow * k;
  float *ws = malloc((size_t)s->c_out * sizeof *ws);
  for (int o = 0; o < s->c_out; o++) ws[o] = 0.002f + 0.0001f * (float)(o % 7);
  const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.02f, 128};
  const qrt_q8_weights_t wq = {QRT_DTYPE_I8, s->c_out, ws, 0, NULL};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.05f, 0);
  int8_t *w = bytes((size_t)(s->c_out * k), 7);
  for (int64_t i = 0; i < s->c_out * k; i++) w[i] = (int8_t)(w[i] % 64); /* inside the bound */
  void *x = bytes((size_t)(m * s->c_in * h * h), 3);
  void *y = malloc((size_t)(m * s->c_out * oh * ow) + 64);
  size_t ps, ss;
  if (gemm) {
    ps = qrt_q8_gemm_packed_weights_size(s->c_out, k), ss = qrt_q8_gemm_scratch_size(m, s->c_out, k);
  } else {
    ps = qrt_q8_conv2d_packed_weights_size(&p, s->c_in, s->c_out);
    ss = qrt_q8_conv2d_scratch_size_mt(&p, s->c_in, h, h, s->c_out, qrt_pool_threads(g_pool_p));
  }
  void *packed = aligned_alloc(64, (ps + 63) / 64 * 64), *scratch = malloc(ss + 1);
  qrt_status_t st = gemm ? qrt_q8_gemm_pack_weights_isa(isa, s->c_out, k, &xq, &wq, w, NULL, &yq, packed, ps)
                         : qrt_q8_conv2d_pack_weights_isa(isa, &p, s->c_in, s->c_out, &xq, &wq, w, NULL, &yq,
                                                          packed, ps);
  double best = -1;
  for (int r = 0; st == QRT_OK && r < reps; r++) {
    const double t0 = now_ms();
    st = gemm ? qrt_q8_gemm_packed_mt(g_pool_p, m, s->c_out, k, x, k, packed, y, s->c_out, scratch, ss)
              : qrt_q8_conv2d_packed_mt(g_pool_p, &p, 1, s->c_in, h, h, x, s->c_out, packed, y, scratch, ss);
    const double t = now_ms() - t0;
    if (best < 0 || t < best) best = t;
  }
  if (st != QRT_OK) fprintf(stderr, "status %s\n", qrt_status_string(st)), best = -1;
  free(ws), free(w), free(x), free(y), free(packed), free(scratch);
  return best;
}

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 10;
  const char *filter = argc > 2 && argv[2][0] ? argv[2] : NULL;
  const char *only = argc > 3 && argv[3][0] ? argv[3] : NULL;
  const int threads = argc > 4 ? atoi(argv[4]) : 1;
  if (threads > 1) {
    if (qrt_pool_init(&g_pool, threads) != QRT_OK) {
      fprintf(stderr, "qrt_bench_q8: cannot start %d threads\n", threads);
      return 2;
    }
    g_pool_p = &g_pool;
  }
  /* one per layout: the AVX512F level packs the avx2 layout */
  const qrt_isa_t all[] = {QRT_ISA_SCALAR, QRT_ISA_AVX2_FMA, QRT_ISA_AVX512VNNI, QRT_ISA_AMX, QRT_ISA_NEON,
                           QRT_ISA_DOTPROD};
  qrt_isa_t lv[6];
  int nl = 0;
  const qrt_isa_t cpu = qrt_cpu_isa();
  for (int i = 0; i < 6; i++)
    if ((all[i] == QRT_ISA_SCALAR || (cpu >= all[i] && (cpu >= QRT_ISA_NEON) == (all[i] >= QRT_ISA_NEON))) &&
        (!only || !strcmp(only, qrt_isa_name(all[i]))))
      lv[nl++] = all[i];
  if (nl == 0) {
    fprintf(stderr, "qrt_bench_q8: this CPU has no variant '%s' (see qrt_isa_name)\n", only);
    return 2;
  }
  printf("%-28s", "layer (ms, GOP/s)");
  for (int i = 0; i < nl; i++) printf(" %22s", qrt_isa_name(lv[i]));
  printf("\n");
  double total[6] = {0}, total_pw[6] = {0};
  for (size_t si = 0; si < sizeof kShapes / sizeof kShapes[0]; si++) {
    char name[64];
    shape_name(&kShapes[si], name, sizeof name);
    if (filter && !strstr(name, filter)) continue;
    printf("%-28s", name);
    for (int i = 0; i < nl; i++) {
      double macs;
      const double t = bench_layer(&kShapes[si], lv[i], lv[i] == QRT_ISA_SCALAR && reps > 2 ? 2 : reps, &macs);
      printf(" %10.3f %6.1f GOP/s", t, 2 * macs / (t * 1e6));
      if (si < N_RESNET) total[i] += kShapes[si].count * t;
      if (si >= FIRST_PW) total_pw[i] += kShapes[si].count * t;
      fflush(stdout);
    }
    printf("\n");
  }
  if (!filter) {
    printf("%-28s", "resnet18 convs + fc (ms)");
    for (int i = 0; i < nl; i++) printf(" %22.2f", total[i]);
    printf("\n");
  }
  if (!filter || !strcmp(filter, "1x1/1")) {
    printf("%-28s", "mobilenet_v2 1x1 (ms)");
    for (int i = 0; i < nl; i++) printf(" %22.3f", total_pw[i]);
    printf("\n");
  }
  return 0;
}
