"""Label errors: the rows whose given label a model finds hard to believe.

Hand labels are noisy: annotators slip, guidelines change, classes blur into
each other. Confident learning (Northcutt, Jiang and Chuang, 2021) finds the
rows whose label is likely wrong from out-of-sample predicted probabilities: it
estimates, per pair of classes, how many rows labelled one class belong to the
other, and flags that many of the least believable rows. This module runs it
through cleanlab:

- :func:`find_label_errors`: flags from labels and out-of-sample probabilities;
- :meth:`LabelErrors.from_estimator`: the same, with the probabilities computed
  by cross-validation of a scikit-learn classifier.

Examples
--------
>>> import numpy as np
>>> from mlkit.labeling import find_label_errors
>>> labels = np.array(["cat"] * 5 + ["dog"] * 5)
>>> pred_probs = np.array([[0.9, 0.1]] * 4 + [[0.05, 0.95]] + [[0.1, 0.9]] * 5)
>>> result = find_label_errors(labels, pred_probs)
>>> result.to_frame()[["position", "given", "suggested"]].values.tolist()
[[4, 'cat', 'dog']]
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_random_state, model_errors, n_rows

if TYPE_CHECKING:
    import altair as alt

__all__ = ["LabelErrors", "RareClassWarning", "find_label_errors"]

#: How far from 1 a row of ``pred_probs`` may sum: float32 softmax outputs pass,
#: scores that are not probabilities do not.
SUM_TOLERANCE = 1e-3
# Probabilities may stray this far outside [0, 1] through rounding (cleanlab's own).
_RANGE_TOLERANCE = 1e-6

# Message templates, kept here so that tests can match them.
SHAPE_ERROR = "'pred_probs' must have one row per label and one column per class"
UNKNOWN_LABEL_ERROR = "'labels' has values that are not in 'classes'"
# What cleanlab is needed for, in the error raised when it is missing.
_PURPOSE = "find label errors with confident learning"


class RareClassWarning(MlkitWarning):
    """A class with a single row, among which confident learning flags nothing.

    Silence it with
    ``warnings.simplefilter("ignore", mlkit.labeling._errors.RareClassWarning)``.
    """


# --------------------------------------------------------------------------- checks


def _check_labels(labels: Any, name: str = "labels") -> np.ndarray:
    array = as_1d(labels, name)
    if len(array) == 0:
        raise MlkitValueError(
            with_hint(f"'{name}' is empty.", "pass one label per row of the data.")
        )
    missing = pd.isna(array)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(missing.sum()):,} missing label(s).",
                "drop the rows without a label first: there is nothing to check.",
            )
        )
    if len(pd.unique(array)) < 2:
        raise MlkitValueError(
            with_hint(
                f"'{name}' must hold at least two classes; got only "
                f"{_plain(array[0])!r}.",
                "pass the labels of a classification problem with two classes or more.",
            )
        )
    return array


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for messages and results."""
    return value.item() if isinstance(value, np.generic) else value


def _check_classes(classes: Any, labels: np.ndarray) -> np.ndarray:
    if classes is None:
        try:
            return np.array(sorted(pd.unique(labels).tolist()), dtype=object)
        except TypeError:
            raise MlkitTypeError(
                with_hint(
                    "'labels' mixes values that cannot be sorted into a class order, "
                    f"such as {pd.unique(labels)[:4].tolist()}.",
                    "pass classes=model.classes_, the order of the columns of "
                    "'pred_probs'.",
                )
            ) from None
    values = as_1d(classes, "classes")
    if pd.Index(values).has_duplicates:
        raise MlkitValueError(
            with_hint(
                f"'classes' lists a class twice: {values.tolist()[:10]}.",
                "pass each class once, in the order of the columns of 'pred_probs'.",
            )
        )
    return np.asarray(values, dtype=object)


