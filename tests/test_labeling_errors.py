"""Tests for mlkit.labeling's label errors: confident learning through cleanlab."""

from __future__ import annotations

import copy
import sys

import numpy as np
import pandas as pd
import pytest
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.labeling import LabelErrors, find_label_errors
from mlkit.labeling._errors import (
    SHAPE_ERROR,
    UNKNOWN_LABEL_ERROR,
    RareClassWarning,
)


def planted(n_classes, seed, n=600):
    """A learnable problem whose labels have 10 % planted flips to another class.

    Returns the features, the true labels, the given labels and a mask of the
    flipped rows.
    """
    X, y = make_classification(
        n,
        n_features=8,
        n_informative=5,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=2.0,
        flip_y=0,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    flipped = rng.choice(n, n // 10, replace=False)
    given = y.copy()
    given[flipped] = (y[flipped] + rng.integers(1, n_classes, len(flipped))) % n_classes
    mask = np.zeros(n, dtype=bool)
    mask[flipped] = True
    return X, y, given, mask


def out_of_fold(X, y, seed=0):
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return cross_val_predict(
        LogisticRegression(), X, y, cv=folds, method="predict_proba"
    )


# --------------------------------------------------------------------------- planted noise


# Measured with LogisticRegression, 5 folds, on seeds 0-19 of this set-up:
# binary, precision 0.905-1.0 (mean 0.98) and recall 0.85-1.0 (mean 0.95);
# three classes, precision 0.86-1.0 (mean 0.96) and recall 0.85-1.0 (mean 0.93).
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_flips_are_found_with_high_precision_and_recall(n_classes, seed):
    X, _, given, flipped = planted(n_classes, seed)
    result = LabelErrors.from_estimator(
        LogisticRegression(), X, given, random_state=seed
    )
    flagged = result.issues.to_numpy()
    hits = int((flagged & flipped).sum())
    assert hits / flagged.sum() >= 0.8  # precision
    assert hits / flipped.sum() >= 0.8  # recall
    # The suggested label of a caught flip is mostly the true one.
    _, truth, *_ = planted(n_classes, seed)
    caught = flagged & flipped
    assert (result.suggested.to_numpy()[caught] == truth[caught]).mean() >= 0.8


@pytest.mark.parametrize("n_classes", [2, 3])
def test_clean_labels_flag_few_rows(n_classes):
    # Seeds 0-19: at most 0.5 % of the rows flagged.
    X, truth, *_ = planted(n_classes, seed=0)
    result = LabelErrors.from_estimator(LogisticRegression(), X, truth, random_state=0)
    assert result.issues.mean() <= 0.02
    assert result.to_frame().shape[0] == result.n_issues


def test_flags_and_quality_equal_cleanlabs():
    X, _, given, _ = planted(3, seed=4)
    proba = out_of_fold(X, given)
    result = find_label_errors(given, proba)
    np.testing.assert_array_equal(
        result.issues.to_numpy(), find_label_issues(given, proba)
    )
    np.testing.assert_allclose(
        result.quality.to_numpy(), get_label_quality_scores(given, proba)
    )
    # Self-confidence: the probability of the given label.
    np.testing.assert_allclose(
        result.quality.to_numpy(), proba[np.arange(len(given)), given]
    )


def test_string_labels_work_and_match_integer_codes():
    X, _, given, flipped = planted(3, seed=5)
    names = np.array(["bird", "cat", "dog"])
    text = names[given]
    result = LabelErrors.from_estimator(GaussianNB(), X, text, random_state=0)
    codes = LabelErrors.from_estimator(GaussianNB(), X, given, random_state=0)
    assert result.classes == ("bird", "cat", "dog")
    pd.testing.assert_series_equal(result.issues, codes.issues)
    assert result.suggested.tolist() == names[codes.suggested.to_numpy()].tolist()
    table = result.to_frame()
    assert set(table["given"]) | set(table["suggested"]) <= set(names)
    assert (table["given"] != table["suggested"]).all()
    assert (result.issues.to_numpy() & flipped).sum() / flipped.sum() >= 0.8


def test_classes_give_the_order_of_the_columns():
    X, _, given, _ = planted(3, seed=6)
    proba = out_of_fold(X, given)
    names = np.array(["low", "mid", "high"])[given]
    sorted_result = find_label_errors(
        names, proba[:, [2, 0, 1]], classes=None
    )  # sorted: high, low, mid
    ordered = find_label_errors(names, proba, classes=["low", "mid", "high"])
    assert sorted_result.classes == ("high", "low", "mid")
    pd.testing.assert_series_equal(sorted_result.issues, ordered.issues)
    pd.testing.assert_series_equal(sorted_result.quality, ordered.quality)
    pd.testing.assert_series_equal(sorted_result.suggested, ordered.suggested)


def test_a_class_without_rows_can_be_named():
    labels = np.array([0] * 6 + [1] * 6)
    proba = np.tile([0.8, 0.1, 0.1], (12, 1))
    proba[6:] = [0.1, 0.8, 0.1]
    proba[0] = [0.02, 0.03, 0.95]
    result = find_label_errors(labels, proba, classes=[0, 1, 2])
    assert result.classes == (0, 1, 2)
    assert result.suggested.iloc[0] == 2
    with pytest.raises(MlkitValueError, match=SHAPE_ERROR):
        find_label_errors(labels, proba)


def test_suggested_is_the_most_probable_other_class():
    labels = ["a", "b", "c", "a"]
    proba = np.array(
        [[0.7, 0.2, 0.1], [0.5, 0.1, 0.4], [0.3, 0.3, 0.4], [0.1, 0.3, 0.6]]
    )
    with pytest.warns(
        RareClassWarning, match="2 class\\(es\\) of 'labels' have a single"
    ):
        result = find_label_errors(labels, proba)
    assert result.suggested.tolist() == ["b", "a", "a", "c"]
    np.testing.assert_allclose(result.quality, [0.7, 0.1, 0.4, 0.1])


def test_to_frame_lists_flagged_rows_worst_first_on_the_labels_index():
    X, _, given, _ = planted(2, seed=7)
    labels = pd.Series(given, index=pd.RangeIndex(1000, 1000 + len(given)), name="y")
    result = find_label_errors(labels, out_of_fold(X, given))
    table = result.to_frame()
    assert list(table.columns) == [
        "position",
        "given",
        "suggested",
        "quality",
        "suggested_probability",
    ]
    assert table["quality"].is_monotonic_increasing
    assert (table.index == table["position"] + 1000).all()
    assert result.issues.index.equals(labels.index)
    assert table["given"].tolist() == labels.iloc[table["position"]].tolist()
    np.testing.assert_allclose(
        table["quality"] + table["suggested_probability"], 1.0
    )  # two classes


def test_nothing_is_mutated():
    X, _, given, _ = planted(3, seed=8)
    frame = pd.DataFrame(X, index=np.arange(len(X))[::-1])
    labels = pd.Series(given, index=frame.index)
    proba = out_of_fold(X, given)
    before = copy.deepcopy((frame, labels, proba))
    find_label_errors(labels, proba)
    model = LogisticRegression(C=0.5)
    LabelErrors.from_estimator(model, frame, labels, random_state=0)
    pd.testing.assert_frame_equal(frame, before[0])
    pd.testing.assert_series_equal(labels, before[1])
    np.testing.assert_array_equal(proba, before[2])
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert model.get_params()["C"] == 0.5


def test_from_estimator_is_find_label_errors_on_out_of_fold_probabilities():
    X, _, given, _ = planted(2, seed=9)
    folds = StratifiedKFold(4, shuffle=True, random_state=3)
    proba = cross_val_predict(GaussianNB(), X, given, cv=folds, method="predict_proba")
    direct = find_label_errors(given, proba)
    wrapped = LabelErrors.from_estimator(GaussianNB(), X, given, cv=folds)
    pd.testing.assert_series_equal(direct.issues, wrapped.issues)
    np.testing.assert_allclose(direct.pred_probs, wrapped.pred_probs)
    # An int of folds: stratified and shuffled with the seed, so reproducible.
    runs = [
        LabelErrors.from_estimator(GaussianNB(), X, given, random_state=1).pred_probs
        for _ in range(2)
    ]
    np.testing.assert_array_equal(*runs)
    groups = np.arange(len(given)) % 6
    grouped = LabelErrors.from_estimator(
        GaussianNB(), X, given, cv=GroupKFold(3), groups=groups
    )
    reference = cross_val_predict(
        GaussianNB(), X, given, groups=groups, cv=GroupKFold(3), method="predict_proba"
    )
    np.testing.assert_allclose(grouped.pred_probs, reference)


def test_float32_softmax_probabilities_pass():
    X, _, given, _ = planted(3, seed=10)
    proba = out_of_fold(X, given).astype(np.float32)
    result = find_label_errors(given, proba)
    assert result.pred_probs.dtype == np.float64
    assert result.n_issues > 0


def test_result_faces():
    X, _, given, _ = planted(3, seed=11)
    result = find_label_errors(np.array(["x", "y", "z"])[given], out_of_fold(X, given))
    spec = result.chart().to_dict()
    assert len(spec["hconcat"]) == 2
    left, right = spec["hconcat"]
    assert left["mark"]["type"] == "bar"
    assert left["encoding"]["color"]["scale"]["domain"] == ["flagged", "not flagged"]
    assert [layer["mark"]["type"] for layer in right["layer"]] == ["rect", "text"]
    pairs = pd.DataFrame(spec["datasets"][right["data"]["name"]])
    assert pairs["rows"].sum() == result.n_issues
    text = result.explain()
    assert f"{result.n_issues} of 600 rows" in text
    assert "candidates for human review, not automatic corrections" in text
    assert "Chapter 4" in text
    assert repr(result).startswith(f"<LabelErrors: {result.n_issues} of 600 rows")
    assert "<table" in result._repr_html_()


def test_no_flag_says_so():
    labels = np.array([0] * 5 + [1] * 5)
    proba = np.r_[np.tile([0.9, 0.1], (5, 1)), np.tile([0.2, 0.8], (5, 1))]
    result = find_label_errors(labels, proba)
    assert result.n_issues == 0
    assert result.to_frame().empty
    assert "None stands out" in result.explain()
    spec = result.chart().to_dict()
    assert spec["hconcat"][1]["mark"]["type"] == "text"


def test_missing_cleanlab_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    with pytest.raises(ImportError, match=r"cleanlab is needed.*\nHint: install"):
        find_label_errors([0, 1], [[0.9, 0.1], [0.2, 0.8]])


GOOD_PROBA = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
GOOD_LABELS = [0, 1, 0, 1]

BAD_INPUTS = [
    ({"pred_probs": GOOD_PROBA[:3]}, MlkitValueError, SHAPE_ERROR),
    ({"pred_probs": GOOD_PROBA[:, :1]}, MlkitValueError, SHAPE_ERROR),
    ({"pred_probs": GOOD_PROBA[:, 0]}, MlkitValueError, SHAPE_ERROR),
    (
        {"pred_probs": GOOD_PROBA * 0.9},
        MlkitValueError,
        "Each row of 'pred_probs' must sum to 1; 4 row",
    ),
    (
        {"pred_probs": GOOD_PROBA * 2 - 0.5},
        MlkitValueError,
        r"'pred_probs' must be probabilities in \[0, 1\]",
    ),
    (
        {"pred_probs": np.where(GOOD_PROBA == 0.9, np.nan, GOOD_PROBA)},
        MlkitValueError,
        "'pred_probs' has 1 missing",
    ),
    ({"pred_probs": [["a", "b"]] * 4}, MlkitTypeError, "'pred_probs' must be numbers"),
    ({"labels": [0, 1, 0, 2], "classes": [0, 1]}, MlkitValueError, UNKNOWN_LABEL_ERROR),
    ({"labels": [0, 1, 0, 2]}, MlkitValueError, SHAPE_ERROR),
    ({"labels": [0, 0, 0, 0]}, MlkitValueError, "'labels' must hold at least two"),
    ({"labels": [0, 1, None, 1]}, MlkitValueError, "'labels' has 1 missing"),
    ({"labels": []}, MlkitValueError, "'labels' is empty"),
    ({"labels": np.zeros((4, 2))}, MlkitValueError, "'labels' must be one-dim"),
    (
        {"labels": np.array([0, "a", 0, "a"], dtype=object)},
        MlkitTypeError,
        "'labels' mixes values",
    ),
    ({"classes": [1, 0, 1]}, MlkitValueError, "'classes' lists a class twice"),
    ({"classes": [0, 1, 2]}, MlkitValueError, SHAPE_ERROR),
    ({"classes": ["a", "b"]}, MlkitValueError, UNKNOWN_LABEL_ERROR),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_INPUTS)
def test_find_label_errors_refuses_bad_input(kwargs, error, message):
    arguments = {"labels": GOOD_LABELS, "pred_probs": GOOD_PROBA, **kwargs}
    labels, proba = arguments.pop("labels"), arguments.pop("pred_probs")
    with pytest.raises(error, match=message) as caught:
        find_label_errors(labels, proba, **arguments)
    assert "\nHint: " in str(caught.value)


def test_from_estimator_refuses_bad_input():
    X, _, given, _ = planted(2, seed=12, n=100)
    rare = given.copy()
    rare[:] = 0
    rare[:3] = 1
    cases = [
        ((LinearSVC(), X, given), {}, MlkitTypeError, "'estimator' must be"),
        ((GaussianNB(), X, given[:50]), {}, MlkitValueError, "'y' has 50 labels"),
        ((GaussianNB(), X[:, 0], given), {}, MlkitValueError, "'X' must be two-dim"),
        ((GaussianNB(), X, np.zeros(100)), {}, MlkitValueError, "at least two classes"),
        ((GaussianNB(), X, given), {"cv": 1}, MlkitValueError, "'cv' must be an int"),
        ((GaussianNB(), X, rare), {}, MlkitValueError, "'cv' is 5 folds, but class 1"),
        ((GaussianNB(), X, given), {"cv": "five"}, MlkitTypeError, "'cv' must be a"),
        (
            (GaussianNB(), X, given),
            {"random_state": "seed"},
            MlkitTypeError,
            "'random_state' must be",
        ),
    ]
    for args, kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            LabelErrors.from_estimator(*args, **kwargs)
