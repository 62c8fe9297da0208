"""Group fairness metrics: rates per group, their gaps, and how sure they are.

Chapter 11 of *Designing Machine Learning Systems* ("The Human Side of Machine
Learning", on responsible AI) asks who a model's decisions and errors fall on. A model with good accuracy overall can select one group
far less often than another, or miss most of the positives of a minority, and
the overall number hides it. :func:`group_metrics` computes, for each group of
one sensitive feature or of several crossed (intersectional groups), the rates
the fairness criteria compare: the base rate, the selection rate, the true and
false positive rates, the false negative rate, precision, accuracy and, given
probabilities, the expected calibration error. The gaps between groups are the
disparities of fairlearn (demographic parity, equalized odds, equal
opportunity), and stratified bootstrap intervals say which gaps could be noise.

Everything comes from one ``np.bincount`` of ``group * 4 + 2 * y_true + y_pred``:
the four confusion cells of every group at once. The intervals draw each
group's cells from a multinomial, which is resampling its rows at no cost per
row, so a million rows and a thousand draws take milliseconds.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.fairness import group_metrics
>>> rng = np.random.default_rng(0)
>>> group = pd.Series(rng.choice(["a", "b"], 4000, p=[0.7, 0.3]), name="group")
>>> y = rng.random(4000) < 0.4
>>> flip = rng.random(4000) < np.where(group == "a", 0.1, 0.3)
>>> result = group_metrics(y, y ^ flip, sensitive_features=group)
>>> result.by_group[["count", "accuracy"]].round(3)
       count  accuracy
group
a       2807     0.904
b       1193     0.703
>>> round(float(result.disparities()["equalized_odds_difference"]), 3)
0.203
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._engines import aggregate, resolve
from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_confidence,
    check_int,
    check_probabilities,
    check_random_state,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "DISPARITIES",
    "GROUP_METRICS",
    "INTERVAL_METRICS",
    "GroupMetrics",
    "SmallGroupWarning",
    "UndefinedRateWarning",
    "group_metrics",
]

#: The columns of :attr:`GroupMetrics.by_group` (``ece`` follows when ``y_prob`` is given).
GROUP_METRICS: tuple[str, ...] = (
    "count",
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "precision",
    "accuracy",
)
#: The rates that get bootstrap intervals.
INTERVAL_METRICS: tuple[str, ...] = GROUP_METRICS[1:]
#: The gaps between groups returned by :meth:`GroupMetrics.disparities`.
DISPARITIES: tuple[str, ...] = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
)
#: Uniform bins of the expected calibration error, as mlkit.calibration.reliability.
N_BINS = 15
# Their edges; bin i holds edges[i] < p <= edges[i + 1], and bin 0 also p = 0.
_EDGES = np.linspace(0.0, 1.0, N_BINS + 1)
#: Positive (or negative) rows a group needs for its tpr and fnr (or fpr) to be judged.
MIN_CLASS_ROWS = 10
#: Integer sensitive values spanning fewer values than this serve as codes directly.
SMALL_RANGE = 4096
#: The most groups (crossed values of the sensitive features) a call may hold.
MAX_GROUPS = 1_000_000
#: The most rows of the aggregate a table of another engine may give (a row per
#: group, label and decision, and bin of ``y_prob``): more means ids or scores
#: where groups and labels were meant.
MAX_ENGINE_ROWS = 4 * MAX_GROUPS
#: The most groups :meth:`GroupMetrics.chart` draws: the ones with the most rows.
MAX_CHART_GROUPS = 40
#: The most groups a warning or an explanation names.
MAX_NAMED = 8
# Elements of one block of bootstrap draws (draws x groups x 4 cells): large
# enough for numpy to run at full speed, small enough (32 MB of int64) for a laptop.
_BLOCK = 1 << 22

# Column names of the result that a sensitive feature cannot take.
_RESERVED = frozenset(
    (
        *GROUP_METRICS,
        "ece",
        *(f"{m}{end}" for m in INTERVAL_METRICS for end in ("_low", "_high")),
    )
)

_NAMES = {
    "count": "rows",
    "base_rate": "base rate",
    "selection_rate": "selection rate",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "fnr": "false negative rate",
    "precision": "precision",
    "accuracy": "accuracy",
    "ece": "ECE",
}

# Message templates, kept here so that tests can match them.
EMPTY_ERROR = "'y_true' is empty; there are no rows to evaluate."
LENGTH_ERROR = "'{name}' has {got:,} rows, but 'y_true' has {n:,}."
MISSING_LABEL_ERROR = "'{name}' has {count:,} missing value(s)."
MISSING_FEATURE_ERROR = (
    "'sensitive_features' has {count:,} missing value(s) (NaN or None) in the "
    "feature {feature!r}."
)
TOO_MANY_LABELS_ERROR = (
    "'{name}' must hold two labels, the positive_label and one other; got {count:,} "
    "({labels})."
)
UNION_LABELS_ERROR = (
    "'y_true' and 'y_pred' together must hold two labels, the positive_label and one "
    "other; got {count:,} ({labels})."
)
POSITIVE_LABEL_ERROR = (
    "'positive_label' is {label!r}, which is not among the labels of 'y_true' and "
    "'y_pred' ({labels})."
)
NO_FEATURES_ERROR = "'sensitive_features' must give at least one column; got {got}."
DIMENSION_ERROR = (
    "'sensitive_features' must be one column or a table of columns; got shape {shape}."
)
DUPLICATE_FEATURE_ERROR = "'sensitive_features' names {name!r} more than once."
RESERVED_ERROR = (
    "'sensitive_features' has a column named {name!r}, which the result uses for a "
    "metric."
)
TOO_MANY_GROUPS_ERROR = (
    "'sensitive_features' cross into {count:,} groups, more than {limit:,}."
)
PROBABILITY_TYPE_ERROR = "'y_prob' must hold numbers; got values of type {dtype}."
PROBABILITY_ERROR = (
    "'y_prob' must be probabilities in [0, 1]; {count:,} value(s) are not, such as "
    "{value!r}."
)
ENGINE_ROWS_ERROR = (
    "'sensitive_features', 'y_true' and 'y_pred' of 'data' cross into more than "
    "{limit:,} combinations."
)
UNDEFINED_WARNING = (
    "Rates undefined (NaN) in {count:,} group(s): {details}. They are left out of "
    "the disparities."
)
SMALL_WARNING = (
    "{count:,} group(s) are too small to judge: {details}. Their rates can swing far "
    "by chance alone."
)


class UndefinedRateWarning(MlkitWarning):
    """A rate is undefined in some group: it has no positive rows (tpr, fnr), no
    negative rows (fpr) or no row predicted positive (precision).

    The rate is NaN and the group is left out of the disparities of that rate.
    Silence it with ``warnings.simplefilter("ignore", mk.fairness.UndefinedRateWarning)``.
    """


class SmallGroupWarning(MlkitWarning):
    """A group has too few rows, positives or negatives for its rates to be judged.

    Silence it with ``warnings.simplefilter("ignore", mk.fairness.SmallGroupWarning)``.
    """


# --------------------------------------------------------------------------- checks


def _shown(values: Any, limit: int = 6) -> str:
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    text = ", ".join(map(repr, items[:limit]))
    return text + (", ..." if len(items) > limit else "")


def _label_set(
    values: np.ndarray, name: str, counts: np.ndarray | None = None
) -> tuple[Any, ...]:
    """The distinct labels of a label column, sorted where they can be.

    Numbers and booleans are read with a few reductions rather than a hash of
    every row; more than two labels is an error. ``counts`` are the rows each
    value stands for when ``values`` come from an aggregate (the engine path).
    """
    kind = values.dtype.kind
    n = len(values)
    if kind == "b":
        n_true = int(np.count_nonzero(values))
        return tuple(v for v, c in ((False, n - n_true), (True, n_true)) if c)
    if kind in "iuf":
        low, high = values.min(), values.max()
        if kind == "f" and (np.isnan(low) or np.isnan(high)):
            _missing_labels(values, name, counts)
        if low == high:
            return (low.item(),)
        if (kind in "iu" and high - low == 1) or (
            np.count_nonzero(values == low) + np.count_nonzero(values == high) == n
        ):
            return (low.item(), high.item())
    else:
        if pd.isna(values).any():
            _missing_labels(values, name, counts)
    found = pd.unique(values)
    if len(found) > 2:
        shown = _shown(found[:7])
        raise MlkitValueError(
            with_hint(
                TOO_MANY_LABELS_ERROR.format(name=name, count=len(found), labels=shown),
                "group metrics are for binary decisions: compare with the class that "
                "matters, for example y == 'approved'; threshold probabilities "
                "first (y_pred = y_prob >= 0.5) and pass them as y_prob.",
            )
        )
    try:
        return tuple(sorted(found.tolist()))
    except TypeError:
        return tuple(found.tolist())


def _missing_labels(
    values: np.ndarray, name: str, counts: np.ndarray | None = None
) -> None:
    missing = pd.isna(values)
    count = missing.sum() if counts is None else counts[missing].sum()
    raise MlkitValueError(
        with_hint(
            MISSING_LABEL_ERROR.format(name=name, count=int(count)),
            "drop the rows without a label or a prediction from every argument.",
        )
    )


def _positives(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    positive_label: Any,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each row is positive, and whether it is predicted positive.

    A row may be one of an aggregate standing for ``counts`` rows.
    """
    true_labels = _label_set(y_true, "y_true", counts)
    pred_labels = _label_set(y_pred, "y_pred", counts)
    union = list(dict.fromkeys(true_labels + pred_labels))
    if len(union) > 2:
        raise MlkitValueError(
            with_hint(
                UNION_LABELS_ERROR.format(count=len(union), labels=_shown(union)),
                "pass predictions of the same two classes as the labels, for example "
                "model.predict(X), not scores or another class coding.",
            )
        )
    if positive_label not in union:
        if len(union) == 2:
            raise MlkitValueError(
                with_hint(
                    POSITIVE_LABEL_ERROR.format(
                        label=positive_label, labels=_shown(union)
                    ),
                    f"pass positive_label={union[-1]!r}, the outcome that counts as "
                    "selected (a loan granted, a message flagged).",
                )
            )
        # One label only, not the positive one: every row is a negative.
        return np.zeros(len(y_true), bool), np.zeros(len(y_pred), bool)
    return (
        _is_label(y_true, true_labels, positive_label),
        _is_label(y_pred, pred_labels, positive_label),
    )


