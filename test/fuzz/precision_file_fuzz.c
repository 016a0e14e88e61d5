/* libFuzzer target: qcc_precision_file_parse, the reader of precision files
 * (qcc quantize --precision-file, qcc-apply-precision{file=}). Any bytes must
 * give INVALID with a one-line message that starts with "precision file", or
 * success; on success every layer the file set has a precision that layer can
 * take, and layers it did not name keep their value. Three layers stand in for
 * a model: a conv (no int4 groups), a 2-D gemm [16][64] quantized int8, and a
 * weight-only gemm [8][32]. Corpus: corpus/precision_file; dictionary:
 * dict/precision_file.dict. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "precision.h"

#define CHECK(c)                                                                           \
  do {                                                                                     \
    if (!(c)) {                                                                            \
      fprintf(stderr, "precision_file_fuzz: check failed at line %d: %s\n", __LINE__, #c); \
      abort();                                                                             \
    }                                                                                      \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qcc_layer L[3];
  memset(L, 0, sizeof L);
  snprintf(L[0].name, sizeof L[0].name, "/conv1/Conv");
  L[0].kind = "conv2d", L[0].n_weights = 288, L[0].channels = 32, L[0].has_int8 = true;
  snprintf(L[1].name, sizeof L[1].name, "fc1");
  L[1].kind = "gemm", L[1].n_weights = 1024, L[1].channels = 16, L[1].rows = 16, L[1].cols = 64, L[1].has_int8 = true;
  snprintf(L[2].name, sizeof L[2].name, "fc2");
  L[2].kind = "gemm", L[2].n_weights = 256, L[2].channels = 8, L[2].rows = 8, L[2].cols = 32;
  qcc_precision prec[3] = {QCC_PREC_INT8, QCC_PREC_INT8, QCC_PREC_INT8_WO};
  bool set[3] = {false, false, false};
  /* an exact-size copy, not NUL-terminated: the parser must respect the length */
  char *text = malloc(size ? size : 1);
  memcpy(text, data, size);
  qcc_status_t st = qcc_precision_file_parse(text, size, "F.json", L, 3, prec, set);
  if (st) {
    CHECK(qcc_status_code_of(st) == QCC_ERR_INVALID);
    const char *msg = qcc_status_message(st);
    CHECK(msg && !strncmp(msg, "precision file F.json: ", 23) && !strchr(msg, '\n'));
    qcc_status_free(st);
  } else {
    const qcc_precision before[3] = {QCC_PREC_INT8, QCC_PREC_INT8, QCC_PREC_INT8_WO};
    for (int i = 0; i < 3; ++i) {
      CHECK(prec[i] >= 0 && prec[i] < QCC_PREC_COUNT);
      if (set[i]) CHECK(qcc_precision_allowed(&L[i], prec[i]));
      else CHECK(prec[i] == before[i]);
    }
  }
  free(text);
  return 0;
}
