"""What the model outputs, and how well it does, before the labels arrive.

Chapter 8 of *Designing Machine Learning Systems* suggests monitoring the
model's predictions when labels come late: a change in the distribution of
its scores is a change in what it sees, and it is one column to watch rather
than hundreds. :func:`prediction_drift` compares two samples of scores (or
regression predictions).

It can go further: if the model's probabilities are calibrated, a row scored
``p`` is positive with probability ``p``, so the confusion matrix of a window
can be expected before any label arrives. :func:`estimate_performance` is
confidence-based performance estimation (CBPE, as in NannyML): with
predictions ``y_hat = p >= threshold``, the expected counts are

- true positives ``TP = sum(p * [y_hat = 1])``,
- false positives ``FP = sum((1 - p) * [y_hat = 1])``,
- false negatives ``FN = sum(p * [y_hat = 0])``,
- true negatives ``TN = sum((1 - p) * [y_hat = 0])``,

from which come the expected accuracy, precision, recall and F1; the expected
ROC AUC is the area under the expected ROC curve, whose true and false
positive rates at each threshold ``t`` are ``sum(p * [p >= t]) / sum(p)`` and
``sum((1 - p) * [p >= t]) / sum(1 - p)``. The interval of each estimate is the
range of the realised metric when labels are drawn as ``y ~ Bernoulli(p)``
(a parametric bootstrap): it is where the realised value should fall if the
probabilities are right.

It holds under covariate shift (P(y | x) unchanged, calibration kept) and fails
under concept shift: the model's probabilities do not know that the relation
changed, so the estimate stays where it was while the realised performance
falls.

Examples
--------
>>> import numpy as np
>>> from mlkit.monitoring import estimate_performance
>>> rng = np.random.default_rng(0)
>>> p = rng.beta(1, 3, 2000)
>>> result = estimate_performance(p, metrics=["accuracy", "roc_auc"])
>>> result.table[["metric", "estimated"]].round(3)
     metric  estimated
0  accuracy      0.784
1   roc_auc      0.785
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_probabilities,
    check_random_state,
)
from mlkit.monitoring._common import (
    check_alpha,
    check_int,
    check_number,
    plural,
    scores,
    window_label,
)

if TYPE_CHECKING:
    import altair as alt

    from mlkit.monitoring._drift import DriftReport

__all__ = [
    "PERFORMANCE_COLUMNS",
    "PERFORMANCE_METRICS",
    "PREDICTION_COLUMNS",
    "PerformanceEstimate",
    "PredictionDrift",
    "estimate_performance",
    "prediction_drift",
]

#: The metrics :func:`estimate_performance` can estimate.
PERFORMANCE_METRICS: tuple[str, ...] = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
)
#: The columns of :attr:`PerformanceEstimate.table`.
PERFORMANCE_COLUMNS: tuple[str, ...] = (
    "window",
    "metric",
    "estimated",
    "low",
    "high",
    "realised",
    "n",
    "n_labelled",
)
#: The columns of :attr:`PredictionDrift.table`.
PREDICTION_COLUMNS: tuple[str, ...] = ("measure", "reference", "current", "change")
#: Quantiles of the scores in :attr:`PredictionDrift.table`.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Level of the intervals of :func:`estimate_performance`.
INTERVAL = 0.95
#: Labels drawn at once: the uniform numbers behind them take 32 MB.
_BLOCK = 1 << 22

# Message templates, kept here so that tests can match them.
LABEL_ERROR = (
    "'y_true' must hold 0 and 1 (or booleans), with NaN for labels not yet known; "
    "got {values}."
)
METRIC_ERROR = "'metrics' must name some of {allowed}; got {got!r}."


# --------------------------------------------------------------------------- drift


@dataclass(frozen=True, repr=False)
class PredictionDrift(Result):
    """The distribution of the model's scores: reference against current.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per measure, with :data:`PREDICTION_COLUMNS`: ``measure``
        (``mean``, the quantiles ``q05`` to ``q95``, and ``share >= t`` when a
        threshold is given), its value on each side, and ``change`` (current
        minus reference).
    ks_statistic, p_value : float
        The two-sample Kolmogorov-Smirnov test of the scores, from
        :func:`drift_report` (scipy's ``ks_2samp``).
    psi : float
        Population stability index on the reference's deciles.
    wasserstein : float
        Wasserstein distance, in the scores' units.
    threshold : float or None
        The decision threshold.
    share_p_value : float
        Two-proportion z-test of the shares at or above the threshold (NaN
        without one).
    alpha : float
        Significance level of :attr:`drifted`.
    report : DriftReport
        The one-column drift report behind the KS test and the PSI.
    histogram : pandas.DataFrame
        ``side``, ``start``, ``end``, ``share``: the two distributions on
        common bins, for the chart.
    """

    title: ClassVar[str] = "Prediction drift: the model's scores"
    table: pd.DataFrame
    ks_statistic: float
    p_value: float
    psi: float
    wasserstein: float
    threshold: float | None
    share_p_value: float
    alpha: float
    report: DriftReport
    histogram: pd.DataFrame
    n_reference: int
    n_current: int

    @property
    def drifted(self) -> bool:
        """Whether the KS test (or the test of the share above the threshold) fires."""
        share = not np.isnan(self.share_p_value) and self.share_p_value < self.alpha
        return bool(self.p_value < self.alpha or share)

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def chart(self) -> alt.LayerChart:
        """The two distributions of scores on common bins, the threshold marked."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, TEXT, _title

        bars = (
            alt.Chart(self.histogram)
            .mark_bar(opacity=0.55, binSpacing=0)
            .encode(
                x=alt.X(
                    "start:Q",
                    title="predicted score",
                    scale=alt.Scale(zero=False),
                    axis=alt.Axis(labelFontSize=FONT_SIZE),
                ),
                x2="end:Q",
                y=alt.Y("share:Q", title="share of the side's rows", stack=None),
                y2=alt.datum(0),
                color=alt.Color(
                    "side:N",
                    scale=alt.Scale(
                        domain=["reference", "current"], range=[PALETTE[0], PALETTE[3]]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    "side:N",
                    alt.Tooltip("start:Q", format=".3g", title="from"),
                    alt.Tooltip("end:Q", format=".3g", title="to"),
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
        )
        layers = [bars]
        if self.threshold is not None:
            mark = pd.DataFrame({"x": [self.threshold], "text": ["threshold"]})
            layers.append(
                alt.Chart(mark).mark_rule(strokeDash=[4, 3], color=TEXT).encode(x="x:Q")
            )
            layers.append(
                alt.Chart(mark)
                .mark_text(align="left", dx=4, dy=8, color=TEXT)
                .encode(x="x:Q", y=alt.value(0), text="text:N")
            )
        return alt.layer(*layers).properties(
            width=420,
            height=220,
            title=_title(
                "Predicted scores: reference against current",
                f"KS = {self.ks_statistic:.3f} (p = {self.p_value:.3g}), PSI = "
                f"{self.psi:.3f}; {self.n_reference:,} against {self.n_current:,} rows",
            ),
        )

    def explain(self) -> str:
        """Whether the scores moved, by how much, and what it means."""
        t = self.table.set_index("measure")
        verdict = "moved" if self.drifted else "did not move significantly"
        text = (
            f"The model's scores {verdict} (KS = {self.ks_statistic:.3f}, p = "
            f"{self.p_value:.3g}; PSI = {self.psi:.3f}, below 0.1 small, above 0.25 "
            f"large). Their mean went from {t.loc['mean', 'reference']:.4g} to "
            f"{t.loc['mean', 'current']:.4g} and their median from "
            f"{t.loc['q50', 'reference']:.4g} to {t.loc['q50', 'current']:.4g}. "
        )
        if self.threshold is not None:
            row = t.loc[f"share >= {self.threshold:g}"]
            text += (
                f"The share at or above the threshold {self.threshold:g} went from "
                f"{row['reference']:.1%} to {row['current']:.1%} (two-proportion "
                f"test p = {self.share_p_value:.3g}): that is the share of rows the "
                "model acts on. "
            )
        return text + (
            "Scores move when the inputs move (covariate shift) or when the classes' "
            "shares move (label shift); they do not move under concept shift. A move "
            "says to look closer, not that the model got worse. Chapter 8 of "
            "Designing Machine Learning Systems suggests monitoring predictions "
            "when labels are late."
        )


def _two_proportions(x1: int, n1: int, x2: int, n2: int) -> float:
    """P-value of the pooled two-proportion z-test (as statsmodels' proportions_ztest)."""
    from scipy.stats import norm

    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x2 / n2 - x1 / n1) / se
    return float(2 * norm.sf(abs(z)))


def prediction_drift(
    reference: Any,
    current: Any,
    *,
    threshold: float | None = None,
    alpha: float = 0.05,
) -> PredictionDrift:
    """Compare the distribution of a model's scores in two periods.

    Parameters
    ----------
    reference : array-like
        Scores (probabilities, or regression predictions) on the reference
        data, such as the validation set.
    current : array-like
        Scores on the data to check.
    threshold : float, optional
        The decision threshold: the shares of scores at or above it are
        compared with a two-proportion z-test.
    alpha : float, default 0.05
        Significance level of :attr:`PredictionDrift.drifted`.

    Returns
    -------
    PredictionDrift
        ``.table``, ``.ks_statistic``, ``.p_value``, ``.psi``, ``.drifted``,
        ``.chart()``, ``.explain()``.

    Raises
    ------
    MlkitValueError
        Empty or non-finite scores, a bad threshold or alpha.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.monitoring import prediction_drift
    >>> rng = np.random.default_rng(0)
    >>> result = prediction_drift(rng.beta(2, 5, 3000), rng.beta(2.6, 5, 3000),
    ...                           threshold=0.5)
    >>> result.drifted, result.table["measure"].tolist()[-1]
    (True, 'share >= 0.5')
    """
    from mlkit.monitoring._drift import drift_report

    ref = scores(reference, "reference")
    cur = scores(current, "current")
    alpha = check_alpha(alpha)
    if threshold is not None:
        threshold = check_number(threshold, "threshold", example="0.5")
    report = drift_report(
        pd.DataFrame({"score": ref}),
        pd.DataFrame({"score": cur}),
        alpha=alpha,
        correction=None,
    )
    row = report.table.iloc[0]
    measures = ["mean", *(f"q{round(q * 100):02d}" for q in QUANTILES)]
    ref_values = [ref.mean(), *np.quantile(ref, QUANTILES)]
    cur_values = [cur.mean(), *np.quantile(cur, QUANTILES)]
    share_p = float("nan")
    if threshold is not None:
        above_ref, above_cur = (
            int((ref >= threshold).sum()),
            int((cur >= threshold).sum()),
        )
        measures.append(f"share >= {threshold:g}")
        ref_values.append(above_ref / len(ref))
        cur_values.append(above_cur / len(cur))
        share_p = _two_proportions(above_ref, len(ref), above_cur, len(cur))
    table = pd.DataFrame(
        {
            "measure": measures,
            "reference": np.asarray(ref_values, dtype="float64"),
            "current": np.asarray(cur_values, dtype="float64"),
        }
    )
    table["change"] = table["current"] - table["reference"]
    low, high = float(min(ref.min(), cur.min())), float(max(ref.max(), cur.max()))
    if low >= 0 and high <= 1:
        low, high = 0.0, 1.0
    edges = np.linspace(low, high if high > low else low + 1, 31)
    histogram = pd.concat(
        [
            pd.DataFrame(
                {
                    "side": side,
                    "start": edges[:-1],
                    "end": edges[1:],
                    "share": np.histogram(values, bins=edges)[0] / len(values),
                }
            )
            for side, values in (("reference", ref), ("current", cur))
        ],
        ignore_index=True,
    )
    return PredictionDrift(
        table=table,
        ks_statistic=float(row["statistic"]),
        p_value=float(row["p_value"]),
        psi=float(row["psi"]),
        wasserstein=float(row["wasserstein"]),
        threshold=threshold,
        share_p_value=share_p,
        alpha=alpha,
        report=report,
        histogram=histogram,
        n_reference=len(ref),
        n_current=len(cur),
    )


# --------------------------------------------------------------------------- CBPE


def expected_roc_auc(proba: np.ndarray) -> float:
    """Area under the expected ROC curve of calibrated probabilities.

    Each row counts as a positive with weight ``p`` and as a negative with
    weight ``1 - p``; the curve runs from (0, 0) to (1, 1) over the thresholds,
    ties as a diagonal step. It equals scikit-learn's ``roc_auc_score`` on the
    rows so doubled, with those weights.
    """
    values, inverse = np.unique(proba, return_inverse=True)
    pos = np.bincount(inverse, weights=proba, minlength=len(values))
    neg = np.bincount(inverse, weights=1 - proba, minlength=len(values))
    above = np.cumsum(pos[::-1])[::-1] - pos  # positive weight at higher scores
    total = pos.sum() * neg.sum()
    if total == 0:
        return float("nan")
    return float(np.sum(neg * (above + 0.5 * pos)) / total)


def _rank_auc(y: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """ROC AUC of fixed scores (their mid-ranks) for rows of labels (a 2-d 0/1 array)."""
    n1 = y.sum(axis=-1)
    n0 = y.shape[-1] - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        return (y @ ranks - n1 * (n1 + 1) / 2) / (n1 * n0)


def _metrics_from_counts(
    tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray
) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "accuracy": (tp + tn) / (tp + fp + fn + tn),
            "precision": tp / (tp + fp),
            "recall": tp / (tp + fn),
            "f1": 2 * tp / (2 * tp + fp + fn),
        }


def _window_estimates(
    p: np.ndarray,
    threshold: float,
    metrics: Sequence[str],
    n_bootstrap: int,
    rng: np.random.Generator,
) -> dict[str, tuple[float, float, float]]:
    """Each metric's expected value and the interval of its realised value."""
    from scipy.stats import rankdata

    predicted = p >= threshold
    tp = float(p[predicted].sum())
    fp = float((1 - p[predicted]).sum())
    fn = float(p[~predicted].sum())
    tn = float((1 - p[~predicted]).sum())
    expected = _metrics_from_counts(
        np.float64(tp), np.float64(fp), np.float64(fn), np.float64(tn)
    )
    expected = {m: float(v) for m, v in expected.items()}
    expected["roc_auc"] = expected_roc_auc(p)
    out = {m: (expected[m], float("nan"), float("nan")) for m in metrics}
    if not n_bootstrap:
        return out
    n = len(p)
    n_pred = int(predicted.sum())
    ranks = rankdata(p) if "roc_auc" in metrics else None
    draws = {m: [] for m in metrics}
    step = max(1, _BLOCK // max(n, 1))
    for start in range(0, n_bootstrap, step):
        size = min(step, n_bootstrap - start)
        y = rng.random((size, n)) < p
        tp_b = y[:, predicted].sum(axis=1).astype("float64")
        positives = y.sum(axis=1).astype("float64")
        fn_b = positives - tp_b
        fp_b = n_pred - tp_b
        tn_b = n - n_pred - fn_b
        found = _metrics_from_counts(tp_b, fp_b, fn_b, tn_b)
        if ranks is not None:
            found["roc_auc"] = _rank_auc(y.astype("float64"), ranks)
        for m in metrics:
            draws[m].append(found[m])
    tail = (1 - INTERVAL) / 2 * 100
    for m in metrics:
        values = np.concatenate(draws[m])
        values = values[np.isfinite(values)]
        if len(values):
            low, high = np.percentile(values, [tail, 100 - tail])
            out[m] = (expected[m], float(low), float(high))
    return out


def _realised(
    p: np.ndarray, y: np.ndarray, threshold: float, metrics: Sequence[str]
) -> dict[str, float]:
    from scipy.stats import rankdata

    known = ~np.isnan(y)
    if not known.any():
        return dict.fromkeys(metrics, float("nan"))
    p, y = p[known], y[known] == 1
    predicted = p >= threshold
    tp = float(np.sum(y & predicted))
    fp = float(np.sum(~y & predicted))
    fn = float(np.sum(y & ~predicted))
    tn = float(np.sum(~y & ~predicted))
    found = {
        m: float(v)
        for m, v in _metrics_from_counts(
            np.float64(tp), np.float64(fp), np.float64(fn), np.float64(tn)
        ).items()
    }
    if "roc_auc" in metrics:
        found["roc_auc"] = float(_rank_auc(y.astype("float64"), rankdata(p)))
    return {m: found[m] for m in metrics}


@dataclass(frozen=True, repr=False)
class PerformanceEstimate(Result):
    """Performance expected from calibrated probabilities, per window, beside the realised.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per window and metric, with :data:`PERFORMANCE_COLUMNS`:
        ``window``; ``metric``; ``estimated`` (CBPE); ``low`` and ``high``
        (the central 95 % of the realised metric over labels drawn as
        Bernoulli(p); NaN with ``n_bootstrap=0``); ``realised`` (on the rows
        whose label is known; NaN when none is, or when the metric is
        undefined); ``n`` (rows) and ``n_labelled`` (rows with a label).
    threshold : float
        The decision threshold.
    metrics : tuple of str
        The metrics estimated.
    windows : list
        The windows in order.
    n_bootstrap : int
        Label draws behind the intervals.
    """

    title: ClassVar[str] = "Estimated performance before labels arrive (CBPE)"
    table: pd.DataFrame
    threshold: float
    metrics: tuple[str, ...]
    windows: list[Any]
    n_bootstrap: int

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def _outside(self) -> pd.DataFrame:
        t = self.table
        return t[(t["realised"] < t["low"]) | (t["realised"] > t["high"])]

    def chart(self) -> alt.ConcatChart:
        """Per metric: the estimate and its band over the windows, realised values on top."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title

        t = self.table.assign(period=[window_label(w) for w in self.table["window"]])
        order = [window_label(w) for w in self.windows]
        names = {
            "accuracy": "Accuracy",
            "precision": "Precision",
            "recall": "Recall",
            "f1": "F1",
            "roc_auc": "ROC AUC",
        }
        x = alt.X(
            "period:N",
            sort=order,
            title="window",
            axis=alt.Axis(
                labelAngle=0 if max(map(len, order)) <= 4 else -40,
                labelFontSize=FONT_SIZE - 1,
                labelLimit=110,
            ),
        )
        kinds = ["estimated", "realised"]
        colour = alt.Color(
            "series:N",
            scale=alt.Scale(domain=kinds, range=[PALETTE[0], PALETTE[3]]),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        panels = []
        for metric in self.metrics:
            part = t[t["metric"] == metric]
            estimated = part.assign(series=kinds[0], value=part["estimated"])
            realised = part.assign(series=kinds[1], value=part["realised"])
            band = (
                alt.Chart(part)
                .mark_rule(strokeWidth=9, opacity=0.22, color=PALETTE[0])
                .encode(x=x, y=alt.Y("low:Q"), y2="high:Q")
            )
            lines = (
                alt.Chart(pd.concat([estimated, realised], ignore_index=True))
                .mark_line(point=alt.OverlayMarkDef(size=40, filled=True))
                .encode(
                    x=x,
                    y=alt.Y(
                        "value:Q",
                        title=None,
                        scale=alt.Scale(zero=False),
                        axis=alt.Axis(labelFontSize=FONT_SIZE - 1, format=".2f"),
                    ),
                    color=colour,
                    strokeDash=alt.StrokeDash(
                        "series:N",
                        scale=alt.Scale(domain=kinds, range=[[1, 0], [4, 3]]),
                        legend=None,
                    ),
                    tooltip=[
                        alt.Tooltip("period:N", title="window"),
                        "series:N",
                        alt.Tooltip("value:Q", format=".3f"),
                        alt.Tooltip("low:Q", format=".3f"),
                        alt.Tooltip("high:Q", format=".3f"),
                        alt.Tooltip("n:Q", format=","),
                        alt.Tooltip("n_labelled:Q", format=","),
                    ],
                )
            )
            panels.append(
                alt.layer(band, lines).properties(
                    width=260, height=160, title=_title(names[metric])
                )
            )
        interval = (
            f"band: 95 % of realised values if the probabilities are right "
            f"({self.n_bootstrap:,} label draws)"
            if self.n_bootstrap
            else "no band (n_bootstrap=0)"
        )
        return alt.concat(*panels, columns=3).properties(
            title=_title(
                f"Estimated performance per window at threshold {self.threshold:g}",
                interval,
            )
        )

    def explain(self) -> str:
        """What was estimated, how it compares with realised values, and when it fails."""
        t = self.table
        first, last = self.windows[0], self.windows[-1]
        moves = []
        for metric in self.metrics[:3]:
            part = t[t["metric"] == metric].set_index("window")["estimated"]
            moves.append(f"{metric} {part.loc[first]:.3f} -> {part.loc[last]:.3f}")
        text = (
            f"Estimated performance over {plural(len(self.windows), 'window')}, from "
            "the model's probabilities alone: "
            + ", ".join(moves)
            + (" (first to last window)" if len(self.windows) > 1 else "")
            + ". This is confidence-based performance estimation (CBPE, as in "
            "NannyML): a row scored p counts as p of a positive and 1 - p of a "
            "negative. "
        )
        known = t["realised"].notna()
        if known.any():
            outside = self._outside()
            text += (
                f"Where labels are known, {int(known.sum() - len(outside)):,} of "
                f"{int(known.sum()):,} realised values fall inside the band. "
            )
            if len(outside):
                text += (
                    "Realised values outside the band (as in window "
                    f"{window_label(outside['window'].iloc[0])}) say that the probabilities are "
                    "no longer right there: recalibrate, or suspect concept shift. "
                )
        return text + (
            "The estimate needs calibrated probabilities (check and fix them with "
            "mlkit.calibration on recent labelled data) and holds under covariate "
            "shift, where P(y | x) stays the same. CBPE fails under concept shift: "
            "when the relation between inputs and target changes, the "
            "probabilities do not know it, so the estimate stays while the realised "
            "performance drops; only labels reveal it. Chapter 8 of Designing "
            "Machine Learning Systems covers monitoring performance when labels "
            "are late."
        )


def _check_metrics(metrics: Any) -> tuple[str, ...]:
    chosen = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    bad = [m for m in chosen if m not in PERFORMANCE_METRICS]
    if bad or not chosen:
        raise MlkitValueError(
            with_hint(
                METRIC_ERROR.format(allowed=PERFORMANCE_METRICS, got=metrics),
                "pass, for example, metrics=('accuracy', 'roc_auc').",
            )
        )
    return tuple(dict.fromkeys(chosen))


def _labels(y_true: Any, n: int) -> np.ndarray:
    values = as_1d(y_true, "y_true", length=n)
    if values.dtype == bool:
        return values.astype("float64")
    try:
        numbers = pd.to_numeric(pd.Series(values), errors="raise").to_numpy(
            dtype="float64", na_value=np.nan
        )
    except (TypeError, ValueError):
        numbers = None
    if numbers is None or not np.all(np.isnan(numbers) | np.isin(numbers, (0, 1))):
        found = pd.unique(pd.Series(values).dropna())[:5]
        raise MlkitValueError(
            with_hint(
                LABEL_ERROR.format(values=", ".join(map(repr, found))),
                "compare with the positive class first, such as y == 'fraud', and "
                "keep NaN for the labels that have not arrived.",
            )
        )
    return numbers


def estimate_performance(
    proba: Any,
    *,
    threshold: float = 0.5,
    windows: Any = None,
    y_true: Any = None,
    metrics: Sequence[str] = PERFORMANCE_METRICS,
    n_bootstrap: int = 200,
    random_state: Any = 0,
) -> PerformanceEstimate:
    """Estimate a classifier's performance from its probabilities, before labels arrive.

    Parameters
    ----------
    proba : array-like
        Calibrated probabilities of the positive class, one per row.
    threshold : float, default 0.5
        Rows with ``proba >= threshold`` are predicted positive.
    windows : array-like, optional
        The window of each row (such as ``stream.current["window"]``); windows
        are sorted when they can be. By default one window, ``"all"``.
    y_true : array-like, optional
        Labels 0/1 as far as they are known, NaN for those that have not
        arrived: the realised metrics are computed on the known ones.
    metrics : sequence of str
        Some of :data:`PERFORMANCE_METRICS`.
    n_bootstrap : int, default 200
        Label vectors drawn as Bernoulli(proba) for the intervals (a
        parametric bootstrap); 0 for no intervals.
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the draws.

    Returns
    -------
    PerformanceEstimate
        ``.table`` (one row per window and metric), ``.chart()``,
        ``.explain()``.

    Raises
    ------
    MlkitValueError
        Probabilities outside [0, 1] or missing, lengths that differ, labels
        other than 0, 1 and NaN, missing windows, unknown metrics, a bad
        threshold.

    Notes
    -----
    Precision is undefined in a window with no predicted positive (and the
    ROC AUC with one class only): the value is NaN, and draws where it is
    undefined are left out of the interval. The expected precision, recall
    and F1 are ratios of expected counts, as NannyML computes them; the
    intervals come from the draws, so they also hold for small windows.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.monitoring import estimate_performance
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=4000)
    >>> p = 1 / (1 + np.exp(-2 * x))
    >>> y = (rng.random(4000) < p).astype(float)
    >>> result = estimate_performance(p, windows=np.repeat([1, 2], 2000), y_true=y,
    ...                               metrics=["accuracy"])
    >>> result.table[["window", "estimated", "realised"]].round(3)
       window  estimated  realised
    0       1      0.780     0.772
    1       2      0.781     0.780
    """
    p = check_probabilities(proba, "proba")
    if len(p) == 0:
        raise MlkitValueError(
            with_hint("'proba' has no values.", "pass at least one probability.")
        )
    n = len(p)
    threshold = check_number(threshold, "threshold", low=0, high=1, example="0.5")
    metrics = _check_metrics(metrics)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 0, "200")
    rng = check_random_state(random_state)
    y = _labels(y_true, n) if y_true is not None else np.full(n, np.nan)
    if windows is None:
        keys = np.zeros(n, dtype=np.intp)
        labels: list[Any] = ["all"]
    else:
        values = as_1d(windows, "windows", length=n)
        if pd.isna(values).any():
            raise MlkitValueError(
                with_hint(
                    f"'windows' has {int(pd.isna(values).sum()):,} missing value(s).",
                    "give every row a window.",
                )
            )
        codes, uniques = pd.factorize(pd.Series(values), sort=False)
        labels = list(uniques)
        try:
            order = sorted(range(len(labels)), key=lambda i: labels[i])
        except TypeError:
            order = list(range(len(labels)))
        rank = np.empty(len(labels), dtype=np.intp)
        rank[order] = np.arange(len(labels))
        keys = rank[codes]
        labels = [labels[i] for i in order]
        labels = [
            v.item()
            if isinstance(v, (np.integer, np.floating, np.bool_, np.str_))
            else v
            for v in labels
        ]
    rows = []
    for w, label in enumerate(labels):
        inside = keys == w
        pw = p[inside]
        estimates = _window_estimates(pw, threshold, metrics, n_bootstrap, rng)
        realised = _realised(pw, y[inside], threshold, metrics)
        labelled = int(np.sum(~np.isnan(y[inside])))
        for metric in metrics:
            est, low, high = estimates[metric]
            rows.append(
                (label, metric, est, low, high, realised[metric], len(pw), labelled)
            )
    table = pd.DataFrame(rows, columns=list(PERFORMANCE_COLUMNS))
    return PerformanceEstimate(
        table=table,
        threshold=threshold,
        metrics=metrics,
        windows=labels,
        n_bootstrap=n_bootstrap,
    )
