"""Tests for mlkit.evaluation: metric names and the expected cost of errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    log_loss,
    mean_absolute_error,
    roc_auc_score,
)

from mlkit._exceptions import MlkitValueError
from mlkit.cases import Costs
from mlkit.evaluation import (
    METRICS,
    expected_cost,
    higher_is_better,
    score,
    suggest_metric,
)


@pytest.fixture(scope="module")
def classifier():
    X, y = make_classification(n_samples=400, weights=[0.8], random_state=0)
    return LogisticRegression().fit(X[:300], y[:300]), X[300:], y[300:]


def test_scores_equal_scikit_learns(classifier):
    model, X, y = classifier
    proba = model.predict_proba(X)[:, 1]
    assert score(model, X, y, "roc_auc") == pytest.approx(
        roc_auc_score(y, proba), abs=1e-12
    )
    assert score(model, X, y, "pr_auc") == pytest.approx(
        average_precision_score(y, proba), abs=1e-12
    )
    assert score(model, X, y, "log_loss") == pytest.approx(
        log_loss(y, model.predict_proba(X)), abs=1e-12
    )
    X, y = make_regression(n_samples=100, random_state=0)
    reg = LinearRegression().fit(X, y)
    assert score(reg, X, y, "mae") == pytest.approx(
        mean_absolute_error(y, reg.predict(X)), abs=1e-9
    )


def test_direction_of_each_metric():
    assert higher_is_better("roc_auc")
    assert not higher_is_better("log_loss")
    assert not higher_is_better("expected_cost")
    assert set(METRICS) >= {"roc_auc", "pr_auc", "log_loss", "mae"}
    with pytest.raises(MlkitValueError, match="'metric' must be one of"):
        higher_is_better("auc")


@pytest.mark.parametrize("as_type", [list, np.asarray, pd.Series])
def test_expected_cost_of_binary_decisions(as_type):
    rng = np.random.default_rng(0)
    truth, decided = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    _, fp, fn, _ = confusion_matrix(truth, decided).ravel()
    got = expected_cost(as_type(truth), as_type(decided), cost_fp=5, cost_fn=1)
    assert got == pytest.approx((5 * fp + fn) / 500)
    assert (
        expected_cost(truth.astype(bool), decided.astype(bool), cost_fp=5, cost_fn=1)
        == got
    )


def test_expected_cost_of_numbers_and_classes():
    assert expected_cost(
        [1.0, 2.0, 3.0], [2.0, 2.0, 1.0], cost_over=1, cost_under=3
    ) == (pytest.approx((1 + 0 + 6) / 3))
    assert expected_cost(list("abca"), list("abcc"), cost_error=4) == 1.0


def test_costs_of_a_case_plug_in():
    costs = Costs(unit="USD", over_prediction=1.0, under_prediction=3.0)
    assert expected_cost([10], [7], **costs.as_kwargs()) == 9.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cost_fp": 1}, "the costs of one kind of task"),
        ({}, "got none"),
        ({"cost_fp": 1, "cost_fn": 1, "cost_error": 1}, "the costs of one kind"),
    ],
)
def test_expected_cost_needs_one_set_of_costs(kwargs, message):
    with pytest.raises(MlkitValueError, match=message):
        expected_cost([0, 1], [1, 1], **kwargs)


def test_expected_cost_bad_input():
    with pytest.raises(MlkitValueError, match="must be 0/1"):
        expected_cost(["spam", "ham"], ["spam", "spam"], cost_fp=1, cost_fn=1)
    with pytest.raises(
        MlkitValueError, match="'y_pred' has 1 values, but 2 are needed"
    ):
        expected_cost([0, 1], [1], cost_fp=1, cost_fn=1)
    with pytest.raises(MlkitValueError, match="'y_true' is empty"):
        expected_cost([], [], cost_error=1)


def test_suggest_metric():
    assert suggest_metric("binary", positive_rate=0.003)[0] == "pr_auc"
    assert suggest_metric("binary", positive_rate=0.97)[0] == "pr_auc"
    assert suggest_metric("binary", positive_rate=0.5)[0] == "roc_auc"
    assert suggest_metric("multiclass")[0] == "log_loss"
    assert suggest_metric("regression")[0] == "mae"
    with pytest.raises(MlkitValueError, match="'positive_rate' must be a share"):
        suggest_metric("binary")
    with pytest.raises(MlkitValueError, match="'task' must be"):
        suggest_metric("ranking")
