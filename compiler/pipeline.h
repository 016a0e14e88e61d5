/* Pass pipelines from text: qcc passes by flag with options in {...} parsed
 * here, upstream passes handed to MLIR. qcc's verifier runs after every pass. */
#ifndef QCC_PIPELINE_H
#define QCC_PIPELINE_H
#include <stdbool.h>
#include <stddef.h>

#include "mlir-c/Pass.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What `qcc run` and `qcc compile` apply to an imported .onnx model (unless
 * --no-fuse): the elementwise spellings of LayerNormalization and GELU become
 * single ops, and a QDQ model's patterns become quantized ops. */
#define QCC_IMPORT_FUSIONS "qcc-fuse-layer-norm,qcc-fuse-gelu,qcc-fuse-qdq"

/* What `qcc compile` runs on the model before emitting C (docs/codegen.md):
 * the lowering passes, the memory plan made for target and max_threads;
 * qcc-select-layout unless select_layout is false (--no-select-layout).
 * Written into buf (truncated to n bytes). */
void qcc_lowering_pipeline(char *buf, size_t n, const char *target, int max_threads, bool select_layout);

/* "qcc-dce,canonicalize,qcc-annotate{quantizer=x86}" -> passes added to pm. */
qcc_status_t qcc_pipeline_add(MlirPassManager pm, const char *pipeline);
/* Run pm on the module; a failing pass gives a VERIFY/INVALID status. */
qcc_status_t qcc_pipeline_run(MlirPassManager pm, MlirModule m);

#ifdef __cplusplus
}
#endif
#endif
