/* See dataset.h. */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qcc_dataset {
  int n;
  qcc_npy_tensor_t *arrays; /* whole arrays, owned */
  qcc_npy_tensor_t *specs;  /* the model's input shapes */
  int64_t batch, nbatches;
};

static int fmt_dims(const int64_t *d, int r, int from, char *buf, size_t n) {
  int o = 0;
  for (int i = from; i < r; ++i) o += snprintf(buf + o, n - (size_t)o, "%s%lld", i > from ? "x" : "", (long long)d[i]);
  if (!o) o = snprintf(buf, n, "scalar");
  return o;
}

static qcc_status_t npy_status(int r, const char *err) {
  return qcc_status_make(r == QCC_NPY_ERR_IO ? QCC_ERR_IO : QCC_ERR_INVALID, "%s", err);
}

void qcc_dataset_close(qcc_dataset *d) {
  if (!d) return;
  for (int i = 0; i < d->n; ++i) qcc_npy_tensor_free(&d->arrays[i]);
  free(d->arrays);
  free(d->specs);
  free(d);
}

qcc_status_t qcc_dataset_open(const char *path, const qcc_executor *ex, qcc_dataset **out) {
  *out = NULL;
  int nin = qcc_executor_num_inputs(ex);
  size_t pl = strlen(path);
  bool npz = pl > 4 && !strcmp(path + pl - 4, ".npz");
  if (!npz && nin != 1)
    return qcc_status_make(QCC_ERR_USAGE, "%s: a .npy feeds a single-input model; this one has %d inputs (give a .npz with one array per input)",
                           path, nin);
  qcc_dataset *d = calloc(1, sizeof *d);
  if (!d) return qcc_status_make(QCC_ERR_IO, "out of memory");
  d->n = nin;
  d->arrays = calloc((size_t)nin + 1, sizeof *d->arrays);
  d->specs = calloc((size_t)nin + 1, sizeof *d->specs);
  char err[1024];
  qcc_status_t st = NULL;
  qcc_npy_npz_t *z = NULL;
  int r = npz ? qcc_npy_npz_open(path, &z, err, sizeof err) : 0;
  for (int i = 0; !r && i < nin; ++i)
    r = npz ? qcc_npy_npz_read(z, qcc_executor_input_name(ex, i), &d->arrays[i], err, sizeof err)
            : qcc_npy_read_file(path, &d->arrays[i], err, sizeof err);
  if (z) qcc_npy_npz_close(z);
  if (r) st = npy_status(r, err);
  d->nbatches = -1;
  for (int i = 0; !st && i < nin; ++i) {
    qcc_npy_tensor_t *spec = &d->specs[i], *a = &d->arrays[i];
    qcc_executor_input_spec(ex, i, spec);
    bool ok = a->dtype == spec->dtype && spec->rank >= 1 && a->rank == spec->rank;
    for (int k = 1; ok && k < spec->rank; ++k) ok = a->shape[k] == spec->shape[k];
    if (!ok) {
      char want[128], got[128];
      fmt_dims(spec->shape, spec->rank, 1, want, sizeof want);
      fmt_dims(a->shape, a->rank, 0, got, sizeof got);
      st = qcc_status_make(QCC_ERR_INVALID, "%s: input '%s': expected %s samples of shape %s (an array Nx%s), got %s %s", path,
                           qcc_executor_input_name(ex, i), qcc_npy_dtype_name(spec->dtype), want, want,
                           qcc_npy_dtype_name(a->dtype), got);
      break;
    }
    d->batch = spec->shape[0];
    int64_t nb = d->batch > 0 ? a->shape[0] / d->batch : 0;
    if (d->nbatches < 0 || nb < d->nbatches) d->nbatches = nb;
  }
  if (!st && d->nbatches <= 0)
    st = qcc_status_make(QCC_ERR_INVALID, "%s holds no complete batch of %lld samples", path, (long long)d->batch);
  if (st) {
    qcc_dataset_close(d);
    return st;
  }
  *out = d;
  return NULL;
}

int64_t qcc_dataset_batch_size(const qcc_dataset *d) { return d->batch; }
int64_t qcc_dataset_num_batches(const qcc_dataset *d) { return d->nbatches; }
int64_t qcc_dataset_num_samples(const qcc_dataset *d) { return d->batch * d->nbatches; }

void qcc_dataset_batch(const qcc_dataset *d, int64_t b, qcc_npy_tensor_t *inputs) {
  for (int i = 0; i < d->n; ++i) {
    size_t per = d->arrays[i].nbytes / (size_t)d->arrays[i].shape[0] * (size_t)d->batch;
    inputs[i] = d->specs[i];
    inputs[i].data = (char *)d->arrays[i].data + per * (size_t)b;
    inputs[i].nbytes = per;
  }
}

qcc_status_t qcc_dataset_labels(const char *path, const char *key, int64_t **out, int64_t *n) {
  char err[1024];
  qcc_npy_npz_t *z;
  qcc_npy_tensor_t t = {0};
  int r = qcc_npy_npz_open(path, &z, err, sizeof err);
  if (!r) {
    r = qcc_npy_npz_read(z, key, &t, err, sizeof err);
    qcc_npy_npz_close(z);
  }
  if (r) return npy_status(r, err);
  int64_t cnt = qcc_npy_tensor_numel(&t);
  int64_t *v = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *v);
  qcc_status_t st = NULL;
  for (int64_t i = 0; i < cnt && !st; ++i) {
    const char *p = t.data;
    switch (t.dtype) {
      case QCC_NPY_U8: v[i] = ((const uint8_t *)p)[i]; break;
      case QCC_NPY_I8: v[i] = ((const int8_t *)p)[i]; break;
      case QCC_NPY_I16: v[i] = ((const int16_t *)p)[i]; break;
      case QCC_NPY_U16: v[i] = ((const uint16_t *)p)[i]; break;
      case QCC_NPY_I32: v[i] = ((const int32_t *)p)[i]; break;
      case QCC_NPY_U32: v[i] = ((const uint32_t *)p)[i]; break;
      case QCC_NPY_I64: v[i] = ((const int64_t *)p)[i]; break;
      default: st = qcc_status_make(QCC_ERR_INVALID, "%s: labels '%s' must be integers, got %s", path, key, qcc_npy_dtype_name(t.dtype));
    }
  }
  qcc_npy_tensor_free(&t);
  if (st) {
    free(v);
    return st;
  }
  *out = v;
  *n = cnt;
  return NULL;
}
