/* observers.c — calibration observers (observers.h; algorithms and the
 * PyTorch 1.13 equivalence in docs/observers.md).
 *
 * Matching PyTorch bit for bit means doing each step in the precision
 * PyTorch does it in. PyTorch's observers hold float32 tensors; an
 * operation between a float32 tensor and a Python number (a double) casts
 * the number to float32 first and computes in float32, comparisons
 * included; .item() turns a float32 into a double, and arithmetic between
 * Python numbers is double. The comments below say, step by step, which one
 * applies. Two reductions have an order that changes their rounding:
 * torch.cumsum of float32 accumulates in double, sequentially
 * (cumsum_f32); torch.sum of float32 is ATen's cascade sum
 * (torch_sum_f32).
 *
 * Every product below must be rounded before it is added: no fused
 * multiply-add. GCC contracts a*b+c by default in GNU C mode on targets
 * with FMA (aarch64, x86 with -mfma); the pragmas turn that off here. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "observers.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * State */

struct qcc_observer {
  qcc_observer_config cfg;
  int64_t channels; /* 1, or cfg.num_channels for the per-channel kinds */
  int64_t batches;
  /* [channels]: the running min/max (MINMAX), their moving averages
   * (MOVING_AVG), the exact min/max of all values (histogram kinds). */
  float *min, *max;

  /* HISTOGRAM: PyTorch's state (histogram, min_val, max_val), plus scratch
   * for the next batch's histogram and the combine step. */
  float *hist, *hist_new;
  double *integral;
  float hmin, hmax;

  /* PERCENTILE, ENTROPY: integer counts on a grid that only ever merges
   * whole bins (see grid_grow). Bin k covers [lo + k*width, lo + (k+1)*width).
   * Until the values seen span a non-empty interval there is no grid; they
   * are all equal to pending_value and counted in pending. */
  uint64_t *counts, *counts_tmp;
  /* ENTROPY: counts_neg[k] is how many of counts[k] came from negative
   * values (same grid; the positive tail is counts - counts_neg), and
   * counts_tail is scratch for one tail's counts. */
  uint64_t *counts_neg, *counts_tail;
  uint64_t pending_neg; /* ENTROPY: how many of pending were negative */
  bool abs_values; /* the grid holds |x| (lo is then 0) */
  bool skip_zeros; /* ENTROPY: exact zeros are not counted (see entropy_threshold) */
  bool have_grid;
  double lo, width;
  uint64_t pending;
  float pending_value;

  size_t bytes;
};

void qcc_observer_config_init(qcc_observer_config *cfg, qcc_observer_kind kind) {
  memset(cfg, 0, sizeof *cfg);
  cfg->kind = kind;
  cfg->averaging_constant = 0.01; /* PyTorch's default */
  cfg->bins = 2048;               /* PyTorch's HistogramObserver default */
  cfg->upsample_rate = 128;       /* ditto */
  cfg->histogram_range = QCC_HISTOGRAM_EXACT_RANGE;
  cfg->percentile = 99.99;
  cfg->symmetric = true;
  cfg->channel_axis = 0;
  cfg->num_channels = 0;
}

qcc_qspec qcc_qspec_int8(bool is_signed, bool symmetric, bool reduce_range) {
  qcc_qspec s;
  /* torch.ao.quantization.utils.calculate_qmin_qmax without a custom range */
  if (is_signed) {
    s.qmin = reduce_range ? -64 : -128;
    s.qmax = reduce_range ? 63 : 127;
  } else {
    s.qmin = 0;
    s.qmax = reduce_range ? 127 : 255;
  }
  s.bits = 8;
  s.symmetric = symmetric;
  s.eps = QCC_QSPEC_MIN_SCALE; /* qcc's floor; PyTorch's is QCC_QSPEC_TORCH_EPS */
  return s;
}

qcc_qspec qcc_qspec_int8_torch(bool is_signed, bool symmetric, bool reduce_range) {
  qcc_qspec s = qcc_qspec_int8(is_signed, symmetric, reduce_range);
  s.eps = QCC_QSPEC_TORCH_EPS; /* torch.finfo(torch.float32).eps */
  return s;
}

static bool is_histogram_kind(qcc_observer_kind k) {
  return k == QCC_OBSERVER_HISTOGRAM || k == QCC_OBSERVER_PERCENTILE || k == QCC_OBSERVER_ENTROPY;
}
static bool is_per_channel_kind(qcc_observer_kind k) {
  return k == QCC_OBSERVER_PER_CHANNEL_MINMAX || k == QCC_OBSERVER_PER_CHANNEL_MOVING_AVG;
}
static bool is_moving_kind(qcc_observer_kind k) {
  return k == QCC_OBSERVER_MOVING_AVG_MINMAX || k == QCC_OBSERVER_PER_CHANNEL_MOVING_AVG;
}

static qcc_status_t check_spec(const qcc_qspec *spec) {
  if (!spec) return qcc_status_make(QCC_ERR_USAGE, "quantization spec is NULL");
  if (!(spec->qmin < spec->qmax) || spec->qmin > 0 || spec->qmax < 0)
    return qcc_status_make(QCC_ERR_USAGE,
                           "quantization spec: qmin %d, qmax %d: need qmin < qmax and 0 in [qmin, qmax]",
                           (int)spec->qmin, (int)spec->qmax);
  if (!(spec->eps > 0.0f) || !isfinite(spec->eps))
    return qcc_status_make(QCC_ERR_USAGE, "quantization spec: eps %g: need a finite eps > 0", (double)spec->eps);
  if (spec->bits < 1 || spec->bits > 32)
    return qcc_status_make(QCC_ERR_USAGE, "quantization spec: bits %d: need 1 to 32", (int)spec->bits);
  if ((int64_t)spec->qmax - spec->qmin + 1 > ((int64_t)1 << spec->bits))
    return qcc_status_make(QCC_ERR_USAGE, "quantization spec: %d..%d does not fit in %d bits", (int)spec->qmin,
                           (int)spec->qmax, (int)spec->bits);
  return NULL;
}

/* ---------------------------------------------------------------------------
 * Scale and zero point from a range: PyTorch 1.13 _calculate_qparams. */

/* An all-zero range: PyTorch's eps (any positive scale represents it; the
 * larger one keeps the multipliers of the layers that read it moderate), or
 * the spec's floor if that is larger. With eps = QCC_QSPEC_TORCH_EPS this is
 * PyTorch's max(scale, eps). */
static float empty_scale(const qcc_qspec *spec) {
  return spec->eps > QCC_QSPEC_TORCH_EPS ? spec->eps : QCC_QSPEC_TORCH_EPS;
}

