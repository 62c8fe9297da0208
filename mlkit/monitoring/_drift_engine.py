""":func:`~mlkit.monitoring.drift_report` on tables of other engines.

The counts behind each test are computed where the table lives, through
narwhals expressions: per side, one pass for the rows, the missing values of
every column and the reference's means, then one group-by for all numeric
columns (counts per histogram bin, with the bin's lowest and highest value) and
one per categorical column (counts per category).
When every bin of a numeric column holds one distinct value, the same on both
sides, those are the counts per distinct value and the statistics are exact;
otherwise they come from the histogram, with a bound on the KS statistic. Only those counts come
back, and :mod:`mlkit.monitoring._drift` finishes them with the code of the
pandas path. Either side may be a pandas frame; it is then counted by the same
expressions, run by pandas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from mlkit import _engines
from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._validation import check_columns
from mlkit.monitoring import _drift
from mlkit.monitoring._drift import (
    ALL_MISSING_ERROR,
    DATETIME_ERROR,
    KIND_ERROR,
    NO_COLUMNS_ERROR,
    SKETCH_BITS,
)

__all__ = ["drift_report_engine"]

NESTED_ERROR = "column {column!r} holds {dtype} in {side!r}, which are not tested."
EMPTY_ERROR = "'{side}' has no rows."
_FLOATS = (nw.Float32, nw.Float64)


class _Side:
    """One side of the comparison: its narwhals frame, schema and pandas frame if any."""

    def __init__(self, table: Any, side: str) -> None:
        self.side = side
        self.pandas = table if isinstance(table, pd.DataFrame) else None
        if self.pandas is not None:
            self.frame = nw.from_native(table, eager_only=True).lazy()
        else:
            self.frame = _engines.lazy(table, side)
        self.schema = dict(self.frame.collect_schema())

    @property
    def columns(self) -> list[Any]:
        return list(self.pandas.columns if self.pandas is not None else self.schema)

    def kind(self, name: Any) -> str:
        """The kind of a column: the pandas path's for a pandas frame, else by dtype."""
        if self.pandas is not None:
            return _drift._kind(self.pandas[name], name, self.side)
        dtype = self.schema[name]
        if dtype.is_temporal():
            raise MlkitTypeError(
                with_hint(
                    DATETIME_ERROR.format(column=name, dtype=dtype, side=self.side),
                    "leave it out with columns=[...], or test what matters of it as "
                    "a number (such as the hour or the day of the week) computed in "
                    "the engine.",
                )
            )
        if dtype == nw.Boolean:
            return "categorical"
        if dtype.is_numeric():
            return "numeric"
        if dtype.is_nested():
            raise MlkitTypeError(
                with_hint(
                    NESTED_ERROR.format(column=name, dtype=dtype, side=self.side),
                    "leave it out with columns=[...], or test its fields or elements "
                    "as columns of their own.",
                )
            )
        return "categorical"  # text, categories, enums, bytes

    def missing(self, name: Any) -> nw.Expr:
        """Whether a value is missing: null, or NaN in a float column."""
        column = nw.col(name)
        if self.schema[name] in _FLOATS:
            return column.is_null() | column.is_nan()
        return column.is_null()

    def summary(self, numeric: list[Any], categorical: list[Any], center: bool) -> dict:
        """Rows, missing values per column, and the means of the numbers.

        One pass over the table. The mean (of the finite values) centres the
        histograms of the columns that get one; only the reference's is used.
        """
        aggregates = [nw.len().alias("rows")]
        for i, name in enumerate(numeric):
            aggregates.append(self.missing(name).sum().alias(f"missing_n{i}"))
            if center:
                x = nw.col(name).cast(nw.Float64)
                finite = nw.when(x.is_finite()).then(x)
                aggregates.append(finite.mean().alias(f"mean_n{i}"))
        for i, name in enumerate(categorical):
            aggregates.append(self.missing(name).sum().alias(f"missing_c{i}"))
        row = _engines.collect(self.frame.select(*aggregates)).iloc[0]
        return {key: row[key] for key in row.index}

    def bins(self, keys: dict[Any, nw.Expr]) -> dict[Any, pd.DataFrame]:
        """Histogram bins of numeric columns' present values: counts, lowest, highest.

        ``keys`` maps each column to an expression of it, the bin of each value.
        A bin whose lowest and highest values are equal holds one distinct
        value. One query for all the columns (their rows stacked), so that the
        engine reads the table once.
        """
        if not keys:
            return {}
        # Expressions only: on Dask, ``rows`` is sent to the workers.
        missing = {name: self.missing(name) for name in keys}

        def rows(frame: nw.LazyFrame) -> nw.LazyFrame:
            return nw.concat(
                [
                    frame.filter(~missing[name]).select(
                        nw.lit(i, nw.Int64).alias("column"),
                        key.alias("value"),
                        nw.col(name).cast(nw.Float64).alias("x"),
                    )
                    for i, (name, key) in enumerate(keys.items())
                ]
            )

        counted = _engines.aggregate(
            self.frame,
            rows,
            ["column", "value"],
            {"count": ("len", None), "low": ("min", "x"), "high": ("max", "x")},
            columns=list(keys),
        )
        column = counted.pop("column").to_numpy()
        return {
            name: counted[column == i].reset_index(drop=True)
            for i, name in enumerate(keys)
        }

    def categories(self, name: Any) -> pd.DataFrame:
        """Counts per category of a column, missing values included (as a null key)."""
        return _engines.aggregate(
            self.frame,
            lambda frame: frame.select(nw.col(name).alias("value")),
            ["value"],
            {"count": ("len", None)},
            columns=[name],
        )


