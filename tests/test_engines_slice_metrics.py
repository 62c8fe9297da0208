"""slice_metrics on tables of polars, pyarrow, DuckDB and Dask: the pandas numbers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import slice_metrics
from mlkit.evaluation._slices import CELL_METRICS, MISSING
from tests._engine_tables import ENGINES, on_engine

RTOL = 1e-9


def assert_same(got, expected) -> None:
    """Every number of two results: counts exactly, metrics within RTOL."""
    assert got.metrics == expected.metrics
    assert got.columns == expected.columns
    assert (got.n_rows, got.n_hidden) == (expected.n_rows, expected.n_hidden)
    assert (got.confidence, got.n_bootstrap) == (
        expected.confidence,
        expected.n_bootstrap,
    )
    a, b = got.by_slice, expected.by_slice
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for column in got.columns:
        assert a[column].tolist() == b[column].tolist(), column
    assert a["count"].dtype == np.int64
    np.testing.assert_array_equal(a["count"].to_numpy(), b["count"].to_numpy())
    numbers = [c for c in a.columns if c not in (*got.columns, "count")]
    np.testing.assert_allclose(
        a[numbers].to_numpy(float), b[numbers].to_numpy(float), rtol=RTOL, atol=0
    )
    assert list(got.overall.index) == list(expected.overall.index)
    np.testing.assert_allclose(got.overall, expected.overall, rtol=RTOL, atol=0)


def log(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """A prediction log with text, number and missing slice values."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    region = np.where(rng.random(n) < 0.05, None, region).astype(object)
    tier = rng.integers(1, 4, n)
    label = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(region == "north", 0.3, 0.15)
    pred = np.where(wrong, 1 - label, label)
    classes = np.array(["cat", "dog", "fox"])
    animal = classes[rng.integers(0, 3, n)]
    guess = np.where(rng.random(n) < 0.7, animal, classes[rng.integers(0, 3, n)])
    # A label predicted but never true: "owl".
    guess = np.where(rng.random(n) < 0.03, "owl", guess)
    truth = rng.normal(50, 10, n)
    return pd.DataFrame(
        {
            "region": region,
            "tier": tier,
            "label": label,
            "pred": pred,
            "flag": label.astype(bool),
            "flag_pred": pred.astype(bool),
            "answer": np.where(label == 1, "yes", "no"),
            "answer_pred": np.where(pred == 1, "yes", "no"),
            "animal": animal,
            "guess": guess,
            "score": rng.random(n),
            "truth": truth,
            "estimate": truth + rng.normal(1, 5, n),
            "count_truth": rng.integers(0, 20, n),
            "level": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 3, n)),
        }
    )


CASES = {
    "binary, every cell metric": dict(
        y_true="label", y_pred="pred", slices="region", metrics=list(CELL_METRICS)
    ),
    "text labels, two slice columns, min_count": dict(
        y_true="answer",
        y_pred="answer_pred",
        slices=["region", "tier"],
        metrics=["precision", "recall", "f1"],
        positive_label="yes",
        min_count=80,
    ),
    "booleans, a slice column with missing numbers": dict(
        y_true="flag",
        y_pred="flag_pred",
        slices=["level"],
        metrics=["fpr", "positive_rate"],
        confidence=0.8,
    ),
    "three classes and one never true, sliced by the label": dict(
        y_true="animal",
        y_pred="guess",
        slices=["animal", "region"],
        metrics=["accuracy", "error_rate"],
    ),
    "positive label never predicted in a slice": dict(
        y_true="animal",
        y_pred="guess",
        slices="tier",
        metrics=["recall", "accuracy"],
        positive_label="owl",
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", list(CASES))
def test_cell_metrics_equal_pandas(engine, case):
    df = log()
    kwargs = dict(CASES[case], n_bootstrap=300, random_state=7)
    expected = slice_metrics(data=df, **kwargs)
    got = slice_metrics(data=on_engine(df, engine), **kwargs)
    assert_same(got, expected)
    # The intervals are drawn from the same cells with the same seed.
    assert np.isfinite(got.by_slice.filter(like="_low").to_numpy(float)).any()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [1, 2])
def test_cell_metrics_equal_pandas_with_a_generator(engine, seed):
    df = log(500, seed)
    kwargs = dict(
        y_true="label", y_pred="pred", slices=["region", "tier"], metrics="f1"
    )
    expected = slice_metrics(
        data=df, random_state=np.random.default_rng(seed), **kwargs
    )
    got = slice_metrics(
        data=on_engine(df, engine), random_state=np.random.default_rng(seed), **kwargs
    )
    assert_same(got, expected)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("n", "seed"), [(1, 0), (6, 1), (6, 2), (25, 3), (25, 4)])