qcc_status_t qcc_qparams_from_range(float min, float max, const qcc_qspec *spec, float *out_scale,
                                    int32_t *out_zero_point) {
  QCC_RETURN_IF_ERROR(check_spec(spec));
  if (!isfinite(min) || !isfinite(max))
    return qcc_status_make(QCC_ERR_INVALID, "range [%g, %g] is not finite", (double)min, (double)max);
  if (!(min <= max))
    return qcc_status_make(QCC_ERR_INVALID, "range [%g, %g]: min is larger than max", (double)min, (double)max);
  /* torch.min(min_val, zeros), torch.max(max_val, zeros): float32 */
  float lo = min < 0.0f ? min : 0.0f;
  float hi = max > 0.0f ? max : 0.0f;
  float scale;
  int32_t zp;
  /* float(quant_max - quant_min) is a Python float; dividing the float32
   * tensor by it casts it to float32 (exact: an integer below 2^24). */
  double qrange = (double)spec->qmax - (double)spec->qmin;
  if (spec->symmetric) {
    float amax = -lo > hi ? -lo : hi;
    scale = amax / (float)(qrange / 2.0); /* Python float (q)/2, cast to float32 */
    scale = scale > spec->eps ? scale : spec->eps;
    if (lo == hi) scale = empty_scale(spec);
    /* PyTorch: 0 for qint8, 128 for quint8 (its default 0..255 range). */
    zp = spec->qmin < 0 ? 0 : (int32_t)(((int64_t)spec->qmin + spec->qmax + 1) / 2);
  } else {
    scale = (hi - lo) / (float)qrange;
    scale = scale > spec->eps ? scale : spec->eps;
    if (lo == hi) scale = empty_scale(spec);
    if (!isfinite(scale))
      return qcc_status_make(QCC_ERR_UNSUPPORTED, "range [%g, %g] is too wide: its scale overflows float32",
                             (double)min, (double)max);
    /* quant_min - torch.round(min_val_neg / scale).to(torch.int), then clamp;
     * torch.round rounds half to even, as nearbyintf does in the default mode.
     * |lo / scale| <= qmax - qmin (scale >= (hi - lo) / (qmax - qmin)), so the
     * conversion to int32 cannot overflow. */
    float r = nearbyintf(lo / scale);
    int64_t z = (int64_t)spec->qmin - (int64_t)r;
    zp = (int32_t)(z < spec->qmin ? spec->qmin : z > spec->qmax ? spec->qmax : z);
  }
  if (!isfinite(scale))
    return qcc_status_make(QCC_ERR_UNSUPPORTED, "range [%g, %g] is too wide: its scale overflows float32",
                           (double)min, (double)max);
  *out_scale = scale;
  *out_zero_point = zp;
  return NULL;
}

/* ---------------------------------------------------------------------------
 * Reductions in PyTorch's order. */

/* torch.sum of a contiguous float32 vector on CPU (ATen SumKernel.cpp,
 * cascade_sum), as dispatched to the AVX2 kernels (8 float lanes), which is
 * what PyTorch 1.13 picks on x86-64 (its default even where AVX-512 exists).
 * The order: lanes of 8 consecutive values are accumulated as vectors;
 * vectors are grouped 4 at a time ("ilp") and each of the 4 streams is
 * summed by multi_row_sum, which adds 2^p values into a level-0 accumulator
 * and carries into 3 coarser levels (p = max(4, ceil(log2(n)) / 4)); the 4
 * streams are added, then the 8 lanes left to right. Vectors shorter than
 * 8 values go through the same scheme on scalars. */
#define TORCH_SUM_LANES 8
#define TORCH_SUM_ILP 4
#define TORCH_SUM_LEVELS 4

static int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  int64_t r = 0;
  uint64_t v = (uint64_t)(x - 1);
  while (v) {
    r++;
    v >>= 1;
  }
  return r;
}

/* multi_row_sum over `size` rows of ILP columns, each column `width` float
 * lanes wide: element (row i, column k, lane w) is at x[(i*ILP + k)*width + w].
 * Accumulates into out[ILP][width]. */
static void multi_row_sum(const float *x, int64_t size, int width, float out[TORCH_SUM_ILP][TORCH_SUM_LANES]) {
  const int64_t level_power = ceil_log2(size) / TORCH_SUM_LEVELS > 4 ? ceil_log2(size) / TORCH_SUM_LEVELS : 4;
  const int64_t level_step = (int64_t)1 << level_power;
  const int64_t level_mask = level_step - 1;
  float acc[TORCH_SUM_LEVELS][TORCH_SUM_ILP][TORCH_SUM_LANES];
  memset(acc, 0, sizeof acc);
  int64_t i = 0;
  while (i + level_step <= size) {
    for (int64_t j = 0; j < level_step; ++j, ++i)
      for (int k = 0; k < TORCH_SUM_ILP; ++k)
        for (int w = 0; w < width; ++w) acc[0][k][w] += x[(i * TORCH_SUM_ILP + k) * width + w];
    for (int j = 1; j < TORCH_SUM_LEVELS; ++j) {
      for (int k = 0; k < TORCH_SUM_ILP; ++k)
        for (int w = 0; w < width; ++w) {
          acc[j][k][w] += acc[j - 1][k][w];
          acc[j - 1][k][w] = 0.0f;
        }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < size; ++i)
    for (int k = 0; k < TORCH_SUM_ILP; ++k)
      for (int w = 0; w < width; ++w) acc[0][k][w] += x[(i * TORCH_SUM_ILP + k) * width + w];
  for (int j = 1; j < TORCH_SUM_LEVELS; ++j)
    for (int k = 0; k < TORCH_SUM_ILP; ++k)
      for (int w = 0; w < width; ++w) acc[0][k][w] += acc[j][k][w];
  memcpy(out, acc[0], sizeof acc[0]);
}

static float torch_sum_f32(const float *x, int64_t n) {
  float part[TORCH_SUM_ILP][TORCH_SUM_LANES];
  /* Shorter than one vector: the same scheme with 1-wide "vectors". */
  const int width = n >= TORCH_SUM_LANES ? TORCH_SUM_LANES : 1;
  const int64_t nvec = n / width;        /* whole vectors */
  const int64_t rows = nvec / TORCH_SUM_ILP; /* rows of ILP vectors */
  multi_row_sum(x, rows, width, part);
  for (int64_t v = rows * TORCH_SUM_ILP; v < nvec; ++v)
    for (int w = 0; w < width; ++w) part[0][w] += x[v * width + w];
  for (int k = 1; k < TORCH_SUM_ILP; ++k)
    for (int w = 0; w < width; ++w) part[0][w] += part[k][w];
  /* The result is added to a zero-filled output (CastStoreAccumulate). */
  if (width == 1) return 0.0f + part[0][0];
  float s = 0.0f;
  for (int64_t t = nvec * width; t < n; ++t) s += x[t]; /* tail after the vectors */
  for (int w = 0; w < width; ++w) s += part[0][w];
  return 0.0f + s;
}

/* torch.cumsum of float32: a double accumulator, each prefix rounded to float. */
static void cumsum_f32(const float *x, int64_t n, float *out) {
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    acc += (double)x[i];
    out[i] = (float)acc;
  }
}

/* ---------------------------------------------------------------------------
 * Batch checks */

static qcc_status_t batch_numel(const int64_t *shape, int rank, int64_t *out) {
  if (rank < 0) return qcc_status_make(QCC_ERR_USAGE, "batch has negative rank %d", rank);
  if (rank > 0 && !shape) return qcc_status_make(QCC_ERR_USAGE, "batch of rank %d has no shape", rank);
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0) return qcc_status_make(QCC_ERR_INVALID, "batch dimension %d is negative (%lld)", i, (long long)shape[i]);
    if (shape[i] != 0 && n > INT64_MAX / shape[i])
      return qcc_status_make(QCC_ERR_INVALID, "batch has more than 2^63 elements");
    n *= shape[i];
  }
  *out = n;
  return NULL;
}

