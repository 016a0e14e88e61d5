/* Microbenchmark of the int8 depthwise kernel (q8_dwconv*.c) on mobilenet_v2's
 * 17 depthwise layers, batch 1: three paths on the same data, "old" (the
 * general vector path: the block-diagonal layout, 4 channels merged into one
 * group, qrt_q8_set_pack_dwconv(0)), "rows" (the depthwise row kernel,
 * qrt_q8_dw_set_quads(0)) and "quads" (the default: the quad kernel where the
 * CPU has it, else the row kernel again). Not run by ctest.
 *
 * usage: qrt_bench_q8_dwconv [reps] [isa]
 *   reps: calls per layer and path (default 20); the best time is reported.
 *   isa: pack for this level (a qrt_isa_name; default the CPU's).
 * Each round calls every path once, in turn (alternating, so a change in the
 * machine's load hits them alike). Columns: each path at 1 thread (the
 * thread's CPU time) and on a pool of 2 threads (wall time), and rows / quads
 * at 1 thread. The data: u8 activations with zero point 128, s8 per-channel
 * weights, u8 output with Relu6's range; the outputs are compared (memcmp)
 * before timing. The totals weight each layer by its count in the model. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"

static double now_ms(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* count, channels, input size, stride */
static const int kLayers[][4] = {{1, 32, 112, 1}, {1, 96, 112, 2}, {1, 144, 56, 1}, {1, 144, 56, 2},
                                 {2, 192, 28, 1}, {1, 192, 28, 2}, {4, 384, 14, 1}, {2, 576, 14, 1},
                                 {1, 576, 14, 2}, {3, 960, 7, 1}};
enum { N_LAYERS = sizeof kLayers / sizeof kLayers[0] };

static void *bytes(size_t n, unsigned seed) {
  uint8_t *p = malloc(n + 64);
  for (size_t i = 0; i < n + 64; i++) p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
  return p;
}

/* ms of one call: pool NULL (thread CPU time) or a pool (wall time). */
static double time_call(qrt_pool_t *pool, const qrt_conv2d_params_t *p, int64_t c, int64_t h, const void *x,
                        const void *packed, void *y, void *scratch, size_t ss) {
  const clockid_t clk = pool ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
  const double t0 = now_ms(clk);
  if (qrt_q8_conv2d_packed_mt(pool, p, 1, c, h, h, x, c, packed, y, scratch, ss) != QRT_OK) return 1e9;
  return now_ms(clk) - t0;
}

