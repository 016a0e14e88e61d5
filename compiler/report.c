/* The mixed-precision report: report.json and a self-contained report.html
 * from a precision file (compiler/report.h, docs/precision.md "The report").
 * The plots are SVG written here, so the page needs no script to show them;
 * the only script sorts the layer table. */
#define _GNU_SOURCE
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcc.h"

/* ---- the precision file, read ---- */

typedef struct {
  const char *prec;
  double sqnr, top1, acc, bytes; /* NAN when absent */
} cand_t;

typedef struct {
  const char *name, *op, *prec;
  double bytes, float_bytes; /* NAN when absent */
  double time_ms, float_time_ms; /* estimated (cost table); NAN when absent */
  cJSON *sens;               /* the file's table, or NULL */
  cand_t *c;
  int nc;
  const cand_t *chosen; /* the entry of prec in c, or NULL */
} layer_t;

typedef struct {
  const char *path, *model;
  double float_wb, wb, sqnr, top1, acc, facc; /* NAN when absent */
  double time_ms, float_time_ms;               /* estimated; NAN when absent */
  const cJSON *cost_table;                     /* the file's "cost_table", or NULL */
  bool acc_full;                              /* acc/facc come from extra */
  int64_t acc_samples;
  layer_t *L;
  int n;
  const char **precs; /* every precision named, first appearance first */
  int np;
} rep_t;

static void rep_free(rep_t *r) {
  for (int i = 0; i < r->n; ++i) free(r->L[i].c);
  free(r->L);
  free(r->precs);
}

/* A number field: NAN when absent or null; an error when of another type. */
static qcc_status_t get_num(const rep_t *r, const cJSON *obj, const char *key, const char *where, double *out) {
  *out = NAN;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || cJSON_IsNull(v)) return NULL;
  if (!cJSON_IsNumber(v)) return qcc_status_make(QCC_ERR_INVALID, "%s: %s\"%s\" is not a number", r->path, where, key);
  *out = v->valuedouble;
  return NULL;
}

static qcc_status_t get_str(const rep_t *r, const cJSON *obj, const char *key, const char *where, bool required,
                            const char **out) {
  *out = NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) {
    if (!required) return NULL;
    return qcc_status_make(QCC_ERR_INVALID, "%s: %s\"%s\" is missing", r->path, where, key);
  }
  if (!cJSON_IsString(v)) return qcc_status_make(QCC_ERR_INVALID, "%s: %s\"%s\" is not a string", r->path, where, key);
  *out = v->valuestring;
  return NULL;
}

static void add_prec(rep_t *r, const char *p) {
  for (int i = 0; i < r->np; ++i)
    if (!strcmp(r->precs[i], p)) return;
  r->precs[r->np++] = p;
}

static void line_col(const char *buf, const char *at, int *line, int *col) {
  *line = 1, *col = 1;
  for (const char *p = buf; p < at; ++p) {
    if (*p == '\n') ++*line, *col = 1;
    else ++*col;
  }
}

static qcc_status_t parse(rep_t *r, cJSON *root) {
  if (!cJSON_IsObject(root)) return qcc_status_make(QCC_ERR_INVALID, "%s: not a precision file (the top level is not a JSON object)", r->path);
  QCC_RETURN_IF_ERROR(get_num(r, root, "float_weight_bytes", "", &r->float_wb));
  QCC_RETURN_IF_ERROR(get_num(r, root, "weight_bytes", "", &r->wb));
  QCC_RETURN_IF_ERROR(get_num(r, root, "sqnr_db", "", &r->sqnr));
  QCC_RETURN_IF_ERROR(get_num(r, root, "top1_agree", "", &r->top1));
  QCC_RETURN_IF_ERROR(get_num(r, root, "accuracy", "", &r->acc));
  QCC_RETURN_IF_ERROR(get_num(r, root, "float_accuracy", "", &r->facc));
  QCC_RETURN_IF_ERROR(get_num(r, root, "time_ms", "", &r->time_ms));
  QCC_RETURN_IF_ERROR(get_num(r, root, "float_time_ms", "", &r->float_time_ms));
  r->cost_table = cJSON_GetObjectItemCaseSensitive(root, "cost_table");
  if (r->cost_table && !cJSON_IsObject(r->cost_table))
    return qcc_status_make(QCC_ERR_INVALID, "%s: \"cost_table\" is not an object", r->path);
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
  if (!layers) return qcc_status_make(QCC_ERR_INVALID, "%s: not a precision file (no \"layers\" list)", r->path);
  if (!cJSON_IsArray(layers)) return qcc_status_make(QCC_ERR_INVALID, "%s: \"layers\" is not a list", r->path);
  int n = cJSON_GetArraySize(layers), maxp = 0;
  r->L = calloc((size_t)n + 1, sizeof *r->L);
  const cJSON *l;
  cJSON_ArrayForEach(l, layers) {
    layer_t *L = &r->L[r->n];
    char where[64];
    snprintf(where, sizeof where, "layer %d: ", r->n + 1);
    L->bytes = L->float_bytes = NAN;
    r->n++;
    if (!cJSON_IsObject(l)) return qcc_status_make(QCC_ERR_INVALID, "%s: %snot a JSON object", r->path, where);
    QCC_RETURN_IF_ERROR(get_str(r, l, "name", where, true, &L->name));
    QCC_RETURN_IF_ERROR(get_str(r, l, "precision", where, true, &L->prec));
    QCC_RETURN_IF_ERROR(get_str(r, l, "op", where, false, &L->op));
    if (!L->op) L->op = "";
    QCC_RETURN_IF_ERROR(get_num(r, l, "bytes", where, &L->bytes));
    QCC_RETURN_IF_ERROR(get_num(r, l, "float_bytes", where, &L->float_bytes));
    QCC_RETURN_IF_ERROR(get_num(r, l, "time_ms", where, &L->time_ms));
    QCC_RETURN_IF_ERROR(get_num(r, l, "float_time_ms", where, &L->float_time_ms));
    cJSON *s = cJSON_GetObjectItemCaseSensitive(l, "sensitivity");
    if (s && !cJSON_IsNull(s)) {
      if (!cJSON_IsObject(s)) return qcc_status_make(QCC_ERR_INVALID, "%s: %s\"sensitivity\" is not a JSON object", r->path, where);
      L->sens = s;
      L->c = calloc((size_t)cJSON_GetArraySize(s) + 1, sizeof *L->c);
      const cJSON *e;
      cJSON_ArrayForEach(e, s) {
        char w2[320];
        snprintf(w2, sizeof w2, "%ssensitivity \"%.200s\": ", where, e->string);
        if (!cJSON_IsObject(e)) return qcc_status_make(QCC_ERR_INVALID, "%s: %snot a JSON object", r->path, w2);
        cand_t *c = &L->c[L->nc++];
        c->prec = e->string;
        QCC_RETURN_IF_ERROR(get_num(r, e, "sqnr_db", w2, &c->sqnr));
        QCC_RETURN_IF_ERROR(get_num(r, e, "top1_agree", w2, &c->top1));
        QCC_RETURN_IF_ERROR(get_num(r, e, "accuracy", w2, &c->acc));
        QCC_RETURN_IF_ERROR(get_num(r, e, "bytes", w2, &c->bytes));
      }
    }
    for (int k = 0; k < L->nc; ++k)
      if (!strcmp(L->c[k].prec, L->prec)) L->chosen = &L->c[k];
    maxp += L->nc + 1;
  }
  r->precs = calloc((size_t)maxp + 1, sizeof *r->precs);
  /* Candidates in the file's order (most precise first), then chosen ones not measured (fp32). */
  for (int i = 0; i < r->n; ++i)
    for (int k = 0; k < r->L[i].nc; ++k) add_prec(r, r->L[i].c[k].prec);
  for (int i = 0; i < r->n; ++i) add_prec(r, r->L[i].prec);
  return NULL;
}