static void format_shape(const int64_t *shape, int rank, char *buf, size_t size) {
  size_t at = 0;
  at += (size_t)snprintf(buf + at, size - at, "[");
  for (int i = 0; i < rank && at < size; ++i)
    at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (at < size) snprintf(buf + at, size - at, "]");
}

/* NaN or an infinity would poison every statistic: refuse the batch. */
static qcc_status_t check_finite(const float *x, int64_t n, const int64_t *shape, int rank) {
  for (int64_t i = 0; i < n; ++i) {
    if (!isfinite(x[i])) {
      char s[160];
      format_shape(shape, rank, s, sizeof s);
      return qcc_status_make(QCC_ERR_INVALID, "value %s at flat index %lld of a batch of shape %s: calibration data must be finite",
                             isnan(x[i]) ? "NaN" : x[i] > 0 ? "+inf" : "-inf", (long long)i, s);
    }
  }
  return NULL;
}

/* torch.aminmax: min and max, exact in any order for finite values. */
static void aminmax(const float *x, int64_t n, float *mn, float *mx) {
  float a = x[0], b = x[0];
  for (int64_t i = 1; i < n; ++i) {
    if (x[i] < a) a = x[i];
    if (x[i] > b) b = x[i];
  }
  *mn = a;
  *mx = b;
}

/* ---------------------------------------------------------------------------
 * MINMAX, MOVING_AVG_MINMAX and their per-channel forms.
 * MinMaxObserver: min_val = torch.min(batch_min, min_val) (float32).
 * MovingAverage*: the first batch sets min/max; then
 *   min_val = min_val + c * (batch_min - min_val)
 * where c (a Python float) is cast to float32 and each operation rounds. */

static void running_update(qcc_observer *o, int64_t c, float bmin, float bmax) {
  if (o->batches == 0) {
    o->min[c] = bmin;
    o->max[c] = bmax;
  } else if (is_moving_kind(o->cfg.kind)) {
    const float k = (float)o->cfg.averaging_constant;
    float dmin = bmin - o->min[c];
    float dmax = bmax - o->max[c];
    float smin = k * dmin;
    float smax = k * dmax;
    o->min[c] = o->min[c] + smin;
    o->max[c] = o->max[c] + smax;
  } else {
    if (bmin < o->min[c]) o->min[c] = bmin;
    if (bmax > o->max[c]) o->max[c] = bmax;
  }
}

static qcc_status_t per_channel_update(qcc_observer *o, const float *x, const int64_t *shape, int rank) {
  int axis = o->cfg.channel_axis;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) {
    char s[160];
    format_shape(shape, rank, s, sizeof s);
    return qcc_status_make(QCC_ERR_USAGE, "batch of shape %s has no channel axis %d", s, (int)o->cfg.channel_axis);
  }
  if (shape[axis] != o->channels) {
    char s[160];
    format_shape(shape, rank, s, sizeof s);
    return qcc_status_make(QCC_ERR_USAGE, "batch of shape %s has %lld channels on axis %d, the observer expects %lld", s,
                           (long long)shape[axis], axis, (long long)o->channels);
  }
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (int i = axis + 1; i < rank; ++i) inner *= shape[i];
  const int64_t C = o->channels;
  if (inner == 0 || outer == 0) return NULL; /* unreachable: numel > 0 */
  for (int64_t c = 0; c < C; ++c) {
    float bmin = x[c * inner], bmax = bmin;
    for (int64_t a = 0; a < outer; ++a) {
      const float *p = x + (a * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        if (p[i] < bmin) bmin = p[i];
        if (p[i] > bmax) bmax = p[i];
      }
    }
    running_update(o, c, bmin, bmax);
  }
  return NULL;
}

/* ---------------------------------------------------------------------------
 * HISTOGRAM: PyTorch 1.13's HistogramObserver.
 *
 * State: hist[bins] (float32), hmin, hmax. A batch x with min m, max M:
 *  - first batch, or hmin == hmax: hmin, hmax = m, M and hist = histc(x, lo, hi)
 *    over [m, M] (TORCH113: [trunc(m), trunc(M)]);
 *  - otherwise the range becomes [cmin, cmax] = [min(m, hmin), max(M, hmax)],
 *    with cmax moved up so the new bin width is a whole multiple (the
 *    downsample rate d) of the old width / upsample_rate (_adjust_min_max);
 *    x is binned over it, and the old histogram is added: directly if the
 *    range did not change, else spread uniformly over upsample_rate
 *    sub-bins each and re-summed d sub-bins at a time (_combine_histograms).
 */

/* torch.histc(x, bins, min=lo, max=hi) on float32 (ATen Histogram.cpp, the
 * histc path: linear interpolation without local search). If lo == hi the
 * data's own min and max are used; if those are equal too, lo - 1 and hi + 1.
 * The edges become float32; a value v in [L, R] goes to bin
 *   (int64)(((v - L) * bins) / (R - L))     (float32; bins as float)
 * with v == R in the last bin; values outside [L, R] are not counted. Counts
 * are integers here; PyTorch accumulates them in float32, which is the same
 * while a bin holds fewer than 2^24 values of one batch. */
static void histc_f32(const float *x, int64_t n, int32_t bins, double lo, double hi, float dmin, float dmax,
                      float *out, uint32_t *tmp) {
  if (lo == hi) {
    lo = dmin;
    hi = dmax;
  }
  if (lo == hi) {
    lo -= 1.0;
    hi += 1.0;
  }
  const float L = (float)lo, R = (float)hi;
  const float span = R - L;
  const float fb = (float)bins;
  memset(tmp, 0, sizeof(uint32_t) * (size_t)bins);
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!(v >= L && v <= R)) continue;
    float t = (v - L) * fb;
    t = t / span;
    int64_t pos = (int64_t)t;
    if (pos >= bins) pos = bins - 1; /* pos == bins only for v == R */
    if (pos < 0) pos = 0;            /* unreachable for v >= L */
    tmp[pos]++;
  }
  for (int32_t b = 0; b < bins; ++b) out[b] = (float)tmp[b];
}

/* _combine_histograms(new, old, up, d, start): the old histogram spread over
 * bins*up sub-bins (each sub-bin old[j], the upsampled histogram, not
 * divided) placed at sub-bin `start` of a zero grid of bins*d sub-bins; a
 * double cumulative sum of that grid read at every d-th sub-bin
 * (integral[k] = sum of sub-bins 0 .. (k+1)d - 1); then
 *   new[k] += (float)((integral[k] - (float)integral[k-1]) / up)
 * in float32 (integral[-1] = 0). The shifted copy is a float32 tensor in
 * PyTorch, hence the rounding of integral[k-1]. PyTorch materializes the
 * bins*d sub-bins; here only the bins*up non-zero ones are walked (adding
 * zeros does not change a double sum), so memory stays O(bins). */
