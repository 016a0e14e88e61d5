#!/usr/bin/python3
"""Derive the aarch64 and aarch64-dotprod cost tables (data/costs/) from reasoned figures: aarch64
timings cannot be measured under qemu (docs/precision.md, "Time: the cost table").

The core: a Cortex-A76 at 2.4 GHz (Raspberry Pi 5's BCM2712). What libqrt runs there today:
  - NEON float kernels (f32 gemm 16x4, igemm 4x4 / pwconv 4x16 convolutions, dwconv) and the NEON
    weight-only gemm (fp16 via fcvtl, int8 / int4 dequantized in registers);
  - the int8 kernels (static conv/gemm, dynamic gemm, qmatmul) are the portable scalar C: there are
    no NEON or dotprod int8 kernels yet, so aarch64-dotprod gets the same figures.
Assumptions (edit them here and rerun when kernels or better figures arrive):
  - A76 NEON: 2 x 128-bit FMLA per cycle = 8 f32 MACs/cycle = 19.2 GMAC/s peak; the f32 gemm reaches
    60% of it, the 4x4 igemm convolution 35%, the depthwise kernel 20%.
  - Streaming weights once (a Linear layer with one row): 12 GB/s from L2/DRAM.
  - Weight-only: dequantizing costs 0.05 ns per fp16 weight, 0.08 per int8, 0.12 per int4; the
    per-MAC rate for many rows is the f32 gemm's x 1.2 (a dequantized block is reused across rows).
  - Scalar int8 code: the generic table measured on this project's x86 machine (scalar kernels,
    2.0 GHz Xeon), times 2.0/2.4 for the clock and / 0.83 for the A76's lower IPC on scalar code:
    a factor of 1.0.
  - Per-call overheads: the x86-64-v3 table's x 1.2.
usage: tools/derive_aarch64_costs.py   (reads data/costs/generic.json and x86-64-v3.json)"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "costs")
GHZ, PEAK = 2.4, 8 * 2.4  # GMAC/s
EFF = {"gemm": 0.60, "matmul": 0.60, "conv": 0.35, "dwconv": 0.20}
BW = 12.0  # GB/s
DEQ = {"fp16": 0.05, "int8-wo": 0.08, "int4-wo-g32": 0.12, "int4-wo-g64": 0.12, "int4-wo-g128": 0.12}
WBYTES = {"fp32": 4, "fp16": 2, "int8-wo": 1, "int4-wo-g32": 0.5, "int4-wo-g64": 0.5, "int4-wo-g128": 0.5}
SCALAR = (2.0 / GHZ) / 0.83
CALL = 1.2


def main():
    gen = json.load(open(os.path.join(ROOT, "generic.json")))["ops"]
    v3 = json.load(open(os.path.join(ROOT, "x86-64-v3.json")))["ops"]
    ops = {}
    for op in ("conv", "dwconv", "gemm", "matmul"):
        ops[op] = {}
        mac_f32 = 1.0 / (EFF[op] * PEAK)
        for p in gen[op]:
            if p in ("int8", "int8-dyn"):  # scalar C
                g = gen[op][p]
                e = {k: g[k] * SCALAR for k in ("call_ns", "mac_ns", "weight_ns")}
            elif op in ("conv", "dwconv") or (op == "matmul" and p != "fp32") or p == "fp32":
                # float kernels (weights expanded at plan time for the weight-only precisions)
                e = {"call_ns": v3[op]["fp32"]["call_ns"] * CALL, "mac_ns": mac_f32,
                     "weight_ns": WBYTES["fp32"] / BW if op in ("gemm", "matmul") else 0.0}
            else:  # the NEON weight-only gemm
                e = {"call_ns": v3[op][p]["call_ns"] * CALL, "mac_ns": mac_f32 * 1.2,
                     "weight_ns": WBYTES[p] / BW + DEQ[p]}
            ops[op][p] = {k: round(v, 6) for k, v in e.items()}
    for target, note in (("aarch64", ""), ("aarch64-dotprod", " libqrt has no dotprod int8 kernels yet, so these "
                                                               "are the aarch64 figures.")):
        doc = {"format": "qcc-cost-table", "version": 1, "target": target,
               "source": "derived, not measured (qemu timings mean nothing): tools/derive_aarch64_costs.py from "
                         "reasoned figures for a Cortex-A76 at 2.4 GHz (NEON 8 f32 MACs/cycle; the f32 gemm at 60% "
                         "of peak, convolutions 35%, depthwise 20%; weights streamed at 12 GB/s) and, for the "
                         "scalar int8 kernels, this project's scalar measurements (data/costs/generic.json) "
                         "scaled by clock and IPC." + note,
               "model": "time_ns = call_ns + mac_ns * MACs + weight_ns * weights", "ops": ops}
        with open(os.path.join(ROOT, target + ".json"), "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
