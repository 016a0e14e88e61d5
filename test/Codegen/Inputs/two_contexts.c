/* Two contexts of one compiled model run at the same time on two threads, on
 * different inputs: NAME.c keeps no mutable global state, so each thread gets,
 * every time, what one context alone gives. Built by fashion-mnist-int8.test:
 *   cc -DM=fmq -DMU=FMQ -I OUT two_contexts.c OUT/libfmq.a -lm -lpthread
 * (a one-input, one-output model whose input is float32). With -DTHREADS=K
 * each context runs on its own pool of K threads (threads.test). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#ifndef THREADS
#define THREADS 1
#endif
enum { RUNS = 200 };

typedef struct {
  CAT(M, _ctx) ctx;
  float *in;
  unsigned char *want;
  int bad;
} job;

static void *work(void *p) {
  job *j = p;
  unsigned char out[U(_OUTPUT_0_BYTES)];
  const void *ins[1] = {j->in};
  void *outs[1] = {out};
  for (int r = 0; r < RUNS; r++) {
    memset(out, 0xa5, sizeof out);
    if (F(_run)(&j->ctx, ins, outs) || memcmp(out, j->want, sizeof out)) j->bad++;
  }
  return NULL;
}

int main(void) {
  job jobs[2];
  size_t n = U(_INPUT_0_BYTES) / sizeof(float);
  for (int k = 0; k < 2; k++) {
    memset(&jobs[k], 0, sizeof jobs[k]);
    jobs[k].in = malloc(U(_INPUT_0_BYTES));
    jobs[k].want = malloc(U(_OUTPUT_0_BYTES));
    unsigned s = 12345u + 777u * (unsigned)k;
    for (size_t i = 0; i < n; i++) {
      s = s * 1103515245u + 12345u;
      jobs[k].in[i] = (float)((s >> 8) & 0xffff) / 65536.0f;
    }
    void *arena = malloc(F(_arena_size)());
    if (F(_init)(&jobs[k].ctx, arena, THREADS)) return 1;
    const void *ins[1] = {jobs[k].in};
    void *outs[1] = {jobs[k].want};
    if (F(_run)(&jobs[k].ctx, ins, outs)) return 1;
  }
  if (!memcmp(jobs[0].want, jobs[1].want, U(_OUTPUT_0_BYTES))) {
    printf("the two inputs give the same output: the test would prove nothing\n");
    return 1;
  }
  pthread_t t[2];
  for (int k = 0; k < 2; k++) pthread_create(&t[k], NULL, work, &jobs[k]);
  for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
  for (int k = 0; k < 2; k++) F(_deinit)(&jobs[k].ctx);
  printf("2 contexts x %d runs on 2 threads (%d each): %d and %d outputs differ from one context alone\n", RUNS,
         THREADS, jobs[0].bad, jobs[1].bad);
  return jobs[0].bad || jobs[1].bad;
}
