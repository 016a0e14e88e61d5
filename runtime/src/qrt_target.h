/* One target's variants: which rows of a variant table a build references.
 *
 * A normal build of libqrt (the executor, the tests, runtime/CMakeLists.txt)
 * has every variant of its architecture and picks one at run time from the
 * CPU and the ISA limit (qrt.h). `qcc compile --target=T` builds the model's
 * copy of libqrt with -DQRT_TARGET_ISA=L, L the qrt_isa_t value of the level
 * the model's weights were packed for (docs/codegen.md, "Targets"): that copy
 * runs on CPUs of level L or newer, where the dispatch only ever selects, in
 * each table, the newest row at or below L. The other rows keep their place
 * and geometry (packed buffers record a row's index or level, and scratch
 * sizes are maxima over all rows: both stay what the compiler computed with
 * its full libqrt) but their functions are NULL, so nothing references those
 * variants and the linker drops them (--gc-sections, LTO). Selection skips
 * rows without functions; a packed buffer of such a row is QRT_UNSUPPORTED.
 * The scalar row always stays: it is the reference the dispatch falls back to
 * (a CPU below L, QRT_ISA=scalar, weights packed for it).
 *
 * A table's `levels` is the OR of QRT_LEVEL_BIT(isa) over its rows. */
#ifndef QRT_TARGET_H
#define QRT_TARGET_H
#include "qrt/qrt.h"

#ifdef QRT_TARGET_ISA
/* The bit of a row's level when a CPU of the target's level can select it. */
#define QRT_LEVEL_BIT(isa) ((unsigned)(isa) <= (unsigned)(QRT_TARGET_ISA) ? 1u << (isa) : 0u)
/* The row is scalar, or the newest of its table at or below the target's level. */
#define QRT_ROW_KEPT(isa, levels) \
  ((isa) == QRT_ISA_SCALAR || ((unsigned)(isa) <= (unsigned)(QRT_TARGET_ISA) && ((levels) >> (isa)) == 1u))
/* Any row at or below the target's level: for tables whose rows differ in what
 * they accept, not only in speed (the int8 conv rows: byte lanes take weights
 * in s8 range only, int16 lanes any, so packing may pick an older row). */
#define QRT_ROW_UP_TO_TARGET(isa) ((isa) == QRT_ISA_SCALAR || (unsigned)(isa) <= (unsigned)(QRT_TARGET_ISA))
#else
#define QRT_LEVEL_BIT(isa) 0u
#define QRT_ROW_KEPT(isa, levels) 1
#define QRT_ROW_UP_TO_TARGET(isa) 1
#endif

/* A row's function in this build: fn, or NULL when the row is not kept. A
 * constant expression, so a dropped function is not even referenced. */
#define QRT_ROW_FN(kept, fn) ((kept) ? (fn) : NULL)

#endif /* QRT_TARGET_H */
