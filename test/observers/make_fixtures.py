#!/usr/bin/python3
"""Make the fixtures test_observers reads: calibration batches and what
PyTorch 1.13's observers compute from them.

Run with Debian's interpreter (python3-torch 1.13, python3-numpy):
    /usr/bin/python3 test/observers/make_fixtures.py
It writes, next to this file:
  data/TENSOR.f32            every batch of one tensor, row-major float32
                             little-endian, batches one after the other
  data/hist_TENSOR_KIND.f32  the histogram a HistogramObserver holds after
                             the last batch (2048 float32)
  expected.txt               one line per fact (format below)
The outputs are committed; rerun only when adding a case, and commit them
with the script.

expected.txt lines (scales, mins and maxes are float32 values written with
float.hex(), so the C test reads them back exactly):
  tensor NAME NBATCH RANK D0 .. D{RANK-1}
  gen    NAME NBATCH SEED HEAVY RANK D0 .. D{RANK-1}
                             a tensor too large to commit, computed by
                             gen_batches() below (exactly reproducible in C)
  expect TENSOR KIND AXIS AVG SPEC N SCALE0 ZP0 .. SCALE{N-1} ZP{N-1}
  range  TENSOR KIND AXIS AVG N MIN0 MAX0 .. MIN{N-1} MAX{N-1}
  hist   TENSOR KIND FILE
  qp     SPEC MIN MAX SCALE ZP        torch's _calculate_qparams on (MIN, MAX)
KIND is minmax, movavg, hist113, histexact, pc_minmax or pc_movavg; AXIS is
the channel axis (-1 for per-tensor kinds); AVG the averaging constant
(Python float repr; 0 when unused). SPEC names a (dtype, qscheme,
reduce_range) triple from SPECS below.

histexact is HistogramObserver with one change: each batch's torch.histc
covers [min, max] as floats. 1.13 passes int(min) and int(max) (truncated
toward zero), so its histogram covers a narrower range than the one its
search assumes, and when both truncate to the same integer (|x| < 1) histc
falls back to the batch's own range. qcc implements both; see
docs/observers.md.
"""
import os

# torch.sum's summation order follows the SIMD width of the kernel ATen
# dispatches to. The observers' norms and totals are float32 sums, so pin
# the AVX2 kernels (1.13's default on x86-64 even on AVX-512 machines);
# qcc reproduces that order.
os.environ["ATEN_CPU_CAPABILITY"] = "avx2"

import warnings

import numpy as np
import torch
from torch.ao.quantization.observer import (
    HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver,
    MovingAveragePerChannelMinMaxObserver, PerChannelMinMaxObserver)

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

# name -> (dtype, qscheme for per-tensor, qscheme for per-channel, reduce_range)
SPECS = {
    "u8_aff": (torch.quint8, torch.per_tensor_affine, torch.per_channel_affine, False),
    "u8_aff_rr": (torch.quint8, torch.per_tensor_affine, torch.per_channel_affine, True),
    "s8_aff": (torch.qint8, torch.per_tensor_affine, torch.per_channel_affine, False),
    "s8_sym": (torch.qint8, torch.per_tensor_symmetric, torch.per_channel_symmetric, False),
    "s8_sym_rr": (torch.qint8, torch.per_tensor_symmetric, torch.per_channel_symmetric, True),
    "u8_sym": (torch.quint8, torch.per_tensor_symmetric, torch.per_channel_symmetric, False),
}
PER_TENSOR_SPECS = list(SPECS)
PER_CHANNEL_SPECS = ["s8_sym", "s8_sym_rr", "u8_aff", "s8_aff"]


