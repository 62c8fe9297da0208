"""Tests of mlkit.deployment.compare_compression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeRegressor
from threadpoolctl import threadpool_limits

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.deployment import (
    COMPRESSION_COLUMNS,
    VARIANTS,
    CompressionComparison,
    compare_compression,
    load_model,
    save_model,
)
from mlkit.evaluation import score
from mlkit.models import ladder


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    # Histogram boosting starts OpenMP threads at every fit and predict; on a
    # busy machine with two cores they wait on each other far longer than the
    # work takes.
    with threadpool_limits(1, user_api="openmp"):
        yield


KINDS = {
    "amount": "numeric",
    "age": "integer",
    "plan": "category",
    "noise": "numeric",
}


def _data(n: int = 900, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "amount": rng.exponential(100, n),
            "age": rng.integers(18, 80, n),
            "plan": rng.choice(["free", "pro", "team"], n),
            "noise": rng.normal(size=n),
        }
    )
    signal = (
        np.log1p(X["amount"])
        + (X["plan"] == "pro")
        + X["age"] / 30
        + rng.normal(size=n)
    )
    return X, (signal > signal.median()).astype(int), signal * 10


def _split(X, y, n_train=600):
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _model(task: str, name: str, **params):
    model = ladder(task, KINDS, log_columns=["amount"], random_state=0)[name]
    return model.set_params(**params)


@pytest.fixture(scope="module")
def forest():
    X, y, _ = _data()
    X_train, y_train, X_test, y_test = _split(X, y)
    # One job: a forest run in threads sums its trees in no fixed order, which
    # moves its probabilities in the last bits and breaks ties of the ROC-AUC.
    model = _model(
        "binary", "random_forest", model__n_estimators=12, model__n_jobs=1
    ).fit(X_train, y_train)
    before = (X_train.copy(), X_test.copy(), model.predict_proba(X_test))
    with threadpool_limits(1, user_api="openmp"):
        result = compare_compression(model, X_train, y_train, X_test, y_test)
    return model, (X_train, y_train, X_test, y_test), before, result


def test_every_variant_is_in_one_table(forest):
    model, (_, _, X_test, y_test), _, result = forest
    assert isinstance(result, CompressionComparison)
    table = result.to_frame()
    assert tuple(table.columns) == COMPRESSION_COLUMNS
    assert tuple(table["variant"]) == VARIANTS
    assert table["applies"].all()
    assert (table["metric"] == "roc_auc").all()
    assert result.metric == "roc_auc"
    assert result.higher_is_better
    original = table.iloc[0]
    assert original["value"] == score(model, X_test, y_test, "roc_auc")
    assert original["change"] == 0
    assert original["size_ratio"] == 1
    np.testing.assert_allclose(table["change"], table["value"] - original["value"])
    np.testing.assert_allclose(
        table["size_ratio"], table["size_bytes"].astype(float) / original["size_bytes"]
    )
    assert (table["size_bytes"] > 0).all()
    assert (table["p50_ms"] > 0).all()
    assert (table["rows_per_second"] > 0).all()
    for variant in VARIANTS:
        fitted = result.models[variant]
        frame = X_test[list(fitted.feature_names_in_)]
        assert table.set_index("variant").loc[variant, "value"] == score(
            fitted, frame, y_test, "roc_auc"
        )


def test_pruned_and_distilled_variants_are_smaller(forest):
    _, _, _, result = forest
    table = result.to_frame().set_index("variant")
    size = table["size_bytes"]
    assert size["fewer trees"] < size["original"]
    assert size["shallower trees"] < size["original"]
    assert size["distilled"] < size["original"]
    assert table.loc["fewer trees", "description"] == (
        "refitted with RandomForestClassifier n_estimators 12 → 3"
    )
    assert len(result.models["fewer trees"][-1].estimators_) == 3
    assert result.models["shallower trees"][-1].max_depth == 3
    assert table.loc["shallower trees", "description"].endswith("max_depth None → 3")


def test_float32_says_when_it_changes_nothing(forest):
    _, (_, _, X_test, _), _, result = forest
    description = (
        result.to_frame().set_index("variant").loc["float32 inputs", "description"]
    )
    assert "changes nothing for RandomForestClassifier" in description
    assert "trees compare float32 values anyway" in description
    cast = result.models["float32 inputs"]
    assert cast.steps[-2][0] == "float32"
    assert cast[:-1].transform(X_test).dtype == np.float32


def test_weak_features_are_named_and_dropped(forest):
    _, (X_train, _, X_test, _), _, result = forest
    assert "noise" in result.dropped
    assert set(result.dropped) < set(X_train.columns)
    reduced = result.models["drop weak features"]
    kept = [c for c in X_train.columns if c not in result.dropped]
    assert list(reduced.feature_names_in_) == kept
    described = result.to_frame().set_index("variant").loc["drop weak features"]
    assert "noise" in described["description"]
    assert "held-out training rows" in described["description"]
    for _, _, columns in reduced.named_steps["preprocess"].transformers:
        assert not set(np.atleast_1d(columns)) & set(result.dropped)
    reduced.predict_proba(X_test[kept])


def test_the_student_is_a_regression_tree_on_the_probabilities(forest):
    model, (X_train, _, X_test, _), _, result = forest
    student = result.models["distilled"]
    tree = student[-1]
    assert tree.get_depth() <= 6
    # The reference: a regression tree on the teacher's probability, on the same
    # preprocessing, gives the same probabilities.
    pre = clone(model[:-1]).fit(X_train)
    reference = DecisionTreeRegressor(max_depth=6, random_state=0).fit(
        pre.transform(X_train), model.predict_proba(X_train)[:, 1]
    )
    np.testing.assert_allclose(
        student.predict_proba(X_test)[:, 1],
        reference.predict(pre.transform(X_test)),
        atol=1e-9,
    )


def test_variants_load_on_trust(forest, tmp_path):
    _, (_, _, X_test, _), _, result = forest
    for variant in ("float32 inputs", "distilled"):
        path = save_model(result.models[variant], tmp_path / variant.replace(" ", "_"))
        np.testing.assert_array_equal(
            load_model(path).predict_proba(X_test),
            result.models[variant].predict_proba(X_test),
        )


def test_the_model_and_the_frames_are_not_changed(forest):
    model, (X_train, _, X_test, _), (train, test, proba), _ = forest
    pd.testing.assert_frame_equal(X_train, train)
    pd.testing.assert_frame_equal(X_test, test)
    assert len(model[-1].estimators_) == 12
    np.testing.assert_array_equal(model.predict_proba(X_test), proba)


def test_the_chart_and_the_explanation(forest):
    _, _, _, result = forest
    spec = result.chart().to_dict()
    assert len(spec["hconcat"]) == 2
    size, latency = spec["hconcat"]
    assert size["layer"][0]["encoding"]["x"]["field"] == "size_kb"
    assert size["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert size["layer"][0]["encoding"]["y"]["field"] == "value"
    assert latency["layer"][0]["encoding"]["x"]["field"] == "p50_ms"
    assert size["layer"][1]["mark"]["type"] == "text"
    text = result.explain()
    assert "fewer trees" in text
    assert "Chapter 7" in text


def test_variants_that_do_not_apply_stay_in_the_table_with_a_reason():
    X, y, _ = _data(600)
    X_train, y_train, X_test, y_test = _split(X, y, 400)
    model = _model("binary", "logistic").fit(X_train, y_train)
    result = compare_compression(model, X_train, y_train, X_test, y_test)
    table = result.to_frame().set_index("variant")
    assert table["applies"].tolist() == [True, False, False, True, True, True]
    assert table.loc["fewer trees", "description"] == (
        "LogisticRegression has no ensemble of trees to prune."
    )
    assert table.loc["shallower trees", "description"] == (
        "LogisticRegression has no trees to limit."
    )
    skipped = table.loc[["fewer trees", "shallower trees"]]
    assert skipped[["value", "change", "size_ratio", "p50_ms"]].isna().all().all()
    assert skipped["size_bytes"].isna().all()
    assert "fewer trees" not in result.models
    # Refitted on float32, a logistic regression learns float32 weights.
    assert result.models["float32 inputs"][-1].coef_.dtype == np.float32
    assert "predictions differ by up to" in table.loc["float32 inputs", "description"]
    assert (
        "Not applicable to this model: fewer trees, shallower trees" in result.explain()
    )
    assert result.to_frame().set_index("variant").loc["original", "size_bytes"] > 0


def test_a_regressor_is_scored_on_its_error():
    X, _, y = _data(600)
    X_train, y_train, X_test, y_test = _split(X, y, 400)
    model = _model("regression", "tree").fit(X_train, y_train)
    result = compare_compression(model, X_train, y_train, X_test, y_test)
    assert result.metric == "mae"
    assert not result.higher_is_better
    table = result.to_frame().set_index("variant")
    assert table.loc["original", "value"] == score(model, X_test, y_test, "mae")
    assert table.loc["fewer trees", "applies"] == False  # noqa: E712
    assert table.loc["shallower trees", "description"].endswith("max_depth 6 → 3")
    # A depth-6 tree distilled from a depth-6 tree on the same inputs.
    assert table.loc["distilled", "applies"]


def test_nested_ensembles_of_an_average_are_pruned():
    X, y, _ = _data(450)
    X_train, y_train, X_test, y_test = _split(X, y, 300)
    model = _model("binary", "averaging", model__boosting__model__max_iter=20)
    model.fit(X_train, y_train)
    result = compare_compression(model, X_train, y_train, X_test, y_test)
    table = result.to_frame().set_index("variant")
    assert table["applies"].all()
    assert table.loc["fewer trees", "description"] == (
        "refitted with HistGradientBoostingClassifier max_iter 20 → 5"
    )
    assert table.loc["shallower trees", "description"] == (
        "refitted with HistGradientBoostingClassifier max_leaf_nodes 31 → 8"
    )
    assert table.loc["fewer trees", "size_bytes"] < table.loc["original", "size_bytes"]
    voting = result.models["float32 inputs"][-1]
    assert [p.steps[-2][0] for _, p in voting.estimators] == ["float32", "float32"]
    assert table.loc["distilled", "size_bytes"] < table.loc["original", "size_bytes"]


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("auc", "'metric' must be one of"),
        ("mae", "'metric' 'mae' scores numbers, but the model is a classifier"),
    ],
)
def test_a_bad_metric_is_refused(metric, message):
    X, y, _ = _data(300)
    model = LogisticRegression().fit(X[["age", "noise"]], y)
    with pytest.raises(MlkitValueError, match=message):
        compare_compression(model, X, y, X, y, metric=metric)


def test_bad_inputs_are_refused():
    X, y, _ = _data(300)
    X_train, y_train, X_test, y_test = _split(X, y, 200)
    model = LogisticRegression().fit(X_train[["age", "noise"]], y_train)
    with pytest.raises(MlkitValueError, match="not fitted"):
        compare_compression(LogisticRegression(), X_train, y_train, X_test, y_test)
    with pytest.raises(MlkitValueError, match="'X_test' lacks 'noise'"):
        compare_compression(
            model, X_train, y_train, X_test.drop(columns="noise"), y_test
        )
    with pytest.raises(MlkitValueError, match="'y_test' has 99 values"):
        compare_compression(model, X_train, y_train, X_test, y_test[1:])
    with pytest.raises(MlkitValueError, match="'X_train' has no rows"):
        compare_compression(model, X_train.head(0), y_train[:0], X_test, y_test)
    with pytest.raises(MlkitTypeError, match="'X_test' must be a pandas DataFrame"):
        compare_compression(model, X_train, y_train, X_test.to_numpy(), y_test)
    with pytest.raises(MlkitValueError, match="'y_train' has 1 missing"):
        compare_compression(
            model,
            X_train,
            y_train.astype(float).mask(y_train.index == 0),
            X_test,
            y_test,
        )


def test_drop_weak_features_is_skipped_when_too_few_rows_to_measure_it():
    # Two training rows of two classes cannot be split into a fit part holding both.
    X = pd.DataFrame({"a": [0.1, -0.1], "b": [1.0, 1.0]})
    y = np.array([0, 1])
    model = LogisticRegression().fit(X, y)
    result = compare_compression(model, X, y, X, y, metric="accuracy", random_state=0)
    row = result.to_frame().set_index("variant").loc["drop weak features"]
    assert not row["applies"]
    assert row["description"].startswith("Permutation importance could not be")
    assert result.dropped == ()
