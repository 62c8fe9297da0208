"""Time the explorers of mlkit.widgets: one update, and one redraw, on 100,000 rows.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_widgets.py [--rows N] [--runs N]

It prints a Markdown table (median seconds of N >= 5 runs after a warm-up, and
the peak memory of one more update and redraw, ``_harness.peak_mb``);
benchmarks/RESULTS.md keeps the recorded one.

An update is what a moved control costs in the kernel: ``explorer.update(...)``,
which checks the value and calls the explorer's pure function (each run alternates
between two values, so nothing is cached). A redraw is the result's
``_repr_html_()``: the table and the chart spec that the browser then draws. The
explorers are built once; what they precompute (checked arrays, the label matrix
of the existing labeling functions, the rows of each window) is timed apart.
"""

from __future__ import annotations

import argparse
import time
from itertools import cycle

import numpy as np
import pandas as pd
from _harness import machine, peak_mb, timed

import mlkit as mk

WORDS = np.array(
    [
        "free",
        "win",
        "click",
        "subscribe",
        "check",
        "channel",
        "song",
        "love",
        "great",
        "video",
        "music",
        "best",
        "watch",
        "new",
        "like",
        "cool",
        "nice",
        "amazing",
        "money",
        "offer",
        "now",
        "link",
        "please",
        "visit",
    ]
)


def threshold_case(n: int, rng: np.random.Generator):
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p).astype(int)
    groups = rng.choice(["a", "b", "c", "d"], n)

    def build():
        return mk.widgets.ThresholdExplorer(
            y, p, cost_fp=1.0, cost_fn=5.0, sensitive_features=groups
        )

    return build, "threshold", [0.3, 0.6]


def slices_case(n: int, rng: np.random.Generator):
    df = pd.DataFrame(
        {
            "region": rng.choice([f"r{i}" for i in range(8)], n),
            "channel": rng.choice(["web", "app", "phone"], n),
            "plan": rng.choice(["free", "basic", "pro", "team"], n),
            "device": rng.choice(["ios", "android", "desktop", "tablet", "tv"], n),
            "age": rng.integers(18, 90, n).astype(float),
            "income": rng.lognormal(10, 1, n),
        }
    )
    y = rng.integers(0, 2, n)
    wrong = rng.uniform(size=n) < np.where(df["region"].eq("r3"), 0.4, 0.15)
    y_pred = np.where(wrong, 1 - y, y)

    def build():
        return mk.widgets.SliceExplorer(df, y, y_pred)

    return build, "min_support", [0.02, 0.05]


def labeling_case(n: int, rng: np.random.Generator):
    text = pd.Series([" ".join(rng.choice(WORDS, 8)) for _ in range(n)])
    y = np.where(text.str.contains("free|click|money|offer|link"), 1, 0)
    y = np.where(rng.uniform(size=n) < 0.1, 1 - y, y)
    df = pd.DataFrame({"text": text})
    lfs = [
        mk.labeling.keyword_lf(word, label, column="text")
        for word, label in [
            ("free", 1),
            ("click", 1),
            ("song", 0),
            ("music", 0),
            ("visit", 1),
        ]
    ]

    def build():
        return mk.widgets.LFWorkbench(lfs, df, y, text_column="text", rule="offer")

    return build, "rule", ["offer", "subscribe|channel"]


def drift_case(n: int, rng: np.random.Generator):
    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "amount": rng.lognormal(3 + shift, 1, n),
                "age": rng.normal(40 + 5 * shift, 10, n),
                "channel": rng.choice(["web", "app", "phone"], n),
            }
        )

    reference = frame(0.0)
    current = frame(0.3).assign(window=np.repeat(np.arange(5), -(-n // 5))[:n])

    def build():
        return mk.widgets.DriftExplorer(
            reference, current, window_column="window", column="amount"
        )

    return build, "column", ["amount", "age"]


def calibration_case(n: int, rng: np.random.Generator):
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p**2).astype(int)
    after = np.clip(p**2 + rng.normal(0, 0.02, n), 0, 1)

    def build():
        return mk.widgets.CalibrationExplorer(y, p, y_prob_calibrated=after)

    return build, "n_bins", [10, 20]


CASES = {
    "ThresholdExplorer, 4 groups, costs": threshold_case,
    "SliceExplorer, 6 columns, pairs": slices_case,
    "LFWorkbench, 5 keyword LFs, a typed rule": labeling_case,
    "DriftExplorer, 100,000 reference rows, 5 windows": drift_case,
    "CalibrationExplorer, before and after": calibration_case,
}


def measure(explorer, control: str, values: list, runs: int) -> tuple[float, ...]:
    """Median seconds of an update (alternating ``values``) and of a redraw; their
    peak MB."""
    following = cycle(values)

    def update():
        return explorer.update(**{control: next(following)})

    def redraw():
        return explorer.result._repr_html_()

    seconds = (timed(update, runs), timed(redraw, runs))
    return (*seconds, peak_mb(update), peak_mb(redraw))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs: at least 5, the median of fewer says little")
    print(f"Before: {machine()}\n", flush=True)
    print(
        "| explorer | build (s) | update (ms) | redraw (ms) | peak MB: update "
        "| redraw | target |\n|---|---:|---:|---:|---:|---:|---|"
    )
    for name, make in CASES.items():
        build, control, values = make(args.rows, np.random.default_rng(0))
        start = time.perf_counter()
        explorer = build()
        built = time.perf_counter() - start
        update, redraw, m_update, m_redraw = measure(
            explorer, control, values, args.runs
        )
        verdict = "met" if update < 0.1 else f"missed by {update / 0.1:.1f}x"
        print(
            f"| {name} | {built:.2f} | {1000 * update:.0f} | {1000 * redraw:.0f} "
            f"| {m_update:.1f} | {m_redraw:.1f} | update < 100 ms: {verdict} |",
            flush=True,
        )
    print(
        f"\nAfter: {machine()}\n{args.rows:,} rows; median of {args.runs} runs after "
        "a warm-up; peak MB: traced allocations of one call beyond its inputs."
    )


if __name__ == "__main__":
    main()
