"""The learners' copy: the guided notebooks with every solution replaced by a stub.

A solution cell (tagged ``solution``) holds its solution between two marker lines::

    # BEGIN SOLUTION
    answer = ...
    # END SOLUTION
    mk.exercises.check("03.2", answer, ...)

In the copy the lines between the markers, and the markers, become one stub line
``NAME = ...  # your answer`` for each name the solution assigns at top level, and
the cell's tag becomes ``exercise``. The notebook then still runs top to bottom:
the check says "not answered yet" until the learner writes an answer.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
STUB_COMMENT = "# your answer"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [name for elt in node.elts for name in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []  # attributes and subscripts change an object; they bind no name


def _assigned(statements: Iterable[ast.stmt]) -> list[str]:
    names: list[str] = []
    for node in statements:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names += _targets(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            names += _targets(node.target)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            names += _targets(node.target)
            names += _assigned(node.body) + _assigned(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    names += _targets(item.optional_vars)
            names += _assigned(node.body)
        elif isinstance(node, (ast.If, ast.While)):
            names += _assigned(node.body) + _assigned(node.orelse)
        elif isinstance(node, ast.Try):
            names += _assigned(node.body) + _assigned(node.orelse)
            names += _assigned(node.finalbody)
            for handler in node.handlers:
                names += _assigned(handler.body)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.NamedExpr):
            names += _targets(node.value.target)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                names += _assigned(case.body)
    return names


def solution_names(code: str) -> list[str]:
    """The names a solution assigns at the top level of a notebook, in order.

    Names bound inside functions and comprehensions are local and not counted;
    names bound in the branches of an ``if`` or the body of a loop are.

    Examples
    --------
    >>> from mlkit.exercises._copy import solution_names
    >>> solution_names("n = len(X)\\nif n > 2:\\n    rate, kept = 0.1, n\\nn += 1")
    ['n', 'rate', 'kept']
    """
    names = _assigned(ast.parse(code).body)
    return list(dict.fromkeys(names))


def _blocks(source: str, where: str) -> list[tuple[int, int]]:
    """Line numbers (begin, end) of each marked solution block in ``source``."""
    lines = source.split("\n")
    blocks, begin = [], None
    for i, line in enumerate(lines):
        mark = line.strip()
        if mark == BEGIN:
            if begin is not None:
                raise MlkitValueError(
                    with_hint(
                        f"{where}: '{BEGIN}' on line {i + 1} opens a second block "
                        f"before '{END}' closed the first.",
                        f"close each solution with '{END}'.",
                    )
                )
            begin = i
        elif mark == END:
            if begin is None:
                raise MlkitValueError(
                    with_hint(
                        f"{where}: '{END}' on line {i + 1} closes no block.",
                        f"open the solution with '{BEGIN}'.",
                    )
                )
            blocks.append((begin, i))
            begin = None
    if begin is not None:
        raise MlkitValueError(
            with_hint(f"{where}: '{BEGIN}' is never closed.", f"add '{END}'.")
        )
    return blocks


def strip_solution(source: str, *, where: str = "the cell") -> str:
    """The source of a solution cell with each solution replaced by its stubs.

    Examples
    --------
    >>> from mlkit.exercises._copy import strip_solution
    >>> cell = "# BEGIN SOLUTION\\nrate = y.mean()\\n# END SOLUTION\\ncheck(rate)"
    >>> print(strip_solution(cell))
    rate = ...  # your answer
    check(rate)
    """
    blocks = _blocks(source, where)
    if not blocks:
        raise MlkitValueError(
            with_hint(
                f"{where} is tagged '{SOLUTION_TAG}' but has no '{BEGIN}' block.",
                f"put the solution between '{BEGIN}' and '{END}' lines.",
            )
        )
    lines = source.split("\n")
    out: list[str] = []
    start = 0
    for begin, end in blocks:
        out += lines[start:begin]
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        code = "\n".join(line[len(indent) :] for line in lines[begin + 1 : end])
        names = solution_names(code)
        if not names:
            raise MlkitValueError(
                with_hint(
                    f"the solution in {where} assigns no name, so the learners' "
                    "copy would have nothing to fill in.",
                    "assign the answer to a name, as in `answer = ...`.",
                )
            )
        out += [f"{indent}{name} = ...  {STUB_COMMENT}" for name in names]
        start = end + 1
    out += lines[start:]
    return "\n".join(out)


def strip_notebook(
    nb: dict[str, Any], *, where: str = "the notebook"
) -> dict[str, Any]:
    """A copy of a notebook's JSON with solutions stubbed and outputs cleared."""
    nb = json.loads(json.dumps(nb))  # a deep copy: the caller's notebook is kept
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_TAG in tags:
            stub = strip_solution(_source(cell), where=f"{where}, cell {i}")
            lines = stub.split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
            cell["metadata"]["tags"] = [
                EXERCISE_TAG if tag == SOLUTION_TAG else tag for tag in tags
            ]
        elif BEGIN in _source(cell):
            raise MlkitValueError(
                with_hint(
                    f"{where}, cell {i} holds '{BEGIN}' but is not tagged "
                    f"'{SOLUTION_TAG}', so its solution would be copied.",
                    f"tag the cell '{SOLUTION_TAG}' (cell metadata tags).",
                )
            )
    return nb