def _is_label(values: np.ndarray, labels: tuple[Any, ...], label: Any) -> np.ndarray:
    if label not in labels:
        return np.zeros(len(values), bool)
    if values.dtype.kind == "b":
        return values if label else ~values
    if values.dtype.kind in "iuf":
        return values == label
    return np.asarray(values.astype(object) == label, dtype=bool)


# --------------------------------------------------------------------------- groups


def _feature_columns(sensitive_features: Any, n: int) -> list[tuple[Any, Any]]:
    """The sensitive features as (name, column) pairs, each of ``n`` rows."""
    if isinstance(sensitive_features, Mapping):
        sensitive_features = pd.DataFrame(dict(sensitive_features))
    if isinstance(sensitive_features, pd.DataFrame):
        columns = [
            (sensitive_features.columns[j], sensitive_features.iloc[:, j])
            for j in range(sensitive_features.shape[1])
        ]
        height = len(sensitive_features)
    elif isinstance(sensitive_features, pd.Series):
        name = sensitive_features.name
        columns = [
            ("sensitive_feature_0" if name is None else name, sensitive_features)
        ]
        height = len(sensitive_features)
    else:
        if sensitive_features is None:
            raise MlkitTypeError(
                with_hint(
                    NO_FEATURES_ERROR.format(got="None"),
                    "pass the column(s) that define the groups, for example "
                    "sensitive_features=df['sex'] or df[['sex', 'race']].",
                )
            )
        array = (
            np.asarray(sensitive_features, dtype=object)
            if isinstance(sensitive_features, (list, tuple))
            else np.asarray(sensitive_features)
        )
        if array.ndim == 0 or array.ndim > 2:
            raise MlkitValueError(
                with_hint(
                    DIMENSION_ERROR.format(shape=array.shape),
                    "pass a list, a 1-d array, a Series, a DataFrame or a 2-d array "
                    "with one column per feature.",
                )
            )
        if array.ndim == 1:
            columns = [("sensitive_feature_0", array)]
        else:
            columns = [
                (f"sensitive_feature_{j}", array[:, j]) for j in range(array.shape[1])
            ]
        height = array.shape[0]
    if not columns:
        raise MlkitValueError(
            with_hint(
                NO_FEATURES_ERROR.format(got="a table with no columns"),
                "pass the column(s) that define the groups, for example df[['sex']].",
            )
        )
    if height != n:
        raise MlkitValueError(
            with_hint(
                LENGTH_ERROR.format(name="sensitive_features", got=height, n=n),
                "pass one value per row of y_true, in the same order.",
            )
        )
    names = [name for name, _ in columns]
    for name in names:
        if names.count(name) > 1:
            raise MlkitValueError(
                with_hint(
                    DUPLICATE_FEATURE_ERROR.format(name=name),
                    "give each sensitive feature its own name.",
                )
            )
        if name in _RESERVED:
            raise MlkitValueError(
                with_hint(
                    RESERVED_ERROR.format(name=name),
                    "rename that column, for example "
                    f"sensitive_features.rename(columns={{{name!r}: 'group_{name}'}}).",
                )
            )
    return columns


def _missing_feature(name: Any, count: int) -> None:
    raise MlkitValueError(
        with_hint(
            MISSING_FEATURE_ERROR.format(feature=name, count=count),
            "make the missing values a group of their own, "
            "sensitive_features.fillna('missing') (for a categorical column, "
            ".cat.add_categories('missing').fillna('missing') first), or drop those "
            "rows from every argument.",
        )
    )


def _sorted_values(values: list[Any]) -> np.ndarray:
    """Positions that sort ``values`` as pandas sorts a group key; as given if they cannot."""
    try:
        order = sorted(range(len(values)), key=values.__getitem__)
    except TypeError:
        order = list(range(len(values)))
    return np.array(order, dtype=np.intp)


def _encode(column: Any, name: Any) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of a sensitive column, and the value of each code.

    A categorical column gives its codes directly and booleans and small
    integers are offsets, with no pass over the rows but a check; anything else
    is factorised once (the costly step, a hash of every row). Values may
    include some that never occur (unused categories): :func:`_observed` drops
    them after counting.
    """
    if isinstance(column, pd.Series):
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            codes = column.array.codes
            if len(codes) and codes.min() < 0:
                _missing_feature(name, int((codes < 0).sum()))
            return codes, column.array.categories.tolist()
        array = column.to_numpy() if dtype.kind in "biu" else column
    else:
        # Lists as objects: numpy would turn ["a", nan] into the text "nan".
        array = (
            np.asarray(column, dtype=object)
            if isinstance(column, (list, tuple))
            else np.asarray(column)
        )
    kind = getattr(array, "dtype", np.dtype(object)).kind
    if isinstance(array, np.ndarray) and kind == "b":
        return array.view(np.uint8), [False, True]
    if isinstance(array, np.ndarray) and kind in "iu" and len(array):
        low, high = int(array.min()), int(array.max())
        if high - low < SMALL_RANGE:
            return np.subtract(array, low, dtype=np.intp), list(range(low, high + 1))
    try:
        codes, uniques = pd.factorize(array, sort=True)
    except TypeError:
        # Values of types that cannot be ordered keep their order of appearance.
        codes, uniques = pd.factorize(array, sort=False)
    if len(codes) and codes.min() < 0:
        _missing_feature(name, int((codes < 0).sum()))
    return codes, uniques.tolist()


@dataclass(frozen=True)
class _Grid:
    """Group codes of the rows over every combination of the features' values."""

    codes: np.ndarray
    sizes: tuple[int, ...]
    values: tuple[list[Any], ...]
    names: tuple[Any, ...]

    @property
    def size(self) -> int:
        return math.prod(self.sizes)


