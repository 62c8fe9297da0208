"""Calibration of predicted probabilities: chapter 6 of *Designing Machine Learning Systems*.

A classifier is calibrated when its probabilities can be taken at their word: of
the rows it gives 0.8, about 80 % are positive. Chapter 6 of the book, "Model
Calibration", explains why this matters as soon as probabilities drive a
decision: a threshold set from the costs of errors, an expected revenue, a
ranking of ads by expected clicks. Accurate models are often badly calibrated
(boosted trees and naive Bayes push probabilities to the extremes, deep networks
are over-confident), and calibration is cheap to check and to fix:

- :func:`reliability`: the reliability diagram of predictions, with the expected
  and maximum calibration errors (ECE, MCE) and the Brier score, for binary and
  multiclass models;
- :func:`compare_reliability`: the reliability of two sets of probabilities for
  the same rows (before and after calibration, two models) on the same bins;
- :func:`calibrate`: recalibrate a fitted classifier on held-out data (isotonic
  regression, Platt's sigmoid or temperature scaling) and measure the
  reliability before and after.

Examples
--------
>>> import numpy as np
>>> from mlkit.calibration import reliability
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(size=20_000)
>>> y = rng.uniform(size=20_000) < p       # calibrated by construction
>>> round(reliability(y, p).ece, 2)
0.01
>>> round(reliability(y, p ** 3).ece, 2)  # probabilities pushed down
0.25
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._engines import aggregate, collect, resolve
from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_choice, model_errors, n_rows

if TYPE_CHECKING:
    import altair as alt
    import narwhals as nw

__all__ = [
    "METHODS",
    "STRATEGIES",
    "Calibration",
    "Reliability",
    "ReliabilityComparison",
    "calibrate",
    "compare_reliability",
    "reliability",
]

Strategy = Literal["uniform", "quantile"]
Method = Literal["isotonic", "sigmoid", "temperature"]

#: How :func:`reliability` places the edges of its bins.
STRATEGIES: tuple[str, ...] = ("uniform", "quantile")
#: The recalibration methods of :func:`calibrate`.
METHODS: tuple[str, ...] = ("isotonic", "sigmoid", "temperature")

#: How far a row of a probability matrix may sum from 1: float32 probabilities of
#: a hundred classes stay well within it, unnormalised scores do not.
ROW_SUM_TOLERANCE = 1e-5
#: Rows of each class that :func:`calibrate` needs: CalibratedClassifierCV
#: predicts the calibration rows in five stratified folds.
MIN_PER_CLASS = 5

# Message templates, kept here so that tests can match them.
NUMBERS_ERROR = "'{name}' must hold numbers; got values that are not ({detail})."
EMPTY_ERROR = "'{name}' must hold at least one prediction; got none (0 rows)."
PROBABILITY_ERROR = "'{name}' must hold probabilities in [0, 1]; {detail}."
ROW_SUM_ERROR = (
    "each row of '{name}' must sum to 1; {count:,} of {n:,} rows do not (one sums "
    "to {worst:.6g})."
)
N_BINS_ERROR = "'n_bins' must be an int of at least 1; got {got!r}."
UNUSED_ERROR = "'{name}' only applies to {case}; got {name}={got!r}."
MISSING_ERROR = "'{name}' has {count:,} missing label(s)."
SINGLE_CLASS_ERROR = "'{name}' holds a single class ({label!r}); {why}"
NO_PROBA_ERROR = "'model' must be a classifier with predict_proba; got {kind}."
NOT_FITTED_ERROR = "'model' must be fitted; got an unfitted {kind}."
ENGINE_QUANTILE_ERROR = (
    "'strategy' cannot be 'quantile' for a Dask table: its quantiles would be "
    "approximate (Dask computes them partition by partition), and the bins must be "
    "those of np.percentile."
)

_METHOD_NAMES = {
    "isotonic": "isotonic regression",
    "sigmoid": "Platt's sigmoid",
    "temperature": "temperature scaling",
}


# --------------------------------------------------------------------------- checks


def _check_n_bins(n_bins: Any) -> int:
    integer = not isinstance(n_bins, bool) and isinstance(n_bins, numbers.Integral)
    if not integer or n_bins < 1:
        raise (MlkitValueError if integer else MlkitTypeError)(
            with_hint(
                N_BINS_ERROR.format(got=n_bins),
                "pass an int such as n_bins=15; use fewer bins for fewer rows "
                "(about 100 rows per bin or more keeps the ECE's noise small).",
            )
        )
    return int(n_bins)


def _probabilities(y_prob: Any, name: str = "y_prob") -> np.ndarray:
    """``y_prob`` as float64, 1-d (one probability a row) or 2-d (one column a class).

    ``name`` is the argument the messages name: "y_prob", or "before" and "after"
    for :func:`compare_reliability`.
    """
    try:
        if isinstance(y_prob, (pd.Series, pd.DataFrame)):
            # Nullable columns hold pd.NA; as NaN it is reported as missing below.
            array = y_prob.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            array = np.asarray(y_prob, dtype=np.float64)
    except (TypeError, ValueError) as error:
        _not_numbers(name, str(error))
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim not in (1, 2) or (array.ndim == 2 and array.shape[1] == 0):
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be one probability per row (1-d) or one column per "
                f"class (2-d); got shape {array.shape}.",
                "pass model.predict_proba(X), or its column for the positive class.",
            )
        )
    if array.shape[0] == 0:
        _no_rows(name)
    return array


def _not_numbers(name: str, detail: str) -> None:
    raise MlkitTypeError(
        with_hint(
            NUMBERS_ERROR.format(name=name, detail=detail),
            "pass the output of model.predict_proba(X), or its column for the "
            "positive class.",
        )
    )


def _no_rows(name: str) -> None:
    raise MlkitValueError(
        with_hint(
            EMPTY_ERROR.format(name=name),
            "pass the probabilities of at least one row.",
        )
    )


def _check_range(p: np.ndarray, name: str = "y_prob") -> None:
    # Two reductions, no temporary array: NaN propagates through min and max and
    # fails both comparisons, so it is caught here too.
    low, high = p.min(), p.max()
    if low >= 0 and high <= 1:
        return
    finite = p[~np.isnan(p)]
    _range_error(
        int(np.isnan(p).sum()),
        int(((p < 0) | (p > 1)).sum()),
        finite.min() if finite.size else math.nan,
        finite.max() if finite.size else math.nan,
        name,
    )


def _range_error(
    missing: int, outside: int, low: float, high: float, name: str
) -> None:
    """Refuse probabilities with ``missing`` NaN and ``outside`` values out of [0, 1].

    ``low`` and ``high`` are the smallest and largest values that are not NaN.
    """
    parts = []
    if missing:
        parts.append(f"{missing:,} value(s) are missing (NaN)")
    if outside:
        parts.append(
            f"{outside:,} {'lies' if outside == 1 else 'lie'} outside it, from "
            f"{low:.4g} to {high:.4g}"
        )
    raise MlkitValueError(
        with_hint(
            PROBABILITY_ERROR.format(name=name, detail=" and ".join(parts)),
            "pass model.predict_proba(X), not decision_function or raw scores; drop "
            "the rows without a prediction.",
        )
    )


def _check_row_sums(matrix: np.ndarray, name: str = "y_prob") -> None:
    sums = matrix.sum(axis=1)
    bad = np.abs(sums - 1) > ROW_SUM_TOLERANCE
    if bad.any():
        _row_sum_error(
            int(bad.sum()), len(sums), sums[np.argmax(np.abs(sums - 1))], name
        )


def _row_sum_error(count: int, n: int, worst: float, name: str) -> None:
    raise MlkitValueError(
        with_hint(
            ROW_SUM_ERROR.format(name=name, count=count, n=n, worst=worst),
            "pass model.predict_proba(X), whose rows are probabilities over the "
            "classes; apply a softmax to scores first.",
        )
    )


def _check_missing(
    labels: np.ndarray, name: str, counts: np.ndarray | None = None
) -> None:
    """Refuse missing labels; ``counts``: the rows of each label, if they are distinct."""
    if labels.dtype.kind in "biu":
        return
    missing = pd.isna(labels)
    if missing.any():
        count = missing.sum() if counts is None else counts[missing].sum()
        raise MlkitValueError(
            with_hint(
                MISSING_ERROR.format(name=name, count=int(count)),
                "drop the rows without a label before measuring calibration.",
            )
        )


def _label_list(labels: Any, limit: int = 6) -> str:
    # Python scalars, so that a label reads 'a' rather than np.str_('a').
    items = labels.tolist() if isinstance(labels, np.ndarray) else list(labels)
    shown = ", ".join(map(repr, items[:limit]))
    return shown + (", ..." if len(labels) > limit else "")


def _binary_target(
    y: np.ndarray,
    positive_label: Any,
    name: str = "y_prob",
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, Any, tuple[Any, ...]]:
    """The target as 0.0/1.0 floats, the positive label, and the labels found.

    Numbers and booleans are read with a few reductions rather than a sort, so
    that a million labels cost milliseconds. ``y`` may also be the distinct
    labels of a table, with the rows of each in ``counts``.
    """
    n = len(y)
    kind = y.dtype.kind
    if kind == "b":
        n_true = int(np.count_nonzero(y))
        labels: tuple[Any, ...] = tuple(
            v for v, c in ((False, n - n_true), (True, n_true)) if c
        )
    elif kind in "iuf":
        low, high = y.min(), y.max()
        if kind == "f" and (np.isnan(low) or np.isnan(high)):
            _check_missing(y, "y_true", counts)
        if low == high:
            labels = (low.item(),)
        else:
            # Integers one apart can only be two labels; otherwise count the two
            # extremes and see whether they are all there is.
            two = (kind in "iu" and high - low == 1) or (
                np.count_nonzero(y == low) + np.count_nonzero(y == high) == n
            )
            if not two:
                _too_many_labels(y, name)
            labels = (low.item(), high.item())
    else:
        _check_missing(y, "y_true", counts)
        found = pd.unique(y)
        if len(found) > 2:
            _too_many_labels(y, name)
        try:
            labels = tuple(sorted(found.tolist()))
        except TypeError:
            labels = tuple(found.tolist())
    if positive_label is None:
        if set(labels) <= {0, 1} or set(labels) <= {-1, 1}:
            positive_label = True if kind == "b" else 1
        else:
            raise MlkitValueError(
                with_hint(
                    f"'positive_label' is needed: 'y_true' has the labels "
                    f"{_label_list(labels)}, and which one the probabilities are of "
                    "is not clear.",
                    f"pass positive_label={labels[-1]!r}, the class whose probability "
                    f"'{name}' holds.",
                )
            )
    elif len(labels) == 2 and positive_label not in labels:
        raise MlkitValueError(
            with_hint(
                f"'positive_label' is {positive_label!r}, which is not a label of "
                f"'y_true' ({_label_list(labels)}).",
                f"pass one of {_label_list(labels)}.",
            )
        )
    if positive_label not in labels:
        # A single class, and not the positive one: every row is a negative.
        return np.zeros(n), positive_label, labels
    if kind in "biu" and set(labels) <= {0, 1} and positive_label == 1:
        return y.astype(np.float64), positive_label, labels
    return (y == positive_label).astype(np.float64), positive_label, labels


def _too_many_labels(y: np.ndarray, name: str = "y_prob") -> None:
    found = pd.unique(y)
    swapped = (
        y.dtype.kind == "f"
        and bool(np.all((y >= 0) & (y <= 1)))
        and bool(np.any(y != np.round(y)))
    )
    raise MlkitValueError(
        with_hint(
            f"'y_true' has {len(found):,} labels ({_label_list(found)}), but a 1-d "
            f"'{name}' is the probability of one class of a binary problem.",
            f"swap the arguments: y_true comes first, then {name}."
            if swapped
            else "for a multiclass model pass the whole matrix, "
            f"{name}=model.predict_proba(X).",
        )
    )


def _class_positions(
    y: np.ndarray,
    classes: Any,
    k: int,
    name: str = "y_prob",
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Each label's column in a probability matrix of ``k`` columns, and the classes.

    ``y`` may also be the distinct labels of a table, with the rows of each in
    ``counts``.
    """
    _check_missing(y, "y_true", counts)
    if classes is None:
        try:
            found = np.unique(y)
        except TypeError:
            raise MlkitTypeError(
                with_hint(
                    "the labels of 'y_true' cannot be sorted to order the columns of "
                    f"'{name}'; got labels of mixed types ({_label_list(pd.unique(y))}).",
                    "pass classes=model.classes_, the labels of the columns in order.",
                )
            ) from None
        if len(found) != k:
            raise MlkitValueError(
                with_hint(
                    f"'classes' is needed: '{name}' has {k} columns but 'y_true' has "
                    f"{len(found)} labels ({_label_list(found)}), so the column of "
                    "each class is not known.",
                    "pass classes=model.classes_, the labels of the columns in order.",
                )
            )
        order = tuple(found.tolist())
    else:
        order = tuple(as_1d(classes, "classes").tolist())
        if len(order) != k or len(set(order)) != k:
            raise MlkitValueError(
                with_hint(
                    f"'classes' must name the {k} columns of '{name}', each once; got "
                    f"{len(order)} label(s): {_label_list(order)}.",
                    "pass classes=model.classes_.",
                )
            )
    positions = pd.Index(order).get_indexer(y)
    unknown = positions < 0
    if unknown.any():
        raise MlkitValueError(
            with_hint(
                f"'y_true' has labels that are not in 'classes' "
                f"({_label_list(order)}): {_label_list(pd.unique(y[unknown]))}.",
                "pass the labels the model was trained on, in the order of its "
                "columns: classes=model.classes_.",
            )
        )
    return positions, order


