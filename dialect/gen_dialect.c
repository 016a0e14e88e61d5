#define _GNU_SOURCE
/* Build-time generator: prints the qcc dialect's IRDL module (--irdl-c emits
 * it as a C string for libqcc) or its Markdown reference (--doc), from the
 * schema in ops.def. Runs on the build host; links only qcc_dialect_schema. */
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "qcc_dialect.h"

static const char *irdl_attr_base(qcc_attr_kind k) {
  switch (k) {
    case QCC_AK_I64: return "#builtin.integer";
    case QCC_AK_I64S: return "#builtin.dense_array";
    case QCC_AK_F32: return "#builtin.float";
    case QCC_AK_F32S: return "#builtin.dense_array";
    case QCC_AK_STR: return "#builtin.string";
    case QCC_AK_TYPE: return "#builtin.type";
    case QCC_AK_ELEMS: return NULL; /* any_of below */
  }
  return "?";
}

static void emit_values(FILE *f, const char *what, const char *var, const qcc_value_schema *v, int n) {
  static const char *arity[] = {"", "", "optional ", "variadic "};
  fprintf(f, "    irdl.%s(", what);
  bool first = true;
  for (int i = 0; i < n; ++i) {
    if (v[i].arity == QCC_ARITY_VARIADIC) {
      for (int j = 0; j < QCC_MAX_VARIADIC; ++j, first = false)
        fprintf(f, "%s%s%d: optional %%%s%d_%d", first ? "" : ", ", v[i].name, j, var, i, j);
    } else {
      fprintf(f, "%s%s: %s%%%s%d_0", first ? "" : ", ", v[i].name, arity[v[i].arity], var, i);
      first = false;
    }
  }
  fprintf(f, ")\n");
}

static void emit_irdl(FILE *f) {
  fprintf(f, "// Generated from dialect/ops.def by gen_dialect; do not edit.\n");
  fprintf(f, "irdl.dialect @qcc {\n");
  for (int k = 0; k < QCC_OP_COUNT_; ++k) {
    const qcc_op_info *o = qcc_op_info_get((qcc_op_kind)k);
    fprintf(f, "  irdl.operation @%s {\n", o->name);
    /* One constraint variable per value: reusing one would force equal types. */
    /* IRDL unifies a constraint variable across all values of a variadic
     * (they would have to share one type), so a variadic list is declared as
     * QCC_MAX_VARIADIC optional values, each with its own variable; the op
     * then carries operandSegmentSizes / resultSegmentSizes. */
    for (int i = 0; i < o->n_operands; ++i)
      for (int j = 0; j < (o->operands[i].arity == QCC_ARITY_VARIADIC ? QCC_MAX_VARIADIC : 1); ++j)
        fprintf(f, "    %%in%d_%d = irdl.base \"!builtin.tensor\"\n", i, j);
    for (int i = 0; i < o->n_results; ++i)
      for (int j = 0; j < (o->results[i].arity == QCC_ARITY_VARIADIC ? QCC_MAX_VARIADIC : 1); ++j)
        fprintf(f, "    %%out%d_%d = irdl.base \"!builtin.tensor\"\n", i, j);
    for (int i = 0; i < o->n_attrs; ++i) {
      const char *base = irdl_attr_base(o->attrs[i].kind);
      if (base) {
        fprintf(f, "    %%a%d = irdl.base \"%s\"\n", i, base);
      } else {
        fprintf(f, "    %%a%d_d = irdl.base \"#builtin.dense_int_or_fp_elements\"\n", i);
        fprintf(f, "    %%a%d_r = irdl.base \"#builtin.dense_resource_elements\"\n", i);
        fprintf(f, "    %%a%d = irdl.any_of(%%a%d_d, %%a%d_r)\n", i, i, i);
      }
    }
    if (o->n_operands) emit_values(f, "operands", "in", o->operands, o->n_operands);
    if (o->n_results) emit_values(f, "results", "out", o->results, o->n_results);
    if (o->n_attrs) {
      fprintf(f, "    irdl.attributes {");
      for (int i = 0; i < o->n_attrs; ++i)
        fprintf(f, "%s\"%s\" = %%a%d", i ? ", " : "", qcc_attr_name(o->attrs[i].id), i);
      fprintf(f, "}\n");
    }
    fprintf(f, "  }\n");
  }
  fprintf(f, "}\n");
}

