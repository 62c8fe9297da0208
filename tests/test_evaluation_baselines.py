"""Tests for mlkit.evaluation.baselines: random, zero-rule, heuristic and existing rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import LinearSVC

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import BASELINES, Baselines, baselines, expected_cost, score

SEED = 3


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=600, weights=[0.75], random_state=0)
    return X[:400], y[:400], X[400:], y[400:]


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(
        n_samples=600, n_classes=3, n_informative=4, random_state=1
    )
    return X[:400], y[:400], X[400:], y[400:]


def _reference(dummy, X_test, y_test, metric):
    """A fitted dummy scored by scikit-learn, through mlkit's scorer names."""
    if metric in ("f1", "macro_f1"):
        average = "binary" if metric == "f1" else "macro"
        return f1_score(
            y_test, dummy.predict(X_test), average=average, zero_division=0.0
        )
    return score(dummy, X_test, y_test, metric)


BINARY_METRICS = ["roc_auc", "pr_auc", "log_loss", "accuracy", "f1", "macro_f1"]


def test_binary_baselines_equal_dummy_classifiers(binary):
    X_train, y_train, X_test, y_test = binary
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=BINARY_METRICS,
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    assert list(table.index) == list(BASELINES)
    assert set(table["kind"]) == {"baseline"}
    strategies = {"random": "uniform", "zero_rule": "prior", "stratified": "stratified"}
    for name, strategy in strategies.items():
        dummy = DummyClassifier(strategy=strategy, random_state=SEED)
        dummy.fit(X_train, y_train)
        for metric in BINARY_METRICS:
            assert table.loc[name, metric] == pytest.approx(
                _reference(dummy, X_test, y_test, metric), abs=1e-12
            ), (name, metric)
    # The zero rule predicts what "most_frequent" predicts; its constant score has
    # ROC-AUC 0.5 and PR-AUC the share of positives.
    most = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
    assert table.loc["zero_rule", "accuracy"] == accuracy_score(
        y_test, most.predict(X_test)
    )
    assert table.loc["zero_rule", "roc_auc"] == 0.5
    assert table.loc["random", "roc_auc"] == 0.5
    assert table.loc["zero_rule", "pr_auc"] == pytest.approx(y_test.mean())
    assert "ROC-AUC 0.5" in table.loc["zero_rule", "note"]


def test_multiclass_baselines_equal_dummy_classifiers(multiclass):
    X_train, y_train, X_test, y_test = multiclass
    metrics = ["log_loss", "accuracy", "macro_f1"]
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="multiclass",
        metrics=metrics,
        costs={"cost_error": 10},
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    for name, strategy in [
        ("random", "uniform"),
        ("zero_rule", "prior"),
        ("stratified", "stratified"),
    ]:
        dummy = DummyClassifier(strategy=strategy, random_state=SEED)
        dummy.fit(X_train, y_train)
        for metric in metrics:
            assert table.loc[name, metric] == pytest.approx(
                _reference(dummy, X_test, y_test, metric), abs=1e-12
            )
        assert table.loc[name, "expected_cost"] == pytest.approx(
            expected_cost(y_test, dummy.predict(X_test), cost_error=10)
        )
    # With three classes, uniform scores of 1/3 have a log loss of log(3).
    assert table.loc["random", "log_loss"] == pytest.approx(np.log(3))


def test_regression_baselines():
    X, y = make_regression(n_samples=300, n_features=3, noise=5, random_state=0)
    y = y + 100
    X_train, y_train, X_test, y_test = X[:200], y[:200], X[200:], y[200:]
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="regression",
        metrics=["mae", "rmse"],
        costs={"cost_over": 1, "cost_under": 2},
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    assert list(table.index) == [
        "random",
        "zero_rule",
        "zero_rule_median",
        "stratified",
    ]
    for name, strategy in [("zero_rule", "mean"), ("zero_rule_median", "median")]:
        predicted = (
            DummyRegressor(strategy=strategy).fit(X_train, y_train).predict(X_test)
        )
        assert table.loc[name, "mae"] == pytest.approx(
            mean_absolute_error(y_test, predicted)
        )
        assert table.loc[name, "rmse"] == pytest.approx(
            root_mean_squared_error(y_test, predicted)
        )
        assert table.loc[name, "expected_cost"] == pytest.approx(
            expected_cost(y_test, predicted, cost_over=1, cost_under=2)
        )
    # Random: uniform over the training range; stratified: training targets drawn
    # again, both from one generator seeded with random_state.
    rng = np.random.default_rng(SEED)
    uniform = rng.uniform(y_train.min(), y_train.max(), size=len(y_test))
    drawn = rng.choice(y_train, size=len(y_test), replace=True)
    assert table.loc["random", "mae"] == pytest.approx(
        mean_absolute_error(y_test, uniform)
    )
    assert table.loc["stratified", "mae"] == pytest.approx(
        mean_absolute_error(y_test, drawn)
    )
    assert result.best("rmse", kind="baseline") == "zero_rule"


