/* libFuzzer target: pass-pipeline strings (qcc-opt --pass-pipeline, and every
 * tool that takes a pipeline): compiler/pipeline.c splits the text at
 * top-level commas, parses `qcc-pass{key=value key2='v 2'}` itself, creates
 * the qcc passes from their options and hands every other element to MLIR's
 * own pipeline parser. Any string must give a pass manager or a USAGE status
 * (never a crash, an INTERNAL status or a leak).
 *
 * A pipeline of qcc passes only that is accepted is also run on a small
 * module, so a pass that was accepted with options it cannot honour shows up
 * here too; a failing run is fine (for example a func.func pass added to the
 * module's pass manager), a crash is not. Pipelines with upstream passes are
 * parsed but not run: running arbitrary upstream passes tests MLIR, not qcc.
 *
 * Built as a real fuzzer with -DQCC_FUZZ=ON; otherwise linked with
 * replay_main.c, which runs the corpus once (ctest does). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "qcc.h"

static MlirContext g_ctx;

/* A function with a dead op, so qcc-dce and canonicalize have work. */
static const char k_module[] =
    "func.func @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n"
    "  %0 = arith.constant dense<1.0> : tensor<2xf32>\n"
    "  %1 = arith.addf %arg0, %0 : tensor<2xf32>\n"
    "  return %arg0 : tensor<2xf32>\n"
    "}\n";

/* True if every top-level element is a qcc pass ("qcc-..." or empty). */
static bool qcc_only(const char *s) {
  int depth = 0;
  bool start = true;
  for (const char *c = s; *c; ++c) {
    if (*c == '{') depth++;
    else if (*c == '}') depth--;
    else if (depth == 0 && *c == '(') return false;
    else if (depth == 0 && *c == ',') start = true;
    else if (start && *c != ' ' && *c != '\t' && *c != '\n') {
      if (strncmp(c, "qcc-", 4)) return false;
      start = false;
    }
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (mlirContextIsNull(g_ctx)) {
    qcc_context_options co = {.all_upstream = true}; /* as qcc-opt */
    if (qcc_context_create(&co, &g_ctx)) __builtin_trap();
    qcc_diag_set_capture(true); /* keep diagnostics quiet */
  }
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0; /* an embedded NUL ends the string, as in argv */

  MlirPassManager pm = mlirPassManagerCreate(g_ctx);
  qcc_status_t st = qcc_pipeline_add(pm, text);
  if (st) {
    const char *msg = qcc_status_message(st);
    if (qcc_status_code_of(st) != QCC_ERR_USAGE || !msg || !*msg) {
      fprintf(stderr, "pipeline_fuzz: status %d '%s' for a bad pipeline (expected a USAGE error)\n",
              (int)qcc_status_code_of(st), msg ? msg : "(null)");
      abort();
    }
    qcc_status_free(st);
  } else if (qcc_only(text)) {
    MlirModule m;
    if (qcc_module_parse_buffer(g_ctx, k_module, sizeof k_module - 1, "fuzz.mlir", &m)) __builtin_trap();
    st = qcc_pipeline_run(pm, m);
    if (st) {
      if (qcc_status_code_of(st) == QCC_ERR_INTERNAL) abort(); /* a bug, not a bad pipeline */
      qcc_status_free(st);
    }
    mlirModuleDestroy(m);
  }
  mlirPassManagerDestroy(pm);
  qcc_diag_clear();
  free(text);
  return 0;
}
