/* qcc-apply-precision: give every layer its precision before qcc-convert.
 *
 * Each layer's precision comes from, highest priority first: the precision
 * file (file=F, JSON as `qcc quantize` writes it: {"layers": [{"name": ONNX
 * node name, "precision": "int8"}, ...]}, other keys ignored), the
 * qcc.precision attribute qcc-select-precision wrote, else default= (int8 when
 * the quantizer quantized the layer's activations, else int8-wo). Layers the
 * quantizer left float (--keep-float) are not layers here: they stay float.
 * A file naming a layer the model does not have, or an unknown precision, is
 * an error naming it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/BuiltinAttributes.h"
#include "pass_util.h"
#include "passes.h"
#include "precision.h"
#include "qcc.h"

typedef struct {
  char file[4096];
  char write[4096]; /* write= : the precision file of the result */
  bool has_default;
  qcc_precision def;
  const char *int4_method; /* int4_method= : recorded in the precision file ("rtn", "awq", "gptq") */
} apply_cfg;

static void fail(MlirExternalPass pass, qcc_status_t st) {
  qcc_pass_report(st);
  mlirExternalPassSignalFailure(pass);
}

/* The whole file as a string (malloc'd). */
static qcc_status_t read_all(const char *path, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return qcc_status_make(QCC_ERR_IO, "precision file %s: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  size_t r;
  while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (n + 1 == cap) {
      if (cap > ((size_t)64 << 20)) {
        free(b);
        fclose(f);
        return qcc_status_make(QCC_ERR_INVALID, "precision file %s: larger than 64 MiB", path);
      }
      char *nb = realloc(b, cap * 2);
      if (!nb) free(b);
      b = nb, cap *= 2;
    }
  }
  fclose(f);
  if (!b) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  b[n] = 0;
  *out = b;
  *len = n;
  return NULL;
}

qcc_status_t qcc_precision_file_parse(const char *text, size_t len, const char *path, const qcc_layer *L, int n,
                                      qcc_precision *prec, bool *set) {
  char b1[208], b2[72];
  cJSON *root = cJSON_ParseWithLength(text, len);
  qcc_status_t st = NULL;
  if (!root) {
    const char *at = cJSON_GetErrorPtr();
    return qcc_status_make(QCC_ERR_INVALID, "precision file %s: not valid JSON (near byte %ld)", path,
                           at && at >= text && at <= text + len ? (long)(at - text) : 0L);
  }
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
  if (!cJSON_IsArray(layers))
    st = qcc_status_make(QCC_ERR_INVALID, "precision file %s: expected an object with a \"layers\" array", path);
  int idx = 0;
  const cJSON *e;
  if (!st) cJSON_ArrayForEach(e, layers) {
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(e, "precision");
    if (!cJSON_IsString(nm) || !cJSON_IsString(pr) || !nm->valuestring || !pr->valuestring) {
      st = qcc_status_make(QCC_ERR_INVALID, "precision file %s: layers[%d] needs string \"name\" and \"precision\"", path,
                           idx);
      break;
    }
    qcc_precision p;
    if (!qcc_precision_parse(pr->valuestring, strlen(pr->valuestring), &p)) {
      st = qcc_status_make(QCC_ERR_INVALID,
                           "precision file %s: layer '%s': unknown precision '%s' (" QCC_PRECISION_NAMES ")",
                           path, qcc_printable(nm->valuestring, b1, sizeof b1), qcc_printable(pr->valuestring, b2, sizeof b2));
      break;
    }
    int found = -1;
    for (int i = 0; i < n && found < 0; ++i)
      if (!strcmp(L[i].name, nm->valuestring)) found = i;
    if (found < 0) {
      st = qcc_status_make(QCC_ERR_INVALID,
                           "precision file %s: the model has no layer '%s' (layers are conv, gemm and matmul nodes "
                           "with constant weights that the quantizer quantizes; `qcc quantize` writes the list)",
                           path, qcc_printable(nm->valuestring, b1, sizeof b1));
      break;
    }
    if (!qcc_precision_allowed(&L[found], p)) {
      st = qcc_status_make(QCC_ERR_INVALID, "precision file %s: layer '%s' (%s) cannot be %s", path, L[found].name,
                           L[found].kind, qcc_precision_name(p));
      break;
    }
    prec[found] = p;
    set[found] = true;
    ++idx;
  }
  cJSON_Delete(root);
  return st;
}