# --------------------------------------------------------------------------- binning


def _edges(p: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    """Bin edges as scikit-learn's ``calibration_curve`` computes them.

    For a 2-d ``p``, quantile edges are per column: shape (n_bins + 1, k).
    """
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    return np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100, axis=0)


def _bin_index(p: np.ndarray, edges: np.ndarray, uniform: bool) -> np.ndarray:
    """The bin of each probability, exactly as ``np.searchsorted(edges[1:-1], p)``.

    Bin i holds ``edges[i] < p <= edges[i + 1]``, and the first bin also holds
    ``edges[0]`` (scikit-learn's assignment). For uniform edges, ``p * n_bins``
    finds the bin to within one, since it differs from the exact edge comparison
    only by rounding; one comparison with each of the bin's two edges settles it.
    This takes about half the time of ``searchsorted``'s binary search.
    """
    n_bins = len(edges) - 1
    if not uniform or n_bins == 1:
        return np.searchsorted(edges[1:-1], p)
    lower = edges[:-1].copy()
    lower[0] = -np.inf
    upper = edges[1:].copy()
    upper[-1] = np.inf
    index = (p * n_bins).astype(np.intp)
    np.minimum(index, n_bins - 1, out=index)
    index -= p <= lower.take(index)
    index += p > upper.take(index)
    return index


