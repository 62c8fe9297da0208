"""The checkers of notebooks 06 to 11: each on its right answer and on the mistakes it names.

Small data built here; the right answers are computed the way a learner would, and
compared with scikit-learn, scipy or statsmodels where they compute the same quantity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlkit as mk
from mlkit.exercises._core import STRICT_ENV


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    # The notebook tests run in strict mode; here every verdict must come back.
    monkeypatch.delenv(STRICT_ENV, raising=False)


def check(exercise_id, answer, **context):
    return mk.exercises.check(exercise_id, answer, **context)


def assert_verdict(feedback, status, *words):
    assert feedback.status == status, str(feedback)
    for word in words:
        assert word in feedback.message, str(feedback)


# --- 06 model development ---------------------------------------------------------


@pytest.fixture
def binary_targets():
    rng = np.random.default_rng(0)
    y_train = pd.Series((rng.random(200) < 0.3).astype(int))
    y_valid = pd.Series((rng.random(100) < 0.4).astype(int))
    return y_train, y_valid


@pytest.fixture
def numeric_targets():
    rng = np.random.default_rng(1)
    return pd.Series(rng.gamma(2.0, 3.0, 200)), pd.Series(rng.gamma(2.0, 4.0, 100))


def test_06_1_zero_rule_classification(binary_targets):
    y_train, y_valid = binary_targets
    ctx = dict(y_train=y_train, y_valid=y_valid, task="binary")
    from sklearn.dummy import DummyClassifier

    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((200, 1)), y_train)
    truth = 1 - dummy.score(np.zeros((100, 1)), y_valid)
    assert_verdict(check("06.1", truth, **ctx), "correct")
    assert_verdict(check("06.1", 1 - truth, **ctx), "wrong", "accuracy")
    assert_verdict(check("06.1", y_train.mean(), **ctx), "wrong", "training rows")
    assert_verdict(check("06.1", [truth], **ctx), "wrong", "expected")
    assert_verdict(check("06.1", "0.4", **ctx), "wrong", "expected")


def test_06_1_zero_rule_regression(numeric_targets):
    y_train, y_valid = numeric_targets
    ctx = dict(y_train=y_train, y_valid=y_valid, task="regression")
    from sklearn.dummy import DummyRegressor
    from sklearn.metrics import mean_absolute_error, root_mean_squared_error

    pred = DummyRegressor().fit(np.zeros((200, 1)), y_train).predict(np.zeros((100, 1)))
    assert_verdict(check("06.1", mean_absolute_error(y_valid, pred), **ctx), "correct")
    rmse = root_mean_squared_error(y_valid, pred)
    assert_verdict(check("06.1", rmse, **ctx), "wrong", "root mean squared")
    median = (y_valid - y_train.median()).abs().mean()
    assert_verdict(check("06.1", median, **ctx), "wrong", "median")
    peek = (y_valid - y_valid.mean()).abs().mean()
    assert_verdict(check("06.1", peek, **ctx), "wrong", "y_valid")


@pytest.fixture
def ladder_scores():
    scores = pd.DataFrame(
        {
            "expected_cost": [0.9, 0.5, 0.3, 0.4, 0.6],
            "roc_auc": [0.5, 0.6, 0.8, 0.9, 0.7],
        },
        index=["zero_rule", "heuristic", "logistic", "forest", "boosting"],
    )
    return dict(scores=scores, models=["logistic", "forest", "boosting"])


def test_06_2_best_model(ladder_scores):
    cost = dict(ladder_scores, metric="expected_cost")
    assert_verdict(check("06.2", "logistic", **cost), "correct")
    assert_verdict(
        check("06.2", "boosting", **cost), "wrong", "worst", "lower is better"
    )
    assert_verdict(check("06.2", "heuristic", **cost), "wrong", "baseline")
    assert_verdict(check("06.2", "svm", **cost), "wrong", "not a row")
    assert_verdict(check("06.2", 2, **cost), "wrong", "expected the name")
    auc = dict(ladder_scores, metric="roc_auc")
    assert_verdict(check("06.2", "forest", **auc), "correct")
    assert_verdict(check("06.2", "boosting", **auc), "wrong", "worst", "higher")


def test_06_3_gap():
    table = pd.DataFrame(
        {
            "rows": [100, 400],
            "train_score": [0.10, 0.20],
            "validation_score": [0.40, 0.30],
        }
    )
    ctx = dict(table=table, higher_is_better=False)  # an error: lower is better
    assert_verdict(check("06.3", 0.10, **ctx), "correct", "variance")
    assert_verdict(check("06.3", -0.10, **ctx), "wrong", "sign")
    assert_verdict(check("06.3", 0.30, **ctx), "wrong", "smallest size")
    assert_verdict(check("06.3", None, **ctx), "wrong", "expected")
    scores = dict(table=table.rename(columns={}), higher_is_better=True)
    assert_verdict(check("06.3", -0.10, **scores), "correct")


# --- 07 offline evaluation -------------------------------------------------------


def test_07_1_recall_and_its_confusions():
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    rng = np.random.default_rng(2)
    y_true = pd.Series((rng.random(300) < 0.3).astype(int))
    y_pred = np.where(rng.random(300) < 0.7, y_true, 1 - y_true)
    ctx = dict(y_true=y_true, y_pred=y_pred, task="binary")
    recall = recall_score(y_true, y_pred)
    assert_verdict(check("07.1", recall, **ctx), "correct", "actual positives")
    precision = precision_score(y_true, y_pred)
    assert_verdict(check("07.1", precision, **ctx), "wrong", "precision", "TP + FN")
    assert_verdict(check("07.1", 1 - recall, **ctx), "wrong", "misses")
    accuracy = accuracy_score(y_true, y_pred)
    assert_verdict(check("07.1", accuracy, **ctx), "wrong", "accuracy")


def test_07_1_mae_and_its_confusions():
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    rng = np.random.default_rng(3)
    y_true = pd.Series(rng.normal(10, 3, 200))
    y_pred = y_true + rng.normal(0.5, 2, 200)
    ctx = dict(y_true=y_true, y_pred=y_pred, task="regression")
    assert_verdict(check("07.1", mean_absolute_error(y_true, y_pred), **ctx), "correct")
    mse = mean_squared_error(y_true, y_pred)
    assert_verdict(check("07.1", np.sqrt(mse), **ctx), "wrong", "root mean squared")
    assert_verdict(check("07.1", mse, **ctx), "wrong", "squared")
    bias = float(np.mean(y_pred - y_true))
    assert_verdict(check("07.1", bias, **ctx), "wrong", "bias")


def test_07_2_expected_calibration_error():
    rng = np.random.default_rng(12)
    p = rng.random(2000)
    y = (rng.random(2000) < 0.5 + 0.6 * (p - 0.5)).astype(int)  # overconfident
    ctx = dict(y_true=pd.Series(y), y_prob=p, task="binary")
    reference = mk.calibration.reliability(y, p, n_bins=10).ece
    assert_verdict(check("07.2", reference, **ctx), "correct", "Brier")
    edges = np.linspace(0, 1, 11)
    index = np.clip(np.digitize(p, edges) - 1, 0, 9)  # left-closed bins are as right
    frame = pd.DataFrame({"bin": index, "y": y, "p": p}).groupby("bin").mean()
    rows = np.bincount(index)
    left = float(np.sum(rows * (frame["y"] - frame["p"]).abs()) / len(p))
    assert_verdict(check("07.2", left, **ctx), "correct")
    plain = float((frame["y"] - frame["p"]).abs().mean())
    assert_verdict(check("07.2", plain, **ctx), "wrong", "weigh each bin")
    signed = float(abs(np.sum(rows * (frame["y"] - frame["p"]))) / len(p))
    assert_verdict(check("07.2", signed, **ctx), "wrong", "cancel")
    brier = float(np.mean((p - y) ** 2))
    assert_verdict(check("07.2", brier, **ctx), "wrong", "Brier score")
    fifteen = mk.calibration.reliability(y, p).ece
    assert_verdict(check("07.2", fifteen, **ctx), "wrong", "15 bins")
    regression = dict(y_true=pd.Series(p), task="regression")
    assert_verdict(check("07.2", None, **regression), "correct")
    assert_verdict(check("07.2", 0.1, **regression), "wrong", "None")


@pytest.fixture
def held_out():
    rng = np.random.default_rng(4)
    y = (rng.random(400) < 0.2).astype(int)
    scores = np.clip(0.2 + 0.4 * y + rng.normal(0, 0.2, 400), 0, 1).round(3)
    return y, scores


def brute_force_threshold(y, scores, cost_fp, cost_fn):
    cuts = np.unique(scores)
    cost = [
        (
            cost_fp * np.sum((scores >= t) & (y == 0))
            + cost_fn * np.sum((scores < t) & (y == 1))
        )
        / len(y)
        for t in cuts
    ]
    return float(cuts[int(np.argmin(cost))])


def test_07_3_threshold_of_least_cost(held_out):
    y, scores = held_out
    ctx = dict(
        task="binary", y_true=pd.Series(y), scores=scores, cost_fp=1.0, cost_fn=10.0
    )
    best = brute_force_threshold(y, scores, 1.0, 10.0)
    assert_verdict(check("07.3", best, **ctx), "correct", "least")
    assert_verdict(check("07.3", 1 / 11, **ctx), "wrong", "theoretical")
    assert_verdict(check("07.3", 0.5, **ctx), "wrong", "same")
    swapped = brute_force_threshold(y, scores, 10.0, 1.0)
    assert_verdict(check("07.3", swapped, **ctx), "wrong", "swapped")
    assert_verdict(check("07.3", 1.5, **ctx), "wrong", "between 0 and 1")


def test_07_3_offset_of_least_cost():
    rng = np.random.default_rng(5)
    y = pd.Series(rng.normal(50, 10, 500))
    pred = y.to_numpy() + rng.normal(0, 5, 500)
    ctx = dict(task="regression", y_true=y, scores=pred, cost_over=1.0, cost_under=3.0)
    residuals = y.to_numpy() - pred
    assert_verdict(check("07.3", np.quantile(residuals, 0.75), **ctx), "correct")
    # Another quantile method is as right.
    truth = np.quantile(residuals, 0.75, method="inverted_cdf")
    assert_verdict(check("07.3", truth, **ctx), "correct")
    assert_verdict(
        check("07.3", np.quantile(residuals, 0.25), **ctx), "wrong", "other way"
    )
    flipped = np.quantile(pred - y.to_numpy(), 0.75)
    assert_verdict(check("07.3", flipped, **ctx), "wrong", "prediction - y")
    assert_verdict(check("07.3", residuals.mean(), **ctx), "wrong", "mean residual")


def test_07_3_nothing_to_choose_for_classes():
    ctx = dict(task="multiclass", cost_error=20.0)
    assert_verdict(check("07.3", None, **ctx), "correct")
    assert_verdict(check("07.3", 0.5, **ctx), "wrong", "None")


# --- 08 fairness ------------------------------------------------------------------


@pytest.fixture
def audit():
    rng = np.random.default_rng(6)
    groups = pd.Series(rng.choice(["a", "b", "c"], 600, p=[0.5, 0.3, 0.2]))
    base = groups.map({"a": 0.3, "b": 0.5, "c": 0.2})
    y_true = pd.Series((rng.random(600) < base).astype(int))
    keep = groups.map({"a": 0.8, "b": 0.6, "c": 0.4})
    y_pred = np.where(
        y_true == 1, rng.random(600) < keep, rng.random(600) < 0.1
    ).astype(int)
    return dict(y_true=y_true, y_pred=y_pred, groups=groups, task="binary")


def test_08_1_demographic_parity_difference(audit):
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        true_positive_rate,
    )

    truth = demographic_parity_difference(
        audit["y_true"], audit["y_pred"], sensitive_features=audit["groups"]
    )
    assert_verdict(check("08.1", truth, **audit), "correct", "demographic parity")
    selection = pd.Series(audit["y_pred"]).groupby(audit["groups"]).mean()
    ratio = selection.min() / selection.max()
    assert_verdict(check("08.1", ratio, **audit), "wrong", "ratio")
    base = audit["y_true"].groupby(audit["groups"]).mean()
    assert_verdict(
        check("08.1", base.max() - base.min(), **audit), "wrong", "base rates"
    )
    tpr = MetricFrame(
        metrics=true_positive_rate,
        y_true=audit["y_true"],
        y_pred=audit["y_pred"],
        sensitive_features=audit["groups"],
    ).difference()
    assert_verdict(check("08.1", tpr, **audit), "wrong", "equal opportunity")
    assert_verdict(check("08.1", "big", **audit), "wrong", "expected")


def test_08_1_error_gap_for_numbers():
    rng = np.random.default_rng(7)
    groups = pd.Series(rng.choice(["x", "y"], 300))
    y_true = pd.Series(rng.normal(10, 2, 300))
    y_pred = y_true + np.where(groups == "x", 1.0, 3.0) * rng.normal(0.5, 1, 300)
    ctx = dict(y_true=y_true, y_pred=y_pred, groups=groups, task="regression")
    mae = (pd.Series(y_pred) - y_true).abs().groupby(groups).mean()
    assert_verdict(check("08.1", mae.max() - mae.min(), **ctx), "correct")
    bias = (pd.Series(y_pred) - y_true).groupby(groups).mean()
    assert_verdict(check("08.1", bias.max() - bias.min(), **ctx), "wrong", "signed")


def test_08_without_groups_the_answer_is_none(audit):
    ctx = dict(audit, groups=None)
    assert_verdict(check("08.1", None, **ctx), "correct")
    assert_verdict(check("08.1", 0.1, **ctx), "wrong", "None")
    assert_verdict(check("08.2", None, **ctx), "correct")


def test_08_2_lowest_true_positive_rate(audit):
    from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate

    frame = MetricFrame(
        metrics={"tpr": true_positive_rate, "selection": selection_rate},
        y_true=audit["y_true"],
        y_pred=audit["y_pred"],
        sensitive_features=audit["groups"],
    ).by_group
    worst = frame["tpr"].idxmin()
    assert_verdict(check("08.2", worst, **audit), "correct", "equal opportunity")
    assert_verdict(check("08.2", frame["tpr"].idxmax(), **audit), "wrong", "best")
    assert_verdict(check("08.2", "d", **audit), "wrong", "not a group")
    assert_verdict(check("08.2", ["c"], **audit), "wrong", "expected one group")


def test_08_2_lowest_selection_rate_is_not_the_lowest_recall():
    # Group "b" has few positives: the lowest selection rate, but a perfect recall.
    y_true = pd.Series([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 0, 1, 0, 1, 0, 0, 0, 0, 0])
    groups = pd.Series(["a"] * 4 + ["b"] * 6)
    ctx = dict(y_true=y_true, y_pred=y_pred, groups=groups, task="binary")
    assert_verdict(check("08.2", "a", **ctx), "correct")
    assert_verdict(check("08.2", "b", **ctx), "wrong", "selection rate")


def test_08_3_equalized_odds_difference(audit):
    from fairlearn.metrics import (
        MetricFrame,
        equalized_odds_difference,
        false_positive_rate,
        true_positive_rate,
    )

    truth = equalized_odds_difference(
        audit["y_true"], audit["y_pred"], sensitive_features=audit["groups"]
    )
    assert_verdict(check("08.3", truth, **audit), "correct", "TPR gap")
    gaps = MetricFrame(
        metrics={"tpr": true_positive_rate, "fpr": false_positive_rate},
        y_true=audit["y_true"],
        y_pred=audit["y_pred"],
        sensitive_features=audit["groups"],
    ).difference()
    assert_verdict(check("08.3", gaps.min(), **audit), "wrong", "smaller of the two")
    assert_verdict(check("08.3", gaps.sum(), **audit), "wrong", "adds")
    regression = dict(audit, task="regression")
    assert_verdict(check("08.3", None, **regression), "correct")
    assert_verdict(check("08.3", 0.2, **regression), "wrong", "None")


# --- 09 deployment ----------------------------------------------------------------


def test_09_1_tail_latency():
    rng = np.random.default_rng(8)
    latencies = rng.lognormal(0.0, 0.6, 200)
    ctx = dict(latencies=latencies)
    assert_verdict(
        check("09.1", np.percentile(latencies, 99), **ctx), "correct", "mean"
    )
    nearest = np.percentile(latencies, 99, method="nearest")
    assert_verdict(check("09.1", nearest, **ctx), "correct")
    assert_verdict(check("09.1", latencies.mean(), **ctx), "wrong", "mean")
    assert_verdict(check("09.1", np.median(latencies), **ctx), "wrong", "median")
    assert_verdict(check("09.1", latencies.max(), **ctx), "wrong", "slowest")
    assert_verdict(check("09.1", np.percentile(latencies, 95), **ctx), "wrong", "95th")
    assert_verdict(check("09.1", -1, **ctx), "wrong", "at least 0")


@pytest.fixture
def variants():
    return pd.DataFrame(
        {
            "variant": [
                "original",
                "fewer_trees",
                "shallower",
                "float32",
                "distilled",
                "pruned",
            ],
            "applies": [True, True, True, False, True, True],
            "description": ["", "", "", "a linear model has no trees", "", ""],
            "metric": ["roc_auc"] * 6,
            "value": [0.900, 0.899, 0.930, np.nan, 0.850, 0.880],
            "change": [0.0, -0.001, 0.030, np.nan, -0.050, -0.020],
            "size_bytes": [1000, 500, 800, np.nan, 100, 300],
            "size_ratio": [1.0, 0.5, 0.8, np.nan, 0.1, 0.3],
            "p50_ms": [1.0, 0.6, 0.8, np.nan, 0.1, 0.3],
        }
    )


def test_09_2_smallest_variant_within_one_percent(variants):
    ctx = dict(table=variants, higher_is_better=True)
    assert_verdict(check("09.2", "fewer_trees", **ctx), "correct")
    assert_verdict(check("09.2", "distilled", **ctx), "wrong", "direction reversed")
    assert_verdict(check("09.2", "pruned", **ctx), "wrong", "more than 1 %")
    assert_verdict(check("09.2", "shallower", **ctx), "wrong", "best metric")
    assert_verdict(check("09.2", "float32", **ctx), "wrong", "does not apply")
    assert_verdict(check("09.2", "original", **ctx), "wrong", "smaller variant")
    assert_verdict(check("09.2", "quantised", **ctx), "wrong", "not a variant")
    assert_verdict(check("09.2", 1, **ctx), "wrong", "expected a variant")


def test_09_2_direction_of_an_error_metric(variants):
    errors = variants.assign(metric="mae", value=[10.0, 10.05, 13.0, np.nan, 9.0, 10.5])
    errors["change"] = errors["value"] - 10.0
    ctx = dict(table=errors, higher_is_better=False)
    # Lower is better: distilled improves the error and is the smallest.
    assert_verdict(check("09.2", "distilled", **ctx), "correct")
    assert_verdict(check("09.2", "shallower", **ctx), "wrong", "more than 1 %")


def test_09_3_what_a_skew_changes():
    from sklearn.linear_model import LinearRegression, LogisticRegression

    rng = np.random.default_rng(14)
    batch = pd.DataFrame({"x": rng.normal(0, 1, 300), "z": rng.normal(0, 1, 300)})
    y_class = (batch["x"] + rng.normal(0, 1, 300) > 0).astype(int)
    served = batch.assign(x=batch["x"] * 1000)
    classifier = LogisticRegression().fit(batch, y_class)
    ctx = dict(model=classifier, batch=batch, served=served, task="binary")
    changed = classifier.predict(batch) != classifier.predict(served)
    assert_verdict(check("09.3", changed.mean(), **ctx), "correct", "silent")
    assert_verdict(check("09.3", changed.sum(), **ctx), "wrong", "number of rows")
    assert_verdict(check("09.3", 1.0, **ctx), "wrong", "features differ")
    regressor = LinearRegression().fit(batch, batch["x"] * 3 + batch["z"])
    ctx = dict(model=regressor, batch=batch, served=served, task="regression")
    change = regressor.predict(served) - regressor.predict(batch)
    assert_verdict(check("09.3", np.abs(change).mean(), **ctx), "correct")
    assert_verdict(check("09.3", change.mean(), **ctx), "wrong", "signed")


# --- 10 monitoring ----------------------------------------------------------------


@pytest.fixture
def windows_of_data():
    rng = np.random.default_rng(9)
    reference = pd.DataFrame(
        {
            "kind": rng.choice(["a", "b"], 2000),
            "hours": rng.integers(0, 24, 2000),  # integers: values fall on the edges
            "visits": rng.integers(0, 5, 2000),
        }
    )
    current = pd.DataFrame(
        {
            "kind": rng.choice(["a", "b"], 800),
            "hours": rng.integers(4, 24, 800),
            "visits": rng.integers(0, 6, 800),
        }
    )
    return dict(reference=reference, current=current)


def psi_on_deciles(ref, cur, edges=None):
    if edges is None:
        edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    bins = [-np.inf, *edges, np.inf]
    r = pd.cut(ref, bins).value_counts(normalize=True, sort=False).clip(lower=1e-4)
    c = pd.cut(cur, bins).value_counts(normalize=True, sort=False).clip(lower=1e-4)
    return float(((c - r) * np.log(c / r)).sum())


def test_10_1_psi_as_the_drift_report(windows_of_data):
    ref, cur = windows_of_data["reference"], windows_of_data["current"]
    by_hand = psi_on_deciles(ref["hours"], cur["hours"])
    report = mk.monitoring.drift_report(ref, cur).to_frame().set_index("column")
    assert by_hand == pytest.approx(report.loc["hours", "psi"], rel=1e-9)
    assert_verdict(check("10.1", by_hand, **windows_of_data), "correct", "'hours'")
    # Left-closed bins (np.digitize) are as right.
    edges = np.unique(np.quantile(ref["hours"], np.arange(1, 10) / 10))
    r = np.bincount(np.digitize(ref["hours"], edges), minlength=len(edges) + 1)
    c = np.bincount(np.digitize(cur["hours"], edges), minlength=len(edges) + 1)
    r, c = np.maximum(r / r.sum(), 1e-4), np.maximum(c / c.sum(), 1e-4)
    left = float(np.sum((c - r) * np.log(c / r)))
    assert_verdict(check("10.1", left, **windows_of_data), "correct")
    kl = float(np.sum(c * np.log(c / r)))
    assert_verdict(check("10.1", kl, **windows_of_data), "wrong", "Kullback")


def test_10_1_psi_mistakes(windows_of_data):
    ref, cur = (
        windows_of_data["reference"]["hours"],
        windows_of_data["current"]["hours"],
    )
    width = np.linspace(ref.min(), ref.max(), 11)[1:-1]
    assert_verdict(
        check("10.1", psi_on_deciles(ref, cur, width), **windows_of_data),
        "wrong",
        "equal width",
    )
    own = np.unique(np.quantile(cur, np.arange(1, 10) / 10))
    assert_verdict(
        check("10.1", psi_on_deciles(ref, cur, own), **windows_of_data),
        "wrong",
        "current sample",
    )
    assert_verdict(check("10.1", float("inf"), **windows_of_data), "wrong", "Floor")
    assert_verdict(check("10.1", "0.2", **windows_of_data), "wrong", "expected")


def test_10_3_false_alarms():
    assert_verdict(check("10.3", 1 - 0.95**40, n_tests=40), "correct", "Bonferroni")
    assert_verdict(check("10.3", 0.05 * 40, n_tests=40), "wrong", "exceeds 1")
    assert_verdict(check("10.3", 0.95**40, n_tests=40), "wrong", "no test fires")
    assert_verdict(check("10.3", 0.05, n_tests=40), "wrong", "one test")


def test_10_2_expected_precision():
    rng = np.random.default_rng(13)
    p = rng.beta(1, 4, 1000)
    y = (rng.random(1000) < p).astype(float)
    ctx = dict(scores=p, threshold=0.3, y_true=y, task="binary")
    flagged = p >= 0.3
    assert_verdict(check("10.2", p[flagged].mean(), **ctx), "correct", "calibrated")
    assert_verdict(check("10.2", p.mean(), **ctx), "wrong", "all rows")
    assert_verdict(check("10.2", flagged.mean(), **ctx), "wrong", "share of rows")
    assert_verdict(check("10.2", y[flagged].mean(), **ctx), "wrong", "labels")
    recall = p[flagged].sum() / p.sum()
    assert_verdict(check("10.2", recall, **ctx), "wrong", "recall")
    assert_verdict(check("10.2", None, task="regression"), "correct")
    nothing = dict(ctx, threshold=1.5)
    assert_verdict(check("10.2", None, **nothing), "correct")


# --- 11 continual learning ------------------------------------------------------


def test_11_1_what_fresh_data_is_worth():
    periods = [1, 2, 3, 4]
    table = pd.DataFrame(
        {
            "strategy": ["stateless"] * 8 + ["stateful"] * 4,
            "cadence": pd.array([pd.NA] * 4 + [1] * 4 + [1] * 4, dtype="Int64"),
            "period": periods * 3,
            "value": [
                0.80,
                0.78,
                0.75,
                0.70,
                0.81,
                0.80,
                0.80,
                0.79,
                0.80,
                0.79,
                0.77,
                0.76,
            ],
        }
    )
    ctx = dict(table=table, higher_is_better=True)
    gain = np.mean([0.01, 0.02, 0.05, 0.09])
    assert_verdict(check("11.1", gain, **ctx), "correct", "pays")
    assert_verdict(check("11.1", -gain, **ctx), "wrong", "sign")
    assert_verdict(check("11.1", 0.09, **ctx), "wrong", "last period")
    stateful = np.mean([0.0, 0.01, 0.02, 0.06])
    assert_verdict(check("11.1", stateful, **ctx), "wrong", "stateful")
    errors = dict(table=table, higher_is_better=False)  # as if value were an error
    assert_verdict(check("11.1", -gain, **errors), "correct")


def test_11_2_sample_size_of_rates():
    from scipy.stats import norm
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    ctx = dict(baseline=0.90, effect=0.01, kind="proportion")
    h = proportion_effectsize(0.91, 0.90)
    reference = NormalIndPower().solve_power(h, alpha=0.05, power=0.8)
    assert_verdict(check("11.2", int(np.ceil(reference)), **ctx), "correct", "per arm")
    # The textbook form on the rates' variances is as good.
    z = norm.ppf(0.975) + norm.ppf(0.8)
    textbook = z**2 * (0.9 * 0.1 + 0.91 * 0.09) / 0.01**2
    assert_verdict(check("11.2", textbook, **ctx), "correct")
    one_sided = 2 * ((norm.ppf(0.95) + norm.ppf(0.8)) / h) ** 2
    assert_verdict(check("11.2", one_sided, **ctx), "wrong", "one-sided")
    no_power = 2 * (norm.ppf(0.975) / h) ** 2
    assert_verdict(check("11.2", no_power, **ctx), "wrong", "power")
    assert_verdict(check("11.2", 2 * reference, **ctx), "wrong", "both arms")
    assert_verdict(check("11.2", [100], **ctx), "wrong", "expected")


def test_11_2_sample_size_of_means():
    from statsmodels.stats.power import NormalIndPower

    ctx = dict(baseline=5.0, effect=0.2, kind="mean", std=2.0)
    reference = NormalIndPower().solve_power(0.1, alpha=0.05, power=0.8)
    assert_verdict(check("11.2", reference, **ctx), "correct")
    assert_verdict(check("11.2", reference / 2, **ctx), "wrong", "factor 2")


def test_11_3_p_value_of_rates():
    from statsmodels.stats.proportion import proportions_ztest

    rng = np.random.default_rng(10)
    a = (rng.random(800) < 0.80).astype(int)
    b = (rng.random(800) < 0.84).astype(int)
    ctx = dict(outcome_a=a, outcome_b=b, kind="proportion")
    z, p = proportions_ztest([b.sum(), a.sum()], [len(b), len(a)])
    assert_verdict(check("11.3", p, **ctx), "correct", "peeking")
    assert_verdict(check("11.3", p / 2, **ctx), "wrong", "one-sided")
    assert_verdict(check("11.3", 1 - p, **ctx), "wrong", "one minus")
    assert_verdict(check("11.3", z, **ctx), "wrong", "statistic")


def test_11_3_p_value_of_means():
    from scipy.stats import ttest_ind

    rng = np.random.default_rng(11)
    a, b = rng.exponential(3.0, 300), rng.exponential(2.6, 300)
    ctx = dict(outcome_a=a, outcome_b=b, kind="mean")
    p = ttest_ind(b, a, equal_var=False).pvalue
    assert_verdict(check("11.3", p, **ctx), "correct")
    assert_verdict(check("11.3", "small", **ctx), "wrong", "expected")