enum { N_PATHS = 3 }; /* old, rows, quads */

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 20;
  qrt_isa_t isa = qrt_active_isa();
  if (argc > 2) {
    int found = 0;
    for (int l = 0; l < 32; l++)
      if (!strcmp(argv[2], qrt_isa_name((qrt_isa_t)l))) isa = (qrt_isa_t)l, found = 1;
    if (!found) {
      fprintf(stderr, "qrt_bench_q8_dwconv: unknown ISA level '%s' (see qrt_isa_name)\n", argv[2]);
      return 2;
    }
  }
  qrt_pool_t pool;
  if (qrt_pool_init(&pool, 2) != QRT_OK) {
    fprintf(stderr, "qrt_bench_q8_dwconv: cannot start 2 threads\n");
    return 1;
  }
  printf("mobilenet_v2 depthwise layers, int8, packed for %s, best of %d (ms)\n", qrt_isa_name(isa), reps);
  printf("%-18s %5s %8s %8s %8s %6s %8s %8s %8s\n", "layer", "count", "old 1t", "rows 1t", "quads 1t", "r/q",
         "old 2t", "rows 2t", "quads 2t");
  double tot[2 * N_PATHS] = {0};
  int bad = 0;
  for (int li = 0; li < N_LAYERS; li++) {
    const int count = kLayers[li][0], c = kLayers[li][1], h = kLayers[li][2], s = kLayers[li][3];
    qrt_conv2d_params_t p;
    qrt_conv2d_params_init(&p, 3, 3);
    p.stride_h = p.stride_w = s;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    p.groups = c;
    int64_t oh, ow;
    qrt_conv2d_output_size(&p, h, h, &oh, &ow);
    float *ws = malloc((size_t)c * sizeof *ws);
    for (int o = 0; o < c; o++) ws[o] = 0.002f + 0.0001f * (float)(o % 7);
    const qrt_q8_act_t xq = {QRT_DTYPE_U8, 0.02f, 128};
    const qrt_q8_weights_t wq = {QRT_DTYPE_I8, c, ws, 0, NULL};
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, QRT_DTYPE_U8, 0.05f, 0);
    yq.qmax = 120; /* Relu6 */
    int8_t *w = bytes((size_t)c * 9, 7);
    void *x = bytes((size_t)(c * h * h), 3);
    const size_t ny = (size_t)(c * oh * ow);
    uint8_t *y_old = malloc(ny), *y_new = malloc(ny), *y_rows = malloc(ny);
    const size_t ps = qrt_q8_conv2d_packed_weights_size(&p, c, c);
    const size_t ss = qrt_q8_conv2d_scratch_size_mt(&p, c, h, h, c, 2);
    void *pk_old = aligned_alloc(64, (ps + 63) / 64 * 64), *pk_new = aligned_alloc(64, (ps + 63) / 64 * 64);
    void *scratch = malloc(ss);
    qrt_q8_set_pack_dwconv(0);
    qrt_status_t st = qrt_q8_conv2d_pack_weights_isa(isa, &p, c, c, &xq, &wq, w, NULL, &yq, pk_old, ps);
    qrt_q8_set_pack_dwconv(1);
    if (st == QRT_OK) st = qrt_q8_conv2d_pack_weights_isa(isa, &p, c, c, &xq, &wq, w, NULL, &yq, pk_new, ps);
    if (st == QRT_OK) st = qrt_q8_conv2d_packed(&p, 1, c, h, h, x, c, pk_old, y_old, scratch, ss);
    if (st == QRT_OK) st = qrt_q8_conv2d_packed(&p, 1, c, h, h, x, c, pk_new, y_new, scratch, ss);
    qrt_q8_dw_set_quads(0);
    if (st == QRT_OK) st = qrt_q8_conv2d_packed(&p, 1, c, h, h, x, c, pk_new, y_rows, scratch, ss);
    qrt_q8_dw_set_quads(1);
    if (st != QRT_OK || memcmp(y_old, y_new, ny) != 0 || memcmp(y_rows, y_new, ny) != 0) {
      fprintf(stderr, "dw 3x3/%d %d @%d: %s\n", s, c, h, st != QRT_OK ? qrt_status_string(st) : "outputs differ");
      bad = 1;
    }
    double t[2 * N_PATHS]; /* path k: t[k] at 1 thread, t[N_PATHS + k] at 2 */
    for (int i = 0; i < 2 * N_PATHS; i++) t[i] = 1e9;
    for (int r = 0; r < reps; r++)
      for (int i = 0; i < 2 * N_PATHS; i++) {
        const int k = i % N_PATHS;
        qrt_q8_dw_set_quads(k == 2);
        const double ms = time_call(i < N_PATHS ? NULL : &pool, &p, c, h, x, k ? pk_new : pk_old, y_new, scratch, ss);
        if (ms < t[i]) t[i] = ms;
      }
    qrt_q8_dw_set_quads(1);
    char name[40];
    snprintf(name, sizeof name, "dw 3x3/%d %d @%d", s, c, h);
    printf("%-18s %5d %8.4f %8.4f %8.4f %6.2f %8.4f %8.4f %8.4f\n", name, count, t[0], t[1], t[2], t[1] / t[2], t[3],
           t[4], t[5]);
    fflush(stdout);
    for (int i = 0; i < 2 * N_PATHS; i++) tot[i] += count * t[i];
    free(ws), free(w), free(x), free(y_old), free(y_new), free(y_rows), free(pk_old), free(pk_new), free(scratch);
  }
  printf("%-18s %5d %8.3f %8.3f %8.3f %6.2f %8.3f %8.3f %8.3f\n", "total", 17, tot[0], tot[1], tot[2],
         tot[1] / tot[2], tot[3], tot[4], tot[5]);
  qrt_pool_deinit(&pool);
  return bad;
}
