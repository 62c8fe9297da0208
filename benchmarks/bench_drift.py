"""Time mlkit.monitoring.drift_report against a scipy loop and a plain numpy pass.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_drift.py [--runs N]

It prints Markdown tables; benchmarks/RESULTS.md keeps the recorded ones.

Seconds (median of N runs after a warm-up, the three contenders' runs
interleaved, one thread) to compare 50 columns (40 numeric, 10 categorical
text columns of 5 to 14 categories) of a reference and a current frame of the
same number of rows, 1e4, 1e5 and 1e6:

- mlkit's ``drift_report(reference, current)``: checks, KS with p-values, PSI,
  Wasserstein, chi-square, missing shares, Holm's correction and the table;
- a scipy loop, as a user writes it: ``ks_2samp`` per numeric column, and
  ``chi2_contingency`` of ``pd.crosstab``-free counts (``value_counts`` of each
  side, aligned) per categorical column;
- a plain numpy pass, the KS statistics and the category counts only, with no
  p-values, no checks and no missing values: per numeric column, both samples
  copied into one buffer and each half sorted in place, the two sorted runs
  merged by a stable ``argsort``, the gap between the distribution functions
  as an integer running sum and its largest absolute value at the last of
  each run of equal values, in buffers reused from column to column;
  ``pd.factorize`` of each categorical column and one ``np.bincount`` per
  side. Of the one-pass formulations tried it is the fastest (2-d blocks of
  columns, or scipy's two ``searchsorted`` per column, take longer), so it
  stands for the practical limit.

Before timing, the three are checked to agree: mlkit's KS statistics equal to
scipy's exactly, its p-values to 1e-12, its Wasserstein distances (four
columns) to scipy's ``wasserstein_distance`` to 1e-12 relative; its KS gaps
(times n1 n2) equal to the numpy pass's and its category counts equal. Peak
memory is the largest size of numpy's allocations (traced by ``tracemalloc``)
during one call, beyond the frames; pyarrow's buffers (text columns) are not
traced.

evidently's columns come from ``peers/drift_evidently.json``: evidently 0.7.23
needs pandas 2.3, so ``peers/drift_evidently.py`` runs its ``DataDriftPreset``
(its defaults, and KS plus chi-square) in an environment of its own, on the same
frames (``_data.drift_frames``; the checksums are compared here). Its times are
not interleaved with the others'. The drifted columns of each are compared: the
scipy loop's at Holm-corrected 0.05 as mlkit decides, and uncorrected (p <= 0.05)
as evidently decides; evidently's KS p-values are checked equal to scipy's.
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
import pandas as pd
from _data import N_CATEGORICAL, N_NUMERIC, checksum_frame, drift_frames
from _harness import machine, peak_mb, timed, timed_together
from scipy.stats import chi2_contingency, ks_2samp, kstwo, wasserstein_distance
from scipy.stats._stats_py import _attempt_exact_2kssamp

from mlkit.monitoring import drift_report
from mlkit.monitoring._drift import _ks_pvalue

PEER_JSON = Path(__file__).resolve().parent / "peers" / "drift_evidently.json"
ALPHA = 0.05


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


def ks_gap(a: np.ndarray, b: np.ndarray, work: tuple) -> int:
    """n1 * n2 times the two-sample KS statistic of a and b (no missing values).

    ``work`` holds buffers of size n1 + n2 reused from column to column (fresh
    ones cost page faults), as mlkit does.
    """
    pooled, merged, last, from_a, gap = work
    n1 = len(a)
    pooled[:n1] = a
    pooled[n1:] = b
    pooled[:n1].sort()
    pooled[n1:].sort()
    order = np.argsort(pooled, kind="stable")  # a linear merge of two sorted runs
    np.take(pooled, order, out=merged, mode="clip")
    np.not_equal(merged[1:], merged[:-1], out=last[:-1])  # last of equal values
    last[-1] = True
    np.less(order, n1, out=from_a)
    del order
    np.copyto(gap, from_a)  # +n2 per value of a, -n1 per value of b
    gap *= len(pooled)
    gap -= n1
    np.cumsum(gap, out=gap)
    np.abs(gap, out=gap)
    return int(np.max(gap, where=last, initial=0))


def numpy_pass(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple:
    size = len(ref) + len(cur)
    work = (
        np.empty(size),
        np.empty(size),
        np.empty(size, dtype=bool),
        np.empty(size, dtype=bool),
        np.empty(size, dtype=np.int64),
    )
    gaps = [
        ks_gap(ref[name].to_numpy(), cur[name].to_numpy(), work)
        for name in ref.columns
        if name.startswith("x")
    ]
    n1 = len(ref)
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
    return np.array(gaps), counts


def check_agreement(ref: pd.DataFrame, cur: pd.DataFrame) -> None:
    table = drift_report(ref, cur).table.set_index("column")
    theirs = scipy_loop(ref, cur)
    for name, (statistic, p) in theirs.items():
        if name.startswith("x"):
            assert table.loc[name, "statistic"] == statistic, name
        else:
            assert abs(table.loc[name, "statistic"] - statistic) <= 1e-12 * statistic
        assert abs(table.loc[name, "p_value"] - p) <= 1e-12, name
    for name in ["x0", "x1", "x4", "x5"]:
        expected = wasserstein_distance(ref[name], cur[name])
        assert abs(table.loc[name, "wasserstein"] - expected) <= 1e-12 * expected
    gaps, counts = numpy_pass(ref, cur)
    numeric = [c for c in ref.columns if c.startswith("x")]
    ours = np.round(table.loc[numeric, "statistic"].to_numpy() * len(ref) * len(cur))
    assert np.array_equal(ours, gaps)
    categorical = [c for c in ref.columns if c.startswith("c")]
    for name, (a, b) in zip(categorical, counts, strict=True):
        assert table.loc[name, "n_reference"] == a.sum() == len(ref)
        assert table.loc[name, "n_current"] == b.sum() == len(cur)


def holm(p_values: dict, alpha: float = ALPHA) -> list:
    """The names whose Holm-corrected p-value is at most ``alpha``."""
    names = sorted(p_values, key=p_values.get)
    m = len(names)
    adjusted = np.maximum.accumulate(
        [min(1.0, (m - i) * p_values[name]) for i, name in enumerate(names)]
    )
    return [name for name, p in zip(names, adjusted, strict=True) if p <= alpha]


def evidently_entry(record: dict, n: int, ref, cur) -> dict | None:
    """evidently's numbers for these frames, if it was run on the same data."""
    for entry in record.get("sizes", []):
        if entry["rows"] == n:
            if (entry["sha256_reference"], entry["sha256_current"]) != (
                checksum_frame(ref),
                checksum_frame(cur),
            ):
                raise SystemExit(
                    f"drift_evidently.json was made on other frames at {n:,} rows: "
                    "re-run benchmarks/peers/drift_evidently.py (make bench)"
                )
            return entry["configurations"]
    return None


