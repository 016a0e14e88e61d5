/* libqcc: the public C API of the qcc compiler library (libqcc.so). Tools and
 * user plugins link this one shared library, so they share one MLIR state.
 *
 * Ownership: functions named *_create / returning MlirModule transfer
 * ownership to the caller; statuses (qcc_status_t) must be freed with
 * qcc_status_free. */
#ifndef QCC_H
#define QCC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "qcc_dialect.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QCC_VERSION_STRING "0.1.0"

/* ---- context ---- */
typedef struct {
  bool all_upstream; /* register every upstream dialect and pass (qcc-opt) */
} qcc_context_options;

/* A context with func, quant and the qcc dialect loaded (IRDL), and qcc's
 * diagnostic handler attached (prints "LOCATION: error: MESSAGE" to stderr). */
qcc_status_t qcc_context_create(const qcc_context_options *opts, MlirContext *out_ctx);
void qcc_context_destroy(MlirContext ctx);

/* Diagnostics: by default printed to stderr. In capture mode they are stored
 * (for --verify-diagnostics) and not printed. */
typedef struct {
  int severity; /* 0 error, 1 warning, 2 note, 3 remark (MlirDiagnosticSeverity) */
  char *file;
  int line, col;
  char *message;
} qcc_diagnostic;
void qcc_diag_set_capture(bool on);
int qcc_diag_count(const qcc_diagnostic **out);
void qcc_diag_clear(void);
int qcc_diag_error_count(void);
/* Print a location the way diagnostics do ("file:line:col" or "'node name'";
 * a fused location of several nodes: the first, then "(fused with 'b', 'c')"). */
void qcc_location_format(MlirLocation loc, char *buf, size_t n);
/* The ONNX node names a location carries, in order: one for an imported op's
 * NameLoc, several for an op that passes fused from several nodes (a
 * FusedLoc of NameLocs: qcc-fold-conv-bn gives conv2d [conv, bn], qcc-fuse-qdq
 * adds the folded activation). Writes at most max names to out (borrowed
 * from the context) and returns how many there are. */
int qcc_location_names(MlirLocation loc, MlirStringRef *out, int max);
/* The location of an op made from the ops at locs[0..n) (in graph order): a
 * FusedLoc, so every node name survives (qcc_location_names). */
MlirLocation qcc_location_fuse(MlirContext ctx, const MlirLocation *locs, int n);

/* ---- files ---- */
/* Parse .mlir text or .mlirbc bytecode (detected by content). Errors are
 * reported through diagnostics and an INVALID status. */
qcc_status_t qcc_module_parse_file(MlirContext ctx, const char *path, MlirModule *out);
qcc_status_t qcc_module_parse_buffer(MlirContext ctx, const char *data, size_t len,
                                     const char *source_name, MlirModule *out);
/* Write as bytecode if path ends in .mlirbc, else text. Atomic: a temporary
 * file in the destination folder is renamed over `path` on success. */
typedef struct {
  bool elide_large; /* text: elide elements attrs larger than 16 values */
  bool debug_info;  /* text: print locations */
} qcc_print_options;
qcc_status_t qcc_module_write_file(MlirModule m, const char *path, const qcc_print_options *opts);
/* Read a whole file (for small files); *out is malloc'd and NUL-terminated. */
qcc_status_t qcc_read_file(const char *path, char **out, size_t *out_len);
/* Write bytes atomically (temp file + rename). */
qcc_status_t qcc_write_file_atomic(const char *path, const void *data, size_t len);

/* ---- verification ---- */
/* MLIR's verifier then qcc's rules; INVALID/VERIFY status on failure. */
qcc_status_t qcc_module_verify(MlirModule m);

/* ---- the ONNX importer ---- */
typedef struct {
  const char *name;
  int rank;
  int64_t dims[8];
} qcc_input_shape;

/* A graph input bound to a value at import (`--bind NAME=FILE.npy`): it
 * becomes a constant, so shape and axes inputs fold as if they were
 * initializers. dtype is a qcc_npy_dtype_t (npy.h); the importer copies data. */
typedef struct {
  const char *name;
  int dtype;
  int rank;
  const int64_t *dims;
  const void *data;
  size_t nbytes;
} qcc_input_binding;

typedef struct {
  const qcc_input_shape *input_shapes; /* --input-shape overrides */
  int n_input_shapes;
  bool quiet; /* suppress notes (e.g. "batch dimension set to 1") */
  const qcc_input_binding *bindings; /* --bind: inputs made constants */
  int n_bindings;
} qcc_import_options;

qcc_status_t qcc_import_onnx(MlirContext ctx, const char *path, const qcc_import_options *opts,
                             MlirModule *out);
/* Same from memory; `path` names the model in messages and anchors relative
 * external-data locations (its folder). */
qcc_status_t qcc_import_onnx_buffer(MlirContext ctx, const void *data, size_t len, const char *path,
                                    const qcc_import_options *opts, MlirModule *out);
/* The ONNX op types (default domain) the importer translates. Ops listed as
 * shape math (Shape, Range, ...) are supported when they fold to constants. */
void qcc_onnx_list_ops(void (*cb)(const char *op_type, void *ud), void *ud);
/* Parse "NAME=1x3x224x224" (NAME may contain '='; the last one splits). */
qcc_status_t qcc_parse_input_shape(const char *spec, qcc_input_shape *out, char *name_buf, size_t name_len);

/* ---- the ONNX exporter (onnx_export.c; docs/qdq-export.md) ---- */
typedef struct {
  const char *graph_name; /* GraphProto.name; NULL: "main" */
  const char *doc_string; /* ModelProto.doc_string, e.g. how the model was made; NULL: none */
} qcc_export_options;

/* Write @main of m to `path` as an ONNX model (IR version 8, opset 17), atomically.
 * The QDQ form (qcc quantize --no-fuse) becomes QuantizeLinear/DequantizeLinear with
 * integer initializers; fused quantized ops are written as the QDQ pattern they were
 * fused from. Graph inputs and outputs keep their qcc.name, nodes the name of their
 * op's location. opts may be NULL. An UNSUPPORTED status names the first op that
 * opset 17 cannot express; nothing is written then. m is only read. */
qcc_status_t qcc_export_onnx(MlirModule m, const char *path, const qcc_export_options *opts);

/* The module's entry function (func.func @main); null op if absent. */
MlirOperation qcc_module_main(MlirModule m);
/* ONNX name of argument/result i of main (attribute qcc.name), or "" */
MlirStringRef qcc_main_arg_name(MlirOperation func, intptr_t i);
MlirStringRef qcc_main_result_name(MlirOperation func, intptr_t i);

#ifdef __cplusplus
}
#endif
#endif
