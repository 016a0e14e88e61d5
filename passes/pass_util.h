/* Small helpers shared by qcc's passes: reading and making constants. */
#ifndef QCC_PASSES_PASS_UTIL_H
#define QCC_PASSES_PASS_UTIL_H
#include <stdbool.h>
#include <stdint.h>

#include "mlir-c/IR.h"
#include "qcc_dialect.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The qcc.constant op defining v, or a null op. */
MlirOperation qcc_defining_constant(MlirValue v);
/* A malloc'd copy of an f32 constant's values (splats expanded); NULL if v is
 * not an f32 qcc.constant. *numel receives the element count. */
float *qcc_const_f32_copy(MlirValue v, int64_t *numel);
/* The value of a one-element f32 qcc.constant in *out; false if v is not one. */
bool qcc_const_f32_scalar(MlirValue v, float *out);
/* The other operand of a two-operand op of which v is one, or a null value. */
MlirValue qcc_other_operand(MlirOperation op, MlirValue v);
/* Rank and dims of a ranked tensor value (dims has room for 8); -1 if unranked. */
int qcc_value_dims(MlirValue v, int64_t *dims);
/* Build a qcc.constant of `type` (a static tensor type) holding `data`. */
MlirValue qcc_make_constant(qcc_builder *b, MlirLocation loc, MlirType type, const void *data, size_t nbytes);
/* The ops under root (pre-order, so program order in a block) for which keep
 * returns true; malloc'd array (free it), count in *n. */
MlirOperation *qcc_collect_ops(MlirOperation root, bool (*keep)(MlirOperation op), size_t *n);
/* A builder that inserts right before op. */
qcc_builder qcc_builder_before(MlirOperation op);

#ifdef __cplusplus
}
#endif
#endif
