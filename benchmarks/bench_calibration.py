"""Time mlkit.calibration.reliability against scikit-learn and a plain numpy pass.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_calibration.py [--runs N]

It prints two Markdown tables; benchmarks/RESULTS.md keeps the recorded ones.

1. Seconds (median of N runs after a warm-up, the three contenders' runs
   interleaved, one thread) of ``reliability(y, p)`` (15 bins;
   table, ECE, MCE and Brier score, with its input checks), of scikit-learn's
   ``calibration_curve`` plus ``brier_score_loss``, and of a plain numpy pass:
   the same bin edges, ``np.searchsorted`` for the bin index, and one
   ``np.bincount`` each for the rows, the sum of probabilities and the sum of
   labels (no checks, no Brier score). 1e6 and 1e7 rows, uniform and quantile
   bins. Before timing, the three are checked to agree.
2. The parts of that work at 1e7 rows, to say where the time goes.
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
from _harness import timed, timed_together
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from mlkit.calibration import _bin_index, reliability

N_BINS = 15


def edges_of(p: np.ndarray, strategy: str) -> np.ndarray:
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, N_BINS + 1)
    return np.percentile(p, np.linspace(0, 1, N_BINS + 1) * 100)


def numpy_pass(y: np.ndarray, p: np.ndarray, strategy: str):
    edges = edges_of(p, strategy)
    index = np.searchsorted(edges[1:-1], p)
    count = np.bincount(index, minlength=N_BINS)
    sum_p = np.bincount(index, weights=p, minlength=N_BINS)
    sum_y = np.bincount(index, weights=y, minlength=N_BINS)
    return count, sum_p, sum_y


def scikit_learn(y: np.ndarray, p: np.ndarray, strategy: str):
    prob_true, prob_pred = calibration_curve(y, p, n_bins=N_BINS, strategy=strategy)
    return prob_true, prob_pred, brier_score_loss(y, p)


def simulated(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0/1 (int64) and over-confident probabilities skewed towards 0."""
    rng = np.random.default_rng(seed)
    truth = rng.beta(2.0, 5.0, size=n)
    y = (rng.uniform(size=n) < truth).astype(np.int64)
    logit = np.log(truth) - np.log1p(-truth)
    return y, 1 / (1 + np.exp(-2.0 * logit))


def check_agreement(y: np.ndarray, p: np.ndarray, strategy: str) -> None:
    ours = reliability(y, p, n_bins=N_BINS, strategy=strategy)
    prob_true, prob_pred, brier = scikit_learn(y, p, strategy)
    table = ours.table
    assert np.array_equal(table["observed_frequency"].to_numpy(), prob_true)
    assert np.array_equal(table["mean_predicted"].to_numpy(), prob_pred)
    assert abs(ours.brier - brier) <= 1e-12 * brier
    count, sum_p, sum_y = numpy_pass(y, p, strategy)
    kept = count > 0
    assert np.array_equal(table["count"].to_numpy(), count[kept])
    assert np.array_equal(table["mean_predicted"].to_numpy(), sum_p[kept] / count[kept])
    assert np.array_equal(
        table["observed_frequency"].to_numpy(), sum_y[kept] / count[kept]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    runs = args.runs

    rows = []
    for n in (1_000_000, 10_000_000):
        y, p = simulated(n)
        for strategy in ("uniform", "quantile"):
            check_agreement(y, p, strategy)
            ours, theirs, plain = timed_together(
                [
                    partial(reliability, y, p, n_bins=N_BINS, strategy=strategy),
                    partial(scikit_learn, y, p, strategy),
                    partial(numpy_pass, y, p, strategy),
                ],
                runs,
            )
            rows.append((n, strategy, ours, theirs, plain))

    y, p = simulated(10_000_000)
    uniform = np.linspace(0.0, 1.0, N_BINS + 1)
    quantile = edges_of(p, "quantile")
    index = np.searchsorted(uniform[1:-1], p)
    outcome = y.astype(np.float64)
    parts = [
        (
            "bin index, np.searchsorted (uniform edges)",
            lambda: np.searchsorted(uniform[1:-1], p),
        ),
        ("bin index, mlkit's uniform path", lambda: _bin_index(p, uniform, True)),
        (
            "bin index, np.searchsorted (quantile edges)",
            lambda: np.searchsorted(quantile[1:-1], p),
        ),
        ("quantile edges, np.percentile", lambda: edges_of(p, "quantile")),
        (
            "three np.bincount (rows, sum p, sum y)",
            lambda: (
                np.bincount(index, minlength=N_BINS),
                np.bincount(index, weights=p, minlength=N_BINS),
                np.bincount(index, weights=y, minlength=N_BINS),
            ),
        ),
        (
            "checks: min and max of p and of y",
            lambda: (p.min(), p.max(), y.min(), y.max()),
        ),
        ("labels to float64", lambda: y.astype(np.float64)),
        (
            "Brier score, p.p - 2 p.y + sum y",
            lambda: np.dot(p, p) - 2 * np.dot(p, outcome) + outcome.sum(),
        ),
    ]
    part_rows = [(what, timed(function, runs)) for what, function in parts]

    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}, numpy "
        f"{np.__version__}; median of {runs} runs after a warm-up; {N_BINS} bins.\n"
    )
    print(
        "| rows | strategy | mlkit `reliability` (s) | scikit-learn `calibration_curve` "
        "+ `brier_score_loss` (s) | numpy pass (s) | mlkit / numpy |\n"
        "|---:|---|---:|---:|---:|---:|"
    )
    for n, strategy, ours, theirs, plain in rows:
        print(
            f"| {n:,} | {strategy} | {ours:.3f} | {theirs:.3f} | {plain:.3f} | "
            f"{ours / plain:.2f} |"
        )
    print("\n| part of the work, 1e7 rows | seconds |\n|---|---:|")
    for what, seconds in part_rows:
        print(f"| {what} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
