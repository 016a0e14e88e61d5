/* dataset.h — samples for a model's inputs, served in batches of the model's
 * batch size (calibration, evaluation).
 *
 * Sources:
 *  - FILE.npz: one array per model input, under the input's name;
 *  - FILE.npy: the samples of a single-input model;
 *  - a folder of .npy files (single input): each holds one sample, or several
 *    along axis 0; files are taken in name order;
 *  - a folder of images (.png .jpg .jpeg .bmp .tga .gif .ppm .pgm; single
 *    input of shape [N, C, H, W] (layout nchw) or [N, H, W, C] (nhwc), C 1 or
 *    3): decoded to C channels (JPEG by libjpeg-turbo, the other formats by
 *    stb_image), resized to the input's H x W with stb_image_resize, scaled
 *    to [0, 1], then (x - mean[c]) / std[c].
 * Axis 0 of every array counts samples; the other dims and the dtype must equal
 * the model input's. Batches are consecutive; samples that do not fill a last
 * batch are not served. Folders are read one batch at a time, so memory does
 * not grow with the number of samples. */
#ifndef QCC_DATASET_H
#define QCC_DATASET_H
#include <stdbool.h>
#include <stdint.h>

#include "executor.h"
#include "npy.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  float mean[3]; /* per channel, after scaling to [0, 1]; default 0 */
  float std[3];  /* default 1 */
  bool nhwc;     /* image layout of the model input; default NCHW */
} qcc_dataset_options;

void qcc_dataset_options_init(qcc_dataset_options *o);
/* "0.485,0.456,0.406" (1 or 3 values) into v[3]; USAGE on bad text. */
qcc_status_t qcc_dataset_parse_floats(const char *what, const char *text, float v[3]);

typedef struct qcc_dataset qcc_dataset;

/* Open path for ex's inputs and check it (one error line naming the input,
 * the expected and the found dtype/shape, or the file). opts may be NULL. */
qcc_status_t qcc_dataset_open(const char *path, const qcc_executor *ex, const qcc_dataset_options *opts,
                              qcc_dataset **out);
void qcc_dataset_close(qcc_dataset *d);
int64_t qcc_dataset_num_samples(const qcc_dataset *d); /* complete batches x batch size */
int64_t qcc_dataset_batch_size(const qcc_dataset *d);
int64_t qcc_dataset_num_batches(const qcc_dataset *d);
/* Tensors of batch b for every input (inputs[num_inputs]); valid until the
 * next call. Reads files for folder sources (errors name the file). */
qcc_status_t qcc_dataset_batch(qcc_dataset *d, int64_t b, qcc_npy_tensor_t *inputs);

/* One image file's bytes as a sample of C channels, H x W (layout o->nhwc),
 * decoded, resized and normalized as an image folder's files are; name is
 * for messages. INVALID for what libjpeg-turbo (JPEG) or stb_image (the other
 * formats) cannot decode, with the decoder's reason, or an image of more
 * than max_pixels pixels (refused from its header, before decoding; 0 means
 * the limit image folders use, 2^26). Fuzzed by test/fuzz/image_fuzz.c. */
qcc_status_t qcc_dataset_image_from_memory(const void *bytes, size_t len, const char *name, int C, int H, int W,
                                           const qcc_dataset_options *o, int64_t max_pixels, float *out);

/* Integer labels (any integer dtype, one per sample) from the array `key` of
 * the .npz at path; *out is malloc'd, *n its length. */
qcc_status_t qcc_dataset_labels(const char *path, const char *key, int64_t **out, int64_t *n);

#ifdef __cplusplus
}
#endif
#endif