def _binned(
    p: np.ndarray, y: np.ndarray, edges: np.ndarray, uniform: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, sum of probabilities and sum of outcomes per bin: one bincount each."""
    n_bins = len(edges) - 1
    index = _bin_index(p, edges, uniform)
    count = np.bincount(index, minlength=n_bins)
    sum_p = np.bincount(index, weights=p, minlength=n_bins)
    sum_y = np.bincount(index, weights=y, minlength=n_bins)
    return count, sum_p, sum_y


def _summary(
    count: np.ndarray, sum_p: np.ndarray, sum_y: np.ndarray, edges: np.ndarray
) -> tuple[pd.DataFrame, float, float]:
    """The table of non-empty bins, the ECE and the MCE."""
    kept = np.flatnonzero(count)
    rows = count[kept]
    predicted = sum_p[kept] / rows
    observed = sum_y[kept] / rows
    gap = np.abs(observed - predicted)
    table = pd.DataFrame(
        {
            "bin": kept,
            "lower": edges[kept],
            "upper": edges[kept + 1],
            "count": rows,
            "mean_predicted": predicted,
            "observed_frequency": observed,
        }
    )
    return table, float(np.dot(rows, gap) / rows.sum()), float(gap.max())


def _classwise_sums(
    matrix: np.ndarray, positions: np.ndarray, n_bins: int, strategy: str
) -> tuple[np.ndarray, np.ndarray]:
    """Sums of probabilities and of outcomes per class and bin, one column a class.

    Cell ``c * n_bins + b`` is bin b of class c, each column binned on its own.
    """
    n, k = matrix.shape
    uniform = strategy == "uniform"
    if uniform:
        index = _bin_index(matrix, _edges(matrix, n_bins, strategy), True)
    else:
        edges = _edges(matrix, n_bins, strategy)
        index = np.empty(matrix.shape, dtype=np.intp)
        for c in range(k):  # a loop over the classes; each column is one pass
            index[:, c] = np.searchsorted(edges[1:-1, c], matrix[:, c])
    # Bin b of class c becomes cell c * n_bins + b, so one bincount serves all.
    index += np.arange(k) * n_bins
    size = k * n_bins
    sum_p = np.bincount(index.ravel(), weights=matrix.ravel(), minlength=size)
    # A row is a positive for its own class only: its cell in that class's column.
    sum_y = np.bincount(index[np.arange(n), positions], minlength=size)
    return sum_p, sum_y


# --------------------------------------------------------------------------- reliability


@dataclass(frozen=True, repr=False)
class Reliability(Result):
    """How far predicted probabilities are from observed frequencies, bin by bin.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per non-empty bin; see :meth:`to_frame` for the columns.
    ece : float
        Expected calibration error: the mean over rows of the gap between the
        observed frequency and the mean prediction of the row's bin,
        ``sum(count * |observed - predicted|) / n``. 0 is perfect; for a
        multiclass model it is the top-label ECE.
    mce : float
        Maximum calibration error: the largest gap of any non-empty bin. It is
        noisy where a bin holds few rows.
    brier : float
        The Brier score, scikit-learn's ``brier_score_loss``: for a binary
        problem the mean of ``(y - p) ** 2`` over rows, in [0, 1]; for a
        multiclass one the mean over rows of the sum over classes of the squared
        difference to the one-hot label, in [0, 2].
    classwise_ece : float
        Multiclass only (NaN for a binary problem, whose ECE already is one class
        against the rest): the mean over classes of each class's one-vs-rest ECE.
    class_ece : pandas.Series
        Multiclass only (empty for a binary problem): each class's one-vs-rest
        ECE, indexed by class.
    n_samples : int
        Rows measured.
    n_bins : int
        Bins asked for; empty ones are left out of the table.
    strategy : str
        "uniform" (bins of equal width) or "quantile" (of equal rows).
    multiclass : bool
        Whether the top-label reliability of a multiclass model was measured.
    positive_label : object
        Binary: the label whose probability was measured; multiclass: None.
    classes : tuple
        The labels: for a matrix, of its columns in order; for a 1-d ``y_prob``,
        those found in ``y_true``.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.calibration import reliability
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=5_000)
    >>> result = reliability(rng.uniform(size=5_000) < p ** 0.5, p, n_bins=10)
    >>> list(result.to_frame().columns)
    ['bin', 'lower', 'upper', 'count', 'mean_predicted', 'observed_frequency']
    >>> result.ece > 0.1
    True
    """

    title: ClassVar[str] = "Reliability of predicted probabilities"
    table: pd.DataFrame
    ece: float
    mce: float
    brier: float
    classwise_ece: float
    class_ece: pd.Series
    n_samples: int
    n_bins: int
    strategy: str
    multiclass: bool
    positive_label: Any
    classes: tuple[Any, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per non-empty bin, in order of probability.

        Columns: ``bin`` (its position among the ``n_bins`` bins, from 0),
        ``lower`` and ``upper`` (its edges: it holds ``lower < p <= upper``, and
        the first bin also its lower edge), ``count`` (rows in it),
        ``mean_predicted`` (their mean probability; for a multiclass model their
        mean confidence, the largest probability of each row) and
        ``observed_frequency`` (the share of them that are positive; for a
        multiclass model, whose prediction is right). The last two equal
        scikit-learn's ``calibration_curve``'s ``prob_pred`` and ``prob_true``.
        """
        return self.table.copy()

    def chart(self) -> alt.VConcatChart:
        """The reliability diagram, with the rows of each bin below it."""
        from mlkit.charts import reliability_chart

        if self.multiclass:
            axes = {
                "x_title": "confidence (top-label probability)",
                "y_title": "accuracy",
            }
            subject = "top label"
        else:
            axes = {}
            subject = f"P({self.positive_label!r})"
        return reliability_chart(
            self.table,
            title=f"Reliability of {subject}: ECE {self.ece:.3f}",
            subtitle=(
                f"{self.n_samples:,} rows in {self.n_bins} {self.strategy} bins; "
                f"MCE {self.mce:.3f}, Brier {self.brier:.4f}"
            ),
            **axes,
        )

    def _direction(self) -> float:
        """Over-confidence (> 0) or under-confidence (< 0), in probability points.

        Top-label: mean confidence minus accuracy. Binary: the gap measured away
        from 0.5, so that a bin at 0.9 that is right 80 % of the time and a bin
        at 0.1 that is right 80 % of the time both count as over-confident.
        """
        t = self.table
        gap = t["mean_predicted"] - t["observed_frequency"]
        if not self.multiclass:
            gap = gap * np.where(t["mean_predicted"] >= 0.5, 1.0, -1.0)
        return float((gap * t["count"]).sum() / t["count"].sum())

    def _chance_ece(self) -> float:
        """About the ECE that a calibrated model would show here by chance.

        In a bin of c rows with mean prediction p, the observed frequency of a
        calibrated model differs from p by sqrt(2 / pi * p (1 - p) / c) on
        average (the mean absolute deviation of a binomial share).
        """
        t = self.table
        p = t["mean_predicted"].to_numpy()
        c = t["count"].to_numpy()
        return float(np.sum(np.sqrt(2 / math.pi * c * p * (1 - p))) / c.sum())

    def explain(self) -> str:
        t = self.table
        what = (
            "the top-label confidence is off from the accuracy"
            if self.multiclass
            else f"the predicted probability of {self.positive_label!r} is off from "
            "the observed frequency"
        )
        text = (
            f"Expected calibration error {self.ece:.3f}: over {self.n_samples:,} rows "
            f"in {self.n_bins} {self.strategy} bins, {what} by "
            f"{100 * self.ece:.1f} percentage points on average."
        )
        worst = t.iloc[
            int(np.argmax(np.abs(t["observed_frequency"] - t["mean_predicted"])))
        ]
        text += (
            f" The worst bin (MCE {self.mce:.3f}) holds {int(worst['count']):,} rows "
            f"predicted {worst['mean_predicted']:.2f} on average, of which "
            f"{worst['observed_frequency']:.2f} "
            + ("are right." if self.multiclass else "are positive.")
        )
        chance = self._chance_ece()
        direction = self._direction()
        if self.ece <= max(0.01, 2 * chance):
            text += (
                f" That is about what chance alone gives with this many rows per bin "
                f"(around {chance:.3f} for a perfectly calibrated model): the "
                "probabilities can be taken at their word."
            )
        else:
            level = "mildly" if self.ece < 0.05 else "badly"
            if abs(direction) < 0.3 * self.ece:
                shape = (
                    "too high in some ranges and too low in others, with no overall "
                    "lean"
                )
            elif direction > 0:
                shape = (
                    "over-confident: its probabilities are more extreme than the "
                    "outcomes warrant"
                )
            else:
                shape = (
                    "under-confident: its probabilities are more timid than the "
                    "outcomes warrant"
                )
            text += (
                f" The model is {level} miscalibrated, {shape} (by "
                f"{100 * abs(direction):.1f} percentage points on average; chance "
                "alone would give an ECE of about "
                f"{chance:.3f}). Before acting on these probabilities (a threshold "
                "from costs, an expected value), recalibrate on held-out rows with "
                "mlkit.calibration.calibrate: isotonic regression, Platt's sigmoid or "
                "temperature scaling."
            )
        if self.multiclass:
            text += (
                f" Class by class (one against the rest) the ECE is "
                f"{self.classwise_ece:.3f} on average, worst for "
                f"{self.class_ece.idxmax()!r} ({self.class_ece.max():.3f})."
            )
        elif len(self.classes) == 1:
            text += (
                f" Every row is of one class ({self.classes[0]!r}), so this measures "
                "only how close the probabilities are to 0 or 1; measure on rows of "
                "both classes."
            )
        text += (
            f" The Brier score is {self.brier:.4f} (lower is better); it mixes "
            "calibration with how well the model tells the classes apart. Chapter 6 "
            'of the book, "Model Calibration", covers why calibrated probabilities '
            "matter and how to get them."
        )
        return text


