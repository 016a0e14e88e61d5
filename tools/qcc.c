/* qcc: the compiler driver. `qcc --help` lists the subcommands. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "cli.h"
#include "qcc.h"
#include "quantizer.h"
#include "registry.h"

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "qcc: error: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  return QCC_ERR_USAGE;
}

static void main_usage(FILE *f) {
  fprintf(f,
          "qcc %s: an ahead-of-time compiler and quantizer for ONNX models\n\n"
          "usage: qcc SUBCOMMAND [options]   (qcc SUBCOMMAND --help for its options)\n\n"
          "subcommands:\n"
          "  import   MODEL.onnx -o OUT.(mlir|mlirbc)   import into the qcc dialect and summarize\n"
          "  run      MODEL --input NAME=FILE.npy ...   run on the host (executor), print/write outputs\n"
          "  quantize MODEL.onnx --calib DATA -o OUT    int8 QDQ model (fold BN, annotate, calibrate, convert)\n"
          "  eval     MODEL --data D.npz --labels KEY   top-1 accuracy (or --metric perplexity) on labelled data\n"
          "  compare  FLOAT QUANT --data D.npz          per-node SQNR of a quantized model against its float model\n"
          "  compile  MODEL -o DIR [--name NAME]        C library + runner for this machine (docs/codegen.md)\n"
          "  export   MODEL.(mlir|mlirbc) -o OUT.onnx   write as ONNX (QDQ for quantized models)\n"
          "  report   PRECISION.json -o DIR             mixed-precision report: report.json + report.html\n"
          "  cost-table --target T -o COSTS.json        measure the per-layer time table on this machine\n"
          "  passes   [--markdown]                      the passes and quantizers (docs/passes.md)\n\n"
          "exit codes: 0 ok, 1 internal error, 2 usage, 3 unsupported input, 4 invalid input,\n"
          "            5 I/O error, 6 IR verification failed (docs/errors.md)\n",
          QCC_VERSION_STRING);
}

/* ---- summary of a module ---- */
typedef struct {
  int counts[QCC_OP_COUNT_];
  int64_t weight_elems, weight_bytes;
} summary_t;

static MlirWalkResult count_op(MlirOperation op, void *ud) {
  summary_t *s = ud;
  qcc_op_kind k = qcc_op_get_kind(op);
  if (k == QCC_OP_NONE) return MlirWalkResultAdvance;
  s->counts[k]++;
  if (k == QCC_OP_constant) {
    MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
    qcc_shape sh;
    if (qcc_type_shape(t, &sh)) {
      int64_t n = qcc_shape_numel(&sh);
      MlirType e = qcc_type_elem(t);
      int bits = mlirTypeIsAInteger(e) ? (int)mlirIntegerTypeGetWidth(e) : mlirTypeIsAFloat(e) ? (int)mlirFloatTypeGetWidth(e) : 8;
      s->weight_elems += n;
      s->weight_bytes += (n * (bits < 8 ? 8 : bits) + 7) / 8;
    }
  }
  return MlirWalkResultAdvance;
}

static void print_summary(MlirModule m, const char *what) {
  MlirOperation f = qcc_module_main(m);
  if (mlirOperationIsNull(f)) return;
  MlirRegion r = mlirOperationGetRegion(f, 0);
  MlirBlock b = mlirRegionGetFirstBlock(r);
  char buf[256];
  printf("%s\n", what);
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(b); ++i) {
    MlirStringRef n = qcc_main_arg_name(f, i);
    printf("  input  %-20.*s %s\n", (int)n.length, n.data, qcc_type_str(mlirValueGetType(mlirBlockGetArgument(b, i)), buf, sizeof buf));
  }
  MlirOperation ret = mlirBlockGetTerminator(b);
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(ret); ++i) {
    MlirStringRef n = qcc_main_result_name(f, i);
    printf("  output %-20.*s %s\n", (int)n.length, n.data, qcc_type_str(mlirValueGetType(mlirOperationGetOperand(ret, i)), buf, sizeof buf));
  }
  summary_t s = {{0}, 0, 0};
  mlirOperationWalk(mlirModuleGetOperation(m), count_op, &s, MlirWalkPreOrder);
  int total = 0;
  for (int k = 0; k < QCC_OP_COUNT_; ++k) total += k == QCC_OP_constant ? 0 : s.counts[k];
  printf("  ops    %d (", total);
  bool first = true;
  for (int k = 0; k < QCC_OP_COUNT_; ++k)
    if (s.counts[k] && k != QCC_OP_constant) {
      printf("%s%s %d", first ? "" : ", ", qcc_op_info_get((qcc_op_kind)k)->name, s.counts[k]);
      first = false;
    }
  printf(")\n  weights %d constants, %lld values, %.1f KiB\n", s.counts[QCC_OP_constant], (long long)s.weight_elems,
         (double)s.weight_bytes / 1024.0);
}

