"""Checks and encodings shared by the monitoring modules beyond per-column drift.

Columns are read the same way everywhere: numbers are numbers (booleans 0/1),
free text is its length, other strings and categories are categories, and
dates or times are refused, as :func:`mlkit.monitoring.drift_report` refuses
them. A string column is free text when its values are, on average, at least
:data:`TEXT_MIN_LENGTH` characters long in the reference (comments, messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._validation import (  # noqa: F401  (check_int, check_number: used by the monitors)
    as_1d,
    check_columns,
    check_frame,
    check_int,
    check_number,
    check_same_columns,
)

#: A string column whose values average this many characters is free text.
TEXT_MIN_LENGTH = 30

# Message templates, kept here so that tests can match them.
ALPHA_ERROR = "'alpha' must be a number in (0, 1); got {got!r}."
DATETIME_ERROR = (
    "column {column!r} holds dates or times ({dtype}) in {side!r}, which are not "
    "compared."
)
KIND_ERROR = "column {column!r} is {a} in 'reference' but {b} in 'current'."
ALL_MISSING_ERROR = "column {column!r} has no values in {side!r}: all are missing."
NO_COLUMNS_ERROR = "'reference' and 'current' have no column to compare."
SCORES_ERROR = "'{name}' must hold numbers; got values of type {dtype}."
NOT_FINITE_ERROR = (
    "'{name}' must hold finite numbers; {count:,} value(s) are missing or infinite."
)


def check_alpha(alpha: Any) -> float:
    """A significance level in (0, 1): the message of :data:`ALPHA_ERROR`."""
    return check_number(
        alpha, "alpha", low=0, high=1, open_low=True, open_high=True, example="0.05"
    )


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an s unless ``n`` is 1."""
    if n == 1:
        return f"{n:,} {word}"
    return f"{n:,} {word}{'es' if word.endswith(('s', 'x', 'ch', 'sh')) else 's'}"


def shown(values: Sequence[Any], limit: int = 5) -> str:
    """Up to ``limit`` values, comma-separated, and how many more there are."""
    values = list(values)
    items = [str(v) for v in values[:limit]]
    more = len(values) - limit
    return ", ".join(items) + (f" and {more} more" if more > 0 else "")


def window_label(value: Any) -> str:
    """A window's label as short text: a date, a date and time to the minute, or str."""
    if isinstance(value, pd.Timestamp):
        if value == value.normalize():
            return str(value.date())
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def column_kind(series: pd.Series, column: Any, side: str) -> str:
    """``"numeric"``, ``"boolean"``, ``"text"`` or ``"categorical"``; dates refused.

    ``side`` is the argument that holds the column, named by the error.
    """
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
        dtype
    ):
        raise MlkitTypeError(
            with_hint(
                DATETIME_ERROR.format(column=column, dtype=dtype, side=side),
                "leave it out with columns=[...], or compare what matters of it as a "
                "number (such as the hour or the day of the week).",
            )
        )
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    present = series.dropna()
    if len(present) and all(isinstance(v, str) for v in present.iloc[:100]):
        lengths = present.astype("str").str.len()
        if float(lengths.mean()) >= TEXT_MIN_LENGTH:
            return "text"
    return "categorical"


def as_numbers(series: pd.Series, kind: str) -> np.ndarray:
    """A column as floats: numbers as they are, booleans 0/1, text its length."""
    if kind == "text":
        return (
            series.astype("str")
            .str.len()
            .where(series.notna())
            .to_numpy(dtype="float64", na_value=np.nan)
        )
    if kind in ("numeric", "boolean"):
        return series.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    raise MlkitTypeError(
        with_hint(
            f"'column' {series.name!r} holds categories, which have no order.",
            "pick a numeric or text column, or encode the categories as numbers.",
        )
    )


def compared_columns(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[Any] | None
) -> tuple[list[Any], dict[Any, str]]:
    """The columns to compare and their kinds, with every check on the two frames.

    Without ``columns`` the two frames must have the same columns; with them,
    both must have each. A column with no values on either side, or whose kind
    differs between the sides, is refused.
    """
    check_frame(reference, "reference")
    check_frame(current, "current")
    if columns is None:
        check_same_columns(reference, current, ("reference", "current"))
        names = list(reference.columns)
    else:
        if isinstance(columns, str):
            columns = [columns]
        names = list(dict.fromkeys(columns))
        check_columns(reference, names, "columns")
        check_columns(current, names, "columns")
    if not names:
        raise MlkitValueError(
            with_hint(NO_COLUMNS_ERROR, "name at least one column in 'columns'.")
        )
    kinds: dict[Any, str] = {}
    for name in names:
        a = column_kind(reference[name], name, "reference")
        b = column_kind(current[name], name, "current")
        numeric_a, numeric_b = a in ("numeric", "boolean"), b in ("numeric", "boolean")
        if numeric_a != numeric_b:
            raise MlkitTypeError(
                with_hint(
                    KIND_ERROR.format(
                        column=name,
                        a="numeric" if numeric_a else "text",
                        b="numeric" if numeric_b else "text",
                    ),
                    f"convert it to the same type on both sides, for example "
                    f"current[{name!r}] = pd.to_numeric(current[{name!r}]), or check "
                    "that the columns are the same feature.",
                )
            )
        for frame, side in ((reference, "reference"), (current, "current")):
            if frame[name].isna().all():
                raise MlkitValueError(
                    with_hint(
                        ALL_MISSING_ERROR.format(column=name, side=side),
                        "a column with no values cannot be compared; fix the "
                        "pipeline that fills it, or leave it out with columns=[...].",
                    )
                )
        # The reference decides between text and categories; booleans are numbers.
        kinds[name] = "numeric" if a == "boolean" else a
    return names, kinds


def scores(values: Any, name: str) -> np.ndarray:
    """A non-empty 1-d array of finite numbers (scores, probabilities, predictions)."""
    array = as_1d(values, name)
    if len(array) == 0:
        raise MlkitValueError(
            with_hint(f"'{name}' has no values.", "pass at least one prediction.")
        )
    if not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        try:
            array = array.astype("float64")
        except (TypeError, ValueError):
            raise MlkitTypeError(
                with_hint(
                    SCORES_ERROR.format(name=name, dtype=array.dtype),
                    "pass predicted scores or probabilities, such as "
                    "model.predict_proba(X)[:, 1], or regression predictions.",
                )
            ) from None
    array = array.astype("float64")
    bad = ~np.isfinite(array)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                NOT_FINITE_ERROR.format(name=name, count=int(bad.sum())),
                "drop the rows without a prediction before comparing.",
            )
        )
    return array
