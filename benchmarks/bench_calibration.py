"""Time mlkit.calibration.reliability against scikit-learn and a plain numpy pass.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_calibration.py [--runs N]

It prints three Markdown tables; benchmarks/RESULTS.md keeps the recorded ones.

1. Seconds (median of N runs after a warm-up, the three contenders' runs
   interleaved, one thread) of ``reliability(y, p)`` (15 bins;
   table, ECE, MCE and Brier score, with its input checks), of scikit-learn's
   ``calibration_curve`` plus ``brier_score_loss``, and of a plain numpy pass:
   the same bin edges, ``np.searchsorted`` for the bin index, and one
   ``np.bincount`` each for the rows, the sum of probabilities and the sum of
   labels (no checks, no Brier score). 1e6 and 1e7 rows, uniform and quantile
   bins. Before timing, the three are checked to agree. Beside them, netcal's
   ``ECE`` plus ``MCE`` (``measure(p, y)`` of each, 15 bins; ``equal_intervals``
   True for uniform bins, False for its quantile bins), read from
   ``peers/calibration_netcal.json``: netcal needs torch, so
   ``peers/calibration_netcal.py`` measures it in the peers' environment on the
   same generated data (``_data.calibration_data``, checked by checksum), and its
   ECE and MCE are checked against mlkit's here before its time is shown. Its
   runs were interleaved there with those of mlkit's ``reliability``, and
   "netcal / mlkit" is the ratio of that pair. Peak memory is one separate
   call's (``tracemalloc``).
2. The ECE and MCE of mlkit and netcal, and their differences.
3. The parts of the work at 1e7 rows, to say where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from pathlib import Path

# One thread, before numpy loads its BLAS: every contender then runs on one core.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
from _data import calibration_data, checksum_arrays
from _harness import machine, peak_mb, timed, timed_together
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from mlkit.calibration import _bin_index, reliability

N_BINS = 15
PEER_JSON = Path(__file__).resolve().parent / "peers" / "calibration_netcal.json"
#: How far netcal's ECE and MCE may be from mlkit's. Its bins are closed on the
#: left ([a, b), the last [a, 1]), scikit-learn's and mlkit's on the right, and
#: it clips probabilities to [eps, 1 - eps]: only a row exactly on an inner edge
#: can change bins, which moves the ECE by at most 1 / n.
NETCAL_TOLERANCE = 1e-9


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


def netcal_entry(record: dict, n: int, y: np.ndarray, p: np.ndarray) -> dict | None:
    """netcal's numbers for these rows, if it was run on the same data."""
    for entry in record.get("sizes", []):
        if entry["rows"] == n:
            if entry["sha256"] != checksum_arrays(y, p):
                raise SystemExit(
                    f"calibration_netcal.json was made on other data at {n:,} rows: "
                    "re-run benchmarks/peers/calibration_netcal.py (make bench)"
                )
            return entry["strategies"]
    return None


def cell(value, pattern: str) -> str:
    return "" if value is None else pattern.format(value)


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

    record = json.loads(PEER_JSON.read_text()) if PEER_JSON.exists() else {}

    rows = []
    agreement = []
    for n in (1_000_000, 10_000_000):
        y, p = calibration_data(n)
        peer = netcal_entry(record, n, y, p)
        for strategy in ("uniform", "quantile"):
            check_agreement(y, p, strategy)
            theirs_netcal = peer and peer.get(strategy)
            if theirs_netcal is not None:
                ours = reliability(y, p, n_bins=N_BINS, strategy=strategy)
                d_ece = abs(ours.ece - theirs_netcal["ece"])
                d_mce = abs(ours.mce - theirs_netcal["mce"])
                assert d_ece <= NETCAL_TOLERANCE, (n, strategy, d_ece)
                assert d_mce <= NETCAL_TOLERANCE, (n, strategy, d_mce)
                ece_row = (ours.ece, theirs_netcal["ece"], d_ece)
                mce_row = (ours.mce, theirs_netcal["mce"], d_mce)
                agreement.append((n, strategy, *ece_row, *mce_row))
            functions = [
                partial(reliability, y, p, n_bins=N_BINS, strategy=strategy),
                partial(scikit_learn, y, p, strategy),
                partial(numpy_pass, y, p, strategy),
            ]
            memory = [peak_mb(function) for function in functions]
            seconds = timed_together(functions, runs)
            rows.append((n, strategy, *seconds, *memory, theirs_netcal))

    y, p = calibration_data(10_000_000)
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
        f"Machine: {machine()}; median of {runs} runs after a warm-up; {N_BINS} "
        f"bins. netcal: {record.get('versions')}, {record.get('settings')}.\n"
    )
    print(
        "| rows | strategy | mlkit `reliability` (s) | scikit-learn `calibration_curve` "
        "+ `brier_score_loss` (s) | numpy pass (s) | netcal `ECE` + `MCE` (s) "
        "| mlkit / numpy | netcal / mlkit | peak MB: mlkit | scikit-learn | numpy "
        "| netcal |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for n, strategy, ours, theirs, plain, m_ours, m_theirs, m_plain, net in rows:
        net_seconds = net and net["seconds"]
        print(
            f"| {n:,} | {strategy} | {ours:.3f} | {theirs:.3f} | {plain:.3f} | "
            f"{cell(net_seconds, '{:.3f}')} | {ours / plain:.2f} | "
            f"{cell(net and net_seconds / net['mlkit_seconds_interleaved'], '{:.1f}x')} | "
            f"{m_ours:.0f} | {m_theirs:.0f} | {m_plain:.0f} | "
            f"{cell(net and net['peak_mb_tracemalloc'], '{:.0f}')} |"
        )
    print(
        "\n| rows | strategy | ECE, mlkit | ECE, netcal | difference | MCE, mlkit "
        "| MCE, netcal | difference |\n|---:|---|---:|---:|---:|---:|---:|---:|"
    )
    for n, strategy, e1, e2, de, m1, m2, dm in agreement:
        print(
            f"| {n:,} | {strategy} | {e1:.10f} | {e2:.10f} | {de:.1e} | {m1:.10f} | "
            f"{m2:.10f} | {dm:.1e} |"
        )
    print("\n| part of the work, 1e7 rows | seconds |\n|---|---:|")
    for what, seconds in part_rows:
        print(f"| {what} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
