/* qcc_runner.c — the runner of a compiled model: .npy in, model, .npy out.
 * See qcc_runner.h. Usage: NAME-run --help. */
#define _POSIX_C_SOURCE 200809L
#include "qcc_runner.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { EXIT_MODEL = 1, EXIT_USAGE = 2, EXIT_INVALID = 4, EXIT_IO = 5 };

static const char *prog = "runner";

static int errorf(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: error: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return code;
}

static void usage(const qcc_runner_model *m, FILE *f) {
  fprintf(f,
          "usage: %s --input NAME=FILE.npy ... [--output-dir DIR] [--bench N] [--threads K] [-q]%s\n"
          "  Runs the compiled model %s on inputs read from .npy files.\n"
          "  --input NAME=FILE.npy  the value of input NAME (FILE.npy alone for a one-input model)\n"
          "  --output-dir DIR       write OUTPUT_NAME.npy files into DIR (created if missing)\n"
          "  --bench N              run N times after warm-up; print median, p90 and min latency\n"
          "  --threads K            run on K threads, 1 to %d (default 1); the outputs are the\n"
          "                         same bytes for every K\n"
          "  -q                     print only errors and the written files\n",
          prog, m->weights_file ? " [--weights FILE]" : "", m->model, m->max_threads);
  if (m->weights_file)
    fprintf(f, "  --weights FILE         the weights (default: %s.weights next to this program)\n", m->model);
  fprintf(f, "inputs:\n");
  for (int i = 0; i < m->n_inputs; i++) {
    fprintf(f, "  %s %s (", m->inputs[i].name, m->inputs[i].descr);
    for (int d = 0; d < m->inputs[i].rank; d++) fprintf(f, "%s%lld", d ? ", " : "", (long long)m->inputs[i].shape[d]);
    fprintf(f, "%s)\n", m->inputs[i].rank == 1 ? "," : "");
  }
}

static void shape_str(const int64_t *s, int rank, char *buf, size_t n) {
  size_t o = (size_t)snprintf(buf, n, "(");
  for (int i = 0; i < rank && o < n; i++) o += (size_t)snprintf(buf + o, n - o, i ? ", %lld" : "%lld", (long long)s[i]);
  if (o < n) snprintf(buf + o, n - o, rank == 1 ? ",)" : ")");
}

/* ------------------------------------------------------------------ .npy */

static unsigned char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  unsigned char *b = malloc(cap);
  while (b) {
    if (len == cap) {
      unsigned char *nb = realloc(b, cap * 2);
      if (!nb) { free(b); b = NULL; break; }
      b = nb, cap *= 2;
    }
    size_t k = fread(b + len, 1, cap - len, f);
    len += k;
    if (!k) break;
  }
  if (b && ferror(f)) { free(b); b = NULL; }
  fclose(f);
  *n = len;
  return b;
}

/* Value of key in the header dict text h[0..n): pointer after "'key':" and spaces. */
static const char *dict_value(const char *h, size_t n, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "'%s':", key);
  size_t k = strlen(pat);
  for (size_t i = 0; i + k <= n; i++)
    if (!memcmp(h + i, pat, k)) {
      const char *p = h + i + k;
      while (p < h + n && *p == ' ') p++;
      return p;
    }
  return NULL;
}

