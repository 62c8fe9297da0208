"""Behavioural tests: how a model's predictions react to changes of its input.

Chapter 6 of the book, after CheckList (Ribeiro et al., 2020), tests a model as
one tests software: a **perturbation test** adds small noise that should not
change the decision, an **invariance test** changes what must not matter (a
sensitive attribute, a typo), and a **directional expectation test** changes
what should move the prediction one way. Each returns a :class:`BehaviourTest`
with the share of rows that failed and the failing rows themselves.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LinearRegression
>>> from mlkit.evaluation import directional_test
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"rooms": rng.integers(1, 6, 200), "age": rng.uniform(0, 50, 200)})
>>> price = 50 * X["rooms"] - X["age"] + rng.normal(0, 5, 200)
>>> model = LinearRegression().fit(X, price)
>>> directional_test(model, X, column="rooms", change=1, expect="increase").passed
True
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_columns,
    check_frame,
    check_int,
    check_number,
    check_random_state,
    model_errors,
    n_rows,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "MAX_CHART_POINTS",
    "TEXT_EDITS",
    "BehaviourTest",
    "directional_test",
    "invariance_test",
    "perturb_text",
    "perturbation_test",
]

#: The edits of :func:`perturb_text`.
TEXT_EDITS: tuple[str, ...] = ("typo", "case", "punctuation", "whitespace")
#: Points drawn by :meth:`BehaviourTest.chart`, at most; every failure first.
MAX_CHART_POINTS = 1000
# Distinct values an invariance test tries when none are given, at most.
_MAX_VALUES = 20

_CHAPTER = {
    "perturbation": "perturbation tests",
    "invariance": "invariance tests",
    "directional": "directional expectation tests",
}


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class BehaviourTest(Result):
    """The outcome of a behavioural test: the share of rows that failed, and which.

    Attributes
    ----------
    name : str
        What was tested, such as "invariance to 'sex'".
    kind : str
        "perturbation", "invariance" or "directional".
    passed : bool
        Whether ``rate <= tolerance``.
    rate : float
        The share of rows that failed.
    tolerance : float
        The largest share of failing rows that passes.
    n : int
        Rows tested.
    change : str
        The change made to the input, in words.
    criterion : str
        What counts as a failure, in words.
    failures : pandas.DataFrame
        The failing rows; see :meth:`to_frame`.
    comparison : pandas.DataFrame
        One row per tested row, on the index of ``X``: ``prediction_before``,
        ``prediction_after``, ``score_before``, ``score_after`` (NaN for a
        classifier without ``predict_proba``) and ``failed``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X[:, 0] > 0).astype(int)
    >>> tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    >>> result = invariance_test(tree, X, column=1, values=[-3.0, 3.0])
    >>> result.kind, result.n, 0 <= result.rate <= 1
    ('invariance', 300, True)
    """

    title: ClassVar[str] = "Behavioural test"
    name: str
    kind: str
    passed: bool
    rate: float
    tolerance: float
    n: int
    change: str
    criterion: str
    failures: pd.DataFrame
    comparison: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The failing rows, one per row of ``X`` that failed, on its index.

        For each changed column ``c``: ``c_before`` and ``c_after`` (the value
        given and the value tested; of the change that moved the prediction
        most, when several were tried). Then ``prediction_before`` and
        ``prediction_after`` (what ``predict`` returns) and, for a classifier
        with ``predict_proba``, ``score_before`` and ``score_after``: the
        probability of the class predicted for the original row, or of the
        positive class in a directional test. Columns of an array ``X`` are
        named ``x0``, ``x1``, ...
        """
        return self.failures.copy()

    def _display_frame(self) -> pd.DataFrame:
        # A test that passed with no failure still says what it checked.
        if len(self.failures):
            return self.failures
        return pd.DataFrame(
            {
                "test": [self.name],
                "rows": [self.n],
                "failed": [0],
                "tolerance": [self.tolerance],
                "passed": [self.passed],
            }
        )

    def chart(self) -> alt.LayerChart | alt.Chart:
        """Each row's prediction before and after the change, failures in colour.

        A scatter of scores (the prediction of a regression, a probability of a
        classifier) on at most :data:`MAX_CHART_POINTS` rows, every failure
        first; rows on the diagonal did not move. For a classifier without
        ``predict_proba``, the rows per predicted class, failed or passed.
        """
        from mlkit.charts import before_after_chart, distribution

        frame = self.comparison
        subtitle = (
            f"{self.rate:.1%} of {self.n:,} rows failed; tolerance "
            f"{self.tolerance:.1%}: {'passed' if self.passed else 'failed'}"
        )
        if len(frame) > MAX_CHART_POINTS:
            failed = np.flatnonzero(frame["failed"].to_numpy())
            kept = np.flatnonzero(~frame["failed"].to_numpy())
            rng = np.random.default_rng(0)
            take = min(len(failed), MAX_CHART_POINTS)
            rows = np.concatenate(
                [
                    rng.choice(failed, take, replace=False),
                    rng.choice(kept, MAX_CHART_POINTS - take, replace=False),
                ]
            )
            frame = frame.iloc[np.sort(rows)]
            subtitle += f"; {MAX_CHART_POINTS:,} rows drawn, every failure first"
        if frame["score_before"].isna().all():
            return distribution(
                frame["prediction_before"].astype("str").rename("predicted class"),
                by=frame["failed"].map({True: "failed", False: "passed"}).rename("row"),
                title=f"{_capital(self.name)}: {subtitle}",
            )
        return before_after_chart(
            frame.reset_index(drop=True),
            x="score_before",
            y="score_after",
            flag="failed",
            tooltip=["prediction_before", "prediction_after"],
            title=_capital(self.name),
            subtitle=subtitle,
            x_title="before the change",
            y_title="after the change",
        )

    def explain(self) -> str:
        failed = round(self.rate * self.n)
        text = (
            f"{_capital(self.name)}: {self.criterion} for {failed:,} of "
            f"{self.n:,} rows ({self.rate:.1%}) when {self.change}, against a "
            f"tolerance of {self.tolerance:.1%}, so the test "
            f"{'passed' if self.passed else 'failed'}. "
        )
        if self.kind == "perturbation":
            text += (
                "Inputs in production are noisy: a model whose decisions flip under "
                "noise this small is fragile, and its accuracy on clean test data "
                "overstates what users will see. "
            )
            if not self.passed:
                text += (
                    "Look at the failing rows: near the decision boundary some flips "
                    "are unavoidable; many suggest a model too complex for its data. "
                    "Regularise it, train on noisy copies of the rows, or prefer a "
                    "smoother model. "
                )
        elif self.kind == "invariance":
            text += (
                "What must not matter, such as a sensitive attribute or a typo, "
                "should leave the prediction as it is. "
            )
            if not self.passed:
                text += (
                    "The model uses this input: drop it from the features (and "
                    "check other features that stand in for it), or train on "
                    "copies of the rows with the input changed. Chapter 11 of the "
                    "book covers fairness, under responsible AI. "
                )
        else:
            text += (
                "Where domain knowledge says which way a change must move the "
                "prediction, a model that moves the other way has learned something "
                "spurious. "
            )
            if not self.passed:
                text += (
                    "Look for a confounder in the training data, and consider a "
                    "monotonic constraint, such as the monotonic_cst of scikit-learn's "
                    "HistGradientBoosting models. "
                )
        text += (
            f"Chapter 6 of the book covers {_CHAPTER[self.kind]}, in its section on "
            "model offline evaluation."
        )
        return text