def test_heuristic_and_existing_rows_score_what_they_are_given(binary):
    X_train, y_train, X_test, y_test = binary
    labels = (X_test[:, 0] > 0).astype(int)
    scores = 1 / (1 + np.exp(-X_test[:, 1]))
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["roc_auc", "accuracy", "log_loss"],
        heuristic=lambda X: (X[:, 0] > 0).astype(int),
        existing=scores,
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    assert table.loc["heuristic", "kind"] == "heuristic"
    assert table.loc["existing", "kind"] == "existing"
    assert table.loc["heuristic", "accuracy"] == accuracy_score(y_test, labels)
    # Labels only: the metrics that need scores are missing, and the note says why.
    assert np.isnan(table.loc["heuristic", "roc_auc"])
    assert np.isnan(table.loc["heuristic", "log_loss"])
    assert "labels only" in table.loc["heuristic", "note"]
    assert table.loc["heuristic", "decision"] == "labels given"
    assert table.loc["existing", "roc_auc"] == pytest.approx(
        roc_auc_score(y_test, scores)
    )
    assert table.loc["existing", "log_loss"] == pytest.approx(log_loss(y_test, scores))
    assert table.loc["existing", "accuracy"] == accuracy_score(y_test, scores >= 0.5)
    assert table.loc["existing", "decision"] == "score ≥ 0.5"


def test_probabilities_per_class_and_models_share_the_table(multiclass):
    X_train, y_train, X_test, y_test = multiclass
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="multiclass",
        metrics=["log_loss", "accuracy"],
        existing=proba,
        models={"logistic": model},
    )
    table = result.to_frame().set_index("name")
    for name in ("existing", "logistic"):
        assert table.loc[name, "log_loss"] == pytest.approx(
            score(model, X_test, y_test, "log_loss")
        )
        assert table.loc[name, "accuracy"] == pytest.approx(
            score(model, X_test, y_test, "accuracy")
        )
    assert table.loc["logistic", "kind"] == "model"
    assert table.loc["logistic", "decision"] == "predict()"


