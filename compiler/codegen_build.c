/* codegen_build.c — the toolchain half of `qcc compile`: libqrt's sources,
 * built for the target's ISA level only, NAME.c and the weights become one
 * relocatable object (by link-time optimization, so the kernels are compiled
 * together with NAME.c) whose only global symbols are NAME.c's API; that is
 * libNAME.a, libNAME.so or NAME.o, and the runner is linked with it. The
 * system C compiler is run by posix_spawn (no shell). libqrt's objects are
 * kept in a cache keyed by a hash of the compiler's identity, the flags and
 * every runtime source and header, so a second compile only builds NAME.c and
 * the link. See codegen.h and docs/codegen.md. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen.h"
#include "qrt/qrt.h"
#include "qrt/qrt_q8.h"

extern char **environ;

/* ------------------------------------------------------------- targets */

#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#else
#define HOST_ARCH "unknown"
#endif

#define ARM_CROSS \
  "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ar", "aarch64-linux-gnu-objcopy", "gcc-aarch64-linux-gnu (tools/setup.sh)"
#define X86_CROSS "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-ar", "x86_64-linux-gnu-objcopy", "gcc-x86-64-linux-gnu"
static const qcc_target kTargets[] = {
    {"native", HOST_ARCH, NULL, NULL, NULL, NULL, QRT_ISA_NATIVE, NULL},
    {"generic", HOST_ARCH, NULL, NULL, NULL, NULL, QRT_ISA_SCALAR, NULL},
    {"x86-64-v3", "x86_64", X86_CROSS, QRT_ISA_AVX2_FMA, NULL},
    {"x86-64-v4", "x86_64", X86_CROSS, QRT_ISA_AVX512F, NULL},
    {"x86-64-v4-vnni", "x86_64", X86_CROSS, QRT_ISA_AVX512VNNI, NULL},
    {"x86-64-v4-amx", "x86_64", X86_CROSS, QRT_ISA_AMX, NULL},
    {"aarch64", "aarch64", ARM_CROSS, QRT_ISA_NEON, NULL},
    /* armv8-a plus the dot product extension only, so that on a CPU without it
     * the one instruction that traps is a dot product (test/Codegen/aarch64-dotprod.test) */
    {"aarch64-dotprod", "aarch64", ARM_CROSS, QRT_ISA_DOTPROD, "-march=armv8-a+dotprod"},
};

const qcc_target *qcc_target_find(const char *name) {
  if (!name) name = "native";
  for (size_t i = 0; i < sizeof kTargets / sizeof kTargets[0]; i++)
    if (!strcmp(kTargets[i].name, name)) return &kTargets[i];
  return NULL;
}

const char *qcc_target_names(void) {
  return "native, generic, x86-64-v3, x86-64-v4, x86-64-v4-vnni, x86-64-v4-amx, aarch64, aarch64-dotprod";
}

bool qcc_target_is_cross(const qcc_target *t) { return strcmp(t->arch, HOST_ARCH) != 0; }

int qcc_target_plan_isa(const qcc_target *t) {
  /* Another architecture's float variants are not in this qcc's libqrt: only
   * the scalar ones (index 0 of every table on both) pack the same bytes
   * there. */
  return qcc_target_is_cross(t) ? QRT_ISA_SCALAR : t->isa_limit;
}

int qcc_target_pack_isa(const qcc_target *t) {
  /* The int8 packer knows every architecture's rows (packing is portable C). */
  return qcc_target_is_cross(t) ? t->isa_limit : QRT_ISA_NATIVE;
}

int qcc_target_build_isa(const qcc_target *t) {
  if (qcc_target_is_cross(t)) return t->isa_limit;
  if (t->isa_limit == QRT_ISA_NATIVE) return (int)qrt_active_isa();
  const int host = (int)qrt_cpu_isa();
  return t->isa_limit < host ? t->isa_limit : host;
}

const qcc_target *qcc_target_resolve(const qcc_target *t) {
  if (t->isa_limit != QRT_ISA_NATIVE) return t;
  const int level = qcc_target_build_isa(t);
  for (size_t i = 0; i < sizeof kTargets / sizeof kTargets[0]; i++)
    if (kTargets[i].isa_limit == level && !strcmp(kTargets[i].arch, t->arch)) return &kTargets[i];
  return t; /* a level without a target of its own (none today) */
}

/* The target of tc; an unknown name was refused before the build. */
static const qcc_target *target_of(const qcc_toolchain *tc) {
  const qcc_target *t = qcc_target_find(tc->target);
  return t ? t : &kTargets[0];
}

