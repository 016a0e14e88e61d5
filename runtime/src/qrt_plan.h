/* One model's plan: which int8 rows and tiles its steps call.
 *
 * `qcc compile` writes NAME.qrt.h (compiler/codegen.c, from the packed
 * weights of the plan it prints: the row each one names, and the Linear tiles
 * libqrt's driver calls for its fixed shapes, qrt_q8_gemm_tiles_used) and
 * compiles the libqrt sources that include this header again with
 * `-include NAME.qrt.h` (compiler/codegen_build.c finds them by their
 * `#include "qrt_plan.h"`, directly or through a header of src/): what the
 * plan does not use is then not referenced and the link drops it
 * (docs/codegen.md, "Sizes"). Every other build (the executor's libqrt, the
 * tests, the cached objects of qcc compile) sees the defaults below: all used.
 *
 * What a model's library may rely on: each macro is a constant expression; a
 * feature left out must still fail safely if called (QRT_UNSUPPORTED, or a
 * slower generic path that gives the same bytes), never run wrong code.
 *
 * To prune a new row or kernel: give it a macro here (default: used), make
 * compiler/codegen.c's plan header set it from the steps that call it, and
 * test it in test/Codegen/plan-sizes.test. */
#ifndef QRT_PLAN_H
#define QRT_PLAN_H

/* Bits 1 << qrt_isa_t of the vector rows of the int8 conv/Linear table
 * (q8_conv_gemm.c) that packed weights name. */
#ifndef QRT_PLAN_Q8_ROWS
#define QRT_PLAN_Q8_ROWS 0xffffffffu
#endif
/* Packed int8 conv/Linear weights for the scalar reference row, or packing at
 * run time (weights that are not constants). */
#ifndef QRT_PLAN_Q8_SCALAR
#define QRT_PLAN_Q8_SCALAR 1
#endif
/* Packed depthwise int8 convolutions (q8_dwconv.c). */
#ifndef QRT_PLAN_Q8_DWCONV
#define QRT_PLAN_Q8_DWCONV 1
#endif
/* The int8 Linear tiles of the gemm_mn rows called with mr rows and nv panels:
 * bit (mr - 1) * 8 + (nv - 1) (mr, nv <= 8); qrt_q8_gemm_tiles_used. */
#ifndef QRT_PLAN_Q8_GEMM_TILES
#define QRT_PLAN_Q8_GEMM_TILES 0xffffffffffffffffull
#endif

/* The amx row's convolution tiles (q8_conv_gemm__amx.c): some convolution's
 * weights are packed for the amx row (its Linear tiles follow QRT_PLAN_Q8_ROWS). */
#ifndef QRT_PLAN_Q8_AMX_CONV
#define QRT_PLAN_Q8_AMX_CONV 1
#endif

/* The amx row's Linear tiles (q8_conv_gemm__amx.c): some Linear packed for the
 * amx row runs with enough rows for them (qrt_q8_gemm_uses_amx). Without them
 * such a Linear runs on the avx512vnni tile, which reads the same layout (the
 * same bytes, slower). */
#ifndef QRT_PLAN_Q8_AMX_GEMM
#define QRT_PLAN_Q8_AMX_GEMM 1
#endif

#define QRT_PLAN_Q8_ROW(isa) ((QRT_PLAN_Q8_ROWS >> (isa)) & 1u)
#define QRT_PLAN_Q8_GEMM_TILE(mr, nv) ((QRT_PLAN_Q8_GEMM_TILES >> (((mr) - 1) * 8 + (nv) - 1)) & 1u)

#endif /* QRT_PLAN_H */
