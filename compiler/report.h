/* The mixed-precision report (issue 6, "Seeing why"; docs/precision.md, "The report"):
 * reads a precision file written by qcc-apply-precision{write=...} and writes
 * DIR/report.json and a self-contained DIR/report.html (inline CSS, SVG plots
 * rendered here in C, a few lines of script for sorting the table). */
#ifndef QCC_REPORT_H
#define QCC_REPORT_H
#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the caller knows beyond the precision file. Every field is optional:
 * pass NULL for the whole struct, or zero-initialize and set what is known. */
typedef struct {
  /* Shown as the report's title (e.g. the ONNX file's name). NULL: the
   * precision file's name. */
  const char *model;
  /* Accuracies measured on the full labelled data set (qcc quantize --data):
   * they replace the file's top-level "accuracy" / "float_accuracy", which
   * come from the verification on --eval-samples samples. Fractions in [0,1]. */
  bool has_accuracy, has_float_accuracy;
  double accuracy, float_accuracy;
  /* Number of samples behind those accuracies (0: not known). */
  int64_t accuracy_samples;
} qcc_report_extra;

/* Writes DIR/report.json and DIR/report.html from the precision file at
 * precision_json_path. DIR is created if missing (one level, like mkdir).
 * Both files are written to temporaries in DIR and renamed into place only
 * when both are complete: on any error nothing new is left in DIR and a
 * previous report stays as it was. Errors: QCC_ERR_IO (unreadable file,
 * unwritable DIR), QCC_ERR_INVALID (malformed JSON, missing or mistyped
 * fields; the message names the file, the line or the layer). */
qcc_status_t qcc_report_write(const char *dir, const char *precision_json_path, const qcc_report_extra *extra);

#ifdef __cplusplus
}
#endif
#endif
