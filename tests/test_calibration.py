"""Tests for mlkit.calibration: reliability (ECE, MCE, Brier) and recalibration."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.calibration import (
    METHODS,
    MIN_PER_CLASS,
    STRATEGIES,
    Calibration,
    Reliability,
    _bin_index,
    calibrate,
    reliability,
)

COLUMNS = ["bin", "lower", "upper", "count", "mean_predicted", "observed_frequency"]


def simulated(n=20_000, *, seed=0, distortion=1.0, a=1.0, b=1.0):
    """Binary outcomes drawn from true probabilities, and a model's distorted ones.

    The model's logit is the true logit times ``distortion``: 1 is calibrated,
    above 1 over-confident, below 1 under-confident.
    """
    rng = np.random.default_rng(seed)
    truth = rng.beta(a, b, size=n)
    y = (rng.uniform(size=n) < truth).astype(int)
    logit = np.log(truth) - np.log1p(-truth)
    return y, 1 / (1 + np.exp(-distortion * logit))


def reference_ece(y, p, n_bins, strategy):
    """ECE and MCE by a loop over the bins, from calibration_curve's edges."""
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    total, gaps = 0.0, []
    for i in range(n_bins):
        if i == 0:
            inside = p <= edges[1] if n_bins > 1 else np.ones(len(p), bool)
        elif i == n_bins - 1:
            inside = p > edges[i]
        else:
            inside = (p > edges[i]) & (p <= edges[i + 1])
        if inside.any():
            gap = abs(y[inside].mean() - p[inside].mean())
            total += inside.sum() * gap
            gaps.append(gap)
    return total / len(p), max(gaps)


def as_type(values, kind):
    if kind == "list":
        return np.asarray(values).tolist()
    if kind == "series":
        return pd.Series(values, index=np.arange(len(values)) * 3 + 7)
    return np.asarray(values)


# --------------------------------------------------------------------------- binary


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("n_bins", [1, 2, 5, 10, 15, 40])
@pytest.mark.parametrize("kind", ["list", "array", "series"])
def test_bins_equal_calibration_curve_and_brier_equals_sklearn(strategy, n_bins, kind):
    y, p = simulated(3_000, seed=n_bins, distortion=2.0, a=0.4, b=0.6)
    result = reliability(
        as_type(y, kind), as_type(p, kind), n_bins=n_bins, strategy=strategy
    )
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    table = result.to_frame()
    assert list(table.columns) == COLUMNS
    np.testing.assert_array_equal(table["observed_frequency"], prob_true)
    np.testing.assert_array_equal(table["mean_predicted"], prob_pred)
    assert table["count"].sum() == len(y)
    assert result.brier == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    ece, mce = reference_ece(y, p, n_bins, strategy)
    assert result.ece == pytest.approx(ece, rel=1e-12)
    assert result.mce == pytest.approx(mce, rel=1e-12)
    assert result.n_samples == len(y)
    assert not result.multiclass
    assert np.isnan(result.classwise_ece)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_empty_bins_are_left_out_as_calibration_curve_does(strategy):
    # Probabilities on a few values, many of them on bin edges: uniform bins are
    # mostly empty and quantile edges repeat.
    rng = np.random.default_rng(3)
    p = rng.choice(
        [0.0, 0.1, 0.2, 0.25, 0.5, 0.9, 1.0], size=2_000, p=[0.3] + [0.7 / 6] * 6
    )
    y = rng.uniform(size=2_000) < p
    result = reliability(y, p, n_bins=20, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=20, strategy=strategy)
    assert len(result.table) == len(prob_true) < 20
    np.testing.assert_array_equal(result.table["observed_frequency"], prob_true)
    np.testing.assert_array_equal(result.table["mean_predicted"], prob_pred)
    assert (result.table["count"] > 0).all()
    assert result.table["bin"].is_monotonic_increasing
    # Each row lies in its bin: the first is closed on both sides, the others on the right.
    for row in result.table.itertuples():
        # (the mean of equal values carries rounding, hence the margin)
        assert row.lower - 1e-12 <= row.mean_predicted <= row.upper + 1e-12


