"""The slice explorer over find_weak_slices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import WeakSlices, find_weak_slices
from mlkit.widgets import SliceExplorer


def _data(n: int = 4000, seed: int = 0):
    """Features with a weak pair (web and free), a date, labels and predictions."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "device": rng.choice(["ios", "android", "web"], n),
            "plan": rng.choice(["free", "pro"], n),
            "age": rng.integers(18, 80, n),
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )
    bad = ((df["device"] == "web") & (df["plan"] == "free")).to_numpy()
    score = np.clip(rng.beta(2, 2, n) + np.where(bad, 0.15, 0.0), 0, 1)
    y = (rng.uniform(size=n) < np.where(bad, 0.5, score)).astype(int)
    pred = (score >= 0.5).astype(int)
    return df, y, pred, score


def _same(a: WeakSlices, b: WeakSlices) -> None:
    pd.testing.assert_frame_equal(a.all, b.all)
    assert (a.metric, a.columns, a.min_support) == (b.metric, b.columns, b.min_support)


def test_defaults_search_every_column_that_can_be_sliced():
    df, y, pred, _ = _data()
    explorer = SliceExplorer(df, y, pred)
    assert explorer.controls["columns"].options == ("device", "plan", "age")
    assert explorer.values == {
        "columns": ("device", "plan", "age"),
        "min_support": 0.02,
        "max_features": 2,
        "metric": "error_rate",
    }
    assert explorer.controls["metric"].options == ("error_rate", "accuracy")
    _same(explorer.result, find_weak_slices(df, y, pred))
    assert explorer.result.to_frame().loc[0, "description"] == (
        "device == 'web' & plan == 'free'"
    )


def test_update_equals_the_pure_function():
    df, y, pred, score = _data(seed=1)
    explorer = SliceExplorer(df, y, pred, y_score=score, columns=["device", "age"])
    assert explorer.values["columns"] == ("device", "age")
    assert explorer.controls["columns"].options == ("device", "plan", "age")
    assert explorer.controls["metric"].options == (
        "error_rate",
        "accuracy",
        "log_loss",
        "brier",
    )
    result = explorer.update(
        columns=["plan", "device"], min_support=0.1, max_features=1, metric="brier"
    )
    assert result is explorer.result
    expected = find_weak_slices(
        df,
        y,
        pred,
        columns=["plan", "device"],
        min_support=0.1,
        max_features=1,
        metric="brier",
        y_score=score,
    )
    _same(result, expected)
    assert (result.all["n_features"] == 1).all()
    assert result.all["support"].min() >= 0.1
    # Back to a metric of the predicted classes: y_score is left out.
    _same(
        explorer.update(metric="accuracy"),
        find_weak_slices(
            df,
            y,
            pred,
            columns=["plan", "device"],
            min_support=0.1,
            max_features=1,
            metric="accuracy",
        ),
    )


def test_scores_alone_and_regression_get_their_metrics():
    df, y, _, score = _data(seed=2)
    scores_only = SliceExplorer(df, y, None, y_score=score, metric="log_loss")
    assert scores_only.controls["metric"].options == ("log_loss", "brier")
    _same(
        scores_only.result,
        find_weak_slices(df, y, None, metric="log_loss", y_score=score),
    )
    truth = df["age"] * 10.0
    guess = truth + np.where(df["device"] == "web", 30.0, 0.0) + score
    regression = SliceExplorer(df, truth, guess, metric="mae", columns="device")
    assert regression.controls["metric"].options == ("mae", "squared_error", "bias")
    _same(
        regression.update(metric="bias"),
        find_weak_slices(df, truth, guess, metric="bias", columns=["device"]),
    )