static void emit_c_string(FILE *f) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  emit_irdl(m);
  fclose(m);
  fprintf(f, "/* Generated from dialect/ops.def by gen_dialect; do not edit. */\n");
  fprintf(f, "const char qcc_dialect_irdl[] =\n");
  fputs("  \"", f);
  for (size_t i = 0; i < len; ++i) {
    char c = buf[i];
    if (c == '\n') fputs(i + 1 < len ? "\\n\"\n  \"" : "\\n", f);
    else if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else fputc(c, f);
  }
  fputs("\";\n", f);
  free(buf);
}

static void emit_doc(FILE *f) {
  fprintf(f, "# The qcc dialect: op reference\n\n");
  fprintf(f, "<!-- Generated from dialect/ops.def by `gen_dialect --doc`; a test fails if this file is stale. -->\n\n");
  fprintf(f, "Ops print in MLIR's generic form (the dialect is declared in IRDL), e.g.\n\n");
  fprintf(f, "```mlir\n%%y = \"qcc.relu\"(%%x) : (tensor<1x8xf32>) -> tensor<1x8xf32>\n```\n\n");
  fprintf(f, "Every attribute listed is required; the importer writes ONNX's defaults explicitly. ");
  fprintf(f, "Operands and results are ranked tensors with static shapes; element types and shapes are ");
  fprintf(f, "checked by qcc's C verifier (dialect/verify.c) after parsing and after every pass.\n\n");
  fprintf(f, "| op | operands | results | attributes | semantics |\n|---|---|---|---|---|\n");
  static const char *arity[] = {"", "", "?", "..."};
  for (int k = 0; k < QCC_OP_COUNT_; ++k) {
    const qcc_op_info *o = qcc_op_info_get((qcc_op_kind)k);
    fprintf(f, "| `qcc.%s` | ", o->name);
    for (int i = 0; i < o->n_operands; ++i)
      fprintf(f, "%s%s%s", i ? ", " : "", o->operands[i].name, arity[o->operands[i].arity]);
    fprintf(f, " | ");
    for (int i = 0; i < o->n_results; ++i)
      fprintf(f, "%s%s%s", i ? ", " : "", o->results[i].name, arity[o->results[i].arity]);
    fprintf(f, " | ");
    for (int i = 0; i < o->n_attrs; ++i)
      fprintf(f, "%s`%s`: %s", i ? ", " : "", qcc_attr_name(o->attrs[i].id), qcc_attr_kind_name(o->attrs[i].kind));
    fprintf(f, " | %s |\n", o->summary);
  }
  fprintf(f, "\n`?` marks an optional operand, `...` a variadic one.\n\n");
  fprintf(f, "## Notes\n\n");
  fprintf(f, "- **Variadic lists.** IRDL gives all values of one variadic operand a single constraint variable, which would "
             "force them to share one type (concat inputs differ along the axis). qcc therefore declares a variadic list as %d "
             "optional values, each with its own variable; ops with such lists carry `operandSegmentSizes` / "
             "`resultSegmentSizes` (`qcc_build` adds them). The importer chains longer lists.\n", QCC_MAX_VARIADIC);
  fprintf(f, "- **Quantized tensors** use MLIR's upstream quant types: `!quant.uniform<u8:f32, 0.05:128>` per tensor, "
             "`!quant.uniform<i8:f32:0, {0.1,0.2}>` per axis. `qcc.storage_cast` converts between a quantized tensor and "
             "its plain integer storage (ONNX's uint8/int8 tensors).\n");
  fprintf(f, "- **Weights** are builtin dense elements attributes on `qcc.constant`: uniqued (identical tensors are stored "
             "once), read by the executor through a raw pointer (no per-element calls), and written compactly in bytecode "
             "(`.mlirbc`, qcc's own intermediate format). Text (`.mlir`) prints them as hex; `--elide-large` elides them for "
             "reading, and an elided file cannot be read back.\n");
  fprintf(f, "- **Locations.** Every imported op carries its ONNX node name (`loc(\"/layer1/layer1.0/conv1/Conv\"(...))`), "
             "so diagnostics and reports name the user's layer.\n");
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--irdl-c")) {
    FILE *f = fopen(argv[2], "w");
    if (!f) return 1;
    emit_c_string(f);
    return fclose(f) != 0;
  }
  if (argc == 2 && !strcmp(argv[1], "--irdl")) { emit_irdl(stdout); return 0; }
  if (argc == 2 && !strcmp(argv[1], "--doc")) { emit_doc(stdout); return 0; }
  fprintf(stderr, "usage: gen_dialect --irdl | --doc | --irdl-c OUT.c\n");
  return 2;
}
