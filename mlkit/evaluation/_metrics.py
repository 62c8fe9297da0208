"""Metrics that a case's decisions name, computed one way everywhere.

The scoping notebook records a primary metric (the expected cost of errors) and a
threshold-free secondary one (``roc_auc``, ``pr_auc``, ``log_loss`` or ``mae``);
later stages score models with them through :func:`score` and
:func:`expected_cost`, so that every notebook means the same thing by each name.

Examples
--------
>>> from mlkit.evaluation import expected_cost
>>> expected_cost([0, 1, 1, 0], [1, 1, 0, 0], cost_fp=5, cost_fn=1)
1.5
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._validation import as_1d, check_number, model_errors, n_rows

__all__ = ["METRICS", "expected_cost", "higher_is_better", "score", "suggest_metric"]

#: Below this share, the class to detect is rare enough that ROC-AUC flatters.
RARE_CLASS_SHARE = 0.2

#: Metric names used in design logs, and the scikit-learn scorer that computes each.
METRICS: Mapping[str, str] = {
    "roc_auc": "roc_auc",
    "pr_auc": "average_precision",
    "log_loss": "neg_log_loss",
    "accuracy": "accuracy",
    "f1": "f1",
    "macro_f1": "f1_macro",
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
}
_LOWER_IS_BETTER = {"log_loss", "mae", "rmse", "expected_cost"}


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` means a better model."""
    _check_metric(metric, allow_cost=True)
    return metric not in _LOWER_IS_BETTER


def suggest_metric(task: str, *, positive_rate: float | None = None) -> tuple[str, str]:
    """A threshold-free metric for the task, and why.

    Binary: PR-AUC when the class to detect is rarer than 20 %, because ROC-AUC
    then looks good too easily (chapter 6), ROC-AUC otherwise. Multiclass: log
    loss, which rewards the calibrated probabilities a cost-based decision needs.
    Regression: the mean absolute error, in the target's own unit.

    Examples
    --------
    >>> suggest_metric("binary", positive_rate=0.02)[0]
    'pr_auc'
    """
    if task == "binary":
        number = isinstance(positive_rate, numbers.Real) and not isinstance(
            positive_rate, bool
        )
        if not number or not 0 <= positive_rate <= 1:
            raise (
                MlkitValueError if number or positive_rate is None else MlkitTypeError
            )(
                with_hint(
                    f"'positive_rate' must be a share in [0, 1] for a binary task; got "
                    f"{positive_rate!r}.",
                    "pass the share of rows in the class to detect, such as "
                    "positive_rate=float((y == 1).mean()).",
                )
            )
        rare = min(positive_rate, 1 - positive_rate)
        if rare < RARE_CLASS_SHARE:
            return "pr_auc", (
                f"The class to detect is {positive_rate:.1%} of the rows: with a rare "
                "class, ROC-AUC looks good too easily; PR-AUC shows the precision paid "
                "for recall."
            )
        return "roc_auc", (
            f"The class to detect is {positive_rate:.1%} of the rows, not rare: ROC-AUC "
            "measures how well the model ranks positives above negatives."
        )
    if task == "multiclass":
        return "log_loss", (
            "The decision rule needs probabilities; log loss rewards calibrated ones."
        )
    if task == "regression":
        return "mae", "The mean absolute error reads in the target's own unit."
    raise MlkitValueError(
        with_hint(
            f"'task' must be 'binary', 'multiclass' or 'regression'; got {task!r}.",
            "pass the case's spec.task, such as task='binary'.",
        )
    )


def _check_metric(metric: Any, *, allow_cost: bool = False) -> None:
    known = [*METRICS, *(["expected_cost"] if allow_cost else [])]
    if not isinstance(metric, str) or metric not in known:
        raise MlkitValueError(
            with_hint(
                f"'metric' must be one of {', '.join(known)}; got {metric!r}.",
                "use the names the scoping notebook records, such as metric='roc_auc'.",
            )
        )


def score(estimator: Any, X: Any, y: Any, metric: str) -> float:
    """``metric`` of a fitted ``estimator`` on ``X``, ``y``, in the metric's own sign.

    Uses scikit-learn's scorer for the metric, so a log loss or a mean absolute
    error comes back positive (lower is better, see :func:`higher_is_better`). For
    ``roc_auc``, ``pr_auc`` and ``f1`` the positive class is the larger label:
    encode a binary target as 0/1 (or False/True) first.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.arange(20).reshape(-1, 1); y = (X[:, 0] > 9).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> score(model, X, y, "roc_auc")
    1.0
    """
    from sklearn.metrics import get_scorer

    _check_metric(metric)
    n = n_rows(X, "X")
    target = as_1d(y, "y", length=n)
    missing = pd.isna(target)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'y' has {int(missing.sum()):,} missing value(s).",
                "drop the rows without a target (from X too) first.",
            )
        )
    if target.dtype.kind in "fc" and not np.isfinite(target).all():
        raise MlkitValueError(
            with_hint(
                "'y' has infinite values.", "drop or clip the infinite targets first."
            )
        )
    if metric in ("roc_auc", "pr_auc") and len(pd.unique(target)) < 2:
        raise MlkitValueError(
            with_hint(
                f"'y' holds a single class, and {metric} needs both; got "
                f"{len(pd.unique(target))} distinct value(s).",
                "score on a larger or stratified sample that holds both classes.",
            )
        )
    with model_errors("estimator", f"be scored with {metric} on 'X' and 'y'"):
        value = float(get_scorer(METRICS[metric])(estimator, X, y))
    return -value if METRICS[metric].startswith("neg_") else value


