/* npy.h — read and write numpy .npy files and .npz archives.
 *
 * What qcc uses this for: loading weights, test inputs and reference outputs
 * that were saved with np.save / np.savez, and writing results numpy can load.
 *
 * Format (numpy/lib/format.py, NEP 1):
 *   .npy = "\x93NUMPY" major minor, header length (u16 for 1.0, u32 for 2.0
 *          and 3.0), an ASCII (3.0: UTF-8) Python dict literal
 *          {'descr': '<f4', 'fortran_order': False, 'shape': (10, 3), }
 *          padded with spaces and '\n', then the raw C-order data.
 *   .npz = a zip archive of NAME.npy members (stored or deflate); the array
 *          name is the member name without ".npy". The zip container is
 *          handled by libzip.
 *
 * Decisions:
 *   - Data in a qcc_npy_tensor_t is always C order and in host byte order.
 *     Big-endian ('>') files are accepted and byte-swapped on read.
 *   - fortran_order True is refused (QCC_NPY_ERR_UNSUPPORTED) unless at most
 *     one dimension is larger than 1, where both orders are the same bytes.
 *   - Structured, object, string, complex and datetime dtypes are refused.
 *   - bfloat16 is not offered: numpy has no descr for it (ml_dtypes saves it
 *     as an opaque '<V2'), so a file we wrote could not be read back as one.
 *   - A .npy must hold exactly header + data: trailing bytes are an error.
 *   - Writing uses format 1.0 with numpy's exact header text and padding, so
 *     qcc's output is byte-identical to np.save's. Files are written to a
 *     temporary file in the destination directory and renamed on success.
 *
 * Errors are values: every function returning int returns QCC_NPY_OK (0) or
 * one of the codes below, and writes ONE line into err[err_size] (if err is
 * not NULL) saying where and what, e.g.
 *   "data.npz: array 'input': header says shape (10, 3) float32 = 120 bytes but the file has 64"
 * Nothing is allocated from a header value before it has been checked
 * against the bytes actually present. On failure, outputs are left zeroed
 * and nothing needs freeing.
 *
 * Thread safety: no global state; distinct objects may be used concurrently.
 */
#ifndef QCC_NPY_H
#define QCC_NPY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QCC_NPY_MAX_RANK 8
/* Largest header accepted on read (numpy itself refuses > 10000 by default). */
#define QCC_NPY_MAX_HEADER_LEN 65536u

/* Status codes. The CLI maps FORMAT to "invalid input", UNSUPPORTED to
 * "unsupported", IO to "cannot read/write", the rest to internal errors. */
enum {
  QCC_NPY_OK = 0,
  QCC_NPY_ERR_ARGUMENT = 1,    /* caller bug: NULL pointer, inconsistent tensor */
  QCC_NPY_ERR_IO = 2,          /* open/read/write/rename failed */
  QCC_NPY_ERR_FORMAT = 3,      /* malformed or inconsistent file */
  QCC_NPY_ERR_UNSUPPORTED = 4, /* well-formed, but not something qcc reads */
  QCC_NPY_ERR_NOT_FOUND = 5,   /* no array of that name in the .npz */
  QCC_NPY_ERR_NO_MEMORY = 6,
};

typedef enum qcc_npy_dtype {
  QCC_NPY_INVALID = 0,
  QCC_NPY_BOOL, /* '|b1', one byte, 0 or 1 */
  QCC_NPY_I8,   /* '|i1' */
  QCC_NPY_U8,   /* '|u1' */
  QCC_NPY_I16,  /* '<i2' */
  QCC_NPY_U16,  /* '<u2' */
  QCC_NPY_I32,  /* '<i4' */
  QCC_NPY_U32,  /* '<u4' */
  QCC_NPY_I64,  /* '<i8' */
  QCC_NPY_U64,  /* '<u8' */
  QCC_NPY_F16,  /* '<f2', IEEE binary16 bits */
  QCC_NPY_F32,  /* '<f4' */
  QCC_NPY_F64,  /* '<f8' */
  QCC_NPY_DTYPE_COUNT
} qcc_npy_dtype_t;

/* An n-d array. rank 0 is a scalar (one element); any shape[i] == 0 makes a
 * zero-size array. data holds nbytes = product(shape) * dtype size bytes,
 * C order, host byte order. data is NULL iff nbytes == 0.
 * Ownership: tensors filled by a qcc_npy_read_* function own data (malloc)
 * and are released with qcc_npy_tensor_free. Writers only borrow. */
