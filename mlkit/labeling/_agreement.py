"""Label multiplicity: how much annotators agree, and one label from several.

Chapter 4 of *Designing Machine Learning Systems* warns that labels from several
annotators conflict, and that a model learns the conflicts too. This module
measures the conflicts and resolves them:

- :func:`agreement`: Cohen's kappa for every pair of annotators, Fleiss' kappa
  and Krippendorff's alpha for all of them, and how much each item's
  annotations agree;
- :func:`resolve`: one label per item, by majority vote or by a vote weighted by
  each annotator's estimated accuracy, and the items annotators disagree on;
- :func:`simulate_annotators`: annotators of known accuracy, to practise on.

An annotation table has one row per item and one column per annotator, with a
missing value (NaN, None) where an annotator did not label the item. Labels may
be strings, numbers or any hashable values. A table in long form (item,
annotator, label) becomes one with
``long.pivot(index="item", columns="annotator", values="label")``.

Examples
--------
>>> import pandas as pd
>>> from mlkit.labeling import agreement, resolve
>>> annotations = pd.DataFrame({
...     "ann": ["spam", "ham", "spam", "ham", None],
...     "bob": ["spam", "ham", "ham", "ham", "spam"],
...     "cyd": ["spam", None, "spam", "ham", "spam"],
... })
>>> round(agreement(annotations).krippendorff_alpha, 3)
0.714
>>> resolve(annotations).labels.tolist()
['spam', 'ham', 'spam', 'ham', 'spam']
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_frame,
    check_int,
    check_random_state,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "RESOLVE_METHODS",
    "Agreement",
    "Resolution",
    "agreement",
    "resolve",
    "simulate_annotators",
]

ResolveMethod = Literal["majority", "weighted"]

#: The methods of :func:`resolve`.
RESOLVE_METHODS: tuple[str, ...] = ("majority", "weighted")

# Message templates, kept here so that tests can match them.
FEW_ANNOTATORS_ERROR = (
    "'annotations' must have one column per annotator, at least 2; got {got}."
)
DUPLICATE_ERROR = "'annotations' has annotator columns with the same name: {names}."
NO_LABELS_ERROR = "'annotations' holds no label: every value is missing."
NO_OVERLAP_ERROR = (
    "'annotations' has no item labelled by two annotators, so no pair of annotators "
    "has an item in common ({pairs}); agreement cannot be measured."
)
SINGLE_CLASS_ERROR = (
    "'annotations' holds a single label, {label!r}; agreement beyond chance is "
    "undefined when there is nothing to disagree on."
)
RESERVED_ERROR = (
    "'annotations' has a column named {name!r}, which resolve() uses for its own "
    "output."
)
UNHASHABLE_ERROR = "'annotations' must hold hashable labels; got {kind}."

# The highest accuracy a weight is computed from: an annotator who always agreed
# with the others on a few items would otherwise get an infinite weight and
# overrule everyone.
MAX_ACCURACY = 0.99
# The smallest weight: an annotator no better than chance only breaks ties among
# the others, and still decides the items that nobody else labelled.
MIN_WEIGHT = 1e-3
# Default accuracies of simulated annotators: from careful to careless.
_ACCURACY_RANGE = (0.95, 0.65)
# Relative tolerance under which two weighted vote totals count as a tie.
_TIE_RTOL = 1e-9
# Output columns of Resolution.disagreements, next to the annotators' columns.
_RESERVED = ("resolved", "confidence")


# --------------------------------------------------------------------------- checks


def _per_annotator(
    value: Any, name: str, n: int, *, low: float, low_open: bool, example: str
) -> np.ndarray:
    """A number in [low, 1] (or (low, 1]) per annotator, from a scalar or a sequence."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        values = np.full(n, float(value))
    elif isinstance(value, (str, bytes)) or not isinstance(
        value, (Iterable, np.ndarray)
    ):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a number or one number per annotator; got "
                f"{value!r}.",
                f"pass, for example, {name}={example}.",
            )
        )
    else:
        try:
            values = np.asarray(list(value), dtype="float64")
        except (TypeError, ValueError):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must be numbers; got {value!r}.",
                    f"pass, for example, {name}={example}.",
                )
            ) from None
        if values.shape != (n,):
            raise MlkitValueError(
                with_hint(
                    f"'{name}' has {values.size} value(s), but there are {n} "
                    "annotators.",
                    f"pass one value per annotator, or a single number such as "
                    f"{name}={example}.",
                )
            )
    bracket = "(" if low_open else "["
    bad = ~np.isfinite(values) | (values > 1)
    bad |= (values <= low) if low_open else (values < low)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be in {bracket}{low:g}, 1]; got "
                f"{float(values[bad][0])!r} for annotator_{int(np.argmax(bad)) + 1}.",
                f"pass probabilities, for example {name}={example}.",
            )
        )
    return values


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _encode(annotations: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Labels as integer codes (items x annotators, -1 where missing) and the classes.

    All columns share one coding, so that "spam" from one annotator and "spam"
    from another are the same class. Classes are sorted when they can be.
    """
    present = annotations.notna().to_numpy()
    columns = [annotations.iloc[:, j] for j in range(annotations.shape[1])]
    values = pd.concat(
        [column[column.notna()] for column in columns], ignore_index=True
    )
    try:
        try:
            flat, classes = pd.factorize(values, sort=True)
        except TypeError:
            # Labels of types that cannot be ordered keep their order of appearance.
            flat, classes = pd.factorize(values, sort=False)
    except TypeError:
        kind = type(values.iloc[0]).__name__ if len(values) else "unhashable values"
        raise MlkitTypeError(
            with_hint(
                UNHASHABLE_ERROR.format(kind=kind),
                "store one label per cell: a string, a number or a bool.",
            )
        ) from None
    codes = np.full((annotations.shape[1], annotations.shape[0]), -1, dtype="int64")
    # Concatenated column after column, the labels fill the transposed mask in order.
    codes[present.T] = flat
    return codes.T, classes


def _check_annotations(annotations: Any) -> tuple[np.ndarray, pd.Index]:
    """Checks shared by agreement() and resolve(); returns codes and classes."""
    check_frame(annotations, "annotations")
    n_annotators = annotations.shape[1]
    if n_annotators < 2:
        raise MlkitValueError(
            with_hint(
                FEW_ANNOTATORS_ERROR.format(got=n_annotators),
                "pass one column per annotator; a long table (item, annotator, "
                "label) becomes one with long.pivot(index='item', "
                "columns='annotator', values='label').",
            )
        )
    duplicated = annotations.columns[annotations.columns.duplicated()]
    if len(duplicated):
        raise MlkitValueError(
            with_hint(
                DUPLICATE_ERROR.format(names=", ".join(map(repr, duplicated.unique()))),
                "give each annotator's column its own name.",
            )
        )
    codes, classes = _encode(annotations)
    if len(classes) == 0:
        raise MlkitValueError(
            with_hint(
                NO_LABELS_ERROR,
                "pass the annotations with NaN only where an annotator did not "
                "label an item.",
            )
        )
    return codes, classes


def _counts(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Annotations of each class per item: items x classes."""
    counts = np.zeros((codes.shape[0], n_classes), dtype="int64")
    for j in range(codes.shape[1]):
        labelled = codes[:, j] >= 0
        counts[np.flatnonzero(labelled), codes[labelled, j]] += 1
    return counts


# --------------------------------------------------------------------------- simulate


def _inclusion(
    coverage: np.ndarray, n_items: int, rng: np.random.Generator
) -> np.ndarray:
    """Who labels what: annotator j each item with probability coverage[j], two at least.

    Each item first gets two annotators by systematic sampling with inclusion
    probabilities ``b = 2 * coverage / coverage.sum()`` (at most 1 when the
    coverages add up to at least 2), in a fresh random order of the annotators
    for every item so that every pair can meet; then each other annotator joins
    with probability ``(coverage - b) / (1 - b)``, so that
    ``b + (1 - b) * (coverage - b) / (1 - b) = coverage``.
    """
    n_annotators = len(coverage)
    # At most 1 already, up to rounding when one coverage is 1 and the rest add up to 1.
    base = np.minimum(2 * coverage / coverage.sum(), 1.0)
    order = np.argsort(rng.random((n_items, n_annotators)), axis=1)
    edges = np.cumsum(base[order], axis=1)
    # The last edge is 2 up to rounding; as infinity, neither point can pass it.
    edges[:, -1] = np.inf
    start = rng.random(n_items)[:, None]
    first = (edges <= start).sum(axis=1)
    second = (edges <= start + 1).sum(axis=1)
    rows = np.arange(n_items)
    chosen = np.zeros((n_items, n_annotators), dtype=bool)
    chosen[rows, order[rows, first]] = True
    chosen[rows, order[rows, second]] = True
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = np.where(base < 1, (coverage - base) / (1 - base), 0.0)
    return chosen | (rng.random((n_items, n_annotators)) < extra)


def simulate_annotators(
    labels: Any,
    *,
    n_annotators: int = 5,
    accuracy: float | Iterable[float] | None = None,
    coverage: float | Iterable[float] = 0.6,
    random_state: Any = None,
) -> pd.DataFrame:
    """Annotations of the items by annotators of known accuracy, to practise on.

    Each annotator labels each item with probability ``coverage``; a label is
    the true one with probability ``accuracy`` and otherwise one of the other
    classes, drawn uniformly. Every item gets at least two annotations, so that
    annotators can be compared on it.

    Parameters
    ----------
    labels : array-like or pandas.Series
        The true label of each item: strings, numbers or any hashable values,
        with at least two classes and none missing.
    n_annotators : int, default 5
        How many annotators; at least 2.
    accuracy : float or sequence of float, optional
        The chance that an annotator's label is right, in [0, 1]: one number for
        all, or one per annotator. By default the annotators range evenly from
        0.95 (careful) down to 0.65 (careless).
    coverage : float or sequence of float, default 0.6
        The chance that an annotator labels an item, in (0, 1]: one number for
        all, or one per annotator. They must add up to at least 2 over the
        annotators, since every item gets two annotations.
    random_state : None, int or numpy.random.Generator
        Seed for the draws.

    Returns
    -------
    pandas.DataFrame
        One row per item, on the index of ``labels`` if a Series; one column per
        annotator, ``annotator_1``, ``annotator_2``, ...; NaN where the
        annotator did not label the item. A column keeps the labels' dtype
        where it can hold NaN: integer labels become floats (1.0 for 1).

    Notes
    -----
    Each annotator labels each item with probability ``coverage`` exactly, and
    still every item gets two annotations: the two are drawn so that every
    annotator's chance is proportional to its coverage, and the others join
    independently (see the source). Who labels an item is then not quite
    independent across annotators, and the coverages must add up to at least
    2. Errors are independent of each other and of the class: real annotators
    err more on hard items and confuse some classes more than others, which
    this leaves out. Chapter 4 of the book discusses label multiplicity.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.labeling import simulate_annotators
    >>> truth = np.random.default_rng(0).choice(["cat", "dog", "fox"], 1000)
    >>> annotations = simulate_annotators(truth, n_annotators=4, coverage=0.7,
    ...                                   random_state=0)
    >>> list(annotations.columns)
    ['annotator_1', 'annotator_2', 'annotator_3', 'annotator_4']
    >>> int(annotations.notna().sum(axis=1).min())
    2
    >>> annotations.notna().mean().round(1).tolist()
    [0.7, 0.7, 0.7, 0.7]
    """
    values = as_1d(labels, "labels")
    if len(values) == 0:
        raise MlkitValueError(
            with_hint("'labels' is empty.", "pass the true label of each item.")
        )
    missing = pd.isna(values)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'labels' has {int(missing.sum()):,} missing label(s); the "
                "simulation needs the true label of every item.",
                "drop the items without a label first.",
            )
        )
    n_annotators = check_int(n_annotators, "n_annotators", 2, "5")
    if accuracy is None:
        accuracy = np.linspace(*_ACCURACY_RANGE, n_annotators)
    accuracies = _per_annotator(
        accuracy, "accuracy", n_annotators, low=0.0, low_open=False, example="0.8"
    )
    coverages = _per_annotator(
        coverage, "coverage", n_annotators, low=0.0, low_open=True, example="0.6"
    )
    # Rounding must not refuse coverages that add up to exactly 2.
    if coverages.sum() < 2 - 1e-9:
        needed = math.ceil(200 / n_annotators) / 100
        raise MlkitValueError(
            with_hint(
                f"'coverage' adds up to {coverages.sum():.3g} over {n_annotators} "
                "annotators, but every item gets two annotations, so it must add "
                "up to at least 2.",
                f"pass coverage={min(needed, 1.0):g} or more, or more annotators.",
            )
        )
    if isinstance(labels, pd.DataFrame):
        series = labels.iloc[:, 0]
    else:
        series = labels if isinstance(labels, pd.Series) else pd.Series(values)
    truth, classes = pd.factorize(series, sort=True)
    n_classes = len(classes)
    if n_classes < 2:
        raise MlkitValueError(
            with_hint(
                f"'labels' holds a single class, {_plain(classes[0])!r}; a wrong label "
                "needs another class to be drawn from.",
                "pass labels of at least two classes.",
            )
        )
    rng = check_random_state(random_state)
    n_items = len(truth)
    labelled = _inclusion(coverages, n_items, rng)
    right = rng.random((n_items, n_annotators)) < accuracies
    # A shift of 1 to k-1 classes is a wrong class drawn uniformly from the others.
    shift = rng.integers(1, n_classes, size=(n_items, n_annotators))
    given = np.where(right, truth[:, None], (truth[:, None] + shift) % n_classes)
    return pd.DataFrame(
        {
            f"annotator_{j + 1}": pd.Series(
                classes.take(given[:, j]), index=series.index
            ).where(labelled[:, j])
            for j in range(n_annotators)
        },
        index=series.index,
    )


