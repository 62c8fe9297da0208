"""Tests for mlkit.splitting: splits, the time-and-group splitter, leakage checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TimeSeriesSplit, cross_val_score, train_test_split
from sklearn.preprocessing import StandardScaler

import mlkit.cases as cases
from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning
from mlkit.features import make_preprocessor
from mlkit.splitting import (
    GroupOverlapWarning,
    GroupTimeSeriesSplit,
    SmallClassWarning,
    Split,
    TimeColumnWarning,
    leakage_report,
    split,
    split_for_deployment,
    suggest_split,
)


def frame(n=1000, seed=0, groups=40, dated=True):
    """Rows of `groups` users, each active for a month from a random start in 2024."""
    rng = np.random.default_rng(seed)
    user = rng.integers(0, groups, n)
    joined = rng.uniform(0, 335, groups)
    df = pd.DataFrame(
        {
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(joined[user] + rng.uniform(0, 30, n), unit="D"),
            "user": user.astype(str),
            "x": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "y": (rng.random(n) < 0.3).astype(int),
        }
    ).sample(frac=1, random_state=seed)  # rows not in time order
    return df if dated else df.drop(columns="when")


def parts_of(result: Split) -> dict[str, pd.Index]:
    return {name: part.index for name, part in result.parts.items()}


# --------------------------------------------------------------------------- split


@pytest.mark.parametrize(
    "strategy", ["random", "stratified", "group", "time", "time_group"]
)
def test_parts_are_disjoint_cover_the_rows_and_leave_the_input_alone(strategy):
    df = frame()
    before = df.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MlkitWarning)  # the pitfalls are tested below
        result = split(
            df,
            strategy=strategy,
            test_size=0.2,
            validation_size=0.1,
            target="y",
            time_column="when",
            group_column="user",
            random_state=1,
        )
    pd.testing.assert_frame_equal(df, before)
    parts = parts_of(result)
    kept = parts["train"].append([parts["validation"], parts["test"]])
    assert kept.is_unique
    dropped = result.assignment.index[result.assignment == "dropped"]
    assert kept.union(dropped).sort_values().equals(df.index.sort_values())
    assert result.assignment.index.equals(df.index)
    for name, index in parts.items():
        pd.testing.assert_frame_equal(result.parts[name], df.loc[index])
    assert set(result.to_frame()["part"]) >= {"train", "validation", "test"}


def test_random_split_is_scikit_learns_and_reproducible():
    df = frame(200, dated=False)
    one = split(df, strategy="random", test_size=0.25, random_state=3)
    two = split(df, strategy="random", test_size=0.25, random_state=3)
    other = split(df, strategy="random", test_size=0.25, random_state=4)
    assert one.test.index.equals(two.test.index)
    assert not one.test.index.equals(other.test.index)
    assert len(one.test) == 50
    assert len(one.validation) == 0


def test_stratified_split_keeps_class_shares():
    df = frame(2000, dated=False)
    result = split(
        df,
        strategy="stratified",
        target="y",
        test_size=0.2,
        validation_size=0.2,
        random_state=0,
    )
    counts = df["y"].value_counts()
    for part, share in (("test", 0.2), ("validation", 0.2), ("train", 0.6)):
        got = result.parts[part]["y"].value_counts()
        for label, total in counts.items():
            assert abs(got[label] - total * share) <= 1.5


def test_stratified_split_matches_train_test_split():
    df = frame(500, dated=False)
    ours = split(df, strategy="stratified", target="y", test_size=0.3, random_state=0)
    seed = int(np.random.default_rng(0).integers(2**31 - 1))
    _, test = train_test_split(
        np.arange(len(df)),
        test_size=0.3,
        random_state=seed,
        stratify=df["y"].to_numpy(),
    )
    assert set(ours.test.index) == set(df.index[test])


def test_group_split_keeps_entities_on_one_side():
    df = frame()
    result = split(
        df,
        strategy="group",
        group_column="user",
        test_size=0.25,
        validation_size=0.25,
        random_state=0,
    )
    users = {name: set(part["user"]) for name, part in result.parts.items()}
    assert not users["train"] & users["test"]
    assert not users["train"] & users["validation"]
    assert not users["validation"] & users["test"]
    assert len(users["test"]) == 10  # a quarter of the 40 entities


def test_time_split_orders_parts_and_leaves_a_gap():
    df = frame()
    result = split(
        df,
        strategy="time",
        time_column="when",
        test_size=0.2,
        validation_size=0.2,
        gap="14D",
    )
    train, validation, test = (
        result.parts[p]["when"] for p in ("train", "validation", "test")
    )
    assert train.max() < validation.min() - pd.Timedelta("14D")
    assert validation.max() < test.min() - pd.Timedelta("14D")
    assert abs(len(test) - 200) <= 1
    dropped = df.loc[result.assignment == "dropped", "when"]
    assert len(dropped) > 0
    assert (
        (dropped >= validation.min() - pd.Timedelta("14D"))
        & (dropped < validation.min())
        | (dropped >= test.min() - pd.Timedelta("14D")) & (dropped < test.min())
    ).all()


def test_time_split_keeps_equal_times_together():
    df = pd.DataFrame({"t": np.repeat(np.arange(10), 10), "y": np.arange(100) % 2})
    result = split(df, strategy="time", time_column="t", test_size=0.25)
    assert result.train["t"].max() < result.test["t"].min()
    assert len(result.test) == 30  # the 25th row's time, 7, goes to test with its ties


def test_time_group_split_has_no_entity_on_both_sides_and_no_future():
    df = frame(3000, groups=300)
    result = split(
        df,
        strategy="time_group",
        time_column="when",
        group_column="user",
        test_size=0.2,
        gap="7D",
    )
    assert not set(result.train["user"]) & set(result.test["user"])
    assert result.train["when"].max() < result.test["when"].min() - pd.Timedelta("7D")
    first_seen = df.groupby("user")["when"].min()
    assert (first_seen[result.test["user"].unique()] >= result.test["when"].min()).all()


def test_numeric_time_and_gap_in_its_unit():
    df = pd.DataFrame({"step": np.arange(100), "y": np.arange(100) % 2})
    result = split(df, strategy="time", time_column="step", test_size=0.2, gap=5)
    assert result.train["step"].max() == 74
    assert result.test["step"].min() == 80


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"strategy": "chronological"}, MlkitValueError, "'strategy' must be one of"),
        ({"strategy": "stratified"}, MlkitValueError, "needs 'target'"),
        ({"strategy": "group"}, MlkitValueError, "needs 'group_column'"),
        ({"strategy": "time"}, MlkitValueError, "needs 'time_column'"),
        (
            {"strategy": "time_group", "time_column": "when"},
            MlkitValueError,
            "needs 'group_column'",
        ),
        ({"test_size": 0}, MlkitValueError, "'test_size' must be in"),
        ({"test_size": "20%"}, MlkitTypeError, "'test_size' must be a fraction"),
        (
            {"test_size": 0.6, "validation_size": 0.4},
            MlkitValueError,
            "must leave rows to train",
        ),
        ({"target": "label"}, MlkitValueError, "'target' names 'label'"),
        (
            {"strategy": "random", "gap": "3D"},
            MlkitValueError,
            "'gap' applies to time-ordered",
        ),
        (
            {"strategy": "time", "time_column": "when", "gap": "soon"},
            MlkitValueError,
            "'gap' must be a duration",
        ),
        (
            {"strategy": "time", "time_column": "when", "gap": "-3D"},
            MlkitValueError,
            "must not be negative",
        ),
        (
            {"strategy": "time", "time_column": "x", "gap": "3D"},
            MlkitValueError,
            "'gap' must be a number",
        ),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, message):
    with pytest.raises(error, match=message):
        split(frame(100), **kwargs)


def test_bad_time_and_group_columns():
    df = frame(100)
    text_times = df.assign(when=df["when"].astype(str))
    text_times.iloc[3, 0] = "last tuesday"
    with pytest.raises(
        MlkitValueError,
        match=r"'time_column' names 'when'.*1 do not parse.*'last tuesday'",
    ):
        split(text_times, strategy="time", time_column="when")
    gaps = df.assign(when=df["when"].where(np.arange(100) % 10 != 0))
    with pytest.raises(MlkitValueError, match=r"missing in 10 row\(s\)[\s\S]*dropna"):
        split(gaps, strategy="time", time_column="when")
    no_user = df.assign(user=df["user"].where(np.arange(100) != 5))
    with pytest.raises(
        MlkitValueError, match=r"'group_column' names 'user', which is missing in 1"
    ):
        split(no_user, strategy="group", group_column="user")
    with pytest.raises(MlkitTypeError, match="'df' must be a pandas DataFrame"):
        split(df.to_numpy())
    with pytest.raises(MlkitValueError, match="'df' has no rows"):
        split(df.iloc[:0])


def test_time_column_warning_on_a_random_split_and_how_to_silence_it():
    df = frame(200)
    with pytest.warns(TimeColumnWarning, match="'when'.*strategy='time'"):
        split(df.drop(columns="user"), strategy="random")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", TimeColumnWarning)
        split(df.drop(columns="user"), strategy="random")


def test_group_overlap_warning():
    df = frame(400).drop(columns="when")
    with pytest.warns(
        GroupOverlapWarning, match=r"entities \('user'\) in validation or test"
    ):
        split(df, strategy="random", group_column="user", random_state=0)


def test_small_class_warning_and_too_small_class():
    df = pd.DataFrame({"x": range(200), "y": [1] * 10 + [0] * 190})
    with pytest.warns(SmallClassWarning, match=r"Class 1 of 'y' has 10 row\(s\)"):
        split(df, strategy="stratified", target="y", test_size=0.2, random_state=0)
    tiny = pd.DataFrame({"x": range(50), "y": [1] + [0] * 49})
    with pytest.raises(
        MlkitValueError, match=r"'target' 'y' has 1 row\(s\) of class 1, too few"
    ):
        split(tiny, strategy="stratified", target="y")


def test_from_assignment_rebuilds_the_same_parts():
    df = frame(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimeColumnWarning)
        first = split(df, strategy="random", validation_size=0.2, random_state=0)
    again = Split.from_assignment(df, first.assignment)
    for name in ("train", "validation", "test"):
        pd.testing.assert_frame_equal(again.parts[name], first.parts[name])
    with pytest.raises(MlkitValueError, match="does not have the index of 'df'"):
        Split.from_assignment(df.iloc[:10], first.assignment)
    with pytest.raises(MlkitValueError, match=r"has values \['holdout'\]"):
        Split.from_assignment(df, first.assignment.replace("test", "holdout"))


def test_split_result_faces():
    df = frame(300)
    result = split(
        df, strategy="time_group", time_column="when", target="y", group_column="user"
    )
    table = result.to_frame()
    assert {
        "part",
        "rows",
        "share",
        "from",
        "to",
        "entities",
        "entities also in train",
    } <= set(table)
    assert "follow each other in time" in result.explain()
    spec = result.chart().to_dict()
    assert spec["encoding"]["color"]["field"] == "part"
    assert "<table" in result._repr_html_()
    without_time = split(
        frame(300, dated=False), strategy="random", target="y", random_state=0
    )
    assert without_time.chart().to_dict()["encoding"]["y"]["field"] == "part"


# --------------------------------------------------------------------------- splitter


def test_splitter_folds_are_ordered_gapped_and_group_exclusive():
    df = frame(2000, groups=200).reset_index(drop=True)
    cv = GroupTimeSeriesSplit(n_splits=4, time_column="when", gap="10D")
    folds = list(cv.split(df, df["y"], groups=df["user"]))
    assert len(folds) == cv.get_n_splits() == 4
    previous = None
    for train, test in folds:
        assert not set(df["user"].iloc[train]) & set(df["user"].iloc[test])
        assert df["when"].iloc[train].max() < df["when"].iloc[
            test
        ].min() - pd.Timedelta("10D")
        if previous is not None:
            assert df["when"].iloc[test].min() >= previous
        previous = df["when"].iloc[test].min()


def test_splitter_without_groups_or_time_is_time_series_split():
    X = np.zeros((120, 1))
    for gap in (0, 3):
        ours = list(GroupTimeSeriesSplit(n_splits=5, gap=gap).split(X))
        theirs = list(TimeSeriesSplit(n_splits=5, gap=gap).split(X))
        for (a_train, a_test), (b_train, b_test) in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a_train, b_train)
            np.testing.assert_array_equal(a_test, b_test)


def test_splitter_works_as_cv():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline

    df = frame(600, groups=60).reset_index(drop=True)
    cv = GroupTimeSeriesSplit(n_splits=3, time_column="when")
    # The time column reaches the splitter through X; the model's first step drops it.
    model = make_pipeline(
        make_column_transformer(("passthrough", ["x"])), LogisticRegression()
    )
    scores = cross_val_score(
        model, df[["x", "when"]], df["y"], cv=cv, groups=df["user"]
    )
    assert len(scores) == 3


def test_splitter_errors():
    X = frame(50).reset_index(drop=True)
    with pytest.raises(MlkitValueError, match="'n_splits' must be an int"):
        next(GroupTimeSeriesSplit(n_splits=0).split(X))
    with pytest.raises(MlkitValueError, match="Too few entities"):
        next(
            GroupTimeSeriesSplit(n_splits=5, time_column="when").split(
                X, groups=[1, 2] * 25
            )
        )
    with pytest.raises(MlkitValueError, match="'groups' has 3 values"):
        next(
            GroupTimeSeriesSplit(n_splits=2, time_column="when").split(
                X, groups=[1, 2, 3]
            )
        )
    with pytest.raises(MlkitValueError, match="'groups' is missing"):
        next(GroupTimeSeriesSplit(n_splits=2).split(X, groups=[None] + [1] * 49))
    with pytest.raises(MlkitTypeError, match="'X' must be a pandas DataFrame"):
        next(GroupTimeSeriesSplit(n_splits=2, time_column="when").split(X.to_numpy()))


def test_suggest_split():
    df = frame(100)
    assert (
        suggest_split(df, task="binary", time_column="when", group_column="user")[0]
        == "time_group"
    )
    assert suggest_split(df, task="binary", time_column="when")[0] == "time"
    assert suggest_split(df, task="binary", group_column="user")[0] == "group"
    assert suggest_split(df, task="binary")[0] == "stratified"
    assert suggest_split(df, task="regression")[0] == "random"
    everywhere = pd.DataFrame(
        {
            "when": np.tile(pd.date_range("2024-01-01", periods=50), 3),
            "store": np.repeat(["a", "b", "c"], 50),
            "y": np.arange(150) % 2,
        }
    )
    strategy, reason = suggest_split(
        everywhere, task="binary", time_column="when", group_column="store"
    )
    assert strategy == "group"
    assert "keep only 0% of the rows for training" in reason
    gaps = df.assign(when=df["when"].where(np.arange(100) > 2))
    strategy, reason = suggest_split(
        gaps, task="binary", time_column="when", group_column="user"
    )
    assert strategy == "group"
    assert "missing in 3 rows" in reason


# --------------------------------------------------------------------------- leakage


def clean_pair(n=2000, seed=0):
    df = frame(n, seed).reset_index(drop=True)
    result = split(df, strategy="time", time_column="when", test_size=0.3)
    return result.train, result.test


def test_a_clean_time_split_is_silent():
    train, test = clean_pair()
    report = leakage_report(train, test, target="y", time_column="when")
    assert report.ok
    assert report.findings.empty
    assert set(report.checks) == {
        "duplicates",
        "near-duplicates",
        "target proxies",
        "time overlap",
    }


def test_duplicates_are_caught():
    df = frame(2000, dated=False).reset_index(drop=True)
    train, test = df.iloc[:1400], df.iloc[1400:]
    leaky_test = pd.concat([test, train.sample(60, random_state=0)])
    report = leakage_report(train, leaky_test, target="y")
    row = report.findings.set_index("check").loc["duplicates"]
    assert row["severity"] == "high"
    assert "60 test rows (9.1%) are copies of training rows" in row["evidence"]
    assert not report.ok
    assert leakage_report(train, test, target="y").ok


def test_near_duplicate_texts_are_caught_and_repeats_over_time_are_not():
    rng = np.random.default_rng(0)
    words = np.array(
        [
            "cheap",
            "pills",
            "free",
            "money",
            "click",
            "here",
            "subscribe",
            "my",
            "channel",
            "now",
            "great",
            "song",
        ]
    )
    texts = [" ".join(rng.choice(words, 8)) for _ in range(600)]
    df = pd.DataFrame(
        {
            "text": texts,
            "y": rng.integers(0, 2, 600),
            "t": pd.date_range("2024-01-01", periods=600, freq="h"),
        }
    )
    train, test = df.iloc[:400].copy(), df.iloc[400:].copy()
    changed = train["text"].iloc[:30].str.upper().str.replace(" ", "  ") + "!!"
    test.loc[test.index[:30], "text"] = changed.to_numpy()
    report = leakage_report(train, test, target="y")
    row = report.findings.set_index("check").loc["near-duplicates"]
    assert row["severity"] == "high"
    assert "30 test rows" in row["evidence"]
    later = leakage_report(train, test, target="y", time_column="t")
    finding = later.findings.set_index("check").loc["near-duplicates"]
    assert finding["severity"] == "info"  # the copies in train came earlier
    assert later.ok


def test_short_texts_repeat_by_chance_and_are_ignored():
    df = pd.DataFrame(
        {"text": ["great song"] * 100 + ["love it, love it!!"] * 100, "y": [0, 1] * 100}
    )
    report = leakage_report(
        df.iloc[::2], df.iloc[1::2], target="y", text_columns=["text"]
    )
    assert "near-duplicates" not in set(report.findings["check"])


def test_entities_on_both_sides_are_caught():
    df = frame(1000).drop(columns="when")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GroupOverlapWarning)
        result = split(df, strategy="random", group_column="user", random_state=0)
    report = leakage_report(result.train, result.test, target="y", group_column="user")
    assert (
        report.findings.set_index("check").loc["entities on both sides", "severity"]
        == "high"
    )
    clean = split(df, strategy="group", group_column="user", random_state=0)
    assert leakage_report(clean.train, clean.test, target="y", group_column="user").ok


def test_time_overlap_is_caught():
    df = frame(1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimeColumnWarning)
        result = split(df, strategy="random", random_state=0)
    report = leakage_report(result.train, result.test, target="y", time_column="when")
    row = report.findings.set_index("check").loc["time overlap"]
    assert row["severity"] == "high"
    assert "happened before the last training row" in row["evidence"]


@pytest.mark.parametrize(
    "kind", ["copy", "dominant", "category copy", "regression copy"]
)
def test_target_proxies_are_caught(kind):
    rng = np.random.default_rng(1)
    n = 3000
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = (df["a"] + rng.normal(scale=2, size=n) > 0).astype(int)
    if kind == "copy":
        df["leak"] = df["y"] * 2.0 + rng.normal(scale=0.01, size=n)
    elif kind == "dominant":
        df["leak"] = df["y"] + rng.normal(scale=0.35, size=n)
    elif kind == "category copy":
        df["leak"] = np.where(df["y"] == 1, "refunded", "kept")
    else:
        df["y"] = df["a"] * 3 + rng.normal(size=n)
        df["leak"] = df["y"] - rng.uniform(
            0, 0.1, n
        )  # a part of the total, like casual + registered
    report = leakage_report(df.iloc[:2000], df.iloc[2000:], target="y")
    rows = report.findings[report.findings["check"] == "target proxy"]
    assert rows["columns"].tolist() == ["leak"], report.scores
    assert not report.ok


def test_a_number_constant_in_the_test_part_is_scored_without_a_warning():
    # The year of a time split: it varies in training, and is one value in test.
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"year": np.r_[np.zeros(n // 2), np.ones(n // 2)]})
    df["x"] = rng.normal(size=n)
    df["y"] = df["x"] + df["year"] + rng.normal(scale=0.5, size=n)
    report = leakage_report(df.iloc[:300], df.iloc[300:], target="y")  # no warning
    assert report.scores.set_index("column").loc["year", "score"] == 0.0
    assert report.ok


def test_strong_legitimate_features_are_not_proxies():
    rng = np.random.default_rng(2)
    n = 3000
    df = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)}
    )
    df["y"] = (2 * df["a"] + df["b"] + rng.normal(scale=0.7, size=n) > 0).astype(int)
    report = leakage_report(df.iloc[:2000], df.iloc[2000:], target="y")
    assert report.scores.iloc[0]["column"] == "a"
    assert report.scores.iloc[0]["score"] > 0.8
    assert report.ok


def test_preprocessing_fitted_on_both_parts_is_caught():
    train, test = clean_pair()
    leaky = StandardScaler().fit(pd.concat([train, test])[["x"]])
    report = leakage_report(train, test, target="y", columns=["x"], transformer=leaky)
    assert (
        report.findings.set_index("check").loc[
            "preprocessing fitted on test rows", "severity"
        ]
        == "high"
    )
    right = StandardScaler().fit(train[["x"]])
    assert leakage_report(train, test, target="y", columns=["x"], transformer=right).ok


def test_report_faces_and_bad_input():
    train, test = clean_pair()
    report = leakage_report(train, test, target="y")
    assert list(report.to_frame().columns) == [
        "check",
        "columns",
        "severity",
        "evidence",
        "what to do",
    ]
    assert "No likely leak" in report.explain()
    assert report.chart().to_dict()["layer"][0]["mark"]["type"] == "bar"
    with pytest.raises(
        MlkitValueError,
        match="'train' and 'test' must have the same columns; only 'train' has 'x'",
    ):
        leakage_report(train, test.drop(columns="x"), target="y")
    with pytest.raises(MlkitValueError, match="'target' names 'label'"):
        leakage_report(train, test, target="label")
    before = train.copy(deep=True)
    leakage_report(train, test, target="y", time_column="when")
    pd.testing.assert_frame_equal(train, before)


# --------------------------------------------------------------------------- shipped cases


def case_parts(name):
    case = cases.load(name)
    spec = case.spec
    df = case.load_data()
    strategy, _ = suggest_split(
        df, task=spec.task, time_column=spec.time_column, group_column=spec.group_column
    )
    uses_time = strategy in ("time", "time_group")
    result = split(
        df,
        strategy=strategy,
        target=spec.target,
        time_column=spec.time_column if uses_time else None,
        group_column=spec.group_column,
        random_state=0,
    )
    return case, result, uses_time


@pytest.mark.parametrize("name", ["spam", "income", "fraud", "bikes"])
def test_clean_splits_of_the_shipped_cases_raise_no_alarm(name):
    case, result, uses_time = case_parts(name)
    spec = case.spec
    columns = list(spec.feature_columns)
    pre = make_preprocessor(spec.data.schema, columns).fit(result.train[columns])
    report = leakage_report(
        result.train,
        result.test,
        target=spec.target,
        time_column=spec.time_column if uses_time else None,
        group_column=spec.group_column,
        columns=[c for c in columns if spec.data.schema[c] != "text"],
        transformer=pre,
    )
    assert report.ok, report.findings
    assert (report.findings["severity"] != "high").all()


def test_split_for_deployment_uses_the_columns_its_strategy_needs():
    df = frame(600).reset_index(drop=True)
    df.loc[:9, "when"] = pd.NaT  # rows without a time
    parts = split_for_deployment(
        df, task="binary", target="y", time_column="when", group_column="user"
    )
    assert parts.strategy == "group"  # a time split would need every row's time
    assert parts.time_column is None
    clean = df.dropna(subset=["when"])
    timed = split_for_deployment(
        df, task="binary", target="y", time_column="when", strategy="time"
    )
    assert timed.assignment.index.equals(df.index)
    assert (timed.assignment.iloc[:10] == "dropped").all()
    assert timed.train["when"].max() < timed.test["when"].min()
    assert len(timed.train) + len(timed.validation) + len(timed.test) == len(clean)
    again = Split.from_assignment(df, timed.assignment)
    pd.testing.assert_frame_equal(again.test, timed.test)
    numbers = split_for_deployment(
        frame(200, dated=False).assign(y=lambda d: d["x"] * 2),
        task="regression",
        target="y",
        strategy="stratified",
    )
    assert numbers.strategy == "random"
    with pytest.raises(MlkitValueError, match="'strategy' must be one of"):
        split_for_deployment(df, task="binary", target="y", strategy="chrono")