/* ---- output buffer ---- */

typedef struct {
  char *p;
  size_t n, cap;
} sb_t;

static void sb_put(sb_t *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 4096;
    while (c < b->n + n + 1) c *= 2;
    char *q = realloc(b->p, c);
    QCC_ASSERT(q);
    b->p = q, b->cap = c;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void sb_printf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb_t *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  if ((size_t)k < sizeof tmp) {
    sb_put(b, tmp, (size_t)k);
    return;
  }
  char *big = malloc((size_t)k + 1);
  QCC_ASSERT(big);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)k + 1, fmt, ap);
  va_end(ap);
  sb_put(b, big, (size_t)k);
  free(big);
}

/* s escaped for HTML text and attribute values. max_chars > 0 cuts after that
 * many characters (at a UTF-8 boundary) and appends an ellipsis. Control
 * characters become U+FFFD. */
static void sb_esc_n(sb_t *b, const char *s, int max_chars) {
  int chars = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
    if ((*p & 0xC0) != 0x80) {
      if (max_chars > 0 && chars == max_chars) {
        sb_put(b, "\xE2\x80\xA6", 3);
        return;
      }
      chars++;
    }
    switch (*p) {
      case '&': sb_put(b, "&amp;", 5); break;
      case '<': sb_put(b, "&lt;", 4); break;
      case '>': sb_put(b, "&gt;", 4); break;
      case '"': sb_put(b, "&quot;", 6); break;
      case '\'': sb_put(b, "&#39;", 5); break;
      default:
        if (*p < 0x20 || *p == 0x7F) sb_put(b, "\xEF\xBF\xBD", 3);
        else sb_put(b, (const char *)p, 1);
    }
  }
}
static void sb_esc(sb_t *b, const char *s) { sb_esc_n(b, s, 0); }

/* The last max_chars characters of s, escaped, after an ellipsis when cut: the
 * end of an ONNX node name ("/layer3/conv2/Conv") is its most specific part. */
static void sb_esc_tail(sb_t *b, const char *s, int max_chars) {
  int chars = 0;
  for (const char *p = s; *p; ++p) chars += (*p & 0xC0) != 0x80;
  if (chars <= max_chars) {
    sb_esc(b, s);
    return;
  }
  int skip = chars - max_chars + 1;
  const char *p = s;
  for (; *p; ++p)
    if ((*p & 0xC0) != 0x80 && skip-- == 0) break;
  sb_put(b, "\xE2\x80\xA6", 3);
  sb_esc(b, p);
}

/* ---- formatting ---- */

static void fmt_bytes(char *out, size_t n, double v) {
  if (isnan(v)) snprintf(out, n, "\xE2\x80\x94");
  else if (v < 1024) snprintf(out, n, "%.0f B", v);
  else if (v < 1024.0 * 1024) snprintf(out, n, "%.1f KiB", v / 1024);
  else snprintf(out, n, "%.2f MiB", v / (1024.0 * 1024));
}

static void fmt_num(char *out, size_t n, const char *f, double v) {
  if (isnan(v)) snprintf(out, n, "\xE2\x80\x94");
  else if (isinf(v)) snprintf(out, n, "%s\xE2\x88\x9E", v < 0 ? "-" : "");
  else snprintf(out, n, f, v);
}

