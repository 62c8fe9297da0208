"""Rules typed as labeling functions (keyword_lf, condition_lf) and the LF workbench."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.labeling import (
    ABSTAIN,
    LabelingFunction,
    LFSummary,
    apply_lfs,
    condition_lf,
    keyword_lf,
    labeling_function,
    lf_summary,
)
from mlkit.labeling._weak import (
    NOT_BOOLEAN_ERROR,
    PATTERN_ERROR,
    UNKNOWN_NAME_ERROR,
)
from mlkit.widgets import LFWorkbench
from mlkit.widgets._labeling import CANDIDATE_SUFFIX

TEXTS = [
    "Check out my channel http://x.io",
    "great song, love it",
    "FREE iPhone!!! click here",
    None,
    "subscribe to me, free stuff",
    "this song (live) is better",
    "Free? not really",
    "",
]


def _comments(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Comments with a spam label, an age and a count, some values missing."""
    rng = np.random.default_rng(seed)
    spam = rng.integers(0, 2, n)
    words = np.where(
        spam == 1,
        rng.choice(["free money", "check out http://x.io", "win now", "nice"], n),
        rng.choice(["love this song", "great voice", "free concert?", "nice"], n),
    )
    text = pd.Series(words, dtype="str")
    text[rng.random(n) < 0.05] = None
    age = rng.integers(13, 70, n).astype(float)
    age[rng.random(n) < 0.05] = np.nan
    df = pd.DataFrame(
        {"text": text, "age": age, "links": rng.poisson(1 + spam, n)},
    )
    return df, spam


def _lfs() -> list[LabelingFunction]:
    @labeling_function
    def has_link(row):
        return 1 if isinstance(row.text, str) and "http" in row.text else ABSTAIN

    return [has_link, keyword_lf("song|voice", 0, column="text")]


# --------------------------------------------------------------------------- keyword_lf


@pytest.mark.parametrize("ignore_case", [True, False])
@pytest.mark.parametrize(
    "pattern", ["free", "song|voice", r"\bfree\b", r"!{2,}", r"\(live\)", "^$", "Free"]
)
def test_keyword_lf_matches_pythons_re(pattern, ignore_case):
    df = pd.DataFrame({"text": pd.Series(TEXTS, dtype="str")})
    lf = keyword_lf(pattern, 1, column="text", ignore_case=ignore_case)
    flags = re.IGNORECASE if ignore_case else 0
    expected = [
        1 if isinstance(t, str) and re.search(pattern, t, flags) else ABSTAIN
        for t in TEXTS
    ]
    assert apply_lfs([lf], df, progress=False).ravel().tolist() == expected


@pytest.mark.parametrize("dtype", ["str", "object", "category"])
def test_keyword_lf_on_every_kind_of_text_column(dtype):
    df = pd.DataFrame({"text": pd.Series(TEXTS, dtype=dtype)})
    votes = apply_lfs([keyword_lf("song", 0, column="text")], df, progress=False)
    assert votes.ravel().tolist() == [-1, 0, -1, -1, -1, 0, -1, -1]


def test_keyword_lf_groups_in_the_pattern_warn_nothing():
    # pandas warns about groups in str.contains; the rule only groups.
    df = pd.DataFrame({"text": ["ab", "cd"]})
    lf = keyword_lf("(a)(b)", 1, column="text")
    assert apply_lfs([lf], df, progress=False).ravel().tolist() == [1, -1]


def test_keyword_lf_is_an_ordinary_vectorised_lf():
    df, _ = _comments()
    lf = keyword_lf("free", 1, column="text")
    assert isinstance(lf, LabelingFunction)
    assert lf.vectorized
    assert lf.name == "text ~ 'free' → 1"
    assert keyword_lf("free", 1, column="text", name="free").name == "free"
    L = apply_lfs([*_lfs(), lf], df, progress=False)
    assert L.shape == (len(df), 3)
    assert set(np.unique(L[:, 2])) == {ABSTAIN, 1}