# --------------------------------------------------------------------------- helpers


class _Model:
    """A fitted model's predictions, with the checks mlkit's errors need."""

    def __init__(self, model: Any) -> None:
        if not hasattr(model, "predict"):
            raise MlkitTypeError(
                with_hint(
                    f"'model' must be a fitted estimator with predict; got "
                    f"{type(model).__name__}.",
                    "pass a fitted scikit-learn estimator or Pipeline.",
                )
            )
        self.model = model
        self.classes = (
            np.asarray(model.classes_) if hasattr(model, "classes_") else None
        )
        self.has_proba = hasattr(model, "predict_proba")

    def predict(self, X: Any, n: int, rows: str = "'X'") -> np.ndarray:
        with model_errors("model", f"predict on {rows}"):
            predictions = np.asarray(self.model.predict(X))
        if predictions.ndim == 2 and predictions.shape[1] == 1:
            predictions = predictions[:, 0]
        if predictions.shape != (n,):
            raise MlkitValueError(
                with_hint(
                    f"'model' returned predictions of shape {predictions.shape} for "
                    f"{n:,} rows of {rows}; one prediction per row is needed.",
                    "pass a model whose predict returns one value per row, such as "
                    "a scikit-learn classifier or regressor of one target.",
                )
            )
        return predictions

    def proba(self, X: Any, n: int, rows: str = "'X'") -> np.ndarray:
        with model_errors("model", f"predict_proba on {rows}"):
            proba = np.asarray(self.model.predict_proba(X))
        width = len(self.classes) if self.classes is not None else None
        if proba.ndim != 2 or proba.shape[0] != n or proba.shape[1] != width:
            raise MlkitValueError(
                with_hint(
                    f"'model' returned probabilities of shape {proba.shape} for "
                    f"{n:,} rows of {rows}; one column per class of model.classes_ "
                    f"({width}) is needed.",
                    "pass a fitted scikit-learn classifier, whose predict_proba "
                    "has one column per class.",
                )
            )
        try:
            return proba.astype("float64")
        except (TypeError, ValueError) as exc:
            raise MlkitTypeError(
                with_hint(
                    f"'model' returned probabilities of type {proba.dtype} on {rows}.",
                    "pass a classifier whose predict_proba returns numbers.",
                )
            ) from exc

    def is_classifier(self, predictions: np.ndarray) -> bool:
        return self.classes is not None or not (
            np.issubdtype(predictions.dtype, np.number)
            and not np.issubdtype(predictions.dtype, np.bool_)
        )

    def require_proba(self, why: str) -> None:
        if not self.has_proba or self.classes is None:
            raise MlkitTypeError(
                with_hint(
                    f"'model' ({type(self.model).__name__}) has no predict_proba, which "
                    f"{why}.",
                    "wrap the model in sklearn.calibration.CalibratedClassifierCV, or "
                    "use one with predict_proba.",
                )
            )