def _stand_in(side: _Side) -> pd.DataFrame:
    """An empty frame with the side's columns, for the pandas path's column checks."""
    return pd.DataFrame(columns=pd.Index(side.columns, dtype=object))


def _names(ref: _Side, cur: _Side, columns: Sequence[Any] | None) -> list[Any]:
    """The columns to compare, with the messages of the pandas path."""
    if columns is None:
        shared = set(cur.columns)
        names = [c for c in ref.columns if c in shared]
        if not names:
            only_ref = ", ".join(map(repr, ref.columns[:10]))
            only_cur = ", ".join(map(repr, cur.columns[:10]))
            raise MlkitValueError(
                with_hint(
                    NO_COLUMNS_ERROR,
                    f"'reference' has {only_ref or 'no columns'}; 'current' has "
                    f"{only_cur or 'no columns'}. Give both the same columns.",
                )
            )
        return names
    names = _drift._named(columns)
    check_columns(_stand_in(ref), names, "columns")
    check_columns(_stand_in(cur), names, "columns")
    return names


def _kinds(ref: _Side, cur: _Side, names: list[Any]) -> dict[Any, str]:
    kinds = {}
    for name in names:
        a, b = ref.kind(name), cur.kind(name)
        if a != b:
            raise MlkitTypeError(
                with_hint(
                    KIND_ERROR.format(column=name, a=a, b=b),
                    "convert it to the same type on both sides (in the engine, "
                    "such as a cast to a number), or check that the columns are the "
                    "same feature.",
                )
            )
        kinds[name] = a
    return kinds


