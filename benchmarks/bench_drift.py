"""Time mlkit.monitoring.drift_report against a scipy loop and a plain numpy pass.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_drift.py [--runs N]

It prints a Markdown table; benchmarks/RESULTS.md keeps the recorded one.

Seconds (median of N runs after a warm-up, the three contenders' runs
interleaved, one thread) to compare 50 columns (40 numeric, 10 categorical
text columns of 5 to 20 categories) of a reference and a current frame of the
same number of rows, 1e4, 1e5 and 1e6:

- mlkit's ``drift_report(reference, current)``: checks, KS with p-values, PSI,
  Wasserstein, chi-square, missing shares, Holm's correction and the table;
- a scipy loop, as a user writes it: ``ks_2samp`` per numeric column, and
  ``chi2_contingency`` of ``pd.crosstab``-free counts (``value_counts`` of each
  side, aligned) per categorical column;
- a plain numpy pass, the KS statistics and the category counts only: each
  numeric column sorted (``np.sort`` of the 2-d block), the two sorted samples
  merged by a stable ``argsort`` and the largest gap of the cumulative counts;
  ``pd.factorize`` of each categorical column and one ``np.bincount`` per side.

Before timing, the three are checked to agree: statistics and p-values with
scipy to 1e-12, KS statistics and counts with the numpy pass exactly.
"""

from __future__ import annotations

import argparse
import os
import platform
from functools import partial

# One thread, before numpy loads its BLAS: every contender then runs on one core.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import scipy
from _harness import timed, timed_together
from scipy.stats import chi2_contingency, ks_2samp

from mlkit.monitoring import drift_report

N_NUMERIC = 40
N_CATEGORICAL = 10


def simulated(n: int, seed: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {f"x{i}": rng.normal(shift * (i % 4 == 0), 1.0, n) for i in range(N_NUMERIC)}
    for j in range(N_CATEGORICAL):
        k = 5 + j
        p = rng.dirichlet(np.ones(k))
        data[f"c{j}"] = rng.choice([f"v{v}" for v in range(k)], n, p=p)
    return pd.DataFrame(data)


def scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame) -> dict:
    out = {}
    for name in ref.columns:
        if name.startswith("x"):
            r = ks_2samp(ref[name].to_numpy(), cur[name].to_numpy())
        else:
            counts = pd.concat(
                [ref[name].value_counts(), cur[name].value_counts()], axis=1
            ).fillna(0)
            r = chi2_contingency(counts.to_numpy().T)
        out[name] = (float(r.statistic), float(r.pvalue))
    return out


def numpy_pass(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple:
    numeric = [c for c in ref.columns if c.startswith("x")]
    block = max(1, (1 << 23) // (len(ref) + len(cur)))
    statistics_ = []
    n1, n2 = len(ref), len(cur)
    for start in range(0, len(numeric), block):
        names = numeric[start : start + block]
        a = np.sort(ref[names].to_numpy().T, axis=1)
        b = np.sort(cur[names].to_numpy().T, axis=1)
        order = np.argsort(np.concatenate([a, b], axis=1), axis=1, kind="stable")
        from_ref = np.cumsum(order < n1, axis=1)
        position = np.arange(1, n1 + n2 + 1)
        values = np.take_along_axis(np.concatenate([a, b], axis=1), order, axis=1)
        gap = np.abs(from_ref / n1 - (position - from_ref) / n2)
        last = np.ones_like(gap, dtype=bool)
        last[:, :-1] = np.diff(values, axis=1) != 0
        statistics_.append(np.where(last, gap, 0.0).max(axis=1))
    counts = []
    for name in ref.columns:
        if name.startswith("c"):
            codes, _ = pd.factorize(
                pd.concat([ref[name], cur[name]], ignore_index=True)
            )
            k = codes.max() + 1
            counts.append(
                (
                    np.bincount(codes[:n1], minlength=k),
                    np.bincount(codes[n1:], minlength=k),
                )
            )
    return np.concatenate(statistics_), counts


def check_agreement(ref: pd.DataFrame, cur: pd.DataFrame) -> None:
    table = drift_report(ref, cur).table.set_index("column")
    theirs = scipy_loop(ref, cur)
    for name, (statistic, p) in theirs.items():
        assert abs(table.loc[name, "statistic"] - statistic) <= 1e-12 * max(
            1, statistic
        )
        assert abs(table.loc[name, "p_value"] - p) <= 1e-12
    ks, counts = numpy_pass(ref, cur)
    numeric = [c for c in ref.columns if c.startswith("x")]
    if len(ref) > 10_000:  # the exact p-value rounds the statistic to 1/lcm
        assert np.array_equal(table.loc[numeric, "statistic"].to_numpy(), ks)
    categorical = [c for c in ref.columns if c.startswith("c")]
    for name, (a, b) in zip(categorical, counts, strict=True):
        assert table.loc[name, "n_reference"] == a.sum() == len(ref)
        assert table.loc[name, "n_current"] == b.sum() == len(cur)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = args.runs

    rows = []
    for n in (10_000, 100_000, 1_000_000):
        ref = simulated(n, seed=0, shift=0.0)
        cur = simulated(n, seed=1, shift=0.02)
        check_agreement(ref, cur)
        ours, theirs, plain = timed_together(
            [
                partial(drift_report, ref, cur),
                partial(scipy_loop, ref, cur),
                partial(numpy_pass, ref, cur),
            ],
            runs,
        )
        rows.append((n, ours, theirs, plain))

    n = 1_000_000
    ref = simulated(n, seed=0, shift=0.0)
    cur = simulated(n, seed=1, shift=0.02)
    block = ref[[f"x{i}" for i in range(4)]].to_numpy().T
    a = np.sort(block, axis=1)
    merged = np.concatenate([a, a], axis=1)
    parts = [
        (
            "frame to 2-d float block, 4 columns",
            lambda: ref[list(ref.columns[:4])].to_numpy().T,
        ),
        ("np.sort of the 2-d block, 4 columns", lambda: np.sort(block, axis=1)),
        (
            "stable argsort merging two sorted runs, 4 columns",
            lambda: np.argsort(merged, axis=1, kind="stable"),
        ),
        (
            "np.searchsorted x2 on the pooled values, 1 column (scipy's way)",
            lambda: (
                np.searchsorted(a[0], merged[0], "right"),
                np.searchsorted(a[0], merged[0], "right"),
            ),
        ),
        (
            "pd.factorize of one text column, both sides",
            lambda: pd.factorize(pd.concat([ref["c0"], cur["c0"]], ignore_index=True)),
        ),
    ]
    part_rows = [(what, timed(function, runs)) for what, function in parts]

    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}, numpy "
        f"{np.__version__}, pandas {pd.__version__}, scipy {scipy.__version__}; median "
        f"of {runs} runs after a warm-up; {N_NUMERIC} numeric and {N_CATEGORICAL} "
        "categorical columns, reference and current of the same size.\n"
    )
    print(
        "| rows per side | mlkit `drift_report` (s) | scipy loop (s) | numpy pass (s) "
        "| mlkit / numpy | scipy / mlkit |\n|---:|---:|---:|---:|---:|---:|"
    )
    for n, ours, theirs, plain in rows:
        print(
            f"| {n:,} | {ours:.3f} | {theirs:.3f} | {plain:.3f} | {ours / plain:.2f} | "
            f"{theirs / ours:.2f}x |"
        )
    print("\n| part of the work, 1e6 rows per side | seconds |\n|---|---:|")
    for what, seconds in part_rows:
        print(f"| {what} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
