"""Time the four mergeable statistics on a prediction log kept by each engine.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_engines.py [--rows N] [--runs N]

It prints a Markdown table; benchmarks/RESULTS.md keeps the recorded ones.

A synthetic log of ``--rows`` rows (``mlkit.monitoring.write_prediction_log``, 50
files a 50 million) is written once to a temporary folder; then each engine, in a
process of its own, reads it its usual way and runs, on the last ten days against
the twenty before:

- ``drift_report(before, after)`` on six columns (two text, one integer, three
  float32: the text and integer columns are exact, the float32 ones of more
  distinct values than a count table holds go through the histogram sketch);
- ``group_metrics("label", "prediction", sensitive_features="segment",
  y_prob="score", data=after)``;
- ``reliability("label", "score", data=after)``;
- ``slice_metrics("label", "prediction", slices=["segment", "channel"],
  metrics=["accuracy", "precision", "recall"], n_bootstrap=200, data=after)``.

The engines: pandas (``pd.read_parquet``, the whole log in memory; the reference
path), polars (``pl.scan_parquet``, a LazyFrame: polars streams the files),
pyarrow (``pq.read_table``, in memory), DuckDB (``duckdb.read_parquet``, a
relation over the files) and Dask (``dd.read_parquet`` on a ``LocalCluster`` of
two worker processes of one thread).

Before the times are used, each engine's results are compared with pandas':
counts exactly, rates, ECE, Brier and p-values to 1e-9, and for the sketched
columns the KS statistic within the bound the report gives. Peak memory is the
high-water mark of the engine's process (``ru_maxrss``: it includes the log when
the engine holds it) and, for Dask, the largest memory of its workers together
(``distributed``'s ``MemorySampler``), with their memory at rest before the first
call (Python, pandas, pyarrow, narwhals and mlkit loaded). A time is the median of ``--runs`` runs
after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import machine

ENGINES = ("pandas", "polars", "pyarrow", "duckdb", "dask")
COLUMNS = ["segment", "channel", "age", "amount", "tenure", "score"]
STATISTICS = ("drift_report", "group_metrics", "reliability", "slice_metrics")


def _tables(engine: str, folder: Path):
    """The twenty days before and the ten after, as ``engine`` holds them."""
    if engine == "pandas":
        import pandas as pd

        log = pd.read_parquet(folder)
        return log[log["day"] < 20], log[log["day"] >= 20], None
    if engine == "polars":
        import polars as pl

        log = pl.scan_parquet(folder / "*.parquet")
        return log.filter(pl.col("day") < 20), log.filter(pl.col("day") >= 20), None
    if engine == "pyarrow":
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        log = pq.read_table(folder)
        return (
            log.filter(pc.field("day") < 20),
            log.filter(pc.field("day") >= 20),
            None,
        )
    if engine == "duckdb":
        import duckdb

        log = duckdb.read_parquet(str(folder / "*.parquet"))
        return log.filter("day < 20"), log.filter("day >= 20"), None
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        # As in notebook 10: Arrow frees its memory to the system, so the peak
        # measured is what the work needs.
        env={"ARROW_DEFAULT_MEMORY_POOL": "system"},
    )
    client = Client(cluster)
    log = dd.read_parquet(folder)
    return log[log["day"] < 20], log[log["day"] >= 20], (client, cluster)


def _load_libraries() -> None:
    """What a worker imports to count a partition, so that its memory at rest has it."""
    import narwhals  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import mlkit.monitoring  # noqa: F401


def _run(engine: str, folder: Path, runs: int) -> dict:
    from mlkit.calibration import reliability
    from mlkit.evaluation import slice_metrics
    from mlkit.fairness import group_metrics
    from mlkit.monitoring import drift_report

    before, after, cluster = _tables(engine, folder)
    calls = {
        "drift_report": lambda: drift_report(before, after, columns=COLUMNS),
        "group_metrics": lambda: group_metrics(
            "label",
            "prediction",
            sensitive_features="segment",
            y_prob="score",
            data=after,
        ),
        "reliability": lambda: reliability("label", "score", data=after),
        "slice_metrics": lambda: slice_metrics(
            "label",
            "prediction",
            slices=["segment", "channel"],
            metrics=["accuracy", "precision", "recall"],
            n_bootstrap=200,
            random_state=0,
            data=after,
        ),
    }
    sampler = None
    if cluster is not None:
        from distributed.diagnostics import MemorySampler

        sampler = MemorySampler()
        client, _ = cluster
        client.run(_load_libraries)
        with sampler.sample(
            "at rest"
        ):  # the workers, libraries loaded, before any work
            time.sleep(2)
    out: dict = {"engine": engine, "seconds": {}}
    results = {}
    for name, call in calls.items():
        results[name] = call()  # warm-up, and the result compared
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            if sampler is not None:
                with sampler.sample(name):
                    call()
            else:
                call()
            times.append(time.perf_counter() - start)
        out["seconds"][name] = float(np.median(times))
    drift = results["drift_report"]
    out["drift"] = drift.table.to_dict(orient="list")
    out["ks_error"] = {
        str(k): float(v) for k, v in dict(getattr(drift, "ks_error", {}) or {}).items()
    }
    groups = results["group_metrics"]
    out["groups"] = groups.by_group.reset_index().to_dict(orient="list")
    rel = results["reliability"]
    out["reliability"] = {
        "ece": rel.ece,
        "mce": rel.mce,
        "brier": rel.brier,
        "table": rel.table.to_dict(orient="list"),
    }
    slices = results["slice_metrics"]
    out["slices"] = {
        "by_slice": slices.by_slice.reset_index().to_dict(orient="list"),
        "overall": slices.overall.to_dict(),
    }
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sampler is not None:
        memory = sampler.to_pandas()
        out["workers_at_rest_mb"] = float(memory.pop("at rest").median()) / 1e6
        out["workers_peak_mb"] = float(memory.max().max()) / 1e6
        client, local = cluster
        client.close()
        local.close()
    return out


def _max_difference(a, b) -> float:
    """Largest absolute difference of the numbers of two nested results."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), (a.keys(), b.keys())
        return max([_max_difference(a[k], b[k]) for k in a] or [0.0])
    if isinstance(a, list):
        assert len(a) == len(b), (len(a), len(b))
        return max([_max_difference(x, y) for x, y in zip(a, b, strict=True)] or [0.0])
    if isinstance(a, bool) or a is None or isinstance(a, str):
        assert a == b, (a, b)
        return 0.0
    if np.isnan(a) and np.isnan(b):
        return 0.0
    return abs(float(a) - float(b))


