/* Small helpers shared by qcc's passes: reading and making constants. */
#ifndef QCC_PASSES_PASS_UTIL_H
#define QCC_PASSES_PASS_UTIL_H
#include <stdbool.h>
#include <stdint.h>

#include "mlir-c/IR.h"
#include "qcc_dialect.h"
#include "registry.h"

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

/* A pass's options (key=value pairs of the pipeline string), read the same way
 * by every pass so that they word their errors alike (usage errors):
 *   "PASS: unknown option 'KEY' (KNOWN)"     KNOWN: the pass's keys, "a, b, c"
 *   "PASS: KEY is 0 or 1, got 'VALUE'"
 *   "PASS: KEY is a number from LO to HI, got 'VALUE'"
 *   "PASS: KEY is WHAT, got 'VALUE'"        (qcc_option_double) */
qcc_status_t qcc_option_unknown(const char *pass, const char *key, const char *known);
/* o->value is "0" or "1". */
qcc_status_t qcc_option_bool(const char *pass, const qcc_pass_option *o, bool *out);
/* o->value is a whole decimal integer in [lo, hi]. */
qcc_status_t qcc_option_long(const char *pass, const qcc_pass_option *o, long lo, long hi, long *out);
/* o->value is a whole finite number with lo < v <= hi; WHAT describes it. */
qcc_status_t qcc_option_double(const char *pass, const qcc_pass_option *o, double lo, double hi, const char *what,
                               double *out);

#ifdef __cplusplus
}
#endif
#endif
