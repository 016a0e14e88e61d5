/* libFuzzer target: qcc_cost_table_parse, the reader of cost tables
 * (--cost-table, qcc-sensitivity{cost-table=}, the shipped data/costs/).
 * Any bytes must give INVALID with a one-line message that starts with
 * "cost table F.json: ", or success; on success every entry set has three
 * finite numbers >= 0, the target and source are non-empty one-line strings,
 * and the estimate of a stand-in layer of each op kind is finite and >= 0.
 * Corpus: corpus/cost_table; dictionary: dict/cost_table.dict. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costs.h"

#define CHECK(c)                                                                        \
  do {                                                                                  \
    if (!(c)) {                                                                         \
      fprintf(stderr, "cost_table_fuzz: check failed at line %d: %s\n", __LINE__, #c); \
      abort();                                                                          \
    }                                                                                   \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* an exact-size copy, not NUL-terminated: the parser must respect the length */
  char *text = malloc(size ? size : 1);
  memcpy(text, data, size);
  qcc_cost_table t;
  qcc_status_t st = qcc_cost_table_parse(text, size, "F.json", &t);
  if (st) {
    CHECK(qcc_status_code_of(st) == QCC_ERR_INVALID);
    const char *msg = qcc_status_message(st);
    CHECK(msg && !strncmp(msg, "cost table F.json: ", 19) && !strchr(msg, '\n'));
    qcc_status_free(st);
  } else {
    CHECK(t.target[0] && t.source[0] && !strchr(t.target, '\n') && !strchr(t.source, '\n'));
    qcc_layer L;
    memset(&L, 0, sizeof L);
    const char *kinds[] = {"conv2d", "conv2d", "gemm", "matmul"};
    for (int op = 0; op < QCC_COST_OP_COUNT; ++op) {
      L.kind = kinds[op], L.depthwise = op == QCC_COST_DWCONV, L.n_weights = 4096, L.macs = 1 << 20;
      CHECK(qcc_cost_op_of(&L) == (qcc_cost_op)op);
      for (int p = 0; p < QCC_PREC_COUNT; ++p) {
        const qcc_cost_entry *e = &t.e[op][p];
        double ms = -1;
        bool have = qcc_cost_layer_ms(&t, &L, (qcc_precision)p, &ms);
        CHECK(have == e->set);
        if (!e->set) continue;
        CHECK(isfinite(e->call_ns) && isfinite(e->mac_ns) && isfinite(e->weight_ns));
        CHECK(e->call_ns >= 0 && e->mac_ns >= 0 && e->weight_ns >= 0);
        CHECK(ms >= 0 && !isnan(ms));
      }
    }
  }
  free(text);
  return 0;
}
