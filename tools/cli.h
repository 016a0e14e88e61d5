/* Small helpers the qcc subcommands share (tools/qcc_*.c): one error line on
 * stderr and the exit code, file-name suffixes, a monotonic clock. */
#ifndef QCC_TOOLS_CLI_H
#define QCC_TOOLS_CLI_H
#include <stdbool.h>

#include "qcc.h"
#include "status.h"

/* Prints "qcc: error: MESSAGE", frees st, returns its exit code. */
int qcc_cli_fail(qcc_status_t st);
/* Prints "qcc: error: " and the formatted text; returns code. */
int qcc_cli_errorf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool qcc_cli_ends_with(const char *s, const char *suffix);
/* A model from .onnx (imported with the given input shapes, quietly) or from
 * .mlir/.mlirbc (parsed and verified). */
qcc_status_t qcc_cli_load_model(MlirContext ctx, const char *path, const qcc_input_shape *shapes, int n_shapes,
                                MlirModule *out);
/* Seconds on the monotonic clock. */
double qcc_cli_now_s(void);
/* The value of option opt (--threads, --max-threads: 1 to QCC_CLI_MAX_THREADS)
 * into *out; NULL, or a status naming the option and what it takes. */
#define QCC_CLI_MAX_THREADS 64
qcc_status_t qcc_cli_threads(const char *opt, const char *val, int *out);

#endif
