"""npy_close.py REF DIR...: every .npy of folder REF against the file of the
same name in each DIR: integer arrays equal, float arrays within 1e-5 of the
reference's largest magnitude. Prints one line; exit 1 naming the first miss."""
import os
import sys

import numpy as np

ref, dirs = sys.argv[1], sys.argv[2:]
names = sorted(f for f in os.listdir(ref) if f.endswith(".npy"))
for d in dirs:
    for n in names:
        r, g = np.load(os.path.join(ref, n)), np.load(os.path.join(d, n))
        if r.shape != g.shape or r.dtype != g.dtype:
            sys.exit(f"{d}/{n}: {g.dtype}{list(g.shape)}, expected {r.dtype}{list(r.shape)}")
        if r.dtype.kind == "f":
            scale = float(np.abs(r).max()) if r.size else 0.0
            diff = float(np.abs(g.astype(np.float64) - r).max()) if r.size else 0.0
            if not diff <= 1e-5 * scale and not (scale == 0 and diff == 0):
                sys.exit(f"{d}/{n}: max |diff| {diff:g} > 1e-5 x {scale:g}")
        elif not np.array_equal(r, g):
            sys.exit(f"{d}/{n}: integer outputs differ")
print(f"{len(names)} outputs x {len(dirs)} runs within 1e-5 of the largest magnitude")
