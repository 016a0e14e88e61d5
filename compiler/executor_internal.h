/* Private to the executor: the plan's data structures, shared by executor.c
 * (planning, liveness, memory, running) and executor_ops.c (one plan and one
 * run function per op). See executor.h for the design. codegen.c (qcc
 * compile) and passes/plan_memory.c (its arena) read a finished plan,
 * read-only; codegen.c prints each step's kernel call: a change to what a
 * run function calls must be mirrored there (test/Codegen compares the two
 * drivers bit for bit). */
#ifndef QCC_EXECUTOR_INTERNAL_H
#define QCC_EXECUTOR_INTERNAL_H
#include <math.h>
#include <stdbool.h>

#include "executor.h"
#include "qcc_dialect.h"
#include "qrt/qrt_f32.h"
#include "qrt/qrt_int.h"
#include "qrt/qrt_pool.h"
#include "qrt/qrt_q8.h"
#include "qrt/qrt_quant.h"

#define EX_MAX_RANK 8

typedef enum {
  EX_SLOT_CONST, /* data owned by the plan (or a view of a constant) */
  EX_SLOT_INPUT, /* data borrowed from the caller for one run */
  EX_SLOT_ACT,   /* an activation: a pooled buffer while it is live */
} ex_slot_kind;

/* One tensor value of @main. Views (reshape, flatten, squeeze, unsqueeze,
 * storage_cast, observe) are slots whose root is another slot: they share its
 * bytes under their own dtype and shape. Only roots hold data pointers. */
typedef struct {
  qcc_npy_dtype_t dtype;
  bool bf16;     /* bfloat16 values held as their uint16 bits (dtype U16) */
  int rank;
  int64_t shape[EX_MAX_RANK];
  int64_t numel;
  size_t nbytes;
  ex_slot_kind kind;
  int root;      /* the slot that owns the buffer (itself unless a view) */
  bool owned;    /* CONST root: data is freed by the plan */
  bool output;   /* a root some result of @main reads */
  int last_use;  /* roots: index of the last step reading the buffer */
  void *data;    /* roots only */
  size_t cap;    /* ACT roots: capacity of the pooled buffer */
} ex_slot;

enum { EX_LAYOUT_GROUPS = 4096 };

typedef struct ex_step ex_step;
typedef qcc_status_t (*ex_run_fn)(qcc_executor *ex, ex_step *s, void *scratch);

