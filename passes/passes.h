/* Declarations of the built-in passes (one file each). */
#ifndef QCC_PASSES_H
#define QCC_PASSES_H
#include <stdbool.h>

#include "quantizer.h"
#include "registry.h"

extern const qcc_pass_info qcc_pass_verify_info; /* verify.c:  qcc-verify */
extern const qcc_pass_info qcc_pass_dce_info;    /* dce.c:     qcc-dce */
extern const qcc_pass_info qcc_pass_cse_info;              /* cse.c:              qcc-cse */
extern const qcc_pass_info qcc_pass_fold_conv_bn_info;     /* fold_conv_bn.c:     qcc-fold-conv-bn */
extern const qcc_pass_info qcc_pass_fuse_layer_norm_info;  /* fuse_layer_norm.c:  qcc-fuse-layer-norm */
extern const qcc_pass_info qcc_pass_fuse_gelu_info;        /* fuse_gelu.c:        qcc-fuse-gelu */
extern const qcc_pass_info qcc_pass_equalize_info;         /* equalize.c:         qcc-equalize */
extern const qcc_pass_info qcc_pass_annotate_info;         /* annotate.c:         qcc-annotate */
extern const qcc_pass_info qcc_pass_insert_observers_info; /* insert_observers.c: qcc-insert-observers */
extern const qcc_pass_info qcc_pass_calibrate_info;        /* calibrate.c:        qcc-calibrate */
extern const qcc_pass_info qcc_pass_convert_info;          /* convert.c:          qcc-convert */
extern const qcc_pass_info qcc_pass_fuse_qdq_info;         /* fuse_qdq.c:         qcc-fuse-qdq */
extern const qcc_pass_info qcc_pass_sensitivity_info;      /* sensitivity.c:      qcc-sensitivity */
extern const qcc_pass_info qcc_pass_select_precision_info; /* select_precision.c: qcc-select-precision */
extern const qcc_pass_info qcc_pass_apply_precision_info;  /* apply_precision.c:  qcc-apply-precision */
extern const qcc_pass_info qcc_pass_awq_info;              /* awq.c:              qcc-awq */
extern const qcc_pass_info qcc_pass_gptq_info;             /* gptq.c:             qcc-gptq */
extern const qcc_pass_info qcc_pass_dedup_constants_info;  /* dedup_constants.c:  qcc-dedup-constants */
extern const qcc_pass_info qcc_pass_precompute_requant_info; /* precompute_requant.c: qcc-precompute-requant */
extern const qcc_pass_info qcc_pass_select_layout_info;    /* select_layout.c:    qcc-select-layout */
extern const qcc_pass_info qcc_pass_pack_weights_info;     /* pack_weights.c:     qcc-pack-weights */
extern const qcc_pass_info qcc_pass_plan_memory_info;      /* plan_memory.c:      qcc-plan-memory */

/* qcc-convert's work on root, for passes that convert a clone (precision.c):
 * false on failure, the reason reported with qcc_pass_report. */
bool qcc_convert_observers(MlirOperation root);
/* qcc-awq's rewrite on root (grid 0: the default), for the same use. */
qcc_status_t qcc_awq_apply(MlirOperation root, int grid, bool clip);
/* qcc-gptq's rewrite on root (damp 0: the default), for the same use. */
qcc_status_t qcc_gptq_apply(MlirOperation root, double damp);

/* Shared by qcc-awq and qcc-gptq (awq.c). w [n][k] quantized in blocks of
 * spec->group along k and dequantized into out, as qcc-convert would store it. */
bool qcc_int4_fake_quant(const float *w, int64_t n, int64_t k, const qcc_quant_spec *spec, float *out);
/* Removes qcc-calibrate{input_rows=N}'s qcc.input_absmean and qcc.input_rows
 * from every op of root. */
void qcc_drop_input_rows(MlirOperation root);

#endif
