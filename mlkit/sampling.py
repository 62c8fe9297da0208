"""Sampling and class imbalance: chapter 4 of *Designing Machine Learning Systems*.

Training data are a sample, and how they were sampled decides what a model can
learn. This module holds the chapter's techniques:

- :func:`reservoir_sample`: a uniform sample from a stream of unknown length;
- :func:`sample`: random, stratified and weighted samples of a table;
- :func:`importance_weights`: weights that make one sample look like another
  (importance sampling, the correction for covariate shift);
- :func:`resample` and :func:`compare_imbalance`: the treatments of class imbalance
  (resampling, class weights, a cost-based threshold), compared on the metrics
  that matter when one class is rare.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.sampling import sample
>>> df = pd.DataFrame({"label": ["ham"] * 90 + ["spam"] * 10, "n": range(100)})
>>> sample(df, 20, method="stratified", by="label", random_state=0)[
...     "label"].value_counts().to_dict()
{'ham': 18, 'spam': 2}
"""

from __future__ import annotations

import itertools
import math
import numbers
import sys
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_columns,
    check_frame,
    check_random_state,
    check_same_columns,
    check_size,
    model_errors,
    n_rows,
    take_rows,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "RESAMPLE_METHODS",
    "SAMPLE_METHODS",
    "TREATMENTS",
    "EmptyStratumWarning",
    "ImbalanceComparison",
    "ImportanceWeights",
    "compare_imbalance",
    "importance_weights",
    "resample",
    "reservoir_sample",
    "sample",
]

SampleMethod = Literal["random", "stratified", "weighted"]
ResampleMethod = Literal["oversample", "undersample", "smote", "tomek"]
Treatment = Literal[
    "none", "class_weight", "oversample", "undersample", "smote", "cost_threshold"
]

#: The methods of :func:`sample`.
SAMPLE_METHODS: tuple[str, ...] = ("random", "stratified", "weighted")
#: The methods of :func:`resample`.
RESAMPLE_METHODS: tuple[str, ...] = ("oversample", "undersample", "smote", "tomek")
#: The treatments of class imbalance that :func:`compare_imbalance` compares.
TREATMENTS: tuple[str, ...] = (
    "none",
    "class_weight",
    "oversample",
    "undersample",
    "smote",
    "cost_threshold",
)

# Message templates, kept here so that tests can match them.
UNUSED_ERROR = "'{name}' only applies to method={method!r}; got method={got!r}."
MISSING_ERROR = "method={method!r} needs '{name}'; it was not given."
INT_ERROR = "'{name}' must be an int of at least {low}; got {got!r}."
POSITIVE_ERROR = "'{name}' must be a positive finite number; got {got!r}."

#: Folds of the out-of-fold predictions behind :func:`importance_weights`.
N_FOLDS = 5
# Probabilities are kept this far from 0 and 1 so that no weight is 0 or infinite.
_EPS = 1e-6
# At most this many categories per column reach the default domain classifier:
# HistGradientBoostingClassifier bins each categorical column into at most 255.
_MAX_CATEGORIES = 254


class EmptyStratumWarning(MlkitWarning):
    """A stratum too small to get a row under proportional allocation.

    Silence it with
    ``warnings.simplefilter("ignore", mk.sampling.EmptyStratumWarning)``.
    """


# --------------------------------------------------------------------------- checks


def _check_positive(value: Any, name: str, *, above: float = 0.0) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= above
    ):
        message = (
            POSITIVE_ERROR.format(name=name, got=value)
            if above == 0
            else f"'{name}' must be a finite number above {above:g}; got {value!r}."
        )
        number = not isinstance(value, bool) and isinstance(value, numbers.Real)
        raise (MlkitValueError if number else MlkitTypeError)(
            with_hint(message, f"pass a number such as {name}={max(1, 2 * above):g}.")
        )
    return float(value)


def _labels(values: Any, name: str, length: int | None = None) -> np.ndarray:
    """Class labels as a 1-d array, with missing labels refused."""
    array = as_1d(values, name, length=length)
    missing = pd.isna(array)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(missing.sum()):,} missing label(s).",
                "drop the rows without a label, or label them, before sampling.",
            )
        )
    return array


def _seed(rng: np.random.Generator) -> int:
    """An int seed for scikit-learn and imbalanced-learn, drawn from ``rng``."""
    return int(rng.integers(2**32))


# --------------------------------------------------------------------------- streams


def reservoir_sample(
    iterable: Iterable[Any], k: int, *, random_state: Any = None
) -> list[Any]:
    """A uniform sample of ``k`` items from a stream of unknown length.

    One pass, O(k) memory: every item of the stream has the same chance, k / n,
    to be in the sample, though n is never known. This is Li's Algorithm L
    (1994): instead of drawing a random number for each item, it draws how many
    items to skip before the next one enters the reservoir, and skips them with
    :func:`itertools.islice`, so long streams go by at the speed of iteration.

    Parameters
    ----------
    iterable : iterable
        The stream: a list, a generator, lines of a file, rows of a query.
    k : int
        How many items to keep; at least 1.
    random_state : None, int or numpy.random.Generator
        Seed for the draws.

    Returns
    -------
    list
        ``k`` items, or all of them if the stream has fewer. The order of the
        list is the reservoir's, not the stream's.

    Notes
    -----
    Chapter 4 of the book presents reservoir sampling for data that arrive as a
    stream, such as tweets, where the sample must be ready at any time.

    Examples
    --------
    >>> from mlkit.sampling import reservoir_sample
    >>> stream = (i * i for i in range(1_000_000))
    >>> len(reservoir_sample(stream, 5, random_state=0))
    5
    >>> reservoir_sample(iter("abc"), 5)
    ['a', 'b', 'c']
    """
    integer = not isinstance(k, bool) and isinstance(k, numbers.Integral)
    if not integer or k < 1:
        raise (MlkitValueError if integer else MlkitTypeError)(
            with_hint(
                INT_ERROR.format(name="k", low=1, got=k),
                "pass how many items to keep, for example k=100.",
            )
        )
    k = int(k)
    rng = check_random_state(random_state)
    try:
        iterator = iter(iterable)
    except TypeError:
        raise MlkitTypeError(
            with_hint(
                f"'iterable' must be an iterable; got {type(iterable).__name__}.",
                "pass a list, a generator or an open file.",
            )
        ) from None
    reservoir = list(itertools.islice(iterator, k))
    if len(reservoir) < k:
        return reservoir

    def uniform() -> float:
        # In (0, 1]: log() of it is finite.
        return 1.0 - float(rng.random())

    w = math.exp(math.log(uniform()) / k)
    missing = object()
    while True:
        skip = math.floor(math.log(uniform()) / math.log1p(-w)) if w < 1.0 else 0
        item = next(
            itertools.islice(iterator, min(skip, sys.maxsize - 1), None), missing
        )
        if item is missing:
            return reservoir
        reservoir[int(rng.integers(k))] = item
        w *= math.exp(math.log(uniform()) / k)