/* Read path as tensor t: checks dtype and shape. *out owns the data. */
static int read_npy(const char *path, const qcc_runner_tensor *t, void **out) {
  size_t n;
  unsigned char *b = read_all(path, &n);
  if (!b) return errorf(EXIT_IO, "input '%s': cannot read '%s': %s", t->name, path, strerror(errno));
  int rc = 0;
  size_t hstart = 0, hlen = 0;
  if (n < 10 || memcmp(b, "\x93NUMPY", 6)) {
    rc = errorf(EXIT_INVALID, "input '%s': '%s' is not a .npy file", t->name, path);
  } else if (b[6] == 1) {
    hstart = 10, hlen = (size_t)b[8] | (size_t)b[9] << 8;
  } else if ((b[6] == 2 || b[6] == 3) && n >= 12) {
    hstart = 12, hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
  } else {
    rc = errorf(EXIT_INVALID, "input '%s': '%s': unsupported .npy version %d", t->name, path, b[6]);
  }
  if (!rc && hstart + hlen > n) rc = errorf(EXIT_INVALID, "input '%s': '%s' is truncated", t->name, path);
  char descr[16] = "", got[300], want[300];
  int64_t shape[QCC_RUNNER_MAX_RANK];
  int rank = 0;
  if (!rc) {
    const char *h = (const char *)b + hstart;
    const char *d = dict_value(h, hlen, "descr"), *fo = dict_value(h, hlen, "fortran_order"),
               *sh = dict_value(h, hlen, "shape");
    if (!d || !fo || !sh || *d != '\'') {
      rc = errorf(EXIT_INVALID, "input '%s': '%s': malformed .npy header", t->name, path);
    } else {
      size_t k = 0;
      for (d++; d < h + hlen && *d != '\'' && k + 1 < sizeof descr; d++) descr[k++] = *d;
      descr[k] = 0;
      const char *p = sh;
      if (*p++ != '(') rc = errorf(EXIT_INVALID, "input '%s': '%s': malformed shape in the .npy header", t->name, path);
      while (!rc && p < h + hlen && *p != ')') {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || rank == QCC_RUNNER_MAX_RANK) {
          rc = errorf(EXIT_INVALID, "input '%s': '%s': malformed shape in the .npy header", t->name, path);
          break;
        }
        shape[rank++] = v;
        p = end;
      }
      if (!rc && !strncmp(fo, "True", 4) && rank > 1)
        rc = errorf(EXIT_INVALID, "input '%s': '%s' is in Fortran order; save it in C order", t->name, path);
    }
  }
  if (!rc) {
    /* one-byte types: numpy writes '|', accept any order mark */
    bool same = strlen(descr) == strlen(t->descr) &&
                (descr[0] == t->descr[0] || (t->descr[0] == '|' && (descr[0] == '<' || descr[0] == '>'))) &&
                !strcmp(descr + 1, t->descr + 1);
    same = same && rank == t->rank;
    for (int i = 0; same && i < rank; i++) same = shape[i] == t->shape[i];
    if (!same) {
      shape_str(t->shape, t->rank, want, sizeof want);
      shape_str(shape, rank, got, sizeof got);
      rc = errorf(EXIT_INVALID, "input '%s': expected %s %s, got %s %s from %s", t->name, t->descr, want, descr, got,
                  path);
    } else if (n - hstart - hlen != t->nbytes) {
      rc = errorf(EXIT_INVALID, "input '%s': '%s' holds %zu data bytes, expected %zu", t->name, path,
                  n - hstart - hlen, t->nbytes);
    }
  }
  if (rc) { free(b); return rc; }
  void *data = malloc(t->nbytes ? t->nbytes : 1);
  if (!data) { free(b); return errorf(EXIT_IO, "out of memory"); }
  memcpy(data, b + hstart + hlen, t->nbytes);
  free(b);
  *out = data;
  return 0;
}

/* numpy 1.24's format 1.0 header, byte for byte (as qcc's writer). */
static int write_npy(const char *path, const qcc_runner_tensor *t, const void *data) {
  char dict[512], sh[300];
  shape_str(t->shape, t->rank, sh, sizeof sh);
  int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", t->descr, sh);
  size_t len = (size_t)k;
  if (t->rank > 0) {
    char d0[32];
    int dl = snprintf(d0, sizeof d0, "%lld", (long long)t->shape[0]);
    for (int i = dl; i < 21; i++) dict[len++] = ' ';
  }
  size_t hlen = len + 1, pad = 64 - ((10 + hlen) % 64);
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)((hlen + pad) & 0xff),
                           (unsigned char)((hlen + pad) >> 8)};
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return errorf(EXIT_IO, "cannot write '%s': %s", tmp, strerror(errno));
  bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, len, f) == len;
  for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF && (!t->nbytes || fwrite(data, 1, t->nbytes, f) == t->nbytes);
  if (fclose(f) || !ok) { remove(tmp); return errorf(EXIT_IO, "cannot write '%s'", tmp); }
  if (rename(tmp, path)) { remove(tmp); return errorf(EXIT_IO, "cannot rename '%s': %s", tmp, strerror(errno)); }
  return 0;
}

/* The output's file name, as `qcc run` makes it: characters outside
 * [A-Za-z0-9._-] become '_'. */
static void sanitize(const char *name, int index, char *out, size_t n) {
  size_t o = 0;
  for (const char *p = name; *p && o + 1 < n; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out[o++] = ok ? c : '_';
  }
  out[o] = 0;
  if (!o || !strcmp(out, ".") || !strcmp(out, "..")) snprintf(out, n, "output_%d", index);
}

