"""Label shift: how common is each class in production, before labels arrive?

Chapter 8 of *Designing Machine Learning Systems* calls it label shift (prior
shift) when the share of each class changes while each class looks the same,
P(x | y) unchanged: more fraud in December, more spam after a campaign. A
model trained on the old shares is then miscalibrated, and its threshold no
longer the right one; reweighting the training rows by the ratio of the new
share to the old corrects it. The new shares are unknown while labels are
late, but the model's own predictions reveal them.

:func:`label_shift` implements the black-box shift estimator (BBSE) of Lipton,
Wang and Smola (2018, "Detecting and Correcting for Label Shift with Black Box
Predictors"). On held-out source data with labels, the confusion matrix
``C[i, j] = P(y_hat = i, y = j)`` says how the model's predicted classes follow
from the true ones. Under label shift that matrix, divided by the source
shares, is the same in production, so the share of each predicted class in
the target data, ``mu[i]``, satisfies ``mu = C w`` with ``w[j] = q[j] / p[j]``
the ratio of the target share ``q`` to the source share ``p`` of class ``j``.
Solving it gives the weights; negative weights are clipped to 0 and the target
shares renormalised to sum to 1.

Two other estimates are reported for comparison: the mean predicted
probability of each class on the target data (biased towards the source
shares by any error of the model), and the EM algorithm of Saerens, Latinne
and Decaestecker (2002), which adjusts the predicted probabilities to new
priors until they agree (it needs calibrated probabilities).

Intervals come from a bootstrap of both samples: resampling rows changes only
the counts of the confusion matrix (source) and of the predicted classes
(target), so each draw takes those counts from a multinomial, which is the
same resampling at no cost per row.

Examples
--------
>>> import numpy as np
>>> from mlkit.monitoring import label_shift
>>> rng = np.random.default_rng(0)
>>> def sample(n, share):
...     y = (rng.random(n) < share).astype(int)
...     x = rng.normal(2.0 * y, 1.0)
...     return y, 1 / (1 + np.exp(-(2.0 * x - 2.0 - np.log(9))))
>>> y_source, proba_source = sample(5000, 0.1)
>>> y_target, proba_target = sample(5000, 0.3)
>>> result = label_shift(y_source, proba_source, proba_target)
>>> result.table["estimated_target_prior"].round(2).tolist(), y_target.mean().round(2)
([0.72, 0.28], np.float64(0.28))
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_confidence,
    check_probabilities,
    check_random_state,
)
from mlkit.monitoring._common import check_int, plural, shown

if TYPE_CHECKING:
    import altair as alt

__all__ = ["LABEL_SHIFT_COLUMNS", "LabelShift", "label_shift"]

#: The columns of :attr:`LabelShift.table`.
LABEL_SHIFT_COLUMNS: tuple[str, ...] = (
    "label",
    "source_prior",
    "estimated_target_prior",
    "target_prior_low",
    "target_prior_high",
    "weight",
    "weight_low",
    "weight_high",
    "mean_proba_prior",
    "em_prior",
)
#: Rows of a probability matrix must sum to 1 within this.
ROW_SUM_TOLERANCE = 1e-6
#: EM stops when no prior moves by more than this, or after EM_MAX_ITERATIONS.
EM_TOLERANCE = 1e-10
EM_MAX_ITERATIONS = 10_000
#: Above this condition number of the confusion matrix, the estimate is fragile.
ILL_CONDITIONED = 1e3

# Message templates, kept here so that tests can match them.
ROW_SUM_ERROR = (
    "each row of '{name}' must sum to 1 (one probability per class); {count:,} "
    "row(s) do not, such as one summing to {example:.4g}."
)
CLASSES_ERROR = (
    "'proba_source' has {k} columns but 'proba_target' has {m}: they must score the "
    "same classes."
)
LABELS_ERROR = (
    "'labels' must name the {k} classes of the probability columns, in order; "
    "got {got!r}."
)
UNKNOWN_LABEL_ERROR = "'y_source' holds {labels}, which are not in 'labels'."
SINGULAR_ERROR = (
    "the confusion matrix of 'proba_source' against 'y_source' is singular, so the "
    "target shares cannot be solved for: {why}."
)


def _proba(values: Any, name: str, length: int | None = None) -> np.ndarray:
    """Probabilities as an (n, k) matrix; a 1-d vector is the positive class of two."""
    array = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values)
    if array.ndim <= 1:
        p = check_probabilities(array, name, length=length)
        matrix = np.column_stack([1 - p, p])
    else:
        matrix = check_probabilities(array, name, matrix=True)
        if matrix.ndim != 2 or matrix.shape[1] < 2:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must be one column of probabilities or one column per "
                    f"class; got shape {matrix.shape}.",
                    "pass model.predict_proba(X).",
                )
            )
        if length is not None and len(matrix) != length:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' has {len(matrix):,} rows, but {length:,} are needed.",
                    "pass one row of probabilities per label of 'y_source'.",
                )
            )
        sums = matrix.sum(axis=1)
        bad = np.abs(sums - 1) > ROW_SUM_TOLERANCE
        if bad.any():
            raise MlkitValueError(
                with_hint(
                    ROW_SUM_ERROR.format(
                        name=name, count=int(bad.sum()), example=sums[bad][0]
                    ),
                    "pass model.predict_proba(X), whose rows sum to 1.",
                )
            )
    if len(matrix) == 0:
        raise MlkitValueError(
            with_hint(f"'{name}' has no rows.", "pass at least one prediction.")
        )
    return matrix


def _solve(confusion: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target shares and weights from ``C w = mu``, clipped at 0 and renormalised.

    Works on one system or a stack of them (the bootstrap); the pseudo-inverse
    gives the least-squares solution of a draw whose matrix is singular.
    """
    source = confusion.sum(axis=-2)
    w = (np.linalg.pinv(confusion) @ mu[..., None])[..., 0]
    w = np.maximum(w, 0)
    q = w * source
    total = q.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = q / total
        w = q / source
    return q, w


