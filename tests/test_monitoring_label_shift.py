"""Tests of mlkit.monitoring.label_shift: BBSE, EM, intervals, weights, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import LABEL_SHIFT_COLUMNS, LabelShift, label_shift

SEEDS = (0, 1, 2)


def _binary_world(seed: int, source_share: float, target_share: float, n: int = 6000):
    """A fixed classifier trained on source data, scored on held-out source and target.

    Each class looks the same everywhere (P(x | y) fixed); only its share changes.
    """
    rng = np.random.default_rng(seed)

    def draw(m: int, share: float):
        y = (rng.random(m) < share).astype(int)
        x = rng.normal(np.where(y[:, None] == 1, 1.5, 0.0), 1.0, size=(m, 2))
        return x, y

    x_train, y_train = draw(n, source_share)
    model = LogisticRegression().fit(x_train, y_train)
    x_val, y_val = draw(n, source_share)
    x_target, y_target = draw(n, target_share)
    return (
        y_val,
        model.predict_proba(x_val),
        model.predict_proba(x_target),
        y_target,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_estimates_a_known_label_shift(seed):
    y_val, p_val, p_target, y_target = _binary_world(seed, 0.1, 0.3)
    result = label_shift(y_val, p_val, p_target, random_state=seed)
    assert isinstance(result, LabelShift)
    table = result.table.set_index("label")
    truth = y_target.mean()
    assert table.loc[1, "estimated_target_prior"] == pytest.approx(truth, abs=0.03)
    assert table.loc[1, "em_prior"] == pytest.approx(truth, abs=0.03)
    # The interval covers the truth (with a little slack for the 5 % it may not).
    assert table.loc[1, "target_prior_low"] - 0.01 <= truth
    assert truth <= table.loc[1, "target_prior_high"] + 0.01
    # The mean probability is pulled towards the source share.
    assert table.loc[1, "mean_proba_prior"] < truth - 0.03
    # Weights: the ratio of target to source share of each class.
    assert table.loc[1, "weight"] == pytest.approx(
        table.loc[1, "estimated_target_prior"] / table.loc[1, "source_prior"]
    )
    assert result.weights.loc[1] > 2
    assert result.weights.loc[0] < 1
    assert table["estimated_target_prior"].sum() == pytest.approx(1)
    assert "outside the 95% interval" in result.explain()


@pytest.mark.parametrize("seed", SEEDS)
def test_no_shift_gives_weights_near_one(seed):
    y_val, p_val, p_target, _ = _binary_world(seed, 0.2, 0.2)
    result = label_shift(y_val, p_val, p_target, random_state=seed)
    np.testing.assert_allclose(result.weights, 1, atol=0.15)
    t = result.table
    assert (t["weight_low"] <= 1).all()
    assert (t["weight_high"] >= 1).all()
    assert "Every source share lies inside" in result.explain()


def test_multiclass_shift():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [2, 0], [0, 2]])

    def draw(m: int, prior):
        y = rng.choice(["a", "b", "c"], m, p=prior)
        codes = np.searchsorted(["a", "b", "c"], y)
        return centres[codes] + rng.normal(size=(m, 2)), y

    x_train, y_train = draw(6000, [0.6, 0.3, 0.1])
    model = LogisticRegression().fit(x_train, y_train)
    x_val, y_val = draw(6000, [0.6, 0.3, 0.1])
    x_target, y_target = draw(6000, [0.2, 0.3, 0.5])
    result = label_shift(
        y_val, model.predict_proba(x_val), model.predict_proba(x_target)
    )
    truth = pd.Series(y_target).value_counts(normalize=True).sort_index()
    assert result.target_prior.index.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(result.target_prior, truth, atol=0.03)
    np.testing.assert_allclose(result.table["em_prior"], truth, atol=0.03)
    assert result.sample_weight(["c", "a", "c"]).tolist() == [
        result.weights["c"],
        result.weights["a"],
        result.weights["c"],
    ]


def test_confusion_matrix_equals_sklearn():
    y_val, p_val, p_target, _ = _binary_world(4, 0.3, 0.5, n=2000)
    result = label_shift(y_val, p_val, p_target, n_bootstrap=0)
    expected = confusion_matrix(y_val, p_val.argmax(axis=1)).T / len(y_val)
    np.testing.assert_allclose(result.confusion.to_numpy(), expected)
    assert result.confusion.index.name == "predicted"
    # Solving C w = mu by hand gives the same weights (none clipped here).
    mu = np.bincount(p_target.argmax(axis=1), minlength=2) / len(p_target)
    w = np.linalg.solve(expected, mu)
    q = w * expected.sum(axis=0)
    np.testing.assert_allclose(result.target_prior, q / q.sum(), atol=1e-12)
    assert result.condition_number == pytest.approx(np.linalg.cond(expected))


def test_em_matches_a_direct_implementation():
    y_val, p_val, p_target, _ = _binary_world(5, 0.1, 0.4, n=3000)
    result = label_shift(y_val, p_val, p_target, n_bootstrap=0)
    source = np.bincount(y_val) / len(y_val)
    prior = source.copy()
    for _ in range(5000):
        adjusted = p_target * prior / source
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        prior = adjusted.mean(axis=0)
    np.testing.assert_allclose(result.table["em_prior"], prior, atol=1e-8)
    assert result.em_iterations < 5000


def test_one_column_equals_two_and_inputs_are_not_changed():
    y_val, p_val, p_target, _ = _binary_world(6, 0.2, 0.35, n=2000)
    before = p_val.copy()
    two = label_shift(y_val, p_val, p_target)
    one = label_shift(pd.Series(y_val), p_val[:, 1], list(p_target[:, 1]))
    pd.testing.assert_frame_equal(one.table, two.table, atol=1e-12)
    np.testing.assert_array_equal(p_val, before)
    again = label_shift(y_val, p_val, p_target)
    pd.testing.assert_frame_equal(again.table, two.table)
    assert list(two.table.columns) == list(LABEL_SHIFT_COLUMNS)
    none = label_shift(y_val, p_val, p_target, n_bootstrap=0)
    assert none.table["target_prior_low"].isna().all()
    assert "no interval" in none.chart().to_dict()["title"]["subtitle"]


def test_a_singular_confusion_matrix_is_refused():
    y = np.array([0, 1] * 50)
    never_one = np.column_stack([np.full(100, 0.8), np.full(100, 0.2)])
    with pytest.raises(
        MlkitValueError, match=r"(?s)singular.*never predicts 1\.\nHint"
    ):
        label_shift(y, never_one, never_one)
    # Predictions that ignore the label: both columns of C are the same.
    blind = np.tile([[0.7, 0.3], [0.7, 0.3], [0.3, 0.7], [0.3, 0.7]], (25, 1))
    with pytest.raises(MlkitValueError, match="do not tell the classes apart"):
        label_shift(y, blind, blind)
    with pytest.raises(MlkitValueError, match="has no row of 'c'"):
        label_shift(
            ["a", "b"] * 50,
            np.tile([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1]], (50, 1)),
            np.tile([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]], (50, 1)),
            labels=["a", "b", "c"],
        )


def test_errors_name_the_argument():
    y = np.array([0, 1] * 50)
    p = np.tile([[0.8, 0.2], [0.3, 0.7]], (50, 1))
    with pytest.raises(
        MlkitValueError,
        match=r"(?s)'proba_target' must be probabilities in \[0, 1\].*Hint",
    ):
        label_shift(y, p, p * 2)
    with pytest.raises(
        MlkitValueError, match="each row of 'proba_source' must sum to 1"
    ):
        label_shift(y, p * 0.9, p)
    with pytest.raises(
        MlkitValueError, match="'y_source' has 99 values, but 100 are needed"
    ):
        label_shift(y[:-1], p, p)
    with pytest.raises(
        MlkitValueError, match="'proba_source' has 3 columns but 'proba_target' has 2"
    ):
        label_shift(y, np.column_stack([p, np.zeros(100)]), p, labels=[0, 1, 2])
    with pytest.raises(MlkitValueError, match="'labels' must name the 2 classes"):
        label_shift(y, p, p, labels=["a", "b", "c"])
    with pytest.raises(MlkitValueError, match="'labels' must name the 2 classes"):
        label_shift(np.zeros(100), p, p)
    with pytest.raises(MlkitValueError, match="'y_source' holds 7"):
        label_shift(np.r_[y[:-1], 7], p, p, labels=[0, 1])
    with pytest.raises(MlkitValueError, match="'proba_target' has no rows"):
        label_shift(y, p, p[:0])
    with pytest.raises(MlkitTypeError, match="'proba_source' must hold numbers"):
        label_shift(y, np.full(100, "x"), p)
    with pytest.raises(MlkitValueError, match="missing label"):
        label_shift(np.r_[np.nan, y[1:]], p, p)
    with pytest.raises(MlkitValueError, match="'n_bootstrap' must be an integer"):
        label_shift(y, p, p, n_bootstrap=-1)
    with pytest.raises(MlkitValueError, match="'confidence' must be"):
        label_shift(y, p, p, confidence=95)
    result = label_shift(y, p, p)
    with pytest.raises(MlkitValueError, match="'y' holds 5"):
        result.sample_weight([0, 5])


def test_display():
    y_val, p_val, p_target, _ = _binary_world(7, 0.1, 0.3, n=2000)
    result = label_shift(y_val, p_val, p_target)
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point"]
    text = result.explain()
    assert "P(x | y)" in text
    assert "covariate or concept shift" in text
    assert "Chapter 8" in text
    assert repr(result).startswith("<LabelShift: Estimated shares of the 2 classes")
    assert "<table" in result._repr_html_()