static void combine_histograms(float *new_hist, const float *old_hist, double *integral, int32_t bins, int64_t up,
                               int64_t d, int64_t start) {
  const int64_t total = (int64_t)bins * d;
  int64_t end = start + (int64_t)bins * up;
  if (end > total) end = total; /* PyTorch raises here; only rounding in start can get here */
  int64_t k = start / d;        /* bins whose last sub-bin lies before `start` have integral 0 */
  for (int64_t b = 0; b < k && b < bins; ++b) integral[b] = 0.0;
  int64_t next = (k + 1) * d - 1; /* last sub-bin of bin k */
  double acc = 0.0;
  for (int64_t f = start; f < end; ++f) {
    acc += (double)old_hist[(f - start) / up];
    if (f == next) {
      integral[k++] = acc;
      next += d;
    }
  }
  for (; k < bins; ++k) integral[k] = acc;
  for (int32_t b = 0; b < bins; ++b) {
    const double shifted = b == 0 ? 0.0 : (double)(float)integral[b - 1];
    const double interp = (integral[b] - shifted) / (double)up;
    new_hist[b] = new_hist[b] + (float)interp;
  }
}

static double hist_range_arg(const qcc_observer *o, float v) {
  /* int(tensor) truncates toward zero */
  return o->cfg.histogram_range == QCC_HISTOGRAM_TORCH113 ? trunc((double)v) : (double)v;
}

static qcc_status_t histogram_update(qcc_observer *o, const float *x, int64_t n, float bmin, float bmax) {
  const int32_t bins = o->cfg.bins;
  uint32_t *tmp = (uint32_t *)o->integral; /* scratch for histc's counts; integral is free until combine */
  if (o->batches == 0 || o->hmin == o->hmax) {
    o->hmin = bmin;
    o->hmax = bmax;
    histc_f32(x, n, bins, hist_range_arg(o, bmin), hist_range_arg(o, bmax), bmin, bmax, o->hist, tmp);
    return NULL;
  }
  const float cmin = bmin < o->hmin ? bmin : o->hmin;
  float cmax = bmax > o->hmax ? bmax : o->hmax;
  /* _adjust_min_max, all float32 except where noted:
   *   hist_bin_width = (max_val - min_val) / (bins * upsample_rate)
   *   downsample_rate = int(ceil((cmax - cmin) / (bins * hist_bin_width)))
   *   e = downsample_rate * (bins * hist_bin_width) - (cmax - cmin)
   *   cmax = cmax + e
   *   start_idx = int(round((min_val - cmin) / hist_bin_width)) */
  const int64_t up = o->cfg.upsample_rate;
  const float hbw = (o->hmax - o->hmin) / (float)((int64_t)bins * up);
  const float grid = (float)bins * hbw;
  const float crange = cmax - cmin;
  const float ratio = ceilf(crange / grid);
  /* PyTorch allocates bins * d floats; beyond this it fails for want of
   * memory (or on int(inf)). 2^62 / bins keeps bins * d in int64. */
  if (!(ratio >= 1.0f) || !((double)ratio * bins < 4.0e18) || !isfinite(grid) || hbw == 0.0f)
    return qcc_status_make(QCC_ERR_UNSUPPORTED,
                           "histogram range grew from [%g, %g] to [%g, %g] in one batch, too much to re-bin",
                           (double)o->hmin, (double)o->hmax, (double)cmin, (double)cmax);
  const int64_t d = (int64_t)ratio;
  const float e = (float)d * grid - crange;
  cmax = cmax + e;
  const float start_f = nearbyintf((o->hmin - cmin) / hbw);
  const int64_t start = (int64_t)start_f;

  histc_f32(x, n, bins, hist_range_arg(o, cmin), hist_range_arg(o, cmax), bmin, bmax, o->hist_new, tmp);
  if (cmin == o->hmin && cmax == o->hmax) {
    for (int32_t b = 0; b < bins; ++b) o->hist_new[b] = o->hist_new[b] + o->hist[b];
  } else {
    combine_histograms(o->hist_new, o->hist, o->integral, bins, up, d, start);
  }
  float *t = o->hist;
  o->hist = o->hist_new;
  o->hist_new = t;
  o->hmin = cmin;
  o->hmax = cmax;
  return NULL;
}

/* torch.div(a, b, rounding_mode='floor') on float32 (ATen div_floor_kernel):
 * Python's floor division, computed through fmod so that it agrees with %. */
static float torch_floordiv_f32(float a, float b) {
  if (b == 0.0f) return a / b;
  const float mod = fmodf(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) div = div - 1.0f;
  if (div == 0.0f) return copysignf(0.0f, a / b);
  float f = floorf(div);
  if (div - f > 0.5f) f = f + 1.0f;
  return f;
}

/* _compute_quantization_error(start, end): the L2 error of quantizing the
 * histogram with dst_nbins levels spread over bins [start, end]. Each source
 * bin's mass is taken as uniform (density = count / bin_width) and its
 * squared distance to the centre of the level it falls in is integrated:
 * from the bin's begin to the end of its first level, whole levels in
 * between, and from the start of its last level to the bin's end.
 * bin_width and dst_bin_width are Python floats (double); every tensor
 * expression is float32 with those doubles cast to float32. */
static double quantization_error(const qcc_observer *o, int32_t start, int32_t end, int64_t dst_nbins,
                                 float *norm, double unit) {
  const int32_t bins = o->cfg.bins;
  const double bw = ((double)o->hmax - (double)o->hmin) / (double)bins * unit;
  const double dbw = bw * (double)(end - start + 1) / (double)dst_nbins;
  if (dbw == 0.0) return 0.0;
  const float bwf = (float)bw;
  const float dbwf = (float)dbw;
  const float half = (float)(dbw / 2.0);    /* ones(bins) * delta_end, torch.tensor(dst_bin_width / 2) */
  const float nhalf = (float)(-dbw / 2.0);  /* torch.tensor(-dst_bin_width / 2) */
  const float lastd = (float)(dst_nbins - 1);
  /* _get_norm(tensor(-dbw/2), tensor(dbw/2), density) = density * mid */
  const float mid = ((half * half) * half - (nhalf * nhalf) * nhalf) / 3.0f;
  const float cube_nhalf = (nhalf * nhalf) * nhalf;
  const float cube_half = (half * half) * half;
  for (int32_t i = 0; i < bins; ++i) {
    const float sb = (float)(i - start) * bwf; /* src_bin_begin */
    const float se = sb + bwf;                 /* src_bin_end */
    /* torch.div(.., rounding_mode='floor'), then clamp(0, dst_nbins - 1) */
    float db = torch_floordiv_f32(sb, dbwf), de = torch_floordiv_f32(se, dbwf);
    db = db < 0.0f ? 0.0f : db > lastd ? lastd : db;
    de = de < 0.0f ? 0.0f : de > lastd ? lastd : de;
    const float dbc = (db + 0.5f) * dbwf; /* dst_bin_of_begin_center */
    const float dens = o->hist[i] / bwf;
    float n = 0.0f;
    const float dl = sb - dbc; /* delta_begin */
    n += dens * ((cube_half - (dl * dl) * dl) / 3.0f);
    n += ((de - db) - 1.0f) * (dens * mid);
    const float dec = de * dbwf + half; /* dst_bin_of_end_center */
    const float dr = se - dec;          /* delta_end */
    n += dens * (((dr * dr) * dr - cube_nhalf) / 3.0f);
    norm[i] = n;
  }
  return (double)torch_sum_f32(norm, bins); /* norm.sum().item() */
}