/* Colours: fixed for the precisions qcc knows, so reports compare at a glance. */
static const char *prec_colour(const rep_t *r, const char *p) {
  static const struct {
    const char *p, *c;
  } known[] = {{"fp32", "#6b7280"},        {"fp16", "#2563eb"},        {"bf16", "#0891b2"},
               {"int8-wo", "#16a34a"},     {"int8", "#ea580c"},        {"int8-dyn", "#ca8a04"},
               {"int4-wo-g32", "#9333ea"}, {"int4-wo-g64", "#c026d3"}, {"int4-wo-g128", "#db2777"}};
  static const char *other[] = {"#0d9488", "#b45309", "#4f46e5", "#be123c", "#65a30d", "#0369a1", "#a16207"};
  for (size_t i = 0; i < sizeof known / sizeof *known; ++i)
    if (!strcmp(known[i].p, p)) return known[i].c;
  int k = 0;
  for (int i = 0; i < r->np; ++i) {
    if (!strcmp(r->precs[i], p)) break;
    bool is_known = false;
    for (size_t j = 0; j < sizeof known / sizeof *known; ++j) is_known |= !strcmp(known[j].p, r->precs[i]);
    if (!is_known) k++;
  }
  return other[k % (int)(sizeof other / sizeof *other)];
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* ---- report.json ---- */

static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static char *report_json(const rep_t *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "model", r->model);
  cJSON_AddStringToObject(o, "precision_file", r->path);
  cJSON_AddItemToObject(o, "float_weight_bytes", num_or_null(r->float_wb));
  cJSON_AddItemToObject(o, "weight_bytes", num_or_null(r->wb));
  if (r->float_wb > 0 && r->wb > 0) cJSON_AddNumberToObject(o, "weight_ratio", r->float_wb / r->wb);
  if (!isnan(r->facc)) cJSON_AddNumberToObject(o, "float_accuracy", r->facc);
  if (!isnan(r->acc)) cJSON_AddNumberToObject(o, "accuracy", r->acc);
  if (!isnan(r->acc) || !isnan(r->facc)) {
    char src[128];
    if (r->acc_full && r->acc_samples > 0) snprintf(src, sizeof src, "full data set (%lld samples)", (long long)r->acc_samples);
    else if (r->acc_full) snprintf(src, sizeof src, "full data set");
    else snprintf(src, sizeof src, "precision file (verification samples)");
    cJSON_AddStringToObject(o, "accuracy_source", src);
  }
  cJSON_AddItemToObject(o, "sqnr_db", num_or_null(r->sqnr));
  if (!isnan(r->top1)) cJSON_AddNumberToObject(o, "top1_agree", r->top1);
  cJSON_AddItemToObject(o, "time_ms", num_or_null(r->time_ms));
  cJSON_AddItemToObject(o, "float_time_ms", num_or_null(r->float_time_ms));
  if (r->cost_table) cJSON_AddItemToObject(o, "cost_table", cJSON_Duplicate(r->cost_table, true));
  else cJSON_AddStringToObject(o, "time_note", "the precision file has no estimated times (no cost table)");
  cJSON *arr = cJSON_AddArrayToObject(o, "layers");
  for (int i = 0; i < r->n; ++i) {
    const layer_t *L = &r->L[i];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", L->name);
    cJSON_AddStringToObject(x, "op", L->op);
    cJSON_AddStringToObject(x, "precision", L->prec);
    cJSON_AddItemToObject(x, "bytes", num_or_null(L->bytes));
    cJSON_AddItemToObject(x, "float_bytes", num_or_null(L->float_bytes));
    cJSON_AddItemToObject(x, "sqnr_db", num_or_null(L->chosen ? L->chosen->sqnr : NAN));
    if (L->chosen && !isnan(L->chosen->top1)) cJSON_AddNumberToObject(x, "top1_agree", L->chosen->top1);
    if (L->chosen && !isnan(L->chosen->acc)) cJSON_AddNumberToObject(x, "accuracy", L->chosen->acc);
    cJSON_AddItemToObject(x, "time_ms", num_or_null(L->time_ms));
    cJSON_AddItemToObject(x, "float_time_ms", num_or_null(L->float_time_ms));
    cJSON_AddItemToObject(x, "sensitivity", L->sens ? cJSON_Duplicate(L->sens, true) : cJSON_CreateObject());
    cJSON_AddItemToArray(arr, x);
  }
  char *s = cJSON_Print(o);
  cJSON_Delete(o);
  return s;
}

/* ---- report.html ---- */

static const char *CSS =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:24px auto;"
    "max-width:1100px;padding:0 16px;color:#111827;background:#fff}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #e5e7eb;"
    "padding-bottom:4px}\n"
    ".sub{color:#6b7280;margin:0 0 12px}.note{color:#6b7280;font-size:12.5px;margin:4px 0}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid #e5e7eb;border-radius:8px;"
    "padding:10px 14px;min-width:180px;background:#f9fafb}.card .k{color:#6b7280;font-size:12px}"
    ".card .v{font-size:20px;font-weight:600}.card .d{font-size:12.5px;color:#374151}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:14px;margin:6px 0 2px;font-size:13px}"
    ".legend span.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;"
    "vertical-align:-1px}\n"
    "svg{display:block;max-width:100%;height:auto}svg text{font:12px system-ui,'DejaVu Sans',sans-serif;"
    "fill:#111827}svg .ax{fill:#6b7280;font-size:11px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid "
    "#e5e7eb;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{cursor:pointer;"
    "background:#f3f4f6;user-select:none}th:hover{background:#e5e7eb}td.nm{overflow-wrap:anywhere}\n"
    ".pill{display:inline-block;white-space:nowrap;padding:0 7px;border-radius:9px;color:#fff;font-size:12px;font-weight:600}\n"
    "#errors{color:#b91c1c}\n";