def reliability(
    y_true: Any,
    y_prob: Any,
    *,
    n_bins: int = 15,
    strategy: Strategy = "uniform",
    positive_label: Any = None,
    classes: Any = None,
    data: Any = None,
) -> Reliability:
    """Reliability diagram, ECE, MCE and Brier score of predicted probabilities.

    The rows are binned by their predicted probability; in each bin the mean
    prediction is compared with the share of rows that turned out positive. A
    calibrated model's bins lie on the diagonal. The bins and the per-bin
    numbers are exactly those of scikit-learn's ``calibration_curve``, computed
    in one vectorised pass (one ``np.bincount`` per statistic).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        The true labels: a list, an array or a Series.
    y_prob : array-like of shape (n,) or (n, k)
        Binary: the probability of the positive class, or a two-column matrix
        (``predict_proba``'s output). Multiclass: the (n, k) matrix of
        ``predict_proba``, each row summing to 1 (within ``ROW_SUM_TOLERANCE``).
    n_bins : int, default 15
        Number of bins; empty ones are left out of the table. About 100 rows per
        bin or more keeps the noise of the ECE small.
    strategy : {"uniform", "quantile"}, default "uniform"
        "uniform": bins of equal width over [0, 1]. "quantile": edges at the
        quantiles of the probabilities (``np.percentile``), so that the bins hold
        about as many rows each; it suits probabilities crowded near 0 or 1.
    positive_label : object, optional
        Binary only: the label whose probability ``y_prob`` holds. By default 1
        (or True) when the labels are 0 and 1, -1 and 1, or booleans; for a
        two-column matrix, ``classes[1]``. Other labels need it.
    classes : array-like, optional
        For a matrix: the labels of its columns in order, as ``model.classes_``.
        By default the sorted labels of ``y_true``, which must then have one
        label per column.
    data : DataFrame or table, optional
        A pandas DataFrame, or a table of polars (``DataFrame`` or
        ``LazyFrame``), pyarrow (``Table``), DuckDB (a relation) or Dask
        (``DataFrame``). ``y_true`` is then the name of its label column, and
        ``y_prob`` the name of its probability column, or a list of names, one
        column per class, for a matrix.

    Returns
    -------
    Reliability
        ``.ece``, ``.mce``, ``.brier``, ``.classwise_ece``, ``.table``
        (``.to_frame()``), ``.chart()`` and ``.explain()``.

    Notes
    -----
    Bins are closed on the right: bin i holds ``edges[i] < p <= edges[i + 1]``,
    and the first bin also its lower edge, as ``np.searchsorted`` on the inner
    edges assigns them in ``calibration_curve``. The ECE weighs each bin by its
    rows: ``sum(count * |observed - predicted|) / n``. It depends on the bins and
    is biased upwards when bins hold few rows: :meth:`Reliability.explain` says
    about how large it would be by chance.

    For a multiclass matrix, ``ece``, ``mce`` and the table are the top-label
    reliability (Guo et al., 2017): confidence is a row's largest probability,
    and a row counts as right when that column (the first on ties) is its label.
    ``classwise_ece`` averages each class's one-vs-rest ECE (Kull et al., 2019),
    with each column binned on its own quantiles under "quantile".

    A target with a single class is accepted: every number here is defined for
    it, though it says only how close the probabilities are to 0 or 1.

    With a table of another engine as ``data``, the engine computes one small
    table, grouped by bin and label (and predicted class, for a matrix): the
    rows, and the sums of the probabilities and of their squares, with the
    checks of the probabilities (missing values, values outside [0, 1], rows not
    summing to 1). The Brier score follows exactly from those sums, and
    everything else is finished as for pandas, so the results are the same up
    to the order of the floating-point sums. The bins are the same: each row's
    bin is found by comparing it with the edges. Quantile edges are those of
    ``np.percentile``: numpy interpolates between order statistics that the
    engine finds by rank. A Dask table spread over partitions does not rank its
    rows, so ``strategy="quantile"`` is refused there.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.calibration import reliability
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=10_000)
    >>> y = rng.uniform(size=10_000) < p
    >>> result = reliability(y, p, n_bins=10)
    >>> result.table[["count", "mean_predicted"]].head(2).round(3)
       count  mean_predicted
    0   1033           0.051
    1   1016           0.151
    >>> result.ece < 0.02
    True

    Three classes, with labels as text:

    >>> labels = np.array(["cat", "dog", "fox"])
    >>> proba = rng.dirichlet([1, 1, 1], size=3_000)
    >>> truth = labels[(proba.cumsum(axis=1) < rng.uniform(size=(3_000, 1))).sum(axis=1)]
    >>> multi = reliability(truth, proba, classes=labels)
    >>> multi.multiclass, multi.ece < 0.05, multi.classwise_ece < 0.05
    (True, True, True)

    A polars table, measured by polars; the columns are named:

    >>> import polars as pl
    >>> table = pl.DataFrame({"clicked": y, "score": p})
    >>> in_polars = reliability("clicked", "score", n_bins=10, data=table)
    >>> in_polars.table["count"].tolist() == result.table["count"].tolist()
    True
    >>> bool(np.isclose(in_polars.ece, result.ece, rtol=1e-9))
    True
    """
    return _reliability(
        y_true,
        y_prob,
        n_bins=n_bins,
        strategy=strategy,
        positive_label=positive_label,
        classes=classes,
        data=data,
    )


def _reliability(
    y_true: Any,
    y_prob: Any,
    *,
    n_bins: Any,
    strategy: Any,
    positive_label: Any,
    classes: Any,
    name: str = "y_prob",
    data: Any = None,
) -> Reliability:
    """:func:`reliability`, its messages naming the probabilities ``name``."""
    n_bins = _check_n_bins(n_bins)
    check_choice(strategy, STRATEGIES, "strategy")
    frame, values = resolve(
        data,
        {"y_true": y_true, name: y_prob},
        several=[name],
        required=["y_true", name],
    )
    if frame is not None:
        return _reliability_in_engine(
            frame,
            values["y_true"][0],
            values[name],
            n_bins=n_bins,
            strategy=strategy,
            positive_label=positive_label,
            classes=classes,
            name=name,
        )
    probabilities = _probabilities(values[name], name)
    n = probabilities.shape[0]
    y = as_1d(values["y_true"], "y_true", length=n)
    _check_range(probabilities, name)
    k = 1 if probabilities.ndim == 1 else probabilities.shape[1]
    if k > 1:
        _check_row_sums(probabilities, name)
    outcome, positions, column, positive_label, labels = _target(
        y, k, classes, positive_label, name
    )

    class_sums = None
    if k > 2:
        predicted = probabilities.argmax(axis=1)
        p = probabilities[np.arange(n), predicted]
        outcome = (predicted == positions).astype(np.float64)
        class_sums = _classwise_sums(probabilities, positions, n_bins, strategy)
        residual = probabilities.copy()
        residual[np.arange(n), positions] -= 1.0
        squares = np.vdot(residual, residual)
    else:
        p = probabilities if k == 1 else np.ascontiguousarray(probabilities[:, column])
        # sum (p - y)^2 = p.p - 2 p.y + sum y, as y is 0 or 1: three dot products
        # and no temporary array, a quarter of the time of forming p - y.
        squares = np.dot(p, p) - 2 * np.dot(p, outcome) + outcome.sum()

    edges = _edges(p, n_bins, strategy)
    count, sum_p, sum_y = _binned(p, outcome, edges, strategy == "uniform")
    return _finish(
        count,
        sum_p,
        sum_y,
        edges,
        squares=squares,
        class_sums=class_sums,
        n_bins=n_bins,
        strategy=strategy,
        positive_label=positive_label,
        labels=labels,
    )


