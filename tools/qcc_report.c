/* qcc report: the mixed-precision report (report.json + a self-contained
 * report.html) from a precision file written by qcc quantize / qcc compile
 * with a budget (compiler/report.c, docs/precision.md "The report"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qcc.h"
#include "report.h"

static void report_usage(FILE *f) {
  fprintf(f,
          "usage: qcc report PRECISION.json -o DIR [--model NAME] [--accuracy A --float-accuracy F [--samples N]]\n"
          "  Writes DIR/report.json and DIR/report.html (one self-contained page: summary, per-layer\n"
          "  sensitivity, chosen precision per layer, size breakdown, float vs quantized accuracy, a\n"
          "  sortable table of the layers) from a precision file. DIR is created if missing; both\n"
          "  files are replaced only when both are complete.\n"
          "  --model NAME          the title (default: the precision file's name)\n"
          "  --accuracy A          accuracy of the quantized model on the full data set (fraction),\n"
          "  --float-accuracy F    and of the float model: they replace the file's verification figures\n"
          "  --samples N           how many samples those accuracies were measured on\n");
}

static bool parse_frac(const char *s, double *out) {
  char *e;
  double v = strtod(s, &e);
  if (e == s || *e || !(v >= 0 && v <= 1)) return false;
  *out = v;
  return true;
}

int qcc_cmd_report(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  qcc_report_extra ex = {0};
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { report_usage(stdout); return 0; }
    if (!strcmp(a, "-o") && has) out = argv[++i];
    else if (!strcmp(a, "--model") && has) ex.model = argv[++i];
    else if (!strcmp(a, "--accuracy") && has) {
      if (!parse_frac(argv[++i], &ex.accuracy)) return qcc_cli_errorf(QCC_ERR_USAGE, "--accuracy takes a fraction in [0, 1], not '%s'", argv[i]);
      ex.has_accuracy = true;
    } else if (!strcmp(a, "--float-accuracy") && has) {
      if (!parse_frac(argv[++i], &ex.float_accuracy)) return qcc_cli_errorf(QCC_ERR_USAGE, "--float-accuracy takes a fraction in [0, 1], not '%s'", argv[i]);
      ex.has_float_accuracy = true;
    } else if (!strcmp(a, "--samples") && has) {
      char *e;
      long long n = strtoll(argv[++i], &e, 10);
      if (e == argv[i] || *e || n <= 0) return qcc_cli_errorf(QCC_ERR_USAGE, "--samples takes a positive count, not '%s'", argv[i]);
      ex.accuracy_samples = n;
    } else if (a[0] == '-' && a[1]) return qcc_cli_errorf(QCC_ERR_USAGE, "unknown or incomplete option '%s' for qcc report (see qcc report --help)", a);
    else if (!in) in = a;
    else return qcc_cli_errorf(QCC_ERR_USAGE, "qcc report takes one precision file ('%s' is a second)", a);
  }
  if (!in) { report_usage(stderr); return QCC_ERR_USAGE; }
  if (!out) return qcc_cli_errorf(QCC_ERR_USAGE, "qcc report needs -o DIR");
  qcc_status_t st = qcc_report_write(out, in, &ex);
  if (st) {
    int code = qcc_status_code_of(st);
    fprintf(stderr, "qcc: error: %s\n", qcc_status_message(st));
    qcc_status_free(st);
    return code;
  }
  printf("report: %s/report.html, %s/report.json\n", out, out);
  return 0;
}