def test_the_status_line_names_the_weakest_slice_against_overall():
    df, y, pred, _ = _data(seed=3)
    explorer = SliceExplorer(df, y, pred)
    top = explorer.result.to_frame().iloc[0]
    overall = np.mean(y != pred)
    status = explorer._status(explorer.result)
    assert top["description"] in status
    assert f"error_rate {top['error_rate_in']:.3g} on {top['count']:,} rows" in status
    assert f"against {overall:.3g} overall" in status
    calm = explorer.update(columns=["age"])
    assert explorer._status(calm).startswith("No weak slice for error_rate")


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"columns": []}, MlkitValueError, "'columns' must be a non-empty selection"),
        ({"columns": ["when"]}, MlkitValueError, "['when'] are not among them"),
        ({"min_support": 0.5}, MlkitValueError, "'min_support' must be between"),
        ({"min_support": "a"}, MlkitTypeError, "'min_support' must be a number"),
        ({"max_features": 3}, MlkitValueError, "'max_features' must be between 1"),
        ({"metric": "log_loss"}, MlkitValueError, "'metric' must be one of"),
    ],
)
def test_bad_control_values_change_nothing(values, error, message):
    df, y, pred, _ = _data(seed=4)
    explorer = SliceExplorer(df, y, pred, max_features=1)
    kept, settings = explorer.result, explorer.values
    with pytest.raises(error, match="Hint:") as raised:
        explorer.update(**values)
    assert message in str(raised.value)
    assert explorer.result is kept
    assert explorer.values == settings


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"df": "table"}, MlkitTypeError, "'df' must be a pandas DataFrame"),
        ({"y_true": [0, 1]}, MlkitValueError, "'y_true' has 2 values"),
        ({"y_pred": [0, 1]}, MlkitValueError, "'y_pred' has 2 values"),
        ({"metric": "log_loss"}, MlkitValueError, "needs 'y_score'"),
        ({"metric": "f1"}, MlkitValueError, "'metric' must be one of"),
        ({"columns": ["devise"]}, MlkitValueError, "did you mean 'device'?"),
        ({"columns": ["when"]}, MlkitValueError, "got 'when', a column of datetime64"),
        ({"min_support": 0.5}, MlkitValueError, "'min_support' must be between"),
        ({"max_features": 3}, MlkitValueError, "'max_features' must be between"),
        ({"bins": 1}, MlkitValueError, "'bins' must be an integer of at least 2"),
        ({"y_score": [2.0] * 4000}, MlkitValueError, "'y_score' must be probabilities"),
        (
            {"metric": "mae", "y_score": [0.5] * 4000},
            MlkitValueError,
            "'y_score' is only used by log_loss and brier",
        ),
    ],
)
def test_bad_constructor_input_is_refused(change, error, message):
    df, y, pred, _ = _data(seed=5)
    arguments = {"df": df, "y_true": y, "y_pred": pred, **change}
    with pytest.raises(error, match="Hint:") as raised:
        SliceExplorer(
            arguments.pop("df"),
            arguments.pop("y_true"),
            arguments.pop("y_pred"),
            **arguments,
        )
    assert message in str(raised.value)


def test_the_explorer_keeps_its_own_copy():
    df, y, pred, _ = _data(seed=6)
    frame, labels = df.copy(), pd.Series(y)
    explorer = SliceExplorer(frame, labels, pred)
    pd.testing.assert_frame_equal(frame, df)  # not modified
    first = explorer.result
    frame["device"] = "web"  # later changes of the caller's data change nothing
    labels.iloc[:] = 1
    _same(explorer.update(min_support=0.02), first)


def test_static_fallback_and_widget():
    df, y, pred, _ = _data(seed=7)
    explorer = SliceExplorer(df, y, pred)
    bundle = explorer._repr_mimebundle_()
    assert "<table" in bundle["text/html"]
    assert "mlkit-chart" in bundle["text/html"]
    explorer.widget()
    # What a click does: one feature per slice only.
    explorer._inputs["max_features"].value = 1
    assert explorer.values["max_features"] == 1
    assert (explorer.result.all["n_features"] == 1).all()
    assert "weak slice(s)" in explorer._status_html.value
    explorer._inputs["columns"].value = ("plan",)
    assert explorer.result.columns == ("plan",)
    # An empty selection is explained in the status line, not raised.
    kept = explorer.result
    explorer._inputs["columns"].value = ()
    assert "non-empty selection" in explorer._status_html.value
    assert "Hint:" in explorer._status_html.value
    assert explorer.result is kept
    assert explorer.values["columns"] == ("plan",)
    explorer.update(metric="accuracy")  # code moves the controls
    assert explorer._inputs["metric"].value == "accuracy"