static qcc_status_t precision_file_read(const char *path, const qcc_layer *L, int n, qcc_precision *prec, bool *set) {
  char *text;
  size_t len;
  QCC_RETURN_IF_ERROR(read_all(path, &text, &len));
  qcc_status_t st = qcc_precision_file_parse(text, len, path, L, n, prec, set);
  free(text);
  return st;
}

/* Estimated times, when qcc-sensitivity{cost-table=} stored them: "time_ms"
 * per layer and per sensitivity entry, the totals "time_ms" and
 * "float_time_ms", and "cost_table": {path, target, source}. */
static void add_times(cJSON *doc, MlirOperation root, const qcc_layer *L, int n, const qcc_precision *prec) {
  double ms = 0, fms = 0, v;
  cJSON *e = doc->child;
  while (e && strcmp(e->string, "layers")) e = e->next;
  for (int i = 0; i < n; ++i) {
    double f;
    if (!qcc_layer_time(L[i].op, prec[i], &v) || !qcc_layer_time(L[i].op, QCC_PREC_FP32, &f)) return;
    ms += v, fms += f;
    cJSON *x = cJSON_GetArrayItem(e, i), *sens = cJSON_GetObjectItemCaseSensitive(x, "sensitivity"), *o;
    cJSON_AddNumberToObject(x, "time_ms", v);
    cJSON_AddNumberToObject(x, "float_time_ms", f);
    cJSON_ArrayForEach(o, sens) {
      qcc_precision p;
      if (qcc_precision_parse(o->string, strlen(o->string), &p) && qcc_layer_time(L[i].op, p, &v))
        cJSON_AddNumberToObject(o, "time_ms", v);
    }
  }
  cJSON_AddNumberToObject(doc, "time_ms", ms);
  cJSON_AddNumberToObject(doc, "float_time_ms", fms);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(root, mlirStringRefCreateFromCString("qcc.cost_table"));
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return;
  cJSON *t = cJSON_AddObjectToObject(doc, "cost_table");
  for (intptr_t k = 0; k < mlirDictionaryAttrGetNumElements(d); ++k) {
    MlirNamedAttribute a = mlirDictionaryAttrGetElement(d, k);
    MlirStringRef key = mlirIdentifierStr(a.name);
    if (!mlirAttributeIsAString(a.attribute)) continue;
    MlirStringRef val = mlirStringAttrGetValue(a.attribute);
    char kb[64];
    snprintf(kb, sizeof kb, "%.*s", (int)key.length, key.data);
    char *vb = malloc(val.length + 1);
    if (vb) snprintf(vb, val.length + 1, "%.*s", (int)val.length, val.data), cJSON_AddStringToObject(t, kb, vb);
    free(vb);
  }
}

/* The precision file of the choice: every layer with its precision, its
 * bytes at that precision and the sensitivities measured for it, plus the
 * summary qcc-select-precision left on the module. Written to PATH.tmp and
 * renamed, so a failure leaves no partial file. */
