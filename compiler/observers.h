/* observers.h — calibration observers: running statistics of a tensor's
 * values, turned into quantization parameters (scale, zero point).
 *
 * What it is for: the calibrate stage runs the float graph on calibration
 * batches; every observed tensor has one observer; each batch is fed to it
 * with qcc_observer_update; convert asks qcc_observer_qparams for the scale
 * and zero point of the spec the quantizer chose. Pure C, no MLIR.
 *
 * Kinds (docs/observers.md gives each algorithm exactly):
 *   MINMAX                running min and max.
 *   MOVING_AVG_MINMAX     min and max averaged over batches (constant c).
 *   HISTOGRAM             2048-bin histogram, range chosen by an L2 search.
 *   PERCENTILE            range clipped at a percentile of the values.
 *   ENTROPY               range clipped where the KL divergence between the
 *                         histogram and its quantized form is smallest
 *                         (TensorRT's calibration; for an affine spec on
 *                         data of both signs, one threshold per tail).
 *   PER_CHANNEL_MINMAX, PER_CHANNEL_MOVING_AVG   the first two, per channel.
 * MINMAX, MOVING_AVG_MINMAX, HISTOGRAM and the per-channel kinds give the
 * same scale and zero point as PyTorch 1.13's MinMaxObserver,
 * MovingAverageMinMaxObserver, HistogramObserver, PerChannelMinMaxObserver
 * and MovingAveragePerChannelMinMaxObserver, bit for bit (test/observers),
 * with PyTorch's minimum scale (qcc_qspec_int8_torch); qcc's default floor
 * (qcc_qspec_int8) gives the same bits except for ranges below ~3e-5, which
 * PyTorch clamps to scale 2^-23.
 * PyTorch 1.13 has no percentile or entropy observer.
 *
 * Memory: fixed at create (bins for the histogram kinds, channels for the
 * per-channel ones), never grows with the number of batches or values.
 * Determinism: the same batches in the same order give the same bits.
 *
 * Errors are values (status.h). update refuses NaN and infinities with
 * QCC_ERR_INVALID and leaves the observer as it was; the caller annotates
 * the status with the tensor's name.
 *
 * Threads: no global state, distinct observers may be used concurrently.
 * One observer is not thread-safe, not even its const functions:
 * chosen_range and qparams use the observer's scratch memory.
 */
#ifndef QCC_OBSERVERS_H
#define QCC_OBSERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QCC_OBSERVER_MINMAX = 0,
  QCC_OBSERVER_MOVING_AVG_MINMAX,
  QCC_OBSERVER_HISTOGRAM,
  QCC_OBSERVER_PERCENTILE,
  QCC_OBSERVER_ENTROPY,
  QCC_OBSERVER_PER_CHANNEL_MINMAX,
  QCC_OBSERVER_PER_CHANNEL_MOVING_AVG,
} qcc_observer_kind;

/* Which range each batch's histogram covers (HISTOGRAM only).
 * EXACT_RANGE: the batch is binned over the observer's float range.
 * TORCH113: as PyTorch 1.13 does, over [trunc(min), trunc(max)] (its
 *   HistogramObserver passes int(min_val), int(max_val) to torch.histc);
 *   values outside that interval are dropped, and when both ends truncate
 *   to the same integer the batch is binned over its own min and max. The
 *   bins are then read as if they covered the float range. Use it to
 *   reproduce PyTorch 1.13's numbers; EXACT_RANGE is what the algorithm
 *   means and equals TORCH113 whenever min and max are integers. */
typedef enum {
  QCC_HISTOGRAM_EXACT_RANGE = 0,
  QCC_HISTOGRAM_TORCH113 = 1,
} qcc_histogram_range;

