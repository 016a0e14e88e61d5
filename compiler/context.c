/* Context creation, diagnostics, reading and writing modules. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/Dialect/Func.h"
#include "mlir-c/Dialect/IRDL.h"
#include "mlir-c/Dialect/Quant.h"
#include "mlir-c/RegisterEverything.h"
#include "qcc.h"
#include "verify.h"

/* ---- diagnostics ---- */
static struct {
  bool capture;
  qcc_diagnostic *v;
  int n, cap, errors;
} g_diag;

typedef struct { char *buf; size_t n, k; } sbuf;
static void sbuf_cb(MlirStringRef s, void *ud) {
  sbuf *b = ud;
  for (size_t i = 0; i < s.length && b->k + 1 < b->n; ++i) b->buf[b->k++] = s.data[i];
  b->buf[b->k] = 0;
}

static bool loc_file_line(MlirLocation loc, char *file, size_t fn, int *line, int *col) {
  for (int depth = 0; depth < 8 && !mlirLocationIsNull(loc); ++depth) {
    if (mlirLocationIsAFileLineColRange(loc)) {
      MlirStringRef f = mlirIdentifierStr(mlirLocationFileLineColRangeGetFilename(loc));
      snprintf(file, fn, "%.*s", (int)f.length, f.data);
      *line = mlirLocationFileLineColRangeGetStartLine(loc);
      *col = mlirLocationFileLineColRangeGetStartColumn(loc);
      return true;
    }
    if (mlirLocationIsAName(loc)) loc = mlirLocationNameGetChildLoc(loc);
    else if (mlirLocationIsACallSite(loc)) loc = mlirLocationCallSiteGetCaller(loc);
    else if (mlirLocationIsAFused(loc) && mlirLocationFusedGetNumLocations(loc) > 0) {
      MlirLocation first[1];
      if (mlirLocationFusedGetNumLocations(loc) > 1) break;
      mlirLocationFusedGetLocations(loc, first);
      loc = first[0];
    } else break;
  }
  return false;
}

static int names_rec(MlirLocation loc, MlirStringRef *out, int max, int k, int depth) {
  if (depth > 8 || mlirLocationIsNull(loc)) return k;
  if (mlirLocationIsAName(loc)) {
    if (k < max) out[k] = mlirIdentifierStr(mlirLocationNameGetName(loc));
    return k + 1;
  }
  if (mlirLocationIsAFused(loc)) {
    intptr_t nl = mlirLocationFusedGetNumLocations(loc);
    MlirLocation ls[16];
    if (nl > 16) nl = 16;
    mlirLocationFusedGetLocations(loc, ls);
    for (intptr_t i = 0; i < nl; ++i) k = names_rec(ls[i], out, max, k, depth + 1);
  }
  return k;
}

int qcc_location_names(MlirLocation loc, MlirStringRef *out, int max) { return names_rec(loc, out, max, 0, 0); }

MlirLocation qcc_location_fuse(MlirContext ctx, const MlirLocation *locs, int n) {
  if (n == 1) return locs[0];
  return mlirLocationFusedGet(ctx, n, locs, mlirAttributeGetNull());
}

void qcc_location_format(MlirLocation loc, char *buf, size_t n) {
  char file[512];
  int line = 0, col = 0;
  buf[0] = 0;
  if (mlirLocationIsAFused(loc)) {
    MlirStringRef nm[8];
    int k = qcc_location_names(loc, nm, 8);
    if (k > 0) {
      MlirLocation first[16];
      if (mlirLocationFusedGetNumLocations(loc) <= 16) {
        mlirLocationFusedGetLocations(loc, first);
        qcc_location_format(first[0], buf, n);
      } else {
        snprintf(buf, n, "node '%.*s'", (int)nm[0].length, nm[0].data);
      }
      size_t o = strlen(buf);
      for (int i = 1; i < k && i < 8 && o < n; ++i)
        o += (size_t)snprintf(buf + o, n - o, "%s'%.*s'", i == 1 ? " (fused with " : ", ", (int)nm[i].length, nm[i].data);
      if (k > 1 && o < n) snprintf(buf + o, n - o, ")");
      return;
    }
  }
  if (mlirLocationIsAName(loc)) {
    MlirStringRef nm = mlirIdentifierStr(mlirLocationNameGetName(loc));
    bool has_file = loc_file_line(loc, file, sizeof file, &line, &col);
    if (has_file && line == 0) snprintf(buf, n, "%s: node '%.*s'", file, (int)nm.length, nm.data);
    else if (has_file) snprintf(buf, n, "%s:%d:%d: node '%.*s'", file, line, col, (int)nm.length, nm.data);
    else snprintf(buf, n, "node '%.*s'", (int)nm.length, nm.data);
    return;
  }
  if (loc_file_line(loc, file, sizeof file, &line, &col)) {
    snprintf(buf, n, "%s:%d:%d", file, line, col);
    return;
  }
  sbuf b = {buf, n, 0};
  mlirLocationPrint(loc, sbuf_cb, &b);
}