def _as_input(X: Any) -> pd.DataFrame | np.ndarray:
    import scipy.sparse as sp

    if isinstance(X, pd.DataFrame):
        return check_frame(X, "X")
    if sp.issparse(X):
        raise MlkitTypeError(
            with_hint(
                "'X' is a sparse matrix; behavioural tests change columns of a table.",
                "pass the rows before they are encoded, as a DataFrame, with a "
                "Pipeline that encodes them.",
            )
        )
    n_rows(X, "X")
    return np.asarray(X)


#: How the changed rows are named in the errors of a model that cannot take them.
_NOISY = "'X' with noise added"
_CHANGED = "the changed rows of 'X'"


def _check_tolerance(tolerance: Any) -> float:
    return check_number(tolerance, "tolerance", low=0, high=1, example="0.05")


def _label(X: Any, column: Any) -> str:
    return str(column) if isinstance(X, pd.DataFrame) else f"x{column}"


def _check_column(X: Any, column: Any, name: str = "column") -> None:
    if isinstance(X, pd.DataFrame):
        check_columns(X, [column], name)
        return
    width = X.shape[1]
    if (
        isinstance(column, bool)
        or not isinstance(column, numbers.Integral)
        or not 0 <= column < width
    ):
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be a column position from 0 to {width - 1} of the "
                f"array 'X'; got {column!r}.",
                "pass a position such as 0, or X as a DataFrame to name columns.",
            )
        )


def _column(X: Any, column: Any) -> pd.Series:
    if isinstance(X, pd.DataFrame):
        return X[column]
    return pd.Series(X[:, column], name=f"x{column}")


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )


def _replace(X: Any, changes: dict[Any, Any]) -> Any:
    """A copy of ``X`` with the columns in ``changes`` replaced, row by row."""
    if isinstance(X, pd.DataFrame):
        out = X.copy()
        for column, values in changes.items():
            out[column] = (
                values.set_axis(out.index)
                if isinstance(values, pd.Series)
                else np.asarray(values)
            )
        return out
    arrays = {c: np.asarray(v) for c, v in changes.items()}
    dtype = np.result_type(X.dtype, *(a.dtype for a in arrays.values()))
    out = np.array(X, dtype=dtype)
    for column, values in arrays.items():
        out[:, column] = values
    return out


def _changed_values(
    X: Any, column: Any, function: Callable, source: str
) -> pd.Series | np.ndarray:
    """``function`` of the column ``column`` of ``X``: one value per row, checked."""
    n = len(X)
    with model_errors(
        source, f"change the column {_label(X, column)!r}", function=True
    ):
        values = function(_column(X, column).copy())
    shape = np.shape(values)
    if shape != (n,) or isinstance(values, pd.DataFrame):
        raise MlkitValueError(
            with_hint(
                f"'{source}' returned "
                + (f"{shape[0]:,} values" if len(shape) == 1 else f"shape {shape}")
                + f" for {n:,} rows of 'X'; one value per row is needed.",
                "return the changed column: one value per row, such as "
                "lambda s: s * 2.",
            )
        )
    return values if isinstance(values, pd.Series) else np.asarray(values)


class _Worst:
    """For each row, the change that failed it, or moved it most.

    A failure outranks a move that passes; between two of the same standing,
    the larger move wins.
    """

    def __init__(self, n: int) -> None:
        self.failed = np.zeros(n, dtype=bool)
        self.move = np.full(n, -np.inf)
        self.after: np.ndarray | None = None
        self.score = np.full(n, np.nan)
        self.values: dict[Any, np.ndarray] = {}

    def update(
        self,
        failed: np.ndarray,
        move: np.ndarray,
        after: np.ndarray,
        score: np.ndarray,
        values: dict[Any, Any],
    ) -> None:
        better = (failed & ~self.failed) | (
            (failed == self.failed) & (move > self.move)
        )
        if self.after is None:
            self.after = after.astype(object)
            self.values = {
                c: np.asarray(v, dtype=object).copy() for c, v in values.items()
            }
        self.failed = np.where(better, failed, self.failed)
        self.move = np.where(better, move, self.move)
        self.after[better] = after[better]
        self.score = np.where(better, score, self.score)
        for column, v in values.items():
            self.values[column][better] = np.asarray(v, dtype=object)[better]


