"""Exercises: the feedback and check API, the learners' copy, and the checkers of
notebooks 00 to 05 on right answers and on the mistakes they anticipate."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest

import mlkit as mk
from mlkit._exceptions import MlkitValueError
from mlkit.cases import Costs
from mlkit.exercises import Feedback, MlkitExerciseError, check, learners_copy
from mlkit.exercises._copy import solution_names, strip_notebook, strip_solution
from mlkit.exercises._core import (
    _REGISTRY,
    Rejected,
    correct,
    exercise,
    expect_choice,
    expect_int,
    expect_number,
    expect_strings,
    wrong,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HEADING = re.compile(r"^### Exercise (\d\d\.\d): \S")
CHECK = re.compile(r'mk\.exercises\.check\(\s*"(\d\d\.\d)"')


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.delenv(mk.exercises.STRICT_ENV, raising=False)


def status(exercise_id, answer, **context):
    return check(exercise_id, answer, **context).status


# --- Feedback and check ---------------------------------------------------------------


def test_feedback_text_and_html():
    good = Feedback("03.2", "correct", "Yes.")
    bad = Feedback(
        "03.2", "wrong", "0.42 is <the precision>.", hint="Divide by TP + FN."
    )
    todo = Feedback("03.2", "unanswered", "Replace it.", hint="h")
    assert good.passed
    assert not bad.passed
    assert not todo.passed
    assert str(good) == "✓ 03.2 correct: Yes."
    assert str(bad).splitlines() == [
        "✗ 03.2 not yet: 0.42 is <the precision>.",
        "Hint: Divide by TP + FN.",
    ]
    assert repr(todo).startswith("… 03.2 not answered yet: Replace it.")
    page = bad._repr_html_()
    assert "#D55E00" in page
    assert "&lt;the precision&gt;" in page
    assert "<the" not in page
    assert "#009E73" in good._repr_html_()
    assert "Hint" not in good._repr_html_()
    with pytest.raises(MlkitValueError, match="status"):
        Feedback("03.2", "maybe", "?")


@pytest.fixture
def toy():
    @exercise("99.1", notebook="99_toy.ipynb", title="Twice n", hint="multiply by 2")
    def twice(answer, *, n):
        value = expect_number(answer)
        if value == 2 * n:
            return correct(f"{value:g} is twice {n}.")
        if value == n:
            return wrong("that is n itself.", hint="double it.")
        if value < 0:
            raise RuntimeError("a broken model")
        return wrong(f"{value:g} is not twice {n}.")

    yield "99.1"
    del _REGISTRY["99.1"]


def test_check_fills_in_the_id_and_the_hint(toy):
    assert str(check(toy, 6, n=3)) == "✓ 99.1 correct: 6 is twice 3."
    fb = check(toy, 3, n=3)
    assert (fb.status, fb.hint) == ("wrong", "double it.")
    assert check(toy, 7, n=3).hint == "multiply by 2"  # the exercise's own hint
    assert check(toy, 6, n=3).hint == ""


def test_an_unanswered_exercise(toy):
    for answer in (..., (1, ...), {"a": ...}):
        fb = check(toy, answer, n=3)
        assert fb.status == "unanswered"
        assert fb.message == "Replace `...` with your answer and run the cell again."
        assert fb.hint == "multiply by 2"


def test_answers_of_the_wrong_type_are_wrong_not_errors(toy):
    for answer in ([6], "6", None, True, np.array([6, 6]), pd.DataFrame({"a": [6, 6]})):
        fb = check(toy, answer, n=3)
        assert fb.status == "wrong"
        assert fb.message.startswith("expected a number, got")
    assert check(toy, np.array([6]), n=3).passed  # one element is a number
    assert check(toy, np.float32(6), n=3).passed


def test_a_checker_that_raises_gives_the_error_text(toy):
    fb = check(toy, -1, n=3)
    assert fb.status == "wrong"
    assert "RuntimeError: a broken model" in fb.message


def test_strict_mode_raises_on_anything_but_correct(toy, monkeypatch):
    monkeypatch.setenv("MLKIT_EXERCISES", "strict")
    assert check(toy, 6, n=3).passed
    with pytest.raises(
        MlkitExerciseError, match=r"99.1 not yet: that is n itself"
    ) as e:
        check(toy, 3, n=3)
    assert str(e.value).endswith("Hint: double it.")
    assert isinstance(e.value, MlkitValueError)
    with pytest.raises(MlkitExerciseError, match="not answered yet"):
        check(toy, ..., n=3)
    with pytest.raises(
        RuntimeError, match="a broken model"
    ):  # propagates in strict mode
        check(toy, -1, n=3)


def test_unknown_ids_name_the_close_ones():
    with pytest.raises(MlkitValueError, match=r"'00\.9'.*\n.*'00\.1'") as e:
        check("00.9", 1)
    assert "Hint:" in str(e.value)
    with pytest.raises(MlkitValueError, match="not a known exercise"):
        check(3.2, 1)


def test_registration_rules(toy):
    with pytest.raises(MlkitValueError, match="registered twice"):

        @exercise("99.1", notebook="99_toy.ipynb", title="t", hint="h")
        def other(answer):
            return correct("")

    with pytest.raises(MlkitValueError, match="does not match"):
        exercise("98.1", notebook="99_toy.ipynb", title="t", hint="h")(lambda a: a)


def test_a_checker_must_return_feedback(toy):
    @exercise("99.2", notebook="99_toy.ipynb", title="t", hint="h")
    def sloppy(answer):
        return True

    try:
        with pytest.raises(TypeError, match="returned a bool"):
            check("99.2", 1)
    finally:
        del _REGISTRY["99.2"]


def test_expect_helpers():
    assert expect_int(12.0) == 12
    assert expect_choice(" PARQUET ", ["CSV", "Parquet"]) == "Parquet"
    assert expect_strings("a") == ["a"]
    assert expect_strings(pd.Index(["a", "b"])) == [
        "a",
        "b",
    ]
    with pytest.raises(Rejected, match=r"12\.5"):
        expect_int(12.5)
    with pytest.raises(Rejected, match="Did you mean 'parquet'"):
        expect_choice("parquett", ["CSV", "Parquet"])
    with pytest.raises(Rejected, match="between 0 and 1"):
        expect_number(1.5, low=0, high=1)
    with pytest.raises(Rejected, match="at least 0; got -2"):
        expect_number(-2, low=0)
    with pytest.raises(Rejected, match="at most 1; got 3"):
        expect_number(3, high=1)
    with pytest.raises(Rejected, match="not a string"):
        expect_strings(["a", 1])


def test_the_list_of_exercises():
    table = mk.exercises.exercises()
    assert list(table.columns) == ["id", "notebook", "title"]
    assert table["id"].is_unique
    assert table["id"].is_monotonic_increasing
    mine = mk.exercises.exercises("03")
    assert set(mine["notebook"]) == {"03_training_data.ipynb"}
    assert mine.equals(
        mk.exercises.exercises("03_training_data").reset_index(drop=True)
    )
    with pytest.raises(MlkitValueError, match="has no exercises"):
        mk.exercises.exercises("12_nothing")


@pytest.mark.parametrize("notebook", ["", " ", ".ipynb"])
def test_an_empty_notebook_name_is_refused_not_read_as_notebook_00(notebook):
    with pytest.raises(MlkitValueError, match="'notebook' must name a notebook"):
        mk.exercises.exercises(notebook)


# --- The notebooks and the registry ---------------------------------------------------


def solution_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if "solution" in c.metadata.get("tags", [])], nb


def test_every_exercise_sits_in_exactly_one_solution_cell():
    found: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        cells, nb = solution_cells(path)
        headings = [m.group(1) for c in nb.cells if (m := HEADING.match(c.source))]
        ids = [m.group(1) for c in cells for m in CHECK.finditer(c.source)]
        assert len(ids) == len(cells), path.name  # one check per solution cell
        assert sorted(headings) == sorted(ids), path.name
        for i in ids:
            found.setdefault(i, []).append(path.name)
    mk.exercises.exercises()  # loads every checker module
    registered = {e.id: e.notebook for e in _REGISTRY.values() if e.id[:2] != "99"}
    assert {i: where for i, where in found.items() if len(where) > 1} == {}
    assert {i: where[0] for i, where in found.items()} == registered


def test_each_guided_notebook_has_two_to_four_exercises():
    mine = {
        p.name for p in NOTEBOOKS if p.name[:2] in {"00", "01", "02", "03", "04", "05"}
    }
    for path in NOTEBOOKS:
        cells, _ = solution_cells(path)
        if path.name in mine or cells:
            assert 2 <= len(cells) <= 4, path.name


def test_solution_cells_follow_the_form():
    for path in NOTEBOOKS:
        cells, nb = solution_cells(path)
        later_sources = {id(c): i for i, c in enumerate(nb.cells)}
        for cell in cells:
            assert cell.source.count("# BEGIN SOLUTION") == 1, cell.source[:80]
            inside = cell.source.split("# BEGIN SOLUTION\n")[1].split("# END SOLUTION")[
                0
            ]
            names = solution_names(inside)
            assert names, cell.source[:80]
            after = cell.source.split("# END SOLUTION")[1]
            assert "mk.exercises.check(" in after
            # No later cell may use a name the solution assigns: the learners' copy
            # only has `...` for it.
            for later in nb.cells[later_sources[id(cell)] + 1 :]:
                if later.cell_type != "code":
                    continue
                used = {
                    n.id
                    for n in ast.walk(ast.parse(later.source))
                    if isinstance(n, ast.Name)
                }
                assert not used & set(names), (path.name, used & set(names))


# --- The learners' copy ---------------------------------------------------------------


def test_solution_names():
    code = (
        "a = 1\nb, (c, *d) = 1, (2, 3)\nif a:\n    e = 1\nelse:\n    f: int = 2\n"
        "for g in []:\n    h = [i for i in range(3)]\ndef k():\n    local = 1\n"
        "x.attr = 1\ny[0] = 2\nimport numpy.linalg\nfrom math import pi as p\n"
        "with open('f') as fh:\n    pass\n"
    )
    assert solution_names(code) == [
        "a", "b", "c", "d", "e", "f", "g", "h", "k", "numpy", "p", "fh",
    ]  # fmt: skip


def test_strip_solution_keeps_the_check_and_indentation():
    cell = (
        "x = 1\n# BEGIN SOLUTION\nrate = y.mean()\nalso = 2\n# END SOLUTION\ncheck(rate)\n"
        "if x:\n    # BEGIN SOLUTION\n    inner = 3\n    # END SOLUTION\n    pass"
    )
    assert strip_solution(cell) == (
        "x = 1\nrate = ...  # your answer\nalso = ...  # your answer\ncheck(rate)\n"
        "if x:\n    inner = ...  # your answer\n    pass"
    )
    for broken, message in [
        ("a = 1", "no '# BEGIN SOLUTION' block"),
        ("# BEGIN SOLUTION\na = 1", "never closed"),
        ("# END SOLUTION", "closes no block"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "second block"),
        ("# BEGIN SOLUTION\nprint(1)\n# END SOLUTION", "assigns no name"),
    ]:
        with pytest.raises(MlkitValueError, match=message):
            strip_solution(broken)


def test_strip_notebook_retags_clears_and_keeps_the_input():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell("# BEGIN SOLUTION\nn = 2\n# END SOLUTION\nn")
    solution.metadata["tags"] = ["solution"]
    solution.outputs = [nbformat.v4.new_output("stream", text="2")]
    solution.execution_count = 4
    nb.cells = [nbformat.v4.new_markdown_cell("# BEGIN SOLUTION in prose"), solution]
    before = json.dumps(nb)
    out = strip_notebook(json.loads(before))
    assert json.dumps(nb) == before
    (md, cell) = out["cells"]
    assert md["source"] == "# BEGIN SOLUTION in prose"
    assert cell["source"] == ["n = ...  # your answer\n", "n"]
    assert cell["metadata"]["tags"] == ["exercise"]
    assert (cell["outputs"], cell["execution_count"]) == ([], None)
    untagged = nbformat.v4.new_code_cell("# BEGIN SOLUTION\nn = 2\n# END SOLUTION")
    with pytest.raises(MlkitValueError, match="not tagged 'solution'"):
        strip_notebook({"cells": [untagged]})


def test_learners_copy_has_no_solutions(tmp_path):
    written = learners_copy(tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for path, original in zip(written, NOTEBOOKS, strict=True):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text
        assert "END SOLUTION" not in text
        copy = nbformat.read(path, as_version=4)
        nbformat.validate(copy)
        source, _ = solution_cells(original)
        stubs = [c for c in copy.cells if "exercise" in c.metadata.get("tags", [])]
        assert not [c for c in copy.cells if "solution" in c.metadata.get("tags", [])]
        assert len(stubs) == len(source)
        for mine, theirs in zip(stubs, source, strict=True):
            ast.parse(mine.source)
            inside = theirs.source.split("# BEGIN SOLUTION\n")[1].split(
                "# END SOLUTION"
            )[0]
            stubbed = re.findall(
                r"^\s*(\w+) = \.\.\.  # your answer$", mine.source, re.M
            )
            assert stubbed == solution_names(inside)
        assert all(c.outputs == [] for c in copy.cells if c.cell_type == "code")


def test_learners_copy_refuses_to_overwrite(tmp_path):
    (first,) = learners_copy(tmp_path, notebooks=["00_start_here"])
    first.write_text("my answers", encoding="utf-8")
    with pytest.raises(MlkitValueError, match=r"already exists.*\n.*overwrite=True"):
        learners_copy(tmp_path, notebooks="00")
    assert first.read_text(encoding="utf-8") == "my answers"
    learners_copy(tmp_path, notebooks="00_start_here.ipynb", overwrite=True)
    assert "my answers" not in first.read_text(encoding="utf-8")
    with pytest.raises(MlkitValueError, match="did you mean '03_training_data'"):
        learners_copy(tmp_path, notebooks=["03_training"])
    with pytest.raises(TypeError, match="'out' must be a folder"):
        learners_copy(3)


def test_the_cli_writes_and_resets_one_notebook(tmp_path, capsys):
    from mlkit.cli import main

    assert main(["learners-copy", str(tmp_path), "--notebook", "01_scoping"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["01_scoping.ipynb"]
    assert main(["learners-copy", str(tmp_path), "--notebook", "01"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["learners-copy", str(tmp_path), "--notebook", "01", "--force"]) == 0


@pytest.mark.notebook
def test_the_learners_copy_of_the_start_notebook_runs_with_stubs(tmp_path):
    from mlkit._execute import execute_notebook

    (copy,) = learners_copy(tmp_path / "copy", notebooks="00")
    nb = execute_notebook(
        copy,
        tmp_path / copy.name,
        parameters={
            "case": "spam",
            "run_dir": str(tmp_path / "runs"),
            "iteration": "latest",
        },
    )
    errors = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if o["output_type"] == "error" and "raises-exception" not in c.metadata["tags"]
    ]
    assert errors == []
    shown = [
        o["data"]["text/plain"]
        for c in nb.cells
        if "exercise" in c.metadata.get("tags", [])
        for o in c.outputs
        if "data" in o
    ]
    assert len(shown) == 2
    assert all("not answered yet" in text for text in shown)


# --- The checkers of notebooks 00 to 05 -----------------------------------------------


def test_00_1_most_common_share():
    y = pd.Series(["ham"] * 6 + ["spam"] * 3 + [None])
    assert status("00.1", 6 / 9, y=y) == "correct"
    fb = check("00.1", 6, y=y)
    assert "number of rows" in fb.message
    assert "percentage" in check("00.1", 66.6667, y=y).message
    assert "least common" in check("00.1", 3 / 9, y=y).message
    assert "most common value itself" in check("00.1", "ham", y=y).message


def test_00_2_incomplete_rows():
    df = pd.DataFrame(
        {"a": [1, None, None, 4], "b": [None, None, 3, 4], "c": [1, 2, 3, 4]}
    )
    assert status("00.2", 0.75, df=df) == "correct"
    assert "number of rows" in check("00.2", 3, df=df).message
    assert "share of missing cells" in check("00.2", 4 / 12, df=df).message
    assert "share of columns" in check("00.2", 2 / 3, df=df).message
    assert "percentage" in check("00.2", 75, df=df).message


def spec_of(task, **costs):
    return SimpleNamespace(
        task=task, positive_label="yes", costs=Costs(unit="EUR", **costs)
    )


def test_01_1_decision_rule():
    binary = spec_of("binary", false_positive=1.0, false_negative=4.0)
    assert status("01.1", 0.2, spec=binary) == "correct"
    assert "swapped" in check("01.1", 0.8, spec=binary).message
    assert "ratio" in check("01.1", 0.25, spec=binary).message
    assert "cost the same" in check("01.1", 0.5, spec=binary).message
    regression = spec_of("regression", over_prediction=1.0, under_prediction=3.0)
    assert status("01.1", 0.75, spec=regression) == "correct"
    assert "swapped" in check("01.1", 0.25, spec=regression).message
    multiclass = spec_of("multiclass", misclassification=20.0)
    assert status("01.1", None, spec=multiclass) == "correct"
    assert "Answer None" in check("01.1", 0.5, spec=multiclass).message


def test_01_2_best_constant_cost():
    binary = spec_of("binary", false_positive=1.0, false_negative=4.0)
    y = pd.Series(["yes"] * 3 + ["no"] * 7)  # act always: 0.7; never: 1.2
    assert status("01.2", 0.7, y=y, spec=binary) == "correct"
    assert "other policy" in check("01.2", 1.2, y=y, spec=binary).message
    assert "cost of one error" in check("01.2", 4.0, y=y, spec=binary).message
    assert "error rate" in check("01.2", 0.3, y=y, spec=binary).message
    regression = spec_of("regression", over_prediction=1.0, under_prediction=3.0)
    y = pd.Series(np.random.default_rng(0).exponential(10, 400))
    q = y.quantile(0.75)
    right = (3 * (y - q).clip(lower=0) + (q - y).clip(lower=0)).mean()
    assert status("01.2", right, y=y, spec=regression) == "correct"
    m = y.median()
    at_median = (3 * (y - m).clip(lower=0) + (m - y).clip(lower=0)).mean()
    assert "the median" in check("01.2", at_median, y=y, spec=regression).message
    assert (
        "absolute error"
        in check("01.2", (y - q).abs().mean(), y=y, spec=regression).message
    )
    multiclass = spec_of("multiclass", misclassification=20.0)
    y = pd.Series(list("aaabbc"))
    assert status("01.2", 10.0, y=y, spec=multiclass) == "correct"
    assert "error rate" in check("01.2", 0.5, y=y, spec=multiclass).message


def test_02_1_smallest_format():
    formats = pd.DataFrame(
        {
            "format": ["CSV", "CSV, gzip", "JSON lines", "Parquet"],
            "size (MB)": [10.0, 3.0, 14.0, 4.0],
            "read all (ms)": [50.0, 60.0, 90.0, 20.0],
        }
    )
    assert status("02.1", "csv, GZIP", formats=formats) == "correct"
    assert "largest" in check("02.1", "JSON lines", formats=formats).message
    assert "fastest" in check("02.1", "Parquet", formats=formats).message
    assert "not one of" in check("02.1", "feather", formats=formats).message


def test_02_2_column_share():
    # Object strings: the shallow count sees only their pointers.
    text = pd.Series(["a long comment " * 5] * 20, dtype=object)
    df = pd.DataFrame({"text": text, "flag": [True] * 20})
    deep = df.memory_usage(deep=True, index=False)
    assert status("02.2", deep["text"] / deep.sum(), df=df, column="text") == "correct"
    shallow = df.memory_usage(index=False)
    fb = check("02.2", shallow["text"] / shallow.sum(), df=df, column="text")
    assert "pointer" in fb.message
    assert "number of columns" in check("02.2", 0.5, df=df, column="text").message


def test_03_1_leaked_rows():
    train = pd.DataFrame({"x": [1.0, 2.0, 2.0, np.nan], "t": ["a", "b", "b", "c"]})
    test = pd.DataFrame({"x": [2.0, np.nan, 5.0, 5.0], "t": ["b", "c", "d", "d"]})
    right = dict(right_train=train.iloc[:1], right_test=test.iloc[2:3])
    context = dict(train=train, test=test, **right)
    merged = len(test.merge(train.drop_duplicates(), how="inner"))
    assert merged == 2  # the notebook's solution, NaN matching NaN
    assert status("03.1", merged, **context) == "correct"
    assert "counts pairs" in check("03.1", 3, **context).message
    assert "within the test part" in check("03.1", 1, **context).message
    assert "right split" in check("03.1", 0, **context).message
    assert "got 1.5" in check("03.1", 1.5, **context).message


def test_03_2_effective_sample_size():
    weights = pd.Series([1.0, 1.0, 2.0, 4.0])
    shift = SimpleNamespace(weights=weights)
    ess = weights.sum() ** 2 / (weights**2).sum()  # 64 / 22
    assert status("03.2", ess, shift=shift) == "correct"
    assert "sum of the weights" in check("03.2", 8.0, shift=shift).message
    assert "number of rows" in check("03.2", 4, shift=shift).message
    assert "upside down" in check("03.2", 22 / 64, shift=shift).message
    assert status("03.2", None, shift=None) == "correct"
    assert status("03.2", 3.0, shift=None) == "wrong"


def test_03_2_matches_the_importance_weights_result():
    rng = np.random.default_rng(0)
    source = pd.DataFrame({"a": rng.normal(0, 1, 300)})
    target = pd.DataFrame({"a": rng.normal(0.5, 1, 300)})
    shift = mk.sampling.importance_weights(source, target, random_state=0)
    assert status("03.2", shift.effective_sample_size, shift=shift) == "correct"


def test_04_1_cohen_kappa():
    from sklearn.metrics import cohen_kappa_score

    annotations = pd.DataFrame(
        {
            "annotator_1": ["a", "a", "b", "a", "a", None, "b", "a"],
            "annotator_2": ["a", "b", "b", "b", None, "a", "a", "b"],
            "annotator_3": ["a"] * 8,
        }
    )
    pair = annotations.iloc[:, :2].dropna()
    kappa = cohen_kappa_score(pair.iloc[:, 0], pair.iloc[:, 1])
    p_o = (pair.iloc[:, 0] == pair.iloc[:, 1]).mean()
    p_e = (
        pair.iloc[:, 0].value_counts(normalize=True)
        * pair.iloc[:, 1].value_counts(normalize=True)
    ).sum()
    assert (p_o - p_e) / (1 - p_e) == pytest.approx(kappa)  # by hand, as the notebook
    assert status("04.1", kappa, annotations=annotations) == "correct"
    assert "observed agreement" in check("04.1", p_o, annotations=annotations).message
    assert "chance agreement" in check("04.1", p_e, annotations=annotations).message
    everything = (annotations.iloc[:, 0] == annotations.iloc[:, 1]).mean()
    assert "did not label" in check("04.1", everything, annotations=annotations).message
    assert status("04.1", None, annotations=None) == "correct"


def test_04_2_flag_precision():
    flipped = np.array([True, True, False, False, True, False])
    found = np.array([True, False, True, True, True, True])
    context = dict(flipped=flipped, flagged=found)
    assert status("04.2", 0.4, **context) == "correct"  # 2 of 5 flagged were flipped
    assert "recall" in check("04.2", 2 / 3, **context).message
    assert "number of flagged rows" in check("04.2", 2, **context).message
    assert "share of all rows" in check("04.2", 5 / 6, **context).message
    assert status("04.2", None, flipped=None, flagged=None) == "correct"


def test_05_1_skew_after_log():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"amount": rng.lognormal(2, 1.5, 500), "other": rng.exponential(1, 500)}
    )
    shape = pd.DataFrame(
        {
            "column": ["amount", "other"],
            "skewness": [df["amount"].skew(), df["other"].skew()],
        }
    )
    context = dict(df=df, skewed=["amount", "other"], shape=shape)
    after = np.log1p(df["amount"]).skew()
    assert status("05.1", after, **context) == "correct"
    assert (
        "before the transform" in check("05.1", df["amount"].skew(), **context).message
    )
    from scipy.stats import skew

    assert status("05.1", skew(np.log1p(df["amount"])), **context) == "correct"
    assert "'other'" in check("05.1", np.log1p(df["other"]).skew(), **context).message
    assert status("05.1", None, df=df, skewed=[], shape=shape) == "correct"


def test_05_2_unseen_share():
    train = pd.DataFrame({"shop": ["a", "b", "b", None]})
    test = pd.DataFrame({"shop": ["a", "c", "c", "d", None]})
    context = dict(train=train, test=test, column="shop")
    assert status("05.2", 3 / 5, **context) == "correct"
    assert "missing values as unseen" in check("05.2", 4 / 5, **context).message
    assert "distinct test values" in check("05.2", 2 / 3, **context).message
    assert "count of rows" in check("05.2", 3, **context).message
    assert status("05.2", None, train=train, test=test, column=None) == "correct"