typedef struct {
  qcc_observer_kind kind;
  /* MOVING_AVG kinds: min += c * (batch_min - min). Range (0, 1]. 0.01. */
  double averaging_constant;
  /* HISTOGRAM, PERCENTILE, ENTROPY: number of bins. 2048. */
  int32_t bins;
  /* HISTOGRAM: each old bin is split into this many when the range grows
   * (PyTorch's upsample_rate). 128. */
  int32_t upsample_rate;
  qcc_histogram_range histogram_range; /* HISTOGRAM. EXACT_RANGE. */
  /* PERCENTILE: keep this percentage of the values. Range [50, 100]. 99.99. */
  double percentile;
  /* PERCENTILE: true: statistics of |x|, the range is [-T, T] (clipped to
   * the observed range for affine specs); false: both tails are clipped
   * separately. true. (ENTROPY does not use it: |x| for symmetric specs,
   * each tail on its own for affine specs on data of both signs.) */
  bool symmetric;
  /* Per-channel kinds: the channel axis (negative counts from the end) and
   * the number of channels every batch must have along it. */
  int32_t channel_axis;
  int64_t num_channels;
} qcc_observer_config;

/* Fill cfg with the defaults above for kind (channel_axis 0, num_channels 0:
 * set num_channels for per-channel kinds). */
void qcc_observer_config_init(qcc_observer_config *cfg, qcc_observer_kind kind);

/* The quantized type a range is mapped to. */
typedef struct {
  int32_t qmin, qmax; /* e.g. 0..255, -128..127; reduce_range 0..127, -64..63 */
  int32_t bits;       /* storage width (8); HISTOGRAM searches 2^bits levels,
                         as PyTorch does even when the range is reduced */
  bool symmetric;     /* zero point fixed (0 if qmin < 0, else the middle) */
  /* The smallest scale of a non-empty range; an all-zero range gets
   * max(QCC_QSPEC_TORCH_EPS, eps). qcc's default QCC_QSPEC_MIN_SCALE (2^-63);
   * QCC_QSPEC_TORCH_EPS (FLT_EPSILON, 2^-23) is PyTorch's eps and gives its
   * parameters exactly (it zeroes every tensor whose range is below ~3e-5). */
  float eps;
} qcc_qspec;

/* qcc's floor for a non-empty range: 2^-63, so that products of two scales
 * (bias scale s_in * s_w) stay normal floats (>= FLT_MIN) and the
 * requantization multipliers finite (docs/numerics.md, "Minimum scale"). The
 * same value as libqrt's QRT_QUANT_MIN_SCALE. */
#define QCC_QSPEC_MIN_SCALE 0x1p-63f
/* PyTorch's eps: torch.finfo(torch.float32).eps = FLT_EPSILON = 2^-23; also
 * the scale of an all-zero range in both modes. */
#define QCC_QSPEC_TORCH_EPS 0x1p-23f

/* PyTorch's default integer ranges: quint8 (0..255) or qint8 (-128..127),
 * halved by reduce_range (0..127, -64..63), 8 bits, eps QCC_QSPEC_MIN_SCALE
 * (qcc's default floor). */
qcc_qspec qcc_qspec_int8(bool is_signed, bool symmetric, bool reduce_range);
/* The same with eps QCC_QSPEC_TORCH_EPS: PyTorch 1.13's qparams bit for bit. */
qcc_qspec qcc_qspec_int8_torch(bool is_signed, bool symmetric, bool reduce_range);

/* Scale and zero point for the range [min, max], as PyTorch 1.13's
 * _calculate_qparams (float32 arithmetic; exactly it when eps is
 * QCC_QSPEC_TORCH_EPS):
 *   the range is widened to contain 0: lo = min(min, 0), hi = max(max, 0);
 *   symmetric: scale = max(-lo, hi) / ((qmax - qmin) / 2), clamped below by
 *     eps; zero point 0 when qmin < 0, else (qmin + qmax + 1) / 2 (128 for
 *     0..255; PyTorch refuses symmetric 0..127);
 *   affine: scale = (hi - lo) / (qmax - qmin), clamped below by eps;
 *     zero point = qmin - round_half_even(lo / scale), clamped to [qmin, qmax];
 *   an all-zero range (lo == hi == 0): scale max(QCC_QSPEC_TORCH_EPS, eps).
 * Errors: USAGE for a bad spec (qmin < qmax, 0 in [qmin, qmax], eps > 0 and
 * finite, 1 <= bits <= 32), INVALID for min > max or a non-finite bound,
 * UNSUPPORTED when the scale overflows float32. */