@pytest.mark.parametrize("kind", ["list", "array", "series"])
def test_string_labels_with_a_positive_label(binary, kind):
    X_train, y_train, X_test, y_test = binary
    names = np.array(["ham", "spam"])
    # "spam" is the larger label here, so scikit-learn's scorers agree with it.
    as_type = {"list": list, "array": np.asarray, "series": pd.Series}[kind]
    y_tr, y_te = as_type(names[y_train]), as_type(names[y_test])
    model = LogisticRegression().fit(X_train, names[y_train])
    result = baselines(
        X_train,
        y_tr,
        X_test,
        y_te,
        task="binary",
        metrics=["roc_auc", "pr_auc", "f1"],
        models={"logistic": model},
        costs={"cost_fp": 1, "cost_fn": 5},
        positive_label="spam",
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    reference = LogisticRegression().fit(X_train, y_train)
    for metric in ("roc_auc", "pr_auc"):
        assert table.loc["logistic", metric] == pytest.approx(
            score(reference, X_test, y_test, metric)
        )
    predicted = model.predict(X_test) == "spam"
    assert table.loc["logistic", "f1"] == pytest.approx(f1_score(y_test, predicted))
    assert table.loc["logistic", "expected_cost"] == pytest.approx(
        expected_cost(y_test, predicted.astype(int), cost_fp=1, cost_fn=5)
    )
    # The other class as positive: ROC-AUC is symmetric, F1 counts the other class.
    mirrored = baselines(
        X_train,
        names[y_train],
        X_test,
        names[y_test],
        task="binary",
        metrics=["roc_auc", "f1"],
        models={"logistic": model},
        positive_label="ham",
    )
    row = mirrored.to_frame().set_index("name").loc["logistic"]
    assert row["roc_auc"] == pytest.approx(table.loc["logistic", "roc_auc"])
    assert row["f1"] == pytest.approx(f1_score(y_test == 0, ~predicted))


def test_a_pipeline_on_a_dataframe(binary):
    X_train, y_train, X_test, y_test = binary
    frame = lambda X: pd.DataFrame(  # noqa: E731
        {"a": X[:, 0], "b": X[:, 1], "group": np.where(X[:, 2] > 0, "x", "y")}
    )
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["group"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(frame(X_train), y_train)
    test = frame(X_test)
    kept = test.copy()

    def careless(X):
        X["a"] = 0  # edits its input: the caller's frame must not change
        return (X["b"] > 0).astype(int)

    result = baselines(
        frame(X_train),
        y_train,
        test,
        y_test,
        task="binary",
        metrics=["roc_auc"],
        heuristic=careless,
        models={"pipeline": model},
    )
    pd.testing.assert_frame_equal(test, kept)
    assert result.to_frame().set_index("name").loc[
        "pipeline", "roc_auc"
    ] == pytest.approx(score(model, test, y_test, "roc_auc"))


def test_expected_cost_is_added_with_costs_and_decides_at_predict(binary):
    X_train, y_train, X_test, y_test = binary
    model = LogisticRegression().fit(X_train, y_train)
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["pr_auc"],
        models={"logistic": model},
        costs={"cost_fp": 1.0, "cost_fn": 4.0},
        random_state=SEED,
    )
    assert result.metrics == ("pr_auc", "expected_cost")
    assert result.primary == "expected_cost"
    table = result.to_frame().set_index("name")
    assert table.loc["logistic", "expected_cost"] == pytest.approx(
        expected_cost(y_test, model.predict(X_test), cost_fp=1, cost_fn=4)
    )
    zero = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
    assert table.loc["zero_rule", "expected_cost"] == pytest.approx(
        expected_cost(y_test, zero.predict(X_test), cost_fp=1, cost_fn=4)
    )
    assert "strategy='prior'" in table.loc["zero_rule", "decision"]


def test_a_threshold_decides_models_and_given_scores(binary):
    X_train, y_train, X_test, y_test = binary
    model = LogisticRegression().fit(X_train, y_train)
    given = model.predict_proba(X_test)[:, 1]
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["accuracy"],
        models={"logistic": model},
        existing=given,
        costs={"cost_fp": 1.0, "cost_fn": 4.0},
        threshold=0.2,
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    flagged = (given >= 0.2).astype(int)
    for name in ("logistic", "existing"):
        assert table.loc[name, "decision"] == "score ≥ 0.2"
        assert table.loc[name, "expected_cost"] == pytest.approx(
            expected_cost(y_test, flagged, cost_fp=1, cost_fn=4)
        )
        assert table.loc[name, "accuracy"] == pytest.approx(
            accuracy_score(y_test, flagged)
        )
    # The baselines keep their own labels.
    zero = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
    assert table.loc["zero_rule", "accuracy"] == pytest.approx(
        accuracy_score(y_test, zero.predict(X_test))
    )
    with pytest.raises(MlkitValueError, match="applies to a binary task"):
        baselines(
            X_train,
            y_train.astype(float),
            X_test,
            y_test.astype(float),
            task="regression",
            metrics=["mae"],
            threshold=0.2,
        )


def test_best_chart_and_explain(binary):
    X_train, y_train, X_test, y_test = binary
    model = LogisticRegression().fit(X_train, y_train)
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["roc_auc", "log_loss"],
        models={"logistic": model},
        random_state=SEED,
    )
    assert isinstance(result, Baselines)
    assert result.best("roc_auc") == "logistic"
    assert result.best("log_loss") == "logistic"  # lowest, since lower is better
    assert result.best("log_loss", kind="baseline") == "zero_rule"
    assert result.best() == result.best("roc_auc")
    with pytest.raises(MlkitValueError, match="'metric' must be one of"):
        result.best("mae")
    with pytest.raises(MlkitValueError, match="'kind' must be one of"):
        result.best("roc_auc", kind="human")
    with pytest.raises(
        MlkitValueError,
        match="'metric' must have a value in some row of kind 'heuristic'",
    ):
        result.best("roc_auc", kind="heuristic")

    spec = result.chart().to_dict()
    assert len(spec["concat"]) == 2
    subtitles = [panel["title"]["subtitle"] for panel in spec["concat"]]
    assert subtitles == ["higher is better", "lower is better"]

    text = result.explain()
    assert text.startswith("On roc_auc (higher is better, 200 held-out rows)")
    assert "Model 'logistic' scores" in text
    assert "better than" in text
    assert "Chapter 6" in text
    assert repr(result).startswith("<Baselines: On roc_auc")