def _result(
    *,
    kind: str,
    name: str,
    X: Any,
    columns: Sequence[Any],
    before: np.ndarray,
    score_before: np.ndarray,
    worst: _Worst,
    tolerance: float,
    change: str,
    criterion: str,
    classifier_scores: bool,
) -> BehaviourTest:
    n = len(before)
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(n, name="row")
    comparison = pd.DataFrame(
        {
            "prediction_before": before,
            "prediction_after": worst.after,
            "score_before": score_before.astype("float64"),
            "score_after": worst.score.astype("float64"),
            "failed": worst.failed,
        },
        index=index,
    )
    # The changed predictions were gathered as objects; give them back their type.
    comparison["prediction_after"] = _same_type(
        comparison["prediction_after"], comparison["prediction_before"].dtype
    )
    failed = worst.failed
    parts: dict[str, Any] = {}
    for column in columns:
        label = _label(X, column)
        parts[f"{label}_before"] = _column(X, column).to_numpy()[failed]
        parts[f"{label}_after"] = worst.values[column][failed]
    parts["prediction_before"] = comparison["prediction_before"].to_numpy()[failed]
    parts["prediction_after"] = comparison["prediction_after"].to_numpy()[failed]
    if classifier_scores:
        parts["score_before"] = comparison["score_before"].to_numpy()[failed]
        parts["score_after"] = comparison["score_after"].to_numpy()[failed]
    failures = pd.DataFrame(parts, index=index[failed])
    for column in columns:
        label = _label(X, column)
        dtype = _column(X, column).dtype
        failures[f"{label}_before"] = _same_type(failures[f"{label}_before"], dtype)
        # Noise turns whole numbers into fractions: the changed values keep their own.
        failures[f"{label}_after"] = failures[f"{label}_after"].infer_objects()
    rate = float(failed.mean())
    return BehaviourTest(
        name=name,
        kind=kind,
        passed=bool(rate <= tolerance),
        rate=rate,
        tolerance=tolerance,
        n=n,
        change=change,
        criterion=criterion,
        failures=failures,
        comparison=comparison,
    )


def _same_type(values: pd.Series, dtype: Any) -> pd.Series:
    """``values`` as ``dtype`` where they fit it, else with their inferred type."""
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values.infer_objects()


