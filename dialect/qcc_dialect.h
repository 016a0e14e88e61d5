/* The qcc dialect from C: op kinds, the attribute schema, builders and
 * accessors. Generated from ops.def by the preprocessor, so no pass or
 * importer spells an op name or attribute key by hand.
 *
 * Ownership: builders return operations owned by the block they were
 * inserted into. Attribute getters return values owned by the context. */
#ifndef QCC_DIALECT_H
#define QCC_DIALECT_H
#include <stdbool.h>
#include <stdint.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QCC_DIALECT_NAMESPACE "qcc"
/* At most this many values in a variadic operand/result list (see gen_dialect.c). */
#define QCC_MAX_VARIADIC 32

typedef enum {
#define QCC_OP(kind, ...) QCC_OP_##kind,
#include "ops.def"
#undef QCC_OP
  QCC_OP_COUNT_,
  QCC_OP_NONE = -1, /* not a qcc op */
} qcc_op_kind;

/* Every attribute key used by any op, once. */
#define QCC_ATTR_LIST(X)                                                                   \
  X(value) X(strides) X(pads) X(dilations) X(group) X(output_padding) X(alpha) X(beta)   \
  X(trans_a) X(trans_b) X(min) X(max) X(approximate) X(axis) X(epsilon) X(kernel)        \
  X(ceil_mode) X(count_include_pad) X(axes) X(keepdims) X(perm) X(starts) X(ends)        \
  X(steps) X(mode) X(coordinate_transformation_mode) X(nearest_mode) X(scales)           \
  X(observer) X(spec) X(id) X(qtype) X(clamp_min) X(clamp_max) X(table) X(storage_order)

typedef enum {
#define QCC_X_(n) QCC_ATTR_##n,
  QCC_ATTR_LIST(QCC_X_)
#undef QCC_X_
  QCC_ATTR_COUNT_
} qcc_attr_id;

typedef enum { QCC_AK_I64, QCC_AK_I64S, QCC_AK_F32, QCC_AK_F32S, QCC_AK_STR, QCC_AK_ELEMS, QCC_AK_TYPE } qcc_attr_kind;
typedef enum { QCC_ARITY_ONE = 1, QCC_ARITY_OPTIONAL = 2, QCC_ARITY_VARIADIC = 3 } qcc_arity;

typedef struct {
  const char *name;
  qcc_arity arity;
} qcc_value_schema;

typedef struct {
  qcc_attr_id id;
  qcc_attr_kind kind;
} qcc_attr_schema;

typedef struct {
  const char *name;      /* "conv2d" */
  const char *full_name; /* "qcc.conv2d" */
  const char *summary;
  const qcc_value_schema *operands; /* terminated by name == NULL */
  const qcc_value_schema *results;
  const qcc_attr_schema *attrs; /* terminated by id == QCC_ATTR_COUNT_ */
  int n_operands, n_results, n_attrs;
} qcc_op_info;

const qcc_op_info *qcc_op_info_get(qcc_op_kind kind);
const char *qcc_attr_name(qcc_attr_id id);
const char *qcc_attr_kind_name(qcc_attr_kind k);

/* Kind of an operation, QCC_OP_NONE if it is not a qcc op. */
qcc_op_kind qcc_op_get_kind(MlirOperation op);
/* Kind from "conv2d" or "qcc.conv2d"; QCC_OP_NONE if unknown. */
qcc_op_kind qcc_op_kind_from_name(const char *name, size_t len);
static inline bool qcc_op_is(MlirOperation op, qcc_op_kind k) { return qcc_op_get_kind(op) == k; }

/* ---- attributes ---- */
MlirNamedAttribute qcc_attr_i64(MlirContext ctx, qcc_attr_id id, int64_t v);
MlirNamedAttribute qcc_attr_i64s(MlirContext ctx, qcc_attr_id id, intptr_t n, const int64_t *v);
MlirNamedAttribute qcc_attr_f32(MlirContext ctx, qcc_attr_id id, float v);
MlirNamedAttribute qcc_attr_f32s(MlirContext ctx, qcc_attr_id id, intptr_t n, const float *v);
MlirNamedAttribute qcc_attr_str(MlirContext ctx, qcc_attr_id id, const char *v);
MlirNamedAttribute qcc_attr_of(MlirContext ctx, qcc_attr_id id, MlirAttribute a);

/* Lookup by id in an op or an attribute list. Null attribute if absent. */
MlirAttribute qcc_op_attr(MlirOperation op, qcc_attr_id id);
MlirAttribute qcc_attrs_find(intptr_t n, const MlirNamedAttribute *attrs, qcc_attr_id id);
/* Typed getters: return false if absent or of the wrong kind. */
bool qcc_attr_as_i64(MlirAttribute a, int64_t *out);
bool qcc_attr_as_f32(MlirAttribute a, float *out);
/* Copies up to max values; returns the count or -1 if a is not the right array. */
intptr_t qcc_attr_as_i64s(MlirAttribute a, int64_t *out, intptr_t max);
intptr_t qcc_attr_as_f32s(MlirAttribute a, float *out, intptr_t max);
bool qcc_attr_as_str(MlirAttribute a, MlirStringRef *out);
/* Convenience on ops (the verifier has already checked presence and kind). */
int64_t qcc_get_i64(MlirOperation op, qcc_attr_id id);
float qcc_get_f32(MlirOperation op, qcc_attr_id id);
intptr_t qcc_get_i64s(MlirOperation op, qcc_attr_id id, int64_t *out, intptr_t max);
intptr_t qcc_get_f32s(MlirOperation op, qcc_attr_id id, float *out, intptr_t max);
MlirStringRef qcc_get_str(MlirOperation op, qcc_attr_id id);
bool qcc_str_eq(MlirStringRef s, const char *c);

/* ---- building ---- */
typedef struct {
  MlirContext ctx;
  MlirBlock block;     /* where new ops go */
  MlirOperation before; /* insert before this op; null = append to block */
} qcc_builder;

/* Create a qcc op of `kind` and insert it at the builder's point. Types of
 * results must be given (see qcc_infer_result_types for computing them). */
MlirOperation qcc_build(qcc_builder *b, qcc_op_kind kind, MlirLocation loc,
                        intptr_t n_operands, const MlirValue *operands,
                        intptr_t n_results, const MlirType *results,
                        intptr_t n_attrs, const MlirNamedAttribute *attrs);

/* The IRDL text of the dialect (generated at build time from ops.def). */
extern const char qcc_dialect_irdl[];

#ifdef __cplusplus
}
#endif
#endif
