"""Tests for mlkit.models: the ladder of candidate models, and learning curves."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import PredefinedSplit
from sklearn.model_selection import learning_curve as sklearn_learning_curve
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from mlkit import charts
from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import score
from mlkit.models import (
    BOOSTING_TEXT_FEATURES,
    FOREST_MAX_ROWS,
    LADDERS,
    TASKS,
    LearningCurve,
    ladder,
    learning_curve,
)

KINDS = {"x": "numeric", "k": "integer", "c": "category", "t": "text", "id": "id"}
COLUMNS = ["rows", "share", "train_score", "validation_score", "fit_seconds"]
WORDS = np.array(["cheap", "offer", "hello", "meeting", "win", "free", "lunch", "memo"])


@pytest.fixture(autouse=True)
def one_thread():
    # Boosting's OpenMP threads slow tiny fits down on a busy two-core machine.
    with threadpool_limits(limits=1):
        yield


def mixed(task, n=120, seed=0):
    """A small frame of every kind of column, and a target for ``task``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    c = rng.choice(["a", "b", "c"], size=n)
    df = pd.DataFrame(
        {
            "x": np.where(rng.uniform(size=n) < 0.05, np.nan, x),
            "k": rng.integers(0, 5, size=n),
            "c": c,
            "t": [" ".join(rng.choice(WORDS, 4)) for _ in range(n)],
            "id": [f"row{i}" for i in range(n)],
        },
        index=np.arange(n) * 2 + 5,
    )
    signal = x + (c == "a") + 0.3 * rng.normal(size=n)
    if task == "binary":
        y = (signal > 0.5).astype(int)
    elif task == "multiclass":
        y = np.where(signal > 1, "high", np.where(signal < 0, "low", "mid"))
    else:
        y = 2 * signal + df["k"].to_numpy()
    return df, pd.Series(y, index=df.index)