static MlirLogicalResult diag_handler(MlirDiagnostic d, void *ud) {
  (void)ud;
  static const char *sev[] = {"error", "warning", "note", "remark"};
  int s = (int)mlirDiagnosticGetSeverity(d);
  if (s < 0 || s > 3) s = 0;
  if (s == 0) g_diag.errors++;
  char loc[1024], msg[4096];
  qcc_location_format(mlirDiagnosticGetLocation(d), loc, sizeof loc);
  sbuf b = {msg, sizeof msg, 0};
  msg[0] = 0;
  mlirDiagnosticPrint(d, sbuf_cb, &b);
  if (g_diag.capture) {
    if (g_diag.n == g_diag.cap) {
      g_diag.cap = g_diag.cap ? 2 * g_diag.cap : 16;
      g_diag.v = realloc(g_diag.v, sizeof *g_diag.v * (size_t)g_diag.cap);
    }
    qcc_diagnostic *q = &g_diag.v[g_diag.n++];
    char file[512] = "";
    q->line = q->col = 0;
    loc_file_line(mlirDiagnosticGetLocation(d), file, sizeof file, &q->line, &q->col);
    q->severity = s;
    q->file = strdup(file);
    q->message = strdup(msg);
    return mlirLogicalResultSuccess();
  }
  fprintf(stderr, "%s: %s: %s\n", loc, sev[s], msg);
  for (intptr_t i = 0; i < mlirDiagnosticGetNumNotes(d); ++i) {
    MlirDiagnostic nd = mlirDiagnosticGetNote(d, i);
    b.k = 0;
    msg[0] = 0;
    mlirDiagnosticPrint(nd, sbuf_cb, &b);
    qcc_location_format(mlirDiagnosticGetLocation(nd), loc, sizeof loc);
    fprintf(stderr, "%s: note: %s\n", loc, msg);
  }
  return mlirLogicalResultSuccess();
}

void qcc_diag_set_capture(bool on) { g_diag.capture = on; }
int qcc_diag_count(const qcc_diagnostic **out) {
  if (out) *out = g_diag.v;
  return g_diag.n;
}
int qcc_diag_error_count(void) { return g_diag.errors; }
void qcc_diag_clear(void) {
  for (int i = 0; i < g_diag.n; ++i) {
    free(g_diag.v[i].file);
    free(g_diag.v[i].message);
  }
  g_diag.n = 0;
  g_diag.errors = 0;
}

/* ---- context ---- */
qcc_status_t qcc_context_create(const qcc_context_options *opts, MlirContext *out_ctx) {
  MlirDialectRegistry reg = mlirDialectRegistryCreate();
  bool all = opts && opts->all_upstream;
  if (all) {
    mlirRegisterAllDialects(reg);
  } else {
    mlirDialectHandleInsertDialect(mlirGetDialectHandle__irdl__(), reg);
    mlirDialectHandleInsertDialect(mlirGetDialectHandle__func__(), reg);
    mlirDialectHandleInsertDialect(mlirGetDialectHandle__quant__(), reg);
  }
  MlirContext ctx = mlirContextCreateWithRegistry(reg, /*threadingEnabled=*/false);
  mlirDialectRegistryDestroy(reg);
  mlirContextAttachDiagnosticHandler(ctx, diag_handler, NULL, NULL);
  /* Load what we use eagerly so types parse and ops create without surprises. */
  mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("irdl"));
  mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("func"));
  mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("quant"));
  MlirModule irdl = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(qcc_dialect_irdl));
  if (mlirModuleIsNull(irdl)) {
    mlirContextDestroy(ctx);
    return qcc_status_make(QCC_ERR_INTERNAL, "the qcc dialect's IRDL does not parse (a bug in qcc)");
  }
  MlirLogicalResult r = mlirLoadIRDLDialects(irdl);
  mlirModuleDestroy(irdl);
  if (mlirLogicalResultIsFailure(r)) {
    mlirContextDestroy(ctx);
    return qcc_status_make(QCC_ERR_INTERNAL, "loading the qcc dialect failed (a bug in qcc)");
  }
  *out_ctx = ctx;
  return NULL;
}