def test_keyword_lf_refuses_a_pattern_that_does_not_compile():
    with pytest.raises(MlkitValueError, match=r"'pattern' '\(free'") as info:
        keyword_lf("(free", 1, column="text")
    message = str(info.value)
    assert "missing ), unterminated subpattern" in message
    assert "\nHint: " in message
    assert "re.escape" in message
    assert PATTERN_ERROR.split("{")[0] in message


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"pattern": ""}, MlkitValueError, "'pattern' is empty"),
        ({"pattern": "  "}, MlkitValueError, "'pattern' is empty"),
        ({"pattern": 3}, MlkitTypeError, "'pattern' must be a string"),
        ({"label": True}, MlkitTypeError, "'label' must be an int class"),
        ({"label": "spam"}, MlkitTypeError, "'label' must be an int class"),
        ({"label": 0.5}, MlkitTypeError, "'label' must be an int class"),
        ({"label": -1}, MlkitValueError, "not ABSTAIN or below"),
        ({"ignore_case": "yes"}, MlkitTypeError, "'ignore_case' must be True"),
    ],
)
def test_keyword_lf_refuses_bad_arguments(kwargs, error, message):
    arguments = {"pattern": "free", "label": 1, "column": "text", **kwargs}
    pattern, label = arguments.pop("pattern"), arguments.pop("label")
    with pytest.raises(error, match=message) as info:
        keyword_lf(pattern, label, **arguments)
    assert "\nHint: " in str(info.value)


def test_keyword_lf_on_a_bad_column_says_which():
    df, _ = _comments()
    with pytest.raises(MlkitValueError, match="'column' names 'txt'") as info:
        apply_lfs([keyword_lf("free", 1, column="txt")], df, progress=False)
    assert "did you mean 'text'?" in str(info.value)
    with pytest.raises(MlkitValueError, match="'column' 'age' must hold text"):
        apply_lfs([keyword_lf("1", 1, column="age")], df, progress=False)


# --------------------------------------------------------------------------- condition_lf


@pytest.mark.parametrize(
    ("expression", "mask"),
    [
        ("age < 30", lambda d: d["age"] < 30),
        ("age >= 30 and links > 1", lambda d: (d["age"] >= 30) & (d["links"] > 1)),
        ("links == 0 or age > 60", lambda d: (d["links"] == 0) | (d["age"] > 60)),
        ("not links > 2", lambda d: ~(d["links"] > 2)),
        ("links * 2 > age / 10", lambda d: d["links"] * 2 > d["age"] / 10),
        ("text == 'nice'", lambda d: d["text"] == "nice"),
    ],
)
def test_condition_lf_votes_where_the_condition_holds(expression, mask):
    df, _ = _comments()
    lf = condition_lf(expression, 1)
    holds = mask(df).fillna(False).to_numpy(dtype=bool)
    expected = np.where(holds, 1, ABSTAIN)
    np.testing.assert_array_equal(apply_lfs([lf], df, progress=False).ravel(), expected)
    # pandas' query selects the same rows.
    np.testing.assert_array_equal(
        np.flatnonzero(expected == 1), df.index.get_indexer(df.query(expression).index)
    )


def test_condition_lf_names_with_spaces_and_missing_values():
    df = pd.DataFrame(
        {"hours per week": [50, 20, np.nan], "ok": pd.array([True, None, False])}
    )
    lf = condition_lf("`hours per week` > 40", 0)
    assert apply_lfs([lf], df, progress=False).ravel().tolist() == [0, -1, -1]
    # A nullable boolean column is a condition; missing counts as false.
    assert apply_lfs([condition_lf("ok", 1)], df, progress=False).ravel().tolist() == [
        1,
        -1,
        -1,
    ]


def test_condition_lf_name_and_type():
    lf = condition_lf("  age < 30 ", 2)
    assert lf.name == "age < 30 → 2"
    assert lf.vectorized
    assert condition_lf("age < 30", 2, name="young").name == "young"


def test_condition_lf_names_an_unknown_column():
    df, _ = _comments()
    with pytest.raises(MlkitValueError) as info:
        apply_lfs([condition_lf("agee < 30", 1)], df, progress=False)
    message = str(info.value)
    assert UNKNOWN_NAME_ERROR.format(name="agee") in message
    assert "did you mean 'age'?" in message
    assert "The columns are: text, age, links" in message
    assert message.count("Hint:") == 1


@pytest.mark.parametrize(
    ("expression", "got"),
    [
        ("age + 1", "values of type float64"),
        ("1 > 0", "the single value True"),
        ("links", "values of type int64"),
    ],
)
def test_condition_lf_refuses_what_is_not_a_condition(expression, got):
    df, _ = _comments()
    with pytest.raises(MlkitValueError) as info:
        apply_lfs([condition_lf(expression, 1)], df, progress=False)
    assert NOT_BOOLEAN_ERROR.format(expression=expression, got=got) in str(info.value)


