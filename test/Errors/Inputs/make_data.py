#!/usr/bin/python3
"""make_data.py OUT_DIR: the bad data files of test/Errors (made at test time from the
bundled Fashion-MNIST test set, models/fashion_mnist_test.npz):
  x.npy            one good input, float32 1x1x28x28
  bad_shape.npy    float32 1x1x14x28          bad_dtype.npy   float64 1x1x28x28
  int_dtype.npy    int32 1x1x28x28
  calib_f16.npz    calibration samples as float16 (4x1x28x28)    calib_shape.npz  float32 4x1x14x28
  calib_empty.npz  no samples (0x1x28x28)     calib_nan.npz / calib_inf.npz   4 samples, one NaN / +Inf
  empty/           an empty folder
  jpeg/            calibration images: a.jpg (the image fuzz target's 9x7 RGB JPEG seed) and
                   b.jpg, the same file with a corrupt Huffman table (DHT code counts adding up
                   to 272 > 256)
  jpeg-truncated/  t.jpg: a.jpg cut 10 bytes into its entropy-coded data (no EOI)
"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(os.path.join(out, "empty"), exist_ok=True)
x = np.load(os.path.join(os.path.dirname(__file__), "../../../models/fashion_mnist_test.npz"))["input"][:4]
np.save(os.path.join(out, "x.npy"), x[:1])
np.save(os.path.join(out, "bad_shape.npy"), x[:1, :, :14])
np.save(os.path.join(out, "bad_dtype.npy"), x[:1].astype(np.float64))
np.save(os.path.join(out, "int_dtype.npy"), x[:1].astype(np.int32))
np.savez(os.path.join(out, "calib_f16.npz"), input=x.astype(np.float16))
np.savez(os.path.join(out, "calib_shape.npz"), input=x[:, :, :14])
np.savez(os.path.join(out, "calib_empty.npz"), input=x[:0])
n = x.copy()
n[2, 0, 3, 3] = np.nan
np.savez(os.path.join(out, "calib_nan.npz"), input=n)
i = x.copy()
i[1, 0, 0, 0] = np.inf
np.savez(os.path.join(out, "calib_inf.npz"), input=i)
os.makedirs(os.path.join(out, "jpeg"), exist_ok=True)
with open(os.path.join(os.path.dirname(__file__), "../../fuzz/corpus/image/rgb_9x7.jpg"), "rb") as f:
    jpg = bytearray(f.read()[2:])  # the fuzz input's two selector bytes, then the file
with open(os.path.join(out, "jpeg", "a.jpg"), "wb") as f:
    f.write(jpg)
os.makedirs(os.path.join(out, "jpeg-truncated"), exist_ok=True)
sos = jpg.index(b"\xff\xda")
with open(os.path.join(out, "jpeg-truncated", "t.jpg"), "wb") as f:
    f.write(jpg[:sos + 2 + int.from_bytes(jpg[sos + 2:sos + 4], "big") + 10])
dht = jpg.index(b"\xff\xc4")
jpg[dht + 5:dht + 21] = bytes([17] * 16)  # the 16 code counts of the first table
with open(os.path.join(out, "jpeg", "b.jpg"), "wb") as f:
    f.write(jpg)
