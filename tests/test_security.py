"""What mlkit never does with the files it is given: evaluate them, unpickle them,
or import code from outside a case's own folder.

Tested beside the code they concern: JupyterLab bound to 127.0.0.1 with a token
(tests/test_cli.py::test_lab_command_is_local_and_tokened and
test_lab_serves_the_start_notebook_with_a_token), models loaded with skops' trusted
types only (tests/test_design.py::test_a_model_with_untrusted_types_is_refused,
tests/test_deployment_serving.py), data files outside a case folder refused
(tests/test_cases.py).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import mlkit
from mlkit import cases
from mlkit._doctor import hook_entry_points

PACKAGE = Path(mlkit.__file__).parent

#: Calls that run code from a string or a file.
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRIBUTES = {
    ("pickle", "load"),
    ("pickle", "loads"),
    ("marshal", "loads"),
    ("joblib", "load"),
    ("yaml", "load"),
    ("dill", "load"),
    ("cloudpickle", "load"),
}
#: DataFrame.eval/query evaluate pandas expressions; allowed only where the
#: expression comes from the caller's code, never from data or case files.
EXPRESSIONS_ALLOWED = {"labeling/_weak.py"}
#: Modules imported by a name computed at run time, and where the name comes from.
IMPORTS_ALLOWED = {
    "__init__.py": "mlkit's own submodules, by name",
    "exercises/__init__.py": "mlkit's own exercise modules",
    "_optional.py": "optional dependencies named in mlkit's code",
    "_execute.py": "the modules a notebook imports, before it runs",
}


def sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text("utf-8"))


def calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def dotted(node) -> tuple[str, str] | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        return name, func.attr
    return None


def test_no_code_path_evaluates_strings_or_unpickles_files():
    found = []
    for path, tree in sources():
        for node in calls(tree):
            where = f"{path}:{node.lineno}"
            if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_NAMES:
                found.append(f"{where} calls {node.func.id}()")
            pair = dotted(node)
            if pair in FORBIDDEN_ATTRIBUTES:
                found.append(f"{where} calls {'.'.join(pair)}()")
            if pair and pair[1] in {"read_pickle", "from_pickle"}:
                found.append(f"{where} calls {pair[1]}()")
            if (
                pair
                and pair[1] in {"eval", "query"}
                and path not in EXPRESSIONS_ALLOWED
            ):
                found.append(f"{where} evaluates an expression with .{pair[1]}()")
            if pair == ("np", "load"):
                pickle = [k for k in node.keywords if k.arg == "allow_pickle"]
                if not pickle or getattr(pickle[0].value, "value", True) is not False:
                    found.append(f"{where} calls np.load without allow_pickle=False")
            if pair and pair[1] == "import_module" and path not in IMPORTS_ALLOWED:
                found.append(f"{where} imports a module by a computed name")
            for keyword in node.keywords:
                if keyword.arg == "shell" and getattr(keyword.value, "value", False):
                    found.append(f"{where} runs a command through a shell")
    assert not found, "\n".join(found)


def test_the_scan_finds_what_it_looks_for(tmp_path, monkeypatch):
    # The scan above must fail on the code it forbids, or it proves nothing.
    bad = (
        "import pickle\nimport numpy as np\n"
        "def f(s, p, df):\n"
        "    eval(s)\n    pickle.load(p)\n    np.load(p)\n    df.query(s)\n"
    )
    (tmp_path / "bad.py").write_text(bad)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    with pytest.raises(AssertionError) as caught:
        test_no_code_path_evaluates_strings_or_unpickles_files()
    message = str(caught.value)
    assert "bad.py:4 calls eval()" in message
    assert "bad.py:5 calls pickle.load()" in message
    assert "bad.py:6 calls np.load without allow_pickle=False" in message
    assert "bad.py:7 evaluates an expression with .query()" in message


DECOY = "raise RuntimeError('a hooks.py outside the case folder was imported')\n"


def test_hooks_are_imported_only_from_the_case_folder(tmp_path, monkeypatch, case_copy):
    decoys = tmp_path / "elsewhere"
    decoys.mkdir()
    for name in (
        "hooks.py",
        "mlkit_case_hooks_spam.py",
        "mlkit_case_hooks_copy_spam.py",
    ):
        (decoys / name).write_text(DECOY)
    monkeypatch.syspath_prepend(str(decoys))
    monkeypatch.chdir(decoys)  # a hooks.py in the working folder is not used either
    case = cases.load(case_copy("spam"))
    hooks = case.hooks
    assert Path(hooks.__file__) == case.path / "hooks.py"
    assert "hooks" not in sys.modules or not str(
        getattr(sys.modules["hooks"], "__file__", "")
    ).startswith(str(decoys))


def test_doctor_lists_the_hooks_a_case_would_run_without_running_them(case_copy):
    folder = case_copy("fraud")
    hooks = folder / "hooks.py"
    marker = folder / "imported"
    hooks.write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        + hooks.read_text("utf-8")
    )
    case = cases.load(folder)
    listed = hook_entry_points(case)
    assert [name for name, _ in listed] == [
        "simulate",
        "features",
        "heuristic",
        "existing_solution",
    ]
    assert not marker.exists()


def test_doctor_says_a_case_has_no_hooks(case_copy):
    folder = case_copy("income")
    (folder / "hooks.py").unlink()
    assert hook_entry_points(cases.load(folder)) == []
