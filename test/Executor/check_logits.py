#!/usr/bin/python3
"""Check logits qcc run wrote against the labels and reference logits of an .npz.

usage: check_logits.py LOGITS.npy DATA.npz --min-accuracy A [--atol T]

DATA.npz holds 'label' (int64 [N]) and 'logits' (float32 [N, C], computed by
make_inputs.py's numpy interpreter). Prints the top-1 accuracy, how many
predictions differ from the reference's and the max abs logit difference;
fails if the accuracy is below A, any prediction differs, or the logits differ
by more than T (default 1e-4).
"""
import argparse
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("logits")
ap.add_argument("data")
ap.add_argument("--min-accuracy", type=float, required=True)
ap.add_argument("--atol", type=float, default=1e-4)
a = ap.parse_args()
out = np.load(a.logits)
d = np.load(a.data)
ref, label = d["logits"], d["label"]
if out.shape != ref.shape:
    print("FAIL: logits shape %s, expected %s" % (out.shape, ref.shape))
    sys.exit(1)
acc = float((out.argmax(1) == label).mean())
diff = int((out.argmax(1) != ref.argmax(1)).sum())
err = float(np.abs(out.astype(np.float64) - ref).max())
ok = acc >= a.min_accuracy and diff == 0 and err <= a.atol
print("%s top-1 accuracy %.4f on %d images (min %.4f); %d predictions differ from numpy; max abs logit err %.3g (atol %g)"
      % ("ok" if ok else "FAIL", acc, len(label), a.min_accuracy, diff, err, a.atol))
sys.exit(0 if ok else 1)
