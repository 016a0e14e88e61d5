/* qcc_runner.h — the command-line runner of a model compiled by `qcc compile`.
 *
 * `qcc compile` emits NAME_run_main.c: a table describing the model (its
 * inputs and outputs, arena and context sizes, and its init/run functions)
 * and a main() that calls qcc_runner_main. qcc_runner.c reads the inputs
 * from .npy files, runs the model, writes the outputs as .npy files (byte for
 * byte what `qcc run --output-dir` writes) and can time repeated runs.
 * C11 + POSIX, libc only; no dependency on libqcc. */
#ifndef QCC_RUNNER_H
#define QCC_RUNNER_H
#include <stddef.h>
#include <stdint.h>

#define QCC_RUNNER_MAX_RANK 8

typedef struct {
  const char *name;  /* the model's name for the tensor */
  const char *descr; /* numpy dtype string: "<f4", "|u1", ... */
  int rank;
  int64_t shape[QCC_RUNNER_MAX_RANK];
  size_t nbytes;
} qcc_runner_tensor;

typedef struct {
  const char *model;
  int n_inputs;
  const qcc_runner_tensor *inputs;
  int n_outputs;
  const qcc_runner_tensor *outputs;
  size_t arena_size;
  size_t ctx_size;
  size_t weights_size;
  int weights_file; /* 1: the weights come from a file (--weights, default NAME.weights next to the runner) */
  int max_threads;  /* NAME_MAX_THREADS: the most --threads may ask for */
  int (*init)(void *ctx, void *arena, const void *weights, int threads);
  int (*run)(void *ctx, const void *const *inputs, void *const *outputs);
  int (*failed_step)(const void *ctx);
  void (*deinit)(void *ctx);
} qcc_runner_model;

/* Parse argv (see --help), run, write; the process exit code: 0 ok, 2 usage,
 * 4 invalid input (a .npy of the wrong dtype or shape), 5 I/O, 1 the model
 * failed. */
int qcc_runner_main(const qcc_runner_model *m, int argc, char **argv);

#endif