def test_a_model_that_does_not_beat_the_baselines_is_called_out(binary):
    X_train, y_train, X_test, y_test = binary
    noise = np.random.default_rng(0).normal(size=(len(y_train), 1))
    useless = LogisticRegression().fit(noise, y_train)

    class OnNoise:
        classes_ = useless.classes_

        def predict(self, X):
            return useless.predict(np.zeros((len(X), 1)))

        def predict_proba(self, X):
            return useless.predict_proba(np.zeros((len(X), 1)))

    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["accuracy"],
        models={"noise": OnNoise()},
        heuristic=(X_test[:, 0] > 0).astype(int),
    )
    assert "it has not earned its place" in result.explain()


def test_the_seed_reproduces_the_table(binary):
    X_train, y_train, X_test, y_test = binary
    run = lambda seed: baselines(  # noqa: E731
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["accuracy"],
        random_state=seed,
    ).to_frame()
    pd.testing.assert_frame_equal(run(5), run(5))
    assert not run(5).equals(run(6))
    generator = run(np.random.default_rng(1))
    assert len(generator) == 3


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"task": "ranking"}, MlkitValueError, "'task' must be one of"),
        ({"metrics": ["auc"]}, MlkitValueError, "'metrics' must be one of"),
        ({"metrics": []}, MlkitValueError, "'metrics' must name at least one"),
        ({"metrics": ["accuracy", "accuracy"]}, MlkitValueError, "each metric once"),
        ({"metrics": ["mae"]}, MlkitValueError, "does not apply to a binary task"),
        ({"metrics": ["expected_cost"]}, MlkitValueError, "no 'costs' were given"),
        ({"costs": {"cost_error": 1}}, MlkitValueError, "'costs' for a binary task"),
        ({"costs": {"cost_fp": 1, "cost_fn": -1}}, MlkitValueError, "cost_fn=-1"),
        ({"positive_label": 2}, MlkitValueError, "'positive_label' is 2"),
        ({"y_train": "short"}, MlkitValueError, "'y_train' has 10 values"),
        ({"y_test": "short"}, MlkitValueError, "'y_test' has 10 values"),
        ({"heuristic": "short"}, MlkitValueError, r"'heuristic' must give one value"),
        (
            {"heuristic": "callable short"},
            MlkitValueError,
            r"'heuristic' must give one value .*heuristic\(X_test\) gives an array of "
            r"shape \(10,\)",
        ),
        ({"existing": "outside"}, MlkitValueError, "'existing' must be probabilities"),
        ({"existing": "words"}, MlkitValueError, "'existing' must give class labels"),
        ({"models": "no proba"}, MlkitTypeError, "without predict_proba"),
        ({"models": "no predict"}, MlkitTypeError, "without predict"),
        ({"models": "clash"}, MlkitValueError, "already a row"),
        ({"models": "list"}, MlkitTypeError, "'models' must be a dict"),
        ({"y_train": "three"}, MlkitValueError, "two classes for a binary task"),
        ({"y_test": "unseen"}, MlkitValueError, "labels that 'y_train' lacks"),
        (
            {"y_test": "one class"},
            MlkitValueError,
            "'y_test' must hold both classes for roc_auc",
        ),
        ({"y_train": "missing"}, MlkitValueError, "missing label"),
        ({"X_test": "series"}, MlkitValueError, "'X_test' must be two-dimensional"),
        (
            {"threshold": 1.0},
            MlkitValueError,
            r"'threshold' must be a number in \(0, 1\)",
        ),
        (
            {"threshold": True},
            MlkitTypeError,
            r"'threshold' must be a number in \(0, 1\)",
        ),
    ],
)
def test_bad_inputs_are_refused_with_a_hint(binary, change, error, match):
    X_train, y_train, X_test, y_test = binary
    arguments = {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": X_test,
        "y_test": y_test,
        "task": "binary",
        "metrics": ["roc_auc", "accuracy"],
    }
    special = {
        "short": np.zeros(10, dtype=int),
        "callable short": lambda X: np.zeros(10, dtype=int),
        "outside": np.linspace(-1, 2, len(y_test)),
        "words": np.array(["x"] * len(y_test)),
        "no proba": {"svc": LinearSVC().fit(X_train, y_train)},
        "no predict": {"thing": object()},
        "clash": {"random": LogisticRegression().fit(X_train, y_train)},
        "list": [LogisticRegression().fit(X_train, y_train)],
        "three": np.arange(len(y_train)) % 3,
        "unseen": np.where(np.arange(len(y_test)) == 0, 7, y_test),
        "one class": np.zeros(len(y_test), dtype=int),
        "missing": np.where(np.arange(len(y_train)) == 0, np.nan, y_train),
        "series": pd.Series(X_test[:, 0]),
    }
    for key, value in change.items():
        arguments[key] = special.get(value, value) if isinstance(value, str) else value
    with pytest.raises(error, match=match) as info:
        baselines(**arguments)
    assert "\nHint: " in str(info.value)


