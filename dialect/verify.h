/* qcc's C verifier. Diagnostics go to the context's handler, located at the
 * failing op (its ONNX node name for imported graphs). */
#ifndef QCC_VERIFY_H
#define QCC_VERIFY_H
#include <stdbool.h>

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MLIR's verifier, then qcc's shape/attribute rules on every qcc op. */
bool qcc_verify(MlirOperation root);
/* Only qcc's rules; returns the number of failing ops. */
int qcc_verify_ops(MlirOperation root);

#ifdef __cplusplus
}
#endif
#endif
