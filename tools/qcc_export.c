/* qcc export: a qcc module (.mlir/.mlirbc, or an .onnx imported first) written
 * as an ONNX model; the QDQ form becomes QuantizeLinear/DequantizeLinear
 * (compiler/onnx_export.c, docs/qdq-export.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qcc.h"

static void export_usage(FILE *f) {
  fprintf(f,
          "usage: qcc export MODEL.(mlir|mlirbc|onnx) -o OUT.onnx [--input-shape N=DIMS]\n"
          "  Writes @main as an ONNX model (IR version 8, opset 17). A quantized model in QDQ form\n"
          "  (qcc quantize --no-fuse) becomes QuantizeLinear/DequantizeLinear around float ops with\n"
          "  integer weights; fused quantized ops are written as the QDQ pattern they came from.\n"
          "  Graph inputs and outputs keep their names, nodes the ONNX names they were imported with.\n"
          "  --input-shape N=DIMS   (.onnx) fix an input's shape before the re-export\n");
}

int qcc_cmd_export(int argc, char **argv) {
  const char *model = NULL, *out = NULL;
  qcc_input_shape shapes[16];
  char names[16][256];
  int ns = 0;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { export_usage(stdout); return 0; }
    if (!strcmp(a, "-o") && has) out = argv[++i];
    else if (!strcmp(a, "--input-shape") && has) {
      if (ns == 16) return qcc_cli_errorf(QCC_ERR_USAGE, "at most 16 --input-shape options");
      qcc_status_t st = qcc_parse_input_shape(argv[++i], &shapes[ns], names[ns], sizeof names[ns]);
      if (st) return qcc_cli_fail(st);
      ns++;
    } else if (a[0] == '-' && a[1]) return qcc_cli_errorf(QCC_ERR_USAGE, "unknown or incomplete option '%s' for qcc export (see qcc export --help)", a);
    else if (!model) model = a;
    else return qcc_cli_errorf(QCC_ERR_USAGE, "unexpected argument '%s'", a);
  }
  if (!model || !out) { export_usage(stderr); return QCC_ERR_USAGE; }
  if (!qcc_cli_ends_with(out, ".onnx")) return qcc_cli_errorf(QCC_ERR_USAGE, "-o %s: qcc export writes .onnx", out);
  bool is_onnx = qcc_cli_ends_with(model, ".onnx");
  if (ns && !is_onnx) return qcc_cli_errorf(QCC_ERR_USAGE, "--input-shape applies to .onnx models only");
  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  MlirModule m = {NULL};
  if (is_onnx) {
    qcc_import_options io = {.input_shapes = shapes, .n_input_shapes = ns, .quiet = true};
    st = qcc_import_onnx(ctx, model, &io, &m);
  } else {
    st = qcc_module_parse_file(ctx, model, &m);
    if (!st) st = qcc_module_verify(m);
  }
  char doc[4200];
  snprintf(doc, sizeof doc, "exported by qcc %s from %s", QCC_VERSION_STRING, model);
  qcc_export_options eo = {.graph_name = NULL, .doc_string = doc};
  if (!st) st = qcc_export_onnx(m, out, &eo);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  qcc_context_destroy(ctx);
  if (st) return qcc_cli_fail(st);
  printf("exported %s -> %s (ONNX opset 17)\n", model, out);
  return 0;
}
