/* The plugin loader: dlopen, check the entry symbol's info, call init.
 * See plugin.h for the errors and passes/qcc_plugin.h for the ABI. */
#define _GNU_SOURCE
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qcc_plugin.h"

#define MAX_PLUGINS 64

typedef struct {
  void *handle;
  char *path;
  const qcc_plugin_info *info;
} loaded_plugin;

static loaded_plugin g_plugins[MAX_PLUGINS];
static int g_n_plugins;

int qcc_plugin_count(void) { return g_n_plugins; }
const qcc_plugin_info *qcc_plugin_at(int i) { return i >= 0 && i < g_n_plugins ? g_plugins[i].info : NULL; }
const char *qcc_plugin_path_at(int i) { return i >= 0 && i < g_n_plugins ? g_plugins[i].path : NULL; }

/* dlerror's text without the leading "FILE: " it repeats. */
static const char *dl_reason(const char *dlpath) {
  const char *e = dlerror();
  if (!e) return "unknown dlopen error";
  size_t n = strlen(dlpath);
  if (!strncmp(e, dlpath, n) && e[n] == ':' && e[n + 1] == ' ') e += n + 2;
  return e;
}

qcc_status_t qcc_load_plugin(const char *path) {
  if (!path || !*path) return qcc_status_make(QCC_ERR_USAGE, "--load-plugin needs a file name (--load-plugin=LIB.so)");
  struct stat sb;
  if (stat(path, &sb)) return qcc_status_make(QCC_ERR_IO, "%s: cannot open plugin: %s", path, strerror(errno));
  if (!S_ISREG(sb.st_mode)) return qcc_status_make(QCC_ERR_IO, "%s: cannot open plugin: not a regular file", path);
  if (g_n_plugins == MAX_PLUGINS) return qcc_status_make(QCC_ERR_USAGE, "%s: more than %d plugins", path, MAX_PLUGINS);

  /* dlopen searches the library path for a name without '/'; the user means the file. */
  size_t n = strlen(path) + 3;
  char *dlpath = malloc(n);
  if (!dlpath) return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  snprintf(dlpath, n, "%s%s", strchr(path, '/') ? "" : "./", path);
  dlerror();
  void *h = dlopen(dlpath, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    qcc_status_t st = qcc_status_make(QCC_ERR_INVALID, "%s: not a shared library qcc can load: %s", path, dl_reason(dlpath));
    free(dlpath);
    return st;
  }
  free(dlpath);
  for (int i = 0; i < g_n_plugins; ++i)
    if (g_plugins[i].handle == h) {
      dlclose(h); /* the reference this dlopen added; the first one stays */
      return NULL;
    }

  dlerror();
  void *sym = dlsym(h, QCC_PLUGIN_ENTRY_SYMBOL);
  if (!sym) {
    dlclose(h);
    return qcc_status_make(QCC_ERR_INVALID,
                           "%s: not a qcc plugin: it does not export %s() (define it with QCC_PLUGIN from qcc_plugin.h)",
                           path, QCC_PLUGIN_ENTRY_SYMBOL);
  }
  /* POSIX guarantees a dlsym result converts to a function pointer. */
  qcc_plugin_get_info_fn get_info;
  memcpy(&get_info, &sym, sizeof get_info);
  const qcc_plugin_info *info = get_info();
  qcc_status_t st = NULL;
  if (!info)
    st = qcc_status_make(QCC_ERR_INVALID, "%s: %s() returned NULL", path, QCC_PLUGIN_ENTRY_SYMBOL);
  else if (info->api_version != QCC_PLUGIN_API_VERSION)
    st = qcc_status_make(QCC_ERR_UNSUPPORTED,
                         "%s: plugin built for qcc plugin API version %u, this qcc (%s) has version %u; rebuild it "
                         "against this qcc's qcc_plugin.h",
                         path, (unsigned)info->api_version, QCC_VERSION_STRING, (unsigned)QCC_PLUGIN_API_VERSION);
  else if (info->dialect_ops != (uint32_t)QCC_OP_COUNT_ || info->dialect_attrs != (uint32_t)QCC_ATTR_COUNT_)
    st = qcc_status_make(QCC_ERR_UNSUPPORTED,
                         "%s: plugin built against a qcc dialect of %u ops and %u attributes, this qcc has %d and %d; "
                         "rebuild it against this qcc's headers",
                         path, (unsigned)info->dialect_ops, (unsigned)info->dialect_attrs, (int)QCC_OP_COUNT_,
                         (int)QCC_ATTR_COUNT_);
  else if (!info->init)
    st = qcc_status_make(QCC_ERR_INVALID, "%s: plugin '%s' has no init function", path, info->name ? info->name : "");
  if (st) {
    dlclose(h);
    return st;
  }
  char *saved = strdup(path);
  if (!saved) {
    dlclose(h);
    return qcc_status_make(QCC_ERR_INTERNAL, "out of memory");
  }
  st = info->init();
  if (st) {
    /* Not closed: what init registered before failing points into the library. */
    free(saved);
    return qcc_status_annotate(st, "%s: plugin '%s' failed to initialize", path, info->name ? info->name : "");
  }
  g_plugins[g_n_plugins++] = (loaded_plugin){h, saved, info};
  return NULL;
}
