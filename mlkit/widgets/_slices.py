"""The slice explorer: pick features, see the slices where the model does worst."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitValueError, with_hint
from mlkit.widgets._base import Control, Explorer

if TYPE_CHECKING:
    import pandas as pd

    from mlkit.evaluation import WeakSlices

__all__ = ["SliceExplorer"]

#: Metrics of a regression model's errors, in the order of the dropdown.
REGRESSION_METRICS = ("mae", "squared_error", "bias")
#: Metrics of predicted classes, from ``y_pred``.
LABEL_METRICS = ("error_rate", "accuracy")
#: Metrics of predicted probabilities, from ``y_score``.
SCORE_METRICS = ("log_loss", "brier")


class SliceExplorer(Explorer):
    """Pick the features and the support, see the weakest slices and their metrics.

    A thin shell over :func:`mlkit.evaluation.find_weak_slices`, with four
    controls: ``columns`` (the features to slice on), ``min_support`` (the
    smallest share of rows a slice holds, 0.005 to 0.25), ``max_features``
    (slices of one feature, or pairs too) and ``metric``. The status line names
    the weakest slice and its metric against the overall one.

    Parameters
    ----------
    df : pandas.DataFrame
        The features of the evaluation rows, matched with ``y_true`` by position.
    y_true, y_pred : array-like or pandas.Series
        True values and predictions. ``y_pred`` may be None when ``y_score``
        is given: only the metrics of scores are offered then.
    columns : sequence, optional
        The columns selected at first; by default every column that can be
        sliced. The control offers all of those.
    metric : str, default "error_rate"
        The metric selected at first. For a classifier the dropdown offers
        ``"error_rate"`` and ``"accuracy"`` (from ``y_pred``) and
        ``"log_loss"`` and ``"brier"`` (from ``y_score``, binary); for a
        regression model (``metric`` one of ``"mae"``, ``"squared_error"``,
        ``"bias"``) those three.
    y_score : array-like, optional
        Predicted probabilities of the positive class, for ``log_loss`` and
        ``brier``.
    positive_label : optional
        The positive class of ``y_true`` for ``log_loss`` and ``brier`` when the
        labels are not 0/1.
    min_support : float, default 0.02
        The share of rows a slice must hold at first, in [0.005, 0.25].
    max_features : {1, 2}, default 2
        Slices of one feature, or pairs as well, at first.
    bins : int, default 5
        Quantile bins of a numeric column (fixed: not a control).

    Attributes
    ----------
    result : WeakSlices
        The search at the current settings.
    values : dict
        ``columns`` (a tuple), ``min_support``, ``max_features`` and ``metric``.

    Notes
    -----
    The inputs are checked and copied once, by a first search of one-feature
    slices over every column, which also finds the columns that can be
    sliced. Each update is one call of ``find_weak_slices``, which encodes the
    chosen columns again: on 100,000 rows and six columns, pairs included, it
    takes tens of milliseconds.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.widgets import SliceExplorer
    >>> rng = np.random.default_rng(0)
    >>> n = 5000
    >>> df = pd.DataFrame({"device": rng.choice(["ios", "android", "web"], n),
    ...                    "plan": rng.choice(["free", "pro"], n),
    ...                    "age": rng.integers(18, 80, n)})
    >>> y = rng.integers(0, 2, n)
    >>> bad = (df["device"] == "web") & (df["plan"] == "free")
    >>> wrong = rng.random(n) < np.where(bad, 0.3, 0.1)
    >>> explorer = SliceExplorer(df, y, np.where(wrong, 1 - y, y))
    >>> explorer.values["columns"]
    ('device', 'plan', 'age')
    >>> explorer.result.to_frame().loc[0, "description"]
    "device == 'web' & plan == 'free'"
    >>> explorer.update(columns=["age"]).to_frame()["description"].tolist()
    []
    """

    title = "Slice explorer"

    def __init__(
        self,
        df: pd.DataFrame,
        y_true: Any,
        y_pred: Any,
        *,
        columns: Any = None,
        metric: str = "error_rate",
        y_score: Any = None,
        positive_label: Any = None,
        min_support: float = 0.02,
        max_features: int = 2,
        bins: int = 5,
    ) -> None:
        from mlkit._validation import as_1d, check_columns, check_probabilities
        from mlkit.evaluation import find_weak_slices
        from mlkit.evaluation._slices import (
            UNSUPPORTED_COLUMN_ERROR,
            UNUSED_SCORE_ERROR,
        )

        if metric in REGRESSION_METRICS and y_score is not None:
            raise MlkitValueError(
                with_hint(
                    UNUSED_SCORE_ERROR.format(metrics="log_loss and brier"),
                    "drop y_score for a regression model.",
                )
            )
        # One search of single features checks every input, with the messages of
        # find_weak_slices, and finds the columns it can slice.
        probe = find_weak_slices(
            df,
            y_true,
            y_pred,
            metric=metric,
            min_support=min_support,
            max_features=1,
            bins=bins,
            y_score=y_score if metric in SCORE_METRICS else None,
            positive_label=positive_label,
        )
        candidates = probe.columns
        if not candidates:
            raise MlkitValueError(
                with_hint(
                    "'df' has no column that can be sliced; got "
                    f"{', '.join(map(str, df.columns[:10]))}.",
                    "pass text, boolean, categorical or numeric columns.",
                )
            )

        if columns is None:
            chosen = candidates
        else:
            one = isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable)
            chosen = tuple(dict.fromkeys([columns] if one else columns))
            check_columns(df, list(chosen), "columns")
            for name in chosen:
                if name not in candidates:
                    raise MlkitValueError(
                        with_hint(
                            UNSUPPORTED_COLUMN_ERROR.format(
                                name=name, kind=df[name].dtype
                            ),
                            "derive a feature to slice on, such as the month of a "
                            "date, or leave the column out.",
                        )
                    )
        # Copied once, so that later changes to the caller's data change nothing.
        n = len(df)
        self._df = df[list(candidates)].copy()
        self._y_true = as_1d(y_true, "y_true", length=n).copy()
        self._y_pred = (
            None if y_pred is None else as_1d(y_pred, "y_pred", length=n).copy()
        )
        self._y_score = (
            None
            if y_score is None
            else check_probabilities(y_score, "y_score", length=n)
        )
        self.positive_label = positive_label
        self.bins = bins

        if metric in REGRESSION_METRICS:
            metrics = REGRESSION_METRICS
        else:
            metrics = (LABEL_METRICS if y_pred is not None else ()) + (
                SCORE_METRICS if y_score is not None else ()
            )
        controls = {
            "columns": Control("SelectMultiple", "Features", options=candidates),
            "min_support": Control(
                "FloatSlider", "Least support", low=0.005, high=0.25, step=0.005
            ),
            "max_features": Control(
                "IntSlider", "Features per slice", low=1, high=2, step=1
            ),
            "metric": Control("Dropdown", "Metric", options=metrics),
        }
        values = {
            "columns": chosen,
            "min_support": min_support,
            "max_features": max_features,
            "metric": metric,
        }
        super().__init__(controls, values)

    def _compute(
        self,
        columns: tuple[Any, ...],
        min_support: float,
        max_features: int,
        metric: str,
    ) -> WeakSlices:
        from mlkit.evaluation import find_weak_slices

        return find_weak_slices(
            self._df,
            self._y_true,
            self._y_pred,
            metric=metric,
            min_support=min_support,
            max_features=max_features,
            bins=self.bins,
            columns=list(columns),
            y_score=self._y_score if metric in SCORE_METRICS else None,
            positive_label=self.positive_label,
        )

    def _status(self, result: WeakSlices) -> str:
        weak = result.to_frame()
        metric = result.metric
        if not len(weak):
            return (
                f"No weak slice for {metric}: none of the {len(result.all):,} slices "
                f"tested is significantly worse at a false discovery rate of "
                f"{result.alpha:g}."
            )
        top = weak.iloc[0]
        count, n = int(top["count"]), result.n_rows
        inside, outside = top[f"{metric}_in"], top[f"{metric}_out"]
        overall = (inside * count + outside * (n - count)) / n
        return (
            f"{len(weak):,} weak slice(s) of {len(result.all):,} tested; the worst, "
            f"{top['description']}: {metric} {inside:.3g} on {count:,} rows "
            f"({count / n:.1%}) against {overall:.3g} overall."
        )
