"""Baselines: what a model must beat before it is worth anything.

Chapter 6 of the book starts model evaluation with baselines: a number means
little until it is compared with what random guessing, the most frequent class,
a simple heuristic and the existing solution score on the same rows.

Examples
--------
>>> import numpy as np
>>> from mlkit.evaluation import baselines
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 2)); y = (X[:, 0] > 0.5).astype(int)
>>> result = baselines(X[:100], y[:100], X[100:], y[100:], task="binary",
...                    metrics=["roc_auc", "accuracy"],
...                    heuristic=lambda X: (X[:, 0] > 0).astype(int), random_state=0)
>>> result.to_frame()["name"].tolist()
['random', 'zero_rule', 'stratified', 'heuristic']
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_number,
    check_probabilities,
    check_random_state,
    model_errors,
    n_rows,
)
from mlkit.evaluation._metrics import METRICS, expected_cost, higher_is_better

if TYPE_CHECKING:
    import altair as alt

__all__ = ["BASELINES", "KINDS", "TASK_METRICS", "Baselines", "baselines"]

Task = Literal["binary", "multiclass", "regression"]

#: The simple baselines every task gets; a regression also gets "zero_rule_median".
BASELINES: tuple[str, ...] = ("random", "zero_rule", "stratified")
#: The kinds of rows in the table, in its order.
KINDS: tuple[str, ...] = ("baseline", "heuristic", "existing", "model")
#: The metrics each task can be scored on; "expected_cost" needs ``costs``.
TASK_METRICS: Mapping[str, tuple[str, ...]] = {
    "binary": (
        "roc_auc",
        "pr_auc",
        "log_loss",
        "accuracy",
        "f1",
        "macro_f1",
        "expected_cost",
    ),
    "multiclass": ("log_loss", "accuracy", "macro_f1", "expected_cost"),
    "regression": ("mae", "rmse", "expected_cost"),
}
# Metrics read from scores (probabilities) rather than from hard predictions.
_SCORE_METRICS = frozenset({"roc_auc", "pr_auc", "log_loss"})
# Beyond this magnitude a squared error can overflow float64 (about 1.8e308).
_LARGE = 2.0**400
# Metrics that need both classes in y_test.
_TWO_CLASS_METRICS = frozenset({"roc_auc", "pr_auc"})
_COST_ARGUMENTS: Mapping[str, frozenset[str]] = {
    "binary": frozenset({"cost_fp", "cost_fn"}),
    "multiclass": frozenset({"cost_error"}),
    "regression": frozenset({"cost_over", "cost_under"}),
}
_TITLES = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "log_loss": "Log loss",
    "accuracy": "Accuracy",
    "f1": "F1",
    "macro_f1": "Macro F1",
    "mae": "Mean absolute error",
    "rmse": "Root mean squared error",
    "expected_cost": "Expected cost per prediction",
}


@dataclass
class _Entry:
    """One row of the table before it is scored."""

    name: str
    kind: str
    decision: str
    predictions: np.ndarray
    # Class probabilities, one column per class in the order of the training
    # classes; None for a regression or for rows that give labels only.
    proba: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, repr=False)
class Baselines(Result):
    """Baselines, a heuristic, an existing solution and models, on the same rows.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per entry; see :meth:`to_frame` for the columns.
    task : str
        "binary", "multiclass" or "regression".
    metrics : tuple of str
        The metric columns, in the order asked.
    positive_label : object
        The class to detect, for a binary task.
    n_test : int
        The test rows scored.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 1))
    >>> y = np.exp(X[:, 0] + rng.normal(size=300))  # skewed: the median wins on MAE
    >>> result = baselines(X[:200], y[:200], X[200:], y[200:], task="regression",
    ...                    metrics=["mae"], random_state=0)
    >>> result.to_frame()["name"].tolist()
    ['random', 'zero_rule', 'zero_rule_median', 'stratified']
    >>> result.best("mae")
    'zero_rule_median'
    """

    title: ClassVar[str] = "Baselines"
    table: pd.DataFrame
    task: str
    metrics: tuple[str, ...]
    positive_label: Any
    n_test: int

    @property
    def primary(self) -> str:
        """The metric :meth:`explain` ranks on: the expected cost if scored, else the first."""
        return "expected_cost" if "expected_cost" in self.metrics else self.metrics[0]

    def to_frame(self) -> pd.DataFrame:
        """One row per entry: the baselines, the heuristic, the existing solution, the models.

        Columns: ``name``; ``kind`` ("baseline", "heuristic", "existing" or
        "model"); ``decision`` (how the row's labels or values were made, such as
        "predict()" or "score ≥ 0.5"); one column per metric, in the metric's own
        sign (see :func:`~mlkit.evaluation.higher_is_better`), NaN where the
        row cannot be scored on it; ``note`` (why a value is missing, or what a
        baseline's scores are).
        """
        return self.table.copy()

    def best(self, metric: str | None = None, *, kind: str | None = None) -> str:
        """The name of the entry that does best on ``metric``.

        Parameters
        ----------
        metric : str, optional
            A metric of the table; by default :attr:`primary`.
        kind : str, optional
            Only rows of this kind, such as "baseline".

        Lowest for a metric where lower is better, highest otherwise; rows
        without a value are skipped; the first listed wins a tie.
        """
        metric = self.primary if metric is None else metric
        check_choice(metric, self.metrics, "metric")
        rows = self.table
        if kind is not None:
            check_choice(kind, KINDS, "kind")
            rows = rows[rows["kind"] == kind]
        values = rows[metric].dropna()
        if values.empty:
            raise MlkitValueError(
                with_hint(
                    f"'metric' must have a value in some row"
                    f"{'' if kind is None else f' of kind {kind!r}'}; got {metric!r}, "
                    "which no such row has.",
                    "ask for another metric or kind; the 'note' column says why "
                    "values are missing.",
                )
            )
        position = values.idxmax() if higher_is_better(metric) else values.idxmin()
        return str(rows.loc[position, "name"])

    def chart(self) -> alt.ConcatChart:
        """One small bar chart per metric, the best entry of each in colour."""
        from mlkit.charts import metric_panels

        lower = [m for m in self.metrics if not higher_is_better(m)]
        return metric_panels(
            self.table,
            label="name",
            metrics={m: _TITLES[m] for m in self.metrics},
            lower_is_better=lower,
            title="Baselines and models, on the same held-out rows",
            subtitle=f"{self.n_test:,} held-out rows; a model must beat every baseline",
        )

    def explain(self) -> str:
        metric = self.primary
        table = self.table.set_index("name")
        lower = not higher_is_better(metric)
        sign = -1.0 if lower else 1.0
        baseline = self.best(metric, kind="baseline")
        text = (
            f"On {metric} ({'lower' if lower else 'higher'} is better, "
            f"{self.n_test:,} held-out rows), the best simple baseline is '{baseline}' "
            f"at {table.loc[baseline, metric]:.4g}"
        )
        for kind, words in (
            ("heuristic", "the heuristic"),
            ("existing", "the existing solution"),
        ):
            for name in self.table.loc[self.table["kind"] == kind, "name"]:
                value = table.loc[name, metric]
                text += (
                    f"; {words} scores {value:.4g}"
                    if np.isfinite(value)
                    else f"; {words} has no {metric} ({table.loc[name, 'note']})"
                )
        text += ". "
        # The bar a model must clear: the best row that is not a model.
        bar_rows = self.table[self.table["kind"] != "model"]
        finite = bar_rows[metric].dropna()
        position = finite.idxmin() if lower else finite.idxmax()
        bar = str(bar_rows.loc[position, "name"])
        models = self.table.loc[self.table["kind"] == "model", "name"].tolist()
        if models:
            bar_value = table.loc[bar, metric]
            for name in models:
                value = table.loc[name, metric]
                gain = sign * (value - bar_value)
                if not np.isfinite(value):
                    text += f"Model '{name}' has no {metric}. "
                elif gain > 0:
                    text += (
                        f"Model '{name}' scores {value:.4g}, {abs(gain):.4g} better "
                        f"than '{bar}', the best entry without a model. "
                    )
                else:
                    text += (
                        f"Model '{name}' scores {value:.4g}, no better than '{bar}' "
                        f"({bar_value:.4g}): it has not earned its place. "
                    )
        else:
            text += (
                "Score your models on the same rows with models={name: model} to see "
                "whether they clear this bar. "
            )
        text += (
            "A model is worth deploying only if it beats the best of these by "
            "enough to matter: more than the noise of a test set this size, and "
            "enough to pay for building, serving and maintaining it. Random and "
            "zero-rule baselines show what comes for free (a constant score has "
            "ROC-AUC 0.5; always predicting the most frequent class scores its "
            "share in accuracy); a simple heuristic and the existing solution are "
            "the bar a new model must clear. Chapter 6 of the book, on baselines, "
            "also suggests a human baseline, which data alone cannot give."
        )
        return text


# --------------------------------------------------------------------------- checks


def _check_metrics(metrics: Any, task: str, costs: Any) -> tuple[str, ...]:
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, Iterable):
        raise MlkitTypeError(
            with_hint(
                f"'metrics' must be a list of metric names; got {metrics!r}.",
                f"pass, for example, metrics={list(TASK_METRICS[task][:2])}.",
            )
        )
    metrics = list(metrics)
    if not metrics and costs is None:
        raise MlkitValueError(
            with_hint(
                "'metrics' must name at least one metric; got none.",
                f"pass some of: {', '.join(TASK_METRICS[task])}.",
            )
        )
    known = [*METRICS, "expected_cost"]
    for metric in metrics:
        check_choice(metric, known, "metrics")
        if metric not in TASK_METRICS[task]:
            raise MlkitValueError(
                with_hint(
                    f"'metrics' has {metric!r}, which does not apply to a {task} task.",
                    f"use some of: {', '.join(TASK_METRICS[task])}.",
                )
            )
    if len(set(metrics)) != len(metrics):
        raise MlkitValueError(
            with_hint(
                f"'metrics' must list each metric once; got {metrics}.",
                "drop the repeated names.",
            )
        )
    if "expected_cost" in metrics and costs is None:
        raise MlkitValueError(
            with_hint(
                "'metrics' has 'expected_cost', but no 'costs' were given.",
                "pass costs=case.spec.costs.as_kwargs(), or drop 'expected_cost'.",
            )
        )
    if costs is not None and "expected_cost" not in metrics:
        metrics.append("expected_cost")
    return tuple(metrics)


def _check_costs(costs: Any, task: str) -> dict[str, float] | None:
    if costs is None:
        return None
    needed = _COST_ARGUMENTS[task]
    if not isinstance(costs, Mapping) or set(costs) != needed:
        got = sorted(costs) if isinstance(costs, Mapping) else type(costs).__name__
        raise MlkitValueError(
            with_hint(
                f"'costs' for a {task} task must be a dict with exactly "
                f"{', '.join(sorted(needed))}; got {got}.",
                "pass case.spec.costs.as_kwargs(), for example "
                + "{"
                + ", ".join(f"'{k}': 1.0" for k in sorted(needed))
                + "}.",
            )
        )
    for key, value in costs.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
            or value < 0
        ):
            raise (
                MlkitValueError if isinstance(value, numbers.Real) else MlkitTypeError
            )(
                with_hint(
                    "'costs' must hold finite numbers of at least 0; got "
                    f"{key}={value!r}.",
                    "pass the cost of one error in the case's unit, such as "
                    f"{key}=1.0.",
                )
            )
    return {key: float(value) for key, value in costs.items()}


def _target(values: Any, name: str, task: str, length: int) -> np.ndarray:
    array = as_1d(values, name, length=length)
    if task == "regression":
        if not np.issubdtype(array.dtype, np.number):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must hold numbers for a regression; got values of type "
                    f"{array.dtype}.",
                    "pass the numeric target, or task='binary' or 'multiclass' for "
                    "classes.",
                )
            )
        array = array.astype("float64")
        bad = ~np.isfinite(array)
        if bad.any():
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must hold a finite target in every row; got "
                    f"{int(bad.sum()):,} missing or infinite value(s).",
                    "drop the rows without a target first.",
                )
            )
        return array
    missing = pd.isna(array)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(missing.sum()):,} missing label(s).",
                "drop the rows without a label first.",
            )
        )
    return array


# --------------------------------------------------------------------------- entries


def _class_baselines(
    X_train: Any,
    y_train: np.ndarray,
    X_test: Any,
    classes: np.ndarray,
    seed: int,
) -> list[_Entry]:
    from sklearn.dummy import DummyClassifier

    k = len(classes)
    share = pd.Series(y_train).value_counts(normalize=True).max()
    specs = [
        (
            "random",
            "uniform",
            "uniform random labels",
            f"constant scores 1/{k}",
        ),
        (
            "zero_rule",
            # "prior" predicts the most frequent class, as "most_frequent" does, but
            # scores the class shares rather than a one-hot 1: the log loss of a
            # model that knows only the prior.
            "prior",
            "always the most frequent class",
            f"constant scores, the training shares (majority {share:.1%}): ROC-AUC 0.5",
        ),
        (
            "stratified",
            "stratified",
            "random labels with the training shares",
            "scores are its random guesses, 0 or 1",
        ),
    ]
    entries = []
    for name, strategy, decision, note in specs:
        dummy = DummyClassifier(strategy=strategy, random_state=seed)
        dummy.fit(X_train, y_train)
        entries.append(
            _Entry(
                name,
                "baseline",
                f"{decision} (DummyClassifier, strategy={strategy!r})",
                np.asarray(dummy.predict(X_test)),
                np.asarray(dummy.predict_proba(X_test), dtype="float64"),
                [note],
            )
        )
    return entries


def _scale(*arrays: np.ndarray) -> float:
    """1, or a power of two near the largest magnitude when squares would overflow.

    Dividing by a power of two is exact, and the mean and root mean square
    scale with it, so values near the float range are scored as they are,
    without overflow, and values of ordinary size are untouched.
    """
    largest = max((float(np.abs(a).max()) for a in arrays if len(a)), default=0.0)
    # largest < 2**exponent: scaled, every value is below 2 and 2**exponent / 2
    # is itself a float even for the largest floats.
    return 1.0 if largest <= _LARGE else math.ldexp(1.0, math.frexp(largest)[1] - 1)


def _regression_baselines(
    X_train: Any, y_train: np.ndarray, X_test: Any, n: int, seed: int
) -> list[_Entry]:
    from sklearn.dummy import DummyRegressor

    rng = np.random.default_rng(seed)
    low, high = float(y_train.min()), float(y_train.max())
    # Targets near the float range are drawn and averaged on an exact power-of-two
    # scale, where the range and the sums do not overflow.
    scale = _scale(y_train)
    drawn = rng.uniform(low / scale, high / scale, size=n) * scale
    entries = [
        _Entry(
            "random",
            "baseline",
            f"uniform in the training range [{low:.4g}, {high:.4g}]",
            np.clip(drawn, low, high),
        )
    ]
    for name, strategy in (("zero_rule", "mean"), ("zero_rule_median", "median")):
        dummy = DummyRegressor(strategy=strategy).fit(X_train, y_train / scale)
        entries.append(
            _Entry(
                name,
                "baseline",
                f"always the training {strategy} (DummyRegressor, strategy={strategy!r})",
                np.asarray(dummy.predict(X_test), dtype="float64") * scale,
            )
        )
    entries.append(
        _Entry(
            "stratified",
            "baseline",
            "values drawn from the training targets",
            rng.choice(y_train, size=n, replace=True),
        )
    )
    return entries


def _output(values: Any, argument: str, source: str, n: int) -> np.ndarray:
    """What a heuristic, an existing solution or a model gives, as an array.

    One value per test row (1-d), or one row per test row and one column per
    class (2-d); anything else is refused, naming ``argument``.
    """
    if isinstance(values, pd.DataFrame):
        values = values.iloc[:, 0] if values.shape[1] == 1 else values.to_numpy()
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as exc:
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give one value per row of 'X_test'; {source} "
                f"gives values that do not make an array ({type(exc).__name__}: "
                f"{str(exc)[:200]}).",
                "return a list, an array or a Series, one value per row of X_test.",
            )
        ) from exc
    if array.ndim not in (1, 2) or len(array) != n:
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give one value per row of 'X_test' ({n:,}); "
                f"{source} gives an array of shape {array.shape}.",
                "return one prediction per row of X_test, in the same order.",
            )
        )
    return array


def _finite_values(array: np.ndarray, argument: str, source: str) -> np.ndarray:
    """Predicted values of a regression as finite float64, or an error."""
    if array.ndim != 1:
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give one number per row of 'X_test'; {source} "
                f"gives an array of shape {array.shape}.",
                "return the predicted values as a 1-d array or a Series.",
            )
        )
    numeric = array.dtype.kind in "iuf" or (
        array.dtype.kind == "O"
        and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool)
            for v in array.tolist()
        )
    )
    if not numeric:
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give a finite number per row of 'X_test'; "
                f"{source} gives values of type {array.dtype}.",
                "return the predicted values, one number per row of X_test.",
            )
        )
    values = array.astype("float64")
    bad = ~np.isfinite(values)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give a finite number per row of 'X_test'; "
                f"{source} gives {int(bad.sum()):,} missing or infinite value(s).",
                "return a prediction for every row of X_test.",
            )
        )
    return values


def _check_proba(
    array: np.ndarray, argument: str, source: str, n: int, k: int
) -> np.ndarray:
    """One probability per test row and class, each row summing to 1, or an error."""
    if array.shape != (n, k):
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give one row per test row and one column per "
                f"class, shape ({n}, {k}); {source} gives shape {array.shape}.",
                "give class labels, the positive class's probability (binary) or "
                "one probability per class, in the order of the sorted classes.",
            )
        )
    proba = check_probabilities(array, argument, matrix=True)
    sums = proba.sum(axis=1)
    off = ~np.isclose(sums, 1.0, rtol=0, atol=1e-6)
    if off.any():
        raise MlkitValueError(
            with_hint(
                f"'{argument}' must give probabilities whose rows sum to 1; {source} "
                f"gives {int(off.sum()):,} row(s) that do not, such as one summing "
                f"to {sums[off][0]:.6g}.",
                "return model.predict_proba(X_test), or divide each row by its sum.",
            )
        )
    return proba


def _labels_outside(array: np.ndarray, classes: np.ndarray) -> list[str]:
    """The values of ``array`` that are not classes, shown, at most five."""
    try:
        inside = pd.Series(array, dtype=object).isin(classes.tolist()).to_numpy()
    except TypeError:  # unhashable values: none of them is a class
        inside = np.zeros(len(array), dtype=bool)
    outside = pd.Series(array[~inside], dtype=object).map(repr)
    return sorted(outside.unique().tolist())[:5]


def _given_entry(
    given: Any,
    name: str,
    kind: str,
    X_test: Any,
    n: int,
    task: str,
    classes: np.ndarray | None,
    positive_label: Any,
) -> _Entry:
    """The row of a heuristic or an existing solution: a callable or its output."""
    source = name
    if callable(given):
        source = f"{name}(X_test)"
        with model_errors(name, "run on 'X_test'", function=True):
            # A copy, so that a heuristic that edits its input cannot edit the
            # caller's.
            values = given(X_test.copy() if hasattr(X_test, "copy") else X_test)
    else:
        values = given
    array = _output(values, name, source, n)
    if task == "regression":
        return _Entry(name, kind, "values given", _finite_values(array, name, source))
    assert classes is not None
    if array.ndim == 2:
        proba = _check_proba(array, name, source, n, len(classes))
        return _Entry(
            name,
            kind,
            "the class of highest score",
            classes[proba.argmax(axis=1)],
            proba,
        )
    unknown = _labels_outside(array, classes)
    if not unknown:
        return _Entry(
            name,
            kind,
            "labels given",
            array,
            notes=["labels only: metrics that need scores are missing"],
        )
    # Booleans and complex numbers are not scores.
    if task == "binary" and array.dtype.kind in "iuf":
        score = check_probabilities(array, name, matrix=True)
        other = classes[classes != positive_label][0]
        proba = np.column_stack([1 - score, score])
        if classes[1] != positive_label:
            proba = proba[:, ::-1]
        return _Entry(
            name,
            kind,
            "score ≥ 0.5",
            np.where(score >= 0.5, positive_label, other),
            proba,
        )
    raise MlkitValueError(
        with_hint(
            f"'{name}' must give class labels or scores; {source} gives values that "
            f"are not classes of 'y_train': {', '.join(unknown)}.",
            f"return labels among {classes.tolist()}"
            + (
                ", or the probability of the positive class in [0, 1]."
                if task == "binary"
                else ", or one probability per class."
            ),
        )
    )


def _model_entry(
    name: str,
    model: Any,
    X_test: Any,
    n: int,
    task: str,
    classes: np.ndarray | None,
    needs_scores: bool,
) -> _Entry:
    if not hasattr(model, "predict"):
        raise MlkitTypeError(
            with_hint(
                f"'models' has {name!r}, a {type(model).__name__} without predict.",
                "pass fitted estimators, for example {'logistic': model.fit(X, y)}.",
            )
        )
    source = f"models[{name!r}].predict(X_test)"
    # A copy, so that a model that edits its input cannot edit the caller's.
    rows = X_test.copy() if hasattr(X_test, "copy") else X_test
    with model_errors("models", f"predict on 'X_test' (model {name!r})"):
        raw = model.predict(rows)
    predictions = _output(raw, "models", source, n)
    if task == "regression":
        return _Entry(
            name, "model", "predict()", _finite_values(predictions, "models", source)
        )
    assert classes is not None
    if predictions.ndim != 1:
        raise MlkitValueError(
            with_hint(
                f"'models' must give one label per row of 'X_test'; {source} gives "
                f"an array of shape {predictions.shape}.",
                "pass a classifier whose predict returns one label per row.",
            )
        )
    unknown = _labels_outside(predictions, classes)
    if unknown:
        raise MlkitValueError(
            with_hint(
                f"'models' must predict classes of 'y_train' "
                f"({', '.join(map(repr, classes.tolist()))}); {source} gives "
                f"{', '.join(unknown)}.",
                "fit the model on the same training labels.",
            )
        )
    proba = None
    if needs_scores:
        if not hasattr(model, "predict_proba"):
            raise MlkitTypeError(
                with_hint(
                    f"'models' has {name!r}, a {type(model).__name__} without "
                    "predict_proba, which the metrics that need scores use.",
                    "wrap it in sklearn.calibration.CalibratedClassifierCV, or ask "
                    "only for metrics of labels (accuracy, f1, macro_f1).",
                )
            )
        model_classes = getattr(model, "classes_", None)
        if model_classes is None or np.ndim(model_classes) != 1:
            raise MlkitTypeError(
                with_hint(
                    f"'models' has {name!r}, a {type(model).__name__} without "
                    "classes_, which names the columns of predict_proba.",
                    "pass a fitted scikit-learn classifier.",
                )
            )
        model_classes = np.asarray(model_classes).tolist()
        missing = [c for c in classes.tolist() if c not in model_classes]
        extra = [c for c in model_classes if c not in classes.tolist()]
        if missing or extra:
            raise MlkitValueError(
                with_hint(
                    f"'models' has {name!r}, whose classes {model_classes} differ from "
                    f"those of 'y_train' {classes.tolist()}"
                    + (f": it lacks {missing}" if missing else "")
                    + (f"{'' if missing else ':'} it adds {extra}" if extra else "")
                    + ".",
                    "fit the model on the same training labels.",
                )
            )
        with model_errors("models", f"predict_proba on 'X_test' (model {name!r})"):
            raw = model.predict_proba(rows)
        source = f"models[{name!r}].predict_proba(X_test)"
        scores = _check_proba(
            _output(raw, "models", source, n), "models", source, n, len(classes)
        )
        proba = scores[:, [model_classes.index(c) for c in classes.tolist()]]
    return _Entry(name, "model", "predict()", predictions, proba)


# --------------------------------------------------------------------------- scores


def _score(
    entry: _Entry,
    metric: str,
    y_test: np.ndarray,
    task: str,
    classes: np.ndarray | None,
    positive_label: Any,
    costs: dict[str, float] | None,
) -> float:
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        f1_score,
        log_loss,
        mean_absolute_error,
        roc_auc_score,
        root_mean_squared_error,
    )

    predicted = entry.predictions
    if task == "regression":
        scale = _scale(y_test, predicted)
        truth, guess = y_test / scale, predicted / scale
        if metric == "mae":
            value = float(mean_absolute_error(truth, guess)) * scale
        elif metric == "rmse":
            value = float(root_mean_squared_error(truth, guess)) * scale
        else:
            value = expected_cost(truth, guess, **costs) * scale
        if not math.isfinite(value):
            largest = max(np.abs(y_test).max(), np.abs(predicted).max())
            argument = "costs" if metric == "expected_cost" else "y_test"
            raise MlkitValueError(
                with_hint(
                    f"'{argument}' must keep the {metric} of row {entry.name!r} "
                    "within the float range (about 1.8e308); got targets and "
                    f"predictions up to {largest:.3g}"
                    + (f" and costs {costs}" if argument == "costs" else "")
                    + ".",
                    "express the target"
                    + (" and the costs" if argument == "costs" else "")
                    + " in a larger unit, such as thousands or millions.",
                )
            )
        return value
    if metric in _SCORE_METRICS and entry.proba is None:
        return math.nan
    assert classes is not None
    if task == "binary":
        truth = y_test == positive_label
        flagged = predicted == positive_label
        score = (
            entry.proba[:, classes.tolist().index(positive_label)]
            if (entry.proba is not None)
            else None
        )
        if metric == "roc_auc":
            return float(roc_auc_score(truth, score))
        if metric == "pr_auc":
            return float(average_precision_score(truth, score))
        if metric == "log_loss":
            return float(log_loss(truth, score, labels=[False, True]))
        if metric == "f1":
            return float(f1_score(truth, flagged, zero_division=0.0))
        if metric == "expected_cost":
            return expected_cost(truth.astype(int), flagged.astype(int), **costs)
    elif metric == "log_loss":
        return float(log_loss(y_test, entry.proba, labels=classes))
    elif metric == "expected_cost":
        return expected_cost(y_test, predicted, **costs)
    if metric == "accuracy":
        return float(accuracy_score(y_test, predicted))
    return float(f1_score(y_test, predicted, average="macro", zero_division=0.0))


# --------------------------------------------------------------------------- function


def baselines(
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    task: Task,
    metrics: Any,
    heuristic: Callable[[Any], Any] | Any = None,
    existing: Callable[[Any], Any] | Any = None,
    models: Mapping[str, Any] | None = None,
    costs: Mapping[str, float] | None = None,
    positive_label: Any = 1,
    threshold: float | None = None,
    random_state: Any = None,
) -> Baselines:
    """Score simple baselines, a heuristic, the existing solution and models alike.

    Every row is scored on the same test rows and metrics:

    - ``"random"``: for classes, a label drawn uniformly (scikit-learn's
      ``DummyClassifier(strategy="uniform")``, whose scores are the constant
      1 / number of classes); for a regression, a value drawn uniformly in the
      training target's range.
    - ``"zero_rule"``: the most frequent training class, with the training
      class shares as constant scores (``DummyClassifier(strategy="prior")``:
      the labels of ``"most_frequent"``, and the log loss of a model that knows
      only the prior; a constant score has ROC-AUC 0.5); for a regression, the
      training mean, and ``"zero_rule_median"`` the training median
      (``DummyRegressor``).
    - ``"stratified"``: labels drawn with the training class shares
      (``DummyClassifier(strategy="stratified")``, whose scores are its random
      guesses, 0 or 1); for a regression, values drawn from the training
      targets.
    - ``"heuristic"`` and ``"existing"``: what ``heuristic`` and ``existing``
      give, if given.
    - one row per entry of ``models``.

    Parameters
    ----------
    X_train, y_train : array-like
        The training set; the baselines learn only from ``y_train``.
    X_test, y_test : array-like
        The test set every row is scored on; ``X_test`` is what a heuristic, the
        existing solution and the models receive.
    task : {"binary", "multiclass", "regression"}
        The case's task, ``case.spec.task``.
    metrics : sequence of str
        Names from :data:`~mlkit.evaluation.METRICS` that apply to the task (see
        :data:`TASK_METRICS`), and "expected_cost" with ``costs``.
    heuristic, existing : callable or array-like, optional
        A simple rule the case supplies, and the solution in use today: a
        function ``f(X_test)`` returning its output, or the output itself. For
        classes, the output is labels (scored only on metrics of labels: the
        metrics that need scores are NaN, with a note), the probability of
        ``positive_label`` (binary, in [0, 1], decided at 0.5), or one
        probability per class, in the order of the sorted training classes.
        Output made only of class labels counts as labels. For a regression, the
        predicted values.
    models : dict of str to estimator, optional
        Fitted estimators to score in the same table, by name. Metrics that need
        scores use ``predict_proba``, so a classifier without it is refused.
    costs : dict, optional
        The keyword arguments of :func:`~mlkit.evaluation.expected_cost` for the
        task, ``case.spec.costs.as_kwargs()``; given, an "expected_cost" column
        is added.
    positive_label : object, default 1
        The class to detect, for a binary task: the class whose probability
        ROC-AUC, PR-AUC and log loss read, and whose errors F1 and the expected
        cost count.
    threshold : float, optional
        Binary task: the probability of ``positive_label`` from which a model, or
        a heuristic or existing solution that gives scores, flags a row; models
        then need ``predict_proba``. Set it to the threshold the decision will
        use, such as the one of least cost, ``case.spec.costs.decision_threshold``.
        By default models flag as ``predict()`` does and given scores at 0.5. The
        baselines keep their own labels (a constant score at any threshold would
        flag all or nothing).
    random_state : None, int or numpy.random.Generator
        Seed of the random baselines. An int is passed as it is to each
        ``DummyClassifier``, so that ``DummyClassifier(strategy=...,
        random_state=seed)`` reproduces its row.

    Returns
    -------
    Baselines
        ``.to_frame()``, ``.best(metric)``, ``.chart()`` and ``.explain()``.

    Notes
    -----
    Metrics of labels (accuracy, F1, macro F1, expected cost) score each row's
    labels as its ``decision`` column says: ``predict()`` for models and
    baselines, which for a probabilistic binary classifier flags at 0.5; labels
    as given; or a given probability of at least 0.5. With unequal costs, 0.5 is
    rarely the threshold of least cost: :func:`~mlkit.evaluation.cost_threshold`
    finds that threshold from a model's scores. F1 of a row that flags nothing
    is 0 (scikit-learn's ``zero_division=0``). Chapter 6 of the book covers
    baselines.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3)); y = np.where(X[:, 0] + X[:, 1] > 1, "spam", "ham")
    >>> model = LogisticRegression().fit(X[:300], y[:300])
    >>> result = baselines(X[:300], y[:300], X[300:], y[300:], task="binary",
    ...                    metrics=["pr_auc"], models={"logistic": model},
    ...                    costs={"cost_fp": 1, "cost_fn": 5}, positive_label="spam",
    ...                    random_state=0)
    >>> result.to_frame().columns.tolist()
    ['name', 'kind', 'decision', 'pr_auc', 'expected_cost', 'note']
    >>> result.to_frame().set_index("name")["pr_auc"].round(2).to_dict()
    {'random': 0.2, 'zero_rule': 0.2, 'stratified': 0.21, 'logistic': 0.98}
    >>> result.best("expected_cost")
    'logistic'
    """
    check_choice(task, tuple(TASK_METRICS), "task")
    costs = _check_costs(costs, task)
    metrics = _check_metrics(metrics, task, costs)
    n_train = n_rows(X_train, "X_train")
    n_test = n_rows(X_test, "X_test")
    y_tr = _target(y_train, "y_train", task, n_train)
    y_te = _target(y_test, "y_test", task, n_test)
    rng = check_random_state(random_state)
    seed = (
        int(random_state)
        if isinstance(random_state, (int, np.integer))
        and not isinstance(random_state, bool)
        else int(rng.integers(2**32))
    )

    classes = None
    if task != "regression":
        try:
            classes = np.unique(y_tr)
        except TypeError as exc:  # labels that do not sort, such as 1 and "a"
            raise MlkitTypeError(
                with_hint(
                    "'y_train' must hold labels of one kind (all numbers or all "
                    f"strings); got {', '.join(sorted({type(v).__name__ for v in y_tr}))}.",
                    "convert the labels to one type, for example y.astype(str).",
                )
            ) from exc
        if task == "binary" and len(classes) != 2:
            raise MlkitValueError(
                with_hint(
                    f"'y_train' must hold two classes for a binary task; got "
                    f"{len(classes)}: {', '.join(map(repr, classes[:5].tolist()))}.",
                    "pass task='multiclass', or group the classes into two.",
                )
            )
        if len(classes) < 2:
            raise MlkitValueError(
                with_hint(
                    "'y_train' must hold at least two classes; got a single class "
                    f"({classes[0]!r}).",
                    "use a training set that holds every class.",
                )
            )
        if task == "binary" and positive_label not in classes.tolist():
            raise MlkitValueError(
                with_hint(
                    f"'positive_label' is {positive_label!r}, which is not a class of "
                    f"'y_train' ({', '.join(map(repr, classes.tolist()))}).",
                    f"pass the label of the class to detect, such as positive_label="
                    f"{classes[-1]!r}.",
                )
            )
        unknown = set(pd.unique(y_te).tolist()) - set(classes.tolist())
        if unknown:
            raise MlkitValueError(
                with_hint(
                    f"'y_test' has labels that 'y_train' lacks: "
                    f"{', '.join(sorted(map(repr, unknown)))}.",
                    "split so that every class of the test set is in the training set.",
                )
            )
        two = [m for m in metrics if m in _TWO_CLASS_METRICS]
        if two and len(pd.unique(y_te)) < 2:
            raise MlkitValueError(
                with_hint(
                    f"'y_test' must hold both classes for {', '.join(two)}; got a "
                    f"single class ({pd.unique(y_te)[0]!r}).",
                    "use a larger or stratified test set.",
                )
            )

    if threshold is not None:
        threshold = check_number(
            threshold,
            "threshold",
            low=0,
            high=1,
            open_low=True,
            open_high=True,
            example="0.5",
        )
        if task != "binary":
            raise MlkitValueError(
                with_hint(
                    f"'threshold' applies to a binary task; got task={task!r}.",
                    "leave threshold=None.",
                )
            )

    if task == "regression":
        entries = _regression_baselines(X_train, y_tr, X_test, n_test, seed)
    else:
        entries = _class_baselines(X_train, y_tr, X_test, classes, seed)
    for given, name in ((heuristic, "heuristic"), (existing, "existing")):
        if given is not None:
            entries.append(
                _given_entry(
                    given, name, name, X_test, n_test, task, classes, positive_label
                )
            )
    if models is not None:
        if not isinstance(models, Mapping):
            raise MlkitTypeError(
                with_hint(
                    f"'models' must be a dict of names to fitted estimators; got "
                    f"{type(models).__name__}.",
                    "pass, for example, models={'logistic': model}.",
                )
            )
        taken = {e.name for e in entries}
        needs_scores = threshold is not None or any(
            m in _SCORE_METRICS for m in metrics
        )
        for name, model in models.items():
            if not isinstance(name, str) or name in taken:
                raise MlkitValueError(
                    with_hint(
                        f"'models' has the name {name!r}, which is not a string or "
                        "is already a row of the table.",
                        f"name models apart from {', '.join(sorted(taken))}.",
                    )
                )
            taken.add(name)
            entries.append(
                _model_entry(name, model, X_test, n_test, task, classes, needs_scores)
            )

    if threshold is not None:
        other = classes[classes != positive_label][0]
        column = classes.tolist().index(positive_label)
        for entry in entries:
            if entry.kind != "baseline" and entry.proba is not None:
                flagged = entry.proba[:, column] >= threshold
                entry.predictions = np.where(flagged, positive_label, other)
                entry.decision = f"score ≥ {threshold:.3g}"

    rows = []
    for entry in entries:
        row: dict[str, Any] = {
            "name": entry.name,
            "kind": entry.kind,
            "decision": entry.decision,
        }
        for metric in metrics:
            row[metric] = _score(
                entry, metric, y_te, task, classes, positive_label, costs
            )
        row["note"] = "; ".join(entry.notes)
        rows.append(row)
    table = pd.DataFrame(rows)
    table[list(metrics)] = table[list(metrics)].astype("float64")
    return Baselines(
        table=table,
        task=task,
        metrics=metrics,
        positive_label=positive_label if task == "binary" else None,
        n_test=n_test,
    )
