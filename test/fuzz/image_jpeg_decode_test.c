/* ctest image.jpeg_decode: qcc's JPEG decoding (libjpeg-turbo, compiler/dataset.c)
 * gives exactly the pixels of jpeg_expected/NAME.cC.npy (uint8, H x W x C, made
 * by jpeg_expected/make_expected.py) for each JPEG seed corpus/image/NAME.jpg:
 * gray, RGB 4:2:0 and 4:4:4, progressive and CMYK files, each to 1 and 3
 * channels, at the file's own size (no resampling), NHWC, mean 0, std 1, so
 * that sample * 255 is the decoded pixel.
 * usage: image_jpeg_decode_test CORPUS_DIR EXPECTED_DIR */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "npy.h"

static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16;
  unsigned char *b = malloc(cap);
  *len = b ? fread(b, 1, cap, f) : 0;
  fclose(f);
  return b;
}

/* 0 when NAME.cC.npy's pixels are what qcc decodes from NAME.jpg. */
static int check(const char *corpus, const char *expected, const char *npy_name) {
  char name[256], path[4096], err[512];
  const char *dot = strstr(npy_name, ".c");
  snprintf(name, sizeof name, "%.*s", (int)(dot - npy_name), npy_name);
  qcc_npy_tensor_t e = {0};
  snprintf(path, sizeof path, "%s/%s", expected, npy_name);
  if (qcc_npy_read_file(path, &e, err, sizeof err) || e.dtype != QCC_NPY_U8 || e.rank != 3) {
    fprintf(stderr, "%s: not a uint8 H x W x C array (%s)\n", path, err);
    qcc_npy_tensor_free(&e);
    return 1;
  }
  const int H = (int)e.shape[0], W = (int)e.shape[1], C = (int)e.shape[2];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/%s.jpg", corpus, name);
  unsigned char *file = read_all(path, &len);
  float *out = malloc(sizeof(float) * (size_t)(H * W * C));
  int bad = 0;
  if (!file || len < 3 || !out) {
    fprintf(stderr, "%s: cannot read\n", path);
    bad = 1;
  } else {
    qcc_dataset_options o;
    qcc_dataset_options_init(&o);
    o.nhwc = true;
    /* the fuzz input's two selector bytes, then the file */
    qcc_status_t st = qcc_dataset_image_from_memory(file + 2, len - 2, path, C, H, W, &o, 0, out);
    if (st) {
      fprintf(stderr, "%s\n", qcc_status_message(st));
      qcc_status_free(st);
      bad = 1;
    }
    for (int i = 0; !bad && i < H * W * C; ++i) {
      const long got = lrintf(out[i] * 255.0f), want = ((const unsigned char *)e.data)[i];
      if (got != want) {
        fprintf(stderr, "%s to %d channel(s): pixel (y %d, x %d, c %d) is %ld, expected %ld\n", path, C,
                i / C / W, i / C % W, i % C, got, want);
        bad = 1;
      }
    }
  }
  if (!bad) printf("%s: %d x %d, %d channel(s): equal\n", name, W, H, C);
  free(out);
  free(file);
  qcc_npy_tensor_free(&e);
  return bad;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s CORPUS_DIR EXPECTED_DIR\n", argv[0]);
    return 2;
  }
  DIR *d = opendir(argv[2]);
  if (!d) {
    fprintf(stderr, "%s: cannot open folder\n", argv[2]);
    return 1;
  }
  int n = 0, failed = 0;
  for (struct dirent *e; (e = readdir(d));) {
    const size_t l = strlen(e->d_name);
    if (l < 8 || strcmp(e->d_name + l - 4, ".npy") || !strstr(e->d_name, ".c")) continue;
    failed += check(argv[1], argv[2], e->d_name);
    n++;
  }
  closedir(d);
  printf("%d of %d decodes equal their expected pixels\n", n - failed, n);
  return failed || n < 10 ? 1 : 0;
}
