"""Tests for mlkit.fairness's mitigations: reweighing and the side-by-side comparison."""

from __future__ import annotations

import warnings

import altair as alt
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import mlkit as mk
from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.fairness import METHODS, compare_mitigations, reweighing

fairlearn_metrics = pytest.importorskip("fairlearn.metrics")


def biased(n: int = 6000, seed: int = 0):
    """A group with a higher base rate, and a feature that carries the group."""
    rng = np.random.default_rng(seed)
    group = pd.Series(rng.choice(["a", "b"], n, p=[0.6, 0.4]), name="group")
    shift = np.where(group == "a", 0.8, -0.4)
    X = pd.DataFrame(
        {"x": rng.normal(size=n) + shift, "noise": rng.normal(size=n)},
        index=pd.RangeIndex(100, 100 + n),
    )
    y = pd.Series(
        (X["x"].to_numpy() + rng.normal(size=n) > 0.6).astype(int), index=X.index
    )
    group.index = X.index
    cut = int(n * 0.7)
    return (
        X.iloc[:cut],
        y.iloc[:cut],
        X.iloc[cut:],
        y.iloc[cut:],
        group.iloc[:cut],
        group.iloc[cut:],
    )


@pytest.fixture(scope="module")
def split():
    return biased()


@pytest.fixture(scope="module")
def comparison(split):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    return compare_mitigations(
        LogisticRegression(),
        X_tr,
        y_tr,
        X_te,
        y_te,
        sensitive_train=g_tr,
        sensitive_test=g_te,
        constraint="equalized_odds",
        cost_fp=4.0,
        cost_fn=1.0,
        threshold=0.5,
        random_state=0,
    )


# --------------------------------------------------------------------------- reweighing


def test_reweighing_is_the_kamiran_calders_formula():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    group = rng.choice(["a", "b", "c"], 500, p=[0.5, 0.3, 0.2])
    weights = reweighing(y, group)
    frame = pd.DataFrame({"y": y, "g": group})
    p_g = frame["g"].map(frame["g"].value_counts(normalize=True))
    p_y = frame["y"].map(frame["y"].value_counts(normalize=True))
    p_gy = frame.groupby(["g", "y"])["y"].transform("size") / len(frame)
    np.testing.assert_allclose(weights, p_g * p_y / p_gy, rtol=1e-12)
    assert weights.sum() == pytest.approx(len(y))


def test_reweighing_makes_label_and_group_independent():
    rng = np.random.default_rng(2)
    group = rng.choice(["a", "b"], 2000)
    y = (rng.random(2000) < np.where(group == "a", 0.6, 0.2)).astype(int)
    weights = reweighing(y, group)
    rates = {g: np.average(y[group == g], weights=weights[group == g]) for g in "ab"}
    assert rates["a"] == pytest.approx(rates["b"], abs=1e-12)
    assert rates["a"] == pytest.approx(y.mean(), abs=1e-12)


def test_reweighing_of_intersections():
    frame = pd.DataFrame(
        {"sex": ["f", "f", "m", "m", "f", "m"], "race": ["x", "y", "x", "y", "x", "x"]}
    )
    y = np.array([1, 0, 1, 0, 0, 1])
    weights = reweighing(y, frame)
    key = frame["sex"] + frame["race"]
    p_g = key.map(key.value_counts(normalize=True)).to_numpy()
    p_y = pd.Series(y).map(pd.Series(y).value_counts(normalize=True)).to_numpy()
    p_gy = pd.Series(y).groupby([key, y]).transform("size").to_numpy() / len(y)
    np.testing.assert_allclose(weights, p_g * p_y / p_gy, rtol=1e-12)
    # Two intersections hold one label only: the weights no longer sum to n.
    assert weights.sum() < len(y)


def test_reweighing_refuses_missing_groups_and_lengths():
    with pytest.raises(MlkitValueError, match="'sensitive' has missing values"):
        reweighing([0, 1, 1], ["a", None, "b"])
    with pytest.raises(MlkitValueError, match="'sensitive' has 2 rows"):
        reweighing([0, 1, 1], ["a", "b"])


# --------------------------------------------------------------------------- comparison


