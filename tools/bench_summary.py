#!/usr/bin/python3
"""Tables and a plot from tools/bench.sh's results.jsonl.

usage: /usr/bin/python3 tools/bench_summary.py RESULTS.jsonl [--svg OUT.svg]

Each line of RESULTS.jsonl is one run: {"round", "model", "engine", "threads", "median_ms"}.
Prints markdown: per model and thread count, each engine's median over rounds; then the
paired ratios (per round, qcc's time over the peer's time from the same round; the median of
those) for the comparisons issue 5 names: qcc int8 / ORT int8, qcc int8 / PyTorch int8,
qcc int8 / ORT fp32 (the transformer's target), qcc fp32 / ORT fp32, and qcc fp32 / qcc int8
(int8's speedup). --svg draws the ratios as horizontal bars with the 1.0 line (lower is
better for qcc), in plain SVG (no plotting library needed).
"""
import argparse
import collections
import json
import statistics
import sys

ENGINE_ORDER = ["qcc-int8", "qcc-int8-nchw", "qcc-fp32", "ort-int8", "ort-fp32", "torch-int8", "torch-fp32"]
COMPARISONS = [  # (numerator, denominator, label)
    ("qcc-int8", "ort-int8", "qcc int8 / ORT int8"),
    ("qcc-int8", "torch-int8", "qcc int8 / PyTorch int8"),
    ("qcc-int8", "ort-fp32", "qcc int8 / ORT fp32"),
    ("qcc-fp32", "ort-fp32", "qcc fp32 / ORT fp32"),
    ("qcc-int8", "qcc-fp32", "qcc int8 / qcc fp32"),
    ("qcc-int8-nchw", "ort-int8", "qcc int8 --no-select-layout / ORT int8"),
    ("qcc-int8", "qcc-int8-nchw", "qcc int8 / qcc int8 --no-select-layout"),
]


def load(path):
    runs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
                runs.append((int(r["round"]), r["model"], r["engine"], int(r["threads"]), float(r["median_ms"])))
            except (ValueError, KeyError) as e:
                sys.exit(f"bench_summary.py: {path}:{n}: not a result line ({e})")
    if not runs:
        sys.exit(f"bench_summary.py: {path}: no results")
    return runs


def ratios(runs):
    """{(model, threads, label): [per-round ratio]}"""
    by_round = collections.defaultdict(dict)
    for rnd, m, e, t, ms in runs:
        by_round[(rnd, m, t)][e] = ms
    out = collections.defaultdict(list)
    for (rnd, m, t), eng in sorted(by_round.items()):
        for a, b, label in COMPARISONS:
            if a in eng and b in eng and eng[b] > 0:
                out[(m, t, label)].append(eng[a] / eng[b])
    return out


def svg(rows, path):
    """rows: [(label, ratio)] -> a horizontal bar chart with a line at 1.0."""
    bar_h, gap, left, width = 18, 6, 330, 360
    top = 30
    vmax = max(2.0, max(r for _, r in rows) * 1.1)
    height = top + len(rows) * (bar_h + gap) + 30
    x_of = lambda v: left + width * v / vmax  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{height}" '
             'font-family="sans-serif" font-size="12">',
             f'<text x="{left}" y="18" font-weight="bold">latency ratio (median over rounds; below 1: qcc faster)</text>']
    for i, (label, r) in enumerate(rows):
        y = top + i * (bar_h + gap)
        colour = "#2e7d32" if r <= 1.0 else "#c62828"
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{x_of(r) - left:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{x_of(r) + 4:.1f}" y="{y + 13}">{r:.2f}</text>')
    x1 = x_of(1.0)
    parts.append(f'<line x1="{x1:.1f}" y1="{top - 4}" x2="{x1:.1f}" y2="{height - 22}" stroke="black" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{x1:.1f}" y="{height - 8}" text-anchor="middle">1.0</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--svg")
    a = ap.parse_args()
    runs = load(a.results)
    med = collections.defaultdict(list)
    for _, m, e, t, ms in runs:
        med[(m, t, e)].append(ms)
    models = list(dict.fromkeys(m for _, m, _, _, _ in runs))
    threads = sorted({t for _, _, _, t, _ in runs})
    engines = [e for e in ENGINE_ORDER if any(k[2] == e for k in med)]
    print("\nMedian latency over rounds, ms (batch 1):\n")
    print("| model | threads | " + " | ".join(engines) + " |")
    print("|---|---:|" + "---:|" * len(engines))
    for m in models:
        for t in threads:
            cells = [f"{statistics.median(med[(m, t, e)]):.2f}" if (m, t, e) in med else "-" for e in engines]
            if any(c != "-" for c in cells):
                print(f"| {m} | {t} | " + " | ".join(cells) + " |")
    rat = ratios(runs)
    print("\nPaired ratios (median over rounds of the same-round ratio; lower is better for qcc):\n")
    labels = [c[2] for c in COMPARISONS]
    print("| model | threads | " + " | ".join(labels) + " |")
    print("|---|---:|" + "---:|" * len(labels))
    plot = []
    for m in models:
        for t in threads:
            cells = []
            for label in labels:
                v = rat.get((m, t, label))
                cells.append(f"{statistics.median(v):.2f}" if v else "-")
                if v and label != "qcc int8 / qcc fp32":
                    plot.append((f"{m}, {t} thread{'s' if t > 1 else ''}: {label}", statistics.median(v)))
            if any(c != "-" for c in cells):
                print(f"| {m} | {t} | " + " | ".join(cells) + " |")
    if a.svg and plot:
        svg(plot, a.svg)


if __name__ == "__main__":
    main()