def _choose(available: list[Path], notebooks: Sequence[str] | str | None) -> list[Path]:
    if notebooks is None:
        return available
    if isinstance(notebooks, str):
        notebooks = [notebooks]
    by_name = {p.name: p for p in available}
    chosen = []
    for name in notebooks:
        if not isinstance(name, str):
            raise MlkitTypeError(
                with_hint(
                    f"'notebooks' must hold notebook names; got {type(name).__name__}.",
                    "pass names such as '03_training_data' or '03'.",
                )
            )
        key = name.removesuffix(".ipynb")
        found = [
            p
            for p in available
            if p.stem == key or (key.isdigit() and p.name[:2] == key.zfill(2))
        ]
        if len(found) != 1:
            import difflib

            close = difflib.get_close_matches(key, [p.stem for p in available], n=1)
            raise MlkitValueError(
                with_hint(
                    f"'notebooks' names {name!r}, which is not a guided notebook.",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + f"The notebooks are: {', '.join(sorted(by_name))}.",
                )
            )
        chosen += [p for p in found if p not in chosen]
    return chosen


def learners_copy(
    out: str | Path,
    *,
    notebooks: Sequence[str] | str | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write the learners' copy of the guided notebooks: exercises without solutions.

    Every solution cell of each notebook has its solution replaced by
    ``NAME = ...  # your answer`` for each name the solution assigns; its tag
    becomes ``exercise`` and all outputs are cleared. The copy runs top to bottom
    as it is: each check then says "not answered yet".

    Parameters
    ----------
    out : str or Path
        The folder to write into; created if missing.
    notebooks : str or list of str, optional
        Only these notebooks (file name, name without ``.ipynb``, or number);
        all guided notebooks by default.
    overwrite : bool, default False
        Replace notebooks that already exist in ``out``: this resets a learner's
        work on them, so it must be asked for.

    Returns
    -------
    list of Path
        The notebooks written.

    Raises
    ------
    MlkitValueError
        If a notebook is unknown, or would replace an existing file without
        ``overwrite=True``.

    Examples
    --------
    >>> import tempfile
    >>> import mlkit as mk
    >>> folder = tempfile.mkdtemp()
    >>> [p.name for p in mk.exercises.learners_copy(folder, notebooks="00")]
    ['00_start_here.ipynb']
    """
    from mlkit._resources import notebooks_dir

    if not isinstance(out, (str, Path)):
        raise MlkitTypeError(
            with_hint(
                f"'out' must be a folder path; got {type(out).__name__}.",
                "pass a path such as 'my-notebooks'.",
            )
        )
    if not isinstance(overwrite, bool):
        raise MlkitTypeError(
            with_hint(
                f"'overwrite' must be True or False; got {overwrite!r}.",
                "pass overwrite=True to replace the notebooks already in 'out'.",
            )
        )
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise MlkitValueError(
            with_hint(
                f"'out' must be a folder; {str(out)!r} is a file.",
                "pass the path of a folder to write the notebooks into.",
            )
        )
    chosen = _choose(sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")), notebooks)
    existing = [out / p.name for p in chosen if (out / p.name).exists()]
    if existing and not overwrite:
        raise MlkitValueError(
            with_hint(
                f"In 'out', {', '.join(str(p) for p in existing)} already exist"
                + ("s" if len(existing) == 1 else "")
                + "; writing would erase the answers in "
                + ("it." if len(existing) == 1 else "them."),
                "pass overwrite=True (mlkit learners-copy ... --force) to start "
                "over from a fresh copy, or choose another folder.",
            )
        )
    stripped = [
        (p, strip_notebook(json.loads(p.read_text(encoding="utf-8")), where=p.name))
        for p in chosen
    ]  # every notebook is stripped before any is written: a bad one writes none
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path, nb in stripped:
        target = out / path.name
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