qcc_status_t qcc_qparams_from_range(float min, float max, const qcc_qspec *spec, float *out_scale,
                                    int32_t *out_zero_point);

typedef struct qcc_observer qcc_observer;

/* Make an observer. USAGE naming the field for a bad config. On error *out
 * is NULL. The config is copied. */
qcc_status_t qcc_observer_create(const qcc_observer_config *cfg, qcc_observer **out);
void qcc_observer_destroy(qcc_observer *obs);

/* Add one batch: data holds prod(shape[0..rank)) floats, row-major (rank 0
 * is a scalar). The data is only read during the call. Per-channel kinds
 * need shape[channel_axis] == num_channels. An empty batch changes nothing.
 * Errors (the observer is unchanged): INVALID for a NaN or an infinity
 * (naming it and its flat index) or a negative dimension, USAGE for a shape
 * without the channel axis or with the wrong number of channels,
 * UNSUPPORTED when a HISTOGRAM's range grows by more than it can re-bin
 * (a factor above ~1e13 in one batch; PyTorch runs out of memory there). */
qcc_status_t qcc_observer_update(qcc_observer *obs, const float *data, const int64_t *shape, int rank);

/* 1 for per-tensor kinds, num_channels for per-channel kinds. */
int64_t qcc_observer_num_channels(const qcc_observer *obs);
/* Number of non-empty batches seen. */
int64_t qcc_observer_num_batches(const qcc_observer *obs);

/* The observer's statistics per channel, into out_min/out_max[num_channels]:
 * the running min/max (their moving averages for the MOVING_AVG kinds; the
 * exact min/max of everything seen for the histogram kinds). INVALID if no
 * batch was seen. */
qcc_status_t qcc_observer_observed_range(const qcc_observer *obs, float *out_min, float *out_max);

/* The range the observer hands to qcc_qparams_from_range for spec: the
 * observed range, or for HISTOGRAM / PERCENTILE / ENTROPY the clipped range
 * their search chose. Per channel. INVALID if no batch was seen, USAGE for a
 * bad spec. */
qcc_status_t qcc_observer_chosen_range(const qcc_observer *obs, const qcc_qspec *spec, float *out_min,
                                       float *out_max);

/* Scale and zero point per channel into out_scales/out_zero_points
 * [num_channels]: qcc_qparams_from_range(chosen range, spec). */
qcc_status_t qcc_observer_qparams(const qcc_observer *obs, const qcc_qspec *spec, float *out_scales,
                                  int32_t *out_zero_points);

/* HISTOGRAM, PERCENTILE, ENTROPY: copy the histogram (bins counts, as
 * doubles; HISTOGRAM's are float32 values, fractional after its range grew)
 * and the interval the bins span, [*out_lo, *out_hi] (for HISTOGRAM:
 * PyTorch's min_val and max_val). ENTROPY does not count exact zeros.
 * n must be >= bins. Before any batch, or while every value seen so far was
 * the same for PERCENTILE / ENTROPY, the counts are all 0 and the interval
 * [0, 0]. USAGE for another kind. */
qcc_status_t qcc_observer_histogram(const qcc_observer *obs, double *out_counts, int32_t n, double *out_lo,
                                    double *out_hi);

/* Bytes the observer holds (struct and arrays); fixed at create. */
size_t qcc_observer_state_bytes(const qcc_observer *obs);

#ifdef __cplusplus
}
#endif
#endif /* QCC_OBSERVERS_H */
