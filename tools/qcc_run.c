/* qcc run: run a model with the executor on .npy/.npz inputs, print a summary
 * of the outputs and the time, optionally write the outputs as .npy files. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"
#include "npy.h"
#include "pipeline.h"
#include "cli.h"
#include "qcc.h"
#include "qrt/qrt_data.h"

#define MAX_SPECS 64

static void run_usage(FILE *f) {
  fprintf(f,
          "usage: qcc run MODEL.(onnx|mlir|mlirbc) --input NAME=FILE.npy ... [options]\n"
          "  Runs the model's @main with the executor (libqrt kernels) and prints each output's\n"
          "  name, shape, dtype, first values and min/max, the run time and the peak memory.\n"
          "  --input NAME=FILE.npy    the value of input NAME\n"
          "  --input NAME=DATA.npz    the array called NAME in DATA.npz\n"
          "  --input DATA.npz         every input, each from the array under its name\n"
          "  --input-shape N=DIMS     (.onnx) fix input N's shape, e.g. input=500x1x28x28\n"
          "  --bind NAME=FILE.npy     (.onnx) make input NAME a constant with this value, so shape\n"
          "                           and axes inputs fold as initializers would (also NAME=DATA.npz)\n"
          "  --no-fuse                (.onnx) run the model as imported: no fusion of a quantized\n"
          "                           model's QDQ form into quantized ops (qcc-fuse-qdq), nor of\n"
          "                           elementwise LayerNorm/GELU (qcc-fuse-layer-norm, qcc-fuse-gelu)\n"
          "  --no-fuse-activations    run every f32 Relu/Clip as a step of its own instead of\n"
          "                           folding it into the preceding convolution's output clamp\n"
          "  --output-dir DIR         write OUTPUT_NAME.npy files into DIR (created if missing)\n"
          "  --repeat N               run N times, report median and min time\n"
          "  --threads K              run the convolutions and gemms on K threads (default 1); the\n"
          "                           outputs are the same bytes for every K\n"
          "  -q                       print only errors and the written files\n");
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fmt_shape(const int64_t *d, int rank, char *buf, size_t n) {
  size_t o = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < rank && o < n; i++) o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? ", " : "", (long long)d[i]);
  if (o < n) snprintf(buf + o, n - o, "]");
}

static int npy_code(int rc) {
  switch (rc) {
    case QCC_NPY_ERR_IO: return QCC_ERR_IO;
    case QCC_NPY_ERR_FORMAT: return QCC_ERR_INVALID;
    case QCC_NPY_ERR_UNSUPPORTED: return QCC_ERR_UNSUPPORTED;
    case QCC_NPY_ERR_NOT_FOUND: return QCC_ERR_INVALID;
    default: return QCC_ERR_INTERNAL;
  }
}

/* Value i of t as a double (for the summary). */
static double value_at(const qcc_npy_tensor_t *t, int64_t i) {
  const void *d = t->data;
  switch (t->dtype) {
    case QCC_NPY_BOOL: return ((const uint8_t *)d)[i] != 0;
    case QCC_NPY_I8: return ((const int8_t *)d)[i];
    case QCC_NPY_U8: return ((const uint8_t *)d)[i];
    case QCC_NPY_I16: return ((const int16_t *)d)[i];
    case QCC_NPY_U16: return ((const uint16_t *)d)[i];
    case QCC_NPY_I32: return ((const int32_t *)d)[i];
    case QCC_NPY_U32: return ((const uint32_t *)d)[i];
    case QCC_NPY_I64: return (double)((const int64_t *)d)[i];
    case QCC_NPY_U64: return (double)((const uint64_t *)d)[i];
    case QCC_NPY_F16: return qrt_f16_to_f32(((const uint16_t *)d)[i]);
    case QCC_NPY_F32: return ((const float *)d)[i];
    case QCC_NPY_F64: return ((const double *)d)[i];
    default: return NAN;
  }
}

