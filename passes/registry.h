/* The registry of qcc passes: each pass is declared once with its flag name,
 * the op it anchors on, a summary and a description with an example, and is
 * created from an option string parsed by qcc itself (MLIR's textual
 * pipeline parser does not know external passes). */
#ifndef QCC_PASSES_REGISTRY_H
#define QCC_PASSES_REGISTRY_H
#include "mlir-c/Pass.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *key;
  const char *value;
} qcc_pass_option;

typedef struct qcc_pass_info {
  const char *flag;        /* "qcc-dce" */
  const char *anchor;      /* "func.func" or "" (any op) */
  const char *summary;     /* one line */
  const char *description; /* with a before/after example */
  const char *options;     /* "name=TYPE: what" lines, or "" */
  /* Create the pass; options already split into key/value pairs. */
  qcc_status_t (*create)(const qcc_pass_option *opts, int n_opts, MlirPass *out);
} qcc_pass_info;

/* Look up by flag; NULL if unknown. */
const qcc_pass_info *qcc_pass_lookup(const char *flag);
/* All registered passes (built in, then plugins'), for --help. */
int qcc_pass_count(void);
const qcc_pass_info *qcc_pass_at(int i);
/* Plugins register their passes here (the info must outlive the process). */
qcc_status_t qcc_pass_register(const qcc_pass_info *info);

/* A pass that fails for a reason the user must act on (a missing file, bad
 * data ...) reports it here, then calls mlirExternalPassSignalFailure:
 * qcc_pipeline_run returns the status (one line, its exit code) instead of a
 * generic "a pass failed". Takes ownership; the first report wins. */
void qcc_pass_report(qcc_status_t st);
/* The reported status, or NULL; clears it (pipeline.c). */
qcc_status_t qcc_pass_take_report(void);

/* Helpers for pass authors. The pass never frees ud (it may be static). */
MlirPass qcc_make_external_pass(const qcc_pass_info *info, void *type_id_storage,
                                void (*run)(MlirOperation op, MlirExternalPass pass, void *ud),
                                void *ud);
/* Same, but ud is NULL or malloc'd memory the pass owns: freed (free()) when
 * the pass and all its clones are destroyed. */
MlirPass qcc_make_external_pass_owned(const qcc_pass_info *info, void *type_id_storage,
                                      void (*run)(MlirOperation op, MlirExternalPass pass, void *ud),
                                      void *ud);

#ifdef __cplusplus
}
#endif
#endif