def test_bin_index_is_searchsorted_on_and_around_every_edge():
    rng = np.random.default_rng(0)
    for n_bins in [1, 2, 3, 7, 10, 15, 49, 100, 1000]:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        on = rng.choice(edges, 3_000)
        p = np.concatenate(
            [
                rng.uniform(size=3_000),
                on,
                np.nextafter(on, 2.0),
                np.nextafter(on, -1.0),
                (np.arange(n_bins + 1) / n_bins),
            ]
        ).clip(0, 1)
        expected = np.searchsorted(edges[1:-1], p)
        np.testing.assert_array_equal(_bin_index(p, edges, True), expected)


def test_uniform_bins_span_zero_to_one_and_quantile_bins_the_data():
    y, p = simulated(5_000, seed=1, a=2, b=5)
    uniform = reliability(y, p, n_bins=10)
    assert uniform.table["upper"].iloc[-1] <= 1.0
    np.testing.assert_allclose(uniform.table["upper"] - uniform.table["lower"], 0.1)
    quantile = reliability(y, p, n_bins=10, strategy="quantile")
    assert quantile.table["lower"].iloc[0] == p.min()
    assert quantile.table["upper"].iloc[-1] == p.max()
    assert quantile.table["count"].between(499, 501).all()


def test_a_calibrated_model_has_an_ece_near_zero_and_says_so():
    y, p = simulated(200_000, seed=2)
    result = reliability(y, p)
    assert result.ece < 0.005
    assert result.mce < 0.02
    assert "taken at their word" in result.explain()
    assert "miscalibrated" not in result.explain()


def test_an_over_confident_model_has_a_large_ece_and_is_called_over_confident():
    y, p = simulated(50_000, seed=3, distortion=3.0)
    result = reliability(y, p)
    assert result.ece > 0.1
    assert result.mce >= result.ece
    text = result.explain()
    assert "badly miscalibrated, over-confident" in text
    assert "calibrate" in text
    assert "Chapter 6" in text


def test_an_under_confident_model_is_called_under_confident():
    y, p = simulated(50_000, seed=4, distortion=0.4)
    result = reliability(y, p)
    assert result.ece > 0.05
    assert "under-confident" in result.explain()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_results_do_not_depend_on_the_order_of_rows(strategy):
    y, p = simulated(4_000, seed=5, distortion=1.7)
    order = np.random.default_rng(0).permutation(len(y))
    a = reliability(y, p, strategy=strategy)
    b = reliability(y[order], p[order], strategy=strategy)
    pd.testing.assert_frame_equal(a.table, b.table, rtol=1e-12)
    assert b.ece == pytest.approx(a.ece, rel=1e-12)
    assert b.brier == pytest.approx(a.brier, rel=1e-12)
    assert 0 <= a.ece <= a.mce <= 1
    assert 0 <= a.brier <= 1


def test_labels_and_the_positive_label():
    y, p = simulated(3_000, seed=6, distortion=1.5)
    base = reliability(y, p)
    words = np.where(y == 1, "spam", "ham")
    as_words = reliability(words, p, positive_label="spam")
    assert as_words.ece == base.ece
    assert as_words.positive_label == "spam"
    assert as_words.classes == ("ham", "spam")
    booleans = reliability(y.astype(bool), p)
    assert booleans.ece == base.ece
    assert booleans.positive_label is True
    signs = reliability(np.where(y == 1, 1, -1), p)
    assert signs.ece == base.ece
    floats = reliability(y.astype(float), p)
    assert floats.ece == base.ece
    # The probability of the other class, with the other label as positive.
    flipped = reliability(y, 1 - p, positive_label=0)
    assert flipped.brier == pytest.approx(base.brier, rel=1e-12)
    prob_true, _ = calibration_curve(y, 1 - p, pos_label=0, n_bins=15)
    np.testing.assert_array_equal(flipped.table["observed_frequency"], prob_true)
    assert flipped.brier == pytest.approx(brier_score_loss(y, 1 - p, pos_label=0))


