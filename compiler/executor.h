/* executor.h — run a qcc module's @main on the host with libqrt's kernels.
 *
 * What it is for: calibration (the graph runs hundreds of times on calibration
 * batches), sensitivity analysis, comparing float and quantized outputs,
 * conformance tests and `qcc run`. ARCHITECTURE.md, "The executor".
 *
 * Compile once, run many times. qcc_executor_create walks @main ONCE and
 * builds a plan: a flat array of steps whose operands are resolved to tensor
 * slots, whose attributes are decoded, whose constant convolution / gemm /
 * matmul weights are pre-packed for the active microkernel, and whose
 * broadcast strides are precomputed. Steps whose operands are all constants
 * are evaluated at plan time (so a dequantized weight feeding a conv is packed
 * like any other weight). A Relu or Clip whose operand comes from an f32
 * convolution or binary op that nothing else reads becomes that step's output
 * clamp (no step of its own), and an Add of a constant bias to a qgemm_dynamic's
 * result becomes part of that Linear's epilogue (packed with its weights; the
 * same bits; not with an after_step hook, which sees each op's own value);
 * qcc_executor_options.no_activation_fusion turns both off.
 * Running the plan costs kernel time only.
 *
 * Memory. Liveness is computed at plan time: an activation's buffer goes back
 * to a pool right after its last reader ran (views such as reshape share their
 * source's buffer and extend its life). The pool keeps the buffers across runs,
 * so after the first run no memory is allocated except the outputs handed to
 * the caller. Unary ops run in place when their input dies there. Peak live
 * activation bytes are computed at plan time (qcc_executor_get_stats).
 *
 * Element types: f32, f16, i1 (one byte per value, 0/1), i8, u8 (ui8), i16,
 * u16, i32, u32, i64, u64, f64, and quant types (!quant.uniform, per tensor or
 * per axis), which are held in their storage type. Float compute runs in f32;
 * quantized ops (qconv2d, qgemm, ...) on their 8-bit storage with libqrt's
 * int8 kernels; integer and other float types through qrt_int.h.
 *
 * Ownership: the module is only read by create; it may be destroyed while the
 * executor lives. Tensors passed to run are borrowed; outputs are owned by the
 * caller (qcc_npy_tensor_free). Not thread-safe: one run at a time per executor.
 */
#ifndef QCC_EXECUTOR_H
#define QCC_EXECUTOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlir-c/IR.h"
#include "npy.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qcc_executor qcc_executor;

/* On a qcc.qconv2d or qcc.qgemm (qcc-precompute-requant): array<f32>, the
 * requantization multiplier of each output channel. The plan packs these
 * instead of computing them (docs/numerics.md, "Requantization"). */
#define QCC_ATTR_REQUANT_MULTIPLIER "qcc.requant_multiplier"

/* On a qcc.qconv2d, qcc.qgemm or qcc.qgemm_dynamic (qcc-pack-weights): the op's
 * weights, bias and multipliers packed for a target's microkernel, as libqrt's
 * packed buffer (qrt_q8.h: header, multipliers, bias, the row's layout; cut
 * at the bytes the kernels read), tensor<Nxi8>; and the row's name
 * (qrt_isa_name of the header's variant). The plan copies these bytes instead
 * of packing the weights operand; an op without them is packed as before. The
 * module records the target: QCC_ATTR_PACKED_TARGET. */
#define QCC_ATTR_PACKED_WEIGHTS "qcc.packed_weights"
#define QCC_ATTR_PACKED_VARIANT "qcc.packed_variant"
#define QCC_ATTR_PACKED_TARGET "qcc.packed_target"

/* On the op defining an int8 activation (qcc-select-layout): i64 k >= 1, the
 * activation is in class k of the blocked layout NCHW4C (qrt_q8.h,
 * qrt_layout_t); absent: NCHW. The plan runs class k blocked when every
 * qconv2d writing or reading it is packed for a row that supports it
 * (qrt_q8_conv2d_layout_supported), else NCHW; values are the same either way. */
#define QCC_ATTR_LAYOUT_GROUP "qcc.layout_group"