def test_small_tables_equal_pandas(engine, n, seed):
    # Slices of one row and of one class, where metrics and draws are undefined.
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "part": rng.choice(np.array(["x", "y", None], dtype=object), n),
            "label": rng.integers(0, 2, n),
            "pred": rng.integers(0, 2, n),
            "truth": rng.normal(0, 1, n),
        }
    )
    for kwargs in [
        dict(y_true="label", y_pred="pred", metrics=list(CELL_METRICS)),
        dict(y_true="label", y_pred="label", metrics=["f1", "fpr"]),
        dict(y_true="truth", y_pred="label", metrics=["rmse", "bias"], n_bootstrap=0),
    ]:
        kwargs = dict(dict(n_bootstrap=50, random_state=seed), **kwargs)
        expected = slice_metrics(slices=["part", "label"], data=df, **kwargs)
        got = slice_metrics(
            slices=["part", "label"], data=on_engine(df, engine), **kwargs
        )
        assert_same(got, expected)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("y_true", "y_pred", "scale"),
    [
        ("truth", "estimate", 1.0),
        ("count_truth", "tier", 1.0),  # integers
        ("truth", "estimate", 1e200),  # summed again, scaled
        ("truth", "estimate", 1e-250),
        ("count_truth", "tier", 5e-324),  # subnormal: scaled by two factors
    ],
)
def test_regression_metrics_equal_pandas(engine, y_true, y_pred, scale):
    df = log()
    if scale != 1.0:
        df[[y_true, y_pred]] *= scale
    kwargs = dict(
        y_true=y_true,
        y_pred=y_pred,
        slices=["region", "level"],
        metrics=["mae", "rmse", "bias"],
        n_bootstrap=0,
        min_count=20,
    )
    expected = slice_metrics(data=df, **kwargs)
    got = slice_metrics(data=on_engine(df, engine), **kwargs)
    assert_same(got, expected)
    assert got.n_hidden > 0
    assert got.by_slice["mae"].gt(0).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_slice_values_are_one_slice(engine):
    df = log(400)
    got = slice_metrics(
        "label", "pred", slices="region", data=on_engine(df, engine), n_bootstrap=0
    )
    assert got.by_slice["region"].tolist() == [
        "east",
        "north",
        "south",
        "west",
        MISSING,
    ]
    assert got.by_slice["count"].sum() == 400


