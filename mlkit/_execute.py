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
from mlkit._exceptions import DesignLogError, MlkitError, MlkitValueError, with_hint
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
    kernel: Any = None,
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
    kernel : jupyter_client.KernelManager, optional
        A kernel started for this notebook beforehand, from
        :meth:`KernelPool.take`; it is shut down afterwards. Without one, the
        kernel starts here.

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
    cwd = Path(cwd or source.parent)
    km = kernel
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        kernel_name="python3",
        extra_arguments=list(QUIET_KERNEL),
        resources={"metadata": {"path": str(cwd)}},
    )
    if on_cell is not None:
        client.on_cell_executed = lambda **_: on_cell()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        client.execute(env=_kernel_env())
    except Exception as exc:
        # nbclient answers Ctrl-C (and SIGTERM) by shutting the kernel down, so the
        # error seen here is a dead kernel or a failed cell: report the interrupt.
        if getattr(client, "_async_cleanup_kernel_future", None) is not None:
            nbformat.write(nb, target)  # the cells run so far are kept
            raise KeyboardInterrupt from None
        if not isinstance(exc, nbclient.exceptions.CellExecutionError):
            raise
        nbformat.write(nb, target)
        index, error = _first_error(nb)
        raise NotebookError(
            with_hint(
                f"{source.name} failed in cell {index} with {error}",
                f"open the executed copy {target} to see the traceback.",
            )
        ) from None
    finally:
        if km is not None:  # not the client's to stop: it did not start it
            if client.kc is not None:
                client.kc.stop_channels()
            km.shutdown_kernel(now=True)
    nbformat.write(nb, target)
    return nb


def _kernel_env() -> dict[str, str]:
    # Explorers show their static table and chart: nobody moves a control in a
    # headless run, and a saved widget view cannot be drawn once the kernel is gone.
    env = {**os.environ, STATIC_ENV: "static"}
    # One thread for numerical libraries, unless the caller chose: the next kernel
    # warms up on the other core, and on the cases' data OpenMP's threads cost more
    # than they give when a core is busy (a boosted model's fit 8 times slower, a
    # one-row prediction 6 times, measured on 2 cores; benchmarks/RESULTS.md).
    for name in THREAD_VARIABLES:
        env.setdefault(name, "1")
    return env


#: Variables that cap the threads of OpenMP, OpenBLAS and MKL in headless kernels.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def warm_up_modules(nb: nbformat.NotebookNode) -> list[str]:
    """The modules a notebook imports, and the parts of mlkit it uses, in that order.

    Read from its code, not run: every ``import`` and ``from ... import`` at the
    top of a code cell, then ``mlkit.<name>`` for each ``mk.<name>`` the cells use,
    then scikit-learn's model modules when the notebook uses ``mk.models`` or
    ``mk.features``.
    """
    import ast
    import re

    modules: dict[str, None] = {}
    used: dict[str, None] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # IPython magics; the cell's imports then wait for the cell
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules[node.module] = None
        used.update(dict.fromkeys(re.findall(r"\bmk\.([a-z]\w*)", cell.source)))
    modules.update(dict.fromkeys(f"mlkit.{name}" for name in used))
    if {"models", "features"} & used.keys():
        # mlkit imports scikit-learn inside its functions, and loads saved models
        # with skops: the set-up cell of a modelling notebook needs them at once.
        modules.update(dict.fromkeys(_MODELLING))
    return list(modules)


_MODELLING = (
    "scipy.stats",
    "sklearn.compose",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "skops.io",
)


# Runs silently in a kernel before the notebook: it imports modules (so that they are
# in sys.modules) and bundles the chart library, and leaves no name behind.
_WARM_UP = """
def __mlkit_warm_up(names):
    import importlib
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass  # the notebook's own import reports it, in its cell
    try:
        import mlkit.charts
        mlkit.charts._bundle()
    except Exception:
        pass
__mlkit_warm_up({names!r})
del __mlkit_warm_up
"""


