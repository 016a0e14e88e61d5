/* Microbenchmark for the f32 GEMM and the convolutions of resnet18 and
 * mobilenet_v2 (batch 1, 224x224, one thread). Not run by ctest.
 *
 * usage: qrt_bench_f32 [reps] [filter]   (QRT_ISA=scalar|avx2|avx512 limits the variant)
 *   reps: calls per shape (default 20); the best time is reported.
 *   filter: only the sections and layers whose name contains it ("gemm",
 *           "resnet18", "mobilenet_v2", "dw", "@7", ...).
 * Times are the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared
 * machine, time spent descheduled does not count (cache pollution by the
 * neighbours still does; the best of N filters it). Model totals are sum over
 * layers of count x best time: no activations in between (the executor's
 * relu/clip/add/pool steps are not here). */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qrt/qrt_f32.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static float *rand_buf(int64_t n) {
  float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64 * 64));
  for (int64_t i = 0; i < n; i++) p[i] = (float)((i * 7919) % 2001 - 1000) / 1000.0f;
  return p;
}

typedef struct {
  const char *name;
  int64_t count; /* how many times the model runs this shape */
  int64_t c_in, hw, c_out, k, stride, pad, groups;
  int act; /* fused activation: 0 none, 1 relu, 2 relu6 */
} layer_t;

static const layer_t kResnet18[] = {
    {"conv1 7x7/2 3->64 @224", 1, 3, 224, 64, 7, 2, 3, 1, 1},
    {"layer1 3x3 64->64 @56", 4, 64, 56, 64, 3, 1, 1, 1, 1},
    {"layer2.0 3x3/2 64->128 @56", 1, 64, 56, 128, 3, 2, 1, 1, 1},
    {"layer2.0 ds 1x1/2 64->128 @56", 1, 64, 56, 128, 1, 2, 0, 1, 0},
    {"layer2 3x3 128->128 @28", 3, 128, 28, 128, 3, 1, 1, 1, 1},
    {"layer3.0 3x3/2 128->256 @28", 1, 128, 28, 256, 3, 2, 1, 1, 1},
    {"layer3.0 ds 1x1/2 128->256 @28", 1, 128, 28, 256, 1, 2, 0, 1, 0},
    {"layer3 3x3 256->256 @14", 3, 256, 14, 256, 3, 1, 1, 1, 1},
    {"layer4.0 3x3/2 256->512 @14", 1, 256, 14, 512, 3, 2, 1, 1, 1},
    {"layer4.0 ds 1x1/2 256->512 @14", 1, 256, 14, 512, 1, 2, 0, 1, 0},
    {"layer4 3x3 512->512 @7", 3, 512, 7, 512, 3, 1, 1, 1, 1},
};

/* torchvision mobilenet_v2: stem, then per inverted residual block an expand
 * 1x1 (t = 6; not in the first block), a 3x3 depthwise, a project 1x1. */