def _group_codes(columns: list[tuple[Any, Any]]) -> _Grid:
    """One code per row for the crossed groups, by mixed radix.

    Several features combine as ``(c0 * k1 + c1) * k2 + c2``, each feature's
    codes read once; the counts over this grid then give every group, those
    with no rows included.
    """
    encoded = [_encode(column, name) for name, column in columns]
    sizes = tuple(len(values) for _, values in encoded)
    total = math.prod(sizes)
    if total > MAX_GROUPS:
        raise MlkitValueError(
            with_hint(
                TOO_MANY_GROUPS_ERROR.format(count=total, limit=MAX_GROUPS),
                "cross fewer features, or coarsen them first (bins of age, the "
                "largest categories and 'other'); drop unused categories with "
                ".cat.remove_unused_categories().",
            )
        )
    codes = encoded[0][0]
    for (more, _), size in zip(encoded[1:], sizes[1:], strict=True):
        codes = np.multiply(codes, size, dtype=np.intp)
        codes += more
    return _Grid(
        codes=codes,
        sizes=sizes,
        values=tuple(values for _, values in encoded),
        names=tuple(name for name, _ in columns),
    )


def _observed(grid: _Grid, cells: np.ndarray) -> tuple[list[np.ndarray], pd.Index]:
    """The groups of fairlearn's ``by_group``, from the counts over the grid.

    Each feature keeps the values that occur, sorted by value (a categorical
    column's order and unused categories are ignored, as fairlearn turns the
    column into a list before grouping). One feature gives one group per value;
    several give every combination of their values, empty ones included.
    Returns the positions to take along each feature's axis, and the index.
    """
    counts = cells.sum(axis=-1).reshape(grid.sizes)
    picks, kept_values = [], []
    for axis, values in enumerate(grid.values):
        others = tuple(a for a in range(len(grid.sizes)) if a != axis)
        seen = np.flatnonzero(counts.sum(axis=others) if others else counts)
        kept = [values[i] for i in seen]
        order = _sorted_values(kept)
        picks.append(seen[order])
        kept_values.append([kept[i] for i in order])
    if len(kept_values) == 1:
        return picks, pd.Index(kept_values[0], name=grid.names[0])
    return picks, pd.MultiIndex.from_product(kept_values, names=list(grid.names))


def _take(table: np.ndarray, grid: _Grid, picks: list[np.ndarray]) -> np.ndarray:
    """Rows of a (grid cells, m) table for the groups :func:`_observed` picked."""
    width = table.shape[-1]
    if len(picks) == 1:
        identity = (
            len(picks[0]) == len(table) and (picks[0] == np.arange(len(table))).all()
        )
        return table if identity else table[picks[0]]
    cube = table.reshape(*grid.sizes, width)
    return cube[np.ix_(*picks, np.arange(width))].reshape(-1, width)


# --------------------------------------------------------------------------- rates


def _rates(cells: np.ndarray) -> dict[str, np.ndarray]:
    """The rates from confusion cells (TN, FP, FN, TP) on the last axis; NaN if 0/0."""
    cells = cells.astype(np.float64)
    tn, fp, fn, tp = (cells[..., i] for i in range(4))
    n = tn + fp + fn + tp
    positives, negatives = fn + tp, tn + fp
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "base_rate": positives / n,
            "selection_rate": (fp + tp) / n,
            "tpr": tp / positives,
            "fpr": fp / negatives,
            "fnr": fn / positives,
            "precision": tp / (tp + fp),
            "accuracy": (tn + tp) / n,
        }


