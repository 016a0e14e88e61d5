/* Internals of the ONNX importer, shared by onnx_import.c (model, tensors,
 * values) and onnx_ops.c (one handler per ONNX op). */
#ifndef QCC_ONNX_INTERNAL_H
#define QCC_ONNX_INTERNAL_H
#include "infer.h"
#include "onnx.pb-c.h"
#include "qcc.h"

/* ONNX TensorProto.DataType values we use. */
enum {
  OX_FLOAT = 1, OX_UINT8 = 2, OX_INT8 = 3, OX_UINT16 = 4, OX_INT16 = 5, OX_INT32 = 6,
  OX_INT64 = 7, OX_STRING = 8, OX_BOOL = 9, OX_FLOAT16 = 10, OX_DOUBLE = 11,
  OX_UINT32 = 12, OX_UINT64 = 13, OX_BFLOAT16 = 16
};

/* A tensor known at import time (initializer, Constant, folded shape math). */
typedef struct {
  int dtype; /* OX_* */
  qcc_shape shape;
  void *data; /* owned, numel * elem size bytes */
  size_t nbytes;
} ox_const;

typedef struct ox_value {
  char *name;
  MlirValue v;  /* null until materialized (constants) */
  bool is_const;
  ox_const c;
  MlirType type; /* tensor type */
} ox_value;

typedef struct {
  MlirContext ctx;
  const char *path;
  char dir[4096];
  Onnx__ModelProto *model;
  int64_t opset; /* default domain */
  MlirLocation file_loc;
  qcc_builder b;
  MlirBlock entry;
  ox_value **tab; /* open-addressing hash of values by name */
  size_t tab_cap, tab_n;
  const qcc_import_options *opts;
} ox_importer;

typedef struct {
  ox_importer *im;
  Onnx__NodeProto *node;
  MlirLocation loc;
  int n_in;
  ox_value *in[64]; /* NULL for absent optional inputs */
} ox_node;

int ox_elem_size(int dtype);
const char *ox_dtype_name(int dtype);
MlirType ox_mlir_elem(MlirContext ctx, int dtype);
int ox_dtype_of_mlir(MlirType elem); /* 0 if none */

ox_value *ox_lookup(ox_importer *im, const char *name);
ox_value *ox_define(ox_importer *im, const char *name);
/* The MLIR value of x, materializing a qcc.constant if needed. */
qcc_status_t ox_val(ox_importer *im, ox_value *x, MlirValue *out);
/* Element i of a constant as int64 / double. */
int64_t ox_const_i64(const ox_const *c, int64_t i);
double ox_const_f64(const ox_const *c, int64_t i);
qcc_status_t ox_const_alloc(ox_const *c, int dtype, const qcc_shape *s);
MlirAttribute ox_const_attr(MlirContext ctx, const ox_const *c);

/* Node helpers (messages name the node). */
qcc_status_t ox_err(ox_node *n, qcc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
Onnx__AttributeProto *ox_attr(ox_node *n, const char *name);
int64_t ox_attr_i(ox_node *n, const char *name, int64_t dflt);
float ox_attr_f(ox_node *n, const char *name, float dflt);
const char *ox_attr_s(ox_node *n, const char *name, const char *dflt, char *buf, size_t len);
/* ints attribute into out (max 16); returns count or -1 if absent. */
int ox_attr_ints(ox_node *n, const char *name, int64_t *out);
/* Input i must be a known constant (for shapes, axes, ...). */
qcc_status_t ox_need_const(ox_node *n, int i, const char *what, ox_const **out);
ox_value *ox_in(ox_node *n, int i); /* NULL if absent */
bool ox_in_shape(ox_node *n, int i, qcc_shape *s);
MlirType ox_in_elem(ox_node *n, int i);

/* Build a qcc op; result types computed when res[i] is null. */
qcc_status_t ox_emit(ox_node *n, qcc_op_kind kind, int n_ops, ox_value *const *ops, int n_attrs,
                     const MlirNamedAttribute *attrs, int n_res, MlirType *res, MlirValue *out);
/* Same, with MLIR values as operands. */
qcc_status_t ox_emit_v(ox_node *n, qcc_op_kind kind, int n_ops, const MlirValue *ops, int n_attrs,
                       const MlirNamedAttribute *attrs, int n_res, MlirType *res, MlirValue *out);
/* Bind node output i to v (an absent/empty output name is ignored). */
qcc_status_t ox_set_out(ox_node *n, int i, MlirValue v);
qcc_status_t ox_set_out_const(ox_node *n, int i, ox_const *c); /* takes ownership */

qcc_status_t ox_tensor_proto_to_const(ox_importer *im, Onnx__TensorProto *t, ox_const *c);

/* The op table (onnx_ops.c). */
typedef qcc_status_t (*ox_handler)(ox_node *n);
ox_handler ox_find_handler(const char *op_type);
/* Host evaluation of shape-math ops on constants; false if not foldable. */
bool ox_try_fold(ox_node *n, qcc_status_t *st);

#endif
