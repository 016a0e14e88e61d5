/* qcc compile: a model as a C library (NAME.h, NAME.c, libNAME.a) and a
 * runner, for the host. The files are made in a temporary folder next to the
 * output folder and moved into it only when everything succeeded.
 * docs/codegen.md. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codegen.h"
#include "pipeline.h"
#include "cli.h"
#include "qcc.h"

#define MAX_SHAPES 64

static void compile_usage(FILE *f) {
  fprintf(f,
          "usage: qcc compile MODEL.(onnx|mlir|mlirbc) -o DIR [options]\n"
          "  Compiles the model's @main into DIR/NAME.h, DIR/NAME.c, DIR/libNAME.a (the model and the\n"
          "  libqrt kernels it calls, for the target's ISA level; weights embedded from DIR/NAME.weights.bin\n"
          "  by NAME.weights.S) and\n"
          "  the runner DIR/NAME-run (source DIR/NAME_run_main.c), for this machine. The compiled\n"
          "  model gives the outputs `qcc run` gives, bit for bit.\n"
          "  -o DIR                the output folder (created with its parents; files of the same names\n"
          "                        replaced, others kept)\n"
          "  --name NAME           prefix of the files and C symbols (default: the model file's stem)\n"
          "  --target T            native (default): this machine's level (x86-64-v4-amx, ...; printed);\n"
          "                        generic: the portable scalar kernels only (runs on any CPU of this\n"
          "                        architecture); x86-64-v3, x86-64-v4, x86-64-v4-vnni, x86-64-v4-amx: at\n"
          "                        most AVX2 / AVX-512 / AVX-512 VNNI / AMX-INT8 (the int8 Linear; Linux\n"
          "                        5.16+); aarch64, aarch64-dotprod: cross-compiled with\n"
          "                        aarch64-linux-gnu-gcc (docs/aarch64.md)\n"
          "  --weights-file        write DIR/NAME.weights for the caller to load, instead of embedding it\n"
          "  --max-threads K       NAME_init accepts 1 to K threads (default 4); the arena holds each\n"
          "                        thread's kernel scratch (1: the smallest arena, no thread pool)\n"
          "  --emit=KIND           static (default): libNAME.a; shared: libNAME.so (exports the NAME_ API only;\n"
          "                        the runner finds it next to itself); obj: NAME.o, one object; c: the C\n"
          "                        sources and the weights only (no C compiler is run). Each library holds\n"
          "                        the libqrt kernels it calls, for the target's ISA level only, with every\n"
          "                        symbol but the NAME_ API local: two models link into one program\n"
          "  --all-kernels         keep every int8 row and tile of the target's level in the library (default:\n"
          "                        only those the model's packed weights and shapes call, NAME.qrt.h)\n"
          "  --no-lto              link libqrt's objects as compiled (default: compiled together with NAME.c\n"
          "                        by GCC's link-time optimization, which specializes them)\n"
          "  --input-shape N=DIMS  (.onnx) fix input N's shape, e.g. input=8x1x28x28 (the batch size is\n"
          "                        fixed at compile time)\n"
          "  --cflags FLAGS        extra C compiler flags, split at spaces (no quoting), for every compile and\n"
          "                        link of NAME.c, libqrt and the runner (default: $QCC_CFLAGS), e.g.\n"
          "                        --cflags='-fsanitize=address,undefined -fno-sanitize-recover=all'\n"
          "  --no-fuse             (.onnx) compile the model as imported (no qcc-fuse-qdq,\n"
          "                        qcc-fuse-layer-norm, qcc-fuse-gelu)\n"
          "  --no-select-layout    keep every int8 activation NCHW (no qcc-select-layout: the convolutions\n"
          "                        then interleave their inputs' channels themselves; the same outputs)\n"
          "  --no-cache            build libqrt's objects afresh (default: cached in $QCC_CACHE_DIR,\n"
          "                        else $XDG_CACHE_HOME/qcc or ~/.cache/qcc)\n"
          "  -j N                  parallel compiler processes (default: the number of CPUs)\n"
          "  -v                    print the compiler commands\n"
          "  --print-pipeline      print the lowering passes run before emitting C (qcc-opt -p syntax)\n"
          "  -q                    print only errors\n"
          "  Quantize first (.onnx; the options of `qcc quantize`, see qcc quantize --help): --calib DATA,\n"
          "  --quantizer, --observer, --keep-float, --reduce-range, --calib-samples, --mean/--std/--layout,\n"
          "  --data DATA.npz --labels KEY, and the mixed-precision budget --max-accuracy-drop P,\n"
          "  --min-sqnr D, --max-size BYTES, --max-latency MS, --cost-table FILE, --precisions, --eval-samples,\n"
          "  --precision-file F, --report DIR, --int4-method rtn|awq|gptq. The quantized module (NAME.mlirbc) and,\n"
          "  with a budget or a precision file, NAME.precision.json are written into DIR next to the library.\n"
          "  The C compiler is $CC or cc, the archiver $AR or ar, objcopy $OBJCOPY or objcopy; libqrt's sources are found through\n"
          "  $QCC_RUNTIME_DIR, else where qcc was built from.\n");
}

/* The model file's stem as a C identifier: other characters become '_', a
 * leading digit gets "m_" in front. */
