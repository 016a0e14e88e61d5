/* npy_fuzz — libFuzzer target for the .npy / .npz readers in compiler/npy.c.
 *
 * Each input is tried both ways:
 *   - as a .npy image (qcc_npy_read_buffer);
 *   - as an .npz archive held in memory (qcc_npy_npz_open_buffer, which wraps
 *     it in libzip's zip_source_buffer): every array listed is read, plus one
 *     name that is not there.
 * A successful read must be self-consistent: nbytes = numel * dtype size.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Icompiler \
 *          test/npy/npy_fuzz.c compiler/npy.c $(pkg-config --libs libzip)
 * Seeds: test/npy/Inputs (made by make_fixtures.py).
 */
#include "npy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const qcc_npy_tensor_t *t) {
  int64_t n = qcc_npy_tensor_numel(t);
  if (n < 0 || (uint64_t)n * qcc_npy_dtype_size(t->dtype) != t->nbytes ||
      (t->nbytes == 0) != (t->data == NULL))
    abort(); /* reader returned an inconsistent tensor: a bug */
  /* Touch every byte so ASan sees any short allocation. */
  volatile unsigned char sink = 0;
  for (size_t i = 0; i < t->nbytes; i++) sink ^= ((const unsigned char *)t->data)[i];
  (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256] = "";
  qcc_npy_tensor_t t;
  if (qcc_npy_read_buffer(data, size, "fuzz.npy", &t, err, sizeof err) == QCC_NPY_OK) {
    check(&t);
    qcc_npy_tensor_free(&t);
  } else if (!memchr(err, '\0', sizeof err) || strchr(err, '\n')) {
    abort(); /* messages are one NUL-terminated line */
  }

  qcc_npy_npz_t *z = NULL;
  if (qcc_npy_npz_open_buffer(data, size, "fuzz.npz", &z, err, sizeof err) == QCC_NPY_OK) {
    size_t count = qcc_npy_npz_count(z);
    for (size_t i = 0; i < count && i < 64; i++) {
      if (qcc_npy_npz_read(z, qcc_npy_npz_name(z, i), &t, err, sizeof err) == QCC_NPY_OK) {
        check(&t);
        qcc_npy_tensor_free(&t);
      }
    }
    if (qcc_npy_npz_read(z, "no such array", &t, err, sizeof err) == QCC_NPY_OK)
      qcc_npy_tensor_free(&t); /* the input may well have one */
    qcc_npy_npz_close(z);
  }
  return 0;
}
