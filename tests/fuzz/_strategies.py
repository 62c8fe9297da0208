"""Generated inputs of every kind mlkit accepts, messy ones included.

Sizes lean towards the edges (no row, one row, two rows); values towards the
trouble makers (NaN, infinities, 1e300, 1e-300, one class only); containers
towards what learners pass (list, ndarray, Series with duplicated or string index
labels, pandas 3 ``str``, categorical and nullable dtypes); column names towards
unicode. Each strategy draws with ``data.draw`` inside a test given ``st.data()``
so that one function's arguments can depend on each other (same length, same
columns).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

#: Row counts, the edges first: hypothesis shrinks towards the start of a list.
sizes = st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(4, 60))

#: Column names a prototyper's data may have.
NAMES = ("x", "âge", "prix €", "年齢", "a b", "Ω", "col_1", "naïve", "🙂", "y2")

FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
#: Floats with the values that break naive code.
NASTY_FLOATS = st.one_of(
    FINITE,
    st.sampled_from(
        [0.0, -0.0, 1e300, -1e300, 1e-300, 5e-324, np.nan, np.inf, -np.inf]
    ),
)


def rows(data: Any, low: int = 0, high: int | None = None) -> int:
    """A row count between ``low`` and ``high``, edges first."""
    return data.draw(sizes.filter(lambda n: n >= low and (high is None or n <= high)))


def index(data: Any, n: int) -> pd.Index:
    """A row index: the default, shuffled integers, duplicated labels or strings."""
    kind = data.draw(st.sampled_from(["range", "shuffled", "duplicated", "strings"]))
    if kind == "range" or n == 0:
        return pd.RangeIndex(n)
    if kind == "shuffled":
        return pd.Index(np.random.default_rng(n).permutation(n) + 100)
    if kind == "duplicated":
        return pd.Index(np.arange(n) // 2)
    return pd.Index([f"r{i}" for i in range(n)])


def container(data: Any, values: Any, *, kinds: Any = None) -> Any:
    """``values`` (a 1-D array) as a list, ndarray, Series or categorical/nullable Series."""
    values = np.asarray(values)
    choices = kinds or [
        "ndarray",
        "list",
        "series",
        "series_index",
        "category",
        "nullable",
    ]
    kind = data.draw(st.sampled_from(choices))
    if kind == "ndarray":
        return values
    if kind == "list":
        return values.tolist()
    if kind == "series":
        return pd.Series(values)
    if kind == "series_index":
        return pd.Series(values, index=index(data, len(values)))
    if kind == "category":
        return pd.Series(values, dtype="category")
    # Nullable: pandas' own dtype for the values' kind.
    series = pd.Series(values)
    return series.convert_dtypes()


def labels(
    data: Any, n: int, *, classes: Any = None, min_classes: int = 1
) -> np.ndarray:
    """``n`` class labels: integers, strings or booleans, possibly one class only."""
    if classes is None:
        classes = data.draw(
            st.sampled_from(
                [(0, 1), ("no", "yes"), (False, True), (0, 1, 2), ("a", "b", "c")]
            )
        )
    k = data.draw(st.integers(min(min_classes, len(classes)), len(classes)))
    chosen = np.asarray(
        classes[:k], dtype=object if isinstance(classes[0], str) else None
    )
    codes = data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    return chosen[np.asarray(codes, dtype=int)] if n else chosen[:0]


def binary_labels(data: Any, n: int) -> np.ndarray:
    """``n`` labels of a binary task coded 0/1, possibly all one class."""
    return labels(data, n, classes=(0, 1))


def probabilities(data: Any, n: int, *, nasty: bool = True) -> np.ndarray:
    """``n`` probabilities in [0, 1], the extremes likely; with ``nasty``, sometimes a NaN or 1.5."""
    inside = st.one_of(
        st.floats(0, 1), st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1 - 1e-16])
    )
    element = (
        st.one_of(inside, st.sampled_from([np.nan, 1.5, -0.1])) if nasty else inside
    )
    # A bad value in a twentieth of the draws keeps most calls on the valid path.
    values = data.draw(st.lists(inside, min_size=n, max_size=n))
    if nasty and n and data.draw(st.integers(0, 19)) == 0:
        values[data.draw(st.integers(0, n - 1))] = data.draw(element)
    return np.asarray(values, dtype=float)


def floats(data: Any, n: int, *, nasty: bool = True) -> np.ndarray:
    """``n`` floats, with NaN, infinities and extreme magnitudes when ``nasty``."""
    element = NASTY_FLOATS if nasty else FINITE
    return np.asarray(data.draw(st.lists(element, min_size=n, max_size=n)), dtype=float)


def column(data: Any, n: int, kind: str) -> pd.Series:
    """One column of ``n`` rows of ``kind``."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    if kind == "float":
        values = floats(data, n)
        return pd.Series(values)
    if kind == "float_clean":
        return pd.Series(
            rng.normal(size=n) * data.draw(st.sampled_from([1.0, 1e-12, 1e12]))
        )
    if kind == "int":
        return pd.Series(rng.integers(-5, 5, n))
    if kind == "Int64":
        values = pd.array(rng.integers(0, 100, n), dtype="Int64")
        if n:
            values[rng.random(n) < 0.2] = pd.NA
        return pd.Series(values)
    if kind == "Float64":
        return pd.Series(pd.array(rng.normal(size=n), dtype="Float64"))
    if kind == "bool":
        return pd.Series(rng.random(n) < 0.5)
    if kind == "boolean":
        values = pd.array(rng.random(n) < 0.5, dtype="boolean")
        if n:
            values[rng.random(n) < 0.2] = pd.NA
        return pd.Series(values)
    if kind == "str":
        words = np.array(["rouge", "vert", "青", "", "a b", "Zoë"], dtype=object)
        values = pd.Series(words[rng.integers(0, len(words), n)], dtype="str")
        if n:
            values[rng.random(n) < 0.1] = np.nan
        return values
    if kind == "category":
        return pd.Series(rng.choice(["low", "mid", "high"], n), dtype="category")
    if kind == "datetime":
        values = pd.Series(
            pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
        )
        if n:
            values[rng.random(n) < 0.1] = pd.NaT
        return values
    if kind == "all_nan":
        return pd.Series(np.full(n, np.nan))
    if kind == "constant":
        return pd.Series(np.full(n, 3.0))
    raise ValueError(kind)


