/* Per-layer precision (mixed precision): the layers a precision is chosen
 * for, the precisions, applying a choice to a calibrated module, and measuring
 * what a choice does to the model's output. Shared by qcc-sensitivity,
 * qcc-select-precision and qcc-apply-precision (docs/precision.md).
 *
 * A layer is a conv2d, conv_transpose, gemm or matmul whose weight is a
 * constant the quantizer observed (a qcc.observe on operand 1), named by its
 * ONNX node name. Precisions, roughly from most to least precise:
 *   fp32         weights and activations float
 *   fp16         weights stored as float16, float compute
 *   int8-wo      weight-only: s8 per-channel weights, float activations
 *   int8         the quantizer's static int8 (weights, input and output)
 *   int4-wo-gG   weight-only: u4 affine weights, a scale and zero point per
 *                output channel and block of G inputs (G = 32, 64, 128;
 *                2-D weights [N][K] or [K][N] with K % G == 0)
 *   int8-dyn     dynamic: s8 per-channel weights, the input quantized u8 per
 *                row at run time, float output (Gemm and MatMul by a 2-D
 *                constant; qcc.qgemm_dynamic after fusion)
 * The module must be calibrated (qcc-calibrate): int8 uses the activation
 * parameters the quantizer's observers collected. */
#ifndef QCC_PASSES_PRECISION_H
#define QCC_PASSES_PRECISION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "mlir-c/IR.h"
#include "status.h"

typedef enum {
  QCC_PREC_FP32,
  QCC_PREC_FP16,
  QCC_PREC_INT8_WO,
  QCC_PREC_INT8,
  QCC_PREC_INT4_G32,
  QCC_PREC_INT4_G64,
  QCC_PREC_INT4_G128,
  QCC_PREC_INT8_DYN,
  QCC_PREC_COUNT
} qcc_precision;

const char *qcc_precision_name(qcc_precision p);
/* false for an unknown name */
bool qcc_precision_parse(const char *s, size_t n, qcc_precision *out);
/* The names, for messages. */
#define QCC_PRECISION_NAMES "fp32, fp16, int8-wo, int8, int4-wo-g32, int4-wo-g64, int4-wo-g128, int8-dyn"
/* Nominal order, most precise first (fp32 0, fp16 1, int8-wo 2, int8-dyn 3,
 * int8 4, int4-wo-g128 5, g64 6, g32 7): "more precise" in the selection's
 * rule that a precision slower than a more precise one is not chosen. */
int qcc_precision_rank(qcc_precision p);
/* s for a one-line message: at most n-1 bytes, control characters as '?'; returns buf. */
const char *qcc_printable(const char *s, char *buf, size_t n);
/* "int8,int4-wo-g128" -> allowed[p] for the names listed, plus fp32 (always a
 * candidate); USAGE naming `pass` for an unknown name. */
qcc_status_t qcc_parse_precision_list(const char *pass, const char *text, bool allowed[QCC_PREC_COUNT]);

/* How int4 weights are made: round to nearest, qcc-awq, qcc-gptq (the last
 * two need qcc-calibrate{input_rows=N}). */
typedef enum { QCC_INT4_RTN, QCC_INT4_AWQ, QCC_INT4_GPTQ } qcc_int4_method;
#define QCC_INT4_METHOD_NAMES "rtn, awq, gptq"
/* false for an unknown name */
bool qcc_int4_method_parse(const char *s, qcc_int4_method *out);
const char *qcc_int4_method_name(qcc_int4_method m);

typedef struct {
  MlirOperation op;
  MlirOperation wobs;     /* the observer of its weight */
  char name[256];         /* ONNX node name, or "KIND#i" when it has none */
  const char *kind;       /* "conv2d", "gemm", ... */
  int64_t n_weights;      /* weight elements */
  int64_t channels;       /* output channels (the weight spec's axis), 1 if per tensor */
  int64_t rows, cols;     /* 2-D weight [N][K] quantized along axis 0, or [K][N] along axis 1
                             (kn): N, K; else 0, 0 */
  bool kn;                /* the 2-D weight is [K][N] (matmul, gemm trans_b=0) */
  int64_t bias_elems;     /* 0 without bias */
  bool has_int8;          /* the quantizer annotated its input activation too */
  bool dyn_ok;            /* int8-dyn applies: gemm (no transA, alpha = beta = 1) or matmul, 2-D weight */
  bool depthwise;         /* conv2d with groups == input channels == output channels */
  int64_t macs;           /* multiply-accumulates of one run at the module's shapes */
} qcc_layer;

