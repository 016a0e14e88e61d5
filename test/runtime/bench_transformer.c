/* Microbenchmark of the kernels around a transformer's Linears, at every ISA
 * level the CPU has, one thread. Not run by ctest.
 *
 * usage: qrt_bench_transformer [reps]
 *   reps: calls per kernel and level (default 30); the best time is reported, in
 *   thread CPU time (as qrt_bench_q8).
 *   - QLinearMatMul on the BERT encoder's attention (4 heads, seq 128, head 64):
 *     scores 128x128x64 and context 128x64x128 per head (qrt_q8_matmul, u8 x u8,
 *     per-tensor parameters), ns per multiply-add;
 *   - GELU (qrt_f32_unary), softmax rows of 128 (qrt_f32_softmax) and LayerNorm
 *     rows of 256 with scale and bias (qrt_f32_layer_norm) on 128K floats drawn
 *     from N(0, 1.5^2), ns per element. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qrt/qrt_f32.h"
#include "qrt/qrt_q8.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

enum { HEADS = 4, SEQ = 128, HEAD = 64, N = 1 << 17 };

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 30;
  static uint8_t a[HEADS * SEQ * SEQ], b[HEADS * SEQ * SEQ], y8[HEADS * SEQ * SEQ];
  static float x[N], y[N];
  unsigned s = 1;
  for (int i = 0; i < HEADS * SEQ * SEQ; i++) a[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16), b[i] = (uint8_t)(s >> 8);
  for (int i = 0; i < N; i += 2) { /* Box-Muller */
    const double u1 = ((s = s * 1103515245u + 12345u) >> 8) / 16777216.0 + 1e-9, u2 = ((s = s * 1103515245u + 12345u) >> 8) / 16777216.0;
    x[i] = (float)(1.5 * sqrt(-2 * log(u1)) * cos(6.283185307 * u2));
    x[i + 1] = (float)(1.5 * sqrt(-2 * log(u1)) * sin(6.283185307 * u2));
  }
  const int64_t heads[1] = {HEADS}, qk[1] = {SEQ * HEAD}, ss[1] = {SEQ * SEQ};
  const float sa = 0.02f, sb = 0.03f;
  const int32_t za = 128, zb = 3;
  qrt_q8_output_t yq;
  qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.5f, 128);
  const qrt_isa_t levels[] = {QRT_ISA_SCALAR, QRT_ISA_AVX2_FMA, QRT_ISA_AVX512F, QRT_ISA_AVX512VNNI};
  static float gamma[256], beta[256];
  for (int i = 0; i < 256; i++) gamma[i] = 1.0f + x[i] * 0.1f, beta[i] = x[i + 256] * 0.1f;
  printf("%-11s %14s %14s %10s %12s %14s\n", "level", "scores ns/MAC", "context ns/MAC", "GELU ns", "softmax ns",
         "LayerNorm ns");
  for (int l = 0; l < 4; l++) {
    if (levels[l] > qrt_cpu_isa()) continue;
    const qrt_isa_t prev = qrt_set_isa_limit(levels[l]);
    double best[5] = {1e30, 1e30, 1e30, 1e30, 1e30};
    for (int r = 0; r < (levels[l] == QRT_ISA_SCALAR ? 3 : reps); r++) {
      for (int shape = 0; shape < 2; shape++) { /* A [m][k], B [k][n] per head */
        const int64_t m = SEQ, n = shape ? HEAD : SEQ, k = shape ? SEQ : HEAD;
        const qrt_q8_matrix_t am = {QRT_DTYPE_U8, a, shape ? ss : qk, &sa, &za, NULL, 0};
        const qrt_q8_matrix_t bm = {QRT_DTYPE_U8, b, qk, &sb, &zb, NULL, 0};
        const double t0 = now_ns();
        if (qrt_q8_matmul(1, heads, m, n, k, &am, &bm, &yq, y8) != QRT_OK) return 1;
        const double t = (now_ns() - t0) / ((double)HEADS * m * n * k);
        if (t < best[shape]) best[shape] = t;
      }
      double t0 = now_ns();
      if (qrt_f32_unary(QRT_UNARY_GELU, 0, 0, N, x, y) != QRT_OK) return 1;
      double t = (now_ns() - t0) / N;
      if (t < best[2]) best[2] = t;
      t0 = now_ns();
      if (qrt_f32_softmax(N / SEQ, SEQ, 1, x, y) != QRT_OK) return 1;
      t = (now_ns() - t0) / N;
      if (t < best[3]) best[3] = t;
      t0 = now_ns();
      if (qrt_f32_layer_norm(N / 256, 256, x, gamma, beta, 1e-12f, y, NULL, NULL) != QRT_OK) return 1;
      t = (now_ns() - t0) / N;
      if (t < best[4]) best[4] = t;
    }
    qrt_set_isa_limit(prev);
    printf("%-11s %14.3f %14.3f %10.2f %12.2f %14.2f\n", qrt_isa_name(levels[l]), best[0], best[1], best[2], best[3],
           best[4]);
  }
  return 0;
}
