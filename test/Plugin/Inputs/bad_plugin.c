/* Plugins the loader must refuse, one per macro (test/Plugin/CMakeLists.txt
 * builds each, test/Plugin/load-errors.test checks the messages):
 *   BAD_NO_ENTRY    exports qcc_plugin_init instead of qcc_plugin_get_info
 *   BAD_API         built for a later plugin API version
 *   BAD_DIALECT     built against a dialect with one op more
 *   BAD_INIT        init fails: registers a quantizer named like a built-in
 * Whichever is loaded must never run its registration on a mismatch: the
 * quantizer it would register, "must-not-load", is checked to be absent. */
#include "qcc_plugin.h"

static bool annotate_nothing(MlirOperation op, const qcc_quantizer_options *opts, qcc_op_annotation *ann, void *ud) {
  (void)op, (void)opts, (void)ann, (void)ud;
  return false;
}

#ifdef BAD_INIT
static const qcc_quantizer_info taken = {"x86", "clashes with the built-in", annotate_nothing, NULL};
#else
static const qcc_quantizer_info never = {"must-not-load", "registered only if the loader ran init", annotate_nothing, NULL};
#endif

static qcc_status_t init(void) {
#ifdef BAD_INIT
  return qcc_quantizer_register(&taken);
#else
  return qcc_quantizer_register(&never);
#endif
}

#if defined(BAD_NO_ENTRY)
__attribute__((visibility("default"))) qcc_status_t qcc_plugin_init(void);
qcc_status_t qcc_plugin_init(void) { return init(); }
#elif defined(BAD_API) || defined(BAD_DIALECT)
const qcc_plugin_info *qcc_plugin_get_info(void) {
#ifdef BAD_API
  static const qcc_plugin_info info = {QCC_PLUGIN_API_VERSION + 1, QCC_OP_COUNT_, QCC_ATTR_COUNT_, "bad-api", "0", init};
#else
  static const qcc_plugin_info info = {QCC_PLUGIN_API_VERSION, QCC_OP_COUNT_ + 1, QCC_ATTR_COUNT_, "bad-dialect", "0", init};
#endif
  return &info;
}
#else
QCC_PLUGIN("bad-init", "0", init)
#endif
