"""Time what a user waits for before any analysis: importing mlkit, loading each
case's data, and ``mlkit run`` of each case.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_startup.py [--runs N] [--skip-run]

It prints a Markdown table; benchmarks/RESULTS.md keeps the recorded one. Import
times are measured in fresh interpreters, as a user meets them, and reported as the
median of N runs beside the median of an interpreter that imports nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(code: str, runs: int) -> float:
    """Median seconds of ``code`` in a fresh interpreter, timed inside it."""
    timer = (
        "import time; t = time.perf_counter(); "
        + code
        + "; print(time.perf_counter() - t)"
    )
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", timer],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--skip-run", action="store_true", help="skip `mlkit run` of each case"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import mlkit

    rows = [
        ("`import mlkit`", in_process("import mlkit", args.runs), "target < 0.3 s"),
        (
            "`import mlkit`, then `mk.cases`",
            in_process("import mlkit as mk; mk.cases", args.runs),
            "pandas and numpy load here",
        ),
        (
            "interpreter start alone",
            wall([sys.executable, "-c", "pass"], args.runs),
            "",
        ),
    ]
    for name in mlkit.cases.available().index:
        rows.append(
            (
                f"`mk.cases.load({name!r}).load_data()`",
                in_process(
                    f"import mlkit as mk; mk.cases.load({name!r}).load_data()", 5
                ),
                "checksum, parse, checks; includes imports",
            )
        )
    if not args.skip_run:
        mlkit_cmd = str(Path(sys.executable).parent / "mlkit")
        for name in mlkit.cases.available().index:
            with tempfile.TemporaryDirectory() as out:
                seconds = wall(
                    [mlkit_cmd, "run", name, "--out", out, "--no-progress"], 1
                )
            rows.append(
                (f"`mlkit run {name}`", seconds, "every notebook of the case, once")
            )
    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s); mlkit {mlkit.__version__}; median of {args.runs} runs "
        "for imports.\n"
    )
    print("| what | seconds | note |\n|---|---:|---|")
    for what, seconds, note in rows:
        print(f"| {what} | {seconds:.3f} | {note} |")


if __name__ == "__main__":
    main()