def _merge(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys of two tables of counts, and the 2 x k counts per side.

    Keys are merged as numbers, so -0.0 and 0.0 (which some engines count
    apart) are one value.
    """
    keys = np.concatenate(
        [ref["value"].to_numpy(dtype=float), cur["value"].to_numpy(dtype=float)]
    )
    values, inverse = np.unique(keys, return_inverse=True)
    counts = np.zeros((2, len(values)), dtype=np.int64)
    np.add.at(counts[0], inverse[: len(ref)], ref["count"].to_numpy(dtype=np.int64))
    np.add.at(counts[1], inverse[len(ref) :], cur["count"].to_numpy(dtype=np.int64))
    return values, counts


def _one_value_each(ref: pd.DataFrame, cur: pd.DataFrame) -> bool:
    """Whether each bin holds one distinct value, the same on both sides.

    Then the bins are the distinct values, and the statistics are exact; at most
    :data:`~mlkit.monitoring._drift.EXACT_DISTINCT` of them on each side.
    """
    if max(len(ref), len(cur)) > _drift.EXACT_DISTINCT:
        return False
    both = pd.concat([ref, cur], ignore_index=True)
    low, high = both["low"].to_numpy(float), both["high"].to_numpy(float)
    if not np.array_equal(low, high):
        return False
    # A bin seen on both sides must hold the same value on both (-0.0 == 0.0).
    per_bin = pd.Series(low).groupby(both["value"].to_numpy(float))
    return bool((per_bin.min() == per_bin.max()).all())


def _category_table(ref: pd.DataFrame, cur: pd.DataFrame) -> np.ndarray:
    """The 2 x k counts of the categories seen on either side, missing left out."""
    keys = pd.concat([ref["value"], cur["value"]], ignore_index=True).astype(object)
    codes, uniques = pd.factorize(keys)  # a null key: code -1
    counts = np.concatenate(
        [ref["count"].to_numpy(dtype=np.int64), cur["count"].to_numpy(dtype=np.int64)]
    )
    side = np.repeat([0, 1], [len(ref), len(cur)])
    present = codes >= 0
    table = np.zeros((2, max(len(uniques), 1)), dtype=np.int64)
    np.add.at(table, (side[present], codes[present]), counts[present])
    return table


def _sketch_key(name: Any, center: float) -> nw.Expr:
    """The histogram bin of each value, as a float (see :func:`_drift._sketch_cells`).

    Infinite values keep infinite keys (no cast to integers, which would fail
    on them); 0 stands for the centre itself.
    """
    x = nw.col(name).cast(nw.Float64)
    d = x - center
    magnitude = nw.when(d == 0).then(1.0).otherwise(d.abs())  # no log of 0
    level = (magnitude.log(base=2) * float(2**SKETCH_BITS)).floor() + (
        _drift._SKETCH_OFFSET
    )
    signed = nw.when(d > 0).then(level).otherwise(-level)
    quarter = (
        nw.when(x > 0).then(0.25).otherwise(nw.when(x < 0).then(-0.25).otherwise(0.0))
    )
    return nw.when(d == 0).then(0.0).otherwise(signed + quarter)


def drift_report_engine(
    reference: Any,
    current: Any,
    columns: Sequence[Any] | None,
    alpha: float,
    correction: str | None,
) -> _drift.DriftReport:
    """:func:`~mlkit.monitoring.drift_report` when a side is a table of another engine."""
    ref, cur = _Side(reference, "reference"), _Side(current, "current")
    names = _names(ref, cur, columns)
    kinds = _kinds(ref, cur, names)
    numeric = [c for c in names if kinds[c] == "numeric"]
    categorical = [c for c in names if kinds[c] == "categorical"]
    summaries = {}
    for side in (ref, cur):
        summary = side.summary(numeric, categorical, center=side is ref)
        if int(summary["rows"]) == 0:
            raise MlkitValueError(
                with_hint(
                    EMPTY_ERROR.format(side=side.side),
                    "pass a table with at least one row.",
                )
            )
        summaries[side.side] = summary
    rows_ref, rows_cur = (int(summaries[s]["rows"]) for s in ("reference", "current"))
    index = {c: f"n{i}" for i, c in enumerate(numeric)}
    index.update({c: f"c{i}" for i, c in enumerate(categorical)})
    for name in names:
        for side, total in (("reference", rows_ref), ("current", rows_cur)):
            if int(summaries[side][f"missing_{index[name]}"]) == total:
                raise MlkitValueError(
                    with_hint(
                        ALL_MISSING_ERROR.format(column=name, side=side),
                        "a column with no values cannot be tested; fix the pipeline "
                        "that fills it, or leave it out with columns=[...].",
                    )
                )

    rows: dict[Any, dict[str, Any]] = {}
    ks_error: dict[Any, float] = {}
    centers = {}
    for name in numeric:
        center = float(summaries["reference"][f"mean_{index[name]}"])
        # No finite value, or one too large to average: centred on 0.
        centers[name] = center if math.isfinite(center) else 0.0
    keys = {name: _sketch_key(name, centers[name]) for name in numeric}
    ref_bins, cur_bins = ref.bins(keys), cur.bins(keys)
    for name in numeric:
        bins = ref_bins[name], cur_bins[name]
        if _one_value_each(*bins):
            # Every bin holds one distinct value: the counts per value, exactly.
            values, counts = _merge(
                *(b[["low", "count"]].rename(columns={"low": "value"}) for b in bins)
            )
            rows[name] = _drift._numeric_row(
                *_drift._numeric_from_counts(values, counts)
            )
            continue
        edges, counts = _merge(*(b[["value", "count"]] for b in bins))
        statistic, error, wasserstein, psi, n1, n2 = _drift._numeric_from_sketch(
            edges, counts, centers[name]
        )
        rows[name] = _drift._numeric_row(statistic, wasserstein, psi, n1, n2)
        ks_error[name] = error
    for name in categorical:
        table = _category_table(ref.categories(name), cur.categories(name))
        rows[name] = _drift._categorical_row(table)
    values = _drift._assemble(names, kinds, rows, rows_ref, rows_cur)
    return _drift.DriftReport(
        table=_drift._finish(values, alpha, correction),
        alpha=alpha,
        correction=correction,
        n_reference=rows_ref,
        n_current=rows_cur,
        ks_error=ks_error,
    )
