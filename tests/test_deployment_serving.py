"""Tests of mlkit.deployment: the Endpoint, and saving and loading models with skops."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.deployment import (
    TRUSTED_MODULES,
    Endpoint,
    check_trusted,
    load_model,
    save_model,
)
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
    "member": "boolean",
}


def _data(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "amount": rng.exponential(100, n),
            "age": rng.integers(18, 80, n),
            "plan": rng.choice(["free", "pro", "team"], n),
            "member": rng.random(n) < 0.3,
        }
    )
    X.loc[rng.random(n) < 0.1, "amount"] = np.nan
    signal = (
        np.log1p(X["amount"].fillna(50))
        + (X["plan"] == "pro")
        + X["age"] / 40
        + rng.normal(size=n)
    )
    return X, (signal > signal.median()).astype(int), signal * 10


def _fitted(task: str, name: str, X, y):
    model = ladder(task, KINDS, log_columns=["amount"], random_state=0)[name]
    if name == "random_forest":
        model.set_params(model__n_estimators=15)
    if name in ("boosting", "averaging"):
        key = (
            "model__max_iter"
            if name == "boosting"
            else "model__boosting__model__max_iter"
        )
        model.set_params(**{key: 30})
    return model.fit(X, y)


# --------------------------------------------------------------------------- endpoint


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize("name", ["tree", "boosting"])
def test_one_record_at_a_time_equals_the_batch_exactly(task, name):
    X, y_class, y_number = _data(200)
    model = _fitted(task, name, X, y_class if task == "binary" else y_number)
    endpoint = Endpoint(model, X)
    batch = endpoint.predict_batch(X)
    one = np.array([endpoint.predict(r) for r in X.to_dict("records")])
    np.testing.assert_array_equal(one, batch)
    expected = model.predict_proba(X)[:, 1] if task == "binary" else model.predict(X)
    np.testing.assert_array_equal(batch, expected)


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize("name", ["logistic", "random_forest", "averaging"])
def test_linear_models_and_forests_agree_to_the_last_bits(task, name):
    # Their inputs are the same (checked below); their arithmetic is not: a
    # matrix product groups its sums by the batch's shape, and a forest adds its
    # trees' outputs in threads, in no fixed order. Differences are of 1e-15.
    if task == "regression" and name == "logistic":
        name = "linear"
    X, y_class, y_number = _data(300)
    model = _fitted(task, name, X, y_class if task == "binary" else y_number)
    endpoint = Endpoint(model, X)
    sample = X.sample(60, random_state=0)
    one = np.array([endpoint.predict(r) for r in sample.to_dict("records")])
    np.testing.assert_allclose(
        one, endpoint.predict_batch(sample), rtol=1e-12, atol=1e-12
    )


def test_the_features_of_each_record_are_the_rows_of_the_batch():
    X, y, _ = _data(300)
    model = _fitted("binary", "logistic", X, y)
    endpoint = Endpoint(model, X)
    rows = pd.concat(
        [endpoint.features(r) for r in X.to_dict("records")], ignore_index=True
    )
    pd.testing.assert_frame_equal(rows, endpoint.frame(X).reset_index(drop=True))
    pd.testing.assert_frame_equal(rows, X)


def test_features_follow_the_schema_and_take_defaults():
    X, y, _ = _data(200)
    model = _fitted("binary", "tree", X, y)
    endpoint = Endpoint(model, X.head(0), defaults={"member": False, "amount": np.nan})
    frame = endpoint.features({"plan": "pro", "age": 33})
    assert list(frame.columns) == list(X.columns)
    assert frame.dtypes.tolist() == X.dtypes.tolist()
    row = frame.iloc[0]
    assert np.isnan(row["amount"])
    assert row["age"] == 33
    assert not row["member"]
    assert endpoint.defaults == {
        "member": False,
        "amount": pytest.approx(np.nan, nan_ok=True),
    }
    assert endpoint.columns == tuple(X.columns)
    assert endpoint.output == "probability"
    assert "probability of class 1" in repr(endpoint)


def test_a_missing_key_without_a_default_is_refused_never_nan():
    X, y, _ = _data(200)
    endpoint = Endpoint(_fitted("binary", "tree", X, y), X)
    with pytest.raises(MlkitValueError, match=r"'record' lacks 'amount'.*no default"):
        endpoint.features({"age": 30, "plan": "pro", "member": True})
    with pytest.raises(MlkitValueError, match=r"'X' lacks 'member'"):
        endpoint.predict_batch(X.drop(columns="member"))


def test_an_unknown_key_is_refused_with_a_suggestion():
    X, y, _ = _data(200)
    endpoint = Endpoint(_fitted("binary", "tree", X, y), X)
    record = X.iloc[0].to_dict() | {"ammount": 3.0}
    with pytest.raises(
        MlkitValueError, match=r"'ammount'.*\nHint: did you mean 'amount'"
    ):
        endpoint.predict(record)
    with pytest.raises(MlkitValueError, match="'target'"):
        endpoint.predict_batch(X.assign(target=1))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("age", 33.5, "not a whole number"),
        ("age", None, "must be of dtype int64"),
        ("member", "False", "got 'False'"),
        ("member", 2, "got 2"),
        ("amount", "a lot", "got 'a lot'"),
    ],
)
def test_values_that_do_not_fit_the_schema_are_refused(column, value, message):
    X, y, _ = _data(200)
    endpoint = Endpoint(_fitted("binary", "tree", X, y), X)
    record = X.iloc[0].to_dict() | {column: value}
    with pytest.raises(MlkitValueError, match=message) as error:
        endpoint.predict(record)
    assert repr(column) in str(error.value)
    assert "\nHint: " in str(error.value)


def test_values_that_fit_are_cast_to_the_schema():
    X, y, _ = _data(200)
    endpoint = Endpoint(_fitted("binary", "tree", X, y), X)
    record = X.iloc[0].to_dict()
    cast = record | {"age": float(record["age"]), "amount": "12.5", "member": 1}
    frame = endpoint.features(cast)
    assert frame.dtypes.tolist() == X.dtypes.tolist()
    assert frame.loc[0, "amount"] == 12.5
    assert frame.loc[0, "member"]


def test_a_category_outside_the_schema_is_refused():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=100),
            "c": pd.Categorical(rng.choice(["a", "b"], 100)),
        }
    )
    model = make_pipeline(
        FunctionTransformer(lambda f: f.assign(c=f["c"].cat.codes)),
        DecisionTreeClassifier(random_state=0),
    ).fit(X, X["x"] > 0)
    endpoint = Endpoint(model, X)
    assert endpoint.features({"x": 0.1, "c": "b"})["c"].dtype == X["c"].dtype
    with pytest.raises(
        MlkitValueError,
        match=r"one of the categories 'a', 'b', as in the schema; got 'z'",
    ):
        endpoint.predict({"x": 0.1, "c": "z"})


def test_the_schema_must_match_the_model():
    X, y, _ = _data(200)
    model = _fitted("binary", "tree", X, y)
    with pytest.raises(MlkitValueError, match="it lacks 'member'"):
        Endpoint(model, X.drop(columns="member"))
    with pytest.raises(MlkitValueError, match="'extra', which the model never saw"):
        Endpoint(model, X.assign(extra=1))
    with pytest.raises(MlkitValueError, match="another order"):
        Endpoint(model, X[X.columns[::-1]])
    with pytest.raises(MlkitTypeError, match="'schema' must be a pandas DataFrame"):
        Endpoint(model, X.to_numpy())
    with pytest.raises(MlkitValueError, match="'defaults' has 'agee'"):
        Endpoint(model, X, defaults={"agee": 3})
    with pytest.raises(MlkitValueError, match="'defaults': 'age'"):
        Endpoint(model, X, defaults={"age": "old"})
    with pytest.raises(MlkitTypeError, match="'record' must be a mapping"):
        Endpoint(model, X).predict([1, 2, 3, 4])


def test_an_unfitted_model_is_refused():
    X, _, _ = _data(50)
    model = ladder("binary", KINDS, random_state=0)["tree"]
    with pytest.raises(MlkitValueError, match="'model' must be a fitted model"):
        Endpoint(model, X)
    with pytest.raises(MlkitTypeError, match="scikit-learn model"):
        Endpoint(object(), X)


def test_a_model_fitted_on_an_array_gets_an_array():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    model = LinearRegression().fit(X.to_numpy(), X["a"] * 2)
    endpoint = Endpoint(model, X)  # would warn about feature names otherwise
    assert endpoint.predict({"a": 1.0, "b": 0.0, "c": 0.0}) == pytest.approx(2.0)
    assert endpoint.output == "prediction"
    with pytest.raises(MlkitValueError, match="it has 2 columns, the model 3"):
        Endpoint(model, X[["a", "b"]])


def test_a_multiclass_model_predicts_classes():
    X, _, number = _data(300)
    labels = pd.cut(number, 3, labels=["low", "mid", "high"]).astype(str)
    model = _fitted("multiclass", "tree", X, labels)
    endpoint = Endpoint(model, X)
    assert endpoint.output == "class"
    record = X.iloc[0].to_dict()
    assert endpoint.predict(record) == model.predict(X.head(1))[0]
    assert endpoint.predict_batch(X).tolist() == model.predict(X).tolist()


def test_the_callers_frame_and_record_are_not_modified():
    X, y, _ = _data(200)
    X_int = X.assign(amount=X["amount"].fillna(0).round().astype("int64"))
    before = X_int.copy()
    endpoint = Endpoint(_fitted("binary", "tree", X, y), X)
    record = X_int.iloc[0].to_dict()
    kept = dict(record)
    endpoint.predict(record)
    endpoint.predict_batch(X_int)
    pd.testing.assert_frame_equal(X_int, before)
    assert record == kept


def test_an_empty_batch_gives_no_predictions():
    X, y, _ = _data(100)
    endpoint = Endpoint(_fitted("binary", "tree", X, y), X)
    assert endpoint.predict_batch(X.head(0)).shape == (0,)


# --------------------------------------------------------------------------- saving


def double(X):
    """A function of a test module: not a type mlkit loads on trust."""
    return X * 2


class Homemade(RegressorMixin, BaseEstimator):
    """An estimator written in a test module."""

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


@pytest.mark.parametrize("name", ["logistic", "boosting", "averaging"])
def test_a_saved_ladder_model_loads_with_identical_predictions(tmp_path, name):
    X, y, _ = _data(300)
    model = _fitted("binary", name, X, y)
    path = save_model(model, tmp_path / "models" / name)
    assert path == tmp_path / "models" / f"{name}.skops"
    # Nothing of mlkit ends up in a ladder model, log transforms included.
    assert all(t.startswith(TRUSTED_MODULES) for t in check_trusted(path))
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_file_with_an_unexpected_function_is_refused_until_trusted(tmp_path):
    X = np.arange(40.0).reshape(-1, 2)
    model = make_pipeline(FunctionTransformer(double), LinearRegression()).fit(
        X, X[:, 0]
    )
    path = save_model(model, tmp_path / "double.skops")
    name = f"{__name__}.double"
    with pytest.raises(MlkitValueError) as error:
        load_model(path)
    message = str(error.value)
    assert f"types mlkit does not load on trust: {name}" in message
    assert "could run code" in message
    assert f"load_model(path, trusted=['{name}'])" in message
    np.testing.assert_allclose(
        load_model(path, trusted=[name]).predict(X), model.predict(X)
    )
    np.testing.assert_allclose(
        load_model(path, trusted=[double]).predict(X), model.predict(X)
    )


def test_a_custom_estimator_is_refused_until_trusted(tmp_path):
    X = np.arange(20.0).reshape(-1, 1)
    path = save_model(Homemade().fit(X, X[:, 0]), tmp_path / "homemade")
    with pytest.raises(MlkitValueError, match=r"on trust: .*Homemade"):
        load_model(path)
    with pytest.raises(MlkitValueError, match="Homemade"):
        load_model(path, trusted=["sklearn.something.Else"])
    assert load_model(path, trusted=[Homemade]).predict(X[:2]).tolist() == [9.5, 9.5]


def test_files_that_are_not_skops_are_refused_clearly(tmp_path):
    text = tmp_path / "model.skops"
    text.write_text("not a model")
    with pytest.raises(MlkitValueError, match="is not a model saved with skops"):
        load_model(text)
    other = tmp_path / "other.skops"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(MlkitValueError, match="is not a model saved with skops"):
        load_model(other)
    with pytest.raises(MlkitValueError, match="is not a file"):
        load_model(tmp_path / "missing.skops")
    with pytest.raises(MlkitTypeError, match="'path' must be a str"):
        load_model(3)
    with pytest.raises(MlkitTypeError, match=r"trusted=\['a\.B'\]"):
        check_trusted(text, trusted="a.B")


def test_save_model_checks_its_arguments(tmp_path):
    X, y, _ = _data(100)
    with pytest.raises(MlkitValueError, match=r"must end with \.skops"):
        save_model(_fitted("binary", "tree", X, y), tmp_path / "model.pkl")
    with pytest.raises(MlkitValueError, match="not fitted"):
        save_model(LogisticRegression(), tmp_path / "model")


def test_check_trusted_lists_what_skops_would_ask_for(tmp_path):
    X, y, _ = _data(100)
    model = _fitted("binary", "tree", X, y)
    path = save_model(model, tmp_path / "tree")
    assert sorted(check_trusted(path)) == sorted(sio.get_untrusted_types(file=path))