/* _non_linear_param_search (Caffe2's norm minimization): shrink
 * [start_bin, end_bin] from the ends in quantile steps of 1e-5. Each step
 * advances alpha and beta (doubles) by 1e-5; l is the first bin from
 * start_bin whose cumulative count reaches alpha*total, r the last bin from
 * end_bin whose cumulative count is at most beta*total; the end that would
 * move over more bins moves (and only its alpha or beta is kept); the search
 * stops at the first move that increases the L2 error. The float32
 * cumulative sums are compared with the thresholds in float32 (PyTorch casts
 * the Python float to the tensor's type). Returns the chosen float32 range. */
static void histogram_search(const qcc_observer *o, int64_t dst_nbins, float *out_min, float *out_max, float *csum,
                             float *norm, double unit) {
  const int32_t bins = o->cfg.bins;
  const float bin_width = (o->hmax - o->hmin) / (float)bins;
  const double total = (double)torch_sum_f32(o->hist, bins);
  cumsum_f32(o->hist, bins, csum);
  const double stepsize = 1e-5;
  double alpha = 0.0, beta = 1.0;
  int32_t start_bin = 0, end_bin = bins - 1;
  double norm_min = INFINITY;
  while (alpha < beta) {
    const double next_alpha = alpha + stepsize;
    const double next_beta = beta - stepsize;
    int32_t l = start_bin, r = end_bin;
    const float ta = (float)(next_alpha * total);
    const float tb = (float)(next_beta * total);
    while (l < end_bin && csum[l] < ta) l++;
    while (r > start_bin && csum[r] > tb) r--;
    int32_t next_start = start_bin, next_end = end_bin;
    if ((l - start_bin) > (end_bin - r)) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start_bin && next_end == end_bin) continue;
    const double nrm = quantization_error(o, next_start, next_end, dst_nbins, norm, unit);
    if (nrm > norm_min) break;
    norm_min = nrm;
    start_bin = next_start;
    end_bin = next_end;
  }
  /* min_val + bin_width * start_bin, min_val + bin_width * (end_bin + 1) */
  const float a = bin_width * (float)start_bin;
  const float b = bin_width * (float)(end_bin + 1);
  *out_min = o->hmin + a;
  *out_max = o->hmin + b;
}

/* ---------------------------------------------------------------------------
 * PERCENTILE and ENTROPY: a histogram whose bins only ever merge.
 *
 * The grid starts on the first batch whose values are not all equal:
 * [lo, lo + bins*width) = [min, max] of the values so far (|x|: [0, max|x|]).
 * When a batch falls outside, the grid grows by the smallest integer factor
 * k that makes it fit, keeping old bin edges on the new grid: new bin j is
 * old bins [j*k - a, (j+1)*k - a) for an integer shift a (the new bins added
 * below the old range). Counts stay exact integers, the grid stays at least
 * half used, and nothing depends on how many values were seen. */

static int64_t grid_index(const qcc_observer *o, double v) {
  double t = floor((v - o->lo) / o->width);
  if (!(t >= 0.0)) return 0;
  if (t >= (double)o->cfg.bins) return o->cfg.bins - 1;
  return (int64_t)t;
}

static qcc_status_t grid_grow(qcc_observer *o, double vmin, double vmax) {
  const int64_t bins = o->cfg.bins;
  const double hi = o->lo + o->width * (double)bins;
  const double need_lo = vmin < o->lo ? ceil((o->lo - vmin) / o->width) : 0.0;
  const double need_hi = vmax > hi ? ceil((vmax - hi) / o->width) : 0.0;
  if (need_lo == 0.0 && need_hi == 0.0) return NULL;
  const double want = need_lo + (double)bins + need_hi;
  if (!(want < 1.0e18))
    return qcc_status_make(QCC_ERR_UNSUPPORTED, "histogram range grew from [%g, %g] to [%g, %g] in one batch, too much to re-bin",
                           o->lo, hi, vmin < o->lo ? vmin : o->lo, vmax > hi ? vmax : hi);
  const int64_t k = (int64_t)ceil(want / (double)bins);
  const int64_t slack = k * bins - (int64_t)want;
  int64_t shift = (int64_t)need_lo; /* old bin i becomes new bin (i + shift) / k */
  if (need_lo > 0.0 && need_hi > 0.0)
    shift += slack / 2; /* grew both ways: room on both sides */
  else if (need_lo > 0.0)
    shift += slack; /* grew down only: the room goes below */
  memset(o->counts_tmp, 0, sizeof(uint64_t) * (size_t)bins);
  for (int64_t i = 0; i < bins; ++i) o->counts_tmp[(i + shift) / k] += o->counts[i];
  memcpy(o->counts, o->counts_tmp, sizeof(uint64_t) * (size_t)bins);
  if (o->counts_neg) {
    memset(o->counts_tmp, 0, sizeof(uint64_t) * (size_t)bins);
    for (int64_t i = 0; i < bins; ++i) o->counts_tmp[(i + shift) / k] += o->counts_neg[i];
    memcpy(o->counts_neg, o->counts_tmp, sizeof(uint64_t) * (size_t)bins);
  }
  o->lo = o->lo - (double)shift * o->width;
  o->width = o->width * (double)k;
  return NULL;
}

static qcc_status_t grid_update(qcc_observer *o, const float *x, int64_t n, float bmin, float bmax) {
  const bool ab = o->abs_values;
  /* the batch's extent in the grid's coordinates */
  double vmin = bmin, vmax = bmax;
  if (ab) { /* |x| lies in [0, max|x|]; the grid starts at 0 */
    vmin = 0.0;
    vmax = fabs((double)bmin) > fabs((double)bmax) ? fabs((double)bmin) : fabs((double)bmax);
  }
  if (!o->have_grid) {
    double pmin = vmin, pmax = vmax;
    if (o->pending) {
      if (o->pending_value < pmin) pmin = o->pending_value;
      if (o->pending_value > pmax) pmax = o->pending_value;
    }
    if (pmin == pmax) { /* still a single value */
      o->pending += (uint64_t)n;
      if (o->counts_neg)
        for (int64_t i = 0; i < n; ++i) o->pending_neg += x[i] < 0.0f;
      o->pending_value = (float)vmax;
      return NULL;
    }
    o->lo = pmin;
    o->width = (pmax - pmin) / (double)o->cfg.bins;
    memset(o->counts, 0, sizeof(uint64_t) * (size_t)o->cfg.bins);
    if (o->counts_neg) memset(o->counts_neg, 0, sizeof(uint64_t) * (size_t)o->cfg.bins);
    if (o->pending && !(o->skip_zeros && o->pending_value == 0.0f)) {
      o->counts[grid_index(o, o->pending_value)] += o->pending;
      if (o->counts_neg) o->counts_neg[grid_index(o, o->pending_value)] += o->pending_neg;
    }
    o->pending = 0;
    o->pending_neg = 0;
    o->have_grid = true;
  } else {
    QCC_RETURN_IF_ERROR(grid_grow(o, ab ? 0.0 : vmin, vmax));
  }
  for (int64_t i = 0; i < n; ++i) {
    const double v = ab ? fabs((double)x[i]) : (double)x[i];
    if (o->skip_zeros && v == 0.0) continue;
    const int64_t k = grid_index(o, v);
    o->counts[k]++;
    if (o->counts_neg && x[i] < 0.0f) o->counts_neg[k]++;
  }
  return NULL;
}