static qcc_status_t no_memory(void) { return qcc_status_make(QCC_ERR_INTERNAL, "compile: out of memory"); }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_file(const char *p) {
  struct stat st;
  return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* ------------------------------------------------------------- processes */

/* One running command; its stdout and stderr go to an anonymous file. */
typedef struct {
  pid_t pid;
  FILE *log;
  char what[300]; /* "compiling NAME.c", for messages */
} job;

static void argv_print(char *const *argv) {
  fprintf(stderr, "+");
  for (int i = 0; argv[i]; i++) fprintf(stderr, " %s", argv[i]);
  fprintf(stderr, "\n");
}

static qcc_status_t job_start(const qcc_toolchain *tc, char *const *argv, const char *cwd, const char *what, job *j) {
  memset(j, 0, sizeof *j);
  snprintf(j->what, sizeof j->what, "%s", what);
  if (tc->verbose) argv_print(argv);
  j->log = tmpfile();
  if (!j->log) return qcc_status_make(QCC_ERR_IO, "compile: cannot create a temporary file: %s", strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fileno(j->log), 1);
  posix_spawn_file_actions_adddup2(&fa, fileno(j->log), 2);
  if (cwd) posix_spawn_file_actions_addchdir_np(&fa, cwd);
  int rc = posix_spawnp(&j->pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc) {
    fclose(j->log);
    j->log = NULL;
    j->pid = 0;
    const qcc_target *t = target_of(tc);
    char hint[200] = "";
    if (rc == ENOENT && qcc_target_is_cross(t))
      snprintf(hint, sizeof hint, "; the target %s needs the cross compiler: install %s", t->name, t->install);
    else if (rc == ENOENT)
      snprintf(hint, sizeof hint, "; install a C toolchain (Debian: gcc, binutils) or set CC / AR / OBJCOPY");
    return qcc_status_make(QCC_ERR_IO, "cannot run '%s' (%s): %s%s", argv[0], what, strerror(rc), hint);
  }
  return NULL;
}

/* The first line of the log that says "error", else its first line. */
static void first_error(FILE *log, char *buf, size_t n) {
  buf[0] = 0;
  if (!log) return;
  rewind(log);
  char line[1024];
  while (fgets(line, sizeof line, log)) {
    line[strcspn(line, "\n")] = 0;
    if (!buf[0] && line[0]) snprintf(buf, n, "%s", line);
    if (strstr(line, "error")) { snprintf(buf, n, "%s", line); return; }
  }
}

static qcc_status_t job_wait(job *j) {
  int status = 0;
  while (waitpid(j->pid, &status, 0) < 0)
    if (errno != EINTR) { status = -1; break; }
  qcc_status_t st = NULL;
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
    char first[1024];
    first_error(j->log, first, sizeof first);
    char how[64];
    if (status != -1 && WIFSIGNALED(status)) snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
    else snprintf(how, sizeof how, "exit status %d", status == -1 ? -1 : WEXITSTATUS(status));
    st = qcc_status_make(QCC_ERR_IO, "%s failed (%s)%s%s", j->what, how, first[0] ? ": " : "", first);
  }
  if (j->log) fclose(j->log);
  j->log = NULL;
  j->pid = 0;
  return st;
}

static qcc_status_t run_one(const qcc_toolchain *tc, char *const *argv, const char *cwd, const char *what) {
  job j;
  QCC_RETURN_IF_ERROR(job_start(tc, argv, cwd, what, &j));
  return job_wait(&j);
}

/* The output of a command (stdout and stderr), for the compiler's identity. */
static qcc_status_t run_capture(const qcc_toolchain *tc, char *const *argv, char *buf, size_t n) {
  job j;
  QCC_RETURN_IF_ERROR(job_start(tc, argv, NULL, "asking the C compiler for its version", &j));
  FILE *log = j.log;
  j.log = NULL; /* keep it for reading */
  qcc_status_t st = job_wait(&j);
  if (!st) {
    rewind(log);
    size_t k = fread(buf, 1, n - 1, log);
    buf[k] = 0;
  }
  fclose(log);
  return st;
}

/* ------------------------------------------------------------- the runtime */

/* Per-ISA flags by file-name suffix (runtime/README.md: one file per ISA
 * level, `<name>__<isa>.c`), as runtime/CMakeLists.txt builds them. */
typedef struct {
  const char *suffix;
  const char *flags[12];
  bool x86_only;
} isa_flags;

