"""Time mlkit.fairness.group_metrics against fairlearn and a plain numpy pass.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_fairness.py [--runs N] [--fairlearn-runs M]
        [--skip-fairlearn]

It prints two Markdown tables; benchmarks/RESULTS.md keeps the recorded ones.

1. Seconds (median of N runs after a warm-up, the contenders' runs interleaved,
   one thread) of:

   - mlkit: ``group_metrics(y, y_pred, sensitive_features=s)`` (its input checks,
     eight metrics per group and overall, the warnings' checks) and
     ``.disparities()``;
   - fairlearn: ``MetricFrame`` with ``count``, ``selection_rate``,
     ``true_positive_rate``, ``false_positive_rate``, ``false_negative_rate``,
     scikit-learn's ``precision_score`` and ``accuracy_score``, then
     ``demographic_parity_difference`` and ``equalized_odds_difference`` (each
     of which builds its own ``MetricFrame``, as a user calls them);
   - a plain numpy pass: the column's codes (a categorical's codes, or
     ``pd.factorize`` of text), one ``np.bincount`` of ``codes * 4 + 2 * y +
     y_pred``, the rates from the cells and the two disparities; no checks, no
     tables.

   1e5 and 1e6 rows (1e7 for mlkit and numpy only), 2 and 50 groups, the
   sensitive column as a categorical and as text (pandas' default ``str``
   dtype). Before timing, the three are checked to agree: every metric per
   group to 1e-12, the group index exactly, the disparities to 1e-12. The
   check's call is each contender's warm-up. fairlearn takes some 45 s a run at
   1e6 rows: ``--fairlearn-runs`` sets its runs there (N elsewhere). Peak
   memory (``_harness.peak_mb``: traced allocations beyond the inputs, not
   pyarrow's buffers) comes from one more call of each, after the timed ones.
2. The parts of mlkit's work at 1e7 rows, 50 groups, to say where the time goes.
"""

from __future__ import annotations

import argparse
import functools
import os
import warnings

# One thread, before numpy loads its BLAS: every contender then runs on one core.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from _harness import machine, peak_mb, timed, timed_together

from mlkit.fairness import group_metrics
from mlkit.fairness._metrics import (
    _feature_columns,
    _group_codes,
    _positives,
    _rates,
)

METRICS = ("count", "selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy")


