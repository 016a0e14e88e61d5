/* Declarations of the built-in passes (one file each). */
#ifndef QCC_PASSES_H
#define QCC_PASSES_H
#include "registry.h"

extern const qcc_pass_info qcc_pass_verify_info; /* verify.c:  qcc-verify */
extern const qcc_pass_info qcc_pass_dce_info;    /* dce.c:     qcc-dce */

#endif