static void print_output(const char *name, const qcc_npy_tensor_t *t) {
  char sh[256];
  fmt_shape(t->shape, t->rank, sh, sizeof sh);
  int64_t n = qcc_npy_tensor_numel(t);
  bool is_float = t->dtype == QCC_NPY_F16 || t->dtype == QCC_NPY_F32 || t->dtype == QCC_NPY_F64;
  printf("  output %s %s %s\n    values:", name, qcc_npy_dtype_name(t->dtype), sh);
  for (int64_t i = 0; i < n && i < 8; i++) printf(is_float ? " %.6g" : " %.0f", value_at(t, i));
  if (n > 8) printf(" ...");
  double lo = INFINITY, hi = -INFINITY;
  int64_t nans = 0;
  for (int64_t i = 0; i < n; i++) {
    double v = value_at(t, i);
    if (isnan(v)) { nans++; continue; }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n) printf(is_float ? "\n    min %.6g max %.6g" : "\n    min %.0f max %.0f", lo, hi);
  if (nans) printf(" (%lld NaN)", (long long)nans);
  printf("\n");
}

/* The output's file name: characters outside [A-Za-z0-9._-] become '_'. */
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

/* DIR/NAME.npy of output i; a name that an earlier output's already took gets "_i". */
static void out_path(qcc_executor *ex, const char *dir, int i, char *path, size_t n) {
  char base[256];
  sanitize(qcc_executor_output_name(ex, i), i, base, sizeof base);
  for (int j = 0; j < i; j++) {
    char other[256];
    sanitize(qcc_executor_output_name(ex, j), j, other, sizeof other);
    if (!strcmp(other, base)) { snprintf(base + strlen(base), sizeof base - strlen(base), "_%d", i); break; }
  }
  snprintf(path, n, "%s/%s.npy", dir, base);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  char *spec;        /* NAME=FILE or FILE.npz */
} input_spec;

int qcc_cmd_run(int argc, char **argv) {
  const char *model = NULL, *out_dir = NULL;
  input_spec specs[MAX_SPECS];
  int nspec = 0;
  qcc_input_shape shapes[MAX_SPECS];
  char shape_names[MAX_SPECS][256];
  int nshape = 0;
  long repeat = 1;
  bool quiet = false, no_fuse = false;
  qcc_executor_options eo = {0};
  qcc_input_binding binds[MAX_SPECS];
  qcc_npy_tensor_t bind_vals[MAX_SPECS];
  char bind_names[MAX_SPECS][256];
  int nbind = 0;
  int rc = 0;
  char err[1024];
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { run_usage(stdout); return 0; }
    const char *val = NULL;
#define OPT(name) (!strcmp(a, name) || (!strncmp(a, name "=", sizeof(name)) && (val = a + sizeof(name))))
    if (OPT("--input")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--input needs NAME=FILE"); goto free_binds; }
      if (nspec == MAX_SPECS) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "too many --input options"); goto free_binds; }
      specs[nspec++].spec = (char *)val;
    } else if (OPT("--input-shape")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--input-shape needs NAME=DIMS"); goto free_binds; }
      if (nshape == MAX_SPECS) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "too many --input-shape options"); goto free_binds; }
      qcc_status_t st = qcc_parse_input_shape(val, &shapes[nshape], shape_names[nshape], sizeof shape_names[nshape]);
      if (st) { rc = qcc_cli_fail(st); goto free_binds; }
      nshape++;
    } else if (OPT("--bind")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--bind needs NAME=FILE.npy"); goto free_binds; }
      if (nbind == MAX_SPECS) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "too many --bind options"); goto free_binds; }
      const char *eq = strrchr(val, '=');
      if (!eq || eq == val || !eq[1] || (size_t)(eq - val) >= sizeof bind_names[0])
        { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--bind needs NAME=FILE.npy, got '%s'", val); goto free_binds; }
      snprintf(bind_names[nbind], sizeof bind_names[nbind], "%.*s", (int)(eq - val), val);
      int r;
      if (qcc_cli_ends_with(eq + 1, ".npz")) {
        qcc_npy_npz_t *z;
        r = qcc_npy_npz_open(eq + 1, &z, err, sizeof err);
        if (!r) {
          r = qcc_npy_npz_read(z, bind_names[nbind], &bind_vals[nbind], err, sizeof err);
          qcc_npy_npz_close(z);
        }
      } else {
        r = qcc_npy_read_file(eq + 1, &bind_vals[nbind], err, sizeof err);
      }
      if (r) { rc = qcc_cli_errorf(npy_code(r), "--bind %s: %s", bind_names[nbind], err); goto free_binds; }
      qcc_npy_tensor_t *t = &bind_vals[nbind];
      binds[nbind] = (qcc_input_binding){bind_names[nbind], t->dtype, t->rank, t->shape, t->data, t->nbytes};
      nbind++;
    } else if (OPT("--output-dir")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--output-dir needs a folder"); goto free_binds; }
      out_dir = val;
    } else if (OPT("--repeat")) {
      if (!val && !(val = ++i < argc ? argv[i] : NULL)) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--repeat needs a count"); goto free_binds; }
      char *end;
      repeat = strtol(val, &end, 10);
      if (*end || repeat < 1 || repeat > 1000000) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--repeat needs a count >= 1, got '%s'", val); goto free_binds; }
    } else if (OPT("--threads")) {
      if (!val) val = ++i < argc ? argv[i] : NULL;
      qcc_status_t ts = qcc_cli_threads("--threads", val, &eo.threads);
      if (ts) { rc = qcc_cli_fail(ts); goto free_binds; }
    } else if (!strcmp(a, "--no-fuse")) {
      no_fuse = true;
    } else if (!strcmp(a, "--no-fuse-activations")) {
      eo.no_activation_fusion = true;
    } else if (!strcmp(a, "-q")) {
      quiet = true;
    } else if (a[0] == '-' && a[1]) {
      { rc = qcc_cli_errorf(QCC_ERR_USAGE, "unknown option '%s' for qcc run (see qcc run --help)", a); goto free_binds; }
    } else if (!model) {
      model = a;
    } else {
      { rc = qcc_cli_errorf(QCC_ERR_USAGE, "unexpected argument '%s'", a); goto free_binds; }
    }
