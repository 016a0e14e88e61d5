#!/usr/bin/python3
"""make_expected.py: the pixels qcc must decode from the JPEG seeds of corpus/image, written
as NAME.cC.npy (uint8, H x W x C, C = 1 and 3) for ctest's image.jpeg_decode. Run by hand
when a JPEG seed is added. PIL (Debian's python3-pil) decodes with the same libjpeg-turbo as
qcc: RGB and gray come from libjpeg's own conversions (gray from a YCbCr file is its Y, as
PIL's draft("L") asks libjpeg for); CMYK files are converted as stb_image did and qcc does:
from the stored (Adobe-inverted) values s = 255 - ink, R = s_C * s_K / 255 rounded
((t + (t >> 8)) >> 8 with t = x * y + 128), gray = (77 R + 150 G + 29 B) >> 8."""
import io
import os

import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "..", "corpus", "image")
SEEDS = ["gray_7x5", "rgb_9x7", "progressive_16x8", "rgb_11x3_444_optimized", "cmyk_6x4"]


def mul255(x, y):
    t = x * y + 128
    return (t + (t >> 8)) >> 8


for name in SEEDS:
    data = open(os.path.join(corpus, name + ".jpg"), "rb").read()[2:]  # two selector bytes first
    im = Image.open(io.BytesIO(data))
    if im.mode == "CMYK":
        s = 255 - np.asarray(im).astype(np.int32)
        rgb = np.stack([mul255(s[..., c], s[..., 3]) for c in range(3)], -1)
        gray = (rgb[..., 0] * 77 + rgb[..., 1] * 150 + rgb[..., 2] * 29) >> 8
    else:
        rgb = np.asarray(im.convert("RGB")).astype(np.int32)
        g = Image.open(io.BytesIO(data))
        g.draft("L", g.size)
        gray = np.asarray(g.convert("L")).astype(np.int32)
    np.save(os.path.join(here, name + ".c3.npy"), rgb.astype(np.uint8))
    np.save(os.path.join(here, name + ".c1.npy"), gray[..., None].astype(np.uint8))
    print(name, im.mode, im.size)