/* The layers of root in program order (malloc'd; free()). */
qcc_layer *qcc_layers_collect(MlirOperation root, int *n);
/* Whether p can be applied to l (int8 needs the activation annotation,
 * int4 groups a 2-D weight whose K is a multiple of G, int8-dyn dyn_ok).
 * fp32 always. */
bool qcc_precision_allowed(const qcc_layer *l, qcc_precision p);
/* Bytes of l's weights (and bias) stored at p: values, plus scales (f32) and
 * zero points (one byte each for u4 groups). */
int64_t qcc_precision_bytes(const qcc_layer *l, qcc_precision p);

/* Rewrite root's observers so that layer i (qcc_layers_collect order) gets
 * prec[i]: weight observers get the precision's spec (or go, for fp32);
 * activation observers stay only where an int8 layer needs them (its input
 * and output, and ops between int8 layers whose inputs all stay quantized).
 * USAGE if n is not the number of layers or a precision is not allowed. */
qcc_status_t qcc_precision_apply(MlirOperation root, const qcc_precision *prec, int n);

/* A precision file's text (len bytes, not necessarily NUL-terminated; path
 * names it in messages): prec[i] and set[i] = true for each layer it names.
 * INVALID naming the entry for malformed JSON, an entry without string name
 * and precision, an unknown layer or precision, or a precision the layer
 * cannot take (only name, kind, rows/cols and has_int8 of L are read).
 * Fuzzed by test/fuzz/precision_file_fuzz.c. */
qcc_status_t qcc_precision_file_parse(const char *text, size_t len, const char *path, const qcc_layer *L, int n,
                                      qcc_precision *prec, bool *set);

/* Samples and float reference outputs, for measuring choices. */
typedef struct qcc_eval_set qcc_eval_set;
typedef struct {
  const char *data;        /* dataset path (dataset.h) */
  int64_t samples;         /* at most this many (0: all) */
  const char *labels;      /* key of integer labels in the .npz `data`, or NULL */
  qcc_dataset_options dopts;
  qcc_int4_method int4;    /* int4 layers by qcc-awq or qcc-gptq (need qcc-calibrate{input_rows=N}), or RTN */
} qcc_eval_config;
/* Runs root (observers are identities) on the samples and keeps its first
 * output as the reference. */
qcc_status_t qcc_eval_set_create(MlirOperation root, const qcc_eval_config *cfg, qcc_eval_set **out);
void qcc_eval_set_destroy(qcc_eval_set *s);
int64_t qcc_eval_set_samples(const qcc_eval_set *s);
bool qcc_eval_set_has_labels(const qcc_eval_set *s);
/* Top-1 accuracy of the float reference (labels needed; else -1). */
double qcc_eval_set_float_accuracy(const qcc_eval_set *s);

typedef struct {
  double sqnr_db;     /* 10 log10(sum ref^2 / sum (ref - out)^2) over output 0; 200 when identical */
  double top1_agree;  /* fraction of rows whose argmax (last axis) matches the reference's */
  double accuracy;    /* top-1 against the labels, or -1 */
} qcc_eval_metrics;

/* Pass options naming the evaluation data, kept by the pass: data=, samples=,
 * labels=, mean=, std=, layout= (as qcc-calibrate's), int4_method=rtn|awq|gptq. */
typedef struct {
  char data[4096];
  char labels[128];
  long samples;
  qcc_dataset_options dopts;
  qcc_int4_method int4; /* int4_method= */
} qcc_eval_options;
void qcc_eval_options_init(qcc_eval_options *o);
/* Consumes the option if it is one of the above (*handled = true); USAGE
 * naming `pass` on a bad value. */
qcc_status_t qcc_eval_option(const char *pass, const char *key, const char *value, qcc_eval_options *o, bool *handled);
/* The config the options describe (pointing into o). */
qcc_eval_config qcc_eval_options_config(const qcc_eval_options *o);

/* The sensitivity a qcc-sensitivity run stored on layer op for p: false if
 * none. */
bool qcc_layer_sensitivity(MlirOperation op, qcc_precision p, qcc_eval_metrics *out);

/* The estimated time qcc-sensitivity{cost-table=} stored on layer op for p
 * (qcc.time_ms = {fp32 = 0.12 : f64, ...}): false if none. */
bool qcc_layer_time(MlirOperation op, qcc_precision p, double *ms);

/* Measure root with prec applied (on a clone: root is not changed); with the
 * set's config int4 awq or gptq, that pass's rewrite runs on the clone before conversion;
 * with an int8-dyn layer the clone is also fused (qcc-fuse-qdq), since the
 * QDQ form cannot express run-time quantization. */
qcc_status_t qcc_eval_precisions(MlirOperation root, const qcc_precision *prec, int n, qcc_eval_set *set,
                                 qcc_eval_metrics *out);

#endif