@pytest.mark.parametrize(
    ("expression", "error", "message"),
    [
        ("age <", MlkitValueError, "'expression' 'age <' is not valid"),
        ("age = 3", MlkitValueError, "is not valid"),
        ("age < @limit", MlkitValueError, "'@' variables are not available"),
        ("", MlkitValueError, "'expression' is empty"),
        (None, MlkitTypeError, "'expression' must be a string"),
    ],
)
def test_condition_lf_refuses_bad_expressions_when_made(expression, error, message):
    with pytest.raises(error, match=message) as info:
        condition_lf(expression, 1)
    assert "\nHint: " in str(info.value)


def test_rules_do_not_modify_the_frame():
    df, _ = _comments()
    before = df.copy()
    apply_lfs(
        [keyword_lf("free", 1, column="text"), condition_lf("age < 30", 0)],
        df,
        progress=False,
    )
    pd.testing.assert_frame_equal(df, before)


# --------------------------------------------------------------------------- workbench


def test_the_workbench_equals_lf_summary_of_the_lfs_and_the_candidate():
    df, y = _comments()
    lfs = _lfs()
    bench = LFWorkbench(lfs, df, y, text_column="text", rule="free|win", label=1)
    candidate = keyword_lf("free|win", 1, column="text")
    L = np.hstack(
        [apply_lfs(lfs, df, progress=False), apply_lfs([candidate], df, progress=False)]
    )
    expected = lf_summary(L, y=y, names=["has_link", lfs[1].name, candidate.name])
    assert isinstance(bench.result, LFSummary)
    pd.testing.assert_frame_equal(bench.result.to_frame(), expected.to_frame())
    assert bench.result.label_coverage == expected.label_coverage
    assert bench.result.label_conflict == expected.label_conflict
    np.testing.assert_array_equal(bench.L, L[:, :2])
    assert bench.lf.name == candidate.name


def test_update_changes_the_candidate_and_the_status():
    df, y = _comments(seed=1)
    bench = LFWorkbench(_lfs(), df, y, text_column="text")
    assert bench.values == {"rule": "", "label": 0}
    assert bench.lf is None
    assert len(bench.result.table) == 2
    assert bench._status(bench.result).startswith("No candidate: 2 labeling")

    result = bench.update(rule="free", label=1)
    assert bench.result is result
    assert len(result.table) == 3
    votes = apply_lfs([keyword_lf("free", 1, column="text")], df, progress=False)[:, 0]
    fires = votes >= 0
    existing = (bench.L >= 0).any(axis=1)
    conflicts = fires & ((bench.L >= 0) & (bench.L != 1)).any(axis=1)
    correct = int((votes[fires] == y[fires]).sum())
    status = bench._status(result)
    assert f"coverage {fires.mean():.1%}" in status
    assert f"({(fires & ~existing).mean():.1%} of rows newly labelled)" in status
    assert f"conflicts {conflicts.mean():.1%}" in status
    assert f"accuracy {correct / fires.sum():.1%} on {fires.sum():,} dev rows" in status

    bench.update(rule="")
    assert bench.lf is None
    assert len(bench.result.table) == 2


def test_without_gold_labels_there_is_no_accuracy():
    df, _ = _comments()
    bench = LFWorkbench(_lfs(), df, text_column="text", rule="free", label=1)
    assert not bench.result.has_gold
    assert bench.controls["label"].options == (0, 1)  # from the LFs' votes
    assert "accuracy" not in bench._status(bench.result)


def test_conditions_when_there_is_no_text_column():
    df, y = _comments()
    bench = LFWorkbench([], df, y, rule="links >= 2", label=1)
    assert bench.lf.name == "links >= 2 → 1"
    assert len(bench.result.table) == 1
    expected = lf_summary(
        apply_lfs([condition_lf("links >= 2", 1)], df, progress=False), y=y
    ).to_frame()
    table = bench.result.to_frame()
    pd.testing.assert_frame_equal(
        table.drop(columns="name"), expected.drop(columns="name")
    )
    assert bench.update(rule="age < 20 and links == 0", label=0).table.loc[
        0, "polarity"
    ] in ([0], [])


def test_classes_from_y_or_given():
    df, y = _comments()
    bench = LFWorkbench(_lfs(), df, y + 1, text_column="text")
    assert bench.controls["label"].options == (1, 2)
    assert bench.values["label"] == 1
    bench = LFWorkbench(_lfs(), df, text_column="text", classes=[0, 1, 2], label=2)
    assert bench.values["label"] == 2


