"""compare_reliability and the calibration explorer over it."""

from __future__ import annotations

from html import unescape

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.datasets import make_classification
from sklearn.metrics import brier_score_loss
from sklearn.naive_bayes import GaussianNB

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.calibration import (
    Reliability,
    ReliabilityComparison,
    calibrate,
    compare_reliability,
    reliability,
)
from mlkit.widgets import CalibrationExplorer


def _probabilities(n: int = 4000, seed: int = 0):
    """Labels drawn from calibrated probabilities, and two distortions of them."""
    rng = np.random.default_rng(seed)
    p = rng.beta(1.5, 2.0, n)
    y = (rng.uniform(size=n) < p).astype(int)
    return y, p**2, p, np.clip(p * 1.1, 0, 1)


def _assert_same_reliability(a: Reliability, b: Reliability) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    assert (a.ece, a.mce, a.brier, a.n_bins, a.strategy) == (
        b.ece,
        b.mce,
        b.brier,
        b.n_bins,
        b.strategy,
    )


# --------------------------------------------------------------------------- compare


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [5, 15, 50])
def test_each_side_is_reliability_and_scikit_learns_curve(n_bins, strategy):
    y, before, after, _ = _probabilities()
    result = compare_reliability(y, before, after, n_bins=n_bins, strategy=strategy)
    assert isinstance(result, ReliabilityComparison)
    for side, p in ((result.before, before), (result.after, after)):
        _assert_same_reliability(
            side, reliability(y, p, n_bins=n_bins, strategy=strategy)
        )
        prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
        np.testing.assert_allclose(side.table["observed_frequency"], prob_true)
        np.testing.assert_allclose(side.table["mean_predicted"], prob_pred)
        assert side.brier == pytest.approx(brier_score_loss(y, p), abs=1e-15)


def test_the_table_is_before_after_and_change():
    y, before, after, _ = _probabilities(seed=1)
    result = compare_reliability(y, before, after)
    table = result.to_frame()
    assert table.columns.tolist() == ["metric", "before", "after", "change"]
    assert table["metric"].tolist() == ["ece", "mce", "brier"]
    assert table["before"].tolist() == [
        result.before.ece,
        result.before.mce,
        result.before.brier,
    ]
    np.testing.assert_allclose(table["change"], table["after"] - table["before"])
    assert result.after.ece < result.before.ece


def test_multiclass_probabilities_and_text_labels():
    rng = np.random.default_rng(2)
    labels = np.array(["cat", "dog", "fox"])
    proba = rng.dirichlet([1, 1, 1], size=3000)
    truth = labels[(proba.cumsum(axis=1) < rng.uniform(size=(3000, 1))).sum(axis=1)]
    sharp = proba**2 / (proba**2).sum(axis=1, keepdims=True)
    result = compare_reliability(truth, sharp, proba, classes=labels, n_bins=10)
    _assert_same_reliability(
        result.after, reliability(truth, proba, classes=labels, n_bins=10)
    )
    assert result.to_frame()["metric"].tolist()[-1] == "classwise_ece"
    spec = result.chart().to_dict()
    assert spec["vconcat"][0]["layer"][1]["encoding"]["x"]["title"].startswith(
        "confidence"
    )


def test_chart_and_explanation_name_the_two_sets():
    y, before, after, _ = _probabilities(seed=3)
    result = compare_reliability(y, before, after, names=("raw", "isotonic"))
    spec = result.chart().to_dict()
    curves = spec["vconcat"][0]["layer"][1]
    assert curves["encoding"]["color"]["scale"]["domain"] == ["raw", "isotonic"]
    assert spec["title"]["text"].startswith("Reliability, raw and isotonic: ECE ")
    text = result.explain()
    assert f"{result.before.ece:.3f} raw and {result.after.ece:.3f} isotonic" in text
    assert "better calibrated" in text
    assert "Chapter 6" in text
    # Two sets equally calibrated: the difference is said to be noise.
    y, _, p, _ = _probabilities(seed=4)
    same = compare_reliability(y, p, np.clip(p + 0.001, 0, 1))
    assert "within what chance alone gives" in same.explain()
    html = result._repr_html_()
    assert "<table" in html
    assert "mlkit-chart" in html


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"names": ("a", "a")}, MlkitValueError, "'names' must be two different"),
        ({"names": "ab"}, MlkitValueError, "'names' must be two different"),
        ({"n_bins": 0}, MlkitValueError, "'n_bins' must be an int"),
        ({"strategy": "equal"}, MlkitValueError, "'strategy' must be one of"),
        ({"after": np.full(10, 0.5)}, MlkitValueError, "'y_true' has 4,000 values"),
        ({"after": np.full(4000, 1.5)}, MlkitValueError, "probabilities in"),
    ],
)
def test_bad_input_is_refused_with_a_hint(kwargs, error, message):
    y, before, after, _ = _probabilities()
    arguments = {"before": before, "after": after, **kwargs}
    with pytest.raises(error, match=message) as info:
        compare_reliability(
            y, arguments.pop("before"), arguments.pop("after"), **arguments
        )
    assert "\nHint: " in str(info.value)