static void default_name(const char *model, char *out, size_t n) {
  const char *b = strrchr(model, '/');
  b = b ? b + 1 : model;
  size_t len = strcspn(b, ".");
  size_t o = 0;
  if (len && b[0] >= '0' && b[0] <= '9') o = (size_t)snprintf(out, n, "m_");
  for (size_t i = 0; i < len && o + 1 < n && o < 64; i++) {
    char c = b[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out[o++] = ok ? c : '_';
  }
  out[o] = 0;
  if (!o) snprintf(out, n, "model");
}

/* Writes tmp/name; a failure names the file where it was going, dir/name
 * (the temporary folder is removed, so its name would mean nothing). */
static qcc_status_t write_file(const char *tmp, const char *dir, const char *name, const void *data, size_t n) {
  char p[PATH_MAX + 320];
  snprintf(p, sizeof p, "%s/%s", tmp, name);
  FILE *f = fopen(p, "wb");
  if (!f) return qcc_status_make(QCC_ERR_IO, "%s/%s: cannot write: %s", dir, name, strerror(errno));
  bool ok = !n || fwrite(data, 1, n, f) == n;
  int e = errno;
  if (fclose(f)) ok = false, e = errno;
  if (!ok) return qcc_status_make(QCC_ERR_IO, "%s/%s: write failed: %s", dir, name, strerror(e ? e : EIO));
  return NULL;
}

/* Remove the temporary folder and what this command wrote into it. */
static void remove_tmp(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[PATH_MAX + 260];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      if (unlink(p) && errno == EISDIR) remove_tmp(p);
    }
  closedir(d);
  rmdir(dir);
}

/* mkdir -p path; *top gets the outermost folder it made ("" if none), so a
 * failure later can take them away again (remove_made). 0 or an errno. */
static int make_dirs(const char *path, char *top, size_t n) {
  char t[PATH_MAX];
  top[0] = 0;
  if (snprintf(t, sizeof t, "%s", path) >= (int)sizeof t) return ENAMETOOLONG;
  for (char *p = t + 1;; p++) {
    if (*p != '/' && *p) continue;
    char c = *p;
    *p = 0;
    struct stat sb;
    if (stat(t, &sb)) {
      if (mkdir(t, 0777)) return errno;
      if (!top[0]) snprintf(top, n, "%s", t);
    } else if (!S_ISDIR(sb.st_mode)) {
      return ENOTDIR;
    }
    *p = c;
    if (!c) return 0;
  }
}

/* rmdir path and its parents up to top (made by make_dirs). */
static void remove_made(const char *path, const char *top) {
  if (!top[0]) return;
  char t[PATH_MAX];
  snprintf(t, sizeof t, "%s", path);
  size_t tl = strlen(top);
  while (strlen(t) >= tl) {
    rmdir(t);
    char *s = strrchr(t, '/');
    if (strlen(t) == tl || !s) break;
    *s = 0;
  }
}