def noisy_linear(n, n_features=20, seed=0, noise=2.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = X @ rng.normal(size=n_features) + rng.normal(scale=noise, size=n)
    return X, y


# --------------------------------------------------------------------------- ladder


@pytest.mark.parametrize("task", TASKS)
def test_ladder_names_order_and_estimators(task):
    models = ladder(task, KINDS, random_state=0)
    classification = task != "regression"
    expected = LADDERS["classification" if classification else "regression"]
    assert tuple(models) == expected
    assert all(isinstance(model, Pipeline) for model in models.values())
    finals = [type(model[-1]) for model in models.values()]
    if classification:
        assert finals == [
            LogisticRegression,
            DecisionTreeClassifier,
            RandomForestClassifier,
            HistGradientBoostingClassifier,
            VotingClassifier,
        ]
        assert models["logistic"][-1].max_iter == 2000
        assert models["averaging"][-1].voting == "soft"
    else:
        assert finals == [
            Ridge,
            DecisionTreeRegressor,
            RandomForestRegressor,
            HistGradientBoostingRegressor,
            VotingRegressor,
        ]
    for name in expected[:-1]:
        assert [step for step, _ in models[name].steps] == ["preprocess", "model"]
    tree = models["tree"][-1]
    assert (tree.max_depth, tree.min_samples_leaf) == (6, 20)
    forest = models["random_forest"][-1]
    assert (forest.n_estimators, forest.min_samples_leaf, forest.n_jobs) == (150, 3, -1)
    # Averaging: two model families, each with its own preprocessing.
    members = models["averaging"][-1].estimators
    assert [name for name, _ in members] == [expected[0], "boosting"]
    assert all(isinstance(member, Pipeline) for _, member in members)


def test_boosting_gets_a_dense_input_with_a_small_vocabulary():
    models = ladder("binary", KINDS)
    boosting = models["boosting"].named_steps["preprocess"]
    logistic = models["logistic"].named_steps["preprocess"]
    assert boosting.sparse_threshold == 0.0
    assert logistic.sparse_threshold > 0
    steps = {name: (step, columns) for name, step, columns in boosting.transformers}
    assert steps["text_t"][0].max_features == BOOSTING_TEXT_FEATURES
    sparse = {name: step for name, step, _ in logistic.transformers}
    assert sparse["text_t"].max_features == 5000
    # Identifiers are left out, as make_preprocessor does.
    assert all("id" not in columns for _, columns in steps.values())


@pytest.mark.parametrize("task", TASKS)
def test_every_rung_fits_and_predicts_on_mixed_columns(task):
    df, y = mixed(task)
    before = df.copy(deep=True)
    for name, model in ladder(task, KINDS, random_state=0).items():
        predictions = model.fit(df, y).predict(df)
        assert len(predictions) == len(df), name
        if task == "regression":
            assert np.isfinite(predictions).all(), name
        else:
            assert set(predictions) <= set(y), name
            proba = model.predict_proba(df)
            np.testing.assert_allclose(proba.sum(axis=1), 1.0)
            assert proba.shape[1] == y.nunique()
    pd.testing.assert_frame_equal(df, before)


def test_random_state_makes_two_fits_identical():
    df, y = mixed("binary", n=100, seed=3)
    first = ladder("binary", KINDS, random_state=7)
    second = ladder("binary", KINDS, random_state=7)
    for name in first:
        a = first[name].fit(df, y)
        b = second[name].fit(df, y)
        np.testing.assert_array_equal(a.predict(df), b.predict(df), err_msg=name)
        # The forest adds its trees' probabilities in parallel threads, in any
        # order: the sums may differ in the last bit, not more.
        np.testing.assert_allclose(
            a.predict_proba(df), b.predict_proba(df), rtol=0, atol=1e-12, err_msg=name
        )


@pytest.mark.parametrize("task", TASKS)
def test_random_state_reaches_every_estimator(task):
    for model in ladder(task, KINDS, random_state=11).values():
        seeds = {
            key: value
            for key, value in model.get_params().items()
            if key.endswith("random_state")
        }
        assert seeds, model
        assert set(seeds.values()) == {11}


def test_class_weight_reaches_every_classifier():
    models = ladder("multiclass", KINDS, class_weight="balanced")
    weights = {
        f"{name}:{key}": value
        for name, model in models.items()
        for key, value in model.get_params().items()
        if key.endswith("class_weight")
    }
    # Logistic, tree, forest, boosting, and the two members of the average.
    assert len(weights) == 6
    assert set(weights.values()) == {"balanced"}
    plain = ladder("binary", KINDS)["boosting"].get_params()
    assert plain["model__class_weight"] is None


def test_class_weight_changes_the_fit():
    df, y = mixed("binary", n=120)
    y = pd.Series(np.where(df["x"].fillna(0) > 1.0, 1, 0), index=df.index)  # rare 1
    plain = ladder("binary", KINDS)["logistic"].fit(df, y)
    balanced = ladder("binary", KINDS, class_weight="balanced")["logistic"].fit(df, y)
    assert balanced.predict(df).sum() > plain.predict(df).sum()


def test_log_columns_reach_every_rung_and_the_models_predict():
    def logged(pipeline):
        steps = {name: step for name, step, _ in pipeline["preprocess"].transformers}
        first = steps["numbers"].steps[0][1]
        return [
            columns
            for _, step, columns in getattr(first, "transformers", [])
            if isinstance(step, FunctionTransformer) and step.func is np.log1p
        ]

    models = ladder("binary", KINDS, log_columns=["k"], random_state=0)
    rungs = {name: model for name, model in models.items() if name != "averaging"}
    members = dict(models["averaging"][-1].estimators)
    rungs.update({f"averaging/{name}": member for name, member in members.items()})
    assert len(rungs) == 6
    for name, pipeline in rungs.items():
        assert logged(pipeline) == [["k"]], name
    assert logged(ladder("binary", KINDS)["logistic"]) == []

    df, y = mixed("binary")
    model = models["averaging"].fit(df, y)
    predictions = model.predict(df)
    assert len(predictions) == len(df)
    assert set(predictions) <= {0, 1}
    # The linear member sees k as log1p(k), imputed and standardised.
    preprocess = model[-1].named_estimators_["logistic"]["preprocess"]
    out = preprocess.transform(df)
    out = out.toarray() if sp.issparse(out) else out
    column = preprocess.get_feature_names_out().tolist().index("numbers__k")
    logs = np.log1p(df["k"].to_numpy(dtype="float64"))
    np.testing.assert_allclose(
        out[:, column], (logs - logs.mean()) / logs.std(), rtol=0, atol=1e-12
    )


def test_forest_rows_per_tree_are_capped_on_large_data():
    def max_samples(n_rows):
        return ladder("regression", KINDS, n_rows=n_rows)["random_forest"][
            -1
        ].max_samples

    assert max_samples(None) is None
    assert max_samples(FOREST_MAX_ROWS) is None
    assert max_samples(200_000) == pytest.approx(FOREST_MAX_ROWS / 200_000)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"task": "ranking"}, MlkitValueError, r"'task' must be one of"),
        (
            {"task": "regression", "class_weight": "balanced"},
            MlkitValueError,
            r"'class_weight' only applies to classification",
        ),
        ({"class_weight": "even"}, MlkitValueError, r"'class_weight' must be one of"),
        ({"n_rows": 0}, MlkitValueError, r"'n_rows' must be an integer of at least 1"),
        ({"n_rows": 1.5}, MlkitTypeError, r"'n_rows' must be an integer of at least 1"),
        ({"random_state": "seed"}, MlkitTypeError, r"'random_state' must be None"),
        ({"columns": ["x", "z"]}, MlkitValueError, r"'columns' names 'z'"),
    ],
)
def test_ladder_refuses_bad_input_with_a_hint(kwargs, error, message):
    arguments = {"task": "binary", "kinds": KINDS, **kwargs}
    with pytest.raises(error, match=message) as caught:
        ladder(**arguments)
    assert "Hint:" in str(caught.value)


