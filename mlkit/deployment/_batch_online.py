"""What batch prediction costs in freshness: the metric of stale precomputed predictions.

Chapter 7 of *Designing Machine Learning Systems* ("Batch Prediction Versus
Online Prediction") compares two ways to serve: online prediction computes a
prediction when a request arrives, from the features as they are then; batch
prediction computes predictions periodically (every hour, every day), stores
them, and serves the stored one. Batch prediction is cheap to serve and has
no latency to speak of, but its predictions are as old as the last run: they
cannot use what happened since. :func:`batch_vs_online` measures that cost on
historical data: every row is predicted as online prediction would (from its
own features) and as a batch job run every interval would have (from the
features known at the last run), and the metric of each is compared.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import Ridge
>>> from mlkit.deployment import batch_vs_online
>>> rng = np.random.default_rng(0)
>>> time = pd.date_range("2024-01-04", periods=24 * 28, freq="h")
>>> temp = np.cumsum(rng.normal(size=len(time)))  # a feature that drifts
>>> X = pd.DataFrame({"time": time, "temp": temp})
>>> y = 3 * temp + rng.normal(size=len(time))
>>> model = Ridge().fit(X[["temp"]], y)
>>> result = batch_vs_online(model, X, y, time="time", intervals=("1h", "1D"))
>>> result.to_frame()[["mode", "refresh_every", "median_staleness_hours"]]
     mode refresh_every  median_staleness_hours
0  online   per request                     0.0
1   batch            1h                     0.0
2   batch            1D                    11.5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_columns, check_frame
from mlkit.deployment._common import (
    check_model,
    metric_from_predictions,
    model_columns,
    model_name,
    output_kind,
    resolve_metric,
)
from mlkit.deployment._serving import Endpoint

if TYPE_CHECKING:
    import altair as alt

__all__ = ["BATCH_ONLINE_COLUMNS", "BatchVsOnline", "batch_vs_online"]

#: The columns of :attr:`BatchVsOnline.table`.
BATCH_ONLINE_COLUMNS: tuple[str, ...] = (
    "mode",
    "refresh_every",
    "refresh_hours",
    "metric",
    "value",
    "change",
    "median_staleness_hours",
    "p95_staleness_hours",
    "share_without_precomputed",
    "predictions_per_day",
)

INTERVAL_ERROR = (
    "'intervals' must hold fixed durations such as '1h', '1D' or '7D'; got {got!r}."
)
KNOWN_ERROR = "'known_in_advance' names {columns}, which the model does not take."
CLASS_OUTPUT_ERROR = (
    "'model' must give probabilities of a binary classifier or numbers of a "
    "regressor; {name} predicts classes."
)


def _check_intervals(intervals: Any) -> list[tuple[str, pd.Timedelta]]:
    hint = (
        "pass pandas durations such as ('1h', '1D', '7D'); calendar periods such as "
        "'MS' (month start) have no fixed length."
    )
    if isinstance(intervals, (str, pd.Timedelta)) or not isinstance(
        intervals, Sequence
    ):
        raise MlkitTypeError(
            with_hint(
                f"'intervals' must be a sequence of durations; got {intervals!r}.",
                f"pass intervals=({intervals!r},)."
                if isinstance(intervals, str)
                else hint,
            )
        )
    if not intervals:
        raise MlkitValueError(
            with_hint("'intervals' is empty.", "pass at least one interval; " + hint)
        )
    out = []
    for value in intervals:
        try:
            step = pd.Timedelta(value)
        except (TypeError, ValueError):
            step = None
        if step is None or pd.isna(step) or step <= pd.Timedelta(0):
            raise MlkitValueError(with_hint(INTERVAL_ERROR.format(got=value), hint))
        out.append((value if isinstance(value, str) else str(step), step))
    return out


@dataclass(frozen=True, repr=False)
class BatchVsOnline(Result):
    """The metric of online predictions and of batch predictions refreshed at intervals.

    Attributes
    ----------
    table : pandas.DataFrame
        One row for online prediction and one per interval; see :meth:`to_frame`.
    metric : str
        The metric, a key of :data:`mlkit.evaluation.METRICS`.
    higher_is_better : bool
        Whether a larger value of the metric is better.
    model : str
        The class of the model (of a pipeline's last step).
    n_rows : int
        Rows predicted.
    n_entities : int
        Distinct values of ``entity`` (1 without one).
    known_in_advance : tuple
        Features taken from each row itself rather than from the last batch run.
    """

    title: ClassVar[str] = "Batch prediction versus online prediction"
    table: pd.DataFrame
    metric: str
    higher_is_better: bool
    model: str
    n_rows: int
    n_entities: int
    known_in_advance: tuple[Any, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row for online prediction, then one per batch interval.

        Columns: ``mode`` ("online" or "batch"); ``refresh_every`` (the
        interval as given, "per request" for online); ``refresh_hours`` (it in
        hours, 0 for online); ``metric``; ``value`` (the metric on every row);
        ``change`` (``value`` minus online's, signed: see
        :attr:`higher_is_better`); ``median_staleness_hours`` and
        ``p95_staleness_hours`` (age of the features used, the row's time minus
        the time of the row they come from, in hours, over the rows with a
        precomputed prediction); ``share_without_precomputed`` (rows before any
        run had seen their entity, which got the mean prediction);
        ``predictions_per_day`` (batch: every entity at every run; online: the
        rows of X per day of the period they span).
        """
        return self.table.copy()

    def chart(self) -> alt.LayerChart:
        """The metric against the refresh interval (log scale), online as a dashed line."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, TEXT, _title

        online = float(self.table["value"].iloc[0])
        batch = self.table[self.table["mode"] == "batch"]
        base = alt.Chart(batch).encode(
            x=alt.X(
                "refresh_hours:Q",
                scale=alt.Scale(type="log"),
                title="batch run every ... hours (log scale)",
            ),
            y=alt.Y(
                "value:Q",
                title=self.metric
                + ("" if self.higher_is_better else " (lower is better)"),
                scale=alt.Scale(zero=False),
            ),
        )
        line = base.mark_line(point=True, color=PALETTE[1]).encode(
            tooltip=[
                "refresh_every:N",
                alt.Tooltip("value:Q", format=".4g"),
                alt.Tooltip("change:Q", format="+.3g"),
                alt.Tooltip("median_staleness_hours:Q", format=".3g"),
                alt.Tooltip("share_without_precomputed:Q", format=".1%"),
            ]
        )
        labels = base.mark_text(dy=-10, fontSize=FONT_SIZE - 1, color=TEXT).encode(
            text="refresh_every:N"
        )
        reference = pd.DataFrame({"value": [online], "label": ["online"]})
        rule = (
            alt.Chart(reference)
            .mark_rule(strokeDash=[4, 3], color=GREY)
            .encode(y="value:Q")
        )
        rule_label = (
            alt.Chart(reference)
            .mark_text(align="left", x=4, dy=-7, fontSize=FONT_SIZE - 1, color=TEXT)
            .encode(y="value:Q", text="label:N")
        )
        return (line + labels + rule + rule_label).properties(
            width=420,
            height=240,
            title=_title(
                f"Batch prediction against online prediction: {self.metric}",
                f"{self.model} on {self.n_rows:,} rows; dashed: online, from fresh "
                "features",
            ),
        )

    def explain(self) -> str:
        t = self.table
        online = t.iloc[0]
        text = (
            f"Online prediction, from each row's own features, scores {self.metric} "
            f"{online['value']:.4g}. "
        )
        sign = 1.0 if self.higher_is_better else -1.0
        parts = []
        for _, row in t.iloc[1:].iterrows():
            worse = ", worse" if sign * row["change"] < 0 else ""
            part = (
                f"every {row['refresh_every']}: {row['value']:.4g} "
                f"({row['change']:+.3g}{worse}), features "
                f"{row['median_staleness_hours']:.3g} h old at the median"
            )
            if row["share_without_precomputed"] > 0:
                part += (
                    f", {row['share_without_precomputed']:.1%} of rows without a "
                    "precomputed prediction"
                )
            parts.append(part)
        text += "With a batch run " + "; ".join(parts) + ". "
        if self.known_in_advance:
            text += (
                "Known in advance, and taken from each row itself: "
                + ", ".join(map(str, self.known_in_advance))
                + ". "
            )
        text += (
            "Chapter 7 of Designing Machine Learning Systems: batch prediction serves "
            "precomputed predictions, cheap and instant but as stale as the last run; "
            "online prediction uses fresh features but must meet a latency budget. "
            "Where the metric barely moves, batch is enough; where it drops, the "
            "features change faster than the runs and online prediction pays off."
        )
        return text


def batch_vs_online(
    model: Any,
    X: pd.DataFrame,
    y: Any,
    *,
    time: Any,
    entity: Any = None,
    known_in_advance: Sequence[Any] = (),
    intervals: Sequence[str] = ("1h", "1D", "7D"),
    metric: str | None = None,
) -> BatchVsOnline:
    """Score online predictions against batch predictions refreshed every interval.

    Online, each row is predicted from its own features. With a batch run
    every interval ``I``, a row at time ``t`` gets the prediction made at the
    last run before it, ``b = floor(t, I)``, from the features of the same
    entity's latest row with time at most ``b`` (``pandas.merge_asof`` by
    entity, backward); the columns of ``known_in_advance`` come from the row
    itself, as a batch job would precompute a prediction for each coming hour
    or day. A row whose entity has no row up to ``b`` has no precomputed
    prediction: it gets the mean of the precomputed ones, and is counted.

    Parameters
    ----------
    model : fitted scikit-learn model or Pipeline
        A binary classifier with ``predict_proba`` (scored on the probability
        of ``classes_[1]``) or a regressor.
    X : pandas.DataFrame
        Historical rows, with the model's features and the ``time`` column.
    y : array-like
        Their targets.
    time : str
        The column of times (datetimes) at which each row's features were
        observed and its prediction needed.
    entity : str, optional
        The column that says whose features a row holds (a user, a station):
        a batch prediction uses the same entity's latest row. None: the whole
        frame is one series (such as hourly demand whose weather is known only
        up to the batch run).
    known_in_advance : sequence of str, default ()
        Features known before the time they describe (calendar features such
        as the hour or the weekday), taken from the row itself.
    intervals : sequence of str, default ("1h", "1D", "7D")
        How often the batch job runs: fixed durations (``pandas.Timedelta``).
        Runs start at multiples of the interval since 1970-01-01, as
        ``Series.dt.floor`` aligns them.
    metric : str, optional
        A name of :data:`mlkit.evaluation.METRICS`; by default "roc_auc" for a
        binary classifier and "mae" for a regressor.

    Returns
    -------
    BatchVsOnline
        ``.table``, ``.chart()``, ``.explain()``.

    Notes
    -----
    Every prediction goes through one :class:`~mlkit.deployment.Endpoint`, so
    online and batch predictions differ only by the rows their features come
    from. Of several rows of an entity at the same time, the last in ``X``'s
    order counts as the latest. Times with a time zone are taken as local
    clock times, so that daily runs start at local midnight.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.deployment import batch_vs_online
    >>> rng = np.random.default_rng(1)
    >>> time = pd.date_range("2024-01-04", periods=2000, freq="30min")
    >>> user = rng.choice(["a", "b", "c", "d"], 2000)
    >>> level = pd.Series(rng.normal(size=2000)).groupby(user).cumsum()
    >>> X = pd.DataFrame({"time": time, "user": user, "level": level})
    >>> y = (level + rng.normal(scale=0.5, size=2000) > 0).astype(int)
    >>> model = LogisticRegression().fit(X[["level"]], y)
    >>> result = batch_vs_online(model, X, y, time="time", entity="user")
    >>> result.to_frame()["value"].is_monotonic_decreasing
    True
    """
    check_model(model)
    check_frame(X, "X")
    check_columns(X, [time], "time")
    if entity is not None:
        check_columns(X, [entity], "entity")
    if isinstance(known_in_advance, str):
        raise MlkitTypeError(
            with_hint(
                f"'known_in_advance' must be a list of column names; got the string "
                f"{known_in_advance!r}.",
                f"pass known_in_advance=[{known_in_advance!r}].",
            )
        )
    known = list(known_in_advance)
    check_columns(X, known, "known_in_advance")
    steps = _check_intervals(intervals)
    times = X[time]
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise MlkitTypeError(
            with_hint(
                f"'time' {time!r} must hold datetimes; got {times.dtype}.",
                f"convert it with X[{time!r}] = pd.to_datetime(X[{time!r}]).",
            )
        )
    if times.isna().any():
        raise MlkitValueError(
            with_hint(
                f"'time' {time!r} has {int(times.isna().sum()):,} missing time(s).",
                "drop the rows without a time first.",
            )
        )
    if entity is not None and X[entity].isna().any():
        raise MlkitValueError(
            with_hint(
                f"'entity' {entity!r} has {int(X[entity].isna().sum()):,} missing "
                "value(s).",
                "drop those rows, or give them an entity of their own.",
            )
        )
    target = as_1d(y, "y", length=len(X))
    if pd.isna(target).any():
        raise MlkitValueError(
            with_hint(
                f"'y' has {int(pd.isna(target).sum()):,} missing value(s).",
                "drop the rows without a label first.",
            )
        )
    kind = output_kind(model)
    if kind == "class":
        raise MlkitValueError(
            with_hint(
                CLASS_OUTPUT_ERROR.format(name=model_name(model)),
                "for two classes, use a model with predict_proba (such as those of "
                "mlkit.models.ladder); for more, compare one class against the rest.",
            )
        )
    metric = resolve_metric(metric, model)
    if getattr(model, "feature_names_in_", None) is not None:
        features = model_columns(model, X, "X")
    else:
        features = [c for c in X.columns if c != time and c != entity]
        features = model_columns(model, X[features], "X")
    outside = [c for c in known if c not in features]
    if outside:
        raise MlkitValueError(
            with_hint(
                KNOWN_ERROR.format(columns=", ".join(map(repr, outside))),
                "name only features of the model, such as the hour or the weekday.",
            )
        )

    if isinstance(times.dtype, pd.DatetimeTZDtype):
        # Local clock times: batch runs start at local midnight.
        times = times.dt.tz_localize(None)

    schema = X[features]
    endpoint = Endpoint(model, schema)
    online = endpoint.predict_batch(schema)
    classes = getattr(model, "classes_", None)
    n = len(X)
    positions = np.arange(n)
    stamps = times.to_numpy()
    n_entities = int(X[entity].nunique()) if entity is not None else 1
    span_days = (times.max() - times.min()) / pd.Timedelta(days=1)

    def row(**values: Any) -> dict[str, Any]:
        values["metric"] = metric
        return values

    rows = [
        row(
            mode="online",
            refresh_every="per request",
            refresh_hours=0.0,
            value=metric_from_predictions(metric, target, online, classes),
            median_staleness_hours=0.0,
            p95_staleness_hours=0.0,
            share_without_precomputed=0.0,
            predictions_per_day=n / span_days if span_days > 0 else np.nan,
        )
    ]
    by = "_entity" if entity is not None else None
    history = pd.DataFrame({"_time": times.to_numpy(), "_source": positions})
    if entity is not None:
        history["_entity"] = X[entity].to_numpy()
    history = history.sort_values("_time", kind="stable")
    for label, step in steps:
        runs = pd.DataFrame(
            {"_run": times.dt.floor(step).to_numpy(), "_row": positions}
        )
        if entity is not None:
            runs["_entity"] = X[entity].to_numpy()
        runs = runs.sort_values("_run", kind="stable")
        merged = pd.merge_asof(
            runs,
            history,
            left_on="_run",
            right_on="_time",
            by=by,
            direction="backward",
            allow_exact_matches=True,
        )
        source = np.full(n, -1, dtype="int64")
        source[merged["_row"].to_numpy()] = (
            merged["_source"].fillna(-1).to_numpy().astype("int64")
        )
        has = source >= 0
        predictions = np.empty(n, dtype="float64")
        if has.any():
            stale = schema.iloc[source[has]].reset_index(drop=True)
            for column in known:
                stale[column] = (
                    schema[column].iloc[positions[has]].reset_index(drop=True)
                )
            predictions[has] = endpoint.predict_batch(stale)
            predictions[~has] = predictions[has].mean()
            age = (stamps[has] - stamps[source[has]]) / np.timedelta64(1, "h")
            median_age = float(np.median(age))
            p95_age = float(np.percentile(age, 95))
        else:
            predictions[:] = online.mean()
            median_age = p95_age = np.nan
        rows.append(
            row(
                mode="batch",
                refresh_every=label,
                refresh_hours=step / pd.Timedelta(hours=1),
                value=metric_from_predictions(metric, target, predictions, classes),
                median_staleness_hours=median_age,
                p95_staleness_hours=p95_age,
                share_without_precomputed=float(np.mean(~has)),
                predictions_per_day=n_entities * (pd.Timedelta(days=1) / step),
            )
        )
    table = pd.DataFrame(rows)
    table["change"] = table["value"] - table["value"].iloc[0]
    from mlkit.evaluation import higher_is_better

    return BatchVsOnline(
        table=table[list(BATCH_ONLINE_COLUMNS)],
        metric=metric,
        higher_is_better=higher_is_better(metric),
        model=model_name(model),
        n_rows=n,
        n_entities=n_entities,
        known_in_advance=tuple(known),
    )