#: Column kinds of a generated frame.
KINDS = (
    "float",
    "float_clean",
    "int",
    "Int64",
    "Float64",
    "bool",
    "boolean",
    "str",
    "category",
    "datetime",
    "all_nan",
    "constant",
)
NUMERIC_KINDS = (
    "float_clean",
    "int",
    "Int64",
    "Float64",
    "constant",
    "float",
    "all_nan",
)


def frame(
    data: Any,
    n: int,
    *,
    kinds: Any = KINDS,
    min_columns: int = 1,
    max_columns: int = 4,
    names: Any = NAMES,
) -> pd.DataFrame:
    """A DataFrame of ``n`` rows with columns of ``kinds`` and unicode names."""
    count = data.draw(st.integers(min_columns, max_columns))
    chosen = data.draw(
        st.lists(
            st.sampled_from(list(names)), min_size=count, max_size=count, unique=True
        )
    )
    columns = {
        name: column(data, n, data.draw(st.sampled_from(list(kinds))))
        for name in chosen
    }
    df = pd.DataFrame(columns, index=pd.RangeIndex(n))
    df.index = index(data, n)
    return df


def numeric_frame(data: Any, n: int, **kwargs: Any) -> pd.DataFrame:
    """A DataFrame of numeric columns only (NaN and extreme values included)."""
    return frame(data, n, kinds=NUMERIC_KINDS, **kwargs)


def random_state(data: Any) -> Any:
    """A random_state: an int, most of the time; sometimes None."""
    return data.draw(st.one_of(st.integers(0, 2**31 - 1), st.just(0)))


#: The kinds of mlkit.features.infer_kinds, for :func:`clean_frame`.
FEATURE_KINDS = ("numeric", "integer", "boolean", "category", "text", "id", "datetime")


def clean_frame(kinds: Any, n: int, seed: int) -> pd.DataFrame:
    """``n`` clean rows whose columns have the feature kinds of ``kinds``.

    ``kinds`` maps column names to kinds of :data:`FEATURE_KINDS`, as
    ``mlkit.features.infer_kinds`` returns them; the frame is what a model
    built from those kinds should fit. Numbers miss a tenth of their values;
    integers are pandas' nullable ``Int64``, as a prototyper's data often are
    (every model of ``mlkit.models.ladder`` fits them as well as numpy ints).
    """
    rng = np.random.default_rng(seed)
    columns: dict[Any, Any] = {}
    for name, kind in kinds.items():
        if kind == "numeric":
            values = rng.lognormal(size=n)
            values[rng.random(n) < 0.1] = np.nan
            columns[name] = values
        elif kind == "integer":
            columns[name] = pd.array(rng.integers(0, 50, n), dtype="Int64")
        elif kind == "boolean":
            columns[name] = rng.random(n) < 0.5
        elif kind == "category":
            columns[name] = pd.Series(rng.choice(["a", "b", "c"], n), dtype="str")
        elif kind == "text":
            words = np.array(["red fox", "blue sky", "red sky at night", "fox news"])
            columns[name] = pd.Series(words[rng.integers(0, 4, n)], dtype="str")
        elif kind == "id":
            columns[name] = [f"id{i}" for i in range(n)]
        elif kind == "datetime":
            columns[name] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
                rng.integers(0, 100, n), unit="D"
            )
        else:
            raise ValueError(kind)
    return pd.DataFrame(columns)
