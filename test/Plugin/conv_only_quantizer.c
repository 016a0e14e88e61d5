/* An example qcc plugin, walked through in docs/writing-a-quantizer.md.
 *
 * Quantizer "conv-only": int8 for convolutions, everything else float.
 *   conv2d input    u8 affine, per tensor (observer=histogram unless
 *                   qcc-annotate's observer= or --observer says otherwise)
 *   conv2d weights  s8 symmetric, per tensor (one scale for the whole kernel)
 *   conv2d bias     int32, scale = input scale * weight scale (derived)
 *   conv2d result   like the input
 * None of the built-in quantizers does this: they quantize every op they know.
 *
 * Pass "example-count-ops": prints, for each function, how many qcc ops of
 * each kind it holds (constants aside) to standard error, or with
 * {kind=NAME} the count of one kind: a quick check of what quantization did.
 *
 * Built and tested with the suite: test/Plugin/CMakeLists.txt, *.test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "qcc_plugin.h"

/* ------------------------------------------------------------ the quantizer */
typedef struct {
  qcc_quant_spec act, weight, bias;
} conv_only_specs;

/* Parsed once by init from the spec grammar of quantizer.h. */
static conv_only_specs g_specs;

static bool is_constant(MlirValue v) {
  return mlirValueIsAOpResult(v) && qcc_op_is(mlirOpResultGetOwner(v), QCC_OP_constant);
}

static bool is_f32_tensor(MlirType t) { return mlirTypeIsAShaped(t) && mlirTypeIsAF32(mlirShapedTypeGetElementType(t)); }

/* Called by qcc-annotate for every qcc op except constants. `ann` arrives
 * with n_in = the op's operand count and every spec float; returning false
 * leaves the op unannotated, which means float too. */
static bool conv_only_annotate(MlirOperation op, const qcc_quantizer_options *opts, qcc_op_annotation *ann, void *ud) {
  const conv_only_specs *s = ud;
  if (!qcc_op_is(op, QCC_OP_conv2d)) return false;
  /* Weights are quantized at compile time, so they must be a constant. */
  if (!is_constant(mlirOperationGetOperand(op, 1))) return false;
  for (int i = 0; i < ann->n_in; ++i)
    if (!is_f32_tensor(mlirValueGetType(mlirOperationGetOperand(op, i)))) return false;

  qcc_quant_spec act = s->act;
  if (opts->observer && opts->observer[0]) snprintf(act.observer, sizeof act.observer, "%s", opts->observer);
  if (opts->reduce_range) act.qmax = 127; /* 7-bit activations: u8 0..127 */

  ann->in[0] = act;
  ann->in[1] = s->weight;
  if (ann->n_in > 2) ann->in[2] = s->bias;
  ann->out = act;
  return true;
}

static const qcc_quantizer_info conv_only_quantizer = {
    "conv-only",
    "int8 convolutions only (u8 activations, s8 per-tensor weights), everything else float",
    conv_only_annotate,
    &g_specs,
};

/* ------------------------------------------------------------ the pass */
typedef struct {
  qcc_op_kind kind; /* QCC_OP_NONE: every kind */
} count_cfg;

/* A pass's user data lives as long as the pass: qcc_make_external_pass_owned
 * takes malloc'd data and frees it with the last clone of the pass
 * (qcc_make_external_pass is for static data it never frees). */

typedef struct {
  int counts[QCC_OP_COUNT_];
} op_counts;

static MlirWalkResult count_op(MlirOperation op, void *ud) {
  op_counts *c = ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k != QCC_OP_NONE) c->counts[k]++;
  return MlirWalkResultAdvance;
}

