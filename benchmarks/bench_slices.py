"""Time the slice-based evaluation against the same work done with pandas.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_slices.py [--runs N]

It prints a Markdown table (median seconds of N >= 5 runs after a warm-up, the
contenders' runs interleaved, and the peak memory of one more call of each,
``_harness.peak_mb``); benchmarks/RESULTS.md keeps the recorded one.

- ``find_weak_slices`` on 1e5 and 1e6 rows with six features (four categorical,
  two numeric cut into five bins), one feature and pairs, against two pandas
  versions of the same search: a loop over the groups of ``groupby`` with
  statsmodels' z-test per slice (what one writes first), and one
  ``groupby().agg()`` per feature or pair with the tests vectorised. Before
  timing, each is checked to give the same slices, counts, error rates and
  p-values as mlkit.
- ``slice_metrics`` on 1e6 rows in 32 slices with 1000 bootstrap draws, for
  classification metrics (drawn from the confusion cells) and regression ones
  (rows resampled).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pandas as pd
from _harness import machine, peak_mb, timed, timed_together
from scipy import special
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from mlkit.evaluation import find_weak_slices, slice_metrics
from mlkit.evaluation._slices import MISSING, _cuts, _number

FEATURES = ["region", "channel", "plan", "device", "age", "income"]
MIN_SUPPORT = 0.02
BINS = 5


def simulate(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Six features, labels and predictions with a weak value and a weak pair."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "region": rng.choice([f"r{i}" for i in range(8)], n),
            "channel": rng.choice(["app", "web", "store", "phone"], n),
            "plan": rng.choice(["free", "basic", "pro"], n, p=[0.6, 0.3, 0.1]),
            "device": rng.choice(["ios", "android", "mac", "win", "linux"], n),
            "age": rng.integers(18, 90, n),
            "income": rng.lognormal(10, 0.8, n),
        }
    )
    df.loc[rng.random(n) < 0.03, "income"] = np.nan
    rate = np.where(df["region"] == "r3", 0.25, 0.1)
    rate = np.where((df["channel"] == "web") & (df["plan"] == "pro"), 0.3, rate)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < rate, 1 - y, y)
    return df, y, pred


def binned(df: pd.DataFrame) -> pd.DataFrame:
    """The features with numbers cut as mlkit cuts them, labelled as it labels them."""
    out = {}
    for column in FEATURES:
        values = df[column]
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > BINS:
            x = values.to_numpy(dtype="float64", na_value=np.nan)
            cuts = _cuts(x, BINS)
            edges = [_number(c) for c in cuts]
            labels = [
                f"< {edges[0]}",
                *[f"[{a}, {b})" for a, b in itertools.pairwise(edges)],
                f">= {edges[-1]}",
            ]
            values = pd.cut(
                x, [-np.inf, *cuts, np.inf], right=False, labels=labels
            ).astype(object)
        out[column] = pd.Series(values, index=df.index, dtype=object).fillna(MISSING)
    return pd.DataFrame(out)


def slice_sets() -> list[list[str]]:
    return [[c] for c in FEATURES] + [
        list(p) for p in itertools.combinations(FEATURES, 2)
    ]


def pandas_loop(df: pd.DataFrame, wrong: np.ndarray) -> pd.DataFrame:
    """The search as one writes it first: a loop over the groups, a test per slice."""
    frame = binned(df).assign(_wrong=wrong)
    n, total = len(frame), float(wrong.sum())
    min_count = int(np.ceil(MIN_SUPPORT * n))
    singles: dict[tuple[str, object], int] = {}
    rows = []
    for columns in slice_sets():
        for key, group in frame.groupby(columns, sort=True):
            count = len(group)
            if count < min_count or count == n:
                continue
            values = key if isinstance(key, tuple) else (key,)
            if len(columns) == 1:
                singles[(columns[0], values[0])] = count
            elif count in (
                singles.get((columns[0], values[0])),
                singles.get((columns[1], values[1])),
            ):
                continue
            inside = float(group["_wrong"].sum())
            _, p = proportions_ztest([inside, total - inside], [count, n - count])
            rows.append(
                {
                    "feature_1": columns[0],
                    "value_1": values[0],
                    "feature_2": columns[1] if len(columns) == 2 else None,
                    "value_2": values[1] if len(columns) == 2 else None,
                    "count": count,
                    "error_rate_in": inside / count,
                    "error_rate_out": (total - inside) / (n - count),
                    "p_value": p,
                }
            )
    table = pd.DataFrame(rows)
    table["q_value"] = multipletests(table["p_value"], method="fdr_bh")[1]
    return table


def pandas_agg(df: pd.DataFrame, wrong: np.ndarray) -> pd.DataFrame:
    """The same search with one groupby().agg() per feature or pair, tests vectorised."""
    frame = binned(df).assign(_wrong=wrong)
    n, total = len(frame), float(wrong.sum())
    min_count = int(np.ceil(MIN_SUPPORT * n))
    parts, counts = [], {}
    for columns in slice_sets():
        stats = frame.groupby(columns, sort=True)["_wrong"].agg(["size", "sum"])
        if len(columns) == 1:
            counts[columns[0]] = stats["size"]
        keys = stats.index.to_frame(index=False)
        part = pd.DataFrame(
            {
                "feature_1": columns[0],
                "value_1": keys.iloc[:, 0],
                "feature_2": columns[1] if len(columns) == 2 else None,
                "value_2": keys.iloc[:, 1] if len(columns) == 2 else None,
                "count": stats["size"].to_numpy(),
                "_sum": stats["sum"].to_numpy(),
            }
        )
        keep = (part["count"] >= min_count) & (part["count"] < n)
        if len(columns) == 2:
            keep &= (
                part["count"].to_numpy()
                != counts[columns[0]].reindex(part["value_1"]).to_numpy()
            )
            keep &= (
                part["count"].to_numpy()
                != counts[columns[1]].reindex(part["value_2"]).to_numpy()
            )
        parts.append(part[keep])
    table = pd.concat(parts, ignore_index=True)
    n_in, s_in = table["count"].to_numpy(float), table.pop("_sum").to_numpy()
    n_out, s_out = n - n_in, total - s_in
    pooled = total / n
    z = (s_in / n_in - s_out / n_out) / np.sqrt(
        pooled * (1 - pooled) * (1 / n_in + 1 / n_out)
    )
    table["error_rate_in"] = s_in / n_in
    table["error_rate_out"] = s_out / n_out
    table["p_value"] = 2 * special.ndtr(-np.abs(z))
    table["q_value"] = multipletests(table["p_value"], method="fdr_bh")[1]
    return table


def check_same(ours: pd.DataFrame, theirs: pd.DataFrame, name: str) -> None:
    keys = ["feature_1", "value_1", "feature_2", "value_2"]
    left = ours.assign(**{k: ours[k].astype(str) for k in keys})
    right = theirs.assign(**{k: theirs[k].astype(str) for k in keys})
    both = left.merge(
        right, on=keys, how="outer", suffixes=("", "_ref"), indicator=True
    )
    if not (both["_merge"] == "both").all():
        raise AssertionError(f"{name}: not the same slices")
    for column in ("count", "error_rate_in", "error_rate_out", "p_value", "q_value"):
        np.testing.assert_allclose(
            both[column].astype(float),
            both[f"{column}_ref"].astype(float),
            rtol=1e-9,
            atol=1e-300,
            err_msg=f"{name}: {column}",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = args.runs
    if runs < 5:
        parser.error("--runs: at least 5, the median of fewer says little")
    print(f"Before: {machine()}", flush=True)
    rows = []
    for n in (100_000, 1_000_000):
        df, y, pred = simulate(n)
        wrong = (y != pred).astype(float)
        contenders = [
            lambda df=df, y=y, pred=pred: find_weak_slices(
                df, y, pred, min_support=MIN_SUPPORT, bins=BINS
            ),
            lambda df=df, w=wrong: pandas_loop(df, w),
            lambda df=df, w=wrong: pandas_agg(df, w),
        ]
        # The check calls each contender once: their warm-up.
        ours = contenders[0]().all
        check_same(ours, contenders[1](), "groupby loop")
        check_same(ours, contenders[2](), "groupby agg")
        seconds = timed_together(contenders, runs, warm_up=False)
        memory = [peak_mb(function) for function in contenders]
        what = f"`find_weak_slices`, {n:,} rows, 6 features, {len(ours):,} slices"
        rows.append((what, *seconds, *memory))

    n = 1_000_000
    df, y, pred = simulate(n, seed=1)
    groups = df[["region", "channel"]]
    rng = np.random.default_rng(2)
    truth = rng.normal(100, 20, n)
    estimate = truth + rng.normal(0, 10, n)
    for what, call in (
        (
            "`slice_metrics`, 1e6 rows, 32 slices, accuracy, precision, recall, f1",
            lambda: slice_metrics(
                y,
                pred,
                slices=groups,
                metrics=["accuracy", "precision", "recall", "f1"],
                n_bootstrap=1000,
                random_state=0,
            ),
        ),
        (
            "`slice_metrics`, 1e6 rows, 32 slices, mae, rmse, bias",
            lambda: slice_metrics(
                truth,
                estimate,
                slices=groups,
                metrics=["mae", "rmse", "bias"],
                n_bootstrap=1000,
                random_state=0,
            ),
        ),
    ):
        seconds = timed(call, runs)
        rows.append((what + ", 1000 draws", seconds, None, None, peak_mb(call)))

    print(
        f"\nAfter: {machine()}\nMedian of {runs} runs after a warm-up, the three "
        "searches' runs interleaved; the pandas versions give the same slices, "
        "counts, rates and p-values (checked first). Peak MB: traced allocations "
        "of one call beyond its inputs.\n"
    )
    print(
        "| what | mlkit (s) | pandas groupby loop (s) | speed-up | "
        "pandas groupby-agg (s) | speed-up | peak MB: mlkit | loop | agg |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for what, ours, loop, agg, *memory in rows:
        cells = [f"{ours:.3f}"]
        for other in (loop, agg):
            cells += (
                ["", ""] if other is None else [f"{other:.3f}", f"{other / ours:.0f}x"]
            )
        cells += [f"{m:.1f}" for m in memory] + [""] * (3 - len(memory))
        print(f"| {what} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