static const isa_flags kIsa[] = {
    {"scalar", {NULL}, false},
    {"avx2_fma", {"-mavx2", "-mfma", NULL}, true},
    {"avx2", {"-mavx2", "-mfma", NULL}, true},
    {"avx2_f16c", {"-mavx2", "-mfma", "-mf16c", NULL}, true},
    {"avx512f", {"-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma", NULL}, true},
    {"avx512vnni",
     {"-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vnni", "-mavx2", "-mfma", NULL},
     true},
    {"amx",
     {"-mamx-tile", "-mamx-int8", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vnni", "-mavx2",
      "-mfma", NULL},
     true},
    {"avxvnni", {"-mavxvnni", "-mavx2", "-mfma", NULL}, true},
};

static const char *const kCommonFlags[] = {"-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno", "-fPIC",
                                           "-ffunction-sections", "-fdata-sections", NULL};
/* libqrt's objects also get these: hidden symbols, so that the link of the
 * model's object internalizes them (with LTO: inlines and specializes them)
 * and objcopy --localize-hidden makes them local afterwards. */
static const char *const kRuntimeFlags[] = {"-fvisibility=hidden", NULL};
/* With LTO, every compile and the link. */
static const char *const kLtoFlag = "-flto";

/* aarch64's suffixes, as runtime/CMakeLists.txt's aarch64 block builds them
 * (NEON is the baseline: no flags). */
static const isa_flags kArmIsa[] = {
    {"neon", {NULL}, false},
    {"dotprod", {"-march=armv8.2-a+dotprod", NULL}, false},
};

/* The ISA entry of a runtime source for a target of architecture x86 or
 * aarch64 (!x86); NULL with *skip when the file is for the other
 * architecture; error for an unknown suffix. */
static qcc_status_t isa_of(const char *file, bool x86, const isa_flags **out, bool *skip) {
  *out = NULL, *skip = false;
  const char *u = strstr(file, "__");
  if (!u) return NULL;
  size_t len = strlen(u + 2) - 2; /* without ".c" */
  for (size_t i = 0; i < sizeof kIsa / sizeof kIsa[0]; i++)
    if (strlen(kIsa[i].suffix) == len && !strncmp(u + 2, kIsa[i].suffix, len)) {
      if (kIsa[i].x86_only && !x86) { *skip = true; return NULL; }
      *out = &kIsa[i];
      return NULL;
    }
  for (size_t i = 0; i < sizeof kArmIsa / sizeof kArmIsa[0]; i++)
    if (strlen(kArmIsa[i].suffix) == len && !strncmp(u + 2, kArmIsa[i].suffix, len)) {
      if (x86) { *skip = true; return NULL; }
      *out = &kArmIsa[i];
      return NULL;
    }
  return qcc_status_make(QCC_ERR_UNSUPPORTED,
                         "runtime source %s: qcc compile does not know the flags for ISA suffix '%.*s' "
                         "(compiler/codegen_build.c, kIsa)", file, (int)len, u + 2);
}

typedef struct {
  char **v;
  int n, cap;
} strlist;

static bool sl_add(strlist *l, const char *s) {
  if (l->n + 1 >= l->cap) {
    int nc = l->cap ? l->cap * 2 : 32;
    char **nv = realloc(l->v, (size_t)nc * sizeof *nv);
    if (!nv) return false;
    l->v = nv, l->cap = nc;
  }
  if (!(l->v[l->n] = strdup(s))) return false;
  l->v[++l->n] = NULL;
  return true;
}