def test_calibrate_still_shows_the_same_before_and_after():
    X, y = make_classification(3000, n_informative=6, random_state=0)
    model = GaussianNB().fit(X[:1000], y[:1000])
    result = calibrate(
        model, X[1000:2000], y[1000:2000], X_eval=X[2000:], y_eval=y[2000:]
    )
    compared = compare_reliability(
        y[2000:],
        model.predict_proba(X[2000:]),
        result.model.predict_proba(X[2000:]),
        classes=model.classes_,
        names=("before", f"after ({result.method})"),
    )
    pd.testing.assert_frame_equal(result.to_frame(), compared.to_frame())
    assert result.chart().to_dict()["vconcat"] == compared.chart().to_dict()["vconcat"]


# --------------------------------------------------------------------------- explorer


def test_update_equals_the_pure_function():
    y, before, after, _ = _probabilities(seed=5)
    explorer = CalibrationExplorer(y, before, y_prob_calibrated=after)
    assert explorer.values == {"n_bins": 15, "strategy": "uniform"}
    for n_bins, strategy in ((5, "quantile"), (50, "uniform"), (23, "quantile")):
        result = explorer.update(n_bins=n_bins, strategy=strategy)
        expected = compare_reliability(
            y, before, after, n_bins=n_bins, strategy=strategy
        )
        assert explorer.result is result
        _assert_same_reliability(result.before, expected.before)
        _assert_same_reliability(result.after, expected.after)
        assert result.names == ("before", "after")


def test_several_calibrations_get_a_method_control():
    y, before, after, other = _probabilities(seed=6)
    explorer = CalibrationExplorer(
        y, before, y_prob_calibrated={"isotonic": after, "sigmoid": other}
    )
    assert explorer.methods == ["isotonic", "sigmoid"]
    assert explorer.controls["method"].options == ("isotonic", "sigmoid")
    assert explorer.result.names == ("before", "after (isotonic)")
    result = explorer.update(method="sigmoid", n_bins=10)
    _assert_same_reliability(result.after, reliability(y, other, n_bins=10))
    assert result.names == ("before", "after (sigmoid)")
    # One calibration in a dict: named, without a control to choose it.
    single = CalibrationExplorer(y, before, y_prob_calibrated={"isotonic": after})
    assert "method" not in single.controls
    assert single.result.names == ("before", "after (isotonic)")


def test_without_calibrated_probabilities_it_shows_the_reliability():
    y, before, _, _ = _probabilities(seed=7)
    explorer = CalibrationExplorer(y, before, n_bins=8, strategy="quantile")
    assert explorer.methods == []
    assert isinstance(explorer.result, Reliability)
    _assert_same_reliability(
        explorer.result, reliability(y, before, n_bins=8, strategy="quantile")
    )
    assert explorer._status(explorer.result).startswith("8 quantile bins: ECE ")


def test_from_calibration_predicts_once_and_matches_calibrate():
    X, y = make_classification(3000, n_informative=6, random_state=1)
    model = GaussianNB().fit(X[:1000], y[:1000])
    result = calibrate(
        model,
        X[1000:2000],
        y[1000:2000],
        method="sigmoid",
        X_eval=X[2000:],
        y_eval=y[2000:],
        n_bins=12,
    )
    explorer = CalibrationExplorer.from_calibration(result, X[2000:], y[2000:])
    assert explorer.values["n_bins"] == 12
    _assert_same_reliability(explorer.result.before, result.before)
    _assert_same_reliability(explorer.result.after, result.after)
    assert explorer.result.names == ("before", "after (sigmoid)")
    with pytest.raises(MlkitTypeError, match="'calibration' must be a Calibration"):
        CalibrationExplorer.from_calibration(explorer.result, X, y)


