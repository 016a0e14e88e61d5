/* Quantization specs and quantizers: the public C API for writing a quantizer.
 *
 * A quantizer looks at one op at a time and says, for each operand and for the
 * result, how the tensor is quantized (a qcc_quant_spec), or that it stays float.
 * `qcc-annotate{quantizer=NAME}` writes its answer on the op as two
 * attributes, read by `qcc-insert-observers` and `qcc-convert`:
 *
 *   qcc.qin  = ["u8 affine observer=histogram", "s8 symmetric axis=0 observer=minmax", "bias"]
 *   qcc.qout = "u8 affine observer=histogram"
 *
 * Spec strings (tokens separated by spaces; docs/passes.md has the grammar):
 *   float                        not quantized
 *   f16                          (weights) stored as float16, converted back to
 *                                f32 for compute
 *   u8|s8|u4|s4|i32 ...          quantized storage type, then any of:
 *     affine | symmetric         zero point free, or fixed at the middle (0 for signed)
 *     axis=N                     per channel along axis N (default: per tensor)
 *     group=G                    blockwise along the last axis, G values per block
 *                                (2-D constants with axis=0: one scale and zero
 *                                point per channel and block; K % G == 0)
 *     range=LO:HI                narrower integer range (e.g. reduce_range)
 *     observer=NAME              minmax, moving_avg, histogram, percentile, entropy
 *     scale=S zp=Z               fixed parameters (sigmoid 1/256, tanh 1/128 ...)
 *   shared                       the result uses operand 0's parameters
 *                                (max_pool, reshape, transpose ...)
 *   bias                         int32, scale = s(operand 0) * s(operand 1)
 *                                per channel, zero point 0 (derived)
 */
#ifndef QCC_PASSES_QUANTIZER_H
#define QCC_PASSES_QUANTIZER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlir-c/IR.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QCC_QSPEC_FLOAT = 0,
  QCC_QSPEC_QUANT,  /* observed (or fixed when has_fixed) */
  QCC_QSPEC_SHARED, /* same parameters as operand 0 */
  QCC_QSPEC_BIAS,   /* derived: s_in * s_w, zero point 0, int32 */
  QCC_QSPEC_F16,    /* constants only: stored as float16, computed in f32 */
} qcc_qspec_kind;

typedef struct {
  qcc_qspec_kind kind;
  int bits;           /* 4, 8 or 32 */
  bool is_signed;
  int32_t qmin, qmax; /* storage range actually used */
  bool symmetric;
  int axis;           /* -1: per tensor */
  int group;          /* 0: no blocks */
  char observer[16];  /* "" = the pass default */
  bool has_fixed;
  float scale;
  int32_t zero_point;
} qcc_quant_spec;

/* Parse a spec string; QCC_ERR_USAGE with the offending token on error. */
qcc_status_t qcc_qspec_parse(const char *s, size_t len, qcc_quant_spec *out);
/* Canonical text of a spec (parse(format(q)) == q). Returns the length. */
int qcc_qspec_format(const qcc_quant_spec *q, char *buf, size_t n);
/* Storage range of a type: u8 0..255, s8 -128..127, ... */
void qcc_qspec_set_type(qcc_quant_spec *q, int bits, bool is_signed);
bool qcc_qspec_equal(const qcc_quant_spec *a, const qcc_quant_spec *b);

/* What a quantizer decides for one op. n_in is the op's operand count; specs
 * start zeroed (float). */
#define QCC_QANN_MAX_IN 8
typedef struct {
  int n_in;
  qcc_quant_spec in[QCC_QANN_MAX_IN];
  qcc_quant_spec out;
} qcc_op_annotation;

typedef struct {
  const char *observer; /* activation observer ("" = quantizer's default) */
  bool reduce_range;    /* activations use 7 bits (accuracy/speed option only) */
} qcc_quantizer_options;

/* Fill `ann` for `op`; return false to leave the op unannotated (float). */
typedef bool (*qcc_annotate_fn)(MlirOperation op, const qcc_quantizer_options *opts, qcc_op_annotation *ann,
                                void *user_data);

typedef struct {
  const char *name;    /* quantizer=NAME */
  const char *summary; /* one line for --help */
  qcc_annotate_fn annotate;
  void *user_data;
} qcc_quantizer_info;

/* Built-ins: x86, arm, per-tensor, dynamic. Plugins add their own (the info
 * must outlive the process). */
qcc_status_t qcc_quantizer_register(const qcc_quantizer_info *info);
const qcc_quantizer_info *qcc_quantizer_lookup(const char *name);
int qcc_quantizer_count(void);
const qcc_quantizer_info *qcc_quantizer_at(int i);

/* Helpers for quantizers. */
/* The op's only user, or a null op when it has none or several. */
MlirOperation qcc_single_user(MlirOperation op);
/* True for relu, and clip with min 0 (relu6 ...): activations a quantized
 * producer applies as an output clamp. */
bool qcc_is_fusable_activation(MlirOperation op);
/* ONNX node name of an op (its NameLoc; the first one of a FusedLoc), or "" */
MlirStringRef qcc_op_node_name(MlirOperation op);

/* Read an op's annotation back (what qcc-annotate wrote); false if none. */
bool qcc_get_annotation(MlirOperation op, qcc_op_annotation *ann);
void qcc_set_annotation(MlirOperation op, const qcc_op_annotation *ann);

#ifdef __cplusplus
}
#endif
#endif
