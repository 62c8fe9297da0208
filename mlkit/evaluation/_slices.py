"""Slice-based evaluation: metrics per slice with intervals, and a search for weak slices.

Chapter 6 of *Designing Machine Learning Systems* warns that one number over the
whole test set hides the groups a model fails: a model can beat another overall
and lose on every slice that matters (Simpson's paradox), and a minority slice can
be served badly while the average looks fine. This module holds the two tools the
chapter asks for:

- :func:`slice_metrics`: counts and metrics per slice that you define, with
  bootstrap intervals, against the metric over all rows;
- :func:`find_weak_slices`: a search over every slice of one feature value or a
  pair of them, each tested against the rows outside it, with a correction for
  testing many slices at once.

Both compute from per-slice sums over integer codes, so a million rows take
seconds, not minutes.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.evaluation import slice_metrics
>>> rng = np.random.default_rng(0)
>>> region = rng.choice(["north", "south"], 2000)
>>> y = rng.integers(0, 2, 2000)
>>> wrong = rng.random(2000) < np.where(region == "north", 0.3, 0.1)
>>> result = slice_metrics(y, np.where(wrong, 1 - y, y), slices=region,
...                        metrics=["error_rate"], random_state=0)
>>> result.to_frame().round(3).values.tolist()
[['north', 957, 0.29, 0.263, 0.318], ['south', 1043, 0.108, 0.09, 0.128]]
>>> round(float(result.overall["error_rate"]), 3)
0.196
"""

from __future__ import annotations

import itertools
import keyword
import math
import numbers
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
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
    check_confidence,
    check_frame,
    check_int,
    check_number,
    check_random_state,
)

if TYPE_CHECKING:
    import altair as alt
    import narwhals as nw

__all__ = [
    "SLICE_METRICS",
    "WEAK_SLICE_METRICS",
    "SliceMetrics",
    "WeakSlices",
    "find_weak_slices",
    "slice_metrics",
]

WeakSliceMetric = Literal[
    "error_rate", "accuracy", "mae", "squared_error", "bias", "log_loss", "brier"
]

#: Classification metrics computed from the confusion cells of each slice.
CELL_METRICS: tuple[str, ...] = (
    "accuracy",
    "error_rate",
    "precision",
    "recall",
    "f1",
    "positive_rate",
    "tpr",
    "fpr",
)
#: Metrics of how scores rank the rows; they need ``y_score``.
RANK_METRICS: tuple[str, ...] = ("roc_auc", "pr_auc")
#: Regression metrics, from the errors ``y_pred - y_true``.
REGRESSION_METRICS: tuple[str, ...] = ("mae", "rmse", "bias")
#: Every metric :func:`slice_metrics` computes.
SLICE_METRICS: tuple[str, ...] = CELL_METRICS + RANK_METRICS + REGRESSION_METRICS
#: The metrics :func:`find_weak_slices` searches on: rates, then means per row.
WEAK_SLICE_METRICS: tuple[str, ...] = (
    "error_rate",
    "accuracy",
    "mae",
    "squared_error",
    "bias",
    "log_loss",
    "brier",
)

# Metrics that need one class marked as positive.
_BINARY_METRICS = frozenset(
    ("precision", "recall", "f1", "positive_rate", "tpr", "fpr", *RANK_METRICS)
)
# Which way is worse: +1 when higher is worse, -1 when lower is worse, 0 when a
# move either way is (a bias, a share predicted positive).
_WORSE = {
    "accuracy": -1,
    "error_rate": 1,
    "precision": -1,
    "recall": -1,
    "f1": -1,
    "positive_rate": 0,
    "tpr": -1,
    "fpr": 1,
    "roc_auc": -1,
    "pr_auc": -1,
    "mae": 1,
    "rmse": 1,
    "bias": 0,
    "squared_error": 1,
    "log_loss": 1,
    "brier": 1,
}
_RATE_METRICS = frozenset(("error_rate", "accuracy"))
_SCORE_METRICS = frozenset(("log_loss", "brier"))

#: How a missing slice value is shown.
MISSING = "(missing)"
#: The most slices drawn by :meth:`SliceMetrics.chart`: the ones with most rows.
MAX_CHART_SLICES = 40
#: The most slices that are not weak drawn by :meth:`WeakSlices.chart`; every weak
#: one is drawn.
MAX_CALM_POINTS = 300
# Elements of one block of bootstrap draws: large enough for numpy to run at full
# speed, small enough (32 MB of int64) for a laptop.
_BLOCK = 1 << 22
# The largest power of two of values (2**200, about 1e60, and its inverse) whose
# errors, sizes and squares another engine sums as they are, far from the limits
# of float64; beyond, it sums errors divided by a power of two, as pandas does.
_UNSCALED = 200

# Message templates, kept here so that tests can match them.
EMPTY_ERROR = "'{name}' must hold at least one row to evaluate; got none."
MISSING_VALUES_ERROR = (
    "'{name}' must have a value on every row; got {count:,} missing value(s)."
)
UNKNOWN_METRIC_ERROR = "'metrics' must name metrics among {allowed}; got {got!r}."
MIXED_METRICS_ERROR = (
    "'metrics' must be all classification or all regression metrics; got "
    "regression metrics ({regression}) with classification ones ({classification})."
)
NEEDS_SCORE_ERROR = (
    "metric {metric!r} needs 'y_score', the model's scores; got y_score=None."
)
UNUSED_SCORE_ERROR = (
    "'y_score' is only used by {metrics}; got scores, but none of them was asked for."
)
NEEDS_PRED_ERROR = "metric {metric!r} needs 'y_pred'; got None."
BINARY_ERROR = (
    "'{name}' must hold 0/1 (or False/True) labels for {metric!r}; got values {values}."
)
NO_POSITIVE_ERROR = (
    "'positive_label' must be a label that 'y_true' or 'y_pred' holds; got "
    "{label!r}, which neither holds."
)
POSITIVE_LABEL_ERROR = (
    "'positive_label' must be one label (a number, a string or a bool); got {kind}."
)
NOT_NUMERIC_ERROR = "'{name}' must hold numbers for {metric!r}; got {kind}."
NOT_FINITE_ERROR = "'{name}' must hold finite numbers; got {count:,} infinite value(s)."
OVERFLOW_ERROR = (
    "'y_pred' must be within float64 range of 'y_true' for {metric!r}; got errors "
    "up to {largest}, too large for the {what} to fit in float64 (1.8e308)."
)
UNHASHABLE_ERROR = (
    "'{name}' must hold values that can be grouped (numbers, text, booleans, "
    "dates); got {kind} values{where}."
)
NO_SLICE_ERROR = (
    "'min_count' must be at most {largest:,}, the rows of the largest slice; got "
    "{min_count:,}, which leaves no slice to show."
)
RESERVED_ERROR = (
    "'slices' must not have a column named {name!r}, which the result uses for "
    "{use}; got one."
)
ENGINE_RANK_ERROR = (
    "'metrics' must not hold {metrics} with 'data' as a table of {engine}; got "
    "them, but they rank every row by its score, which no small aggregate of the "
    "table does."
)
ENGINE_BOOTSTRAP_ERROR = (
    "'n_bootstrap' must be 0 for {metrics} with 'data' as a table of {engine}; got "
    "{got:,}, but their intervals resample rows, which the sums per slice that the "
    "engine computes cannot."
)
MAX_FEATURES_ERROR = "'max_features' must be 1 or 2; got {got!r}."
NO_COLUMNS_ERROR = "'columns' must name at least one column of 'df'; got none."
UNSUPPORTED_COLUMN_ERROR = (
    "'columns' must name columns that can be sliced (text, categories, booleans, "
    "numbers); got {name!r}, a column of {kind} values."
)


# --------------------------------------------------------------------------- checks


def _no_missing(
    values: np.ndarray, name: str, weights: np.ndarray | None = None
) -> np.ndarray:
    """``values``, or an error naming ``name`` if one is missing; ``weights`` are
    the rows behind each value of an aggregate."""
    missing = pd.isna(values)
    if missing.any():
        count = missing.sum() if weights is None else weights[missing].sum()
        _missing_error(name, int(count))
    return values


def _missing_error(name: str, count: int) -> None:
    raise MlkitValueError(
        with_hint(
            MISSING_VALUES_ERROR.format(name=name, count=count),
            "drop the rows without a value (from every argument) first.",
        )
    )


def _numbers(values: np.ndarray, name: str, metric: str) -> np.ndarray:
    """Values as finite float64, or an error naming ``name``."""
    head = values[:100].tolist() if values.dtype == object else []
    if values.dtype == bool or any(isinstance(v, bool) for v in head):
        kind = "booleans"
    elif values.dtype.kind in "US" or any(isinstance(v, str) for v in head):
        # numpy would read "1.5" as a number; labels that are text are not.
        kind = "text"
    else:
        try:
            floats = np.asarray(values, dtype="float64")
        except (TypeError, ValueError):
            kind = f"{type(values[0]).__name__} values"
        else:
            infinite = np.isinf(floats)
            if infinite.any():
                raise MlkitValueError(
                    with_hint(
                        NOT_FINITE_ERROR.format(name=name, count=int(infinite.sum())),
                        "drop or clip the infinite values first.",
                    )
                )
            return floats
    raise MlkitTypeError(
        with_hint(
            NOT_NUMERIC_ERROR.format(name=name, metric=metric, kind=kind),
            "pass numeric values, or choose a classification metric.",
        )
    )


def _binary(
    values: np.ndarray, name: str, metric: str, positive_label: Any
) -> np.ndarray:
    """Whether each value is the positive class, as a bool array."""
    if positive_label is not None:
        return _equal(values, np.full(len(values), positive_label, dtype=object))
    try:
        seen = pd.unique(values)
        binary = set(seen.tolist()) <= {0, 1}
    except TypeError:
        # Unhashable labels (lists, dicts) are no 0/1 labels either.
        seen, binary = values, False
    if not binary:
        shown = sorted(map(repr, seen[:20].tolist()))[:5]
        raise MlkitValueError(
            with_hint(
                BINARY_ERROR.format(name=name, metric=metric, values=", ".join(shown)),
                "pass positive_label=<the class to detect>, for example "
                "positive_label='spam'.",
            )
        )
    return values.astype(bool)


def _check_positive_label(positive_label: Any) -> None:
    """Refuse a ``positive_label`` that is not one label: a list, an array, a dict."""
    try:
        hash(positive_label)
        one = np.ndim(positive_label) == 0
    except (TypeError, ValueError):
        one = False
    if not one:
        raise MlkitTypeError(
            with_hint(
                POSITIVE_LABEL_ERROR.format(kind=type(positive_label).__name__),
                "pass the class to detect itself, for example positive_label='spam'.",
            )
        )


def _scaled_errors(
    truth: np.ndarray, pred: np.ndarray, metric: str, squared: bool = False
) -> tuple[np.ndarray, int]:
    """``pred - truth`` divided by a power of two, and that power's exponent.

    Sums of errors near 1e300 (and squares of errors near 1e-200) leave float64;
    errors scaled to at most 2 in size keep every sum, mean and variance finite
    and exact to rounding, and ``np.ldexp(value, shift)`` gives the value back.
    Refused only when the metric itself, or a difference of two of its values,
    lies beyond float64 (``squared`` for a mean of squared errors).
    """
    with np.errstate(all="ignore"):
        largest = max(float(np.abs(truth).max()), float(np.abs(pred).max()))
        shift = _exponent(largest)
        error = np.ldexp(pred, -shift) - np.ldexp(truth, -shift)
    _check_reach(float(np.abs(error).max()), shift, metric, squared)
    return error, shift