# --------------------------------------------------------------------------- agreement


def _fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa of items that all have the same number of annotations."""
    table = counts.astype("float64")
    n_raters = table.sum(axis=1).max()
    p_class = table.sum(axis=0) / table.sum()
    p_item = (np.square(table).sum(axis=1) - n_raters) / (n_raters * (n_raters - 1))
    expected = float(np.square(p_class).sum())
    if expected >= 1.0:
        return math.nan
    return float((p_item.mean() - expected) / (1 - expected))


def _krippendorff_alpha(counts: np.ndarray) -> float:
    """Nominal Krippendorff's alpha from the annotations of each class per item."""
    m = counts.sum(axis=1)
    pairable = counts[m >= 2].astype("float64")
    m = pairable.sum(axis=1)
    # The coincidence matrix counts every ordered pair of annotations of an item,
    # each item weighted 1 / (m - 1); its diagonal holds the agreeing pairs.
    agreeing = (pairable * (pairable - 1)).sum(axis=1) / (m - 1)
    # Each class's total in the coincidence matrix is its number of annotations.
    n_value = pairable.sum(axis=0)
    n = n_value.sum()
    disagreeing_expected = n * n - np.square(n_value).sum()
    if disagreeing_expected <= 0:
        return math.nan
    return float(1 - (n - 1) * (n - agreeing.sum()) / disagreeing_expected)


