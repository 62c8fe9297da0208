"""evidently's data drift preset on the frames of benchmarks/bench_drift.py.

evidently 0.7.23 does not import under pandas 3, so this script runs in an
environment of its own with pandas 2.3 (``benchmarks/peers/evidently.txt``,
built by ``benchmarks/peers/setup.sh``). From the repository root:

    PYTHONPATH=. .venv-evidently/bin/python benchmarks/peers/drift_evidently.py

It makes the same frames as bench_drift.py (``benchmarks/_data.py``: 50
columns, 40 numeric and 10 text, reference and current of 1e4, 1e5 and 1e6
rows each), writes their checksums, and runs ``Report([DataDriftPreset()])``
as evidently's documentation shows it, twice per size:

- "default": the preset's own choice of test per column, by type and size
  (above 1,000 reference rows the normed Wasserstein distance for numbers and
  the Jensen-Shannon distance for categories, both with a threshold of 0.1);
- "ks_chisquare": ``num_method="ks"`` (scipy's ``ks_2samp``, p <= 0.05) and
  ``cat_method="chisquare"`` (scipy's ``chisquare`` of the current counts
  against the reference proportions, a goodness-of-fit test, p < 0.05).

Each configuration's ``Report.run`` is timed (median of N runs after a
warm-up, the two configurations interleaved, one thread); the warm-up's
snapshot gives each column's method, score and decision, and the count of
drifted columns evidently reports, which must equal the number of columns
decided drifted. Rendering the snapshot as HTML, which the run prepares (its
widgets are built during ``run``), is timed once. Peak memory is taken on a
separate call, as the rest of the benchmarks do (``tracemalloc``), and as the
growth of the process's resident memory on the first call.

Writes ``drift_evidently.json`` beside this file; bench_drift.py reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

# One thread, before numpy loads its BLAS, as in bench_drift.py; and no
# usage reports from evidently (the machine may be offline).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import _data  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _harness import machine, peak_mb, timed_together  # noqa: E402

OUTPUT = HERE / "drift_evidently.json"
SIZES = (10_000, 100_000, 1_000_000)
CONFIGURATIONS: dict[str, dict[str, str]] = {
    "default": {},
    "ks_chisquare": {"num_method": "ks", "cat_method": "chisquare"},
}
#: evidently's tests whose score is a p-value (drift below the threshold);
#: the others are distances (drift at or above it). ks: p <= threshold,
#: chisquare and z: p < threshold, Wasserstein and Jensen-Shannon: d >=
#: threshold, as in evidently.legacy.calculations.stattests.
#: A method is named as asked ("ks") or, when the preset chose it, by its
#: display name ("K-S p_value").
P_VALUE_METHODS = {
    "ks": "<=",
    "K-S p_value": "<=",
    "chisquare": "<",
    "chi-square p_value": "<",
    "z": "<",
    "Z-test p_value": "<",
}


def run_report(reference: pd.DataFrame, current: pd.DataFrame, options: dict):
    from evidently import Report
    from evidently.presets import DataDriftPreset

    # evidently's order: current first, then the reference.
    return Report([DataDriftPreset(**options)]).run(current, reference)


def columns_of(snapshot) -> tuple[list[dict[str, Any]], int]:
    """Each column's method, threshold, score and decision; evidently's count."""
    metrics = snapshot.dict()["metrics"]
    count = None
    columns = []
    for metric in metrics:
        config = metric["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            count = int(metric["value"]["count"])
            continue
        method, threshold, score = (
            config["method"],
            float(config["threshold"]),
            float(metric["value"]),
        )
        rule = P_VALUE_METHODS.get(method)
        if rule == "<=":
            drifted = score <= threshold
        elif rule == "<":
            drifted = score < threshold
        else:
            drifted = score >= threshold
        columns.append(
            {
                "column": config["column"],
                "method": method,
                "threshold": threshold,
                "score": score,
                "drifted": bool(drifted),
            }
        )
    if count is None:
        raise RuntimeError("evidently's snapshot has no DriftedColumnsCount")
    return columns, count


def measure(n: int, runs: int) -> dict[str, Any]:
    reference, current = _data.drift_frames(n)
    entry: dict[str, Any] = {
        "rows": n,
        "sha256_reference": _data.checksum_frame(reference),
        "sha256_current": _data.checksum_frame(current),
        "configurations": {},
    }
    functions = []
    for name, options in CONFIGURATIONS.items():
        function = partial(run_report, reference, current, options)
        first: list = []
        # The first call, also the warm-up; its snapshot gives the decisions.
        start = time.perf_counter()
        rss = _data.rss_peak_mb(lambda f=function, out=first: out.append(f()))
        seconds_first_call = time.perf_counter() - start
        snapshot = first.pop()
        columns, count = columns_of(snapshot)
        drifted = [c["column"] for c in columns if c["drifted"]]
        if count != len(drifted):
            raise RuntimeError(
                f"{name}: evidently counts {count} drifted columns, the rules "
                f"here decide {len(drifted)}: its decision rule changed"
            )
        start = time.perf_counter()
        html = snapshot.get_html_str(as_iframe=False)
        html_seconds = time.perf_counter() - start
        entry["configurations"][name] = {
            "options": options,
            "columns": columns,
            "drifted": drifted,
            "methods": sorted({c["method"] for c in columns}),
            "html_seconds": html_seconds,
            "html_bytes": len(html.encode()),
            "peak_mb_rss_first_call": rss,
            "seconds_first_call": seconds_first_call,
            # Tracing slows evidently's many small pandas objects: at 1e6 rows
            # the call would take several more minutes.
            "peak_mb_tracemalloc": peak_mb(function) if n < 1_000_000 else None,
        }
        functions.append(function)
        print(f"{n:,} rows, {name}: {len(drifted)} drifted", flush=True)
    if runs > 0:
        times = timed_together(functions, runs, warm_up=False)
    else:
        # One run only, the first: the smaller sizes ran every code path before.
        times = [
            entry["configurations"][name]["seconds_first_call"]
            for name in CONFIGURATIONS
        ]
    for name, seconds in zip(CONFIGURATIONS, times, strict=True):
        entry["configurations"][name]["seconds"] = seconds
        entry["configurations"][name]["runs"] = max(runs, 1)
        entry["configurations"][name]["timed"] = (
            f"median of {runs} runs after a warm-up"
            if runs > 0
            else "one run, the first at this size (smaller sizes ran before)"
        )
        print(f"{n:,} rows, {name}: {seconds:.2f} s", flush=True)
    return entry


def main() -> None:
    import evidently
    import scipy

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--runs-1e6",
        type=int,
        default=0,
        help="runs at 1e6 rows after a warm-up, where one run takes minutes; 0 "
        "times the first run alone",
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="rows per side"
    )
    args = parser.parse_args()
    result: dict[str, Any] = {
        "generated": date.today().isoformat(),
        "versions": {
            "evidently": evidently.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "settings": "Report([DataDriftPreset(**options)]).run(current, reference); "
        "one thread; median of the runs after a warm-up, the configurations "
        "interleaved",
        "sizes": [],
    }
    for n in args.sizes:
        runs = args.runs_1e6 if n >= 1_000_000 else args.runs
        result["sizes"].append(measure(n, runs))
    result["machine"] = machine()
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