static qcc_status_t write_file(const char *path, MlirOperation root, const qcc_layer *L, int n, const qcc_precision *prec,
                               const char *int4_method) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "int4_method", int4_method);
  int64_t bytes = 0, fbytes = 0;
  for (int i = 0; i < n; ++i) bytes += qcc_precision_bytes(&L[i], prec[i]), fbytes += qcc_precision_bytes(&L[i], QCC_PREC_FP32);
  cJSON_AddNumberToObject(doc, "float_weight_bytes", (double)fbytes);
  cJSON_AddNumberToObject(doc, "weight_bytes", (double)bytes);
  MlirAttribute sum = mlirOperationGetDiscardableAttributeByName(root, mlirStringRefCreateFromCString("qcc.precision_summary"));
  if (!mlirAttributeIsNull(sum) && mlirAttributeIsADictionary(sum)) {
    const char *keys[] = {"sqnr_db", "top1_agree", "accuracy", "float_accuracy"};
    for (int k = 0; k < 4; ++k) {
      MlirAttribute v = mlirDictionaryAttrGetElementByName(sum, mlirStringRefCreateFromCString(keys[k]));
      if (!mlirAttributeIsNull(v) && mlirAttributeIsAFloat(v) && mlirFloatAttrGetValueDouble(v) >= 0)
        cJSON_AddNumberToObject(doc, keys[k], mlirFloatAttrGetValueDouble(v));
    }
  }
  cJSON *arr = cJSON_AddArrayToObject(doc, "layers");
  for (int i = 0; i < n; ++i) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", L[i].name);
    cJSON_AddStringToObject(e, "op", L[i].kind);
    cJSON_AddStringToObject(e, "precision", qcc_precision_name(prec[i]));
    cJSON_AddNumberToObject(e, "bytes", (double)qcc_precision_bytes(&L[i], prec[i]));
    cJSON_AddNumberToObject(e, "float_bytes", (double)qcc_precision_bytes(&L[i], QCC_PREC_FP32));
    cJSON *sens = NULL;
    for (int p = QCC_PREC_FP16; p < QCC_PREC_COUNT; ++p) {
      qcc_eval_metrics m;
      if (!qcc_layer_sensitivity(L[i].op, p, &m)) continue;
      if (!sens) sens = cJSON_AddObjectToObject(e, "sensitivity");
      cJSON *o = cJSON_AddObjectToObject(sens, qcc_precision_name(p));
      cJSON_AddNumberToObject(o, "sqnr_db", m.sqnr_db);
      cJSON_AddNumberToObject(o, "top1_agree", m.top1_agree);
      if (m.accuracy >= 0) cJSON_AddNumberToObject(o, "accuracy", m.accuracy);
      cJSON_AddNumberToObject(o, "bytes", (double)qcc_precision_bytes(&L[i], p));
    }
    cJSON_AddItemToArray(arr, e);
  }
  add_times(doc, root, L, n, prec);
  char *text = cJSON_Print(doc);
  cJSON_Delete(doc);
  if (!text) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  qcc_status_t st = NULL;
  if (!f) st = qcc_status_make(QCC_ERR_IO, "cannot write precision file %s: %s", path, strerror(errno));
  if (!st) {
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
      st = qcc_status_make(QCC_ERR_IO, "cannot write precision file %s: %s", path, strerror(errno));
      remove(tmp);
    }
  }
  free(text);
  return st;
}