struct ex_step {
  qcc_op_kind kind;
  ex_run_fn run;
  char *where; /* "qcc.conv2d at 'node'": for run-time errors */
  int op_index; /* position of the op in @main's body (qcc_executor_options.after_step) */
  int n_in, n_out;
  int *in, *out;        /* slot indices; -1 for an absent optional operand */
  bool can_inplace;     /* out[0] may reuse in[0]'s buffer (same size, in[0] dies here) */
  bool inplace;         /* decided after liveness */
  int *frees, n_frees;  /* roots released to the pool after this step */
  size_t scratch;       /* bytes of the shared scratch buffer this step uses */
  int scratch_last;     /* its scratch must stay until this step (0: its own step only); set on a
                           qgemm_dynamic whose quantized rows later steps read (dq_src) */
  int dq_src;           /* qgemm_dynamic: 1 + the index of the earlier qgemm_dynamic of the same
                           input whose quantized rows it reads (0: it quantizes its input itself) */
  void *dq_buf;         /* owned: where the executor keeps those rows (its scratch is shared by all
                           steps; compiled code keeps them in the step's arena scratch) */
  void *packed;         /* owned: pre-packed weights */
  size_t packed_size;
  qrt_type_t ty, ty2;   /* element types of typed (non-f32) kernels: result / a, and b */
  float *fbuf;          /* owned: per-channel scales, ... */
  int32_t *ibuf;        /* owned: zero points, ... */
  int64_t *lbuf;        /* owned: concat/split sizes, ... */
  union {
    /* x_grp, y_grp: the input's and the result's qcc.layout_group (0: none) */
    struct { qrt_conv2d_params_t p; int64_t n, c_in, h, w, c_out, x_grp, y_grp; } conv;
    struct { qrt_conv_transpose2d_params_t p; int64_t n, c_in, h, w, c_out; } convt;
    struct { int ta, tb; int64_t m, n, k, lda, ldb, csm, csn; float alpha, beta; } gemm;
    struct { int64_t brank, bshape[EX_MAX_RANK], as[EX_MAX_RANK], bs[EX_MAX_RANK], m, n, k; } mm;
    struct {
      qrt_binary_op_t op;
      int64_t rank, shape[EX_MAX_RANK], sa[EX_MAX_RANK], sb[EX_MAX_RANK], sc[EX_MAX_RANK];
      float lo, hi; /* f32 binary ops: output clamp of a fused Relu/Clip (-inf, +inf: none) */
    } bin;
    struct { qrt_unary_op_t op; float alpha, beta; } un;
    struct { int64_t outer, axis, inner; float eps; } ax; /* softmax, norms, concat, split, gather */
    struct { qrt_pool2d_params_t p; int64_t n, c, h, w; int storage_order; } pool;
    struct { qrt_reduce_op_t op; int64_t rank, shape[EX_MAX_RANK]; uint32_t mask; } red;
    struct { int64_t rank, in_shape[EX_MAX_RANK], a[EX_MAX_RANK], b[EX_MAX_RANK], out_shape[EX_MAX_RANK]; } dm;
    struct { qrt_pad_mode_t mode; int64_t rank, in_shape[EX_MAX_RANK], pads[2 * EX_MAX_RANK]; uint64_t value; } pad;
    struct { qrt_resize_params_t p; int64_t n, c, h, w, oh, ow; } rs;
    struct { qrt_type_t from, to; } cast;
    struct { qrt_dtype_t storage; int32_t qmin, qmax; int64_t outer, ch, inner; } q;
    struct { int64_t id; } obs;
    struct { int64_t outer, inner, rank, shape[EX_MAX_RANK], ss[EX_MAX_RANK], bs[EX_MAX_RANK]; float eps; bool xs, xb; } ln;
  } u;
};

/* A dynamic Linear's quantized input [m, k]: the u8 rows, 64-byte aligned, then m scales
 * and m zero points (the start of its scratch; compiled code lays it out alike). */
static inline size_t ex_dq_rows_bytes(int64_t m, int64_t k) {
  return (((size_t)(m * k) + 63) & ~(size_t)63) + (size_t)m * (sizeof(float) + sizeof(int32_t));
}

struct qcc_executor {
  ex_slot *slots;
  int n_slots, cap_slots;
  ex_step *steps;
  int n_steps, cap_steps;
  int n_folded;
  int n_fused;
  int n_inputs, n_outputs;
  int *input_slots, *output_slots;
  char **input_names, **output_names;
  void *scratch;
  size_t scratch_size;
  size_t peak_bytes, const_bytes;
  /* the activation pool: free buffers, best fit */
  struct { void *p; size_t cap; } *pool;
  int n_pool, cap_pool;
  size_t pool_held;
  qcc_executor_options opts;
  qrt_pool_t workers; /* the kernels' thread pool, started when opts.threads > 1 */
  bool workers_started;
  /* qcc.layout_group classes run NCHW because some convolution of theirs cannot
   * take NCHW4C (bit k of word k / 64; classes past EX_LAYOUT_GROUPS always) */
  uint64_t layout_nchw[EX_LAYOUT_GROUPS / 64];
};

/* The layouts a planned qconv2d step runs with (ex_conv_layouts): NCHW4C for a
 * side in a qcc.layout_group class no convolution demoted to NCHW. */
void ex_conv_layouts(const qcc_executor *ex, const ex_step *s, qrt_layout_t *x_layout, qrt_layout_t *y_layout);

/* Threads the plan's scratch is sized for, and the pool the kernels run on (NULL: one thread). */
static inline int ex_threads(const qcc_executor *ex) { return ex->opts.threads > 1 ? ex->opts.threads : 1; }
static inline qrt_pool_t *ex_pool(qcc_executor *ex) { return ex->workers_started ? &ex->workers : NULL; }

