/* libqrt quantization: the scalar numerics of quantized values: ONNX
 * QuantizeLinear and DequantizeLinear (per tensor and per axis), requantization
 * of int32 accumulators, fused-activation clamp ranges, bias quantization and
 * the choice of scale and zero point. The int8 kernels built on them are in
 * qrt_q8.h. Conventions as in qrt.h.
 *
 * Numerics (the contract in docs/numerics.md; ONNX's definitions):
 *   QuantizeLinear    q = saturate(round_half_to_even(x / scale) + zero_point)
 *   DequantizeLinear  x = (q - zero_point) * scale
 *  - x / scale is ONE float32 division, never x * (1/scale): the reciprocal is
 *    rounded, so multiplying by it moves some quotients across a .5 tie.
 *  - round_half_to_even is computed explicitly (it does not depend on the
 *    floating-point environment's rounding mode): 2.5 -> 2, 3.5 -> 4, -2.5 -> -2.
 *  - The rounded value plus the zero point is clamped to [qmin, qmax] in double
 *    before converting to an integer, so +-Inf and huge quotients saturate and
 *    no float-to-int conversion is out of range (that would be undefined).
 *  - NaN (x NaN, or 0/0 when scale is 0) quantizes to the zero point, clamped to
 *    [qmin, qmax]. ONNX leaves NaN undefined; qcc defines it as "the value that
 *    dequantizes to 0", the same for every kernel and target.
 *  - Dequantize computes q - zero_point exactly in int64, converts it to float
 *    (exact for 8- and 16-bit storage, rounded to nearest even for int32), and
 *    multiplies by scale in float32: one rounding, as ONNX's reference for 8 bits.
 *
 * qmin/qmax are the quant type's storage range: [-128, 127] for i8, [0, 255]
 * for u8, narrower for e.g. i8<-127:127> or 4-bit values stored in bytes. */
#ifndef QRT_QUANT_H
#define QRT_QUANT_H
#include "qrt/qrt.h"
#include "qrt/qrt_data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One value of QuantizeLinear (see above). */
int32_t qrt_quantize_f32_scalar(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax);
/* One value of DequantizeLinear. */
float qrt_dequantize_f32_scalar(int32_t q, float scale, int32_t zero_point);
/* round half to even of a float (NaN stays NaN, +-Inf stay). */
float qrt_round_half_even_f32(float v);

/* x viewed as [outer][channels][inner] (contiguous); channel c uses scales[c]
 * and zero_points[c]. Per tensor is channels == 1. storage: QRT_DTYPE_I8,
 * QRT_DTYPE_U8 or QRT_DTYPE_I32 (one element of that type per value of y);
 * qmin <= qmax must lie inside the storage type's range, and every zero point
 * inside [qmin, qmax]; otherwise QRT_INVALID_ARGUMENT and nothing is written. */
qrt_status_t qrt_quantize_f32_reference(qrt_dtype_t storage, int32_t qmin, int32_t qmax, int64_t outer,
                                        int64_t channels, int64_t inner, const float *x,
                                        const float *scales, const int32_t *zero_points, void *y);
/* The same on a pool (NULL or 1 thread: the function above): a per-tensor
 * quantization to bytes of at least 2 x 16384 values runs in one contiguous
 * part per thread, each value as with one thread; everything else runs on the
 * caller's thread. */
qrt_status_t qrt_quantize_f32_mt(qrt_pool_t *pool, qrt_dtype_t storage, int32_t qmin, int32_t qmax, int64_t outer,
                                 int64_t channels, int64_t inner, const float *x, const float *scales,
                                 const int32_t *zero_points, void *y);
/* q viewed as [outer][channels][inner] of storage type (I8, U8 or I32). */
qrt_status_t qrt_dequantize_f32_reference(qrt_dtype_t storage, int64_t outer, int64_t channels,
                                          int64_t inner, const void *q, const float *scales,
                                          const int32_t *zero_points, float *y);

/* ============================= Requantization ===============================
 * The one definition every int8 kernel, the executor, the passes and generated
 * code use to turn an int32 accumulator into a quantized value (the contract is
 * docs/numerics.md):
 *
 *   M   = (s_in * s_w) / s_out          float32, in that order, computed once
 *   v   = (float)acc * M                 float32: acc rounded to float, one multiply
 *   y   = qrt_requantize_f32_scalar(v, zp_out, qmin, qmax)
 *       = NaN(v) ? clamp(zp_out, qmin, qmax)
 *                : round_half_even(clamp(v, qmin - zp_out, qmax - zp_out)) + zp_out
 *
 * The clamp is done in float, before any float-to-int conversion, so every
 * target computes the same value (x86 converts out-of-range floats to INT_MIN,
 * NEON saturates). Clamp bounds are exact for any 8- and 16-bit range. Every
 * step is one IEEE float32 operation: no FMA (-ffp-contract=off), no x87 excess
 * precision (the values are stored in float variables). */

/* (s_in * s_w) / s_out in float32, rounded after the multiply and after the
 * division. Per-tensor requantization of a value in units of s_in to units of
 * s_out (qconcat, qadd) uses s_w = 1 (s_in * 1 is exact): M = s_in / s_out. */