static void sl_free(strlist *l) {
  for (int i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names in folder dir ending in one of the suffixes, sorted. */
static qcc_status_t list_dir(const char *dir, const char *const *suffixes, strlist *out) {
  DIR *d = opendir(dir);
  if (!d) return qcc_status_make(QCC_ERR_IO, "cannot read folder '%s': %s", dir, strerror(errno));
  struct dirent *e;
  qcc_status_t st = NULL;
  while (!st && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    for (int i = 0; suffixes[i]; i++) {
      size_t k = strlen(suffixes[i]);
      if (n > k && !strcmp(e->d_name + n - k, suffixes[i])) {
        if (!sl_add(out, e->d_name)) st = no_memory();
        break;
      }
    }
  }
  closedir(d);
  if (out->n) qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_str);
  return st;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

static qcc_status_t hash_file(uint64_t *h, const char *dir, const char *name) {
  char path[PATH_MAX + 260];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) return qcc_status_make(QCC_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
  *h = fnv(*h, name, strlen(name) + 1);
  char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0) *h = fnv(*h, buf, k);
  fclose(f);
  return NULL;
}

static const char *cc_of(const qcc_toolchain *tc) {
  if (tc->cc && tc->cc[0]) return tc->cc;
  const qcc_target *t = target_of(tc);
  if (qcc_target_is_cross(t)) return t->cross_cc;
  const char *e = getenv("CC");
  return e && e[0] ? e : "cc";
}

static const char *ar_of(const qcc_toolchain *tc) {
  if (tc->ar && tc->ar[0]) return tc->ar;
  const qcc_target *t = target_of(tc);
  if (qcc_target_is_cross(t)) return t->cross_ar;
  const char *e = getenv("AR");
  return e && e[0] ? e : "ar";
}

static qcc_status_t find_runtime(const qcc_toolchain *tc, char *out, size_t n) {
  const char *cands[3] = {tc->runtime_dir, getenv("QCC_RUNTIME_DIR"), NULL};
#ifdef QCC_RUNTIME_SRC_DIR
  cands[2] = QCC_RUNTIME_SRC_DIR;
#endif
  char probe[PATH_MAX + 64];
  for (int i = 0; i < 3; i++) {
    if (!cands[i] || !cands[i][0]) continue;
    snprintf(probe, sizeof probe, "%s/include/qrt/qrt.h", cands[i]);
    if (is_file(probe)) { snprintf(out, n, "%s", cands[i]); return NULL; }
    if (i < 2) return qcc_status_make(QCC_ERR_IO, "'%s' is not libqrt's source folder (no include/qrt/qrt.h)", cands[i]);
  }
  /* installed: <prefix>/bin/qcc and <prefix>/share/qcc/runtime */
  char exe[PATH_MAX];
  ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (k > 0) {
    exe[k] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      snprintf(probe, sizeof probe, "%s/../share/qcc/runtime/include/qrt/qrt.h", exe);
      if (is_file(probe) && snprintf(out, n, "%s/../share/qcc/runtime", exe) < (int)n) return NULL;
    }
  }
  return qcc_status_make(QCC_ERR_IO, "cannot find libqrt's sources (runtime/include/qrt/qrt.h): set QCC_RUNTIME_DIR");
}

static const char *cache_root(const qcc_toolchain *tc, char *buf, size_t n) {
  if (tc->cache_dir) return tc->cache_dir[0] ? tc->cache_dir : NULL;
  const char *e = getenv("QCC_CACHE_DIR");
  if (e) return e[0] ? e : NULL;
  if ((e = getenv("XDG_CACHE_HOME")) && e[0]) { snprintf(buf, n, "%s/qcc", e); return buf; }
  if ((e = getenv("HOME")) && e[0]) { snprintf(buf, n, "%s/.cache/qcc", e); return buf; }
  return NULL;
}

static void mkdir_p(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') { *p = 0; mkdir(tmp, 0777); *p = '/'; }
  mkdir(tmp, 0777);
}

/* Remove a folder this build made and the files in it (no subfolders). */
static void remove_flat_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[PATH_MAX + 260];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
  closedir(d);
  rmdir(dir);
}

/* Compile every source of rt/src into objdir, jobs at a time, with the
 * flags of its ISA suffix and extra (the target's level, visibility, LTO). */
