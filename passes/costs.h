/* Cost tables: how long a layer takes at each precision on a target, so that
 * qcc-sensitivity can give each choice a time and qcc-select-precision can
 * honour --max-latency and avoid precisions that are slower than a more
 * precise one (docs/precision.md, "Time: the cost table").
 *
 * A table is a JSON file:
 *   {"format": "qcc-cost-table", "version": 1,
 *    "target": "x86-64-v3",
 *    "source": "who measured it, where, how (or which published figures)",
 *    "ops": {"gemm": {"fp32": {"call_ns": 850, "mac_ns": 0.0061, "weight_ns": 0.21},
 *                     "int8": {...}, ...},
 *            "matmul": {...}, "conv": {...}, "dwconv": {...}},
 *    ...other keys (e.g. "measurements") are kept for people, not read}
 * and a layer's estimated time is, for its op kind and precision,
 *   time_ns = call_ns + mac_ns * MACs + weight_ns * weights
 * (MACs: multiply-accumulates of one run of the layer at the model's shapes;
 * weights: weight elements). call_ns is the fixed cost of a call (packing a
 * row, quantizing the input, the epilogue), mac_ns the compute-bound slope,
 * weight_ns the cost of streaming each weight element once (what dominates a
 * Linear layer with one input row). Op kinds: "conv" (conv2d and
 * conv_transpose that are not depthwise), "dwconv" (conv2d with groups ==
 * input channels == output channels), "gemm" (Gemm), "matmul" (MatMul by a
 * constant). Precisions: qcc_precision_name's. A table may leave out
 * pairs; a layer whose pair is missing has no estimate (an error when a time
 * is needed). Every number must be finite and >= 0.
 *
 * Shipped tables: data/costs/TARGET.json, found next to the qcc binary
 * (qcc_cost_table_default_path). `qcc cost-table` measures one. */
#ifndef QCC_PASSES_COSTS_H
#define QCC_PASSES_COSTS_H
#include <stdbool.h>
#include <stddef.h>

#include "precision.h"
#include "status.h"

typedef enum { QCC_COST_CONV, QCC_COST_DWCONV, QCC_COST_GEMM, QCC_COST_MATMUL, QCC_COST_OP_COUNT } qcc_cost_op;

typedef struct {
  bool set;
  double call_ns, mac_ns, weight_ns;
} qcc_cost_entry;

typedef struct {
  char target[64];
  char source[1024];
  qcc_cost_entry e[QCC_COST_OP_COUNT][QCC_PREC_COUNT];
} qcc_cost_table;

/* "conv", "dwconv", "gemm", "matmul"; false for an unknown name. */
const char *qcc_cost_op_name(qcc_cost_op op);
bool qcc_cost_op_parse(const char *s, qcc_cost_op *out);
/* The op kind of a layer (qcc_layers_collect). */
qcc_cost_op qcc_cost_op_of(const qcc_layer *l);

/* Parses a table (text: len bytes, not necessarily NUL-terminated; path names
 * it in messages). INVALID with one line "cost table PATH: ..." naming what
 * is wrong and where: malformed JSON, a missing or mistyped format, version,
 * target, source or ops, an unknown op kind or precision, an entry without
 * the three numbers or with a negative or non-finite one. Fuzzed by
 * test/fuzz/cost_table_fuzz.c. */
qcc_status_t qcc_cost_table_parse(const char *text, size_t len, const char *path, qcc_cost_table *out);
/* Reads and parses the file (IO if it cannot be read). */
qcc_status_t qcc_cost_table_load(const char *path, qcc_cost_table *out);

/* Estimated milliseconds of layer l at p; false when the table has no entry
 * for its op kind and p. */
bool qcc_cost_layer_ms(const qcc_cost_table *t, const qcc_layer *l, qcc_precision p, double *ms);

/* The shipped table of a target (x86-64-v3, x86-64-v4 or x86-64-v4-vnni,
 * aarch64, aarch64-dotprod; native: the host's; generic: the scalar
 * kernels'): $QCC_COST_TABLE_DIR/TARGET.json, else DIR/../share/qcc/costs/
 * next to the running binary's DIR. USAGE for an unknown target, IO when the
 * file is not there. */
qcc_status_t qcc_cost_table_default_path(const char *target, char *out, size_t n);

#endif