def test_a_candidate_named_as_an_existing_lf_gets_a_suffix():
    df, y = _comments()
    bench = LFWorkbench(_lfs(), df, y, text_column="text", rule="song|voice", label=0)
    assert bench.result.table["name"].iloc[-1] == "text ~ 'song|voice' → 0" + (
        CANDIDATE_SUFFIX
    )


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"rule": "(free"}, MlkitValueError, "'pattern' '\\(free' is not a valid"),
        ({"label": 3}, MlkitValueError, "'label' must be one of \\[0, 1\\]"),
        ({"rule": 5}, MlkitTypeError, "'rule' must be a string"),
        ({"threshold": 0.5}, MlkitValueError, "has no control named"),
    ],
)
def test_bad_control_values_change_nothing(values, error, message):
    df, y = _comments()
    bench = LFWorkbench(_lfs(), df, y, text_column="text", rule="free", label=1)
    before = bench.result
    with pytest.raises(error, match=message) as info:
        bench.update(**values)
    assert "\nHint: " in str(info.value)
    assert bench.result is before
    assert bench.values["rule"] == "free"


def test_a_bad_condition_is_refused_with_the_column_named():
    df, y = _comments()
    bench = LFWorkbench(_lfs(), df, y, rule="age < 30", label=0)
    with pytest.raises(MlkitValueError, match="'expression' names 'agee'"):
        bench.update(rule="agee < 30")
    assert bench.values["rule"] == "age < 30"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"df": [1, 2]}, MlkitTypeError, "'df' must be a pandas DataFrame"),
        ({"text_column": "txt"}, MlkitValueError, "'text_column' names 'txt'"),
        ({"y": [0, 1]}, MlkitValueError, "'y' has 2 values"),
        ({"y": ["a"] * 400}, MlkitTypeError, "'y' must hold int classes"),
        ({"classes": [0, "b"]}, MlkitTypeError, "'classes' must be int classes"),
        ({"classes": []}, MlkitValueError, "'classes' must be int classes"),
        ({"label": 5}, MlkitValueError, "'label' must be one of"),
        ({"lfs": [], "rule": ""}, MlkitValueError, "no labeling function yet"),
        ({"lfs": [1]}, MlkitTypeError, "which is not a labeling function"),
        ({"rule": "(x"}, MlkitValueError, "is not a valid regular expression"),
    ],
)
def test_bad_constructor_input_is_refused(kwargs, error, message):
    df, y = _comments()
    arguments = {"lfs": _lfs(), "df": df, "y": y, "text_column": "text", **kwargs}
    lfs, frame = arguments.pop("lfs"), arguments.pop("df")
    with pytest.raises(error, match=message) as info:
        LFWorkbench(lfs, frame, **arguments)
    assert "\nHint: " in str(info.value)


def test_the_callers_data_are_not_modified():
    df, y = _comments()
    df_before, y_before = df.copy(), y.copy()
    bench = LFWorkbench(_lfs(), df, y, text_column="text", rule="free", label=1)
    bench.update(rule="win", label=1)
    pd.testing.assert_frame_equal(df, df_before)
    np.testing.assert_array_equal(y, y_before)
    # The workbench keeps its own copy: later edits of the caller's frame change nothing.
    df.loc[:, "text"] = "free"
    assert bench.update(rule="free").table["coverage"].iloc[-1] < 0.5


def test_static_fallback_and_widget():
    df, y = _comments()
    bench = LFWorkbench(_lfs(), df, y, text_column="text", rule="free", label=1)
    bundle = bench._repr_mimebundle_()
    assert "<table" in bundle["text/html"]
    assert "mlkit-chart" in bundle["text/html"]
    box = bench.widget()
    assert bench.widget() is box
    bench._inputs["rule"].value = "win"  # what typing in the box does
    assert bench.values["rule"] == "win"
    assert bench.lf.name == "text ~ 'win' → 1"
    assert "text ~ 'win' → 1: coverage" in unescape(bench._status_html.value)
    bench._inputs["label"].value = 0
    assert bench.result.table["polarity"].iloc[-1] == [0]
    # A rule that does not compile: the error is shown, the result stays.
    shown = bench.result
    bench._inputs["rule"].value = "(win"
    assert "is not a valid regular expression" in bench._status_html.value
    assert "Hint:" in bench._status_html.value
    assert bench.result is shown
    assert bench.values["rule"] == "win"
    bench.update(rule="free")  # code fills the box
    assert bench._inputs["rule"].value == "free"
