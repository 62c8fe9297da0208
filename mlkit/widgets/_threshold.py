"""The threshold explorer: move the decision threshold, see what it decides."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitValueError, with_hint
from mlkit.widgets._base import Control, Explorer

if TYPE_CHECKING:
    from mlkit.cases import Case
    from mlkit.evaluation import ThresholdReport

__all__ = ["ThresholdExplorer"]

#: The fewest steps of the slider across scores that are not probabilities; the
#: step is the largest power of ten that gives at least this many.
SLIDER_STEPS = 100


class ThresholdExplorer(Explorer):
    """Move the decision threshold and see the confusion matrix, cost and group gaps.

    A thin shell over :func:`mlkit.evaluation.threshold_report`: one slider,
    ``threshold``, over [0, 1] in steps of 0.01 for probabilities, or over the
    range of the scores otherwise, in steps of a power of ten (100 to 1,000 of
    them). Each move recomputes the report: the confusion matrix, precision
    and recall, the cost of the errors when the costs are given, and the gaps
    between groups when ``sensitive_features`` are.

    Parameters
    ----------
    y_true : array-like
        The true labels, of two classes.
    y_score : array-like
        The score of each row: probabilities of the positive class, or any real
        scores (higher meaning more likely positive).
    cost_fp, cost_fn : float, optional
        The cost of a false positive and of a false negative, above 0; both or
        neither.
    positive_label : object, default 1
        The label of the class to detect.
    sensitive_features : array-like, pandas.Series or pandas.DataFrame, optional
        Columns that define groups, as :func:`mlkit.fairness.group_metrics`
        takes them.
    threshold : float, optional
        The threshold to start from. By default the one of least cost on these
        rows when the costs are given (:func:`mlkit.evaluation.cost_threshold`
        for probabilities, the least cost along the report's curve otherwise),
        else 0.5 for probabilities and the middle of the scores otherwise.
    unit : str, optional
        The unit of the costs, shown in the status line ("USD").

    Attributes
    ----------
    result : ThresholdReport
        The report at the current threshold.
    values : dict
        ``{"threshold": ...}``.

    Notes
    -----
    The labels are read once as positive or not, the scores as floats and the
    sensitive features as categories, so that a move costs only the report:
    ``.result`` equals ``threshold_report(y_true == positive_label, y_score,
    positive_label=True, ...)``. Warnings about the groups (too small, no
    positive row) are shown once, when the explorer is built: they depend on
    the data, not on the threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.widgets import ThresholdExplorer
    >>> rng = np.random.default_rng(0)
    >>> score = rng.uniform(size=2000)
    >>> y = (rng.uniform(size=2000) < score).astype(int)
    >>> explorer = ThresholdExplorer(y, score, cost_fp=1, cost_fn=4)
    >>> round(explorer.values["threshold"], 3)  # of least cost; 0.2 in theory
    0.248
    >>> report = explorer.update(threshold=0.5)
    >>> round(report.precision, 3), round(report.recall, 3), report.cost
    (0.754, 0.743, 1280.0)
    """

    title = "Threshold explorer"

    def __init__(
        self,
        y_true: Any,
        y_score: Any,
        *,
        cost_fp: float | None = None,
        cost_fn: float | None = None,
        positive_label: Any = 1,
        sensitive_features: Any = None,
        threshold: float | None = None,
        unit: str | None = None,
    ) -> None:
        from mlkit.evaluation import cost_threshold
        from mlkit.evaluation._threshold import _check_scores, binary_target

        # Converted once: a move of the slider then costs only the report.
        self._positive = binary_target(y_true, positive_label)
        self._score = _check_scores(y_score, len(self._positive))  # a float copy
        self._groups = _as_categories(sensitive_features)
        self._costs = {"cost_fp": cost_fp, "cost_fn": cost_fn}
        self.positive_label = positive_label
        self.unit = unit
        self._quiet = False

        low, high = float(self._score.min()), float(self._score.max())
        probabilities = low >= 0 and high <= 1
        if probabilities:
            low, high, step = 0.0, 1.0, 0.01
        else:
            step, low, high = _round_range(low, high)
        if threshold is None:
            if cost_fp is not None and cost_fn is not None and probabilities:
                threshold = cost_threshold(
                    self._positive,
                    self._score,
                    cost_fp=cost_fp,
                    cost_fn=cost_fn,
                    positive_label=True,
                ).threshold
            elif cost_fp is not None and cost_fn is not None:
                curve = self._compute(threshold=(low + high) / 2).curve
                threshold = float(curve["threshold"][curve["cost"].idxmin()])
            else:
                threshold = 0.5 if probabilities else round((low + high) / 2, 12)
            # The threshold that flags nothing lies just above the highest score.
            threshold = min(max(threshold, low), high)
        controls = {
            "threshold": Control(
                "FloatSlider", "Threshold", low=low, high=high, step=step
            )
        }
        super().__init__(controls, {"threshold": threshold})

    @classmethod
    def from_case(
        cls,
        case: Case,
        y_true: Any,
        y_score: Any,
        sensitive_features: Any = None,
        *,
        positive_label: Any = 1,
        threshold: float | None = None,
    ) -> ThresholdExplorer:
        """An explorer with the costs and their unit from a binary case's spec.

        Parameters
        ----------
        case : Case
            A binary case; ``case.spec.costs`` gives ``false_positive``,
            ``false_negative`` and ``unit``.
        y_true, y_score, sensitive_features, threshold
            As for the constructor.
        positive_label : object, default 1
            The label of the positive class in ``y_true``: 1 for targets encoded
            by :func:`mlkit.features.encode_target`, as the notebooks do; pass
            ``case.spec.positive_label`` for the raw labels.

        Examples
        --------
        >>> import numpy as np, mlkit as mk
        >>> case = mk.cases.load("spam")
        >>> rng = np.random.default_rng(0)
        >>> score = rng.uniform(size=500)
        >>> y = (rng.uniform(size=500) < score).astype(int)
        >>> explorer = ThresholdExplorer.from_case(case, y, score)
        >>> explorer.result.cost_fp, explorer.result.cost_fn, explorer.unit
        (5.0, 1.0, 'moderator-minutes')
        """
        spec = case.spec
        costs = spec.costs
        if spec.task != "binary":
            raise MlkitValueError(
                with_hint(
                    f"'case' must be a binary case; {spec.name!r} is a {spec.task} "
                    "case, with no false positive or false negative to price.",
                    "use the threshold explorer on a binary case, such as 'spam'.",
                )
            )
        return cls(
            y_true,
            y_score,
            cost_fp=costs.false_positive,
            cost_fn=costs.false_negative,
            positive_label=positive_label,
            sensitive_features=sensitive_features,
            threshold=threshold,
            unit=costs.unit,
        )

    def _compute(self, threshold: float) -> ThresholdReport:
        from mlkit.evaluation import threshold_report
        from mlkit.fairness import SmallGroupWarning, UndefinedRateWarning

        with warnings.catch_warnings():
            if self._quiet:
                # Said when the explorer was built; the data have not changed.
                warnings.simplefilter("ignore", SmallGroupWarning)
                warnings.simplefilter("ignore", UndefinedRateWarning)
            report = threshold_report(
                self._positive,
                self._score,
                threshold=threshold,
                positive_label=True,
                sensitive_features=self._groups,
                **self._costs,
            )
        self._quiet = True
        return report

    def _status(self, result: ThresholdReport) -> str:
        from mlkit.evaluation._threshold import _number

        text = (
            f"threshold {result.threshold:.3g}: flags {result.selection_rate:.1%}, "
            f"precision {_number(result.precision)}, recall {_number(result.recall)}"
        )
        if result.cost_fp is not None:
            unit = f" {self.unit}" if self.unit else ""
            text += (
                f", cost {result.cost:,.6g}{unit} "
                f"({result.cost_per_prediction:.3g} per prediction)"
            )
        if result.groups is not None:
            gaps = {
                "demographic parity difference": result.demographic_parity_difference,
                "equalized odds difference": result.equalized_odds_difference,
            }
            defined = {k: v for k, v in gaps.items() if not math.isnan(v)}
            if defined:
                name = max(defined, key=defined.get)
                text += f"; largest gap: {name} {defined[name]:.3g}"
        return text


def _round_range(low: float, high: float) -> tuple[float, float, float]:
    """A round step giving about :data:`SLIDER_STEPS` steps, and the range on it."""
    span = high - low or max(abs(low), 1.0)
    step = 10.0 ** math.floor(math.log10(span / SLIDER_STEPS))
    digits = max(0, -math.floor(math.log10(step)))
    start = math.floor(low / step) * step
    stop = max(math.ceil(high / step) * step, start + step)
    return step, round(start, digits), round(stop, digits)


def _as_categories(sensitive_features: Any) -> Any:
    """The sensitive features as categorical columns, which group_metrics reads
    without hashing every row; their groups and order stay the same."""
    if sensitive_features is None:
        return None
    import numpy as np
    import pandas as pd

    if isinstance(sensitive_features, Mapping):
        sensitive_features = pd.DataFrame(sensitive_features)
    if isinstance(sensitive_features, (pd.DataFrame, pd.Series)):
        return sensitive_features.astype("category")
    array = (
        np.asarray(sensitive_features, dtype=object)
        if isinstance(sensitive_features, (list, tuple))
        else np.asarray(sensitive_features)
    )
    if array.ndim == 1:
        return pd.Series(array).astype("category")
    if array.ndim == 2:
        return pd.DataFrame(
            {f"sensitive_feature_{j}": array[:, j] for j in range(array.shape[1])}
        ).astype("category")
    return sensitive_features  # group_metrics says what is wrong