/* ---- qcc import ---- */
static void import_usage(FILE *f) {
  fprintf(f,
          "usage: qcc import MODEL.onnx [-o OUT.(mlir|mlirbc)] [--input-shape NAME=DIMS ...] [-q]\n"
          "  Imports an ONNX model into the qcc dialect, verifies it and prints a summary.\n"
          "  -o FILE                 .mlirbc writes bytecode (qcc's own files), .mlir text\n"
          "  --input-shape N=1x3x224x224   fix an input's symbolic dims (batch defaults to 1)\n"
          "  --elide-large           in .mlir text, elide constants larger than 16 values\n"
          "  -q                      no summary, no notes\n"
          "  --list-ops              list the ONNX op types the importer supports\n");
}

static void print_op(const char *op, void *ud) {
  (void)ud;
  printf("%s\n", op);
}

static int cmd_import(int argc, char **argv) {
  const char *model = NULL, *out = NULL;
  qcc_input_shape shapes[64];
  char names[64][256];
  int ns = 0;
  bool quiet = false, elide = false;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { import_usage(stdout); return 0; }
    if (!strcmp(a, "--list-ops")) { qcc_onnx_list_ops(print_op, NULL); return 0; }
    if (!strcmp(a, "-o")) { if (++i >= argc) return usage_error("%s needs a file name", a); out = argv[i]; }
    else if (!strcmp(a, "--input-shape") || !strncmp(a, "--input-shape=", 14)) {
      const char *spec = a[13] == '=' ? a + 14 : (++i < argc ? argv[i] : NULL);
      if (!spec) return usage_error("%s needs NAME=DIMS", "--input-shape");
      if (ns == 64) return usage_error("too many --input-shape options%s", "");
      qcc_status_t st = qcc_parse_input_shape(spec, &shapes[ns], names[ns], sizeof names[ns]);
      if (st) return qcc_cli_fail(st);
      ns++;
    } else if (!strcmp(a, "-q")) quiet = true;
    else if (!strcmp(a, "--elide-large")) elide = true;
    else if (a[0] == '-' && a[1]) return usage_error("unknown option '%s' for qcc import (see qcc import --help)", a);
    else if (!model) model = a;
    else return usage_error("unexpected argument '%s'", a);
  }
  if (!model) { import_usage(stderr); return QCC_ERR_USAGE; }
  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  qcc_import_options io = {.input_shapes = shapes, .n_input_shapes = ns, .quiet = quiet};
  MlirModule m;
  st = qcc_import_onnx(ctx, model, &io, &m);
  if (st) { qcc_context_destroy(ctx); return qcc_cli_fail(st); }
  if (out) {
    qcc_print_options po = {elide, false};
    st = qcc_module_write_file(m, out, &po);
  }
  if (!st && !quiet) {
    char what[4200];
    snprintf(what, sizeof what, "imported %s%s%s", model, out ? " -> " : "", out ? out : "");
    print_summary(m, what);
  }
  mlirModuleDestroy(m);
  qcc_context_destroy(ctx);
  return st ? qcc_cli_fail(st) : 0;
}

/* qcc passes [--markdown]: the pass registry (docs/passes.md is its markdown). */
static void print_block(const char *text, const char *indent) {
  for (const char *p = text; *p;) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    printf("%s%.*s\n", indent, (int)n, p);
    p += n + (e ? 1 : 0);
  }
}