class HistogramObserverExactRange(HistogramObserver):
    """HistogramObserver whose per-batch histc covers the float range.

    Same state, same _adjust_min_max / _combine_histograms / search as the
    parent; only the bounds handed to torch.histc differ (float instead of
    int-truncated)."""

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()
        fresh = (self.min_val == float("inf") and self.max_val == float("-inf"))
        if fresh or self.min_val.item() == self.max_val.item():
            lo, hi = torch.aminmax(x)
            self.min_val.copy_(lo)
            self.max_val.copy_(hi)
            self.histogram.copy_(torch.histc(x, self.bins, min=lo.item(), max=hi.item()))
            return x_orig
        lo, hi = torch.aminmax(x)
        lo = torch.min(lo, self.min_val)
        hi = torch.max(hi, self.max_val)
        lo, hi, down, start = self._adjust_min_max(lo, hi, self.upsample_rate)
        h = torch.histc(x, self.bins, min=lo.item(), max=hi.item())
        if lo == self.min_val and hi == self.max_val:
            h += self.histogram
        else:
            h = self._combine_histograms(h, self.histogram, self.upsample_rate,
                                         down, start, self.bins)
        self.histogram.copy_(h)
        self.min_val.copy_(lo)
        self.max_val.copy_(hi)
        return x_orig


def lowbias32(x):
    """A 32-bit integer hash (Wellons' lowbias32), on uint32 arrays."""
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def gen_batches(seed, nbatch, shape, heavy):
    """Batch b, flat element i, g = b * numel + i, in float32:
         u_j = lowbias32(uint32(seed * 0x9E3779B9 + 5g + j)) >> 8   (j = 0..4)
         x   = float32(u_0 + u_1 + u_2 + u_3) * 2^-24 - 2
         x   = x / (float32(u_4) * 2^-24 + 2^-8)       if heavy
         x   = x * 2^-(b % 3)
    A bell-shaped (Irwin-Hall) sample in [-2, 2], or with heavy, that over
    a uniform: a long-tailed one up to +-512. Every third batch at full
    width, the others at 1/2 and 1/4. Each step is exact or one IEEE
    rounding, so C computes the same bits."""
    numel = int(np.prod(shape))
    out = []
    for b in range(nbatch):
        g = np.arange(b * numel, (b + 1) * numel, dtype=np.uint64)
        base = (np.uint64(seed) * np.uint64(0x9E3779B9) + np.uint64(5) * g) & np.uint64(0xFFFFFFFF)
        u = [(lowbias32((base + np.uint64(j)) & np.uint64(0xFFFFFFFF)) >> np.uint32(8)).astype(np.int64)
             for j in range(5)]
        x = (u[0] + u[1] + u[2] + u[3]).astype(np.float32) * np.float32(2.0 ** -24) - np.float32(2.0)
        if heavy:
            x = x / (u[4].astype(np.float32) * np.float32(2.0 ** -24) + np.float32(2.0 ** -8))
        x = x * np.float32(2.0 ** -(b % 3))
        out.append(x.reshape(shape).astype(np.float32))
    return out


# name -> (seed, nbatch, shape, heavy). "tails": 100000 values per batch
# with long sparse tails (too large to commit). "long": 64 batches, so the
# moving averages' float32 rounding (vs. double) shows.
GENERATED = {"tails": (7, 2, (100, 1000), 1), "long": (11, 64, (4, 16), 0)}


def hexf(v):
    return float(np.float32(v)).hex()