def expected_cost(
    y_true: Any,
    y_pred: Any,
    *,
    cost_fp: float | None = None,
    cost_fn: float | None = None,
    cost_over: float | None = None,
    cost_under: float | None = None,
    cost_error: float | None = None,
) -> float:
    """Average business cost per prediction.

    Binary decisions (0/1 or False/True) take ``cost_fp`` and ``cost_fn``; numeric
    predictions take ``cost_over`` and ``cost_under`` per unit of error; class
    predictions of a multiclass task take ``cost_error`` per mistake.

    Examples
    --------
    >>> expected_cost([10, 10], [12, 7], cost_over=1, cost_under=3)
    5.5
    >>> expected_cost(["a", "b", "c"], ["a", "c", "c"], cost_error=20)
    6.666666666666667
    """
    truth = as_1d(y_true, "y_true")
    predicted = as_1d(y_pred, "y_pred", length=len(truth))
    if len(truth) == 0:
        raise MlkitValueError(with_hint("'y_true' is empty.", "pass at least one row."))
    costs = {
        name: value
        for name, value in (
            ("cost_fp", cost_fp),
            ("cost_fn", cost_fn),
            ("cost_over", cost_over),
            ("cost_under", cost_under),
            ("cost_error", cost_error),
        )
        if value is not None
    }
    given = set(costs)
    if given not in (
        {"cost_fp", "cost_fn"},
        {"cost_over", "cost_under"},
        {"cost_error"},
    ):
        raise MlkitValueError(
            with_hint(
                "'cost_fp' and 'cost_fn', 'cost_over' and 'cost_under', or "
                f"'cost_error' must be given, the costs of one kind of task; got "
                f"{sorted(given) or 'none'}.",
                "binary: cost_fp and cost_fn; regression: cost_over and cost_under; "
                "multiclass: cost_error.",
            )
        )
    costs = {
        name: check_number(value, name, low=0, example="1.0")
        for name, value in costs.items()
    }
    for values, name in ((truth, "y_true"), (predicted, "y_pred")):
        missing = pd.isna(values)
        if missing.any():
            raise MlkitValueError(
                with_hint(
                    f"'{name}' has {int(missing.sum()):,} missing value(s).",
                    "drop the rows without a label or prediction (from both) first.",
                )
            )
    if given == {"cost_fp", "cost_fn"}:
        values = set(pd.unique(truth).tolist()) | set(pd.unique(predicted).tolist())
        if not all(isinstance(v, numbers.Number) and v in (0, 1) for v in values):
            shown = sorted(map(repr, values))[:5]
            raise MlkitValueError(
                with_hint(
                    f"'y_true' and 'y_pred' must be 0/1 with cost_fp and cost_fn; got "
                    f"values {', '.join(shown)}.",
                    "encode the class to detect as 1 (y == positive_label).",
                )
            )
        truth, predicted = truth.astype(bool), predicted.astype(bool)
        fp = np.count_nonzero(predicted & ~truth)
        fn = np.count_nonzero(~predicted & truth)
        return float((fp * costs["cost_fp"] + fn * costs["cost_fn"]) / len(truth))
    if given == {"cost_over", "cost_under"}:
        error = _numbers(predicted, "y_pred") - _numbers(truth, "y_true")
        with np.errstate(over="ignore", invalid="ignore"):
            # Errors beyond the float range are infinite, and so is their cost.
            value = (
                costs["cost_over"] * np.clip(error, 0, None)
                + costs["cost_under"] * np.clip(-error, 0, None)
            ).mean()
        return float(value)
    return float(costs["cost_error"] * np.mean(_equal(truth, predicted) == 0))


def _numbers(values: np.ndarray, name: str) -> np.ndarray:
    """Finite float64 values, or an error naming ``name``."""
    if values.dtype == bool or values.dtype.kind not in "iuf":
        try:
            floats = np.asarray(values, dtype="float64")
        except (TypeError, ValueError):
            floats = None
        if floats is None or any(isinstance(v, (bool, str)) for v in values[:100]):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must hold numbers with cost_over and cost_under; got "
                    f"values of type {values.dtype}.",
                    "pass the numeric target and predictions, or the costs of "
                    "classes: cost_fp and cost_fn, or cost_error.",
                )
            )
    else:
        floats = values.astype("float64")
    if not np.isfinite(floats).all():
        raise MlkitValueError(
            with_hint(f"'{name}' has infinite values.", "drop or clip them first.")
        )
    return floats


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise ``a == b`` for labels of any type, as a bool array."""
    try:
        equal = np.asarray(a == b)
    except (TypeError, ValueError):
        equal = None
    if equal is None or equal.shape != a.shape:
        equal = np.asarray(a.astype(object) == b.astype(object))
    return equal.astype(bool)
