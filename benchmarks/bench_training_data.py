"""Time the training-data tools on data of realistic size.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_training_data.py [--runs N]

It prints a Markdown table (median seconds of N runs after one warm-up);
benchmarks/RESULTS.md keeps the recorded one. Where scikit-learn does the same
work, its time is given beside mlkit's.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import TimeSeriesSplit, train_test_split

import mlkit as mk


def timed(function, runs: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", mk.splitting.TimeColumnWarning)
    runs = args.runs

    fraud = mk.cases.load("fraud")
    df = fraud.load_data()
    spec = fraud.spec
    columns = list(spec.feature_columns)
    parts = mk.splitting.split(
        df, strategy="time", time_column="timestamp", target="is_fraud"
    )
    pre = mk.features.make_preprocessor(spec.data.schema, columns).fit(
        parts.train[columns]
    )

    rng = np.random.default_rng(0)
    n = 1_000_000
    big = pd.DataFrame(
        {
            "t": np.sort(rng.uniform(0, 1e6, n)),
            "user": rng.integers(0, 10_000, n),
            "y": (rng.random(n) < 0.01).astype(int),
            "w": rng.random(n),
        }
    )
    positions = np.arange(n)
    rows = [
        (
            "`split`, random, fraud (280,886 rows)",
            timed(
                lambda: mk.splitting.split(df, strategy="random", random_state=0), runs
            ),
            timed(
                lambda: train_test_split(
                    positions[: len(df)], test_size=0.2, random_state=0
                ),
                runs,
            ),
        ),
        (
            "`split`, time, fraud",
            timed(
                lambda: mk.splitting.split(
                    df, strategy="time", time_column="timestamp"
                ),
                runs,
            ),
            None,
        ),
        (
            "`split`, time_group, 1e6 rows, 10,000 entities",
            timed(
                lambda: mk.splitting.split(
                    big, strategy="time_group", time_column="t", group_column="user"
                ),
                runs,
            ),
            None,
        ),
        (
            "`GroupTimeSeriesSplit`, 5 folds, 1e6 rows, no groups",
            timed(lambda: list(mk.splitting.GroupTimeSeriesSplit(5).split(big)), runs),
            timed(lambda: list(TimeSeriesSplit(5).split(big)), runs),
        ),
        (
            "`GroupTimeSeriesSplit`, 5 folds, 1e6 rows, 10,000 entities",
            timed(
                lambda: list(
                    mk.splitting.GroupTimeSeriesSplit(5, time_column="t").split(
                        big, groups=big["user"]
                    )
                ),
                runs,
            ),
            None,
        ),
        (
            "`leakage_report`, fraud time split, 4 features",
            timed(
                lambda: mk.splitting.leakage_report(
                    parts.train,
                    parts.test,
                    target="is_fraud",
                    time_column="timestamp",
                    columns=columns,
                ),
                runs,
            ),
            None,
        ),
        (
            "`leakage_report`, the same with the preprocessing check",
            timed(
                lambda: mk.splitting.leakage_report(
                    parts.train,
                    parts.test,
                    target="is_fraud",
                    time_column="timestamp",
                    columns=columns,
                    transformer=pre,
                ),
                runs,
            ),
            None,
        ),
        (
            "`reservoir_sample`, k=1,000 of 1e7 items",
            timed(
                lambda: mk.sampling.reservoir_sample(
                    range(10_000_000), 1000, random_state=0
                ),
                runs,
            ),
            None,
        ),
        (
            "`sample`, stratified 10 % of 1e6 rows",
            timed(
                lambda: mk.sampling.sample(
                    big, 0.1, method="stratified", by="y", random_state=0
                ),
                runs,
            ),
            timed(
                lambda: train_test_split(
                    positions, test_size=0.1, stratify=big["y"], random_state=0
                ),
                runs,
            ),
        ),
        (
            "`sample`, weighted 10 % of 1e6 rows",
            timed(
                lambda: mk.sampling.sample(
                    big, 0.1, method="weighted", weights="w", random_state=0
                ),
                runs,
            ),
            None,
        ),
    ]
    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}; "
        f"mlkit {mk.__version__}; median of {runs} runs after a warm-up.\n"
    )
    print("| what | mlkit (s) | scikit-learn, same work (s) |\n|---|---:|---:|")
    for what, ours, theirs in rows:
        print(f"| {what} | {ours:.3f} | {'' if theirs is None else f'{theirs:.3f}'} |")


if __name__ == "__main__":
    main()