@dataclass(frozen=True, repr=False)
class Agreement(Result):
    """How much several annotators agree on the same items.

    Attributes
    ----------
    pairwise : pandas.DataFrame
        One row per pair of annotators: ``annotator_a``, ``annotator_b``,
        ``items`` (labelled by both), ``agreement`` (the share of those items
        where they gave the same label) and ``cohen_kappa`` (scikit-learn's
        ``cohen_kappa_score`` on those items; NaN below 2 items or when both
        gave a single, identical class).
    fleiss_kappa : float
        Fleiss' kappa over the items that every annotator labelled; NaN when no
        item was labelled by all, or those items hold a single class.
    krippendorff_alpha : float
        Nominal Krippendorff's alpha over all items with two annotations or
        more, missing values allowed; NaN when those items hold a single class.
    items : pandas.DataFrame
        One row per item, on the annotations' index: ``annotations`` (how many)
        and ``agreement`` (the share of them that give the item's most common
        label; NaN below 2 annotations).
    annotators : tuple
        The annotators, in the columns' order.
    classes : tuple
        The labels seen, sorted where they can be.
    n_complete : int
        Items that every annotator labelled: those behind ``fleiss_kappa``.
    """

    title: ClassVar[str] = "Annotator agreement"
    pairwise: pd.DataFrame
    fleiss_kappa: float
    krippendorff_alpha: float
    items: pd.DataFrame
    annotators: tuple[Any, ...]
    classes: tuple[Any, ...]
    n_complete: int

    def to_frame(self) -> pd.DataFrame:
        """The pairwise table: one row per pair of annotators (see ``pairwise``)."""
        return self.pairwise.copy()

    def chart(self) -> alt.LayerChart:
        """Cohen's kappa of every pair of annotators, as a matrix with values in cells."""
        from mlkit.charts import heatmap

        names = [str(a) for a in self.annotators]
        pairs = self.pairwise.assign(
            annotator_a=self.pairwise["annotator_a"].astype("str"),
            annotator_b=self.pairwise["annotator_b"].astype("str"),
        )
        flipped = pairs.rename(
            columns={"annotator_a": "annotator_b", "annotator_b": "annotator_a"}
        )
        cells = pd.concat([pairs, flipped], ignore_index=True)
        return heatmap(
            cells,
            x="annotator_b",
            y="annotator_a",
            value="cohen_kappa",
            order=names,
            title="Cohen's kappa of each pair of annotators",
            subtitle=(
                f"Krippendorff's alpha {self.krippendorff_alpha:.2f}, Fleiss' kappa "
                + (
                    "undefined"
                    if math.isnan(self.fleiss_kappa)
                    else f"{self.fleiss_kappa:.2f}"
                )
                + ". 1: perfect agreement; 0: chance."
            ),
            value_title="kappa",
            tooltip=["items", "agreement"],
            x_title=None,
            y_title=None,
        )

    def _summary(self) -> str:
        n_items = int((self.items["annotations"] >= 2).sum())
        if not self.n_complete:
            fleiss = "Fleiss' kappa undefined: no item was labelled by all"
        elif math.isnan(self.fleiss_kappa):
            fleiss = (
                f"Fleiss' kappa undefined: the {self.n_complete:,} items all "
                "labelled hold a single class"
            )
        else:
            fleiss = (
                f"Fleiss' kappa {self.fleiss_kappa:.2f} on the {self.n_complete:,} "
                "items all labelled"
            )
        return (
            f"Krippendorff's alpha {self.krippendorff_alpha:.2f} on {n_items:,} items "
            f"labelled twice or more; {fleiss}"
        )

    def explain(self) -> str:
        alpha = self.krippendorff_alpha
        text = f"Agreement of {len(self.annotators)} annotators: {self._summary()}. "
        kappas = self.pairwise.dropna(subset=["cohen_kappa"])
        if len(kappas) == 1:
            pair = kappas.iloc[0]
            text += (
                f"Cohen's kappa of {pair['annotator_a']} and {pair['annotator_b']} "
                f"is {pair['cohen_kappa']:.2f}. "
            )
        elif len(kappas):
            low = kappas.loc[kappas["cohen_kappa"].idxmin()]
            high = kappas.loc[kappas["cohen_kappa"].idxmax()]
            text += (
                f"Cohen's kappa of a pair ranges from {low['cohen_kappa']:.2f} "
                f"({low['annotator_a']} and {low['annotator_b']}) to "
                f"{high['cohen_kappa']:.2f} ({high['annotator_a']} and "
                f"{high['annotator_b']}). "
            )
        apart = self.pairwise[self.pairwise["items"] == 0]
        if len(apart):
            text += (
                f"{len(apart)} pair(s) share no item, such as {apart.iloc[0, 0]} and "
                f"{apart.iloc[0, 1]}: their kappa is NaN. "
            )
        text += (
            "Kappa and alpha are corrected for chance: 1 is perfect agreement, 0 "
            "is what annotators guessing with the same label frequencies would "
            "reach, below 0 is systematic disagreement. A common rough scale "
            "(Landis and Koch): below 0.2 slight, 0.2 to 0.4 fair, 0.4 to 0.6 "
            "moderate, 0.6 to 0.8 substantial, above 0.8 almost perfect; "
            "Krippendorff asks for alpha of 0.8 to rely on the labels and 0.667 "
            "for tentative conclusions. Low agreement says the task is ambiguous, "
            "the guidelines are unclear or some annotators are careless: read the "
            "items with the lowest agreement, sharpen the guidelines with them, "
            "and re-label before training a model on the conflicts (label "
            "multiplicity, chapter 4). One annotator whose kappa is low with "
            "everyone needs training or less weight (see resolve)."
        )
        if not math.isnan(alpha) and alpha >= 0.8:
            text += " Here agreement is high enough to rely on the labels."
        return text