/* Data of slot i (through its root). */
static inline void *ex_data(qcc_executor *ex, int i) { return ex->slots[ex->slots[i].root].data; }
static inline ex_slot *ex_slot_at(qcc_executor *ex, int i) { return &ex->slots[i]; }

/* Inside plan/run functions (qcc_executor *ex, ex_step *s in scope): the slot
 * and data of input/output j, and a qrt call whose failure returns the step's
 * error status. */
#define SLOT(j) (&ex->slots[s->in[j]])
#define OSLOT(j) (&ex->slots[s->out[j]])
#define IN(j) ex_data(ex, s->in[j])
#define OUT(j) ex_data(ex, s->out[j])
#define KCHECK(expr)                                    \
  do {                                                  \
    qrt_status_t k_ = (expr);                           \
    if (k_ != QRT_OK) return ex_kernel_error(s, k_);    \
  } while (0)

/* executor_ops.c: fill s (kind, in, out set; slots of in/out have shapes and
 * dtypes) for op: decode attributes, pack constant weights, set s->run and
 * s->scratch. UNSUPPORTED for what cannot run. */
qcc_status_t ex_plan_op(qcc_executor *ex, MlirOperation op, ex_step *s);
/* executor_qops.c: the same for quantized ops (fused q* ops, lut, ONNX's
 * integer ops); UNSUPPORTED for any other op. */
qcc_status_t ex_plan_qop(qcc_executor *ex, MlirOperation op, ex_step *s);
/* The output clamp [*lo, *hi] of a step whose f32 kernel can apply one (conv2d,
 * conv_transpose, f32 binary ops), for folding a following Relu/Clip into it;
 * false for any other step. */
bool ex_step_output_clamp(ex_step *s, float **lo, float **hi);
/* executor_qops.c: re-pack the weights of s, the step of the qgemm_dynamic qop
 * (planned without a bias), with the float bias [N]: its epilogue then adds it. */
qcc_status_t ex_qgemm_dynamic_add_bias(qcc_executor *ex, MlirOperation qop, ex_step *s, const float *bias);
/* An f32 binary step with a fused clamp (qrt_f32_binary_clamp, not qrt_f32_binary). */
static inline bool ex_binary_clamps(const ex_step *s) {
  return !(s->u.bin.lo == -INFINITY && s->u.bin.hi == INFINITY);
}
/* 64-byte aligned, zeroed memory for packed weights (free()): zeroed, so the
 * padding is the same bytes every run (qcc compile embeds packed buffers).
 * NULL when out of memory. */
void *ex_aligned_buf(size_t n);
/* The step's s->packed is libqrt packed int8 weights (qrt_q8.h; qconv2d, qgemm,
 * qgemm_dynamic with constant weights): what qcc-pack-weights records. */
bool ex_q8_packed_step(const ex_step *s);
/* executor_wo.c: plan a gemm step (u.gemm filled; a matmul by a 2-D B is one
 * with transB = 0) on the weight-only kernels when its weight is a narrow
 * constant (int8/int4 codes or f16); false to
 * leave it to the f32 gemm. ex_is_wo_gemm: a step planned that way. */
bool ex_plan_wo_gemm(qcc_executor *ex, MlirOperation op, ex_step *s, qcc_status_t *st);
bool ex_is_wo_gemm(const ex_step *s);
/* qcc dtype of an element type (quant types: their storage). */
bool ex_dtype_of(MlirType elem, qcc_npy_dtype_t *out);
/* qrt's dtype for a npy dtype, false if qrt has none. */
bool ex_qrt_dtype(qcc_npy_dtype_t t, qrt_dtype_t *out);
/* qrt's full element type of a slot (bf16 included), false if none. */
bool ex_qrt_type(const ex_slot *s, qrt_type_t *out);
/* A status for a qrt kernel failure in step s. */
qcc_status_t ex_kernel_error(const ex_step *s, qrt_status_t st);

#endif