def test_a_model_without_predict_proba_is_fine_for_metrics_of_labels(binary):
    X_train, y_train, X_test, y_test = binary
    svc = LinearSVC().fit(X_train, y_train)
    result = baselines(
        X_train,
        y_train,
        X_test,
        y_test,
        task="binary",
        metrics=["accuracy", "f1"],
        models={"svc": svc},
    )
    assert result.to_frame().set_index("name").loc["svc", "accuracy"] == pytest.approx(
        accuracy_score(y_test, svc.predict(X_test))
    )


def test_regression_refuses_text_targets_and_bad_predictions():
    X = np.zeros((6, 1))
    with pytest.raises(MlkitTypeError, match="'y_train' must hold numbers"):
        baselines(X, list("abcdef"), X, [1.0] * 6, task="regression", metrics=["mae"])
    with pytest.raises(MlkitValueError, match="'heuristic' must give a finite number"):
        baselines(
            X,
            np.arange(6.0),
            X,
            np.arange(6.0),
            task="regression",
            metrics=["mae"],
            heuristic=np.array([1, 2, np.nan, 4, 5, 6]),
        )
    regression = LinearRegression().fit(X, np.arange(6.0))
    result = baselines(
        X,
        np.arange(6.0),
        X,
        np.arange(6.0),
        task="regression",
        metrics=["mae"],
        models={"linear": regression},
        heuristic=np.arange(6.0),
    )
    table = result.to_frame().set_index("name")
    assert table.loc["heuristic", "mae"] == 0.0
    assert table.loc["linear", "mae"] == pytest.approx(1.5)


def test_regression_targets_near_the_float_range_are_scored_exactly():
    # Squared errors of targets of 1e300 overflow a float; the baselines are still
    # finite and equal to the metrics computed on a rescaled target.
    X = np.zeros((6, 1))
    y_train = np.array([-1e300, 1e300, 0.0, 1.0, 5e299, -2e299])
    y_test = np.array([1e300, -1e300, 0.0, 1.0, 3e299, 7e299])
    result = baselines(
        X,
        y_train,
        X,
        y_test,
        task="regression",
        metrics=["mae", "rmse"],
        costs={"cost_over": 1, "cost_under": 2},
        random_state=SEED,
    )
    table = result.to_frame().set_index("name")
    assert np.isfinite(table[["mae", "rmse", "expected_cost"]].to_numpy()).all()
    mean = y_train.mean()  # no overflow: the sum stays below 1.8e308
    unit = 1e300
    assert table.loc["zero_rule", "mae"] == pytest.approx(
        mean_absolute_error(y_test / unit, np.full(6, mean / unit)) * unit, rel=1e-12
    )
    assert table.loc["zero_rule", "rmse"] == pytest.approx(
        root_mean_squared_error(y_test / unit, np.full(6, mean / unit)) * unit,
        rel=1e-12,
    )
    assert table.loc["zero_rule_median", "mae"] == pytest.approx(
        mean_absolute_error(y_test / unit, np.full(6, np.median(y_train) / unit))
        * unit,
        rel=1e-12,
    )
    assert table.loc["zero_rule", "expected_cost"] == pytest.approx(
        expected_cost(y_test / unit, np.full(6, mean / unit), cost_over=1, cost_under=2)
        * unit,
        rel=1e-12,
    )


def test_regression_errors_beyond_the_float_range_are_refused():
    X = np.zeros((4, 1))
    with pytest.raises(MlkitValueError, match="'y_test' must keep the mae") as info:
        baselines(
            X,
            [-1.7e308] * 4,
            X,
            [1.7e308] * 4,  # every error is 3.4e308
            task="regression",
            metrics=["mae"],
            random_state=0,
        )
    assert "\nHint: " in str(info.value)


