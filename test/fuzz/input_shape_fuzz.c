/* libFuzzer target: qcc_parse_input_shape, the parser of `--input-shape
 * NAME=DIMS` (qcc import, qcc run). Any string must give a shape or a USAGE
 * status, never a crash or an out-of-bounds write. A parsed shape must
 * satisfy what the importer relies on, and survive a round trip:
 *   - NAME is the text before the last '=', non-empty, NUL-terminated in the
 *     caller's buffer, and out->name points at that buffer;
 *   - 0 <= rank <= 8 and 0 <= every dim <= 2^40;
 *   - "NAME=d0xd1x..." printed back parses to the same shape;
 *   - a name buffer of exactly strlen(NAME)+1 bytes is enough, one byte less
 *     is a USAGE error (the buffers are malloc'd at their exact size, so ASan
 *     sees any write past them).
 * Built as a real fuzzer with -DQCC_FUZZ=ON; otherwise linked with
 * replay_main.c, which runs the corpus once (ctest does). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc.h"

#define CHECK(c)                                                                        \
  do {                                                                                  \
    if (!(c)) {                                                                         \
      fprintf(stderr, "input_shape_fuzz: check failed at line %d: %s\n", __LINE__, #c); \
      abort();                                                                          \
    }                                                                                   \
  } while (0)

/* Parses spec with a name buffer of exactly name_len bytes. */
static qcc_status_t parse(const char *spec, qcc_input_shape *out, char **name, size_t name_len) {
  *name = malloc(name_len ? name_len : 1);
  memset(out, 0xA5, sizeof *out); /* garbage in: the parser must set what it reports */
  return qcc_parse_input_shape(spec, out, *name, name_len);
}

static void check_error(qcc_status_t st) {
  CHECK(qcc_status_code_of(st) == QCC_ERR_USAGE);
  const char *msg = qcc_status_message(st);
  CHECK(msg && !strncmp(msg, "--input-shape", 13));
  qcc_status_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *spec = malloc(size + 1);
  memcpy(spec, data, size);
  spec[size] = 0; /* an embedded NUL ends the string, as in argv */

  qcc_input_shape s;
  char *name;
  size_t big = strlen(spec) + 1; /* always enough for the name */
  qcc_status_t st = parse(spec, &s, &name, big);
  const char *eq = strrchr(spec, '=');
  if (st) {
    check_error(st);
    free(name);
    free(spec);
    return 0;
  }
  /* The name. */
  CHECK(eq && eq != spec);
  size_t nl = (size_t)(eq - spec);
  CHECK(s.name == name);
  CHECK(strlen(name) == nl && !memcmp(name, spec, nl));
  /* The dims. */
  CHECK(s.rank >= 0 && s.rank <= 8);
  for (int i = 0; i < s.rank; ++i) CHECK(s.dims[i] >= 0 && s.dims[i] <= ((int64_t)1 << 40));
  CHECK(s.rank > 0 || eq[1] == 0); /* only "NAME=" is a scalar */

  /* Round trip through the canonical spelling. */
  size_t cap = nl + 2 + 8 * 16;
  char *canon = malloc(cap);
  size_t k = (size_t)snprintf(canon, cap, "%s=", name);
  for (int i = 0; i < s.rank; ++i) k += (size_t)snprintf(canon + k, cap - k, i ? "x%lld" : "%lld", (long long)s.dims[i]);
  qcc_input_shape r;
  char *rname;
  qcc_status_t rst = parse(canon, &r, &rname, nl + 1);
  CHECK(rst == NULL);
  CHECK(r.rank == s.rank && !strcmp(rname, name));
  for (int i = 0; i < s.rank; ++i) CHECK(r.dims[i] == s.dims[i]);
  free(rname);

  /* One byte too small for the name: an error, and no write past the buffer. */
  rst = parse(canon, &r, &rname, nl);
  CHECK(rst != NULL);
  check_error(rst);
  free(rname);

  free(canon);
  free(name);
  free(spec);
  return 0;
}