void qcc_context_destroy(MlirContext ctx) {
  if (!mlirContextIsNull(ctx)) mlirContextDestroy(ctx);
}

/* ---- files ---- */
qcc_status_t qcc_read_file(const char *path, char **out, size_t *out_len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return qcc_status_make(QCC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return qcc_status_make(QCC_ERR_IO, "%s: not a regular file", path);
  }
  size_t n = (size_t)st.st_size;
  char *buf = malloc(n + 1);
  if (!buf) {
    close(fd);
    return qcc_status_make(QCC_ERR_IO, "%s: out of memory reading %zu bytes", path, n);
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      free(buf);
      close(fd);
      return qcc_status_make(QCC_ERR_IO, "%s: read failed: %s", path, r < 0 ? strerror(errno) : "unexpected end of file");
    }
    got += (size_t)r;
  }
  close(fd);
  buf[n] = 0;
  *out = buf;
  if (out_len) *out_len = n;
  return NULL;
}

qcc_status_t qcc_module_parse_buffer(MlirContext ctx, const char *data, size_t len,
                                     const char *source_name, MlirModule *out) {
  int before = qcc_diag_error_count();
  bool bytecode = len >= 4 && memcmp(data, "ML\xefR", 4) == 0;
  char *wrapped = NULL;
  if (!bytecode) {
    /* Text may hold several top-level ops (as mlir-opt allows): parse it inside
     * an explicit module on the first line, so line numbers are unchanged. A
     * file-level resource section (`{-# dialect_resources ... #-}`, last in the
     * file) stays outside: the module closes right before it. */
    size_t body = len;
    for (size_t i = len; i >= 3; i--)
      if (!memcmp(data + i - 3, "{-#", 3) && (i == 3 || data[i - 4] == '\n')) { body = i - 3; break; }
    wrapped = malloc(len + 16);
    if (!wrapped) return qcc_status_make(QCC_ERR_IO, "%s: out of memory", source_name);
    memcpy(wrapped, "module {", 8);
    memcpy(wrapped + 8, data, body);
    size_t o = 8 + body;
    if (body < len) {
      wrapped[o++] = '}';
      memcpy(wrapped + o, data + body, len - body);
      o += len - body;
    } else {
      memcpy(wrapped + o, "\n}", 2);
      o += 2;
    }
    wrapped[o] = 0;
    data = wrapped;
    len = o;
  }
  MlirOperation op = mlirOperationCreateParse(ctx, (MlirStringRef){data, len},
                                              mlirStringRefCreateFromCString(source_name));
  free(wrapped);
  if (!mlirOperationIsNull(op) && !bytecode) {
    /* An explicit top-level module in the text: unwrap it. */
    MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
    MlirOperation first = mlirBlockGetFirstOperation(body);
    if (!mlirOperationIsNull(first) && mlirOperationIsNull(mlirOperationGetNextInBlock(first)) &&
        qcc_str_eq(mlirIdentifierStr(mlirOperationGetName(first)), "builtin.module")) {
      mlirOperationRemoveFromParent(first);
      mlirOperationDestroy(op);
      op = first;
    }
  }
  if (mlirOperationIsNull(op))
    return qcc_status_make(QCC_ERR_INVALID, "%s: cannot parse as MLIR%s", source_name,
                           qcc_diag_error_count() > before ? " (see the errors above)" : "");
  MlirModule m = mlirModuleFromOperation(op);
  if (mlirModuleIsNull(m)) {
    /* A single top-level op (e.g. one func.func): wrap it, as mlir-opt does. */
    m = mlirModuleCreateEmpty(mlirOperationGetLocation(op));
    mlirBlockAppendOwnedOperation(mlirModuleGetBody(m), op);
  }
  *out = m;
  return NULL;
}

qcc_status_t qcc_module_parse_file(MlirContext ctx, const char *path, MlirModule *out) {
  char *buf;
  size_t n;
  QCC_RETURN_IF_ERROR(qcc_read_file(path, &buf, &n));
  qcc_status_t s = qcc_module_parse_buffer(ctx, buf, n, path, out);
  free(buf);
  return s;
}

typedef struct {
  FILE *f;
  bool err;
} wstate;
static void write_cb(MlirStringRef s, void *ud) {
  wstate *w = ud;
  if (s.length && fwrite(s.data, 1, s.length, w->f) != s.length) w->err = true;
}

/* Temporary file next to `path`; returns fd and fills tmp. */
static int open_temp_beside(const char *path, char *tmp, size_t n) {
  snprintf(tmp, n, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd >= 0) fchmod(fd, 0644);
  return fd;
}