/* Sorting the table by a header click; errors end up in #errors (the browser test reads it). */
static const char *SCRIPT =
    "(function(){\n"
    "  var t=document.getElementById('layers');\n"
    "  var hs=t.tHead.rows[0].cells;\n"
    "  for(var i=0;i<hs.length;i++)(function(col){\n"
    "    hs[col].addEventListener('click',function(){\n"
    "      var asc=hs[col].getAttribute('data-dir')!=='asc';\n"
    "      for(var j=0;j<hs.length;j++)hs[j].removeAttribute('data-dir');\n"
    "      hs[col].setAttribute('data-dir',asc?'asc':'desc');\n"
    "      var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);\n"
    "      rows.sort(function(x,y){\n"
    "        var a=x.cells[col].getAttribute('data-v'),c=y.cells[col].getAttribute('data-v');\n"
    "        var r=(a!==null&&c!==null)?(parseFloat(a)-parseFloat(c)):x.cells[col].textContent.localeCompare("
    "y.cells[col].textContent);\n"
    "        return asc?r:-r;});\n"
    "      rows.forEach(function(r){b.appendChild(r);});\n"
    "    });\n"
    "  })(i);\n"
    "  document.documentElement.setAttribute('data-report-ready','1');\n"
    "})();\n";

static void legend(sb_t *b, const rep_t *r) {
  sb_printf(b, "<div class=\"legend\">");
  for (int i = 0; i < r->np; ++i) {
    sb_printf(b, "<span><span class=\"sw\" style=\"background:%s\"></span>", prec_colour(r, r->precs[i]));
    sb_esc(b, r->precs[i]);
    sb_printf(b, "</span>");
  }
  sb_printf(b, "</div>\n");
}

enum { W = 1060, LABEL_W = 250, RIGHT_W = 150 };

static void layer_label(sb_t *b, const layer_t *L, double y) {
  sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\"><title>", LABEL_W - 8, y);
  sb_esc(b, L->name);
  sb_printf(b, "</title>");
  sb_esc_tail(b, L->name, 30);
  sb_printf(b, "</text>");
}

/* Per-layer sensitivity: one row per layer, a dot per candidate precision at the
 * SQNR (dB) of the model output when only that layer takes it; the chosen one
 * ringed. dB is a log scale of the error already, so the axis is linear in dB. */
static void plot_sensitivity(sb_t *b, const rep_t *r) {
  double lo = 0, hi = 10;
  for (int i = 0; i < r->n; ++i)
    for (int k = 0; k < r->L[i].nc; ++k) {
      double v = r->L[i].c[k].sqnr;
      if (!isfinite(v)) continue;
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
  if (isfinite(r->sqnr)) hi = fmax(hi, r->sqnr), lo = fmin(lo, r->sqnr);
  hi = fmin(hi, 1e6), lo = fmax(lo, -1e6); /* absurd figures: dots off the plot, the axis still sane */
  double step = 10; /* 10, 20, 50, 100, ...: at most 12 grid lines whatever the range */
  for (int k = 0; (hi - lo) / step > 12; ++k) step *= k % 3 == 1 ? 2.5 : 2;
  hi = ceil(hi / step) * step, lo = floor(lo / step) * step;
  const int row = 26, top = 28, x0 = LABEL_W, x1 = W - 40;
  int h = top + row * (r->n ? r->n : 1) + 34;
  double sx = (x1 - x0) / (hi - lo);
#define X(v) (x0 + ((v) - lo) * sx)
  sb_printf(b, "<svg id=\"sensitivity-plot\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n", W, h, W, h);
  for (double g = lo; g <= hi + 1e-9; g += step) {
    sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e5e7eb\"/>", X(g), X(g), top - 6, h - 30);
    sb_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", X(g), h - 16, g);
  }
  sb_printf(b, "<text class=\"ax\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">SQNR of the model output, dB "
               "(higher = less error; +10 dB = 10\xC3\x97 less noise power)</text>\n", (x0 + x1) / 2, h - 2);
  if (isfinite(r->sqnr)) {
    sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#111827\" stroke-dasharray=\"4 3\"/>",
              X(r->sqnr), X(r->sqnr), top - 10, h - 30);
    sb_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">whole mixed model %.1f dB</text>\n",
              X(r->sqnr), top - 14, r->sqnr);
  }
  for (int i = 0; i < r->n; ++i) {
    const layer_t *L = &r->L[i];
    double y = top + row * i + row / 2.0;
    layer_label(b, L, y + 4);
    double mn = INFINITY, mx = -INFINITY;
    for (int k = 0; k < L->nc; ++k)
      if (isfinite(L->c[k].sqnr)) mn = fmin(mn, L->c[k].sqnr), mx = fmax(mx, L->c[k].sqnr);
    if (mn < mx)
      sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9ca3af\" stroke-width=\"2\"/>", X(mn), X(mx), y, y);
    for (int k = 0; k < L->nc; ++k) {
      const cand_t *c = &L->c[k];
      if (!isfinite(c->sqnr)) continue;
      bool ch = c == L->chosen;
      sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\"><title>",
                X(c->sqnr), y, ch ? 8 : 6, prec_colour(r, c->prec), ch ? "#111827" : "#fff", ch ? 3 : 1);
      sb_esc(b, L->name);
      sb_printf(b, " at ");
      sb_esc(b, c->prec);
      sb_printf(b, ": %.1f dB%s</title></circle>", c->sqnr, ch ? " (chosen)" : "");
    }
    if (!L->chosen) {
      sb_printf(b, "<text class=\"ax\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">chosen: ", W - 4, y + 4);
      sb_esc_n(b, L->prec, 16);
      sb_printf(b, " (not measured)</text>");
    }
    sb_printf(b, "\n");
  }
  if (!r->n) sb_printf(b, "<text x=\"%d\" y=\"%d\">no layers in the precision file</text>", x0, top + 16);