def test_a_two_column_matrix_is_read_as_binary():
    y, p = simulated(3_000, seed=7, distortion=1.5)
    matrix = np.column_stack([1 - p, p])
    one = reliability(y, p)
    two = reliability(y, matrix)
    assert not two.multiclass
    pd.testing.assert_frame_equal(one.table, two.table)
    assert two.brier == pytest.approx(one.brier, rel=1e-12)
    assert two.brier == pytest.approx(brier_score_loss(y, matrix), rel=1e-12)
    words = np.where(y == 1, "yes", "no")
    # Columns in the order of `classes`; the positive one is classes[1] by default.
    swapped = reliability(words, matrix[:, ::-1], classes=["yes", "no"])
    assert swapped.positive_label == "no"
    chosen = reliability(words, matrix, positive_label="yes")
    assert chosen.positive_label == "yes"
    assert chosen.ece == one.ece
    frame = reliability(pd.Series(words), pd.DataFrame(matrix), positive_label="yes")
    assert frame.ece == one.ece
    column = reliability(y, p.reshape(-1, 1))
    assert column.ece == one.ece


def test_a_single_class_is_accepted_and_flagged():
    p = np.linspace(0.0, 0.3, 500)
    result = reliability(np.zeros(500, int), p, n_bins=5)
    assert result.table["observed_frequency"].eq(0).all()
    assert result.ece == pytest.approx(p.mean())
    assert result.brier == pytest.approx(np.mean(p**2))
    assert "one class" in result.explain()
    words = reliability(["ham"] * 500, p, n_bins=5, positive_label="spam")
    assert words.ece == result.ece
    positives = reliability(np.ones(500, int), p, n_bins=5)
    assert positives.ece == pytest.approx(1 - p.mean())


def test_inputs_are_not_modified():
    y, p = simulated(2_000, seed=8)
    series = pd.Series(np.where(y == 1, "a", "b"))
    probs = pd.Series(p)
    matrix = np.column_stack([p, 1 - p])
    kept = (series.copy(), probs.copy(), matrix.copy(), p.copy())
    reliability(series, probs, positive_label="a", strategy="quantile")
    reliability(series, matrix, strategy="quantile")
    reliability(y, p)
    pd.testing.assert_series_equal(series, kept[0])
    pd.testing.assert_series_equal(probs, kept[1])
    np.testing.assert_array_equal(matrix, kept[2])
    np.testing.assert_array_equal(p, kept[3])


# --------------------------------------------------------------------------- multiclass


def multiclass_data(n=6_000, k=4, *, seed=0, sharpen=1.0):
    """Labels drawn from Dirichlet probabilities, and the model's sharpened copy."""
    rng = np.random.default_rng(seed)
    truth = rng.dirichlet(np.full(k, 0.7), size=n)
    drawn = (truth.cumsum(axis=1) < rng.uniform(size=(n, 1))).sum(axis=1)
    drawn = np.minimum(drawn, k - 1)
    model = truth**sharpen
    model /= model.sum(axis=1, keepdims=True)
    labels = np.array(["ant", "bee", "cat", "dog", "eel"][:k])
    return labels[drawn], model, labels


def reference_multiclass(y, matrix, labels, n_bins, strategy):
    """Top-label and classwise ECE by loops, from calibration_curve's bins."""
    confidence = matrix.max(axis=1)
    correct = labels[matrix.argmax(axis=1)] == y
    top, _ = reference_ece(correct.astype(float), confidence, n_bins, strategy)
    per_class = [
        reference_ece((y == c).astype(float), matrix[:, i], n_bins, strategy)[0]
        for i, c in enumerate(labels)
    ]
    return top, per_class


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("n_bins", [5, 15])
def test_multiclass_ece_equals_the_reference(strategy, n_bins):
    y, matrix, labels = multiclass_data(seed=n_bins, sharpen=2.0)
    result = reliability(y, matrix, n_bins=n_bins, strategy=strategy)
    top, per_class = reference_multiclass(y, matrix, labels, n_bins, strategy)
    assert result.multiclass
    assert result.positive_label is None
    assert result.classes == tuple(labels)
    assert result.ece == pytest.approx(top, rel=1e-12)
    np.testing.assert_allclose(result.class_ece.to_numpy(), per_class, rtol=1e-12)
    assert result.class_ece.index.tolist() == labels.tolist()
    assert result.classwise_ece == pytest.approx(np.mean(per_class), rel=1e-12)
    prob_true, prob_pred = calibration_curve(
        labels[matrix.argmax(axis=1)] == y,
        matrix.max(axis=1),
        n_bins=n_bins,
        strategy=strategy,
    )
    np.testing.assert_array_equal(result.table["observed_frequency"], prob_true)
    np.testing.assert_array_equal(result.table["mean_predicted"], prob_pred)
    assert result.brier == pytest.approx(
        brier_score_loss(y, matrix, labels=labels), rel=1e-12
    )
    one_hot = (y[:, None] == labels[None, :]).astype(float)
    assert result.brier == pytest.approx(
        np.mean(((matrix - one_hot) ** 2).sum(axis=1)), rel=1e-12
    )


