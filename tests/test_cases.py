"""Tests for mlkit.cases: loading, validating and listing case studies."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlkit as mk
from mlkit._exceptions import CaseError, MlkitTypeError, MlkitValueError
from mlkit.cases import Costs, Expectations
from mlkit.design import STAGE_SLUGS

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- shipped


def test_available_lists_the_shipped_cases():
    table = mk.cases.available()
    assert {"spam", "income", "fraud", "bikes"} <= set(table.index)
    assert list(table.columns) == [
        "title",
        "task",
        "target",
        "rows",
        "stages",
        "path",
        "problem",
    ]
    assert table.loc["spam", "rows"] == 1956
    assert table.loc["income", "rows"] == 48842
    assert table.loc["bikes", "rows"] == 17379
    shipped = ["spam", "income", "fraud", "bikes"]
    assert (table.loc[shipped, "problem"] == "").all()
    assert (table.loc[shipped, "stages"] == len(STAGE_SLUGS)).all()


@pytest.mark.parametrize(
    ("name", "shape", "target", "positive"),
    [("spam", (1956, 7), "CLASS", 1), ("income", (48842, 16), "income", ">50K")],
)
def test_shipped_cases_load_with_checked_dtypes(name, shape, target, positive):
    case = mk.cases.load(name)
    df = case.load_data()
    assert df.shape == shape
    assert case.spec.target == target
    assert case.spec.positive_label == positive
    assert set(df[target].unique()) >= {positive}
    expected = {
        "numeric": pd.api.types.is_float_dtype,
        "integer": pd.api.types.is_integer_dtype,
        "category": lambda s: isinstance(s.dtype, pd.CategoricalDtype),
        "text": pd.api.types.is_string_dtype,
        "id": pd.api.types.is_string_dtype,
        "datetime": pd.api.types.is_datetime64_any_dtype,
    }
    for column, kind in case.spec.data.schema.items():
        assert expected[kind](df[column]), (column, kind, df[column].dtype)
    assert list(df.columns) == list(case.spec.data.schema)


def test_spam_data_quirks_survive_loading():
    df = mk.cases.load("spam").load_data()
    assert df["DATE"].isna().sum() == 245  # empty dates of the Eminem comments
    assert df["CLASS"].sum() == 1005
    income = mk.cases.load("income").load_data()
    assert income["workclass"].isna().sum() == 2799  # "?" read as missing
    assert (income["income"] == ">50K").sum() == 11687


def test_load_data_returns_a_fresh_frame_each_time():
    case = mk.cases.load("spam")
    first = case.load_data()
    first.loc[0, "CLASS"] = 99
    first["extra"] = 1
    second = case.load_data()
    assert second.loc[0, "CLASS"] != 99
    assert "extra" not in second


def test_load_by_name_path_and_spec_file_give_the_same_case():
    by_name = mk.cases.load("spam")
    by_path = mk.cases.load(ROOT / "case_studies" / "spam")
    by_file = mk.cases.load(str(ROOT / "case_studies" / "spam" / "case.toml"))
    assert by_name.path == by_path.path == by_file.path
    assert by_name.spec == by_path.spec
    assert mk.cases.load(by_name) is by_name


def test_spec_values():
    spam = mk.cases.load("spam").spec
    assert spam.task == "binary"
    assert (spam.time_column, spam.group_column, spam.text_column) == (
        "DATE",
        "VIDEO",
        "CONTENT",
    )
    assert spam.costs.decision_threshold() == pytest.approx(5 / 6)
    assert spam.prediction == "online"
    assert spam.latency_budget_ms == 200
    # A batch job looks predictions up by the group column unless [deployment] says.
    assert (spam.entity_column, spam.known_in_advance) == ("VIDEO", ())
    assert mk.cases.load("fraud").spec.entity_column == "customer_id"
    assert spam.feature_columns == ("CONTENT", "VIDEO")
    income = mk.cases.load("income").spec
    assert income.sensitive_columns == ("sex", "race")
    assert "fnlwgt" not in income.feature_columns
    assert income.target not in income.feature_columns
    assert income.costs.decision_threshold() == pytest.approx(0.8)
    assert income.applies("fairness")


def test_summary_and_display():
    case = mk.cases.load("income")
    summary = case.summary()
    assert list(summary.columns) == ["field", "value"]
    assert summary.set_index("field").loc["sensitive columns", "value"] == "sex, race"
    html = case._repr_html_()
    assert case.spec.title in html
    assert "<table" in html
    assert repr(case).startswith("<Case 'income': binary task")
    assert "Business objective" in case.readme
    assert "Adult" in case.source
    assert case.readme_section("Labels").startswith("The census recorded")
    assert case.readme_section("No such section") == ""
    assert "sha256" in case.source


def test_costs_rules():
    assert (
        Costs(unit="x", false_positive=1, false_negative=3).decision_threshold() == 0.25
    )
    assert (
        Costs(unit="x", over_prediction=1, under_prediction=1).target_quantile() == 0.5
    )
    with pytest.raises(MlkitValueError, match="binary cases"):
        Costs(unit="x", over_prediction=1, under_prediction=1).decision_threshold()
    with pytest.raises(MlkitValueError, match="regression cases"):
        Costs(unit="x", false_positive=1, false_negative=1).target_quantile()


# --------------------------------------------------------------------------- lookup


def test_unknown_name_suggests_the_closest():
    with pytest.raises(
        CaseError, match=r"No case named 'spma'[\s\S]*did you mean 'spam'"
    ):
        mk.cases.load("spma")


def test_wrong_type_is_a_type_error():
    with pytest.raises(MlkitTypeError, match="'case' must be a case name"):
        mk.cases.load(42)


def test_a_folder_without_a_spec_is_not_a_case(tmp_path):
    with pytest.raises(CaseError, match=r"is not a case folder.*does not exist"):
        mk.cases.load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        CaseError, match=r"empty is not a case folder: it has no case.toml\.\n"
    ):
        mk.cases.load(tmp_path / "empty")


def test_cases_path_adds_cases_by_name(with_test_cases):
    table = mk.cases.available()
    assert {"demand", "triage"} <= set(table.index)
    assert mk.cases.load("demand").spec.task == "regression"


def test_shadowed_and_broken_cases_are_listed_with_their_problem(
    tmp_path, case_copy, monkeypatch
):
    shadow = case_copy("spam")  # a user's folder called spam/
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "case.toml").write_text('title = "x"\n')
    monkeypatch.setenv("MLKIT_CASES_PATH", str(tmp_path))
    shadow.rename(tmp_path / "spam")
    table = mk.cases.available()
    assert "is missing" in table.loc["broken", "problem"]
    problems = table.loc["spam", "problem"].tolist()
    assert problems[0] == ""
    assert "name is taken" in problems[1]
    assert mk.cases.load("spam").path == (ROOT / "case_studies" / "spam").resolve()


# --------------------------------------------------------------------------- broken specs


def edit_spec(folder: Path, old: str, new: str) -> None:
    spec = folder / "case.toml"
    text = spec.read_text()
    assert old in text, old
    spec.write_text(text.replace(old, new, 1))


BROKEN_SPECS = [
    # (what is wrong, replaced text, replacement, expected message)
    ("target missing", 'target = "CLASS"\n', "", r"\[columns\] target is missing"),
    (
        "target not a column",
        'target = "CLASS"',
        'target = "CLAS"',
        r"\[columns\] target names 'CLAS'[\s\S]*did you mean 'CLASS'",
    ),
    (
        "unknown task",
        'task = "binary"',
        'task = "ranking"',
        r"task must be one of binary",
    ),
    (
        "typo in a key",
        'task = "binary"',
        'taks = "binary"',
        r"taks is not a key[\s\S]*did you mean 'task'",
    ),
    (
        "unknown table key",
        "latency_budget_ms",
        "latency_ms",
        r"\[deployment\] latency_ms is not a key",
    ),
    (
        "known in advance not a name",
        "latency_budget_ms = 200",
        "latency_budget_ms = 200\nknown_in_advance = [3]",
        r"\[deployment\] known_in_advance lists 3, which is not a column name",
    ),
    (
        "label of the wrong type",
        "positive_label = 1",
        'positive_label = "1"',
        r"positive_label is '1', but the target is of kind 'integer'",
    ),
    ("no positive label", "positive_label = 1", "", r"positive_label is missing"),
    (
        "bad kind",
        'CONTENT = "text"',
        'CONTENT = "txt"',
        r"CONTENT = 'txt' is not a column kind[\s\S]*did you mean 'text'",
    ),
    (
        "kind that is a list",
        'CONTENT = "text"',
        'CONTENT = ["text"]',
        r"CONTENT = \['text'\] is not a column kind",
    ),
    (
        "time column not a date",
        'DATE = "datetime"',
        'DATE = "text"',
        r"time names 'DATE', of kind 'text'",
    ),
    (
        "file outside the folder",
        'file = "data/youtube_spam.csv.gz"',
        'file = "../data.csv"',
        r"outside the case folder",
    ),
    (
        "not a data file",
        'file = "data/youtube_spam.csv.gz"',
        'file = "data/SOURCE.md"',
        r"not a CSV or Parquet file",
    ),
    (
        "bad checksum text",
        'sha256 = "b81a',
        'sha256 = "zz1a',
        r"\[data\] sha256 must be the file's sha256",
    ),
    (
        "negative cost",
        "false_negative = 1.0",
        "false_negative = -1.0",
        r"false_negative must be a finite number >= 0",
    ),
    (
        "cost of another task",
        "false_negative = 1.0",
        "false_negative = 1.0\nover_prediction = 2.0",
        r"over_prediction does not apply to a binary task",
    ),
    ("missing cost", "false_negative = 1.0", "", r"false_negative is missing"),
    (
        "unknown stage",
        'task = "binary"',
        'task = "binary"\nstages = ["scoping", "evaluation"]',
        r"stages lists 'evaluation', which is not a stage",
    ),
    (
        "label time without time",
        'time = "DATE"',
        'label_time = "DATE"',
        r"label_time is set, but \[columns\] time is not",
    ),
    (
        "label time not a date",
        'time = "DATE"',
        'time = "DATE"\nlabel_time = "AUTHOR"',
        r"label_time names 'AUTHOR', of kind 'id'",
    ),
    (
        "unknown serving mode",
        'prediction = "online"',
        'prediction = "realtime"',
        r"must be 'online' or 'batch'",
    ),
    (
        "sensitive column absent",
        "sensitive = []",
        'sensitive = ["gender"]',
        r"sensitive names 'gender'",
    ),
    ("bad TOML", 'title = "', "title = ", r"is not valid TOML"),
]


@pytest.mark.parametrize(
    ("what", "old", "new", "message"), BROKEN_SPECS, ids=[b[0] for b in BROKEN_SPECS]
)
def test_a_malformed_spec_names_file_key_and_fix(case_copy, what, old, new, message):
    folder = case_copy("spam")
    edit_spec(folder, old, new)
    with pytest.raises(CaseError, match=message) as info:
        mk.cases.load(folder)
    text = str(info.value)
    assert str(folder / "case.toml") in text
    assert "\nHint: " in text


def replace_data(folder: Path, frame: pd.DataFrame) -> None:
    """Write new data for a copied spam case and update its checksum and rows."""
    import hashlib

    path = folder / "data" / "youtube_spam.csv.gz"
    with gzip.open(path, "wt", newline="") as fh:
        frame.to_csv(fh, index=False)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    spec = folder / "case.toml"
    text = re.sub(r'sha256 = "[0-9a-f]+"', f'sha256 = "{digest}"', spec.read_text())
    spec.write_text(re.sub(r"rows = \d+", f"rows = {len(frame)}", text))


def raw_spam() -> pd.DataFrame:
    return pd.read_csv(
        ROOT / "case_studies" / "spam" / "data" / "youtube_spam.csv.gz", dtype=str
    )


def test_changed_data_file_fails_its_checksum(case_copy):
    folder = case_copy("spam")
    path = folder / "data" / "youtube_spam.csv.gz"
    path.write_bytes(path.read_bytes()[:-100])  # truncated
    case = mk.cases.load(folder)  # the spec is still valid
    with pytest.raises(
        CaseError, match=r"does not match its checksum[\s\S]*Hint: restore"
    ) as info:
        case.load_data()
    assert str(path) in str(info.value)


def test_missing_data_file(case_copy):
    folder = case_copy("spam")
    (folder / "data" / "youtube_spam.csv.gz").unlink()
    with pytest.raises(
        CaseError, match=r"\[data\] file = 'data/youtube_spam.csv.gz' does not exist"
    ):
        mk.cases.load(folder).load_data()


def test_data_with_fewer_rows_than_declared(case_copy):
    folder = case_copy("spam")
    replace_data(folder, raw_spam())
    edit_spec(folder, "rows = 1956", "rows = 2000")
    with pytest.raises(
        CaseError, match=r"has 1,956 rows, but .* says \[data\] rows = 2,000"
    ):
        mk.cases.load(folder).load_data()


def test_a_column_absent_from_the_data(case_copy):
    folder = case_copy("spam")
    replace_data(folder, raw_spam().drop(columns=["AUTHOR"]))
    with pytest.raises(
        CaseError, match=r"lacks column\(s\) 'AUTHOR' declared in \[data.schema\]"
    ):
        mk.cases.load(folder).load_data()


def test_a_column_the_schema_does_not_declare(case_copy):
    folder = case_copy("spam")
    replace_data(folder, raw_spam().assign(likes="3"))
    with pytest.raises(
        CaseError,
        match=r"has column\(s\) 'likes' that \[data.schema\] does not declare",
    ):
        mk.cases.load(folder).load_data()


def test_values_that_do_not_convert_are_reported_with_their_row(case_copy):
    folder = case_copy("spam")
    frame = raw_spam()
    frame.loc[7, "CLASS"] = "spam!"
    replace_data(folder, frame)
    with pytest.raises(
        CaseError,
        match=r"column 'CLASS', declared 'integer'.*1 value\(s\) that are not numbers.*'spam!' \(row 7\)",
    ):
        mk.cases.load(folder).load_data()


def test_dates_that_do_not_parse(case_copy):
    folder = case_copy("spam")
    frame = raw_spam()
    frame.loc[3, "DATE"] = "yesterday"
    replace_data(folder, frame)
    with pytest.raises(
        CaseError, match=r"column 'DATE', declared 'datetime'.*'yesterday' \(row 3\)"
    ):
        mk.cases.load(folder).load_data()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda f: f.assign(CLASS="1"),
            r"has 1 distinct value\(s\), but the task is binary",
        ),
        (
            lambda f: f.assign(CLASS=np.where(np.arange(len(f)) % 2, "2", "3")),
            r"positive_label = 1 is not one of its values",
        ),
        (
            lambda f: f.assign(
                CLASS=np.where(np.arange(len(f)) == 5, None, f["CLASS"])
            ),
            r"is missing in 1 row\(s\)",
        ),
    ],
    ids=["one class", "label absent", "missing target"],
)
def test_target_must_fit_the_task(case_copy, change, message):
    folder = case_copy("spam")
    replace_data(folder, change(raw_spam()))
    with pytest.raises(CaseError, match=message):
        mk.cases.load(folder).load_data()


# --------------------------------------------------------------------------- expectations


def test_expectations_of_the_shipped_cases():
    income = mk.cases.load("income").spec.expectations
    assert income == Expectations(
        invariant=("sex", "race"), increasing=("education_num", "capital_gain")
    )
    assert income
    fraud = mk.cases.load("fraud").spec.expectations
    # Columns that hooks.features adds: not in [data.schema], and accepted.
    assert fraud.increasing == ("terminal_frauds_known_28d", "customer_tx_1h")
    assert fraud.invariant == fraud.decreasing == ()
    summary = mk.cases.load("income").summary().set_index("field")
    assert summary.loc["expected behaviour", "value"] == (
        "invariant: sex, race; increasing: education_num, capital_gain"
    )


def test_no_expectations_table_gives_empty_expectations():
    spec = mk.cases.load("spam").spec
    assert spec.expectations == Expectations()
    assert not spec.expectations
    assert (spec.expectations.invariant, spec.expectations.increasing) == ((), ())


def test_expectations_may_name_columns_outside_the_schema(case_copy):
    folder = case_copy("spam")
    edit_spec(
        folder,
        "[data]\n",
        '[expectations]\ninvariant = ["VIDEO"]\ndecreasing = ["n_words"]\n\n[data]\n',
    )
    assert mk.cases.load(folder).spec.expectations == Expectations(
        invariant=("VIDEO",), decreasing=("n_words",)
    )


BAD_EXPECTATIONS = [
    # (what is wrong, the [expectations] table, expected message)
    ("not a list", 'invariant = "VIDEO"', r"\[expectations\] invariant must be a list"),
    ("not a string", "invariant = [1]", r"\[expectations\] invariant must be a list"),
    (
        "in two lists",
        'invariant = ["n_links"]\nincreasing = ["n_links"]',
        r"\[expectations\] increasing lists 'n_links', which \[expectations\] "
        r"invariant lists too",
    ),
    (
        "twice in a list",
        'decreasing = ["n_links", "n_links"]',
        r"\[expectations\] decreasing lists 'n_links' twice",
    ),
    (
        "the target",
        'increasing = ["CLASS"]',
        r"\[expectations\] increasing lists the target 'CLASS'",
    ),
    (
        "an id",
        'invariant = ["AUTHOR"]',
        r"\[expectations\] invariant lists 'AUTHOR', of kind 'id'",
    ),
    (
        "a text",
        'invariant = ["CONTENT"]',
        r"\[expectations\] invariant lists 'CONTENT', of kind 'text'",
    ),
    (
        "a datetime",
        'decreasing = ["DATE"]',
        r"\[expectations\] decreasing lists 'DATE', of kind 'datetime'",
    ),
    (
        "an excluded column",
        'invariant = ["VIDEO_ID"]',
        r"\[expectations\] invariant lists 'VIDEO_ID', which \[columns\] exclude",
    ),
    (
        "a category that increases",
        'increasing = ["VIDEO"]',
        r"\[expectations\] increasing lists 'VIDEO', of kind 'category', which has "
        r"no order",
    ),
    (
        "unknown key",
        'increase = ["n_links"]',
        r"\[expectations\] increase is not a key[\s\S]*did you mean 'increasing'",
    ),
]


@pytest.mark.parametrize(
    ("what", "table", "message"),
    BAD_EXPECTATIONS,
    ids=[b[0] for b in BAD_EXPECTATIONS],
)
def test_bad_expectations_name_the_key_and_the_fix(case_copy, what, table, message):
    folder = case_copy("spam")
    edit_spec(folder, "[data]\n", f"[expectations]\n{table}\n\n[data]\n")
    with pytest.raises(CaseError, match=message) as info:
        mk.cases.load(folder)
    assert str(folder / "case.toml") in str(info.value)
    assert "\nHint: " in str(info.value)


def test_expectations_must_be_a_table(case_copy):
    folder = case_copy("spam")
    edit_spec(folder, 'task = "binary"', 'task = "binary"\nexpectations = ["VIDEO"]')
    with pytest.raises(CaseError, match=r"expectations must be a table"):
        mk.cases.load(folder)


def test_a_multiclass_case_has_no_direction(case_copy):
    folder = case_copy("triage")
    edit_spec(folder, "[data]\n", '[expectations]\nincreasing = ["length"]\n\n[data]\n')
    with pytest.raises(
        CaseError,
        match=r"\[expectations\] increasing is set, but the task is multiclass",
    ) as info:
        mk.cases.load(folder)
    assert "\nHint: " in str(info.value)
    edit_spec(folder, "increasing", "invariant")
    assert mk.cases.load(folder).spec.expectations.invariant == ("length",)


# --------------------------------------------------------------------------- simulators


def test_simulated_case_is_deterministic_and_checked(with_test_cases):
    case = mk.cases.load("demand")
    first, second = case.load_data(), case.load_data()
    pd.testing.assert_frame_equal(first, second)
    assert len(first) == 360
    assert first["promotion"].dtype == bool
    assert case.verify() == ""
    assert case.hooks_file.name == "hooks.py"
    assert case.source.startswith("Simulated daily demand")


def test_simulator_returning_something_else(case_copy):
    folder = case_copy("demand")
    (folder / "hooks.py").write_text(
        "def simulate(random_state=None, days=1):\n    return [1, 2]\n"
    )
    with pytest.raises(CaseError, match="returned list, not a DataFrame"):
        mk.cases.load(folder).load_data()


def test_missing_simulator_function(case_copy):
    folder = case_copy("demand")
    edit_spec(folder, 'simulator = "simulate"', 'simulator = "generate"')
    with pytest.raises(
        CaseError, match=r"simulator = 'generate', but .*hooks.py has no function"
    ):
        mk.cases.load(folder).load_data()


def test_file_and_simulator_are_exclusive(case_copy):
    folder = case_copy("demand")
    edit_spec(
        folder, 'simulator = "simulate"', 'simulator = "simulate"\nfile = "data/x.csv"'
    )
    with pytest.raises(CaseError, match="exactly one must be set"):
        mk.cases.load(folder)


def test_multiclass_needs_three_classes(case_copy):
    folder = case_copy("triage")
    hooks = folder / "hooks.py"
    hooks.write_text(
        hooks.read_text().replace("p=[0.5, 0.3, 0.2]", "p=[0.5, 0.5, 0.0]")
    )
    with pytest.raises(
        CaseError, match=r"2 distinct value\(s\), but the task is multiclass"
    ):
        mk.cases.load(folder).load_data()
