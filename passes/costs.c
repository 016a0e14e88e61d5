/* Cost tables: parsing, lookup, the shipped tables' location. Format and
 * contracts in costs.h. */
#include "costs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qcc.h"
#include "qrt/qrt.h"

static const char *const kOps[QCC_COST_OP_COUNT] = {"conv", "dwconv", "gemm", "matmul"};

const char *qcc_cost_op_name(qcc_cost_op op) { return op >= 0 && op < QCC_COST_OP_COUNT ? kOps[op] : "?"; }

bool qcc_cost_op_parse(const char *s, qcc_cost_op *out) {
  for (int k = 0; k < QCC_COST_OP_COUNT; ++k)
    if (!strcmp(s, kOps[k])) {
      *out = (qcc_cost_op)k;
      return true;
    }
  return false;
}

qcc_cost_op qcc_cost_op_of(const qcc_layer *l) {
  if (!strcmp(l->kind, "gemm")) return QCC_COST_GEMM;
  if (!strcmp(l->kind, "matmul")) return QCC_COST_MATMUL;
  return l->depthwise ? QCC_COST_DWCONV : QCC_COST_CONV;
}

#define BAD(...) qcc_status_make(QCC_ERR_INVALID, __VA_ARGS__)

static qcc_status_t parse_entry(const cJSON *e, const char *path, const char *op, const char *prec, qcc_cost_entry *out) {
  static const char *const keys[3] = {"call_ns", "mac_ns", "weight_ns"};
  double v[3];
  if (!cJSON_IsObject(e))
    return BAD("cost table %s: ops.%s.%s must be an object {\"call_ns\": N, \"mac_ns\": N, \"weight_ns\": N}", path, op,
               prec);
  for (int k = 0; k < 3; ++k) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, keys[k]);
    if (!cJSON_IsNumber(x))
      return BAD("cost table %s: ops.%s.%s needs a number \"%s\"", path, op, prec, keys[k]);
    v[k] = x->valuedouble;
    if (!isfinite(v[k]) || v[k] < 0)
      return BAD("cost table %s: ops.%s.%s.%s must be finite and >= 0, got %g", path, op, prec, keys[k], v[k]);
  }
  *out = (qcc_cost_entry){true, v[0], v[1], v[2]};
  return NULL;
}

qcc_status_t qcc_cost_table_parse(const char *text, size_t len, const char *path, qcc_cost_table *out) {
  memset(out, 0, sizeof *out);
  cJSON *root = cJSON_ParseWithLength(text, len);
  if (!root) {
    const char *at = cJSON_GetErrorPtr();
    return BAD("cost table %s: not valid JSON (near byte %ld)", path,
               at && at >= text && at <= text + len ? (long)(at - text) : 0L);
  }
  qcc_status_t st = NULL;
  char b1[72], b2[72];
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
  const cJSON *tgt = cJSON_GetObjectItemCaseSensitive(root, "target");
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "source");
  const cJSON *ops = cJSON_GetObjectItemCaseSensitive(root, "ops");
  if (!cJSON_IsObject(root))
    st = BAD("cost table %s: expected an object with format, version, target, source and ops", path);
  else if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "qcc-cost-table"))
    st = BAD("cost table %s: \"format\" must be \"qcc-cost-table\" (is this a cost table?)", path);
  else if (!cJSON_IsNumber(ver) || ver->valuedouble != 1)
    st = BAD("cost table %s: unsupported \"version\" (this qcc reads version 1)", path);
  else if (!cJSON_IsString(tgt) || !tgt->valuestring[0] || strlen(tgt->valuestring) >= sizeof out->target)
    st = BAD("cost table %s: \"target\" must be a target name (e.g. \"x86-64-v3\")", path);
  else if (!cJSON_IsString(src) || !src->valuestring[0])
    st = BAD("cost table %s: \"source\" must say where the figures come from (a non-empty string)", path);
  else if (!cJSON_IsObject(ops))
    st = BAD("cost table %s: \"ops\" must be an object of op kinds (conv, dwconv, gemm, matmul)", path);
  if (!st) {
    qcc_printable(tgt->valuestring, out->target, sizeof out->target);
    qcc_printable(src->valuestring, out->source, sizeof out->source);
  }
  const cJSON *o;
  if (!st) cJSON_ArrayForEach(o, ops) {
    qcc_cost_op op;
    if (!qcc_cost_op_parse(o->string, &op)) {
      st = BAD("cost table %s: unknown op kind '%s' in \"ops\" (conv, dwconv, gemm, matmul)", path,
               qcc_printable(o->string, b1, sizeof b1));
      break;
    }
    if (!cJSON_IsObject(o)) {
      st = BAD("cost table %s: ops.%s must be an object of precisions", path, kOps[op]);
      break;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, o) {
      qcc_precision p;
      if (!qcc_precision_parse(e->string, strlen(e->string), &p)) {
        st = BAD("cost table %s: ops.%s: unknown precision '%s' (" QCC_PRECISION_NAMES ")", path, kOps[op],
                 qcc_printable(e->string, b2, sizeof b2));
        break;
      }
      if ((st = parse_entry(e, path, kOps[op], qcc_precision_name(p), &out->e[op][p]))) break;
    }
    if (st) break;
  }
  cJSON_Delete(root);
  if (st) memset(out, 0, sizeof *out);
  return st;
}

