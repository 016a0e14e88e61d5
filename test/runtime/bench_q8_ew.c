/* Microbenchmark of the int8 ops around the convolutions at every ISA level
 * the CPU has (q8_ew_internal.h), on resnet18's shapes, batch 1, one thread.
 * Not run by ctest.
 *
 * usage: qrt_bench_q8_ew [reps]
 *   reps: calls per op and level (default 20); the best time is reported, in
 *   thread CPU time (as qrt_bench_q8). The resnet18 line sums each op times
 *   its count in the model (1 input QuantizeLinear, 1 max pool, 8 QAdds, 1
 *   global average pool). */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qrt/qrt_q8.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static void *bytes(size_t n, unsigned seed) {
  uint8_t *p = malloc(n + 64);
  for (size_t i = 0; i < n + 64; i++) p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
  return p;
}

enum { OP_QUANTIZE, OP_MAXPOOL, OP_ADD_56, OP_ADD_28, OP_ADD_14, OP_ADD_7, OP_REQUANT, OP_GAP, N_OPS };
static const char *const kNames[N_OPS] = {
    "QuantizeLinear 3x224x224 f32->u8", "max pool 3x3/2 64x112x112 u8", "QAdd 64x56x56 u8",
    "QAdd 128x28x28 u8",                "QAdd 256x14x14 u8",             "QAdd 512x7x7 u8",
    "requantize 64x56x56 u8->s8",       "global avg pool 512x7x7 u8"};
static const int kCount[N_OPS] = {1, 1, 2, 2, 2, 2, 0, 1}; /* in resnet18 */

static float *g_f;
static uint8_t *g_a, *g_b, *g_y;

static void run(int op) {
  const qrt_q8_act_t aq = {QRT_DTYPE_U8, 0.05f, 128}, bq = {QRT_DTYPE_U8, 0.03f, 120};
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.07f, 0);
  switch (op) {
    case OP_QUANTIZE: {
      const float s = 0.0187f;
      const int32_t zp = 114;
      qrt_quantize_f32_reference(QRT_DTYPE_U8, 0, 255, 1, 1, 3 * 224 * 224, g_f, &s, &zp, g_y);
      break;
    }
    case OP_MAXPOOL: {
      qrt_pool2d_params_t p;
      qrt_pool2d_params_init(&p, 3, 3);
      p.stride_h = p.stride_w = 2;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
      qrt_q8_max_pool2d(&p, 1, 64, 112, 112, QRT_DTYPE_U8, g_a, g_y);
      break;
    }
    case OP_ADD_56: case OP_ADD_28: case OP_ADD_14: case OP_ADD_7: {
      static const int64_t shapes[4][4] = {{1, 64, 56, 56}, {1, 128, 28, 28}, {1, 256, 14, 14}, {1, 512, 7, 7}};
      const int64_t *sh = shapes[op - OP_ADD_56];
      const int64_t st[4] = {sh[1] * sh[2] * sh[3], sh[2] * sh[3], sh[3], 1};
      qrt_q8_binary(QRT_Q8_ADD, 4, sh, &aq, g_a, st, &bq, g_b, st, &yq, g_y);
      break;
    }
    case OP_REQUANT: {
      qrt_q8_output_t sq;
      qrt_q8_output_init(&sq, QRT_DTYPE_I8, 0.06f, -3);
      qrt_q8_requantize(64 * 56 * 56, &aq, g_a, &sq, g_y);
      break;
    }
    case OP_GAP: qrt_q8_global_avg_pool(1, 512, 49, &aq, g_a, &yq, g_y); break;
  }
}

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 20;
  const size_t n = 64 * 112 * 112;
  g_f = malloc(3 * 224 * 224 * sizeof(float));
  for (int i = 0; i < 3 * 224 * 224; i++) g_f[i] = (float)((i * 2654435761u) >> 8) / 16777216.0f * 4.0f - 2.0f;
  g_a = bytes(n, 1), g_b = bytes(n, 2), g_y = bytes(n, 3);
  const qrt_isa_t x86[] = {QRT_ISA_SCALAR, QRT_ISA_AVX2_FMA, QRT_ISA_AVX512F};
  const qrt_isa_t arm[] = {QRT_ISA_SCALAR, QRT_ISA_NEON};
  const int is_arm = qrt_cpu_isa() >= QRT_ISA_NEON;
  const qrt_isa_t *lv = is_arm ? arm : x86;
  int nl = 0;
  while (nl < (is_arm ? 2 : 3) && qrt_cpu_isa() >= lv[nl]) nl++;
  printf("%-36s", "ms (best of reps)");
  for (int l = 0; l < nl; l++) printf(" %10s", qrt_isa_name(lv[l]));
  printf("\n");
  double total[4] = {0};
  for (int op = 0; op < N_OPS; op++) {
    printf("%-36s", kNames[op]);
    for (int l = 0; l < nl; l++) {
      const qrt_isa_t prev = qrt_set_isa_limit(lv[l]);
      double best = 1e30;
      for (int r = 0; r < reps; r++) {
        const double t0 = now_ms();
        run(op);
        const double t = now_ms() - t0;
        best = t < best ? t : best;
      }
      qrt_set_isa_limit(prev);
      total[l] += kCount[op] * best;
      printf(" %10.4f", best);
    }
    printf("\n");
  }
  printf("%-36s", "resnet18 (ops x count)");
  for (int l = 0; l < nl; l++) printf(" %10.3f", total[l]);
  printf("\n");
  return 0;
}
