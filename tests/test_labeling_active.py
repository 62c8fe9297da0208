"""Tests for mlkit.labeling's active learning: query strategies and their simulation."""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import entropy
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.charts import band_chart
from mlkit.labeling import (
    QUERY_STRATEGIES,
    ActiveLearningCurves,
    query,
    simulate_active_learning,
)
from mlkit.labeling._active import NOT_FITTED_ERROR, _initial_rows


class Probabilities(ClassifierMixin, BaseEstimator):
    """A "classifier" whose features are its predicted probabilities."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)


def fitted_on(proba):
    return Probabilities().fit(proba, np.arange(proba.shape[1]))


def binary_problem(seed, n=3000):
    """Two overlapping Gaussian classes: a linear model learns them from few rows."""
    X, y = make_classification(
        n,
        n_features=10,
        n_informative=4,
        n_redundant=0,
        n_clusters_per_class=1,
        class_sep=1.0,
        flip_y=0.0,
        random_state=seed,
    )
    split = 2 * n // 3
    return X[:split], y[:split], X[split:], y[split:]


def three_classes(seed=0, n=900):
    X, y = make_classification(
        n,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=1.2,
        random_state=seed,
    )
    split = 2 * n // 3
    return X[:split], y[:split], X[split:], y[split:]


# --------------------------------------------------------------------------- query


def test_each_strategy_picks_what_it_measures():
    proba = np.array(
        [
            [0.50, 0.49, 0.01, 0.00],  # smallest margin
            [0.40, 0.30, 0.30, 0.00],  # lowest top probability
            [0.45, 0.20, 0.20, 0.15],  # highest entropy
            [0.97, 0.01, 0.01, 0.01],  # sure
        ]
    )
    model = fitted_on(proba)
    assert query(model, proba, 1, strategy="margin", random_state=0).tolist() == [0]
    assert query(model, proba, 1, strategy="least_confidence").tolist() == [1]
    assert query(model, proba, 1, strategy="entropy").tolist() == [2]
    for strategy in ("margin", "least_confidence", "entropy"):
        assert query(model, proba, 4, strategy=strategy)[-1] == 3


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_query_orders_rows_as_the_textbook_measures_do(n_classes):
    rng = np.random.default_rng(n_classes)
    proba = rng.dirichlet(np.ones(n_classes), size=300)
    model = fitted_on(proba)
    top_two = np.sort(proba, axis=1)[:, -2:]
    expected = {
        "least_confidence": np.argsort(proba.max(axis=1), kind="stable"),
        "margin": np.argsort(top_two[:, 1] - top_two[:, 0], kind="stable"),
        "entropy": np.argsort(-entropy(proba, axis=1), kind="stable"),
    }
    for strategy, order in expected.items():
        picked = query(model, proba, 50, strategy=strategy, random_state=0)
        assert picked.tolist() == order[:50].tolist()


def test_two_classes_make_the_uncertainty_strategies_agree():
    X_pool, y_pool, *_ = binary_problem(seed=0, n=600)
    model = LogisticRegression().fit(X_pool[:30], y_pool[:30])
    picks = [
        query(model, X_pool, 25, strategy=s, random_state=0).tolist()
        for s in QUERY_STRATEGIES[:3]
    ]
    assert picks[0] == picks[1] == picks[2]


def test_ties_are_broken_by_the_seed():
    proba = np.full((40, 2), 0.5)
    model = fitted_on(proba)
    first = query(model, proba, 10, random_state=1)
    assert query(model, proba, 10, random_state=1).tolist() == first.tolist()
    assert query(model, proba, 10, random_state=2).tolist() != first.tolist()
    assert len(set(first.tolist())) == 10
    generator = np.random.default_rng(1)
    assert query(model, proba, 10, random_state=generator).tolist() == first.tolist()


def test_random_strategy_draws_distinct_rows_uniformly():
    proba = np.tile([0.99, 0.01], (50, 1))
    model = fitted_on(proba)
    counts = np.zeros(50, dtype=int)
    for seed in range(400):
        picked = query(model, proba, 5, strategy="random", random_state=seed)
        assert len(set(picked.tolist())) == 5
        counts[picked] += 1
    # Each row is picked 40 times on average (400 * 5 / 50).
    assert counts.min() > 15
    assert counts.max() < 70


@pytest.mark.parametrize("kind", ["array", "frame", "sparse", "list"])
def test_query_returns_positions_whatever_the_type(kind):
    X_pool, y_pool, *_ = binary_problem(seed=1, n=300)
    model = LogisticRegression().fit(X_pool, y_pool)
    expected = query(model, X_pool, 7, random_state=0)
    data = {
        "array": X_pool,
        "frame": pd.DataFrame(X_pool, index=np.arange(len(X_pool))[::-1] * 10),
        "sparse": sp.csr_matrix(X_pool),
        "list": X_pool.tolist(),
    }[kind]
    before = copy.deepcopy(data)
    picked = query(model, data, 7, random_state=0)
    assert picked.tolist() == expected.tolist()
    assert picked.dtype.kind == "i"
    if kind == "frame":
        pd.testing.assert_frame_equal(data, before)


BAD_QUERIES = [
    ({"estimator": LinearSVC()}, MlkitTypeError, "'estimator' must be a scikit"),
    ({"estimator": LogisticRegression()}, MlkitValueError, re.escape(NOT_FITTED_ERROR)),
    ({"n": 0}, MlkitValueError, "'n' must be an integer of at least 1"),
    ({"n": 2.5}, MlkitTypeError, "'n' must be an int"),
    ({"n": 11}, MlkitValueError, "'n' asks for 11 rows, but 'X_pool' has only 10"),
    ({"strategy": "density"}, MlkitValueError, "'strategy' must be one of"),
    ({"X_pool": np.zeros(10)}, MlkitValueError, "'X_pool' must be two-dim"),
    ({"X_pool": np.zeros((0, 2))}, MlkitValueError, "'X_pool' has no rows"),
    ({"random_state": "0"}, MlkitTypeError, "'random_state' must be"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_QUERIES)
def test_query_refuses_bad_input(kwargs, error, message):
    proba = np.tile([0.7, 0.3], (10, 1))
    arguments = {"estimator": fitted_on(proba), "X_pool": proba, "n": 3, **kwargs}
    with pytest.raises(error, match=message) as caught:
        query(arguments.pop("estimator"), arguments.pop("X_pool"), **arguments)
    assert "\nHint: " in str(caught.value)


# --------------------------------------------------------------------------- simulation


# Measured on seeds 0-29 of binary_problem (2,000 pool rows, 1,000 test rows,
# logistic regression, 10 initial labels, batches of 10, budget 120, 3 repeats):
# margin sampling beat random in all 30 at the budget (by 0.3 to 9 points of
# accuracy, 1.6 on average) and on the mean over the curve (0.4 to 4.5 points,
# 1.6 on average), and reached random's final accuracy with 30-80 labels
# against 70-120 for random.
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_uncertainty_sampling_beats_random_where_it_should(seed):
    result = simulate_active_learning(
        LogisticRegression(),
        *binary_problem(seed),
        budget=120,
        initial=10,
        batch_size=10,
        strategies=["margin", "random"],
        random_state=seed,
    )
    means = result.to_frame().pivot(index="labels", columns="strategy", values="mean")
    gain = means["margin"] - means["random"]
    assert gain.iloc[0] == 0  # the same start
    assert gain.iloc[-1] > 0
    assert gain.iloc[1:].mean() > 0.003
    needed = result.labels_to_reach()
    assert needed["margin"] < needed["random"]
    assert result.explain().startswith(
        f"'margin' reaches the accuracy that random sampling has with all 120 labels "
        f"({means['random'].iloc[-1]:.4g}) with {needed['margin']} labels"
    )


def test_curves_follow_the_schedule_and_share_a_start():
    result = simulate_active_learning(
        LogisticRegression(),
        *three_classes(),
        budget=45,
        initial=10,
        batch_size=10,
        repeats=2,
        metric="macro_f1",
        random_state=0,
    )
    curves = result.curves
    assert list(curves.columns) == ["strategy", "repeat", "labels", "score"]
    assert len(curves) == len(QUERY_STRATEGIES) * 2 * 5
    for (_, _), group in curves.groupby(["strategy", "repeat"]):
        assert group["labels"].tolist() == [10, 20, 30, 40, 45]
    starts = curves[curves["labels"] == 10].groupby("repeat")["score"].nunique()
    assert (starts == 1).all()
    assert result.strategies == QUERY_STRATEGIES
    assert (result.n_pool, result.n_test, result.n_classes) == (600, 300, 3)


def test_to_frame_summarises_the_repeats():
    result = simulate_active_learning(
        GaussianNB(),
        *three_classes(),
        budget=40,
        initial=10,
        batch_size=15,
        strategies=["entropy", "least_confidence", "random"],
        repeats=3,
        random_state=1,
    )
    table = result.to_frame()
    assert list(table.columns) == ["strategy", "labels", "mean", "std", "min", "max"]
    assert table["strategy"].unique().tolist() == [
        "entropy",
        "least_confidence",
        "random",
    ]
    expected = result.curves.groupby(["strategy", "labels"])["score"].agg(
        ["mean", "std", "min", "max"]
    )
    actual = table.set_index(["strategy", "labels"]).sort_index()
    pd.testing.assert_frame_equal(actual, expected.sort_index())


def test_a_strategy_gives_the_same_curve_whatever_it_is_compared_with():
    data = three_classes(seed=2)
    runs = [
        simulate_active_learning(
            LogisticRegression(),
            *data,
            budget=50,
            initial=10,
            strategies=strategies,
            repeats=2,
            random_state=7,
        ).curves
        for strategies in (["margin"], ["random", "margin"], ["margin"])
    ]
    margin = [c[c["strategy"] == "margin"].reset_index(drop=True) for c in runs]
    pd.testing.assert_frame_equal(margin[0], margin[1])
    pd.testing.assert_frame_equal(margin[0], margin[2])


@pytest.mark.parametrize("kind", ["frame", "sparse"])
def test_frames_and_sparse_matrices_are_taken_by_position(kind):
    X_pool, y_pool, X_test, y_test = three_classes(seed=3)
    settings = {
        "budget": 40,
        "initial": 10,
        "strategies": ["least_confidence", "random"],
        "repeats": 1,
        "random_state": 0,
    }
    reference = simulate_active_learning(
        LogisticRegression(), X_pool, y_pool, X_test, y_test, **settings
    )
    if kind == "frame":
        index = np.random.default_rng(0).permutation(len(X_pool)) + 100
        X_in = pd.DataFrame(X_pool, index=index, columns=[f"f{i}" for i in range(6)])
        y_in = pd.Series(y_pool, index=index)
        test_in = pd.DataFrame(X_test, columns=X_in.columns)
    else:
        X_in, y_in, test_in = sp.csr_matrix(X_pool), y_pool, sp.csr_matrix(X_test)
    before = copy.deepcopy((X_in, y_in))
    result = simulate_active_learning(
        LogisticRegression(), X_in, y_in, test_in, y_test, **settings
    )
    pd.testing.assert_frame_equal(result.curves, reference.curves)
    if kind == "frame":
        pd.testing.assert_frame_equal(X_in, before[0])
        pd.testing.assert_series_equal(y_in, before[1])


def test_the_callers_estimator_and_data_are_left_alone():
    X_pool, y_pool, X_test, y_test = three_classes(seed=4)
    before = copy.deepcopy((X_pool, y_pool, X_test, y_test))
    model = LogisticRegression(C=0.3)
    simulate_active_learning(
        model, X_pool, y_pool, X_test, y_test, budget=30, repeats=1, random_state=0
    )
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert model.get_params()["C"] == 0.3
    for now, then in zip((X_pool, y_pool, X_test, y_test), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_simulation_is_deterministic_for_a_seed():
    data = three_classes(seed=5)
    runs = [
        simulate_active_learning(
            GaussianNB(), *data, budget=40, repeats=2, random_state=3
        ).curves
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(*runs)


def test_the_start_holds_every_class_even_a_rare_one():
    codes = np.r_[np.zeros(95, dtype=int), np.ones(4, dtype=int), [2]]
    for seed in range(20):
        start = _initial_rows(codes, 3, np.random.default_rng(seed))
        assert sorted(codes[start].tolist()) == [0, 1, 2]
        start = _initial_rows(codes, 30, np.random.default_rng(seed))
        assert len(set(start.tolist())) == 30
        assert set(codes[start].tolist()) == {0, 1, 2}
    X = np.random.default_rng(0).normal(size=(100, 2)) + codes[:, None]
    labels = np.array(["common", "rare", "unique"])[codes]
    result = simulate_active_learning(
        GaussianNB(),
        X,
        labels,
        X[:50],
        labels[:50],
        budget=20,
        initial=3,
        batch_size=5,
        repeats=2,
        random_state=0,
    )
    assert result.n_classes == 3


def test_lower_is_better_metrics_reach_their_target_from_above():
    result = simulate_active_learning(
        LogisticRegression(),
        *binary_problem(seed=0, n=900),
        budget=60,
        initial=10,
        strategies=["margin", "random"],
        metric="log_loss",
        random_state=0,
    )
    assert result.higher_is_better is False
    table = result.to_frame()
    final = table[table["labels"] == 60].set_index("strategy")["mean"]
    assert result.default_target() == final["random"]
    needed = result.labels_to_reach()
    for strategy in ("margin", "random"):
        rows = table[table["strategy"] == strategy].set_index("labels")["mean"]
        if not pd.isna(needed[strategy]):
            assert rows[needed[strategy]] <= final["random"] + 1e-12
            assert (rows[rows.index < needed[strategy]] > final["random"]).all()
    easy = result.labels_to_reach(target=10.0)
    assert (easy == 10).all()
    impossible = result.labels_to_reach(target=0.0)
    assert impossible.isna().all()
    assert str(impossible.dtype) == "Int64"


def test_result_faces():
    result = simulate_active_learning(
        LogisticRegression(),
        *three_classes(seed=6),
        budget=40,
        initial=10,
        repeats=2,
        random_state=0,
    )
    assert isinstance(result, ActiveLearningCurves)
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "area",
        "line",
        "rule",
    ]
    band, line, rule = spec["layer"]
    assert line["encoding"]["x"]["field"] == "labels"
    assert line["encoding"]["y"]["field"] == "mean"
    assert band["encoding"]["y"]["field"] == "min"
    assert band["encoding"]["y2"]["field"] == "max"
    assert line["encoding"]["color"]["scale"]["domain"] == list(QUERY_STRATEGIES)
    points = pd.DataFrame(spec["datasets"][line["data"]["name"]])
    assert len(points) == len(result.to_frame())  # aggregated before charting
    assert rule["encoding"]["y"]["field"] == "reference"
    text = result.explain()
    assert "Chapter 4" in text
    assert "outliers" in text
    assert "three uncertainty measures" not in text  # three classes
    assert repr(result).startswith("<ActiveLearningCurves: ")
    assert "<table" in result._repr_html_()


def test_explain_without_random_asks_for_the_baseline():
    result = simulate_active_learning(
        LogisticRegression(),
        *binary_problem(seed=3, n=600),
        budget=30,
        initial=10,
        strategies=["least_confidence", "entropy"],
        repeats=1,
        random_state=0,
    )
    text = result.explain()
    assert "Add 'random' to the strategies" in text
    assert "their curves coincide" in text
    assert "one repeat" not in text
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]


def test_band_chart_needs_its_columns():
    frame = pd.DataFrame({"x": [1, 2], "y": [0.1, 0.2], "lo": [0, 0], "hi": [1, 1]})
    spec = band_chart(
        frame.assign(g="a"), x="x", y="y", low="lo", high="hi", color="g", title="t"
    ).to_dict()
    assert spec["title"]["text"] == "t"
    with pytest.raises(MlkitValueError, match="'frame' lacks the column"):
        band_chart(frame, x="x", y="y", low="lo", high="hi", color="g", title="t")


def simulation_arguments(**changes):
    X_pool, y_pool, X_test, y_test = three_classes(seed=0, n=300)
    arguments = {
        "estimator": LogisticRegression(),
        "X_pool": X_pool,
        "y_pool": y_pool,
        "X_test": X_test,
        "y_test": y_test,
        "budget": 30,
        **changes,
    }
    positional = [
        arguments.pop(k) for k in ("estimator", "X_pool", "y_pool", "X_test", "y_test")
    ]
    return positional, arguments


BAD_SIMULATIONS = [
    ({"estimator": LinearSVC()}, MlkitTypeError, "'estimator' must be a scikit"),
    ({"y_pool": np.zeros(200)}, MlkitValueError, "'y_pool' must hold at least two"),
    ({"y_pool": np.zeros(5)}, MlkitValueError, "'y_pool' has 5 values"),
    ({"y_pool": [None] * 200}, MlkitValueError, "'y_pool' has 200 missing"),
    ({"y_test": np.full(100, 7)}, MlkitValueError, "'y_test' has labels that"),
    ({"X_test": np.zeros(4)}, MlkitValueError, "'X_test' must be two-dim"),
    ({"budget": 5}, MlkitValueError, "'budget' must be an integer of at least 20"),
    ({"budget": 500}, MlkitValueError, "'budget' is 500 labels, but 'X_pool' has"),
    ({"budget": 30.0}, MlkitTypeError, "'budget' must be an int"),
    ({"initial": 2}, MlkitValueError, "'initial' must be an integer of at least 3"),
    ({"batch_size": 0}, MlkitValueError, "'batch_size' must be an int"),
    ({"repeats": 0}, MlkitValueError, "'repeats' must be an int"),
    ({"strategies": []}, MlkitValueError, "'strategies' is empty"),
    ({"strategies": ["margin", "qbc"]}, MlkitValueError, "'strategies' must be one"),
    ({"strategies": ["margin", "margin"]}, MlkitValueError, "a strategy twice"),
    ({"metric": "auc"}, MlkitValueError, "'metric' must be one of"),
    ({"random_state": 1.5}, MlkitTypeError, "'random_state' must be"),
]


@pytest.mark.parametrize(("changes", "error", "message"), BAD_SIMULATIONS)
def test_simulation_refuses_bad_input(changes, error, message):
    positional, arguments = simulation_arguments(**changes)
    with pytest.raises(error, match=message) as caught:
        simulate_active_learning(*positional, **arguments)
    assert "\nHint: " in str(caught.value)
