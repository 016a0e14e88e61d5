/* Builders and accessors of the qcc dialect. */
#include "qcc_dialect.h"

#include <string.h>

qcc_op_kind qcc_op_get_kind(MlirOperation op) {
  if (mlirOperationIsNull(op)) return QCC_OP_NONE;
  MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(op));
  if (s.length < 5 || memcmp(s.data, "qcc.", 4) != 0) return QCC_OP_NONE;
  return qcc_op_kind_from_name(s.data, s.length);
}

/* ---- attributes ---- */
static MlirIdentifier attr_ident(MlirContext ctx, qcc_attr_id id) {
  return mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(qcc_attr_name(id)));
}

MlirNamedAttribute qcc_attr_of(MlirContext ctx, qcc_attr_id id, MlirAttribute a) {
  return mlirNamedAttributeGet(attr_ident(ctx, id), a);
}
MlirNamedAttribute qcc_attr_i64(MlirContext ctx, qcc_attr_id id, int64_t v) {
  return qcc_attr_of(ctx, id, mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), v));
}
MlirNamedAttribute qcc_attr_i64s(MlirContext ctx, qcc_attr_id id, intptr_t n, const int64_t *v) {
  return qcc_attr_of(ctx, id, mlirDenseI64ArrayGet(ctx, n, v));
}
MlirNamedAttribute qcc_attr_f32(MlirContext ctx, qcc_attr_id id, float v) {
  return qcc_attr_of(ctx, id, mlirFloatAttrDoubleGet(ctx, mlirF32TypeGet(ctx), v));
}
MlirNamedAttribute qcc_attr_f32s(MlirContext ctx, qcc_attr_id id, intptr_t n, const float *v) {
  return qcc_attr_of(ctx, id, mlirDenseF32ArrayGet(ctx, n, v));
}
MlirNamedAttribute qcc_attr_str(MlirContext ctx, qcc_attr_id id, const char *v) {
  return qcc_attr_of(ctx, id, mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(v)));
}

MlirAttribute qcc_op_attr(MlirOperation op, qcc_attr_id id) {
  return mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(qcc_attr_name(id)));
}

MlirAttribute qcc_attrs_find(intptr_t n, const MlirNamedAttribute *attrs, qcc_attr_id id) {
  const char *want = qcc_attr_name(id);
  size_t wl = strlen(want);
  for (intptr_t i = 0; i < n; ++i) {
    MlirStringRef s = mlirIdentifierStr(attrs[i].name);
    if (s.length == wl && memcmp(s.data, want, wl) == 0) return attrs[i].attribute;
  }
  return (MlirAttribute){NULL};
}

bool qcc_attr_as_i64(MlirAttribute a, int64_t *out) {
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAInteger(a)) return false;
  *out = mlirIntegerAttrGetValueInt(a);
  return true;
}
bool qcc_attr_as_f32(MlirAttribute a, float *out) {
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAFloat(a)) return false;
  *out = (float)mlirFloatAttrGetValueDouble(a);
  return true;
}
intptr_t qcc_attr_as_i64s(MlirAttribute a, int64_t *out, intptr_t max) {
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseI64Array(a)) return -1;
  intptr_t n = mlirDenseArrayGetNumElements(a);
  for (intptr_t i = 0; i < n && i < max; ++i) out[i] = mlirDenseI64ArrayGetElement(a, i);
  return n;
}
intptr_t qcc_attr_as_f32s(MlirAttribute a, float *out, intptr_t max) {
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseF32Array(a)) return -1;
  intptr_t n = mlirDenseArrayGetNumElements(a);
  for (intptr_t i = 0; i < n && i < max; ++i) out[i] = mlirDenseF32ArrayGetElement(a, i);
  return n;
}
bool qcc_attr_as_str(MlirAttribute a, MlirStringRef *out) {
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a)) return false;
  *out = mlirStringAttrGetValue(a);
  return true;
}

int64_t qcc_get_i64(MlirOperation op, qcc_attr_id id) {
  int64_t v = 0;
  qcc_attr_as_i64(qcc_op_attr(op, id), &v);
  return v;
}
float qcc_get_f32(MlirOperation op, qcc_attr_id id) {
  float v = 0;
  qcc_attr_as_f32(qcc_op_attr(op, id), &v);
  return v;
}
intptr_t qcc_get_i64s(MlirOperation op, qcc_attr_id id, int64_t *out, intptr_t max) {
  return qcc_attr_as_i64s(qcc_op_attr(op, id), out, max);
}
intptr_t qcc_get_f32s(MlirOperation op, qcc_attr_id id, float *out, intptr_t max) {
  return qcc_attr_as_f32s(qcc_op_attr(op, id), out, max);
}
MlirStringRef qcc_get_str(MlirOperation op, qcc_attr_id id) {
  MlirStringRef s = {"", 0};
  qcc_attr_as_str(qcc_op_attr(op, id), &s);
  return s;
}
bool qcc_str_eq(MlirStringRef s, const char *c) {
  size_t n = strlen(c);
  return s.length == n && memcmp(s.data, c, n) == 0;
}

/* ---- building ---- */
MlirOperation qcc_build(qcc_builder *b, qcc_op_kind kind, MlirLocation loc,
                        intptr_t n_operands, const MlirValue *operands,
                        intptr_t n_results, const MlirType *results,
                        intptr_t n_attrs, const MlirNamedAttribute *attrs) {
  const qcc_op_info *info = qcc_op_info_get(kind);
  MlirOperationState st =
      mlirOperationStateGet(mlirStringRefCreateFromCString(info->full_name), loc);
  if (n_operands) mlirOperationStateAddOperands(&st, n_operands, operands);
  if (n_results) mlirOperationStateAddResults(&st, n_results, results);
  if (n_attrs) mlirOperationStateAddAttributes(&st, n_attrs, attrs);
  /* Variadic lists are declared as optional values (gen_dialect.c): say how
   * many of each are present. */
  for (int which = 0; which < 2; ++which) {
    const qcc_value_schema *v = which ? info->results : info->operands;
    int nv = which ? info->n_results : info->n_operands;
    intptr_t total = which ? n_results : n_operands;
    bool has_var = false;
    for (int i = 0; i < nv; ++i) has_var |= v[i].arity == QCC_ARITY_VARIADIC;
    if (!has_var) continue;
    int32_t seg[QCC_MAX_VARIADIC + 16];
    int ns = 0;
    intptr_t fixed = 0;
    for (int i = 0; i < nv; ++i) fixed += v[i].arity == QCC_ARITY_VARIADIC ? 0 : 1;
    intptr_t nvar = total - fixed;
    for (int i = 0; i < nv && ns < QCC_MAX_VARIADIC + 16; ++i) {
      if (v[i].arity != QCC_ARITY_VARIADIC) { seg[ns++] = 1; continue; }
      for (int j = 0; j < QCC_MAX_VARIADIC; ++j) seg[ns++] = j < nvar ? 1 : 0;
    }
    const char *key = which ? "resultSegmentSizes" : "operandSegmentSizes";
    MlirNamedAttribute na = mlirNamedAttributeGet(mlirIdentifierGet(b->ctx, mlirStringRefCreateFromCString(key)),
                                                  mlirDenseI32ArrayGet(b->ctx, ns, seg));
    mlirOperationStateAddAttributes(&st, 1, &na);
  }
  MlirOperation op = mlirOperationCreate(&st);
  if (!mlirOperationIsNull(b->before))
    mlirBlockInsertOwnedOperationBefore(b->block, b->before, op);
  else
    mlirBlockAppendOwnedOperation(b->block, op);
  return op;
}
