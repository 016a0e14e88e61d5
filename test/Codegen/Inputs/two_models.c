/* Two different compiled models in one program (two-models.test): fmq (the
 * bundled model, int8) and fmf (the same model, float), each library with its
 * own copy of the libqrt kernels it calls. They link together because every
 * symbol of a library but its NAME_ API is local. Runs both on the float32
 * input in argv[1] (raw bytes) and writes their outputs' raw bytes to
 * argv[2] and argv[3].
 *   cc -I FMQ_DIR -I FMF_DIR two_models.c FMQ_DIR/libfmq.a FMF_DIR/<library> -lm -lpthread */
#include <stdio.h>
#include <stdlib.h>

#include "fmf.h"
#include "fmq.h"

static int read_all(const char *path, void *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) return 1;
  size_t k = fread(buf, 1, n, f);
  int more = fgetc(f) != EOF;
  fclose(f);
  return k != n || more;
}

static int write_all(const char *path, const void *buf, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  size_t k = fwrite(buf, 1, n, f);
  return fclose(f) || k != n;
}

int main(int argc, char **argv) {
  static unsigned char in[FMQ_INPUT_0_BYTES], q_out[FMQ_OUTPUT_0_BYTES], f_out[FMF_OUTPUT_0_BYTES];
  _Static_assert(FMQ_INPUT_0_BYTES == FMF_INPUT_0_BYTES, "one input for both");
  if (argc != 4 || read_all(argv[1], in, sizeof in)) {
    fprintf(stderr, "usage: two_models INPUT.bin FMQ_OUT.bin FMF_OUT.bin (input: %d bytes)\n", FMQ_INPUT_0_BYTES);
    return 2;
  }
  fmq_ctx q;
  fmf_ctx f;
  void *qa = malloc(fmq_arena_size()), *fa = malloc(fmf_arena_size());
  if (!qa || !fa || fmq_init(&q, qa, 1) || fmf_init(&f, fa, 2)) return 1;
  const void *ins[1] = {in};
  void *qo[1] = {q_out}, *fo[1] = {f_out};
  if (fmq_run(&q, ins, qo) || fmf_run(&f, ins, fo)) return 1;
  fmq_deinit(&q);
  fmf_deinit(&f);
  if (write_all(argv[2], q_out, sizeof q_out) || write_all(argv[3], f_out, sizeof f_out)) return 1;
  printf("fmq and fmf ran in one program\n");
  return 0;
}
