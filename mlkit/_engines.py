"""Tables that live in another engine: polars, pyarrow, DuckDB and Dask.

Prediction logs outgrow memory long before a notebook does. The core statistics
of mlkit are finished from small, mergeable aggregates (counts per group and
confusion cell, sums per bin, counts per category or per histogram bin), so
:func:`~mlkit.fairness.group_metrics`, :func:`~mlkit.evaluation.slice_metrics`,
:func:`~mlkit.calibration.reliability` and
:func:`~mlkit.monitoring.drift_report` take a table of another engine as it is:
the aggregates are computed by that engine, through narwhals expressions (one
group-by per statistic), and only the aggregate table comes back to be finished
in numpy, as the pandas path finishes its own ``np.bincount``.

Which tables: a polars ``DataFrame`` or ``LazyFrame``, a pyarrow ``Table``, a
DuckDB relation and a Dask ``DataFrame`` (the last on one machine or on a
``distributed`` cluster, whichever its scheduler is). None of those libraries is
imported unless such a table is passed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

if TYPE_CHECKING:
    import narwhals as nw
    import pandas as pd

__all__ = ["ENGINES", "collect", "engine_of", "lazy", "resolve"]

#: The engines whose tables mlkit aggregates where they are, by the top-level
#: module of the table's type.
ENGINES: dict[str, str] = {
    "polars": "polars",
    "pyarrow": "pyarrow",
    "duckdb": "duckdb",
    "_duckdb": "duckdb",
    "dask": "dask",
    "dask_expr": "dask",
}

DATA_ERROR = (
    "'data' must be a pandas DataFrame or a table of polars, pyarrow, DuckDB or "
    "Dask; got {got}."
)
NAME_ERROR = (
    "with 'data', {name!r} must name a column of it (or a list of columns); got {got}."
)


def engine_of(obj: Any) -> str | None:
    """``"polars"``, ``"pyarrow"``, ``"duckdb"`` or ``"dask"`` for such a table, else None.

    Read from the type's module, so that nothing is imported: a pandas frame, an
    array or a list gives None.
    """
    engine = ENGINES.get(type(obj).__module__.split(".")[0])
    if engine == "pyarrow" and type(obj).__name__ != "Table":
        return None  # a pyarrow Array is a column, as a list is
    if engine == "polars" and type(obj).__name__ not in ("DataFrame", "LazyFrame"):
        return None
    if engine == "dask" and type(obj).__name__ != "DataFrame":
        return None
    return engine


def lazy(table: Any, name: str) -> nw.LazyFrame:
    """``table`` (of an engine of :data:`ENGINES`) as a narwhals LazyFrame."""
    import narwhals as nw

    if engine_of(table) is None:
        raise MlkitTypeError(
            with_hint(
                DATA_ERROR.replace("'data'", repr(name)).format(
                    got=type(table).__name__
                ),
                "pass a polars, pyarrow, DuckDB or Dask table, or a pandas DataFrame.",
            )
        )
    with warnings.catch_warnings():
        # narwhals announces that its Dask support moves to another package; it
        # still works, and the warning is not the caller's to act on.
        warnings.filterwarnings("ignore", "Dask support is moving", FutureWarning)
        frame = nw.from_native(table)
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def collect(frame: nw.LazyFrame) -> pd.DataFrame:
    """Compute ``frame`` (a small aggregate) in its engine, as a pandas frame.

    The index is a plain range: Dask keeps its partitions' own.
    """
    if engine_of(frame.to_native()) == "dask":
        import dask

        # Dask spreads a group-by of several keys over many partitions with a
        # shuffle; its peer-to-peer method fails on the intermediate frames of
        # some aggregations (columns named by both text and numbers), the
        # task-based one does not.
        with dask.config.set({"dataframe.shuffle.method": "tasks"}):
            result = frame.collect(backend="pandas")
    else:
        result = frame.collect(backend="pandas")
    return result.to_native().reset_index(drop=True)


def _names(value: Any, argument: str, several: bool) -> list[str]:
    if isinstance(value, str):
        return [value]
    if (
        several
        and isinstance(value, Sequence)
        and value
        and all(isinstance(v, str) for v in value)
        and len(set(value)) == len(value)
    ):
        return list(value)
    message = NAME_ERROR.format(name=argument, got=repr(value)[:80])
    raise MlkitTypeError(
        with_hint(
            message if several else message.replace(" (or a list of columns)", ""),
            f"pass {argument}='column' (a name of 'data'), or the values themselves "
            "without 'data'.",
        )
    )


def _check_names(columns: Sequence[str], wanted: list[str], argument: str) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        import difflib

        close = difflib.get_close_matches(missing[0], list(columns), n=1)
        raise MlkitValueError(
            with_hint(
                f"{argument!r} names {', '.join(map(repr, missing))}, which is not a "
                "column of 'data'.",
                (f"did you mean {close[0]!r}? " if close else "")
                + f"The columns are: {', '.join(map(str, list(columns)[:30]))}"
                + (" ..." if len(columns) > 30 else "."),
            )
        )


def resolve(
    data: Any, arguments: Mapping[str, Any], *, several: Sequence[str] = ()
) -> tuple[nw.LazyFrame | None, dict[str, Any]]:
    """The ``data=`` convention: arguments that name columns of ``data``.

    ``arguments`` maps each argument's name to what the caller passed; None (an
    optional argument left out) stays None. Arguments of ``several`` may name a
    list of columns, the others one column.

    Returns
    -------
    (None, arguments)
        ``data`` is None: the arguments are the values themselves.
    (None, values)
        ``data`` is a pandas DataFrame: each name becomes its column (a Series),
        each list of names a DataFrame of those columns; the rest of the
        function runs as on values.
    (frame, names)
        ``data`` is a table of another engine: a narwhals LazyFrame, and each
        argument as a list of column names, checked to exist.
    """
    if data is None:
        return None, dict(arguments)
    import pandas as pd

    given = {k: v for k, v in arguments.items() if v is not None}
    names = {}
    for argument, value in given.items():
        names[argument] = _names(value, argument, argument in several)
    if isinstance(data, pd.DataFrame):
        columns = list(data.columns)
        out: dict[str, Any] = dict.fromkeys(arguments)
        for argument, wanted in names.items():
            _check_names(columns, wanted, argument)
            single = isinstance(given[argument], str)
            out[argument] = data[wanted[0]] if single else data[wanted]
        return None, out
    if engine_of(data) is None:
        raise MlkitTypeError(
            with_hint(
                DATA_ERROR.format(got=type(data).__name__),
                "pass a table, and name its columns in the other arguments; or leave "
                "'data' out and pass the values themselves.",
            )
        )
    frame = lazy(data, "data")
    columns = frame.collect_schema().names()
    for argument, wanted in names.items():
        _check_names(columns, wanted, argument)
    return frame, {k: names.get(k) for k in arguments}
