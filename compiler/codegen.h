/* codegen.h — `qcc compile`: a model's @main as straight-line C over libqrt.
 *
 * The emitter is the executor's second driver (ARCHITECTURE.md, "The executor:
 * one set of kernels, two drivers"). It builds the executor's plan for the
 * module (slots, views, folded constants, pre-packed weights, liveness,
 * in-place decisions; executor.c) and, instead of running it, prints one
 * libqrt call per step with every shape, stride and parameter as a
 * compile-time constant. Memory: one arena with the offsets qcc-plan-memory
 * attached to the module (below); weights (constants read at run time and packed
 * buffers) in one binary blob. Design and limits: docs/codegen.md.
 *
 * codegen.c emits text and bytes (no files, no processes); codegen_build.c
 * turns a folder of emitted files into libNAME.a and the runner with the
 * system C compiler. The generated code depends on libqrt only. */
#ifndef QCC_CODEGEN_H
#define QCC_CODEGEN_H
#include <stdbool.h>
#include <stddef.h>

#include "mlir-c/IR.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *name;        /* C identifier: prefix of every symbol and file name */
  const char *model_path;  /* for the comments of the generated files */
  const char *target;      /* a qcc_target's name (below); NULL: "native" */
  bool weights_file;       /* weights passed in by the caller (NAME_init's third argument)
                              instead of embedded with .incbin */
  int max_threads;         /* NAME_init accepts 1 to this many threads (0: 1); the arena
                              holds each thread's kernel scratch and the thread pool */
  bool all_kernels;        /* NAME.qrt.h restricts nothing: every int8 row and tile of the level */
} qcc_codegen_options;

typedef struct {
  char *header;            /* NAME.h */
  char *source;            /* NAME.c */
  char *runner;            /* NAME_run_main.c: the runner's model table and main() */
  char *weights_asm;       /* NAME.weights.S (.incbin of NAME.weights.bin); NULL with weights_file */
  char *qrt_plan;          /* NAME.qrt.h: the int8 rows and tiles the steps call (runtime/src/qrt_plan.h),
                              which qcc_codegen_build compiles libqrt's plan-reading sources with */
  unsigned char *weights;  /* the weights blob (NAME.weights.bin, or NAME.weights with weights_file) */
  size_t weights_size;
  size_t arena_size;       /* what NAME_arena_size() returns: the plan, the thread pool's
                              QCC_CODEGEN_POOL_BYTES when max_threads > 1, plus 63 bytes for alignment */
  size_t arena_planned;    /* end of the last buffer placed by the offset assignment */
  size_t lower_bound;      /* max over steps of the bytes live at that step (tensors + the
                              step's scratch): no arena can be smaller */
  int n_calls;             /* kernel calls emitted */
  int n_folded;            /* ops evaluated at compile time */
} qcc_codegen_result;

/* Bytes the arena reserves for libqrt's qrt_pool_t (a static assertion in
 * NAME.c checks it holds the target's): its 64 per-worker shares of a job
 * take a cache line each. */
#define QCC_CODEGEN_POOL_BYTES 8192

/* The executor's plan of m as qcc compile prints it: made under the target's
 * ISA limit and int8 packing level (Targets, below), scratch sized for
 * max_threads workers (0: 1), packed buffers zero-filled so the weights are
 * the same bytes every time. qcc_codegen_emit prints this plan and
 * qcc-plan-memory (passes/plan_memory.c) places its buffers in the arena, so
 * both see the same steps, sizes and in-place decisions. *out: destroy with
 * qcc_executor_destroy. */
struct qcc_executor;
qcc_status_t qcc_codegen_plan(MlirModule m, const char *target, int max_threads, struct qcc_executor **out);

/* The memory plan qcc-plan-memory attaches and qcc_codegen_emit reads
 * (docs/codegen.md, "Memory: one arena"). On each op that is a step of the
 * plan: per result, its arena offset (-1: not in the arena, the step writes
 * the caller's output buffer) and bytes; the scratch's [offset, bytes] when
 * the step has scratch; a unit attribute when the step runs in place. On the
 * module: the arena's size and lower bound, and the target and thread count
 * the plan was made for (qcc_codegen_emit refuses a plan made for others). */