typedef struct qcc_npy_tensor {
  qcc_npy_dtype_t dtype;
  int rank;
  int64_t shape[QCC_NPY_MAX_RANK];
  void *data;
  size_t nbytes;
} qcc_npy_tensor_t;

/* Bytes per element (0 for an invalid dtype). */
size_t qcc_npy_dtype_size(qcc_npy_dtype_t dtype);
/* numpy's name: "float32", "int64", "bool"... ("invalid" otherwise). */
const char *qcc_npy_dtype_name(qcc_npy_dtype_t dtype);
/* Number of elements, or -1 if the shape is invalid (rank outside 0..8,
 * a negative extent) or the count does not fit in int64_t. */
int64_t qcc_npy_tensor_numel(const qcc_npy_tensor_t *t);
/* Free t->data and zero *t. Safe on a zeroed tensor and on NULL. */
void qcc_npy_tensor_free(qcc_npy_tensor_t *t);

/* ---- .npy ------------------------------------------------------------- */

/* Read the .npy file at path into *out (owned; free with qcc_npy_tensor_free). */
int qcc_npy_read_file(const char *path, qcc_npy_tensor_t *out, char *err, size_t err_size);

/* Read a .npy image held in buf[0..size). label names the buffer in error
 * messages (NULL means "<buffer>"). buf is only borrowed; *out owns a copy. */
int qcc_npy_read_buffer(const void *buf, size_t size, const char *label, qcc_npy_tensor_t *out,
                        char *err, size_t err_size);

/* Write t as a format 1.0 .npy at path, atomically (temp file + rename). */
int qcc_npy_write_file(const char *path, const qcc_npy_tensor_t *t, char *err, size_t err_size);

/* Encode t as a .npy image in memory. *out_buf is malloc'd (caller frees). */
int qcc_npy_write_buffer(const qcc_npy_tensor_t *t, void **out_buf, size_t *out_size, char *err,
                         size_t err_size);

/* ---- .npz ------------------------------------------------------------- */

/* An open .npz archive. */
typedef struct qcc_npy_npz qcc_npy_npz_t;

/* Open the .npz at path for reading. Close with qcc_npy_npz_close. */
int qcc_npy_npz_open(const char *path, qcc_npy_npz_t **out, char *err, size_t err_size);

/* Open an .npz image held in buf[0..size). buf is borrowed and must outlive
 * the handle. label names it in error messages (NULL means "<buffer>"). */
int qcc_npy_npz_open_buffer(const void *buf, size_t size, const char *label, qcc_npy_npz_t **out,
                            char *err, size_t err_size);

/* The arrays in the archive, in archive order: members whose name ends in
 * ".npy", named without that suffix. Other members are ignored. The strings
 * are owned by the handle. */
size_t qcc_npy_npz_count(const qcc_npy_npz_t *npz);
const char *qcc_npy_npz_name(const qcc_npy_npz_t *npz, size_t index);

/* Read the array called name (without ".npy") into *out (owned).
 * QCC_NPY_ERR_NOT_FOUND if there is none; the message lists what there is. */
int qcc_npy_npz_read(qcc_npy_npz_t *npz, const char *name, qcc_npy_tensor_t *out, char *err,
                     size_t err_size);

void qcc_npy_npz_close(qcc_npy_npz_t *npz);

typedef enum qcc_npy_npz_compression {
  QCC_NPY_NPZ_STORED = 0,  /* like np.savez */
  QCC_NPY_NPZ_DEFLATE = 1, /* like np.savez_compressed */
} qcc_npy_npz_compression_t;

/* One array to write: name (without ".npy"; not empty, unique in the call)
 * and a borrowed tensor. */
typedef struct qcc_npy_named_tensor {
  const char *name;
  const qcc_npy_tensor_t *tensor;
} qcc_npy_named_tensor_t;

/* Write arrays[0..count) as an .npz at path, replacing any existing file
 * atomically: libzip writes a temporary file next to path and renames it over
 * path in zip_close; on any failure path is left untouched. count must be at
 * least 1 (libzip deletes, rather than writes, an archive with no members). */
int qcc_npy_npz_write(const char *path, const qcc_npy_named_tensor_t *arrays, size_t count,
                      qcc_npy_npz_compression_t compression, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif /* QCC_NPY_H */