qcc_status_t qcc_cost_table_load(const char *path, qcc_cost_table *out) {
  char *b;
  size_t n;
  qcc_status_t st = qcc_read_file(path, &b, &n);
  if (st) return qcc_status_annotate(st, "cost table");
  st = qcc_cost_table_parse(b, n, path, out);
  free(b);
  return st;
}

bool qcc_cost_layer_ms(const qcc_cost_table *t, const qcc_layer *l, qcc_precision p, double *ms) {
  if (p < 0 || p >= QCC_PREC_COUNT) return false;
  const qcc_cost_entry *e = &t->e[qcc_cost_op_of(l)][p];
  if (!e->set) return false;
  *ms = (e->call_ns + e->mac_ns * (double)l->macs + e->weight_ns * (double)l->n_weights) * 1e-6;
  return true;
}

qcc_status_t qcc_cost_table_default_path(const char *target, char *out, size_t n) {
  const char *file = NULL;
  static const char *const known[] = {"x86-64-v3", "x86-64-v4", "aarch64", "aarch64-dotprod", "generic", NULL};
  for (int k = 0; known[k]; ++k)
    if (!strcmp(target, known[k])) file = known[k];
  if (!strcmp(target, "x86-64-v4-vnni") || !strcmp(target, "x86-64-v4-amx")) file = "x86-64-v4";
  if (!strcmp(target, "native")) {
    qrt_isa_t isa = qrt_cpu_isa();
    file = isa >= QRT_ISA_DOTPROD ? "aarch64-dotprod" : isa >= QRT_ISA_NEON ? "aarch64"
           : isa >= QRT_ISA_AVX512F ? "x86-64-v4" : isa >= QRT_ISA_AVX2_FMA ? "x86-64-v3" : "generic";
  }
  if (!file)
    return qcc_status_make(QCC_ERR_USAGE,
                           "no cost table for target '%s' (x86-64-v3, x86-64-v4, aarch64, aarch64-dotprod, generic, "
                           "native; or give one with --cost-table FILE)", target);
  const char *env = getenv("QCC_COST_TABLE_DIR");
  if (env && env[0]) {
    snprintf(out, n, "%s/%s.json", env, file);
  } else {
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) return qcc_status_make(QCC_ERR_IO, "cannot find the running binary to locate the cost tables: set "
                                       "QCC_COST_TABLE_DIR or give --cost-table FILE");
    exe[k] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    snprintf(out, n, "%s/../share/qcc/costs/%s.json", exe, file);
  }
  if (access(out, R_OK))
    return qcc_status_make(QCC_ERR_IO, "the shipped cost table for '%s' is not at %s (set QCC_COST_TABLE_DIR, or "
                           "measure one with `qcc cost-table` and give it with --cost-table FILE)", target, out);
  return NULL;
}