static qcc_status_t finish_temp(FILE *f, bool err, const char *tmp, const char *path) {
  if (fflush(f) != 0) err = true;
  if (!err && fsync(fileno(f)) != 0 && errno != EINVAL) err = true;
  int e = errno;
  if (fclose(f) != 0) err = true;
  if (err) {
    unlink(tmp);
    return qcc_status_make(QCC_ERR_IO, "%s: write failed: %s", path, strerror(e ? e : EIO));
  }
  if (rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    return qcc_status_make(QCC_ERR_IO, "%s: cannot rename the finished file into place: %s", path, strerror(e));
  }
  return NULL;
}

qcc_status_t qcc_write_file_atomic(const char *path, const void *data, size_t len) {
  char tmp[4096];
  int fd = open_temp_beside(path, tmp, sizeof tmp);
  if (fd < 0) return qcc_status_make(QCC_ERR_IO, "%s: cannot create a file there: %s", path, strerror(errno));
  FILE *f = fdopen(fd, "wb");
  bool err = len && fwrite(data, 1, len, f) != len;
  return finish_temp(f, err, tmp, path);
}

static bool ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

qcc_status_t qcc_module_write_file(MlirModule m, const char *path, const qcc_print_options *opts) {
  MlirOperation op = mlirModuleGetOperation(m);
  bool to_stdout = strcmp(path, "-") == 0;
  char tmp[4096];
  FILE *f;
  if (to_stdout) {
    f = stdout;
  } else {
    int fd = open_temp_beside(path, tmp, sizeof tmp);
    if (fd < 0) return qcc_status_make(QCC_ERR_IO, "%s: cannot create a file there: %s", path, strerror(errno));
    f = fdopen(fd, "wb");
  }
  wstate w = {f, false};
  if (!to_stdout && ends_with(path, ".mlirbc")) {
    mlirOperationWriteBytecode(op, write_cb, &w);
  } else {
    MlirOpPrintingFlags fl = mlirOpPrintingFlagsCreate();
    if (opts && opts->elide_large) mlirOpPrintingFlagsElideLargeElementsAttrs(fl, 16);
    if (opts && opts->debug_info) mlirOpPrintingFlagsEnableDebugInfo(fl, true, false);
    mlirOperationPrintWithFlags(op, fl, write_cb, &w);
    mlirOpPrintingFlagsDestroy(fl);
    write_cb((MlirStringRef){"\n", 1}, &w);
  }
  if (to_stdout) return fflush(stdout) == 0 && !w.err ? NULL : qcc_status_make(QCC_ERR_IO, "writing to standard output failed");
  return finish_temp(f, w.err, tmp, path);
}

qcc_status_t qcc_module_verify(MlirModule m) {
  int before = qcc_diag_error_count();
  if (!qcc_verify(mlirModuleGetOperation(m)))
    return qcc_status_make(QCC_ERR_VERIFY, "the IR failed verification%s",
                           qcc_diag_error_count() > before ? " (see the errors above)" : "");
  return NULL;
}

MlirOperation qcc_module_main(MlirModule m) {
  MlirBlock body = mlirModuleGetBody(m);
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
    if (n.length == 9 && memcmp(n.data, "func.func", 9) == 0) {
      MlirAttribute sym = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("sym_name"));
      if (!mlirAttributeIsNull(sym) && qcc_str_eq(mlirStringAttrGetValue(sym), "main")) return op;
    }
  }
  return (MlirOperation){NULL};
}

static MlirStringRef name_from_attrs(MlirOperation func, const char *key, intptr_t i) {
  MlirStringRef none = {"", 0};
  MlirAttribute arr = mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString(key));
  if (mlirAttributeIsNull(arr) || !mlirAttributeIsAArray(arr) || i >= mlirArrayAttrGetNumElements(arr)) return none;
  MlirAttribute d = mlirArrayAttrGetElement(arr, i);
  if (!mlirAttributeIsADictionary(d)) return none;
  MlirAttribute n = mlirDictionaryAttrGetElementByName(d, mlirStringRefCreateFromCString("qcc.name"));
  if (mlirAttributeIsNull(n) || !mlirAttributeIsAString(n)) return none;
  return mlirStringAttrGetValue(n);
}
MlirStringRef qcc_main_arg_name(MlirOperation func, intptr_t i) { return name_from_attrs(func, "arg_attrs", i); }
MlirStringRef qcc_main_result_name(MlirOperation func, intptr_t i) { return name_from_attrs(func, "res_attrs", i); }