@pytest.mark.parametrize("engine", ENGINES)
def test_categories_keep_their_order(engine):
    df = log(600)
    df["size"] = pd.Categorical(
        np.array(["small", "medium", "large"])[df["tier"] - 1],
        categories=["small", "medium", "large"],
    )
    kwargs = dict(y_true="label", y_pred="pred", slices="size", random_state=0)
    got = slice_metrics(data=on_engine(df, engine), **kwargs)
    if engine.startswith("polars"):
        # A polars Categorical has no order of its own: sorted as text.
        expected = slice_metrics(data=df.astype({"size": object}), **kwargs)
        assert got.by_slice["size"].tolist() == ["large", "medium", "small"]
    else:
        expected = slice_metrics(data=df, **kwargs)
        assert got.by_slice["size"].tolist() == ["small", "medium", "large"]
    assert_same(got, expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_callers_table_is_unchanged(engine):
    df = log(300)
    table = on_engine(df, engine)
    before = pl.from_pandas(df)
    slice_metrics(
        "truth",
        "estimate",
        slices="region",
        metrics="mae",
        n_bootstrap=0,
        data=table,
    )
    slice_metrics("label", "pred", slices=["region", "tier"], data=table)
    if engine.startswith("polars"):
        after = table.collect() if engine == "polars-lazy" else table
        assert after.equals(before)
        assert after.columns == list(df.columns)
    pd.testing.assert_frame_equal(df, log(300))


def test_pandas_data_equals_the_values():
    df = log(800)
    cases = [
        dict(y_true="label", y_pred="pred", slices="region", metrics=["f1"]),
        dict(
            y_true="label",
            y_pred=None,
            slices=["region", "tier"],
            metrics=["roc_auc", "pr_auc"],
            y_score="score",
        ),
        dict(
            y_true="truth",
            y_pred="estimate",
            slices=["level"],
            metrics=["mae", "rmse"],
        ),
    ]
    for case in cases:
        kwargs = dict(n_bootstrap=100, random_state=3)
        got = slice_metrics(data=df, **case, **kwargs)
        expected = slice_metrics(
            df[case["y_true"]],
            None if case["y_pred"] is None else df[case["y_pred"]],
            slices=df[case["slices"]],  # a Series for a name, else a frame
            y_score=df[case["y_score"]] if "y_score" in case else None,
            metrics=case["metrics"],
            **kwargs,
        )
        pd.testing.assert_frame_equal(got.by_slice, expected.by_slice)
        pd.testing.assert_series_equal(got.overall, expected.overall)


# ------------------------------------------------------------------ refusals


def error_of(call):
    with pytest.raises((MlkitValueError, MlkitTypeError)) as info:
        call()
    return info.value


@pytest.mark.parametrize("engine", ENGINES)
def test_rank_metrics_are_refused_naming_metrics(engine):
    df = log(200)
    error = error_of(
        lambda: slice_metrics(
            "label",
            "pred",
            y_score="score",
            slices="region",
            metrics=["accuracy", "roc_auc"],
            data=on_engine(df, engine),
        )
    )
    assert isinstance(error, MlkitValueError)
    assert str(error).startswith("'metrics'")
    assert "'roc_auc'" in str(error)
    assert "\nHint: " in str(error)
    assert "pandas" in str(error)


@pytest.mark.parametrize("engine", ENGINES)
def test_regression_intervals_are_refused_naming_n_bootstrap(engine):
    df = log(200)
    error = error_of(
        lambda: slice_metrics(
            "truth",
            "estimate",
            slices="region",
            metrics="mae",
            data=on_engine(df, engine),
        )
    )
    assert isinstance(error, MlkitValueError)
    assert str(error).startswith("'n_bootstrap'")
    assert "\nHint: " in str(error)
    assert "n_bootstrap=0" in str(error)


def pandas_and_engine_errors(df, engine, **kwargs):
    """The errors of the pandas path and of the engine path on the same data."""
    return (
        error_of(lambda: slice_metrics(data=df, **kwargs)),
        error_of(lambda: slice_metrics(data=on_engine(df, engine), **kwargs)),
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_errors_on_the_aggregates_are_those_of_pandas(engine):
    df = log(300)
    cells = dict(y_true="label", y_pred="pred", slices="region")
    regression = dict(
        y_true="truth", y_pred="estimate", slices="region", metrics="mae", n_bootstrap=0
    )
    missing = df.assign(
        label=df["label"].where(df.index % 7 != 0),
        truth=df["truth"].where(df.index % 9 != 0),
    )
    infinite = df.assign(estimate=df["estimate"].where(df.index % 5 != 0, np.inf))
    huge = df.assign(truth=df["truth"] * 1e306, estimate=-df["estimate"] * 1e306)
    clash = df.rename(columns={"region": "count"})
    for frame, kwargs in [
        (missing, cells),
        (missing, regression),
        (infinite, regression),
        (huge, regression),
        (df, dict(cells, min_count=10_000)),
        (clash, dict(cells, slices="count")),
        (df, dict(cells, metrics="recall", y_true="answer", y_pred="answer_pred")),
        (df, dict(cells, metrics="recall", positive_label="none")),
        (df, dict(regression, y_true="answer")),
        (df, dict(regression, y_pred="flag")),
        (df.iloc[:0], cells),
        (df.iloc[:0], regression),
    ]:
        expected, got = pandas_and_engine_errors(frame, engine, **kwargs)
        assert type(got) is type(expected)
        assert str(got) == str(expected)
        assert "\nHint: " in str(got)


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_names_and_arguments_name_the_argument(engine):
    table = on_engine(log(100), engine)
    for kwargs, argument in [
        (dict(y_true="labl", y_pred="pred", slices="region"), "'y_true'"),
        (dict(y_true="label", y_pred="pred", slices=["region", "tiers"]), "'slices'"),
        (dict(y_true="label", y_pred=["pred"], slices="region"), "'y_pred'"),
        (dict(y_true="label", y_pred="pred", slices=3), "'slices'"),
        (
            dict(y_true="label", y_pred="pred", slices="region", y_score="score"),
            "'y_score'",
        ),
        (dict(y_true="label", y_pred=None, slices="region"), "'y_pred'"),
        (dict(y_true=None, y_pred="pred", slices="region"), "'y_true'"),
        (dict(y_true="label", y_pred="pred", slices=None), "'slices'"),
        (
            dict(y_true="label", y_pred="pred", slices="region", min_count=0),
            "'min_count'",
        ),
    ]:
        error = error_of(lambda kwargs=kwargs: slice_metrics(data=table, **kwargs))
        assert argument in str(error), (kwargs, str(error))
        assert "\nHint: " in str(error)


def test_a_table_of_no_engine_is_refused_naming_data():
    error = error_of(
        lambda: slice_metrics("a", "b", slices="c", data={"a": [1], "b": [1]})
    )
    assert isinstance(error, MlkitTypeError)
    assert "'data'" in str(error)
    assert "\nHint: " in str(error)


def test_importing_mlkit_imports_no_engine():
    code = (
        "import sys, mlkit, mlkit.evaluation; "
        "print([m for m in ('narwhals', 'polars', 'dask', 'duckdb') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
