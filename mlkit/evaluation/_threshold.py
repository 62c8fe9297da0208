"""The decision threshold of least business cost, and what a threshold decides.

A binary classifier's ``predict`` flags a row when its probability is at least
0.5; that is the threshold of least cost only when a false alarm and a missed
positive cost the same. Chapter 6 of the book: evaluate at the decision the
business will make. :func:`cost_threshold` finds the threshold of least cost;
:func:`threshold_report` shows what one threshold does: its confusion matrix,
precision and recall, its cost and, per group, its selection and error rates.

Examples
--------
>>> from mlkit.evaluation import cost_threshold
>>> choice = cost_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], cost_fp=1, cost_fn=5)
>>> choice.threshold, choice.cost
(0.35, 0.25)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_number, check_probabilities

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "MAX_CURVE_ROWS",
    "REPORT_CURVE_POINTS",
    "ThresholdChoice",
    "ThresholdReport",
    "cost_threshold",
    "threshold_report",
]

#: Rows of :meth:`ThresholdChoice.to_frame` and points of its chart, at most.
MAX_CURVE_ROWS = 500


def _check_cost(value: Any, name: str) -> float:
    # Bounded so that a cost times the rows of a test set stays a finite float.
    return check_number(value, name, low=0, high=1e300, open_low=True, example="1")


def binary_target(y_true: Any, positive_label: Any, name: str = "y_true") -> np.ndarray:
    """``y_true == positive_label`` as booleans, refusing missing or extra classes."""
    truth = as_1d(y_true, name)
    if len(truth) == 0:
        raise MlkitValueError(
            with_hint(
                f"'{name}' is empty: it must hold at least one label; got none.",
                "pass at least one row.",
            )
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
        # Booleans and complex numbers are not thresholds.
        if len(grid) == 0 or grid.dtype.kind not in "iuf":
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
                    "'thresholds' must be finite numbers; got "
                    f"{int((~np.isfinite(grid)).sum()):,} NaN or infinite value(s).",
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


# --------------------------------------------------------------------------- report

#: Points of :attr:`ThresholdReport.curve`: 200 equal steps across the scores.
REPORT_CURVE_POINTS = 201

# Message templates, kept here so that tests can match them.
SCORE_TYPE_ERROR = "'y_score' must hold numbers; got values of type {dtype}."
SCORE_FINITE_ERROR = (
    "'y_score' must hold finite numbers; got {count:,} NaN or infinite value(s)."
)
ONE_COST_ERROR = (
    "'{given}' is given but '{missing}' is not; pass both costs or neither."
)


def _check_scores(y_score: Any, n: int) -> np.ndarray:
    """Scores as float64: any finite real numbers (probabilities, margins, logits)."""
    score = as_1d(y_score, "y_score", length=n)
    if not (np.issubdtype(score.dtype, np.number) or score.dtype == bool):
        raise MlkitTypeError(
            with_hint(
                SCORE_TYPE_ERROR.format(dtype=score.dtype),
                "pass the model's scores, such as model.predict_proba(X)[:, 1] or "
                "model.decision_function(X).",
            )
        )
    if np.issubdtype(score.dtype, np.complexfloating):
        raise MlkitTypeError(
            with_hint(
                SCORE_TYPE_ERROR.format(dtype=score.dtype),
                "pass real scores, such as model.predict_proba(X)[:, 1].",
            )
        )
    score = score.astype("float64")
    bad = ~np.isfinite(score)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                SCORE_FINITE_ERROR.format(count=int(bad.sum())),
                "drop the rows without a score (from y_true too), or fill them.",
            )
        )
    return score


def _report_curve(
    positive: np.ndarray,
    score: np.ndarray,
    grid: np.ndarray,
    cost_fp: float | None,
    cost_fn: float | None,
) -> pd.DataFrame:
    """Precision, recall, the share flagged and the cost at each threshold of ``grid``.

    Each row's bin among the sorted thresholds (one ``searchsorted`` of the rows
    into the grid) and two counts per bin give every threshold at once: the rows
    flagged from ``grid[k]`` are those of the bins above ``k``, a cumulative count.
    """
    n = len(score)
    size = len(grid) + 1
    # codes[i]: how many thresholds are at most score[i]; the row is flagged at
    # grid[k] exactly when codes[i] > k.
    codes = np.searchsorted(grid, score, side="right")
    rows = np.bincount(codes, minlength=size)
    hits = np.bincount(codes[positive], minlength=size)
    flagged = n - np.cumsum(rows)[:-1]
    tp = hits.sum() - np.cumsum(hits)[:-1]
    fp = flagged - tp
    fn = hits.sum() - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(flagged > 0, tp / flagged, np.nan)
    cost = (
        (fp * cost_fp + fn * cost_fn) / n
        if cost_fp is not None and cost_fn is not None
        else np.full(len(grid), np.nan)
    )
    return pd.DataFrame(
        {
            "threshold": grid,
            "flagged": flagged / n,
            "precision": precision,
            "recall": tp / hits.sum(),
            "fpr": fp / (n - hits.sum()),
            "cost": cost,
        }
    )


def _confusion_chart(report: ThresholdReport) -> alt.LayerChart:
    import altair as alt

    from mlkit.charts import FONT_SIZE, PALETTE, TEXT, _title

    n_negative, n_positive = report.tn + report.fp, report.tp + report.fn
    data = pd.DataFrame(
        {
            "actual": ["negative", "negative", "positive", "positive"],
            "decision": ["not flagged", "flagged"] * 2,
            "rows": [report.tn, report.fp, report.fn, report.tp],
            "of_class": [n_negative, n_negative, n_positive, n_positive],
        }
    )
    # Coloured by the share of the actual class: the rates read along each row.
    data["share"] = data["rows"] / data["of_class"]
    data["text"] = [f"{count:,}" for count in data["rows"]]
    data["dark"] = data["share"] > 0.6
    base = alt.Chart(data).encode(
        x=alt.X(
            "decision:N",
            sort=["not flagged", "flagged"],
            title="decision",
            axis=alt.Axis(labelAngle=0, orient="top", labelFontSize=FONT_SIZE),
        ),
        y=alt.Y(
            "actual:N",
            sort=["negative", "positive"],
            title="actual class",
            axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=160),
        ),
        tooltip=[
            alt.Tooltip("actual:N", title="actual class"),
            alt.Tooltip("decision:N"),
            alt.Tooltip("rows:Q", format=","),
            alt.Tooltip("share:Q", format=".1%", title="share of the actual class"),
        ],
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "share:Q",
            scale=alt.Scale(domain=[0, 1], range=["#F7F7F7", PALETTE[0]]),
            legend=alt.Legend(
                title="share of the actual class", orient="bottom", format="%"
            ),
        )
    )
    text = base.mark_text(fontSize=FONT_SIZE + 1).encode(
        text="text:N",
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value(TEXT)),
    )
    # Properties passed to the constructor: .properties() deep-copies the chart.
    return alt.layer(
        cells,
        text,
        width=180,
        height=150,
        title=_title(
            "Confusion matrix",
            "rows flagged when their score is at least the threshold",
        ),
    )


def _curve_chart(report: ThresholdReport) -> alt.LayerChart:
    import altair as alt

    from mlkit.charts import FONT_SIZE, PALETTE, _title

    curve = report.curve
    costed = report.cost_fp is not None
    if costed:
        data = pd.DataFrame(
            {
                "threshold": curve["threshold"],
                "metric": "expected cost per prediction",
                "value": curve["cost"],
            }
        )
        title = "Expected cost per prediction along the threshold"
        subtitle = (
            f"a false positive costs {report.cost_fp:g}, a false negative "
            f"{report.cost_fn:g}; at {report.threshold:.3g}: "
            f"{report.cost_per_prediction:.4g}"
        )
        y_title = "expected cost per prediction"
    else:
        data = curve.melt(
            id_vars="threshold",
            value_vars=["precision", "recall"],
            var_name="metric",
            value_name="value",
        )
        title = "Precision and recall along the threshold"
        subtitle = (
            f"at {report.threshold:.3g}: precision {_number(report.precision)}, "
            f"recall {_number(report.recall)}"
        )
        y_title = "precision, recall"
    metrics = list(dict.fromkeys(data["metric"]))
    lines = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X(
                "threshold:Q",
                title="threshold (flag rows whose score is at least this)",
                axis=alt.Axis(labelFontSize=FONT_SIZE),
            ),
            y=alt.Y(
                "value:Q",
                title=y_title,
                scale=alt.Scale(zero=not costed),
                axis=alt.Axis(labelFontSize=FONT_SIZE),
            ),
            color=alt.Color(
                "metric:N",
                sort=metrics,
                scale=alt.Scale(domain=metrics, range=list(PALETTE[: len(metrics)])),
                # One curve needs no legend: the axis says what it is.
                legend=None if costed else alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("threshold:Q", format=",.4g"),
                alt.Tooltip("metric:N"),
                alt.Tooltip("value:Q", format=",.4g"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"threshold": [report.threshold]}))
        .mark_rule(strokeDash=[4, 3], strokeWidth=2, color="#555555")
        .encode(
            x="threshold:Q",
            tooltip=[alt.Tooltip("threshold:Q", format=",.4g", title="threshold")],
        )
    )
    return alt.layer(lines, rule, width=380, height=200, title=_title(title, subtitle))


def _number(value: float) -> str:
    return "undefined" if math.isnan(value) else f"{value:.3g}"


@dataclass(frozen=True, repr=False)
class ThresholdReport(Result):
    """What a decision threshold does: its confusion matrix, rates, cost and gaps.

    Attributes
    ----------
    threshold : float
        A row is flagged (predicted positive) when its score is at least this.
    n : int
        Rows scored.
    tn, fp, fn, tp : int
        True negatives, false positives, false negatives and true positives.
    precision : float
        ``tp / (tp + fp)``; NaN when no row is flagged (the threshold is above
        every score).
    recall : float
        ``tp / (tp + fn)``, the true positive rate.
    fpr : float
        ``fp / (fp + tn)``, the false positive rate.
    accuracy : float
        ``(tp + tn) / n``.
    selection_rate : float
        The share of rows flagged, ``(tp + fp) / n``.
    prevalence : float
        The share of positive rows.
    cost : float
        The total cost of the errors, ``fp * cost_fp + fn * cost_fn``; NaN
        when no costs were given.
    cost_per_prediction : float
        ``cost / n``, as :func:`~mlkit.evaluation.expected_cost` computes it;
        NaN when no costs were given.
    cost_fp, cost_fn : float or None
        The costs of a false positive and a false negative; None when not given.
    positive_label : object
        The label of the class to detect.
    curve : pandas.DataFrame
        The same rates at :data:`REPORT_CURVE_POINTS` thresholds evenly spaced
        across [0, 1] for probabilities, or across the range of the scores
        otherwise: ``threshold``, ``flagged`` (the share of rows flagged),
        ``precision`` (NaN where none is), ``recall``, ``fpr`` and ``cost``
        (per prediction; NaN without costs). The chart draws it.
    groups : GroupMetrics or None
        With ``sensitive_features``, the rates of these decisions per group
        (:func:`mlkit.fairness.group_metrics`): ``.groups.by_group`` and
        ``.groups.to_frame()`` are the table per group. None without.
    demographic_parity_difference, equalized_odds_difference : float
        The largest gap between groups in selection rate, and in true or false
        positive rate (fairlearn's definitions); NaN without groups.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.evaluation import threshold_report
    >>> rng = np.random.default_rng(0)
    >>> score = rng.uniform(size=1000)
    >>> y = (rng.uniform(size=1000) < score).astype(int)
    >>> report = threshold_report(y, score, threshold=0.3, cost_fp=1, cost_fn=4)
    >>> report.confusion.tolist()
    [[237, 240], [40, 483]]
    >>> round(report.precision, 3), round(report.recall, 3), report.cost
    (0.668, 0.924, 400.0)
    >>> report.to_frame().set_index("metric")["value"].loc[["tp", "cost"]].tolist()
    [483.0, 400.0]
    """

    title: ClassVar[str] = "Decisions at a threshold"
    threshold: float
    n: int
    tn: int
    fp: int
    fn: int
    tp: int
    precision: float
    recall: float
    fpr: float
    accuracy: float
    selection_rate: float
    prevalence: float
    cost: float
    cost_per_prediction: float
    cost_fp: float | None
    cost_fn: float | None
    positive_label: Any
    curve: pd.DataFrame
    groups: Any
    demographic_parity_difference: float
    equalized_odds_difference: float

    @property
    def confusion(self) -> np.ndarray:
        """The confusion matrix ``[[tn, fp], [fn, tp]]``, as scikit-learn's
        ``confusion_matrix`` with the negative class first."""
        return np.array([[self.tn, self.fp], [self.fn, self.tp]], dtype="int64")

    def to_frame(self) -> pd.DataFrame:
        """One row per quantity: columns ``metric`` and ``value``.

        The metrics are ``threshold``, ``tn``, ``fp``, ``fn``, ``tp``,
        ``precision``, ``recall``, ``fpr``, ``accuracy``, ``selection_rate``,
        ``cost``, ``cost_per_prediction``, ``demographic_parity_difference``
        and ``equalized_odds_difference``, always in this order; a value that
        does not apply (a cost without costs, a gap without groups) is NaN.
        The table per group is ``.groups.to_frame()``.
        """
        names = (
            "threshold",
            "tn",
            "fp",
            "fn",
            "tp",
            "precision",
            "recall",
            "fpr",
            "accuracy",
            "selection_rate",
            "cost",
            "cost_per_prediction",
            "demographic_parity_difference",
            "equalized_odds_difference",
        )
        return pd.DataFrame(
            {
                "metric": pd.Series(names, dtype=object),
                "value": np.array([getattr(self, m) for m in names], dtype="float64"),
            }
        )

    def _display_frame(self) -> pd.DataFrame:
        frame = self.to_frame()
        absent = []
        if self.cost_fp is None:
            absent += ["cost", "cost_per_prediction"]
        if self.groups is None:
            absent += ["demographic_parity_difference", "equalized_odds_difference"]
        frame = frame[~frame["metric"].isin(absent)].reset_index(drop=True)
        # Counts and rates share one column: show counts as whole numbers.
        counts = frame["metric"].isin(["tn", "fp", "fn", "tp"])
        frame["value"] = [
            f"{v:,.0f}" if is_count else _number(v) if abs(v) < 1e4 else f"{v:,.0f}"
            for v, is_count in zip(frame["value"], counts, strict=True)
        ]
        return frame

    def chart(self) -> alt.VConcatChart:
        """The confusion matrix, the cost (or precision and recall) along the
        threshold with this one marked, and, with groups, their rates."""
        import altair as alt

        from mlkit.charts import _title

        top = alt.hconcat(
            _confusion_chart(self),
            _curve_chart(self),
            resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent")),
        )
        panels = [top]
        if self.groups is not None:
            panels.append(self.groups.chart())  # the rates of group_metrics
        return alt.vconcat(
            *panels,
            title=_title(
                f"Decisions at threshold {self.threshold:.3g}",
                f"{self.n:,} rows, {self.prevalence:.1%} positive",
            ),
        )

    def explain(self) -> str:
        flagged = self.tp + self.fp
        text = (
            f"At threshold {self.threshold:.3g} the model flags {flagged:,} of "
            f"{self.n:,} rows ({self.selection_rate:.1%}), with precision "
            f"{_number(self.precision)} and recall {_number(self.recall)}. "
        )
        if flagged == 0:
            text += (
                "No row is flagged: the threshold is above every score, so "
                "precision is undefined. "
            )
        elif flagged == self.n:
            text += "Every row is flagged: the threshold is at or below every score. "
        text += (
            f"It makes {self.fp:,} false alarm(s) and misses {self.fn:,} of "
            f"{self.tp + self.fn:,} positive rows. "
        )
        if self.cost_fp is not None:
            text += (
                f"At a cost of {self.cost_fp:g} per false positive and "
                f"{self.cost_fn:g} per false negative, the errors cost "
                f"{self.cost:,.6g} in all, {self.cost_per_prediction:.4g} per "
                "prediction. "
            )
        if self.groups is not None:
            text += (
                f"Across the {len(self.groups.by_group):,} groups, the selection "
                "rates differ by up to "
                f"{_number(self.demographic_parity_difference)} (demographic parity "
                "difference) and the true or false positive rates by up to "
                f"{_number(self.equalized_odds_difference)} (equalized odds "
                "difference); one threshold for everyone can still treat groups "
                "differently, and moving it moves these gaps (chapter 11 of the "
                "book). "
            )
        text += (
            "Raising the threshold flags fewer rows: precision tends to rise and "
            "recall falls. Choose it on validation rows, from the costs of the two "
            "errors (cost_threshold), and report it on test rows; chapter 6 of the "
            "book covers evaluating at the decision the business makes."
        )
        return text


def threshold_report(
    y_true: Any,
    y_score: Any,
    *,
    threshold: float,
    cost_fp: float | None = None,
    cost_fn: float | None = None,
    positive_label: Any = 1,
    sensitive_features: Any = None,
    min_group_size: int = 30,
) -> ThresholdReport:
    """The decisions a threshold makes: confusion matrix, rates, cost and group gaps.

    A row is flagged positive when its score is at least ``threshold``, as in
    :func:`cost_threshold` and scikit-learn's ``FixedThresholdClassifier``.

    Parameters
    ----------
    y_true : array-like
        The true labels, of two classes.
    y_score : array-like
        The score of each row: a probability of the positive class, or any
        real score (a margin, a log-odds), higher meaning more likely positive.
    threshold : float
        Any finite number; one outside the scores flags every row or none.
    cost_fp, cost_fn : float, optional
        The cost of a false positive and of a false negative, above 0; both or
        neither. ``case.spec.costs.as_kwargs()`` holds both.
    positive_label : object, default 1
        The label of the class to detect.
    sensitive_features : array-like, pandas.Series or pandas.DataFrame, optional
        Columns that define groups, as :func:`mlkit.fairness.group_metrics`
        takes them: adds the rates per group and their gaps.
    min_group_size : int, default 30
        Groups with fewer rows get a ``SmallGroupWarning``.

    Returns
    -------
    ThresholdReport
        ``.confusion``, ``.precision``, ``.recall``, ``.cost``, ``.groups``,
        ``.curve``, ``.to_frame()``, ``.chart()`` and ``.explain()``.

    Raises
    ------
    MlkitValueError, MlkitTypeError
        On no rows, arguments of different lengths, missing labels, labels that
        are not two classes, a single class in ``y_true`` (there is then no
        false positive or no false negative to weigh), scores that are not
        finite numbers, a threshold that is not a finite number, costs that
        are not above 0, one cost without the other, or bad sensitive features.

    Warns
    -----
    SmallGroupWarning
        Once, naming the groups too small to judge, as ``group_metrics`` does.
    UndefinedRateWarning
        When a group has no positive or no negative row. A group where this
        threshold flags nobody has an undefined precision (NaN) without a
        warning: that depends on the threshold, not on the data.

    Notes
    -----
    Precision is NaN, without a warning, when no row is flagged (scikit-learn's
    ``precision_score`` returns 0 and warns). The curve behind the chart is
    computed at 201 thresholds from one pass over the rows: each row's bin
    among the thresholds, two counts per bin and cumulative sums.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.evaluation import threshold_report
    >>> y = [0, 0, 1, 1, 0, 1]
    >>> score = [-2.0, 0.5, 1.5, 3.0, 2.0, -0.5]  # margins, not probabilities
    >>> report = threshold_report(y, score, threshold=1.0, cost_fp=1, cost_fn=5)
    >>> report.tp, report.fp, report.fn, report.tn
    (2, 1, 1, 2)
    >>> report.cost, report.cost_per_prediction
    (6.0, 1.0)
    >>> report = threshold_report(y, score, threshold=10)
    >>> report.selection_rate, report.precision, report.recall
    (0.0, nan, 0.0)
    """
    positive = binary_target(y_true, positive_label)
    n = len(positive)
    score = _check_scores(y_score, n)
    threshold = check_number(
        threshold, "threshold", open_low=True, open_high=True, example="0.5"
    )
    if (cost_fp is None) != (cost_fn is None):
        given, missing = (
            ("cost_fp", "cost_fn") if cost_fn is None else ("cost_fn", "cost_fp")
        )
        raise MlkitValueError(
            with_hint(
                ONE_COST_ERROR.format(given=given, missing=missing),
                f"pass {missing} too, for example case.spec.costs.as_kwargs(), or "
                f"drop {given} to see the rates without a cost.",
            )
        )
    costed = cost_fp is not None
    if costed:
        cost_fp = _check_cost(cost_fp, "cost_fp")
        cost_fn = _check_cost(cost_fn, "cost_fn")

    flagged = score >= threshold
    tp = int(np.count_nonzero(flagged & positive))
    n_flagged = int(np.count_nonzero(flagged))
    n_positive = int(np.count_nonzero(positive))
    fp = n_flagged - tp
    fn = n_positive - tp
    tn = n - n_flagged - fn
    total = fp * cost_fp + fn * cost_fn if costed else math.nan

    groups = None
    dp_difference = eo_difference = math.nan
    if sensitive_features is not None:
        groups = _group_metrics(positive, flagged, sensitive_features, min_group_size)
        disparities = groups.disparities()
        dp_difference = float(disparities["demographic_parity_difference"])
        eo_difference = float(disparities["equalized_odds_difference"])

    low, high = float(score.min()), float(score.max())
    if low >= 0 and high <= 1:
        low, high = 0.0, 1.0
    if math.isfinite(high - low):
        grid = np.linspace(low, high, REPORT_CURVE_POINTS)
    else:  # scores wider than the float range: interpolate without the difference
        step = np.linspace(0.0, 1.0, REPORT_CURVE_POINTS)
        grid = low * (1 - step) + high * step
    grid = np.unique(grid)
    return ThresholdReport(
        threshold=threshold,
        n=n,
        tn=tn,
        fp=fp,
        fn=fn,
        tp=tp,
        precision=tp / n_flagged if n_flagged else math.nan,
        recall=tp / n_positive,
        fpr=fp / (n - n_positive),
        accuracy=(tp + tn) / n,
        selection_rate=n_flagged / n,
        prevalence=n_positive / n,
        cost=float(total),
        cost_per_prediction=float(total / n),
        cost_fp=cost_fp,
        cost_fn=cost_fn,
        positive_label=positive_label,
        curve=_report_curve(positive, score, grid, cost_fp, cost_fn),
        groups=groups,
        demographic_parity_difference=dp_difference,
        equalized_odds_difference=eo_difference,
    )


def _group_metrics(
    positive: np.ndarray, flagged: np.ndarray, sensitive_features: Any, min_size: int
) -> Any:
    """group_metrics of these decisions, quiet about groups where none is flagged.

    A group with no flagged row has no precision at a high threshold: a
    consequence of the threshold, said by the NaN, not a problem of the data.
    The warnings about the data (a group without positive or negative rows, too
    small a group) are passed on.
    """
    import warnings

    from mlkit.fairness import UndefinedRateWarning, group_metrics

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        groups = group_metrics(
            positive,
            flagged,
            sensitive_features=sensitive_features,
            positive_label=True,
            min_group_size=min_size,
        )
    by_group = groups.by_group
    filled = by_group["count"] > 0
    one_class = (filled & by_group["base_rate"].isin([0.0, 1.0])).any()
    for warning in caught:
        if issubclass(warning.category, UndefinedRateWarning) and not one_class:
            continue
        warnings.warn(warning.message, warning.category, stacklevel=3)
    return groups