#undef OPT
  }
  if (!model) { run_usage(stderr); return QCC_ERR_USAGE; }
  bool is_onnx = qcc_cli_ends_with(model, ".onnx");
  if (nshape && !is_onnx) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--input-shape applies to .onnx models only"); goto free_binds; }
  if (nbind && !is_onnx) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "--bind applies to .onnx models only"); goto free_binds; }

  /* ---- setup: load the model, plan it ---- */
  double t0 = now_ms();
  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) return qcc_cli_fail(st);
  MlirModule m = {NULL};
  if (is_onnx) {
    qcc_import_options io = {shapes, nshape, true, binds, nbind};
    st = qcc_import_onnx(ctx, model, &io, &m);
    /* Models already quantized (QuantizeLinear/DequantizeLinear, QLinearConv ...)
     * import as QDQ; fusing gives back the integer arithmetic they specify. */
    if (!st && !no_fuse) {
      MlirPassManager pm = mlirPassManagerCreate(ctx);
      st = qcc_pipeline_add(pm, QCC_IMPORT_FUSIONS);
      if (!st) st = qcc_pipeline_run(pm, m);
      mlirPassManagerDestroy(pm);
    }
  } else {
    st = qcc_module_parse_file(ctx, model, &m);
    if (!st) st = qcc_module_verify(m);
  }
  qcc_executor *ex = NULL;
  if (!st) st = qcc_executor_create(m, &eo, &ex);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  qcc_context_destroy(ctx);
  for (int b = 0; b < nbind; b++) qcc_npy_tensor_free(&bind_vals[b]);
  nbind = 0;
  if (st) return qcc_cli_fail(st);
  double t_setup = now_ms() - t0;

  int nin = qcc_executor_num_inputs(ex), nout = qcc_executor_num_outputs(ex);
  qcc_npy_tensor_t *inputs = calloc((size_t)nin + 1, sizeof *inputs);
  qcc_npy_tensor_t *outputs = calloc((size_t)nout + 1, sizeof *outputs);
  const char **from = calloc((size_t)nin + 1, sizeof *from);
  double *times = calloc((size_t)repeat, sizeof *times);
  char sh[256], sh2[256];
  if (!inputs || !outputs || !from || !times) { rc = qcc_cli_errorf(QCC_ERR_INTERNAL, "out of memory"); goto done; }

  /* ---- inputs ---- */
  for (int k = 0; k < nspec && !rc; k++) {
    char *spec = specs[k].spec;
    /* NAME=FILE: the split is the '=' whose prefix names an input (names and
     * paths may both contain '='); FILE.npz alone supplies every input. */
    int idx = -1;
    const char *file = NULL;
    for (char *eq = strchr(spec, '='); eq && idx < 0; eq = strchr(eq + 1, '=')) {
      *eq = 0;
      idx = qcc_executor_find_input(ex, spec);
      *eq = '=';
      if (idx >= 0) file = eq + 1;
    }
    if (idx < 0 && !strchr(spec, '=') && qcc_cli_ends_with(spec, ".npz")) {
      qcc_npy_npz_t *z;
      int r = qcc_npy_npz_open(spec, &z, err, sizeof err);
      if (r) { rc = qcc_cli_errorf(npy_code(r), "%s", err); break; }
      for (int i = 0; i < nin && !rc; i++) {
        if (from[i]) continue;
        bool present = false;
        for (size_t j = 0; j < qcc_npy_npz_count(z); j++) present |= !strcmp(qcc_npy_npz_name(z, j), qcc_executor_input_name(ex, i));
        if (!present) continue;
        r = qcc_npy_npz_read(z, qcc_executor_input_name(ex, i), &inputs[i], err, sizeof err);
        if (r) rc = qcc_cli_errorf(npy_code(r), "%s", err);
        from[i] = spec;
      }
      qcc_npy_npz_close(z);
      continue;
    }
    if (idx < 0) {
      char names[512] = "";
      size_t o = 0;
      for (int i = 0; i < nin && o < sizeof names; i++)
        o += (size_t)snprintf(names + o, sizeof names - o, "%s'%s'", i ? ", " : "", qcc_executor_input_name(ex, i));
      const char *eq = strchr(spec, '=');
      rc = qcc_cli_errorf(QCC_ERR_USAGE, "unknown input '%.*s' (the model's inputs: %s)", eq ? (int)(eq - spec) : (int)strlen(spec),
                  spec, names);
      break;
    }
    if (from[idx]) { rc = qcc_cli_errorf(QCC_ERR_USAGE, "input '%s' given twice", qcc_executor_input_name(ex, idx)); break; }
    from[idx] = file;
    int r;
    if (qcc_cli_ends_with(file, ".npz")) {
      qcc_npy_npz_t *z;
      r = qcc_npy_npz_open(file, &z, err, sizeof err);
      if (!r) {
        r = qcc_npy_npz_read(z, qcc_executor_input_name(ex, idx), &inputs[idx], err, sizeof err);
        qcc_npy_npz_close(z);
      }
    } else {
      r = qcc_npy_read_file(file, &inputs[idx], err, sizeof err);
    }
    if (r) rc = qcc_cli_errorf(npy_code(r), "input '%s': %s", qcc_executor_input_name(ex, idx), err);
  }
  for (int i = 0; i < nin && !rc; i++) {
    qcc_npy_tensor_t spec;
    qcc_executor_input_spec(ex, i, &spec);
    fmt_shape(spec.shape, spec.rank, sh, sizeof sh);
    if (!from[i]) {
      rc = qcc_cli_errorf(QCC_ERR_USAGE, "missing input '%s' (%s %s): give --input %s=FILE.npy", qcc_executor_input_name(ex, i),
                  qcc_npy_dtype_name(spec.dtype), sh, qcc_executor_input_name(ex, i));
      break;
    }
    bool ok = spec.dtype == inputs[i].dtype && spec.rank == inputs[i].rank;
    for (int d = 0; ok && d < spec.rank; d++) ok = spec.shape[d] == inputs[i].shape[d];
    if (!ok) {
      fmt_shape(inputs[i].shape, inputs[i].rank, sh2, sizeof sh2);
      rc = qcc_cli_errorf(QCC_ERR_INVALID, "input '%s': expected %s %s, got %s %s from %s%s", qcc_executor_input_name(ex, i),
                  qcc_npy_dtype_name(spec.dtype), sh, qcc_npy_dtype_name(inputs[i].dtype), sh2, from[i],
                  is_onnx && spec.rank && inputs[i].rank == spec.rank ? " (for .onnx models, --input-shape sets the shape)" : "");
    }
  }
  if (rc) goto done;

  /* ---- run ---- */
  for (long r = 0; r < repeat && !rc; r++) {
    for (int i = 0; i < nout; i++) qcc_npy_tensor_free(&outputs[i]);
    double t1 = now_ms();
    st = qcc_executor_run(ex, inputs, outputs);
    times[r] = now_ms() - t1;
    if (st) rc = qcc_cli_fail(st);
  }
  if (rc) goto done;

  /* ---- write (only after everything succeeded), then summarize ---- */
  if (out_dir) {
    char tmp[4096], made[4096] = ""; /* made: the outermost folder this run creates */
    struct stat sb;
    snprintf(tmp, sizeof tmp, "%s", out_dir);
    for (char *p = tmp + 1; *p; p++) /* like mkdir -p */
      if (*p == '/') {
        *p = 0;
        if (!mkdir(tmp, 0777) && !made[0]) snprintf(made, sizeof made, "%s", tmp);
        *p = '/';
      }
    if (stat(out_dir, &sb) && !made[0]) snprintf(made, sizeof made, "%s", out_dir);
    if (mkdir(out_dir, 0777) && errno != EEXIST) {
      rc = qcc_cli_errorf(QCC_ERR_IO, "cannot create output folder '%s': %s", out_dir, strerror(errno));
      goto done;
    }
    int written = 0;
    char path[4096];
    for (int i = 0; i < nout && !rc; i++) {
      out_path(ex, out_dir, i, path, sizeof path);
      int r = qcc_npy_write_file(path, &outputs[i], err, sizeof err);
      if (r) rc = qcc_cli_errorf(npy_code(r), "%s", err);
      else if (!quiet) printf("wrote %s\n", path);
      if (!r) written++;
    }
    if (rc && made[0]) { /* a failed write leaves no folder this run made, nor the files it wrote there */
      for (int i = 0; i < written; i++) out_path(ex, out_dir, i, path, sizeof path), unlink(path);
      snprintf(tmp, sizeof tmp, "%s", out_dir);
      for (size_t ml = strlen(made); strlen(tmp) >= ml && !rmdir(tmp);) {
        char *sl = strrchr(tmp, '/');
        if (!sl || strlen(tmp) == ml) break;
        *sl = 0;
      }
    }
    if (rc) goto done;
  }
  if (!quiet) {
    qcc_executor_stats s;
    qcc_executor_get_stats(ex, &s);
    printf("ran %s: %d steps (%d ops folded at plan time, %d Relu/Clip or bias Add fused into their producers)\n", model,
           s.n_steps, s.n_folded, s.n_fused);
    for (int i = 0; i < nout; i++) print_output(qcc_executor_output_name(ex, i), &outputs[i]);
    qsort(times, (size_t)repeat, sizeof *times, cmp_double);
    if (repeat > 1)
      printf("time: run median %.3f ms, min %.3f ms over %ld runs; setup %.1f ms (load + plan)\n", times[repeat / 2],
             times[0], repeat, t_setup);
    else
      printf("time: run %.3f ms; setup %.1f ms (load + plan)\n", times[0], t_setup);
    printf("memory: peak activations %.1f KiB, pool %.1f KiB, scratch %.1f KiB, constants %.1f KiB\n",
           (double)s.peak_activation_bytes / 1024, (double)s.pool_bytes / 1024, (double)s.scratch_bytes / 1024,
           (double)s.constant_bytes / 1024);
  }

done:
  for (int i = 0; inputs && i < nin; i++) qcc_npy_tensor_free(&inputs[i]);
  for (int i = 0; outputs && i < nout; i++) qcc_npy_tensor_free(&outputs[i]);
  free(inputs);
  free(outputs);
  free(from);
  free(times);
  qcc_executor_destroy(ex);
  return rc;

free_binds:
  for (int b = 0; b < nbind; b++) qcc_npy_tensor_free(&bind_vals[b]);
  return rc;
}
