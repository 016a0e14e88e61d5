#define _GNU_SOURCE
#include "pipeline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc.h"
#include "registry.h"

typedef struct {
  char buf[2048];
  size_t n;
} errbuf;
static void err_cb(MlirStringRef s, void *ud) {
  errbuf *e = ud;
  for (size_t i = 0; i < s.length && e->n + 1 < sizeof e->buf; ++i) e->buf[e->n++] = s.data[i] == '\n' ? ' ' : s.data[i];
  e->buf[e->n] = 0;
}

/* Parse "k=v k2='v 2'" into pairs pointing into buf (modified in place). */
static qcc_status_t parse_options(const char *pass, char *s, qcc_pass_option *o, int *n) {
  *n = 0;
  while (*s) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) break;
    if (*n == 32) return qcc_status_make(QCC_ERR_USAGE, "pass '%s': too many options", pass);
    char *key = s;
    while (*s && *s != '=' && !isspace((unsigned char)*s)) s++;
    if (*s != '=') return qcc_status_make(QCC_ERR_USAGE, "pass '%s': option '%.*s' must be key=value", pass, (int)(s - key), key);
    *s++ = 0;
    char *val = s;
    if (*s == '\'' || *s == '"') {
      char q = *s++;
      val = s;
      while (*s && *s != q) s++;
      if (!*s) return qcc_status_make(QCC_ERR_USAGE, "pass '%s': unterminated quote in option '%s'", pass, key);
      *s++ = 0;
    } else {
      while (*s && !isspace((unsigned char)*s)) s++;
      if (*s) *s++ = 0;
    }
    if (!*key) return qcc_status_make(QCC_ERR_USAGE, "pass '%s': empty option name", pass);
    o[*n].key = key;
    o[*n].value = val;
    (*n)++;
  }
  return NULL;
}

static qcc_status_t add_element(MlirPassManager pm, char *el) {
  while (isspace((unsigned char)*el)) el++;
  size_t len = strlen(el);
  while (len && isspace((unsigned char)el[len - 1])) el[--len] = 0;
  if (!len) return NULL;
  char *brace = strchr(el, '{');
  char *paren = strchr(el, '(');
  char name[256];
  size_t nl = brace && (!paren || brace < paren) ? (size_t)(brace - el) : paren ? (size_t)(paren - el) : len;
  if (nl >= sizeof name) return qcc_status_make(QCC_ERR_USAGE, "pipeline element '%s': name too long", el);
  memcpy(name, el, nl);
  name[nl] = 0;
  const qcc_pass_info *info = qcc_pass_lookup(name);
  if (info) {
    qcc_pass_option opts[32];
    int n = 0;
    if (brace && (!paren || brace < paren)) {
      if (el[len - 1] != '}') return qcc_status_make(QCC_ERR_USAGE, "pass '%s': options must end with '}'", name);
      el[len - 1] = 0;
      QCC_RETURN_IF_ERROR(parse_options(name, brace + 1, opts, &n));
    } else if (nl != len) {
      return qcc_status_make(QCC_ERR_USAGE, "pass '%s': unexpected text '%s' (options go in {key=value ...})", name, el + nl);
    }
    MlirPass p;
    QCC_RETURN_IF_ERROR(info->create(opts, n, &p));
    mlirPassManagerAddOwnedPass(pm, p);
    if (info != qcc_pass_lookup("qcc-verify")) {
      MlirPass v;
      QCC_RETURN_IF_ERROR(qcc_pass_lookup("qcc-verify")->create(NULL, 0, &v));
      mlirPassManagerAddOwnedPass(pm, v);
    }
    return NULL;
  }
  if (strncmp(name, "qcc-", 4) == 0)
    return qcc_status_make(QCC_ERR_USAGE, "unknown pass '%s' (qcc-opt --list-passes shows the qcc passes)", name);
  errbuf e = {{0}, 0};
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  if (mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(opm, mlirStringRefCreateFromCString(el), err_cb, &e)))
    return qcc_status_make(QCC_ERR_USAGE, "unknown or malformed pass '%s'%s%s", el, e.n ? ": " : "", e.buf);
  return NULL;
}

qcc_status_t qcc_pipeline_add(MlirPassManager pm, const char *pipeline) {
  char *buf = strdup(pipeline);
  int depth = 0;
  char *start = buf;
  qcc_status_t st = NULL;
  for (char *c = buf;; ++c) {
    if (*c == '(' || *c == '{') depth++;
    else if (*c == ')' || *c == '}') depth--;
    if (depth < 0) { st = qcc_status_make(QCC_ERR_USAGE, "pipeline '%s': unbalanced brackets", pipeline); break; }
    if ((*c == ',' && depth == 0) || *c == 0) {
      int end = *c == 0;
      if (end && depth) { st = qcc_status_make(QCC_ERR_USAGE, "pipeline '%s': unbalanced brackets", pipeline); break; }
      *c = 0;
      if ((st = add_element(pm, start))) break;
      if (end) break;
      start = c + 1;
    }
  }
  free(buf);
  return st;
}

qcc_status_t qcc_pipeline_run(MlirPassManager pm, MlirModule m) {
  int before = qcc_diag_error_count();
  qcc_status_free(qcc_pass_take_report());
  if (mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(m)))) {
    qcc_status_t st = qcc_pass_take_report();
    if (st) return st;
    return qcc_status_make(QCC_ERR_VERIFY, "a pass failed%s", qcc_diag_error_count() > before ? " (see the errors above)" : "");
  }
  qcc_status_free(qcc_pass_take_report());
  return NULL;
}

void qcc_lowering_pipeline(char *buf, size_t n, const char *target, int max_threads, bool select_layout) {
  const char *t = target ? target : "native";
  snprintf(buf, n, "qcc-dedup-constants,qcc-precompute-requant,%sqcc-pack-weights{target=%s},qcc-plan-memory{target=%s max_threads=%d}",
           select_layout ? "qcc-select-layout," : "", t, t, max_threads > 1 ? max_threads : 1);
}
