/* qcc_plugin.h: the one header a qcc plugin includes.
 *
 * A plugin is a shared library linked against libqcc.so that adds quantizers
 * (quantizer.h) and passes (registry.h) to qcc and qcc-opt, loaded with
 * `--load-plugin=LIB.so`. docs/writing-a-quantizer.md walks through the
 * example in test/Plugin/conv_only_quantizer.c. In short:
 *
 *   #include "qcc_plugin.h"
 *   static bool my_annotate(MlirOperation op, const qcc_quantizer_options *o,
 *                           qcc_op_annotation *ann, void *ud) { ... }
 *   static const qcc_quantizer_info my_quantizer = {"mine", "one line", my_annotate, NULL};
 *   static qcc_status_t init(void) { return qcc_quantizer_register(&my_quantizer); }
 *   QCC_PLUGIN("my-plugin", "1.0", init)
 *
 *   cc -shared -fPIC -I PREFIX/include/qcc -I /usr/lib/llvm-22/include mine.c \
 *      -L PREFIX/lib -lqcc -Wl,-rpath,PREFIX/lib -o mine.so
 *   qcc quantize model.onnx --load-plugin=./mine.so --quantizer mine ...
 *
 * The ABI. A plugin exports one symbol, qcc_plugin_get_info (QCC_PLUGIN
 * defines it), returning a qcc_plugin_info that records what the plugin was
 * compiled against. The loader (compiler/plugin.h) reads api_version first
 * and refuses a plugin whose version differs from its own, then compares the
 * dialect's op and attribute counts (qcc_op_kind and qcc_attr_id values come
 * from ops.def, so a plugin built against another dialect would misread op
 * kinds), and only then calls init, which registers quantizers and passes
 * with the functions libqcc.so exports. Everything init registers must live
 * as long as the process: a loaded plugin is never unloaded.
 *
 * QCC_PLUGIN_API_VERSION changes whenever a declaration a plugin can reach
 * through this header changes incompatibly (a struct's layout, an enum's
 * values, a function's signature). api_version stays the first member of
 * qcc_plugin_info in every version. */
#ifndef QCC_PLUGIN_H
#define QCC_PLUGIN_H
#include <stdint.h>

#include "qcc.h"       /* contexts, files, diagnostics; qcc_dialect.h (op kinds, accessors), status.h */
#include "quantizer.h" /* quantization specs, qcc_quantizer_register */
#include "registry.h"  /* qcc_pass_info, qcc_pass_register, qcc_make_external_pass */

#ifdef __cplusplus
extern "C" {
#endif

#define QCC_PLUGIN_API_VERSION 1u

typedef struct qcc_plugin_info {
  uint32_t api_version;   /* QCC_PLUGIN_API_VERSION the plugin was compiled with; always first */
  uint32_t dialect_ops;   /* QCC_OP_COUNT_ of the qcc_dialect.h it was compiled with */
  uint32_t dialect_attrs; /* QCC_ATTR_COUNT_ of the same */
  const char *name;       /* for messages: "conv-only-example" */
  const char *version;    /* the plugin's own version, free text */
  /* Register the plugin's quantizers and passes; a status (for instance the
   * one qcc_quantizer_register returns for a name already taken) makes the
   * load fail with that message. Called once per process. */
  qcc_status_t (*init)(void);
} qcc_plugin_info;

/* The entry symbol, looked up by name with dlsym. */
#define QCC_PLUGIN_ENTRY_SYMBOL "qcc_plugin_get_info"
__attribute__((visibility("default"))) const qcc_plugin_info *qcc_plugin_get_info(void);
typedef const qcc_plugin_info *(*qcc_plugin_get_info_fn)(void);

/* Define the entry symbol: QCC_PLUGIN("name", "version", init_function). */
#define QCC_PLUGIN(NAME, VERSION, INIT)                                                              \
  const qcc_plugin_info *qcc_plugin_get_info(void) {                                                 \
    static const qcc_plugin_info qcc_plugin_info_ = {QCC_PLUGIN_API_VERSION, (uint32_t)QCC_OP_COUNT_, \
                                                     (uint32_t)QCC_ATTR_COUNT_, NAME, VERSION, INIT}; \
    return &qcc_plugin_info_;                                                                        \
  }

#ifdef __cplusplus
}
#endif
#endif
