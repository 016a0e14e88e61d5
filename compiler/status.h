/* qcc_status_t: errors are values (IREE style). NULL means OK; anything else
 * owns a message and a code the CLI turns into one line and an exit status.
 * Internal invariants (bugs, not user errors) use QCC_ASSERT, which aborts. */
#ifndef QCC_STATUS_H
#define QCC_STATUS_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes are part of the CLI contract (docs/errors.md). */
typedef enum {
  QCC_OK = 0,
  QCC_ERR_INTERNAL = 1,    /* a bug in qcc */
  QCC_ERR_USAGE = 2,       /* bad command line / option string */
  QCC_ERR_UNSUPPORTED = 3, /* valid input qcc does not support (e.g. an op) */
  QCC_ERR_INVALID = 4,     /* malformed or inconsistent input file */
  QCC_ERR_IO = 5,          /* cannot read or write a file */
  QCC_ERR_VERIFY = 6,      /* IR failed verification */
} qcc_status_code;

typedef struct qcc_status *qcc_status_t;

/* Make a status with a printf-style message. Never returns NULL for code != 0. */
qcc_status_t qcc_status_make(qcc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
qcc_status_t qcc_status_makev(qcc_status_code code, const char *fmt, va_list ap);
qcc_status_code qcc_status_code_of(qcc_status_t s);
const char *qcc_status_message(qcc_status_t s);
/* Prefix the message with "what: " (returns s). */
qcc_status_t qcc_status_annotate(qcc_status_t s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void qcc_status_free(qcc_status_t s);

#define QCC_RETURN_IF_ERROR(expr)            \
  do {                                       \
    qcc_status_t qcc_s_ = (expr);            \
    if (qcc_s_) return qcc_s_;               \
  } while (0)

/* A bug, not a user error: print where and abort. */
#define QCC_ASSERT(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "qcc: internal error: %s:%d: assertion '%s' failed (a bug in qcc; please report it)\n", \
              __FILE__, __LINE__, #cond);                                         \
      abort();                                                                    \
    }                                                                             \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
