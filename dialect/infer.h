/* Result-type inference and checking for qcc ops: one rule per op, used by
 * the importer (to compute result types) and by the C verifier (to check
 * them), so the two cannot disagree. */
#ifndef QCC_INFER_H
#define QCC_INFER_H
#include "qcc_dialect.h"
#include "../compiler/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QCC_MAX_RANK 8

typedef struct {
  int rank;
  int64_t d[QCC_MAX_RANK];
} qcc_shape;

/* Static ranked tensor shape of t; false if t is not one (or rank > 8). */
bool qcc_type_shape(MlirType t, qcc_shape *out);
MlirType qcc_tensor_type(MlirType elem, const qcc_shape *s);
MlirType qcc_type_elem(MlirType t);
/* Number of elements, or -1 on overflow / dynamic dims. */
int64_t qcc_shape_numel(const qcc_shape *s);
/* "1x3x224x224" into buf. */
const char *qcc_shape_str(const qcc_shape *s, char *buf, size_t n);
/* Printed MLIR type into buf (truncated). */
const char *qcc_type_str(MlirType t, char *buf, size_t n);

/* For each i: if out[i] is null it is computed, else it is checked. Ops whose
 * result cannot be inferred from operands and attributes (reshape, cast,
 * expand, quantize, split, ...) need out[] given and are checked for
 * consistency. Returns an INVALID status naming the problem. */
qcc_status_t qcc_infer_result_types(MlirContext ctx, qcc_op_kind kind, intptr_t n_in,
                                    const MlirType *in, intptr_t n_attrs,
                                    const MlirNamedAttribute *attrs, intptr_t n_out,
                                    MlirType *out);

/* Numpy broadcasting of two shapes; false if incompatible. */
bool qcc_broadcast_shapes(const qcc_shape *a, const qcc_shape *b, qcc_shape *out);

#ifdef __cplusplus
}
#endif
#endif