/* Move every file of tmp into dir (which exists), then remove tmp. */
static qcc_status_t move_files(const char *tmp, const char *dir) {
  DIR *d = opendir(tmp);
  if (!d) return qcc_status_make(QCC_ERR_IO, "cannot read '%s': %s", tmp, strerror(errno));
  struct dirent *e;
  qcc_status_t st = NULL;
  char a[PATH_MAX + 260], b[PATH_MAX + 260];
  while (!st && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (snprintf(a, sizeof a, "%s/%s", tmp, e->d_name) >= (int)sizeof a ||
        snprintf(b, sizeof b, "%s/%s", dir, e->d_name) >= (int)sizeof b) {
      st = qcc_status_make(QCC_ERR_IO, "path too long in '%s'", dir);
      break;
    }
    if (rename(a, b)) st = qcc_status_make(QCC_ERR_IO, "cannot move '%s' to '%s': %s", a, b, strerror(errno));
  }
  closedir(d);
  return st;
}

int qcc_cmd_quantize(int argc, char **argv); /* tools/qcc_quantize.c */

/* Options qcc compile hands to qcc quantize: with a value, and without. */
static bool quantize_option(const char *a, bool *takes_value) {
  static const char *const with[] = {"--calib", "--calib-samples", "--quantizer", "--observer", "--keep-float",
                                     "--mean", "--std", "--layout", "--data", "--labels", "--max-accuracy-drop",
                                     "--min-sqnr", "--max-size", "--max-latency", "--cost-table", "--precisions", "--eval-samples",
                                     "--precision-file", "--load-plugin", "--report", "--int4-method", NULL};
  for (int k = 0; with[k]; ++k)
    if (!strcmp(a, with[k])) return *takes_value = true;
  if (!strncmp(a, "--load-plugin=", 14) || !strncmp(a, "--int4-method=", 14)) return !(*takes_value = false);
  if (!strcmp(a, "--reduce-range") || !strcmp(a, "--bias-correction") || !strcmp(a, "--no-bias-correction"))
    return !(*takes_value = false);
  return false;
}

