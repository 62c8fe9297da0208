"""Time the training-data tools on data of realistic size.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_training_data.py [--runs N]

It prints a Markdown table (median seconds of N >= 5 runs after one warm-up,
and the peak memory of one more call, ``_harness.peak_mb``);
benchmarks/RESULTS.md keeps the recorded one. Where scikit-learn does the same
work, its time is given beside mlkit's, their runs interleaved, and the two are
checked to do the same work before anything is timed: the same test rows of a
random split, folds of the same sizes (within a row) and the same rows per class
in a stratified sample.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from _harness import machine, peak_mb, timed, timed_together
from sklearn.model_selection import TimeSeriesSplit, train_test_split

import mlkit as mk
from mlkit._validation import check_random_state


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:,.0f}"


def check_same_work(df: pd.DataFrame, big: pd.DataFrame) -> None:
    """Where scikit-learn's column is given, check it does the same work first."""
    positions = np.arange(len(df))
    parts = mk.splitting.split(df, strategy="random", random_state=0)
    # split turns random_state into scikit-learn's int seed this way.
    seed = int(check_random_state(0).integers(2**31 - 1))
    _, test = train_test_split(positions, test_size=0.2, random_state=seed)
    ours = np.flatnonzero((parts.assignment == "test").to_numpy())
    assert np.array_equal(ours, np.sort(test)), "split: not scikit-learn's test rows"

    # Without groups, the same expanding folds; fold edges may round the other way.
    folds = list(mk.splitting.GroupTimeSeriesSplit(5).split(big))
    theirs = list(TimeSeriesSplit(5).split(big))
    for (train, test), (their_train, their_test) in zip(folds, theirs, strict=True):
        assert train.max() < test.min(), "GroupTimeSeriesSplit: test before train"
        assert abs(len(test) - len(their_test)) <= 1
        assert abs(len(train) - len(their_train)) <= 5
        assert abs(int(test[0]) - int(their_test[0])) <= 5

    # A stratified 10 %: the same number of rows of each class.
    drawn = mk.sampling.sample(big, 0.1, method="stratified", by="y", random_state=0)
    _, their_rows = train_test_split(
        np.arange(len(big)), test_size=0.1, stratify=big["y"], random_state=0
    )
    assert (
        drawn["y"]
        .value_counts()
        .sort_index()
        .equals(big["y"].iloc[their_rows].value_counts().sort_index())
    ), "sample: not the same rows per class as train_test_split(stratify=)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", mk.splitting.TimeColumnWarning)
    runs = args.runs
    if runs < 5:
        parser.error("--runs: at least 5, the median of fewer says little")
    print(f"Before: {machine()}", flush=True)

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
    check_same_work(df, big)

    cases = [
        (
            "`split`, random, fraud (280,886 rows)",
            lambda: mk.splitting.split(df, strategy="random", random_state=0),
            lambda: train_test_split(
                positions[: len(df)], test_size=0.2, random_state=0
            ),
        ),
        (
            "`split`, time, fraud",
            lambda: mk.splitting.split(df, strategy="time", time_column="timestamp"),
            None,
        ),
        (
            "`split`, time_group, 1e6 rows, 10,000 entities",
            lambda: mk.splitting.split(
                big, strategy="time_group", time_column="t", group_column="user"
            ),
            None,
        ),
        (
            "`GroupTimeSeriesSplit`, 5 folds, 1e6 rows, no groups",
            lambda: list(mk.splitting.GroupTimeSeriesSplit(5).split(big)),
            lambda: list(TimeSeriesSplit(5).split(big)),
        ),
        (
            "`GroupTimeSeriesSplit`, 5 folds, 1e6 rows, 10,000 entities",
            lambda: list(
                mk.splitting.GroupTimeSeriesSplit(5, time_column="t").split(
                    big, groups=big["user"]
                )
            ),
            None,
        ),
        (
            "`leakage_report`, fraud time split, 4 features",
            lambda: mk.splitting.leakage_report(
                parts.train,
                parts.test,
                target="is_fraud",
                time_column="timestamp",
                columns=columns,
            ),
            None,
        ),
        (
            "`leakage_report`, the same with the preprocessing check",
            lambda: mk.splitting.leakage_report(
                parts.train,
                parts.test,
                target="is_fraud",
                time_column="timestamp",
                columns=columns,
                transformer=pre,
            ),
            None,
        ),
        (
            "`reservoir_sample`, k=1,000 of 1e7 items",
            lambda: mk.sampling.reservoir_sample(
                range(10_000_000), 1000, random_state=0
            ),
            None,
        ),
        (
            "`sample`, stratified 10 % of 1e6 rows",
            lambda: mk.sampling.sample(
                big, 0.1, method="stratified", by="y", random_state=0
            ),
            lambda: train_test_split(
                positions, test_size=0.1, stratify=big["y"], random_state=0
            ),
        ),
        (
            "`sample`, weighted 10 % of 1e6 rows",
            lambda: mk.sampling.sample(
                big, 0.1, method="weighted", weights="w", random_state=0
            ),
            None,
        ),
    ]
    rows = []
    for what, ours, theirs in cases:
        if theirs is None:
            seconds = [timed(ours, runs), None]
            memory = [peak_mb(ours), None]
        else:
            seconds = timed_together([ours, theirs], runs)
            memory = [peak_mb(ours), peak_mb(theirs)]
        rows.append((what, *seconds, *memory))

    print(
        f"\nAfter: {machine()}\nMedian of {runs} runs after a warm-up (mlkit's and "
        "scikit-learn's interleaved); peak MB: traced allocations of one call beyond "
        "its inputs.\n"
    )
    print(
        "| what | mlkit (s) | scikit-learn, same work (s) | mlkit / scikit-learn "
        "| peak MB: mlkit | scikit-learn |\n|---|---:|---:|---:|---:|---:|"
    )
    for what, ours, theirs, m_ours, m_theirs in rows:
        if theirs is None:
            print(f"| {what} | {ours:.3f} |  |  | {m_ours:.1f} |  |")
        else:
            print(
                f"| {what} | {ours:.3f} | {theirs:.4f} | {_ratio(ours / theirs)} "
                f"| {m_ours:.1f} | {m_theirs:.1f} |"
            )


if __name__ == "__main__":
    main()