def test_multiclass_over_confidence_is_found_and_classes_follow_their_columns():
    y, matrix, labels = multiclass_data(seed=1, sharpen=3.0)
    result = reliability(y, matrix)
    assert result.ece > 0.1
    assert "over-confident" in result.explain()
    assert "Class by class" in result.explain()
    calibrated = reliability(*multiclass_data(seed=1)[:2])
    assert calibrated.ece < 0.03
    order = [2, 0, 3, 1]
    permuted = reliability(y, matrix[:, order], classes=labels[order])
    assert permuted.ece == pytest.approx(result.ece, rel=1e-12)
    assert permuted.brier == pytest.approx(result.brier, rel=1e-12)
    pd.testing.assert_series_equal(
        permuted.class_ece.loc[labels], result.class_ece, rtol=1e-12
    )
    as_lists = reliability(y.tolist(), matrix.tolist())
    assert as_lists.ece == result.ece


# --------------------------------------------------------------------------- reliability errors


@pytest.mark.parametrize(
    ("y_prob", "message"),
    [
        ([0.2, np.nan, 0.5, 0.9], r"'y_prob' must hold probabilities in \[0, 1\]; 1 "),
        ([0.2, 1.5, 0.5, -0.1], r"2 lie outside it, from -0.1 to 1.5"),
        ([0.2, np.inf, 0.5, 0.9], r"'y_prob' must hold probabilities"),
    ],
)
def test_probabilities_outside_zero_one_or_missing_are_refused(y_prob, message):
    with pytest.raises(MlkitValueError, match=message) as caught:
        reliability([0, 1, 0, 1], y_prob)
    assert "Hint:" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y_true": [0, 1, 1]}, MlkitValueError, "'y_true' has 3 values, but 4"),
        ({"n_bins": 0}, MlkitValueError, "'n_bins' must be an int of at least 1"),
        ({"n_bins": 2.5}, MlkitTypeError, "'n_bins' must be an int of at least 1"),
        ({"n_bins": True}, MlkitTypeError, "'n_bins' must be an int"),
        ({"strategy": "equal"}, MlkitValueError, "'strategy' must be one of"),
        ({"y_prob": []}, MlkitValueError, "'y_prob' must hold at least one"),
        (
            {"y_prob": ["a", "b", "c", "d"]},
            MlkitTypeError,
            "'y_prob' must hold numbers",
        ),
        ({"y_prob": np.ones((2, 2, 2))}, MlkitValueError, "'y_prob' must be one"),
        ({"y_true": [0, 1, 2, 1]}, MlkitValueError, "'y_true' has 3 labels"),
        (
            {"y_true": ["a", "b", "a", "b"]},
            MlkitValueError,
            "'positive_label' is needed",
        ),
        ({"positive_label": 2}, MlkitValueError, "'positive_label' is 2, which is not"),
        ({"classes": [0, 1]}, MlkitValueError, "'classes' only applies to a matrix"),
        (
            {"y_true": [0.0, 1.0, np.nan, 1.0]},
            MlkitValueError,
            "'y_true' has 1 missing",
        ),
        ({"y_true": ["a", None, "a", "b"]}, MlkitValueError, "'y_true' has 1 missing"),
    ],
)
def test_bad_binary_input_is_refused_naming_the_argument(kwargs, error, message):
    arguments = {"y_true": [0, 1, 0, 1], "y_prob": [0.1, 0.8, 0.3, 0.6]} | kwargs
    with pytest.raises(error, match=message) as caught:
        reliability(arguments.pop("y_true"), arguments.pop("y_prob"), **arguments)
    assert "Hint:" in str(caught.value)