static void run(MlirOperation root, MlirExternalPass pass, void *ud) {
  const apply_cfg *cfg = ud;
  int n = 0;
  qcc_layer *L = qcc_layers_collect(root, &n);
  qcc_precision *prec = calloc((size_t)n + 1, sizeof *prec);
  bool *set = calloc((size_t)n + 1, sizeof *set);
  qcc_status_t st = NULL;
  for (int i = 0; i < n && !st; ++i) {
    MlirAttribute a = mlirOperationGetDiscardableAttributeByName(L[i].op, mlirStringRefCreateFromCString("qcc.precision"));
    qcc_precision p = cfg->has_default ? cfg->def : L[i].has_int8 ? QCC_PREC_INT8 : QCC_PREC_INT8_WO;
    if (!mlirAttributeIsNull(a) && mlirAttributeIsAString(a)) {
      MlirStringRef s = mlirStringAttrGetValue(a);
      if (!qcc_precision_parse(s.data, s.length, &p))
        st = qcc_status_make(QCC_ERR_INVALID, "qcc-apply-precision: layer '%s': unknown qcc.precision '%.*s'", L[i].name,
                             (int)s.length, s.data);
    }
    if (!st && !qcc_precision_allowed(&L[i], p)) p = L[i].has_int8 ? QCC_PREC_INT8 : QCC_PREC_INT8_WO;
    prec[i] = p;
  }
  if (!st && cfg->file[0]) st = precision_file_read(cfg->file, L, n, prec, set);
  if (!st) {
    MlirContext ctx = mlirOperationGetContext(root);
    for (int i = 0; i < n; ++i)
      mlirOperationSetDiscardableAttributeByName(
          L[i].op, mlirStringRefCreateFromCString("qcc.precision"),
          mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(qcc_precision_name(prec[i]))));
    if (cfg->write[0]) st = write_file(cfg->write, root, L, n, prec, cfg->int4_method);
    if (!st) st = qcc_precision_apply(root, prec, n);
  }
  free(prec);
  free(set);
  free(L);
  if (st) fail(pass, st);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  apply_cfg *c = calloc(1, sizeof *c);
  c->int4_method = "rtn";
  for (int i = 0; i < n; ++i) {
    if (!strcmp(opts[i].key, "int4_method")) {
      qcc_int4_method m;
      if (!qcc_int4_method_parse(opts[i].value, &m)) {
        free(c);
        return qcc_status_make(QCC_ERR_USAGE, "qcc-apply-precision: unknown int4_method '%s' (" QCC_INT4_METHOD_NAMES ")",
                               opts[i].value);
      }
      c->int4_method = qcc_int4_method_name(m);
    } else if ((!strcmp(opts[i].key, "file") || !strcmp(opts[i].key, "write")) && strlen(opts[i].value) >= sizeof c->file) {
      free(c);
      return qcc_status_make(QCC_ERR_USAGE, "qcc-apply-precision: %s path longer than %zu bytes", opts[i].key, sizeof c->file - 1);
    } else if (!strcmp(opts[i].key, "file")) {
      snprintf(c->file, sizeof c->file, "%s", opts[i].value);
    } else if (!strcmp(opts[i].key, "write")) {
      snprintf(c->write, sizeof c->write, "%s", opts[i].value);
    } else if (!strcmp(opts[i].key, "default")) {
      if (!qcc_precision_parse(opts[i].value, strlen(opts[i].value), &c->def)) {
        free(c);
        return qcc_status_make(QCC_ERR_USAGE, "qcc-apply-precision: unknown precision '%s' (" QCC_PRECISION_NAMES ")",
                               opts[i].value);
      }
      c->has_default = true;
    } else {
      free(c);
      return qcc_option_unknown("qcc-apply-precision", opts[i].key, "file, write, default, int4_method");
    }
  }
  *out = qcc_make_external_pass_owned(&qcc_pass_apply_precision_info, &type_id, run, c);
  return NULL;
}

const qcc_pass_info qcc_pass_apply_precision_info = {
    "qcc-apply-precision", "",
    "Give each layer its precision (precision file, qcc.precision, or a default) by rewriting observers",
    "On a calibrated module, before qcc-convert. fp32: the layer's observers go; fp16: its weight observer\n"
    "becomes spec \"f16\"; int8-wo: the weight stays s8, its activations float; int4-wo-gG: the weight\n"
    "observer becomes \"u4 affine axis=0 group=G\"; int8: unchanged. Activation observers stay only where\n"
    "an int8 layer reads or writes them (or between int8 layers).\n"
    "Before:  %w = \"qcc.observe\"(%cst) {spec = \"s8 symmetric axis=0 ...\"}  (layer with qcc.precision = \"fp16\")\n"
    "After:   %w = \"qcc.observe\"(%cst) {spec = \"f16\", observer = \"f16\"}",
    "file=PATH: a precision file (JSON) that overrides everything else for the layers it names\n"
    "write=PATH: write the precision file of the result (every layer, its precision, bytes, sensitivities)\n"
    "default=P: the precision of layers without qcc.precision (default: int8, or int8-wo for layers whose\n"
    "  activations the quantizer left float)\n"
    "int4_method=rtn|awq|gptq: how the int4 weights are made, recorded as the file's \"int4_method\" (default\n"
    "  rtn; awq and gptq are qcc-awq's and qcc-gptq's work, which runs after this pass)",
    create};
