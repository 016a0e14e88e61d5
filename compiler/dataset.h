/* dataset.h — samples for a model's inputs, read from .npz/.npy, served in
 * batches of the model's batch size (calibration, evaluation).
 *
 * A .npz holds one array per model input, under the input's name; a .npy
 * feeds a single-input model. Axis 0 of every array counts samples; the other
 * dims and the dtype must equal the model input's. Batches are consecutive
 * slices; samples that do not fill a last batch are not served. */
#ifndef QCC_DATASET_H
#define QCC_DATASET_H
#include <stdint.h>

#include "executor.h"
#include "npy.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qcc_dataset qcc_dataset;

/* Read the arrays for ex's inputs from path and check them (one error line
 * naming the input, the expected and the found dtype/shape). */
qcc_status_t qcc_dataset_open(const char *path, const qcc_executor *ex, qcc_dataset **out);
void qcc_dataset_close(qcc_dataset *d);
int64_t qcc_dataset_num_samples(const qcc_dataset *d); /* complete batches x batch size */
int64_t qcc_dataset_batch_size(const qcc_dataset *d);
int64_t qcc_dataset_num_batches(const qcc_dataset *d);
/* Views of batch b for every input (inputs[num_inputs]); no copy. */
void qcc_dataset_batch(const qcc_dataset *d, int64_t b, qcc_npy_tensor_t *inputs);

/* Integer labels (any integer dtype, one per sample) from the array `key` of
 * the .npz at path; *out is malloc'd, *n its length. */
qcc_status_t qcc_dataset_labels(const char *path, const char *key, int64_t **out, int64_t *n);

#ifdef __cplusplus
}
#endif
#endif
