/* libqrt: the qcc runtime. C11, depends on libc and libm only.
 *
 * Conventions shared by every header of libqrt:
 *  - Kernels never allocate. Memory for outputs and scratch is passed in by the
 *    caller; a kernel that needs scratch has a `_scratch_size` companion.
 *  - Sizes, shapes and strides are int64_t; strides count elements, not bytes.
 *  - Errors are values: kernels that can reject their arguments return
 *    qrt_status_t (QRT_OK is 0) and write nothing when they do.
 *  - Activations are NCHW, convolution weights OIHW (the ONNX layouts). */
#ifndef QRT_H
#define QRT_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QRT_VERSION_MAJOR 0
#define QRT_VERSION_MINOR 1
#define QRT_VERSION_PATCH 0

/* The optional thread pool the `_mt` kernels take (defined in qrt_pool.h;
 * NULL: one thread). */
typedef struct qrt_pool qrt_pool_t;

/* "MAJOR.MINOR.PATCH" of the library actually linked. */
const char *qrt_version(void);

typedef enum {
  QRT_OK = 0,
  QRT_INVALID_ARGUMENT = 1, /* a shape, parameter or pointer the kernel cannot accept */
  QRT_UNSUPPORTED = 2,      /* valid input this build/CPU does not support */
  QRT_BUFFER_TOO_SMALL = 3, /* scratch or packed buffer smaller than required */
} qrt_status_t;

/* A static, human-readable name of the status ("OK", "invalid argument", ...). */
const char *qrt_status_string(qrt_status_t status);

/* ---- CPU features ---------------------------------------------------------
 * Bits of qrt_cpu_features(). Detected once and cached: on x86 by cpuid,
 * including the OS support check through XGETBV; on aarch64 Linux by
 * getauxval(AT_HWCAP). Zero on other hosts. */
enum {
  QRT_CPU_SSE41 = 1u << 0,
  QRT_CPU_AVX = 1u << 1,
  QRT_CPU_AVX2 = 1u << 2,
  QRT_CPU_FMA = 1u << 3,
  QRT_CPU_F16C = 1u << 4,
  QRT_CPU_AVX512F = 1u << 5,
  QRT_CPU_AVX512BW = 1u << 6,
  QRT_CPU_AVX512DQ = 1u << 7,
  QRT_CPU_AVX512VL = 1u << 8,
  QRT_CPU_AVX512VNNI = 1u << 9,
  QRT_CPU_AVXVNNI = 1u << 10,
  QRT_CPU_AMXINT8 = 1u << 11, /* AMX-TILE + AMX-INT8, tile state enabled by the OS and
                               * (Linux) the process's permission granted: usable */
  QRT_CPU_NEON = 1u << 16,    /* aarch64 Advanced SIMD (always there) */
  QRT_CPU_DOTPROD = 1u << 17, /* aarch64 SDOT/UDOT (HWCAP_ASIMDDP) */
};
uint32_t qrt_cpu_features(void);

/* ---- ISA levels and variant selection ---------------------------------------
 * Kernel variants are ordered oldest to newest ISA; the newest one that both the
 * CPU supports and the current limit allows is used. The limit starts at
 * QRT_ISA_NATIVE, or at the value of the environment variable QRT_ISA
 * ("scalar", "avx2", "avx512", "avx512vnni", "amx", "neon", "dotprod") when it is set
 * at the first query. x86 and aarch64 levels share one numbering: a build holds
 * kernels of one architecture only, so comparisons never mix the two. Tests and
 * benchmarks lower it with qrt_set_isa_limit to exercise every variant.
 * The limit is process-global and not thread-safe to change while kernels run. */
typedef enum {
  QRT_ISA_SCALAR = 0,   /* portable C */
  QRT_ISA_AVX2_FMA = 1, /* x86-64-v3: AVX2 + FMA */
  QRT_ISA_AVX512F = 2,  /* x86-64-v4: AVX-512 F/BW/DQ/VL */
  QRT_ISA_AVX512VNNI = 3, /* x86-64-v4 + AVX512-VNNI (vpdpbusd) */
  QRT_ISA_AMX = 4,      /* the above + AMX-INT8 (tdpbusd; Sapphire Rapids and later) */
  QRT_ISA_NEON = 16,    /* aarch64 baseline: Advanced SIMD */
  QRT_ISA_DOTPROD = 17, /* aarch64 with the dot product extension (sdot/udot) */
  QRT_ISA_NATIVE = 255, /* no limit: the best the CPU has */
} qrt_isa_t;

/* Best ISA level the CPU supports (ignores the limit). */
qrt_isa_t qrt_cpu_isa(void);
/* Set the limit; returns the previous one. */
qrt_isa_t qrt_set_isa_limit(qrt_isa_t limit);
/* min(qrt_cpu_isa(), limit): the level kernels use right now. */
qrt_isa_t qrt_active_isa(void);
/* "scalar", "avx2_fma", "avx512f", "avx512vnni", "neon", "dotprod", "native". */
const char *qrt_isa_name(qrt_isa_t isa);

#ifdef __cplusplus
}
#endif
#endif /* QRT_H */