#undef X
  sb_printf(b, "</svg>\n");
}

/* The chosen precision per layer, in graph order: one coloured cell each. */
static void plot_choice(sb_t *b, const rep_t *r) {
  const int row = 22, top = 4;
  int h = top + row * (r->n ? r->n : 1) + 4;
  sb_printf(b, "<svg id=\"choice-plot\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n", W, h, W, h);
  for (int i = 0; i < r->n; ++i) {
    const layer_t *L = &r->L[i];
    double y = top + row * i;
    layer_label(b, L, y + 15);
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"160\" height=\"%d\" rx=\"3\" fill=\"%s\"/>", LABEL_W, y + 2, row - 4,
              prec_colour(r, L->prec));
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" style=\"fill:#fff;font-weight:600\">", LABEL_W + 8, y + 15);
    sb_esc_n(b, L->prec, 20);
    sb_printf(b, "</text><text class=\"ax\" x=\"%d\" y=\"%.1f\">", LABEL_W + 172, y + 15);
    sb_esc_n(b, L->op, 20);
    if (L->chosen && isfinite(L->chosen->sqnr)) sb_printf(b, " \xC2\xB7 %.1f dB alone", L->chosen->sqnr);
    sb_printf(b, "</text>\n");
  }
  sb_printf(b, "</svg>\n");
}

static double layer_bytes(const layer_t *L, int chosen) { return chosen ? L->bytes : L->float_bytes; }

/* One row per layer: the float figure (grey) above the chosen precision's (its
 * colour), bars to the scale of the largest; `better` names the ratio float /
 * chosen ("smaller", "faster"). */
static void pair_bars(sb_t *b, const rep_t *r, const char *id, double (*get)(const layer_t *, int),
                      void (*fmt)(char *, size_t, double), const char *better, const char *what) {
  double mx = 0;
  for (int i = 0; i < r->n; ++i)
    for (int c = 0; c < 2; ++c)
      if (isfinite(get(&r->L[i], c))) mx = fmax(mx, get(&r->L[i], c));
  if (!(mx > 0)) mx = 1;
  const int x0 = LABEL_W, x1 = W - RIGHT_W, row = 34, top = 4;
  int h = top + row * (r->n ? r->n : 1) + 22;
  sb_printf(b, "<svg id=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n", id, W, h, W, h);
  for (int i = 0; i < r->n; ++i) {
    const layer_t *L = &r->L[i];
    double y = top + row * i, vf = get(L, 0), vq = get(L, 1);
    layer_label(b, L, y + 18);
    char fb[64], qb[64];
    fmt(fb, sizeof fb, vf);
    fmt(qb, sizeof qb, vq);
    double wf = isfinite(vf) ? vf / mx * (x1 - x0) : 0;
    double wq = isfinite(vq) ? vq / mx * (x1 - x0) : 0;
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"13\" fill=\"#d1d5db\"/>", x0, y + 2, fmax(wf, 1));
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"13\" fill=\"%s\"/>", x0, y + 16, fmax(wq, 1),
              prec_colour(r, L->prec));
    sb_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\">float %s</text>", x0 + fmax(wf, 1) + 6, y + 13, fb);
    sb_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\">", x0 + fmax(wq, 1) + 6, y + 27);
    sb_esc_n(b, L->prec, 20);
    sb_printf(b, " %s", qb);
    if (vq > 0 && vf > 0) sb_printf(b, " (%.1f\xC3\x97 %s)", vf / vq, better);
    sb_printf(b, "</text>\n");
  }
  char mb[64];
  fmt(mb, sizeof mb, mx);
  sb_printf(b, "<text class=\"ax\" x=\"%d\" y=\"%d\">bars to scale: the largest is %s (%s)</text>\n</svg>\n", x0,
            h - 6, mb, what);
}

/* Bytes per layer: float (grey) and chosen (the precision's colour) side by side,
 * and the totals as two stacked bars (one segment per layer). */
static void plot_sizes(sb_t *b, const rep_t *r) {
  double tf = 0, tq = 0;
  for (int i = 0; i < r->n; ++i) {
    const layer_t *L = &r->L[i];
    if (isfinite(L->float_bytes)) tf += L->float_bytes;
    if (isfinite(L->bytes)) tq += L->bytes;
  }
  const int x0 = LABEL_W, x1 = W - RIGHT_W;
  /* totals */
  double tmax = fmax(tf, tq) > 0 ? fmax(tf, tq) : 1;
  sb_printf(b, "<svg id=\"size-total-plot\" viewBox=\"0 0 %d 76\" width=\"%d\" height=\"76\" role=\"img\">\n", W, W);
  for (int pass = 0; pass < 2; ++pass) {
    double y = 6 + pass * 34, x = x0;
    char t[64];
    fmt_bytes(t, sizeof t, pass ? tq : tf);
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s (sum of layers)</text>", x0 - 8, y + 17,
              pass ? "chosen precisions" : "float");
    for (int i = 0; i < r->n; ++i) {
      const layer_t *L = &r->L[i];
      double v = pass ? L->bytes : L->float_bytes;
      if (!isfinite(v) || v <= 0) continue;
      double w = v / tmax * (x1 - x0);
      char vb[64];
      fmt_bytes(vb, sizeof vb, v);
      sb_printf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"24\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\"><title>",
                x, y, w, pass ? prec_colour(r, L->prec) : "#9ca3af");
      sb_esc(b, L->name);
      sb_printf(b, ": %s", vb);
      if (pass) {
        sb_printf(b, " (");
        sb_esc(b, L->prec);
        sb_printf(b, ")");
      }
      sb_printf(b, "</title></rect>");
      x += w;
    }
    sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 6, y + 17, t);
  }
  sb_printf(b, "</svg>\n");
  pair_bars(b, r, "size-plot", layer_bytes, fmt_bytes, "smaller", "weights and their scales / zero points");
}

