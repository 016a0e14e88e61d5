#include "registry.h"

#include <stdlib.h>
#include <string.h>

#include "passes.h"

static const qcc_pass_info *const g_builtin[] = {
    &qcc_pass_verify_info,
    &qcc_pass_dce_info,
    &qcc_pass_cse_info,
    &qcc_pass_fold_conv_bn_info,
    &qcc_pass_fuse_layer_norm_info,
    &qcc_pass_fuse_gelu_info,
    &qcc_pass_equalize_info,
    &qcc_pass_annotate_info,
    &qcc_pass_insert_observers_info,
    &qcc_pass_calibrate_info,
    &qcc_pass_sensitivity_info,
    &qcc_pass_select_precision_info,
    &qcc_pass_apply_precision_info,
    &qcc_pass_awq_info,
    &qcc_pass_gptq_info,
    &qcc_pass_convert_info,
    &qcc_pass_fuse_qdq_info,
    &qcc_pass_dedup_constants_info,
    &qcc_pass_precompute_requant_info,
    &qcc_pass_select_layout_info,
    &qcc_pass_pack_weights_info,
    &qcc_pass_plan_memory_info,
};

#define MAX_PLUGIN_PASSES 256
static const qcc_pass_info *g_plugin[MAX_PLUGIN_PASSES];
static int g_n_plugin;

int qcc_pass_count(void) { return (int)(sizeof g_builtin / sizeof *g_builtin) + g_n_plugin; }

const qcc_pass_info *qcc_pass_at(int i) {
  int nb = (int)(sizeof g_builtin / sizeof *g_builtin);
  if (i < 0) return NULL;
  if (i < nb) return g_builtin[i];
  return i - nb < g_n_plugin ? g_plugin[i - nb] : NULL;
}

const qcc_pass_info *qcc_pass_lookup(const char *flag) {
  for (int i = 0; i < qcc_pass_count(); ++i)
    if (!strcmp(qcc_pass_at(i)->flag, flag)) return qcc_pass_at(i);
  return NULL;
}

qcc_status_t qcc_pass_register(const qcc_pass_info *info) {
  if (!info || !info->flag || !info->create) return qcc_status_make(QCC_ERR_USAGE, "pass registration without a flag or create function");
  if (qcc_pass_lookup(info->flag)) return qcc_status_make(QCC_ERR_USAGE, "a pass named '%s' is already registered", info->flag);
  if (g_n_plugin == MAX_PLUGIN_PASSES) return qcc_status_make(QCC_ERR_USAGE, "too many plugin passes");
  g_plugin[g_n_plugin++] = info;
  return NULL;
}

/* A pass and its clones (MLIR clones passes for multithreaded nested
 * pipelines) share one owner: the pass's user data, freed with the last of
 * them. MLIR calls construct for every instance and destruct as each goes. */
typedef struct {
  int refs;
  void (*run)(MlirOperation op, MlirExternalPass pass, void *ud);
  void *ud;
} pass_owner;
static void owner_construct(void *p) { __atomic_add_fetch(&((pass_owner *)p)->refs, 1, __ATOMIC_RELAXED); }
static void owner_destruct(void *p) {
  pass_owner *o = p;
  if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0) {
    free(o->ud);
    free(o);
  }
}
static void *clone_same(void *p) { return p; }
static void owner_run(MlirOperation op, MlirExternalPass pass, void *p) {
  pass_owner *o = p;
  o->run(op, pass, o->ud);
}
static void noop(void *ud) { (void)ud; }

static MlirPass make(const qcc_pass_info *info, void *type_id_storage, MlirExternalPassCallbacks cb, void *ud) {
  return mlirCreateExternalPass(mlirTypeIDCreate(type_id_storage), mlirStringRefCreateFromCString(info->flag),
                                mlirStringRefCreateFromCString(info->flag), mlirStringRefCreateFromCString(info->summary),
                                mlirStringRefCreateFromCString(info->anchor), 0, NULL, cb, ud);
}

MlirPass qcc_make_external_pass(const qcc_pass_info *info, void *type_id_storage,
                                void (*run)(MlirOperation op, MlirExternalPass pass, void *ud), void *ud) {
  return make(info, type_id_storage, (MlirExternalPassCallbacks){noop, noop, NULL, clone_same, run}, ud);
}

MlirPass qcc_make_external_pass_owned(const qcc_pass_info *info, void *type_id_storage,
                                      void (*run)(MlirOperation op, MlirExternalPass pass, void *ud), void *ud) {
  pass_owner *o = malloc(sizeof *o);
  if (!o) abort();
  *o = (pass_owner){0, run, ud};
  return make(info, type_id_storage, (MlirExternalPassCallbacks){owner_construct, owner_destruct, NULL, clone_same, owner_run}, o);
}

static qcc_status_t g_report;

void qcc_pass_report(qcc_status_t st) {
  if (!st) return;
  if (g_report) qcc_status_free(st);
  else g_report = st;
}

qcc_status_t qcc_pass_take_report(void) {
  qcc_status_t st = g_report;
  g_report = NULL;
  return st;
}