def _target(
    y: np.ndarray,
    k: int,
    classes: Any,
    positive_label: Any,
    name: str,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, int | None, Any, tuple[Any, ...]]:
    """How the labels ``y`` read against probabilities of ``k`` columns.

    ``k`` is 1 for a 1-d ``y_prob``. ``y`` holds the labels of the rows, or the
    distinct labels of a table with the rows of each in ``counts``. Returns,
    for each value of ``y``, its outcome (0.0 or 1.0; binary only) and its
    column (for a matrix), then the column of the positive class (binary
    only), the positive label (None for a multiclass matrix) and the labels.
    """
    if k == 1:
        if classes is not None:
            raise MlkitValueError(
                with_hint(
                    UNUSED_ERROR.format(
                        name="classes",
                        case="a matrix of probabilities",
                        got=classes,
                    ),
                    f"with a 1-d {name}, say which class it is the probability of "
                    "with positive_label=...",
                )
            )
        outcome, positive_label, labels = _binary_target(
            y, positive_label, name, counts
        )
        return outcome, None, 0, positive_label, labels
    positions, labels = _class_positions(y, classes, k, name, counts)
    if k > 2:
        if positive_label is not None:
            raise MlkitValueError(
                with_hint(
                    UNUSED_ERROR.format(
                        name="positive_label",
                        case="a binary problem",
                        got=positive_label,
                    ),
                    "drop it: a multiclass matrix is measured on its top label "
                    "and class by class.",
                )
            )
        return None, positions, None, None, labels
    if positive_label is None:
        positive_label = labels[1]
    elif positive_label not in labels:
        raise MlkitValueError(
            with_hint(
                f"'positive_label' is {positive_label!r}, which is not one of "
                f"'classes' ({_label_list(labels)}).",
                f"pass one of {_label_list(labels)}.",
            )
        )
    column = labels.index(positive_label)
    outcome = (positions == column).astype(np.float64)
    return outcome, positions, column, positive_label, labels


def _finish(
    count: np.ndarray,
    sum_p: np.ndarray,
    sum_y: np.ndarray,
    edges: np.ndarray,
    *,
    squares: float,
    class_sums: tuple[np.ndarray, np.ndarray] | None,
    n_bins: int,
    strategy: str,
    positive_label: Any,
    labels: tuple[Any, ...],
) -> Reliability:
    """The :class:`Reliability` from sums per bin, however they were computed.

    The pandas path and the engines both end here. ``count``, ``sum_p`` and ``sum_y``: rows, sum of probabilities and sum of
    outcomes per bin (of the positive class, or of the top label); ``squares``:
    the sum over rows of the squared errors of the Brier score; ``class_sums``:
    for a multiclass matrix, the sums of probabilities and of outcomes per class
    and bin, cell ``c * n_bins + b``.
    """
    table, ece, mce = _summary(count, sum_p, sum_y, edges)
    n = int(count.sum())
    multiclass = class_sums is not None
    if multiclass:
        class_p, class_y = class_sums
        gap = np.abs(class_y - class_p).reshape(len(labels), n_bins)
        per_class = gap.sum(axis=1) / n
        class_ece = pd.Series(per_class, index=pd.Index(labels), name="ece")
        classwise = float(per_class.mean())
    else:
        class_ece = pd.Series(dtype="float64", name="ece")
        classwise = math.nan
    return Reliability(
        table=table,
        ece=ece,
        mce=mce,
        brier=max(float(squares / n), 0.0),
        classwise_ece=classwise,
        class_ece=class_ece,
        n_samples=n,
        n_bins=n_bins,
        strategy=strategy,
        multiclass=multiclass,
        positive_label=None if multiclass else positive_label,
        classes=tuple(labels),
    )


# --------------------------------------------------------------------------- engines


