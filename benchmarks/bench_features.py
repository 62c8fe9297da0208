"""Time the feature tools of mlkit on generated data and on the fraud case.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_features.py [--runs N]

It prints a Markdown table; benchmarks/RESULTS.md keeps the recorded one. Seconds
are the median of N >= 5 runs after a warm-up, on one thread (mlkit's and the
floor's runs interleaved), and peak MB the traced allocations of one more call
beyond its inputs (``_harness.peak_mb``):

- ``missing_values`` on 100,000 and 1,000,000 generated rows of 12 columns (8
  numeric, 4 categorical), four of them with gaps (MAR, MNAR, MCAR and missing
  together), against the floor of a single pandas pass that every such analysis
  needs: ``df.isna()`` and, per column with gaps, one ``groupby`` of its indicator
  by each other column (what the explanation search costs when written directly);
- the fraud case's ``features`` hook (card and terminal histories) through
  ``case_features`` on its 280,886 payments;
- ``generalisation`` of 1,000,000 test rows against 1,000,000 training rows;
- ``feature_importance``: SHAP on 500 rows of a boosted model, and permutation
  importance (3 repeats) on 20,000 rows, both on the fraud case's inputs.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd
from _harness import machine, peak_mb, timed, timed_together

import mlkit as mk


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(8)})
    df["channel"] = pd.Categorical(rng.choice(["app", "web", "shop"], n))
    df["region"] = rng.choice(["north", "south", "east", "west"], n)
    df["plan"] = rng.choice(["a", "b", "c"], n)
    df["tier"] = pd.Categorical(rng.choice(["gold", "silver"], n))
    df["target"] = rng.random(n) < 0.1
    df.loc[df["channel"] == "web", "x0"] = np.nan  # MAR: explained by channel
    df.loc[df["target"] & (rng.random(n) < 0.5), "x1"] = np.nan  # with the target
    df.loc[rng.random(n) < 0.05, "x2"] = np.nan  # MCAR
    together = rng.random(n) < 0.03
    df.loc[together, "x3"] = np.nan
    df.loc[together, "plan"] = None  # missing together with x3
    return df


def pandas_floor(df: pd.DataFrame) -> None:
    gaps = df.isna()
    others = [c for c in df.columns if c != "target"]
    for column in gaps.columns[gaps.any()]:
        indicator = gaps[column]
        for other in others:
            if other != column:
                key = df[other]
                if key.dtype.kind == "f":
                    key = pd.qcut(key, 5, duplicates="drop")
                indicator.groupby(key, observed=True).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    if runs < 5:
        parser.error("--runs: at least 5, the median of fewer says little")
    print(f"Before: {machine()}", flush=True)

    rows = []
    for n in (100_000, 1_000_000):
        df = frame(n)
        result = mk.features.missing_values(df, target="target")
        found = dict(
            zip(result.table["column"], result.table["mechanism"], strict=True)
        )
        assert found["x0"].startswith("MAR: explained by channel"), found
        assert "related to the target" in found["x1"], found
        assert found["x2"].startswith("no pattern"), found
        assert found["x3"].startswith("missing together with plan"), found
        contenders = [
            lambda df=df: mk.features.missing_values(df, target="target"),
            lambda df=df: pandas_floor(df),
        ]
        seconds = timed_together(contenders, runs)
        memory = [peak_mb(function) for function in contenders]
        rows.append(
            (
                f"`missing_values`, {n:,} rows x 12 columns, 4 with gaps",
                *seconds,
                *memory,
            )
        )

    def alone(what: str, function) -> None:
        rows.append((what, timed(function, runs), None, peak_mb(function), None))

    case = mk.cases.load("fraud")
    data = case.load_data()
    alone(
        f"`case_features`, fraud hook, {len(data):,} payments",
        lambda: mk.features.case_features(case, data),
    )

    rng = np.random.default_rng(1)
    train = pd.DataFrame(
        {
            "amount": rng.lognormal(3, 1, 1_000_000),
            "merchant": rng.integers(0, 5_000, 1_000_000).astype(str),
        }
    )
    test = pd.DataFrame(
        {
            "amount": rng.lognormal(3.1, 1, 1_000_000),
            "merchant": rng.integers(0, 5_200, 1_000_000).astype(str),
        }
    )
    alone(
        "`generalisation`, 1,000,000 test rows against 1,000,000 training rows",
        lambda: mk.features.generalisation(train, test),
    )

    fs = mk.features.case_features(case, data)
    positions = np.random.default_rng(0).choice(len(data), 60_000, replace=False)
    X, y = fs.X().iloc[positions], fs.y().iloc[positions]
    model = mk.models.ladder(fs.task, fs.kinds, fs.columns, random_state=0)["boosting"]
    model.fit(X.iloc[:40_000], y.iloc[:40_000])
    held_X, held_y = X.iloc[40_000:], y.iloc[40_000:]
    alone(
        "`feature_importance`, SHAP, boosting on 14 inputs, 500 rows",
        lambda: mk.features.feature_importance(
            model, held_X, method="shap", n_samples=500, random_state=0
        ),
    )
    alone(
        "`feature_importance`, permutation, 3 repeats, 20,000 rows",
        lambda: mk.features.feature_importance(
            model, held_X, held_y, method="permutation", n_repeats=3, random_state=0
        ),
    )

    print(
        f"\nAfter: {machine()}\nMedian of {runs} runs after a warm-up, one thread; "
        "peak MB: traced allocations of one call beyond its inputs.\n"
    )
    print(
        "| what | mlkit (s) | pandas floor (s) | mlkit / floor | peak MB: mlkit | floor |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for what, ours, floor, m_ours, m_floor in rows:
        if floor is None:
            print(f"| {what} | {ours:.3f} |  |  | {m_ours:.1f} |  |")
        else:
            print(
                f"| {what} | {ours:.3f} | {floor:.3f} | {ours / floor:.2f} "
                f"| {m_ours:.1f} | {m_floor:.1f} |"
            )


if __name__ == "__main__":
    main()
