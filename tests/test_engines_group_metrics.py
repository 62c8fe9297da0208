"""group_metrics on tables of polars, pyarrow, DuckDB and Dask: the pandas path's results.

Each engine computes one aggregate (rows per group, label, decision and bin of
the probability); the rest is the pandas path's code. Every number of the
result is compared with the pandas path on the same data: counts exactly, rates
and intervals exactly too (they come from the same integer cells and the same
draws), the ECE within rtol 1e-9 (engines add the probabilities of a bin in
their own order).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.fairness import (
    SmallGroupWarning,
    UndefinedRateWarning,
    _metrics,
    group_metrics,
)
from tests._engine_tables import ENGINES, on_engine


@pytest.fixture(params=ENGINES)
def engine(request):
    return lambda frame: on_engine(frame, request.param)


def people(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Two sensitive features, labels, decisions and probabilities.

    One combination of the features (sex 'x' and age 40) never occurs.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m", "x"], n, p=[0.45, 0.45, 0.1]),
            "age": rng.choice([20, 30, 40], n),
            "y": (rng.random(n) < 0.4).astype(np.int64),
            "prob": rng.random(n),
        }
    )
    frame["pred"] = (frame["prob"] > 0.5).astype(np.int64)
    frame.loc[frame["sex"].eq("x") & frame["age"].eq(40), "age"] = 30
    frame.loc[:5, "prob"] = [0.0, 1.0, 0.5, 1 / 15, 2 / 15, 14 / 15]  # on the edges
    return frame


def assert_same(result, expected) -> None:
    """Every number of two results: counts exactly, the rest within rtol 1e-9."""
    got, want = result.by_group, expected.by_group
    pd.testing.assert_index_equal(got.index, want.index, exact=True)
    assert list(got.columns) == list(want.columns)
    np.testing.assert_array_equal(got["count"].to_numpy(), want["count"].to_numpy())
    assert got["count"].dtype == want["count"].dtype == np.int64
    pd.testing.assert_frame_equal(got, want, rtol=1e-9, atol=0)
    pd.testing.assert_series_equal(result.overall, expected.overall, rtol=1e-9)
    pd.testing.assert_series_equal(
        result.disparities(), expected.disparities(), rtol=1e-9
    )
    pd.testing.assert_frame_equal(
        result.disparity_intervals(), expected.disparity_intervals(), rtol=1e-9
    )
    if expected.intervals is None:
        assert result.intervals is None
    else:
        pd.testing.assert_frame_equal(result.intervals, expected.intervals, rtol=1e-9)
    for field in (
        "sensitive_features",
        "positive_label",
        "n_rows",
        "n_bootstrap",
        "confidence",
        "min_group_size",
        "small_groups",
    ):
        assert getattr(result, field) == getattr(expected, field), field
    assert result.explain() == expected.explain()


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        warnings.simplefilter("ignore", UndefinedRateWarning)
        return function(*args, **kwargs)


def test_intersectional_groups_with_probabilities_and_intervals(engine):
    frame = people()
    kw = dict(
        sensitive_features=["sex", "age"],
        y_prob="prob",
        n_bootstrap=300,
        random_state=7,
    )
    expected = group_metrics("y", "pred", data=frame, **kw)
    result = group_metrics("y", "pred", data=engine(frame), **kw)
    assert_same(result, expected)
    # The empty combination is listed, with a count of 0, as on the pandas path.
    assert result.by_group.loc[("x", 40), "count"] == 0
    assert result.by_group.index.names == ["sex", "age"]


def test_one_feature_text_labels_and_a_categorical_feature(engine):
    rng = np.random.default_rng(1)
    n = 2000
    frame = pd.DataFrame(
        {
            "region": pd.Categorical(
                rng.choice(["north", "south", "east"], n),
                categories=["west", "south", "north", "east"],  # 'west' unused
            ),
            "outcome": rng.choice(["approve", "deny"], n),
            "decision": rng.choice(["approve", "deny"], n, p=[0.3, 0.7]),
            "score": rng.random(n),
        }
    )
    for features in ("region", ["region"]):
        kw = dict(
            sensitive_features=features,
            positive_label="approve",
            y_prob="score",
            n_bootstrap=100,
            random_state=3,
        )
        expected = group_metrics("outcome", "decision", data=frame, **kw)
        result = group_metrics("outcome", "decision", data=engine(frame), **kw)
        assert_same(result, expected)
        assert list(result.by_group.index) == ["east", "north", "south"]


def test_boolean_and_float_features_and_boolean_labels(engine):
    rng = np.random.default_rng(2)
    n = 1500
    frame = pd.DataFrame(
        {
            "member": rng.random(n) < 0.3,
            "score_band": rng.choice([0.5, 1.5, 2.5], n),
            "y": rng.random(n) < 0.5,
            "pred": rng.random(n) < 0.5,
        }
    )
    kw = dict(
        sensitive_features=["member", "score_band"],
        positive_label=True,
        n_bootstrap=50,
        random_state=np.random.default_rng(0),
    )
    expected = group_metrics("y", "pred", data=frame, **kw)
    kw["random_state"] = np.random.default_rng(0)
    result = group_metrics("y", "pred", data=engine(frame), **kw)
    assert_same(result, expected)


def test_labels_never_seen_on_one_side(engine):
    """A model that never selects, labels with one class only, a group without positives."""
    frame = people(600, seed=4)
    frame["never"] = 0
    frame["all_negative"] = 0
    frame.loc[frame["sex"].eq("x"), "y"] = 0  # no positive row in 'x'
    for y_true, y_pred, positive in (
        ("y", "never", 1),
        ("all_negative", "never", 1),  # one label, not the positive one
        ("y", "pred", 0),
    ):
        kw = dict(sensitive_features="sex", positive_label=positive, y_prob="prob")
        expected = quietly(group_metrics, y_true, y_pred, data=frame, **kw)
        result = quietly(group_metrics, y_true, y_pred, data=engine(frame), **kw)
        assert_same(result, expected)


def recorded(function, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, caught


def test_warnings_are_the_same_and_point_at_the_caller(engine):
    frame = people(400, seed=5)
    frame.loc[frame["sex"].eq("x"), "y"] = 0
    kw = dict(sensitive_features=["sex"], min_group_size=100)
    expected, want = recorded(group_metrics, "y", "pred", data=frame, **kw)
    result, got = recorded(group_metrics, "y", "pred", data=engine(frame), **kw)
    assert_same(result, expected)
    assert [str(w.message) for w in got] == [str(w.message) for w in want]
    assert [w.category for w in got] == [UndefinedRateWarning, SmallGroupWarning]
    assert all(w.filename == __file__ for w in got)


def test_a_column_that_is_both_a_label_and_a_feature(engine):
    frame = people(500, seed=6)
    kw = dict(sensitive_features=["y", "sex"])
    expected = quietly(group_metrics, "y", "pred", data=frame, **kw)
    result = quietly(group_metrics, "y", "pred", data=engine(frame), **kw)
    assert_same(result, expected)


def test_pandas_data_equals_the_values_themselves():
    frame = people()
    kw = dict(n_bootstrap=200, random_state=11)
    by_name = group_metrics(
        "y", "pred", sensitive_features=["sex", "age"], y_prob="prob", data=frame, **kw
    )
    by_value = group_metrics(
        frame["y"],
        frame["pred"],
        sensitive_features=frame[["sex", "age"]],
        y_prob=frame["prob"],
        **kw,
    )
    assert_same(by_name, by_value)
    one = group_metrics("y", "pred", sensitive_features="sex", data=frame)
    assert_same(
        one, group_metrics(frame["y"], frame["pred"], sensitive_features=frame["sex"])
    )
    assert one.by_group.index.name == "sex"


def test_the_callers_table_is_unchanged(engine):
    frame = people(300, seed=8)
    before = frame.copy()
    table = engine(frame)
    quietly(
        group_metrics,
        "y",
        "pred",
        sensitive_features=["sex", "age"],
        y_prob="prob",
        n_bootstrap=20,
        random_state=0,
        data=table,
    )
    pd.testing.assert_frame_equal(frame, before)
    if isinstance(table, pl.DataFrame):
        assert table.equals(pl.from_pandas(before))


def test_same_result_on_every_run(engine):
    frame = people(2000, seed=9)
    table = engine(frame)
    kw = dict(sensitive_features=["sex", "age"], y_prob="prob", n_bootstrap=100)
    first = group_metrics("y", "pred", data=table, random_state=5, **kw)
    second = group_metrics("y", "pred", data=table, random_state=5, **kw)
    # Counts, rates and intervals come from integer cells: identical. The ECE sums
    # probabilities, which a parallel engine (polars, DuckDB, Dask) adds in an
    # order that may change from run to run, so its last bits may too.
    rates = first.by_group.columns.drop("ece")
    pd.testing.assert_frame_equal(
        first.by_group[rates], second.by_group[rates], rtol=0, atol=0
    )
    pd.testing.assert_series_equal(
        first.by_group["ece"], second.by_group["ece"], rtol=1e-12, atol=0
    )
    pd.testing.assert_frame_equal(first.intervals, second.intervals, rtol=0, atol=0)


# ------------------------------------------------------------------------- errors


def message_of(function, *args, **kwargs):
    with pytest.raises((MlkitValueError, MlkitTypeError)) as caught:
        function(*args, **kwargs)
    return type(caught.value), str(caught.value)


def test_missing_labels_are_refused_and_counted_in_rows(engine):
    frame = people(300, seed=10).astype({"y": "float64"})
    frame.loc[[3, 50, 51], "y"] = np.nan
    expected = message_of(
        group_metrics, "y", "pred", sensitive_features="sex", data=frame
    )
    got = message_of(
        group_metrics, "y", "pred", sensitive_features="sex", data=engine(frame)
    )
    assert got == expected
    assert "'y_true' has 3 missing value(s)" in got[1]
    assert "\nHint: " in got[1]


def test_missing_text_decisions_are_refused_and_counted_in_rows(engine):
    frame = people(300, seed=10)
    frame["decision"] = np.where(frame["pred"] == 1, "yes", "no").astype(object)
    frame.loc[[0, 7], "decision"] = None
    kw = dict(sensitive_features="sex", positive_label="yes")
    frame["truth"] = np.where(frame["y"] == 1, "yes", "no")
    expected = message_of(group_metrics, "truth", "decision", data=frame, **kw)
    got = message_of(group_metrics, "truth", "decision", data=engine(frame), **kw)
    assert got == expected
    assert "'y_pred' has 2 missing value(s)" in got[1]


def test_missing_sensitive_values_are_refused_and_counted_in_rows(engine):
    frame = people(300, seed=12)
    frame.loc[[1, 2, 3, 4], "sex"] = None
    frame["band"] = frame["age"].astype("float64")
    frame.loc[[9], "band"] = np.nan
    for features in (["age", "sex"], "band"):
        kw = dict(sensitive_features=features)
        expected = message_of(group_metrics, "y", "pred", data=frame, **kw)
        got = message_of(group_metrics, "y", "pred", data=engine(frame), **kw)
        assert got == expected
        assert "'sensitive_features' has" in got[1]
        assert "\nHint: " in got[1]


@pytest.mark.parametrize("wrong", [np.nan, 1.5, -0.25])
def test_probabilities_missing_or_outside_the_unit_interval(engine, wrong):
    frame = people(300, seed=13)
    frame.loc[[10, 20], "prob"] = wrong
    kw = dict(sensitive_features="sex", y_prob="prob")
    expected = message_of(group_metrics, "y", "pred", data=frame, **kw)
    got = message_of(group_metrics, "y", "pred", data=engine(frame), **kw)
    assert got == expected
    assert "'y_prob' must be probabilities in [0, 1]; 2 value(s)" in got[1]


def test_probabilities_of_text_are_refused(engine):
    frame = people(100, seed=14)
    frame["prob"] = frame["prob"].astype(str)
    error, text = message_of(
        group_metrics,
        "y",
        "pred",
        sensitive_features="sex",
        y_prob="prob",
        data=engine(frame),
    )
    assert error is MlkitTypeError
    assert text.startswith("'y_prob' must hold numbers")
    assert "\nHint: " in text


def test_three_labels_are_refused(engine):
    frame = people(300, seed=15)
    frame.loc[[0, 1], "y"] = 2
    expected = message_of(
        group_metrics, "y", "pred", sensitive_features="sex", data=frame
    )
    got = message_of(
        group_metrics, "y", "pred", sensitive_features="sex", data=engine(frame)
    )
    assert got[0] is expected[0] is MlkitValueError
    assert got[1].startswith("'y_true' must hold two labels")
    assert "got 3" in got[1]
    # The labels are listed sorted: the engines return them in no fixed order.
    assert "(0, 1, 2)" in got[1]


def test_a_positive_label_that_is_not_a_label(engine):
    frame = people(200, seed=16)
    kw = dict(sensitive_features="sex", positive_label="yes")
    expected = message_of(group_metrics, "y", "pred", data=frame, **kw)
    assert message_of(group_metrics, "y", "pred", data=engine(frame), **kw) == expected


def test_reserved_feature_names_and_no_features(engine):
    frame = people(200, seed=17).rename(columns={"sex": "count"})
    expected = message_of(
        group_metrics, "y", "pred", sensitive_features="count", data=frame
    )
    got = message_of(
        group_metrics, "y", "pred", sensitive_features="count", data=engine(frame)
    )
    assert got == expected
    assert "'sensitive_features'" in got[1]
    error, text = message_of(
        group_metrics, "y", "pred", sensitive_features=None, data=engine(frame)
    )
    assert error is MlkitTypeError
    assert "'sensitive_features'" in text
    assert "\nHint: " in text


def test_an_empty_table(engine):
    frame = people(50, seed=18).iloc[:0]
    error, text = message_of(
        group_metrics, "y", "pred", sensitive_features="sex", data=engine(frame)
    )
    assert error is MlkitValueError
    assert text.startswith(_metrics.EMPTY_ERROR)


@pytest.mark.parametrize(
    ("arguments", "named", "error"),
    [
        ({"y_true": "label"}, "'y_true'", MlkitValueError),
        ({"y_pred": "prediction"}, "'y_pred'", MlkitValueError),
        (
            {"sensitive_features": ["sex", "gender"]},
            "'sensitive_features'",
            MlkitValueError,
        ),
        ({"y_prob": "proba"}, "'y_prob'", MlkitValueError),
        ({"y_true": [0, 1, 1]}, "'y_true'", MlkitTypeError),
        (
            {"sensitive_features": ["sex", "sex"]},
            "'sensitive_features'",
            MlkitTypeError,
        ),
        ({"y_prob": ["prob"]}, "'y_prob'", MlkitTypeError),
        ({"y_true": None}, "'y_true'", MlkitTypeError),
        ({"y_pred": None}, "'y_pred'", MlkitTypeError),
    ],
)
def test_bad_names(engine, arguments, named, error):
    kw = {"y_true": "y", "y_pred": "pred", "sensitive_features": "sex", **arguments}
    y_true, y_pred = kw.pop("y_true"), kw.pop("y_pred")
    got, text = message_of(group_metrics, y_true, y_pred, data=engine(people(50)), **kw)
    assert got is error
    assert text.startswith(named) or f"{named} must name" in text, text
    assert "\nHint: " in text


def test_not_a_table():
    error, text = message_of(
        group_metrics, "y", "pred", sensitive_features="sex", data={"y": [0, 1]}
    )
    assert error is MlkitTypeError
    assert "'data'" in text
    assert "\nHint: " in text


@pytest.mark.parametrize(
    ("option", "value"),
    [("n_bootstrap", -1), ("confidence", 1.0), ("min_group_size", 1.5)],
)
def test_bad_options_are_refused_before_the_engine_runs(engine, option, value):
    frame = people(50)
    expected = message_of(
        group_metrics,
        "y",
        "pred",
        sensitive_features="sex",
        data=frame,
        **{option: value},
    )
    got = message_of(
        group_metrics,
        "y",
        "pred",
        sensitive_features="sex",
        data=engine(frame),
        **{option: value},
    )
    assert got == expected
    assert f"'{option}'" in got[1]


def test_an_aggregate_too_large_is_refused(engine, monkeypatch):
    """Ids where groups were meant: the aggregate is bounded, never pulled whole."""
    frame = people(200, seed=19)
    frame["id"] = np.arange(len(frame))
    monkeypatch.setattr(_metrics, "MAX_ENGINE_ROWS", 100)
    error, text = message_of(
        group_metrics, "y", "pred", sensitive_features="id", data=engine(frame)
    )
    assert error is MlkitValueError
    assert re.match(r"'sensitive_features', 'y_true' and 'y_pred' of 'data'", text)
    assert "more than 100 combinations" in text
    assert "\nHint: " in text