static int cmd_passes(int argc, char **argv) {
  bool md = argc > 0 && !strcmp(argv[0], "--markdown");
  if (argc > (md ? 1 : 0)) return usage_error("usage: qcc passes [--markdown]%s", "");
  if (!md) {
    for (int k = 0; k < qcc_pass_count(); ++k) printf("  %-24s %s\n", qcc_pass_at(k)->flag, qcc_pass_at(k)->summary);
    printf("quantizers:\n");
    for (int k = 0; k < qcc_quantizer_count(); ++k) printf("  %-24s %s\n", qcc_quantizer_at(k)->name, qcc_quantizer_at(k)->summary);
    return 0;
  }
  printf("# qcc passes\n\n"
         "Generated by `qcc passes --markdown` from the pass registry (passes/registry.c); a test fails\n"
         "when this file is stale. Every pass runs alone in `qcc-opt -p 'PASS{key=value ...}'`, and qcc's\n"
         "verifier runs after each one. `qcc quantize` runs qcc-fold-conv-bn, qcc-equalize (with\n"
         "--equalize, and by default for the per-tensor quantizer), qcc-fuse-layer-norm, qcc-fuse-gelu,\n"
         "qcc-cse, qcc-annotate, qcc-insert-observers, qcc-calibrate, qcc-convert, qcc-fuse-qdq and\n"
         "qcc-dce in that order (`qcc quantize --print-pipeline` shows the options it passes); `qcc run`\n"
         "and `qcc compile` run qcc-fuse-layer-norm, qcc-fuse-gelu and qcc-fuse-qdq on an imported .onnx\n"
         "model unless given --no-fuse. Before emitting C, `qcc compile` runs its lowering passes,\n"
         "qcc-dedup-constants, qcc-precompute-requant, qcc-pack-weights with its --target and\n"
         "qcc-plan-memory with its --target and --max-threads (`qcc compile --print-pipeline` shows\n"
         "them; docs/codegen.md).\n\n");
  for (int k = 0; k < qcc_pass_count(); ++k) {
    const qcc_pass_info *p = qcc_pass_at(k);
    printf("## %s\n\n%s.\n\n```\n", p->flag, p->summary);
    print_block(p->description, "");
    printf("```\n\n");
    if (p->options && p->options[0]) {
      printf("Options:\n\n");
      print_block(p->options, "- ");
      printf("\n");
    }
  }
  printf("## Quantizers (qcc-annotate{quantizer=NAME})\n\n");
  for (int k = 0; k < qcc_quantizer_count(); ++k) printf("- `%s`: %s\n", qcc_quantizer_at(k)->name, qcc_quantizer_at(k)->summary);
  return 0;
}

int qcc_cmd_run(int argc, char **argv);      /* tools/qcc_run.c */
int qcc_cmd_quantize(int argc, char **argv); /* tools/qcc_quantize.c */
int qcc_cmd_eval(int argc, char **argv);     /* tools/qcc_quantize.c */
int qcc_cmd_compile(int argc, char **argv);  /* tools/qcc_compile.c */
int qcc_cmd_export(int argc, char **argv);   /* tools/qcc_export.c */
int qcc_cmd_report(int argc, char **argv);   /* tools/qcc_report.c */
int qcc_cmd_compare(int argc, char **argv);  /* tools/qcc_compare.c */
int qcc_cmd_cost_table(int argc, char **argv); /* tools/qcc_cost_table.c */

int main(int argc, char **argv) {
  if (argc < 2) { main_usage(stderr); return QCC_ERR_USAGE; }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) { main_usage(stdout); return 0; }
  if (!strcmp(cmd, "--version")) { printf("qcc %s (MLIR 22)\n", QCC_VERSION_STRING); return 0; }
  if (!strcmp(cmd, "import")) return cmd_import(argc - 2, argv + 2);
  if (!strcmp(cmd, "passes")) return cmd_passes(argc - 2, argv + 2);
  if (!strcmp(cmd, "run")) return qcc_cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "quantize")) return qcc_cmd_quantize(argc - 2, argv + 2);
  if (!strcmp(cmd, "eval")) return qcc_cmd_eval(argc - 2, argv + 2);
  if (!strcmp(cmd, "compile")) return qcc_cmd_compile(argc - 2, argv + 2);
  if (!strcmp(cmd, "export")) return qcc_cmd_export(argc - 2, argv + 2);
  if (!strcmp(cmd, "report")) return qcc_cmd_report(argc - 2, argv + 2);
  if (!strcmp(cmd, "compare")) return qcc_cmd_compare(argc - 2, argv + 2);
  if (!strcmp(cmd, "cost-table")) return qcc_cmd_cost_table(argc - 2, argv + 2);
  fprintf(stderr, "qcc: error: unknown subcommand '%s' (qcc --help lists them)\n", cmd);
  return QCC_ERR_USAGE;
}
