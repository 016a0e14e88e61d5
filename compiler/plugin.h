/* Loading qcc plugins (`--load-plugin=LIB.so` in qcc and qcc-opt): shared
 * libraries that register quantizers and passes. The ABI a plugin implements
 * is in passes/qcc_plugin.h; docs/writing-a-quantizer.md shows one. */
#ifndef QCC_PLUGIN_LOADER_H
#define QCC_PLUGIN_LOADER_H
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct qcc_plugin_info;

/* dlopen `path` (RTLD_NOW | RTLD_LOCAL; a name without '/' is taken
 * relative to the working directory, not searched for), check its
 * qcc_plugin_get_info against this libqcc's API version and dialect, and run
 * its init. Loading the same file twice is a no-op. Errors, each one line
 * beginning with the path:
 *   missing or unreadable file              QCC_ERR_IO
 *   not a shared library dlopen accepts     QCC_ERR_INVALID (dlerror's text)
 *   no qcc_plugin_get_info symbol           QCC_ERR_INVALID
 *   other API version or dialect            QCC_ERR_UNSUPPORTED
 *   init failed                             the code of init's status
 * A plugin whose init failed stays loaded (what it registered before failing
 * points into it); callers stop anyway. */
qcc_status_t qcc_load_plugin(const char *path);

/* Plugins loaded so far, in load order. */
int qcc_plugin_count(void);
const struct qcc_plugin_info *qcc_plugin_at(int i);
const char *qcc_plugin_path_at(int i);

#ifdef __cplusplus
}
#endif
#endif