def _reliability_in_engine(
    frame: nw.LazyFrame,
    true: str,
    prob: list[str],
    *,
    n_bins: int,
    strategy: str,
    positive_label: Any,
    classes: Any,
    name: str,
) -> Reliability:
    """:func:`reliability` of the columns of a table of another engine.

    The engine computes one small table, grouped by part, bin, label and
    predicted class (see :func:`_engine_sums`); the checks and the statistics
    are then those of the pandas path, on the distinct labels.
    """
    import narwhals as nw

    schema = frame.collect_schema()
    for column in prob:
        dtype = schema[column]
        if not (dtype.is_numeric() or dtype.is_boolean()):
            _not_numbers(name, f"column {column!r} is of type {dtype}")
    k = len(prob)
    columns = [nw.col(c).cast(nw.Float64) for c in prob]
    # The parts: each column on its own, and for a multiclass matrix its top
    # label, the largest probability of each row.
    parts = columns + ([nw.max_horizontal(*columns)] if k > 2 else [])
    if strategy == "uniform":
        edges = [_edges(np.empty(0), n_bins, strategy)] * len(parts)
    else:
        edges = _engine_quantile_edges(frame, parts, n_bins)
    sums = _engine_sums(frame, true, prob, parts, edges)

    part = sums["part"].to_numpy()
    bins = sums["bin"].to_numpy()
    count = sums["count"].to_numpy(dtype=np.float64)
    sum_p = sums["p"].to_numpy(dtype=np.float64)
    sum_p2 = sums["p2"].to_numpy(dtype=np.float64)
    first = part == 0
    n = int(count[first].sum())
    if n == 0:
        _no_rows(name)
    of_columns = part < k
    missing = int((count - sums["present"].to_numpy())[of_columns].sum())
    outside = int(sums["outside"][of_columns].sum())
    if missing or outside:
        _range_error(
            missing,
            outside,
            float(sums["low"][of_columns].min()),
            float(sums["high"][of_columns].max()),
            name,
        )
    if k > 1:
        bad = int(sums["bad"][first].sum())
        if bad:
            low = float(sums["low_sum"][first].min())
            high = float(sums["high_sum"][first].max())
            _row_sum_error(bad, n, high if high - 1 >= 1 - low else low, name)
    codes, distinct = pd.factorize(
        sums["label"].to_numpy(), sort=True, use_na_sentinel=False
    )
    rows = np.bincount(codes[first], weights=count[first], minlength=len(distinct))
    outcome, positions, column, positive_label, labels = _target(
        np.asarray(distinct), k, classes, positive_label, name, rows
    )

    def binned(
        kept: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        def total(weights: np.ndarray) -> np.ndarray:
            return np.bincount(bins[kept], weights=weights[kept], minlength=n_bins)

        return total(count).astype(np.int64), total(sum_p), total(count * y)

    class_sums = None
    if k > 2:
        # A row is a positive for its own class only, and right when its top
        # label is its class.
        own = positions[codes] == part
        right = (sums["predicted"].to_numpy() == positions[codes]).astype(np.float64)
        kept = part == k
        cells = (part * n_bins + bins)[of_columns]
        size = k * n_bins
        class_sums = (
            np.bincount(cells, weights=sum_p[of_columns], minlength=size),
            np.bincount(cells, weights=(count * own)[of_columns], minlength=size),
        )
        squares = sum_p2[of_columns].sum() - 2 * sum_p[own].sum() + n
        count_b, sum_p_b, sum_y_b = binned(kept, right)
        edge = edges[k]
    else:
        y = outcome[codes]
        kept = part == column
        squares = (
            sum_p2[kept].sum()
            - 2 * np.dot(sum_p[kept], y[kept])
            + count[kept] @ y[kept]
        )
        count_b, sum_p_b, sum_y_b = binned(kept, y)
        edge = edges[column]
    return _finish(
        count_b,
        sum_p_b,
        sum_y_b,
        edge,
        squares=squares,
        class_sums=class_sums,
        n_bins=n_bins,
        strategy=strategy,
        positive_label=positive_label,
        labels=labels,
    )


def _engine_sums(
    frame: nw.LazyFrame,
    true: str,
    prob: list[str],
    parts: list[nw.Expr],
    edges: list[np.ndarray],
) -> pd.DataFrame:
    """Rows, sums and checks per part, bin, label and predicted class: one group-by.

    Part c < k is column c of the probabilities, part k (a multiclass matrix
    only) the top label, with its column as the predicted class. The bin of a
    probability is the number of inner edges below it, as ``np.searchsorted``
    finds it. The checks of the probabilities (missing, outside [0, 1], sums of
    the rows) are sums, minima and maxima, so they merge across groups.
    """
    import narwhals as nw

    k = len(prob)
    columns = [nw.col(c).cast(nw.Float64) for c in prob]
    integer, real = nw.Int64, nw.Float64

    def rows(frame: nw.LazyFrame) -> nw.LazyFrame:
        selected = []
        for part, (p, inner) in enumerate(zip(parts, edges, strict=True)):
            above = [(p > float(e)).cast(integer) for e in inner[1:-1]]
            if part == k:
                # The first column holding the row's largest probability, as argmax.
                predicted = nw.min_horizontal(
                    *[
                        (c != p).cast(integer) * (k - j) + j
                        for j, c in enumerate(columns)
                    ]
                )
            else:
                predicted = nw.lit(-1).cast(integer)
            if part == 0 and k > 1:
                row_sum = nw.sum_horizontal(*columns)
                bad = ((row_sum - 1).abs() > ROW_SUM_TOLERANCE).cast(integer)
            else:
                row_sum, bad = nw.lit(1.0).cast(real), nw.lit(0).cast(integer)
            selected.append(
                frame.select(
                    nw.lit(part).cast(integer).alias("part"),
                    (nw.sum_horizontal(*above) if above else nw.lit(0))
                    .cast(integer)
                    .alias("bin"),
                    nw.col(true).alias("label"),
                    predicted.alias("predicted"),
                    # NaN as missing: every engine then counts it out, and the
                    # range check refuses it.
                    p.fill_nan(None).alias("p"),
                    (p * p).alias("p2"),
                    ((p < 0) | (p > 1)).cast(integer).alias("outside"),
                    bad.alias("bad"),
                    row_sum.alias("row_sum"),
                )
            )
        return selected[0] if len(selected) == 1 else nw.concat(selected)

    return aggregate(
        frame,
        rows,
        ["part", "bin", "label", "predicted"],
        {
            "count": ("len", None),
            "present": ("count", "p"),
            "p": ("sum", "p"),
            "p2": ("sum", "p2"),
            "outside": ("sum", "outside"),
            "low": ("min", "p"),
            "high": ("max", "p"),
            "bad": ("sum", "bad"),
            "low_sum": ("min", "row_sum"),
            "high_sum": ("max", "row_sum"),
        },
        columns=[true, *prob],
    )


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation from ``a`` to ``b``, rounded as ``np.percentile`` rounds."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _engine_quantile_edges(
    frame: nw.LazyFrame, parts: list[nw.Expr], n_bins: int
) -> list[np.ndarray]:
    """The quantile edges of each part, exactly those of ``np.percentile``.

    ``np.percentile`` interpolates between two order statistics of the sorted
    values. Those order statistics are found by the engine (the rows whose rank
    is wanted, a few dozen), and the interpolation is numpy's. Where the
    probabilities are missing or not finite, the range check refuses them
    later; the edges are then uniform, only so that the group-by can run.
    """
    import narwhals as nw

    if frame.implementation.is_dask():
        raise MlkitValueError(
            with_hint(
                ENGINE_QUANTILE_ERROR,
                "use strategy='uniform'; or, if the rows fit in memory, pass "
                "data=table.compute(), a pandas frame.",
            )
        )
    placeholder = [_edges(np.empty(0), n_bins, "uniform")] * len(parts)
    n = int(collect(frame.select(nw.len().alias("n")))["n"].iloc[0])
    if n == 0:
        return placeholder
    # As np.percentile: the percentages divided by 100, and the order statistics
    # on either side of (n - 1) * q, the last one from there on.
    q = np.linspace(0, 1, n_bins + 1) * 100 / 100
    virtual = (n - 1) * q
    below = np.floor(virtual)
    gamma = virtual - below
    below = np.minimum(below.astype(np.int64), n - 1)
    above = np.minimum(below + 1, n - 1)
    wanted = sorted(set((below + 1).tolist()) | set((above + 1).tolist()))
    ranked = frame.select(
        *[p.alias(f"p{j}") for j, p in enumerate(parts)],
        *[p.rank("ordinal").alias(f"r{j}") for j, p in enumerate(parts)],
    )
    found = collect(
        ranked.filter(
            nw.any_horizontal(
                *[nw.col(f"r{j}").is_in(wanted) for j in range(len(parts))],
                ignore_nulls=True,
            )
        )
    )
    edges = []
    for j in range(len(parts)):
        ranks = found[f"r{j}"].to_numpy(dtype=np.float64, na_value=np.nan)
        values = found[f"p{j}"].to_numpy(dtype=np.float64, na_value=np.nan)
        lookup = dict(zip(ranks.tolist(), values.tolist(), strict=True))
        if not all(float(r) in lookup for r in wanted):
            return placeholder  # missing probabilities, refused by the range check
        a = np.array([lookup[float(r)] for r in below + 1])
        b = np.array([lookup[float(r)] for r in above + 1])
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            return placeholder
        edges.append(_lerp(a, b, gamma))
    return edges


# --------------------------------------------------------------------------- before and after


def _metrics_frame(before: Reliability, after: Reliability) -> pd.DataFrame:
    """One row per measure of calibration: its value before, after, and the change."""
    metrics = ["ece", "mce", "brier"]
    if before.multiclass:
        metrics.append("classwise_ece")
    values_before = [getattr(before, m) for m in metrics]
    values_after = [getattr(after, m) for m in metrics]
    return pd.DataFrame(
        {
            "metric": metrics,
            "before": values_before,
            "after": values_after,
            "change": np.subtract(values_after, values_before),
        }
    )


def _before_after_chart(
    before: Reliability,
    after: Reliability,
    names: tuple[str, str],
    *,
    title: str,
    subtitle: str,
) -> alt.VConcatChart:
    """The two reliability curves in one diagram, coloured by ``names``."""
    from mlkit.charts import reliability_chart

    frame = pd.concat(
        [before.table.assign(model=names[0]), after.table.assign(model=names[1])],
        ignore_index=True,
    )
    axes = (
        {"x_title": "confidence (top-label probability)", "y_title": "accuracy"}
        if before.multiclass
        else {}
    )
    return reliability_chart(
        frame, color="model", title=title, subtitle=subtitle, **axes
    )