def agreement(annotations: pd.DataFrame) -> Agreement:
    """How much annotators agree: pairwise Cohen's kappa, Fleiss' kappa, Krippendorff's alpha.

    Parameters
    ----------
    annotations : pandas.DataFrame
        One row per item, one column per annotator (at least 2), NaN where an
        annotator did not label the item. Labels may be strings, numbers or any
        hashable values; ``1`` and ``1.0`` are the same label.

    Returns
    -------
    Agreement
        ``.pairwise`` (one row per pair of annotators), ``.fleiss_kappa``,
        ``.krippendorff_alpha``, ``.items`` (agreement per item),
        ``.to_frame()``, ``.chart()`` and ``.explain()``.

    Raises
    ------
    MlkitTypeError
        If ``annotations`` is not a DataFrame.
    MlkitValueError
        If it has fewer than 2 annotators, no item labelled by two annotators
        (so no pair of annotators overlaps), or a single label in all.

    Notes
    -----
    - **Cohen's kappa** compares two annotators on the items both labelled:
      ``(p_o - p_e) / (1 - p_e)``, with ``p_o`` the share of items where they
      agree and ``p_e`` the share expected by chance from each one's label
      frequencies. A pair that shares no item gets NaN, and the others are
      still computed.
    - **Fleiss' kappa** generalises it to any number of annotators, but needs
      every item labelled by the same number of them: it is computed on the
      items that **every** annotator labelled, and NaN if there are none. It
      equals statsmodels' ``fleiss_kappa(aggregate_raters(rows)[0])``.
    - **Krippendorff's alpha** (nominal) uses every item with two annotations
      or more, however many: ``1 - D_o / D_e``, observed over expected
      disagreement between pairs of annotations of the same item. It equals
      ``krippendorff.alpha(..., level_of_measurement="nominal")``. With missing
      annotations, it is the statistic to report.

    All three are chance-corrected: 1 is perfect agreement, 0 chance. Chapter 4
    of the book covers label multiplicity.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.labeling import agreement, simulate_annotators
    >>> truth = np.random.default_rng(0).choice(["neg", "neu", "pos"], 500)
    >>> result = agreement(simulate_annotators(truth, n_annotators=4,
    ...                                        random_state=0))
    >>> result.pairwise[["annotator_a", "annotator_b"]].iloc[0].tolist()
    ['annotator_1', 'annotator_2']
    >>> bool(0.3 < result.krippendorff_alpha < 0.8)
    True
    """
    from sklearn.metrics import cohen_kappa_score

    codes, classes = _check_annotations(annotations)
    n_annotators = codes.shape[1]
    counts = _counts(codes, len(classes))
    m = counts.sum(axis=1)
    names = list(annotations.columns)
    if not (m >= 2).any():
        pairs = itertools.combinations(map(str, names), 2)
        shown = [f"{a} and {b}" for a, b in itertools.islice(pairs, 3)]
        n_pairs = n_annotators * (n_annotators - 1) // 2
        raise MlkitValueError(
            with_hint(
                NO_OVERLAP_ERROR.format(
                    pairs=", ".join(shown) + (" ..." if n_pairs > 3 else "")
                ),
                "have some items labelled by two annotators or more; a tenth of "
                "the items, labelled twice, is a common way to measure agreement.",
            )
        )
    if len(classes) == 1:
        raise MlkitValueError(
            with_hint(
                SINGLE_CLASS_ERROR.format(label=_plain(classes[0])),
                "check that the right columns were passed; a task with one class "
                "needs no agreement study.",
            )
        )

    rows = []
    for a, b in itertools.combinations(range(n_annotators), 2):
        both = (codes[:, a] >= 0) & (codes[:, b] >= 0)
        y_a, y_b = codes[both, a], codes[both, b]
        shared = int(both.sum())
        kappa = math.nan
        if shared >= 2 and len(np.union1d(y_a, y_b)) >= 2:
            kappa = float(cohen_kappa_score(y_a, y_b))
        rows.append(
            {
                "annotator_a": names[a],
                "annotator_b": names[b],
                "items": shared,
                "agreement": float(np.mean(y_a == y_b)) if shared else math.nan,
                "cohen_kappa": kappa,
            }
        )
    complete = m == n_annotators
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(m >= 2, counts.max(axis=1) / m, np.nan)
    return Agreement(
        pairwise=pd.DataFrame(rows),
        fleiss_kappa=_fleiss_kappa(counts[complete]) if complete.any() else math.nan,
        krippendorff_alpha=_krippendorff_alpha(counts),
        items=pd.DataFrame(
            {"annotations": m, "agreement": share}, index=annotations.index
        ),
        annotators=tuple(names),
        classes=tuple(classes.tolist()),
        n_complete=int(complete.sum()),
    )