# --------------------------------------------------------------------------- tables


def _proportional_allocation(sizes: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` over strata in proportion to ``sizes``, exactly.

    Largest remainder (Hamilton's method) in integer arithmetic: each stratum
    gets the whole part of its share, and the rows left go to the largest
    fractional parts (ties to the larger stratum, then the first seen).
    """
    n = int(sizes.sum())
    numerators = total * sizes
    quota = numerators // n
    left = total - int(quota.sum())
    if left:
        order = np.lexsort((np.arange(len(sizes)), -sizes, -(numerators % n)))
        quota[order[:left]] += 1
    return quota


def _sample_weights(df: pd.DataFrame, weights: Any) -> np.ndarray:
    if isinstance(weights, str) or (
        not isinstance(weights, (pd.Series, pd.Index, np.ndarray, list, tuple))
        and isinstance(weights, Hashable)
        and weights in df.columns
    ):
        check_columns(df, [weights], "weights")
        weights = df[weights]
    values = as_1d(weights, "weights", length=len(df))
    try:
        values = pd.to_numeric(pd.Series(values), errors="raise").to_numpy(
            dtype="float64", na_value=np.nan
        )
    except (TypeError, ValueError):
        raise MlkitTypeError(
            with_hint(
                "'weights' must be numbers; got values that are not.",
                "pass a numeric column, or an array of one non-negative number per row.",
            )
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                f"'weights' has {int(bad.sum()):,} missing or infinite value(s).",
                "fill them, for example with 0 to never draw those rows.",
            )
        )
    if (values < 0).any():
        raise MlkitValueError(
            with_hint(
                f"'weights' has {int((values < 0).sum()):,} negative value(s); "
                "a weight is a relative chance to be drawn.",
                "pass non-negative weights.",
            )
        )
    if not (values > 0).any():
        raise MlkitValueError(
            with_hint(
                "'weights' are all zero, so no row can be drawn.",
                "give at least one row a positive weight.",
            )
        )
    return values


def sample(
    df: pd.DataFrame,
    size: int | float,
    *,
    method: SampleMethod = "random",
    by: Hashable | None = None,
    weights: Any = None,
    replace: bool = False,
    random_state: Any = None,
) -> pd.DataFrame:
    """A random, stratified or weighted sample of the rows of a table.

    Parameters
    ----------
    df : pandas.DataFrame
        The population.
    size : int or float
        Rows to draw: an int of at least 1, or a fraction of ``df`` in (0, 1].
    method : {"random", "stratified", "weighted"}, default "random"
        - ``"random"``: every row has the same chance (simple random sampling).
        - ``"stratified"``: the categories of column ``by`` keep their shares of
          the population: each stratum gets rows in proportion to its size
          (largest-remainder rounding, so the total is exactly ``size``), drawn
          without replacement within the stratum. Missing values of ``by`` form a
          stratum of their own.
        - ``"weighted"``: each row's chance is proportional to its weight.
    by : column label, optional
        The column whose categories are the strata (``method="stratified"`` only).
    weights : column label or array-like, optional
        Non-negative finite weights, one per row, not all zero: a column of ``df``
        or an array (``method="weighted"`` only).
    replace : bool, default False
        Draw with replacement, so a row can appear more than once (``"random"``
        and ``"weighted"``; a stratified sample is drawn without).
    random_state : None, int or numpy.random.Generator
        Seed for the draws.

    Returns
    -------
    pandas.DataFrame
        A new frame with the rows drawn, their index kept, in the order they
        have in ``df`` (a row drawn twice appears twice, next to itself).

    Warns
    -----
    EmptyStratumWarning
        When a stratum is too small for proportional allocation to give it a row.

    Notes
    -----
    Weighted sampling without replacement draws rows one after another, each
    with a chance proportional to its weight among the rows not yet drawn
    (numpy's successive sampling). The chance that a row ends up in the sample is
    then only approximately proportional to its weight, and less than
    proportional for the heaviest rows; with replacement it is exact. The book
    covers these methods in chapter 4, "Sampling".

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.sampling import sample
    >>> df = pd.DataFrame({"label": ["ham"] * 6 + ["spam"] * 4, "n": range(10)})
    >>> sample(df, 0.5, method="stratified", by="label", random_state=0)[
    ...     "label"].tolist()
    ['ham', 'ham', 'ham', 'spam', 'spam']
    >>> heavy = sample(df, 1000, method="weighted", weights=np.arange(10),
    ...                replace=True, random_state=0)
    >>> int((heavy["n"] == 0).sum())
    0
    """
    check_frame(df, "df")
    check_choice(method, SAMPLE_METHODS, "method")
    if not isinstance(replace, (bool, np.bool_)):
        raise MlkitTypeError(
            with_hint(
                f"'replace' must be True or False; got {replace!r}.",
                "pass replace=True to allow a row to be drawn more than once.",
            )
        )
    for name, value, needs in (
        ("by", by, "stratified"),
        ("weights", weights, "weighted"),
    ):
        if value is not None and method != needs:
            raise MlkitValueError(
                with_hint(
                    UNUSED_ERROR.format(name=name, method=needs, got=method),
                    f"pass method={needs!r}, or drop '{name}'.",
                )
            )
        if value is None and method == needs:
            raise MlkitValueError(
                with_hint(
                    MISSING_ERROR.format(method=needs, name=name),
                    f"pass {name}=<column>"
                    + (" or an array of weights." if name == "weights" else "."),
                )
            )
    if method == "stratified" and replace:
        raise MlkitValueError(
            with_hint(
                "'replace' must be False with method='stratified': each stratum is "
                "drawn without replacement.",
                "drop replace=True, or use method='random' for a bootstrap sample.",
            )
        )
    rng = check_random_state(random_state)
    n = len(df)

    if method == "random":
        count = check_size(size, n, replace=bool(replace))
        positions = rng.choice(n, size=count, replace=bool(replace))
    elif method == "weighted":
        values = _sample_weights(df, weights)
        count = check_size(size, n, replace=bool(replace))
        positive = int((values > 0).sum())
        if not replace and count > positive:
            raise MlkitValueError(
                with_hint(
                    f"'size' asks for {count:,} rows without replacement, but only "
                    f"{positive:,} have a positive weight.",
                    "ask for fewer rows, or sample with replace=True.",
                )
            )
        # Scaled by the largest weight first, so that the sum cannot overflow.
        scaled = values / values.max()
        positions = rng.choice(
            n, size=count, replace=bool(replace), p=scaled / scaled.sum()
        )
    else:
        if isinstance(by, (pd.Series, pd.Index, np.ndarray, list)) or not isinstance(
            by, Hashable
        ):
            raise MlkitTypeError(
                with_hint(
                    f"'by' must be one column label; got {by!r}.",
                    "pass the name of the column whose categories are the strata.",
                )
            )
        check_columns(df, [by], "by")
        count = check_size(size, n)
        codes, uniques = pd.factorize(df[by], use_na_sentinel=False)
        sizes = np.bincount(codes, minlength=len(uniques)).astype("int64")
        quota = _proportional_allocation(sizes, count)
        empty = [uniques[i] for i in np.flatnonzero(quota == 0)]
        if empty:
            which = ", ".join(map(repr, empty[:5])) + (" ..." if len(empty) > 5 else "")
            subject = (
                f"1 stratum of {by!r} gets"
                if len(empty) == 1
                else f"{len(empty)} strata of {by!r} get"
            )
            warnings.warn(
                f"{subject} no row in a sample of {count:,}: {which}; proportional "
                "allocation gives them less than one row.\n"
                "Hint: draw a larger sample, or sample the rare strata separately.",
                EmptyStratumWarning,
                stacklevel=2,
            )
        members = np.argsort(codes, kind="stable")
        starts = np.concatenate([[0], np.cumsum(sizes)])
        positions = np.concatenate(
            [
                rng.choice(members[starts[i] : starts[i + 1]], size=q, replace=False)
                for i, q in enumerate(quota)
                if q
            ]
        )
    return df.iloc[np.sort(positions)].copy()


# --------------------------------------------------------------------------- shift


def _as_frame(data: Any, name: str) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        data = data.to_frame()
    elif not isinstance(data, pd.DataFrame):
        if isinstance(data, (str, bytes)) or not hasattr(data, "__len__"):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must be a DataFrame or an array; got {type(data).__name__}.",
                    "pass the rows as a pandas DataFrame.",
                )
            )
        array = np.asarray(data)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must be one- or two-dimensional; got shape {array.shape}.",
                    "pass a DataFrame with one column per feature.",
                )
            )
        data = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    return check_frame(data, name)


def _encode_for_boosting(X: pd.DataFrame) -> pd.DataFrame:
    """Columns that HistGradientBoostingClassifier takes as they are.

    Numbers and booleans become floats (missing values stay NaN, which the model
    handles), dates become seconds, and everything else becomes a pandas
    category, which the model splits on natively; the rarest categories of a
    column with very many are pooled as "(other)".
    """
    out = {}
    for i, column in enumerate(X.columns):
        s = X.iloc[:, i]
        name = str(column)
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[name] = (s - s.min()).dt.total_seconds()
        elif pd.api.types.is_timedelta64_dtype(s.dtype):
            out[name] = s.dt.total_seconds()
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(
            s.dtype
        ):
            out[name] = s.astype("float64")
        else:
            text = s.astype(object).map(str, na_action="ignore")
            counts = text.value_counts()
            if len(counts) > _MAX_CATEGORIES:
                keep = set(counts.index[: _MAX_CATEGORIES - 1])
                text = text.where(text.isin(keep) | text.isna(), "(other)")
            out[name] = pd.Categorical(text)
    return pd.DataFrame(out, index=X.index)


@dataclass(frozen=True, repr=False)
class ImportanceWeights(Result):
    """Weights that make the rows of a source sample look like a target sample.

    Attributes
    ----------
    weights : pandas.Series
        One weight per source row, on the source's index, with mean 1.
    target_probability : pandas.Series
        The classifier's out-of-fold probability that each source row comes
        from the target, on the source's index.
    effective_sample_size : float
        ``(sum w) ** 2 / sum(w ** 2)``: how many unweighted rows a weighted
        estimate is worth; ``n_source`` when all weights are equal.
    domain_auc : float
        ROC AUC of the classifier telling target rows from source rows, out of
        fold: 0.5 when it cannot tell them apart (no shift), near 1 when the two
        barely overlap.
    n_source, n_target : int
        Rows of each sample.
    clip : float or None
        The cap on the weights (in units of their mean), or None.
    n_clipped : int
        Source rows whose weight was capped.
    """

    title: ClassVar[str] = "Importance weights"
    weights: pd.Series
    target_probability: pd.Series
    effective_sample_size: float
    domain_auc: float
    n_source: int
    n_target: int
    clip: float | None
    n_clipped: int

    def to_frame(self) -> pd.DataFrame:
        """One row per source row, on the source's index.

        Columns ``weight`` (mean 1) and ``target_probability`` (the classifier's
        out-of-fold probability that the row comes from the target). Join it to
        the source with ``source.join(result.to_frame())``.
        """
        return pd.DataFrame(
            {"weight": self.weights, "target_probability": self.target_probability}
        )

    def _display_frame(self) -> pd.DataFrame:
        # In a notebook, the numbers that matter rather than one row per weight.
        weights = self.weights
        rows = [
            ("domain AUC (0.5: no shift)", self.domain_auc),
            ("effective sample size", self.effective_sample_size),
            ("source rows", self.n_source),
            ("target rows", self.n_target),
            ("smallest weight", float(weights.min())),
            ("median weight", float(weights.median())),
            ("largest weight", float(weights.max())),
            ("weights capped", self.n_clipped),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"])

    def chart(self) -> alt.Chart:
        """A histogram of the weights; a long right tail means a few rows count a lot."""
        from mlkit.charts import distribution

        return distribution(
            self.weights.rename("weight"),
            bins=40,
            title=(
                f"Importance weights: effective sample size "
                f"{self.effective_sample_size:,.0f} of {self.n_source:,}"
            ),
        )

    def explain(self) -> str:
        auc = self.domain_auc
        shift = (
            "little or no shift"
            if auc < 0.55
            else "a moderate shift"
            if auc < 0.7
            else "a strong shift"
        )
        share = self.effective_sample_size / self.n_source
        capped = (
            f"; {self.n_clipped:,} capped at {self.clip:g}"
            if self.clip is not None
            else ""
        )
        text = (
            f"Importance weights for {self.n_source:,} source rows, from a classifier "
            f"that tells them from {self.n_target:,} target rows with a domain AUC of "
            f"{auc:.2f} ({shift}). Weighting the source rows by them (mean 1{capped}) "
            "makes averages over the source estimate averages over the target: "
            "importance sampling (chapter 4), the usual correction for covariate "
            "shift (chapter 8). The effective sample size is "
            f"{self.effective_sample_size:,.0f} of {self.n_source:,} ({share:.0%}): a "
            "weighted estimate is about as noisy as one from that many unweighted rows."
        )
        if share < 0.2:
            text += (
                " That is small: the target lies where the source has few rows. "
                "Collect or label data that resemble the target, restrict the "
                "comparison to the region both samples cover, or cap the weights "
                "lower with 'clip' and accept some bias."
            )
        return text


def _cap_weights(raw: np.ndarray, clip: float | None) -> tuple[np.ndarray, int]:
    """Weights with mean 1 and none above ``clip``, in the same order as ``raw``.

    Capping then rescaling can push other weights over the cap, so this repeats
    until none is: the capped set only grows, and it stops within n rounds.
    """
    w = raw / raw.mean()
    capped = np.zeros(len(w), dtype=bool)
    if clip is None:
        return w, 0
    n = len(w)
    while True:
        over = (w > clip) & ~capped
        if not over.any():
            return w, int(capped.sum())
        capped |= over
        w[capped] = clip
        free = ~capped
        w[free] *= (n - capped.sum() * clip) / w[free].sum()


def importance_weights(
    source: Any,
    target: Any,
    *,
    columns: Sequence[Hashable] | None = None,
    classifier: Any = None,
    clip: float | None = 20.0,
    random_state: Any = None,
) -> ImportanceWeights:
    """Weights for the rows of ``source`` that make it look like ``target``.

    Under covariate shift the distribution of the features changes, p(x), while
    the relation to the label, p(y | x), does not. Weighting each source row by
    ``w(x) = p_target(x) / p_source(x)`` then makes averages over the source
    (a loss, a metric) estimate averages over the target. The ratio of densities
    is estimated with a classifier that tells target rows (1) from source rows
    (0): ``w(x) = P(target | x) / P(source | x) * n_source / n_target``. Its
    probabilities are out of fold (5-fold ``cross_val_predict``), so that it
    cannot memorise which rows are which.

    Parameters
    ----------
    source : pandas.DataFrame or array-like
        The rows to weight, such as the training data.
    target : pandas.DataFrame or array-like
        The rows to resemble, such as recent production data. Neither frame needs
        labels.
    columns : sequence of column labels, optional
        The features to compare; by default all, and then both frames must have
        the same columns.
    classifier : scikit-learn classifier, optional
        Any classifier with ``predict_proba``; it is cloned, and gets the selected
        columns as they are. By default a ``HistGradientBoostingClassifier`` with
        early stopping, which handles numbers, missing values and categories:
        text and category columns are passed to it as pandas categories.
    clip : float or None, default 20.0
        The largest weight, in units of the mean weight: no row counts for more
        than ``clip`` average rows. Capping trades a little bias for much less
        variance. ``None`` caps nothing. Must be above 1.
    random_state : None, int or numpy.random.Generator
        Seed for the folds and the default classifier.

    Returns
    -------
    ImportanceWeights
        ``.weights`` (a Series on the source's index, mean 1),
        ``.effective_sample_size``, ``.domain_auc``, ``.to_frame()``, ``.chart()``
        and ``.explain()``.

    Notes
    -----
    The weights are normalised to mean 1 over the source, which also corrects a
    classifier whose probabilities are off by a constant factor. A domain AUC
    near 0.5 means no shift the classifier can see; a small effective sample
    size means the weighted estimates rest on a few rows. Chapter 4 of the book
    presents importance sampling; chapter 8 covariate shift.

    Examples
    --------
    With one Gaussian feature the log density ratio is linear in x, so a logistic
    regression is the right classifier; the default handles any shape.

    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.sampling import importance_weights
    >>> rng = np.random.default_rng(0)
    >>> source = pd.DataFrame({"x": rng.normal(0, 1, 2000)})
    >>> target = pd.DataFrame({"x": rng.normal(1, 1, 2000)})
    >>> result = importance_weights(
    ...     source, target, classifier=LogisticRegression(), random_state=0)
    >>> bool(result.domain_auc > 0.7), round(float(result.weights.mean()), 6)
    (True, 1.0)
    >>> weighted = np.average(source["x"], weights=result.weights)
    >>> bool(abs(weighted - 1) < 0.1)
    True
    """
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    source = _as_frame(source, "source")
    target = _as_frame(target, "target")
    if columns is None:
        check_same_columns(source, target, ("source", "target"))
        selected = list(source.columns)
    else:
        if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
            columns = [columns]
        selected = list(columns)
        if not selected:
            raise MlkitValueError(
                with_hint(
                    "'columns' is empty.",
                    "name at least one column, or leave columns=None to use all.",
                )
            )
        check_columns(source, selected, "columns")
        check_columns(target, selected, "columns")
    for name, frame in (("source", source), ("target", target)):
        if len(frame) < N_FOLDS:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' has {len(frame)} row(s); the domain classifier is "
                    f"cross-validated on {N_FOLDS} folds and needs at least "
                    f"{N_FOLDS} rows of each sample.",
                    "pass more rows.",
                )
            )
    if clip is not None:
        clip = _check_positive(clip, "clip", above=1.0)
    rng = check_random_state(random_state)
    seed = _seed(rng)

    n_source, n_target = len(source), len(target)
    X = pd.concat([source[selected], target[selected]], ignore_index=True, sort=False)
    y = np.r_[np.zeros(n_source, dtype=int), np.ones(n_target, dtype=int)]
    if classifier is None:
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            early_stopping=True, categorical_features="from_dtype", random_state=seed
        )
        X = _encode_for_boosting(X)
    else:
        if not (hasattr(classifier, "fit") and hasattr(classifier, "predict_proba")):
            raise MlkitTypeError(
                with_hint(
                    "'classifier' must be a scikit-learn classifier with predict_proba; "
                    f"got {type(classifier).__name__}.",
                    "pass, for example, LogisticRegression(), or leave classifier=None.",
                )
            )
        model = clone(classifier)
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    with model_errors("classifier", "learn to tell 'source' rows from 'target' rows"):
        proba = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(y, proba))

    p = np.clip(proba[:n_source], _EPS, 1 - _EPS)
    raw = p / (1 - p) * (n_source / n_target)
    weights, n_clipped = _cap_weights(raw, clip)
    ess = float(weights.sum() ** 2 / np.square(weights).sum())
    return ImportanceWeights(
        weights=pd.Series(weights, index=source.index, name="weight"),
        target_probability=pd.Series(
            proba[:n_source], index=source.index, name="target_probability"
        ),
        effective_sample_size=ess,
        domain_auc=auc,
        n_source=n_source,
        n_target=n_target,
        clip=clip,
        n_clipped=n_clipped,
    )


# --------------------------------------------------------------------------- imbalance


def _check_numeric(X: Any, method: str) -> None:
    """SMOTE and Tomek links measure distances: refuse text and missing values."""
    import scipy.sparse as sp

    if sp.issparse(X):
        return
    if isinstance(X, pd.DataFrame):
        text = [
            c
            for c in X.columns
            if not (
                pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])
            )
        ]
        if text:
            raise MlkitValueError(
                with_hint(
                    f"method={method!r} measures distances between rows, so 'X' must be "
                    f"numeric; {', '.join(map(repr, text[:5]))} are not.",
                    "encode the columns first, or use compare_imbalance with a Pipeline "
                    "whose preprocessing encodes them: it resamples after it.",
                )
            )
        missing = bool(X.isna().to_numpy().any())
    else:
        array = np.asarray(X)
        if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
            raise MlkitValueError(
                with_hint(
                    f"method={method!r} measures distances between rows, so 'X' must be "
                    f"numeric; got an array of {array.dtype}.",
                    "encode the features as numbers first.",
                )
            )
        missing = bool(np.isnan(array.astype("float64")).any())
    if missing:
        raise MlkitValueError(
            with_hint(
                f"method={method!r} measures distances between rows, and 'X' has "
                "missing values.",
                "impute them first, for example with sklearn.impute.SimpleImputer.",
            )
        )


def resample(
    X: Any,
    y: Any,
    *,
    method: ResampleMethod = "oversample",
    random_state: Any = None,
) -> tuple[Any, Any]:
    """Rebalance the classes of a training set.

    Parameters
    ----------
    X : pandas.DataFrame, array-like or sparse matrix
        Features, one row per example.
    y : array-like or pandas.Series
        Class labels, one per row.
    method : {"oversample", "undersample", "smote", "tomek"}, default "oversample"
        - ``"oversample"``: draw rows of each smaller class again, at random with
          replacement, until every class is as large as the largest. The
          original rows come first, the copies after them.
        - ``"undersample"``: keep a random subset of each larger class, without
          replacement, as large as the smallest class; rows keep their order.
        - ``"smote"``: imbalanced-learn's SMOTE, which makes new minority rows on
          the segments between a row and one of its nearest neighbours in the
          same class (``k_neighbors=min(5, smallest class - 1)``). Needs numeric
          features without missing values; new values in integer columns of a
          DataFrame are cast back to integers by imbalanced-learn.
        - ``"tomek"``: imbalanced-learn's Tomek links: removes majority rows whose
          nearest neighbour is of another class, which cleans the boundary but
          does not balance the classes. Needs numeric features.
    random_state : None, int or numpy.random.Generator
        Seed for the draws ("tomek" is deterministic).

    Returns
    -------
    X_res, y_res
        Of the types given: a DataFrame and a Series stay a DataFrame and a
        Series, with the index of the rows they come from (a row drawn twice
        keeps its label twice); SMOTE's output has a fresh RangeIndex, since its
        new rows have no label. Arrays and lists come back as numpy arrays,
        sparse matrices as CSR matrices.

    Notes
    -----
    Resample the training data only, never the data you evaluate on: a test set
    must keep the class ratio of production. Oversampling copies rows, so a
    model can overfit them; undersampling throws data away. Chapter 4 of the
    book, "Class imbalance", compares them with class weights and thresholds;
    :func:`compare_imbalance` measures them on your problem.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.sampling import resample
    >>> X = np.arange(20).reshape(10, 2)
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> X_res, y_res = resample(X, y, method="oversample", random_state=0)
    >>> np.bincount(y_res).tolist()
    [8, 8]
    >>> np.bincount(resample(X, y, method="undersample", random_state=0)[1]).tolist()
    [2, 2]
    """
    check_choice(method, RESAMPLE_METHODS, "method")
    n = n_rows(X, "X")
    labels = _labels(y, "y", length=n)
    classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise MlkitValueError(
            with_hint(
                f"'y' has a single class ({classes.tolist()[0]!r}); there is nothing "
                "to balance.",
                "pass the labels of every class.",
            )
        )
    rng = check_random_state(random_state)
    y_in = y if isinstance(y, pd.Series) else labels

    if method in ("oversample", "undersample"):
        members = [np.flatnonzero(codes == i) for i in range(len(classes))]
        if method == "oversample":
            largest = counts.max()
            extra = [
                rng.choice(rows, size=largest - len(rows), replace=True)
                for rows in members
                if len(rows) < largest
            ]
            positions = np.concatenate([np.arange(n), *extra])
        else:
            smallest = counts.min()
            positions = np.sort(
                np.concatenate(
                    [rng.choice(rows, size=smallest, replace=False) for rows in members]
                )
            )
        return take_rows(X, positions), take_rows(y_in, positions)

    from mlkit._optional import require

    require(
        "imblearn",
        purpose=f"resample with method={method!r}",
        package="imbalanced-learn",
    )
    _check_numeric(X, method)
    X_in = X if isinstance(X, pd.DataFrame) else _as_matrix(X)
    if method == "tomek":
        from imblearn.under_sampling import TomekLinks

        sampler = TomekLinks()
        sampler.fit_resample(X_in, labels)
        positions = np.sort(sampler.sample_indices_)
        return take_rows(X, positions), take_rows(y_in, positions)

    from imblearn.over_sampling import SMOTE

    smallest = int(counts.min())
    if smallest < 2:
        raise MlkitValueError(
            with_hint(
                "method='smote' interpolates between rows of the same class, and a "
                f"class of 'y' has a single row ({classes.tolist()[counts.argmin()]!r}).",
                "gather more rows of that class, or use method='oversample'.",
            )
        )
    sampler = SMOTE(k_neighbors=min(5, smallest - 1), random_state=_seed(rng))
    X_res, y_res = sampler.fit_resample(X_in, labels)
    # imbalanced-learn returns a frame with the columns and dtypes of X, on a
    # fresh RangeIndex; a Series only when y was one.
    if isinstance(X, pd.DataFrame) and not isinstance(X_res, pd.DataFrame):
        X_res = pd.DataFrame(X_res, columns=X.columns)
    if isinstance(y, pd.Series):
        y_res = pd.Series(np.asarray(y_res), name=y.name).astype(y.dtype)
    else:
        y_res = np.asarray(y_res)
    return X_res, y_res


def _as_matrix(X: Any) -> Any:
    import scipy.sparse as sp

    return X.tocsr() if sp.issparse(X) else np.asarray(X)


def _positive_scores(model: Any, X: Any, positive_label: Any) -> np.ndarray:
    proba = model.predict_proba(X)
    column = np.flatnonzero(np.asarray(model.classes_) == positive_label)
    return np.asarray(proba)[:, column[0]]


@dataclass(frozen=True, repr=False)
class ImbalanceComparison(Result):
    """One model trained with each treatment of class imbalance, on one test set.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per treatment; see :meth:`to_frame` for the columns.
    scores : pandas.DataFrame
        The positive-class probability each treatment's model gives each test
        row: one column per treatment, on the test set's index.
    positive_label : object
        The label of the positive (rare) class.
    cost_fp, cost_fn : float
        The cost of a false positive and of a false negative.
    precision_target : float
        The precision at which ``recall_at_precision`` is read.
    beta : float
        The beta of the F-beta score (beta > 1 weighs recall more).
    prevalence : float
        The share of positives in the test set.
    """

    title: ClassVar[str] = "Treatments of class imbalance"
    table: pd.DataFrame
    scores: pd.DataFrame
    positive_label: Any
    cost_fp: float
    cost_fn: float
    precision_target: float
    beta: float
    prevalence: float

    #: Metrics where lower is better; the others are better higher.
    LOWER_IS_BETTER: ClassVar[tuple[str, ...]] = ("expected_cost",)

    def to_frame(self) -> pd.DataFrame:
        """One row per treatment.

        Columns: ``treatment``; ``train_rows`` (rows the final model was fitted
        on, after resampling); ``threshold`` (the score from which a row is
        flagged positive: 0.5, or ``cost_fp / (cost_fp + cost_fn)`` for
        "cost_threshold"); ``flagged`` (test rows flagged); ``precision``,
        ``recall``, ``f_beta``, ``expected_cost`` (``(FP * cost_fp + FN *
        cost_fn) / n``, per prediction) and ``accuracy`` at that threshold;
        ``pr_auc`` (average precision, threshold-free) and
        ``recall_at_precision`` (the best recall among thresholds whose
        precision is at least ``precision_target``; 0 if none reaches it).
        """
        return self.table.copy()

    def best(self, metric: str = "expected_cost") -> str:
        """The treatment that does best on ``metric``, a column of :meth:`to_frame`.

        Lowest for ``expected_cost``, highest for the others; the first listed on
        a tie.
        """
        numeric = [
            c
            for c in self.table.columns
            if c not in ("treatment", "train_rows", "threshold", "flagged")
        ]
        check_choice(metric, numeric, "metric")
        values = self.table[metric]
        position = (
            values.idxmin() if metric in self.LOWER_IS_BETTER else values.idxmax()
        )
        return str(self.table.loc[position, "treatment"])

    def chart(self) -> alt.ConcatChart:
        """One small bar chart per metric, the best treatment of each in colour."""
        from mlkit.charts import metric_panels

        metrics = {
            "expected_cost": "Expected cost per prediction",
            "pr_auc": "PR-AUC",
            "recall_at_precision": f"Recall at precision ≥ {self.precision_target:g}",
            "f_beta": f"F{self.beta:g} at the threshold",
            "accuracy": "Accuracy (misleading)",
        }
        return metric_panels(
            self.table,
            label="treatment",
            metrics=metrics,
            lower_is_better=self.LOWER_IS_BETTER,
            title="Treatments of class imbalance, on the same test set",
            subtitle=(
                f"{self.prevalence:.1%} positives; a false negative costs "
                f"{self.cost_fn:g}, a false positive {self.cost_fp:g}"
            ),
        )

    def explain(self) -> str:
        table = self.table.set_index("treatment")
        winner = self.best("expected_cost")
        text = (
            f"On expected cost ({self.cost_fn:g} per missed positive, {self.cost_fp:g} "
            f"per false alarm), '{winner}' wins with "
            f"{table.loc[winner, 'expected_cost']:.4g} per prediction"
        )
        if "none" in table.index and winner != "none":
            text += f", against {table.loc['none', 'expected_cost']:.4g} untreated"
        accurate = self.best("accuracy")
        text += (
            f". Accuracy ranks '{accurate}' first ({table.loc[accurate, 'accuracy']:.1%}), "
            f"yet with {self.prevalence:.1%} positives a model that flags nothing scores "
            f"{1 - self.prevalence:.1%}: accuracy rewards ignoring the rare class, so "
            "rank the treatments on cost, PR-AUC and recall at the precision you need. "
            "Resampling and class weights inflate the scores of the rare class, so "
            "their 0.5 threshold is a different decision rather than a better ranking "
            "(compare PR-AUC); moving the untreated model's threshold to "
            f"cost_fp / (cost_fp + cost_fn) = {self.cost_fp / (self.cost_fp + self.cost_fn):.3g} "
            "needs no refitting, and is the decision of least expected cost when its "
            "probabilities are calibrated. "
            'Chapter 4 of the book, "Class imbalance", covers these treatments.'
        )
        return text


def _fit_treatment(
    treatment: str,
    estimator: Any,
    X_train: Any,
    y_train: np.ndarray,
    X_test: Any,
    positive_label: Any,
    seed: int,
) -> tuple[np.ndarray, int]:
    """Fit a clone of ``estimator`` with one treatment: test scores, training rows."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline
    from sklearn.utils.class_weight import compute_sample_weight
    from sklearn.utils.validation import has_fit_parameter

    pipeline = isinstance(estimator, Pipeline) and len(estimator.steps) > 1
    last_name, final = (
        estimator.steps[-1] if isinstance(estimator, Pipeline) else ("", estimator)
    )
    prefix = f"{last_name}__" if isinstance(estimator, Pipeline) else ""
    n = len(y_train)

    if treatment == "none":
        model = clone(estimator).fit(X_train, y_train)
        return _positive_scores(model, X_test, positive_label), n
    if treatment == "class_weight":
        model = clone(estimator)
        if "class_weight" in final.get_params(deep=False):
            model.set_params(**{f"{prefix}class_weight": "balanced"})
            model.fit(X_train, y_train)
        elif has_fit_parameter(final, "sample_weight"):
            weights = compute_sample_weight("balanced", y_train)
            model.fit(X_train, y_train, **{f"{prefix}sample_weight": weights})
        else:
            raise MlkitValueError(
                with_hint(
                    f"'treatments' has 'class_weight', but {type(final).__name__} takes "
                    "neither class_weight nor sample_weight.",
                    "drop 'class_weight' from treatments, or use a model that takes "
                    "class weights, such as LogisticRegression.",
                )
            )
        return _positive_scores(model, X_test, positive_label), n
    # Resampling treatments: resample what the final model sees, after the
    # pipeline's preprocessing, as imbalanced-learn's Pipeline does, so that SMOTE
    # interpolates between encoded numbers and the test set is never resampled.
    if pipeline:
        preprocess = clone(estimator[:-1])
        features = preprocess.fit_transform(X_train, y_train)
        test_features = preprocess.transform(X_test)
    else:
        features, test_features = X_train, X_test
    try:
        X_res, y_res = resample(features, y_train, method=treatment, random_state=seed)
    except (MlkitValueError, MlkitTypeError) as exc:
        # resample names its own arguments 'X' and 'y': name the caller's.
        message, _, hint = str(exc).partition("\nHint: ")
        message = message.replace("'X'", "'X_train'").replace("'y'", "'y_train'")
        raise type(exc)(
            with_hint(f"treatment {treatment!r} cannot run: {message}", hint)
        ) from exc
    model = clone(final).fit(X_res, y_res)
    return _positive_scores(model, test_features, positive_label), len(y_res)


def compare_imbalance(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    positive_label: Any = 1,
    cost_fp: float,
    cost_fn: float,
    precision_target: float = 0.8,
    beta: float = 2.0,
    treatments: Sequence[Treatment] = TREATMENTS,
    random_state: Any = None,
) -> ImbalanceComparison:
    """Train the same model with each treatment of class imbalance and compare them.

    Each treatment fits a clone of ``estimator`` (the one passed is never
    fitted) on the training set, and every model is scored on the same, untouched
    test set:

    - ``"none"``: the model as it is, deciding at a score of 0.5;
    - ``"class_weight"``: ``class_weight="balanced"`` if the final estimator
      takes it, else balanced sample weights;
    - ``"oversample"``, ``"undersample"``, ``"smote"``: the training rows
      resampled with :func:`resample`; for a scikit-learn ``Pipeline``, after
      its preprocessing steps, so that SMOTE sees encoded numbers;
    - ``"cost_threshold"``: the untreated model, deciding at the threshold that
      minimises the expected cost of calibrated probabilities,
      ``cost_fp / (cost_fp + cost_fn)``, instead of 0.5.

    Parameters
    ----------
    estimator : scikit-learn classifier or Pipeline
        A binary classifier with ``predict_proba``.
    X_train, y_train : array-like
        The training set.
    X_test, y_test : array-like
        The test set, with the class ratio of production; it must hold both
        classes.
    positive_label : object, default 1
        The label of the rare class, whose detection the metrics measure.
    cost_fp, cost_fn : float
        The cost of a false positive (a false alarm) and of a false negative (a
        missed positive), in any unit; only their ratio changes the threshold.
    precision_target : float, default 0.8
        The precision at which ``recall_at_precision`` is read, in (0, 1].
    beta : float, default 2.0
        The beta of the F-beta score; 2 weighs recall more than precision.
    treatments : sequence of str
        Which treatments, in the order of the table; by default all of
        :data:`TREATMENTS`.
    random_state : None, int or numpy.random.Generator
        Seed for the resampling. The estimator's own ``random_state`` is left as
        it is.

    Returns
    -------
    ImbalanceComparison
        ``.to_frame()`` (one row per treatment), ``.scores``, ``.best(metric)``,
        ``.chart()`` and ``.explain()``.

    Notes
    -----
    A row is flagged positive when its score is at least the threshold, as in
    scikit-learn's ``FixedThresholdClassifier`` and ``precision_recall_curve``.
    The metrics are scikit-learn's: ``average_precision_score`` (PR-AUC),
    ``precision_recall_curve`` (recall at the precision target),
    ``fbeta_score`` and ``accuracy_score`` (with ``zero_division=0``). Chapter 4
    of the book covers class imbalance and why accuracy misleads under it.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.sampling import compare_imbalance
    >>> X, y = make_classification(2000, weights=[0.95], random_state=0)
    >>> result = compare_imbalance(
    ...     LogisticRegression(), X[:1000], y[:1000], X[1000:], y[1000:],
    ...     cost_fp=1, cost_fn=20, treatments=["none", "oversample", "cost_threshold"],
    ...     random_state=0)
    >>> result.to_frame()["treatment"].tolist()
    ['none', 'oversample', 'cost_threshold']
    >>> result.best("expected_cost") != "none"
    True
    """
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        fbeta_score,
        precision_recall_curve,
    )

    from mlkit.evaluation import expected_cost

    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict_proba")):
        raise MlkitTypeError(
            with_hint(
                "'estimator' must be a scikit-learn classifier with predict_proba; got "
                f"{type(estimator).__name__}.",
                "pass, for example, LogisticRegression(); wrap a model without "
                "probabilities in sklearn.calibration.CalibratedClassifierCV.",
            )
        )
    n_train = n_rows(X_train, "X_train")
    n_test = n_rows(X_test, "X_test")
    y_tr = _labels(y_train, "y_train", length=n_train)
    y_te = _labels(y_test, "y_test", length=n_test)
    classes = np.unique(y_tr)
    if len(classes) != 2:
        raise MlkitValueError(
            with_hint(
                f"'y_train' must have two classes; got {len(classes)}: "
                f"{', '.join(map(repr, classes[:5].tolist()))}.",
                "compare treatments of imbalance on a binary problem; group the "
                "other classes as one.",
            )
        )
    if positive_label not in classes.tolist():
        raise MlkitValueError(
            with_hint(
                f"'positive_label' is {positive_label!r}, which is not a class of "
                f"'y_train' ({', '.join(map(repr, classes.tolist()))}).",
                "pass the label of the rare class, for example positive_label="
                f"{classes[np.argmin([(y_tr == c).sum() for c in classes])]!r}.",
            )
        )
    unknown = set(np.unique(y_te).tolist()) - set(classes.tolist())
    if unknown:
        raise MlkitValueError(
            with_hint(
                f"'y_test' has labels that 'y_train' lacks: {sorted(map(repr, unknown))}.",
                "pass train and test labels of the same two classes.",
            )
        )
    positive = y_te == positive_label
    if positive.all() or not positive.any():
        raise MlkitValueError(
            with_hint(
                "'y_test' must hold both classes to score the treatments; it holds "
                "one.",
                "use a larger or stratified test set.",
            )
        )
    cost_fp = _check_positive(cost_fp, "cost_fp")
    cost_fn = _check_positive(cost_fn, "cost_fn")
    beta = _check_positive(beta, "beta")
    precision_target = _check_positive(precision_target, "precision_target")
    if precision_target > 1:
        raise MlkitValueError(
            with_hint(
                f"'precision_target' must be in (0, 1]; got {precision_target!r}.",
                "pass a precision such as 0.8.",
            )
        )
    if isinstance(treatments, str) or not isinstance(treatments, Iterable):
        treatments = [treatments]  # type: ignore[list-item]
    treatments = list(treatments)
    if not treatments:
        raise MlkitValueError(
            with_hint(
                "'treatments' is empty.", f"pass some of: {', '.join(TREATMENTS)}."
            )
        )
    for t in treatments:
        check_choice(t, TREATMENTS, "treatments")
    if len(set(treatments)) != len(treatments):
        raise MlkitValueError(
            with_hint(
                f"'treatments' lists a treatment twice: {treatments}.",
                "list each treatment once.",
            )
        )
    rng = check_random_state(random_state)
    seed = _seed(rng)

    cost_threshold = cost_fp / (cost_fp + cost_fn)
    fitted: dict[str, tuple[np.ndarray, int]] = {}
    rows, scores = [], {}
    y_true = positive.astype(int)
    for treatment in treatments:
        base = "none" if treatment == "cost_threshold" else treatment
        if base not in fitted:
            with model_errors(
                "estimator", f"be fitted on 'X_train' and score 'X_test' ({base})"
            ):
                fitted[base] = _fit_treatment(
                    base, estimator, X_train, y_tr, X_test, positive_label, seed
                )
        score, train_rows = fitted[base]
        threshold = cost_threshold if treatment == "cost_threshold" else 0.5
        flagged = score >= threshold
        tp = int((flagged & positive).sum())
        fp = int((flagged & ~positive).sum())
        fn = int((~flagged & positive).sum())
        precision, recall, _ = precision_recall_curve(y_true, score)
        rows.append(
            {
                "treatment": treatment,
                "train_rows": train_rows,
                "threshold": threshold,
                "flagged": int(flagged.sum()),
                "precision": tp / (tp + fp) if tp + fp else 0.0,
                "recall": tp / (tp + fn),
                "f_beta": float(
                    fbeta_score(y_true, flagged.astype(int), beta=beta, zero_division=0)
                ),
                "expected_cost": expected_cost(
                    y_true, flagged, cost_fp=cost_fp, cost_fn=cost_fn
                ),
                "pr_auc": float(average_precision_score(y_true, score)),
                "recall_at_precision": float(
                    recall[precision >= precision_target].max()
                ),
                "accuracy": float(accuracy_score(y_true, flagged.astype(int))),
            }
        )
        scores[treatment] = score
    index = X_test.index if isinstance(X_test, pd.DataFrame) else None
    return ImbalanceComparison(
        table=pd.DataFrame(rows),
        scores=pd.DataFrame(scores, index=index),
        positive_label=positive_label,
        cost_fp=cost_fp,
        cost_fn=cost_fn,
        precision_target=precision_target,
        beta=beta,
        prevalence=float(positive.mean()),
    )