static void report(MlirOperation func, const count_cfg *cfg) {
  op_counts c;
  memset(&c, 0, sizeof c);
  mlirOperationWalk(func, count_op, &c, MlirWalkPreOrder);
  MlirStringRef name = {"?", 1};
  MlirAttribute sym = mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("sym_name"));
  if (!mlirAttributeIsNull(sym) && mlirAttributeIsAString(sym)) name = mlirStringAttrGetValue(sym);
  if (cfg->kind != QCC_OP_NONE) {
    fprintf(stderr, "example-count-ops: @%.*s: %d %s\n", (int)name.length, name.data, c.counts[cfg->kind],
            qcc_op_info_get(cfg->kind)->name);
    return;
  }
  int total = 0;
  for (int k = 0; k < QCC_OP_COUNT_; ++k) total += k == QCC_OP_constant ? 0 : c.counts[k];
  fprintf(stderr, "example-count-ops: @%.*s: %d qcc ops (", (int)name.length, name.data, total);
  const char *sep = "";
  for (int k = 0; k < QCC_OP_COUNT_; ++k)
    if (c.counts[k] && k != QCC_OP_constant) {
      fprintf(stderr, "%s%s %d", sep, qcc_op_info_get((qcc_op_kind)k)->name, c.counts[k]);
      sep = ", ";
    }
  fprintf(stderr, ")\n");
}

static MlirWalkResult visit(MlirOperation op, void *ud) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  if (n.length != 9 || memcmp(n.data, "func.func", 9)) return MlirWalkResultAdvance;
  report(op, ud);
  return MlirWalkResultSkip; /* functions do not nest */
}

/* The pass body: `root` is the op the pipeline runs on (the module). */
static void count_ops_run(MlirOperation root, MlirExternalPass pass, void *ud) {
  (void)pass;
  mlirOperationWalk(root, visit, ud, MlirWalkPreOrder);
}

static _Alignas(8) char count_ops_type_id; /* its address identifies the pass to MLIR */
static const qcc_pass_info count_ops_info;

/* Options arrive split into key/value pairs; reject what the pass does not
 * know with a usage status (qcc-opt prints it and exits with 2). */
static qcc_status_t count_ops_create(const qcc_pass_option *opts, int n, MlirPass *out) {
  qcc_op_kind kind = QCC_OP_NONE;
  for (int i = 0; i < n; ++i) {
    if (strcmp(opts[i].key, "kind"))
      return qcc_status_make(QCC_ERR_USAGE, "example-count-ops: unknown option '%s' (kind)", opts[i].key);
    kind = qcc_op_kind_from_name(opts[i].value, strlen(opts[i].value));
    if (kind == QCC_OP_NONE)
      return qcc_status_make(QCC_ERR_USAGE, "example-count-ops: '%s' is not a qcc op", opts[i].value);
  }
  count_cfg *c = malloc(sizeof *c); /* the pass owns it: freed with the pass */
  if (!c) return qcc_status_make(QCC_ERR_IO, "example-count-ops: out of memory");
  c->kind = kind;
  *out = qcc_make_external_pass_owned(&count_ops_info, &count_ops_type_id, count_ops_run, c);
  return NULL;
}

static const qcc_pass_info count_ops_info = {
    "example-count-ops",
    "", /* runs on the module; "func.func" passes need a nested pipeline */
    "Print the number of qcc ops of each kind in each function (to standard error)",
    "Before/after: the IR is unchanged; standard error gets\n"
    "  example-count-ops: @main: 12 qcc ops (conv2d 2, gemm 2, relu 3, ...)\n"
    "or with {kind=qconv2d}\n"
    "  example-count-ops: @main: 2 qconv2d",
    "kind=NAME: count only this op (conv2d or qcc.conv2d)",
    count_ops_create,
};

/* ------------------------------------------------------------ the entry */
static qcc_status_t parse_spec(const char *text, qcc_quant_spec *out) {
  return qcc_qspec_parse(text, strlen(text), out);
}

static qcc_status_t conv_only_init(void) {
  QCC_RETURN_IF_ERROR(parse_spec("u8 affine observer=histogram", &g_specs.act));
  QCC_RETURN_IF_ERROR(parse_spec("s8 symmetric observer=minmax", &g_specs.weight));
  QCC_RETURN_IF_ERROR(parse_spec("bias", &g_specs.bias));
  QCC_RETURN_IF_ERROR(qcc_quantizer_register(&conv_only_quantizer));
  return qcc_pass_register(&count_ops_info);
}

QCC_PLUGIN("conv-only-example", "1.0", conv_only_init)
