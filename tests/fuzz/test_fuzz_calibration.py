"""Generated input for mlkit.calibration: reliability, compare_reliability, calibrate."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from mlkit import calibration
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
)

STRATEGY = st.sampled_from(["uniform", "quantile"])
BAD_N_BINS = st.sampled_from([0, -1, 2.5, "10", True])
COLUMNS = ["bin", "lower", "upper", "count", "mean_predicted", "observed_frequency"]


def rarely(data, one_in=10):
    """True about once in ``one_in`` draws: hypothesis leans to the low end of a range."""
    return data.draw(st.integers(0, one_in - 1)) == one_in - 1


def n_bins(data):
    """Mostly a valid number of bins; now and then one that must be refused."""
    return data.draw(BAD_N_BINS if rarely(data) else st.integers(1, 30))


def size(data):
    """Rows: mostly 1 to 60, now and then the edges (0 to 3)."""
    return gen.rows(data) if rarely(data, 5) else data.draw(st.integers(1, 60))


def check_reliability(result):
    in_unit_interval(result.ece, result.mce)
    assert 0 <= result.brier <= 2
    assert result.ece <= result.mce + 1e-12
    table = result.table
    has_columns(table, COLUMNS)
    assert table["count"].sum() == result.n_samples
    assert (table["count"] > 0).all()
    assert len(table) <= result.n_bins
    in_unit_interval(*table["mean_predicted"], *table["observed_frequency"])
    assert table["bin"].is_monotonic_increasing


def probability_matrix(data, n, k):
    """``n`` rows of ``k`` class probabilities summing to one, extremes likely."""
    raw = np.abs(gen.floats(data, n * k, nasty=False).reshape(n, k))
    raw[raw.sum(axis=1) == 0] = 1.0
    return raw / raw.sum(axis=1, keepdims=True)


def labels_and_classes(data, n):
    """Labels of two or three classes, and the classes as a model would name them."""
    classes = data.draw(
        st.sampled_from([(0, 1), ("no", "yes"), (False, True), (0, 1, 2), ("a", "b")])
    )
    return gen.labels(data, n, classes=classes), classes


@fuzzes("mlkit.calibration.reliability")
@given(st.data())
@fuzz_settings(40)
def test_reliability(data):
    n = size(data)
    y, classes = labels_and_classes(data, n)
    options = {}
    if len(classes) == 2 and data.draw(st.booleans()):
        prob = gen.container(data, gen.probabilities(data, n))
        if isinstance(classes[0], str) or rarely(data, 4):
            label = data.draw(st.sampled_from(classes))
            options["positive_label"] = "zzz" if rarely(data) else label
    else:  # a matrix of class probabilities, one column per class
        prob = probability_matrix(data, n, len(classes))
        if not rarely(data, 6):
            options["classes"] = gen.container(data, list(classes))

    def check(result):
        check_reliability(result)
        binary = not result.multiclass and len(set(y.tolist())) == 2
        if binary and np.ndim(prob) == 1:
            # scikit-learn's curve and Brier score, for the same bins.
            p = np.asarray(prob, dtype=float)
            outcome = np.asarray(y == result.positive_label, dtype=int)
            prob_true, prob_pred = calibration_curve(
                outcome, p, n_bins=result.n_bins, strategy=result.strategy
            )
            np.testing.assert_allclose(result.table["observed_frequency"], prob_true)
            np.testing.assert_allclose(result.table["mean_predicted"], prob_pred)
            assert abs(result.brier - brier_score_loss(outcome, p)) < 1e-12

    call(
        "mlkit.calibration.reliability",
        calibration.reliability,
        gen.container(data, y),
        prob,
        n_bins=n_bins(data),
        strategy=data.draw(STRATEGY),
        check=check,
        **options,
    )


@fuzzes("mlkit.calibration.compare_reliability")
@given(st.data())
@fuzz_settings(20)
def test_compare_reliability(data):
    n = size(data)
    y = gen.binary_labels(data, n)
    names = data.draw(
        st.sampled_from([("a", "a"), ("x",), "ab", ("", "b")])
        if rarely(data)
        else st.sampled_from([("before", "after"), ("raw", "calibré")])
    )

    def check(result):
        check_reliability(result.before)
        check_reliability(result.after)
        frame = result.to_frame()
        has_columns(frame, ["metric", "before", "after", "change"])
        np.testing.assert_allclose(frame["change"], frame["after"] - frame["before"])

    call(
        "mlkit.calibration.compare_reliability",
        calibration.compare_reliability,
        gen.container(data, y),
        gen.container(data, gen.probabilities(data, n)),
        gen.container(data, gen.probabilities(data, n)),
        n_bins=n_bins(data),
        strategy=data.draw(STRATEGY),
        names=names,
        check=check,
    )


def fitted_model(X, y):
    """A logistic regression fitted on a clean copy of ``X``, or None if it cannot be."""
    clean = X.apply(lambda c: c.astype(float)).fillna(0).clip(-1e6, 1e6)
    if len(set(y.tolist())) < 2:
        return LogisticRegression()  # unfitted: calibrate must refuse it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence on generated data is not tested
        return LogisticRegression().fit(clean, y)


@fuzzes("mlkit.calibration.calibrate")
@given(st.data())
@fuzz_settings(12)
def test_calibrate(data):
    n = gen.rows(data) if rarely(data, 6) else data.draw(st.integers(10, 60))
    kinds = gen.NUMERIC_KINDS if rarely(data, 4) else ("float_clean", "int")
    X = gen.frame(data, n, kinds=kinds, max_columns=3)
    if n >= 10:
        # Enough rows of each class for the calibrator, in a shuffled order.
        y = np.resize(np.array([0, 1]), n)[data.draw(st.permutations(range(n)))]
        if rarely(data, 8):
            y[:] = 1  # one class only: the calibrator has nothing to learn
    else:
        y = gen.binary_labels(data, n)
    model = fitted_model(X, y) if n else LogisticRegression()
    options = {}
    if data.draw(st.booleans()):
        m = data.draw(st.integers(1, 40))
        options["X_eval"] = gen.frame(data, m, kinds=("float_clean",), max_columns=1)
        options["X_eval"].columns = X.columns[:1]
        options["X_eval"] = options["X_eval"].reindex(columns=X.columns, fill_value=0)
        options["y_eval"] = gen.container(data, gen.binary_labels(data, m))

    def check(result):
        check_reliability(result.before)
        check_reliability(result.after)
        assert result.n_calibration == n
        assert result.held_out == ("X_eval" in options)
        proba = result.model.predict_proba(options.get("X_eval", X))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)

    call(
        "mlkit.calibration.calibrate",
        calibration.calibrate,
        model,
        X,
        gen.container(data, y),
        method="beta"
        if rarely(data)
        else data.draw(st.sampled_from(calibration.METHODS)),
        n_bins=data.draw(st.integers(1, 20)),
        check=check,
        **options,
    )
