"""A production stream from a case's data: a reference period, then windows.

Chapter 8 of *Designing Machine Learning Systems* monitors a model by comparing
what it sees in production, window after window, with the data it was trained
or validated on. A case's data stand in for production: :func:`production_stream`
cuts them into a reference period and a stream of later windows, by time when
the data have a time column (the shifts the data really went through, such as
a year-over-year change), else by shuffled rows (no shift at all).

On top of that, it can plant a shift of a known kind, from a known window on,
so that a detector can be checked against the truth:

- ``"covariate"``: the rows of each shifted window are sampled with a bias
  for large values of ``column`` (each row kept with a chance that grows
  with its rank), so that its distribution moves while P(y | x) stays the
  same;
- ``"label"``: the rows are sampled by their target, so that the share of
  positives becomes the reference's times ``1 + strength`` (binary) or the
  target's distribution tilts towards large values (regression), while
  P(x | y) stays the same;
- ``"concept"``: the target is flipped (binary) or scaled by ``1 + strength``
  (regression) for the rows whose ``column`` is above its median in the
  reference; the features do not change, so no test on them can see it.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.monitoring import production_stream
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"x": rng.normal(size=4000), "y": rng.integers(0, 2, 4000)})
>>> stream = production_stream(df, target="y", windows=4, inject="covariate")
>>> stream.windows, stream.shift["column"], stream.shift["start_window"]
([1, 2, 3, 4], 'x', 3)
>>> stream.to_frame()[["window", "rows", "shifted"]]
   window  rows  shifted
0       1   227    False
1       2   227    False
2       3   227     True
3       4   227     True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_random_state,
)
from mlkit.monitoring._common import (
    as_numbers,
    check_int,
    check_number,
    column_kind,
    plural,
    window_label,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = ["INJECTIONS", "STREAM_COLUMNS", "ProductionStream", "production_stream"]

#: The kinds of shift :func:`production_stream` can plant.
INJECTIONS: tuple[str, ...] = ("covariate", "label", "concept")
#: The columns of :meth:`ProductionStream.to_frame`.
STREAM_COLUMNS: tuple[str, ...] = (
    "window",
    "rows",
    "target_mean",
    "start",
    "end",
    "shifted",
)
#: The largest positive share a planted label shift asks for.
MAX_POSITIVE_SHARE = 0.95
#: Standard deviations of slack in the rows a window keeps, so that a shifted window
#: almost always yields as many rows as the others.
SLACK_SD = 2.0

# Message templates, kept here so that tests can match them.
TIME_ERROR = "'time_column' {column!r} must hold datetimes or numbers; got {dtype}."
MISSING_TIME_ERROR = "'time_column' {column!r} has {count:,} missing time(s)."
SPAN_ERROR = "'time_column' {column!r} holds one time only: there is no span to cut."
FEW_ROWS_ERROR = (
    "'df' has {n:,} rows: too few for a reference and {windows} windows of the stream."
)
EMPTY_REFERENCE_ERROR = (
    "the reference (the first {share:.0%} of {what}) holds no rows of 'df'."
)
NO_TARGET_ERROR = "inject={inject!r} needs the target: 'target' is None."
TARGET_KIND_ERROR = "inject={inject!r} needs a binary or numeric 'target'; {target!r} has {count} classes."
NO_COLUMN_ERROR = "inject={inject!r} needs a numeric or text column to shift; 'df' has none besides the target and time."
COLUMN_ROLE_ERROR = "'column' {column!r} is the {role} column; pick a feature."
START_ERROR = (
    "'start_window' must be a window number from 1 to {windows} or one of the "
    "windows' labels; got {got!r}."
)
ONE_CLASS_ERROR = (
    "'target' {target!r} has one class in a shifted window: a label shift needs both."
)


def _time_values(df: pd.DataFrame, time_column: Any) -> pd.Series:
    check_columns(df, [time_column], "time_column")
    times = df[time_column]
    dtype = times.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(
        dtype
    )
    if not (pd.api.types.is_datetime64_any_dtype(dtype) or numeric):
        raise MlkitTypeError(
            with_hint(
                TIME_ERROR.format(column=time_column, dtype=dtype),
                f"convert it with df[{time_column!r}] = "
                f"pd.to_datetime(df[{time_column!r}]), or pass time_column=None "
                "to cut shuffled rows into windows.",
            )
        )
    missing = int(times.isna().sum())
    if missing:
        raise MlkitValueError(
            with_hint(
                MISSING_TIME_ERROR.format(column=time_column, count=missing),
                f"drop them first: df.dropna(subset=[{time_column!r}]).",
            )
        )
    return times


def _target_info(df: pd.DataFrame, target: Any) -> dict[str, Any]:
    """How to read the target: binary (with its positive class) or numeric, or other."""
    y = df[target]
    present = y.dropna()
    values = pd.unique(present)
    if pd.api.types.is_bool_dtype(y.dtype) or (
        pd.api.types.is_numeric_dtype(y.dtype) and len(values) <= 2
    ):
        positive = (
            True if pd.api.types.is_bool_dtype(y.dtype) else max(values, default=1)
        )
        if isinstance(positive, np.generic):
            positive = positive.item()
        return {"kind": "binary", "positive": positive, "classes": len(values)}
    if pd.api.types.is_numeric_dtype(y.dtype):
        return {"kind": "numeric", "positive": None, "classes": len(values)}
    if len(values) == 2:
        # The rarer class is the one a case watches (spam, fraud, churn).
        counts = present.value_counts()
        return {"kind": "binary", "positive": counts.index[-1], "classes": 2}
    return {"kind": "other", "positive": None, "classes": len(values)}


def _target_mean(y: pd.Series, info: dict[str, Any]) -> float:
    present = y.dropna()
    if info["kind"] == "other" or len(present) == 0:
        return float("nan")
    if info["kind"] == "binary":
        return float((present == info["positive"]).mean())
    return float(present.astype("float64").mean())


def _default_column(df: pd.DataFrame, exclude: list[Any], inject: str) -> Any:
    """The numeric column of largest standard deviation, ids and 0/1 columns aside."""
    best, spread = None, -1.0
    for name in df.columns:
        if name in exclude:
            continue
        series = df[name]
        if pd.api.types.is_bool_dtype(
            series.dtype
        ) or not pd.api.types.is_numeric_dtype(series.dtype):
            continue
        present = series.dropna()
        distinct = present.nunique()
        if distinct <= 2:
            continue
        if pd.api.types.is_integer_dtype(series.dtype) and distinct == len(present):
            continue  # an id: every value distinct
        sd = _spread(present.to_numpy(dtype="float64"))
        if sd > spread:
            best, spread = name, sd
    if best is None:
        for name in df.columns:
            if name not in exclude and column_kind(df[name], name, "df") == "text":
                return name
        raise MlkitValueError(
            with_hint(
                NO_COLUMN_ERROR.format(inject=inject),
                "pass column=... naming the feature to shift.",
            )
        )
    return best


def _spread(values: np.ndarray) -> float:
    """The standard deviation of the finite ``values``, without overflow.

    Values near 1e300 would overflow when squared: the deviation is taken of the
    values divided by the largest magnitude, then scaled back (inf past the
    largest float).
    """
    finite = values[np.isfinite(values)]
    if len(finite) < 2:
        return 0.0
    scale = float(np.abs(finite).max())
    if scale == 0:
        return 0.0
    return scale * float(np.std(finite / scale, ddof=1))


def _tilt(values: np.ndarray, strength: float) -> np.ndarray:
    """Acceptance probability of each row: ``max(0, 1 + s (2 rank - 1)) / (1 + s)``.

    The rank is in [0, 1] (missing values in the middle): the largest values are
    always accepted, and at strength 1 the smallest never.
    """
    ranks = pd.Series(values).rank(pct=True, method="average").to_numpy()
    ranks = np.where(np.isnan(ranks), 0.5, ranks)
    return np.maximum(0.0, 1 + strength * (2 * ranks - 1)) / (1 + strength)


def _tilt_rate(strength: float) -> float:
    """Share of rows a tilt accepts on average (the mean of :func:`_tilt`)."""
    grid = (np.arange(10_000) + 0.5) / 10_000
    return float(np.mean(np.maximum(0.0, 1 + strength * (2 * grid - 1)))) / (
        1 + strength
    )


def _kept(n: int, rate: float) -> int:
    """Rows a window of ``n`` keeps: ``rate * n`` less two standard deviations."""
    slack = SLACK_SD * np.sqrt(n * rate * (1 - rate))
    return int(np.clip(np.floor(rate * n - slack), 0, n))


def _start_index(start_window: Any, labels: list[Any]) -> int:
    windows = len(labels)
    if start_window is None:
        return windows // 2
    if isinstance(start_window, (int, np.integer)) and not isinstance(
        start_window, bool
    ):
        if 1 <= start_window <= windows:
            return int(start_window) - 1
    else:
        try:
            wanted = pd.Timestamp(start_window)
        except (TypeError, ValueError):
            wanted = None
        for i, label in enumerate(labels):
            if (
                isinstance(label, pd.Timestamp)
                and wanted is not None
                and label == wanted
            ):
                return i
    raise MlkitValueError(
        with_hint(
            START_ERROR.format(windows=windows, got=start_window),
            f"pass start_window={windows // 2 + 1} to plant the shift from the middle "
            "window on, or one of stream.windows.",
        )
    )


@dataclass(frozen=True, repr=False)
class ProductionStream(Result):
    """A reference period and the windows of production that follow it.

    Attributes
    ----------
    reference : pandas.DataFrame
        The reference rows (a copy; index reset).
    current : pandas.DataFrame
        The rows of the stream, in window order (and time order within a
        window), with the window of each row in the column named by
        :attr:`window_column`. With a planted covariate or label shift,
        every window keeps a share of its rows (see the notes).
    windows : list
        The window labels in order: window start times for time windows,
        numbers 1, 2, ... otherwise.
    window_column : str
        The column of :attr:`current` with the window labels: ``"window"``
        unless the data have a column of that name, then ``"stream_window"``.
    shift : dict
        ``kind`` (``"natural"`` for windows of time with nothing planted,
        ``"none"`` for shuffled rows, else the planted kind), ``column`` (the
        feature shifted or, for a label shift, the target), ``start_window``
        (label of the first shifted window), ``strength`` and ``detail`` (a
        sentence on what was done).
    table : pandas.DataFrame
        One row per window, with :data:`STREAM_COLUMNS`: ``window``, ``rows``,
        ``target_mean`` (the mean of a numeric target, the share of the
        positive class of a binary one, NaN without a target), ``start`` and
        ``end`` (times for time windows, else positions of the window's rows
        in :attr:`current`, end excluded), ``shifted`` (a shift was planted in it).
    target, time_column : optional
        The columns named when the stream was made.
    reference_target_mean : float
        The target mean of the reference (NaN without a target).
    positive : optional
        The class counted by ``target_mean`` for a binary target.
    """

    title: ClassVar[str] = "A production stream: reference and windows"
    reference: pd.DataFrame
    current: pd.DataFrame
    windows: list[Any]
    window_column: str
    shift: dict[str, Any]
    table: pd.DataFrame
    target: Any
    time_column: Any
    reference_target_mean: float
    positive: Any

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`: one row per window."""
        return self.table.copy()

    def window(self, label: Any) -> pd.DataFrame:
        """The rows of one window, without the window column.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from mlkit.monitoring import production_stream
        >>> df = pd.DataFrame({"x": np.arange(100.0)})
        >>> stream = production_stream(df, windows=5)
        >>> len(stream.window(2)), list(stream.window(2).columns)
        (10, ['x'])
        """
        if label not in self.windows:
            raise MlkitValueError(
                with_hint(
                    f"'label' must be one of the stream's windows; got {label!r}.",
                    f"pass one of stream.windows, such as {self.windows[0]!r}.",
                )
            )
        rows = self.current[self.window_column] == label
        return (
            self.current.loc[rows]
            .drop(columns=self.window_column)
            .reset_index(drop=True)
        )

    def chart(self) -> alt.VConcatChart:
        """Rows and target mean per window, the reference shaded, the shift marked."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, TEXT, _title

        t = self.table
        labels = [window_label(w) for w in t["window"]]
        order = ["reference", *labels]
        data = pd.DataFrame(
            {
                "period": labels,
                "rows": t["rows"].to_numpy(),
                "target_mean": t["target_mean"].to_numpy(),
                "status": np.where(t["shifted"], "shift planted", "as recorded"),
            }
        )
        x = alt.X(
            "period:N",
            sort=order,
            scale=alt.Scale(domain=order, paddingInner=0.15),
            title="window" if self.time_column is None else "window start",
            axis=alt.Axis(
                labelAngle=0 if self.time_column is None else -40,
                labelFontSize=FONT_SIZE,
                labelLimit=120,
            ),
        )
        shade = pd.DataFrame(
            {
                "period": ["reference"],
                "text": [f"reference: {len(self.reference):,} rows"],
            }
        )
        band = (
            alt.Chart(shade)
            .mark_rect(color=GREY, opacity=0.35)
            .encode(x=x, tooltip=["text:N"])
        )
        status_colour = alt.Color(
            "status:N",
            scale=alt.Scale(
                domain=["as recorded", "shift planted"], range=[PALETTE[0], PALETTE[3]]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        bars = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=x,
                y=alt.Y("rows:Q", title="rows"),
                color=status_colour,
                tooltip=["period:N", alt.Tooltip("rows:Q", format=","), "status:N"],
            )
        )
        label = band.mark_text(
            angle=270, color=TEXT, fontSize=FONT_SIZE - 1, baseline="middle"
        ).encode(text="text:N", y=alt.value(55))
        layers_rows = [band, bars, label]
        layers_mean = [band]
        has_target = self.target is not None and t["target_mean"].notna().any()
        if has_target:
            what = (
                f"share of {self.target} = {self.positive!r}"
                if self.positive is not None
                else f"mean of {self.target}"
            )
            ref_point = pd.DataFrame(
                {
                    "period": ["reference"],
                    "target_mean": [self.reference_target_mean],
                    "status": ["reference"],
                }
            )
            line = (
                alt.Chart(data)
                .mark_line(color=PALETTE[0], point=False)
                .encode(x=x, y=alt.Y("target_mean:Q", title=what))
            )
            points = (
                alt.Chart(data)
                .mark_point(filled=True, size=60, opacity=1)
                .encode(
                    x=x,
                    y=alt.Y("target_mean:Q", title=what, scale=alt.Scale(zero=False)),
                    color=status_colour,
                    tooltip=[
                        "period:N",
                        alt.Tooltip("target_mean:Q", format=".4g", title=what),
                        "status:N",
                    ],
                )
            )
            ref_mark = (
                alt.Chart(ref_point)
                .mark_point(filled=True, size=60, color=TEXT, opacity=1)
                .encode(
                    x=x,
                    y="target_mean:Q",
                    tooltip=[
                        "period:N",
                        alt.Tooltip("target_mean:Q", format=".4g", title=what),
                    ],
                )
            )
            level = (
                alt.Chart(ref_point)
                .mark_rule(strokeDash=[4, 3], color="#555555")
                .encode(y="target_mean:Q")
            )
            layers_mean += [level, line, points, ref_mark]
        start = self.shift.get("start_window")
        if self.shift["kind"] in INJECTIONS and start is not None:
            marker = pd.DataFrame(
                {"period": [window_label(start)], "text": ["shift planted from here"]}
            )
            rule = (
                alt.Chart(marker)
                .mark_rule(color=PALETTE[3], strokeDash=[6, 3], strokeWidth=2)
                .encode(x=alt.X("period:N", sort=order, bandPosition=0))
            )
            note = (
                alt.Chart(marker)
                .mark_text(align="left", dx=4, dy=-4, color=PALETTE[3])
                .encode(
                    x=alt.X("period:N", sort=order, bandPosition=0),
                    y=alt.value(0),
                    text="text:N",
                )
            )
            layers_rows += [rule, note]
            layers_mean.append(rule)
        kind = self.shift["kind"]
        subtitle = {
            "natural": "windows of time: the shifts the data went through",
            "none": "shuffled rows: no shift but chance",
        }.get(kind, f"a {kind} shift planted in {self.shift['column']}")
        top = alt.layer(*layers_rows).properties(
            width=460, height=140, title=_title("Rows per window")
        )
        title = _title(
            f"Production stream: {plural(len(t), 'window')} after the reference",
            subtitle,
        )
        if not has_target:
            return alt.vconcat(top).properties(title=title)
        bottom = alt.layer(*layers_mean).properties(
            width=460,
            height=160,
            title=_title(
                "Target per window",
                "dashed: the reference's level; grey: the reference period",
            ),
        )
        return (
            alt.vconcat(top, bottom)
            .resolve_scale(color="independent")
            .properties(title=title)
        )

    def explain(self) -> str:
        """How the stream was cut and what shift, if any, it carries."""
        t = self.table
        kind = self.shift["kind"]
        if self.time_column is not None:
            cut = (
                f"The rows were ordered by {self.time_column!r}: the reference is the "
                f"first part of the time span ({len(self.reference):,} rows), the "
                f"rest is cut into {plural(len(t), 'window')} of equal time. "
            )
        else:
            cut = (
                f"The rows were shuffled: the reference holds {len(self.reference):,} "
                f"rows, the rest is cut into {plural(len(t), 'window')} of equal size. "
            )
        first = (
            f"A production stream of {plural(len(t), 'window')} after a reference of "
            f"{len(self.reference):,} rows"
        )
        if kind == "natural":
            first += ", with the shifts the data went through over time. "
            what = (
                "Nothing was planted: any shift is the data's own, so compare windows "
                "with the reference to find it. "
            )
        elif kind == "none":
            first += (
                ", with no shift: windows differ from the reference by chance only. "
            )
            what = (
                "A detector that flags these windows raises false alarms; use this "
                "stream to see how often. "
            )
        else:
            first += f", with a {kind} shift planted from window {window_label(self.shift['start_window'])} on. "
            what = self.shift["detail"] + " "
            what += {
                "covariate": "The inputs move but the relation between inputs and "
                "target does not: a drift test on the inputs sees it; the model may "
                "or may not suffer. ",
                "label": "The target's distribution moves while the inputs of each "
                "target value look the same: the predictions' distribution and "
                "label-shift estimates see it. ",
                "concept": "The inputs do not move, so no test on the inputs can see "
                "it; only labels, or performance once they arrive, reveal it. ",
            }[kind]
        return (
            first
            + cut
            + what
            + "Chapter 8 of Designing Machine Learning Systems tells covariate, "
            "label and concept shifts apart."
        )


def production_stream(
    df: pd.DataFrame,
    *,
    time_column: Any = None,
    target: Any = None,
    windows: int = 8,
    reference_share: float = 0.5,
    inject: Literal["covariate", "label", "concept"] | None = None,
    column: Any = None,
    strength: float = 1.0,
    start_window: Any = None,
    random_state: Any = 0,
) -> ProductionStream:
    """Cut a case's data into a reference period and a stream of production windows.

    Parameters
    ----------
    df : pandas.DataFrame
        The data; never modified.
    time_column : str, optional
        A column of datetimes (or numbers) to order the rows by. The reference
        is then the rows of the first ``reference_share`` of the time span, and
        the rest of the span is cut into ``windows`` spans of equal length,
        labelled by their start. Without it, the rows are shuffled
        (``random_state``), the first ``reference_share`` of them are the
        reference, and the rest are cut into ``windows`` windows of equal size,
        numbered from 1.
    target : str, optional
        The target column: its mean per window is reported, and label and
        concept shifts change it.
    windows : int, default 8
        Windows of the stream.
    reference_share : float, default 0.5
        Share of the time span (or of the rows) that forms the reference.
    inject : {"covariate", "label", "concept"}, optional
        A shift to plant from ``start_window`` on (see the module's notes).
        With a time column, it comes on top of whatever shifts the data went
        through; pass ``time_column=None`` for a clean experiment.
    column : str, optional
        The feature a covariate shift moves, or whose values above its median
        (in the reference) a concept shift changes. Numbers are used as they
        are, text by its length. By default the numeric column with the
        largest standard deviation, besides the target, the time, 0/1 columns
        and integer ids (every value distinct).
    strength : float, default 1.0
        How strong the planted shift is, 0 for none: the tilt of a covariate
        or regression label shift (a row of rank ``r`` in [0, 1] within its
        window is kept with a chance proportional to ``max(0, 1 + strength *
        (2 r - 1))``: at 1, the largest values twice as often as the middle
        ones and the smallest never), the factor ``1 + strength`` on
        the reference's positive share in a binary label shift (capped at
        :data:`MAX_POSITIVE_SHARE`), the share of flipped targets in a binary
        concept shift (capped at 1), or the factor ``1 + strength`` on a
        numeric target in a concept shift.
    start_window : int or label, optional
        The first shifted window: its number (1 to ``windows``) or its label.
        By default the middle one (``windows // 2 + 1``).
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the shuffle and of the sampling.

    Returns
    -------
    ProductionStream
        ``.reference``, ``.current`` (with a window column), ``.windows``,
        ``.shift``, ``.to_frame()`` (one row per window), ``.chart()``,
        ``.explain()``.

    Raises
    ------
    MlkitTypeError
        ``df`` not a DataFrame, a time column that holds neither datetimes nor
        numbers, or a categorical ``column``.
    MlkitValueError
        Unknown columns, missing times, too few rows or an empty reference, a
        label or concept shift without a target (or with a target of more than
        two classes that is not numeric), a bad option.

    Notes
    -----
    A covariate or label shift selects rows rather than copying them: a
    shifted window keeps a sample of its own rows, drawn without replacement
    with the bias, and every other window a uniform sample of the same share
    of its rows (the share a biased sample can reliably yield: about 47 % at
    strength 1 for a covariate shift, ``1 / (1 + strength)`` for a binary
    label shift), in time order. So no row repeats, window sizes stay
    comparable, and a test on any other column of a shifted window stays as
    reliable as on fresh data. Selecting rows by their ``column`` leaves
    P(y | x) unchanged, and by their target leaves P(x | y) unchanged: the
    shifts are of the planted kind only. The reference is never sampled.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.monitoring import production_stream
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"amount": rng.lognormal(3, 1, 6000),
    ...                    "fraud": rng.random(6000) < 0.1})
    >>> stream = production_stream(df, target="fraud", windows=4, inject="label",
    ...                            strength=1.0)
    >>> round(stream.reference_target_mean, 2)
    0.1
    >>> stream.to_frame()["target_mean"].round(2).tolist()
    [0.11, 0.1, 0.2, 0.2]
    """
    check_frame(df, "df")
    windows = check_int(windows, "windows", 1, "8")
    share = check_number(
        reference_share,
        "reference_share",
        low=0,
        high=1,
        open_low=True,
        open_high=True,
        example="0.5",
    )
    if inject is not None:
        check_choice(inject, INJECTIONS, "inject")
    strength = check_number(strength, "strength", low=0, example="1.0")
    rng = check_random_state(random_state)
    if target is not None:
        check_columns(df, [target], "target")
    times = _time_values(df, time_column) if time_column is not None else None
    info = (
        _target_info(df, target)
        if target is not None
        else {"kind": "none", "positive": None, "classes": 0}
    )
    window_column = "window" if "window" not in df.columns else "stream_window"

    if times is not None:
        order = times.reset_index(drop=True).argsort(kind="stable").to_numpy()
        data = df.iloc[order].reset_index(drop=True)
        t = data[time_column]
        t0, t1 = t.iloc[0], t.iloc[-1]
        if t0 == t1:
            raise MlkitValueError(
                with_hint(
                    SPAN_ERROR.format(column=time_column),
                    "pass time_column=None to cut shuffled rows into windows.",
                )
            )
        dated = pd.api.types.is_datetime64_any_dtype(t.dtype)
        # Positions on the time axis: seconds (or units) since the first time.
        if dated:
            position = ((t - t0) / pd.Timedelta(seconds=1)).to_numpy(dtype="float64")
        else:
            position = (t - t0).to_numpy(dtype="float64")
        span = position[-1]
        first = share * span
        edges = np.array([first + (span - first) * k / windows for k in range(windows)])
        if dated:
            edges = np.floor(edges)  # window starts on whole seconds
        ref_count = int(np.searchsorted(position, edges[0], side="left"))
        if ref_count == 0:
            raise MlkitValueError(
                with_hint(
                    EMPTY_REFERENCE_ERROR.format(share=share, what="the time span"),
                    "pass a larger reference_share.",
                )
            )
        index = np.searchsorted(edges[1:], position[ref_count:], side="right")
        if dated:
            edges = [t0 + pd.Timedelta(seconds=float(e)) for e in edges]
        else:
            edges = [float(t0) + float(e) for e in edges]
        labels = list(edges)
        starts = list(edges)
        ends = [*edges[1:], t1]
        reference = data.iloc[:ref_count].reset_index(drop=True)
        current = data.iloc[ref_count:].reset_index(drop=True)
    else:
        n = len(df)
        ref_count = round(share * n)
        if ref_count < 1 or n - ref_count < windows:
            raise MlkitValueError(
                with_hint(
                    FEW_ROWS_ERROR.format(n=n, windows=windows),
                    "pass fewer windows, or a reference_share nearer 0.5.",
                )
            )
        data = df.iloc[rng.permutation(n)].reset_index(drop=True)
        reference = data.iloc[:ref_count].reset_index(drop=True)
        current = data.iloc[ref_count:].reset_index(drop=True)
        sizes = [len(part) for part in np.array_split(np.arange(len(current)), windows)]
        index = np.repeat(np.arange(windows), sizes)
        labels = list(range(1, windows + 1))

    shift: dict[str, Any]
    shifted = np.zeros(windows, dtype=bool)
    if inject is None:
        kind = "natural" if times is not None else "none"
        shift = {
            "kind": kind,
            "column": None,
            "start_window": None,
            "strength": 0.0,
            "detail": "",
        }
    else:
        start = _start_index(start_window, labels)
        shifted[start:] = True
        current, index, shift = _inject(
            current,
            index,
            start,
            windows,
            inject=inject,
            column=column,
            strength=strength,
            target=target,
            info=info,
            exclude=[c for c in (target, time_column) if c is not None],
            reference=reference,
            rng=rng,
        )
        shift["start_window"] = labels[start]
    # Window labels keep their type: datetimes, or numbers (ints for shuffled rows).
    current = current.assign(**{window_column: pd.Series(labels).to_numpy()[index]})

    counts = np.bincount(index, minlength=windows)
    if times is None:
        # Positions of each window's rows in .current, end excluded.
        bounds = np.concatenate([[0], np.cumsum(counts)])
        starts = [int(b) for b in bounds[:-1]]
        ends = [int(b) for b in bounds[1:]]
    if target is not None:
        means = [
            _target_mean(current[target][index == w], info) for w in range(windows)
        ]
    else:
        means = [float("nan")] * windows
    table = pd.DataFrame(
        {
            "window": labels,
            "rows": counts.astype("int64"),
            "target_mean": np.asarray(means, dtype="float64"),
            "start": starts,
            "end": ends,
            "shifted": shifted,
        }
    )
    return ProductionStream(
        reference=reference,
        current=current,
        windows=labels,
        window_column=window_column,
        shift=shift,
        table=table,
        target=target,
        time_column=time_column,
        reference_target_mean=_target_mean(reference[target], info)
        if target is not None
        else float("nan"),
        positive=info["positive"],
    )


def _inject(
    current: pd.DataFrame,
    index: np.ndarray,
    start: int,
    n_windows: int,
    *,
    inject: str,
    column: Any,
    strength: float,
    target: Any,
    info: dict[str, Any],
    exclude: list[Any],
    reference: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """Plant the shift in the windows from ``start`` on; returns the new rows."""
    if inject in ("label", "concept"):
        if target is None:
            raise MlkitValueError(
                with_hint(
                    NO_TARGET_ERROR.format(inject=inject),
                    "pass target=... naming the target column.",
                )
            )
        if info["kind"] == "other":
            raise MlkitValueError(
                with_hint(
                    TARGET_KIND_ERROR.format(
                        inject=inject, target=target, count=info["classes"]
                    ),
                    "compare one class with the rest first, for example "
                    "df.assign(y=df['label'] == 'spam').",
                )
            )
    if inject in ("covariate", "concept"):
        if column is None:
            column = _default_column(current, exclude, inject)
        else:
            check_columns(current, [column], "column")
            if column in exclude:
                role = "target" if column == target else "time"
                raise MlkitValueError(
                    with_hint(
                        COLUMN_ROLE_ERROR.format(column=column, role=role),
                        "name a feature, such as a numeric column of df.",
                    )
                )
        kind = column_kind(current[column], column, "df")
        kind = "numeric" if kind == "boolean" else kind
        x = as_numbers(current[column], kind)
    tilted = inject == "covariate" or (inject == "label" and info["kind"] == "numeric")
    if tilted:
        values = (
            x
            if inject == "covariate"
            else current[target].to_numpy(dtype="float64", na_value=np.nan)
        )
        rate = _tilt_rate(strength)
    elif inject == "label":
        base_share = float((reference[target] == info["positive"]).mean())
        if base_share in (0.0, 1.0):
            raise MlkitValueError(
                with_hint(
                    ONE_CLASS_ERROR.format(target=target),
                    "a label shift needs both classes in the reference.",
                )
            )
        wanted = min(base_share * (1 + strength), MAX_POSITIVE_SHARE)
        rate = min(1.0, base_share / wanted, (1 - base_share) / (1 - wanted))
    else:
        rate = 1.0
    picks = []
    for w in range(n_windows):
        rows = np.flatnonzero(index == w)
        if inject == "concept" or len(rows) == 0:
            picks.append(rows)
            continue
        # Every window keeps the same share of its rows, drawn without
        # replacement: sizes stay comparable and no row repeats.
        keep = _kept(len(rows), rate)
        if w < start:
            chosen = rng.choice(rows, size=keep, replace=False)
        elif tilted:
            accepted = rows[rng.random(len(rows)) < _tilt(values[rows], strength)]
            chosen = (
                rng.choice(accepted, size=keep, replace=False)
                if len(accepted) > keep
                else accepted
            )
        else:
            positive = (current[target].iloc[rows] == info["positive"]).to_numpy()
            if positive.all() or not positive.any():
                raise MlkitValueError(
                    with_hint(
                        ONE_CLASS_ERROR.format(target=target),
                        "pass fewer windows, so that each holds both classes.",
                    )
                )
            keep = min(
                keep,
                int(np.floor(positive.sum() / wanted)),
                int(np.floor((~positive).sum() / (1 - wanted))),
            )
            n_pos = round(wanted * keep)
            chosen = np.concatenate(
                [
                    rng.choice(rows[positive], size=n_pos, replace=False),
                    rng.choice(rows[~positive], size=keep - n_pos, replace=False),
                ]
            )
        picks.append(np.sort(chosen))  # keeps the time order within the window
    order = np.concatenate(picks) if picks else np.arange(0)
    new = current.iloc[order].reset_index(drop=True)
    new_index = index[order]

    kept = (
        f" Every window keeps about {rate:.0%} of its rows, drawn without "
        "replacement, so that sizes stay comparable and no row repeats."
        if rate < 1
        else ""
    )
    if inject == "covariate":
        detail = (
            f"Rows of the shifted windows were sampled with a bias for large "
            f"values of {column!r}"
            + (" (its length)" if kind == "text" else "")
            + f", at strength {strength:g}."
            + kept
        )
    elif inject == "label":
        column = target
        if info["kind"] == "numeric":
            detail = (
                f"Rows of the shifted windows were sampled with a bias for large "
                f"values of the target {target!r}, at strength {strength:g}." + kept
            )
        else:
            detail = (
                f"Rows of the shifted windows were sampled by their target so that "
                f"the share of {target} = {info['positive']!r} is the reference's "
                f"({base_share:.1%}) multiplied by {1 + strength:g}"
                + (
                    f" (capped at {MAX_POSITIVE_SHARE:.0%})"
                    if base_share * (1 + strength) > MAX_POSITIVE_SHARE
                    else ""
                )
                + "."
                + kept
            )
    else:
        ref_x = as_numbers(reference[column], kind)
        median = float(np.nanmedian(ref_x))
        above = (as_numbers(new[column], kind) > median) & (new_index >= start)
        y = new[target].copy()
        if info["kind"] == "numeric":
            y = y.astype("float64")
            y.loc[above] = y.loc[above] * (1 + strength)
            detail = (
                f"The target {target!r} was multiplied by {1 + strength:g} where "
                f"{column!r} is above its reference median ({median:.4g})."
            )
        else:
            chosen = above & (rng.random(len(new)) < min(strength, 1.0))
            positive = y == info["positive"]
            present = y.notna().to_numpy()
            chosen &= present
            values = pd.unique(pd.concat([reference[target], y]).dropna())
            other = [v for v in values if v != info["positive"]]
            negative = other[0] if other else (0 if info["positive"] == 1 else False)
            flipped = np.where(positive.to_numpy(), negative, info["positive"])
            y = y.where(~chosen, pd.Series(flipped, index=y.index).astype(y.dtype))
            detail = (
                f"The target {target!r} was flipped for "
                f"{min(strength, 1.0):.0%} of the rows where {column!r} is above its "
                f"reference median ({median:.4g})."
            )
        new[target] = y
    return (
        new,
        new_index,
        {
            "kind": inject,
            "column": column,
            "start_window": None,
            "strength": strength,
            "detail": detail,
        },
    )
