"""Timing shared by the benchmark scripts: medians after a warm-up, runs interleaved.

The scripts run as ``python benchmarks/bench_<name>.py``, which puts this folder on
``sys.path``, so they import it as ``from _harness import timed, timed_together``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
