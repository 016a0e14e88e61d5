/* qcc-dce: remove qcc ops whose results are unused. IRDL ops carry no side-
 * effect information, so upstream DCE/canonicalize never erase them; every
 * qcc op is pure except observe (it records statistics), which is kept. */
#include <stdlib.h>

#include "pass_util.h"
#include "passes.h"
#include "qcc_dialect.h"

static bool keep(MlirOperation op) { return qcc_op_get_kind(op) != QCC_OP_NONE; }

static bool unused(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (!mlirOpOperandIsNull(mlirValueGetFirstUse(mlirOperationGetResult(op, i)))) return false;
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  size_t n;
  MlirOperation *ops = qcc_collect_ops(root, keep, &n);
  /* Reverse program order: erasing a user can make its producers dead. */
  for (size_t i = n; i-- > 0;) {
    MlirOperation op = ops[i];
    if (qcc_op_is(op, QCC_OP_observe)) continue;
    if (unused(op)) mlirOperationDestroy(op);
  }
  free(ops);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-dce takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_dce_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_dce_info = {
    "qcc-dce", "",
    "Remove qcc ops whose results are unused",
    "Before:  %a = \"qcc.relu\"(%x) ...   (no uses)   %b = \"qcc.sigmoid\"(%x) ...  return %b\n"
    "After:   %b = \"qcc.sigmoid\"(%x) ...  return %b\n"
    "qcc.observe is kept: it has the effect of recording statistics.",
    "", create};
