/* See pass_util.h. */
#include "pass_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

MlirOperation qcc_defining_constant(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return (MlirOperation){NULL};
  MlirOperation d = mlirOpResultGetOwner(v);
  return qcc_op_is(d, QCC_OP_constant) ? d : (MlirOperation){NULL};
}

float *qcc_const_f32_copy(MlirValue v, int64_t *numel) {
  MlirOperation d = qcc_defining_constant(v);
  if (mlirOperationIsNull(d)) return NULL;
  MlirAttribute a = qcc_op_attr(d, QCC_ATTR_value);
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseElements(a)) return NULL;
  MlirType t = mlirAttributeGetType(a);
  if (!mlirTypeIsAF32(mlirShapedTypeGetElementType(t)) || !mlirShapedTypeHasStaticShape(t)) return NULL;
  int64_t n = 1;
  for (intptr_t i = 0; i < mlirShapedTypeGetRank(t); ++i) n *= mlirShapedTypeGetDimSize(t, i);
  float *out = malloc((size_t)(n ? n : 1) * sizeof *out);
  if (!out) return NULL;
  if (mlirDenseElementsAttrIsSplat(a)) {
    float s = mlirDenseElementsAttrGetFloatSplatValue(a);
    for (int64_t i = 0; i < n; ++i) out[i] = s;
  } else {
    memcpy(out, mlirDenseElementsAttrGetRawData(a), (size_t)n * sizeof *out);
  }
  *numel = n;
  return out;
}

int qcc_value_dims(MlirValue v, int64_t *dims) {
  MlirType t = mlirValueGetType(v);
  if (!mlirTypeIsAShaped(t) || !mlirShapedTypeHasRank(t)) return -1;
  int r = (int)mlirShapedTypeGetRank(t);
  if (r > 8) return -1;
  for (int i = 0; i < r; ++i) dims[i] = mlirShapedTypeGetDimSize(t, i);
  return r;
}

MlirValue qcc_make_constant(qcc_builder *b, MlirLocation loc, MlirType type, const void *data, size_t nbytes) {
  MlirAttribute v = mlirDenseElementsAttrRawBufferGet(type, nbytes, data);
  MlirNamedAttribute na = qcc_attr_of(b->ctx, QCC_ATTR_value, v);
  MlirOperation op = qcc_build(b, QCC_OP_constant, loc, 0, NULL, 1, &type, 1, &na);
  return mlirOperationGetResult(op, 0);
}

qcc_builder qcc_builder_before(MlirOperation op) {
  qcc_builder b = {mlirOperationGetContext(op), mlirOperationGetBlock(op), op};
  return b;
}

typedef struct {
  bool (*keep)(MlirOperation);
  MlirOperation *v;
  size_t n, cap;
} collector;

static MlirWalkResult collect_one(MlirOperation op, void *ud) {
  collector *c = ud;
  if (!c->keep(op)) return MlirWalkResultAdvance;
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->v = realloc(c->v, c->cap * sizeof *c->v);
  }
  c->v[c->n++] = op;
  return MlirWalkResultAdvance;
}

MlirOperation *qcc_collect_ops(MlirOperation root, bool (*keep)(MlirOperation op), size_t *n) {
  collector c = {keep, NULL, 0, 0};
  mlirOperationWalk(root, collect_one, &c, MlirWalkPreOrder);
  *n = c.n;
  return c.v;
}

bool qcc_const_f32_scalar(MlirValue v, float *out) {
  int64_t n = 0;
  float *c = qcc_const_f32_copy(v, &n);
  bool ok = c && n == 1;
  if (ok) *out = c[0];
  free(c);
  return ok;
}

MlirValue qcc_other_operand(MlirOperation op, MlirValue v) {
  if (mlirOperationGetNumOperands(op) != 2) return (MlirValue){NULL};
  MlirValue a = mlirOperationGetOperand(op, 0), b = mlirOperationGetOperand(op, 1);
  if (mlirValueEqual(a, v)) return b;
  if (mlirValueEqual(b, v)) return a;
  return (MlirValue){NULL};
}

qcc_status_t qcc_option_unknown(const char *pass, const char *key, const char *known) {
  return qcc_status_make(QCC_ERR_USAGE, "%s: unknown option '%s' (%s)", pass, key, known);
}

qcc_status_t qcc_option_bool(const char *pass, const qcc_pass_option *o, bool *out) {
  if (strcmp(o->value, "0") && strcmp(o->value, "1"))
    return qcc_status_make(QCC_ERR_USAGE, "%s: %s is 0 or 1, got '%s'", pass, o->key, o->value);
  *out = o->value[0] == '1';
  return NULL;
}

qcc_status_t qcc_option_long(const char *pass, const qcc_pass_option *o, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(o->value, &end, 10);
  if (!o->value[0] || *end || errno || v < lo || v > hi)
    return qcc_status_make(QCC_ERR_USAGE, "%s: %s is a number from %ld to %ld, got '%s'", pass, o->key, lo, hi, o->value);
  *out = v;
  return NULL;
}

qcc_status_t qcc_option_double(const char *pass, const qcc_pass_option *o, double lo, double hi, const char *what,
                               double *out) {
  char *end;
  double v = strtod(o->value, &end);
  if (!o->value[0] || *end || !isfinite(v) || !(v > lo) || !(v <= hi))
    return qcc_status_make(QCC_ERR_USAGE, "%s: %s is %s, got '%s'", pass, o->key, what, o->value);
  *out = v;
  return NULL;
}