def _spread(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest minus smallest, and smallest over largest, over the last axis.

    Groups where the rate is NaN are left out; NaN if no group has the rate.
    """
    high = np.fmax.reduce(values, axis=-1)
    low = np.fmin.reduce(values, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return high - low, low / high


def _disparities(rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """fairlearn's between-groups disparities from rates per group (last axis)."""
    dp_difference, dp_ratio = _spread(rates["selection_rate"])
    tpr_difference, tpr_ratio = _spread(rates["tpr"])
    fpr_difference, fpr_ratio = _spread(rates["fpr"])
    return {
        "demographic_parity_difference": dp_difference,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": np.fmax(tpr_difference, fpr_difference),
        "equalized_odds_ratio": np.fmin(tpr_ratio, fpr_ratio),
        "equal_opportunity_difference": tpr_difference,
    }


def _percentiles(draws: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the first axis, from the draws that are not NaN.

    The same numbers as ``np.nanquantile`` (linear interpolation), from one sort
    rather than a loop over the columns that hold a NaN.
    """
    ordered = np.sort(draws, axis=0)  # NaN last
    valid = (~np.isnan(draws)).sum(axis=0)
    columns = np.arange(draws.shape[1]) if draws.ndim > 1 else None
    bounds = []
    for q in ((1 - confidence) / 2, (1 + confidence) / 2):
        position = q * np.maximum(valid - 1, 0)
        below = np.floor(position).astype(np.intp)
        above = np.minimum(below + 1, np.maximum(valid - 1, 0))
        if columns is None:
            low, high = ordered[below], ordered[above]
        else:
            low, high = ordered[below, columns], ordered[above, columns]
        value = low + (position - below) * (high - low)
        bounds.append(np.where(valid > 0, value, np.nan))
    return bounds[0], bounds[1]


def _bootstrap(
    cells: np.ndarray, n_bootstrap: int, confidence: float, rng: np.random.Generator
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, tuple[float, float]]]:
    """Intervals of each group's rates and of the disparities, stratified by group.

    Resampling a group's rows with replacement changes only its confusion cells,
    which then follow a multinomial with the group's size and shares: drawing
    them is the same bootstrap, at no cost per row. Groups with no rows get NaN.
    """
    n_groups = len(cells)
    sizes = cells.sum(axis=1)
    filled = np.flatnonzero(sizes)
    group_bounds = {
        m: (np.full(n_groups, np.nan), np.full(n_groups, np.nan))
        for m in INTERVAL_METRICS
    }
    # Per draw, the largest and smallest of each compared rate over the groups.
    compared = ("selection_rate", "tpr", "fpr")
    high = {m: np.full(n_bootstrap, np.nan) for m in compared}
    low = {m: np.full(n_bootstrap, np.nan) for m in compared}
    step = max(1, _BLOCK // (4 * n_bootstrap))
    for start in range(0, len(filled), step):
        part = filled[start : start + step]
        shares = cells[part] / sizes[part, None]
        drawn = rng.multinomial(sizes[part], shares, size=(n_bootstrap, len(part)))
        rates = _rates(drawn)
        for metric in INTERVAL_METRICS:
            bounds = _percentiles(rates[metric], confidence)
            group_bounds[metric][0][part], group_bounds[metric][1][part] = bounds
        for metric in compared:
            np.fmax(
                high[metric], np.fmax.reduce(rates[metric], axis=1), out=high[metric]
            )
            np.fmin(low[metric], np.fmin.reduce(rates[metric], axis=1), out=low[metric])
    with np.errstate(divide="ignore", invalid="ignore"):
        spreads = {m: (high[m] - low[m], low[m] / high[m]) for m in compared}
    per_draw = {
        "demographic_parity_difference": spreads["selection_rate"][0],
        "demographic_parity_ratio": spreads["selection_rate"][1],
        "equalized_odds_difference": np.fmax(spreads["tpr"][0], spreads["fpr"][0]),
        "equalized_odds_ratio": np.fmin(spreads["tpr"][1], spreads["fpr"][1]),
        "equal_opportunity_difference": spreads["tpr"][0],
    }
    disparity_bounds = {
        name: tuple(float(b) for b in _percentiles(values, confidence))
        for name, values in per_draw.items()
    }
    return group_bounds, disparity_bounds


def _ece(
    grid: _Grid,
    picks: list[np.ndarray],
    rows: np.ndarray,
    binned: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, float]:
    """Expected calibration error of each group and overall, 15 uniform bins.

    ``binned`` holds, for each row, its group code on ``grid``, its bin, whether
    it is positive and its probability; or, for each row of an aggregate, its
    group code and bin, its positive rows and the sum of its probabilities. One
    bincount each of the probabilities and the positives over
    ``group * 15 + bin``; a group's ECE is ``sum over bins |sum y - sum p| / n``,
    the count-weighted mean gap of :func:`mlkit.calibration.reliability`.
    """
    codes, bins, positive, prob = binned
    key = np.multiply(codes, N_BINS, dtype=np.intp)
    key += bins
    size = grid.size * N_BINS
    sums = [
        _take(
            np.bincount(key, weights=w, minlength=size).reshape(-1, N_BINS),
            grid,
            picks,
        )
        for w in (prob, positive)
    ]
    gaps = np.abs(sums[1] - sums[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        by_group = gaps.sum(axis=1) / rows
    overall = np.abs(sums[1].sum(axis=0) - sums[0].sum(axis=0)).sum() / rows.sum()
    return by_group, float(overall)


# --------------------------------------------------------------------------- result


def _labels(index: pd.Index) -> list[str]:
    """A short label per group: its value, or its values joined by " · "."""
    if isinstance(index, pd.MultiIndex):
        return [" · ".join(map(str, values)) for values in index]
    return [str(value) for value in index]


def _named(labels: list[str], details: list[str] | None = None) -> str:
    shown = [
        f"{label!r}" + (f" ({details[i]})" if details else "")
        for i, label in enumerate(labels[:MAX_NAMED])
    ]
    more = f" and {len(labels) - MAX_NAMED:,} more" if len(labels) > MAX_NAMED else ""
    return ", ".join(shown) + more


def _number(value: float) -> str:
    return "undefined" if np.isnan(value) else f"{value:.3f}"


def _percent(share: float) -> str:
    return f"{share * 100:.3g}%"


@functools.cache
def _fixed_labels(names: tuple[str, ...]) -> pd.Index:
    # pandas 3 stores text labels as Arrow strings: building the Index costs
    # some 50 microseconds, more than the rest of a small table.
    return pd.Index(names)


def _labels_index(names: tuple[str, ...]) -> pd.Index:
    """An Index of fixed labels, built once; a copy, as an Index's name can be set."""
    return _fixed_labels(names).copy()


@dataclass(frozen=True, repr=False)
class GroupMetrics(Result):
    """Rates per group of the sensitive features, their disparities and intervals.

    Attributes
    ----------
    by_group : pandas.DataFrame
        One row per group, indexed exactly as fairlearn's ``MetricFrame.by_group``:
        one level per sensitive feature, values sorted, and for several
        features every combination of the values each one shows, those with no
        rows included (count 0, rates NaN). Columns: ``count`` (rows),
        ``base_rate`` (share positive), ``selection_rate`` (share predicted
        positive), ``tpr``, ``fpr``, ``fnr``, ``precision``, ``accuracy``, and
        ``ece`` when ``y_prob`` was given. A rate undefined in a group is NaN.
    overall : pandas.Series
        The same metrics over all rows.
    intervals : pandas.DataFrame or None
        With bootstrap draws, a table indexed like ``by_group`` with
        ``<metric>_low`` and ``<metric>_high`` for each of
        :data:`INTERVAL_METRICS`; None without (``n_bootstrap=0``).
    sensitive_features : tuple
        The names of the sensitive features, the levels of the index.
    positive_label : object
        The label counted as positive, in ``y_true`` and as selected in ``y_pred``.
    n_rows : int
        Rows evaluated.
    n_bootstrap : int
        Bootstrap draws behind the intervals (0 for none).
    confidence : float
        The level of the intervals.
    min_group_size : int
        Groups with fewer rows were called too small to judge.
    small_groups : tuple of str
        The groups too small to judge: fewer than ``min_group_size`` rows, or
        fewer than :data:`MIN_CLASS_ROWS` positives or negatives.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.fairness import group_metrics
    >>> rng = np.random.default_rng(1)
    >>> y = rng.integers(0, 2, 1000)
    >>> result = group_metrics(y, y, sensitive_features=rng.choice(["a", "b"], 1000))
    >>> result.overall[["count", "accuracy", "tpr"]].to_dict()
    {'count': 1000.0, 'accuracy': 1.0, 'tpr': 1.0}
    >>> list(result.to_frame().columns[:4])
    ['sensitive_feature_0', 'count', 'base_rate', 'selection_rate']
    """

    title: ClassVar[str] = "Fairness: metrics per group"
    by_group: pd.DataFrame
    overall: pd.Series
    intervals: pd.DataFrame | None
    sensitive_features: tuple[Any, ...]
    positive_label: Any
    n_rows: int
    n_bootstrap: int
    confidence: float
    min_group_size: int
    small_groups: tuple[str, ...]
    _disparities: dict[str, float]
    _disparity_bounds: dict[str, tuple[float, float]]

    def disparities(self) -> pd.Series:
        """The gaps between groups, fairlearn's ``between_groups`` definitions.

        Returns
        -------
        pandas.Series
            Indexed by :data:`DISPARITIES`:

            - ``demographic_parity_difference``: largest minus smallest
              selection rate; ``demographic_parity_ratio``: smallest over
              largest (NaN when no group selects anyone);
            - ``equalized_odds_difference``: the larger of the same difference
              of the true positive rates and of the false positive rates;
              ``equalized_odds_ratio``: the smaller of their two ratios;
            - ``equal_opportunity_difference``: largest minus smallest true
              positive rate.

            Groups with no rows, or where the rate is undefined (NaN), are
            left out. fairlearn counts an undefined true or false positive
            rate as 0 instead (see :func:`group_metrics`).
        """
        values = np.array([self._disparities[name] for name in DISPARITIES], float)
        return pd.Series(
            values, index=_labels_index(DISPARITIES), name="disparity", copy=False
        )

    def disparity_intervals(self) -> pd.DataFrame:
        """The disparities with their bootstrap intervals.

        Returns
        -------
        pandas.DataFrame
            Indexed by :data:`DISPARITIES`, with columns ``value``, ``low`` and
            ``high``; ``low`` and ``high`` are NaN without bootstrap draws. The
            draws resample rows within each group. A difference between the
            largest and smallest group is biased upwards on resampled data (the
            extremes of noisy rates lie further apart), so when groups do not
            differ at all the whole interval lies above 0: read its lower end as
            how small the gap could be, and compare the groups' own intervals.
        """
        return pd.DataFrame(
            [
                (self._disparities[name], *self._disparity_bounds[name])
                for name in DISPARITIES
            ],
            index=list(DISPARITIES),
            columns=["value", "low", "high"],
        )

    def to_frame(self) -> pd.DataFrame:
        """``by_group`` with its intervals, one row per group and the index as columns.

        Columns: one per sensitive feature, ``count``, then each rate followed by
        ``<rate>_low`` and ``<rate>_high`` when there are intervals, and ``ece``
        when ``y_prob`` was given.
        """
        frame = self.by_group
        if self.intervals is not None:
            columns: dict[str, Any] = {}
            for column in frame.columns:
                columns[column] = frame[column]
                if column in INTERVAL_METRICS:
                    for end in ("_low", "_high"):
                        columns[column + end] = self.intervals[column + end]
            frame = pd.DataFrame(columns, index=frame.index)
        return frame.reset_index()

    def _chart_frame(self) -> tuple[pd.DataFrame, str]:
        frame = self.by_group.assign(group=_labels(self.by_group.index))
        for metric in ("selection_rate", "tpr", "fpr"):
            for end in ("_low", "_high"):
                frame[metric + end] = (
                    np.nan if self.intervals is None else self.intervals[metric + end]
                )
        frame = frame[frame["count"] > 0]
        note = ""
        if len(frame) > MAX_CHART_GROUPS:
            note = f"; the {MAX_CHART_GROUPS} largest of {len(frame):,} groups"
            frame = frame.nlargest(MAX_CHART_GROUPS, "count", keep="first")
        order = frame.sort_values("selection_rate", ascending=False, kind="stable")
        return order.reset_index(drop=True), note

    def chart(self) -> alt.HConcatChart:
        """Selection rate, true and false positive rates per group, with intervals.

        One panel per rate: a point per group with its interval (when there are
        bootstrap draws) and a dashed rule at the value over all rows. Groups
        are sorted by selection rate, largest first, the same in every panel;
        at most 40 are drawn, those with the most rows.
        """
        import altair as alt

        from mlkit.charts import _title, interval_chart

        data, note = self._chart_frame()
        order = data["group"].tolist()
        step = 20 if len(data) <= 20 else 14
        panels = []
        for metric in ("selection_rate", "tpr", "fpr"):
            overall = self.overall[metric]
            subtitle = (
                f"dashed: overall, {overall:.3g}"
                if np.isfinite(overall)
                else "undefined overall"
            )
            panels.append(
                interval_chart(
                    data[["group", "count", metric, f"{metric}_low", f"{metric}_high"]],
                    x=metric,
                    y="group",
                    low=f"{metric}_low",
                    high=f"{metric}_high",
                    reference=float(overall) if np.isfinite(overall) else None,
                    order=order,
                    title=_NAMES[metric],
                    subtitle=subtitle,
                    x_title=_NAMES[metric],
                    tooltip=["count"],
                ).properties(height=alt.Step(step))
            )
        label = " · ".join(map(str, self.sensitive_features))
        intervals = (
            f"{_percent(self.confidence)} bootstrap intervals "
            f"({self.n_bootstrap:,} draws within each group)"
            if self.n_bootstrap
            else "no intervals (n_bootstrap=0)"
        )
        return alt.hconcat(*panels).properties(
            title=_title(f"Rates per group of {label}", intervals + note)
        )

    def _extremes(self, metric: str) -> tuple[int, int] | None:
        """Positions in ``by_group`` of the groups with the lowest and highest rate."""
        values = self.by_group[metric].to_numpy()
        if not np.isfinite(values).any():
            return None
        return int(np.nanargmin(values)), int(np.nanargmax(values))

    def _gap_sentence(self, metric: str, low: int, high: int) -> str:
        """Whether the intervals of the two extreme groups of ``metric`` overlap."""
        if self.intervals is None:
            return ""
        labels = _labels(self.by_group.index)
        top_of_low = self.intervals[f"{metric}_high"].iloc[low]
        bottom_of_high = self.intervals[f"{metric}_low"].iloc[high]
        verdict = (
            "overlap, so that gap may be noise"
            if top_of_low >= bottom_of_high
            else "do not overlap: the gap is larger than noise would make it"
        )
        return (
            f"The {_percent(self.confidence)} intervals of the {_NAMES[metric]}s of "
            f"{labels[low]} and {labels[high]} {verdict}. "
        )

    def _worst_group(
        self,
        tpr: tuple[int, int] | None,
        fpr: tuple[int, int] | None,
        tpr_gap: float,
        fpr_gap: float,
    ) -> str:
        """The group at the bad end of the larger equalized-odds gap, and its noise."""
        labels = _labels(self.by_group.index)
        if tpr is not None and not fpr_gap > tpr_gap:
            metric, pair, worst = "tpr", tpr, tpr[0]
            what = "lowest true positive rate"
            effect = "the largest share of its positives is missed"
        else:
            metric, pair, worst = "fpr", fpr, fpr[1]
            what = "highest false positive rate"
            effect = "the largest share of its negatives is wrongly flagged"
        return (
            f"The worst group is {labels[worst]}, with the {what}, "
            f"{self.by_group[metric].iloc[worst]:.3f}: {effect}. "
        ) + self._gap_sentence(metric, *pair)

    def explain(self) -> str:
        label = " · ".join(map(str, self.sensitive_features))
        labels = _labels(self.by_group.index)
        filled = int((self.by_group["count"] > 0).sum())
        text = (
            f"Fairness metrics of {filled:,} groups of {label} ({self.n_rows:,} rows). "
        )
        empty = len(self.by_group) - filled
        if empty:
            text += (
                f"{empty:,} combination(s) of their values have no rows and are "
                "left out. "
            )
        gaps = self._disparities
        selection = self._extremes("selection_rate")
        if selection is not None and selection[0] == selection[1]:
            rate = self.by_group["selection_rate"].iloc[selection[0]]
            text += f"Every group has the same selection rate, {rate:.3f}. "
        elif selection is not None:
            low, high = selection
            rates = self.by_group["selection_rate"]
            text += (
                "Demographic parity difference "
                f"{gaps['demographic_parity_difference']:.3f}: selection rates run "
                f"from {rates.iloc[low]:.3f} ({labels[low]}) to "
                f"{rates.iloc[high]:.3f} ({labels[high]}), a ratio of "
                f"{gaps['demographic_parity_ratio']:.2f} (the four-fifths rule of "
                "thumb asks for 0.8 or more). "
            )
            text += self._gap_sentence("selection_rate", low, high)
        tpr, fpr = self._extremes("tpr"), self._extremes("fpr")
        if tpr is not None or fpr is not None:
            tpr_gap = gaps["equal_opportunity_difference"]
            fpr_gap = (
                self.by_group["fpr"].iloc[fpr[1]] - self.by_group["fpr"].iloc[fpr[0]]
                if fpr is not None
                else np.nan
            )
            text += (
                f"Equalized odds difference {gaps['equalized_odds_difference']:.3f}, "
                f"the larger of the gaps in true positive rate ({_number(tpr_gap)}) "
                f"and in false positive rate ({_number(fpr_gap)}). "
            )
            if gaps["equalized_odds_difference"] > 0:
                text += self._worst_group(tpr, fpr, tpr_gap, fpr_gap)
        if self.intervals is None:
            text += (
                "Without intervals a gap cannot be told from noise: pass "
                "n_bootstrap=1000, and read a gap between groups whose intervals "
                "overlap as possibly noise. "
            )
        if self.small_groups:
            text += (
                f"{len(self.small_groups):,} group(s) are too small to judge "
                f"({_named(list(self.small_groups))}). "
            )
        text += (
            "Chapter 11 of the book (The Human Side of Machine Learning, on "
            "responsible AI) explains the criteria: demographic parity compares who "
            "is selected, equalized odds the errors among people with the same true "
            "outcome, equal opportunity the share of positives found. When base "
            "rates differ between groups they cannot all hold at once: choose the "
            "one that matches the harm (a loan refused, a fraud missed) and record "
            "why in the design log."
        )
        return text


# --------------------------------------------------------------------------- compute


def _check_groups(
    by_group: pd.DataFrame, cells: np.ndarray, min_group_size: int
) -> tuple[str, ...]:
    """Warn once about undefined rates and once about small groups; the small ones."""
    sizes = cells.sum(axis=1)
    positives = cells[:, 2] + cells[:, 3]
    negatives = cells[:, 0] + cells[:, 1]
    selected = cells[:, 1] + cells[:, 3]
    filled = sizes > 0
    reasons = [
        ("no positive row: tpr and fnr", filled & (positives == 0)),
        ("no negative row: fpr", filled & (negatives == 0)),
        ("no row predicted positive: precision", filled & (selected == 0)),
    ]
    undefined = reasons[0][1] | reasons[1][1] | reasons[2][1]
    small = filled & (
        (sizes < min_group_size)
        | ((positives > 0) & (positives < MIN_CLASS_ROWS))
        | ((negatives > 0) & (negatives < MIN_CLASS_ROWS))
    )
    if not (undefined.any() or small.any()):
        return ()
    labels = _labels(by_group.index)
    if undefined.any():
        details = [
            f"{what} in {_named([labels[i] for i in np.flatnonzero(mask)])}"
            for what, mask in reasons
            if mask.any()
        ]
        warnings.warn(
            with_hint(
                UNDEFINED_WARNING.format(
                    count=int(undefined.sum()), details="; ".join(details)
                ),
                "merge the groups into larger ones (rare values into 'other'), or "
                "collect more rows of them; a group where the model selects nobody "
                "may also say that its threshold is too high.",
            ),
            UndefinedRateWarning,
            stacklevel=4,
        )
    small_labels = tuple(labels[i] for i in np.flatnonzero(small))
    if small_labels:
        why = [
            f"{sizes[i]:,} rows, {positives[i]:,} positive, {negatives[i]:,} negative"
            for i in np.flatnonzero(small)
        ]
        warnings.warn(
            with_hint(
                SMALL_WARNING.format(
                    count=len(small_labels), details=_named(list(small_labels), why)
                ),
                f"groups need {min_group_size:,} rows or more (min_group_size) and "
                f"{MIN_CLASS_ROWS} positives and negatives; pass n_bootstrap=1000 to "
                "see how wide their intervals are, merge them into larger groups, or "
                "collect more data.",
            ),
            SmallGroupWarning,
            stacklevel=4,
        )
    return small_labels


def _options(
    n_bootstrap: Any, confidence: Any, min_group_size: Any, random_state: Any
) -> tuple[int, float, int, np.random.Generator | None]:
    """The checked options of :func:`group_metrics`, and its random generator."""
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 0, "1000")
    confidence = check_confidence(confidence)
    min_group_size = check_int(min_group_size, "min_group_size", 0, "30")
    rng = (
        check_random_state(random_state)
        if n_bootstrap or random_state is not None
        else None
    )
    return n_bootstrap, confidence, min_group_size, rng


def _cells(
    grid: _Grid,
    positive: np.ndarray,
    selected: np.ndarray,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """The confusion cells (TN, FP, FN, TP) over the grid, from one bincount.

    Each row of ``grid.codes`` is a row of data, or a row of an aggregate that
    stands for ``counts`` rows.
    """
    key = np.multiply(grid.codes, 4, dtype=np.intp)
    key += positive.view(np.uint8) << 1 | selected.view(np.uint8)
    cells = np.bincount(key, weights=counts, minlength=4 * grid.size)
    return cells.astype(np.int64, copy=False).reshape(grid.size, 4)


def _finish(
    grid: _Grid,
    cells: np.ndarray,
    binned: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None,
    n: int,
    *,
    positive_label: Any,
    n_bootstrap: int,
    confidence: float,
    min_group_size: int,
    rng: np.random.Generator | None,
) -> GroupMetrics:
    """The result from the confusion cells over the grid, whatever computed them.

    ``binned`` is None without probabilities, else the grid code, bin,
    positives and probabilities (or their sums) that :func:`_ece` takes.
    """
    picks, index = _observed(grid, cells)
    cells = _take(cells, grid, picks)

    rates = _rates(cells)
    # One block of rates and one insert: cheaper than a frame from a dict of columns.
    by_group = pd.DataFrame(
        np.stack(list(rates.values()), axis=1),
        index=index,
        columns=_labels_index(tuple(rates)),
        copy=False,
    )
    by_group.insert(0, "count", cells.sum(axis=1).astype(np.int64))
    total = cells.sum(axis=0)
    overall = {"count": float(n), **{m: float(v) for m, v in _rates(total).items()}}
    if binned is not None:
        by_group["ece"], overall["ece"] = _ece(
            grid, picks, by_group["count"].to_numpy(), binned
        )

    small = _check_groups(by_group, cells, min_group_size)
    disparities = {name: float(v) for name, v in _disparities(rates).items()}
    intervals = None
    disparity_bounds = dict.fromkeys(DISPARITIES, (np.nan, np.nan))
    if n_bootstrap:
        group_bounds, disparity_bounds = _bootstrap(cells, n_bootstrap, confidence, rng)
        intervals = pd.DataFrame(
            {
                f"{metric}{end}": values
                for metric in INTERVAL_METRICS
                for end, values in zip(
                    ("_low", "_high"), group_bounds[metric], strict=True
                )
            },
            index=index,
        )
    return GroupMetrics(
        by_group=by_group,
        overall=pd.Series(
            np.array(list(overall.values()), float),
            index=_labels_index(tuple(overall)),
            name="overall",
            copy=False,
        ),
        intervals=intervals,
        sensitive_features=grid.names,
        positive_label=positive_label,
        n_rows=n,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        min_group_size=min_group_size,
        small_groups=small,
        _disparities=disparities,
        _disparity_bounds=disparity_bounds,
    )


def _pandas_aggregates(
    values: dict[str, Any],
    positive_label: Any,
    n_bootstrap: Any,
    confidence: Any,
    min_group_size: Any,
    random_state: Any,
) -> tuple[_Grid, np.ndarray, tuple[np.ndarray, ...] | None, int, tuple]:
    """The grid, confusion cells, ECE input and rows of arrays, Series or frames.

    And the checked options, checked in their place among the arguments.
    """
    y_true, y_pred = values["y_true"], values["y_pred"]
    sensitive_features, y_prob = values["sensitive_features"], values["y_prob"]
    truth = as_1d(y_true, "y_true")
    n = len(truth)
    if n == 0:
        raise MlkitValueError(
            with_hint(EMPTY_ERROR, "pass at least one row of labels and predictions.")
        )
    pred = as_1d(y_pred, "y_pred")
    if len(pred) != n:
        raise MlkitValueError(
            with_hint(
                LENGTH_ERROR.format(name="y_pred", got=len(pred), n=n),
                "pass one prediction per row of y_true, in the same order.",
            )
        )
    prob = None
    if y_prob is not None:
        prob = as_1d(y_prob, "y_prob")
        if len(prob) != n:
            raise MlkitValueError(
                with_hint(
                    LENGTH_ERROR.format(name="y_prob", got=len(prob), n=n),
                    "pass one probability per row of y_true, in the same order.",
                )
            )
        prob = check_probabilities(prob, "y_prob")
    options = _options(n_bootstrap, confidence, min_group_size, random_state)
    positive, selected = _positives(truth, pred, positive_label)
    columns = _feature_columns(sensitive_features, n)
    grid = _group_codes(columns)
    # The one pass: every confusion cell of every group from one bincount.
    cells = _cells(grid, positive, selected)
    binned = None
    if prob is not None:
        from mlkit.calibration import _bin_index

        binned = (grid.codes, _bin_index(prob, _EDGES, True), positive, prob)
    return grid, cells, binned, n, options


# --------------------------------------------------------------------------- engines


def _engine_table(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A small aggregate computed by its engine, rows sorted by ``keys``.

    The engines return the groups in no fixed order; sorted, the sums that
    follow add up in the same order on every run.
    """
    try:
        return table.sort_values(keys, kind="stable", ignore_index=True)
    except TypeError:  # values of types that cannot be ordered
        return table


def _engine_probabilities(table: pd.DataFrame) -> None:
    """Refuse probabilities outside [0, 1], NaN or missing, counted by the engine."""
    bad = int(table["_bad"].to_numpy(np.float64).sum())
    if not bad:
        return
    low = table["_low"].to_numpy(np.float64)
    high = table["_high"].to_numpy(np.float64)
    # One of the wrong values (the rows have no order to name the first by).
    example = np.float64(np.nan)
    if (low < 0).any():
        example = low[low < 0].min()
    elif (high > 1).any():
        example = high[high > 1].max()
    raise MlkitValueError(
        with_hint(
            PROBABILITY_ERROR.format(count=bad, value=example),
            "pass model.predict_proba(X); turn decision_function scores into "
            "probabilities with sklearn.calibration.CalibratedClassifierCV.",
        )
    )


def _engine_features(
    table: pd.DataFrame, names: list[str], counts: np.ndarray
) -> list[tuple[Any, Any]]:
    """The sensitive columns of an aggregate, missing values counted in rows.

    A categorical column (a polars ``Categorical`` or ``Enum``, a DuckDB
    ``ENUM``, a dictionary of pyarrow) becomes its values: the groups are the
    values that occur, as on the pandas path, whatever the categories.
    """
    plain = {}
    for i, name in enumerate(names):
        column = table[f"_s{i}"]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        plain[name] = column
    columns = _feature_columns(pd.DataFrame(plain), len(table))
    for name, column in columns:
        missing = np.asarray(pd.isna(column), dtype=bool)
        if missing.any():
            _missing_feature(name, int(counts[missing].sum()))
    return columns


def _engine_aggregates(
    frame: Any, names: dict[str, list[str] | None], positive_label: Any
) -> tuple[_Grid, np.ndarray, tuple[np.ndarray, ...] | None, int]:
    """The grid, confusion cells, ECE input and rows of a table of another engine.

    The engine counts the rows of each combination of the sensitive values,
    the label and the decision (and, given probabilities, the bin of
    :func:`_ece`, with the sum of the probabilities), in one group-by; the
    checks, the groups and the cells are then the pandas path's code on that
    aggregate, each of its rows standing for its count of rows.
    """
    import narwhals as nw

    features = names["sensitive_features"]
    if features is None:
        _feature_columns(None, 0)
    keys = [f"_s{i}" for i in range(len(features))]
    columns = [
        nw.col(name).alias(key) for key, name in zip(keys, features, strict=True)
    ]
    columns += [
        nw.col(names["y_true"][0]).alias("_t"),
        nw.col(names["y_pred"][0]).alias("_p"),
    ]
    keys += ["_t", "_p"]
    aggregates = {"_n": ("len", None)}
    used = [*features, names["y_true"][0], names["y_pred"][0]]
    if names["y_prob"] is not None:
        prob = names["y_prob"][0]
        dtype = frame.collect_schema()[prob]
        if not (dtype.is_numeric() or dtype == nw.Boolean):
            raise MlkitTypeError(
                with_hint(
                    PROBABILITY_TYPE_ERROR.format(dtype=dtype),
                    "pass predicted probabilities, such as model.predict_proba(X)[:, 1].",
                )
            )
        p = nw.col(prob).cast(nw.Float64)
        inside = ((p >= 0) & (p <= 1)).fill_null(value=False)
        # The bin as np.searchsorted(inner edges, p): how many edges lie below p.
        bin_ = sum(
            ((p > float(edge)).cast(nw.Int8) for edge in _EDGES[1:-1]), nw.lit(0)
        )
        columns += [
            bin_.fill_null(-1).alias("_b"),
            p.alias("_q"),
            (~inside).cast(nw.Int64).alias("_bad"),
        ]
        keys.append("_b")
        used.append(prob)
        aggregates |= {
            "_sum": ("sum", "_q"),
            "_bad": ("sum", "_bad"),
            "_low": ("min", "_q"),
            "_high": ("max", "_q"),
        }
    table = _engine_table(
        aggregate(
            frame,
            lambda f: f.select(*columns),
            keys,
            aggregates,
            columns=used,
            limit=MAX_ENGINE_ROWS + 1,
        ),
        keys,
    )
    counts = table["_n"].to_numpy(np.int64)
    n = int(counts.sum())
    if n == 0:
        raise MlkitValueError(
            with_hint(EMPTY_ERROR, "pass at least one row of labels and predictions.")
        )
    if len(table) > MAX_ENGINE_ROWS:
        raise MlkitValueError(
            with_hint(
                ENGINE_ROWS_ERROR.format(limit=MAX_ENGINE_ROWS),
                "check that 'y_true' and 'y_pred' name the labels and decisions (two "
                "classes, not scores) and that the sensitive features are categories "
                "(not ids or raw numbers); coarsen them first, or pass fewer.",
            )
        )
    if "_bad" in table:
        _engine_probabilities(table)
    truth = as_1d(table["_t"], "y_true")
    positive, selected = _positives(
        truth, as_1d(table["_p"], "y_pred"), positive_label, counts
    )
    grid = _group_codes(_engine_features(table, features, counts))
    cells = _cells(grid, positive, selected, counts)
    binned = None
    if "_sum" in table:
        binned = (
            grid.codes,
            table["_b"].to_numpy(np.intp),
            positive * counts.astype(np.float64),
            table["_sum"].to_numpy(np.float64),
        )
    return grid, cells, binned, n


def group_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_prob: Any = None,
    positive_label: Any = 1,
    n_bootstrap: int = 0,
    confidence: float = 0.95,
    min_group_size: int = 30,
    random_state: Any = None,
    data: Any = None,
) -> GroupMetrics:
    """Rates per group of one or several sensitive features, and their disparities.

    Parameters
    ----------
    y_true, y_pred : array-like, pandas.Series or str
        True labels and the model's decisions, matched by position: two labels,
        ``positive_label`` and one other (0/1, booleans, or text). With
        ``data``, the names of its columns.
    sensitive_features : array-like, pandas.Series, pandas.DataFrame, str or list of str
        One column (a list, a 1-d array or a Series, named by the Series' name
        or ``"sensitive_feature_0"``), or several (a DataFrame, or a 2-d array
        whose columns are named ``"sensitive_feature_0"``, ``"sensitive_feature_1"``,
        ...): each combination of their values is a group (intersectional
        groups). Missing values are refused. With ``data``, the name of a
        column of it, or a list of names for intersectional groups.
    y_prob : array-like or str, optional
        Predicted probabilities of the positive class: adds ``ece``, the
        expected calibration error of each group (15 uniform bins, as
        :func:`mlkit.calibration.reliability`). With ``data``, a column name.
    positive_label : default 1
        The label of a positive row in ``y_true`` and of a selected one in
        ``y_pred`` (a loan granted, a message flagged).
    n_bootstrap : int, default 0
        Bootstrap draws for percentile intervals of each group's rates and of
        the disparities; 0 for none. 1000 is a good choice.
    confidence : float, default 0.95
        Level of the intervals, in (0, 1).
    min_group_size : int, default 30
        Groups with fewer rows get a :class:`SmallGroupWarning`, as do groups
        with fewer than :data:`MIN_CLASS_ROWS` (10) positives or negatives.
    random_state : None, int or numpy.random.Generator
        Seed of the bootstrap; an int gives the same intervals on every run.
    data : pandas.DataFrame or a table of polars, pyarrow, DuckDB or Dask, optional
        The table whose columns ``y_true``, ``y_pred``, ``sensitive_features``
        and ``y_prob`` name. A table of another engine (a polars ``DataFrame``
        or ``LazyFrame``, a pyarrow ``Table``, a DuckDB relation, a Dask
        ``DataFrame``) is aggregated where it is (see Notes).

    Returns
    -------
    GroupMetrics
        ``.by_group``, ``.overall``, ``.intervals``, ``.disparities()``,
        ``.disparity_intervals()``, ``.to_frame()``, ``.chart()`` and
        ``.explain()``.

    Raises
    ------
    MlkitValueError, MlkitTypeError
        On no rows, arguments of different lengths, missing labels or
        sensitive values, labels that are not two (``positive_label`` and one
        other), ``y_prob`` outside [0, 1] or NaN, a negative ``n_bootstrap``,
        a ``confidence`` outside (0, 1), or more than :data:`MAX_GROUPS`
        crossed groups; with ``data``, names that are not columns of it, or an
        aggregate of more than :data:`MAX_ENGINE_ROWS` rows.

    Warns
    -----
    UndefinedRateWarning
        Once, naming the groups with no positive row (tpr and fnr are NaN), no
        negative row (fpr) or no row predicted positive (precision).
    SmallGroupWarning
        Once, naming the groups too small to judge.

    Notes
    -----
    The metrics per group equal fairlearn's ``MetricFrame`` with the metrics
    ``count``, ``selection_rate``, ``true_positive_rate``,
    ``false_positive_rate``, ``false_negative_rate``, scikit-learn's
    ``precision_score`` and ``accuracy_score``, and the disparities equal
    fairlearn's ``demographic_parity_difference`` and ``_ratio``,
    ``equalized_odds_difference`` and ``_ratio`` and
    ``equal_opportunity_difference`` (``method="between_groups"``,
    ``agg="worst_case"``), with three differences:

    - **Undefined rates.** fairlearn computes the rates with scikit-learn's
      ``confusion_matrix(normalize="true")``, which turns 0/0 into 0, and
      ``precision_score`` returns 0 with a warning (``zero_division="warn"``):
      a group with no positive row gets a true positive rate of 0 and becomes
      the worst group of equal opportunity. Here such a rate is NaN, one
      :class:`UndefinedRateWarning` names the groups, and the disparities
      leave those groups out of that rate: they equal fairlearn's on the rows
      of the groups where the rate is defined.
    - **Empty combinations.** For several features, fairlearn lists every
      combination of their values; those with no rows have NaN for every
      metric, ``count`` included. Here ``count`` is 0 (an int column), and
      the rates are NaN as there.
    - **Types.** ``overall`` is always a Series, ``count`` an int column.

    The groups are those of fairlearn: a categorical column's unused
    categories are not groups, and groups are sorted by value (not by the
    categories' order).

    The intervals are percentile intervals of a stratified bootstrap: each
    draw resamples the rows within each group, so group sizes stay fixed. As
    the rates depend on the confusion cells only, each group's cells are drawn
    from a multinomial with its size and shares, the same distribution at no
    cost per row. A rate undefined in a draw is left out of that rate's
    interval and of that draw's disparities. Two limits of percentile
    intervals apply: a rate of exactly 0 or 1 gets an interval of zero width
    (the draws cannot vary more than the rows do), and the interval of a
    difference between the largest and smallest group is biased upwards, so
    that when the groups do not differ it lies wholly above 0 (in a seeded
    simulation of two groups with equal true positive rates, 0 was inside
    none of 200 intervals; with a true gap of 0.05 or 0.2, 98 % of them held
    it). To tell a gap from noise, compare the groups' own intervals (as
    :meth:`GroupMetrics.explain` does); their coverage is nominal (95 % in the
    same simulation).

    A table of another engine is reduced by that engine, in one group-by
    (computed lazily where the engine is lazy): the rows of each combination
    of the sensitive values, ``y_true`` and ``y_pred``, and, given ``y_prob``,
    of its bin (counted as ``p > edge`` over the inner edges, the bins of the
    pandas path), with the sum of the probabilities and a count of those
    missing or outside [0, 1]. Only that aggregate comes back to pandas; the
    labels, groups, rates, ECE and bootstrap are then computed by the same
    code as for pandas, so the results are the same, the intervals included
    for the same ``random_state`` (the engine may add the probabilities of a
    bin in another order: the ECE may differ in the last digits). Missing
    labels, sensitive values and probabilities are refused and counted in
    rows, as for pandas. Nothing is unsupported; two bounds differ: an
    aggregate of more than :data:`MAX_ENGINE_ROWS` rows is refused (ids or
    scores where groups and labels were meant; with ``y_prob``, some hundred
    thousand groups reach it), and a categorical column's unused categories
    never count towards :data:`MAX_GROUPS`. An error about ``y_prob`` names
    one of its wrong values, not the first one, as the rows have no order.

    Examples
    --------
    Two sensitive features give intersectional groups; text labels need
    ``positive_label``:

    >>> import numpy as np, pandas as pd
    >>> from mlkit.fairness import group_metrics
    >>> rng = np.random.default_rng(0)
    >>> n = 8000
    >>> people = pd.DataFrame({"sex": rng.choice(["f", "m"], n),
    ...                        "age": rng.choice(["<40", "40+"], n)})
    >>> y = np.where(rng.random(n) < 0.5, "approve", "deny")
    >>> worse = (people["sex"] == "f") & (people["age"] == "40+")
    >>> wrong = rng.random(n) < np.where(worse, 0.3, 0.1)
    >>> pred = np.where(wrong, np.where(y == "approve", "deny", "approve"), y)
    >>> result = group_metrics(y, pred, sensitive_features=people,
    ...                        positive_label="approve", n_bootstrap=500,
    ...                        random_state=0)
    >>> result.by_group[["count", "tpr"]].round(3)
             count    tpr
    sex age
    f   40+   2022  0.719
        <40   1982  0.900
    m   40+   2018  0.895
        <40   1978  0.899
    >>> result.disparity_intervals().loc["equal_opportunity_difference"].round(3)
    value    0.181
    low      0.160
    high     0.218
    Name: equal_opportunity_difference, dtype: float64

    A polars table (or pyarrow, DuckDB, Dask) is aggregated by its engine, with
    the same results:

    >>> import polars as pl
    >>> table = pl.DataFrame(people).with_columns(y=y, pred=pred)
    >>> same = group_metrics("y", "pred", sensitive_features=["sex", "age"],
    ...                      positive_label="approve", n_bootstrap=500,
    ...                      random_state=0, data=table)
    >>> same.by_group[["count", "tpr"]].equals(result.by_group[["count", "tpr"]])
    True
    >>> same.disparity_intervals().equals(result.disparity_intervals())
    True
    """
    frame, values = resolve(
        data,
        {
            "y_true": y_true,
            "y_pred": y_pred,
            "sensitive_features": sensitive_features,
            "y_prob": y_prob,
        },
        several=["sensitive_features"],
        required=["y_true", "y_pred"],
    )
    if frame is not None:
        # The options first: the engine's pass is the costly step.
        options = _options(n_bootstrap, confidence, min_group_size, random_state)
        grid, cells, binned, n = _engine_aggregates(frame, values, positive_label)
    else:
        grid, cells, binned, n, options = _pandas_aggregates(
            values,
            positive_label,
            n_bootstrap,
            confidence,
            min_group_size,
            random_state,
        )
    n_bootstrap, confidence, min_group_size, rng = options
    return _finish(
        grid,
        cells,
        binned,
        n,
        positive_label=positive_label,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        min_group_size=min_group_size,
        rng=rng,
    )
