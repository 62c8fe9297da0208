"""The decision threshold of least business cost, from a model's scores.

A binary classifier's ``predict`` flags a row when its probability is at least
0.5; that is the threshold of least cost only when a false alarm and a missed
positive cost the same. Chapter 6 of the book: evaluate at the decision the
business will make.

Examples
--------
>>> from mlkit.evaluation import cost_threshold
>>> choice = cost_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], cost_fp=1, cost_fn=5)
>>> choice.threshold, choice.cost
(0.35, 0.25)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_probabilities

if TYPE_CHECKING:
    import altair as alt

__all__ = ["MAX_CURVE_ROWS", "ThresholdChoice", "cost_threshold"]

#: Rows of :meth:`ThresholdChoice.to_frame` and points of its chart, at most.
MAX_CURVE_ROWS = 500


def _check_cost(value: Any, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        number = not isinstance(value, bool) and isinstance(value, numbers.Real)
        raise (MlkitValueError if number else MlkitTypeError)(
            with_hint(
                f"'{name}' must be a finite number above 0; got {value!r}.",
                "pass the cost of one error in the case's unit, such as "
                f"{name}=1; only the ratio of the two costs moves the threshold.",
            )
        )
    return float(value)


def binary_target(y_true: Any, positive_label: Any, name: str = "y_true") -> np.ndarray:
    """``y_true == positive_label`` as booleans, refusing missing or extra classes."""
    truth = as_1d(y_true, name)
    if len(truth) == 0:
        raise MlkitValueError(
            with_hint(f"'{name}' is empty.", "pass at least one row.")
        )
    missing = pd.isna(truth)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(missing.sum()):,} missing label(s).",
                "drop the rows without a label before choosing a threshold.",
            )
        )
    classes = pd.unique(truth).tolist()
    if len(classes) > 2:
        raise MlkitValueError(
            with_hint(
                f"'{name}' must hold two classes; got {len(classes)}: "
                f"{', '.join(map(repr, classes[:5]))}.",
                "encode the class to detect against all others, for example "
                "y == 'spam'.",
            )
        )
    if positive_label not in classes:
        raise MlkitValueError(
            with_hint(
                f"'positive_label' is {positive_label!r}, which is not a class of "
                f"'{name}' ({', '.join(map(repr, classes))}).",
                "pass the label of the class to detect, such as positive_label="
                f"{classes[-1]!r}.",
            )
        )
    if len(classes) < 2:
        raise MlkitValueError(
            with_hint(
                f"'{name}' holds a single class ({classes[0]!r}): there is no false "
                "positive to weigh against a false negative.",
                "use a larger or stratified sample that holds both classes.",
            )
        )
    return truth == positive_label


def _counts(
    positive: np.ndarray, score: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flagged rows, false positives and false negatives at each threshold.

    A row is flagged when its score is at least the threshold. One sort and one
    cumulative sum serve every threshold: the rows below a threshold are a prefix
    of the rows sorted by score.
    """
    order = np.argsort(score, kind="stable")
    ranked = score[order]
    # positives_below[k]: positives among the k lowest scores.
    positives_below = np.concatenate([[0], np.cumsum(positive[order])])
    below = np.searchsorted(ranked, thresholds, side="left")
    flagged = len(score) - below
    true_positives = positives_below[-1] - positives_below[below]
    return flagged, flagged - true_positives, positives_below[-1] - true_positives