@dataclass(frozen=True, repr=False)
class ReliabilityComparison(Result):
    """Reliability of two sets of probabilities for the same rows, such as before and after calibration.

    Attributes
    ----------
    before, after : Reliability
        :func:`reliability` of each set of probabilities, on the same labels,
        bins and strategy.
    names : tuple of str
        What the two sets are, as shown in the chart: ``("before", "after")``
        by default.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.calibration import compare_reliability
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=4_000)
    >>> y = rng.uniform(size=4_000) < p
    >>> result = compare_reliability(y, p ** 2, p, n_bins=10)
    >>> result.to_frame()["metric"].tolist()
    ['ece', 'mce', 'brier']
    >>> result.after.ece < result.before.ece
    True
    """

    title: ClassVar[str] = "Reliability before and after"
    before: Reliability
    after: Reliability
    names: tuple[str, str]

    def to_frame(self) -> pd.DataFrame:
        """One row per measure of calibration.

        Columns: ``metric`` ("ece", "mce", "brier", and "classwise_ece" for a
        multiclass model; see :class:`Reliability`), ``before`` and ``after``
        (its value for the first and the second set of probabilities) and
        ``change`` (after minus before; negative is better for all of them).
        The bins of each are in ``before.table`` and ``after.table``.
        """
        return _metrics_frame(self.before, self.after)

    def chart(self) -> alt.VConcatChart:
        """The two reliability curves in one diagram, with the rows per bin below."""
        return _before_after_chart(
            self.before,
            self.after,
            self.names,
            title=(
                f"Reliability, {self.names[0]} and {self.names[1]}: ECE "
                f"{self.before.ece:.3f} → {self.after.ece:.3f}"
            ),
            subtitle=(
                f"{self.before.n_samples:,} rows in {self.before.n_bins} "
                f"{self.before.strategy} bins"
            ),
        )

    def explain(self) -> str:
        before, after = self.before, self.after
        first, second = self.names
        text = (
            f"On {before.n_samples:,} rows in {before.n_bins} {before.strategy} bins, "
            f"the ECE is {before.ece:.3f} {first} and {after.ece:.3f} {second}, and "
            f"the Brier score {before.brier:.4f} and {after.brier:.4f}."
        )
        chance = max(before._chance_ece(), after._chance_ece())
        gap = after.ece - before.ece
        if abs(gap) <= chance:
            text += (
                f" The difference ({gap:+.3f}) is within what chance alone gives with "
                f"this many rows per bin (about {chance:.3f}): the two are about "
                "equally calibrated."
            )
        else:
            better = second if gap < 0 else first
            text += f" The probabilities {better} are the better calibrated."
        text += (
            " The ECE depends on the bins: a difference that holds with other numbers "
            "of bins and with quantile bins is real. The Brier score needs no bins, "
            "but mixes calibration with how well the classes are told apart. Chapter "
            '6 of the book, "Model Calibration", covers recalibration.'
        )
        return text


def compare_reliability(
    y_true: Any,
    before: Any,
    after: Any,
    *,
    n_bins: int = 15,
    strategy: Strategy = "uniform",
    positive_label: Any = None,
    classes: Any = None,
    names: tuple[str, str] = ("before", "after"),
) -> ReliabilityComparison:
    """The reliability of two sets of probabilities for the same rows, on the same bins.

    Calls :func:`reliability` on each, with the same labels, bins and
    strategy: for probabilities before and after calibration, or of two
    models. Nothing is fitted, so it suits moving the bins around.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        The true labels.
    before, after : array-like of shape (n,) or (n, k)
        The two sets of probabilities, as :func:`reliability` takes them.
    n_bins, strategy, positive_label, classes
        As :func:`reliability`, for both.
    names : tuple of two str, default ("before", "after")
        What the two sets are, for the chart and the explanation.

    Returns
    -------
    ReliabilityComparison
        ``.before`` and ``.after`` (:class:`Reliability`), ``.to_frame()``
        (ECE, MCE and Brier score of each, and the change), ``.chart()``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.calibration import calibration_curve
    >>> from mlkit.calibration import compare_reliability
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(size=5_000)
    >>> y = (rng.uniform(size=5_000) < p).astype(int)
    >>> result = compare_reliability(y, p ** 3, p, n_bins=5,
    ...                              names=("raw", "recalibrated"))
    >>> result.to_frame().round(3)
      metric  before  after  change
    0    ece   0.239  0.014  -0.224
    1    mce   0.344  0.029  -0.315
    2  brier   0.239  0.171  -0.068
    >>> prob_true, _ = calibration_curve(y, p ** 3, n_bins=5)
    >>> bool(np.allclose(result.before.table["observed_frequency"], prob_true))
    True
    """
    if (
        not isinstance(names, (tuple, list))
        or len(names) != 2
        or not all(isinstance(v, str) and v for v in names)
        or names[0] == names[1]
    ):
        raise MlkitValueError(
            with_hint(
                f"'names' must be two different, non-empty strings; got {names!r}.",
                "pass names=('before', 'after'), or the names of two models.",
            )
        )
    options = {
        "n_bins": n_bins,
        "strategy": strategy,
        "positive_label": positive_label,
        "classes": classes,
    }
    return ReliabilityComparison(
        before=_reliability(y_true, before, **options, name="before"),
        after=_reliability(y_true, after, **options, name="after"),
        names=(names[0], names[1]),
    )


# --------------------------------------------------------------------------- calibrate


@dataclass(frozen=True, repr=False)
class Calibration(Result):
    """A classifier recalibrated on held-out rows, with its reliability before and after.

    Attributes
    ----------
    model : sklearn.calibration.CalibratedClassifierCV
        The calibrated classifier: the original model, frozen, followed by the
        calibrator. Use its ``predict_proba`` (and ``predict``) from now on.
    before, after : Reliability
        The reliability of the original and of the calibrated model, on the
        evaluation rows.
    method : str
        "isotonic", "sigmoid" or "temperature".
    n_calibration : int
        Rows the calibrator was fitted on.
    held_out : bool
        Whether ``before`` and ``after`` were measured on separate evaluation
        rows (``X_eval``, ``y_eval``); if not, on the calibration rows, which
        flatters ``after``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from mlkit.calibration import calibrate
    >>> X, y = make_classification(6_000, n_informative=6, random_state=0)
    >>> model = GaussianNB().fit(X[:2_000], y[:2_000])
    >>> result = calibrate(model, X[2_000:4_000], y[2_000:4_000],
    ...                    X_eval=X[4_000:], y_eval=y[4_000:])
    >>> result.to_frame()["metric"].tolist()
    ['ece', 'mce', 'brier']
    >>> result.after.ece < result.before.ece
    True
    """

    title: ClassVar[str] = "Recalibration"
    model: Any
    before: Reliability
    after: Reliability
    method: str
    n_calibration: int
    held_out: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per measure of calibration.

        Columns: ``metric`` ("ece", "mce", "brier", and "classwise_ece" for a
        multiclass model; see :class:`Reliability`), ``before`` and ``after``
        (its value for the original and the calibrated model) and ``change``
        (after minus before; negative is better for all of them).
        """
        return _metrics_frame(self.before, self.after)

    def chart(self) -> alt.VConcatChart:
        """The reliability curves of the original and the calibrated model together."""
        where = "held-out" if self.held_out else "calibration (optimistic)"
        return _before_after_chart(
            self.before,
            self.after,
            ("before", f"after ({self.method})"),
            title=(
                f"Recalibration with {_METHOD_NAMES[self.method]}: ECE "
                f"{self.before.ece:.3f} → {self.after.ece:.3f}"
            ),
            subtitle=f"measured on {self.before.n_samples:,} {where} rows",
        )

    def _ranking(self) -> str:
        """What the method does to the model's ranking and predicted classes."""
        if self.before.multiclass:
            if self.method == "temperature":
                return (
                    "Temperature scaling divides all the scores by one number, so "
                    "each row keeps its predicted class."
                )
            return (
                f"{_METHOD_NAMES[self.method].capitalize()} calibrates each class "
                "against the rest and then rescales the rows to sum to 1, which can "
                "change the predicted class of some rows: check the accuracy too."
            )
        if self.method == "isotonic":
            return (
                "Isotonic regression keeps the order of the scores but can tie "
                "neighbours, so the ROC AUC may move slightly."
            )
        return (
            f"{_METHOD_NAMES[self.method].capitalize()} is a monotone map of the "
            "scores, so it keeps their order and the ROC AUC."
        )

    def explain(self) -> str:
        before, after = self.before, self.after
        name = _METHOD_NAMES[self.method]
        where = (
            f"{before.n_samples:,} held-out rows"
            if self.held_out
            else f"the {before.n_samples:,} calibration rows themselves"
        )
        text = (
            f"Recalibrating with {name} on {self.n_calibration:,} rows took the ECE "
            f"from {before.ece:.3f} to {after.ece:.3f} and the Brier score from "
            f"{before.brier:.4f} to {after.brier:.4f}, measured on {where}."
        )
        if not self.held_out:
            text += (
                " Those figures are optimistic: the calibrator was fitted to the very "
                "rows it is judged on (isotonic regression most of all, with a step "
                "per handful of rows). Pass X_eval and y_eval, rows used for neither "
                "training nor calibration, for an honest measure."
            )
        if after.ece >= before.ece:
            text += (
                " Calibration did not lower the ECE here: the model may be calibrated "
                "already, or the calibration rows too few for the method"
                + (
                    " (isotonic regression wants about a thousand; try "
                    "method='sigmoid' or 'temperature', which fit one or two numbers)"
                    if self.method == "isotonic"
                    else ""
                )
                + ". Keep the original model unless its reliability matters more "
                "than this result shows."
            )
        else:
            text += " Use result.model.predict_proba from now on. " + self._ranking()
        text += (
            " The calibration rows must be held out from training: on its training "
            "rows a model's probabilities look better than they are, and the "
            "calibrator would learn that. Recalibrate when the data drift, since "
            'calibration is a property of the data too. Chapter 6 of the book, "Model '
            'Calibration", covers these methods.'
        )
        return text