float qrt_requant_multiplier(float s_in, float s_w, float s_out);
/* The multiplier of an average over count values: s_in / (s_out * (float)count),
 * float32, the product rounded first. count >= 1 (count < 2^24 is exact). */
float qrt_requant_pool_multiplier(float s_in, float s_out, int64_t count);
/* The common tail: clamp in float, round half to even, add the zero point
 * (see above). [qmin, qmax] is the output clamp range (a fused activation's
 * range, qrt_quant_clamp_range, or the storage range). */
int32_t qrt_requantize_f32_scalar(float v, int32_t zero_point, int32_t qmin, int32_t qmax);
/* qrt_requantize_f32_scalar((float)acc * multiplier, zero_point, qmin, qmax). */
int32_t qrt_requantize_scalar(int32_t acc, float multiplier, int32_t zero_point, int32_t qmin, int32_t qmax);

/* Output clamp range of a fused activation that clamps the real value to
 * [lo, hi] (lo may be -INFINITY, hi +INFINITY):
 *   out_min = qrt_quantize_f32_scalar(lo, scale, zero_point, qmin, qmax), out_max likewise.
 * Because quantization is monotonic, clamping the quantized value to this range
 * equals quantizing the clamped real value. No activation: (-INF, +INF) gives
 * [qmin, qmax]; Relu: (0, +INF) gives [zero_point, qmax]; Relu6: (0, 6);
 * Clip(a, b): (a, b). QRT_INVALID_ARGUMENT if lo or hi is NaN, lo > hi,
 * scale is not finite and > 0, qmin > qmax or the zero point is outside it. */
qrt_status_t qrt_quant_clamp_range(float lo, float hi, float scale, int32_t zero_point, int32_t qmin,
                                   int32_t qmax, int32_t *out_min, int32_t *out_max);

/* An int32 bias of scale s_in * s_w (the float32 product, the same one the
 * multiplier uses) and zero point 0:
 *   qrt_quantize_f32_scalar(bias, s_in * s_w, 0, INT32_MIN, INT32_MAX)
 * i.e. one division, round half to even, saturated to the int32 range. */
int32_t qrt_quantize_bias_scalar(float bias, float s_in, float s_w);

/* ======================= Choosing scale and zero point ======================
 * PyTorch's MinMaxObserver formula (torch.ao.quantization) with qcc's minimum
 * scale. With lo = min(min, 0), hi = max(max, 0), all float32:
 *   symmetric:  s = max(-lo, hi) / ((qmax - qmin) / 2)
 *               zero_point = 0 if qmin < 0, else (qmin + qmax + 1) / 2 (128 for u8)
 *   affine:     s = (hi - lo) / (qmax - qmin)
 *               zero_point = clamp(qmin - round_half_even(lo / scale), qmin, qmax)
 *   scale = lo == hi ? max(QRT_QUANT_EMPTY_SCALE, min_scale)   (an all-zero range)
 *                    : max(s, min_scale)
 * min_scale is QRT_QUANT_MIN_SCALE (2^-63) in qrt_quant_choose_params, qcc's
 * default; min_scale = QRT_QUANT_TORCH_EPS (2^-23) is exactly PyTorch's
 * `max(scale, eps)` (its eps = torch.finfo(float32).eps), which zeroes every
 * tensor whose range is below about 255 * 2^-23 = 3e-5.
 *
 * Why 2^-63: every scale of a non-empty range is then >= 2^-63, so the
 * products s_in * s_w (bias scale, numerator of the requantization multiplier)
 * are >= 2^-126 = FLT_MIN: normal floats, never 0, and bias / (s_in * s_w) is
 * a defined division. M = (s_in * s_w) / s_out stays finite unless
 * s_in * s_w > 2^65 (data beyond 1e19, not a floor question); an M that
 * underflows belongs to an output whose |acc * M| < 2^31 * 2^-126 would round
 * to 0 anyway. An all-zero range keeps PyTorch's 2^-23 (any positive scale
 * represents it; the larger one keeps downstream multipliers moderate).
 * Weights: symmetric, s8 [-127, 127] per output channel; activations: affine.
 * QRT_INVALID_ARGUMENT if min or max is not finite, min > max, qmin >= qmax,
 * or min_scale is not finite and > 0. */
#define QRT_QUANT_MIN_SCALE 0x1p-63f   /* qcc's floor for a non-empty range */
#define QRT_QUANT_EMPTY_SCALE 0x1p-23f /* the scale of an all-zero range */
#define QRT_QUANT_TORCH_EPS 0x1p-23f   /* PyTorch's eps, FLT_EPSILON */
qrt_status_t qrt_quant_choose_params(float min, float max, int32_t qmin, int32_t qmax, int symmetric,
                                     float *out_scale, int32_t *out_zero_point);
/* The same with a given floor: min_scale = QRT_QUANT_TORCH_EPS gives PyTorch's
 * parameters bit for bit. */
qrt_status_t qrt_quant_choose_params_min_scale(float min, float max, int32_t qmin, int32_t qmax, int symmetric,
                                               float min_scale, float *out_scale, int32_t *out_zero_point);

#ifdef __cplusplus
}
#endif
#endif /* QRT_QUANT_H */
