"""Generated input for mlkit.sampling: reservoir_sample, sample, importance_weights,
resample and compare_imbalance."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlkit import sampling
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes, in_unit_interval

K = st.one_of(st.integers(1, 12), st.sampled_from([0, -1, 2.5, "3", True]))


def _items(value):
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, pd.Series):
        return value.tolist()
    return list(value)


def check_reservoir(stream, k):
    items = _items(stream)

    def check(result):
        assert isinstance(result, list)
        assert len(result) == min(k, len(items))
        # Each item at most as often as the stream holds it.
        assert not Counter(map(repr, result)) - Counter(map(repr, items))

    return check


@fuzzes("mlkit.sampling.reservoir_sample")
@given(st.data())
@fuzz_settings(60)
def test_reservoir_sample(data):
    n = data.draw(st.one_of(gen.sizes, st.integers(60, 500)))
    kind = data.draw(
        st.sampled_from(
            ["list", "tuple", "range", "ndarray", "series", "str", "dict", "none"]
        )
    )
    values = list(range(n))
    stream = {
        "list": values,
        "tuple": tuple(values),
        "range": range(n),
        "ndarray": np.arange(n),
        "series": pd.Series(values, index=gen.index(data, n), dtype=object),
        "str": "".join(chr(65 + i % 26) for i in range(n)),
        "dict": {f"k{i}": i for i in range(n)},
        "none": None,
    }[kind]
    k = data.draw(K)
    call(
        "mlkit.sampling.reservoir_sample",
        sampling.reservoir_sample,
        stream,
        k,
        random_state=gen.random_state(data),
        check=check_reservoir(stream, k) if stream is not None else None,
    )


def check_sample(df, expected):
    def check(result):
        assert isinstance(result, pd.DataFrame)
        assert list(result.columns) == list(df.columns)
        assert (result.dtypes == df.dtypes).all()
        if expected is not None:
            assert len(result) == expected, (len(result), expected)
        assert result.index.isin(df.index).all()

    return check


@fuzzes("mlkit.sampling.sample")
@given(st.data())
@fuzz_settings(50)
def test_sample(data):
    n = gen.rows(data)
    df = gen.frame(data, n, max_columns=3)
    method = data.draw(st.sampled_from(["random", "stratified", "weighted", "other"]))
    size = data.draw(
        st.one_of(
            st.integers(1, max(1, n)),
            st.floats(0.05, 1.0),
            st.sampled_from([0, -1, 1.5, np.nan, "3", True, n + 1]),
        )
    )
    replace = data.draw(st.sampled_from([False, False, True, "yes"]))
    by = weights = None
    if method == "stratified":
        by = data.draw(st.sampled_from([*df.columns, "absent", ["x"]]))
    elif method == "weighted":
        choice = data.draw(st.sampled_from(["array", "array", "column", "bad"]))
        if choice == "array":
            weights = gen.container(
                data,
                np.abs(gen.floats(data, n, nasty=data.draw(st.booleans()))),
                kinds=["ndarray", "list", "series", "series_index"],
            )
        elif choice == "column":
            weights = data.draw(st.sampled_from(list(df.columns)))
        else:
            weights = data.draw(st.sampled_from([-1.0, "absent", [1.0]]))
    if data.draw(st.integers(0, 9)) == 0:  # an argument for another method
        by = data.draw(st.sampled_from([None, *df.columns]))
    count = None
    if isinstance(size, int) and not isinstance(size, bool) and size >= 1:
        count = size
    elif isinstance(size, float) and 0 < size <= 1:
        count = max(1, round(size * n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sampling.EmptyStratumWarning)
        call(
            "mlkit.sampling.sample",
            sampling.sample,
            df,
            size,
            method=method,
            by=by,
            weights=weights,
            replace=replace,
            random_state=gen.random_state(data),
            check=check_sample(df, count),
        )


def check_weights(source, clip):
    def check(result):
        w = result.weights
        assert len(w) == len(source)
        assert np.isfinite(w).all()
        assert (w >= 0).all()
        assert abs(w.mean() - 1) < 1e-9, w.mean()
        if clip is not None:
            assert w.max() <= clip + 1e-9
        in_unit_interval(result.domain_auc, *result.target_probability)
        assert 1 - 1e-9 <= result.effective_sample_size <= len(source) + 1e-9

    return check


@fuzzes("mlkit.sampling.importance_weights")
@given(st.data())
@fuzz_settings(6)
def test_importance_weights(data):
    # One problem at most per call, so that most calls fit the classifier.
    problem = data.draw(
        st.sampled_from(["none"] * 6 + ["rows", "array", "columns", "model", "clip"])
    )
    n_source = gen.rows(data, 1 if problem == "rows" else 5, 30)
    n_target = gen.rows(data, 5, 30)
    kinds = data.draw(
        st.sampled_from(
            [("float_clean",), gen.NUMERIC_KINDS, ("float_clean", "int"), gen.KINDS]
        )
    )
    source = gen.frame(data, n_source, kinds=kinds, max_columns=2)
    target = pd.DataFrame(
        {c: gen.column(data, n_target, "float_clean") for c in source.columns}
    )
    if problem == "array":
        target = target.to_numpy()
    classifier = data.draw(st.sampled_from(["logistic", None, "logistic"]))
    classifier = LogisticRegression() if classifier == "logistic" else None
    if problem == "model":
        classifier = "not a model"
    clip = data.draw(st.sampled_from([20.0, None, 2.0]))
    if problem == "clip":
        clip = data.draw(st.sampled_from([1.0, np.inf, 0, "20"]))
    columns = data.draw(st.sampled_from([None, list(source.columns[:1])]))
    if problem == "columns":
        columns = data.draw(st.sampled_from([["absent"], []]))
    with warnings.catch_warnings():
        # The caller's own model may not converge on generated data.
        warnings.simplefilter("ignore", ConvergenceWarning)
        call(
            "mlkit.sampling.importance_weights",
            sampling.importance_weights,
            source,
            target,
            columns=columns,
            classifier=classifier,
            clip=clip,
            random_state=gen.random_state(data),
            check=check_weights(source, clip),
        )


def check_resample(X, y, method):
    def check(result):
        X_res, y_res = result
        n = X_res.shape[0]
        assert n == len(y_res)
        counts = pd.Series(np.asarray(y_res, dtype=object)).value_counts()
        if method in ("oversample", "undersample", "smote"):
            assert counts.nunique() == 1, counts
        if method in ("undersample", "tomek"):
            assert n <= len(np.asarray(y, dtype=object))
        if isinstance(X, pd.DataFrame):
            assert isinstance(X_res, pd.DataFrame)
            assert list(X_res.columns) == list(X.columns)

    return check


@fuzzes("mlkit.sampling.resample")
@given(st.data())
@fuzz_settings(40)
def test_resample(data):
    n = gen.rows(data, 0 if data.draw(st.integers(0, 9)) == 0 else 4)
    clean = data.draw(st.integers(0, 2)) > 0
    kinds = ("float_clean", "int", "Int64", "constant") if clean else gen.NUMERIC_KINDS
    X = gen.frame(data, n, kinds=kinds, max_columns=3)
    form = data.draw(st.sampled_from(["frame", "frame", "array", "list", "series"]))
    if form == "array":
        X = X.to_numpy(dtype="float64", na_value=np.nan)
    elif form == "list":
        X = X.to_numpy(dtype="float64", na_value=np.nan).tolist()
    elif form == "series":
        X = X.iloc[:, 0]
    y = gen.container(data, gen.labels(data, n, min_classes=2))
    if data.draw(st.integers(0, 9)) == 0:
        y = gen.container(data, gen.labels(data, gen.rows(data)))
    method = data.draw(
        st.sampled_from(["oversample", "undersample", "smote", "tomek"] * 3 + ["nope"])
    )
    call(
        "mlkit.sampling.resample",
        sampling.resample,
        X,
        y,
        method=method,
        random_state=gen.random_state(data),
        check=check_resample(X, y, method),
    )


def check_comparison(treatments):
    def check(result):
        t = result.to_frame()
        assert t["treatment"].tolist() == list(treatments)
        in_unit_interval(
            *t["precision"], *t["recall"], *t["f_beta"], *t["pr_auc"], *t["accuracy"]
        )
        assert (t["expected_cost"] >= 0).all()

    return check


def _both_classes(y, rows=2):
    """Labels 0/1 with each class on ``rows // 2`` of the first ``rows`` rows, as a copy."""
    y = np.array(y)
    y[:rows] = [1, 0] * (rows // 2)
    return y


@fuzzes("mlkit.sampling.compare_imbalance")
@given(st.data())
@fuzz_settings(8)
def test_compare_imbalance(data):
    # One problem at most per call, so that most calls fit and score the model.
    problem = data.draw(
        st.sampled_from(
            ["none"] * 9
            + ["nan", "treatments", "model", "cost", "precision", "beta", "labels"]
        )
    )
    n_train = gen.rows(data, 4, 40)
    n_test = gen.rows(data, 2, 30)
    X_train = gen.frame(data, n_train, kinds=("float_clean", "int"), max_columns=2)
    X_test = pd.DataFrame(
        {c: gen.column(data, n_test, "float_clean") for c in X_train.columns}
    )
    if problem == "nan":
        X_test.iloc[0, 0] = np.nan  # a model without imputation cannot score it
    treatments = data.draw(
        st.sampled_from(
            [
                ("none", "cost_threshold"),
                ("class_weight", "oversample", "undersample"),
                ("smote",),
            ]
        )
    )
    if problem == "treatments":
        treatments = data.draw(st.sampled_from([("none", "none"), (), ("other",)]))
    model = data.draw(st.sampled_from(["logistic", "pipeline"]))
    if problem == "model":
        model = "none"
    estimator = {
        "logistic": LogisticRegression(),
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()),
        "none": None,
    }[model]
    cost_fp = data.draw(st.sampled_from([1.0, 1, 0.5]))
    if problem == "cost":
        cost_fp = data.draw(st.sampled_from([0, -1.0, np.inf, "1"]))
    precision_target = data.draw(st.sampled_from([0.8, 1.0, 0.5]))
    if problem == "precision":
        precision_target = data.draw(st.sampled_from([1.5, 0.0, np.nan]))
    beta = data.draw(st.sampled_from([2.0, 1.0, 0.5]))
    if problem == "beta":
        beta = data.draw(st.sampled_from([0.0, -1.0, np.inf]))
    # Two rows of each class at least, so that SMOTE has a neighbour to draw on.
    y_train = _both_classes(gen.labels(data, n_train, classes=(0, 1)), 4)
    y_test = gen.labels(data, n_test, classes=(0, 1))
    if problem == "labels":
        y_train = gen.labels(data, n_train, classes=(0, 1, 2), min_classes=3)
    if problem != "labels" or data.draw(st.booleans()):
        y_test = _both_classes(y_test)
    call(
        "mlkit.sampling.compare_imbalance",
        sampling.compare_imbalance,
        estimator,
        X_train,
        gen.container(data, y_train, kinds=["ndarray", "list", "series"]),
        X_test,
        gen.container(data, y_test, kinds=["ndarray", "list", "series"]),
        cost_fp=cost_fp,
        cost_fn=data.draw(st.sampled_from([5.0, 20])),
        precision_target=precision_target,
        beta=beta,
        treatments=treatments,
        random_state=gen.random_state(data),
        check=check_comparison(treatments),
    )