def _check_pred_probs(pred_probs: Any, n: int, n_classes: int) -> np.ndarray:
    frame = isinstance(pred_probs, pd.DataFrame)
    try:
        array = np.array(
            pred_probs.to_numpy() if frame else pred_probs, dtype="float64", copy=True
        )
    except (TypeError, ValueError):
        raise MlkitTypeError(
            with_hint(
                "'pred_probs' must be numbers: an array of probabilities; got "
                f"{type(pred_probs).__name__} holding other values.",
                "pass model.predict_proba(X), or cross_val_predict(..., "
                "method='predict_proba').",
            )
        ) from None
    if array.ndim != 2 or array.shape[0] != n or array.shape[1] != n_classes:
        raise MlkitValueError(
            with_hint(
                f"{SHAPE_ERROR}, shape ({n:,}, {n_classes}); got shape {array.shape}.",
                "pass the probabilities of every class, in the order of 'classes' "
                "(predict_proba gives them in the order of model.classes_); for two "
                "classes keep both columns.",
            )
        )
    if n_classes < 2:
        raise MlkitValueError(
            with_hint(
                f"'pred_probs' must have a column for each of at least two classes; "
                f"got {n_classes}.",
                "pass the probabilities of every class.",
            )
        )
    bad = ~np.isfinite(array)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                f"'pred_probs' has {int(bad.sum()):,} missing or infinite value(s).",
                "pass probabilities from predict_proba, with no gaps.",
            )
        )
    if array.min() < -_RANGE_TOLERANCE or array.max() > 1 + _RANGE_TOLERANCE:
        raise MlkitValueError(
            with_hint(
                "'pred_probs' must be probabilities in [0, 1]; got values from "
                f"{array.min():.4g} to {array.max():.4g}.",
                "pass predict_proba's output; turn scores or logits into "
                "probabilities with a softmax first.",
            )
        )
    sums = array.sum(axis=1)
    off = np.abs(sums - 1) > SUM_TOLERANCE
    if off.any():
        first = int(np.flatnonzero(off)[0])
        raise MlkitValueError(
            with_hint(
                f"Each row of 'pred_probs' must sum to 1; {int(off.sum()):,} row(s) "
                f"do not, the first at position {first} (sum {sums[first]:.4g}).",
                "pass the probabilities of all the classes, one column each, as "
                "predict_proba gives them.",
            )
        )
    return np.clip(array, 0.0, 1.0)


