"""Tests for mlkit.features: feature importance, leaks through features, generalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import mlkit.features as features
from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.features import (
    FeatureImportance,
    FeatureLeaks,
    Generalisation,
    ShapUnavailableWarning,
    feature_importance,
    feature_leaks,
    generalisation,
    make_preprocessor,
)

KINDS = {
    "age": "numeric",
    "income": "numeric",
    "city": "category",
    "member": "boolean",
    "review": "text",
}
REVIEWS = ["great fast service", "slow service", "great value", "awful slow delivery"]


@pytest.fixture(autouse=True)
def one_thread():
    # Histogram gradient boosting runs OpenMP threads; on a small shared machine
    # they wait on each other far longer than they compute.
    with threadpool_limits(limits=1):
        yield


def customers(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).round(1),
            "income": rng.lognormal(10, 0.5, n).round(0),
            "city": rng.choice(["north", "south", "east"], n),
            "member": rng.integers(0, 2, n).astype(bool),
            "review": rng.choice(REVIEWS, n),
        }
    )
    logit = (
        0.08 * (X["age"] - 40)
        + 1.5 * (X["city"] == "north")
        - 1.0 * X["member"]
        + 1.0 * X["review"].str.contains("great")
    )
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), name="y")
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = customers()
    return X.iloc[:200], y.iloc[:200], X.iloc[200:], y.iloc[200:]


MODELS = {
    "forest": lambda: make_pipeline(
        make_preprocessor(KINDS),
        RandomForestClassifier(n_estimators=25, max_depth=6, random_state=0),
    ),
    # One-hot and numeric inputs only: shap explains HistGradientBoosting's native
    # categorical splits wrongly (shap issue #3436).
    "boosting": lambda: make_pipeline(
        make_preprocessor(KINDS, dense=True),
        HistGradientBoostingClassifier(max_iter=30, random_state=0),
    ),
    "logistic": lambda: make_pipeline(
        make_preprocessor(KINDS), LogisticRegression(max_iter=1000)
    ),
}


@pytest.fixture(scope="module")
def fitted(data):
    X_train, y_train, _, _ = data
    with threadpool_limits(limits=1):
        return {name: make().fit(X_train, y_train) for name, make in MODELS.items()}


@pytest.fixture(scope="module")
def explained(fitted, data):
    _, _, X_test, _ = data
    with threadpool_limits(limits=1):
        return {
            name: feature_importance(model, X_test, n_samples=80, random_state=0)
            for name, model in fitted.items()
        }


def margin(name: str, model, rows: pd.DataFrame) -> np.ndarray:
    """The output each explainer explains, computed straight from the model."""
    if name == "forest":
        return model.predict_proba(rows)[:, 1]
    return model.decision_function(rows)


# --------------------------------------------------------------------------- SHAP


@pytest.mark.parametrize(
    ("name", "explainer", "output"),
    [
        ("forest", "TreeExplainer", "the probability of class 1"),
        ("boosting", "TreeExplainer", "the log-odds of class 1"),
        ("logistic", "LinearExplainer", "the log-odds of class 1"),
    ],
)
def test_shap_values_add_up_to_the_models_output(
    name, explainer, output, explained, fitted, data
):
    _, _, X_test, _ = data
    result = explained[name]
    assert result.explainer == explainer
    assert result.output == output
    rows = X_test.loc[result.values.index]
    expected = margin(name, fitted[name], rows)
    for values in (result.values, result.transformed_values):
        total = values.sum(axis=1).to_numpy() + result.base_values.to_numpy()
        assert np.max(np.abs(total - expected)) < 1e-6
    assert result.additivity_error < 1e-6
    assert result.base_value == pytest.approx(result.base_values.iloc[0])


def test_the_sample_of_rows_is_bounded_and_seeded(explained, fitted, data):
    _, _, X_test, _ = data
    result = explained["forest"]
    assert result.n_rows == 80
    assert result.n_total == len(X_test)
    assert result.values.index.isin(X_test.index).all()
    assert result.values.index.is_monotonic_increasing
    assert any("80 of the 100" in note for note in result.notes)
    again = feature_importance(fitted["forest"], X_test, n_samples=80, random_state=0)
    pd.testing.assert_frame_equal(again.values, result.values)


def test_grouped_values_are_sums_of_the_transformed_ones(explained, fitted):
    result = explained["boosting"]
    names = fitted["boosting"][:-1].get_feature_names_out().tolist()
    assert result.transformed_values.columns.tolist() == names
    groups = result.feature_groups
    assert groups.index.tolist() == names
    assert groups["numbers__age"] == "age"
    assert {groups[n] for n in names if n.startswith("categories__city_")} == {"city"}
    assert {groups[n] for n in names if n.startswith("text_review__")} == {"review"}
    assert result.values.columns.tolist() == list(KINDS)
    for column in KINDS:
        members = groups.index[groups == column]
        np.testing.assert_allclose(
            result.values[column],
            result.transformed_values[members].sum(axis=1),
            rtol=0,
            atol=1e-12,
        )
    table = result.global_importance.set_index("feature")
    np.testing.assert_allclose(
        table.loc[list(KINDS), "importance"], result.values.abs().mean(), rtol=1e-12
    )
    assert table["share"].sum() == pytest.approx(1.0)
    assert result.global_importance["importance"].is_monotonic_decreasing


def test_ungrouped_values_keep_the_transformed_features(fitted, data):
    _, _, X_test, _ = data
    result = feature_importance(
        fitted["logistic"], X_test, group_columns=False, random_state=0
    )
    names = fitted["logistic"][:-1].get_feature_names_out().tolist()
    assert result.values.columns.tolist() == names
    assert sorted(result.global_importance["feature"]) == sorted(names)
    pd.testing.assert_frame_equal(result.values, result.transformed_values)
    assert result.data.loc[:, "numbers__age"].abs().max() < 10  # scaled, not raw


def test_a_multiclass_model_explains_each_rows_predicted_class(data):
    X_train, _, X_test, _ = data
    y_train = X_train["city"]
    model = make_pipeline(
        make_preprocessor({"age": "numeric", "income": "numeric"}),
        LogisticRegression(max_iter=1000),
    ).fit(X_train[["age", "income"]], y_train)
    result = feature_importance(model, X_test[["age", "income"]], random_state=0)
    rows = X_test[["age", "income"]].loc[result.values.index]
    scores = model.decision_function(rows)
    picked = np.searchsorted(model.classes_, model.predict(rows))
    expected = scores[np.arange(len(rows)), picked]
    total = result.values.sum(axis=1) + result.base_values
    assert np.max(np.abs(total.to_numpy() - expected)) < 1e-6
    assert result.output == "the raw score (softmax logit) of the predicted class"
    assert result.base_value is None
    assert result.base_values.nunique() > 1


@pytest.mark.parametrize("as_array", [False, True])
def test_a_model_fitted_on_an_array_takes_an_array_or_a_frame(as_array):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = 2 * X[:, 0] - X[:, 2] + 0.1 * rng.normal(size=120)
    model = LinearRegression().fit(X, y)
    given = X if as_array else pd.DataFrame(X, columns=["a", "b", "c"])
    result = feature_importance(model, given, random_state=0)
    assert result.values.columns.tolist() == (
        ["x0", "x1", "x2"] if as_array else ["a", "b", "c"]
    )
    assert result.global_importance["feature"].iloc[0] in {"x0", "a"}
    np.testing.assert_allclose(
        result.values.sum(axis=1) + result.base_values, model.predict(X), atol=1e-9
    )


@pytest.fixture(scope="module")
def agnostic():
    # shap's model-agnostic explainer compiles its helpers with numba on first
    # use, which takes seconds: one small model serves every test of that path.
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    y = (X["a"] + 0.5 * X["b"] > 0).astype(int)
    model = SVC().fit(X, y)
    state = np.random.get_state()  # noqa: NPY002
    result = feature_importance(model, X, n_samples=20, random_state=0)
    after = np.random.get_state()  # noqa: NPY002
    return model, X, result, state, after


def test_other_models_get_the_model_agnostic_explainer(agnostic):
    model, X, result, state, after = agnostic
    assert result.explainer == "PermutationExplainer"
    assert result.output == "the decision function (margin) of class 1"
    rows = X.loc[result.values.index]
    total = result.values.sum(axis=1) + result.base_values
    assert np.max(np.abs(total - model.decision_function(rows))) < 1e-6
    assert result.global_importance["feature"].iloc[0] == "a"
    # shap seeds numpy's global generator; the caller's state is put back.
    assert state[0] == after[0]
    np.testing.assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


def test_the_model_agnostic_explainer_explains_few_rows(agnostic, monkeypatch):
    model, X, _, _, _ = agnostic
    monkeypatch.setattr(features, "AGNOSTIC_MAX_ROWS", 5)
    result = feature_importance(model, X, random_state=0)
    assert result.n_rows == 5
    assert any("explained 5 rows only" in note for note in result.notes)


# --------------------------------------------------------------------------- rows


def test_for_row_matches_the_values_row(explained, data):
    _, _, X_test, _ = data
    result = explained["forest"]
    row = result.for_row(3)
    assert row.columns.tolist() == ["feature", "value", "contribution"]
    label = result.values.index[3]
    pd.testing.assert_series_equal(
        row.set_index("feature")["contribution"],
        result.values.iloc[3].loc[row["feature"]].rename("contribution"),
        check_names=False,
        check_index_type=False,
    )
    values = row.set_index("feature")["value"]
    assert values["city"] == X_test.loc[label, "city"]
    assert values["review"] == X_test.loc[label, "review"]
    sizes = row["contribution"].abs().to_numpy()
    assert (np.diff(sizes) <= 0).all()
    pd.testing.assert_frame_equal(
        result.for_row(-1), result.for_row(len(result.values) - 1)
    )


def test_row_chart_walks_from_the_base_value_to_the_output(explained):
    result = explained["logistic"]
    spec = result.row_chart(0, max_features=3).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "bar",
        "text",
        "rule",
        "rule",
    ]
    steps = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert len(steps) == 4  # three features and the rest
    assert steps[-1]["step"] == "2 other features"
    total = result.base_values.iloc[0] + result.values.iloc[0].sum()
    assert steps[-1]["end"] == pytest.approx(total)
    assert steps[0]["start"] == pytest.approx(result.base_values.iloc[0])


@pytest.mark.parametrize("i", [80, -81, 1.5, True, "0"])
def test_for_row_refuses_rows_that_were_not_explained(explained, i):
    with pytest.raises(MlkitValueError, match="'i' must be the position"):
        explained["forest"].for_row(i)


def test_charts_and_texts(explained):
    result = explained["forest"]
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar"]
    assert spec["layer"][0]["encoding"]["x"]["field"] == "importance"
    text = result.explain()
    assert "not causation" in text
    assert "Chapter 5" in text
    assert repr(result).startswith(
        "<FeatureImportance: SHAP values of RandomForestClassifier (TreeExplainer)"
    )
    assert "Feature importance" in result._repr_html_()


# --------------------------------------------------------------------------- permutation


@pytest.mark.parametrize(
    ("scoring", "reference"), [("roc_auc", "roc_auc"), (None, None)]
)
def test_permutation_equals_scikit_learn(fitted, data, scoring, reference):
    _, _, X_test, y_test = data
    model = fitted["logistic"]
    result = feature_importance(
        model,
        X_test,
        y_test,
        method="permutation",
        scoring=scoring,
        n_repeats=3,
        random_state=0,
    )
    expected = permutation_importance(
        model, X_test, y_test, scoring=reference, n_repeats=3, random_state=0
    )
    table = result.to_frame().set_index("feature").loc[list(X_test.columns)]
    np.testing.assert_array_equal(table["importance"], expected.importances_mean)
    np.testing.assert_array_equal(table["std"], expected.importances_std)
    assert result.values is None
    assert result.base_value is None
    assert result.output == (scoring or "accuracy")
    assert result.n_rows == len(X_test)


def test_permutation_takes_mlkits_metric_names(fitted, data):
    metrics = pytest.importorskip("mlkit.evaluation._metrics")
    _, _, X_test, y_test = data
    model = fitted["forest"]
    result = feature_importance(
        model, X_test, y_test, method="permutation", scoring="pr_auc", random_state=3
    )
    expected = permutation_importance(
        model,
        X_test,
        y_test,
        scoring=metrics.METRICS["pr_auc"],
        n_repeats=5,
        random_state=3,
    )
    table = result.to_frame().set_index("feature").loc[list(X_test.columns)]
    np.testing.assert_array_equal(table["importance"], expected.importances_mean)
    assert result.output == "pr_auc"


def test_permutation_chart_has_error_bars_and_no_rows(fitted, data):
    _, _, X_test, y_test = data
    result = feature_importance(
        fitted["logistic"], X_test, y_test, method="permutation", random_state=0
    )
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule"]
    assert "held-out" in result.explain()
    assert "memorised" in result.explain()
    with pytest.raises(MlkitValueError, match="method='shap'"):
        result.for_row(0)
    shares = result.global_importance["share"]
    assert (shares >= 0).all()


def test_without_shap_permutation_is_computed_with_a_note(fitted, data, monkeypatch):
    _, _, X_test, y_test = data

    def missing(purpose):
        raise ImportError("shap is needed to compute SHAP values")

    monkeypatch.setattr(features, "_import_shap", missing)
    with pytest.warns(ShapUnavailableWarning, match="permutation importance"):
        result = feature_importance(fitted["logistic"], X_test, y_test, random_state=0)
    assert result.method == "permutation"
    assert "Intel Macs" in result.explain()
    with pytest.raises(ImportError, match="shap is needed"):
        feature_importance(fitted["logistic"], X_test)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"method": "lime"}, MlkitValueError, "'method' must be one of"),
        ({"n_samples": 0}, MlkitValueError, "'n_samples' must be an int"),
        ({"n_samples": 2.5}, MlkitTypeError, "'n_samples' must be an int"),
        ({"n_repeats": 0}, MlkitValueError, "'n_repeats' must be an int"),
        ({"group_columns": "yes"}, MlkitTypeError, "'group_columns'"),
        ({"method": "permutation", "y": None}, MlkitValueError, "needs 'y'"),
        ({"method": "permutation", "y": [0, 1]}, MlkitValueError, "'y' has 2 values"),
        ({"method": "permutation", "scoring": "nope"}, MlkitValueError, "'scoring'"),
        ({"random_state": "seed"}, MlkitTypeError, "'random_state'"),
    ],
)
def test_bad_options_name_the_argument(fitted, data, change, error, match):
    _, _, X_test, y_test = data
    options = {"y": y_test, **change}
    y = options.pop("y")
    with pytest.raises(error, match=match):
        feature_importance(fitted["logistic"], X_test, y, **options)


def test_an_unfitted_model_is_refused(data):
    _, _, X_test, _ = data
    with pytest.raises(MlkitValueError, match="'model' must be a fitted model"):
        feature_importance(MODELS["logistic"](), X_test)
    with pytest.raises(MlkitTypeError, match="'model'"):
        feature_importance("a model", X_test)


@pytest.mark.parametrize(
    ("X_change", "match"),
    [
        (lambda X: X.drop(columns="income"), "lacks 'income'"),
        (lambda X: X.assign(target=1), "has 'target', which the model never saw"),
    ],
)
def test_X_must_have_the_columns_of_fit(fitted, data, X_change, match):
    _, _, X_test, _ = data
    with pytest.raises(MlkitValueError, match=f"'X' must have the columns.*{match}"):
        feature_importance(fitted["forest"], X_change(X_test))


def test_native_categorical_boosting_is_refused(data):
    X_train, y_train, _, _ = data
    codes = X_train.assign(
        city=X_train["city"].map({"north": 0, "south": 1, "east": 2})
    )
    model = HistGradientBoostingClassifier(
        max_iter=5, categorical_features=["city"]
    ).fit(codes[["age", "city"]], y_train)
    with pytest.raises(MlkitValueError, match="shap issue #3436"):
        feature_importance(model, codes[["age", "city"]])


def test_inputs_are_not_modified(fitted, data):
    _, _, X_test, y_test = data
    X_before, y_before = X_test.copy(deep=True), y_test.copy(deep=True)
    feature_importance(fitted["boosting"], X_test, n_samples=20, random_state=0)
    feature_importance(
        fitted["boosting"], X_test, y_test, method="permutation", random_state=0
    )
    pd.testing.assert_frame_equal(X_test, X_before)
    pd.testing.assert_series_equal(y_test, y_before)


# --------------------------------------------------------------------------- leaks


def bikes(days: int = 42, seed: int = 0) -> pd.DataFrame:
    """Hourly rentals, in which casual + registered riders make the count."""
    rng = np.random.default_rng(seed)
    when = pd.date_range("2024-04-01", periods=days * 24, freq="h")
    hour = np.asarray(when.hour)
    working = np.asarray(when.day_of_week < 5).astype(int)
    weather = np.repeat(rng.normal(0, 6, days), 24)
    temperature = 15 + weather + 4 * np.sin(2 * np.pi * (hour - 9) / 24)
    temperature = temperature + rng.normal(0, 1, len(when))
    warm = np.clip(temperature - 3, 0, None)
    daytime = np.exp(-((hour - 14) ** 2) / 30)
    commute = np.exp(-((hour - 8) ** 2) / 3) + np.exp(-((hour - 17.5) ** 2) / 4)
    registered = rng.poisson(5 + working * (25 + 40 * commute) + 2 * warm * daytime)
    casual = rng.poisson(1 + warm * daytime * (1 + 4 * (1 - working)))
    return pd.DataFrame(
        {
            "when": when,
            "hour": hour,
            "temperature": temperature.round(1),
            "working_day": working,
            "casual": casual,
            "registered": registered,
            "count": casual + registered,
        }
    )


LEGITIMATE = ["hour", "temperature", "working_day"]


@pytest.fixture(scope="module")
def rentals():
    frame = bikes()
    cut = int(len(frame) * 0.7)  # the last 30 % of the days as held-out rows
    train, test = frame.iloc[:cut], frame.iloc[cut:]
    models = {}
    for name, columns in (
        ("leaky", [*LEGITIMATE, "casual", "registered"]),
        ("clean", LEGITIMATE),
    ):
        model = RandomForestRegressor(
            n_estimators=30, min_samples_leaf=5, random_state=0
        ).fit(train[columns], train["count"])
        models[name] = (model, columns)
    return test, models


@pytest.mark.parametrize("method", ["shap", "permutation"])
def test_the_planted_bikes_leak_is_flagged(rentals, method):
    test, models = rentals
    model, columns = models["leaky"]
    importance = feature_importance(
        model, test[columns], test["count"], method=method, random_state=0
    )
    leaks = feature_leaks(importance)
    assert not leaks.ok
    assert set(leaks.findings["feature"]) == {"casual", "registered"}
    assert set(leaks.findings["check"]) == {"dominant importance"}
    assert leaks.importance.loc[leaks.importance["flagged"], "feature"].tolist() == (
        importance.global_importance["feature"].iloc[:2].tolist()
    )
    if method == "shap":
        assert importance.explainer == "TreeExplainer"
        assert importance.output == "the prediction"
        assert importance.additivity_error < 1e-6 * test["count"].max()


@pytest.mark.parametrize("method", ["shap", "permutation"])
def test_legitimate_features_are_not_flagged(rentals, method):
    test, models = rentals
    model, columns = models["clean"]
    importance = feature_importance(
        model, test[columns], test["count"], method=method, random_state=0
    )
    leaks = feature_leaks(importance)
    assert leaks.ok
    assert leaks.findings.empty
    assert leaks.findings.columns.tolist() == [
        "check",
        "feature",
        "evidence",
        "what to do",
    ]
    assert "No feature looks like a leak" in leaks.explain()


def table_of(importances: list[float]) -> FeatureImportance:
    values = np.array(importances)
    table = pd.DataFrame(
        {
            "feature": [f"f{i}" for i in range(len(values))],
            "importance": values,
            "std": 0.0,
            "share": values / values.sum(),
        }
    )
    return FeatureImportance(
        global_importance=table,
        values=None,
        data=None,
        base_values=None,
        transformed_values=None,
        feature_groups=None,
        method="permutation",
        explainer="permutation_importance",
        output="R²",
        model_name="Ridge",
        n_rows=100,
        n_total=100,
    )


@pytest.mark.parametrize(
    ("importances", "flagged"),
    [
        ([0.9, 0.08, 0.02], ["f0"]),  # one leak; the next feature is legitimate
        ([0.5, 0.49, 0.01], ["f0", "f1"]),  # two leaks that share the importance
        ([0.6, 0.25, 0.15], []),  # share above max_share, but not 3 times the next
        ([0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], []),  # a gap, but under max_share
        ([0.3, 0.3, 0.3, 0.1], []),
        ([1.0], []),  # nothing to compare with
        ([0.7, 0.0], ["f0"]),
    ],
)
def test_dominance_needs_a_large_share_and_a_gap(importances, flagged):
    leaks = feature_leaks(table_of(sorted(importances, reverse=True)))
    assert leaks.findings["feature"].tolist() == flagged
    assert leaks.ok == (not flagged)


def test_dates_after_the_prediction_time_are_flagged():
    data = pd.DataFrame(
        {
            "applied": pd.date_range("2024-01-01", periods=10, freq="D"),
            "opened": pd.date_range("2023-12-01", periods=10, freq="D"),
            "closed": pd.date_range("2024-01-05", periods=10, freq="D"),
            "amount": np.arange(10.0),
        }
    )
    data.loc[0, "closed"] = pd.NaT
    leaks = feature_leaks(table_of([0.4, 0.35, 0.25]), data=data, time_column="applied")
    assert leaks.findings["check"].tolist() == ["value after prediction time"]
    assert leaks.findings["feature"].tolist() == ["closed"]
    assert "9 of 10 rows (90.0%)" in leaks.findings["evidence"].iloc[0]
    assert leaks.checks == ("dominant importance", "value after prediction time")
    spec = leaks.chart().to_dict()
    assert spec["layer"][0]["encoding"]["color"]["field"] == "flagged"
    assert isinstance(leaks, FeatureLeaks)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"max_share": 1.5}, MlkitValueError, "'max_share' must be a number in"),
        ({"max_share": "half"}, MlkitTypeError, "'max_share'"),
        ({"ratio": 1.0}, MlkitValueError, r"'ratio' must be a number in \(1, inf\)"),
        ({"time_column": "applied"}, MlkitValueError, "'time_column' was given"),
        ({"data": pd.DataFrame({"a": [1]})}, MlkitValueError, "'data' was given"),
    ],
)
def test_bad_leak_options_name_the_argument(options, error, match):
    with pytest.raises(error, match=match):
        feature_leaks(table_of([0.5, 0.5]), **options)


def test_leaks_need_an_importance_result():
    with pytest.raises(
        MlkitTypeError, match="'importance' must be a FeatureImportance"
    ):
        feature_leaks(pd.DataFrame({"feature": ["a"], "importance": [1.0]}))


def test_time_zones_that_differ_are_an_error():
    data = pd.DataFrame(
        {
            "at": pd.date_range("2024-01-01", periods=3, tz="UTC"),
            "seen": pd.date_range("2024-01-01", periods=3),
        }
    )
    with pytest.raises(MlkitValueError, match="time zone"):
        feature_leaks(table_of([0.5, 0.5]), data=data, time_column="at")


# --------------------------------------------------------------------------- generalisation


@pytest.fixture(scope="module")
def parts():
    rng = np.random.default_rng(4)
    n_train, n_test = 200, 120

    def part(n, shift, extra_city):
        return pd.DataFrame(
            {
                "temperature": rng.normal(15 + shift, 5, n),
                "rooms": rng.integers(1, 6 + shift, n),
                "when": pd.Timestamp("2024-01-01")
                + pd.to_timedelta(rng.integers(0, 60 + 10 * shift, n), unit="D"),
                "city": rng.choice(["north", "south", *extra_city], n),
                "member": pd.array(rng.random(n) < (0.5 if shift else 0.0), "boolean"),
                "note": rng.choice(
                    ["the bike was fine and clean", "a flat tyre on the way home"], n
                ),
            }
        )

    train = part(n_train, 0, [])
    test = part(n_test, 3, ["east", "west"])
    test.loc[test.index[:5], "temperature"] = np.nan
    test.loc[test.index[5:8], "city"] = None
    return train, test


def test_generalisation_counts_equal_a_pandas_reference(parts):
    train, test = parts
    before = (train.copy(deep=True), test.copy(deep=True))
    result = generalisation(train, test)
    table = result.to_frame().set_index("feature")
    n = len(test)
    for column in ["temperature", "rooms", "when"]:
        below = (test[column] < train[column].min()).sum() / n
        above = (test[column] > train[column].max()).sum() / n
        assert table.loc[column, "below share"] == pytest.approx(below)
        assert table.loc[column, "above share"] == pytest.approx(above)
        assert table.loc[column, "unseen share"] == pytest.approx(below + above)
    for column in ["city", "member"]:
        unseen = (
            test[column].notna() & ~test[column].isin(train[column].dropna())
        ).sum()
        assert table.loc[column, "unseen share"] == pytest.approx(unseen / n)
        assert np.isnan(table.loc[column, "below share"])
    assert table.loc["temperature", "kind"] == "number"
    assert table.loc["when", "kind"] == "date"
    assert table.loc["city", "kind"] == "category"
    assert table.loc["member", "kind"] == "boolean"
    assert table.loc["city", "unseen share"] > 0
    assert set(table.loc["city", "examples"].split(", ")) == {"east", "west"}
    assert table.loc["rooms", "examples"].endswith("(above)")
    assert result.skipped == ("note",)
    assert "note" not in table.index
    assert result.table["unseen share"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(train, before[0])
    pd.testing.assert_frame_equal(test, before[1])


def test_generalisation_result_shows_itself(parts):
    train, test = parts
    result = generalisation(train, test, columns=["city", "temperature"])
    assert isinstance(result, Generalisation)
    assert set(result.to_frame()["feature"]) == {"city", "temperature"}
    assert result.to_frame().columns.tolist() == [
        "feature",
        "kind",
        "unseen share",
        "below share",
        "above share",
        "examples",
        "seen in training",
    ]
    spec = result.chart().to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "share"
    text = result.explain()
    assert "fallback" in text
    assert "chapter 5" in text
    same = generalisation(train, train)
    assert (same.to_frame()["unseen share"] == 0).all()
    assert same.chart().to_dict()["mark"]["type"] == "text"


def test_identifiers_never_generalise():
    train = pd.DataFrame({"user": [f"u{i}" for i in range(50)]})
    test = pd.DataFrame({"user": [f"u{i}" for i in range(40, 90)]})
    row = generalisation(train, test).to_frame().iloc[0]
    assert row["kind"] == "identifier"
    assert row["unseen share"] == pytest.approx(40 / 50)


def test_generalisation_names_bad_columns(parts):
    train, test = parts
    with pytest.raises(MlkitValueError, match="'columns' names 'citty'"):
        generalisation(train, test, columns=["citty"])
    with pytest.raises(MlkitValueError, match="'columns' names 'city'"):
        generalisation(train, test.drop(columns="city"))
    with pytest.raises(MlkitTypeError, match="'train' must be a pandas DataFrame"):
        generalisation(train.to_numpy(), test)