class KernelPool:
    """Start the next notebook's kernel, and its imports, while a notebook runs.

    A run of a case executes its notebooks one after another, each in a fresh
    kernel. Starting a kernel and importing pandas, scikit-learn and altair take
    4 to 6 seconds per notebook, during which nothing else happens. The pool starts
    the next notebook's kernel in the background, on the other core, and imports
    there the modules that notebook imports (:func:`warm_up_modules`), so that the
    notebook starts at once. The kernel is still a fresh one: its namespace is
    empty and its execution count starts at 1; only ``sys.modules`` is filled.

    ``prepare(path)`` starts a kernel for a notebook, ``take(path, cwd)`` hands it
    over (None when none was prepared for that notebook, or it failed to start),
    and ``close()`` shuts down a kernel nobody took.
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel")
        self._pending: tuple[Path, Path, Any] | None = None

    def prepare(self, path: Path, cwd: Path | None = None) -> None:
        """Start a kernel for the notebook at ``path`` in the background."""
        nbformat = require("nbformat", purpose="run notebooks headless")
        # Imported here, before the thread starts: two threads importing
        # jupyter_client at once can see it half initialised.
        require("nbclient", purpose="run notebooks headless")
        import jupyter_client.manager  # noqa: F401
        import jupyter_core.utils  # noqa: F401

        self._discard()
        path = Path(path)
        cwd = Path(cwd or path.parent)
        modules = warm_up_modules(nbformat.read(path, as_version=4))
        future = self._executor.submit(_warm_kernel, cwd, _kernel_env(), modules)
        self._pending = (path.resolve(), cwd.resolve(), future)

    def take(self, path: Path, cwd: Path) -> Any:
        """The kernel manager prepared for ``path`` in ``cwd``, or None."""
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        if pending[:2] != (Path(path).resolve(), Path(cwd).resolve()):
            self._pending = pending
            self._discard()
            return None
        return pending[2].result()

    def close(self) -> None:
        """Shut down a kernel that was prepared and not taken."""
        self._discard()
        self._executor.shutdown(wait=True)

    def _discard(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            km = pending[2].result()
            if km is not None:
                km.shutdown_kernel(now=True)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _warm_kernel(cwd: Path, env: dict[str, str], modules: list[str]) -> Any:
    """A started kernel (its manager) with ``modules`` imported, or None on failure."""
    from jupyter_core.utils import ensure_event_loop

    try:
        return _start_and_import(cwd, env, modules)
    finally:
        # jupyter_client's blocking calls ran on an event loop of this thread; close
        # it here, as the thread ends (later calls from the caller use their own).
        ensure_event_loop().close()


def _start_and_import(cwd: Path, env: dict[str, str], modules: list[str]) -> Any:
    from jupyter_client.manager import KernelManager

    # The notebook's client is nbclient's asynchronous one; this thread only needs a
    # blocking client for the warm-up.
    km = KernelManager(
        kernel_name="python3",
        client_class="jupyter_client.asynchronous.AsyncKernelClient",
    )
    try:
        km.start_kernel(
            extra_arguments=[*QUIET_KERNEL, "--HistoryManager.hist_file=:memory:"],
            cwd=str(cwd),
            env=env,
        )
        kc = km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=120)
            kc.execute_interactive(
                _WARM_UP.format(names=modules),
                silent=True,
                store_history=False,
                timeout=300,
                output_hook=lambda msg: None,
            )
        finally:
            kc.stop_channels()
    except Exception:
        # The notebook then starts its own kernel, as without a pool, and any
        # real problem shows there with its message.
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        return None
    return km


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
        elif last.status in ("interrupted", "failed"):
            history = last.metadata.get("history") or [{}]
            echo(
                f"Iteration {last.iteration} of {case.name} {last.status} "
                f"({history[-1].get('note') or 'no note'}); its files stay in "
                f"{last.folder}. Starting a new iteration."
            )
    log = DesignLog.start(
        case.name, run_dir=out, overrides=overrides, source="mlkit run"
    )
    log.set_status("running", note="mlkit run", pid=os.getpid())
    created = log.metadata.get("created")
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
    kernels = KernelPool()
    kernels.prepare(notebooks[0])
    try:
        for index, path in enumerate(notebooks):
            if bar is not None:
                bar.set_description(f"{case.name}: {path.stem}")
            start = time.perf_counter()
            kernel = kernels.take(path, path.parent)
            if index + 1 < len(notebooks):
                kernels.prepare(notebooks[index + 1])
            try:
                execute_notebook(
                    path,
                    log.folder / path.name,
                    parameters=parameters,
                    on_cell=None if bar is None else lambda: bar.update(1),
                    kernel=kernel,
                )
            except FileNotFoundError:
                _check_folder(case, log, created, path.name)
                raise
            _check_folder(case, log, created, path.name)
            seconds.append(time.perf_counter() - start)
            done.append(path)
            write_report(case, log, notebooks=done, seconds=seconds)
            line = f"  done  {path.name}  {seconds[-1]:.1f} s"
            if bar is not None:
                bar.write(line)  # above the bar, which stays at the bottom
            else:
                echo(line)
    except KeyboardInterrupt:
        _stopped(case, log, done, seconds, echo)
        raise
    except DesignLogError:
        raise  # the iteration folder is gone: nothing to record the failure in
    except Exception as exc:
        first = str(exc).split("\n")[0]
        if not isinstance(exc, NotebookError):
            first = f"{type(exc).__name__}: {first}"
        log.set_status("failed", note=first)
        write_report(case, log, notebooks=done, seconds=seconds)
        raise
    finally:
        kernels.close()
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


def _stopped(
    case: Case,
    log: DesignLog,
    done: list[Path],
    seconds: list[float],
    echo: Callable[[str], None],
) -> None:
    """Record a run stopped with Ctrl-C, and say where its work stays."""
    from mlkit._report import write_report

    log.set_status("interrupted", note="stopped with Ctrl-C")
    write_report(case, log, notebooks=done, seconds=seconds)
    echo(
        f"Iteration {log.iteration} of {case.name} stopped with Ctrl-C after "
        f"{len(done)} notebook(s); its files stay in {log.folder}. The next "
        f"`mlkit run {case.name}` starts a new iteration."
    )


def _check_folder(case: Case, log: DesignLog, created: Any, notebook: str) -> None:
    """Stop the run if its iteration folder was deleted (or replaced) while it ran.

    A notebook that records a decision into a deleted folder would create it again
    with a fresh design log, so a missing folder and a log created anew both count.
    """
    meta = log.metadata if log.folder.is_dir() else {}
    if meta.get("created") != created:
        raise DesignLogError(
            with_hint(
                f"The iteration folder {log.folder} was deleted while `mlkit run` was "
                f"running (noticed after {notebook}); the run stopped there.",
                f"run `mlkit run {case.name}` again: it starts a clean iteration. "
                f"Other iterations in {log.folder.parent} were not touched.",
            )
        )


def _is_shipped_or_on_path(case: Case) -> bool:
    # A case found by name can be passed by name; any other by its folder's path.
    # Not load(case.name): it also finds a folder of that name in the current
    # directory, which the kernels, started in the notebooks' folder, would not.
    from mlkit.cases import _candidates

    found = {folder.name: folder for folder in reversed(_candidates())}
    return case.name in found and found[case.name].resolve() == case.path