def _codes(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    codes = pd.Index(classes, dtype=object).get_indexer(pd.Index(labels, dtype=object))
    unknown = codes < 0
    if unknown.any():
        examples = pd.unique(labels[unknown])[:5].tolist()
        raise MlkitValueError(
            with_hint(
                f"{UNKNOWN_LABEL_ERROR}: {', '.join(map(repr, examples))} "
                f"({int(unknown.sum()):,} row(s)); the classes are "
                f"{', '.join(map(repr, classes.tolist()[:10]))}.",
                "pass classes=model.classes_ for the model that made 'pred_probs', "
                "or fix the labels.",
            )
        )
    return codes


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class LabelErrors(Result):
    """Rows whose given label looks wrong, found by confident learning.

    Attributes
    ----------
    issues : pandas.Series
        True for each row flagged as a likely label error (bool), on the index
        of ``labels`` when it was a Series, else on positions 0, 1, ...
    quality : pandas.Series
        The self-confidence of each row: the out-of-sample probability of its
        given label, in [0, 1]; low means suspicious.
    suggested : pandas.Series
        For each row, the most probable class other than the given one: the
        label a reviewer should consider first.
    labels : pandas.Series
        The given labels, on the same index.
    pred_probs : numpy.ndarray
        The probabilities used, one column per class.
    classes : tuple
        The classes, in the order of the columns of ``pred_probs``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.labeling import LabelErrors
    >>> X, y = make_classification(300, n_features=5, class_sep=2, random_state=0)
    >>> y_noisy = y.copy(); y_noisy[:15] = 1 - y_noisy[:15]
    >>> result = LabelErrors.from_estimator(LogisticRegression(), X, y_noisy,
    ...                                     random_state=0)
    >>> bool(result.issues[:15].mean() > 0.7), bool(result.issues[15:].mean() < 0.05)
    (True, True)
    """

    title: ClassVar[str] = "Label errors"
    issues: pd.Series
    quality: pd.Series
    suggested: pd.Series
    labels: pd.Series
    pred_probs: np.ndarray
    classes: tuple[Any, ...]

    @property
    def n_issues(self) -> int:
        """The number of rows flagged."""
        return int(self.issues.sum())

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        cv: Any = 5,
        groups: Any = None,
        random_state: Any = None,
    ) -> LabelErrors:
        """Find label errors with out-of-fold probabilities of a classifier.

        Each row's probabilities come from a clone of ``estimator`` fitted on
        the other folds, with scikit-learn's ``cross_val_predict(...,
        method="predict_proba")``, so that no row is judged by a model that saw
        its label. Then :func:`find_label_errors`.

        Parameters
        ----------
        estimator : scikit-learn classifier or Pipeline
            A classifier with ``predict_proba``; the one passed is never fitted.
        X : pandas.DataFrame, array-like or sparse matrix
            The features.
        y : array-like or pandas.Series
            The given labels, some perhaps wrong; a Series keeps its index in
            the result.
        cv : int, cross-validation splitter or iterable, default 5
            An int is the number of stratified folds, shuffled with
            ``random_state``; each class needs at least that many rows. A
            splitter (such as ``GroupKFold``) or an iterable of (train, test)
            positions is used as it is, as scikit-learn's ``cv=`` does.
        groups : array-like, optional
            Group labels of the rows, for a group splitter passed as ``cv``.
        random_state : None, int or numpy.random.Generator
            Seed for the shuffle of the folds. The estimator's own
            ``random_state`` is left as it is.

        Returns
        -------
        LabelErrors

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from mlkit.labeling import LabelErrors
        >>> X, y = make_classification(200, n_features=4, class_sep=2, random_state=1)
        >>> result = LabelErrors.from_estimator(GaussianNB(), X, y, cv=4,
        ...                                     random_state=0)
        >>> len(result.issues), bool(result.n_issues < 10)
        (200, True)
        """
        from sklearn.base import clone
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        if not (hasattr(estimator, "fit") and hasattr(estimator, "predict_proba")):
            raise MlkitTypeError(
                with_hint(
                    "'estimator' must be a scikit-learn classifier with "
                    f"predict_proba; got {type(estimator).__name__}.",
                    "pass, for example, LogisticRegression(); wrap a model without "
                    "probabilities in sklearn.calibration.CalibratedClassifierCV.",
                )
            )
        labels = _check_labels(y, "y")
        n = n_rows(X, "X")
        if n != len(labels):
            raise MlkitValueError(
                with_hint(
                    f"'y' has {len(labels):,} labels, but 'X' has {n:,} rows.",
                    "pass one label per row of X.",
                )
            )
        classes = _check_classes(None, labels)
        counts = pd.Series(labels).value_counts()
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise MlkitValueError(
                    with_hint(
                        f"'cv' must be an int of at least 2; got {cv!r}.",
                        "pass cv=5, or a scikit-learn splitter.",
                    )
                )
            if counts.min() < cv:
                raise MlkitValueError(
                    with_hint(
                        f"'cv' is {cv} folds, but class {_plain(counts.idxmin())!r} of 'y' "
                        f"has only {counts.min()} row(s); every fold must see every "
                        "class to give it a probability.",
                        f"pass cv={max(2, int(counts.min()))} or fewer folds, or "
                        "gather more rows of that class.",
                    )
                )
            seed = int(check_random_state(random_state).integers(2**32))
            cv = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
        elif isinstance(cv, (str, bytes)) or not (
            (hasattr(cv, "split") and hasattr(cv, "get_n_splits"))
            or isinstance(cv, Iterable)
        ):
            raise MlkitTypeError(
                with_hint(
                    "'cv' must be a number of folds, a splitter or an iterable of "
                    f"(train, test) positions; got {cv!r}.",
                    "pass cv=5, or a splitter such as StratifiedKFold(5).",
                )
            )
        y_in = y if isinstance(y, pd.Series) else labels
        # cross_val_predict orders the columns by the sorted labels, as
        # model.classes_ does: the same order as `classes`.
        with model_errors("estimator", "be cross-validated on 'X' and 'y'"):
            pred_probs = cross_val_predict(
                clone(estimator),
                X,
                labels,
                groups=groups,
                cv=cv,
                method="predict_proba",
            )
        return find_label_errors(y_in, pred_probs, classes=classes)

    def to_frame(self) -> pd.DataFrame:
        """The flagged rows, the least believable label first.

        Indexed like ``labels`` (a Series' index, else positions). Columns:
        ``position`` (0-based row number); ``given`` (the label as given);
        ``suggested`` (the most probable other class); ``quality`` (the
        probability of the given label: low means suspicious);
        ``suggested_probability`` (the probability of the suggested class).
        Ties in quality keep the rows' order.
        """
        positions = np.flatnonzero(self.issues.to_numpy())
        table = pd.DataFrame(
            {
                "position": positions,
                "given": self.labels.to_numpy()[positions],
                "suggested": self.suggested.to_numpy()[positions],
                "quality": self.quality.to_numpy()[positions],
                "suggested_probability": self._suggested_probability()[positions],
            },
            index=self.labels.index[positions],
        )
        return table.sort_values("quality", kind="stable")

    def _suggested_probability(self) -> np.ndarray:
        codes = pd.Index(self.classes, dtype=object).get_indexer(
            pd.Index(self.suggested.to_numpy(), dtype=object)
        )
        return self.pred_probs[np.arange(len(codes)), codes]

    def chart(self) -> alt.HConcatChart:
        """Label quality of flagged and other rows, and the confusions among the flagged."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title, distribution, message_chart

        status = pd.Series(
            pd.Categorical(
                np.where(self.issues.to_numpy(), "flagged", "not flagged"),
                categories=["flagged", "not flagged"],
            ),
            name="row",
        )
        quality = pd.Series(self.quality.to_numpy(), name="quality of the given label")
        left = distribution(
            quality,
            by=status,
            bins=20,
            title="Probability of the given label",
        )
        flagged = self.to_frame()
        if flagged.empty:
            right = message_chart(
                "No row is flagged.", title="Given and suggested labels"
            )
        else:
            pairs = (
                pd.DataFrame(
                    {
                        "given": flagged["given"].astype("str"),
                        "suggested": flagged["suggested"].astype("str"),
                    }
                )
                .value_counts()
                .rename("rows")
                .reset_index()
            )
            order = [str(c) for c in self.classes]
            base = alt.Chart(pairs).encode(
                x=alt.X(
                    "suggested:N",
                    sort=order,
                    title="suggested label",
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelAngle=0),
                ),
                y=alt.Y(
                    "given:N",
                    sort=order,
                    title="given label",
                    axis=alt.Axis(labelFontSize=FONT_SIZE),
                ),
            )
            right = (
                base.mark_rect().encode(
                    color=alt.Color(
                        "rows:Q",
                        scale=alt.Scale(range=["#F7F7F7", PALETTE[0]]),
                        legend=None,
                    ),
                    tooltip=["given:N", "suggested:N", "rows:Q"],
                )
                + base.mark_text(fontSize=FONT_SIZE, color="black").encode(
                    text="rows:Q"
                )
            ).properties(
                width=alt.Step(48),
                height=alt.Step(32),
                title=_title(
                    "Given and suggested labels",
                    f"The {len(flagged):,} flagged rows",
                ),
            )
        return (
            alt.hconcat(left, right)
            .resolve_scale(color="independent")
            .properties(
                title=_title(
                    "Likely label errors",
                    f"{self.n_issues:,} of {len(self.issues):,} rows flagged",
                )
            )
        )

    def explain(self) -> str:
        n = len(self.issues)
        k = self.n_issues
        text = (
            f"{k:,} of {n:,} rows ({k / n:.1%}) are flagged as likely label errors. "
            "Confident learning (cleanlab's find_label_issues) estimates, for each "
            "pair of classes, how many rows given one label belong to the other, "
            "and flags about that many of the least believable rows, judged by "
            "out-of-sample probabilities. "
        )
        if k:
            pairs = self.to_frame()[["given", "suggested"]].astype("str")
            counts = pairs.value_counts()
            (given, other), rows = counts.index[0], int(counts.iloc[0])
            text += (
                f"The most frequent suspicion is a row given '{given}' that is "
                f"probably '{other}' ({rows:,} row(s)). "
                "These rows are candidates for human review, not automatic "
                "corrections: the model can be wrong too, most of all on rare or "
                "unusual rows, and the suggested label is only its best other "
                "guess. Send them back to annotators, worst first, and look for a "
                "pattern (one annotator, one source, ambiguous guidelines). "
            )
        else:
            text += (
                "None stands out: the given labels agree with what the model learned "
                "from the other rows. Errors the model shares, such as a systematic "
                "confusion in the guidelines, cannot be seen this way. "
            )
        text += (
            "The probabilities must be out of sample (cross-validated) for the flags "
            "to mean anything. Chapter 4 of the book covers the quality of hand "
            "labels and label multiplicity."
        )
        return text


# --------------------------------------------------------------------------- function


def find_label_errors(
    labels: Any, pred_probs: Any, *, classes: Any = None
) -> LabelErrors:
    """Flag the rows whose given label is likely wrong (confident learning).

    Runs cleanlab's ``cleanlab.filter.find_label_issues`` with its default
    filter (``"prune_by_noise_rate"``) for the flags, and
    ``cleanlab.rank.get_label_quality_scores`` with its default method
    (``"self_confidence"``) for a quality score per row.

    Parameters
    ----------
    labels : array-like or pandas.Series
        The given labels, some perhaps wrong: any hashable values (ints,
        strings, ...). A Series keeps its index in the result.
    pred_probs : array-like of shape (n_rows, n_classes)
        Out-of-sample predicted probabilities, one column per class in the
        order of ``classes``, each row summing to 1. Out of sample matters: a
        model that saw a row's label predicts it back. Use
        :meth:`LabelErrors.from_estimator`, or scikit-learn's
        ``cross_val_predict(model, X, y, method="predict_proba")``.
    classes : array-like, optional
        The classes in the order of the columns of ``pred_probs``; by default
        the sorted distinct labels. It must match the model's ``classes_``
        (scikit-learn sorts them too), and must be given when a class has no
        row in ``labels``.

    Returns
    -------
    LabelErrors
        ``.issues`` (True per flagged row), ``.quality`` (low is suspicious),
        ``.suggested`` (the most probable other class), ``.to_frame()`` (the
        flagged rows, worst first), ``.chart()`` and ``.explain()``.

    Notes
    -----
    Confident learning (Northcutt, Jiang and Chuang, "Confident Learning:
    Estimating Uncertainty in Dataset Labels", JAIR 2021) counts, for each pair
    of classes, the rows given one label whose probability of the other is above
    that class's average self-confidence; these counts estimate how many labels
    are wrong, and the rows with the largest margin are flagged. It assumes the
    errors depend on the class, not on the row. Flags are candidates for review,
    not corrections. Chapter 4 of the book covers the quality of hand labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_predict
    >>> from mlkit.labeling import find_label_errors
    >>> X, y = make_classification(400, n_features=5, class_sep=2, flip_y=0,
    ...                            random_state=0)
    >>> given = np.where(y == 1, "spam", "ham")
    >>> given[:20] = np.where(y[:20] == 1, "ham", "spam")   # 20 planted errors
    >>> proba = cross_val_predict(LogisticRegression(), X, given, cv=5,
    ...                           method="predict_proba")
    >>> result = find_label_errors(given, proba)
    >>> result.classes
    ('ham', 'spam')
    >>> bool(result.issues[:20].all()), int(result.issues[20:].sum()) <= 5
    (True, True)
    """
    from mlkit._optional import require

    filters = require("cleanlab.filter", purpose=_PURPOSE, package="cleanlab")
    rank = require("cleanlab.rank", purpose=_PURPOSE, package="cleanlab")

    given = _check_labels(labels)
    class_array = _check_classes(classes, given)
    probs = _check_pred_probs(pred_probs, len(given), len(class_array))
    codes = _codes(given, class_array)

    # One process: a pool per call costs more than it saves at these sizes, and
    # cleanlab's flags do not depend on n_jobs.
    with warnings.catch_warnings():
        # cleanlab warns of classes too small to prune in terms of its own
        # arguments; the warning below says it in mlkit's.
        warnings.filterwarnings(
            "ignore", message="May not flag all label issues", category=UserWarning
        )
        issues = filters.find_label_issues(codes, probs, n_jobs=1)
    counts = np.bincount(codes, minlength=len(class_array))
    single = [_plain(c) for c in class_array[counts == 1]]
    if single:
        warnings.warn(
            f"{len(single)} class(es) of 'labels' have a single row: "
            f"{', '.join(map(repr, single[:5]))}. Confident learning flags no error "
            "in a class of one row, so a wrong label there goes unseen.\n"
            "Hint: check those rows by hand, or gather more rows of those classes.",
            RareClassWarning,
            stacklevel=2,
        )
    quality = rank.get_label_quality_scores(codes, probs)
    others = probs.copy()
    others[np.arange(len(codes)), codes] = -np.inf
    suggested = class_array[others.argmax(axis=1)]

    index = labels.index if isinstance(labels, pd.Series) else pd.RangeIndex(len(given))
    name = labels.name if isinstance(labels, pd.Series) else None
    return LabelErrors(
        issues=pd.Series(np.asarray(issues, dtype=bool), index=index, name="issue"),
        quality=pd.Series(
            np.asarray(quality, dtype="float64"), index=index, name="quality"
        ),
        # From a list, so that pandas infers the labels' kind (ints, strings).
        suggested=pd.Series(suggested.tolist(), index=index, name="suggested"),
        labels=pd.Series(given, index=index, name=name),
        pred_probs=probs,
        classes=tuple(_plain(c) for c in class_array),
    )