def _check_model(model: Any) -> np.ndarray:
    """The model's classes, once it is known to be a fitted classifier with probabilities."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    kind = type(model).__name__
    if not hasattr(model, "predict_proba"):
        raise MlkitTypeError(
            with_hint(
                NO_PROBA_ERROR.format(kind=kind),
                "pass a classifier with predict_proba (for an SVC, "
                "SVC(probability=True)). A model with only decision_function has "
                "scores, not probabilities, so there is no 'before' to compare: "
                "calibrate it directly with CalibratedClassifierCV("
                "FrozenEstimator(model)) and measure the result with reliability().",
            )
        )
    try:
        check_is_fitted(model)
    except (NotFittedError, TypeError):
        raise MlkitValueError(
            with_hint(
                NOT_FITTED_ERROR.format(kind=kind),
                "fit it on the training rows first, then calibrate it on other rows.",
            )
        ) from None
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise MlkitTypeError(
            with_hint(
                f"'model' must have classes_, as a fitted scikit-learn classifier "
                f"has; {kind} has none.",
                "pass a scikit-learn classifier, or a Pipeline ending with one.",
            )
        )
    return np.asarray(classes)


def _check_labels(
    y: Any, classes: np.ndarray, name: str, length: int, *, every_class: bool
) -> np.ndarray:
    labels = as_1d(y, name, length=length)
    _check_missing(labels, name)
    positions = pd.Index(classes).get_indexer(labels)
    unknown = positions < 0
    if unknown.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has labels the model does not know: "
                f"{_label_list(pd.unique(labels[unknown]))}; its classes are "
                f"{_label_list(classes)}.",
                "pass labels of the classes the model was trained on.",
            )
        )
    if not every_class:
        return labels
    counts = np.bincount(positions, minlength=len(classes))
    if np.count_nonzero(counts) == 1:
        raise MlkitValueError(
            with_hint(
                SINGLE_CLASS_ERROR.format(
                    name=name,
                    label=classes[np.argmax(counts)].item(),
                    why="a calibrator learns how often each class happens at each "
                    "score, which needs rows of every class.",
                ),
                "use a larger, stratified calibration set, such as one from "
                "train_test_split(..., stratify=y).",
            )
        )
    if counts.min() < MIN_PER_CLASS:
        rare = classes[np.argmin(counts)]
        rare = rare.item() if hasattr(rare, "item") else rare  # numpy scalar or str
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {counts.min()} row(s) of class {rare!r}; calibration "
                f"needs at least {MIN_PER_CLASS} of each class the model predicts.",
                "use a larger, stratified calibration set; a calibrator fitted on a "
                "handful of rows of a class says little about it.",
            )
        )
    return labels


def calibrate(
    model: Any,
    X: Any,
    y: Any,
    *,
    method: Method = "isotonic",
    X_eval: Any = None,
    y_eval: Any = None,
    n_bins: int = 15,
) -> Calibration:
    """Recalibrate a fitted classifier on held-out rows, and measure before and after.

    Fits scikit-learn's ``CalibratedClassifierCV(FrozenEstimator(model),
    method=method)`` on ``(X, y)``: the model itself is left as it is, and a
    calibrator learns to map its scores to probabilities that match the
    observed frequencies.

    Parameters
    ----------
    model : fitted scikit-learn classifier or Pipeline
        A classifier with ``predict_proba``, already trained. It is not refitted.
    X, y : array-like
        The calibration rows. They must be held out from training: on its
        training rows a model's probabilities look better than they are (an
        over-fitted model is sure and right), so a calibrator fitted there would
        leave the model as over-confident as it was. A validation split is the
        usual source. Every class the model predicts needs at least
        ``MIN_PER_CLASS`` rows.
    method : {"isotonic", "sigmoid", "temperature"}, default "isotonic"
        "isotonic": isotonic regression, a step function that fits any monotone
        distortion but wants about a thousand calibration rows. "sigmoid":
        Platt's logistic map of the scores, two numbers per class, for small
        calibration sets and S-shaped distortions. "temperature": one number
        that softens or sharpens all the classes' probabilities at once; the
        usual choice for over-confident multiclass models, such as neural
        networks.
    X_eval, y_eval : array-like, optional
        Rows used for neither training nor calibration, on which the
        reliability before and after is measured. Without them it is measured
        on the calibration rows, which flatters the calibrated model.
    n_bins : int, default 15
        Bins of the reliability measures (uniform).

    Returns
    -------
    Calibration
        ``.model`` (the calibrated classifier), ``.before`` and ``.after``
        (:class:`Reliability`), ``.to_frame()``, ``.chart()`` and ``.explain()``.

    Notes
    -----
    For a binary model, reliability is that of ``model.classes_[1]``; for a
    multiclass one, the top label and the classes one by one. The calibrator
    works on the model's ``decision_function`` where it has one, else on its
    ``predict_proba`` (scikit-learn's choice). The calibration
    rows are predicted in the five stratified folds of ``CalibratedClassifierCV``;
    with a frozen model every fold gives the same predictions as one call would.
    Chapter 6 of the book, "Model Calibration", presents Platt scaling and the
    reasons to calibrate.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from mlkit.calibration import calibrate
    >>> X, y = make_classification(3_000, random_state=1)
    >>> forest = RandomForestClassifier(50, random_state=0).fit(X[:1_000], y[:1_000])
    >>> result = calibrate(forest, X[1_000:2_000], y[1_000:2_000], method="sigmoid",
    ...                    X_eval=X[2_000:], y_eval=y[2_000:])
    >>> result.model.predict_proba(X[:2]).shape
    (2, 2)
    >>> result.held_out, result.method
    (True, 'sigmoid')
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    check_choice(method, METHODS, "method")
    n_bins = _check_n_bins(n_bins)
    classes = _check_model(model)
    n = n_rows(X, "X")
    labels = _check_labels(y, classes, "y", n, every_class=True)
    if (X_eval is None) != (y_eval is None):
        given, missing = (
            ("X_eval", "y_eval") if y_eval is None else ("y_eval", "X_eval")
        )
        raise MlkitValueError(
            with_hint(
                f"'{missing}' is missing: '{given}' was given, and the evaluation "
                "needs both.",
                "pass both X_eval and y_eval, or neither to measure on the "
                "calibration rows.",
            )
        )
    held_out = X_eval is not None
    if held_out:
        n_eval = n_rows(X_eval, "X_eval")
        eval_labels = _check_labels(
            y_eval, classes, "y_eval", n_eval, every_class=False
        )
    else:
        X_eval, eval_labels = X, labels

    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method=method)
    with model_errors("model", "predict on 'X'"):
        calibrated.fit(X, labels)
    where = "'X_eval'" if held_out else "'X'"
    with model_errors("model", f"predict on {where}"):
        proba_before = model.predict_proba(X_eval)
        proba_after = calibrated.predict_proba(X_eval)
    before = reliability(eval_labels, proba_before, n_bins=n_bins, classes=classes)
    after = reliability(
        eval_labels, proba_after, n_bins=n_bins, classes=calibrated.classes_
    )
    return Calibration(
        model=calibrated,
        before=before,
        after=after,
        method=method,
        n_calibration=n,
        held_out=held_out,
    )