def simulated(n: int, n_groups: int, seed: int = 0):
    """Labels and decisions (int64 0/1) and a sensitive column of unequal groups.

    A third of the rows are positive; the model errs more in some groups. The
    column is returned as text (pandas' default ``str`` dtype) and as a
    categorical.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_groups + 1) ** 0.5
    codes = rng.choice(n_groups, size=n, p=weights / weights.sum())
    names = np.array([f"group_{g:02d}" for g in range(n_groups)])
    y = (rng.random(n) < 0.3).astype(np.int64)
    error = 0.08 + 0.2 * (codes % 3 == 0)
    pred = np.where(rng.random(n) < error, 1 - y, y)
    text = pd.Series(names[codes], name="group")
    assert str(text.dtype) == "str"
    return y, pred, text, text.astype("category")


def mlkit_pass(y, pred, column):
    result = group_metrics(y, pred, sensitive_features=column)
    return result.by_group, result.disparities()


def fairlearn_pass(y, pred, column):
    from fairlearn.metrics import (
        MetricFrame,
        count,
        demographic_parity_difference,
        equalized_odds_difference,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "precision": functools.partial(precision_score, zero_division=np.nan),
        "accuracy": accuracy_score,
    }
    frame = MetricFrame(
        metrics=metrics, y_true=y, y_pred=pred, sensitive_features=column
    )
    dp = demographic_parity_difference(y, pred, sensitive_features=column)
    eo = equalized_odds_difference(y, pred, sensitive_features=column)
    return frame.by_group, dp, eo


def numpy_pass(y, pred, column):
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, k = column.cat.codes.to_numpy(), len(column.cat.categories)
    else:
        codes, uniques = pd.factorize(column, sort=True)
        k = len(uniques)
    key = codes.astype(np.intp) * 4 + 2 * y + pred
    cells = np.bincount(key, minlength=4 * k).reshape(k, 4)
    rates = _rates(cells)
    dp = np.nanmax(rates["selection_rate"]) - np.nanmin(rates["selection_rate"])
    eo = max(np.nanmax(rates[m]) - np.nanmin(rates[m]) for m in ("tpr", "fpr"))
    return cells, rates, dp, eo


def check_agreement(ours, plain, theirs=None) -> None:
    by_group, disparities = ours
    cells, rates, dp, eo = plain
    np.testing.assert_array_equal(by_group["count"].to_numpy(), cells.sum(axis=1))
    for metric in METRICS[1:]:
        np.testing.assert_allclose(
            by_group[metric].to_numpy(), rates[metric], rtol=0, atol=1e-12
        )
    assert abs(disparities["demographic_parity_difference"] - dp) <= 1e-12
    assert abs(disparities["equalized_odds_difference"] - eo) <= 1e-12
    if theirs is None:
        return
    frame, their_dp, their_eo = theirs
    pd.testing.assert_index_equal(by_group.index, frame.index, exact=True)
    for metric in METRICS:
        np.testing.assert_allclose(
            by_group[metric].to_numpy(dtype=float),
            frame[metric].to_numpy(dtype=float),
            rtol=0,
            atol=1e-12,
        )
    assert abs(disparities["demographic_parity_difference"] - their_dp) <= 1e-12
    assert abs(disparities["equalized_odds_difference"] - their_eo) <= 1e-12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--fairlearn-runs",
        type=int,
        default=None,
        help="fairlearn's runs at 1e6 rows (default: --runs)",
    )
    parser.add_argument(
        "--skip-fairlearn",
        action="store_true",
        help="time mlkit and numpy only (fairlearn takes about 40 s a run at 1e6 rows)",
    )
    args = parser.parse_args()
    runs = args.runs
    if runs < 5:
        parser.error("--runs: at least 5, the median of fewer says little")
    big_runs = runs if args.fairlearn_runs is None else args.fairlearn_runs
    print(f"Before: {machine()}", flush=True)

    rows = []
    for n in (100_000, 1_000_000, 10_000_000):
        for n_groups in (2, 50):
            y, pred, text, categorical = simulated(n, n_groups)
            for kind, column in (("categorical", categorical), ("str", text)):
                ours = functools.partial(mlkit_pass, y, pred, column)
                plain = functools.partial(numpy_pass, y, pred, column)
                contenders = [ours, plain]
                with_fairlearn = n <= 1_000_000 and not args.skip_fairlearn
                if with_fairlearn:
                    contenders.append(
                        functools.partial(fairlearn_pass, y, pred, column)
                    )
                with warnings.catch_warnings():
                    # fairlearn's own pandas deprecation warnings, if any.
                    warnings.simplefilter("ignore", FutureWarning)
                    warnings.simplefilter("ignore", DeprecationWarning)
                    results = [function() for function in contenders]  # warm-up
                    check_agreement(*results)
                    del results
                    seconds = timed_together(contenders[:2], runs, warm_up=False)
                    if with_fairlearn:
                        their_runs = big_runs if n >= 1_000_000 else runs
                        seconds += timed_together(
                            contenders[2:], their_runs, warm_up=False
                        )
                    memory = [peak_mb(function) for function in contenders]
                theirs = (seconds[2], memory[2]) if with_fairlearn else (None, None)
                rows.append((n, n_groups, kind, *seconds[:2], *memory[:2], *theirs))
                print(f"done: {n:,} rows, {n_groups} groups, {kind}", flush=True)

    # Where mlkit's time goes, at 1e7 rows and 50 groups.
    y, pred, text, categorical = simulated(10_000_000, 50)
    positive, selected = _positives(y, pred, 1)
    grid = _group_codes(_feature_columns(categorical, len(y)))

    def key_and_count():
        key = np.multiply(grid.codes, 4, dtype=np.intp)
        key += positive.view(np.uint8) << 1 | selected.view(np.uint8)
        return np.bincount(key, minlength=4 * grid.size)

    objects = text.to_numpy(dtype=object)
    small_y, small_pred, _, small_column = simulated(100_000, 50)
    parts = [
        ("labels: checks and positives, `_positives`", lambda: _positives(y, pred, 1)),
        (
            "categorical column: codes and missing check",
            lambda: _group_codes(_feature_columns(categorical, len(y))),
        ),
        (
            "text column: `pd.factorize(sort=True)` and missing check",
            lambda: _group_codes(_feature_columns(text, len(y))),
        ),
        ("text column: `pd.factorize` alone", lambda: pd.factorize(text)),
        (
            "text column: `pyarrow.compute.dictionary_encode`",
            lambda: pc.dictionary_encode(text.array._pa_array),
        ),
        ("text column: `.astype('category')`", lambda: text.astype("category")),
        ("text column as object, `pd.factorize`", lambda: pd.factorize(objects)),
        ("key `group * 4 + cell` and `np.bincount`", key_and_count),
        (
            "whole call at 1e5 rows (categorical): fixed costs of tables and checks",
            lambda: group_metrics(small_y, small_pred, sensitive_features=small_column),
        ),
        (
            "the same with `n_bootstrap=1000` (multinomial cells)",
            lambda: group_metrics(
                small_y,
                small_pred,
                sensitive_features=small_column,
                n_bootstrap=1000,
                random_state=0,
            ),
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small groups, if the draw makes any
        part_rows = [(what, timed(function, runs)) for what, function in parts]

    fairlearn_runs = (
        "fairlearn not run"
        if args.skip_fairlearn
        else f"fairlearn: {runs} runs at 1e5 rows, {big_runs} at 1e6"
    )
    print(
        f"\nAfter: {machine()}\nMedian of {runs} runs after a warm-up, mlkit's and "
        f"numpy's interleaved ({fairlearn_runs}); one thread. Peak MB: traced "
        "allocations of one call beyond its inputs.\n"
    )
    print(
        "| rows | groups | column | mlkit (s) | numpy pass (s) | fairlearn (s) | "
        "mlkit / numpy | fairlearn / mlkit | peak MB: mlkit | numpy | fairlearn |\n"
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for n, n_groups, kind, ours, plain, m_ours, m_plain, theirs, m_theirs in rows:
        their_text = f"{theirs:.2f}" if theirs is not None else ""
        speedup = f"{theirs / ours:,.0f}x" if theirs is not None else ""
        their_memory = f"{m_theirs:.1f}" if m_theirs is not None else ""
        print(
            f"| {n:,} | {n_groups} | {kind} | {ours:.4f} | {plain:.4f} | "
            f"{their_text} | {ours / plain:.2f} | {speedup} | {m_ours:.1f} | "
            f"{m_plain:.1f} | {their_memory} |"
        )
    print("\n| part of mlkit's work, 1e7 rows, 50 groups | seconds |\n|---|---:|")
    for what, seconds in part_rows:
        print(f"| {what} | {seconds:.4f} |")


if __name__ == "__main__":
    main()