/* Percentile bounds on the grid, conservative by at most one bin:
 * grid_upper(f): the smallest bin edge with at least a fraction f of the
 *   values at or below it (the upper edge of the bin where the cumulative
 *   count reaches f*N), so at most (1 - f) of them lie above;
 * grid_lower(f): the largest bin edge with at most a fraction f of the
 *   values below it (the lower edge of the first bin where the cumulative
 *   count exceeds f*N). */
static double grid_upper(const qcc_observer *o, double f) {
  uint64_t total = 0;
  for (int32_t k = 0; k < o->cfg.bins; ++k) total += o->counts[k];
  const double target = f * (double)total;
  uint64_t cum = 0;
  for (int32_t k = 0; k < o->cfg.bins; ++k) {
    cum += o->counts[k];
    if (o->counts[k] && (double)cum >= target) return o->lo + o->width * (double)(k + 1);
  }
  return o->lo + o->width * (double)o->cfg.bins;
}

static double grid_lower(const qcc_observer *o, double f) {
  uint64_t total = 0;
  for (int32_t k = 0; k < o->cfg.bins; ++k) total += o->counts[k];
  const double target = f * (double)total;
  uint64_t cum = 0;
  for (int32_t k = 0; k < o->cfg.bins; ++k) {
    cum += o->counts[k];
    if ((double)cum > target) return o->lo + o->width * (double)k;
  }
  return o->lo;
}

/* KL(P || Q) for the candidate threshold at bin i (TensorRT's entropy
 * calibration). P: counts[0..i), the counts at and above i added to P[i-1]
 * (clipped values saturate to the threshold). Q: counts[0..i) (without the
 * clipped mass) merged into `levels` groups, group g = bins
 * [floor(g*i/levels), floor((g+1)*i/levels)), each group's sum spread evenly
 * over the bins of the group where P is non-zero. Where P is non-zero and Q
 * is 0 (only bin i-1 can be: clipped mass in an empty last group) Q gets
 * KL_FLOOR counts, the usual smoothing, so that clipping a few outliers has
 * a small finite cost instead of an infinite one. Both normalized;
 * KL = sum over P > 0 of p * ln(p / q). +inf if nothing below i is non-zero
 * (every value would be clipped). */
#define KL_FLOOR 1e-4
static double kl_candidate(const uint64_t *counts, const uint64_t *prefix, int64_t i, int64_t levels, uint64_t total) {
  const uint64_t clipped = total - prefix[i];
  if (prefix[i] == 0) return INFINITY;
  const int64_t last0 = (levels - 1) * i / levels; /* first bin of the last group */
  const bool floored = clipped && prefix[i] == prefix[last0];
  const double sum_q = (double)prefix[i] + (floored ? KL_FLOOR : 0.0);
  double kl = 0.0;
  for (int64_t g = 0; g < levels; ++g) {
    const int64_t b0 = g * i / levels, b1 = (g + 1) * i / levels;
    const uint64_t s = prefix[b1] - prefix[b0];
    int64_t m = 0;
    for (int64_t k = b0; k < b1; ++k) m += (counts[k] || (k == i - 1 && clipped)) ? 1 : 0;
    for (int64_t k = b0; k < b1; ++k) {
      const uint64_t pk = counts[k] + (k == i - 1 ? clipped : 0);
      if (!pk) continue;
      const double p = (double)pk / (double)total;
      const double q = (s ? (double)s / (double)m : KL_FLOOR) / sum_q;
      kl += p * log(p / q);
    }
  }
  return kl;
}

/* ENTROPY's threshold T on |x| for `levels` quantization levels over [0, T]:
 * the candidate upper edge i*width, i from `levels` to the last non-empty
 * bin, with the smallest KL divergence (the first one on ties). With fewer
 * non-empty bins than levels nothing is clipped. Exact zeros are not in the
 * counts: every candidate represents 0 exactly, so they cannot favour one
 * threshold over another, yet as a spike in bin 0 (post-ReLU tensors are
 * often half zeros) they would weigh on the choice through Q's flattening
 * of bin 0's group. */