#define QCC_PLAN_OFFSET "qcc.arena_offset"           /* array<i64> per result */
#define QCC_PLAN_BYTES "qcc.arena_bytes"             /* array<i64> per result */
#define QCC_PLAN_SCRATCH "qcc.scratch"               /* array<i64: offset, bytes> */
#define QCC_PLAN_IN_PLACE "qcc.in_place"             /* unit */
#define QCC_PLAN_ARENA_SIZE "qcc.arena_size"         /* i64, on the module */
#define QCC_PLAN_LOWER_BOUND "qcc.arena_lower_bound" /* i64, on the module */
#define QCC_PLAN_TARGET "qcc.arena_target"           /* string, on the module */
#define QCC_PLAN_THREADS "qcc.arena_max_threads"     /* i64, on the module */

/* Emit m's @main (after qcc-plan-memory, whose offsets it uses). Errors: UNSUPPORTED naming the op for what the executor or
 * the emitter cannot handle, INVALID for an unusable name or module. On error
 * *out is zeroed. */
qcc_status_t qcc_codegen_emit(MlirModule m, const qcc_codegen_options *o, qcc_codegen_result *out);
void qcc_codegen_result_free(qcc_codegen_result *r);

/* True when name can prefix C symbols: [A-Za-z_][A-Za-z0-9_]*, at most 64 characters. */
bool qcc_codegen_name_ok(const char *name);

/* ------------------------------------------------------------ targets */

/* What `qcc compile --target=NAME` builds for (docs/codegen.md, "Targets").
 * The plan, and so the packed weights, is made under an ISA limit: on a host
 * of the target's architecture the target's level (at most the host's own,
 * as qrt_active_isa() does); on another host the portable scalar level for
 * the float kernels (the only variant both architectures' libqrt share) and
 * the target's level for the int8 ones (libqrt packs int8 weights for either
 * architecture's rows). Kernels without packed weights pick their variant on
 * the running CPU. */
typedef struct {
  const char *name;      /* "native", "generic", "x86-64-v3", "x86-64-v4", "x86-64-v4-vnni", "aarch64",
                            "aarch64-dotprod" */
  const char *arch;      /* "x86_64" or "aarch64": the machine the library runs on */
  const char *cross_cc;  /* the C compiler, archiver and objcopy when that is not the host's */
  const char *cross_ar;  /*   architecture (the host's: $CC or cc, $AR or ar, */
  const char *cross_objcopy; /* $OBJCOPY or objcopy) */
  const char *install;   /* how to get them (Debian) */
  int isa_limit;         /* qrt_isa_t for the plan on a host of the same architecture */
  const char *march;     /* the baseline flag every file is compiled with (NULL: the compiler's) */
} qcc_target;

/* The target named name, NULL when there is none. */
const qcc_target *qcc_target_find(const char *name);
/* "native, generic, ...": the names, for messages. */
const char *qcc_target_names(void);
/* A pass's option target=value: copied into out (n bytes), or USAGE naming the
 * pass and the targets. */
qcc_status_t qcc_target_option(const char *pass, const char *value, char *out, size_t n);
/* True when t's architecture is not the host's (a cross build). */
bool qcc_target_is_cross(const qcc_target *t);
/* The ISA limit to make the plan under for t (QRT_ISA_NATIVE: none): for a
 * cross target the scalar level, the float rows both architectures share. */
int qcc_target_plan_isa(const qcc_target *t);
/* The level libqrt's int8 packer packs for (qrt_q8_set_pack_isa; QRT_ISA_NATIVE:
 * the plan's limit): for a cross target its own rows (aarch64: neon,
 * aarch64-dotprod: dotprod), whose layouts an x86 libqrt packs too. */