static qcc_status_t compile_runtime(const qcc_toolchain *tc, const char *rt, const strlist *srcs, const strlist *extra,
                                    const char *objdir, int jobs) {
  const char *cc = cc_of(tc);
  char inc1[PATH_MAX + 2], inc2[PATH_MAX + 2];
  snprintf(inc1, sizeof inc1, "-I%s/include", rt);
  snprintf(inc2, sizeof inc2, "-I%s/src", rt);
  job *running = calloc((size_t)jobs, sizeof *running);
  if (!running) return no_memory();
  int active = 0, next = 0;
  qcc_status_t st = NULL;
  while ((next < srcs->n && !st) || active) {
    if (next < srcs->n && !st && active < jobs) {
      const char *f = srcs->v[next++];
      const isa_flags *isa;
      bool skip;
      st = isa_of(f, !strcmp(target_of(tc)->arch, "x86_64"), &isa, &skip);
      if (st || skip) continue;
      char src[PATH_MAX + 8], obj[PATH_MAX + 8], what[PATH_MAX + 32];
      snprintf(src, sizeof src, "%s/src/%s", rt, f);
      snprintf(obj, sizeof obj, "%s/%.*s.o", objdir, (int)(strlen(f) - 2), f);
      snprintf(what, sizeof what, "compiling libqrt's %s", f);
      const char *argv[48];
      int a = 0;
      argv[a++] = cc;
      for (int i = 0; kCommonFlags[i]; i++) argv[a++] = kCommonFlags[i];
      for (int i = 0; i < extra->n; i++) argv[a++] = extra->v[i];
      if (target_of(tc)->march) argv[a++] = target_of(tc)->march;
      for (int i = 0; isa && isa->flags[i]; i++) argv[a++] = isa->flags[i];
      argv[a++] = inc1, argv[a++] = inc2, argv[a++] = "-c", argv[a++] = src, argv[a++] = "-o", argv[a++] = obj;
      argv[a] = NULL;
      int slot = 0;
      while (running[slot].pid) slot++;
      st = job_start(tc, (char *const *)argv, NULL, what, &running[slot]);
      if (!st) active++;
      continue;
    }
    /* wait for any one of them */
    int status;
    pid_t p = wait(&status);
    if (p < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < jobs; i++)
      if (running[i].pid == p) {
        /* job_wait reaps: hand it the status we already have */
        qcc_status_t js = NULL;
        if (!WIFEXITED(status) || WEXITSTATUS(status)) {
          char first[1024];
          first_error(running[i].log, first, sizeof first);
          js = qcc_status_make(QCC_ERR_IO, "%s failed (exit status %d)%s%s", running[i].what,
                               WIFEXITED(status) ? WEXITSTATUS(status) : -1, first[0] ? ": " : "", first);
        }
        fclose(running[i].log);
        running[i].log = NULL;
        running[i].pid = 0;
        active--;
        if (js && !st) st = js;
        else if (js) qcc_status_free(js);
        break;
      }
  }
  free(running);
  return st;
}

/* The objects of libqrt for this compiler (cc_version: its --version), these
 * flags and these sources: from the cache (built there under a lock when
 * missing), else built into dir/.qrt. */
