"""Checks of the arguments of mlkit.experiments, each naming the argument it refuses."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._validation import as_1d, check_number

# Message templates, kept here so that tests can match them. The counts use
# mlkit._validation.check_int; the numbers below carry what a plain bounded
# number would not say: a rate, a share, a finite number without bounds.
RATE_ERROR = "'{name}' must be a rate in [0, 1]; got {got!r}."
FINITE_ERROR = "'{name}' must be a finite number; got {got!r}."
SHARE_ERROR = "'{name}' must be a share in {interval}; got {got!r}."
EMPTY_ERROR = "'{name}' has no values."
MISSING_ERROR = "'{name}' has {count:,} missing value(s)."
BINARY_ERROR = (
    "'{name}' must hold 0/1 outcomes for kind='proportion'; it holds {example!r}."
)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def _error(value: Any) -> type[Exception]:
    """A number out of range is a value error; anything else, a type error."""
    return MlkitValueError if _is_number(value) else MlkitTypeError


def check_finite(value: Any, name: str, hint: str) -> float:
    """A finite real number (not a bool), of any size.

    Not mlkit._validation.check_number: without bounds, its message would read
    "a number in [-inf, inf]", which an infinite value seems to satisfy.
    """
    if not _is_number(value) or not math.isfinite(value):
        raise _error(value)(with_hint(FINITE_ERROR.format(name=name, got=value), hint))
    return float(value)


def check_alpha(alpha: Any) -> float:
    """A significance level in (0, 1)."""
    return check_number(
        alpha,
        "alpha",
        low=0,
        high=1,
        open_low=True,
        open_high=True,
        example="0.05 for a 5 % level",
    )


def check_rate(value: Any, name: str, hint: str | None = None) -> float:
    """A probability in [0, 1], such as a conversion or an error rate."""
    if not _is_number(value) or not 0 <= value <= 1:
        raise _error(value)(
            with_hint(
                RATE_ERROR.format(name=name, got=value),
                hint or "pass a share, such as 0.05 for 5 %.",
            )
        )
    return float(value)


def check_rates(values: Any, name: str, *, min_size: int = 1) -> np.ndarray:
    """A 1-d array of rates in [0, 1] with at least ``min_size`` of them."""
    try:
        array = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a sequence of rates; got {values!r}.",
                "pass numbers in [0, 1], such as (0.05, 0.06, 0.08).",
            )
        ) from None
    if array.ndim != 1 or len(array) < min_size:
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be a flat sequence of at least {min_size} rates; got "
                f"{values!r}.",
                "pass numbers in [0, 1], such as (0.05, 0.06, 0.08).",
            )
        )
    bad = ~np.isfinite(array) | (array < 0) | (array > 1)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                RATE_ERROR.format(name=name, got=values),
                f"every value must be in [0, 1]; {array[bad][0]!r} is not.",
            )
        )
    return array


def check_share(
    value: Any, name: str, hint: str, *, zero: bool = False, one: bool = True
) -> float:
    """A share in (0, 1], with 0 allowed when ``zero`` and 1 refused unless ``one``."""
    ok = _is_number(value) and (
        (value >= 0 if zero else value > 0) and (value <= 1 if one else value < 1)
    )
    if not ok:
        interval = ("[0" if zero else "(0") + (", 1]" if one else ", 1)")
        raise _error(value)(
            with_hint(SHARE_ERROR.format(name=name, interval=interval, got=value), hint)
        )
    return float(value)


def check_ints(
    values: Any, name: str, *, low: int, high: int | None = None, hint: str
) -> tuple[int, ...]:
    """A non-empty sequence of distinct ints in [low, high], sorted."""
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = (values,)
    if not isinstance(values, Sequence | np.ndarray) or isinstance(values, str):
        raise MlkitTypeError(
            with_hint(f"'{name}' must be a sequence of ints; got {values!r}.", hint)
        )
    items = list(values)
    if not items:
        raise MlkitValueError(with_hint(EMPTY_ERROR.format(name=name), hint))
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must hold ints; {item!r} is a {type(item).__name__}.",
                    hint,
                )
            )
        if item < low or (high is not None and item > high):
            limit = f"[{low:,}, {high:,}]" if high is not None else f">= {low:,}"
            raise MlkitValueError(
                with_hint(f"'{name}' must hold ints {limit}; got {item!r}.", hint)
            )
    return tuple(sorted({int(i) for i in items}))


def outcomes(values: Any, name: str, *, binary: bool, min_size: int = 1) -> np.ndarray:
    """Numeric outcomes of one arm as floats: 0/1 when ``binary``, no missing values."""
    import pandas as pd

    if isinstance(values, pd.Series) and (
        pd.api.types.is_bool_dtype(values.dtype)
        or pd.api.types.is_numeric_dtype(values.dtype)
    ):
        # Nullable dtypes ("Int64", "boolean") hold pd.NA: read them as floats.
        values = values.to_numpy(dtype="float64", na_value=np.nan)
    array = as_1d(values, name)
    if len(array) == 0:
        raise MlkitValueError(
            with_hint(EMPTY_ERROR.format(name=name), "pass the outcome of every unit.")
        )
    if not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must hold numbers; got values of type {array.dtype}.",
                "pass 0/1 for conversions, or numbers such as revenue per user.",
            )
        )
    array = array.astype("float64")
    missing = np.isnan(array)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                MISSING_ERROR.format(name=name, count=int(missing.sum())),
                "drop the units whose outcome is not known yet, in both arms.",
            )
        )
    if np.isinf(array).any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' must hold finite outcomes; got {int(np.isinf(array).sum()):,} "
                "infinite value(s).",
                "pass finite outcomes per unit; drop the units whose outcome failed "
                "to compute, in both arms.",
            )
        )
    if binary:
        bad = (array != 0) & (array != 1)
        if bad.any():
            raise MlkitValueError(
                with_hint(
                    BINARY_ERROR.format(name=name, example=float(array[bad][0])),
                    "pass 1 for a conversion and 0 otherwise, or kind='mean' for "
                    "numbers such as revenue.",
                )
            )
    if len(array) < min_size:
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {len(array)} value(s); at least {min_size} are needed.",
                "a standard deviation needs two outcomes per arm.",
            )
        )
    return array