int qcc_target_pack_isa(const qcc_target *t);
/* The ISA level the model's copy of libqrt is built for (-DQRT_TARGET_ISA,
 * runtime/src/qrt_target.h: only the variants a CPU of that level selects are
 * linked): the level the plan packed for. Cross targets: their own level;
 * native: this machine's (qrt_active_isa(), so QRT_ISA lowers it); the
 * others: theirs, at most this machine's. */
int qcc_target_build_isa(const qcc_target *t);
/* The concrete target t stands for: native resolves to the target of this
 * machine's level (qcc_target_build_isa); any other is itself. */
const qcc_target *qcc_target_resolve(const qcc_target *t);

/* ------------------------------------------------------------ the build */

/* What qcc_codegen_build makes of the model (qcc compile --emit). */
typedef enum {
  QCC_EMIT_STATIC = 0, /* libNAME.a */
  QCC_EMIT_SHARED,     /* libNAME.so, exporting the NAME_ API only */
  QCC_EMIT_OBJ,        /* NAME.o, one relocatable object */
} qcc_emit_kind;

typedef struct {
  const char *target;      /* a qcc_target's name; NULL: "native" */
  const char *cc;          /* NULL: the target's cross compiler, else $CC, else "cc" */
  const char *ar;          /* NULL: the target's cross archiver, else $AR, else "ar" */
  const char *runtime_dir; /* libqrt's source folder (include/, src/, runner/); NULL: $QCC_RUNTIME_DIR,
                              the folder compiled in (QCC_RUNTIME_SRC_DIR), or ../share/qcc/runtime
                              next to the qcc executable */
  const char *cache_dir;   /* compiled libqrt objects, shared between runs; NULL: $QCC_CACHE_DIR,
                              $XDG_CACHE_HOME/qcc, ~/.cache/qcc; "" for no cache */
  int jobs;                /* parallel compiler processes; <= 0: the number of CPUs */
  bool verbose;            /* print each command on stderr */
  qcc_emit_kind emit;      /* the library's kind */
  bool no_lto;             /* link libqrt's separately compiled objects (default: compiled
                              together with NAME.c by link-time optimization) */
  const char *cflags;      /* extra C compiler flags, split at whitespace (no quoting), added to
                              every compile and link: NAME.c, libqrt (its cache key too), the
                              libraries and the runner, e.g. "-fsanitize=address,undefined";
                              NULL: $QCC_CFLAGS */
} qcc_toolchain;

typedef struct {
  double seconds;          /* wall time of the whole build */
  int runtime_objects;     /* libqrt objects the model's object was linked from */
  bool runtime_cached;     /* they came from the cache */
  int plan_objects;        /* of which compiled for this model's plan (NAME.qrt.h: runtime/src/qrt_plan.h) */
  bool lto;                /* NAME.c and libqrt were compiled together (LTO) */
  const char *built_for;   /* the concrete target libqrt was built for (native resolved) */
} qcc_build_report;

/* In dir, which holds NAME.c, NAME.h, NAME_run_main.c and (embedded weights)
 * NAME.weights.S + NAME.weights.bin: compile libqrt's sources for the
 * target's ISA level (or take them from the cache), and link NAME.c, the
 * weights and the libqrt code they reach into one relocatable object in which
 * every symbol but NAME.c's API (NAME_arena_size, NAME_init, NAME_run,
 * NAME_deinit) is local: by default by link-time optimization, so the C
 * compiler inlines and specializes the kernels for NAME.c's constant
 * arguments. That object becomes dir/libNAME.a, dir/libNAME.so or dir/NAME.o
 * (tc->emit), and the runner dir/NAME-run is linked with it. Two models'
 * libraries link into one program without clashes. Object files are removed
 * afterwards. Errors name the command's file and its first error line (a
 * compiler failure), or say how to get a compiler (none found). */
qcc_status_t qcc_codegen_build(const qcc_toolchain *tc, const char *dir, const char *name, bool embedded_weights,
                               qcc_build_report *report);

#ifdef __cplusplus
}
#endif
#endif /* QCC_CODEGEN_H */