# --------------------------------------------------------------------------- resolve


def _leave_one_out(codes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each annotator's agreement with the majority of the others, and on how many items.

    On an item, the others' majority is the most common label among the other
    annotators. Where several labels tie for it, an annotator who gave one of
    them agrees by 1 / (number tied): the chance that a random tie-break picks
    their label.
    """
    n_annotators = codes.shape[1]
    accuracy = np.full(n_annotators, np.nan)
    shared = np.zeros(n_annotators, dtype="int64")
    m = counts.sum(axis=1)
    for j in range(n_annotators):
        rows = np.flatnonzero((codes[:, j] >= 0) & (m >= 2))
        shared[j] = len(rows)
        if not len(rows):
            continue
        own = codes[rows, j]
        others = counts[rows].copy()
        others[np.arange(len(rows)), own] -= 1
        top = others.max(axis=1)
        tied = (others == top[:, None]).sum(axis=1)
        accuracy[j] = float(np.mean((others[np.arange(len(rows)), own] == top) / tied))
    return accuracy, shared


def _weights(accuracy: np.ndarray, n_classes: int) -> np.ndarray:
    """Log-odds weights log(k - 1) + log(a / (1 - a)), between MIN_WEIGHT and the cap.

    They are the optimal weights of a vote when each annotator is right with
    probability a and otherwise picks one of the k - 1 wrong classes uniformly.
    """
    known = ~np.isnan(accuracy)
    weights = np.ones(len(accuracy))
    if n_classes >= 2 and known.any():
        a = np.clip(accuracy[known], 1e-6, MAX_ACCURACY)
        weights[known] = np.maximum(
            math.log(n_classes - 1) + np.log(a / (1 - a)), MIN_WEIGHT
        )
        # An annotator who shares no item with the others only labels items
        # nobody else did: any positive weight gives the same labels there.
        weights[~known] = float(np.median(weights[known]))
    return weights


def _annotator_bars(
    weights: pd.DataFrame,
    column: str,
    *,
    title: str,
    subtitle: str,
    percent: bool,
    reference: float | None = None,
) -> alt.LayerChart:
    """One bar per annotator for ``column`` of the weights table, value at its end."""
    import altair as alt

    from mlkit.charts import FONT_SIZE, PALETTE, TEXT, _title

    data = weights.assign(annotator=weights["annotator"].astype("str"))
    order = list(data["annotator"])
    number = ".0%" if percent else ".2f"
    base = alt.Chart(data).encode(
        y=alt.Y(
            "annotator:N",
            sort=order,
            title=None,
            axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=160),
        ),
        x=alt.X(
            f"{column}:Q",
            title=None,
            scale=alt.Scale(domain=[0, 1]) if percent else alt.Undefined,
            axis=alt.Axis(format=number, tickCount=5, labelFontSize=FONT_SIZE - 1),
        ),
        tooltip=[
            alt.Tooltip("annotator:N"),
            alt.Tooltip("items:Q", format=","),
            alt.Tooltip("shared_items:Q", format=",", title="shared items"),
            alt.Tooltip("accuracy:Q", format=".1%", title="estimated accuracy"),
            alt.Tooltip("weight:Q", format=".3f"),
        ],
    )
    layers = [
        base.mark_bar(color=PALETTE[0]),
        base.mark_text(align="left", dx=3, fontSize=FONT_SIZE - 1, color=TEXT).encode(
            text=alt.Text(f"{column}:Q", format=number)
        ),
    ]
    if reference is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"chance": [reference]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(x="chance:Q")
        )
    return alt.layer(*layers).properties(
        width=220, height=alt.Step(20), title=_title(title, subtitle)
    )


@dataclass(frozen=True, repr=False)
class Resolution(Result):
    """One label per item, resolved from several annotations.

    Attributes
    ----------
    labels : pandas.Series
        The resolved label of each item, on the annotations' index; missing for
        an item nobody labelled.
    confidence : pandas.Series
        The share of the (weighted) votes that went to the resolved label, in
        (0, 1]; NaN for an item nobody labelled.
    weights : pandas.DataFrame
        One row per annotator: ``annotator``, ``items`` (labelled),
        ``shared_items`` (also labelled by someone else), ``accuracy`` (the
        share of shared items where the annotator gave the others' majority
        label, an estimate of accuracy without gold labels) and ``weight``
        (their weight in the vote: 1 for ``"majority"``).
    disagreements : pandas.DataFrame
        The items with two labels or more: their annotations, then ``resolved``
        (the label chosen) and ``confidence``.
    table : pandas.DataFrame
        One row per item: see :meth:`to_frame`.
    method : str
        ``"majority"`` or ``"weighted"``.
    classes : tuple
        The labels seen.
    n_ties : int
        Items where two labels or more tied for the most votes; broken at random.
    """

    title: ClassVar[str] = "Resolved labels"
    labels: pd.Series
    confidence: pd.Series
    weights: pd.DataFrame
    disagreements: pd.DataFrame
    table: pd.DataFrame
    method: str
    classes: tuple[Any, ...]
    n_ties: int

    def to_frame(self) -> pd.DataFrame:
        """One row per item, on the annotations' index.

        Columns ``label`` (resolved), ``confidence`` (share of the votes for it),
        ``annotations`` (how many), ``distinct_labels`` (how many different
        labels it got) and ``tie`` (whether the top labels tied and a random
        draw chose). Join it to the items with ``items.join(result.to_frame())``.
        """
        return self.table.copy()

    def _display_frame(self) -> pd.DataFrame:
        # In a notebook, the annotators: a short table, and the one the weights
        # come from; the items are one call away.
        return self.weights

    def chart(self) -> alt.VConcatChart:
        """Each annotator's estimated accuracy (and weight), and the labels' confidence."""
        import altair as alt

        from mlkit.charts import _title, distribution

        panels = [
            _annotator_bars(
                self.weights,
                "accuracy",
                title="Estimated accuracy",
                subtitle="Agreement with the others' majority; dashed: chance",
                percent=True,
                reference=1 / len(self.classes),
            )
        ]
        if self.method == "weighted":
            panels.append(
                _annotator_bars(
                    self.weights,
                    "weight",
                    title="Weight in the vote",
                    subtitle="log(k - 1) + log(a / (1 - a)), capped",
                    percent=False,
                )
            )
        confidence = self.confidence.dropna().round(2).rename("confidence")
        return alt.vconcat(
            alt.hconcat(*panels),
            distribution(
                confidence,
                bins=20,
                title=f"Confidence of the {self.method} vote, per item",
            ),
        ).properties(
            title=_title(
                "Labels resolved from several annotators",
                f"{self.method} vote over {len(self.weights)} annotators",
            )
        )

    def explain(self) -> str:
        n_items = int(self.labels.notna().sum())
        n_disagree = len(self.disagreements)
        text = (
            f"{n_items:,} items resolved by {self.method} vote; annotators "
            f"disagree on {n_disagree:,} ({n_disagree / max(n_items, 1):.0%}). "
        )
        if self.method == "weighted":
            text += (
                "Each annotator's vote counts log(k - 1) + log(a / (1 - a)), with a "
                "their estimated accuracy and k the number of classes: careful "
                "annotators count more, annotators no better than chance almost "
                "nothing. "
            )
        else:
            text += "Every annotator's vote counts the same. "
        text += (
            "The accuracy is estimated without gold labels, as the share of items "
            "where an annotator gave the label most others gave; it underestimates "
            "accuracy when the others err, but ranks the annotators. "
        )
        if self.n_ties:
            text += (
                f"{self.n_ties:,} items had a tie between labels, broken at random: "
                "label them once more rather than trust the draw. "
            )
        text += (
            "Where annotators disagree the label is uncertain: read those items, "
            "they show where the guidelines are unclear, keep the confidence as a "
            "sample weight or a soft label, and send the least confident items to "
            "an expert (label multiplicity, chapter 4)."
        )
        return text


def resolve(
    annotations: pd.DataFrame,
    *,
    method: ResolveMethod = "majority",
    random_state: Any = None,
) -> Resolution:
    """One label per item from the annotations of several annotators.

    Parameters
    ----------
    annotations : pandas.DataFrame
        One row per item, one column per annotator (at least 2), NaN where an
        annotator did not label the item. Labels may be strings, numbers or any
        hashable values.
    method : {"majority", "weighted"}, default "majority"
        - ``"majority"``: the label most annotators gave.
        - ``"weighted"``: each annotator's vote is weighted by their estimated
          accuracy ``a``, as ``log(k - 1) + log(a / (1 - a))`` with ``k`` the
          number of classes (``a`` capped at 0.99, and the weight at least
          0.001). ``a`` is estimated without gold labels: the share of the
          items an annotator shares with others where they gave the label the
          majority of the **others** gave (leave one out, so an annotator does
          not vote on their own accuracy).
    random_state : None, int or numpy.random.Generator
        Seed for breaking ties between labels with the same votes.

    Returns
    -------
    Resolution
        ``.labels``, ``.confidence``, ``.weights`` (per annotator),
        ``.disagreements``, ``.n_ties``, ``.to_frame()`` (per item),
        ``.chart()`` and ``.explain()``.

    Notes
    -----
    The weights are optimal when each annotator is right with probability
    ``a`` and otherwise picks a wrong class uniformly, independently of the
    others (the "one-coin" model). They pay off when annotators differ a lot in
    accuracy; with similar annotators both methods give almost the same labels.
    Agreement with the others' majority underestimates an annotator's accuracy
    when the others err, most for the best annotators, so the weights are
    conservative. Dawid and Skene's EM estimates a confusion matrix per
    annotator instead, at the cost of more items per annotator. Chapter 4 of the
    book covers label multiplicity.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.labeling import resolve, simulate_annotators
    >>> truth = np.random.default_rng(0).choice(["neg", "neu", "pos"], 2000)
    >>> annotations = simulate_annotators(
    ...     truth, accuracy=[0.95, 0.9, 0.5, 0.45, 0.4], coverage=1.0,
    ...     random_state=0)
    >>> majority = resolve(annotations, random_state=0)
    >>> weighted = resolve(annotations, method="weighted", random_state=0)
    >>> bool((weighted.labels == truth).mean() > (majority.labels == truth).mean())
    True

    The two careful annotators get the largest weights, though their estimated
    accuracy is below the true 0.95 and 0.9: the others' majority they are
    compared with is often wrong.

    >>> weighted.weights["accuracy"].round(1).tolist()
    [0.7, 0.7, 0.5, 0.4, 0.4]
    """
    check_choice(method, RESOLVE_METHODS, "method")
    codes, classes = _check_annotations(annotations)
    taken = [c for c in annotations.columns if c in _RESERVED]
    if taken:
        raise MlkitValueError(
            with_hint(
                RESERVED_ERROR.format(name=taken[0]),
                f"rename the annotator, for example annotations.rename(columns="
                f"{{{taken[0]!r}: 'annotator_{taken[0]}'}}).",
            )
        )
    rng = check_random_state(random_state)
    n_items, n_annotators = codes.shape
    n_classes = len(classes)
    counts = _counts(codes, n_classes)
    accuracy, shared = _leave_one_out(codes, counts)
    weights = (
        _weights(accuracy, n_classes) if method == "weighted" else np.ones(n_annotators)
    )

    votes = np.zeros((n_items, n_classes))
    for j in range(n_annotators):
        labelled = codes[:, j] >= 0
        votes[np.flatnonzero(labelled), codes[labelled, j]] += weights[j]
    top = votes.max(axis=1)
    labelled_any = top > 0
    tied = (votes >= top[:, None] * (1 - _TIE_RTOL)) & (votes > 0)
    # A random key per class decides among the tied ones; drawn for every item, so
    # that the labels of one item do not depend on ties elsewhere.
    keys = np.where(tied, rng.random((n_items, n_classes)), -1.0)
    winner = keys.argmax(axis=1)
    ties = tied.sum(axis=1) > 1
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = np.where(
            labelled_any, votes[np.arange(n_items), winner] / votes.sum(axis=1), np.nan
        )

    index = annotations.index
    labels = pd.Series(classes.take(winner), index=index, name="label").where(
        labelled_any
    )
    confidence_series = pd.Series(confidence, index=index, name="confidence")
    distinct = (counts > 0).sum(axis=1)
    disagree = distinct >= 2
    # Values rather than Series: an index with repeated labels cannot be aligned.
    disagreements = annotations.loc[disagree].assign(
        resolved=labels[disagree].array, confidence=confidence[disagree]
    )
    table = pd.DataFrame(
        {
            "label": labels.array,
            "confidence": confidence,
            "annotations": counts.sum(axis=1),
            "distinct_labels": distinct,
            "tie": ties,
        },
        index=index,
    )
    return Resolution(
        labels=labels,
        confidence=confidence_series,
        weights=pd.DataFrame(
            {
                "annotator": list(annotations.columns),
                "items": (codes >= 0).sum(axis=0),
                "shared_items": shared,
                "accuracy": accuracy,
                "weight": weights,
            }
        ),
        disagreements=disagreements,
        table=table,
        method=method,
        classes=tuple(classes.tolist()),
        n_ties=int(ties.sum()),
    )