def in_order(names, columns) -> str:
    chosen = set(names)
    return ", ".join(c for c in columns if c in chosen) or "none"


def cell(value, pattern: str) -> str:
    return "" if value is None else pattern.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = args.runs

    record = json.loads(PEER_JSON.read_text()) if PEER_JSON.exists() else {}

    rows = []
    decisions = []
    for n in (10_000, 100_000, 1_000_000):
        ref, cur = drift_frames(n)
        evidently = evidently_entry(record, n, ref, cur)
        functions = [
            partial(drift_report, ref, cur),
            partial(scipy_loop, ref, cur),
            partial(numpy_pass, ref, cur),
        ]
        memory = [peak_mb(function) for function in functions]
        check_agreement(ref, cur)  # calls each contender once: the warm-up
        seconds = timed_together(functions, runs, warm_up=False)
        rows.append((n, *seconds, *memory, evidently))

        ours = drift_report(ref, cur).drifted
        theirs = {name: p for name, (_, p) in scipy_loop(ref, cur).items()}
        decided = {
            "mlkit (Holm, 0.05)": ours,
            "scipy loop, Holm-corrected p <= 0.05": holm(theirs),
            "scipy loop, uncorrected p <= 0.05": [
                name for name, p in theirs.items() if p <= ALPHA
            ],
        }
        if evidently is not None:
            for key, label in (
                ("default", "evidently, default preset"),
                ("ks_chisquare", "evidently, KS and chi-square"),
            ):
                decided[label] = evidently[key]["drifted"]
            # evidently's "ks" is scipy's ks_2samp: the same p-values.
            scores = {
                c["column"]: c["score"] for c in evidently["ks_chisquare"]["columns"]
            }
            ks_gap = max(
                abs(scores[c] - theirs[c]) for c in theirs if c.startswith("x")
            )
            assert ks_gap <= 1e-12, ks_gap
        decisions.append((n, decided))

    n = 1_000_000
    ref, cur = drift_frames(n)
    a = ref["x0"].to_numpy()
    pooled = np.concatenate([np.sort(a), np.sort(cur["x0"].to_numpy())])
    order = np.argsort(pooled, kind="stable")
    steps = (order < n).astype(np.int64) * (2 * n) - n  # +n2 or -n1 per value
    float_steps = steps.astype(np.float64)
    parts = [
        ("np.sort of one column, 1e6 values", lambda: np.sort(a)),
        (
            "stable argsort merging the two sorted samples, 2e6 values",
            lambda: np.argsort(pooled, kind="stable"),
        ),
        ("running sum of the gap, int64, 2e6 values", lambda: np.cumsum(steps)),
        ("the same in float64", lambda: np.cumsum(float_steps)),
        (
            "np.searchsorted x2 on the pooled values (scipy's way)",
            lambda: (
                np.searchsorted(pooled[:n], pooled, "right"),
                np.searchsorted(pooled[n:], pooled, "right"),
            ),
        ),
        (
            "KS p-value, n1 = n2 = 1e6, D = 0.008: scipy `kstwo.sf`",
            lambda: kstwo.sf(0.008, n // 2),
        ),
        ("the same, mlkit", lambda: _ks_pvalue(0.008, n, n)),
        (
            "KS p-value, n1 = n2 = 1e4, D = 0.02 (exact): scipy `ks_2samp` path",
            lambda: _attempt_exact_2kssamp(10_000, 10_000, 10_000, 0.02, "two-sided"),
        ),
        ("the same, mlkit", lambda: _ks_pvalue(0.02, 10_000, 10_000)),
        (
            "pd.factorize of one text column, both sides",
            lambda: pd.factorize(pd.concat([ref["c0"], cur["c0"]], ignore_index=True)),
        ),
    ]
    part_rows = [(what, timed(function, runs)) for what, function in parts]

    print(
        f"Machine: {machine()}; median of {runs} runs after a warm-up; {N_NUMERIC} "
        f"numeric and {N_CATEGORICAL} categorical columns, reference and current of "
        f"the same size. evidently: {record.get('versions')}, "
        f"{record.get('machine', '')}.\n"
    )
    print(
        "| rows per side | mlkit `drift_report` (s) | scipy loop (s) | numpy pass (s) "
        "| evidently, default (s) | evidently, KS + chi-square (s) | mlkit / numpy "
        "| scipy / mlkit | evidently default / mlkit | evidently KS / mlkit "
        "| peak MB: mlkit | scipy | numpy | evidently default | evidently KS |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for n, ours, theirs, plain, m_ours, m_theirs, m_plain, ev in rows:
        default = ev and ev["default"]
        ks = ev and ev["ks_chisquare"]
        print(
            f"| {n:,} | {ours:.3f} | {theirs:.3f} | {plain:.3f} | "
            f"{cell(default and default['seconds'], '{:.2f}')} | "
            f"{cell(ks and ks['seconds'], '{:.2f}')} | {ours / plain:.2f} | "
            f"{theirs / ours:.2f}x | "
            f"{cell(default and default['seconds'] / ours, '{:.0f}x')} | "
            f"{cell(ks and ks['seconds'] / ours, '{:.0f}x')} | "
            f"{m_ours:.0f} | {m_theirs:.0f} | {m_plain:.0f} | "
            f"{cell(default and default['peak_mb_tracemalloc'], '{:.0f}')} | "
            f"{cell(ks and ks['peak_mb_tracemalloc'], '{:.0f}')} |"
        )
    if record:
        print(
            "\n| rows per side | evidently configuration | runs timed | HTML (s) "
            "| HTML (MB) | resident memory growth, first run (MB) | tests |"
            "\n|---:|---|---:|---:|---:|---:|---|"
        )
        for entry in record["sizes"]:
            for key, ev in entry["configurations"].items():
                print(
                    f"| {entry['rows']:,} | {key} | {ev['runs']} | "
                    f"{ev['html_seconds']:.2f} | {ev['html_bytes'] / 1e6:.1f} | "
                    f"{cell(ev['peak_mb_rss_first_call'], '{:.0f}')} | "
                    f"{', '.join(ev['methods'])} |"
                )
    columns = [f"x{i}" for i in range(N_NUMERIC)] + [
        f"c{j}" for j in range(N_CATEGORICAL)
    ]
    print(
        "\n| rows per side | who decides | drifted columns | count |\n|---:|---|---|---:|"
    )
    for n, decided in decisions:
        for who, names in decided.items():
            print(f"| {n:,} | {who} | {in_order(names, columns)} | {len(names)} |")
    print("\n| part of the work, 1e6 rows per side | seconds |\n|---|---:|")
    for what, seconds in part_rows:
        print(f"| {what} | {seconds:.4f} |")


if __name__ == "__main__":
    main()
