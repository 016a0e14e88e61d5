/* Microbenchmark for the f32 GEMM and the resnet18 convolutions (batch 1,
 * one thread). Not run by ctest. Usage: qrt_bench_f32 [reps]; QRT_ISA=scalar|avx2|avx512
 * limits the variant. Reports the best-of-reps thread CPU time per call. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qrt/qrt_f32.h"

/* CPU time of this thread: on a shared machine, time spent descheduled does not
 * count (cache pollution by the neighbours still does; the best of N filters it). */
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
  int64_t count; /* how many times resnet18 runs this shape */
  int64_t c_in, hw, c_out, k, stride, pad;
} layer_t;

static const layer_t kResnet18[] = {
    {"conv1 7x7/2 3->64 @224", 1, 3, 224, 64, 7, 2, 3},
    {"layer1 3x3 64->64 @56", 4, 64, 56, 64, 3, 1, 1},
    {"layer2.0 3x3/2 64->128 @56", 1, 64, 56, 128, 3, 2, 1},
    {"layer2.0 ds 1x1/2 64->128", 1, 64, 56, 128, 1, 2, 0},
    {"layer2 3x3 128->128 @28", 3, 128, 28, 128, 3, 1, 1},
    {"layer3.0 3x3/2 128->256 @28", 1, 128, 28, 256, 3, 2, 1},
    {"layer3.0 ds 1x1/2 128->256", 1, 128, 28, 256, 1, 2, 0},
    {"layer3 3x3 256->256 @14", 3, 256, 14, 256, 3, 1, 1},
    {"layer4.0 3x3/2 256->512 @14", 1, 256, 14, 512, 3, 2, 1},
    {"layer4.0 ds 1x1/2 256->512", 1, 256, 14, 512, 1, 2, 0},
    {"layer4 3x3 512->512 @7", 3, 512, 7, 512, 3, 1, 1},
};

static double bench_conv(const layer_t *L, int reps, double *out_gflop) {
  qrt_conv2d_params_t p;
  qrt_conv2d_params_init(&p, L->k, L->k);
  p.stride_h = p.stride_w = L->stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = L->pad;
  p.output_min = 0.0f; /* resnet convs are followed by Relu (fused) */
  int64_t oh, ow;
  qrt_conv2d_output_size(&p, L->hw, L->hw, &oh, &ow);
  float *x = rand_buf(L->c_in * L->hw * L->hw), *w = rand_buf(L->c_out * L->c_in * L->k * L->k);
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
  *out_gflop = 2.0 * L->c_out * oh * ow * L->c_in * L->k * L->k * 1e-9;
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

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 20;
  printf("libqrt %s, ISA %s (cpu %s), best of %d\n", qrt_version(), qrt_isa_name(qrt_active_isa()),
         qrt_isa_name(qrt_cpu_isa()), reps);
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
  printf("\n%-34s %5s %10s %10s %10s\n", "resnet18 conv (batch 1)", "count", "ms/call", "GFLOP/s",
         "ms total");
  double total = 0, total_gflop = 0;
  for (size_t i = 0; i < sizeof kResnet18 / sizeof kResnet18[0]; i++) {
    double gflop;
    const double ms = bench_conv(&kResnet18[i], reps, &gflop);
    printf("%-34s %5lld %10.3f %10.1f %10.3f\n", kResnet18[i].name, (long long)kResnet18[i].count, ms,
           gflop / ms * 1e3, ms * kResnet18[i].count);
    total += ms * kResnet18[i].count;
    total_gflop += gflop * kResnet18[i].count;
  }
  const double fc = bench_gemm(1, 1000, 512, 1, reps);
  printf("%-34s %5d %10.3f %10.1f %10.3f\n", "fc 1x512 -> 1000 (packed B)", 1, fc,
         2.0 * 1000 * 512 / fc * 1e-6, fc);
  total += fc;
  printf("\nresnet18 convs + fc: %.2f ms (%.2f GFLOP, %.1f GFLOP/s)\n", total, total_gflop,
         total_gflop / total * 1e3);
  return 0;
}
