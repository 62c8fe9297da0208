"""Continual learning: how often to retrain, and when a new model should take over.

Chapter 9 of *Designing Machine Learning Systems* ("Continual Learning and Test
in Production") says that a model starts to go stale the day it is deployed, and
that the question is not whether to update it but how often, and how to know
that an update is better. This module answers both on the data a case already
has, by replaying it in the order it arrived:

- :func:`simulate_retraining` serves each period with the model a strategy would
  have had in production at that time, then lets the strategy learn from the
  period: **stateless retraining** (a model trained from scratch every ``k``
  periods, on all history or on a window of recent periods, with "never
  retrain" as the baseline) and **stateful training** (one model updated
  incrementally with ``partial_fit``). The table of values per period says how
  much each cadence gains, and grouped by the age of the model in service it
  gives **the value of data freshness**: what a period of age costs.
- :func:`champion_challenger` automates the update loop: at each period a
  challenger trained on the newest data and the champion in service are scored
  on fresh rows that neither has seen; a paired bootstrap interval of the
  difference decides whether the challenger is promoted. It is the offline
  version of the book's "test in production", where a model replaces another
  only when the evidence says it is better by enough to matter.

Both compute the metric of every model from its predictions once: a bootstrap
draw is a vector of row counts, and the metric of all draws is a product of
that count matrix with per-row losses (accuracy, log loss, absolute or squared
errors), per-draw confusion counts (F1) or weighted rank sums (ROC-AUC,
average precision), as scikit-learn computes them on the resampled rows.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> from mlkit.experiments import simulate_retraining
>>> rng = np.random.default_rng(0)
>>> month = np.repeat(np.arange(6), 200)
>>> X = pd.DataFrame(rng.normal(size=(1200, 2)), columns=["a", "b"])
>>> angle = month * np.pi / 6  # the concept rotates by 30 degrees a month
>>> y = (X["a"] * np.cos(angle) + X["b"] * np.sin(angle) > 0).astype(int)
>>> sim = simulate_retraining(X, y, month, make_model=LogisticRegression,
...                           task="binary", cadences=(1, None), window=1)
>>> sim.to_frame()[["label", "mean_value", "retrains"]].round(2)
                  label  mean_value  retrains
0  retrain every period   0.92         4
1         never retrain   0.49         0
2   incremental updates   0.88         4
"""

from __future__ import annotations

import math
import numbers
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    MODEL_ERRORS,
    as_1d,
    check_choice,
    check_int,
    check_number,
    check_random_state,
    model_errors,
    n_rows,
    take_rows,
)

if TYPE_CHECKING:
    import altair as alt

    from mlkit.design import DesignLog

__all__ = [
    "CHAMPION_COLUMNS",
    "DEFAULT_METRICS",
    "FRESHNESS_COLUMNS",
    "INCREMENTAL_EPOCHS",
    "SIMULATION_COLUMNS",
    "SUMMARY_COLUMNS",
    "TASK_METRICS",
    "ChampionChallenger",
    "RetrainingSimulation",
    "champion_challenger",
    "simulate_retraining",
]

Task = Literal["binary", "multiclass", "regression"]

#: The metric used when none is given, per task (as ``suggest_metric`` for
#: multiclass: log loss, which rewards calibrated probabilities).
DEFAULT_METRICS: dict[str, str] = {
    "binary": "roc_auc",
    "multiclass": "log_loss",
    "regression": "mae",
}
#: The metrics of :data:`mlkit.evaluation.METRICS` each task can use here.
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "pr_auc", "log_loss", "accuracy", "f1", "macro_f1"),
    "multiclass": ("log_loss", "accuracy", "macro_f1"),
    "regression": ("mae", "rmse"),
}
#: Passes over each new period's rows of an incremental (stateful) update.
INCREMENTAL_EPOCHS = 5
#: The columns of :attr:`RetrainingSimulation.table`.
SIMULATION_COLUMNS: tuple[str, ...] = (
    "period",
    "strategy",
    "cadence",
    "value",
    "staleness",
    "train_rows",
    "fit_seconds",
)
#: The columns of :meth:`RetrainingSimulation.to_frame`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "strategy",
    "cadence",
    "label",
    "mean_value",
    "retrains",
    "fit_seconds",
    "mean_staleness",
)
#: The columns of :attr:`RetrainingSimulation.freshness`.
FRESHNESS_COLUMNS: tuple[str, ...] = ("staleness", "value", "gap", "evaluations")
#: The columns of :attr:`ChampionChallenger.table`.
CHAMPION_COLUMNS: tuple[str, ...] = (
    "period",
    "champion",
    "challenger",
    "champion_value",
    "challenger_value",
    "difference",
    "low",
    "high",
    "p_value",
    "decision",
    "deployed_value",
    "first_champion_value",
    "mcnemar_p_value",
)

_RANK_METRICS = ("roc_auc", "pr_auc")
_LOWER_IS_BETTER = ("log_loss", "mae", "rmse")
# Elements of one block of bootstrap counts (32 MB of float64): numpy at full
# speed, and little memory whatever the size of a period.
_BLOCK = 1 << 22

# Message templates, kept here so that tests can match them.
LENGTH_ERROR = "'{name}' has {got:,} values, but 'X' has {n:,} rows."
MISSING_ERROR = "'{name}' has {count:,} missing value(s)."
ONE_PERIOD_ERROR = (
    "'periods' holds a single period ({period!r}); nothing is left to evaluate on."
)
UNSORTABLE_ERROR = "'periods' holds values that cannot be put in order: {error}"
METRIC_ERROR = "'metric' must be one of {allowed} for a {task} task; got {got!r}."
CALLABLE_ERROR = (
    "'{name}' must be a callable that returns a new, unfitted model; got {got}."
)
NOT_ESTIMATOR_ERROR = "'{name}()' returned {got}, which has no {method}() method."
CADENCE_ERROR = "'cadences' must hold ints of at least 1, or None; got {got!r}."
WINDOW_ERROR = "'{name}' must be None or an int of at least 1; got {got!r}."
SINGLE_CLASS_ERROR = (
    "'y' holds a single class ({label!r}) in the training rows of {periods}."
)
MAPPING_ERROR = (
    "The first step of 'make_model', the feature mapping of the incremental "
    "updates, could not be fitted on the first period: {error}"
)
SCORES_ERROR = "'metric' {metric!r} needs the model's {methods}, which {model} lacks."
BINARY_ERROR = "'y' holds {k} classes, but the task is 'binary'."
LOG_ERROR = "'log' must be a mlkit.design.DesignLog; got {got}."
MIN_IMPROVEMENT_ERROR = "'min_improvement' must be a finite number; got {got!r}."


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Stream:
    """The rows of each period, in the order the periods arrive."""

    X: Any
    y: np.ndarray
    labels: pd.Index  # the sorted periods
    order: np.ndarray  # row positions sorted by period (stable)
    bounds: np.ndarray  # order[bounds[t]:bounds[t + 1]] are the rows of period t
    classes: np.ndarray | None  # all labels, for classification

    @property
    def positive(self) -> Any:
        """The class to detect of a binary task: the larger label."""
        return None if self.classes is None else self.classes[-1]

    def rows(self, first: int, last: int) -> np.ndarray:
        """Row positions of periods ``first`` to ``last``, both included."""
        return self.order[self.bounds[first] : self.bounds[last + 1]]

    def __len__(self) -> int:
        return len(self.labels)


def _check_int(value: Any, name: str, template: str, example: str) -> int:
    # Not mlkit._validation.check_int: these arguments also take None (never
    # retrain, all history), which the template says and its message would not.
    integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integer or value < 1:
        raise (MlkitValueError if integer else MlkitTypeError)(
            with_hint(
                template.format(name=name, got=value), f"pass, for example, {example}."
            )
        )
    return int(value)