@dataclass(frozen=True, repr=False)
class ThresholdChoice(Result):
    """The expected cost at every candidate threshold, and the one of least cost.

    Attributes
    ----------
    threshold : float
        The candidate threshold of least expected cost on these rows; on a tie,
        the one nearest ``theoretical_threshold``.
    cost : float
        The expected cost per prediction at ``threshold``.
    cost_at_half : float
        The expected cost per prediction at 0.5, the threshold of ``predict``.
    theoretical_threshold : float
        ``cost_fp / (cost_fp + cost_fn)``: the threshold of least expected cost
        when the scores are calibrated probabilities.
    cost_at_theoretical : float
        The expected cost per prediction at ``theoretical_threshold``.
    cost_fp, cost_fn : float
        The cost of a false positive and of a false negative.
    n : int
        Rows scored.
    prevalence : float
        The share of positives among them.
    curve : pandas.DataFrame
        Every candidate threshold, in increasing order, with the columns of
        :meth:`to_frame`.
    choices : pandas.DataFrame
        The three thresholds side by side: ``choice`` ("least cost", "0.5
        (predict)" and "cost_fp / (cost_fp + cost_fn)"), then the columns of
        :meth:`to_frame`. A notebook shows this table.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> score = rng.uniform(size=2000)
    >>> y = rng.uniform(size=2000) < score  # calibrated scores
    >>> choice = cost_threshold(y, score, cost_fp=1, cost_fn=4, positive_label=True)
    >>> choice.theoretical_threshold
    0.2
    >>> abs(choice.threshold - 0.2) < 0.05
    True
    >>> list(choice.to_frame().columns)
    ['threshold', 'flagged', 'fp', 'fn', 'cost']
    """

    title: ClassVar[str] = "Decision threshold of least cost"
    threshold: float
    cost: float
    cost_at_half: float
    theoretical_threshold: float
    cost_at_theoretical: float
    cost_fp: float
    cost_fn: float
    n: int
    prevalence: float
    curve: pd.DataFrame
    choices: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The cost curve, at most :data:`MAX_CURVE_ROWS` thresholds.

        Columns: ``threshold`` (a row is flagged when its score is at least
        this), ``flagged`` (the share of rows flagged), ``fp`` and ``fn`` (false
        positives and false negatives, counts) and ``cost`` (``(fp * cost_fp +
        fn * cost_fn) / n``, per prediction). With more candidates than that,
        thresholds evenly spaced in the sorted list are kept, always with the
        lowest, the highest and the chosen one; ``.curve`` has them all.
        """
        curve = self.curve
        if len(curve) <= MAX_CURVE_ROWS:
            return curve.copy()
        keep = np.unique(
            np.concatenate(
                [
                    np.linspace(0, len(curve) - 1, MAX_CURVE_ROWS - 1).round(),
                    np.flatnonzero(curve["threshold"].to_numpy() == self.threshold),
                ]
            ).astype(int)
        )
        return curve.iloc[keep].reset_index(drop=True)

    def _display_frame(self) -> pd.DataFrame:
        return self.choices.copy()

    def chart(self) -> alt.LayerChart:
        """The expected cost along the threshold, with the three thresholds marked."""
        from mlkit.charts import marked_curve

        frame = self.to_frame()
        # The candidate that flags nothing sits just above the highest score; above
        # 1 it would stretch the axis for one point.
        frame = frame[frame["threshold"] <= 1]
        return marked_curve(
            frame,
            x="threshold",
            y="cost",
            marks={
                f"least cost, {self.threshold:.3g}": self.threshold,
                "0.5 (predict)": 0.5,
                f"cost_fp / (cost_fp + cost_fn), {self.theoretical_threshold:.3g}": (
                    self.theoretical_threshold
                ),
            },
            title="Expected cost per prediction along the decision threshold",
            subtitle=(
                f"{self.n:,} rows, {self.prevalence:.1%} positive; a false negative "
                f"costs {self.cost_fn:g}, a false positive {self.cost_fp:g}"
            ),
            x_title="threshold (flag rows whose score is at least this)",
            y_title="expected cost per prediction",
        )

    def explain(self) -> str:
        saving = self.cost_at_half - self.cost
        text = (
            f"The threshold of least expected cost on these {self.n:,} rows is "
            f"{self.threshold:.3g}, at {self.cost:.4g} per prediction, against "
            f"{self.cost_at_half:.4g} at 0.5"
        )
        text += f" (a saving of {saving:.4g} per prediction). " if saving > 0 else ". "
        ratio = self.cost_fn / self.cost_fp
        if math.isclose(ratio, 1):
            text += (
                "With equal costs, the best threshold for calibrated probabilities "
                "is 0.5: flag a row when it is more likely positive than not. "
            )
        else:
            text += (
                f"A missed positive costs {ratio:.3g} times a false alarm, so the best "
                "threshold is not 0.5: for calibrated probabilities, flagging a row "
                "costs less on average as soon as its probability exceeds cost_fp / "
                f"(cost_fp + cost_fn) = {self.theoretical_threshold:.3g}, where both "
                "decisions cost the same; at that threshold these rows cost "
                f"{self.cost_at_theoretical:.4g} per prediction. "
            )
        if abs(self.threshold - self.theoretical_threshold) > 0.1:
            text += (
                "The threshold found is far from that value: the scores are "
                "probably not calibrated probabilities, or there are too few rows; "
                "calibrate the model, or trust the threshold measured on data. "
            )
        text += (
            "Choosing the threshold on the rows you report is optimistic, since it "
            "fits their noise: choose it on a validation set, then report the cost "
            "at that threshold on the test set. Chapter 6 of the book covers "
            "evaluating a model at the decision the business makes."
        )
        return text


def cost_threshold(
    y_true: Any,
    y_score: Any,
    *,
    cost_fp: float,
    cost_fn: float,
    positive_label: Any = 1,
    thresholds: Any = None,
) -> ThresholdChoice:
    """The decision threshold of least expected business cost.

    A row is flagged positive when its score is at least the threshold (as in
    scikit-learn's ``FixedThresholdClassifier``). For each candidate threshold
    the expected cost per prediction is ``(FP * cost_fp + FN * cost_fn) / n``,
    as :func:`~mlkit.evaluation.expected_cost` computes it; the candidates are
    every distinct score and one just above the highest (which flags nothing),
    or the ``thresholds`` given. All candidates are priced at once from one sort
    of the scores.

    Parameters
    ----------
    y_true : array-like
        The true labels, of two classes.
    y_score : array-like
        The probability of the positive class for each row, in [0, 1], such as
        ``model.predict_proba(X)[:, 1]``.
    cost_fp, cost_fn : float
        The cost of a false positive (a false alarm) and of a false negative (a
        missed positive), above 0; ``case.spec.costs.as_kwargs()`` holds both.
    positive_label : object, default 1
        The label of the class to detect.
    thresholds : array-like, optional
        The candidate thresholds; by default the distinct scores.

    Returns
    -------
    ThresholdChoice
        ``.threshold``, ``.cost``, ``.cost_at_half``,
        ``.theoretical_threshold``, ``.cost_at_theoretical``, ``.curve``,
        ``.to_frame()``, ``.chart()`` and ``.explain()``.

    Notes
    -----
    The threshold is fitted to the rows given: choose it on a validation set and
    report its cost on the test set, or the reported cost is optimistic. Chapter 6
    of the book.

    Examples
    --------
    >>> choice = cost_threshold(["ham", "spam", "spam", "ham"], [0.2, 0.9, 0.3, 0.6],
    ...                         cost_fp=1, cost_fn=1, positive_label="spam")
    >>> choice.threshold, choice.cost, choice.cost_at_half
    (0.3, 0.25, 0.5)
    """
    positive = binary_target(y_true, positive_label)
    score = check_probabilities(y_score, "y_score", length=len(positive))
    cost_fp = _check_cost(cost_fp, "cost_fp")
    cost_fn = _check_cost(cost_fn, "cost_fn")
    if thresholds is None:
        candidates = np.unique(score)
        candidates = np.append(candidates, np.nextafter(candidates[-1], np.inf))
    else:
        grid = as_1d(thresholds, "thresholds")
        if len(grid) == 0 or not np.issubdtype(grid.dtype, np.number):
            raise MlkitValueError(
                with_hint(
                    "'thresholds' must be one or more numbers; got "
                    f"{len(grid)} value(s) of type {grid.dtype}.",
                    "pass a grid such as numpy.linspace(0, 1, 101), or leave it out "
                    "to try every distinct score.",
                )
            )
        grid = grid.astype("float64")
        if not np.isfinite(grid).all():
            raise MlkitValueError(
                with_hint(
                    "'thresholds' must be finite numbers; it holds NaN or infinity.",
                    "pass a grid such as numpy.linspace(0, 1, 101).",
                )
            )
        candidates = np.unique(grid)

    n = len(score)
    theoretical = cost_fp / (cost_fp + cost_fn)
    flagged, fp, fn = _counts(positive, score, candidates)
    costs = (fp * cost_fp + fn * cost_fn) / n
    best_cost = costs.min()
    # Ties: the candidate nearest the calibrated optimum, so that equal costs do
    # not push the threshold to an end of a flat stretch.
    tied = np.flatnonzero(np.isclose(costs, best_cost, rtol=1e-12, atol=0))
    best = tied[np.argmin(np.abs(candidates[tied] - theoretical))]
    reference = np.array([candidates[best], 0.5, theoretical])
    flagged_ref, fp_ref, fn_ref = _counts(positive, score, reference)
    cost_ref = (fp_ref * cost_fp + fn_ref * cost_fn) / n
    choices = pd.DataFrame(
        {
            "choice": ["least cost", "0.5 (predict)", "cost_fp / (cost_fp + cost_fn)"],
            "threshold": reference,
            "flagged": flagged_ref / n,
            "fp": fp_ref.astype("int64"),
            "fn": fn_ref.astype("int64"),
            "cost": cost_ref,
        }
    )
    curve = pd.DataFrame(
        {
            "threshold": candidates,
            "flagged": flagged / n,
            "fp": fp.astype("int64"),
            "fn": fn.astype("int64"),
            "cost": costs,
        }
    )
    return ThresholdChoice(
        threshold=float(candidates[best]),
        cost=float(costs[best]),
        cost_at_half=float(cost_ref[1]),
        theoretical_threshold=theoretical,
        cost_at_theoretical=float(cost_ref[2]),
        cost_fp=cost_fp,
        cost_fn=cost_fn,
        n=n,
        prevalence=float(positive.mean()),
        curve=curve,
        choices=choices,
    )