def _compare(reference: dict, other: dict) -> dict:
    """Differences of ``other``'s results from pandas'."""
    exact = {"groups", "reliability", "slices"}
    out = {k: _max_difference(reference[k], other[k]) for k in exact}
    ref, got = reference["drift"], other["drift"]
    assert ref["column"] == got["column"]
    sketched = set(other["ks_error"]) - set(reference["ks_error"])
    for i, column in enumerate(ref["column"]):
        gap = abs(ref["statistic"][i] - got["statistic"][i])
        if column in sketched:
            assert gap <= other["ks_error"][column] + 1e-12, (column, gap)
        else:
            assert gap <= 1e-9, (column, gap)
    out["drift_exact_columns"] = max(
        [
            abs(ref[f][i] - got[f][i])
            for f in ("statistic", "p_value", "psi", "wasserstein")
            for i, c in enumerate(ref["column"])
            if c not in sketched and ref[f][i] == ref[f][i]
        ]
        or [0.0]
    )
    out["ks_bound"] = max(other["ks_error"].values() or [0.0])
    assert max(out[k] for k in exact) <= 1e-9, out
    assert out["drift_exact_columns"] <= 1e-9, out
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:  # a child: one engine, its results as JSON on stdout
        print(json.dumps(_run(args.engine, args.folder, args.runs)))
        return

    from mlkit.monitoring import write_prediction_log

    print(f"Before: {machine()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        folder = write_prediction_log(Path(tmp) / "log", args.rows)
        written = time.perf_counter() - start
        size = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6
        print(
            f"\n{args.rows:,} rows written in {written:.1f} s: "
            f"{len(list(folder.glob('*.parquet')))} Parquet file(s), {size:,.0f} MB\n"
        )
        results = {}
        for engine in ENGINES:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--engine",
                    engine,
                    "--folder",
                    str(folder),
                    "--runs",
                    str(args.runs),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode:
                raise SystemExit(f"{engine} failed:\n{child.stderr}")
            results[engine] = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        "| engine | drift_report s | group_metrics s | reliability s | "
        "slice_metrics s | peak MB | max difference from pandas | KS bound |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for engine, result in results.items():
        seconds = " | ".join(f"{result['seconds'][s]:.2f}" for s in STATISTICS)
        peak = f"{result['peak_mb']:,.0f}"
        if "workers_peak_mb" in result:
            peak += (
                f" + {result['workers_peak_mb']:,.0f} (workers; "
                f"{result['workers_at_rest_mb']:,.0f} at rest)"
            )
        if engine == "pandas":
            difference, bound = "(reference)", "-"
        else:
            diff = _compare(results["pandas"], result)
            difference = f"{max(v for k, v in diff.items() if k != 'ks_bound'):.1e}"
            bound = f"{diff['ks_bound']:.1e}"
        print(f"| {engine} | {seconds} | {peak} | {difference} | {bound} |")
    print(f"\nAfter: {machine()}\nMedian of {args.runs} runs after a warm-up.")


if __name__ == "__main__":
    main()