def _class_positions(classes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The column of ``predict_proba`` of each label."""
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    return np.array([lookup[v] for v in labels.tolist()], dtype=int)


def _function_name(function: Any) -> str:
    # functools.partial(perturb_text, random_state=0) is named after its function.
    name = getattr(getattr(function, "func", function), "__name__", "")
    return name if name.isidentifier() else "a function"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _columns_text(labels: list[str]) -> str:
    shown = ", ".join(repr(c) for c in labels[:5])
    return shown + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")


# --------------------------------------------------------------------------- tests


def perturbation_test(
    model: Any,
    X: Any,
    *,
    columns: Sequence[Any] | None = None,
    scale: float = 0.05,
    n_repeats: int = 3,
    tolerance: float = 0.05,
    rtol: float = 0.25,
    random_state: Any = None,
) -> BehaviourTest:
    """Whether small noise in the numeric inputs changes the predictions.

    Each repeat adds Gaussian noise with a standard deviation of ``scale`` times
    each numeric column's own standard deviation, to every row at once. A row
    fails when, in any repeat, its predicted class changes (a classifier) or its
    prediction moves by more than ``rtol`` times the standard deviation of the
    model's predictions over ``X`` (a regression). The test passes when the
    share of failing rows is at most ``tolerance``.

    Parameters
    ----------
    model : estimator
        A fitted model with ``predict``, such as a scikit-learn Pipeline; a
        model with ``classes_`` counts as a classifier.
    X : pandas.DataFrame or 2-d array
        The rows to test, as the model takes them; never modified.
    columns : sequence, optional
        The columns to perturb; by default every numeric column (not booleans).
        Positions for an array.
    scale : float, default 0.05
        The noise's standard deviation, in units of each column's standard
        deviation; a constant column gets no noise.
    n_repeats : int, default 3
        Independent draws of noise per row.
    tolerance : float, default 0.05
        The largest share of failing rows that passes.
    rtol : float, default 0.25
        For a regression, how far a prediction may move, in units of the
        standard deviation of the predictions. A smooth model moves by about
        ``scale`` of them (a linear model, exactly so for independent columns);
        a model that jumps between neighbouring values moves by more. A
        tolerance relative to each prediction itself would fail any model on
        predictions near 0, and depend on where the target's zero lies.
    random_state : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    BehaviourTest
        ``.passed``, ``.rate``, ``.failures`` (for each failing row, the draw
        that changed it, or moved it most), ``.chart()`` and ``.explain()``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X.sum(axis=1) > 0).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> result = perturbation_test(model, X, random_state=0)
    >>> result.passed, result.rate < 0.05
    (True, True)
    """
    m = _Model(model)
    X = _as_input(X)
    n = len(X)
    tolerance = _check_tolerance(tolerance)
    scale = check_number(scale, "scale", low=0, open_low=True, example="0.1")
    rtol = check_number(rtol, "rtol", low=0, example="0.1")
    n_repeats = check_int(n_repeats, "n_repeats", 1, "3")
    all_columns = (
        list(X.columns) if isinstance(X, pd.DataFrame) else list(range(X.shape[1]))
    )
    if columns is None:
        chosen = [c for c in all_columns if _numeric(_column(X, c))]
        if not chosen:
            raise MlkitValueError(
                with_hint(
                    "'X' has no numeric column to perturb.",
                    "test text or categories with invariance_test, for example with "
                    "transform=perturb_text.",
                )
            )
    else:
        chosen = (
            [columns] if isinstance(columns, (str, numbers.Integral)) else list(columns)
        )
        if not chosen:
            raise MlkitValueError(
                with_hint(
                    "'columns' is empty.",
                    "leave it out to perturb every numeric column.",
                )
            )
        for column in chosen:
            _check_column(X, column, "columns")
        text = [c for c in chosen if not _numeric(_column(X, c))]
        if text:
            raise MlkitValueError(
                with_hint(
                    f"'columns' names non-numeric column(s) "
                    f"{_columns_text([_label(X, c) for c in text])}; noise needs numbers.",
                    "perturb text or categories with invariance_test instead.",
                )
            )
    rng = check_random_state(random_state)
    originals = {
        c: _column(X, c).to_numpy(dtype="float64", na_value=np.nan) for c in chosen
    }
    spreads = {
        c: float(np.nanstd(v, ddof=1)) if np.isfinite(v).sum() > 1 else 0.0
        for c, v in originals.items()
    }

    before = m.predict(X, n)
    classifier = m.is_classifier(before)
    with_scores = classifier and m.has_proba and m.classes is not None
    if with_scores:
        positions = _class_positions(m.classes, before)
        score_before = m.proba(X, n)[np.arange(n), positions]
    elif classifier:
        score_before = np.full(n, np.nan)
    else:
        score_before = before.astype("float64")
    allowed = rtol * float(np.std(score_before)) if not classifier else 0.0
    worst = _Worst(n)
    for _ in range(n_repeats):
        noisy = {
            c: originals[c] + rng.normal(0.0, scale * spreads[c], size=n)
            if spreads[c] > 0
            else originals[c]
            for c in chosen
        }
        noisy_X = _replace(X, noisy)
        after = m.predict(noisy_X, n, _NOISY)
        if classifier:
            failed = after != before
            if with_scores:
                score = m.proba(noisy_X, n, _NOISY)[np.arange(n), positions]
                move = np.abs(score - score_before)
            else:
                score = np.full(n, np.nan)
                move = np.zeros(n)
        else:
            score = after.astype("float64")
            move = np.abs(score - score_before)
            failed = move > allowed
        worst.update(failed, move, after, score, noisy)

    labels = [_label(X, c) for c in chosen]
    spread_text = f"{scale:g} times each column's standard deviation"
    return _result(
        kind="perturbation",
        name=f"perturbation of {len(chosen)} numeric column{'s' * (len(chosen) != 1)}",
        X=X,
        columns=chosen,
        before=before,
        score_before=score_before,
        worst=worst,
        tolerance=tolerance,
        change=(
            f"Gaussian noise of {spread_text} was added to {_columns_text(labels)} "
            f"({n_repeats} draw{'s' * (n_repeats != 1)} per row)"
        ),
        criterion=(
            "the predicted class changed"
            if classifier
            else f"the prediction moved by more than {rtol:g} times the predictions' "
            f"standard deviation ({allowed:.4g})"
        ),
        classifier_scores=with_scores,
    )


def invariance_test(
    model: Any,
    X: Any,
    *,
    column: Any,
    values: Sequence[Any] | None = None,
    transform: Callable[[pd.Series], Any] | None = None,
    tolerance: float = 0.0,
    atol: float | None = None,
) -> BehaviourTest:
    """Whether changing what must not matter leaves the predictions as they are.

    Sets ``column`` of every row to each of ``values`` in turn, or replaces it
    with ``transform`` of the column, and compares the predictions with those
    of the rows as given. A row fails when any change moves its prediction. The
    test passes when the share of failing rows is at most ``tolerance``.

    Parameters
    ----------
    model : estimator
        A fitted model with ``predict``, such as a scikit-learn Pipeline.
    X : pandas.DataFrame or 2-d array
        The rows to test; never modified.
    column : object
        The column that must not matter (a position for an array).
    values : sequence, optional
        The values to try. By default every distinct value of the column in
        ``X``, if there are at most 20.
    transform : callable, optional
        Instead of ``values``: a function of a copy of the column (a Series)
        returning its changed values, such as
        ``lambda s: perturb_text(s, random_state=0)``.
    tolerance : float, default 0.0
        The largest share of failing rows that passes.
    atol : float, optional
        How far a prediction may move. None: a classifier's predicted class
        must stay, and a regression's prediction must stay equal up to
        rounding (``numpy.isclose``'s defaults). A number: no class probability
        of a classifier may move by more (nor may its class change; this needs
        ``predict_proba``), and a regression's prediction may move at most this
        much.

    Returns
    -------
    BehaviourTest
        ``.passed``, ``.rate``, ``.failures`` (for each failing row, the change
        that moved it most), ``.chart()`` and ``.explain()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"income": rng.normal(size=300),
    ...                   "sex": rng.choice(["F", "M"], 300)})
    >>> y = (X["income"] + (X["sex"] == "M") > 0.5).astype(int)  # a biased label
    >>> model = make_pipeline(
    ...     make_column_transformer((OneHotEncoder(), ["sex"]), remainder="passthrough"),
    ...     LogisticRegression()).fit(X, y)
    >>> result = invariance_test(model, X, column="sex")
    >>> result.passed, result.rate > 0.1
    (False, True)
    >>> result.to_frame().columns.tolist()[:4]
    ['sex_before', 'sex_after', 'prediction_before', 'prediction_after']
    """
    m = _Model(model)
    X = _as_input(X)
    n = len(X)
    _check_column(X, column)
    tolerance = _check_tolerance(tolerance)
    if atol is not None:
        atol = check_number(atol, "atol", low=0, example="0.05")
    original = _column(X, column)
    label = _label(X, column)
    if values is not None and transform is not None:
        raise MlkitValueError(
            with_hint(
                "Pass 'values' or 'transform', not both.",
                "run two tests, one with each.",
            )
        )
    if transform is not None:
        if not callable(transform):
            raise MlkitTypeError(
                with_hint(
                    f"'transform' must be a function of the column; got "
                    f"{type(transform).__name__}.",
                    "pass, for example, transform=lambda s: perturb_text(s, random_state=0).",
                )
            )
        changed = _changed_values(X, column, transform, "transform")
        variants = [changed]
        change = f"'{label}' was transformed by {_function_name(transform)}"
    else:
        if values is None:
            values = pd.unique(original.dropna()).tolist()
            if len(values) > _MAX_VALUES:
                raise MlkitValueError(
                    with_hint(
                        f"'{label}' has {len(values):,} distinct values; without "
                        f"'values', at most {_MAX_VALUES} are tried.",
                        "pass the values to try, such as values=[0, 1], or a transform.",
                    )
                )
        elif isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        values = list(values)
        if not values:
            raise MlkitValueError(
                with_hint(
                    "'values' is empty.", "pass the values to try, such as ['F', 'M']."
                )
            )
        variants = []
        for value in values:
            series = pd.Series([value] * n, index=original.index, name=original.name)
            if isinstance(original.dtype, pd.CategoricalDtype):
                if value not in original.cat.categories:
                    raise MlkitValueError(
                        with_hint(
                            f"'values' has {value!r}, which is not a category of "
                            f"'{label}'.",
                            f"pass categories among {list(original.cat.categories)[:10]}.",
                        )
                    )
                series = series.astype(original.dtype)
            variants.append(series)
        shown = ", ".join(map(repr, values[:6])) + (" ..." if len(values) > 6 else "")
        change = f"'{label}' was set to each of {shown}"

    before = m.predict(X, n)
    classifier = m.is_classifier(before)
    if classifier and atol is not None:
        m.require_proba("a probability tolerance 'atol' needs")
    with_scores = classifier and m.has_proba and m.classes is not None
    if with_scores:
        positions = _class_positions(m.classes, before)
        proba_before = m.proba(X, n)
        score_before = proba_before[np.arange(n), positions]
    elif classifier:
        score_before = np.full(n, np.nan)
    else:
        score_before = before.astype("float64")
    worst = _Worst(n)
    for new in variants:
        changed_X = _replace(X, {column: new})
        after = m.predict(changed_X, n, _CHANGED)
        if classifier:
            failed = after != before
            if with_scores:
                proba_after = m.proba(changed_X, n, _CHANGED)
                score = proba_after[np.arange(n), positions]
                if atol is None:
                    move = np.abs(score - score_before)
                else:
                    move = np.abs(proba_after - proba_before).max(axis=1)
                    failed = failed | (move > atol)
            else:
                score = np.full(n, np.nan)
                move = np.zeros(n)
        else:
            score = after.astype("float64")
            move = np.abs(score - score_before)
            failed = ~np.isclose(score, score_before) if atol is None else move > atol
        worst.update(failed, move, after, score, {column: new})

    if classifier:
        criterion = (
            "the predicted class changed"
            if atol is None
            else f"the class or a class probability (by more than {atol:g}) changed"
        )
    else:
        criterion = (
            "the prediction changed"
            if atol is None
            else f"the prediction moved by more than {atol:g}"
        )
    return _result(
        kind="invariance",
        name=f"invariance to '{label}'",
        X=X,
        columns=[column],
        before=before,
        score_before=score_before,
        worst=worst,
        tolerance=tolerance,
        change=change,
        criterion=criterion,
        classifier_scores=with_scores,
    )


def directional_test(
    model: Any,
    X: Any,
    *,
    column: Any,
    change: float | Callable[[pd.Series], Any],
    expect: Literal["increase", "decrease"] = "increase",
    tolerance: float = 0.0,
    atol: float = 0.0,
    positive_label: Any = None,
) -> BehaviourTest:
    """Whether a change that should move the prediction one way never moves it the other.

    Adds ``change`` to ``column`` (or replaces the column with ``change`` of
    it) and compares each row's prediction with that of the row as given: for
    a regression the predicted value, for a classifier the probability of
    ``positive_label``. A row fails when the prediction moves against
    ``expect`` by more than ``atol``; staying put is allowed, as the
    expectation is a direction, not a size. The test passes when the share of
    failing rows is at most ``tolerance``.

    Parameters
    ----------
    model : estimator
        A fitted model with ``predict``; a classifier needs ``predict_proba``.
    X : pandas.DataFrame or 2-d array
        The rows to test; never modified.
    column : object
        The column to change (a position for an array).
    change : float or callable
        A number added to a numeric column, or a function of a copy of the
        column (a Series) returning its changed values.
    expect : {"increase", "decrease"}, default "increase"
        The direction the prediction must move in, or not against.
    tolerance : float, default 0.0
        The largest share of failing rows that passes.
    atol : float, default 0.0
        How far the prediction may move the wrong way before a row fails.
    positive_label : object, optional
        For a classifier, the class whose probability must move; by default the
        second of a binary classifier's ``classes_``.

    Returns
    -------
    BehaviourTest
        ``.passed``, ``.rate``, ``.failures``, ``.chart()`` and ``.explain()``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X[:, 0] - X[:, 1] > 0).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> directional_test(model, X, column=0, change=0.5, expect="increase").passed
    True
    >>> result = directional_test(model, X, column=1, change=0.5, expect="increase")
    >>> result.passed, result.rate
    (False, 1.0)
    """
    m = _Model(model)
    X = _as_input(X)
    n = len(X)
    _check_column(X, column)
    check_choice(expect, ("increase", "decrease"), "expect")
    tolerance = _check_tolerance(tolerance)
    atol = check_number(atol, "atol", low=0, example="0.05")
    original = _column(X, column)
    label = _label(X, column)
    if callable(change):
        new = _changed_values(X, column, change, "change")
        described = f"'{label}' was changed by {_function_name(change)}"
    elif (
        isinstance(change, numbers.Real)
        and not isinstance(change, bool)
        and math.isfinite(change)
    ):
        if not _numeric(original):
            raise MlkitValueError(
                with_hint(
                    f"'change' is a number, but '{label}' is not numeric "
                    f"({original.dtype}).",
                    "pass a function of the column as 'change', such as "
                    "change=lambda s: s.replace('basic', 'premium').",
                )
            )
        new = original + change
        described = f"{change:+g} was added to '{label}'"
    else:
        raise MlkitTypeError(
            with_hint(
                f"'change' must be a finite number or a function of the column; got "
                f"{change!r}.",
                "pass, for example, change=1, or change=lambda s: s * 1.1.",
            )
        )

    before = m.predict(X, n)
    classifier = m.is_classifier(before)
    changed_X = _replace(X, {column: new})
    after = m.predict(changed_X, n, _CHANGED)
    if classifier:
        m.require_proba("a directional test of a classifier reads")
        classes = m.classes.tolist()
        if positive_label is None:
            if len(classes) != 2:
                raise MlkitValueError(
                    with_hint(
                        f"'positive_label' is needed: the model has {len(classes)} "
                        "classes, and a directional test must know whose probability "
                        "must move.",
                        f"pass positive_label, one of {classes[:10]}.",
                    )
                )
            positive_label = classes[1]
        if positive_label not in classes:
            raise MlkitValueError(
                with_hint(
                    f"'positive_label' is {positive_label!r}, which is not a class of "
                    f"the model ({', '.join(map(repr, classes[:10]))}).",
                    f"pass one of its classes, such as {classes[-1]!r}.",
                )
            )
        position = classes.index(positive_label)
        score_before = m.proba(X, n)[:, position]
        score = m.proba(changed_X, n, _CHANGED)[:, position]
        what = f"the probability of {positive_label!r}"
    else:
        score_before = before.astype("float64")
        score = after.astype("float64")
        what = "the prediction"
    delta = score - score_before
    failed = delta < -atol if expect == "increase" else delta > atol
    worst = _Worst(n)
    worst.update(failed, np.abs(delta), after, score, {column: new})
    wrong = "decreased" if expect == "increase" else "increased"
    return _result(
        kind="directional",
        name=f"direction of '{label}'",
        X=X,
        columns=[column],
        before=before,
        score_before=score_before,
        worst=worst,
        tolerance=tolerance,
        change=described,
        criterion=f"{what} {wrong}" + (f" by more than {atol:g}" if atol else ""),
        classifier_scores=classifier,
    )


# --------------------------------------------------------------------------- text


_WORD = re.compile(r"[^\W\d_]+")
_MARKS = ".,!?;:"


def _typo(text: str, rng: np.random.Generator) -> str:
    spots = [
        i
        for i in range(len(text) - 1)
        if text[i].isalpha() and text[i + 1].isalpha() and text[i] != text[i + 1]
    ]
    if not spots:
        return text
    i = spots[rng.integers(len(spots))]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _case(text: str, rng: np.random.Generator) -> str:
    words = list(_WORD.finditer(text))
    if not words:
        return text
    word = words[rng.integers(len(words))]
    token = word.group()
    new = token.capitalize() if token.islower() else token.lower()
    return text[: word.start()] + new + text[word.end() :]


def _punctuation(text: str, rng: np.random.Generator) -> str:
    marks = [i for i, ch in enumerate(text) if ch in _MARKS]
    words = list(_WORD.finditer(text))
    if marks and (not words or rng.random() < 0.5):
        i = marks[rng.integers(len(marks))]
        return text[:i] + text[i + 1 :]
    if not words:
        return text
    word = words[rng.integers(len(words))]
    mark = "." if word is words[-1] else ","
    return text[: word.end()] + mark + text[word.end() :]


def _whitespace(text: str, rng: np.random.Generator) -> str:
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return text + " " if text else text
    i = spaces[rng.integers(len(spaces))]
    return text[:i] + " " + text[i:]


_EDITS: dict[str, Callable[[str, np.random.Generator], str]] = {
    "typo": _typo,
    "case": _case,
    "punctuation": _punctuation,
    "whitespace": _whitespace,
}


def perturb_text(
    texts: Any,
    *,
    kinds: Sequence[str] = TEXT_EDITS,
    random_state: Any = None,
) -> pd.Series:
    """Each text with one small edit that a text model should shrug off.

    Each text gets one edit of a kind drawn from ``kinds``; if that kind cannot
    change it (a text without two adjacent letters has no typo to make), the
    other kinds are tried in a random order:

    - ``"typo"``: two adjacent, different letters of a word swapped;
    - ``"case"``: one word capitalised if it is in lower case, else lowered;
    - ``"punctuation"``: one mark of ``.,!?;:`` removed, or a comma added after
      a word (a full stop after the last);
    - ``"whitespace"``: one space doubled (a space appended to a single word).

    Use it with :func:`invariance_test`:
    ``invariance_test(model, X, column="CONTENT", transform=lambda s:
    perturb_text(s, random_state=0))``.

    Parameters
    ----------
    texts : list, array or pandas.Series of str
        The texts; missing values are kept as they are.
    kinds : sequence of str
        Some of :data:`TEXT_EDITS`.
    random_state : None, int or numpy.random.Generator
        Seed of the edits: the same seed edits the same texts the same way.

    Returns
    -------
    pandas.Series
        The edited texts, on the index and with the name of ``texts`` if it is a
        Series.

    Examples
    --------
    >>> perturb_text(["Win a free prize now!", "see you at lunch"],
    ...              kinds=["typo"], random_state=0).tolist()
    ['Win a free prize onw!', 'see you at lnuch']
    """
    if isinstance(texts, pd.DataFrame):
        raise MlkitTypeError(
            with_hint(
                "'texts' must be one column of text; got a DataFrame.",
                "pass the column, such as df['CONTENT'].",
            )
        )
    if isinstance(texts, str):
        raise MlkitTypeError(
            with_hint(
                "'texts' must be several texts; got a single string.",
                "wrap it in a list: perturb_text([text]).",
            )
        )
    if isinstance(texts, pd.Series):
        series = texts
    else:
        # As objects: numpy would turn a list of texts and numbers into texts.
        items = (
            texts if isinstance(texts, np.ndarray) else np.asarray(texts, dtype=object)
        )
        series = pd.Series(as_1d(items, "texts"))
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = list(kinds)
    if not kinds:
        raise MlkitValueError(
            with_hint("'kinds' is empty.", f"pass some of: {', '.join(TEXT_EDITS)}.")
        )
    for kind in kinds:
        check_choice(kind, TEXT_EDITS, "kinds")
    rng = check_random_state(random_state)
    edited = []
    for position, text in enumerate(series.tolist()):
        if not isinstance(text, str):
            if pd.isna(text):
                edited.append(text)
                continue
            raise MlkitTypeError(
                with_hint(
                    f"'texts' must hold strings; row {position} holds "
                    f"{type(text).__name__} {text!r}.",
                    "convert the column to text first, such as s.astype(str).",
                )
            )
        new = text
        for i in rng.permutation(len(kinds)):
            new = _EDITS[kinds[i]](text, rng)
            if new != text:
                break
        edited.append(new)
    keep_dtype = isinstance(texts, pd.Series) and (
        series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
    )
    return pd.Series(
        edited,
        index=series.index,
        name=series.name,
        dtype=series.dtype if keep_dtype else None,
    )