def test_swapped_arguments_get_a_hint():
    with pytest.raises(MlkitValueError, match="swap the arguments"):
        reliability([0.1, 0.8, 0.3, 0.6], [0, 1, 0, 1])


MATRIX = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"y_prob": MATRIX * 1.1},
            MlkitValueError,
            r"each row of 'y_prob' must sum to 1; 4 of 4 rows do not",
        ),
        ({"y_true": ["a", "b", "a", "b"]}, MlkitValueError, "'classes' is needed"),
        ({"classes": ["a", "b"]}, MlkitValueError, "'classes' must name the 3"),
        ({"classes": ["a", "a", "c"]}, MlkitValueError, "'classes' must name the 3"),
        ({"classes": ["a", "b", "z"]}, MlkitValueError, "'y_true' has labels that"),
        ({"positive_label": "a"}, MlkitValueError, "'positive_label' only applies"),
        (
            {"y_true": np.array(["a", 1, "b", "c"], dtype=object)},
            MlkitTypeError,
            "cannot be sorted",
        ),
    ],
)
def test_bad_matrix_input_is_refused_naming_the_argument(kwargs, error, message):
    arguments = {"y_true": ["a", "b", "c", "c"], "y_prob": MATRIX} | kwargs
    with pytest.raises(error, match=message) as caught:
        reliability(arguments.pop("y_true"), arguments.pop("y_prob"), **arguments)
    assert "Hint:" in str(caught.value)


def test_a_two_column_matrix_checks_the_positive_label():
    with pytest.raises(MlkitValueError, match="'positive_label' is 'z'"):
        reliability(["a", "b"], [[0.4, 0.6], [0.3, 0.7]], positive_label="z")


# --------------------------------------------------------------------------- display


def test_reliability_chart_and_display():
    y, p = simulated(5_000, seed=9, distortion=2.0)
    result = reliability(y, p, n_bins=10)
    spec = result.chart().to_dict()
    top, bottom = spec["vconcat"]
    assert [layer["mark"]["type"] for layer in top["layer"]] == ["line", "line"]
    curve = top["layer"][1]["encoding"]
    assert curve["x"]["field"] == "mean_predicted"
    assert curve["y"]["field"] == "observed_frequency"
    assert curve["x"]["scale"]["domain"] == [0, 1]
    assert bottom["mark"]["type"] == "bar"
    assert bottom["encoding"]["y"]["field"] == "count"
    assert "ECE 0." in spec["title"]["text"]
    assert "\n" not in repr(result)
    assert repr(result).startswith("<Reliability: Expected calibration error")
    assert "<table" in result._repr_html_()
    multi = reliability(*multiclass_data(seed=2)[:2]).chart().to_dict()
    assert multi["vconcat"][0]["layer"][1]["encoding"]["y"]["title"] == "accuracy"


# --------------------------------------------------------------------------- calibrate


def split_data(n=9_000, *, n_classes=2, seed=0, **options):
    """Training, calibration and evaluation thirds of a simulated problem."""
    settings = {
        "n_features": 12,
        "n_informative": 6,
        "n_redundant": 4,
        "n_clusters_per_class": 1,
        "flip_y": 0.05,
    } | options
    X, y = make_classification(n, n_classes=n_classes, random_state=seed, **settings)
    third = n // 3
    return (
        (X[:third], y[:third]),
        (X[third : 2 * third], y[third : 2 * third]),
        (X[2 * third :], y[2 * third :]),
    )


def over_confident_model(X, y):
    """A logistic regression whose scores are tripled: over-confident, same ranking."""
    model = LogisticRegression().fit(X, y)
    model.coef_ *= 3
    model.intercept_ *= 3
    return model