# --------------------------------------------------------------------------- learning curve


@pytest.mark.parametrize("kind", ["array", "list", "frame", "sparse"])
def test_regression_equals_sklearn_learning_curve(kind):
    X, y = noisy_linear(200, n_features=5)
    if kind == "frame":
        X = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
        estimator = ladder("regression", dict.fromkeys(X.columns, "numeric"))["linear"]
        split = (X.iloc[:150], X.iloc[150:])
    elif kind == "sparse":
        X = sp.csr_matrix(X)
        estimator = Ridge()
        split = (X[:150], X[150:])
    elif kind == "list":
        X = X.tolist()
        estimator = Ridge()
        split = (X[:150], X[150:])
    else:
        estimator = KNeighborsRegressor(3)
        split = (X[:150], X[150:])
    sizes = np.array([0.1, 0.3, 0.65, 1.0])
    curve = learning_curve(
        estimator,
        split[0],
        y[:150],
        split[1],
        y[150:],
        metric="rmse",
        sizes=sizes,
        random_state=4,
    )
    rows, train, validation = sklearn_learning_curve(
        estimator,
        X,
        y,
        cv=PredefinedSplit([-1] * 150 + [0] * 50),
        train_sizes=sizes,
        shuffle=True,
        random_state=4,
        scoring="neg_root_mean_squared_error",
    )
    table = curve.to_frame()
    assert list(table.columns) == COLUMNS
    assert table["rows"].tolist() == rows.tolist() == [15, 45, 97, 150]
    np.testing.assert_allclose(table["share"], rows / 150)
    np.testing.assert_allclose(table["train_score"], -train[:, 0])
    np.testing.assert_allclose(table["validation_score"], -validation[:, 0])
    assert (table["fit_seconds"] >= 0).all()
    assert not curve.stratified


def reference_order(y, seed):
    """Stratified nested subsets, written as a plain loop: the k-th row of a class
    (in the order of scikit-learn's shuffle) comes at k / (rows of the class)."""
    shuffled = np.random.RandomState(seed).permutation(len(y))
    seen, keyed = {}, []
    for position, row in enumerate(shuffled):
        label = y[row]
        rank = seen.get(label, 0)
        seen[label] = rank + 1
        keyed.append((label, rank, position, row))
    counts = {label: int((y == label).sum()) for label in seen}
    keyed.sort(key=lambda item: (item[1] / counts[item[0]], item[2]))
    return [row for *_, row in keyed]


