#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int qcc_cli_fail(qcc_status_t st) {
  int code = qcc_status_code_of(st);
  fprintf(stderr, "qcc: error: %s\n", qcc_status_message(st));
  qcc_status_free(st);
  return code;
}

int qcc_cli_errorf(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "qcc: error: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return code;
}

bool qcc_cli_ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

qcc_status_t qcc_cli_load_model(MlirContext ctx, const char *path, const qcc_input_shape *shapes, int n_shapes,
                                MlirModule *out) {
  if (qcc_cli_ends_with(path, ".onnx")) {
    qcc_import_options io = {.input_shapes = shapes, .n_input_shapes = n_shapes, .quiet = true};
    return qcc_import_onnx(ctx, path, &io, out);
  }
  qcc_status_t st = qcc_module_parse_file(ctx, path, out);
  if (!st) st = qcc_module_verify(*out);
  return st;
}

double qcc_cli_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

qcc_status_t qcc_cli_threads(const char *opt, const char *val, int *out) {
  char *end = NULL;
  const long t = val ? strtol(val, &end, 10) : 0;
  if (!val || !*val || *end || t < 1 || t > QCC_CLI_MAX_THREADS)
    return qcc_status_make(QCC_ERR_USAGE, "%s needs a thread count from 1 to %d, got '%s'", opt, QCC_CLI_MAX_THREADS,
                           val ? val : "");
  *out = (int)t;
  return NULL;
}