def make_tensors():
    """name -> (list of float32 batches, channel axis or None)."""
    rng = np.random.default_rng(20240601)
    f32 = np.float32
    t = {}

    def normal(shape, std, mean=0.0):
        return (rng.standard_normal(shape) * std + mean).astype(f32)

    # Range grows from batch to batch (exercises the histogram combine).
    t["normal"] = [normal((16, 64), s) for s in (1.0, 1.5, 0.8, 2.5)]
    # Every value inside (-1, 1): int() truncates both ends to 0.
    t["small"] = [np.clip(normal((16, 64), s), -0.95, 0.95) for s in (0.2, 0.3, 0.25, 0.35)]
    t["skewed"] = [(rng.lognormal(0.0, 0.7, (16, 64)) - 0.6).astype(f32) for _ in range(4)]
    outl = []
    for b in range(4):
        a = normal((16, 64), 1.0)
        if b in (1, 3):
            a[3, 7], a[9, 1], a[12, 40] = 23.5 + 10 * b, -18.25, 41.0 + b
        outl.append(a)
    t["outliers"] = outl
    t["relu"] = [np.maximum(normal((8, 128), 1.0, 0.3), 0).astype(f32) for _ in range(4)]
    t["zeros"] = [np.zeros((4, 32), f32) for _ in range(3)]
    t["tiny"] = [normal((8, 64), 1e-6) for _ in range(3)]
    # A constant batch first: the histogram restarts on the next batch.
    t["const_then"] = [np.full((8, 32), 0.75, f32), normal((8, 32), 2.0), normal((8, 32), 1.5)]
    # Per-channel, axis 1: channels of very different scales.
    chs = np.array([0.1, 1.0, 3.0, 0.02], f32).reshape(1, 4, 1, 1)
    # The second batch extends the range down by half a fine histogram bin
    # ((max - min) / (2048 * 128)): the combine's start index is a tie.
    t["tie"] = [np.linspace(0, 1, 256, dtype=f32).reshape(4, 64),
                np.concatenate([[-(2.0 ** -19)], np.linspace(0, 0.5, 255)]).astype(f32).reshape(4, 64)]
    t["act4d"] = [(normal((2, 4, 6, 6), 1.0) * chs).astype(f32) for _ in range(3)]
    # A conv weight, per-channel axis 0: one all-zero channel, one all-positive.
    w = normal((16, 8, 3, 3), 0.05) * (1 + np.arange(16, dtype=f32).reshape(16, 1, 1, 1) / 4)
    w[5] = 0
    w[7] = np.abs(w[7]) + 0.01
    t["weight"] = [w.astype(f32)]
    return t


AXES = {"act4d": 1, "weight": 0}


def run(obs, batches):
    for b in batches:
        obs(torch.from_numpy(b.copy()))
    return obs


def qparams_line(tensor, kind, axis, avg, spec, obs):
    s, z = obs.calculate_qparams()
    s = s.reshape(-1).tolist()
    z = z.reshape(-1).tolist()
    vals = " ".join("%s %d" % (hexf(a), int(b)) for a, b in zip(s, z))
    return "expect %s %s %d %r %s %d %s" % (tensor, kind, axis, avg, spec, len(s), vals)


def range_line(tensor, kind, axis, avg, obs):
    lo = obs.min_val.reshape(-1).tolist()
    hi = obs.max_val.reshape(-1).tolist()
    vals = " ".join("%s %s" % (hexf(a), hexf(b)) for a, b in zip(lo, hi))
    return "range %s %s %d %r %d %s" % (tensor, kind, axis, avg, len(lo), vals)