def test_table_has_every_method_and_documented_columns(comparison):
    table = comparison.to_frame()
    assert table["method"].tolist() == list(METHODS)
    assert table["stage"].tolist() == [
        "none",
        "pre-processing",
        "in-processing",
        "post-processing",
    ]
    for column in (
        "accuracy",
        "expected_cost",
        "selection_rate",
        "tpr",
        "fpr",
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "equal_opportunity_difference",
        "fit_seconds",
    ):
        assert column in table, column
    assert set(comparison.results) == set(METHODS)
    assert comparison.cost_metric == "expected_cost"


def test_mitigations_close_the_gap(comparison):
    table = comparison.to_frame().set_index("method")
    untreated = table.loc["none", "equalized_odds_difference"]
    assert untreated > 0.1  # the planted bias shows
    for method in ("exponentiated_gradient", "threshold_optimizer"):
        assert table.loc[method, "equalized_odds_difference"] < 0.5 * untreated
    assert (
        table.loc["reweighing", "demographic_parity_difference"]
        < table.loc["none", "demographic_parity_difference"]
    )


def test_table_equals_fairlearn_on_each_methods_decisions(split, comparison):
    _, _, X_te, y_te, _, g_te = split
    table = comparison.to_frame().set_index("method")
    untreated = comparison.models["none"]
    predicted = (untreated.predict_proba(X_te)[:, 1] >= 0.5).astype(int)
    assert table.loc["none", "equalized_odds_difference"] == pytest.approx(
        fairlearn_metrics.equalized_odds_difference(
            y_te, predicted, sensitive_features=g_te
        ),
        abs=1e-12,
    )
    assert table.loc["none", "demographic_parity_difference"] == pytest.approx(
        fairlearn_metrics.demographic_parity_difference(
            y_te, predicted, sensitive_features=g_te
        ),
        abs=1e-12,
    )
    cost = (
        4.0 * ((predicted == 1) & (y_te == 0)) + 1.0 * ((predicted == 0) & (y_te == 1))
    ).mean()
    assert table.loc["none", "expected_cost"] == pytest.approx(cost, rel=1e-12)


def test_reweighing_trains_with_the_weights(split, comparison):
    X_tr, y_tr, X_te, _, g_tr, _ = split
    direct = LogisticRegression().fit(X_tr, y_tr, sample_weight=reweighing(y_tr, g_tr))
    np.testing.assert_allclose(
        comparison.models["reweighing"].predict_proba(X_te),
        direct.predict_proba(X_te),
        rtol=1e-10,
    )


def test_pipelines_get_the_weights_in_their_last_step(split):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    pipeline = mk.models.ladder(
        "binary", {"x": "numeric", "noise": "numeric"}, random_state=0
    )["logistic"]
    result = compare_mitigations(
        pipeline,
        X_tr,
        y_tr,
        X_te,
        y_te,
        sensitive_train=g_tr,
        sensitive_test=g_te,
        methods=["none", "reweighing", "exponentiated_gradient"],
        max_iter=5,
        random_state=0,
    )
    assert result.table["method"].tolist() == [
        "none",
        "reweighing",
        "exponentiated_gradient",
    ]
    assert result.cost_metric == "error_rate"
    assert not np.allclose(
        result.models["none"].predict_proba(X_te),
        result.models["reweighing"].predict_proba(X_te),
    )


def test_threshold_optimizer_alone_fits_its_own_base_model(split):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    result = compare_mitigations(
        DecisionTreeClassifier(max_depth=3, random_state=0),
        X_tr,
        y_tr,
        X_te,
        y_te,
        sensitive_train=g_tr,
        sensitive_test=g_te,
        methods=["threshold_optimizer"],
        constraint="demographic_parity",
        random_state=0,
    )
    assert result.table["method"].tolist() == ["threshold_optimizer"]
    assert result.disparity == "demographic_parity_difference"
    assert result.table.loc[0, "demographic_parity_difference"] < 0.05