static double entropy_threshold(const qcc_observer *o, const uint64_t *counts, int64_t levels, uint64_t *prefix) {
  const int64_t bins = o->cfg.bins;
  prefix[0] = 0;
  for (int64_t k = 0; k < bins; ++k) prefix[k + 1] = prefix[k] + counts[k];
  const uint64_t total = prefix[bins];
  int64_t used = bins;
  while (used > 0 && counts[used - 1] == 0) used--;
  if (used <= levels) return o->lo + o->width * (double)used;
  int64_t best = used;
  double best_kl = INFINITY;
  for (int64_t i = levels; i <= used; ++i) {
    const double kl = kl_candidate(counts, prefix, i, levels, total);
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return o->lo + o->width * (double)best;
}

/* ENTROPY for an affine spec on data of both signs: each tail gets its own
 * threshold, T+ by the KL search on the positive values and T- on the
 * negated negative ones, with the q = qmax - qmin + 1 levels of the grid
 * split between the tails in proportion to the lengths they keep:
 * q+ = round(q * hi / (hi - lo)) (at least 1 each), starting from the
 * observed range and repeated with the chosen one until the split stops
 * changing (at most 8 rounds; in practice 1 to 3). The range is
 * [max(min, -T-), min(max, T+)].
 *
 * Why not the |x| search cut to the observed range (what the symmetric
 * spec does): it picks one T for both tails from their mixture, so a
 * spike in the shorter tail (a constant background, half the pixels of a
 * normalized image) pulls T down to it and clips the other tail. Why not a
 * one-sided search on x - min: it never clips the lower tail, which for
 * pre-activation tensors with outliers on both sides is half the point. */
static void entropy_two_tails(const qcc_observer *o, const qcc_qspec *spec, float *out_min, float *out_max) {
  const int64_t bins = o->cfg.bins;
  const int64_t q = (int64_t)spec->qmax - spec->qmin + 1;
  const float dmin = o->min[0], dmax = o->max[0];
  uint64_t *tail = o->counts_tail, *prefix = o->counts_tmp;
  double tpos = dmax > 0.0f ? dmax : 0.0, tneg = dmin < 0.0f ? -(double)dmin : 0.0;
  int64_t last_qp = -1;
  double lo = dmin, hi = dmax;
  for (int round = 0; round < 8; ++round) {
    int64_t qp = hi > 0.0 ? (int64_t)llround((double)q * hi / (hi - lo)) : 0;
    if (hi > 0.0 && qp < 1) qp = 1;
    if (lo < 0.0 && qp > q - 1) qp = q - 1;
    if (qp == last_qp) break;
    last_qp = qp;
    if (qp > 0) {
      for (int64_t k = 0; k < bins; ++k) tail[k] = o->counts[k] - o->counts_neg[k];
      tpos = entropy_threshold(o, tail, qp > bins ? bins : qp, prefix);
    }
    if (q - qp > 0) {
      for (int64_t k = 0; k < bins; ++k) tail[k] = o->counts_neg[k];
      tneg = entropy_threshold(o, tail, q - qp > bins ? bins : q - qp, prefix);
    }
    lo = -tneg > dmin ? -tneg : dmin;
    hi = tpos < dmax ? tpos : dmax;
    if (lo > 0.0) lo = 0.0;
    if (hi < 0.0) hi = 0.0;
  }
  *out_min = dmin > -(float)tneg ? dmin : -(float)tneg;
  *out_max = dmax < (float)tpos ? dmax : (float)tpos;
}

/* ---------------------------------------------------------------------------
 * Public API */

qcc_status_t qcc_observer_create(const qcc_observer_config *cfg, qcc_observer **out) {
  if (!out) return qcc_status_make(QCC_ERR_USAGE, "qcc_observer_create: out is NULL");
  *out = NULL;
  if (!cfg) return qcc_status_make(QCC_ERR_USAGE, "observer config is NULL");
  const qcc_observer_kind kind = cfg->kind;
  if ((int)kind < QCC_OBSERVER_MINMAX || kind > QCC_OBSERVER_PER_CHANNEL_MOVING_AVG)
    return qcc_status_make(QCC_ERR_USAGE, "observer kind %d is unknown", (int)kind);
  if (is_moving_kind(kind) && !(cfg->averaging_constant > 0.0 && cfg->averaging_constant <= 1.0))
    return qcc_status_make(QCC_ERR_USAGE, "averaging_constant %g: need 0 < c <= 1", cfg->averaging_constant);
  if (is_histogram_kind(kind) && (cfg->bins < 1 || cfg->bins > (1 << 24)))
    return qcc_status_make(QCC_ERR_USAGE, "bins %d: need 1 to 2^24", (int)cfg->bins);
  if (kind == QCC_OBSERVER_HISTOGRAM && (cfg->upsample_rate < 1 || cfg->upsample_rate > (1 << 16)))
    return qcc_status_make(QCC_ERR_USAGE, "upsample_rate %d: need 1 to 65536", (int)cfg->upsample_rate);
  if (kind == QCC_OBSERVER_HISTOGRAM && cfg->histogram_range != QCC_HISTOGRAM_EXACT_RANGE &&
      cfg->histogram_range != QCC_HISTOGRAM_TORCH113)
    return qcc_status_make(QCC_ERR_USAGE, "histogram_range %d is unknown", (int)cfg->histogram_range);
  if (kind == QCC_OBSERVER_PERCENTILE && !(cfg->percentile >= 50.0 && cfg->percentile <= 100.0))
    return qcc_status_make(QCC_ERR_USAGE, "percentile %g: need 50 to 100", cfg->percentile);
  if (is_per_channel_kind(kind) && (cfg->num_channels < 1 || cfg->num_channels > ((int64_t)1 << 40)))
    return qcc_status_make(QCC_ERR_USAGE, "num_channels %lld: a per-channel observer needs at least one channel",
                           (long long)cfg->num_channels);

  qcc_observer *o = calloc(1, sizeof *o);
  if (!o) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory creating an observer");
  o->cfg = *cfg;
  o->channels = is_per_channel_kind(kind) ? cfg->num_channels : 1;
  o->bytes = sizeof *o;
  const size_t C = (size_t)o->channels;
  o->min = calloc(C, sizeof(float));
  o->max = calloc(C, sizeof(float));
  o->bytes += 2 * C * sizeof(float);
  bool ok = o->min && o->max;
  const size_t B = (size_t)cfg->bins;
  if (ok && kind == QCC_OBSERVER_HISTOGRAM) {
    o->hist = calloc(B, sizeof(float));
    o->hist_new = calloc(B, sizeof(float));
    o->integral = calloc(B, sizeof(double)); /* also histc's uint32 counts */
    o->bytes += B * (2 * sizeof(float) + sizeof(double));
    ok = o->hist && o->hist_new && o->integral;
  } else if (ok && (kind == QCC_OBSERVER_PERCENTILE || kind == QCC_OBSERVER_ENTROPY)) {
    o->counts = calloc(B, sizeof(uint64_t));
    o->counts_tmp = calloc(B + 1, sizeof(uint64_t)); /* also the prefix sums */
    o->bytes += (2 * B + 1) * sizeof(uint64_t);
    o->abs_values = kind == QCC_OBSERVER_ENTROPY || cfg->symmetric;
    o->skip_zeros = kind == QCC_OBSERVER_ENTROPY;
    ok = o->counts && o->counts_tmp;
    if (ok && kind == QCC_OBSERVER_ENTROPY) {
      o->counts_neg = calloc(B, sizeof(uint64_t));
      o->counts_tail = calloc(B, sizeof(uint64_t));
      o->bytes += 2 * B * sizeof(uint64_t);
      ok = o->counts_neg && o->counts_tail;
    }
  }
  if (!ok) {
    qcc_observer_destroy(o);
    return qcc_status_make(QCC_ERR_INTERNAL, "out of memory creating an observer");
  }
  *out = o;
  return NULL;
}

void qcc_observer_destroy(qcc_observer *o) {
  if (!o) return;
  free(o->min);
  free(o->max);
  free(o->hist);
  free(o->hist_new);
  free(o->integral);
  free(o->counts);
  free(o->counts_tmp);
  free(o->counts_neg);
  free(o->counts_tail);
  free(o);
}

int64_t qcc_observer_num_channels(const qcc_observer *o) { return o->channels; }
int64_t qcc_observer_num_batches(const qcc_observer *o) { return o->batches; }
size_t qcc_observer_state_bytes(const qcc_observer *o) { return o->bytes; }

qcc_status_t qcc_observer_update(qcc_observer *o, const float *x, const int64_t *shape, int rank) {
  if (!o) return qcc_status_make(QCC_ERR_USAGE, "observer is NULL");
  int64_t n = 0;
  QCC_RETURN_IF_ERROR(batch_numel(shape, rank, &n));
  if (n == 0) return NULL; /* PyTorch: an empty tensor changes nothing */
  if (!x) return qcc_status_make(QCC_ERR_USAGE, "batch of %lld values has no data", (long long)n);
  QCC_RETURN_IF_ERROR(check_finite(x, n, shape, rank));
  if (is_per_channel_kind(o->cfg.kind)) {
    QCC_RETURN_IF_ERROR(per_channel_update(o, x, shape, rank));
    o->batches++;
    return NULL;
  }
  float bmin, bmax;
  aminmax(x, n, &bmin, &bmax);
  switch (o->cfg.kind) {
  case QCC_OBSERVER_HISTOGRAM:
    QCC_RETURN_IF_ERROR(histogram_update(o, x, n, bmin, bmax));
    break;
  case QCC_OBSERVER_PERCENTILE:
  case QCC_OBSERVER_ENTROPY:
    QCC_RETURN_IF_ERROR(grid_update(o, x, n, bmin, bmax));
    break;
  default:
    break;
  }
  if (is_histogram_kind(o->cfg.kind) && o->batches > 0) {
    /* exact min/max of everything seen, for reports */
    if (bmin < o->min[0]) o->min[0] = bmin;
    if (bmax > o->max[0]) o->max[0] = bmax;
  } else {
    running_update(o, 0, bmin, bmax);
  }
  o->batches++;
  return NULL;
}

static qcc_status_t need_data(const qcc_observer *o) {
  if (o->batches == 0) return qcc_status_make(QCC_ERR_INVALID, "the observer has seen no data: calibration never reached this tensor");
  return NULL;
}

qcc_status_t qcc_observer_observed_range(const qcc_observer *o, float *out_min, float *out_max) {
  QCC_RETURN_IF_ERROR(need_data(o));
  memcpy(out_min, o->min, sizeof(float) * (size_t)o->channels);
  memcpy(out_max, o->max, sizeof(float) * (size_t)o->channels);
  return NULL;
}

/* PERCENTILE / ENTROPY with a threshold T on |x|: [-T, T] for a symmetric
 * spec; for an affine one, [-T, T] cut to the observed range (post-ReLU data
 * keeps 0 as its minimum and its full integer range). */
static void abs_threshold_range(const qcc_observer *o, const qcc_qspec *spec, double t, float *lo, float *hi) {
  const float dmin = o->min[0], dmax = o->max[0];
  const float amax = -dmin > dmax ? -dmin : dmax;
  float T = (float)t;
  if (T > amax) T = amax;
  if (T < 0.0f) T = 0.0f;
  if (spec->symmetric) {
    *lo = -T;
    *hi = T;
  } else {
    *lo = dmin > -T ? dmin : -T;
    *hi = dmax < T ? dmax : T;
  }
}

qcc_status_t qcc_observer_chosen_range(const qcc_observer *o, const qcc_qspec *spec, float *out_min, float *out_max) {
  QCC_RETURN_IF_ERROR(check_spec(spec));
  QCC_RETURN_IF_ERROR(need_data(o));
  switch (o->cfg.kind) {
  case QCC_OBSERVER_HISTOGRAM: {
    /* scratch: the search needs two float arrays of bins; hist_new and
     * integral (as floats) are free between updates */
    float *csum = o->hist_new;
    float *norm = (float *)o->integral;
    /* qcc's mode (a floor below PyTorch's eps) measures the bins in a unit
     * that makes their width about 1: a power of 2, so every product,
     * quotient and sum of the L2 error is the same float scaled exactly and
     * every comparison the same, except that a tiny range (bins of 1e-18:
     * cubes of 1e-53) no longer underflows to 0 and stops the search at
     * random. PyTorch's mode computes in the data's own unit, as PyTorch. */
    double unit = 1.0;
    const double bw = ((double)o->hmax - (double)o->hmin) / (double)o->cfg.bins;
    if (spec->eps < QCC_QSPEC_TORCH_EPS && bw > 0.0 && isfinite(bw)) unit = ldexp(1.0, -ilogb(bw));
    histogram_search(o, (int64_t)1 << spec->bits, out_min, out_max, csum, norm, unit);
    return NULL;
  }
  case QCC_OBSERVER_PERCENTILE: {
    const double p = o->cfg.percentile / 100.0;
    if (!o->have_grid) { /* every value so far was pending_value */
      if (o->abs_values)
        abs_threshold_range(o, spec, o->pending_value, out_min, out_max);
      else
        *out_min = *out_max = o->pending_value;
      return NULL;
    }
    if (o->abs_values) {
      abs_threshold_range(o, spec, grid_upper(o, p), out_min, out_max);
    } else {
      float lo = (float)grid_lower(o, 1.0 - p), hi = (float)grid_upper(o, p);
      const float dmin = o->min[0], dmax = o->max[0];
      lo = lo < dmin ? dmin : lo > dmax ? dmax : lo;
      hi = hi < dmin ? dmin : hi > dmax ? dmax : hi;
      if (hi < lo) hi = lo;
      *out_min = lo;
      *out_max = hi;
    }
    return NULL;
  }
  case QCC_OBSERVER_ENTROPY: {
    const int64_t q = (int64_t)spec->qmax - spec->qmin + 1;
    /* levels over [0, T]: half the integers, or all of them for an affine
     * spec on data that never goes below 0 */
    if (!spec->symmetric && o->have_grid && o->min[0] < 0.0f) {
      entropy_two_tails(o, spec, out_min, out_max); /* affine, both signs (or all <= 0) */
      return NULL;
    }
    int64_t levels = (!spec->symmetric && o->min[0] >= 0.0f) ? q : q / 2;
    if (levels < 1) levels = 1;
    if (levels > o->cfg.bins) levels = o->cfg.bins;
    double t = o->have_grid ? entropy_threshold(o, o->counts, levels, o->counts_tmp) : o->pending_value;
    abs_threshold_range(o, spec, t, out_min, out_max);
    return NULL;
  }
  default:
    memcpy(out_min, o->min, sizeof(float) * (size_t)o->channels);
    memcpy(out_max, o->max, sizeof(float) * (size_t)o->channels);
    return NULL;
  }
}

qcc_status_t qcc_observer_qparams(const qcc_observer *o, const qcc_qspec *spec, float *out_scales,
                                  int32_t *out_zero_points) {
  QCC_RETURN_IF_ERROR(check_spec(spec));
  QCC_RETURN_IF_ERROR(need_data(o));
  if (o->channels == 1) {
    float lo, hi;
    QCC_RETURN_IF_ERROR(qcc_observer_chosen_range(o, spec, &lo, &hi));
    return qcc_qparams_from_range(lo, hi, spec, &out_scales[0], &out_zero_points[0]);
  }
  for (int64_t c = 0; c < o->channels; ++c) {
    qcc_status_t s = qcc_qparams_from_range(o->min[c], o->max[c], spec, &out_scales[c], &out_zero_points[c]);
    if (s) return qcc_status_annotate(s, "channel %lld", (long long)c);
  }
  return NULL;
}

qcc_status_t qcc_observer_histogram(const qcc_observer *o, double *out_counts, int32_t n, double *out_lo,
                                    double *out_hi) {
  if (!is_histogram_kind(o->cfg.kind))
    return qcc_status_make(QCC_ERR_USAGE, "this observer keeps no histogram");
  const int32_t bins = o->cfg.bins;
  if (n < bins) return qcc_status_make(QCC_ERR_USAGE, "histogram has %d bins, the buffer %d", (int)bins, (int)n);
  if (o->cfg.kind == QCC_OBSERVER_HISTOGRAM) {
    for (int32_t b = 0; b < bins; ++b) out_counts[b] = o->batches ? (double)o->hist[b] : 0.0;
    *out_lo = o->batches ? o->hmin : 0.0;
    *out_hi = o->batches ? o->hmax : 0.0;
    return NULL;
  }
  for (int32_t b = 0; b < bins; ++b) out_counts[b] = o->have_grid ? (double)o->counts[b] : 0.0;
  *out_lo = o->have_grid ? o->lo : 0.0;
  *out_hi = o->have_grid ? o->lo + o->width * (double)bins : 0.0;
  return NULL;
}