int qcc_cmd_compile(int argc, char **argv) {
  const char *model = NULL, *out_dir = NULL, *name = NULL, *target = "native";
  /* qcc quantize's argv: MODEL, its options, --target, --input-shape ..., -o DIR/NAME.mlirbc */
  char *qargv[256];
  int qargc = 1;
  bool quantize = false;
  if (argc > 256 - 2 * MAX_SHAPES - 8) return qcc_cli_errorf(QCC_ERR_USAGE, "too many arguments");
  bool weights_file = false, emit_c = false, no_fuse = false, select_layout = true, quiet = false, print_pipeline = false, all_kernels = false;
  qcc_emit_kind emit = QCC_EMIT_STATIC;
  int max_threads = 4;
  qcc_toolchain tc;
  memset(&tc, 0, sizeof tc);
  qcc_input_shape shapes[MAX_SHAPES];
  char shape_names[MAX_SHAPES][256];
  int nshape = 0;
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { compile_usage(stdout); return 0; }
    const char *val = NULL;
    bool qv;
    if (quantize_option(a, &qv)) {
      if (qv && i + 1 >= argc) return qcc_cli_errorf(QCC_ERR_USAGE, "%s needs a value", a);
      qargv[qargc++] = argv[i];
      if (qv) qargv[qargc++] = argv[++i];
      quantize = true;
      continue;
    }
#define OPT(nm) (!strcmp(a, nm) || (!strncmp(a, nm "=", sizeof(nm)) && (val = a + sizeof(nm))))
#define NEED(what)                                                        \
  if (!val && !(val = ++i < argc ? argv[i] : NULL))                       \
    return qcc_cli_errorf(QCC_ERR_USAGE, "%s needs %s", a, what);
    if (!strcmp(a, "-o")) {
      if (++i >= argc) return qcc_cli_errorf(QCC_ERR_USAGE, "-o needs an output folder");
      out_dir = argv[i];
    } else if (OPT("--name")) {
      NEED("a C identifier");
      name = val;
    } else if (OPT("--target")) {
      NEED("a target (native, generic, x86-64-v3, x86-64-v4, x86-64-v4-vnni, x86-64-v4-amx, aarch64, aarch64-dotprod)");
      target = val;
    } else if (!strcmp(a, "--weights-file")) {
      weights_file = true;
    } else if (OPT("--max-threads")) {
      NEED("a thread count");
      qcc_status_t st = qcc_cli_threads("--max-threads", val, &max_threads);
      if (st) return qcc_cli_fail(st);
    } else if (OPT("--emit")) {
      NEED("a kind (c, static, shared, obj)");
      emit_c = !strcmp(val, "c");
      if (!strcmp(val, "static")) emit = QCC_EMIT_STATIC;
      else if (!strcmp(val, "shared")) emit = QCC_EMIT_SHARED;
      else if (!strcmp(val, "obj")) emit = QCC_EMIT_OBJ;
      else if (!emit_c)
        return qcc_cli_errorf(QCC_ERR_USAGE, "--emit: '%s' is not a kind qcc compile makes (c, static, shared, obj)", val);
    } else if (!strcmp(a, "--no-lto")) {
      tc.no_lto = true;
    } else if (OPT("--cflags")) {
      NEED("C compiler flags, e.g. --cflags='-fsanitize=address,undefined'");
      tc.cflags = val;
    } else if (!strcmp(a, "--all-kernels")) {
      all_kernels = true;
    } else if (OPT("--input-shape")) {
      NEED("NAME=DIMS");
      if (nshape == MAX_SHAPES) return qcc_cli_errorf(QCC_ERR_USAGE, "too many --input-shape options");
      qcc_status_t st = qcc_parse_input_shape(val, &shapes[nshape], shape_names[nshape], sizeof shape_names[nshape]);
      if (st) return qcc_cli_fail(st);
      nshape++;
    } else if (!strcmp(a, "--no-fuse")) {
      no_fuse = true;
    } else if (!strcmp(a, "--no-select-layout")) {
      select_layout = false;
    } else if (!strcmp(a, "--no-cache")) {
      tc.cache_dir = "";
    } else if (!strcmp(a, "-j")) {
      if (++i >= argc) return qcc_cli_errorf(QCC_ERR_USAGE, "-j needs a count");
      char *end;
      long j = strtol(argv[i], &end, 10);
      if (*end || j < 1 || j > 64) return qcc_cli_errorf(QCC_ERR_USAGE, "-j needs a count from 1 to 64, got '%s'", argv[i]);
      tc.jobs = (int)j;
    } else if (!strcmp(a, "-v")) {
      tc.verbose = true;
    } else if (!strcmp(a, "--print-pipeline")) {
      print_pipeline = true;
    } else if (!strcmp(a, "-q")) {
      quiet = true;
    } else if (a[0] == '-' && a[1]) {
      return qcc_cli_errorf(QCC_ERR_USAGE, "unknown option '%s' for qcc compile (see qcc compile --help)", a);
    } else if (!model) {
      model = a;
    } else {
      return qcc_cli_errorf(QCC_ERR_USAGE, "unexpected argument '%s'", a);
    }
#undef OPT
#undef NEED
  }
  if (!model || !out_dir) { compile_usage(stderr); return QCC_ERR_USAGE; }
  bool is_onnx = qcc_cli_ends_with(model, ".onnx");
  if (quantize && !is_onnx) return qcc_cli_errorf(QCC_ERR_USAGE, "quantization options apply to .onnx models (got %s)", model);
  if (nshape && !is_onnx) return qcc_cli_errorf(QCC_ERR_USAGE, "--input-shape applies to .onnx models only");
  if (!qcc_target_find(target))
    return qcc_cli_errorf(QCC_ERR_USAGE, "unknown target '%s' (%s)", target, qcc_target_names());
  tc.target = target;
  tc.emit = emit;
  char name_buf[80];
  if (!name) default_name(model, name_buf, sizeof name_buf), name = name_buf;
  if (!qcc_codegen_name_ok(name))
    return qcc_cli_errorf(QCC_ERR_USAGE, "--name '%s' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters)",
                  name);

  /* The output folder: made complete in tmp next to it, then moved. */
  char dir[PATH_MAX], parent[PATH_MAX], tmp[PATH_MAX + 32];
  snprintf(dir, sizeof dir, "%s", out_dir);
  size_t dl = strlen(dir);
  while (dl > 1 && dir[dl - 1] == '/') dir[--dl] = 0;
  struct stat sb;
  bool exists = !stat(dir, &sb);
  if (exists && !S_ISDIR(sb.st_mode)) return qcc_cli_errorf(QCC_ERR_IO, "'%s' exists and is not a folder", dir);
  const char *slash = strrchr(dir, '/');
  if (!slash) snprintf(parent, sizeof parent, ".");
  else if (slash == dir) snprintf(parent, sizeof parent, "/");
  else snprintf(parent, sizeof parent, "%.*s", (int)(slash - dir), dir);
  if (strlen(dir) + 16 >= PATH_MAX) return qcc_cli_errorf(QCC_ERR_USAGE, "the output folder's path is too long");
  char made[PATH_MAX];
  int mk = make_dirs(parent, made, sizeof made);
  if (mk) {
    remove_made(parent, made);
    return qcc_cli_errorf(QCC_ERR_IO, "cannot create '%s': %s", parent, strerror(mk));
  }
  snprintf(tmp, sizeof tmp, "%s/.%s.qcc-XXXXXX", parent, slash ? slash + 1 : dir);
  if (!mkdtemp(tmp)) {
    int e = errno;
    remove_made(parent, made);
    return qcc_cli_errorf(QCC_ERR_IO, "cannot write into '%s': %s", parent, strerror(e));
  }
  mode_t um = umask(0);
  umask(um);
  chmod(tmp, 0777 & ~um);

  char qmodel[PATH_MAX + 128];
  const char *src_model = model; /* for messages */
  if (quantize) {
    /* qcc quantize into the folder being made; the library is compiled from its output */
    static const struct { const char *compile, *quantize; } tmap[] = {
        {"native", "native"}, {"generic", "generic"}, {"x86-64-v3", "x86-64-v3"},
        {"x86-64-v4", "x86-64-v4-vnni"}, {"x86-64-v4-amx", "x86-64-v4-vnni"}, {"aarch64", "aarch64"}};
    const char *qt = NULL;
    for (size_t k = 0; k < sizeof tmap / sizeof *tmap; ++k)
      if (!strcmp(tmap[k].compile, target)) qt = tmap[k].quantize;
    snprintf(qmodel, sizeof qmodel, "%s/%s.mlirbc", tmp, name);
    qargv[0] = (char *)model;
    for (int k = 0; k < nshape; ++k) {
      /* the parsed shapes are printed back as NAME=d0xd1... */
      static char buf[MAX_SHAPES][600];
      int o = snprintf(buf[k], sizeof buf[k], "%s=", shapes[k].name);
      for (int r = 0; r < shapes[k].rank; ++r)
        o += snprintf(buf[k] + o, sizeof buf[k] - (size_t)o, r ? "x%lld" : "%lld", (long long)shapes[k].dims[r]);
      qargv[qargc++] = "--input-shape";
      qargv[qargc++] = buf[k];
    }
    if (qt) qargv[qargc++] = "--target", qargv[qargc++] = (char *)qt;
    qargv[qargc++] = "-o";
    qargv[qargc++] = qmodel;
    int qrc = qcc_cmd_quantize(qargc, qargv);
    if (qrc) {
      remove_tmp(tmp);
      remove_made(parent, made);
      return qrc; /* qcc quantize printed the error */
    }
    model = qmodel;
    is_onnx = false;
  }

  double t0 = qcc_cli_now_s();
  qcc_codegen_result res;
  memset(&res, 0, sizeof res);
  MlirContext ctx;
  qcc_status_t st = qcc_context_create(NULL, &ctx);
  if (st) { remove_tmp(tmp); remove_made(parent, made); return qcc_cli_fail(st); }
  MlirModule m = {NULL};
  if (is_onnx) {
    qcc_import_options io = {shapes, nshape, true, NULL, 0};
    st = qcc_import_onnx(ctx, model, &io, &m);
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
  if (!st) { /* the lowering passes: the arena's offsets, ... (docs/codegen.md) */
    char lowering[512];
    qcc_lowering_pipeline(lowering, sizeof lowering, target, max_threads, select_layout);
    if (print_pipeline) printf("lowering: %s\n", lowering);
    MlirPassManager pm = mlirPassManagerCreate(ctx);
    st = qcc_pipeline_add(pm, lowering);
    if (!st) st = qcc_pipeline_run(pm, m);
    mlirPassManagerDestroy(pm);
  }
  if (!st) {
    qcc_codegen_options co = {name, model, target, weights_file, max_threads, all_kernels};
    st = qcc_codegen_emit(m, &co, &res);
  }
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  qcc_context_destroy(ctx);
  double t_emit = qcc_cli_now_s() - t0;

  char fn[PATH_MAX];
  if (!st) snprintf(fn, sizeof fn, "%s.h", name), st = write_file(tmp, dir, fn, res.header, strlen(res.header));
  if (!st) snprintf(fn, sizeof fn, "%s.c", name), st = write_file(tmp, dir, fn, res.source, strlen(res.source));
  if (!st) snprintf(fn, sizeof fn, "%s_run_main.c", name), st = write_file(tmp, dir, fn, res.runner, strlen(res.runner));
  if (!st) snprintf(fn, sizeof fn, "%s.qrt.h", name), st = write_file(tmp, dir, fn, res.qrt_plan, strlen(res.qrt_plan));
  if (!st && weights_file)
    snprintf(fn, sizeof fn, "%s.weights", name), st = write_file(tmp, dir, fn, res.weights, res.weights_size);
  if (!st && !weights_file) {
    snprintf(fn, sizeof fn, "%s.weights.bin", name);
    st = write_file(tmp, dir, fn, res.weights, res.weights_size);
    snprintf(fn, sizeof fn, "%s.weights.S", name);
    if (!st) st = write_file(tmp, dir, fn, res.weights_asm, strlen(res.weights_asm));
  }
  qcc_build_report rep;
  memset(&rep, 0, sizeof rep);
  if (!st && !emit_c) st = qcc_codegen_build(&tc, tmp, name, !weights_file, &rep);
  if (!st) {
    if (!exists) {
      if (rename(tmp, dir)) st = qcc_status_make(QCC_ERR_IO, "cannot create '%s': %s", dir, strerror(errno));
    } else {
      st = move_files(tmp, dir);
    }
  }
  remove_tmp(tmp); /* gone after a rename; emptied otherwise */
  if (st) {
    remove_made(parent, made);
    qcc_codegen_result_free(&res);
    return qcc_cli_fail(st);
  }
  if (!quiet) {
    printf("compiled %s -> %s/ (target %s): %s.h %s.c ", src_model, dir, target, name, name);
    if (quantize) printf("%s.mlirbc ", name);
    if (emit_c) printf("%s%s %s_run_main.c", name, weights_file ? ".weights" : ".weights.bin + .weights.S", name);
    else
      printf(emit == QCC_EMIT_SHARED ? "lib%s.so %s-run%s%s" : emit == QCC_EMIT_OBJ ? "%s.o %s-run%s%s" : "lib%s.a %s-run%s%s",
             name, name, weights_file ? " " : "", weights_file ? name : "");
    printf("%s; %d kernel calls, %d ops folded\n", !emit_c && weights_file ? ".weights" : "", res.n_calls, res.n_folded);
    printf("arena: %zu bytes (%.1f KiB) planned, lower bound %zu bytes (%.1f KiB): largest set of simultaneously "
           "live tensors and scratch; %s_arena_size() = %zu\n",
           res.arena_planned, (double)res.arena_planned / 1024, res.lower_bound, (double)res.lower_bound / 1024, name,
           res.arena_size);
    printf("weights: %zu bytes (%.1f KiB) ", res.weights_size, (double)res.weights_size / 1024);
    if (weights_file) printf("in %s/%s.weights, for the caller to load\n", dir, name);
    else printf("embedded\n");
    if (!emit_c)
      printf("libqrt: the %s variants%s%s, %s\n", rep.built_for, strcmp(rep.built_for, target) ? " (" : "",
             strcmp(rep.built_for, target) ? "native on this machine)" : "",
             rep.lto ? "compiled together with the model's code (LTO)" : "linked as compiled (--no-lto)");
    if (emit_c)
      printf("time: %.2f s\n", t_emit);
    else
      printf("time: %.2f s (load and emit %.2f s, C compiler %.2f s; libqrt's %d objects %s, %d of them built for the plan)\n",
             qcc_cli_now_s() - t0, t_emit, rep.seconds, rep.runtime_objects,
             rep.runtime_cached ? "from the cache" : "compiled", rep.plan_objects);
  }
  qcc_codegen_result_free(&res);
  return 0;
}
