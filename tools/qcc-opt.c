/* qcc-opt: run qcc and upstream passes on .mlir/.mlirbc, for developers and
 * lit tests. See `qcc-opt --help`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/RegisterEverything.h"
#include "pipeline.h"
#include "plugin.h"
#include "qcc.h"
#include "qcc_plugin.h"
#include "registry.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: qcc-opt FILE.(mlir|mlirbc) [options]\n"
          "  -p, --pass-pipeline=P   comma-separated passes: qcc passes by flag with options in\n"
          "                          {key=value ...}, upstream passes as in mlir-opt (e.g. cse,\n"
          "                          func.func(canonicalize)); qcc's verifier runs after each\n"
          "  -o FILE                 output (default: standard output; .mlirbc writes bytecode)\n"
          "  --split-input-file      treat '// -----' separated chunks as independent inputs\n"
          "  --verify-diagnostics    check '// expected-error {{...}}' (and @+N, @-N, warning,\n"
          "                          note, remark) annotations against the diagnostics produced\n"
          "  --print-ir-after-all    print the IR after every pass (to standard error)\n"
          "  --mlir-print-debuginfo  print locations\n"
          "  --elide-large           elide constants larger than 16 elements in text output\n"
          "  --load-plugin=LIB.so    load a qcc plugin first: its passes and quantizers become\n"
          "                          usable (repeatable; docs/writing-a-quantizer.md)\n"
          "  --list-passes           list qcc's passes, quantizers and loaded plugins\n"
          "  --help, --version\n");
}

typedef struct {
  const char *pipeline;
  const char *out;
  bool split, verify_diags, print_after_all, debuginfo, elide;
} opts_t;

/* ---- --verify-diagnostics ---- */
typedef struct {
  int line, severity;
  char msg[512];
  bool matched;
} expect_t;

static int parse_expectations(const char *src, expect_t **out) {
  static const char *kinds[] = {"expected-error", "expected-warning", "expected-note", "expected-remark"};
  int n = 0, cap = 0, line = 1;
  expect_t *v = NULL;
  for (const char *p = src; *p; ++p) {
    if (*p == '\n') { line++; continue; }
    for (int k = 0; k < 4; ++k) {
      size_t kl = strlen(kinds[k]);
      if (strncmp(p, kinds[k], kl)) continue;
      const char *q = p + kl;
      int target = line;
      if (*q == '@') {
        q++;
        if (!strncmp(q, "above", 5)) { target = line - 1; q += 5; }
        else if (!strncmp(q, "below", 5)) { target = line + 1; q += 5; }
        else { int off = (int)strtol(q, (char **)&q, 10); target = line + off; }
      }
      while (*q == ' ') q++;
      if (strncmp(q, "{{", 2)) continue;
      q += 2;
      const char *e = strstr(q, "}}");
      if (!e) continue;
      if (n == cap) { cap = cap ? 2 * cap : 16; v = realloc(v, sizeof *v * (size_t)cap); }
      v[n].line = target;
      v[n].severity = k;
      v[n].matched = false;
      snprintf(v[n].msg, sizeof v[n].msg, "%.*s", (int)(e - q), q);
      n++;
      p = e + 1;
      break;
    }
  }
  *out = v;
  return n;
}

static int check_expectations(const char *chunk, const char *file) {
  expect_t *ex;
  int ne = parse_expectations(chunk, &ex), bad = 0;
  const qcc_diagnostic *d;
  int nd = qcc_diag_count(&d);
  static const char *sev[] = {"error", "warning", "note", "remark"};
  for (int i = 0; i < nd; ++i) {
    bool ok = false;
    for (int j = 0; j < ne && !ok; ++j)
      if (!ex[j].matched && ex[j].line == d[i].line && ex[j].severity == d[i].severity && strstr(d[i].message, ex[j].msg)) {
        ex[j].matched = true;
        ok = true;
      }
    if (!ok) {
      fprintf(stderr, "%s:%d:%d: error: unexpected %s: %s\n", d[i].file && *d[i].file ? d[i].file : file, d[i].line, d[i].col, sev[d[i].severity], d[i].message);
      bad++;
    }
  }
  for (int j = 0; j < ne; ++j)
    if (!ex[j].matched) {
      fprintf(stderr, "%s:%d: error: expected %s \"%s\" was not produced\n", file, ex[j].line, sev[ex[j].severity], ex[j].msg);
      bad++;
    }
  free(ex);
  qcc_diag_clear();
  return bad;
}

static int process(MlirContext ctx, const char *file, const char *chunk, size_t len, const opts_t *o, FILE *out,
                   bool *wrote) {
  MlirModule m;
  qcc_status_t st = qcc_module_parse_buffer(ctx, chunk, len, file, &m);
  if (!st) {
    st = qcc_module_verify(m);
    if (!st) {
      MlirPassManager pm = mlirPassManagerCreate(ctx);
      if (o->print_after_all) mlirPassManagerEnableIRPrinting(pm, false, true, false, false, false, mlirOpPrintingFlagsCreate(), (MlirStringRef){NULL, 0});
      st = qcc_pipeline_add(pm, o->pipeline ? o->pipeline : "");
      if (!st) st = qcc_pipeline_run(pm, m);
      mlirPassManagerDestroy(pm);
    }
    if (!st && !o->verify_diags) {
      qcc_print_options po = {o->elide, o->debuginfo};
      if (o->out && strcmp(o->out, "-")) {
        st = qcc_module_write_file(m, o->out, &po);
      } else {
        if (*wrote) fprintf(out, "// -----\n");
        fflush(out);
        st = qcc_module_write_file(m, "-", &po);
      }
      *wrote = true;
    }
    mlirModuleDestroy(m);
  }
  if (st) {
    int code = qcc_status_code_of(st);
    if (!o->verify_diags) fprintf(stderr, "qcc-opt: %s\n", qcc_status_message(st));
    qcc_status_free(st);
    return code;
  }
  return 0;
}