def _check_window(value: Any, name: str) -> int | None:
    if value is None:
        return None
    return _check_int(value, name, WINDOW_ERROR, f"{name}=3 for the last three periods")


def _check_factory(value: Any, name: str) -> Callable[[], Any]:
    if not callable(value):
        raise MlkitTypeError(
            with_hint(
                CALLABLE_ERROR.format(
                    name=name, got=f"{type(value).__name__} {value!r}"[:120]
                ),
                f"pass the class or a function, such as {name}=LogisticRegression or "
                f"{name}=lambda: ladder(...)['logistic'], not a fitted model.",
            )
        )
    return value


def _new(factory: Callable[[], Any], name: str, methods: Sequence[str]) -> Any:
    with model_errors(name, "make a new model", function=True):
        model = factory()
    for method in methods:
        if not callable(getattr(model, method, None)):
            raise MlkitTypeError(
                with_hint(
                    NOT_ESTIMATOR_ERROR.format(
                        name=name, got=type(model).__name__, method=method
                    ),
                    f"make {name}() return an unfitted estimator with {method}(), "
                    + (
                        "such as SGDClassifier(loss='log_loss'), SGDRegressor() or "
                        "MultinomialNB()."
                        if method == "partial_fit"
                        else "such as a scikit-learn pipeline."
                    ),
                )
            )
    return model


def _check_metric(metric: Any, task: str) -> str:
    if metric is None:
        return DEFAULT_METRICS[task]
    allowed = TASK_METRICS[task]
    if metric not in allowed:
        raise MlkitValueError(
            with_hint(
                METRIC_ERROR.format(
                    allowed="{" + ", ".join(map(repr, allowed)) + "}",
                    task=task,
                    got=metric,
                ),
                f"use a metric name of mlkit.evaluation.METRICS that suits the task, "
                f"such as {DEFAULT_METRICS[task]!r} (the default).",
            )
        )
    return metric


def _stream(X: Any, y: Any, periods: Any, task: str) -> _Stream:
    n = n_rows(X, "X")
    values = {}
    for name, given in (("y", y), ("periods", periods)):
        array = as_1d(given, name)
        if len(array) != n:
            raise MlkitValueError(
                with_hint(
                    LENGTH_ERROR.format(name=name, got=len(array), n=n),
                    f"pass one value of '{name}' per row of 'X', in the same order.",
                )
            )
        missing = int(pd.isna(pd.Series(array)).sum())
        if missing:
            raise MlkitValueError(
                with_hint(
                    MISSING_ERROR.format(name=name, count=missing),
                    "drop the rows without one first"
                    + (
                        ", such as rows whose label has not arrived yet."
                        if name == "y"
                        else "."
                    ),
                )
            )
        values[name] = array
    try:
        codes, labels = pd.factorize(pd.Series(values["periods"]), sort=True)
    except TypeError as error:
        raise MlkitTypeError(
            with_hint(
                UNSORTABLE_ERROR.format(error=error),
                "pass periods of one type: ints (such as a month number), timestamps "
                "or strings such as '2024-03'.",
            )
        ) from None
    labels = pd.Index(labels)
    if len(labels) < 2:
        raise MlkitValueError(
            with_hint(
                ONE_PERIOD_ERROR.format(period=labels.tolist()[0]),
                "pass rows of at least two periods: the model learns from the first "
                "and is evaluated on the next ones. Cut time into shorter periods, "
                "such as weeks instead of months.",
            )
        )
    target = values["y"]
    classes = None
    if task == "regression":
        if not np.issubdtype(target.dtype, np.number) or np.issubdtype(
            target.dtype, np.bool_
        ):
            raise MlkitTypeError(
                with_hint(
                    f"'y' must hold numbers for a regression; got values of type {target.dtype}.",
                    "pass the numeric target, or task='binary' or 'multiclass' for classes.",
                )
            )
        target = target.astype("float64")
    else:
        classes = np.unique(target)
        if task == "binary" and len(classes) > 2:
            raise MlkitValueError(
                with_hint(
                    BINARY_ERROR.format(k=len(classes)),
                    "pass task='multiclass', or encode the class to detect as 1 and the "
                    "others as 0.",
                )
            )
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
    return _Stream(X, target, labels, order, bounds, classes)


# --------------------------------------------------------------------------- metrics


def _response(
    model: Any, X: Any, y: np.ndarray, metric: str, name: str = "make_model"
) -> np.ndarray:
    """What the metric needs of each row, as scikit-learn's scorer would get it.

    Per-row losses for the additive metrics (1 for a right class, minus the log
    of the probability given to the true class, the absolute or squared error),
    the score of the positive class for the rank metrics (``decision_function``
    first, then ``predict_proba``, as scikit-learn's scorers), the predicted
    classes for F1.
    """
    needs = {
        "roc_auc": ("decision_function", "predict_proba"),
        "pr_auc": ("decision_function", "predict_proba"),
        "log_loss": ("predict_proba",),
    }.get(metric, ())
    if needs and not any(callable(getattr(model, m, None)) for m in needs):
        raise MlkitTypeError(
            with_hint(
                SCORES_ERROR.format(
                    metric=metric,
                    methods=" or ".join(f"{m}()" for m in needs),
                    model=type(model).__name__,
                ),
                "choose a metric scored on classes, such as metric='accuracy', or a "
                "model with predict_proba(), such as SGDClassifier(loss='log_loss').",
            )
        )
    with model_errors(name, f"predict what {metric!r} needs"):
        return _predicted(model, X, y, metric)


def _predicted(model: Any, X: Any, y: np.ndarray, metric: str) -> np.ndarray:
    """The per-row response of :func:`_response`, from the model's predictions."""
    if metric in _RANK_METRICS:
        if callable(getattr(model, "decision_function", None)):
            score = np.asarray(model.decision_function(X), dtype="float64")
            return score if score.ndim == 1 else score[:, -1]
        return np.asarray(model.predict_proba(X), dtype="float64")[:, -1]
    if metric == "log_loss":
        proba = np.asarray(model.predict_proba(X), dtype="float64")
        column = pd.Index(model.classes_).get_indexer(y)  # -1: a class it never saw
        p_true = np.where(column >= 0, proba[np.arange(len(y)), column], 0.0)
        eps = np.finfo("float64").eps  # scikit-learn's clipping
        return -np.log(np.clip(p_true, eps, 1 - eps))
    predicted = np.asarray(model.predict(X))
    if metric == "accuracy":
        return (predicted == y).astype("float64")
    if metric == "mae":
        return np.abs(predicted.astype("float64") - y)
    if metric == "rmse":
        return (predicted.astype("float64") - y) ** 2
    return predicted  # f1, macro_f1


