/* One compiled model on every thread count NAME_init accepts: the outputs of
 * threads = 2 .. NAME_MAX_THREADS are byte-identical to threads = 1, on
 * several inputs and repeated runs (a race would show as a difference now
 * and then); init refuses 0 and NAME_MAX_THREADS + 1; deinit then init again
 * works. Built by threads.test:
 *   cc -DM=NAME -DMU=UPPER -I OUT thread_counts.c OUT/libNAME.a -lm -lpthread
 * (a one-input, one-output model whose input is float32). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

enum { INPUTS = 3, RUNS = 20 };

int main(void) {
  const size_t n = U(_INPUT_0_BYTES) / sizeof(float);
  float *in = malloc(U(_INPUT_0_BYTES));
  unsigned char *want = malloc((size_t)INPUTS * U(_OUTPUT_0_BYTES)), *got = malloc(U(_OUTPUT_0_BYTES));
  void *arena = malloc(F(_arena_size)());
  if (!in || !want || !got || !arena) return 1;
  CAT(M, _ctx) ctx;
  if (F(_init)(&ctx, arena, 0) != -1 || F(_init)(&ctx, arena, U(_MAX_THREADS) + 1) != -1) {
    printf("a thread count out of range was accepted\n");
    return 1;
  }
  int bad = 0;
  for (int threads = 1; threads <= U(_MAX_THREADS); threads++) {
    if (F(_init)(&ctx, arena, threads)) {
      printf("init with %d threads failed\n", threads);
      return 1;
    }
    for (int k = 0; k < INPUTS; k++) {
      unsigned s = 2024u + 31u * (unsigned)k;
      for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        in[i] = (float)((s >> 8) & 0xffff) / 65536.0f;
      }
      const void *ins[1] = {in};
      unsigned char *w = want + (size_t)k * U(_OUTPUT_0_BYTES);
      for (int r = 0; r < RUNS; r++) {
        void *outs[1] = {threads == 1 && r == 0 ? (void *)w : (void *)got};
        memset(outs[0], 0xa5, U(_OUTPUT_0_BYTES));
        if (F(_run)(&ctx, ins, outs)) {
          printf("run failed with %d threads at step %d\n", threads, ctx.failed_step);
          return 1;
        }
        if (outs[0] == got && memcmp(got, w, U(_OUTPUT_0_BYTES))) {
          if (!bad) printf("threads %d, input %d, run %d: the output differs from one thread's\n", threads, k, r);
          bad++;
        }
      }
    }
    F(_deinit)(&ctx);
  }
  printf("threads 1..%d x %d inputs x %d runs: %d outputs differ from one thread's\n", U(_MAX_THREADS), INPUTS, RUNS,
         bad);
  free(in), free(want), free(got), free(arena);
  return bad != 0;
}