@pytest.mark.parametrize("metric", ["accuracy", "log_loss", "macro_f1"])
def test_classification_equals_a_hand_written_stratified_loop(metric):
    df, y = mixed("multiclass", n=160, seed=5)
    model = ladder("multiclass", KINDS, random_state=0)["logistic"]
    X_train, X_val = df.iloc[:110], df.iloc[110:]
    y_train, y_val = y.iloc[:110], y.iloc[110:]
    sizes = (0.2, 0.5, 1.0)
    curve = learning_curve(
        model,
        X_train,
        y_train,
        X_val,
        y_val,
        metric=metric,
        sizes=sizes,
        random_state=2,
    )
    order = reference_order(y_train.to_numpy(), 2)
    expected = []
    for share in sizes:
        rows = order[: int(share * 110)]
        fitted = clone(model).fit(X_train.iloc[rows], y_train.iloc[rows])
        expected.append(
            (
                len(rows),
                score(fitted, X_train.iloc[rows], y_train.iloc[rows], metric),
                score(fitted, X_val, y_val, metric),
            )
        )
    table = curve.to_frame()
    assert table["rows"].tolist() == [rows for rows, *_ in expected]
    np.testing.assert_allclose(table["train_score"], [t for _, t, _ in expected])
    np.testing.assert_allclose(table["validation_score"], [v for *_, v in expected])
    assert curve.stratified


SEEN: list[dict] = []


class RecordingClassifier(DummyClassifier):
    """Predicts the majority class, and records the classes of each fit."""

    def fit(self, X, y, sample_weight=None):
        labels, counts = np.unique(y, return_counts=True)
        SEEN.append(dict(zip(labels.tolist(), counts.tolist(), strict=True)))
        return super().fit(X, y, sample_weight)


def test_subsets_keep_every_class_in_proportion():
    rng = np.random.default_rng(0)
    y = np.array([0] * 150 + [1] * 47 + [2] * 3)
    rng.shuffle(y)
    X = rng.normal(size=(200, 2))
    SEEN.clear()
    curve = learning_curve(
        RecordingClassifier(),
        X,
        y,
        X[:20],
        y[:20],
        metric="accuracy",
        sizes=(0.02, 0.1, 0.5, 1.0),
        random_state=0,
    )
    assert curve.to_frame()["rows"].tolist() == [4, 20, 100, 200]
    assert [sum(seen.values()) for seen in SEEN] == [4, 20, 100, 200]
    for seen in SEEN:
        n = sum(seen.values())
        assert set(seen) == {0, 1, 2}  # even 4 rows hold the class of 3 rows in 200
        for label, share in ((0, 0.75), (1, 0.235), (2, 0.015)):
            assert abs(seen[label] - share * n) <= 1.0 + 1e-9


def test_more_rows_help_a_flexible_model_on_noisy_data():
    X, y = noisy_linear(1_400, n_features=30, noise=3.0)
    small = learning_curve(
        Ridge(alpha=1.0),
        X[:1_000],
        y[:1_000],
        X[1_000:],
        y[1_000:],
        metric="mae",
        sizes=(0.04, 0.08, 0.16),
        random_state=0,
    )
    errors = small.to_frame()["validation_score"]
    assert errors.is_monotonic_decreasing
    assert small.still_improving
    assert "more data would likely help" in small.explain()
    # The same problem with three times the rows: the curve has flattened.
    X, y = noisy_linear(3_400, n_features=30, noise=3.0)
    large = learning_curve(
        Ridge(alpha=1.0),
        X[:3_000],
        y[:3_000],
        X[3_000:],
        y[3_000:],
        metric="mae",
        sizes=(0.5, 0.75, 1.0),
        random_state=0,
    )
    assert not large.still_improving
    assert not large.large_gap
    assert "bias" in large.explain()


def test_one_nearest_neighbour_shows_a_large_gap_of_variance():
    X, y = noisy_linear(500, n_features=6, seed=1, noise=1.0)
    labels = (y > np.median(y)).astype(int)
    curve = learning_curve(
        KNeighborsClassifier(1),
        X[:300],
        labels[:300],
        X[300:],
        labels[300:],
        metric="accuracy",
        random_state=0,
    )
    table = curve.to_frame()
    assert (table["train_score"] == 1.0).all()
    assert curve.gap > 0.1
    assert curve.large_gap
    assert "variance" in curve.explain()
    assert "Chapter 6" in curve.explain()