static void fmt_ms(char *out, size_t n, double v) { fmt_num(out, n, "%.4g ms", v); }
static double layer_time(const layer_t *L, int chosen) { return chosen ? L->time_ms : L->float_time_ms; }

/* Estimated time per layer (the cost table's), float vs chosen; nothing when
 * the precision file has no times. */
static void plot_times(sb_t *b, const rep_t *r) {
  pair_bars(b, r, "latency-plot", layer_time, fmt_ms, "faster", "estimated by the cost table");
}

/* Float vs quantized accuracy (and top-1 agreement with float), 0-100 %. */
static void plot_accuracy(sb_t *b, const rep_t *r) {
  struct {
    const char *label, *colour;
    double v;
  } bars[3] = {{"float model", "#6b7280", r->facc}, {"mixed-precision model", "#2563eb", r->acc},
               {"top-1 agreement with float", "#16a34a", r->top1}};
  const int x0 = LABEL_W, x1 = W - RIGHT_W;
  sb_printf(b, "<svg id=\"accuracy-plot\" viewBox=\"0 0 %d 140\" width=\"%d\" height=\"140\" role=\"img\">\n", W, W);
  for (int g = 0; g <= 100; g += 10) {
    double x = x0 + g / 100.0 * (x1 - x0);
    sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"4\" y2=\"112\" stroke=\"#e5e7eb\"/><text class=\"ax\" x=\"%.1f\" "
                 "y=\"126\" text-anchor=\"middle\">%d%%</text>", x, x, x, g);
  }
  for (int i = 0; i < 3; ++i) {
    double y = 8 + i * 36;
    sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", x0 - 8, y + 17, bars[i].label);
    if (isnan(bars[i].v)) {
      sb_printf(b, "<text class=\"ax\" x=\"%d\" y=\"%.1f\">not measured (no labelled data)</text>\n", x0 + 6, y + 17);
      continue;
    }
    double w = fmax(0, fmin(1, bars[i].v)) * (x1 - x0);
    sb_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"24\" rx=\"2\" fill=\"%s\"/>", x0, y, w, bars[i].colour);
    sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%.2f%%</text>\n", x0 + w + 6, y + 17, bars[i].v * 100);
  }
  sb_printf(b, "</svg>\n");
}

static void card(sb_t *b, const char *k, const char *v, const char *d) {
  sb_printf(b, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">%s</div><div class=\"d\">%s</div></div>\n", k, v, d);
}

static void td_num(sb_t *b, double v, const char *text) {
  if (isfinite(v)) sb_printf(b, "<td class=\"n\" data-v=\"%.17g\">%s</td>", v, text);
  else sb_printf(b, "<td class=\"n\" data-v=\"-1e308\">%s</td>", text);
}

