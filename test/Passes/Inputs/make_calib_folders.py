#!/usr/bin/python3
"""Calibration folders for qcc-calibrate-folders.test from the first 64 bundled calibration
images: OUT/first64.npz, OUT/npy/ (3 files: 10 samples, 1 sample without the batch axis,
53 samples), OUT/img/ (64 PGM files with the original pixels), OUT/img56/ (8 of them at 56x56), OUT/bad/broken.png,
OUT/badnpy/x.npy (wrong sample shape).  usage: make_calib_folders.py CALIB.npz OUT"""
import os
import sys

import numpy as np

MEAN, STD = 0.2860, 0.3530


def main():
    x = np.load(sys.argv[1])["input"][:64]
    out = sys.argv[2]
    np.savez(os.path.join(out, "first64.npz"), input=x)
    np.save(os.path.join(out, "npy", "a.npy"), x[:10])
    np.save(os.path.join(out, "npy", "b.npy"), x[10])
    np.save(os.path.join(out, "npy", "c.npy"), x[11:])
    pixels = np.clip(np.rint((x * STD + MEAN) * 255), 0, 255).astype(np.uint8)
    for i, p in enumerate(pixels):
        with open(os.path.join(out, "img", f"{i:03d}.pgm"), "wb") as f:
            f.write(b"P5\n28 28\n255\n" + p[0].tobytes())
    os.makedirs(os.path.join(out, "img56"), exist_ok=True)
    for i, p in enumerate(pixels[:8]):  # 2x nearest-neighbour upscale: resized back to 28x28
        with open(os.path.join(out, "img56", f"{i:03d}.pgm"), "wb") as f:
            f.write(b"P5\n56 56\n255\n" + np.kron(p[0], np.ones((2, 2), np.uint8)).tobytes())
    with open(os.path.join(out, "bad", "broken.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n not really a png")
    np.save(os.path.join(out, "badnpy", "x.npy"), np.zeros((3, 28, 28), np.float32))


if __name__ == "__main__":
    main()