static qcc_status_t runtime_objects(const qcc_toolchain *tc, const char *rt, const char *cc_version,
                                    const strlist *extra, const char *dir, int jobs, strlist *objs, char *objdir, size_t objdir_n, bool *cached,
                                    bool *temporary) {
  static const char *const c_suffix[] = {".c", NULL};
  static const char *const h_suffix[] = {".h", ".inl", ".c", NULL};
  char src_dir[PATH_MAX + 16], inc_dir[PATH_MAX + 16];
  snprintf(src_dir, sizeof src_dir, "%s/src", rt);
  snprintf(inc_dir, sizeof inc_dir, "%s/include/qrt", rt);
  strlist srcs = {0}, hashed = {0}, incs = {0};
  qcc_status_t st = list_dir(src_dir, c_suffix, &srcs);
  if (!st) st = list_dir(src_dir, h_suffix, &hashed);
  if (!st) st = list_dir(inc_dir, h_suffix, &incs);
  /* the key: compiler identity, flags, every source and header */
  uint64_t h = 0xcbf29ce484222325ull;
  if (!st) {
    h = fnv(h, cc_version, strlen(cc_version));
    h = fnv(h, cc_of(tc), strlen(cc_of(tc)) + 1);
    for (int i = 0; kCommonFlags[i]; i++) h = fnv(h, kCommonFlags[i], strlen(kCommonFlags[i]) + 1);
    for (int i = 0; i < extra->n; i++) h = fnv(h, extra->v[i], strlen(extra->v[i]) + 1);
    for (size_t i = 0; i < sizeof kIsa / sizeof kIsa[0]; i++)
      for (int k = 0; kIsa[i].flags[k]; k++) h = fnv(h, kIsa[i].flags[k], strlen(kIsa[i].flags[k]) + 1);
    for (size_t i = 0; i < sizeof kArmIsa / sizeof kArmIsa[0]; i++)
      for (int k = 0; kArmIsa[i].flags[k]; k++) h = fnv(h, kArmIsa[i].flags[k], strlen(kArmIsa[i].flags[k]) + 1);
    h = fnv(h, target_of(tc)->arch, strlen(target_of(tc)->arch) + 1);
    if (target_of(tc)->march) h = fnv(h, target_of(tc)->march, strlen(target_of(tc)->march) + 1);
  }
  for (int i = 0; !st && i < hashed.n; i++) st = hash_file(&h, src_dir, hashed.v[i]);
  for (int i = 0; !st && i < incs.n; i++) st = hash_file(&h, inc_dir, incs.v[i]);
  char cbuf[PATH_MAX];
  const char *cache = st ? NULL : cache_root(tc, cbuf, sizeof cbuf);
  int lock = -1;
  *cached = false, *temporary = false;
  if (!st && cache) {
    mkdir_p(cache);
    if (snprintf(objdir, objdir_n, "%s/qrt-%016llx", cache, (unsigned long long)h) >= (int)objdir_n) cache = NULL;
  }
  if (!st && cache) {
    char lockp[PATH_MAX + 64];
    snprintf(lockp, sizeof lockp, "%s.lock", objdir);
    lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock < 0 || flock(lock, LOCK_EX)) {
      /* an unusable cache is not an error: build without it */
      if (lock >= 0) close(lock);
      lock = -1;
      cache = NULL;
    }
  }
  if (!st && cache) {
    char ok[PATH_MAX + 8];
    snprintf(ok, sizeof ok, "%s/OK", objdir);
    if (is_file(ok)) {
      *cached = true;
    } else {
      char tmp[PATH_MAX + 32];
      snprintf(tmp, sizeof tmp, "%s.tmp%ld", objdir, (long)getpid());
      remove_flat_dir(tmp);
      if (mkdir(tmp, 0777)) {
        st = qcc_status_make(QCC_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
      } else {
        st = compile_runtime(tc, rt, &srcs, extra, tmp, jobs);
        if (!st) {
          char tok[PATH_MAX + 40];
          snprintf(tok, sizeof tok, "%s/OK", tmp);
          FILE *f = fopen(tok, "w");
          if (f) fclose(f);
          remove_flat_dir(objdir); /* an incomplete one */
          if (rename(tmp, objdir)) st = qcc_status_make(QCC_ERR_IO, "cannot rename '%s': %s", tmp, strerror(errno));
        }
        if (st) remove_flat_dir(tmp);
      }
    }
  } else if (!st) {
    /* absolute: the archiver runs in dir, and dir may be relative */
    char absdir[PATH_MAX];
    if (!realpath(dir, absdir)) st = qcc_status_make(QCC_ERR_IO, "cannot resolve '%s': %s", dir, strerror(errno));
    else if (snprintf(objdir, objdir_n, "%s/.qrt", absdir) >= (int)objdir_n)
      st = qcc_status_make(QCC_ERR_IO, "path too long: '%s/.qrt'", absdir);
    else if (mkdir(objdir, 0777))
      st = qcc_status_make(QCC_ERR_IO, "cannot create '%s': %s", objdir, strerror(errno));
    else *temporary = true, st = compile_runtime(tc, rt, &srcs, extra, objdir, jobs);
  }
  if (lock >= 0) close(lock); /* releases the lock */
  if (!st) {
    static const char *const o_suffix[] = {".o", NULL};
    strlist names = {0};
    st = list_dir(objdir, o_suffix, &names);
    char p[PATH_MAX * 2];
    for (int i = 0; !st && i < names.n; i++) {
      snprintf(p, sizeof p, "%s/%s", objdir, names.v[i]);
      if (!sl_add(objs, p)) st = no_memory();
    }
    if (!st && !names.n) st = qcc_status_make(QCC_ERR_IO, "no libqrt objects in '%s'", objdir);
    sl_free(&names);
  }
  sl_free(&srcs);
  sl_free(&hashed);
  sl_free(&incs);
  return st;
}

/* ---------------------------------------------------------------- build */

static const char *objcopy_of(const qcc_toolchain *tc) {
  const qcc_target *t = target_of(tc);
  if (qcc_target_is_cross(t)) return t->cross_objcopy;
  const char *e = getenv("OBJCOPY");
  return e && e[0] ? e : "objcopy";
}

/* The LTO link is GCC's -fwhole-program (NAME.c marks its API
 * externally_visible); with another compiler the objects are linked as they
 * are. */
static bool lto_usable(const char *cc_version) { return !strstr(cc_version, "clang"); }

/* argv helpers: a fixed array, checked by the callers' sizes */
typedef struct {
  const char *v[64];
  int n;
} args;