static const layer_t kMobilenetV2[] = {
    {"stem 3x3/2 3->32 @224", 1, 3, 224, 32, 3, 2, 1, 1, 2},
    {"dw 3x3 32 @112", 1, 32, 112, 32, 3, 1, 1, 32, 2},
    {"1x1 32->16 @112", 1, 32, 112, 16, 1, 1, 0, 1, 0},
    {"1x1 16->96 @112", 1, 16, 112, 96, 1, 1, 0, 1, 2},
    {"dw 3x3/2 96 @112", 1, 96, 112, 96, 3, 2, 1, 96, 2},
    {"1x1 96->24 @56", 1, 96, 56, 24, 1, 1, 0, 1, 0},
    {"1x1 24->144 @56", 2, 24, 56, 144, 1, 1, 0, 1, 2},
    {"dw 3x3 144 @56", 1, 144, 56, 144, 3, 1, 1, 144, 2},
    {"1x1 144->24 @56", 1, 144, 56, 24, 1, 1, 0, 1, 0},
    {"dw 3x3/2 144 @56", 1, 144, 56, 144, 3, 2, 1, 144, 2},
    {"1x1 144->32 @28", 1, 144, 28, 32, 1, 1, 0, 1, 0},
    {"1x1 32->192 @28", 3, 32, 28, 192, 1, 1, 0, 1, 2},
    {"dw 3x3 192 @28", 2, 192, 28, 192, 3, 1, 1, 192, 2},
    {"1x1 192->32 @28", 2, 192, 28, 32, 1, 1, 0, 1, 0},
    {"dw 3x3/2 192 @28", 1, 192, 28, 192, 3, 2, 1, 192, 2},
    {"1x1 192->64 @14", 1, 192, 14, 64, 1, 1, 0, 1, 0},
    {"1x1 64->384 @14", 4, 64, 14, 384, 1, 1, 0, 1, 2},
    {"dw 3x3 384 @14", 4, 384, 14, 384, 3, 1, 1, 384, 2},
    {"1x1 384->64 @14", 3, 384, 14, 64, 1, 1, 0, 1, 0},
    {"1x1 384->96 @14", 1, 384, 14, 96, 1, 1, 0, 1, 0},
    {"1x1 96->576 @14", 3, 96, 14, 576, 1, 1, 0, 1, 2},
    {"dw 3x3 576 @14", 2, 576, 14, 576, 3, 1, 1, 576, 2},
    {"1x1 576->96 @14", 2, 576, 14, 96, 1, 1, 0, 1, 0},
    {"dw 3x3/2 576 @14", 1, 576, 14, 576, 3, 2, 1, 576, 2},
    {"1x1 576->160 @7", 1, 576, 7, 160, 1, 1, 0, 1, 0},
    {"1x1 160->960 @7", 3, 160, 7, 960, 1, 1, 0, 1, 2},
    {"dw 3x3 960 @7", 3, 960, 7, 960, 3, 1, 1, 960, 2},
    {"1x1 960->160 @7", 2, 960, 7, 160, 1, 1, 0, 1, 0},
    {"1x1 960->320 @7", 1, 960, 7, 320, 1, 1, 0, 1, 0},
    {"1x1 320->1280 @7", 1, 320, 7, 1280, 1, 1, 0, 1, 2},
};

static double bench_conv(const layer_t *L, int reps, double *out_gflop) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, L->k, L->k);
  p.groups = L->groups;
  p.stride_h = p.stride_w = L->stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = L->pad;
  if (L->act >= 1) p.output_min = 0.0f;
  if (L->act == 2) p.output_max = 6.0f;
  int64_t oh, ow;
  qrt_conv2d_output_size(&p, L->hw, L->hw, &oh, &ow);
  const int64_t cig = L->c_in / L->groups;
  float *x = rand_buf(L->c_in * L->hw * L->hw), *w = rand_buf(L->c_out * cig * L->k * L->k);
  float *b = rand_buf(L->c_out), *y = rand_buf(L->c_out * oh * ow);
  const size_t ps = qrt_f32_conv2d_packed_weights_size(&p, L->c_in, L->c_out);
  void *pk = aligned_alloc(64, (ps + 63) / 64 * 64);
  qrt_f32_conv2d_pack_weights(&p, L->c_in, L->c_out, w, b, pk, ps);
  const size_t ss = qrt_f32_conv2d_scratch_size(&p, L->c_in, L->hw, L->hw, L->c_out);
  void *scr = aligned_alloc(64, (ss + 63) / 64 * 64);
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    const double t0 = now_ms();
    qrt_f32_conv2d_packed(&p, 1, L->c_in, L->hw, L->hw, x, L->c_out, pk, y, scr, ss);
    const double t = now_ms() - t0;
    if (t < best) best = t;
  }
  *out_gflop = 2.0 * L->c_out * oh * ow * cig * L->k * L->k * 1e-9;
  free(x), free(w), free(b), free(y), free(pk), free(scr);
  return best;
}