static char *report_html(const rep_t *r) {
  sb_t b = {0};
  char t1[64], t2[64], t3[256];
  sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>qcc report: ");
  sb_esc(&b, r->model);
  sb_printf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
  sb_printf(&b, "<h1>Mixed-precision report: <span id=\"model\">");
  sb_esc(&b, r->model);
  sb_printf(&b, "</span></h1>\n<p class=\"sub\">From the precision file <code>");
  sb_esc(&b, r->path);
  sb_printf(&b, "</code>, written by qcc. %d layer%s.</p>\n<div id=\"errors\"></div>\n", r->n, r->n == 1 ? "" : "s");

  /* summary */
  sb_printf(&b, "<h2>Summary</h2>\n<div class=\"cards\" id=\"summary\">\n");
  if (!isnan(r->acc) || !isnan(r->facc)) {
    char a[64], f[64];
    fmt_num(a, sizeof a, "%.2f%%", r->acc * 100);
    fmt_num(f, sizeof f, "%.2f%%", r->facc * 100);
    snprintf(t1, sizeof t1, "%s", a);
    if (!isnan(r->acc) && !isnan(r->facc))
      snprintf(t3, sizeof t3, "float %s; drop %.2f points", f, (r->facc - r->acc) * 100);
    else snprintf(t3, sizeof t3, "float %s", f);
    card(&b, "accuracy (mixed)", t1, t3);
  } else card(&b, "accuracy", "\xE2\x80\x94", "no labelled data");
  fmt_bytes(t1, sizeof t1, r->wb);
  fmt_bytes(t2, sizeof t2, r->float_wb);
  snprintf(t3, sizeof t3, "float %s", t2);
  card(&b, "weights (mixed)", t1, t3);
  if (r->float_wb > 0 && r->wb > 0) {
    snprintf(t1, sizeof t1, "%.2f\xC3\x97", r->float_wb / r->wb);
    card(&b, "smaller than float", t1, "float weight bytes / mixed weight bytes");
  }
  fmt_num(t1, sizeof t1, "%.1f dB", r->sqnr);
  if (!isnan(r->top1)) snprintf(t3, sizeof t3, "top-1 agreement with float %.1f%%", r->top1 * 100);
  else snprintf(t3, sizeof t3, "of the model output vs float");
  card(&b, "output SQNR", t1, t3);
  sb_printf(&b, "</div>\n<p class=\"note\">");
  if (r->acc_full) {
    if (r->acc_samples > 0) sb_printf(&b, "Accuracies measured on the full labelled data set (%lld samples). ", (long long)r->acc_samples);
    else sb_printf(&b, "Accuracies measured on the full labelled data set. ");
  } else if (!isnan(r->acc)) sb_printf(&b, "Accuracies from the precision file: the verification on the --eval-samples samples. ");
  sb_printf(&b, "SQNR and top-1 agreement compare the mixed-precision model's output with the float model's on the "
                "verification samples. Weight bytes include scales and zero points. ");
  if (!isnan(r->time_ms))
    sb_printf(&b, "Estimated time of the layers: %.4g ms (float %.4g ms), from the cost table named in "
                  "report.json.</p>\n", r->time_ms, r->float_time_ms);
  else
    sb_printf(&b, "No estimated times: the precision file has none (no cost table).</p>\n");

  sb_printf(&b, "<h2>Per-layer sensitivity</h2>\n<p class=\"note\">Each row: the output SQNR when only this layer "
                "takes a precision and every other layer stays float. The ringed dot is the chosen precision; the "
                "dashed line is the whole mixed-precision model.</p>\n");
  legend(&b, r);
  plot_sensitivity(&b, r);

  sb_printf(&b, "<h2>Chosen precision per layer</h2>\n");
  legend(&b, r);
  plot_choice(&b, r);

  sb_printf(&b, "<h2>Size breakdown</h2>\n<p class=\"note\">Weight bytes per layer, float (grey) and at the chosen "
                "precision (its colour).</p>\n");
  plot_sizes(&b, r);

  if (!isnan(r->time_ms)) {
    sb_printf(&b, "<h2>Latency breakdown</h2>\n<p class=\"note\">Estimated time per layer from the cost table, "
                  "float (grey) and at the chosen precision (its colour): %.4g ms in all (float %.4g ms).</p>\n",
              r->time_ms, r->float_time_ms);
    plot_times(&b, r);
  }

  sb_printf(&b, "<h2>Accuracy: float vs quantized</h2>\n");
  plot_accuracy(&b, r);

  /* table */
  sb_printf(&b, "<h2>Layers</h2>\n<p class=\"note\">Click a column header to sort. SQNR, top-1 agreement and accuracy "
                "are those of the chosen precision with every other layer float.</p>\n");
  sb_printf(&b, "<table id=\"layers\">\n<thead><tr><th class=\"n\">#</th><th>layer</th><th>op</th><th>precision</th>"
                "<th class=\"n\">bytes</th><th class=\"n\">float bytes</th><th class=\"n\">smaller</th>"
                "<th class=\"n\">SQNR dB</th><th class=\"n\">top-1 agree</th><th class=\"n\">accuracy alone</th>"
                "<th class=\"n\">est. time</th><th>other candidates (SQNR dB)</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < r->n; ++i) {
    const layer_t *L = &r->L[i];
    sb_printf(&b, "<tr><td class=\"n\" data-v=\"%d\">%d</td><td class=\"nm\">", i, i + 1);
    sb_esc(&b, L->name);
    sb_printf(&b, "</td><td>");
    sb_esc(&b, L->op);
    sb_printf(&b, "</td><td><span class=\"pill\" style=\"background:%s\">", prec_colour(r, L->prec));
    sb_esc(&b, L->prec);
    sb_printf(&b, "</span></td>");
    fmt_num(t1, sizeof t1, "%.0f", L->bytes);
    td_num(&b, L->bytes, t1);
    fmt_num(t1, sizeof t1, "%.0f", L->float_bytes);
    td_num(&b, L->float_bytes, t1);
    double ratio = L->bytes > 0 && L->float_bytes > 0 ? L->float_bytes / L->bytes : NAN;
    fmt_num(t1, sizeof t1, "%.2f\xC3\x97", ratio);
    td_num(&b, ratio, t1);
    double s = L->chosen ? L->chosen->sqnr : NAN, a1 = L->chosen ? L->chosen->top1 : NAN, ac = L->chosen ? L->chosen->acc : NAN;
    fmt_num(t1, sizeof t1, "%.1f", s);
    td_num(&b, s, t1);
    fmt_num(t1, sizeof t1, "%.1f%%", a1 * 100);
    td_num(&b, a1, t1);
    fmt_num(t1, sizeof t1, "%.2f%%", ac * 100);
    td_num(&b, ac, t1);
    fmt_num(t1, sizeof t1, "%.4g ms", L->time_ms);
    td_num(&b, L->time_ms, t1);
    sb_printf(&b, "<td>");
    bool first = true;
    for (int k = 0; k < L->nc; ++k) {
      if (&L->c[k] == L->chosen) continue;
      sb_printf(&b, "%s", first ? "" : ", ");
      sb_esc(&b, L->c[k].prec);
      fmt_num(t1, sizeof t1, "%.1f", L->c[k].sqnr);
      sb_printf(&b, " %s", t1);
      first = false;
    }
    sb_printf(&b, "</td></tr>\n");
  }
  sb_printf(&b, "</tbody>\n</table>\n<p class=\"note\">Generated by qcc %s; self-contained (no network).</p>\n",
            QCC_VERSION_STRING);
  /* Errors from the script below land in #errors (it runs first, so it sees them). */
  sb_printf(&b, "<script>window.addEventListener('error',function(e){var d=document.getElementById('errors');"
                "d.textContent+='script error: '+e.message+'\\n';});</script>\n");
  sb_printf(&b, "<script>\n%s</script>\n</body>\n</html>\n", SCRIPT);
  return b.p;
}