def test_ordinary_regression_targets_keep_their_random_baseline(binary):
    # The rescaling applies only near the float range: the random row is still
    # numpy's uniform draw in the training range.
    X = np.zeros((5, 1))
    y = np.array([1.0, 4.0, 2.0, 8.0, 3.0])
    result = baselines(X, y, X, y, task="regression", metrics=["mae"], random_state=7)
    drawn = np.random.default_rng(7).uniform(1.0, 8.0, size=5)
    assert result.to_frame().set_index("name").loc["random", "mae"] == pytest.approx(
        mean_absolute_error(y, drawn), abs=1e-15
    )


class _Scores:
    """A classifier of the binary fixture whose predict_proba fails."""

    classes_ = np.array([0, 1])

    def __init__(self, labels=None, proba=None):
        self.labels, self.proba = labels, proba

    def predict(self, X):
        return np.zeros(len(X), dtype=int) if self.labels is None else self.labels

    def predict_proba(self, X):
        if self.proba is None:
            raise ValueError("no scores for these rows")
        return self.proba


@pytest.mark.parametrize(
    ("change", "argument", "match", "cause"),
    [
        ({"heuristic": lambda X: X["no such column"]}, "heuristic", "run on", True),
        ({"existing": lambda X: 1 / 0}, "existing", "run on", True),
        ({"models": {"m": LogisticRegression()}}, "models", "predict on", True),
        ({"models": {"m": _Scores()}}, "models", "predict_proba on", True),
        (
            {"models": {"m": _Scores(labels=np.full(200, 7))}},
            "models",
            "must predict classes of 'y_train'",
            False,
        ),
        (
            {"models": {"m": _Scores(proba=np.full((200, 2), 0.3))}},
            "models",
            "rows sum to 1",
            False,
        ),
        ({"heuristic": np.full((200, 2), 0.3)}, "heuristic", "rows sum to 1", False),
        ({"heuristic": [[1], [1, 2]] * 100}, "heuristic", "do not make an array", True),
        ({"existing": lambda X: 3}, "existing", r"gives an array of shape \(\)", False),
        (
            {"heuristic": np.full(200, 0.5 + 0j)},
            "heuristic",
            "not classes of 'y_train'",
            False,
        ),
    ],
)
def test_the_callers_functions_and_models_are_named_when_they_fail(
    binary, change, argument, match, cause
):
    X_train, y_train, X_test, y_test = binary
    with pytest.raises(MlkitValueError, match=match) as info:
        baselines(
            X_train,
            y_train,
            X_test,
            y_test,
            task="binary",
            metrics=["roc_auc", "accuracy"],
            **change,
        )
    message = str(info.value)
    assert message.startswith(f"'{argument}' ")
    assert "(X_test)'" not in message  # the argument, not the expression, is quoted
    assert "\nHint: " in message
    assert (info.value.__cause__ is not None) == cause


def test_a_model_with_classes_the_training_labels_lack_is_refused(multiclass):
    X_train, y_train, X_test, y_test = multiclass
    # Fitted on a fourth class: its probabilities of the three would not sum to 1.
    wider = LogisticRegression().fit(
        np.vstack([X_train, X_train[:5] + 5]), np.concatenate([y_train, [3] * 5])
    )
    keep = wider.predict(X_test) != 3
    with pytest.raises(MlkitValueError, match="it adds \\[3\\]") as info:
        baselines(
            X_train,
            y_train,
            X_test[keep],
            y_test[keep],
            task="multiclass",
            metrics=["log_loss"],
            models={"wider": wider},
        )
    assert str(info.value).startswith("'models' has 'wider'")


def test_labels_of_mixed_types_are_refused():
    X = np.zeros((4, 1))
    labels = np.array([1, "a", 1, "a"], dtype=object)
    with pytest.raises(MlkitTypeError, match="'y_train' must hold labels of one kind"):
        baselines(X, labels, X, labels, task="binary", metrics=["accuracy"])


def test_a_regression_model_that_gives_missing_values_is_refused():
    X = np.zeros((4, 1))

    class Gaps:
        def predict(self, X):
            return np.array([1.0, np.nan, 2.0, 3.0])

    with pytest.raises(MlkitValueError, match="'models' must give a finite number"):
        baselines(
            X,
            np.arange(4.0),
            X,
            np.arange(4.0),
            task="regression",
            metrics=["mae"],
            models={"gaps": Gaps()},
        )