/* ------------------------------------------------------------------ main */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void *aligned64(size_t n) {
  void *p = NULL;
  return posix_memalign(&p, 64, n ? (n + 63) & ~(size_t)63 : 64) ? NULL : p;
}

static int model_error(const qcc_runner_model *m, const void *ctx, int rc) {
  const char *what = rc == 1 ? "invalid argument" : rc == 2 ? "unsupported" : rc == 3 ? "buffer too small" : "error";
  return errorf(EXIT_MODEL, "%s_run failed at step %d (%s): status %d", m->model, m->failed_step(ctx), what, rc);
}

int qcc_runner_main(const qcc_runner_model *m, int argc, char **argv) {
  if (argc > 0 && argv[0]) {
    const char *s = strrchr(argv[0], '/');
    prog = s ? s + 1 : argv[0];
  }
  const char *out_dir = NULL, *weights_path = NULL;
  long bench = 0;
  int threads = 1;
  bool quiet = false, started = false;
  int rc = 0;
  const char **files = calloc((size_t)m->n_inputs + 1, sizeof *files);
  void **in = calloc((size_t)m->n_inputs + 1, sizeof *in);
  void **out = calloc((size_t)m->n_outputs + 1, sizeof *out);
  void *arena = NULL, *ctx = NULL, *weights = NULL;
  double *times = NULL;
  if (!files || !in || !out) { rc = errorf(EXIT_IO, "out of memory"); goto done; }
  for (int i = 1; i < argc && !rc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(m, stdout); goto done; }
    const char *val = NULL;
#define OPT(name) (!strcmp(a, name) || (!strncmp(a, name "=", sizeof(name)) && (val = a + sizeof(name))))
    if (OPT("--input")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = errorf(EXIT_USAGE, "--input needs NAME=FILE.npy"); break; }
      int idx = -1;
      const char *file = NULL;
      for (int k = 0; k < m->n_inputs && idx < 0; k++) {
        size_t l = strlen(m->inputs[k].name);
        if (!strncmp(val, m->inputs[k].name, l) && val[l] == '=') idx = k, file = val + l + 1;
      }
      if (idx < 0 && m->n_inputs == 1 && !strchr(val, '=')) idx = 0, file = val;
      if (idx < 0) {
        rc = errorf(EXIT_USAGE, "--input %s: no such input (%s --help lists them)", val, prog);
        break;
      }
      if (files[idx]) { rc = errorf(EXIT_USAGE, "input '%s' given twice", m->inputs[idx].name); break; }
      files[idx] = file;
    } else if (OPT("--output-dir")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = errorf(EXIT_USAGE, "--output-dir needs a folder"); break; }
      out_dir = val;
    } else if (OPT("--weights")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = errorf(EXIT_USAGE, "--weights needs a file"); break; }
      weights_path = val;
    } else if (OPT("--bench")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = errorf(EXIT_USAGE, "--bench needs a count"); break; }
      char *end;
      bench = strtol(val, &end, 10);
      if (*end || bench < 1 || bench > 10000000) { rc = errorf(EXIT_USAGE, "--bench needs a count >= 1, got '%s'", val); break; }
    } else if (OPT("--threads")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = errorf(EXIT_USAGE, "--threads needs a count"); break; }
      char *end;
      const long t = strtol(val, &end, 10);
      if (*end || t < 1 || t > m->max_threads) {
        rc = errorf(EXIT_USAGE, "--threads needs a count from 1 to %d (qcc compile --max-threads sets the most), got '%s'",
                    m->max_threads, val);
        break;
      }
      threads = (int)t;
    } else if (!strcmp(a, "-q")) {
      quiet = true;
    } else {
      rc = errorf(EXIT_USAGE, "unexpected argument '%s' (%s --help)", a, prog);
    }
