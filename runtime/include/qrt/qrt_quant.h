/* libqrt quantization: scalar reference kernels for ONNX QuantizeLinear and
 * DequantizeLinear (per tensor and per axis). Conventions as in qrt.h.
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
/* q viewed as [outer][channels][inner] of storage type (I8, U8 or I32). */
qrt_status_t qrt_dequantize_f32_reference(qrt_dtype_t storage, int64_t outer, int64_t channels,
                                          int64_t inner, const void *q, const float *scales,
                                          const int32_t *zero_points, float *y);

#ifdef __cplusplus
}
#endif
#endif /* QRT_QUANT_H */
