"""Time the feature tools of mlkit on generated data and on the fraud case.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_features.py [--runs N]

It prints a Markdown table; benchmarks/RESULTS.md keeps the recorded one. Seconds
are the median of N runs after a warm-up, on one thread:

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
import platform

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd
from _harness import timed

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
        ours = timed(
            lambda df=df: mk.features.missing_values(df, target="target"), runs
        )
        floor = timed(lambda df=df: pandas_floor(df), runs)
        rows.append(
            (f"`missing_values`, {n:,} rows x 12 columns, 4 with gaps", ours, floor)
        )

    case = mk.cases.load("fraud")
    data = case.load_data()
    rows.append(
        (
            f"`case_features`, fraud hook, {len(data):,} payments",
            timed(lambda: mk.features.case_features(case, data), runs),
            None,
        )
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
    rows.append(
        (
            "`generalisation`, 1,000,000 test rows against 1,000,000 training rows",
            timed(lambda: mk.features.generalisation(train, test), runs),
            None,
        )
    )

    fs = mk.features.case_features(case, data)
    positions = np.random.default_rng(0).choice(len(data), 60_000, replace=False)
    X, y = fs.X().iloc[positions], fs.y().iloc[positions]
    model = mk.models.ladder(fs.task, fs.kinds, fs.columns, random_state=0)["boosting"]
    model.fit(X.iloc[:40_000], y.iloc[:40_000])
    held_X, held_y = X.iloc[40_000:], y.iloc[40_000:]
    rows.append(
        (
            "`feature_importance`, SHAP, boosting on 14 inputs, 500 rows",
            timed(
                lambda: mk.features.feature_importance(
                    model, held_X, method="shap", n_samples=500, random_state=0
                ),
                runs,
            ),
            None,
        )
    )
    rows.append(
        (
            "`feature_importance`, permutation, 3 repeats, 20,000 rows",
            timed(
                lambda: mk.features.feature_importance(
                    model,
                    held_X,
                    held_y,
                    method="permutation",
                    n_repeats=3,
                    random_state=0,
                ),
                runs,
            ),
            None,
        )
    )

    print(
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"median of {runs} runs after a warm-up, one thread\n")
    print("| what | mlkit (s) | pandas floor (s) | mlkit / floor |")
    print("|---|---:|---:|---:|")
    for what, ours, floor in rows:
        if floor is None:
            print(f"| {what} | {ours:.3f} |  |  |")
        else:
            print(f"| {what} | {ours:.3f} | {floor:.3f} | {ours / floor:.2f} |")


if __name__ == "__main__":
    main()