static void list_passes(void) {
  printf("passes:\n");
  for (int k = 0; k < qcc_pass_count(); ++k) printf("  %-28s %s\n", qcc_pass_at(k)->flag, qcc_pass_at(k)->summary);
  printf("quantizers (qcc-annotate{quantizer=NAME}):\n");
  for (int k = 0; k < qcc_quantizer_count(); ++k)
    printf("  %-28s %s\n", qcc_quantizer_at(k)->name, qcc_quantizer_at(k)->summary ? qcc_quantizer_at(k)->summary : "");
  for (int k = 0; k < qcc_plugin_count(); ++k)
    printf("%s  %-28s %s %s\n", k ? "" : "plugins:\n", qcc_plugin_at(k)->name ? qcc_plugin_at(k)->name : "",
           qcc_plugin_at(k)->version ? qcc_plugin_at(k)->version : "", qcc_plugin_path_at(k));
}

int main(int argc, char **argv) {
  opts_t o = {0};
  const char *input = NULL;
  bool list = false;
  const char *plugins[64];
  int n_plugins = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
    if (!strcmp(a, "--version")) { printf("qcc-opt %s (MLIR 22)\n", QCC_VERSION_STRING); return 0; }
    if (!strncmp(a, "--load-plugin", 13) && (a[13] == '=' || (!a[13] && i + 1 < argc))) {
      if (n_plugins == (int)(sizeof plugins / sizeof *plugins)) { fprintf(stderr, "qcc-opt: too many --load-plugin options\n"); return QCC_ERR_USAGE; }
      plugins[n_plugins++] = a[13] ? a + 14 : argv[++i];
    } else if (!strcmp(a, "--list-passes")) list = true;
    else if (!strncmp(a, "--pass-pipeline=", 16)) o.pipeline = a + 16;
    else if ((!strcmp(a, "-p") || !strcmp(a, "--pass-pipeline")) && i + 1 < argc) o.pipeline = argv[++i];
    else if (!strcmp(a, "-o") && i + 1 < argc) o.out = argv[++i];
    else if (!strcmp(a, "--split-input-file")) o.split = true;
    else if (!strcmp(a, "--verify-diagnostics")) o.verify_diags = true;
    else if (!strcmp(a, "--print-ir-after-all")) o.print_after_all = true;
    else if (!strcmp(a, "--mlir-print-debuginfo")) o.debuginfo = true;
    else if (!strcmp(a, "--elide-large")) o.elide = true;
    else if (a[0] == '-' && a[1]) { fprintf(stderr, "qcc-opt: unknown option '%s' (see qcc-opt --help)\n", a); return QCC_ERR_USAGE; }
    else if (!input) input = a;
    else { fprintf(stderr, "qcc-opt: more than one input file ('%s' and '%s')\n", input, a); return QCC_ERR_USAGE; }
  }
  /* Before the pipeline is parsed: it may name a plugin's passes and quantizers. */
  for (int k = 0; k < n_plugins; ++k) {
    qcc_status_t st = qcc_load_plugin(plugins[k]);
    if (st) {
      int code = qcc_status_code_of(st);
      fprintf(stderr, "qcc-opt: %s\n", qcc_status_message(st));
      qcc_status_free(st);
      return code;
    }
  }
  if (list) { list_passes(); return 0; }
  if (!input) { usage(stderr); return QCC_ERR_USAGE; }
  mlirRegisterAllPasses();
  MlirContext ctx;
  qcc_context_options co = {true};
  qcc_status_t st = qcc_context_create(&co, &ctx);
  if (st) { fprintf(stderr, "qcc-opt: %s\n", qcc_status_message(st)); return qcc_status_code_of(st); }
  char *src;
  size_t len;
  st = qcc_read_file(input, &src, &len);
  if (st) { fprintf(stderr, "qcc-opt: %s\n", qcc_status_message(st)); return qcc_status_code_of(st); }
  if (o.verify_diags) qcc_diag_set_capture(true);
  int rc = 0, bad = 0;
  bool wrote = false;
  if (!o.split) {
    rc = process(ctx, input, src, len, &o, stdout, &wrote);
    if (o.verify_diags) bad += check_expectations(src, input);
  } else {
    /* Chunks keep their line numbers: each is padded with the newlines before it. */
    const char *p = src;
    int line_before = 0;
    for (;;) {
      const char *sep = strstr(p, "// -----");
      size_t clen = sep ? (size_t)(sep - p) : strlen(p);
      char *chunk = malloc((size_t)line_before + clen + 1);
      memset(chunk, '\n', (size_t)line_before);
      memcpy(chunk + line_before, p, clen);
      chunk[line_before + clen] = 0;
      int r = process(ctx, input, chunk, (size_t)line_before + clen, &o, stdout, &wrote);
      if (o.verify_diags) bad += check_expectations(chunk, input);
      if (r && !rc) rc = r;
      free(chunk);
      for (size_t i = 0; i < clen; ++i) line_before += p[i] == '\n';
      if (!sep) break;
      p = sep;
      while (*p && *p != '\n') p++;
    }
  }
  free(src);
  qcc_context_destroy(ctx);
  if (o.verify_diags) return bad ? 1 : 0;
  return rc;
}
