"""Generated input for mlkit.models: the ladder of candidate models and the
learning curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlkit import models
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
)

pytestmark = pytest.mark.filterwarnings("ignore::mlkit._exceptions.MlkitWarning")

#: The tasks whose ladders were fitted.
FITS: list[str] = []

KINDS = gen.FEATURE_KINDS
BAD_KINDS = ("float", "", None, 3)


#: Each test runs on valid arguments, then on arguments of which some are wrong.
BOTH = pytest.mark.parametrize("bad", [False, True], ids=["valid", "messy"])


def pick(data, bad, good, wrong):
    """A value of ``good``, or with ``bad`` sometimes one of ``wrong``."""
    if bad and data.draw(st.integers(0, 3)) == 3:
        return data.draw(wrong)
    return data.draw(good)


def check_ladder(task, kinds, fit_seed):
    from sklearn.base import clone

    def check(ladder):
        rungs = models.LADDERS[
            "regression" if task == "regression" else "classification"
        ]
        assert tuple(ladder) == rungs
        if fit_seed is None:
            return
        n = 40
        X = gen.clean_frame(kinds, n, fit_seed)
        rng = np.random.default_rng(fit_seed)
        y = (
            rng.normal(size=n)
            if task == "regression"
            else np.arange(n) % (3 if task == "multiclass" else 2)
        )
        FITS.append(task)
        for name, unfitted in ladder.items():
            # A clone: the result itself is compared with a second call's. Fewer
            # trees and boosting rounds show as well that each model fits.
            model = clone(unfitted)
            if name == "random_forest":
                model.set_params(model__n_estimators=5, model__n_jobs=1)
            elif name == "boosting":
                model.set_params(model__max_iter=5)
            elif name == "averaging":
                model.set_params(model__boosting__model__max_iter=5)
            model.fit(X, y)
            assert len(model.predict(X)) == n, name

    return check


@fuzzes("mlkit.models.ladder")
@BOTH
@given(st.data())
@fuzz_settings(15)
def test_ladder(bad, data):
    names = data.draw(
        st.lists(
            st.sampled_from(gen.NAMES),
            min_size=0 if bad else 1,
            max_size=4,
            unique=True,
        )
    )
    kinds = {name: data.draw(st.sampled_from(KINDS)) for name in names}
    if not bad and all(k in ("id", "datetime") for k in kinds.values()):
        kinds[names[0]] = "numeric"
    if bad and data.draw(st.integers(0, 3)) == 0:
        kinds = data.draw(
            st.sampled_from(
                [{}, {"x": data.draw(st.sampled_from(BAD_KINDS))}, None, ["x"]]
            )
        )
    task = pick(
        data,
        bad,
        st.sampled_from(models.TASKS),
        st.sampled_from(["classification", None, "Binary"]),
    )
    columns = pick(
        data,
        bad,
        st.one_of(st.none(), st.just(names)),
        st.sampled_from([["missing column"], "x", []]),
    )
    numeric = [
        c for c in names if isinstance(kinds, dict) and kinds.get(c) == "numeric"
    ]
    # Drawn whether or not it is used, so that the draws never depend on FITS.
    seed = data.draw(st.integers(0, 99))
    # Fitting is slow: only the first few valid ladders are fitted.
    fit = (
        not bad
        and isinstance(kinds, dict)
        and "text" not in kinds.values()
        and len(FITS) < 3
    )
    call(
        "mlkit.models.ladder",
        models.ladder,
        task,
        kinds,
        columns,
        class_weight=pick(
            data,
            bad,
            st.sampled_from([None, "balanced"] if task != "regression" else [None]),
            st.sampled_from(["balanced", "equal", 1]),
        ),
        log_columns=pick(
            data, bad, st.sampled_from([(), numeric[:1]]), st.sampled_from(["x", [3]])
        ),
        n_rows=pick(
            data,
            bad,
            st.sampled_from([None, 100, 60_000]),
            st.sampled_from([0, -5, 1.5, "many"]),
        ),
        random_state=pick(
            data, bad, st.sampled_from([None, 0, 7]), st.sampled_from([1.5, "0", True])
        ),
        check=check_ladder(task, kinds, seed if fit else None),
    )


def check_curve(metric, n_train, sizes):
    def check(curve):
        table = curve.to_frame()
        has_columns(
            table, ["rows", "share", "train_score", "validation_score", "fit_seconds"]
        )
        assert len(table) == len(sizes)
        assert table["rows"].is_monotonic_increasing
        assert table["rows"].iloc[-1] <= n_train
        in_unit_interval(*table["share"])
        if metric in models.BOUNDED_METRICS:
            in_unit_interval(*table["train_score"], *table["validation_score"])
        else:
            assert (
                (table[["train_score", "validation_score"]].dropna() >= 0).all().all()
            )

    return check


@fuzzes("mlkit.models.learning_curve")
@BOTH
@given(st.data())
@fuzz_settings(3)
def test_learning_curve(bad, data):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.tree import DecisionTreeClassifier

    wrong = None
    n = data.draw(st.integers(20, 60))
    rng = np.random.default_rng(n)
    task = data.draw(st.sampled_from(["binary", "multiclass", "regression"]))
    X = rng.normal(size=(n, 3))
    if task == "regression":
        y = X[:, 0] + rng.normal(size=n)
        estimator = Ridge()
        metric = data.draw(st.sampled_from(models.REGRESSION_METRICS))
    else:
        k = 2 if task == "binary" else 3
        y = np.arange(n) % k
        rng.shuffle(y)
        estimator = data.draw(
            st.sampled_from([LogisticRegression(), DecisionTreeClassifier(max_depth=3)])
        )
        metric = data.draw(
            st.sampled_from(
                ["accuracy", "roc_auc", "log_loss", "f1"]
                if task == "binary"
                else ["accuracy", "macro_f1", "log_loss"]
            )
        )
    cut = n * 2 // 3
    if data.draw(st.booleans()):
        X = pd.DataFrame(X, columns=["a", "b", "c"])
        X_train, X_val = X.iloc[:cut], X.iloc[cut:]
    else:
        X_train, X_val = X[:cut], X[cut:]
    y_train = gen.container(data, y[:cut], kinds=["ndarray", "list", "series"])
    y_val = y[cut:]
    if bad:
        wrong = data.draw(
            st.sampled_from(
                [
                    "metric",
                    "estimator",
                    "y_train",
                    "y_val",
                    "X_val",
                    "single class",
                    "missing values",
                    "random_state",
                ]
            )
        )
        if wrong == "metric":
            metric = data.draw(st.sampled_from(["mae", "roc_auc", "nonsense"]))
        elif wrong == "estimator":
            estimator = data.draw(st.sampled_from(["model", None]))
        elif wrong == "y_train":
            y_train = np.asarray(y_train, dtype=float)[:-1]
        elif wrong == "y_val":
            y_val = np.where(np.arange(len(y_val)) == 0, np.nan, y_val)
        elif wrong == "X_val":
            X_val = X_val[:, :2] if isinstance(X_val, np.ndarray) else X_val[["a", "b"]]
        elif wrong == "single class":
            y_train = np.zeros(cut, dtype=int)
        elif wrong == "missing values":
            # A model that takes no missing values: its own error, named.
            X_train = X_train.copy()
            if isinstance(X_train, pd.DataFrame):
                X_train.iloc[0, 0] = np.nan
            else:
                X_train[0, 0] = np.nan
    random_state = gen.random_state(data)
    if bad and wrong == "random_state":
        random_state = data.draw(st.sampled_from([-1, 2**40, 1.5]))
    sizes = pick(
        data,
        bad,
        st.sampled_from([(0.5, 1.0), (0.25, 0.5, 1.0)]),
        st.sampled_from([(1.0,), (0.5, 0.5), (0, 1), "all", (0.01, 1.0)]),
    )
    call(
        "mlkit.models.learning_curve",
        models.learning_curve,
        estimator,
        X_train,
        y_train,
        X_val,
        y_val,
        metric=metric,
        sizes=sizes,
        random_state=random_state,
        deterministic=False,  # the table holds fit times
        check=check_curve(metric, cut, sizes),
    )
