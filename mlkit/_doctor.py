"""``mlkit doctor``: what a workshop teacher runs on every laptop the night before.

Each check returns a :class:`Check` with a status (``ok``, ``warn`` or ``fail``),
what was found, and how to fix it. ``mlkit doctor`` exits non-zero on any ``fail``.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlkit import _resources

if TYPE_CHECKING:
    from mlkit.cases import Case
from mlkit._execute import QUIET_KERNEL

DISTRIBUTION = "dmls-mlkit"
MIN_PYTHON = (3, 11)
KERNEL_NAME = "mlkit"
KERNEL_TIMEOUT = 60


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str
    fix: str = ""


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        return Check(
            "python",
            "fail",
            f"{version} at {sys.executable}",
            "install Python 3.11 or newer and run `make lab` again.",
        )
    return Check("python", "ok", f"{version} at {sys.executable}")


def check_mlkit() -> Check:
    import mlkit

    where = "source checkout" if _resources.is_checkout() else "installed wheel"
    return Check(
        "mlkit", "ok", f"{mlkit.__version__} ({where}: {Path(mlkit.__file__).parent})"
    )


def _requirements() -> list[tuple[str, str, bool]]:
    """(name, specifier, direct) for the runtime and notebook dependencies."""
    from packaging.requirements import Requirement

    out = []
    for text in metadata.requires(DISTRIBUTION) or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": "lab"}):
            continue
        out.append((_normalize(req.name), str(req.specifier), True))
    return out


def _pins() -> dict[str, str]:
    """The versions pinned for this platform and Python in the lock file."""
    from packaging.markers import Marker

    lock = _resources.lock_file()
    pins: dict[str, str] = {}
    if not lock.is_file():
        return pins
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(
            r"^([A-Za-z0-9_.-]+)==([^\s;]+)\s*(?:;\s*(.+))?$", line.strip()
        )
        if match and (match.group(3) is None or Marker(match.group(3)).evaluate()):
            pins[_normalize(match.group(1))] = match.group(2)
    return pins


def check_packages() -> Iterator[Check]:
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        yield Check(
            "packages",
            "fail",
            "packaging is not installed, so versions cannot be checked",
            "run `make lab` (or `pip install 'dmls-mlkit[lab]'`).",
        )
        return
    missing, too_old, found = [], [], []
    for name, specifier, _ in _requirements():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        found.append(f"{name} {version}")
        if specifier and version not in SpecifierSet(specifier):
            too_old.append(f"{name} {version} (needs {specifier})")
    if missing or too_old:
        yield Check(
            "packages",
            "fail",
            "; ".join(
                [f"missing: {', '.join(missing)}"] * bool(missing)
                + [f"too old: {', '.join(too_old)}"] * bool(too_old)
            ),
            "run `make lab` in the mlkit folder (or `pip install 'dmls-mlkit[lab]'`).",
        )
    else:
        yield Check(
            "packages", "ok", ", ".join(found[:5]) + f" and {len(found) - 5} more"
        )
    pins = _pins()
    if not pins:
        yield Check("pinned versions", "warn", "no lock file found to compare with")
        return
    differ, matched = [], 0
    for name, pinned in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # e.g. test tools in a notebook-only environment
        if installed != pinned:
            differ.append(f"{name} {installed} (lock: {pinned})")
        else:
            matched += 1
    if differ:
        yield Check(
            "pinned versions",
            "warn",
            f"{len(differ)} of {len(pins)} differ from requirements/lock.txt: "
            + ", ".join(differ[:8])
            + (" ..." if len(differ) > 8 else ""),
            "`make lab` installs exactly the tested versions; every laptop of a "
            "workshop should show none here.",
        )
    else:
        yield Check(
            "pinned versions",
            "ok",
            f"{matched} installed packages match requirements/lock.txt",
        )


def check_kernel() -> Iterator[Check]:
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        yield Check(
            "kernel",
            "fail",
            "jupyter_client is not installed",
            "run `make lab` in the mlkit folder.",
        )
        return
    specs = KernelSpecManager()
    try:
        registered = specs.get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        yield Check(
            "registered kernel",
            "warn",
            f"no '{KERNEL_NAME}' kernel for other Jupyter front ends (VS Code, ...)",
            "run `make lab`; it registers the kernel 'Python 3 (mlkit)'.",
        )
    else:
        python = registered.argv[0] if registered.argv else ""
        if Path(python).resolve() != Path(sys.executable).resolve():
            yield Check(
                "registered kernel",
                "warn",
                f"'{KERNEL_NAME}' runs {python}, not this environment's {sys.executable}",
                "run `make lab` in this folder to register this environment's kernel.",
            )
        else:
            yield Check(
                "registered kernel",
                "ok",
                f"'{registered.display_name}' runs {python}",
            )
    # The notebooks ask for the standard python3 kernel: start it and make sure it
    # imports this very mlkit.
    code = "import sys, mlkit; print(sys.executable); print(mlkit.__file__)"
    try:
        km, kc = start_new_kernel(
            kernel_name="python3",
            startup_timeout=KERNEL_TIMEOUT,
            extra_arguments=QUIET_KERNEL,
        )
    except Exception as exc:  # any failure to start is the finding itself
        yield Check(
            "notebook kernel",
            "fail",
            f"the python3 kernel does not start: {exc}",
            "run `make lab` again; if it persists, remove the folder .venv and retry.",
        )
        return
    lines: list[str] = []
    try:
        reply = kc.execute_interactive(
            code,
            timeout=KERNEL_TIMEOUT,
            output_hook=lambda msg: lines.extend(
                msg["content"].get("text", "").split()
                if msg["msg_type"] == "stream"
                else []
            ),
        )
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    import mlkit

    ours = str(Path(mlkit.__file__).resolve())
    if reply["content"]["status"] != "ok" or len(lines) < 2:
        yield Check(
            "notebook kernel",
            "fail",
            "the python3 kernel cannot import mlkit",
            "start JupyterLab with `make lab` (or `mlkit lab`) so that notebooks use "
            "this environment.",
        )
    elif str(Path(lines[1]).resolve()) != ours:
        yield Check(
            "notebook kernel",
            "fail",
            f"the python3 kernel runs {lines[0]} and imports another mlkit ({lines[1]})",
            "start JupyterLab with `make lab` from this folder.",
        )
    else:
        yield Check(
            "notebook kernel", "ok", f"python3 starts {lines[0]} with this mlkit"
        )


def check_charts() -> Check:
    from mlkit import charts

    try:
        size = len(charts._bundle())
    except ImportError as exc:
        return Check(
            "offline charts",
            "fail",
            str(exc).split("\n")[0],
            "run `make lab` to install vl-convert-python.",
        )
    return Check(
        "offline charts",
        "ok",
        f"Vega bundle available ({size / 1e6:.1f} MB, no CDN needed)",
    )


def check_cases() -> Iterator[Check]:
    from mlkit import cases
    from mlkit._exceptions import MlkitError

    table = cases.available()
    if table.empty:
        yield Check(
            "cases",
            "fail",
            "no case found",
            f"the case studies should be in {_resources.case_dirs()[0]}.",
        )
    for name, row in table.iterrows():
        label = f"case {name}"
        if row["problem"]:
            yield Check(label, "fail", row["problem"], "see the hint of `mlkit run`.")
            continue
        try:
            case = cases.load(row["path"])
            digest = case.verify()
            data = case.load_data()
        except MlkitError as exc:
            message, _, hint = str(exc).partition("\nHint: ")
            yield Check(label, "fail", message, hint)
            continue
        hooks = "; no hooks"
        if case.hooks_file:
            run = ", ".join(f"{n}() ({why})" for n, why in hook_entry_points(case))
            hooks = f"; runs code from {case.hooks_file}: {run or 'no entry point'}"
        checksum = f"sha256 {digest[:12]}... ok" if digest else "simulated"
        yield Check(
            label,
            "ok",
            f"{len(data):,} rows x {data.shape[1]} columns, {checksum}{hooks}",
        )


#: The functions of a case's hooks.py that mlkit and the notebooks call, and why.
HOOK_PURPOSES = {
    "labeling_functions": "weak labels in 04",
    "features": "features from 05 on",
    "heuristic": "a baseline in 06",
    "existing_solution": "a baseline in 06",
}


def hook_entry_points(case: Case) -> list[tuple[str, str]]:
    """The functions of ``case``'s hooks.py that would run, read without running it.

    The file is parsed, not imported, so that checking a case copied from
    elsewhere runs none of its code; the simulator named in ``case.toml`` comes
    first.
    """
    import ast

    if case.hooks_file is None:
        return []
    tree = ast.parse(case.hooks_file.read_text(encoding="utf-8"))
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    found = []
    simulator = case.spec.data.simulator
    if simulator in defined:
        found.append((simulator, "the data"))
    found += [(n, why) for n, why in HOOK_PURPOSES.items() if n in defined]
    return found


def check_exercises() -> Check:
    """The exercises' checkers load, and the learners' copy can be written."""
    from mlkit import exercises
    from mlkit._exceptions import MlkitError

    try:
        listed = exercises.exercises()
        with tempfile.TemporaryDirectory() as folder:
            written = exercises.learners_copy(Path(folder) / "copy")
    except (MlkitError, ImportError) as exc:
        message, _, hint = str(exc).partition("\nHint: ")
        return Check("exercises", "fail", message, hint or "reinstall with `make lab`.")
    return Check(
        "exercises",
        "ok",
        f"{len(listed)} exercises in {listed['notebook'].nunique()} notebooks; the "
        f"learners' copy of {len(written)} notebooks can be written "
        "(`mlkit learners-copy DIR`)",
    )


def check_run_dir(run_dir: Path) -> Check:
    # Probe the folder, or the nearest existing parent that would hold it, without
    # creating anything that stays.
    probe = run_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        with tempfile.NamedTemporaryFile(dir=probe):
            pass
    except OSError as exc:
        return Check(
            "run folder",
            "fail",
            f"cannot write to {probe}: {exc.strerror}",
            "run mlkit from a folder you can write to, or pass --out.",
        )
    return Check("run folder", "ok", f"{run_dir.resolve()} can be written")


def run_checks(run_dir: Path) -> Iterator[Check]:
    """Every check, in the order a person would fix them."""
    yield check_python()
    yield check_mlkit()
    yield from check_packages()
    yield check_charts()
    yield from check_kernel()
    yield from check_cases()
    yield check_exercises()
    yield check_run_dir(run_dir)


def notebook_count() -> int:
    folder = _resources.notebooks_dir()
    return len(list(folder.glob("*.ipynb"))) if folder.is_dir() else 0


def environment_summary() -> str:
    return (
        f"{sys.platform}, {os.cpu_count()} CPU(s), {notebook_count()} guided notebooks"
    )
