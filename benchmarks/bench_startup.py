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
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import machine

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
    parser.add_argument(
        "--cases", nargs="*", help="cases for `mlkit run` (all shipped ones by default)"
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
    runs = []
    if not args.skip_run:
        mlkit_cmd = str(Path(sys.executable).parent / "mlkit")
        for name in args.cases or list(mlkit.cases.available().index):
            runs.append(run_case(mlkit_cmd, name))
    print(machine(), "\n")
    print(f"Imports: median of {args.runs} runs, each in a fresh interpreter.\n")
    print("| what | seconds | note |\n|---|---:|---|")
    for what, seconds, note in rows:
        print(f"| {what} | {seconds:.3f} | {note} |")
    if runs:
        print(
            "\n| case | wall (s) | CPU, all processes (s) | largest kernel, peak RSS (MB) "
            "| target 90 s | slowest notebooks (s) |\n|---|---:|---:|---:|---|---|"
        )
        for name, seconds, cpu, rss, notebooks in runs:
            slowest = sorted(notebooks.items(), key=lambda kv: -kv[1])[:3]
            print(
                f"| {name} | {seconds:.0f} | {cpu:.0f} | {rss:.0f} | "
                f"{'met' if seconds < 90 else f'missed by {seconds - 90:.0f} s'} | "
                + ", ".join(f"{nb} {t:.0f}" for nb, t in slowest)
                + " |"
            )


def run_case(mlkit_cmd: str, name: str) -> tuple[str, float, float, float, dict]:
    """One ``mlkit run``: wall and CPU seconds, the largest process's peak memory,
    and each notebook's seconds as the design report gives them."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [mlkit_cmd, "run", name, "--out", out, "--no-progress"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        (report,) = Path(out).glob("*/iter-1/report.md")
        notebooks = {
            match[1]: float(match[2])
            for match in re.finditer(
                r"^\| (\d\d)_\w+\.ipynb \| ([\d.]+) \|$", report.read_text(), re.M
            )
        }
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # ru_maxrss of children: the largest of them (a kernel), in kB on Linux.
    return name, seconds, cpu, after.ru_maxrss / 1024, notebooks


if __name__ == "__main__":
    main()