/* ---- writing ---- */

static qcc_status_t open_temp(const char *dir, const char *name, char *tmp, size_t n, FILE **f) {
  snprintf(tmp, n, "%s/.%s.tmp.XXXXXX", dir, name);
  int fd = mkstemp(tmp);
  if (fd < 0) return qcc_status_make(QCC_ERR_IO, "%s: cannot write the report there: %s", dir, strerror(errno));
  fchmod(fd, 0644);
  *f = fdopen(fd, "wb");
  if (!*f) {
    int e = errno;
    close(fd);
    unlink(tmp);
    return qcc_status_make(QCC_ERR_IO, "%s: cannot write the report there: %s", dir, strerror(e));
  }
  return NULL;
}

static qcc_status_t write_temp(const char *dir, const char *name, const char *data, char *tmp, size_t n) {
  FILE *f = NULL;
  QCC_RETURN_IF_ERROR(open_temp(dir, name, tmp, n, &f));
  size_t len = strlen(data);
  bool err = fwrite(data, 1, len, f) != len;
  if (fflush(f) != 0) err = true;
  if (!err && fsync(fileno(f)) != 0 && errno != EINVAL) err = true;
  int e = errno;
  if (fclose(f) != 0) err = true, e = errno;
  if (err) {
    unlink(tmp);
    tmp[0] = 0;
    return qcc_status_make(QCC_ERR_IO, "%s/%s: write failed: %s", dir, name, strerror(e ? e : EIO));
  }
  return NULL;
}

qcc_status_t qcc_report_write(const char *dir, const char *precision_json_path, const qcc_report_extra *extra) {
  char *buf;
  size_t len;
  QCC_RETURN_IF_ERROR(qcc_read_file(precision_json_path, &buf, &len));
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
  if (!root || (end && end < buf + len && strspn(end, " \t\r\n") != (size_t)(buf + len - end))) {
    const char *at = end && end >= buf && end <= buf + len ? end : buf;
    int line, col;
    line_col(buf, at, &line, &col);
    char near[24];
    size_t k = 0;
    for (const char *p = at; p < buf + len && k < 16 && *p != '\n'; ++p) near[k++] = (*p < 0x20 || *p == 0x7F) ? '?' : *p;
    near[k] = 0;
    qcc_status_t st =
        k ? qcc_status_make(QCC_ERR_INVALID, "%s:%d:%d: %s near '%s'", precision_json_path, line, col,
                            root ? "unexpected text after the JSON value" : "malformed JSON", near)
          : qcc_status_make(QCC_ERR_INVALID, "%s:%d:%d: malformed JSON (%s)", precision_json_path, line, col,
                            len ? "it ends early" : "the file is empty");
    cJSON_Delete(root);
    free(buf);
    return st;
  }
  rep_t r = {0};
  r.path = precision_json_path;
  qcc_status_t st = parse(&r, root);
  char *json = NULL, *html = NULL;
  char tj[4096] = "", th[4096] = "";
  if (!st) {
    if (extra && extra->has_accuracy) r.acc = extra->accuracy, r.acc_full = true;
    if (extra && extra->has_float_accuracy) r.facc = extra->float_accuracy, r.acc_full = true;
    if (extra) r.acc_samples = extra->accuracy_samples;
    r.model = extra && extra->model ? extra->model : base_name(precision_json_path);
    json = report_json(&r);
    html = report_html(&r);
    if (!json || !html) st = qcc_status_make(QCC_ERR_INTERNAL, "out of memory writing the report");
  }
  bool made_dir = false; /* a folder this call made goes again on failure: no partial artifact */
  if (!st) {
    if (mkdir(dir, 0777) == 0) made_dir = true;
    else if (errno != EEXIST)
      st = qcc_status_make(QCC_ERR_IO, "%s: cannot create the report directory: %s", dir, strerror(errno));
  }
  struct stat sd;
  if (!st && (stat(dir, &sd) != 0 || !S_ISDIR(sd.st_mode)))
    st = qcc_status_make(QCC_ERR_IO, "%s: exists and is not a directory", dir);
  if (!st) st = write_temp(dir, "report.json", json, tj, sizeof tj);
  if (!st) st = write_temp(dir, "report.html", html, th, sizeof th);
  /* Both complete: rename into place. */
  char fj[4096], fh[4096];
  snprintf(fj, sizeof fj, "%s/report.json", dir);
  snprintf(fh, sizeof fh, "%s/report.html", dir);
  if (!st && rename(tj, fj) != 0) st = qcc_status_make(QCC_ERR_IO, "%s: cannot rename the finished file into place: %s", fj, strerror(errno));
  else if (!st) tj[0] = 0;
  if (!st && rename(th, fh) != 0) st = qcc_status_make(QCC_ERR_IO, "%s: cannot rename the finished file into place: %s", fh, strerror(errno));
  else if (!st) th[0] = 0;
  if (tj[0]) unlink(tj);
  if (th[0]) unlink(th);
  if (st && made_dir) rmdir(dir);
  cJSON_free(json);
  free(html);
  rep_free(&r);
  cJSON_Delete(root);
  free(buf);
  return st;
}