def test_gap_is_positive_for_overfitting_with_a_loss():
    X, y = noisy_linear(400, n_features=6, seed=2, noise=1.0)
    for metric in ("mae", "rmse"):
        curve = learning_curve(
            KNeighborsRegressor(1),
            X[:300],
            y[:300],
            X[300:],
            y[300:],
            metric=metric,
            sizes=(0.5, 1.0),
            random_state=0,
        )
        assert curve.to_frame()["train_score"].max() == pytest.approx(0.0)
        assert curve.gap > 0
        assert curve.large_gap


def test_chart_display_and_repr(monkeypatch):
    X, y = noisy_linear(300, n_features=4)
    curve = learning_curve(
        Ridge(), X[:200], y[:200], X[200:], y[200:], metric="rmse", random_state=0
    )
    assert isinstance(curve, LearningCurve)
    spec = curve.chart().to_dict()
    line = spec["layer"][0]
    assert line["mark"]["type"] == "line"
    assert line["encoding"]["x"]["field"] == "rows"
    assert line["encoding"]["y"]["field"] == "score"
    assert line["encoding"]["y"]["title"] == "rmse (lower is better)"
    assert line["encoding"]["color"]["field"] == "scored on"
    data = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(data) == 2 * len(curve.to_frame())
    assert {row["scored on"] for row in data} == {"training rows", "validation rows"}
    assert "rmse" in spec["title"]["text"]
    # As after charts.enable_offline(): the display leaves out the 1 MB Vega bundle.
    monkeypatch.setitem(charts._state, "offline", True)
    assert "<table" in curve._repr_html_()
    assert repr(curve).startswith("<LearningCurve: As Ridge's training rows grew")
    assert "\n" not in repr(curve)


@pytest.mark.parametrize("kind", ["list", "series", "array"])
def test_inputs_of_any_type_give_the_same_curve_and_are_not_modified(kind):
    df, y = mixed("binary", n=140, seed=4)
    X_train, X_val = df.iloc[:100], df.iloc[100:]
    y_train, y_val = y.iloc[:100], y.iloc[100:]
    model = ladder("binary", KINDS, random_state=0)["logistic"]
    saved = (X_train.copy(deep=True), X_val.copy(deep=True), y_train.copy())
    params = copy.deepcopy(model.get_params())
    convert = {
        "list": lambda s: s.tolist(),
        "series": lambda s: s,
        "array": lambda s: s.to_numpy(),
    }[kind]
    curve = learning_curve(
        model,
        X_train,
        convert(y_train),
        X_val,
        convert(y_val),
        metric="roc_auc",
        sizes=(0.3, 1.0),
        random_state=1,
    )
    reference = learning_curve(
        model,
        X_train.reset_index(drop=True),
        y_train.to_numpy(),
        X_val.reset_index(drop=True),
        y_val.to_numpy(),
        metric="roc_auc",
        sizes=(0.3, 1.0),
        random_state=1,
    )
    pd.testing.assert_frame_equal(
        curve.to_frame().drop(columns="fit_seconds"),
        reference.to_frame().drop(columns="fit_seconds"),
    )
    pd.testing.assert_frame_equal(X_train, saved[0])
    pd.testing.assert_frame_equal(X_val, saved[1])
    pd.testing.assert_series_equal(y_train, saved[2])
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert str(model.get_params()) == str(params)


def test_same_seed_same_subsets():
    df, y = mixed("binary", n=120, seed=6)
    model = ladder("binary", KINDS, random_state=0)["tree"]
    curves = [
        learning_curve(
            model,
            df.iloc[:90],
            y.iloc[:90],
            df.iloc[90:],
            y.iloc[90:],
            metric="accuracy",
            sizes=(0.5, 1.0),
            random_state=seed,
        ).to_frame()
        for seed in (3, 3)
    ]
    pd.testing.assert_frame_equal(
        curves[0].drop(columns="fit_seconds"), curves[1].drop(columns="fit_seconds")
    )


