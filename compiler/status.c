#include "status.h"

#include <string.h>

struct qcc_status {
  qcc_status_code code;
  char *msg;
};

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *s = malloc((size_t)n + 1);
  if (!s) return NULL;
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

qcc_status_t qcc_status_makev(qcc_status_code code, const char *fmt, va_list ap) {
  struct qcc_status *s = calloc(1, sizeof *s);
  if (!s) {
    fprintf(stderr, "qcc: out of memory\n");
    abort();
  }
  s->code = code == QCC_OK ? QCC_ERR_INTERNAL : code;
  s->msg = vformat(fmt, ap);
  return s;
}

qcc_status_t qcc_status_make(qcc_status_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  qcc_status_t s = qcc_status_makev(code, fmt, ap);
  va_end(ap);
  return s;
}

qcc_status_code qcc_status_code_of(qcc_status_t s) { return s ? s->code : QCC_OK; }
const char *qcc_status_message(qcc_status_t s) { return s ? (s->msg ? s->msg : "(no message)") : "ok"; }

qcc_status_t qcc_status_annotate(qcc_status_t s, const char *fmt, ...) {
  if (!s) return s;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = vformat(fmt, ap);
  va_end(ap);
  if (!prefix) return s;
  size_t n = strlen(prefix) + 2 + strlen(s->msg ? s->msg : "") + 1;
  char *m = malloc(n);
  if (m) {
    snprintf(m, n, "%s: %s", prefix, s->msg ? s->msg : "");
    free(s->msg);
    s->msg = m;
  }
  free(prefix);
  return s;
}

void qcc_status_free(qcc_status_t s) {
  if (!s) return;
  free(s->msg);
  free(s);
}