@pytest.mark.parametrize("method", METHODS)
def test_calibrate_lowers_the_ece_of_an_over_confident_model(method):
    (X_tr, y_tr), (X_cal, y_cal), (X_ev, y_ev) = split_data()
    model = over_confident_model(X_tr, y_tr)
    kept = copy.deepcopy(model)
    result = calibrate(model, X_cal, y_cal, method=method, X_eval=X_ev, y_eval=y_ev)
    assert isinstance(result, Calibration)
    assert isinstance(result.before, Reliability)
    assert result.held_out
    assert result.n_calibration == len(y_cal)
    assert result.before.ece > 0.06
    assert "over-confident" in result.before.explain()
    assert result.after.ece < 0.5 * result.before.ece
    assert result.after.brier < result.before.brier
    assert isinstance(result.model, CalibratedClassifierCV)
    # The before and after numbers are those of reliability() on the same rows.
    assert reliability(y_ev, model.predict_proba(X_ev)).ece == result.before.ece
    assert reliability(y_ev, result.model.predict_proba(X_ev)).ece == result.after.ece
    # The original model is not refitted.
    np.testing.assert_array_equal(model.coef_, kept.coef_)
    frame = result.to_frame()
    assert list(frame.columns) == ["metric", "before", "after", "change"]
    assert frame["metric"].tolist() == ["ece", "mce", "brier"]
    assert frame.loc[0, "change"] == pytest.approx(result.after.ece - result.before.ece)
    assert "held-out rows" in result.explain()
    assert "optimistic" not in result.explain()


@pytest.mark.parametrize("method", METHODS)
def test_calibrate_lowers_the_ece_of_multiclass_naive_bayes(method):
    # Redundant features are counted again and again by naive Bayes, which makes
    # it over-confident.
    (X_tr, y_tr), (X_cal, y_cal), (X_ev, y_ev) = split_data(
        n_classes=3, seed=1, n_features=20, n_informative=4, n_redundant=8
    )
    names = np.array(["low", "mid", "high"])
    model = make_pipeline(StandardScaler(), GaussianNB()).fit(X_tr, names[y_tr])
    result = calibrate(
        model,
        pd.DataFrame(X_cal),
        pd.Series(names[y_cal]),
        method=method,
        X_eval=pd.DataFrame(X_ev),
        y_eval=names[y_ev].tolist(),
    )
    assert result.before.multiclass
    assert result.before.ece > 0.1
    assert result.after.ece < 0.6 * result.before.ece
    assert result.after.classwise_ece < result.before.classwise_ece
    assert result.after.brier < result.before.brier
    assert result.to_frame()["metric"].tolist() == [
        "ece",
        "mce",
        "brier",
        "classwise_ece",
    ]
    if method == "temperature":
        # Temperature scaling keeps each row's predicted class.
        np.testing.assert_array_equal(
            result.model.predict(pd.DataFrame(X_ev)), model.predict(pd.DataFrame(X_ev))
        )
        assert "keeps its predicted class" in result.explain()
    else:
        assert "can change the predicted class" in result.explain()


def test_calibrate_without_evaluation_rows_says_it_is_optimistic():
    (X_tr, y_tr), (X_cal, y_cal), _ = split_data(3_000, seed=2)
    model = GaussianNB().fit(X_tr, y_tr)
    result = calibrate(model, X_cal, y_cal)
    assert not result.held_out
    assert result.before.n_samples == len(y_cal)
    assert "optimistic" in result.explain()
    spec = result.chart().to_dict()
    curves = spec["vconcat"][0]["layer"][1]
    assert curves["encoding"]["color"]["field"] == "model"
    assert curves["encoding"]["color"]["scale"]["domain"] == [
        "before",
        "after (isotonic)",
    ]
    assert "calibration (optimistic)" in spec["title"]["subtitle"]
    assert repr(result).startswith("<Calibration: Recalibrating with isotonic")
    assert "<table" in result._repr_html_()


