#!/usr/bin/python3
"""Import every model of ONNX's own backend test data (Debian libonnx-testdata)
whose op types all have an importer, and pin the counts.

attempted: models whose ops are all in qcc's importer table.
imported:  `qcc import` succeeded (parsed, translated, verified).
A crash (signal), an internal error (exit 1) or a verifier failure (exit 6)
fails the test. Exits 3 (unsupported form of a supported op, e.g. 1-D Conv) and
4 (invalid input) are counted and listed. The imported count of each folder must
not fall below the pinned number in import_counts.txt (it may only grow; raise
the pin when it does).

usage: import_testdata.py QCC_BINARY [--update]
"""
import os
import subprocess
import sys

import onnx

DATA = "/usr/share/libonnx-testdata/data"
FOLDERS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
HERE = os.path.dirname(os.path.abspath(__file__))
PINS = os.path.join(HERE, "import_counts.txt")


def supported_ops(qcc):
    out = subprocess.run([qcc, "import", "--list-ops"], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def main():
    qcc = sys.argv[1]
    update = "--update" in sys.argv
    ops = supported_ops(qcc)
    pins = {}
    if os.path.exists(PINS):
        for line in open(PINS):
            if line.strip() and not line.startswith("#"):
                k, v = line.split()
                pins[k] = int(v)
    bad = []
    counts = {}
    for folder in FOLDERS:
        root = os.path.join(DATA, folder)
        attempted = imported = 0
        rejected = []
        for name in sorted(os.listdir(root)):
            model = os.path.join(root, name, "model.onnx")
            if not os.path.exists(model):
                continue
            m = onnx.load(model, load_external_data=False)
            types = {n.op_type for n in m.graph.node if n.domain in ("", "ai.onnx")}
            if any(n.domain not in ("", "ai.onnx") for n in m.graph.node) or not types <= ops:
                continue
            attempted += 1
            r = subprocess.run([qcc, "import", "-q", model], capture_output=True, text=True)
            if r.returncode == 0:
                imported += 1
            elif r.returncode in (3, 4, 2):
                rejected.append((name, r.returncode, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""))
            else:
                bad.append((folder, name, r.returncode, r.stderr.strip()[-400:]))
        counts[folder] = imported
        print(f"{folder:20s} imported {imported:4d} / attempted {attempted:4d}  (pinned {pins.get(folder, 0)})")
        for n, rc, msg in rejected:
            print(f"    rejected (exit {rc}) {n}: {msg[:200]}")
    for folder, name, rc, err in bad:
        print(f"FAIL {folder}/{name}: exit {rc}: {err}")
    regress = [f for f in FOLDERS if counts[f] < pins.get(f, 0)]
    for f in regress:
        print(f"FAIL {f}: imported {counts[f]} < pinned {pins[f]}")
    if update:
        with open(PINS, "w") as fh:
            fh.write("# imported model count per folder; may only grow (import_testdata.py --update)\n")
            for f in FOLDERS:
                fh.write(f"{f} {max(counts[f], pins.get(f, 0))}\n")
    ok = not bad and not regress
    print(f"{sum(counts.values())} passed, {len(bad) + len(regress)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
