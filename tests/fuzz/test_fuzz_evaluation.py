"""Generated input for mlkit.evaluation: metrics, baselines, slices, behaviour, threshold."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mlkit import evaluation
from mlkit.evaluation._baselines import TASK_METRICS
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
)

METRIC_NAMES = st.one_of(
    st.sampled_from([*evaluation.METRICS, "expected_cost"]),
    st.sampled_from(["ROC_AUC", "", None, 3, ["roc_auc"], "auc"]),
)
JUNK_NUMBERS = st.sampled_from([-1.0, np.nan, np.inf, "0.5", None, True, 1e300])


def _number(data, low, high, junk=JUNK_NUMBERS, *, valid=False):
    """A number in [low, high] most of the time (always if ``valid``), junk otherwise."""
    if not valid and data.draw(st.integers(0, 5)) == 0:
        return data.draw(junk)
    return data.draw(st.floats(low, high, allow_nan=False))


def _quiet(func):
    """``func`` with warnings silenced: a model's or scikit-learn's own warnings
    (convergence, undefined metrics, small groups) are what they are meant to be,
    not failures of the contract."""

    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    run.__name__ = func.__name__
    run.__wrapped__ = func
    return run


def _clean(X):
    """``X`` as finite floats, for fitting a model."""
    if isinstance(X, pd.DataFrame):
        X = X.apply(lambda c: c.astype(float))
    return np.nan_to_num(np.asarray(X, dtype=float), nan=0.0, posinf=1e6, neginf=-1e6)


def _valid(data):
    """True for three calls in five: all arguments valid, so the result is checked."""
    return data.draw(st.integers(0, 4)) < 3


def _model_and_X(data, *, regression=None, valid=False):
    """A small model (fitted most of the time) and the rows it is tested on.

    With ``valid``, a fitted model and rows of finite numbers it takes as they are.
    """
    if valid:
        return _fitted_model_and_X(data, regression)
    n = gen.rows(data, 0, 40)
    if data.draw(st.integers(0, 3)) == 0:
        # Columns of every kind (text, categories, dates, gaps), for a model that
        # takes any input: the tests' own handling of each kind is what is fuzzed.
        X = gen.frame(data, n, max_columns=3)
        model = DummyRegressor() if regression else DummyClassifier()
        if n and data.draw(st.integers(0, 3)):
            target = np.arange(n) % 2
            model.fit(X, target.astype(float) if regression else target)
        return model, X
    if data.draw(st.booleans()):
        X = gen.numeric_frame(data, n, max_columns=3)
    else:
        X = gen.floats(data, n * 2, nasty=data.draw(st.booleans())).reshape(n, 2)
    if regression is None:
        regression = data.draw(st.booleans())
    kind = data.draw(st.sampled_from(["tree", "logistic"]))
    if regression:
        model = LinearRegression()
    elif kind == "tree":
        model = DecisionTreeClassifier(max_depth=3, random_state=0)
    else:
        model = LogisticRegression()
    if n >= 2 and data.draw(st.integers(0, 5)) > 0:
        clean = _clean(X).clip(-1e6, 1e6)
        if regression:
            model.fit(clean, clean[:, 0] * 2 + 1)
        else:
            y = gen.labels(data, n, min_classes=2)
            if len(set(y.tolist())) >= 2:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(clean, y)
    if isinstance(X, pd.DataFrame) and data.draw(st.booleans()):
        # Fitted on an array, tested on a frame: a model then warns about names.
        X = X.to_numpy(dtype=float, na_value=np.nan)
    return model, X


def _fitted_model_and_X(data, regression):
    n = gen.rows(data, 2, 40)
    X = _clean(gen.numeric_frame(data, n, max_columns=3)).clip(-1e6, 1e6)
    if data.draw(st.booleans()):
        X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        X.columns = data.draw(
            st.sampled_from([X.columns, ["é", "青", "a b"][: X.shape[1]]])
        )
    if regression is None:
        regression = data.draw(st.booleans())
    if regression:
        model = LinearRegression()
        target = _clean(X)[:, 0] * 2 + 1
    else:
        model = data.draw(
            st.sampled_from(
                [
                    DecisionTreeClassifier(max_depth=3, random_state=0),
                    LogisticRegression(),
                ]
            )
        )
        target = gen.labels(data, n, min_classes=2)
        if len(set(target.tolist())) < 2:
            target = np.arange(n) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, target)
    return model, X


def _column_of(data, X, *, valid=False):
    if valid:
        columns = X.columns if isinstance(X, pd.DataFrame) else range(X.shape[1])
        return data.draw(st.sampled_from(list(columns)))
    if isinstance(X, pd.DataFrame):
        choices = [*X.columns, "missing column"]
    else:
        choices = [*range(np.shape(X)[1] if np.ndim(X) == 2 else 1), 7, -1, "x"]
    return data.draw(st.sampled_from(choices))


# --------------------------------------------------------------------------- metrics


@fuzzes("mlkit.evaluation.higher_is_better")
@given(st.data())
@fuzz_settings(50)
def test_higher_is_better(data):
    def check(result):
        assert isinstance(result, bool)

    call(
        "mlkit.evaluation.higher_is_better",
        evaluation.higher_is_better,
        data.draw(st.one_of(METRIC_NAMES, st.just(np.array(["roc_auc"])))),
        check=check,
    )


@fuzzes("mlkit.evaluation.suggest_metric")
@given(st.data())
@fuzz_settings(60)
def test_suggest_metric(data):
    def check(result):
        name, why = result
        assert name in evaluation.METRICS
        assert isinstance(why, str)

    kwargs = {}
    if data.draw(st.integers(0, 3)):
        kwargs["positive_rate"] = _number(data, 0, 1)
    call(
        "mlkit.evaluation.suggest_metric",
        evaluation.suggest_metric,
        data.draw(st.sampled_from(["binary", "multiclass", "regression", "BINARY", 1])),
        check=check,
        **kwargs,
    )


@fuzzes("mlkit.evaluation.expected_cost")
@given(st.data())
@fuzz_settings(120)
def test_expected_cost(data):
    n = gen.rows(data)
    kind = data.draw(st.sampled_from(["binary", "regression", "multiclass", "mixed"]))
    if kind == "binary":
        y_true, y_pred = gen.binary_labels(data, n), gen.binary_labels(data, n)
        costs = {"cost_fp": _number(data, 0, 10), "cost_fn": _number(data, 0, 10)}
    elif kind == "regression":
        nasty = data.draw(st.integers(0, 4)) == 0
        y_true, y_pred = gen.floats(data, n, nasty=nasty), gen.floats(data, n)
        if not nasty:
            y_pred = np.nan_to_num(y_pred, nan=0.0, posinf=1.0, neginf=-1.0)
        costs = {"cost_over": _number(data, 0, 5), "cost_under": _number(data, 0, 5)}
    elif kind == "multiclass":
        y_true = gen.labels(data, n, classes=("a", "b", "c"))
        y_pred = gen.labels(data, n, classes=("a", "b", "c"))
        costs = {"cost_error": _number(data, 0, 20)}
    else:
        y_true, y_pred = gen.labels(data, n), gen.labels(data, n)
        costs = data.draw(
            st.sampled_from(
                [{}, {"cost_fp": 1, "cost_over": 1}, {"cost_fp": 1, "cost_fn": 2}]
            )
        )

    def check(result):
        assert isinstance(result, float)
        assert result >= 0

    call(
        "mlkit.evaluation.expected_cost",
        evaluation.expected_cost,
        gen.container(data, y_true),
        gen.container(data, y_pred),
        check=check,
        **costs,
    )


@fuzzes("mlkit.evaluation.score")
@given(st.data())
@fuzz_settings(20)
def test_score(data):
    valid = _valid(data)
    model, X = _model_and_X(data, valid=valid)
    n = len(X)
    regression = isinstance(model, LinearRegression | DummyRegressor)
    if valid:
        metric = data.draw(
            st.sampled_from(["mae", "rmse"] if regression else ["accuracy", "macro_f1"])
        )
    else:
        metric = data.draw(METRIC_NAMES)
    if regression:
        y = gen.floats(data, n, nasty=not valid and data.draw(st.integers(0, 4)) == 0)
    else:
        y = gen.labels(data, n)

    def check(result):
        assert isinstance(result, float)
        if metric in ("roc_auc", "pr_auc", "accuracy", "f1", "macro_f1"):
            in_unit_interval(result)
        elif metric in ("log_loss", "mae", "rmse"):
            assert result >= 0 or math.isnan(result)

    call(
        "mlkit.evaluation.score",
        _quiet(evaluation.score),
        model,
        X,
        gen.container(data, y),
        metric,
        check=check,
    )


# --------------------------------------------------------------------------- baselines


def check_baselines(result):
    table = result.to_frame()
    has_columns(table, ["name", "kind", "decision", *result.metrics, "note"])
    assert table["name"].is_unique
    for metric in result.metrics:
        values = table[metric].dropna()
        if metric in ("roc_auc", "pr_auc", "accuracy", "f1", "macro_f1"):
            in_unit_interval(*values)
        else:
            assert (values >= 0).all(), f"{metric} below 0: {values.tolist()}"


def _once_in(data, one_in):
    """True once in ``one_in`` draws: on a middle value, since hypothesis favours
    the ends of a range and the first and last items of a list."""
    return data.draw(st.integers(0, one_in - 1)) == one_in // 2


@fuzzes("mlkit.evaluation.baselines")
@given(st.data())
@fuzz_settings(20)
def test_baselines(data):
    # Mostly valid calls: a task with its own classes, enough rows, known metrics;
    # each kind of bad input comes in a minority of draws.
    task = (
        "other"
        if _once_in(data, 12)
        else data.draw(
            st.sampled_from(["binary", "multiclass", "regression", "binary"])
        )
    )

    def size(low):
        return (
            gen.rows(data, 0, 40)
            if _once_in(data, 12)
            else data.draw(st.integers(low, 40))
        )

    n_train, n_test = size(4), size(2)
    X_train = gen.numeric_frame(data, n_train, max_columns=2)
    X_test = gen.numeric_frame(data, n_test, max_columns=2)
    if data.draw(st.booleans()):
        X_train = X_train.to_numpy(dtype=float, na_value=np.nan)
        X_test = X_test.to_numpy(dtype=float, na_value=np.nan)
    if not _once_in(data, 3):
        X_test = _clean(X_test)  # rows a model can predict on
    if task == "regression":
        kind = data.draw(st.sampled_from(["plain", "huge", "nasty", "plain"]))
        if kind == "huge":  # near the float range: squares overflow
            element = st.sampled_from([1e300, -1e300, 0.0, 1.5, 1e-300])
            y_train, y_test = (
                np.asarray(data.draw(st.lists(element, min_size=k, max_size=k)))
                for k in (n_train, n_test)
            )
        else:
            nasty = kind == "nasty" and _once_in(data, 2)
            y_train = gen.floats(data, n_train, nasty=nasty)
            y_test = gen.floats(data, n_test, nasty=nasty)
        positive_label = 1
    else:
        two = [(0, 1), ("no", "yes"), (False, True)]
        three = [(0, 1, 2), ("a", "b", "c")]
        usual, other = (two, three) if task == "binary" else (three, two)
        classes = data.draw(st.sampled_from(other if _once_in(data, 10) else usual))
        y_train = gen.labels(data, n_train, classes=classes, min_classes=len(classes))
        y_test = gen.labels(data, n_test, classes=classes, min_classes=2)
        if _once_in(data, 10):
            y_train = gen.labels(data, n_train, classes=classes)  # maybe one class
        positive_label = (
            "other" if _once_in(data, 10) else data.draw(st.sampled_from(classes))
        )
    allowed = list(TASK_METRICS.get(task, ("accuracy", "mae")))
    allowed.remove("expected_cost") if "expected_cost" in allowed else None
    metrics = data.draw(
        st.sampled_from([[], "accuracy", ["mae", "mae"], [None], 5])
        if _once_in(data, 10)
        else st.lists(st.sampled_from(allowed), min_size=1, max_size=3, unique=True)
    )
    kwargs = {}
    if data.draw(st.booleans()):
        needed = {
            "binary": ("cost_fp", "cost_fn"),
            "multiclass": ("cost_error",),
        }.get(task, ("cost_over", "cost_under"))
        if _once_in(data, 6):
            kwargs["costs"] = {key: _number(data, 0, 5) for key in needed}
        else:
            kwargs["costs"] = {
                key: data.draw(st.floats(0, 5, allow_nan=False)) for key in needed
            }
    if task == "binary" and _once_in(data, 4):
        kwargs["threshold"] = (
            _number(data, 0.01, 0.99)
            if _once_in(data, 4)
            else data.draw(st.floats(0.01, 0.99))
        )
    given_kind = data.draw(
        st.sampled_from(["raises", "short", "nan"])
        if _once_in(data, 6)
        else st.sampled_from(["none", "labels", "scores", "proba", "function"])
    )
    name = data.draw(st.sampled_from(["heuristic", "existing"]))
    k = len(np.unique(np.asarray(y_train))) if n_train and task != "regression" else 1
    if given_kind == "labels":
        kwargs[name] = gen.container(
            data, np.resize(np.asarray(y_train), n_test) if n_train else y_test
        )
    elif given_kind == "scores":
        kwargs[name] = (
            gen.floats(data, n_test, nasty=False)
            if task == "regression"
            else gen.probabilities(data, n_test)
        )
    elif given_kind == "proba":
        raw = gen.probabilities(data, n_test * k, nasty=False).reshape(n_test, k) + 0.1
        kwargs[name] = raw / raw.sum(axis=1, keepdims=True)
        if data.draw(st.booleans()):
            kwargs[name] = pd.DataFrame(kwargs[name])
    elif given_kind == "function":
        kwargs[name] = lambda X: np.resize(np.asarray(y_test), len(X))
    elif given_kind == "raises":
        kwargs[name] = lambda X: X["no such column"]
    elif given_kind == "short":
        kwargs[name] = list(y_test)[:-1]
    elif given_kind == "nan":
        kwargs[name] = np.full(n_test, np.nan)
    if data.draw(st.booleans()):
        model = (
            LinearRegression()
            if task == "regression"
            else data.draw(
                st.sampled_from(
                    [LogisticRegression(), DecisionTreeClassifier(max_depth=2)]
                )
            )
        )
        if n_train >= 2 and not _once_in(data, 10):
            clean = _clean(X_train).clip(-1e6, 1e6)
            target = (
                np.nan_to_num(np.asarray(y_train, dtype=float)).clip(-1e6, 1e6)
                if task == "regression"
                else y_train
            )
            if task == "regression" or len(set(np.asarray(y_train).tolist())) >= 2:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(clean, target)
        kwargs["models"] = (
            data.draw(st.sampled_from([{"random": model}, [model]]))
            if _once_in(data, 10)
            else {"model": model}
        )
    call(
        "mlkit.evaluation.baselines",
        _quiet(evaluation.baselines),
        X_train,
        gen.container(data, y_train),
        X_test,
        gen.container(data, y_test),
        task=task,
        metrics=metrics,
        positive_label=positive_label,
        random_state=gen.random_state(data),
        check=check_baselines,
        **kwargs,
    )


# --------------------------------------------------------------------------- behaviour


def check_behaviour(result):
    in_unit_interval(result.rate, result.tolerance)
    assert len(result.comparison) == result.n
    assert len(result.failures) == int(result.comparison["failed"].sum())
    assert result.passed == (result.rate <= result.tolerance)
    has_columns(
        result.comparison,
        ["prediction_before", "prediction_after", "score_before", "score_after"],
    )


@fuzzes("mlkit.evaluation.perturbation_test")
@given(st.data())
@fuzz_settings(20)
def test_perturbation_test(data):
    valid = _valid(data)
    model, X = _model_and_X(data, valid=valid)
    kwargs = {}
    if data.draw(st.integers(0, 3)) == 0:
        column = _column_of(data, X, valid=valid)
        kwargs["columns"] = (
            [column] if valid else data.draw(st.sampled_from([[], [column]]))
        )
    call(
        "mlkit.evaluation.perturbation_test",
        _quiet(evaluation.perturbation_test),
        model,
        X,
        scale=_number(data, 0.01, 1, valid=valid),
        n_repeats=data.draw(st.sampled_from([1, 2] if valid else [1, 2, 3, 0, 1.5])),
        tolerance=_number(data, 0, 1, valid=valid),
        rtol=_number(data, 0, 1, valid=valid),
        random_state=gen.random_state(data),
        check=check_behaviour,
        **kwargs,
    )


@fuzzes("mlkit.evaluation.invariance_test")
@given(st.data())
@fuzz_settings(20)
def test_invariance_test(data):
    valid = _valid(data)
    model, X = _model_and_X(data, valid=valid)
    kwargs = {}
    ways = (
        ["values", "transform"] if valid else ["default", "values", "transform", "both"]
    )
    way = data.draw(st.sampled_from(ways))
    if way in ("values", "both"):
        kwargs["values"] = data.draw(
            st.sampled_from(
                [[0.0, 1.0], 2.5, [-3.0]]
                if valid
                else [[0.0, 1.0], [], 2.5, ["a"], [np.nan]]
            )
        )
    if way in ("transform", "both"):
        functions = [lambda s: s * 2, lambda s: s.round(1)]
        if not valid:
            functions += [lambda s: s[:1], lambda s: s.str.upper(), "not"]
        kwargs["transform"] = data.draw(st.sampled_from(functions))
    if data.draw(st.booleans()):
        kwargs["atol"] = _number(data, 0, 0.5, valid=valid)
    call(
        "mlkit.evaluation.invariance_test",
        _quiet(evaluation.invariance_test),
        model,
        X,
        column=_column_of(data, X, valid=valid),
        tolerance=_number(data, 0, 1, valid=valid),
        check=check_behaviour,
        **kwargs,
    )


@fuzzes("mlkit.evaluation.directional_test")
@given(st.data())
@fuzz_settings(20)
def test_directional_test(data):
    valid = _valid(data)
    model, X = _model_and_X(data, valid=valid)
    changes = (
        [lambda s: s + 1] if valid else [np.nan, "1", lambda s: s + 1, lambda s: s[:1]]
    )
    change = data.draw(
        st.one_of(st.floats(-2, 2, allow_nan=False), st.sampled_from(changes))
    )
    kwargs = {}
    if valid and hasattr(model, "classes_"):
        kwargs["positive_label"] = data.draw(st.sampled_from(list(model.classes_)))
    elif data.draw(st.integers(0, 3)) == 0:
        kwargs["positive_label"] = data.draw(st.sampled_from([0, 1, "yes", "c"]))
    call(
        "mlkit.evaluation.directional_test",
        _quiet(evaluation.directional_test),
        model,
        X,
        column=_column_of(data, X, valid=valid),
        change=change,
        expect=data.draw(
            st.sampled_from(["increase", "decrease", *([] if valid else ["up"])])
        ),
        tolerance=_number(data, 0, 1, valid=valid),
        atol=_number(data, 0, 0.5, valid=valid),
        check=check_behaviour,
        **kwargs,
    )


TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["Win a free prize now!", "a", "", "  ", "x,y.", "Zoë 青 ok"]),
)


@fuzzes("mlkit.evaluation.perturb_text")
@given(st.data())
@fuzz_settings(100)
def test_perturb_text(data):
    n = gen.rows(data)
    texts = data.draw(st.lists(TEXTS, min_size=n, max_size=n))
    form = data.draw(
        st.sampled_from(["list", "ndarray", "series", "str", "index", "nan", "number"])
    )
    if form == "ndarray":
        texts = np.asarray(texts, dtype=object)
    elif form == "series":
        texts = pd.Series(texts, dtype="str")
    elif form == "str":
        texts = "one text"
    elif form == "index":
        texts = pd.Series(texts, index=gen.index(data, n), name="CONTENT")
    elif form == "nan" and n:
        texts[0] = np.nan
        texts = pd.Series(texts, dtype=data.draw(st.sampled_from(["str", object])))
    elif form == "number" and n:
        texts[-1] = 3
    kinds = data.draw(
        st.one_of(
            st.lists(
                st.sampled_from(evaluation._behaviour.TEXT_EDITS),
                min_size=1,
                max_size=4,
            ),
            st.sampled_from(["typo", [], ["spelling"], [1]]),
        )
    )

    def check(result):
        assert isinstance(result, pd.Series)
        assert len(result) == (1 if isinstance(texts, str) else len(texts))
        if isinstance(texts, pd.Series):
            assert result.index.equals(texts.index)

    call(
        "mlkit.evaluation.perturb_text",
        evaluation.perturb_text,
        texts,
        kinds=kinds,
        random_state=gen.random_state(data),
        check=check,
    )


# --------------------------------------------------------------------------- slices


def _slices(data, n):
    kind = data.draw(st.sampled_from(["column", "frame", "short", "series"]))
    if kind == "frame":
        return gen.frame(data, n, max_columns=2)
    if kind == "short":
        return gen.labels(data, max(n - 1, 0))
    if kind == "series":
        return gen.column(data, n, data.draw(st.sampled_from(gen.KINDS)))
    return gen.container(data, gen.labels(data, n, classes=("a", "b", "c")))


def _rarely(data, good, bad, one_in=8):
    """``good`` most of the time; one of ``bad`` in about one call in ``one_in``."""
    # Not 0: hypothesis draws the bounds of a range far more often than the rest.
    if data.draw(st.integers(0, one_in - 1)) == one_in // 2:
        return data.draw(st.sampled_from(bad))
    return good


def _slice_argument(data, n):
    """What defines the slices: a column of labels, a column of any dtype, a frame
    of mixed columns, unhashable values or the wrong length."""
    kind = data.draw(
        st.sampled_from(
            ["labels", "labels", "series", "frame", "frame", "labels", "lists", "short"]
        )
    )
    if kind == "frame":
        return gen.frame(data, n, max_columns=3)
    if kind == "series":
        return gen.column(data, n, data.draw(st.sampled_from(gen.KINDS)))
    if kind == "lists":
        return pd.Series([[i % 2] for i in range(n)], dtype=object)
    if kind == "short":
        return gen.labels(data, max(n - 1, 0))
    return gen.container(data, gen.labels(data, n, classes=("a", "b", "c")))


@fuzzes("mlkit.evaluation.slice_metrics")
@given(st.data())
@fuzz_settings(80)
def test_slice_metrics(data):
    n = _rarely(data, gen.rows(data, 1, 40), [0])
    family = data.draw(
        st.sampled_from(["cells", "rank", "regression", "cells", "regression", "mixed"])
    )
    kwargs = {}
    if family == "regression":
        y_true = gen.floats(data, n, nasty=False)
        y_pred = gen.floats(data, n, nasty=data.draw(st.integers(0, 3)) == 0)
        if n and data.draw(st.booleans()):
            # Errors far from 1 in size: scaled, never overflowing or underflowing.
            scale = data.draw(st.sampled_from([1e300, 1e-300, 5e-324, 1e150]))
            with np.errstate(all="ignore"):  # 1e300 * 1e300: an infinity to refuse
                y_true, y_pred = y_true * scale, y_pred * scale
        pool = ["mae", "rmse", "bias"]
    else:
        labels = data.draw(st.sampled_from([(0, 1), (False, True), ("no", "yes")]))
        y_true = gen.labels(data, n, classes=labels)
        y_pred = gen.labels(data, n, classes=labels)
        pool = list(evaluation._slices.CELL_METRICS)
        if labels == ("no", "yes"):
            kwargs["positive_label"] = _rarely(data, "yes", ["maybe", ["yes"]])
        if family == "rank":
            pool = ["roc_auc", "pr_auc"]
            kwargs["y_score"] = gen.container(data, gen.probabilities(data, n))
            y_pred = data.draw(st.sampled_from([None, y_pred]))
        if family == "mixed":
            pool += ["mae", "nonsense"]
    metrics = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    if "positive_label" not in kwargs and data.draw(st.integers(0, 9)) == 0:
        kwargs["positive_label"] = data.draw(st.sampled_from([0, 1, "yes"]))
    min_count = _rarely(data, data.draw(st.sampled_from([1, 1, 2])), [0, 100, 2.5])

    def check(result):
        table = result.to_frame()
        has_columns(table, ["count", *result.metrics])
        assert table["count"].sum() <= result.n_rows == n
        assert (table["count"] >= min_count).all()
        assert len(result.overall) == len(result.metrics)
        for metric in result.metrics:
            if metric in ("mae", "rmse"):
                assert (table[metric].dropna() >= 0).all()
            elif metric != "bias":
                in_unit_interval(*table[metric], *table[f"{metric}_low"])
                in_unit_interval(*table[f"{metric}_high"], result.overall[metric])
        if "mae" in result.metrics or "rmse" in result.metrics:
            # Against numpy on the errors, where numpy itself neither overflows
            # nor underflows.
            error = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
            with np.errstate(all="ignore"):
                expected = {
                    "mae": np.abs(error).mean(),
                    "rmse": np.sqrt(np.mean(error**2)),
                }
            for metric in {"mae", "rmse"} & set(result.metrics):
                got = result.overall[metric]
                if np.isfinite(expected[metric]) and expected[metric] > 1e-250:
                    assert math.isclose(got, expected[metric], rel_tol=1e-9), (
                        metric,
                        got,
                        expected[metric],
                    )

    call(
        "mlkit.evaluation.slice_metrics",
        evaluation.slice_metrics,
        gen.container(data, y_true),
        None if y_pred is None else gen.container(data, y_pred),
        slices=_slice_argument(data, n),
        metrics=metrics,
        n_bootstrap=_rarely(data, data.draw(st.sampled_from([0, 20, 50])), [-1, 2.0]),
        confidence=_rarely(
            data,
            data.draw(st.floats(0.5, 0.99)),
            [-1.0, np.nan, 1.0, "0.9", True],
        ),
        min_count=min_count,
        random_state=gen.random_state(data),
        check=check,
        **kwargs,
    )


@fuzzes("mlkit.evaluation.find_weak_slices")
@given(st.data())
@fuzz_settings(60)
def test_find_weak_slices(data):
    n = _rarely(data, gen.rows(data, 1, 60), [0])
    df = gen.frame(data, n, max_columns=3)
    if n and data.draw(st.integers(0, 9)) == 0:
        df["lists"] = pd.Series([[i % 2] for i in range(n)], index=df.index)
    metric = _rarely(
        data, data.draw(st.sampled_from(evaluation._slices.WEAK_SLICE_METRICS)), ["auc"]
    )
    kwargs = {}
    if metric in ("mae", "squared_error", "bias"):
        y_true = gen.floats(data, n, nasty=False)
        y_pred = gen.floats(data, n, nasty=data.draw(st.integers(0, 3)) == 0)
        if n and data.draw(st.booleans()):
            # One error far larger than the rest, or all of them tiny.
            scale = data.draw(st.sampled_from([1e9, 1e150, 1e-300, 5e-324]))
            with np.errstate(all="ignore"):  # an infinity, to refuse
                if scale > 1:
                    y_pred = y_pred.copy()
                    y_pred[0] = y_pred[0] * scale + scale
                else:
                    y_true, y_pred = y_true * scale, y_pred * scale
    else:
        y_true, y_pred = gen.binary_labels(data, n), gen.binary_labels(data, n)
    if metric in ("log_loss", "brier"):
        kwargs["y_score"] = gen.container(data, gen.probabilities(data, n))
        y_pred = None
    if data.draw(st.integers(0, 3)) == 0:
        kwargs["columns"] = data.draw(
            st.sampled_from(
                [list(df.columns)[:1], [], "nope", list(df.columns), [["x"]]]
            )
        )

    def check(result):
        table = result.all
        has_columns(
            table,
            ["description", "support", "count", "p_value", "q_value", "weak"],
        )
        in_unit_interval(*table["support"], *table["p_value"], *table["q_value"])
        assert result.n_rows == n
        assert ((table["count"] >= 1) & (table["count"] < n)).all()
        assert table.loc[table["weak"], "q_value"].le(result.alpha).all()
        inside, outside = table[f"{metric}_in"], table[f"{metric}_out"]
        if metric in ("error_rate", "accuracy", "brier"):
            in_unit_interval(*inside, *outside)
        if metric in ("mae", "squared_error", "log_loss"):
            assert (inside >= 0).all()
            assert (outside >= 0).all()
        if metric in ("error_rate", "mae") and len(table):
            # Inside and outside make up the whole: the overall mean, from numpy.
            if metric == "error_rate":
                values = (np.asarray(y_true) != np.asarray(y_pred)).astype(float)
            else:
                values = np.abs(np.asarray(y_pred) - np.asarray(y_true))
            count = table["count"].to_numpy()
            whole = (inside * count + outside * (n - count)) / n
            assert np.allclose(whole, values.mean(), rtol=1e-9, atol=0), (
                whole,
                values.mean(),
            )

    call(
        "mlkit.evaluation.find_weak_slices",
        evaluation.find_weak_slices,
        df,
        gen.container(data, y_true),
        None if y_pred is None else gen.container(data, y_pred),
        metric=metric,
        min_support=_rarely(
            data, data.draw(st.floats(0.01, 0.5)), [-1.0, np.nan, 1.0, None]
        ),
        max_features=_rarely(data, data.draw(st.sampled_from([1, 2])), [3, 2.0]),
        bins=_rarely(data, data.draw(st.sampled_from([2, 3, 5])), [1, 3.0]),
        alpha=_rarely(data, data.draw(st.floats(0.01, 0.5)), [1e300, -1.0]),
        check=check,
        **kwargs,
    )


# --------------------------------------------------------------------------- threshold


def _mostly_number(data, low, high):
    """A number in [low, high]; junk in about one call in eight."""
    if _once_in(data, 8):
        return data.draw(JUNK_NUMBERS)
    return data.draw(st.floats(low, high, allow_nan=False))


@fuzzes("mlkit.evaluation.cost_threshold")
@given(st.data())
@fuzz_settings(100)
def test_cost_threshold(data):
    # Mostly valid calls: both classes, the positive label among them.
    n = gen.rows(data) if _once_in(data, 8) else data.draw(st.integers(2, 60))
    classes = data.draw(st.sampled_from([(0, 1), ("ham", "spam")]))
    y = gen.labels(data, n, classes=classes)
    if n >= 2 and not _once_in(data, 8):
        y[data.draw(st.integers(0, n - 1))] = classes[0]  # both classes, most often
        y[data.draw(st.integers(0, n - 1))] = classes[1]
    kwargs = {}
    if _once_in(data, 4):
        kwargs["thresholds"] = data.draw(
            st.sampled_from([[], [0.5, np.nan], ["a"], 0.5, [True], [0.2j]])
            if _once_in(data, 2)
            else st.sampled_from([np.linspace(0, 1, 11), [0.3], [-1.0, 0.5, 2.0]])
        )

    def check(result):
        in_unit_interval(result.theoretical_threshold)
        if "thresholds" not in kwargs:  # 0.5 decides as one of the scores does
            assert result.cost <= result.cost_at_half + 1e-12
        assert result.cost <= result.curve["cost"].min() + 1e-12
        assert result.cost >= 0

    call(
        "mlkit.evaluation.cost_threshold",
        evaluation.cost_threshold,
        gen.container(data, y),
        gen.container(data, gen.probabilities(data, n)),
        cost_fp=_mostly_number(data, 0.01, 10),
        cost_fn=_mostly_number(data, 0.01, 10),
        positive_label=(
            data.draw(st.sampled_from([1, "spam", 0]))
            if _once_in(data, 8)
            else data.draw(st.sampled_from(classes))
        ),
        check=check,
        **kwargs,
    )


@fuzzes("mlkit.evaluation.threshold_report")
@given(st.data())
@fuzz_settings(50)
def test_threshold_report(data):
    # Mostly valid calls: both classes, the positive label among them.
    n = gen.rows(data) if _once_in(data, 8) else data.draw(st.integers(2, 60))
    y = gen.binary_labels(data, n)
    if n >= 2 and not _once_in(data, 8):
        y[data.draw(st.integers(0, n - 1))] = 0  # both classes, most often
        y[data.draw(st.integers(0, n - 1))] = 1
    score = (
        gen.probabilities(data, n)
        if data.draw(st.booleans())
        else gen.floats(data, n, nasty=data.draw(st.integers(0, 4)) == 0)
    )
    kwargs = {}
    if data.draw(st.booleans()):
        kwargs["cost_fp"] = _mostly_number(data, 0.01, 10)
        if not _once_in(data, 8):
            kwargs["cost_fn"] = _mostly_number(data, 0.01, 10)
    if data.draw(st.integers(0, 3)) == 0:
        kwargs["sensitive_features"] = _slices(data, n)
        kwargs["min_group_size"] = data.draw(st.sampled_from([1, 30, 0]))

    def check(result):
        assert result.tp + result.fp + result.fn + result.tn == result.n
        in_unit_interval(result.precision, result.recall, result.fpr, result.accuracy)
        in_unit_interval(result.selection_rate, result.prevalence)

    call(
        "mlkit.evaluation.threshold_report",
        _quiet(evaluation.threshold_report),
        gen.container(data, y),
        gen.container(data, score),
        threshold=_mostly_number(data, -1, 2),
        positive_label=(
            "yes" if _once_in(data, 8) else data.draw(st.sampled_from([1, 0]))
        ),
        check=check,
        **kwargs,
    )