def binary_data():
    X, y = noisy_linear(120, n_features=3, seed=9, noise=0.5)
    return X, (y > 0).astype(int)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"sizes": (0.0, 0.5)}, MlkitValueError, r"'sizes' must be shares in \(0, 1\]"),
        ({"sizes": (0.5, 1.2)}, MlkitValueError, r"'sizes' must be shares in \(0, 1\]"),
        ({"sizes": (10, 100)}, MlkitValueError, r"not counts"),
        ({"sizes": (0.5, 0.25)}, MlkitValueError, r"'sizes' must be increasing"),
        ({"sizes": (0.5, 0.5)}, MlkitValueError, r"'sizes' must be increasing"),
        ({"sizes": (0.5,)}, MlkitValueError, r"at least two shares"),
        ({"sizes": "all"}, MlkitTypeError, r"'sizes' must be a sequence"),
        ({"sizes": (0.5, True)}, MlkitTypeError, r"'sizes' must be numbers"),
        ({"sizes": (0.1, 0.105)}, MlkitValueError, r"both give 10 of the 100"),
        ({"metric": "auc"}, MlkitValueError, r"'metric' must be one of"),
        ({"metric": "mae"}, MlkitValueError, r"scores numbers, but the estimator is a"),
        (
            {"metric": "log_loss", "estimator": LinearSVC()},
            MlkitValueError,
            r"needs predicted probabilities \(predict_proba\), which LinearSVC",
        ),
        (
            {
                "metric": "roc_auc",
                "estimator": VotingClassifier(
                    [("a", LogisticRegression()), ("b", DummyClassifier())]
                ),
            },
            MlkitValueError,
            r"needs scores",
        ),
        (
            {"metric": "accuracy", "estimator": Ridge()},
            MlkitValueError,
            r"scores classes, but the estimator is a regressor",
        ),
        ({"random_state": 1.5}, MlkitTypeError, r"'random_state' must be None"),
        ({"estimator": "logistic"}, MlkitTypeError, r"'estimator' must be a"),
        ({"y_train": [0, 1]}, MlkitValueError, r"'y_train' has 2 values"),
        ({"X_val": np.empty((0, 3))}, MlkitValueError, r"'X_val' has no rows"),
        ({"X_val": np.zeros((20, 2))}, MlkitValueError, r"has 3 columns and 'X_val' 2"),
        (
            {"X_val": pd.DataFrame(np.zeros((20, 3)))},
            MlkitTypeError,
            r"must be of the same kind",
        ),
        ({"y_train": np.zeros(100)}, MlkitValueError, r"holds a single class"),
        (
            {"y_val": np.full(20, 2)},
            MlkitValueError,
            r"label\(s\) that 'y_train' lacks",
        ),
        (
            {"y_train": np.where(np.arange(100) % 2, "yes", "no")},
            MlkitValueError,
            r"positive class is the label 1",
        ),
        (
            {"y_train": np.where(np.arange(100) % 2, 1.0, np.nan)},
            MlkitValueError,
            r"'y_train' has 50 missing value",
        ),
    ],
)
def test_learning_curve_refuses_bad_input_with_a_hint(change, error, message):
    X, y = binary_data()
    arguments = {
        "estimator": LogisticRegression(),
        "X_train": X[:100],
        "y_train": y[:100],
        "X_val": X[100:],
        "y_val": y[100:],
        "metric": "roc_auc",
        **change,
    }
    if "y_train" in change and "yes" in str(change["y_train"][:2]):
        arguments["y_val"] = np.where(np.arange(20) % 2, "yes", "no")
    with pytest.raises(error, match=message) as caught:
        learning_curve(**arguments)
    assert "Hint:" in str(caught.value)


def test_refuses_a_binary_metric_for_many_classes_and_too_small_subsets():
    df, y = mixed("multiclass", n=120)
    model = ladder("multiclass", KINDS)["logistic"]
    with pytest.raises(MlkitValueError, match=r"'roc_auc' is for a binary target"):
        learning_curve(
            model, df[:90], y[:90], df[90:], y[90:], metric="roc_auc", sizes=(0.5, 1)
        )
    with pytest.raises(
        MlkitValueError, match=r"too few to hold every one of the 3"
    ) as e:
        learning_curve(
            model, df[:90], y[:90], df[90:], y[90:], metric="accuracy", sizes=(0.02, 1)
        )
    assert "use larger sizes" in str(e.value)


def test_refuses_frames_with_other_columns():
    df, y = mixed("binary", n=60)
    with pytest.raises(MlkitValueError, match=r"only 'X_train' has 'c'"):
        learning_curve(
            LogisticRegression(),
            df[:40],
            y[:40],
            df[40:].drop(columns="c"),
            y[40:],
            metric="accuracy",
        )