def test_calibrate_says_when_it_did_not_help():
    # A logistic regression is about calibrated already, and 60 rows are too few
    # for isotonic regression: the ECE goes up.
    (X_tr, y_tr), (X_cal, y_cal), (X_ev, y_ev) = split_data()
    model = LogisticRegression().fit(X_tr, y_tr)
    result = calibrate(model, X_cal[:60], y_cal[:60], X_eval=X_ev, y_eval=y_ev)
    assert result.after.ece > result.before.ece
    assert "did not lower the ECE" in result.explain()
    assert "method='sigmoid'" in result.explain()


@pytest.fixture(scope="module")
def fitted():
    (X_tr, y_tr), (X_cal, y_cal), _ = split_data(600, seed=4)
    return GaussianNB().fit(X_tr, y_tr), X_cal, y_cal


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"model": LinearSVC()}, MlkitTypeError, "'model' must be a classifier with"),
        ({"model": GaussianNB()}, MlkitValueError, "'model' must be fitted"),
        ({"y": "single"}, MlkitValueError, r"'y' holds a single class \(0\)"),
        ({"y": "unknown"}, MlkitValueError, "'y' has labels the model does not know"),
        ({"y": "rare"}, MlkitValueError, f"at least {MIN_PER_CLASS} of each class"),
        ({"y": "short"}, MlkitValueError, "'y' has 199 values, but 200"),
        ({"X": "flat"}, MlkitValueError, "'X' must be two-dimensional"),
        ({"method": "beta"}, MlkitValueError, "'method' must be one of"),
        ({"n_bins": 0}, MlkitValueError, "'n_bins' must be an int"),
        ({"X_eval": "given"}, MlkitValueError, "'y_eval' is missing"),
        ({"y_eval": "given"}, MlkitValueError, "'X_eval' is missing"),
        ({"both": "unknown"}, MlkitValueError, "'y_eval' has labels the model"),
    ],
)
def test_calibrate_refuses_bad_input_naming_the_argument(
    fitted, change, error, message
):
    model, X, y = fitted
    arguments = {"model": model, "X": X, "y": y}
    ((key, value),) = change.items()
    if key == "y":
        y = y.copy()
        if value == "single":
            y[:] = 0
        elif value == "unknown":
            y[0] = 7
        elif value == "rare":
            y[:] = 0
            y[:3] = 1
        else:
            y = y[1:]
        arguments["y"] = y
    elif key == "X":
        arguments["X"] = X[:, 0]
    elif key == "X_eval":
        arguments["X_eval"] = X
    elif key == "y_eval":
        arguments["y_eval"] = y
    elif key == "both":
        arguments["X_eval"], arguments["y_eval"] = X, np.full(len(y), 9)
    else:
        arguments[key] = value
    with pytest.raises(error, match=message) as caught:
        calibrate(
            arguments.pop("model"), arguments.pop("X"), arguments.pop("y"), **arguments
        )
    assert "Hint:" in str(caught.value)


def test_a_rare_text_class_is_named_in_the_error():
    rng = np.random.default_rng(0)
    y = np.array(["a"] * 50 + ["b"] * 50 + ["c"] * 2)
    X = rng.normal(size=(len(y), 2))
    model = LogisticRegression().fit(X, y)
    with pytest.raises(MlkitValueError, match="2 row\\(s\\) of class 'c'"):
        calibrate(model, X, y)


def test_calibrate_turns_the_models_errors_into_one_naming_the_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.resize([0, 1], 60)
    model = LogisticRegression().fit(X, y)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(MlkitValueError, match="'model' could not predict on 'X'") as e:
        calibrate(model, X_nan, y, method="sigmoid")
    assert isinstance(e.value.__cause__, ValueError)
    with pytest.raises(MlkitValueError, match="predict on 'X_eval'"):
        calibrate(model, X, y, method="sigmoid", X_eval=X_nan, y_eval=y)


def test_compare_reliability_names_its_own_arguments():
    from mlkit.calibration import compare_reliability

    with pytest.raises(MlkitValueError, match="'before' must hold at least one"):
        compare_reliability([], [], [])
    with pytest.raises(MlkitValueError, match="'after' must hold probabilities"):
        compare_reliability([0, 1], [0.2, 0.8], [0.2, 1.5])