def _metric(
    metric: str,
    y: np.ndarray,
    response: np.ndarray,
    weights: np.ndarray | None = None,
    positive: Any = None,
) -> np.ndarray:
    """The metric of each row of ``weights`` (row counts of a draw); one value if None.

    ``positive`` is the class to detect of ROC-AUC, average precision and F1
    (the larger label of ``y`` if None). NaN where the metric is undefined in
    a draw (a ROC-AUC of one class).
    """
    from mlkit.evaluation._slices import _rank_metric, _score_starts

    w = np.ones((1, len(y))) if weights is None else np.atleast_2d(weights)
    total = w.sum(axis=1)
    if metric in ("accuracy", "log_loss", "mae"):
        return (w @ response) / total
    if metric == "rmse":
        return np.sqrt((w @ response) / total)
    if positive is None and metric in (*_RANK_METRICS, "f1"):
        positive = np.max(y)
    if metric in _RANK_METRICS:
        order = np.argsort(response, kind="stable")
        return _rank_metric(
            metric, w[:, order], y[order] == positive, _score_starts(response[order])
        )
    labels = (
        np.array([positive])
        if metric == "f1"
        else np.unique(np.concatenate([y, response]))
    )
    scores, present = [], []
    for label in labels:
        truth, flagged = y == label, response == label
        tp = w @ (truth & flagged).astype("float64")
        wrong = w @ (truth ^ flagged).astype("float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            scores.append(np.where(tp + wrong > 0, 2 * tp / (2 * tp + wrong), 0.0))
        present.append(tp + wrong > 0)
    scores_a, present_a = np.array(scores), np.array(present)
    if metric == "f1":
        return scores_a[0]
    return (scores_a * present_a).sum(axis=0) / present_a.sum(axis=0)


def _value(
    metric: str, y: np.ndarray, response: np.ndarray, positive: Any = None
) -> float:
    return float(_metric(metric, y, response, positive=positive)[0])


def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    """Row counts of each draw of an index matrix (draws, n): one bincount."""
    draws = idx.shape[0]
    flat = (idx + np.arange(draws)[:, None] * n).ravel()
    return np.bincount(flat, minlength=draws * n).reshape(draws, n).astype("float64")


def _paired_bootstrap(
    metric: str,
    y: np.ndarray,
    champion: np.ndarray,
    challenger: np.ndarray,
    n_bootstrap: int,
    rng: np.random.Generator,
    positive: Any = None,
) -> np.ndarray:
    """The challenger's improvement over the champion on each bootstrap draw of rows.

    Both models are scored on the same resampled rows (a paired bootstrap);
    the improvement is positive when the challenger is better. Draws come from
    ``rng.integers(0, n, size=(draws, n))`` in blocks of at most
    :data:`_BLOCK` elements.
    """
    n = len(y)
    sign = -1.0 if metric in _LOWER_IS_BETTER else 1.0
    step = max(1, _BLOCK // n)
    out = []
    for first in range(0, n_bootstrap, step):
        count = min(step, n_bootstrap - first)
        weights = _counts(rng.integers(0, n, size=(count, n)), n)
        out.append(
            sign
            * (
                _metric(metric, y, challenger, weights, positive)
                - _metric(metric, y, champion, weights, positive)
            )
        )
    return np.concatenate(out)


def _mcnemar(right_a: np.ndarray, right_b: np.ndarray) -> float:
    """Exact two-sided McNemar test of two classifiers' right and wrong rows.

    The binomial test of the discordant rows, as statsmodels' ``mcnemar`` with
    ``exact=True``: twice the binomial tail of the smaller count, at most 1.
    """
    from scipy.stats import binom

    a_only = int(np.sum((right_a == 1) & (right_b == 0)))
    b_only = int(np.sum((right_a == 0) & (right_b == 1)))
    return float(min(1.0, 2 * binom.cdf(min(a_only, b_only), a_only + b_only, 0.5)))


# --------------------------------------------------------------------------- fitting


def _periods_text(stream: _Stream, first: int, last: int) -> str:
    names = stream.labels.tolist()
    if first == last:
        return f"period {names[first]!r}"
    return f"periods {names[first]!r} to {names[last]!r}"


def _fit(
    factory: Callable[[], Any], stream: _Stream, first: int, last: int
) -> tuple[Any, float, int]:
    """A new model fitted on periods ``first`` to ``last``; seconds and rows."""
    rows = stream.rows(first, last)
    y = stream.y[rows]
    if stream.classes is not None:
        seen = np.unique(y)
        if len(seen) < 2:
            raise MlkitValueError(
                with_hint(
                    SINGLE_CLASS_ERROR.format(
                        periods=_periods_text(stream, first, last),
                        label=seen.tolist()[0],
                    ),
                    "a classifier needs two classes to learn from: train on more "
                    "periods (a larger window), or cut time into longer periods.",
                )
            )
    model = _new(factory, "make_model", ("fit", "predict"))
    start = time.perf_counter()
    with model_errors(
        "make_model", f"fit on the rows of {_periods_text(stream, first, last)}"
    ):
        model.fit(take_rows(stream.X, rows), y)
    return model, time.perf_counter() - start, len(rows)


def _evaluate(model: Any, stream: _Stream, t: int, metric: str) -> float:
    rows = stream.rows(t, t)
    y = stream.y[rows]
    response = _response(model, take_rows(stream.X, rows), y, metric)
    return _value(metric, y, response, stream.positive)


def _span(t: int, window: int | None) -> int:
    """First period of a training set that ends with period ``t``."""
    return 0 if window is None else max(0, t - window + 1)


def _first_encoder(model: Any) -> Any:
    """The first step of ``model`` that encodes its columns, or None.

    A Pipeline of two or more steps starts with it; an ensemble (the ladder's
    "averaging", a voting model inside a one-step Pipeline) holds one in each of its
    members, and the first member's serves.
    """
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        if len(model.steps) >= 2:
            return model.steps[0][1]
        return _first_encoder(model.steps[0][1])
    for _, member in getattr(model, "estimators", None) or ():
        found = _first_encoder(member)
        if found is not None:
            return found
    return None


class _Incremental:
    """A fixed feature mapping, fitted once, and a model updated with ``partial_fit``."""

    def __init__(
        self,
        make_model: Callable[[], Any],
        make_incremental: Callable[[], Any] | None,
        stream: _Stream,
        task: str,
        rng: np.random.Generator,
    ):
        from sklearn.base import clone
        from sklearn.linear_model import SGDClassifier, SGDRegressor
        from sklearn.preprocessing import StandardScaler

        mapping = _first_encoder(make_model())
        self.mapping = StandardScaler() if mapping is None else clone(mapping)
        if make_incremental is None:
            seed = int(rng.integers(2**31 - 1))
            # A constant step keeps the model able to follow a drifting concept;
            # the default decaying step would all but stop it learning.
            settings = {"learning_rate": "constant", "eta0": 0.01, "random_state": seed}
            self.model = (
                SGDRegressor(**settings)
                if task == "regression"
                else SGDClassifier(loss="log_loss", **settings)
            )
        else:
            self.model = _new(
                make_incremental, "make_incremental", ("partial_fit", "predict")
            )
        self.scale_step = make_incremental is None and task == "regression"
        # Who gets the blame when an update fails: the mapping and the default
        # model come from make_model, the rest from make_incremental.
        self.name = "make_model" if make_incremental is None else "make_incremental"
        self.stream, self.rng, self.rows_seen = stream, rng, 0

    def learn(self, t: int) -> float:
        """Update on period ``t``'s rows; the mapping is fitted on the first call."""
        rows = self.stream.rows(t, t)
        X, y = take_rows(self.stream.X, rows), self.stream.y[rows]
        start = time.perf_counter()
        if self.rows_seen == 0:
            try:
                self.mapping.fit(X, y)
            except MODEL_ERRORS as error:
                raise MlkitValueError(
                    with_hint(
                        MAPPING_ERROR.format(error=str(error).split("\n")[0][:300]),
                        "make make_model() return a Pipeline whose first step encodes "
                        "the columns (such as mlkit.models.ladder(...)['logistic']).",
                    )
                ) from error
        with model_errors("make_model", "map the features of 'X' for updates"):
            Z = self.mapping.transform(X)
        if self.rows_seen == 0 and self.scale_step:
            # A squared loss diverges when the step times a row's squared norm
            # nears 2: with many features, a smaller step keeps SGD stable.
            squared = Z.multiply(Z).sum() if hasattr(Z, "multiply") else np.sum(Z**2)
            mean_norm = float(squared) / max(1, Z.shape[0])
            self.model.set_params(eta0=min(0.01, 0.1 / max(mean_norm, 1e-12)))
        extra = {} if self.stream.classes is None else {"classes": self.stream.classes}
        for _ in range(INCREMENTAL_EPOCHS):
            shuffled = self.rng.permutation(len(rows))
            with model_errors(self.name, "update with partial_fit"):
                self.model.partial_fit(take_rows(Z, shuffled), y[shuffled], **extra)
        self.rows_seen += len(rows)
        return time.perf_counter() - start

    def evaluate(self, t: int, metric: str) -> float:
        rows = self.stream.rows(t, t)
        y = self.stream.y[rows]
        with model_errors("make_model", "map the features of 'X' for updates"):
            Z = self.mapping.transform(take_rows(self.stream.X, rows))
        response = _response(self.model, Z, y, metric, self.name)
        return _value(metric, y, response, self.stream.positive)


# --------------------------------------------------------------------------- charts


def _period_encoding(values: pd.Series, order: list[Any], title: str = "period") -> Any:
    import altair as alt

    if pd.api.types.is_datetime64_any_dtype(values):
        return alt.X("period:T", title=title)
    if pd.api.types.is_numeric_dtype(values):
        return alt.X(
            "period:Q",
            title=title,
            scale=alt.Scale(zero=False),
            axis=alt.Axis(tickMinStep=1),
        )
    return alt.X("period:O", title=title, sort=[str(v) for v in order])


def _chart_periods(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if not (
        pd.api.types.is_datetime64_any_dtype(frame["period"])
        or pd.api.types.is_numeric_dtype(frame["period"])
    ):
        frame["period"] = frame["period"].astype("str")
    return frame


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _number(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3f}"


# --------------------------------------------------------------------------- simulation


def _label(strategy: str, cadence: Any) -> str:
    if strategy == "stateful":
        return "incremental updates"
    if cadence is None or pd.isna(cadence):
        return "never retrain"
    return (
        "retrain every period"
        if cadence == 1
        else f"retrain every {int(cadence)} periods"
    )


@dataclass(frozen=True, repr=False)
class RetrainingSimulation(Result):
    """Models of several retraining strategies replayed over periods of data.

    Attributes
    ----------
    table : pandas.DataFrame
        Long format, one row per strategy and evaluated period (every period
        after the first), with :data:`SIMULATION_COLUMNS`: ``period``;
        ``strategy`` (``"stateless"``: retrained from scratch, or
        ``"stateful"``: updated incrementally); ``cadence`` (periods between
        retrainings, an ``Int64`` with ``<NA>`` for "never retrain"; 1 for
        stateful updates); ``value`` (the metric of the model in service on the
        period's rows, NaN where undefined); ``staleness`` (periods since the
        model in service last learned: 1 when it learned from the period just
        before); ``train_rows`` (rows the model in service has learned from);
        ``fit_seconds`` (seconds spent fitting or updating the model just before
        the period, its first fit included for the first period; 0 when the
        model that served the previous period serves again).
    metric : str
        The metric's name, as in :data:`mlkit.evaluation.METRICS`.
    higher_is_better : bool
        Whether a larger value of the metric is better.
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    window : int or None
        Periods a stateless model is retrained on; None for all history.
    periods : tuple
        Every period in order, the first (training only) included.
    """

    title: ClassVar[str] = "Continual learning: how often to retrain"
    table: pd.DataFrame
    metric: str
    higher_is_better: bool
    task: str
    window: int | None
    periods: tuple[Any, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per strategy, with :data:`SUMMARY_COLUMNS`.

        ``strategy`` and ``cadence`` as in :attr:`table`; ``label`` in words;
        ``mean_value``: the mean of the metric over the evaluated periods (skipping
        NaN); ``retrains``: fits or updates after the first; ``fit_seconds``:
        their total time, the first fit included; ``mean_staleness``: the
        average age of the model in service, in periods.
        """
        t = self.table
        rows = []
        for (strategy, cadence), part in t.groupby(
            ["strategy", "cadence"], sort=False, dropna=False
        ):
            rows.append(
                {
                    "strategy": strategy,
                    "cadence": cadence,
                    "label": _label(strategy, cadence),
                    "mean_value": float(part["value"].mean()),
                    # A model in service with staleness 1 was fitted just before
                    # the period: one fit per such row, the first fit aside.
                    "retrains": int((part["staleness"] == 1).sum()) - 1,
                    "fit_seconds": float(part["fit_seconds"].sum()),
                    "mean_staleness": float(part["staleness"].mean()),
                }
            )
        frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
        frame["cadence"] = frame["cadence"].astype("Int64")
        return frame

    @property
    def freshness(self) -> pd.DataFrame:
        """The value of data freshness: the metric by the age of the model in service.

        One row per staleness (in periods) seen among the stateless strategies,
        with :data:`FRESHNESS_COLUMNS`: ``value``, the mean metric of the
        models of that age; ``gap``, the mean difference from a model retrained
        just before the same period on the same window (the freshest model,
        so the gap at staleness 1 is 0), in the metric's own sign; and
        ``evaluations``, how many (strategy, period) pairs it averages. The gap
        compares models on the same periods, so a period that is hard for every
        model does not pass for the cost of age; it is NaN for a period where no
        strategy served a fresh model (never, when a cadence of 1 is simulated).
        """
        t = self.table[self.table["strategy"] == "stateless"]
        fresh = t[t["staleness"] == 1].groupby("period")["value"].first()
        gap = t["value"].to_numpy() - fresh.reindex(t["period"]).to_numpy()
        frame = (
            t.assign(gap=gap)
            .groupby("staleness")
            .agg(
                value=("value", "mean"),
                gap=("gap", "mean"),
                evaluations=("value", "size"),
            )
            .reset_index()
        )
        return frame[list(FRESHNESS_COLUMNS)]

    @property
    def loss_per_period(self) -> float:
        """What each period of age costs, in the metric's units (positive = worse).

        The least-squares slope, through the origin, of each stateless model's
        gap to the freshest model (see :attr:`freshness`) on the periods of
        age beyond the first; NaN when every model in service was fresh.
        """
        t = self.table[self.table["strategy"] == "stateless"]
        fresh = t[t["staleness"] == 1].groupby("period")["value"].first()
        gap = t["value"].to_numpy() - fresh.reindex(t["period"]).to_numpy()
        age = t["staleness"].to_numpy(dtype="float64") - 1
        keep = np.isfinite(gap) & (age > 0)
        if not keep.any():
            return math.nan
        slope = float((gap[keep] * age[keep]).sum() / (age[keep] ** 2).sum())
        return -slope if self.higher_is_better else slope

    def chart(self) -> alt.HConcatChart:
        """The metric per period for each strategy, and the freshness panel."""
        import altair as alt

        from mlkit.charts import GREY, PALETTE, _title

        data = _chart_periods(self.table)
        data["strategy_label"] = [
            _label(s, c) for s, c in zip(data["strategy"], data["cadence"], strict=True)
        ]
        labels = list(dict.fromkeys(data["strategy_label"]))
        direction = "higher" if self.higher_is_better else "lower"
        x = _period_encoding(data["period"], list(self.periods[1:]))
        lines = (
            alt.Chart(data)
            .mark_line(point=len(self.periods) <= 40)
            .encode(
                x=x,
                y=alt.Y("value:Q", title=self.metric, scale=alt.Scale(zero=False)),
                color=alt.Color(
                    "strategy_label:N",
                    sort=labels,
                    scale=alt.Scale(domain=labels, range=list(PALETTE[: len(labels)])),
                    legend=alt.Legend(title=None, orient="bottom", columns=2),
                ),
                tooltip=[
                    alt.Tooltip("strategy_label:N", title="strategy"),
                    alt.Tooltip("period"),
                    alt.Tooltip("value:Q", format=".4g"),
                    alt.Tooltip("staleness:Q"),
                    alt.Tooltip("train_rows:Q", format=","),
                ],
            )
            .properties(
                width=380,
                height=240,
                title=_title(
                    f"{self.metric} of the model in service",
                    f"each period scored before the model learns from it; "
                    f"{direction} is better",
                ),
            )
        )
        fresh = self.freshness
        bars = (
            alt.Chart(fresh)
            .mark_bar(color=PALETTE[0])
            .encode(
                x=alt.X("staleness:O", title="age of the model in service (periods)"),
                y=alt.Y("gap:Q", title=f"{self.metric} minus the fresh model's"),
                tooltip=[
                    alt.Tooltip("staleness:O"),
                    alt.Tooltip("gap:Q", format=".4g"),
                    alt.Tooltip("value:Q", format=".4g"),
                    alt.Tooltip("evaluations:Q"),
                ],
            )
        )
        zero = (
            alt.Chart(pd.DataFrame({"zero": [0.0]}))
            .mark_rule(color=GREY)
            .encode(y="zero:Q")
        )
        loss = self.loss_per_period
        panel = (bars + zero).properties(
            width=220,
            height=240,
            title=_title(
                "The value of data freshness",
                f"about {_number(loss)} {self.metric} lost per period of age"
                if math.isfinite(loss)
                else "every model in service was fresh",
            ),
        )
        return alt.hconcat(lines, panel).properties(title=_title(self.title))

    def explain(self) -> str:
        """What the replay found, in numbers, and the book's chapter on it."""
        summary = self.to_frame()
        evaluated = len(self.periods) - 1
        best = summary.sort_values(
            "mean_value", ascending=not self.higher_is_better
        ).iloc[0]
        text = (
            f"Replayed {_plural(evaluated, 'period')} after the first, scoring each "
            f"period with the model in service before it learns from it, on "
            f"{self.metric} ({'higher' if self.higher_is_better else 'lower'} is "
            f"better). Best: {best['label']}, mean {best['mean_value']:.3f}"
        )
        never = summary[
            (summary["strategy"] == "stateless") & summary["cadence"].isna()
        ]
        if len(never) and best["label"] != "never retrain":
            baseline = float(never["mean_value"].iloc[0])
            text += (
                f", against {baseline:.3f} for never retraining (better by "
                f"{abs(best['mean_value'] - baseline):.3f})"
            )
        word = "update" if best["strategy"] == "stateful" else "retraining"
        text += (
            f", with {_plural(int(best['retrains']), word)} after the first fit, "
            f"{best['fit_seconds']:.2f} s of fitting in total. "
        )
        others = summary[summary["label"] != best["label"]]
        if len(others):
            text += (
                "Others: "
                + "; ".join(
                    f"{r.label} {r.mean_value:.3f}"
                    for r in others.itertuples(index=False)
                )
                + ". "
            )
        loss = self.loss_per_period
        if math.isfinite(loss):
            text += (
                f"Each period of age cost about {loss:.3f} {self.metric} against a model "
                "retrained just before the same period"
                + (
                    ": fresh data is worth retraining for. "
                    if loss > 0
                    else ": age did not hurt, so retraining less often would save its "
                    "cost. "
                )
            )
        text += (
            "Whether a gain pays for its compute and risk is a business decision; "
            "chapter 9 of Designing Machine Learning Systems covers how often to "
            "retrain and the value of data freshness."
        )
        return text


def simulate_retraining(
    X: Any,
    y: Any,
    periods: Any,
    *,
    make_model: Callable[[], Any],
    task: Task,
    make_incremental: Callable[[], Any] | None = None,
    metric: str | None = None,
    cadences: Sequence[int | None] = (1, 2, 4, None),
    window: int | None = None,
    random_state: Any = 0,
) -> RetrainingSimulation:
    """Replay data in the order it arrived, under several retraining strategies.

    The data are cut into periods (such as months). Each strategy starts with a
    model trained on the first period; then, for every later period in order,
    the model the strategy has in service is scored on the period's rows
    (fresh data it has not seen), and the strategy learns from them as it
    would in production:

    - **stateless retraining every k periods** (one strategy per ``k`` of
      ``cadences``): a new model from ``make_model()`` trained from scratch on
      the last ``window`` periods (all history when ``window`` is None), after
      every ``k``-th period; ``None`` in ``cadences`` is the "never retrain"
      baseline, the model trained on the first period only;
    - **stateful training** (cadence 1): one model updated with
      ``partial_fit`` on each new period's rows, which costs a fraction of a
      full retraining (chapter 9's "fine-tuning").

    Parameters
    ----------
    X : pandas.DataFrame, array-like or sparse matrix
        The features, one row per example.
    y : array-like or pandas.Series
        The labels.
    periods : array-like or pandas.Series
        The period of each row (ints, timestamps or strings that sort in
        time), which gives the order in which the data arrive. Rows of a
        period need not be contiguous.
    make_model : callable
        Returns a new, unfitted model, such as ``LogisticRegression`` or
        ``lambda: mlkit.models.ladder(...)["logistic"]``. Fitted models of the
        same training periods are shared between strategies, so the
        comparisons are paired (and each strategy is charged the fit's time).
    task : {"binary", "multiclass", "regression"}
        The task.
    make_incremental : callable, optional
        Returns a new model with ``partial_fit``, which learns the features
        of the fixed mapping below. By default ``SGDClassifier(loss="log_loss")``
        or ``SGDRegressor()``, both with a constant step, ``eta0=0.01`` (for the
        regressor, at most 0.1 over the mean squared norm of the first
        period's mapped rows, which keeps a squared loss from diverging on many
        features).
    metric : str, optional
        A name of :data:`mlkit.evaluation.METRICS` suited to the task (see
        :data:`TASK_METRICS`); by default ``"roc_auc"`` (binary),
        ``"log_loss"`` (multiclass) or ``"mae"`` (regression).
    cadences : sequence of int or None, default (1, 2, 4, None)
        Periods between stateless retrainings; None for never.
    window : int, optional
        Periods a stateless model is trained on (the newest); all history by
        default. A short window forgets an old concept faster but learns from
        fewer rows.
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the incremental updates (the order of rows in each pass, and
        the default SGD model). The seed of ``make_model``'s models is yours to
        set.

    Returns
    -------
    RetrainingSimulation
        ``.table`` (one row per strategy and period), ``.to_frame()`` (one row
        per strategy), ``.freshness``, ``.loss_per_period``, ``.chart()``,
        ``.explain()``.

    Raises
    ------
    MlkitTypeError
        ``make_model`` or ``make_incremental`` not callable, a model without
        ``fit``/``predict`` (or ``partial_fit`` for the incremental one),
        periods that cannot be ordered.
    MlkitValueError
        ``y`` or ``periods`` of another length than ``X`` or with missing
        values, a single period, a metric unknown or unsuited to the task, a
        bad cadence or window, or a training set with a single class.

    Notes
    -----
    The stateful model learns on a **fixed feature mapping**: the first step
    of ``make_model()`` when it is a scikit-learn ``Pipeline`` of two steps or
    more (the preprocessor, such as :func:`mlkit.features.make_preprocessor`),
    or the first such step among the members of an ensemble (a voting or
    stacking model, as the ladder's "averaging"), otherwise a
    ``StandardScaler``, fitted once on the first period and never
    refitted, since changing the features would invalidate what the model has
    learned. Categories or words first seen later fall into the mapping's
    unknown or infrequent bucket. Each update makes :data:`INCREMENTAL_EPOCHS`
    passes over the period's rows, shuffled with ``random_state``; the classes
    of the whole of ``y`` are given to the first ``partial_fit``, as a
    production system knows its label set in advance.

    The value of a period is computed from the model's predictions as
    :func:`mlkit.evaluation.score` computes it (the positive class of a binary
    task is the larger label). Each row's ``staleness`` counts periods, not
    units of time: a cadence of 2 serves models aged 1 and 2 in turn.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> week = np.repeat(np.arange(8), 100)
    >>> X = rng.normal(size=(800, 3))
    >>> y = X @ [1.0, 2.0, 0.0] + week * X[:, 2] + rng.normal(size=800)  # drifts
    >>> sim = simulate_retraining(X, y, week, make_model=Ridge, task="regression",
    ...                           cadences=(1, 4, None), window=2)
    >>> sim.to_frame()[["label", "mean_value", "retrains"]].round(2)
                         label  mean_value  retrains
    0     retrain every period   1.46         6
    1  retrain every 4 periods   2.24         1
    2            never retrain   3.43         0
    3      incremental updates   1.16         6
    >>> sim.freshness[["staleness", "gap"]].round(2).head(3)
       staleness   gap
    0          1  0.00
    1          2  0.38
    2          3  1.08
    """
    check_choice(task, ("binary", "multiclass", "regression"), "task")
    make_model = _check_factory(make_model, "make_model")
    if make_incremental is not None:
        make_incremental = _check_factory(make_incremental, "make_incremental")
    metric = _check_metric(metric, task)
    window = _check_window(window, "window")
    if isinstance(cadences, (str, bytes)) or not isinstance(cadences, Sequence):
        raise MlkitTypeError(
            with_hint(
                CADENCE_ERROR.format(got=cadences),
                "pass a list, such as cadences=(1, 2, 4, None).",
            )
        )
    steps: list[int | None] = []
    for cadence in cadences:
        if cadence is not None:
            cadence = _check_int(
                cadence, "cadences", CADENCE_ERROR, "cadences=(1, 2, 4, None)"
            )
        if cadence not in steps:
            steps.append(cadence)
    rng = check_random_state(random_state)
    stream = _stream(X, y, periods, task)
    T = len(stream)
    higher = metric not in _LOWER_IS_BETTER

    cache: dict[tuple[int, int], tuple[Any, float, int]] = {}
    values: dict[tuple[int, int, int], float] = {}

    def fitted(first: int, last: int) -> tuple[Any, float, int]:
        if (first, last) not in cache:
            cache[(first, last)] = _fit(make_model, stream, first, last)
        return cache[(first, last)]

    def value(first: int, last: int, t: int) -> float:
        key = (first, last, t)
        if key not in values:
            values[key] = _evaluate(fitted(first, last)[0], stream, t, metric)
        return values[key]

    records = []
    for cadence in steps:
        trained_through, charged = 0, True
        for t in range(1, T):
            first = _span(trained_through, window)
            _, seconds, rows = fitted(first, trained_through)
            records.append(
                (
                    t,
                    "stateless",
                    cadence,
                    value(first, trained_through, t),
                    t - trained_through,
                    rows,
                    seconds if charged else 0.0,
                )
            )
            charged = cadence is not None and t % cadence == 0
            if charged:
                trained_through = t

    incremental = _Incremental(make_model, make_incremental, stream, task, rng)
    seconds = incremental.learn(0)
    for t in range(1, T):
        records.append(
            (
                t,
                "stateful",
                1,
                incremental.evaluate(t, metric),
                1,
                incremental.rows_seen,
                seconds,
            )
        )
        if t < T - 1:
            seconds = incremental.learn(t)
    table = pd.DataFrame(records, columns=list(SIMULATION_COLUMNS))
    table["period"] = stream.labels.take(table["period"].to_numpy())
    table["cadence"] = table["cadence"].astype("Int64")
    return RetrainingSimulation(
        table=table,
        metric=metric,
        higher_is_better=higher,
        task=task,
        window=window,
        periods=tuple(stream.labels),
    )


# --------------------------------------------------------------------------- champion


def _period_name(value: Any) -> str:
    """A period as text that a design log accepts in an experiment's name."""
    if isinstance(value, pd.Timestamp):
        text = value.strftime(
            "%Y-%m-%d" if value == value.normalize() else "%Y-%m-%dT%H-%M-%S"
        )
    else:
        text = str(value)
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", text).strip("-") or "period"


def _check_min_improvement(value: Any) -> float:
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not number or not math.isfinite(value):
        raise (MlkitValueError if number else MlkitTypeError)(
            with_hint(
                MIN_IMPROVEMENT_ERROR.format(got=value),
                "pass the smallest gain worth a deployment, in the metric's units, "
                "such as 0.005 for half a point of ROC-AUC; 0 promotes any "
                "significant gain.",
            )
        )
    return float(value)


def _check_log(log: Any) -> DesignLog | None:
    if log is None:
        return None
    from mlkit.design import DesignLog

    if not isinstance(log, DesignLog):
        raise MlkitTypeError(
            with_hint(
                LOG_ERROR.format(got=type(log).__name__),
                "pass the iteration's log, such as log=mk.design.DesignLog(case.name), "
                "or leave it out.",
            )
        )
    return log


@dataclass(frozen=True, repr=False)
class ChampionChallenger(Result):
    """The update loop replayed: challengers tested against the champion each period.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per evaluated period (every period after the first), with
        :data:`CHAMPION_COLUMNS`: ``period``; ``champion`` (the model in
        service during the period: ``"initial"``, trained on the first period,
        or the name of a promoted challenger); ``challenger``
        (``"challenger.<period>"``, trained on the periods before this one;
        missing when it would be trained on the champion's own data, as for
        the first evaluated period); ``champion_value`` and
        ``challenger_value`` (the metric of each on the period's rows, which
        neither has seen); ``difference`` (the challenger's improvement,
        positive when it is better: challenger minus champion for a metric
        where higher is better, champion minus challenger for an error or a
        loss); ``low`` and ``high`` (the ``alpha`` and ``1 - alpha`` quantiles
        of the paired bootstrap draws of the difference); ``p_value`` (of the
        one-sided test that the improvement is at most ``min_improvement``);
        ``decision`` (``"promoted"``: the challenger serves from the next
        period on, or ``"kept champion"``); ``deployed_value`` (the metric of
        the model in service during the period, which is the champion: the
        series a production monitor records); ``first_champion_value`` (what
        the first model would have scored, had it never been replaced);
        ``mcnemar_p_value`` (exact McNemar test of the two models' right and
        wrong rows, for ``metric="accuracy"``; NaN otherwise).
    metric : str
        The metric's name.
    higher_is_better : bool
        Whether a larger value of the metric is better.
    alpha : float
        Level of the one-sided test.
    min_improvement : float
        The improvement a challenger must exceed, in the metric's units.
    n_bootstrap : int
        Bootstrap draws per comparison.
    train_window : int or None
        Periods a challenger is trained on; None for all history.
    periods : tuple
        Every period in order, the first (training only) included.
    """

    title: ClassVar[str] = "Continual learning: champion against challengers"
    table: pd.DataFrame
    metric: str
    higher_is_better: bool
    alpha: float
    min_improvement: float
    n_bootstrap: int
    train_window: int | None
    periods: tuple[Any, ...]

    @property
    def promotions(self) -> list[Any]:
        """The periods whose challenger was promoted (it serves from the next one)."""
        t = self.table
        return t.loc[t["decision"] == "promoted", "period"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def chart(self) -> alt.VConcatChart:
        """Champion and challenger per period, and the interval of the difference.

        Top: the metric of the champion in service, of each challenger and of
        the first champion had it never been replaced; dashed rules mark the
        periods whose challenger was promoted. Bottom: the challenger's
        improvement with its interval, against the minimum improvement.
        """
        import altair as alt

        from mlkit.charts import GREY, PALETTE, _title

        t = _chart_periods(self.table)
        order = list(self.periods[1:])
        x = _period_encoding(t["period"], order)
        roles = {
            "champion_value": "champion (in service)",
            "challenger_value": "challenger",
            "first_champion_value": "first champion, never replaced",
        }
        long = t.melt(
            id_vars=["period", "decision"],
            value_vars=list(roles),
            var_name="model",
            value_name="value",
        ).dropna(subset=["value"])
        long["model"] = long["model"].map(roles)
        colour = alt.Color(
            "model:N",
            sort=list(roles.values()),
            scale=alt.Scale(
                domain=list(roles.values()), range=[PALETTE[0], PALETTE[1], GREY]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        values = (
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("value:Q", title=self.metric, scale=alt.Scale(zero=False)),
                color=colour,
                tooltip=[
                    alt.Tooltip("period"),
                    alt.Tooltip("model:N"),
                    alt.Tooltip("value:Q", format=".4g"),
                ],
            )
        )
        promoted = t[t["decision"] == "promoted"][["period"]]
        marks = (
            alt.Chart(promoted)
            .mark_rule(strokeDash=[4, 3], color=PALETTE[3])
            .encode(x=x)
        )
        direction = "higher" if self.higher_is_better else "lower"
        top = (values + marks).properties(
            width=460,
            height=220,
            title=_title(
                f"{self.metric} on each period's fresh rows",
                f"dashed: a challenger promoted ({len(promoted)}); {direction} is better",
            ),
        )
        tested = t.dropna(subset=["difference"])
        status = alt.Color(
            "decision:N",
            scale=alt.Scale(
                domain=["promoted", "kept champion"], range=[PALETTE[3], GREY]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        intervals = (
            alt.Chart(tested)
            .mark_rule(strokeWidth=2)
            .encode(x=x, y=alt.Y("low:Q"), y2="high:Q", color=status)
        )
        points = (
            alt.Chart(tested)
            .mark_point(filled=True, size=50)
            .encode(
                x=x,
                y=alt.Y("difference:Q", title="challenger's improvement"),
                color=status,
                tooltip=[
                    alt.Tooltip("period"),
                    alt.Tooltip("difference:Q", format=".4g"),
                    alt.Tooltip("low:Q", format=".4g"),
                    alt.Tooltip("high:Q", format=".4g"),
                    alt.Tooltip("p_value:Q", format=".3g"),
                    alt.Tooltip("decision:N"),
                ],
            )
        )
        floor = (
            alt.Chart(pd.DataFrame({"minimum": [self.min_improvement]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y="minimum:Q")
        )
        level = 1 - 2 * self.alpha
        bottom = (intervals + points + floor).properties(
            width=460,
            height=180,
            title=_title(
                "Improvement of each challenger over the champion",
                f"{level:.0%} paired bootstrap intervals; promoted when the lower end "
                f"is above the dashed minimum ({self.min_improvement:g})",
            ),
        )
        return (
            alt.vconcat(top, bottom)
            .resolve_scale(color="independent", x="shared")
            .properties(title=_title(self.title))
        )

    def explain(self) -> str:
        """What the loop decided and what it gained, in numbers."""
        t = self.table
        tested = t.dropna(subset=["difference"])
        promoted = self.promotions
        direction = "higher" if self.higher_is_better else "lower"
        if tested.empty:
            return (
                "No challenger was tested: the only challenger would have learnt "
                "from the champion's own period. Pass rows of three periods or more; "
                "chapter 9 of Designing Machine Learning Systems covers the update "
                "loop."
            )
        text = (
            f"{len(promoted)} of {_plural(len(tested), 'challenger')} "
            f"{'was' if len(promoted) == 1 else 'were'} promoted"
            + (
                " (at "
                + ", ".join(map(str, promoted[:6]))
                + (" ..." if len(promoted) > 6 else "")
                + ")"
                if promoted
                else ""
            )
            + f". Each was trained on the data before a period and scored with the "
            f"champion in service on that period's rows, which neither had seen; it "
            f"replaced the champion only when the lower end of the one-sided "
            f"{1 - self.alpha:.0%} paired bootstrap interval of its improvement in "
            f"{self.metric} ({direction} is better; {self.n_bootstrap:,} draws) was "
            f"above {self.min_improvement:g}. "
        )
        best = tested.loc[tested["difference"].idxmax()]
        text += (
            f"The largest improvement was {best['difference']:+.3f} at "
            f"{best['period']} (interval {best['low']:+.3f} to {best['high']:+.3f}). "
        )
        deployed = float(t["deployed_value"].mean())
        first = float(t["first_champion_value"].mean())
        text += (
            f"The model in service averaged {deployed:.3f} over "
            f"{_plural(len(t), 'period')}, against {first:.3f} for the first "
            f"champion had it never been replaced. A replay on logged data is the "
            "offline step before testing in production (shadow deployment, A/B "
            "tests, canary releases); chapter 9 of Designing Machine Learning "
            "Systems covers both."
        )
        return text


def champion_challenger(
    X: Any,
    y: Any,
    periods: Any,
    *,
    make_model: Callable[[], Any],
    task: Task,
    metric: str | None = None,
    train_window: int | None = None,
    alpha: float = 0.05,
    min_improvement: float = 0.0,
    n_bootstrap: int = 1000,
    log: DesignLog | None = None,
    random_state: Any = 0,
) -> ChampionChallenger:
    """Replay the update loop: promote a challenger only when it is better by enough.

    The champion is trained on the first period. At each later period p, in
    order:

    1. a challenger is trained with ``make_model()`` on the data up to the end
       of the period before p (or its last ``train_window`` periods);
    2. the champion and the challenger are scored on p's rows, fresh data that
       neither has seen;
    3. the challenger's improvement gets a paired bootstrap interval over the
       rows of p: each draw resamples the rows with replacement and scores
       both models on the same rows;
    4. the challenger is promoted when the ``alpha`` quantile of the draws (the
       lower end of a one-sided ``1 - alpha`` interval) is above
       ``min_improvement``, and serves from the period after p on.

    Parameters
    ----------
    X, y, periods, make_model, task
        As :func:`simulate_retraining`.
    metric : str, optional
        As :func:`simulate_retraining`.
    train_window : int, optional
        Periods a challenger is trained on (the newest); all history by default.
    alpha : float, default 0.05
        Level of the one-sided test: the chance of promoting a challenger that
        is not better by ``min_improvement`` is about ``alpha`` per comparison.
    min_improvement : float, default 0.0
        The gain in the metric's units below which a deployment is not worth
        it, such as 0.005 of ROC-AUC. A negative value promotes a challenger
        unless it is clearly worse (a newer model "as good as" the old one).
    n_bootstrap : int, default 1000
        Bootstrap draws per comparison.
    log : mlkit.design.DesignLog, optional
        A design log to write to: each comparison as an experiment named
        ``"challenger.<period>"`` (stage ``"continual_learning"``, metrics
        ``champion``, ``challenger``, ``difference``, ``low``, ``high`` and
        ``p_value``; the challenger's model and fit time), and each decision
        under the key ``"retraining.promotion"`` (choice ``"promote"`` or
        ``"keep"``, the numbers in the rationale, the promotions so far in the
        evidence). Recording the key again supersedes the earlier decision, so
        the latest holds the current state and the history holds every step.
        When the iteration sets the key (:meth:`DesignLog.start`), the set
        choice is the one acted on, as the log's contract says.
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the bootstrap. One generator, ``check_random_state``'s, draws
        every comparison in order, each as ``integers(0, n, size=(n_bootstrap,
        n))`` for a period of ``n`` rows (in blocks of rows when it is large).

    Returns
    -------
    ChampionChallenger
        ``.table`` (one row per evaluated period), ``.promotions``,
        ``.chart()``, ``.explain()``.

    Raises
    ------
    MlkitTypeError, MlkitValueError
        As :func:`simulate_retraining`; also a bad ``alpha`` (not in (0, 0.5)),
        ``min_improvement``, ``n_bootstrap``, ``train_window`` or ``log``.

    Notes
    -----
    The p-value is the share of bootstrap draws of the improvement at or below
    ``min_improvement``, counted as ``(1 + k) / (1 + draws)``; it is below
    ``alpha`` when the lower end is above the minimum, up to the interpolation
    of the quantile. Draws where the metric is undefined (a ROC-AUC of a
    resample with one class) are left out. For ``metric="accuracy"`` the table
    also gives the exact McNemar test of the rows one model gets right and the
    other wrong (two-sided, as statsmodels' ``mcnemar(exact=True)``).

    A replay is only as fair as its data: the labels of a period must be
    known by the end of it, which is rarely so for labels that take weeks to
    arrive (chapter 9's natural labels and feedback loops).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> month = np.repeat(np.arange(5), 300)
    >>> X = pd.DataFrame(rng.normal(size=(1500, 2)), columns=["a", "b"])
    >>> angle = np.where(month >= 2, np.pi / 3, 0.0)  # the concept moves in month 2
    >>> y = (X["a"] * np.cos(angle) + X["b"] * np.sin(angle) > 0).astype(int)
    >>> loop = champion_challenger(X, y, month, make_model=LogisticRegression,
    ...                            task="binary", train_window=1,
    ...                            min_improvement=0.01, n_bootstrap=200)
    >>> loop.promotions
    [3]
    >>> loop.table[["period", "champion", "difference", "decision"]].round(3)
       period      champion  difference       decision
    0       1       initial         NaN  kept champion
    1       2       initial       0.001  kept champion
    2       3       initial       0.287       promoted
    3       4  challenger.3      -0.000  kept champion
    """
    check_choice(task, ("binary", "multiclass", "regression"), "task")
    make_model = _check_factory(make_model, "make_model")
    metric = _check_metric(metric, task)
    train_window = _check_window(train_window, "train_window")
    alpha = check_number(
        alpha,
        "alpha",
        low=0,
        high=0.5,
        open_low=True,
        open_high=True,
        example="0.05 (promote when the gain is above the minimum with 95 % "
        "confidence)",
    )
    min_improvement = _check_min_improvement(min_improvement)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1, "1000")
    log = _check_log(log)
    rng = check_random_state(random_state)
    stream = _stream(X, y, periods, task)
    higher = metric not in _LOWER_IS_BETTER

    first_model = _fit(make_model, stream, 0, 0)[0]
    champion, champion_name, champion_span = first_model, "initial", (0, 0)
    promoted: list[str] = []
    records = []
    for t in range(1, len(stream)):
        label = stream.labels[t]
        rows = stream.rows(t, t)
        X_t, y_t = take_rows(stream.X, rows), stream.y[rows]
        response_a = _response(champion, X_t, y_t, metric)
        value_a = _value(metric, y_t, response_a, stream.positive)
        first_value = (
            value_a
            if champion is first_model
            else _value(
                metric,
                y_t,
                _response(first_model, X_t, y_t, metric),
                stream.positive,
            )
        )
        row = {
            "period": t,
            "champion": champion_name,
            "challenger": None,
            "champion_value": value_a,
            "challenger_value": math.nan,
            "difference": math.nan,
            "low": math.nan,
            "high": math.nan,
            "p_value": math.nan,
            "decision": "kept champion",
            "deployed_value": value_a,
            "first_champion_value": first_value,
            "mcnemar_p_value": math.nan,
        }
        span = (_span(t - 1, train_window), t - 1)
        if span == champion_span:
            # Trained on the champion's own data: nothing new to test.
            records.append(row)
            continue
        challenger, seconds, train_rows = _fit(make_model, stream, *span)
        response_b = _response(challenger, X_t, y_t, metric)
        value_b = _value(metric, y_t, response_b, stream.positive)
        draws = _paired_bootstrap(
            metric, y_t, response_a, response_b, n_bootstrap, rng, stream.positive
        )
        draws = draws[np.isfinite(draws)]
        low = high = p_value = math.nan
        if len(draws):
            low, high = (float(v) for v in np.quantile(draws, [alpha, 1 - alpha]))
            p_value = float((1 + np.sum(draws <= min_improvement)) / (1 + len(draws)))
        difference = (value_b - value_a) * (1 if higher else -1)
        promote = bool(low > min_improvement)  # False when NaN
        name = f"challenger.{_period_name(label)}"
        if log is not None:
            metrics = {
                "champion": value_a,
                "challenger": value_b,
                "difference": difference,
                "low": low,
                "high": high,
                "p_value": p_value,
            }
            log.record_experiment(
                name,
                stage="continual_learning",
                metrics=metrics,
                model=challenger,
                params={
                    "period": str(label),
                    "metric": metric,
                    "champion": champion_name,
                    "train_periods": [
                        str(stream.labels[span[0]]),
                        str(stream.labels[span[1]]),
                    ],
                    "train_rows": train_rows,
                    "test_rows": len(rows),
                    "alpha": alpha,
                    "min_improvement": min_improvement,
                    "n_bootstrap": n_bootstrap,
                },
                duration_s=seconds,
            )
            bound = "above" if promote else "not above"
            decision = log.record(
                "retraining.promotion",
                stage="continual_learning",
                question=(
                    f"Should {name}, trained on periods {stream.labels[span[0]]} to "
                    f"{stream.labels[span[1]]}, replace the champion ({champion_name}) "
                    f"after period {label}?"
                ),
                options=["promote", "keep"],
                choice="promote" if promote else "keep",
                rationale=(
                    f"On the {len(rows):,} rows of period {label}, which neither model "
                    f"had seen, {metric} was {value_b:.4f} for the challenger and "
                    f"{value_a:.4f} for the champion: an improvement of "
                    f"{difference:+.4f}, whose one-sided {1 - alpha:.0%} lower bound "
                    f"{low:+.4f} is {bound} the minimum of {min_improvement:g} "
                    f"(p = {p_value:.3g}, {n_bootstrap:,} paired bootstrap draws)."
                ),
                evidence={
                    **metrics,
                    "period": str(label),
                    "champion_name": champion_name,
                    "challenger_name": name,
                    "promotions": [*promoted, *([str(label)] if promote else [])],
                },
            )
            promote = decision.choice == "promote"
        row.update(
            challenger=name,
            challenger_value=value_b,
            difference=difference,
            low=low,
            high=high,
            p_value=p_value,
            decision="promoted" if promote else "kept champion",
        )
        if metric == "accuracy":
            row["mcnemar_p_value"] = _mcnemar(response_a, response_b)
        records.append(row)
        if promote:
            champion, champion_name, champion_span = challenger, name, span
            promoted.append(str(label))
    table = pd.DataFrame(records, columns=list(CHAMPION_COLUMNS))
    table["period"] = stream.labels.take(table["period"].to_numpy())
    table["challenger"] = (
        table["challenger"].astype("str").where(table["challenger"].notna())
    )
    return ChampionChallenger(
        table=table,
        metric=metric,
        higher_is_better=higher,
        alpha=alpha,
        min_improvement=min_improvement,
        n_bootstrap=n_bootstrap,
        train_window=train_window,
        periods=tuple(stream.labels),
    )