def _exponent(largest: float) -> int:
    """The power of two that scales ``largest`` (a finite size) to [0.5, 1)."""
    return int(np.frexp(largest)[1]) if largest > 0 else 0


def _check_reach(top: float, shift: int, metric: str, squared: bool = False) -> None:
    """Refuse errors of largest size ``top * 2**shift`` if their metric, or a
    difference of two of its values, leaves float64 (see :func:`_scaled_errors`)."""
    with np.errstate(all="ignore"):
        # Twice the largest value: a slice's metric minus the rest must fit too.
        reach = np.ldexp(2 * top * (top if squared else 1.0), shift * (1 + squared))
    if not np.isfinite(reach):
        raise MlkitValueError(
            with_hint(
                OVERFLOW_ERROR.format(
                    metric=metric,
                    largest=f"{float(np.ldexp(top, shift)):.3g}",
                    what="squared errors"
                    if squared
                    else "difference between two slices",
                ),
                "rescale both, for example divide 'y_true' and 'y_pred' by 1e6, "
                "or use metric='mae'.",
            )
        )


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise ``a == b`` for labels of any type, as a bool array."""
    try:
        equal = np.asarray(a == b)
    except (TypeError, ValueError):
        equal = None
    if equal is None or equal.shape != a.shape:
        equal = np.asarray(a.astype(object) == b.astype(object))
    return equal.astype(bool)


def _check_metrics(metrics: Any) -> tuple[str, ...]:
    names = [metrics] if isinstance(metrics, str) else metrics
    try:
        names = list(dict.fromkeys(names))
    except TypeError:
        names = None
    allowed = "{" + ", ".join(map(repr, SLICE_METRICS)) + "}"
    if not names or any(not isinstance(m, str) for m in names):
        raise MlkitValueError(
            with_hint(
                UNKNOWN_METRIC_ERROR.format(allowed=allowed, got=metrics),
                "pass a list of names, for example metrics=['accuracy', 'recall'].",
            )
        )
    unknown = [m for m in names if m not in SLICE_METRICS]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], SLICE_METRICS, n=1)
        raise MlkitValueError(
            with_hint(
                UNKNOWN_METRIC_ERROR.format(allowed=allowed, got=unknown[0]),
                (f"did you mean {close[0]!r}? " if close else "")
                + f"the metrics are: {', '.join(SLICE_METRICS)}.",
            )
        )
    regression = [m for m in names if m in REGRESSION_METRICS]
    classification = [m for m in names if m not in REGRESSION_METRICS]
    if regression and classification:
        raise MlkitValueError(
            with_hint(
                MIXED_METRICS_ERROR.format(
                    regression=", ".join(regression),
                    classification=", ".join(classification),
                ),
                "call slice_metrics once for each kind of metric.",
            )
        )
    return tuple(names)


# --------------------------------------------------------------------------- metrics


def _from_cells(name: str, cells: np.ndarray) -> np.ndarray:
    """A metric from confusion cells on the last axis; NaN where it is undefined.

    Four cells are (TN, FP, FN, TP) of a binary task; two are (wrong, right),
    enough for accuracy and the error rate of any number of classes.
    """
    cells = cells.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        if cells.shape[-1] == 2:
            wrong, right = cells[..., 0], cells[..., 1]
            return (
                right / (wrong + right)
                if name == "accuracy"
                else wrong / (wrong + right)
            )
        tn, fp, fn, tp = (cells[..., i] for i in range(4))
        n = tn + fp + fn + tp
        if name == "accuracy":
            return (tn + tp) / n
        if name == "error_rate":
            return (fp + fn) / n
        if name == "precision":
            return tp / (tp + fp)
        if name in ("recall", "tpr"):
            return tp / (tp + fn)
        if name == "f1":
            return 2 * tp / (2 * tp + fp + fn)
        if name == "positive_rate":
            return (tp + fp) / n
        return fp / (fp + tn)  # fpr


def _from_sums(name: str, sums: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    """A regression metric from the sums of e, |e| and e² (last axis) over n rows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "bias":
            return sums[..., 0] / n
        if name == "mae":
            return sums[..., 1] / n
        return np.sqrt(sums[..., 2] / n)  # rmse


