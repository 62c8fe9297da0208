"""Checks of arguments shared by mlkit's functions.

Each raises an mlkit error that names the argument, what is allowed, what was
received and how to fix it. None modifies its input.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def check_frame(df: Any, name: str, *, allow_empty: bool = False) -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame with rows, else raise naming ``name``."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a pandas DataFrame; got {type(df).__name__}.",
                "wrap it with pandas.DataFrame(...), or pass the frame itself.",
            )
        )
    if not allow_empty and len(df) == 0:
        raise MlkitValueError(
            with_hint(f"'{name}' has no rows.", "pass a frame with at least one row.")
        )
    return df


def check_columns(df: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Raise naming ``name`` if any of ``columns`` is not a column of ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        import difflib

        close = difflib.get_close_matches(
            str(missing[0]), [str(c) for c in df.columns], n=1
        )
        raise MlkitValueError(
            with_hint(
                f"'{name}' names {', '.join(map(repr, missing))}, which is not a column "
                "of the frame.",
                (f"did you mean {close[0]!r}? " if close else "")
                + f"The columns are: {', '.join(map(str, df.columns[:30]))}"
                + (" ..." if len(df.columns) > 30 else "."),
            )
        )


def check_same_columns(
    a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str]
) -> None:
    """Raise if two frames that should share their columns do not."""
    only_a = [c for c in a.columns if c not in b.columns]
    only_b = [c for c in b.columns if c not in a.columns]
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"only '{names[0]}' has {', '.join(map(repr, only_a[:10]))}")
        if only_b:
            parts.append(f"only '{names[1]}' has {', '.join(map(repr, only_b[:10]))}")
        raise MlkitValueError(
            with_hint(
                f"'{names[0]}' and '{names[1]}' must have the same columns; "
                + "; ".join(parts)
                + ".",
                "select the same columns in both, for example "
                f"{names[1]}[{names[0]}.columns].",
            )
        )


def check_random_state(random_state: Any) -> np.random.Generator:
    """A numpy Generator from None, an int or a Generator."""
    import numpy as np

    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, (int, np.integer))
        and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    raise MlkitTypeError(
        with_hint(
            f"'random_state' must be None, an int or a numpy Generator; got "
            f"{random_state!r}.",
            "pass an int, such as random_state=0, for results you can reproduce.",
        )
    )


def check_size(size: Any, n: int, name: str = "size", *, replace: bool = False) -> int:
    """Rows to take from ``n``: an int >= 1, or a fraction in (0, 1]."""
    import numbers

    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a number of rows or a fraction; got {size!r}.",
                "pass an int such as 1000, or a float such as 0.1 for 10 %.",
            )
        )
    if isinstance(size, numbers.Integral):
        count = int(size)
        if count < 1:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must be at least 1; got {count}.",
                    "ask for at least one row, or pass a fraction such as 0.1.",
                )
            )
    else:
        if not 0 < size <= 1:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' as a fraction must be in (0, 1]; got {size!r}.",
                    "pass 0.1 for 10 %, or an int for a number of rows.",
                )
            )
        count = max(1, round(size * n))
    if count > n and not replace:
        raise MlkitValueError(
            with_hint(
                f"'{name}' asks for {count:,} rows, but there are only {n:,}.",
                "ask for fewer rows, or sample with replace=True.",
            )
        )
    return count


def as_1d(values: Any, name: str, *, length: int | None = None) -> np.ndarray:
    """A 1-d numpy array from a list, array or Series, with its length checked."""
    import numpy as np
    import pandas as pd

    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must be one column; got a frame with {values.shape[1]}.",
                    "pass a single column, for example df['label'].",
                )
            )
        values = values.iloc[:, 0]
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if array.ndim != 1:
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be one-dimensional; got shape {array.shape}.",
                "pass a list, a 1-d array or a Series.",
            )
        )
    if length is not None and len(array) != length:
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {len(array):,} values, but {length:,} are needed.",
                "pass one value per row of the data.",
            )
        )
    return array


#: Templates of the errors of check_int and check_number.
INT_ERROR = "'{name}' must be an integer of at least {low}; got {got!r}."
NUMBER_ERROR = "'{name}' must be a number {allowed}; got {got!r}."


def check_int(value: Any, name: str, low: int, example: str) -> int:
    """An integer of at least ``low``; a float or a bool is refused."""
    integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integer or value < low:
        raise (MlkitValueError if integer else MlkitTypeError)(
            with_hint(
                INT_ERROR.format(name=name, low=low, got=value),
                f"pass, for example, {name}={example}.",
            )
        )
    return int(value)


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    example: str,
) -> float:
    """A real number within optional bounds, open or closed."""
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = number and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if open_low else value >= low
    if ok and high is not None:
        ok = value < high if open_high else value <= high
    if not ok:
        left = "(" if open_low else "["
        right = ")" if open_high else "]"
        allowed = (
            f"in {left}{'-inf' if low is None else f'{low:g}'}, "
            f"{'inf' if high is None else f'{high:g}'}{right}"
        )
        raise (MlkitValueError if number else MlkitTypeError)(
            with_hint(
                NUMBER_ERROR.format(name=name, allowed=allowed, got=value),
                f"pass, for example, {name}={example}.",
            )
        )
    return float(value)


#: Template of the error for an option outside its allowed values.
CHOICE_ERROR = "'{name}' must be one of {allowed}; got {got!r}."


def check_confidence(confidence: Any) -> float:
    """A confidence level of an interval, in (0, 1), as a float."""
    return check_number(
        confidence,
        "confidence",
        low=0,
        high=1,
        open_low=True,
        open_high=True,
        example="0.95",
    )


def check_probabilities(
    values: Any, name: str, *, length: int | None = None, matrix: bool = False
) -> np.ndarray:
    """Probabilities as floats in [0, 1], refusing anything else with a hint.

    One column of scores by default (``length`` rows when given); with
    ``matrix=True``, an array of any shape, such as one probability per class.
    """
    import numpy as np

    array = np.asarray(values) if matrix else as_1d(values, name, length=length)
    if not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must hold numbers; got values of type {array.dtype}.",
                "pass predicted probabilities, such as model.predict_proba(X)[:, 1].",
            )
        )
    array = array.astype("float64")
    bad = ~np.isfinite(array) | (array < 0) | (array > 1)
    if bad.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be probabilities in [0, 1]; {int(bad.sum()):,} value(s) "
                f"are not, such as {array[bad][0]!r}.",
                "pass model.predict_proba(X); turn decision_function scores "
                "into probabilities with sklearn.calibration.CalibratedClassifierCV.",
            )
        )
    return array


def check_choice(value: Any, allowed: Sequence[str], name: str) -> str:
    """Return ``value`` if it is one of the strings ``allowed``, else raise naming ``name``."""
    if not isinstance(value, str) or value not in allowed:
        raise MlkitValueError(
            with_hint(
                CHOICE_ERROR.format(
                    name=name,
                    allowed="{" + ", ".join(map(repr, allowed)) + "}",
                    got=value,
                ),
                f"pass one of: {', '.join(allowed)}.",
            )
        )
    return value


def n_rows(X: Any, name: str, *, allow_empty: bool = False) -> int:
    """Rows of a two-dimensional input: a DataFrame, a 2-d array or a sparse matrix."""
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    if isinstance(X, pd.DataFrame) or sp.issparse(X):
        n = X.shape[0]
    elif isinstance(X, pd.Series):
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be two-dimensional (rows and features); got a Series.",
                f"pass a frame, for example {name}.to_frame().",
            )
        )
    else:
        shape = np.shape(X)
        if len(shape) != 2:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must be two-dimensional (rows and features); got shape "
                    f"{shape}.",
                    "pass a DataFrame, a 2-d array or a sparse matrix; reshape one "
                    "feature with .reshape(-1, 1).",
                )
            )
        n = shape[0]
    if n == 0 and not allow_empty:
        raise MlkitValueError(
            with_hint(f"'{name}' has no rows.", "pass at least one row.")
        )
    return n


def take_rows(X: Any, positions: Any) -> Any:
    """Rows of ``X`` at ``positions`` (never by index label), keeping its type."""
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[positions]
    if sp.issparse(X):
        return X.tocsr()[positions]
    return np.asarray(X)[positions]


#: Errors that a caller's model raises on data it cannot use.
MODEL_ERRORS = (
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    KeyError,
    ArithmeticError,
    NotImplementedError,
)


@contextmanager
def model_errors(name: str, action: str, *, function: bool = False) -> Iterator[None]:
    """Turn an error of the caller's model (or function) into an mlkit error.

    ``with model_errors("model", "predict on 'X'"): model.predict(X)`` keeps
    scikit-learn's message, says which argument failed at what, and chains the
    original error (``raise ... from``) so its traceback is one scroll away.
    mlkit's own errors pass through unchanged. With ``function=True`` the hint
    speaks of a function the caller wrote, not of a fitted model.
    """
    from mlkit._exceptions import MlkitError

    try:
        yield
    except MlkitError:
        raise
    except MODEL_ERRORS as exc:
        first = (str(exc).strip().split("\n") or [""])[0][:300]
        hint = (
            f"'{name}' is a function of yours: call it on a few rows of the same "
            "data to see where it fails (its own error is chained above), and make "
            "it take the data as mlkit passes it."
            if function
            else f"check that '{name}' is fitted and takes the data as given: the "
            "columns and kinds it was fitted on, and no missing values unless it "
            "handles them (wrap it in a Pipeline with a SimpleImputer, or use "
            "HistGradientBoostingClassifier)."
        )
        raise MlkitValueError(
            with_hint(
                f"'{name}' could not {action}: {type(exc).__name__}: {first}", hint
            )
        ) from exc
