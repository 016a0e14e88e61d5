/* The C verifier: the shape and attribute rules IRDL cannot express. Tools run
 * it after parsing and after every pass (see compiler/pipeline.c). */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "mlir-c/Diagnostics.h"

typedef struct {
  int errors;
} vstate;

static MlirWalkResult verify_op(MlirOperation op, void *ud) {
  vstate *st = ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k == QCC_OP_NONE) {
    MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
    if (n.length > 4 && memcmp(n.data, "qcc.", 4) == 0) {
      mlirEmitError(mlirOperationGetLocation(op), "unknown qcc op");
      st->errors++;
    }
    return MlirWalkResultAdvance;
  }
  intptr_t n_in = mlirOperationGetNumOperands(op), n_out = mlirOperationGetNumResults(op);
  intptr_t n_attr = mlirOperationGetNumAttributes(op);
  MlirType in_stack[16], out_stack[16];
  MlirNamedAttribute at_stack[16];
  MlirType *in = n_in <= 16 ? in_stack : malloc(sizeof(MlirType) * (size_t)n_in);
  MlirType *out = n_out <= 16 ? out_stack : malloc(sizeof(MlirType) * (size_t)n_out);
  MlirNamedAttribute *at = n_attr <= 16 ? at_stack : malloc(sizeof(MlirNamedAttribute) * (size_t)n_attr);
  for (intptr_t i = 0; i < n_in; ++i) in[i] = mlirValueGetType(mlirOperationGetOperand(op, i));
  for (intptr_t i = 0; i < n_out; ++i) out[i] = mlirValueGetType(mlirOperationGetResult(op, i));
  for (intptr_t i = 0; i < n_attr; ++i) at[i] = mlirOperationGetAttribute(op, i);
  qcc_status_t s = qcc_infer_result_types(mlirOperationGetContext(op), k, n_in, in, n_attr, at, n_out, out);
  if (s) {
    char msg[768];
    snprintf(msg, sizeof msg, "'qcc.%s' op %s", qcc_op_info_get(k)->name, qcc_status_message(s));
    mlirEmitError(mlirOperationGetLocation(op), msg);
    qcc_status_free(s);
    st->errors++;
  }
  if (in != in_stack) free(in);
  if (out != out_stack) free(out);
  if (at != at_stack) free(at);
  return MlirWalkResultAdvance;
}

int qcc_verify_ops(MlirOperation root) {
  vstate st = {0};
  mlirOperationWalk(root, verify_op, &st, MlirWalkPreOrder);
  return st.errors;
}

bool qcc_verify(MlirOperation root) {
  /* MLIR's own verifier first (IRDL constraints, SSA dominance, func types). */
  if (!mlirOperationVerify(root)) return false;
  return qcc_verify_ops(root) == 0;
}
