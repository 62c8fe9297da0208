"""threshold_report and the threshold explorer over it."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_score,
    recall_score,
)

import mlkit as mk
from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import (
    ThresholdReport,
    cost_threshold,
    expected_cost,
    threshold_report,
)
from mlkit.evaluation._threshold import REPORT_CURVE_POINTS
from mlkit.fairness import SmallGroupWarning, UndefinedRateWarning, group_metrics
from mlkit.widgets import ThresholdExplorer


def _data(n: int = 3000, seed: int = 0):
    """Calibrated scores, labels drawn from them, and two sensitive features."""
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "age": rng.choice(["<40", "40+"], n, p=[0.6, 0.4]),
        }
    )
    score = rng.beta(1.2, 1.8, n) ** np.where(groups["sex"] == "f", 1.3, 1.0)
    y = (rng.uniform(size=n) < score).astype(int)
    return y, score, groups


# --------------------------------------------------------------------------- report


@pytest.mark.parametrize("kind", ["list", "array", "series"])
@pytest.mark.parametrize("threshold", [0.05, 0.3, 0.5, 0.77, 0.95])
def test_rates_equal_scikit_learn(kind, threshold):
    y, score, _ = _data()
    convert = {"list": list, "array": np.asarray, "series": pd.Series}[kind]
    report = threshold_report(convert(y), convert(score), threshold=threshold)
    pred = (score >= threshold).astype(int)
    assert isinstance(report, ThresholdReport)
    np.testing.assert_array_equal(report.confusion, confusion_matrix(y, pred))
    assert report.precision == pytest.approx(precision_score(y, pred), abs=1e-15)
    assert report.recall == pytest.approx(recall_score(y, pred), abs=1e-15)
    assert report.accuracy == pytest.approx(accuracy_score(y, pred), abs=1e-15)
    tn, fp, _, _ = confusion_matrix(y, pred).ravel()
    assert report.fpr == pytest.approx(fp / (fp + tn), abs=1e-15)
    assert report.selection_rate == pytest.approx(pred.mean(), abs=1e-15)
    assert report.prevalence == pytest.approx(y.mean(), abs=1e-15)
    assert math.isnan(report.cost)
    assert math.isnan(report.cost_per_prediction)
    assert report.cost_fp is None
    assert report.groups is None


def test_text_labels_with_a_positive_label():
    y, score, _ = _data(seed=1)
    text = np.where(y == 1, "spam", "ham")
    report = threshold_report(text, score, threshold=0.4, positive_label="spam")
    pred = np.where(score >= 0.4, "spam", "ham")
    np.testing.assert_array_equal(
        report.confusion, confusion_matrix(text, pred, labels=["ham", "spam"])
    )
    assert report.precision == pytest.approx(
        precision_score(text, pred, pos_label="spam"), abs=1e-15
    )
    assert report.positive_label == "spam"


def test_cost_equals_expected_cost_and_matches_cost_threshold():
    y, score, _ = _data(seed=2)
    choice = cost_threshold(y, score, cost_fp=2, cost_fn=7)
    report = threshold_report(
        y, score, threshold=choice.threshold, cost_fp=2, cost_fn=7
    )
    pred = (score >= choice.threshold).astype(int)
    per_prediction = expected_cost(y, pred, cost_fp=2, cost_fn=7)
    assert report.cost_per_prediction == pytest.approx(per_prediction, abs=1e-15)
    assert report.cost == pytest.approx(per_prediction * len(y), rel=1e-14)
    assert report.cost == report.fp * 2 + report.fn * 7
    # The same convention as cost_threshold: flagged when score >= threshold.
    assert report.cost_per_prediction == pytest.approx(choice.cost, abs=1e-15)


def test_groups_equal_group_metrics_and_fairlearn():
    from fairlearn.metrics import (
        demographic_parity_difference,
        equalized_odds_difference,
    )

    y, score, groups = _data(seed=3)
    report = threshold_report(y, score, threshold=0.45, sensitive_features=groups)
    pred = (score >= 0.45).astype(int)
    reference = group_metrics(y, pred, sensitive_features=groups)
    pd.testing.assert_frame_equal(report.groups.by_group, reference.by_group)
    assert report.demographic_parity_difference == pytest.approx(
        demographic_parity_difference(y, pred, sensitive_features=groups), abs=1e-12
    )
    assert report.equalized_odds_difference == pytest.approx(
        equalized_odds_difference(y, pred, sensitive_features=groups), abs=1e-12
    )
    assert report.groups.to_frame().shape[0] == 4


def test_the_curve_equals_a_loop_over_its_thresholds():
    y, score, _ = _data(seed=4)
    report = threshold_report(y, score, threshold=0.5, cost_fp=1, cost_fn=3)
    curve = report.curve
    assert len(curve) == REPORT_CURVE_POINTS
    assert curve["threshold"].iloc[0] == 0
    assert curve["threshold"].iloc[-1] == 1
    for row in curve.iloc[::17].itertuples():
        pred = (score >= row.threshold).astype(int)
        assert row.flagged == pytest.approx(pred.mean(), abs=1e-15)
        assert row.recall == pytest.approx(recall_score(y, pred), abs=1e-15)
        assert row.cost == pytest.approx(
            expected_cost(y, pred, cost_fp=1, cost_fn=3), abs=1e-15
        )
        if pred.any():
            assert row.precision == pytest.approx(precision_score(y, pred), abs=1e-15)
        else:
            assert math.isnan(row.precision)
    assert curve["flagged"].is_monotonic_decreasing


def test_scores_need_not_be_probabilities():
    y, score, _ = _data(seed=5)
    margin = np.log(score / (1 - score)) * 2.5  # log-odds, beyond [0, 1]
    report = threshold_report(y, margin, threshold=-0.3)
    pred = (margin >= -0.3).astype(int)
    np.testing.assert_array_equal(report.confusion, confusion_matrix(y, pred))
    # The curve spans the scores, not [0, 1].
    assert report.curve["threshold"].iloc[0] == pytest.approx(margin.min())
    assert report.curve["threshold"].iloc[-1] == pytest.approx(margin.max())
    assert report.curve["threshold"].is_monotonic_increasing


def test_a_threshold_beyond_the_scores_flags_none_or_all_quietly():
    y, score, groups = _data(seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        above = threshold_report(y, score, threshold=5, sensitive_features=groups)
    assert (above.tp, above.fp, above.selection_rate) == (0, 0, 0.0)
    assert math.isnan(above.precision)  # no warning, unlike precision_score
    assert above.recall == 0
    assert above.fpr == 0
    assert above.groups.by_group["precision"].isna().all()
    assert above.demographic_parity_difference == 0
    assert "No row is flagged" in above.explain()
    below = threshold_report(y, score, threshold=-5)
    assert (below.fn, below.tn, below.selection_rate) == (0, 0, 1.0)
    assert below.recall == 1
    assert below.fpr == 1
    assert below.precision == pytest.approx(y.mean())
    assert "Every row is flagged" in below.explain()


def test_warnings_about_the_groups_themselves_are_passed_on():
    y, score, groups = _data(seed=7)
    only_negatives = np.where(groups["sex"] == "f", 0, y)
    with pytest.warns(UndefinedRateWarning, match="no positive row"):
        threshold_report(
            only_negatives, score, threshold=0.5, sensitive_features=groups
        )
    with pytest.warns(SmallGroupWarning, match="too small"):
        threshold_report(
            y, score, threshold=0.5, sensitive_features=groups, min_group_size=1000
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y_true": [1, 1, 1]}, MlkitValueError, "'y_true' holds a single class"),
        ({"y_true": [0, 1, 2]}, MlkitValueError, "'y_true' must hold two classes"),
        ({"y_true": [0, 1]}, MlkitValueError, "'y_score' has 3 values"),
        ({"y_score": ["a", "b", "c"]}, MlkitTypeError, "'y_score' must hold numbers"),
        ({"y_score": [0.1, np.nan, 0.3]}, MlkitValueError, "finite numbers; got 1"),
        ({"y_score": [0.1, np.inf, 0.3]}, MlkitValueError, "finite numbers; got 1"),
        ({"threshold": "0.5"}, MlkitTypeError, "'threshold' must be a number in (-inf"),
        ({"threshold": True}, MlkitTypeError, "'threshold' must be a number in (-inf"),
        ({"threshold": np.nan}, MlkitValueError, "'threshold' must be a number in"),
        ({"cost_fp": 1}, MlkitValueError, "'cost_fp' is given but 'cost_fn' is not"),
        ({"cost_fn": 1}, MlkitValueError, "'cost_fn' is given but 'cost_fp' is not"),
        (
            {"cost_fp": 0, "cost_fn": 1},
            MlkitValueError,
            "'cost_fp' must be a number in",
        ),
        (
            {"cost_fp": 1, "cost_fn": "a"},
            MlkitTypeError,
            "'cost_fn' must be a number in",
        ),
        ({"positive_label": "yes"}, MlkitValueError, "'positive_label' is 'yes'"),
        (
            {"sensitive_features": ["a", "b"]},
            MlkitValueError,
            "'sensitive_features' has 2 rows",
        ),
    ],
)
def test_bad_input_is_refused_with_a_hint(kwargs, error, message):
    arguments = {"y_true": [0, 1, 1], "y_score": [0.2, 0.6, 0.9], "threshold": 0.5}
    arguments.update(kwargs)
    y_true, y_score = arguments.pop("y_true"), arguments.pop("y_score")
    with pytest.raises(error, match="Hint:") as raised:
        threshold_report(y_true, y_score, **arguments)
    assert message in str(raised.value)


def test_the_callers_data_are_not_modified():
    y, score, groups = _data(seed=8)
    series, frame = pd.Series(score), groups.copy()
    y_before, score_before = y.copy(), series.copy()
    threshold_report(y, series, threshold=0.5, sensitive_features=frame)
    np.testing.assert_array_equal(y, y_before)
    pd.testing.assert_series_equal(series, score_before)
    pd.testing.assert_frame_equal(frame, groups)


def test_table_chart_and_explanation():
    y, score, groups = _data(seed=9)
    report = threshold_report(
        y, score, threshold=0.4, cost_fp=1, cost_fn=4, sensitive_features=groups
    )
    frame = report.to_frame()
    assert list(frame.columns) == ["metric", "value"]
    values = frame.set_index("metric")["value"]
    assert values["tp"] == report.tp
    assert values["cost"] == report.cost
    assert values["equalized_odds_difference"] == report.equalized_odds_difference
    spec = report.chart().to_dict()
    assert len(spec["vconcat"]) == 2  # the confusion and the curve, then the groups
    confusion, curve = spec["vconcat"][0]["hconcat"]
    assert [layer["mark"]["type"] for layer in confusion["layer"]] == ["rect", "text"]
    assert [layer["mark"]["type"] for layer in curve["layer"]] == ["line", "rule"]
    assert curve["layer"][0]["encoding"]["y"]["title"] == "expected cost per prediction"
    assert len(spec["vconcat"][1]["hconcat"]) == 3
    # Aggregated: no row-level data in the spec.
    assert all(
        len(rows) <= REPORT_CURVE_POINTS * 2 for rows in spec["datasets"].values()
    )
    text = report.explain()
    assert f"{report.tp + report.fp:,} of {len(y):,} rows" in text
    assert "equalized odds difference" in text
    assert "chapter 6" in text
    html = report._repr_html_()
    assert "<table" in html
    assert "mlkit-chart" in html
    assert repr(report).startswith("<ThresholdReport: At threshold 0.4 the model flags")


def test_without_costs_or_groups_the_table_and_chart_say_less():
    y, score, _ = _data(seed=10)
    report = threshold_report(y, score, threshold=0.6)
    assert report.to_frame()["metric"].tolist()[-4:] == [
        "cost",
        "cost_per_prediction",
        "demographic_parity_difference",
        "equalized_odds_difference",
    ]
    shown = report._display_frame()["metric"].tolist()
    assert "cost" not in shown
    assert "equalized_odds_difference" not in shown
    spec = report.chart().to_dict()
    assert len(spec["vconcat"]) == 1
    curve = spec["vconcat"][0]["hconcat"][1]
    assert curve["layer"][0]["encoding"]["y"]["title"] == "precision, recall"


# --------------------------------------------------------------------------- explorer


def test_the_explorer_starts_at_the_least_cost_threshold():
    y, score, _ = _data(seed=11)
    explorer = ThresholdExplorer(y, score, cost_fp=1, cost_fn=5)
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=5)
    assert explorer.values["threshold"] == choice.threshold
    assert explorer.result.cost_per_prediction == pytest.approx(choice.cost)
    control = explorer.controls["threshold"]
    assert (control.low, control.high, control.step) == (0.0, 1.0, 0.01)
    assert ThresholdExplorer(y, score).values["threshold"] == 0.5
    assert ThresholdExplorer(y, score, threshold=0.3).values["threshold"] == 0.3


def test_scores_that_are_not_probabilities_get_their_own_slider():
    y, score, _ = _data(seed=12)
    margin = np.log(score / (1 - score))
    explorer = ThresholdExplorer(y, margin)
    control = explorer.controls["threshold"]
    assert control.low <= margin.min()
    assert control.high >= margin.max()
    assert control.high - control.low <= 1.1 * (margin.max() - margin.min()) + 0.1
    assert 50 <= (control.high - control.low) / control.step <= 1000
    assert explorer.values["threshold"] == pytest.approx(
        (control.low + control.high) / 2
    )
    costed = ThresholdExplorer(y, margin, cost_fp=1, cost_fn=4)
    curve = costed.result.curve
    assert costed.result.cost_per_prediction == pytest.approx(curve["cost"].min())


def test_update_equals_the_pure_function():
    y, score, groups = _data(seed=13)
    text = np.where(y == 1, "fraud", "ok")
    explorer = ThresholdExplorer(
        text,
        score,
        cost_fp=5,
        cost_fn=100,
        positive_label="fraud",
        sensitive_features=groups,
    )
    before = explorer.result
    report = explorer.update(threshold=0.62)
    assert report is explorer.result
    assert report is not before
    expected = threshold_report(
        text,
        score,
        threshold=0.62,
        cost_fp=5,
        cost_fn=100,
        positive_label="fraud",
        sensitive_features=groups,
    )
    np.testing.assert_array_equal(report.confusion, expected.confusion)
    assert report.cost == expected.cost
    pd.testing.assert_frame_equal(report.curve, expected.curve)
    pd.testing.assert_frame_equal(report.groups.by_group, expected.groups.by_group)
    assert report.equalized_odds_difference == expected.equalized_odds_difference
    status = explorer._status(report)
    assert status.startswith("threshold 0.62: flags ")
    assert f"cost {report.cost:,.6g} (" in status
    assert "largest gap: " in status


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (1.5, MlkitValueError, "'threshold' must be between 0.0 and 1.0; got 1.5"),
        ("high", MlkitTypeError, "'threshold' must be a number"),
    ],
)
def test_bad_control_values_change_nothing(value, error, message):
    y, score, _ = _data(seed=14)
    explorer = ThresholdExplorer(y, score)
    kept = explorer.result
    with pytest.raises(error, match="Hint:") as raised:
        explorer.update(threshold=value)
    assert message in str(raised.value)
    assert explorer.result is kept
    assert explorer.values == {"threshold": 0.5}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y_score": ["a"] * 6}, MlkitTypeError, "'y_score' must hold numbers"),
        ({"y_score": [0.1] * 5}, MlkitValueError, "'y_score' has 5 values"),
        ({"y_true": [1] * 6}, MlkitValueError, "'y_true' holds a single class"),
        ({"cost_fp": 1}, MlkitValueError, "'cost_fp' is given but 'cost_fn' is not"),
        ({"cost_fp": -1, "cost_fn": 1}, MlkitValueError, "'cost_fp' must be"),
        ({"threshold": 2.0}, MlkitValueError, "'threshold' must be between"),
        ({"sensitive_features": ["a"] * 5}, MlkitValueError, "'sensitive_features'"),
    ],
)
def test_bad_constructor_input_is_refused(kwargs, error, message):
    arguments = {
        "y_true": [0, 1, 0, 1, 1, 0],
        "y_score": [0.1, 0.8, 0.3, 0.6, 0.9, 0.4],
    }
    arguments.update(kwargs)
    y_true, y_score = arguments.pop("y_true"), arguments.pop("y_score")
    with pytest.raises(error, match="Hint:") as raised:
        ThresholdExplorer(y_true, y_score, **arguments)
    assert message in str(raised.value)


def test_the_explorer_keeps_its_own_copy():
    y, score, groups = _data(seed=15)
    series = pd.Series(score)
    frame = groups.copy()
    explorer = ThresholdExplorer(y, series, sensitive_features=frame)
    pd.testing.assert_frame_equal(frame, groups)  # not modified
    first = explorer.result
    series.iloc[:] = 0.0  # later changes of the caller's data change nothing
    frame.iloc[:, 0] = "x"
    again = explorer.update(threshold=0.5)
    np.testing.assert_array_equal(again.confusion, first.confusion)
    pd.testing.assert_frame_equal(again.groups.by_group, first.groups.by_group)


def test_group_warnings_are_said_once():
    y, score, groups = _data(seed=16)
    with pytest.warns(SmallGroupWarning):
        explorer = ThresholdExplorer(
            y,
            score,
            sensitive_features=groups["sex"]
            .iloc[:3000]
            .where(np.arange(3000) > 20, "rare"),
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.update(threshold=0.99)
        explorer.update(threshold=0.2)


def test_static_fallback_and_widget():
    y, score, groups = _data(seed=17)
    explorer = ThresholdExplorer(
        y, score, cost_fp=1, cost_fn=4, sensitive_features=groups, unit="USD"
    )
    bundle = explorer._repr_mimebundle_()
    assert "<table" in bundle["text/html"]
    assert "mlkit-chart" in bundle["text/html"]
    box = explorer.widget()
    assert explorer.widget() is box
    slider = explorer._inputs["threshold"]
    assert (slider.min, slider.max, slider.step) == (0.0, 1.0, 0.01)
    slider.value = 0.7  # what moving the slider does
    assert explorer.values["threshold"] == 0.7
    assert explorer.result.threshold == 0.7
    assert "threshold 0.7: " in explorer._status_html.value
    assert " USD (" in explorer._status_html.value
    # The slider holds no bad value: ipywidgets clamps it to its range.
    slider.value = 3.0
    assert explorer.values["threshold"] == 1.0
    explorer.update(threshold=0.25)  # code moves the slider
    assert slider.value == 0.25


def test_from_case_takes_the_costs_of_the_case():
    case = mk.cases.load("fraud")
    y, score, _ = _data(seed=18)
    explorer = ThresholdExplorer.from_case(case, y, score)
    assert (explorer.result.cost_fp, explorer.result.cost_fn) == (5.0, 100.0)
    assert explorer.unit == "USD"
    choice = cost_threshold(y, score, **case.spec.costs.as_kwargs())
    assert explorer.values["threshold"] == choice.threshold
    with pytest.raises(MlkitValueError, match="'case' must be a binary case"):
        ThresholdExplorer.from_case(mk.cases.load("bikes"), y, score)