#undef OPT
  }
  if (rc) goto done;
  for (int k = 0; k < m->n_inputs && !rc; k++) {
    if (!files[k]) { rc = errorf(EXIT_USAGE, "missing input '%s': give --input %s=FILE.npy", m->inputs[k].name, m->inputs[k].name); break; }
    rc = read_npy(files[k], &m->inputs[k], &in[k]);
  }
  if (rc) goto done;
  if (m->weights_file) {
    char def[4200];
    if (!weights_path) {
      const char *s = strrchr(argv[0], '/');
      snprintf(def, sizeof def, "%.*s%s.weights", s ? (int)(s - argv[0] + 1) : 0, argv[0], m->model);
      weights_path = def;
    }
    size_t n;
    unsigned char *w = read_all(weights_path, &n);
    if (!w) { rc = errorf(EXIT_IO, "cannot read the weights '%s': %s", weights_path, strerror(errno)); goto done; }
    if (n != m->weights_size) {
      free(w);
      rc = errorf(EXIT_INVALID, "the weights '%s' hold %zu bytes, the model needs %zu", weights_path, n, m->weights_size);
      goto done;
    }
    weights = aligned64(n);
    if (weights) memcpy(weights, w, n);
    free(w);
    if (!weights) { rc = errorf(EXIT_IO, "out of memory"); goto done; }
  }
  arena = malloc(m->arena_size ? m->arena_size : 1);
  ctx = calloc(1, m->ctx_size);
  for (int k = 0; k < m->n_outputs; k++) out[k] = malloc(m->outputs[k].nbytes ? m->outputs[k].nbytes : 1);
  for (int k = 0; k < m->n_outputs; k++)
    if (!out[k]) { rc = errorf(EXIT_IO, "out of memory"); goto done; }
  if (!arena || !ctx) { rc = errorf(EXIT_IO, "out of memory"); goto done; }
  int r = m->init(ctx, arena, weights, threads);
  if (r) { rc = errorf(EXIT_MODEL, "%s_init failed (%d)", m->model, r); goto done; }
  started = true;
  r = m->run(ctx, (const void *const *)in, out);
  if (r) { rc = model_error(m, ctx, r); goto done; }
  if (bench) {
    long warm = bench / 10 > 0 ? bench / 10 : 1;
    times = malloc(sizeof *times * (size_t)bench);
    if (!times) { rc = errorf(EXIT_IO, "out of memory"); goto done; }
    for (long i = 0; i < warm && !r; i++) r = m->run(ctx, (const void *const *)in, out);
    for (long i = 0; i < bench && !r; i++) {
      double t = now_ms();
      r = m->run(ctx, (const void *const *)in, out);
      times[i] = now_ms() - t;
    }
    if (r) { rc = model_error(m, ctx, r); goto done; }
    qsort(times, (size_t)bench, sizeof *times, cmp_double);
    printf("latency: median %.3f ms, p90 %.3f ms, min %.3f ms over %ld runs (%ld warm-up)\n", times[bench / 2],
           times[(bench * 9) / 10 < bench ? (bench * 9) / 10 : bench - 1], times[0], bench, warm);
  }
  if (out_dir) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", out_dir);
    for (char *p = tmp + 1; *p; p++) /* like mkdir -p */
      if (*p == '/') { *p = 0; mkdir(tmp, 0777); *p = '/'; }
    if (mkdir(out_dir, 0777) && errno != EEXIST) { rc = errorf(EXIT_IO, "cannot create '%s': %s", out_dir, strerror(errno)); goto done; }
    for (int k = 0; k < m->n_outputs && !rc; k++) {
      char base[256], other[256], path[4400];
      sanitize(m->outputs[k].name, k, base, sizeof base);
      for (int j = 0; j < k; j++) {
        sanitize(m->outputs[j].name, j, other, sizeof other);
        if (!strcmp(other, base)) { snprintf(base + strlen(base), sizeof base - strlen(base), "_%d", k); break; }
      }
      snprintf(path, sizeof path, "%s/%s.npy", out_dir, base);
      rc = write_npy(path, &m->outputs[k], out[k]);
      if (!rc && !quiet) printf("wrote %s\n", path);
    }
  } else if (!quiet) {
    for (int k = 0; k < m->n_outputs; k++) {
      char sh[300];
      shape_str(m->outputs[k].shape, m->outputs[k].rank, sh, sizeof sh);
      printf("output %s %s %s\n", m->outputs[k].name, m->outputs[k].descr, sh);
    }
  }
done:
  if (started) m->deinit(ctx);
  for (int k = 0; in && k < m->n_inputs; k++) free(in[k]);
  for (int k = 0; out && k < m->n_outputs; k++) free(out[k]);
  free(files);
  free(in);
  free(out);
  free(arena);
  free(ctx);
  free(weights);
  free(times);
  return rc;
}