static double bench_gemm(int64_t m, int64_t n, int64_t k, int packed, int reps) {
  float *a = rand_buf(m * k), *b = rand_buf(k * n), *y = rand_buf(m * n);
  double best = 1e30;
  if (packed) {
    const size_t ps = qrt_f32_gemm_pack_b_size(n, k);
    void *pb = aligned_alloc(64, (ps + 63) / 64 * 64);
    qrt_f32_gemm_pack_b(0, n, k, b, n, pb, ps);
    const size_t ss = qrt_f32_gemm_packed_b_scratch_size(m, n, k);
    void *scr = aligned_alloc(64, (ss + 63) / 64 * 64);
    for (int r = 0; r < reps; r++) {
      const double t0 = now_ms();
      qrt_f32_gemm_packed_b(0, m, n, k, 1.0f, a, k, pb, 0.0f, NULL, 0, 0, y, n, scr, ss);
      const double t = now_ms() - t0;
      if (t < best) best = t;
    }
    free(pb), free(scr);
  } else {
    const size_t ss = qrt_f32_gemm_scratch_size(m, n, k);
    void *scr = aligned_alloc(64, (ss + 63) / 64 * 64);
    for (int r = 0; r < reps; r++) {
      const double t0 = now_ms();
      qrt_f32_gemm(0, 0, m, n, k, 1.0f, a, k, b, n, 0.0f, NULL, 0, 0, y, n, scr, ss);
      const double t = now_ms() - t0;
      if (t < best) best = t;
    }
    free(scr);
  }
  free(a), free(b), free(y);
  return best;
}

static int wanted(const char *filter, const char *section, const char *name) {
  return !filter || strstr(section, filter) || (name && strstr(name, filter));
}

/* The layers of one model; its fc (1 x K -> 1000, packed B) last. */
static void bench_model(const char *model, const layer_t *layers, size_t n, int64_t fc_k, int reps,
                        const char *filter) {
  if (!wanted(filter, model, NULL)) {
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= wanted(filter, model, layers[i].name);
    if (!any) return;
  }
  printf("\n%-34s %5s %10s %10s %10s\n", model, "count", "ms/call", "GFLOP/s", "ms total");
  double total = 0, total_gflop = 0;
  for (size_t i = 0; i < n; i++) {
    if (!wanted(filter, model, layers[i].name)) continue;
    double gflop;
    const double ms = bench_conv(&layers[i], reps, &gflop);
    printf("%-34s %5lld %10.3f %10.1f %10.3f\n", layers[i].name, (long long)layers[i].count, ms,
           gflop / ms * 1e3, ms * layers[i].count);
    total += ms * layers[i].count;
    total_gflop += gflop * layers[i].count;
  }
  if (wanted(filter, model, "fc")) {
    const double fc = bench_gemm(1, 1000, fc_k, 1, reps);
    char name[64];
    snprintf(name, sizeof name, "fc 1x%lld -> 1000 (packed B)", (long long)fc_k);
    printf("%-34s %5d %10.3f %10.1f %10.3f\n", name, 1, fc, 2.0 * 1000 * fc_k / fc * 1e-6, fc);
    total += fc;
    total_gflop += 2.0 * 1000 * fc_k * 1e-9;
  }
  printf("%s convs + fc: %.2f ms (%.3f GFLOP, %.1f GFLOP/s)\n", model, total, total_gflop,
         total_gflop / total * 1e3);
}

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 20;
  const char *filter = argc > 2 ? argv[2] : NULL;
  printf("libqrt %s, ISA %s (cpu %s), best of %d, thread CPU time\n", qrt_version(),
         qrt_isa_name(qrt_active_isa()), qrt_isa_name(qrt_cpu_isa()), reps);
  if (wanted(filter, "gemm", NULL)) {
    printf("\n%-34s %10s %10s\n", "gemm (M x N x K)", "ms", "GFLOP/s");
    const int64_t sizes[][4] = {{256, 256, 256, 0}, {512, 512, 512, 0}, {1024, 1024, 1024, 0},
                                {64, 3136, 576, 0}, {1, 1000, 512, 1}, {128, 1000, 512, 1}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      const int64_t m = sizes[i][0], n = sizes[i][1], k = sizes[i][2];
      const double ms = bench_gemm(m, n, k, (int)sizes[i][3], reps);
      char name[64];
      snprintf(name, sizeof name, "%lld x %lld x %lld%s", (long long)m, (long long)n, (long long)k,
               sizes[i][3] ? " (packed B)" : "");
      printf("%-34s %10.3f %10.1f\n", name, ms, 2.0 * m * n * k / ms * 1e-6);
    }
  }
  bench_model("resnet18", kResnet18, sizeof kResnet18 / sizeof kResnet18[0], 512, reps, filter);
  bench_model("mobilenet_v2", kMobilenetV2, sizeof kMobilenetV2 / sizeof kMobilenetV2[0], 1280, reps,
              filter);
  return 0;
}
