/* libFuzzer target: the ONNX importer, end to end (protobuf-c unpacking,
 * tensors, every op handler, shape inference, MLIR verification). Any input
 * must give a module or a status, never a crash.
 * Built as a real fuzzer with -DQCC_FUZZ=ON (clang); otherwise linked with
 * replay_main.c, which runs the corpus once (the test suite does this). */
#include <stddef.h>
#include <stdint.h>

#include "qcc.h"

static MlirContext g_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (mlirContextIsNull(g_ctx)) {
    qcc_status_t s = qcc_context_create(NULL, &g_ctx);
    if (s) __builtin_trap();
    qcc_diag_set_capture(true); /* keep diagnostics quiet */
  }
  qcc_import_options o = {.quiet = true};
  MlirModule m;
  qcc_status_t s = qcc_import_onnx_buffer(g_ctx, data, size, "fuzz/model.onnx", &o, &m);
  if (s) {
    if (qcc_status_code_of(s) == QCC_ERR_INTERNAL) __builtin_trap(); /* a bug, not bad input */
    qcc_status_free(s);
  } else {
    mlirModuleDestroy(m);
  }
  qcc_diag_clear();
  return 0;
}
