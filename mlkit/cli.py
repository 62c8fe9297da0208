"""The ``mlkit`` command.

::

    mlkit lab                       open JupyterLab at the start notebook
    mlkit cases                     list the cases
    mlkit run CASE_OR_PATH          run every guided notebook for a case, headless,
                                    and write its design report
    mlkit run CASE --set KEY=VALUE  ... in a new iteration with a decision changed
    mlkit compare CASE ITER_A ITER_B  what changed between two iterations
    mlkit new-case DIR --data FILE --target COLUMN
                                    make a case folder from your own data file
    mlkit doctor                    check this machine, as before a workshop
    mlkit learners-copy DIR         the notebooks with exercises and no solutions

Every subcommand has ``--help``. Errors print their message and hint, without a
traceback, and exit with status 1 (2 for a wrong command line).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlkit import _resources

START_NOTEBOOK = "00_start_here.ipynb"
WORKSPACE = "mlkit-notebooks"


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _cmd_cases(args: argparse.Namespace) -> int:
    import pandas as pd

    from mlkit import cases

    table = cases.available().reset_index()
    if table.empty:
        print("No case found.")
        return 1
    rows = [("name", "title", "task", "rows", "stages")]
    for _, row in table.iterrows():
        rows.append(
            (
                row["name"],
                row["title"] or "-",
                row["task"] or "-",
                "?" if pd.isna(row["rows"]) else f"{row['rows']:,}",
                "?" if pd.isna(row["stages"]) else f"{row['stages']} of 13",
            )
        )
    _print_table(rows)
    for _, row in table[table["problem"] != ""].iterrows():
        print(f"\n{row['name']} ({row['path']}) cannot be used: {row['problem']}")
    print(
        "\nRun one with `mlkit run NAME`; bring your own data by copying a case "
        "folder (see case_studies/README.md)."
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from mlkit import cases
    from mlkit._execute import run_case

    case = cases.load(args.case)
    overrides = parse_settings(args.set)
    summary = run_case(
        case, out=Path(args.out), overrides=overrides, progress=not args.no_progress
    )
    log = summary.log
    print(
        f"\nResults of {case.name}, iteration {log.iteration}, are in {log.folder}:\n"
        f"  design report        {summary.report.name} (and report.md)\n"
        f"  executed notebooks   {', '.join(p.name for p in summary.notebooks)}\n"
        f"  design log           {log.path.name} ({len(log.decisions)} decisions)"
    )
    for key in summary.unused_overrides:
        print(
            f"  note: --set {key} was not used: the notebook that decides it did not."
        )
    if log.iteration > 1:
        print(
            f"Compare it with the one before: mlkit compare {args.case} "
            f"iter-{log.iteration - 1} iter-{log.iteration} --out {args.out}"
        )
    else:
        example = suggest_setting(log)
        if example:
            print(
                "Change a decision and run again, for example: "
                f"mlkit run {args.case} --set {example}"
            )
    return 0


def suggest_setting(log: Any) -> str | None:
    """A ``KEY=VALUE`` that changes one decision of ``log``: the split, the model or
    the serving mode when decided, else the first decision with another option."""
    import json

    preferred = ["split.strategy", "model.choice", "requirements.serving"]
    decisions = {d.key: d for d in log.decisions}
    ordered = sorted(
        decisions.values(),
        key=lambda d: preferred.index(d.key) if d.key in preferred else len(preferred),
    )
    for d in ordered:
        others = [
            o for o in d.options if o != d.choice and isinstance(o, str | int | float)
        ]
        # Which case, and which kind of task, are not decisions to vary.
        if others and d.key not in ("case.name", "framing.task"):
            value = others[0]
            return f"{d.key}={value if isinstance(value, str) else json.dumps(value)}"
    return None


def parse_settings(items: Sequence[str] | None) -> dict[str, Any]:
    """``KEY=VALUE`` strings as a dict; a value is read as JSON when it parses
    (``true``, ``0.3``, ``["a"]``) and kept as text otherwise (``random``)."""
    import json

    from mlkit._exceptions import MlkitValueError, with_hint

    settings: dict[str, Any] = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise MlkitValueError(
                with_hint(
                    f"--set takes KEY=VALUE; got {item!r}.",
                    "name a decision and its value, for example "
                    "--set split.strategy=random or --set model.choice=logistic.",
                )
            )
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text.strip()
        settings[key] = value
    return settings


def _iteration_number(text: str) -> int:
    from mlkit._exceptions import MlkitValueError, with_hint

    match = re.fullmatch(r"(?:iter-?)?(\d+)", text.strip())
    if not match or int(match.group(1)) < 1:
        raise MlkitValueError(
            with_hint(
                f"An iteration is named like iter-2 (or 2); got {text!r}.",
                "list them with `ls RUN_DIR/CASE`.",
            )
        )
    return int(match.group(1))


def _cmd_compare(args: argparse.Namespace) -> int:
    from mlkit import cases
    from mlkit._exceptions import MlkitValueError, with_hint
    from mlkit.design import DesignLog

    name = cases.load(args.case).name
    out = Path(args.out)
    existing = DesignLog.iterations(name, run_dir=out)
    logs = []
    for text in (args.a, args.b):
        number = _iteration_number(text)
        if number not in existing:
            raise MlkitValueError(
                with_hint(
                    f"{name} has no iteration {number} in {out}.",
                    "the iterations there are: "
                    + (", ".join(f"iter-{n}" for n in existing) or "none")
                    + "; pass the run folder of `mlkit run` with --out.",
                )
            )
        logs.append(DesignLog(name, run_dir=out, iteration=number))
    comparison = DesignLog.compare(*logs)
    print(comparison.explain() + "\n")
    changed = comparison.decisions[comparison.decisions["status"] != "same"]
    if len(changed):
        print("Decisions that differ:")
        _print_table(
            [("key", logs[0].folder.name, logs[1].folder.name)]
            + [
                (row.key, _short(row.choice_a), _short(row.choice_b))
                for row in changed.itertuples()
            ]
        )
    if len(comparison.metrics):
        print("\nTest metrics, with 95 % intervals:")
        _print_table(
            [
                (
                    "metric",
                    logs[0].folder.name,
                    logs[1].folder.name,
                    "difference",
                    "verdict",
                )
            ]
            + [
                (
                    row.metric,
                    f"{row.value_a:.4g} [{row.low_a:.4g}, {row.high_a:.4g}]",
                    f"{row.value_b:.4g} [{row.low_b:.4g}, {row.high_b:.4g}]",
                    f"{row.difference:+.4g} ± {row.margin:.2g}",
                    row.verdict,
                )
                for row in comparison.metrics.itertuples()
            ]
        )
    target = comparison.save(
        out / name / f"compare-iter-{logs[0].iteration}-iter-{logs[1].iteration}.html"
    )
    print(f"\nThe comparison, with its charts: {target}")
    return 0


def _short(value: Any, width: int = 40) -> str:
    from mlkit._results import readable

    return readable(value, width) or "-"


def _cmd_new_case(args: argparse.Namespace) -> int:
    from mlkit.cases import new_case

    case = new_case(
        args.folder,
        args.data,
        args.target,
        time_column=args.time_column,
        group_column=args.group_column,
        sensitive=tuple(args.sensitive or ()),
        text_column=args.text_column,
        title=args.title,
        overwrite=args.force,
    )
    spec = case.spec
    task = spec.task + (
        f" (positive label {spec.positive_label!r})" if spec.task == "binary" else ""
    )
    print(f"Made the case {case.name!r} in {case.path}:\n  task       {task}")
    for key, value in (
        ("time", spec.time_column),
        ("group", spec.group_column),
        ("text", spec.text_column),
        ("sensitive", ", ".join(spec.sensitive_columns)),
        ("excluded", ", ".join(spec.exclude_columns)),
    ):
        print(f"  {key:<10} {value or 'none'}")
    print(f"  rows       {spec.data.rows:,}\n")
    rows = [("column", "kind", "")]
    for column, kind in spec.data.schema.items():
        note = "target" if column == spec.target else ""
        note = "excluded" if column in spec.exclude_columns else note
        rows.append((column, kind, note))
    _print_table(rows)
    print(
        "\nNext steps:\n"
        f"  1. check the inferred choices in {case.spec_file} (each says why)\n"
        "  2. replace the placeholder [costs] with what each error costs you\n"
        f"  3. frame the problem in {case.path / 'README.md'} and fill in "
        f"{case.path / 'data' / 'SOURCE.md'}\n"
        f"  4. mlkit run {case.path}"
    )
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from mlkit._doctor import environment_summary, run_checks

    print(f"mlkit doctor: {environment_summary()}\n")
    failed = warned = 0
    for check in run_checks(Path(args.out)):
        mark = {"ok": " ok ", "warn": "warn", "fail": "FAIL"}[check.status]
        print(f"[{mark}] {check.name:<18} {check.detail}", flush=True)
        if check.fix and check.status != "ok":
            print(f"{'':7}{'':<18} fix: {check.fix}")
        failed += check.status == "fail"
        warned += check.status == "warn"
    if failed:
        print(f"\n{failed} problem(s) to fix before the notebooks will work.")
        return 1
    print(
        "\nAll set"
        + (f" ({warned} warning(s) above)." if warned else ".")
        + " `mlkit lab` opens the notebooks."
    )
    return 0


def _cmd_learners_copy(args: argparse.Namespace) -> int:
    from mlkit.exercises import learners_copy

    written = learners_copy(args.dir, notebooks=args.notebook, overwrite=args.force)
    for path in written:
        print(f"  {path}")
    print(
        f"Wrote {len(written)} notebook(s) with their exercises to fill in. "
        "Each check says what is right or wrong once `...` is replaced."
    )
    return 0


def _free_port(first: int = 8888, tries: int = 100) -> int:
    import socket

    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port between {first} and {first + tries - 1}")


def _lab_command(
    root: Path, notebook: str, *, port: int, token: str, browser: bool
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ip=127.0.0.1",  # never reachable from another machine
        f"--port={port}",
        "--ServerApp.port_retries=0",  # the address printed must be the one served
        f"--IdentityProvider.token={token}",  # always a token, whatever the config says
        f"--ServerApp.root_dir={root}",
    ]
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append(
            "--allow-root"
        )  # containers run as root; JupyterLab refuses otherwise
    command.append(notebook)
    return command


def _cmd_lab(args: argparse.Namespace) -> int:
    from mlkit._optional import require

    require("jupyterlab", purpose="open the notebooks")
    if _resources.is_checkout():
        root, folder = _resources.root(), "notebooks"
    else:
        # A wheel's notebooks are read-only package data: work on a copy.
        root, folder = Path.cwd(), WORKSPACE
        if not (root / folder).exists():
            shutil.copytree(_resources.notebooks_dir(), root / folder)
            print(f"Copied the guided notebooks to {root / folder}.")
    notebook = f"{folder}/{args.notebook}"
    if not (root / notebook).is_file():
        print(f"mlkit lab: {root / notebook} does not exist.", file=sys.stderr)
        return 1
    port = args.port or _free_port()
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    command = _lab_command(
        root, notebook, port=port, token=token, browser=not args.no_browser
    )
    print(
        f"JupyterLab, serving {root}:\n\n"
        f"    http://127.0.0.1:{port}/lab/tree/{notebook}?token={token}\n\n"
        "Open that address in a browser if none opens. Stop with Ctrl-C, twice.",
        flush=True,
    )
    os.execv(sys.executable, command)
    return 0  # not reached: execv replaces this process


def build_parser() -> argparse.ArgumentParser:
    from mlkit import __version__

    parser = argparse.ArgumentParser(
        prog="mlkit",
        description="Guided notebooks for the design process of Designing Machine "
        "Learning Systems.",
    )
    parser.add_argument("--version", action="version", version=f"mlkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = sub.add_parser("lab", help="open JupyterLab at the start notebook")
    lab.add_argument(
        "--port",
        type=int,
        default=None,
        help="port (default: the first free from 8888)",
    )
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.add_argument(
        "--notebook",
        default=START_NOTEBOOK,
        help=f"notebook to open (default: {START_NOTEBOOK})",
    )
    lab.set_defaults(func=_cmd_lab)

    cases = sub.add_parser("cases", help="list the available cases")
    cases.set_defaults(func=_cmd_cases)

    run = sub.add_parser(
        "run", help="execute every guided notebook for a case, headless"
    )
    run.add_argument(
        "case", metavar="CASE_OR_PATH", help="a case name, or the path of a case folder"
    )
    run.add_argument(
        "--out", default="runs", metavar="DIR", help="run folder (default: runs)"
    )
    run.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="start the iteration with this decision set, for example "
        "split.strategy=random or model.choice=logistic (repeatable)",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)

    compare = sub.add_parser(
        "compare",
        help="what changed between two iterations of a case, and what it did to "
        "each metric",
    )
    compare.add_argument("case", metavar="CASE_OR_PATH", help="the case")
    compare.add_argument("a", metavar="ITER_A", help="the first iteration, e.g. iter-1")
    compare.add_argument("b", metavar="ITER_B", help="the second, e.g. iter-2")
    compare.add_argument(
        "--out",
        default="runs",
        metavar="DIR",
        help="the run folder of `mlkit run` (default: runs)",
    )
    compare.set_defaults(func=_cmd_compare)

    new = sub.add_parser(
        "new-case",
        help="make a case folder from your own data file",
        description="Infer the task and the kind of every column from a CSV or "
        "Parquet file, and write a case folder: case.toml, README.md to fill in, and "
        "data/ with a copy of the file and its sha256.",
    )
    new.add_argument("folder", metavar="DIR", help="the case folder to create")
    new.add_argument(
        "--data", required=True, metavar="FILE", help=".csv, .csv.gz or .parquet file"
    )
    new.add_argument(
        "--target", required=True, metavar="COLUMN", help="the column to predict"
    )
    new.add_argument(
        "--time-column", metavar="C", help="when each row happened (ISO 8601 dates)"
    )
    new.add_argument("--group-column", metavar="C", help="the entity rows belong to")
    new.add_argument(
        "--sensitive",
        nargs="+",
        metavar="C",
        help="attributes of protected groups",
    )
    new.add_argument("--text-column", metavar="C", help="the free-text column")
    new.add_argument("--title", metavar="T", help="a one-line title for the case")
    new.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty, replacing the case's files",
    )
    new.set_defaults(func=_cmd_new_case)

    doctor = sub.add_parser(
        "doctor",
        help="check Python, packages, kernel and case data; exit 1 on a problem",
    )
    doctor.add_argument(
        "--out",
        default="runs",
        metavar="DIR",
        help="run folder to check (default: runs)",
    )
    doctor.set_defaults(func=_cmd_doctor)

    copy = sub.add_parser(
        "learners-copy",
        help="write the guided notebooks with exercises and no solutions",
    )
    copy.add_argument("dir", metavar="DIR", help="folder to write the notebooks into")
    copy.add_argument(
        "--notebook",
        action="append",
        default=None,
        metavar="NAME",
        help="only this notebook (name or number); repeat for several",
    )
    copy.add_argument(
        "--force",
        action="store_true",
        help="replace notebooks already in DIR (erases the answers in them)",
    )
    copy.set_defaults(func=_cmd_learners_copy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlkit`` command; returns the exit status."""
    from mlkit._exceptions import MlkitError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (MlkitError, ImportError) as exc:
        print(f"mlkit {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nmlkit {args.command}: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
