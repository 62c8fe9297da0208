"""Run the guided notebooks headless: one notebook, or every notebook of a case.

Parameters reach a notebook the way papermill passes them: a cell tagged
``injected-parameters`` is inserted after the cell tagged ``parameters``, so the
notebooks run unchanged under papermill too.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlkit import _resources
from mlkit._exceptions import MlkitError, MlkitValueError, with_hint
from mlkit._optional import require
from mlkit.widgets._base import STATIC_ENV

if TYPE_CHECKING:
    import nbformat

    from mlkit.cases import Case
    from mlkit.design import DesignLog

#: Seconds one cell may run before the run stops.
CELL_TIMEOUT = 600
#: Kernels listen on 127.0.0.1 only, with signed messages; their warning about
#: unencrypted TCP would otherwise print once per notebook of a run.
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


class NotebookError(MlkitError, RuntimeError):
    """A cell of a notebook raised while the notebook ran headless."""


def notebook_parameters(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The names and default values assigned in the notebook's ``parameters`` cell."""
    import ast

    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            values = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name):
                        values[target.id] = ast.literal_eval(node.value)
            return values
    return {}


def inject_parameters(
    nb: nbformat.NotebookNode, parameters: Mapping[str, Any]
) -> nbformat.NotebookNode:
    """Insert, after the ``parameters`` cell, a cell that sets ``parameters``.

    Every name must be one the notebook declares in its ``parameters`` cell.
    Values are written as Python literals. Returns the same notebook object.
    """
    nbformat = require("nbformat", purpose="run notebooks headless")
    declared = notebook_parameters(nb)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise MlkitValueError(
            with_hint(
                f"The notebook has no parameter(s) {', '.join(unknown)}.",
                f"its parameters cell declares: {', '.join(declared) or 'nothing'}.",
            )
        )
    index = next(
        i
        for i, cell in enumerate(nb.cells)
        if "parameters" in cell.get("metadata", {}).get("tags", [])
    )
    source = "# Parameters set for this run\n" + "\n".join(
        f"{name} = {value!r}" for name, value in parameters.items()
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    # Drop one injected earlier, so that re-running an executed copy stays clean.
    nb.cells = [
        c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])
    ]
    nb.cells.insert(index + 1, cell)
    return nb


def _first_error(nb: nbformat.NotebookNode) -> tuple[int, str]:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, f"{output.get('ename')}: {output.get('evalue')}"
    return -1, ""


def execute_notebook(
    source: Path,
    target: Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    on_cell: Callable[[], None] | None = None,
    timeout: int = CELL_TIMEOUT,
) -> nbformat.NotebookNode:
    """Execute ``source`` in a fresh kernel and write the executed copy to ``target``.

    Parameters
    ----------
    parameters : mapping, optional
        Values for names of the notebook's ``parameters`` cell.
    cwd : path, optional
        Working directory of the kernel; the notebook's own folder by default.
    on_cell : callable, optional
        Called after each code cell, for a progress bar.

    Raises
    ------
    NotebookError
        When a cell raises (cells tagged ``raises-exception`` may). The executed
        copy, up to and including the failing cell, is written first.
    """
    nbformat = require("nbformat", purpose="run notebooks headless")
    nbclient = require("nbclient", purpose="run notebooks headless")
    nb = nbformat.read(source, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        extra_arguments=QUIET_KERNEL,
        resources={"metadata": {"path": str(cwd or source.parent)}},
    )
    if on_cell is not None:
        client.on_cell_executed = lambda **_: on_cell()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Explorers show their static table and chart: nobody moves a control in a
        # headless run, and a saved widget view cannot be drawn once the kernel is gone.
        client.execute(env={**os.environ, STATIC_ENV: "static"})
    except nbclient.exceptions.CellExecutionError:
        nbformat.write(nb, target)
        index, error = _first_error(nb)
        raise NotebookError(
            with_hint(
                f"{source.name} failed in cell {index} with {error}",
                f"open the executed copy {target} to see the traceback.",
            )
        ) from None
    nbformat.write(nb, target)
    return nb


def code_cells(path: Path) -> int:
    """How many code cells a notebook runs with its parameters injected."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return 1 + sum(1 for c in nb["cells"] if c["cell_type"] == "code")


def decision_keys(paths: Sequence[Path]) -> dict[str, str]:
    """The decision keys the notebooks record, each with the notebook that records it.

    Read from the code: every ``log.record("key", ...)`` call with a literal key.
    """
    import ast

    keys: dict[str, str] = {}
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    keys.setdefault(node.args[0].value, path.name)
    return keys


def check_overrides(case: Case, overrides: Mapping[str, Any]) -> None:
    """Refuse a key that no notebook of ``case`` decides, naming the close ones."""
    import difflib

    keys = decision_keys(case_notebooks(case))
    for key in overrides:
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=3)
            raise MlkitValueError(
                with_hint(
                    f"No notebook that runs on {case.name!r} decides {key!r}, so "
                    "setting it would change nothing.",
                    (f"did you mean {' or '.join(close)}? " if close else "")
                    + "the keys decided are: "
                    + ", ".join(sorted(keys))
                    + ".",
                )
            )


# --------------------------------------------------------------------------- a case


@dataclass(frozen=True)
class RunSummary:
    """What ``mlkit run`` did: the iteration's log and the notebooks it executed."""

    log: DesignLog
    notebooks: tuple[Path, ...]
    seconds: tuple[float, ...]
    report: Path | None = None
    unused_overrides: tuple[str, ...] = ()


