/* qcc-cse: common subexpression elimination for qcc ops. IRDL ops carry no
 * side-effect information, so upstream `cse` leaves them alone; every qcc op
 * except observe is pure, so two ops with the same name, operands,
 * attributes and result types compute the same values, and the later one is
 * replaced by the earlier (which dominates it: same block, earlier). Equal
 * constants (attributes are uniqued, so equal values are equal attributes)
 * merge too, which deduplicates repeated weights. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"
#include "qcc_dialect.h"

typedef struct {
  MlirOperation *slots;
  size_t cap;
  int removed;
} table;

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

static uint64_t op_hash(MlirOperation op) {
  uint64_t h = (uint64_t)(uintptr_t)mlirIdentifierStr(mlirOperationGetName(op)).data;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    h = mix(h, (uint64_t)(uintptr_t)mlirOperationGetOperand(op, i).ptr);
  for (intptr_t i = 0; i < mlirOperationGetNumAttributes(op); ++i)
    h = mix(h, (uint64_t)(uintptr_t)mlirOperationGetAttribute(op, i).attribute.ptr);
  return h;
}

static bool same(MlirOperation a, MlirOperation b) {
  if (!mlirIdentifierEqual(mlirOperationGetName(a), mlirOperationGetName(b))) return false;
  if (!mlirBlockEqual(mlirOperationGetBlock(a), mlirOperationGetBlock(b))) return false;
  intptr_t n = mlirOperationGetNumOperands(a);
  if (n != mlirOperationGetNumOperands(b) || mlirOperationGetNumResults(a) != mlirOperationGetNumResults(b)) return false;
  for (intptr_t i = 0; i < n; ++i)
    if (!mlirValueEqual(mlirOperationGetOperand(a, i), mlirOperationGetOperand(b, i))) return false;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(a); ++i)
    if (!mlirTypeEqual(mlirValueGetType(mlirOperationGetResult(a, i)), mlirValueGetType(mlirOperationGetResult(b, i))))
      return false;
  intptr_t na = mlirOperationGetNumAttributes(a);
  if (na != mlirOperationGetNumAttributes(b)) return false;
  for (intptr_t i = 0; i < na; ++i) {
    MlirNamedAttribute x = mlirOperationGetAttribute(a, i);
    MlirAttribute y = mlirOperationGetAttributeByName(b, mlirIdentifierStr(x.name));
    if (mlirAttributeIsNull(y) || !mlirAttributeEqual(x.attribute, y)) return false;
  }
  return true;
}

typedef struct {
  MlirOperation *v;
  size_t n, cap;
} opvec;

static MlirWalkResult collect(MlirOperation op, void *ud) {
  opvec *o = ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k == QCC_OP_NONE || k == QCC_OP_observe) return MlirWalkResultAdvance;
  if (o->n == o->cap) {
    o->cap = o->cap ? 2 * o->cap : 64;
    o->v = realloc(o->v, o->cap * sizeof *o->v);
  }
  o->v[o->n++] = op;
  return MlirWalkResultAdvance;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  (void)ud;
  opvec o = {0};
  mlirOperationWalk(root, collect, &o, MlirWalkPreOrder);
  table t = {calloc(o.n * 2 + 1, sizeof(MlirOperation)), o.n * 2 + 1, 0};
  /* Program order: an op's operands were already merged when it is seen. */
  for (size_t i = 0; i < o.n; ++i) {
    MlirOperation op = o.v[i];
    size_t h = (size_t)(op_hash(op) % t.cap);
    for (;; h = (h + 1) % t.cap) {
      if (mlirOperationIsNull(t.slots[h])) {
        t.slots[h] = op;
        break;
      }
      if (same(t.slots[h], op)) {
        for (intptr_t r = 0; r < mlirOperationGetNumResults(op); ++r)
          mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(op, r), mlirOperationGetResult(t.slots[h], r));
        mlirOperationDestroy(op);
        t.removed++;
        break;
      }
    }
  }
  free(t.slots);
  free(o.v);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-cse takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_cse_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_cse_info = {
    "qcc-cse", "",
    "Merge qcc ops that compute the same values (same op, operands, attributes and types)",
    "Before:  %a = \"qcc.relu\"(%x)   %b = \"qcc.relu\"(%x)   %c = \"qcc.add\"(%a, %b)\n"
    "After:   %a = \"qcc.relu\"(%x)   %c = \"qcc.add\"(%a, %a)\n"
    "Equal constants merge (repeated weights are stored once); qcc.observe is never merged.",
    "", create};