static void arg(args *a, const char *s) {
  if (s && a->n < 63) a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

static void arg_list(args *a, const char *const *l) {
  for (int i = 0; l[i]; i++) arg(a, l[i]);
}

qcc_status_t qcc_codegen_build(const qcc_toolchain *tc, const char *dir, const char *name, bool embedded_weights,
                               qcc_build_report *report) {
  double t0 = now_s();
  qcc_build_report rep;
  memset(&rep, 0, sizeof rep);
  const qcc_target *t = target_of(tc);
  rep.built_for = qcc_target_resolve(t)->name;
  if (report) *report = rep;
  char rt[PATH_MAX];
  QCC_RETURN_IF_ERROR(find_runtime(tc, rt, sizeof rt));
  int jobs = tc->jobs > 0 ? tc->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (jobs < 1) jobs = 1;
  if (jobs > 64) jobs = 64;
  const char *cc = cc_of(tc);
  rep.lto = !tc->no_lto;
  char inc[PATH_MAX + 16], incr[PATH_MAX + 16], f_c[300], f_co[300], f_s[300], f_wo[300], f_lo[300], f_o[300],
      f_lib[300], f_main[300], f_run[300], soname[320], lname[300], runner_c[PATH_MAX + 32], weights_sym[300], def[40],
      lto_jobs[32], what[400];
  snprintf(inc, sizeof inc, "-I%s/include", rt);
  snprintf(incr, sizeof incr, "-I%s/runner", rt);
  snprintf(f_c, sizeof f_c, "%s.c", name);
  snprintf(f_co, sizeof f_co, "%s.c.o", name);         /* NAME.c compiled */
  snprintf(f_s, sizeof f_s, "%s.weights.S", name);
  snprintf(f_wo, sizeof f_wo, "%s.weights.o", name);
  snprintf(f_lo, sizeof f_lo, "%s.linked.o", name);    /* the partial link, before localizing */
  snprintf(f_o, sizeof f_o, "%s.o", name);             /* the model's object */
  snprintf(f_lib, sizeof f_lib, tc->emit == QCC_EMIT_SHARED ? "lib%s.so" : tc->emit == QCC_EMIT_OBJ ? "%s.o" : "lib%s.a",
           name);
  snprintf(soname, sizeof soname, "-Wl,-soname,lib%s.so", name);
  snprintf(lname, sizeof lname, "-l%s", name);
  snprintf(f_main, sizeof f_main, "%s_run_main.c", name);
  snprintf(f_run, sizeof f_run, "%s-run", name);
  snprintf(runner_c, sizeof runner_c, "%s/runner/qcc_runner.c", rt);
  snprintf(weights_sym, sizeof weights_sym, "--localize-symbol=%s_weights", name);
  snprintf(def, sizeof def, "-DQRT_TARGET_ISA=%d", qcc_target_build_isa(t));
  snprintf(lto_jobs, sizeof lto_jobs, "-flto=%d", jobs);
  const char *march = t->march;

  /* NAME.c first: a failure there is reported before the runtime is built;
   * again without -flto when the compiler turns out not to do our LTO */
  char ver[4096] = "";
  for (int pass = 0; pass < 2; pass++) {
    args a = {{0}, 0};
    arg(&a, cc), arg_list(&a, kCommonFlags), arg(&a, rep.lto ? kLtoFlag : NULL), arg(&a, march);
    arg(&a, "-I."), arg(&a, inc), arg(&a, "-c"), arg(&a, f_c), arg(&a, "-o"), arg(&a, f_co);
    snprintf(what, sizeof what, "the C compiler '%s' on %s", cc, f_c);
    QCC_RETURN_IF_ERROR(run_one(tc, (char *const *)a.v, dir, what));
    if (pass) break;
    /* the compiler's identity: part of the cache key, and whether it does LTO */
    const char *argv[] = {cc, "--version", NULL};
    QCC_RETURN_IF_ERROR(run_capture(tc, (char *const *)argv, ver, sizeof ver));
    if (!rep.lto || lto_usable(ver)) break;
    rep.lto = false;
  }
  if (embedded_weights) {
    const char *argv[] = {cc, "-c", f_s, "-o", f_wo, NULL};
    snprintf(what, sizeof what, "the C compiler '%s' on %s", cc, f_s);
    QCC_RETURN_IF_ERROR(run_one(tc, (char *const *)argv, dir, what));
  }
  strlist objs = {0}, extra = {0};
  char objdir[PATH_MAX];
  bool temporary = false;
  qcc_status_t st = sl_add(&extra, def) ? NULL : no_memory();
  for (int i = 0; !st && kRuntimeFlags[i]; i++)
    if (!sl_add(&extra, kRuntimeFlags[i])) st = no_memory();
  if (!st && rep.lto && !sl_add(&extra, kLtoFlag)) st = no_memory();
  if (!st)
    st = runtime_objects(tc, rt, ver, &extra, dir, jobs, &objs, objdir, sizeof objdir, &rep.runtime_cached,
                         &temporary);
  rep.runtime_objects = objs.n;
  if (!st) {
    /* One partial link: NAME.c's API (its default-visibility symbols) is the
     * root, the libqrt code it does not reach is dropped. With LTO the
     * kernels are compiled again together with NAME.c, which inlines and
     * specializes them: -fwhole-program makes everything but NAME.c's
     * externally_visible API static, which a linker-plugin LTO of a
     * relocatable output cannot (it keeps every global symbol, and compiles
     * all of libqrt: ten times the time). */
    strlist argv = {0};
    bool ok = sl_add(&argv, cc);
    for (int i = 0; ok && kCommonFlags[i]; i++) ok = sl_add(&argv, kCommonFlags[i]);
    if (ok && rep.lto) ok = sl_add(&argv, lto_jobs) && sl_add(&argv, "-fno-use-linker-plugin") &&
                            sl_add(&argv, "-fwhole-program");
    if (ok && march) ok = sl_add(&argv, march);
    ok = ok && sl_add(&argv, "-r") && sl_add(&argv, "-nostdlib") && sl_add(&argv, "-Wl,--gc-sections") &&
         sl_add(&argv, "-Wl,--gc-keep-exported") && sl_add(&argv, f_co) && (!embedded_weights || sl_add(&argv, f_wo));
    for (int i = 0; ok && i < objs.n; i++) ok = sl_add(&argv, objs.v[i]);
    ok = ok && sl_add(&argv, "-o") && sl_add(&argv, f_lo);
    snprintf(what, sizeof what, "the C compiler '%s' linking %s with libqrt%s", cc, f_co, rep.lto ? " (LTO)" : "");
    st = ok ? run_one(tc, argv.v, dir, what) : no_memory();
    sl_free(&argv);
  }
  if (!st) {
    /* every symbol but the API local: the library cannot clash with another
     * model's (or another libqrt) in one program */
    const char *argv[] = {objcopy_of(tc), "--localize-hidden", weights_sym, f_lo, f_o, NULL};
    snprintf(what, sizeof what, "'%s' localizing libqrt's symbols in %s", objcopy_of(tc), f_o);
    st = run_one(tc, (char *const *)argv, dir, what);
  }
  if (!st && tc->emit == QCC_EMIT_STATIC) {
    const char *argv[] = {ar_of(tc), "rcs", f_lib, f_o, NULL};
    snprintf(what, sizeof what, "the archiver '%s' making %s", ar_of(tc), f_lib);
    st = run_one(tc, (char *const *)argv, dir, what);
  } else if (!st && tc->emit == QCC_EMIT_SHARED) {
    args a = {{0}, 0};
    arg(&a, cc), arg(&a, march), arg(&a, "-shared"), arg(&a, soname), arg(&a, "-o"), arg(&a, f_lib), arg(&a, f_o);
    arg(&a, "-lm"), arg(&a, "-lpthread"), arg(&a, "-Wl,--gc-sections");
    snprintf(what, sizeof what, "the C compiler '%s' linking %s", cc, f_lib);
    st = run_one(tc, (char *const *)a.v, dir, what);
  }
  if (!st) {
    args a = {{0}, 0};
    arg(&a, cc), arg(&a, "-O2"), arg(&a, march), arg(&a, "-std=c11"), arg(&a, "-I."), arg(&a, inc), arg(&a, incr);
    arg(&a, f_main), arg(&a, runner_c);
    if (tc->emit == QCC_EMIT_SHARED) arg(&a, "-L."), arg(&a, lname), arg(&a, "-Wl,-rpath,$ORIGIN");
    else arg(&a, f_lib);
    /* the program keeps only what it calls (libqrt is built with function sections) */
    arg(&a, "-lm"), arg(&a, "-lpthread"), arg(&a, "-Wl,--gc-sections"), arg(&a, "-o"), arg(&a, f_run);
    snprintf(what, sizeof what, "the C compiler '%s' linking the runner %s", cc, f_run);
    st = run_one(tc, (char *const *)a.v, dir, what);
  }
  if (temporary) remove_flat_dir(objdir);
  const char *const scratch[] = {f_co, f_wo, f_lo, tc->emit == QCC_EMIT_OBJ ? NULL : f_o};
  char p[PATH_MAX * 2];
  for (size_t i = 0; i < sizeof scratch / sizeof *scratch; i++)
    if (scratch[i]) snprintf(p, sizeof p, "%s/%s", dir, scratch[i]), unlink(p);
  sl_free(&objs);
  sl_free(&extra);
  rep.seconds = now_s() - t0;
  if (report) *report = rep;
  return st;
}