def case_notebooks(case: Case) -> list[Path]:
    """The guided notebooks that apply to ``case``, in the order of the process."""
    from mlkit.design import STAGES

    folder = _resources.notebooks_dir()
    return [
        folder / s.notebook
        for s in STAGES
        if case.spec.applies(s.slug) and (folder / s.notebook).is_file()
    ]


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_case(
    case: Case,
    *,
    out: Path,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> RunSummary:
    """Execute every guided notebook for ``case`` in a new iteration under ``out``.

    The executed notebooks, the design log, the artifacts and the design report
    (``report.md`` and ``report.html``, rewritten after each notebook) go to
    ``out/<case>/iter-<N>/``. ``overrides`` maps decision keys to the values this
    iteration sets (``mlkit run --set``); a key no notebook decides is refused
    before anything runs. A run found marked as running whose process has ended
    is marked as interrupted, and said so.
    """
    from mlkit._report import write_report
    from mlkit.design import DesignLog

    case.verify()  # a changed data file stops the run before any notebook starts
    if overrides:
        check_overrides(case, overrides)
    notebooks = case_notebooks(case)
    if not notebooks:
        raise MlkitValueError(
            with_hint(
                f"No guided notebook applies to the case {case.name!r}.",
                f"check `stages` in {case.spec_file}; the notebooks are in "
                f"{_resources.notebooks_dir()}.",
            )
        )
    out = Path(out).expanduser().resolve()
    previous = DesignLog.iterations(case.name, run_dir=out)
    if previous:
        last = DesignLog(case.name, run_dir=out, iteration=previous[-1])
        if last.status == "running" and not _pid_alive(last.metadata.get("pid")):
            last.set_status("interrupted", note="found unfinished by the next run")
            echo(
                f"Iteration {last.iteration} of {case.name} was interrupted before it "
                f"finished; its files stay in {last.folder}. Starting a new iteration."
            )
    log = DesignLog.start(
        case.name, run_dir=out, overrides=overrides, source="mlkit run"
    )
    log.set_status("running", note="mlkit run", pid=os.getpid())
    parameters = {
        "case": case.name if _is_shipped_or_on_path(case) else str(case.path),
        "run_dir": str(out),
        "iteration": log.iteration,
    }
    echo(f"mlkit run {case.name}: iteration {log.iteration} in {log.folder}")
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=sum(code_cells(p) for p in notebooks),
            unit="cell",
            desc=case.name,
            file=sys.stderr,
            dynamic_ncols=True,
        )
    seconds: list[float] = []
    done: list[Path] = []
    try:
        for path in notebooks:
            if bar is not None:
                bar.set_description(f"{case.name}: {path.stem}")
            start = time.perf_counter()
            execute_notebook(
                path,
                log.folder / path.name,
                parameters=parameters,
                on_cell=None if bar is None else lambda: bar.update(1),
            )
            seconds.append(time.perf_counter() - start)
            done.append(path)
            write_report(case, log, notebooks=done, seconds=seconds)
            line = f"  done  {path.name}  {seconds[-1]:.1f} s"
            if bar is not None:
                bar.write(line)  # above the bar, which stays at the bottom
            else:
                echo(line)
    except NotebookError as exc:
        log.set_status("failed", note=str(exc).split("\n")[0])
        write_report(case, log, notebooks=done, seconds=seconds)
        raise
    except KeyboardInterrupt:
        log.set_status("interrupted", note="stopped with Ctrl-C")
        write_report(case, log, notebooks=done, seconds=seconds)
        raise
    finally:
        if bar is not None:
            bar.close()
    log.set_status("complete", note=f"{len(notebooks)} notebook(s)")
    report = write_report(case, log, notebooks=done, seconds=seconds)
    unused = sorted(k for k in log.overrides if log.get(k) is None)
    return RunSummary(
        log=log,
        notebooks=tuple(notebooks),
        seconds=tuple(seconds),
        report=report[1],
        unused_overrides=tuple(unused),
    )


def _is_shipped_or_on_path(case: Case) -> bool:
    # A case found by name can be passed by name; any other by its folder's path.
    # Not load(case.name): it also finds a folder of that name in the current
    # directory, which the kernels, started in the notebooks' folder, would not.
    from mlkit.cases import _candidates

    found = {folder.name: folder for folder in reversed(_candidates())}
    return case.name in found and found[case.name].resolve() == case.path