def _em(proba: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, int]:
    """Saerens et al.'s EM: priors that the adjusted posteriors reproduce on average."""
    prior = source.copy()
    for iteration in range(1, EM_MAX_ITERATIONS + 1):
        adjusted = proba * (prior / source)
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        new = adjusted.mean(axis=0)
        if np.max(np.abs(new - prior)) < EM_TOLERANCE:
            return new, iteration
        prior = new
    return prior, EM_MAX_ITERATIONS


@dataclass(frozen=True, repr=False)
class LabelShift(Result):
    """Shares of each class in the target data, estimated from the model's predictions.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per class, with :data:`LABEL_SHIFT_COLUMNS`: ``label``;
        ``source_prior`` (its share in ``y_source``); ``estimated_target_prior``
        (BBSE) with ``target_prior_low`` and ``target_prior_high`` (bootstrap
        percentile interval); ``weight`` (target over source share, the
        importance weight of a training row of that class) with
        ``weight_low`` and ``weight_high``; ``mean_proba_prior`` (mean
        predicted probability on the target); ``em_prior`` (EM).
    weights : pandas.Series
        The importance weight of each class, indexed by label.
    confusion : pandas.DataFrame
        ``P(y_hat = i, y = j)`` on the source data: predicted classes as rows,
        true classes as columns.
    condition_number : float
        Of the confusion matrix: the larger, the more the estimate amplifies
        noise (above :data:`ILL_CONDITIONED`, fragile).
    n_source, n_target : int
        Rows of each sample.
    n_bootstrap : int
        Bootstrap draws behind the intervals.
    confidence : float
        Level of the intervals.
    em_iterations : int
        Iterations the EM took.
    """

    title: ClassVar[str] = "Label shift: the share of each class in production"
    table: pd.DataFrame
    weights: pd.Series
    confusion: pd.DataFrame
    condition_number: float
    n_source: int
    n_target: int
    n_bootstrap: int
    confidence: float
    em_iterations: int

    @property
    def target_prior(self) -> pd.Series:
        """The estimated share of each class in the target data (BBSE), by label."""
        return self.table.set_index("label")["estimated_target_prior"]

    def sample_weight(self, y: Any) -> np.ndarray:
        """The weight of each training row from its label: ``weights[y]``.

        Pass it as ``sample_weight`` when refitting on the source data, so that
        the model learns under the target's shares.

        Examples
        --------
        >>> import numpy as np
        >>> from mlkit.monitoring import label_shift
        >>> y = np.array([0] * 80 + [1] * 20)
        >>> p = np.where(y == 1, 0.9, 0.1)
        >>> result = label_shift(y, p, np.r_[np.full(50, 0.9), np.full(50, 0.1)],
        ...                      n_bootstrap=0)
        >>> result.sample_weight([0, 1]).round(3).tolist()
        [0.625, 2.5]
        """
        values = as_1d(y, "y")
        known = set(self.weights.index)
        unknown = [v for v in pd.unique(values) if v not in known]
        if unknown:
            raise MlkitValueError(
                with_hint(
                    UNKNOWN_LABEL_ERROR.replace("y_source", "y").format(
                        labels=shown(unknown)
                    ),
                    f"pass labels among {shown(list(known))}.",
                )
            )
        return self.weights.reindex(values).to_numpy(dtype="float64")

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`: one row per class."""
        return self.table.copy()

    def chart(self) -> alt.LayerChart:
        """Source share and the target estimates of each class, BBSE with its interval."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title

        t = self.table
        labels = [str(v) for v in t["label"]]
        names = {
            "source_prior": "source (labelled)",
            "estimated_target_prior": "target, BBSE",
            "em_prior": "target, EM",
            "mean_proba_prior": "target, mean probability",
        }
        long = pd.concat(
            [
                pd.DataFrame(
                    {"label": labels, "estimate": name, "share": t[column].to_numpy()}
                )
                for column, name in names.items()
            ],
            ignore_index=True,
        )
        colour = alt.Color(
            "estimate:N",
            sort=list(names.values()),
            scale=alt.Scale(
                domain=list(names.values()),
                range=["#555555", PALETTE[0], PALETTE[1], GREY],
            ),
            legend=alt.Legend(title=None, orient="bottom", columns=2),
        )
        y = alt.Y(
            "label:N",
            sort=labels,
            title="class",
            axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=160),
        )
        interval = (
            alt.Chart(
                pd.DataFrame(
                    {
                        "label": labels,
                        "low": t["target_prior_low"].to_numpy(),
                        "high": t["target_prior_high"].to_numpy(),
                    }
                )
            )
            .mark_rule(color=PALETTE[0], strokeWidth=6, opacity=0.25)
            .encode(y=y, x="low:Q", x2="high:Q")
        )
        points = (
            alt.Chart(long)
            .mark_point(filled=True, size=90, opacity=0.9)
            .encode(
                y=y,
                x=alt.X(
                    "share:Q",
                    title="share of rows",
                    axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
                ),
                color=colour,
                shape=alt.Shape(
                    "estimate:N",
                    sort=list(names.values()),
                    scale=alt.Scale(
                        domain=list(names.values()),
                        range=["diamond", "circle", "triangle-up", "square"],
                    ),
                ),
                tooltip=[
                    "label:N",
                    "estimate:N",
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
        )
        interval_text = (
            f"band: {self.confidence:.0%} bootstrap interval of BBSE"
            if self.n_bootstrap
            else "no interval (n_bootstrap=0)"
        )
        return alt.layer(interval, points).properties(
            width=380,
            height=alt.Step(34),
            title=_title(
                "Share of each class: source against target estimates", interval_text
            ),
        )

    def explain(self) -> str:
        """The estimated shares, how sure they are, and when not to trust them."""
        t = self.table
        moved = t[
            (t["source_prior"] < t["target_prior_low"])
            | (t["source_prior"] > t["target_prior_high"])
        ]
        parts = [
            f"{t.loc[i, 'label']}: {t.loc[i, 'source_prior']:.1%} -> "
            f"{t.loc[i, 'estimated_target_prior']:.1%}"
            for i in t.index[:6]
        ]
        text = (
            f"Estimated shares of the {plural(len(t), 'class')} in the target data "
            f"({self.n_target:,} rows), from the model's predictions: "
            + "; ".join(parts)
            + (f"; and {len(t) - 6} more" if len(t) > 6 else "")
            + ". "
            "This is the black-box shift estimator (BBSE, Lipton et al. 2018): it "
            f"inverts the model's confusion matrix on {self.n_source:,} labelled "
            "source rows. "
        )
        if self.n_bootstrap:
            if len(moved):
                text += (
                    f"The source share lies outside the {self.confidence:.0%} "
                    f"interval for {shown(moved['label'].tolist())}: the shares "
                    "changed. "
                )
            else:
                text += (
                    f"Every source share lies inside its {self.confidence:.0%} "
                    "interval: no clear change. "
                )
        if self.condition_number > ILL_CONDITIONED:
            text += (
                f"The confusion matrix is ill-conditioned (condition number "
                f"{self.condition_number:.3g}): the model hardly tells some classes "
                "apart, so small errors move the estimate a lot. "
            )
        gap = float(
            np.nanmax(np.abs(t["estimated_target_prior"] - t["em_prior"]).to_numpy())
        )
        text += (
            f"EM (Saerens et al. 2002) gives shares within {gap:.1%} of BBSE. "
            "Both assume label shift: each class looks the same as before, P(x | y) "
            "unchanged. Under a covariate or concept shift that assumption fails and "
            "the estimates are wrong, often without a sign; a large gap between "
            "BBSE and EM, or weights far from 1 with no reason to expect them, is "
            "one. To correct a real label shift, refit with sample_weight = "
            "result.sample_weight(y_train), or move the decision threshold. "
            "Chapter 8 of Designing Machine Learning Systems covers label shift."
        )
        return text


def label_shift(
    y_source: Any,
    proba_source: Any,
    proba_target: Any,
    *,
    labels: Sequence[Any] | None = None,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    random_state: Any = 0,
) -> LabelShift:
    """Estimate the share of each class in the target data, and the weights to match it.

    Parameters
    ----------
    y_source : array-like
        True labels of held-out source data (a validation set the model did
        not learn from).
    proba_source : array-like
        The model's probabilities for those rows: one column per class, in
        the order of ``labels`` (``model.predict_proba``), or for two classes
        one column, the probability of the second.
    proba_target : array-like
        The model's probabilities on the target data (production), in the same
        layout.
    labels : sequence, optional
        The classes of the probability columns, in order; by default the
        sorted distinct values of ``y_source`` (as ``model.classes_``).
    n_bootstrap : int, default 200
        Bootstrap draws of the intervals; 0 for none.
    confidence : float, default 0.95
        Level of the percentile intervals.
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the bootstrap.

    Returns
    -------
    LabelShift
        ``.table`` (one row per class), ``.weights``, ``.target_prior``,
        ``.sample_weight(y)``, ``.chart()``, ``.explain()``.

    Raises
    ------
    MlkitValueError
        Empty inputs, probabilities outside [0, 1] or rows that do not sum to
        1, lengths that differ, labels that do not match the columns, or a
        singular confusion matrix (the model never predicts some class, or a
        class is missing from ``y_source``): the shares cannot be solved for.
        Merge rare classes, or use a model that predicts every class.

    Notes
    -----
    Predicted classes are the argmax of the probabilities. The bootstrap
    resamples the source rows and the target rows; a draw whose confusion
    matrix is singular is solved by least squares.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.monitoring import label_shift
    >>> rng = np.random.default_rng(0)
    >>> y = rng.choice(["a", "b", "c"], 3000)
    >>> proba = np.eye(3)[np.searchsorted(["a", "b", "c"], y)] * 0.8 + 0.2 / 3
    >>> result = label_shift(y, proba, proba, n_bootstrap=0)
    >>> result.weights.round(2).tolist()
    [1.0, 1.0, 1.0]
    """
    P_s = _proba(proba_source, "proba_source")
    y = as_1d(y_source, "y_source", length=len(P_s))
    P_t = _proba(proba_target, "proba_target")
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 0, "200")
    confidence = check_confidence(confidence)
    rng = check_random_state(random_state)
    k = P_s.shape[1]
    if P_t.shape[1] != k:
        raise MlkitValueError(
            with_hint(
                CLASSES_ERROR.format(k=k, m=P_t.shape[1]),
                "score both samples with the same model.predict_proba.",
            )
        )
    if pd.isna(y).any():
        raise MlkitValueError(
            with_hint(
                f"'y_source' has {int(pd.isna(y).sum()):,} missing label(s).",
                "drop the rows without a label from 'y_source' and 'proba_source'.",
            )
        )
    if labels is None:
        found = pd.unique(y)
        try:
            found = sorted(found.tolist())
        except TypeError:
            found = found.tolist()
        if len(found) != k:
            raise MlkitValueError(
                with_hint(
                    LABELS_ERROR.format(k=k, got=found),
                    "pass labels=model.classes_ when some class is absent from "
                    "'y_source'.",
                )
            )
        labels = found
    else:
        labels = list(labels)
        if len(labels) != k or len(set(labels)) != k:
            raise MlkitValueError(
                with_hint(
                    LABELS_ERROR.format(k=k, got=labels),
                    "pass labels=model.classes_.",
                )
            )
    position = {label: i for i, label in enumerate(labels)}
    unknown = [v for v in pd.unique(y) if v not in position]
    if unknown:
        raise MlkitValueError(
            with_hint(
                UNKNOWN_LABEL_ERROR.format(labels=shown(unknown)),
                "pass labels=model.classes_, in the order of the probability columns.",
            )
        )
    y_index = pd.Series(y).map(position).to_numpy(dtype=np.intp)
    predicted = P_s.argmax(axis=1)
    counts = np.bincount(predicted * k + y_index, minlength=k * k).reshape(k, k)
    confusion = counts / len(y)
    _check_singular(confusion, labels)
    mu_counts = np.bincount(P_t.argmax(axis=1), minlength=k)
    mu = mu_counts / len(P_t)
    source = confusion.sum(axis=0)
    target, weight = _solve(confusion, mu)
    em, iterations = _em(P_t, source)
    low_q = high_q = low_w = high_w = np.full(k, np.nan)
    if n_bootstrap:
        c_draws = rng.multinomial(len(y), counts.ravel() / len(y), size=n_bootstrap)
        m_draws = rng.multinomial(len(P_t), mu, size=n_bootstrap)
        q_draws, w_draws = _solve(
            c_draws.reshape(n_bootstrap, k, k) / len(y), m_draws / len(P_t)
        )
        tail = (1 - confidence) / 2 * 100
        with warnings.catch_warnings():
            # A class whose every draw is undefined gets NaN, said by the table.
            warnings.simplefilter("ignore", RuntimeWarning)
            low_q, high_q = np.nanpercentile(q_draws, [tail, 100 - tail], axis=0)
            low_w, high_w = np.nanpercentile(w_draws, [tail, 100 - tail], axis=0)
    table = pd.DataFrame(
        {
            "label": labels,
            "source_prior": source,
            "estimated_target_prior": target,
            "target_prior_low": low_q,
            "target_prior_high": high_q,
            "weight": weight,
            "weight_low": low_w,
            "weight_high": high_w,
            "mean_proba_prior": P_t.mean(axis=0),
            "em_prior": em,
        }
    )
    return LabelShift(
        table=table,
        weights=pd.Series(weight, index=pd.Index(labels, name="label"), name="weight"),
        confusion=pd.DataFrame(
            confusion,
            index=pd.Index(labels, name="predicted"),
            columns=pd.Index(labels, name="true"),
        ),
        condition_number=float(np.linalg.cond(confusion)),
        n_source=len(y),
        n_target=len(P_t),
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        em_iterations=iterations,
    )


def _check_singular(confusion: np.ndarray, labels: list[Any]) -> None:
    k = len(labels)
    if np.linalg.matrix_rank(confusion) == k:
        return
    never = [repr(labels[i]) for i in range(k) if confusion[i].sum() == 0]
    absent = [repr(labels[j]) for j in range(k) if confusion[:, j].sum() == 0]
    if absent:
        why = f"'y_source' has no row of {shown(absent)}"
    elif never:
        why = f"the model never predicts {shown(never)}"
    else:
        why = "the model's predictions do not tell the classes apart"
    raise MlkitValueError(
        with_hint(
            SINGULAR_ERROR.format(why=why),
            "use a model that predicts every class on the source data, merge rare "
            "classes, or read the mean predicted probability of each class instead.",
        )
    )
