/* libFuzzer target: qcc_dataset_image_from_memory, the image reader of
 * calibration and evaluation folders (libjpeg-turbo for JPEG, stb_image for the
 * other formats, stb_image_resize, the [0, 1] scaling and mean/std
 * normalization). Byte 0 picks the sample's
 * channels (1 or 3) and layout (NCHW/NHWC), byte 1 its size (H, W in 1..16);
 * the rest is the image file. Any bytes give a sample or INVALID with a
 * one-line message starting with the file's name, never a crash, a read past
 * the input or an allocation the header's size claims (images over the limit,
 * 2^16 pixels here, are refused from their header). A decoded sample is finite. Corpus: corpus/image
 * (PIL-made PNG, JPEG (gray, RGB, CMYK, progressive), BMP, GIF, PPM/PGM, TGA,
 * a huge-header PNG, and every input that found a bug). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

#define CHECK(c)                                                                   \
  do {                                                                             \
    if (!(c)) {                                                                    \
      fprintf(stderr, "image_fuzz: check failed at line %d: %s\n", __LINE__, #c); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const int C = data[0] & 1 ? 3 : 1, H = 1 + (data[1] & 15), W = 1 + (data[1] >> 4);
  qcc_dataset_options o;
  qcc_dataset_options_init(&o);
  o.nhwc = (data[0] & 2) != 0;
  const size_t len = size - 2;
  uint8_t *img = malloc(len ? len : 1); /* exact size: ASan sees any read past the file */
  memcpy(img, data + 2, len);
  float *out = malloc(sizeof(float) * (size_t)(C * H * W));
  /* 2^16 pixels: the limit check is the same code as the folders' 2^26, and the
   * fuzzer spends its time on decoding instead of on huge blank images */
  qcc_status_t st = qcc_dataset_image_from_memory(img, len, "f.img", C, H, W, &o, 1 << 16, out);
  if (st) {
    CHECK(qcc_status_code_of(st) == QCC_ERR_INVALID);
    const char *m = qcc_status_message(st);
    if (!m || strncmp(m, "f.img: ", 7) || strchr(m, '\n')) fprintf(stderr, "image_fuzz: message [%s]\n", m ? m : "(null)");
    CHECK(m && !strncmp(m, "f.img: ", 7) && !strchr(m, '\n'));
    qcc_status_free(st);
  } else {
    for (int i = 0; i < C * H * W; ++i) CHECK(isfinite(out[i]));
  }
  free(out);
  free(img);
  return 0;
}
