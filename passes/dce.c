/* qcc-dce: remove qcc ops whose results are unused. IRDL ops carry no side-
 * effect information, so upstream DCE/canonicalize never erase them; every
 * qcc op is pure except observe (it records statistics), which is kept. */
#include <stdlib.h>

#include "passes.h"
#include "qcc_dialect.h"

typedef struct {
  MlirOperation *v;
  size_t n, cap;
} opvec;

static MlirWalkResult collect(MlirOperation op, void *ud) {
  opvec *o = ud;
  if (qcc_op_get_kind(op) == QCC_OP_NONE) return MlirWalkResultAdvance;
  if (o->n == o->cap) {
    o->cap = o->cap ? 2 * o->cap : 64;
    o->v = realloc(o->v, o->cap * sizeof *o->v);
  }
  o->v[o->n++] = op;
  return MlirWalkResultAdvance;
}

static bool unused(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (!mlirOpOperandIsNull(mlirValueGetFirstUse(mlirOperationGetResult(op, i)))) return false;
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  opvec o = {0};
  mlirOperationWalk(root, collect, &o, MlirWalkPostOrder);
  /* Reverse program order: erasing a user can make its producers dead. */
  for (size_t i = o.n; i-- > 0;) {
    MlirOperation op = o.v[i];
    if (qcc_op_is(op, QCC_OP_observe)) continue;
    if (unused(op)) mlirOperationDestroy(op);
  }
  free(o.v);
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
