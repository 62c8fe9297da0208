"""Generated input for mlkit.splitting: split, split_for_deployment, suggest_split,
leakage_report and the GroupTimeSeriesSplit splitter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlkit import splitting
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes, has_columns

# The pitfalls of a split are warnings a learner should see; here they are expected.
pytestmark = pytest.mark.filterwarnings("ignore::mlkit._exceptions.MlkitWarning")

STRATEGY = st.sampled_from(splitting.STRATEGIES)
BAD_STRATEGY = st.sampled_from(["shuffle", None, 3])
TASK = st.sampled_from(["binary", "multiclass", "regression"])
BAD_TASK = st.sampled_from(["ranking", "", None])
SHARE = st.one_of(st.sampled_from([0.2, 0.25, 0.3, 0.5]), st.floats(0.05, 0.6))
BAD_SHARE = st.sampled_from([0.0, 1.0, -0.1, 1.5, np.nan, "0.2", True, 2])
VALIDATION_SHARE = st.one_of(st.sampled_from([0.0, 0.2]), st.floats(0.0, 0.3))
BAD_VALIDATION_SHARE = st.sampled_from([-0.2, 1.0, np.inf, None])
DATE_GAP = st.sampled_from([None, "3D", "0D", pd.Timedelta(days=1)])
NUMBER_GAP = st.sampled_from([None, 0, 2, 1.5])
BAD_GAP = st.sampled_from(["-2D", -1, "soon", [1], True, np.nan, "1000D"])


#: Each test runs on valid arguments, then on arguments of which some are wrong.
BOTH = pytest.mark.parametrize("bad", [False, True], ids=["valid", "messy"])


def pick(data, bad, good, wrong):
    """A value of ``good``, or with ``bad`` sometimes one of ``wrong``."""
    if bad and data.draw(st.integers(0, 3)) == 3:
        return data.draw(wrong)
    return data.draw(good)


def with_structure(data, n, bad=True):
    """A frame with a target, a time column and an entity column among others."""
    df = gen.frame(data, n, max_columns=3, names=("x", "âge", "prix €", "Ω"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    target = pick(
        data,
        bad,
        st.sampled_from(["labels", "numbers"]),
        st.sampled_from(["one class", "missing"]),
    )
    if target == "labels":
        df["y"] = gen.labels(data, n)
    elif target == "numbers":
        df["y"] = rng.normal(size=n)
    elif target == "one class":
        df["y"] = np.zeros(n, dtype=int)
    else:
        df["y"] = pd.array(rng.integers(0, 2, n), dtype="Int64")
        if n:
            df.loc[df.index[0], "y"] = pd.NA
    when = pick(
        data, bad, st.sampled_from(["dates", "numbers", "strings"]), st.just("NaT")
    )
    days = rng.integers(0, pick(data, bad, st.just(60), st.sampled_from([1, 3])), n)
    if when == "dates":
        df["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    elif when == "numbers":
        df["when"] = days.astype(float)
    elif when == "strings":
        df["when"] = pd.Series(
            [f"2024-01-{d % 28 + 1:02d}" for d in days], dtype="str"
        ).to_numpy()
        if n and bad and data.draw(st.booleans()):
            df.loc[df.index[-1], "when"] = "not a date"
    else:
        df["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
        if n:
            df.loc[df.index[0], "when"] = pd.NaT
    k = pick(data, bad, st.sampled_from([4, 10]), st.sampled_from([1, 2]))
    groups = rng.integers(0, k, n)
    df["who"] = (
        pd.Series([f"u{g}" for g in groups], dtype="str").to_numpy()
        if data.draw(st.booleans())
        else groups
    )
    if bad and data.draw(st.integers(0, 9)) == 0:
        df = pd.concat([df, df[["y"]]], axis=1)  # a column name twice
    if n and bad and data.draw(st.integers(0, 3)) == 0:
        df["who"] = df["who"].astype(object)
        df.loc[df.index[0], "who"] = None
    return df


def column_or_none(data, df, name, bad=True):
    """Mostly the column ``name``; sometimes None, another column or one ``df`` lacks."""
    choice = data.draw(st.integers(0, 19 if bad else 15))
    if choice == 19:
        return "missing column"
    if choice >= 16:
        return data.draw(st.sampled_from(list(df.columns)))
    if choice >= 12:
        return None
    return name


def check_split(df):
    def check(result):
        assert isinstance(result, splitting.Split)
        assert result.assignment.index.equals(df.index)
        assert set(result.assignment) <= {"train", "validation", "test", "dropped"}
        counts = result.assignment.value_counts()
        assert len(result.train) == counts.get("train", 0) > 0
        assert len(result.test) == counts.get("test", 0) > 0
        assert len(result.validation) == counts.get("validation", 0)
        assert len(result.train) + len(result.validation) + len(
            result.test
        ) + counts.get("dropped", 0) == len(df)
        has_columns(result.to_frame(), ["part", "rows", "share"])
        assert list(result.train.columns) == list(df.columns)
        if result.strategy in ("time", "time_group"):
            when = pd.to_datetime(df["when"]) if df["when"].dtype == "str" else None
            times = df[result.time_column] if when is None else when
            assert times[result.assignment == "train"].max() <= (
                times[result.assignment == "test"].min()
            )
        if result.strategy in ("group", "time_group"):
            who = df[result.group_column]
            train = set(who[result.assignment == "train"])
            assert not train & set(who[result.assignment == "test"])

    return check


@fuzzes("mlkit.splitting.split")
@BOTH
@given(st.data())
@fuzz_settings(30)
def test_split(bad, data):
    n = gen.rows(data, 0 if bad else 6)
    df = with_structure(data, n, bad)
    strategy = pick(data, bad, STRATEGY, BAD_STRATEGY)
    needs = {"stratified": "target", "group": "group_column", "time": "time_column"}
    kwargs = {
        "strategy": strategy,
        "test_size": pick(data, bad, SHARE, BAD_SHARE),
        "validation_size": pick(data, bad, VALIDATION_SHARE, BAD_VALIDATION_SHARE),
        "target": column_or_none(data, df, "y", bad),
        "time_column": column_or_none(data, df, "when", bad),
        "group_column": column_or_none(data, df, "who", bad),
        "random_state": gen.random_state(data),
    }
    if not bad:
        if strategy == "time_group":
            kwargs.update(time_column="when", group_column="who")
        elif strategy in needs:
            kwargs[needs[strategy]] = {"target": "y", "group_column": "who"}.get(
                needs[strategy], "when"
            )
    if strategy in ("time", "time_group"):
        dates = not pd.api.types.is_numeric_dtype(df["when"])
        kwargs["gap"] = pick(data, bad, DATE_GAP if dates else NUMBER_GAP, BAD_GAP)
    call("mlkit.splitting.split", splitting.split, df, check=check_split(df), **kwargs)


@fuzzes("mlkit.splitting.split_for_deployment")
@BOTH
@given(st.data())
@fuzz_settings(20)
def test_split_for_deployment(bad, data):
    n = gen.rows(data, 0 if bad else 6)
    df = with_structure(data, n, bad)
    call(
        "mlkit.splitting.split_for_deployment",
        splitting.split_for_deployment,
        df,
        task=pick(data, bad, TASK, BAD_TASK),
        target=pick(data, bad, st.just("y"), st.sampled_from(["missing column", 3])),
        time_column=column_or_none(data, df, "when", bad),
        group_column=column_or_none(data, df, "who", bad),
        strategy=pick(
            data, bad, st.one_of(st.none(), st.none(), STRATEGY), BAD_STRATEGY
        ),
        test_size=pick(data, bad, SHARE, BAD_SHARE),
        validation_size=pick(data, bad, VALIDATION_SHARE, BAD_VALIDATION_SHARE),
        random_state=gen.random_state(data),
        check=check_deployment(df),
    )


def check_deployment(df):
    def check(result):
        assert result.assignment.index.equals(df.index)
        assert len(result.train) > 0
        assert len(result.test) > 0

    return check


def check_suggestion(result):
    strategy, reason = result
    assert strategy in splitting.STRATEGIES
    assert isinstance(reason, str)
    assert reason


@fuzzes("mlkit.splitting.suggest_split")
@BOTH
@given(st.data())
@fuzz_settings(30)
def test_suggest_split(bad, data):
    n = gen.rows(data, 0 if bad else 1)
    df = with_structure(data, n, bad)
    call(
        "mlkit.splitting.suggest_split",
        splitting.suggest_split,
        df,
        task=pick(data, bad, TASK, BAD_TASK),
        time_column=column_or_none(data, df, "when", bad),
        group_column=column_or_none(data, df, "who", bad),
        check=check_suggestion,
    )


def check_report(result):
    has_columns(result.findings, ["check", "columns", "severity", "evidence"])
    assert set(result.findings["severity"]) <= {"high", "info"}
    has_columns(result.scores, ["column", "score", "flag"])
    scores = result.scores["score"].to_numpy(dtype=float)
    assert ((scores >= 0) & (scores <= 1 + 1e-12)).all(), scores
    assert isinstance(result.ok, bool)


@fuzzes("mlkit.splitting.leakage_report")
@BOTH
@given(st.data())
@fuzz_settings(20)
def test_leakage_report(bad, data):
    n = gen.rows(data, 0 if bad else 4, 60)
    df = with_structure(data, n, bad)
    if n > 2 and data.draw(st.booleans()):
        df["copy"] = df["y"]  # a column that leaks the target
    if n and data.draw(st.booleans()):
        df["text"] = pd.Series(
            ["the quick brown fox jumps over", "a lazy dog sleeps all day long"] * n,
            dtype="str",
        ).to_numpy()[:n]
    cut = data.draw(st.integers(0 if bad else 1, n - (not bad))) if n else 0
    train, test = df.iloc[:cut], df.iloc[cut:]
    if bad and data.draw(st.integers(0, 3)) == 0:
        test = test.drop(columns=test.columns[0])
    transformer = None
    if data.draw(st.integers(0, 4)) == 0 and len(train):
        from sklearn.preprocessing import StandardScaler

        numbers = [c for c in ("when",) if pd.api.types.is_float_dtype(df[c])]
        if numbers:
            transformer = StandardScaler().fit(df[numbers])
        if bad:
            transformer = data.draw(
                st.sampled_from(["scaler", StandardScaler(), transformer])
            )
    call(
        "mlkit.splitting.leakage_report",
        splitting.leakage_report,
        train,
        test,
        target=pick(data, bad, st.just("y"), st.just("missing column")),
        time_column=column_or_none(data, df, "when", bad),
        group_column=column_or_none(data, df, "who", bad),
        text_columns=pick(
            data,
            bad,
            st.sampled_from([None, None, ["text"] if "text" in df else []]),
            st.sampled_from([["y"], "text", ["missing column"]]),
        ),
        columns=pick(
            data,
            bad,
            st.sampled_from([None, None, [df.columns[0]], ["when"], []]),
            st.sampled_from([["missing column"], "x"]),
        ),
        transformer=transformer,
        check=check_report,
    )


def folds_of(cv):
    """The splitter's folds as a list: a function with split's own arguments."""

    def split(X, y=None, groups=None):
        return list(cv.split(X, y, groups))

    return split


def check_folds(cv, X, groups):
    def check(folds):
        assert len(folds) == cv.get_n_splits()
        n = len(X)
        if isinstance(X, pd.DataFrame) and cv.time_column is not None:
            times = X[cv.time_column]
        else:
            times = pd.Series(np.arange(n))
        for train, test in folds:
            assert len(train)
            assert len(test)
            assert not set(train) & set(test)
            assert train.min() >= 0
            assert max(train.max(), test.max()) < n
            assert times.iloc[train].max() < times.iloc[test].min()
            if groups is not None:
                values = np.asarray(groups)
                assert not set(values[train]) & set(values[test])

    return check


@fuzzes("mlkit.splitting.GroupTimeSeriesSplit")
@BOTH
@given(st.data())
@fuzz_settings(30)
def test_group_time_series_split(bad, data):
    n = gen.rows(data, 0 if bad else 8)
    df = with_structure(data, n, bad)
    # One 'y' column: the target taken below is one-dimensional.
    df = df.loc[:, ~df.columns.duplicated()]
    time_column = pick(
        data, bad, st.sampled_from([None, "when"]), st.just("missing column")
    )
    cv = call(
        "mlkit.splitting.GroupTimeSeriesSplit",
        splitting.GroupTimeSeriesSplit,
        n_splits=pick(
            data, bad, st.integers(1, 4), st.sampled_from([0, -1, 2.0, "3", True])
        ),
        time_column=time_column,
        gap=pick(
            data,
            bad,
            st.sampled_from(
                [None, None, "1D", 1] if time_column == "when" else [None, 0, 1]
            ),
            BAD_GAP,
        ),
    )
    if cv is None:
        return
    call(
        "mlkit.splitting.GroupTimeSeriesSplit",
        cv.get_n_splits,
        check=lambda k: isinstance(k, int) and k >= 1,
    )
    form = pick(
        data,
        bad,
        st.sampled_from(["frame", "frame", "array", "list"]),
        st.just("scalar"),
    )
    if form == "frame":
        X = df
    elif form == "array":
        # Floats: the harness compares object arrays holding NaN as unequal.
        X = df.select_dtypes("number").to_numpy(dtype=float, na_value=np.nan)
    elif form == "list":
        X = list(range(n))
    else:
        X = 5
    groups = pick(data, bad, st.sampled_from([None, "who"]), st.just("short"))
    if groups == "who":
        groups = gen.container(data, df["who"].to_numpy())
    elif groups == "short":
        groups = list(range(max(n - 1, 0)))
    call(
        "mlkit.splitting.GroupTimeSeriesSplit",
        folds_of(cv),
        X,
        gen.container(data, df["y"].to_numpy()),
        groups,
        check=check_folds(cv, X, groups) if form != "scalar" else None,
    )