def main():
    os.makedirs(DATA, exist_ok=True)
    for old in os.listdir(DATA):  # no stale fixtures
        if old.endswith(".f32"):
            os.remove(os.path.join(DATA, old))
    tensors = make_tensors()
    lines = ["# generated by test/observers/make_fixtures.py with torch %s; do not edit"
             % torch.__version__]
    for name, (seed, nbatch, shape, heavy) in GENERATED.items():
        lines.append("gen %s %d %d %d %d %s" % (name, nbatch, seed, heavy, len(shape),
                                               " ".join(str(d) for d in shape)))
    for name, batches in tensors.items():
        shape = batches[0].shape
        lines.append("tensor %s %d %d %s" % (name, len(batches), len(shape),
                                             " ".join(str(d) for d in shape)))
        with open(os.path.join(DATA, name + ".f32"), "wb") as f:
            for b in batches:
                assert b.shape == shape and b.dtype == np.float32
                f.write(b.astype("<f4").tobytes())

    tensors.update({name: gen_batches(*spec) for name, spec in GENERATED.items()})
    for name, batches in tensors.items():
        # Per-tensor observers on every tensor.
        kinds = [("minmax", MinMaxObserver, {}, 0),
                 ("movavg", MovingAverageMinMaxObserver, {"averaging_constant": 0.01}, 0.01),
                 ("movavg", MovingAverageMinMaxObserver, {"averaging_constant": 0.3}, 0.3),
                 ("hist113", HistogramObserver, {}, 0),
                 ("histexact", HistogramObserverExactRange, {}, 0)]
        for kind, cls, kw, avg in kinds:
            last = None
            for spec in PER_TENSOR_SPECS:
                dtype, qscheme, _, rr = SPECS[spec]
                if cls in (MinMaxObserver, MovingAverageMinMaxObserver) and \
                        qscheme == torch.per_tensor_symmetric and rr and dtype == torch.quint8:
                    continue  # torch refuses this combination
                obs = run(cls(dtype=dtype, qscheme=qscheme, reduce_range=rr, **kw), batches)
                lines.append(qparams_line(name, kind, -1, avg, spec, obs))
                last = obs
            lines.append(range_line(name, kind, -1, avg, last))
            if kind.startswith("hist"):
                fn = "hist_%s_%s.f32" % (name, kind)
                with open(os.path.join(DATA, fn), "wb") as f:
                    f.write(last.histogram.numpy().astype("<f4").tobytes())
                lines.append("hist %s %s %s" % (name, kind, fn))
        # Per-channel observers where the tensor has a channel axis.
        if name in AXES:
            axis = AXES[name]
            for kind, cls, kw, avg in [
                    ("pc_minmax", PerChannelMinMaxObserver, {}, 0),
                    ("pc_movavg", MovingAveragePerChannelMinMaxObserver,
                     {"averaging_constant": 0.01}, 0.01),
                    ("pc_movavg", MovingAveragePerChannelMinMaxObserver,
                     {"averaging_constant": 0.3}, 0.3)]:
                last = None
                for spec in PER_CHANNEL_SPECS:
                    dtype, _, qscheme, rr = SPECS[spec]
                    obs = run(cls(ch_axis=axis, dtype=dtype, qscheme=qscheme,
                                  reduce_range=rr, **kw), batches)
                    lines.append(qparams_line(name, kind, axis, avg, spec, obs))
                    last = obs
                lines.append(range_line(name, kind, axis, avg, last))

    # _calculate_qparams on chosen (min, max) pairs: ties in the zero-point
    # rounding, ranges not containing 0, empty and subnormal ranges.
    pairs = [(-1.0, 1.0), (0.0, 0.0), (0.5, 2.0), (-3.0, -0.25), (-2.5, 7.5),
             (-1e-9, 3e-9), (-1e-30, 1e-30), (-127.5, 127.5), (-0.1, 25.4),
             (-5.0, 0.0), (0.0, 1.0), (-0.0078125, 0.9921875),
             (-1.0 / 255 * 127.5, 1.0), (-6.0, 6.0 * 127 / 128),
             # scale 1 and lo / scale = x.5: the zero point rounds half to even
             (-0.5, 254.5), (-2.5, 252.5), (-128.5, 126.5), (-0.5, 126.5), (-64.5, 62.5)]
    for spec in PER_TENSOR_SPECS:
        dtype, qscheme, _, rr = SPECS[spec]
        if qscheme == torch.per_tensor_symmetric and rr and dtype == torch.quint8:
            continue
        for lo, hi in pairs:
            obs = MinMaxObserver(dtype=dtype, qscheme=qscheme, reduce_range=rr)
            obs.min_val.copy_(torch.tensor(lo))
            obs.max_val.copy_(torch.tensor(hi))
            s, z = obs.calculate_qparams()
            lines.append("qp %s %s %s %s %d" % (spec, hexf(obs.min_val.item()),
                                                hexf(obs.max_val.item()),
                                                hexf(s.item()), int(z.item())))

    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