def test_status_line():
    y, before, after, _ = _probabilities(seed=8)
    explorer = CalibrationExplorer(y, before, y_prob_calibrated=after)
    result = explorer.update(n_bins=10)
    status = explorer._status(result)
    assert status.startswith("10 uniform bins: ")
    assert f"ECE {result.before.ece:.3f} before, {result.after.ece:.3f} after" in status
    assert f"Brier {result.before.brier:.4f} before" in status


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"n_bins": 4}, MlkitValueError, "'n_bins' must be between 5 and 50"),
        ({"n_bins": 51}, MlkitValueError, "'n_bins' must be between 5 and 50"),
        ({"n_bins": 7.5}, MlkitTypeError, "'n_bins' must be a number"),
        ({"strategy": "equal"}, MlkitValueError, "'strategy' must be one of"),
        ({"method": "isotonic"}, MlkitValueError, "has no control named"),
    ],
)
def test_bad_control_values_change_nothing(values, error, message):
    y, before, after, _ = _probabilities()
    explorer = CalibrationExplorer(y, before, y_prob_calibrated=after)
    shown = explorer.result
    with pytest.raises(error, match=message) as info:
        explorer.update(**values)
    assert "\nHint: " in str(info.value)
    assert explorer.result is shown


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y_true": [0, 1]}, MlkitValueError, "'y_true' has 2 values"),
        ({"y_prob": np.full(4000, 2.0)}, MlkitValueError, "probabilities in"),
        (
            {"y_prob": np.r_[np.nan, np.full(3999, 0.5)]},
            MlkitValueError,
            "'y_prob' must hold probabilities.*missing",
        ),
        (
            {"y_prob_calibrated": np.r_[np.nan, np.full(3999, 0.5)]},
            MlkitValueError,
            "'y_prob_calibrated' must hold probabilities.*missing",
        ),
        (
            {
                "y_prob": np.full((4000, 2), 0.5),
                "y_prob_calibrated": {"isotonic": np.full((4000, 2), 0.4)},
            },
            MlkitValueError,
            "each row of 'y_prob_calibrated' must sum to 1",
        ),
        ({"y_prob": ["a"] * 4000}, MlkitTypeError, "'y_prob' must hold numbers"),
        (
            {"y_prob_calibrated": np.full(10, 0.5)},
            MlkitValueError,
            "has shape \\(10,\\)",
        ),
        ({"y_prob_calibrated": {}}, MlkitValueError, "is an empty dict"),
        (
            {"y_prob_calibrated": {3: np.full(4000, 0.5)}},
            MlkitTypeError,
            "method names",
        ),
        ({"n_bins": 100}, MlkitValueError, "'n_bins' must be between 5 and 50"),
        ({"strategy": "equal"}, MlkitValueError, "'strategy' must be one of"),
        ({"positive_label": 3}, MlkitValueError, "'positive_label' is 3"),
    ],
)
def test_bad_constructor_input_is_refused(kwargs, error, message):
    y, before, after, _ = _probabilities()
    arguments = {"y_true": y, "y_prob": before, "y_prob_calibrated": after, **kwargs}
    with pytest.raises(error, match=message) as info:
        CalibrationExplorer(
            arguments.pop("y_true"), arguments.pop("y_prob"), **arguments
        )
    assert "\nHint: " in str(info.value)


def test_the_explorer_keeps_its_own_copy():
    y, before, after, _ = _probabilities(seed=9)
    copies = y.copy(), before.copy(), after.copy()
    explorer = CalibrationExplorer(y, before, y_prob_calibrated=after)
    shown = explorer.update(n_bins=20).after.ece
    for array, copy in zip((y, before, after), copies, strict=True):
        np.testing.assert_array_equal(array, copy)
    after[:] = 0.5
    assert explorer.update(n_bins=21).after.ece != pytest.approx(0)
    assert explorer.update(n_bins=20).after.ece == shown


def test_static_fallback_and_widget():
    y, before, after, other = _probabilities(seed=10)
    explorer = CalibrationExplorer(
        y, before, y_prob_calibrated={"isotonic": after, "sigmoid": other}
    )
    bundle = explorer._repr_mimebundle_()
    assert "<table" in bundle["text/html"]
    assert "mlkit-chart" in bundle["text/html"]
    box = explorer.widget()
    assert explorer.widget() is box
    slider = explorer._inputs["n_bins"]
    assert (slider.min, slider.max, slider.step) == (5, 50, 1)
    slider.value = 30  # what moving the slider does
    assert explorer.values["n_bins"] == 30
    assert explorer.result.before.n_bins == 30
    assert "30 uniform bins: ECE" in unescape(explorer._status_html.value)
    explorer._inputs["strategy"].value = "quantile"
    assert explorer.result.after.strategy == "quantile"
    explorer._inputs["method"].value = "sigmoid"
    assert explorer.result.names[1] == "after (sigmoid)"
    # The slider clamps what it holds; a value that reaches the handler anyway
    # (typed into a front end that does not clamp) shows its error instead.
    shown = explorer.result
    explorer._on_change("n_bins")({"new": 500})
    status = unescape(explorer._status_html.value)
    assert "'n_bins' must be between 5 and 50" in status
    assert "Hint:" in status
    assert explorer.result is shown
    explorer.update(n_bins=9)  # code moves the slider
    assert slider.value == 9
