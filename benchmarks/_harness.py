"""Timing and memory shared by the benchmark scripts.

The scripts run as ``python benchmarks/bench_<name>.py``, which puts this folder on
``sys.path``, so they import it as ``from _harness import timed, peak_mb, machine``.

Conventions: each contender is checked against the others before anything is timed;
a time is the median of at least 5 runs after a warm-up (``timed``, or
``timed_together`` to interleave contenders); peak memory is measured in a separate
call (``peak_mb``), never inside a timed one; each script prints ``machine()``
above its tables.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
import tracemalloc
from collections.abc import Callable
from importlib import metadata
from pathlib import Path


def timed(function: Callable[[], object], runs: int) -> float:
    """Median seconds of ``runs`` calls of ``function``, after one warm-up call."""
    function()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_together(
    functions: list[Callable[[], object]], runs: int, *, warm_up: bool = True
) -> list[float]:
    """Median seconds of each function, their runs interleaved.

    On a shared machine the load changes from second to second; running the
    contenders in turn gives each the same conditions, so their ratio holds even
    when the absolute times drift. ``warm_up=False`` for callers that have warmed
    up (or checked) each contender already, when a call is expensive.
    """
    if warm_up:
        for function in functions:
            function()
    times: list[list[float]] = [[] for _ in functions]
    for run in range(runs):
        order = list(range(len(functions)))
        order = order[run % len(order) :] + order[: run % len(order)]
        for i in order:
            start = time.perf_counter()
            functions[i]()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def peak_mb(function: Callable[[], object]) -> float:
    """Peak memory of one call of ``function`` beyond what was allocated before, MB.

    The largest total size, during the call, of the allocations ``tracemalloc``
    traces that were made after the call started: Python objects, numpy arrays
    and pandas' hash tables. It does not see pyarrow's buffers (pandas 3 text
    columns and their string operations allocate in Arrow's own pool), nor memory
    that C or Cython code takes with plain ``malloc`` (some scipy and
    scikit-learn scratch space, BLAS work buffers), so a contender working in
    those reads low. Tracing slows Python-level allocation, hence a call of its
    own, apart from the timed ones.
    """
    # tracemalloc rather than the process's peak RSS: glibc keeps freed memory
    # and reuses it without a new page, so the RSS high-water mark of a repeated
    # call reads 0 MB for an 8 MB np.sort; tracing counts every call exactly.
    tracemalloc.start()
    try:
        function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 1e6


def machine() -> str:
    """One line on where and with what the numbers were measured.

    Platform, CPU model and count, Python, the versions of numpy, pandas,
    pyarrow, scipy, scikit-learn and mlkit (with its git commit), and the load
    average over the last 1, 5 and 15 minutes at the time of the call (the
    machine may be shared: print it after the runs, or before and after).
    """
    import mlkit

    versions = []
    for name in ("numpy", "pandas", "pyarrow", "scipy", "scikit-learn"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in info
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), "
        f"{cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"{', '.join(versions)}; mlkit {mlkit.__version__} (commit {commit}); "
        f"load average {load} (1, 5, 15 min)"
    )