/* Called by every qcc.observe op, on every run, with the op's `id` attribute
 * and the observed value (borrowed for the duration of the call; data is
 * read-only). The value then passes through unchanged. A non-OK status stops
 * the run and is returned by qcc_executor_run (annotated with the op). */
typedef qcc_status_t (*qcc_observe_fn)(void *user_data, int64_t id, const qcc_npy_tensor_t *value);

/* Called after every step of the plan, on every run, once per result of the
 * step's op: op_index is the op's position in @main's body (0 for its first
 * op; constants and views count), value is borrowed for the call. Ops with no
 * step have no call: constants, views, ops evaluated at plan time, and a
 * Relu/Clip folded into its producer's clamp (that producer's call then sees
 * the clamped value; set no_activation_fusion to see both). (A bias Add is
 * not folded into a qgemm_dynamic when this hook is set.) For looking
 * inside a run (qcc compare); a non-OK status stops the run. */
typedef qcc_status_t (*qcc_step_fn)(void *user_data, int op_index, int result, const qcc_npy_tensor_t *value);

typedef struct {
  qcc_observe_fn observe; /* NULL: observe ops are plain identities */
  void *observe_user_data;
  bool no_activation_fusion; /* keep every Relu/Clip, and every bias Add after a qgemm_dynamic, a step of
                                its own (tests compare both) */
  qcc_step_fn after_step;    /* NULL: no call */
  void *step_user_data;
  int threads; /* 0 or 1: one thread; K > 1: the int8 and f32 convolutions and gemms run on a
                  pool of K threads (libqrt's _mt kernels; the same bytes as one thread) */
} qcc_executor_options;

/* Compile m's func.func @main into a plan. o may be NULL. Errors:
 * UNSUPPORTED naming the op and its location for an op (or type) the executor
 * cannot run, INVALID for an inconsistent module. On error *out is NULL. */
qcc_status_t qcc_executor_create(MlirModule m, const qcc_executor_options *o, qcc_executor **out);
void qcc_executor_destroy(qcc_executor *ex);

/* Inputs and outputs, in @main's argument / result order. Names are the
 * qcc.name attributes ("" if absent), owned by the executor. spec gets dtype,
 * rank and shape (data NULL, nbytes the expected size). */
int qcc_executor_num_inputs(const qcc_executor *ex);
int qcc_executor_num_outputs(const qcc_executor *ex);
const char *qcc_executor_input_name(const qcc_executor *ex, int i);
const char *qcc_executor_output_name(const qcc_executor *ex, int i);
void qcc_executor_input_spec(const qcc_executor *ex, int i, qcc_npy_tensor_t *spec);
void qcc_executor_output_spec(const qcc_executor *ex, int i, qcc_npy_tensor_t *spec);
/* Index of the input called name, or -1. */
int qcc_executor_find_input(const qcc_executor *ex, const char *name);

/* Run the plan. inputs[0..num_inputs) in argument order, each exactly of its
 * spec's dtype and shape (else INVALID naming the input, expected and got).
 * outputs[0..num_outputs) are filled with tensors the caller owns; on error
 * they are left zeroed. */
qcc_status_t qcc_executor_run(qcc_executor *ex, const qcc_npy_tensor_t *inputs, qcc_npy_tensor_t *outputs);

typedef struct {
  int n_steps;                  /* kernel steps in the plan (after folding) */
  int n_folded;                 /* ops evaluated at plan time */
  int n_fused;                  /* Relu/Clip ops folded into their producer's output clamp, bias Adds
                                   into a qgemm_dynamic's epilogue */
  size_t peak_activation_bytes; /* max bytes of live activations (outputs included,
                                   graph inputs and constants excluded) */
  size_t constant_bytes;        /* constants and packed weights held by the plan */
  size_t scratch_bytes;         /* the one scratch buffer shared by all steps */
  size_t pool_bytes;            /* activation buffers currently held by the pool */
} qcc_executor_stats;
void qcc_executor_get_stats(const qcc_executor *ex, qcc_executor_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* QCC_EXECUTOR_H */