def test_deterministic_for_a_random_state(split, comparison):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    again = compare_mitigations(
        LogisticRegression(),
        X_tr,
        y_tr,
        X_te,
        y_te,
        sensitive_train=g_tr,
        sensitive_test=g_te,
        cost_fp=4.0,
        cost_fn=1.0,
        random_state=0,
    )
    pd.testing.assert_frame_equal(
        again.to_frame().drop(columns="fit_seconds"),
        comparison.to_frame().drop(columns="fit_seconds"),
    )


def test_inputs_are_not_modified(split):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    before = [x.copy() for x in split]
    compare_mitigations(
        LogisticRegression(),
        X_tr,
        y_tr,
        X_te,
        y_te,
        sensitive_train=g_tr,
        sensitive_test=g_te,
        methods=["none", "reweighing"],
    )
    for old, new in zip(before, split, strict=True):
        if isinstance(old, pd.DataFrame):
            pd.testing.assert_frame_equal(old, new)
        else:
            pd.testing.assert_series_equal(old, new)


def test_shows_itself(comparison):
    chart = comparison.chart()
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert "price of fairness" in str(spec["title"])
    text = comparison.explain()
    assert "equalized odds difference" in text
    assert "chapter 11" in text
    assert "<table" in comparison._repr_html_()
    assert repr(comparison).startswith("<MitigationComparison: On 1,800 test rows")


def test_no_fairlearn_warning_reaches_the_caller(split):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_mitigations(
            LogisticRegression(),
            X_tr,
            y_tr,
            X_te,
            y_te,
            sensitive_train=g_tr,
            sensitive_test=g_te,
            methods=["exponentiated_gradient"],
            max_iter=5,
            random_state=0,
        )


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"constraint": "parity"}, MlkitValueError, "'constraint'"),
        ({"methods": "none"}, MlkitTypeError, "'methods' must be a list"),
        ({"methods": ["none", "magic"]}, MlkitValueError, "'methods'"),
        ({"methods": []}, MlkitValueError, "'methods' is empty"),
        ({"threshold": 1.5}, MlkitValueError, "'threshold' must be a number in"),
        ({"threshold": "0.5"}, MlkitTypeError, "'threshold' must be a number in"),
        ({"cost_fp": 1.0}, MlkitValueError, "'cost_fp' and 'cost_fn' go together"),
        (
            {"max_iter": 0},
            MlkitValueError,
            "'max_iter' must be an integer of at least 1",
        ),
        (
            {"max_iter": 2.5},
            MlkitTypeError,
            "'max_iter' must be an integer of at least 1",
        ),
    ],
)
def test_bad_options(split, options, error, message):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    with pytest.raises(error, match=message):
        compare_mitigations(
            LogisticRegression(),
            X_tr,
            y_tr,
            X_te,
            y_te,
            sensitive_train=g_tr,
            sensitive_test=g_te,
            **options,
        )


def test_bad_data(split):
    X_tr, y_tr, X_te, y_te, g_tr, g_te = split
    kwargs = {"sensitive_train": g_tr, "sensitive_test": g_te}
    with pytest.raises(MlkitValueError, match="'y_train' must hold 0/1 labels"):
        compare_mitigations(
            LogisticRegression(),
            X_tr,
            y_tr.map({0: "no", 1: "yes"}),
            X_te,
            y_te,
            **kwargs,
        )
    with pytest.raises(MlkitValueError, match="'y_train' has 4,200 values, but 4,199"):
        compare_mitigations(
            LogisticRegression(), X_tr.iloc[:-1], y_tr, X_te, y_te, **kwargs
        )
    with pytest.raises(MlkitValueError, match="'sensitive_test' has missing values"):
        compare_mitigations(
            LogisticRegression(),
            X_tr,
            y_tr,
            X_te,
            y_te,
            sensitive_train=g_tr,
            sensitive_test=g_te.where(g_te == "a"),
        )
    with pytest.raises(MlkitTypeError, match="'estimator' must be a classifier"):
        compare_mitigations(object(), X_tr, y_tr, X_te, y_te, **kwargs)


def test_exponentiated_gradient_minimises_the_case_costs(comparison):
    objective = comparison.models["exponentiated_gradient"].objective
    assert (objective.fp_cost, objective.fn_cost) == (4.0, 1.0)
