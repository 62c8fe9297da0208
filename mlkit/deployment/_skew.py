"""Training-serving skew: the same entities' features computed offline and online.

Chapter 7 of *Designing Machine Learning Systems* ("Unifying Batch Pipeline and
Streaming Pipeline") warns that a model trained on features from a batch
pipeline and served with features from a streaming one meets inputs that were
computed differently, and that such bugs are common and silent: a unit changes
(grams for kilograms), a time is read in another time zone, a missing value
gets another default, a category is spelt differently. :func:`skew_report`
joins the features of the same entities computed both ways, counts the values
that differ in each column, and names the pattern of the difference.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.deployment import skew_report
>>> rng = np.random.default_rng(0)
>>> offline = pd.DataFrame({"id": range(200), "weight_kg": rng.uniform(1, 9, 200),
...                         "plan": rng.choice(["free", "pro"], 200)})
>>> online = offline.assign(weight_kg=offline["weight_kg"] * 1000)
>>> report = skew_report(offline, online, key="id")
>>> report.skewed
['weight_kg']
>>> report.table.loc[0, "pattern"]
'scaled by 1000 (a unit change?)'
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import check_columns, check_frame

if TYPE_CHECKING:
    import altair as alt

__all__ = ["SKEW_COLUMNS", "SkewReport", "skew_report"]

#: The columns of :attr:`SkewReport.table`.
SKEW_COLUMNS: tuple[str, ...] = (
    "column",
    "kind",
    "n_compared",
    "share_mismatched",
    "max_abs_difference",
    "pattern",
    "skewed",
)
#: Online values that look like a placeholder for a missing value.
SENTINELS: tuple[Any, ...] = (-1, 0, -999, -9999, 999, 9999)
TEXT_SENTINELS: tuple[str, ...] = (
    "",
    "unknown",
    "missing",
    "none",
    "null",
    "nan",
    "n/a",
    "na",
    "other",
    "-1",
    "?",
)
#: Ratios that suggest a change of unit.
UNIT_RATIOS: tuple[float, ...] = (
    *(10.0**k for k in range(1, 10)),
    24.0,
    60.0,
    3600.0,
    86400.0,
    1024.0,
)

NO_PATTERN = "differs without a simple pattern"
NOT_UNIQUE_ERROR = "'key' {key} is not unique in {name!r}: {count:,} key(s) appear more than once, such as {example}."
COLUMNS_DIFFER_ERROR = (
    "'offline' and 'online' must have the same feature columns; {details}."
)
NO_COMMON_KEY_ERROR = "no key of 'offline' is in 'online': nothing to compare."
TOLERANCE_ERROR = "'{name}' must be a number >= 0; got {got!r}."


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "categorical"


def _numbers(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _wall_clock(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_localize(None)
    return series


def _text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _unit_like(ratio: float) -> bool:
    magnitude = max(abs(ratio), 1 / abs(ratio))
    return any(np.isclose(magnitude, u, rtol=1e-6) for u in UNIT_RATIOS)


def _default_pattern(
    set_offline: Any, online_values: Any, online_missing: bool, sentinel: bool
) -> str | None:
    """ "default d online ..." when the online side holds one value where the batch varies."""
    distinct_online = pd.unique(online_values)
    if len(distinct_online) != 1:
        return None
    if not (online_missing or len(pd.unique(set_offline)) >= 2 or sentinel):
        return None
    value = distinct_online[0]
    shown = repr(value) if isinstance(value, str) else _text(value)
    return (
        f"default {shown}{' / NaN' if online_missing else ''} online where the batch "
        "value is set (a missing default?)"
    )


def _numeric_pattern(x: np.ndarray, z: np.ndarray, column: Any, rtol: float) -> str:
    """The pattern of mismatched numbers: ``x`` offline, ``z`` online."""
    x_nan, z_nan = np.isnan(x), np.isnan(z)
    both = ~x_nan & ~z_nan
    if x_nan.all():
        return "NaN in the batch values where the online value is set (a missing value offline?)"
    if x_nan.any():
        return NO_PATTERN
    if z_nan.all():
        return "NaN online where the batch value is set (a missing default?)"
    zb, xb = z[both], x[both]
    sentinel = len(np.unique(zb)) == 1 and float(zb[0]) in SENTINELS
    found = _default_pattern(xb, zb, bool(z_nan.any()), sentinel)
    if found is not None:
        return found
    if z_nan.any():
        return NO_PATTERN
    if np.all(xb != 0):
        ratio = zb / xb
        if np.allclose(ratio, ratio[0], rtol=max(rtol, 1e-9), atol=0):
            r = float(np.median(ratio))
            return f"scaled by {r:.6g}" + (" (a unit change?)" if _unit_like(r) else "")
    difference = zb - xb
    hours = np.all(np.isin(xb, np.arange(24))) and np.all(np.isin(zb, np.arange(24)))
    if hours:
        shift = np.mod(difference, 24)
        wraps = bool(np.any(difference != difference[0]))
        if np.all(shift == shift[0]) and (wraps or "hour" in str(column).lower()):
            k = int(shift[0])
            k = k - 24 if k > 12 else k
            return f"shifted by {k:+d} h (a time zone?)"
    if np.allclose(
        difference,
        difference[0],
        rtol=0,
        atol=max(rtol, 1e-9) * max(1.0, float(np.abs(xb).max())),
    ):
        return f"shifted by {float(np.median(difference)):+.6g}"
    return NO_PATTERN


def _datetime_pattern(x: pd.Series, z: pd.Series) -> str:
    x_nat, z_nat = x.isna().to_numpy(), z.isna().to_numpy()
    both = ~x_nat & ~z_nat
    if x_nat.all():
        return "NaT in the batch values where the online value is set (a missing value offline?)"
    if x_nat.any():
        return NO_PATTERN
    if z_nat.all():
        return "NaT online where the batch value is set (a missing default?)"
    zb, xb = z[both], x[both]
    sentinel = len(zb.unique()) == 1 and zb.iloc[0] == pd.Timestamp(0)
    found = _default_pattern(xb.to_numpy(), zb.to_numpy(), bool(z_nat.any()), sentinel)
    if found is not None:
        return found.replace(" / NaN", " / NaT")
    if z_nat.any():
        return NO_PATTERN
    difference = zb.to_numpy() - xb.to_numpy()
    if np.all(difference == difference[0]):
        hours = difference[0] / np.timedelta64(1, "h")
        if float(hours).is_integer() and abs(hours) <= 14:
            return f"shifted by {int(hours):+d} h (a time zone?)"
        if float(hours).is_integer():
            return f"shifted by {int(hours):+d} h"
        return f"shifted by {pd.Timedelta(difference[0])}"
    return NO_PATTERN


def _category_pattern(x: pd.Series, z: pd.Series) -> str:
    x_na, z_na = x.isna().to_numpy(), z.isna().to_numpy()
    both = ~x_na & ~z_na
    if x_na.all():
        return "missing in the batch values where the online value is set (a missing value offline?)"
    if x_na.any():
        return NO_PATTERN
    if z_na.all():
        return "missing online where the batch value is set (a missing default?)"
    xb, zb = x[both].astype(object), z[both].astype(object)
    first = zb.iloc[0]
    sentinel = len(pd.unique(zb)) == 1 and str(first).strip().lower() in TEXT_SENTINELS
    found = _default_pattern(xb.to_numpy(), zb.to_numpy(), bool(z_na.any()), sentinel)
    if found is not None:
        return found.replace(" / NaN", " / missing")
    if z_na.any():
        return NO_PATTERN
    pairs = pd.DataFrame({"offline": xb.to_numpy(), "online": zb.to_numpy()})
    pairs = pairs.drop_duplicates()
    if pairs["offline"].is_unique:
        shown = [f"{a!r} → {b!r}" for a, b in pairs.itertuples(index=False)]
        return (
            "categories differ: "
            + ", ".join(shown[:3])
            + (", …" if len(shown) > 3 else "")
        )
    return NO_PATTERN


def _compare(
    a: pd.Series, b: pd.Series, column: Any, rtol: float, atol: float
) -> dict[str, Any]:
    """Mismatches of one column: ``a`` offline, ``b`` online, aligned by key."""
    kind_a, kind_b = _kind(a), _kind(b)
    prefix = ""
    if kind_a != kind_b:
        prefix = f"types differ ({a.dtype} offline, {b.dtype} online); "
        coerced_a = pd.to_numeric(a, errors="coerce") if kind_a != "numeric" else a
        coerced_b = pd.to_numeric(b, errors="coerce") if kind_b != "numeric" else b
        lossless = (coerced_a.isna() == a.isna()).all() and (
            coerced_b.isna() == b.isna()
        ).all()
        if kind_a != "datetime" and kind_b != "datetime" and lossless:
            a, b, kind = coerced_a, coerced_b, "numeric"
        else:
            a, b, kind = a.astype(str), b.astype(str), "categorical"
    else:
        kind = kind_a
    if kind == "numeric":
        x, z = _numbers(a), _numbers(b)
        x_nan, z_nan = np.isnan(x), np.isnan(z)
        present = ~x_nan & ~z_nan
        # Infinities and values near the float limits overflow in differences and
        # ratios: inf and NaN there are the answer, not a reason to warn.
        with np.errstate(all="ignore"):
            close = np.isclose(z, x, rtol=rtol, atol=atol)
            mismatched = (x_nan != z_nan) | (present & ~close)
            gaps = np.abs(z[present] - x[present])
            largest = float(np.nanmax(gaps)) if (~np.isnan(gaps)).any() else np.nan
            pattern = (
                _numeric_pattern(x[mismatched], z[mismatched], column, rtol)
                if mismatched.any()
                else ""
            )
    elif kind == "datetime":
        x_t, z_t = _wall_clock(a), _wall_clock(b)
        x_nat, z_nat = x_t.isna().to_numpy(), z_t.isna().to_numpy()
        present = ~x_nat & ~z_nat
        hours = (z_t.to_numpy()[present] - x_t.to_numpy()[present]) / np.timedelta64(
            1, "h"
        )
        mismatched = x_nat != z_nat
        mismatched[present] = np.abs(hours) > 0
        largest = float(np.abs(hours).max()) if hours.size else np.nan
        pattern = (
            _datetime_pattern(x_t[mismatched], z_t[mismatched])
            if mismatched.any()
            else ""
        )
    else:
        x_na, z_na = a.isna().to_numpy(), b.isna().to_numpy()
        present = ~x_na & ~z_na
        mismatched = x_na != z_na
        mismatched[present] = (
            a.astype(object).to_numpy()[present] != b.astype(object).to_numpy()[present]
        )
        largest = np.nan
        pattern = (
            _category_pattern(a[mismatched], b[mismatched]) if mismatched.any() else ""
        )
    n = len(a)
    count = int(mismatched.sum())
    if prefix:
        pattern = prefix + (pattern or "the values agree")
    return {
        "column": column,
        "kind": kind if not prefix else f"{kind_a} / {kind_b}",
        "n_compared": n,
        "share_mismatched": count / n,
        "max_abs_difference": largest,
        "pattern": pattern,
        "skewed": bool(count > 0 or prefix),
    }


@dataclass(frozen=True, repr=False)
class SkewReport(Result):
    """Which features differ between their batch and their online computation.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per compared column; see :meth:`to_frame`.
    key : tuple
        The key columns the two frames were joined on.
    n_offline, n_online : int
        Rows of each frame.
    n_compared : int
        Keys present in both, whose features were compared.
    only_offline, only_online : int
        Keys present in one frame only, left out of the comparison.
    rtol, atol : float
        Tolerances of the numeric comparison.
    """

    title: ClassVar[str] = "Training-serving skew"
    table: pd.DataFrame
    key: tuple[Any, ...]
    n_offline: int
    n_online: int
    n_compared: int
    only_offline: int
    only_online: int
    rtol: float
    atol: float

    def to_frame(self) -> pd.DataFrame:
        """One row per column.

        Columns: ``column``; ``kind`` ("numeric", "datetime", "categorical",
        or both kinds as "numeric / categorical" when the two sides' types
        differ); ``n_compared`` (keys in both frames); ``share_mismatched``
        (share of them whose values differ: numbers beyond
        ``|online - offline| <= atol + rtol * |offline|``, other values not
        equal, a missing value on one side only); ``max_abs_difference``
        (largest absolute difference of numbers, in hours for datetimes,
        missing for categories); ``pattern`` (a diagnosis of the differences,
        empty when there are none); ``skewed`` (any mismatch, or types that
        differ).
        """
        return self.table.copy()

    @property
    def skewed(self) -> list[Any]:
        """The columns with any mismatch, in the table's order."""
        return self.table.loc[self.table["skewed"], "column"].tolist()

    def chart(self) -> alt.Chart:
        """Share of mismatched values per column, skewed columns highlighted."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title

        data = self.table[["column", "share_mismatched", "pattern", "skewed"]].copy()
        data["column"] = data["column"].astype(str)
        data["status"] = np.where(data["skewed"], "skewed", "consistent")
        return (
            alt.Chart(data)
            .mark_bar()
            .encode(
                y=alt.Y(
                    "column:N",
                    sort=list(data["column"]),
                    title=None,
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=200),
                ),
                x=alt.X(
                    "share_mismatched:Q",
                    title="share of values that differ",
                    axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1]),
                ),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=["skewed", "consistent"], range=[PALETTE[3], GREY]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    "column:N",
                    alt.Tooltip("share_mismatched:Q", format=".1%"),
                    "pattern:N",
                ],
            )
            .properties(
                width=380,
                height=alt.Step(20),
                title=_title(
                    "Features computed offline against online",
                    f"{self.n_compared:,} keys compared; {self.only_offline:,} only "
                    f"offline, {self.only_online:,} only online",
                ),
            )
        )

    def explain(self) -> str:
        t = self.table
        skewed = t[t["skewed"]]
        if skewed.empty:
            text = (
                f"All {len(t)} columns agree between the batch and the online features "
                f"on the {self.n_compared:,} keys in both. "
            )
        else:
            text = (
                f"{len(skewed)} of {len(t)} columns differ between the batch and the "
                f"online features on {self.n_compared:,} keys: "
                + ", ".join(map(str, skewed["column"].head(10)))
                + (" ..." if len(skewed) > 10 else "")
                + ". "
                + "; ".join(
                    f"{r.column}, {r.share_mismatched:.1%} of values: {r.pattern}"
                    for r in skewed.head(5).itertuples()
                )
                + (" ..." if len(skewed) > 5 else "")
                + ". "
            )
        if self.only_offline or self.only_online:
            text += (
                f"{self.only_offline:,} key(s) are only offline and "
                f"{self.only_online:,} only online: entities one pipeline misses. "
            )
        text += (
            "Chapter 7 of Designing Machine Learning Systems: features computed by a "
            "batch pipeline for training and by a streaming pipeline for serving drift "
            "apart, and the model then meets inputs it was not trained on; compute "
            "each feature with one definition for both (an Endpoint, a feature store)."
        )
        return text


def _check_tolerance(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise MlkitValueError(
            with_hint(
                TOLERANCE_ERROR.format(name=name, got=value),
                "pass a small non-negative number, such as 1e-6.",
            )
        )
    return float(value)


def skew_report(
    offline: pd.DataFrame,
    online: pd.DataFrame,
    *,
    key: Any,
    columns: Sequence[Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> SkewReport:
    """Compare the features of the same entities computed offline and online.

    Parameters
    ----------
    offline : pandas.DataFrame
        Features as the batch pipeline computed them (the training data), one
        row per key.
    online : pandas.DataFrame
        The same entities' features as the request path computed them (logged
        at serving time), one row per key.
    key : str or list of str
        The column(s) that identify an entity (and a time, if features are
        logged per request), unique in each frame.
    columns : sequence, optional
        The features to compare; by default every column but the key, which
        must then be the same in both frames.
    rtol, atol : float, default 1e-6 and 1e-9
        Numbers match when ``|online - offline| <= atol + rtol * |offline|``
        (``numpy.isclose``); other values must be equal. Two missing values
        match.

    Returns
    -------
    SkewReport
        ``.table``, ``.skewed``, ``.chart()``, ``.explain()``.

    Notes
    -----
    The pattern is read from the mismatched values only: one value online
    where the batch has several (or a placeholder such as -1, 0 or
    "unknown"), or missing online, is "a missing default?"; a constant ratio
    is "scaled by" (a power of ten, 24, 60, 3600 or 1024: "a unit change?");
    a constant difference is "shifted by", in hours for datetimes and for
    hours of the day (whole numbers 0 to 23 that shift modulo 24), "a time
    zone?"; for categories, a one-to-one renaming lists the pairs. Times with
    a time zone are compared as local clock times.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlkit.deployment import skew_report
    >>> offline = pd.DataFrame({"user": [1, 2, 3], "hour": [9, 23, 14],
    ...                         "country": ["fr", "de", "fr"]})
    >>> online = pd.DataFrame({"user": [1, 2, 3, 4], "hour": [10, 0, 15, 8],
    ...                        "country": ["fr", "de", "fr", "it"]})
    >>> report = skew_report(offline, online, key="user")
    >>> report.table[["column", "share_mismatched", "pattern"]]
        column  share_mismatched                          pattern
    0     hour               1.0  shifted by +1 h (a time zone?)
    1  country               0.0
    >>> report.only_online
    1
    """
    check_frame(offline, "offline")
    check_frame(online, "online")
    keys = list(key) if isinstance(key, (list, tuple)) else [key]
    if not keys:
        raise MlkitValueError(
            with_hint("'key' is empty.", "pass the column that identifies an entity.")
        )
    check_columns(offline, keys, "key")
    check_columns(online, keys, "key")
    rtol = _check_tolerance(rtol, "rtol")
    atol = _check_tolerance(atol, "atol")
    for frame, name in ((offline, "offline"), (online, "online")):
        repeated = frame.duplicated(keys, keep=False)
        if repeated.any():
            example = frame.loc[repeated, keys].iloc[0].tolist()
            raise MlkitValueError(
                with_hint(
                    NOT_UNIQUE_ERROR.format(
                        key=keys[0] if len(keys) == 1 else keys,
                        name=name,
                        count=int(frame.loc[repeated, keys].drop_duplicates().shape[0]),
                        example=example[0] if len(example) == 1 else tuple(example),
                    ),
                    "pass the columns that identify one row, for example "
                    "key=['user', 'time'] for features logged per request, or drop "
                    "the duplicates.",
                )
            )
    if columns is None:
        a_cols = [c for c in offline.columns if c not in keys]
        b_cols = [c for c in online.columns if c not in keys]
        only_a = [c for c in a_cols if c not in b_cols]
        only_b = [c for c in b_cols if c not in a_cols]
        if only_a or only_b:
            parts = []
            if only_a:
                parts.append(f"only 'offline' has {', '.join(map(repr, only_a[:10]))}")
            if only_b:
                parts.append(f"only 'online' has {', '.join(map(repr, only_b[:10]))}")
            raise MlkitValueError(
                with_hint(
                    COLUMNS_DIFFER_ERROR.format(details="; ".join(parts)),
                    "pass columns=[...] to compare the features both frames have.",
                )
            )
        names = a_cols
    else:
        if isinstance(columns, str):
            raise MlkitTypeError(
                with_hint(
                    f"'columns' must be a list of column names; got the string "
                    f"{columns!r}.",
                    f"pass columns=[{columns!r}].",
                )
            )
        names = list(columns)
        check_columns(offline, names, "columns")
        check_columns(online, names, "columns")
        inside = [c for c in names if c in keys]
        if inside:
            raise MlkitValueError(
                with_hint(
                    f"'columns' names the key {', '.join(map(repr, inside))}.",
                    "leave the key out of the columns to compare.",
                )
            )
    if not names:
        raise MlkitValueError(
            with_hint(
                "'offline' and 'online' have no column to compare besides the key.",
                "pass frames with features as well as the key.",
            )
        )
    a = offline.set_index(keys)[names]
    b = online.set_index(keys)[names]
    common = a.index.intersection(b.index, sort=False)
    if len(common) == 0:
        raise MlkitValueError(
            with_hint(
                NO_COMMON_KEY_ERROR,
                "check that 'key' means the same in both frames (same type and "
                "format, for example ints on both sides).",
            )
        )
    a = a.loc[common]
    b = b.loc[common]
    rows = [_compare(a[c], b[c], c, rtol, atol) for c in names]
    table = pd.DataFrame(rows, columns=list(SKEW_COLUMNS))
    return SkewReport(
        table=table,
        key=tuple(keys),
        n_offline=len(offline),
        n_online=len(online),
        n_compared=len(common),
        only_offline=len(offline) - len(common),
        only_online=len(online) - len(common),
        rtol=rtol,
        atol=atol,
    )
