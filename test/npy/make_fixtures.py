#!/usr/bin/python3
"""Make the small .npy/.npz fixtures test_npy reads, into Inputs/ next to this file.

Run with Debian's interpreter (it has python3-numpy):  /usr/bin/python3 make_fixtures.py
The outputs are committed; rerun only when adding a fixture. test_npy.c
knows the values written here (VALUES below), keep the two in step.
"""
import os
import struct
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs")

# Every dtype qcc supports, shape (2, 3), these values row-major.
VALUES = {
    "b": [True, False, True, True, False, False],
    "i": [0, -1, 2, -3, 4, -5],
    "u": [0, 1, 2, 3, 4, 250],
    "f": [0.0, -1.5, 2.0, -3.0, 4.25, -5.0],
}
DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32",
          "int64", "uint64", "float16", "float32", "float64"]


def arr(dtype):
    dt = np.dtype(dtype)
    return np.array(VALUES[dt.kind], dtype=dt).reshape(2, 3)


def save(name, a, **kw):
    np.save(os.path.join(OUT, name), a, **kw)


def raw(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def npy_bytes(header, data=b"", version=(1, 0)):
    """A .npy image with a hand-written header (padded like numpy does)."""
    h = header.encode("utf8")
    fmt = "<H" if version == (1, 0) else "<I"
    pre = 6 + 2 + struct.calcsize(fmt)
    pad = 64 - (pre + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(h)) + h + data


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))

    # ---- valid files made by numpy ----
    for dt in DTYPES:
        save("dt_%s.npy" % dt, arr(dt))
    save("scalar_f64.npy", np.array(2.5))                         # shape ()
    save("empty_f32_0x3.npy", np.zeros((0, 3), np.float32))       # zero-size
    save("rank1_i32.npy", np.arange(5, dtype=np.int32))           # (5,)
    save("rank4_u8.npy", np.arange(6, dtype=np.uint8).reshape(1, 2, 1, 3))
    save("be_i32.npy", arr("int32").astype(">i4"))                # big-endian
    save("be_f64.npy", arr("float64").astype(">f8"))
    for v in (2, 3):
        with open(os.path.join(OUT, "v%d_f32.npy" % v), "wb") as f:
            np.lib.format.write_array(f, arr("float32"), version=(v, 0))
    save("fortran_f32.npy", np.asfortranarray(arr("float32")))    # refused
    save("complex64.npy", np.ones(2, np.complex64))               # refused: descr '<c8'
    np.savez(os.path.join(OUT, "stored.npz"), a=arr("float32"), b=arr("int64"),
             scalar=np.array(7, np.int16))
    np.savez_compressed(os.path.join(OUT, "deflate.npz"), a=arr("float32"),
                        zeros=np.zeros(64, np.float64), empty=np.zeros((2, 0), np.uint8))

    # ---- hand-written headers: valid but unusual ----
    # any key order, double quotes, Python 2 longs, odd spaces, trailing comma
    raw("odd_header_i16.npy",
        npy_bytes("{ \"shape\" : (2L, 3L) ,'fortran_order':False,'descr':'<i2',}",
                  arr("int16").tobytes()))
    # Fortran order with one extent > 1 is the same bytes as C order: accepted
    raw("fortran_1d_f32.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 4), }",
                  np.arange(4, dtype=np.float32).tobytes()))

    # ---- malformed ----
    good = open(os.path.join(OUT, "dt_float32.npy"), "rb").read()
    raw("bad_magic.npy", b"\x93NUMPZ" + good[6:])
    raw("truncated_header.npy", good[:40])                        # header cut off
    raw("short_data.npy", good[:-4])                              # 20 of 24 data bytes
    raw("trailing_data.npy", good + b"\0\0\0\0")
    raw("overflow_shape.npy",
        npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                  "'shape': (4294967296, 4294967296, 4294967296), }", b"\0" * 8))
    raw("bad_version.npy", good[:6] + b"\x04\x00" + good[8:])
    raw("not_a_zip.npz", b"this is not a zip archive\n")
    with zipfile.ZipFile(os.path.join(OUT, "bad_member.npz"), "w") as z:
        z.writestr("ok.npy", good)
        z.writestr("input.npy", good[:-4])                        # data cut short


if __name__ == "__main__":
    main()