def _rank_metric(
    name: str, weights: np.ndarray, positive: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """ROC-AUC or average precision of rows sorted by score, with row weights.

    ``weights`` is (draws, rows) or (rows,), in the order of increasing score;
    ``starts`` are the first rows of each run of equal scores. Tied scores count
    half, as in scikit-learn's ``roc_auc_score``; average precision is
    scikit-learn's: the precision at each distinct score, weighted by the
    recall it adds.
    """
    weights = np.atleast_2d(weights).astype("float64")
    pos = np.add.reduceat(weights * positive, starts, axis=1)
    neg = np.add.reduceat(weights * ~positive, starts, axis=1)
    total_pos, total_neg = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "roc_auc":
            below = np.cumsum(neg, axis=1) - neg
            value = (pos * (below + neg / 2)).sum(axis=1) / (total_pos * total_neg)
            return np.where((total_pos > 0) & (total_neg > 0), value, np.nan)
        # From the highest score down: positives and negatives at or above each one.
        pos, neg = pos[:, ::-1], neg[:, ::-1]
        tp, fp = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
        precision = np.where(pos > 0, tp / np.where(tp + fp > 0, tp + fp, 1), 0.0)
        value = (pos * precision).sum(axis=1) / total_pos
        return np.where(total_pos > 0, value, np.nan)


def _score_starts(scores: np.ndarray) -> np.ndarray:
    """First positions of each run of equal values in sorted ``scores``."""
    change = np.empty(len(scores), dtype=bool)
    change[:1] = True
    np.not_equal(scores[1:], scores[:-1], out=change[1:])
    return np.flatnonzero(change)


def _quantiles(draws: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the first axis, from the draws where it is defined."""
    levels = [(1 - confidence) / 2, (1 + confidence) / 2]
    with warnings.catch_warnings():
        # A slice whose metric is undefined in every draw gets NaN, said once in
        # the docs rather than as a warning per slice.
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(draws, levels, axis=0)
    return low, high


# --------------------------------------------------------------------------- slices


def _factorize(
    series: pd.Series, name: str
) -> tuple[np.ndarray, list[Any], list[bool]]:
    """Integer codes, values and whether each is missing; sorted where they can be,
    missing values last. ``name`` is the argument named if the values cannot be
    grouped at all."""
    try:
        codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=False)
    except TypeError:
        # Values of types that cannot be ordered keep their order of appearance.
        try:
            codes, uniques = pd.factorize(series, sort=False, use_na_sentinel=False)
        except TypeError:
            kinds = {type(v).__name__ for v in series.iloc[:1000]}
            raise MlkitTypeError(
                with_hint(
                    UNHASHABLE_ERROR.format(
                        name=name,
                        kind=", ".join(sorted(kinds)[:3]),
                        where=""
                        if series.name is None
                        else f" in column {series.name!r}",
                    ),
                    "turn each value into text or a number first, for example "
                    ".astype(str).",
                )
            ) from None
    values = uniques.tolist()
    return codes.astype("int64"), values, [_is_missing(v) for v in values]


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _slice_codes(slices: Any, n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """A code per row and one row per slice with its value in each slice column."""
    if isinstance(slices, pd.DataFrame):
        if slices.shape[1] == 0:
            raise MlkitValueError(
                with_hint(
                    "'slices' must have at least one column; got a frame with none.",
                    "pass the column(s) that define the slices, for example "
                    "df[['region', 'channel']].",
                )
            )
        if len(slices) != n:
            raise MlkitValueError(
                with_hint(
                    f"'slices' must have one row per prediction, {n:,}; got "
                    f"{len(slices):,} rows.",
                    "pass one row per prediction, in the same order.",
                )
            )
        columns = [slices.iloc[:, j] for j in range(slices.shape[1])]
        names = list(slices.columns)
        twice = [c for c in dict.fromkeys(names) if names.count(c) > 1]
        if twice:
            raise MlkitValueError(
                with_hint(
                    "'slices' must have columns with distinct names; got "
                    f"{len(twice):,} name(s) used twice, such as {twice[0]!r}.",
                    "give each column its own name.",
                )
            )
    else:
        if isinstance(slices, pd.Series):
            if len(slices) != n:
                as_1d(slices, "slices", length=n)
            column = slices.reset_index(drop=True)
        else:
            column = pd.Series(as_1d(slices, "slices", length=n))
        columns = [column]
        names = [column.name if column.name is not None else "slice"]
    encoded = [
        (codes, [MISSING if gap else v for v, gap in zip(values, gaps, strict=True)])
        for codes, values, gaps in (_factorize(c, "slices") for c in columns)
    ]
    if len(encoded) == 1:
        codes, values = encoded[0]
        return codes, pd.DataFrame({names[0]: pd.Series(values, dtype=object)})
    # Combined codes in the order of the columns' values; renumbered to the
    # combinations seen whenever the next column could overflow int64.
    combined = encoded[0][0]
    size = len(encoded[0][1])
    for codes, values in encoded[1:]:
        if size * len(values) >= 2**62:
            _, combined = np.unique(combined, return_inverse=True)
            size = int(combined.max()) + 1
        combined = combined * len(values) + codes
        size *= len(values)
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    frame = pd.DataFrame(
        {
            name: pd.Series([values[i] for i in column[first]], dtype=object)
            for name, (column, values) in zip(names, encoded, strict=True)
        }
    )
    return codes.reshape(-1).astype("int64"), frame


def _percent(share: float) -> str:
    """A share as a percentage with no needless digits: 95%, 2%, 0.5%."""
    return f"{share * 100:.3g}%"


def _slice_labels(frame: pd.DataFrame) -> list[str]:
    """A short label per slice: its value, or its values joined by " · "."""
    return [" · ".join(map(str, row)) for row in frame.itertuples(index=False)]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, repr=False)
class SliceMetrics(Result):
    """Counts and metrics per slice, with bootstrap intervals, and over all rows.

    Attributes
    ----------
    by_slice : pandas.DataFrame
        One row per slice with at least ``min_count`` rows, in the order of the
        slice values: one column per slice column with its value ("(missing)"
        for a missing one), ``count``, and for each metric ``<metric>``,
        ``<metric>_low`` and ``<metric>_high`` (the interval; NaN without
        bootstrap draws or where the metric is undefined in every draw).
    overall : pandas.Series
        Each metric over all rows, slices under ``min_count`` included.
    metrics : tuple of str
        The metrics, in the order asked.
    columns : tuple
        The slice columns.
    confidence : float
        The level of the intervals.
    n_bootstrap : int
        Bootstrap draws behind the intervals.
    n_rows : int
        Rows evaluated.
    n_hidden : int
        Slices left out of ``by_slice`` for having fewer than ``min_count`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.evaluation import slice_metrics
    >>> rng = np.random.default_rng(1)
    >>> y = rng.integers(0, 2, 600)
    >>> result = slice_metrics(y, y, slices=rng.choice(["a", "b", "c"], 600),
    ...                        metrics=["accuracy", "f1"], random_state=0)
    >>> result.overall.to_dict()
    {'accuracy': 1.0, 'f1': 1.0}
    >>> list(result.to_frame().columns)
    ['slice', 'count', 'accuracy', 'accuracy_low', 'accuracy_high', 'f1', 'f1_low', 'f1_high']
    """

    title: ClassVar[str] = "Metrics per slice"
    by_slice: pd.DataFrame
    overall: pd.Series
    metrics: tuple[str, ...]
    columns: tuple[Any, ...]
    confidence: float
    n_bootstrap: int
    n_rows: int
    n_hidden: int

    def to_frame(self) -> pd.DataFrame:
        """The table per slice (see ``by_slice``)."""
        return self.by_slice.copy()

    def _order(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Slices sorted worst first on the first metric (largest first if neutral)."""
        first = self.metrics[0]
        direction = _WORSE[first] or 1
        key = frame[first] * -direction
        return frame.assign(_key=key).sort_values("_key", na_position="last")

    def chart(self) -> alt.HConcatChart:
        """Each metric per slice, a point with its interval, and the overall value as a rule.

        Slices are sorted worst first on the first metric; at most 40 are drawn,
        those with the most rows.
        """
        import altair as alt

        from mlkit.charts import _title, interval_chart

        frame = self.by_slice.assign(
            slice=_slice_labels(self.by_slice[list(self.columns)])
        )
        shown = frame
        note = ""
        if len(frame) > MAX_CHART_SLICES:
            shown = frame.nlargest(MAX_CHART_SLICES, "count", keep="first")
            note = f"; the {MAX_CHART_SLICES} largest of {len(frame):,} slices"
        order = list(self._order(shown)["slice"])
        level = _percent(self.confidence)
        panels = []
        for metric in self.metrics:
            data = shown[["slice", "count", metric, f"{metric}_low", f"{metric}_high"]]
            panels.append(
                interval_chart(
                    data,
                    x=metric,
                    y="slice",
                    low=f"{metric}_low",
                    high=f"{metric}_high",
                    reference=float(self.overall[metric]),
                    order=order,
                    title=metric,
                    subtitle=f"dashed: overall, {self.overall[metric]:.3g}",
                    tooltip=["count"],
                )
            )
        label = " · ".join(map(str, self.columns))
        intervals = (
            f"{level} bootstrap intervals ({self.n_bootstrap:,} draws)"
            if self.n_bootstrap
            else "no intervals (n_bootstrap=0)"
        )
        return alt.hconcat(*panels).properties(
            title=_title(f"Metrics per slice of {label}", intervals + note)
        )

    def explain(self) -> str:
        first = self.metrics[0]
        label = " · ".join(map(str, self.columns))
        text = (
            f"{', '.join(self.metrics)} in {len(self.by_slice):,} slices of {label} "
            f"({self.n_rows:,} rows). "
        )
        if self.n_hidden:
            text += (
                f"{self.n_hidden:,} slice(s) with too few rows are left out of the "
                "table but counted in the overall value. "
            )
        frame = self.by_slice
        overall = float(self.overall[first])
        level = _percent(self.confidence)
        if self.n_bootstrap and len(frame):
            outside = frame[
                (frame[f"{first}_low"] > overall) | (frame[f"{first}_high"] < overall)
            ]
            if len(outside):
                worst = self._order(outside).iloc[0]
                text += (
                    f"The {level} interval of {first} excludes the overall "
                    f"{overall:.3g} in {len(outside):,} slice(s), such as "
                    f"{_slice_labels(worst[list(self.columns)].to_frame().T)[0]}: "
                    f"{worst[first]:.3g} [{worst[f'{first}_low']:.3g}, "
                    f"{worst[f'{first}_high']:.3g}] on {int(worst['count']):,} rows. "
                )
            else:
                text += (
                    f"Every slice's {level} interval of {first} includes the overall "
                    f"{overall:.3g}. "
                )
        text += (
            "How to read the intervals: a slice's metric differs from the overall "
            "one only when its interval excludes the overall value; an interval that "
            "straddles it says the slice is too small to tell. Small slices have wide "
            "intervals, so a striking value on a few rows may be noise, and with many "
            "slices a few intervals exclude the overall value by chance alone "
            "(find_weak_slices tests every slice and corrects for that). The "
            "intervals resample rows within each slice (percentile bootstrap). "
            "Chapter 6 of the book (slice-based evaluation) explains why: an overall "
            "metric can hide a slice the model fails, and by Simpson's paradox a "
            "model can win overall and lose in every slice when slices weigh "
            "differently in the data."
        )
        return text


# --------------------------------------------------------------------------- compute


def _bootstrap_cells(
    cells: np.ndarray,
    metrics: Sequence[str],
    n_bootstrap: int,
    confidence: float,
    rng: np.random.Generator,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Intervals from confusion cells: resampling the rows of a slice is drawing its
    cells from a multinomial with the slice's shares, so the draws cost nothing per row.
    """
    n_slices, k = cells.shape
    sizes = cells.sum(axis=1)
    shares = cells / sizes[:, None]
    out = {m: (np.empty(n_slices), np.empty(n_slices)) for m in metrics}
    step = max(1, _BLOCK // (n_bootstrap * k))
    for start in range(0, n_slices, step):
        part = slice(start, min(start + step, n_slices))
        width = part.stop - part.start
        draws = rng.multinomial(sizes[part], shares[part], size=(n_bootstrap, width))
        for metric in metrics:
            low, high = _quantiles(_from_cells(metric, draws), confidence)
            out[metric][0][part], out[metric][1][part] = low, high
    return out


def _bootstrap_rows(
    segments: list[tuple[int, int]],
    statistic: Any,
    n_stats: int,
    n_bootstrap: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals from resampling each slice's rows: one index matrix per block of draws.

    ``statistic(s, idx)`` returns (draws, n_stats) values from an index matrix of
    rows within segment ``s``, a (first row, rows) pair of ``segments``.
    """
    low = np.full((len(segments), n_stats), np.nan)
    high = np.full((len(segments), n_stats), np.nan)
    for s, (_, size) in enumerate(segments):
        step = max(1, _BLOCK // size)
        draws = []
        for first in range(0, n_bootstrap, step):
            count = min(step, n_bootstrap - first)
            idx = rng.integers(0, size, size=(count, size))
            draws.append(statistic(s, idx))
        low[s], high[s] = _quantiles(np.concatenate(draws), confidence)
    return low, high


def _counts(
    index: np.ndarray, size: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Rows in each of ``size`` bins, as int64: one per entry of ``index``, or
    ``weights`` per entry when the entries are the groups of an aggregate."""
    if weights is None:
        return np.bincount(index, minlength=size)
    out = np.zeros(size, dtype="int64")
    np.add.at(out, index, weights)
    return out


def _check_arguments(
    names: tuple[str, ...], has_pred: bool, has_score: bool
) -> tuple[list[str], list[str], list[str]]:
    """The cell, rank and regression metrics among ``names``, with the arguments
    they need checked to be given (or, for ``y_score``, to be needed)."""
    cell_metrics = [m for m in names if m in CELL_METRICS]
    rank_metrics = [m for m in names if m in RANK_METRICS]
    regression = [m for m in names if m in REGRESSION_METRICS]
    needing = cell_metrics + regression
    if not has_pred and needing:
        raise MlkitValueError(
            with_hint(
                NEEDS_PRED_ERROR.format(metric=needing[0]),
                "pass the model's predictions as y_pred.",
            )
        )
    if rank_metrics and not has_score:
        raise MlkitValueError(
            with_hint(
                NEEDS_SCORE_ERROR.format(metric=rank_metrics[0]),
                "pass y_score=model.predict_proba(X)[:, 1], or drop that metric.",
            )
        )
    if not rank_metrics and has_score:
        raise MlkitValueError(
            with_hint(
                UNUSED_SCORE_ERROR.format(metrics=" and ".join(RANK_METRICS)),
                "drop y_score, or add 'roc_auc' or 'pr_auc' to metrics.",
            )
        )
    return cell_metrics, rank_metrics, regression


def _check_controls(
    n_bootstrap: Any,
    confidence: Any,
    min_count: Any,
    positive_label: Any,
    random_state: Any,
) -> tuple[int, float, int, np.random.Generator]:
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 0, "1000")
    confidence = check_confidence(confidence)
    min_count = check_int(min_count, "min_count", 1, "30")
    _check_positive_label(positive_label)
    return n_bootstrap, confidence, min_count, check_random_state(random_state)


def _kept(
    frame: pd.DataFrame, counts: np.ndarray, names: tuple[str, ...], min_count: int
) -> np.ndarray:
    """The slices with at least ``min_count`` rows, once the slice columns are
    checked not to clash with the columns of the result."""
    reserved = {"count": "the rows of each slice"} | {
        f"{m}{end}": "a metric" for m in names for end in ("", "_low", "_high")
    }
    clash = [c for c in frame.columns if c in reserved]
    if clash:
        raise MlkitValueError(
            with_hint(
                RESERVED_ERROR.format(name=clash[0], use=reserved[clash[0]]),
                "rename that column, for example slices.rename(columns={...}).",
            )
        )
    keep = counts >= min_count
    if not keep.any():
        raise MlkitValueError(
            with_hint(
                NO_SLICE_ERROR.format(min_count=min_count, largest=int(counts.max())),
                f"pass min_count={int(counts.max())} or less.",
            )
        )
    return np.flatnonzero(keep)


def _cells(
    truth: np.ndarray,
    pred: np.ndarray,
    codes: np.ndarray,
    n_slices: int,
    cell_metrics: list[str],
    positive_label: Any,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Confusion cells per slice, (slices, 4) for binary metrics, else (slices, 2):
    from rows, or from the groups of an aggregate with ``weights`` rows each."""
    if any(m in _BINARY_METRICS for m in cell_metrics):
        metric = next(m for m in cell_metrics if m in _BINARY_METRICS)
        if positive_label is not None and not (
            _binary(truth, "y_true", metric, positive_label).any()
            or _binary(pred, "y_pred", metric, positive_label).any()
        ):
            raise MlkitValueError(
                with_hint(
                    NO_POSITIVE_ERROR.format(label=positive_label),
                    "pass one of the labels, the class to detect.",
                )
            )
        cell = 2 * _binary(truth, "y_true", metric, positive_label).astype(
            "int64"
        ) + _binary(pred, "y_pred", metric, positive_label)
        k = 4
    else:
        cell, k = _equal(truth, pred).astype("int64"), 2
    return _counts(codes * k + cell, n_slices * k, weights).reshape(n_slices, k)


def _cell_values(
    cells: np.ndarray,
    kept: np.ndarray,
    cell_metrics: list[str],
    n_bootstrap: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, tuple]]:
    """Values, overall values and intervals of the cell metrics, from every
    slice's confusion cells."""
    total = cells.sum(axis=0)
    cells = cells[kept]
    values = {m: _from_cells(m, cells) for m in cell_metrics}
    overall = {m: float(_from_cells(m, total)) for m in cell_metrics}
    intervals = (
        _bootstrap_cells(cells, cell_metrics, n_bootstrap, confidence, rng)
        if n_bootstrap
        else {}
    )
    return values, overall, intervals


def _sum_values(
    sums: np.ndarray,
    total: np.ndarray,
    counts: np.ndarray,
    shift: int,
    kept: np.ndarray,
    regression: list[str],
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Values and overall values of the regression metrics, from every slice's
    sums of e, |e| and e² of the errors divided by ``2**shift``; every metric is
    in the errors' unit, so ldexp by ``shift`` gives it back exactly."""
    n = int(counts.sum())
    values = {
        m: np.ldexp(_from_sums(m, sums[kept], counts[kept]), shift) for m in regression
    }
    overall = {m: float(np.ldexp(_from_sums(m, total, n), shift)) for m in regression}
    return values, overall


def _result(
    names: tuple[str, ...],
    frame: pd.DataFrame,
    counts: np.ndarray,
    kept: np.ndarray,
    values: dict[str, np.ndarray],
    overall: dict[str, float],
    intervals: dict[str, tuple],
    confidence: float,
    n_bootstrap: int,
) -> SliceMetrics:
    table = frame.iloc[kept].reset_index(drop=True)
    table["count"] = counts[kept]
    nan = np.full(len(kept), np.nan)
    for metric in names:
        low, high = intervals.get(metric, (nan, nan))
        table[metric] = values[metric]
        table[f"{metric}_low"] = low
        table[f"{metric}_high"] = high
    return SliceMetrics(
        by_slice=table,
        overall=pd.Series(overall, name="overall", dtype="float64")[list(names)],
        metrics=names,
        columns=tuple(frame.columns),
        confidence=confidence,
        n_bootstrap=n_bootstrap,
        n_rows=int(counts.sum()),
        n_hidden=len(counts) - len(kept),
    )


def slice_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    slices: Any,
    metrics: str | Sequence[str] = ("accuracy",),
    y_score: Any = None,
    positive_label: Any = None,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    min_count: int = 1,
    random_state: Any = None,
    data: Any = None,
) -> SliceMetrics:
    """Counts and metrics per slice, with bootstrap intervals, and over all rows.

    Parameters
    ----------
    y_true, y_pred : array-like, pandas.Series or str
        True values and predictions, matched by position (column names with
        ``data``). ``y_pred`` may be None when every metric uses ``y_score``
        only.
    slices : array-like, pandas.Series, pandas.DataFrame, str or list of str
        What defines the slices, one row per prediction: a column (each value
        is a slice) or a frame of several columns (each combination of values
        seen is a slice); with ``data``, the name of a column or a list of
        names. A missing value is a slice of its own, "(missing)". Bin numbers
        first, for example with ``pandas.cut``.
    metrics : str or sequence of str, default ("accuracy",)
        Among :data:`SLICE_METRICS`; all classification or all regression:

        - ``"accuracy"``, ``"error_rate"``: any number of classes;
        - ``"precision"``, ``"recall"`` (= ``"tpr"``), ``"f1"``, ``"fpr"`` and
          ``"positive_rate"`` (the share predicted positive): binary, with 0/1
          labels or ``positive_label``;
        - ``"roc_auc"``, ``"pr_auc"`` (average precision): binary, from
          ``y_score``;
        - ``"mae"``, ``"rmse"``, ``"bias"`` (mean of ``y_pred - y_true``):
          regression.
    y_score : array-like or str, optional
        Scores of the positive class, for ``roc_auc`` and ``pr_auc`` (a column
        name with ``data``).
    positive_label : optional
        The class to detect, for binary metrics when labels are not 0/1.
    n_bootstrap : int, default 1000
        Bootstrap draws per slice; 0 leaves the intervals out (NaN).
    confidence : float, default 0.95
        Level of the percentile intervals, in (0, 1).
    min_count : int, default 1
        Slices with fewer rows are left out of ``by_slice`` (not of ``overall``).
    random_state : None, int or numpy.random.Generator
        Seed for the bootstrap.
    data : pandas.DataFrame or a polars, pyarrow, DuckDB or Dask table, optional
        The table that ``y_true``, ``y_pred``, ``slices`` and ``y_score`` name
        columns of. A table of another engine is aggregated where it lives (see
        Notes).

    Returns
    -------
    SliceMetrics
        ``.by_slice``, ``.overall``, ``.to_frame()``, ``.chart()``, ``.explain()``.

    Raises
    ------
    MlkitValueError, MlkitTypeError
        On inputs of different lengths, no rows, missing labels, an unknown
        metric, a binary metric on labels that are not 0/1 without
        ``positive_label``, a rank metric without ``y_score``, slice values
        that cannot be grouped (lists, dicts), errors whose metric does not
        fit in float64 (beyond about 1e308), a ``min_count`` that leaves no
        slice, names that are not columns of ``data``, or what a table of
        another engine cannot do (see Notes).

    Notes
    -----
    A metric undefined in a slice (precision with no row predicted positive,
    ROC-AUC with one class) is NaN, and its interval comes from the draws where
    it is defined. The bootstrap resamples rows within each slice, so every
    draw keeps the slice sizes. For the classification metrics, which depend on
    the confusion cells only, that is done exactly by drawing each slice's
    cells from a multinomial; for the others, rows are resampled with one index
    matrix per block of draws. Chapter 6 of the book covers slice-based
    evaluation.

    With ``data`` a polars, pyarrow, DuckDB or Dask table, the engine computes
    one group-by and only its result is brought back: for the classification
    metrics, the rows per combination of slice values, ``y_true`` and
    ``y_pred``, from which the confusion cells, values and intervals are
    finished as for pandas (the same numbers and, for the same
    ``random_state``, the same intervals); for the regression metrics, the
    rows and the sums of the errors, of their sizes and of their squares per
    slice (a second pass, on errors divided by a power of two as for pandas,
    only when the largest value is beyond about 1e60 or below 1e-60 in size). Two things need the
    rows themselves and are refused there: the rank metrics (``roc_auc``,
    ``pr_auc``), which sort every row by its score, and the intervals of the
    regression metrics, which resample rows; pass ``n_bootstrap=0`` for the
    latter, or a pandas sample of the table as ``data`` for either. Slices are
    in the order pandas gives, except that a polars ``Categorical`` column,
    whose categories have no order of the table's own, is sorted as text (as
    polars sorts it).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.evaluation import slice_metrics
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"region": rng.choice(["north", "south"], 1000),
    ...                    "age": rng.integers(18, 80, 1000)})
    >>> truth = rng.normal(50, 10, 1000)
    >>> result = slice_metrics(truth, truth + rng.normal(0, 5, 1000),
    ...     slices=pd.DataFrame({"region": df["region"],
    ...                          "older": df["age"] >= 50}),
    ...     metrics=["mae", "bias"], n_bootstrap=200, random_state=0)
    >>> result.to_frame()[["region", "older", "count"]].values.tolist()
    [['north', False, 230], ['north', True, 233], ['south', False, 283], ['south', True, 254]]
    >>> bool((result.by_slice["mae_low"] < result.by_slice["mae"]).all())
    True

    A polars table is counted by polars; the result is the one pandas gives:

    >>> import polars as pl
    >>> label = rng.integers(0, 2, 1000)
    >>> log = pl.DataFrame({"region": rng.choice(["north", "south"], 1000),
    ...                     "label": label,
    ...                     "pred": np.where(rng.random(1000) < 0.8, label, 1 - label)})
    >>> result = slice_metrics("label", "pred", slices="region", data=log,
    ...                        metrics=["accuracy", "recall"], random_state=0)
    >>> result.to_frame()[["region", "count", "accuracy"]].round(3).values.tolist()
    [['north', 481, 0.757], ['south', 519, 0.776]]
    >>> pandas_result = slice_metrics("label", "pred", slices="region",
    ...     data=log.to_pandas(), metrics=["accuracy", "recall"], random_state=0)
    >>> result.by_slice.equals(pandas_result.by_slice)
    True
    """
    names = _check_metrics(metrics)
    if data is not None:
        from mlkit._engines import engine_of, resolve

        table, given = resolve(
            data,
            {"y_true": y_true, "y_pred": y_pred, "slices": slices, "y_score": y_score},
            several=("slices",),
            required=("y_true", "slices"),
        )
        if table is not None:
            return _engine_slice_metrics(
                table,
                engine_of(data),
                given,
                slices,
                names,
                positive_label=positive_label,
                n_bootstrap=n_bootstrap,
                confidence=confidence,
                min_count=min_count,
                random_state=random_state,
            )
        y_true, y_pred, slices, y_score = (
            given[k] for k in ("y_true", "y_pred", "slices", "y_score")
        )
    truth = _no_missing(as_1d(y_true, "y_true"), "y_true")
    n = len(truth)
    if n == 0:
        raise MlkitValueError(
            with_hint(EMPTY_ERROR.format(name="y_true"), "pass at least one row.")
        )
    cell_metrics, rank_metrics, regression = _check_arguments(
        names, y_pred is not None, y_score is not None
    )
    pred = (
        None
        if y_pred is None
        else _no_missing(as_1d(y_pred, "y_pred", length=n), "y_pred")
    )
    n_bootstrap, confidence, min_count, rng = _check_controls(
        n_bootstrap, confidence, min_count, positive_label, random_state
    )
    codes, frame = _slice_codes(slices, n)
    n_slices = len(frame)
    counts = np.bincount(codes, minlength=n_slices)
    kept = _kept(frame, counts, names, min_count)
    values: dict[str, np.ndarray] = {}
    intervals: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    overall: dict[str, float] = {}

    if cell_metrics:
        cells = _cells(truth, pred, codes, n_slices, cell_metrics, positive_label)
        values, overall, intervals = _cell_values(
            cells, kept, cell_metrics, n_bootstrap, confidence, rng
        )

    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    segments = [(int(starts[s]), int(counts[s])) for s in kept]
    if rank_metrics:
        positive = _binary(truth, "y_true", rank_metrics[0], positive_label)
        score = _numbers(
            _no_missing(as_1d(y_score, "y_score", length=n), "y_score"),
            "y_score",
            rank_metrics[0],
        )
        order = np.lexsort((score, codes))
        sorted_score, sorted_pos = score[order], positive[order]
        ties = [
            _score_starts(sorted_score[start : start + size])
            for start, size in segments
        ]
        everything = np.argsort(score, kind="stable")
        global_ties = _score_starts(score[everything])
        for metric in rank_metrics:
            values[metric] = np.array(
                [
                    _rank_metric(
                        metric,
                        np.ones(size),
                        sorted_pos[start : start + size],
                        tie,
                    )[0]
                    for (start, size), tie in zip(segments, ties, strict=True)
                ]
            )
            overall[metric] = float(
                _rank_metric(metric, np.ones(n), positive[everything], global_ties)[0]
            )
        if n_bootstrap:

            def ranks(s: int, idx: np.ndarray) -> np.ndarray:
                # How often each row is drawn: the rank metrics take row weights.
                start, size = segments[s]
                draws = len(idx)
                offsets = (np.arange(draws) * size)[:, None]
                weights = np.bincount(
                    (idx + offsets).ravel(), minlength=draws * size
                ).reshape(draws, size)
                segment = sorted_pos[start : start + size]
                return np.column_stack(
                    [_rank_metric(m, weights, segment, ties[s]) for m in rank_metrics]
                )

            low, high = _bootstrap_rows(
                segments, ranks, len(rank_metrics), n_bootstrap, confidence, rng
            )
            for j, metric in enumerate(rank_metrics):
                intervals[metric] = (low[:, j], high[:, j])

    if regression:
        # Errors scaled by a power of two (see _scaled_errors).
        error, shift = _scaled_errors(
            _numbers(truth, "y_true", regression[0]),
            _numbers(pred, "y_pred", regression[0]),
            regression[0],
        )
        parts = np.column_stack([error, np.abs(error), error * error])
        sums = np.column_stack(
            [
                np.bincount(codes, weights=parts[:, j], minlength=n_slices)
                for j in range(3)
            ]
        )
        values, overall = _sum_values(
            sums, parts.sum(axis=0), counts, shift, kept, regression
        )
        if n_bootstrap:
            order = np.argsort(codes, kind="stable")
            sorted_error, sorted_abs = error[order], np.abs(error[order])
            signed = "bias" in regression or "rmse" in regression

            def errors(s: int, idx: np.ndarray) -> np.ndarray:
                # Only the sums the metrics need: drawing the rows costs more than
                # anything else here, and each sum is one more pass over them.
                start, size = segments[s]
                stacked = np.zeros((len(idx), 3))
                if signed:
                    drawn = np.take(sorted_error[start : start + size], idx)
                    stacked[:, 0] = drawn.sum(axis=1)
                    stacked[:, 2] = np.einsum("ij,ij->i", drawn, drawn)
                if "mae" in regression:
                    stacked[:, 1] = (
                        np.abs(drawn).sum(axis=1)
                        if signed
                        else np.take(sorted_abs[start : start + size], idx).sum(axis=1)
                    )
                return np.column_stack(
                    [_from_sums(m, stacked, size) for m in regression]
                )

            low, high = _bootstrap_rows(
                segments, errors, len(regression), n_bootstrap, confidence, rng
            )
            for j, metric in enumerate(regression):
                intervals[metric] = (
                    np.ldexp(low[:, j], shift),
                    np.ldexp(high[:, j], shift),
                )

    return _result(
        names, frame, counts, kept, values, overall, intervals, confidence, n_bootstrap
    )


# ------------------------------------------------------------------ other engines


def _free_names(taken: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """Names for the aggregate's own columns that no column of the table has."""
    taken_set = set(taken)
    out = []
    for name in wanted:
        name = f"_mlkit_{name}"
        while name in taken_set:
            name = f"_{name}"
        taken_set.add(name)
        out.append(name)
    return out


def _engine_slices(
    aggregate: pd.DataFrame,
    slices: str | list[str],
    schema: Mapping[str, Any],
    engine: str | None,
) -> pd.Series | pd.DataFrame:
    """The slice columns of an aggregate, as ``_slice_codes`` takes them.

    A polars ``Categorical`` comes back as a pandas categorical whose categories
    are in the order polars met them in the process, which the table does not
    say: its values are sorted as text instead, as polars sorts them. The
    categories of the other engines (DuckDB's ENUM, pyarrow's dictionary, Dask's
    categories) keep their order, as in pandas.
    """
    import narwhals as nw

    part = aggregate[slices].copy()
    if engine == "polars":
        names = [slices] if isinstance(slices, str) else slices
        for name in names:
            if isinstance(schema[name], nw.Categorical):
                column = aggregate[name].astype(object)
                if isinstance(part, pd.Series):
                    part = column
                else:
                    part[name] = column
    return part


def _engine_numbers(dtype: Any, name: str, metric: str) -> None:
    """Refuse a column of the engine that does not hold numbers, as ``_numbers``."""
    import narwhals as nw

    if dtype.is_numeric():
        return
    if isinstance(dtype, nw.Boolean):
        kind = "booleans"
    elif isinstance(dtype, (nw.String, nw.Categorical, nw.Enum)):
        kind = "text"
    else:
        kind = f"{dtype} values"
    raise MlkitTypeError(
        with_hint(
            NOT_NUMERIC_ERROR.format(name=name, metric=metric, kind=kind),
            "pass numeric values, or choose a classification metric.",
        )
    )


def _engine_error_sums(
    table: nw.LazyFrame, keys: list[str], y_true: str, y_pred: str, shift: int
) -> tuple[pd.DataFrame, list[str]]:
    """Per combination of ``keys``: rows, missing and infinite values of each
    column, the largest size of a value, and the sums of e, |e| and e² and the
    largest |e| of the errors divided by ``2**shift``; in one group-by."""
    import narwhals as nw

    from mlkit._engines import aggregate

    out = _free_names(
        table.collect_schema().names(),
        [
            "rows",
            "missing_true",
            "missing_pred",
            "infinite_true",
            "infinite_pred",
            "largest",
            "error",
            "absolute",
            "square",
            "top",
        ],
    )
    rows, miss_t, miss_p, inf_t, inf_p, largest, err, absolute, square, top = out
    truth = nw.col(y_true).cast(nw.Float64)
    pred = nw.col(y_pred).cast(nw.Float64)
    # 2**-shift as floats: one, or two where 2**-shift is beyond float64.
    factors = (
        [2.0**1023, math.ldexp(1.0, -shift - 1023)]
        if shift < -1023
        else [math.ldexp(1.0, -shift)]
        if shift
        else []
    )
    for factor in factors:
        truth, pred = truth * factor, pred * factor
    error = pred - truth
    inf = float("inf")
    computed = [
        (truth.is_null() | truth.is_nan()).alias(miss_t),
        (pred.is_null() | pred.is_nan()).alias(miss_p),
        (truth.abs() == inf).alias(inf_t),
        (pred.abs() == inf).alias(inf_p),
        nw.max_horizontal(truth.abs(), pred.abs()).alias(largest),
        error.alias(err),
        error.abs().alias(absolute),
        (error * error).alias(square),
    ]
    sums = {name: ("sum", name) for name in (miss_t, miss_p, inf_t, inf_p)}
    sums |= {name: ("sum", name) for name in (err, absolute, square)}
    counted = aggregate(
        table,
        lambda frame: frame.with_columns(*computed),
        keys,
        {
            rows: ("len", None),
            **sums,
            largest: ("max", largest),
            top: ("max", absolute),
        },
        columns=[*keys, y_true, y_pred],
    )
    return counted, out


def _engine_slice_metrics(
    table: nw.LazyFrame,
    engine: str | None,
    given: dict[str, Any],
    slices: Any,
    names: tuple[str, ...],
    *,
    positive_label: Any,
    n_bootstrap: Any,
    confidence: Any,
    min_count: Any,
    random_state: Any,
) -> SliceMetrics:
    """:func:`slice_metrics` of a table of another engine, from one group-by."""
    from mlkit._engines import aggregate

    cell_metrics, rank_metrics, regression = _check_arguments(
        names, given["y_pred"] is not None, given["y_score"] is not None
    )
    if rank_metrics:
        raise MlkitValueError(
            with_hint(
                ENGINE_RANK_ERROR.format(
                    metrics=" and ".join(map(repr, rank_metrics)), engine=engine
                ),
                "pass data as a pandas DataFrame (a sample of the table if it is "
                "too large), or choose metrics computed from the confusion cells, "
                "such as 'recall' or 'fpr'.",
            )
        )
    n_bootstrap, confidence, min_count, rng = _check_controls(
        n_bootstrap, confidence, min_count, positive_label, random_state
    )
    if regression and n_bootstrap:
        raise MlkitValueError(
            with_hint(
                ENGINE_BOOTSTRAP_ERROR.format(
                    metrics=", ".join(map(repr, regression)),
                    engine=engine,
                    got=n_bootstrap,
                ),
                "pass n_bootstrap=0 for the values without intervals, or pass data "
                "as a pandas DataFrame (a sample of the table if it is too large).",
            )
        )
    (y_true,), (y_pred,) = given["y_true"], given["y_pred"]
    keys = given["slices"]
    # With data, slices is a name or a list of names; the aggregate's columns of
    # the same names are the slices, as a Series or a frame.
    slice_columns = slices if isinstance(slices, str) else keys

    schema = table.collect_schema()
    if cell_metrics:
        (rows,) = _free_names(schema.names(), ["rows"])
        groups = list(dict.fromkeys([*keys, y_true, y_pred]))
        counted = aggregate(
            table, lambda frame: frame, groups, {rows: ("len", None)}, columns=groups
        )
        weights = np.asarray(counted[rows], dtype="int64")
        truth = _no_missing(as_1d(counted[y_true], "y_true"), "y_true", weights)
        if not weights.sum():
            raise MlkitValueError(
                with_hint(EMPTY_ERROR.format(name="y_true"), "pass at least one row.")
            )
        pred = _no_missing(as_1d(counted[y_pred], "y_pred"), "y_pred", weights)
        codes, frame = _slice_codes(
            _engine_slices(counted, slice_columns, schema, engine), len(counted)
        )
        counts = _counts(codes, len(frame), weights)
        kept = _kept(frame, counts, names, min_count)
        cells = _cells(
            truth, pred, codes, len(frame), cell_metrics, positive_label, weights
        )
        values, overall, intervals = _cell_values(
            cells, kept, cell_metrics, n_bootstrap, confidence, rng
        )
        return _result(
            names,
            frame,
            counts,
            kept,
            values,
            overall,
            intervals,
            confidence,
            n_bootstrap,
        )

    _engine_numbers(schema[y_true], "y_true", regression[0])
    _engine_numbers(schema[y_pred], "y_pred", regression[0])
    counted, out = _engine_error_sums(table, keys, y_true, y_pred, 0)
    rows, miss_t, miss_p, inf_t, inf_p, largest, err, absolute, square, top = out
    weights = np.asarray(counted[rows], dtype="int64")
    tally = {c: int(np.asarray(counted[c], dtype="float64").sum()) for c in out[1:5]}
    if tally[miss_t]:
        _missing_error("y_true", tally[miss_t])
    if not weights.sum():
        raise MlkitValueError(
            with_hint(EMPTY_ERROR.format(name="y_true"), "pass at least one row.")
        )
    if tally[miss_p]:
        _missing_error("y_pred", tally[miss_p])
    for column, name in ((inf_t, "y_true"), (inf_p, "y_pred")):
        if tally[column]:
            raise MlkitValueError(
                with_hint(
                    NOT_FINITE_ERROR.format(name=name, count=tally[column]),
                    "drop or clip the infinite values first.",
                )
            )
    shift = _exponent(float(np.asarray(counted[largest], dtype="float64").max()))
    if abs(shift) > _UNSCALED:
        # Errors, sizes or squares might leave float64, or lose digits near
        # zero: the sums again, on errors divided by 2**shift as for pandas.
        counted, out = _engine_error_sums(table, keys, y_true, y_pred, shift)
        rows, *_, err, absolute, square, top = out
    else:
        shift = 0
    _check_reach(
        float(np.asarray(counted[top], dtype="float64").max()), shift, regression[0]
    )
    codes, frame = _slice_codes(
        _engine_slices(counted, slice_columns, schema, engine), len(counted)
    )
    n_slices = len(frame)
    counts = _counts(codes, n_slices, np.asarray(counted[rows], dtype="int64"))
    kept = _kept(frame, counts, names, min_count)
    sums = np.column_stack(
        [
            np.bincount(
                codes,
                weights=np.asarray(counted[c], dtype="float64"),
                minlength=n_slices,
            )
            for c in (err, absolute, square)
        ]
    )
    values, overall = _sum_values(
        sums, sums.sum(axis=0), counts, shift, kept, regression
    )
    return _result(names, frame, counts, kept, values, overall, {}, confidence, 0)


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class _Feature:
    """A column as slice codes: 0 to k-1 for its slices, k for rows in none of them."""

    name: Any
    codes: np.ndarray
    values: list[Any]
    descriptions: list[str]


def _ident(name: Any) -> str:
    """A column name as ``DataFrame.query`` reads it: backticks unless an identifier."""
    text = str(name)
    return text if text.isidentifier() and not keyword.iskeyword(text) else f"`{text}`"


def _literal(value: Any) -> str:
    """A value as Python (and ``DataFrame.query``) writes it."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, numbers.Number)):
        return repr(value)
    return repr(value if isinstance(value, str) else str(value))


def _number(value: float) -> str:
    """A bin edge as short, plain digits: 25, not 25.0 or 2.5e+01."""
    return np.format_float_positional(float(value), trim="-")


def _cuts(values: np.ndarray, bins: int) -> np.ndarray:
    """Quantile cut points of finite ``values``, rounded to as few digits as keep them apart.

    Rounded edges read well (``age < 34``, not ``age < 33.817``) and are the edges
    used, so that a description selects exactly its slice's rows.
    """
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.empty(0)
    low, high = finite.min(), finite.max()
    raw = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
    raw = raw[raw > low]
    for digits in range(2, 18):
        nice = np.unique([float(f"{c:.{digits}g}") for c in raw])
        if len(nice) == len(raw) and (nice > low).all() and (nice <= high).all():
            return nice
    return raw


def _column_kind(series: pd.Series, bins: int) -> str | None:
    """ "category", "number" (to bin) or None for a column that cannot be sliced."""
    dtype = series.dtype
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        return "category"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(
        dtype
    ):
        # A few thousand rows usually show more than `bins` values, which settles it
        # without hashing a million.
        many = series.iloc[:5000].nunique(dropna=True) > bins
        return "number" if many or series.nunique(dropna=True) > bins else "category"
    return None


def _encode_feature(
    series: pd.Series, kind: str, bins: int, min_count: int
) -> _Feature:
    """Codes of a column's slices: its values, or quantile bins of a number."""
    name = series.name
    ident = _ident(name)
    if kind == "category":
        codes, raw, gaps = _factorize(series, "df")
        values = [MISSING if gap else v for v, gap in zip(raw, gaps, strict=True)]
        descriptions = [
            f"{ident}.isna()" if gap else f"{ident} == {_literal(v)}"
            for v, gap in zip(raw, gaps, strict=True)
        ]
    else:
        x = series.to_numpy(dtype="float64", na_value=np.nan)
        cuts = _cuts(x, bins)
        edges = [_number(c) for c in cuts]
        codes = np.searchsorted(cuts, x, side="right")
        # searchsorted puts NaN after every edge: missing values get their own slice.
        codes[np.isnan(x)] = len(cuts) + 1
        if not len(cuts):
            values, descriptions = ["(any number)"], [f"{ident}.notna()"]
        else:
            values = [f"< {edges[0]}"]
            descriptions = [f"{ident} < {edges[0]}"]
            for a, b in itertools.pairwise(edges):
                values.append(f"[{a}, {b})")
                descriptions.append(f"{a} <= {ident} < {b}")
            values.append(f">= {edges[-1]}")
            descriptions.append(f"{ident} >= {edges[-1]}")
        values.append(MISSING)
        descriptions.append(f"{ident}.isna()")
    counts = np.bincount(codes, minlength=len(values))
    # A value on too few rows is no slice of its own, nor part of a pair: it stays
    # in the rows outside every slice it is not in.
    kept = np.flatnonzero(counts >= min_count)
    recode = np.full(len(values), len(kept), dtype="int64")
    recode[kept] = np.arange(len(kept))
    return _Feature(
        name=name,
        codes=recode[codes],
        values=[values[i] for i in kept],
        descriptions=[descriptions[i] for i in kept],
    )


def _group_sums(
    codes: np.ndarray, size: int, x: np.ndarray, squares: bool
) -> tuple[np.ndarray, ...]:
    """Codes seen, their counts, and sums of ``x`` (and ``x**2``) per code."""
    if size <= max(_BLOCK, len(codes)):
        counts = np.bincount(codes, minlength=size)
        groups = np.flatnonzero(counts)
        index = codes
    else:
        # Too many possible codes for a dense count: number the ones seen.
        groups, index = np.unique(codes, return_inverse=True)
        counts = np.bincount(index)
        size = len(groups)
    sums = np.bincount(index, weights=x, minlength=size)
    squared = np.bincount(index, weights=x * x, minlength=size) if squares else sums * 0
    if size == len(groups):
        return groups, counts, sums, squared
    return groups, counts[groups], sums[groups], squared[groups]


def _dense(groups: np.ndarray, sums: np.ndarray, size: int) -> np.ndarray:
    """Sums of the codes seen as a vector over all ``size`` codes (0 elsewhere)."""
    full = np.zeros(size)
    full[groups] = sums
    return full


def _others(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """For each entry, the sum of the other entries along ``axis``.

    Added up from both sides rather than as the total minus the entry: one
    entry a billion times the others would leave nothing of them after a
    subtraction.
    """
    values = np.moveaxis(values, axis, -1)
    zero = np.zeros((*values.shape[:-1], 1))
    before = np.concatenate([zero, np.cumsum(values[..., :-1], axis=-1)], axis=-1)
    after = np.concatenate(
        [np.cumsum(values[..., :0:-1], axis=-1)[..., ::-1], zero], axis=-1
    )
    return np.moveaxis(before + after, -1, axis)


def _pair_others(
    sums: np.ndarray, va: np.ndarray, vb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums outside each pair ``(va, vb)`` of a matrix of pair sums, and over the
    rest of its row (the slice of ``va``) and of its column (that of ``vb``)."""
    in_row = _others(sums, axis=1)
    in_column = _others(sums, axis=0)
    other_rows = _others(sums.sum(axis=1))
    return other_rows[va] + in_row[va, vb], in_row[va, vb], in_column[va, vb]


def _two_sample(
    rate: bool,
    n1: np.ndarray,
    s1: np.ndarray,
    ss1: np.ndarray,
    n2: np.ndarray,
    s2: np.ndarray,
    ss2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Statistic and two-sided p-value of group 1 against group 2, from their sums.

    Rates: the two-proportion z-test with the pooled proportion (statsmodels'
    ``proportions_ztest``). Means: Welch's t-test (scipy's ``ttest_ind`` with
    ``equal_var=False``). NaN where a group is too small to test.
    """
    from scipy import special

    n1, n2 = n1.astype("float64"), n2.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        if rate:
            pooled = (s1 + s2) / (n1 + n2)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            statistic = np.where(se > 0, (m1 - m2) / se, 0.0)
            p = 2 * special.ndtr(-np.abs(statistic))
            small = (n1 < 1) | (n2 < 1)
        else:
            v1 = np.maximum(ss1 - s1 * m1, 0) / (n1 - 1)
            v2 = np.maximum(ss2 - s2 * m2, 0) / (n2 - 1)
            a, b = v1 / n1, v2 / n2
            se = np.sqrt(a + b)
            df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
            statistic = (m1 - m2) / se
            p = 2 * special.stdtr(df, -np.abs(statistic))
            # Both groups constant: equal means are no difference, unequal ones
            # are as sure as it gets.
            flat = se == 0
            statistic = np.where(flat & (m1 == m2), 0.0, statistic)
            p = np.where(flat, np.where(m1 == m2, 1.0, 0.0), p)
            small = (n1 < 2) | (n2 < 2)
    return np.where(small, np.nan, statistic), np.where(small, np.nan, p)


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN."""
    q = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = len(tested)
    if m:
        order = np.argsort(p[tested], kind="stable")
        ranked = p[tested][order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        q[tested[order]] = np.minimum(ranked, 1.0)
    return q


def _worse(effect: np.ndarray, direction: int) -> np.ndarray:
    if direction == 0:
        return effect != 0
    return direction * effect > 0


def _badness(effect: Any, direction: int) -> Any:
    return abs(effect) if direction == 0 else direction * effect


@dataclass(frozen=True, repr=False)
class WeakSlices(Result):
    """Slices of one feature value or a pair of them where a model does significantly worse.

    Attributes
    ----------
    all : pandas.DataFrame
        Every slice tested, one-feature slices first, in the order of the
        columns and their values: ``description`` (a ``DataFrame.query``
        expression), ``n_features`` (1 or 2), ``feature_1``, ``value_1``,
        ``feature_2``, ``value_2`` (None for one feature; a bin such as
        ``[25, 34)`` for a number), ``support`` (share of rows), ``count``,
        ``<metric>_in`` and ``<metric>_out`` (the metric in the slice and over
        the other rows), ``effect`` (in minus out), ``statistic`` (z or t),
        ``p_value`` (two-sided), ``q_value`` (Benjamini-Hochberg), ``weak``
        (``q_value <= alpha`` and worse inside) and ``explained_by`` (for a
        pair inside a weak one-feature slice and not significantly worse than
        the rest of it: that slice's description).
    metric : str
        The metric compared.
    test : str
        The test of each slice against the rows outside it.
    alpha : float
        The false discovery rate allowed.
    min_support : float
        The smallest share of rows a slice must have to be tested.
    n_rows : int
        Rows searched.
    columns : tuple
        The columns searched.
    skipped : tuple
        Columns left out because they cannot be sliced (dates, for example).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.evaluation import find_weak_slices
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"region": rng.choice(["north", "south", "east"], 3000),
    ...                    "age": rng.integers(18, 80, 3000)})
    >>> y = rng.integers(0, 2, 3000)
    >>> wrong = rng.random(3000) < np.where(df["region"] == "east", 0.3, 0.1)
    >>> result = find_weak_slices(df, y, np.where(wrong, 1 - y, y))
    >>> result.to_frame()["description"].tolist()
    ["region == 'east'"]
    >>> len(df.query(result.to_frame()["description"][0]))
    1043
    """

    title: ClassVar[str] = "Weak slices"
    all: pd.DataFrame
    metric: str
    test: str
    alpha: float
    min_support: float
    n_rows: int
    columns: tuple[Any, ...]
    skipped: tuple[Any, ...]

    def to_frame(self) -> pd.DataFrame:
        """The weak slices, worst first by effect size (columns as in ``all``).

        A pair explained by a weak one-feature slice it lies in is left out;
        ``all`` keeps it.
        """
        direction = _WORSE[self.metric]
        frame = self.all[self.all["weak"] & self.all["explained_by"].isna()]
        key = _badness(frame["effect"], direction)
        return (
            frame.assign(_key=key)
            .sort_values("_key", ascending=False, kind="stable")
            .drop(columns="_key")
            .reset_index(drop=True)
        )

    def _display_frame(self) -> pd.DataFrame:
        return self.to_frame()[
            [
                "description",
                "support",
                "count",
                f"{self.metric}_in",
                f"{self.metric}_out",
                "effect",
                "q_value",
            ]
        ]

    def chart(self) -> alt.LayerChart:
        """Effect of each slice tested against its support, the weak ones in colour."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title

        frame = self.all
        status = np.where(
            ~frame["weak"],
            "not significant",
            np.where(
                frame["explained_by"].isna(),
                "weak",
                "weak, within a weak one-feature slice",
            ),
        )
        data = pd.DataFrame(
            {
                "description": frame["description"],
                "features": np.where(
                    frame["n_features"] == 1, "one feature", "two features"
                ),
                "support": frame["support"],
                "count": frame["count"],
                "inside": frame[f"{self.metric}_in"],
                "outside": frame[f"{self.metric}_out"],
                "effect": frame["effect"],
                "q_value": frame["q_value"],
                "status": status,
            }
        )
        shown = ""
        calm = np.flatnonzero(status == "not significant")
        if len(calm) > MAX_CALM_POINTS:
            # Every weak slice, and a fixed sample of the others for the shape of
            # the cloud: a chart of thousands of points is slow to draw.
            rng = np.random.default_rng(0)
            keep = np.sort(
                np.concatenate(
                    [
                        np.flatnonzero(status != "not significant"),
                        rng.choice(calm, MAX_CALM_POINTS, replace=False),
                    ]
                )
            )
            data = data.iloc[keep]
            shown = f"; {MAX_CALM_POINTS:,} of the {len(calm):,} others drawn"
        domain = ["weak", "weak, within a weak one-feature slice", "not significant"]
        points = (
            alt.Chart(data)
            .mark_point(filled=True, size=55, opacity=0.8)
            .encode(
                x=alt.X(
                    "support:Q",
                    title="support (share of rows)",
                    scale=alt.Scale(type="log"),
                    axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
                ),
                y=alt.Y(
                    "effect:Q",
                    title=f"{self.metric} in the slice minus outside",
                    axis=alt.Axis(labelFontSize=FONT_SIZE),
                ),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=domain, range=[PALETTE[3], PALETTE[1], GREY]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                shape=alt.Shape(
                    "features:N",
                    scale=alt.Scale(
                        domain=["one feature", "two features"],
                        range=["circle", "square"],
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                order=alt.Order("effect:Q"),
                tooltip=[
                    alt.Tooltip("description:N", title="slice"),
                    alt.Tooltip("count:Q", format=","),
                    alt.Tooltip("support:Q", format=".1%"),
                    alt.Tooltip("inside:Q", format=".4g", title=f"{self.metric} in"),
                    alt.Tooltip("outside:Q", format=".4g", title=f"{self.metric} out"),
                    alt.Tooltip("effect:Q", format="+.4g"),
                    alt.Tooltip("q_value:Q", format=".2g", title="q-value"),
                ],
            )
        )
        zero = (
            alt.Chart(pd.DataFrame({"zero": [0.0]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y="zero:Q")
        )
        n_weak = len(self.to_frame())
        return alt.layer(zero, points).properties(
            width=420,
            height=260,
            title=_title(
                f"Slices where {self.metric} is worse",
                f"{len(frame):,} slices tested, {n_weak:,} weak at a false discovery "
                f"rate of {self.alpha:g} ({self.test}){shown}",
            ),
        )

    def explain(self) -> str:
        frame = self.to_frame()
        n_single = int((self.all["n_features"] == 1).sum())
        n_pair = len(self.all) - n_single
        text = (
            f"{len(frame):,} weak slice(s) of {len(self.all):,} tested for "
            f"{self.metric} ({n_single:,} of one feature, {n_pair:,} of two) in "
            f"{self.n_rows:,} rows. "
        )
        if len(frame):
            top = frame.iloc[0]
            text += (
                f"The worst is {top['description']}: {self.metric} "
                f"{top[f'{self.metric}_in']:.3g} on {int(top['count']):,} rows "
                f"({top['support']:.1%}) against {top[f'{self.metric}_out']:.3g} "
                f"elsewhere (q = {top['q_value']:.2g}). "
            )
        hidden = int(self.all["explained_by"].notna().sum())
        if hidden:
            text += (
                f"{hidden:,} weak pair(s) lie inside a weak one-feature slice and are "
                "no worse than the rest of it; they are left out of the table (see "
                ".all). "
            )
        if self.skipped:
            text += (
                f"Not searched: {', '.join(map(str, self.skipped))} (dates or other "
                "values that cannot be sliced; derive a feature such as the month). "
            )
        text += (
            f"Each slice with at least {_percent(self.min_support)} of the rows was "
            f"compared with the rows outside it ({self.test}), and the p-values were "
            "adjusted for testing them all (Benjamini-Hochberg): on average, at most "
            f"about {_percent(self.alpha)} of the slices called weak are false "
            "alarms. A weak slice is where the model serves its users worse than the "
            "rest; chapter 6 of the book (slice-based evaluation) asks to evaluate a "
            "model on the slices that matter, found from domain knowledge, by error "
            "analysis or by a search like this one. Pairs matter: a slice of two features, such as a region "
            "on one channel, can fail while each feature alone looks fine, and by "
            "Simpson's paradox a one-feature view can even point the other way. A "
            "weak slice is a lead to investigate, not proof of a cause: look at its "
            "rows, ask whether it lacks training data, has noisier labels or is a "
            "different population, and check the finding on fresh data."
        )
        return text


def _row_values(
    metric: str,
    y_true: Any,
    y_pred: Any,
    y_score: Any,
    positive_label: Any,
    n: int,
) -> tuple[np.ndarray, int]:
    """The metric's value on each row, whose mean in a slice is the slice's metric,
    divided by ``2**shift``, and ``shift``: 0 except for errors far from 1 in size
    (see :func:`_scaled_errors`)."""
    truth = _no_missing(as_1d(y_true, "y_true", length=n), "y_true")
    if metric in _SCORE_METRICS:
        if y_score is None:
            raise MlkitValueError(
                with_hint(
                    NEEDS_SCORE_ERROR.format(metric=metric),
                    "pass y_score=model.predict_proba(X)[:, 1].",
                )
            )
        score = _numbers(
            _no_missing(as_1d(y_score, "y_score", length=n), "y_score"),
            "y_score",
            metric,
        )
        if ((score < 0) | (score > 1)).any():
            raise MlkitValueError(
                with_hint(
                    f"'y_score' must hold probabilities in [0, 1] for {metric!r}; got "
                    f"values from {score.min():.3g} to {score.max():.3g}.",
                    "pass predicted probabilities of the positive class.",
                )
            )
        positive = _binary(truth, "y_true", metric, positive_label)
        if metric == "brier":
            return np.square(score - positive), 0
        eps = np.finfo("float64").eps
        chance = np.clip(np.where(positive, score, 1 - score), eps, 1.0)
        return -np.log(chance), 0
    if y_score is not None:
        raise MlkitValueError(
            with_hint(
                UNUSED_SCORE_ERROR.format(metrics="log_loss and brier"),
                "drop y_score, or pass metric='log_loss' or metric='brier'.",
            )
        )
    if y_pred is None:
        raise MlkitValueError(
            with_hint(
                NEEDS_PRED_ERROR.format(metric=metric),
                "pass the model's predictions as y_pred.",
            )
        )
    pred = _no_missing(as_1d(y_pred, "y_pred", length=n), "y_pred")
    if metric in _RATE_METRICS:
        right = _equal(truth, pred)
        return (right if metric == "accuracy" else ~right).astype("float64"), 0
    squared = metric == "squared_error"
    error, shift = _scaled_errors(
        _numbers(truth, "y_true", metric),
        _numbers(pred, "y_pred", metric),
        metric,
        squared=squared,
    )
    if metric == "mae":
        return np.abs(error), shift
    return (error * error, 2 * shift) if squared else (error, shift)


def find_weak_slices(
    df: pd.DataFrame,
    y_true: Any,
    y_pred: Any,
    *,
    metric: WeakSliceMetric = "error_rate",
    min_support: float = 0.02,
    max_features: int = 2,
    bins: int = 5,
    alpha: float = 0.05,
    columns: Sequence[Any] | None = None,
    y_score: Any = None,
    positive_label: Any = None,
) -> WeakSlices:
    """Search the slices of one feature value, or of two, where a model does worse.

    Every slice defined by one value of a column, and (with ``max_features=2``)
    by a pair of values of two columns, that holds at least ``min_support`` of
    the rows is compared with the rows outside it; the p-values of all the
    comparisons are adjusted together so that the slices called weak hold few
    false alarms.

    Parameters
    ----------
    df : pandas.DataFrame
        The features of the evaluation rows, matched with ``y_true`` by position.
    y_true, y_pred : array-like or pandas.Series
        True values and predictions. ``y_pred`` may be None for ``log_loss``
        and ``brier``, which use ``y_score``.
    metric : str, default "error_rate"
        Among :data:`WEAK_SLICE_METRICS`. Rates, compared with a two-proportion
        z-test: ``"error_rate"``, ``"accuracy"``. Means per row, compared with
        Welch's t-test: ``"mae"``, ``"squared_error"``, ``"bias"`` (mean of
        ``y_pred - y_true``; a slice is weak when it differs either way),
        ``"log_loss"`` and ``"brier"`` (binary, from ``y_score``).
    min_support : float, default 0.02
        The smallest share of rows a slice must hold to be tested, in (0, 1).
    max_features : {1, 2}, default 2
        Slices of one feature only, or of pairs as well.
    bins : int, default 5
        Quantile bins of a numeric column with more than ``bins`` distinct
        values; one with fewer is taken value by value.
    alpha : float, default 0.05
        The false discovery rate allowed among the slices called weak.
    columns : sequence, optional
        Columns to search; by default all of ``df``. Leave out identifiers and
        the target itself.
    y_score : array-like, optional
        Predicted probabilities of the positive class, for ``log_loss`` and
        ``brier``.
    positive_label : optional
        The positive class of ``y_true`` for ``log_loss`` and ``brier`` when
        labels are not 0/1.

    Returns
    -------
    WeakSlices
        ``.to_frame()`` (the weak slices, worst first), ``.all`` (every slice
        tested), ``.chart()`` and ``.explain()``.

    Raises
    ------
    MlkitValueError, MlkitTypeError
        On an empty frame, arguments of the wrong length, missing labels, an
        unknown metric, ``log_loss`` or ``brier`` without ``y_score``, a
        ``min_support`` or ``alpha`` outside (0, 1), errors whose metric does
        not fit in float64 (squared errors beyond about 1e308), or a named
        column that cannot be sliced or whose values cannot be grouped.

    Notes
    -----
    - **Slices.** A text, boolean or categorical column gives one slice per
      value; a numeric one is cut into ``bins`` quantile bins with edges
      rounded to few digits (``34 <= age < 51``); a missing value is a slice of
      its own (``age.isna()``). A value on fewer than ``min_support`` of the
      rows is not a slice and joins no pair: too few rows to learn from.
      A pair whose rows are exactly those of one of its values (a city inside
      one region) repeats that slice and is not tested again. Descriptions are
      ``DataFrame.query`` expressions: ``df.query(description)`` gives the
      slice's rows (column names that are not identifiers are in backticks).
    - **Tests.** Each slice against the rows outside it, two-sided: the
      pooled two-proportion z-test for rates, Welch's t-test for means. Weak
      means a Benjamini-Hochberg q-value of at most ``alpha`` and a metric
      worse inside. Benjamini-Hochberg controls the false discovery rate when
      the tests are independent or positively dependent; slices that overlap
      are, in the main, positively dependent, and on data where errors do not
      depend on the features the rate of false alarms stays near or below
      ``alpha`` (see the tests).
    - **Pairs in a weak slice.** When a value is weak, most pairs that contain
      it are weak too and say nothing new. Such a pair is reported
      (``to_frame``) only if it is significantly worse than the rest of the
      weak slice (the same test, Benjamini-Hochberg over these comparisons at
      ``alpha``); otherwise ``explained_by`` names that slice.

    Everything is computed from counts and sums per code with
    ``numpy.bincount`` (pairs on the code ``code_a * n_b + code_b``), so a
    million rows with six features take seconds. The search follows Slice
    Finder (Chung et al., 2019) in testing slices against their complement;
    chapter 6 of the book covers slice-based evaluation.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.evaluation import find_weak_slices
    >>> rng = np.random.default_rng(0)
    >>> n = 20_000
    >>> df = pd.DataFrame({"device": rng.choice(["ios", "android", "web"], n),
    ...                    "plan": rng.choice(["free", "pro"], n),
    ...                    "age": rng.integers(18, 80, n)})
    >>> bad = (df["device"] == "web") & (df["plan"] == "free")
    >>> y = rng.integers(0, 2, n)
    >>> wrong = rng.random(n) < np.where(bad, 0.25, 0.1)
    >>> result = find_weak_slices(df, y, np.where(wrong, 1 - y, y))
    >>> result.to_frame().loc[0, "description"]
    "device == 'web' & plan == 'free'"
    >>> round(float(result.to_frame().loc[0, "error_rate_in"]), 2)
    0.25
    """
    check_frame(df, "df")
    n = len(df)
    check_choice(metric, WEAK_SLICE_METRICS, "metric")
    min_support = check_number(
        min_support,
        "min_support",
        low=0,
        high=1,
        open_low=True,
        open_high=True,
        example="0.02",
    )
    alpha = check_number(
        alpha, "alpha", low=0, high=1, open_low=True, open_high=True, example="0.05"
    )
    max_features = check_int(max_features, "max_features", 1, "2")
    if max_features > 2:
        raise MlkitValueError(
            with_hint(
                MAX_FEATURES_ERROR.format(got=max_features),
                "pass max_features=1 for one feature, 2 to search pairs too.",
            )
        )
    bins = check_int(bins, "bins", 2, "5")
    _check_positive_label(positive_label)
    x, shift = _row_values(metric, y_true, y_pred, y_score, positive_label, n)
    if columns is None:
        names, explicit = list(df.columns), False
    else:
        one_label = isinstance(columns, (str, bytes)) or not isinstance(
            columns, Iterable
        )
        names = [columns] if one_label else list(columns)
        explicit = True
        if not names:
            raise MlkitValueError(
                with_hint(NO_COLUMNS_ERROR, "pass, for example, columns=['region'].")
            )
        unhashable = [c for c in names if not isinstance(c, Hashable)]
        if unhashable:
            raise MlkitTypeError(
                with_hint(
                    "'columns' must be column names of 'df'; got "
                    f"{type(unhashable[0]).__name__} {unhashable[0]!r}.",
                    "pass a list of names, for example columns=['region', 'age'].",
                )
            )
        check_columns(df, names, "columns")
    names = list(dict.fromkeys(names))
    repeated = set(df.columns[df.columns.duplicated()])
    duplicated = [c for c in names if c in repeated]
    if duplicated:
        raise MlkitValueError(
            with_hint(
                "'df' must have distinct column names; got several columns named "
                f"{duplicated[0]!r}.",
                "give each column its own name, or select the ones to search "
                "with 'columns'.",
            )
        )
    min_count = max(1, math.ceil(min_support * n - 1e-9))
    features, skipped = [], []
    for name in names:
        column = df[name]
        if not isinstance(column, pd.Series):
            # A first level of column labels that names several columns.
            raise MlkitValueError(
                with_hint(
                    f"'columns' must name single columns of 'df'; got {name!r}, "
                    f"which selects {column.shape[1]:,} columns.",
                    "name each column in full, for example columns=[('a', 'b')].",
                )
            )
        kind = _column_kind(column, bins)
        if kind is None:
            if explicit:
                raise MlkitValueError(
                    with_hint(
                        UNSUPPORTED_COLUMN_ERROR.format(name=name, kind=df[name].dtype),
                        "derive a feature to slice on, such as the month of a date, "
                        "or leave the column out.",
                    )
                )
            skipped.append(name)
            continue
        features.append(_encode_feature(df[name], kind, bins, min_count))

    rate = metric in _RATE_METRICS
    # Means are compared on values centred on a median, so that variances from
    # sums of squares lose few digits; a median, unlike the mean, stays among the
    # usual values when one row's error dwarfs the others. Any typical value
    # will do, so that of a few thousand rows spares a pass over a million.
    center = 0.0 if rate else float(np.median(x[:: max(1, n // 4096)]))
    values = x - center
    total = (n, float(values.sum()), float((values * values).sum()))
    rows: list[dict[str, Any]] = []
    # Per slice: count, sum and sum of squares inside, the sums outside, and for a
    # pair the sums over the rest of each of its two one-feature slices.
    stats: list[tuple[np.ndarray, ...]] = []
    single: dict[tuple[int, int], int] = {}
    full_counts = []
    for j, feature in enumerate(features):
        k = len(feature.values)
        groups, counts, sums, squares = _group_sums(
            feature.codes, k + 1, values, not rate
        )
        by_value = np.zeros(k + 1, dtype="int64")
        by_value[groups] = counts
        full_counts.append(by_value)
        keep = (groups < k) & (counts < n)
        if rate:
            # Counts of 0/1 values: float64 sums are exact, and so is subtracting.
            s_out, ss_out = total[1] - sums, total[2] - squares
        else:
            s_out = _others(_dense(groups, sums, k + 1))[groups]
            ss_out = _others(_dense(groups, squares, k + 1))[groups]
        for g in groups[keep]:
            single[(j, int(g))] = len(rows)
            rows.append(
                {
                    "description": feature.descriptions[g],
                    "n_features": 1,
                    "feature_1": feature.name,
                    "value_1": feature.values[g],
                    "feature_2": None,
                    "value_2": None,
                    "_parents": (),
                }
            )
        nothing = np.full(int(keep.sum()), np.nan)
        stats.append(
            (counts[keep], sums[keep], squares[keep], s_out[keep], ss_out[keep])
            + (nothing,) * 4
        )
    if max_features == 2:
        for (j, a), (k, b) in itertools.combinations(enumerate(features), 2):
            n_a, n_b = len(a.values), len(b.values)
            if not n_a or not n_b:
                continue
            size = (n_a + 1) * (n_b + 1)
            groups, counts, sums, squares = _group_sums(
                a.codes * (n_b + 1) + b.codes, size, values, not rate
            )
            va, vb = np.divmod(groups, n_b + 1)
            keep = (
                (va < n_a)
                & (vb < n_b)
                & (counts >= min_count)
                & (counts < n)
                & (counts != full_counts[j][va])
                & (counts != full_counts[k][vb])
            )
            if rate or size > _BLOCK // 4:
                # Exact for rates; for means over very many pairs, the sums of
                # the rest are left to subtraction (NaN here), to save memory.
                s_out, ss_out = total[1] - sums, total[2] - squares
                rest = (np.full(len(groups), np.nan),) * 4
            else:
                shape = (n_a + 1, n_b + 1)
                s_out, rest_a, rest_b = _pair_others(
                    _dense(groups, sums, size).reshape(shape), va, vb
                )
                ss_out, square_a, square_b = _pair_others(
                    _dense(groups, squares, size).reshape(shape), va, vb
                )
                rest = (rest_a, square_a, rest_b, square_b)
            for ga, gb in zip(va[keep], vb[keep], strict=True):
                rows.append(
                    {
                        "description": f"{a.descriptions[ga]} & {b.descriptions[gb]}",
                        "n_features": 2,
                        "feature_1": a.name,
                        "value_1": a.values[ga],
                        "feature_2": b.name,
                        "value_2": b.values[gb],
                        "_parents": (single[(j, int(ga))], single[(k, int(gb))]),
                    }
                )
            stats.append(
                (
                    counts[keep],
                    sums[keep],
                    squares[keep],
                    s_out[keep],
                    ss_out[keep],
                    *(part[keep] for part in rest),
                )
            )

    if stats:
        count, s_in, ss_in, s_out, ss_out, *rests = (
            np.concatenate(parts) for parts in zip(*stats, strict=True)
        )
    else:
        count = np.empty(0, "int64")
        s_in, ss_in, s_out, ss_out, *rests = (np.empty(0),) * 9
    n_out = n - count
    statistic, p_value = _two_sample(rate, count, s_in, ss_in, n_out, s_out, ss_out)
    q_value = _benjamini_hochberg(p_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Back to the metric's unit from the scaled values (shift is 0 for rates).
        inside = np.ldexp(s_in / count + center, shift)
        outside = np.ldexp(s_out / n_out + center, shift)
        effect = np.ldexp(s_in / count - s_out / n_out, shift)
    direction = _WORSE[metric]
    weak = (q_value <= alpha) & _worse(effect, direction)

    # Each weak pair against the rest of each weak one-feature slice it lies in,
    # with the p-values of these comparisons adjusted together.
    pairs = [
        (i, parent)
        for i, row in enumerate(rows)
        if weak[i]
        for parent in row["_parents"]
        if weak[parent]
    ]
    explained: list[Any] = [None] * len(rows)
    if pairs:
        pair, parent = (
            np.array(side, dtype="int64") for side in zip(*pairs, strict=True)
        )
        rest = count[parent] - count[pair]
        # The sums over the rest of the parent slice: summed apart where they
        # were (means), else by subtraction (exact for rates).
        second = np.array([rows[i]["_parents"][1] == j for i, j in pairs])
        s_rest = np.where(second, rests[2][pair], rests[0][pair])
        ss_rest = np.where(second, rests[3][pair], rests[1][pair])
        gap_rest = np.isnan(s_rest)
        s_rest = np.where(gap_rest, s_in[parent] - s_in[pair], s_rest)
        ss_rest = np.where(gap_rest, ss_in[parent] - ss_in[pair], ss_rest)
        _, p_within = _two_sample(
            rate, count[pair], s_in[pair], ss_in[pair], rest, s_rest, ss_rest
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = s_in[pair] / count[pair] - s_rest / rest
        worse_within = (_benjamini_hochberg(p_within) <= alpha) & _worse(gap, direction)
        for i, j, own in zip(pair, parent, worse_within, strict=True):
            if not own and explained[i] is None:
                explained[i] = rows[j]["description"]

    table = pd.DataFrame(
        {
            "description": pd.Series([r["description"] for r in rows], dtype=object),
            "n_features": np.array([r["n_features"] for r in rows], dtype="int64"),
            "feature_1": pd.Series([r["feature_1"] for r in rows], dtype=object),
            "value_1": pd.Series([r["value_1"] for r in rows], dtype=object),
            "feature_2": pd.Series([r["feature_2"] for r in rows], dtype=object),
            "value_2": pd.Series([r["value_2"] for r in rows], dtype=object),
            "support": count / n,
            "count": count.astype("int64"),
            f"{metric}_in": inside,
            f"{metric}_out": outside,
            "effect": effect,
            "statistic": statistic,
            "p_value": p_value,
            "q_value": q_value,
            "weak": weak.astype(bool),
            "explained_by": pd.Series(explained, dtype=object),
        }
    )
    return WeakSlices(
        all=table,
        metric=metric,
        test="two-proportion z-test" if rate else "Welch's t-test",
        alpha=alpha,
        min_support=min_support,
        n_rows=n,
        columns=tuple(f.name for f in features),
        skipped=tuple(skipped),
    )
